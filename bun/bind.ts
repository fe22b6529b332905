/**
 * The bun:ffi binding of the symbol table, shared by the Bun entry and
 * its worker. Bun names the C types as symbols.ts does.
 *
 * @module
 */

import { CString, dlopen, type FFIFunction, read, toArrayBuffer } from "bun:ffi";

import { RESPONSE_HEADER_BYTES, type SymbolName, symbols } from "../ffi/symbols.ts";

function bunSymbols() {
  const table = {} as Record<SymbolName, FFIFunction>;
  for (const name of Object.keys(symbols) as SymbolName[]) {
    const { parameters, result } = symbols[name];
    table[name] = { args: [...parameters], returns: result } as FFIFunction;
  }
  return table;
}

/** The library's functions, with response blocks copied out and freed. */
export interface BunLibrary {
  /** `authy_abi_version`. */
  abiVersion(): number;
  /** `authy_open`. */
  open(request: Uint8Array): Uint8Array;
  /** `authy_call`. */
  call(handle: number, request: Uint8Array): Uint8Array;
  /** `authy_call`, the response decoded straight from the native block. */
  callText(handle: number, request: Uint8Array): string;
  /** `authy_close`. */
  close(handle: number): Uint8Array;
}

/** Opens the library at `path` with bun:ffi. */
export function bindBun(path: string): BunLibrary {
  // deno-lint-ignore no-explicit-any
  const lib = dlopen(path, bunSymbols()).symbols as any;
  const take = (pointer: number | null): Uint8Array => {
    if (!pointer) throw new Error("native library returned no response");
    const length = Number(read.u64(pointer as never, 0));
    const bytes = new Uint8Array(toArrayBuffer(pointer as never, RESPONSE_HEADER_BYTES, length))
      .slice();
    lib.authy_free(pointer);
    return bytes;
  };
  // The hot path: no ArrayBuffer at all, CString decodes the UTF-8 into a
  // string and the block is zeroed and freed right after.
  const text = (pointer: number | null): string => {
    if (!pointer) throw new Error("native library returned no response");
    try {
      const length = read.u32(pointer as never, 0) + read.u32(pointer as never, 4) * 2 ** 32;
      return new CString(pointer as never, RESPONSE_HEADER_BYTES, length).toString();
    } finally {
      lib.authy_free(pointer);
    }
  };
  return {
    abiVersion: () => lib.authy_abi_version(),
    open: (request) => take(lib.authy_open(request, request.length)),
    call: (handle, request) => take(lib.authy_call(handle, request, request.length)),
    callText: (handle, request) => text(lib.authy_call(handle, request, request.length)),
    close: (handle) => take(lib.authy_close(handle)),
  };
}

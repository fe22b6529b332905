/**
 * `@authy/vault` for Node.js: the same API through koffi. `Authy.open` and
 * `batchAsync` run their native call on koffi's worker threads.
 *
 * @module
 */

import koffi from "koffi";

import { installLoader } from "../ffi/native.ts";
import { createLoader } from "../ffi/loader.ts";
import { processHost } from "../ffi/platform.ts";
import { RESPONSE_HEADER_BYTES, type SymbolName, symbols } from "../ffi/symbols.ts";
import type { NativeLibrary } from "../ffi/symbols.ts";

/** C type names of the symbol table's types. */
const cTypes: Record<string, string> = {
  u32: "uint32_t",
  u64: "uint64_t",
  usize: "size_t",
  buffer: "const uint8_t *",
  pointer: "void *",
  void: "void",
};

// deno-lint-ignore no-explicit-any
type KoffiFunction = ((...args: any[]) => any) & { async: (...args: any[]) => void };

function bind(path: string): NativeLibrary {
  const lib = koffi.load(path);
  const fn = {} as Record<SymbolName, KoffiFunction>;
  for (const name of Object.keys(symbols) as SymbolName[]) {
    const { parameters, result } = symbols[name];
    fn[name] = lib.func(name, cTypes[result], parameters.map((p) => cTypes[p])) as KoffiFunction;
  }
  const take = (pointer: unknown): Uint8Array => {
    if (!pointer) throw new Error("native library returned no response");
    const length = Number(koffi.decode(pointer, "uint64_t"));
    const block = new Uint8Array(koffi.view(pointer, RESPONSE_HEADER_BYTES + length));
    const bytes = block.slice(RESPONSE_HEADER_BYTES);
    fn.authy_free(pointer);
    return bytes;
  };
  const later = (name: SymbolName, ...args: unknown[]): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      fn[name].async(...args, (error: unknown, pointer: unknown) => {
        if (error) reject(error);
        else {
          try {
            resolve(take(pointer));
          } catch (failure) {
            reject(failure);
          }
        }
      });
    });
  return {
    path,
    abiVersion: () => fn.authy_abi_version(),
    open: (request) => take(fn.authy_open(request, request.length)),
    openAsync: (request) => later("authy_open", request, request.length),
    call: (handle, request) => take(fn.authy_call(handle, request, request.length)),
    callAsync: (handle, request) => later("authy_call", handle, request, request.length),
    close: (handle) => take(fn.authy_close(handle)),
  };
}

installLoader(createLoader(processHost(bind)));

export * from "../ffi/public.ts";

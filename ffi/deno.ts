/**
 * The Deno binding of the symbol table: `Deno.dlopen`, with non-blocking
 * twins of `open` and `call` that run on Deno's FFI thread pool.
 *
 * @module
 */

import { type NativeLibrary, RESPONSE_HEADER_BYTES, symbols } from "./symbols.ts";
import { type LibraryHost, localBuildPath } from "./library.ts";
import { createLoader } from "./loader.ts";
import { installedPlatformLibrary } from "./packages.ts";
import type { NativeLoader } from "./native.ts";

const denoSymbols = {
  ...symbols,
  authy_open_nonblocking: { ...symbols.authy_open, name: "authy_open", nonblocking: true },
  authy_call_nonblocking: { ...symbols.authy_call, name: "authy_call", nonblocking: true },
} as const;

type Bound = Deno.DynamicLibrary<typeof denoSymbols>["symbols"];

/** Copies a response block out and frees it. */
function take(lib: Bound, pointer: Deno.PointerValue): Uint8Array {
  if (pointer === null) throw new Error("native library returned no response");
  const view = new Deno.UnsafePointerView(pointer);
  const bytes = new Uint8Array(Number(view.getBigUint64(0)));
  view.copyInto(bytes, RESPONSE_HEADER_BYTES);
  lib.authy_free(pointer);
  return bytes;
}

/** Opens the library at `path` with Deno's FFI. */
export function bind(path: string): NativeLibrary {
  const lib = Deno.dlopen(path, denoSymbols).symbols;
  return {
    path,
    abiVersion: () => lib.authy_abi_version(),
    open: (request) => take(lib, lib.authy_open(request, BigInt(request.length))),
    openAsync: async (request) =>
      take(lib, await lib.authy_open_nonblocking(request, BigInt(request.length))),
    call: (handle, request) =>
      take(lib, lib.authy_call(BigInt(handle), request, BigInt(request.length))),
    callAsync: async (handle, request) =>
      take(lib, await lib.authy_call_nonblocking(BigInt(handle), request, BigInt(request.length))),
    close: (handle) => take(lib, lib.authy_close(BigInt(handle))),
  };
}

/** The Deno loader. */
export const denoLoader: NativeLoader = createLoader(
  {
    os: Deno.build.os,
    arch: Deno.build.arch,
    readEnv(name: string): string | undefined {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined; // --allow-env not granted for this name: skip it
      }
    },
    load: bind,
    developmentPaths: () => localBuildPath(Deno.build.os),
    packagedPaths: () => installedPlatformLibrary(Deno.build.os, Deno.build.arch),
  } satisfies LibraryHost,
);

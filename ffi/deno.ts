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

/** Responses up to this size are copied into one reused buffer. */
const SCRATCH_LIMIT = 1 << 20;
let scratch = new Uint8Array(16 << 10);

/**
 * Copies a response block out and frees it. With `reuse`, a response that
 * fits is copied into a buffer shared by every synchronous call: the caller
 * decodes it and zeroes it (as `decodeResponse` does) before the next call.
 */
function take(lib: Bound, pointer: Deno.PointerValue, reuse: boolean): Uint8Array {
  if (pointer === null) throw new Error("native library returned no response");
  const view = new Deno.UnsafePointerView(pointer);
  // The header is a little-endian u64; two u32 reads avoid a BigInt.
  const length = view.getUint32(0) + view.getUint32(4) * 2 ** 32;
  let bytes: Uint8Array;
  if (reuse && length <= SCRATCH_LIMIT) {
    // Grown buffers replace ones that are already zeroed.
    if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
    bytes = scratch.subarray(0, length);
  } else {
    bytes = new Uint8Array(length);
  }
  view.copyInto(bytes, RESPONSE_HEADER_BYTES);
  lib.authy_free(pointer);
  return bytes;
}

const decoder = new TextDecoder();

/** Opens the library at `path` with Deno's FFI. */
export function bind(path: string): NativeLibrary {
  const lib = Deno.dlopen(path, denoSymbols).symbols;
  const call = (handle: number, request: Uint8Array): Uint8Array =>
    take(lib, lib.authy_call(BigInt(handle), request, BigInt(request.length)), true);
  return {
    path,
    abiVersion: () => lib.authy_abi_version(),
    open: (request) => take(lib, lib.authy_open(request, BigInt(request.length)), false),
    openAsync: async (request) =>
      take(lib, await lib.authy_open_nonblocking(request, BigInt(request.length)), false),
    call,
    callText: (handle, request) => {
      const bytes = call(handle, request);
      try {
        return decoder.decode(bytes);
      } finally {
        bytes.fill(0);
      }
    },
    callAsync: async (handle, request) =>
      take(
        lib,
        await lib.authy_call_nonblocking(BigInt(handle), request, BigInt(request.length)),
        false,
      ),
    close: (handle) => take(lib, lib.authy_close(BigInt(handle)), true),
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

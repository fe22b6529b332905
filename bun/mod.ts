/**
 * `@authy/vault/bun`: the same API as the Deno entry, bound with bun:ffi.
 * `Authy.open` and `batchAsync` run their native call on a Worker.
 *
 * @module
 */

import { installLoader } from "../ffi/native.ts";
import { createLoader } from "../ffi/loader.ts";
import { processHost } from "../ffi/platform.ts";
import type { NativeLibrary } from "../ffi/symbols.ts";
import { bindBun } from "./bind.ts";
import { offThread } from "./offthread.ts";

const mayUseScrypt = [
  new TextEncoder().encode('"passphrase"'),
  new TextEncoder().encode('"fromEnv"'),
];

/** Whether `bytes` holds `part` anywhere. */
function holds(bytes: Uint8Array, part: Uint8Array): boolean {
  outer: for (let i = bytes.indexOf(part[0]); i !== -1; i = bytes.indexOf(part[0], i + 1)) {
    for (let k = 1; k < part.length; k++) if (bytes[i + k] !== part[k]) continue outer;
    return true;
  }
  return false;
}

function bind(path: string): NativeLibrary {
  const library = bindBun(path);
  return {
    path,
    ...library,
    // Starting the worker takes several milliseconds, longer than opening
    // a keyfile vault (no scrypt: about a millisecond per thousand
    // secrets), so only an open that may run scrypt (a passphrase, or
    // credentials from the environment) goes to the worker.
    openAsync: (request) => {
      if (mayUseScrypt.some((key) => holds(request, key))) return offThread(path, null, request);
      try {
        return Promise.resolve(library.open(request));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    callAsync: (handle, request) => offThread(path, handle, request),
  };
}

installLoader(createLoader(processHost(bind)));

export * from "../ffi/public.ts";

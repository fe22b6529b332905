/**
 * `@authy/vault/bun`: the same API as the Deno entry, bound with bun:ffi.
 * `Authy.open` and `batchAsync` run their native call on a Worker.
 *
 * @module
 */

import process from "node:process";

import { installLoader } from "../ffi/native.ts";
import { createLoader } from "../ffi/loader.ts";
import { localBuildPath } from "../ffi/library.ts";
import { archName, osName } from "../ffi/platform.ts";
import type { NativeLibrary } from "../ffi/symbols.ts";
import { installedPlatformLibrary } from "../ffi/packages.ts";
import { bindBun } from "./bind.ts";
import { offThread } from "./offthread.ts";

function bind(path: string): NativeLibrary {
  const library = bindBun(path);
  return {
    path,
    ...library,
    openAsync: (request) => offThread(path, null, request),
    callAsync: (handle, request) => offThread(path, handle, request),
  };
}

const os = osName(process.platform);
const arch = archName(process.arch);

installLoader(createLoader({
  os,
  arch,
  readEnv: (name) => process.env[name],
  load: bind,
  developmentPaths: () => localBuildPath(os),
  packagedPaths: () => installedPlatformLibrary(os, arch),
}));

export * from "../ffi/public.ts";

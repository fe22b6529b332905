/**
 * The platform names of Node-style runtimes (Bun, Node) in the terms the
 * library lookup uses.
 *
 * @module
 */

import process from "node:process";

import { type LibraryHost, localBuildPath } from "./library.ts";
import { installedPlatformLibrary } from "./packages.ts";
import type { NativeLibrary } from "./symbols.ts";

/** `process.platform` as the lookup's `os`. */
export function osName(platform: string): string {
  return platform === "win32" ? "windows" : platform;
}

/** `process.arch` as the lookup's `arch`. */
export function archName(arch: string): string {
  if (arch === "x64") return "x86_64";
  if (arch === "arm64") return "aarch64";
  return arch;
}

/**
 * The lookup's view of a Node-style runtime (Bun, Node): its platform,
 * its environment, the source tree's build and the npm platform package.
 */
export function processHost(load: (path: string) => NativeLibrary): LibraryHost {
  const os = osName(process.platform);
  const arch = archName(process.arch);
  return {
    os,
    arch,
    readEnv: (name) => process.env[name],
    load,
    developmentPaths: () => localBuildPath(os),
    packagedPaths: () => installedPlatformLibrary(os, arch),
  };
}

import type * as NodeModule from "node:module";
import type * as NodePath from "node:path";

import { nodeBuiltin } from "./builtins.ts";
import { fileUrlToPath, libraryFileName } from "./library.ts";

/**
 * The npm platform packages that carry the native library. Adding a
 * platform is one line here and one build target in scripts/build_npm.ts.
 *
 * @module
 */

/** One platform package: where it runs and what it is called. */
export interface PlatformPackage {
  /** npm package name. */
  name: string;
  /** The lookup's `os`. */
  os: string;
  /** The lookup's `arch`. */
  arch: string;
  /** npm's `os` field. */
  npmOs: string;
  /** npm's `cpu` field. */
  npmCpu: string;
  /** The Rust target the library is built for. */
  rustTarget: string;
}

/** Every platform package that is built and published. */
export const platformPackages: PlatformPackage[] = [
  {
    name: "@authy/vault-linux-x64-gnu",
    os: "linux",
    arch: "x86_64",
    npmOs: "linux",
    npmCpu: "x64",
    rustTarget: "x86_64-unknown-linux-gnu",
  },
];

/** The package name for a platform, if one is published. */
export function platformPackage(os: string, arch: string): string | undefined {
  return platformPackages.find((p) => p.os === os && p.arch === arch)?.name;
}

/**
 * Step 3 of the lookup: the installed platform package's library, when
 * this module itself was installed from npm (elsewhere nothing is looked
 * up, so a Deno user is never asked for read access).
 */
export function installedPlatformLibrary(os: string, arch: string): string[] {
  const name = platformPackage(os, arch);
  if (!name || !import.meta.url.includes("/node_modules/")) return [];
  try {
    // node:module and node:path are loaded here, not on import (see
    // builtins.ts); a Node without getBuiltinModule (before 20.16)
    // resolves through import.meta.resolve instead.
    const module = nodeBuiltin<typeof NodeModule>("node:module");
    const path = nodeBuiltin<typeof NodePath>("node:path");
    if (module && path) {
      const manifest = module.createRequire(import.meta.url).resolve(`${name}/package.json`);
      return [path.join(path.dirname(manifest), libraryFileName(os))];
    }
    const manifest = new URL(import.meta.resolve(`${name}/package.json`));
    return [fileUrlToPath(new URL(libraryFileName(os), manifest))];
  } catch {
    return [];
  }
}

/**
 * Where the native library is found, in order:
 *
 * 1. an explicit path passed in code, or the `AUTHY_VAULT_LIB` variable
 *    (then nothing else is tried);
 * 2. a local build in the source tree (`rust/target/release`);
 * 3. paths the runtime adds (the npm platform package);
 * 4. a release artifact for this version and platform, in the download
 *    cache, verified by SHA-256 (downloaded there by `Authy.open`).
 *
 * Each candidate must load and report {@link ABI_VERSION}. A failure lists
 * every attempt in order and keeps the first cause.
 *
 * @module
 */

import { ABI_VERSION, type NativeLibrary } from "./symbols.ts";
import { libraryLoadError } from "./errors.ts";

/** What a runtime tells the lookup about itself. */
export interface LibraryHost {
  /** `linux`, `darwin` or `windows`. */
  os: string;
  /** `x86_64` or `aarch64`. */
  arch: string;
  /** Reads an environment variable; `undefined` when unset or not permitted. */
  readEnv(name: string): string | undefined;
  /** Opens the library at a path and binds the symbol table. */
  load(path: string): NativeLibrary;
  /** Step 2: local builds to try, e.g. {@link localBuildPath}. */
  developmentPaths?(): string[];
  /** Step 3: the runtime's packaged copies (the npm platform package). */
  packagedPaths?(): string[];
}

/** How code can steer the lookup. */
export interface LibraryOptions {
  /** Load exactly this file. */
  path?: string;
}

/** One candidate of the lookup and where it came from. */
export interface Candidate {
  /** Why this path is tried, e.g. `AUTHY_VAULT_LIB`. */
  source: string;
  /** The file to load. */
  path: string;
}

/** The library's file name on an operating system. */
export function libraryFileName(os: string): string {
  if (os === "windows") return "authy_vault.dll";
  if (os === "darwin") return "libauthy_vault.dylib";
  return "libauthy_vault.so";
}

/** A file URL as a local path. */
export function fileUrlToPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** The local build's path, when this module runs from a source checkout. */
export function localBuildPath(os: string): string[] {
  const url = new URL(`../rust/target/release/${libraryFileName(os)}`, import.meta.url);
  return url.protocol === "file:" ? [fileUrlToPath(url)] : [];
}

/** The candidates of steps 1 to 3, in order. */
export function candidates(host: LibraryHost, options: LibraryOptions = {}): Candidate[] {
  if (options.path) return [{ source: "explicit path", path: options.path }];
  const fromEnv = host.readEnv("AUTHY_VAULT_LIB");
  if (fromEnv) return [{ source: "AUTHY_VAULT_LIB", path: fromEnv }];
  const found: Candidate[] = [];
  for (const path of host.developmentPaths?.() ?? []) {
    found.push({ source: "local build", path });
  }
  for (const path of host.packagedPaths?.() ?? []) {
    found.push({ source: "platform package", path });
  }
  return found;
}

/** A candidate that failed, and why. */
export interface Attempt extends Candidate {
  /** The failure. */
  error: unknown;
}

/**
 * Loads the first candidate that opens and speaks our ABI. Throws a
 * `LibraryLoadError` naming every attempt, with the first cause kept.
 */
export function loadFirst(
  host: LibraryHost,
  list: Candidate[],
  earlier: Attempt[] = [],
  hint = "",
): NativeLibrary {
  const tried = tryCandidates(host, list);
  if ("library" in tried) return tried.library;
  throw failedLookup([...earlier, ...tried.attempts], hint);
}

/**
 * Tries the candidates in order: the first that loads and speaks our ABI,
 * or every failure. A missing FFI permission is thrown at once.
 */
export function tryCandidates(
  host: LibraryHost,
  list: Candidate[],
): { library: NativeLibrary } | { attempts: Attempt[] } {
  const attempts: Attempt[] = [];
  for (const candidate of list) {
    try {
      return { library: checkAbi(host.load(candidate.path)) };
    } catch (error) {
      if (isPermissionError(error)) {
        throw libraryLoadError(
          "@authy/vault needs permission to load its native library: run Deno with --allow-ffi",
          error,
        );
      }
      attempts.push({ ...candidate, error });
    }
  }
  return { attempts };
}

/** The error for a lookup in which nothing loaded. */
export function failedLookup(attempts: Attempt[], hint = ""): Error {
  const lines = attempts.map((a, i) => `  ${i + 1}. ${a.source}: ${a.path}: ${describe(a.error)}`);
  const tried = lines.length > 0 ? `tried, in order:\n${lines.join("\n")}` : "no candidate to try";
  return libraryLoadError(
    `cannot load the @authy/vault native library; ${tried}${hint}`,
    attempts[0]?.error,
  );
}

function checkAbi(library: NativeLibrary): NativeLibrary {
  const version = library.abiVersion();
  if (version !== ABI_VERSION) {
    throw new Error(`library speaks ABI version ${version}, this module needs ${ABI_VERSION}`);
  }
  return library;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isPermissionError(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}

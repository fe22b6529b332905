/**
 * Step 4 of the library lookup: the release artifact for this version and
 * platform, downloaded into a cache through a temporary file, checked
 * against the SHA-256 that ships in `artifacts.ts`, then renamed into
 * place. A cached copy is checked again every time it is loaded.
 *
 * @module
 */

import type * as NodeCrypto from "node:crypto";
import type * as NodeFs from "node:fs";
import type * as NodePath from "node:path";

import type { Artifact } from "./artifacts.ts";
import { nodeBuiltin } from "./builtins.ts";
import { libraryLoadError } from "./errors.ts";
import type { LibraryHost } from "./library.ts";
import { VERSION } from "./version.ts";

/**
 * Node's modules, loaded when a cached artifact is checked or downloaded
 * (see builtins.ts): synchronously where the runtime can, otherwise (Node
 * before 20.16) by a dynamic import on the asynchronous download path.
 */
interface Modules {
  crypto: typeof NodeCrypto;
  fs: typeof NodeFs;
  path: typeof NodePath;
}

function modulesNow(): Modules | undefined {
  const crypto = nodeBuiltin<typeof NodeCrypto>("node:crypto");
  const fs = nodeBuiltin<typeof NodeFs>("node:fs");
  const path = nodeBuiltin<typeof NodePath>("node:path");
  return crypto && fs && path ? { crypto, fs, path } : undefined;
}

async function modules(): Promise<Modules> {
  return modulesNow() ?? {
    crypto: await import("node:crypto"),
    fs: await import("node:fs"),
    path: await import("node:path"),
  };
}

/** `path.join`; plain `/` joins where `node:path` cannot be had synchronously. */
function join(...parts: string[]): string {
  const path = nodeBuiltin<typeof NodePath>("node:path");
  return path ? path.join(...parts) : parts.join("/").replace(/\/+/g, "/");
}

/** Where release artifacts are published unless `AUTHY_VAULT_BASE_URL` says otherwise. */
export const DEFAULT_BASE_URL = "https://github.com/authy-vault/authy-vault/releases/download";

/** Everything one download needs; tests and mirrors may pass their own. */
export interface DownloadConfig {
  /** Base address; the file is fetched from `<baseUrl>/v<version>/<file>`. */
  baseUrl: string;
  /** Directory of the cache; the file lands in `<cacheDir>/<version>/<file>`. */
  cacheDir: string;
  /** The module version to fetch. */
  version: string;
  /** The file name and its expected SHA-256. */
  artifact: Artifact;
}

/** The platform key of `artifacts.ts`, e.g. `linux-x86_64`. */
export function platformKey(host: LibraryHost): string {
  return `${host.os}-${host.arch}`;
}

/** The download settings for this host, or why there are none. */
export function downloadConfig(
  host: LibraryHost,
  manifest: Record<string, Artifact>,
): DownloadConfig | string {
  const artifact = manifest[platformKey(host)];
  if (!artifact) return `no release artifact is published for ${platformKey(host)}`;
  const cacheDir = host.readEnv("AUTHY_VAULT_CACHE") ??
    withSuffix(host.readEnv("XDG_CACHE_HOME"), "authy-vault") ??
    withSuffix(host.readEnv("HOME"), ".cache/authy-vault");
  if (!cacheDir) return "no cache directory: set AUTHY_VAULT_CACHE or HOME";
  const baseUrl = host.readEnv("AUTHY_VAULT_BASE_URL") ?? DEFAULT_BASE_URL;
  return { baseUrl, cacheDir, version: VERSION, artifact };
}

function withSuffix(dir: string | undefined, suffix: string): string | undefined {
  return dir ? join(dir, suffix) : undefined;
}

/** Where the artifact lives in the cache. */
export function cachePath(config: DownloadConfig): string {
  return join(config.cacheDir, config.version, config.artifact.file);
}

/** The artifact's address. */
export function artifactUrl(config: DownloadConfig): string {
  return `${config.baseUrl.replace(/\/+$/, "")}/v${config.version}/${config.artifact.file}`;
}

/** Lowercase hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array, crypto = modulesNow()?.crypto): string {
  if (!crypto) throw new Error("node:crypto cannot be loaded synchronously on this runtime");
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/**
 * The cached artifact's path if it is there and intact; otherwise
 * `undefined` (also when this runtime cannot read it synchronously).
 */
export function verifiedCachedCopy(config: DownloadConfig): string | undefined {
  const node = modulesNow();
  if (!node) return undefined;
  const path = cachePath(config);
  let bytes: Uint8Array;
  try {
    bytes = node.fs.readFileSync(path);
  } catch {
    return undefined;
  }
  return sha256Hex(bytes, node.crypto) === config.artifact.sha256 ? path : undefined;
}

/**
 * Fetches the artifact into the cache and returns its path. The bytes are
 * verified before they are renamed into place, so the cache never holds
 * an unverified file under the artifact's name.
 */
export async function download(config: DownloadConfig): Promise<string> {
  const url = artifactUrl(config);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw libraryLoadError(
      `cannot download the native library from ${url}: ${message(error)}`,
      error,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw libraryLoadError(
      `cannot download the native library from ${url}: HTTP ${response.status} ${response.statusText}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw libraryLoadError(
      `cannot download the native library from ${url}: ${message(error)}`,
      error,
    );
  }
  const { crypto, fs, path } = await modules();
  const actual = sha256Hex(bytes, crypto);
  if (actual !== config.artifact.sha256) {
    throw libraryLoadError(
      `refusing the native library downloaded from ${url}: its SHA-256 is ${actual}, ` +
        `but this module expects ${config.artifact.sha256} for ${config.artifact.file}`,
    );
  }
  const target = path.join(config.cacheDir, config.version, config.artifact.file);
  const dir = path.join(config.cacheDir, config.version);
  const temp = path.join(
    dir,
    `.${config.artifact.file}.${crypto.randomBytes(8).toString("hex")}.tmp`,
  );
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, bytes, { mode: 0o600 });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw libraryLoadError(
      `cannot write the native library to ${target}: ${message(error)}`,
      error,
    );
  }
  return target;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

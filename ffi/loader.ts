/**
 * The lookup of `library.ts` plus the download cache, for any runtime
 * that describes itself as a {@link LibraryHost}.
 *
 * @module
 */

import { candidates, type LibraryHost, type LibraryOptions, loadFirst } from "./library.ts";
import { download, downloadConfig, verifiedCachedCopy } from "./download.ts";
import type { NativeLoader } from "./native.ts";
import { type Artifact, artifacts } from "./artifacts.ts";
import type { NativeLibrary } from "./symbols.ts";
import { AuthyError, libraryLoadError } from "./errors.ts";

function explicit(host: LibraryHost, options: LibraryOptions): boolean {
  return Boolean(options.path || host.readEnv("AUTHY_VAULT_LIB"));
}

const NO_CACHE_HINT =
  "\nno verified release artifact is in the download cache; `await Authy.open(...)` downloads it";

/**
 * A loader over a runtime's host description. `manifest` holds the
 * expected SHA-256 of each platform's release artifact.
 */
export function createLoader(
  host: LibraryHost,
  manifest: Record<string, Artifact> = artifacts,
): NativeLoader {
  return {
    loadSync(options: LibraryOptions): NativeLibrary {
      const list = candidates(host, options);
      if (!explicit(host, options)) {
        const config = downloadConfig(host, manifest);
        const cached = typeof config === "string" ? undefined : verifiedCachedCopy(config);
        if (cached) list.push({ source: "download cache", path: cached });
        else return loadFirst(host, list, [], NO_CACHE_HINT);
      }
      return loadFirst(host, list);
    },

    async loadAsync(options: LibraryOptions): Promise<NativeLibrary> {
      try {
        return this.loadSync(options);
      } catch (error) {
        if (explicit(host, options) || isPermissionFailure(error)) throw error;
        const config = downloadConfig(host, manifest);
        if (typeof config === "string") throw withHint(error, `; ${config}`);
        const path = await download(config);
        return loadFirst(host, [{ source: "downloaded release artifact", path }]);
      }
    },
  };
}

function isPermissionFailure(error: unknown): boolean {
  return error instanceof AuthyError && error.message.includes("--allow-ffi");
}

function withHint(error: unknown, hint: string): unknown {
  if (!(error instanceof Error)) return error;
  return libraryLoadError(error.message + hint, error.cause);
}

/**
 * The lookup of `library.ts` plus the download cache, for any runtime
 * that describes itself as a {@link LibraryHost}.
 *
 * @module
 */

import {
  candidates,
  failedLookup,
  type LibraryHost,
  type LibraryOptions,
  loadFirst,
  tryCandidates,
} from "./library.ts";
import { cachePath, download, downloadConfig, verifiedCachedCopy } from "./download.ts";
import type { NativeLoader } from "./native.ts";
import { type Artifact, artifacts } from "./artifacts.ts";
import type { NativeLibrary } from "./symbols.ts";
import { AuthyError } from "./errors.ts";

function explicit(host: LibraryHost, options: LibraryOptions): boolean {
  return Boolean(options.path || host.readEnv("AUTHY_VAULT_LIB"));
}

function noCacheHint(path: string): string {
  return `\nno verified release artifact is in the download cache (${path}); ` +
    "`await Authy.open(...)` downloads it";
}

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
      if (explicit(host, options)) return loadFirst(host, list);
      const tried = tryCandidates(host, list);
      if ("library" in tried) return tried.library;
      // The download cache comes last, so it is only looked at (and the
      // file and hashing modules it needs only loaded) when nothing before
      // it loads.
      const config = downloadConfig(host, manifest);
      if (typeof config === "string") throw failedLookup(tried.attempts, `\n${config}`);
      const cached = verifiedCachedCopy(config);
      if (!cached) throw failedLookup(tried.attempts, noCacheHint(cachePath(config)));
      return loadFirst(host, [{ source: "download cache", path: cached }], tried.attempts);
    },

    async loadAsync(options: LibraryOptions): Promise<NativeLibrary> {
      try {
        return this.loadSync(options);
      } catch (error) {
        if (explicit(host, options) || isPermissionFailure(error)) throw error;
        const config = downloadConfig(host, manifest);
        if (typeof config === "string") throw error; // loadSync's error already says why
        const path = await download(config);
        return loadFirst(host, [{ source: "downloaded release artifact", path }]);
      }
    },
  };
}

function isPermissionFailure(error: unknown): boolean {
  return error instanceof AuthyError && error.message.includes("--allow-ffi");
}

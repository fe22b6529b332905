/**
 * The one native library of the process, loaded on first use through
 * whichever runtime binding the entry point installed.
 *
 * @module
 */

import type { NativeLibrary } from "./symbols.ts";
import type { LibraryOptions } from "./library.ts";
import { libraryLoadError } from "./errors.ts";

/** How a runtime entry loads the library. */
export interface NativeLoader {
  /** Loads without network access (steps 1 to 3 and the download cache). */
  loadSync(options: LibraryOptions): NativeLibrary;
  /** Like `loadSync`, but may also download the release artifact. */
  loadAsync(options: LibraryOptions): Promise<NativeLibrary>;
}

let loader: NativeLoader | undefined;
let library: NativeLibrary | undefined;

/** Installs the runtime's loader; each entry point calls this once. */
export function installLoader(runtimeLoader: NativeLoader): void {
  loader = runtimeLoader;
}

function requireLoader(): NativeLoader {
  if (!loader) {
    throw libraryLoadError(
      "no runtime binding is installed: import @authy/vault through its Deno, Bun or Node entry",
    );
  }
  return loader;
}

/** The loaded library, loading it now if needed. */
export function nativeLibrary(): NativeLibrary {
  return library ??= requireLoader().loadSync({});
}

/** The loaded library, loading (and if needed downloading) it now. */
export async function nativeLibraryAsync(): Promise<NativeLibrary> {
  return library ??= await requireLoader().loadAsync({});
}

/** Loads the library from an explicit path, replacing the lookup. */
export function loadLibraryFrom(options: LibraryOptions): NativeLibrary {
  library = requireLoader().loadSync(options);
  return library;
}

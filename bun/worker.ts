// The thread on which the Bun entry runs blocking native calls (opening or
// writing a passphrase vault runs scrypt for about a second). Handles live
// in the library, which the process loads once, so a handle opened here is
// valid on the main thread.

import { bindBun, type BunLibrary } from "./bind.ts";

/** A job from the main thread. */
export interface Job {
  id: number;
  path: string;
  handle: number | null;
  request: Uint8Array;
}

declare const self: Worker;

let loaded: { path: string; library: BunLibrary } | undefined;

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, path, handle, request } = event.data;
  try {
    if (loaded?.path !== path) loaded = { path, library: bindBun(path) };
    const bytes = handle === null
      ? loaded.library.open(request)
      : loaded.library.call(handle, request);
    self.postMessage({ id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  } finally {
    request.fill(0);
  }
};

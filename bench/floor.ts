/**
 * The floor of every figure: one C ABI round trip that does nothing, an
 * envelope `{"op":"ping"}` on handle 0, encoded and decoded exactly as the
 * client encodes and decodes every call (see `call` in `ffi/client.ts`).
 * Bench-only; it uses the runtime's loaded library, no new public API.
 *
 * @module
 */

import { decodeResponse, decodeText, encodeRequest } from "../ffi/envelope.ts";
import type { NativeLibrary } from "../ffi/symbols.ts";

/** A ping through the same path as a client call. */
export function pinger(library: NativeLibrary): () => string {
  return () => {
    const bytes = encodeRequest({ op: "ping" });
    try {
      return library.callText
        ? decodeText<string>(library.callText(0, bytes))
        : decodeResponse<string>(library.call(0, bytes));
    } finally {
      bytes.fill(0);
    }
  };
}

/** The bare round trip: pre-encoded request, response bytes only copied out and zeroed. */
export function rawPinger(library: NativeLibrary): () => void {
  const request = new TextEncoder().encode('{"op":"ping"}');
  return () => {
    library.call(0, request).fill(0);
  };
}

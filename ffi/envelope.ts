/**
 * Requests out and envelopes in: the JSON that crosses the C ABI.
 *
 * @module
 */

import { type ErrorBody, errorFromEnvelope } from "./errors.ts";

/** A request as the native side parses it: an operation and its fields. */
export type Request = { op: string } & Record<string, unknown>;

/** What the native side answers. */
export type Envelope<T> =
  | { ok: true; value: T }
  | { ok: false; error: ErrorBody };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of a request. */
export function encodeRequest(request: object): Uint8Array {
  return encoder.encode(JSON.stringify(request));
}

/**
 * The value of a response, or the typed error it carries. The response
 * bytes may hold secret values, so they are zeroed once decoded; the
 * decoded strings cannot be (a limit of JavaScript).
 */
export function decodeResponse<T>(bytes: Uint8Array): T {
  let envelope: Envelope<T>;
  try {
    envelope = JSON.parse(decoder.decode(bytes));
  } finally {
    bytes.fill(0);
  }
  if (envelope.ok) return envelope.value;
  throw errorFromEnvelope(envelope.error);
}

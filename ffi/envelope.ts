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

/** Requests up to this many UTF-16 units are encoded into a reused buffer. */
const SCRATCH_UNITS = 4096;
/** UTF-8 takes at most three bytes per UTF-16 unit. */
const scratch = new Uint8Array(SCRATCH_UNITS * 3);

/**
 * The UTF-8 bytes of a request, for a synchronous call: small requests
 * are written into one buffer that is reused by the next request, so the
 * caller sends them and zeroes them (`fill(0)`) before encoding another.
 * A request that a native thread reads later (a non-blocking call) must
 * use {@link encodeRequestOwned} instead.
 */
export function encodeRequest(request: object): Uint8Array {
  const text = JSON.stringify(request);
  const length = text.length;
  if (length > SCRATCH_UNITS) return encoder.encode(text);
  // Requests are nearly always ASCII; copying the code units by hand is
  // several times faster than TextEncoder for a few dozen bytes.
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7f) return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
    scratch[i] = unit;
  }
  return scratch.subarray(0, length);
}

/** The UTF-8 bytes of a request in a buffer of its own. */
export function encodeRequestOwned(request: object): Uint8Array {
  return encoder.encode(JSON.stringify(request));
}

/**
 * The value of a response, or the typed error it carries. The response
 * bytes may hold secret values, so they are zeroed once decoded; the
 * decoded strings cannot be (a limit of JavaScript).
 */
export function decodeResponse<T>(bytes: Uint8Array): T {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } finally {
    bytes.fill(0);
  }
  return decodeText(text);
}

/** The value of a response given as text, or the typed error it carries. */
export function decodeText<T>(text: string): T {
  const plain = plainString(text);
  if (plain !== undefined) return plain as T;
  const envelope: Envelope<T> = JSON.parse(text);
  if (envelope.ok) return envelope.value;
  throw errorFromEnvelope(envelope.error);
}

/** The start of every successful response whose value is a string. */
const STRING_HEAD = '{"ok":true,"value":"';
const STRING_TAIL = '"}';

/**
 * The hot path of reads: a successful response whose value is a string
 * with no escape in it (`{"ok":true,"value":"…"}`, the shape of nearly
 * every `get`) is the text between the quotes, taken without `JSON.parse`.
 * Anything else returns `undefined` and takes the general path. The engine
 * escapes every `"`, `\` and control character inside a string, so with
 * neither `"` nor `\` between head and tail the text is the value itself.
 */
function plainString(text: string): string | undefined {
  if (!text.startsWith(STRING_HEAD) || !text.endsWith(STRING_TAIL)) return undefined;
  const end = text.length - STRING_TAIL.length;
  if (end < STRING_HEAD.length) return undefined;
  const quote = text.indexOf('"', STRING_HEAD.length);
  if (quote !== end || text.lastIndexOf("\\", end) >= STRING_HEAD.length) return undefined;
  return text.slice(STRING_HEAD.length, end);
}

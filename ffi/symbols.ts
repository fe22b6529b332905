/**
 * The C ABI of the native library (rust/authy-ffi/authy_vault.h), written
 * once. Each runtime binds this table in its own short file.
 *
 * Every function that answers returns a pointer to a response block: an
 * 8-byte little-endian length, then that many bytes of JSON envelope. The
 * block is released only with `authy_free`, which zeroes it first.
 *
 * @module
 */

/** The ABI version this module speaks; the library must report the same. */
export const ABI_VERSION = 1;

/** Size in bytes of the length header in front of every response. */
export const RESPONSE_HEADER_BYTES = 8;

/** The native functions, their parameter and result types. */
export const symbols = {
  authy_abi_version: { parameters: [], result: "u32" },
  authy_open: { parameters: ["buffer", "usize"], result: "pointer" },
  authy_call: { parameters: ["u64", "buffer", "usize"], result: "pointer" },
  authy_close: { parameters: ["u64"], result: "pointer" },
  authy_free: { parameters: ["pointer"], result: "void" },
} as const;

/** The names of the native functions. */
export type SymbolName = keyof typeof symbols;

/**
 * What the client needs from a runtime: the library's functions with the
 * response blocks already copied out and freed.
 */
export interface NativeLibrary {
  /** The path the library was loaded from. */
  readonly path: string;
  /** `authy_abi_version()`. */
  abiVersion(): number;
  /** `authy_open`: the response JSON bytes. */
  open(request: Uint8Array): Uint8Array;
  /** `authy_open` without blocking the JavaScript thread. */
  openAsync(request: Uint8Array): Promise<Uint8Array>;
  /**
   * `authy_call`: the response JSON bytes. They may live in a buffer that
   * the next call reuses: decode them (which zeroes them) before calling
   * again.
   */
  call(handle: number, request: Uint8Array): Uint8Array;
  /**
   * `authy_call` answering with the response JSON as text, for runtimes
   * that decode the native block straight into a string (one copy fewer);
   * the client prefers it to `call` when present.
   */
  callText?(handle: number, request: Uint8Array): string;
  /** `authy_call` without blocking the JavaScript thread. */
  callAsync(handle: number, request: Uint8Array): Promise<Uint8Array>;
  /** `authy_close`: the response JSON bytes. */
  close(handle: number): Uint8Array;
}

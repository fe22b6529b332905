/**
 * The public surface every runtime entry exports: the client, the error
 * classes and the types.
 *
 * @module
 */

export { Authy } from "./client.ts";
export * from "./errors.ts";
export type * from "./types.ts";

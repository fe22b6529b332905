/**
 * `@authy/vault`: the authy secrets vault for Deno, through a native engine.
 *
 * ```ts
 * import { Authy, SecretNotFound } from "@authy/vault";
 *
 * using vault = await Authy.open({ keyfile: "/path/to/vault.key" });
 * const env = vault.buildEnvMap("deploy");
 * ```
 *
 * Needs `--allow-ffi`. The native library is found as described in the
 * README ("How the native library is found").
 *
 * @module
 */

import { installLoader } from "./ffi/native.ts";
import { denoLoader } from "./ffi/deno.ts";

installLoader(denoLoader);

export { Authy } from "./ffi/client.ts";
export * from "./ffi/errors.ts";
export type * from "./ffi/types.ts";

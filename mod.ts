/**
 * `@authy/vault`: the authy secrets vault for Deno, through a native engine.
 *
 * ```ts
 * import { Authy } from "@authy/vault";
 *
 * Authy.generateKeyfile("/tmp/authy-doc/vault.key");
 * using vault = await Authy.open({ keyfile: "/tmp/authy-doc/vault.key", dir: "/tmp/authy-doc" });
 * vault.initVault();
 * vault.store("db-url", "postgres://localhost/app");
 * ```
 *
 * Needs `--allow-ffi`. See the README for how the native library is found.
 *
 * @module
 */

import { installLoader } from "./ffi/native.ts";
import { denoLoader } from "./ffi/deno.ts";

installLoader(denoLoader);

export * from "./ffi/public.ts";

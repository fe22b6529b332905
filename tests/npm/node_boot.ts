// A Node.js program that loads its secrets at boot from the installed npm
// package: the vault from the environment (AUTHY_KEYFILE or
// AUTHY_PASSPHRASE, and AUTHY_DIR), one scope's env map into process.env.
// Prints the variable names and the load time, never values.

import process from "node:process";

import { Authy } from "@authy/vault";

const started = performance.now();
const vault = await Authy.open({ fromEnv: true });
try {
  Object.assign(
    process.env,
    vault.buildEnvMap(process.env.AUTHY_SCOPE ?? "app", { prefix: "APP_" }),
  );
} finally {
  vault.close();
}
const names = Object.keys(process.env).filter((name) => name.startsWith("APP_")).sort();
console.log(JSON.stringify({ names, loadMs: performance.now() - started }));

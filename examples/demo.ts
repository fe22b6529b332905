// The README's demo: a fresh vault in a temporary directory, a few secrets
// and a policy; then the boot path of a program (open the vault, load one
// scope's environment map) in Deno, and the same in a Bun server whose
// health route is requested once. Prints names and timings, never values.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

import { Authy } from "../mod.ts";
import { startBunServer } from "./boot_server.ts";

const root = mkdtempSync(join(tmpdir(), "authy-demo-"));
try {
  const dir = join(root, "vault");
  const keyfile = join(root, "keys", "demo.key");
  const { publicKey } = Authy.generateKeyfile(keyfile);
  console.log(`vault directory  ${dir}`);
  console.log(`keyfile          ${keyfile} (recipient ${publicKey.slice(0, 16)}…)`);

  {
    using admin = new Authy({ keyfile, dir });
    admin.initVault();
    admin.batch((tx) => {
      tx.store("db-url", "postgres://app:demo-password@127.0.0.1/app");
      tx.store("api-key", `demo-${crypto.randomUUID()}`);
      tx.store("session-secret", crypto.randomUUID());
      tx.store("admin-token", crypto.randomUUID());
    });
    admin.createPolicy("web", { allow: ["*"], deny: ["admin-*"], description: "the web server" });
    console.log(`stored           ${admin.list().join(", ")}`);
    console.log(`policy web       allow * deny admin-*`);
  }

  const started = performance.now();
  {
    using vault = await Authy.open({ keyfile, dir });
    const env = vault.buildEnvMap("web");
    const elapsed = performance.now() - started;
    console.log(`deno boot        open + buildEnvMap("web") in ${elapsed.toFixed(2)} ms`);
    console.log(`variables        ${Object.keys(env).join(", ")}`);
    console.log(`audit chain      ${JSON.stringify(vault.verifyAudit())}`);
  }

  const bun = new URL("../node_modules/.bin/bun", import.meta.url).pathname;
  const server = await startBunServer(bun, {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    AUTHY_KEYFILE: keyfile,
    AUTHY_DIR: dir,
    AUTHY_SCOPE: "web",
    PORT: "0",
  });
  try {
    const response = await fetch(new URL("/health", server.url));
    console.log(`bun server       GET ${new URL("/health", server.url)}`);
    console.log(`                 ${response.status} ${await response.text()}`);
  } finally {
    await server.stop();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

// The README's demo: a fresh vault in a temporary directory, a few secrets
// and a policy, then the boot path of a program: open the vault and load
// one scope's environment map. Prints names and timings, never values.
//
//   deno run --allow-ffi --allow-read --allow-write examples/demo.ts

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Authy } from "../mod.ts";

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
  using vault = await Authy.open({ keyfile, dir });
  const env = vault.buildEnvMap("web");
  const elapsed = performance.now() - started;
  console.log(`boot             open + buildEnvMap("web") in ${elapsed.toFixed(2)} ms`);
  console.log(`variables        ${Object.keys(env).join(", ")}`);
  console.log(`audit chain      ${JSON.stringify(vault.verifyAudit())}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

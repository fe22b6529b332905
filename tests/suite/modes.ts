// Every method in each way of opening a vault: keyfile, passphrase,
// environment (in a child process) and session token.

import assert from "node:assert/strict";
import { join } from "node:path";

import type { Harness } from "./harness.ts";
import { keyfileVault, PASSPHRASE, tempDir, thrown } from "./fixtures.ts";
import { runWorkflow } from "./workflow.ts";

export function modes(harness: Harness): void {
  const { test, vault } = harness;
  const { Authy } = vault;

  test("every method with a keyfile", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      runWorkflow(vault, client);
    } finally {
      v.cleanup();
    }
  });

  test("every method with a passphrase", async () => {
    const root = tempDir();
    try {
      const first = new Authy({ passphrase: PASSPHRASE, dir: root.path });
      first.initVault();
      first.close();
      using client = await Authy.open({ passphrase: PASSPHRASE, dir: root.path });
      runWorkflow(vault, client);
    } finally {
      root.cleanup();
    }
  });

  test("every method from the environment (AUTHY_KEYFILE, then AUTHY_PASSPHRASE)", async () => {
    const v = keyfileVault(vault);
    const root = tempDir();
    try {
      const byKeyfile = await harness.runChild("workflow-env", [v.dir], {
        AUTHY_KEYFILE: v.keyfile,
        AUTHY_PASSPHRASE: "not used when a keyfile is set",
      });
      assert.equal(byKeyfile.code, 0, byKeyfile.stderr);
      assert.equal(byKeyfile.stdout.trim(), "workflow ok");

      const init = new Authy({ passphrase: PASSPHRASE, dir: root.path });
      init.initVault();
      init.close();
      const byPassphrase = await harness.runChild("list-env", [root.path], {
        AUTHY_PASSPHRASE: PASSPHRASE,
      });
      assert.equal(byPassphrase.code, 0, byPassphrase.stderr);
      assert.equal(byPassphrase.stdout.trim(), "[]");

      const neither = await harness.runChild("list-env", [root.path], {});
      assert.equal(neither.code, 2, neither.stderr);
      assert.match(neither.stdout, /AuthFailed.*AUTHY_KEYFILE.*AUTHY_PASSPHRASE/);
    } finally {
      v.cleanup();
      root.cleanup();
    }
  });

  test("a session token reads its scope only, and never writes", () => {
    const v = keyfileVault(vault);
    try {
      using owner = v.open();
      owner.store("app-db", "token-db-value");
      owner.store("app-api", "token-api-value");
      owner.store("other", "token-other-value");
      owner.createPolicy("app", { allow: ["app-*"] });
      owner.createPolicy("wide", { allow: ["*"] });
      const { token, id } = owner.createSession({ scope: "app", ttlSeconds: 600 });

      using reader = new Authy({ token, keyfile: v.keyfile, dir: v.dir });
      assert.equal(reader.get("app-db"), "token-db-value");
      assert.equal(reader.getOrNull("app-missing"), null);
      assert.deepEqual(reader.list(), ["app-api", "app-db"]);
      assert.deepEqual(reader.buildEnvMap("app"), {
        APP_API: "token-api-value",
        APP_DB: "token-db-value",
      });
      assert.equal(reader.testPolicy("app", "other"), false);
      assert.equal(reader.getPolicy("app").name, "app");
      assert.throws(() => reader.getPolicy("wide"), vault.AccessDenied);
      assert.deepEqual(reader.listPolicies().map((p) => p.name), ["app"]);
      owner.createSession({ scope: "wide", ttlSeconds: 600 });
      assert.deepEqual(reader.listSessions().map((s) => s.id), [id]);
      assert.equal(owner.listSessions().length, 2);
      assert.equal(reader.verifyAudit().valid, true);
      assert.ok(reader.auditEntries().some((e) => e.actor === "api(token)"));

      const denied = thrown(() => reader.get("other"));
      assert.ok(denied instanceof vault.AccessDenied);
      assert.equal(denied.exitCode, 4);
      assert.throws(() => reader.buildEnvMap("wide"), vault.AccessDenied);
      const writes: Array<() => unknown> = [
        () => reader.store("app-new", "x"),
        () => reader.rotate("app-db", "x"),
        () => reader.remove("app-db"),
        () => reader.createPolicy("p", { allow: ["*"] }),
        () => reader.updatePolicy("app", { allow: ["*"] }),
        () => reader.removePolicy("app"),
        () => reader.createSession({ scope: "app", ttlSeconds: 60 }),
        () => reader.revokeSession(id),
        () => reader.batch((tx) => tx.store("app-x", "x")),
        () => reader.initVault(),
      ];
      for (const write of writes) {
        const error = thrown(write);
        assert.ok(error instanceof vault.TokenReadOnly, String(error));
        assert.equal(error.code, "token_read_only");
      }
      assert.equal(owner.getOrNull("app-new"), null);

      owner.revokeSession(id);
      assert.throws(() => reader.get("app-db"), vault.TokenRevoked);
      assert.throws(() => new Authy({ token, keyfile: v.keyfile, dir: v.dir }), vault.TokenRevoked);
      const bogus = thrown(() =>
        new Authy({ token: "authy_v2.abc", keyfile: v.keyfile, dir: v.dir })
      );
      assert.ok(bogus instanceof vault.InvalidToken);
      assert.equal(bogus.exitCode, 6);
    } finally {
      v.cleanup();
    }
  });

  test("run-only sessions and policies never hand values to the caller", () => {
    const v = keyfileVault(vault);
    try {
      using owner = v.open();
      owner.store("ci-token", "run-only-value");
      owner.createPolicy("ci", { allow: ["ci-*"], runOnly: true });
      assert.throws(() => owner.buildEnvMap("ci"), vault.RunOnly);
      owner.createPolicy("open", { allow: ["ci-*"] });
      const { token } = owner.createSession({ scope: "open", ttlSeconds: 600, runOnly: true });
      using reader = new Authy({ token, keyfile: v.keyfile, dir: v.dir });
      const error = thrown(() => reader.get("ci-token"));
      assert.ok(error instanceof vault.RunOnly);
      assert.equal(error.code, "run_only");
      assert.ok(!error.message.includes("run-only-value"));
      assert.throws(() => reader.buildEnvMap("open"), vault.RunOnly);
      assert.deepEqual(reader.list(), ["ci-token"]);
    } finally {
      v.cleanup();
    }
  });

  test("an expired token is TokenExpired", async () => {
    const v = keyfileVault(vault);
    try {
      using owner = v.open();
      owner.createPolicy("app", { allow: ["*"] });
      const { token } = owner.createSession({ scope: "app", ttlSeconds: 1 });
      using reader = new Authy({ token, keyfile: v.keyfile, dir: join(v.dir) });
      assert.deepEqual(reader.list(), []);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const error = thrown(() => reader.list());
      assert.ok(error instanceof vault.TokenExpired);
      assert.equal(error.code, "token_expired");
    } finally {
      v.cleanup();
    }
  });
}

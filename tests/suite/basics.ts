// The cases of the original binding's specification.

import assert from "node:assert/strict";
import { join } from "node:path";

import type { Harness } from "./harness.ts";
import { keyfileVault, PASSPHRASE, tempDir, thrown } from "./fixtures.ts";

export function basics({ test, vault }: Harness): void {
  const { Authy } = vault;

  test("init and store", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      client.store("greeting", "hello-basics");
      assert.equal(client.get("greeting"), "hello-basics");
    } finally {
      v.cleanup();
    }
  });

  test("get of a missing secret throws SecretNotFound", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      const error = thrown(() => client.get("nope"));
      assert.ok(error instanceof vault.SecretNotFound);
      assert.ok(error instanceof vault.AuthyError);
      assert.equal(error.code, "not_found");
      assert.equal(error.exitCode, 3);
      assert.equal(error.kind, "SecretNotFound");
      assert.match(error.message, /nope/);
    } finally {
      v.cleanup();
    }
  });

  test("list with a scope", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      for (const name of ["prod/db", "prod/api", "dev/db", "shared"]) client.store(name, "x");
      client.createPolicy("prod", { allow: ["prod/*", "shared"], deny: ["prod/api"] });
      assert.deepEqual(client.list({ scope: "prod" }), ["prod/db", "shared"]);
      assert.deepEqual(client.list(), ["dev/db", "prod/api", "prod/db", "shared"]);
      assert.throws(() => client.list({ scope: "nope" }), vault.PolicyNotFound);
    } finally {
      v.cleanup();
    }
  });

  test("env map with transformations", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      client.store("db-url", "u1");
      client.store("api-key", "k1");
      client.createPolicy("svc", { allow: ["*"] });
      assert.deepEqual(client.buildEnvMap("svc"), { API_KEY: "k1", DB_URL: "u1" });
      assert.deepEqual(client.buildEnvMap("svc", { uppercase: false }), {
        api_key: "k1",
        db_url: "u1",
      });
      assert.deepEqual(client.buildEnvMap("svc", { replaceDash: null, uppercase: false }), {
        "api-key": "k1",
        "db-url": "u1",
      });
      assert.deepEqual(client.buildEnvMap("svc", { prefix: "app_" }), {
        app_API_KEY: "k1",
        app_DB_URL: "u1",
      });
      client.store("db_url", "u2");
      const collision = thrown(() => client.buildEnvMap("svc"));
      assert.ok(collision instanceof vault.EnvNameCollision);
      assert.match(collision.message, /db-url/);
      assert.match(collision.message, /db_url/);
      assert.ok(!collision.message.includes("u1") && !collision.message.includes("u2"));
    } finally {
      v.cleanup();
    }
  });

  test("a wrong passphrase is AuthFailed", () => {
    const root = tempDir();
    try {
      const owner = new Authy({ passphrase: PASSPHRASE, dir: root.path });
      owner.initVault();
      owner.close();
      const error = thrown(() => new Authy({ passphrase: "wrong", dir: root.path }));
      assert.ok(error instanceof vault.AuthFailed);
      assert.equal(error.code, "auth_failed");
      assert.equal(error.exitCode, 2);
    } finally {
      root.cleanup();
    }
  });

  test("isInitialized before and after init", () => {
    const root = tempDir();
    try {
      const dir = join(root.path, "vault");
      const keyfile = join(root.path, "k.key");
      Authy.generateKeyfile(keyfile);
      assert.equal(Authy.isInitialized({ dir }), false);
      using client = new Authy({ keyfile, dir });
      assert.equal(Authy.isInitialized({ dir }), false);
      assert.throws(() => client.list(), vault.VaultNotInitialized);
      client.initVault();
      assert.equal(Authy.isInitialized({ dir }), true);
      assert.throws(() => client.initVault(), vault.VaultAlreadyExists);
    } finally {
      root.cleanup();
    }
  });

  test("remove and rotate lifecycle", () => {
    const v = keyfileVault(vault);
    try {
      using client = v.open();
      client.store("token", "v1");
      assert.equal(client.rotate("token", "v2"), 2);
      assert.equal(client.rotate("token", "v3"), 3);
      assert.equal(client.get("token"), "v3");
      assert.equal(client.remove("token"), true);
      assert.equal(client.getOrNull("token"), null);
      assert.throws(() => client.rotate("token", "v4"), vault.SecretNotFound);
      assert.equal(client.remove("token"), false);
      client.store("token", "fresh");
      assert.equal(client.rotate("token", "again"), 2);
    } finally {
      v.cleanup();
    }
  });

  test("auditReads: false keeps reads out of the audit log, never writes", () => {
    const v = keyfileVault(vault);
    try {
      using owner = v.open();
      owner.store("a", "audit-reads-value");
      owner.get("a");
      const logged = owner.auditEntries().length;
      using quiet = new Authy({ keyfile: v.keyfile, dir: v.dir, auditReads: false });
      quiet.get("a");
      quiet.list();
      assert.equal(owner.auditEntries().length, logged);
      quiet.rotate("a", "next");
      assert.deepEqual(owner.auditEntries().slice(logged).map((e) => e.operation), ["rotate"]);
    } finally {
      v.cleanup();
    }
  });
}

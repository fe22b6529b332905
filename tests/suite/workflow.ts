// Every client method on a vault that a client may write, with assertions.
// Shared by the keyfile, passphrase and environment modes (the last runs
// it in a child process).

import assert from "node:assert/strict";

import type { VaultModule } from "./harness.ts";

type Client = InstanceType<VaultModule["Authy"]>;

export const WORKFLOW_VALUES = {
  api: "workflow-api-value-7f3a",
  db: "workflow-db-value-91c2",
  rotated: "workflow-rotated-value-44d0",
  batch: "workflow-batch-value-e815",
};

/** Runs every method once; the vault must be initialized and empty. */
export function runWorkflow(vault: VaultModule, client: Client): void {
  const v = WORKFLOW_VALUES;
  client.store("api-key", v.api);
  client.store("db-url", v.db);
  assert.equal(client.get("api-key"), v.api);
  assert.equal(client.getOrNull("missing"), null);
  assert.throws(() => client.store("api-key", "other"), vault.SecretAlreadyExists);
  client.store("api-key", v.api, { force: true });
  assert.equal(client.rotate("db-url", v.rotated), 2);
  assert.equal(client.get("db-url"), v.rotated);
  assert.deepEqual(client.list(), ["api-key", "db-url"]);

  client.createPolicy("app", { allow: ["api-*", "db-*"], deny: ["db-*"], description: "app" });
  assert.deepEqual(client.list({ scope: "app" }), ["api-key"]);
  assert.equal(client.testPolicy("app", "api-key"), true);
  assert.equal(client.testPolicy("app", "db-url"), false);
  assert.deepEqual(client.buildEnvMap("app"), { API_KEY: v.api });
  const policy = client.getPolicy("app");
  assert.deepEqual(
    [policy.name, policy.allow, policy.deny, policy.description, policy.runOnly],
    ["app", ["api-*", "db-*"], ["db-*"], "app", false],
  );
  const updated = client.updatePolicy("app", { deny: [], description: null });
  assert.deepEqual([updated.deny, updated.description], [[], null]);
  assert.deepEqual(client.listPolicies().map((p) => p.name), ["app"]);

  const session = client.createSession({ scope: "app", ttlSeconds: 3600, label: "ci" });
  assert.match(session.token, /^authy_v1\.[A-Za-z0-9_-]{43}$/);
  assert.match(session.id, /^[0-9a-f]{16}$/);
  assert.ok(Date.parse(session.expiresAt) > Date.now());
  const listed = client.listSessions();
  assert.deepEqual(listed.map((s) => [s.id, s.label, s.revoked]), [[session.id, "ci", false]]);
  assert.ok(!JSON.stringify(listed).includes(session.token));
  client.revokeSession(session.id);
  assert.equal(client.listSessions()[0].revoked, true);
  assert.throws(() => client.revokeSession("0000000000000000"), vault.SessionNotFound);

  const results = client.batch((tx) => {
    tx.store("batch-a", v.batch);
    tx.rotate("api-key", v.rotated);
    tx.remove("db-url");
  });
  assert.deepEqual(results, [undefined, 2, true]);
  assert.deepEqual(client.list(), ["api-key", "batch-a"]);

  assert.equal(client.remove("batch-a"), true);
  assert.equal(client.remove("batch-a"), false);
  assert.equal(client.removePolicy("app"), true);
  assert.equal(client.removePolicy("app"), false);
  assert.throws(() => client.getPolicy("app"), vault.PolicyNotFound);

  const entries = client.auditEntries();
  const operations = entries.map((e) => e.operation);
  for (const op of ["init", "store", "update", "rotate", "remove", "get", "policy.create"]) {
    assert.ok(operations.includes(op), `audit log lacks ${op}`);
  }
  const log = JSON.stringify(entries);
  for (const value of Object.values(v)) assert.ok(!log.includes(value), "a value in the audit log");
  assert.deepEqual(client.verifyAudit(), {
    entries: entries.length,
    valid: true,
    brokenLine: null,
  });
}

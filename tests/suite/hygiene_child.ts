// The child of the secret-hygiene test (tests/deno/hygiene_test.ts):
//
//   hygiene_child.ts <entry> <root>     (secrets as JSON on stdin)
//
// Runs every method of the client, and makes each fail in the ways a
// caller can, with known secret values in every place a value goes. Every
// error is printed in full (the runtime's inspection with stack, fields and
// cause, its string form and its JSON), and so are the client objects; the
// parent then searches all of it, the audit logs and every file left
// behind for the secrets. Values read back are compared here, never
// printed. The last line is JSON: the methods called and each failure.

import process from "node:process";
import { join } from "node:path";

import type { VaultModule } from "./harness.ts";

interface Secrets {
  values: string[];
  passphrase: string;
  otherKeyfile: string;
  notAKeyfile: string;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const [entry, root] = process.argv.slice(2);
const vault: VaultModule = await import(entry);
const { Authy } = vault;

let input = "";
for await (const chunk of process.stdin) input += String(chunk);
const secrets = JSON.parse(input) as Secrets;
const [v0, v1, v2, v3, v4, v5, v6, v7] = secrets.values;

const covered = new Set<string>();
const failures: string[] = [];

function show(label: string, what: unknown): void {
  console.log(`--- ${label}`);
  console.log(what);
  // A module namespace has no string form.
  console.error(
    typeof what === "object" && what !== null && !(what instanceof Error) ? "" : String(what),
  );
  console.error(JSON.stringify(what));
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function ok<T>(method: string, fn: () => T): T {
  covered.add(method);
  return fn();
}

function fails(label: string, method: string, kind: ErrorClass, fn: () => unknown): void {
  covered.add(method);
  try {
    fn();
  } catch (error) {
    show(label, error);
    check(error instanceof kind, `${label}: ${String(error)} is not a ${kind.name}`);
    failures.push(`${label}: ${(error as Error).name}`);
    return;
  }
  throw new Error(`${label}: succeeded`);
}

async function failsAsync(
  label: string,
  method: string,
  kind: ErrorClass,
  fn: () => Promise<unknown>,
): Promise<void> {
  covered.add(method);
  try {
    await fn();
  } catch (error) {
    show(label, error);
    check(error instanceof kind, `${label}: ${String(error)} is not a ${kind.name}`);
    failures.push(`${label}: ${(error as Error).name}`);
    return;
  }
  throw new Error(`${label}: succeeded`);
}

const dir = join(root, "vault");
const keyfile = join(root, "keys", "owner.key");

ok("generateKeyfile", () => Authy.generateKeyfile(keyfile));
fails(
  "generateKeyfile over a key",
  "generateKeyfile",
  vault.KeyfileAlreadyExists,
  () => Authy.generateKeyfile(keyfile),
);
check(ok("isInitialized", () => Authy.isInitialized({ dir })) === false, "not initialized yet");

using owner = new Authy({ keyfile, dir });
ok("initVault", () => owner.initVault());
fails("initVault twice", "initVault", vault.VaultAlreadyExists, () => owner.initVault());

// Stores and reads, then every way they fail.
ok("store", () => owner.store("db-password", v0));
ok("store", () => owner.store("api-key", v1));
ok("store", () => owner.store("app-token", v2));
fails("store over a name", "store", vault.SecretAlreadyExists, () => owner.store("api-key", v3));
fails("store, empty name", "store", vault.InvalidName, () => owner.store("", v3));
fails("store, NUL in name", "store", vault.InvalidName, () => owner.store("a\u0000b", v3));
fails("store, control character", "store", vault.InvalidName, () => owner.store("a\u001bb", v3));
fails(
  "store, value over the limit",
  "store",
  vault.InvalidRequest,
  () => owner.store("huge", v3.repeat(Math.ceil((5 << 20) / v3.length))),
);
ok("store", () => owner.store("db-password", v3, { force: true }));
check(ok("get", () => owner.get("db-password")) === v3, "get returns the forced value");
check(ok("getOrNull", () => owner.getOrNull("api-key")) === v1, "getOrNull returns the value");
check(owner.getOrNull("missing") === null, "getOrNull of a missing name");
fails("get, missing", "get", vault.SecretNotFound, () => owner.get("missing"));
check(ok("rotate", () => owner.rotate("api-key", v4)) === 2, "rotate returns version 2");
fails("rotate, missing", "rotate", vault.SecretNotFound, () => owner.rotate("missing", v4));
fails(
  "rotate, value over the limit",
  "rotate",
  vault.InvalidRequest,
  () => owner.rotate("api-key", v4.repeat(Math.ceil((5 << 20) / v4.length))),
);
check(ok("list", () => owner.list()).length === 3, "three secrets");
check(ok("remove", () => owner.remove("app-token")) === true, "remove an existing name");
check(owner.remove("missing") === false, "remove a missing name");

// Batches, with and without a failing write.
ok("batch", () =>
  owner.batch((tx) => {
    tx.store("batch-a", v5);
    tx.rotate("api-key", v5);
    tx.remove("batch-missing");
  }));
fails("batch with a failing write", "batch", vault.SecretAlreadyExists, () =>
  owner.batch((tx) => {
    tx.store("batch-b", v6);
    tx.store("batch-a", v6);
  }));
await ok("batchAsync", () => owner.batchAsync((tx) => tx.store("batch-c", v6)));
await failsAsync(
  "batchAsync with a failing write",
  "batchAsync",
  vault.SecretNotFound,
  () =>
    owner.batchAsync((tx) => {
      tx.store("batch-d", v7);
      tx.rotate("missing", v7);
    }),
);
check(owner.getOrNull("batch-b") === null && owner.getOrNull("batch-d") === null, "all or nothing");

// Policies.
ok("createPolicy", () => owner.createPolicy("app", { allow: ["*"], deny: ["batch-*"] }));
ok("createPolicy", () => owner.createPolicy("ci", { allow: ["*"], runOnly: true }));
fails(
  "createPolicy twice",
  "createPolicy",
  vault.PolicyAlreadyExists,
  () => owner.createPolicy("app", { allow: ["*"] }),
);
fails(
  "createPolicy, invalid glob",
  "createPolicy",
  vault.InvalidPattern,
  () => owner.createPolicy("bad", { allow: ["[z-a"] }),
);
check(ok("getPolicy", () => owner.getPolicy("app")).name === "app", "getPolicy");
fails("getPolicy, missing", "getPolicy", vault.PolicyNotFound, () => owner.getPolicy("nope"));
check(ok("listPolicies", () => owner.listPolicies()).length === 2, "two policies");
ok("updatePolicy", () => owner.updatePolicy("app", { description: "application" }));
fails(
  "updatePolicy, missing",
  "updatePolicy",
  vault.PolicyNotFound,
  () => owner.updatePolicy("nope", { allow: ["*"] }),
);
fails(
  "updatePolicy, invalid glob",
  "updatePolicy",
  vault.InvalidPattern,
  () => owner.updatePolicy("app", { deny: ["{a"] }),
);
check(ok("testPolicy", () => owner.testPolicy("app", "db-password")), "testPolicy allows");
fails(
  "testPolicy, missing scope",
  "testPolicy",
  vault.PolicyNotFound,
  () => owner.testPolicy("nope", "db-password"),
);
const env = ok("buildEnvMap", () => owner.buildEnvMap("app"));
check(env.DB_PASSWORD === v3 && env.API_KEY === v5, "buildEnvMap values");
fails(
  "buildEnvMap, missing scope",
  "buildEnvMap",
  vault.PolicyNotFound,
  () => owner.buildEnvMap("nope"),
);
fails("buildEnvMap, run-only", "buildEnvMap", vault.RunOnly, () => owner.buildEnvMap("ci"));
owner.store("api_key", v7);
fails(
  "buildEnvMap, collision",
  "buildEnvMap",
  vault.EnvNameCollision,
  () => owner.buildEnvMap("app"),
);
owner.remove("api_key");
check(ok("removePolicy", () => owner.removePolicy("ci")) === true, "removePolicy");
check(owner.removePolicy("ci") === false, "removePolicy of a missing policy");
owner.createPolicy("ci", { allow: ["*"], runOnly: true });

// Sessions, and what a token may not do.
const session = ok("createSession", () => owner.createSession({ scope: "app", ttlSeconds: 600 }));
const runOnly = owner.createSession({ scope: "ci", ttlSeconds: 600, runOnly: true });
fails(
  "createSession, missing scope",
  "createSession",
  vault.PolicyNotFound,
  () => owner.createSession({ scope: "nope", ttlSeconds: 60 }),
);
fails(
  "createSession, ttl 0",
  "createSession",
  vault.InvalidRequest,
  () => owner.createSession({ scope: "app", ttlSeconds: 0 }),
);
check(ok("listSessions", () => owner.listSessions()).length === 2, "two sessions");
{
  using reader = new Authy({ token: session.token, keyfile, dir });
  check(reader.get("db-password") === v3, "the token reads its scope");
  fails("token get, denied name", "get", vault.AccessDenied, () => reader.get("batch-a"));
  fails("token store", "store", vault.TokenReadOnly, () => reader.store("new", v0));
  fails("token rotate", "rotate", vault.TokenReadOnly, () => reader.rotate("db-password", v0));
  fails(
    "token batch",
    "batch",
    vault.TokenReadOnly,
    () => reader.batch((tx) => tx.store("new", v1)),
  );
  show("token client", reader);
  using runner = new Authy({ token: runOnly.token, keyfile, dir });
  fails("run-only token get", "get", vault.RunOnly, () => runner.get("db-password"));
  ok("revokeSession", () => owner.revokeSession(session.id));
  fails(
    "revokeSession, unknown id",
    "revokeSession",
    vault.SessionNotFound,
    () => owner.revokeSession("ffffffffffffffff"),
  );
  fails("token get after revocation", "get", vault.TokenRevoked, () => reader.get("db-password"));
}

// Opening with what does not open the vault.
fails(
  "open, malformed token",
  "constructor",
  vault.InvalidToken,
  () => new Authy({ token: `authy_v1.${v0}`, keyfile, dir }),
);
fails(
  "open, passphrase on a keyfile vault",
  "constructor",
  vault.AuthFailed,
  () => new Authy({ passphrase: secrets.passphrase, dir }),
);
fails(
  "open, another keyfile",
  "constructor",
  vault.AuthFailed,
  () => new Authy({ keyfile: secrets.otherKeyfile, dir }),
);
fails(
  "open, a keyfile that is not a key",
  "constructor",
  vault.InvalidKeyfile,
  () => new Authy({ keyfile: secrets.notAKeyfile, dir }),
);
fails(
  "open, two credentials",
  "constructor",
  vault.InvalidRequest,
  () => new Authy({ passphrase: secrets.passphrase, keyfile, dir } as never),
);
{
  using again = await ok("open", () => Authy.open({ keyfile, dir }));
  check(again.get("api-key") === v5, "a second client reads the batch's rotate");
}
await failsAsync(
  "open, another keyfile (async)",
  "open",
  vault.AuthFailed,
  () => Authy.open({ keyfile: secrets.otherKeyfile, dir }),
);

// The audit log, through the client.
check(ok("auditEntries", () => owner.auditEntries()).length > 20, "audit entries");
check(ok("verifyAudit", () => owner.verifyAudit()).valid, "the audit chain verifies");

// Closing.
const closing = new Authy({ keyfile, dir });
check(ok("closed", () => closing.closed) === false, "open client");
ok("close", () => closing.close());
closing.close();
check(closing.closed, "closed client");
fails("store after close", "store", vault.ClientClosed, () => closing.store("late", v0));
fails("get after close", "get", vault.ClientClosed, () => closing.get("db-password"));
closing[Symbol.dispose]();

// A passphrase vault: its passphrase is a secret too.
{
  const passDir = join(root, "passphrase-vault");
  using pass = await Authy.open({ passphrase: secrets.passphrase, dir: passDir });
  pass.initVault();
  pass.store("p-secret", v6);
  await failsAsync(
    "open, wrong passphrase",
    "open",
    vault.AuthFailed,
    () => Authy.open({ passphrase: v7, dir: passDir }),
  );
  show("passphrase client", pass);
}

show("library path", ok("libraryPath", () => Authy.libraryPath()));
fails(
  "loadLibrary, missing file",
  "loadLibrary",
  vault.LibraryLoadError,
  () => Authy.loadLibrary(join(root, "no-such-library.so")),
);
show("owner client", owner);
show("module", vault);

console.log(JSON.stringify({ covered: [...covered].sort(), failures }));

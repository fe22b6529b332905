// Error classes: each engine kind arrives as its own subclass of
// AuthyError with the code and exit code of the authy tool.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { Harness } from "./harness.ts";
import { keyfileVault, tempDir, thrown } from "./fixtures.ts";

export function errors({ test, vault }: Harness): void {
  const { Authy } = vault;

  test("error classes carry kind, code and exit code", () => {
    const v = keyfileVault(vault);
    const root = tempDir();
    try {
      using client = v.open();
      client.store("taken", "error-suite-secret");
      client.createPolicy("p", { allow: ["*"] });
      const notAKey = join(root.path, "not-a-key");
      writeFileSync(notAKey, "hello\n");
      const cases: Array<[() => unknown, new (...args: never[]) => Error, string, number]> = [
        [() => client.get("missing"), vault.SecretNotFound, "not_found", 3],
        [() => client.store("taken", "x"), vault.SecretAlreadyExists, "already_exists", 5],
        [() => client.getPolicy("nope"), vault.PolicyNotFound, "not_found", 3],
        [
          () => client.createPolicy("p", { allow: [] }),
          vault.PolicyAlreadyExists,
          "already_exists",
          5,
        ],
        [
          () => client.createPolicy("bad", { allow: ["[z-a"] }),
          vault.InvalidPattern,
          "invalid_pattern",
          1,
        ],
        [() => client.store("", "x"), vault.InvalidName, "invalid_name", 1],
        [() => client.store("a\u0000b", "x"), vault.InvalidName, "invalid_name", 1],
        [() => client.store("x".repeat(257), "x"), vault.InvalidName, "invalid_name", 1],
        [() => client.revokeSession("ffffffffffffffff"), vault.SessionNotFound, "not_found", 3],
        [() => client.initVault(), vault.VaultAlreadyExists, "already_exists", 5],
        [
          () => new Authy({ keyfile: notAKey, dir: v.dir }),
          vault.InvalidKeyfile,
          "invalid_keyfile",
          2,
        ],
        [() => Authy.generateKeyfile(v.keyfile), vault.KeyfileAlreadyExists, "already_exists", 5],
        [() => new Authy({} as never), vault.InvalidRequest, "invalid_request", 1],
        [
          () => new Authy({ token: "authy_v1.x" } as never),
          vault.InvalidRequest,
          "invalid_request",
          1,
        ],
        [
          () => new Authy({ passphrase: "a", keyfile: v.keyfile } as never),
          vault.InvalidRequest,
          "invalid_request",
          1,
        ],
        [
          () => client.createSession({ scope: "p", ttlSeconds: 0 }),
          vault.InvalidRequest,
          "invalid_request",
          1,
        ],
      ];
      for (const [fn, ErrorClass, code, exitCode] of cases) {
        const error = thrown(fn);
        assert.ok(error instanceof ErrorClass, `${String(error)} is not a ${ErrorClass.name}`);
        assert.ok(error instanceof vault.AuthyError);
        assert.ok(error instanceof Error);
        assert.equal(error.code, code, error.message);
        assert.equal(error.exitCode, exitCode);
        assert.equal(error.name, ErrorClass.name);
        assert.ok(error.message.length > 0);
        assert.ok(!error.message.includes("error-suite-secret"));
      }
    } finally {
      v.cleanup();
      root.cleanup();
    }
  });

  test("a corrupt vault is DecryptionError and stays byte for byte", () => {
    const v = keyfileVault(vault);
    try {
      const file = join(v.dir, "vault.age");
      const good = readFileSync(file);
      const corruptions = [
        new Uint8Array(0),
        good.subarray(0, good.length - 7),
        new TextEncoder().encode("age-encryption.org/v1\n-> X25519 garbage\n"),
        crypto.getRandomValues(new Uint8Array(512)),
      ];
      for (const bytes of corruptions) {
        writeFileSync(file, bytes);
        const error = thrown(() => v.open());
        assert.ok(error instanceof vault.DecryptionError, String(error));
        assert.equal(error.code, "decryption_error");
        assert.equal(error.exitCode, 2);
        assert.deepEqual(new Uint8Array(readFileSync(file)), new Uint8Array(bytes));
      }
    } finally {
      v.cleanup();
    }
  });

  test("a keyfile that is not a recipient is AuthFailed", () => {
    const v = keyfileVault(vault);
    const root = tempDir();
    try {
      const other = join(root.path, "other.key");
      Authy.generateKeyfile(other);
      assert.throws(() => new Authy({ keyfile: other, dir: v.dir }), vault.AuthFailed);
    } finally {
      v.cleanup();
      root.cleanup();
    }
  });
}

// Closing, disposal, persistence across clients and processes, the HOME
// default, and opening without blocking the event loop.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";

import type { Harness } from "./harness.ts";
import { keyfileVault, PASSPHRASE, tempDir, thrown } from "./fixtures.ts";

export function lifecycle(harness: Harness): void {
  const { test, vault } = harness;
  const { Authy } = vault;

  test("close is idempotent and use after close throws ClientClosed", () => {
    const v = keyfileVault(vault);
    try {
      const client = v.open();
      client.store("a", "1");
      assert.equal(client.closed, false);
      client.close();
      client.close();
      assert.equal(client.closed, true);
      const error = thrown(() => client.get("a"));
      assert.ok(error instanceof vault.ClientClosed);
      assert.ok(error instanceof vault.AuthyError);
      assert.equal(error.code, "client_closed");
    } finally {
      v.cleanup();
    }
  });

  test("using disposes the client", () => {
    const v = keyfileVault(vault);
    try {
      let escaped: InstanceType<typeof Authy> | undefined;
      {
        using client = v.open();
        escaped = client;
        client.store("a", "1");
      }
      assert.equal(escaped.closed, true);
      assert.throws(() => escaped.list(), vault.ClientClosed);
    } finally {
      v.cleanup();
    }
  });

  test("writes persist across two clients and a second process", async () => {
    const v = keyfileVault(vault);
    try {
      using first = v.open();
      using second = v.open();
      first.store("shared", "from-first");
      assert.equal(second.get("shared"), "from-first");
      second.rotate("shared", "from-second");
      assert.equal(first.get("shared"), "from-second");

      const child = await harness.runChild("store-and-list", [v.dir, v.keyfile, "child-a"]);
      assert.equal(child.code, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), ["child-a", "shared"]);
      assert.equal(first.get("child-a"), "value-of-child-a");
    } finally {
      v.cleanup();
    }
  });

  test("HOME decides the default directory", async () => {
    const home = tempDir();
    try {
      const child = await harness.runChild("home-default", [], { HOME: home.path });
      assert.equal(child.code, 0, child.stderr);
      assert.equal(child.stdout.trim(), "true");
      assert.ok(existsSync(join(home.path, ".authy", "vault.age")));
      assert.ok(existsSync(join(home.path, ".authy", "authy.toml")));
      assert.ok(existsSync(join(home.path, ".authy", "audit.log")));
    } finally {
      home.cleanup();
    }
  });

  test("Authy.open does not block the event loop while scrypt runs", async () => {
    const root = tempDir();
    try {
      const init = new Authy({ passphrase: PASSPHRASE, dir: root.path });
      init.initVault();
      init.close();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      try {
        const opening = Authy.open({ passphrase: PASSPHRASE, dir: root.path });
        const client = await opening;
        client.close();
      } finally {
        clearInterval(timer);
      }
      assert.ok(ticks >= 3, `the timer ticked ${ticks} times while the vault opened`);
    } finally {
      root.cleanup();
    }
  });
}

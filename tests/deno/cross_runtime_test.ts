// Deno and Bun on one vault: what one writes the other reads, and two
// runtimes writing at once lose nothing.

import assert from "node:assert/strict";

import * as vault from "../../mod.ts";
import { keyfileVault } from "../suite/fixtures.ts";
import type { ChildResult } from "../suite/harness.ts";
import { runCommand } from "./child_process.ts";
import { childCommand, type Runtime } from "./runtimes.ts";

const childScript = new URL("../suite/child.ts", import.meta.url).pathname;

function inRuntime(runtime: Runtime, command: string, args: string[]): Promise<ChildResult> {
  return runCommand(...childCommand(runtime, childScript, [command, ...args]));
}

const inDeno = (command: string, args: string[]) => inRuntime("deno", command, args);
const inBun = (command: string, args: string[]) => inRuntime("bun", command, args);

Deno.test("a vault written from Bun reads in Deno, and the other way round", async () => {
  const v = keyfileVault(vault);
  try {
    const fromBun = await inBun("store-and-list", [v.dir, v.keyfile, "from-bun"]);
    assert.equal(fromBun.code, 0, fromBun.stdout + fromBun.stderr);
    const fromDeno = await inDeno("store-and-list", [v.dir, v.keyfile, "from-deno"]);
    assert.equal(fromDeno.code, 0, fromDeno.stdout + fromDeno.stderr);
    assert.deepEqual(JSON.parse(fromDeno.stdout), ["from-bun", "from-deno"]);
    const readByBun = await inBun("construct", [v.dir, v.keyfile]);
    assert.deepEqual(JSON.parse(readByBun.stdout), ["from-bun", "from-deno"]);
    using client = v.open();
    assert.equal(client.get("from-bun"), "value-of-from-bun");
    assert.equal(client.get("from-deno"), "value-of-from-deno");
  } finally {
    v.cleanup();
  }
});

Deno.test("Deno and Bun writing one vault at once lose nothing", async () => {
  const v = keyfileVault(vault);
  try {
    const count = 40;
    const results = await Promise.all([
      inBun("store-many", [v.dir, v.keyfile, "bun", String(count)]),
      inDeno("store-many", [v.dir, v.keyfile, "deno", String(count)]),
      inBun("store-many", [v.dir, v.keyfile, "bun2", String(count)]),
    ]);
    for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);
    using client = v.open();
    const names = client.list();
    assert.equal(names.length, 3 * count);
    for (const prefix of ["bun", "deno", "bun2"]) {
      for (let i = 0; i < count; i++) {
        assert.equal(client.get(`${prefix}-${i}`), `v-${prefix}-${i}`);
      }
    }
    const audit = client.verifyAudit();
    assert.equal(audit.valid, true);
    const stores = client.auditEntries().filter((e) => e.operation === "store");
    assert.equal(stores.length, 3 * count);
  } finally {
    v.cleanup();
  }
});

// Deno's permissions: the module works with --allow-ffi alone, and without
// it the error names the flag.

import assert from "node:assert/strict";

import * as vault from "../../mod.ts";
import { keyfileVault } from "../suite/fixtures.ts";
import { runDenoChild } from "./child_process.ts";

const child = new URL("./minimal_child.ts", import.meta.url);

Deno.test("--allow-ffi is the only flag the module needs", async () => {
  const v = keyfileVault(vault);
  try {
    using owner = v.open();
    owner.createPolicy("all", { allow: ["*"] });
    const result = await runDenoChild(["--allow-ffi"], child, [v.dir, v.keyfile]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { names: ["minimal"], variables: ["MINIMAL"] });
    assert.equal(owner.get("minimal"), "minimal-flags-value-2");
  } finally {
    v.cleanup();
  }
});

Deno.test("without --allow-ffi the error says which flag is missing", async () => {
  const v = keyfileVault(vault);
  try {
    const result = await runDenoChild([], child, [v.dir, v.keyfile]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^LibraryLoadError: .*--allow-ffi/);
  } finally {
    v.cleanup();
  }
});

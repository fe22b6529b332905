// How the Bun entry finds its library: AUTHY_VAULT_LIB wins, a bad path is
// a LibraryLoadError that names it, and the local build is found without
// any setting. Each case runs in its own process, since a process loads
// the library once.

import { expect, test } from "bun:test";

import { runSameRuntime } from "../suite/spawn.ts";

const probe = new URL("./loading_child.ts", import.meta.url).pathname;
const localBuild = new URL("../../rust/target/release/libauthy_vault.so", import.meta.url)
  .pathname;

test("the local build is found with no setting", async () => {
  const result = await runSameRuntime([probe]);
  expect(result.stdout.trim()).toBe(`loaded ${localBuild}`);
});

test("AUTHY_VAULT_LIB is used when set", async () => {
  const result = await runSameRuntime([probe], { AUTHY_VAULT_LIB: localBuild });
  expect(result.stdout.trim()).toBe(`loaded ${localBuild}`);
});

test("a missing library is a LibraryLoadError naming what was tried", async () => {
  const result = await runSameRuntime([probe], { AUTHY_VAULT_LIB: "/nonexistent/libauthy.so" });
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("LibraryLoadError library_load_error");
  expect(result.stdout).toContain("AUTHY_VAULT_LIB: /nonexistent/libauthy.so");
  expect(result.stdout).toContain("cause:");
});

// Runs the conformance suite on Bun, through bun/mod.ts.

import { test } from "bun:test";

import * as vault from "../../bun/mod.ts";
import { conformanceSuite } from "../suite/suite.ts";
import { runSameRuntime } from "../suite/spawn.ts";

const childScript = new URL("../suite/child.ts", import.meta.url).pathname;
const entry = new URL("../../bun/mod.ts", import.meta.url).pathname;

conformanceSuite({
  runtime: "bun",
  // Passphrase cases run scrypt a dozen times; no test asserts a time.
  test: (name, fn) => test(name, fn, 180_000),
  vault,
  runChild: (command, args, env) => runSameRuntime([childScript, entry, command, ...args], env),
});

// The conformance suite on Bun, against the installed npm package (its
// `bun` export condition). Compiled and run with `bun test` by
// installed_test.ts.

import { test } from "bun:test";

import * as vault from "@authy/vault";
import { conformanceSuite } from "../suite/suite.ts";
import { runSameRuntime } from "../suite/spawn.ts";

const childScript = new URL("../suite/child.js", import.meta.url).pathname;

conformanceSuite({
  runtime: "bun (npm)",
  test: (name, fn) => test(name, fn, 180_000),
  vault,
  runChild: (command, args, env) =>
    runSameRuntime([childScript, "@authy/vault", command, ...args], env),
});

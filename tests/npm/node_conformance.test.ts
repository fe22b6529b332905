// The conformance suite on Node.js, against the installed npm package.
// Compiled to JavaScript and run with `node --test` by installed_test.ts.

import { test } from "node:test";

import * as vault from "@authy/vault";
import { conformanceSuite } from "../suite/suite.ts";
import { runSameRuntime } from "../suite/spawn.ts";

const childScript = new URL("../suite/child.js", import.meta.url).pathname;

conformanceSuite({
  runtime: "node",
  test: (name, fn) => test(name, { timeout: 180_000 }, fn),
  vault,
  runChild: (command, args, env) =>
    runSameRuntime([childScript, "@authy/vault", command, ...args], env),
});

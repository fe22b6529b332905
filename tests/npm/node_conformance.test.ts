// The conformance suite on Node.js, against the installed npm package.
// Compiled to JavaScript and run with `node --test` by installed_test.ts.

import { test } from "node:test";
import { spawn } from "node:child_process";
import process from "node:process";

import * as vault from "@authy/vault";
import { conformanceSuite } from "../suite/suite.ts";
import type { ChildResult } from "../suite/harness.ts";

const childScript = new URL("../suite/child.js", import.meta.url).pathname;

function runNodeChild(args: string[], env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

conformanceSuite({
  runtime: "node",
  test: (name, fn) => test(name, { timeout: 180_000 }, fn),
  vault,
  runChild: (command, args, env) =>
    runNodeChild([childScript, "@authy/vault", command, ...args], env),
});

// Runs the conformance suite on Deno, through mod.ts.

import * as vault from "../../mod.ts";
import { conformanceSuite } from "../suite/suite.ts";
import { runDenoChild } from "./child_process.ts";

conformanceSuite({
  runtime: "deno",
  test: (name, fn) => Deno.test(name, fn),
  vault,
  runChild: (command, args, env) =>
    runDenoChild(
      ["--allow-ffi", "--allow-env=HOME", `--allow-read=${import.meta.dirname}/../..`],
      new URL("../suite/child.ts", import.meta.url),
      [new URL("../../mod.ts", import.meta.url).href, command, ...args],
      env,
    ),
});

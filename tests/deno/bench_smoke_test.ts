// A short run of the benchmark harness (bench/run.ts --smoke), so that it
// cannot rot: it must finish and report every figure. No time is asserted;
// the numbers of a smoke run mean nothing.

import * as assert from "node:assert/strict";

const repo = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: "bench: a smoke run of the harness reports every figure",
  sanitizeResources: false,
  async fn() {
    const out = await Deno.makeTempFile({ prefix: "authy-bench-smoke-", suffix: ".md" });
    try {
      const run = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "bench/run.ts", "--smoke", "--out", out],
        cwd: repo,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, `bench/run.ts --smoke failed:\n${stderr.slice(-4000)}`);

      const report = Deno.readTextFileSync(out);
      // The summary has a row for every figure of the issue, 1 to 10, …
      const summary = report.slice(report.indexOf("## Summary"), report.indexOf("## 1."));
      const figures = new Set(
        summary.split("\n")
          .map((line) => line.match(/^\|\s*(\d+)\s*\|/)?.[1])
          .filter((n): n is string => n !== undefined),
      );
      for (let n = 1; n <= 10; n++) {
        assert.ok(figures.has(String(n)), `no summary row for figure ${n}`);
        // … and a section with a table under it.
        const start = report.indexOf(`## ${n}. `);
        assert.ok(start >= 0, `no section for figure ${n}`);
        const next = report.indexOf("\n## ", start + 1);
        const section = report.slice(start, next < 0 ? undefined : next);
        assert.match(section, /\n\|.+\|\n\|\s*-+\s*\|/, `figure ${n} has no table`);
      }
      assert.doesNotMatch(report, /NaN|undefined|Infinity/, "a figure was not computed");
    } finally {
      await Deno.remove(out).catch(() => {});
    }
  },
});

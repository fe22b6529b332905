// The npm build, checked for real: both packages are packed, installed
// from their tarballs into a fresh project (koffi comes from the registry),
// and the conformance suite runs there on Node.js and on Bun, plus a Node
// program that loads its secrets at boot. Needs `scripts/build_npm.ts` first.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as vault from "../../mod.ts";
import { keyfileVault } from "../suite/fixtures.ts";
import type { ChildResult } from "../suite/harness.ts";

const root = new URL("../..", import.meta.url).pathname;
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const packages = ["vault", "vault-linux-x64-gnu"].map((name) => join(root, "npm", name));
const PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";
const HOME = Deno.env.get("HOME") ?? "/root";

async function inProject(cwd: string, cmd: string, args: string[], env = {}): Promise<ChildResult> {
  const output = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { PATH, HOME, ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

function ok(result: ChildResult, what: string): ChildResult {
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A fresh project with both tarballs installed and the tests compiled into t/. */
async function installedProject(): Promise<{ dir: string; cleanup(): void }> {
  for (const dir of packages) {
    assert.ok(existsSync(join(dir, "package.json")), `${dir} is missing: run scripts/build_npm.ts`);
  }
  const dir = mkdtempSync(join(tmpdir(), "authy-npm-"));
  const tarballs = join(dir, "tarballs");
  mkdirSync(tarballs);
  for (const pkg of packages) {
    ok(
      await inProject(pkg, "npm", ["pack", "--pack-destination", tarballs]),
      "npm pack",
    );
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  ok(await inProject(dir, "npm", ["install", "--no-audit", "--no-fund", ...files]), "npm install");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        rewriteRelativeImportExtensions: true,
        allowImportingTsExtensions: true,
        noCheck: true,
        // The suite's type-only imports reach into ffi/: keep every
        // emitted file inside the project.
        rootDir: root,
        outDir: join(dir, "t"),
        types: [],
      },
      files: [
        "npm/node_conformance.test.ts",
        "npm/bun_conformance.test.ts",
        "npm/node_boot.ts",
        "suite/child.ts",
      ].map((f) => join(root, "tests", f)),
    }),
  );
  ok(await inProject(dir, bin("tsc"), ["-p", "tsconfig.json"]), "tsc");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const project = await installedProject();
addEventListener("unload", () => project.cleanup());

Deno.test("the installed package loads the platform package's library on Node", async () => {
  const probe = join(project.dir, "probe.mjs");
  writeFileSync(
    probe,
    'import { Authy } from "@authy/vault"; Authy.isInitialized({ dir: "/nonexistent" });\n' +
      "console.log(Authy.libraryPath());\n",
  );
  const result = ok(await inProject(project.dir, "node", [probe]), "node probe");
  assert.equal(
    result.stdout.trim(),
    join(project.dir, "node_modules/@authy/vault-linux-x64-gnu/libauthy_vault.so"),
  );
});

Deno.test("Deno loads the installed package as npm:@authy/vault", async () => {
  const v = keyfileVault(vault);
  try {
    const script = join(project.dir, "deno_probe.ts");
    writeFileSync(
      script,
      'import { Authy } from "npm:@authy/vault";\n' +
        "const [dir, keyfile] = Deno.args;\n" +
        "using client = new Authy({ keyfile, dir });\n" +
        'client.store("from-deno-npm", "x");\n' +
        "console.log(JSON.stringify([Authy.libraryPath(), client.list()]));\n",
    );
    const result = ok(
      await inProject(project.dir, Deno.execPath(), [
        "run",
        "--node-modules-dir=manual",
        "--allow-ffi",
        `--allow-read=${project.dir}`,
        script,
        v.dir,
        v.keyfile,
      ]),
      "deno run npm:@authy/vault",
    );
    assert.deepEqual(JSON.parse(result.stdout), [
      join(project.dir, "node_modules/@authy/vault-linux-x64-gnu/libauthy_vault.so"),
      ["from-deno-npm"],
    ]);
  } finally {
    v.cleanup();
  }
});

Deno.test("the conformance suite passes on Node.js from the installed package", async () => {
  const result = ok(
    await inProject(project.dir, "node", ["--test", "t/tests/npm/node_conformance.test.js"]),
    "node --test",
  );
  assert.match(result.stdout, /# fail 0/);
  assert.match(result.stdout, /# pass [1-9]/);
});

Deno.test("the conformance suite passes on Bun from the installed package", async () => {
  const result = ok(
    await inProject(project.dir, bin("bun"), ["test", "./t/tests/npm/bun_conformance.test.js"]),
    "bun test",
  );
  assert.match(result.stderr, / 0 fail/);
});

Deno.test("a Node.js program loads its secrets at boot from the installed package", async () => {
  const v = keyfileVault(vault);
  try {
    {
      using owner = v.open();
      owner.store("db-url", "npm-boot-db-value");
      owner.store("api-key", "npm-boot-api-value");
      owner.store("root-key", "npm-boot-root-value");
      owner.createPolicy("app", { allow: ["*"], deny: ["root-*"] });
    }
    const result = ok(
      await inProject(project.dir, "node", ["t/tests/npm/node_boot.js"], {
        AUTHY_KEYFILE: v.keyfile,
        AUTHY_DIR: v.dir,
        AUTHY_SCOPE: "app",
      }),
      "node boot",
    );
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.names, ["APP_API_KEY", "APP_DB_URL"]);
    assert.equal(typeof report.loadMs, "number");
    assert.ok(!result.stdout.includes("npm-boot"), "a value was printed");
  } finally {
    v.cleanup();
  }
});

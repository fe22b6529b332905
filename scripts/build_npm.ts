// Builds the npm packages into npm/ (ignored by git):
//
//   npm/vault/                      @authy/vault: ESM JavaScript and .d.ts with
//                                   conditional exports (deno, bun, node, default)
//   npm/vault-<platform>/           one package per entry of ffi/packages.ts,
//                                   holding the release library for that platform
//
// The libraries are built with cargo-zigbuild against glibc 2.17 and every
// symbol version they need is checked. cargo-zigbuild and zig come from
// PyPI into .cache/zig-venv. Run: deno run -A scripts/build_npm.ts
// (--skip-native reuses the libraries of an earlier run; --release also
// copies each library to npm/release/ under its artifact name and writes
// their SHA-256 into ffi/artifacts.ts, for the JSR download step).

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { platformPackages } from "../ffi/packages.ts";
import { libraryFileName } from "../ffi/library.ts";
import { VERSION } from "../ffi/version.ts";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "npm");
const cache = join(root, ".cache");
const venv = join(cache, "zig-venv");
const zigTarget = join(cache, "zigbuild-target");

/** Oldest glibc the Linux libraries must load on. */
const GLIBC_FLOOR = "2.17";
const ZIG_TOOLS = ["cargo-zigbuild==0.24.1", "ziglang==0.17.1"];

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const status = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd ?? root,
    env: options.env,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) throw new Error(`${cmd} ${args.join(" ")} failed with ${status.code}`);
}

async function output(cmd: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!result.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}

async function ensureZigTools(): Promise<void> {
  if (existsSync(join(venv, "bin", "cargo-zigbuild"))) return;
  await run("python3", ["-m", "venv", venv]);
  await run(join(venv, "bin", "pip"), ["install", "--quiet", ...ZIG_TOOLS]);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Fails when the library needs a glibc symbol version newer than the floor. */
async function checkGlibc(library: string): Promise<string> {
  const symbols = await output("objdump", ["-T", library]);
  const versions = [...new Set([...symbols.matchAll(/GLIBC_([0-9.]+)/g)].map((m) => m[1]))]
    .sort(compareVersions);
  const newest = versions.at(-1) ?? "none";
  const tooNew = versions.filter((v) => compareVersions(v, GLIBC_FLOOR) > 0);
  if (tooNew.length > 0) {
    throw new Error(`${library} needs glibc ${tooNew.join(", ")}; the floor is ${GLIBC_FLOOR}`);
  }
  return newest;
}

async function buildLibrary(rustTarget: string): Promise<string> {
  const glibcTarget = rustTarget.endsWith("-gnu") ? `${rustTarget}.${GLIBC_FLOOR}` : rustTarget;
  await ensureZigTools();
  await run("cargo", ["zigbuild", "--release", "-p", "authy-ffi", "--target", glibcTarget], {
    cwd: join(root, "rust"),
    env: {
      PATH: `${join(venv, "bin")}:${Deno.env.get("PATH")}`,
      CARGO_TARGET_DIR: zigTarget,
    },
  });
  return join(zigTarget, rustTarget, "release", libraryFileName("linux"));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}

async function emitJavaScript(target: string): Promise<void> {
  const build = join(out, ".build");
  mkdirSync(build, { recursive: true });
  writeJson(join(build, "tsconfig.json"), {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      rewriteRelativeImportExtensions: true,
      allowImportingTsExtensions: true,
      declaration: true,
      // Types are checked by `deno check` and tsconfig.*.json; this run
      // only emits, since no one type environment holds Deno, Bun and Node.
      noCheck: true,
      skipLibCheck: true,
      rootDir: root,
      outDir: target,
      lib: ["ESNext"],
      types: [],
    },
    files: ["mod.ts", "bun/mod.ts", "bun/worker.ts", "node/mod.ts"].map((f) => join(root, f)),
  });
  await run(join(root, "node_modules", ".bin", "tsc"), ["-p", join(build, "tsconfig.json")]);
  rmSync(build, { recursive: true, force: true });
}

function conditional(path: string) {
  return {
    types: `./esm/${path}.d.ts`,
    deno: `./esm/${path}.js`,
    bun: `./esm/bun/mod.js`,
    node: `./esm/node/mod.js`,
    default: `./esm/node/mod.js`,
  };
}

async function buildMainPackage(koffiVersion: string): Promise<void> {
  const dir = join(out, "vault");
  await emitJavaScript(join(dir, "esm"));
  for (const file of ["README.md", "LICENSE"]) copyFileSync(join(root, file), join(dir, file));
  writeJson(join(dir, "package.json"), {
    name: "@authy/vault",
    version: VERSION,
    description:
      "The authy secrets vault for Deno, Bun and Node.js, with its Rust engine compiled in",
    license: "MIT",
    type: "module",
    exports: {
      ".": conditional("mod"),
      "./bun": { types: "./esm/bun/mod.d.ts", default: "./esm/bun/mod.js" },
      "./node": { types: "./esm/node/mod.d.ts", default: "./esm/node/mod.js" },
      "./package.json": "./package.json",
    },
    types: "./esm/mod.d.ts",
    files: ["esm/", "README.md", "LICENSE"],
    engines: { node: ">=20" },
    dependencies: { koffi: koffiVersion },
    optionalDependencies: Object.fromEntries(platformPackages.map((p) => [p.name, VERSION])),
    keywords: ["secrets", "vault", "age", "deno", "bun", "ffi"],
  });
}

/** Release artifacts and the manifest of their hashes that ships in the module. */
function writeRelease(libraries: Map<string, string>): void {
  const dir = join(out, "release");
  mkdirSync(dir, { recursive: true });
  const entries: string[] = [];
  for (const [key, library] of libraries) {
    const file = `libauthy_vault-${key}${library.slice(library.lastIndexOf("."))}`;
    copyFileSync(library, join(dir, file));
    const sha256 = createHash("sha256").update(readFileSync(library)).digest("hex");
    entries.push(`  "${key}": {\n    file: "${file}",\n    sha256: "${sha256}",\n  },`);
    console.log(`release artifact ${file} sha256 ${sha256}`);
  }
  const manifest = join(root, "ffi", "artifacts.ts");
  const text = readFileSync(manifest, "utf8");
  const start = text.indexOf("export const artifacts");
  writeFileSync(
    manifest,
    `${text.slice(0, start)}export const artifacts: Record<string, Artifact> = {\n${
      entries.join("\n")
    }\n};\n`,
  );
}

async function buildPlatformPackages(skipNative: boolean): Promise<Map<string, string>> {
  const libraries = new Map<string, string>();
  for (const platform of platformPackages) {
    const dir = join(out, platform.name.split("/")[1]);
    const file = libraryFileName(platform.os);
    mkdirSync(dir, { recursive: true });
    const built = join(zigTarget, platform.rustTarget, "release", file);
    const library = skipNative && existsSync(built)
      ? built
      : await buildLibrary(platform.rustTarget);
    const newest = await checkGlibc(library);
    console.log(`${platform.name}: newest glibc symbol version ${newest} (floor ${GLIBC_FLOOR})`);
    copyFileSync(library, join(dir, file));
    libraries.set(`${platform.os}-${platform.arch}`, library);
    copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
    writeFileSync(
      join(dir, "README.md"),
      `# ${platform.name}\n\nThe native library of \`@authy/vault\` for ${platform.os} ${platform.arch}` +
        ` (glibc ${GLIBC_FLOOR} or newer). Install \`@authy/vault\`; this package comes with it.\n`,
    );
    writeJson(join(dir, "package.json"), {
      name: platform.name,
      version: VERSION,
      description: `Native library of @authy/vault for ${platform.os} ${platform.arch}`,
      license: "MIT",
      os: [platform.npmOs],
      cpu: [platform.npmCpu],
      ...(platform.os === "linux" ? { libc: ["glibc"] } : {}),
      files: [file, "README.md", "LICENSE"],
    });
  }
  return libraries;
}

const skipNative = Deno.args.includes("--skip-native");
const koffiVersion = JSON.parse(Deno.readTextFileSync(join(root, "package.json")))
  .devDependencies.koffi;
rmSync(join(out, "vault"), { recursive: true, force: true });
await buildMainPackage(`^${koffiVersion}`);
const libraries = await buildPlatformPackages(skipNative);
if (Deno.args.includes("--release")) writeRelease(libraries);
console.log(`built npm/vault and ${platformPackages.length} platform package(s) in ${out}`);

/**
 * The benchmark harness: one command runs every figure on Deno, Bun and
 * (when npm/vault is built) Node, side by side in one run, and writes
 * bench/RESULTS.md.
 *
 * ```sh
 * cd rust && cargo build --release && cd ..
 * node_modules/.bin/deno run -A bench/run.ts            # full run → bench/RESULTS.md
 * node_modules/.bin/deno run -A bench/run.ts --smoke    # a few iterations → a temp file
 * ```
 *
 * Options: `--smoke`, `--out <file>`, `--json <file>` (every number as
 * JSON), `--keep` (keep the generated vaults).
 *
 * @module
 */

import { generate } from "./generate.ts";
import {
  ids,
  type Manifest,
  MODES,
  SIZES,
  type Stats,
  statsOf,
  type SuiteResult,
  vaultKey,
} from "./shared.ts";

// ---------------------------------------------------------------- setup

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const releaseLibrary = `${repo}/rust/target/release/libauthy_vault.so`;
/**
 * The npm build finds its library in the platform package, which is only
 * there once installed; the harness points it at the same release build
 * the Deno and Bun entries load (the documented AUTHY_VAULT_LIB).
 */
const nodeEnv = { AUTHY_VAULT_LIB: releaseLibrary };
const bin = (name: string) => `${repo}/node_modules/.bin/${name}`;
const args = parseArgs(Deno.args);
const smoke = args.smoke;
const started = performance.now();

function parseArgs(argv: string[]) {
  const out = { smoke: false, keep: false, out: "", json: "" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--smoke") out.smoke = true;
    else if (arg === "--keep") out.keep = true;
    else if (arg === "--out") out.out = argv[++i];
    else if (arg === "--json") out.json = argv[++i];
    else throw new Error(`unknown argument ${arg}`);
  }
  return out;
}

function log(line: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${line}`);
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function run(
  command: string,
  commandArgs: string[],
  env: Record<string, string> = {},
): Promise<Output> {
  const begun = performance.now();
  const child = new Deno.Command(command, {
    args: commandArgs,
    cwd: repo,
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  const ms = performance.now() - begun;
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr), ms };
}

async function mustRun(command: string, commandArgs: string[], env: Record<string, string> = {}) {
  const out = await run(command, commandArgs, env);
  if (out.code !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(" ")} exited with ${out.code}:\n${out.stderr.slice(-4000)}`,
    );
  }
  return out;
}

/** The last line of output that is a JSON object. */
function lastJson<T>(text: string): T {
  const line = text.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no JSON in output:\n${text.slice(-2000)}`);
  return JSON.parse(line);
}

// ---------------------------------------------------------------- machine

async function version(command: string, flag = "--version"): Promise<string> {
  try {
    return (await mustRun(command, [flag])).stdout.trim().split("\n")[0];
  } catch {
    return "unavailable";
  }
}

function cpuModel(): string {
  const info = Deno.readTextFileSync("/proc/cpuinfo");
  const field = (name: string) => info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1];
  const model = field("model name") ?? "unknown CPU";
  const family = field("cpu family");
  const number = field("model");
  return family ? `${model} (family ${family}, model ${number})` : model;
}

const machine = {
  cpu: cpuModel(),
  cores: navigator.hardwareConcurrency,
  memoryGiB: Deno.systemMemoryInfo().total / 2 ** 30,
  kernel: Deno.osRelease(),
  loadBefore: Deno.loadavg(),
  loadAfter: [] as number[],
  date: new Date().toISOString(),
};

// ---------------------------------------------------------------- figures

interface Measured {
  manifest: Manifest;
  suites: Record<string, SuiteResult | { error: string }>;
  denoBenchAvg: Record<string, number>;
  scrypt: { logN: number; stats: Stats };
  cold: Record<string, { inProcess: Stats; process: Stats; runtimeAlone: Stats }>;
  boot: Record<string, Record<string, Stats>>;
  rss: Record<string, { baseline: Stats; loaded: Stats; vault: Stats }>;
  versions: Record<string, string>;
}

async function denoSuite(
  manifestPath: string,
  root: string,
): Promise<{ suite: SuiteResult; avg: Record<string, number> }> {
  const samplesPath = `${root}/deno-samples.json`;
  // Type-checked with the rest of the code (deno check), not on every run.
  const out = await mustRun(bin("deno"), [
    "bench",
    "-A",
    "--no-check",
    "--json",
    "bench/deno_bench.ts",
  ], {
    BENCH_MANIFEST: manifestPath,
    BENCH_SAMPLES: samplesPath,
  });
  const report = JSON.parse(out.stdout);
  const { samples, batches } = JSON.parse(Deno.readTextFileSync(samplesPath)) as {
    samples: Record<string, number[]>;
    batches: Record<string, number>;
  };
  const results: Record<string, Stats> = {};
  // `deno bench`'s own mean per operation (a cross-check, in the --json
  // output), over the rounds of a benchmark.
  const means: Record<string, number[]> = {};
  for (const bench of report.benches) {
    const ok = bench.results[0]?.ok;
    if (!ok) throw new Error(`deno bench ${bench.name} failed: ${JSON.stringify(bench.results)}`);
    const id = bench.name.replace(/ \(round \d+\)$/, "");
    if (batches[id]) (means[id] ??= []).push(ok.avg / batches[id]);
  }
  const avg = Object.fromEntries(
    Object.entries(means).map(([id, list]) => [id, list.reduce((a, v) => a + v, 0) / list.length]),
  );
  for (const [id, list] of Object.entries(samples)) {
    results[id] = statsOf(list);
  }
  return { suite: { runtime: "Deno", version: Deno.version.deno, results }, avg };
}

async function mitataSuite(
  runtime: "Bun" | "Node",
  manifestPath: string,
  root: string,
): Promise<SuiteResult | { error: string }> {
  const outPath = `${root}/${runtime.toLowerCase()}-results.json`;
  const command = runtime === "Bun"
    ? [bin("bun"), "bench/bun_bench.ts"]
    : ["node", "bench/node_bench.mjs"];
  const out = await run(
    command[0],
    [...command.slice(1), manifestPath, outPath],
    runtime === "Node" ? nodeEnv : {},
  );
  if (out.code !== 0) {
    const why = out.stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300);
    if (runtime === "Bun") throw new Error(`bun suite failed:\n${out.stderr.slice(-4000)}`);
    return { error: `failed: ${why}` };
  }
  return JSON.parse(Deno.readTextFileSync(outPath));
}

interface RuntimeChild {
  name: string;
  command: string[];
  entry: string;
  native?: string;
  env?: Record<string, string>;
}

function runtimes(nodeBuilt: boolean): RuntimeChild[] {
  const url = (path: string) => new URL(path, `file://${repo}/`).href;
  const list: RuntimeChild[] = [
    {
      name: "Deno",
      command: [bin("deno"), "run", "-A", "bench/child.mjs"],
      entry: url("mod.ts"),
      native: url("ffi/native.ts"),
    },
    {
      name: "Bun",
      command: [bin("bun"), "bench/child.mjs"],
      entry: url("bun/mod.ts"),
      native: url("ffi/native.ts"),
    },
  ];
  if (nodeBuilt) {
    const node = nodeBuild();
    if (node) {
      list.push({
        name: "Node",
        command: ["node", "bench/child.mjs"],
        entry: url(node.entry),
        native: node.native ? url(node.native) : undefined,
        env: nodeEnv,
      });
    }
  }
  return list;
}

/** The npm build's entry module and its ffi/native module (paths in the repo). */
function nodeBuild(): { entry: string; native?: string } | null {
  const root = `${repo}/npm/vault`;
  try {
    const pkg = JSON.parse(Deno.readTextFileSync(`${root}/package.json`));
    let target = pkg.exports?.["."] ?? pkg.exports ?? pkg.module ?? pkg.main ?? "index.js";
    while (typeof target === "object" && target !== null) {
      target = target.node ?? target.import ?? target.default ?? Object.values(target)[0];
    }
    const entry = `npm/vault/${String(target).replace(/^\.\//, "")}`;
    const nativeCandidates = ["ffi/native.js", "esm/ffi/native.js", "dist/ffi/native.js"];
    const native = nativeCandidates.find((p) => exists(`${root}/${p}`));
    return { entry, native: native ? `npm/vault/${native}` : undefined };
  } catch {
    return null;
  }
}

/** Whether npm/vault is older than the TypeScript it is compiled from. */
function nodeBuildStale(): boolean {
  try {
    const built = Deno.statSync(`${repo}/npm/vault/package.json`).mtime!.getTime();
    const newest = ["ffi", "node"].flatMap((dir) =>
      [...Deno.readDirSync(`${repo}/${dir}`)]
        .filter((e) => e.name.endsWith(".ts"))
        .map((e) => Deno.statSync(`${repo}/${dir}/${e.name}`).mtime!.getTime())
    );
    return Math.max(...newest) > built;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function child<T>(rt: RuntimeChild, childArgs: string[], env: Record<string, string> = {}) {
  const out = await mustRun(rt.command[0], [...rt.command.slice(1), ...childArgs], {
    ...rt.env,
    ...env,
  });
  return { report: lastJson<T>(out.stdout), ms: out.ms };
}

async function coldStarts(list: RuntimeChild[], runs: number) {
  const result: Measured["cold"] = {};
  for (const rt of list) {
    const nativeArg = rt.native ? [rt.native] : [];
    // Warm the runtime's module cache (Deno transpiles once) and the page cache.
    for (let i = 0; i < 2; i++) await child(rt, ["cold", rt.entry, ...nativeArg]);
    const inProcess: number[] = [];
    const whole: number[] = [];
    const alone: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cold = await child<{ ms: number }>(rt, ["cold", rt.entry, ...nativeArg]);
      inProcess.push(cold.report.ms * 1e6);
      whole.push(cold.ms * 1e6);
      alone.push((await child(rt, ["baseline"])).ms * 1e6);
    }
    result[rt.name] = {
      inProcess: statsOf(inProcess),
      process: statsOf(whole),
      runtimeAlone: statsOf(alone),
    };
    log(`  cold start ${rt.name}: ${fmtNs(result[rt.name].inProcess.median)} in process`);
  }
  return result;
}

async function boots(list: RuntimeChild[], manifest: Manifest, runs: number, slowRuns: number) {
  const result: Measured["boot"] = {};
  const keyfileVault = manifest.vaults[vaultKey("keyfile", 1_000)];
  const passphraseVault = manifest.vaults[manifest.passphraseVault];
  for (const rt of list) {
    result[rt.name] = {};
    for (const how of ["async", "sync"]) {
      const keyfileEnv = { BENCH_KEYFILE: manifest.keyfile };
      await child(rt, ["boot", rt.entry, keyfileVault.dir, how], keyfileEnv);
      const keyfile: number[] = [];
      for (let i = 0; i < runs; i++) {
        keyfile.push(
          (await child<{ ms: number }>(rt, ["boot", rt.entry, keyfileVault.dir, how], keyfileEnv))
            .report.ms * 1e6,
        );
      }
      result[rt.name][`keyfile/${how}`] = statsOf(keyfile);
      // A smoke run opens the passphrase vault the documented way only.
      if (smoke && how === "sync") continue;
      const passphrase: number[] = [];
      const scrypt: number[] = [];
      for (let i = 0; i < slowRuns; i++) {
        // A full run times scrypt alone right before each documented
        // passphrase boot, so that both see the same load on the machine.
        if (!smoke && how === "async") scrypt.push(...(await scryptRuns(manifest, 1)).ns);
        passphrase.push(
          (await child<{ ms: number }>(rt, ["boot", rt.entry, passphraseVault.dir, how], {
            BENCH_PASSPHRASE: manifest.passphrase,
          })).report.ms * 1e6,
        );
      }
      result[rt.name][`passphrase/${how}`] = statsOf(passphrase);
      if (scrypt.length > 0) result[rt.name].scrypt = statsOf(scrypt);
    }
    log(`  boot ${rt.name}: keyfile ${fmtNs(result[rt.name]["keyfile/async"].median)}`);
  }
  return result;
}

async function peakMemory(list: RuntimeChild[], manifest: Manifest, runs: number) {
  const result: Measured["rss"] = {};
  const vault = manifest.vaults[vaultKey("keyfile", 10_000)];
  for (const rt of list) {
    const sample = async (childArgs: string[]) => {
      const values: number[] = [];
      for (let i = 0; i < runs; i++) {
        values.push(
          (await child<{ peakRss: number }>(rt, childArgs, { BENCH_KEYFILE: manifest.keyfile }))
            .report.peakRss,
        );
      }
      return statsOf(values);
    };
    result[rt.name] = {
      baseline: await sample(["baseline"]),
      loaded: await sample(["loaded", rt.entry, ...(rt.native ? [rt.native] : [])]),
      vault: await sample(["vault", rt.entry, vault.dir, vault.probe]),
    };
    log(`  peak RSS ${rt.name}: ${fmtBytes(result[rt.name].vault.median)}`);
  }
  return result;
}

/** Runs of scrypt alone, in ns each (bench/run.ts builds the example first). */
async function scryptRuns(
  manifest: Manifest,
  runs: number,
): Promise<{ logN: number; ns: number[] }> {
  const vault = manifest.vaults[manifest.passphraseVault];
  const out = await mustRun(
    `${repo}/rust/target/release/examples/scrypt_once`,
    [`${vault.dir}/vault.age`, "BENCH_PASSPHRASE", String(runs)],
    { BENCH_PASSPHRASE: manifest.passphrase },
  );
  const { logN, ms } = lastJson<{ logN: number; ms: number[] }>(out.stdout);
  return { logN, ns: ms.map((m) => m * 1e6) };
}

async function scryptAlone(manifest: Manifest, runs: number) {
  await mustRun("cargo", [
    "build",
    "--quiet",
    "--release",
    "--manifest-path",
    "rust/Cargo.toml",
    "-p",
    "authy-core",
    "--example",
    "scrypt_once",
  ]);
  const { logN, ns } = await scryptRuns(manifest, runs);
  return { logN, stats: statsOf(ns) };
}

// ---------------------------------------------------------------- formatting

function fmtNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return "–";
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

function fmtBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return "–";
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "–";
  if (x >= 1000) return `${Math.round(x).toLocaleString("en-US")}x`;
  if (x >= 10) return `${x.toFixed(0)}x`;
  return `${x.toFixed(2)}x`;
}

function spread(s: Stats | undefined, fmt = fmtNs): string {
  if (!s) return "–";
  return `${fmt(s.p25)} – ${fmt(s.p75)}`;
}

function range(s: Stats | undefined, fmt = fmtNs): string {
  if (!s) return "–";
  return `${fmt(s.min)} – ${fmt(s.max)}`;
}

function verdict(ok: boolean | undefined): string {
  if (ok === undefined) return "–";
  return ok ? "met" : "**missed**";
}

/** A markdown table. */
function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------- report

function report(m: Measured): { markdown: string; summary: string[][] } {
  const suites = m.suites;
  const suite = (name: string): SuiteResult | undefined => {
    const s = suites[name];
    return s && "results" in s ? s : undefined;
  };
  const stat = (runtime: string, id: string) => suite(runtime)?.results[id];
  const med = (runtime: string, id: string) => stat(runtime, id)?.median;
  const nodeState = (() => {
    const s = suites.Node;
    if (!s) return "Node: not built (npm/vault is missing; build it with scripts/build_npm.ts)";
    if ("error" in s) return `Node: ${s.error}`;
    return `Node ${s.version} (npm build in npm/vault${
      nodeBuildStale() ? ", built before the last change to ffi/ or node/" : ""
    }; library from AUTHY_VAULT_LIB, the same release build as Deno and Bun)`;
  })();
  const nodeCell = (id: string, fmt = fmtNs) => {
    const s = suites.Node;
    if (!s) return "not built";
    if ("error" in s) return "failed";
    const value = s.results[id]?.median;
    return value === undefined ? "n/a" : fmt(value);
  };
  const summary: string[][] = [];
  const sections: string[] = [];
  const row = (runtime: string, label: string, s: Stats | undefined, extra: string[] = []) => [
    runtime,
    label,
    fmtNs(s?.median),
    spread(s),
    range(s),
    String(s?.n ?? "–"),
    ...extra,
  ];
  const head = ["runtime", "benchmark", "median", "p25 – p75", "min – max", "samples"];
  const refSize = smoke ? 10 : 1_000;
  const passphraseSize = m.manifest.vaults[m.manifest.passphraseVault].size;

  // 1. Floor
  {
    const rows: string[][] = [];
    for (const rt of ["Deno", "Bun", "Node"]) {
      if (!suite(rt)) continue;
      if (stat(rt, ids.floor)) rows.push(row(rt, "ping, as a client call", stat(rt, ids.floor)));
      if (stat(rt, ids.floorRaw)) {
        rows.push(row(rt, "ping, bytes only (no JSON)", stat(rt, ids.floorRaw)));
      }
    }
    sections.push(
      `## 1. Floor: one C ABI round trip that does nothing\n\n` +
        '`{"op":"ping"}` on handle 0 through `authy_call`, encoded and decoded the way the ' +
        "client encodes and decodes every call (bench/floor.ts). The second row sends " +
        "pre-encoded bytes and only copies the response out (no JSON either way).\n\n" +
        table(head, rows),
    );
    summary.push([
      "1",
      "floor: ping round trip",
      fmtNs(med("Deno", ids.floor)),
      fmtNs(med("Bun", ids.floor)),
      nodeCell(ids.floor),
      "reference",
      "–",
    ]);
  }

  // 2. get on an open client
  {
    const rows: string[][] = [];
    let worstRatio = 0;
    let worstAbs = 0;
    let allMet = true;
    const worst: Record<string, number> = {};
    for (const rt of ["Deno", "Bun"]) {
      const floor = med(rt, ids.floor);
      for (const mode of MODES) {
        for (const size of SIZES) {
          for (const audited of [false, true]) {
            const s = stat(rt, ids.get(mode, size, audited));
            if (!s) continue;
            const ratio = floor ? s.median / floor : undefined;
            let goal = "report";
            if (!audited) {
              const ok = ratio !== undefined && ratio <= 5 && s.median <= 1_000;
              allMet &&= ok;
              worstRatio = Math.max(worstRatio, ratio ?? 0);
              worstAbs = Math.max(worstAbs, s.median);
              worst[rt] = Math.max(worst[rt] ?? 0, s.median);
              goal = `≤ 5x and ≤ 1 µs: ${verdict(ok)}`;
            }
            rows.push(
              row(
                rt,
                `${mode}, ${size.toLocaleString("en-US")} secrets, ${
                  audited ? "reads audited (default)" : "auditReads: false"
                }`,
                s,
                [fmtRatio(ratio), goal],
              ),
            );
          }
        }
      }
    }
    sections.push(
      `## 2. get on an open client, vault unchanged\n\n` +
        "Goal (with `auditReads: false`): median at most 5x the floor of the same runtime, and " +
        "at most 1 µs. With read auditing on (the default) every `get` also takes the lock and " +
        "appends an HMAC-chained line to audit.log; that cost is reported, not judged.\n\n" +
        table([...head, "× floor", "goal"], rows),
    );
    summary.push([
      "2",
      "get, open client, auditReads: false (slowest size/mode)",
      fmtNs(worst.Deno),
      fmtNs(worst.Bun),
      "see 10",
      "≤ 5x floor, ≤ 1 µs",
      `${verdict(allMet)} (worst ${fmtRatio(worstRatio)} floor, ${fmtNs(worstAbs)})`,
    ]);
    const auditedDeno = med("Deno", ids.get("keyfile", refSize, true));
    const auditedBun = med("Bun", ids.get("keyfile", refSize, true));
    summary.push([
      "2",
      `get, open client, reads audited (default), keyfile ${refSize.toLocaleString("en-US")}`,
      fmtNs(auditedDeno),
      fmtNs(auditedBun),
      nodeCell(ids.get("keyfile", refSize, true)),
      "report",
      "–",
    ]);
  }

  // 3. Fresh client per call
  {
    const rows: string[][] = [];
    const ratios: Record<string, number | undefined> = {};
    for (const mode of MODES) {
      const s = stat("Deno", ids.fresh(mode));
      const size = mode === "keyfile" ? 1_000 : passphraseSize;
      const open = med("Deno", ids.get(mode, size, false));
      const ratio = s && open ? s.median / open : undefined;
      ratios[mode] = ratio;
      const goal = mode === "passphrase"
        ? `> 100,000x: ${verdict((ratio ?? 0) > 100_000)}`
        : "report";
      rows.push(
        row("Deno", `${mode}, ${size.toLocaleString("en-US")} secrets: open, get, close`, s, [
          fmtRatio(ratio),
          goal,
        ]),
      );
    }
    sections.push(
      `## 3. The same get through a fresh client per call\n\n` +
        "What a binding that decrypts the vault on every call pays (the authy 0.7 bindings do " +
        "this, and also start a process). Ratio to the open-client `get` (2) of the same " +
        "vault with `auditReads: false`.\n\n" +
        table([...head, "× open-client get", "goal"], rows),
    );
    summary.push([
      "3",
      "fresh client per get, keyfile / passphrase (× open-client get)",
      `${fmtRatio(ratios.keyfile)} / ${fmtRatio(ratios.passphrase)}`,
      "–",
      "–",
      "passphrase > 100,000x",
      verdict((ratios.passphrase ?? 0) > 100_000),
    ]);
  }

  // 4. buildEnvMap
  {
    const rows: string[][] = [];
    let allMet = true;
    for (const rt of ["Deno", "Bun", "Node"]) {
      if (!suite(rt)) continue;
      for (const audited of [false, true]) {
        const s = stat(rt, ids.envMap(audited));
        if (!s) continue;
        let goal = "report";
        if (!audited) {
          const ok = s.median <= 100_000;
          allMet &&= ok;
          goal = `≤ 100 µs: ${verdict(ok)}`;
        }
        rows.push(
          row(rt, audited ? "reads audited (default)" : "auditReads: false", s, [goal]),
        );
      }
    }
    sections.push(
      `## 4. buildEnvMap for a scope allowing 100 of 1,000 secrets\n\n` +
        table([...head, "goal"], rows),
    );
    summary.push([
      "4",
      "buildEnvMap, 100 of 1,000 secrets, auditReads: false",
      fmtNs(med("Deno", ids.envMap(false))),
      fmtNs(med("Bun", ids.envMap(false))),
      nodeCell(ids.envMap(false)),
      "≤ 100 µs",
      verdict(allMet),
    ]);
  }

  // 5. Boot
  {
    const rows: string[][] = [];
    let keyfileMet = true;
    let passphraseMet = true;
    const cell: Record<string, string> = {};
    for (const [rt, boots] of Object.entries(m.boot)) {
      // The reference measured alongside this runtime's boots, if any.
      const scrypt = (boots.scrypt ?? m.scrypt.stats).median;
      for (const how of ["async", "sync"]) {
        const k = boots[`keyfile/${how}`];
        const p: Stats | undefined = boots[`passphrase/${how}`];
        const kOk = k.median <= 5e6;
        const pRatio = p ? p.median / scrypt : undefined;
        const pOk = pRatio !== undefined && pRatio <= 1.05;
        if (how === "async") {
          keyfileMet &&= kOk;
          passphraseMet &&= pOk;
          cell[rt] = `${fmtNs(k.median)} / ${fmtRatio(pRatio)}`;
        }
        const call = how === "async" ? "await Authy.open" : "new Authy";
        rows.push(row(rt, `keyfile, 1,000 secrets, ${call}`, k, ["–", `≤ 5 ms: ${verdict(kOk)}`]));
        rows.push(
          row(rt, `passphrase, ${passphraseSize.toLocaleString("en-US")} secrets, ${call}`, p, [
            fmtRatio(pRatio),
            p ? `≤ 1.05x: ${verdict(pOk)}` : "not run (smoke)",
          ]),
        );
      }
    }
    rows.push(
      [
        "Rust",
        `one scrypt run alone (log2 N = ${m.scrypt.logN}), at the start of the run`,
        fmtNs(m.scrypt.stats.median),
        spread(m.scrypt.stats),
        range(m.scrypt.stats),
        String(m.scrypt.stats.n),
        "1.00x",
        "reference",
      ],
    );
    for (const [rt, boots] of Object.entries(m.boot)) {
      if (!boots.scrypt) continue;
      rows.push([
        "Rust",
        `one scrypt run alone, right before each ${rt} passphrase boot`,
        fmtNs(boots.scrypt.median),
        spread(boots.scrypt),
        range(boots.scrypt),
        String(boots.scrypt.n),
        "1.00x",
        `reference for ${rt}`,
      ]);
    }
    sections.push(
      `## 5. Boot: import, open, buildEnvMap\n\n` +
        "Each sample is a new process (bench/child.mjs): from the first line of the script to " +
        "the env map in hand, so it counts the import of the module, finding and loading the " +
        "library, opening (and decrypting) the vault and one `buildEnvMap` of 100 secrets; the " +
        "runtime's own start-up is not counted (see 9). `await Authy.open` is the documented " +
        "boot (the decryption runs off the JavaScript thread); `new Authy` is the synchronous " +
        "open. The reference for passphrase vaults is one scrypt run alone, measured in the " +
        "same run by `rust/authy-core/examples/scrypt_once.rs`: the same `age` crate and build " +
        "profile as the engine, unwrapping the vault's own header (its salt and work factor) " +
        "and reading no payload. Since load on this machine moves scrypt by ±10% within minutes, " +
        "a full run times it again right before each `await Authy.open` passphrase boot, and " +
        "each runtime's ratios use those samples. Goals are judged on `await Authy.open`.\n\n" +
        table([...head, "× scrypt", "goal"], rows),
    );
    summary.push([
      "5",
      "boot: keyfile 1,000 / passphrase (× one scrypt run), await Authy.open",
      cell.Deno ?? "–",
      cell.Bun ?? "–",
      cell.Node ?? (suites.Node ? "–" : "not built"),
      "≤ 5 ms / ≤ 1.05x",
      `${verdict(keyfileMet)} / ${verdict(passphraseMet)}`,
    ]);
  }

  // 6. Writes
  {
    const store = stat("Deno", ids.store);
    const batch = stat("Deno", ids.batch);
    const singles = stat("Deno", ids.singles);
    const perSingle = singles ? singles.median / m.manifest.singleWrites : undefined;
    const ratio = perSingle && batch ? (perSingle * 1_000) / batch.median : undefined;
    const ok = ratio !== undefined && ratio >= 50;
    const rows = [
      row("Deno", "store (overwrite) into a 1,000-secret keyfile vault, fsyncs included", store, [
        "report",
      ]),
      row("Deno", "batch of 1,000 stores, one save", batch, ["–"]),
      row(
        "Deno",
        `${m.manifest.singleWrites.toLocaleString("en-US")} single stores in a row`,
        singles,
        [`batch is ${fmtRatio(ratio)} faster than 1,000 singles: ≥ 50x ${verdict(ok)}`],
      ),
    ];
    sections.push(
      `## 6. Writes into a 1,000-secret keyfile vault\n\n` +
        "Each store re-encrypts the whole vault, writes a temporary file, fsyncs it, renames " +
        "it over the vault, fsyncs the directory and appends to the audit log, all under the " +
        "lock. A batch does that once for all its writes. The ratio compares one batch of " +
        "1,000 with 1,000 single stores" +
        (m.manifest.singleWrites === 1_000
          ? " (measured as such)."
          : ` (this smoke run timed ${m.manifest.singleWrites} and scaled).`) +
        "\n\n" + table([...head, "goal"], rows),
    );
    summary.push([
      "6",
      "store with fsyncs / batch of 1,000 vs 1,000 singles",
      `${fmtNs(store?.median)} / ${fmtRatio(ratio)}`,
      "–",
      "–",
      "report / ≥ 50x",
      `– / ${verdict(ok)}`,
    ]);
  }

  // 7. Audit log length
  {
    const empty = stat("Deno", ids.auditEmpty);
    const long = stat("Deno", ids.auditLong);
    const ratio = empty && long ? long.median / empty.median : undefined;
    const ok = ratio !== undefined && ratio <= 1.2;
    sections.push(
      `## 7. One write with a 100,000-line audit log against an empty one\n\n` +
        "A store into a 10-secret keyfile vault (the smallest, so that the audit append is " +
        "the largest share of the write), into two copies of it that differ only in their " +
        "audit log; the two writes alternate, so both see the same load. The " +
        '"empty" log starts empty and grows by one line per write of the benchmark.\n\n' +
        table([...head, "× empty"], [
          row("Deno", "audit log empty", empty, ["1.00x"]),
          row("Deno", "audit log of 100,000 lines", long, [
            `${fmtRatio(ratio)}: ≤ 1.2x ${verdict(ok)}`,
          ]),
        ]),
    );
    summary.push([
      "7",
      "write with a 100,000-line audit log (× empty log)",
      fmtRatio(ratio),
      "–",
      "–",
      "≤ 1.2x",
      verdict(ok),
    ]);
  }

  // 8. Peak RSS
  {
    const vault = m.manifest.vaults[vaultKey("keyfile", 10_000)];
    const plaintext = vault.plaintextBytes;
    const rows: string[][] = [];
    let allMet = true;
    const cell: Record<string, string> = {};
    for (const [rt, r] of Object.entries(m.rss)) {
      const extra = r.vault.median - r.baseline.median;
      const ok = r.vault.median <= r.baseline.median + 3 * plaintext;
      allMet &&= ok;
      cell[rt] = `+${fmtBytes(extra)} (${fmtRatio(extra / plaintext)} plaintext)`;
      rows.push([
        rt,
        fmtBytes(r.baseline.median),
        fmtBytes(r.loaded.median),
        fmtBytes(r.vault.median),
        `+${fmtBytes(extra)}`,
        fmtRatio(extra / plaintext),
        `+${fmtBytes(r.vault.median - r.loaded.median)}`,
        `${fmtBytes(r.vault.min)} – ${fmtBytes(r.vault.max)}`,
        verdict(ok),
      ]);
    }
    sections.push(
      `## 8. Peak RSS of a process holding a 10,000-secret vault open\n\n` +
        `Peak resident set (VmHWM) of a new process (median of ${
          m.rss.Deno?.vault.n ?? "–"
        } each). Baseline: the runtime running the same script without importing the ` +
        "module. Loaded: module imported and library loaded. Vault: a keyfile vault of " +
        `10,000 secrets opened and read once. The plaintext (decrypted MessagePack) is ` +
        `${fmtBytes(plaintext)} (vault.age ${fmtBytes(vault.fileBytes)}). ` +
        "Goal: vault ≤ baseline + 3x plaintext.\n\n" +
        table(
          [
            "runtime",
            "baseline",
            "loaded",
            "vault open",
            "vault − baseline",
            "÷ plaintext",
            "vault − loaded",
            "vault min – max",
            "goal",
          ],
          rows,
        ),
    );
    summary.push([
      "8",
      "peak RSS over the runtime's baseline, 10,000 secrets",
      cell.Deno ?? "–",
      cell.Bun ?? "–",
      cell.Node ?? (suites.Node ? "–" : "not built"),
      "≤ 3x plaintext",
      verdict(allMet),
    ]);
  }

  // 9. Cold start
  {
    const rows: string[][] = [];
    const cell: Record<string, string> = {};
    for (const [rt, c] of Object.entries(m.cold)) {
      cell[rt] = fmtNs(c.inProcess.median);
      rows.push(row(rt, "import + dlopen + ABI check (in process)", c.inProcess));
      rows.push(row(rt, "whole process: runtime start, the same, exit", c.process));
      rows.push(row(rt, "whole process, runtime alone (same script, no import)", c.runtimeAlone));
    }
    sections.push(
      `## 9. Cold start: import, dlopen, ABI check\n\n` +
        "A new process per sample, after two warm-up processes (so the runtime's module cache " +
        "and the page cache are warm: a cold start of a deployed process, not of a new " +
        "machine). In process: from the script's first line until the library is loaded and " +
        "has reported its ABI version. Whole process: spawn to exit, seen by the parent.\n\n" +
        table(head, rows),
    );
    summary.push([
      "9",
      "cold start: import + dlopen + ABI check",
      cell.Deno ?? "–",
      cell.Bun ?? "–",
      cell.Node ?? (suites.Node ? "–" : "not built"),
      "report",
      "–",
    ]);
  }

  // 10. Side by side
  {
    const rows: string[][] = [];
    const line = (label: string, id: string) => [
      label,
      fmtNs(med("Deno", id)),
      fmtNs(med("Bun", id)),
      nodeCell(id),
    ];
    rows.push(line("floor (ping)", ids.floor));
    for (const mode of MODES) {
      for (const size of SIZES) {
        if (!m.manifest.vaults[vaultKey(mode, size)]) continue;
        rows.push(
          line(
            `get, ${mode}, ${size.toLocaleString("en-US")}, auditReads: false`,
            ids.get(mode, size, false),
          ),
        );
      }
    }
    rows.push(
      line(
        `get, keyfile, ${refSize.toLocaleString("en-US")}, reads audited`,
        ids.get("keyfile", refSize, true),
      ),
    );
    rows.push(line("buildEnvMap 100 of 1,000, auditReads: false", ids.envMap(false)));
    rows.push(line("buildEnvMap 100 of 1,000, reads audited", ids.envMap(true)));
    sections.push(
      `## 10. Deno, Bun and Node side by side (medians)\n\n${nodeState}.\n\n` +
        table(["benchmark", "Deno", "Bun", "Node"], rows),
    );
    summary.push([
      "10",
      `get (keyfile ${refSize.toLocaleString("en-US")}) / buildEnvMap, auditReads: false`,
      `${fmtNs(med("Deno", ids.get("keyfile", refSize, false)))} / ${
        fmtNs(med("Deno", ids.envMap(false)))
      }`,
      `${fmtNs(med("Bun", ids.get("keyfile", refSize, false)))} / ${
        fmtNs(med("Bun", ids.envMap(false)))
      }`,
      `${nodeCell(ids.get("keyfile", refSize, false))} / ${nodeCell(ids.envMap(false))}`,
      "report",
      "–",
    ]);
  }

  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(", ");
  const header = [
    smoke
      ? "# Benchmark results (smoke run: a few iterations each, numbers are not meaningful)"
      : "# Benchmark results",
    "",
    `Written by \`node_modules/.bin/deno run -A bench/run.ts${smoke ? " --smoke" : ""}\` on ` +
    `${machine.date} in ${((performance.now() - started) / 60_000).toFixed(1)} min.`,
    "",
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ` +
    `Linux ${machine.kernel}. A shared virtual machine: other work ran during the run ` +
    `(load average ${load(machine.loadBefore)} before, ${load(machine.loadAfter)} after), ` +
    "so figures move by tens of percent between runs; ratios move less.",
    `- Runtimes: Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), Bun ${m.versions.bun}, ` +
    `${nodeState}; ${m.versions.rustc}.`,
    "- Vaults: generated for the run (bench/generate.ts), 10, 1,000 and 10,000 secrets of " +
    "100-byte values, keyfile and passphrase (age scrypt at the work factor age picks for " +
    `this machine, log2 N = ${m.scrypt.logN}), each filled by one batch.`,
    "- Method: Deno figures come from `deno bench` (bench/deno_bench.ts); each bench call " +
    "runs a batch of operations and records its time per operation, since `deno bench` " +
    "reports no median. Bun and Node figures come from mitata (bench/mitata_suite.mjs), which " +
    "samples batches the same way. Medians and spreads use mitata's rule on both (two " +
    "samples dropped at each end). Process figures (5, 8, 9) are one new process per " +
    "sample (bench/child.mjs). Times are per operation.",
  ].join("\n");
  // The hand-written account of the profiling (bench/findings.md) follows
  // the figures, so that a new run keeps it.
  const findings = Deno.readTextFileSync(`${repo}/bench/findings.md`).trim();
  const markdown = [
    header,
    "## Summary\n\n" +
    table(["#", "figure", "Deno", "Bun", "Node", "goal", "met?"], summary),
    ...sections,
    findings,
  ].join("\n\n") + "\n";
  return { markdown, summary };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!exists(releaseLibrary)) {
    throw new Error(
      `${releaseLibrary} is missing: run \`cd rust && cargo build --release\` first`,
    );
  }
  const root = await Deno.makeTempDir({ prefix: "authy-bench-" });
  try {
    log(`generating vaults in ${root}${smoke ? " (smoke run)" : ""}`);
    const manifest = generate(root, smoke, log);
    const manifestPath = `${root}/manifest.json`;
    Deno.writeTextFileSync(manifestPath, JSON.stringify(manifest, null, 2));

    const versions = {
      bun: await version(bin("bun")),
      node: await version("node"),
      rustc: await version("rustc"),
    };
    const nodeBuilt = exists(`${repo}/npm/vault/package.json`);

    log("one scrypt run alone (Rust)");
    const scrypt = await scryptAlone(manifest, smoke ? 1 : 5);
    log(`  ${fmtNs(scrypt.stats.median)} (log2 N = ${scrypt.logN})`);

    log("deno bench");
    const deno = await denoSuite(manifestPath, root);
    log("Bun (mitata)");
    const bun = await mitataSuite("Bun", manifestPath, root);
    const suites: Measured["suites"] = { Deno: deno.suite, Bun: bun };
    if (nodeBuilt) {
      log("Node (mitata, npm build)");
      suites.Node = await mitataSuite("Node", manifestPath, root);
    } else {
      log("Node: npm/vault is not built, skipped");
    }

    const list = runtimes(nodeBuilt && "results" in (suites.Node ?? {}));
    log("cold starts");
    const cold = await coldStarts(list, smoke ? 2 : 20);
    log("boots");
    const boot = await boots(list, manifest, smoke ? 2 : 20, smoke ? 1 : 5);
    log("peak RSS");
    const rss = await peakMemory(list, manifest, smoke ? 1 : 5);

    machine.loadAfter = Deno.loadavg();
    const measured: Measured = {
      manifest,
      suites,
      denoBenchAvg: deno.avg,
      scrypt,
      cold,
      boot,
      rss,
      versions,
    };
    const { markdown } = report(measured);
    const out = args.out ||
      (smoke
        ? await Deno.makeTempFile({ prefix: "authy-bench-", suffix: ".md" })
        : `${repo}/bench/RESULTS.md`);
    Deno.writeTextFileSync(out, markdown);
    // In the repository's own format (deno fmt lays out the tables).
    await mustRun(bin("deno"), ["fmt", "--quiet", "--ext", "md", out]);
    if (args.json) {
      Deno.writeTextFileSync(args.json, JSON.stringify({ machine, ...measured }, null, 2));
    }
    log(`wrote ${out}`);
    console.log(out);
  } finally {
    if (!args.keep) await Deno.remove(root, { recursive: true });
    else log(`kept ${root}`);
  }
}

await main();

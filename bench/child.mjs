// One short-lived process of the harness, the same script for Deno, Bun
// and Node (plain JavaScript). bench/run.ts starts it many times and reads
// the JSON line it prints:
//
//   baseline                      the runtime alone: peak RSS
//   loaded <entry> [native]       module imported, library loaded: peak RSS
//   vault  <entry> <dir> <name>   a keyfile vault open and read: peak RSS
//   cold   <entry> [native]       import + dlopen + ABI check, timed
//   boot   <entry> <dir> <sync|async>
//                                 import + open + buildEnvMap, timed
//
// <entry> is the module URL of the runtime's entry (mod.ts, bun/mod.ts or
// the npm build); [native] the URL of its ffi/native module, whose
// nativeLibrary() is the dlopen and ABI check. Credentials come from
// BENCH_KEYFILE or BENCH_PASSPHRASE.

// Nothing is imported before the clock starts: in Deno even node:fs or
// the `process` global load a compatibility layer that takes tens of
// milliseconds, which would be missing from (or added to) the figures.
const started = performance.now();
const deno = globalThis.Deno;
const [mode, entry, ...rest] = deno ? deno.args : globalThis.process.argv.slice(2);
const env = (name) => deno ? deno.env.get(name) : globalThis.process.env[name];
const SCOPE = "bench-100";

/** Peak and current resident set size in bytes (Linux). */
async function memory() {
  const status = deno
    ? deno.readTextFileSync("/proc/self/status")
    : (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
  const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))[1]);
  return { peakRss: kib("VmHWM") * 1024, rss: kib("VmRSS") * 1024 };
}

function credentials(dir) {
  const keyfile = env("BENCH_KEYFILE");
  return keyfile ? { dir, keyfile } : { dir, passphrase: env("BENCH_PASSPHRASE") };
}

async function load(native) {
  const module = await import(entry);
  if (native) (await import(native)).nativeLibrary();
  else module.Authy.isInitialized({ dir: "/nonexistent/authy-bench" });
  return module;
}

let report;
switch (mode) {
  case "baseline":
    report = await memory();
    break;
  case "loaded":
    await load(rest[0]);
    report = await memory();
    break;
  case "vault": {
    const { Authy } = await import(entry);
    const vault = new Authy({ ...credentials(rest[0]), auditReads: false });
    vault.get(rest[1]);
    report = await memory();
    vault.close();
    break;
  }
  case "cold": {
    await load(rest[0]);
    report = { ms: performance.now() - started };
    break;
  }
  case "boot": {
    const { Authy } = await import(entry);
    const options = credentials(rest[0]);
    const vault = rest[1] === "async" ? await Authy.open(options) : new Authy(options);
    const env = vault.buildEnvMap(SCOPE);
    report = { ms: performance.now() - started, variables: Object.keys(env).length };
    vault.close();
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
// `started` is when this script began, after the runtime's own start-up.
console.log(JSON.stringify({ ...report, scriptStartMs: started }));

// The Bun and Node figures, measured with mitata: the floor (2) get on an
// open client and (4) buildEnvMap, with the ids of bench/shared.ts. Plain
// JavaScript so that Node 20 runs it unchanged next to the npm build;
// bench/bun_bench.ts and bench/node_bench.mjs call it with their runtime's
// `Authy` and floor functions.

import { do_not_optimize, measure } from "mitata";

const SIZES = [10, 1000, 10000];
const MODES = ["keyfile", "passphrase"];
const SCOPE = "bench-100";

/**
 * Statistics of samples pooled from several rounds, by the rule mitata
 * applies to one (and bench/shared.ts `statsOf` to Deno's): sorted, two
 * dropped at each end when there are more than 12, percentile p at index
 * floor(p * (n - 1)). In ns.
 */
function pooled(raw) {
  let samples = [...raw].sort((a, b) => a - b);
  if (samples.length > 12) samples = samples.slice(2, -2);
  const at = (p) => samples[Math.floor(p * (samples.length - 1))];
  return {
    n: samples.length,
    min: samples[0],
    p25: at(0.25),
    median: at(0.5),
    p75: at(0.75),
    max: samples[samples.length - 1],
    avg: samples.reduce((a, v) => a + v, 0) / samples.length,
  };
}

function openOptions(manifest, entry, auditReads) {
  return entry.mode === "keyfile"
    ? { dir: entry.dir, keyfile: manifest.keyfile, auditReads }
    : { dir: entry.dir, passphrase: manifest.passphrase, auditReads };
}

/**
 * Runs the suite and returns `{ results, missing }`.
 *
 * @param {object} suite
 * @param {any} suite.Authy the runtime's client class
 * @param {(() => unknown) | null} suite.ping the floor, or null when the
 *   runtime's build does not expose its native library
 * @param {(() => unknown) | null} suite.rawPing the bare round trip
 * @param {any} suite.manifest bench/shared.ts `Manifest`
 * @param {(line: string) => void} suite.log progress output
 */
export async function runSuite({ Authy, ping, rawPing, manifest, log }) {
  // Every benchmark runs for a short while, then every one again: a burst
  // of other work on a shared machine then moves a few rounds of every
  // benchmark rather than all of one. mitata batches fast functions and
  // samples the batches; each round keeps its own samples.
  const rounds = manifest.smoke ? 1 : 6;
  const options = manifest.smoke
    ? { min_samples: 2, max_samples: 4, min_cpu_time: 1e6, batch_samples: 64 }
    : { min_samples: 2, min_cpu_time: 110e6 };
  const benches = [];
  const missing = {};
  const add = (id, fn) => benches.push({ id, fn });

  if (ping) add("floor/ping", ping);
  else missing["floor/ping"] = "the build does not expose its native library";
  if (rawPing) add("floor/ping-bytes", rawPing);

  const clients = [];
  try {
    for (const mode of MODES) {
      for (const size of SIZES) {
        const entry = manifest.vaults[`${mode}-${size}`];
        if (!entry) continue;
        for (const audited of [false, true]) {
          // Each passphrase client costs a scrypt run; a smoke run opens one.
          if (manifest.smoke && audited && mode === "passphrase") continue;
          const client = new Authy(openOptions(manifest, entry, audited));
          clients.push(client);
          const name = entry.probe;
          add(`get/${mode}/${size}/${audited ? "audited" : "unaudited"}`, () => client.get(name));
        }
      }
    }
    for (const audited of [false, true]) {
      const entry = manifest.vaults["keyfile-1000"];
      const client = new Authy(openOptions(manifest, entry, audited));
      clients.push(client);
      add(
        `envmap/keyfile/1000/${audited ? "audited" : "unaudited"}`,
        () => client.buildEnvMap(SCOPE),
      );
    }
    const samples = {};
    for (let round = 0; round < rounds; round++) {
      for (const { id, fn } of benches) {
        const stats = await measure(() => do_not_optimize(fn()), options);
        (samples[id] ??= []).push(...stats.samples);
      }
    }
    const results = {};
    for (const { id } of benches) {
      results[id] = pooled(samples[id]);
      log(`  ${id}: median ${results[id].median.toFixed(0)} ns`);
    }
    return { results, missing };
  } finally {
    for (const client of clients) client.close();
  }
}

/**
 * The Deno figures, run by `deno bench` (through `bench/run.ts`, which
 * passes the manifest of generated vaults in BENCH_MANIFEST).
 *
 * `deno bench` reports a mean and percentiles from 75 up, no median. So
 * every benchmark here also times itself: each call of a bench function
 * runs a batch of K operations (K chosen so that a batch takes about a
 * tenth of a millisecond) and records the batch's time per operation; the
 * runner takes medians and spreads from those samples (the way mitata
 * samples batches for Bun and Node) and keeps `deno bench`'s own mean as a
 * cross-check. Samples go to BENCH_SAMPLES when the bench worker unloads.
 *
 * @module
 */

import { Authy } from "../mod.ts";
import { nativeLibrary } from "../ffi/native.ts";
import { pinger, rawPinger } from "./floor.ts";
import {
  ids,
  type Manifest,
  MODES,
  openOptions,
  SCOPE,
  secretName,
  secretValue,
  SIZES,
  vaultKey,
} from "./shared.ts";

const manifest: Manifest = JSON.parse(Deno.readTextFileSync(Deno.env.get("BENCH_MANIFEST")!));
const samplesPath = Deno.env.get("BENCH_SAMPLES")!;
const smoke = manifest.smoke;

/**
 * Nanoseconds per operation, one entry per bench-function call, in one
 * list per registered benchmark (a fast benchmark is registered once per
 * round).
 */
const recorded: Record<string, number[][]> = {};
/** Operations per bench-function call. */
const batches: Record<string, number> = {};

/** A new sample list for `id`. */
function samplesOf(id: string): number[] {
  const list: number[] = [];
  (recorded[id] ??= []).push(list);
  return list;
}

globalThis.addEventListener("unload", () => {
  // The first tenth of each list is `deno bench`'s warm-up calls.
  const samples: Record<string, number[]> = {};
  for (const [id, lists] of Object.entries(recorded)) {
    samples[id] = lists.flatMap((l) => l.length > 10 ? l.slice(Math.floor(l.length / 10)) : l);
  }
  Deno.writeTextFileSync(samplesPath, JSON.stringify({ samples, batches }));
});

/**
 * Fast benchmarks run in rounds: every one for a short while, then every
 * one again, so that a burst of other work on this shared machine moves
 * a few rounds of every benchmark rather than all of one.
 */
const ROUNDS = smoke ? 1 : 6;
/** The fast benchmarks: each makes a bench function recording into a list. */
const fast: { id: string; timed: (list: number[]) => () => void }[] = [];

/**
 * Iteration hints for `deno bench`. A smoke run asks for one iteration
 * (`deno bench` still runs a fast benchmark for a few milliseconds and
 * always warms up once).
 */
function hint(full?: { n: number; warmup: number }): { n?: number; warmup?: number } {
  if (smoke) return { n: 1, warmup: 0 };
  return full ?? {};
}

/**
 * A benchmark that runs `k` operations per call and records them. Fast
 * ones (no `iterations`) are registered in rounds at the end of the file.
 */
function bench(
  id: string,
  k: number,
  op: () => unknown,
  iterations?: { n: number; warmup: number },
): void {
  batches[id] = k;
  const timed = (list: number[]) => () => {
    const started = performance.now();
    for (let i = 0; i < k; i++) op();
    list.push((performance.now() - started) * 1e6 / k);
  };
  if (iterations || k === 1) {
    Deno.bench({ name: id, ...hint(iterations), fn: timed(samplesOf(id)) });
  } else {
    fast.push({ id, timed });
  }
}

// 1. The floor.
const library = nativeLibrary();
bench(ids.floor, 200, pinger(library));
bench(ids.floorRaw, 200, rawPinger(library));

// 2. get on an open client, every size and mode, read auditing off and on.
const clients: Authy[] = [];
for (const mode of MODES) {
  for (const size of SIZES) {
    const entry = manifest.vaults[vaultKey(mode, size)];
    if (!entry) continue; // a smoke run makes one passphrase vault
    for (const audited of [false, true]) {
      // Each passphrase client costs a scrypt run; a smoke run opens one.
      if (smoke && audited && mode === "passphrase") continue;
      const client = new Authy(openOptions(manifest, entry, audited));
      clients.push(client);
      const name = entry.probe;
      bench(ids.get(mode, size, audited), audited ? 10 : 100, () => client.get(name));
    }
  }
}

// 3. The same get through a fresh client per call (decrypt per call).
{
  const keyfile = manifest.vaults[vaultKey("keyfile", 1_000)];
  bench(ids.fresh("keyfile"), 1, () => {
    using client = new Authy(openOptions(manifest, keyfile, false));
    return client.get(keyfile.probe);
  });
  const passphrase = manifest.vaults[manifest.passphraseVault];
  bench(ids.fresh("passphrase"), 1, () => {
    using client = new Authy(openOptions(manifest, passphrase, false));
    return client.get(passphrase.probe);
  }, { n: 5, warmup: 1 });
}

// 4. buildEnvMap for a scope allowing 100 of 1,000 secrets.
for (const audited of [false, true]) {
  const entry = manifest.vaults[vaultKey("keyfile", 1_000)];
  const client = new Authy(openOptions(manifest, entry, audited));
  clients.push(client);
  bench(ids.envMap(audited), 2, () => client.buildEnvMap(SCOPE));
}

// 6. Writes into a 1,000-secret keyfile vault, fsyncs included.
{
  const open = (dir: string) => new Authy({ dir, keyfile: manifest.keyfile, auditReads: false });
  const store = open(manifest.writes.store);
  const batch = open(manifest.writes.batch);
  const singles = open(manifest.writes.singles);
  clients.push(store, batch, singles);
  let round = 0;
  // Overwrites keep the vault at 1,000 secrets; every value changes.
  const value = (i: number) => secretValue(i + 7 * ++round).slice(0, 99) + (round % 10);
  bench(ids.store, 1, () => store.store(secretName(round % 1_000), value(0), { force: true }));
  bench(ids.batch, 1, () =>
    batch.batch((tx) => {
      round++;
      for (let i = 0; i < 1_000; i++) tx.store(secretName(i), value(i), { force: true });
    }));
  bench(ids.singles, 1, () => {
    for (let i = 0; i < manifest.singleWrites; i++) {
      singles.store(secretName(i), value(i), { force: true });
    }
  }, { n: 3, warmup: 1 });
}

// 7. One write with a 100,000-line audit log against an empty one: the two
// writes alternate within one benchmark, so that both see the same load.
{
  await Deno.remove(`${manifest.writes.auditEmpty}/audit.log`).catch(() => {});
  const open = (dir: string) => new Authy({ dir, keyfile: manifest.keyfile, auditReads: false });
  const empty = open(manifest.writes.auditEmpty);
  const long = open(manifest.writes.auditLong);
  clients.push(empty, long);
  const emptySamples = samplesOf(ids.auditEmpty);
  const longSamples = samplesOf(ids.auditLong);
  batches[ids.auditEmpty] = batches[ids.auditLong] = 1;
  let round = 0;
  Deno.bench({
    name: `${ids.auditEmpty} + ${ids.auditLong}`,
    ...hint(),
    fn() {
      const value = secretValue(++round);
      const started = performance.now();
      empty.store("written", value, { force: true });
      const middle = performance.now();
      long.store("written", value, { force: true });
      emptySamples.push((middle - started) * 1e6);
      longSamples.push((performance.now() - middle) * 1e6);
    },
  });
}

// The fast benchmarks, in rounds.
for (let round = 1; round <= ROUNDS; round++) {
  for (const { id, timed } of fast) {
    Deno.bench({
      name: `${id} (round ${round})`,
      ...(smoke ? hint() : { n: 400, warmup: 20 }),
      fn: timed(samplesOf(id)),
    });
  }
}

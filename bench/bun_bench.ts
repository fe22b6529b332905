/**
 * The Bun figures (mitata): `bun bench/bun_bench.ts <manifest> <out.json>`,
 * run by bench/run.ts.
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import process from "node:process";

import { Authy } from "../bun/mod.ts";
import { nativeLibrary } from "../ffi/native.ts";
import { pinger, rawPinger } from "./floor.ts";
// @ts-ignore: plain JavaScript shared with Node (bench/mitata_suite.mjs)
import { runSuite } from "./mitata_suite.mjs";

const [manifestPath, outPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
const library = nativeLibrary();
const { results, missing } = await runSuite({
  Authy,
  ping: pinger(library),
  rawPing: rawPinger(library),
  manifest,
  log: (line: string) => console.error(line),
});
writeFileSync(
  outPath,
  JSON.stringify({ runtime: "Bun", version: Bun.version, results, missing }, null, 2),
);

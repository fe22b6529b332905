// The Node figures (mitata), through the compiled npm build in npm/vault
// (Node 20 does not run TypeScript):
//   node bench/node_bench.mjs <manifest> <out.json>
// run by bench/run.ts only when npm/vault exists.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

import { runSuite } from "./mitata_suite.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** The npm build's package directory and its entry module. */
export function npmEntry(root = join(here, "..", "npm", "vault")) {
  const manifestPath = join(root, "package.json");
  if (!existsSync(manifestPath)) return null;
  const pkg = JSON.parse(readFileSync(manifestPath, "utf8"));
  let target = pkg.exports?.["."] ?? pkg.exports ?? pkg.module ?? pkg.main ?? "index.js";
  while (typeof target === "object" && target !== null) {
    target = target.node ?? target.import ?? target.default ?? Object.values(target)[0];
  }
  return { root, entry: join(root, target) };
}

/** A compiled module of the build by file name (e.g. ffi/native.js), if any. */
function findModule(root, relative, depth = 3) {
  const direct = join(root, relative);
  if (existsSync(direct)) return direct;
  if (depth === 0) return null;
  for (const name of readdirSync(root)) {
    if (name === "node_modules") continue;
    const path = join(root, name);
    if (statSync(path).isDirectory()) {
      const found = findModule(path, relative, depth - 1);
      if (found) return found;
    }
  }
  return null;
}

async function main() {
  const [manifestPath, outPath] = process.argv.slice(2);
  const build = npmEntry();
  if (!build) throw new Error("npm/vault is not built");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const { Authy } = await import(pathToFileURL(build.entry).href);

  // The floor needs the build's own library and envelope code; a build
  // that does not ship them as modules gets no floor row.
  let ping = null;
  let rawPing = null;
  const nativePath = findModule(build.root, join("ffi", "native.js"));
  const envelopePath = nativePath && join(dirname(nativePath), "envelope.js");
  if (nativePath && existsSync(envelopePath)) {
    const { nativeLibrary } = await import(pathToFileURL(nativePath).href);
    const { decodeResponse, decodeText, encodeRequest } = await import(
      pathToFileURL(envelopePath).href
    );
    const library = nativeLibrary();
    ping = () => {
      const bytes = encodeRequest({ op: "ping" });
      try {
        return library.callText && decodeText
          ? decodeText(library.callText(0, bytes))
          : decodeResponse(library.call(0, bytes));
      } finally {
        bytes.fill(0);
      }
    };
    const request = new TextEncoder().encode('{"op":"ping"}');
    rawPing = () => library.call(0, request).fill(0);
  }

  const { results, missing } = await runSuite({
    Authy,
    ping,
    rawPing,
    manifest,
    log: (line) => console.error(line),
  });
  writeFileSync(
    outPath,
    JSON.stringify({ runtime: "Node", version: process.version, results, missing }, null, 2),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

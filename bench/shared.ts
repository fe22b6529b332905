/**
 * What every part of the benchmark harness agrees on: the vaults it
 * generates, how their secrets are named, the manifest that tells each
 * runtime where they are, and the statistics every figure is reported with.
 *
 * Runtime-neutral (Deno runs the harness and `deno bench`, Bun runs the
 * mitata suite); nothing here touches the file system or the library.
 *
 * @module
 */

/** Vault sizes, in secrets. */
export const SIZES = [10, 1_000, 10_000] as const;
/** How vaults are opened. */
export const MODES = ["keyfile", "passphrase"] as const;
/** A vault mode. */
export type Mode = typeof MODES[number];

/** Length of every generated value, in bytes (ASCII). */
export const VALUE_BYTES = 100;
/** The scope used by `buildEnvMap`: it allows 100 of the 1,000-secret vault's names. */
export const SCOPE = "bench-100";
/** Its allow pattern: `secret-00000` … `secret-00099`. */
export const SCOPE_ALLOW = "secret-000*";
/** Lines put in the audit log of the "long log" write benchmark. */
export const AUDIT_LINES = 100_000;
/**
 * The passphrase of the generated vaults. It protects nothing but
 * generated filler, so it may sit in the manifest.
 */
export const BENCH_PASSPHRASE = "bench-passphrase-protecting-generated-filler";

/** The name of secret `i`: `secret-00042`. */
export function secretName(i: number): string {
  return `secret-${String(i).padStart(5, "0")}`;
}

/**
 * A deterministic 100-byte value for secret `i`: letters and digits only,
 * so no JSON escape is needed (like most real tokens and keys).
 */
export function secretValue(i: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let state = (i + 1) * 2654435761 >>> 0;
  let out = "";
  for (let k = 0; k < VALUE_BYTES; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

/** One generated vault. */
export interface VaultEntry {
  /** Its directory. */
  dir: string;
  mode: Mode;
  /** Number of secrets. */
  size: number;
  /** The name the read benchmarks ask for (one in the middle). */
  probe: string;
  /** Size of the decrypted vault (the MessagePack plaintext), in bytes. */
  plaintextBytes: number;
  /** Size of `vault.age`, in bytes. */
  fileBytes: number;
}

/** Where everything is; written by the runner, read by every runtime. */
export interface Manifest {
  /** Temporary directory holding every vault of this run. */
  root: string;
  /** A short run: every benchmark, a handful of iterations. */
  smoke: boolean;
  /** The keyfile of every keyfile vault. */
  keyfile: string;
  /** The passphrase of every passphrase vault. */
  passphrase: string;
  /** Vaults by `<mode>-<size>`. */
  vaults: Record<string, VaultEntry>;
  /** Copies of vaults that the write benchmarks change. */
  writes: {
    /** 1,000 secrets, for single stores. */
    store: string;
    /** 1,000 secrets, for batches of 1,000 stores. */
    batch: string;
    /** 1,000 secrets, for a run of single stores. */
    singles: string;
    /** 10 secrets, audit log removed. */
    auditEmpty: string;
    /** 10 secrets, audit log of {@link AUDIT_LINES} lines. */
    auditLong: string;
  };
  /** Single stores per iteration of the "many single writes" benchmark. */
  singleWrites: number;
  /** The passphrase vault used where one size is enough (boot, fresh client). */
  passphraseVault: string;
}

/** The manifest key of a vault. */
export function vaultKey(mode: Mode, size: number): string {
  return `${mode}-${size}`;
}

/** Open options for a vault of the manifest. */
export function openOptions(
  manifest: Manifest,
  entry: VaultEntry,
  auditReads: boolean,
):
  | { dir: string; keyfile: string; auditReads: boolean }
  | { dir: string; passphrase: string; auditReads: boolean } {
  return entry.mode === "keyfile"
    ? { dir: entry.dir, keyfile: manifest.keyfile, auditReads }
    : { dir: entry.dir, passphrase: manifest.passphrase, auditReads };
}

/** A figure's distribution, in nanoseconds (or bytes for memory). */
export interface Stats {
  /** Samples kept. */
  n: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  avg: number;
}

/**
 * Statistics the way mitata computes them, so that Deno's figures and
 * Bun's and Node's are comparable: samples sorted, two dropped at each end
 * when there are more than 12, percentiles by index `floor(p * (n - 1))`.
 */
export function statsOf(raw: readonly number[]): Stats {
  let samples = [...raw].sort((a, b) => a - b);
  if (samples.length > 12) samples = samples.slice(2, -2);
  const at = (p: number) => samples[Math.floor(p * (samples.length - 1))];
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

/** Benchmark identifiers, shared by the Deno, Bun and Node suites. */
export const ids = {
  floor: "floor/ping",
  floorRaw: "floor/ping-bytes",
  get: (mode: Mode, size: number, audited: boolean) =>
    `get/${mode}/${size}/${audited ? "audited" : "unaudited"}`,
  envMap: (audited: boolean) => `envmap/keyfile/1000/${audited ? "audited" : "unaudited"}`,
  fresh: (mode: Mode) => `fresh-get/${mode}`,
  store: "write/store",
  batch: "write/batch-1000",
  singles: "write/singles",
  auditEmpty: "write/audit-empty",
  auditLong: "write/audit-100k",
} as const;

/** What a runtime's suite reports: statistics per benchmark id, in ns. */
export interface SuiteResult {
  runtime: string;
  version: string;
  results: Record<string, Stats>;
  /** Figures the suite could not measure, and why. */
  missing?: Record<string, string>;
}

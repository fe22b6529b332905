/**
 * Generates the benchmark vaults (Deno): keyfile and passphrase vaults of
 * 10, 1,000 and 10,000 secrets of 100-byte values, each filled with one
 * batch (so a passphrase vault costs one scrypt run for its contents), and
 * copies for the write benchmarks.
 *
 * @module
 */

import { Authy } from "../mod.ts";
import {
  AUDIT_LINES,
  BENCH_PASSPHRASE,
  type Manifest,
  type Mode,
  MODES,
  SCOPE,
  SCOPE_ALLOW,
  secretName,
  secretValue,
  SIZES,
  type VaultEntry,
  vaultKey,
} from "./shared.ts";

/**
 * The size of the plaintext inside an age file: the payload after the
 * header and its 16-byte nonce is split in chunks of 64 KiB, each with a
 * 16-byte tag.
 */
export function agePlaintextBytes(file: Uint8Array): number {
  const text = new TextDecoder("latin1").decode(file.subarray(0, Math.min(file.length, 8192)));
  const mac = text.indexOf("\n--- ");
  if (mac < 0) throw new Error("not an age file: no header end");
  const headerEnd = text.indexOf("\n", mac + 1) + 1;
  const payload = file.length - headerEnd - 16;
  const chunk = 64 * 1024 + 16;
  return payload - 16 * Math.ceil(payload / chunk);
}

function credentials(manifest: Pick<Manifest, "keyfile" | "passphrase">, mode: Mode) {
  return mode === "keyfile" ? { keyfile: manifest.keyfile } : { passphrase: manifest.passphrase };
}

function fill(
  manifest: Pick<Manifest, "keyfile" | "passphrase">,
  dir: string,
  mode: Mode,
  size: number,
  policy: boolean,
): void {
  using vault = new Authy({ ...credentials(manifest, mode), dir, auditReads: false });
  vault.initVault();
  vault.batch((tx) => {
    for (let i = 0; i < size; i++) tx.store(secretName(i), secretValue(i));
  });
  if (policy) vault.createPolicy(SCOPE, { allow: [SCOPE_ALLOW] });
}

function describe(dir: string, mode: Mode, size: number): VaultEntry {
  const file = Deno.readFileSync(`${dir}/vault.age`);
  return {
    dir,
    mode,
    size,
    probe: secretName(Math.floor(size / 2)),
    plaintextBytes: agePlaintextBytes(file),
    fileBytes: file.length,
  };
}

function copyVault(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const name of ["vault.age", "authy.toml"]) {
    Deno.copyFileSync(`${from}/${name}`, `${to}/${name}`);
  }
}

/**
 * Writes every vault under `root` and returns the manifest. A smoke run
 * makes only the 10-secret passphrase vault (each passphrase write costs a
 * scrypt run) and uses it where a passphrase vault is needed.
 */
export function generate(root: string, smoke: boolean, log = (_: string) => {}): Manifest {
  const keyfile = `${root}/bench.key`;
  Authy.generateKeyfile(keyfile);
  const base = { keyfile, passphrase: BENCH_PASSPHRASE };
  const vaults: Record<string, VaultEntry> = {};
  const passphraseSizes: number[] = smoke ? [10] : [...SIZES];
  const passphraseVault = vaultKey("passphrase", smoke ? 10 : 1_000);
  for (const mode of MODES) {
    for (const size of mode === "keyfile" ? SIZES : passphraseSizes) {
      const key = vaultKey(mode, size);
      const started = performance.now();
      const dir = `${root}/${key}`;
      fill(base, dir, mode, size, mode === "keyfile" || key === passphraseVault);
      vaults[key] = describe(dir, mode, size);
      log(`  ${key}: ${Math.round(performance.now() - started)} ms`);
    }
  }
  const source1000 = vaults[vaultKey("keyfile", 1_000)].dir;
  const source10 = vaults[vaultKey("keyfile", 10)].dir;
  const writes = {
    store: `${root}/w-store`,
    batch: `${root}/w-batch`,
    singles: `${root}/w-singles`,
    auditEmpty: `${root}/w-audit-empty`,
    auditLong: `${root}/w-audit-long`,
  };
  copyVault(source1000, writes.store);
  copyVault(source1000, writes.batch);
  copyVault(source1000, writes.singles);
  copyVault(source10, writes.auditEmpty);
  copyVault(source10, writes.auditLong);
  {
    // A batch of removes of absent names saves nothing and logs one line
    // each: a valid HMAC chain of AUDIT_LINES lines in one append.
    using vault = new Authy({ keyfile, dir: writes.auditLong, auditReads: false });
    vault.batch((tx) => {
      for (let i = 0; i < AUDIT_LINES; i++) tx.remove(`absent-${i}`);
    });
  }
  return {
    root,
    smoke,
    keyfile,
    passphrase: BENCH_PASSPHRASE,
    vaults,
    writes,
    singleWrites: smoke ? 10 : 1_000,
    passphraseVault,
  };
}

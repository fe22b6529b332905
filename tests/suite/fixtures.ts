// Temporary vault directories and the credentials that open them.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { VaultModule } from "./harness.ts";

export const PASSPHRASE = "correct horse battery staple";

/** A temporary directory, removed by `cleanup`. */
export function tempDir(prefix = "authy-test-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh keyfile and an initialized vault in a temp dir. */
export function keyfileVault(vault: VaultModule): {
  dir: string;
  keyfile: string;
  open(): InstanceType<VaultModule["Authy"]>;
  cleanup(): void;
} {
  const root = tempDir();
  const keyfile = join(root.path, "keys", "vault.key");
  const dir = join(root.path, "vault");
  vault.Authy.generateKeyfile(keyfile);
  const client = new vault.Authy({ keyfile, dir });
  client.initVault();
  client.close();
  return {
    dir,
    keyfile,
    open: () => new vault.Authy({ keyfile, dir }),
    cleanup: root.cleanup,
  };
}

/** Runs `fn` and returns what it threw (failing if it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

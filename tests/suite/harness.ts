// What the conformance suite needs from a runtime's test runner. Each
// runtime supplies it in one small file; the suite itself is runtime-free.

import type * as Vault from "../../ffi/public.ts";

export type VaultModule = typeof Vault;

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  /** The runtime's name, for messages. */
  runtime: string;
  /** Registers a test. */
  test(name: string, fn: () => void | Promise<void>): void;
  /** The entry module under test. */
  vault: VaultModule;
  /**
   * Runs a script file of the suite in a new process of the same runtime,
   * with the entry's minimal permissions, and the given environment added.
   */
  runChild(script: string, args: string[], env?: Record<string, string>): Promise<ChildResult>;
}

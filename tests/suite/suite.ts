// The conformance suite: every behavioural test, written once, run by each
// runtime's adapter (tests/deno, tests/bun).

import type { Harness } from "./harness.ts";
import { basics } from "./basics.ts";
import { errors } from "./errors.ts";
import { lifecycle } from "./lifecycle.ts";
import { modes } from "./modes.ts";

export type { ChildResult, Harness, VaultModule } from "./harness.ts";

export function conformanceSuite(harness: Harness): void {
  basics(harness);
  modes(harness);
  errors(harness);
  lifecycle(harness);
}

// Loads the library through the Bun entry and prints where it came from,
// or the error's class, code, message and cause.

import { Authy, type AuthyError } from "../../bun/mod.ts";

try {
  Authy.isInitialized({ dir: "/nonexistent" });
  console.log(`loaded ${Authy.libraryPath()}`);
} catch (error) {
  const e = error as AuthyError;
  console.log(`${e.name} ${e.code} ${e.message} cause: ${String(e.cause)}`);
  process.exit(1);
}

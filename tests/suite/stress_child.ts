// A writer process of the many-writers test (tests/deno/many_writers_test.ts):
//
//   stress_child.ts <entry> <command> <dir> <keyfile> <args…>
//
// It imports the runtime entry under test, opens the vault, prints `ready`,
// waits for a line on stdin (so that every writer starts at the same
// moment), runs its writes and prints one line of JSON. It never prints a
// secret value.
//
//   store-many <prefix> <count>       stores <prefix>-<i> = value-<prefix>-<i>
//   rotate-many <name> <who> <count>  rotates <name> to rotated-by-<who>-<i>,
//                                     and reports the version of each rotate

import process from "node:process";

import type { VaultModule } from "./harness.ts";

const [entry, command, dir, keyfile, ...args] = process.argv.slice(2);
const { Authy }: VaultModule = await import(entry);

/** Resolves on the first line of stdin; stdin is released afterwards. */
function go(): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: unknown): void => {
      seen += String(chunk);
      if (seen.includes("\n")) finish(resolve);
    };
    const onEnd = (): void => finish(() => reject(new Error("stdin closed before the go line")));
    function finish(then: () => void): void {
      process.stdin.off("data", onData);
      process.stdin.off("end", onEnd);
      process.stdin.destroy();
      then();
    }
    process.stdin.on("data", onData);
    process.stdin.on("end", onEnd);
  });
}

try {
  using client = new Authy({ keyfile, dir });
  console.log("ready");
  await go();
  const started = performance.now();
  switch (command) {
    case "store-many": {
      const [prefix, count] = args;
      for (let i = 0; i < Number(count); i++) {
        client.store(`${prefix}-${i}`, `value-${prefix}-${i}`);
      }
      console.log(JSON.stringify({ stored: Number(count), ms: performance.now() - started }));
      break;
    }
    case "rotate-many": {
      const [name, who, count] = args;
      const versions: number[] = [];
      for (let i = 0; i < Number(count); i++) {
        versions.push(client.rotate(name, `rotated-by-${who}-${i}`));
      }
      console.log(JSON.stringify({ versions, ms: performance.now() - started }));
      break;
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
} catch (error) {
  const e = error as { name?: string; message?: string };
  console.log(`${e.name}: ${e.message}`);
  process.exitCode = 1;
}

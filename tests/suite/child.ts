// A child process of the conformance suite: `child.ts <entry> <command> …`
// imports the runtime entry under test and runs one command. It prints
// results, never secret values (except where a command's output is the
// names list).

import process from "node:process";
import { join } from "node:path";

import type { VaultModule } from "./harness.ts";
import { runWorkflow } from "./workflow.ts";

const [entry, command, ...args] = process.argv.slice(2);
const vault: VaultModule = await import(entry);
const { Authy } = vault;

function report(error: unknown): never {
  const e = error as { name?: string; message?: string; exitCode?: number };
  console.log(`${e.name}: ${e.message}`);
  process.exit(typeof e.exitCode === "number" ? e.exitCode : 1);
}

try {
  switch (command) {
    case "workflow-env": {
      using client = new Authy({ fromEnv: true, dir: args[0] });
      runWorkflow(vault, client);
      console.log("workflow ok");
      break;
    }
    case "list-env": {
      using client = new Authy({ fromEnv: true, dir: args[0] });
      console.log(JSON.stringify(client.list()));
      break;
    }
    case "store-and-list": {
      const [dir, keyfile, name] = args;
      using client = new Authy({ keyfile, dir });
      client.store(name, `value-of-${name}`);
      console.log(JSON.stringify(client.list()));
      break;
    }
    case "store-many": {
      const [dir, keyfile, prefix, count] = args;
      using client = new Authy({ keyfile, dir });
      for (let i = 0; i < Number(count); i++) client.store(`${prefix}-${i}`, `v-${prefix}-${i}`);
      console.log("stored");
      break;
    }
    case "home-default": {
      const home = process.env.HOME!;
      const keyfile = join(home, ".authy", "keys", "default.key");
      Authy.generateKeyfile(keyfile);
      using client = new Authy({ keyfile });
      client.initVault();
      client.store("in-home", "x");
      console.log(String(Authy.isInitialized()));
      break;
    }
    case "construct": {
      using client = new Authy({ keyfile: args[1], dir: args[0] });
      console.log(JSON.stringify(client.list()));
      break;
    }
    default:
      throw new Error(`unknown child command ${command}`);
  }
} catch (error) {
  report(error);
}

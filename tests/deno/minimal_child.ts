// Run by permissions_test.ts with only the flags the README documents.
// Static imports need no permission; everything else goes through FFI.

import { Authy } from "../../mod.ts";

const [dir, keyfile] = Deno.args;
try {
  using vault = new Authy({ keyfile, dir });
  vault.store("minimal", "minimal-flags-value");
  vault.rotate("minimal", "minimal-flags-value-2");
  const env = vault.buildEnvMap("all");
  using again = await Authy.open({ keyfile, dir });
  console.log(JSON.stringify({ names: again.list(), variables: Object.keys(env) }));
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
  Deno.exit(1);
}

// A Bun server that loads its secrets at boot: it opens the vault from the
// environment (AUTHY_KEYFILE or AUTHY_PASSPHRASE, and AUTHY_DIR), loads one
// scope's env map, and serves /health with the variable names it holds
// (never values) and how long loading took.
//
//   AUTHY_KEYFILE=… AUTHY_DIR=… AUTHY_SCOPE=web bun examples/bun-server.ts

import process from "node:process";

import { Authy } from "../bun/mod.ts";

const scope = process.env.AUTHY_SCOPE ?? "web";
const started = performance.now();
const secrets = await (async () => {
  using vault = await Authy.open({ fromEnv: true });
  return vault.buildEnvMap(scope);
})();
const loadMs = performance.now() - started;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(request) {
    if (new URL(request.url).pathname !== "/health") {
      return new Response("not found\n", { status: 404 });
    }
    return Response.json({
      status: "ok",
      scope,
      variables: Object.keys(secrets).sort(),
      loadMs: Math.round(loadMs * 1000) / 1000,
    });
  },
});

process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
console.log(`listening on ${server.url}`);

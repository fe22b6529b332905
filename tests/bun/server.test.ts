// The Bun server example boots against a real vault, serves the names of
// its variables (never values) and shuts down.

import { expect, test } from "bun:test";
import process from "node:process";

import * as vault from "../../bun/mod.ts";
import { startBunServer } from "../../examples/boot_server.ts";
import { keyfileVault } from "../suite/fixtures.ts";

test("the Bun server loads a scope at boot and reports names only", async () => {
  const v = keyfileVault(vault);
  try {
    {
      using owner = v.open();
      owner.store("db-url", "server-test-db-value");
      owner.store("api-key", "server-test-api-value");
      owner.store("admin-token", "server-test-admin-value");
      owner.createPolicy("web", { allow: ["*"], deny: ["admin-*"] });
    }
    const server = await startBunServer(process.execPath, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      AUTHY_KEYFILE: v.keyfile,
      AUTHY_DIR: v.dir,
      AUTHY_SCOPE: "web",
      PORT: "0",
    });
    try {
      expect(new URL(server.url).hostname).toBe("127.0.0.1");
      const health = await fetch(new URL("/health", server.url));
      const text = await health.text();
      expect(health.status).toBe(200);
      const body = JSON.parse(text);
      expect(body.variables).toEqual(["API_KEY", "DB_URL"]);
      expect(body.scope).toBe("web");
      expect(typeof body.loadMs).toBe("number");
      expect(text).not.toContain("server-test");
      const missing = await fetch(new URL("/other", server.url));
      await missing.text();
      expect(missing.status).toBe(404);
    } finally {
      await server.stop();
    }
    using owner = v.open();
    expect(owner.auditEntries().some((e) => e.operation === "build_env_map")).toBe(true);
  } finally {
    v.cleanup();
  }
}, 60_000);

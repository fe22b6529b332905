// Step 4 of the library lookup, for real: the release artifact is fetched
// from a small HTTP server on 127.0.0.1 that each test starts and shuts
// down itself, verified by SHA-256, renamed into a temporary cache and
// loaded with Deno's FFI.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { bind } from "../../ffi/deno.ts";
import { createLoader } from "../../ffi/loader.ts";
import { libraryFileName } from "../../ffi/library.ts";
import type { LibraryHost } from "../../ffi/library.ts";
import type { Artifact } from "../../ffi/artifacts.ts";
import type { NativeLibrary } from "../../ffi/symbols.ts";
import { LibraryLoadError } from "../../ffi/errors.ts";
import { VERSION } from "../../ffi/version.ts";

const FILE = "libauthy_vault-linux-x86_64.so";
const ARTIFACT_PATH = `/v${VERSION}/${FILE}`;
const LOCAL_BUILD = new URL(
  `../../rust/target/release/${libraryFileName("linux")}`,
  import.meta.url,
);

// The artifacts are Linux x86-64 builds: elsewhere they cannot be loaded.
const ignore = Deno.build.os !== "linux" || Deno.build.arch !== "x86_64";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

let built: Uint8Array<ArrayBuffer> | undefined;

/** The bytes of the local release build: the "good" artifact. */
function goodBytes(): Uint8Array<ArrayBuffer> {
  if (!built) {
    try {
      built = new Uint8Array(readFileSync(LOCAL_BUILD));
    } catch (error) {
      throw new Error(
        `these tests serve the local build ${LOCAL_BUILD.pathname}: run \`cargo build --release\` in rust/`,
        { cause: error },
      );
    }
  }
  return built;
}

/**
 * Good bytes plus a trailing byte: still a loadable library, so only the
 * SHA-256 check can tell it from the real artifact.
 */
function tamperedBytes(): Uint8Array<ArrayBuffer> {
  const good = goodBytes();
  const bytes = new Uint8Array(good.length + 1);
  bytes.set(good);
  bytes[good.length] = 0x5a;
  return bytes;
}

function manifestFor(bytes: Uint8Array): Record<string, Artifact> {
  return { "linux-x86_64": { file: FILE, sha256: sha256(bytes) } };
}

/** What a route answers: bytes with 200, or a bare status. */
type Answer = Uint8Array<ArrayBuffer> | number;

interface ArtifactServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The paths requested so far, in order. */
  requests: string[];
}

/**
 * Runs `fn` with a server on 127.0.0.1 that answers only the given paths
 * (404 for anything else), and shuts it down afterwards.
 */
async function withServer(
  routes: Record<string, Answer>,
  fn: (server: ArtifactServer) => Promise<void> | void,
): Promise<void> {
  const requests: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const path = new URL(request.url).pathname;
      requests.push(path);
      const answer = Object.hasOwn(routes, path) ? routes[path] : 404;
      if (typeof answer === "number") return new Response(null, { status: answer });
      return new Response(answer, { headers: { "content-type": "application/octet-stream" } });
    },
  );
  try {
    await fn({ origin: `http://127.0.0.1:${server.addr.port}`, requests });
  } finally {
    await server.shutdown();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
}

/**
 * Runs `fn` with a raw server on 127.0.0.1 that accepts one connection,
 * promises the whole artifact but sends only its first kilobyte, and hangs up.
 */
async function withTruncatingServer(
  fn: (server: ArtifactServer) => Promise<void>,
): Promise<void> {
  const requests: string[] = [];
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      const head = new Uint8Array(4096);
      const read = await conn.read(head);
      const line = new TextDecoder().decode(head.subarray(0, read ?? 0)).split("\r\n")[0];
      requests.push(line.split(" ")[1] ?? line);
      const length = goodBytes().length;
      await writeAll(
        conn,
        new TextEncoder().encode(
          `HTTP/1.1 200 OK\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`,
        ),
      );
      await writeAll(conn, goodBytes().subarray(0, 1024));
    } finally {
      conn.close();
    }
  })();
  try {
    await fn({ origin: `http://127.0.0.1:${listener.addr.port}`, requests });
  } finally {
    listener.close();
    await served.catch(() => {}); // no connection came, or the client hung up first
  }
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
async function withTempDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "authy-vault-download-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

interface TestHost extends LibraryHost {
  /** Every path handed to `load`, in order. */
  loaded: string[];
}

/**
 * A Linux x86-64 host that loads for real, with only the given environment
 * and no development or packaged paths: the lookup must reach the cache.
 */
function testHost(env: Record<string, string>, packaged: string[] = []): TestHost {
  const vars = new Map(Object.entries(env));
  const loaded: string[] = [];
  return {
    os: "linux",
    arch: "x86_64",
    readEnv: (name) => vars.get(name),
    load(path: string): NativeLibrary {
      loaded.push(path);
      return bind(path);
    },
    packagedPaths: () => packaged,
    loaded,
  };
}

/** Every leftover temporary file (`.*.tmp`) anywhere under `dir`. */
function tempFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => /^\..*\.tmp$/.test(path.split("/").at(-1) ?? ""));
}

function isLoadError(...parts: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LibraryLoadError, `expected a LibraryLoadError, got ${error}`);
    assert.equal(error.code, "library_load_error");
    for (const part of parts) {
      assert.ok(error.message.includes(part), `${JSON.stringify(part)} not in: ${error.message}`);
    }
    return true;
  };
}

Deno.test({
  name: "download: a good artifact is fetched once, cached, and loaded from the cache afterwards",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: goodBytes() }, async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, manifestFor(goodBytes()));
        const cached = join(cache, VERSION, FILE);

        const library = await loader.loadAsync({});
        assert.equal(library.abiVersion(), 1);
        assert.equal(library.path, cached);
        assert.ok(library.path.startsWith(cache + "/"));
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
        assert.deepEqual(host.loaded, [cached]);

        assert.equal(sha256(readFileSync(cached)), sha256(goodBytes()));
        assert.equal(statSync(cached).mode & 0o077, 0, "the cached file is private");
        assert.equal(statSync(join(cache, VERSION)).mode & 0o077, 0, "the cache dir is private");
        assert.deepEqual(tempFiles(cache), []);

        const again = loader.loadSync({});
        assert.equal(again.path, cached);
        assert.equal(again.abiVersion(), 1);
        assert.deepEqual(server.requests, [ARTIFACT_PATH], "no new request");

        const async = await loader.loadAsync({});
        assert.equal(async.path, cached);
        assert.deepEqual(server.requests, [ARTIFACT_PATH], "no new request");
        assert.deepEqual(tempFiles(cache), []);
      })
    ),
});

Deno.test({
  name: "download: the base URL may end in slashes and carry a path",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [`/mirror${ARTIFACT_PATH}`]: goodBytes() }, async (server) => {
        const host = testHost({
          AUTHY_VAULT_BASE_URL: `${server.origin}/mirror//`,
          AUTHY_VAULT_CACHE: cache,
        });
        const library = await createLoader(host, manifestFor(goodBytes())).loadAsync({});
        assert.equal(library.abiVersion(), 1);
        assert.deepEqual(server.requests, [`/mirror${ARTIFACT_PATH}`]);
      })
    ),
});

Deno.test({
  name: "download: a tampered artifact is refused, names both hashes, and leaves nothing behind",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: tamperedBytes() }, async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, manifestFor(goodBytes()));

        await assert.rejects(
          loader.loadAsync({}),
          isLoadError(
            `${server.origin}${ARTIFACT_PATH}`,
            sha256(tamperedBytes()),
            sha256(goodBytes()),
          ),
        );
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
        assert.deepEqual(host.loaded, [], "the tampered bytes were never loaded");
        assert.equal(existsSync(join(cache, VERSION, FILE)), false);
        assert.deepEqual(tempFiles(cache), []);

        // Nothing was cached, so the sync lookup still has nothing to load.
        assert.throws(() => loader.loadSync({}), isLoadError("Authy.open"));
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
      })
    ),
});

Deno.test({
  name: "download: a tampered cached copy is not loaded, and loadAsync replaces it",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: goodBytes() }, async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, manifestFor(goodBytes()));
        const cached = join(cache, VERSION, FILE);
        mkdirSync(join(cache, VERSION), { recursive: true });
        writeFileSync(cached, tamperedBytes());

        assert.throws(() => loader.loadSync({}), isLoadError(cached, "Authy.open"));
        assert.deepEqual(host.loaded, [], "the tampered copy was never loaded");
        assert.deepEqual(server.requests, [], "loadSync never downloads");

        const library = await loader.loadAsync({});
        assert.equal(library.abiVersion(), 1);
        assert.equal(library.path, cached);
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
        assert.deepEqual(host.loaded, [cached]);
        assert.equal(sha256(readFileSync(cached)), sha256(goodBytes()));
        assert.deepEqual(tempFiles(cache), []);
      })
    ),
});

Deno.test({
  name: "download: an unreachable server gives a LibraryLoadError naming the URL",
  ignore,
  fn: () =>
    withTempDir(async (cache) => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const origin = `http://127.0.0.1:${listener.addr.port}`;
      listener.close();

      const host = testHost({ AUTHY_VAULT_BASE_URL: origin, AUTHY_VAULT_CACHE: cache });
      const loader = createLoader(host, manifestFor(goodBytes()));
      await assert.rejects(loader.loadAsync({}), (error) => {
        isLoadError(`${origin}${ARTIFACT_PATH}`, "cannot download")(error);
        assert.ok((error as Error).cause !== undefined, "the network error is kept as the cause");
        return true;
      });
      assert.deepEqual(host.loaded, []);
      assert.equal(existsSync(join(cache, VERSION, FILE)), false);
    }),
});

Deno.test({
  name: "download: an HTTP error status gives a LibraryLoadError naming the status",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: 404 }, async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, manifestFor(goodBytes()));
        await assert.rejects(
          loader.loadAsync({}),
          isLoadError(`${server.origin}${ARTIFACT_PATH}`, "HTTP 404", "Not Found"),
        );
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
        assert.deepEqual(host.loaded, []);
        assert.equal(existsSync(join(cache, VERSION)), false);
      })
    ),
});

Deno.test({
  name: "download: a connection cut mid-body gives a LibraryLoadError and caches nothing",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withTruncatingServer(async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, manifestFor(goodBytes()));
        await assert.rejects(loader.loadAsync({}), (error) => {
          isLoadError(`${server.origin}${ARTIFACT_PATH}`, "cannot download")(error);
          assert.ok((error as Error).cause !== undefined, "the read error is kept as the cause");
          return true;
        });
        assert.deepEqual(server.requests, [ARTIFACT_PATH]);
        assert.deepEqual(host.loaded, []);
        assert.equal(existsSync(join(cache, VERSION)), false);
      })
    ),
});

Deno.test({
  name: "download: loadSync with an empty cache lists what it tried and points at Authy.open",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({}, (server) => {
        const env = { AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache };
        const cached = join(cache, VERSION, FILE);

        // No candidate at all: only the cache was looked at.
        const bare = createLoader(testHost(env), manifestFor(goodBytes()));
        assert.throws(
          () => bare.loadSync({}),
          isLoadError("no candidate to try", "download cache", cached, "`await Authy.open(...)`"),
        );

        // A packaged path that is not there: listed, then the cache.
        const missing = join(cache, "missing", "libauthy_vault.so");
        const host = testHost(env, [missing]);
        assert.throws(() => createLoader(host, manifestFor(goodBytes())).loadSync({}), (error) => {
          isLoadError(`1. platform package: ${missing}`, cached, "Authy.open")(error);
          const message = (error as Error).message;
          assert.ok(message.indexOf(missing) < message.indexOf(cached), message);
          return true;
        });
        assert.deepEqual(host.loaded, [missing]);
        assert.deepEqual(server.requests, [], "loadSync never downloads");
      })
    ),
});

Deno.test({
  name: "download: a platform without a published artifact says so and downloads nothing",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: goodBytes() }, async (server) => {
        const host = testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache });
        const loader = createLoader(host, { "linux-aarch64": { file: FILE, sha256: "0" } });
        const reason = "no release artifact is published for linux-x86_64";
        assert.throws(() => loader.loadSync({}), (error) => {
          isLoadError(reason)(error);
          assert.ok(!(error as Error).message.includes("Authy.open"), (error as Error).message);
          return true;
        });
        await assert.rejects(loader.loadAsync({}), isLoadError(reason));
        assert.deepEqual(server.requests, []);
      })
    ),
});

Deno.test({
  name: "download: an explicit path is never replaced by a download",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: goodBytes() }, async (server) => {
        const missing = join(cache, "nowhere", "libauthy_vault.so");
        const manifest = manifestFor(goodBytes());
        const env = { AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache };

        const host = testHost(env);
        await assert.rejects(
          createLoader(host, manifest).loadAsync({ path: missing }),
          isLoadError(`explicit path: ${missing}`),
        );
        const fromEnv = testHost({ ...env, AUTHY_VAULT_LIB: missing });
        await assert.rejects(
          createLoader(fromEnv, manifest).loadAsync({}),
          isLoadError(`AUTHY_VAULT_LIB: ${missing}`),
        );
        assert.deepEqual(server.requests, []);
        assert.equal(existsSync(join(cache, VERSION)), false);
      })
    ),
});

Deno.test({
  name: "download: without FFI permission the loader says so and does not download",
  ignore,
  fn: () =>
    withTempDir((cache) =>
      withServer({ [ARTIFACT_PATH]: goodBytes() }, async (server) => {
        const host: LibraryHost = {
          ...testHost({ AUTHY_VAULT_BASE_URL: server.origin, AUTHY_VAULT_CACHE: cache }, [
            "/opt/authy/libauthy_vault.so",
          ]),
          load(): NativeLibrary {
            throw Object.assign(new Error("Requires ffi access"), { name: "NotCapable" });
          },
        };
        await assert.rejects(
          createLoader(host, manifestFor(goodBytes())).loadAsync({}),
          isLoadError("--allow-ffi"),
        );
        assert.deepEqual(server.requests, []);
      })
    ),
});

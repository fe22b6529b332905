// Steps 1 to 3 of the library lookup: which candidates are tried, in
// which order, and what a failed lookup reports.

import assert from "node:assert/strict";

import { bind } from "../../ffi/deno.ts";
import { createLoader } from "../../ffi/loader.ts";
import {
  type Candidate,
  candidates,
  failedLookup,
  libraryFileName,
  type LibraryHost,
  loadFirst,
  localBuildPath,
} from "../../ffi/library.ts";
import type { NativeLibrary } from "../../ffi/symbols.ts";
import { LibraryLoadError } from "../../ffi/errors.ts";

const LOCAL_BUILD = localBuildPath("linux")[0];
const ignore = Deno.build.os !== "linux" || Deno.build.arch !== "x86_64";

/** A stand-in library that reports the given ABI version. */
function fakeLibrary(path: string, abi = 1): NativeLibrary {
  const unused = (): never => {
    throw new Error("not used in lookup tests");
  };
  return {
    path,
    abiVersion: () => abi,
    open: unused,
    openAsync: unused,
    call: unused,
    callAsync: unused,
    close: unused,
  };
}

interface FakeHost extends LibraryHost {
  loaded: string[];
}

function fakeHost(
  options: {
    env?: Record<string, string>;
    development?: string[];
    packaged?: string[];
    load?: (path: string) => NativeLibrary;
  } = {},
): FakeHost {
  const env = new Map(Object.entries(options.env ?? {}));
  const loaded: string[] = [];
  return {
    os: "linux",
    arch: "x86_64",
    readEnv: (name) => env.get(name),
    load(path) {
      loaded.push(path);
      return (options.load ?? bind)(path);
    },
    developmentPaths: options.development ? () => options.development! : undefined,
    packagedPaths: options.packaged ? () => options.packaged! : undefined,
    loaded,
  };
}

function isLoadError(...parts: string[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LibraryLoadError, `expected a LibraryLoadError, got ${error}`);
    for (const part of parts) {
      assert.ok(error.message.includes(part), `${JSON.stringify(part)} not in: ${error.message}`);
    }
    return true;
  };
}

Deno.test("lookup: libraryFileName and localBuildPath", () => {
  assert.equal(libraryFileName("linux"), "libauthy_vault.so");
  assert.equal(libraryFileName("darwin"), "libauthy_vault.dylib");
  assert.equal(libraryFileName("windows"), "authy_vault.dll");
  assert.deepEqual(localBuildPath("linux"), [
    new URL("../../rust/target/release/libauthy_vault.so", import.meta.url).pathname,
  ]);
});

Deno.test("lookup: candidates are the explicit path, else AUTHY_VAULT_LIB, else dev then packaged", () => {
  const development = ["/dev/one.so", "/dev/two.so"];
  const packaged = ["/pkg/three.so"];
  const everything = fakeHost({ env: { AUTHY_VAULT_LIB: "/env/lib.so" }, development, packaged });

  assert.deepEqual(candidates(everything, { path: "/explicit/lib.so" }), [
    { source: "explicit path", path: "/explicit/lib.so" },
  ]);
  assert.deepEqual(candidates(everything), [{ source: "AUTHY_VAULT_LIB", path: "/env/lib.so" }]);
  assert.deepEqual(candidates(everything, {}), [
    { source: "AUTHY_VAULT_LIB", path: "/env/lib.so" },
  ]);

  assert.deepEqual(candidates(fakeHost({ development, packaged })), [
    { source: "local build", path: "/dev/one.so" },
    { source: "local build", path: "/dev/two.so" },
    { source: "platform package", path: "/pkg/three.so" },
  ]);
  assert.deepEqual(candidates(fakeHost({ packaged })), [
    { source: "platform package", path: "/pkg/three.so" },
  ]);
  assert.deepEqual(candidates(fakeHost()), []);

  // An empty variable or path does not count.
  assert.deepEqual(candidates(fakeHost({ env: { AUTHY_VAULT_LIB: "" }, packaged }), { path: "" }), [
    { source: "platform package", path: "/pkg/three.so" },
  ]);
});

Deno.test("lookup: loadFirst stops at the first candidate that loads and speaks ABI 1", () => {
  const host = fakeHost({
    load(path) {
      if (path === "/broken.so") throw new Error("cannot open");
      return fakeLibrary(path, path === "/old.so" ? 0 : 1);
    },
  });
  const list: Candidate[] = [
    { source: "local build", path: "/broken.so" },
    { source: "local build", path: "/old.so" },
    { source: "platform package", path: "/good.so" },
    { source: "platform package", path: "/never.so" },
  ];
  assert.equal(loadFirst(host, list).path, "/good.so");
  assert.deepEqual(host.loaded, ["/broken.so", "/old.so", "/good.so"]);
});

Deno.test("lookup: a failed lookup lists every attempt in order and keeps the first cause", () => {
  const first = new Error("first failure");
  const host = fakeHost({
    load(path) {
      if (path === "/a.so") throw first;
      if (path === "/b.so") return fakeLibrary(path, 2);
      throw new Error(`no ${path}`);
    },
  });
  const list: Candidate[] = [
    { source: "local build", path: "/a.so" },
    { source: "local build", path: "/b.so" },
    { source: "platform package", path: "/c.so" },
  ];
  assert.throws(() => loadFirst(host, list, [], "\na hint"), (error) => {
    isLoadError()(error);
    const { message, cause } = error as Error;
    assert.equal(cause, first);
    assert.equal(
      message,
      "cannot load the @authy/vault native library; tried, in order:\n" +
        "  1. local build: /a.so: first failure\n" +
        "  2. local build: /b.so: library speaks ABI version 2, this module needs 1\n" +
        "  3. platform package: /c.so: no /c.so\n" +
        "a hint",
    );
    return true;
  });
  assert.deepEqual(host.loaded, ["/a.so", "/b.so", "/c.so"]);

  // Earlier attempts come first and provide the cause.
  const earlier = { source: "somewhere", path: "/z.so", error: "earlier" };
  assert.throws(() => loadFirst(host, [list[2]], [earlier]), (error) => {
    isLoadError("1. somewhere: /z.so: earlier", "2. platform package: /c.so: no /c.so")(error);
    assert.equal((error as Error).cause, "earlier");
    return true;
  });

  const none = failedLookup([]);
  assert.ok(none instanceof LibraryLoadError);
  assert.match(none.message, /no candidate to try/);
  assert.equal(none.cause, undefined);
});

Deno.test({
  name: "lookup: real dlopen failures are listed in order with the first cause kept",
  ignore,
  fn() {
    const development = ["/nonexistent/dev/libauthy_vault.so"];
    const packaged = ["/nonexistent/pkg/libauthy_vault.so"];
    const host = fakeHost({ development, packaged });
    assert.throws(() => createLoader(host, {}).loadSync({}), (error) => {
      isLoadError(
        `1. local build: ${development[0]}`,
        `2. platform package: ${packaged[0]}`,
        "no release artifact is published for linux-x86_64",
      )(error);
      const { message, cause } = error as Error;
      assert.ok(message.indexOf(development[0]) < message.indexOf(packaged[0]));
      assert.ok(cause instanceof Error);
      assert.ok(cause.message.includes(development[0]), cause.message);
      return true;
    });
    assert.deepEqual(host.loaded, [...development, ...packaged]);

    // A later candidate that loads wins over earlier failures.
    const working = fakeHost({ development, packaged: [LOCAL_BUILD] });
    const library = createLoader(working, {}).loadSync({});
    assert.equal(library.path, LOCAL_BUILD);
    assert.equal(library.abiVersion(), 1);
  },
});

Deno.test({
  name: "lookup: a library path that does not exist gives a LibraryLoadError naming it",
  ignore,
  async fn() {
    const missing = "/nonexistent/authy/libauthy_vault.so";
    // Even with a working local build around, an explicit choice is final.
    const host = fakeHost({ development: [LOCAL_BUILD] });
    const loader = createLoader(host, {});
    assert.throws(() => loader.loadSync({ path: missing }), (error) => {
      isLoadError(`1. explicit path: ${missing}`)(error);
      assert.ok((error as Error).cause instanceof Error);
      return true;
    });
    await assert.rejects(loader.loadAsync({ path: missing }), isLoadError(missing));

    const fromEnv = fakeHost({ env: { AUTHY_VAULT_LIB: missing }, development: [LOCAL_BUILD] });
    assert.throws(
      () => createLoader(fromEnv, {}).loadSync({}),
      isLoadError(`1. AUTHY_VAULT_LIB: ${missing}`),
    );
    assert.deepEqual(host.loaded, [missing, missing]);
    assert.deepEqual(fromEnv.loaded, [missing]);

    // And an explicit path that exists is loaded as is.
    const library = loader.loadSync({ path: LOCAL_BUILD });
    assert.equal(library.path, LOCAL_BUILD);
    assert.equal(library.abiVersion(), 1);
  },
});

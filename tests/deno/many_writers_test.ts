// Many writers on one keyfile vault, in several runtimes at once: eight
// processes store 100 distinct names each while two more rotate one shared
// secret 100 times each, all released at the same moment. Afterwards all
// 800 names hold their values, the shared secret is at version 201 (one
// store, then 200 rotates: none lost, none applied twice), and the audit
// chain verifies with exactly one event per write.

import assert from "node:assert/strict";

import * as vault from "../../mod.ts";
import { keyfileVault } from "../suite/fixtures.ts";
import { childCommand } from "./runtimes.ts";

const root = new URL("../..", import.meta.url);
const script = new URL("tests/suite/stress_child.ts", root).pathname;

/** How each runtime runs the child script (Node joins with one entry here). */
const RUNTIMES: Record<string, (args: string[]) => [string, string[]]> = {
  deno: (args) => childCommand("deno", script, args),
  bun: (args) => childCommand("bun", script, args),
};

const WRITERS = 8;
const PER_WRITER = 100;
const ROTATORS = 2;
const PER_ROTATOR = 100;
const SHARED = "shared-secret";

interface Finished {
  label: string;
  code: number;
  stdout: string;
  stderr: string;
}

interface Started {
  label: string;
  ready: Promise<void>;
  go(): Promise<void>;
  done: Promise<Finished>;
}

function start(runtime: string, label: string, args: string[]): Started {
  const [executable, argv] = RUNTIMES[runtime](args);
  const child = new Deno.Command(executable, {
    args: argv,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let markReady = (): void => {};
  const readyLine = new Promise<void>((resolve) => (markReady = resolve));
  const stdoutDone = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      stdout += chunk;
      if (/^ready$/m.test(stdout)) markReady();
    }
  })();
  const stderrDone = new Response(child.stderr).text();
  const done = (async (): Promise<Finished> => {
    const status = await child.status;
    await stdoutDone;
    return { label, code: status.code, stdout, stderr: await stderrDone };
  })();
  // A child that dies before it is ready must fail the test, not hang it.
  const ready = Promise.race([
    readyLine,
    done.then((f) => {
      throw new Error(`${label} ended before it was ready (${f.code}): ${f.stdout}${f.stderr}`);
    }),
  ]);
  const go = async (): Promise<void> => {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("go\n"));
    await writer.close();
  };
  return { label, ready, go, done };
}

/** The JSON line a child printed last. */
function result<T>(finished: Finished): T {
  assert.equal(finished.code, 0, `${finished.label}: ${finished.stdout}${finished.stderr}`);
  const lines = finished.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}

Deno.test("8 writers and 2 rotators in Deno and Bun lose nothing", async () => {
  const v = keyfileVault(vault);
  try {
    {
      using owner = v.open();
      owner.store(SHARED, "initial");
    }
    const runtimes = Object.keys(RUNTIMES);
    const children: Started[] = [];
    for (let w = 0; w < WRITERS; w++) {
      const runtime = runtimes[w % runtimes.length];
      children.push(
        start(runtime, `writer ${w} (${runtime})`, [
          "store-many",
          v.dir,
          v.keyfile,
          `w${w}`,
          String(PER_WRITER),
        ]),
      );
    }
    const rotators: string[] = [];
    for (let r = 0; r < ROTATORS; r++) {
      const runtime = runtimes[r % runtimes.length];
      rotators.push(`r${r}`);
      children.push(
        start(runtime, `rotator ${r} (${runtime})`, [
          "rotate-many",
          v.dir,
          v.keyfile,
          SHARED,
          `r${r}`,
          String(PER_ROTATOR),
        ]),
      );
    }
    // Everyone has the vault open before anyone writes.
    await Promise.all(children.map((c) => c.ready));
    const released = performance.now();
    await Promise.all(children.map((c) => c.go()));
    const finished = await Promise.all(children.map((c) => c.done));
    const elapsed = performance.now() - released;

    const stores = finished.slice(0, WRITERS).map((f) => result<{ stored: number }>(f));
    for (const s of stores) assert.equal(s.stored, PER_WRITER);
    const rotations = finished.slice(WRITERS).map((f) => result<{ versions: number[] }>(f));

    using client = new vault.Authy({ keyfile: v.keyfile, dir: v.dir, auditReads: false });

    // Every name, with its own value (values are compared, never shown).
    const names = client.list();
    assert.equal(names.length, WRITERS * PER_WRITER + 1);
    for (let w = 0; w < WRITERS; w++) {
      for (let i = 0; i < PER_WRITER; i++) {
        const name = `w${w}-${i}`;
        assert.ok(client.get(name) === `value-w${w}-${i}`, `${name} does not hold its value`);
      }
    }

    // Every rotate landed once: the versions handed out are exactly 2..201,
    // and the value is the one written by the rotate that got 201.
    const handedOut = rotations.flatMap((r) => r.versions).sort((a, b) => a - b);
    const expected = Array.from({ length: ROTATORS * PER_ROTATOR }, (_, i) => i + 2);
    assert.deepEqual(handedOut, expected);
    for (const r of rotations) {
      assert.deepEqual(r.versions, [...r.versions].sort((a, b) => a - b), "versions only grow");
    }
    const last = ROTATORS * PER_ROTATOR + 1;
    const who = rotations.findIndex((r) => r.versions.includes(last));
    const at = rotations[who].versions.indexOf(last);
    assert.ok(
      client.get(SHARED) === `rotated-by-${rotators[who]}-${at}`,
      "the shared secret does not hold the value of its last rotate",
    );

    // The audit chain verifies, with one event per write and no others.
    const audit = client.verifyAudit();
    assert.equal(audit.valid, true, JSON.stringify(audit));
    const entries = client.auditEntries();
    const writes = 1 + (WRITERS * PER_WRITER + 1) + ROTATORS * PER_ROTATOR;
    assert.equal(audit.entries, writes);
    assert.equal(entries.length, writes);
    assert.deepEqual(
      entries.map((e) => `${e.operation}/${e.outcome}`).filter((k) =>
        k !== "store/success" &&
        k !== "rotate/success" && k !== "init/success"
      ),
      [],
    );
    const stored = entries.filter((e) => e.operation === "store").map((e) => e.secret).sort();
    assert.deepEqual(stored, [...names].sort());
    const rotated = entries.filter((e) => e.operation === "rotate");
    assert.ok(rotated.every((e) => e.secret === SHARED));
    assert.deepEqual(
      rotated.map((e) => Number(e.detail?.slice(1))).sort((a, b) => a - b),
      expected,
    );

    // The version on disk is 201: the next rotate makes it 202.
    assert.equal(client.rotate(SHARED, "one more"), last + 1);
    console.log(
      `${WRITERS * PER_WRITER + ROTATORS * PER_ROTATOR} writes by ${children.length} processes ` +
        `(${runtimes.join(", ")}) in ${Math.round(elapsed)} ms`,
    );
  } finally {
    v.cleanup();
  }
});

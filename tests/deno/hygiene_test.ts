// Secret hygiene, end to end in each runtime: a child process stores known
// values and runs every method of the client, failing ones included (see
// tests/suite/hygiene_child.ts), printing every error and client object in
// full. None of the values, the passphrase, the keyfile identities, the
// session tokens or the contents of a file wrongly given as a keyfile may
// appear in anything it printed, in the audit logs or in any file left in
// the vault directories. The child runs under `umask 000`, so the modes
// checked afterwards (directories 0700; vault, keyfile, audit log, settings
// and lock file 0600) come from the engine alone.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

import * as vault from "../../mod.ts";
import { tempDir } from "../suite/fixtures.ts";
import { childCommand } from "./runtimes.ts";

const root = new URL("../..", import.meta.url);
const script = new URL("tests/suite/hygiene_child.ts", root).pathname;

const RUNTIMES: Record<string, (args: string[]) => [string, string[]]> = {
  deno: (args) => childCommand("deno", script, args),
  bun: (args) => childCommand("bun", script, args),
};

/** Runs a child under `umask 000`, with `input` on its stdin. */
async function runUnderUmask0(
  executable: string,
  args: string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", 'umask 000 && exec "$0" "$@"', executable, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** A value whose distinctive core survives any escaping around it. */
function secretValue(i: number): { value: string; core: string } {
  const core = `hyg${i}${crypto.randomUUID().replaceAll("-", "")}`;
  const dressing =
    ['"quoted"', "back\\slash", "new\nline", "ünïcødé ✓", "tab\t", "", "<&>", "x"][i];
  return { value: `${dressing}${core}${dressing}`, core };
}

for (const runtime of Object.keys(RUNTIMES)) {
  Deno.test(`no secret leaks from any operation, and files get private modes (${runtime})`, async () => {
    const tmp = tempDir();
    try {
      const values = Array.from({ length: 8 }, (_, i) => secretValue(i));
      const passphrase = secretValue(7).core + "-passphrase";
      const notAKeyContent = `secret-file-${crypto.randomUUID()}`;
      const notAKeyfile = join(tmp.path, "secrets.txt");
      writeFileSync(notAKeyfile, `${notAKeyContent}\n`, { mode: 0o600 });
      const otherKeyfile = join(tmp.path, "other", "other.key");
      vault.Authy.generateKeyfile(otherKeyfile);

      const [executable, args] = RUNTIMES[runtime]([tmp.path]);
      const input = JSON.stringify({
        values: values.map((v) => v.value),
        passphrase,
        otherKeyfile,
        notAKeyfile,
      });
      const child = await runUnderUmask0(executable, args, input);
      assert.equal(child.code, 0, `${child.stdout.slice(-4000)}\n${child.stderr.slice(-4000)}`);

      // The child really called every method and met every failure.
      const lines = child.stdout.trim().split("\n");
      const report = JSON.parse(lines[lines.length - 1]) as {
        covered: string[];
        failures: string[];
      };
      const methods = [
        ...Object.getOwnPropertyNames(vault.Authy.prototype).filter((n) => n !== "constructor"),
        ...Object.getOwnPropertyNames(vault.Authy).filter((n) =>
          typeof (vault.Authy as unknown as Record<string, unknown>)[n] === "function"
        ),
      ];
      const missed = methods.filter((m) => !report.covered.includes(m));
      assert.deepEqual(missed, [], "methods the hygiene child does not exercise");
      assert.ok(report.failures.length >= 40, `only ${report.failures.length} failures provoked`);

      // What to look for: each value's core, the passphrase, the contents of
      // the file given as a keyfile, both identities, and any session token.
      const keyfile = join(tmp.path, "keys", "owner.key");
      const identities = [keyfile, otherKeyfile].map((k) => readFileSync(k, "utf8").trim());
      const needles: Array<[string, string]> = [
        ...values.map((v, i): [string, string] => [`value ${i}`, v.core]),
        ["the passphrase", passphrase],
        ["the non-key file's contents", notAKeyContent],
        ["the owner identity", identities[0]],
        ["the other identity", identities[1]],
      ];
      const token = /authy_v1\.[A-Za-z0-9_-]{43}/;

      const places: Array<[string, string]> = [
        ["the child's stdout", child.stdout],
        ["the child's stderr", child.stderr],
      ];
      const files = filesUnder(tmp.path);
      for (const file of files) {
        // The two keyfiles hold their identities, and the non-key file its
        // contents: that is what they are.
        if (file === keyfile || file === otherKeyfile || file === notAKeyfile) continue;
        places.push([
          relative(tmp.path, file),
          new TextDecoder("latin1").decode(readFileSync(file)),
        ]);
      }
      const auditLogs = files.filter((f) => f.endsWith("audit.log"));
      assert.equal(auditLogs.length, 2, "both vaults keep an audit log");
      const auditLines = auditLogs.flatMap((f) => readFileSync(f, "utf8").trim().split("\n"));
      assert.ok(auditLines.length > 40, `only ${auditLines.length} audit lines`);
      assert.ok(child.stdout.includes("SecretAlreadyExists"), "errors were printed");

      const leaks: string[] = [];
      for (const [where, text] of places) {
        for (const [what, needle] of needles) {
          if (text.includes(needle)) leaks.push(`${what} in ${where}`);
        }
        if (token.test(text)) leaks.push(`a session token in ${where}`);
      }
      // Named, never shown.
      assert.deepEqual(leaks, [], "secrets found where they must not be");

      // Modes, whatever the umask.
      const dir = join(tmp.path, "vault");
      const passDir = join(tmp.path, "passphrase-vault");
      const expected: Record<string, string> = {
        "vault": "700",
        "vault/vault.age": "600",
        "vault/audit.log": "600",
        "vault/authy.toml": "600",
        "vault/.vault.age.lock": "600",
        "passphrase-vault": "700",
        "passphrase-vault/vault.age": "600",
        "passphrase-vault/audit.log": "600",
        "passphrase-vault/authy.toml": "600",
        "keys": "700",
        "keys/owner.key": "600",
      };
      const actual = Object.fromEntries(
        Object.keys(expected).map((p) => [p, mode(join(tmp.path, p))]),
      );
      assert.deepEqual(actual, expected);
      // Nothing else, and no temporary file, was left in the vault directories.
      const leftovers = [...readdirSync(dir), ...readdirSync(passDir)].filter((n) =>
        n.includes(".tmp.")
      );
      assert.deepEqual(leftovers, []);
    } finally {
      tmp.cleanup();
    }
  });
}

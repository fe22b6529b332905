// Starts a Deno child with exactly the given permissions and a clean
// environment (PATH plus what the test passes).

import type { ChildResult } from "../suite/harness.ts";

export async function runDenoChild(
  permissions: string[],
  script: URL,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", ...permissions, script.pathname, ...args],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

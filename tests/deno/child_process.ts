// Starts child processes with a clean environment (PATH plus what the test
// passes), and Deno children with exactly the given permissions.

import type { ChildResult } from "../suite/harness.ts";

export async function runCommand(
  executable: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const output = await new Deno.Command(executable, {
    args,
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

export function runDenoChild(
  permissions: string[],
  script: URL,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  return runCommand(
    Deno.execPath(),
    ["run", "--quiet", "--no-config", ...permissions, script.pathname, ...args],
    env,
  );
}

// How a Deno test starts a suite script in a child of each runtime: Deno
// with the module's documented permissions, Bun through its entry.

const root = new URL("../..", import.meta.url);

export type Runtime = "deno" | "bun";

/** The executable and arguments that run `script` on `runtime`, entry first. */
export function childCommand(runtime: Runtime, script: string, args: string[]): [string, string[]] {
  if (runtime === "deno") {
    return [Deno.execPath(), [
      "run",
      "--quiet",
      "--no-config",
      "--allow-ffi",
      `--allow-read=${root.pathname}`,
      script,
      new URL("mod.ts", root).href,
      ...args,
    ]];
  }
  return [
    new URL("node_modules/.bin/bun", root).pathname,
    [script, new URL("bun/mod.ts", root).pathname, ...args],
  ];
}

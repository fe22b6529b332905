// Starts examples/bun-server.ts as a child process and waits (boundedly)
// for its "listening on" line. Used by the demo and by the server test.

import { spawn } from "node:child_process";

export interface RunningServer {
  /** The server's base address, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

export function startBunServer(
  bun: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<RunningServer> {
  const script = new URL("./bun-server.ts", import.meta.url).pathname;
  const child = spawn(bun, [script], { env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = "";
    let errors = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${timeoutMs} ms: ${errors}`));
    }, timeoutMs);
    child.stderr.on("data", (chunk) => (errors += chunk));
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(/listening on (\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], stop });
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening: ${errors}`));
    });
  });
}

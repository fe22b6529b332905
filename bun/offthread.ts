/**
 * Runs native calls on one lazily started Worker, so that scrypt does not
 * block Bun's event loop (bun:ffi has no non-blocking calls). The worker
 * holds the process open only while a call is in flight.
 *
 * @module
 */

import type { Job } from "./worker.ts";

type Reply = { id: number; bytes?: Uint8Array; error?: string };

/** Bun's Worker can stop holding the process open. */
interface RefWorker extends Worker {
  ref(): void;
  unref(): void;
}

let worker: RefWorker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve(bytes: Uint8Array): void; reject(e: Error): void }>();

function start(): RefWorker {
  // The npm build ships this module as .js beside a worker.js.
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const created = new Worker(new URL(`./worker.${extension}`, import.meta.url)) as RefWorker;
  created.onmessage = (event: MessageEvent<Reply>) => {
    const job = pending.get(event.data.id);
    if (!job) return;
    pending.delete(event.data.id);
    if (pending.size === 0) created.unref();
    if (event.data.bytes) job.resolve(event.data.bytes);
    else job.reject(new Error(`native call failed on the worker: ${event.data.error}`));
  };
  created.onerror = (event) => {
    for (const job of pending.values()) job.reject(new Error(`worker failed: ${event.message}`));
    pending.clear();
    worker = undefined;
  };
  return created;
}

/** `authy_open` (handle `null`) or `authy_call` on the worker thread. */
export function offThread(
  path: string,
  handle: number | null,
  request: Uint8Array,
): Promise<Uint8Array> {
  worker ??= start();
  worker.ref();
  const id = nextId++;
  // The worker gets its own copy (the caller zeroes its request afterwards).
  const job: Job = { id, path, handle, request: request.slice() };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage(job, [job.request.buffer as ArrayBuffer]);
  });
}

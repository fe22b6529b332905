/**
 * Node's built-in modules (`node:fs`, `node:crypto`, …), loaded the first
 * time they are needed instead of when this module is imported. Deno
 * serves them from a compatibility layer that takes tens of milliseconds
 * to load, and Bun's `node:crypto` several, while the lookup needs them
 * only when neither a local build nor the platform package loads (the
 * download cache) or when installed from npm. Deno, Bun and Node 20.16
 * and later have `process.getBuiltinModule`.
 *
 * @module
 */

type Process = { getBuiltinModule?(name: string): unknown };

/** The built-in module `name`, or `undefined` on a runtime without `getBuiltinModule`. */
export function nodeBuiltin<T>(name: string): T | undefined {
  const process = (globalThis as { process?: Process }).process;
  return process?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * The `Authy` client: one class over the native library, shared by every
 * runtime entry. Each method sends one request and turns the envelope into
 * a value or a typed exception.
 *
 * @module
 */

import {
  decodeResponse,
  decodeText,
  encodeRequest,
  encodeRequestOwned,
  type Request,
} from "./envelope.ts";
import { clientClosedError, invalidRequest } from "./errors.ts";
import { loadLibraryFrom, nativeLibrary, nativeLibraryAsync } from "./native.ts";
import type { NativeLibrary } from "./symbols.ts";
import type {
  AuditEntry,
  AuditVerification,
  AuthyOptions,
  BatchResult,
  BatchWriter,
  DirOption,
  EnvMapOptions,
  ListOptions,
  NewSession,
  Policy,
  PolicyChanges,
  PolicyOptions,
  SessionInfo,
  SessionOptions,
  StoreOptions,
} from "./types.ts";

interface Opened {
  library: NativeLibrary;
  handle: number;
}

/** Frees the native handle of a client that was never closed. */
const forgotten = new FinalizationRegistry<Opened>(({ library, handle }) => {
  decodeQuietly(library.close(handle));
});

function decodeQuietly(bytes: Uint8Array): void {
  try {
    decodeResponse(bytes);
  } catch {
    // A handle the engine no longer knows: nothing left to free.
  }
}

/** Turns user options into the engine's open request, checking the shape. */
function openRequest(options: AuthyOptions): Request {
  if (options === null || typeof options !== "object") {
    throw invalidRequest("Authy needs an options object with one credential");
  }
  const o = options as unknown as Record<string, unknown>;
  const request: Request = { op: "open" };
  if (o.dir !== undefined) request.dir = o.dir;
  if (o.passphrase !== undefined) request.passphrase = o.passphrase;
  if (o.keyfile !== undefined) request.keyfile = o.keyfile;
  if (o.token !== undefined) request.token = o.token;
  if (o.fromEnv !== undefined) request.fromEnv = o.fromEnv;
  if (o.auditReads !== undefined) request.auditReads = o.auditReads;
  return request;
}

function call<T>(library: NativeLibrary, handle: number, request: Request): T {
  const bytes = encodeRequest(request);
  try {
    return library.callText
      ? decodeText<T>(library.callText(handle, bytes))
      : decodeResponse<T>(library.call(handle, bytes));
  } finally {
    bytes.fill(0);
  }
}

async function callAsync<T>(library: NativeLibrary, handle: number, request: Request): Promise<T> {
  // Read by a native thread after this function yields: not the shared buffer.
  const bytes = encodeRequestOwned(request);
  try {
    return decodeResponse<T>(await library.callAsync(handle, bytes));
  } finally {
    bytes.fill(0);
  }
}

function withoutOp(request: Request): Uint8Array {
  const { op: _op, ...rest } = request;
  return encodeRequestOwned(rest);
}

interface RawAuditEntry extends Omit<AuditEntry, "chainHmac"> {
  chain_hmac: string;
}

function collectWrites(build: (tx: BatchWriter) => void): Request[] {
  const writes: Request[] = [];
  build({
    store: (name, value, options = {}) =>
      writes.push({ op: "store", name, value, force: options.force ?? false }),
    rotate: (name, value) => writes.push({ op: "rotate", name, value }),
    remove: (name) => writes.push({ op: "remove", name }),
  });
  return writes;
}

let adopting: Opened | undefined;

/**
 * A client of one authy vault. It keeps the vault decrypted in the native
 * engine and re-reads the file only when it changed, so reads cost no
 * cryptography. Close it when done (or use `using`).
 *
 * @example
 * ```ts
 * import { Authy } from "@authy/vault";
 * using vault = new Authy({ keyfile: "/path/to/vault.key" });
 * const url = vault.getOrNull("database-url");
 * ```
 */
export class Authy implements Disposable {
  #library: NativeLibrary;
  #handle: number | null;

  /**
   * Opens the vault directory synchronously. An existing vault is
   * decrypted now; with a passphrase that runs scrypt (about a second),
   * so prefer `await Authy.open(...)` on a server's event loop.
   */
  constructor(options: AuthyOptions) {
    let opened = adopting;
    adopting = undefined;
    if (!opened) {
      const library = nativeLibrary();
      const request = withoutOp(openRequest(options));
      try {
        const { handle } = decodeResponse<{ handle: number }>(library.open(request));
        opened = { library, handle };
      } finally {
        request.fill(0);
      }
    }
    this.#library = opened.library;
    this.#handle = opened.handle;
    forgotten.register(this, opened, this);
  }

  /**
   * Opens the vault without blocking the event loop while the engine
   * decrypts it (scrypt runs on another thread). Also the one entry that
   * may download the native library when no local copy exists.
   */
  static async open(options: AuthyOptions): Promise<Authy> {
    const library = await nativeLibraryAsync();
    const request = withoutOp(openRequest(options));
    let opened: Opened;
    try {
      const { handle } = decodeResponse<{ handle: number }>(await library.openAsync(request));
      opened = { library, handle };
    } finally {
      request.fill(0);
    }
    adopting = opened;
    return new Authy(options);
  }

  /** Whether a vault exists in the directory (no credentials needed). */
  static isInitialized(options: DirOption = {}): boolean {
    const request: Request = { op: "isInitialized" };
    if (options.dir !== undefined) request.dir = options.dir;
    return call(nativeLibrary(), 0, request);
  }

  /**
   * Writes a new age identity to `path` (mode 0600) and its public key to
   * `<path>.pub`. Refuses to overwrite an existing file.
   */
  static generateKeyfile(path: string): { publicKey: string } {
    return call(nativeLibrary(), 0, { op: "generateKeyfile", path });
  }

  /** The path of the native library in use, loading it now if needed. */
  static libraryPath(): string {
    return nativeLibrary().path;
  }

  /**
   * Loads the native library from an explicit path instead of the lookup;
   * call before opening any client. Returns the path loaded.
   */
  static loadLibrary(path: string): string {
    return loadLibraryFrom({ path }).path;
  }

  #send<T>(request: Request): T {
    if (this.#handle === null) throw clientClosedError();
    return call(this.#library, this.#handle, request);
  }

  #sendAsync<T>(request: Request): Promise<T> {
    if (this.#handle === null) return Promise.reject(clientClosedError());
    return callAsync(this.#library, this.#handle, request);
  }

  /** Creates the vault (and `authy.toml`); fails if one exists. */
  initVault(): void {
    this.#send({ op: "init" });
  }

  /** A secret's value; throws `SecretNotFound` when there is none. */
  get(name: string): string {
    return this.#send({ op: "get", name });
  }

  /** A secret's value, or `null` when there is none. */
  getOrNull(name: string): string | null {
    return this.#send({ op: "getOrNull", name });
  }

  /** Stores a new secret; throws `SecretAlreadyExists` unless `force`. */
  store(name: string, value: string, options: StoreOptions = {}): void {
    this.#send({ op: "store", name, value, force: options.force ?? false });
  }

  /** Removes a secret; returns whether it existed. */
  remove(name: string): boolean {
    return this.#send({ op: "remove", name });
  }

  /** Gives a secret a new value and returns its new version. */
  rotate(name: string, newValue: string): number {
    return this.#send({ op: "rotate", name, value: newValue });
  }

  /** Secret names, sorted; only those a scope allows when one is given. */
  list(options: ListOptions = {}): string[] {
    return this.#send({ op: "list", scope: options.scope ?? null });
  }

  /**
   * The scope's secrets keyed by environment variable name: dashes are
   * replaced, then names upper-cased, then the prefix added. Two secrets
   * landing on one name throw `EnvNameCollision`.
   */
  buildEnvMap(scope: string, options: EnvMapOptions = {}): Record<string, string> {
    return this.#send({
      op: "buildEnvMap",
      scope,
      uppercase: options.uppercase ?? true,
      replaceDash: options.replaceDash === undefined ? "_" : options.replaceDash,
      prefix: options.prefix ?? null,
    });
  }

  /** Whether the scope's policy allows a secret name. */
  testPolicy(scope: string, name: string): boolean {
    return this.#send({ op: "testPolicy", scope, name });
  }

  /** Creates a policy (a scope). */
  createPolicy(name: string, options: PolicyOptions): void {
    this.#send({
      op: "createPolicy",
      name,
      allow: options.allow,
      deny: options.deny ?? [],
      description: options.description ?? null,
      runOnly: options.runOnly ?? false,
    });
  }

  /** A policy; throws `PolicyNotFound`. */
  getPolicy(name: string): Policy {
    return this.#send({ op: "getPolicy", name });
  }

  /** Every policy, sorted by name. */
  listPolicies(): Policy[] {
    return this.#send({ op: "listPolicies" });
  }

  /** Changes a policy and returns it as saved. */
  updatePolicy(name: string, changes: PolicyChanges): Policy {
    return this.#send({ ...changes, op: "updatePolicy", name });
  }

  /** Removes a policy; returns whether it existed. */
  removePolicy(name: string): boolean {
    return this.#send({ op: "removePolicy", name });
  }

  /** Creates a read-only session token limited to a scope. */
  createSession(options: SessionOptions): NewSession {
    return this.#send({
      op: "createSession",
      scope: options.scope,
      ttlSeconds: options.ttlSeconds,
      label: options.label ?? null,
      runOnly: options.runOnly ?? false,
    });
  }

  /** Every session record (tokens are never stored). */
  listSessions(): SessionInfo[] {
    return this.#send({ op: "listSessions" });
  }

  /** Revokes a session; throws `SessionNotFound`. */
  revokeSession(id: string): void {
    this.#send({ op: "revokeSession", id });
  }

  /**
   * Applies several writes with one load, one encryption and one save.
   * If any write fails, none is saved.
   */
  batch(build: (tx: BatchWriter) => void): BatchResult {
    return toBatchResult(this.#send({ op: "batch", writes: collectWrites(build) }));
  }

  /** `batch` without blocking the event loop (for passphrase vaults). */
  async batchAsync(build: (tx: BatchWriter) => void): Promise<BatchResult> {
    return toBatchResult(await this.#sendAsync({ op: "batch", writes: collectWrites(build) }));
  }

  /** Every audit log entry, oldest first. */
  auditEntries(): AuditEntry[] {
    return this.#send<RawAuditEntry[]>({ op: "auditEntries" }).map(
      ({ chain_hmac, ...rest }) => ({ ...rest, chainHmac: chain_hmac }),
    );
  }

  /** Recomputes the audit chain from the first line. */
  verifyAudit(): AuditVerification {
    return this.#send({ op: "verifyAudit" });
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#handle === null;
  }

  /** Releases the native handle. Calling it again does nothing. */
  close(): void {
    if (this.#handle === null) return;
    const handle = this.#handle;
    this.#handle = null;
    forgotten.unregister(this);
    decodeQuietly(this.#library.close(handle));
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function toBatchResult(raw: Array<null | number | boolean>): BatchResult {
  return raw.map((r) => r ?? undefined);
}

/**
 * The public option and result types of the client.
 *
 * @module
 */

/** Where the vault lives; defaults to `AUTHY_DIR`, then `$HOME/.authy`. */
export interface DirOption {
  /** The vault directory. */
  dir?: string;
}

/** Settings every way of opening a vault shares. */
export interface CommonOptions extends DirOption {
  /**
   * Log reads (`get`, `list`, `buildEnvMap`, `testPolicy`) in the audit log,
   * as the authy tool does (default `true`). Writes are always logged while
   * `[audit] enabled` is on in `authy.toml`.
   */
  auditReads?: boolean;
}

/** Opens the vault with a passphrase. */
export interface PassphraseOptions extends CommonOptions {
  /** The vault passphrase. */
  passphrase: string;
}

/** Opens the vault with an age identity file. */
export interface KeyfileOptions extends CommonOptions {
  /** Path of the age identity file. */
  keyfile: string;
}

/** Opens the vault with `AUTHY_KEYFILE`, else `AUTHY_PASSPHRASE`. */
export interface FromEnvOptions extends CommonOptions {
  /** Read the credentials from the environment. */
  fromEnv: true;
}

/** Opens the vault read-only, limited to a session token's scope. */
export interface TokenOptions extends CommonOptions {
  /** A token from `createSession`. */
  token: string;
  /** The vault's keyfile; tokens only work with keyfile vaults. */
  keyfile: string;
}

/** The ways to open a vault: exactly one credential. */
export type AuthyOptions =
  | PassphraseOptions
  | KeyfileOptions
  | FromEnvOptions
  | TokenOptions;

/** Options of `store`. */
export interface StoreOptions {
  /** Replace an existing secret (its version starts again at 1). */
  force?: boolean;
}

/** Options of `list`. */
export interface ListOptions {
  /** Only the names this policy (scope) allows. */
  scope?: string;
}

/** How secret names become environment variable names. */
export interface EnvMapOptions {
  /** Upper-case the names (default `true`). */
  uppercase?: boolean;
  /** Replace every `-` with this (default `"_"`); `null` keeps dashes. */
  replaceDash?: string | null;
  /** Put this in front of every name (kept as given, after upper-casing). */
  prefix?: string;
}

/** A new policy. */
export interface PolicyOptions {
  /** Globs of the names the scope allows. */
  allow: string[];
  /** Globs of names denied even when allowed (deny wins). */
  deny?: string[];
  /** Free text. */
  description?: string;
  /** Values may only be injected into a child process, never returned. */
  runOnly?: boolean;
}

/** Changes to a policy; fields left out stay as they are. */
export interface PolicyChanges {
  /** New allow globs. */
  allow?: string[];
  /** New deny globs. */
  deny?: string[];
  /** New description; `null` clears it. */
  description?: string | null;
  /** New run-only flag. */
  runOnly?: boolean;
}

/** A policy as stored. */
export interface Policy {
  /** The policy's (scope's) name. */
  name: string;
  /** Free text, or `null`. */
  description: string | null;
  /** Globs of allowed names. */
  allow: string[];
  /** Globs of denied names. */
  deny: string[];
  /** Whether values may only be injected into a child process. */
  runOnly: boolean;
  /** RFC 3339 time of creation. */
  createdAt: string;
  /** RFC 3339 time of the last change. */
  modifiedAt: string;
}

/** Options of `createSession`. */
export interface SessionOptions {
  /** The policy the token is limited to. */
  scope: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /** Free text to recognize the session by. */
  label?: string;
  /** The token may only inject values into a child process. */
  runOnly?: boolean;
}

/** A new session. The token is shown once; only its HMAC is stored. */
export interface NewSession {
  /** The token (`authy_v1.…`). */
  token: string;
  /** The session's id (16 hex digits). */
  id: string;
  /** RFC 3339 expiry time. */
  expiresAt: string;
}

/** A session as listed (without its token). */
export interface SessionInfo {
  /** The session's id. */
  id: string;
  /** The policy it is limited to. */
  scope: string;
  /** Its label, or `null`. */
  label: string | null;
  /** Whether it may only inject values into a child process. */
  runOnly: boolean;
  /** Whether it was revoked. */
  revoked: boolean;
  /** RFC 3339 time of creation. */
  createdAt: string;
  /** RFC 3339 expiry time. */
  expiresAt: string;
}

/** One line of the audit log. */
export interface AuditEntry {
  /** RFC 3339 time, UTC. */
  timestamp: string;
  /** e.g. `get`, `store`, `rotate`, `policy.create`. */
  operation: string;
  /** The secret's name, or `null`. */
  secret: string | null;
  /** Who acted, e.g. `api(keyfile)`. */
  actor: string;
  /** `success`, `not_found`, `denied` or `allowed`. */
  outcome: string;
  /** Extra detail such as `v2` or `scope=deploy`, or `null`. */
  detail: string | null;
  /** The line's HMAC chain value (64 hex digits). */
  chainHmac: string;
}

/** The result of checking the audit chain from its first line. */
export interface AuditVerification {
  /** How many entries the log holds. */
  entries: number;
  /** Whether every line's HMAC matches. */
  valid: boolean;
  /** The 1-based line where the chain first breaks, or `null`. */
  brokenLine: number | null;
}

/** The writes a batch can hold. */
export interface BatchWriter {
  /** Queue a store. */
  store(name: string, value: string, options?: StoreOptions): void;
  /** Queue a rotation. */
  rotate(name: string, value: string): void;
  /** Queue a removal. */
  remove(name: string): void;
}

/**
 * What each write of a batch returned, in order: `undefined` for a store,
 * the new version for a rotation, whether it existed for a removal.
 */
export type BatchResult = Array<undefined | number | boolean>;

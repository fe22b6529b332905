/**
 * Typed errors. Every error this module throws is an {@link AuthyError}
 * with the `code` and `exitCode` of the authy tool, and an instance of the
 * subclass named after its kind.
 *
 * @module
 */

/** The error part of a failed envelope. */
export interface ErrorBody {
  /** The engine's kind name, e.g. `SecretNotFound`. */
  kind: string;
  /** Stable machine-readable code, e.g. `not_found`. */
  code: string;
  /** The exit code the authy command-line tool uses for this kind. */
  exitCode: number;
  /** What went wrong; never contains a secret value. */
  message: string;
}

/** Base class of every error thrown by `@authy/vault`. */
export class AuthyError extends Error {
  /** The engine's kind name, e.g. `SecretNotFound`. */
  readonly kind: string;
  /** Stable machine-readable code, e.g. `not_found`. */
  readonly code: string;
  /** The exit code the authy command-line tool uses for this kind. */
  readonly exitCode: number;

  /** Builds an error from an envelope's error body. */
  constructor(body: ErrorBody, options?: ErrorOptions) {
    super(body.message, options);
    this.kind = body.kind;
    this.code = body.code;
    this.exitCode = body.exitCode;
    this.name = new.target.name;
  }
}

/** No vault exists in the directory yet (`vault_not_initialized`, 7). */
export class VaultNotInitialized extends AuthyError {}
/** `initVault` found a vault already there (`already_exists`, 5). */
export class VaultAlreadyExists extends AuthyError {}
/** No secret of that name (`not_found`, 3). */
export class SecretNotFound extends AuthyError {}
/** A secret of that name exists; store with `force` to replace it (`already_exists`, 5). */
export class SecretAlreadyExists extends AuthyError {}
/** No policy (scope) of that name (`not_found`, 3). */
export class PolicyNotFound extends AuthyError {}
/** A policy of that name exists (`already_exists`, 5). */
export class PolicyAlreadyExists extends AuthyError {}
/** The session's scope does not allow this secret (`access_denied`, 4). */
export class AccessDenied extends AuthyError {}
/** The passphrase or keyfile does not open this vault (`auth_failed`, 2). */
export class AuthFailed extends AuthyError {}
/** The session token is malformed or unknown (`invalid_token`, 6). */
export class InvalidToken extends AuthyError {}
/** The session token has expired (`token_expired`, 6). */
export class TokenExpired extends AuthyError {}
/** The session token was revoked (`token_revoked`, 6). */
export class TokenRevoked extends AuthyError {}
/** No session with that id (`not_found`, 3). */
export class SessionNotFound extends AuthyError {}
/** Session tokens cannot write (`token_read_only`, 4). */
export class TokenReadOnly extends AuthyError {}
/** The scope is run-only: values may only be injected into a child process (`run_only`, 4). */
export class RunOnly extends AuthyError {}
/** Encrypting the vault failed (`encryption_error`, 1). */
export class EncryptionError extends AuthyError {}
/** The vault file is corrupt, truncated, empty or not an age file (`decryption_error`, 2). */
export class DecryptionError extends AuthyError {}
/** The decrypted vault or a settings file is not in the expected format (`serialization_error`, 1). */
export class SerializationError extends AuthyError {}
/** The audit log cannot be read as a chain (`audit_chain_broken`, 1). */
export class AuditChainBroken extends AuthyError {}
/** The keyfile is missing or not an age identity (`invalid_keyfile`, 2). */
export class InvalidKeyfile extends AuthyError {}
/** A file or directory could not be read or written (`io_error`, 1). */
export class IoError extends AuthyError {}
/** Any other failure (`error`, 1). */
export class OtherError extends AuthyError {}
/** The request was malformed: a bad option, type or handle (`invalid_request`, 1). */
export class InvalidRequest extends AuthyError {}
/** A secret or policy name is empty, too long or has control characters (`invalid_name`, 1). */
export class InvalidName extends AuthyError {}
/** A policy glob pattern is invalid (`invalid_pattern`, 1). */
export class InvalidPattern extends AuthyError {}
/** Two secrets map to the same environment variable (`env_name_collision`, 1). */
export class EnvNameCollision extends AuthyError {}
/** The vault was written by a newer format version (`unsupported_version`, 1). */
export class UnsupportedVersion extends AuthyError {}
/** `generateKeyfile` refuses to overwrite an existing file (`already_exists`, 5). */
export class KeyfileAlreadyExists extends AuthyError {}
/** The engine failed internally; the operation did not complete (`internal`, 1). */
export class InternalError extends AuthyError {}
/** The native library could not be found, loaded or verified (`library_load_error`, 1). */
export class LibraryLoadError extends AuthyError {}
/** The client was used after `close()` (`client_closed`, 1). */
export class ClientClosed extends AuthyError {}

const classes: Record<string, new (body: ErrorBody, options?: ErrorOptions) => AuthyError> = {
  VaultNotInitialized,
  VaultAlreadyExists,
  SecretNotFound,
  SecretAlreadyExists,
  PolicyNotFound,
  PolicyAlreadyExists,
  AccessDenied,
  AuthFailed,
  InvalidToken,
  TokenExpired,
  TokenRevoked,
  SessionNotFound,
  TokenReadOnly,
  RunOnly,
  Encryption: EncryptionError,
  Decryption: DecryptionError,
  Serialization: SerializationError,
  AuditChainBroken,
  InvalidKeyfile,
  Io: IoError,
  Other: OtherError,
  InvalidRequest,
  InvalidName,
  InvalidPattern,
  EnvNameCollision,
  UnsupportedVersion,
  KeyfileAlreadyExists,
  Internal: InternalError,
  LibraryLoad: LibraryLoadError,
  ClientClosed,
};

/** The typed error for an envelope's error body (base class if unknown). */
export function errorFromEnvelope(body: ErrorBody): AuthyError {
  const ErrorClass = Object.hasOwn(classes, body.kind) ? classes[body.kind] : AuthyError;
  return new ErrorClass(body);
}

/** A load failure that lists every attempt and keeps the first cause. */
export function libraryLoadError(message: string, cause?: unknown): LibraryLoadError {
  return new LibraryLoadError(
    { kind: "LibraryLoad", code: "library_load_error", exitCode: 1, message },
    { cause },
  );
}

/** The error for a call on a closed client. */
export function clientClosedError(): ClientClosed {
  return new ClientClosed({
    kind: "ClientClosed",
    code: "client_closed",
    exitCode: 1,
    message: "this Authy client is closed",
  });
}

/** A request rejected on the TypeScript side, before reaching the engine. */
export function invalidRequest(message: string): InvalidRequest {
  return new InvalidRequest({
    kind: "InvalidRequest",
    code: "invalid_request",
    exitCode: 1,
    message,
  });
}

//! Error kinds of the engine. `code` and `exit_code` follow the table of the
//! authy 0.7 tool so scripts that switch on them keep working; the kinds
//! after `Other` are this module's own.

use std::fmt;

/// Every failure the engine reports. Messages never contain a secret value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
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
    Encryption,
    Decryption,
    Serialization,
    AuditChainBroken,
    InvalidKeyfile,
    Io,
    Other,
    InvalidRequest,
    InvalidName,
    InvalidPattern,
    EnvNameCollision,
    UnsupportedVersion,
    KeyfileAlreadyExists,
    Internal,
}

impl ErrorKind {
    /// Every kind, for tables and tests that must cover them all.
    pub const ALL: [ErrorKind; 28] = [
        Self::VaultNotInitialized,
        Self::VaultAlreadyExists,
        Self::SecretNotFound,
        Self::SecretAlreadyExists,
        Self::PolicyNotFound,
        Self::PolicyAlreadyExists,
        Self::AccessDenied,
        Self::AuthFailed,
        Self::InvalidToken,
        Self::TokenExpired,
        Self::TokenRevoked,
        Self::SessionNotFound,
        Self::TokenReadOnly,
        Self::RunOnly,
        Self::Encryption,
        Self::Decryption,
        Self::Serialization,
        Self::AuditChainBroken,
        Self::InvalidKeyfile,
        Self::Io,
        Self::Other,
        Self::InvalidRequest,
        Self::InvalidName,
        Self::InvalidPattern,
        Self::EnvNameCollision,
        Self::UnsupportedVersion,
        Self::KeyfileAlreadyExists,
        Self::Internal,
    ];

    /// The kind's name as the TypeScript error classes know it.
    pub fn name(self) -> &'static str {
        match self {
            Self::VaultNotInitialized => "VaultNotInitialized",
            Self::VaultAlreadyExists => "VaultAlreadyExists",
            Self::SecretNotFound => "SecretNotFound",
            Self::SecretAlreadyExists => "SecretAlreadyExists",
            Self::PolicyNotFound => "PolicyNotFound",
            Self::PolicyAlreadyExists => "PolicyAlreadyExists",
            Self::AccessDenied => "AccessDenied",
            Self::AuthFailed => "AuthFailed",
            Self::InvalidToken => "InvalidToken",
            Self::TokenExpired => "TokenExpired",
            Self::TokenRevoked => "TokenRevoked",
            Self::SessionNotFound => "SessionNotFound",
            Self::TokenReadOnly => "TokenReadOnly",
            Self::RunOnly => "RunOnly",
            Self::Encryption => "Encryption",
            Self::Decryption => "Decryption",
            Self::Serialization => "Serialization",
            Self::AuditChainBroken => "AuditChainBroken",
            Self::InvalidKeyfile => "InvalidKeyfile",
            Self::Io => "Io",
            Self::Other => "Other",
            Self::InvalidRequest => "InvalidRequest",
            Self::InvalidName => "InvalidName",
            Self::InvalidPattern => "InvalidPattern",
            Self::EnvNameCollision => "EnvNameCollision",
            Self::UnsupportedVersion => "UnsupportedVersion",
            Self::KeyfileAlreadyExists => "KeyfileAlreadyExists",
            Self::Internal => "Internal",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::VaultNotInitialized => "vault_not_initialized",
            Self::VaultAlreadyExists
            | Self::SecretAlreadyExists
            | Self::PolicyAlreadyExists
            | Self::KeyfileAlreadyExists => "already_exists",
            Self::SecretNotFound | Self::PolicyNotFound | Self::SessionNotFound => "not_found",
            Self::AccessDenied => "access_denied",
            Self::AuthFailed => "auth_failed",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::TokenRevoked => "token_revoked",
            Self::TokenReadOnly => "token_read_only",
            Self::RunOnly => "run_only",
            Self::Encryption => "encryption_error",
            Self::Decryption => "decryption_error",
            Self::Serialization => "serialization_error",
            Self::AuditChainBroken => "audit_chain_broken",
            Self::InvalidKeyfile => "invalid_keyfile",
            Self::Io => "io_error",
            Self::Other => "error",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidName => "invalid_name",
            Self::InvalidPattern => "invalid_pattern",
            Self::EnvNameCollision => "env_name_collision",
            Self::UnsupportedVersion => "unsupported_version",
            Self::Internal => "internal",
        }
    }

    pub fn exit_code(self) -> i32 {
        match self {
            Self::VaultNotInitialized => 7,
            Self::VaultAlreadyExists
            | Self::SecretAlreadyExists
            | Self::PolicyAlreadyExists
            | Self::KeyfileAlreadyExists => 5,
            Self::SecretNotFound | Self::PolicyNotFound | Self::SessionNotFound => 3,
            Self::AccessDenied | Self::TokenReadOnly | Self::RunOnly => 4,
            Self::AuthFailed | Self::Decryption | Self::InvalidKeyfile => 2,
            Self::InvalidToken | Self::TokenExpired | Self::TokenRevoked => 6,
            _ => 1,
        }
    }
}

/// An engine error: a kind and a message that is safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// An I/O failure on a path; the path is named, file contents never are.
    pub fn io(action: &str, path: &std::path::Path, err: &std::io::Error) -> Self {
        Error::new(
            ErrorKind::Io,
            format!("cannot {action} {}: {err}", path.display()),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.kind.name(),
            self.kind.code(),
            self.message
        )
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The kind of a JSON problem, without serde's text (which can quote the
/// offending input, and input can hold secret values).
pub fn json_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "unreadable input",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "unexpected fields or types",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

//! The JSON requests the C ABI accepts. Each operation is one variant here
//! and one method of the TypeScript client; unknown fields are refused.

use std::path::PathBuf;

use serde::Deserialize;
use zeroize::Zeroizing;

use authy_core::{Auth, OpenOptions, WriteOp};

/// The request of `authy_open`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenRequest {
    #[serde(default)]
    pub dir: Option<PathBuf>,
    #[serde(default)]
    pub passphrase: Option<Zeroizing<String>>,
    #[serde(default)]
    pub keyfile: Option<PathBuf>,
    #[serde(default)]
    pub token: Option<Zeroizing<String>>,
    #[serde(default)]
    pub from_env: bool,
    #[serde(default = "yes")]
    pub audit_reads: bool,
}

fn yes() -> bool {
    true
}

impl OpenRequest {
    /// Exactly one way to authenticate; a token goes with a keyfile.
    pub fn into_options(self) -> Result<OpenOptions, String> {
        let auth = match (self.passphrase, self.keyfile, self.token, self.from_env) {
            (Some(p), None, None, false) => Auth::Passphrase(p),
            (None, Some(k), None, false) => Auth::Keyfile(k),
            (None, None, None, true) => Auth::FromEnv,
            (None, Some(keyfile), Some(token), false) => Auth::Token { token, keyfile },
            (None, None, Some(_), false) => {
                return Err("a session token must be given together with a keyfile".into())
            }
            _ => {
                return Err(
                    "give exactly one of passphrase, keyfile, token with keyfile, or fromEnv"
                        .into(),
                )
            }
        };
        Ok(OpenOptions {
            dir: self.dir,
            auth,
            audit_reads: self.audit_reads,
        })
    }
}

/// The request of `authy_call`. Variants under "no handle" may be sent
/// with handle 0. Operations without fields are written `Op {}` rather than
/// `Op`: serde ignores extra members of an internally tagged unit variant,
/// while an empty struct variant refuses them like every other variant.
#[derive(Deserialize)]
#[serde(
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Request {
    // no handle
    Ping {},
    IsInitialized {
        #[serde(default)]
        dir: Option<PathBuf>,
    },
    GenerateKeyfile {
        path: PathBuf,
    },
    #[cfg(debug_assertions)]
    DebugPanic {},

    // on an open handle
    Init {},
    Get {
        name: String,
    },
    GetOrNull {
        name: String,
    },
    Store {
        name: String,
        value: Zeroizing<String>,
        #[serde(default)]
        force: bool,
    },
    Remove {
        name: String,
    },
    Rotate {
        name: String,
        value: Zeroizing<String>,
    },
    List {
        #[serde(default)]
        scope: Option<String>,
    },
    BuildEnvMap {
        scope: String,
        uppercase: bool,
        replace_dash: Option<String>,
        #[serde(default)]
        prefix: Option<String>,
    },
    TestPolicy {
        scope: String,
        name: String,
    },
    CreatePolicy {
        name: String,
        allow: Vec<String>,
        #[serde(default)]
        deny: Vec<String>,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        run_only: bool,
    },
    GetPolicy {
        name: String,
    },
    ListPolicies {},
    UpdatePolicy {
        name: String,
        #[serde(default)]
        allow: Option<Vec<String>>,
        #[serde(default)]
        deny: Option<Vec<String>>,
        /// Absent: unchanged; `null`: cleared.
        #[serde(default, deserialize_with = "present")]
        description: Option<Option<String>>,
        #[serde(default)]
        run_only: Option<bool>,
    },
    RemovePolicy {
        name: String,
    },
    CreateSession {
        scope: String,
        ttl_seconds: u64,
        #[serde(default)]
        label: Option<String>,
        #[serde(default)]
        run_only: bool,
    },
    ListSessions {},
    RevokeSession {
        id: String,
    },
    Batch {
        writes: Vec<WriteOp>,
    },
    AuditEntries {},
    VerifyAudit {},
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

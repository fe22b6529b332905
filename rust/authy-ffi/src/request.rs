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

/// `get` and `getOrNull` as a plain struct: serde parses an internally
/// tagged enum by first buffering every field, which costs more than the
/// rest of a cached read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameRequest {
    op: NameOp,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum NameOp {
    Get,
    GetOrNull,
}

impl Request {
    /// The hot requests (`ping`, `get`, `getOrNull`) parsed without
    /// buffering. `None` means "use [`crate::dispatch::parse`]": anything
    /// this accepts, that parse accepts as the same request, and anything
    /// else (errors included) is left to it, so answers do not change.
    pub fn parse_hot(bytes: &[u8]) -> Option<Request> {
        if bytes == br#"{"op":"ping"}"# {
            return Some(Request::Ping {});
        }
        if !bytes.starts_with(br#"{"op":"get"#) {
            return None;
        }
        let hot: NameRequest = serde_json::from_slice(bytes).ok()?;
        Some(match hot.op {
            NameOp::Get => Request::Get { name: hot.name },
            NameOp::GetOrNull => Request::GetOrNull { name: hot.name },
        })
    }
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::Request;
    use crate::dispatch::parse;

    fn name_of(request: &Request) -> Option<(&'static str, &str)> {
        match request {
            Request::Ping {} => Some(("ping", "")),
            Request::Get { name } => Some(("get", name)),
            Request::GetOrNull { name } => Some(("getOrNull", name)),
            _ => None,
        }
    }

    #[test]
    fn the_hot_parse_agrees_with_the_general_one() {
        let accepted: &[&[u8]] = &[
            br#"{"op":"ping"}"#,
            br#"{"op":"get","name":"db-url"}"#,
            br#"{"op":"getOrNull","name":"db-url"}"#,
            br#"{"op":"get","name":"caf\u00e9 \"q\" \\ \n"}"#,
            br#"{"op":"get","name":""}"#,
            br#"{"op":"get" , "name" : "spaced" }"#,
        ];
        for bytes in accepted {
            let hot = Request::parse_hot(bytes).expect("hot path taken");
            let general: Request = parse(bytes).expect("general parse");
            assert_eq!(
                name_of(&hot),
                name_of(&general),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn anything_else_is_left_to_the_general_parse() {
        let declined: &[&[u8]] = &[
            br#"{"name":"db-url","op":"get"}"#,
            br#"{"op":"get"}"#,
            br#"{"op":"get","name":"a","name":"b"}"#,
            br#"{"op":"get","name":"a","extra":1}"#,
            br#"{"op":"get","name":42}"#,
            br#"{"op":"gett","name":"a"}"#,
            br#"{"op":"get","name":"a"} trailing"#,
            br#"{"op":"ping" }"#,
            br#"{"op":"store","name":"a","value":"v"}"#,
            br#"["get","a"]"#,
        ];
        for bytes in declined {
            assert!(
                Request::parse_hot(bytes).is_none(),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

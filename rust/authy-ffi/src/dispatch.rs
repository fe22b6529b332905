//! Turns a parsed request into one engine call and its JSON response.

use serde::de::DeserializeOwned;
use serde::ser::{Serialize, SerializeMap, Serializer};
use zeroize::Zeroizing;

use authy_core::{Client, EnvNaming, Error, ErrorKind, PolicyChanges, PolicySpec};

use crate::envelope::{success, success_sized};
use crate::handles;
use crate::request::Request;

/// Parses a request; a malformed one is `invalid_request` with serde's
/// explanation, minus any quoted input (which may be a secret value).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // serde would also take a JSON array for a struct, filling its fields
    // by position (`["store","a","v"]`), a form the ABI does not have.
    let first = bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "malformed request: a request is a JSON object",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidRequest,
            format!("malformed request: {}", redact_quoted(&e.to_string())),
        )
    })
}

/// Replaces every double-quoted run in serde's message with `"…"`.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            let mut escaped = false;
            for inner in chars.by_ref() {
                if inner == '"' && !escaped {
                    break;
                }
                escaped = inner == '\\' && !escaped;
            }
            out.push_str("…\"");
        }
    }
    out
}

pub fn call(handle: u64, request: Request) -> Result<Vec<u8>, Error> {
    match request {
        Request::Ping {} => success(&"pong"),
        Request::IsInitialized { dir } => success(&Client::is_initialized(dir.as_deref())?),
        Request::GenerateKeyfile { path } => success(&Client::generate_keyfile(&path)?),
        #[cfg(debug_assertions)]
        Request::DebugPanic {} => panic!("deliberate panic for tests"),
        request => {
            let shared = handles::get(handle)?;
            let mut client = shared.lock().map_err(|_| {
                Error::new(
                    ErrorKind::Internal,
                    "this handle failed with an internal error earlier; close it and open a new one",
                )
            })?;
            on_client(&mut client, request)
        }
    }
}

fn on_client(client: &mut Client, request: Request) -> Result<Vec<u8>, Error> {
    match request {
        Request::Init {} => success(&client.init()?),
        // The value is serialized from the vault, not from a copy of it.
        Request::Get { name } => match client.get_or_null_ref(&name)? {
            Some(value) => success_sized(value, value.len() + 32),
            None => Err(authy_core::ops::secret_not_found(&name)),
        },
        Request::GetOrNull { name } => {
            let value = client.get_or_null_ref(&name)?;
            success_sized(&value, value.map_or(0, |v| v.len()) + 32)
        }
        Request::Store { name, value, force } => success(&client.store(&name, value, force)?),
        Request::Remove { name } => success(&client.remove(&name)?),
        Request::Rotate { name, value } => success(&client.rotate(&name, value)?),
        Request::List { scope } => success(&client.list(scope.as_deref())?),
        Request::BuildEnvMap {
            scope,
            uppercase,
            replace_dash,
            prefix,
        } => {
            let entries = client.env_map_entries(
                &scope,
                &EnvNaming {
                    uppercase,
                    replace_dash,
                    prefix,
                },
            )?;
            let size = entries
                .iter()
                .map(|(variable, value)| variable.len() + value.len() + 8)
                .sum::<usize>();
            success_sized(&EnvMap(&entries), size + 64)
        }
        Request::TestPolicy { scope, name } => success(&client.test_policy(&scope, &name)?),
        Request::CreatePolicy {
            name,
            allow,
            deny,
            description,
            run_only,
        } => success(&client.create_policy(
            &name,
            PolicySpec {
                allow,
                deny,
                description,
                run_only,
            },
        )?),
        Request::GetPolicy { name } => success(&client.get_policy(&name)?),
        Request::ListPolicies {} => success(&client.list_policies()?),
        Request::UpdatePolicy {
            name,
            allow,
            deny,
            description,
            run_only,
        } => success(&client.update_policy(
            &name,
            PolicyChanges {
                allow,
                deny,
                description,
                run_only,
            },
        )?),
        Request::RemovePolicy { name } => success(&client.remove_policy(&name)?),
        Request::CreateSession {
            scope,
            ttl_seconds,
            label,
            run_only,
        } => success(&client.create_session(&scope, ttl_seconds, label, run_only)?),
        Request::ListSessions {} => success(&client.list_sessions()?),
        Request::RevokeSession { id } => success(&client.revoke_session(&id)?),
        Request::Batch { writes } => success(&client.batch(writes)?),
        Request::AuditEntries {} => success(&client.audit_entries()?),
        Request::VerifyAudit {} => success(&client.verify_audit()?),
        Request::Ping {} | Request::IsInitialized { .. } | Request::GenerateKeyfile { .. } => {
            unreachable!("handled without a client")
        }
        #[cfg(debug_assertions)]
        Request::DebugPanic {} => unreachable!("handled without a client"),
    }
}

/// An env map as a JSON object, written from values borrowed from the
/// vault (the same bytes as serializing the map `build_env_map` returns).
struct EnvMap<'a>(&'a [(String, &'a Zeroizing<String>)]);

impl Serialize for EnvMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (variable, value) in self.0 {
            map.serialize_entry(variable, value.as_str())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::redact_quoted;

    #[test]
    fn quoted_input_is_redacted() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "hunter2 \" x", expected a boolean"#),
            r#"invalid type: string "…", expected a boolean"#
        );
        assert_eq!(
            redact_quoted("unknown variant `gett`"),
            "unknown variant `gett`"
        );
    }
}

//! The decrypted vault: MessagePack in compact form (every record an array
//! of its fields in order), byte-compatible with the authy 0.7 tool.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};
use crate::time::{rfc3339, Timestamp};

/// The only plaintext layout this engine knows.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vault {
    pub version: u64,
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339")]
    pub modified_at: Timestamp,
    pub secrets: BTreeMap<String, SecretEntry>,
    pub policies: BTreeMap<String, Policy>,
    pub sessions: Vec<SessionRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretEntry {
    pub value: Zeroizing<String>,
    pub metadata: SecretMetadata,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretMetadata {
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339")]
    pub modified_at: Timestamp,
    pub version: u64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub description: Option<String>,
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339")]
    pub modified_at: Timestamp,
    #[serde(default)]
    pub run_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id: String,
    pub scope: String,
    pub token_hmac: Vec<u8>,
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339")]
    pub expires_at: Timestamp,
    pub revoked: bool,
    pub label: Option<String>,
    #[serde(default)]
    pub run_only: bool,
}

impl Vault {
    pub fn empty(now: Timestamp) -> Self {
        Vault {
            version: FORMAT_VERSION,
            created_at: now,
            modified_at: now,
            secrets: BTreeMap::new(),
            policies: BTreeMap::new(),
            sessions: Vec::new(),
        }
    }

    /// The plaintext bytes, in a buffer sized up front so that growing it
    /// leaves no unzeroed copies of secret values behind.
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        let estimate = 256
            + self
                .secrets
                .iter()
                .map(|(name, entry)| name.len() + entry.value.len() + 160)
                .sum::<usize>()
            + self.policies.len() * 512
            + self.sessions.len() * 256;
        let mut out = Zeroizing::new(Vec::with_capacity(estimate));
        rmp_serde::encode::write(&mut *out, self).map_err(|e| {
            Error::new(
                ErrorKind::Serialization,
                format!("cannot encode vault: {e}"),
            )
        })?;
        Ok(out)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let version = probe_version(bytes)?;
        if version > FORMAT_VERSION {
            return Err(Error::new(
                ErrorKind::UnsupportedVersion,
                format!(
                    "vault format version {version} is newer than this engine supports ({FORMAT_VERSION}); upgrade @authy/vault"
                ),
            ));
        }
        rmp_serde::from_slice(bytes).map_err(|e| {
            Error::new(
                ErrorKind::Serialization,
                format!(
                    "vault contents are not a valid authy vault: {}",
                    describe(&e)
                ),
            )
        })
    }
}

/// Serde's messages can quote the offending value, which might be a secret;
/// keep only the structural part.
fn describe(err: &rmp_serde::decode::Error) -> &'static str {
    use rmp_serde::decode::Error as E;
    match err {
        E::InvalidMarkerRead(_) | E::InvalidDataRead(_) => "truncated data",
        E::TypeMismatch(_) => "unexpected value type",
        E::OutOfRange => "number out of range",
        E::LengthMismatch(_) => "record has the wrong number of fields",
        E::Uncategorized(_) | E::Syntax(_) => "malformed record",
        E::Utf8Error(_) => "string is not UTF-8",
        E::DepthLimitExceeded => "nesting too deep",
    }
}

/// Reads just the leading version number, so that a newer layout is
/// reported as such rather than as a decoding failure.
fn probe_version(bytes: &[u8]) -> Result<u64> {
    struct Probe;
    impl<'de> Visitor<'de> for Probe {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array starting with the format version")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<u64, A::Error> {
            let version = seq
                .next_element::<u64>()?
                .ok_or_else(|| serde::de::Error::custom("empty vault record"))?;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(version)
        }
    }
    struct VersionOnly(u64);
    impl<'de> Deserialize<'de> for VersionOnly {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            d.deserialize_seq(Probe).map(VersionOnly)
        }
    }
    rmp_serde::from_slice::<VersionOnly>(bytes)
        .map(|v| v.0)
        .map_err(|e| {
            Error::new(
                ErrorKind::Serialization,
                format!(
                    "vault contents are not a valid authy vault: {}",
                    describe(&e)
                ),
            )
        })
}

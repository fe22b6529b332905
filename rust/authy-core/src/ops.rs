//! Writes as pure changes to a draft of the vault. The client applies them
//! under the lock; a batch applies many to one draft and saves once.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::Event;
use crate::error::{Error, ErrorKind, Result};
use crate::format::{SecretEntry, SecretMetadata, Vault};
use crate::policy::{shown_name, validate_name};
use crate::time::Timestamp;

/// A vault being changed, and what the change will log.
pub struct Draft {
    pub vault: Vault,
    pub now: Timestamp,
    pub events: Vec<Event>,
    pub changed: bool,
}

impl Draft {
    pub fn new(vault: Vault, now: Timestamp) -> Self {
        Draft {
            vault,
            now,
            events: Vec::new(),
            changed: false,
        }
    }

    /// Records an event and returns `err`; for refusals that are audited.
    pub fn refuse<T>(&mut self, event: Event, err: Error) -> Result<T> {
        self.events.push(event);
        Err(err)
    }
}

/// One write of a batch.
#[derive(Debug, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum WriteOp {
    Store {
        name: String,
        value: Zeroizing<String>,
        #[serde(default)]
        force: bool,
    },
    Rotate {
        name: String,
        value: Zeroizing<String>,
    },
    Remove {
        name: String,
    },
}

/// What one write of a batch returned, in the order of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum WriteOutcome {
    Stored(()),
    Rotated(u64),
    Removed(bool),
}

impl WriteOp {
    pub fn apply(self, draft: &mut Draft) -> Result<WriteOutcome> {
        match self {
            WriteOp::Store { name, value, force } => {
                store(draft, &name, value, force).map(WriteOutcome::Stored)
            }
            WriteOp::Rotate { name, value } => {
                rotate(draft, &name, value).map(WriteOutcome::Rotated)
            }
            WriteOp::Remove { name } => Ok(WriteOutcome::Removed(remove(draft, &name))),
        }
    }
}

/// Largest secret value accepted on write, in bytes. Every write decrypts
/// and re-encrypts the whole vault, so values are kept to what secrets
/// are (keys, certificates, small config files); values already in a vault
/// are read as they are.
pub const MAX_VALUE_BYTES: usize = 4 << 20;

/// Refuses a value over [`MAX_VALUE_BYTES`]; the message gives sizes only.
pub fn validate_value(name: &str, value: &str) -> Result<()> {
    if value.len() <= MAX_VALUE_BYTES {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidRequest,
        format!(
            "the value for secret {} is {} bytes, over the limit of {MAX_VALUE_BYTES} bytes (4 MiB)",
            shown_name(name),
            value.len()
        ),
    ))
}

pub fn secret_not_found(name: &str) -> Error {
    Error::new(
        ErrorKind::SecretNotFound,
        format!("secret {} not found", shown_name(name)),
    )
}

/// A new name starts at version 1; `force` replaces an existing entry,
/// which also starts again at version 1 (as the authy tool does).
pub fn store(draft: &mut Draft, name: &str, value: Zeroizing<String>, force: bool) -> Result<()> {
    validate_name("secret", name)?;
    validate_value(name, &value)?;
    let exists = draft.vault.secrets.contains_key(name);
    if exists && !force {
        return draft.refuse(
            Event::new("store", Some(name), "denied").detail("already exists"),
            Error::new(
                ErrorKind::SecretAlreadyExists,
                format!(
                    "secret {} already exists; store with force to replace it",
                    shown_name(name)
                ),
            ),
        );
    }
    let metadata = SecretMetadata {
        created_at: draft.now,
        modified_at: draft.now,
        version: 1,
        tags: Vec::new(),
        description: None,
    };
    draft
        .vault
        .secrets
        .insert(name.to_owned(), SecretEntry { value, metadata });
    let operation = if exists { "update" } else { "store" };
    draft
        .events
        .push(Event::new(operation, Some(name), "success"));
    draft.changed = true;
    Ok(())
}

pub fn rotate(draft: &mut Draft, name: &str, value: Zeroizing<String>) -> Result<u64> {
    validate_value(name, &value)?;
    let now = draft.now;
    let Some(entry) = draft.vault.secrets.get_mut(name) else {
        return draft.refuse(
            Event::new("rotate", Some(name), "not_found"),
            secret_not_found(name),
        );
    };
    entry.value = value;
    entry.metadata.version += 1;
    entry.metadata.modified_at = now;
    let version = entry.metadata.version;
    draft
        .events
        .push(Event::new("rotate", Some(name), "success").detail(format!("v{version}")));
    draft.changed = true;
    Ok(version)
}

pub fn remove(draft: &mut Draft, name: &str) -> bool {
    let removed = draft.vault.secrets.remove(name).is_some();
    let outcome = if removed { "success" } else { "not_found" };
    draft.events.push(Event::new("remove", Some(name), outcome));
    draft.changed |= removed;
    removed
}

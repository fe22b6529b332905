//! The HMAC-chained audit log: JSON Lines, each line's `chain_hmac` signing
//! the previous line's value and this line's fields.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{json_problem, Error, ErrorKind, Result};
use crate::time::{format_z, Timestamp};

/// A key derived from the vault credential with HKDF-SHA256 (no salt).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DerivedKey([u8; 32]);

impl DerivedKey {
    pub fn derive(ikm: &[u8], info: &str) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, ikm)
            .expand(info.as_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        DerivedKey(key)
    }

    pub fn hmac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// One line of `audit.log`, fields in the order the format fixes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub timestamp: String,
    pub operation: String,
    pub secret: Option<String>,
    pub actor: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub chain_hmac: String,
}

/// An event about to be logged; the log adds time, actor and chain value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub operation: &'static str,
    pub secret: Option<String>,
    pub outcome: &'static str,
    pub detail: Option<String>,
}

impl Event {
    pub fn new(operation: &'static str, secret: Option<&str>, outcome: &'static str) -> Self {
        Event {
            operation,
            secret: secret.map(str::to_owned),
            outcome,
            detail: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The chain value of an entry whose predecessor's value is `prev`.
pub fn chain_hmac(key: &DerivedKey, prev: &str, entry: &AuditEntry) -> String {
    // The chain signs the timestamp with a `+00:00` offset where the line
    // stores `Z`; the fractional digits are the same.
    let signed_ts = match entry.timestamp.strip_suffix('Z') {
        Some(stem) => format!("{stem}+00:00"),
        None => entry.timestamp.clone(),
    };
    let data = format!(
        "{prev}|{signed_ts}|{}|{:?}|{}|{}|{:?}",
        entry.operation, entry.secret, entry.actor, entry.outcome, entry.detail
    );
    hex::encode(key.hmac(data.as_bytes()))
}

/// Result of recomputing the chain from the first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub entries: usize,
    pub valid: bool,
    /// 1-based line number of the first line that does not verify.
    pub broken_line: Option<usize>,
}

/// Audit lines ready to be appended, and the log opened to take them.
pub struct Staged {
    file: File,
    lines: String,
    tail: (u64, String),
}

pub struct AuditLog {
    path: PathBuf,
    key: DerivedKey,
    actor: String,
    /// File length and chain value after our last append: when the file
    /// still has that length, the next append needs no read at all.
    tail: Option<(u64, String)>,
}

impl AuditLog {
    pub fn new(path: PathBuf, key: DerivedKey, actor: String) -> Self {
        AuditLog {
            path,
            key,
            actor,
            tail: None,
        }
    }

    /// Appends events; the caller holds the vault's write lock so that no
    /// other writer can interleave and break the chain.
    pub fn append(&mut self, now: Timestamp, events: &[Event]) -> Result<()> {
        match self.stage(now, events)? {
            Some(staged) => self.commit(staged),
            None => Ok(()),
        }
    }

    /// Everything of an append but the write itself: the log opened at its
    /// tail (a damaged log is found here) and the lines with their chain
    /// values. `None` when there is nothing to log. A writer stages its
    /// events before it replaces the vault, so that only one `write` call
    /// is left between the rename and the logged event.
    pub fn stage(&mut self, now: Timestamp, events: &[Event]) -> Result<Option<Staged>> {
        if events.is_empty() {
            return Ok(None);
        }
        let (file, len) = self.open_at_tail()?;
        let mut prev = self.tail.as_ref().map(|t| t.1.clone()).unwrap_or_default();
        let timestamp = format_z(&now);
        let mut lines = String::new();
        for event in events {
            let mut entry = AuditEntry {
                timestamp: timestamp.clone(),
                operation: event.operation.to_owned(),
                secret: event.secret.clone(),
                actor: self.actor.clone(),
                outcome: event.outcome.to_owned(),
                detail: event.detail.clone(),
                chain_hmac: String::new(),
            };
            entry.chain_hmac = chain_hmac(&self.key, &prev, &entry);
            prev = entry.chain_hmac.clone();
            lines.push_str(&serde_json::to_string(&entry).expect("audit entries serialize"));
            lines.push('\n');
        }
        Ok(Some(Staged {
            file,
            tail: (len + lines.len() as u64, prev),
            lines,
        }))
    }

    /// Writes staged lines. The caller still holds the lock it staged under.
    pub fn commit(&mut self, staged: Staged) -> Result<()> {
        let Staged {
            mut file,
            lines,
            tail,
        } = staged;
        file.write_all(lines.as_bytes())
            .map_err(|e| Error::io("append to audit log", &self.path, &e))?;
        self.tail = Some(tail);
        Ok(())
    }

    /// Opens the log for appending and brings `tail` up to date with it:
    /// no read at all when the file is as we left it.
    fn open_at_tail(&mut self) -> Result<(File, u64)> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(|e| Error::io("open audit log", &self.path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io("stat audit log", &self.path, &e))?
            .len();
        if !matches!(&self.tail, Some((known, _)) if *known == len) {
            let value = last_chain_value(&mut file, len, &self.path)?;
            self.tail = Some((len, value));
        }
        Ok((file, len))
    }

    pub fn entries(&self) -> Result<Vec<AuditEntry>> {
        read_entries(&self.path)
    }

    pub fn verify(&self) -> Result<Verification> {
        let entries = self.entries()?;
        let mut prev = String::new();
        for (index, entry) in entries.iter().enumerate() {
            let expected = chain_hmac(&self.key, &prev, entry);
            let matches: bool =
                subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), entry.chain_hmac.as_bytes())
                    .into();
            if !matches {
                return Ok(Verification {
                    entries: entries.len(),
                    valid: false,
                    broken_line: Some(index + 1),
                });
            }
            prev = expected;
        }
        Ok(Verification {
            entries: entries.len(),
            valid: true,
            broken_line: None,
        })
    }
}

pub fn read_entries(path: &Path) -> Result<Vec<AuditEntry>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("open audit log", path, &e)),
    };
    let mut entries = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io("read audit log", path, &e))?;
        if line.trim().is_empty() {
            continue;
        }
        entries.push(parse_line(&line, index + 1)?);
    }
    Ok(entries)
}

fn parse_line(line: &str, number: usize) -> Result<AuditEntry> {
    serde_json::from_str(line).map_err(|e| {
        Error::new(
            ErrorKind::AuditChainBroken,
            format!(
                "audit log line {number} is not a valid entry: {}",
                json_problem(&e)
            ),
        )
    })
}

/// The chain value of the file's last line, read from the end backwards so
/// the cost does not grow with the log.
fn last_chain_value(file: &mut File, len: u64, path: &Path) -> Result<String> {
    const CHUNK: u64 = 4096;
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    loop {
        let trimmed = trim_trailing_newlines(&tail);
        if let Some(pos) = trimmed.iter().rposition(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&trimmed[pos + 1..]).into_owned();
            return last_line(&line);
        }
        if start == 0 {
            if trimmed.is_empty() {
                return Ok(String::new());
            }
            let line = String::from_utf8_lossy(trimmed).into_owned();
            return last_line(&line);
        }
        let step = CHUNK.min(start);
        start -= step;
        let mut chunk = vec![0u8; step as usize];
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut chunk))
            .map_err(|e| Error::io("read audit log", path, &e))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
    }
}

fn last_line(line: &str) -> Result<String> {
    serde_json::from_str::<AuditEntry>(line)
        .map(|entry| entry.chain_hmac)
        .map_err(|e| {
            Error::new(
                ErrorKind::AuditChainBroken,
                format!(
                    "the last line of the audit log is not a valid entry ({}); nothing was written: repair or move audit.log",
                    json_problem(&e)
                ),
            )
        })
}

fn trim_trailing_newlines(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && (bytes[end - 1] == b'\n' || bytes[end - 1] == b'\r') {
        end -= 1;
    }
    &bytes[..end]
}

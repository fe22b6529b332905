//! age encryption of the whole vault file: one scrypt stanza for passphrase
//! vaults, one X25519 recipient for keyfile vaults.

use std::io::{Read, Write};
use std::iter;
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use age::{x25519, DecryptError};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind, Result};

/// Largest keyfile read: an age identity file is well under a kilobyte.
const MAX_KEYFILE_BYTES: u64 = 64 << 10;

/// What opens the vault. `ikm` is the input keying material from which the
/// audit and session keys are derived (the format fixes it).
pub enum Credential {
    Passphrase(SecretString),
    Identity {
        identity: x25519::Identity,
        key_text: SecretString,
    },
}

impl Credential {
    pub fn passphrase(text: &str) -> Self {
        Credential::Passphrase(SecretString::from(text.to_owned()))
    }

    /// Reads an identity file: a bare `AGE-SECRET-KEY-1…` string, or an
    /// age-keygen file whose `#` comment lines are skipped.
    pub fn from_keyfile(path: &Path) -> Result<Self> {
        let cannot_read = |e: std::io::Error| {
            Error::new(
                ErrorKind::InvalidKeyfile,
                format!("cannot read keyfile {}: {e}", path.display()),
            )
        };
        // Read at most one byte past the limit, so that a huge file or an
        // endless one (`/dev/zero`, a pipe that never ends) is refused
        // instead of exhausting memory. Pipes and `/dev/fd/N` stay usable.
        let file = std::fs::File::open(path).map_err(cannot_read)?;
        // Sized so that a real identity file never makes it grow (growing
        // would leave an unzeroed copy of the key behind).
        let mut raw = Zeroizing::new(String::with_capacity(4096));
        file.take(MAX_KEYFILE_BYTES + 1)
            .read_to_string(&mut raw)
            .map_err(cannot_read)?;
        if raw.len() as u64 > MAX_KEYFILE_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidKeyfile,
                format!(
                    "{} is not an age identity file: it is larger than {MAX_KEYFILE_BYTES} bytes",
                    path.display()
                ),
            ));
        }
        Self::from_identity_text(&raw).map_err(|why| {
            Error::new(
                ErrorKind::InvalidKeyfile,
                format!("{} is not an age identity file: {why}", path.display()),
            )
        })
    }

    pub fn from_identity_text(text: &str) -> std::result::Result<Self, &'static str> {
        let mut keys = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        let key = keys.next().ok_or("no AGE-SECRET-KEY-1 line")?;
        if keys.next().is_some() {
            return Err("more than one identity");
        }
        if !key.starts_with("AGE-SECRET-KEY-1") {
            return Err("the key does not start with AGE-SECRET-KEY-1");
        }
        let identity = key
            .parse::<x25519::Identity>()
            .map_err(|_| "the key is not a valid X25519 identity")?;
        Ok(Credential::Identity {
            identity,
            key_text: SecretString::from(key.to_owned()),
        })
    }

    /// Input keying material for the audit and session keys.
    pub fn ikm(&self) -> &[u8] {
        match self {
            Credential::Passphrase(p) => p.expose_secret().as_bytes(),
            Credential::Identity { key_text, .. } => key_text.expose_secret().as_bytes(),
        }
    }

    pub fn method(&self) -> &'static str {
        match self {
            Credential::Passphrase(_) => "passphrase",
            Credential::Identity { .. } => "keyfile",
        }
    }

    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let encryptor = match self {
            Credential::Passphrase(p) => age::Encryptor::with_user_passphrase(p.clone()),
            Credential::Identity { identity, .. } => {
                let recipient = identity.to_public();
                age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
                    .map_err(|e| {
                        Error::new(ErrorKind::Encryption, format!("cannot encrypt: {e}"))
                    })?
            }
        };
        let mut out = Vec::with_capacity(plaintext.len() + 512);
        let fail =
            |e: std::io::Error| Error::new(ErrorKind::Encryption, format!("cannot encrypt: {e}"));
        let mut writer = encryptor.wrap_output(&mut out).map_err(fail)?;
        writer.write_all(plaintext).map_err(fail)?;
        writer.finish().map_err(fail)?;
        Ok(out)
    }

    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(header_error)?;
        let scrypt_identity;
        let identity: &dyn age::Identity = match self {
            Credential::Passphrase(p) => {
                scrypt_identity = age::scrypt::Identity::new(p.clone());
                &scrypt_identity
            }
            Credential::Identity { identity, .. } => identity,
        };
        let mut reader = decryptor
            .decrypt(iter::once(identity))
            .map_err(|e| match e {
                DecryptError::NoMatchingKeys
                | DecryptError::DecryptionFailed
                | DecryptError::KeyDecryptionFailed => Error::new(
                    ErrorKind::AuthFailed,
                    format!(
                        "authentication failed: the {} does not open this vault",
                        self.method()
                    ),
                ),
                other => header_error(other),
            })?;
        let mut plaintext = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        reader.read_to_end(&mut plaintext).map_err(|_| {
            Error::new(
                ErrorKind::Decryption,
                "vault file is corrupt or truncated (payload does not authenticate)",
            )
        })?;
        Ok(plaintext)
    }
}

fn header_error(e: DecryptError) -> Error {
    let why = match e {
        DecryptError::ExcessiveWork { required, .. } => {
            format!("its passphrase work factor (2^{required}) is beyond what this machine accepts")
        }
        DecryptError::UnknownFormat => "it is not an age v1 file".to_owned(),
        DecryptError::InvalidMac => "its header does not authenticate".to_owned(),
        _ => "it is not a valid age file, or it is corrupt or truncated".to_owned(),
    };
    Error::new(
        ErrorKind::Decryption,
        format!("cannot decrypt vault: {why}"),
    )
}

/// A new X25519 identity: its `AGE-SECRET-KEY-1…` text and `age1…` recipient.
pub fn generate_identity() -> (SecretString, String) {
    let identity = x25519::Identity::generate();
    (identity.to_string(), identity.to_public().to_string())
}

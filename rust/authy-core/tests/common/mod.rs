//! Helpers shared by the integration tests. Not every test file uses every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use authy_core::{Auth, Client, Error, OpenOptions, Result};

/// A vault directory inside a temporary directory, with a fresh keyfile
/// outside the vault directory.
pub struct KeyVault {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub keyfile: PathBuf,
}

impl KeyVault {
    /// Directory and keyfile only; no vault yet.
    pub fn uninitialized() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("vault");
        let keyfile = tmp.path().join("keys").join("main.key");
        Client::generate_keyfile(&keyfile).expect("generate keyfile");
        KeyVault { tmp, dir, keyfile }
    }

    /// A freshly initialized keyfile vault.
    pub fn new() -> Self {
        let v = Self::uninitialized();
        v.client().init().expect("init");
        v
    }

    pub fn client(&self) -> Client {
        open_keyfile(&self.dir, &self.keyfile).expect("open with keyfile")
    }

    pub fn vault_file(&self) -> PathBuf {
        self.dir.join("vault.age")
    }

    pub fn audit_file(&self) -> PathBuf {
        self.dir.join("audit.log")
    }

    pub fn token_client(&self, token: &str) -> Result<Client> {
        open_token(&self.dir, token, &self.keyfile)
    }
}

pub fn open_keyfile(dir: &Path, keyfile: &Path) -> Result<Client> {
    Client::open(OpenOptions {
        dir: Some(dir.to_path_buf()),
        auth: Auth::Keyfile(keyfile.to_path_buf()),
        audit_reads: true,
    })
}

pub fn open_passphrase(dir: &Path, passphrase: &str) -> Result<Client> {
    Client::open(OpenOptions {
        dir: Some(dir.to_path_buf()),
        auth: Auth::Passphrase(passphrase.to_owned().into()),
        audit_reads: true,
    })
}

pub fn open_token(dir: &Path, token: &str, keyfile: &Path) -> Result<Client> {
    Client::open(OpenOptions {
        dir: Some(dir.to_path_buf()),
        auth: Auth::Token {
            token: token.to_owned().into(),
            keyfile: keyfile.to_path_buf(),
        },
        audit_reads: true,
    })
}

/// The error of a result that must have failed. Never prints the `Ok`
/// value, which may be a secret.
pub fn err<T>(result: Result<T>) -> Error {
    match result {
        Ok(_) => panic!("expected an error, the call succeeded"),
        Err(e) => e,
    }
}

/// Stores a new secret.
pub fn store(client: &mut Client, name: &str, value: &str) {
    client
        .store(name, value.to_owned().into(), false)
        .unwrap_or_else(|e| panic!("store {name:?}: {e}"));
}

/// Checks a secret's value without printing it.
pub fn assert_value(client: &mut Client, name: &str, expected: &str) {
    let value = client
        .get(name)
        .unwrap_or_else(|e| panic!("get {name:?}: {e}"));
    assert!(
        value.as_str() == expected,
        "secret {name:?} does not hold the expected value"
    );
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

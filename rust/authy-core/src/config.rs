//! `authy.toml`, the settings file the authy tool keeps beside the vault.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub vault: VaultSection,
    #[serde(default)]
    pub audit: AuditSection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaultSection {
    pub auth_method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyfile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditSection {
    pub enabled: bool,
}

impl Default for VaultSection {
    fn default() -> Self {
        VaultSection {
            auth_method: "passphrase".to_owned(),
            keyfile: None,
        }
    }
}

impl Default for AuditSection {
    fn default() -> Self {
        AuditSection { enabled: true }
    }
}

impl Config {
    pub fn new(auth_method: &str, keyfile: Option<&Path>) -> Self {
        Config {
            vault: VaultSection {
                auth_method: auth_method.to_owned(),
                keyfile: keyfile.map(|p| p.display().to_string()),
            },
            audit: AuditSection::default(),
        }
    }

    /// The settings in `path`, or the defaults when there is no such file.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                Error::new(
                    ErrorKind::Serialization,
                    format!("{} is not valid: {}", path.display(), e.message()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config {
                vault: VaultSection::default(),
                audit: AuditSection::default(),
            }),
            Err(e) => Err(Error::io("read", path, &e)),
        }
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("settings serialize")
    }
}

//! The vault engine of @authy/vault: reads and writes the on-disk format of
//! the authy 0.7 tool (age-encrypted MessagePack, HMAC-chained audit log).

pub mod audit;
pub mod client;
pub mod config;
pub mod crypto;
pub mod error;
pub mod format;
pub mod ops;
pub mod policy;
pub mod session;
pub mod storage;
pub mod time;

pub use client::{Auth, Client, OpenOptions, PolicyChanges, PolicySpec};
pub use error::{Error, ErrorKind, Result};
pub use ops::{WriteOp, WriteOutcome};
pub use policy::EnvNaming;

//! Short-lived scoped tokens. Only an HMAC of a token is stored, so the
//! vault file never holds a usable token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::audit::DerivedKey;
use crate::error::{Error, ErrorKind, Result};
use crate::format::SessionRecord;
use crate::time::Timestamp;

pub const TOKEN_PREFIX: &str = "authy_v1.";

/// A new token and the id of its record.
pub fn new_token() -> (Zeroizing<String>, String) {
    let mut secret = Zeroizing::new([0u8; 32]);
    rand::thread_rng().fill_bytes(&mut *secret);
    let token = Zeroizing::new(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(*secret)));
    let mut id = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut id);
    (token, hex::encode(id))
}

pub fn token_hmac(key: &DerivedKey, token: &str) -> Vec<u8> {
    key.hmac(token.as_bytes()).to_vec()
}

/// The record a presented token stands for, if it is still good at `now`.
pub fn validate<'a>(
    sessions: &'a [SessionRecord],
    presented_hmac: &[u8],
    now: Timestamp,
) -> Result<&'a SessionRecord> {
    let record = sessions
        .iter()
        .find(|r| bool::from(r.token_hmac.as_slice().ct_eq(presented_hmac)))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidToken,
                "the session token is not valid for this vault",
            )
        })?;
    if record.revoked {
        return Err(Error::new(
            ErrorKind::TokenRevoked,
            format!("session {} has been revoked", record.id),
        ));
    }
    if record.expires_at <= now {
        return Err(Error::new(
            ErrorKind::TokenExpired,
            format!(
                "session {} expired at {}",
                record.id,
                crate::time::format_z(&record.expires_at)
            ),
        ));
    }
    Ok(record)
}

/// Tokens are checked for their shape before any HMAC is computed.
pub fn check_shape(token: &str) -> Result<()> {
    let body = token.strip_prefix(TOKEN_PREFIX).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidToken,
            format!("a session token starts with {TOKEN_PREFIX:?}"),
        )
    })?;
    match URL_SAFE_NO_PAD.decode(body).map(Zeroizing::new) {
        Ok(bytes) if bytes.len() == 32 => Ok(()),
        _ => Err(Error::new(
            ErrorKind::InvalidToken,
            "the session token is malformed",
        )),
    }
}

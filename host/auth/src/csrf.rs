//! CSRF tokens in the manner of Flask-WTF, which Superset uses for cookie-authenticated
//! writes (`X-CSRFToken` header, token from `/api/v1/security/csrf_token/`).
//!
//! A token is bound to the session's `csrf_secret` and time-stamped:
//! `base64url(sha256(csrf_secret)) "." base64url(timestamp) "." base64url(hmac)`.
//! Only a hash of the secret goes into the token, so the token itself reveals nothing
//! reusable; the HMAC (under its own derived key) proves the server minted it.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::keys::{derive_key, hmac_sha256, verify_hmac};
use crate::session::Session;

/// Superset sets `WTF_CSRF_TIME_LIMIT` to one week.
pub const CSRF_TIME_LIMIT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Real tokens are about 100 characters; anything far longer is refused unread.
const MAX_TOKEN_LEN: usize = 512;

const KEY_CONTEXT: &str = "tessera-auth/csrf-token/v1";

/// Why a CSRF check failed; the messages are Flask-WTF's, word for word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    /// No token was sent.
    #[error("The CSRF token is missing.")]
    Missing,
    /// No valid session cookie (or one without a CSRF secret).
    #[error("The CSRF session token is missing.")]
    SessionMissing,
    /// Malformed token or bad signature.
    #[error("The CSRF token is invalid.")]
    Invalid,
    /// Older than [`CSRF_TIME_LIMIT`] (or stamped in the future).
    #[error("The CSRF token has expired.")]
    Expired,
    /// A genuine token, but minted for a different session.
    #[error("The CSRF tokens do not match.")]
    Mismatch,
}

impl CsrfError {
    /// Flask-WTF's `CSRFError` is a `400 Bad Request`.
    pub fn status(&self) -> u16 {
        400
    }

    /// The error description, as Flask-WTF words it.
    pub fn msg(&self) -> String {
        self.to_string()
    }
}

/// Mints and checks CSRF tokens with a key derived from the app secret.
#[derive(Clone)]
pub struct CsrfSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for CsrfSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfSigner").finish_non_exhaustive()
    }
}

impl CsrfSigner {
    /// Derives the CSRF key from `secret` with its own context, distinct from the
    /// session and JWT keys.
    pub fn new(secret: &[u8]) -> Self {
        CsrfSigner {
            key: derive_key(secret, KEY_CONTEXT),
        }
    }

    /// A fresh token for `session`, valid for [`CSRF_TIME_LIMIT`].
    pub fn token(&self, session: &Session) -> String {
        self.token_at(session, chrono::Utc::now().timestamp())
    }

    fn token_at(&self, session: &Session, now: i64) -> String {
        let mut token = URL_SAFE_NO_PAD.encode(secret_hash(&session.csrf_secret));
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(timestamp_bytes(now)));
        let mac = hmac_sha256(&self.key, token.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(mac));
        token
    }

    /// Checks a submitted token against the request's session, in Flask-WTF's order:
    /// token present, session present, signature, age, then session binding.
    pub fn verify(&self, session: Option<&Session>, token: Option<&str>) -> Result<(), CsrfError> {
        self.verify_at(session, token, chrono::Utc::now().timestamp())
    }

    fn verify_at(
        &self,
        session: Option<&Session>,
        token: Option<&str>,
        now: i64,
    ) -> Result<(), CsrfError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(CsrfError::Missing)?;
        let session = session
            .filter(|s| !s.csrf_secret.is_empty())
            .ok_or(CsrfError::SessionMissing)?;
        if token.len() > MAX_TOKEN_LEN {
            return Err(CsrfError::Invalid);
        }

        let (signed, mac) = token.rsplit_once('.').ok_or(CsrfError::Invalid)?;
        let (hash, stamp) = signed.split_once('.').ok_or(CsrfError::Invalid)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| CsrfError::Invalid)?;
        if !verify_hmac(&self.key, signed.as_bytes(), &mac) {
            return Err(CsrfError::Invalid);
        }
        let stamp = URL_SAFE_NO_PAD
            .decode(stamp)
            .ok()
            .and_then(|b| timestamp_from_bytes(&b))
            .ok_or(CsrfError::Invalid)?;
        let age = now.saturating_sub(stamp);
        let limit = i64::try_from(CSRF_TIME_LIMIT.as_secs()).unwrap_or(i64::MAX);
        if !(0..=limit).contains(&age) {
            return Err(CsrfError::Expired);
        }
        let hash = URL_SAFE_NO_PAD
            .decode(hash)
            .map_err(|_| CsrfError::Invalid)?;
        let expected = secret_hash(&session.csrf_secret);
        if bool::from(hash.as_slice().ct_eq(expected.as_slice())) {
            Ok(())
        } else {
            Err(CsrfError::Mismatch)
        }
    }
}

fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Big-endian with leading zero bytes dropped, as itsdangerous encodes timestamps.
fn timestamp_bytes(ts: i64) -> Vec<u8> {
    let bytes = ts.max(0).to_be_bytes();
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len() - 1);
    bytes[first..].to_vec()
}

fn timestamp_from_bytes(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    buf[8 - bytes.len()..].copy_from_slice(bytes);
    i64::try_from(u64::from_be_bytes(buf)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> CsrfSigner {
        CsrfSigner::new(b"app-secret")
    }

    #[test]
    fn valid_token() {
        let s = signer();
        let session = Session::new_anonymous();
        let token = s.token(&session);
        assert_eq!(token.split('.').count(), 3);
        assert!(!token.contains(&session.csrf_secret));
        assert_eq!(s.verify(Some(&session), Some(&token)), Ok(()));
        // Logging in keeps the CSRF secret, so the token stays valid.
        let logged_in = Session {
            user_id: Some(3),
            ..session.clone()
        };
        assert_eq!(s.verify(Some(&logged_in), Some(&token)), Ok(()));
    }

    #[test]
    fn missing_token_or_session() {
        let s = signer();
        let session = Session::new_anonymous();
        let token = s.token(&session);
        assert_eq!(s.verify(Some(&session), None), Err(CsrfError::Missing));
        assert_eq!(s.verify(Some(&session), Some("")), Err(CsrfError::Missing));
        assert_eq!(s.verify(None, None), Err(CsrfError::Missing));
        assert_eq!(s.verify(None, Some(&token)), Err(CsrfError::SessionMissing));
        let empty = Session {
            user_id: None,
            csrf_secret: String::new(),
        };
        assert_eq!(
            s.verify(Some(&empty), Some(&token)),
            Err(CsrfError::SessionMissing)
        );
        assert_eq!(CsrfError::Missing.msg(), "The CSRF token is missing.");
        assert_eq!(
            CsrfError::SessionMissing.msg(),
            "The CSRF session token is missing."
        );
        assert_eq!(CsrfError::Missing.status(), 400);
    }

    #[test]
    fn wrong_session() {
        let s = signer();
        let token = s.token(&Session::new_anonymous());
        let other = Session::new_anonymous();
        let e = s.verify(Some(&other), Some(&token)).unwrap_err();
        assert_eq!(e, CsrfError::Mismatch);
        assert_eq!(e.msg(), "The CSRF tokens do not match.");
    }

    #[test]
    fn tampered_or_malformed() {
        let s = signer();
        let session = Session::new_anonymous();
        let token = s.token(&session);
        let (signed, mac) = token.rsplit_once('.').unwrap();

        let mut mac_bytes = URL_SAFE_NO_PAD.decode(mac).unwrap();
        mac_bytes[5] ^= 0x80;
        let tampered = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac_bytes));
        let e = s.verify(Some(&session), Some(&tampered)).unwrap_err();
        assert_eq!(e, CsrfError::Invalid);
        assert_eq!(e.msg(), "The CSRF token is invalid.");

        // Re-stamping a genuine token without the key fails the MAC.
        let (hash, _) = signed.split_once('.').unwrap();
        let restamped = format!("{hash}.{}.{mac}", URL_SAFE_NO_PAD.encode([0xff; 8]));
        assert_eq!(
            s.verify(Some(&session), Some(&restamped)),
            Err(CsrfError::Invalid)
        );

        // A token from a server with another secret.
        let foreign = CsrfSigner::new(b"other").token(&session);
        assert_eq!(
            s.verify(Some(&session), Some(&foreign)),
            Err(CsrfError::Invalid)
        );

        let long = "x".repeat(5000);
        for bad in [
            "x",
            "a.b",
            "a.b.c",
            "...",
            "é.é.é",
            &session.csrf_secret,
            &long,
        ] {
            assert_eq!(
                s.verify(Some(&session), Some(bad)),
                Err(CsrfError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn expired_token() {
        let s = signer();
        let session = Session::new_anonymous();
        let now = chrono::Utc::now().timestamp();
        let limit = CSRF_TIME_LIMIT.as_secs() as i64;
        let old = s.token_at(&session, now - limit - 1);
        let e = s.verify(Some(&session), Some(&old)).unwrap_err();
        assert_eq!(e, CsrfError::Expired);
        assert_eq!(e.msg(), "The CSRF token has expired.");
        let almost = s.token_at(&session, now - limit + 60);
        assert_eq!(s.verify(Some(&session), Some(&almost)), Ok(()));
        let future = s.token_at(&session, now + 3600);
        assert_eq!(
            s.verify_at(Some(&session), Some(&future), now),
            Err(CsrfError::Expired)
        );
    }

    #[test]
    fn keys_are_separated() {
        // A session cookie MAC cannot serve as a CSRF MAC and vice versa.
        let secret = b"app-secret";
        assert_ne!(
            derive_key(secret, KEY_CONTEXT),
            derive_key(secret, "tessera-auth/session-cookie/v1")
        );
    }

    #[test]
    fn timestamp_encoding() {
        for ts in [0, 1, 255, 256, 1_700_000_000, i64::MAX] {
            assert_eq!(timestamp_from_bytes(&timestamp_bytes(ts)), Some(ts));
        }
        assert_eq!(timestamp_bytes(1_700_000_000).len(), 4);
        assert_eq!(timestamp_from_bytes(&[]), None);
        assert_eq!(timestamp_from_bytes(&[1; 9]), None);
    }
}

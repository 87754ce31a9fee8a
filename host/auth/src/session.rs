//! The signed `session` cookie, standing in for Flask's client-side session.
//!
//! The browser holds the whole session (who is logged in, plus the secret CSRF tokens are
//! bound to); the server only has to check the MAC, so no session table is needed.
//! Format: `base64url(json) "." base64url(HMAC-SHA256)`, all cookie-safe characters.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::keys::{derive_key, hmac_sha256, verify_hmac};

/// Cookie name Flask (and so Superset) uses.
pub const SESSION_COOKIE_NAME: &str = "session";

/// Cookies older than this are ignored, like Flask's default `PERMANENT_SESSION_LIFETIME`
/// (31 days); bounds how long a leaked cookie stays useful.
pub const SESSION_MAX_AGE: Duration = Duration::from_secs(31 * 24 * 60 * 60);

/// Tolerated clock skew for a cookie stamped "in the future".
const MAX_FUTURE_SKEW_SECS: i64 = 300;

/// Real cookies are well under this; refusing longer input bounds the work per request.
const MAX_ENCODED_LEN: usize = 4096;

const KEY_CONTEXT: &str = "tessera-auth/session-cookie/v1";

/// What the session cookie carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The logged-in user, or `None` for an anonymous visitor.
    pub user_id: Option<i64>,
    /// Per-session secret that CSRF tokens are bound to (Flask-WTF's `csrf_token` entry).
    pub csrf_secret: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keep the CSRF secret out of logs.
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("csrf_secret", &"<redacted>")
            .finish()
    }
}

impl Session {
    /// A session with no user and a fresh random 40-hex-character CSRF secret (the same
    /// shape as Flask-WTF's `sha1(os.urandom(64)).hexdigest()`).
    pub fn new_anonymous() -> Self {
        let mut bytes = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Session {
            user_id: None,
            csrf_secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// Wire form: the session plus the time it was signed, so stale cookies can be refused.
#[derive(Serialize)]
struct EnvelopeRef<'a> {
    user_id: Option<i64>,
    csrf_secret: &'a str,
    iat: i64,
}

#[derive(Deserialize)]
struct Envelope {
    user_id: Option<i64>,
    csrf_secret: String,
    iat: i64,
}

/// Signs and verifies session cookies with a key derived from the app secret.
#[derive(Clone)]
pub struct SessionSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for SessionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionSigner").finish_non_exhaustive()
    }
}

impl SessionSigner {
    /// Derives the cookie key from `secret` (HMAC-SHA256 with a fixed context), so it
    /// differs from the JWT and CSRF keys made from the same secret.
    pub fn new(secret: &[u8]) -> Self {
        SessionSigner {
            key: derive_key(secret, KEY_CONTEXT),
        }
    }

    /// The cookie value for `session`.
    pub fn encode(&self, session: &Session) -> String {
        self.encode_at(session, chrono::Utc::now().timestamp())
    }

    fn encode_at(&self, session: &Session, now: i64) -> String {
        let envelope = EnvelopeRef {
            user_id: session.user_id,
            csrf_secret: &session.csrf_secret,
            iat: now,
        };
        let json = serde_json::to_vec(&envelope).expect("session always serialises");
        let mut value = URL_SAFE_NO_PAD.encode(json);
        let mac = hmac_sha256(&self.key, value.as_bytes());
        value.push('.');
        value.push_str(&URL_SAFE_NO_PAD.encode(mac));
        value
    }

    /// The session in a cookie value, or `None` if it is malformed, forged or older than
    /// [`SESSION_MAX_AGE`]. The MAC is checked (in constant time) before anything else.
    pub fn decode(&self, value: &str) -> Option<Session> {
        self.decode_at(value, chrono::Utc::now().timestamp())
    }

    fn decode_at(&self, value: &str, now: i64) -> Option<Session> {
        if value.len() > MAX_ENCODED_LEN {
            return None;
        }
        let (payload, mac) = value.split_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        if !verify_hmac(&self.key, payload.as_bytes(), &mac) {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let envelope: Envelope = serde_json::from_slice(&json).ok()?;
        let max_age = i64::try_from(SESSION_MAX_AGE.as_secs()).unwrap_or(i64::MAX);
        if now.saturating_sub(envelope.iat) > max_age
            || envelope.iat > now.saturating_add(MAX_FUTURE_SKEW_SECS)
        {
            return None;
        }
        Some(Session {
            user_id: envelope.user_id,
            csrf_secret: envelope.csrf_secret,
        })
    }

    /// A full `Set-Cookie` value with Superset's defaults (HttpOnly, Lax, not Secure,
    /// browser-session lifetime).
    pub fn set_cookie(&self, session: &Session) -> String {
        format!(
            "{SESSION_COOKIE_NAME}={}; HttpOnly; Path=/; SameSite=Lax",
            self.encode(session)
        )
    }

    /// Finds and decodes the first valid `session` cookie in a `Cookie` header value.
    pub fn from_cookie_header(&self, cookie_header: &str) -> Option<Session> {
        cookie_header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| name.trim() == SESSION_COOKIE_NAME)
            .find_map(|(_, value)| self.decode(value.trim().trim_matches('"')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> SessionSigner {
        SessionSigner::new(b"app-secret")
    }

    fn user_session() -> Session {
        Session {
            user_id: Some(12),
            csrf_secret: Session::new_anonymous().csrf_secret,
        }
    }

    #[test]
    fn anonymous_session_shape() {
        let a = Session::new_anonymous();
        assert_eq!(a.user_id, None);
        assert_eq!(a.csrf_secret.len(), 40);
        assert!(
            a.csrf_secret
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a.csrf_secret, Session::new_anonymous().csrf_secret);
        assert!(!format!("{a:?}").contains(&a.csrf_secret));
    }

    #[test]
    fn round_trip() {
        let s = signer();
        for session in [Session::new_anonymous(), user_session()] {
            let value = s.encode(&session);
            assert!(
                value
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)),
                "{value}"
            );
            assert_eq!(s.decode(&value), Some(session));
        }
    }

    #[test]
    fn tampering_is_rejected() {
        let s = signer();
        let value = s.encode(&user_session());
        let (payload, mac) = value.split_once('.').unwrap();

        // Flip one payload character.
        let mut bytes = payload.as_bytes().to_vec();
        bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{}.{mac}", String::from_utf8(bytes).unwrap());
        assert_eq!(s.decode(&flipped), None);

        // Promote to another user with the old MAC.
        let forged = URL_SAFE_NO_PAD.encode(br#"{"user_id":1,"csrf_secret":"x","iat":0}"#);
        assert_eq!(s.decode(&format!("{forged}.{mac}")), None);

        // Another secret, or a signer for another purpose, does not accept it.
        assert_eq!(SessionSigner::new(b"other").decode(&value), None);
        assert_eq!(s.decode(&value[..value.len() - 1]), None);
    }

    #[test]
    fn malformed_values_are_none() {
        let s = signer();
        let long = "a".repeat(10_000);
        for bad in ["", ".", "abc", "a.b", "..", "a.b.c", "é.é", long.as_str()] {
            assert_eq!(s.decode(bad), None, "{bad}");
        }
        // Correctly signed but not a session.
        let payload = URL_SAFE_NO_PAD.encode(b"[1,2]");
        let mac = URL_SAFE_NO_PAD.encode(hmac_sha256(&s.key, payload.as_bytes()));
        assert_eq!(s.decode(&format!("{payload}.{mac}")), None);
    }

    #[test]
    fn stale_cookies_are_refused() {
        let s = signer();
        let session = user_session();
        let now = chrono::Utc::now().timestamp();
        let max = SESSION_MAX_AGE.as_secs() as i64;
        let old = s.encode_at(&session, now - max - 1);
        assert_eq!(s.decode(&old), None);
        let recent = s.encode_at(&session, now - max + 60);
        assert_eq!(s.decode(&recent), Some(session.clone()));
        let future = s.encode_at(&session, now + 3600);
        assert_eq!(s.decode_at(&future, now), None);
    }

    #[test]
    fn cookie_helpers() {
        let s = signer();
        let session = user_session();
        let set = s.set_cookie(&session);
        assert!(set.starts_with("session="));
        assert!(set.ends_with("; HttpOnly; Path=/; SameSite=Lax"));
        let value = set
            .strip_prefix("session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap();
        let header = format!("theme=dark; session=garbage; session={value}; x=y");
        assert_eq!(s.from_cookie_header(&header), Some(session));
        assert_eq!(s.from_cookie_header("theme=dark"), None);
        assert_eq!(s.from_cookie_header(""), None);
    }
}

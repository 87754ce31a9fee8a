//! Key derivation and MAC helpers shared by the session and CSRF signers.
//!
//! Deriving a purpose-specific key from the one configured secret means a value signed
//! for one purpose (say, a session cookie) can never be replayed as another (a CSRF
//! token), and neither matches an HS256 JWT signed with the raw secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256(secret, context): a 32-byte key bound to `context`.
pub(crate) fn derive_key(secret: &[u8], context: &str) -> [u8; 32] {
    hmac_sha256(secret, context.as_bytes())
}

/// HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = new_mac(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time check that `tag` is the HMAC-SHA256 of `data` under `key`.
pub(crate) fn verify_hmac(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = new_mac(key);
    mac.update(data);
    mac.verify_slice(tag).is_ok()
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

//! Authentication primitives for Tessera: password hashing, Superset-compatible JWTs,
//! the signed `session` cookie and Flask-WTF-style CSRF tokens.
//!
//! Everything here is pure (no HTTP types, no database) so the API layer can map the
//! errors onto Superset's exact status codes and messages without this crate knowing
//! about requests.

pub mod csrf;
pub mod guest;
pub mod jwt;
mod keys;
pub mod password;
pub mod roles;
pub mod session;

pub use csrf::{CSRF_TIME_LIMIT, CsrfError, CsrfSigner};
pub use guest::{
    DEFAULT_GUEST_TOKEN_TTL, GuestClaims, GuestResource, GuestRlsRule, GuestTokenError,
    GuestTokenService, GuestUser,
};
pub use jwt::{
    Claims, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, TokenError, TokenService, TokenType,
    bearer_token,
};
pub use password::{generate_password, hash_password, verify_password};
pub use roles::builtin_roles;
pub use session::{SESSION_COOKIE_NAME, SESSION_MAX_AGE, Session, SessionSigner};

/// Failures that are the server's fault rather than the caller's (bad credentials are
/// reported as `false`/`None`, never as an error).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Argon2 refused to hash; the string is the underlying reason.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

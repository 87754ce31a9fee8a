//! Password hashing with Argon2id.
//!
//! Hashes are stored as PHC strings (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`) so the
//! parameters travel with the hash and can be raised later without breaking old rows.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params};
use rand::Rng;

use crate::AuthError;

/// Length of passwords from [`generate_password`]; 20 chars of a 64-symbol alphabet is
/// 120 bits of entropy.
const GENERATED_LEN: usize = 20;

/// URL-safe base64 alphabet: printable, shell- and URL-friendly, and exactly 64 symbols so
/// sampling an index is unbiased.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Upper bounds on the cost parameters we are willing to honour when verifying, so a
/// corrupted or hostile hash row cannot make a login attempt allocate gigabytes.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 16;

/// Hashes `plain` with Argon2id (crate-default parameters) and a fresh random salt.
pub fn hash_password(plain: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(plain.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks `plain` against a stored PHC string. Returns `false` for a wrong password and
/// for anything that is not a well-formed Argon2 hash within sane cost limits.
pub fn verify_password(plain: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if Algorithm::try_from(parsed.algorithm).is_err() {
        return false;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    // The verifier re-reads algorithm, version and parameters from the hash itself.
    Argon2::default()
        .verify_password(plain.as_bytes(), &parsed)
        .is_ok()
}

/// A random 20-character URL-safe password, used for the first admin account.
pub fn generate_password() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..GENERATED_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("", &hash));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(hash_password("x").unwrap(), hash_password("x").unwrap());
    }

    #[test]
    fn malformed_hashes_are_false() {
        for bad in [
            "",
            "plain",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "pbkdf2:sha256:260000$salt$deadbeef",
            "$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA",
        ] {
            assert!(!verify_password("x", bad), "{bad}");
        }
    }

    #[test]
    fn generated_passwords() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), 20);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
    }
}

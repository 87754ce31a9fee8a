//! Guest tokens for embedded dashboards (Superset's `/security/guest_token/`): HS256
//! JWTs with their own secret, naming the dashboards a guest may open and the RLS
//! clauses every one of its queries carries.

use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::jwt::{HEADER_JSON, LENIENT_B64, sign};
use crate::keys::{derive_key, verify_hmac};

/// Superset's default `GUEST_TOKEN_JWT_EXP_SECONDS`.
pub const DEFAULT_GUEST_TOKEN_TTL: Duration = Duration::from_secs(300);

/// Who the guest says they are; Superset fills the gaps when the token is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestUser {
    #[serde(default = "default_username")]
    pub username: String,
    #[serde(default = "default_first_name")]
    pub first_name: String,
    #[serde(default = "default_last_name")]
    pub last_name: String,
}

fn default_username() -> String {
    "guest_user".into()
}

fn default_first_name() -> String {
    "Guest".into()
}

fn default_last_name() -> String {
    "User".into()
}

/// A dashboard the token opens, by embedded uuid (or, as Superset still accepts, id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestResource {
    pub r#type: String,
    pub id: String,
}

/// A clause ANDed into the guest's queries on `dataset`, or on every dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestRlsRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<i64>,
    pub clause: String,
}

/// The payload, in Superset's claim order (serde keeps field order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuestClaims {
    pub user: GuestUser,
    pub resources: Vec<GuestResource>,
    pub rls_rules: Vec<GuestRlsRule>,
    /// Float seconds, as Superset writes them.
    pub iat: f64,
    pub exp: f64,
    pub aud: String,
    pub r#type: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GuestTokenError {
    #[error("malformed guest token")]
    Malformed,
    #[error("guest token signature is invalid")]
    Signature,
    #[error("guest token has expired")]
    Expired,
    #[error("guest token is for another audience")]
    Audience,
    #[error("not a guest token")]
    NotGuest,
}

#[derive(Clone)]
pub struct GuestTokenService {
    key: Vec<u8>,
    ttl: Duration,
    audience: String,
}

impl std::fmt::Debug for GuestTokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestTokenService")
            .field("ttl", &self.ttl)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl GuestTokenService {
    /// `secret` is Superset's `GUEST_TOKEN_JWT_SECRET` when one is configured (used as
    /// is, so another service can mint tokens); otherwise a key derived from the
    /// server's secret, so a guest token can never pass as a login token or back.
    pub fn new(
        guest_secret: Option<&[u8]>,
        server_secret: &[u8],
        ttl: Duration,
        audience: String,
    ) -> Self {
        let key = match guest_secret {
            Some(secret) => secret.to_vec(),
            None => derive_key(server_secret, "tessera guest token").to_vec(),
        };
        GuestTokenService { key, ttl, audience }
    }

    pub fn issue(
        &self,
        user: GuestUser,
        resources: Vec<GuestResource>,
        rls_rules: Vec<GuestRlsRule>,
    ) -> String {
        let now = chrono::Utc::now().timestamp_micros() as f64 / 1e6;
        let claims = GuestClaims {
            user,
            resources,
            rls_rules,
            iat: now,
            exp: now + self.ttl.as_secs_f64(),
            aud: self.audience.clone(),
            r#type: "guest".into(),
        };
        let payload = serde_json::to_vec(&claims).expect("claims always serialise");
        sign(&self.key, HEADER_JSON.as_bytes(), &payload)
    }

    /// Checks the signature, the algorithm, `exp`, `aud` and `type`.
    pub fn verify(&self, token: &str) -> Result<GuestClaims, GuestTokenError> {
        let now = chrono::Utc::now().timestamp_micros() as f64 / 1e6;
        self.verify_at(token, now)
    }

    fn verify_at(&self, token: &str, now: f64) -> Result<GuestClaims, GuestTokenError> {
        let (signing_input, signature) =
            token.rsplit_once('.').ok_or(GuestTokenError::Malformed)?;
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or(GuestTokenError::Malformed)?;
        let decode = |segment: &str| {
            LENIENT_B64
                .decode(segment)
                .map_err(|_| GuestTokenError::Malformed)
        };
        let header: serde_json::Value =
            serde_json::from_slice(&decode(header)?).map_err(|_| GuestTokenError::Malformed)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(GuestTokenError::Malformed);
        }
        if !verify_hmac(&self.key, signing_input.as_bytes(), &decode(signature)?) {
            return Err(GuestTokenError::Signature);
        }
        let claims: GuestClaims =
            serde_json::from_slice(&decode(payload)?).map_err(|_| GuestTokenError::Malformed)?;
        if claims.r#type != "guest" {
            return Err(GuestTokenError::NotGuest);
        }
        if claims.exp <= now {
            return Err(GuestTokenError::Expired);
        }
        if claims.aud != self.audience {
            return Err(GuestTokenError::Audience);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> GuestTokenService {
        GuestTokenService::new(None, b"secret", DEFAULT_GUEST_TOKEN_TTL, "superset".into())
    }

    fn token(svc: &GuestTokenService) -> String {
        svc.issue(
            GuestUser {
                username: "guest_viewer".into(),
                first_name: "Guest".into(),
                last_name: "Viewer".into(),
            },
            vec![GuestResource {
                r#type: "dashboard".into(),
                id: "94646b14-5041-40d5-ba96-ead8f788ffea".into(),
            }],
            vec![GuestRlsRule {
                dataset: None,
                clause: "region = 'North'".into(),
            }],
        )
    }

    #[test]
    fn round_trips_with_superset_claims() {
        let svc = service();
        let claims = svc.verify(&token(&svc)).unwrap();
        assert_eq!(claims.r#type, "guest");
        assert_eq!(claims.aud, "superset");
        assert!((claims.exp - claims.iat - 300.0).abs() < 1e-3);
        let payload = token(&svc).split('.').nth(1).unwrap().to_owned();
        let json: serde_json::Value =
            serde_json::from_slice(&LENIENT_B64.decode(payload).unwrap()).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "aud",
                "exp",
                "iat",
                "resources",
                "rls_rules",
                "type",
                "user"
            ]
        );
        assert_eq!(
            json["rls_rules"],
            serde_json::json!([{"clause": "region = 'North'"}])
        );
    }

    #[test]
    fn refuses_tampered_expired_foreign_and_login_tokens() {
        let svc = service();
        let good = token(&svc);
        let mut tampered = good.clone();
        tampered.insert(good.find('.').unwrap() + 5, 'x');
        assert!(svc.verify(&tampered).is_err());
        let now = chrono::Utc::now().timestamp() as f64;
        assert_eq!(
            svc.verify_at(&good, now + 301.0),
            Err(GuestTokenError::Expired)
        );
        let other =
            GuestTokenService::new(None, b"other", DEFAULT_GUEST_TOKEN_TTL, "superset".into());
        assert_eq!(other.verify(&good), Err(GuestTokenError::Signature));
        let elsewhere =
            GuestTokenService::new(None, b"secret", DEFAULT_GUEST_TOKEN_TTL, "x".into());
        assert_eq!(elsewhere.verify(&good), Err(GuestTokenError::Audience));
        // A login token signed with the raw server secret is not a guest token.
        let login = crate::TokenService::new(
            b"secret",
            crate::DEFAULT_ACCESS_TTL,
            crate::DEFAULT_REFRESH_TTL,
        )
        .issue(1, crate::TokenType::Access, true);
        assert!(svc.verify(&login).is_err());
        assert_eq!(svc.verify("garbage"), Err(GuestTokenError::Malformed));
    }
}

//! HS256 access and refresh tokens compatible with Flask-JWT-Extended 4.7 (on PyJWT 2.10),
//! which is what Superset's `/api/v1/security/login` and `/refresh` hand out.
//!
//! Encoding and verification are done by hand rather than through a JWT library so that
//! the bytes on the wire (header key order, claim order) and the error messages for every
//! failure mode match what existing Superset clients have been written against.

use std::time::Duration;

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::keys::{hmac_sha256, verify_hmac};

/// PyJWT serialises the header with sorted keys, so this is byte-for-byte what it emits.
pub(crate) const HEADER_JSON: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// PyJWT re-pads segments before decoding and ignores stray low bits, so accept both
/// padded and unpadded input and non-canonical final symbols.
pub(crate) const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Superset's default `JWT_ACCESS_TOKEN_EXPIRES` (15 minutes).
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(900);
/// Superset's default `JWT_REFRESH_TOKEN_EXPIRES` (30 days).
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(2_592_000);

/// Which of the two token kinds an endpoint issues or accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// Short-lived bearer token for ordinary API calls.
    Access,
    /// Long-lived token accepted only by `/api/v1/security/refresh`.
    Refresh,
}

impl TokenType {
    /// The value of the `type` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// The JWT payload, in Flask-JWT-Extended's claim order (serde keeps field order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// True only for access tokens minted by a password login.
    pub fresh: bool,
    /// Issued-at, seconds since the epoch.
    pub iat: i64,
    /// Random UUIDv4; identifies the token for revocation.
    pub jti: String,
    /// `"access"` or `"refresh"`.
    pub r#type: String,
    /// The user id as a decimal string (PyJWT 2.10 rejects non-string subjects).
    pub sub: String,
    /// Not-before, equal to `iat`.
    pub nbf: i64,
    /// Random UUIDv4 for double-submit CSRF protection.
    pub csrf: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Why a token or `Authorization` header was refused. [`TokenError::status`] and
/// [`TokenError::msg`] give the exact response Flask-JWT-Extended would produce
/// (`{"msg": ...}` with that status). Messages never contain the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No (or an empty) `Authorization` header.
    #[error("Missing Authorization Header")]
    MissingHeader,
    /// The header has no single `Bearer <...>` field.
    #[error(
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
    )]
    NotBearer,
    /// `Bearer` followed by zero or several words.
    #[error("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")]
    BadHeader,
    /// `exp` is in the past (no leeway).
    #[error("Token has expired")]
    Expired,
    /// Fewer than three dot-separated segments.
    #[error("Not enough segments")]
    NotEnoughSegments,
    /// The header segment is not base64url.
    #[error("Invalid header padding")]
    InvalidHeaderPadding,
    /// The header segment is not a JSON object; carries the parser's reason.
    #[error("Invalid header string: {0}")]
    InvalidHeaderString(String),
    /// The payload segment is not base64url.
    #[error("Invalid payload padding")]
    InvalidPayloadPadding,
    /// The payload segment is not a JSON object; carries the parser's reason.
    #[error("Invalid payload string: {0}")]
    InvalidPayloadString(String),
    /// The signature segment is not base64url.
    #[error("Invalid crypto padding")]
    InvalidCryptoPadding,
    /// A `kid` header that is not a string.
    #[error("Key ID header parameter must be a string")]
    InvalidKeyId,
    /// The header has no `alg`.
    #[error("Algorithm not specified")]
    AlgorithmMissing,
    /// `alg` is anything but `HS256` (including `none`).
    #[error("The specified alg value is not allowed")]
    AlgorithmNotAllowed,
    /// The HMAC does not match.
    #[error("Signature verification failed")]
    InvalidSignature,
    /// `iat` is not an integer.
    #[error("Issued At claim (iat) must be an integer.")]
    IatNotInteger,
    /// `nbf` is not an integer.
    #[error("Not Before claim (nbf) must be an integer.")]
    NbfNotInteger,
    /// `exp` is not an integer.
    #[error("Expiration Time claim (exp) must be an integer.")]
    ExpNotInteger,
    /// `iat` or `nbf` (the field names which) lies in the future.
    #[error("The token is not yet valid ({0})")]
    NotYetValid(&'static str),
    /// `sub` is present but not a string.
    #[error("Subject must be a string")]
    SubjectNotString,
    /// `jti` is present but not a string.
    #[error("JWT ID must be a string")]
    JtiNotString,
    /// A claim Flask-JWT-Extended insists on (`sub`) is absent.
    #[error("Missing claim: {0}")]
    MissingClaim(&'static str),
    /// A refresh token was sent where an access token is required.
    #[error("Only non-refresh tokens are allowed")]
    RefreshNotAllowed,
    /// An access token was sent to the refresh endpoint.
    #[error("Only refresh tokens are allowed")]
    AccessNotAllowed,
    /// The token is valid but its subject is not a loadable user; carries the `sub`
    /// value. The API layer also uses this when the user id no longer exists.
    #[error("Error loading the user {0}")]
    UserLookup(String),
}

impl TokenError {
    /// HTTP status Flask-JWT-Extended answers with: 401 for missing credentials, expiry
    /// and unknown users, 422 for every token that is present but unusable.
    pub fn status(&self) -> u16 {
        match self {
            TokenError::MissingHeader
            | TokenError::NotBearer
            | TokenError::Expired
            | TokenError::UserLookup(_) => 401,
            _ => 422,
        }
    }

    /// The `msg` field of the JSON error body.
    pub fn msg(&self) -> String {
        self.to_string()
    }
}

/// Extracts the JWT from an `Authorization` header value the way Flask-JWT-Extended
/// does: the value may hold several comma-separated fields, exactly one of which must
/// be `Bearer <JWT>` (case-sensitive). Pass `""` when the header is absent.
pub fn bearer_token(authorization_header_value: &str) -> Result<&str, TokenError> {
    let value = authorization_header_value.trim().trim_matches(',');
    if value.is_empty() {
        return Err(TokenError::MissingHeader);
    }
    let mut bearer_fields = value
        .split(',')
        .map(str::trim_start)
        .filter(|field| field.split_whitespace().next() == Some("Bearer"));
    let (Some(field), None) = (bearer_fields.next(), bearer_fields.next()) else {
        return Err(TokenError::NotBearer);
    };
    let mut parts = field.split_whitespace().skip(1);
    match (parts.next(), parts.next()) {
        (Some(token), None) => Ok(token),
        _ => Err(TokenError::BadHeader),
    }
}

/// Issues and verifies tokens with one HS256 secret (Superset's `JWT_SECRET_KEY`, which
/// defaults to `SECRET_KEY`).
#[derive(Clone)]
pub struct TokenService {
    key: Vec<u8>,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("TokenService")
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// `secret` is used as the raw HMAC key, as Flask-JWT-Extended does, so tokens stay
    /// interchangeable with a Superset sharing the same secret.
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        TokenService {
            key: secret.to_vec(),
            access_ttl,
            refresh_ttl,
        }
    }

    /// Lifetime of access tokens.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Lifetime of refresh tokens.
    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    /// Mints a signed token for `user_id`. Login issues a fresh access token plus a
    /// non-fresh refresh token; `/security/refresh` issues a non-fresh access token.
    pub fn issue(&self, user_id: i64, kind: TokenType, fresh: bool) -> String {
        self.issue_at(user_id, kind, fresh, chrono::Utc::now().timestamp())
    }

    fn issue_at(&self, user_id: i64, kind: TokenType, fresh: bool, now: i64) -> String {
        let ttl = match kind {
            TokenType::Access => self.access_ttl,
            TokenType::Refresh => self.refresh_ttl,
        };
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            fresh,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            r#type: kind.as_str().to_owned(),
            sub: user_id.to_string(),
            nbf: now,
            csrf: uuid::Uuid::new_v4().to_string(),
            exp: now.saturating_add(ttl),
        };
        let payload = serde_json::to_vec(&claims).expect("claims always serialise");
        sign(&self.key, HEADER_JSON.as_bytes(), &payload)
    }

    /// Verifies signature, `iat`/`nbf`/`exp` (no leeway), `sub`/`jti` types and the
    /// token type for the endpoint, returning the claims. Absent optional claims get
    /// Flask-JWT-Extended's defaults (`type` "access", `fresh` false, empty strings).
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, TokenError> {
        let now = chrono::Utc::now().timestamp_micros() as f64 / 1e6;
        self.verify_at(token, expected, now)
    }

    /// [`TokenService::verify`], then parses `sub` as the numeric user id.
    pub fn user_id(&self, token: &str, expected: TokenType) -> Result<i64, TokenError> {
        let claims = self.verify(token, expected)?;
        claims
            .sub
            .trim()
            .parse()
            .map_err(|_| TokenError::UserLookup(claims.sub.clone()))
    }

    /// Checks run in the order PyJWT and Flask-JWT-Extended run them, so that a token
    /// with several faults reports the same one Superset would.
    fn verify_at(&self, token: &str, expected: TokenType, now: f64) -> Result<Claims, TokenError> {
        // PyJWT: rsplit once for the signature, then split once for header/payload.
        let (signing_input, crypto_segment) = token
            .rsplit_once('.')
            .ok_or(TokenError::NotEnoughSegments)?;
        let (header_segment, payload_segment) = signing_input
            .split_once('.')
            .ok_or(TokenError::NotEnoughSegments)?;

        let header_bytes = LENIENT_B64
            .decode(header_segment)
            .map_err(|_| TokenError::InvalidHeaderPadding)?;
        let header = json_object(&header_bytes).map_err(TokenError::InvalidHeaderString)?;
        let payload_bytes = LENIENT_B64
            .decode(payload_segment)
            .map_err(|_| TokenError::InvalidPayloadPadding)?;
        let signature = LENIENT_B64
            .decode(crypto_segment)
            .map_err(|_| TokenError::InvalidCryptoPadding)?;
        if header.get("kid").is_some_and(|kid| !kid.is_string()) {
            return Err(TokenError::InvalidKeyId);
        }
        // Flask-JWT-Extended decodes the payload unverified first (to pick the key), so a
        // non-JSON payload is reported before the algorithm or signature.
        let payload = json_object(&payload_bytes).map_err(TokenError::InvalidPayloadString)?;

        match header.get("alg") {
            None => return Err(TokenError::AlgorithmMissing),
            Some(Value::String(alg)) if alg == "HS256" => {}
            Some(_) => return Err(TokenError::AlgorithmNotAllowed),
        }
        if !verify_hmac(&self.key, signing_input.as_bytes(), &signature) {
            return Err(TokenError::InvalidSignature);
        }

        let iat = time_claim(&payload, "iat", TokenError::IatNotInteger)?;
        if iat.is_some_and(|iat| iat as f64 > now) {
            return Err(TokenError::NotYetValid("iat"));
        }
        let nbf = time_claim(&payload, "nbf", TokenError::NbfNotInteger)?;
        if nbf.is_some_and(|nbf| nbf as f64 > now) {
            return Err(TokenError::NotYetValid("nbf"));
        }
        let exp = time_claim(&payload, "exp", TokenError::ExpNotInteger)?;
        // Flask-JWT-Extended re-decodes an expired token with expiry checks off and only
        // reports expiry if that succeeds, so expiry ranks below the checks that follow.
        let expired = exp.is_some_and(|exp| exp as f64 <= now);

        let sub = match payload.get("sub") {
            None => None,
            Some(Value::String(sub)) => Some(sub.clone()),
            Some(_) => return Err(TokenError::SubjectNotString),
        };
        let jti = match payload.get("jti") {
            None => String::new(),
            Some(Value::String(jti)) => jti.clone(),
            Some(_) => return Err(TokenError::JtiNotString),
        };
        let sub = sub.ok_or(TokenError::MissingClaim("sub"))?;
        if expired {
            return Err(TokenError::Expired);
        }

        // A missing `type` counts as "access"; any other value passes both checks.
        let kind = payload
            .get("type")
            .cloned()
            .unwrap_or_else(|| "access".into());
        match expected {
            TokenType::Access if kind == "refresh" => return Err(TokenError::RefreshNotAllowed),
            TokenType::Refresh if kind == "access" => return Err(TokenError::AccessNotAllowed),
            _ => {}
        }

        Ok(Claims {
            fresh: payload
                .get("fresh")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            iat: iat.unwrap_or(0),
            jti,
            r#type: match kind {
                Value::String(kind) => kind,
                other => other.to_string(),
            },
            sub,
            nbf: nbf.unwrap_or(0),
            csrf: payload
                .get("csrf")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            exp: exp.unwrap_or(0),
        })
    }
}

/// `b64(header).b64(payload).b64(HMAC-SHA256(key, first two segments))`.
pub(crate) fn sign(key: &[u8], header: &[u8], payload: &[u8]) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = hmac_sha256(key, token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// Parses a JSON object, describing the failure like PyJWT's `... string: <reason>`.
fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("must be a json object".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Reads a NumericDate claim the way Python's `int()` would: integers, floats
/// (truncated), booleans and decimal strings; anything else is `not_integer`.
fn time_claim(
    payload: &Map<String, Value>,
    name: &str,
    not_integer: TokenError,
) -> Result<Option<i64>, TokenError> {
    let Some(value) = payload.get(name) else {
        return Ok(None);
    };
    let parsed = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.0e18)
                .map(|f| f.trunc() as i64)
        }),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.map(Some).ok_or(not_integer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret-key";

    fn service() -> TokenService {
        TokenService::new(SECRET, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL)
    }

    fn b64_json(segment: &str) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
    }

    /// Signs an arbitrary payload with the standard header.
    fn sign_value(svc: &TokenService, payload: &Value) -> String {
        super::sign(
            &svc.key,
            HEADER_JSON.as_bytes(),
            payload.to_string().as_bytes(),
        )
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn err(svc: &TokenService, token: &str, expected: TokenType) -> (u16, String) {
        let e = svc.verify(token, expected).unwrap_err();
        (e.status(), e.msg())
    }

    #[test]
    fn round_trip_with_flask_claim_order() {
        let svc = service();
        let token = svc.issue(42, TokenType::Access, true);
        let segments: Vec<&str> = token.split('.').collect();
        assert_eq!(segments.len(), 3);

        let header = URL_SAFE_NO_PAD.decode(segments[0]).unwrap();
        assert_eq!(header, br#"{"alg":"HS256","typ":"JWT"}"#);

        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(segments[1]).unwrap()).unwrap();
        // serde_json's Map sorts keys, so check the order in the raw text.
        let positions: Vec<usize> = ["fresh", "iat", "jti", "type", "sub", "nbf", "csrf", "exp"]
            .iter()
            .map(|k| payload.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{payload}");

        let value = b64_json(segments[1]);
        assert_eq!(value["sub"], "42");
        assert_eq!(value["type"], "access");
        assert_eq!(value["fresh"], true);
        assert_eq!(value["iat"], value["nbf"]);
        let jti = value["jti"].as_str().unwrap();
        let csrf = value["csrf"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(jti).unwrap().get_version_num(), 4);
        assert_eq!(uuid::Uuid::parse_str(csrf).unwrap().get_version_num(), 4);
        assert_ne!(jti, csrf);
        assert_eq!(
            value.as_object().unwrap().len(),
            8,
            "no extra claims: {payload}"
        );

        assert_eq!(svc.user_id(&token, TokenType::Access), Ok(42));
        let claims = svc.verify(&token, TokenType::Access).unwrap();
        assert_eq!(claims.sub, "42");
        assert!(claims.fresh);
        assert_eq!(claims.jti, jti);
    }

    #[test]
    fn exp_minus_iat_is_ttl() {
        let svc = TokenService::new(
            SECRET,
            Duration::from_secs(900),
            Duration::from_secs(2_592_000),
        );
        for (kind, ttl) in [(TokenType::Access, 900), (TokenType::Refresh, 2_592_000)] {
            let token = svc.issue(1, kind, false);
            let claims = svc.verify(&token, kind).unwrap();
            assert_eq!(claims.exp - claims.iat, ttl);
            assert_eq!(claims.r#type, kind.as_str());
        }
        let refresh = svc.verify(&svc.issue(1, TokenType::Refresh, false), TokenType::Refresh);
        assert!(!refresh.unwrap().fresh);
    }

    #[test]
    fn expired_token_is_401() {
        let svc = service();
        let token = svc.issue_at(7, TokenType::Access, true, now() - 1000);
        assert_eq!(
            err(&svc, &token, TokenType::Access),
            (401, "Token has expired".into())
        );
        // exp == now counts as expired (PyJWT compares with <=).
        let zero = TokenService::new(SECRET, Duration::ZERO, Duration::ZERO);
        let token = zero.issue_at(7, TokenType::Access, true, now());
        assert_eq!(
            zero.verify(&token, TokenType::Access),
            Err(TokenError::Expired)
        );
        // Expiry outranks the token-type check, as in Flask-JWT-Extended.
        let token = svc.issue_at(7, TokenType::Refresh, false, now() - 3_000_000);
        assert_eq!(
            svc.verify(&token, TokenType::Access),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn tampered_signature_is_422() {
        let svc = service();
        let token = svc.issue(1, TokenType::Access, true);
        let (rest, sig) = token.rsplit_once('.').unwrap();
        let mut sig_bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        sig_bytes[0] ^= 1;
        let tampered = format!("{rest}.{}", URL_SAFE_NO_PAD.encode(sig_bytes));
        assert_eq!(
            err(&svc, &tampered, TokenType::Access),
            (422, "Signature verification failed".into())
        );

        // Changing the payload also breaks the signature.
        let (header, _) = rest.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"1","type":"access"}"#);
        let forged = format!("{header}.{forged_payload}.{sig}");
        assert_eq!(
            svc.verify(&forged, TokenType::Access),
            Err(TokenError::InvalidSignature)
        );

        // A different secret does not verify.
        let other = TokenService::new(b"other", DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL);
        assert_eq!(
            other.verify(&token, TokenType::Access),
            Err(TokenError::InvalidSignature)
        );
    }

    #[test]
    fn wrong_token_type_messages() {
        let svc = service();
        let refresh = svc.issue(1, TokenType::Refresh, false);
        let access = svc.issue(1, TokenType::Access, true);
        assert_eq!(
            err(&svc, &refresh, TokenType::Access),
            (422, "Only non-refresh tokens are allowed".into())
        );
        assert_eq!(
            err(&svc, &access, TokenType::Refresh),
            (422, "Only refresh tokens are allowed".into())
        );
        assert_eq!(svc.user_id(&refresh, TokenType::Refresh), Ok(1));
    }

    #[test]
    fn missing_type_defaults_to_access() {
        let svc = service();
        let t = now();
        let token = sign_value(
            &svc,
            &serde_json::json!({"sub": "5", "iat": t, "exp": t + 60}),
        );
        assert_eq!(svc.user_id(&token, TokenType::Access), Ok(5));
        assert_eq!(
            svc.verify(&token, TokenType::Refresh),
            Err(TokenError::AccessNotAllowed)
        );
    }

    #[test]
    fn integer_sub_and_missing_sub() {
        let svc = service();
        let t = now();
        let int_sub = sign_value(
            &svc,
            &serde_json::json!({"fresh": true, "iat": t, "type": "access", "sub": 1, "exp": t + 60}),
        );
        assert_eq!(
            err(&svc, &int_sub, TokenType::Access),
            (422, "Subject must be a string".into())
        );
        // Even when expired, the subject error wins (Flask re-decodes without expiry).
        let int_sub_expired = sign_value(
            &svc,
            &serde_json::json!({"iat": t - 100, "type": "access", "sub": 1, "exp": t - 10}),
        );
        assert_eq!(
            svc.verify(&int_sub_expired, TokenType::Access),
            Err(TokenError::SubjectNotString)
        );

        let no_sub = sign_value(&svc, &serde_json::json!({"iat": t, "exp": t + 60}));
        assert_eq!(
            err(&svc, &no_sub, TokenType::Access),
            (422, "Missing claim: sub".into())
        );

        let bad_jti = sign_value(
            &svc,
            &serde_json::json!({"sub": "1", "jti": 3, "exp": t + 60}),
        );
        assert_eq!(
            svc.verify(&bad_jti, TokenType::Access),
            Err(TokenError::JtiNotString)
        );

        let non_numeric = sign_value(&svc, &serde_json::json!({"sub": "bob", "exp": t + 60}));
        assert_eq!(
            svc.user_id(&non_numeric, TokenType::Access),
            Err(TokenError::UserLookup("bob".into()))
        );
        assert_eq!(TokenError::UserLookup("bob".into()).status(), 401);
    }

    #[test]
    fn time_claim_checks() {
        let svc = service();
        let t = now();
        let future_nbf = sign_value(
            &svc,
            &serde_json::json!({"sub": "1", "nbf": t + 600, "exp": t + 900}),
        );
        assert_eq!(
            err(&svc, &future_nbf, TokenType::Access),
            (422, "The token is not yet valid (nbf)".into())
        );
        let future_iat = sign_value(&svc, &serde_json::json!({"sub": "1", "iat": t + 600}));
        assert_eq!(
            svc.verify(&future_iat, TokenType::Access),
            Err(TokenError::NotYetValid("iat"))
        );
        let bad_exp = sign_value(&svc, &serde_json::json!({"sub": "1", "exp": "soon"}));
        assert_eq!(
            err(&svc, &bad_exp, TokenType::Access),
            (
                422,
                "Expiration Time claim (exp) must be an integer.".into()
            )
        );
        let float_exp = sign_value(
            &svc,
            &serde_json::json!({"sub": "1", "exp": (t + 60) as f64 + 0.5}),
        );
        assert_eq!(svc.user_id(&float_exp, TokenType::Access), Ok(1));
    }

    #[test]
    fn alg_none_and_other_algs_refused() {
        let svc = service();
        let t = now();
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"1","exp":{}}}"#, t + 60));
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512","typ":"JWT"}"#,
            r#"{"alg":"hs256","typ":"JWT"}"#,
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"alg":null}"#,
        ] {
            let h = URL_SAFE_NO_PAD.encode(header);
            for token in [format!("{h}.{payload}."), format!("{h}.{payload}.c2ln")] {
                assert_eq!(
                    err(&svc, &token, TokenType::Access),
                    (422, "The specified alg value is not allowed".into()),
                    "{header}"
                );
            }
        }
        // Even an HS256-valid MAC under a forged alg header is refused.
        let forged = super::sign(
            &svc.key,
            br#"{"alg":"none","typ":"JWT"}"#,
            br#"{"sub":"1"}"#,
        );
        assert_eq!(
            svc.verify(&forged, TokenType::Access),
            Err(TokenError::AlgorithmNotAllowed)
        );
        let no_alg = super::sign(&svc.key, br#"{"typ":"JWT"}"#, br#"{"sub":"1"}"#);
        assert_eq!(
            err(&svc, &no_alg, TokenType::Access),
            (422, "Algorithm not specified".into())
        );
    }

    #[test]
    fn garbage_is_422_and_never_echoed() {
        let svc = service();
        let good = svc.issue(1, TokenType::Access, true);
        let mut parts = good.split('.');
        let (h, p, _) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "Not enough segments"),
            ("garbage".into(), "Not enough segments"),
            ("a.b".into(), "Not enough segments"),
            (
                "...".into(),
                "Invalid header string: EOF while parsing a value at line 1 column 0",
            ),
            ("a.b.c".into(), "Invalid header padding"),
            ("!!!!.b.c".into(), "Invalid header padding"),
            ("é.b.c".into(), "Invalid header padding"),
            (format!("{h}.x.c"), "Invalid payload padding"),
            (format!("{h}.{p}.x"), "Invalid crypto padding"),
            (format!("{h}.{p}.{p}.{p}"), "Invalid payload padding"),
            (
                format!("{}.{p}.c2ln", URL_SAFE_NO_PAD.encode("[1]")),
                "Invalid header string: must be a json object",
            ),
            (
                format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode("\"x\"")),
                "Invalid payload string: must be a json object",
            ),
            (format!("{h}.{p}.c2ln"), "Signature verification failed"),
        ];
        for (token, msg) in cases {
            let e = svc.verify(&token, TokenType::Access).unwrap_err();
            assert_eq!(e.status(), 422, "{token}");
            assert_eq!(e.msg(), msg, "{token}");
            if token.len() > 3 {
                assert!(!e.msg().contains(&token));
            }
        }
        // Arbitrary bytes never panic.
        for s in [
            "\u{0}.\u{0}.\u{0}",
            "....",
            ".a.",
            "=.=.=",
            "a=b.c=d.e=f",
            "\u{1F600}.\u{1F600}.x",
        ] {
            assert!(svc.verify(s, TokenType::Refresh).is_err());
        }
    }

    #[test]
    fn padded_segments_are_accepted() {
        let svc = service();
        let t = now();
        let header = base64::engine::general_purpose::URL_SAFE.encode(HEADER_JSON);
        let payload = base64::engine::general_purpose::URL_SAFE
            .encode(format!(r#"{{"sub":"9","exp":{}}}"#, t + 60));
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(SECRET, input.as_bytes()));
        assert_eq!(
            svc.user_id(&format!("{input}.{sig}"), TokenType::Access),
            Ok(9)
        );
    }

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(bearer_token("  Bearer   tok  "), Ok("tok"));
        assert_eq!(bearer_token("Basic xyz, Bearer tok"), Ok("tok"));
        assert_eq!(bearer_token(""), Err(TokenError::MissingHeader));
        assert_eq!(bearer_token("  , "), Err(TokenError::MissingHeader));
        assert_eq!(bearer_token("Basic xyz"), Err(TokenError::NotBearer));
        assert_eq!(bearer_token("bearer tok"), Err(TokenError::NotBearer));
        assert_eq!(bearer_token("tok"), Err(TokenError::NotBearer));
        assert_eq!(
            bearer_token("Bearer a, Bearer b"),
            Err(TokenError::NotBearer)
        );
        assert_eq!(bearer_token("Bearer"), Err(TokenError::BadHeader));
        assert_eq!(bearer_token("Bearer a b"), Err(TokenError::BadHeader));
        assert_eq!(TokenError::MissingHeader.status(), 401);
        assert_eq!(
            TokenError::MissingHeader.msg(),
            "Missing Authorization Header"
        );
        assert_eq!(TokenError::NotBearer.status(), 401);
        assert_eq!(
            TokenError::NotBearer.msg(),
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
        );
        assert_eq!(TokenError::BadHeader.status(), 422);
    }

    #[test]
    fn debug_hides_secret() {
        let dbg = format!("{:?}", service());
        assert!(!dbg.contains("test-secret-key"));
    }
}

//! Failed-login throttling, per username and per client address: after `attempts`
//! failures within `window`, every login for that user or from that address is refused
//! with 429 until the oldest failure leaves the window. Only failures count, so people
//! who type their password right are not slowed by their own logins.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `attempts` failed logins per `window`; `None` turns throttling off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    pub attempts: usize,
    pub window: Duration,
}

impl LoginLimit {
    /// Parses the `limits` notation Superset's `AUTH_RATE_LIMIT` uses, e.g. `5 per
    /// second`, `10 per 5 minutes`.
    pub fn parse(text: &str) -> Option<LoginLimit> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (attempts, count, unit) = match words.as_slice() {
            [n, "per", unit] => (n, "1", unit),
            [n, "per", count, unit] => (n, *count, unit),
            _ => return None,
        };
        let seconds = match unit.trim_end_matches('s') {
            "second" => 1,
            "minute" => 60,
            "hour" => 3_600,
            "day" => 86_400,
            _ => return None,
        };
        let count: u64 = count.parse().ok().filter(|c| *c > 0)?;
        Some(LoginLimit {
            attempts: attempts.parse().ok().filter(|a| *a > 0)?,
            window: Duration::from_secs(count * seconds),
        })
    }
}

#[derive(Default)]
pub struct LoginLimiter {
    limit: Option<LoginLimit>,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys kept before stale ones are swept, so a flood of usernames cannot grow the map
/// without bound.
const SWEEP_AT: usize = 10_000;

impl LoginLimiter {
    pub fn new(limit: Option<LoginLimit>) -> Self {
        LoginLimiter {
            limit,
            failures: Mutex::default(),
        }
    }

    /// Refuses the attempt when the user or the address is over the limit.
    pub fn check(&self, username: &str, address: Option<IpAddr>) -> Result<(), ApiError> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        for key in keys(username, address) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < limit.window);
                if times.len() >= limit.attempts {
                    return Err(ApiError::Message(
                        StatusCode::TOO_MANY_REQUESTS,
                        json!("Too many failed login attempts, try again later"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, username: &str, address: Option<IpAddr>) {
        let Some(limit) = self.limit else {
            return;
        };
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < limit.window)
            });
        }
        for key in keys(username, address) {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            while times.len() > limit.attempts {
                times.pop_front();
            }
        }
    }
}

fn keys(username: &str, address: Option<IpAddr>) -> impl Iterator<Item = String> {
    std::iter::once(format!("user:{username}")).chain(address.map(|a| format!("addr:{a}")))
}

/// The peer address of the connection, when the server recorded it.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_superset_notation() {
        assert_eq!(
            LoginLimit::parse("5 per second"),
            Some(LoginLimit {
                attempts: 5,
                window: Duration::from_secs(1)
            })
        );
        assert_eq!(
            LoginLimit::parse("10 per 5 minutes"),
            Some(LoginLimit {
                attempts: 10,
                window: Duration::from_secs(300)
            })
        );
        assert_eq!(LoginLimit::parse("off"), None);
        assert_eq!(LoginLimit::parse("0 per second"), None);
    }

    #[test]
    fn throttles_a_user_and_an_address_after_failures() {
        let limiter = LoginLimiter::new(LoginLimit::parse("2 per minute"));
        let here: Option<IpAddr> = Some([10, 0, 0, 1].into());
        let there: Option<IpAddr> = Some([10, 0, 0, 2].into());
        limiter.record_failure("admin", here);
        assert!(limiter.check("admin", there).is_ok());
        limiter.record_failure("admin", there);
        // The user is over the limit from anywhere; each address only for that user.
        assert!(limiter.check("admin", None).is_err());
        assert!(limiter.check("alice", here).is_ok());
        limiter.record_failure("bob", here);
        assert!(limiter.check("carol", here).is_err());
    }
}

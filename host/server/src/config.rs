//! Configuration: defaults, then an optional TOML file, then `TESSERA_*` environment
//! variables (scripts and operators rely on these names).

use anyhow::{Context, Result};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tessera_api::LoginLimit;
use tessera_auth::GuestTokenService;
use tessera_engine::{EngineConfig, RowLimits};
use tessera_plugin_host::{Limits, PluginConfig};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `TESSERA_LISTEN`: address:port to serve on.
    pub listen: SocketAddr,
    /// `TESSERA_DATA_DIR`: where the SQLite metadata and the generated secret live.
    pub data_dir: PathBuf,
    /// `TESSERA_METADATA_URL`: `sqlite://...` or `postgres://...`; SQLite in the data
    /// directory when unset.
    pub metadata_url: Option<String>,
    /// `TESSERA_SECRET_KEY`: signs tokens, sessions and CSRF tokens; generated and kept in
    /// the data directory when unset.
    pub secret_key: Option<String>,
    /// `TESSERA_ADMIN_PASSWORD`: the first `admin` user's password; generated and printed
    /// once when unset.
    pub admin_password: Option<String>,
    /// `TESSERA_ACCESS_TOKEN_TTL`: seconds an access token lives (Superset: 900).
    pub access_token_ttl: u64,
    /// `TESSERA_REFRESH_TOKEN_TTL`: seconds a refresh token lives (Superset: 30 days).
    pub refresh_token_ttl: u64,
    /// `TESSERA_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `TESSERA_PLUGIN_DIR`: a directory of extra plugin components (`*.wasm`).
    pub plugin_dir: Option<PathBuf>,
    /// `TESSERA_PLUGIN_CACHE_DIR`: where compiled plugins are kept; `plugin-cache` in
    /// the data directory when unset.
    pub plugin_cache_dir: Option<PathBuf>,
    /// `TESSERA_PLUGIN_MEMORY_MB`: the most memory one plugin call may use.
    pub plugin_memory_mb: usize,
    /// `TESSERA_PLUGIN_TIMEOUT`: seconds one plugin session may run.
    pub plugin_timeout: u64,
    /// `TESSERA_CACHE_REDIS_URL`: keep query results in this Redis (shared by every
    /// process) instead of in process.
    pub cache_redis_url: Option<String>,
    /// `TESSERA_CACHE_DEFAULT_TIMEOUT`: seconds a result stays cached when neither the
    /// chart, the dataset nor the database says (Superset's `CACHE_DEFAULT_TIMEOUT`).
    pub cache_default_timeout: u64,
    /// `TESSERA_ROW_LIMIT`: rows a chart query returns when it gives no limit.
    pub row_limit: u64,
    /// `TESSERA_SQL_MAX_ROW`: the most rows any query may ask for.
    pub sql_max_row: u64,
    /// `TESSERA_GUEST_TOKEN_SECRET`: signs guest tokens (Superset's
    /// `GUEST_TOKEN_JWT_SECRET`); derived from the secret key when unset.
    pub guest_token_secret: Option<String>,
    /// `TESSERA_GUEST_TOKEN_TTL`: seconds a guest token lives (Superset: 300).
    pub guest_token_ttl: u64,
    /// `TESSERA_GUEST_TOKEN_AUDIENCE`: the `aud` guest tokens carry and must carry.
    pub guest_token_audience: String,
    /// `TESSERA_GUEST_ROLE`: the role whose permissions guests act with (Superset's
    /// `GUEST_ROLE_NAME`); `Public`, which may do nothing, unless set.
    pub guest_role: String,
    /// `TESSERA_LOGIN_RATE_LIMIT`: failed logins allowed per user and per address, in
    /// Superset's `AUTH_RATE_LIMIT` notation (`5 per minute`); `off` allows any number.
    pub login_rate_limit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8088)),
            data_dir: PathBuf::from("data"),
            metadata_url: None,
            secret_key: None,
            admin_password: None,
            access_token_ttl: 900,
            refresh_token_ttl: 2_592_000,
            log_format: LogFormat::Text,
            plugin_dir: None,
            plugin_cache_dir: None,
            plugin_memory_mb: 512,
            plugin_timeout: 300,
            cache_redis_url: None,
            cache_default_timeout: 86_400,
            row_limit: 50_000,
            sql_max_row: 100_000,
            guest_token_secret: None,
            guest_token_ttl: 300,
            guest_token_audience: "superset".into(),
            guest_role: "Public".into(),
            login_rate_limit: "5 per minute".into(),
        }
    }
}

impl Config {
    /// Defaults, overlaid by `file` (if any), overlaid by the environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = var("TESSERA_LISTEN") {
            self.listen = v
                .parse()
                .with_context(|| format!("TESSERA_LISTEN={v} is not address:port"))?;
        }
        if let Some(v) = var("TESSERA_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("TESSERA_METADATA_URL") {
            self.metadata_url = Some(v);
        }
        if let Some(v) = var("TESSERA_SECRET_KEY") {
            self.secret_key = Some(v);
        }
        if let Some(v) = var("TESSERA_ADMIN_PASSWORD") {
            self.admin_password = Some(v);
        }
        if let Some(v) = var("TESSERA_ACCESS_TOKEN_TTL") {
            self.access_token_ttl = v
                .parse()
                .context("TESSERA_ACCESS_TOKEN_TTL must be seconds")?;
        }
        if let Some(v) = var("TESSERA_REFRESH_TOKEN_TTL") {
            self.refresh_token_ttl = v
                .parse()
                .context("TESSERA_REFRESH_TOKEN_TTL must be seconds")?;
        }
        if let Some(v) = var("TESSERA_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                other => anyhow::bail!("TESSERA_LOG_FORMAT={other}: expected text or json"),
            };
        }
        if let Some(v) = var("TESSERA_PLUGIN_DIR") {
            self.plugin_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = var("TESSERA_PLUGIN_CACHE_DIR") {
            self.plugin_cache_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = var("TESSERA_PLUGIN_MEMORY_MB") {
            self.plugin_memory_mb = v
                .parse()
                .context("TESSERA_PLUGIN_MEMORY_MB must be a number of MiB")?;
        }
        if let Some(v) = var("TESSERA_PLUGIN_TIMEOUT") {
            self.plugin_timeout = v
                .parse()
                .context("TESSERA_PLUGIN_TIMEOUT must be seconds")?;
        }
        if let Some(v) = var("TESSERA_GUEST_TOKEN_SECRET") {
            self.guest_token_secret = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = var("TESSERA_GUEST_TOKEN_AUDIENCE") {
            self.guest_token_audience = v;
        }
        if let Some(v) = var("TESSERA_LOGIN_RATE_LIMIT") {
            self.login_rate_limit = v;
        }
        if let Some(v) = var("TESSERA_GUEST_ROLE") {
            self.guest_role = v;
        }
        if let Some(v) = var("TESSERA_CACHE_REDIS_URL") {
            self.cache_redis_url = Some(v).filter(|v| !v.is_empty());
        }
        for (name, field) in [
            (
                "TESSERA_CACHE_DEFAULT_TIMEOUT",
                &mut self.cache_default_timeout,
            ),
            ("TESSERA_ROW_LIMIT", &mut self.row_limit),
            ("TESSERA_SQL_MAX_ROW", &mut self.sql_max_row),
            ("TESSERA_GUEST_TOKEN_TTL", &mut self.guest_token_ttl),
        ] {
            if let Some(v) = var(name) {
                *field = v
                    .parse()
                    .with_context(|| format!("{name} must be a number"))?;
            }
        }
        Ok(())
    }

    /// How queries are limited and their results cached.
    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            limits: RowLimits {
                default: self.row_limit.min(self.sql_max_row),
                samples: 1_000.min(self.sql_max_row),
                max: self.sql_max_row,
            },
            redis_url: self.cache_redis_url.clone(),
            default_cache_timeout: Duration::from_secs(self.cache_default_timeout),
            ..EngineConfig::default()
        }
    }

    /// How plugins are found, cached and limited.
    pub fn plugins(&self) -> PluginConfig {
        PluginConfig {
            plugin_dir: self.plugin_dir.clone(),
            cache_dir: self
                .plugin_cache_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("plugin-cache")),
            limits: Limits {
                memory_bytes: self.plugin_memory_mb << 20,
                timeout: Duration::from_secs(self.plugin_timeout),
            },
        }
    }

    pub fn metadata_url(&self) -> String {
        self.metadata_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("tessera.db").display()))
    }

    pub fn access_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl)
    }

    pub fn refresh_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl)
    }

    /// The failed-login limit; an error names a value that is neither a limit nor `off`.
    pub fn login_limit(&self) -> Result<Option<LoginLimit>> {
        match self.login_rate_limit.trim() {
            "off" | "" => Ok(None),
            text => LoginLimit::parse(text).map(Some).with_context(|| {
                format!("TESSERA_LOGIN_RATE_LIMIT={text}: expected e.g. `5 per minute` or `off`")
            }),
        }
    }

    /// Signs and checks guest tokens; `secret` is the server's secret key.
    pub fn guest_tokens(&self, secret: &str) -> GuestTokenService {
        GuestTokenService::new(
            self.guest_token_secret.as_deref().map(str::as_bytes),
            secret.as_bytes(),
            Duration::from_secs(self.guest_token_ttl),
            self.guest_token_audience.clone(),
        )
    }

    /// The configured secret, or the one kept in the data directory (made on first use).
    pub fn secret(&self) -> Result<String> {
        if let Some(key) = &self.secret_key {
            return Ok(key.clone());
        }
        let path = self.data_dir.join("secret_key");
        if let Ok(key) = std::fs::read_to_string(&path) {
            return Ok(key.trim().to_string());
        }
        let key: String = {
            use rand::Rng;
            let bytes: [u8; 32] = rand::thread_rng().r#gen();
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        };
        std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
        restrict_permissions(&path);
        Ok(key)
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let mut config = Config::default();
        let env = |name: &str| match name {
            "TESSERA_LISTEN" => Some("127.0.0.1:9000".to_string()),
            "TESSERA_ACCESS_TOKEN_TTL" => Some("60".to_string()),
            "TESSERA_LOG_FORMAT" => Some("json".to_string()),
            _ => None,
        };
        config.apply_env(env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.access_ttl(), Duration::from_secs(60));
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(config.metadata_url().starts_with("sqlite://"));
    }

    #[test]
    fn bad_values_are_refused() {
        let mut config = Config::default();
        assert!(
            config
                .apply_env(|n| (n == "TESSERA_LISTEN").then(|| "nope".into()))
                .is_err()
        );
    }
}

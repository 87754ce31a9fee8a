//! Wiring: configuration -> metadata store -> services -> HTTP server. The binary in
//! `main.rs` and the black-box tests both start Tessera through [`Server`].

pub mod config;
pub mod examples;

pub use config::{Config, LogFormat};

use anyhow::{Context, Result};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tessera_api::{AppState, LoginLimiter, Services};
use tessera_auth::{
    CsrfSigner, SessionSigner, TokenService, builtin_roles, generate_password, hash_password,
};
use tessera_engine::Engine;
use tessera_plugin_host::PluginHost;
use tessera_store::{NewUser, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

/// Connects to the metadata store and brings its schema and built-in roles up to date.
pub async fn open_store(config: &Config) -> Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store = Store::connect(&config.metadata_url()).await?;
    store.migrate().await?;
    store.ensure_roles(&builtin_roles()).await?;
    Ok(store)
}

/// Creates the `admin` user on a store without users. Returns the generated password
/// when none was configured, so the caller can show it once.
pub async fn ensure_admin(store: &Store, config: &Config) -> Result<Option<String>> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let (password, generated) = match &config.admin_password {
        Some(p) => (p.clone(), false),
        None => (generate_password(), true),
    };
    let hash = hash_password(&password)?;
    let created = store
        .create_user(&NewUser {
            username: "admin",
            first_name: "Admin",
            last_name: "User",
            email: "admin@example.com",
            password_hash: &hash,
            roles: &["Admin"],
        })
        .await;
    match created {
        Ok(_) => Ok(generated.then_some(password)),
        // Another process sharing the store created it first.
        Err(tessera_store::StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every server).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|_| handle)
        })
        .clone()
}

/// A running server: its address, and a handle to stop it gracefully.
pub struct Server {
    pub addr: SocketAddr,
    pub store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Opens the store, makes sure an admin exists and starts serving on `config.listen`
    /// (port 0 picks a free one).
    pub async fn start(config: &Config) -> Result<Server> {
        let store = open_store(config).await?;
        if let Some(password) = ensure_admin(&store, config).await? {
            println!("Created user admin with password: {password}");
        }
        let secret = config.secret()?;
        let plugins = PluginHost::load(&config.plugins())
            .await
            .context("loading plugins")?;
        for rejected in plugins.rejected() {
            tracing::warn!(path = %rejected.path.display(), reason = %rejected.reason, "plugin not loaded");
        }
        let state = AppState::new(Services {
            store: store.clone(),
            tokens: TokenService::new(secret.as_bytes(), config.access_ttl(), config.refresh_ttl()),
            sessions: SessionSigner::new(secret.as_bytes()),
            csrf: CsrfSigner::new(secret.as_bytes()),
            guests: config.guest_tokens(&secret),
            guest_role: config.guest_role.clone(),
            metrics: metrics_handle(),
            identities: Default::default(),
            login_limiter: LoginLimiter::new(config.login_limit()?),
            plugins: Arc::new(plugins),
            engine: Arc::new(Engine::new(config.engine()).await?),
        });
        // Superset clients use both `/chart/` and `/chart`; serve both by trimming.
        let app = NormalizePathLayer::trim_trailing_slash().layer(tessera_api::app(state));
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        // The peer address feeds the failed-login limit.
        let service =
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                std::net::SocketAddr,
            >(app);
        let task = tokio::spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "serving");
        Ok(Server {
            addr,
            store,
            stop: Some(stop),
            task,
        })
    }

    /// Stops accepting connections, lets in-flight requests finish, closes the store.
    pub async fn shutdown(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await??;
        self.store.close().await;
        Ok(())
    }

    /// Runs until the task ends (Ctrl-C handling lives in `main`).
    pub async fn wait(&mut self) -> Result<()> {
        (&mut self.task).await??;
        Ok(())
    }

    pub fn stop_handle(&mut self) -> Option<oneshot::Sender<()>> {
        self.stop.take()
    }
}

//! What every handler shares.

use crate::login_limit::LoginLimiter;
use crate::principal::IdentityCache;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tessera_auth::{CsrfSigner, GuestTokenService, SessionSigner, TokenService};
use tessera_engine::Engine;
use tessera_plugin_host::PluginHost;
use tessera_store::Store;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub store: Store,
    pub tokens: TokenService,
    pub sessions: SessionSigner,
    pub csrf: CsrfSigner,
    pub guests: GuestTokenService,
    /// The role whose permissions guests act with.
    pub guest_role: String,
    pub metrics: Option<PrometheusHandle>,
    pub identities: IdentityCache,
    pub login_limiter: LoginLimiter,
    pub plugins: Arc<PluginHost>,
    pub engine: Arc<Engine>,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

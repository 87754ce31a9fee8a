//! Finding, checking and loading plugins: the first-party ones embedded at build time
//! and any found in the configured plugin directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::PluginError;
use crate::connector::Connector;
use crate::exporter::Exporter;
use crate::runtime::{ComponentCache, new_engine};
use crate::sandbox::{CallState, Limits};

mod first_party {
    include!(concat!(env!("OUT_DIR"), "/first_party.rs"));
}

/// Where the build put every component of `plugins/`, fixtures included (tests load
/// extra plugins from here).
pub const BUILT_PLUGINS_DIR: &str = first_party::BUILT_PLUGINS_DIR;

/// The WIT interfaces, with versions, this host implements.
const CONNECTOR_EXPORT: &str = "tessera:connector/connector@0.1.0";
const EXPORTER_EXPORT: &str = "tessera:exporter/exporter@0.1.0";

/// How plugins are found and run.
#[derive(Debug, Clone)]
pub struct PluginConfig {
    /// A directory of extra `.wasm` components, loaded at start.
    pub plugin_dir: Option<PathBuf>,
    /// Where compiled components are cached between runs.
    pub cache_dir: PathBuf,
    pub limits: Limits,
}

/// A plugin from the plugin directory that was not loaded, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub path: PathBuf,
    pub reason: String,
}

/// Every loaded plugin, ready to run.
pub struct PluginHost {
    connectors: Vec<Arc<Connector>>,
    exporters: Vec<Arc<Exporter>>,
    rejected: Vec<Rejected>,
}

enum Plugin {
    Connector(Connector),
    Exporter(Exporter),
}

impl PluginHost {
    /// Loads the first-party plugins (a failure there is fatal: the build is broken)
    /// and those in the plugin directory (a failure there is logged and skipped).
    pub async fn load(config: &PluginConfig) -> Result<Self, PluginError> {
        let engine = new_engine()?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| PluginError::Engine(e.to_string()))?;
        let cache = Arc::new(ComponentCache::new(&config.cache_dir));
        let mut host = Self {
            connectors: Vec::new(),
            exporters: Vec::new(),
            rejected: Vec::new(),
        };
        for (name, wasm) in first_party::PLUGINS {
            let plugin = load_one(&engine, &linker, &cache, wasm.to_vec(), config.limits)
                .await
                .map_err(|reason| {
                    PluginError::Engine(format!("first-party plugin {name}: {reason}"))
                })?;
            host.add(plugin).map_err(PluginError::Engine)?;
        }
        if let Some(dir) = &config.plugin_dir {
            for path in wasm_files(dir)? {
                let outcome = match std::fs::read(&path) {
                    Ok(wasm) => load_one(&engine, &linker, &cache, wasm, config.limits).await,
                    Err(err) => Err(err.to_string()),
                };
                match outcome.and_then(|plugin| host.add(plugin)) {
                    Ok(name) => {
                        tracing::info!(path = %path.display(), plugin = name, "loaded plugin")
                    }
                    Err(reason) => {
                        tracing::warn!(path = %path.display(), %reason, "skipped plugin");
                        host.rejected.push(Rejected { path, reason });
                    }
                }
            }
        }
        Ok(host)
    }

    /// Registers a plugin unless another already claims its engine or format.
    fn add(&mut self, plugin: Plugin) -> Result<String, String> {
        match plugin {
            Plugin::Connector(connector) => {
                let description = connector.description();
                if let Some(taken) = self.connectors.iter().find(|c| {
                    c.description()
                        .schemes
                        .iter()
                        .any(|s| description.schemes.contains(s))
                }) {
                    return Err(format!(
                        "its URI schemes are already served by {}",
                        taken.description().name
                    ));
                }
                let name = description.name.clone();
                self.connectors.push(Arc::new(connector));
                Ok(name)
            }
            Plugin::Exporter(exporter) => {
                let format = &exporter.description().format;
                if let Some(taken) = self.exporter(format) {
                    return Err(format!(
                        "the format {format} is already served by {}",
                        taken.description().name
                    ));
                }
                let name = exporter.description().name.clone();
                self.exporters.push(Arc::new(exporter));
                Ok(name)
            }
        }
    }

    pub fn connectors(&self) -> &[Arc<Connector>] {
        &self.connectors
    }

    /// The connector for `uri`'s scheme.
    pub fn connector_for(&self, uri: &str) -> Result<&Arc<Connector>, PluginError> {
        let scheme = crate::connector::uri_scheme(uri)
            .ok_or_else(|| PluginError::InvalidUri("expected scheme://...".into()))?;
        self.connectors
            .iter()
            .find(|c| c.accepts(uri))
            .ok_or_else(|| PluginError::UnknownScheme(scheme.to_owned()))
    }

    pub fn exporters(&self) -> &[Arc<Exporter>] {
        &self.exporters
    }

    /// The exporter for a `result_format` such as `csv`.
    pub fn exporter(&self, format: &str) -> Option<&Arc<Exporter>> {
        self.exporters
            .iter()
            .find(|e| e.description().format.eq_ignore_ascii_case(format))
    }

    /// Plugins from the plugin directory that were skipped, with the reason.
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }
}

fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>, PluginError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        PluginError::Engine(format!(
            "cannot read the plugin directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}

/// Compiles (or loads from the cache) one component, checks which WIT world and
/// version it was built against, and prepares it.
async fn load_one(
    engine: &Engine,
    linker: &Linker<CallState>,
    cache: &Arc<ComponentCache>,
    wasm: Vec<u8>,
    limits: Limits,
) -> Result<Plugin, String> {
    let component = {
        let (engine, cache) = (engine.clone(), cache.clone());
        tokio::task::spawn_blocking(move || cache.load(&engine, &wasm))
            .await
            .map_err(|e| e.to_string())??
    };
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    if exports.iter().any(|e| e == CONNECTOR_EXPORT) {
        Connector::load(engine, linker, &component, limits)
            .await
            .map(Plugin::Connector)
    } else if exports.iter().any(|e| e == EXPORTER_EXPORT) {
        Exporter::load(engine, linker, &component, limits)
            .await
            .map(Plugin::Exporter)
    } else if let Some(other) = exports.iter().find(|e| e.starts_with("tessera:")) {
        Err(format!(
            "it was built against {other}, but this server implements {CONNECTOR_EXPORT} and {EXPORTER_EXPORT}"
        ))
    } else {
        Err(format!(
            "it is not a Tessera plugin (it exports {exports:?})"
        ))
    }
}

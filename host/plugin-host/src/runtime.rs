//! The one wasmtime `Engine` every plugin runs on, its epoch clock, and the on-disk
//! cache of compiled components.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use crate::PluginError;

/// How often the epoch advances. A deadline is checked, and a running guest yields to
/// the async executor, once per tick.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the shared engine and starts the thread that advances its epoch. The thread
/// ends when the last clone of the engine is dropped.
pub(crate) fn new_engine() -> Result<Engine, PluginError> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .cranelift_opt_level(wasmtime::OptLevel::Speed);
    let engine = Engine::new(&config).map_err(|e| PluginError::Engine(e.to_string()))?;
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("plugin-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map_err(|e| PluginError::Engine(e.to_string()))?;
    Ok(engine)
}

/// Compiled components kept on disk, keyed by the component's hash and the engine's
/// compatibility hash, so a restart (or another server on the same machine) loads a
/// plugin in milliseconds instead of compiling it again.
pub(crate) struct ComponentCache {
    dir: PathBuf,
}

impl ComponentCache {
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// The compiled form of `wasm`, from the cache when present.
    pub(crate) fn load(&self, engine: &Engine, wasm: &[u8]) -> Result<Component, String> {
        let path = self.dir.join(format!("{}.cwasm", cache_key(engine, wasm)));
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this same engine
            // configuration (the key includes its compatibility hash) into a directory
            // only the server writes; wasmtime still checks its header.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok(component),
                Err(err) => {
                    tracing::warn!(path = %path.display(), %err, "recompiling a plugin whose cached artifact is unusable")
                }
            }
        }
        let component = Component::new(engine, wasm).map_err(|e| format!("{e:#}"))?;
        if let Err(err) = self.store(&path, &component) {
            tracing::warn!(path = %path.display(), %err, "could not cache a compiled plugin");
        }
        Ok(component)
    }

    fn store(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        let bytes = component
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::create_dir_all(&self.dir)?;
        // Write beside the final name, then rename, so a concurrent reader never sees
        // a partial file.
        let partial = path.with_extension(format!("{}.partial", std::process::id()));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, path)
    }
}

fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let digest = Sha256::digest(wasm);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{:016x}", hasher.finish())
}

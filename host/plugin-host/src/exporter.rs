//! Exporter plugins: pure functions from an Arrow IPC stream to a file.

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::PluginError;
use crate::bindings::exporter::{ExporterPlugin, ExporterPluginPre};
use crate::sandbox::{Access, CallState, CancelHandle, Limits, Watchdog, new_store};

pub use crate::bindings::exporter::exports::tessera::exporter::exporter::{
    Description as ExporterDescription, Output as ExportOutput,
};

/// A loaded exporter component.
pub struct Exporter {
    description: ExporterDescription,
    engine: Engine,
    pre: ExporterPluginPre<CallState>,
    limits: Limits,
}

impl Exporter {
    pub(crate) async fn load(
        engine: &Engine,
        linker: &Linker<CallState>,
        component: &Component,
        limits: Limits,
    ) -> Result<Self, String> {
        let instance_pre = linker
            .instantiate_pre(component)
            .map_err(|e| format!("{e:#}"))?;
        let pre = ExporterPluginPre::new(instance_pre).map_err(|e| format!("{e:#}"))?;
        let description = call(engine, &pre, limits, "exporter", async |plugin, store| {
            let exporter = plugin.tessera_exporter_exporter();
            exporter.call_describe(store).await.map(Ok::<_, String>)
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(Self {
            description,
            engine: engine.clone(),
            pre,
            limits,
        })
    }

    pub fn description(&self) -> &ExporterDescription {
        &self.description
    }

    /// Renders a whole Arrow IPC stream into a file. Exporters get no sockets and no
    /// files, only the bytes given here.
    pub async fn render(
        &self,
        arrow_stream: &[u8],
        options: &str,
    ) -> Result<ExportOutput, PluginError> {
        let name = &self.description.name;
        call(
            &self.engine,
            &self.pre,
            self.limits,
            name,
            async |plugin, store| {
                let exporter = plugin.tessera_exporter_exporter();
                exporter.call_render(store, arrow_stream, options).await
            },
        )
        .await
    }
}

/// One call in a fresh store with no sockets and no files.
async fn call<T>(
    engine: &Engine,
    pre: &ExporterPluginPre<CallState>,
    limits: Limits,
    plugin: &str,
    call: impl AsyncFnOnce(
        &ExporterPlugin,
        &mut Store<CallState>,
    ) -> wasmtime::Result<Result<T, String>>,
) -> Result<T, PluginError> {
    let watchdog = Watchdog::new(limits, CancelHandle::default());
    let mut store = new_store(engine, &Access::Nothing, limits.memory_bytes, &watchdog)?;
    let run = async {
        let instance = pre.instantiate_async(&mut store).await?;
        call(&instance, &mut store).await
    };
    crate::settle(plugin, watchdog.run(run).await)
}

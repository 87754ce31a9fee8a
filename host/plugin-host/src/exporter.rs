//! Exporter plugins: pure functions from an Arrow IPC stream to a file.

use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use crate::PluginError;
use crate::bindings::exporter::ExporterPluginPre;
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
        let exporter = Self {
            description: ExporterDescription {
                name: String::new(),
                version: String::new(),
                format: String::new(),
                mime_type: String::new(),
                file_extension: String::new(),
            },
            engine: engine.clone(),
            pre,
            limits,
        };
        let description = exporter
            .call(async |plugin, store| {
                plugin
                    .tessera_exporter_exporter()
                    .call_describe(store)
                    .await
                    .map(Ok::<_, String>)
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(Self {
            description,
            ..exporter
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
        self.call(async |plugin, store| {
            plugin
                .tessera_exporter_exporter()
                .call_render(store, arrow_stream, options)
                .await
        })
        .await
    }

    /// One call in a fresh store.
    async fn call<T>(
        &self,
        call: impl AsyncFnOnce(
            &crate::bindings::exporter::ExporterPlugin,
            &mut wasmtime::Store<CallState>,
        ) -> wasmtime::Result<Result<T, String>>,
    ) -> Result<T, PluginError> {
        let watchdog = Watchdog::new(self.limits, CancelHandle::default());
        let mut store = new_store(
            &self.engine,
            &Access::Nothing,
            self.limits.memory_bytes,
            &watchdog,
        )?;
        let run = async {
            let plugin = self.pre.instantiate_async(&mut store).await?;
            call(&plugin, &mut store).await
        };
        crate::settle(&self.description.name, watchdog.run(run).await)
    }
}

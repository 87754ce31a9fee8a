//! Write an exporter: a plugin that turns a query result into a file (CSV, a
//! spreadsheet, a chart image...).
//!
//! Implement [`Exporter`] and call [`export_exporter!`](crate::export_exporter). The
//! SDK decodes the Arrow IPC stream the host sends into a [`Table`], parses the JSON
//! options into your `Options` type, and returns your bytes with the MIME type and
//! extension of your [`ExporterDescription`].
//!
//! ```ignore
//! struct Tsv;
//! impl tessera_plugin_sdk::exporter::Exporter for Tsv {
//!     type Options = TsvOptions; // `Deserialize + Default`
//!     fn describe() -> ExporterDescription { ... }
//!     fn render(table: &Table, options: TsvOptions) -> Result<Vec<u8>, RenderError> { ... }
//! }
//! tessera_plugin_sdk::export_exporter!(Tsv);
//! ```
//!
//! [`Cell`] reads any Arrow column one value at a time, and [`pytext`] prints values the
//! way Superset's Python does, so exporters need no Arrow type switch of their own.

mod cell;
pub mod pytext;
mod table;
mod zone;

use std::fmt;

use serde::de::DeserializeOwned;

pub use crate::bindings::exporter::exports::tessera::exporter::exporter::{
    Description as ExporterDescription, Output as ExportOutput,
};
pub use cell::{Cell, CellColumn, Decimal, Timestamp};
pub use chrono;
pub use table::Table;

/// Why an exporter could not render its input; the message reaches the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl RenderError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<arrow_schema::ArrowError> for RenderError {
    fn from(err: arrow_schema::ArrowError) -> Self {
        Self(format!("Invalid Arrow data: {err}"))
    }
}

/// An export format.
pub trait Exporter: 'static {
    /// The options the host passes as JSON; missing or empty options give `Default`.
    type Options: DeserializeOwned + Default;

    /// Who the plugin is and what it produces; called once when the host loads it.
    fn describe() -> ExporterDescription;

    /// The file's bytes for a whole result.
    fn render(table: &Table, options: Self::Options) -> Result<Vec<u8>, RenderError>;
}

/// What the component's `render` does: decode, parse the options, render, label the
/// output. Exporters' native tests call it to run the same path the host does.
pub fn render<E: Exporter>(arrow_stream: &[u8], options: &str) -> Result<ExportOutput, String> {
    let table = Table::decode(arrow_stream).map_err(|e| e.0)?;
    let options = parse_options::<E::Options>(options).map_err(|e| e.0)?;
    let bytes = E::render(&table, options).map_err(|e| e.0)?;
    let description = E::describe();
    Ok(ExportOutput {
        bytes,
        mime_type: description.mime_type,
        file_extension: description.file_extension,
    })
}

fn parse_options<T: DeserializeOwned + Default>(options: &str) -> Result<T, RenderError> {
    if options.trim().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(options).map_err(|e| RenderError(format!("Invalid options: {e}")))
}

/// Exports an [`Exporter`] as the component's `tessera:exporter/exporter` interface.
#[macro_export]
macro_rules! export_exporter {
    ($exporter:ty) => {
        #[allow(dead_code)]
        struct __TesseraExporterExport;

        impl $crate::bindings::exporter::exports::tessera::exporter::exporter::Guest
            for __TesseraExporterExport
        {
            fn describe() -> $crate::exporter::ExporterDescription {
                <$exporter as $crate::exporter::Exporter>::describe()
            }

            fn render(
                arrow_stream: ::std::vec::Vec<u8>,
                options: ::std::string::String,
            ) -> ::std::result::Result<$crate::exporter::ExportOutput, ::std::string::String> {
                $crate::exporter::render::<$exporter>(&arrow_stream, &options)
            }
        }

        // Only a component exports these symbols; natively (the crate's own tests) the
        // impl above still compiles, so the entry points are checked there too.
        #[cfg(target_family = "wasm")]
        $crate::bindings::exporter::export_bindings!(__TesseraExporterExport);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct Opts {
        width: u32,
    }

    #[test]
    fn options_default_when_empty_and_fail_clearly_when_malformed() {
        assert_eq!(parse_options::<Opts>("").unwrap(), Opts::default());
        assert_eq!(parse_options::<Opts>("  ").unwrap(), Opts::default());
        assert_eq!(parse_options::<Opts>("{}").unwrap(), Opts::default());
        assert_eq!(
            parse_options::<Opts>(r#"{"width": 3, "other": true}"#).unwrap(),
            Opts { width: 3 }
        );
        let err = parse_options::<Opts>("{width").unwrap_err();
        assert!(err.0.starts_with("Invalid options: "), "{err}");
        let err = parse_options::<Opts>(r#"{"width": "wide"}"#).unwrap_err();
        assert!(err.0.contains("width") || err.0.contains("string"), "{err}");
    }
}

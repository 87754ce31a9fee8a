//! Tessera's JSON exporter: a JSON array with one object per row, keyed by column
//! name in column order, valued as Superset's chart data JSON (`json_int_dttm_ser`):
//!
//! - numbers as numbers: integers exactly, decimals as the nearest float, NaN and
//!   infinities as `null` (Superset dumps with `ignore_nan`);
//! - timestamps and dates as milliseconds since the epoch, as floats with microsecond
//!   precision (`1709210096789.0`); a zoned timestamp counts from its UTC instant;
//! - times of day as `"HH:MM:SS[.ffffff]"`;
//! - binary as text when it is valid UTF-8 (as Superset decodes it), otherwise as
//!   standard base64 (where Superset would send `"[bytes]"` or mojibake);
//! - other types (lists, structs, intervals) as their Arrow text.
//!
//! Repeated column names are made unique as Superset does (`a`, `a__1`, `a__2`), so no
//! key is lost. The output is compact. There are no options.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use std::collections::HashMap;
use tessera_plugin_sdk::exporter::chrono::DateTime;
use tessera_plugin_sdk::exporter::pytext;
use tessera_plugin_sdk::exporter::{
    Cell, CellColumn, Exporter, ExporterDescription, RenderError, Table,
};

/// The plugin.
pub struct Json;

/// No options; unknown keys are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct JsonOptions {}

impl Exporter for Json {
    type Options = JsonOptions;

    fn describe() -> ExporterDescription {
        ExporterDescription {
            name: "exporter-json".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            format: "json".into(),
            mime_type: "application/json".into(),
            file_extension: "json".into(),
        }
    }

    fn render(table: &Table, _options: JsonOptions) -> Result<Vec<u8>, RenderError> {
        let names: Vec<&str> = table
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        let keys: Vec<String> = unique_names(&names)
            .iter()
            .map(|name| serde_json::to_string(name).map(|key| key + ":"))
            .collect::<Result<_, _>>()
            .map_err(json_error)?;

        let mut out = Vec::new();
        out.push(b'[');
        let mut first_row = true;
        for batch in &table.batches {
            let columns: Vec<CellColumn> = batch
                .columns()
                .iter()
                .map(|c| CellColumn::new(c.as_ref()))
                .collect();
            for row in 0..batch.num_rows() {
                if !first_row {
                    out.push(b',');
                }
                first_row = false;
                out.push(b'{');
                for (i, (key, column)) in keys.iter().zip(&columns).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(key.as_bytes());
                    write_value(&mut out, column.get(row))?;
                }
                out.push(b'}');
            }
        }
        out.push(b']');
        Ok(out)
    }
}

tessera_plugin_sdk::export_exporter!(Json);

fn write_value(out: &mut Vec<u8>, cell: Cell) -> Result<(), RenderError> {
    let written = match cell {
        Cell::Null => write_null(out),
        Cell::Bool(b) => serde_json::to_writer(&mut *out, &b),
        Cell::Int(v) => serde_json::to_writer(&mut *out, &v),
        Cell::UInt(v) => serde_json::to_writer(&mut *out, &v),
        Cell::Float32(v) if v.is_finite() => serde_json::to_writer(&mut *out, &v),
        Cell::Float32(_) => write_null(out),
        Cell::Float64(v) => write_float(out, v),
        Cell::Decimal(d) => write_float(out, d.to_f64()),
        Cell::Text(s) => serde_json::to_writer(&mut *out, s),
        Cell::Binary(b) => match std::str::from_utf8(b) {
            Ok(text) => serde_json::to_writer(&mut *out, text),
            Err(_) => serde_json::to_writer(&mut *out, &BASE64.encode(b)),
        },
        Cell::Date(d) => {
            let days = d.signed_duration_since(DateTime::UNIX_EPOCH.date_naive());
            write_float(out, days.num_days() as f64 * 86_400.0 * 1000.0)
        }
        Cell::Time(t) => serde_json::to_writer(&mut *out, &pytext::time(t)),
        Cell::Timestamp(ts) => write_float(out, ts.epoch_millis()),
        Cell::Other(s) => serde_json::to_writer(&mut *out, &s),
    };
    written.map_err(json_error)
}

/// A finite float as a number, NaN and the infinities as `null`.
fn write_float(out: &mut Vec<u8>, value: f64) -> serde_json::Result<()> {
    if value.is_finite() {
        serde_json::to_writer(out, &value)
    } else {
        write_null(out)
    }
}

fn write_null(out: &mut Vec<u8>) -> serde_json::Result<()> {
    out.extend_from_slice(b"null");
    Ok(())
}

fn json_error(err: serde_json::Error) -> RenderError {
    RenderError::new(format!("Could not write JSON: {err}"))
}

/// Superset's `dedup`: the second `a` becomes `a__1`, the third `a__2`.
fn unique_names(names: &[&str]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    names
        .iter()
        .map(|&name| {
            let count = seen.entry(name).or_insert(0);
            let unique = if *count == 0 {
                name.to_owned()
            } else {
                format!("{name}__{count}")
            };
            *count += 1;
            unique
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_get_suffixes() {
        assert_eq!(
            unique_names(&["a", "b", "a", "a", "b"]),
            ["a", "b", "a__1", "a__2", "b__1"]
        );
    }
}

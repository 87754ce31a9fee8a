//! One value into one typed worksheet cell.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, Worksheet, XlsxError};
use tessera_plugin_sdk::exporter::chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use tessera_plugin_sdk::exporter::{Cell, pytext};

/// Above this Excel loses digits; Superset writes such numbers as text.
const MAX_EXACT: f64 = 1e15;
/// Excel's longest text, in UTF-16 units.
const MAX_TEXT: usize = 32_767;

/// Writes cells into a sheet with the number formats pandas uses.
pub struct CellWriter<'a> {
    sheet: &'a mut Worksheet,
    date: Format,
    datetime: Format,
    time: Format,
}

impl<'a> CellWriter<'a> {
    pub fn new(sheet: &'a mut Worksheet) -> Self {
        Self {
            sheet,
            date: Format::new().set_num_format("YYYY-MM-DD"),
            datetime: Format::new().set_num_format("YYYY-MM-DD HH:MM:SS"),
            time: Format::new().set_num_format("HH:MM:SS"),
        }
    }

    pub fn write(&mut self, row: u32, col: u16, cell: Cell) -> Result<(), XlsxError> {
        let sheet = &mut *self.sheet;
        match cell {
            Cell::Null => {}
            Cell::Bool(b) => {
                sheet.write_boolean(row, col, b)?;
            }
            Cell::Float64(v) if v.is_nan() => {}
            Cell::Float32(v) if v.is_nan() => {}
            Cell::Float64(v) if v.is_infinite() => {
                sheet.write_string(row, col, pytext::float64(v))?;
            }
            Cell::Float32(v) if v.is_infinite() => {
                sheet.write_string(row, col, pytext::float32(v))?;
            }
            Cell::Int(_)
            | Cell::UInt(_)
            | Cell::Float32(_)
            | Cell::Float64(_)
            | Cell::Decimal(_) => {
                let value = cell.as_f64().unwrap_or(f64::NAN);
                if value.abs() > MAX_EXACT {
                    sheet.write_string(row, col, pytext::cell(&cell))?;
                } else {
                    sheet.write_number(row, col, value)?;
                }
            }
            Cell::Date(d) => match excel_serial(d.and_time(NaiveTime::MIN)) {
                Some(serial) => {
                    sheet.write_number_with_format(row, col, serial, &self.date)?;
                }
                None => {
                    sheet.write_string(row, col, pytext::date(d))?;
                }
            },
            Cell::Timestamp(ts) if ts.offset.is_none() => match excel_serial(ts.local) {
                Some(serial) => {
                    sheet.write_number_with_format(row, col, serial, &self.datetime)?;
                }
                None => {
                    sheet.write_string(row, col, pytext::timestamp(&ts))?;
                }
            },
            Cell::Time(t) => {
                let seconds =
                    f64::from(t.num_seconds_from_midnight()) + f64::from(t.nanosecond()) / 1e9;
                sheet.write_number_with_format(row, col, seconds / 86_400.0, &self.time)?;
            }
            Cell::Text(s) => {
                sheet.write_string(row, col, text(s))?;
            }
            Cell::Other(s) => {
                sheet.write_string(row, col, text(&s))?;
            }
            Cell::Binary(_) | Cell::Timestamp(_) => {
                sheet.write_string(row, col, pytext::cell(&cell))?;
            }
        }
        Ok(())
    }
}

/// Text as Superset writes it: a leading `=`, `+`, `-` or `@` quoted with `'` (its
/// `quote_formulas`), and no longer than Excel allows.
pub fn text(value: &str) -> Cow<'_, str> {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    };
    truncate_utf16(value, MAX_TEXT)
}

fn truncate_utf16(value: Cow<'_, str>, max: usize) -> Cow<'_, str> {
    let mut units = 0;
    for (index, c) in value.char_indices() {
        units += c.len_utf16();
        if units > max {
            return Cow::Owned(value[..index].to_owned());
        }
    }
    value
}

/// Excel's serial date: days since 1899-12-30 with the time as a fraction, for the
/// dates Excel shows correctly (from 1900-03-01, past its 1900 leap-year bug, to
/// 9999-12-31).
fn excel_serial(value: NaiveDateTime) -> Option<f64> {
    let first = NaiveDate::from_ymd_opt(1900, 3, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    if value.date() < first || value.date() > last {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let elapsed = value - base;
    let nanos = elapsed.subsec_nanos();
    Some((elapsed.num_seconds() as f64 + f64::from(nanos) / 1e9) / 86_400.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_dates() {
        let at = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(excel_serial(at("1900-03-01 00:00:00")), Some(61.0));
        assert_eq!(excel_serial(at("2024-02-29 12:00:00")), Some(45351.5));
        assert_eq!(excel_serial(at("1900-02-28 00:00:00")), None);
    }

    #[test]
    fn text_is_quoted_and_cut() {
        assert_eq!(text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text("-2"), "'-2");
        assert_eq!(text("a=b"), "a=b");
        let long = "é".repeat(40_000);
        assert_eq!(text(&long).chars().count(), MAX_TEXT);
        let emoji = "🦀".repeat(20_000);
        assert_eq!(text(&emoji).encode_utf16().count(), MAX_TEXT - 1);
    }
}

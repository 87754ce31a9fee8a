//! The example tables as Parquet files, `<dir>/<table>.parquet`: what DataFusion's own
//! file engine serves as the tables of schema `main`.
//!
//! A file is written to a temporary name and renamed into place, so a reader never sees
//! half a file. Its footer records the generator's version (`tessera.example_version`);
//! a file whose footer names the current version and row count is kept as it is, which
//! makes a second call cheap. The generator is deterministic, so keeping the file and
//! writing it again give the same bytes.

use crate::{ExampleTable, ExamplesError, tables};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

const VERSION_KEY: &str = "tessera.example_version";
/// Two generated batches per row group: large enough for good compression, small
/// enough that a time filter can skip most of a file by its row-group statistics.
const ROW_GROUP_ROWS: usize = 2 * crate::BATCH_ROWS;

/// Writes every example table into `dir` (created if missing) unless an up-to-date file
/// is already there; returns the paths of all the tables' files.
pub fn write_parquet(dir: &Path) -> Result<Vec<PathBuf>, ExamplesError> {
    std::fs::create_dir_all(dir).map_err(ExamplesError::io(dir))?;
    tables()
        .iter()
        .map(|table| {
            let path = dir.join(format!("{}.parquet", table.name));
            if !is_current(&path, table) {
                write_atomically(&path, table)?;
            }
            Ok(path)
        })
        .collect()
}

/// Whether `path` holds this version of the table (a missing or unreadable file does not).
fn is_current(path: &Path, table: &ExampleTable) -> bool {
    let Some(reader) = File::open(path)
        .ok()
        .and_then(|file| SerializedFileReader::new(file).ok())
    else {
        return false;
    };
    let metadata = reader.metadata().file_metadata();
    let version = metadata
        .key_value_metadata()
        .into_iter()
        .flatten()
        .find(|kv| kv.key == VERSION_KEY)
        .and_then(|kv| kv.value.clone());
    version == Some(table.version.to_string()) && metadata.num_rows() == table.num_rows as i64
}

fn write_atomically(path: &Path, table: &ExampleTable) -> Result<(), ExamplesError> {
    // The process id keeps two processes writing at once from sharing a temporary file.
    let temporary = path.with_extension(format!("parquet.tmp-{}", std::process::id()));
    let written = write_file(&temporary, table)
        .and_then(|()| std::fs::rename(&temporary, path).map_err(ExamplesError::io(path)));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

fn write_file(path: &Path, table: &ExampleTable) -> Result<(), ExamplesError> {
    let file = File::create(path).map_err(ExamplesError::io(path))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            VERSION_KEY.to_string(),
            table.version.to_string(),
        )]))
        .build();
    let mut writer =
        ArrowWriter::try_new(BufWriter::new(file), table.schema.clone(), Some(properties))?;
    for batch in table.batches() {
        writer.write(&batch)?;
    }
    let file = writer
        .into_inner()?
        .into_inner()
        .map_err(|e| ExamplesError::io(path)(e.into_error()))?;
    file.sync_all().map_err(ExamplesError::io(path))
}

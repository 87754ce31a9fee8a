//! A statement's rows as Arrow record batches, read as the host asks for them.

use std::rc::Rc;
use std::sync::Arc;

use rusqlite::Connection;
use tessera_plugin_sdk::{
    BATCH_ROWS, DataType, Error, ErrorKind, Field, RecordBatch, RecordBatchSource, Result, Schema,
    SchemaRef,
};

use crate::column::ColumnBuilder;
use crate::stmt::RawStatement;
use crate::types;

/// The rows of one statement. The statement stays prepared between batches, so at
/// most one batch of rows is in memory at a time.
pub struct RowStream {
    stmt: RawStatement,
    schema: SchemaRef,
    /// Whether the statement sits on a row not yet sent.
    on_row: bool,
}

impl RowStream {
    /// Runs `sql` up to its first row, which the schema needs: SQLite only knows the
    /// type of an expression's value once it has computed one.
    pub fn start(conn: &Rc<Connection>, sql: &str, allow_dml: bool) -> Result<Self> {
        let mut stmt = RawStatement::prepare(conn, sql)?;
        if !allow_dml && !stmt.readonly() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "DML is not allowed on this database",
            ));
        }
        let mut on_row = stmt.step()?;
        let fields: Vec<Field> = (0..stmt.column_count())
            .map(|col| {
                let data_type = column_type(&mut stmt, col, on_row);
                Field::new(stmt.column_name(col), data_type, true)
            })
            .collect();
        if fields.is_empty() {
            // A statement without result columns (DML, most PRAGMAs) runs to its end now.
            while on_row {
                on_row = stmt.step()?;
            }
        }
        Ok(Self {
            stmt,
            schema: Arc::new(Schema::new(fields)),
            on_row,
        })
    }
}

/// The declared type's Arrow type; for an untyped table column text, which holds any
/// value; for an expression the type of its first value (text when there is none).
fn column_type(stmt: &mut RawStatement, col: usize, on_row: bool) -> DataType {
    if let Some(data_type) = stmt
        .column_decltype(col)
        .and_then(|t| types::from_declared(&t))
    {
        return data_type;
    }
    if on_row && !stmt.column_is_table_column(col) {
        return types::from_value(&stmt.value(col));
    }
    DataType::Utf8
}

impl RecordBatchSource for RowStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if !self.on_row {
            return Ok(None);
        }
        let mut columns = self
            .schema
            .fields()
            .iter()
            .map(|field| ColumnBuilder::new(field.data_type()))
            .collect::<Result<Vec<_>>>()?;
        let mut rows = 0;
        while self.on_row && rows < BATCH_ROWS {
            for (col, builder) in columns.iter_mut().enumerate() {
                builder.append(self.stmt.value(col));
            }
            rows += 1;
            // Cleared first so that after a failed step the stream just ends.
            self.on_row = false;
            self.on_row = self.stmt.step()?;
        }
        let arrays = columns.iter_mut().map(ColumnBuilder::finish).collect();
        Ok(Some(RecordBatch::try_new(
            Arc::clone(&self.schema),
            arrays,
        )?))
    }
}

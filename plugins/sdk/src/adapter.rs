//! The glue between the SDK's traits and the generated component exports.

use std::cell::RefCell;

use arrow_ipc::writer::StreamWriter;

use crate::bindings::connector::exports::tessera::connector::connector::{
    BatchStream, GuestBatchStream, GuestConnection,
};
use crate::bindings::connector::tessera::connector::types::{
    ColumnInfo, ConnectOptions, TableSchema,
};
use crate::{Connection, Error, Field, RecordBatchSource, Result, Schema, TableInfo};

/// A [`Connection`] as the component's `connection` resource.
pub struct ConnectionAdapter<C>(C);

impl<C: Connection> GuestConnection for ConnectionAdapter<C> {
    fn open(
        options: ConnectOptions,
    ) -> Result<crate::bindings::connector::exports::tessera::connector::connector::Connection>
    {
        let session = C::open(options)?;
        Ok(
            crate::bindings::connector::exports::tessera::connector::connector::Connection::new(
                Self(session),
            ),
        )
    }

    fn test(&self) -> Result<()> {
        self.0.test()
    }

    fn list_schemas(&self) -> Result<Vec<String>> {
        self.0.list_schemas()
    }

    fn list_tables(&self, schema: String) -> Result<Vec<TableInfo>> {
        self.0.list_tables(&schema)
    }

    fn table_schema(&self, schema: Option<String>, table: String) -> Result<TableSchema> {
        let described = self.0.table_schema(schema.as_deref(), &table)?;
        let fields: Vec<Field> = described
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.data_type.clone(), c.nullable))
            .collect();
        let arrow_schema = encode_schema(&Schema::new(fields))?;
        Ok(TableSchema {
            columns: described
                .columns
                .into_iter()
                .map(|c| ColumnInfo {
                    name: c.name,
                    type_name: c.type_name,
                    nullable: c.nullable,
                    comment: c.comment,
                })
                .collect(),
            arrow_schema,
            primary_key: described.primary_key,
            comment: described.comment,
        })
    }

    fn execute(&self, sql: String) -> Result<BatchStream> {
        let source = self.0.execute(&sql)?;
        Ok(BatchStream::new(BatchStreamAdapter::new(source)?))
    }
}

/// A [`RecordBatchSource`] as the component's `batch-stream` resource: one Arrow IPC
/// stream, cut into the schema message and then one message per batch.
pub struct BatchStreamAdapter {
    schema: Vec<u8>,
    state: RefCell<StreamState>,
}

struct StreamState {
    source: Box<dyn RecordBatchSource>,
    writer: StreamWriter<Vec<u8>>,
}

impl BatchStreamAdapter {
    fn new(source: Box<dyn RecordBatchSource>) -> Result<Self> {
        let mut writer = StreamWriter::try_new(Vec::new(), &source.schema())?;
        let schema = std::mem::take(writer.get_mut());
        Ok(Self {
            schema,
            state: RefCell::new(StreamState { source, writer }),
        })
    }
}

impl GuestBatchStream for BatchStreamAdapter {
    fn schema(&self) -> Vec<u8> {
        self.schema.clone()
    }

    fn next(&self) -> Result<Option<Vec<u8>>> {
        let mut state = self.state.borrow_mut();
        let Some(batch) = state.source.next_batch()? else {
            return Ok(None);
        };
        state.writer.write(&batch)?;
        Ok(Some(std::mem::take(state.writer.get_mut())))
    }
}

fn encode_schema(schema: &Schema) -> Result<Vec<u8>, Error> {
    let mut writer = StreamWriter::try_new(Vec::new(), schema)?;
    Ok(std::mem::take(writer.get_mut()))
}

//! A result set streamed from the socket, one Arrow batch at a time.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use mysql_common::constants::ColumnType;
use mysql_common::io::ParseBuf;
use mysql_common::packets::Column;
use tessera_plugin_sdk::{
    BATCH_ROWS, Error, Field, RecordBatch, RecordBatchSource, Result, Schema, SchemaRef,
};

use crate::decode::Decoder;
use crate::session::{Session, text_value};
use crate::types;

pub struct RowStream {
    session: Rc<RefCell<Session>>,
    /// The statement this stream reads; a later statement drains its rows.
    generation: u64,
    schema: SchemaRef,
    decoders: Vec<Decoder>,
    done: bool,
}

impl RowStream {
    /// Streams the rows of the statement the session just sent.
    pub fn new(session: Rc<RefCell<Session>>, columns: &[Column]) -> Self {
        let generation = session.borrow().generation();
        let mut fields = Vec::with_capacity(columns.len());
        let mut decoders = Vec::with_capacity(columns.len());
        for column in columns {
            let data_type = types::of_column(column);
            let bit = column.column_type() == ColumnType::MYSQL_TYPE_BIT;
            decoders.push(Decoder::new(&data_type, bit));
            // Always nullable: zero dates and out-of-range times become NULL.
            fields.push(Field::new(column.name_str(), data_type, true));
        }
        Self {
            session,
            generation,
            schema: Arc::new(Schema::new(fields)),
            decoders,
            done: false,
        }
    }

    /// The result of a statement without a result set.
    pub fn empty(session: Rc<RefCell<Session>>) -> Self {
        let mut stream = Self::new(session, &[]);
        stream.done = true;
        stream
    }
}

impl RecordBatchSource for RowStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let mut session = self.session.borrow_mut();
        if session.generation() != self.generation {
            return Err(Error::internal(
                "This result was discarded by a later statement on the same connection",
            ));
        }
        let mut rows = 0;
        while rows < BATCH_ROWS {
            let Some(payload) = session.next_row()? else {
                self.done = true;
                break;
            };
            let mut buf = ParseBuf(payload);
            for decoder in &mut self.decoders {
                decoder.append(text_value(&mut buf)?)?;
            }
            rows += 1;
        }
        if rows == 0 {
            return Ok(None);
        }
        let columns = self.decoders.iter_mut().map(Decoder::finish).collect();
        Ok(Some(RecordBatch::try_new(
            Arc::clone(&self.schema),
            columns,
        )?))
    }
}

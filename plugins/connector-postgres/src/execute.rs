//! Running one statement with the extended query protocol and streaming its rows
//! into Arrow record batches, a batch per `next_batch`, straight from the socket.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use arrow_array::RecordBatchOptions;
use fallible_iterator::FallibleIterator;
use postgres_protocol::IsNull;
use postgres_protocol::message::backend::{Message, RowDescriptionBody};
use postgres_protocol::message::frontend;
use tessera_plugin_sdk::{
    BATCH_ROWS, Error, Field, RecordBatch, RecordBatchSource, Result, Schema, SchemaRef,
};

use crate::error::{io_error, server_error, unexpected};
use crate::session::Session;
use crate::types::{ColumnBuilder, Kind};
use crate::wire::parse_message;

/// Starts `sql` and returns its rows. Errors the server reports before the first row
/// are returned here; later ones by `next_batch`.
pub fn execute(shared: &Rc<RefCell<Session>>, sql: &str) -> Result<Box<dyn RecordBatchSource>> {
    let mut session = shared.borrow_mut();
    let generation = session.begin()?;
    let columns = prepare(&mut session, sql)?;
    let formats = columns.iter().flatten().map(|(_, kind)| kind.format());
    start(&mut session, formats.collect())?;
    let Some(columns) = columns else {
        // No rows (DDL, DML, SET ...): finish the command here to report its error.
        session.finish()?;
        return Ok(Box::new(Rows::empty(shared.clone(), generation)));
    };
    if let Some(err) = first_error(&mut session)? {
        return Err(err);
    }
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, kind)| Field::new(name, kind.data_type(), true))
            .collect::<Vec<_>>(),
    ));
    drop(session);
    Ok(Box::new(Rows {
        session: shared.clone(),
        generation,
        schema,
        kinds: columns.into_iter().map(|(_, kind)| kind).collect(),
        data_hint: Vec::new(),
        done: false,
    }))
}

/// Parses and describes `sql` (after opening a read-only transaction when DML is not
/// allowed) and returns its result columns, `None` for a statement without rows.
/// Describing before binding is what lets each column get its own format.
fn prepare(session: &mut Session, sql: &str) -> Result<Option<Vec<(String, Kind)>>> {
    let mut syncs = 0;
    if session.read_only {
        // An explicit read-only transaction per statement: unlike the session
        // default, a previous `SET` or `BEGIN READ WRITE` cannot lift it.
        frontend::query("BEGIN READ ONLY", &mut session.wire.out).map_err(io_error)?;
        syncs += 1;
    }
    let out = &mut session.wire.out;
    frontend::parse("", sql, [], out).map_err(io_error)?;
    frontend::describe(b'S', "", out).map_err(io_error)?;
    frontend::flush(out);
    session.send(syncs)?;
    loop {
        match session.recv()? {
            Message::RowDescription(body) => return describe(&body).map(Some),
            Message::NoData => return Ok(None),
            Message::ErrorResponse(body) => {
                let err = server_error(&body);
                // The server skips everything up to a Sync after an error.
                frontend::sync(&mut session.wire.out);
                let mut syncs = 1;
                if session.read_only {
                    frontend::query("ROLLBACK", &mut session.wire.out).map_err(io_error)?;
                    syncs += 1;
                }
                session.send(syncs)?;
                session.drain()?;
                return Err(err);
            }
            // BEGIN's answer, ParseComplete and ParameterDescription.
            _ => {}
        }
    }
}

/// Binds the prepared statement with no parameters and runs it to completion, its
/// columns in `formats` (text or binary).
fn start(session: &mut Session, formats: Vec<i16>) -> Result<()> {
    let out = &mut session.wire.out;
    let no_params = std::iter::empty::<()>();
    frontend::bind("", "", [], no_params, |(), _| Ok(IsNull::Yes), formats, out)
        .map_err(|_| Error::internal("could not encode Bind"))?;
    frontend::execute("", 0, out).map_err(io_error)?;
    frontend::sync(out);
    let mut syncs = 1;
    if session.read_only {
        // Ends the read-only transaction once the result is read; a failed one is
        // rolled back by the same command.
        frontend::query("COMMIT", out).map_err(io_error)?;
        syncs += 1;
    }
    session.send(syncs)?;
    match session.recv()? {
        Message::BindComplete => Ok(()),
        Message::ErrorResponse(body) => {
            let err = server_error(&body);
            session.drain()?;
            Err(err)
        }
        _ => Err(unexpected("answer to Bind")),
    }
}

/// Column names and kinds from a RowDescription.
fn describe(body: &RowDescriptionBody) -> Result<Vec<(String, Kind)>> {
    body.fields()
        .map(|f| {
            Ok((
                f.name().to_owned(),
                Kind::of(f.type_oid(), f.type_modifier()),
            ))
        })
        .collect()
        .map_err(io_error)
}

/// Waits for the statement's first answer and, when it is an error, returns it
/// after letting the server finish; other messages are left to be read.
fn first_error(session: &mut Session) -> Result<Option<Error>> {
    loop {
        match session.wire.peek_tag().map_err(io_error)? {
            b'N' | b'S' | b'A' => {
                session.wire.next_frame().map_err(io_error)?;
            }
            b'E' => {
                let err = match session.recv()? {
                    Message::ErrorResponse(body) => server_error(&body),
                    _ => unexpected("message"),
                };
                session.drain()?;
                return Ok(Some(err));
            }
            _ => return Ok(None),
        }
    }
}

/// The rows of one statement, read from the shared session as they are asked for.
struct Rows {
    session: Rc<RefCell<Session>>,
    generation: u64,
    schema: SchemaRef,
    kinds: Vec<Kind>,
    /// Each column's variable-length bytes in the previous batch, to size builders.
    data_hint: Vec<usize>,
    done: bool,
}

impl Rows {
    fn empty(session: Rc<RefCell<Session>>, generation: u64) -> Self {
        Self {
            session,
            generation,
            schema: Arc::new(Schema::empty()),
            kinds: Vec::new(),
            data_hint: Vec::new(),
            done: true,
        }
    }
}

impl RecordBatchSource for Rows {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let mut session = self.session.borrow_mut();
        if session.generation != self.generation {
            self.done = true;
            return Err(Error::internal(
                "the result was discarded because the connection ran another statement",
            ));
        }
        let mut builders = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                let hint = self.data_hint.get(i).copied().unwrap_or(BATCH_ROWS * 16);
                ColumnBuilder::new(*kind, BATCH_ROWS, hint)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut rows = 0;
        while rows < BATCH_ROWS {
            let (tag, body) = session.wire.next_frame().map_err(io_error)?;
            match tag {
                b'D' => {
                    decode_row(body, &mut builders)?;
                    rows += 1;
                }
                // CommandComplete, or EmptyQueryResponse.
                b'C' | b'I' => {
                    self.done = true;
                    break;
                }
                b'E' => {
                    let err = match parse_message(tag, body).map_err(io_error)? {
                        Message::ErrorResponse(body) => server_error(&body),
                        _ => unexpected("message"),
                    };
                    self.done = true;
                    session.drain()?;
                    return Err(err);
                }
                b'N' | b'S' | b'A' => {}
                _ => return Err(unexpected("message in a result")),
            }
        }
        if self.done {
            session.finish()?;
            if rows == 0 {
                return Ok(None);
            }
        }
        self.data_hint = builders
            .iter()
            .map(|b| b.data_len() + b.data_len() / 8)
            .collect();
        let columns = builders.into_iter().map(ColumnBuilder::finish).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(Some(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?))
    }
}

/// Decodes one DataRow body (a column count, then length-prefixed values, -1 for
/// NULL) into the builders.
#[inline]
fn decode_row(body: &[u8], builders: &mut [ColumnBuilder]) -> Result<()> {
    let bad_row = || unexpected("data row");
    let count = body.get(..2).ok_or_else(bad_row)?;
    if usize::from(u16::from_be_bytes([count[0], count[1]])) != builders.len() {
        return Err(bad_row());
    }
    let mut at = 2;
    for builder in builders {
        let len = body.get(at..at + 4).ok_or_else(bad_row)?;
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        at += 4;
        if len < 0 {
            builder.append(None)?;
        } else {
            let end = at + len as usize;
            builder.append(Some(body.get(at..end).ok_or_else(bad_row)?))?;
            at = end;
        }
    }
    Ok(())
}

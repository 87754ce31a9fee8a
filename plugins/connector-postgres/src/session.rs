//! One authenticated session: sending commands, receiving their answers, and keeping
//! count of the `ReadyForQuery`s still owed so an abandoned result can be skipped.

use bytes::BufMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::IsNull;
use postgres_protocol::message::backend::{DataRowBody, Message};
use postgres_protocol::message::frontend;
use tessera_plugin_sdk::{Error, Result};

use crate::error::{io_error, server_error, unexpected};
use crate::wire::{Wire, parse_message};

pub struct Session {
    pub wire: Wire,
    /// `ReadyForQuery` messages the server will still send for what was already
    /// written; zero when the session is idle.
    pub pending_ready: u32,
    /// Wrap every statement in a read-only transaction (DML is not allowed).
    pub read_only: bool,
    /// Bumped by every command, so a result stream notices that a later command
    /// skipped the rest of its rows.
    pub generation: u64,
}

impl Session {
    pub fn new(wire: Wire, read_only: bool) -> Self {
        Self {
            wire,
            pending_ready: 0,
            read_only,
            generation: 0,
        }
    }

    /// Readies the session for a new command: skips whatever is left of an earlier
    /// one (an unread result) and returns the new command's generation.
    pub fn begin(&mut self) -> Result<u64> {
        self.drain()?;
        self.generation += 1;
        Ok(self.generation)
    }

    /// Reads and discards messages until the server is idle again.
    pub fn drain(&mut self) -> Result<()> {
        while self.pending_ready > 0 {
            let (tag, _) = self.wire.next_frame().map_err(io_error)?;
            if tag == b'Z' {
                self.pending_ready -= 1;
            }
        }
        Ok(())
    }

    /// Reads the rest of a command's answer until the server is idle, returning the
    /// first error it reports (such as a deferred constraint failing at commit).
    pub fn finish(&mut self) -> Result<()> {
        let mut failure = None;
        while self.pending_ready > 0 {
            if let Message::ErrorResponse(body) = self.recv()? {
                failure = failure.or(Some(server_error(&body)));
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// Sends the queued messages, which end in `syncs` Sync or simple-query messages.
    pub fn send(&mut self, syncs: u32) -> Result<()> {
        self.pending_ready += syncs;
        self.wire.send().map_err(io_error)
    }

    /// The next message that answers a command: notices, parameter changes and
    /// notifications are skipped, and `ReadyForQuery` is counted.
    pub fn recv(&mut self) -> Result<Message> {
        loop {
            let (tag, body) = self.wire.next_frame().map_err(io_error)?;
            match tag {
                b'N' | b'S' | b'A' => continue,
                b'Z' => self.pending_ready = self.pending_ready.saturating_sub(1),
                _ => {}
            }
            return parse_message(tag, body).map_err(io_error);
        }
    }

    /// Runs a catalog query with text parameters (`None` is NULL) and returns its
    /// rows as text, through the extended protocol so no value is spliced into SQL.
    pub fn query(
        &mut self,
        sql: &str,
        params: &[Option<&str>],
    ) -> Result<Vec<Vec<Option<String>>>> {
        self.begin()?;
        let out = &mut self.wire.out;
        frontend::parse("", sql, params.iter().map(|_| 0), out).map_err(io_error)?;
        frontend::bind(
            "",
            "",
            [0],
            params.iter().copied(),
            |param, buf| {
                Ok(match param {
                    Some(text) => {
                        buf.put_slice(text.as_bytes());
                        IsNull::No
                    }
                    None => IsNull::Yes,
                })
            },
            [0],
            out,
        )
        .map_err(|_| Error::internal("could not encode a query parameter"))?;
        frontend::execute("", 0, out).map_err(io_error)?;
        frontend::sync(out);
        self.send(1)?;

        let mut rows = Vec::new();
        let mut failure = None;
        while self.pending_ready > 0 {
            match self.recv()? {
                Message::DataRow(row) if failure.is_none() => rows.push(text_row(&row)?),
                Message::ErrorResponse(body) => failure = failure.or(Some(server_error(&body))),
                _ => {}
            }
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(rows),
        }
    }
}

fn text_row(row: &DataRowBody) -> Result<Vec<Option<String>>> {
    let buf = row.buffer();
    row.ranges()
        .map(|range| Ok(range.map(|r| String::from_utf8_lossy(&buf[r]).into_owned())))
        .collect()
        .map_err(|_| unexpected("data row"))
}

//! A logged-in session: sends commands and walks result sets packet by packet.

use mysql_common::constants::{CapabilityFlags, StatusFlags};
use mysql_common::io::ParseBuf;
use mysql_common::packets::{
    Column, CommonOkPacket, OkPacketDeserializer, OkPacketKind, OldEofPacket, ResultSetTerminator,
};
use tessera_plugin_sdk::{Error, NetworkUri, Result};

use crate::error::{protocol, server_error};
use crate::handshake;
use crate::wire::PacketStream;

const COM_QUERY: u8 = 0x03;

/// Packets of this size or more are never terminators (they are long rows).
const MAX_PAYLOAD: usize = 0xFF_FFFF;

/// Where the session stands in the protocol.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ready for a command.
    Idle,
    /// Rows of a result set are still to be read.
    Rows,
    /// A result set ended but more follow (CALL of a procedure).
    MoreResults,
    /// An I/O error left the protocol out of step; the session is unusable.
    Broken,
}

/// What a statement answered first.
pub enum Outcome {
    /// No result set (DDL, DML, SET...).
    NoRows,
    /// A result set with these columns; read its rows with [`Session::next_row`].
    Rows(Vec<Column>),
}

/// The start of one result of a command.
enum Header {
    Done { more: bool },
    Rows(Vec<Column>),
}

pub struct Session {
    stream: PacketStream,
    capabilities: CapabilityFlags,
    /// The last packet read; rows are decoded straight from it.
    buf: Vec<u8>,
    state: State,
    /// Counts statements, so a stale row stream can tell its rows are gone.
    generation: u64,
}

impl Session {
    pub fn open(uri: &NetworkUri) -> Result<Self> {
        let (stream, capabilities) = handshake::connect(uri)?;
        Ok(Self {
            stream,
            capabilities,
            buf: Vec::with_capacity(1 << 16),
            state: State::Idle,
            generation: 0,
        })
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Sends a statement (after draining whatever the previous one left unread).
    pub fn query(&mut self, sql: &str) -> Result<Outcome> {
        self.finish()?;
        self.generation += 1;
        let mut packet = Vec::with_capacity(sql.len() + 1);
        packet.push(COM_QUERY);
        packet.extend_from_slice(sql.as_bytes());
        self.stream.reset_seq();
        if let Err(e) = self.stream.write_packet(&packet) {
            return Err(self.lost(e));
        }
        loop {
            match self.read_header()? {
                Header::Done { more: true } => {}
                Header::Done { more: false } => return Ok(Outcome::NoRows),
                Header::Rows(columns) => return Ok(Outcome::Rows(columns)),
            }
        }
    }

    /// Runs a statement whose result, if any, does not matter.
    pub fn exec(&mut self, sql: &str) -> Result<()> {
        self.query(sql)?;
        self.finish()
    }

    /// Runs a small query and returns all its rows as text (for catalog queries).
    pub fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let Outcome::Rows(columns) = self.query(sql)? else {
            return Ok(Vec::new());
        };
        let mut rows = Vec::new();
        while let Some(payload) = self.next_row()? {
            let mut buf = ParseBuf(payload);
            let row = (0..columns.len())
                .map(|_| {
                    let value = text_value(&mut buf)?;
                    Ok(value.map(|v| String::from_utf8_lossy(v).into_owned()))
                })
                .collect::<Result<Vec<_>>>()?;
            rows.push(row);
        }
        Ok(rows)
    }

    /// The next row's payload of the current result set; `None` after the last.
    pub fn next_row(&mut self) -> Result<Option<&[u8]>> {
        if self.state != State::Rows {
            return Ok(None);
        }
        self.read()?;
        match self.buf[0] {
            0xFE if self.buf.len() < MAX_PAYLOAD => {
                let more = if self
                    .capabilities
                    .contains(CapabilityFlags::CLIENT_DEPRECATE_EOF)
                {
                    self.more_results::<ResultSetTerminator>()?
                } else {
                    self.more_results::<OldEofPacket>()?
                };
                self.state = if more {
                    State::MoreResults
                } else {
                    State::Idle
                };
                Ok(None)
            }
            0xFF => {
                self.state = State::Idle;
                Err(server_error(&self.buf, self.capabilities))
            }
            _ => Ok(Some(&self.buf)),
        }
    }

    /// Reads and drops what is left of the current command's results.
    fn finish(&mut self) -> Result<()> {
        loop {
            match self.state {
                State::Idle => return Ok(()),
                State::Broken => return Err(Error::internal("Lost connection to MySQL server")),
                State::Rows => while self.next_row()?.is_some() {},
                // read_header moves the state on: to Rows, MoreResults or Idle.
                State::MoreResults => {
                    self.read_header()?;
                }
            }
        }
    }

    /// Reads the first packet of a result: OK, error, or a result set's columns.
    fn read_header(&mut self) -> Result<Header> {
        self.read()?;
        match self.buf[0] {
            0x00 => {
                let more = self.more_results::<CommonOkPacket>()?;
                self.state = if more {
                    State::MoreResults
                } else {
                    State::Idle
                };
                Ok(Header::Done { more })
            }
            0xFF => {
                self.state = State::Idle;
                Err(server_error(&self.buf, self.capabilities))
            }
            // LOCAL INFILE requests need CLIENT_LOCAL_FILES, which we never send.
            0xFB => {
                self.state = State::Broken;
                Err(protocol("unexpected LOCAL INFILE request"))
            }
            _ => {
                let count = ParseBuf(&self.buf)
                    .checked_eat_lenenc_int()
                    .ok_or_else(|| protocol("malformed column count"))?;
                let mut columns = Vec::new();
                for _ in 0..count {
                    self.read()?;
                    let column = ParseBuf(&self.buf)
                        .parse::<Column>(())
                        .map_err(|_| self.desync("malformed column definition"))?;
                    columns.push(column);
                }
                if !self
                    .capabilities
                    .contains(CapabilityFlags::CLIENT_DEPRECATE_EOF)
                {
                    self.read()?; // the EOF packet after the column definitions
                }
                self.state = State::Rows;
                Ok(Header::Rows(columns))
            }
        }
    }

    /// Whether the OK/EOF packet in `buf` announces further results.
    fn more_results<K: OkPacketKind>(&mut self) -> Result<bool> {
        match ParseBuf(&self.buf).parse::<OkPacketDeserializer<'_, K>>(self.capabilities) {
            Ok(ok) => Ok(ok
                .into_inner()
                .status_flags()
                .contains(StatusFlags::SERVER_MORE_RESULTS_EXISTS)),
            Err(_) => Err(self.desync("malformed OK packet")),
        }
    }

    /// Reads the next packet into `buf`; an empty packet is a protocol error.
    fn read(&mut self) -> Result<()> {
        if let Err(e) = self.stream.read_packet(&mut self.buf) {
            return Err(self.lost(e));
        }
        if self.buf.is_empty() {
            return Err(self.desync("empty packet"));
        }
        Ok(())
    }

    fn lost(&mut self, e: std::io::Error) -> Error {
        self.state = State::Broken;
        let message = format!("Lost connection to MySQL server: {e}");
        Error::new(Error::from(e).kind, message)
    }

    fn desync(&mut self, what: &str) -> Error {
        self.state = State::Broken;
        protocol(what)
    }
}

/// One value of a text-protocol row: NULL (0xFB) or a length-encoded string.
#[inline]
pub fn text_value<'a>(buf: &mut ParseBuf<'a>) -> Result<Option<&'a [u8]>> {
    if buf.0.first() == Some(&0xFB) {
        buf.skip(1);
        return Ok(None);
    }
    buf.checked_eat_lenenc_str()
        .map(Some)
        .ok_or_else(|| protocol("truncated row"))
}

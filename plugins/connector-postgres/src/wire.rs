//! The socket and its framing: writes queued frontend messages and cuts the byte
//! stream from the server into backend messages.
//!
//! Reads go into one large buffer that is parsed in place, so a result of many small
//! `DataRow`s costs one socket read per ~256 KiB rather than one per message.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use bytes::{BufMut, BytesMut};
use postgres_protocol::message::backend::Message;

/// Bytes asked of the socket per read; the buffer grows beyond it only for a
/// message larger than itself.
const READ_CHUNK: usize = 256 * 1024;

/// A message header: one tag byte and a big-endian length that counts itself.
const HEADER: usize = 5;

pub struct Wire {
    stream: TcpStream,
    /// Received bytes; `inbox[start..end]` are not yet consumed.
    inbox: Vec<u8>,
    start: usize,
    end: usize,
    /// Frontend messages waiting for [`Wire::send`].
    pub out: BytesMut,
}

impl Wire {
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            inbox: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            out: BytesMut::with_capacity(1024),
        }
    }

    /// Writes every queued message in one go.
    pub fn send(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    /// The next message's tag, without consuming it.
    pub fn peek_tag(&mut self) -> io::Result<u8> {
        self.buffer(1)?;
        Ok(self.inbox[self.start])
    }

    /// The next message as its tag and body; the body borrows the buffer, so this is
    /// the zero-copy path used for rows.
    pub fn next_frame(&mut self) -> io::Result<(u8, &[u8])> {
        self.buffer(HEADER)?;
        let header = &self.inbox[self.start..self.start + HEADER];
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if len < 4 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "malformed message from the server",
            ));
        }
        let total = len + 1;
        self.buffer(total)?;
        let begin = self.start;
        self.start += total;
        Ok((
            self.inbox[begin],
            &self.inbox[begin + HEADER..begin + total],
        ))
    }

    /// Ensures at least `need` unconsumed bytes are buffered.
    fn buffer(&mut self, need: usize) -> io::Result<()> {
        while self.end - self.start < need {
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            let room = self.inbox.len() - self.end;
            if room < READ_CHUNK / 4 || self.inbox.len() - self.start < need {
                // Too little room to read into: move the unconsumed bytes to the
                // front, and grow the buffer if a single message does not fit.
                self.inbox.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.inbox.len() < need {
                    self.inbox.resize(need.next_power_of_two(), 0);
                }
            }
            let n = self.stream.read(&mut self.inbox[self.end..])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            self.end += n;
        }
        Ok(())
    }
}

/// Rebuilds a frame as a `postgres_protocol` message, for the messages that are not
/// on the hot path.
pub fn parse_message(tag: u8, body: &[u8]) -> io::Result<Message> {
    let mut buf = BytesMut::with_capacity(HEADER + body.len());
    buf.put_u8(tag);
    buf.put_u32(body.len() as u32 + 4);
    buf.put_slice(body);
    Message::parse(&mut buf)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "truncated message from the server",
        )
    })
}

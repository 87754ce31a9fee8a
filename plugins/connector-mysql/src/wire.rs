//! MySQL packet framing: a 3-byte length and a sequence id before every payload.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;

/// Payloads of this length continue in the next packet.
const MAX_PAYLOAD: usize = 0xFF_FFFF;

/// Large enough that a result streams in few reads.
const READ_BUFFER: usize = 1 << 20;

/// A socket reading and writing whole (reassembled) packets.
pub struct PacketStream {
    reader: BufReader<TcpStream>,
    /// Frames of the packet being written, sent in one write. (wasi-sockets cannot
    /// clone a socket, so reads and writes share the reader's.)
    outgoing: Vec<u8>,
    /// The sequence id the next written packet carries.
    seq: u8,
}

impl PacketStream {
    pub fn new(stream: TcpStream) -> std::io::Result<Self> {
        // Requests are single small packets; without this each waits for Nagle's timer.
        // wasi-sockets has no TCP_NODELAY; a native build (the tests) still sets it.
        let _ = stream.set_nodelay(true);
        Ok(Self {
            reader: BufReader::with_capacity(READ_BUFFER, stream),
            outgoing: Vec::new(),
            seq: 0,
        })
    }

    /// Starts a new command: the client's first packet has sequence id 0.
    pub fn reset_seq(&mut self) {
        self.seq = 0;
    }

    /// Reads one logical packet into `buf` (cleared first).
    pub fn read_packet(&mut self, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.clear();
        loop {
            let mut header = [0u8; 4];
            self.reader.read_exact(&mut header)?;
            let len =
                usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
            self.seq = header[3].wrapping_add(1);
            let start = buf.len();
            buf.resize(start + len, 0);
            self.reader.read_exact(&mut buf[start..])?;
            if len < MAX_PAYLOAD {
                return Ok(());
            }
        }
    }

    /// Writes one logical packet, split as the protocol requires, and flushes it.
    pub fn write_packet(&mut self, payload: &[u8]) -> std::io::Result<()> {
        let mut last_len = 0;
        for chunk in payload.chunks(MAX_PAYLOAD) {
            self.write_frame(chunk)?;
            last_len = chunk.len();
        }
        // An empty payload, or one filling whole packets, ends with an empty packet.
        if last_len == MAX_PAYLOAD || payload.is_empty() {
            self.write_frame(&[])?;
        }
        let sent = self.reader.get_ref().write_all(&self.outgoing);
        self.outgoing.clear();
        sent
    }

    fn write_frame(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        let len = chunk.len().to_le_bytes();
        self.outgoing
            .extend_from_slice(&[len[0], len[1], len[2], self.seq]);
        self.outgoing.extend_from_slice(chunk);
        self.seq = self.seq.wrapping_add(1);
        Ok(())
    }
}

//! Opening the database file inside the sandbox.
//!
//! The connection uses SQLite's `unix-none` VFS, which takes no locks: WASI has no
//! POSIX advisory locks, and a read-only preopened directory leaves no room for lock
//! files. The cost is that nothing guards the file against another process writing
//! while a statement reads it; with DML allowed, writers must not overlap.

use std::io::Read;

use rusqlite::{Connection, OpenFlags};
use tessera_plugin_sdk::Result;

use crate::error::from_rusqlite;

pub fn open(path: &str, allow_dml: bool) -> Result<Connection> {
    // Never SQLITE_OPEN_CREATE: a mistyped path must fail, not make an empty database.
    let access = if allow_dml {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    let conn = Connection::open_with_flags_and_vfs(
        path,
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        "unix-none",
    )
    .map_err(from_rusqlite)?;
    // Sorts and GROUP BY spill to temporary files otherwise, which the sandbox has
    // nowhere to put.
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(from_rusqlite)?;
    if is_wal(path) {
        // Without a VFS that maps shared memory, SQLite reads a WAL database only in
        // exclusive mode, keeping the WAL index in the connection's own memory. Not
        // used otherwise: exclusive mode also trusts its page cache across
        // transactions, so it would miss other writers' changes.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(from_rusqlite)?;
    }
    Ok(conn)
}

/// Whether the file's header marks it as a WAL database (format versions 2 at bytes
/// 18 and 19). Any read failure answers no and lets SQLite report the problem.
fn is_wal(path: &str) -> bool {
    let mut header = [0; 20];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .is_ok_and(|()| header[18] == 2 && header[19] == 2)
}

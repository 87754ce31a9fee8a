//! A prepared statement that owns a share of its connection.
//!
//! The host reads a result batch by batch across calls, so the statement must outlive
//! `execute`. rusqlite's `Statement` and `Rows` borrow the connection and each other,
//! which a value kept between calls cannot express without self-referential tricks;
//! dropping `Rows` would also reset the statement. So this module steps the statement
//! through SQLite's C API (re-exported as `rusqlite::ffi`), and holds an
//! `Rc<Connection>` so the database handle stays open until the statement is
//! finalised. All `unsafe` of the crate is here.

use std::ffi::{CStr, c_char, c_int};
use std::ptr::{self, NonNull};
use std::rc::Rc;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ffi};
use tessera_plugin_sdk::{Error, ErrorKind, Result};

use crate::error;

/// One prepared statement; finalised on drop, before its connection share is released.
pub struct RawStatement {
    stmt: NonNull<ffi::sqlite3_stmt>,
    conn: Rc<Connection>,
}

impl RawStatement {
    /// Prepares the single statement in `sql`. Text after it other than blanks and
    /// comments is refused, as a second statement would silently be ignored.
    pub fn prepare(conn: &Rc<Connection>, sql: &str) -> Result<Self> {
        let (first, tail) = prepare_one(conn, sql)?;
        let stmt = first
            .ok_or_else(|| Error::new(ErrorKind::QueryFailed, "The SQL text holds no statement"))?;
        if prepare_one(conn, sql.get(tail..).unwrap_or_default())?
            .0
            .is_some()
        {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "You can only execute one statement at a time.",
            ));
        }
        Ok(stmt)
    }

    /// Whether the statement leaves the database unchanged.
    pub fn readonly(&self) -> bool {
        // SAFETY: `self.stmt` is a live statement until `drop`.
        unsafe { ffi::sqlite3_stmt_readonly(self.stmt.as_ptr()) != 0 }
    }

    pub fn column_count(&self) -> usize {
        // SAFETY: as in `readonly`.
        let count = unsafe { ffi::sqlite3_column_count(self.stmt.as_ptr()) };
        usize::try_from(count).unwrap_or(0)
    }

    /// The result column's name.
    pub fn column_name(&self, col: usize) -> String {
        // SAFETY: as in `readonly`; SQLite returns NULL only when out of memory.
        let name = unsafe { ffi::sqlite3_column_name(self.stmt.as_ptr(), index(col)) };
        owned_text(name).unwrap_or_default()
    }

    /// The declared type of the table column a result column reads, if any.
    pub fn column_decltype(&self, col: usize) -> Option<String> {
        // SAFETY: as in `readonly`.
        owned_text(unsafe { ffi::sqlite3_column_decltype(self.stmt.as_ptr(), index(col)) })
    }

    /// Whether the result column is a table column rather than an expression.
    pub fn column_is_table_column(&self, col: usize) -> bool {
        // SAFETY: as in `readonly` (the bundled SQLite has SQLITE_ENABLE_COLUMN_METADATA).
        let origin = unsafe { ffi::sqlite3_column_origin_name(self.stmt.as_ptr(), index(col)) };
        !origin.is_null()
    }

    /// Advances to the next row: `true` when there is one, `false` at the end.
    pub fn step(&mut self) -> Result<bool> {
        // SAFETY: as in `readonly`; `&mut self` ends every borrow of the current row.
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            code => Err(last_error(&self.conn, code)),
        }
    }

    /// The current row's value in column `col`, in the storage class SQLite holds it
    /// in (reading it so converts nothing, which keeps the borrowed bytes valid).
    pub fn value(&mut self, col: usize) -> ValueRef<'_> {
        let (stmt, col) = (self.stmt.as_ptr(), index(col));
        // SAFETY: the statement sits on a row (callers only read after `step` gave
        // `true`; otherwise SQLite answers NULL). Text and blob pointers stay valid
        // until the next step or a type conversion of this column, and `&mut self`
        // forbids both while the returned value lives.
        unsafe {
            match ffi::sqlite3_column_type(stmt, col) {
                ffi::SQLITE_INTEGER => ValueRef::Integer(ffi::sqlite3_column_int64(stmt, col)),
                ffi::SQLITE_FLOAT => ValueRef::Real(ffi::sqlite3_column_double(stmt, col)),
                ffi::SQLITE_TEXT => ValueRef::Text(bytes(
                    ffi::sqlite3_column_text(stmt, col),
                    ffi::sqlite3_column_bytes(stmt, col),
                )),
                ffi::SQLITE_BLOB => ValueRef::Blob(bytes(
                    ffi::sqlite3_column_blob(stmt, col).cast(),
                    ffi::sqlite3_column_bytes(stmt, col),
                )),
                _ => ValueRef::Null,
            }
        }
    }
}

impl Drop for RawStatement {
    fn drop(&mut self) {
        // SAFETY: the statement is live and never used again; `self.conn` still holds
        // the database open. The result only repeats the last step's error.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// Prepares the first statement of `sql`; also gives the byte offset where it ends.
/// `None` when `sql` holds only blanks and comments.
fn prepare_one(conn: &Rc<Connection>, sql: &str) -> Result<(Option<RawStatement>, usize)> {
    let len = c_int::try_from(sql.len())
        .map_err(|_| Error::new(ErrorKind::QueryFailed, "The SQL text is too long"))?;
    let mut stmt = ptr::null_mut();
    let mut tail: *const c_char = ptr::null();
    // SAFETY: the handle is live while `conn` is; SQLite reads exactly `len` bytes of
    // `sql` and points `tail` into them.
    let code = unsafe {
        ffi::sqlite3_prepare_v2(
            conn.handle(),
            sql.as_ptr().cast(),
            len,
            &mut stmt,
            &mut tail,
        )
    };
    if code != ffi::SQLITE_OK {
        return Err(last_error(conn, code));
    }
    let consumed = if tail.is_null() {
        sql.len()
    } else {
        (tail as usize).saturating_sub(sql.as_ptr() as usize)
    };
    let stmt = NonNull::new(stmt).map(|stmt| RawStatement {
        stmt,
        conn: Rc::clone(conn),
    });
    Ok((stmt, consumed))
}

/// The error SQLite reported for `code` on `conn`.
fn last_error(conn: &Connection, code: c_int) -> Error {
    // SAFETY: the handle is live; SQLite's message is copied before anything else runs.
    let message = owned_text(unsafe { ffi::sqlite3_errmsg(conn.handle()) });
    error::from_sqlite(
        ffi::Error::new(code).code,
        message.as_deref().unwrap_or("SQLite failed"),
    )
}

fn index(col: usize) -> c_int {
    // Result columns are at most SQLITE_MAX_COLUMN (32767), so this never saturates.
    c_int::try_from(col).unwrap_or(c_int::MAX)
}

/// A copy of a NUL-terminated string from SQLite; `None` for NULL.
fn owned_text(text: *const c_char) -> Option<String> {
    // SAFETY: SQLite gives NULL or a NUL-terminated string valid until its next call.
    (!text.is_null()).then(|| {
        unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned()
    })
}

/// The `len` bytes at `data` (SQLite gives NULL for an empty value).
///
/// # Safety
/// `data` must be NULL or point to `len` readable bytes outliving `'a`.
unsafe fn bytes<'a>(data: *const u8, len: c_int) -> &'a [u8] {
    match usize::try_from(len) {
        Ok(len) if !data.is_null() => unsafe { std::slice::from_raw_parts(data, len) },
        _ => &[],
    }
}

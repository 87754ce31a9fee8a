//! The connector against real database files, natively.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use connector_sqlite::{Session, Sqlite};
use tessera_plugin_sdk::arrow_array::cast::AsArray;
use tessera_plugin_sdk::arrow_array::types::{
    Date32Type, Float64Type, Int64Type, TimestampMicrosecondType,
};
use tessera_plugin_sdk::arrow_array::{Array, RecordBatch};
use tessera_plugin_sdk::{
    BATCH_ROWS, ConnectOptions, Connection, Connector, DataType, ErrorKind, SchemaRef, TableKind,
    TimeUnit, Transport,
};

/// A directory of its own per test, removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("connector-sqlite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FIXTURE: &str = "
CREATE TABLE all_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    i BIGINT NOT NULL,
    b BOOLEAN,
    t varchar(20),
    c CLOB,
    r REAL,
    n NUMERIC(10, 2),
    d DATE,
    dt DATETIME,
    ts TIMESTAMP,
    tm TIME,
    bl BLOB,
    u
);
INSERT INTO all_types (i, b, t, c, r, n, d, dt, ts, tm, bl, u) VALUES
    (1, 1, 'one', 'long one', 1.5, 10.25, '2024-01-02', '2024-01-02 03:04:05',
     '2024-01-02T03:04:05.123456', '03:04:05', x'0102', 7),
    (2, 0, 'two', NULL, 2, '3.5', 1704164645, 1704164645, '2024-01-02', NULL, NULL, 'text'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('4', 'true', 42, NULL, 'bad', 'bad', 'not a date', 'not a time', 1.5, NULL, 'abc', 2.5);
CREATE TABLE pairs (a TEXT NOT NULL, b INT, c TEXT, PRIMARY KEY (b, a));
CREATE VIEW v_pairs AS SELECT a, b FROM pairs;
CREATE TABLE numbers (x INTEGER);
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < 150000)
INSERT INTO numbers SELECT x FROM seq;
";

fn fixture(dir: &TempDir) -> PathBuf {
    let path = dir.file("fixture.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(FIXTURE).unwrap();
    path
}

fn options(path: &Path, allow_dml: bool) -> ConnectOptions {
    ConnectOptions {
        uri: format!("sqlite://{}", path.display()),
        allow_dml,
        engine_params: "{}".into(),
    }
}

fn open(path: &Path, allow_dml: bool) -> Session {
    Session::open(options(path, allow_dml)).unwrap()
}

fn run(session: &Session, sql: &str) -> (SchemaRef, Vec<RecordBatch>) {
    let mut stream = session.execute(sql).unwrap();
    let schema = stream.schema();
    let mut batches = Vec::new();
    while let Some(batch) = stream.next_batch().unwrap() {
        assert_eq!(batch.schema(), schema);
        batches.push(batch);
    }
    (schema, batches)
}

fn one_batch(session: &Session, sql: &str) -> RecordBatch {
    let (_, mut batches) = run(session, sql);
    assert_eq!(batches.len(), 1, "{sql}");
    batches.remove(0)
}

fn error_kind(session: &Session, sql: &str) -> (ErrorKind, String) {
    match session.execute(sql) {
        Ok(_) => panic!("{sql} succeeded"),
        Err(err) => (err.kind, err.message),
    }
}

#[test]
fn describes_itself() {
    let d = Sqlite::describe();
    assert_eq!(
        (d.engine.as_str(), d.driver.as_str()),
        ("sqlite", "pysqlite")
    );
    assert_eq!(d.schemes, ["sqlite"]);
    assert!(matches!(d.transport, Transport::File));
    assert_eq!(d.default_port, None);
}

#[test]
fn lists_schemas_and_tables() {
    let dir = TempDir::new("lists");
    let path = fixture(&dir);
    let other = dir.file("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE elsewhere (x); CREATE VIEW \"odd\"\"view\" AS SELECT 1")
        .unwrap();
    let session = open(&path, false);
    session.test().unwrap();
    assert_eq!(session.list_schemas().unwrap(), ["main"]);

    let tables: Vec<(String, TableKind)> = session
        .list_tables("main")
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.kind))
        .collect();
    let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
    // sqlite_sequence (made by AUTOINCREMENT) is SQLite's own.
    assert_eq!(names, ["all_types", "numbers", "pairs", "v_pairs"]);
    assert!(matches!(tables[3].1, TableKind::View));
    assert!(matches!(tables[0].1, TableKind::Table));

    // ATTACH changes no file, so a read-only session may run it.
    run(
        &session,
        &format!("ATTACH '{}' AS \"my \"\"other\"", other.display()),
    );
    assert_eq!(session.list_schemas().unwrap(), ["main", "my \"other"]);
    let names: Vec<String> = session
        .list_tables("my \"other")
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["elsewhere", "odd\"view"]);
    let err = session.list_tables("nope").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn describes_tables() {
    let dir = TempDir::new("describe");
    let session = open(&fixture(&dir), false);

    let described = session.table_schema(None, "all_types").unwrap();
    let columns: Vec<(&str, &str, bool, &DataType)> = described
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.as_str(),
                c.nullable,
                &c.data_type,
            )
        })
        .collect();
    let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
    assert_eq!(
        columns,
        [
            ("id", "INTEGER", false, &DataType::Int64),
            ("i", "BIGINT", false, &DataType::Int64),
            ("b", "BOOLEAN", true, &DataType::Boolean),
            ("t", "VARCHAR(20)", true, &DataType::Utf8),
            ("c", "CLOB", true, &DataType::Utf8),
            ("r", "REAL", true, &DataType::Float64),
            ("n", "NUMERIC(10, 2)", true, &DataType::Float64),
            ("d", "DATE", true, &DataType::Date32),
            ("dt", "DATETIME", true, &ts),
            ("ts", "TIMESTAMP", true, &ts),
            ("tm", "TIME", true, &DataType::Utf8),
            ("bl", "BLOB", true, &DataType::Binary),
            ("u", "", true, &DataType::Utf8),
        ]
    );
    assert_eq!(described.primary_key, ["id"]);
    assert!(described.columns.iter().all(|c| c.comment.is_none()));

    let pairs = session.table_schema(Some("main"), "PAIRS").unwrap();
    assert_eq!(pairs.primary_key, ["b", "a"]);
    let view = session.table_schema(Some("main"), "v_pairs").unwrap();
    assert_eq!(view.columns.len(), 2);
    assert!(view.primary_key.is_empty());

    let err = session.table_schema(None, "missing").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.message, "Table [main.missing] could not be found");
    let err = session.table_schema(Some("nope"), "all_types").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[test]
fn reads_every_type_with_coercion() {
    let dir = TempDir::new("types");
    let session = open(&fixture(&dir), false);
    let batch = one_batch(&session, "SELECT * FROM all_types ORDER BY id");
    // The result's types are the table's.
    let described = session.table_schema(None, "all_types").unwrap();
    for (field, column) in batch.schema().fields().iter().zip(&described.columns) {
        assert_eq!(field.data_type(), &column.data_type, "{}", column.name);
    }
    let col = |name: &str| Arc::clone(batch.column_by_name(name).unwrap());
    let opt = |a: &dyn Array, row: usize| a.is_valid(row);

    let i = col("i");
    let i = i.as_primitive::<Int64Type>();
    assert_eq!(i.values()[..], [1, 2, 3, 4]); // '4' was stored as 4 by INTEGER affinity

    let b = col("b");
    let b = b.as_boolean();
    assert_eq!(
        (0..4)
            .map(|r| b.is_valid(r).then(|| b.value(r)))
            .collect::<Vec<_>>(),
        [Some(true), Some(false), None, Some(true)]
    );

    let t = col("t");
    let t = t.as_string::<i32>();
    assert_eq!(t.value(0), "one");
    assert!(t.is_null(2));
    assert_eq!(t.value(3), "42");

    let r = col("r");
    let r = r.as_primitive::<Float64Type>();
    assert_eq!((r.value(0), r.value(1)), (1.5, 2.0));
    assert!(!opt(r, 2) && !opt(r, 3)); // NULL and 'bad'

    let n = col("n");
    let n = n.as_primitive::<Float64Type>();
    assert_eq!((n.value(0), n.value(1)), (10.25, 3.5));

    let d = col("d");
    let d = d.as_primitive::<Date32Type>();
    assert_eq!((d.value(0), d.value(1)), (19_724, 19_724));
    assert!(d.is_null(2) && d.is_null(3));

    let secs = 1_704_164_645_i64; // 2024-01-02 03:04:05 UTC
    let dt = col("dt");
    let dt = dt.as_primitive::<TimestampMicrosecondType>();
    assert_eq!(
        (dt.value(0), dt.value(1)),
        (secs * 1_000_000, secs * 1_000_000)
    );
    assert!(dt.is_null(3));
    let ts = col("ts");
    let ts = ts.as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.value(0), secs * 1_000_000 + 123_456);
    assert_eq!(ts.value(1), (secs - 3 * 3600 - 4 * 60 - 5) * 1_000_000);
    assert_eq!(ts.value(3), 1_500_000);

    let tm = col("tm");
    assert_eq!(tm.as_string::<i32>().value(0), "03:04:05");

    let bl = col("bl");
    let bl = bl.as_binary::<i32>();
    assert_eq!(bl.value(0), [1, 2]);
    assert_eq!(bl.value(3), b"abc");

    // The untyped column shows every storage class as text.
    let u = col("u");
    let u = u.as_string::<i32>();
    assert_eq!((u.value(0), u.value(1), u.value(3)), ("7", "text", "2.5"));
    assert!(u.is_null(2));
}

#[test]
fn types_expressions_from_their_first_value() {
    let dir = TempDir::new("exprs");
    let session = open(&fixture(&dir), false);
    let batch = one_batch(
        &session,
        "SELECT 1 + 1 AS two, 2.5 AS half, 'x' AS letter, x'00' AS byte, NULL AS void, \
         count(*) AS n, CAST(d AS TEXT) AS d_text FROM all_types WHERE id = 1",
    );
    let types: Vec<&DataType> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.data_type())
        .collect();
    assert_eq!(
        types,
        [
            &DataType::Int64,
            &DataType::Float64,
            &DataType::Utf8,
            &DataType::Binary,
            &DataType::Utf8,
            &DataType::Int64,
            &DataType::Utf8,
        ]
    );
    assert_eq!(batch.column(1).as_primitive::<Float64Type>().value(0), 2.5);

    // No row to look at: expressions are text; table columns keep their types.
    let (schema, batches) = run(&session, "SELECT i, i + 1 AS j FROM all_types WHERE 0");
    assert!(batches.is_empty());
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(schema.field(1).data_type(), &DataType::Utf8);
}

#[test]
fn streams_large_results_in_batches() {
    let dir = TempDir::new("batches");
    let session = open(&fixture(&dir), false);
    let (_, batches) = run(&session, "SELECT x FROM numbers ORDER BY x");
    let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, 150_000 - 2 * BATCH_ROWS]);
    let mut expected = 1;
    for batch in &batches {
        for x in batch.column(0).as_primitive::<Int64Type>().values() {
            assert_eq!(*x, expected);
            expected += 1;
        }
    }
}

#[test]
fn groups_and_sorts_in_memory() {
    let dir = TempDir::new("group");
    let session = open(&fixture(&dir), false);
    let temp_store = one_batch(&session, "PRAGMA temp_store");
    assert_eq!(temp_store.column(0).as_primitive::<Int64Type>().value(0), 2); // MEMORY
    // Grouping on an expression and ordering by an aggregate need temporary b-trees.
    let batch = one_batch(
        &session,
        "SELECT x % 1000 AS k, count(*) AS n, sum(x) AS s FROM numbers \
         GROUP BY x % 1000 ORDER BY s DESC",
    );
    assert_eq!(batch.num_rows(), 1000);
    let n = batch.column(1).as_primitive::<Int64Type>();
    assert!(n.values().iter().all(|n| *n == 150));
    let k = batch.column(0).as_primitive::<Int64Type>();
    assert_eq!(k.value(0), 0); // 1000, 2000, ... 150000 has the largest sum
}

#[test]
fn maps_errors() {
    let dir = TempDir::new("errors");
    let session = open(&fixture(&dir), false);
    assert_eq!(error_kind(&session, "SELEC 1").0, ErrorKind::Syntax);
    assert_eq!(error_kind(&session, "SELECT (1").0, ErrorKind::Syntax);
    let (kind, message) = error_kind(&session, "SELECT * FROM missing");
    assert_eq!(
        (kind, message.as_str()),
        (ErrorKind::NotFound, "no such table: missing")
    );
    assert_eq!(
        error_kind(&session, "SELECT nope FROM numbers").0,
        ErrorKind::QueryFailed
    );
    assert_eq!(
        error_kind(&session, "SELECT 1; SELECT 2").0,
        ErrorKind::Unsupported
    );
    assert_eq!(error_kind(&session, "-- nothing").0, ErrorKind::QueryFailed);
    // A trailing semicolon and comment are one statement.
    one_batch(&session, "SELECT 1; -- done");
}

#[test]
fn refuses_missing_and_foreign_files() {
    let dir = TempDir::new("files");
    for allow_dml in [false, true] {
        let err = Session::open(options(&dir.file("missing.db"), allow_dml))
            .err()
            .unwrap();
        assert_eq!(err.kind, ErrorKind::UnknownDatabase, "{}", err.message);
        assert!(
            err.message.contains("unable to open database file"),
            "{}",
            err.message
        );
    }
    assert!(!dir.file("missing.db").exists());

    let text = dir.file("notes.txt");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough",
    )
    .unwrap();
    let err = Session::open(options(&text, false)).err().unwrap();
    assert_eq!(err.kind, ErrorKind::UnknownDatabase);
    assert_eq!(err.message, "file is not a database");

    let bad = ConnectOptions {
        uri: "sqlite://relative.db".into(),
        allow_dml: false,
        engine_params: "{}".into(),
    };
    assert_eq!(
        Session::open(bad).err().unwrap().kind,
        ErrorKind::InvalidUri
    );
}

#[test]
fn changes_data_only_when_allowed() {
    let dir = TempDir::new("dml");
    let path = fixture(&dir);
    let insert = "INSERT INTO pairs (a, b) VALUES ('x', 1)";

    let read_only = open(&path, false);
    let (kind, message) = error_kind(&read_only, insert);
    assert_eq!(kind, ErrorKind::Unsupported);
    assert_eq!(message, "DML is not allowed on this database");
    assert_eq!(
        error_kind(&read_only, "CREATE TABLE t (x)").0,
        ErrorKind::Unsupported
    );

    let count = || {
        let batch = one_batch(&read_only, "SELECT count(*) FROM pairs");
        batch.column(0).as_primitive::<Int64Type>().value(0)
    };
    assert_eq!(count(), 0);
    let writable = open(&path, true);
    let (schema, batches) = run(&writable, insert);
    assert!(schema.fields().is_empty() && batches.is_empty());
    // The other session sees the change: no lock, but no stale cache either.
    assert_eq!(count(), 1);
    // A failing write reports SQLite's message.
    let (kind, message) = error_kind(&writable, insert);
    assert_eq!(kind, ErrorKind::QueryFailed);
    assert!(message.contains("UNIQUE constraint failed"), "{message}");
}

#[test]
fn keeps_several_streams_open() {
    let dir = TempDir::new("streams");
    let session = open(&fixture(&dir), false);
    let mut first = session.execute("SELECT x FROM numbers").unwrap();
    let mut second = session
        .execute("SELECT x FROM numbers WHERE x > 149990")
        .unwrap();
    assert_eq!(second.next_batch().unwrap().unwrap().num_rows(), 10);
    assert_eq!(first.next_batch().unwrap().unwrap().num_rows(), BATCH_ROWS);
    drop(session);
    // The streams keep the connection open after the session is gone.
    assert_eq!(first.next_batch().unwrap().unwrap().num_rows(), BATCH_ROWS);
    assert!(second.next_batch().unwrap().is_none());
}

#[test]
fn reads_wal_databases() {
    let dir = TempDir::new("wal");
    let path = dir.file("wal.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch("CREATE TABLE t (x INT); INSERT INTO t VALUES (1), (2);")
        .unwrap();
    drop(conn);
    for allow_dml in [false, true] {
        let session = open(&path, allow_dml);
        let batch = one_batch(&session, "SELECT sum(x) FROM t");
        assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 3);
    }
}

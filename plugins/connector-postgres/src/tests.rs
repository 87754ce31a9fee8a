//! Native tests against the PostgreSQL on this machine (127.0.0.1:5432, trust auth
//! for `postgres`). Each test works in a schema of its own and drops it afterwards.

use std::sync::atomic::{AtomicU32, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Time64MicrosecondType, TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use tessera_plugin_sdk::{
    ConnectOptions, Connection, Connector, DataType, ErrorKind, TableKind, TimeUnit,
};

use crate::{PgConnection, Postgres};

const SERVER: &str = "postgresql://postgres@127.0.0.1:5432";

fn open(uri: &str, allow_dml: bool) -> tessera_plugin_sdk::Result<PgConnection> {
    PgConnection::open(ConnectOptions {
        uri: uri.into(),
        allow_dml,
        engine_params: "{}".into(),
    })
}

/// A schema that exists for one test, created and dropped through its own session.
struct Scratch {
    name: String,
    admin: PgConnection,
}

impl Scratch {
    fn new(setup: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "tessera_pg_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = open(&format!("{SERVER}/test"), true).unwrap();
        run(&admin, &format!("CREATE SCHEMA {name}"));
        for statement in setup.split(";\n").filter(|s| !s.trim().is_empty()) {
            run(&admin, &statement.replace("{s}", &name));
        }
        Scratch { name, admin }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self
            .admin
            .execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

fn run(conn: &PgConnection, sql: &str) {
    collect(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

fn collect(conn: &PgConnection, sql: &str) -> tessera_plugin_sdk::Result<Vec<RecordBatch>> {
    let mut source = conn.execute(sql)?;
    let mut batches = Vec::new();
    while let Some(batch) = source.next_batch()? {
        assert_eq!(batch.schema(), source.schema());
        batches.push(batch);
    }
    Ok(batches)
}

fn one_batch(conn: &PgConnection, sql: &str) -> RecordBatch {
    let mut batches = collect(conn, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    assert_eq!(batches.len(), 1, "{sql}");
    batches.remove(0)
}

#[test]
fn describes_itself() {
    let d = Postgres::describe();
    assert_eq!(d.name, "connector-postgres");
    assert_eq!(d.engine, "postgresql");
    assert_eq!(d.driver, "psycopg2");
    assert_eq!(d.schemes, ["postgresql", "postgres"]);
    assert_eq!(d.default_port, Some(5432));
    let schema: serde_json::Value = serde_json::from_str(&d.parameter_schema).unwrap();
    assert_eq!(schema["required"][0], "database");
}

#[test]
fn decodes_every_type_with_nulls() {
    let scratch = Scratch::new(
        "CREATE TABLE {s}.t (
            i2 int2, i4 int4, i8 int8, o oid, f4 float4, f8 float8, n numeric(10,2),
            nu numeric, b bool, t text, vc varchar(20), bc char(3), nm name, ch \"char\",
            d date, ts timestamp, tz timestamptz, tm time, j json, jb jsonb, u uuid,
            by bytea, iv interval, arr int4[]);
        INSERT INTO {s}.t VALUES (
            -2, 40000, 5000000000, 4000000000, 1.5, -2.25, -12345678.91,
            123.456, true, 'héllo', 'vc', 'ab', 'nm', 'x',
            '2024-02-29', '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56+02', '23:59:59.5',
            '{\"a\": 1}', '{\"b\": [1, 2]}', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
            '\\xdeadbeef', '1 day 02:00:00', '{1,2}');
        INSERT INTO {s}.t (d, ts, tz, nu) VALUES ('infinity', '-infinity', 'infinity', 'NaN');
        INSERT INTO {s}.t (i2) VALUES (NULL)",
    );
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let batch = one_batch(
        &conn,
        &format!("SELECT * FROM {}.t ORDER BY i2 NULLS LAST, d", scratch.name),
    );
    assert_eq!(batch.num_rows(), 3);
    let types: Vec<DataType> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    let utc = Some("UTC".into());
    assert_eq!(
        types,
        [
            DataType::Int16,
            DataType::Int32,
            DataType::Int64,
            DataType::Int64,
            DataType::Float32,
            DataType::Float64,
            DataType::Decimal128(10, 2),
            DataType::Float64,
            DataType::Boolean,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Date32,
            DataType::Timestamp(TimeUnit::Microsecond, None),
            DataType::Timestamp(TimeUnit::Microsecond, utc),
            DataType::Time64(TimeUnit::Microsecond),
            DataType::Utf8,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Binary,
            DataType::Utf8,
            DataType::Utf8,
        ]
    );
    let c = |i: usize| batch.column(i);
    assert_eq!(c(0).as_primitive::<Int16Type>().value(0), -2);
    assert_eq!(c(1).as_primitive::<Int32Type>().value(0), 40000);
    assert_eq!(c(2).as_primitive::<Int64Type>().value(0), 5_000_000_000);
    assert_eq!(c(3).as_primitive::<Int64Type>().value(0), 4_000_000_000);
    assert_eq!(c(4).as_primitive::<Float32Type>().value(0), 1.5);
    assert_eq!(c(5).as_primitive::<Float64Type>().value(0), -2.25);
    assert_eq!(
        c(6).as_primitive::<Decimal128Type>().value(0),
        -1_234_567_891
    );
    assert_eq!(c(7).as_primitive::<Float64Type>().value(0), 123.456);
    assert!(c(8).as_boolean().value(0));
    let s = |i: usize, row: usize| c(i).as_string::<i32>().value(row).to_owned();
    assert_eq!(s(9, 0), "héllo");
    assert_eq!(s(10, 0), "vc");
    assert_eq!(s(11, 0), "ab ");
    assert_eq!(s(12, 0), "nm");
    assert_eq!(s(13, 0), "x");
    // 2024-02-29 is day 19782 since 1970-01-01.
    assert_eq!(c(14).as_primitive::<Date32Type>().value(0), 19782);
    let day = 19782 * 86_400_000_000i64;
    assert_eq!(
        c(15).as_primitive::<TimestampMicrosecondType>().value(0),
        day + 45_296_789_012
    );
    assert_eq!(
        c(16).as_primitive::<TimestampMicrosecondType>().value(0),
        day + 45_296_000_000 - 7_200_000_000
    );
    assert_eq!(
        c(17).as_primitive::<Time64MicrosecondType>().value(0),
        86_399_500_000
    );
    assert_eq!(s(18, 0), "{\"a\": 1}");
    assert_eq!(s(19, 0), "{\"b\": [1, 2]}");
    assert_eq!(s(20, 0), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assert_eq!(c(21).as_binary::<i32>().value(0), [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(s(22, 0), "1 day 02:00:00");
    assert_eq!(s(23, 0), "{1,2}");
    // Row 1: infinities become NULL, NaN stays a double.
    assert!(c(14).is_null(1) && c(15).is_null(1) && c(16).is_null(1));
    assert!(c(7).as_primitive::<Float64Type>().value(1).is_nan());
    // Row 2: NULL everywhere.
    for i in 0..batch.num_columns() {
        assert!(c(i).is_null(2), "column {i}");
    }
}

#[test]
fn maps_expression_types() {
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let batch = one_batch(
        &conn,
        "SELECT 1::int2 AS a, 2 AS b, count(*) AS c, 1.5::numeric(38,10) AS d, \
         12345678901234567890.123::numeric(40,3) AS e, 'x' AS f, now() AS g, NULL AS h, \
         12.5::numeric(5,-1) AS i",
    );
    let schema = batch.schema();
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    assert_eq!(types[0], &DataType::Int16);
    assert_eq!(types[1], &DataType::Int32);
    assert_eq!(types[2], &DataType::Int64);
    assert_eq!(types[3], &DataType::Decimal128(38, 10));
    assert_eq!(types[4], &DataType::Float64);
    assert_eq!(types[5], &DataType::Utf8);
    assert_eq!(types[7], &DataType::Utf8);
    assert_eq!(types[8], &DataType::Decimal128(5, -1));
    assert_eq!(schema.field(3).name(), "d");
    assert_eq!(
        batch.column(3).as_primitive::<Decimal128Type>().value(0),
        15_000_000_000
    );
    assert_eq!(
        batch.column(4).as_primitive::<Float64Type>().value(0),
        12_345_678_901_234_567_890.123
    );
    assert_eq!(batch.column(8).as_primitive::<Decimal128Type>().value(0), 1);
}

#[test]
fn streams_large_results_in_batches() {
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let batches = collect(&conn, "SELECT g, g::text FROM generate_series(1, 150000) g").unwrap();
    let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
    assert_eq!(sizes, [65536, 65536, 18928]);
    let last = batches[2].column(0).as_primitive::<Int32Type>();
    assert_eq!(last.value(last.len() - 1), 150_000);

    // A stream abandoned halfway: the next statement still works, the old stream
    // reports that it was discarded.
    let mut abandoned = conn
        .execute("SELECT g FROM generate_series(1, 200000) g")
        .unwrap();
    assert_eq!(abandoned.next_batch().unwrap().unwrap().num_rows(), 65536);
    let batch = one_batch(&conn, "SELECT 42");
    assert_eq!(batch.column(0).as_primitive::<Int32Type>().value(0), 42);
    assert!(abandoned.next_batch().is_err());
    conn.test().unwrap();
}

#[test]
fn reports_errors_by_kind() {
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let err = collect(&conn, "SELEC 1").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert!(err.message.contains("syntax error"), "{}", err.message);
    let err = collect(&conn, "SELECT * FROM no_such_table_here").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        err.message,
        "relation \"no_such_table_here\" does not exist"
    );
    let err = collect(&conn, "SELECT 1/0").unwrap_err();
    assert_eq!(err.kind, ErrorKind::QueryFailed);

    // An error after some rows surfaces from next_batch, and the session survives.
    let mut source = conn
        .execute("SELECT 1 / (g - 100000) FROM generate_series(1, 200000) g")
        .unwrap();
    assert!(source.next_batch().unwrap().is_some());
    assert_eq!(
        source.next_batch().unwrap_err().kind,
        ErrorKind::QueryFailed
    );
    assert!(source.next_batch().unwrap().is_none());
    conn.test().unwrap();

    let empty = collect(&conn, "").unwrap();
    assert!(empty.is_empty());
}

#[test]
fn refuses_bad_connections() {
    let err = open(&format!("{SERVER}/no_such_database_xyz"), false)
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::UnknownDatabase);
    assert!(
        err.message.contains("no_such_database_xyz"),
        "{}",
        err.message
    );
    let err = open("postgresql://no_such_role_xyz:secret@127.0.0.1/test", false)
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::AccessDenied);
    assert!(!err.message.contains("secret"));
    let err = open("postgresql://postgres@127.0.0.1:1/test", false)
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::ConnectionRefused);
    let err = open("postgresql://", false).err().unwrap();
    assert_eq!(err.kind, ErrorKind::InvalidUri);
    // The database defaults to the user's name; the driver suffix is ignored.
    let conn = open("postgresql+psycopg2://postgres@127.0.0.1", false).unwrap();
    let batch = one_batch(&conn, "SELECT current_database()");
    assert_eq!(batch.column(0).as_string::<i32>().value(0), "postgres");
}

#[test]
fn read_only_unless_dml_is_allowed() {
    let scratch = Scratch::new("CREATE TABLE {s}.t (x int)");
    let table = format!("{}.t", scratch.name);
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let err = collect(&conn, &format!("INSERT INTO {table} VALUES (1)")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
    // Neither the session default nor an open transaction can lift it.
    run(&conn, "SET default_transaction_read_only = off");
    run(&conn, "BEGIN READ WRITE");
    let err = collect(
        &conn,
        &format!("INSERT INTO {table} VALUES (2) RETURNING x"),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported, "{}", err.message);
    let err = collect(&conn, &format!("CREATE TABLE {}.u (x int)", scratch.name)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unsupported);

    let writer = open(&format!("{SERVER}/test"), true).unwrap();
    let mut source = writer
        .execute(&format!("INSERT INTO {table} VALUES (3)"))
        .unwrap();
    assert!(source.schema().fields().is_empty());
    assert!(source.next_batch().unwrap().is_none());
    let batch = one_batch(&conn, &format!("SELECT count(*) FROM {table}"));
    assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 1);
    // A constraint checked at the implicit commit fails the statement too.
    run(
        &writer,
        &format!("CREATE TABLE {}.p (id int PRIMARY KEY)", scratch.name),
    );
    run(
        &writer,
        &format!(
            "CREATE TABLE {0}.c (pid int REFERENCES {0}.p DEFERRABLE INITIALLY DEFERRED)",
            scratch.name
        ),
    );
    for sql in [
        "INSERT INTO {s}.c VALUES (1)",
        "INSERT INTO {s}.c VALUES (1) RETURNING pid",
    ] {
        let err = collect(&writer, &sql.replace("{s}", &scratch.name)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::QueryFailed, "{}", err.message);
        assert!(err.message.contains("foreign key"), "{}", err.message);
    }
}

#[test]
fn lists_schemas_and_tables() {
    let scratch = Scratch::new(
        "CREATE TABLE {s}.zeta (x int);
        CREATE TABLE {s}.alpha (x int);
        CREATE VIEW {s}.beta AS SELECT 1 AS x;
        CREATE MATERIALIZED VIEW {s}.gamma AS SELECT 1 AS x;
        CREATE TABLE {s}.parted (x int) PARTITION BY RANGE (x);
        CREATE SEQUENCE {s}.seq",
    );
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let schemas = conn.list_schemas().unwrap();
    assert!(schemas.contains(&scratch.name));
    assert!(schemas.contains(&"public".to_owned()));
    assert!(
        !schemas
            .iter()
            .any(|s| s.starts_with("pg_") || s == "information_schema")
    );
    let mut sorted = schemas.clone();
    sorted.sort();
    assert_eq!(schemas, sorted);

    let tables = conn.list_tables(&scratch.name).unwrap();
    let listed: Vec<(&str, TableKind)> = tables.iter().map(|t| (t.name.as_str(), t.kind)).collect();
    assert_eq!(
        listed,
        [
            ("alpha", TableKind::Table),
            ("beta", TableKind::View),
            ("gamma", TableKind::View),
            ("parted", TableKind::Table),
            ("zeta", TableKind::Table),
        ]
    );
    assert!(conn.list_tables("no_such_schema_xyz").unwrap().is_empty());
}

#[test]
fn describes_tables() {
    let scratch = Scratch::new(
        "CREATE DOMAIN {s}.positive AS numeric(8,3) CHECK (VALUE > 0);
        CREATE TABLE {s}.\"Mixed Case\" (
            id integer, name character varying(20) NOT NULL, price numeric(10,2),
            at timestamp with time zone, score {s}.positive, tags text[],
            region text, PRIMARY KEY (region, id));
        COMMENT ON TABLE {s}.\"Mixed Case\" IS 'the table';
        COMMENT ON COLUMN {s}.\"Mixed Case\".name IS 'the name';
        ALTER TABLE {s}.\"Mixed Case\" DROP COLUMN tags",
    );
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let t = conn
        .table_schema(Some(&scratch.name), "Mixed Case")
        .unwrap();
    let columns: Vec<(&str, &str, bool, DataType)> = t
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.as_str(),
                c.nullable,
                c.data_type.clone(),
            )
        })
        .collect();
    let positive = format!("{}.positive", scratch.name);
    assert_eq!(
        columns,
        [
            ("id", "integer", false, DataType::Int32),
            ("name", "character varying(20)", false, DataType::Utf8),
            ("price", "numeric(10,2)", true, DataType::Decimal128(10, 2)),
            (
                "at",
                "timestamp with time zone",
                true,
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
            ),
            ("score", positive.as_str(), true, DataType::Decimal128(8, 3)),
            ("region", "text", false, DataType::Utf8),
        ]
    );
    assert_eq!(t.columns[1].comment.as_deref(), Some("the name"));
    assert_eq!(t.columns[0].comment, None);
    assert_eq!(t.primary_key, ["region", "id"]);
    assert_eq!(t.comment.as_deref(), Some("the table"));

    let err = conn.table_schema(Some(&scratch.name), "nope").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        err.message,
        format!("Table [{}.nope] could not be found", scratch.name)
    );

    // Without a schema, the search path decides (set here through `options`).
    let uri = format!("{SERVER}/test?options=-c%20search_path%3D{}", scratch.name);
    let conn = open(&uri, false).unwrap();
    assert_eq!(
        conn.table_schema(None, "Mixed Case").unwrap().columns.len(),
        6
    );
    let err = conn.table_schema(None, "nope").unwrap_err();
    assert_eq!(
        err.message,
        format!("Table [{}.nope] could not be found", scratch.name)
    );
}

/// Throughput check: `cargo test --release -p connector-postgres -- --ignored`.
#[test]
#[ignore]
fn streams_a_million_rows() {
    let scratch = Scratch::new(
        "CREATE TABLE {s}.big AS SELECT g::int8 AS id, 'name ' || g AS name, g * 0.5::float8 AS value,
            timestamp '2024-01-01' + g * interval '1 second' AS at, (g % 100)::int4 AS category,
            (g % 100000)::numeric(12,2) / 100 AS amount FROM generate_series(1, 1000000) g",
    );
    let conn = open(&format!("{SERVER}/test"), false).unwrap();
    let started = std::time::Instant::now();
    let rows: usize = collect(&conn, &format!("SELECT * FROM {}.big", scratch.name))
        .unwrap()
        .iter()
        .map(RecordBatch::num_rows)
        .sum();
    assert_eq!(rows, 1_000_000);
    eprintln!("1,000,000 rows x 6 columns in {:?}", started.elapsed());
}

/// Password authentication needs a server that asks for one, which the machine's
/// trust-only server does not; point `TESSERA_PG_PASSWORD_URI` at a role on such a
/// server (its URI with the right password) and run with `--ignored`.
#[test]
#[ignore]
fn authenticates_with_a_password() {
    let Ok(uri) = std::env::var("TESSERA_PG_PASSWORD_URI") else {
        return;
    };
    let conn = open(&uri, false).unwrap();
    conn.test().unwrap();
    let (credentials, server) = uri.split_once('@').unwrap();
    let (user, _) = credentials.rsplit_once(':').unwrap();
    let err = open(&format!("{user}:not-the-password@{server}"), false)
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::AccessDenied, "{}", err.message);
    assert!(!err.message.contains("not-the-password"));
    let err = open(&format!("{user}@{server}"), false).err().unwrap();
    assert_eq!(err.kind, ErrorKind::AccessDenied, "{}", err.message);
}

//! Against the local MariaDB: 127.0.0.1:3306, root with no password, database `test`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, Time64MicrosecondType, TimestampMicrosecondType, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use connector_mysql::{MySql, MySqlConnection};
use tessera_plugin_sdk::{
    BATCH_ROWS, ConnectOptions, Connection, Connector, DataType, ErrorKind, TableKind, TimeUnit,
};

const ROOT: &str = "mysql://root@127.0.0.1:3306/test";

fn open(uri: &str, allow_dml: bool) -> tessera_plugin_sdk::Result<MySqlConnection> {
    MySqlConnection::open(ConnectOptions {
        uri: uri.to_owned(),
        allow_dml,
        engine_params: "{}".to_owned(),
    })
}

fn root() -> MySqlConnection {
    open(ROOT, true).expect("connect as root")
}

/// A name no other test (or test run) uses.
fn unique(name: &str) -> String {
    format!("tessera_{name}_{}", std::process::id())
}

fn run(conn: &MySqlConnection, sql: &str) -> Vec<RecordBatch> {
    let mut stream = conn.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    let mut batches = Vec::new();
    while let Some(batch) = stream.next_batch().expect("next batch") {
        batches.push(batch);
    }
    batches
}

/// Drops the named tables (or views, or databases) when the test ends, even on failure.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Ok(conn) = open(ROOT, true) {
            for stmt in &self.0 {
                let _ = conn.execute(stmt);
            }
        }
    }
}

#[test]
fn describes_itself() {
    let d = MySql::describe();
    assert_eq!(d.engine, "mysql");
    assert_eq!(d.driver, "mysqldb");
    assert_eq!(d.schemes, ["mysql", "mariadb"]);
    assert_eq!(d.default_port, Some(3306));
    assert!(d.parameter_schema.contains("\"encryption\""));
}

#[test]
fn connects_and_lists_schemas() {
    let db = unique("schema");
    let _cleanup = Cleanup(vec![format!("DROP DATABASE IF EXISTS {db}")]);
    let conn = open("mysql+mysqldb://root@127.0.0.1/test", true).expect("default port");
    conn.test().expect("SELECT 1");
    run(&conn, &format!("CREATE DATABASE {db}"));
    let schemas = conn.list_schemas().expect("schemas");
    assert!(schemas.contains(&"test".to_owned()));
    assert!(schemas.contains(&db));
    for hidden in ["information_schema", "performance_schema", "mysql", "sys"] {
        assert!(!schemas.iter().any(|s| s == hidden), "{hidden} listed");
    }
    let mut sorted = schemas.clone();
    sorted.sort();
    assert_eq!(schemas, sorted);
}

#[test]
fn every_type_with_nulls() {
    let t = unique("types");
    let _cleanup = Cleanup(vec![format!("DROP TABLE IF EXISTS {t}")]);
    let conn = root();
    run(&conn, "SET SESSION sql_mode = ''"); // allows the zero date below
    run(
        &conn,
        &format!(
            "CREATE TABLE {t} (id INT PRIMARY KEY, b BOOLEAN, ti TINYINT, tu TINYINT UNSIGNED,
             si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT,
             iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED, y YEAR, d DECIMAL(10,2), f FLOAT,
             db DOUBLE, c CHAR(5), vc VARCHAR(20), tx TEXT, e ENUM('a','b'), st SET('x','y'),
             bn BINARY(3), vb VARBINARY(10), bl BLOB, dt DATE, dtm DATETIME(6),
             ts TIMESTAMP(6) NULL, tm TIME(6), j JSON, bt BIT(10))"
        ),
    );
    run(
        &conn,
        &format!(
            "INSERT INTO {t} VALUES
             (1, TRUE, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
              -9223372036854775808, 18446744073709551615, 2024, -12345678.91, 1.5, 2.25,
              'ab', 'héllo', 'long text', 'b', 'x,y', X'000102', X'FF00', X'DEADBEEF',
              '2024-02-29', '2024-02-29 12:34:56.123456', '1970-01-01 00:00:01.5',
              '12:34:56.789', '{{\"k\": [1, 2]}}', b'1000000001'),
             (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL),
             (3, FALSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '', '', '', 'a', '', X'',
              X'', X'', '0000-00-00', '0000-00-00 00:00:00', NULL, '-01:00:00', 'null', b'0'),
             (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1969-12-31', NULL,
              NULL, '838:59:59', NULL, NULL)"
        ),
    );

    let batches = run(&conn, &format!("SELECT * FROM {t} ORDER BY id"));
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(batch.num_rows(), 4);

    // The Arrow types of execute and of table_schema agree.
    let described = conn.table_schema(Some("test"), &t).expect("table schema");
    for (field, column) in batch.schema().fields().iter().zip(&described.columns) {
        assert_eq!(field.name(), &column.name);
        assert_eq!(
            field.data_type(),
            &column.data_type,
            "column {}",
            column.name
        );
    }
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("UTC")));
    let expected = [
        ("b", DataType::Boolean),
        ("ti", DataType::Int8),
        ("tu", DataType::UInt8),
        ("mu", DataType::UInt32),
        ("y", DataType::Int16),
        ("d", DataType::Decimal128(10, 2)),
        ("f", DataType::Float32),
        ("e", DataType::Utf8),
        ("bn", DataType::Binary),
        ("bl", DataType::Binary),
        ("tx", DataType::Utf8),
        ("dtm", DataType::Timestamp(TimeUnit::Microsecond, None)),
        ("ts", utc),
        ("tm", DataType::Time64(TimeUnit::Microsecond)),
        ("j", DataType::Utf8),
        ("bt", DataType::UInt64),
    ];
    for (name, data_type) in expected {
        let field = batch.schema().field_with_name(name).cloned().expect(name);
        assert_eq!(field.data_type(), &data_type, "{name}");
    }

    let col = |name: &str| Arc::clone(batch.column_by_name(name).expect(name));
    assert!(col("b").as_boolean().value(0));
    assert!(!col("b").as_boolean().value(2));
    assert_eq!(col("ti").as_primitive::<Int8Type>().value(0), -128);
    assert_eq!(col("tu").as_primitive::<UInt8Type>().value(0), 255);
    assert_eq!(col("si").as_primitive::<Int16Type>().value(0), -32768);
    assert_eq!(col("su").as_primitive::<UInt16Type>().value(0), 65535);
    assert_eq!(col("mi").as_primitive::<Int32Type>().value(0), -8388608);
    assert_eq!(col("mu").as_primitive::<UInt32Type>().value(0), 16777215);
    assert_eq!(col("i").as_primitive::<Int32Type>().value(0), i32::MIN);
    assert_eq!(col("iu").as_primitive::<UInt32Type>().value(0), u32::MAX);
    assert_eq!(col("bi").as_primitive::<Int64Type>().value(0), i64::MIN);
    assert_eq!(col("bu").as_primitive::<UInt64Type>().value(0), u64::MAX);
    assert_eq!(col("y").as_primitive::<Int16Type>().value(0), 2024);
    assert_eq!(
        col("d").as_primitive::<Decimal128Type>().value(0),
        -1_234_567_891
    );
    assert_eq!(col("f").as_primitive::<Float32Type>().value(0), 1.5);
    assert_eq!(col("db").as_primitive::<Float64Type>().value(0), 2.25);
    assert_eq!(col("c").as_string::<i32>().value(0), "ab");
    assert_eq!(col("vc").as_string::<i32>().value(0), "héllo");
    assert_eq!(col("tx").as_string::<i32>().value(0), "long text");
    assert_eq!(col("e").as_string::<i32>().value(0), "b");
    assert_eq!(col("st").as_string::<i32>().value(0), "x,y");
    assert_eq!(col("bn").as_binary::<i32>().value(0), [0, 1, 2]);
    assert_eq!(col("vb").as_binary::<i32>().value(0), [0xFF, 0]);
    assert_eq!(
        col("bl").as_binary::<i32>().value(0),
        [0xDE, 0xAD, 0xBE, 0xEF]
    );
    let dates = col("dt");
    let dates = dates.as_primitive::<Date32Type>();
    assert_eq!(dates.value(0), 19782); // 2024-02-29
    assert!(dates.is_null(2)); // zero date
    assert_eq!(dates.value(3), -1);
    let dtm = col("dtm");
    let dtm = dtm.as_primitive::<TimestampMicrosecondType>();
    assert_eq!(dtm.value(0), 1_709_210_096_123_456);
    assert!(dtm.is_null(2));
    assert_eq!(
        col("ts")
            .as_primitive::<TimestampMicrosecondType>()
            .value(0),
        1_500_000
    );
    let tm = col("tm");
    let tm = tm.as_primitive::<Time64MicrosecondType>();
    assert_eq!(tm.value(0), 45_296_789_000);
    assert!(tm.is_null(2)); // negative
    assert!(tm.is_null(3)); // beyond a day
    assert_eq!(col("j").as_string::<i32>().value(0), "{\"k\": [1, 2]}");
    assert_eq!(col("bt").as_primitive::<UInt64Type>().value(0), 513);
    assert_eq!(col("bt").as_primitive::<UInt64Type>().value(2), 0);
    assert_eq!(col("vc").as_string::<i32>().value(2), "");

    // Row 2 is NULL in every column but the key.
    for (i, column) in batch.columns().iter().enumerate().skip(1) {
        assert!(column.is_null(1), "column {i} not NULL");
    }
}

#[test]
fn expressions_map_like_columns() {
    let conn = root();
    let batch = &run(
        &conn,
        "SELECT 1 AS one, CAST(2.5 AS DECIMAL(5,1)) AS d, 'x' AS s, NULL AS n, \
         CAST('2020-01-02' AS DATE) AS dt, 1.5e0 AS f",
    )[0];
    let schema = batch.schema();
    assert_eq!(schema.field(1).data_type(), &DataType::Decimal128(5, 1));
    assert_eq!(schema.field(2).data_type(), &DataType::Utf8);
    assert_eq!(schema.field(4).data_type(), &DataType::Date32);
    assert_eq!(schema.field(5).data_type(), &DataType::Float64);
    assert!(batch.column(3).is_null(0));
    assert_eq!(
        batch.column(1).as_primitive::<Decimal128Type>().value(0),
        25
    );
}

#[test]
fn lists_tables_and_describes_them() {
    let t = unique("catalog");
    let v = unique("catalog_v");
    let _cleanup = Cleanup(vec![
        format!("DROP VIEW IF EXISTS {v}"),
        format!("DROP TABLE IF EXISTS {t}"),
    ]);
    let conn = root();
    run(
        &conn,
        &format!(
            "CREATE TABLE {t} (a INT NOT NULL COMMENT 'the a', b VARCHAR(20), \
             c DECIMAL(10,2) NOT NULL, PRIMARY KEY (c, a)) COMMENT 'a table'"
        ),
    );
    run(&conn, &format!("CREATE VIEW {v} AS SELECT a FROM {t}"));

    let tables = conn.list_tables("test").expect("tables");
    let table = tables.iter().find(|x| x.name == t).expect("table listed");
    assert_eq!(table.kind, TableKind::Table);
    let view = tables.iter().find(|x| x.name == v).expect("view listed");
    assert_eq!(view.kind, TableKind::View);
    let names: Vec<_> = tables.iter().map(|x| x.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // No schema: the URI's database.
    let described = conn.table_schema(None, &t).expect("table schema");
    let columns: Vec<_> = described
        .columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.as_str(),
                c.nullable,
                c.comment.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("a", "INT(11)", false, Some("the a")),
            ("b", "VARCHAR(20)", true, None),
            ("c", "DECIMAL(10,2)", false, None),
        ]
    );
    assert_eq!(described.primary_key, ["c", "a"]);
    assert_eq!(described.comment.as_deref(), Some("a table"));

    let view_schema = conn.table_schema(Some("test"), &v).expect("view schema");
    assert_eq!(view_schema.columns.len(), 1);
    assert!(view_schema.primary_key.is_empty());
    assert_eq!(view_schema.comment, None);

    let err = conn
        .table_schema(Some("test"), "no_such_table")
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.message, "Table [test.no_such_table] could not be found");
    // Quotes in names are data, not SQL.
    let err = conn.table_schema(Some("test' OR '1'='1"), &t).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(
        conn.list_tables("nope' OR 1=1 -- ")
            .expect("no tables")
            .is_empty()
    );
}

#[test]
fn reports_query_errors() {
    let conn = root();
    let err = conn.execute("SELEC 1").err().expect("syntax error");
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert!(err.message.contains("SQL syntax"), "{}", err.message);
    let err = conn
        .execute("SELECT * FROM no_such_table_here")
        .err()
        .expect("missing table");
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = conn
        .execute("SELECT no_such_column")
        .err()
        .expect("bad column");
    assert_eq!(err.kind, ErrorKind::QueryFailed);
    // The session survives errors.
    conn.test().expect("still usable");
}

#[test]
fn statements_without_rows() {
    let t = unique("dml");
    let _cleanup = Cleanup(vec![format!("DROP TABLE IF EXISTS {t}")]);
    let conn = root();
    let stream = conn
        .execute(&format!("CREATE TABLE {t} (a INT)"))
        .expect("create");
    assert!(stream.schema().fields().is_empty());
    run(&conn, &format!("INSERT INTO {t} VALUES (1), (2)"));
    assert!(run(&conn, &format!("DELETE FROM {t} WHERE a = 1")).is_empty());
    let batch = &run(&conn, &format!("SELECT a FROM {t}"))[0];
    assert_eq!(batch.num_rows(), 1);
    // An empty result set still has its schema and no batch.
    let mut stream = conn
        .execute(&format!("SELECT a FROM {t} WHERE a > 5"))
        .expect("select");
    assert_eq!(stream.schema().fields().len(), 1);
    assert!(stream.next_batch().expect("end").is_none());
}

#[test]
fn authentication_and_connection_errors() {
    // The password user is made here, so the test needs nothing set up by hand.
    let admin = root();
    for host in ["127.0.0.1", "localhost", "%"] {
        run(
            &admin,
            &format!("CREATE USER IF NOT EXISTS 'tessera_pw'@'{host}' IDENTIFIED BY 'S3cret!pw'"),
        );
        run(
            &admin,
            &format!("GRANT SELECT ON test.* TO 'tessera_pw'@'{host}'"),
        );
    }
    let conn =
        open("mysql://tessera_pw:S3cret%21pw@127.0.0.1:3306/test", false).expect("password login");
    conn.test().expect("SELECT 1");

    let err = open("mysql://tessera_pw:wrong-secret@127.0.0.1:3306/test", false)
        .err()
        .expect("wrong password");
    assert_eq!(err.kind, ErrorKind::AccessDenied);
    assert!(!err.message.contains("wrong-secret"), "{}", err.message);
    assert!(err.message.contains("Access denied"), "{}", err.message);

    let err = open("mysql://root@127.0.0.1:3306/no_such_db_tessera", false)
        .err()
        .expect("unknown database");
    assert_eq!(err.kind, ErrorKind::UnknownDatabase);

    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let err = open(&format!("mysql://root@127.0.0.1:{port}/test"), false)
        .err()
        .expect("refused");
    assert_eq!(err.kind, ErrorKind::ConnectionRefused);

    let err = open("mysql://root@127.0.0.1/test?ssl=true", false)
        .err()
        .expect("tls");
    assert_eq!(err.kind, ErrorKind::Unsupported);
    let err = open("postgresql://root@127.0.0.1/test", false)
        .err()
        .expect("scheme");
    assert_eq!(err.kind, ErrorKind::InvalidUri);
}

#[test]
fn read_only_sessions_refuse_writes() {
    let t = unique("ro");
    let _cleanup = Cleanup(vec![format!("DROP TABLE IF EXISTS {t}")]);
    run(&root(), &format!("CREATE TABLE {t} (a INT)"));
    let conn = open("mariadb://root@127.0.0.1:3306/test", false).expect("read-only");
    for sql in [
        format!("INSERT INTO {t} VALUES (1)"),
        format!("DELETE FROM {t}"),
        format!("DROP TABLE {t}"),
        "SET SESSION TRANSACTION READ WRITE".to_owned(),
        format!("/*! INSERT INTO {t} VALUES (1) */"),
    ] {
        let err = conn.execute(&sql).err().expect("refused");
        assert_eq!(err.kind, ErrorKind::Unsupported, "{sql}");
        assert_eq!(err.message, "DML is not allowed on this database");
    }
    // The database itself is read-only for this session too.
    let batch = &run(&conn, "SELECT @@session.tx_read_only")[0];
    assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 1);
    assert_eq!(
        run(&conn, &format!("SELECT COUNT(*) FROM {t}"))[0].num_rows(),
        1
    );
}

#[test]
fn large_results_stream_in_batches() {
    let conn = root();
    let total = BATCH_ROWS * 2 + 123;
    let sql = format!("SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{total}");
    let mut stream = conn.execute(&sql).expect("execute");
    let mut sizes = Vec::new();
    let mut expected_next = 1u64;
    while let Some(batch) = stream.next_batch().expect("batch") {
        let seq = batch.column(0).as_primitive::<UInt64Type>();
        assert_eq!(seq.value(0), expected_next);
        expected_next += batch.num_rows() as u64;
        sizes.push(batch.num_rows());
    }
    assert_eq!(sizes, [BATCH_ROWS, BATCH_ROWS, 123]);

    // A new statement drains an unfinished stream; the old stream then refuses.
    let mut unfinished = conn.execute(&sql).expect("execute");
    assert_eq!(
        unfinished
            .next_batch()
            .expect("first")
            .map(|b| b.num_rows()),
        Some(BATCH_ROWS)
    );
    conn.test().expect("statement after an unfinished stream");
    assert!(unfinished.next_batch().is_err());
}

//! The first-party connectors, run as components by the host against the machine's
//! real PostgreSQL and MariaDB and a real SQLite file: introspection, every common type
//! mapped to Arrow (NULLs included), DML only when allowed, streaming in batches.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use tessera_plugin_host::{
    CancelHandle, ConnectTarget, ErrorKind, Limits, PluginConfig, PluginError, PluginHost, Session,
    TableKind,
};

async fn host() -> PluginHost {
    PluginHost::load(&PluginConfig {
        plugin_dir: None,
        cache_dir: std::env::temp_dir().join("tessera-test-plugin-cache"),
        limits: Limits::default(),
    })
    .await
    .unwrap()
}

async fn session(host: &PluginHost, uri: &str, allow_dml: bool) -> Result<Session, PluginError> {
    let target = ConnectTarget {
        uri: uri.to_owned(),
        allow_dml,
        engine_params: "{}".into(),
    };
    host.connector_for(uri)?
        .connect(&target, CancelHandle::default())
        .await
}

async fn run(session: Session, sql: &str) -> Result<Vec<RecordBatch>, PluginError> {
    let mut stream = session.execute(sql).await?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await? {
        batches.push(batch);
    }
    Ok(batches)
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Checks the two rows (values, then all NULL) of the `all_types` tables below.
fn assert_rows(batch: &RecordBatch, expected: &[(&str, DataType)]) {
    assert_eq!(batch.num_rows(), 2);
    for (name, data_type) in expected {
        let column = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"));
        assert_eq!(column.data_type(), data_type, "{name}");
        assert!(column.is_valid(0), "{name} row 0");
        assert!(column.is_null(1), "{name} row 1");
    }
}

#[tokio::test]
async fn postgres_types_introspection_and_dml() {
    let host = host().await;
    let schema = unique("tessera_pg");
    // `localhost` is resolved by the host: the guest may not look names up itself.
    let uri = "postgresql://postgres@localhost:5432/test";
    let setup = format!(
        "CREATE SCHEMA {schema};
         CREATE TABLE {schema}.all_types (i2 int2, i4 int4, i8 int8, n numeric(10,2), f4 float4,
           f8 float8, t text, v varchar(20), b bool, d date, ts timestamp, tz timestamptz,
           j json, jb jsonb, u uuid, PRIMARY KEY (i4));
         CREATE VIEW {schema}.a_view AS SELECT i4 FROM {schema}.all_types;"
    );
    for statement in setup.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        run(session(&host, uri, true).await.unwrap(), statement)
            .await
            .unwrap();
    }
    let insert = format!(
        "INSERT INTO {schema}.all_types VALUES
         (1, 2, 3, 12.34, 1.5, 2.5, 'text', 'varchar', true, '2024-02-29', '2024-02-29 12:34:56.789',
          '2024-02-29 12:34:56+02', '{{\"a\": 1}}', '{{\"b\": 2}}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
         (NULL, 4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    );

    // Without DML the database itself refuses writes.
    let refused = run(session(&host, uri, false).await.unwrap(), &insert).await;
    assert!(
        matches!(refused, Err(PluginError::Connector { .. })),
        "{refused:?}"
    );
    run(session(&host, uri, true).await.unwrap(), &insert)
        .await
        .unwrap();

    let mut s = session(&host, uri, false).await.unwrap();
    s.test().await.unwrap();
    assert!(s.list_schemas().await.unwrap().contains(&schema));
    let tables = s.list_tables(&schema).await.unwrap();
    let listed: Vec<(&str, TableKind)> = tables.iter().map(|t| (t.name.as_str(), t.kind)).collect();
    assert_eq!(
        listed,
        [("a_view", TableKind::View), ("all_types", TableKind::Table)]
    );
    let described = s.table_schema(Some(&schema), "all_types").await.unwrap();
    assert_eq!(described.primary_key, ["i4"]);
    let types: Vec<&str> = described
        .columns
        .iter()
        .map(|c| c.type_name.as_str())
        .collect();
    assert_eq!(
        types[..4],
        ["smallint", "integer", "bigint", "numeric(10,2)"]
    );
    assert_eq!(
        described.arrow.field(10).data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, None)
    );
    match s.table_schema(Some(&schema), "nope").await {
        Err(PluginError::Connector {
            kind: ErrorKind::NotFound,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }

    let batches = run(s, &format!("SELECT * FROM {schema}.all_types ORDER BY i4"))
        .await
        .unwrap();
    let batch = &batches[0];
    assert_rows(
        batch,
        &[
            ("i2", DataType::Int16),
            ("i8", DataType::Int64),
            ("n", DataType::Decimal128(10, 2)),
            ("f4", DataType::Float32),
            ("f8", DataType::Float64),
            ("t", DataType::Utf8),
            ("v", DataType::Utf8),
            ("b", DataType::Boolean),
            ("d", DataType::Date32),
            ("ts", DataType::Timestamp(TimeUnit::Microsecond, None)),
            (
                "tz",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ),
            ("j", DataType::Utf8),
            ("jb", DataType::Utf8),
            ("u", DataType::Utf8),
        ],
    );
    assert_eq!(
        batch
            .column_by_name("i4")
            .unwrap()
            .as_primitive::<Int32Type>()
            .value(0),
        2
    );
    assert_eq!(
        batch
            .column_by_name("t")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "text"
    );
    assert_eq!(
        batch
            .column_by_name("u")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    );
    // 2024-02-29 is day 19782 of the epoch; 12:34:56+02 is 10:34:56 UTC.
    assert_eq!(
        batch
            .column_by_name("d")
            .unwrap()
            .as_primitive::<Date32Type>()
            .value(0),
        19782
    );
    let tz = batch
        .column_by_name("tz")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>()
        .value(0);
    assert_eq!(tz, (19782 * 86_400 + 10 * 3600 + 34 * 60 + 56) * 1_000_000);
    assert!(
        batch
            .column_by_name("jb")
            .unwrap()
            .as_string::<i32>()
            .value(0)
            .contains("\"b\"")
    );

    run(
        session(&host, uri, true).await.unwrap(),
        &format!("DROP SCHEMA {schema} CASCADE"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn mariadb_types_introspection_and_dml() {
    let host = host().await;
    let table = unique("tessera_my");
    let uri = "mysql://root@127.0.0.1:3306/test";
    let create = format!(
        "CREATE TABLE {table} (id INT PRIMARY KEY, big BIGINT, flag BOOLEAN, price DECIMAL(10,2),
           ratio DOUBLE, name VARCHAR(20), body TEXT, day DATE, at DATETIME(6), stamp TIMESTAMP(6) NULL,
           doc JSON)"
    );
    run(session(&host, uri, true).await.unwrap(), &create)
        .await
        .unwrap();
    let insert = format!(
        "INSERT INTO {table} VALUES
         (1, 9000000000, true, 12.34, 0.5, 'name', 'body', '2024-02-29', '2024-02-29 12:34:56.789', '2024-02-29 12:34:56', '{{\"a\": 1}}'),
         (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    );
    let refused = run(session(&host, uri, false).await.unwrap(), &insert).await;
    assert!(
        matches!(refused, Err(PluginError::Connector { .. })),
        "{refused:?}"
    );
    run(session(&host, uri, true).await.unwrap(), &insert)
        .await
        .unwrap();

    let mut s = session(&host, uri, false).await.unwrap();
    s.test().await.unwrap();
    assert!(s.list_schemas().await.unwrap().contains(&"test".to_owned()));
    assert!(
        s.list_tables("test")
            .await
            .unwrap()
            .iter()
            .any(|t| t.name == table)
    );
    let described = s.table_schema(Some("test"), &table).await.unwrap();
    assert_eq!(described.primary_key, ["id"]);
    let batches = run(s, &format!("SELECT big, flag, price, ratio, name, body, day, at, stamp, doc FROM {table} ORDER BY id"))
        .await
        .unwrap();
    assert_rows(
        &batches[0],
        &[
            ("big", DataType::Int64),
            ("flag", DataType::Boolean),
            ("price", DataType::Decimal128(10, 2)),
            ("ratio", DataType::Float64),
            ("name", DataType::Utf8),
            ("body", DataType::Utf8),
            ("day", DataType::Date32),
            ("at", DataType::Timestamp(TimeUnit::Microsecond, None)),
            (
                "stamp",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ),
            ("doc", DataType::Utf8),
        ],
    );
    assert_eq!(
        batches[0].column(0).as_primitive::<Int64Type>().value(0),
        9_000_000_000
    );

    run(
        session(&host, uri, true).await.unwrap(),
        &format!("DROP TABLE {table}"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn sqlite_file_through_its_directory_only() {
    let host = host().await;
    let dir = std::env::temp_dir().join(unique("tessera_sqlite"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.db");
    std::fs::write(&path, b"").unwrap();
    // SQLAlchemy's four-slash spelling of an absolute path.
    let uri = format!("sqlite:///{}", path.display());

    let write = session(&host, &uri, true).await.unwrap();
    run(write, "CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, price REAL, day DATE, at DATETIME)")
        .await
        .unwrap();
    let write = session(&host, &uri, true).await.unwrap();
    run(
        write,
        "INSERT INTO sales VALUES (1, 'EMEA', 9.5, '2024-02-29', '2024-02-29 12:34:56'), (2, NULL, NULL, NULL, NULL)",
    )
    .await
    .unwrap();
    // Read-only unless DML is allowed: the directory is mounted read-only too.
    let refused = run(
        session(&host, &uri, false).await.unwrap(),
        "INSERT INTO sales (id) VALUES (3)",
    )
    .await;
    assert!(
        matches!(refused, Err(PluginError::Connector { .. })),
        "{refused:?}"
    );

    let mut s = session(&host, &uri, false).await.unwrap();
    assert_eq!(s.list_schemas().await.unwrap(), ["main"]);
    let tables = s.list_tables("main").await.unwrap();
    assert_eq!(
        tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["sales"]
    );
    let described = s.table_schema(Some("main"), "sales").await.unwrap();
    assert_eq!(described.primary_key, ["id"]);
    // A GROUP BY needs temporary storage, which must stay in memory in the sandbox.
    let grouped = run(
        session(&host, &uri, false).await.unwrap(),
        "SELECT region, SUM(price) AS total FROM sales GROUP BY region ORDER BY region",
    )
    .await
    .unwrap();
    assert_eq!(grouped[0].num_rows(), 2);
    let batches = run(s, "SELECT region, price, day, at FROM sales ORDER BY id")
        .await
        .unwrap();
    assert_rows(
        &batches[0],
        &[
            ("region", DataType::Utf8),
            ("price", DataType::Float64),
            ("day", DataType::Date32),
            ("at", DataType::Timestamp(TimeUnit::Microsecond, None)),
        ],
    );
    assert_eq!(
        batches[0].column(1).as_primitive::<Float64Type>().value(0),
        9.5
    );

    // A file elsewhere is not reachable, and a missing directory is a clear error.
    match session(&host, "sqlite:////nonexistent/dir/x.db", false).await {
        Err(PluginError::Connector {
            kind: ErrorKind::UnknownDatabase,
            ..
        }) => {}
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("opened a missing database"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bad_uris_and_unreachable_databases_fail_clearly() {
    let host = host().await;
    for (uri, expected) in [
        (
            "postgresql://postgres@127.0.0.1:1/test",
            ErrorKind::ConnectionRefused,
        ),
        (
            "postgresql://postgres@no-such-host.invalid/test",
            ErrorKind::HostUnreachable,
        ),
        (
            "postgresql://postgres@127.0.0.1:5432/no_such_database",
            ErrorKind::UnknownDatabase,
        ),
        (
            "mysql://nobody:wrong@127.0.0.1:3306/test",
            ErrorKind::AccessDenied,
        ),
    ] {
        match session(&host, uri, false).await {
            Err(PluginError::Connector { kind, message }) => {
                assert_eq!(kind, expected, "{uri}: {message}");
                assert!(
                    !message.contains("wrong"),
                    "{uri} leaks its password: {message}"
                );
            }
            Err(other) => panic!("{uri}: {other:?}"),
            Ok(_) => panic!("{uri} connected"),
        }
    }
    assert!(matches!(
        host.connector_for("oracle://x/y"),
        Err(PluginError::UnknownScheme(_))
    ));
    assert!(matches!(
        host.connector_for("no uri at all"),
        Err(PluginError::InvalidUri(_))
    ));
}

//! The SQL loaders put exactly the generated rows into a real SQLite file and a real
//! PostgreSQL (`TESSERA_TEST_POSTGRES`, a server URL without a database; database `test`).

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use tessera_examples::{load_postgres, load_sqlite, tables};

/// Per table: rows, the sum of its integer column, and its first and last date.
type Summary = Vec<(String, i64, i64, String, String)>;

fn expected() -> Summary {
    tables()
        .iter()
        .map(|table| {
            let (number, _) = measured(table.name);
            let (rows, total) = table.batches().fold((0, 0), |(rows, total), batch| {
                let ints = batch
                    .column_by_name(number)
                    .unwrap()
                    .as_primitive::<Int64Type>();
                (
                    rows + batch.num_rows() as i64,
                    total + ints.values().iter().sum::<i64>(),
                )
            });
            let (first, last) = match table.name {
                "sales" => ("2023-01-01", "2024-12-31"),
                _ => ("1965-01-01", "2008-01-01"),
            };
            (
                table.name.to_string(),
                rows,
                total,
                first.into(),
                last.into(),
            )
        })
        .collect()
}

/// The integer column summed and the date column of each table.
fn measured(table: &str) -> (&'static str, &'static str) {
    match table {
        "sales" => ("quantity", "order_date"),
        _ => ("num", "ds"),
    }
}

/// The [`Summary`] row of `table` in SQL; `date_as_text` turns `{}` into text.
fn summary_sql(table: &str, prefix: &str, date_as_text: &str) -> String {
    let (number, date) = measured(table);
    let date = date_as_text.replace("{}", date);
    format!(
        "SELECT COUNT(*), CAST(SUM({number}) AS BIGINT), MIN({date}), MAX({date}) FROM {prefix}{table}"
    )
}

#[tokio::test]
async fn sqlite_holds_the_same_rows_with_text_dates() {
    let path = std::env::temp_dir().join(format!("tessera-examples-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    load_sqlite(&path).await.unwrap();
    // Loading again replaces the tables rather than adding rows.
    load_sqlite(&path).await.unwrap();

    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mut actual: Summary = vec![];
    for table in tables() {
        let row = sqlx::query(&summary_sql(table.name, "", "{}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        actual.push((
            table.name.to_string(),
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
        ));
    }
    assert_eq!(actual, expected());

    let declared: Vec<(String, String)> =
        sqlx::query("SELECT name, type FROM pragma_table_info('sales')")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    let expected_types = [
        ("order_date", "DATE"),
        ("region", "TEXT"),
        ("product", "TEXT"),
        ("quantity", "INTEGER"),
        ("price", "REAL"),
    ];
    assert_eq!(
        declared,
        expected_types.map(|(n, t)| (n.to_string(), t.to_string()))
    );
    let stored: String = sqlx::query_scalar("SELECT DISTINCT typeof(order_date) FROM sales")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, "text");
    conn.close().await.unwrap();
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn postgres_holds_the_same_rows_in_typed_columns() {
    let server = std::env::var("TESSERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    let url = format!("{server}/test");
    // A schema of this test's own, so parallel runs do not meet.
    let schema = format!("examples_test_{}", uuid::Uuid::new_v4().simple());
    load_postgres(&url, &schema).await.unwrap();
    load_postgres(&url, &schema).await.unwrap();

    let mut conn = PgConnection::connect(&url).await.unwrap();
    let mut actual: Summary = vec![];
    for table in tables() {
        let sql = summary_sql(
            table.name,
            &format!("{schema}."),
            "to_char({}, 'YYYY-MM-DD')",
        );
        let row = sqlx::query(&sql).fetch_one(&mut conn).await.unwrap();
        actual.push((
            table.name.to_string(),
            row.get(0),
            row.get(1),
            row.get(2),
            row.get(3),
        ));
    }
    let types: Vec<(String, String)> = sqlx::query(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name = 'sales' ORDER BY ordinal_position",
    )
    .bind(&schema)
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(actual, expected());
    let expected_types = [
        ("order_date", "date"),
        ("region", "text"),
        ("product", "text"),
        ("quantity", "bigint"),
        ("price", "double precision"),
    ];
    assert_eq!(
        types,
        expected_types.map(|(n, t)| (n.to_string(), t.to_string()))
    );
}

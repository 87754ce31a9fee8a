//! `tessera load-examples` with the real binary, on SQLite and on PostgreSQL metadata:
//! what it registers, that a second run changes nothing, and that a run after deletions
//! brings the deleted objects back.

mod common;

use common::tessera;
use serde_json::Value;
use sqlx::Connection;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tessera_examples::charts::charts;
use tessera_examples::dashboard;
use tessera_store::Store;

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "tessera-load-examples-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

/// Loads twice, checks, deletes a chart and a dataset, loads again and checks again.
async fn load_check_delete_reload(data_dir: &Path, metadata_url: Option<&str>, store_url: &str) {
    let (ok, out) = tessera(data_dir, metadata_url, &["load-examples"]);
    assert!(ok, "{out}");
    assert!(out.contains("created chart \"Top names\""), "{out}");
    let (ok, out) = tessera(data_dir, metadata_url, &["load-examples"]);
    assert!(ok, "{out}");
    assert!(out.contains("examples are up to date"), "{out}");
    assert!(
        !out.contains("examples: "),
        "a second run changes nothing: {out}"
    );

    let store = Store::connect(store_url).await.unwrap();
    let examples_dir = data_dir.join("examples").canonicalize().unwrap();
    let first = check(&store, &examples_dir).await;
    assert_eq!(row_counts(store_url).await, [1, 2, 5, 1, 5]);

    // Delete one chart, and a dataset under two other charts.
    let top_names = first.charts[3];
    store.delete_charts(&[top_names]).await.unwrap();
    store.delete_datasets(&[first.birth_names]).await.unwrap();
    let (ok, out) = tessera(data_dir, metadata_url, &["load-examples"]);
    assert!(ok, "{out}");
    for change in [
        "created dataset main.birth_names",
        "created chart \"Top names\"",
        "repaired chart \"Births per year by gender\"",
        "laid out dashboard Examples",
    ] {
        assert!(out.contains(change), "{change} in {out}");
    }
    let second = check(&store, &examples_dir).await;
    assert_ne!(
        second.charts[3], top_names,
        "the chart came back as a new one"
    );
    assert_eq!(second.charts[..3], first.charts[..3]);
    assert_ne!(second.birth_names, first.birth_names);
    assert_eq!(
        row_counts(store_url).await,
        [1, 2, 5, 1, 5],
        "nothing doubled"
    );
    store.close().await;
}

/// Rows of the databases, datasets, charts, dashboards and dashboard-chart links.
async fn row_counts(store_url: &str) -> Vec<i64> {
    let mut conn = sqlx::AnyConnection::connect(store_url).await.unwrap();
    let mut counts = Vec::new();
    for table in ["dbs", "tables", "slices", "dashboards", "dashboard_slices"] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        counts.push(count);
    }
    counts
}

struct Registered {
    charts: Vec<i64>,
    birth_names: i64,
}

/// Everything `load-examples` registers is there once, complete and linked.
async fn check(store: &Store, examples_dir: &Path) -> Registered {
    assert!(examples_dir.join("sales.parquet").is_file());
    assert!(examples_dir.join("birth_names.parquet").is_file());

    let database_id = store
        .database_id_by_name("examples")
        .await
        .unwrap()
        .unwrap();
    let database = store.database(database_id).await.unwrap().values;
    assert_eq!(
        database.sqlalchemy_uri,
        format!("datafusion://{}", examples_dir.display())
    );
    assert!(database.sqlalchemy_uri.starts_with("datafusion:///"));
    assert!(database.expose_in_sqllab && !database.allow_dml);

    let dataset = |table: &'static str| async move {
        let id = store
            .dataset_id_by_identity(database_id, None, Some("main"), table)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("dataset {table}"));
        store.dataset(id).await.unwrap()
    };
    let sales = dataset("sales").await;
    let columns: Vec<(&str, &str, bool)> = sales
        .columns
        .iter()
        .map(|c| {
            (
                c.column_name.as_str(),
                c.r#type.as_deref().unwrap(),
                c.is_dttm,
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("order_date", "DATE", true),
            ("region", "VARCHAR", false),
            ("product", "VARCHAR", false),
            ("quantity", "BIGINT", false),
            ("price", "DOUBLE", false),
        ]
    );
    assert_eq!(sales.values.main_dttm_col.as_deref(), Some("order_date"));
    let metrics: Vec<(&str, &str, Option<&str>)> = sales
        .metrics
        .iter()
        .map(|m| {
            (
                m.metric_name.as_str(),
                m.expression.as_str(),
                m.verbose_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        metrics,
        [
            ("count", "COUNT(*)", Some("COUNT(*)")),
            ("revenue", "SUM(quantity * price)", None)
        ]
    );
    let birth_names = dataset("birth_names").await;
    assert_eq!(birth_names.columns.len(), 7);
    assert_eq!(birth_names.values.main_dttm_col.as_deref(), Some("ds"));
    assert_eq!(birth_names.metrics.len(), 1);

    let dashboard_id = store
        .dashboard_id_by_slug(dashboard::SLUG)
        .await
        .unwrap()
        .unwrap();
    let mut chart_ids = Vec::new();
    for example in charts() {
        let id = store
            .chart_id_by_uuid(&example.uuid)
            .await
            .unwrap()
            .unwrap();
        let chart = store.chart(id).await.unwrap();
        let dataset_id = if example.table == "sales" {
            sales.id
        } else {
            birth_names.id
        };
        assert_eq!(chart.values.datasource_id, Some(dataset_id));
        let context: Value =
            serde_json::from_str(chart.values.query_context.as_deref().unwrap()).unwrap();
        assert_eq!(context["datasource"]["id"], dataset_id);
        assert_eq!(context["queries"].as_array().unwrap().len(), 1);
        let params: Value = serde_json::from_str(chart.values.params.as_deref().unwrap()).unwrap();
        assert_eq!(params["datasource"], format!("{dataset_id}__table"));
        assert_eq!(chart.owners.len(), 1);
        assert_eq!(chart.owners[0].first_name, "Admin");
        assert!(chart.dashboards.iter().any(|d| d.id == dashboard_id));
        chart_ids.push(id);
    }

    let dashboard = store.dashboard(dashboard_id).await.unwrap();
    assert_eq!(
        dashboard.values.dashboard_title.as_deref(),
        Some("Examples")
    );
    assert!(dashboard.values.published);
    let linked: BTreeSet<i64> = dashboard.charts.iter().map(|(id, _)| *id).collect();
    let expected: BTreeSet<i64> = chart_ids.iter().copied().collect();
    assert_eq!(linked, expected);
    let position: Value =
        serde_json::from_str(dashboard.values.position_json.as_deref().unwrap()).unwrap();
    assert_eq!(dashboard::chart_ids(&position), expected);
    let metadata: Value =
        serde_json::from_str(dashboard.values.json_metadata.as_deref().unwrap()).unwrap();
    assert_eq!(metadata["color_scheme"], "supersetColors");

    Registered {
        charts: chart_ids,
        birth_names: birth_names.id,
    }
}

#[tokio::test]
async fn load_examples_on_sqlite_metadata() {
    let dir = temp_dir();
    let store_url = format!("sqlite://{}", dir.join("tessera.db").display());
    load_check_delete_reload(&dir, None, &store_url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn load_examples_on_postgres_metadata() {
    let server = std::env::var("TESSERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string());
    let name = format!("tessera_examples_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let dir = temp_dir();
    let url = format!("{server}/{name}");
    load_check_delete_reload(&dir, Some(&url), &url).await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

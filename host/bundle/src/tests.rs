//! Whole bundles: Superset's own (golden 066), round trips, and what must be refused.

use crate::archive::tests::zip_of;
use crate::{BundleError, BundleKind, Limits, read_bundle, write_bundle};
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use tessera_model::bundle::{ExportSet, ImportRefused, ObjectKind};
use tessera_model::chart::DatasetRef;
use tessera_model::dataset::DatabaseRef;
use tessera_model::{
    Audit, Chart, ChartValues, Dashboard, DashboardValues, Database, DatabaseValues, Dataset,
    DatasetColumn, DatasetMetric, DatasetValues, Timestamp,
};
use uuid::Uuid;

fn golden_zip() -> Vec<u8> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = manifest
        .ancestors()
        .map(|dir| dir.join("shared/reference/golden/066_dashboard_export.zip"))
        .find(|path| path.is_file())
        .expect("shared/reference/golden beside the checkout");
    std::fs::read(path).unwrap()
}

fn no_passwords() -> HashMap<String, String> {
    HashMap::new()
}

fn read(zip: &[u8], kind: BundleKind) -> Result<tessera_model::bundle::ImportSet, BundleError> {
    read_bundle(zip, kind, &no_passwords(), &Limits::DEFAULT)
}

fn refusal(result: Result<tessera_model::bundle::ImportSet, BundleError>) -> ImportRefused {
    match result {
        Err(BundleError::Refused(refused)) => refused,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn reads_supersets_own_bundle() {
    let set = read(&golden_zip(), BundleKind::Dashboard).unwrap();
    assert_eq!(set.databases.len(), 1);
    assert_eq!(set.datasets.len(), 2);
    assert_eq!(set.charts.len(), 3);
    assert_eq!(set.dashboards.len(), 1);
    let db = &set.databases[0];
    assert_eq!(db.file, "databases/golden_examples.yaml");
    assert_eq!(db.values.database_name, "golden examples");
    assert_eq!(db.values.sqlalchemy_uri, "sqlite:////srv/data/examples.db");
    assert_eq!(
        db.values.extra.as_deref(),
        Some(r#"{"allows_virtual_table_explore":true}"#)
    );
    let births = set
        .datasets
        .iter()
        .find(|d| d.values.table_name == "birth_names")
        .unwrap();
    assert_eq!(births.database_uuid, db.uuid);
    assert_eq!(births.columns.len(), 5);
    assert_eq!(births.metrics[0].expression, "COUNT(*)");
    let dashboard = &set.dashboards[0];
    assert_eq!(dashboard.values.slug.as_deref(), Some("golden-dashboard"));
    let mut refs = dashboard.chart_refs();
    refs.sort();
    let mut chart_uuids: Vec<String> = set.charts.iter().map(|c| c.uuid.to_string()).collect();
    chart_uuids.sort();
    assert_eq!(refs, chart_uuids);
    let params: Value =
        serde_json::from_str(set.charts[0].values.params.as_deref().unwrap()).unwrap();
    assert!(params["viz_type"].is_string());
}

#[test]
fn a_bundle_must_be_of_the_endpoints_kind() {
    let refused = refusal(read(&golden_zip(), BundleKind::Chart));
    assert_eq!(refused.importing, Some(ObjectKind::Chart));
    assert_eq!(
        refused.problems,
        vec![(
            "metadata.yaml".to_string(),
            json!({"type": ["Must be equal to Slice."]})
        )]
    );
    // Assets take any bundle.
    assert!(read(&golden_zip(), BundleKind::Assets).is_ok());
}

const DATABASE: &str = "database_name: db\nsqlalchemy_uri: sqlite:////tmp/x.db\n\
    uuid: 7c119bda-d3b7-4897-96a7-d57b8e4a6ee5\nversion: 1.0.0\n";

fn bundle(metadata: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let mut entries: Vec<(String, &[u8])> = vec![("b/metadata.yaml".into(), metadata.as_bytes())];
    for (path, text) in files {
        entries.push((format!("b/{path}"), text.as_bytes()));
    }
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    zip_of(&entries)
}

const METADATA: &str = "version: 1.0.0\ntype: Database\ntimestamp: '2026-01-01T00:00:00+00:00'\n";

#[test]
fn refuses_unknown_versions() {
    let zip = bundle(
        "version: 2.0.0\ntype: Database\n",
        &[("databases/db.yaml", DATABASE)],
    );
    let refused = refusal(read(&zip, BundleKind::Database));
    assert_eq!(
        refused.problems[0].1,
        json!({"version": ["Must be one of: 1.0.0."]})
    );
    let zip = bundle(METADATA, &[]);
    assert!(matches!(
        read(&zip, BundleKind::Database),
        Err(BundleError::NoFiles)
    ));
    let zip = zip_of(&[("b/databases/db.yaml", DATABASE.as_bytes())]);
    let refused = refusal(read(&zip, BundleKind::Database));
    assert_eq!(
        refused.problems,
        vec![("metadata.yaml".into(), json!("Missing metadata.yaml"))]
    );
}

#[test]
fn reports_every_bad_file() {
    let zip = bundle(
        METADATA,
        &[
            ("databases/ok.yaml", DATABASE),
            ("databases/broken.yaml", "database_name: [unclosed\n"),
            (
                "databases/partial.yaml",
                "database_name: x\nversion: 1.0.0\n",
            ),
            ("databases/list.yaml", "- a\n- b\n"),
            (
                "databases/bad_uuid.yaml",
                "database_name: x\nsqlalchemy_uri: sqlite://\nuuid: nope\nversion: 1.0.0\n",
            ),
        ],
    );
    let refused = refusal(read(&zip, BundleKind::Database));
    let problems: HashMap<String, Value> = refused.problems.into_iter().collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        problems["databases/broken.yaml"]
            .as_str()
            .unwrap()
            .starts_with("Invalid YAML")
    );
    assert_eq!(
        problems["databases/partial.yaml"],
        json!({"sqlalchemy_uri": ["Missing data for required field."],
               "uuid": ["Missing data for required field."]})
    );
    assert_eq!(
        problems["databases/list.yaml"],
        json!({"_schema": ["Invalid input type."]})
    );
    assert!(problems["databases/bad_uuid.yaml"].is_string());
}

#[test]
fn refuses_yaml_alias_bombs() {
    let mut text = String::from(
        "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        text += &format!(
            "{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
        );
    }
    text += DATABASE;
    let zip = bundle(METADATA, &[("databases/db.yaml", &text)]);
    let refused = refusal(read(&zip, BundleKind::Database));
    assert!(refused.problems[0].1.is_string(), "{:?}", refused.problems);
}

#[test]
fn passwords_come_from_the_request_or_the_uri() {
    let masked = DATABASE.replace("sqlite:////tmp/x.db", "postgresql://u:XXXXXXXXXX@h/db");
    let zip = bundle(METADATA, &[("databases/db.yaml", &masked)]);
    let set = read(&zip, BundleKind::Database).unwrap();
    assert_eq!(set.databases[0].password, None);
    let passwords = HashMap::from([("databases/db.yaml".to_string(), "s3cret".to_string())]);
    let set = read_bundle(&zip, BundleKind::Database, &passwords, &Limits::DEFAULT).unwrap();
    assert_eq!(set.databases[0].password.as_deref(), Some("s3cret"));
    let plain = DATABASE.replace("sqlite:////tmp/x.db", "postgresql://u:pw@h/db");
    let zip = bundle(METADATA, &[("databases/db.yaml", &plain)]);
    let set = read(&zip, BundleKind::Database).unwrap();
    assert_eq!(set.databases[0].password.as_deref(), Some("pw"));
    assert_eq!(
        set.databases[0].values.sqlalchemy_uri,
        "postgresql://u:XXXXXXXXXX@h/db"
    );
}

fn audit() -> Audit {
    Audit {
        created_on: Timestamp(0),
        changed_on: Timestamp(0),
        created_by: None,
        changed_by: None,
    }
}

fn export_set() -> ExportSet {
    let database = Database {
        id: 1,
        uuid: Uuid::new_v4(),
        values: DatabaseValues {
            database_name: "main db".into(),
            sqlalchemy_uri: "postgresql://u:XXXXXXXXXX@h/db".into(),
            expose_in_sqllab: true,
            extra: Some(r#"{"engine_params": {}}"#.into()),
            ..Default::default()
        },
        password: Some("never exported".into()),
        audit: audit(),
    };
    let dataset = Dataset {
        id: 2,
        uuid: Uuid::new_v4(),
        values: DatasetValues {
            table_name: "sales".into(),
            database_id: 1,
            schema: Some("main".into()),
            filter_select_enabled: true,
            ..Default::default()
        },
        database: DatabaseRef {
            id: 1,
            uuid: database.uuid,
            database_name: "main db".into(),
            backend: "postgresql".into(),
        },
        owners: vec![],
        columns: vec![DatasetColumn {
            column_name: "region".into(),
            is_active: true,
            groupby: true,
            filterable: true,
            ..Default::default()
        }],
        metrics: vec![DatasetMetric {
            metric_name: "count".into(),
            expression: "COUNT(*)".into(),
            ..Default::default()
        }],
        audit: audit(),
    };
    let chart = |id: i64, name: &str| Chart {
        id,
        uuid: Uuid::new_v4(),
        values: ChartValues {
            slice_name: name.into(),
            viz_type: Some("table".into()),
            datasource_id: Some(2),
            params: Some(r#"{"datasource": "2__table"}"#.into()),
            ..Default::default()
        },
        owners: vec![],
        dashboards: vec![],
        dataset: Some(DatasetRef {
            id: 2,
            uuid: dataset.uuid,
            table_name: "sales".into(),
            schema: Some("main".into()),
            default_endpoint: None,
        }),
        last_saved_at: None,
        last_saved_by: None,
        audit: audit(),
    };
    let placed = chart(3, "Sales: by region");
    let unplaced = chart(4, "Sales / total");
    let position = json!({
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-1"], "parents": ["ROOT_ID"]},
        "ROW-1": {"type": "ROW", "id": "ROW-1", "children": ["CHART-1"], "parents": ["ROOT_ID", "GRID_ID"]},
        "CHART-1": {"type": "CHART", "id": "CHART-1", "children": [],
                    "meta": {"chartId": 3, "width": 4, "height": 50}},
    });
    let metadata = json!({"native_filter_configuration": [{"targets": [{"datasetId": 2}]}]});
    let dashboard = Dashboard {
        id: 5,
        uuid: Uuid::new_v4(),
        values: DashboardValues {
            dashboard_title: Some("Sales".into()),
            slug: Some("sales".into()),
            position_json: Some(position.to_string()),
            json_metadata: Some(metadata.to_string()),
            published: true,
            ..Default::default()
        },
        owners: vec![],
        roles: vec![],
        charts: vec![(3, "Sales: by region".into()), (4, "Sales / total".into())],
        audit: audit(),
    };
    ExportSet {
        databases: vec![database],
        datasets: vec![dataset],
        charts: vec![placed, unplaced],
        dashboards: vec![dashboard],
        saved_queries: vec![],
    }
}

#[test]
fn exports_name_files_as_superset_does() {
    let set = export_set();
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 2, 10, 46).unwrap();
    let (name, zip) = write_bundle(&set, BundleKind::Dashboard, now).unwrap();
    assert_eq!(name, "dashboard_export_20261128T021046.zip");
    let files = crate::archive::read(&zip, &Limits::DEFAULT).unwrap();
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "charts/Sales_by_region_3.yaml",
            "charts/Sales_total_4.yaml",
            "dashboards/Sales_5.yaml",
            "databases/main_db.yaml",
            "datasets/main_db/sales_2.yaml",
            "metadata.yaml",
        ]
    );
    let metadata = String::from_utf8(files["metadata.yaml"].clone()).unwrap();
    assert_eq!(
        metadata,
        "version: 1.0.0\ntype: Dashboard\ntimestamp: '2026-11-28T02:10:46.000000+00:00'\n"
    );
    let database = String::from_utf8(files["databases/main_db.yaml"].clone()).unwrap();
    assert!(database.contains("XXXXXXXXXX"));
    assert!(!database.contains("never exported"));
    let keys: Vec<&str> = database
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(
        keys,
        [
            "database_name",
            "sqlalchemy_uri",
            "cache_timeout",
            "expose_in_sqllab",
            "allow_run_async",
            "allow_ctas",
            "allow_cvas",
            "allow_dml",
            "allow_file_upload",
            "extra",
            "impersonate_user",
            "configuration_method",
            "uuid",
            "version"
        ]
    );
    let (_, zip) = write_bundle(&set, BundleKind::Database, now).unwrap();
    let files = crate::archive::read(&zip, &Limits::DEFAULT).unwrap();
    assert!(files.contains_key("datasets/main_db/sales.yaml"));
}

#[test]
fn exports_read_back_linked_by_uuid() {
    let set = export_set();
    let (_, zip) = write_bundle(&set, BundleKind::Dashboard, Utc::now()).unwrap();
    let read = read(&zip, BundleKind::Dashboard).unwrap();
    assert_eq!(read.databases[0].uuid, set.databases[0].uuid);
    assert_eq!(read.databases[0].password, None);
    assert_eq!(read.datasets[0].database_uuid, set.databases[0].uuid);
    assert_eq!(read.datasets[0].columns[0].column_name, "region");
    assert_eq!(read.datasets[0].metrics[0].metric_name, "count");
    for chart in &read.charts {
        assert_eq!(chart.dataset_uuid, set.datasets[0].uuid);
    }
    let dashboard = &read.dashboards[0];
    assert_eq!(dashboard.uuid, set.dashboards[0].uuid);
    let mut refs = dashboard.chart_refs();
    refs.sort();
    let mut expected: Vec<String> = set.charts.iter().map(|c| c.uuid.to_string()).collect();
    expected.sort();
    assert_eq!(refs, expected, "the unplaced chart gets a row of its own");
    assert_eq!(
        dashboard.dataset_refs(),
        vec![set.datasets[0].uuid.to_string()]
    );
}

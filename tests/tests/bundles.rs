//! Export/import bundles: Superset's own bundle (golden 066-069), round trips between
//! two servers, conflicts, and every way a bundle must be refused without a trace.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{Cursor, Write};
use tessera_blackbox::{Backend, Client, TestServer, both_backends, golden, golden_bytes};
use zip::write::SimpleFileOptions;

const GOLDEN_DASHBOARD: &str = "13411c46-11a7-45e9-9c9b-4ef4998b27dd";

async fn import(
    client: &Client,
    path: &str,
    zip: Vec<u8>,
    overwrite: bool,
    passwords: Option<Value>,
) -> (StatusCode, Value) {
    let mut form = Form::new().part(
        "formData",
        Part::bytes(zip)
            .file_name("bundle.zip")
            .mime_str("application/zip")
            .unwrap(),
    );
    if overwrite {
        form = form.text("overwrite", "true");
    }
    if let Some(passwords) = passwords {
        form = form.text("passwords", passwords.to_string());
    }
    let request = client
        .request(Method::POST, path)
        .header("Accept", "application/json")
        .multipart(form);
    client.send(request).await
}

/// A ZIP export: the response's content type and disposition, and the bytes.
async fn export(client: &Client, path: &str, q: &str) -> (String, String, Vec<u8>) {
    let response = client
        .request(Method::GET, path)
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}?q={q}");
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    (
        content_type,
        disposition,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// How many of each exportable object the server holds.
async fn census(client: &Client) -> Vec<i64> {
    let mut counts = vec![];
    for resource in ["database", "dataset", "chart", "dashboard", "saved_query"] {
        let (status, list) = client
            .get_q(&format!("/api/v1/{resource}/"), "(page_size:100)")
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        counts.push(list["count"].as_i64().unwrap());
    }
    counts
}

async fn id_by_uuid(client: &Client, resource: &str, uuid: &str) -> i64 {
    let q = format!("(filters:!((col:uuid,opr:eq,value:'{uuid}')))");
    let (status, list) = client.get_q(&format!("/api/v1/{resource}/"), &q).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["count"], 1, "{resource} {uuid}: {list}");
    list["ids"][0].as_i64().unwrap()
}

/// Superset's own export (golden 066) imports, and a second import without
/// `overwrite` is refused exactly as Superset refuses it (golden 069).
async fn imports_supersets_own_bundle(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let zip = golden_bytes("066_dashboard_export.zip");

    let (status, body) = import(
        &admin,
        "/api/v1/dashboard/import/",
        zip.clone(),
        false,
        Some(json!({})),
    )
    .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));
    assert_eq!(census(&admin).await, [1, 2, 3, 1, 0]);

    let id = id_by_uuid(&admin, "dashboard", GOLDEN_DASHBOARD).await;
    let (status, dashboard) = admin.get("/api/v1/dashboard/golden-dashboard").await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    assert_eq!(dashboard["result"]["id"], id);
    assert_eq!(dashboard["result"]["dashboard_title"], "golden dashboard");
    let (_, charts) = admin.get(&format!("/api/v1/dashboard/{id}/charts")).await;
    let mut names: Vec<&str> = charts["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slice_name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "golden bar: monthly quantity by region",
            "golden line: weekly revenue by product",
            "golden table: top names (renamed)",
        ]
    );
    // The layout names the charts by their new ids.
    let position: Value =
        serde_json::from_str(dashboard["result"]["position_json"].as_str().unwrap()).unwrap();
    let (_, chart) = admin
        .get("/api/v1/chart/221b80c3-2cc6-4976-b613-8b87543f9436")
        .await;
    assert_eq!(
        position["CHART-2"]["meta"]["chartId"],
        chart["result"]["id"]
    );
    let dataset_id = id_by_uuid(&admin, "dataset", "4328905d-e3e3-49da-8cdc-3874bf2d0512").await;
    let params: Value = serde_json::from_str(chart["result"]["params"].as_str().unwrap()).unwrap();
    assert_eq!(params["datasource"], format!("{dataset_id}__table"));
    let (_, dataset) = admin.get(&format!("/api/v1/dataset/{dataset_id}")).await;
    assert_eq!(dataset["result"]["table_name"], "birth_names");
    assert_eq!(
        dataset["result"]["database"]["database_name"],
        "golden examples"
    );
    assert_eq!(dataset["result"]["columns"].as_array().unwrap().len(), 5);

    let (status, body) = import(
        &admin,
        "/api/v1/dashboard/import/",
        zip.clone(),
        false,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        golden("069_dashboard_import_no_overwrite_accept_json.json")
    );

    let (status, body) = import(
        &admin,
        "/api/v1/dashboard/import/",
        zip,
        true,
        Some(json!({})),
    )
    .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::OK,
            &golden("067_dashboard_import_overwrite.json")
        )
    );
    assert_eq!(census(&admin).await, [1, 2, 3, 1, 0]);
    assert_eq!(id_by_uuid(&admin, "dashboard", GOLDEN_DASHBOARD).await, id);
    server.stop().await;
}
both_backends!(imports_supersets_own_bundle);

/// A dashboard exported from one server and imported into a fresh one arrives with the
/// same uuids and the same links.
async fn round_trips_between_servers(backend: Backend) {
    let source = TestServer::start(backend).await;
    let admin = source.admin().await;
    let dataset = source.dataset("sales").await;
    let (status, created) = admin
        .post(
            "/api/v1/dashboard/",
            json!({"dashboard_title": "Sales", "slug": "sales", "published": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let dashboard = created["id"].as_i64().unwrap();
    let placed = admin
        .create_chart("placed", dataset, json!({"dashboards": [dashboard]}))
        .await;
    let unplaced = admin
        .create_chart(
            "not in the layout",
            dataset,
            json!({"dashboards": [dashboard]}),
        )
        .await;
    let position = json!({
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": ["ROW-1"], "parents": ["ROOT_ID"]},
        "ROW-1": {"type": "ROW", "id": "ROW-1", "children": ["CHART-1"], "parents": ["ROOT_ID", "GRID_ID"]},
        "CHART-1": {"type": "CHART", "id": "CHART-1", "children": [], "parents": ["ROOT_ID", "GRID_ID", "ROW-1"],
                    "meta": {"chartId": placed, "width": 4, "height": 50}},
    });
    let (status, body) = admin
        .put(
            &format!("/api/v1/dashboard/{dashboard}"),
            json!({"position_json": position.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (content_type, disposition, zip) = export(
        &admin,
        "/api/v1/dashboard/export/",
        &format!("!({dashboard})"),
    )
    .await;
    assert_eq!(content_type, "application/zip");
    let name = disposition
        .strip_prefix("attachment; filename=dashboard_export_")
        .and_then(|rest| rest.strip_suffix(".zip"))
        .unwrap_or_else(|| panic!("{disposition}"));
    assert!(
        name.len() == 15 && name.as_bytes()[8] == b'T',
        "{disposition}"
    );
    let original = source.store.dashboard(dashboard).await.unwrap();
    let original_charts = source.store.charts(&[placed, unplaced]).await.unwrap();
    let original_dataset = source.store.dataset(dataset).await.unwrap();

    let target = TestServer::start(backend).await;
    let target_admin = target.admin().await;
    let (status, body) = import(
        &target_admin,
        "/api/v1/dashboard/import/",
        zip.clone(),
        false,
        None,
    )
    .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));
    assert_eq!(census(&target_admin).await, [1, 1, 2, 1, 0]);

    let id = id_by_uuid(&target_admin, "dashboard", &original.uuid.to_string()).await;
    let imported = target.store.dashboard(id).await.unwrap();
    assert_eq!(imported.values.slug.as_deref(), Some("sales"));
    let chart_ids: Vec<i64> = imported.charts.iter().map(|(id, _)| *id).collect();
    assert_eq!(chart_ids.len(), 2, "both charts are the dashboard's");
    let charts = target.store.charts(&chart_ids).await.unwrap();
    let mut uuids: Vec<_> = charts.iter().map(|c| c.uuid).collect();
    let mut expected: Vec<_> = original_charts.iter().map(|c| c.uuid).collect();
    uuids.sort();
    expected.sort();
    assert_eq!(uuids, expected);
    for chart in &charts {
        let chart_dataset = chart.dataset.as_ref().expect("the chart's dataset");
        assert_eq!(chart_dataset.uuid, original_dataset.uuid);
        let dataset = target.store.dataset(chart_dataset.id).await.unwrap();
        assert_eq!(dataset.values.table_name, "sales");
        assert_eq!(dataset.database.uuid, original_dataset.database.uuid);
        assert_eq!(dataset.database.database_name, "db for sales");
    }
    // The chart outside the layout was given a place in it on export.
    let position: Value =
        serde_json::from_str(imported.values.position_json.as_deref().unwrap()).unwrap();
    let placed_ids: Vec<i64> = position
        .as_object()
        .unwrap()
        .values()
        .filter(|node| node["type"] == "CHART")
        .map(|node| node["meta"]["chartId"].as_i64().unwrap())
        .collect();
    assert_eq!(placed_ids.len(), 2);
    assert!(placed_ids.iter().all(|id| chart_ids.contains(id)));

    // The same bundle again: a conflict without overwrite, and nothing changes.
    let before = census(&target_admin).await;
    let (status, body) = import(
        &target_admin,
        "/api/v1/dashboard/import/",
        zip.clone(),
        false,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["error_type"], "GENERIC_COMMAND_ERROR");
    assert_eq!(
        error["extra"]["dashboards/Sales_1.yaml"],
        "Dashboard already exists and `overwrite=true` was not passed"
    );
    assert_eq!(census(&target_admin).await, before);
    let (status, body) = import(&target_admin, "/api/v1/dashboard/import/", zip, true, None).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));
    assert_eq!(census(&target_admin).await, before);
    assert_eq!(
        id_by_uuid(&target_admin, "dashboard", &original.uuid.to_string()).await,
        id
    );

    // Every kind exports, and everything at once.
    for (path, q) in [
        ("/api/v1/chart/export/", format!("!({placed})")),
        ("/api/v1/dataset/export/", format!("!({dataset})")),
        (
            "/api/v1/database/export/",
            format!("!({})", original_dataset.database.id),
        ),
        ("/api/v1/assets/export/", String::new()),
    ] {
        let (content_type, _, zip) = export(&admin, path, &q).await;
        assert_eq!(content_type, "application/zip");
        let fresh = TestServer::start(backend).await;
        let fresh_admin = fresh.admin().await;
        let import_path = path.replace("export", "import");
        let (status, body) = import(&fresh_admin, &import_path, zip, false, None).await;
        assert_eq!(
            (status, &body),
            (StatusCode::OK, &json!({"message": "OK"})),
            "{path}"
        );
        let counts = census(&fresh_admin).await;
        assert_eq!(counts[0], 1, "{path}: {counts:?}");
        assert_eq!(counts[1], 1, "{path}: {counts:?}");
        fresh.stop().await;
    }
    let (status, _) = admin.get_q("/api/v1/dashboard/export/", "!(999)").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    source.stop().await;
    target.stop().await;
}
both_backends!(round_trips_between_servers);

/// A ZIP of `entries`, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Rewrites the uncompressed size the archive declares for `name`, leaving the data.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    for at in 0..zip.len().saturating_sub(46) {
        let (size_at, name_at) = match &zip[at..at + 4] {
            [0x50, 0x4b, 0x03, 0x04] => (at + 22, at + 30),
            [0x50, 0x4b, 0x01, 0x02] => (at + 24, at + 46),
            _ => continue,
        };
        if zip[name_at..].starts_with(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
    }
}

const METADATA: &str = "version: 1.0.0\ntype: SqlaTable\ntimestamp: '2026-11-28T02:10:46+00:00'\n";

fn database_yaml(uuid: &str) -> String {
    format!(
        "database_name: imported {uuid}\nsqlalchemy_uri: sqlite:////tmp/imported.db\n\
         uuid: {uuid}\nversion: 1.0.0\n"
    )
}

fn dataset_yaml(table: &str, uuid: &str, database_uuid: &str) -> String {
    format!(
        "table_name: {table}\nschema: main\nuuid: {uuid}\nversion: 1.0.0\n\
         database_uuid: {database_uuid}\ncolumns:\n- column_name: id\n  type: INTEGER\n\
         metrics:\n- metric_name: count\n  expression: COUNT(*)\n"
    )
}

const DB_UUID: &str = "5f0e7f4e-1c1d-4c55-9f3e-6f7c0a1b2c3d";
const DS_UUID: &str = "0b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f";
const MISSING_UUID: &str = "ffffffff-0000-4000-8000-000000000000";

/// A dataset bundle under the folder `b/`, with `files` beside `metadata.yaml`.
fn bundle(metadata: &str, files: &[(&str, String)]) -> Vec<u8> {
    let mut entries: Vec<(String, Vec<u8>)> =
        vec![("b/metadata.yaml".into(), metadata.as_bytes().to_vec())];
    for (path, text) in files {
        entries.push((format!("b/{path}"), text.clone().into_bytes()));
    }
    let entries: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_slice()))
        .collect();
    zip_of(&entries)
}

/// Every malformed or malicious bundle is refused with a 4xx in Superset's shape, and
/// nothing of it is written, even when the problem shows only half-way through.
async fn refuses_bad_bundles_and_writes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    server.dataset("sales").await;
    let before = census(&admin).await;
    let good = [
        ("databases/db.yaml", database_yaml(DB_UUID)),
        ("datasets/db/t.yaml", dataset_yaml("t", DS_UUID, DB_UUID)),
    ];

    let mut symlink = zip::ZipWriter::new(Cursor::new(Vec::new()));
    symlink
        .add_symlink(
            "b/databases/db.yaml",
            "/etc/passwd",
            SimpleFileOptions::default(),
        )
        .unwrap();
    let symlink = symlink.finish().unwrap().into_inner();
    // 20 MiB of zeros that claims to be 100 bytes.
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let mut bomb = zip_of(&[
        ("b/metadata.yaml", METADATA.as_bytes()),
        ("b/datasets/bomb.yaml", &zeros),
    ]);
    declare_size(&mut bomb, "b/datasets/bomb.yaml", 100);
    // A few bytes that claim to be 32 MiB.
    let mut liar = zip_of(&[
        ("b/metadata.yaml", METADATA.as_bytes()),
        ("b/datasets/liar.yaml", b"x: 1\n"),
    ]);
    declare_size(&mut liar, "b/datasets/liar.yaml", 32 * 1024 * 1024);

    let half_way = [
        ("databases/db.yaml", database_yaml(DB_UUID)),
        ("datasets/db/a.yaml", dataset_yaml("a", DS_UUID, DB_UUID)),
        (
            "datasets/db/b.yaml",
            dataset_yaml("b", "1b9e8d7c-6a5b-4c3d-8e2f-1a0b9c8d7e6f", MISSING_UUID),
        ),
    ];
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "dot-dot path",
            zip_of(&[
                ("b/metadata.yaml", METADATA.as_bytes()),
                ("b/../../evil.yaml", b"x"),
            ]),
            StatusCode::BAD_REQUEST,
            "its path must stay inside the bundle",
        ),
        (
            "absolute path",
            zip_of(&[("/etc/metadata.yaml", METADATA.as_bytes())]),
            StatusCode::BAD_REQUEST,
            "its path must stay inside the bundle",
        ),
        (
            "symlink",
            symlink,
            StatusCode::BAD_REQUEST,
            "symbolic links",
        ),
        (
            "zip bomb",
            bomb,
            StatusCode::BAD_REQUEST,
            "b/datasets/bomb.yaml",
        ),
        (
            "declared huge",
            liar,
            StatusCode::BAD_REQUEST,
            "larger than",
        ),
        (
            "not a zip",
            b"{\"not\": \"a zip\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not a ZIP file",
        ),
        (
            "malformed yaml",
            bundle(
                METADATA,
                &[("datasets/db/t.yaml", "table_name: [unclosed\n".into())],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid YAML",
        ),
        (
            "unknown version",
            bundle("version: 9.9.9\ntype: Dataset\n", &good),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Must be one of: 1.0.0.",
        ),
        (
            "wrong type",
            bundle("version: 1.0.0\ntype: Dashboard\n", &good),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Must be equal to SqlaTable.",
        ),
        (
            "missing reference",
            bundle(
                METADATA,
                &[(
                    "datasets/db/t.yaml",
                    dataset_yaml("t", DS_UUID, MISSING_UUID),
                )],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "does not exist",
        ),
        (
            "fails half-way",
            bundle(METADATA, &half_way),
            StatusCode::UNPROCESSABLE_ENTITY,
            "datasets/db/b.yaml",
        ),
        (
            "only metadata",
            bundle(METADATA, &[]),
            StatusCode::BAD_REQUEST,
            "No valid import files were found",
        ),
    ];
    for (case, zip, status, says) in cases {
        let (got, body) = import(&admin, "/api/v1/dataset/import/", zip, true, None).await;
        assert_eq!(got, status, "{case}: {body}");
        let error = &body["errors"][0];
        assert_eq!(
            error["error_type"], "GENERIC_COMMAND_ERROR",
            "{case}: {body}"
        );
        assert!(body.to_string().contains(says), "{case}: {body}");
        assert_eq!(census(&admin).await, before, "{case} wrote something");
    }

    // A masked password needs the passwords field; with it the import goes through.
    let masked = database_yaml(DB_UUID).replace(
        "sqlite:////tmp/imported.db",
        "postgresql://u:XXXXXXXXXX@h/db",
    );
    let zip = bundle(
        "version: 1.0.0\ntype: Database\n",
        &[("databases/db.yaml", masked)],
    );
    let (status, body) = import(&admin, "/api/v1/database/import/", zip.clone(), false, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["extra"]["databases/db.yaml"],
        json!({"_schema": ["Must provide a password for the database"]})
    );
    let passwords = json!({"databases/db.yaml": "s3cret"});
    let (status, body) = import(
        &admin,
        "/api/v1/database/import/",
        zip,
        false,
        Some(passwords),
    )
    .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));
    let id = id_by_uuid(&admin, "database", DB_UUID).await;
    let stored = server.store.database(id).await.unwrap();
    assert_eq!(stored.password.as_deref(), Some("s3cret"));
    assert_eq!(
        stored.values.sqlalchemy_uri,
        "postgresql://u:XXXXXXXXXX@h/db"
    );

    // An upload past axum's default 2 MiB body limit goes through: 4 MiB of text that
    // compresses poorly, as a dataset description.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let noise: String = (0..4 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(LETTERS[(state % 62) as usize])
        })
        .collect();
    let large = dataset_yaml("large", DS_UUID, DB_UUID) + &format!("description: x{noise}\n");
    let zip = bundle(METADATA, &[("datasets/db/large.yaml", large)]);
    assert!(zip.len() > 2 * 1024 * 1024);
    let (status, body) = import(&admin, "/api/v1/dataset/import/", zip, false, None).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));

    // Requests that are not uploads at all.
    let (status, body) = admin.post("/api/v1/dataset/import/", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["errors"][0]["error_type"],
        "INVALID_PAYLOAD_FORMAT_ERROR"
    );
    let form = Form::new().text("overwrite", "true");
    let (status, body) = admin
        .send(
            admin
                .request(Method::POST, "/api/v1/dataset/import/")
                .multipart(form),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Arguments are not correct"})
        )
    );

    // Importing needs can_write on the resource; a Gamma user has none on datasets.
    let gamma = server.user_with_role("gamma", "Gamma").await;
    let (status, _) = import(
        &gamma,
        "/api/v1/dataset/import/",
        bundle(METADATA, &good),
        false,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = gamma.get("/api/v1/assets/export/").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}
both_backends!(refuses_bad_bundles_and_writes_nothing);

/// An import creates only what the caller may create and overwrites only what they own.
async fn imports_within_the_callers_rights(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let alpha = server.user_with_role("alpha", "Alpha").await;
    let zip = golden_bytes("066_dashboard_export.zip");
    let path = "/api/v1/dashboard/import/";

    // Alpha may not create databases, and the bundle brings a new one.
    let (status, body) = import(&alpha, path, zip.clone(), false, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["extra"]["databases/golden_examples.yaml"],
        "Database doesn't exist and user doesn't have permission to create it"
    );
    assert_eq!(census(&admin).await, [0, 0, 0, 0, 0]);

    // Once the database is there, Alpha uses it as it is; the dashboard is Admin's.
    let (status, body) = import(&admin, path, zip.clone(), false, None).await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"message": "OK"})));
    let (status, body) = import(&alpha, path, zip, true, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"][0]["extra"]["dashboards/golden_dashboard_1.yaml"],
        "A dashboard already exists and user doesn't have permissions to overwrite it"
    );
    assert_eq!(census(&admin).await, [1, 2, 3, 1, 0]);
    server.stop().await;
}
both_backends!(imports_within_the_callers_rights);

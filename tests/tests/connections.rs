//! Databases reached through the connector plugins, over HTTP: connection tests,
//! introspection, datasets filled from the database, and the errors Superset's clients
//! expect when a database cannot be reached.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_blackbox::{Backend, Client, TestServer, assert_same_shape, both_backends, golden};

async fn create_database(client: &Client, name: &str, uri: &str) -> i64 {
    let (status, body) = client
        .post(
            "/api/v1/database/",
            json!({"database_name": name, "sqlalchemy_uri": uri}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

fn error_type(body: &Value) -> &str {
    body["errors"][0]["error_type"].as_str().unwrap_or_default()
}

async fn sqlite_introspection_matches_golden(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let uri = server.examples_uri();

    let (status, body) = admin
        .post(
            "/api/v1/database/test_connection/",
            json!({"database_name": "golden examples", "sqlalchemy_uri": uri}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let id = create_database(&admin, "golden examples", &uri).await;

    let (status, body) = admin.get(&format!("/api/v1/database/{id}/schemas/")).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &golden("019_database_schemas.json"))
    );
    let (status, body) = admin
        .get_q(
            &format!("/api/v1/database/{id}/tables/"),
            "(schema_name:main)",
        )
        .await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &golden("020_database_tables.json"))
    );
    let (status, body) = admin.get(&format!("/api/v1/database/{id}/tables/")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Not a valid rison schema 'schema_name' is a required property"})
        )
    );
    let (status, body) = admin
        .get(&format!(
            "/api/v1/database/{id}/table_metadata/?name=sales&schema=main"
        ))
        .await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &golden("021_database_table_metadata.json"))
    );
    let (status, body) = admin
        .get(&format!(
            "/api/v1/database/{id}/table_metadata/?name=nope&schema=main"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(error_type(&body), "TABLE_NOT_FOUND_ERROR");
    let (status, body) = admin
        .get(&format!("/api/v1/database/{id}/select_star/sales/main/"))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"result": "SELECT\n  *\nFROM main.sales\nLIMIT 100\nOFFSET 0"})
        )
    );
    let (status, body) = admin.get("/api/v1/database/999999/schemas/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_type(&body), "DATABASE_NOT_FOUND_ERROR");

    // A dataset on a physical table takes its columns from the database (golden 023).
    let (status, created) = admin
        .post(
            "/api/v1/dataset/",
            json!({"database": id, "schema": "main", "table_name": "sales"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let columns = |data: &Value| -> Vec<(String, String, bool)> {
        data["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["column_name"].as_str().unwrap().to_owned(),
                    c["type"].as_str().unwrap().to_owned(),
                    c["is_dttm"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let expected = golden("023_dataset_create_sales.json");
    assert_eq!(columns(&created["data"]), columns(&expected["data"]));
    let dataset = created["id"].as_i64().unwrap();

    // A missing table is golden 025's 422, and nothing is created.
    let (status, body) = admin
        .post(
            "/api/v1/dataset/",
            json!({"database": id, "schema": "main", "table_name": "nope"}),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("025_dataset_create_missing_table.json")
        )
    );
    let (_, list) = admin.get("/api/v1/dataset/").await;
    assert_eq!(list["count"], 1);

    // Refresh picks up a column added in the database.
    server
        .alter_examples("ALTER TABLE sales ADD COLUMN shipped_at DATETIME")
        .await;
    let (status, body) = admin
        .put(&format!("/api/v1/dataset/{dataset}/refresh"), json!({}))
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let (_, got) = admin.get(&format!("/api/v1/dataset/{dataset}")).await;
    let refreshed = columns(&got["result"]);
    assert_eq!(refreshed.len(), 6, "{refreshed:?}");
    assert!(refreshed.contains(&("shipped_at".into(), "DATETIME".into(), true)));
    server.stop().await;
}
both_backends!(sqlite_introspection_matches_golden);

async fn available_lists_the_loaded_engines(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (status, body) = admin.get("/api/v1/database/available/").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["PostgreSQL", "MySQL", "SQLite"]);
    let postgres = &body["databases"][0];
    assert_eq!(postgres["engine"], "postgresql");
    assert_eq!(postgres["default_driver"], "psycopg2");
    assert_eq!(
        postgres["parameters"]["required"],
        json!(["database", "host", "port", "username"])
    );
    assert!(body["databases"][2].get("parameters").is_none());
    server.stop().await;
}
both_backends!(available_lists_the_loaded_engines);

async fn postgres_and_mariadb_through_their_connectors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    for (name, uri, schema) in [
        ("pg", "postgresql://postgres@127.0.0.1:5432/test", "public"),
        ("maria", "mysql://root@127.0.0.1:3306/test", "test"),
    ] {
        let id = create_database(&admin, name, uri).await;
        let (status, body) = admin.get(&format!("/api/v1/database/{id}/schemas/")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            body["result"].as_array().unwrap().contains(&json!(schema)),
            "{body}"
        );
        let (status, body) = admin
            .get_q(
                &format!("/api/v1/database/{id}/tables/"),
                &format!("(schema_name:{schema})"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["count"],
            json!(body["result"].as_array().unwrap().len())
        );
        let (status, body) = admin
            .get(&format!("/api/v1/database/{id}/connection"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["result"]["sqlalchemy_uri"], uri);
        // The dynamic form's fields, from the URI.
        let parameters = &body["result"]["parameters"];
        assert_eq!(parameters["host"], "127.0.0.1");
        assert_eq!(parameters["database"], "test");
        assert!(parameters["port"].is_u64());
        assert_eq!(body["result"]["parameters_schema"]["type"], "object");
    }
    server.stop().await;
}
both_backends!(postgres_and_mariadb_through_their_connectors);

async fn unreachable_databases_get_superset_errors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let test = |uri: &str| {
        let admin = admin.clone();
        let uri = uri.to_owned();
        async move {
            admin
                .post(
                    "/api/v1/database/test_connection/",
                    json!({"database_name": "x", "sqlalchemy_uri": uri}),
                )
                .await
        }
    };

    let (status, body) = test("sqlite:////srv/data/does/not/exist.db").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_same_shape(
        &body,
        &golden("016_database_test_connection_fail.json"),
        "sqlite",
    );
    for (uri, expected) in [
        (
            "postgresql://postgres@127.0.0.1:1/test",
            "CONNECTION_PORT_CLOSED_ERROR",
        ),
        (
            "postgresql://postgres@no-such-host.invalid/test",
            "CONNECTION_INVALID_HOSTNAME_ERROR",
        ),
        (
            "postgresql://postgres@127.0.0.1:5432/no_such_db",
            "CONNECTION_UNKNOWN_DATABASE_ERROR",
        ),
        (
            "mysql://nobody:S3cret@127.0.0.1:3306/test",
            "CONNECTION_ACCESS_DENIED_ERROR",
        ),
    ] {
        let (status, body) = test(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(error_type(&body), expected, "{uri}: {body}");
        assert!(!body.to_string().contains("S3cret"), "{body}");
    }
    let (status, body) = test("oracle://scott:tiger@db/orcl").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_type(&body), "GENERIC_COMMAND_ERROR");
    assert_eq!(body["errors"][0]["level"], "warning");
    let (status, body) = test("not a uri").await;
    assert!(status.is_client_error(), "{status} {body}");

    // Create refuses what does not connect (golden 014), and saves nothing.
    let (status, body) = admin
        .post(
            "/api/v1/database/",
            json!({"database_name": "down", "sqlalchemy_uri": "postgresql://postgres@127.0.0.1:1/test"}),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("014_database_create_bad_uri.json")
        )
    );
    let (_, list) = admin.get("/api/v1/database/").await;
    assert_eq!(list["count"], 0);
    server.stop().await;
}
both_backends!(unreachable_databases_get_superset_errors);

/// A plugin that traps or loops fails its own request; the server keeps serving.
async fn a_misbehaving_plugin_fails_only_its_request(backend: Backend) {
    let plugins = std::env::temp_dir().join(format!("tessera-plugins-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        std::path::Path::new(tessera_plugin_host::BUILT_PLUGINS_DIR)
            .join("test_misbehaving_connector.wasm"),
        plugins.join("misbehaving.wasm"),
    )
    .unwrap();
    let dir = plugins.clone();
    let server = TestServer::start_with(backend, move |config| {
        config.plugin_dir = Some(dir);
        config.plugin_timeout = 1;
    })
    .await;
    let admin = server.admin().await;
    for (misdeed, status, error) in [
        (
            "trap",
            StatusCode::UNPROCESSABLE_ENTITY,
            "GENERIC_DB_ENGINE_ERROR",
        ),
        (
            "loop",
            StatusCode::REQUEST_TIMEOUT,
            "CONNECTION_DATABASE_TIMEOUT",
        ),
        (
            "connect-other-port",
            StatusCode::BAD_REQUEST,
            "CONNECTION_PORT_CLOSED_ERROR",
        ),
    ] {
        let (got, body) = admin
            .post(
                "/api/v1/database/test_connection/",
                json!({"sqlalchemy_uri": format!("misbehave://127.0.0.1:5432/{misdeed}")}),
            )
            .await;
        assert_eq!(got, status, "{misdeed}: {body}");
        assert_eq!(error_type(&body), error, "{misdeed}: {body}");
        let (health, _) = admin.get("/health").await;
        assert_eq!(health, StatusCode::OK);
    }
    let (status, _) = admin
        .post(
            "/api/v1/database/test_connection/",
            json!({"sqlalchemy_uri": server.examples_uri()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
    std::fs::remove_dir_all(plugins).unwrap();
}
both_backends!(a_misbehaving_plugin_fails_only_its_request);

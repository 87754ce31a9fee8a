//! SQL Lab over HTTP: synchronous and asynchronous execution on real databases, the
//! query history it leaves, results by key, CSV export, stopping a running query, and
//! a database that goes away mid-query.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use tessera_blackbox::{
    Backend, Client, TestServer, assert_same_shape, both_backends, golden, golden_request,
};

async fn database(admin: &Client, name: &str, uri: &str) -> i64 {
    let (status, body) = admin
        .post(
            "/api/v1/database/",
            json!({"database_name": name, "sqlalchemy_uri": uri}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// Polls the query history until `client_id` reaches a finished state.
async fn finished(admin: &Client, client_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = admin
            .get_q("/api/v1/query/updated_since", "(last_updated_ms:0)")
            .await;
        let query = body["result"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|q| q["id"] == json!(client_id))
            .cloned();
        if let Some(query) = query
            && ["success", "failed", "stopped", "timed_out"]
                .contains(&query["state"].as_str().unwrap_or_default())
        {
            return query;
        }
        assert!(Instant::now() < deadline, "{client_id} did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn executes_and_records(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = database(&admin, "examples", &server.examples_uri()).await;

    let mut body = golden_request("070_sqllab_execute.json");
    body["database_id"] = json!(db);
    let (status, answer) = admin.post("/api/v1/sqllab/execute/", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let expected = golden("070_sqllab_execute.json");
    for key in [
        "query_id",
        "status",
        "data",
        "columns",
        "selected_columns",
        "expanded_columns",
        "query",
    ] {
        assert!(answer.get(key).is_some(), "{key} missing: {answer}");
    }
    assert_same_shape(&answer["query"], &expected["query"], "query");
    assert_eq!(answer["status"], json!("success"));
    assert_eq!(answer["query"]["state"], json!("success"));
    assert_eq!(answer["query"]["rows"], json!(2));
    assert_eq!(answer["data"][0]["region"], json!("APAC"));

    // A SQL error and a write are refused in the errors format, and recorded as failed.
    let (status, answer) = admin
        .post("/api/v1/sqllab/execute/", json!({"database_id": db, "sql": "SELECT nosuchcol FROM sales", "client_id": "err0001"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nosuchcol"),
        "{answer}"
    );
    let (status, answer) = admin
        .post(
            "/api/v1/sqllab/execute/",
            json!({"database_id": db, "sql": "DELETE FROM sales", "client_id": "dml0001"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["errors"][0]["error_type"],
        json!("DML_NOT_ALLOWED_ERROR")
    );
    assert_eq!(
        answer["errors"][0]["message"],
        golden("072_sqllab_execute_dml_forbidden.json")["errors"][0]["message"]
    );
    assert_eq!(finished(&admin, "dml0001").await["state"], json!("failed"));
    let (status, answer) = admin
        .post("/api/v1/sqllab/execute/", json!({"sql": "SELECT 1"}))
        .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::BAD_REQUEST,
            golden("073_sqllab_execute_bad_body.json")
        )
    );

    // The row limit: one more row is asked for to tell whether there were more.
    let (status, answer) = admin
        .post("/api/v1/sqllab/execute/", json!({"database_id": db, "sql": "SELECT * FROM sales", "queryLimit": 1, "client_id": "lim0001"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["data"].as_array().unwrap().len(), 1);
    assert_eq!(answer["query"]["limitingFactor"], json!("DROPDOWN"));

    // Asynchronous: 202 at once, then results by key and a CSV export.
    let (status, answer) = admin
        .post("/api/v1/sqllab/execute/", json!({"database_id": db, "sql": "SELECT region, quantity FROM sales ORDER BY region", "runAsync": true, "client_id": "async001"}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["query"]["state"], json!("pending"));
    let query = finished(&admin, "async001").await;
    assert_eq!(query["state"], json!("success"), "{query}");
    let key = query["resultsKey"].as_str().unwrap();
    let (status, results) = admin
        .get_q("/api/v1/sqllab/results/", &format!("(key:'{key}')"))
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    assert_eq!(
        results["data"],
        json!([{"region": "APAC", "quantity": 1}, {"region": "EMEA", "quantity": 3}])
    );
    let response = admin
        .request(reqwest::Method::GET, "/api/v1/sqllab/export/async001/")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.bytes().await.unwrap();
    assert_eq!(
        &csv[..],
        "\u{feff}region,quantity\nAPAC,1\nEMEA,3\n".as_bytes()
    );
    let (status, _) = admin
        .get_q("/api/v1/sqllab/results/", "(key:'no-such-key')")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
both_backends!(executes_and_records);

async fn postgres_session() -> sqlx::PgConnection {
    sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/test")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_query_stops() {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = server.admin().await;
    let db = database(&admin, "pg", "postgresql://postgres@127.0.0.1:5432/test").await;
    let client_id = format!("stop{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let (status, answer) = admin
        .post("/api/v1/sqllab/execute/", json!({"database_id": db, "sql": "SELECT pg_sleep(60)", "runAsync": true, "client_id": client_id}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let (status, answer) = admin
        .post("/api/v1/query/stop", json!({"client_id": client_id}))
        .await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"result": "OK"})));
    let query = finished(&admin, &client_id).await;
    assert_eq!(query["state"], json!("stopped"), "{query}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let (status, answer) = admin
        .post("/api/v1/query/stop", json!({"client_id": "doesnotexist"}))
        .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::NOT_FOUND,
            json!({"message": "Query with client_id doesnotexist not found"})
        )
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_fails_the_query() {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = server.admin().await;
    let db = database(&admin, "pg", "postgresql://postgres@127.0.0.1:5432/test").await;
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let client_id = format!("gone{}", &marker[..6]);
    let sql = format!("SELECT pg_sleep(30), '{marker}' AS marker");
    let (status, answer) = admin
        .post(
            "/api/v1/sqllab/execute/",
            json!({"database_id": db, "sql": sql, "runAsync": true, "client_id": client_id}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let mut pg = postgres_session().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let killed: Vec<(bool,)> = sqlx::query_as(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%{marker}%' AND pid <> pg_backend_pid()"
        ))
        .fetch_all(&mut pg)
        .await
        .unwrap();
        if !killed.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the query never reached PostgreSQL"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let query = finished(&admin, &client_id).await;
    assert_eq!(query["state"], json!("failed"), "{query}");
    assert!(
        !query["errorMessage"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{query}"
    );
    server.stop().await;
}

/// Without access to the whole database, SQL Lab runs only SQL whose every table is a
/// dataset granted to the caller: in joins, subqueries and CTE bodies alike.
async fn sql_reaches_only_granted_tables(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let db = server
        .store
        .database_id_by_name("golden examples")
        .await
        .unwrap()
        .unwrap();
    // A role granting the sales dataset, the way Superset names dataset permissions.
    let grant = format!("[golden examples].[sales](id:{sales})");
    server
        .store
        .ensure_roles(&[("sales reader", vec![("datasource_access", grant.as_str())])])
        .await
        .unwrap();
    let (analyst, _) = server
        .user_with_roles("analyst", &["Gamma", "sql_lab", "sales reader"])
        .await;
    let run =
        |sql: &str| json!({"database_id": db, "sql": sql, "schema": "main", "runAsync": false});
    let path = "/api/v1/sqllab/execute/";
    for allowed in [
        "SELECT region FROM sales",
        "SELECT s.region FROM main.sales s",
    ] {
        let (status, body) = analyst.post(path, run(allowed)).await;
        assert_eq!(status, StatusCode::OK, "{allowed}: {body}");
    }
    for refused in [
        "SELECT * FROM birth_names",
        "SELECT * FROM sales JOIN birth_names ON 1 = 1",
        "SELECT * FROM sales WHERE quantity IN (SELECT num FROM birth_names)",
        "WITH sales AS (SELECT * FROM birth_names) SELECT * FROM sales",
        "SELECT * FROM sqlite_master",
        "this is not sql",
    ] {
        let (status, body) = analyst.post(path, run(refused)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}: {body}");
        assert_eq!(
            body["errors"][0]["error_type"],
            json!("TABLE_SECURITY_ACCESS_ERROR"),
            "{body}"
        );
    }
    // A schema grant opens every table in it, dataset or not.
    server
        .store
        .ensure_roles(&[(
            "main reader",
            vec![("schema_access", "[golden examples].[main]")],
        )])
        .await
        .unwrap();
    let (schema_reader, _) = server
        .user_with_roles("schema reader", &["Gamma", "sql_lab", "main reader"])
        .await;
    for allowed in [
        "SELECT * FROM birth_names",
        "SELECT * FROM main.birth_names JOIN sales ON 1 = 0",
    ] {
        let (status, body) = schema_reader.post(path, run(allowed)).await;
        assert_eq!(status, StatusCode::OK, "{allowed}: {body}");
    }
    let (status, _) = schema_reader
        .post(path, run("SELECT * FROM other.birth_names"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Access to the whole database opens every table.
    let (status, _) = admin.post(path, run("SELECT * FROM birth_names")).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}
both_backends!(sql_reaches_only_granted_tables);

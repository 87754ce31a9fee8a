//! Database CRUD, password masking, lists, deletion rules and access, against golden
//! shapes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_blackbox::{
    Backend, Client, TestServer, assert_same_shape, both_backends, golden, golden_request,
};

const MASK: &str = "XXXXXXXXXX";
/// The machine's PostgreSQL trusts local connections, so any password connects.
const SECRET_URI: &str = "postgresql://postgres:secret@127.0.0.1:5432/postgres";

fn keys_of(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

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

async fn crud_matches_golden_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;

    let mut request = golden_request("012_database_create.json");
    request["sqlalchemy_uri"] = json!(server.examples_uri());
    let (status, created) = admin.post("/api/v1/database/", request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_same_shape(&created, &golden("012_database_create.json"), "create");
    assert_eq!(created["result"]["database_name"], "golden examples");
    assert_eq!(created["result"]["driver"], "pysqlite");
    assert_eq!(created["result"]["sqlalchemy_uri"], server.examples_uri());
    let id = created["id"].as_i64().unwrap();

    let (status, got) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&got, &golden("017_database_get.json"), "get");
    assert_eq!(got["id"], json!(id));
    assert_eq!(got["result"]["backend"], "sqlite");
    assert_eq!(got["result"]["uuid"], created["result"]["uuid"]);

    let (status, connection) = admin
        .get(&format!("/api/v1/database/{id}/connection"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(
        &connection,
        &golden("018_database_connection.json"),
        "connection",
    );
    assert_eq!(connection["result"]["extra"], request["extra"]);
    assert_eq!(connection["result"]["masked_encrypted_extra"], "{}");

    let (status, put) = admin
        .put(
            &format!("/api/v1/database/{id}"),
            json!({"database_name": "renamed", "allow_dml": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["id"], json!(id));
    let (_, got) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(got["result"]["database_name"], "renamed");
    assert_eq!(got["result"]["allow_dml"], true);

    let (status, body) = admin.delete(&format!("/api/v1/database/{id}")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let (status, body) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    let (status, _) = admin.delete(&format!("/api/v1/database/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
both_backends!(crud_matches_golden_shapes);

/// The password of a URI is stored apart and every response shows the mask instead.
async fn passwords_never_leave_the_server(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let no_secret = |what: &str, body: &Value| {
        let text = body.to_string();
        assert!(
            !text.contains("secret"),
            "{what} leaks the password: {text}"
        );
    };

    let (status, created) = admin
        .post(
            "/api/v1/database/",
            json!({"database_name": "warehouse", "sqlalchemy_uri": SECRET_URI}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    no_secret("create", &created);
    assert_eq!(
        created["result"]["sqlalchemy_uri"],
        format!("postgresql://postgres:{MASK}@127.0.0.1:5432/postgres")
    );
    assert_eq!(created["result"]["driver"], "psycopg2");
    let id = created["id"].as_i64().unwrap();

    let (status, got) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    no_secret("get", &got);
    assert_eq!(got["result"]["backend"], "postgresql");

    let (status, connection) = admin
        .get(&format!("/api/v1/database/{id}/connection"))
        .await;
    assert_eq!(status, StatusCode::OK);
    no_secret("connection", &connection);
    assert!(connection.to_string().contains(MASK), "{connection}");

    let (status, list) = admin.get("/api/v1/database/").await;
    assert_eq!(status, StatusCode::OK);
    no_secret("list", &list);
    let (_, chosen) = admin
        .get_q(
            "/api/v1/database/",
            "(columns:!(database_name,extra,backend))",
        )
        .await;
    no_secret("list with columns", &chosen);

    // Sending the mask back keeps the stored password.
    let (status, put) = admin
        .put(
            &format!("/api/v1/database/{id}"),
            json!({"sqlalchemy_uri": format!("postgresql://postgres:{MASK}@127.0.0.1:5432/postgres"),
                   "database_name": "warehouse 2"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    no_secret("put", &put);
    assert!(put.to_string().contains(MASK), "{put}");
    let stored = server.store.database(id).await.unwrap();
    assert_eq!(stored.password.as_deref(), Some("secret"));
    assert_eq!(stored.values.database_name, "warehouse 2");
    let (_, connection) = admin
        .get(&format!("/api/v1/database/{id}/connection"))
        .await;
    no_secret("connection after put", &connection);
    assert_eq!(
        connection["result"]["sqlalchemy_uri"],
        format!("postgresql://postgres:{MASK}@127.0.0.1:5432/postgres")
    );

    // A new password replaces it, and is masked in turn.
    let (status, put) = admin
        .put(
            &format!("/api/v1/database/{id}"),
            json!({"sqlalchemy_uri": "postgresql://postgres:other@127.0.0.1:5432/postgres"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert!(!put.to_string().contains("other@"), "{put}");
    let stored = server.store.database(id).await.unwrap();
    assert_eq!(stored.password.as_deref(), Some("other"));
    server.stop().await;
}
both_backends!(passwords_never_leave_the_server);

async fn bad_bodies(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let mut request = golden_request("012_database_create.json");
    request["sqlalchemy_uri"] = json!(server.examples_uri());
    let (status, _) = admin.post("/api/v1/database/", request.clone()).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = admin
        .post(
            "/api/v1/database/",
            golden_request("013_database_create_duplicate.json"),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("013_database_create_duplicate.json")
        )
    );
    let (status, body) = admin
        .post(
            "/api/v1/database/",
            golden_request("014_database_create_bad_uri.json"),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("014_database_create_bad_uri.json")
        )
    );

    let cases: &[(Value, Value)] = &[
        (
            json!({"sqlalchemy_uri": "sqlite:////tmp/x.db"}),
            json!({"message": {"database_name": ["Missing data for required field."]}}),
        ),
        (
            json!({"database_name": "", "sqlalchemy_uri": "sqlite:////tmp/x.db"}),
            json!({"message": {"database_name": ["Length must be between 1 and 250."]}}),
        ),
        (
            json!({"database_name": "x", "sqlalchemy_uri": "sqlite:////tmp/x.db", "allow_dml": "maybe"}),
            json!({"message": {"allow_dml": ["Not a valid boolean."]}}),
        ),
        (
            json!({"database_name": "x", "sqlalchemy_uri": "sqlite:////tmp/x.db", "configuration_method": "bogus"}),
            json!({"message": {"configuration_method": ["Must be one of: sqlalchemy_form, dynamic_form."]}}),
        ),
    ];
    for (request, expected) in cases {
        let (status, body) = admin.post("/api/v1/database/", request.clone()).await;
        assert_eq!(
            (status, &body),
            (StatusCode::BAD_REQUEST, expected),
            "body={request}"
        );
    }

    // Superset words this "Field cannot be decoded by JSON. <the parser's error>".
    let (status, body) = admin
        .post(
            "/api/v1/database/",
            json!({"database_name": "x", "sqlalchemy_uri": "sqlite:////tmp/x.db", "extra": "{not json"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(keys_of(&body["message"]), ["extra"], "{body}");
    // Superset's database schemas exclude unknown fields (`unknown = EXCLUDE`) rather
    // than refusing them, so an unknown field is not asserted on here.

    let (status, body) = admin
        .send(
            admin
                .request(Method::POST, "/api/v1/database/")
                .header("Content-Type", "text/plain")
                .body("x"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = admin
        .send(
            admin
                .request(Method::POST, "/api/v1/database/")
                .header("Content-Type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = admin
        .put("/api/v1/database/999999", json!({"database_name": "x"}))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    // Nothing was written by any of the above.
    let (_, list) = admin.get("/api/v1/database/").await;
    assert_eq!(list["count"], 1);
    server.stop().await;
}
both_backends!(bad_bodies);

async fn update_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let a = create_database(&admin, "a", &server.examples_uri()).await;
    create_database(&admin, "b", &server.examples_uri()).await;

    // Renaming onto another database's name is the create duplicate; keeping one's own
    // name is fine.
    let (status, body) = admin
        .put(
            &format!("/api/v1/database/{a}"),
            json!({"database_name": "b"}),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("013_database_create_duplicate.json")
        )
    );
    let (status, _) = admin
        .put(
            &format!("/api/v1/database/{a}"),
            json!({"database_name": "a"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = admin
        .put(
            &format!("/api/v1/database/{a}"),
            json!({"sqlalchemy_uri": "notadialect://x"}),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("014_database_create_bad_uri.json")
        )
    );
    let (status, body) = admin
        .put(
            &format!("/api/v1/database/{a}"),
            json!({"database_name": ""}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"database_name": ["Length must be between 1 and 250."]}})
        )
    );
    let (_, got) = admin.get(&format!("/api/v1/database/{a}")).await;
    assert_eq!(got["result"]["database_name"], "a");
    server.stop().await;
}
both_backends!(update_rules);

/// The database list is not capped: `page_size:-1` returns every row.
async fn list_is_uncapped(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    for n in 0..25 {
        create_database(&admin, &format!("db {n:02}"), &server.examples_uri()).await;
    }
    let (status, list) = admin.get("/api/v1/database/").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["count"], 25);
    assert_eq!(list["result"].as_array().unwrap().len(), 20, "default page");
    assert_eq!(list["list_title"], "List Database");

    let (status, all) = admin.get_q("/api/v1/database/", "(page_size:-1)").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["count"], 25);
    assert_eq!(all["result"].as_array().unwrap().len(), 25);
    assert_eq!(all["ids"].as_array().unwrap().len(), 25);
    let (_, big) = admin.get_q("/api/v1/database/", "(page_size:1000)").await;
    assert_eq!(big["result"].as_array().unwrap().len(), 25);

    let (_, page) = admin
        .get_q(
            "/api/v1/database/",
            "(columns:!(id,database_name),order_column:database_name,order_direction:desc,page:1,page_size:10)",
        )
        .await;
    let names: Vec<&str> = page["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["database_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10);
    assert_eq!(names[0], "db 14");
    assert_eq!(
        page["result"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["database_name", "id"]
    );
    let (_, filtered) = admin
        .get_q(
            "/api/v1/database/",
            "(filters:!((col:database_name,opr:ct,value:'db 1')))",
        )
        .await;
    assert_eq!(filtered["count"], 10);
    server.stop().await;
}
both_backends!(list_is_uncapped);

async fn delete_refuses_while_datasets_are_attached(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let id = create_database(&admin, "with datasets", &server.examples_uri()).await;
    let (status, dataset) = admin
        .post(
            "/api/v1/dataset/",
            json!({"database": id, "schema": "main", "table_name": "sales"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dataset}");
    let dataset = dataset["id"].as_i64().unwrap();

    let (status, body) = admin.delete(&format!("/api/v1/database/{id}")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": "Cannot delete a database that has datasets attached"})
        )
    );
    assert_eq!(
        admin.get(&format!("/api/v1/database/{id}")).await.0,
        StatusCode::OK
    );

    let (status, _) = admin.delete(&format!("/api/v1/dataset/{dataset}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = admin.delete(&format!("/api/v1/database/{id}")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let (status, body) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    server.stop().await;
}
both_backends!(delete_refuses_while_datasets_are_attached);

/// Alpha reads databases but may not write them; Gamma sees none it was not granted.
async fn roles_limit_access(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let id = create_database(&admin, "admin's", &server.examples_uri()).await;

    let alpha = server.user_with_role("alpha", "Alpha").await;
    let (status, body) = alpha
        .post(
            "/api/v1/database/",
            json!({"database_name": "alpha's", "sqlalchemy_uri": "sqlite:////tmp/y.db"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    let (status, list) = alpha.get("/api/v1/database/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["count"], 1);
    assert_eq!(
        alpha.get(&format!("/api/v1/database/{id}")).await.0,
        StatusCode::OK
    );
    for (method, path) in [
        (Method::PUT, format!("/api/v1/database/{id}")),
        (Method::DELETE, format!("/api/v1/database/{id}")),
        (Method::GET, format!("/api/v1/database/{id}/connection")),
    ] {
        let request = alpha
            .request(method.clone(), &path)
            .json(&json!({"database_name": "x"}));
        let (status, _) = alpha.send(request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    let gamma = server.user_with_role("gamma", "Gamma").await;
    let (status, list) = gamma.get("/api/v1/database/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["count"], 0);
    assert_eq!(
        gamma.get(&format!("/api/v1/database/{id}")).await.0,
        StatusCode::NOT_FOUND
    );

    let public = server.user_with_role("nobody", "Public").await;
    let (status, body) = public.get("/api/v1/database/").await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    // Still there, unchanged.
    let (_, got) = admin.get(&format!("/api/v1/database/{id}")).await;
    assert_eq!(got["result"]["database_name"], "admin's");
    server.stop().await;
}
both_backends!(roles_limit_access);

//! Query history (`/api/v1/query`): list, get, distinct, related and `updated_since`
//! over queries recorded through the store, against golden shapes and per-user access.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_blackbox::{Backend, TestServer, assert_same_shape, both_backends, golden};
use tessera_model::{LimitingFactor, NewQuery, QueryStatus, QueryUpdate, Timestamp};

/// The sorted keys of a JSON object.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Records a query as SQL Lab would: accepted `seconds_ago`, then finished with
/// `status` (a success returns one row).
async fn record(
    server: &TestServer,
    client_id: &str,
    database: i64,
    user: i64,
    sql: &str,
    status: QueryStatus,
    seconds_ago: i64,
) -> i64 {
    let mut new = NewQuery::new(client_id, database, Some(user), sql);
    new.start_time = Timestamp(Timestamp::now().0 - seconds_ago * 1_000_000);
    new.schema = Some("main".into());
    new.tab_name = Some(format!("tab {client_id}"));
    new.sql_editor_id = Some("1".into());
    new.limit = Some(100);
    let query = server.store.insert_query(&new).await.unwrap();
    let finished = Timestamp(new.start_time.0 + 250_000);
    let update = QueryUpdate {
        status: Some(status),
        start_running_time: Some(Timestamp(new.start_time.0 + 50_000)),
        end_time: Some(finished),
        executed_sql: Some(format!("{sql}\nLIMIT 101")),
        rows: (status == QueryStatus::Success).then_some(1),
        limiting_factor: Some(LimitingFactor::NotLimited),
        progress: Some(100),
        error_message: (status == QueryStatus::Failed).then(|| "it broke".to_string()),
        ..Default::default()
    };
    server.store.update_query(query.id, &update).await.unwrap();
    query.id
}

async fn list_matches_golden_shape(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let oldest = record(
        &server,
        "gold0001",
        db,
        1,
        "SELECT region, SUM(quantity) FROM sales GROUP BY region",
        QueryStatus::Success,
        30,
    )
    .await;
    let failed = record(
        &server,
        "gold0002",
        db,
        1,
        "SELECT nosuchcol FROM sales",
        QueryStatus::Failed,
        20,
    )
    .await;
    let dml = record(
        &server,
        "gold0003",
        db,
        1,
        "DELETE FROM sales",
        QueryStatus::Failed,
        10,
    )
    .await;

    let expected = golden("074_query_list.json");
    let (status, list) = admin
        .get_q(
            "/api/v1/query/",
            "(order_column:start_time,order_direction:desc,page:0,page_size:5)",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_same_shape(&list, &expected, "list");
    for key in [
        "list_columns",
        "label_columns",
        "order_columns",
        "list_title",
        "description_columns",
    ] {
        assert_eq!(list[key], expected[key], "{key}");
    }
    assert_eq!(list["count"], 3);
    assert_eq!(list["ids"], json!([dml, failed, oldest]));
    let rows = list["result"].as_array().unwrap();
    for row in rows {
        assert_eq!(keys(row), keys(&expected["result"][0]));
    }
    assert_eq!(
        rows[2]["sql_tables"],
        json!([{"catalog": null, "schema": null, "table": "sales"}])
    );
    assert_eq!(rows[0]["sql_tables"], json!([]), "DML lists no tables");
    assert_eq!(
        rows[0]["database"],
        json!({"database_name": "golden examples"})
    );
    assert_eq!(
        rows[0]["user"],
        json!({"first_name": "Admin", "id": 1, "last_name": "User"})
    );
    assert!(rows[0]["start_time"].as_f64().unwrap() > 1.6e12, "epoch ms");
    assert!(rows[0]["end_time"].as_f64().unwrap() > rows[0]["start_time"].as_f64().unwrap());

    // The default order is the latest change first.
    let (_, default) = admin.get("/api/v1/query/").await;
    assert_eq!(default["ids"], json!([dml, failed, oldest]));

    // With `columns` FAB's generated schema serialises: numeric times as strings.
    let (status, picked) = admin
        .get_q(
            "/api/v1/query/",
            "(columns:!(id,start_time,database.id,bogus))",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{picked}");
    assert_eq!(
        picked["list_columns"],
        json!(["id", "start_time", "database.id"])
    );
    let row = &picked["result"][0];
    assert_eq!(keys(row), ["database", "id", "start_time"]);
    assert_eq!(row["database"], json!({"id": db}));
    assert!(row["start_time"].as_str().unwrap().contains('.'));
    server.stop().await;
}
both_backends!(list_matches_golden_shape);

async fn list_filters_orders_and_pages(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let other_db = server.database("other").await;
    let a = record(&server, "a", db, 1, "SELECT 1", QueryStatus::Success, 30).await;
    let b = record(&server, "b", db, 1, "SELECT 2", QueryStatus::Failed, 20).await;
    let c = record(
        &server,
        "c",
        other_db,
        1,
        "SELECT 3",
        QueryStatus::Success,
        10,
    )
    .await;

    let ids = async |q: String| {
        let (status, body) = admin.get_q("/api/v1/query/", &q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        body["ids"].clone()
    };
    assert_eq!(
        ids("(filters:!((col:status,opr:eq,value:failed)))".into()).await,
        json!([b])
    );
    assert_eq!(
        ids(format!(
            "(filters:!((col:database,opr:rel_o_m,value:{db})),order_column:sql,order_direction:asc)"
        ))
        .await,
        json!([a, b])
    );
    assert_eq!(
        ids("(filters:!((col:sql,opr:ct,value:'3')))".into()).await,
        json!([c])
    );
    assert_eq!(
        ids("(filters:!((col:sql_editor_id,opr:eq,value:'1')),order_column:start_time)".into())
            .await,
        json!([a, b, c])
    );
    assert_eq!(
        ids("(order_column:database.database_name,order_direction:asc,page:1,page_size:2)".into())
            .await,
        json!([c])
    );
    assert_eq!(
        ids("(order_column:duration)".into())
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );

    for (q, message) in [
        (
            "(filters:!((col:nope,opr:eq,value:1)))",
            "Filter column: nope not allowed to filter",
        ),
        ("(order_column:bogus)", "Invalid order by column: bogus"),
        ("(page:", "Not a valid rison/json argument"),
    ] {
        let (status, body) = admin.get_q("/api/v1/query/", q).await;
        assert_eq!(
            (status, body),
            (StatusCode::BAD_REQUEST, json!({ "message": message })),
            "{q}"
        );
    }
    server.stop().await;
}
both_backends!(list_filters_orders_and_pages);

async fn get_distinct_and_related(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let id = record(
        &server,
        "gold0001",
        db,
        1,
        "SELECT 1",
        QueryStatus::Success,
        5,
    )
    .await;
    record(
        &server,
        "gold0002",
        db,
        1,
        "SELECT x",
        QueryStatus::Failed,
        4,
    )
    .await;
    record(
        &server,
        "gold0003",
        db,
        1,
        "SELECT y",
        QueryStatus::Failed,
        3,
    )
    .await;

    let (status, got) = admin.get(&format!("/api/v1/query/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        keys(&got),
        [
            "description_columns",
            "id",
            "label_columns",
            "result",
            "show_columns",
            "show_title"
        ]
    );
    assert_eq!(got["id"], json!(id));
    assert_eq!(got["show_title"], "Show Query");
    let result = &got["result"];
    assert_eq!(
        keys(result),
        [
            "changed_on",
            "client_id",
            "database",
            "end_result_backend_time",
            "end_time",
            "error_message",
            "executed_sql",
            "id",
            "limit",
            "progress",
            "results_key",
            "rows",
            "schema",
            "select_as_cta",
            "select_as_cta_used",
            "select_sql",
            "sql",
            "sql_editor_id",
            "start_running_time",
            "start_time",
            "status",
            "tab_name",
            "tmp_schema_name",
            "tmp_table_name",
            "tracking_url",
        ]
    );
    assert_eq!(result["database"], json!({"id": db}));
    assert_eq!(result["client_id"], "gold0001");
    assert_eq!(result["status"], "success");
    // FAB serialises Superset's `Numeric` times as decimal strings.
    let start = result["start_time"].as_str().unwrap();
    let (whole, fraction) = start.split_once('.').unwrap();
    assert_eq!(fraction.len(), 6);
    assert!(whole.parse::<i64>().unwrap() > 1_600_000_000_000);

    let (_, narrowed) = admin
        .get_q(
            &format!("/api/v1/query/{id}"),
            "(columns:!(id,status),keys:!(none))",
        )
        .await;
    assert_eq!(
        narrowed,
        json!({"id": id, "result": {"id": id, "status": "success"}})
    );

    for path in ["/api/v1/query/999", "/api/v1/query/abc"] {
        let (status, body) = admin.get(path).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"message": "Not found"})),
            "{path}"
        );
    }

    let (status, statuses) = admin.get("/api/v1/query/distinct/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        statuses,
        json!({"count": 2, "result": [{"text": "failed", "value": "failed"},
                                      {"text": "success", "value": "success"}]})
    );
    let (_, prefixed) = admin
        .get_q("/api/v1/query/distinct/status", "(filter:su)")
        .await;
    assert_eq!(
        prefixed["result"],
        json!([{"text": "success", "value": "success"}])
    );
    assert_eq!(
        admin.get("/api/v1/query/distinct/sql").await.0,
        StatusCode::NOT_FOUND
    );

    let (status, databases) = admin.get("/api/v1/query/related/database").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        databases,
        json!({"count": 1, "result": [{"extra": {}, "text": "golden examples", "value": db}]})
    );
    let (status, users) = admin.get("/api/v1/query/related/user").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["result"][0]["text"], "Admin User");
    assert_eq!(
        admin.get("/api/v1/query/related/owners").await.0,
        StatusCode::NOT_FOUND
    );
    // Superset does not serve `_info` for queries.
    assert_eq!(
        admin.get("/api/v1/query/_info").await.0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}
both_backends!(get_distinct_and_related);

async fn updated_since_returns_to_dict_objects(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let id = record(
        &server,
        "gold0001",
        db,
        1,
        "SELECT * FROM sales",
        QueryStatus::Success,
        5,
    )
    .await;

    let (status, body) = admin
        .get_q("/api/v1/query/updated_since", "(last_updated_ms:0)")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result = body["result"].as_array().unwrap();
    assert_eq!(result.len(), 1);
    let query = &result[0];
    let expected = &golden("070_sqllab_execute.json")["query"];
    assert_eq!(keys(query), keys(expected));
    assert_eq!(query["id"], "gold0001");
    assert_eq!(query["queryId"], json!(id));
    assert_eq!(query["serverId"], json!(id));
    assert_eq!(query["dbId"], json!(db));
    assert_eq!(query["db"], "golden examples");
    assert_eq!(query["state"], "success");
    assert_eq!(query["limitingFactor"], "NOT_LIMITED");
    assert_eq!(query["user"], "Admin User");
    assert_eq!(query["userId"], 1);
    assert_eq!(query["extra"], json!({}));
    assert_eq!(query["ctas"], false);
    // Through Flask's encoder the times are decimal strings here.
    assert!(query["startDttm"].as_str().unwrap().contains('.'));
    assert!(query["endDttm"].as_str().unwrap().contains('.'));

    let future = (Timestamp::now().0 / 1000 + 60_000).to_string();
    let (_, later) = admin
        .get_q(
            "/api/v1/query/updated_since",
            &format!("(last_updated_ms:{future})"),
        )
        .await;
    assert_eq!(later, json!({"result": []}));

    for q in ["()", "(last_updated_ms:soon)"] {
        let (status, body) = admin.get_q("/api/v1/query/updated_since", q).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("Not a valid rison schema"),
            "{body}"
        );
    }
    server.stop().await;
}
both_backends!(updated_since_returns_to_dict_objects);

/// A sql_lab user sees only the queries they ran; the admin (all_query_access) sees
/// everyone's; Gamma alone may not read the history at all.
async fn users_see_their_own_queries(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let (analyst, analyst_id) = server
        .user_with_roles("analyst", &["Gamma", "sql_lab"])
        .await;
    let admins = record(&server, "admins", db, 1, "SELECT 1", QueryStatus::Failed, 5).await;
    let own = record(
        &server,
        "own",
        db,
        analyst_id,
        "SELECT 2",
        QueryStatus::Success,
        4,
    )
    .await;

    let (status, list) = analyst.get("/api/v1/query/").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["ids"], json!([own]));
    assert_eq!(
        list["result"][0]["user"],
        json!({"first_name": "analyst", "id": analyst_id, "last_name": "Tester"})
    );
    assert_eq!(admin.get("/api/v1/query/").await.1["count"], 2);

    assert_eq!(
        analyst.get(&format!("/api/v1/query/{own}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        analyst.get(&format!("/api/v1/query/{admins}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get(&format!("/api/v1/query/{own}")).await.0,
        StatusCode::OK
    );
    let (_, statuses) = analyst.get("/api/v1/query/distinct/status").await;
    assert_eq!(
        statuses,
        json!({"count": 1, "result": [{"text": "success", "value": "success"}]})
    );
    // `updated_since` is always the caller's own, even for the admin.
    let (_, mine) = analyst
        .get_q("/api/v1/query/updated_since", "(last_updated_ms:0)")
        .await;
    assert_eq!(mine["result"].as_array().unwrap().len(), 1);
    assert_eq!(mine["result"][0]["id"], "own");
    assert_eq!(mine["result"][0]["user"], "analyst Tester");
    let (_, admins_own) = admin
        .get_q("/api/v1/query/updated_since", "(last_updated_ms:0)")
        .await;
    assert_eq!(admins_own["result"][0]["id"], "admins");
    assert_eq!(admins_own["result"].as_array().unwrap().len(), 1);

    let gamma = server.user_with_role("gamma", "Gamma").await;
    for path in ["/api/v1/query/", "/api/v1/query/distinct/status"] {
        let (status, body) = gamma.get(path).await;
        assert_eq!(
            (status, body),
            (StatusCode::FORBIDDEN, json!({"message": "Forbidden"})),
            "{path}"
        );
    }
    server.stop().await;
}
both_backends!(users_see_their_own_queries);

/// Deleting a database takes its query history with it.
async fn deleting_a_database_deletes_its_queries(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let kept = server.database("kept").await;
    let dropped = server.database("dropped").await;
    let survivor = record(&server, "a", kept, 1, "SELECT 1", QueryStatus::Success, 5).await;
    record(
        &server,
        "b",
        dropped,
        1,
        "SELECT 2",
        QueryStatus::Success,
        4,
    )
    .await;

    let (status, body) = admin.delete(&format!("/api/v1/database/{dropped}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = admin.get("/api/v1/query/").await;
    assert_eq!(list["ids"], json!([survivor]));
    assert!(
        server
            .store
            .query_by_client_id("b")
            .await
            .unwrap()
            .is_none()
    );
    server.stop().await;
}
both_backends!(deleting_a_database_deletes_its_queries);

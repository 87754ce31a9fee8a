//! Row-level security over HTTP: the `/rowlevelsecurity` API, and the clauses the engine
//! adds to chart queries for the roles they name, which no filter can escape.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_blackbox::{Backend, Client, TestServer, both_backends};

/// Quantity by region on `dataset`, never from the cache.
fn by_region(dataset: i64, query_extra: Value) -> Value {
    let mut query = json!({"columns": ["region"], "metrics": [{"expressionType": "SQL",
        "sqlExpression": "SUM(quantity)", "label": "quantity"}],
        "row_limit": 100, "filters": [], "extras": {}});
    for (key, value) in query_extra.as_object().unwrap() {
        query[key] = value.clone();
    }
    json!({"datasource": {"id": dataset, "type": "table"}, "force": false, "queries": [query]})
}

/// The regions a caller's query returns, sorted.
async fn regions(client: &Client, dataset: i64, query_extra: Value) -> Vec<String> {
    let (status, body) = client
        .post("/api/v1/chart/data", by_region(dataset, query_extra))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut regions: Vec<String> = body["result"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["region"].as_str().unwrap().to_owned())
        .collect();
    regions.sort();
    regions
}

async fn role_id(server: &TestServer, name: &str) -> i64 {
    server.store.role_id(name).await.unwrap().unwrap()
}

async fn crud_and_validation(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let alpha = role_id(&server, "Alpha").await;

    let path = "/api/v1/rowlevelsecurity/";
    assert_eq!(
        admin.post(path, json!({"name": "x", "filter_type": "Other", "tables": [], "roles": [], "clause": "1=1"})).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"filter_type": ["Must be one of: Regular, Base."]}})
        )
    );
    assert_eq!(
        admin.post(path, json!({"name": "x", "filter_type": "Base", "tables": [], "roles": [], "clause": "1=1"})).await,
        (StatusCode::BAD_REQUEST, json!({"message": {"tables": ["Shorter than minimum length 1."]}}))
    );
    let (status, body) = admin.post(path, json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["filter_type", "tables", "roles", "clause"] {
        assert_eq!(
            body["message"][field],
            json!(["Missing data for required field."]),
            "{body}"
        );
    }
    let (status, _) = admin
        .post(path, json!({"name": "x", "filter_type": "Base", "tables": [999], "roles": [], "clause": "1=1"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let request = json!({"name": "fr only", "filter_type": "Regular", "tables": [sales], "roles": [alpha],
                         "group_key": "country", "clause": "region = 'EMEA'", "description": "demo"});
    let (status, created) = admin.post(path, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let mut expected = request.clone();
    expected["roles"] = json!([alpha]);
    assert_eq!(created["result"], expected);
    assert_eq!(
        admin.post(path, request).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (status, got) = admin.get(&format!("/api/v1/rowlevelsecurity/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        got["result"],
        json!({"clause": "region = 'EMEA'", "description": "demo", "filter_type": "Regular",
               "group_key": "country", "id": id, "name": "fr only",
               "roles": [{"id": alpha, "name": "Alpha"}],
               "tables": [{"id": sales, "schema": "main", "table_name": "sales"}]})
    );
    let (status, list) = admin.get(path).await;
    assert_eq!((status, list["count"].clone()), (StatusCode::OK, json!(1)));
    assert!(list["result"][0]["changed_on_delta_humanized"].is_string());

    let (status, updated) = admin
        .put(
            &format!("/api/v1/rowlevelsecurity/{id}"),
            json!({"filter_type": "Base"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["result"]["filter_type"], json!("Base"));
    assert_eq!(updated["result"]["tables"], json!([sales]));

    // What a filter may name, for the editor's pickers.
    assert_eq!(
        admin
            .get_q("/api/v1/rowlevelsecurity/related/tables", "(filter:sal)")
            .await,
        (
            StatusCode::OK,
            json!({"count": 1, "result": [{"extra": {}, "text": "main.sales", "value": sales}]})
        )
    );
    assert_eq!(
        admin
            .get_q("/api/v1/rowlevelsecurity/related/roles", "(filter:lph)")
            .await,
        (
            StatusCode::OK,
            json!({"count": 1, "result": [{"extra": {}, "text": "Alpha", "value": alpha}]})
        )
    );
    let (status, users) = admin
        .get("/api/v1/rowlevelsecurity/related/changed_by")
        .await;
    assert_eq!((status, users["count"].clone()), (StatusCode::OK, json!(1)));
    assert_eq!(
        admin.get("/api/v1/rowlevelsecurity/related/clause").await.0,
        StatusCode::NOT_FOUND
    );

    // Only Admin manages filters.
    let gamma = server.user_with_role("gamma", "Gamma").await;
    assert_eq!(gamma.get(path).await.0, StatusCode::FORBIDDEN);

    let (status, second) = admin
        .post(path, json!({"name": "second", "filter_type": "Base", "tables": [sales], "roles": [], "clause": "1=1"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ids = format!("!({id},{})", second["id"]);
    assert_eq!(
        admin.delete_q(path, &ids).await,
        (StatusCode::OK, json!({"message": "Deleted 2 rules"}))
    );
    assert_eq!(
        admin.get(&format!("/api/v1/rowlevelsecurity/{id}")).await,
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    server.stop().await;
}
both_backends!(crud_and_validation);

async fn queries_carry_the_clauses_of_the_callers_roles(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    server
        .alter_examples("INSERT INTO sales VALUES ('2024-03-01', 'AMER', 'gadget', 5, 100.0)")
        .await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let alpha_user = server.user_with_role("alpha", "Alpha").await;
    let admin_role = role_id(&server, "Admin").await;
    let all = ["AMER", "APAC", "EMEA"];
    assert_eq!(regions(&admin, sales, json!({})).await, all);

    let rule = |name: &str, kind: &str, roles: Vec<i64>, key: Option<&str>, clause: &str| {
        json!({"name": name, "filter_type": kind, "tables": [sales], "roles": roles,
               "group_key": key, "clause": clause})
    };
    let path = "/api/v1/rowlevelsecurity/";
    let (status, body) = admin
        .post(
            path,
            rule(
                "admins see EMEA",
                "Regular",
                vec![admin_role],
                Some("region"),
                "region = 'EMEA'",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Regular filters apply to their roles only; a cached answer is not shared.
    assert_eq!(regions(&admin, sales, json!({})).await, ["EMEA"]);
    assert_eq!(regions(&alpha_user, sales, json!({})).await, all);

    // Same group key: ORed. Different keys: ANDed.
    admin
        .post(
            path,
            rule(
                "admins see APAC",
                "Regular",
                vec![admin_role],
                Some("region"),
                "region = 'APAC'",
            ),
        )
        .await;
    assert_eq!(regions(&admin, sales, json!({})).await, ["APAC", "EMEA"]);
    admin
        .post(
            path,
            rule(
                "admins see gadgets",
                "Regular",
                vec![admin_role],
                None,
                "product = 'gadget'",
            ),
        )
        .await;
    assert_eq!(regions(&admin, sales, json!({})).await, ["APAC"]);

    // Base filters apply to everyone but their roles.
    admin
        .post(
            path,
            rule(
                "not AMER",
                "Base",
                vec![admin_role],
                None,
                "region <> 'AMER'",
            ),
        )
        .await;
    assert_eq!(
        regions(&alpha_user, sales, json!({})).await,
        ["APAC", "EMEA"]
    );
    assert_eq!(regions(&admin, sales, json!({})).await, ["APAC"]);

    // No filter, WHERE fragment or sample widens the rows a caller may see.
    for escape in [
        json!({"extras": {"where": "1 = 1 OR 1 = 1"}}),
        json!({"extras": {"where": "region = 'AMER' OR region <> 'AMER'"}}),
        json!({"filters": [{"col": "region", "op": "IN", "val": ["AMER", "APAC", "EMEA"]}]}),
    ] {
        assert_eq!(
            regions(&alpha_user, sales, escape.clone()).await,
            ["APAC", "EMEA"],
            "{escape}"
        );
    }
    let (status, body) = alpha_user
        .post(
            "/api/v1/chart/data",
            by_region(
                sales,
                json!({"extras": {"where": "region IN (SELECT region FROM sales)"}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let mut samples = by_region(sales, json!({}));
    samples["result_type"] = json!("samples");
    let (status, body) = alpha_user.post("/api/v1/chart/data", samples).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sampled: Vec<&str> = body["result"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["region"].as_str().unwrap())
        .collect();
    assert!(!sampled.contains(&"AMER"), "{body}");
    // The SQL sent to the database carries the clause.
    let mut query = by_region(sales, json!({}));
    query["result_type"] = json!("query");
    let (_, body) = alpha_user.post("/api/v1/chart/data", query).await;
    assert!(
        body["result"][0]["query"]
            .as_str()
            .unwrap()
            .contains("AMER"),
        "{body}"
    );
    server.stop().await;
}
both_backends!(queries_carry_the_clauses_of_the_callers_roles);

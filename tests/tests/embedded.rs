//! Embedded dashboards and guest tokens over HTTP: embedding a dashboard, minting a
//! guest token, and what a guest may and may not reach (golden 078-090).

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tessera_auth::{GuestResource, GuestTokenService, GuestUser};
use tessera_blackbox::{
    Backend, Client, TestServer, assert_same_shape, both_backends, golden, golden_request,
};

/// The query every guest test runs: quantity by region, as a chart saves it.
fn query_context(dataset: i64) -> Value {
    let metric = json!({"expressionType": "SIMPLE", "column": {"column_name": "quantity", "type": "INTEGER"},
                        "aggregate": "SUM", "label": "SUM(quantity)"});
    json!({"datasource": {"id": dataset, "type": "table"}, "force": false,
           "queries": [{"columns": ["region"], "metrics": [metric], "orderby": [[metric, false]],
                        "row_limit": 100, "filters": [], "extras": {"where": "", "having": ""}}],
           "result_format": "json", "result_type": "full"})
}

/// A chart saving [`query_context`], on `dashboard`.
async fn chart_on(admin: &Client, name: &str, dataset: i64, dashboard: i64) -> i64 {
    let context = query_context(dataset);
    let params = json!({"viz_type": "table", "groupby": ["region"],
                        "metrics": context["queries"][0]["metrics"]});
    admin
        .create_chart(
            name,
            dataset,
            json!({"params": params.to_string(), "query_context": context.to_string(),
                   "dashboards": [dashboard]}),
        )
        .await
}

async fn dashboard(admin: &Client, title: &str) -> i64 {
    let (status, body) = admin
        .post(
            "/api/v1/dashboard/",
            json!({"dashboard_title": title, "published": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The chart's saved query as the embedded dashboard's frontend sends it.
fn guest_request(dataset: i64, dashboard: i64, chart: i64) -> Value {
    let mut body = query_context(dataset);
    body["form_data"] = json!({"slice_id": chart, "dashboardId": dashboard});
    body
}

async fn as_guest(
    client: &Client,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = client.request(method, path).header("X-GuestToken", token);
    if let Some(body) = body {
        req = req.json(body);
    }
    client.send(req).await
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

async fn embedding_and_guest_access(backend: Backend) {
    // Guests act with Gamma's permissions, as deployments set `GUEST_ROLE_NAME`.
    let server = TestServer::start_with(backend, |c| c.guest_role = "Gamma".into()).await;
    let admin = server.admin().await;
    let anonymous = server.client();
    server
        .alter_examples("INSERT INTO sales VALUES ('2024-03-01', 'EMEA', 'gadget', 5, 100.0)")
        .await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let embedded_board = dashboard(&admin, "embedded").await;
    let other_board = dashboard(&admin, "other").await;
    let chart = chart_on(&admin, "by region", sales, embedded_board).await;
    let other_chart = chart_on(&admin, "elsewhere", sales, other_board).await;

    // Embedding: upsert keeps the uuid; the SDK reads it by uuid (golden 078, 079).
    let path = format!("/api/v1/dashboard/{embedded_board}/embedded");
    let (status, first) = admin
        .post(&path, golden_request("078_dashboard_embedded_enable.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_same_shape(&first, &golden("078_dashboard_embedded_enable.json"), "078");
    assert_eq!(
        first["result"]["dashboard_id"],
        json!(embedded_board.to_string())
    );
    let (status, second) = admin
        .put(&path, json!({"allowed_domains": ["https://example.com"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let uuid = first["result"]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(second["result"]["uuid"], json!(uuid));
    assert_eq!(
        second["result"]["allowed_domains"],
        json!(["https://example.com"])
    );
    assert_eq!(admin.get(&path).await, (StatusCode::OK, second.clone()));
    let (status, by_uuid) = admin
        .get(&format!("/api/v1/embedded_dashboard/{uuid}"))
        .await;
    assert_eq!((status, &by_uuid), (StatusCode::OK, &second));
    assert_same_shape(&by_uuid, &golden("079_embedded_dashboard_get.json"), "079");
    assert_eq!(
        admin
            .get(&format!("/api/v1/dashboard/{other_board}/embedded"))
            .await,
        (StatusCode::NOT_FOUND, json!({}))
    );
    assert_eq!(
        admin
            .post(&path, json!({"allowed_domains": "x", "bogus": 1}))
            .await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"allowed_domains": ["Not a valid list."], "bogus": ["Unknown field."]}})
        )
    );
    // A Gamma user may read embedding but not change it.
    let gamma = server.user_with_role("gamma", "Gamma").await;
    assert_eq!(
        gamma.post(&path, json!({"allowed_domains": []})).await.0,
        StatusCode::FORBIDDEN
    );

    // Guest tokens: the body's errors and an unknown dashboard (golden 081, 082).
    let token_path = "/api/v1/security/guest_token/";
    assert_eq!(
        admin
            .post(token_path, golden_request("081_guest_token_bad_body.json"))
            .await,
        (
            StatusCode::BAD_REQUEST,
            golden("081_guest_token_bad_body.json")
        )
    );
    assert_eq!(
        admin
            .post(
                token_path,
                golden_request("082_guest_token_unknown_dashboard.json")
            )
            .await,
        (
            StatusCode::BAD_REQUEST,
            golden("082_guest_token_unknown_dashboard.json")
        )
    );
    assert_eq!(
        admin
            .post(
                token_path,
                json!({"resources": [{"type": "chart", "id": 1}], "rls": [{}]})
            )
            .await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"resources": {"0": {"type": ["Must be one of: dashboard."]}},
                               "rls": {"0": {"clause": ["Missing data for required field."]}}}})
        )
    );
    assert_eq!(
        gamma.post(token_path, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let mut request = golden_request("080_guest_token.json");
    request["resources"][0]["id"] = json!(uuid);
    request["rls"] = json!([{"clause": "region = 'EMEA'"}]);
    let (status, body) = admin.post(token_path, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let minted = claims(&token);
    let expected = claims(golden("080_guest_token.json")["token"].as_str().unwrap());
    assert_same_shape(&minted, &expected, "guest claims");
    assert_eq!(minted["type"], json!("guest"));
    assert_eq!(minted["rls_rules"], json!([{"clause": "region = 'EMEA'"}]));
    let lifetime = minted["exp"].as_f64().unwrap() - minted["iat"].as_f64().unwrap();
    assert!((lifetime - 300.0).abs() < 0.01, "{minted}");

    // The guest reads its dashboard without owner details, and nothing else (golden
    // 087-089).
    let board = format!("/api/v1/dashboard/{embedded_board}");
    let (status, body) = as_guest(&anonymous, Method::GET, &board, &token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_same_shape(&body, &golden("087_guest_dashboard_get.json"), "087");
    let (status, body) = as_guest(
        &anonymous,
        Method::GET,
        &format!("{board}/charts"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"].as_array().unwrap().len(), 1);
    for path in [
        format!("/api/v1/dashboard/{other_board}"),
        format!("/api/v1/chart/{chart}"),
        format!("/api/v1/dataset/{sales}"),
    ] {
        let (status, body) = as_guest(&anonymous, Method::GET, &path, &token, None).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"message": "Not found"})),
            "{path}"
        );
    }
    let (status, body) =
        as_guest(&anonymous, Method::GET, "/api/v1/dashboard/", &token, None).await;
    assert_eq!((status, body["count"].clone()), (StatusCode::OK, json!(1)));
    // A guest is only the names its token carries.
    let (status, me) = as_guest(&anonymous, Method::GET, "/api/v1/me/", &token, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let user = &golden_request("080_guest_token.json")["user"];
    assert_eq!(
        me["result"],
        json!({"first_name": user["first_name"], "is_active": true, "is_anonymous": false,
               "last_name": user["last_name"], "username": user["username"]})
    );
    // Guests never write, whatever their role allows.
    let (status, _) = as_guest(
        &anonymous,
        Method::PUT,
        &board,
        &token,
        Some(&json!({"dashboard_title": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Chart data: the chart's own query on its dashboard, with the token's RLS, and
    // without the SQL (golden 083).
    let data = "/api/v1/chart/data";
    let request = guest_request(sales, embedded_board, chart);
    let (status, body) = as_guest(&anonymous, Method::POST, data, &token, Some(&request)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result = &body["result"][0];
    assert_eq!(
        result["data"],
        json!([{"region": "EMEA", "SUM(quantity)": 8}]),
        "{body}"
    );
    assert!(result.get("query").is_none(), "{result}");
    // The golden chart pivots its rows; the rest of the entry has the same shape.
    let mut expected = golden("083_guest_chart_data.json")["result"][0].clone();
    let mut actual = result.clone();
    for entry in [&mut expected, &mut actual] {
        entry["data"] = json!([]);
        entry["label_map"] = json!({});
    }
    assert_same_shape(&actual, &expected, "083");
    // An admin sees every region: the guest's RLS is part of the cache key.
    let mut admin_request = request.clone();
    admin_request.as_object_mut().unwrap().remove("form_data");
    let (status, body) = admin.post(data, admin_request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"][0]["rowcount"], json!(2), "{body}");

    // Without the dashboard, with a chart of another dashboard, or changed: refused
    // (golden 086; Superset meant 085 to be refused too).
    let mut no_dashboard = request.clone();
    no_dashboard["form_data"] = json!({"slice_id": chart});
    let (status, body) =
        as_guest(&anonymous, Method::POST, data, &token, Some(&no_dashboard)).await;
    let mut expected = golden("086_guest_chart_data_no_dashboard.json");
    let message = format!(
        "This endpoint requires the datasource {sales}, database or `all_datasource_access` permission"
    );
    expected["errors"][0]["message"] = json!(message);
    expected["errors"][0]["extra"]["datasource"] = json!(sales);
    assert_eq!((status, body), (StatusCode::FORBIDDEN, expected));
    let elsewhere = guest_request(sales, other_board, other_chart);
    let (status, _) = as_guest(&anonymous, Method::POST, data, &token, Some(&elsewhere)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let not_on_board = guest_request(sales, embedded_board, other_chart);
    let (status, _) = as_guest(&anonymous, Method::POST, data, &token, Some(&not_on_board)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for change in [
        json!({"metrics": [{"expressionType": "SQL", "sqlExpression": "SUM(quantity * price)", "label": "revenue"}]}),
        json!({"columns": ["product"]}),
        json!({"extras": {"where": "1 = 1 OR region <> 'EMEA'"}}),
    ] {
        let mut changed = request.clone();
        for (key, value) in change.as_object().unwrap() {
            changed["queries"][0][key] = value.clone();
        }
        let (status, body) = as_guest(&anonymous, Method::POST, data, &token, Some(&changed)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{change}: {body}");
        assert_eq!(
            body["errors"][0]["message"],
            json!("Guest user cannot modify chart payload")
        );
    }
    let mut sql = request.clone();
    sql["result_type"] = json!("query");
    let (status, _) = as_guest(&anonymous, Method::POST, data, &token, Some(&sql)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A bad, tampered, expired or foreign token is no token at all (golden 090).
    let mut tampered = token.clone();
    tampered.insert(token.find('.').unwrap() + 3, 'A');
    let expired = GuestTokenService::new(None, b"test-secret", Duration::ZERO, "superset".into())
        .issue(
            GuestUser {
                username: "g".into(),
                first_name: "G".into(),
                last_name: "U".into(),
            },
            vec![GuestResource {
                r#type: "dashboard".into(),
                id: uuid.clone(),
            }],
            vec![],
        );
    let foreign = GuestTokenService::new(
        Some(b"other"),
        b"",
        Duration::from_secs(300),
        "superset".into(),
    )
    .issue(
        GuestUser {
            username: "g".into(),
            first_name: "G".into(),
            last_name: "U".into(),
        },
        vec![GuestResource {
            r#type: "dashboard".into(),
            id: uuid.clone(),
        }],
        vec![],
    );
    for bad in [
        "garbage",
        tampered.as_str(),
        expired.as_str(),
        foreign.as_str(),
    ] {
        assert_eq!(
            as_guest(&anonymous, Method::POST, data, bad, Some(&request)).await,
            (
                StatusCode::UNAUTHORIZED,
                golden("090_guest_chart_data_bad_token.json")
            ),
            "{bad}"
        );
    }

    // Turning embedding off closes the dashboard to tokens naming its uuid.
    assert_eq!(
        admin.delete(&path).await,
        (StatusCode::OK, json!({"message": "OK"}))
    );
    let (status, _) = as_guest(&anonymous, Method::GET, &board, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
both_backends!(embedding_and_guest_access);

/// With Superset's default guest role (`Public`, no permissions) a guest reads nothing.
async fn default_guest_role_may_do_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let board = dashboard(&admin, "embedded").await;
    let (status, _) = admin
        .post(
            &format!("/api/v1/dashboard/{board}/embedded"),
            json!({"allowed_domains": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = admin
        .post(
            "/api/v1/security/guest_token/",
            json!({"user": {"username": "g"}, "resources": [{"type": "dashboard", "id": board}], "rls": []}),
        )
        .await;
    let token = body["token"].as_str().expect("a token for a dashboard id");
    let (status, body) = as_guest(
        &server.client(),
        Method::GET,
        &format!("/api/v1/dashboard/{board}"),
        token,
        None,
    )
    .await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    server.stop().await;
}
both_backends!(default_guest_role_may_do_nothing);

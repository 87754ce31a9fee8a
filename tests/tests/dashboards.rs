//! Dashboard CRUD, its charts and datasets, lists, bulk delete and access, against golden
//! shapes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_blackbox::{
    Backend, Client, TestServer, assert_same_shape, both_backends, golden, golden_request,
};

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

async fn create_dashboard(client: &Client, title: &str, slug: Option<&str>) -> i64 {
    let mut body = json!({"dashboard_title": title, "published": true});
    if let Some(slug) = slug {
        body["slug"] = json!(slug);
    }
    let (status, created) = client.post("/api/v1/dashboard/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap()
}

async fn crud_matches_golden_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;

    let request = golden_request("056_dashboard_create.json");
    let (status, created) = admin.post("/api/v1/dashboard/", request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expected = golden("056_dashboard_create.json");
    assert_eq!(keys(&created), keys(&expected));
    assert_eq!(created["result"], expected["result"]);
    let id = created["id"].as_i64().unwrap();

    for path in [
        format!("/api/v1/dashboard/{id}"),
        "/api/v1/dashboard/golden-dashboard".to_string(),
    ] {
        let (status, got) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {got}");
        assert_same_shape(&got, &golden("061_dashboard_get.json"), &path);
        assert_same_shape(&got, &golden("062_dashboard_get_by_slug.json"), &path);
        let result = &got["result"];
        assert_eq!(result["id"], json!(id));
        assert_eq!(result["slug"], "golden-dashboard");
        assert_eq!(result["url"], "/superset/dashboard/golden-dashboard/");
        assert_eq!(result["charts"], json!([]));
        assert_eq!(result["json_metadata"], request["json_metadata"]);
        assert_eq!(result["position_json"], request["position_json"]);
        assert_eq!(
            result["owners"],
            json!([{"first_name": "Admin", "id": 1, "last_name": "User"}])
        );
        assert_eq!(result["changed_by_name"], "Admin User");
    }

    // The layout PUT of golden 060: the body echoed, with the change time.
    let put_request = golden_request("060_dashboard_put_layout.json");
    let (status, put) = admin
        .put(&format!("/api/v1/dashboard/{id}"), put_request.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    let expected = golden("060_dashboard_put_layout.json");
    assert_same_shape(&put, &expected, "put");
    assert_eq!(put["id"], json!(id));
    assert_eq!(put["result"], put_request);
    assert!(put["last_modified_time"].as_f64().unwrap() > 1.6e9);
    let (_, got) = admin.get(&format!("/api/v1/dashboard/{id}")).await;
    // Superset adds the colour keys it manages to json_metadata on update.
    assert_eq!(
        got["result"]["json_metadata"],
        golden("061_dashboard_get.json")["result"]["json_metadata"]
    );
    assert_eq!(got["result"]["position_json"], put_request["position_json"]);

    let (status, put) = admin
        .put(
            &format!("/api/v1/dashboard/{id}"),
            json!({"dashboard_title": "renamed", "slug": "new slug!", "css": ".a {}"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["result"]["slug"], "new-slug", "slugs are normalised");
    let (status, got) = admin.get("/api/v1/dashboard/new-slug").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["result"]["dashboard_title"], "renamed");
    assert_eq!(got["result"]["css"], ".a {}");
    assert_eq!(
        admin.get("/api/v1/dashboard/golden-dashboard").await.0,
        StatusCode::NOT_FOUND
    );

    let (status, body) = admin.delete(&format!("/api/v1/dashboard/{id}")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let (status, body) = admin.get(&format!("/api/v1/dashboard/{id}")).await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("095_error_dashboard_404.json")
        )
    );
    server.stop().await;
}
both_backends!(crud_matches_golden_shapes);

/// Charts join a dashboard through the chart's `dashboards` list (goldens 057-059).
async fn charts_and_datasets_of_a_dashboard(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    let id = create_dashboard(&admin, "golden dashboard", Some("golden-dashboard")).await;
    let chart = admin
        .create_chart("golden table", dataset, json!({"description": "updated"}))
        .await;
    // A chart of the same dataset that is not on the dashboard stays out of its lists.
    admin
        .create_chart("not on it", dataset, json!({"description": "updated"}))
        .await;

    let (status, body) = admin
        .put(
            &format!("/api/v1/chart/{chart}"),
            json!({"dashboards": [id]}),
        )
        .await;
    let mut expected = golden("057_chart_put_add_to_dashboard_table.json");
    expected["id"] = json!(chart);
    expected["result"]["dashboards"] = json!([id]);
    assert_eq!((status, body), (StatusCode::OK, expected));

    let (_, got) = admin.get(&format!("/api/v1/dashboard/{id}")).await;
    assert_eq!(got["result"]["charts"], json!(["golden table"]));

    for path in [
        format!("/api/v1/dashboard/{id}/charts"),
        "/api/v1/dashboard/golden-dashboard/charts".to_string(),
    ] {
        let (status, charts) = admin.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {charts}");
        let expected = golden("063_dashboard_charts.json");
        assert_eq!(keys(&charts), keys(&expected));
        let items = charts["result"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{charts}");
        let item = &items[0];
        assert_eq!(item["id"], json!(chart));
        assert_eq!(item["slice_name"], "golden table");
        assert_eq!(item["description_markeddown"], "<p>updated</p>");
        assert_eq!(
            item["slice_url"],
            format!("/explore/?slice_id={chart}&form_data=%7B%22slice_id%22%3A%20{chart}%7D")
        );
        assert_eq!(item["form_data"]["slice_id"], json!(chart));
        assert_eq!(item["form_data"]["datasource"], format!("{dataset}__table"));
        assert_eq!(item["form_data"]["groupby"], json!(["region"]));
        // form_data holds whatever the client saved; compare everything around it.
        let without_form_data = |row: &Value| {
            let mut row = row.clone();
            row.as_object_mut().unwrap().remove("form_data");
            row
        };
        assert_same_shape(
            &without_form_data(item),
            &without_form_data(&expected["result"][0]),
            "dashboard chart",
        );
    }

    let (status, datasets) = admin.get(&format!("/api/v1/dashboard/{id}/datasets")).await;
    assert_eq!(status, StatusCode::OK, "{datasets}");
    let expected = golden("064_dashboard_datasets.json");
    assert_eq!(keys(&datasets), keys(&expected));
    let items = datasets["result"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{datasets}");
    let item = &items[0];
    let want = &expected["result"][0];
    assert_eq!(keys(item), keys(want));
    assert_eq!(keys(&item["database"]), keys(&want["database"]));
    assert_eq!(keys(&item["owners"][0]), keys(&want["owners"][0]));
    assert_eq!(item["time_grain_sqla"], want["time_grain_sqla"]);
    assert_eq!(item["id"], json!(dataset));
    assert_eq!(item["uid"], format!("{dataset}__table"));
    assert_eq!(item["table_name"], "sales");
    assert_eq!(item["name"], "main.sales");
    assert_eq!(item["database"]["name"], "db for sales");

    // Off the dashboard again: the chart and its dataset leave both lists.
    let (status, _) = admin
        .put(&format!("/api/v1/chart/{chart}"), json!({"dashboards": []}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, charts) = admin.get(&format!("/api/v1/dashboard/{id}/charts")).await;
    assert_eq!(charts, json!({"result": []}));
    let (_, datasets) = admin.get(&format!("/api/v1/dashboard/{id}/datasets")).await;
    assert_eq!(datasets, json!({"result": []}));
    let (status, body) = admin.get("/api/v1/dashboard/999999/charts").await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("095_error_dashboard_404.json")
        )
    );
    let (status, _) = admin.get("/api/v1/dashboard/no-such-slug/datasets").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}
both_backends!(charts_and_datasets_of_a_dashboard);

async fn list_matches_golden(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    create_dashboard(&admin, "golden dashboard", Some("golden-dashboard")).await;
    create_dashboard(&admin, "golden other", None).await;
    create_dashboard(&admin, "unrelated", None).await;

    let q = "(filters:!((col:dashboard_title,opr:ct,value:golden)),page_size:10)";
    let (status, list) = admin.get_q("/api/v1/dashboard/", q).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let expected = golden("065_dashboard_list.json");
    assert_eq!(list["list_columns"], expected["list_columns"]);
    assert_eq!(list["order_columns"], expected["order_columns"]);
    assert_eq!(list["label_columns"], expected["label_columns"]);
    assert_eq!(list["list_title"], expected["list_title"]);
    assert_same_shape(&list, &expected, "dashboard list");
    assert_eq!(list["count"], 2);
    let row = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == "golden-dashboard")
        .expect("the golden dashboard is listed");
    assert_eq!(row["status"], "published");
    assert_eq!(row["url"], "/superset/dashboard/golden-dashboard/");
    assert_eq!(row["owners"], expected["result"][0]["owners"]);
    assert_eq!(row["changed_by_name"], "Admin User");

    let (_, ordered) = admin
        .get_q(
            "/api/v1/dashboard/",
            "(columns:!(id,dashboard_title),order_column:dashboard_title,order_direction:desc)",
        )
        .await;
    let titles: Vec<&str> = ordered["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dashboard_title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["unrelated", "golden other", "golden dashboard"]);
    let (status, body) = admin
        .get_q("/api/v1/dashboard/", "(order_column:bogus)")
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid order by column: bogus"})
        )
    );
    server.stop().await;
}
both_backends!(list_matches_golden);

async fn bad_bodies(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let id = create_dashboard(&admin, "taken", Some("taken")).await;
    let other = create_dashboard(&admin, "other", Some("other")).await;

    let unknown_key = json!({"message": {"json_metadata": [{"bogus_key": ["Unknown field."]}]}});
    let cases: &[(StatusCode, Value, Value)] = &[
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": "x", "json_metadata": "{\"bogus_key\": 1}"}),
            unknown_key.clone(),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": "x", "json_metadata": "{not json"}),
            json!({"message": {"json_metadata": ["JSON not valid"]}}),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": "x", "json_metadata": "[1]"}),
            json!({"message": {"json_metadata": [{"_schema": ["Invalid input type."]}]}}),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": "x", "position_json": "{not json"}),
            json!({"message": {"position_json": ["JSON not valid"]}}),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": "x", "bogus": 1}),
            json!({"message": {"bogus": ["Unknown field."]}}),
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"dashboard_title": 7, "published": "maybe"}),
            json!({"message": {"dashboard_title": ["Not a valid string."],
                               "published": ["Not a valid boolean."]}}),
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"dashboard_title": "x", "slug": "taken"}),
            json!({"message": {"slug": ["Must be unique"]}}),
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"dashboard_title": "x", "owners": [424_242]}),
            json!({"message": {"owners": ["Owners are invalid"]}}),
        ),
    ];
    for (expected_status, request, expected) in cases {
        let (status, body) = admin.post("/api/v1/dashboard/", request.clone()).await;
        assert_eq!(
            (status, &body),
            (*expected_status, expected),
            "POST body={request}"
        );
    }

    // The same rules on update; a dashboard keeps its own slug.
    let (status, body) = admin
        .put(
            &format!("/api/v1/dashboard/{other}"),
            json!({"json_metadata": "{\"bogus_key\": 1}"}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unknown_key));
    let (status, body) = admin
        .put(
            &format!("/api/v1/dashboard/{other}"),
            json!({"slug": "taken"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"slug": ["Must be unique"]}})
        )
    );
    let (status, _) = admin
        .put(&format!("/api/v1/dashboard/{id}"), json!({"slug": "taken"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = admin
        .put("/api/v1/dashboard/999999", json!({"dashboard_title": "x"}))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("095_error_dashboard_404.json")
        )
    );
    let (status, body) = admin.get("/api/v1/dashboard/999999").await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("095_error_dashboard_404.json")
        )
    );
    let (status, _) = admin
        .send(
            admin
                .request(Method::POST, "/api/v1/dashboard/")
                .header("Content-Type", "text/plain")
                .body("x"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Nothing was written by any of the above.
    let (_, list) = admin.get("/api/v1/dashboard/").await;
    assert_eq!(list["count"], 2);
    let (_, got) = admin.get(&format!("/api/v1/dashboard/{other}")).await;
    assert_eq!(got["result"]["slug"], "other");
    assert_eq!(got["result"]["json_metadata"], Value::Null);
    server.stop().await;
}
both_backends!(bad_bodies);

async fn bulk_delete_is_all_or_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let a = create_dashboard(&admin, "a", None).await;
    let b = create_dashboard(&admin, "b", None).await;

    let (status, body) = admin
        .delete_q("/api/v1/dashboard/", &format!("!({a},{b},999999)"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    assert_eq!(admin.get("/api/v1/dashboard/").await.1["count"], 2);
    let (status, body) = admin
        .delete_q("/api/v1/dashboard/", &format!("!({a},{b})"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"message": "Deleted 2 dashboards"}))
    );
    assert_eq!(admin.get("/api/v1/dashboard/").await.1["count"], 0);
    let (status, body) = admin
        .delete_q("/api/v1/dashboard/", &format!("!({a},{b})"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    let (status, _) = admin.delete_q("/api/v1/dashboard/", "(a:1)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.stop().await;
}
both_backends!(bulk_delete_is_all_or_nothing);

/// Gamma does not see an admin's draft; it sees and changes its own dashboards only.
async fn roles_limit_access(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (status, draft) = admin
        .post(
            "/api/v1/dashboard/",
            json!({"dashboard_title": "admin's draft", "slug": "draft", "published": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let draft = draft["id"].as_i64().unwrap();

    let gamma = server.user_with_role("gamma", "Gamma").await;
    assert_eq!(gamma.get("/api/v1/dashboard/").await.1["count"], 0);
    for path in [
        format!("/api/v1/dashboard/{draft}"),
        "/api/v1/dashboard/draft".to_string(),
        format!("/api/v1/dashboard/{draft}/charts"),
        format!("/api/v1/dashboard/{draft}/datasets"),
    ] {
        let (status, body) = gamma.get(&path).await;
        assert_eq!(
            (status, &body),
            (
                StatusCode::NOT_FOUND,
                &golden("095_error_dashboard_404.json")
            ),
            "{path}"
        );
    }
    let (status, _) = gamma
        .put(
            &format!("/api/v1/dashboard/{draft}"),
            json!({"dashboard_title": "mine now"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = gamma.delete(&format!("/api/v1/dashboard/{draft}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let own = create_dashboard(&gamma, "gamma's", None).await;
    let (_, list) = gamma.get("/api/v1/dashboard/").await;
    assert_eq!(list["ids"], json!([own]));
    let (status, _) = gamma
        .put(
            &format!("/api/v1/dashboard/{own}"),
            json!({"dashboard_title": "gamma's, renamed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The admin sees both; the draft is unchanged.
    assert_eq!(admin.get("/api/v1/dashboard/").await.1["count"], 2);
    let (_, got) = admin.get(&format!("/api/v1/dashboard/{draft}")).await;
    assert_eq!(got["result"]["dashboard_title"], "admin's draft");

    let public = server.user_with_role("nobody", "Public").await;
    let (status, body) = public.get("/api/v1/dashboard/").await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    server.stop().await;
}
both_backends!(roles_limit_access);

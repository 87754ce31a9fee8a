//! Chart CRUD, lists with Rison, bulk delete, favourites and access, against golden shapes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_blackbox::{Backend, TestServer, assert_same_shape, both_backends, golden};

async fn crud_matches_golden_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;

    let id = admin
        .create_chart("golden table", dataset, json!({"description": "demo"}))
        .await;

    let (status, got) = admin.get(&format!("/api/v1/chart/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&got, &golden("037_chart_get.json"), "chart");
    assert_eq!(got["result"]["datasource_name_text"], "main.sales");
    let uuid = got["result"]["uuid"].as_str().unwrap().to_string();
    let (status, by_uuid) = admin.get(&format!("/api/v1/chart/{uuid}")).await;
    assert_eq!(
        (status, by_uuid["result"]["id"].as_i64()),
        (StatusCode::OK, Some(id))
    );

    let (status, put) = admin
        .put(
            &format!("/api/v1/chart/{id}"),
            json!({"slice_name": "renamed", "description": "updated", "cache_timeout": 600}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&put, &golden("041_chart_put.json"), "put");
    let (_, got) = admin.get(&format!("/api/v1/chart/{id}")).await;
    assert_eq!(got["result"]["slice_name"], "renamed");
    assert_eq!(got["result"]["cache_timeout"], "600");

    let (status, list) = admin.get("/api/v1/chart/").await;
    assert_eq!(status, StatusCode::OK);
    let expected = golden("039_chart_list_page2_default_columns.json");
    assert_eq!(list["list_columns"], expected["list_columns"]);
    assert_eq!(list["order_columns"], expected["order_columns"]);
    assert_eq!(list["label_columns"], expected["label_columns"]);
    // form_data holds whatever the client saved; compare everything around it.
    let without_form_data = |row: &Value| {
        let mut row = row.clone();
        row["form_data"] = json!({});
        row
    };
    assert_same_shape(
        &without_form_data(&list["result"][0]),
        &without_form_data(&expected["result"][0]),
        "list row",
    );
    assert_eq!(list["result"][0]["form_data"]["slice_id"], json!(id));

    let (status, body) = admin.delete(&format!("/api/v1/chart/{id}")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"message": "OK"})));
    let (status, body) = admin.get(&format!("/api/v1/chart/{id}")).await;
    assert_eq!(
        (status, &body),
        (StatusCode::NOT_FOUND, &golden("091_error_chart_404.json"))
    );
    server.stop().await;
}
both_backends!(crud_matches_golden_shapes);

async fn rison_lists(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    for name in ["golden a", "golden b", "golden c", "other"] {
        admin
            .create_chart(name, dataset, json!({"description": "demo"}))
            .await;
    }
    let q = "(columns:!(id,slice_name,viz_type,datasource_id,changed_on_delta_humanized,owners.id,owners.first_name),filters:!((col:slice_name,opr:ct,value:golden),(col:viz_type,opr:neq,value:pie)),order_column:slice_name,order_direction:asc,page:0,page_size:2)";
    let (status, list) = admin.get_q("/api/v1/chart/", q).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let expected = golden("038_chart_list_rison.json");
    assert_eq!(list["count"], 3);
    assert_eq!(list["list_columns"], expected["list_columns"]);
    assert_eq!(list["order_columns"], expected["order_columns"]);
    assert_same_shape(&list, &expected, "rison list");
    let names: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slice_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["golden a", "golden b"]);

    // Page 2, the JSON fallback for q, keys:!(none), in-lists and the page-size cap.
    let (_, page) = admin
        .get_q(
            "/api/v1/chart/",
            "(order_column:slice_name,order_direction:desc,page:1,page_size:3)",
        )
        .await;
    assert_eq!(page["ids"].as_array().unwrap().len(), 1);
    let (_, json_q) = admin
        .get_q("/api/v1/chart/", r#"{"page":0,"page_size":1}"#)
        .await;
    assert_eq!(json_q["result"].as_array().unwrap().len(), 1);
    let (_, bare) = admin.get_q("/api/v1/chart/", "(keys:!(none))").await;
    assert_eq!(
        bare.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["count", "ids", "result"]
    );
    let (_, in_list) = admin
        .get_q(
            "/api/v1/chart/",
            "(filters:!((col:slice_name,opr:in,value:!('golden a',other))))",
        )
        .await;
    assert_eq!(in_list["count"], 2);
    let (_, huge) = admin.get_q("/api/v1/chart/", "(page_size:100000)").await;
    assert_eq!(huge["count"], 4);
    let (_, all_text) = admin
        .get_q(
            "/api/v1/chart/",
            "(filters:!((col:slice_name,opr:chart_all_text,value:sales)))",
        )
        .await;
    assert_eq!(all_text["count"], 4, "matches the dataset's table name");
    let (_, mine) = admin
        .get_q(
            "/api/v1/chart/",
            "(filters:!((col:owners,opr:rel_m_m,value:1)))",
        )
        .await;
    assert_eq!(mine["count"], 4);
    let (status, _) = admin
        .get_q("/api/v1/chart/", "(bogus_key:1,page_size:5)")
        .await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}
both_backends!(rison_lists);

async fn bad_list_arguments(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let cases: &[(&str, Value)] = &[
        (
            "(page:0,,page_size:5)",
            json!({"message": "Not a valid rison/json argument"}),
        ),
        // Superset crashes (500) on truncated Rison; Tessera says what is wrong.
        (
            "(page:0,page_size:",
            json!({"message": "Not a valid rison/json argument"}),
        ),
        (
            "(filters:!((col:nosuchcol,opr:eq,value:1)))",
            json!({"message": "Filter column: nosuchcol not allowed to filter"}),
        ),
        (
            "(filters:!((col:viz_type,opr:gt,value:1)))",
            json!({"message": "Filter operation: gt not allowed on column: viz_type"}),
        ),
        (
            "(order_column:bogus)",
            json!({"message": "Invalid order by column: bogus"}),
        ),
        (
            "(filters:!((col:slice_name,opr:eq)))",
            json!({"message": "Not a valid rison schema 'value' is a required property"}),
        ),
        (
            "(page:x)",
            json!({"message": "Not a valid rison schema \"x\" is not of type 'integer'"}),
        ),
        (
            "(filters:!((col:id,opr:eq,value:abc)))",
            json!({"message": "Filter value \"abc\" not valid for column: id"}),
        ),
    ];
    for (q, expected) in cases {
        let (status, body) = admin.get_q("/api/v1/chart/", q).await;
        assert_eq!(
            (status, &body),
            (StatusCode::BAD_REQUEST, expected),
            "q={q}"
        );
    }
    let (status, body) = admin.get_q("/api/v1/chart/", "(page:0,,page_size:5)").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            golden("103_error_chart_list_bad_rison.json")
        )
    );
    server.stop().await;
}
both_backends!(bad_list_arguments);

async fn bad_bodies(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    let (status, body) = admin
        .post("/api/v1/chart/", json!({"slice_name": "golden bad", "viz_type": "table", "datasource_id": dataset, "datasource_type": "table", "params": "{not json"}))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::BAD_REQUEST,
            &golden("099_error_chart_400_bad_params.json")
        )
    );
    let (status, body) = admin
        .post("/api/v1/chart/", json!({"slice_name": "golden bad", "unknown_field": 1, "datasource_id": dataset, "datasource_type": "table"}))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::BAD_REQUEST,
            &golden("100_error_chart_400_unknown_field.json")
        )
    );
    let (status, body) = admin
        .post("/api/v1/chart/", json!({"slice_name": "golden bad", "viz_type": "table", "datasource_id": 999_999, "datasource_type": "table"}))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &golden("101_error_chart_422_missing_datasource.json")
        )
    );
    let (status, body) = admin
        .post(
            "/api/v1/chart/",
            json!({"slice_name": 7, "datasource_id": "x", "datasource_type": "bogus"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"]["slice_name"],
        json!(["Not a valid string."])
    );
    assert_eq!(
        body["message"]["datasource_id"],
        json!(["Not a valid integer."])
    );
    assert_eq!(
        body["message"]["datasource_type"],
        json!(["Must be one of: table, dataset, query, saved_query, view."])
    );
    let (status, body) = admin
        .post("/api/v1/chart/", json!({"slice_name": "x", "datasource_id": dataset, "datasource_type": "table", "owners": [424242]}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"owners": ["Owners are invalid"]}})
        )
    );
    let (status, body) = admin
        .put("/api/v1/chart/999999", json!({"description": "x"}))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("102_error_chart_put_404.json")
        )
    );
    let (status, _) = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/v1/chart/")
                .header("Content-Type", "text/plain")
                .body("x"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Nothing was written by any of the above.
    let (_, list) = admin.get("/api/v1/chart/").await;
    assert_eq!(list["count"], 0);
    server.stop().await;
}
both_backends!(bad_bodies);

async fn bulk_delete_is_all_or_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    let a = admin
        .create_chart("a", dataset, json!({"description": "demo"}))
        .await;
    let b = admin
        .create_chart("b", dataset, json!({"description": "demo"}))
        .await;
    let (status, body) = admin
        .delete_q("/api/v1/chart/", &format!("!({a},{b},999999)"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"message": "Not found"}))
    );
    assert_eq!(admin.get("/api/v1/chart/").await.1["count"], 2);
    let (status, body) = admin
        .delete_q("/api/v1/chart/", &format!("!({a},{b})"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"message": "Deleted 2 charts"}))
    );
    let (status, body) = admin
        .delete_q("/api/v1/chart/", &format!("!({a},{b})"))
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("108_chart_bulk_delete_again_404.json")
        )
    );
    let (status, _) = admin.delete_q("/api/v1/chart/", "(a:1)").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.stop().await;
}
both_backends!(bulk_delete_is_all_or_nothing);

async fn favourites_info_related(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    let id = admin
        .create_chart("fav", dataset, json!({"description": "demo"}))
        .await;
    let (status, _) = admin
        .post(&format!("/api/v1/chart/{id}/favorites/"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, fav) = admin
        .get_q("/api/v1/chart/favorite_status/", &format!("!({id},999)"))
        .await;
    assert_eq!(
        fav,
        json!({"result": [{"id": id, "value": true}, {"id": 999, "value": false}]})
    );
    let (_, starred) = admin
        .get_q(
            "/api/v1/chart/",
            "(filters:!((col:id,opr:chart_is_favorite,value:!t)))",
        )
        .await;
    assert_eq!(starred["count"], 1);
    let (_, info) = admin
        .get_q("/api/v1/chart/_info", "(keys:!(permissions,filters))")
        .await;
    let expected = golden("040_chart_info.json");
    for (column, ops) in expected["filters"].as_object().unwrap() {
        if column == "tags" {
            continue; // tags arrive with the tag resource
        }
        assert_eq!(&info["filters"][column], ops, "filters of {column}");
    }
    assert!(
        info["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("can_write"))
    );
    let (status, related) = admin
        .get_q(
            "/api/v1/chart/related/owners",
            "(filter:Ad,page:0,page_size:10)",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(related["result"][0]["text"], "Admin User");
    assert_eq!(
        admin.get("/api/v1/chart/related/bogus").await.0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}
both_backends!(favourites_info_related);

/// Gamma sees only what it owns or was granted; Public can do nothing.
async fn roles_limit_access(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let dataset = server.dataset("sales").await;
    let admins_chart = admin
        .create_chart("admin's", dataset, json!({"description": "demo"}))
        .await;
    let gamma = server.user_with_role("gamma", "Gamma").await;
    assert_eq!(gamma.get("/api/v1/chart/").await.1["count"], 0);
    assert_eq!(
        gamma.get(&format!("/api/v1/chart/{admins_chart}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gamma
            .delete(&format!("/api/v1/chart/{admins_chart}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let own = gamma
        .create_chart("gamma's", dataset, json!({"description": "demo"}))
        .await;
    let (_, list) = gamma.get("/api/v1/chart/").await;
    assert_eq!(list["ids"], json!([own]));
    let public = server.user_with_role("nobody", "Public").await;
    let (status, body) = public.get("/api/v1/chart/").await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    server.stop().await;
}
both_backends!(roles_limit_access);

//! Saved queries (`/api/v1/saved_query`): CRUD, bulk delete, lists, `_info`, related and
//! distinct, against golden shapes and per-user access.

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

async fn save(client: &Client, body: Value) -> i64 {
    let (status, created) = client.post("/api/v1/saved_query/", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap()
}

async fn crud_matches_golden_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;

    let mut request = golden_request("075_saved_query_create.json");
    request["db_id"] = json!(db);
    let (status, created) = admin.post("/api/v1/saved_query/", request.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mut expected = golden("075_saved_query_create.json");
    expected["result"]["db_id"] = json!(db);
    assert_eq!(keys(&created), keys(&expected));
    assert_eq!(created["result"], expected["result"]);
    let id = created["id"].as_i64().unwrap();

    let (status, got) = admin.get(&format!("/api/v1/saved_query/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    let expected = golden("076_saved_query_get.json");
    assert_same_shape(&got, &expected, "get");
    for key in [
        "label_columns",
        "show_columns",
        "show_title",
        "description_columns",
    ] {
        assert_eq!(got[key], expected[key], "{key}");
    }
    let result = &got["result"];
    assert_eq!(result["id"], json!(id));
    assert_eq!(
        result["database"],
        json!({"database_name": "golden examples", "id": db})
    );
    assert_eq!(
        result["sql_tables"],
        json!([{"catalog": null, "schema": null, "table": "sales"}])
    );
    assert_eq!(result["changed_on_delta_humanized"], "now");
    assert_eq!(
        result["created_by"],
        json!({"first_name": "Admin", "id": 1, "last_name": "User"})
    );

    let list_golden = golden("077_saved_query_list.json");
    let (status, list) = admin
        .get_q(
            "/api/v1/saved_query/",
            "(filters:!((col:label,opr:ct,value:golden)))",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_same_shape(&list, &list_golden, "list");
    for key in [
        "list_columns",
        "label_columns",
        "order_columns",
        "list_title",
    ] {
        assert_eq!(list[key], list_golden[key], "{key}");
    }
    assert_eq!(list["ids"], json!([id]));
    assert_eq!(list["result"][0]["extra"], json!({}));
    assert_eq!(list["result"][0]["tags"], json!([]));

    // FAB merges the sent fields into the stored ones and echoes every editable column.
    let (status, put) = admin
        .put(
            &format!("/api/v1/saved_query/{id}"),
            json!({"label": "renamed", "schema": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    let mut echoed = created["result"].clone();
    echoed["label"] = json!("renamed");
    echoed["schema"] = Value::Null;
    assert_eq!(put, json!({ "result": echoed }));
    let (_, got) = admin.get(&format!("/api/v1/saved_query/{id}")).await;
    assert_eq!(got["result"]["label"], "renamed");
    assert_eq!(got["result"]["schema"], Value::Null);
    assert_eq!(got["result"]["sql"], request["sql"]);

    let (status, body) = admin.delete(&format!("/api/v1/saved_query/{id}")).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, golden("109_saved_query_delete.json"))
    );
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = admin
            .send(admin.request(method.clone(), &format!("/api/v1/saved_query/{id}")))
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"message": "Not found"})),
            "{method}"
        );
    }
    server.stop().await;
}
both_backends!(crud_matches_golden_shapes);

/// FAB's generated schema answers bad bodies with 422 and a per-field map.
async fn bad_bodies_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;

    let (status, body) = admin
        .post(
            "/api/v1/saved_query/",
            json!({"label": "x".repeat(257), "db_id": "one", "bogus": 1, "sql": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"message": {
            "bogus": ["Unknown field."],
            "db_id": ["Not a valid integer."],
            "label": ["Longer than maximum length 256."],
            "sql": ["Not a valid string."],
        }})
    );
    let (status, body) = admin
        .post("/api/v1/saved_query/", json!({"label": "x", "db_id": 999}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"db_id": ["Database does not exist"]}})
        )
    );
    let (status, _) = admin
        .send(
            admin
                .request(Method::POST, "/api/v1/saved_query/")
                .body("label=x"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let id = save(&admin, json!({"label": "ok", "db_id": db})).await;
    let (status, body) = admin
        .put(
            &format!("/api/v1/saved_query/{id}"),
            json!({"changed_on": "now"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"changed_on": ["Unknown field."]}})
        )
    );
    for path in ["/api/v1/saved_query/999", "/api/v1/saved_query/abc"] {
        let (status, _) = admin.put(path, json!({"label": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    server.stop().await;
}
both_backends!(bad_bodies_are_refused);

async fn list_filters_orders_and_pages(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let other = server.database("other").await;
    let a = save(
        &admin,
        json!({"label": "Revenue", "db_id": db, "schema": "main", "sql": "SELECT 1 FROM sales"}),
    )
    .await;
    let b = save(
        &admin,
        json!({"label": "Births", "db_id": other, "description": "names by year",
               "sql": "SELECT * FROM birth_names"}),
    )
    .await;
    let c = save(
        &admin,
        json!({"label": "Scratch", "db_id": db, "schema": "tmp"}),
    )
    .await;

    let ids = async |q: String| {
        let (status, body) = admin.get_q("/api/v1/saved_query/", &q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        body["ids"].clone()
    };
    // No order asked for: insertion order.
    assert_eq!(ids("()".into()).await, json!([a, b, c]));
    assert_eq!(
        ids("(order_column:label,order_direction:asc)".into()).await,
        json!([b, a, c])
    );
    // `all_text` searches schema, label, description and SQL.
    assert_eq!(
        ids("(filters:!((col:label,opr:all_text,value:birth)))".into()).await,
        json!([b])
    );
    assert_eq!(
        ids("(filters:!((col:label,opr:all_text,value:'BY YEAR')))".into()).await,
        json!([b])
    );
    assert_eq!(
        ids("(filters:!((col:label,opr:all_text,value:tmp)))".into()).await,
        json!([c])
    );
    assert_eq!(
        ids("(filters:!((col:label,opr:all_text,value:'')))".into()).await,
        json!([a, b, c])
    );
    assert_eq!(
        ids(format!(
            "(filters:!((col:database,opr:rel_o_m,value:{db})))"
        ))
        .await,
        json!([a, c])
    );
    assert_eq!(
        ids("(filters:!((col:schema,opr:eq,value:main)))".into()).await,
        json!([a])
    );
    // Nothing is starred.
    assert_eq!(
        ids("(filters:!((col:id,opr:saved_query_is_fav,value:!t)))".into()).await,
        json!([])
    );
    assert_eq!(
        ids("(filters:!((col:id,opr:saved_query_is_fav,value:!f)))".into()).await,
        json!([a, b, c])
    );
    assert_eq!(
        ids("(order_column:database.database_name,order_direction:desc,page:1,page_size:2)".into())
            .await,
        json!([a]),
        "ties are broken by id in the same direction"
    );
    let (status, body) = admin
        .get_q("/api/v1/saved_query/", "(order_column:changed_on)")
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid order by column: changed_on"})
        )
    );

    let (status, body) = admin
        .delete_q("/api/v1/saved_query/", &format!("!({a},{b})"))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"message": "Deleted 2 saved queries"})
        )
    );
    let (status, _) = admin
        .delete_q("/api/v1/saved_query/", &format!("!({a},{c})"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "all or nothing");
    let (status, body) = admin
        .delete_q("/api/v1/saved_query/", &format!("!({c})"))
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"message": "Deleted 1 saved query"}))
    );
    server.stop().await;
}
both_backends!(list_filters_orders_and_pages);

async fn info_related_and_distinct(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    save(
        &admin,
        json!({"label": "a", "db_id": db, "schema": "main", "catalog": "c1"}),
    )
    .await;
    save(&admin, json!({"label": "b", "db_id": db, "schema": "main"})).await;
    save(
        &admin,
        json!({"label": "c", "db_id": db, "schema": "marts"}),
    )
    .await;

    let (status, info) = admin.get("/api/v1/saved_query/_info").await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let names: Vec<&str> = info["add_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "catalog",
            "db_id",
            "description",
            "extra_json",
            "label",
            "schema",
            "sql",
            "template_parameters"
        ]
    );
    assert_eq!(info["add_title"], "Add Saved Query");
    assert_eq!(
        info["permissions"],
        json!(["can_read", "can_export", "can_write"])
    );
    let label_ops: Vec<&str> = info["filters"]["label"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["operator"].as_str().unwrap())
        .collect();
    assert!(label_ops.contains(&"all_text") && label_ops.contains(&"ct"));

    let (status, schemas) = admin.get("/api/v1/saved_query/distinct/schema").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        schemas,
        json!({"count": 2, "result": [{"text": "main", "value": "main"},
                                      {"text": "marts", "value": "marts"}]})
    );
    let (_, paged) = admin
        .get_q(
            "/api/v1/saved_query/distinct/schema",
            "(page:1,page_size:1)",
        )
        .await;
    assert_eq!(
        paged,
        json!({"count": 2, "result": [{"text": "marts", "value": "marts"}]})
    );
    let (_, catalogs) = admin.get("/api/v1/saved_query/distinct/catalog").await;
    assert_eq!(
        catalogs,
        json!({"count": 1, "result": [{"text": "c1", "value": "c1"}]})
    );
    assert_eq!(
        admin.get("/api/v1/saved_query/distinct/label").await.0,
        StatusCode::NOT_FOUND
    );

    let (_, databases) = admin
        .get_q("/api/v1/saved_query/related/database", "(filter:gold)")
        .await;
    assert_eq!(
        databases,
        json!({"count": 1, "result": [{"extra": {}, "text": "golden examples", "value": db}]})
    );
    let (_, creators) = admin.get("/api/v1/saved_query/related/created_by").await;
    assert_eq!(creators["result"][0]["text"], "Admin User");
    assert_eq!(
        admin.get("/api/v1/saved_query/related/owners").await.0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}
both_backends!(info_related_and_distinct);

/// A sql_lab user sees and changes only the saved queries they created; the admin reads
/// everyone's (all_query_access) but writes only its own, as Superset's filter does;
/// Gamma alone has no access.
async fn users_see_their_own_saved_queries(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let db = server.database("golden examples").await;
    let (analyst, analyst_id) = server
        .user_with_roles("analyst", &["Gamma", "sql_lab"])
        .await;
    let admins = save(&admin, json!({"label": "admin's", "db_id": db})).await;
    let own = save(&analyst, json!({"label": "analyst's", "db_id": db})).await;

    let (status, list) = analyst.get("/api/v1/saved_query/").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["ids"], json!([own]));
    assert_eq!(
        list["result"][0]["created_by"],
        json!({"first_name": "analyst", "id": analyst_id, "last_name": "Tester"})
    );
    assert_eq!(
        admin.get("/api/v1/saved_query/").await.1["ids"],
        json!([admins, own])
    );

    let theirs = format!("/api/v1/saved_query/{admins}");
    assert_eq!(analyst.get(&theirs).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        analyst.put(&theirs, json!({"label": "mine"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(analyst.delete(&theirs).await.0, StatusCode::NOT_FOUND);
    let (status, _) = analyst
        .delete_q("/api/v1/saved_query/", &format!("!({own},{admins})"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mine = format!("/api/v1/saved_query/{own}");
    assert_eq!(admin.get(&mine).await.0, StatusCode::OK);
    assert_eq!(
        admin.put(&mine, json!({"label": "taken"})).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, put) = analyst.put(&mine, json!({"label": "renamed"})).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    let (_, got) = analyst.get(&mine).await;
    assert_eq!(got["result"]["label"], "renamed");
    assert_eq!(got["result"]["changed_by"]["id"], json!(analyst_id));

    let gamma = server.user_with_role("gamma", "Gamma").await;
    let (status, body) = gamma.get("/api/v1/saved_query/").await;
    assert_eq!(
        (status, body),
        (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}))
    );
    assert_eq!(
        gamma
            .post("/api/v1/saved_query/", json!({"label": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    server.stop().await;
}
both_backends!(users_see_their_own_saved_queries);

//! FAB's security API over HTTP (roles, users, permissions, resources and the
//! permission-views between them), and what each role may reach.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_blackbox::{Backend, Client, TestServer, both_backends};

/// The id of the one row of `path` whose `name` is `name`.
async fn id_by_name(admin: &Client, path: &str, name: &str) -> i64 {
    let q = format!("(filters:!((col:name,opr:eq,value:'{name}')))");
    let (status, body) = admin.get_q(path, &q).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["count"], 1, "{name} in {path}: {body}");
    body["result"][0]["id"].as_i64().unwrap()
}

/// The `datasource_access` permission-view Superset keeps for a dataset.
async fn dataset_access(admin: &Client, dataset: i64) -> i64 {
    let q = format!("(filters:!((col:name,opr:ew,value:'[sales](id:{dataset})')))");
    let (_, menus) = admin.get_q("/api/v1/security/resources/", &q).await;
    assert_eq!(menus["count"], 1, "{menus}");
    assert_eq!(
        menus["result"][0]["name"],
        format!("[golden examples].[sales](id:{dataset})")
    );
    let menu = menus["result"][0]["id"].as_i64().unwrap();
    let q = format!("(filters:!((col:view_menu,opr:rel_o_m,value:{menu})))");
    let (_, views) = admin
        .get_q("/api/v1/security/permissions-resources/", &q)
        .await;
    assert_eq!(views["count"], 1, "{views}");
    assert_eq!(
        views["result"][0]["permission"]["name"],
        "datasource_access"
    );
    views["result"][0]["id"].as_i64().unwrap()
}

async fn roles_grant_data_to_users(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let roles = "/api/v1/security/roles/";

    let (status, created) = admin.post(roles, json!({"name": "analyst"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["result"], json!({"name": "analyst"}));
    let analyst = created["id"].as_i64().unwrap();
    assert_eq!(
        admin.post(roles, json!({"name": "analyst"})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin.post(roles, json!({})).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"message": {"name": ["Missing data for required field."]}})
        )
    );
    let (_, list) = admin.get(roles).await;
    let names: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Admin", "Public", "Alpha", "Gamma", "sql_lab", "analyst"]
    );
    assert_eq!(list["list_title"], "List Role");

    // A Gamma user sees no dataset until a role grants one.
    let gamma = id_by_name(&admin, roles, "Gamma").await;
    let users = "/api/v1/security/users/";
    let new_user = json!({"first_name": "Ann", "last_name": "Lyst", "username": "ann",
                          "email": "ann@example.com", "password": "s3cret!", "roles": [gamma, analyst]});
    let (status, created) = admin.post(users, new_user.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created.as_object().unwrap().len(),
        1,
        "only the id: {created}"
    );
    let ann_id = created["id"].as_i64().unwrap();
    let ann = server.login("ann", "s3cret!").await;
    let (_, datasets) = ann.get("/api/v1/dataset/").await;
    assert_eq!(datasets["count"], 0, "{datasets}");

    let access = dataset_access(&admin, sales).await;
    let grant = json!({"permission_view_menu_ids": [access]});
    let path = format!("/api/v1/security/roles/{analyst}/permissions");
    assert_eq!(
        admin.post(&path, grant.clone()).await,
        (StatusCode::OK, json!({ "result": grant }))
    );
    assert_eq!(
        admin.get(&format!("{path}/")).await,
        (
            StatusCode::OK,
            json!({"result": [{"id": access, "permission_name": "datasource_access",
                               "view_menu_name": format!("[golden examples].[sales](id:{sales})")}]})
        )
    );
    let (_, datasets) = ann.get("/api/v1/dataset/").await;
    assert_eq!(
        datasets["count"], 1,
        "the grant applies at once: {datasets}"
    );

    let q = format!("(filters:!((col:user_ids,opr:rel_m_m,value:{ann_id})))");
    let (status, found) = admin.get_q("/api/v1/security/roles/search/", &q).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["count"], 2);
    assert_eq!(
        found["result"][1],
        json!({"id": analyst, "name": "analyst", "user_ids": [ann_id],
               "permission_ids": [access], "group_ids": []})
    );

    // Taking the user out of the role takes the grant away.
    let members = format!("/api/v1/security/roles/{analyst}/users");
    assert_eq!(
        admin.put(&members, json!({"user_ids": [9999]})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.put(&members, json!({"user_ids": "x"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        admin.put(&members, json!({"user_ids": []})).await,
        (StatusCode::OK, json!({"result": {"user_ids": []}}))
    );
    let (_, datasets) = ann.get("/api/v1/dataset/").await;
    assert_eq!(datasets["count"], 0, "{datasets}");

    // The user as the security API shows them; never their password.
    let (status, shown) = admin.get(&format!("{users}{ann_id}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let result = &shown["result"];
    assert_eq!(result["username"], "ann");
    assert_eq!(result["roles"], json!([{"id": gamma, "name": "Gamma"}]));
    assert_eq!(result["login_count"], 1);
    assert_eq!(result["created_by"], json!({"id": 1}));
    assert!(result["last_login"].is_string(), "{result}");
    assert!(result.get("password").is_none());
    assert_eq!(shown["show_title"], "Show User");

    // Deactivating a user locks them out.
    let (status, updated) = admin
        .put(
            &format!("{users}{ann_id}"),
            json!({"active": false, "password": "n3w!"}),
        )
        .await;
    assert_eq!(
        (status, updated),
        (StatusCode::OK, json!({"result": {"active": false}}))
    );
    let (status, _) = server
        .client()
        .post(
            "/api/v1/security/login",
            json!({"username": "ann", "password": "n3w!", "provider": "db"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Deleting the role drops its grants and memberships.
    assert_eq!(
        admin.delete(&format!("{roles}{analyst}")).await,
        (StatusCode::OK, json!({"message": "OK"}))
    );
    assert_eq!(
        admin.get(&format!("{roles}{analyst}")).await.0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}

both_backends!(roles_grant_data_to_users);

async fn bad_input_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let users = "/api/v1/security/users/";
    let (_, before) = admin.get(users).await;

    let (status, body) = admin.post(users, json!({"username": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["first_name", "last_name", "email", "password", "roles"] {
        assert_eq!(
            body["message"][field],
            json!(["Missing data for required field."]),
            "{body}"
        );
    }
    let valid = json!({"first_name": "B", "last_name": "C", "username": "bc", "email": "bc@example.com",
                       "password": "pw", "roles": [3]});
    let mut unknown_role = valid.clone();
    unknown_role["roles"] = json!([999, 3]);
    assert_eq!(
        admin.post(users, unknown_role).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"roles": ["Role(s) with ID(s) [999] not found."]}})
        )
    );
    let mut no_roles = valid.clone();
    no_roles["roles"] = json!([]);
    assert_eq!(
        admin.post(users, no_roles).await.1,
        json!({"message": {"roles": ["Shorter than minimum length 1."]}})
    );
    let mut groups = valid.clone();
    groups["groups"] = json!([5]);
    assert_eq!(admin.post(users, groups).await.0, StatusCode::BAD_REQUEST);
    let mut extra = valid.clone();
    extra["is_admin"] = json!(true);
    assert_eq!(
        admin.post(users, extra).await.1,
        json!({"message": {"is_admin": ["Unknown field."]}})
    );
    let mut taken = valid.clone();
    taken["username"] = json!("admin");
    assert_eq!(
        admin.post(users, taken).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin
            .put(&format!("{users}999"), json!({"active": true}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .put(&format!("{users}1"), json!({"roles": [999]}))
            .await,
        (
            StatusCode::NOT_FOUND,
            json!({"message": {"roles": ["Role(s) with ID(s) [999] not found."]}})
        )
    );
    assert_eq!(admin.get(users).await.1["count"], before["count"]);
    assert_eq!(
        admin.get("/api/v1/security/roles/1/permissions/").await.1["result"]
            .as_array()
            .unwrap()
            .len() as i64,
        admin.get("/api/v1/security/roles/search/").await.1["result"][0]["permission_ids"]
            .as_array()
            .unwrap()
            .len() as i64,
    );
    assert_eq!(
        admin.get("/api/v1/security/roles/999/permissions/").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .post(
                "/api/v1/security/roles/999/permissions",
                json!({"permission_view_menu_ids": [1]})
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    server.stop().await;
}

both_backends!(bad_input_changes_nothing);

async fn resources_and_their_permissions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let resources = "/api/v1/security/resources/";
    let pvms = "/api/v1/security/permissions-resources/";

    let (status, created) = admin.post(resources, json!({"name": "Reports"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let menu = created["id"].as_i64().unwrap();
    assert_eq!(
        admin
            .put(&format!("{resources}{menu}"), json!({"name": "Report"}))
            .await,
        (
            StatusCode::OK,
            json!({"id": menu, "result": {"name": "Report"}})
        )
    );
    let can_read = id_by_name(&admin, "/api/v1/security/permissions/", "can_read").await;
    let body = json!({"permission_id": can_read, "view_menu_id": menu});
    let (status, created) = admin.post(pvms, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let pvm = created["id"].as_i64().unwrap();
    assert_eq!(
        admin.post(pvms, body).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin
            .post(pvms, json!({"permission_id": 9999, "view_menu_id": menu}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (status, shown) = admin.get(&format!("{pvms}{pvm}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        shown["result"],
        json!({"id": pvm, "permission": {"name": "can_read"}, "view_menu": {"name": "Report"}})
    );
    // A resource in use cannot go; once its permission is gone it can.
    assert_eq!(
        admin.delete(&format!("{resources}{menu}")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin.delete(&format!("{pvms}{pvm}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        admin.delete(&format!("{resources}{menu}")).await.0,
        StatusCode::OK
    );
    // Permissions are read-only.
    assert_eq!(
        admin
            .post("/api/v1/security/permissions/", json!({"name": "can_fly"}))
            .await
            .0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let (status, info) = admin.get("/api/v1/security/roles/_info").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        info["permissions"],
        json!(["can_get", "can_post", "can_put", "can_delete", "can_info"])
    );
    server.stop().await;
}

both_backends!(resources_and_their_permissions);

/// Who may reach what: `(method, path, body, [Admin, Alpha, Gamma, sql_lab, Public,
/// Gamma granted the dataset])`.
type Access = (Method, String, Option<Value>, [u16; 6]);

async fn each_role_reaches_what_it_may(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let chart = admin
        .create_chart("sales by region", sales, json!({}))
        .await;
    let (status, dashboard) = admin
        .post("/api/v1/dashboard/", json!({"dashboard_title": "Sales"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dashboard}");
    let dashboard = dashboard["id"].as_i64().unwrap();

    // A role that grants the one dataset, made through the security API.
    let (_, role) = admin
        .post("/api/v1/security/roles/", json!({"name": "sales readers"}))
        .await;
    let role = role["id"].as_i64().unwrap();
    let access = dataset_access(&admin, sales).await;
    admin
        .post(
            &format!("/api/v1/security/roles/{role}/permissions"),
            json!({"permission_view_menu_ids": [access]}),
        )
        .await;

    let mut clients = vec![admin.clone()];
    for (name, roles) in [
        ("alpha", vec!["Alpha"]),
        ("gamma", vec!["Gamma"]),
        ("sqllab", vec!["sql_lab"]),
        ("public", vec!["Public"]),
        ("reader", vec!["Gamma", "sales readers"]),
    ] {
        clients.push(server.user_with_roles(name, &roles).await.0);
    }

    let guest_body = json!({"user": {"username": "g"}, "resources": [], "rls": []});
    let table: Vec<Access> = vec![
        (
            Method::GET,
            "/api/v1/chart/".into(),
            None,
            [200, 200, 200, 403, 403, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/chart/{chart}"),
            None,
            [200, 200, 404, 403, 403, 200],
        ),
        (
            Method::GET,
            format!("/api/v1/dataset/{sales}"),
            None,
            [200, 200, 404, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/dashboard/".into(),
            None,
            [200, 200, 200, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/database/".into(),
            None,
            [200, 200, 200, 200, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/query/".into(),
            None,
            [200, 403, 403, 200, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/saved_query/".into(),
            None,
            [200, 403, 403, 200, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/rowlevelsecurity/".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/security/roles/".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/security/users/".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/security/permissions-resources/".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/assets/export/".into(),
            None,
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/security/guest_token/".into(),
            Some(guest_body),
            [200, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/api/v1/database/".into(),
            Some(json!({})),
            [400, 403, 403, 403, 403, 403],
        ),
        (
            Method::PUT,
            format!("/api/v1/chart/{chart}"),
            Some(json!({"description": "x"})),
            [200, 403, 404, 403, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/dataset/{sales}"),
            None,
            [0, 403, 403, 403, 403, 403],
        ),
        (
            Method::DELETE,
            format!("/api/v1/dashboard/{dashboard}"),
            None,
            [0, 403, 404, 403, 403, 404],
        ),
        (
            Method::GET,
            "/api/v1/me/".into(),
            None,
            [200, 200, 200, 200, 200, 200],
        ),
    ];
    let names = [
        "Admin",
        "Alpha",
        "Gamma",
        "sql_lab",
        "Public",
        "Gamma + dataset",
    ];
    let mut wrong = vec![];
    for (method, path, body, expected) in &table {
        for (i, client) in clients.iter().enumerate() {
            // 0: not tried, so the object stays for the others.
            if expected[i] == 0 {
                continue;
            }
            let mut req = client.request(method.clone(), path);
            if let Some(body) = body {
                req = req.json(body);
            }
            let (status, answer) = client.send(req).await;
            if status.as_u16() != expected[i] {
                wrong.push(format!(
                    "{} {method} {path}: {status}, expected {}: {answer}",
                    names[i], expected[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Lists show each role only what it may see.
    for (i, expected) in [(0, 1), (1, 1), (2, 0), (5, 1)] {
        let (_, charts) = clients[i].get("/api/v1/chart/").await;
        assert_eq!(charts["count"], expected, "{}: {charts}", names[i]);
    }
    server.stop().await;
}

both_backends!(each_role_reaches_what_it_may);

/// A `schema_access` grant opens every dataset of that schema, including those made
/// after the grant.
async fn schema_grants_open_the_whole_schema(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let sales = server.examples_dataset(&admin, "sales").await;
    let menu = id_by_name(
        &admin,
        "/api/v1/security/resources/",
        "[golden examples].[main]",
    )
    .await;
    let q = format!("(filters:!((col:view_menu,opr:rel_o_m,value:{menu})))");
    let (_, views) = admin
        .get_q("/api/v1/security/permissions-resources/", &q)
        .await;
    assert_eq!(
        views["result"][0]["permission"]["name"], "schema_access",
        "{views}"
    );
    let access = views["result"][0]["id"].as_i64().unwrap();
    let (_, role) = admin
        .post("/api/v1/security/roles/", json!({"name": "main schema"}))
        .await;
    let role = role["id"].as_i64().unwrap();
    admin
        .post(
            &format!("/api/v1/security/roles/{role}/permissions"),
            json!({"permission_view_menu_ids": [access]}),
        )
        .await;
    let (reader, _) = server
        .user_with_roles("schema reader", &["Gamma", "main schema"])
        .await;
    assert_eq!(
        reader.get(&format!("/api/v1/dataset/{sales}")).await.0,
        StatusCode::OK
    );
    let births = server.examples_dataset(&admin, "birth_names").await;
    // The grant reaches datasets made after it once the cached identity expires.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (_, datasets) = reader.get("/api/v1/dataset/").await;
    assert_eq!(datasets["count"], 2, "{datasets}");
    assert_eq!(
        reader.get(&format!("/api/v1/dataset/{births}")).await.0,
        StatusCode::OK
    );
    server.stop().await;
}

both_backends!(schema_grants_open_the_whole_schema);

//! Login, refresh, tokens, CSRF and the current user, against golden shapes.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_blackbox::{Backend, TestServer, assert_same_shape, both_backends, golden};

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn login_and_tokens(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let (status, body) = client
        .post("/api/v1/security/login", json!({"username": "admin", "password": tessera_blackbox::ADMIN_PASSWORD, "provider": "db", "refresh": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&body, &golden("001_login.json"), "login");
    let access = claims(body["access_token"].as_str().unwrap());
    let refresh = claims(body["refresh_token"].as_str().unwrap());
    assert_eq!(access["type"], "access");
    assert_eq!(access["fresh"], true);
    assert_eq!(access["sub"], "1");
    assert_eq!(
        access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(),
        900
    );
    assert_eq!(
        refresh["exp"].as_i64().unwrap() - refresh["iat"].as_i64().unwrap(),
        2_592_000
    );

    // Refresh: a refresh token gives a non-fresh access token; an access token is refused.
    let mut with_refresh = client.clone();
    with_refresh.token = Some(body["refresh_token"].as_str().unwrap().to_string());
    let (status, refreshed) = with_refresh
        .post("/api/v1/security/refresh", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&refreshed, &golden("004_refresh.json"), "refresh");
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["fresh"],
        false
    );
    let mut with_access = client.clone();
    with_access.token = Some(body["access_token"].as_str().unwrap().to_string());
    let (status, err) = with_access
        .post("/api/v1/security/refresh", json!({}))
        .await;
    assert_eq!(
        (status, err),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Only refresh tokens are allowed"})
        )
    );

    // A refresh token is not an access token.
    let (status, err) = with_refresh.get("/api/v1/chart/").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err, json!({"msg": "Only non-refresh tokens are allowed"}));
    server.stop().await;
}
both_backends!(login_and_tokens);

async fn bad_logins(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    let (status, body) = client
        .post(
            "/api/v1/security/login",
            json!({"username": "admin", "password": "wrong", "provider": "db"}),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNAUTHORIZED,
            &golden("002_login_bad_password.json")
        )
    );
    let (status, body) = client
        .post("/api/v1/security/login", json!({"username": "admin"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"]["password"],
        json!(["Missing data for required field."])
    );
    let (status, body) = client
        .post(
            "/api/v1/security/login",
            json!({"username": "admin", "password": "x", "provider": "db", "extra": 1}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"extra": ["Unknown field."]}})
        )
    );
    let (status, body) = client
        .post(
            "/api/v1/security/login",
            json!({"username": 5, "password": "x", "provider": "db"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": {"username": ["Not a valid string."]}})
        )
    );
    let (status, _) = client
        .send(
            client
                .request(Method::POST, "/api/v1/security/login")
                .body("not json"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.stop().await;
}
both_backends!(bad_logins);

/// After too many failures a user, and the address they came from, are refused with
/// 429 (even with the right password) until the window passes.
async fn failed_logins_are_throttled(backend: Backend) {
    let server =
        TestServer::start_with(backend, |c| c.login_rate_limit = "2 per minute".into()).await;
    let client = server.client();
    let login = |username: &str, password: &str| json!({"username": username, "password": password, "provider": "db"});
    let path = "/api/v1/security/login";
    server.user_with_role("alpha", "Alpha").await;
    for _ in 0..2 {
        let (status, _) = client.post(path, login("admin", "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let throttled = (
        StatusCode::TOO_MANY_REQUESTS,
        json!({"message": "Too many failed login attempts, try again later"}),
    );
    let admin = login("admin", tessera_blackbox::ADMIN_PASSWORD);
    assert_eq!(client.post(path, admin).await, throttled);
    // The address is over the limit too, whoever logs in from it.
    let alpha = login("alpha", tessera_blackbox::ADMIN_PASSWORD);
    assert_eq!(client.post(path, alpha).await, throttled);
    server.stop().await;
}
both_backends!(failed_logins_are_throttled);

async fn token_errors(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.access_token_ttl = 0).await;
    let anonymous = server.client();
    let (status, body) = anonymous.get("/api/v1/chart/1").await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::UNAUTHORIZED,
            &golden("097_error_401_no_token.json")
        )
    );

    let expired = server.admin().await;
    let (status, body) = expired.get("/api/v1/chart/").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"})
        )
    );

    let mut tampered = expired.clone();
    let token = tampered.token.clone().unwrap();
    // Change a character well inside the signature (the last one may only carry padding
    // bits), to one it certainly is not.
    let at = token.len() - 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    tampered.token = Some(format!("{}{swapped}{}", &token[..at], &token[at + 1..]));
    let (status, body) = tampered.get("/api/v1/chart/").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Signature verification failed"})
        )
    );

    let mut garbage = expired.clone();
    garbage.token = Some("abc.def".into());
    let (status, body) = garbage.get("/api/v1/chart/").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["msg"].is_string());

    let (status, body) = anonymous
        .send(
            anonymous
                .request(Method::GET, "/api/v1/chart/")
                .header("Authorization", "Token abc"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["msg"]
            .as_str()
            .unwrap()
            .starts_with("Missing 'Bearer' type")
    );
    // The server keeps serving after all of that.
    let (status, _) = anonymous.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}
both_backends!(token_errors);

async fn me_and_roles(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin().await;
    let (status, me) = admin.get("/api/v1/me/").await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&me, &golden("006_me.json"), "me");
    assert_eq!(me["result"]["username"], "admin");
    let (status, roles) = admin.get("/api/v1/me/roles/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        roles["result"]["roles"]["Admin"]
            .as_array()
            .unwrap()
            .contains(&json!(["can_read", "Chart"]))
    );
    let (status, body) = server.client().get("/api/v1/me/").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"message": "Not authorized"})
        )
    );
    server.stop().await;
}
both_backends!(me_and_roles);

/// A browser session (cookie) must send the CSRF token on writes; a Bearer client
/// need not.
async fn csrf_for_cookie_sessions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let browser = server.client();
    let response = browser
        .request(Method::POST, "/login/")
        .form(&[
            ("username", "admin"),
            ("password", tessera_blackbox::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    let (status, me) = browser
        .send(
            browser
                .request(Method::GET, "/api/v1/me/")
                .header("Cookie", &cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");

    let body = json!({"slice_name": "x", "datasource_id": 1, "datasource_type": "table"});
    let (status, err) = browser
        .send(
            browser
                .request(Method::POST, "/api/v1/chart/")
                .header("Cookie", &cookie)
                .json(&body),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["errors"][0]["message"],
        "400 Bad Request: The CSRF token is missing."
    );
    assert_same_shape(&err, &golden("008_error_csrf_missing.json"), "csrf");

    let (status, err) = browser
        .send(
            browser
                .request(Method::POST, "/api/v1/chart/")
                .header("Cookie", &cookie)
                .header("X-CSRFToken", "bogus")
                .json(&body),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err["errors"][0]["message"],
        "400 Bad Request: The CSRF token is invalid."
    );

    let (status, token) = browser
        .send(
            browser
                .request(Method::GET, "/api/v1/security/csrf_token/")
                .header("Cookie", &cookie),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape(&token, &golden("005_csrf_token.json"), "csrf_token");
    let (status, err) = browser
        .send(
            browser
                .request(Method::POST, "/api/v1/chart/")
                .header("Cookie", &cookie)
                .header("X-CSRFToken", token["result"].as_str().unwrap())
                .json(&body),
        )
        .await;
    // Past CSRF: the chart's dataset does not exist.
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    // Bearer alone needs no CSRF token.
    let admin = server.admin().await;
    let (status, _) = admin.post("/api/v1/chart/", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    server.stop().await;
}
both_backends!(csrf_for_cookie_sessions);

async fn health_metrics_openapi_and_404(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.client();
    assert_eq!(client.get("/health").await.0, StatusCode::OK);
    let (status, doc) = client.get("/api/v1/_openapi").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/v1/chart/{pk}"]["put"].is_object());
    assert!(doc["paths"]["/api/v1/security/login"]["post"].is_object());
    let (status, metrics) = client.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.as_str().unwrap().contains("http_requests_total"));

    let (status, body) = client
        .send(
            client
                .request(Method::GET, "/api/v1/no_such_resource/")
                .header("Accept", "application/json"),
        )
        .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::NOT_FOUND,
            &golden("093_error_unknown_route_404_accept_json.json")
        )
    );
    let (status, body) = client.get("/api/v1/no_such_resource/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.as_str().unwrap().contains("Not Found"));
    server.stop().await;
}
both_backends!(health_metrics_openapi_and_404);

/// Two processes starting at once on one fresh PostgreSQL store: migrations, roles and
/// the first admin are applied once, and both serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_postgres_store() {
    use sqlx::Connection;
    let name = format!("tessera_t_{}", uuid::Uuid::new_v4().simple());
    let admin_url = tessera_blackbox::postgres_admin_url();
    let mut conn = sqlx::PgConnection::connect(&format!("{admin_url}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let config = |dir: &str| tessera_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: std::env::temp_dir().join(format!("{name}_{dir}")),
        metadata_url: Some(format!("{admin_url}/{name}")),
        secret_key: Some("shared-secret".into()),
        admin_password: Some(tessera_blackbox::ADMIN_PASSWORD.into()),
        ..Default::default()
    };
    let (a, b) = (config("a"), config("b"));
    let (one, two) = tokio::join!(
        tessera_server::Server::start(&a),
        tessera_server::Server::start(&b)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.store.user_count().await.unwrap(), 1);
    // A token from one process is accepted by the other (shared secret and store).
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("http://{}/api/v1/security/login", one.addr))
        .json(&json!({"username": "admin", "password": tessera_blackbox::ADMIN_PASSWORD, "provider": "db"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status = client
        .get(format!("http://{}/api/v1/chart/", two.addr))
        .bearer_auth(login["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    one.shutdown().await.unwrap();
    two.shutdown().await.unwrap();
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    for dir in [a.data_dir, b.data_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! Test helpers (after roapi's `tests/helpers.rs`): start the real server on
//! 127.0.0.1:0 against a fresh metadata store of either backend, and drive it over HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use std::path::PathBuf;
use tessera_server::{Config, Server};

pub use tessera_store::Store;

pub mod sources;

pub const ADMIN_PASSWORD: &str = "admin-password";

/// Runs the test body `async fn name(backend: Backend)` once per metadata backend, as
/// the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the suite creates its throwaway databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

pub struct TestServer {
    pub base: String,
    pub store: Store,
    server: Option<Server>,
    data_dir: PathBuf,
    pg_database: Option<String>,
}

impl TestServer {
    pub async fn start(backend: Backend) -> TestServer {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server after `adjust` has changed its configuration.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let name = format!("tessera_t_{}", uuid::Uuid::new_v4().simple());
        let data_dir = std::env::temp_dir().join(&name);
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.clone(),
            admin_password: Some(ADMIN_PASSWORD.to_string()),
            secret_key: Some("test-secret".to_string()),
            // Shared by every test server, so each plugin is compiled once per machine.
            plugin_cache_dir: Some(std::env::temp_dir().join("tessera-test-plugin-cache")),
            ..Config::default()
        };
        create_examples(&data_dir.join("examples")).await;
        let pg_database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let mut conn = sqlx::PgConnection::connect(&format!("{admin}/postgres"))
                    .await
                    .expect("PostgreSQL must be reachable for the postgres half of the suite");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                config.metadata_url = Some(format!("{admin}/{name}"));
                Some(name)
            }
        };
        adjust(&mut config);
        let server = Server::start(&config).await.expect("server starts");
        TestServer {
            base: format!("http://{}", server.addr),
            store: server.store.clone(),
            server: Some(server),
            data_dir,
            pg_database,
        }
    }

    /// A SQLite database of this server's own, with the tables of Superset's examples
    /// that the golden files use (`sales`, `birth_names`).
    pub fn examples_uri(&self) -> String {
        format!("sqlite://{}", self.examples_path().display())
    }

    fn examples_path(&self) -> PathBuf {
        self.data_dir.join("examples").join("examples.db")
    }

    /// Adds a table `name (id INTEGER, name TEXT)` to the examples database.
    pub async fn create_example_table(&self, name: &str) {
        let mut conn = sqlite_file(&self.examples_path()).await;
        let quoted = name.replace('"', "\"\"");
        sqlx::query(&format!(
            "CREATE TABLE \"{quoted}\" (id INTEGER, name TEXT)"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    /// Runs one statement on the examples database (to change a table under a dataset).
    pub async fn alter_examples(&self, statement: &str) {
        let mut conn = sqlite_file(&self.examples_path()).await;
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }

    /// Stops the server and removes its metadata store.
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.unwrap();
        }
        if let Some(name) = self.pg_database.take() {
            let mut conn =
                sqlx::PgConnection::connect(&format!("{}/postgres", postgres_admin_url()))
                    .await
                    .unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }

    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// A client logged in as `username` with a Bearer token.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let mut client = self.client();
        let (status, body) = client
            .post(
                "/api/v1/security/login",
                json!({"username": username, "password": password, "provider": "db", "refresh": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login as {username}: {body}");
        client.token = Some(body["access_token"].as_str().unwrap().to_string());
        client
    }

    pub async fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with `role` through the store and logs them in.
    pub async fn user_with_role(&self, username: &str, role: &str) -> Client {
        self.user_with_roles(username, &[role]).await.0
    }

    /// Creates a user ("<username> Tester") with `roles` through the store, logs them in
    /// and returns the client with the user's id.
    pub async fn user_with_roles(&self, username: &str, roles: &[&str]) -> (Client, i64) {
        let hash = tessera_auth::hash_password(ADMIN_PASSWORD).unwrap();
        let id = self
            .store
            .create_user(&tessera_store::NewUser {
                username,
                first_name: username,
                last_name: "Tester",
                email: &format!("{username}@example.com"),
                password_hash: &hash,
                roles,
            })
            .await
            .unwrap();
        (self.login(username, ADMIN_PASSWORD).await, id)
    }

    /// The database `name` on the examples file, created through the store the first
    /// time it is asked for.
    pub async fn database(&self, name: &str) -> i64 {
        if let Some(id) = self.store.database_id_by_name(name).await.unwrap() {
            return id;
        }
        self.store
            .insert_database(
                uuid::Uuid::new_v4(),
                &tessera_model::DatabaseValues {
                    database_name: name.to_string(),
                    sqlalchemy_uri: self.examples_uri(),
                    expose_in_sqllab: true,
                    configuration_method: "sqlalchemy_form".into(),
                    ..Default::default()
                },
                None,
                1,
            )
            .await
            .unwrap()
    }

    /// `table` of this server's examples database as a dataset, both registered
    /// through the API (so the dataset's columns are read from the table).
    pub async fn examples_dataset(&self, admin: &Client, table: &str) -> i64 {
        let database = match self
            .store
            .database_id_by_name("golden examples")
            .await
            .unwrap()
        {
            Some(id) => id,
            None => {
                let (status, body) = admin
                    .post(
                        "/api/v1/database/",
                        json!({"database_name": "golden examples", "sqlalchemy_uri": self.examples_uri()}),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                body["id"].as_i64().unwrap()
            }
        };
        let (status, body) = admin
            .post(
                "/api/v1/dataset/",
                json!({"database": database, "schema": "main", "table_name": table}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// A database and a physical dataset on it, created through the store (connectors
    /// and table introspection are not part of these tests).
    pub async fn dataset(&self, table: &str) -> i64 {
        let db = self.database(&format!("db for {table}")).await;
        self.store
            .insert_dataset(
                uuid::Uuid::new_v4(),
                &tessera_model::DatasetValues {
                    table_name: table.into(),
                    database_id: db,
                    schema: Some("main".into()),
                    filter_select_enabled: true,
                    ..Default::default()
                },
                &[1],
                &[],
                &[],
                1,
            )
            .await
            .unwrap()
    }
}

/// An HTTP client bound to one server, optionally carrying a Bearer token.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Client {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        req
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = req.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    /// GET with `q` set to a Rison string (URL-encoded here).
    pub async fn get_q(&self, path: &str, q: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path).query(&[("q", q)]))
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PUT, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Creates a table chart on `dataset` through the API and returns its id; `extra`
    /// adds or overrides body fields.
    pub async fn create_chart(&self, name: &str, dataset: i64, extra: Value) -> i64 {
        let params = json!({"viz_type": "table", "groupby": ["region"], "metrics": ["count"]});
        let mut body = json!({"slice_name": name, "viz_type": "table", "datasource_id": dataset,
                              "datasource_type": "table", "params": params.to_string()});
        for (key, value) in extra.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        let (status, created) = self.post("/api/v1/chart/", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_i64().unwrap()
    }

    pub async fn delete_q(&self, path: &str, q: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path).query(&[("q", q)]))
            .await
    }
}

/// A recorded Superset response from `shared/reference/golden/`.
pub fn golden(name: &str) -> Value {
    recorded(name)["response"]["json"].clone()
}

/// The JSON body of a golden file's recorded request.
pub fn golden_request(name: &str) -> Value {
    recorded(name)["request"]["json"].clone()
}

/// A recorded file of `shared/reference/golden/` as it is (e.g. golden 066's ZIP).
pub fn golden_bytes(name: &str) -> Vec<u8> {
    let path = golden_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn recorded(name: &str) -> Value {
    let path = golden_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// `shared/reference/golden`, found beside the checkout or any folder above it (CI lays
/// `shared/` beside its clone).
fn golden_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/reference/golden"))
        .find(|dir| dir.is_dir())
        .expect("shared/reference/golden beside the checkout")
}

/// Asserts two JSON values have the same shape: the same keys at every object level and
/// the same JSON type at every leaf (null matches anything; arrays compare their first
/// element).
pub fn assert_same_shape(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (_, Value::Null) | (Value::Null, _) => {}
        (Value::Object(a), Value::Object(e)) => {
            let mut a_keys: Vec<&String> = a.keys().collect();
            let mut e_keys: Vec<&String> = e.keys().collect();
            a_keys.sort();
            e_keys.sort();
            assert_eq!(a_keys, e_keys, "keys differ at {at}");
            for (k, v) in e {
                assert_same_shape(&a[k], v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if let (Some(a0), Some(e0)) = (a.first(), e.first()) {
                assert_same_shape(a0, e0, &format!("{at}[0]"));
            }
        }
        (a, e) => assert_eq!(kind(a), kind(e), "type differs at {at}: {a} vs {e}"),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

async fn sqlite_file(path: &std::path::Path) -> sqlx::SqliteConnection {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap()
}

/// The examples database: golden 021-023's `sales` and `birth_names`, a few rows each.
async fn create_examples(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut conn = sqlite_file(&dir.join("examples.db")).await;
    for statement in [
        "CREATE TABLE sales (order_date DATE, region TEXT, product TEXT, quantity INTEGER, price REAL)",
        "INSERT INTO sales VALUES ('2024-01-05', 'EMEA', 'widget', 3, 9.5), ('2024-02-11', 'APAC', 'gadget', 1, 120.0)",
        "CREATE TABLE birth_names (ds DATE, gender TEXT, name TEXT, num INTEGER, state TEXT)",
        "INSERT INTO birth_names VALUES ('1965-01-01', 'girl', 'Amy', 120, 'CA')",
    ] {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
}

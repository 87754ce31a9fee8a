//! `/api/v1/database`: what needs the database itself, through its connector plugin:
//! `test_connection`, `available`, `schemas`, `catalogs`, `tables`, `table_metadata`,
//! `select_star`.

use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_model::Database;
use tessera_model::database::PASSWORD_MASK;
use tessera_plugin_host::{ConnectTarget, Connector, SqlDialect, TableKind};

use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::connections::{self, DatabaseSession};
use crate::error::{ApiError, ApiResult};
use crate::listing::{Q, schema_error};
use crate::principal::Caller;
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;

use super::database::{VIEW, visible_database};

pub fn routes(r: Routes) -> Routes {
    r.guarded(
        Method::POST,
        "/api/v1/database/test_connection",
        perm("can_write", VIEW),
        "Test a database connection without saving it",
        test_connection,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/available",
        perm("can_read", VIEW),
        "The engines the loaded connector plugins provide",
        available,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/catalogs",
        perm("can_read", VIEW),
        "A database's catalogs",
        catalogs,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/schemas",
        perm("can_read", VIEW),
        "A database's schemas",
        schemas,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/tables",
        perm("can_read", VIEW),
        "The tables and views of a schema",
        tables,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/table_metadata",
        perm("can_read", VIEW),
        "A table's columns, keys and indexes",
        table_metadata,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/table_metadata/extra",
        perm("can_read", VIEW),
        "Engine-specific table metadata",
        table_metadata_extra,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/select_star/{table}",
        perm("can_read", VIEW),
        "A SELECT * statement for a table",
        select_star,
    )
    .guarded(
        Method::GET,
        "/api/v1/database/{pk}/select_star/{table}/{schema}",
        perm("can_read", VIEW),
        "A SELECT * statement for a table of a schema",
        select_star,
    )
}

const TEST_FIELDS: &[Field] = &[
    Field::new("sqlalchemy_uri", FieldType::Str { min: 1, max: 1024 }).required(),
    Field::new("database_name", FieldType::Str { min: 0, max: 250 }),
    Field::new("impersonate_user", FieldType::Bool),
    Field::new("extra", FieldType::JsonStr),
    Field::new("masked_encrypted_extra", FieldType::JsonStr),
    Field::new("server_cert", FieldType::Any),
    Field::new("ssh_tunnel", FieldType::Any),
    Field::new("driver", FieldType::Any),
    Field::new("configuration_method", FieldType::Any),
    Field::new("allow_dml", FieldType::Bool),
];

/// `POST /database/test_connection/`: connects with the given URI and runs a trivial
/// query. A masked password means "the stored one of `database_name`".
async fn test_connection(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    validate(&body, TEST_FIELDS, StatusCode::BAD_REQUEST)?;
    let mut uri = body.str_of("sqlalchemy_uri").unwrap_or_default();
    if let Some(name) = body.str_of("database_name") {
        let masked = url::Url::parse(&uri).is_ok_and(|u| u.password() == Some(PASSWORD_MASK));
        if masked && let Some(id) = state.store.database_id_by_name(&name).await? {
            let stored = state.store.database(id).await?;
            uri = connections::real_uri(&uri, stored.password.as_deref());
        }
    }
    let target = ConnectTarget {
        uri,
        allow_dml: body.bool_of("allow_dml").unwrap_or(false),
        engine_params: connections::engine_params(&body.str_of("extra").unwrap_or_default()),
    };
    DatabaseSession::open(&state, &target).await?.test().await?;
    ok(json!({"message": "OK"}))
}

/// Superset lists these first, in this order; the rest follow by name.
const PREFERRED: &[&str] = &["PostgreSQL", "Presto", "MySQL", "SQLite"];

/// `GET /database/available/`: one entry per engine a loaded connector provides.
async fn available(State(state): State<AppState>) -> ApiResult<Json> {
    let mut connectors: Vec<&Connector> = state.plugins.connectors().iter().map(|c| &**c).collect();
    let rank = |c: &Connector| {
        let name = &c.description().engine_name;
        (
            PREFERRED
                .iter()
                .position(|p| p == name)
                .unwrap_or(PREFERRED.len()),
            name.clone(),
        )
    };
    connectors.sort_by_key(|c| rank(c));
    let databases: Vec<Value> = connectors
        .into_iter()
        .map(|c| {
            let d = c.description();
            let mut entry = json!({
                "available_drivers": [d.driver],
                "default_driver": d.driver,
                "engine": d.engine,
                "engine_information": super::database::engine_information(),
                "name": d.engine_name,
                "preferred": PREFERRED.contains(&d.engine_name.as_str()),
                "sqlalchemy_uri_placeholder": d.uri_placeholder,
                "supports_oauth2": false,
            });
            // Only engines with a dynamic form carry their parameter schema.
            let parameters = serde_json::from_str::<Value>(&d.parameter_schema)
                .ok()
                .filter(|p| p.get("properties").is_some());
            if let Some(parameters) = parameters {
                entry["parameters"] = parameters;
            }
            entry
        })
        .collect();
    ok(json!({"databases": databases}))
}

/// The stored database behind `pk`, or Superset's 404.
async fn database_of(state: &AppState, caller: &Caller, pk: &str) -> ApiResult<Database> {
    let id = pk.parse().map_err(|_| database_not_found())?;
    visible_database(state, caller, id)
        .await
        .map_err(|_| database_not_found())
}

fn database_not_found() -> ApiError {
    ApiError::Errors(
        StatusCode::NOT_FOUND,
        vec![ApiError::superset_error(
            "Database not found.",
            "DATABASE_NOT_FOUND_ERROR",
            "error",
        )],
    )
}

/// A session with a stored database.
async fn session_of(state: &AppState, database: &Database) -> ApiResult<DatabaseSession> {
    Ok(DatabaseSession::open(state, &connections::target_of(database)).await?)
}

async fn catalogs(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    database_of(&state, &caller, &pk).await?;
    ok(json!({"result": []}))
}

async fn schemas(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    q: Q,
) -> ApiResult<Json> {
    q.object()?;
    let database = database_of(&state, &caller, &pk).await?;
    let schemas = session_of(&state, &database).await?.list_schemas().await?;
    ok(json!({"result": schemas}))
}

async fn tables(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    q: Q,
) -> ApiResult<Json> {
    let args = q.object()?;
    let schema = match args.get("schema_name") {
        Some(Value::String(schema)) => schema.clone(),
        Some(other) => return Err(schema_error(&format!("{other} is not of type 'string'"))),
        None => return Err(schema_error("'schema_name' is a required property")),
    };
    let database = database_of(&state, &caller, &pk).await?;
    let tables = session_of(&state, &database)
        .await?
        .list_tables(&schema)
        .await?;
    let result: Vec<Value> = tables
        .into_iter()
        .map(|t| match t.kind {
            TableKind::Table => json!({"extra": null, "type": "table", "value": t.name}),
            TableKind::View => json!({"type": "view", "value": t.name}),
        })
        .collect();
    ok(json!({"count": result.len(), "result": result}))
}

#[derive(Deserialize)]
struct TableArgs {
    name: Option<String>,
    schema: Option<String>,
}

async fn table_metadata(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    Query(args): Query<TableArgs>,
) -> ApiResult<Json> {
    let Some(name) = args.name.filter(|n| !n.is_empty()) else {
        return Err(invalid_arguments("name: Missing data for required field."));
    };
    let database = database_of(&state, &caller, &pk).await?;
    let mut session = session_of(&state, &database).await?;
    let schema = args.schema.filter(|s| !s.is_empty());
    let described = session
        .table_schema(schema.as_deref(), &name)
        .await
        .map_err(|err| {
            if err.is_not_found() {
                table_not_found(&name)
            } else {
                err.into()
            }
        })?;
    let columns: Vec<Value> = described
        .columns
        .iter()
        .map(|c| {
            let long_type = c.type_name.to_uppercase();
            let short = long_type.split('(').next().unwrap_or_default().trim().to_owned();
            json!({"comment": c.comment, "keys": [], "longType": long_type, "name": c.name, "type": short})
        })
        .collect();
    let primary_key = if described.primary_key.is_empty() {
        json!({"constrained_columns": null, "name": null})
    } else {
        json!({"column_names": described.primary_key, "constrained_columns": described.primary_key, "name": null, "type": "pk"})
    };
    let column_names: Vec<&str> = described.columns.iter().map(|c| c.name.as_str()).collect();
    ok(json!({
        "columns": columns,
        "comment": described.comment,
        "foreignKeys": [],
        "indexes": [],
        "name": name,
        "primaryKey": primary_key,
        "selectStar": select_star_sql(session.dialect, schema.as_deref(), &name, &column_names),
    }))
}

async fn table_metadata_extra(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    database_of(&state, &caller, &pk).await?;
    ok(json!({}))
}

#[derive(Deserialize)]
struct SelectStarPath {
    pk: String,
    table: String,
    schema: Option<String>,
}

async fn select_star(
    State(state): State<AppState>,
    caller: Caller,
    Path(path): Path<SelectStarPath>,
) -> ApiResult<Json> {
    let database = database_of(&state, &caller, &path.pk).await?;
    let mut session = session_of(&state, &database).await?;
    // Superset answers 404 for a table it cannot see; the statement is only built for
    // tables that exist.
    session
        .table_schema(path.schema.as_deref(), &path.table)
        .await
        .map_err(|_| table_not_found(&path.table))?;
    let sql = select_star_sql(session.dialect, path.schema.as_deref(), &path.table, &[]);
    ok(json!({"result": sql}))
}

/// `SELECT *`, or the given columns, laid out as Superset's formatter prints it.
fn select_star_sql(
    dialect: SqlDialect,
    schema: Option<&str>,
    table: &str,
    columns: &[&str],
) -> String {
    let table = match schema {
        Some(schema) => format!("{}.{}", quote(dialect, schema), quote(dialect, table)),
        None => quote(dialect, table),
    };
    let selected = if columns.is_empty() {
        "*".to_owned()
    } else {
        let quoted: Vec<String> = columns.iter().map(|c| quote(dialect, c)).collect();
        quoted.join(",\n  ")
    };
    format!("SELECT\n  {selected}\nFROM {table}\nLIMIT 100\nOFFSET 0")
}

/// An identifier, quoted only when it needs it.
fn quote(dialect: SqlDialect, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        return name.to_owned();
    }
    match dialect {
        SqlDialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn table_not_found(name: &str) -> ApiError {
    ApiError::Errors(
        StatusCode::NOT_FOUND,
        vec![ApiError::superset_error(
            &format!("Table `{name}` not found"),
            "TABLE_NOT_FOUND_ERROR",
            "error",
        )],
    )
}

fn invalid_arguments(message: &str) -> ApiError {
    ApiError::Errors(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![ApiError::superset_error(
            message,
            "INVALID_PAYLOAD_SCHEMA_ERROR",
            "error",
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_star_quotes_only_what_needs_it() {
        assert_eq!(
            select_star_sql(SqlDialect::Sqlite, Some("main"), "sales", &[]),
            "SELECT\n  *\nFROM main.sales\nLIMIT 100\nOFFSET 0"
        );
        assert_eq!(
            select_star_sql(
                SqlDialect::Postgresql,
                None,
                "Sales \"Q1\"",
                &["id", "Name"]
            ),
            "SELECT\n  id,\n  \"Name\"\nFROM \"Sales \"\"Q1\"\"\"\nLIMIT 100\nOFFSET 0"
        );
        assert_eq!(quote(SqlDialect::Mysql, "my`table"), "`my``table`");
    }
}

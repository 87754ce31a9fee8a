//! `/api/v1/rowlevelsecurity`: the filters the engine adds to queries on their
//! datasets, for the members of their roles (Regular) or everyone else (Base).

use super::dedup;
use super::query::{parse_pk, show_response};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate, validate_partial};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListSpec, Q, list_page, related_ids};
use crate::principal::{Caller, Principal};
use crate::response::{Json, ok};
use crate::routes::{Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use tessera_model::{
    RlsClause, RlsFilter, RlsFilterType, RlsFilterValues, Timestamp, rls_predicate,
};
use tessera_store::{DATASETS, FilterOp, RLS_FILTERS, ROLES};

const VIEW: &str = "Row Level Security";

pub fn routes(r: Routes) -> Routes {
    let read = perm("can_read", VIEW);
    let write = perm("can_write", VIEW);
    r.guarded(
        Method::GET,
        "/api/v1/rowlevelsecurity",
        read,
        "List row-level security filters",
        list,
    )
    .guarded(
        Method::POST,
        "/api/v1/rowlevelsecurity",
        write,
        "Create a row-level security filter",
        create,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/rowlevelsecurity",
        write,
        "Delete row-level security filters in bulk",
        bulk_delete,
    )
    .guarded(
        Method::GET,
        "/api/v1/rowlevelsecurity/related/{column}",
        read,
        "Datasets, roles or users a filter may name",
        related,
    )
    .guarded(
        Method::GET,
        "/api/v1/rowlevelsecurity/{pk}",
        read,
        "Get a row-level security filter",
        get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/rowlevelsecurity/{pk}",
        write,
        "Update a row-level security filter",
        update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/rowlevelsecurity/{pk}",
        write,
        "Delete a row-level security filter",
        delete,
    )
}

const TEXT: FieldType = FieldType::Str {
    min: 0,
    max: usize::MAX,
};

/// `RLSPostSchema`; `RLSPutSchema` is the same with nothing required.
const FIELDS: &[Field] = &[
    Field::new("name", FieldType::Str { min: 1, max: 255 })
        .required()
        .not_null(),
    Field::new("description", TEXT),
    Field::new("filter_type", FieldType::OneOf(&["Regular", "Base"]))
        .required()
        .not_null(),
    Field::new("tables", FieldType::IntList)
        .required()
        .not_null(),
    Field::new("roles", FieldType::IntList)
        .required()
        .not_null(),
    Field::new("group_key", TEXT),
    Field::new("clause", TEXT).required().not_null(),
];

static LIST: ListSpec = ListSpec {
    resource: &RLS_FILTERS,
    list_columns: &[
        "changed_by.first_name",
        "changed_by.id",
        "changed_by.last_name",
        "changed_on_delta_humanized",
        "clause",
        "description",
        "filter_type",
        "group_key",
        "id",
        "name",
        "roles.id",
        "roles.name",
        "tables.id",
        "tables.schema",
        "tables.table_name",
    ],
    title: "List Row Level Security",
    max_page_size: Some(100),
};

const SHOW_COLUMNS: &[&str] = &[
    "clause",
    "description",
    "filter_type",
    "group_key",
    "id",
    "name",
    "roles.id",
    "roles.name",
    "tables.id",
    "tables.schema",
    "tables.table_name",
];

fn full_row(f: &RlsFilter, now: Timestamp) -> Map<String, Value> {
    let v = &f.values;
    let mut row = json!({
        "changed_by": super::user_brief(&f.audit.changed_by),
        "changed_on_delta_humanized": f.audit.changed_on.humanize(now),
        "clause": v.clause,
        "description": v.description,
        "filter_type": v.filter_type.as_str(),
        "group_key": v.group_key,
        "id": f.id,
        "name": v.name,
        "roles": f.roles.iter().map(|r| json!({"id": r.id, "name": r.name})).collect::<Vec<_>>(),
        "tables": f.tables.iter()
            .map(|t| json!({"id": t.id, "schema": t.schema, "table_name": t.table_name}))
            .collect::<Vec<_>>(),
    });
    std::mem::take(row.as_object_mut().expect("an object literal"))
}

/// The editable columns as Superset echoes them after a write (ids for links).
fn values_json(v: &RlsFilterValues) -> Value {
    json!({
        "clause": v.clause,
        "description": v.description,
        "filter_type": v.filter_type.as_str(),
        "group_key": v.group_key,
        "name": v.name,
        "roles": v.role_ids,
        "tables": v.table_ids,
    })
}

async fn list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    list_page(
        &state,
        &caller,
        &q,
        &LIST,
        async |ids| state.store.rls_filters(ids).await,
        full_row,
    )
    .await
}

/// `related/tables` (text `schema.table`, as Superset's dataset names read),
/// `related/roles`, and the users of `created_by`/`changed_by`.
async fn related(
    State(state): State<AppState>,
    caller: Caller,
    q: Q,
    Path(column): Path<String>,
) -> ApiResult<Json> {
    let (count, result): (i64, Vec<Value>) = match column.as_str() {
        "tables" => {
            let (count, ids) = related_ids(
                &state,
                &caller,
                &q,
                &DATASETS,
                "table_name",
                FilterOp::Contains,
            )
            .await?;
            let datasets = state.store.datasets(&ids).await?;
            let rows = datasets.iter().map(|d| {
                let v = &d.values;
                let text = match v.schema.as_deref() {
                    Some(schema) if !schema.is_empty() => format!("{schema}.{}", v.table_name),
                    _ => v.table_name.clone(),
                };
                json!({"extra": {}, "text": text, "value": d.id})
            });
            (count, rows.collect())
        }
        "roles" => {
            let (count, ids) =
                related_ids(&state, &caller, &q, &ROLES, "name", FilterOp::Contains).await?;
            let roles = state.store.roles(&ids).await?;
            let rows = roles
                .iter()
                .map(|r| json!({"extra": {}, "text": r.name, "value": r.id}));
            (count, rows.collect())
        }
        other => {
            return crate::listing::related_users(&state, &q, other, &["created_by", "changed_by"])
                .await;
        }
    };
    ok(json!({"count": count, "result": result}))
}

async fn get(State(state): State<AppState>, q: Q, Path(pk): Path<String>) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let filter = state.store.rls_filter(id).await?;
    show_response(
        &q,
        id,
        SHOW_COLUMNS,
        "Show Row Level Security",
        full_row(&filter, Timestamp::now()),
    )
}

/// Applies a validated body to `values`; with `creating`, every required field must
/// be there. Datasets and roles must exist (422 otherwise, as Superset's commands).
async fn load(
    state: &AppState,
    body: &Map<String, Value>,
    values: &mut RlsFilterValues,
    creating: bool,
) -> ApiResult<()> {
    if creating {
        validate(body, FIELDS, StatusCode::BAD_REQUEST)?;
    } else {
        validate_partial(body, FIELDS, StatusCode::BAD_REQUEST)?;
    }
    if let Some(tables) = body.ints_of("tables") {
        if tables.is_empty() {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "tables",
                "Shorter than minimum length 1.",
            ));
        }
        values.table_ids = dedup(&tables);
    }
    if let Some(roles) = body.ints_of("roles") {
        values.role_ids = dedup(&roles);
    }
    if let Some(name) = body.str_of("name") {
        values.name = name;
    }
    if let Some(clause) = body.str_of("clause") {
        values.clause = clause;
    }
    if let Some(kind) = body
        .str_of("filter_type")
        .as_deref()
        .and_then(RlsFilterType::parse)
    {
        values.filter_type = kind;
    }
    if body.has("description") {
        values.description = body.str_of("description");
    }
    if body.has("group_key") {
        values.group_key = body.str_of("group_key").filter(|k| !k.is_empty());
    }
    let datasets = state.store.existing_dataset_ids(&values.table_ids).await?;
    if datasets.len() != values.table_ids.len() {
        return Err(ApiError::unprocessable("Datasource does not exist"));
    }
    let roles = state.store.existing_role_ids(&values.role_ids).await?;
    if roles.len() != values.role_ids.len() {
        return Err(ApiError::unprocessable("Some roles do not exist"));
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    let mut values = RlsFilterValues {
        name: String::new(),
        description: None,
        filter_type: RlsFilterType::Regular,
        group_key: None,
        clause: String::new(),
        table_ids: vec![],
        role_ids: vec![],
    };
    load(&state, &body, &mut values, true).await?;
    let id = state
        .store
        .insert_rls_filter(&values, caller.id())
        .await
        .map_err(conflict_as_422)?;
    Ok((
        StatusCode::CREATED,
        crate::response::json(&json!({"id": id, "result": values_json(&values)})),
    ))
}

async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let mut values = state.store.rls_filter(id).await?.values;
    load(&state, &body, &mut values, false).await?;
    state
        .store
        .update_rls_filter(id, &values, caller.id())
        .await
        .map_err(conflict_as_422)?;
    ok(json!({"id": id, "result": values_json(&values)}))
}

fn conflict_as_422(err: tessera_store::StoreError) -> ApiError {
    match err {
        tessera_store::StoreError::Conflict(_) => ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
            "Name must be unique",
        ),
        other => other.into(),
    }
}

async fn delete(State(state): State<AppState>, Path(pk): Path<String>) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    state.store.delete_rls_filters(&[id]).await?;
    ok(json!({"message": "OK"}))
}

async fn bulk_delete(State(state): State<AppState>, q: Q) -> ApiResult<Json> {
    let ids = dedup(&q.ids()?);
    state.store.delete_rls_filters(&ids).await?;
    ok(json!({"message": format!("Deleted {} rules", ids.len())}))
}

/// The row-level security predicate for `caller`'s queries on `dataset_id`: the
/// filters of their roles (a guest's: the guest role's), plus a guest token's rules for
/// this dataset or for every dataset.
pub async fn row_filter(
    state: &AppState,
    caller: &Principal,
    dataset_id: i64,
) -> ApiResult<Option<String>> {
    let (role_ids, mut own): (Vec<i64>, Vec<RlsClause>) = match &caller.guest {
        Some(guest) => (
            guest.role_id.into_iter().collect(),
            guest
                .rls_rules
                .iter()
                .filter(|r| r.dataset.is_none_or(|d| d == dataset_id))
                .map(|r| RlsClause {
                    group_key: None,
                    clause: r.clause.clone(),
                })
                .collect(),
        ),
        None => (caller.user.roles.iter().map(|r| r.id).collect(), vec![]),
    };
    let mut clauses = state.store.rls_clauses(dataset_id, &role_ids).await?;
    clauses.append(&mut own);
    Ok(rls_predicate(&clauses))
}

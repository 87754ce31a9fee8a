//! FAB's generic list, `_info`, and single-item conventions over the store's list
//! machinery: Rison `q` parsing, filter validation, `columns` projection, labels.

use crate::body::{Field, FieldType};
use crate::error::{ApiError, ApiResult};
use crate::principal::Principal;
use crate::response::{Json, ok};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Map, Value, json};
use tessera_model::Timestamp;
use tessera_store::FavoriteClass;
use tessera_store::list::{Kind, OrderColumn, SearchColumn};
use tessera_store::{Filter, FilterOp, FilterValue, ListQuery, Order, Page, Resource};

/// FAB's default page size and cap.
const DEFAULT_PAGE_SIZE: i64 = 20;
const MAX_PAGE_SIZE: i64 = 100;

/// The decoded `q` query parameter (Rison, or JSON as a fallback); `None` when absent.
pub struct Q(pub Option<Value>);

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(query) = parts.uri.query() else {
            return Ok(Q(None));
        };
        let q = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned());
        match q.as_deref() {
            None | Some("") => Ok(Q(None)),
            Some(text) => tessera_rison::parse_q(text)
                .map(|v| Q(Some(v)))
                .map_err(|_| ApiError::bad_request("Not a valid rison/json argument")),
        }
    }
}

impl Q {
    /// The object form of `q` (`(a:1)`); a schema error for anything else.
    pub fn object(&self) -> ApiResult<Map<String, Value>> {
        match &self.0 {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(other) => Err(schema_error(&format!("{other} is not of type 'object'"))),
        }
    }

    /// The bare-array form of `q` used by bulk endpoints (`!(1,2,3)`).
    pub fn ids(&self) -> ApiResult<Vec<i64>> {
        match &self.0 {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_i64()
                        .ok_or_else(|| schema_error(&format!("{v} is not of type 'integer'")))
                })
                .collect(),
            Some(other) => Err(schema_error(&format!("{other} is not of type 'array'"))),
            None => Err(schema_error("None is not of type 'array'")),
        }
    }
}

pub fn schema_error(detail: &str) -> ApiError {
    ApiError::bad_request(format!("Not a valid rison schema {detail}"))
}

/// Static description of a listable resource, as FAB's `ModelRestApi` class attributes.
pub struct ListSpec {
    pub resource: &'static Resource,
    pub list_columns: &'static [&'static str],
    /// `list_title`, e.g. "List Slice".
    pub title: &'static str,
    /// `None` for the database list, which is uncapped.
    pub max_page_size: Option<i64>,
}

/// The arguments of one list request.
pub struct ListArgs {
    pub query: ListQuery,
    pub columns: Vec<String>,
    /// Whether the client chose the columns (then `order_columns` is narrowed to them).
    chosen_columns: bool,
    keys: Vec<String>,
}

impl ListArgs {
    pub fn parse(q: &Q, spec: &ListSpec, caller: &Principal) -> ApiResult<Self> {
        let args = q.object()?;
        let mut filters = vec![];
        if let Some(raw) = args.get("filters") {
            let items = raw
                .as_array()
                .ok_or_else(|| schema_error(&format!("{raw} is not of type 'array'")))?;
            for item in items {
                filters.push(parse_filter(item, spec.resource)?);
            }
        }
        let order = match args.get("order_column") {
            None => None,
            Some(Value::String(name)) => {
                let column = spec.resource.order_column(name).ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid order by column: {name}"))
                })?;
                let descending = match args.get("order_direction").and_then(Value::as_str) {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(other) => {
                        return Err(schema_error(&format!(
                            "'{other}' is not one of ['asc', 'desc']"
                        )));
                    }
                };
                Some(Order { column, descending })
            }
            Some(other) => return Err(schema_error(&format!("{other} is not of type 'string'"))),
        };
        let int = |key: &str| -> ApiResult<Option<i64>> {
            match args.get(key) {
                None => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| schema_error(&format!("{v} is not of type 'integer'"))),
            }
        };
        let index = int("page")?.unwrap_or(0).max(0);
        let size = page_size(int("page_size")?, spec.max_page_size);
        let strings = |key: &str| -> ApiResult<Option<Vec<String>>> {
            match args.get(key) {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| schema_error(&format!("{v} is not of type 'string'")))
                    })
                    .collect::<ApiResult<Vec<_>>>()
                    .map(Some),
                Some(other) => Err(schema_error(&format!("{other} is not of type 'array'"))),
            }
        };
        let chosen = strings("columns")?.or(strings("select_columns")?);
        let columns = match (strings("columns")?, strings("select_columns")?) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "Cannot use both select and sel columns",
                ));
            }
            (Some(c), None) | (None, Some(c)) => c
                .into_iter()
                .filter(|c| spec.list_columns.contains(&c.as_str()))
                .collect(),
            (None, None) => spec.list_columns.iter().map(|c| c.to_string()).collect(),
        };
        Ok(ListArgs {
            query: ListQuery {
                viewer: caller.id(),
                visibility: caller.visibility(),
                filters,
                order,
                page: Page { index, size },
            },
            columns,
            chosen_columns: chosen.is_some(),
            keys: strings("keys")?.unwrap_or_default(),
        })
    }

    /// FAB's list response: `count`, `ids`, `result` plus the metadata keys asked for.
    pub fn response(
        &self,
        spec: &ListSpec,
        count: i64,
        ids: &[i64],
        rows: Vec<Map<String, Value>>,
    ) -> Value {
        let mut body = Map::new();
        body.insert("count".into(), json!(count));
        body.insert("ids".into(), json!(ids));
        let result: Vec<Value> = rows
            .into_iter()
            .map(|row| project(row, &self.columns))
            .collect();
        body.insert("result".into(), Value::Array(result));
        let wants = |key: &str| {
            if self.keys.iter().any(|k| k == "none") {
                return false;
            }
            self.keys.is_empty() || self.keys.iter().any(|k| k == key)
        };
        if wants("list_columns") {
            body.insert("list_columns".into(), json!(self.columns));
        }
        if wants("label_columns") {
            body.insert("label_columns".into(), labels(&self.columns));
        }
        if wants("order_columns") {
            let order: Vec<&str> = spec
                .resource
                .order
                .iter()
                .map(|c: &OrderColumn| c.name)
                .filter(|name| !self.chosen_columns || self.columns.iter().any(|c| c == name))
                .collect();
            body.insert("order_columns".into(), json!(order));
        }
        if wants("description_columns") {
            body.insert("description_columns".into(), json!({}));
        }
        if wants("list_title") {
            body.insert("list_title".into(), json!(spec.title));
        }
        Value::Object(body)
    }
}

fn parse_filter(item: &Value, resource: &Resource) -> ApiResult<Filter> {
    let obj = item
        .as_object()
        .ok_or_else(|| schema_error(&format!("{item} is not of type 'object'")))?;
    for key in ["col", "opr", "value"] {
        if !obj.contains_key(key) {
            return Err(schema_error(&format!("'{key}' is a required property")));
        }
    }
    let col = obj["col"].as_str().unwrap_or_default();
    let opr = obj["opr"].as_str().unwrap_or_default();
    let column = resource.search_column(col).ok_or_else(|| {
        ApiError::bad_request(format!("Filter column: {col} not allowed to filter"))
    })?;
    let op = column
        .operators()
        .into_iter()
        .find(|op| op.name() == opr)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Filter operation: {opr} not allowed on column: {col}"
            ))
        })?;
    let value = coerce(column, op, &obj["value"])?;
    Ok(Filter { column, op, value })
}

/// Converts a filter value to what the column compares against.
fn coerce(column: &SearchColumn, op: FilterOp, value: &Value) -> ApiResult<FilterValue> {
    let invalid = || {
        ApiError::bad_request(format!(
            "Filter value {value} not valid for column: {}",
            column.name
        ))
    };
    if let FilterOp::Custom(_) = op {
        return Ok(match value {
            Value::Bool(b) => FilterValue::Bool(*b),
            Value::Number(n) => FilterValue::Int(n.as_i64().ok_or_else(invalid)?),
            Value::String(s) => FilterValue::Text(s.clone()),
            _ => FilterValue::Text(String::new()),
        });
    }
    let scalar = |v: &Value| -> ApiResult<FilterValue> {
        match column.kind {
            Kind::Text => match v {
                Value::String(s) => Ok(FilterValue::Text(s.clone())),
                Value::Number(n) => Ok(FilterValue::Text(n.to_string())),
                Value::Bool(b) => Ok(FilterValue::Text(b.to_string())),
                _ => Err(invalid()),
            },
            Kind::Int | Kind::ManyToOne | Kind::ManyToMany(..) => match v {
                Value::Number(n) => n.as_i64().map(FilterValue::Int).ok_or_else(invalid),
                Value::String(s) => s
                    .trim()
                    .parse()
                    .map(FilterValue::Int)
                    .map_err(|_| invalid()),
                _ => Err(invalid()),
            },
            Kind::Bool => match v {
                Value::Bool(b) => Ok(FilterValue::Bool(*b)),
                Value::String(s) if s == "true" || s == "false" => {
                    Ok(FilterValue::Bool(s == "true"))
                }
                _ => Err(invalid()),
            },
            Kind::Time => match v {
                Value::Number(n) => n.as_i64().map(FilterValue::Int).ok_or_else(invalid),
                Value::String(s) => parse_time(s).map(FilterValue::Int).ok_or_else(invalid),
                _ => Err(invalid()),
            },
        }
    };
    match (op, value) {
        (FilterOp::In | FilterOp::NotIn | FilterOp::RelManyToMany, Value::Array(items)) => {
            let values = items.iter().map(scalar).collect::<ApiResult<Vec<_>>>()?;
            let mut ints = vec![];
            let mut texts = vec![];
            for v in values {
                match v {
                    FilterValue::Int(i) => ints.push(i),
                    FilterValue::Text(t) => texts.push(t),
                    _ => return Err(invalid()),
                }
            }
            Ok(if texts.is_empty() {
                FilterValue::Ints(ints)
            } else {
                FilterValue::Texts(texts)
            })
        }
        (_, Value::Array(_)) => Err(invalid()),
        (FilterOp::In | FilterOp::NotIn, v) => match scalar(v)? {
            FilterValue::Int(i) => Ok(FilterValue::Ints(vec![i])),
            FilterValue::Text(t) => Ok(FilterValue::Texts(vec![t])),
            _ => Err(invalid()),
        },
        (_, v) => scalar(v),
    }
}

/// An ISO date or datetime as epoch microseconds.
fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('Z');
    let date_time = if text.len() == 10 {
        format!("{text}T00:00:00")
    } else {
        text.to_string()
    };
    let parsed = chrono_like::parse(&date_time)?;
    Some(parsed)
}

mod chrono_like {
    //! A minimal `YYYY-MM-DDTHH:MM:SS[.ffffff]` parser, enough for list filters.

    pub fn parse(text: &str) -> Option<i64> {
        let (date, time) = text.split_once(['T', ' '])?;
        let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
        let (y, m, day) = (d.next()??, d.next()??, d.next()??);
        let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
        let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
        let (h, min, s) = (t.next()??, t.next()??, t.next().flatten().unwrap_or(0));
        let micros: i64 = format!("{frac:0<6}").get(..6)?.parse().ok()?;
        if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
            return None;
        }
        Some((days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + s) * 1_000_000 + micros)
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

/// Keeps only `columns` of a full row; dotted names pick fields of nested objects (or of
/// every element of a nested array), as FAB's serialiser does. Values are moved, not
/// copied, and a nested value that already has exactly the asked-for fields is moved
/// whole: a list page is mostly this.
pub fn project(mut row: Map<String, Value>, columns: &[String]) -> Value {
    // Dotted columns grouped by relation, in order of first appearance.
    let mut relations: Vec<(&str, Vec<&str>)> = vec![];
    let mut out = Map::new();
    for column in columns {
        match column.split_once('.') {
            None => {
                if let Some(v) = row.remove(column) {
                    out.insert(column.clone(), v);
                }
            }
            Some((relation, field)) => match relations.iter_mut().find(|(r, _)| *r == relation) {
                Some((_, fields)) => fields.push(field),
                None => relations.push((relation, vec![field])),
            },
        }
    }
    for (relation, fields) in relations {
        let Some(full) = row.remove(relation) else {
            continue;
        };
        let exactly = |obj: &Map<String, Value>| {
            obj.len() == fields.len() && fields.iter().all(|f| obj.contains_key(*f))
        };
        let pick = |mut obj: Value| -> Value {
            match obj.as_object_mut() {
                Some(map) if exactly(map) => obj,
                Some(map) => Value::Object(
                    fields
                        .iter()
                        .map(|f| (f.to_string(), map.remove(*f).unwrap_or(Value::Null)))
                        .collect(),
                ),
                None => Value::Null,
            }
        };
        let projected = match full {
            Value::Array(items) => Value::Array(items.into_iter().map(pick).collect()),
            obj @ Value::Object(_) => pick(obj),
            _ => Value::Null,
        };
        out.insert(relation.to_string(), projected);
    }
    Value::Object(out)
}

/// FAB's `label_columns`: each name prettified ("changed_by.first_name" ->
/// "Changed By First Name").
pub fn labels(columns: &[impl AsRef<str>]) -> Value {
    let mut out = Map::new();
    for c in columns {
        out.insert(c.as_ref().to_string(), json!(prettify(c.as_ref())));
    }
    Value::Object(out)
}

fn prettify(name: &str) -> String {
    name.split(['.', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// `_info`'s `filters` map: every search column with its operators.
pub fn info_filters(resource: &Resource) -> Value {
    let mut out = Map::new();
    for column in resource.search {
        let ops: Vec<Value> = column
            .operators()
            .into_iter()
            .map(|op| json!({"name": op.label(), "operator": op.name()}))
            .collect();
        out.insert(column.name.to_string(), Value::Array(ops));
    }
    Value::Object(out)
}

/// Whether the caller's visibility rules let them see object `id`.
pub async fn is_visible(
    state: &AppState,
    resource: &'static Resource,
    caller: &Principal,
    id: i64,
) -> ApiResult<bool> {
    Ok(state
        .store
        .is_visible(resource, &caller.visibility(), caller.id(), id)
        .await?)
}

/// FAB's `_info`: the columns a client may add and edit, the filters, and the caller's
/// permissions on the view; `q=(keys:!(...))` narrows it.
pub fn info_response(
    q: &Q,
    caller: &Principal,
    view: &str,
    filters: Value,
    add: &[Field],
    edit: &[Field],
    model: &str,
) -> ApiResult<Json> {
    let args = q.object()?;
    let keys: Vec<String> = args
        .get("keys")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let wants = |key: &str| keys.is_empty() || keys.iter().any(|k| k == key);
    let describe = |fields: &[Field]| -> Value {
        fields
            .iter()
            .map(|f| {
                json!({"name": f.name, "label": prettify(f.name), "description": "", "type": type_name(f.ty),
                       "required": f.required, "unique": false, "validate": []})
            })
            .collect()
    };
    let mut body = Map::new();
    if wants("add_columns") {
        body.insert("add_columns".into(), describe(add));
    }
    if wants("edit_columns") {
        body.insert("edit_columns".into(), describe(edit));
    }
    if wants("filters") {
        body.insert("filters".into(), filters);
    }
    if wants("permissions") {
        // Superset's views hold the first four; FAB's security views the rest.
        let perms: Vec<&str> = [
            "can_read",
            "can_export",
            "can_write",
            "can_upload",
            "can_get",
            "can_post",
            "can_put",
            "can_delete",
            "can_info",
        ]
        .into_iter()
        .filter(|p| caller.can(p, view))
        .collect();
        body.insert("permissions".into(), json!(perms));
    }
    if wants("add_title") {
        body.insert("add_title".into(), json!(format!("Add {model}")));
    }
    if wants("edit_title") {
        body.insert("edit_title".into(), json!(format!("Edit {model}")));
    }
    ok(Value::Object(body))
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Str { .. } | FieldType::JsonStr | FieldType::OneOf(_) => "String",
        FieldType::Int => "Integer",
        FieldType::Bool => "Boolean",
        FieldType::IntList | FieldType::StrList => "List",
        FieldType::Any => "Raw",
    }
}

/// FAB's page-size rule: absent or 0 means 20; negative or above the cap means the
/// cap, or every row where there is none.
fn page_size(requested: Option<i64>, max: Option<i64>) -> Option<i64> {
    match (requested, max) {
        (None | Some(0), _) => Some(DEFAULT_PAGE_SIZE),
        (Some(n), None) if n < 0 => None,
        (Some(n), Some(max)) if n < 0 || n > max => Some(max),
        (Some(n), _) => Some(n),
    }
}

/// The `filter` text and paging of the `related/<column>` endpoints.
pub fn related_args(q: &Q) -> ApiResult<(String, Page)> {
    let args = q.object()?;
    let filter = args
        .get("filter")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let index = args.get("page").and_then(Value::as_i64).unwrap_or(0).max(0);
    let size = page_size(
        args.get("page_size").and_then(Value::as_i64),
        Some(MAX_PAGE_SIZE),
    );
    Ok((filter, Page { index, size }))
}

/// The page of `resource` a `related/<column>` request asks for: the objects the caller
/// may see whose `name_column` matches the `filter` by `op`, ordered by that column.
pub async fn related_ids(
    state: &AppState,
    caller: &Principal,
    q: &Q,
    resource: &'static Resource,
    name_column: &str,
    op: FilterOp,
) -> ApiResult<(i64, Vec<i64>)> {
    let (filter, page) = related_args(q)?;
    let column = resource
        .search_column(name_column)
        .ok_or_else(|| ApiError::Internal(format!("no search column {name_column}")))?;
    let filters = if filter.is_empty() {
        vec![]
    } else {
        vec![Filter {
            column,
            op,
            value: FilterValue::Text(filter),
        }]
    };
    let order = resource.order_column(name_column).map(|column| Order {
        column,
        descending: false,
    });
    let query = ListQuery {
        viewer: caller.id(),
        visibility: caller.visibility(),
        filters,
        order,
        page,
    };
    Ok(state.store.list_ids(resource, &query).await?)
}

/// `GET /<resource>/related/<column>` for the user columns in `user_columns`: users as
/// `{value, text, extra}`; any other column is 404.
pub async fn related_users(
    state: &AppState,
    q: &Q,
    column: &str,
    user_columns: &[&str],
) -> ApiResult<Json> {
    if !user_columns.contains(&column) {
        return Err(ApiError::not_found());
    }
    let (filter, page) = related_args(q)?;
    let (count, users) = state.store.users_page(&filter, page).await?;
    let result: Vec<Value> = users
        .iter()
        .map(|u| json!({"extra": {"active": u.active, "email": u.email}, "text": u.full_name(), "value": u.id}))
        .collect();
    ok(json!({"count": count, "result": result}))
}

/// One page of a resource's list: the ids the query selects, the objects `load` reads
/// for them, each rendered by `row`, narrowed to the requested columns.
pub async fn list_page<T>(
    state: &AppState,
    caller: &Principal,
    q: &Q,
    spec: &ListSpec,
    load: impl AsyncFnOnce(&[i64]) -> tessera_store::Result<Vec<T>>,
    row: impl Fn(&T, Timestamp) -> Map<String, Value>,
) -> ApiResult<Json> {
    let args = ListArgs::parse(q, spec, caller)?;
    let (count, ids) = state.store.list_ids(spec.resource, &args.query).await?;
    let now = Timestamp::now();
    let rows = load(&ids).await?.iter().map(|o| row(o, now)).collect();
    ok(args.response(spec, count, &ids, rows))
}

/// `POST` (star) or `DELETE` (unstar) `/<resource>/<pk>/favorites/` on an object the
/// caller can see.
pub async fn set_favorite(
    state: &AppState,
    caller: &Principal,
    resource: &'static Resource,
    class: FavoriteClass,
    pk: i64,
    starred: bool,
) -> ApiResult<Json> {
    if !is_visible(state, resource, caller, pk).await?
        || !state.store.object_exists(resource, pk).await?
    {
        return Err(ApiError::not_found());
    }
    if starred {
        state.store.add_favorite(caller.id(), class, pk).await?;
    } else {
        state.store.remove_favorite(caller.id(), class, pk).await?;
    }
    ok(json!({"result": "OK"}))
}

/// `GET /<resource>/favorite_status/?q=!(ids)`.
pub async fn favorite_status(
    state: &AppState,
    caller: &Principal,
    class: FavoriteClass,
    q: &Q,
) -> ApiResult<Json> {
    let ids = q.ids()?;
    let starred = state.store.favorite_ids(caller.id(), class, &ids).await?;
    let result: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "value": starred.contains(id)}))
        .collect();
    ok(json!({"result": result}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_dotted_columns_into_nested_objects() {
        let row = json!({"id": 1, "owners": [{"id": 1, "first_name": "A", "last_name": "B"}],
                         "changed_by": {"id": 2, "first_name": "C"}, "table": null})
        .as_object()
        .unwrap()
        .clone();
        let cols: Vec<String> = [
            "id",
            "owners.id",
            "owners.first_name",
            "changed_by.first_name",
            "table.table_name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            project(row, &cols),
            json!({"id": 1, "owners": [{"id": 1, "first_name": "A"}], "changed_by": {"first_name": "C"}, "table": null})
        );
    }

    #[test]
    fn labels_like_fab() {
        assert_eq!(prettify("changed_by.first_name"), "Changed By First Name");
        assert_eq!(prettify("id"), "Id");
    }

    #[test]
    fn parses_iso_times() {
        assert_eq!(
            chrono_like::parse("1970-01-02T00:00:01"),
            Some(86_401_000_000)
        );
        assert_eq!(parse_time("2026-11-28"), parse_time("2026-11-28T00:00:00"));
        assert_eq!(chrono_like::parse("nonsense"), None);
    }
}

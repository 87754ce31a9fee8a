//! Lists filtered, ordered and paged in SQL. Each resource describes the columns a
//! client may search and order by ([`Resource`]); the API validates a request against
//! that description and hands over typed [`Filter`]s, so nothing here sees raw input.

use crate::sql::Sql;
use crate::{Backend, Result, Store};

/// FAB's filter operators plus Superset's custom ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Neq,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Contains,
    NotContains,
    Gt,
    Lt,
    In,
    NotIn,
    RelOneToMany,
    NotRelOneToMany,
    RelManyToMany,
    /// Superset's resource-specific operators (`chart_all_text`, `title_or_slug`, ...).
    Custom(&'static str),
}

impl FilterOp {
    pub fn name(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Neq => "neq",
            FilterOp::StartsWith => "sw",
            FilterOp::NotStartsWith => "nsw",
            FilterOp::EndsWith => "ew",
            FilterOp::NotEndsWith => "new",
            FilterOp::Contains => "ct",
            FilterOp::NotContains => "nct",
            FilterOp::Gt => "gt",
            FilterOp::Lt => "lt",
            FilterOp::In => "in",
            FilterOp::NotIn => "not_in",
            FilterOp::RelOneToMany => "rel_o_m",
            FilterOp::NotRelOneToMany => "nrel_o_m",
            FilterOp::RelManyToMany => "rel_m_m",
            FilterOp::Custom(name) => name,
        }
    }

    /// The label `_info` shows for the operator.
    pub fn label(self) -> &'static str {
        match self {
            FilterOp::Eq => "Equal to",
            FilterOp::Neq => "Not Equal to",
            FilterOp::StartsWith => "Starts with",
            FilterOp::NotStartsWith => "Not Starts with",
            FilterOp::EndsWith => "Ends with",
            FilterOp::NotEndsWith => "Not Ends with",
            FilterOp::Contains => "Contains",
            FilterOp::NotContains => "Not Contains",
            FilterOp::Gt => "Greater than",
            FilterOp::Lt => "Smaller than",
            FilterOp::In => "In",
            FilterOp::NotIn => "Not In",
            FilterOp::RelOneToMany => "Relation",
            FilterOp::NotRelOneToMany => "No Relation",
            FilterOp::RelManyToMany => "Relation as Many",
            FilterOp::Custom(name) => custom_label(name),
        }
    }
}

fn custom_label(name: &str) -> &'static str {
    match name {
        "chart_all_text" | "title_or_slug" => "All Text",
        "chart_is_favorite" | "dashboard_is_favorite" => "Is favorite",
        "chart_is_certified" | "dashboard_is_certified" | "dataset_is_certified" => "Is certified",
        "chart_has_created_by" | "dashboard_has_created_by" => "Has created by",
        "chart_created_by_me" | "dashboard_created_by_me" => "Created by me",
        "chart_owned_created_favored_by_me" => "Owned Created or Favored",
        "dataset_is_null_or_empty" => "Null or Empty",
        "upload_is_enabled" => "Upload Enabled",
        _ => "Custom",
    }
}

const TEXT_OPS: &[FilterOp] = &[
    FilterOp::StartsWith,
    FilterOp::EndsWith,
    FilterOp::Contains,
    FilterOp::Eq,
    FilterOp::NotStartsWith,
    FilterOp::NotEndsWith,
    FilterOp::NotContains,
    FilterOp::Neq,
    FilterOp::In,
    FilterOp::NotIn,
];
const INT_OPS: &[FilterOp] = &[
    FilterOp::Eq,
    FilterOp::Gt,
    FilterOp::Lt,
    FilterOp::Neq,
    FilterOp::In,
    FilterOp::NotIn,
];
const BOOL_OPS: &[FilterOp] = &[FilterOp::Eq, FilterOp::Neq];
const TIME_OPS: &[FilterOp] = &[FilterOp::Eq, FilterOp::Gt, FilterOp::Lt, FilterOp::Neq];
const MANY_TO_ONE_OPS: &[FilterOp] = &[FilterOp::RelOneToMany, FilterOp::NotRelOneToMany];
const MANY_TO_MANY_OPS: &[FilterOp] = &[FilterOp::RelManyToMany];

/// What kind of value a search column compares against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bool,
    /// Epoch microseconds in the store; clients send ISO dates.
    Time,
    /// A foreign key to another object's id.
    ManyToOne,
    /// A link table `(table, self column, other column)`.
    ManyToMany(&'static str, &'static str, &'static str),
}

#[derive(Debug)]
pub struct SearchColumn {
    pub name: &'static str,
    /// The SQL expression over the resource's row alias `t`.
    pub sql: &'static str,
    pub kind: Kind,
    /// Superset's extra operators on this column, listed after the built-ins.
    pub custom: &'static [&'static str],
}

impl SearchColumn {
    pub const fn new(name: &'static str, sql: &'static str, kind: Kind) -> Self {
        SearchColumn {
            name,
            sql,
            kind,
            custom: &[],
        }
    }

    pub const fn with_custom(mut self, custom: &'static [&'static str]) -> Self {
        self.custom = custom;
        self
    }

    /// Every operator allowed on this column, built-ins first (the order `_info` shows).
    pub fn operators(&self) -> Vec<FilterOp> {
        let builtin = match self.kind {
            Kind::Text => TEXT_OPS,
            Kind::Int => INT_OPS,
            Kind::Bool => BOOL_OPS,
            Kind::Time => TIME_OPS,
            Kind::ManyToOne => MANY_TO_ONE_OPS,
            Kind::ManyToMany(..) => MANY_TO_MANY_OPS,
        };
        let mut ops = builtin.to_vec();
        ops.extend(self.custom.iter().map(|c| FilterOp::Custom(c)));
        ops
    }
}

#[derive(Debug)]
pub struct OrderColumn {
    pub name: &'static str,
    pub sql: &'static str,
}

/// How a role's visibility restricts a resource: given the viewer, the datasets and
/// databases they were granted, append a boolean SQL condition over `t`.
pub(crate) type RestrictFn = fn(&mut Sql, &Restriction);

/// Everything that describes one listable resource.
pub struct Resource {
    pub table: &'static str,
    pub search: &'static [SearchColumn],
    pub order: &'static [OrderColumn],
    /// `(sql, descending)` when the client names no order column.
    pub default_order: (&'static str, bool),
    pub(crate) restrict: RestrictFn,
}

impl Resource {
    pub fn search_column(&self, name: &str) -> Option<&'static SearchColumn> {
        self.search.iter().find(|c| c.name == name)
    }

    pub fn order_column(&self, name: &str) -> Option<&'static OrderColumn> {
        self.order.iter().find(|c| c.name == name)
    }
}

/// A filter value, already coerced to the column's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Int(i64),
    Bool(bool),
    Texts(Vec<String>),
    Ints(Vec<i64>),
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub column: &'static SearchColumn,
    pub op: FilterOp,
    pub value: FilterValue,
}

#[derive(Debug, Clone, Copy)]
pub struct Order {
    pub column: &'static OrderColumn,
    pub descending: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub index: i64,
    /// `None` returns every row (the database list allows that).
    pub size: Option<i64>,
}

/// The grants that limit what a non-admin viewer sees.
#[derive(Debug, Clone, Default)]
pub struct Restriction {
    pub user_id: i64,
    pub dataset_ids: Vec<i64>,
    pub database_ids: Vec<i64>,
    /// Dashboards opened to the viewer directly (a guest token's dashboards).
    pub dashboard_ids: Vec<i64>,
}

#[derive(Debug, Clone)]
pub enum Visibility {
    /// Admin, Alpha: every object.
    All,
    /// Gamma and custom roles: what they own or were granted.
    Restricted(Restriction),
    /// Public and roles without read permission.
    Nothing,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub viewer: i64,
    pub visibility: Visibility,
    pub filters: Vec<Filter>,
    pub order: Option<Order>,
    pub page: Page,
}

impl Store {
    /// Counts the matching rows and returns the ids of the requested page, in order.
    pub async fn list_ids(
        &self,
        resource: &Resource,
        query: &ListQuery,
    ) -> Result<(i64, Vec<i64>)> {
        let mut count = Sql::new(&format!("SELECT COUNT(*) FROM {} t", resource.table));
        self.push_where(&mut count, resource, query);
        let total: i64 = crate::rows::get(&count.fetch_one(&self.pool).await?, 0)?;

        let mut select = Sql::new(&format!("SELECT t.id FROM {} t", resource.table));
        self.push_where(&mut select, resource, query);
        let (expr, descending) = match query.order {
            Some(o) => (o.column.sql, o.descending),
            None => resource.default_order,
        };
        let dir = if descending { "DESC" } else { "ASC" };
        select.push(&format!(" ORDER BY {expr} {dir}, t.id {dir}"));
        if let Some(size) = query.page.size {
            select
                .push(" LIMIT ")
                .bind(size)
                .push(" OFFSET ")
                .bind(query.page.index * size);
        }
        let ids = select
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| crate::rows::get::<i64>(row, 0))
            .collect::<Result<Vec<_>>>()?;
        Ok((total, ids))
    }

    pub async fn object_exists(&self, resource: &Resource, id: i64) -> Result<bool> {
        Ok(!self.existing_ids(resource.table, &[id]).await?.is_empty())
    }

    /// Whether object `id` of `resource` passes `visibility` for `viewer`.
    pub async fn is_visible(
        &self,
        resource: &Resource,
        visibility: &Visibility,
        viewer: i64,
        id: i64,
    ) -> Result<bool> {
        if let Visibility::All = visibility {
            return Ok(true);
        }
        let query = ListQuery {
            viewer,
            visibility: visibility.clone(),
            filters: vec![],
            order: None,
            page: Page {
                index: 0,
                size: Some(1),
            },
        };
        let mut sql = Sql::new(&format!("SELECT COUNT(*) FROM {} t", resource.table));
        self.push_where(&mut sql, resource, &query);
        sql.push(" AND t.id = ").bind(id);
        let count: i64 = crate::rows::get(&sql.fetch_one(&self.pool).await?, 0)?;
        Ok(count > 0)
    }

    fn push_where(&self, sql: &mut Sql, resource: &Resource, query: &ListQuery) {
        sql.push(" WHERE 1 = 1");
        match &query.visibility {
            Visibility::All => {}
            Visibility::Nothing => {
                sql.push(" AND 1 = 0");
            }
            Visibility::Restricted(r) => {
                sql.push(" AND (");
                (resource.restrict)(sql, r);
                sql.push(")");
            }
        }
        for filter in &query.filters {
            sql.push(" AND ");
            self.push_filter(sql, resource, filter, query.viewer);
        }
    }

    fn like(&self) -> &'static str {
        // SQLite's LIKE is already case-insensitive for ASCII.
        match self.backend {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        }
    }

    fn push_filter(&self, sql: &mut Sql, resource: &Resource, f: &Filter, viewer: i64) {
        let col = f.column.sql;
        let like = self.like();
        let pattern = |sql: &mut Sql, negate: bool, prefix: &str, suffix: &str| {
            let FilterValue::Text(v) = &f.value else {
                sql.push("1 = 0");
                return;
            };
            let not = if negate { "NOT " } else { "" };
            sql.push(&format!("{not}COALESCE({col}, '') {like} "))
                .bind(format!("{prefix}{}{suffix}", escape_like(v)))
                .push(" ESCAPE '\\'");
        };
        match f.op {
            FilterOp::StartsWith => pattern(sql, false, "", "%"),
            FilterOp::NotStartsWith => pattern(sql, true, "", "%"),
            FilterOp::EndsWith => pattern(sql, false, "%", ""),
            FilterOp::NotEndsWith => pattern(sql, true, "%", ""),
            FilterOp::Contains => pattern(sql, false, "%", "%"),
            FilterOp::NotContains => pattern(sql, true, "%", "%"),
            FilterOp::Eq | FilterOp::RelOneToMany => compare(sql, col, "=", &f.value),
            FilterOp::Neq | FilterOp::NotRelOneToMany => {
                sql.push(&format!("({col} IS NULL OR "));
                compare(sql, col, "<>", &f.value);
                sql.push(")");
            }
            FilterOp::Gt => compare(sql, col, ">", &f.value),
            FilterOp::Lt => compare(sql, col, "<", &f.value),
            FilterOp::In | FilterOp::NotIn => {
                let not = if f.op == FilterOp::NotIn { "NOT " } else { "" };
                sql.push(&format!("{col} {not}IN ("));
                match &f.value {
                    FilterValue::Ints(v) if !v.is_empty() => sql.bind_list(v.clone()),
                    FilterValue::Texts(v) if !v.is_empty() => sql.bind_list(v.clone()),
                    _ => sql.push("NULL"),
                };
                sql.push(")");
            }
            FilterOp::RelManyToMany => {
                let Kind::ManyToMany(link, this, other) = f.column.kind else {
                    sql.push("1 = 0");
                    return;
                };
                let ids = match &f.value {
                    FilterValue::Int(id) => vec![*id],
                    FilterValue::Ints(ids) => ids.clone(),
                    _ => vec![],
                };
                sql.push("1 = 1");
                // An array value means "linked to every one of these".
                for id in ids {
                    sql.push(&format!(
                        " AND EXISTS (SELECT 1 FROM {link} l WHERE l.{this} = t.id AND l.{other} = "
                    ))
                    .bind(id)
                    .push(")");
                }
            }
            FilterOp::Custom(name) => {
                crate::list::custom::push(sql, resource, name, &f.value, viewer, like)
            }
        }
    }
}

fn compare(sql: &mut Sql, col: &str, op: &str, value: &FilterValue) {
    sql.push(&format!("{col} {op} "));
    match value {
        FilterValue::Text(v) => sql.bind(v.clone()),
        FilterValue::Int(v) => sql.bind(*v),
        FilterValue::Bool(v) => sql.bind(*v),
        FilterValue::Texts(_) | FilterValue::Ints(_) => sql.push("NULL"),
    };
}

/// Escapes LIKE's wildcards so a user's `%` or `_` matches itself.
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

mod custom {
    //! Superset's custom list operators, each a small SQL condition over `t`.

    use super::{FilterValue, Resource, escape_like};
    use crate::sql::Sql;

    pub(super) fn push(
        sql: &mut Sql,
        resource: &Resource,
        name: &str,
        value: &FilterValue,
        viewer: i64,
        like: &str,
    ) {
        let truthy = match value {
            FilterValue::Bool(b) => *b,
            FilterValue::Text(t) => !t.is_empty(),
            FilterValue::Int(i) => *i != 0,
            _ => true,
        };
        let text = match value {
            FilterValue::Text(t) => t.clone(),
            FilterValue::Int(i) => i.to_string(),
            FilterValue::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        let not = if truthy { "" } else { "NOT " };
        let any_text = |sql: &mut Sql, columns: &[&str]| {
            let pattern = format!("%{}%", escape_like(&text));
            sql.push("(");
            for (i, c) in columns.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push(&format!("COALESCE({c}, '') {like} "))
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\'");
            }
            sql.push(")");
        };
        match name {
            "chart_all_text" => any_text(
                sql,
                &[
                    "t.slice_name",
                    "t.description",
                    "t.viz_type",
                    "(SELECT d.table_name FROM tables d WHERE d.id = t.datasource_id)",
                ],
            ),
            "title_or_slug" => any_text(sql, &["t.dashboard_title", "t.slug"]),
            "chart_is_favorite" | "dashboard_is_favorite" => {
                let class = if name == "chart_is_favorite" {
                    "slice"
                } else {
                    "Dashboard"
                };
                sql.push(&format!(
                    "{not}EXISTS (SELECT 1 FROM favstar f WHERE f.class_name = '{class}' AND f.obj_id = t.id AND f.user_id = "
                ))
                .bind(viewer)
                .push(")");
            }
            "chart_is_certified" | "dashboard_is_certified" => {
                sql.push(&format!(
                    "{not}(t.certified_by IS NOT NULL AND t.certified_by <> '')"
                ));
            }
            "dataset_is_certified" => {
                sql.push(&format!(
                    "{not}(COALESCE(t.extra, '') {like} '%\"certification\"%')"
                ));
            }
            "chart_has_created_by" | "dashboard_has_created_by" => {
                let null = if truthy { "NOT NULL" } else { "NULL" };
                sql.push(&format!("t.created_by_fk IS {null}"));
            }
            "chart_created_by_me" | "dashboard_created_by_me" => {
                sql.push("t.created_by_fk = ").bind(viewer);
            }
            "chart_owned_created_favored_by_me" => {
                let owners = if resource.table == "slices" {
                    "slice_user l WHERE l.slice_id"
                } else {
                    "dashboard_user l WHERE l.dashboard_id"
                };
                sql.push(&format!("(EXISTS (SELECT 1 FROM {owners} = t.id AND l.user_id = "))
                    .bind(viewer)
                    .push(") OR t.created_by_fk = ")
                    .bind(viewer)
                    .push(" OR EXISTS (SELECT 1 FROM favstar f WHERE f.class_name = 'slice' AND f.obj_id = t.id AND f.user_id = ")
                    .bind(viewer)
                    .push("))");
            }
            "dataset_is_null_or_empty" => {
                sql.push(&format!("{not}(t.sql IS NULL OR t.sql = '')"));
            }
            "upload_is_enabled" => {
                sql.push("t.allow_file_upload = ").bind(truthy);
            }
            _ => {
                sql.push("1 = 0");
            }
        }
    }
}

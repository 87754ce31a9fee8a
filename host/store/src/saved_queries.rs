//! Saved queries: the `saved_query` table.

use crate::list::{
    Filter, FilterOp, FilterValue, Kind, OrderColumn, Resource, Restriction, SearchColumn,
};
use crate::queries::DistinctColumn;
use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use std::collections::HashMap;
use tessera_model::{SavedQuery, SavedQueryValues, Timestamp};
use uuid::Uuid;

pub static SAVED_QUERIES: Resource = Resource {
    table: "saved_query",
    search: &[
        SearchColumn::new("id", "t.id", Kind::Int).with_custom(&["saved_query_is_fav"]),
        SearchColumn::new("database", "t.db_id", Kind::ManyToOne),
        SearchColumn::new("label", "t.label", Kind::Text).with_custom(&["all_text"]),
        SearchColumn::new("schema", "t.schema", Kind::Text),
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne),
    ],
    order: &[
        OrderColumn {
            name: "catalog",
            sql: "t.catalog",
        },
        OrderColumn {
            name: "schema",
            sql: "t.schema",
        },
        OrderColumn {
            name: "label",
            sql: "t.label",
        },
        OrderColumn {
            name: "description",
            sql: "t.description",
        },
        OrderColumn {
            name: "sql",
            sql: "t.sql",
        },
        OrderColumn {
            name: "rows",
            sql: "t.rows",
        },
        OrderColumn {
            name: "created_by.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.created_by_fk)",
        },
        OrderColumn {
            name: "database.database_name",
            sql: "(SELECT d.database_name FROM dbs d WHERE d.id = t.db_id)",
        },
        OrderColumn {
            name: "created_on",
            sql: "t.created_on",
        },
        OrderColumn {
            name: "changed_on_delta_humanized",
            sql: "t.changed_on",
        },
        // Superset renders `last_run_delta_humanized` from `changed_on`.
        OrderColumn {
            name: "last_run_delta_humanized",
            sql: "t.changed_on",
        },
    ],
    // FAB lists a resource without a base order in insertion order.
    default_order: ("t.id", false),
    restrict: restrict_saved_queries,
};

pub static SAVED_QUERY_DISTINCT: &[DistinctColumn] = &[
    DistinctColumn::new("catalog", "t.catalog"),
    DistinctColumn::new("schema", "t.schema"),
];

/// Without `all_query_access` (and for every write) a user sees only the saved queries
/// they created.
fn restrict_saved_queries(sql: &mut Sql, r: &Restriction) {
    sql.push("t.created_by_fk = ").bind(r.user_id);
}

/// What Superset's `all_text` operator searches: schema, label, description and SQL. The
/// unit separator keeps a match from spanning two columns.
static ALL_TEXT: SearchColumn = SearchColumn::new(
    "label",
    "(COALESCE(t.schema, '') || '\u{1f}' || COALESCE(t.label, '') || '\u{1f}' || \
     COALESCE(t.description, '') || '\u{1f}' || COALESCE(t.sql, ''))",
    Kind::Text,
);

/// The writable columns of `saved_query`, in the order [`push_values`] binds them.
const VALUE_COLUMNS: &str =
    "db_id, label, description, catalog, schema, sql, template_parameters, extra_json";

impl Store {
    /// Saved queries by id, in the order of `ids`; unknown ids are skipped.
    pub async fn saved_queries(&self, ids: &[i64]) -> Result<Vec<SavedQuery>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.uuid, {VALUE_COLUMNS}, d.database_name, t.user_id, t.rows, t.last_run, {} \
             FROM saved_query t LEFT JOIN dbs d ON d.id = t.db_id WHERE t.id IN (",
            rows::AUDIT_COLUMNS,
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let users = self.page_users(&fetched, &[], &HashMap::new()).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let saved = SavedQuery {
                id,
                uuid: rows::uuid(row, "uuid")?,
                values: SavedQueryValues {
                    db_id: get(row, "db_id")?,
                    label: get(row, "label")?,
                    description: get(row, "description")?,
                    catalog: get(row, "catalog")?,
                    schema: get(row, "schema")?,
                    sql: get(row, "sql")?,
                    template_parameters: get(row, "template_parameters")?,
                    extra_json: get(row, "extra_json")?,
                },
                database_name: get(row, "database_name")?,
                user_id: get(row, "user_id")?,
                rows: get(row, "rows")?,
                last_run: rows::opt_time(row, "last_run")?,
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, saved);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn saved_query(&self, id: i64) -> Result<SavedQuery> {
        self.saved_queries(&[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// Saves a query; `actor` becomes its user, creator and last changer.
    pub async fn insert_saved_query(
        &self,
        uuid: Uuid,
        v: &SavedQueryValues,
        actor: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_saved_query_in(&mut tx, uuid, v, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes every value column; `actor` becomes the query's user and last changer.
    pub async fn update_saved_query(
        &self,
        id: i64,
        v: &SavedQueryValues,
        actor: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        update_saved_query_in(&mut tx, id, v, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all of `ids` or none: returns `NotFound` when any is missing.
    pub async fn delete_saved_queries(&self, ids: &[i64]) -> Result<()> {
        self.delete_all_or_nothing("saved_query", ids).await
    }

    /// Rewrites Superset's saved-query operators into built-in filters: `all_text`
    /// (a text search over schema, label, description and SQL; an empty value matches
    /// everything) and `saved_query_is_fav` (the viewer's starred saved queries, or the
    /// others). Other filters pass unchanged.
    pub async fn resolve_saved_query_filters(
        &self,
        filters: Vec<Filter>,
        viewer: i64,
    ) -> Result<Vec<Filter>> {
        let mut out = Vec::with_capacity(filters.len());
        for filter in filters {
            match (filter.op, &filter.value) {
                (FilterOp::Custom("all_text"), value) => {
                    let text = match value {
                        FilterValue::Text(text) => text.clone(),
                        FilterValue::Int(n) if *n != 0 => n.to_string(),
                        _ => String::new(),
                    };
                    if !text.is_empty() {
                        out.push(Filter {
                            column: &ALL_TEXT,
                            op: FilterOp::Contains,
                            value: FilterValue::Text(text),
                        });
                    }
                }
                (FilterOp::Custom("saved_query_is_fav"), value) => {
                    let starred = self.starred_saved_queries(viewer).await?;
                    let wanted = !matches!(value, FilterValue::Bool(false) | FilterValue::Int(0));
                    match (wanted, starred.is_empty()) {
                        // Not starred, and nothing is: no restriction.
                        (false, true) => {}
                        (wanted, _) => out.push(Filter {
                            column: filter.column,
                            op: if wanted {
                                FilterOp::In
                            } else {
                                FilterOp::NotIn
                            },
                            value: FilterValue::Ints(starred),
                        }),
                    }
                }
                _ => out.push(filter),
            }
        }
        Ok(out)
    }

    /// Superset stars saved queries in `favstar` under the class name `query`.
    async fn starred_saved_queries(&self, user_id: i64) -> Result<Vec<i64>> {
        let mut q =
            Sql::new("SELECT obj_id FROM favstar WHERE class_name = 'query' AND user_id = ");
        q.bind(user_id);
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }
}

/// Binds the value columns in the order of [`VALUE_COLUMNS`].
fn push_values(q: &mut Sql, v: &SavedQueryValues) {
    q.bind(v.db_id)
        .value(v.label.clone())
        .value(v.description.clone())
        .value(v.catalog.clone())
        .value(v.schema.clone())
        .value(v.sql.clone())
        .value(v.template_parameters.clone())
        .value(v.extra_json.clone());
}

pub(crate) async fn insert_saved_query_in(
    tx: &mut Tx<'_>,
    uuid: Uuid,
    v: &SavedQueryValues,
    actor: i64,
) -> Result<i64> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(&format!(
        "INSERT INTO saved_query (uuid, {VALUE_COLUMNS}, user_id, created_on, changed_on, \
         created_by_fk, changed_by_fk) VALUES ("
    ));
    q.bind(uuid.to_string()).push(", ");
    push_values(&mut q, v);
    q.value(actor)
        .value(now)
        .value(now)
        .value(actor)
        .value(actor)
        .push(") RETURNING id");
    let row = q
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| crate::conflict_on_unique(e, "uuid already exists"))?;
    get(&row, 0)
}

pub(crate) async fn update_saved_query_in(
    tx: &mut Tx<'_>,
    id: i64,
    v: &SavedQueryValues,
    actor: i64,
) -> Result<()> {
    let mut q = Sql::new(&format!(
        "UPDATE saved_query SET ({VALUE_COLUMNS}, user_id, changed_on, changed_by_fk) = ("
    ));
    push_values(&mut q, v);
    q.value(actor)
        .value(Timestamp::now().0)
        .value(actor)
        .push(") WHERE id = ")
        .bind(id);
    match q.execute(&mut **tx).await? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

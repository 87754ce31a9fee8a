//! SQL Lab's query history: the `query` table, one row per query a user ran.

use crate::list::{Kind, OrderColumn, Page, Resource, Restriction, SearchColumn, Visibility};
use crate::rows::{self, flag, flag_column, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::str::FromStr;
use tessera_model::{NewQuery, Query, QueryUpdate, Timestamp};

pub static QUERIES: Resource = Resource {
    table: "query",
    search: &[
        SearchColumn::new("changed_on", "t.changed_on", Kind::Time),
        SearchColumn::new("database", "t.database_id", Kind::ManyToOne),
        SearchColumn::new("sql", "t.sql", Kind::Text),
        SearchColumn::new("status", "t.status", Kind::Text),
        SearchColumn::new("user", "t.user_id", Kind::ManyToOne),
        // Superset stores epoch milliseconds; clients filter with those.
        SearchColumn::new("start_time", "(t.start_time / 1000)", Kind::Int),
        SearchColumn::new("sql_editor_id", "t.sql_editor_id", Kind::Text),
    ],
    order: &[
        OrderColumn {
            name: "changed_on",
            sql: "t.changed_on",
        },
        OrderColumn {
            name: "database.database_name",
            sql: "(SELECT d.database_name FROM dbs d WHERE d.id = t.database_id)",
        },
        OrderColumn {
            name: "duration",
            sql: "(t.end_time - t.start_time)",
        },
        OrderColumn {
            name: "rows",
            sql: "t.rows",
        },
        OrderColumn {
            name: "schema",
            sql: "t.schema",
        },
        OrderColumn {
            name: "start_time",
            sql: "t.start_time",
        },
        OrderColumn {
            name: "sql",
            sql: "t.sql",
        },
        OrderColumn {
            name: "tab_name",
            sql: "t.tab_name",
        },
        OrderColumn {
            name: "user.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.user_id)",
        },
    ],
    default_order: ("t.changed_on", true),
    restrict: restrict_queries,
};

/// Without `all_query_access` a user sees only the queries they ran.
fn restrict_queries(sql: &mut Sql, r: &Restriction) {
    sql.push("t.user_id = ").bind(r.user_id);
}

/// A column whose distinct values a resource serves at `distinct/<name>`.
pub struct DistinctColumn {
    pub name: &'static str,
    sql: &'static str,
}

impl DistinctColumn {
    pub const fn new(name: &'static str, sql: &'static str) -> Self {
        DistinctColumn { name, sql }
    }
}

pub static QUERY_DISTINCT: &[DistinctColumn] = &[DistinctColumn::new("status", "t.status")];

/// The columns of `query` that [`query_from_row`] reads, over the alias `t`.
fn query_columns() -> String {
    format!(
        "t.id, t.client_id, t.database_id, d.database_name, t.user_id, t.status, t.tab_name, \
         t.sql_editor_id, t.catalog, t.schema, t.sql, t.select_sql, t.executed_sql, t.\"limit\", \
         t.limiting_factor, {}, {}, t.ctas_method, t.tmp_table_name, t.tmp_schema_name, \
         t.progress, t.rows, t.error_message, t.results_key, t.start_time, t.start_running_time, \
         t.end_time, t.end_result_backend_time, t.tracking_url, t.extra_json, t.changed_on, {}",
        flag_column("t.select_as_cta", "select_as_cta"),
        flag_column("t.select_as_cta_used", "select_as_cta_used"),
        rows::user_ref_columns("u"),
    )
}

const QUERY_JOINS: &str =
    "FROM query t LEFT JOIN dbs d ON d.id = t.database_id LEFT JOIN ab_user u ON u.id = t.user_id";

/// Parses a stored enum name; a name this build does not know is a decoding error.
fn parsed<T: FromStr>(row: &AnyRow, column: &str) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = get(row, column)?;
    text.parse()
        .map_err(|e: T::Err| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

fn query_from_row(row: &AnyRow) -> Result<Query> {
    Ok(Query {
        id: get(row, "id")?,
        client_id: get(row, "client_id")?,
        database_id: get(row, "database_id")?,
        database_name: get(row, "database_name")?,
        user_id: get(row, "user_id")?,
        user: rows::user_ref(row, "u")?,
        status: parsed(row, "status")?,
        tab_name: get(row, "tab_name")?,
        sql_editor_id: get(row, "sql_editor_id")?,
        catalog: get(row, "catalog")?,
        schema: get(row, "schema")?,
        sql: get(row, "sql")?,
        select_sql: get(row, "select_sql")?,
        executed_sql: get(row, "executed_sql")?,
        limit: get(row, "limit")?,
        limiting_factor: parsed(row, "limiting_factor")?,
        select_as_cta: flag(row, "select_as_cta")?,
        select_as_cta_used: flag(row, "select_as_cta_used")?,
        ctas_method: parsed(row, "ctas_method")?,
        tmp_table_name: get(row, "tmp_table_name")?,
        tmp_schema_name: get(row, "tmp_schema_name")?,
        progress: get(row, "progress")?,
        rows: get(row, "rows")?,
        error_message: get(row, "error_message")?,
        results_key: get(row, "results_key")?,
        start_time: rows::opt_time(row, "start_time")?,
        start_running_time: rows::opt_time(row, "start_running_time")?,
        end_time: rows::opt_time(row, "end_time")?,
        end_result_backend_time: rows::opt_time(row, "end_result_backend_time")?,
        tracking_url: get(row, "tracking_url")?,
        extra_json: get(row, "extra_json")?,
        changed_on: rows::time(row, "changed_on")?,
    })
}

impl Store {
    /// Queries by id, in the order of `ids`; unknown ids are skipped.
    pub async fn queries(&self, ids: &[i64]) -> Result<Vec<Query>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT {} {QUERY_JOINS} WHERE t.id IN (",
            query_columns()
        ));
        q.bind_list(ids.to_vec()).push(")");
        let mut by_id = HashMap::with_capacity(ids.len());
        for row in q.fetch_all(&self.pool).await? {
            let query = query_from_row(&row)?;
            by_id.insert(query.id, query);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn query(&self, id: i64) -> Result<Query> {
        self.queries(&[id]).await?.pop().ok_or(StoreError::NotFound)
    }

    pub async fn query_by_client_id(&self, client_id: &str) -> Result<Option<Query>> {
        self.query_by_key("client_id", client_id).await
    }

    /// The query whose rows are kept under `results_key`.
    pub async fn query_by_results_key(&self, results_key: &str) -> Result<Option<Query>> {
        self.query_by_key("results_key", results_key).await
    }

    /// The query whose `column` (a unique key) holds `value`.
    async fn query_by_key(&self, column: &str, value: &str) -> Result<Option<Query>> {
        let mut q = Sql::new(&format!(
            "SELECT {} {QUERY_JOINS} WHERE t.{column} = ",
            query_columns()
        ));
        q.bind(value.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|row| query_from_row(&row))
            .transpose()
    }

    /// Records a query SQL Lab accepted. A `client_id` already in use is a
    /// [`StoreError::Conflict`].
    pub async fn insert_query(&self, new: &NewQuery) -> Result<Query> {
        let mut q = Sql::new(
            "INSERT INTO query (client_id, database_id, user_id, sql, catalog, schema, tab_name, \
             sql_editor_id, \"limit\", limiting_factor, select_as_cta, ctas_method, tmp_table_name, \
             tmp_schema_name, status, start_time, changed_on) VALUES (",
        );
        q.bind(new.client_id.clone())
            .value(new.database_id)
            .value(new.user_id)
            .value(new.sql.clone())
            .value(new.catalog.clone())
            .value(new.schema.clone())
            .value(new.tab_name.clone())
            .value(new.sql_editor_id.clone())
            .value(new.limit)
            .value(new.limiting_factor.as_str().to_string())
            .value(new.select_as_cta)
            .value(new.ctas_method.as_str().to_string())
            .value(new.tmp_table_name.clone())
            .value(new.tmp_schema_name.clone())
            .value(new.status.as_str().to_string())
            .value(new.start_time.0)
            .value(Timestamp::now().0)
            .push(") RETURNING id");
        let row = q
            .fetch_one(&self.pool)
            .await
            .map_err(|e| crate::conflict_on_unique(e, "client_id already exists"))?;
        self.query(get(&row, 0)?).await
    }

    /// Writes the fields `update` sets, bumps `changed_on`, and returns the query.
    pub async fn update_query(&self, id: i64, update: &QueryUpdate) -> Result<Query> {
        let mut q = Sql::new("UPDATE query SET changed_on = ");
        q.bind(Timestamp::now().0);
        let u = update;
        macro_rules! set {
            ($($column:literal => $value:expr),* $(,)?) => {
                $(if let Some(value) = $value {
                    q.push(concat!(", ", $column, " = ")).bind(value);
                })*
            };
        }
        set!(
            "status" => u.status.map(|s| s.as_str().to_string()),
            "start_running_time" => u.start_running_time.map(|t| t.0),
            "end_time" => u.end_time.map(|t| t.0),
            "end_result_backend_time" => u.end_result_backend_time.map(|t| t.0),
            "select_sql" => u.select_sql.clone(),
            "executed_sql" => u.executed_sql.clone(),
            "\"limit\"" => u.limit,
            "limiting_factor" => u.limiting_factor.map(|f| f.as_str().to_string()),
            "select_as_cta_used" => u.select_as_cta_used,
            "progress" => u.progress,
            "rows" => u.rows,
            "error_message" => u.error_message.clone(),
            "results_key" => u.results_key.clone(),
            "tracking_url" => u.tracking_url.clone(),
            "extra_json" => u.extra_json.clone(),
        );
        q.push(" WHERE id = ").bind(id);
        if q.execute(&self.pool).await? == 0 {
            return Err(StoreError::NotFound);
        }
        self.query(id).await
    }

    /// The queries changed at or after `since`, of one user or (`None`) of everyone,
    /// oldest change first.
    pub async fn queries_updated_since(
        &self,
        user_id: Option<i64>,
        since: Timestamp,
    ) -> Result<Vec<Query>> {
        let mut q = Sql::new(&format!(
            "SELECT {} {QUERY_JOINS} WHERE t.changed_on >= ",
            query_columns()
        ));
        q.bind(since.0);
        if let Some(user_id) = user_id {
            q.push(" AND t.user_id = ").bind(user_id);
        }
        q.push(" ORDER BY t.changed_on, t.id");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(query_from_row)
            .collect()
    }

    /// FAB's `distinct/<column>`: the count of distinct non-null values of `column` among
    /// the rows `visibility` lets the caller see (starting with `prefix` when it is not
    /// empty), and one page of them in ascending order. `NotFound` when `column` is not
    /// one of `columns`.
    pub async fn distinct_values(
        &self,
        resource: &Resource,
        columns: &[DistinctColumn],
        column: &str,
        visibility: &Visibility,
        prefix: &str,
        page: Page,
    ) -> Result<(i64, Vec<String>)> {
        let expr = columns
            .iter()
            .find(|c| c.name == column)
            .ok_or(StoreError::NotFound)?
            .sql;
        // SQLite's LIKE is already case-insensitive for ASCII.
        let like = match self.backend {
            crate::Backend::Sqlite => "LIKE",
            crate::Backend::Postgres => "ILIKE",
        };
        let condition = |sql: &mut Sql| {
            sql.push(&format!(" WHERE {expr} IS NOT NULL"));
            match visibility {
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
            if !prefix.is_empty() {
                sql.push(&format!(" AND {expr} {like} "))
                    .bind(format!("{}%", crate::list::escape_like(prefix)))
                    .push(" ESCAPE '\\'");
            }
        };
        let table = resource.table;
        let mut count = Sql::new(&format!("SELECT COUNT(DISTINCT {expr}) FROM {table} t"));
        condition(&mut count);
        let total: i64 = get(&count.fetch_one(&self.pool).await?, 0)?;
        let mut select = Sql::new(&format!("SELECT DISTINCT {expr} FROM {table} t"));
        condition(&mut select);
        select.push(&format!(" ORDER BY {expr}"));
        if let Some(size) = page.size {
            select
                .push(" LIMIT ")
                .bind(size)
                .push(" OFFSET ")
                .bind(page.index * size);
        }
        let values = select
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect::<Result<Vec<String>>>()?;
        Ok((total, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewUser;
    use tessera_model::{DatabaseValues, LimitingFactor, QueryStatus, SavedQueryValues};
    use uuid::Uuid;

    struct Fixture {
        store: Store,
        user: i64,
        db: i64,
        dir: std::path::PathBuf,
    }

    impl Fixture {
        async fn finish(self) {
            self.store.close().await;
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// A migrated SQLite store in a fresh directory, with one user and one database.
    async fn fixture() -> Fixture {
        let dir = std::env::temp_dir().join(format!("tessera-queries-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.join("meta.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let user = store
            .create_user(&NewUser {
                username: "ann",
                first_name: "Ann",
                last_name: "Lee",
                email: "ann@example.com",
                password_hash: "x",
                roles: &[],
            })
            .await
            .unwrap();
        let values = DatabaseValues {
            database_name: "examples".into(),
            sqlalchemy_uri: "sqlite:///examples.db".into(),
            configuration_method: "sqlalchemy_form".into(),
            ..Default::default()
        };
        let db = store
            .insert_database(Uuid::new_v4(), &values, None, user)
            .await
            .unwrap();
        Fixture {
            store,
            user,
            db,
            dir,
        }
    }

    #[tokio::test]
    async fn records_and_updates_a_query() {
        let fixture = fixture().await;
        let (store, user, db) = (&fixture.store, fixture.user, fixture.db);
        let mut new = NewQuery::new("abc123", db, Some(user), "SELECT 1");
        new.schema = Some("main".into());
        new.limit = Some(100);
        let inserted = store.insert_query(&new).await.unwrap();
        assert_eq!(inserted.client_id, "abc123");
        assert_eq!(inserted.database_name.as_deref(), Some("examples"));
        assert_eq!(inserted.user.as_ref().map(|u| u.id), Some(user));
        assert_eq!(inserted.status, QueryStatus::Pending);
        assert_eq!(inserted.start_time, Some(new.start_time));
        assert!(matches!(
            store.insert_query(&new).await,
            Err(StoreError::Conflict(_))
        ));

        let end = Timestamp(new.start_time.0 + 1_500);
        let update = QueryUpdate {
            status: Some(QueryStatus::Success),
            end_time: Some(end),
            rows: Some(1),
            limiting_factor: Some(LimitingFactor::NotLimited),
            ..Default::default()
        };
        let updated = store.update_query(inserted.id, &update).await.unwrap();
        assert_eq!(updated.status, QueryStatus::Success);
        assert_eq!(updated.end_time, Some(end));
        assert_eq!(updated.rows, Some(1));
        assert_eq!(updated.limiting_factor, LimitingFactor::NotLimited);
        // Fields the update leaves out keep their values.
        assert_eq!(updated.schema.as_deref(), Some("main"));
        assert_eq!(updated.limit, Some(100));
        assert!(updated.changed_on >= inserted.changed_on);

        let found = store.query_by_client_id("abc123").await.unwrap().unwrap();
        assert_eq!(found.id, inserted.id);
        assert!(store.query_by_client_id("nope").await.unwrap().is_none());
        assert!(matches!(
            store.update_query(999, &update).await,
            Err(StoreError::NotFound)
        ));

        let mine = store
            .queries_updated_since(Some(user), inserted.changed_on)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        let later = Timestamp(updated.changed_on.0 + 1);
        assert!(
            store
                .queries_updated_since(None, later)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .queries_updated_since(Some(user + 1), Timestamp(0))
                .await
                .unwrap()
                .is_empty()
        );
        fixture.finish().await;
    }

    #[tokio::test]
    async fn deleting_a_database_deletes_its_queries() {
        let fixture = fixture().await;
        let (store, user, db) = (&fixture.store, fixture.user, fixture.db);
        let query = store
            .insert_query(&NewQuery::new("q1", db, Some(user), "SELECT 1"))
            .await
            .unwrap();
        let values = SavedQueryValues {
            db_id: Some(db),
            label: Some("kept".into()),
            ..Default::default()
        };
        let saved = store
            .insert_saved_query(Uuid::new_v4(), &values, user)
            .await
            .unwrap();
        store.delete_database(db).await.unwrap();
        assert!(matches!(
            store.query(query.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.saved_query(saved).await,
            Err(StoreError::NotFound)
        ));
        fixture.finish().await;
    }
}

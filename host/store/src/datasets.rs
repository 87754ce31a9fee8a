//! Datasets: the `tables` table, its columns (`table_columns`), metrics (`sql_metrics`)
//! and owners (`sqlatable_user`).

use crate::charts::replace_links;
use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, flag, flag_column, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use std::collections::{HashMap, HashSet};
use tessera_model::dataset::DatabaseRef;
use tessera_model::{Dataset, DatasetColumn, DatasetMetric, DatasetValues, Timestamp};
use uuid::Uuid;

const OWNERS: Kind = Kind::ManyToMany("sqlatable_user", "table_id", "user_id");

pub static DATASETS: Resource = Resource {
    table: "tables",
    search: &[
        SearchColumn::new("id", "t.id", Kind::Int).with_custom(&["dataset_is_certified"]),
        SearchColumn::new("uuid", "t.uuid", Kind::Text),
        SearchColumn::new("database", "t.database_id", Kind::ManyToOne),
        SearchColumn::new("owners", "t.id", OWNERS),
        SearchColumn::new("catalog", "t.catalog", Kind::Text),
        SearchColumn::new("schema", "t.schema", Kind::Text),
        SearchColumn::new("sql", "t.sql", Kind::Text).with_custom(&["dataset_is_null_or_empty"]),
        SearchColumn::new("table_name", "t.table_name", Kind::Text),
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
    ],
    order: &[
        OrderColumn {
            name: "table_name",
            sql: "t.table_name",
        },
        OrderColumn {
            name: "catalog",
            sql: "t.catalog",
        },
        OrderColumn {
            name: "schema",
            sql: "t.schema",
        },
        OrderColumn {
            name: "changed_by.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.changed_by_fk)",
        },
        OrderColumn {
            name: "changed_on_delta_humanized",
            sql: "t.changed_on",
        },
        OrderColumn {
            name: "database.database_name",
            sql: "(SELECT d.database_name FROM dbs d WHERE d.id = t.database_id)",
        },
    ],
    default_order: ("t.changed_on", true),
    restrict: restrict_datasets,
};

/// A restricted viewer sees the datasets they own, those they were granted, and those on
/// databases they were granted.
fn restrict_datasets(sql: &mut Sql, r: &Restriction) {
    sql.push("EXISTS (SELECT 1 FROM sqlatable_user o WHERE o.table_id = t.id AND o.user_id = ")
        .bind(r.user_id)
        .push(")");
    if !r.dataset_ids.is_empty() {
        sql.push(" OR t.id IN (")
            .bind_list(r.dataset_ids.clone())
            .push(")");
    }
    if !r.database_ids.is_empty() {
        sql.push(" OR t.database_id IN (")
            .bind_list(r.database_ids.clone())
            .push(")");
    }
}

/// The writable columns of `tables`, in the order [`push_dataset_values`] binds them.
const VALUE_COLUMNS: &str = "table_name, database_id, catalog, schema, sql, description, main_dttm_col, \
     default_endpoint, \"offset\", cache_timeout, is_sqllab_view, template_params, extra, filter_select_enabled, \
     fetch_values_predicate, normalize_columns, always_filter_main_dttm, is_managed_externally, external_url";

/// The writable columns of `table_columns`, in the order [`push_column_values`] binds them.
const COLUMN_COLUMNS: &str = "column_name, verbose_name, type, is_dttm, is_active, groupby, filterable, \
     expression, description, python_date_format, advanced_data_type, extra";

/// The writable columns of `sql_metrics`, in the order [`push_metric_values`] binds them.
const METRIC_COLUMNS: &str = "metric_name, verbose_name, metric_type, expression, description, d3format, \
     currency, warning_text, extra";

impl Store {
    /// Datasets by id, in the order of `ids`; unknown ids are skipped.
    pub async fn datasets(&self, ids: &[i64]) -> Result<Vec<Dataset>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.uuid, t.table_name, t.database_id, t.catalog, t.schema, t.sql, t.description, \
             t.main_dttm_col, t.default_endpoint, t.\"offset\" AS offset_hours, t.cache_timeout, \
             {}, t.template_params, t.extra, {}, t.fetch_values_predicate, {}, {}, {}, t.external_url, {}, \
             db.uuid AS db_uuid, db.database_name AS db_database_name, db.sqlalchemy_uri AS db_sqlalchemy_uri \
             FROM tables t JOIN dbs db ON db.id = t.database_id WHERE t.id IN (",
            flag_column("t.is_sqllab_view", "is_sqllab_view"),
            flag_column("t.filter_select_enabled", "filter_select_enabled"),
            flag_column("t.normalize_columns", "normalize_columns"),
            flag_column("t.always_filter_main_dttm", "always_filter_main_dttm"),
            flag_column("t.is_managed_externally", "is_managed_externally"),
            rows::AUDIT_COLUMNS,
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let owners = self.owner_ids("sqlatable_user", "table_id", ids).await?;
        let users = self.page_users(&fetched, &[], &owners).await?;
        let mut columns = load_columns(&self.pool, ids).await?;
        let mut metrics = load_metrics(&self.pool, ids).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let values = DatasetValues {
                table_name: get(row, "table_name")?,
                database_id: get(row, "database_id")?,
                catalog: get(row, "catalog")?,
                schema: get(row, "schema")?,
                sql: get(row, "sql")?,
                description: get(row, "description")?,
                main_dttm_col: get(row, "main_dttm_col")?,
                default_endpoint: get(row, "default_endpoint")?,
                offset: get(row, "offset_hours")?,
                cache_timeout: get(row, "cache_timeout")?,
                is_sqllab_view: flag(row, "is_sqllab_view")?,
                template_params: get(row, "template_params")?,
                extra: get(row, "extra")?,
                filter_select_enabled: flag(row, "filter_select_enabled")?,
                fetch_values_predicate: get(row, "fetch_values_predicate")?,
                normalize_columns: flag(row, "normalize_columns")?,
                always_filter_main_dttm: flag(row, "always_filter_main_dttm")?,
                is_managed_externally: flag(row, "is_managed_externally")?,
                external_url: get(row, "external_url")?,
            };
            let uri: String = get(row, "db_sqlalchemy_uri")?;
            let database = DatabaseRef {
                id: values.database_id,
                uuid: rows::uuid(row, "db_uuid")?,
                database_name: get(row, "db_database_name")?,
                backend: tessera_model::database::backend_of(&uri),
            };
            let dataset = Dataset {
                id,
                uuid: rows::uuid(row, "uuid")?,
                values,
                database,
                owners: users.all(owners.get(&id)),
                columns: columns.remove(&id).unwrap_or_default(),
                metrics: metrics.remove(&id).unwrap_or_default(),
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, dataset);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn dataset(&self, id: i64) -> Result<Dataset> {
        self.datasets(&[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// Which of `ids` name existing datasets.
    pub async fn existing_dataset_ids(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.existing_ids("tables", ids).await
    }

    pub async fn dataset_exists(&self, id: i64) -> Result<bool> {
        Ok(!self.existing_ids("tables", &[id]).await?.is_empty())
    }

    pub async fn database_exists(&self, id: i64) -> Result<bool> {
        Ok(!self.existing_ids("dbs", &[id]).await?.is_empty())
    }

    pub async fn dataset_id_by_uuid(&self, uuid: &Uuid) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM tables WHERE uuid = ");
        q.bind(uuid.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|r| get(&r, 0))
            .transpose()
    }

    /// The dataset with Superset's identity (database, catalog, schema, table name); a
    /// missing catalog or schema matches NULL or empty, as the unique index does.
    pub async fn dataset_id_by_identity(
        &self,
        database_id: i64,
        catalog: Option<&str>,
        schema: Option<&str>,
        table_name: &str,
    ) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM tables WHERE database_id = ");
        q.bind(database_id)
            .push(" AND COALESCE(catalog, '') = ")
            .bind(catalog.unwrap_or_default().to_string())
            .push(" AND COALESCE(schema, '') = ")
            .bind(schema.unwrap_or_default().to_string())
            .push(" AND table_name = ")
            .bind(table_name.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|r| get(&r, 0))
            .transpose()
    }

    /// Creates a dataset with its owners, columns and metrics. Column and metric ids are
    /// ignored; missing uuids are generated. A duplicate identity is a `Conflict`.
    pub async fn insert_dataset(
        &self,
        uuid: Uuid,
        v: &DatasetValues,
        owners: &[i64],
        columns: &[DatasetColumn],
        metrics: &[DatasetMetric],
        actor: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_dataset_in(&mut tx, uuid, v, owners, columns, metrics, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes every value column. `owners` replaces the owner links when given.
    /// `columns`/`metrics`, when given, are the full desired set (Superset's semantics):
    /// items with an id belonging to this dataset are rewritten, items without one are
    /// created, and existing items missing from the list are deleted. An id that is not one
    /// of this dataset's is a `Conflict`; nothing is written then.
    pub async fn update_dataset(
        &self,
        id: i64,
        v: &DatasetValues,
        owners: Option<&[i64]>,
        columns: Option<&[DatasetColumn]>,
        metrics: Option<&[DatasetMetric]>,
        actor: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        update_dataset_in(&mut tx, id, v, owners, columns, metrics, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all of `ids` or none: returns `NotFound` when any is missing. Columns,
    /// metrics and owner links go with them; charts keep their dangling `datasource_id`.
    pub async fn delete_datasets(&self, ids: &[i64]) -> Result<()> {
        self.delete_all_or_nothing("tables", ids).await?;
        // Ids are never reused, so a leftover grant would name nothing; drop it anyway.
        self.drop_data_access("datasource_access", ids).await
    }

    /// Deletes one column of a dataset; `NotFound` when it is not one of the dataset's.
    pub async fn delete_dataset_column(&self, dataset_id: i64, column_id: i64) -> Result<()> {
        self.delete_child("table_columns", dataset_id, column_id)
            .await
    }

    /// Deletes one metric of a dataset; `NotFound` when it is not one of the dataset's.
    pub async fn delete_dataset_metric(&self, dataset_id: i64, metric_id: i64) -> Result<()> {
        self.delete_child("sql_metrics", dataset_id, metric_id)
            .await
    }

    async fn delete_child(&self, table: &str, dataset_id: i64, child_id: i64) -> Result<()> {
        let mut q = Sql::new(&format!("DELETE FROM {table} WHERE id = "));
        q.bind(child_id).push(" AND table_id = ").bind(dataset_id);
        match q.execute(&self.pool).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}

/// Superset's duplicate message: `Dataset main.sales already exists`.
fn already_exists(v: &DatasetValues) -> String {
    let name = [
        v.catalog.as_deref(),
        v.schema.as_deref(),
        Some(v.table_name.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(".");
    format!("Dataset {name} already exists")
}

fn push_dataset_values(q: &mut Sql, v: &DatasetValues) {
    q.bind(v.table_name.clone())
        .value(v.database_id)
        .value(v.catalog.clone())
        .value(v.schema.clone())
        .value(v.sql.clone())
        .value(v.description.clone())
        .value(v.main_dttm_col.clone())
        .value(v.default_endpoint.clone())
        .value(v.offset)
        .value(v.cache_timeout)
        .value(v.is_sqllab_view)
        .value(v.template_params.clone())
        .value(v.extra.clone())
        .value(v.filter_select_enabled)
        .value(v.fetch_values_predicate.clone())
        .value(v.normalize_columns)
        .value(v.always_filter_main_dttm)
        .value(v.is_managed_externally)
        .value(v.external_url.clone());
}

fn push_column_values(q: &mut Sql, c: &DatasetColumn) {
    q.bind(c.column_name.clone())
        .value(c.verbose_name.clone())
        .value(c.r#type.clone())
        .value(c.is_dttm)
        .value(c.is_active)
        .value(c.groupby)
        .value(c.filterable)
        .value(c.expression.clone())
        .value(c.description.clone())
        .value(c.python_date_format.clone())
        .value(c.advanced_data_type.clone())
        .value(c.extra.clone());
}

fn push_metric_values(q: &mut Sql, m: &DatasetMetric) {
    q.bind(m.metric_name.clone())
        .value(m.verbose_name.clone())
        .value(m.metric_type.clone())
        .value(m.expression.clone())
        .value(m.description.clone())
        .value(m.d3format.clone())
        .value(m.currency.clone())
        .value(m.warning_text.clone())
        .value(m.extra.clone());
}

async fn insert_column(tx: &mut Tx<'_>, table_id: i64, c: &DatasetColumn, now: i64) -> Result<()> {
    let uuid = c.uuid.unwrap_or_else(Uuid::new_v4);
    let mut q = Sql::new(&format!(
        "INSERT INTO table_columns (uuid, table_id, {COLUMN_COLUMNS}, created_on, changed_on) VALUES ("
    ));
    q.bind(uuid.to_string()).value(table_id).push(", ");
    push_column_values(&mut q, c);
    q.value(now).value(now).push(")");
    q.execute(&mut **tx).await.map_err(|e| {
        crate::conflict_on_unique(e, &format!("Duplicate column name {}", c.column_name))
    })?;
    Ok(())
}

/// Rewrites a column known to belong to the dataset; its uuid changes only when given.
async fn update_column(tx: &mut Tx<'_>, column_id: i64, c: &DatasetColumn, now: i64) -> Result<()> {
    let mut q = Sql::new(&format!(
        "UPDATE table_columns SET ({COLUMN_COLUMNS}, changed_on"
    ));
    if c.uuid.is_some() {
        q.push(", uuid");
    }
    q.push(") = (");
    push_column_values(&mut q, c);
    q.value(now);
    if let Some(uuid) = c.uuid {
        q.value(uuid.to_string());
    }
    q.push(") WHERE id = ").bind(column_id);
    q.execute(&mut **tx).await.map_err(|e| {
        crate::conflict_on_unique(e, &format!("Duplicate column name {}", c.column_name))
    })?;
    Ok(())
}

async fn insert_metric(tx: &mut Tx<'_>, table_id: i64, m: &DatasetMetric, now: i64) -> Result<()> {
    let uuid = m.uuid.unwrap_or_else(Uuid::new_v4);
    let mut q = Sql::new(&format!(
        "INSERT INTO sql_metrics (uuid, table_id, {METRIC_COLUMNS}, created_on, changed_on) VALUES ("
    ));
    q.bind(uuid.to_string()).value(table_id).push(", ");
    push_metric_values(&mut q, m);
    q.value(now).value(now).push(")");
    q.execute(&mut **tx).await.map_err(|e| {
        crate::conflict_on_unique(e, &format!("Duplicate metric name {}", m.metric_name))
    })?;
    Ok(())
}

/// Rewrites a metric known to belong to the dataset; its uuid changes only when given.
async fn update_metric(tx: &mut Tx<'_>, metric_id: i64, m: &DatasetMetric, now: i64) -> Result<()> {
    let mut q = Sql::new(&format!(
        "UPDATE sql_metrics SET ({METRIC_COLUMNS}, changed_on"
    ));
    if m.uuid.is_some() {
        q.push(", uuid");
    }
    q.push(") = (");
    push_metric_values(&mut q, m);
    q.value(now);
    if let Some(uuid) = m.uuid {
        q.value(uuid.to_string());
    }
    q.push(") WHERE id = ").bind(metric_id);
    q.execute(&mut **tx).await.map_err(|e| {
        crate::conflict_on_unique(e, &format!("Duplicate metric name {}", m.metric_name))
    })?;
    Ok(())
}

/// The ids among `given` that the update keeps; every one must already belong to the
/// dataset, else `Conflict`.
async fn child_ids_to_keep(
    tx: &mut Tx<'_>,
    table: &str,
    what: &str,
    table_id: i64,
    given: impl Iterator<Item = Option<i64>>,
) -> Result<HashSet<i64>> {
    let mut q = Sql::new(&format!("SELECT id FROM {table} WHERE table_id = "));
    q.bind(table_id);
    let existing = q
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| get::<i64>(row, 0))
        .collect::<Result<HashSet<_>>>()?;
    let mut keep = HashSet::new();
    for id in given.flatten() {
        if !existing.contains(&id) {
            return Err(StoreError::Conflict(format!(
                "{what} id {id} does not belong to dataset {table_id}"
            )));
        }
        keep.insert(id);
    }
    Ok(keep)
}

/// Deletes the dataset's rows of `table` whose id is not in `keep`.
async fn delete_children_except(
    tx: &mut Tx<'_>,
    table: &str,
    table_id: i64,
    keep: &HashSet<i64>,
) -> Result<()> {
    let mut q = Sql::new(&format!("DELETE FROM {table} WHERE table_id = "));
    q.bind(table_id);
    if !keep.is_empty() {
        let mut keep: Vec<i64> = keep.iter().copied().collect();
        keep.sort_unstable();
        q.push(" AND id NOT IN (").bind_list(keep).push(")");
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Columns of each of `table_ids`, ordered by id.
pub(crate) async fn load_columns<'e, E>(
    executor: E,
    table_ids: &[i64],
) -> Result<HashMap<i64, Vec<DatasetColumn>>>
where
    E: Executor<'e, Database = Any>,
{
    let mut q = Sql::new(&format!(
        "SELECT id, uuid, table_id, column_name, verbose_name, type, {}, {}, {}, {}, expression, description, \
         python_date_format, advanced_data_type, extra, created_on, changed_on FROM table_columns WHERE table_id IN (",
        flag_column("is_dttm", "is_dttm"),
        flag_column("is_active", "is_active"),
        flag_column("groupby", "groupby"),
        flag_column("filterable", "filterable"),
    ));
    q.bind_list(table_ids.to_vec()).push(") ORDER BY id");
    let mut out: HashMap<i64, Vec<DatasetColumn>> = HashMap::new();
    for row in q.fetch_all(executor).await? {
        out.entry(get(&row, "table_id")?)
            .or_default()
            .push(column_from_row(&row)?);
    }
    Ok(out)
}

fn column_from_row(row: &AnyRow) -> Result<DatasetColumn> {
    Ok(DatasetColumn {
        id: Some(get(row, "id")?),
        uuid: Some(rows::uuid(row, "uuid")?),
        column_name: get(row, "column_name")?,
        verbose_name: get(row, "verbose_name")?,
        r#type: get(row, "type")?,
        is_dttm: flag(row, "is_dttm")?,
        is_active: flag(row, "is_active")?,
        groupby: flag(row, "groupby")?,
        filterable: flag(row, "filterable")?,
        expression: get(row, "expression")?,
        description: get(row, "description")?,
        python_date_format: get(row, "python_date_format")?,
        advanced_data_type: get(row, "advanced_data_type")?,
        extra: get(row, "extra")?,
        created_on: Some(rows::time(row, "created_on")?),
        changed_on: Some(rows::time(row, "changed_on")?),
    })
}

/// Metrics of each of `table_ids`, ordered by id.
pub(crate) async fn load_metrics<'e, E>(
    executor: E,
    table_ids: &[i64],
) -> Result<HashMap<i64, Vec<DatasetMetric>>>
where
    E: Executor<'e, Database = Any>,
{
    let mut q = Sql::new(&format!(
        "SELECT id, uuid, table_id, {METRIC_COLUMNS}, created_on, changed_on FROM sql_metrics WHERE table_id IN ("
    ));
    q.bind_list(table_ids.to_vec()).push(") ORDER BY id");
    let mut out: HashMap<i64, Vec<DatasetMetric>> = HashMap::new();
    for row in q.fetch_all(executor).await? {
        out.entry(get(&row, "table_id")?)
            .or_default()
            .push(metric_from_row(&row)?);
    }
    Ok(out)
}

fn metric_from_row(row: &AnyRow) -> Result<DatasetMetric> {
    Ok(DatasetMetric {
        id: Some(get(row, "id")?),
        uuid: Some(rows::uuid(row, "uuid")?),
        metric_name: get(row, "metric_name")?,
        verbose_name: get(row, "verbose_name")?,
        metric_type: get(row, "metric_type")?,
        expression: get(row, "expression")?,
        description: get(row, "description")?,
        d3format: get(row, "d3format")?,
        currency: get(row, "currency")?,
        warning_text: get(row, "warning_text")?,
        extra: get(row, "extra")?,
        created_on: Some(rows::time(row, "created_on")?),
        changed_on: Some(rows::time(row, "changed_on")?),
    })
}

pub(crate) async fn insert_dataset_in(
    tx: &mut Tx<'_>,
    uuid: Uuid,
    v: &DatasetValues,
    owners: &[i64],
    columns: &[DatasetColumn],
    metrics: &[DatasetMetric],
    actor: i64,
) -> Result<i64> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(&format!(
        "INSERT INTO tables (uuid, {VALUE_COLUMNS}, created_on, changed_on, created_by_fk, changed_by_fk) VALUES ("
    ));
    q.bind(uuid.to_string()).push(", ");
    push_dataset_values(&mut q, v);
    q.value(now)
        .value(now)
        .value(actor)
        .value(actor)
        .push(") RETURNING id");
    let row = q
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| crate::conflict_on_unique(e, &already_exists(v)))?;
    let id: i64 = get(&row, 0)?;
    replace_links(tx, "sqlatable_user", "table_id", "user_id", id, owners).await?;
    for c in columns {
        insert_column(tx, id, c, now).await?;
    }
    for m in metrics {
        insert_metric(tx, id, m, now).await?;
    }
    sync_dataset_access(tx, id, v).await?;
    Ok(id)
}

/// Superset's `datasource_access` permission-view on `[database].[table](id:N)`, and
/// `schema_access` on `[database].[schema]`.
async fn sync_dataset_access(tx: &mut Tx<'_>, id: i64, v: &DatasetValues) -> Result<()> {
    let mut db = Sql::new("SELECT database_name FROM dbs WHERE id = ");
    db.bind(v.database_id);
    let Some(row) = db.fetch_optional(&mut **tx).await? else {
        return Ok(());
    };
    let database: String = get(&row, 0)?;
    if let Some(schema) = v.schema.as_deref().filter(|s| !s.is_empty()) {
        // Every dataset's schema can be granted whole, as in Superset.
        let view = format!("[{database}].[{schema}]");
        crate::security::ensure_permission_view(tx, "schema_access", &view).await?;
    }
    let name = format!("[{database}].[{}](id:{id})", v.table_name);
    crate::security::sync_data_access(tx, "datasource_access", id, &name).await
}

pub(crate) async fn update_dataset_in(
    tx: &mut Tx<'_>,
    id: i64,
    v: &DatasetValues,
    owners: Option<&[i64]>,
    columns: Option<&[DatasetColumn]>,
    metrics: Option<&[DatasetMetric]>,
    actor: i64,
) -> Result<()> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(&format!(
        "UPDATE tables SET ({VALUE_COLUMNS}, changed_on, changed_by_fk) = ("
    ));
    push_dataset_values(&mut q, v);
    q.value(now).value(actor).push(") WHERE id = ").bind(id);
    let updated = q
        .execute(&mut **tx)
        .await
        .map_err(|e| crate::conflict_on_unique(e, &already_exists(v)))?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    if let Some(owners) = owners {
        replace_links(tx, "sqlatable_user", "table_id", "user_id", id, owners).await?;
    }
    if let Some(columns) = columns {
        let keep = child_ids_to_keep(
            tx,
            "table_columns",
            "column",
            id,
            columns.iter().map(|c| c.id),
        )
        .await?;
        delete_children_except(tx, "table_columns", id, &keep).await?;
        for c in columns {
            match c.id {
                Some(column_id) => update_column(tx, column_id, c, now).await?,
                None => insert_column(tx, id, c, now).await?,
            }
        }
    }
    if let Some(metrics) = metrics {
        let keep = child_ids_to_keep(
            tx,
            "sql_metrics",
            "metric",
            id,
            metrics.iter().map(|m| m.id),
        )
        .await?;
        delete_children_except(tx, "sql_metrics", id, &keep).await?;
        for m in metrics {
            match m.id {
                Some(metric_id) => update_metric(tx, metric_id, m, now).await?,
                None => insert_metric(tx, id, m, now).await?,
            }
        }
    }
    sync_dataset_access(tx, id, v).await
}

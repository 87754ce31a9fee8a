//! Database connections: the `dbs` table. The URI is stored with its password masked;
//! the real password lives in its own column and only leaves the store inside
//! [`Database::password`].

use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, flag, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use std::collections::HashMap;
use tessera_model::{Database, DatabaseValues, Timestamp};
use uuid::Uuid;

const DUPLICATE_NAME: &str = "A database with the same name already exists.";
const HAS_DATASETS: &str = "Cannot delete a database that has datasets attached";

pub static DATABASES: Resource = Resource {
    table: "dbs",
    search: &[
        SearchColumn::new("allow_file_upload", "t.allow_file_upload", Kind::Bool)
            .with_custom(&["upload_is_enabled"]),
        SearchColumn::new("allow_dml", "t.allow_dml", Kind::Bool),
        SearchColumn::new("allow_run_async", "t.allow_run_async", Kind::Bool),
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
        SearchColumn::new("database_name", "t.database_name", Kind::Text),
        SearchColumn::new("expose_in_sqllab", "t.expose_in_sqllab", Kind::Bool),
        SearchColumn::new("uuid", "t.uuid", Kind::Text),
    ],
    order: &[
        OrderColumn {
            name: "changed_on_delta_humanized",
            sql: "t.changed_on",
        },
        OrderColumn {
            name: "database_name",
            sql: "t.database_name",
        },
    ],
    default_order: ("t.changed_on", true),
    restrict: restrict_databases,
};

/// A restricted viewer sees the databases they were granted and those holding a
/// dataset they were granted.
fn restrict_databases(sql: &mut Sql, r: &Restriction) {
    sql.push("1 = 0");
    if !r.database_ids.is_empty() {
        sql.push(" OR t.id IN (")
            .bind_list(r.database_ids.clone())
            .push(")");
    }
    if !r.dataset_ids.is_empty() {
        sql.push(" OR EXISTS (SELECT 1 FROM tables d WHERE d.database_id = t.id AND d.id IN (")
            .bind_list(r.dataset_ids.clone())
            .push("))");
    }
}

impl Store {
    /// Databases by id, in the order of `ids`; unknown ids are skipped.
    pub async fn databases(&self, ids: &[i64]) -> Result<Vec<Database>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.uuid, t.database_name, t.sqlalchemy_uri, t.password, t.cache_timeout, \
             t.force_ctas_schema, t.configuration_method, t.extra, t.encrypted_extra, t.server_cert, \
             t.external_url, {}, {} FROM dbs t WHERE t.id IN (",
            flag_columns(&[
                "expose_in_sqllab",
                "allow_run_async",
                "allow_file_upload",
                "allow_ctas",
                "allow_cvas",
                "allow_dml",
                "impersonate_user",
                "is_managed_externally",
            ]),
            rows::AUDIT_COLUMNS,
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let users = self.page_users(&fetched, &[], &HashMap::new()).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let database = Database {
                id,
                uuid: rows::uuid(row, "uuid")?,
                values: DatabaseValues {
                    database_name: get(row, "database_name")?,
                    sqlalchemy_uri: get(row, "sqlalchemy_uri")?,
                    cache_timeout: get(row, "cache_timeout")?,
                    expose_in_sqllab: flag(row, "expose_in_sqllab")?,
                    allow_run_async: flag(row, "allow_run_async")?,
                    allow_file_upload: flag(row, "allow_file_upload")?,
                    allow_ctas: flag(row, "allow_ctas")?,
                    allow_cvas: flag(row, "allow_cvas")?,
                    allow_dml: flag(row, "allow_dml")?,
                    force_ctas_schema: get(row, "force_ctas_schema")?,
                    configuration_method: get(row, "configuration_method")?,
                    impersonate_user: flag(row, "impersonate_user")?,
                    extra: get(row, "extra")?,
                    encrypted_extra: get(row, "encrypted_extra")?,
                    server_cert: get(row, "server_cert")?,
                    is_managed_externally: flag(row, "is_managed_externally")?,
                    external_url: get(row, "external_url")?,
                },
                password: get(row, "password")?,
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, database);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn database(&self, id: i64) -> Result<Database> {
        self.databases(&[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub async fn database_id_by_name(&self, name: &str) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM dbs WHERE database_name = ");
        q.bind(name.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|r| get(&r, 0))
            .transpose()
    }

    pub async fn insert_database(
        &self,
        uuid: Uuid,
        v: &DatabaseValues,
        password: Option<&str>,
        actor: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_database_in(&mut tx, uuid, v, password, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes every value column and the password.
    pub async fn update_database(
        &self,
        id: i64,
        v: &DatabaseValues,
        password: Option<&str>,
        actor: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        update_database_in(&mut tx, id, v, password, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one database; refuses while datasets still reference it.
    pub async fn delete_database(&self, id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let mut datasets = Sql::new("SELECT 1 FROM tables WHERE database_id = ");
        datasets.bind(id).push(" LIMIT 1");
        if datasets.fetch_optional(&mut *tx).await?.is_some() {
            tx.rollback().await?;
            return Err(StoreError::Conflict(HAS_DATASETS.to_string()));
        }
        let mut delete = Sql::new("DELETE FROM dbs WHERE id = ");
        delete.bind(id);
        if delete.execute(&mut *tx).await? == 0 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        // Ids are never reused, so a leftover grant would name nothing; drop it anyway.
        self.drop_data_access("database_access", &[id]).await
    }
}

/// Selects boolean columns of `t` as integers under their own names. sqlx's `Any`
/// driver cannot decode a SQLite column declared `BOOLEAN` (it has no mapping for that
/// type), while a cast expression carries no declared type; PostgreSQL casts `boolean`
/// to `integer` natively.
fn flag_columns(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| rows::flag_column(&format!("t.{c}"), c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the value columns in the order the statements above name them.
fn push_database_values(q: &mut Sql, v: &DatabaseValues) {
    q.bind(v.database_name.clone())
        .value(v.sqlalchemy_uri.clone())
        .value(v.cache_timeout)
        .value(v.expose_in_sqllab)
        .value(v.allow_run_async)
        .value(v.allow_file_upload)
        .value(v.allow_ctas)
        .value(v.allow_cvas)
        .value(v.allow_dml)
        .value(v.force_ctas_schema.clone())
        .value(v.configuration_method.clone())
        .value(v.impersonate_user)
        .value(v.extra.clone())
        .value(v.encrypted_extra.clone())
        .value(v.server_cert.clone())
        .value(v.is_managed_externally)
        .value(v.external_url.clone());
}

pub(crate) async fn insert_database_in(
    tx: &mut Tx<'_>,
    uuid: Uuid,
    v: &DatabaseValues,
    password: Option<&str>,
    actor: i64,
) -> Result<i64> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "INSERT INTO dbs (uuid, database_name, sqlalchemy_uri, cache_timeout, expose_in_sqllab, allow_run_async, \
         allow_file_upload, allow_ctas, allow_cvas, allow_dml, force_ctas_schema, configuration_method, \
         impersonate_user, extra, encrypted_extra, server_cert, is_managed_externally, external_url, password, \
         created_on, changed_on, created_by_fk, changed_by_fk) VALUES (",
    );
    q.bind(uuid.to_string()).push(", ");
    push_database_values(&mut q, v);
    q.value(password.map(str::to_string))
        .value(now)
        .value(now)
        .value(actor)
        .value(actor)
        .push(") RETURNING id");
    let id: i64 = get(
        &q.fetch_one(&mut **tx)
            .await
            .map_err(|e| crate::conflict_on_unique(e, DUPLICATE_NAME))?,
        0,
    )?;
    sync_database_access(tx, id, &v.database_name).await?;
    Ok(id)
}

pub(crate) async fn update_database_in(
    tx: &mut Tx<'_>,
    id: i64,
    v: &DatabaseValues,
    password: Option<&str>,
    actor: i64,
) -> Result<()> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "UPDATE dbs SET (database_name, sqlalchemy_uri, cache_timeout, expose_in_sqllab, allow_run_async, \
         allow_file_upload, allow_ctas, allow_cvas, allow_dml, force_ctas_schema, configuration_method, \
         impersonate_user, extra, encrypted_extra, server_cert, is_managed_externally, external_url, password, \
         changed_on, changed_by_fk) = (",
    );
    push_database_values(&mut q, v);
    q.value(password.map(str::to_string))
        .value(now)
        .value(actor)
        .push(") WHERE id = ")
        .bind(id);
    if q.execute(&mut **tx)
        .await
        .map_err(|e| crate::conflict_on_unique(e, DUPLICATE_NAME))?
        == 0
    {
        return Err(StoreError::NotFound);
    }
    sync_database_access(tx, id, &v.database_name).await
}

/// Superset's `database_access` permission-view on `[name].(id:N)`.
async fn sync_database_access(tx: &mut Tx<'_>, id: i64, name: &str) -> Result<()> {
    crate::security::sync_data_access(tx, "database_access", id, &format!("[{name}].(id:{id})"))
        .await
}

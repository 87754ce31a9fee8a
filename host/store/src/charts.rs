//! Charts: the `slices` table, its owners (`slice_user`) and dashboards (`dashboard_slices`).

use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use std::collections::HashMap;
use tessera_model::chart::{DashboardRef, DatasetRef};
use tessera_model::{Chart, ChartValues, Timestamp};
use uuid::Uuid;

const OWNERS: Kind = Kind::ManyToMany("slice_user", "slice_id", "user_id");
const DASHBOARDS: Kind = Kind::ManyToMany("dashboard_slices", "slice_id", "dashboard_id");

pub static CHARTS: Resource = Resource {
    table: "slices",
    search: &[
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne)
            .with_custom(&["chart_has_created_by", "chart_created_by_me"]),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
        SearchColumn::new("last_saved_at", "t.last_saved_at", Kind::Time),
        SearchColumn::new("last_saved_by", "t.last_saved_by_fk", Kind::ManyToOne),
        SearchColumn::new("datasource_id", "t.datasource_id", Kind::Int),
        SearchColumn::new("datasource_name", "t.datasource_name", Kind::Text),
        SearchColumn::new("datasource_type", "t.datasource_type", Kind::Text),
        SearchColumn::new("description", "t.description", Kind::Text),
        SearchColumn::new("id", "t.id", Kind::Int).with_custom(&[
            "chart_is_favorite",
            "chart_is_certified",
            "chart_owned_created_favored_by_me",
        ]),
        SearchColumn::new("uuid", "t.uuid", Kind::Text),
        SearchColumn::new("owners", "t.id", OWNERS),
        SearchColumn::new("dashboards", "t.id", DASHBOARDS),
        SearchColumn::new("slice_name", "t.slice_name", Kind::Text)
            .with_custom(&["chart_all_text"]),
        SearchColumn::new("viz_type", "t.viz_type", Kind::Text),
    ],
    order: &[
        OrderColumn {
            name: "changed_by.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.changed_by_fk)",
        },
        OrderColumn {
            name: "changed_on_delta_humanized",
            sql: "t.changed_on",
        },
        OrderColumn {
            name: "datasource_id",
            sql: "t.datasource_id",
        },
        OrderColumn {
            name: "datasource_name",
            sql: "t.datasource_name",
        },
        OrderColumn {
            name: "last_saved_at",
            sql: "t.last_saved_at",
        },
        OrderColumn {
            name: "last_saved_by.id",
            sql: "t.last_saved_by_fk",
        },
        OrderColumn {
            name: "last_saved_by.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.last_saved_by_fk)",
        },
        OrderColumn {
            name: "last_saved_by.last_name",
            sql: "(SELECT u.last_name FROM ab_user u WHERE u.id = t.last_saved_by_fk)",
        },
        OrderColumn {
            name: "slice_name",
            sql: "t.slice_name",
        },
        OrderColumn {
            name: "viz_type",
            sql: "t.viz_type",
        },
    ],
    default_order: ("t.changed_on", true),
    restrict: restrict_charts,
};

/// A restricted viewer sees the charts they own and those on datasets they may read.
fn restrict_charts(sql: &mut Sql, r: &Restriction) {
    sql.push("EXISTS (SELECT 1 FROM slice_user o WHERE o.slice_id = t.id AND o.user_id = ")
        .bind(r.user_id)
        .push(")");
    if !r.dataset_ids.is_empty() {
        sql.push(" OR t.datasource_id IN (")
            .bind_list(r.dataset_ids.clone())
            .push(")");
    }
    if !r.database_ids.is_empty() {
        sql.push(" OR t.datasource_id IN (SELECT d.id FROM tables d WHERE d.database_id IN (")
            .bind_list(r.database_ids.clone())
            .push("))");
    }
}

impl Store {
    /// Charts by id, in the order of `ids`; unknown ids are skipped.
    pub async fn charts(&self, ids: &[i64]) -> Result<Vec<Chart>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.uuid, t.slice_name, t.viz_type, t.datasource_id, t.datasource_type, t.datasource_name, \
             t.params, t.query_context, t.description, t.cache_timeout, t.certified_by, t.certification_details, \
             {}, t.external_url, t.last_saved_at, t.last_saved_by_fk, {}, \
             d.id AS ds_id, d.uuid AS ds_uuid, d.table_name AS ds_table_name, d.schema AS ds_schema, \
             d.default_endpoint AS ds_default_endpoint \
             FROM slices t LEFT JOIN tables d ON d.id = t.datasource_id WHERE t.id IN (",
            rows::flag_column("t.is_managed_externally", "is_managed_externally"),
            rows::AUDIT_COLUMNS,
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let owners = self.owner_ids("slice_user", "slice_id", ids).await?;
        let users = self
            .page_users(&fetched, &["last_saved_by_fk"], &owners)
            .await?;
        let mut dashboards = self.chart_dashboards(ids).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let dataset = match get::<Option<i64>>(row, "ds_id")? {
                Some(ds_id) => Some(DatasetRef {
                    id: ds_id,
                    uuid: rows::uuid(row, "ds_uuid")?,
                    table_name: get(row, "ds_table_name")?,
                    schema: get(row, "ds_schema")?,
                    default_endpoint: get(row, "ds_default_endpoint")?,
                }),
                None => None,
            };
            let chart = Chart {
                id,
                uuid: rows::uuid(row, "uuid")?,
                values: ChartValues {
                    slice_name: get(row, "slice_name")?,
                    viz_type: get(row, "viz_type")?,
                    datasource_id: get(row, "datasource_id")?,
                    datasource_type: get(row, "datasource_type")?,
                    datasource_name: get(row, "datasource_name")?,
                    params: get(row, "params")?,
                    query_context: get(row, "query_context")?,
                    description: get(row, "description")?,
                    cache_timeout: get(row, "cache_timeout")?,
                    certified_by: get(row, "certified_by")?,
                    certification_details: get(row, "certification_details")?,
                    is_managed_externally: rows::flag(row, "is_managed_externally")?,
                    external_url: get(row, "external_url")?,
                },
                owners: users.all(owners.get(&id)),
                dashboards: dashboards.remove(&id).unwrap_or_default(),
                dataset,
                last_saved_at: rows::opt_time(row, "last_saved_at")?,
                last_saved_by: users.get(get(row, "last_saved_by_fk")?),
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, chart);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn chart(&self, id: i64) -> Result<Chart> {
        self.charts(&[id]).await?.pop().ok_or(StoreError::NotFound)
    }

    pub async fn chart_id_by_uuid(&self, uuid: &Uuid) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM slices WHERE uuid = ");
        q.bind(uuid.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|r| get(&r, 0))
            .transpose()
    }

    async fn chart_dashboards(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<DashboardRef>>> {
        let mut q = Sql::new(
            "SELECT l.slice_id, d.id, d.dashboard_title, d.json_metadata FROM dashboard_slices l \
             JOIN dashboards d ON d.id = l.dashboard_id WHERE l.slice_id IN (",
        );
        q.bind_list(ids.to_vec()).push(") ORDER BY d.id");
        let mut out: HashMap<i64, Vec<DashboardRef>> = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            out.entry(get(&row, 0)?).or_default().push(DashboardRef {
                id: get(&row, 1)?,
                dashboard_title: get(&row, 2)?,
                json_metadata: get(&row, 3)?,
            });
        }
        Ok(out)
    }

    pub async fn insert_chart(
        &self,
        uuid: Uuid,
        v: &ChartValues,
        owners: &[i64],
        dashboards: &[i64],
        actor: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_chart_in(&mut tx, uuid, v, owners, dashboards, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes every value column; `owners`/`dashboards` replace the links when given.
    pub async fn update_chart(
        &self,
        id: i64,
        v: &ChartValues,
        owners: Option<&[i64]>,
        dashboards: Option<&[i64]>,
        actor: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        update_chart_in(&mut tx, id, v, owners, dashboards, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all of `ids` or none: returns `NotFound` when any is missing.
    pub async fn delete_charts(&self, ids: &[i64]) -> Result<()> {
        self.delete_all_or_nothing("slices", ids).await
    }

    pub async fn existing_dashboard_ids(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.existing_ids("dashboards", ids).await
    }

    pub(crate) async fn delete_all_or_nothing(&self, table: &str, ids: &[i64]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let mut q = Sql::new(&format!("DELETE FROM {table} WHERE id IN ("));
        q.bind_list(ids.to_vec()).push(")");
        let deleted = q.execute(&mut *tx).await?;
        if ids.is_empty() || deleted != ids.len() as u64 {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}

fn push_chart_values(q: &mut Sql, v: &ChartValues) {
    q.bind(v.slice_name.clone())
        .value(v.viz_type.clone())
        .value(v.datasource_id)
        .value(v.datasource_type.clone())
        .value(v.datasource_name.clone())
        .value(v.params.clone())
        .value(v.query_context.clone())
        .value(v.description.clone())
        .value(v.cache_timeout)
        .value(v.certified_by.clone())
        .value(v.certification_details.clone())
        .value(v.is_managed_externally)
        .value(v.external_url.clone());
}

/// Replaces the rows of a link table for one object.
pub(crate) async fn replace_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    link: &str,
    this: &str,
    other: &str,
    id: i64,
    others: &[i64],
) -> Result<()> {
    let mut delete = Sql::new(&format!("DELETE FROM {link} WHERE {this} = "));
    delete.bind(id);
    delete.execute(&mut **tx).await?;
    let mut seen = std::collections::HashSet::new();
    for other_id in others.iter().filter(|o| seen.insert(**o)) {
        let mut insert = Sql::new(&format!("INSERT INTO {link} ({this}, {other}) VALUES ("));
        insert.bind(id).value(*other_id).push(")");
        insert.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn insert_chart_in(
    tx: &mut Tx<'_>,
    uuid: Uuid,
    v: &ChartValues,
    owners: &[i64],
    dashboards: &[i64],
    actor: i64,
) -> Result<i64> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "INSERT INTO slices (uuid, slice_name, viz_type, datasource_id, datasource_type, datasource_name, params, \
         query_context, description, cache_timeout, certified_by, certification_details, is_managed_externally, \
         external_url, last_saved_at, last_saved_by_fk, created_on, changed_on, created_by_fk, changed_by_fk) VALUES (",
    );
    q.bind(uuid.to_string()).push(", ");
    push_chart_values(&mut q, v);
    q.value(now)
        .value(actor)
        .value(now)
        .value(now)
        .value(actor)
        .value(actor)
        .push(") RETURNING id");
    let id: i64 = get(
        &q.fetch_one(&mut **tx)
            .await
            .map_err(|e| crate::conflict_on_unique(e, "uuid already exists"))?,
        0,
    )?;
    replace_links(tx, "slice_user", "slice_id", "user_id", id, owners).await?;
    replace_links(
        tx,
        "dashboard_slices",
        "slice_id",
        "dashboard_id",
        id,
        dashboards,
    )
    .await?;
    Ok(id)
}

pub(crate) async fn update_chart_in(
    tx: &mut Tx<'_>,
    id: i64,
    v: &ChartValues,
    owners: Option<&[i64]>,
    dashboards: Option<&[i64]>,
    actor: i64,
) -> Result<()> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "UPDATE slices SET (slice_name, viz_type, datasource_id, datasource_type, datasource_name, params, \
         query_context, description, cache_timeout, certified_by, certification_details, is_managed_externally, \
         external_url, last_saved_at, last_saved_by_fk, changed_on, changed_by_fk) = (",
    );
    push_chart_values(&mut q, v);
    q.value(now)
        .value(actor)
        .value(now)
        .value(actor)
        .push(") WHERE id = ")
        .bind(id);
    if q.execute(&mut **tx).await? == 0 {
        return Err(StoreError::NotFound);
    }
    if let Some(owners) = owners {
        replace_links(tx, "slice_user", "slice_id", "user_id", id, owners).await?;
    }
    if let Some(dashboards) = dashboards {
        replace_links(
            tx,
            "dashboard_slices",
            "slice_id",
            "dashboard_id",
            id,
            dashboards,
        )
        .await?;
    }
    Ok(())
}

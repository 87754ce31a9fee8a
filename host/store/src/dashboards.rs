//! Dashboards: the `dashboards` table, its owners (`dashboard_user`), roles
//! (`dashboard_roles`) and charts (`dashboard_slices`).

use crate::charts::replace_links;
use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use std::collections::HashMap;
use tessera_model::{Dashboard, DashboardValues, Role, Timestamp};
use uuid::Uuid;

const OWNERS: Kind = Kind::ManyToMany("dashboard_user", "dashboard_id", "user_id");
const ROLES: Kind = Kind::ManyToMany("dashboard_roles", "dashboard_id", "role_id");

pub static DASHBOARDS: Resource = Resource {
    table: "dashboards",
    search: &[
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne)
            .with_custom(&["dashboard_created_by_me", "dashboard_has_created_by"]),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
        SearchColumn::new("dashboard_title", "t.dashboard_title", Kind::Text)
            .with_custom(&["title_or_slug"]),
        SearchColumn::new("id", "t.id", Kind::Int)
            .with_custom(&["dashboard_is_favorite", "dashboard_is_certified"]),
        SearchColumn::new("uuid", "t.uuid", Kind::Text),
        SearchColumn::new("owners", "t.id", OWNERS),
        SearchColumn::new("published", "t.published", Kind::Bool),
        SearchColumn::new("roles", "t.id", ROLES),
        SearchColumn::new("slug", "t.slug", Kind::Text),
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
            name: "created_by.first_name",
            sql: "(SELECT u.first_name FROM ab_user u WHERE u.id = t.created_by_fk)",
        },
        OrderColumn {
            name: "dashboard_title",
            sql: "t.dashboard_title",
        },
        OrderColumn {
            name: "published",
            sql: "t.published",
        },
        OrderColumn {
            name: "changed_on",
            sql: "t.changed_on",
        },
    ],
    default_order: ("t.changed_on", true),
    restrict: restrict_dashboards,
};

/// A restricted viewer sees the dashboards they own or were opened to, and the
/// published dashboards holding at least one chart on a dataset (or a database's
/// dataset) they may read.
fn restrict_dashboards(sql: &mut Sql, r: &Restriction) {
    sql.push("EXISTS (SELECT 1 FROM dashboard_user o WHERE o.dashboard_id = t.id AND o.user_id = ")
        .bind(r.user_id)
        .push(")");
    if !r.dashboard_ids.is_empty() {
        sql.push(" OR t.id IN (")
            .bind_list(r.dashboard_ids.clone())
            .push(")");
    }
    if r.dataset_ids.is_empty() && r.database_ids.is_empty() {
        return;
    }
    sql.push(
        " OR (t.published = TRUE AND EXISTS (SELECT 1 FROM dashboard_slices ds \
         JOIN slices s ON s.id = ds.slice_id WHERE ds.dashboard_id = t.id AND (1 = 0",
    );
    if !r.dataset_ids.is_empty() {
        sql.push(" OR s.datasource_id IN (")
            .bind_list(r.dataset_ids.clone())
            .push(")");
    }
    if !r.database_ids.is_empty() {
        sql.push(" OR s.datasource_id IN (SELECT d.id FROM tables d WHERE d.database_id IN (")
            .bind_list(r.database_ids.clone())
            .push("))");
    }
    sql.push(")))");
}

impl Store {
    /// Dashboards by id, in the order of `ids`; unknown ids are skipped.
    pub async fn dashboards(&self, ids: &[i64]) -> Result<Vec<Dashboard>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.uuid, t.dashboard_title, t.slug, t.position_json, t.json_metadata, t.css, \
             t.description, {}, t.certified_by, t.certification_details, {}, \
             t.external_url, {} FROM dashboards t WHERE t.id IN (",
            rows::flag_column("t.published", "published"),
            rows::flag_column("t.is_managed_externally", "is_managed_externally"),
            rows::AUDIT_COLUMNS,
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let owners = self
            .owner_ids("dashboard_user", "dashboard_id", ids)
            .await?;
        let users = self.page_users(&fetched, &[], &owners).await?;
        let mut roles = self
            .linked_roles("dashboard_roles", "dashboard_id", ids)
            .await?;
        let mut charts = self.dashboard_charts(ids).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let dashboard = Dashboard {
                id,
                uuid: rows::uuid(row, "uuid")?,
                values: DashboardValues {
                    dashboard_title: get(row, "dashboard_title")?,
                    slug: get(row, "slug")?,
                    position_json: get(row, "position_json")?,
                    json_metadata: get(row, "json_metadata")?,
                    css: get(row, "css")?,
                    description: get(row, "description")?,
                    published: rows::flag(row, "published")?,
                    certified_by: get(row, "certified_by")?,
                    certification_details: get(row, "certification_details")?,
                    is_managed_externally: rows::flag(row, "is_managed_externally")?,
                    external_url: get(row, "external_url")?,
                },
                owners: users.all(owners.get(&id)),
                roles: roles.remove(&id).unwrap_or_default(),
                charts: charts.remove(&id).unwrap_or_default(),
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, dashboard);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn dashboard(&self, id: i64) -> Result<Dashboard> {
        self.dashboards(&[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    pub async fn dashboard_id_by_slug(&self, slug: &str) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM dashboards WHERE slug = ");
        q.bind(slug.to_string());
        q.fetch_optional(&self.pool)
            .await?
            .map(|r| get(&r, 0))
            .transpose()
    }

    /// The ids of the charts on a dashboard, ordered by chart id.
    pub async fn dashboard_chart_ids(&self, id: i64) -> Result<Vec<i64>> {
        let mut q = Sql::new("SELECT slice_id FROM dashboard_slices WHERE dashboard_id = ");
        q.bind(id).push(" ORDER BY slice_id");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }

    /// Which of `ids` name existing roles.
    pub async fn existing_role_ids(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.existing_ids("ab_role", ids).await
    }

    /// The roles linked through `link` (`owner`, `role_id`) to each of `ids`.
    pub(crate) async fn linked_roles(
        &self,
        link: &str,
        owner: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<Role>>> {
        let mut q = Sql::new(&format!(
            "SELECT l.{owner}, r.id, r.name FROM {link} l \
             JOIN ab_role r ON r.id = l.role_id WHERE l.{owner} IN ("
        ));
        q.bind_list(ids.to_vec()).push(") ORDER BY r.id");
        let mut out: HashMap<i64, Vec<Role>> = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            out.entry(get(&row, 0)?).or_default().push(Role {
                id: get(&row, 1)?,
                name: get(&row, 2)?,
            });
        }
        Ok(out)
    }

    async fn dashboard_charts(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<(i64, String)>>> {
        let mut q = Sql::new(
            "SELECT l.dashboard_id, s.id, s.slice_name FROM dashboard_slices l \
             JOIN slices s ON s.id = l.slice_id WHERE l.dashboard_id IN (",
        );
        q.bind_list(ids.to_vec()).push(") ORDER BY s.id");
        let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            out.entry(get(&row, 0)?)
                .or_default()
                .push((get(&row, 1)?, get(&row, 2)?));
        }
        Ok(out)
    }

    pub async fn insert_dashboard(
        &self,
        uuid: Uuid,
        v: &DashboardValues,
        owners: &[i64],
        roles: &[i64],
        actor: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let id = insert_dashboard_in(&mut tx, uuid, v, owners, roles, actor).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes every value column; `owners`/`roles` replace the links when given.
    pub async fn update_dashboard(
        &self,
        id: i64,
        v: &DashboardValues,
        owners: Option<&[i64]>,
        roles: Option<&[i64]>,
        actor: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        update_dashboard_in(&mut tx, id, v, owners, roles, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all of `ids` or none: returns `NotFound` when any is missing.
    pub async fn delete_dashboards(&self, ids: &[i64]) -> Result<()> {
        self.delete_all_or_nothing("dashboards", ids).await
    }
}

fn push_dashboard_values(q: &mut Sql, v: &DashboardValues) {
    q.bind(v.dashboard_title.clone())
        .value(v.slug.clone())
        .value(v.position_json.clone())
        .value(v.json_metadata.clone())
        .value(v.css.clone())
        .value(v.description.clone())
        .value(v.published)
        .value(v.certified_by.clone())
        .value(v.certification_details.clone())
        .value(v.is_managed_externally)
        .value(v.external_url.clone());
}

pub(crate) async fn insert_dashboard_in(
    tx: &mut Tx<'_>,
    uuid: Uuid,
    v: &DashboardValues,
    owners: &[i64],
    roles: &[i64],
    actor: i64,
) -> Result<i64> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "INSERT INTO dashboards (uuid, dashboard_title, slug, position_json, json_metadata, css, description, \
         published, certified_by, certification_details, is_managed_externally, external_url, \
         created_on, changed_on, created_by_fk, changed_by_fk) VALUES (",
    );
    q.bind(uuid.to_string()).push(", ");
    push_dashboard_values(&mut q, v);
    q.value(now)
        .value(now)
        .value(actor)
        .value(actor)
        .push(") RETURNING id");
    let id: i64 = get(
        &q.fetch_one(&mut **tx)
            .await
            .map_err(|e| crate::conflict_on_unique(e, "slug already exists"))?,
        0,
    )?;
    replace_links(tx, "dashboard_user", "dashboard_id", "user_id", id, owners).await?;
    replace_links(tx, "dashboard_roles", "dashboard_id", "role_id", id, roles).await?;
    Ok(id)
}

pub(crate) async fn update_dashboard_in(
    tx: &mut Tx<'_>,
    id: i64,
    v: &DashboardValues,
    owners: Option<&[i64]>,
    roles: Option<&[i64]>,
    actor: i64,
) -> Result<()> {
    let now = Timestamp::now().0;
    let mut q = Sql::new(
        "UPDATE dashboards SET (dashboard_title, slug, position_json, json_metadata, css, description, \
         published, certified_by, certification_details, is_managed_externally, external_url, \
         changed_on, changed_by_fk) = (",
    );
    push_dashboard_values(&mut q, v);
    q.value(now).value(actor).push(") WHERE id = ").bind(id);
    if q.execute(&mut **tx)
        .await
        .map_err(|e| crate::conflict_on_unique(e, "slug already exists"))?
        == 0
    {
        return Err(StoreError::NotFound);
    }
    if let Some(owners) = owners {
        replace_links(tx, "dashboard_user", "dashboard_id", "user_id", id, owners).await?;
    }
    if let Some(roles) = roles {
        replace_links(tx, "dashboard_roles", "dashboard_id", "role_id", id, roles).await?;
    }
    Ok(())
}

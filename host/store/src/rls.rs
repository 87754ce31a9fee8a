//! Row-level security filters, the datasets and roles they name, and the clauses that
//! apply to one query.

use crate::charts::replace_links;
use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use std::collections::HashMap;
use tessera_model::{RlsClause, RlsFilter, RlsFilterType, RlsFilterValues, RlsTable, Timestamp};

pub static RLS_FILTERS: Resource = Resource {
    table: "row_level_security_filters",
    search: &[
        SearchColumn::new("name", "t.name", Kind::Text),
        SearchColumn::new("filter_type", "t.filter_type", Kind::Text),
        SearchColumn::new("group_key", "t.group_key", Kind::Text),
        SearchColumn::new("clause", "t.clause", Kind::Text),
        SearchColumn::new(
            "tables",
            "t.id",
            Kind::ManyToMany("rls_filter_tables", "rls_filter_id", "table_id"),
        ),
        SearchColumn::new(
            "roles",
            "t.id",
            Kind::ManyToMany("rls_filter_roles", "rls_filter_id", "role_id"),
        ),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
    ],
    order: &[
        OrderColumn {
            name: "name",
            sql: "t.name",
        },
        OrderColumn {
            name: "filter_type",
            sql: "t.filter_type",
        },
        OrderColumn {
            name: "group_key",
            sql: "t.group_key",
        },
        OrderColumn {
            name: "clause",
            sql: "t.clause",
        },
        OrderColumn {
            name: "changed_on_delta_humanized",
            sql: "t.changed_on",
        },
    ],
    default_order: ("t.id", false),
    restrict: restrict_rls,
};

/// Only Admin manages filters (the route's permission); nobody else sees any.
fn restrict_rls(sql: &mut Sql, _: &Restriction) {
    sql.push("1 = 0");
}

const VALUE_COLUMNS: &str = "name, description, filter_type, group_key, clause";

impl Store {
    /// Filters by id, in the order of `ids`; unknown ids are skipped.
    pub async fn rls_filters(&self, ids: &[i64]) -> Result<Vec<RlsFilter>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.name, t.description, t.filter_type, t.group_key, t.clause, {} \
             FROM row_level_security_filters t WHERE t.id IN (",
            rows::AUDIT_COLUMNS
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let users = self.page_users(&fetched, &[], &HashMap::new()).await?;
        let mut tables = self.rls_tables(ids).await?;
        let mut roles = self
            .linked_roles("rls_filter_roles", "rls_filter_id", ids)
            .await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let filter_type: String = get(row, "filter_type")?;
            let tables = tables.remove(&id).unwrap_or_default();
            let roles = roles.remove(&id).unwrap_or_default();
            let filter = RlsFilter {
                id,
                values: RlsFilterValues {
                    name: get(row, "name")?,
                    description: get(row, "description")?,
                    filter_type: RlsFilterType::parse(&filter_type)
                        .unwrap_or(RlsFilterType::Regular),
                    group_key: get(row, "group_key")?,
                    clause: get(row, "clause")?,
                    table_ids: tables.iter().map(|t| t.id).collect(),
                    role_ids: roles.iter().map(|r| r.id).collect(),
                },
                tables,
                roles,
                audit: rows::audit(row, &users)?,
            };
            by_id.insert(id, filter);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub async fn rls_filter(&self, id: i64) -> Result<RlsFilter> {
        self.rls_filters(&[id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn rls_tables(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<RlsTable>>> {
        let mut q = Sql::new(
            "SELECT l.rls_filter_id, d.id, d.schema, d.table_name FROM rls_filter_tables l \
             JOIN tables d ON d.id = l.table_id WHERE l.rls_filter_id IN (",
        );
        q.bind_list(ids.to_vec()).push(") ORDER BY d.id");
        let mut out: HashMap<i64, Vec<RlsTable>> = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            out.entry(get(&row, 0)?).or_default().push(RlsTable {
                id: get(&row, 1)?,
                schema: get(&row, 2)?,
                table_name: get(&row, 3)?,
            });
        }
        Ok(out)
    }

    /// Creates a filter with its datasets and roles in one transaction.
    pub async fn insert_rls_filter(&self, v: &RlsFilterValues, actor: i64) -> Result<i64> {
        let now = Timestamp::now().0;
        let mut tx = self.pool.begin().await?;
        let mut q = Sql::new(&format!(
            "INSERT INTO row_level_security_filters ({VALUE_COLUMNS}, created_on, changed_on, \
             created_by_fk, changed_by_fk) VALUES ("
        ));
        push_values(&mut q, v);
        q.value(now)
            .value(now)
            .value(actor)
            .value(actor)
            .push(") RETURNING id");
        let row = q
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| crate::conflict_on_unique(e, "name must be unique"))?;
        let id: i64 = get(&row, 0)?;
        link(&mut tx, id, v).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_rls_filter(&self, id: i64, v: &RlsFilterValues, actor: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let mut q = Sql::new(&format!(
            "UPDATE row_level_security_filters SET ({VALUE_COLUMNS}, changed_on, changed_by_fk) = ("
        ));
        push_values(&mut q, v);
        q.value(Timestamp::now().0)
            .value(actor)
            .push(") WHERE id = ")
            .bind(id);
        let updated = q
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::conflict_on_unique(e, "name must be unique"))?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        link(&mut tx, id, v).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all of `ids` or none: returns `NotFound` when any is missing.
    pub async fn delete_rls_filters(&self, ids: &[i64]) -> Result<()> {
        self.delete_all_or_nothing("row_level_security_filters", ids)
            .await
    }

    /// The clauses that apply to a query on `dataset_id` by a member of `role_ids`:
    /// Regular filters of one of those roles, and Base filters of none of them.
    pub async fn rls_clauses(&self, dataset_id: i64, role_ids: &[i64]) -> Result<Vec<RlsClause>> {
        let mut q = Sql::new(
            "SELECT f.group_key, f.clause, f.filter_type, \
             CAST(EXISTS (SELECT 1 FROM rls_filter_roles r WHERE r.rls_filter_id = f.id AND r.role_id IN (",
        );
        // `IN ()` is not SQL; no role matches -1.
        if role_ids.is_empty() {
            q.bind(-1_i64);
        } else {
            q.bind_list(role_ids.to_vec());
        }
        q.push(
            ")) AS INTEGER) AS member FROM row_level_security_filters f \
             JOIN rls_filter_tables t ON t.rls_filter_id = f.id WHERE t.table_id = ",
        )
        .bind(dataset_id)
        .push(" ORDER BY f.id");
        let mut clauses = Vec::new();
        for row in q.fetch_all(&self.pool).await? {
            let filter_type: String = get(&row, "filter_type")?;
            let member = rows::flag(&row, "member")?;
            let applies = match RlsFilterType::parse(&filter_type) {
                Some(RlsFilterType::Base) => !member,
                _ => member,
            };
            if applies {
                clauses.push(RlsClause {
                    group_key: get(&row, "group_key")?,
                    clause: get(&row, "clause")?,
                });
            }
        }
        Ok(clauses)
    }
}

fn push_values(q: &mut Sql, v: &RlsFilterValues) {
    q.bind(v.name.clone())
        .value(v.description.clone())
        .value(v.filter_type.as_str().to_owned())
        .value(v.group_key.clone())
        .value(v.clause.clone());
}

async fn link(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    v: &RlsFilterValues,
) -> Result<()> {
    replace_links(
        tx,
        "rls_filter_tables",
        "rls_filter_id",
        "table_id",
        id,
        &v.table_ids,
    )
    .await?;
    replace_links(
        tx,
        "rls_filter_roles",
        "rls_filter_id",
        "role_id",
        id,
        &v.role_ids,
    )
    .await
}

//! What FAB's security API manages: roles, user accounts, permissions, view menus
//! ("resources") and the permission-views that join them, plus the data-access
//! permission-view Superset keeps for every database and dataset.

use crate::Tx;
use crate::charts::replace_links;
use crate::list::{Kind, OrderColumn, Resource, Restriction, SearchColumn};
use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, conflict_on_unique};
use std::collections::HashMap;
use tessera_model::{Named, PermissionResource, Timestamp, UserAccount, UserAccountValues};

/// The route's permission decides who manages security objects; whoever passes it sees
/// every one of them.
fn everything(sql: &mut Sql, _: &Restriction) {
    sql.push("1 = 1");
}

const fn by(name: &'static str, sql: &'static str) -> OrderColumn {
    OrderColumn { name, sql }
}

pub static ROLES: Resource = Resource {
    table: "ab_role",
    search: &[
        SearchColumn::new("id", "t.id", Kind::Int),
        SearchColumn::new("name", "t.name", Kind::Text),
        SearchColumn::new(
            "user_ids",
            "t.id",
            Kind::ManyToMany("ab_user_role", "role_id", "user_id"),
        ),
        SearchColumn::new(
            "permission_ids",
            "t.id",
            Kind::ManyToMany("ab_permission_view_role", "role_id", "permission_view_id"),
        ),
    ],
    order: NAMED_ORDER,
    default_order: ("t.id", false),
    restrict: everything,
};

pub static USERS: Resource = Resource {
    table: "ab_user",
    search: &[
        SearchColumn::new("username", "t.username", Kind::Text),
        SearchColumn::new("first_name", "t.first_name", Kind::Text),
        SearchColumn::new("last_name", "t.last_name", Kind::Text),
        SearchColumn::new("active", "t.active", Kind::Bool),
        SearchColumn::new("email", "t.email", Kind::Text),
        SearchColumn::new("created_by", "t.created_by_fk", Kind::ManyToOne),
        SearchColumn::new("changed_by", "t.changed_by_fk", Kind::ManyToOne),
        SearchColumn::new(
            "roles",
            "t.id",
            Kind::ManyToMany("ab_user_role", "user_id", "role_id"),
        ),
    ],
    order: &[
        by("id", "t.id"),
        by("username", "t.username"),
        by("first_name", "t.first_name"),
        by("last_name", "t.last_name"),
        by("email", "t.email"),
        by("active", "t.active"),
        by("last_login", "t.last_login"),
        by("login_count", "t.login_count"),
        by("fail_login_count", "t.fail_login_count"),
        by("created_on", "t.created_on"),
        by("changed_on", "t.changed_on"),
    ],
    default_order: ("t.id", false),
    restrict: everything,
};

/// Permissions and view menus are bare `{id, name}` rows.
const NAMED_SEARCH: &[SearchColumn] = &[
    SearchColumn::new("id", "t.id", Kind::Int),
    SearchColumn::new("name", "t.name", Kind::Text),
];
const NAMED_ORDER: &[OrderColumn] = &[by("id", "t.id"), by("name", "t.name")];

pub static PERMISSIONS: Resource = Resource {
    table: "ab_permission",
    search: NAMED_SEARCH,
    order: NAMED_ORDER,
    default_order: ("t.id", false),
    restrict: everything,
};

pub static VIEW_MENUS: Resource = Resource {
    table: "ab_view_menu",
    search: NAMED_SEARCH,
    order: NAMED_ORDER,
    default_order: ("t.id", false),
    restrict: everything,
};

pub static PERMISSION_VIEWS: Resource = Resource {
    table: "ab_permission_view",
    search: &[
        SearchColumn::new("id", "t.id", Kind::Int),
        SearchColumn::new(
            "permission",
            "(SELECT p.id FROM ab_permission p WHERE p.name = t.permission)",
            Kind::ManyToOne,
        ),
        SearchColumn::new(
            "view_menu",
            "(SELECT v.id FROM ab_view_menu v WHERE v.name = t.view_menu)",
            Kind::ManyToOne,
        ),
    ],
    order: &[by("id", "t.id")],
    default_order: ("t.id", false),
    restrict: everything,
};

/// Permission-views with the ids of their permission and view-menu names.
const PERMISSION_VIEW_SELECT: &str = "SELECT pv.id, p.id AS permission_id, p.name AS permission, \
     v.id AS view_menu_id, v.name AS view_menu FROM ab_permission_view pv \
     JOIN ab_permission p ON p.name = pv.permission JOIN ab_view_menu v ON v.name = pv.view_menu";

fn permission_resource(row: &sqlx::any::AnyRow) -> Result<PermissionResource> {
    Ok(PermissionResource {
        id: get(row, "id")?,
        permission: Named {
            id: get(row, "permission_id")?,
            name: get(row, "permission")?,
        },
        view_menu: Named {
            id: get(row, "view_menu_id")?,
            name: get(row, "view_menu")?,
        },
    })
}

/// The users and permission-views linked to a role, by id.
#[derive(Debug, Default)]
pub struct RoleLinks {
    pub user_ids: Vec<i64>,
    pub permission_ids: Vec<i64>,
}

impl Store {
    /// Permissions, view menus or roles by id, in the order of `ids`.
    pub async fn permissions(&self, ids: &[i64]) -> Result<Vec<Named>> {
        self.names("ab_permission", ids).await
    }

    pub async fn view_menus(&self, ids: &[i64]) -> Result<Vec<Named>> {
        self.names("ab_view_menu", ids).await
    }

    async fn names(&self, table: &str, ids: &[i64]) -> Result<Vec<Named>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!("SELECT id, name FROM {table} WHERE id IN ("));
        q.bind_list(ids.to_vec()).push(")");
        let mut by_id = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            let id: i64 = get(&row, 0)?;
            by_id.insert(
                id,
                Named {
                    id,
                    name: get(&row, 1)?,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Creates (with `id: None`) or renames a view menu; a rename carries every
    /// permission-view on it along. `Conflict` on a duplicate name.
    pub async fn save_view_menu(&self, id: Option<i64>, name: &str) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let duplicate = |e| conflict_on_unique(e, "name already exists");
        let id = match id {
            None => {
                let mut q = Sql::new("INSERT INTO ab_view_menu (name) VALUES (");
                q.bind(name.to_string()).push(") RETURNING id");
                get(&q.fetch_one(&mut *tx).await.map_err(duplicate)?, 0)?
            }
            Some(id) => {
                let old = name_of(&mut tx, "ab_view_menu", id).await?;
                rename_view_menu(&mut tx, &old, name).await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes a view menu no permission-view uses (`Conflict` otherwise, as FAB's
    /// foreign key refuses it).
    pub async fn delete_view_menu(&self, id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let name = name_of(&mut tx, "ab_view_menu", id).await?;
        let mut used = Sql::new("SELECT 1 FROM ab_permission_view WHERE view_menu = ");
        used.bind(name).push(" LIMIT 1");
        if used.fetch_optional(&mut *tx).await?.is_some() {
            return Err(StoreError::Conflict(
                "the resource still has permissions".into(),
            ));
        }
        let mut delete = Sql::new("DELETE FROM ab_view_menu WHERE id = ");
        delete.bind(id);
        delete.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Permission-views by id, in the order of `ids`.
    pub async fn permission_resources(&self, ids: &[i64]) -> Result<Vec<PermissionResource>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!("{PERMISSION_VIEW_SELECT} WHERE pv.id IN ("));
        q.bind_list(ids.to_vec()).push(")");
        let mut by_id: HashMap<i64, PermissionResource> = HashMap::new();
        for row in q.fetch_all(&self.pool).await? {
            let pv = permission_resource(&row)?;
            by_id.insert(pv.id, pv);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Creates (with `id: None`) or repoints a permission-view at a permission and a
    /// view menu given by id. `Conflict` when either does not exist or the pair already
    /// does; `NotFound` for an unknown permission-view.
    pub async fn save_permission_resource(
        &self,
        id: Option<i64>,
        permission_id: i64,
        view_menu_id: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let permission = name_of(&mut tx, "ab_permission", permission_id)
            .await
            .map_err(missing("permission"))?;
        let view_menu = name_of(&mut tx, "ab_view_menu", view_menu_id)
            .await
            .map_err(missing("resource"))?;
        let q = match id {
            None => {
                let mut q =
                    Sql::new("INSERT INTO ab_permission_view (permission, view_menu) VALUES (");
                q.bind(permission).value(view_menu).push(") RETURNING id");
                q
            }
            Some(id) => {
                let mut q = Sql::new("UPDATE ab_permission_view SET permission = ");
                q.bind(permission)
                    .push(", view_menu = ")
                    .bind(view_menu)
                    .push(" WHERE id = ")
                    .bind(id)
                    .push(" RETURNING id");
                q
            }
        };
        let row = q
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, "the permission already exists on the resource"))?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        get(&row, 0)
    }

    pub async fn delete_permission_resource(&self, id: i64) -> Result<()> {
        self.delete_all_or_nothing("ab_permission_view", &[id])
            .await
    }

    pub async fn roles(&self, ids: &[i64]) -> Result<Vec<Named>> {
        self.names("ab_role", ids).await
    }

    /// The users and permission-views of each of `ids`.
    pub async fn role_links(&self, ids: &[i64]) -> Result<HashMap<i64, RoleLinks>> {
        let mut users = self
            .linked_ids("ab_user_role", "role_id", "user_id", ids)
            .await?;
        let mut permissions = self
            .linked_ids(
                "ab_permission_view_role",
                "role_id",
                "permission_view_id",
                ids,
            )
            .await?;
        Ok(ids
            .iter()
            .map(|id| {
                let links = RoleLinks {
                    user_ids: users.remove(id).unwrap_or_default(),
                    permission_ids: permissions.remove(id).unwrap_or_default(),
                };
                (*id, links)
            })
            .collect())
    }

    /// Creates (with `id: None`) or renames a role; `Conflict` on a duplicate name.
    pub async fn save_role(&self, id: Option<i64>, name: &str) -> Result<i64> {
        let mut q = match id {
            None => Sql::new("INSERT INTO ab_role (name) VALUES ("),
            Some(_) => Sql::new("UPDATE ab_role SET name = ("),
        };
        q.bind(name.to_string()).push(")");
        if let Some(id) = id {
            q.push(" WHERE id = ").bind(id);
        }
        q.push(" RETURNING id");
        let row = q
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| conflict_on_unique(e, "name already exists"))?
            .ok_or(StoreError::NotFound)?;
        get(&row, 0)
    }

    /// Deletes a role; its user, permission, dashboard and RLS links go with it.
    pub async fn delete_role(&self, id: i64) -> Result<()> {
        self.delete_all_or_nothing("ab_role", &[id]).await
    }

    /// The permission-views granted to a role.
    pub async fn role_permission_resources(&self, role_id: i64) -> Result<Vec<PermissionResource>> {
        let mut q = Sql::new(&format!(
            "{PERMISSION_VIEW_SELECT} JOIN ab_permission_view_role pvr \
             ON pvr.permission_view_id = pv.id WHERE pvr.role_id = "
        ));
        q.bind(role_id).push(" ORDER BY pv.id");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(permission_resource)
            .collect()
    }

    /// Replaces a role's permission-views (ids that name none are skipped, as FAB does)
    /// or its users, in one transaction.
    pub async fn set_role_links(
        &self,
        role_id: i64,
        permission_view_ids: Option<&[i64]>,
        user_ids: Option<&[i64]>,
    ) -> Result<()> {
        let known = match permission_view_ids {
            Some(ids) => Some(self.existing_ids("ab_permission_view", ids).await?),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let mut exists = Sql::new("SELECT 1 FROM ab_role WHERE id = ");
        exists.bind(role_id);
        if exists.fetch_optional(&mut *tx).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        if let Some(known) = known {
            replace_links(
                &mut tx,
                "ab_permission_view_role",
                "role_id",
                "permission_view_id",
                role_id,
                &known,
            )
            .await?;
        }
        if let Some(ids) = user_ids {
            replace_links(&mut tx, "ab_user_role", "role_id", "user_id", role_id, ids).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// User accounts by id, in the order of `ids`.
    pub async fn user_accounts(&self, ids: &[i64]) -> Result<Vec<UserAccount>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!(
            "SELECT t.id, t.username, t.first_name, t.last_name, t.email, {}, t.login_count, \
             t.fail_login_count, t.last_login, {} FROM ab_user t WHERE t.id IN (",
            rows::flag_column("t.active", "active"),
            rows::AUDIT_COLUMNS
        ));
        q.bind_list(ids.to_vec()).push(")");
        let fetched = q.fetch_all(&self.pool).await?;
        let mut roles = self.linked_roles("ab_user_role", "user_id", ids).await?;
        let mut by_id = HashMap::with_capacity(fetched.len());
        for row in &fetched {
            let id: i64 = get(row, "id")?;
            let roles = roles.remove(&id).unwrap_or_default();
            by_id.insert(
                id,
                UserAccount {
                    id,
                    values: UserAccountValues {
                        username: get(row, "username")?,
                        first_name: get(row, "first_name")?,
                        last_name: get(row, "last_name")?,
                        email: get(row, "email")?,
                        active: rows::flag(row, "active")?,
                        role_ids: roles.iter().map(|r| r.id).collect(),
                    },
                    login_count: get(row, "login_count")?,
                    fail_login_count: get(row, "fail_login_count")?,
                    last_login: rows::opt_time(row, "last_login")?,
                    created_on: rows::time(row, "created_on")?,
                    changed_on: rows::time(row, "changed_on")?,
                    created_by: get(row, "created_by_fk")?,
                    changed_by: get(row, "changed_by_fk")?,
                    roles,
                },
            );
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Creates (with `id: None`) or rewrites a user account with its roles, in one
    /// transaction. `password_hash` is required to create and optional to update.
    /// `Conflict` when the username or email is taken.
    pub async fn save_user_account(
        &self,
        id: Option<i64>,
        v: &UserAccountValues,
        password_hash: Option<&str>,
        actor: i64,
    ) -> Result<i64> {
        let now = Timestamp::now().0;
        let mut tx = self.pool.begin().await?;
        let mut q = match id {
            None => {
                let mut q = Sql::new(
                    "INSERT INTO ab_user (username, first_name, last_name, email, active, password, \
                     created_on, changed_on, created_by_fk, changed_by_fk) VALUES (",
                );
                push_account_values(&mut q, v);
                q.value(password_hash.unwrap_or_default().to_string())
                    .value(now)
                    .value(now)
                    .value(actor)
                    .value(actor)
                    .push(")");
                q
            }
            Some(id) => {
                let mut q = Sql::new(
                    "UPDATE ab_user SET (username, first_name, last_name, email, active, \
                     changed_on, changed_by_fk) = (",
                );
                push_account_values(&mut q, v);
                q.value(now).value(actor).push(")");
                if let Some(hash) = password_hash {
                    q.push(", password = ").bind(hash.to_string());
                }
                q.push(" WHERE id = ").bind(id);
                q
            }
        };
        q.push(" RETURNING id");
        let row = q
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, "username or email already exists"))?
            .ok_or(StoreError::NotFound)?;
        let id: i64 = get(&row, 0)?;
        replace_links(
            &mut tx,
            "ab_user_role",
            "user_id",
            "role_id",
            id,
            &v.role_ids,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_user(&self, id: i64) -> Result<()> {
        self.delete_all_or_nothing("ab_user", &[id]).await
    }

    /// The datasets in any of `schemas`, given as `(database name, schema)`.
    pub async fn dataset_ids_in_schemas(&self, schemas: &[(String, String)]) -> Result<Vec<i64>> {
        let mut q =
            Sql::new("SELECT t.id FROM tables t JOIN dbs d ON d.id = t.database_id WHERE 1 = 0");
        for (database, schema) in schemas {
            q.push(" OR (d.database_name = ")
                .bind(database.clone())
                .push(" AND t.schema = ")
                .bind(schema.clone())
                .push(")");
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }

    /// Drops the data-access permission-views of deleted objects (`datasource_access`
    /// for datasets, `database_access` for databases).
    pub(crate) async fn drop_data_access(&self, permission: &str, ids: &[i64]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for id in ids {
            let pattern = format!("%(id:{id})");
            let mut views = Sql::new("DELETE FROM ab_permission_view WHERE permission = ");
            views
                .bind(permission.to_string())
                .push(" AND view_menu LIKE ")
                .bind(pattern.clone());
            views.execute(&mut *tx).await?;
            let mut menus = Sql::new("DELETE FROM ab_view_menu WHERE name LIKE ");
            menus.bind(pattern).push(
                " AND NOT EXISTS (SELECT 1 FROM ab_permission_view pv WHERE pv.view_menu = ab_view_menu.name)",
            );
            menus.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn push_account_values(q: &mut Sql, v: &UserAccountValues) {
    q.bind(v.username.clone())
        .value(v.first_name.clone())
        .value(v.last_name.clone())
        .value(v.email.clone())
        .value(v.active);
}

/// A missing row named by a write is a conflict (422), not the write's own 404.
fn missing(what: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match e {
        StoreError::NotFound => StoreError::Conflict(format!("{what} not found")),
        other => other,
    }
}

/// The `name` of row `id` of `table`; `NotFound` when there is none.
async fn name_of(tx: &mut Tx<'_>, table: &str, id: i64) -> Result<String> {
    let mut q = Sql::new(&format!("SELECT name FROM {table} WHERE id = "));
    q.bind(id);
    let row = q
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&row, 0)
}

/// Renames a view menu and every permission-view on it; `Conflict` when the new name
/// is taken.
async fn rename_view_menu(tx: &mut Tx<'_>, old: &str, new: &str) -> Result<()> {
    for (table, column) in [
        ("ab_view_menu", "name"),
        ("ab_permission_view", "view_menu"),
    ] {
        let mut q = Sql::new(&format!("UPDATE {table} SET {column} = "));
        q.bind(new.to_string())
            .push(&format!(" WHERE {column} = "))
            .bind(old.to_string());
        q.execute(&mut **tx)
            .await
            .map_err(|e| conflict_on_unique(e, "name already exists"))?;
    }
    Ok(())
}

/// Makes sure the permission-view exists, with its permission and view menu.
pub(crate) async fn ensure_permission_view(
    tx: &mut Tx<'_>,
    permission: &str,
    view_menu: &str,
) -> Result<()> {
    for (table, name) in [("ab_permission", permission), ("ab_view_menu", view_menu)] {
        let mut q = Sql::new(&format!("INSERT INTO {table} (name) VALUES ("));
        q.bind(name.to_string())
            .push(") ON CONFLICT (name) DO NOTHING");
        q.execute(&mut **tx).await?;
    }
    let mut pv = Sql::new("INSERT INTO ab_permission_view (permission, view_menu) VALUES (");
    pv.bind(permission.to_string())
        .value(view_menu.to_string())
        .push(") ON CONFLICT (permission, view_menu) DO NOTHING");
    pv.execute(&mut **tx).await?;
    Ok(())
}

/// Keeps the data-access permission-view of object `id` (`[db].(id:N)` for a database,
/// `[db].[table](id:N)` for a dataset) named `name`: created with the object, renamed
/// with it. Access checks match on the `(id:N)` suffix, so grants survive renames.
pub(crate) async fn sync_data_access(
    tx: &mut Tx<'_>,
    permission: &str,
    id: i64,
    name: &str,
) -> Result<()> {
    let mut current = Sql::new("SELECT view_menu FROM ab_permission_view WHERE permission = ");
    current
        .bind(permission.to_string())
        .push(" AND view_menu LIKE ")
        .bind(format!("%(id:{id})"));
    let old: Option<String> = current
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| get(&row, 0))
        .transpose()?;
    match old {
        None => ensure_permission_view(tx, permission, name).await?,
        Some(old) if old != name => rename_view_menu(tx, &old, name).await?,
        Some(_) => {}
    }
    Ok(())
}

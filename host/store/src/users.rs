//! Users, roles and permission-views (FAB's security tables).

use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, conflict_on_unique};
use std::collections::HashMap;
use tessera_model::{Role, Timestamp, User, UserRef};

pub struct NewUser<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub roles: &'a [&'a str],
}

/// A permission on a view menu, e.g. `can_read` on `Chart`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PermissionView {
    pub permission: String,
    pub view_menu: String,
}

impl Store {
    /// Creates every role in `roles` that does not exist yet and grants it the listed
    /// permission-views; idempotent, so every start can call it.
    pub async fn ensure_roles(&self, roles: &[(&str, Vec<(&str, &str)>)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (role, grants) in roles {
            let mut insert = Sql::new("INSERT INTO ab_role (name) VALUES (");
            insert
                .bind(role.to_string())
                .push(") ON CONFLICT (name) DO NOTHING");
            insert.execute(&mut *tx).await?;
            for (permission, view) in grants {
                crate::security::ensure_permission_view(&mut tx, permission, view).await?;
                let mut grant = Sql::new(
                    "INSERT INTO ab_permission_view_role (permission_view_id, role_id) \
                     SELECT pv.id, r.id FROM ab_permission_view pv, ab_role r \
                     WHERE pv.permission = ",
                );
                grant
                    .bind(permission.to_string())
                    .push(" AND pv.view_menu = ")
                    .bind(view.to_string())
                    .push(" AND r.name = ")
                    .bind(role.to_string())
                    .push(" ON CONFLICT (permission_view_id, role_id) DO NOTHING");
                grant.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_user(&self, new: &NewUser<'_>) -> Result<i64> {
        let now = Timestamp::now().0;
        let mut tx = self.pool.begin().await?;
        let mut insert = Sql::new(
            "INSERT INTO ab_user (username, first_name, last_name, email, password, active, created_on, changed_on) VALUES (",
        );
        insert
            .bind(new.username.to_string())
            .value(new.first_name.to_string())
            .value(new.last_name.to_string())
            .value(new.email.to_string())
            .value(new.password_hash.to_string())
            .push(", TRUE, ")
            .bind(now)
            .value(now)
            .push(") RETURNING id");
        let row = insert
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict_on_unique(e, "username or email already exists"))?;
        let id: i64 = get(&row, 0)?;
        for role in new.roles {
            let mut link = Sql::new("INSERT INTO ab_user_role (user_id, role_id) SELECT ");
            link.bind(id)
                .push(", id FROM ab_role WHERE name = ")
                .bind(role.to_string());
            if link.execute(&mut *tx).await? == 0 {
                return Err(StoreError::Conflict(format!("unknown role {role}")));
            }
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The user and their password hash, for login.
    pub async fn user_credentials(&self, username: &str) -> Result<Option<(i64, String, bool)>> {
        let mut q =
            Sql::new("SELECT id, password, CAST(active AS INTEGER) FROM ab_user WHERE username = ");
        q.bind(username.to_string());
        match q.fetch_optional(&self.pool).await? {
            Some(row) => Ok(Some((
                get(&row, 0)?,
                get(&row, 1)?,
                get::<i64>(&row, 2)? != 0,
            ))),
            None => Ok(None),
        }
    }

    pub async fn record_login(&self, user_id: i64, success: bool) -> Result<()> {
        let mut q = if success {
            let mut q = Sql::new(
                "UPDATE ab_user SET login_count = login_count + 1, fail_login_count = 0, last_login = ",
            );
            q.bind(Timestamp::now().0);
            q
        } else {
            Sql::new("UPDATE ab_user SET fail_login_count = fail_login_count + 1")
        };
        q.push(" WHERE id = ").bind(user_id);
        q.execute(&self.pool).await?;
        Ok(())
    }

    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<()> {
        let mut q = Sql::new("UPDATE ab_user SET password = ");
        q.bind(password_hash.to_string())
            .push(", changed_on = ")
            .bind(Timestamp::now().0)
            .push(" WHERE username = ")
            .bind(username.to_string());
        match q.execute(&self.pool).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    pub async fn user_count(&self) -> Result<i64> {
        let row = Sql::new("SELECT COUNT(*) FROM ab_user")
            .fetch_one(&self.pool)
            .await?;
        get(&row, 0)
    }

    /// The first user (lowest id) holding `role`, e.g. the `admin` made at first start.
    pub async fn first_user_with_role(&self, role: &str) -> Result<Option<i64>> {
        let mut q = Sql::new(
            "SELECT ur.user_id FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id WHERE r.name = ",
        );
        q.bind(role.to_string())
            .push(" ORDER BY ur.user_id LIMIT 1");
        q.fetch_optional(&self.pool)
            .await?
            .map(|row| get(&row, 0))
            .transpose()
    }

    /// An active user with their roles; `None` for unknown or deactivated users.
    pub async fn active_user(&self, user_id: i64) -> Result<Option<User>> {
        let mut q = Sql::new(
            "SELECT u.id, u.username, u.first_name, u.last_name, u.email, CAST(u.active AS INTEGER) AS active, u.login_count, u.created_on, r.id AS role_id, r.name AS role_name \
             FROM ab_user u LEFT JOIN ab_user_role ur ON ur.user_id = u.id LEFT JOIN ab_role r ON r.id = ur.role_id \
             WHERE u.active = TRUE AND u.id = ",
        );
        q.bind(user_id).push(" ORDER BY r.id");
        let rows = q.fetch_all(&self.pool).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut user = User {
            id: get(first, "id")?,
            username: get(first, "username")?,
            first_name: get(first, "first_name")?,
            last_name: get(first, "last_name")?,
            email: get(first, "email")?,
            active: rows::flag(first, "active")?,
            login_count: get(first, "login_count")?,
            created_on: rows::time(first, "created_on")?,
            roles: vec![],
        };
        for row in &rows {
            if let Some(id) = get::<Option<i64>>(row, "role_id")? {
                user.roles.push(Role {
                    id,
                    name: get(row, "role_name")?,
                });
            }
        }
        Ok(Some(user))
    }

    /// Every permission-view granted to the user through their roles, grouped by role.
    pub async fn user_permissions(&self, user_id: i64) -> Result<Vec<(String, PermissionView)>> {
        let mut q = grants_query(
            "FROM ab_user_role ur JOIN ab_role r ON r.id = ur.role_id \
             JOIN ab_permission_view_role pvr ON pvr.role_id = r.id \
             JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id WHERE ur.user_id = ",
        );
        q.bind(user_id).push(" ORDER BY r.id, pv.id");
        self.grants(q).await
    }

    /// Every permission-view of the role named `role` (the role guests act as).
    pub async fn role_permissions(&self, role: &str) -> Result<Vec<(String, PermissionView)>> {
        let mut q = grants_query(
            "FROM ab_role r JOIN ab_permission_view_role pvr ON pvr.role_id = r.id \
             JOIN ab_permission_view pv ON pv.id = pvr.permission_view_id WHERE r.name = ",
        );
        q.bind(role.to_owned()).push(" ORDER BY pv.id");
        self.grants(q).await
    }

    /// The role's id, when it exists.
    pub async fn role_id(&self, role: &str) -> Result<Option<i64>> {
        let mut q = Sql::new("SELECT id FROM ab_role WHERE name = ");
        q.bind(role.to_owned());
        q.fetch_optional(&self.pool)
            .await?
            .map(|row| get(&row, 0))
            .transpose()
    }

    async fn grants(&self, q: Sql) -> Result<Vec<(String, PermissionView)>> {
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    get(row, 0)?,
                    PermissionView {
                        permission: get(row, 1)?,
                        view_menu: get(row, 2)?,
                    },
                ))
            })
            .collect()
    }

    /// Which of `ids` name existing users.
    pub async fn existing_user_ids(&self, ids: &[i64]) -> Result<Vec<i64>> {
        self.existing_ids("ab_user", ids).await
    }

    pub(crate) async fn existing_ids(&self, table: &str, ids: &[i64]) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!("SELECT id FROM {table} WHERE id IN ("));
        q.bind_list(ids.to_vec()).push(")");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }

    /// The user ids linked to each of `ids` through `link` (`link.obj_col` ->
    /// `link.user_id`), ordered by user id.
    pub(crate) async fn owner_ids(
        &self,
        link: &str,
        obj_col: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<i64>>> {
        self.linked_ids(link, obj_col, "user_id", ids).await
    }

    /// The ids each of `ids` is linked to through `link` (`link.this` ->
    /// `link.other`), ordered.
    pub(crate) async fn linked_ids(
        &self,
        link: &str,
        this: &str,
        other: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<i64>>> {
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::new(&format!(
            "SELECT {this}, {other} FROM {link} WHERE {this} IN ("
        ));
        q.bind_list(ids.to_vec())
            .push(&format!(") ORDER BY {other}"));
        for row in q.fetch_all(&self.pool).await? {
            out.entry(get(&row, 0)?).or_default().push(get(&row, 1)?);
        }
        Ok(out)
    }

    /// Loads, in one query, every user a page of `rows` refers to: their audit columns,
    /// the foreign keys named in `fk_columns`, and `owners`.
    pub(crate) async fn page_users(
        &self,
        rows: &[sqlx::any::AnyRow],
        fk_columns: &[&str],
        owners: &HashMap<i64, Vec<i64>>,
    ) -> Result<rows::Users> {
        let mut ids: Vec<i64> = owners.values().flatten().copied().collect();
        for row in rows {
            for column in ["created_by_fk", "changed_by_fk"].iter().chain(fk_columns) {
                ids.extend(get::<Option<i64>>(row, *column)?);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let mut users = rows::Users::default();
        if ids.is_empty() {
            return Ok(users);
        }
        let mut q = Sql::new(&format!(
            "SELECT {} FROM ab_user u WHERE u.id IN (",
            rows::user_ref_columns("u")
        ));
        q.bind_list(ids).push(")");
        for row in q.fetch_all(&self.pool).await? {
            if let Some(user) = rows::user_ref(&row, "u")? {
                users.0.insert(user.id, user);
            }
        }
        Ok(users)
    }

    /// Users for the related-field endpoints: `text` filter on "first last", paged.
    pub async fn users_page(&self, filter: &str, page: Page) -> Result<(i64, Vec<UserRef>)> {
        let pattern = format!("%{}%", crate::list::escape_like(filter));
        let like = match self.backend {
            crate::Backend::Sqlite => "LIKE",
            crate::Backend::Postgres => "ILIKE",
        };
        let cond = format!(
            " WHERE (u.first_name || ' ' || u.last_name) {like} $1 ESCAPE '\\' OR u.username {like} $1 ESCAPE '\\'"
        );
        let mut count = Sql::new(&format!("SELECT COUNT(*) FROM ab_user u{cond}"));
        count.bind_first(pattern.clone());
        let total: i64 = get(&count.fetch_one(&self.pool).await?, 0)?;
        let mut q = Sql::new(&format!(
            "SELECT {} FROM ab_user u{cond} ORDER BY u.first_name, u.last_name, u.id",
            rows::user_ref_columns("u")
        ));
        q.bind_first(pattern);
        if let Some(size) = page.size {
            q.push(" LIMIT ")
                .bind(size)
                .push(" OFFSET ")
                .bind(page.index * size);
        }
        let users = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|row| rows::user_ref(row, "u").transpose())
            .collect::<Result<Vec<_>>>()?;
        Ok((total, users))
    }
}

use crate::list::Page;

/// `(role name, permission, view-menu)` rows `from` the given joins.
fn grants_query(from: &str) -> Sql {
    Sql::new(&format!(
        "SELECT r.name, pv.permission, pv.view_menu {from}"
    ))
}

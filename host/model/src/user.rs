//! Users and roles, after Flask-AppBuilder's security model.

use crate::Timestamp;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
    pub login_count: i64,
    pub created_on: Timestamp,
    pub roles: Vec<Role>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.name == Role::ADMIN)
    }
}

/// The slice of a user that other objects embed (owners, created_by, changed_by).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRef {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub active: bool,
}

impl UserRef {
    /// FAB's `str(user)`: "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: i64,
    pub name: String,
}

impl Role {
    pub const ADMIN: &'static str = "Admin";
    pub const ALPHA: &'static str = "Alpha";
    pub const GAMMA: &'static str = "Gamma";
    pub const PUBLIC: &'static str = "Public";
}

/// A user as the security API shows them to an administrator.
#[derive(Debug, Clone)]
pub struct UserAccount {
    pub id: i64,
    pub values: UserAccountValues,
    pub login_count: i64,
    pub fail_login_count: i64,
    pub last_login: Option<Timestamp>,
    pub created_on: Timestamp,
    pub changed_on: Timestamp,
    pub created_by: Option<i64>,
    pub changed_by: Option<i64>,
    pub roles: Vec<Role>,
}

/// What an administrator sets on a user (the password travels separately, hashed).
#[derive(Debug, Clone)]
pub struct UserAccountValues {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
    pub role_ids: Vec<i64>,
}

/// A permission (`can_read`) or a view menu (`Chart`): FAB gives each name an id.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A permission on a view menu, with the ids FAB's security API addresses them by.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionResource {
    pub id: i64,
    pub permission: Named,
    pub view_menu: Named,
}

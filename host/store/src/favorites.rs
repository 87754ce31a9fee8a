//! Favourites (Superset's `favstar`): `class_name` is `slice` for charts and
//! `Dashboard` for dashboards.

use crate::rows::get;
use crate::sql::Sql;
use crate::{Result, Store};
use tessera_model::Timestamp;

#[derive(Debug, Clone, Copy)]
pub enum FavoriteClass {
    Chart,
    Dashboard,
}

impl FavoriteClass {
    fn name(self) -> &'static str {
        match self {
            FavoriteClass::Chart => "slice",
            FavoriteClass::Dashboard => "Dashboard",
        }
    }
}

impl Store {
    pub async fn add_favorite(
        &self,
        user_id: i64,
        class: FavoriteClass,
        obj_id: i64,
    ) -> Result<()> {
        let mut q = Sql::new("INSERT INTO favstar (user_id, class_name, obj_id, dttm) VALUES (");
        q.bind(user_id)
            .value(class.name().to_string())
            .value(obj_id)
            .value(Timestamp::now().0)
            .push(") ON CONFLICT (user_id, class_name, obj_id) DO NOTHING");
        q.execute(&self.pool).await?;
        Ok(())
    }

    pub async fn remove_favorite(
        &self,
        user_id: i64,
        class: FavoriteClass,
        obj_id: i64,
    ) -> Result<()> {
        let mut q = Sql::new("DELETE FROM favstar WHERE user_id = ");
        q.bind(user_id)
            .push(" AND class_name = ")
            .bind(class.name().to_string())
            .push(" AND obj_id = ")
            .bind(obj_id);
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// Which of `ids` the user has starred.
    pub async fn favorite_ids(
        &self,
        user_id: i64,
        class: FavoriteClass,
        ids: &[i64],
    ) -> Result<Vec<i64>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new("SELECT obj_id FROM favstar WHERE user_id = ");
        q.bind(user_id)
            .push(" AND class_name = ")
            .bind(class.name().to_string())
            .push(" AND obj_id IN (")
            .bind_list(ids.to_vec())
            .push(")");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| get(r, 0))
            .collect()
    }
}

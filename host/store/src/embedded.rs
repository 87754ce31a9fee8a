//! Embedded dashboard configurations: one per dashboard, found by dashboard or by the
//! uuid the embed SDK and guest tokens use.

use crate::rows::{self, get};
use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use std::collections::HashMap;
use tessera_model::{EmbeddedDashboard, Timestamp};
use uuid::Uuid;

impl Store {
    /// The configuration of dashboard `dashboard_id`, if it is embedded.
    pub async fn embedded_of_dashboard(
        &self,
        dashboard_id: i64,
    ) -> Result<Option<EmbeddedDashboard>> {
        let mut q = Sql::new(&select());
        q.push(" WHERE t.dashboard_id = ").bind(dashboard_id);
        self.one_embedded(q).await
    }

    pub async fn embedded_by_uuid(&self, uuid: &Uuid) -> Result<Option<EmbeddedDashboard>> {
        let mut q = Sql::new(&select());
        q.push(" WHERE t.uuid = ").bind(uuid.to_string());
        self.one_embedded(q).await
    }

    async fn one_embedded(&self, q: Sql) -> Result<Option<EmbeddedDashboard>> {
        let Some(row) = q.fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let users = self
            .page_users(std::slice::from_ref(&row), &[], &HashMap::new())
            .await?;
        let domains: String = get(&row, "allowed_domains")?;
        Ok(Some(EmbeddedDashboard {
            uuid: rows::uuid(&row, "uuid")?,
            dashboard_id: get(&row, "dashboard_id")?,
            allowed_domains: serde_json::from_str(&domains).unwrap_or_default(),
            audit: rows::audit(&row, &users)?,
        }))
    }

    /// Embeds a dashboard or changes its allowed domains; the uuid of an existing
    /// configuration stays, so embed codes already handed out keep working.
    pub async fn upsert_embedded(
        &self,
        dashboard_id: i64,
        allowed_domains: &[String],
        actor: i64,
    ) -> Result<EmbeddedDashboard> {
        let now = Timestamp::now().0;
        let domains = serde_json::to_string(allowed_domains).expect("strings serialise");
        let mut q = Sql::new(
            "INSERT INTO embedded_dashboards (uuid, dashboard_id, allowed_domains, created_on, \
             changed_on, created_by_fk, changed_by_fk) VALUES (",
        );
        q.bind(Uuid::new_v4().to_string())
            .value(dashboard_id)
            .value(domains)
            .value(now)
            .value(now)
            .value(actor)
            .value(actor)
            .push(
                ") ON CONFLICT (dashboard_id) DO UPDATE SET allowed_domains = excluded.allowed_domains, \
                 changed_on = excluded.changed_on, changed_by_fk = excluded.changed_by_fk",
            );
        q.execute(&self.pool).await?;
        self.embedded_of_dashboard(dashboard_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn delete_embedded(&self, dashboard_id: i64) -> Result<()> {
        let mut q = Sql::new("DELETE FROM embedded_dashboards WHERE dashboard_id = ");
        q.bind(dashboard_id);
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// The dashboards behind embedded uuids (a guest token's resources); unknown uuids
    /// are skipped.
    pub async fn embedded_dashboard_ids(&self, uuids: &[Uuid]) -> Result<Vec<i64>> {
        if uuids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new("SELECT dashboard_id FROM embedded_dashboards WHERE uuid IN (");
        q.bind_list(uuids.iter().map(Uuid::to_string)).push(")");
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| get(row, 0))
            .collect()
    }
}

fn select() -> String {
    format!(
        "SELECT t.uuid, t.dashboard_id, t.allowed_domains, {} FROM embedded_dashboards t",
        rows::AUDIT_COLUMNS
    )
}

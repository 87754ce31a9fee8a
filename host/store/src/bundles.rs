//! Export and import of whole object graphs. An export loads objects with everything
//! they depend on; an import writes a bundle's objects in one transaction, matching them
//! to stored ones by uuid, so it writes everything or nothing.

use crate::charts::{insert_chart_in, replace_links, update_chart_in};
use crate::dashboards::{insert_dashboard_in, update_dashboard_in};
use crate::databases::{insert_database_in, update_database_in};
use crate::datasets::{insert_dataset_in, load_columns, load_metrics, update_dataset_in};
use crate::rows::get;
use crate::saved_queries::{insert_saved_query_in, update_saved_query_in};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx};
use serde_json::{Value, json};
use std::collections::HashMap;
use tessera_model::bundle::{
    ExportSet, ImportChart, ImportDashboard, ImportDatabase, ImportDataset, ImportRefused,
    ImportSavedQuery, ImportSet, ObjectKind, filter_targets,
};
use tessera_model::database::mask_password;
use uuid::Uuid;

/// How an import treats what is already stored.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// What the import is about (a dashboard import is about dashboards; `None`: every
    /// kind, the assets import). Such objects already stored are a conflict unless
    /// `overwrite`, and are then rewritten. Stored objects of other kinds are used as
    /// they are, as Superset does.
    pub primary: Option<ObjectKind>,
    pub overwrite: bool,
    /// The kinds the caller may create and change.
    pub writable: Vec<ObjectKind>,
    pub actor: i64,
    /// Admins may overwrite what others own.
    pub admin: bool,
}

impl ImportOptions {
    fn is_primary(&self, kind: ObjectKind) -> bool {
        self.primary.is_none_or(|primary| primary == kind)
    }
}

fn table_of(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Database => "dbs",
        ObjectKind::Dataset => "tables",
        ObjectKind::Chart => "slices",
        ObjectKind::Dashboard => "dashboards",
        ObjectKind::SavedQuery => "saved_query",
    }
}

fn dedup(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Store {
    /// The objects of `kind` named by `ids`, with everything they depend on: a
    /// dashboard's charts and the datasets its native filters use, a chart's dataset, a
    /// dataset's database, a saved query's database, and a database's datasets.
    /// `NotFound` when any of `ids` is not stored.
    pub async fn export_set(&self, kind: ObjectKind, ids: &[i64]) -> Result<ExportSet> {
        let ids = dedup(ids.to_vec());
        let mut roots = Roots::default();
        match kind {
            ObjectKind::Dashboard => roots.dashboards.clone_from(&ids),
            ObjectKind::Chart => roots.charts.clone_from(&ids),
            ObjectKind::Dataset => roots.datasets.clone_from(&ids),
            ObjectKind::SavedQuery => roots.saved_queries.clone_from(&ids),
            ObjectKind::Database => {
                roots.databases.clone_from(&ids);
                let mut q = Sql::new("SELECT id FROM tables WHERE database_id IN (");
                q.bind_list(ids.clone()).push(")");
                roots.datasets = ids_of(q.fetch_all(&self.pool).await?)?;
            }
        }
        let set = self.export_closure(roots).await?;
        let found = match kind {
            ObjectKind::Dashboard => set.dashboards.len(),
            ObjectKind::Chart => set.charts.len(),
            ObjectKind::Dataset => set.datasets.len(),
            ObjectKind::Database => set.databases.len(),
            ObjectKind::SavedQuery => set.saved_queries.len(),
        };
        if found != ids.len() {
            return Err(StoreError::NotFound);
        }
        Ok(set)
    }

    /// Every exportable object.
    pub async fn export_everything(&self) -> Result<ExportSet> {
        let mut all = HashMap::new();
        for kind in [
            ObjectKind::Database,
            ObjectKind::Dataset,
            ObjectKind::Chart,
            ObjectKind::Dashboard,
            ObjectKind::SavedQuery,
        ] {
            let q = Sql::new(&format!("SELECT id FROM {} ORDER BY id", table_of(kind)));
            all.insert(kind, ids_of(q.fetch_all(&self.pool).await?)?);
        }
        let mut take = |kind| all.remove(&kind).unwrap_or_default();
        self.export_closure(Roots {
            databases: take(ObjectKind::Database),
            datasets: take(ObjectKind::Dataset),
            charts: take(ObjectKind::Chart),
            dashboards: take(ObjectKind::Dashboard),
            saved_queries: take(ObjectKind::SavedQuery),
        })
        .await
    }

    /// Loads `roots` and what they depend on, each kind after the kinds that name it.
    async fn export_closure(&self, mut roots: Roots) -> Result<ExportSet> {
        let dashboards = self.dashboards(&dedup(roots.dashboards)).await?;
        for d in &dashboards {
            roots.charts.extend(d.charts.iter().map(|(id, _)| *id));
            let metadata = d
                .values
                .json_metadata
                .as_deref()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .unwrap_or_default();
            roots
                .datasets
                .extend(filter_targets(&metadata).filter_map(|t| t["datasetId"].as_i64()));
        }
        let charts = self.charts(&dedup(roots.charts)).await?;
        roots.datasets.extend(
            charts
                .iter()
                .filter_map(|c| c.dataset.as_ref().map(|d| d.id)),
        );
        let datasets = self.datasets(&dedup(roots.datasets)).await?;
        roots
            .databases
            .extend(datasets.iter().map(|d| d.values.database_id));
        let saved_queries = self.saved_queries(&dedup(roots.saved_queries)).await?;
        roots
            .databases
            .extend(saved_queries.iter().filter_map(|q| q.values.db_id));
        let databases = self.databases(&dedup(roots.databases)).await?;
        Ok(ExportSet {
            databases,
            datasets,
            charts,
            dashboards,
            saved_queries,
        })
    }

    /// Writes every object of `set` or none. Objects are matched to stored ones by
    /// uuid; links (a chart's dataset, a dashboard's charts) are resolved to what the
    /// bundle brings or what is stored. Problems with the bundle come back as
    /// [`StoreError::ImportRefused`], naming the file at fault.
    pub async fn import_bundle(&self, set: &ImportSet, options: &ImportOptions) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let mut import = Import {
            tx: &mut tx,
            options,
            ids: HashMap::new(),
            table_names: HashMap::new(),
        };
        import.refuse_conflicts(set).await?;
        for d in &set.databases {
            import.database(d).await?;
        }
        for d in &set.datasets {
            import.dataset(d).await?;
        }
        for c in &set.charts {
            import.chart(c).await?;
        }
        for d in &set.dashboards {
            import.dashboard(d).await?;
        }
        for q in &set.saved_queries {
            import.saved_query(q).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[derive(Default)]
struct Roots {
    databases: Vec<i64>,
    datasets: Vec<i64>,
    charts: Vec<i64>,
    dashboards: Vec<i64>,
    saved_queries: Vec<i64>,
}

fn ids_of(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<i64>> {
    rows.iter().map(|row| get(row, 0)).collect()
}

/// What happens to one object of the bundle.
enum Plan {
    Create,
    Update(i64),
    /// Stored already and not what the import is about: used as it is.
    Keep(i64),
}

/// One import's transaction and what it has resolved so far.
struct Import<'a, 't> {
    tx: &'a mut Tx<'t>,
    options: &'a ImportOptions,
    /// Where each object of the bundle, and each stored object it named, is stored.
    ids: HashMap<(ObjectKind, String), i64>,
    /// Dataset ids to table names, for the charts on them.
    table_names: HashMap<i64, String>,
}

impl Import<'_, '_> {
    fn refusal(&self, problems: Vec<(String, Value)>) -> StoreError {
        StoreError::ImportRefused(ImportRefused {
            importing: self.options.primary,
            problems,
        })
    }

    /// A write that broke a rule (a duplicate name or slug) is the file's problem.
    fn refused(&self, file: &str, err: StoreError) -> StoreError {
        match err {
            StoreError::Conflict(what) => self.refusal(vec![(file.into(), json!(what))]),
            other => other,
        }
    }

    fn problem(&self, file: &str, message: impl Into<Value>) -> StoreError {
        self.refusal(vec![(file.into(), message.into())])
    }

    /// Where the object `reference` (a uuid) of `kind` is stored, if it is.
    async fn stored_id(&mut self, kind: ObjectKind, reference: &str) -> Result<Option<i64>> {
        if let Some(id) = self.ids.get(&(kind, reference.to_string())) {
            return Ok(Some(*id));
        }
        let Ok(uuid) = Uuid::parse_str(reference) else {
            return Ok(None);
        };
        let mut q = Sql::new(&format!("SELECT id FROM {} WHERE uuid = ", table_of(kind)));
        q.bind(uuid.to_string());
        let id: Option<i64> = q
            .fetch_optional(&mut **self.tx)
            .await?
            .map(|row| get(&row, 0))
            .transpose()?;
        if let Some(id) = id {
            self.ids.insert((kind, reference.to_string()), id);
        }
        Ok(id)
    }

    /// Where a referenced object is stored; refused when it is nowhere.
    async fn id_of(&mut self, file: &str, kind: ObjectKind, reference: &str) -> Result<i64> {
        match self.stored_id(kind, reference).await? {
            Some(id) => Ok(id),
            None => Err(self.problem(file, format!("{} {reference} does not exist", kind.label()))),
        }
    }

    async fn dataset_ref(&mut self, file: &str, reference: &str) -> Result<(i64, String)> {
        let id = self.id_of(file, ObjectKind::Dataset, reference).await?;
        if let Some(name) = self.table_names.get(&id) {
            return Ok((id, name.clone()));
        }
        let mut q = Sql::new("SELECT table_name FROM tables WHERE id = ");
        q.bind(id);
        let name: String = get(&q.fetch_one(&mut **self.tx).await?, 0)?;
        Ok((id, name))
    }

    /// Refuses, before anything is written, every object the import is about that is
    /// stored already when the caller did not ask to overwrite.
    async fn refuse_conflicts(&mut self, set: &ImportSet) -> Result<()> {
        if self.options.overwrite {
            return Ok(());
        }
        let objects = set
            .databases
            .iter()
            .map(|o| (ObjectKind::Database, &o.file, o.uuid))
            .chain(
                set.datasets
                    .iter()
                    .map(|o| (ObjectKind::Dataset, &o.file, o.uuid)),
            )
            .chain(
                set.charts
                    .iter()
                    .map(|o| (ObjectKind::Chart, &o.file, o.uuid)),
            )
            .chain(
                set.dashboards
                    .iter()
                    .map(|o| (ObjectKind::Dashboard, &o.file, o.uuid)),
            )
            .chain(
                set.saved_queries
                    .iter()
                    .map(|o| (ObjectKind::SavedQuery, &o.file, o.uuid)),
            );
        let mut problems = vec![];
        for (kind, file, uuid) in objects {
            if self.options.is_primary(kind)
                && self.stored_id(kind, &uuid.to_string()).await?.is_some()
            {
                let message = format!(
                    "{} already exists and `overwrite=true` was not passed",
                    kind.label()
                );
                problems.push((file.clone(), json!(message)));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(self.refusal(problems))
        }
    }

    /// Decides what to do with an object and checks the caller may do it; records
    /// where a kept object is.
    async fn plan(&mut self, file: &str, kind: ObjectKind, uuid: Uuid) -> Result<Plan> {
        let writable = self.options.writable.contains(&kind);
        let plan = match self.stored_id(kind, &uuid.to_string()).await? {
            None if writable => Plan::Create,
            None => {
                return Err(self.problem(
                    file,
                    format!(
                        "{} doesn't exist and user doesn't have permission to create it",
                        kind.label()
                    ),
                ));
            }
            Some(id) if !self.options.is_primary(kind) => Plan::Keep(id),
            Some(id) if writable && (self.options.admin || self.owns(kind, id).await?) => {
                Plan::Update(id)
            }
            Some(_) => {
                return Err(self.problem(
                    file,
                    format!(
                        "A {} already exists and user doesn't have permissions to overwrite it",
                        kind.noun()
                    ),
                ));
            }
        };
        Ok(plan)
    }

    /// Whether the caller owns a stored object (databases have no owners).
    async fn owns(&mut self, kind: ObjectKind, id: i64) -> Result<bool> {
        let text = match kind {
            ObjectKind::Database => return Ok(false),
            ObjectKind::Dataset => {
                "SELECT 1 FROM sqlatable_user WHERE table_id = $1 AND user_id = $2"
            }
            ObjectKind::Chart => "SELECT 1 FROM slice_user WHERE slice_id = $1 AND user_id = $2",
            ObjectKind::Dashboard => {
                "SELECT 1 FROM dashboard_user WHERE dashboard_id = $1 AND user_id = $2"
            }
            ObjectKind::SavedQuery => {
                "SELECT 1 FROM saved_query WHERE id = $1 AND created_by_fk = $2"
            }
        };
        let mut q = Sql::new(text);
        q.bind_first(id).bind_first(self.options.actor);
        Ok(q.fetch_optional(&mut **self.tx).await?.is_some())
    }

    fn remember(&mut self, kind: ObjectKind, uuid: Uuid, id: i64) {
        self.ids.insert((kind, uuid.to_string()), id);
    }

    async fn database(&mut self, d: &ImportDatabase) -> Result<()> {
        let file = &d.file;
        let id = match self.plan(file, ObjectKind::Database, d.uuid).await? {
            Plan::Create => {
                // Superset's rule: a new database needs its password when its URI has one.
                let has_password = mask_password(&d.values.sqlalchemy_uri)
                    .is_some_and(|(_, password)| password.is_some());
                if has_password && d.password.is_none() {
                    return Err(self.problem(
                        file,
                        json!({"_schema": ["Must provide a password for the database"]}),
                    ));
                }
                insert_database_in(
                    self.tx,
                    d.uuid,
                    &d.values,
                    d.password.as_deref(),
                    self.options.actor,
                )
                .await
                .map_err(|e| self.refused(file, e))?
            }
            Plan::Update(id) => {
                // Without a new password the stored one stays.
                let mut q = Sql::new("SELECT password FROM dbs WHERE id = ");
                q.bind(id);
                let stored: Option<String> = get(&q.fetch_one(&mut **self.tx).await?, 0)?;
                let password = d.password.clone().or(stored);
                update_database_in(
                    self.tx,
                    id,
                    &d.values,
                    password.as_deref(),
                    self.options.actor,
                )
                .await
                .map_err(|e| self.refused(file, e))?;
                id
            }
            Plan::Keep(id) => id,
        };
        self.remember(ObjectKind::Database, d.uuid, id);
        Ok(())
    }

    async fn dataset(&mut self, d: &ImportDataset) -> Result<()> {
        let file = &d.file;
        let mut values = d.values.clone();
        values.database_id = self
            .id_of(file, ObjectKind::Database, &d.database_uuid.to_string())
            .await?;
        let actor = self.options.actor;
        let id = match self.plan(file, ObjectKind::Dataset, d.uuid).await? {
            Plan::Create => insert_dataset_in(
                self.tx,
                d.uuid,
                &values,
                &[actor],
                &d.columns,
                &d.metrics,
                actor,
            )
            .await
            .map_err(|e| self.refused(file, e))?,
            Plan::Update(id) => {
                // The file's columns and metrics are the dataset's; those kept by name
                // keep their ids.
                let mut columns = d.columns.clone();
                let stored = load_columns(&mut **self.tx, &[id]).await?;
                for c in &mut columns {
                    c.id = stored
                        .get(&id)
                        .into_iter()
                        .flatten()
                        .find(|s| s.column_name == c.column_name)
                        .and_then(|s| s.id);
                }
                let mut metrics = d.metrics.clone();
                let stored = load_metrics(&mut **self.tx, &[id]).await?;
                for m in &mut metrics {
                    m.id = stored
                        .get(&id)
                        .into_iter()
                        .flatten()
                        .find(|s| s.metric_name == m.metric_name)
                        .and_then(|s| s.id);
                }
                update_dataset_in(
                    self.tx,
                    id,
                    &values,
                    None,
                    Some(&columns),
                    Some(&metrics),
                    actor,
                )
                .await
                .map_err(|e| self.refused(file, e))?;
                id
            }
            Plan::Keep(id) => {
                self.remember(ObjectKind::Dataset, d.uuid, id);
                return Ok(());
            }
        };
        self.remember(ObjectKind::Dataset, d.uuid, id);
        self.table_names.insert(id, values.table_name);
        Ok(())
    }

    async fn chart(&mut self, c: &ImportChart) -> Result<()> {
        let file = &c.file;
        let (dataset_id, table_name) = self.dataset_ref(file, &c.dataset_uuid.to_string()).await?;
        let values = c.resolve(dataset_id, &table_name);
        let actor = self.options.actor;
        match self.plan(file, ObjectKind::Chart, c.uuid).await? {
            Plan::Create => {
                insert_chart_in(self.tx, c.uuid, &values, &[actor], &[], actor)
                    .await
                    .map_err(|e| self.refused(file, e))?;
            }
            Plan::Update(id) => update_chart_in(self.tx, id, &values, None, None, actor)
                .await
                .map_err(|e| self.refused(file, e))?,
            Plan::Keep(_) => {}
        }
        Ok(())
    }

    async fn saved_query(&mut self, q: &ImportSavedQuery) -> Result<()> {
        let file = &q.file;
        let mut values = q.values.clone();
        let database = q.database_uuid.to_string();
        values.db_id = Some(self.id_of(file, ObjectKind::Database, &database).await?);
        let actor = self.options.actor;
        match self.plan(file, ObjectKind::SavedQuery, q.uuid).await? {
            Plan::Create => {
                insert_saved_query_in(self.tx, q.uuid, &values, actor)
                    .await
                    .map_err(|e| self.refused(file, e))?;
            }
            Plan::Update(id) => update_saved_query_in(self.tx, id, &values, actor)
                .await
                .map_err(|e| self.refused(file, e))?,
            Plan::Keep(_) => {}
        }
        Ok(())
    }

    async fn dashboard(&mut self, d: &ImportDashboard) -> Result<()> {
        let file = &d.file;
        let plan = self.plan(file, ObjectKind::Dashboard, d.uuid).await?;
        if let Plan::Keep(id) = plan {
            self.remember(ObjectKind::Dashboard, d.uuid, id);
            return Ok(());
        }
        let mut charts = HashMap::new();
        for reference in d.chart_refs() {
            if let Some(id) = self.stored_id(ObjectKind::Chart, &reference).await? {
                charts.insert(reference, id);
            }
        }
        let mut datasets = HashMap::new();
        for reference in d.dataset_refs() {
            if let Some(id) = self.stored_id(ObjectKind::Dataset, &reference).await? {
                datasets.insert(reference, id);
            }
        }
        let (values, chart_ids) = d
            .resolve(&charts, &datasets)
            .map_err(|missing| self.problem(file, missing.to_string()))?;
        let actor = self.options.actor;
        let id = match plan {
            Plan::Update(id) => {
                update_dashboard_in(self.tx, id, &values, None, None, actor)
                    .await
                    .map_err(|e| self.refused(file, e))?;
                id
            }
            _ => insert_dashboard_in(self.tx, d.uuid, &values, &[actor], &[], actor)
                .await
                .map_err(|e| self.refused(file, e))?,
        };
        replace_links(
            self.tx,
            "dashboard_slices",
            "dashboard_id",
            "slice_id",
            id,
            &chart_ids,
        )
        .await?;
        self.remember(ObjectKind::Dashboard, d.uuid, id);
        Ok(())
    }
}

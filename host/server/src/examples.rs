//! `tessera load-examples`: writes the example tables as Parquet into
//! `<data_dir>/examples/` and registers them through the store: the `examples` database
//! (DataFusion's own file engine over that directory), a dataset per table, the example
//! charts and the "Examples" dashboard, all owned by the first admin.
//!
//! Idempotent: each object is looked up by what identifies it (the database by name, a
//! dataset by database, schema and table, a chart by its fixed uuid, the dashboard by
//! slug) and only what is missing is created, so a second run writes nothing and a run
//! after a deletion brings back what was deleted. What exists is left as the user edited
//! it, except where it no longer fits: a database pointing at another directory, a chart
//! whose dataset was deleted, a chart missing from the dashboard or its layout.

use anyhow::{Context, Result};
use std::path::Path;
use tessera_examples::charts::{ExampleChart, charts};
use tessera_examples::{ColumnKind, ExampleTable, dashboard, tables, write_parquet};
use tessera_model::{
    ChartValues, DashboardValues, DatabaseValues, DatasetColumn, DatasetMetric, DatasetValues,
};
use tessera_store::Store;
use uuid::Uuid;

pub const DATABASE_NAME: &str = "examples";
/// DataFusion's file engine shows a directory's files as the tables of this schema.
const SCHEMA: &str = "main";

/// The registered examples, and what this run created or repaired.
#[derive(Debug)]
pub struct LoadedExamples {
    pub database_id: i64,
    pub dataset_ids: Vec<i64>,
    pub chart_ids: Vec<i64>,
    pub dashboard_id: i64,
    /// One line per object written, e.g. `created chart "Top names"`; empty when all was
    /// in place.
    pub changes: Vec<String>,
}

/// Writes the example files under `data_dir` and registers everything that is missing.
pub async fn load_examples(store: &Store, data_dir: &Path) -> Result<LoadedExamples> {
    let dir = data_dir.join("examples");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))?;
    let files = dir.clone();
    tokio::task::spawn_blocking(move || write_parquet(&files))
        .await?
        .context("writing the example tables")?;
    let owner = store
        .first_user_with_role("Admin")
        .await?
        .context("no user has the Admin role; start the server once or use create-user")?;
    let mut loader = Loader {
        store,
        owner,
        changes: Vec::new(),
    };
    let database_id = loader
        .database(&format!("datafusion://{}", dir.display()))
        .await?;
    let tables = tables();
    let mut dataset_ids = Vec::with_capacity(tables.len());
    for table in &tables {
        dataset_ids.push(loader.dataset(table, database_id).await?);
    }
    let dashboard_id = loader.dashboard().await?;
    let charts = charts();
    let mut placed = Vec::with_capacity(charts.len());
    for chart in &charts {
        let table = tables.iter().position(|t| t.name == chart.table);
        let dataset_id = table.map(|i| dataset_ids[i]).with_context(|| {
            format!(
                "chart {} is on unknown table {}",
                chart.slice_name, chart.table
            )
        })?;
        placed.push((chart, loader.chart(chart, dataset_id, dashboard_id).await?));
    }
    loader.layout(dashboard_id, &placed).await?;
    Ok(LoadedExamples {
        database_id,
        dataset_ids,
        chart_ids: placed.iter().map(|(_, id)| *id).collect(),
        dashboard_id,
        changes: loader.changes,
    })
}

struct Loader<'a> {
    store: &'a Store,
    owner: i64,
    changes: Vec<String>,
}

impl Loader<'_> {
    async fn database(&mut self, uri: &str) -> Result<i64> {
        if let Some(id) = self.store.database_id_by_name(DATABASE_NAME).await? {
            let mut values = self.store.database(id).await?.values;
            if values.sqlalchemy_uri != uri {
                values.sqlalchemy_uri = uri.to_string();
                self.store
                    .update_database(id, &values, None, self.owner)
                    .await?;
                self.changes
                    .push(format!("pointed database {DATABASE_NAME} at {uri}"));
            }
            return Ok(id);
        }
        let values = DatabaseValues {
            database_name: DATABASE_NAME.to_string(),
            sqlalchemy_uri: uri.to_string(),
            expose_in_sqllab: true,
            allow_dml: false,
            configuration_method: "sqlalchemy_form".to_string(),
            extra: Some(r#"{"allows_virtual_table_explore": true}"#.to_string()),
            ..Default::default()
        };
        let id = self
            .store
            .insert_database(Uuid::new_v4(), &values, None, self.owner)
            .await?;
        self.changes
            .push(format!("created database {DATABASE_NAME}"));
        Ok(id)
    }

    async fn dataset(&mut self, table: &ExampleTable, database_id: i64) -> Result<i64> {
        let found = self
            .store
            .dataset_id_by_identity(database_id, None, Some(SCHEMA), table.name)
            .await?;
        if let Some(id) = found {
            return Ok(id);
        }
        let values = DatasetValues {
            table_name: table.name.to_string(),
            database_id,
            schema: Some(SCHEMA.to_string()),
            description: Some(table.description.to_string()),
            main_dttm_col: Some(table.main_dttm_col.to_string()),
            filter_select_enabled: true,
            ..Default::default()
        };
        let columns: Vec<DatasetColumn> = table
            .columns()?
            .into_iter()
            .map(|(name, kind)| DatasetColumn {
                column_name: name.to_string(),
                r#type: Some(kind.superset_type().to_string()),
                is_dttm: kind == ColumnKind::Date,
                is_active: true,
                groupby: true,
                filterable: true,
                ..Default::default()
            })
            .collect();
        // Superset gives every new dataset this `count` metric.
        let count = DatasetMetric {
            metric_name: "count".to_string(),
            verbose_name: Some("COUNT(*)".to_string()),
            metric_type: Some("count".to_string()),
            expression: "COUNT(*)".to_string(),
            ..Default::default()
        };
        let metrics: Vec<DatasetMetric> = std::iter::once(count)
            .chain(
                table
                    .metrics
                    .iter()
                    .map(|&(name, expression)| DatasetMetric {
                        metric_name: name.to_string(),
                        expression: expression.to_string(),
                        ..Default::default()
                    }),
            )
            .collect();
        let id = self
            .store
            .insert_dataset(
                Uuid::new_v4(),
                &values,
                &[self.owner],
                &columns,
                &metrics,
                self.owner,
            )
            .await?;
        self.changes
            .push(format!("created dataset {SCHEMA}.{}", table.name));
        Ok(id)
    }

    /// The dashboard, created empty when missing; [`Loader::layout`] places the charts.
    async fn dashboard(&mut self) -> Result<i64> {
        if let Some(id) = self.store.dashboard_id_by_slug(dashboard::SLUG).await? {
            return Ok(id);
        }
        let values = DashboardValues {
            dashboard_title: Some(dashboard::TITLE.to_string()),
            slug: Some(dashboard::SLUG.to_string()),
            position_json: Some(dashboard::position(&[]).to_string()),
            json_metadata: Some(dashboard::json_metadata().to_string()),
            css: Some(String::new()),
            published: true,
            ..Default::default()
        };
        let id = self
            .store
            .insert_dashboard(Uuid::new_v4(), &values, &[self.owner], &[], self.owner)
            .await?;
        self.changes
            .push(format!("created dashboard {}", dashboard::TITLE));
        Ok(id)
    }

    async fn chart(
        &mut self,
        chart: &ExampleChart,
        dataset_id: i64,
        dashboard_id: i64,
    ) -> Result<i64> {
        let values = ChartValues {
            slice_name: chart.slice_name.to_string(),
            viz_type: Some(chart.viz_type.to_string()),
            datasource_id: Some(dataset_id),
            datasource_type: Some("table".to_string()),
            datasource_name: Some(format!("{SCHEMA}.{}", chart.table)),
            params: Some(chart.params(dataset_id).to_string()),
            query_context: Some(chart.query_context(dataset_id).to_string()),
            description: Some(chart.description.to_string()),
            ..Default::default()
        };
        let Some(id) = self.store.chart_id_by_uuid(&chart.uuid).await? else {
            let id = self
                .store
                .insert_chart(
                    chart.uuid,
                    &values,
                    &[self.owner],
                    &[dashboard_id],
                    self.owner,
                )
                .await?;
            self.changes
                .push(format!("created chart \"{}\"", chart.slice_name));
            return Ok(id);
        };
        let existing = self.store.chart(id).await?;
        let on_dataset = existing.values.datasource_id == Some(dataset_id);
        let mut dashboards: Vec<i64> = existing.dashboards.iter().map(|d| d.id).collect();
        if on_dataset && dashboards.contains(&dashboard_id) {
            return Ok(id);
        }
        dashboards.push(dashboard_id);
        // A chart whose dataset was deleted gets the example's definition back.
        let values = if on_dataset { existing.values } else { values };
        self.store
            .update_chart(id, &values, None, Some(&dashboards), self.owner)
            .await?;
        self.changes
            .push(format!("repaired chart \"{}\"", chart.slice_name));
        Ok(id)
    }

    /// Lays the charts out again when the layout lacks one of them (the dashboard is new,
    /// or a chart was re-created under a new id); a layout showing them all is kept.
    async fn layout(&mut self, dashboard_id: i64, placed: &[(&ExampleChart, i64)]) -> Result<()> {
        let mut values = self.store.dashboard(dashboard_id).await?.values;
        let shown = values
            .position_json
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .map(|p| dashboard::chart_ids(&p))
            .unwrap_or_default();
        if placed.iter().all(|(_, id)| shown.contains(id)) {
            return Ok(());
        }
        values.position_json = Some(dashboard::position(placed).to_string());
        self.store
            .update_dashboard(dashboard_id, &values, None, None, self.owner)
            .await?;
        self.changes
            .push(format!("laid out dashboard {}", dashboard::TITLE));
        Ok(())
    }
}

//! Export and import, format-free: what an export carries (the stored objects with their
//! dependencies) and what an import writes (objects linked by uuid, not by id). The
//! bundle crate turns these into Superset's ZIP of YAML files and back; the store writes
//! an [`ImportSet`] in one transaction.

use crate::{
    Chart, ChartValues, Dashboard, DashboardValues, Database, DatabaseValues, Dataset,
    DatasetColumn, DatasetMetric, DatasetValues, SavedQuery, SavedQueryValues,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;

/// The kinds of object a bundle holds, in the order an import must write them (each
/// refers only to kinds before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Database,
    Dataset,
    Chart,
    Dashboard,
    SavedQuery,
}

impl ObjectKind {
    /// The capitalised name Superset's import messages use.
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Database => "Database",
            ObjectKind::Dataset => "Dataset",
            ObjectKind::Chart => "Chart",
            ObjectKind::Dashboard => "Dashboard",
            ObjectKind::SavedQuery => "Saved query",
        }
    }

    /// The lower-case name, as in "Error importing dashboard".
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::Database => "database",
            ObjectKind::Dataset => "dataset",
            ObjectKind::Chart => "chart",
            ObjectKind::Dashboard => "dashboard",
            ObjectKind::SavedQuery => "saved query",
        }
    }
}

/// Why an import wrote nothing, file by file. Each detail is a message or a map of field
/// errors, as Superset reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRefused {
    /// What was being imported: objects of one kind, or everything (`None`: assets).
    pub importing: Option<ObjectKind>,
    pub problems: Vec<(String, Value)>,
}

impl fmt::Display for ImportRefused {
    /// Superset's message: `Error importing dashboard: <file>: <problem>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.importing.map_or("assets", ObjectKind::noun);
        write!(f, "Error importing {what}")?;
        for (i, (file, detail)) in self.problems.iter().enumerate() {
            let separator = if i == 0 { ": " } else { "; " };
            match detail {
                Value::String(message) => write!(f, "{separator}{file}: {message}")?,
                other => write!(f, "{separator}{file}: {other}")?,
            }
        }
        Ok(())
    }
}

/// Objects to export, each with everything it depends on, each listed once.
#[derive(Debug, Clone, Default)]
pub struct ExportSet {
    pub databases: Vec<Database>,
    pub datasets: Vec<Dataset>,
    pub charts: Vec<Chart>,
    pub dashboards: Vec<Dashboard>,
    pub saved_queries: Vec<SavedQuery>,
}

/// Objects to import. `file` is where each came from in the bundle, to name it in errors.
#[derive(Debug, Clone, Default)]
pub struct ImportSet {
    pub databases: Vec<ImportDatabase>,
    pub datasets: Vec<ImportDataset>,
    pub charts: Vec<ImportChart>,
    pub dashboards: Vec<ImportDashboard>,
    pub saved_queries: Vec<ImportSavedQuery>,
}

#[derive(Debug, Clone)]
pub struct ImportDatabase {
    pub file: String,
    pub uuid: Uuid,
    /// `sqlalchemy_uri` carries the mask in place of any password.
    pub values: DatabaseValues,
    /// The real password when the bundle or the request supplied one.
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ImportDataset {
    pub file: String,
    pub uuid: Uuid,
    pub database_uuid: Uuid,
    /// `database_id` is resolved on import.
    pub values: DatasetValues,
    pub columns: Vec<DatasetColumn>,
    pub metrics: Vec<DatasetMetric>,
}

#[derive(Debug, Clone)]
pub struct ImportChart {
    pub file: String,
    pub uuid: Uuid,
    pub dataset_uuid: Uuid,
    /// The datasource columns are resolved on import.
    pub values: ChartValues,
}

#[derive(Debug, Clone)]
pub struct ImportDashboard {
    pub file: String,
    pub uuid: Uuid,
    /// `position_json` and `json_metadata` are built from `position` and `metadata`.
    pub values: DashboardValues,
    /// The layout; its `CHART` nodes name their chart by `meta.uuid`.
    pub position: Value,
    /// Native filters name their datasets by `targets[].datasetUuid`.
    pub metadata: Value,
}

#[derive(Debug, Clone)]
pub struct ImportSavedQuery {
    pub file: String,
    pub uuid: Uuid,
    pub database_uuid: Uuid,
    /// `db_id` is resolved on import.
    pub values: SavedQueryValues,
}

/// A uuid an object refers to that is neither in the bundle nor stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReference {
    pub kind: ObjectKind,
    pub reference: String,
}

impl fmt::Display for MissingReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} does not exist", self.kind.label(), self.reference)
    }
}

impl ImportChart {
    /// The chart's values pointing at the dataset stored as `dataset_id`: the datasource
    /// columns, and the ids inside `params` and `query_context`, which were the exporting
    /// server's.
    pub fn resolve(&self, dataset_id: i64, dataset_name: &str) -> ChartValues {
        let uid = format!("{dataset_id}__table");
        let mut v = self.values.clone();
        v.datasource_id = Some(dataset_id);
        v.datasource_type = Some("table".into());
        v.datasource_name = Some(dataset_name.to_string());
        v.params = rewrite_json(v.params.as_deref(), |params| {
            params["datasource"] = json!(uid);
        });
        v.query_context = rewrite_json(v.query_context.as_deref(), |context| {
            if context.get("datasource").is_some_and(Value::is_object) {
                context["datasource"]["id"] = json!(dataset_id);
            }
            if context.get("form_data").is_some_and(Value::is_object) {
                context["form_data"]["datasource"] = json!(uid);
            }
        });
        v
    }
}

/// Applies `change` to a JSON object held as text; other text is kept as it is.
fn rewrite_json(text: Option<&str>, change: impl FnOnce(&mut Value)) -> Option<String> {
    let text = text?;
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) if value.is_object() => {
            change(&mut value);
            Some(value.to_string())
        }
        _ => Some(text.to_string()),
    }
}

impl ImportDashboard {
    /// The uuids of the charts the layout places.
    pub fn chart_refs(&self) -> Vec<String> {
        chart_nodes(&self.position)
            .filter_map(|node| node["meta"]["uuid"].as_str().map(str::to_string))
            .collect()
    }

    /// The uuids of the datasets the native filters target.
    pub fn dataset_refs(&self) -> Vec<String> {
        filter_targets(&self.metadata)
            .filter_map(|target| target["datasetUuid"].as_str().map(str::to_string))
            .collect()
    }

    /// The values to store and the ids of the dashboard's charts, given where each
    /// referenced chart and dataset is stored. Chart ids inside the layout and the
    /// metadata are the exporting server's; they are rewritten to the stored ones.
    pub fn resolve(
        &self,
        charts: &HashMap<String, i64>,
        datasets: &HashMap<String, i64>,
    ) -> Result<(DashboardValues, Vec<i64>), MissingReference> {
        let mut position = self.position.clone();
        let mut renumbered: HashMap<i64, i64> = HashMap::new();
        let mut chart_ids = vec![];
        for node in chart_nodes_mut(&mut position) {
            let Some(reference) = node["meta"]["uuid"].as_str() else {
                continue;
            };
            let id = *charts.get(reference).ok_or_else(|| MissingReference {
                kind: ObjectKind::Chart,
                reference: reference.to_string(),
            })?;
            if let Some(old) = node["meta"]["chartId"].as_i64() {
                renumbered.insert(old, id);
            }
            node["meta"]["chartId"] = json!(id);
            if !chart_ids.contains(&id) {
                chart_ids.push(id);
            }
        }
        let mut metadata = self.metadata.clone();
        for target in filter_targets_mut(&mut metadata) {
            let Some(reference) = target.remove("datasetUuid") else {
                continue;
            };
            let reference = reference.as_str().unwrap_or_default().to_string();
            let id = *datasets.get(&reference).ok_or(MissingReference {
                kind: ObjectKind::Dataset,
                reference,
            })?;
            target.insert("datasetId".into(), json!(id));
        }
        renumber_metadata(&mut metadata, &renumbered);
        let mut values = self.values.clone();
        values.position_json = Some(position.to_string());
        values.json_metadata = Some(metadata.to_string());
        Ok((values, chart_ids))
    }
}

/// The `CHART` nodes of a layout.
pub fn chart_nodes(position: &Value) -> impl Iterator<Item = &Value> {
    position
        .as_object()
        .into_iter()
        .flat_map(|nodes| nodes.values())
        .filter(|node| node["type"] == "CHART")
}

pub fn chart_nodes_mut(position: &mut Value) -> impl Iterator<Item = &mut Value> {
    position
        .as_object_mut()
        .into_iter()
        .flat_map(|nodes| nodes.values_mut())
        .filter(|node| node["type"] == "CHART" && node["meta"].is_object())
}

/// The `targets` of every native filter.
pub fn filter_targets(metadata: &Value) -> impl Iterator<Item = &Value> {
    metadata["native_filter_configuration"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|filter| filter["targets"].as_array())
        .flatten()
}

pub fn filter_targets_mut(metadata: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    metadata
        .get_mut("native_filter_configuration")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|filter| filter.get_mut("targets").and_then(Value::as_array_mut))
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// Rewrites the chart ids `json_metadata` keeps (as Superset's `update_id_refs` does):
/// lists of ids, maps keyed by id, and the ids inside chart and filter configurations.
fn renumber_metadata(metadata: &mut Value, renumbered: &HashMap<i64, i64>) {
    if renumbered.is_empty() {
        return;
    }
    let new_id = |old: &Value| -> Option<Value> {
        let old = old
            .as_i64()
            .or_else(|| old.as_str().and_then(|s| s.parse().ok()))?;
        renumbered.get(&old).map(|id| json!(id))
    };
    let renumber_list = |list: Option<&mut Value>| {
        for item in list.and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(id) = new_id(item) {
                *item = id;
            }
        }
    };
    let renumber_keys = |map: Option<&mut Value>| {
        if let Some(map) = map.and_then(Value::as_object_mut) {
            let entries = std::mem::take(map);
            for (key, value) in entries {
                let key = new_id(&json!(key)).map_or(key, |id| id.to_string());
                map.insert(key, value);
            }
        }
    };
    renumber_list(metadata.get_mut("timed_refresh_immune_slices"));
    renumber_keys(metadata.get_mut("expanded_slices"));
    renumber_keys(metadata.get_mut("filter_scopes"));
    for scope in metadata
        .get_mut("filter_scopes")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|m| m.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|m| m.values_mut())
    {
        renumber_list(scope.get_mut("immune"));
    }
    renumber_keys(metadata.get_mut("chart_configuration"));
    for config in metadata
        .get_mut("chart_configuration")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        if let Some(id) = config.get("id").and_then(new_id) {
            config["id"] = id;
        }
        renumber_list(config.pointer_mut("/crossFilters/chartsInScope"));
    }
    renumber_list(metadata.pointer_mut("/global_chart_configuration/chartsInScope"));
    for filter in metadata
        .get_mut("native_filter_configuration")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        renumber_list(filter.pointer_mut("/scope/excluded"));
        renumber_list(filter.get_mut("chartsInScope"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dashboard() -> ImportDashboard {
        ImportDashboard {
            file: "dashboards/d_1.yaml".into(),
            uuid: Uuid::new_v4(),
            values: DashboardValues::default(),
            position: json!({
                "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["CHART-7"]},
                "CHART-7": {"type": "CHART", "id": "CHART-7",
                            "meta": {"chartId": 7, "uuid": "c-uuid", "width": 4}},
            }),
            metadata: json!({
                "timed_refresh_immune_slices": [7],
                "expanded_slices": {"7": true},
                "chart_configuration": {"7": {"id": 7, "crossFilters": {"chartsInScope": [7, 8]}}},
                "native_filter_configuration": [
                    {"targets": [{"datasetUuid": "d-uuid", "column": {"name": "x"}}],
                     "scope": {"excluded": [7]}}
                ],
            }),
        }
    }

    #[test]
    fn dashboards_point_at_the_stored_charts_and_datasets() {
        let charts = HashMap::from([("c-uuid".to_string(), 42)]);
        let datasets = HashMap::from([("d-uuid".to_string(), 5)]);
        let (values, chart_ids) = dashboard().resolve(&charts, &datasets).unwrap();
        assert_eq!(chart_ids, vec![42]);
        let position: Value = serde_json::from_str(&values.position_json.unwrap()).unwrap();
        assert_eq!(position["CHART-7"]["meta"]["chartId"], 42);
        assert_eq!(position["CHART-7"]["meta"]["uuid"], "c-uuid");
        let metadata: Value = serde_json::from_str(&values.json_metadata.unwrap()).unwrap();
        assert_eq!(metadata["timed_refresh_immune_slices"], json!([42]));
        assert_eq!(metadata["expanded_slices"], json!({"42": true}));
        assert_eq!(
            metadata["chart_configuration"],
            json!({"42": {"id": 42, "crossFilters": {"chartsInScope": [42, 8]}}})
        );
        let filter = &metadata["native_filter_configuration"][0];
        assert_eq!(
            filter["targets"],
            json!([{"datasetId": 5, "column": {"name": "x"}}])
        );
        assert_eq!(filter["scope"]["excluded"], json!([42]));
    }

    #[test]
    fn a_reference_nowhere_to_be_found_is_an_error() {
        let datasets = HashMap::from([("d-uuid".to_string(), 5)]);
        let err = dashboard().resolve(&HashMap::new(), &datasets).unwrap_err();
        assert_eq!(err.to_string(), "Chart c-uuid does not exist");
        let charts = HashMap::from([("c-uuid".to_string(), 42)]);
        let err = dashboard().resolve(&charts, &HashMap::new()).unwrap_err();
        assert_eq!(err.kind, ObjectKind::Dataset);
    }

    #[test]
    fn charts_point_at_the_stored_dataset() {
        let chart = ImportChart {
            file: "charts/c_1.yaml".into(),
            uuid: Uuid::new_v4(),
            dataset_uuid: Uuid::new_v4(),
            values: ChartValues {
                params: Some(r#"{"datasource": "8__table", "viz_type": "table"}"#.into()),
                query_context: Some(
                    r#"{"datasource": {"id": 8, "type": "table"}, "form_data": {"datasource": "8__table"}}"#
                        .into(),
                ),
                ..Default::default()
            },
        };
        let v = chart.resolve(3, "sales");
        assert_eq!(v.datasource_id, Some(3));
        assert_eq!(v.datasource_name.as_deref(), Some("sales"));
        let params: Value = serde_json::from_str(&v.params.unwrap()).unwrap();
        assert_eq!(params["datasource"], "3__table");
        let context: Value = serde_json::from_str(&v.query_context.unwrap()).unwrap();
        assert_eq!(context["datasource"]["id"], 3);
        assert_eq!(context["form_data"]["datasource"], "3__table");
    }
}

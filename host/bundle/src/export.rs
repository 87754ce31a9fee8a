//! Stored objects to a bundle: one document per object, named as Superset names them.

use crate::documents::{
    ChartDoc, ColumnDoc, DashboardDoc, DatabaseDoc, DatasetDoc, MetricDoc, SavedQueryDoc,
    json_value,
};
use crate::{BundleError, BundleKind, VERSION, archive};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use tessera_model::bundle::{ExportSet, chart_nodes, chart_nodes_mut, filter_targets_mut};
use tessera_model::{Chart, Dashboard, Database, Dataset, SavedQuery};
use uuid::Uuid;

/// The bundle of `set` as exported through `kind`'s endpoint at `now`: the file name to
/// offer (`dashboard_export_20261128T021046.zip`) and the ZIP.
pub fn write_bundle(
    set: &ExportSet,
    kind: BundleKind,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>), BundleError> {
    let root = format!("{}_export_{}", kind.prefix(), now.format("%Y%m%dT%H%M%S"));
    let mut files = Files::default();
    // Written by hand to quote the timestamp as Superset does: PyYAML would read it
    // unquoted as a datetime, which Superset's importer refuses.
    let metadata = format!(
        "version: {VERSION}\ntype: {}\ntimestamp: '{}'\n",
        kind.metadata_type(),
        now.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
    );
    files.add_text("metadata.yaml".into(), metadata);
    let charts: HashMap<i64, &Chart> = set.charts.iter().map(|c| (c.id, c)).collect();
    let datasets: HashMap<i64, Uuid> = set.datasets.iter().map(|d| (d.id, d.uuid)).collect();
    for d in &set.dashboards {
        let title = d.values.dashboard_title.as_deref().unwrap_or_default();
        let path = format!("dashboards/{}.yaml", file_name(title, d.id, false));
        files.add(path, &dashboard_doc(d, &charts, &datasets))?;
    }
    for c in &set.charts {
        let path = format!(
            "charts/{}.yaml",
            file_name(&c.values.slice_name, c.id, false)
        );
        files.add(path, &chart_doc(c))?;
    }
    for d in &set.datasets {
        // Superset's database export names its datasets without their ids.
        let path = format!(
            "datasets/{}/{}.yaml",
            file_name(&d.database.database_name, d.database.id, true),
            file_name(&d.values.table_name, d.id, kind == BundleKind::Database),
        );
        files.add(path, &dataset_doc(d))?;
    }
    for d in &set.databases {
        let path = format!(
            "databases/{}.yaml",
            file_name(&d.values.database_name, d.id, true)
        );
        files.add(path, &database_doc(d))?;
    }
    let databases: HashMap<i64, &Database> = set.databases.iter().map(|d| (d.id, d)).collect();
    for q in &set.saved_queries {
        let database = q.values.db_id.and_then(|id| databases.get(&id).copied());
        let mut path = String::from("queries/");
        if let Some(db) = database {
            path += &file_name(&db.values.database_name, db.id, true);
            path.push('/');
        }
        if let Some(schema) = q.values.schema.as_deref().filter(|s| !s.is_empty()) {
            path += &file_name(schema, 0, true);
            path.push('/');
        }
        path += &file_name(q.values.label.as_deref().unwrap_or_default(), q.id, true);
        path += ".yaml";
        files.add(path, &saved_query_doc(q, database.map(|d| d.uuid)))?;
    }
    Ok((format!("{root}.zip"), archive::write(&root, &files.0)?))
}

/// The files written so far. Names made from user text can collide ("a b" and "a_b"
/// are both `a_b`); a later one gets a number.
#[derive(Default)]
struct Files(Vec<(String, String)>, HashSet<String>);

impl Files {
    fn add(&mut self, path: String, doc: &impl Serialize) -> Result<(), BundleError> {
        let text = serde_norway::to_string(doc).map_err(|e| BundleError::Write(e.to_string()))?;
        self.add_text(path, text);
        Ok(())
    }

    fn add_text(&mut self, path: String, text: String) {
        let stem = path.trim_end_matches(".yaml").to_string();
        let mut path = path;
        let mut n = 1;
        while !self.1.insert(path.clone()) {
            n += 1;
            path = format!("{stem}_{n}.yaml");
        }
        self.0.push((path, text));
    }
}

/// Werkzeug's `secure_filename`, which Superset's export names go through: whitespace
/// and slashes become `_`, anything but ASCII letters, digits, `_`, `.` and `-` goes.
fn secure_filename(name: &str) -> String {
    let joined = name
        .replace('/', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_");
    joined
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .collect::<String>()
        .trim_matches(|c| c == '.' || c == '_')
        .to_string()
}

/// Superset's `get_filename`: `<name>_<id>`, or just the name, or the id when nothing of
/// the name survives.
fn file_name(name: &str, id: i64, skip_id: bool) -> String {
    match secure_filename(name) {
        safe if safe.is_empty() => id.to_string(),
        safe if skip_id => safe,
        safe => format!("{safe}_{id}"),
    }
}

fn database_doc(d: &Database) -> DatabaseDoc {
    let v = &d.values;
    DatabaseDoc {
        database_name: v.database_name.clone(),
        // Stored with the password already masked.
        sqlalchemy_uri: v.sqlalchemy_uri.clone(),
        cache_timeout: v.cache_timeout,
        expose_in_sqllab: v.expose_in_sqllab,
        allow_run_async: v.allow_run_async,
        allow_ctas: v.allow_ctas,
        allow_cvas: v.allow_cvas,
        allow_dml: v.allow_dml,
        allow_file_upload: v.allow_file_upload,
        extra: json_value(v.extra.as_deref()),
        impersonate_user: v.impersonate_user,
        configuration_method: Some(match v.configuration_method.as_str() {
            "" => "sqlalchemy_form".into(),
            method => method.into(),
        }),
        uuid: d.uuid,
        version: VERSION.into(),
        password: None,
        is_managed_externally: v.is_managed_externally,
        external_url: v.external_url.clone(),
    }
}

fn dataset_doc(d: &Dataset) -> DatasetDoc {
    let v = &d.values;
    DatasetDoc {
        table_name: v.table_name.clone(),
        main_dttm_col: v.main_dttm_col.clone(),
        currency_code_column: None,
        description: v.description.clone(),
        default_endpoint: v.default_endpoint.clone(),
        offset: Some(v.offset),
        cache_timeout: v.cache_timeout,
        catalog: v.catalog.clone(),
        schema: v.schema.clone(),
        sql: v.sql.clone(),
        params: Value::Null,
        template_params: json_value(v.template_params.as_deref()),
        filter_select_enabled: Some(v.filter_select_enabled),
        fetch_values_predicate: v.fetch_values_predicate.clone(),
        extra: json_value(v.extra.as_deref()),
        normalize_columns: Some(v.normalize_columns),
        always_filter_main_dttm: Some(v.always_filter_main_dttm),
        folders: Value::Null,
        uuid: d.uuid,
        metrics: d
            .metrics
            .iter()
            .map(|m| MetricDoc {
                metric_name: m.metric_name.clone(),
                verbose_name: m.verbose_name.clone(),
                metric_type: m.metric_type.clone(),
                expression: m.expression.clone(),
                description: m.description.clone(),
                d3format: m.d3format.clone(),
                currency: json_value(m.currency.as_deref()),
                extra: json_value(m.extra.as_deref()),
                warning_text: m.warning_text.clone(),
            })
            .collect(),
        columns: d
            .columns
            .iter()
            .map(|c| ColumnDoc {
                column_name: c.column_name.clone(),
                verbose_name: c.verbose_name.clone(),
                is_dttm: Some(c.is_dttm),
                is_active: Some(c.is_active),
                column_type: c.r#type.clone(),
                advanced_data_type: c.advanced_data_type.clone(),
                groupby: Some(c.groupby),
                filterable: Some(c.filterable),
                expression: c.expression.clone(),
                description: c.description.clone(),
                python_date_format: c.python_date_format.clone(),
                datetime_format: None,
                extra: json_value(c.extra.as_deref()),
            })
            .collect(),
        version: VERSION.into(),
        database_uuid: d.database.uuid,
        is_managed_externally: v.is_managed_externally,
        external_url: v.external_url.clone(),
    }
}

fn chart_doc(c: &Chart) -> ChartDoc {
    let v = &c.values;
    ChartDoc {
        slice_name: v.slice_name.clone(),
        description: v.description.clone(),
        certified_by: v.certified_by.clone(),
        certification_details: v.certification_details.clone(),
        viz_type: v.viz_type.clone().unwrap_or_default(),
        params: match json_value(v.params.as_deref()) {
            Value::Null => json!({}),
            params => params,
        },
        query_context: v.query_context.clone(),
        cache_timeout: v.cache_timeout,
        uuid: c.uuid,
        version: VERSION.into(),
        dataset_uuid: c.dataset.as_ref().map(|d| d.uuid),
        is_managed_externally: v.is_managed_externally,
        external_url: v.external_url.clone(),
    }
}

/// The layout names each chart by uuid, and native filters their datasets, so that the
/// links survive the ids changing on import.
fn dashboard_doc(
    d: &Dashboard,
    charts: &HashMap<i64, &Chart>,
    datasets: &HashMap<i64, Uuid>,
) -> DashboardDoc {
    let v = &d.values;
    let mut position = match json_value(v.position_json.as_deref()) {
        Value::Object(position) => Value::Object(position),
        _ => json!({}),
    };
    for node in chart_nodes_mut(&mut position) {
        if let Some(chart) = node["meta"]["chartId"]
            .as_i64()
            .and_then(|id| charts.get(&id))
        {
            node["meta"]["uuid"] = json!(chart.uuid);
        }
    }
    let placed: HashSet<i64> = chart_nodes(&position)
        .filter_map(|node| node["meta"]["chartId"].as_i64())
        .collect();
    let unplaced: Vec<&Chart> = d
        .charts
        .iter()
        .filter(|(id, _)| !placed.contains(id))
        .filter_map(|(id, _)| charts.get(id).copied())
        .collect();
    place_in_new_row(&mut position, &unplaced);
    let mut metadata = match json_value(v.json_metadata.as_deref()) {
        Value::Object(metadata) => Value::Object(metadata),
        _ => json!({}),
    };
    for target in filter_targets_mut(&mut metadata) {
        let uuid = target
            .get("datasetId")
            .and_then(Value::as_i64)
            .and_then(|id| datasets.get(&id));
        if let Some(uuid) = uuid {
            target.remove("datasetId");
            target.insert("datasetUuid".into(), json!(uuid));
        }
    }
    DashboardDoc {
        dashboard_title: v.dashboard_title.clone().unwrap_or_default(),
        description: v.description.clone(),
        css: v.css.clone(),
        slug: v.slug.clone(),
        certified_by: v.certified_by.clone(),
        certification_details: v.certification_details.clone(),
        published: Some(v.published),
        uuid: d.uuid,
        position,
        metadata,
        theme_uuid: None,
        version: VERSION.into(),
        is_managed_externally: v.is_managed_externally,
        external_url: v.external_url.clone(),
    }
}

/// Superset's `append_charts`: charts of the dashboard that its layout does not show
/// go into a new row at the bottom, so that the import links them too.
fn place_in_new_row(position: &mut Value, charts: &[&Chart]) {
    let Some(nodes) = position.as_object_mut().filter(|_| !charts.is_empty()) else {
        return;
    };
    nodes
        .entry("DASHBOARD_VERSION_KEY")
        .or_insert_with(|| json!("v2"));
    nodes
        .entry("ROOT_ID")
        .or_insert_with(|| json!({"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]}));
    nodes.entry("GRID_ID").or_insert_with(
        || json!({"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]}),
    );
    let row_id = format!("ROW-export-{}", charts[0].id);
    let mut children = vec![];
    for chart in charts {
        let id = format!("CHART-export-{}", chart.id);
        children.push(json!(id));
        nodes.insert(
            id.clone(),
            json!({"type": "CHART", "id": id, "children": [],
                   "parents": ["ROOT_ID", "GRID_ID", row_id],
                   "meta": {"width": 4, "height": 50, "chartId": chart.id,
                            "sliceName": chart.values.slice_name, "uuid": chart.uuid}}),
        );
    }
    nodes.insert(
        row_id.clone(),
        json!({"type": "ROW", "id": row_id, "children": children,
               "parents": ["ROOT_ID", "GRID_ID"],
               "meta": {"background": "BACKGROUND_TRANSPARENT"}}),
    );
    if let Some(grid) = nodes
        .get_mut("GRID_ID")
        .and_then(|grid| grid.get_mut("children"))
        .and_then(Value::as_array_mut)
    {
        grid.push(json!(row_id));
    }
}

fn saved_query_doc(q: &SavedQuery, database_uuid: Option<Uuid>) -> SavedQueryDoc {
    let v = &q.values;
    SavedQueryDoc {
        catalog: v.catalog.clone(),
        schema: v.schema.clone(),
        label: v.label.clone(),
        description: v.description.clone(),
        sql: v.sql.clone().unwrap_or_default(),
        uuid: q.uuid,
        version: VERSION.into(),
        database_uuid,
    }
}

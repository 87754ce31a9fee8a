//! A bundle to the objects it describes, each still linked by uuid. Every file is
//! checked and every problem reported at once, file by file, as Superset does.

use crate::archive::{self, Limits};
use crate::documents::{
    ChartDoc, DashboardDoc, DatabaseDoc, DatasetDoc, Metadata, SavedQueryDoc, json_text,
    required_keys,
};
use crate::{BundleError, BundleKind, VERSION};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use tessera_model::bundle::{
    ImportChart, ImportDashboard, ImportDatabase, ImportDataset, ImportRefused, ImportSavedQuery,
    ImportSet,
};
use tessera_model::database::{PASSWORD_MASK, mask_password};
use tessera_model::{
    ChartValues, DashboardValues, DatabaseValues, DatasetColumn, DatasetMetric, DatasetValues,
    SavedQueryValues,
};

/// Reads the bundle `bytes` sent to `kind`'s import endpoint. `passwords` maps a
/// database file (`databases/examples.yaml`) to its password.
pub fn read_bundle(
    bytes: &[u8],
    kind: BundleKind,
    passwords: &HashMap<String, String>,
    limits: &Limits,
) -> Result<ImportSet, BundleError> {
    let files = archive::read(bytes, limits)?;
    let refused = |problems| {
        BundleError::Refused(ImportRefused {
            importing: kind.primary(),
            problems,
        })
    };
    check_metadata(files.get("metadata.yaml").map(Vec::as_slice), kind)
        .map_err(|problem| refused(vec![("metadata.yaml".into(), problem)]))?;
    let mut set = ImportSet::default();
    let mut problems = vec![];
    let mut found = false;
    for (path, bytes) in &files {
        if !(path.ends_with(".yaml") || path.ends_with(".yml")) {
            continue;
        }
        let read = match path.split('/').next() {
            Some("databases") => parse(path, bytes)
                .and_then(|doc| database(path, doc, passwords))
                .map(|d| set.databases.push(d)),
            Some("datasets") => parse(path, bytes).map(|doc| set.datasets.push(dataset(path, doc))),
            Some("charts") => parse(path, bytes)
                .and_then(|doc| chart(path, doc))
                .map(|c| set.charts.push(c)),
            Some("dashboards") => parse(path, bytes)
                .and_then(|doc| dashboard(path, doc))
                .map(|d| set.dashboards.push(d)),
            Some("queries") => parse(path, bytes)
                .and_then(|doc| saved_query(path, doc))
                .map(|q| set.saved_queries.push(q)),
            // metadata.yaml, and what Superset adds that Tessera has not (themes, tags).
            _ => continue,
        };
        found = true;
        if let Err(problem) = read {
            problems.push((path.clone(), problem));
        }
    }
    if !found {
        return Err(BundleError::NoFiles);
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    Ok(set)
}

/// `metadata.yaml` must say version 1.0.0 and, for one kind's endpoint, that kind.
fn check_metadata(bytes: Option<&[u8]>, kind: BundleKind) -> Result<(), Value> {
    let bytes = bytes.ok_or_else(|| json!("Missing metadata.yaml"))?;
    let metadata: Metadata = parse("metadata.yaml", bytes)?;
    if metadata.version != VERSION {
        return Err(json!({"version": [format!("Must be one of: {VERSION}.")]}));
    }
    let expected = kind.metadata_type();
    match metadata.kind {
        Some(found) if kind != BundleKind::Assets && found != expected => {
            Err(json!({"type": [format!("Must be equal to {expected}.")]}))
        }
        _ => Ok(()),
    }
}

/// Parses one document. What is wrong is reported as Superset's schema errors do: a
/// map of missing fields, or a message.
fn parse<T: DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<T, Value> {
    let value: serde_norway::Value =
        serde_norway::from_slice(bytes).map_err(|e| json!(format!("Invalid YAML: {e}")))?;
    let Some(document) = value.as_mapping() else {
        return Err(json!({"_schema": ["Invalid input type."]}));
    };
    let missing: Map<String, Value> = required_keys(path)
        .iter()
        .filter(|key| document.get(**key).is_none())
        .map(|key| (key.to_string(), json!(["Missing data for required field."])))
        .collect();
    if !missing.is_empty() {
        return Err(Value::Object(missing));
    }
    // PostgreSQL cannot store NUL in text; refuse it here rather than fail there.
    if holds_nul(&value) {
        return Err(json!("Text may not contain NUL characters"));
    }
    serde_norway::from_value(value).map_err(|e| json!(e.to_string()))
}

fn holds_nul(value: &serde_norway::Value) -> bool {
    use serde_norway::Value as Y;
    match value {
        Y::String(text) => text.contains('\0'),
        Y::Sequence(items) => items.iter().any(holds_nul),
        Y::Mapping(map) => map.iter().any(|(k, v)| holds_nul(k) || holds_nul(v)),
        Y::Tagged(tagged) => holds_nul(&tagged.value),
        _ => false,
    }
}

fn database(
    path: &str,
    doc: DatabaseDoc,
    passwords: &HashMap<String, String>,
) -> Result<ImportDatabase, Value> {
    let (masked, in_uri) = mask_password(&doc.sqlalchemy_uri).ok_or_else(|| {
        json!({"sqlalchemy_uri": ["Invalid connection string, a valid string usually follows: \
               driver://user:password@database-host/database-name"]})
    })?;
    let password = passwords
        .get(path)
        .cloned()
        .or(doc.password)
        .or(in_uri.filter(|p| p != PASSWORD_MASK));
    Ok(ImportDatabase {
        file: path.into(),
        uuid: doc.uuid,
        values: DatabaseValues {
            database_name: doc.database_name,
            sqlalchemy_uri: masked,
            cache_timeout: doc.cache_timeout,
            expose_in_sqllab: doc.expose_in_sqllab,
            allow_run_async: doc.allow_run_async,
            allow_file_upload: doc.allow_file_upload,
            allow_ctas: doc.allow_ctas,
            allow_cvas: doc.allow_cvas,
            allow_dml: doc.allow_dml,
            configuration_method: doc
                .configuration_method
                .unwrap_or_else(|| "sqlalchemy_form".into()),
            impersonate_user: doc.impersonate_user,
            extra: json_text(&doc.extra),
            is_managed_externally: doc.is_managed_externally,
            external_url: doc.external_url,
            ..Default::default()
        },
        password,
    })
}

fn dataset(path: &str, doc: DatasetDoc) -> ImportDataset {
    let columns = doc
        .columns
        .into_iter()
        .map(|c| DatasetColumn {
            column_name: c.column_name,
            verbose_name: c.verbose_name,
            r#type: c.column_type,
            is_dttm: c.is_dttm.unwrap_or(false),
            is_active: c.is_active.unwrap_or(true),
            groupby: c.groupby.unwrap_or(true),
            filterable: c.filterable.unwrap_or(true),
            expression: c.expression,
            description: c.description,
            python_date_format: c.python_date_format,
            advanced_data_type: c.advanced_data_type,
            extra: json_text(&c.extra),
            ..Default::default()
        })
        .collect();
    let metrics = doc
        .metrics
        .into_iter()
        .map(|m| DatasetMetric {
            metric_name: m.metric_name,
            verbose_name: m.verbose_name,
            metric_type: m.metric_type,
            expression: m.expression,
            description: m.description,
            d3format: m.d3format,
            currency: json_text(&m.currency),
            warning_text: m.warning_text,
            extra: json_text(&m.extra),
            ..Default::default()
        })
        .collect();
    ImportDataset {
        file: path.into(),
        uuid: doc.uuid,
        database_uuid: doc.database_uuid,
        values: DatasetValues {
            table_name: doc.table_name,
            catalog: doc.catalog,
            schema: doc.schema,
            sql: doc.sql,
            description: doc.description,
            main_dttm_col: doc.main_dttm_col,
            default_endpoint: doc.default_endpoint,
            offset: doc.offset.unwrap_or(0),
            cache_timeout: doc.cache_timeout,
            template_params: json_text(&doc.template_params),
            extra: json_text(&doc.extra),
            filter_select_enabled: doc.filter_select_enabled.unwrap_or(true),
            fetch_values_predicate: doc.fetch_values_predicate,
            normalize_columns: doc.normalize_columns.unwrap_or(false),
            always_filter_main_dttm: doc.always_filter_main_dttm.unwrap_or(false),
            is_managed_externally: doc.is_managed_externally,
            external_url: doc.external_url,
            ..Default::default()
        },
        columns,
        metrics,
    }
}

fn not_null(field: &str) -> Value {
    json!({ field: ["Field may not be null."] })
}

fn chart(path: &str, doc: ChartDoc) -> Result<ImportChart, Value> {
    Ok(ImportChart {
        file: path.into(),
        uuid: doc.uuid,
        dataset_uuid: doc.dataset_uuid.ok_or_else(|| not_null("dataset_uuid"))?,
        values: ChartValues {
            slice_name: doc.slice_name,
            viz_type: Some(doc.viz_type),
            params: json_text(&doc.params),
            query_context: doc.query_context,
            description: doc.description,
            cache_timeout: doc.cache_timeout,
            certified_by: doc.certified_by,
            certification_details: doc.certification_details,
            is_managed_externally: doc.is_managed_externally,
            external_url: doc.external_url,
            ..Default::default()
        },
    })
}

/// A JSON object, or `{}` for null; anything else is a field error.
fn object(field: &str, value: Value) -> Result<Value, Value> {
    match value {
        Value::Null => Ok(json!({})),
        Value::Object(map) => Ok(Value::Object(map)),
        _ => Err(json!({ field: ["Not a valid mapping type."] })),
    }
}

fn dashboard(path: &str, doc: DashboardDoc) -> Result<ImportDashboard, Value> {
    Ok(ImportDashboard {
        file: path.into(),
        uuid: doc.uuid,
        position: object("position", doc.position)?,
        metadata: object("metadata", doc.metadata)?,
        values: DashboardValues {
            dashboard_title: Some(doc.dashboard_title),
            slug: doc.slug,
            css: doc.css,
            description: doc.description,
            published: doc.published.unwrap_or(false),
            certified_by: doc.certified_by,
            certification_details: doc.certification_details,
            is_managed_externally: doc.is_managed_externally,
            external_url: doc.external_url,
            ..Default::default()
        },
    })
}

fn saved_query(path: &str, doc: SavedQueryDoc) -> Result<ImportSavedQuery, Value> {
    Ok(ImportSavedQuery {
        file: path.into(),
        uuid: doc.uuid,
        database_uuid: doc.database_uuid.ok_or_else(|| not_null("database_uuid"))?,
        values: SavedQueryValues {
            label: doc.label,
            description: doc.description,
            catalog: doc.catalog,
            schema: doc.schema,
            sql: Some(doc.sql),
            // The model's default, as for a saved query created through the API.
            extra_json: Some("{}".into()),
            ..Default::default()
        },
    })
}

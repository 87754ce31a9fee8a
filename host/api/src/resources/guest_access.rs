//! What a guest may ask of chart data: only the saved queries of the charts on its
//! dashboards, named by the request (`form_data.dashboardId` and `slice_id`), with no
//! metric, column, ordering or SQL fragment the chart does not already have.

use crate::error::{ApiError, ApiResult};
use crate::principal::Guest;
use crate::state::AppState;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use tessera_engine::{QueryContext, QueryObject};
use tessera_model::{Chart, Dataset};

/// Superset's refusal when the caller may not query the dataset (golden 086).
pub fn datasource_denied(dataset: &Dataset) -> ApiError {
    let name = match dataset.values.schema.as_deref().filter(|s| !s.is_empty()) {
        Some(schema) => format!("{schema}.{}", dataset.values.table_name),
        None => dataset.values.table_name.clone(),
    };
    let error = json!({
        "message": format!(
            "This endpoint requires the datasource {}, database or `all_datasource_access` permission",
            dataset.id
        ),
        "error_type": "DATASOURCE_SECURITY_ACCESS_ERROR",
        "level": "warning",
        "extra": {"link": "", "datasource": dataset.id, "datasource_name": name},
    });
    ApiError::Errors(StatusCode::FORBIDDEN, vec![error])
}

pub async fn check_guest_query(
    state: &AppState,
    guest: &Guest,
    dataset: &Dataset,
    context: &QueryContext,
) -> ApiResult<()> {
    let form = context.form_data.as_ref();
    let id_of = |key: &str| {
        form.and_then(|f| f.get(key)).and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
    };
    let (Some(dashboard_id), Some(chart_id)) = (id_of("dashboardId"), id_of("slice_id")) else {
        return Err(datasource_denied(dataset));
    };
    if !guest.dashboard_ids.contains(&dashboard_id)
        || !state
            .store
            .dashboard_chart_ids(dashboard_id)
            .await?
            .contains(&chart_id)
    {
        return Err(datasource_denied(dataset));
    }
    let chart = state.store.chart(chart_id).await?;
    if chart.values.datasource_id != Some(dataset.id) {
        return Err(datasource_denied(dataset));
    }
    if modified(&chart, &context.queries) {
        let error = json!({
            "message": "Guest user cannot modify chart payload",
            "error_type": "DASHBOARD_SECURITY_ACCESS_ERROR",
            "level": "error",
            "extra": {},
        });
        return Err(ApiError::Errors(StatusCode::FORBIDDEN, vec![error]));
    }
    Ok(())
}

/// Whether the queries ask for anything the chart's saved query context and form data
/// do not: every metric, column, ordering and SQL fragment must be one of the chart's.
fn modified(chart: &Chart, requested: &[QueryObject]) -> bool {
    let saved: Vec<QueryObject> = chart
        .values
        .query_context
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|v| v.get("queries").cloned())
        .and_then(|q| serde_json::from_value(q).ok())
        .unwrap_or_default();
    let params: Value = chart
        .values
        .params
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    let allowed = parts(saved.into_iter().map(QueryObject::normalised), &params);
    let asked = parts(
        requested.iter().cloned().map(QueryObject::normalised),
        &Value::Null,
    );
    !asked.is_subset(&allowed)
}

/// Every metric, column, ordering and WHERE/HAVING fragment of `queries`, plus the
/// form data's metrics and columns, each as `(kind, JSON)`.
fn parts(
    queries: impl Iterator<Item = QueryObject>,
    params: &Value,
) -> HashSet<(&'static str, String)> {
    let mut out = HashSet::new();
    let mut add = |kind: &'static str, value: Value| {
        if !value.is_null() && value != json!("") {
            out.insert((kind, value.to_string()));
        }
    };
    for q in queries {
        for m in q
            .metrics
            .iter()
            .flatten()
            .chain(q.series_limit_metric.iter())
        {
            add("metric", json!(m));
        }
        for c in q.columns.iter().chain(&q.series_columns) {
            add("column", json!(c));
        }
        for (m, _) in &q.orderby {
            add("metric", json!(m));
        }
        add("where", json!(q.extras.r#where));
        add("having", json!(q.extras.having));
    }
    // The form data holds what the chart's controls chose, in the same shapes.
    for key in [
        "metrics",
        "percent_metrics",
        "timeseries_limit_metric",
        "metric",
        "x",
    ] {
        for m in as_list(params.get(key)) {
            if let Ok(m) = serde_json::from_value::<tessera_engine::query_object::MetricRef>(m) {
                add("metric", json!(m));
            }
        }
    }
    for key in ["columns", "groupby", "all_columns", "x_axis", "series"] {
        for c in as_list(params.get(key)) {
            if let Ok(c) = serde_json::from_value::<tessera_engine::query_object::ColumnRef>(c) {
                add("column", json!(c));
            }
        }
    }
    out
}

fn as_list(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => vec![],
        Some(other) => vec![other.clone()],
    }
}

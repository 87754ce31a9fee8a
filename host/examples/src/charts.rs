//! The example charts as the Superset frontend saves them: the Explore form data (the
//! chart's `params`) and the query context built from it (`query_context`), shaped like
//! the charts in Superset 6.1's recorded requests. The query context follows the
//! frontend's `buildQuery` of the two chart families used here: tables and ECharts
//! time series (pivot, rename and flatten post-processing).

use crate::ColumnKind;
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub struct ExampleChart {
    /// Fixed, so a chart is recognised on later runs and across installations.
    pub uuid: Uuid,
    pub slice_name: &'static str,
    pub viz_type: &'static str,
    /// The example table whose dataset the chart shows.
    pub table: &'static str,
    pub description: &'static str,
    /// Place on the dashboard: the row (0 at the top) and the width of the grid's 12.
    pub row: usize,
    pub width: u32,
    /// The chart's own form data, without `datasource`.
    form_data: fn() -> Value,
    /// The frontend's `buildQuery` for the chart's family: form data to query object.
    build_query: fn(&Value) -> Value,
}

impl ExampleChart {
    /// The form data (`params`) of the chart on dataset `dataset_id`.
    pub fn params(&self, dataset_id: i64) -> Value {
        let mut form_data = (self.form_data)();
        form_data["datasource"] = json!(format!("{dataset_id}__table"));
        form_data
    }

    /// The saved query context (`query_context`) of the chart on dataset `dataset_id`.
    pub fn query_context(&self, dataset_id: i64) -> Value {
        let mut form_data = self.params(dataset_id);
        let query = (self.build_query)(&form_data);
        extend(
            &mut form_data,
            json!({"force": false, "result_format": "json", "result_type": "full"}),
        );
        json!({
            "datasource": {"id": dataset_id, "type": "table"},
            "force": false,
            "queries": [query],
            "form_data": form_data,
            "result_format": "json",
            "result_type": "full",
        })
    }
}

/// Every example chart, in dashboard order.
pub fn charts() -> Vec<ExampleChart> {
    vec![
        ExampleChart {
            uuid: Uuid::from_u128(0x6d1c_52a4_0b8e_4f37_9a51_3e2f_c0a1_7b01),
            slice_name: "Revenue by region and product",
            viz_type: "table",
            table: "sales",
            description: "Units, revenue and orders of every region and product.",
            row: 0,
            width: 6,
            form_data: revenue_by_region_and_product,
            build_query: table_query,
        },
        ExampleChart {
            uuid: Uuid::from_u128(0x6d1c_52a4_0b8e_4f37_9a51_3e2f_c0a1_7b02),
            slice_name: "Orders by region",
            viz_type: "echarts_timeseries_bar",
            table: "sales",
            description: "Number of order lines per region.",
            row: 0,
            width: 6,
            form_data: orders_by_region,
            build_query: timeseries_query,
        },
        ExampleChart {
            uuid: Uuid::from_u128(0x6d1c_52a4_0b8e_4f37_9a51_3e2f_c0a1_7b03),
            slice_name: "Weekly revenue by product",
            viz_type: "echarts_timeseries_line",
            table: "sales",
            description: "Revenue per week, one line per product.",
            row: 1,
            width: 12,
            form_data: weekly_revenue_by_product,
            build_query: timeseries_query,
        },
        ExampleChart {
            uuid: Uuid::from_u128(0x6d1c_52a4_0b8e_4f37_9a51_3e2f_c0a1_7b04),
            slice_name: "Top names",
            viz_type: "table",
            table: "birth_names",
            description: "The 25 first names given most, 1965-2008.",
            row: 2,
            width: 4,
            form_data: top_names,
            build_query: table_query,
        },
        ExampleChart {
            uuid: Uuid::from_u128(0x6d1c_52a4_0b8e_4f37_9a51_3e2f_c0a1_7b05),
            slice_name: "Births per year by gender",
            viz_type: "echarts_timeseries_line",
            table: "birth_names",
            description: "Babies named per year, boys and girls.",
            row: 2,
            width: 8,
            form_data: births_per_year_by_gender,
            build_query: timeseries_query,
        },
    ]
}

fn revenue_by_region_and_product() -> Value {
    let mut form_data = table_defaults("order_date");
    extend(
        &mut form_data,
        json!({
            "viz_type": "table",
            "groupby": ["region", "product"],
            "metrics": [sum_of("quantity", ColumnKind::Integer), "revenue", "count"],
            "timeseries_limit_metric": "revenue",
            "row_limit": 100,
        }),
    );
    form_data
}

fn top_names() -> Value {
    let mut form_data = table_defaults("ds");
    extend(
        &mut form_data,
        json!({
            "viz_type": "table",
            "groupby": ["name"],
            "metrics": [sum_of("num", ColumnKind::Integer)],
            "row_limit": 25,
        }),
    );
    form_data
}

fn orders_by_region() -> Value {
    let mut form_data = timeseries_defaults("order_date");
    extend(
        &mut form_data,
        json!({
            "viz_type": "echarts_timeseries_bar",
            "x_axis": "region",
            "metrics": ["count"],
            "groupby": [],
            "orientation": "vertical",
        }),
    );
    form_data
}

fn weekly_revenue_by_product() -> Value {
    let mut form_data = timeseries_defaults("order_date");
    extend(
        &mut form_data,
        json!({
            "viz_type": "echarts_timeseries_line",
            "x_axis": "order_date",
            "time_grain_sqla": "P1W",
            "metrics": [{"expressionType": "SQL", "sqlExpression": "SUM(quantity * price)", "label": "revenue"}],
            "groupby": ["product"],
            "seriesType": "line",
            "markerSize": 6,
            "opacity": 0.2,
        }),
    );
    form_data
}

fn births_per_year_by_gender() -> Value {
    let mut form_data = timeseries_defaults("ds");
    extend(
        &mut form_data,
        json!({
            "viz_type": "echarts_timeseries_line",
            "x_axis": "ds",
            "time_grain_sqla": "P1Y",
            "metrics": [sum_of("num", ColumnKind::Integer)],
            "groupby": ["gender"],
            "seriesType": "line",
            "markerSize": 6,
            "opacity": 0.2,
        }),
    );
    form_data
}

/// A SIMPLE ad-hoc metric `SUM(column)`.
fn sum_of(column: &str, kind: ColumnKind) -> Value {
    json!({
        "expressionType": "SIMPLE",
        "column": {"column_name": column, "type": kind.superset_type()},
        "aggregate": "SUM",
        "label": format!("SUM({column})"),
    })
}

/// The whole time range of `column`: the filter Explore adds to every chart.
fn no_time_filter(column: &str) -> Value {
    json!([{
        "clause": "WHERE",
        "subject": column,
        "operator": "TEMPORAL_RANGE",
        "comparator": "No filter",
        "expressionType": "SIMPLE",
    }])
}

/// The controls a new table chart starts with.
fn table_defaults(time_column: &str) -> Value {
    json!({
        "query_mode": "aggregate",
        "all_columns": [],
        "percent_metrics": [],
        "adhoc_filters": no_time_filter(time_column),
        "order_by_cols": [],
        "server_page_length": 10,
        "order_desc": true,
        "table_timestamp_format": "smart_date",
        "show_cell_bars": true,
        "color_pn": true,
        "extra_form_data": {},
        "dashboards": [],
    })
}

/// The controls a new ECharts time-series chart starts with.
fn timeseries_defaults(time_column: &str) -> Value {
    json!({
        "x_axis_sort_asc": true,
        "adhoc_filters": no_time_filter(time_column),
        "order_desc": true,
        "row_limit": 10000,
        "truncate_metric": true,
        "show_empty_columns": true,
        "comparison_type": "values",
        "annotation_layers": [],
        "forecastPeriods": 10,
        "forecastInterval": 0.8,
        "x_axis_title_margin": 15,
        "y_axis_title_margin": 15,
        "y_axis_title_position": "Left",
        "sort_series_type": "sum",
        "color_scheme": "supersetColors",
        "show_legend": true,
        "legendType": "scroll",
        "legendOrientation": "top",
        "x_axis_time_format": "smart_date",
        "y_axis_format": "SMART_NUMBER",
        "rich_tooltip": true,
        "extra_form_data": {},
        "dashboards": [],
    })
}

/// The table chart's query: the group-by and metrics, sorted by the chosen metric (else
/// the first one).
fn table_query(form_data: &Value) -> Value {
    let metrics = &form_data["metrics"];
    let sort_by = form_data
        .get("timeseries_limit_metric")
        .unwrap_or(&metrics[0]);
    let descending = form_data["order_desc"].as_bool().unwrap_or(true);
    let mut query = query_basics(form_data);
    extend(
        &mut query,
        json!({
            "columns": form_data["groupby"],
            "orderby": [[sort_by, !descending]],
            "row_limit": form_data["row_limit"],
            "series_limit": 0,
            "post_processing": [],
        }),
    );
    query
}

/// The time-series query: the x-axis as the base axis (with its time grain), the
/// group-by as series, and the result pivoted to one column per series.
fn timeseries_query(form_data: &Value) -> Value {
    let x_axis = &form_data["x_axis"];
    let mut base_axis = json!({
        "columnType": "BASE_AXIS",
        "sqlExpression": x_axis,
        "label": x_axis,
        "expressionType": "SQL",
    });
    if let Some(grain) = form_data.get("time_grain_sqla") {
        base_axis["timeGrain"] = grain.clone();
    }
    let groupby = form_data["groupby"].as_array().cloned().unwrap_or_default();
    let metrics = form_data["metrics"].as_array().cloned().unwrap_or_default();
    let labels: Vec<&str> = metrics.iter().filter_map(metric_label).collect();
    let mut post_processing = vec![json!({
        "operation": "pivot",
        "options": {
            "index": [x_axis],
            "columns": groupby,
            "aggregates": labels.iter()
                .map(|l| (l.to_string(), json!({"operator": "mean"})))
                .collect::<Map<_, _>>(),
            "drop_missing_columns": !form_data["show_empty_columns"].as_bool().unwrap_or(true),
        },
    })];
    // One metric split into series: the series names alone label the lines.
    if let ([label], false, Some(true)) = (
        labels.as_slice(),
        groupby.is_empty(),
        form_data["truncate_metric"].as_bool(),
    ) {
        post_processing.push(json!({
            "operation": "rename",
            "options": {"columns": {*label: null}, "level": 0, "inplace": true},
        }));
    }
    post_processing.push(json!({"operation": "flatten"}));
    let mut columns = vec![base_axis];
    columns.extend(groupby.iter().cloned());
    let mut query = query_basics(form_data);
    extend(
        &mut query,
        json!({
            "columns": columns,
            "orderby": [[metrics.first(), false]],
            "row_limit": form_data["row_limit"],
            "series_columns": groupby,
            "series_limit": 0,
            "time_offsets": [],
            "post_processing": post_processing,
        }),
    );
    query
}

/// What every query object carries: filters from the ad-hoc filters, metrics, extras.
fn query_basics(form_data: &Value) -> Value {
    let filters: Vec<Value> = form_data["adhoc_filters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| json!({"col": f["subject"], "op": f["operator"], "val": f["comparator"]}))
        .collect();
    json!({
        "filters": filters,
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "metrics": form_data["metrics"],
        "annotation_layers": [],
        "order_desc": form_data["order_desc"],
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    })
}

/// A metric's output column: a saved metric's name or an ad-hoc metric's label.
fn metric_label(metric: &Value) -> Option<&str> {
    metric.as_str().or_else(|| metric["label"].as_str())
}

/// Copies the keys of `more` (an object) into `object`.
fn extend(object: &mut Value, more: Value) {
    if let (Value::Object(object), Value::Object(more)) = (object, more) {
        object.extend(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(name: &str) -> ExampleChart {
        charts().into_iter().find(|c| c.slice_name == name).unwrap()
    }

    #[test]
    fn the_weekly_line_chart_queries_like_supersets_frontend() {
        // Golden 048 is Superset's own query context for this chart (over half a year).
        let context = chart("Weekly revenue by product").query_context(9);
        let query = &context["queries"][0];
        assert_eq!(context["datasource"], json!({"id": 9, "type": "table"}));
        assert_eq!(
            query["columns"],
            json!([{"timeGrain": "P1W", "columnType": "BASE_AXIS", "sqlExpression": "order_date",
                    "label": "order_date", "expressionType": "SQL"}, "product"])
        );
        assert_eq!(
            query["post_processing"],
            json!([
                {"operation": "pivot", "options": {"index": ["order_date"], "columns": ["product"],
                 "aggregates": {"revenue": {"operator": "mean"}}, "drop_missing_columns": false}},
                {"operation": "rename", "options": {"columns": {"revenue": null}, "level": 0, "inplace": true}},
                {"operation": "flatten"},
            ])
        );
        assert_eq!(query["series_columns"], json!(["product"]));
        assert_eq!(
            query["filters"],
            json!([{"col": "order_date", "op": "TEMPORAL_RANGE", "val": "No filter"}])
        );
        assert_eq!(context["form_data"]["datasource"], "9__table");
        assert_eq!(context["form_data"]["result_type"], "full");
    }

    #[test]
    fn a_bar_chart_without_series_is_pivoted_but_not_renamed() {
        let query = &chart("Orders by region").query_context(3)["queries"][0];
        assert_eq!(
            query["columns"],
            json!([{"columnType": "BASE_AXIS", "sqlExpression": "region", "label": "region",
                    "expressionType": "SQL"}])
        );
        let operations: Vec<&str> = query["post_processing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["operation"].as_str().unwrap())
            .collect();
        assert_eq!(operations, ["pivot", "flatten"]);
        assert_eq!(query["orderby"], json!([["count", false]]));
    }

    #[test]
    fn the_revenue_table_is_the_forty_row_group_by_sorted_by_revenue() {
        let query = &chart("Revenue by region and product").query_context(1)["queries"][0];
        assert_eq!(query["columns"], json!(["region", "product"]));
        assert_eq!(query["metrics"][1], "revenue");
        assert_eq!(query["orderby"], json!([["revenue", false]]));
        assert!(query["row_limit"].as_i64().unwrap() >= 40);
    }

    #[test]
    fn top_names_sorts_by_its_metric() {
        let query = &chart("Top names").query_context(2)["queries"][0];
        assert_eq!(query["row_limit"], 25);
        assert_eq!(query["orderby"][0][0]["label"], "SUM(num)");
        assert_eq!(query["orderby"][0][1], false);
    }

    #[test]
    fn uuids_are_distinct_and_tables_exist() {
        let charts = charts();
        let uuids: std::collections::HashSet<_> = charts.iter().map(|c| c.uuid).collect();
        assert_eq!(uuids.len(), charts.len());
        let tables: Vec<_> = crate::tables().iter().map(|t| t.name).collect();
        assert!(charts.iter().all(|c| tables.contains(&c.table)));
    }
}

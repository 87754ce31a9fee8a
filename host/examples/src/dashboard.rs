//! The "Examples" dashboard: its layout in Superset's `position_json` format (a flat map
//! of component id to node: ROOT_ID > GRID_ID > ROW-n > CHART-id) and its settings.

use crate::charts::ExampleChart;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub const TITLE: &str = "Examples";
pub const SLUG: &str = "examples";
const CHART_HEIGHT: u32 = 50;

/// The layout of `charts`, each given with its id, in rows by [`ExampleChart::row`].
pub fn position(charts: &[(&ExampleChart, i64)]) -> Value {
    let rows: BTreeSet<usize> = charts.iter().map(|(chart, _)| chart.row).collect();
    let row_ids: Vec<String> = (1..=rows.len()).map(|n| format!("ROW-{n}")).collect();
    let mut layout = Map::new();
    layout.insert("DASHBOARD_VERSION_KEY".into(), json!("v2"));
    layout.insert(
        "ROOT_ID".into(),
        json!({"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]}),
    );
    layout.insert(
        "GRID_ID".into(),
        json!({"type": "GRID", "id": "GRID_ID", "children": row_ids, "parents": ["ROOT_ID"]}),
    );
    layout.insert(
        "HEADER_ID".into(),
        json!({"id": "HEADER_ID", "type": "HEADER", "meta": {"text": TITLE}}),
    );
    for (row, row_id) in rows.iter().zip(&row_ids) {
        let on_row: Vec<&(&ExampleChart, i64)> = charts
            .iter()
            .filter(|(chart, _)| chart.row == *row)
            .collect();
        let chart_ids: Vec<String> = on_row.iter().map(|(_, id)| format!("CHART-{id}")).collect();
        for ((chart, id), node_id) in on_row.iter().zip(&chart_ids) {
            layout.insert(
                node_id.clone(),
                json!({
                    "type": "CHART",
                    "id": node_id,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {
                        "width": chart.width,
                        "height": CHART_HEIGHT,
                        "chartId": id,
                        "sliceName": chart.slice_name,
                        "uuid": chart.uuid,
                    },
                }),
            );
        }
        layout.insert(
            row_id.clone(),
            json!({
                "type": "ROW",
                "id": row_id,
                "children": chart_ids,
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {"background": "BACKGROUND_TRANSPARENT"},
            }),
        );
    }
    Value::Object(layout)
}

/// The ids of the charts a layout shows.
pub fn chart_ids(position: &Value) -> BTreeSet<i64> {
    position
        .as_object()
        .into_iter()
        .flat_map(|nodes| nodes.values())
        .filter(|node| node["type"] == "CHART")
        .filter_map(|node| node["meta"]["chartId"].as_i64())
        .collect()
}

/// The dashboard's settings, as a new dashboard of Superset's has them.
pub fn json_metadata() -> Value {
    json!({
        "color_scheme": "supersetColors",
        "refresh_frequency": 0,
        "timed_refresh_immune_slices": [],
        "expanded_slices": {},
        "label_colors": {},
        "shared_label_colors": [],
        "cross_filters_enabled": true,
        "native_filter_configuration": [],
        "chart_configuration": {},
        "positions": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::charts;

    #[test]
    fn every_chart_is_placed_on_a_row_of_twelve_columns_at_most() {
        let charts = charts();
        let placed: Vec<(&ExampleChart, i64)> = charts.iter().zip(10..).collect();
        let layout = position(&placed);
        assert_eq!(chart_ids(&layout), (10..15).collect());
        for row in layout["GRID_ID"]["children"].as_array().unwrap() {
            let row = &layout[row.as_str().unwrap()];
            let width: u64 = row["children"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    layout[c.as_str().unwrap()]["meta"]["width"]
                        .as_u64()
                        .unwrap()
                })
                .sum();
            assert!(width <= 12, "{row}");
        }
        let chart = &layout["CHART-10"];
        assert_eq!(chart["parents"], json!(["ROOT_ID", "GRID_ID", "ROW-1"]));
        assert_eq!(chart["meta"]["uuid"], json!(charts[0].uuid));
    }
}

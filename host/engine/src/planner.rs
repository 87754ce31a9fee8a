//! A Superset query object as a DataFusion plan, built with DataFusion's expression
//! builders over the dataset's table. User values only ever become literals; SQL
//! fragments users may write are parsed against the dataset alone, so they cannot
//! reach another table.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, ScalarValue};
use datafusion::dataframe::DataFrame;
use datafusion::functions::expr_fn::lower;
use datafusion::functions_aggregate::expr_fn::{avg, count, count_distinct, max, min, sum};
use datafusion::logical_expr::utils::find_aggregate_exprs;
use datafusion::logical_expr::{Expr, ExprSchemable, JoinType, SortExpr, ident, lit};
use serde_json::{Map, Value, json};
use tessera_model::Dataset;
use tessera_time_range::{Relative, parse_time_range};

use crate::error::{EngineError, Result};
use crate::grain;
use crate::query_object::{ColumnRef, MetricRef, QueryFilter, QueryObject};

/// Superset's row limits.
#[derive(Debug, Clone, Copy)]
pub struct RowLimits {
    /// `ROW_LIMIT`: when a query gives none.
    pub default: u64,
    /// `SAMPLES_ROW_LIMIT`.
    pub samples: u64,
    /// `SQL_MAX_ROW`: more is refused.
    pub max: u64,
}

impl Default for RowLimits {
    fn default() -> Self {
        Self {
            default: 50_000,
            samples: 1_000,
            max: 100_000,
        }
    }
}

/// What to plan: the chart's own query, or raw sample rows of the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Chart,
    Samples,
}

/// A planned query and what the response says about it.
pub struct Planned {
    pub frame: DataFrame,
    pub from_dttm: Option<f64>,
    pub to_dttm: Option<f64>,
    pub applied_filters: Vec<Value>,
    pub label_map: Map<String, Value>,
}

const OPERATORS: &str = "==, !=, >, <, >=, <=, LIKE, NOT LIKE, ILIKE, IS NULL, IS NOT NULL, IN, NOT IN, IS TRUE, IS FALSE, TEMPORAL_RANGE";

pub struct Planner<'a> {
    base: DataFrame,
    /// Dates and times go to the source as text (SQLite keeps them as text, and its
    /// CAST to DATE would turn them into numbers).
    text_temporals: bool,
    dataset: &'a Dataset,
    now: NaiveDateTime,
    limits: RowLimits,
    missing_columns: Vec<String>,
    missing_metrics: Vec<String>,
}

impl<'a> Planner<'a> {
    pub fn new(
        base: DataFrame,
        dataset: &'a Dataset,
        now: NaiveDateTime,
        limits: RowLimits,
        text_temporals: bool,
    ) -> Self {
        Self {
            base,
            text_temporals,
            dataset,
            now,
            limits,
            missing_columns: Vec::new(),
            missing_metrics: Vec::new(),
        }
    }

    /// Row-level security: only rows passing `predicate` exist for this query. It
    /// filters the table itself, so nothing the query adds can widen it.
    pub fn restrict_rows(mut self, predicate: Option<&str>) -> Result<Self> {
        if let Some(sql) = predicate {
            let expr = self.fragment(sql, Fragment::Row)?;
            self.base = self.base.filter(expr)?;
        }
        Ok(self)
    }

    pub fn plan(mut self, query: &QueryObject, kind: PlanKind) -> Result<Planned> {
        let limit = self.row_limit(query, kind)?;
        let offset = query.row_offset.unwrap_or(0).max(0) as usize;
        let mut applied_filters = Vec::new();
        let (predicate, bounds) = self.predicate(query, &mut applied_filters)?;
        // Samples are filtered like the chart but report no time bounds (golden 046).
        let bounds = bounds.filter(|_| kind == PlanKind::Chart);
        let metrics: Vec<MetricRef> = match kind {
            PlanKind::Chart => query.metrics.clone().unwrap_or_default(),
            PlanKind::Samples => Vec::new(),
        };
        let columns = self.output_columns(query, kind, metrics.is_empty())?;
        let metric_exprs: Vec<(String, Expr)> = metrics
            .iter()
            .map(|m| Ok((m.label(), self.metric_expr(m)?)))
            .collect::<Result<_>>()?;
        self.check_missing()?;

        let mut frame = self.base.clone();
        if let Some(predicate) = predicate {
            frame = frame.filter(predicate)?;
        }
        if kind == PlanKind::Chart
            && let Some(series) = self.series_limit(query, &frame, &metric_exprs)?
        {
            frame = series;
        }
        let frame = if metric_exprs.is_empty() {
            self.raw(frame, query, kind, &columns)?
        } else {
            self.aggregated(frame, query, &columns, &metric_exprs)?
        };
        let frame = frame.limit(offset, Some(limit as usize))?;
        let label_map = self.label_map(&columns, &metrics);
        let ms = |t: NaiveDateTime| t.and_utc().timestamp_millis() as f64;
        Ok(Planned {
            frame,
            from_dttm: bounds.and_then(|b: Bounds| b.0.map(ms)),
            to_dttm: bounds.and_then(|b| b.1.map(ms)),
            applied_filters,
            label_map,
        })
    }

    fn row_limit(&self, query: &QueryObject, kind: PlanKind) -> Result<u64> {
        let default = match kind {
            PlanKind::Chart => self.limits.default,
            PlanKind::Samples => self.limits.samples,
        };
        match query.row_limit {
            Some(n) if n < 0 => Err(EngineError::InvalidRequest(
                "Request is incorrect: {'queries': {0: {'row_limit': ['Must be greater than or equal to 0.']}}}".into(),
            )),
            Some(n) if n as u64 > self.limits.max => Err(EngineError::InvalidRequest(format!(
                "Row limit {n} exceeds the maximum of {} rows",
                self.limits.max
            ))),
            Some(0) | None => Ok(default.min(self.limits.max)),
            Some(n) => Ok(n as u64),
        }
    }

    /// A dataset column by name: its SQL expression for a calculated column.
    fn column_expr(&mut self, name: &str) -> Result<Expr> {
        match self.dataset.columns.iter().find(|c| c.column_name == name) {
            Some(column) => match column.expression.as_deref().map(str::trim) {
                Some(expression) if !expression.is_empty() => {
                    self.fragment(expression, Fragment::Row)
                }
                _ => Ok(self.physical(name)),
            },
            None => {
                self.missing_columns.push(name.to_owned());
                Ok(lit(ScalarValue::Null))
            }
        }
    }

    /// A table column, qualified as parsed SQL fragments qualify it, so the same
    /// column written either way is one expression.
    fn physical(&self, name: &str) -> Expr {
        match self
            .base
            .schema()
            .qualified_field_with_unqualified_name(name)
        {
            Ok((qualifier, field)) => Expr::Column(Column::from((qualifier, field))),
            Err(_) => ident(name),
        }
    }

    fn column_ref_expr(&mut self, column: &ColumnRef) -> Result<Expr> {
        match column {
            ColumnRef::Name(name) => self.column_expr(name),
            ColumnRef::Adhoc(adhoc) => {
                // A bare column name in an ad-hoc column is the dataset column, so a
                // calculated column keeps its expression.
                let sql = adhoc.sql_expression.trim();
                if self.dataset.columns.iter().any(|c| c.column_name == sql) {
                    self.column_expr(sql)
                } else {
                    self.fragment(sql, Fragment::Row)
                }
            }
        }
    }

    /// Parses a user-written SQL fragment against the dataset's columns only.
    fn fragment(&self, sql: &str, kind: Fragment) -> Result<Expr> {
        let expr = self.base.parse_sql_expr(sql).map_err(|e| {
            EngineError::InvalidSql(format!(
                "Error parsing SQL expression `{sql}`: {}",
                e.strip_backtrace()
            ))
        })?;
        let reaches_out = expr
            .exists(|e| {
                Ok(matches!(
                    e,
                    Expr::ScalarSubquery(_)
                        | Expr::Exists(_)
                        | Expr::InSubquery(_)
                        | Expr::OuterReferenceColumn(..)
                ))
            })
            .unwrap_or(true);
        if reaches_out {
            return Err(EngineError::InvalidSql(
                "Custom SQL fields cannot contain sub-queries.".into(),
            ));
        }
        let aggregates = !find_aggregate_exprs([&expr]).is_empty();
        match kind {
            Fragment::Row if aggregates => Err(EngineError::InvalidSql(format!(
                "Aggregate functions are not allowed in `{sql}`"
            ))),
            Fragment::Aggregate if !aggregates => Err(EngineError::InvalidSql(format!(
                "`{sql}` must aggregate (e.g. SUM, COUNT)"
            ))),
            _ => Ok(expr),
        }
    }

    fn metric_expr(&mut self, metric: &MetricRef) -> Result<Expr> {
        match metric {
            MetricRef::Name(name) => {
                let saved = self.dataset.metrics.iter().find(|m| &m.metric_name == name);
                match saved {
                    Some(m) => self.fragment(&m.expression, Fragment::Aggregate),
                    None => {
                        self.missing_metrics.push(name.clone());
                        Ok(count(lit(1)))
                    }
                }
            }
            MetricRef::Adhoc(adhoc) if adhoc.expression_type == "SIMPLE" => {
                let column = adhoc.column.as_ref().ok_or_else(|| {
                    EngineError::InvalidRequest("A SIMPLE metric needs a column".into())
                })?;
                let column = self.column_expr(&column.column_name)?;
                let aggregate = adhoc.aggregate.as_deref().unwrap_or_default();
                Ok(match aggregate.to_uppercase().as_str() {
                    "SUM" => sum(column),
                    "AVG" => avg(column),
                    "COUNT" => count(column),
                    "COUNT_DISTINCT" => count_distinct(column),
                    "MIN" => min(column),
                    "MAX" => max(column),
                    other => {
                        return Err(EngineError::InvalidRequest(format!(
                            "Request is incorrect: {{'queries': {{0: {{'metrics': ['Invalid aggregate: {other}. Must be one of: AVG, COUNT, COUNT_DISTINCT, MAX, MIN, SUM.']}}}}}}"
                        )));
                    }
                })
            }
            MetricRef::Adhoc(adhoc) => {
                let sql = adhoc.sql_expression.as_deref().unwrap_or_default();
                self.fragment(sql, Fragment::Aggregate)
            }
        }
    }

    fn check_missing(&mut self) -> Result<()> {
        if !self.missing_columns.is_empty() {
            return Err(EngineError::UnknownColumns(std::mem::take(
                &mut self.missing_columns,
            )));
        }
        if !self.missing_metrics.is_empty() {
            return Err(EngineError::UnknownMetrics(std::mem::take(
                &mut self.missing_metrics,
            )));
        }
        Ok(())
    }

    /// The selected or grouped columns with their output labels.
    fn output_columns(
        &mut self,
        query: &QueryObject,
        kind: PlanKind,
        raw: bool,
    ) -> Result<Vec<(String, Expr)>> {
        let mut columns = Vec::new();
        if kind == PlanKind::Samples {
            let names: Vec<String> = self
                .dataset
                .columns
                .iter()
                .map(|c| c.column_name.clone())
                .collect();
            for name in names {
                columns.push((name.clone(), self.column_expr(&name)?));
            }
            return Ok(columns);
        }
        let grain = query
            .extras
            .time_grain_sqla
            .as_deref()
            .filter(|g| !g.is_empty());
        if query.is_timeseries == Some(true)
            && !raw
            && let Some(granularity) = query.granularity.as_deref()
        {
            let column = self.column_expr(granularity)?;
            let column = match grain {
                Some(grain) => grain::truncate(grain, column)?,
                None => column,
            };
            columns.push(("__timestamp".to_owned(), column));
        }
        for column in &query.columns {
            let mut expr = self.column_ref_expr(column)?;
            if let ColumnRef::Adhoc(adhoc) = column {
                let is_axis = adhoc.column_type.as_deref() == Some("BASE_AXIS");
                if let Some(grain) = adhoc.time_grain.as_deref().or(grain.filter(|_| is_axis)) {
                    expr = grain::truncate(grain, expr)?;
                }
            }
            columns.push((column.label().to_owned(), expr));
        }
        Ok(columns)
    }

    /// The WHERE clause: filters, the time range, and `extras.where`.
    fn predicate(
        &mut self,
        query: &QueryObject,
        applied: &mut Vec<Value>,
    ) -> Result<(Option<Expr>, Option<Bounds>)> {
        let mut conjuncts = Vec::new();
        let mut bounds = None;
        for filter in &query.filters {
            let op = filter.op.to_uppercase();
            if !OPERATORS.split(", ").any(|o| o == op) {
                return Err(EngineError::InvalidRequest(format!(
                    "Request is incorrect: {{'queries': {{0: {{'filters': {{0: {{'op': ['Must be one of: {OPERATORS}.']}}}}}}}}}}"
                )));
            }
            let column = self.column_ref_expr(&filter.col)?;
            if op == "TEMPORAL_RANGE" {
                let range = filter
                    .val
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or("No filter");
                let (since, until) = self.time_bounds(range, query)?;
                conjuncts.extend(self.time_predicate(&column, since, until)?);
                bounds = Some((since, until));
            } else {
                conjuncts.push(self.filter_expr(&column, &op, filter)?);
            }
            applied.push(json!({"column": filter.col.label()}));
        }
        if bounds.is_none()
            && let (Some(granularity), Some(range)) =
                (query.granularity.as_deref(), query.time_range.as_deref())
        {
            let column = self.column_expr(granularity)?;
            let (since, until) = self.time_bounds(range, query)?;
            let time = self.time_predicate(&column, since, until)?;
            if !time.is_empty() {
                conjuncts.extend(time);
                applied.push(json!({"column": "__time_range"}));
            }
            bounds = Some((since, until));
        }
        if let Some(sql) = query
            .extras
            .r#where
            .as_deref()
            .filter(|w| !w.trim().is_empty())
        {
            conjuncts.push(self.fragment(sql, Fragment::Row)?);
        }
        Ok((conjuncts.into_iter().reduce(Expr::and), bounds))
    }

    fn time_bounds(&self, range: &str, query: &QueryObject) -> Result<Bounds> {
        let relative = |r: Option<&str>| match r {
            Some("now") => Relative::Now,
            _ => Relative::Today,
        };
        let bounds = parse_time_range(
            range,
            self.now,
            relative(query.extras.relative_start.as_deref()),
            relative(query.extras.relative_end.as_deref()),
        )
        .map_err(|e| EngineError::TimeRange(e.to_string()))?;
        Ok((bounds.since, bounds.until))
    }

    /// `since <= column < until`, with literals of the column's own type so the
    /// database compares like with like (a DATE column against dates).
    fn time_predicate(
        &self,
        column: &Expr,
        since: Option<NaiveDateTime>,
        until: Option<NaiveDateTime>,
    ) -> Result<Vec<Expr>> {
        let data_type = column.get_type(self.base.schema())?;
        let text_temporals = self.text_temporals;
        let literal = |t: NaiveDateTime| -> Result<Expr> {
            Ok(lit(match &data_type {
                DataType::Date32 | DataType::Date64 if text_temporals => {
                    let day = if t.time() == NaiveTime::MIN {
                        t.date()
                    } else {
                        t.date().succ_opt().unwrap_or(t.date())
                    };
                    ScalarValue::Utf8(Some(day.format("%Y-%m-%d").to_string()))
                }
                DataType::Timestamp(..) if text_temporals => {
                    ScalarValue::Utf8(Some(t.format("%Y-%m-%d %H:%M:%S").to_string()))
                }
                DataType::Date32 | DataType::Date64 => {
                    // A date is in range if its midnight is: round a bound up to a day.
                    let day = if t.time() == NaiveTime::MIN {
                        t.date()
                    } else {
                        t.date().succ_opt().unwrap_or(t.date())
                    };
                    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
                    ScalarValue::Date32(Some((day - epoch).num_days() as i32))
                        .cast_to(&data_type)?
                }
                DataType::Timestamp(..) => {
                    ScalarValue::TimestampMicrosecond(Some(t.and_utc().timestamp_micros()), None)
                        .cast_to(&data_type)?
                }
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    ScalarValue::Utf8(Some(t.format("%Y-%m-%d %H:%M:%S").to_string()))
                }
                other => {
                    return Err(EngineError::InvalidRequest(format!(
                        "A time range needs a temporal column, not {other}"
                    )));
                }
            }))
        };
        let mut out = Vec::new();
        if let Some(since) = since {
            out.push(column.clone().gt_eq(literal(since)?));
        }
        if let Some(until) = until {
            out.push(column.clone().lt(literal(until)?));
        }
        Ok(out)
    }

    fn filter_expr(&self, column: &Expr, op: &str, filter: &QueryFilter) -> Result<Expr> {
        let data_type = column.get_type(self.base.schema())?;
        let value = filter.val.clone().unwrap_or(Value::Null);
        let text_temporals = self.text_temporals
            && matches!(
                data_type,
                DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
            );
        let scalar = |v: &Value| {
            if text_temporals {
                scalar_of(v, &DataType::Utf8)
            } else {
                scalar_of(v, &data_type)
            }
        };
        let column = column.clone();
        Ok(match op {
            "IS NULL" => column.is_null(),
            "IS NOT NULL" => column.is_not_null(),
            "IS TRUE" => column.is_true(),
            "IS FALSE" => column.is_false(),
            "==" if value.is_null() => column.is_null(),
            "!=" if value.is_null() => column.is_not_null(),
            "IN" | "NOT IN" => {
                let values: Vec<Value> = match value {
                    Value::Array(values) => values,
                    single => vec![single],
                };
                let negated = op == "NOT IN";
                if values.is_empty() {
                    return Ok(lit(negated));
                }
                let list = values
                    .iter()
                    .map(|v| scalar(v).map(lit))
                    .collect::<Result<Vec<_>>>()?;
                column.in_list(list, negated)
            }
            "LIKE" => column.like(lit(scalar(&value)?)),
            "NOT LIKE" => column.not_like(lit(scalar(&value)?)),
            // Written as lower() LIKE lower() so every database understands it.
            "ILIKE" => lower(column).like(lower(lit(scalar(&value)?))),
            op => {
                let right = lit(scalar(&value)?);
                match op {
                    "==" => column.eq(right),
                    "!=" => column.not_eq(right),
                    ">" => column.gt(right),
                    "<" => column.lt(right),
                    ">=" => column.gt_eq(right),
                    _ => column.lt_eq(right),
                }
            }
        })
    }

    /// Superset's series limit: only the top `series_limit` series (by the limit
    /// metric) are kept, by joining with a ranked subquery.
    fn series_limit(
        &mut self,
        query: &QueryObject,
        frame: &DataFrame,
        metrics: &[(String, Expr)],
    ) -> Result<Option<DataFrame>> {
        let limit = query.series_limit.unwrap_or(0);
        if limit <= 0 || query.series_columns.is_empty() || metrics.is_empty() {
            return Ok(None);
        }
        let series: Vec<Expr> = query
            .series_columns
            .iter()
            .map(|c| self.column_ref_expr(c))
            .collect::<Result<_>>()?;
        let rank_by = match &query.series_limit_metric {
            Some(metric) => self.metric_expr(metric)?,
            None => metrics[0].1.clone(),
        };
        self.check_missing()?;
        let keys: Vec<String> = (0..series.len()).map(|i| format!("__series_{i}")).collect();
        let aggregates = distinct_aggregates([&rank_by]);
        let grouped = frame
            .clone()
            .aggregate(series.clone(), aggregates.clone())?;
        let rank = rebase(&rank_by, &series, &aggregates, &grouped)?;
        let descending = query.order_desc.unwrap_or(true);
        let top = grouped
            .sort(vec![rank.sort(!descending, false)])?
            .limit(0, Some(limit as usize))?;
        let top_columns: Vec<Expr> = top
            .schema()
            .columns()
            .into_iter()
            .take(series.len())
            .zip(&keys)
            .map(|(column, key)| Expr::Column(column).alias(key))
            .collect();
        let top = top.select(top_columns)?.alias("series_limit")?;
        let on: Vec<Expr> = series
            .iter()
            .zip(&keys)
            .map(|(expr, key)| {
                expr.clone()
                    .eq(Expr::Column(Column::new(Some("series_limit"), key)))
            })
            .collect();
        let base_columns: Vec<Expr> = frame
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect();
        Ok(Some(
            frame
                .clone()
                .join_on(top, JoinType::Inner, on)?
                .select(base_columns)?,
        ))
    }

    fn raw(
        &mut self,
        frame: DataFrame,
        query: &QueryObject,
        kind: PlanKind,
        columns: &[(String, Expr)],
    ) -> Result<DataFrame> {
        let columns = if columns.is_empty() {
            let names: Vec<String> = self
                .dataset
                .columns
                .iter()
                .map(|c| c.column_name.clone())
                .collect();
            names
                .into_iter()
                .map(|n| Ok((n.clone(), self.column_expr(&n)?)))
                .collect::<Result<Vec<_>>>()?
        } else {
            columns.to_vec()
        };
        // Project first, then sort by the output names: the plan then reads back as
        // one SELECT. Sort keys that are not selected ride along as hidden columns.
        let mut outputs: Vec<Expr> = columns
            .iter()
            .map(|(label, e)| e.clone().alias(label))
            .collect();
        let mut sorts = Vec::new();
        if kind == PlanKind::Chart {
            for (term, ascending) in &query.orderby {
                let MetricRef::Name(name) = term else {
                    continue;
                };
                if columns.iter().any(|(label, _)| label == name) {
                    sorts.push(ident(name).sort(*ascending, false));
                } else {
                    let hidden = format!("__order_by_{}", sorts.len());
                    outputs.push(self.column_expr(name)?.alias(&hidden));
                    sorts.push(ident(hidden).sort(*ascending, false));
                }
            }
        }
        self.check_missing()?;
        let frame = frame.select(outputs)?;
        if sorts.is_empty() {
            return Ok(frame);
        }
        let frame = frame.sort(sorts)?;
        if frame.schema().fields().len() == columns.len() {
            return Ok(frame);
        }
        let visible: Vec<Expr> = columns.iter().map(|(label, _)| ident(label)).collect();
        Ok(frame.select(visible)?)
    }

    fn aggregated(
        &mut self,
        frame: DataFrame,
        query: &QueryObject,
        columns: &[(String, Expr)],
        metrics: &[(String, Expr)],
    ) -> Result<DataFrame> {
        let having = match query
            .extras
            .having
            .as_deref()
            .filter(|h| !h.trim().is_empty())
        {
            Some(sql) => Some(self.fragment(sql, Fragment::Any)?),
            None => None,
        };
        let mut sort_terms = Vec::new();
        for (term, ascending) in &query.orderby {
            let label = term.label();
            let expr = match (
                columns.iter().find(|(l, _)| *l == label),
                metrics.iter().find(|(l, _)| *l == label),
            ) {
                (Some((_, expr)), _) | (None, Some((_, expr))) => expr.clone(),
                (None, None) => self.metric_expr(term)?,
            };
            sort_terms.push((expr, *ascending));
        }
        if sort_terms.is_empty() && query.order_desc.unwrap_or(true) && !metrics.is_empty() {
            sort_terms.push((metrics[0].1.clone(), false));
        }
        self.check_missing()?;

        let groups: Vec<Expr> = columns.iter().map(|(_, e)| e.clone()).collect();
        let every: Vec<&Expr> = metrics
            .iter()
            .map(|(_, e)| e)
            .chain(having.iter())
            .chain(sort_terms.iter().map(|(e, _)| e))
            .collect();
        let aggregates = distinct_aggregates(every);
        let grouped = frame.aggregate(groups.clone(), aggregates.clone())?;
        let mut frame = grouped.clone();
        if let Some(having) = having {
            frame = frame.filter(rebase(&having, &groups, &aggregates, &grouped)?)?;
        }
        if !sort_terms.is_empty() {
            let sorts = sort_terms
                .iter()
                .map(|(e, asc)| Ok(rebase(e, &groups, &aggregates, &grouped)?.sort(*asc, false)))
                .collect::<Result<Vec<SortExpr>>>()?;
            frame = frame.sort(sorts)?;
        }
        let mut outputs = Vec::new();
        let mut seen = HashSet::new();
        for (label, expr) in columns.iter().chain(metrics) {
            if !seen.insert(label.clone()) {
                return Err(EngineError::InvalidRequest(format!(
                    "Duplicate column/metric labels: {label}"
                )));
            }
            outputs.push(rebase(expr, &groups, &aggregates, &grouped)?.alias(label));
        }
        Ok(frame.select(outputs)?)
    }

    fn label_map(&self, columns: &[(String, Expr)], metrics: &[MetricRef]) -> Map<String, Value> {
        let mut map = Map::new();
        for (label, _) in columns {
            map.insert(label.clone(), json!([label]));
        }
        for metric in metrics {
            let label = metric.label();
            let source = match metric {
                MetricRef::Adhoc(m) if m.expression_type == "SQL" && m.label.is_some() => {
                    m.sql_expression.clone().unwrap_or_else(|| label.clone())
                }
                _ => label.clone(),
            };
            map.insert(label.clone(), json!([source]));
            if let MetricRef::Name(name) = metric
                && let Some(verbose) = self
                    .dataset
                    .metrics
                    .iter()
                    .find(|m| &m.metric_name == name)
                    .and_then(|m| m.verbose_name.clone())
            {
                map.insert(verbose, json!([name]));
            }
        }
        map
    }
}

/// A time range's `[since, until)`, either end open.
type Bounds = (Option<NaiveDateTime>, Option<NaiveDateTime>);

#[derive(Clone, Copy)]
enum Fragment {
    /// Evaluated per row: WHERE, columns.
    Row,
    /// A metric: must aggregate.
    Aggregate,
    /// HAVING: anything over groups.
    Any,
}

/// The aggregate calls in `exprs`, once each: the same aggregate written twice (as a
/// metric and in HAVING, say) is computed once.
fn distinct_aggregates<'e>(exprs: impl IntoIterator<Item = &'e Expr>) -> Vec<Expr> {
    let mut seen = HashSet::new();
    find_aggregate_exprs(exprs)
        .into_iter()
        .filter(|e| seen.insert(e.schema_name().to_string()))
        .collect()
}

/// `expr` written over the output of `grouped`: group expressions and aggregates
/// become references to the columns that hold them.
fn rebase(expr: &Expr, groups: &[Expr], aggregates: &[Expr], grouped: &DataFrame) -> Result<Expr> {
    let columns = grouped.schema().columns();
    let rebased = expr.clone().transform_down(|e| {
        let name = e.schema_name().to_string();
        let same = |other: &Expr| other == &e || other.schema_name().to_string() == name;
        let position = groups
            .iter()
            .position(same)
            .or_else(|| aggregates.iter().position(same).map(|i| groups.len() + i));
        Ok(match position {
            Some(i) => Transformed::yes(Expr::Column(columns[i].clone())),
            None => Transformed::no(e),
        })
    })?;
    Ok(rebased.data)
}

/// A filter value as a literal of the column's type where it converts.
fn scalar_of(value: &Value, data_type: &DataType) -> Result<ScalarValue> {
    let natural = match value {
        Value::Null => return Ok(ScalarValue::Null),
        Value::Bool(b) => ScalarValue::Boolean(Some(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => ScalarValue::Int64(Some(i)),
            None => ScalarValue::Float64(n.as_f64()),
        },
        Value::String(s) => ScalarValue::Utf8(Some(s.clone())),
        other => {
            return Err(EngineError::InvalidRequest(format!(
                "Invalid filter value: {other}"
            )));
        }
    };
    Ok(natural.cast_to(data_type).unwrap_or(natural))
}

//! How a plan becomes SQL for each source: DataFusion's unparser dialects, extended
//! with the time-grain expressions Superset uses on engines without `date_trunc`.

use std::sync::Arc;

use datafusion::arrow::datatypes::TimeUnit;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::Expr;
use datafusion::sql::sqlparser::ast::{self, BinaryOperator};
use datafusion::sql::sqlparser::dialect as parser_dialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::unparser::Unparser;
use datafusion::sql::unparser::dialect::{
    CharacterLengthStyle, DateFieldExtractStyle, DefaultDialect, Dialect, DistinctFromStyle,
    IntervalStyle, MySqlDialect, PostgreSqlDialect, SqliteDialect,
};
use tessera_plugin_host::SqlDialect;

/// A source's SQL dialect: the unparser's rules plus Superset's grain expressions.
pub struct SourceDialect {
    inner: Box<dyn Dialect>,
    kind: SqlDialect,
}

impl SourceDialect {
    pub fn new(kind: SqlDialect) -> Self {
        let inner: Box<dyn Dialect> = match kind {
            SqlDialect::Postgresql => Box::new(PostgreSqlDialect {}),
            SqlDialect::Mysql => Box::new(MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(SqliteDialect {}),
            SqlDialect::Generic => Box::new(DefaultDialect {}),
        };
        Self { inner, kind }
    }

    /// The matching sqlparser dialect, for parsing SQL written for this source.
    pub fn parser(&self) -> Box<dyn parser_dialect::Dialect> {
        match self.kind {
            SqlDialect::Postgresql => Box::new(parser_dialect::PostgreSqlDialect {}),
            SqlDialect::Mysql => Box::new(parser_dialect::MySqlDialect {}),
            SqlDialect::Sqlite => Box::new(parser_dialect::SQLiteDialect {}),
            SqlDialect::Generic => Box::new(parser_dialect::GenericDialect {}),
        }
    }

    /// Superset's expression truncating `{col}` to `unit` on engines that lack
    /// `date_trunc` (from its engine specs), so the grain runs in the database.
    fn grain_template(&self, unit: &str) -> Option<&'static str> {
        match self.kind {
            SqlDialect::Sqlite => Some(match unit {
                "second" => "DATETIME(STRFTIME('%Y-%m-%dT%H:%M:%S', {col}))",
                "minute" => "DATETIME(STRFTIME('%Y-%m-%dT%H:%M:00', {col}))",
                "hour" => "DATETIME(STRFTIME('%Y-%m-%dT%H:00:00', {col}))",
                "day" => "DATETIME({col}, 'start of day')",
                "week" => "DATETIME({col}, 'start of day', -STRFTIME('%w', {col}) || ' days')",
                "month" => "DATETIME({col}, 'start of month')",
                "quarter" => {
                    "DATETIME({col}, 'start of month', PRINTF('-%d month', (STRFTIME('%m', {col}) - 1) % 3))"
                }
                "year" => "DATETIME({col}, 'start of year')",
                _ => return None,
            }),
            SqlDialect::Mysql => Some(match unit {
                "second" => {
                    "DATE_ADD(DATE({col}), INTERVAL (HOUR({col})*60*60 + MINUTE({col})*60 + SECOND({col})) SECOND)"
                }
                "minute" => {
                    "DATE_ADD(DATE({col}), INTERVAL (HOUR({col})*60 + MINUTE({col})) MINUTE)"
                }
                "hour" => "DATE_ADD(DATE({col}), INTERVAL HOUR({col}) HOUR)",
                "day" => "TIMESTAMP(DATE({col}))",
                "week" => "TIMESTAMP(DATE(DATE_SUB({col}, INTERVAL DAYOFWEEK({col}) - 1 DAY)))",
                "month" => "TIMESTAMP(DATE(DATE_SUB({col}, INTERVAL DAYOFMONTH({col}) - 1 DAY)))",
                "quarter" => {
                    "TIMESTAMP(MAKEDATE(YEAR({col}), 1) + INTERVAL QUARTER({col}) QUARTER - INTERVAL 1 QUARTER)"
                }
                "year" => "TIMESTAMP(DATE(DATE_SUB({col}, INTERVAL DAYOFYEAR({col}) - 1 DAY)))",
                _ => return None,
            }),
            SqlDialect::Postgresql | SqlDialect::Generic => None,
        }
    }

    fn date_trunc_to_sql(&self, unparser: &Unparser, args: &[Expr]) -> Result<Option<ast::Expr>> {
        let [Expr::Literal(ScalarValue::Utf8(Some(unit)), _), column] = args else {
            return Ok(None);
        };
        let Some(template) = self.grain_template(&unit.to_lowercase()) else {
            return Ok(None);
        };
        let column = unparser.expr_to_sql(column)?.to_string();
        let sql = template.replace("{col}", &column);
        let dialect = self.parser();
        let expr = Parser::new(dialect.as_ref())
            .try_with_sql(&sql)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| datafusion::error::DataFusionError::External(Box::new(e)))?;
        Ok(Some(expr))
    }
}

/// Shared by every source dialect: the plain DataFusion one, for file tables and for
/// showing a plan as SQL.
pub fn datafusion_dialect() -> Arc<SourceDialect> {
    Arc::new(SourceDialect::new(SqlDialect::Generic))
}

impl Dialect for SourceDialect {
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.inner.identifier_quote_style(identifier)
    }
    fn use_array_keyword_for_array_literals(&self) -> bool {
        self.inner.use_array_keyword_for_array_literals()
    }
    fn supports_nulls_first_in_sort(&self) -> bool {
        self.inner.supports_nulls_first_in_sort()
    }
    fn use_timestamp_for_date64(&self) -> bool {
        self.inner.use_timestamp_for_date64()
    }
    fn interval_style(&self) -> IntervalStyle {
        self.inner.interval_style()
    }
    fn float64_ast_dtype(&self) -> ast::DataType {
        self.inner.float64_ast_dtype()
    }
    fn utf8_cast_dtype(&self) -> ast::DataType {
        self.inner.utf8_cast_dtype()
    }
    fn large_utf8_cast_dtype(&self) -> ast::DataType {
        self.inner.large_utf8_cast_dtype()
    }
    fn date_field_extract_style(&self) -> DateFieldExtractStyle {
        self.inner.date_field_extract_style()
    }
    fn distinct_from_style(&self) -> DistinctFromStyle {
        self.inner.distinct_from_style()
    }
    fn character_length_style(&self) -> CharacterLengthStyle {
        self.inner.character_length_style()
    }
    fn int64_cast_dtype(&self) -> ast::DataType {
        self.inner.int64_cast_dtype()
    }
    fn int8_cast_dtype(&self) -> ast::DataType {
        self.inner.int8_cast_dtype()
    }
    fn int32_cast_dtype(&self) -> ast::DataType {
        self.inner.int32_cast_dtype()
    }
    fn timestamp_cast_dtype(&self, unit: &TimeUnit, tz: &Option<Arc<str>>) -> ast::DataType {
        self.inner.timestamp_cast_dtype(unit, tz)
    }
    fn date32_cast_dtype(&self) -> ast::DataType {
        self.inner.date32_cast_dtype()
    }
    fn supports_column_alias_in_table_alias(&self) -> bool {
        self.inner.supports_column_alias_in_table_alias()
    }
    fn requires_derived_table_alias(&self) -> bool {
        self.inner.requires_derived_table_alias()
    }
    fn division_operator(&self) -> BinaryOperator {
        self.inner.division_operator()
    }
    fn scalar_function_to_sql_overrides(
        &self,
        unparser: &Unparser,
        func_name: &str,
        args: &[Expr],
    ) -> Result<Option<ast::Expr>> {
        if func_name == "date_trunc"
            && let Some(expr) = self.date_trunc_to_sql(unparser, args)?
        {
            return Ok(Some(expr));
        }
        self.inner
            .scalar_function_to_sql_overrides(unparser, func_name, args)
    }
    fn supports_qualify(&self) -> bool {
        self.inner.supports_qualify()
    }
    fn supports_empty_select_list(&self) -> bool {
        self.inner.supports_empty_select_list()
    }
}

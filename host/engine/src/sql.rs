//! SQL text in and out of the engine: plans unparsed for a source, virtual dataset SQL
//! spliced in as a subquery, and SQL Lab statements checked and limited.

use std::ops::ControlFlow;

use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::sqlparser::ast::{
    Expr as SqlExpr, Ident, LimitClause, ObjectName, ObjectNamePart, Query, SetExpr, Statement,
    TableAlias, TableFactor, Value, Visit, VisitMut, Visitor, VisitorMut,
};
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::unparser::Unparser;

use crate::dialect::SourceDialect;
use crate::error::{EngineError, Result};
use crate::source::{Relation, VIRTUAL_TABLE};

/// The SQL a source runs for `plan`. A virtual dataset's own SQL replaces the
/// placeholder table as a subquery, so the database sees one statement.
pub fn plan_to_source_sql(
    plan: &LogicalPlan,
    dialect: &SourceDialect,
    relation: &Relation,
) -> Result<String> {
    let mut statement = Unparser::new(dialect)
        .plan_to_sql(plan)
        .map_err(|e| EngineError::Execution(e.strip_backtrace()))?;
    if let Relation::Query(sql) = relation {
        let subquery = parse_select(sql, dialect)?;
        let _ = VisitMut::visit(&mut statement, &mut SpliceVirtualTable(Some(subquery)));
    }
    Ok(statement.to_string())
}

/// A virtual dataset's SQL: exactly one read-only query.
pub fn parse_select(sql: &str, dialect: &SourceDialect) -> Result<Box<Query>> {
    let parser = dialect.parser();
    let mut statements = Parser::parse_sql(parser.as_ref(), sql).map_err(|e| {
        EngineError::InvalidSql(format!("The virtual dataset's SQL does not parse: {e}"))
    })?;
    match (statements.pop(), statements.is_empty()) {
        (Some(Statement::Query(query)), true) => Ok(query),
        (Some(_), true) => Err(EngineError::InvalidSql(
            "A virtual dataset's SQL must be a SELECT statement".into(),
        )),
        _ => Err(EngineError::InvalidSql(
            "A virtual dataset's SQL must be exactly one statement".into(),
        )),
    }
}

/// Replaces every reference to the placeholder table with the subquery (each use gets
/// its own copy, e.g. when series limiting joins the dataset with itself).
struct SpliceVirtualTable(Option<Box<Query>>);

impl VisitorMut for SpliceVirtualTable {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor
            && matches!(name.0.last(), Some(ObjectNamePart::Identifier(ident)) if ident.value == VIRTUAL_TABLE)
            && let Some(subquery) = &self.0
        {
            let alias = alias.take().unwrap_or(TableAlias {
                explicit: true,
                name: Ident::new(VIRTUAL_TABLE),
                columns: vec![],
                at: None,
            });
            *factor = TableFactor::Derived {
                lateral: false,
                subquery: subquery.clone(),
                alias: Some(alias),
                sample: None,
            };
        }
        ControlFlow::Continue(())
    }
}

/// SQL Lab's statements, parsed in the database's dialect.
pub fn parse_statements(sql: &str, dialect: &SourceDialect) -> Result<Vec<Statement>> {
    let parser = dialect.parser();
    let statements = Parser::parse_sql(parser.as_ref(), sql)
        .map_err(|e| EngineError::InvalidSql(e.to_string()))?;
    if statements.is_empty() {
        return Err(EngineError::InvalidRequest(
            "The SQL statement is empty".into(),
        ));
    }
    Ok(statements)
}

/// Every table the statements name, in subqueries and CTE bodies too, as its name
/// parts (outermost first, unquoted); a CTE's own name is not a table.
pub fn referenced_tables(statements: &[Statement]) -> Vec<Vec<String>> {
    let mut found = Relations::default();
    for statement in statements {
        let _ = Visit::visit(statement, &mut found);
    }
    let mut tables: Vec<Vec<String>> = found
        .relations
        .into_iter()
        .filter(|parts| !(parts.len() == 1 && found.ctes.contains(&parts[0])))
        .collect();
    tables.sort();
    tables.dedup();
    tables
}

#[derive(Default)]
struct Relations {
    relations: Vec<Vec<String>>,
    ctes: Vec<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
            self.ctes.push(cte.alias.name.value.clone());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<()> {
        let parts = name
            .0
            .iter()
            .map(|part| match part {
                ObjectNamePart::Identifier(ident) => ident.value.clone(),
                other => other.to_string(),
            })
            .collect();
        self.relations.push(parts);
        ControlFlow::Continue(())
    }
}

/// Whether a statement only reads (Superset's `is_mutating` in reverse).
pub fn is_read_only(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Query(_)
            | Statement::Explain { .. }
            | Statement::ExplainTable { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ShowVariable { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowSchemas { .. }
            | Statement::ShowDatabases { .. }
            | Statement::ShowCreate { .. }
    ) && !matches!(statement, Statement::Query(q) if selects_into(q))
}

fn selects_into(query: &Query) -> bool {
    matches!(query.body.as_ref(), SetExpr::Select(select) if select.into.is_some())
}

/// Caps a query's rows at `limit`, keeping a smaller limit the user wrote. Returns
/// whether the cap was applied (Superset's `limitingFactor`).
pub fn apply_limit(statement: &mut Statement, limit: u64) -> bool {
    let Statement::Query(query) = statement else {
        return false;
    };
    let written = match &query.limit_clause {
        Some(LimitClause::LimitOffset {
            limit: Some(SqlExpr::Value(v)),
            ..
        }) => match &v.value {
            Value::Number(n, _) => n.parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    if written.is_some_and(|w| w <= limit) {
        return false;
    }
    let cap = SqlExpr::value(Value::Number(limit.to_string(), false));
    match &mut query.limit_clause {
        Some(LimitClause::LimitOffset { limit, .. }) => *limit = Some(cap),
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => *limit = cap,
        None => {
            query.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(cap),
                offset: None,
                limit_by: vec![],
            })
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_plugin_host::SqlDialect;

    fn tables(sql: &str) -> Vec<Vec<String>> {
        let statements =
            parse_statements(sql, &SourceDialect::new(SqlDialect::Postgresql)).unwrap();
        referenced_tables(&statements)
    }

    #[test]
    fn finds_tables_in_subqueries_and_cte_bodies_but_not_cte_names() {
        assert_eq!(
            tables(
                "WITH x AS (SELECT * FROM hidden) SELECT * FROM main.sales s \
                 JOIN x ON x.id = s.id WHERE s.id IN (SELECT id FROM other)"
            ),
            [vec!["hidden"], vec!["main", "sales"], vec!["other"]]
        );
        assert_eq!(tables("SELECT 1"), Vec::<Vec<String>>::new());
        assert_eq!(
            tables("INSERT INTO t SELECT * FROM u"),
            [vec!["t"], vec!["u"]]
        );
    }
}

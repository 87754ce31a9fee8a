//! Embedded dashboards and row-level security: what a guest may open and which rows
//! anyone may see.

use crate::{Audit, Role};
use uuid::Uuid;

/// A dashboard opened for embedding: the uuid the embed SDK and guest tokens name it by.
#[derive(Debug, Clone)]
pub struct EmbeddedDashboard {
    pub uuid: Uuid,
    pub dashboard_id: i64,
    /// Origins that may frame it; empty means any.
    pub allowed_domains: Vec<String>,
    pub audit: Audit,
}

/// Superset's two kinds of row-level security filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RlsFilterType {
    /// Applies to members of the filter's roles.
    Regular,
    /// Applies to everyone except members of the filter's roles.
    Base,
}

impl RlsFilterType {
    pub fn as_str(self) -> &'static str {
        match self {
            RlsFilterType::Regular => "Regular",
            RlsFilterType::Base => "Base",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Regular" => Some(RlsFilterType::Regular),
            "Base" => Some(RlsFilterType::Base),
            _ => None,
        }
    }
}

/// The columns of a row-level security filter a client may write.
#[derive(Debug, Clone, PartialEq)]
pub struct RlsFilterValues {
    pub name: String,
    pub description: Option<String>,
    pub filter_type: RlsFilterType,
    /// Filters sharing a key are ORed together; different keys are ANDed.
    pub group_key: Option<String>,
    /// A SQL boolean expression over the dataset's columns.
    pub clause: String,
    pub table_ids: Vec<i64>,
    pub role_ids: Vec<i64>,
}

/// A dataset a filter applies to, as the API shows it.
#[derive(Debug, Clone)]
pub struct RlsTable {
    pub id: i64,
    pub schema: Option<String>,
    pub table_name: String,
}

#[derive(Debug, Clone)]
pub struct RlsFilter {
    pub id: i64,
    pub values: RlsFilterValues,
    pub tables: Vec<RlsTable>,
    pub roles: Vec<Role>,
    pub audit: Audit,
}

/// One clause to add to a query, with the key it is grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RlsClause {
    pub group_key: Option<String>,
    pub clause: String,
}

/// The predicate the clauses make, as SQL: clauses sharing a group key are ORed, the
/// groups (and every clause without a key) are ANDed. Each clause is parenthesised so
/// none can change the precedence of another. `None` when there is nothing to add.
pub fn rls_predicate(clauses: &[RlsClause]) -> Option<String> {
    let mut groups: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
    for c in clauses {
        let key = c.group_key.as_deref().filter(|k| !k.is_empty());
        match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, members)) => members.push(&c.clause),
            None => groups.push((key, vec![&c.clause])),
        }
    }
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(_, members)| {
            let ored: Vec<String> = members.iter().map(|m| format!("({m})")).collect();
            format!("({})", ored.join(" OR "))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(key: Option<&str>, sql: &str) -> RlsClause {
        RlsClause {
            group_key: key.map(str::to_owned),
            clause: sql.to_owned(),
        }
    }

    #[test]
    fn groups_or_within_and_between() {
        let clauses = [
            clause(Some("region"), "region = 'North'"),
            clause(None, "year > 2000"),
            clause(Some("region"), "region = 'South'"),
            clause(None, "1 = 1"),
        ];
        assert_eq!(
            rls_predicate(&clauses).unwrap(),
            "((region = 'North') OR (region = 'South')) AND ((year > 2000)) AND ((1 = 1))"
        );
        assert_eq!(rls_predicate(&[]), None);
    }
}

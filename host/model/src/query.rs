//! SQL Lab's query history: one [`Query`] per statement batch a user ran, from the
//! moment it is accepted until it succeeds, fails or is stopped.

use crate::{Timestamp, UserRef};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// Superset's `QueryStatus`, stored as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryStatus {
    #[default]
    Pending,
    Running,
    Success,
    Failed,
    Stopped,
    TimedOut,
    Scheduled,
    Fetching,
}

impl QueryStatus {
    pub const ALL: [QueryStatus; 8] = [
        QueryStatus::Pending,
        QueryStatus::Running,
        QueryStatus::Success,
        QueryStatus::Failed,
        QueryStatus::Stopped,
        QueryStatus::TimedOut,
        QueryStatus::Scheduled,
        QueryStatus::Fetching,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueryStatus::Pending => "pending",
            QueryStatus::Running => "running",
            QueryStatus::Success => "success",
            QueryStatus::Failed => "failed",
            QueryStatus::Stopped => "stopped",
            QueryStatus::TimedOut => "timed_out",
            QueryStatus::Scheduled => "scheduled",
            QueryStatus::Fetching => "fetching",
        }
    }

    /// Whether the query has stopped for good (nothing will change it any more).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            QueryStatus::Success
                | QueryStatus::Failed
                | QueryStatus::Stopped
                | QueryStatus::TimedOut
        )
    }
}

/// Superset's `LimitingFactor`: what capped the rows a query returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LimitingFactor {
    Query,
    Dropdown,
    QueryAndDropdown,
    NotLimited,
    #[default]
    Unknown,
}

impl LimitingFactor {
    pub const ALL: [LimitingFactor; 5] = [
        LimitingFactor::Query,
        LimitingFactor::Dropdown,
        LimitingFactor::QueryAndDropdown,
        LimitingFactor::NotLimited,
        LimitingFactor::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LimitingFactor::Query => "QUERY",
            LimitingFactor::Dropdown => "DROPDOWN",
            LimitingFactor::QueryAndDropdown => "QUERY_AND_DROPDOWN",
            LimitingFactor::NotLimited => "NOT_LIMITED",
            LimitingFactor::Unknown => "UNKNOWN",
        }
    }
}

/// What a CREATE ... AS SELECT query creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CtasMethod {
    #[default]
    Table,
    View,
}

impl CtasMethod {
    pub const ALL: [CtasMethod; 2] = [CtasMethod::Table, CtasMethod::View];

    pub fn as_str(self) -> &'static str {
        match self {
            CtasMethod::Table => "TABLE",
            CtasMethod::View => "VIEW",
        }
    }
}

/// A stored name that matches none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown value {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

/// `FromStr` for the enums above: each parses exactly the names `as_str` gives.
macro_rules! parse_by_name {
    ($($ty:ty),*) => {$(
        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(name: &str) -> Result<Self, UnknownName> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == name)
                    .ok_or_else(|| UnknownName(name.to_string()))
            }
        }
    )*};
}
parse_by_name!(QueryStatus, LimitingFactor, CtasMethod);

/// What SQL Lab knows when it accepts a query.
#[derive(Debug, Clone)]
pub struct NewQuery {
    /// The client's id for the query (unique; the key for polling, stop and export).
    pub client_id: String,
    pub database_id: i64,
    pub user_id: Option<i64>,
    pub sql: String,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub tab_name: Option<String>,
    pub sql_editor_id: Option<String>,
    pub limit: Option<i64>,
    pub limiting_factor: LimitingFactor,
    pub select_as_cta: bool,
    pub ctas_method: CtasMethod,
    pub tmp_table_name: Option<String>,
    pub tmp_schema_name: Option<String>,
    pub status: QueryStatus,
    pub start_time: Timestamp,
}

impl NewQuery {
    /// A pending query started now; set the other fields as needed.
    pub fn new(client_id: &str, database_id: i64, user_id: Option<i64>, sql: &str) -> Self {
        NewQuery {
            client_id: client_id.to_string(),
            database_id,
            user_id,
            sql: sql.to_string(),
            catalog: None,
            schema: None,
            tab_name: None,
            sql_editor_id: None,
            limit: None,
            limiting_factor: LimitingFactor::Unknown,
            select_as_cta: false,
            ctas_method: CtasMethod::Table,
            tmp_table_name: None,
            tmp_schema_name: None,
            status: QueryStatus::Pending,
            start_time: Timestamp::now(),
        }
    }
}

/// A change to a stored query: only the fields that are `Some` are written.
#[derive(Debug, Clone, Default)]
pub struct QueryUpdate {
    pub status: Option<QueryStatus>,
    pub start_running_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub end_result_backend_time: Option<Timestamp>,
    pub select_sql: Option<String>,
    pub executed_sql: Option<String>,
    pub limit: Option<i64>,
    pub limiting_factor: Option<LimitingFactor>,
    pub select_as_cta_used: Option<bool>,
    pub progress: Option<i64>,
    pub rows: Option<i64>,
    pub error_message: Option<String>,
    pub results_key: Option<String>,
    pub tracking_url: Option<String>,
    /// Replaces the whole `extra_json` (a JSON object as text).
    pub extra_json: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub id: i64,
    pub client_id: String,
    pub database_id: i64,
    /// The database's name; `None` only if it vanished under a running query.
    pub database_name: Option<String>,
    pub user_id: Option<i64>,
    pub user: Option<UserRef>,
    pub status: QueryStatus,
    pub tab_name: Option<String>,
    pub sql_editor_id: Option<String>,
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub sql: String,
    pub select_sql: Option<String>,
    pub executed_sql: Option<String>,
    pub limit: Option<i64>,
    pub limiting_factor: LimitingFactor,
    pub select_as_cta: bool,
    pub select_as_cta_used: bool,
    pub ctas_method: CtasMethod,
    pub tmp_table_name: Option<String>,
    pub tmp_schema_name: Option<String>,
    pub progress: i64,
    pub rows: Option<i64>,
    pub error_message: Option<String>,
    pub results_key: Option<String>,
    pub start_time: Option<Timestamp>,
    pub start_running_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub end_result_backend_time: Option<Timestamp>,
    pub tracking_url: Option<String>,
    pub extra_json: Option<String>,
    pub changed_on: Timestamp,
}

impl Query {
    /// `extra_json` parsed; `{}` when it is absent or not a JSON object (as Superset's
    /// `ExtraJSONMixin.extra`).
    pub fn extra(&self) -> Map<String, Value> {
        json_object(self.extra_json.as_deref())
    }
}

/// A JSON object stored as text, or an empty object when the text is absent or holds
/// something else.
pub fn json_object(text: Option<&str>) -> Map<String, Value> {
    match text.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    }
}

/// Superset's `user_label`: "First Last", or the username when a name part is empty.
pub fn user_label(user: &UserRef) -> String {
    if user.first_name.is_empty() || user.last_name.is_empty() {
        user.username.clone()
    } else {
        user.full_name()
    }
}

/// A table a query reads, as Superset's `sql_tables` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableName {
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub table: String,
}

/// The tables the `SELECT` (or `WITH`) statements of `sql` read: the names after `FROM`
/// and `JOIN`, without subqueries, table functions and the statement's own CTEs. A
/// lexical scan, not a parser: enough to label a query in history lists. Other
/// statements (DML, DDL) list nothing, as Superset's history shows them.
pub fn sql_tables(sql: &str) -> Vec<TableName> {
    let mut tables = vec![];
    for statement in sql_lexer::tokens(sql).split(|t| t.is_punct(';')) {
        let Some(first) = statement.first() else {
            continue;
        };
        if !(first.is_keyword("select") || first.is_keyword("with")) {
            continue;
        }
        let ctes: Vec<&str> = statement
            .windows(3)
            .filter(|w| w[1].is_keyword("as") && w[2].is_punct('('))
            .filter_map(|w| w[0].name())
            .collect();
        let mut i = 0;
        while i < statement.len() {
            let starts_list = statement[i].is_keyword("from") || statement[i].is_keyword("join");
            i += 1;
            if !starts_list {
                continue;
            }
            // `FROM a, b AS x, c y`: one name per comma-separated item.
            loop {
                let (name, next) = dotted_name(statement, i);
                i = next;
                let is_function = statement.get(i).is_some_and(|t| t.is_punct('('));
                if let Some(table) = name.filter(|n| !is_function && !is_cte(n, &ctes)) {
                    tables.push(table);
                }
                if statement.get(i).is_some_and(|t| t.is_keyword("as")) {
                    i += 1;
                }
                if statement
                    .get(i)
                    .is_some_and(|t| t.name().is_some() && !t.is_clause())
                {
                    i += 1;
                }
                if !statement.get(i).is_some_and(|t| t.is_punct(',')) {
                    break;
                }
                i += 1;
            }
        }
    }
    tables.sort();
    tables.dedup();
    tables
}

fn is_cte(name: &TableName, ctes: &[&str]) -> bool {
    name.schema.is_none() && ctes.iter().any(|c| c.eq_ignore_ascii_case(&name.table))
}

/// `a`, `a.b` or `a.b.c` starting at `tokens[i]`, and the index after it.
fn dotted_name(tokens: &[sql_lexer::Token], mut i: usize) -> (Option<TableName>, usize) {
    let mut parts = vec![];
    while let Some(part) = tokens.get(i).and_then(|t| t.name()) {
        parts.push(part.to_string());
        i += 1;
        if !tokens.get(i).is_some_and(|t| t.is_punct('.')) {
            break;
        }
        i += 1;
    }
    let table = match parts.len() {
        1 => TableName {
            catalog: None,
            schema: None,
            table: parts.remove(0),
        },
        2 => TableName {
            catalog: None,
            schema: Some(parts.remove(0)),
            table: parts.remove(0),
        },
        3 => TableName {
            catalog: Some(parts.remove(0)),
            schema: Some(parts.remove(0)),
            table: parts.remove(0),
        },
        _ => return (None, i),
    };
    (Some(table), i)
}

mod sql_lexer {
    //! Splits SQL into names and punctuation, dropping comments and string literals.

    pub enum Token {
        /// A bare word (keyword or name) or a quoted name (`"x"`, `` `x` ``, `[x]`).
        Word {
            text: String,
            quoted: bool,
        },
        Punct(char),
    }

    /// Words that end a table item instead of being its alias.
    const CLAUSES: &[&str] = &[
        "where",
        "join",
        "inner",
        "left",
        "right",
        "full",
        "cross",
        "outer",
        "natural",
        "on",
        "using",
        "group",
        "order",
        "having",
        "limit",
        "offset",
        "union",
        "intersect",
        "except",
        "window",
        "qualify",
        "fetch",
        "for",
        "lateral",
    ];

    impl Token {
        pub fn is_keyword(&self, keyword: &str) -> bool {
            matches!(self, Token::Word { text, quoted: false } if text.eq_ignore_ascii_case(keyword))
        }

        pub fn is_punct(&self, c: char) -> bool {
            matches!(self, Token::Punct(p) if *p == c)
        }

        pub fn is_clause(&self) -> bool {
            CLAUSES.iter().any(|k| self.is_keyword(k))
        }

        pub fn name(&self) -> Option<&str> {
            match self {
                Token::Word { text, .. } => Some(text),
                Token::Punct(_) => None,
            }
        }
    }

    pub fn tokens(sql: &str) -> Vec<Token> {
        let chars: Vec<char> = sql.chars().collect();
        let mut out = vec![];
        let mut i = 0;
        let until = |from: usize, end: &str| -> usize {
            let end: Vec<char> = end.chars().collect();
            (from..chars.len())
                .find(|&j| chars[j..].starts_with(&end))
                .map_or(chars.len(), |j| j + end.len())
        };
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match c {
                '-' if next == Some('-') => i = until(i, "\n"),
                '/' if next == Some('*') => i = until(i + 2, "*/"),
                '\'' => i = until(i + 1, "'"),
                '"' | '`' | '[' => {
                    let close = match c {
                        '[' => ']',
                        other => other,
                    };
                    let end = until(i + 1, &close.to_string());
                    let text: String = chars[i + 1..end.saturating_sub(1).max(i + 1)]
                        .iter()
                        .collect();
                    out.push(Token::Word { text, quoted: true });
                    i = end;
                }
                c if c.is_alphanumeric() || c == '_' => {
                    let start = i;
                    while i < chars.len()
                        && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                    {
                        i += 1;
                    }
                    out.push(Token::Word {
                        text: chars[start..i].iter().collect(),
                        quoted: false,
                    });
                }
                c if c.is_whitespace() => i += 1,
                c => {
                    out.push(Token::Punct(c));
                    i += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_names() {
        for status in QueryStatus::ALL {
            assert_eq!(status.as_str().parse::<QueryStatus>(), Ok(status));
        }
        for factor in LimitingFactor::ALL {
            assert_eq!(factor.as_str().parse::<LimitingFactor>(), Ok(factor));
        }
        assert_eq!("VIEW".parse::<CtasMethod>(), Ok(CtasMethod::View));
        assert!("done".parse::<QueryStatus>().is_err());
    }

    #[test]
    fn extra_is_an_object_or_empty() {
        assert_eq!(
            json_object(Some(r#"{"progress": null}"#)).get("progress"),
            Some(&Value::Null)
        );
        assert!(json_object(Some("[1]")).is_empty());
        assert!(json_object(Some("not json")).is_empty());
        assert!(json_object(None).is_empty());
    }

    #[test]
    fn lists_the_tables_a_select_reads() {
        let names = |sql: &str| -> Vec<String> {
            sql_tables(sql)
                .into_iter()
                .map(|t| match (t.catalog, t.schema) {
                    (Some(c), Some(s)) => format!("{c}.{s}.{}", t.table),
                    (None, Some(s)) => format!("{s}.{}", t.table),
                    _ => t.table,
                })
                .collect()
        };
        assert_eq!(names("SELECT * FROM sales"), ["sales"]);
        assert_eq!(
            names("select a from main.sales s join \"Other Table\" o on s.id = o.id"),
            ["Other Table", "main.sales"]
        );
        assert_eq!(
            names("SELECT * FROM a, c.d.e AS x, f y WHERE 1"),
            ["a", "f", "c.d.e"]
        );
        assert_eq!(
            names("WITH t AS (SELECT 1 FROM base) SELECT * FROM t, (SELECT 2 FROM inner_t) x"),
            ["base", "inner_t"]
        );
        assert_eq!(
            names("SELECT 'from x' -- from y\n FROM generate_series(1, 3) /* from z */"),
            Vec::<String>::new()
        );
        assert!(names("DELETE FROM sales").is_empty());
        assert_eq!(
            names("SELECT 1; SELECT * FROM a LEFT JOIN b USING (id)"),
            ["a", "b"]
        );
    }
}

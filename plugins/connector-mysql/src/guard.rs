//! The statement filter used when DML is not allowed. The session is also read-only
//! at the database; this catches DDL and SET, which a read-only transaction allows.

/// Statements a read-only connection may run, by first keyword.
const READ_KEYWORDS: &[&str] = &[
    "SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "VALUES", "TABLE",
];

/// Whether `sql` starts with a read-only keyword, after comments and parentheses.
pub fn is_read_only(sql: &str) -> bool {
    let keyword: String = skip_noise(sql)
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    READ_KEYWORDS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&keyword))
}

/// `sql` without leading whitespace, `(`, and comments. Executable comments
/// (`/*! ... */`, `/*M! ... */`) are not skipped: the server runs their content.
fn skip_noise(mut sql: &str) -> &str {
    loop {
        let trimmed = sql.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        sql = if let Some(rest) = trimmed.strip_prefix("/*") {
            if rest.starts_with('!') || rest.starts_with("M!") {
                return trimmed;
            }
            rest.split_once("*/").map_or("", |(_, after)| after)
        } else if trimmed.starts_with('#') || is_dash_comment(trimmed) {
            trimmed.split_once('\n').map_or("", |(_, after)| after)
        } else {
            return trimmed;
        };
    }
}

/// MySQL's `--` comment needs whitespace (or the end) after the dashes.
fn is_dash_comment(sql: &str) -> bool {
    sql.strip_prefix("--")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::is_read_only;

    #[test]
    fn first_keyword() {
        assert!(is_read_only("  select 1"));
        assert!(is_read_only("/* hi */ (SELECT 1) UNION (SELECT 2)"));
        assert!(is_read_only("-- c\nWITH x AS (SELECT 1) SELECT * FROM x"));
        assert!(is_read_only("# c\nshow tables"));
        assert!(!is_read_only("INSERT INTO t VALUES (1)"));
        assert!(!is_read_only("/*! DROP TABLE t */"));
        assert!(!is_read_only("SELECTX"));
        assert!(!is_read_only("SET SESSION TRANSACTION READ WRITE"));
        assert!(!is_read_only(""));
    }
}

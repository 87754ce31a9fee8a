//! Superset's protection against formula injection, and CSV quoting as Python's csv
//! module does it with pandas' settings (`QUOTE_MINIMAL`, `escapechar="\\"`).

use std::borrow::Cow;

/// Superset's `escape_value`: a value that a spreadsheet would run as a formula
/// (starting with `-`, `@`, `+`, `|`, `=` or `%`, possibly after spaces or two double
/// quotes) gets a leading `'` and its pipes escaped, unless it is a negative number.
pub fn escape_formula(value: &str) -> Cow<'_, str> {
    if !starts_like_formula(value) || is_negative_number(value) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(format!("'{}", value.replace('|', "\\|")))
}

fn is_trigger(c: char) -> bool {
    matches!(c, '-' | '@' | '+' | '|' | '=' | '%')
}

/// Python's `\s`: Unicode white space, which includes the separators \x1c-\x1f.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `^(?:"{2}|\s{1,})(?=[\-@+|=%])|^[\-@+|=%]`
fn starts_like_formula(value: &str) -> bool {
    let after_prefix = value
        .strip_prefix("\"\"")
        .or_else(|| {
            let trimmed = value.trim_start_matches(is_python_space);
            (trimmed.len() < value.len()).then_some(trimmed)
        })
        .unwrap_or(value);
    after_prefix.chars().next().is_some_and(is_trigger)
}

/// `^-[0-9.]+$`, where Python's `$` also matches before a final newline.
fn is_negative_number(value: &str) -> bool {
    let value = value.strip_suffix('\n').unwrap_or(value);
    value.strip_prefix('-').is_some_and(|digits| {
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    })
}

/// Appends one field: quoted when it holds a comma, a double quote or a line break,
/// with double quotes doubled and backslashes (the escape character) escaped.
///
/// Python 3.11, which Superset runs on, leaves a lone `\r` unquoted; it is quoted here,
/// as newer Pythons and RFC 4180 do, since readers take a bare `\r` for a line end.
pub fn push_field(out: &mut String, field: &str) {
    let quoted = field.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if field.contains(['"', '\\']) {
        for c in field.chars() {
            match c {
                '"' => out.push_str("\"\""),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
    } else {
        out.push_str(field);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_formulas_as_superset() {
        let cases = [
            ("=1+1", "'=1+1"),
            ("-2", "-2"),
            ("-1.5", "-1.5"),
            ("-1e5", "'-1e5"),
            ("-", "'-"),
            ("@a|b", "'@a\\|b"),
            ("|p", "'\\|p"),
            (" +x", "' +x"),
            ("\t=x", "'\t=x"),
            ("\"\"=y", "'\"\"=y"),
            ("\"\"\"=y", "\"\"\"=y"),
            ("%z", "'%z"),
            ("ok", "ok"),
            ("a=b", "a=b"),
            ("  ", "  "),
            ("", ""),
            ("=cmd|' /C calc'!A0", "'=cmd\\|' /C calc'!A0"),
        ];
        for (value, expected) in cases {
            assert_eq!(escape_formula(value), expected, "{value:?}");
        }
    }

    #[test]
    fn quotes_minimally() {
        let field = |s| {
            let mut out = String::new();
            push_field(&mut out, s);
            out
        };
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\r"), "\"cr\r\"");
        assert_eq!(field("a\\b"), "a\\\\b");
        assert_eq!(field("a\\\"b"), "\"a\\\\\"\"b\"");
        assert_eq!(field(" lead"), " lead");
        assert_eq!(field("é ünïcødé 🦀"), "é ünïcødé 🦀");
    }
}

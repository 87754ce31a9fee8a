use super::*;
use serde_json::json;

fn ok(text: &str) -> Value {
    parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn err(text: &str) -> RisonError {
    match parse(text) {
        Ok(v) => panic!("{text:?} should fail, got {v}"),
        Err(e) => e,
    }
}

const SUPERSET_LIST: &str = "(filters:!((col:slice_name,opr:chart_all_text,value:sales)),\
order_column:changed_on_delta_humanized,order_direction:desc,page:0,page_size:25)";

#[test]
fn superset_examples() {
    assert_eq!(
        ok(SUPERSET_LIST),
        json!({
            "filters": [{"col": "slice_name", "opr": "chart_all_text", "value": "sales"}],
            "order_column": "changed_on_delta_humanized",
            "order_direction": "desc",
            "page": 0,
            "page_size": 25
        })
    );
    assert_eq!(ok("!(1,2,3)"), json!([1, 2, 3]));
    assert_eq!(
        ok("(filters:!((col:viz_type,opr:in,value:!(table,pie))))"),
        json!({"filters": [{"col": "viz_type", "opr": "in", "value": ["table", "pie"]}]})
    );
    assert_eq!(ok("'it!'s'"), json!("it's"));
    assert_eq!(ok("(a:'2024-01-01')"), json!({"a": "2024-01-01"}));
    assert_eq!(ok("(keys:!(none))"), json!({"keys": ["none"]}));
}

#[test]
fn literals_and_containers() {
    assert_eq!(ok("!t"), json!(true));
    assert_eq!(ok("!f"), json!(false));
    assert_eq!(ok("!n"), json!(null));
    assert_eq!(ok("()"), json!({}));
    assert_eq!(ok("!()"), json!([]));
    assert_eq!(ok("!(!t,!f,!n)"), json!([true, false, null]));
    assert_eq!(ok("!(!(),(),'')"), json!([[], {}, ""]));
    assert_eq!(ok("(a:(b:!(c)))"), json!({"a": {"b": ["c"]}}));
}

#[test]
fn numbers() {
    assert_eq!(ok("0"), json!(0));
    assert_eq!(ok("12"), json!(12));
    assert_eq!(ok("-7"), json!(-7));
    assert_eq!(ok("-0"), json!(0));
    assert_eq!(ok("007"), json!(7)); // Python int() accepts leading zeros
    assert_eq!(ok("1.25"), json!(1.25));
    assert_eq!(ok("-1.5e3"), json!(-1500.0));
    assert_eq!(ok("1e5"), json!(100000.0)); // 'e' makes it a float
    assert_eq!(ok("1e-3"), json!(0.001));
    assert_eq!(ok("1.5E3"), json!(1500.0));
    assert_eq!(ok("1."), json!(1.0));
    assert_eq!(ok("-.5"), json!(-0.5));
    assert_eq!(ok("1.e2"), json!(100.0));
    assert!(ok("12").is_i64());
    assert!(ok("1.0").is_f64());
    assert_eq!(ok("9223372036854775807"), json!(i64::MAX));
    assert_eq!(ok("-9223372036854775808"), json!(i64::MIN));
    assert_eq!(ok("18446744073709551615"), json!(u64::MAX));
    assert_eq!(ok("!(1,-2.5,3)"), json!([1, -2.5, 3]));
}

#[test]
fn bad_numbers() {
    for text in [
        "-",
        "-a",
        "1e",
        "1e-",
        "--1",
        "1-",
        "1-2",
        "1.5-",
        "-.",
        "-e5",
        "1E5", // prison sends this to int(), which rejects it
        "18446744073709551616",
        "1e999",
    ] {
        assert!(
            matches!(err(text), RisonError::InvalidNumber { at: 0, .. }),
            "{text}"
        );
    }
    // The scan stops where prison's does; what follows is left over.
    assert_eq!(
        err("1.5.3"),
        RisonError::UnexpectedChar {
            at: 3,
            found: '.',
            expected: "end of input"
        }
    );
    assert_eq!(err("12abc").offset(), 2, "a number cannot run into an id");
    assert_eq!(
        err("!(1,-)"),
        RisonError::InvalidNumber {
            at: 4,
            text: "-".into()
        }
    );
}

#[test]
fn strings() {
    assert_eq!(ok("''"), json!(""));
    assert_eq!(ok("'hello world'"), json!("hello world"));
    assert_eq!(ok("'!!'"), json!("!"));
    assert_eq!(ok("'!'!!!''"), json!("'!'"));
    assert_eq!(ok("'(a:1,b:!!t)'"), json!("(a:1,b:!t)"));
    assert_eq!(err("'!t'"), RisonError::InvalidEscape { at: 1, found: 't' });
    assert_eq!(ok("'tab\there\n'"), json!("tab\there\n"));
    assert_eq!(ok("'héllo 日本'"), json!("héllo 日本"));
    assert_eq!(
        err("'a!x'"),
        RisonError::InvalidEscape { at: 2, found: 'x' }
    );
    assert_eq!(
        err("'abc"),
        RisonError::UnexpectedEnd {
            at: 4,
            expected: "closing '"
        }
    );
    assert!(matches!(
        err("'abc!"),
        RisonError::UnexpectedEnd { at: 5, .. }
    ));
    assert!(matches!(err("'"), RisonError::UnexpectedEnd { at: 1, .. }));
}

#[test]
fn ids() {
    for id in [
        "a", "abc", "_x", "a-b", "a.b", "a/b", "~x", "%20", "a+b", "x1", "T00.5-x", "héllo",
        "日本", "\u{7f}", "a\u{a0}b", // prison allows every non-ASCII character, even NBSP
    ] {
        assert_eq!(ok(id), json!(id), "{id:?}");
    }
    assert_eq!(ok("(%:+)"), json!({"%": "+"}));
    // Characters outside the id set end the id, leaving garbage.
    for (text, at) in [("a*b", 1), ("a@b", 1), ("a$", 1), ("a&b", 1), ("a=b", 1)] {
        assert_eq!(err(text).offset(), at, "{text}");
    }
    for text in [
        "*", "@", "$", "\"a\"", "#", "&", "=", ";", "?", "[", "{", "\\",
    ] {
        assert!(
            matches!(
                err(text),
                RisonError::UnexpectedChar {
                    at: 0,
                    expected: "a value",
                    ..
                }
            ),
            "{text}"
        );
    }
}

#[test]
fn objects() {
    assert_eq!(ok("(a:1,a:2)"), json!({"a": 2}));
    assert_eq!(ok("('a b':1,'':x)"), json!({"a b": 1, "": "x"}));
    assert_eq!(ok("(a:'',b:())"), json!({"a": "", "b": {}}));
    // Non-string keys have no JSON form.
    for text in ["(1:2)", "(-a:1)", "(!t:1)", "(():1)"] {
        assert!(
            matches!(
                err(text),
                RisonError::UnexpectedChar {
                    at: 1,
                    expected: "an object key",
                    ..
                }
            ),
            "{text}"
        );
    }
    assert_eq!(
        err("(a)"),
        RisonError::UnexpectedChar {
            at: 2,
            found: ')',
            expected: "':'"
        }
    );
    assert_eq!(err("(a:)").offset(), 3);
    assert_eq!(err("(a:1,)").offset(), 5);
    assert_eq!(err("(,a:1)").offset(), 1);
    assert_eq!(
        err("(a:1 b:2)"),
        RisonError::UnexpectedChar {
            at: 4,
            found: ' ',
            expected: "',' or ')'"
        }
    );
}

#[test]
fn required_errors() {
    assert_eq!(
        err("(page:0,,page_size:5)"),
        RisonError::UnexpectedChar {
            at: 8,
            found: ',',
            expected: "an object key"
        }
    );
    assert_eq!(
        err("(page:0,page_size:"),
        RisonError::UnexpectedEnd {
            at: 18,
            expected: "a value"
        }
    );
    assert_eq!(
        err("!(1,2"),
        RisonError::UnexpectedEnd {
            at: 5,
            expected: "',' or ')'"
        }
    );
    assert!(matches!(
        err("'abc"),
        RisonError::UnexpectedEnd { at: 4, .. }
    ));
    assert_eq!(
        err("(a:1)x"),
        RisonError::UnexpectedChar {
            at: 5,
            found: 'x',
            expected: "end of input"
        }
    );
    assert_eq!(err("!x"), RisonError::UnknownLiteral { at: 0, found: 'x' });
    assert_eq!(
        err(""),
        RisonError::UnexpectedEnd {
            at: 0,
            expected: "a value"
        }
    );
}

#[test]
fn bangs() {
    assert!(matches!(err("!"), RisonError::UnexpectedEnd { at: 1, .. }));
    assert_eq!(err("!T"), RisonError::UnknownLiteral { at: 0, found: 'T' });
    assert_eq!(
        err("(a:!)"),
        RisonError::UnknownLiteral { at: 3, found: ')' }
    );
    assert_eq!(err("!(,1)").offset(), 2);
    assert_eq!(err("!(1,)").offset(), 4);
    assert_eq!(err("!(1 )").offset(), 3);
}

#[test]
fn whitespace_is_never_skipped() {
    for text in [
        " 1", "1 ", "( a:1)", "(a :1)", "(a: 1)", "!( 1)", "\n()", "()\t",
    ] {
        assert!(
            matches!(err(text), RisonError::UnexpectedChar { .. }),
            "{text:?}"
        );
    }
}

#[test]
fn offsets_are_bytes() {
    // '(' 0, '\'' 1, 'é' 2..4, '\'' 4, ':' 5, '!' 6
    assert_eq!(
        err("('é':!x)"),
        RisonError::UnknownLiteral { at: 6, found: 'x' }
    );
    assert_eq!(
        err("(日本:1"),
        RisonError::UnexpectedEnd {
            at: 9,
            expected: "',' or ')'"
        }
    );
}

#[test]
fn nesting_limit() {
    let arrays = |n: usize| format!("{}{}", "!(".repeat(n), ")".repeat(n));
    assert!(ok(&arrays(MAX_DEPTH)).is_array());
    assert_eq!(
        err(&arrays(MAX_DEPTH + 1)),
        RisonError::TooDeep { at: 2 * MAX_DEPTH }
    );
    let objects = |n: usize| format!("{}1{}", "(a:".repeat(n), ")".repeat(n));
    assert!(ok(&objects(MAX_DEPTH)).is_object());
    assert!(matches!(
        err(&objects(MAX_DEPTH + 1)),
        RisonError::TooDeep { .. }
    ));
    // Far too deep, and unterminated: must fail cleanly, not overflow the stack.
    assert!(matches!(
        err(&"!(".repeat(1000)),
        RisonError::TooDeep { .. }
    ));
    assert!(matches!(
        err(&"(a:".repeat(1000)),
        RisonError::TooDeep { .. }
    ));
    assert!(matches!(err(&arrays(1000)), RisonError::TooDeep { .. }));
}

#[test]
fn every_truncation_fails() {
    for (end, _) in SUPERSET_LIST.char_indices() {
        assert!(parse(&SUPERSET_LIST[..end]).is_err(), "prefix {end}");
    }
    let nested = "(a:!('x!'y',(b:-1.5e3)),c:!t)";
    for (end, _) in nested.char_indices() {
        assert!(parse(&nested[..end]).is_err(), "prefix {end}");
    }
}

#[test]
fn error_messages_say_what_and_where() {
    assert_eq!(
        err("(page:0,,page_size:5)").to_string(),
        "unexpected character ',' at byte 8, expected an object key"
    );
    assert_eq!(
        err("!(1,2").to_string(),
        "unexpected end of input at byte 5, expected ',' or ')'"
    );
    assert_eq!(err("1e").to_string(), "invalid number \"1e\" at byte 0");
}

#[test]
fn parse_q_prefers_rison_then_json() {
    assert_eq!(
        parse_q(r#"{"page":0,"page_size":1}"#).unwrap(),
        json!({"page": 0, "page_size": 1})
    );
    assert_eq!(parse_q("[1, 2]").unwrap(), json!([1, 2]));
    assert_eq!(parse_q("(page:0)").unwrap(), json!({"page": 0}));
    assert_eq!(parse_q("!(a,!t)").unwrap(), json!(["a", true]));
    // Neither Rison nor JSON: the Rison error is the one reported.
    assert_eq!(parse_q("(page:0,,x:1)").unwrap_err(), err("(page:0,,x:1)"));
    assert_eq!(parse_q("").unwrap_err(), err(""));
}

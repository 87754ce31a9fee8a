use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};

use super::*;

/// Wednesday 15 May 2024, mid-afternoon.
fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 5, 15)
        .unwrap()
        .and_hms_micro_opt(13, 45, 30, 123_456)
        .unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| {
            NaiveDateTime::parse_from_str(&format!("{text} 00:00:00"), "%Y-%m-%d %H:%M:%S")
        })
        .unwrap()
}

fn bounds(range: &str) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    bounds_relative(range, Relative::Today, Relative::Today)
}

fn bounds_relative(
    range: &str,
    start: Relative,
    end: Relative,
) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    let b = parse_time_range(range, now(), start, end).unwrap_or_else(|e| panic!("{range:?}: {e}"));
    (b.since, b.until)
}

fn assert_range(range: &str, since: &str, until: &str) {
    assert_eq!(bounds(range), (Some(at(since)), Some(at(until))), "{range}");
}

fn error(range: &str) -> TimeRangeError {
    parse_time_range(range, now(), Relative::Today, Relative::Today).expect_err(range)
}

#[test]
fn no_filter_and_empty_have_no_bounds() {
    for range in ["No filter", "", "   ", "no filter"] {
        assert_eq!(bounds(range), (None, None), "{range:?}");
    }
}

#[test]
fn last_shorthands_run_until_today() {
    assert_range("Last day", "2024-05-14", "2024-05-15");
    assert_range("Last week", "2024-05-08", "2024-05-15");
    assert_range("Last month", "2024-04-15", "2024-05-15");
    assert_range("Last quarter", "2024-02-15", "2024-05-15");
    assert_range("Last year", "2023-05-15", "2024-05-15");
    assert_range("Last 7 days", "2024-05-08", "2024-05-15");
    assert_range("Last 2 weeks", "2024-05-01", "2024-05-15");
    // Anchored to the relative start (today) like Superset, whatever the unit.
    assert_range("Last 3 hours", "2024-05-14 21:00:00", "2024-05-15");
}

#[test]
fn relative_now_anchors_at_the_current_second() {
    assert_eq!(
        bounds_relative("Last 3 hours", Relative::Now, Relative::Now),
        (
            Some(at("2024-05-15 10:45:30")),
            Some(at("2024-05-15 13:45:30"))
        )
    );
    assert_eq!(
        bounds_relative("Last week", Relative::Today, Relative::Now),
        (Some(at("2024-05-08")), Some(at("2024-05-15 13:45:30")))
    );
}

#[test]
fn next_shorthands_start_today() {
    assert_range("Next 2 weeks", "2024-05-15", "2024-05-29");
    assert_range("Next month", "2024-05-15", "2024-06-15");
}

#[test]
fn previous_calendar_periods() {
    assert_range("previous calendar week", "2024-05-06", "2024-05-13");
    assert_range("previous calendar month", "2024-04-01", "2024-05-01");
    assert_range("previous calendar quarter", "2024-01-01", "2024-04-01");
    assert_range("previous calendar year", "2023-01-01", "2024-01-01");
}

#[test]
fn current_periods() {
    assert_range("Current day", "2024-05-15", "2024-05-16");
    assert_range("Current week", "2024-05-13", "2024-05-20");
    assert_range("Current month", "2024-05-01", "2024-06-01");
    assert_range("Current quarter", "2024-04-01", "2024-07-01");
    assert_range("Current year", "2024-01-01", "2025-01-01");
}

#[test]
fn explicit_dates_and_datetimes() {
    assert_range("2024-01-01 : 2024-07-01", "2024-01-01", "2024-07-01");
    assert_range(
        "2024-01-01T10:00:00 : 2024-01-01 12:30:00",
        "2024-01-01 10:00:00",
        "2024-01-01 12:30:00",
    );
    assert_range(
        "2024-01-01T10:00 : 2024/02/01",
        "2024-01-01 10:00:00",
        "2024-02-01",
    );
    assert_range("2023 : 2024-03", "2023-01-01", "2024-03-01");
    let fractional = bounds("2024-01-01T10:00:00.250000 : ").0.unwrap();
    assert_eq!(
        fractional,
        at("2024-01-01 10:00:00") + chrono::Duration::milliseconds(250)
    );
}

#[test]
fn open_sides() {
    assert_eq!(bounds(" : 2024-02-01"), (None, Some(at("2024-02-01"))));
    assert_eq!(bounds("2024-01-01 : "), (Some(at("2024-01-01")), None));
    assert_eq!(bounds(" : "), (None, None));
}

#[test]
fn named_days_and_now() {
    assert_range("yesterday : today", "2024-05-14", "2024-05-15");
    assert_range("today : tomorrow", "2024-05-15", "2024-05-16");
    assert_range("today : now", "2024-05-15", "2024-05-15 13:45:30");
}

#[test]
fn relative_phrases() {
    assert_range("7 days ago : now", "2024-05-08", "2024-05-15 13:45:30");
    assert_range("1 week ago : 2 Days Later", "2024-05-08", "2024-05-17");
    assert_range(
        "3 hours ago : 1 hour later",
        "2024-05-15 10:45:30",
        "2024-05-15 14:45:30",
    );
    assert_range("2 quarters ago : in 1 month", "2023-11-15", "2024-06-15");
    assert_range(
        "-1 year : 10 minutes from now",
        "2023-05-15",
        "2024-05-15 13:55:30",
    );
}

#[test]
fn lookup_phrases_on_either_side() {
    assert_range("last 2 weeks : this week", "2024-05-01", "2024-05-15");
    assert_range("prior 3 months : next 1 day", "2024-02-15", "2024-05-16");
    assert_range(
        "start of next month : end of next month",
        "2024-06-01",
        "2024-06-30",
    );
    assert_range(
        "beginning of last 2 quarters : end of this year",
        "2023-10-01",
        "2024-12-31",
    );
    assert_range(
        "first day of this year : first of the month",
        "2024-01-01",
        "2024-05-01",
    );
    assert_range(
        "1st of last week : first of next quarters",
        "2024-05-06",
        "2024-07-01",
    );
}

#[test]
fn first_period_of_a_unit() {
    assert_range("first week of this year", "2024-01-01", "2024-01-08");
    assert_range("first month of the quarter", "2024-04-01", "2024-05-01");
    assert_range("1st quarter of last year", "2023-01-01", "2023-04-01");
}

#[test]
fn expression_language() {
    assert_range(
        r#"DATEADD(DATETIME("today"), -7, day) : today"#,
        "2024-05-08",
        "2024-05-15",
    );
    assert_range(
        "DATETRUNC(DATETIME('today'), month) : LASTDAY(DATETIME('today'), month)",
        "2024-05-01",
        "2024-05-31",
    );
    assert_range(
        r#"DATETIME("2024-01-01") : DATETIME("now")"#,
        "2024-01-01",
        "2024-05-15 13:45:30",
    );
    assert_range(
        "dateadd(datetrunc(datetime('2024-03-31'), QUARTER), 1, Months) : datetime(\"7 days ago\")",
        "2024-02-01",
        "2024-05-08",
    );
    assert_range(
        "LASTDAY(DATETIME('today'), week) : LASTDAY(DATETIME('today'), quarter)",
        "2024-05-19",
        "2024-06-30",
    );
    assert_range(
        "DATETRUNC(DATETIME('now'), hour,) : LASTDAY(DATETIME('today'), year,)",
        "2024-05-15 13:00:00",
        "2024-12-31",
    );
    assert_range(
        "DATETRUNC(DATETIME('now'), minute) : DATETRUNC(DATETIME('now'), second)",
        "2024-05-15 13:45:00",
        "2024-05-15 13:45:30",
    );
}

#[test]
fn month_steps_clamp_to_the_last_day() {
    assert_range(
        r#"DATETIME("2024-01-31") : DATEADD(DATETIME("2024-01-31"), 1, month)"#,
        "2024-01-31",
        "2024-02-29",
    );
    assert_range(
        r#"DATEADD(DATETIME("2024-02-29"), -1, year) : DATETIME("2024-02-29")"#,
        "2023-02-28",
        "2024-02-29",
    );
}

#[test]
fn datediff_as_an_amount() {
    assert_range(
        "DATEADD(DATETIME('2024-01-01'), DATEDIFF(DATETIME('2024-01-01'), DATETIME('2024-01-11')), day) : today",
        "2024-01-11",
        "2024-05-15",
    );
    assert_range(
        "DATEADD(DATETIME('2020-06-01'), DATEDIFF(DATETIME('2020-01-01'), DATETIME('today'), year), year) : 2025",
        "2024-06-01",
        "2025-01-01",
    );
}

#[test]
fn messages_are_supersets() {
    assert_eq!(
        error("garbage").to_string(),
        "Cannot parse time string [garbage]"
    );
    assert_eq!(
        error("garbage : today").to_string(),
        "Cannot parse time string [garbage]"
    );
    assert_eq!(
        error("Last 7 fortnights").to_string(),
        "Cannot parse time string [Last 7 fortnights]"
    );
    assert_eq!(
        error("Lastday").to_string(),
        "Cannot parse time string [Lastday]"
    );
    assert_eq!(
        error("LASTDAY(DATETIME('today'), month)").to_string(),
        "Cannot parse time string [LASTDAY(DATETIME('today'), month)]"
    );
    assert_eq!(
        error("7 days : today").to_string(),
        "Time string is ambiguous. Please specify [7 days ago] or [7 days later]."
    );
    assert_eq!(
        error("2024-02-01 : 2024-01-01").to_string(),
        "From date cannot be larger than to date"
    );
    assert_eq!(error("tomorrow : today"), TimeRangeError::SinceAfterUntil);
    // DATEDIFF yields a number, so like Superset it is no side of its own.
    assert_eq!(
        error("DATEDIFF(DATETIME('today'), DATETIME('today')) : now").to_string(),
        "Cannot parse time string [DATEDIFF(DATETIME('today'), DATETIME('today'))]"
    );
}

#[test]
fn malformed_expressions() {
    let cases = [
        (
            r#"DATEADD(DATETIME("today"), -7, day : today"#,
            "expected ')'",
        ),
        (
            r#"DATEADD(DATETIME("today"), -7, fortnight) : today"#,
            "found 'fortnight'",
        ),
        (r#"DATETIME("today")) : now"#, "expected end of expression"),
        (r#"DATETIME("today : now"#, "unterminated"),
        ("LASTDAY(DATETIME('today'), hour) : now", "found 'hour'"),
        (
            "DATEADD(DATETIME('today'), seven, day) : now",
            "whole number",
        ),
        (
            "DATEADD(DATETIME('today'), 99999999999999999999, day) : now",
            "whole number in range",
        ),
        ("DATETIMES('today') : now", "unknown function"),
        ("HOLIDAY('Christmas') : now", "not supported"),
        ("DATETIME(today) : now", "quoted text"),
        (
            "DATETRUNC(DATETIME('today'), month) ; : now",
            "unexpected character",
        ),
    ];
    for (range, reason) in cases {
        match error(range) {
            TimeRangeError::InvalidExpression { reason: got, .. } => {
                assert!(got.contains(reason), "{range}: {got}")
            }
            other => panic!("{range}: {other:?}"),
        }
    }
}

#[test]
fn inner_text_errors_are_reported_as_superset_does() {
    assert_eq!(
        error("DATETIME('7 days') : now"),
        TimeRangeError::Ambiguous("7 days".into())
    );
    assert_eq!(
        error("DATETIME('someday') : now"),
        TimeRangeError::Unparseable("someday".into())
    );
}

#[test]
fn arithmetic_beyond_the_calendar_is_an_error() {
    for range in [
        "DATEADD(DATETIME('today'), 9999999999999, year) : ",
        "DATEADD(DATETIME('today'), -9223372036854775808, second) : ",
        "last 99999999999999999999999 days : today",
    ] {
        assert!(
            matches!(error(range), TimeRangeError::OutOfRange(_)),
            "{range}"
        );
    }
    // Truncating to the week of chrono's first day, or ending the week of its last,
    // leaves the calendar unless that day happens to start (end) a week.
    let to_first = (now().date() - NaiveDate::MIN).num_days();
    let to_last = (NaiveDate::MAX - now().date()).num_days();
    let first_week = format!("DATETRUNC(DATEADD(DATETIME('today'), -{to_first}, day), week) : ");
    let last_week = format!("LASTDAY(DATEADD(DATETIME('today'), {to_last}, day), week) : ");
    let week_edges = [
        (first_week, NaiveDate::MIN.weekday() == Weekday::Mon),
        (last_week, NaiveDate::MAX.weekday() == Weekday::Sun),
    ];
    for (range, fits) in week_edges {
        let result = parse_time_range(&range, now(), Relative::Today, Relative::Today);
        assert_eq!(
            matches!(result, Err(TimeRangeError::OutOfRange(_))),
            !fits,
            "{range}"
        );
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 10_000;
    let range = format!(
        "{}DATETIME('today'){} : ",
        "DATETRUNC(".repeat(depth),
        ", day)".repeat(depth)
    );
    assert!(matches!(
        error(&range),
        TimeRangeError::InvalidExpression { .. }
    ));
}

/// Random concatenations of grammar pieces and stray characters never panic.
#[test]
fn arbitrary_input_never_panics() {
    const PIECES: [&str; 34] = [
        "DATEADD(",
        "DATETIME(",
        "DATETRUNC(",
        "LASTDAY(",
        "DATEDIFF(",
        "HOLIDAY(",
        "\"today\"",
        "'now'",
        ")",
        ",",
        " : ",
        "-7",
        "+3",
        "99999999999999",
        "day",
        "weeks",
        "quarter",
        "Last",
        "Next",
        " ",
        "ago",
        "later",
        "start of",
        "first",
        "of",
        "this",
        "2024-01-31",
        "T10:00",
        "\"",
        "'",
        "é",
        "\\",
        "previous calendar",
        "Current",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = next() % 12;
        let text: String = (0..len)
            .map(|_| {
                let pick = next();
                if pick % 5 == 0 {
                    char::from_u32((pick >> 8) as u32 % 0x250)
                        .unwrap_or('?')
                        .to_string()
                } else {
                    PIECES[(pick >> 8) as usize % PIECES.len()].to_string()
                }
            })
            .collect();
        let _ = parse_time_range(&text, now(), Relative::Today, Relative::Now);
    }
}

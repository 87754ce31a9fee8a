//! The function language of a range side, as Superset's pyparsing grammar defines it:
//!
//! ```text
//! date   := DATETIME(text) | DATEADD(date, int, unit) | DATETRUNC(date, unit) | LASTDAY(date, unit)
//! int    := [+-]digits | DATEDIFF(date, date[, day|year])
//! ```
//!
//! Keywords and units are case-insensitive, a trailing comma before `)` is allowed and
//! text may use either quote. Unlike pyparsing we reject text after the expression.

use crate::TimeRangeError;
use crate::expr::{DateExpr, IntExpr};
use crate::unit::Unit;

/// Deepest nesting accepted; keeps the recursive parser's stack small.
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Int(i64),
    Text(String),
    Open,
    Close,
    Comma,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(word) => format!("'{word}'"),
            Token::Int(value) => format!("'{value}'"),
            Token::Text(text) => format!("\"{text}\""),
            Token::Open => "'('".to_string(),
            Token::Close => "')'".to_string(),
            Token::Comma => "','".to_string(),
        }
    }
}

/// A token and the character offset it starts at.
struct Lexeme {
    token: Token,
    at: usize,
}

pub(crate) fn parse_expression(text: &str) -> Result<DateExpr, TimeRangeError> {
    let mut parser = Parser {
        text,
        tokens: tokenize(text)?,
        next: 0,
        depth: 0,
    };
    let expr = parser.date()?;
    match parser.tokens.get(parser.next) {
        None => Ok(expr),
        Some(extra) => Err(parser.unexpected(Some(extra), "end of expression")),
    }
}

fn invalid(text: &str, reason: String) -> TimeRangeError {
    TimeRangeError::InvalidExpression {
        expression: text.to_string(),
        reason,
    }
}

fn tokenize(text: &str) -> Result<Vec<Lexeme>, TimeRangeError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let at = i;
        let c = chars[i];
        let token = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '"' | '\'' => {
                let (content, end) = quoted(&chars, i).ok_or_else(|| {
                    invalid(
                        text,
                        format!("unterminated quoted text starting at char {at}"),
                    )
                })?;
                i = end;
                tokens.push(Lexeme {
                    token: Token::Text(content),
                    at,
                });
                continue;
            }
            '+' | '-' | '0'..='9' => {
                let mut end = i + 1;
                while end < chars.len() && chars[end].is_ascii_digit() {
                    end += 1;
                }
                let literal: String = chars[i..end].iter().collect();
                let value = literal.parse().map_err(|_| {
                    invalid(
                        text,
                        format!("'{literal}' at char {at} is not a whole number in range"),
                    )
                })?;
                i = end;
                tokens.push(Lexeme {
                    token: Token::Int(value),
                    at,
                });
                continue;
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = i + 1;
                while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_')
                {
                    end += 1;
                }
                let word = chars[i..end].iter().collect();
                i = end;
                tokens.push(Lexeme {
                    token: Token::Word(word),
                    at,
                });
                continue;
            }
            _ => {
                return Err(invalid(
                    text,
                    format!("unexpected character '{c}' at char {at}"),
                ));
            }
        };
        tokens.push(Lexeme { token, at });
        i += 1;
    }
    Ok(tokens)
}

/// The text between the quote at `start` and its partner, and the index after it.
/// A backslash keeps the next character; the text is kept as written, like pyparsing.
fn quoted(chars: &[char], start: usize) -> Option<(String, usize)> {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\n' | '\r' => return None,
            c if c == quote => return Some((chars[start + 1..i].iter().collect(), i + 1)),
            _ => i += 1,
        }
    }
    None
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Lexeme>,
    next: usize,
    depth: usize,
}

impl Parser<'_> {
    fn date(&mut self) -> Result<DateExpr, TimeRangeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(
                self.text,
                format!("nested deeper than {MAX_DEPTH} functions"),
            ));
        }
        let function = self.word("DATETIME, DATEADD, DATETRUNC or LASTDAY")?;
        self.expect(&Token::Open, "'('")?;
        let expr = match function.to_ascii_lowercase().as_str() {
            "datetime" => match self.take() {
                Some(Lexeme {
                    token: Token::Text(text),
                    ..
                }) => DateExpr::Human(text),
                other => return Err(self.unexpected(other.as_ref(), "quoted text")),
            },
            "dateadd" => {
                let base = self.date()?;
                self.expect(&Token::Comma, "','")?;
                let amount = self.int()?;
                self.expect(&Token::Comma, "','")?;
                let unit = self.unit(true)?;
                DateExpr::Add {
                    base: Box::new(base),
                    amount,
                    unit,
                }
            }
            "datetrunc" => {
                let base = self.date()?;
                self.expect(&Token::Comma, "','")?;
                base.truncated(self.unit(true)?)
            }
            "lastday" => {
                let base = self.date()?;
                self.expect(&Token::Comma, "','")?;
                base.last_day(self.unit(false)?)
            }
            "holiday" => return Err(invalid(self.text, "HOLIDAY() is not supported".to_string())),
            _ => {
                return Err(invalid(
                    self.text,
                    format!(
                        "unknown function '{function}'; expected DATETIME, DATEADD, DATETRUNC or LASTDAY"
                    ),
                ));
            }
        };
        self.close()?;
        self.depth -= 1;
        Ok(expr)
    }

    fn int(&mut self) -> Result<IntExpr, TimeRangeError> {
        match self.tokens.get(self.next).map(|l| &l.token) {
            Some(Token::Int(value)) => {
                let value = *value;
                self.next += 1;
                Ok(IntExpr::Literal(value))
            }
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("datediff") => {
                self.next += 1;
                self.expect(&Token::Open, "'('")?;
                let from = self.date()?;
                self.expect(&Token::Comma, "','")?;
                let to = self.date()?;
                let mut in_years = false;
                if self.eat(&Token::Comma)
                    && matches!(
                        self.tokens.get(self.next).map(|l| &l.token),
                        Some(Token::Word(_))
                    )
                {
                    in_years = match self.unit(false)? {
                        Unit::Year => true,
                        Unit::Day => false,
                        _ => {
                            return Err(invalid(
                                self.text,
                                "DATEDIFF counts only in day or year".to_string(),
                            ));
                        }
                    };
                }
                self.close()?;
                Ok(IntExpr::DateDiff {
                    from: Box::new(from),
                    to: Box::new(to),
                    in_years,
                })
            }
            _ => Err(self.unexpected(
                self.tokens.get(self.next),
                "a whole number or DATEDIFF(...)",
            )),
        }
    }

    /// A unit; `sub_day` admits hour, minute and second.
    fn unit(&mut self, sub_day: bool) -> Result<Unit, TimeRangeError> {
        let expected = if sub_day {
            "a unit (second, minute, hour, day, week, month, quarter or year)"
        } else {
            "a unit (day, week, month, quarter or year)"
        };
        let at = self.next;
        let word = self.word(expected)?;
        match Unit::parse(&word) {
            Some(unit) if sub_day || unit.is_calendar() => Ok(unit),
            _ => Err(self.unexpected(self.tokens.get(at), expected)),
        }
    }

    /// An optional trailing comma, then `)`.
    fn close(&mut self) -> Result<(), TimeRangeError> {
        self.eat(&Token::Comma);
        self.expect(&Token::Close, "')'")
    }

    fn word(&mut self, expected: &str) -> Result<String, TimeRangeError> {
        match self.take() {
            Some(Lexeme {
                token: Token::Word(word),
                ..
            }) => Ok(word),
            other => Err(self.unexpected(other.as_ref(), expected)),
        }
    }

    fn expect(&mut self, token: &Token, expected: &str) -> Result<(), TimeRangeError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.unexpected(self.tokens.get(self.next), expected))
        }
    }

    fn eat(&mut self, token: &Token) -> bool {
        let matches = self
            .tokens
            .get(self.next)
            .is_some_and(|l| &l.token == token);
        if matches {
            self.next += 1;
        }
        matches
    }

    fn take(&mut self) -> Option<Lexeme> {
        let lexeme = self.tokens.get(self.next).map(|l| Lexeme {
            token: l.token.clone(),
            at: l.at,
        });
        self.next += 1;
        lexeme
    }

    fn unexpected(&self, found: Option<&Lexeme>, expected: &str) -> TimeRangeError {
        let reason = match found {
            Some(lexeme) => format!(
                "expected {expected}, found {} at char {}",
                lexeme.token.describe(),
                lexeme.at
            ),
            None => format!("expected {expected}, found end of text"),
        };
        invalid(self.text, reason)
    }
}

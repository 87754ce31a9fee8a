//! Rison parser for Superset's `q` query argument.
//!
//! Flask-AppBuilder decodes `q` with the Python `prison` 0.2.1 library; this crate
//! follows that decoder's grammar so the same URLs are accepted and rejected. Where
//! prison crashes with a Python exception (truncated input, `!` at the very end, bad
//! number text) we return a [`RisonError`] instead.

use serde_json::{Map, Number, Value};

/// Deepest nesting of objects/arrays we accept; protects the recursive parser's stack.
pub const MAX_DEPTH: usize = 64;

/// What went wrong and where; `at` is a byte offset into the parsed text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RisonError {
    #[error("unexpected end of input at byte {at}, expected {expected}")]
    UnexpectedEnd { at: usize, expected: &'static str },
    #[error("unexpected character {found:?} at byte {at}, expected {expected}")]
    UnexpectedChar {
        at: usize,
        found: char,
        expected: &'static str,
    },
    #[error("unknown literal \"!{found}\" at byte {at}")]
    UnknownLiteral { at: usize, found: char },
    #[error("invalid string escape \"!{found}\" at byte {at}")]
    InvalidEscape { at: usize, found: char },
    #[error("invalid number {text:?} at byte {at}")]
    InvalidNumber { at: usize, text: String },
    #[error("nesting deeper than {MAX_DEPTH} levels at byte {at}")]
    TooDeep { at: usize },
}

impl RisonError {
    /// Byte offset of the problem in the input.
    pub fn offset(&self) -> usize {
        match self {
            Self::UnexpectedEnd { at, .. }
            | Self::UnexpectedChar { at, .. }
            | Self::UnknownLiteral { at, .. }
            | Self::InvalidEscape { at, .. }
            | Self::InvalidNumber { at, .. }
            | Self::TooDeep { at } => *at,
        }
    }
}

/// Parses one complete Rison value. Whitespace is only allowed inside quoted strings
/// (prison's `WHITESPACE` is empty), and nothing may follow the value.
pub fn parse(text: &str) -> Result<Value, RisonError> {
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    if parser.pos < text.len() {
        return Err(parser.unexpected("end of input"));
    }
    Ok(value)
}

/// Flask-AppBuilder's rule for `?q=`: Rison first, then JSON; if both fail the
/// Rison error is reported. (FAB treats a missing or empty `q` as `{}` before
/// parsing at all; that is the caller's job, here empty text is an error.)
pub fn parse_q(q: &str) -> Result<Value, RisonError> {
    parse(q).or_else(|err| serde_json::from_str(q).map_err(|_| err))
}

/// prison's id characters: ASCII alphanumerics, `_-./~%+`, and every character from
/// U+007F up (its forbidden set is built only from `chr(0)..chr(126)`).
fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-./~%+".contains(c) || c >= '\u{7f}'
}

/// Ids may not start like a number.
fn is_id_start(c: char) -> bool {
    is_id_char(c) && c != '-' && !c.is_ascii_digit()
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, want: char) -> bool {
        let hit = self.peek() == Some(want);
        if hit {
            self.pos += want.len_utf8();
        }
        hit
    }

    fn expect(&mut self, want: char, expected: &'static str) -> Result<(), RisonError> {
        if self.eat(want) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Error for whatever sits at the current position (a character or the end).
    fn unexpected(&self, expected: &'static str) -> RisonError {
        match self.peek() {
            Some(found) => RisonError::UnexpectedChar {
                at: self.pos,
                found,
                expected,
            },
            None => RisonError::UnexpectedEnd {
                at: self.pos,
                expected,
            },
        }
    }

    fn value(&mut self) -> Result<Value, RisonError> {
        match self.peek() {
            Some('!') => self.bang(),
            Some('(') => self.object(),
            Some('\'') => self.string().map(Value::String),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if is_id_start(c) => Ok(Value::String(self.id())),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn bang(&mut self) -> Result<Value, RisonError> {
        let at = self.pos;
        self.pos += 1;
        match self.bump() {
            Some('t') => Ok(Value::Bool(true)),
            Some('f') => Ok(Value::Bool(false)),
            Some('n') => Ok(Value::Null),
            Some('(') => self.array(at),
            Some(found) => Err(RisonError::UnknownLiteral { at, found }),
            None => Err(self.unexpected("'t', 'f', 'n' or '(' after '!'")),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), RisonError> {
        if self.depth >= MAX_DEPTH {
            return Err(RisonError::TooDeep { at });
        }
        self.depth += 1;
        Ok(())
    }

    /// Called with `!(` already consumed.
    fn array(&mut self, at: usize) -> Result<Value, RisonError> {
        self.enter(at)?;
        let mut items = Vec::new();
        if !self.eat(')') {
            loop {
                items.push(self.value()?);
                if self.eat(')') {
                    break;
                }
                self.expect(',', "',' or ')'")?;
            }
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    fn object(&mut self) -> Result<Value, RisonError> {
        let at = self.pos;
        self.pos += 1;
        self.enter(at)?;
        let mut map = Map::new();
        if !self.eat(')') {
            loop {
                let key = self.key()?;
                self.expect(':', "':'")?;
                // Like a Python dict, a repeated key keeps the last value.
                map.insert(key, self.value()?);
                if self.eat(')') {
                    break;
                }
                self.expect(',', "',' or ')'")?;
            }
        }
        self.depth -= 1;
        Ok(Value::Object(map))
    }

    /// prison would accept any value as a key (`(1:a)` gives `{1: 'a'}`); JSON keys
    /// are strings, so only ids and quoted strings are allowed here.
    fn key(&mut self) -> Result<String, RisonError> {
        match self.peek() {
            Some('\'') => self.string(),
            Some(c) if is_id_start(c) => Ok(self.id()),
            _ => Err(self.unexpected("an object key")),
        }
    }

    fn id(&mut self) -> String {
        let rest = &self.text[self.pos..];
        let len = rest.find(|c| !is_id_char(c)).unwrap_or(rest.len());
        self.pos += len;
        rest[..len].to_owned()
    }

    /// A quoted string; `!` escapes only `!` and `'`.
    fn string(&mut self) -> Result<String, RisonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                Some('\'') => return Ok(out),
                Some('!') => match self.bump() {
                    Some(c @ ('!' | '\'')) => out.push(c),
                    Some(found) => return Err(RisonError::InvalidEscape { at, found }),
                    None => return Err(self.unexpected("'!' or ''' after '!'")),
                },
                Some(c) => out.push(c),
                None => return Err(self.unexpected("closing '")),
            }
        }
    }

    /// Scans the way prison does, then converts the way Python's `int()`/`float()` would.
    fn number(&mut self) -> Result<Value, RisonError> {
        #[derive(PartialEq)]
        enum Part {
            Int,
            Frac,
            Exp,
        }
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = start + 1; // the first byte is '-' or a digit
        let mut part = Part::Int;
        // prison allows one more '-' per part, even after the leading one; the
        // conversion below then rejects misplaced ones such as `--1` or `1-`.
        let mut sign_ok = true;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'0'..=b'9' => {}
                b'-' if sign_ok => sign_ok = false,
                b'.' if part == Part::Int => part = Part::Frac,
                b'e' | b'E' if part != Part::Exp => {
                    part = Part::Exp;
                    sign_ok = true;
                }
                _ => break,
            }
            i += 1;
        }
        self.pos = i;
        let text = &self.text[start..i];
        let invalid = || RisonError::InvalidNumber {
            at: start,
            text: text.to_owned(),
        };
        // prison picks float only for '.' or a lowercase 'e', so `1E5` goes to int()
        // and fails there; we keep that.
        if text.contains(['.', 'e']) {
            let f: f64 = text.parse().map_err(|_| invalid())?;
            // Overflow to infinity has no JSON form.
            Number::from_f64(f).map(Value::Number).ok_or_else(invalid)
        } else if let Ok(n) = text.parse::<i64>() {
            Ok(n.into())
        } else {
            text.parse::<u64>().map(Value::from).map_err(|_| invalid())
        }
    }
}

#[cfg(test)]
mod tests;

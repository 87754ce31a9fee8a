//! Writing SVG text: escaping, numbers with a fixed precision (so the same input
//! always gives the same bytes), and the few elements the drawings use.

use std::borrow::Cow;
use std::fmt::Write as _;

pub const FONT_SIZE: f64 = 12.0;
const FONT_FAMILY: &str = "Inter, Helvetica, Arial, sans-serif";

/// A document being written.
pub struct Svg {
    out: String,
}

/// Where a text's anchor point sits in it.
#[derive(Debug, Clone, Copy)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

impl Svg {
    pub fn new(width: f64, height: f64) -> Self {
        let (w, h) = (num(width), num(height));
        let mut out = String::new();
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" font-size="{}">"##,
            num(FONT_SIZE)
        );
        let _ = write!(
            out,
            r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##
        );
        Self { out }
    }

    /// Opens a group; `class` names what it holds, `name` (optional) which one.
    pub fn group(&mut self, class: &str, name: Option<&str>) {
        let _ = write!(self.out, r#"<g class="{}""#, escape(class));
        if let Some(name) = name {
            let _ = write!(self.out, r#" data-name="{}""#, escape(name));
        }
        self.out.push('>');
    }

    pub fn end_group(&mut self) {
        self.out.push_str("</g>");
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
    }

    /// A filled rectangle, with a tooltip when `title` is given.
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
        fill: &str,
        title: Option<&str>,
    ) {
        let attributes = format!(
            r#"x="{}" y="{}" width="{}" height="{}" fill="{fill}""#,
            num(x),
            num(y),
            num(width.max(0.0)),
            num(height.max(0.0))
        );
        self.shape("rect", &attributes, title);
    }

    pub fn circle(&mut self, (x, y): (f64, f64), radius: f64, fill: &str, title: Option<&str>) {
        let attributes = format!(
            r#"cx="{}" cy="{}" r="{}" fill="{fill}""#,
            num(x),
            num(y),
            num(radius)
        );
        self.shape("circle", &attributes, title);
    }

    /// A polyline through `points`, one stroke per run without gaps.
    pub fn path(&mut self, runs: &[Vec<(f64, f64)>], stroke: &str) {
        let mut d = String::new();
        for run in runs.iter().filter(|run| run.len() > 1) {
            for (i, (x, y)) in run.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{},{}",
                    if i == 0 { "M" } else { "L" },
                    num(*x),
                    num(*y)
                );
            }
        }
        if !d.is_empty() {
            let _ = write!(
                self.out,
                r#"<path d="{d}" fill="none" stroke="{stroke}" stroke-width="2"/>"#
            );
        }
    }

    pub fn text(&mut self, (x, y): (f64, f64), anchor: Anchor, style: TextStyle, content: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{}"{}>{}</text>"#,
            num(x),
            num(y),
            anchor.as_str(),
            style.attributes(),
            escape(content)
        );
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }

    /// An element without content but an optional tooltip.
    fn shape(&mut self, tag: &str, attributes: &str, title: Option<&str>) {
        let _ = write!(self.out, "<{tag} {attributes}");
        match title {
            Some(title) => {
                let _ = write!(self.out, "><title>{}</title></{tag}>", escape(title));
            }
            None => self.out.push_str("/>"),
        }
    }
}

/// How a text looks.
#[derive(Debug, Clone, Copy)]
pub enum TextStyle {
    Plain,
    Muted,
    Bold,
    Title,
}

impl TextStyle {
    fn attributes(self) -> &'static str {
        match self {
            TextStyle::Plain => r##" fill="#333333""##,
            TextStyle::Muted => r##" fill="#666666""##,
            TextStyle::Bold => r##" fill="#333333" font-weight="bold""##,
            TextStyle::Title => r##" fill="#333333" font-size="16" font-weight="bold""##,
        }
    }
}

/// A coordinate or size with at most two decimals and no trailing zeros.
pub fn num(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let text = format!("{:.2}", value);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Text safe inside an element or an attribute: markup characters escaped, characters
/// XML does not allow dropped, line breaks flattened to spaces.
pub fn escape(text: &str) -> Cow<'_, str> {
    let clean =
        |c: char| !matches!(c, '&' | '<' | '>' | '"' | '\'' | '\n' | '\r' | '\t') && is_xml_char(c);
    if text.chars().all(clean) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Roughly how wide `text` is drawn at `font_size`, without a font: average Latin
/// glyphs are about 0.6 em, East Asian wide ones a full em.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| if is_wide(c) { 1.0 } else { 0.6 })
        .sum();
    ems * font_size
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}' | '\u{1F300}'..='\u{1FAFF}' | '\u{20000}'..)
}

/// `text` cut with an ellipsis to fit `width` at `font_size`.
pub fn fit(text: &str, width: f64, font_size: f64) -> Cow<'_, str> {
    if text_width(text, font_size) <= width {
        return Cow::Borrowed(text);
    }
    let budget = width - text_width("…", font_size);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += text_width(c.encode_utf8(&mut [0; 4]), font_size);
        if used > budget {
            break;
        }
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.239), "1.24");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape("<a & 'b'>\"\n"),
            "&lt;a &amp; &#39;b&#39;&gt;&quot; "
        );
        assert_eq!(escape("nul\u{0}bell\u{7}"), "nulbell");
        assert_eq!(escape("日本 🦀"), "日本 🦀");
    }

    #[test]
    fn fitting_text() {
        assert_eq!(fit("short", 100.0, 12.0), "short");
        let cut = fit("a rather long label indeed", 60.0, 12.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 60.0,
            "{cut}"
        );
    }
}

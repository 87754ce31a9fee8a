//! The frame every drawing shares: a canvas of the requested size with the title on
//! top, and the notes and messages drawn on it.

use crate::svg::{Anchor, FONT_SIZE, Svg, TextStyle, fit};

/// The margin around everything drawn.
pub const PADDING: f64 = 16.0;

/// A canvas with an optional title on top.
pub struct Canvas {
    pub svg: Svg,
    pub width: f64,
    pub height: f64,
    /// Where the content below the title starts.
    pub top: f64,
}

impl Canvas {
    pub fn new(width: f64, height: f64, title: Option<&str>) -> Self {
        let mut svg = Svg::new(width, height);
        let mut top = PADDING;
        if let Some(title) = title.filter(|t| !t.is_empty()) {
            let title = fit(title, width - 2.0 * PADDING, 16.0);
            svg.text(
                (PADDING, top + 16.0),
                Anchor::Start,
                TextStyle::Title,
                &title,
            );
            top += 16.0 + 10.0;
        }
        Self {
            svg,
            width,
            height,
            top,
        }
    }

    /// A muted note at the top right, such as how many rows are shown.
    pub fn note(&mut self, text: &str) {
        self.svg.text(
            (self.width - PADDING, PADDING + FONT_SIZE),
            Anchor::End,
            TextStyle::Muted,
            text,
        );
    }

    /// A muted message in the middle of an area.
    pub fn message(&mut self, (x, y): (f64, f64), text: &str) {
        self.svg
            .text((x, y), Anchor::Middle, TextStyle::Muted, text);
    }
}

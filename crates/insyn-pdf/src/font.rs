//! The embedded fonts (DejaVu Sans and DejaVu Sans Bold, from Debian's `fonts-dejavu-core`; the
//! licence is in `fonts/LICENSE-DejaVu.txt`) and what the line breaker needs from them: advance
//! widths, and which characters they can draw.
use std::sync::LazyLock;

static REGULAR_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// One of the two faces a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

/// Widths in font units per character, for the characters the face has a glyph for.
pub(crate) struct Metrics {
    units_per_em: f32,
    face: ttf_parser::Face<'static>,
}

impl Metrics {
    fn load(bytes: &'static [u8]) -> Metrics {
        // The fonts are compiled in; a parse failure is a build defect, caught by every test.
        let face = ttf_parser::Face::parse(bytes, 0).expect("embedded DejaVu font parses");
        Metrics {
            units_per_em: f32::from(face.units_per_em()),
            face,
        }
    }

    /// Whether the face draws `c` with a real glyph (not `.notdef`, which PDF/A forbids).
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// The advance width of `c` at `size` points (0 for characters without a glyph).
    pub(crate) fn advance(&self, c: char, size: f32) -> f32 {
        self.face
            .glyph_index(c)
            .and_then(|g| self.face.glyph_hor_advance(g))
            .map_or(0.0, |w| f32::from(w) * size / self.units_per_em)
    }

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }
}

static REGULAR: LazyLock<Metrics> = LazyLock::new(|| Metrics::load(REGULAR_BYTES));
static BOLD: LazyLock<Metrics> = LazyLock::new(|| Metrics::load(BOLD_BYTES));

pub(crate) fn metrics(face: Face) -> &'static Metrics {
    match face {
        Face::Regular => &REGULAR,
        Face::Bold => &BOLD,
    }
}

/// The font file of a face, for the PNG rasteriser.
pub(crate) fn font_bytes(face: Face) -> &'static [u8] {
    match face {
        Face::Regular => REGULAR_BYTES,
        Face::Bold => BOLD_BYTES,
    }
}

pub(crate) fn krilla_font(face: Face) -> Option<krilla::text::Font> {
    let bytes = match face {
        Face::Regular => REGULAR_BYTES,
        Face::Bold => BOLD_BYTES,
    };
    krilla::text::Font::new(bytes.into(), 0)
}

/// What is drawn for a character neither face can draw.
pub const REPLACEMENT: char = '\u{FFFD}';

/// Makes text drawable: tabs become four spaces, other control and format characters (zero-width
/// joiners, bidi controls, variation selectors) are dropped, and characters without a glyph in
/// both faces (emoji, most CJK) become U+FFFD. Line ends are kept (`\n`); `\r\n` and `\r` become
/// `\n`. The PDF then never needs `.notdef`, which PDF/A forbids.
pub fn sanitise(text: &str) -> String {
    let regular = metrics(Face::Regular);
    let bold = metrics(Face::Bold);
    let replacement = if regular.has_glyph(REPLACEMENT) && bold.has_glyph(REPLACEMENT) {
        REPLACEMENT
    } else {
        '?'
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if c.is_control() || is_format(c) => {}
            c if c == ' ' || (regular.has_glyph(c) && bold.has_glyph(c)) => out.push(c),
            c if c.is_whitespace() => out.push(' '),
            _ => out.push(replacement),
        }
    }
    out
}

/// Unicode format characters (category Cf) that commonly appear in posts: zero-width spaces and
/// joiners, bidi marks and isolates, the BOM, soft hyphen, variation selectors.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_have_glyphs_and_widths() {
        let m = metrics(Face::Regular);
        for c in "åäöÅÄÖé§".chars() {
            assert!(m.has_glyph(c), "{c}");
            assert!(m.advance(c, 10.0) > 1.0, "{c}");
        }
        assert!(m.width("WWW", 10.0) > m.width("iii", 10.0));
    }

    #[test]
    fn sanitise_drops_controls_and_replaces_missing_glyphs() {
        let s = sanitise("a\u{0}b\u{200B}c\r\nd\te 漢");
        assert_eq!(s, format!("abc\nd    e {REPLACEMENT}"));
        assert_eq!(sanitise("Hälsningar, Åsa"), "Hälsningar, Åsa");
    }
}

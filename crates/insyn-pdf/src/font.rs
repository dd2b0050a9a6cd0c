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

/// Characters below this code point have their glyph and advance in a table (Latin, Greek,
/// Cyrillic, punctuation and symbols: nearly every character of a Swedish post), so laying out
/// and drawing them never searches the font's character map.
const TABLE_END: u32 = 0x3000;

/// Widths in font units per character, for the characters the face has a glyph for.
pub(crate) struct Metrics {
    units_per_em: f32,
    face: ttf_parser::Face<'static>,
    /// Glyph id and advance (font units) per code point below [`TABLE_END`]; glyph 0: none.
    table: Vec<(u16, u16)>,
}

impl Metrics {
    fn load(bytes: &'static [u8]) -> Metrics {
        // The fonts are compiled in; a parse failure is a build defect, caught by every test.
        let face = ttf_parser::Face::parse(bytes, 0).expect("embedded DejaVu font parses");
        let table = (0..TABLE_END)
            .map(|cp| {
                char::from_u32(cp)
                    .and_then(|c| face.glyph_index(c))
                    .map_or((0, 0), |g| (g.0, face.glyph_hor_advance(g).unwrap_or(0)))
            })
            .collect();
        Metrics {
            units_per_em: f32::from(face.units_per_em()),
            face,
            table,
        }
    }

    /// The glyph id and advance (font units) of `c`; glyph 0 when the face has none.
    fn glyph(&self, c: char) -> (u16, u16) {
        if let Some(&g) = self.table.get(c as usize) {
            return g;
        }
        self.face.glyph_index(c).map_or((0, 0), |g| {
            (g.0, self.face.glyph_hor_advance(g).unwrap_or(0))
        })
    }

    /// The glyph id and advance (font units) of `c` when it is drawn one glyph by itself, without
    /// a shaper (see [`Metrics::simple_glyphs`]); `None` for characters that need shaping or
    /// have no glyph.
    pub(crate) fn simple_glyph(&self, c: char) -> Option<(u16, u16)> {
        if !needs_no_shaping(c) {
            return None;
        }
        match self.glyph(c) {
            (0, _) => None,
            g => Some(g),
        }
    }

    /// Font units per em (2048 for DejaVu).
    pub(crate) fn units_per_em(&self) -> f32 {
        self.units_per_em
    }

    /// The parsed font, for the values a PDF font descriptor repeats.
    pub(crate) fn face(&self) -> &ttf_parser::Face<'static> {
        &self.face
    }

    /// Whether the face draws `c` with a real glyph (not `.notdef`, which PDF/A forbids).
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// The advance width of `c` at `size` points (0 for characters without a glyph).
    pub(crate) fn advance(&self, c: char, size: f32) -> f32 {
        match self.glyph(c) {
            (0, _) => 0.0,
            (_, w) => f32::from(w) * size / self.units_per_em,
        }
    }

    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// The glyphs of `text` placed one after the other by their advances, when every character
    /// is one that needs no shaping: no combining marks, no right-to-left or joining scripts
    /// (those go through krilla's shaper). Kerning is left out, as the line breaker measures.
    pub(crate) fn simple_glyphs(&self, text: &str) -> Option<Vec<krilla::text::KrillaGlyph>> {
        let mut glyphs = Vec::with_capacity(text.len());
        for (i, c) in text.char_indices() {
            let (gid, adv) = self.simple_glyph(c)?;
            glyphs.push(krilla::text::KrillaGlyph {
                glyph_id: krilla::text::GlyphId::new(u32::from(gid)),
                text_range: i..i + c.len_utf8(),
                x_advance: f32::from(adv) / self.units_per_em,
                x_offset: 0.0,
                y_offset: 0.0,
                y_advance: 0.0,
                location: None,
            });
        }
        Some(glyphs)
    }
}

/// Characters drawn correctly one glyph each without a shaper: Latin, Greek, Cyrillic, general
/// punctuation, currency, letter-like symbols, arrows, maths and box drawing; not combining
/// marks (U+0300-036F, U+0483-0489) nor the scripts from Hebrew (U+0590) to U+1DFF.
fn needs_no_shaping(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{2FF}' | '\u{370}'..='\u{482}' | '\u{48A}'..='\u{52F}'
        | '\u{1E00}'..='\u{1FFF}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}'
        | '\u{2070}'..='\u{2BFF}' | '\u{FFFD}')
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

/// The krilla font of a face, made once: krilla identifies a font by hashing its data, which
/// costs a pass over the whole font file each time a font is made.
pub(crate) fn krilla_font(face: Face) -> Option<krilla::text::Font> {
    static FONTS: LazyLock<(Option<krilla::text::Font>, Option<krilla::text::Font>)> =
        LazyLock::new(|| {
            (
                krilla::text::Font::new(REGULAR_BYTES.into(), 0),
                krilla::text::Font::new(BOLD_BYTES.into(), 0),
            )
        });
    match face {
        Face::Regular => FONTS.0.clone(),
        Face::Bold => FONTS.1.clone(),
    }
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

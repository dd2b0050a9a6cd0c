//! Paragraph layout for the printouts. krilla draws glyph runs at positions and has no paragraph
//! layout, and typst (which has) would add ~230 crates to the build; so this is a small greedy
//! line breaker over the fonts' advance widths: fill a line word by word, break a word that is
//! wider than a whole line between characters, keep explicit line ends. Shaping (kerning,
//! ligatures) can make a drawn line slightly narrower than measured here, never wider in
//! practice for DejaVu, and the right margin keeps a few points in reserve.
use crate::font::{Face, metrics};

/// Breaks `text` (already sanitised) into lines no wider than `width` points at `size`.
/// Empty lines in the text are kept; the result has at least one line.
pub fn break_lines(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let m = metrics(face);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        let space_w = m.advance(' ', size);
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_w = m.width(word, size);
            let sep_w = if line.is_empty() { 0.0 } else { space_w };
            if line_w + sep_w + word_w <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_w += sep_w + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            // a word wider than the line (a URL, a long number): break between characters
            for c in word.chars() {
                let w = m.advance(c, size);
                if line_w + w > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += w;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn breaks_at_spaces_and_inside_long_words() {
        let lines = break_lines("ett två tre fyra fem sex", Face::Regular, 10.0, 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "ett två tre fyra fem sex");
        let long = "x".repeat(300);
        let lines = break_lines(&long, Face::Regular, 10.0, 100.0);
        assert!(lines.len() > 3);
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn keeps_line_ends_and_empty_lines() {
        let lines = break_lines("a\n\nb", Face::Regular, 10.0, 100.0);
        assert_eq!(lines, vec!["a", "", "b"]);
    }

    proptest! {
        #[test]
        fn no_line_is_wider_than_the_width_unless_one_character(
            text in "[a-zåäö ]{0,200}", width in 20.0f32..400.0
        ) {
            let m = metrics(Face::Regular);
            for line in break_lines(&text, Face::Regular, 10.0, width) {
                prop_assert!(m.width(&line, 10.0) <= width + 0.01 || line.chars().count() == 1);
            }
        }
    }
}

//! Requests for public records (issue 6): the public request form, the requester's receipt and
//! copy, the PDF copy of a released record ([`public`]), and the staff queue for secrecy review
//! ([`staff`]).
pub mod limit;
pub mod public;
pub mod staff;

/// A record's or request's text cut into words for the masking form: (start byte, end byte,
/// text, the whitespace after it).
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub after: String,
}

pub fn words(text: &str) -> Vec<Word> {
    let spans = insyn_domain::request::word_spans(text);
    spans
        .iter()
        .enumerate()
        .map(|(i, (s, e))| {
            let next = spans.get(i + 1).map_or(text.len(), |n| n.0);
            Word {
                start: *s,
                end: *e,
                text: text[*s..*e].to_string(),
                after: text[*e..next].to_string(),
            }
        })
        .collect()
}

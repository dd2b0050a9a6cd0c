//! The search language, parsed here once for both backends so that they agree.
//!
//! ```text
//! skola bygglov          both words (in any inflection) must occur
//! "snöröjning på"        the words in this order, next to each other
//! -parkering             records with the word are left out
//! -"detaljplan för"      records with the phrase are left out
//! ```
//!
//! Words are split as the index splits text: into runs of letters and digits, so `e-post` is the
//! phrase `"e post"`, and punctuation alone (`!!!`) is ignored. Typographic quotes (“ ” „ « »)
//! work like `"`. Letter case does not matter.

use std::fmt;

use crate::SearchError;
use crate::analysis::split_terms;

/// The longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// The most words (counted inside phrases too) a search may have.
pub const MAX_QUERY_TERMS: usize = 32;

/// A parsed search text. Its [`Display`](fmt::Display) form is a canonical search text that
/// parses back to the same value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub clauses: Vec<Clause>,
}

/// One word or phrase. Several terms are a phrase: they must occur next to each other, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// `-word`: records that match are left out.
    pub negated: bool,
    /// The words as typed (letters and digits only, never empty).
    pub terms: Vec<String>,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

fn invalid(message: String) -> SearchError {
    SearchError::InvalidQuery(message)
}

impl ParsedQuery {
    /// Parses a search text. An empty (or blank) text is an empty query: it matches every record.
    pub fn parse(text: &str) -> Result<ParsedQuery, SearchError> {
        let length = text.chars().count();
        if length > MAX_QUERY_CHARS {
            return Err(invalid(format!(
                "the search text is {length} characters long; at most {MAX_QUERY_CHARS} are allowed"
            )));
        }
        let chars: Vec<char> = text.chars().collect();
        let mut clauses = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            let negated = chars[i] == '-';
            if negated {
                i += 1;
                if i == chars.len() || chars[i].is_whitespace() {
                    return Err(invalid(format!(
                        "a lone '-' at character {}: write -word or -\"a phrase\" to leave records out",
                        start + 1
                    )));
                }
            }
            let content: String = if is_quote(chars[i]) {
                let open = i;
                let Some(close) = chars[open + 1..].iter().position(|&c| is_quote(c)) else {
                    return Err(invalid(format!(
                        "the quote at character {} is never closed: end the phrase with another \"",
                        open + 1
                    )));
                };
                let close = open + 1 + close;
                i = close + 1;
                chars[open + 1..close].iter().collect()
            } else {
                let word_start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !is_quote(chars[i]) {
                    i += 1;
                }
                chars[word_start..i].iter().collect()
            };
            let terms = split_terms(&content);
            if !terms.is_empty() {
                clauses.push(Clause { negated, terms });
            }
        }
        let count: usize = clauses.iter().map(|c| c.terms.len()).sum();
        if count > MAX_QUERY_TERMS {
            return Err(invalid(format!(
                "the search has {count} words; at most {MAX_QUERY_TERMS} are allowed"
            )));
        }
        Ok(ParsedQuery { clauses })
    }

    /// No words at all: every record matches (only the filters apply).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Whether some word or phrase must occur (relevance ordering makes sense).
    pub fn has_positive(&self) -> bool {
        self.clauses.iter().any(|c| !c.negated)
    }

    pub fn positives(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(|c| !c.negated)
    }

    pub fn negatives(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(|c| c.negated)
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        if self.terms.len() == 1 {
            f.write_str(&self.terms[0])
        } else {
            write!(f, "\"{}\"", self.terms.join(" "))
        }
    }
}

impl fmt::Display for ParsedQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> ParsedQuery {
        ParsedQuery::parse(s).unwrap()
    }

    fn clause(negated: bool, terms: &[&str]) -> Clause {
        Clause {
            negated,
            terms: terms.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn error(s: &str) -> String {
        match ParsedQuery::parse(s) {
            Err(SearchError::InvalidQuery(m)) => m,
            other => panic!("{s:?} parsed: {other:?}"),
        }
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = parse(r#"  skola  "snöröjning på" -parkering -"detalj plan" e-post "#);
        assert_eq!(
            q.clauses,
            vec![
                clause(false, &["skola"]),
                clause(false, &["snöröjning", "på"]),
                clause(true, &["parkering"]),
                clause(true, &["detalj", "plan"]),
                clause(false, &["e", "post"]),
            ]
        );
        assert_eq!(
            q.to_string(),
            r#"skola "snöröjning på" -parkering -"detalj plan" "e post""#
        );
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(parse("").is_empty());
        assert!(parse("   \n\t").is_empty());
        assert!(parse("!!! ... \"\" -\"\" -?").is_empty());
    }

    #[test]
    fn typographic_quotes_and_adjacent_clauses() {
        assert_eq!(
            parse("”snö på”").clauses,
            vec![clause(false, &["snö", "på"])]
        );
        assert_eq!(parse("«a b»").clauses, vec![clause(false, &["a", "b"])]);
        assert_eq!(
            parse(r#"a"b c"-d"#).clauses,
            vec![
                clause(false, &["a"]),
                clause(false, &["b", "c"]),
                clause(true, &["d"])
            ]
        );
        assert_eq!(parse("--a").clauses, vec![clause(true, &["a"])]);
        assert_eq!(parse("a-").clauses, vec![clause(false, &["a"])]);
    }

    #[test]
    fn errors_name_the_problem_and_position() {
        let m = error(r#"skola "snöröjning på"#);
        assert!(
            m.contains("quote at character 7") && m.contains("never closed"),
            "{m}"
        );
        let m = error("skola - parkering");
        assert!(m.contains("lone '-' at character 7"), "{m}");
        let m = error("skola -");
        assert!(m.contains("lone '-' at character 7"), "{m}");
        let m = error(&"a".repeat(MAX_QUERY_CHARS + 1));
        assert!(m.contains("1001 characters"), "{m}");
        let m = error(&vec!["ord"; MAX_QUERY_TERMS + 1].join(" "));
        assert!(m.contains("33 words"), "{m}");
        let m = error(&format!(
            "\"{}\"",
            vec!["ord"; MAX_QUERY_TERMS + 1].join(" ")
        ));
        assert!(m.contains("33 words"), "{m}");
        // Exactly at the limits is fine.
        parse(&"a".repeat(MAX_QUERY_CHARS).chars().collect::<String>());
        parse(&vec!["ord"; MAX_QUERY_TERMS].join(" "));
    }

    fn check_roundtrip(s: &str) {
        let Ok(q) = ParsedQuery::parse(s) else {
            return;
        };
        let rendered = q.to_string();
        match ParsedQuery::parse(&rendered) {
            Ok(again) => assert_eq!(again, q, "{s:?} → {rendered:?}"),
            // The canonical form can be a little longer than the input ("e-post" → "\"e post\"").
            Err(SearchError::InvalidQuery(m)) => {
                assert!(
                    rendered.chars().count() > MAX_QUERY_CHARS,
                    "{s:?} → {rendered:?}: {m}"
                )
            }
            Err(e) => panic!("{e}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn never_panics_on_any_text(s in any::<String>()) {
            check_roundtrip(&s);
        }

        #[test]
        fn roundtrips_query_like_text(s in r#"([ \t\-"“”«»a-zåäöA-ZÅÄÖ0-9!?'\\:*&|()._,]{0,40}){0,8}"#) {
            check_roundtrip(&s);
        }

        #[test]
        fn roundtrips_long_text(s in r#"[ \-"a-zå0-9.]{900,1100}"#) {
            check_roundtrip(&s);
        }
    }
}

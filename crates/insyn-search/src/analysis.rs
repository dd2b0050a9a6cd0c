//! Text analysis shared by both backends: the Swedish analyzer, the word splitting the query
//! parser uses, the PostgreSQL `tsvector`/`tsquery` literals (so PostgreSQL indexes exactly the
//! lexemes tantivy indexes), and snippets.
//!
//! Pipeline: [`SimpleTokenizer`] (runs of `char::is_alphanumeric`) → [`RemoveLongFilter`]
//! (tokens of [`MAX_TOKEN_BYTES`] bytes or more are dropped) → [`LowerCaser`] (Unicode; no ASCII
//! folding: å, ä and ö are letters of their own) → [`SwedishStem`] (Snowball Swedish plus two
//! rules of ours, see there). No stop words.

use std::collections::{BTreeMap, HashMap, HashSet};

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};

/// The name the Swedish analyzer is registered under in the tantivy index.
pub(crate) const TOKENIZER_NAME: &str = "insyn_sv";

/// Tokens this long (in UTF-8 bytes) or longer are not indexed and not searched.
pub const MAX_TOKEN_BYTES: usize = 40;

/// The longest snippet, in characters.
pub const SNIPPET_MAX_CHARS: usize = 200;

/// The full analyzer: what is indexed and what a search word becomes.
pub(crate) fn swedish_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(SwedishStem)
        .build()
}

/// The same splitting as the analyzer, without lower-casing or stemming: the parser keeps the
/// words as typed.
fn splitter() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .build()
}

/// Splits a word or phrase as the analyzer would (runs of letters and digits shorter than
/// [`MAX_TOKEN_BYTES`]), keeping the case.
pub(crate) fn split_terms(text: &str) -> Vec<String> {
    let mut analyzer = splitter();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// The indexed form of one term (already split by [`split_terms`]).
pub(crate) fn stem_term(analyzer: &mut TextAnalyzer, term: &str) -> Option<String> {
    let mut stream = analyzer.token_stream(term);
    stream
        .next()
        .map(|t| t.text.clone())
        .filter(|t| !t.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Swedish stemming: Snowball plus two rules.

/// Snowball Swedish (tantivy's [`Stemmer`]) followed by two rules of ours that Snowball lacks:
///
/// 1. the definite singular `-an` of first-declension nouns is removed when it lies in the
///    Snowball R1 region: *skolan* → *skol* (as *skola*, *skolor*), *gatan* → *gat*;
/// 2. a genitive `-s` that Snowball removes is followed by stemming of the rest, so *X+s* stems
///    like *X*: *skolans* → *skol*, *bygglovets* → *bygglov*.
///
/// Expects lower-cased tokens.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SwedishStem;

type Snowball = <Stemmer as TokenFilter>::Tokenizer<RawTokenizer>;

impl TokenFilter for SwedishStem {
    type Tokenizer<T: Tokenizer> = SwedishStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> SwedishStemFilter<T> {
        SwedishStemFilter {
            inner: tokenizer,
            snowball: Stemmer::new(Language::Swedish).transform(RawTokenizer::default()),
            stems: HashMap::new(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct SwedishStemFilter<T> {
    inner: T,
    snowball: Snowball,
    /// Words stemmed before, with their stems: words repeat, and Snowball (with its
    /// allocations) costs several times a look-up. Each indexing thread has its own copy of the
    /// analyzer, so of this too.
    stems: HashMap<String, Box<str>>,
}

/// The most stems a [`SwedishStemFilter`] keeps; it starts afresh when it is full.
const STEMS_KEPT: usize = 50_000;

impl<T: Tokenizer> Tokenizer for SwedishStemFilter<T> {
    type TokenStream<'a> = SwedishStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SwedishStemStream {
            tail: self.inner.token_stream(text),
            snowball: &mut self.snowball,
            stems: &mut self.stems,
        }
    }
}

pub(crate) struct SwedishStemStream<'a, S> {
    tail: S,
    snowball: &'a mut Snowball,
    stems: &'a mut HashMap<String, Box<str>>,
}

impl<S: TokenStream> TokenStream for SwedishStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(token.text.as_str()) {
            token.text.clear();
            token.text.push_str(stem);
        } else {
            let stem = swedish_stem(self.snowball, &token.text);
            if self.stems.len() >= STEMS_KEPT {
                self.stems.clear();
            }
            let word = std::mem::replace(&mut token.text, stem);
            self.stems.insert(word, token.text.as_str().into());
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

fn snowball(stemmer: &mut Snowball, word: &str) -> String {
    let mut stream = stemmer.token_stream(word);
    match stream.next() {
        Some(t) => t.text.clone(),
        None => word.to_string(),
    }
}

fn swedish_stem(stemmer: &mut Snowball, word: &str) -> String {
    let stem = snowball(stemmer, word);
    if let Some(base) = word.strip_suffix('s')
        && !base.is_empty()
        && stem == base
    {
        // Snowball removed a genitive (or plural) -s and stopped there: stem what is left.
        return swedish_stem(stemmer, base);
    }
    strip_definite_an(stem)
}

fn is_swedish_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ä' | 'å' | 'ö')
}

/// Snowball's R1 for Swedish, as a char index: after the first non-vowel that follows a vowel,
/// and at least 3.
fn r1(chars: &[char]) -> usize {
    let mut seen_vowel = false;
    for (i, &c) in chars.iter().enumerate() {
        if is_swedish_vowel(c) {
            seen_vowel = true;
        } else if seen_vowel {
            return (i + 1).max(3);
        }
    }
    chars.len()
}

fn strip_definite_an(stem: String) -> String {
    if !stem.ends_with("an") {
        return stem;
    }
    let chars: Vec<char> = stem.chars().collect();
    let suffix_at = chars.len() - 2;
    if suffix_at >= r1(&chars) {
        chars[..suffix_at].iter().collect()
    } else {
        stem
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL literals.

/// PostgreSQL keeps positions up to this value (larger ones are clamped).
const PG_MAX_POSITION: usize = 16_383;

/// Quotes a lexeme for the `tsvector`/`tsquery` input syntax.
pub(crate) fn pg_quote(lexeme: &str) -> String {
    let mut out = String::with_capacity(lexeme.len() + 2);
    out.push('\'');
    for c in lexeme.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The `tsvector` literal for a document: the author's lexemes, a one-position gap (so a phrase
/// never spans author and text, as in tantivy, where they are two fields), then the text's.
pub(crate) fn pg_tsvector(analyzer: &mut TextAnalyzer, author: &str, text: &str) -> String {
    let mut lexemes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut next = 1usize;
    for part in [author, text] {
        let mut last = None;
        let mut stream = analyzer.token_stream(part);
        while let Some(token) = stream.next() {
            let position = (next + token.position).min(PG_MAX_POSITION);
            last = Some(position);
            if !token.text.is_empty() {
                lexemes
                    .entry(token.text.clone())
                    .or_default()
                    .push(position);
            }
        }
        if let Some(last) = last {
            next = last + 2;
        }
    }
    let mut out = String::new();
    for (lexeme, mut positions) in lexemes {
        positions.dedup();
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&pg_quote(&lexeme));
        out.push(':');
        for (i, p) in positions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&p.to_string());
        }
    }
    out
}

/// PostgreSQL `text` cannot hold NUL characters.
pub(crate) fn pg_text(s: &str) -> String {
    if s.contains('\0') {
        s.replace('\0', "")
    } else {
        s.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Snippets.

/// A plain-text excerpt of at most [`SNIPPET_MAX_CHARS`] characters around the first word of
/// `text` whose stem is in `stems` (the start of the text when none is). Whitespace is collapsed
/// to single spaces; "…" marks a cut.
pub(crate) fn snippet(analyzer: &mut TextAnalyzer, text: &str, stems: &HashSet<String>) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= SNIPPET_MAX_CHARS {
        return text;
    }
    let mut first_match_byte = None;
    if !stems.is_empty() {
        let mut stream = analyzer.token_stream(&text);
        while let Some(token) = stream.next() {
            if stems.contains(&token.text) {
                first_match_byte = Some(token.offset_from);
                break;
            }
        }
    }
    let match_char = first_match_byte.map_or(0, |b| text[..b].chars().count());

    // Start some way before the match, at a word boundary.
    const LEAD: usize = 60;
    let mut start = match_char.saturating_sub(LEAD);
    if start > 0 {
        if let Some(space) = chars[start..match_char].iter().position(|&c| c == ' ') {
            start += space + 1;
        } else {
            start = match_char;
        }
    }
    let prefix = if start > 0 { "…" } else { "" };
    let budget = SNIPPET_MAX_CHARS - prefix.chars().count();
    let mut end = chars.len();
    let mut suffix = "";
    if end - start > budget {
        suffix = "…";
        end = start + budget - 1;
        // Cut at a word boundary when there is one in the second half of the window.
        if let Some(space) = chars[start..end].iter().rposition(|&c| c == ' ')
            && space > (end - start) / 2
        {
            end = start + space;
        }
    }
    let body: String = chars[start..end].iter().collect();
    format!("{prefix}{}{suffix}", body.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        let mut a = swedish_analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = s.next() {
            out.push(t.text.clone());
        }
        out
    }

    fn all_same(words: &str) {
        let s = stems(words);
        assert!(s.windows(2).all(|w| w[0] == w[1]), "{words} → {s:?}");
    }

    #[test]
    fn swedish_inflections_share_a_stem() {
        all_same("skola skolan skolor skolans skolorna skolornas Skolan SKOLOR");
        all_same("kommun kommunen kommunens kommuner kommunerna kommuns");
        all_same("bygglov bygglovet bygglovets");
        all_same("gata gatan gator gatorna gatans");
        all_same("kvinna kvinnan kvinnor kvinnans");
        all_same("snöröjning snöröjningen snöröjningar");
    }

    #[test]
    fn kept_stems_are_the_stems_and_tokens_keep_their_places() {
        fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
            let mut s = a.token_stream(text);
            let mut out = Vec::new();
            while let Some(t) = s.next() {
                out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
            }
            out
        }
        let text = "Skolans skolor och skolan; gatan, gatorna och Gatans bygglovets bygglov";
        let mut reused = swedish_analyzer();
        let first = tokens(&mut reused, text);
        // the second time every stem comes from what the analyzer kept
        assert_eq!(tokens(&mut reused, text), first);
        assert_eq!(tokens(&mut swedish_analyzer(), text), first);
        // more words than it keeps: it starts afresh and still stems right
        let many: String = (0..STEMS_KEPT + 10)
            .map(|n| format!("skolan{n} "))
            .collect();
        let stemmed = tokens(&mut reused, &many);
        assert_eq!(stemmed.len(), STEMS_KEPT + 10);
        assert!(stemmed.iter().all(|(stem, ..)| stem.starts_with("skol")));
        assert_eq!(tokens(&mut reused, text), first);
    }

    #[test]
    fn letters_with_rings_and_dots_are_not_folded() {
        let s = stems("får far hår har år ar");
        assert_ne!(s[0], s[1]);
        assert_ne!(s[2], s[3]);
        assert_ne!(s[4], s[5]);
    }

    #[test]
    fn short_words_keep_their_an() {
        assert_eq!(stems("plan kan man"), vec!["plan", "kan", "man"]);
        // Both forms of "plan" agree.
        all_same("plan planen planer");
    }

    #[test]
    fn compounds_are_not_split() {
        let s = stems("bygglovsansökan bygglov");
        assert_ne!(s[0], s[1]);
    }

    #[test]
    fn splitting_matches_the_analyzer() {
        assert_eq!(split_terms("e-post, Åre!"), vec!["e", "post", "Åre"]);
        let long = "a".repeat(MAX_TOKEN_BYTES);
        assert!(split_terms(&long).is_empty());
        assert_eq!(split_terms(&"a".repeat(MAX_TOKEN_BYTES - 1)).len(), 1);
    }

    #[test]
    fn tsvector_literal_has_a_gap_between_author_and_text() {
        let mut a = swedish_analyzer();
        let v = pg_tsvector(&mut a, "Anna Svensson", "Skolan stänger");
        assert_eq!(v, "'ann':1 'skol':4 'stäng':5 'svensson':2");
        assert_eq!(pg_tsvector(&mut a, "", "skolan"), "'skol':1");
        assert_eq!(pg_tsvector(&mut a, "", ""), "");
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(pg_quote(r"a'b\c"), r"'a''b\\c'");
    }

    #[test]
    fn snippets_are_short_and_contain_the_match() {
        let mut a = swedish_analyzer();
        let filler = "Lorem ipsum dolor sit amet consectetur. ".repeat(20);
        let text = format!("{filler}Här kommer snöröjningen på Storgatan i morgon. {filler}");
        let terms: HashSet<String> = ["snöröjning".to_string()].into();
        let terms: HashSet<String> = terms
            .iter()
            .map(|t| stem_term(&mut a, t).unwrap())
            .collect();
        let s = snippet(&mut a, &text, &terms);
        assert!(s.chars().count() <= SNIPPET_MAX_CHARS, "{s}");
        assert!(s.contains("snöröjningen"), "{s}");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        let s = snippet(&mut a, "kort\n\n text", &terms);
        assert_eq!(s, "kort text");
        let s = snippet(&mut a, &filler, &terms);
        assert!(s.starts_with("Lorem") && s.chars().count() <= SNIPPET_MAX_CHARS);
        // A text without spaces.
        let s = snippet(&mut a, &"x".repeat(1000), &terms);
        assert_eq!(s.chars().count(), SNIPPET_MAX_CHARS);
    }
}

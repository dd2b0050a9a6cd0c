//! Text normalisation for lexicon matching that remembers where every normalised byte came from.
//!
//! Steps, in order: drop invisible characters (soft hyphen, zero-width space/joiners, BOM,
//! variation selectors); NFKC and Unicode lowercase per base character with its combining marks;
//! leetspeak inside words that contain letters (`1→i 0→o 3→e 4→a 5→s 7→t`, `@→a` and `!→i`
//! between letters, `$→s` next to a letter); spaced-out letters (`h o r a`, `i.d.i.o.t`,
//! `h-o-r-a` — three or more single letters) joined; runs of three or more equal letters
//! (`idiooot`) squeezed to one. Every normalised byte maps back to a byte range in the input, so a
//! match on the normalised text reports a span in the original.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Longest run of combining marks kept together with its base character; longer runs are cut so
/// that hostile input cannot make one normalisation segment large.
const MAX_SEGMENT_MARKS: usize = 32;

#[derive(Debug, Clone, Copy)]
struct NChar {
    c: char,
    /// Original byte range.
    s: usize,
    e: usize,
}

/// A word (maximal run of alphanumeric characters) in the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// Byte range in the normalised text.
    pub start: usize,
    pub end: usize,
    /// Byte range in the original text.
    pub orig_start: usize,
    pub orig_end: usize,
}

/// What [`Normalized::new_in`] builds in, kept by the caller between texts.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    text: String,
    words: Vec<Word>,
    /// Word boundaries found by the fast path.
    bounds: Vec<u32>,
}

impl Buffers {
    /// Whether they grew large enough (a huge text) to be dropped rather than kept.
    pub(crate) fn oversized(&self, limit: usize) -> bool {
        self.text.capacity() > limit || self.bounds.capacity() > limit
    }
}

/// Normalised text with a map back to the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    text: String,
    /// For every byte of `text`: the original range of the character it came from; `None` when
    /// the normalised text is byte for byte aligned with the original (the common case: every
    /// character lowercases to one of the same length, nothing is dropped or joined).
    map: Option<ByteMap>,
    words: Vec<Word>,
}

#[derive(Debug, Clone)]
struct ByteMap {
    start: Vec<u32>,
    end: Vec<u32>,
}

impl Normalized {
    /// Normalise `input` with every step.
    pub fn new(input: &str) -> Self {
        Self::new_in(input, &mut Buffers::default())
    }

    /// [`Normalized::new`] built in `buffers` (kept between texts by the caller: no allocation
    /// per text once they are large enough); give them back with [`Normalized::into_buffers`].
    pub(crate) fn new_in(input: &str, buffers: &mut Buffers) -> Self {
        if let Some(n) = Self::aligned(input, buffers) {
            return n;
        }
        Self::general(input)
    }

    /// Gives the text and word list back to `buffers`, for the next [`Normalized::new_in`].
    pub(crate) fn into_buffers(self, buffers: &mut Buffers) {
        buffers.text = self.text;
        buffers.words = self.words;
    }

    /// Every step on a vector of characters with their original ranges (any input).
    fn general(input: &str) -> Self {
        let chars = fold(input);
        let chars = leet(chars);
        let chars = join_spaced(chars);
        let chars = squeeze(chars);
        Self::from_chars(&chars)
    }

    /// The fast path: one pass that lowercases into the text and finds the words, when every
    /// character is already NFKC, lowercases to one character of the same UTF-8 length and is
    /// not invisible, and no spaced letters or runs of three equal letters need joining. Then
    /// normalised byte offsets are the original ones and no back-map is kept. Leetspeak keeps
    /// lengths (ASCII to ASCII), so it is applied in place. `None`: take the general path.
    fn aligned(input: &str, buffers: &mut Buffers) -> Option<Normalized> {
        let Buffers {
            text,
            words,
            bounds,
        } = buffers;
        // Inputs past u32 offsets are rare enough to take the general path.
        u32::try_from(input.len()).ok()?;
        let src = input.as_bytes();
        text.clear();
        text.reserve(src.len());
        words.clear();
        words.reserve(src.len() / 5 + 1);
        // word boundaries (offsets where a word starts, then where it ends, and so on)
        // (every entry used is written before it is read: only grown, never cleared)
        if bounds.len() < src.len() + 2 {
            bounds.resize(src.len() + 2, 0);
        }
        let mut nb = 0;
        let mut prev_alnum = 0u8;
        // The last two characters, for runs of three equal letters.
        let (mut p1, mut p2) = ('\0', '\0');
        let mut i = 0;
        while i < src.len() {
            let b = src[i];
            // The character's lowercase and its classes (ASCII from a table, Latin-1 letters
            // by arithmetic on their second byte, anything else through `fast_lower`).
            let (l, len, class) = if b < 0x80 {
                let l = char::from(b.to_ascii_lowercase());
                text.push(l);
                (l, 1, ASCII_CLASS[usize::from(b)])
            } else if b == 0xC3 && i + 1 < src.len() {
                // U+00C0..=U+00FF: letters except × and ÷; À..Þ lowercase to +0x20
                let c2 = src[i + 1];
                let lc2 = if c2 <= 0x9E && c2 != 0x97 {
                    c2 + 0x20
                } else {
                    c2
                };
                let l = char::from_u32(0xC0 + u32::from(lc2 - 0x80)).unwrap_or('\0');
                text.push(l);
                let class = if c2 == 0x97 || c2 == 0xB7 {
                    0
                } else {
                    ALNUM | ALPHA
                };
                (l, 2, class)
            } else {
                let c = input[i..].chars().next()?;
                let l = fast_lower(c)?;
                text.push(l);
                let mut class = 0;
                if is_alnum(l) {
                    class |= ALNUM;
                }
                if is_alpha(l) {
                    class |= ALPHA;
                }
                (l, c.len_utf8(), class)
            };
            // a word starts or ends where ALNUM changes: the offset is written every time and
            // kept only then (no branch per character on text that alternates words and gaps)
            let alnum = class & ALNUM;
            bounds[nb] = i as u32;
            nb += usize::from(alnum ^ prev_alnum);
            prev_alnum = alnum;
            if l == p1 && l == p2 && class & ALPHA != 0 {
                return None;
            }
            p2 = p1;
            p1 = l;
            i += len;
        }
        if prev_alnum != 0 {
            bounds[nb] = src.len() as u32;
            nb += 1;
        }
        words.extend(bounds[..nb].chunks_exact(2).map(|b| Word {
            start: b[0] as usize,
            end: b[1] as usize,
            orig_start: b[0] as usize,
            orig_end: b[1] as usize,
        }));
        if leet_may_apply(text) {
            let replaced = leet_aligned(text);
            if !replaced.is_empty() {
                let mut bytes = std::mem::take(text).into_bytes();
                for (at, b) in replaced {
                    bytes[at] = b;
                }
                *text = String::from_utf8(bytes).ok()?;
                // '@', '$' and '!' may have become letters: words, and runs, change.
                words.clear();
                words_of(text, words);
                let mut it = text.chars();
                let (mut p1, mut p2) = ('\0', '\0');
                for c in it.by_ref() {
                    if c == p1 && c == p2 && is_alpha(c) {
                        return None;
                    }
                    p2 = p1;
                    p1 = c;
                }
            }
        }
        if has_spaced_letters(text, words) {
            return None;
        }
        Some(Normalized {
            text: std::mem::take(text),
            map: None,
            words: std::mem::take(words),
        })
    }

    /// Lowercase + NFKC only (used for lexicon entries themselves).
    pub fn fold_only(input: &str) -> String {
        fold(input).into_iter().map(|n| n.c).collect()
    }

    fn from_chars(chars: &[NChar]) -> Self {
        let bytes: usize = chars.iter().map(|n| n.c.len_utf8()).sum();
        let mut text = String::with_capacity(bytes);
        let mut src_start: Vec<usize> = Vec::with_capacity(bytes);
        let mut src_end: Vec<usize> = Vec::with_capacity(bytes);
        let mut words = Vec::new();
        // Words in the same pass: (normalised start, original start) of the open word.
        let mut cur: Option<(usize, usize)> = None;
        let mut last_end = 0;
        for n in chars {
            let at = text.len();
            if is_alnum(n.c) {
                if cur.is_none() {
                    cur = Some((at, n.s));
                }
            } else if let Some((s, os)) = cur.take() {
                words.push(Word {
                    start: s,
                    end: at,
                    orig_start: os,
                    orig_end: last_end,
                });
            }
            text.push(n.c);
            let len = n.c.len_utf8();
            src_start.extend(std::iter::repeat_n(n.s, len));
            src_end.extend(std::iter::repeat_n(n.e, len));
            last_end = n.e;
        }
        if let Some((s, os)) = cur {
            words.push(Word {
                start: s,
                end: text.len(),
                orig_start: os,
                orig_end: last_end,
            });
        }
        // Offsets fit in u32 when the input does; otherwise keep them saturated (such input is
        // over 4 GiB and refused long before screening).
        let narrow = |v: Vec<usize>| {
            v.into_iter()
                .map(|x| u32::try_from(x).unwrap_or(u32::MAX))
                .collect()
        };
        Normalized {
            text,
            map: Some(ByteMap {
                start: narrow(src_start),
                end: narrow(src_end),
            }),
            words,
        }
    }

    /// The normalised text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The words of the normalised text, in order.
    pub fn words(&self) -> &[Word] {
        &self.words
    }

    /// The original byte range of the normalised range `start..end` (both on char boundaries of
    /// the normalised text, `start < end`).
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        debug_assert!(start < end && end <= self.text.len());
        match &self.map {
            None => (start, end),
            Some(m) => (m.start[start] as usize, m.end[end - 1] as usize),
        }
    }

    /// Index of the first word whose original range ends after `orig` (the word at or after a
    /// byte offset of the original text); `words().len()` if none.
    pub fn word_at_or_after(&self, orig: usize) -> usize {
        self.words.partition_point(|w| w.orig_end <= orig)
    }

    /// Index of the word containing normalised byte `pos`, if any.
    pub fn word_containing(&self, pos: usize) -> Option<usize> {
        let i = self.words.partition_point(|w| w.end <= pos);
        (i < self.words.len() && self.words[i].start <= pos).then_some(i)
    }
}

/// Classes of an ASCII byte for the fast path of [`Normalized::aligned`].
const ALNUM: u8 = 1;
const ALPHA: u8 = 2;
/// A digit leetspeak maps to a letter (`0 1 3 4 5 7`).
const LEET_DIGIT: u8 = 8;
/// `@` or `!`: a letter between two letters.
const AT_BANG: u8 = 16;
/// `$`: a letter next to a letter.
const DOLLAR: u8 = 32;
const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            ALNUM | ALPHA
        } else if c.is_ascii_digit() {
            if matches!(c, b'0' | b'1' | b'3' | b'4' | b'5' | b'7') {
                ALNUM | LEET_DIGIT
            } else {
                ALNUM
            }
        } else if c == b'@' || c == b'!' {
            AT_BANG
        } else if c == b'$' {
            DOLLAR
        } else {
            0
        };
        b += 1;
    }
    t
};

/// `char::is_alphabetic` with Latin-1 answered without the Unicode table (Swedish letters are
/// the common case after ASCII).
#[inline]
pub(crate) fn is_alpha(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\x7f' => false,
        '\u{80}'..='\u{ff}' => {
            matches!(c, 'ª' | 'µ' | 'º' | 'À'..='Ö' | 'Ø'..='ö' | 'ø'..='ÿ')
        }
        _ => c.is_alphabetic(),
    }
}

/// `char::is_alphanumeric` with the same Latin-1 fast path.
#[inline]
pub(crate) fn is_alnum(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        '\0'..='\x7f' => false,
        '\u{80}'..='\u{ff}' => is_alpha(c) || matches!(c, '²' | '³' | '¹' | '¼'..='¾'),
        _ => c.is_alphanumeric(),
    }
}

/// The lowercase of a non-ASCII character when the fast path can take it: already NFKC on its
/// own, a starter (no combining class), not invisible, and lowercasing gives one character of
/// the same UTF-8 length.
#[inline]
fn fast_lower(c: char) -> Option<char> {
    match c {
        // Latin-1 letters (Swedish å ä ö é ü...): NFKC as they are, lowercase +0x20.
        'À'..='Þ' if c != '×' => char::from_u32(c as u32 + 0x20),
        'ß'..='ÿ' if c != '÷' => Some(c),
        _ => {
            if is_invisible(c)
                || canonical_combining_class(c) != 0
                || is_nfkc_quick(std::iter::once(c)) != IsNormalized::Yes
            {
                return None;
            }
            let mut lower = c.to_lowercase();
            let l = lower.next()?;
            (lower.next().is_none() && l.len_utf8() == c.len_utf8()).then_some(l)
        }
    }
}

/// Words (maximal runs of alphanumeric characters) of an aligned text.
fn words_of(text: &str, words: &mut Vec<Word>) {
    let mut cur: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_alnum(c) {
            if cur.is_none() {
                cur = Some(i);
            }
        } else if let Some(s) = cur.take() {
            words.push(Word {
                start: s,
                end: i,
                orig_start: s,
                orig_end: i,
            });
        }
    }
    if let Some(s) = cur {
        words.push(Word {
            start: s,
            end: text.len(),
            orig_start: s,
            orig_end: text.len(),
        });
    }
}

/// Whether [`join_spaced`] would join anything: three single letters (one-letter words)
/// separated by one or two spacing characters.
fn has_spaced_letters(text: &str, words: &[Word]) -> bool {
    let single = |w: &Word| {
        let mut cs = text[w.start..w.end].chars();
        cs.next().is_some_and(is_alpha) && cs.next().is_none()
    };
    let mut run = 0;
    let mut prev_end = None;
    for w in words {
        if !single(w) {
            run = 0;
            prev_end = None;
            continue;
        }
        let joined = prev_end.is_some_and(|e: usize| {
            let gap = &text[e..w.start];
            let n = gap.chars().count();
            (1..=2).contains(&n) && gap.chars().all(is_spacing_sep)
        });
        run = if joined { run + 1 } else { 1 };
        if run >= 3 {
            return true;
        }
        prev_end = Some(w.end);
    }
    false
}

/// Whether [`leet_aligned`] will replace anything: a token (alphanumerics and `@ $ !`) holding
/// a letter and a digit it maps, `@` or `!` between two letters, `$` next to a letter. One pass
/// over the bytes that looks closer only at those characters (rare in ordinary text).
fn leet_may_apply(text: &str) -> bool {
    let letter_before = |i: usize| text[..i].chars().next_back().is_some_and(is_alpha);
    let letter_after = |i: usize| text[i + 1..].chars().next().is_some_and(is_alpha);
    // digits before this offset belong to a token already looked at
    let mut seen_to = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if ASCII_CLASS
            .get(usize::from(b))
            .is_none_or(|c| c & (LEET_DIGIT | AT_BANG | DOLLAR) == 0)
        {
            continue;
        }
        match b {
            b'@' | b'!' if letter_before(i) && letter_after(i) => return true,
            b'$' if letter_before(i) || letter_after(i) => return true,
            b'0'..=b'9' if i >= seen_to => {
                let start = text[..i]
                    .char_indices()
                    .rev()
                    .take_while(|&(_, c)| is_token_char(c))
                    .last()
                    .map_or(i, |(k, _)| k);
                let end = text[i..]
                    .char_indices()
                    .find(|&(_, c)| !is_token_char(c))
                    .map_or(text.len(), |(k, _)| i + k);
                if text[start..end].chars().any(is_alpha) {
                    return true;
                }
                seen_to = end;
            }
            _ => {}
        }
    }
    false
}

/// The leetspeak replacements of an aligned text as (byte offset, ASCII letter): the same
/// decisions as [`leet`], on the characters of the text.
fn leet_aligned(text: &str) -> Vec<(usize, u8)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !is_token_char(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && is_token_char(chars[i].1) {
            i += 1;
        }
        let tok = &chars[start..i];
        let candidate = |c: char| c.is_ascii_digit() || matches!(c, '@' | '$' | '!');
        if !tok.iter().any(|&(_, c)| candidate(c)) || !tok.iter().any(|&(_, c)| is_alpha(c)) {
            continue;
        }
        for k in 0..tok.len() {
            let c = tok[k].1;
            let prev_letter = k > 0 && is_alpha(tok[k - 1].1);
            let next_letter = k + 1 < tok.len() && is_alpha(tok[k + 1].1);
            let mapped = match c {
                '@' if prev_letter && next_letter => Some('a'),
                '!' if prev_letter && next_letter => Some('i'),
                '$' if prev_letter || next_letter => Some('s'),
                d if d.is_ascii_digit() => leet_digit(d),
                _ => None,
            };
            if let Some(m) = mapped {
                out.push((tok[k].0, m as u8));
            }
        }
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}')
}

/// Lowercase + NFKC per segment (a base character with its combining marks).
fn fold(input: &str) -> Vec<NChar> {
    let mut out = Vec::with_capacity(input.len());
    let mut seg = String::new();
    let mut seg_start = 0usize;
    let mut seg_end = 0usize;
    let mut marks = 0usize;
    let flush = |seg: &mut String, s: usize, e: usize, out: &mut Vec<NChar>| {
        if seg.is_empty() {
            return;
        }
        if seg.len() == 1 && seg.as_bytes()[0].is_ascii() {
            let c = seg.as_bytes()[0].to_ascii_lowercase() as char;
            out.push(NChar { c, s, e });
        } else {
            for c in seg.nfkc() {
                for l in c.to_lowercase() {
                    out.push(NChar { c: l, s, e });
                }
            }
        }
        seg.clear();
    };
    if input.is_ascii() {
        out.extend(input.bytes().enumerate().map(|(i, b)| NChar {
            c: b.to_ascii_lowercase() as char,
            s: i,
            e: i + 1,
        }));
        return out;
    }
    for (i, c) in input.char_indices() {
        let e = i + c.len_utf8();
        if c.is_ascii() {
            // An ASCII character is a segment of its own (lowercased, NFKC leaves it alone)
            // unless a combining mark follows it (invisible characters skipped): then the
            // general path below.
            let next_is_mark = input[e..]
                .chars()
                .find(|&n| !is_invisible(n))
                .is_some_and(|n| !n.is_ascii() && canonical_combining_class(n) != 0);
            if !next_is_mark {
                flush(&mut seg, seg_start, seg_end, &mut out);
                marks = 0;
                out.push(NChar {
                    c: c.to_ascii_lowercase(),
                    s: i,
                    e,
                });
                continue;
            }
        }
        if is_invisible(c) {
            // Belongs to no segment; a span covering its neighbours covers it too.
            continue;
        }
        let ccc = canonical_combining_class(c);
        if ccc != 0 && !seg.is_empty() && marks < MAX_SEGMENT_MARKS {
            seg.push(c);
            seg_end = e;
            marks += 1;
            continue;
        }
        flush(&mut seg, seg_start, seg_end, &mut out);
        seg.push(c);
        seg_start = i;
        seg_end = e;
        marks = 0;
    }
    flush(&mut seg, seg_start, seg_end, &mut out);
    out
}

fn leet_digit(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        _ => return None,
    })
}

fn is_token_char(c: char) -> bool {
    is_alnum(c) || matches!(c, '@' | '$' | '!')
}

/// Leetspeak inside tokens that contain at least one letter.
fn leet(mut chars: Vec<NChar>) -> Vec<NChar> {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !is_token_char(chars[i].c) {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && is_token_char(chars[i].c) {
            i += 1;
        }
        let end = i;
        let candidate = |c: char| c.is_ascii_digit() || matches!(c, '@' | '$' | '!');
        if !chars[start..end].iter().any(|n| candidate(n.c))
            || !chars[start..end].iter().any(|n| is_alpha(n.c))
        {
            continue;
        }
        // Decide on the original characters, then write: a character's neighbours are read
        // before they are rewritten (walking forward, only the previous one is already written,
        // so remember whether it was a letter before).
        let mut prev_letter = false;
        for k in start..end {
            let c = chars[k].c;
            let is_letter = is_alpha(c);
            let next_letter = k + 1 < end && is_alpha(chars[k + 1].c);
            let mapped = match c {
                '@' if prev_letter && next_letter => Some('a'),
                '!' if prev_letter && next_letter => Some('i'),
                '$' if prev_letter || next_letter => Some('s'),
                d if d.is_ascii_digit() => leet_digit(d),
                _ => None,
            };
            if let Some(m) = mapped {
                chars[k].c = m;
            }
            prev_letter = is_letter;
        }
    }
    chars
}

fn is_spacing_sep(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_' | '*' | '·' | '\u{a0}' | '+' | '/')
}

/// Join three or more single letters separated by one or two spacing characters.
fn join_spaced(chars: Vec<NChar>) -> Vec<NChar> {
    let n = chars.len();
    // A single letter: a letter with no alphanumeric neighbour. One classification per character.
    let mut single_at = vec![false; n];
    let mut any = false;
    let mut prev_alnum = false;
    for k in 0..n {
        let c = chars[k].c;
        let alnum = is_alnum(c);
        let next_alnum = k + 1 < n && is_alnum(chars[k + 1].c);
        if alnum && !prev_alnum && !next_alnum && is_alpha(c) {
            single_at[k] = true;
            any = true;
        }
        prev_alnum = alnum;
    }
    if !any {
        return chars;
    }
    let single = |k: usize| single_at[k];
    let mut drop: Vec<bool> = Vec::new();
    let mut letters: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < n {
        if !single(i) {
            i += 1;
            continue;
        }
        // Collect a run: letter (sep{1,2} letter)*
        letters.clear();
        letters.push(i);
        let mut j = i;
        loop {
            let mut k = j + 1;
            let mut seps = 0;
            while k < n && seps < 2 && is_spacing_sep(chars[k].c) {
                k += 1;
                seps += 1;
            }
            if seps == 0 || k >= n || !single(k) {
                break;
            }
            letters.push(k);
            j = k;
        }
        if letters.len() >= 3 {
            if drop.is_empty() {
                drop = vec![false; n];
            }
            for w in letters.windows(2) {
                for d in drop.iter_mut().take(w[1]).skip(w[0] + 1) {
                    *d = true;
                }
            }
        }
        i = j + 1;
    }
    if drop.is_empty() {
        return chars;
    }
    chars
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(c, _)| c)
        .collect()
}

/// Runs of three or more equal letters become one.
fn squeeze(chars: Vec<NChar>) -> Vec<NChar> {
    if !chars
        .windows(3)
        .any(|w| w[0].c == w[1].c && w[1].c == w[2].c && is_alpha(w[0].c))
    {
        return chars;
    }
    let mut out: Vec<NChar> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].c;
        let mut j = i + 1;
        while j < chars.len() && chars[j].c == c {
            j += 1;
        }
        if is_alpha(c) && j - i >= 3 {
            out.push(NChar {
                c,
                s: chars[i].s,
                e: chars[j - 1].e,
            });
        } else {
            out.extend_from_slice(&chars[i..j]);
        }
        i = j;
    }
    out
}

/// Collapse every run of equal letters to one (`fitta` → `fita`), used to add squeezed variants
/// of lexicon forms so that `fittttta` (squeezed to `fita`) still matches.
pub fn squeeze_all(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if Some(c) != last || !c.is_alphabetic() {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// å, ä → a; ö → o; é → e (for variants of lexicon forms typed without Swedish letters).
pub fn deaccent(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'å' | 'ä' | 'à' | 'á' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::new(s).text().to_string()
    }

    fn span_of(input: &str, needle: &str) -> String {
        let n = Normalized::new(input);
        let pos = n.text().find(needle).expect("needle in normalised text");
        let (s, e) = n.original_span(pos, pos + needle.len());
        input[s..e].to_string()
    }

    #[test]
    fn lowercase_and_nfkc() {
        assert_eq!(norm("ÅSA Öst"), "åsa öst");
        assert_eq!(norm("ｉｄｉｏｔ"), "idiot");
        assert_eq!(norm("ﬁna"), "fina");
        // Decomposed ö composes.
        assert_eq!(norm("do\u{0308}da"), "döda");
    }

    #[test]
    fn leetspeak_only_in_words_with_letters() {
        assert_eq!(norm("id1ot"), "idiot");
        assert_eq!(norm("h0r4"), "hora");
        assert_eq!(norm("5k1t"), "skit");
        assert_eq!(norm("id!ot"), "idiot");
        assert_eq!(norm("h@t"), "hat");
        assert_eq!(norm("$vin"), "svin");
        assert_eq!(norm("ring 070-123 45 67"), "ring 070-123 45 67");
        assert_eq!(norm("KS 2026/123"), "ks 2026/123");
        assert_eq!(norm("idiot!"), "idiot!");
        assert_eq!(norm("@anna"), "@anna");
    }

    #[test]
    fn spaced_letters_join() {
        assert_eq!(norm("du är en h o r a"), "du är en hora");
        assert_eq!(norm("i.d.i.o.t"), "idiot");
        assert_eq!(norm("h-o-r-a!"), "hora!");
        assert_eq!(norm("i  d  i  o  t"), "idiot");
        // Two single letters are left alone.
        assert_eq!(norm("jag bor i å"), "jag bor i å");
    }

    #[test]
    fn repeated_letters_squeeze() {
        assert_eq!(norm("idiooot"), "idiot");
        assert_eq!(norm("HOOOORA"), "hora");
        assert_eq!(norm("snygg"), "snygg");
    }

    #[test]
    fn invisible_characters_dropped() {
        assert_eq!(norm("id\u{200B}iot"), "idiot");
        assert_eq!(norm("ho\u{00AD}ra"), "hora");
    }

    #[test]
    fn spans_map_back_to_original() {
        assert_eq!(span_of("Du är en h o r a!", "hora"), "h o r a");
        assert_eq!(span_of("Vilken ID1OOOT", "idiot"), "ID1OOOT");
        assert_eq!(span_of("x ｉｄｉｏｔ y", "idiot"), "ｉｄｉｏｔ");
        assert_eq!(span_of("id\u{200B}iot", "idiot"), "id\u{200B}iot");
        assert_eq!(span_of("O\u{0308}st", "öst"), "O\u{0308}st");
    }

    #[test]
    fn words_and_lookup() {
        let n = Normalized::new("Hej  du, 070-12");
        let w: Vec<&str> = n
            .words()
            .iter()
            .map(|w| &n.text()[w.start..w.end])
            .collect();
        assert_eq!(w, ["hej", "du", "070", "12"]);
        assert_eq!(n.word_at_or_after(4), 1);
        assert_eq!(n.word_containing(1), Some(0));
        assert_eq!(n.word_containing(3), None);
    }

    #[test]
    fn latin1_fast_paths_agree_with_unicode() {
        for c in ('\0'..='\u{2fff}').chain(['\u{1f4a5}', '\u{10ffff}']) {
            assert_eq!(is_alpha(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(squeeze_all("fitta"), "fita");
        assert_eq!(deaccent("döda där"), "doda dar");
    }

    /// Text, words and every word's original span of the fast path and the general path.
    fn both(s: &str) -> (Option<Normalized>, Normalized) {
        (aligned(s), Normalized::general(s))
    }

    fn aligned(s: &str) -> Option<Normalized> {
        Normalized::aligned(s, &mut Buffers::default())
    }

    fn same(s: &str) {
        let (fast, general) = both(s);
        let Some(fast) = fast else { return };
        assert_eq!(fast.text(), general.text(), "{s:?}");
        assert_eq!(fast.words(), general.words(), "{s:?}");
        for w in fast.words() {
            assert_eq!(
                fast.original_span(w.start, w.end),
                general.original_span(w.start, w.end),
                "{s:?}"
            );
        }
    }

    #[test]
    fn fast_path_taken_and_agrees() {
        for s in [
            "Hej Åsa, ring 070-123 45 67!",
            "ÄNDÅ ÖVERKLAGAR JAG 🙂",
            "id1ot h@t $vin",
            "über café naïve",
        ] {
            assert!(aligned(s).is_some(), "{s:?}");
            same(s);
        }
        for s in [
            "h o r a",
            "idiooot",
            "ｉｄｉｏｔ",
            "do\u{0308}da",
            "id\u{200B}iot",
            "İstanbul",
            "a\u{a0}b",
            "aa4",
        ] {
            assert!(aligned(s).is_none(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_leetspeak_check_is_exact(s in "[a-zåö0-9@$! .-]{0,24}") {
            proptest::prop_assert_eq!(leet_may_apply(&s), !leet_aligned(&s).is_empty(), "{:?}", s);
        }

        #[test]
        fn fast_path_agrees_with_the_general_path(
            s in "[a-zA-Z0-9åäöÅÄÖéü @$!.\\-_*·/+İｉ\u{a0}\u{200b}\u{308}🙂]{0,40}"
        ) {
            same(&s);
        }

        #[test]
        fn fast_path_agrees_on_common_text(
            s in "[a-zA-Z0-9åäöÅÄÖéü @$!.,?\\-_*·/+🙂]{0,60}"
        ) {
            same(&s);
        }
    }

    #[test]
    fn long_combining_runs_are_cut() {
        let s = format!("a{}", "\u{0301}".repeat(1000));
        let n = Normalized::new(&s);
        assert!(!n.text().is_empty());
    }
}

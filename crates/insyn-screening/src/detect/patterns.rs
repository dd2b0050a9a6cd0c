//! Regex-based detectors on the original text: e-mail, IBAN, postal addresses, diary numbers,
//! @mentions and full names. Every regex is compiled once (in [`Patterns::new`]) with the `regex`
//! crate, whose engines run in time linear in the input.

use regex::{Regex, RegexSet};

use crate::category::{Category, SuggestedAction};
use crate::detect::numbers::NumberHit;
use crate::error::ScreeningError;
use crate::validate::email_valid;
use crate::validate::iban::iban_valid;

/// Street-name endings (definite and indefinite forms), longest first.
const STREET_SUFFIXES: &[&str] = &[
    "esplanaden",
    "gränden",
    "stråket",
    "slingan",
    "platsen",
    "vägen",
    "gatan",
    "stigen",
    "torget",
    "backen",
    "allén",
    "allé",
    "leden",
    "kajen",
    "liden",
    "gården",
    "udden",
    "gränd",
    "plats",
    "backe",
    "stig",
    "torg",
    "gata",
    "väg",
];

/// Words that end like a street but are not one.
const NOT_STREETS: &[&str] = &[
    "riksväg",
    "länsväg",
    "motorväg",
    "europaväg",
    "landsväg",
    "cykelväg",
    "gångväg",
    "omväg",
    "genväg",
    "halvväg",
    "huvudgata",
    "bakgata",
    "gågata",
    "gatan",
    "vägen",
    "allén",
    "torget",
    "backen",
    "stigen",
    "leden",
    "gården",
    "platsen",
    "arbetsplats",
    "parkeringsplats",
    "hemväg",
    "skolgård",
    "skolgården",
    "förskolegården",
    "badplats",
    "idrottsplats",
    "mötesplats",
    "marknadsplats",
    "lekplats",
    "rastplats",
    "busshållplats",
    "hållplats",
    "ståplats",
    "sittplats",
    "plats",
    "platsen",
    "skidbacken",
    "pulkabacken",
];

/// Common Swedish surname endings (a whole surname such as "Holm" or "Lund" counts too).
const SURNAME_ENDINGS: &[&str] = &[
    "sson", "son", "berg", "ström", "lund", "gren", "qvist", "kvist", "holm", "dahl", "ander",
    "blad", "stedt", "borg", "fors", "lind", "ek", "löf", "sten", "ling", "lin", "ius", "man",
    "back", "bäck", "by", "hed", "mark", "vall", "ros", "hag", "näs", "ö", "å",
];

pub(crate) struct Patterns {
    /// The detectors that need a digit, as one set: one pass over a text with digits tells
    /// which of them can match at all (most texts with a number hold none of these), in the
    /// order of [`DigitPattern`].
    digit_set: RegexSet,
    email: Regex,
    iban: Regex,
    street: Regex,
    street_multi: Regex,
    postcode: Regex,
    diary: Regex,
    diary_prefixed: Regex,
    mention: Regex,
    full_name: Regex,
}

/// Which bytes a text holds that the regexes need (each regex needs at least one of its class).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Triggers {
    /// `@`: e-mail addresses, mentions.
    pub at: bool,
    /// An ASCII digit: street numbers, postcodes, IBANs, diary numbers, every number detector.
    pub digit: bool,
    /// `A-Z`: IBAN country codes.
    pub ascii_upper: bool,
    /// A space between what may be a lowercase letter (`a-z` or the last byte of a non-ASCII
    /// character) and what may be an uppercase one (`A-Z` or the first byte of a non-ASCII
    /// character): what every "Förnamn Efternamn" holds.
    pub name_pair: bool,
    /// `.`: domain names.
    pub dot: bool,
    /// A `.` between two host characters (ASCII letter or digit, `-`, or a non-ASCII byte):
    /// what every listed domain holds.
    pub inner_dot: bool,
}

impl Triggers {
    /// One pass over the bytes: each byte's classes from a table, OR-ed together, and the two
    /// three-byte conditions (a dot between host characters, a space between a lowercase and an
    /// uppercase letter) from a sliding window, without a branch per byte.
    pub fn of(text: &str) -> Triggers {
        let bytes = text.as_bytes();
        let class = |i: usize| bytes.get(i).map_or(0, |&b| BYTE_CLASS[usize::from(b)]);
        let mut any = 0u8;
        let (mut inner_dot, mut name_pair) = (false, false);
        let (mut prev, mut cur) = (0u8, class(0));
        for i in 0..bytes.len() {
            let next = class(i + 1);
            any |= cur;
            inner_dot |= (prev & HOST != 0) & (cur & DOT != 0) & (next & HOST != 0);
            name_pair |= (prev & LOWERISH != 0) & (cur & SPACE != 0) & (next & UPPERISH != 0);
            prev = cur;
            cur = next;
        }
        Triggers {
            at: any & AT != 0,
            digit: any & DIGIT != 0,
            ascii_upper: any & ASCII_UPPER != 0,
            name_pair,
            dot: any & DOT != 0,
            inner_dot,
        }
    }
}

const AT: u8 = 1;
const DIGIT: u8 = 2;
const ASCII_UPPER: u8 = 4;
const DOT: u8 = 8;
const SPACE: u8 = 16;
/// A host-name character: ASCII letter or digit, `-`, any non-ASCII byte.
const HOST: u8 = 32;
/// What may end a lowercase letter: `a-z` or a UTF-8 continuation byte.
const LOWERISH: u8 = 64;
/// What may start an uppercase letter: `A-Z` or a UTF-8 lead byte of U+0080 and up.
const UPPERISH: u8 = 128;
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b == b'@' {
            c |= AT;
        }
        if b.is_ascii_digit() {
            c |= DIGIT;
        }
        if b.is_ascii_uppercase() {
            c |= ASCII_UPPER | UPPERISH;
        }
        if b == b'.' {
            c |= DOT;
        }
        if b == b' ' {
            c |= SPACE;
        }
        if b.is_ascii_alphanumeric() || b == b'-' || b >= 0x80 {
            c |= HOST;
        }
        if b.is_ascii_lowercase() || (b >= 0x80 && b <= 0xBF) {
            c |= LOWERISH;
        }
        if b >= 0xC2 {
            c |= UPPERISH;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The patterns of [`Patterns::digit_set`], in order.
#[derive(Debug, Clone, Copy)]
enum DigitPattern {
    Iban,
    Street,
    StreetMulti,
    Postcode,
    Diary,
    DiaryPrefixed,
}

fn re(p: &str) -> Result<Regex, ScreeningError> {
    regex::RegexBuilder::new(p)
        .size_limit(1 << 24)
        .dfa_size_limit(1 << 24)
        .build()
        .map_err(|e| ScreeningError::Build(e.to_string()))
}

fn prev_char(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

fn next_char(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

fn hit(
    category: Category,
    (start, end): (usize, usize),
    rule: &'static str,
    confidence: f32,
    (sv, en): (&'static str, &'static str),
    action: Option<SuggestedAction>,
) -> NumberHit {
    NumberHit {
        category,
        start,
        end,
        rule,
        confidence,
        sv,
        en,
        action,
    }
}

impl std::fmt::Debug for Patterns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Patterns")
    }
}

impl Patterns {
    pub fn new() -> Result<Patterns, ScreeningError> {
        let suffixes = STREET_SUFFIXES.join("|");
        let iban = r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,32}";
        let street = format!(r"\p{{L}}[\p{{L}}\-]*(?i:{suffixes}) ?[0-9]{{1,4}}");
        let street_multi =
            r"(?:\p{Lu}\p{Ll}+ ){1,2}(?:väg|gata|gränd|allé|torg|stig|backe|plats) [0-9]{1,4}";
        let postcode = r"[1-9][0-9]{2} ?[0-9]{2} +\p{Lu}[\p{L}\-]+";
        let diary = r"[A-ZÅÄÖ]{1,6}(?:[ \-][A-ZÅÄÖ]{1,6})?[ \-]?(?:19|20)[0-9]{2}/[0-9]{1,6}";
        let diary_prefixed = r"(?i:dnr|diarienr|diarienummer|ärendenr|ärendenummer|ärende nr|ärendenumret|diarienumret)\.?:? ?(?:[A-ZÅÄÖ]{1,6}[ \-]?)?(?:19|20)[0-9]{2}[/.:\-][0-9]{1,6}";
        // in the order of `DigitPattern`
        let digit_set = regex::RegexSetBuilder::new([
            iban,
            street.as_str(),
            street_multi,
            postcode,
            diary,
            diary_prefixed,
        ])
        .size_limit(1 << 24)
        .dfa_size_limit(1 << 24)
        .build()
        .map_err(|e| ScreeningError::Build(e.to_string()))?;
        Ok(Patterns {
            digit_set,
            email: re(r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+")?,
            iban: re(iban)?,
            street: re(&street)?,
            street_multi: re(street_multi)?,
            postcode: re(postcode)?,
            diary: re(diary)?,
            diary_prefixed: re(diary_prefixed)?,
            mention: re(r"@[\p{L}\p{N}_][\p{L}\p{N}_.]+")?,
            full_name: re(r"\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?")?,
        })
    }

    /// E-mail addresses, IBANs, addresses and diary numbers.
    #[cfg(test)]
    pub fn detect(&self, text: &str) -> Vec<NumberHit> {
        self.detect_with(text, Triggers::of(text))
    }

    /// [`Patterns::detect`] with the text's trigger bytes already known: a regex runs only when
    /// the bytes it cannot match without occur in the text.
    pub(crate) fn detect_with(&self, text: &str, t: Triggers) -> Vec<NumberHit> {
        let mut out = Vec::new();
        if t.at {
            self.emails(text, &mut out);
        }
        if t.digit {
            let set = self.digit_set.matches(text);
            let may = |p: DigitPattern| set.matched(p as usize);
            if t.ascii_upper && may(DigitPattern::Iban) {
                self.ibans(text, &mut out);
            }
            if may(DigitPattern::Street)
                || may(DigitPattern::StreetMulti)
                || may(DigitPattern::Postcode)
            {
                self.addresses(text, &mut out);
            }
            if may(DigitPattern::Diary) || may(DigitPattern::DiaryPrefixed) {
                self.diary_numbers(text, &mut out);
            }
        }
        out
    }

    fn emails(&self, text: &str, out: &mut Vec<NumberHit>) {
        for m in self.email.find_iter(text) {
            let s = m.as_str().trim_end_matches(['.', '-']);
            let mut start = m.start();
            let mut local = &s[..s.find('@').unwrap_or(0)];
            // A leading '.' or '+' is punctuation, not part of the address.
            while let Some(c) = local
                .chars()
                .next()
                .filter(|c| matches!(c, '.' | '+' | '-' | '%'))
            {
                start += c.len_utf8();
                local = &local[c.len_utf8()..];
            }
            let end = m.start() + s.len();
            if start < end && email_valid(&text[start..end]) {
                out.push(hit(
                    Category::Email,
                    (start, end),
                    "email.address",
                    0.95,
                    ("E-postadress.", "E-mail address."),
                    Some(SuggestedAction::ProtectPersonalData),
                ));
            }
        }
    }

    fn ibans(&self, text: &str, out: &mut Vec<NumberHit>) {
        for m in self.iban.find_iter(text) {
            if prev_char(text, m.start()).is_some_and(char::is_alphanumeric) {
                continue;
            }
            let groups: Vec<&str> = m.as_str().split(' ').collect();
            for n in (1..=groups.len()).rev() {
                let cand = groups[..n].join(" ");
                let end = m.start() + cand.len();
                if next_char(text, end).is_some_and(char::is_alphanumeric) {
                    continue;
                }
                if iban_valid(&cand) {
                    out.push(hit(
                        Category::Payment,
                        (m.start(), end),
                        "iban.mod97",
                        0.95,
                        (
                            "IBAN-kontonummer med giltig kontrollsumma (mod 97).",
                            "IBAN with a valid mod 97 checksum.",
                        ),
                        Some(SuggestedAction::ProtectPersonalData),
                    ));
                    break;
                }
            }
        }
    }

    fn addresses(&self, text: &str, out: &mut Vec<NumberHit>) {
        let mut found: Vec<NumberHit> = Vec::new();
        let sv = "Postadress (gatuadress med nummer eller postnummer och ort).";
        let en = "Postal address (street and number, or postcode and town).";
        let street_ok = |start: usize, end: usize| -> Option<usize> {
            if prev_char(text, start).is_some_and(|c| c.is_alphanumeric()) {
                return None;
            }
            let after = address_number_end(text, end)?;
            Some(after)
        };
        for m in self.street.find_iter(text) {
            let word_end = m
                .as_str()
                .find([' ', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
            let word = m.as_str()[..word_end.unwrap_or(m.len())].to_lowercase();
            let Some(suffix) = STREET_SUFFIXES.iter().find(|s| word.ends_with(*s)) else {
                continue;
            };
            if word.chars().count() < suffix.chars().count() + 2
                || NOT_STREETS
                    .iter()
                    .any(|n| word == *n || word.ends_with(&format!("-{n}")))
                || NOT_STREETS.iter().any(|n| n.len() > 6 && word.ends_with(n))
            {
                continue;
            }
            if let Some(end) = street_ok(m.start(), m.end()) {
                found.push(hit(
                    Category::Address,
                    (m.start(), end),
                    "address.street",
                    0.8,
                    (sv, en),
                    Some(SuggestedAction::ProtectPersonalData),
                ));
            }
        }
        for m in self.street_multi.find_iter(text) {
            if let Some(end) = street_ok(m.start(), m.end()) {
                found.push(hit(
                    Category::Address,
                    (m.start(), end),
                    "address.street",
                    0.75,
                    (sv, en),
                    Some(SuggestedAction::ProtectPersonalData),
                ));
            }
        }
        for m in self.postcode.find_iter(text) {
            if prev_char(text, m.start())
                .is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '+')
                || next_char(text, m.end()).is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let town = m.as_str().rsplit(' ').next().unwrap_or("");
            // Units and months after a number are not towns.
            if ["Kr", "Kronor", "SEK", "St"].contains(&town) {
                continue;
            }
            found.push(hit(
                Category::Address,
                (m.start(), m.end()),
                "address.postcode",
                0.75,
                (sv, en),
                Some(SuggestedAction::ProtectPersonalData),
            ));
        }
        // Merge a street and a postcode written together ("Storgatan 1, 735 31 Surahammar").
        found.sort_by_key(|h| (h.start, h.end));
        let mut merged: Vec<NumberHit> = Vec::new();
        for h in found {
            if let Some(last) = merged.last_mut() {
                let gap = text.get(last.end..h.start).unwrap_or("x");
                let street_then_postcode =
                    last.rule == "address.street" && h.rule == "address.postcode";
                if h.start < last.end
                    || (street_then_postcode
                        && gap.len() <= 3
                        && gap.chars().all(|c| c == ',' || c == ' '))
                {
                    last.end = last.end.max(h.end);
                    if street_then_postcode {
                        last.rule = "address.street_postcode";
                        last.confidence = (last.confidence.max(h.confidence) + 0.05).min(0.95);
                    }
                    continue;
                }
            }
            merged.push(h);
        }
        out.extend(merged);
    }

    fn diary_numbers(&self, text: &str, out: &mut Vec<NumberHit>) {
        let mut found = Vec::new();
        for m in self.diary_prefixed.find_iter(text) {
            if prev_char(text, m.start()).is_some_and(char::is_alphanumeric)
                || next_char(text, m.end()).is_some_and(|c| c.is_alphanumeric())
            {
                continue;
            }
            found.push((m.start(), m.end()));
        }
        for m in self.diary.find_iter(text) {
            if prev_char(text, m.start()).is_some_and(char::is_alphanumeric)
                || next_char(text, m.end()).is_some_and(|c| c.is_alphanumeric())
            {
                continue;
            }
            let prefix: String = m
                .as_str()
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect();
            if ["HT", "VT", "LÅ", "ÅR"].contains(&prefix.as_str()) {
                continue;
            }
            if found.iter().any(|(s, e)| m.start() < *e && m.end() > *s) {
                continue;
            }
            found.push((m.start(), m.end()));
        }
        for (s, e) in found {
            out.push(hit(
                Category::CaseReference,
                (s, e),
                "case_reference.diary_number",
                0.9,
                (
                    "Diarienummer: inlägget gäller troligen ett pågående ärende.",
                    "Diary number: the post probably concerns an ongoing case.",
                ),
                Some(SuggestedAction::Register),
            ));
        }
    }

    /// Byte ranges of @mentions (not e-mail addresses).
    pub fn mentions(&self, text: &str) -> Vec<(usize, usize)> {
        self.mention
            .find_iter(text)
            .filter(|m| !prev_char(text, m.start()).is_some_and(char::is_alphanumeric))
            .map(|m| (m.start(), m.end()))
            .collect()
    }

    /// Byte ranges of "Förnamn Efternamn" with a common surname ending.
    pub fn full_names(&self, text: &str) -> Vec<(usize, usize)> {
        self.full_name
            .find_iter(text)
            .filter(|m| {
                let last = m
                    .as_str()
                    .rsplit([' ', '-'])
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                !next_char(text, m.end()).is_some_and(char::is_alphanumeric)
                    && SURNAME_ENDINGS.iter().any(|e| last.ends_with(e))
            })
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// After a street name and its number: accept an optional letter ("12B", "12 b"), reject units and
/// numbers glued to more digits. Returns the end of the address.
fn address_number_end(text: &str, end: usize) -> Option<usize> {
    match next_char(text, end) {
        Some(c) if c.is_ascii_digit() => return None,
        Some(c @ ('.' | ',' | ':' | '/' | '-'))
            if next_char(text, end + c.len_utf8()).is_some_and(|d| d.is_ascii_digit()) =>
        {
            return None;
        }
        _ => {}
    }
    let rest = &text[end..];
    let word: String = rest
        .trim_start_matches(' ')
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '%')
        .collect();
    let lw = word.to_lowercase();
    const UNITS: &[&str] = &[
        "kr", "kronor", "%", "procent", "km", "meter", "m", "min", "minuter", "timmar", "dagar",
        "gånger", "ggr", "år", "st", "mil", "cm",
    ];
    if UNITS.contains(&lw.as_str()) {
        return None;
    }
    // One letter right after the number, or after one space, if it stands alone.
    let mut it = rest.char_indices();
    match it.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {
            if next_char(text, end + 1).is_none_or(|d| !d.is_alphanumeric()) {
                return Some(end + 1);
            }
            return None;
        }
        Some((_, ' ')) => {
            if let Some((_, c)) = it.next()
                && c.is_ascii_uppercase()
                && next_char(text, end + 2).is_none_or(|d| !d.is_alphanumeric())
            {
                return Some(end + 2);
            }
        }
        _ => {}
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trigger conditions written out plainly, to check the table-driven pass against.
    fn triggers_plain(text: &str) -> Triggers {
        let b = text.as_bytes();
        let host = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c >= 0x80;
        let around = |i: usize, f: &dyn Fn(u8) -> bool, g: &dyn Fn(u8) -> bool| {
            i > 0 && f(b[i - 1]) && b.get(i + 1).is_some_and(|&n| g(n))
        };
        Triggers {
            at: b.contains(&b'@'),
            digit: b.iter().any(u8::is_ascii_digit),
            ascii_upper: b.iter().any(u8::is_ascii_uppercase),
            name_pair: (0..b.len()).any(|i| {
                b[i] == b' '
                    && around(i, &|p| matches!(p, b'a'..=b'z' | 0x80..=0xBF), &|n| {
                        n.is_ascii_uppercase() || n >= 0xC2
                    })
            }),
            dot: b.contains(&b'.'),
            inner_dot: (0..b.len()).any(|i| b[i] == b'.' && around(i, &host, &host)),
        }
    }

    proptest::proptest! {
        #[test]
        fn trigger_pass_agrees_with_the_plain_conditions(
            s in "[a-zA-Z0-9åÅé@. _🙂-]{0,24}"
        ) {
            let (t, p) = (Triggers::of(&s), triggers_plain(&s));
            proptest::prop_assert_eq!(
                (t.at, t.digit, t.ascii_upper, t.name_pair, t.dot, t.inner_dot),
                (p.at, p.digit, p.ascii_upper, p.name_pair, p.dot, p.inner_dot)
            );
        }
    }

    fn found(text: &str) -> Vec<(Category, String)> {
        let p = Patterns::new().unwrap();
        p.detect(text)
            .into_iter()
            .map(|h| (h.category, text[h.start..h.end].to_string()))
            .collect()
    }

    fn one(c: Category, s: &str) -> Vec<(Category, String)> {
        vec![(c, s.to_string())]
    }

    #[test]
    fn emails() {
        assert_eq!(
            found("mejla anna.svensson@example.se."),
            one(Category::Email, "anna.svensson@example.se")
        );
        assert_eq!(
            found("Åsa.Öberg@kommun.se"),
            one(Category::Email, "Åsa.Öberg@kommun.se")
        );
        assert_eq!(found("@kommunen hej"), vec![]);
        assert_eq!(found("a@b"), vec![]);
    }

    #[test]
    fn ibans() {
        assert_eq!(
            found("IBAN: SE45 5000 0000 0583 9825 7466 TACK"),
            one(Category::Payment, "SE45 5000 0000 0583 9825 7466")
        );
        assert_eq!(found("SE45 5000 0000 0583 9825 7467"), vec![]);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            found("han bor på Storgatan 12B i"),
            one(Category::Address, "Storgatan 12B")
        );
        assert_eq!(
            found("bor på storgatan 5"),
            one(Category::Address, "storgatan 5")
        );
        assert_eq!(
            found("Kyrkbacken 3 A, 735 31 Surahammar"),
            one(Category::Address, "Kyrkbacken 3 A, 735 31 Surahammar")
        );
        assert_eq!(
            found("Drottning Kristinas väg 12"),
            one(Category::Address, "Drottning Kristinas väg 12")
        );
        assert_eq!(
            found("735 80 SURAHAMMAR"),
            one(Category::Address, "735 80 SURAHAMMAR")
        );
        assert_eq!(found("Storgatan 1 Storgatan 2").len(), 2);
    }

    #[test]
    fn address_negatives() {
        assert_eq!(found("längs vägen 5 km"), vec![]);
        assert_eq!(found("riksväg 55 är avstängd"), vec![]);
        assert_eq!(found("Storgatan 12 kr"), vec![]);
        assert_eq!(found("på gatan 3 gånger"), vec![]);
        assert_eq!(found("det kostar 100 00 kr"), vec![]);
        assert_eq!(found("på lekplatsen 2 barn"), vec![]);
    }

    #[test]
    fn diary_numbers() {
        assert_eq!(
            found("mitt ärende KS 2026/123?"),
            one(Category::CaseReference, "KS 2026/123")
        );
        assert_eq!(
            found("dnr 2025-00123"),
            one(Category::CaseReference, "dnr 2025-00123")
        );
        assert_eq!(
            found("Dnr: BN 2025.45"),
            one(Category::CaseReference, "Dnr: BN 2025.45")
        );
        assert_eq!(found("läsåret 2026/27"), vec![]);
        assert_eq!(found("HT 2025/26"), vec![]);
        assert_eq!(found("2026-01-15"), vec![]);
    }

    #[test]
    fn mentions_and_names() {
        let p = Patterns::new().unwrap();
        assert_eq!(p.mentions("hej @Anna_S och anna@x.se").len(), 1);
        assert_eq!(p.full_names("Det var Anna Svensson som").len(), 1);
        assert_eq!(p.full_names("Surahammars Kommun").len(), 0);
        assert_eq!(p.full_names("Sanna Holm är").len(), 1);
        assert_eq!(p.full_names("Anna Lind-Berg").len(), 1);
    }
}

//! Numbers in running text: personnummer, phone numbers, card numbers, bank accounts, bankgiro
//! and plusgiro.
//!
//! The text is cut into *runs* of digit groups joined by one separator (space, no-break space,
//! `-`, `–`, `+`, ` - `, `(0)`). Every contiguous sub-sequence of groups with at most 19 digits is
//! a candidate; each detector checks the grouping it accepts and its checksum. Overlapping
//! candidates are resolved by confidence. Runs glued to letters (`SE45…`, `KS2026`) or to `/`,
//! `.`, `,`, `:` plus a digit (dates, diary numbers, decimals), or followed by a unit (`kr`, `%`)
//! give no candidates at their glued end.

use std::collections::BTreeMap;

use crate::category::{Category, SuggestedAction};
use crate::validate::bank::{bank_account, bankgiro_valid, plusgiro_valid};
use crate::validate::card_valid;
use crate::validate::personnummer::Personnummer;
use crate::validate::phone::{PhoneKind, international_se, national};

/// A detected number before conversion into a finding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberHit {
    pub category: Category,
    pub start: usize,
    pub end: usize,
    pub rule: &'static str,
    pub confidence: f32,
    pub sv: &'static str,
    pub en: &'static str,
    pub action: Option<SuggestedAction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Space,
    Dash,
    Plus,
    SpacedDash,
    Paren0,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    s: usize,
    e: usize,
}

#[derive(Debug)]
struct Run {
    groups: Vec<Group>,
    seps: Vec<Sep>,
    /// Byte offset of a '+' just before the first group.
    plus: Option<usize>,
    tainted_start: bool,
    tainted_end: bool,
}

/// Context lookups: "is there a context phrase of this kind just before byte offset `pos`?"
pub(crate) trait Context {
    fn has(&self, detector: &str, pos: usize) -> bool;
}

/// At most this many digit groups make one candidate ("+46 70 174 06 12" has five).
const MAX_GROUPS: usize = 7;

const UNITS: &[&str] = &[
    "kr", "kronor", "sek", "%", "procent", "st", "år", "km", "mil", "kvm", "m2", "m²", "meter",
    "ton", "kg", "min", "minuter", "timmar", "dagar", "euro", "eur", "€", "$",
];

fn sep_at(b: &[u8], i: usize) -> Option<(Sep, usize)> {
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let candidates: [(&[u8], Sep); 10] = [
        (b" - ", Sep::SpacedDash),
        (" – ".as_bytes(), Sep::SpacedDash),
        (b" (0) ", Sep::Paren0),
        (b" (0)", Sep::Paren0),
        (b"(0) ", Sep::Paren0),
        (b"(0)", Sep::Paren0),
        (b" ", Sep::Space),
        ("\u{a0}".as_bytes(), Sep::Space),
        (b"-", Sep::Dash),
        ("–".as_bytes(), Sep::Dash),
    ];
    for (pat, kind) in candidates {
        if b[i..].starts_with(pat) && digit_at(i + pat.len()) {
            return Some((kind, pat.len()));
        }
    }
    if b[i] == b'+' && digit_at(i + 1) {
        return Some((Sep::Plus, 1));
    }
    None
}

fn prev_char(text: &str, pos: usize) -> Option<char> {
    text[..pos].chars().next_back()
}

fn next_char(text: &str, pos: usize) -> Option<char> {
    text[pos..].chars().next()
}

fn glued_before(text: &str, pos: usize) -> bool {
    match prev_char(text, pos) {
        None => false,
        Some(c) if c.is_alphanumeric() => true,
        Some(c @ ('/' | '.' | ',' | ':')) => {
            prev_char(text, pos - c.len_utf8()).is_some_and(|d| d.is_ascii_digit())
        }
        _ => false,
    }
}

fn glued_after(text: &str, pos: usize) -> bool {
    match next_char(text, pos) {
        None => false,
        Some(c) if c.is_alphanumeric() || c == '%' || c == '€' => true,
        Some(c @ ('/' | '.' | ',' | ':')) => {
            next_char(text, pos + c.len_utf8()).is_some_and(|d| d.is_ascii_digit() || d == '-')
        }
        Some(' ') => {
            let rest = &text[pos + 1..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '%' | '€' | '$' | '²'))
                .take(10)
                .flat_map(char::to_lowercase)
                .collect();
            UNITS.contains(&word.as_str())
        }
        _ => false,
    }
}

fn runs(text: &str) -> Vec<Run> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let plus = (i > 0 && b[i - 1] == b'+').then(|| i - 1);
        let lead = plus.unwrap_or(i);
        let tainted_start = glued_before(text, lead);
        let mut groups = Vec::new();
        let mut seps = Vec::new();
        loop {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            groups.push(Group { s, e: i });
            if i >= b.len() {
                break;
            }
            match sep_at(b, i) {
                Some((kind, len)) => {
                    seps.push(kind);
                    i += len;
                }
                None => break,
            }
        }
        let tainted_end = glued_after(text, i);
        out.push(Run {
            groups,
            seps,
            plus,
            tainted_start,
            tainted_end,
        });
    }
    out
}

const SV_PNR: &str = "Personnummer med giltig kontrollsiffra och giltigt datum.";
const EN_PNR: &str = "Swedish personal identity number with a valid check digit and date.";
const SV_SAM: &str = "Samordningsnummer (dag + 60) med giltig kontrollsiffra och giltigt datum.";
const EN_SAM: &str = "Swedish co-ordination number (day + 60) with a valid check digit and date.";
const SV_PHONE: &str = "Telefonnummer i svenskt format.";
const EN_PHONE: &str = "Telephone number in Swedish format.";
const SV_MOBILE: &str = "Mobilnummer i svenskt format.";
const EN_MOBILE: &str = "Mobile phone number in Swedish format.";
const SV_CARD: &str = "Kortnummer med giltig kontrollsiffra (Luhn).";
const EN_CARD: &str = "Payment card number with a valid Luhn check digit.";
const SV_ACCOUNT: &str =
    "Bankkontonummer (clearingnummer och kontonummer med giltig kontrollsiffra).";
const EN_ACCOUNT: &str =
    "Bank account number (clearing and account number with a valid check digit).";
const SV_BG: &str = "Bankgironummer med giltig kontrollsiffra.";
const EN_BG: &str = "Bankgiro number with a valid check digit.";
const SV_PG: &str = "Plusgironummer med giltig kontrollsiffra.";
const EN_PG: &str = "Plusgiro number with a valid check digit.";

/// All number findings in `text`, non-overlapping.
pub(crate) fn detect(text: &str, ctx: &dyn Context, reference_year: i32) -> Vec<NumberHit> {
    let mut cands: Vec<NumberHit> = Vec::new();
    let mut digits = String::new();
    let mut lens: Vec<usize> = Vec::new();
    for run in runs(text) {
        let k = run.groups.len();
        for i in 0..k {
            if i == 0 && run.tainted_start {
                continue;
            }
            if i > 0 && run.seps[i - 1] != Sep::Space {
                continue;
            }
            digits.clear();
            lens.clear();
            let mut flags = Flags::new(ctx, run.groups[i].s);
            for j in i..k.min(i + MAX_GROUPS) {
                let g = run.groups[j];
                digits.push_str(&text[g.s..g.e]);
                lens.push(g.e - g.s);
                if digits.len() > 19 {
                    break;
                }
                if j == k - 1 && run.tainted_end {
                    break;
                }
                if j < k - 1 && run.seps[j] != Sep::Space {
                    continue;
                }
                let c = Cand {
                    digits: &digits,
                    lens: &lens,
                    seps: &run.seps[i..j],
                    start: run.groups[i].s,
                    end: g.e,
                    plus: if i == 0 { run.plus } else { None },
                };
                evaluate(&c, &mut flags, reference_year, &mut cands);
            }
        }
    }
    select(cands)
}

struct Cand<'a> {
    digits: &'a str,
    lens: &'a [usize],
    seps: &'a [Sep],
    start: usize,
    end: usize,
    plus: Option<usize>,
}

fn hit(
    category: Category,
    start: usize,
    end: usize,
    rule: &'static str,
    confidence: f32,
    sv: &'static str,
    en: &'static str,
) -> NumberHit {
    NumberHit {
        category,
        start,
        end,
        rule,
        confidence: confidence.min(0.99),
        sv,
        en,
        action: Some(SuggestedAction::ProtectPersonalData),
    }
}

/// Context lookups for one candidate start, made only when a candidate needs them.
struct Flags<'a> {
    ctx: &'a dyn Context,
    pos: usize,
    cache: [Option<bool>; 7],
}

/// The detectors a rule's `context` line may name.
pub(crate) const CONTEXTS: [&str; 7] = [
    "personnummer",
    "phone",
    "card",
    "bank_account",
    "bankgiro",
    "plusgiro",
    "reference_number",
];

#[derive(Clone, Copy)]
enum Ctx {
    Personnummer = 0,
    Phone = 1,
    Card = 2,
    BankAccount = 3,
    Bankgiro = 4,
    Plusgiro = 5,
    Reference = 6,
}

impl<'a> Flags<'a> {
    fn new(ctx: &'a dyn Context, pos: usize) -> Self {
        Flags {
            ctx,
            pos,
            cache: [None; 7],
        }
    }

    fn get(&mut self, k: Ctx) -> bool {
        let i = k as usize;
        *self.cache[i].get_or_insert_with(|| self.ctx.has(CONTEXTS[i], self.pos))
    }
}

/// Every detector checks shape and checksum first and looks at the context only for a
/// candidate that passes, so hostile digit soup costs no context lookups.
fn evaluate(c: &Cand<'_>, flags: &mut Flags<'_>, year: i32, out: &mut Vec<NumberHit>) {
    personnummer(c, flags, year, out);
    phone(c, flags, out);
    card(c, flags, out);
    account(c, flags, out);
    bankgiro(c, flags, out);
    plusgiro(c, flags, out);
}

fn personnummer(c: &Cand<'_>, flags: &mut Flags<'_>, year: i32, out: &mut Vec<NumberHit>) {
    let (canon, mut conf) = match (c.lens, c.seps) {
        ([10], []) | ([12], []) => (
            c.digits.to_string(),
            if c.lens[0] == 12 { 0.9 } else { 0.7 },
        ),
        ([6 | 8, 4], [s]) => {
            let d = c.lens[0];
            let (sign, conf) = match s {
                Sep::Dash => ('-', 0.95),
                Sep::Plus => ('+', 0.95),
                Sep::Space | Sep::SpacedDash => ('-', 0.85),
                Sep::Paren0 => return,
            };
            (format!("{}{sign}{}", &c.digits[..d], &c.digits[d..]), conf)
        }
        _ => return,
    };
    if canon.len() >= 12 && !matches!(&canon[..2], "18" | "19" | "20") {
        return;
    }
    let Some(p) = Personnummer::parse(&canon, year) else {
        return;
    };
    let context = flags.get(Ctx::Personnummer);
    if context {
        conf += 0.1;
    } else if c.seps.is_empty() && flags.get(Ctx::Reference) {
        // "ordernummer 1212121212": a reference that happens to validate.
        conf -= 0.3;
    }
    // A bare 10-digit number that is also a phone number: a phone unless the context says so.
    if c.lens == [10] && national(c.digits).is_some() {
        conf = if context { 0.9 } else { 0.55 };
    }
    let (rule, sv, en) = if p.coordination {
        ("samordningsnummer.checksum", SV_SAM, EN_SAM)
    } else {
        ("personnummer.checksum", SV_PNR, EN_PNR)
    };
    out.push(hit(
        Category::Personnummer,
        c.start,
        c.end,
        rule,
        conf,
        sv,
        en,
    ));
}

/// The phone context bonus, or `None` when the number is a reference ("ordernummer ...").
fn phone_bonus(flags: &mut Flags<'_>) -> Option<f32> {
    if flags.get(Ctx::Reference) {
        None
    } else if flags.get(Ctx::Phone) {
        Some(0.1)
    } else {
        Some(0.0)
    }
}

fn phone(c: &Cand<'_>, flags: &mut Flags<'_>, out: &mut Vec<NumberHit>) {
    if c.digits.len() < 8 || c.seps.contains(&Sep::Plus) {
        return;
    }
    let dashes = c
        .seps
        .iter()
        .filter(|s| matches!(s, Sep::Dash | Sep::SpacedDash))
        .count();
    let international = if c.plus.is_some() {
        // +46 ... ; "(0)" only right after the country code.
        let paren_ok = c
            .seps
            .iter()
            .enumerate()
            .all(|(k, s)| *s != Sep::Paren0 || k == 0);
        match c.digits.strip_prefix("46") {
            Some(rest) if paren_ok && c.lens[0] >= 2 => Some(rest),
            _ => return,
        }
    } else if c.seps.contains(&Sep::Paren0) {
        return;
    } else if c.lens[0] >= 4 {
        c.digits.strip_prefix("0046")
    } else {
        None
    };
    if let Some(rest) = international {
        if dashes <= 1
            && let Some(kind) = international_se(rest)
            && let Some(bonus) = phone_bonus(flags)
        {
            let (sv, en) = texts(kind);
            let start = c.plus.unwrap_or(c.start);
            out.push(hit(
                Category::Phone,
                start,
                c.end,
                "phone.se",
                0.9 + bonus,
                sv,
                en,
            ));
        }
        return;
    }
    if dashes > 1 && !c.seps.iter().all(|s| *s == Sep::Dash) {
        return;
    }
    // Shapes that are personnummer or dates, not phone numbers.
    if matches!(c.lens, [6 | 8, 4]) && c.seps != [Sep::Space] {
        return;
    }
    if c.lens == [2, 2, 4] {
        let month: u32 = c.digits[2..4].parse().unwrap_or(0);
        if (1..=12).contains(&month) {
            return;
        }
    }
    // The area code must be a whole first group (or the number one bare group).
    if c.lens.len() > 1 && !(2..=4).contains(&c.lens[0]) && c.lens[0] < 6 {
        return;
    }
    let Some(kind) = national(c.digits) else {
        return;
    };
    let Some(bonus) = phone_bonus(flags) else {
        return;
    };
    let conf = if c.lens.len() == 1 { 0.8 } else { 0.85 };
    let (sv, en) = texts(kind);
    out.push(hit(
        Category::Phone,
        c.start,
        c.end,
        "phone.se",
        conf + bonus,
        sv,
        en,
    ));
}

fn texts(kind: PhoneKind) -> (&'static str, &'static str) {
    match kind {
        PhoneKind::Mobile => (SV_MOBILE, EN_MOBILE),
        PhoneKind::Landline => (SV_PHONE, EN_PHONE),
    }
}

fn card(c: &Cand<'_>, flags: &mut Flags<'_>, out: &mut Vec<NumberHit>) {
    let n = c.digits.len();
    if !(13..=19).contains(&n) {
        return;
    }
    let grouped = match c.lens {
        [_] => false,
        [4, 6, 5] | [4, 6, 4] => true,
        lens => {
            let (last, init) = lens.split_last().expect("non-empty");
            let same_sep = c.seps.windows(2).all(|w| w[0] == w[1])
                && c.seps.iter().all(|s| matches!(s, Sep::Space | Sep::Dash));
            if !(same_sep && init.iter().all(|l| *l == 4) && (1..=4).contains(last)) {
                return;
            }
            true
        }
    };
    if !card_valid(c.digits) || flags.get(Ctx::Reference) {
        return;
    }
    let mut conf = if grouped { 0.9 } else { 0.7 };
    if flags.get(Ctx::Card) {
        conf += 0.15;
    }
    out.push(hit(
        Category::Payment,
        c.start,
        c.end,
        "card.luhn",
        conf,
        SV_CARD,
        EN_CARD,
    ));
}

fn account(c: &Cand<'_>, flags: &mut Flags<'_>, out: &mut Vec<NumberHit>) {
    if c.lens.len() < 2 || c.digits.len() < 9 {
        return;
    }
    let clearing_len = match (c.lens, c.seps) {
        ([4, 1, ..], [Sep::Dash, ..]) if c.digits.starts_with('8') => 5,
        ([5, ..], _) if c.digits.starts_with('8') => 5,
        ([4, ..], _) => 4,
        _ => return,
    };
    let (clearing, account) = c.digits.split_at(clearing_len);
    if account.is_empty()
        || c.lens.len()
            <= if clearing_len == 5 && c.lens[0] == 4 {
                2
            } else {
                1
            }
    {
        return;
    }
    if bank_account(clearing, account).is_some() && flags.get(Ctx::BankAccount) {
        out.push(hit(
            Category::Payment,
            c.start,
            c.end,
            "bank_account.checksum",
            0.85,
            SV_ACCOUNT,
            EN_ACCOUNT,
        ));
    }
}

fn bankgiro(c: &Cand<'_>, flags: &mut Flags<'_>, out: &mut Vec<NumberHit>) {
    let ok_shape = matches!(
        (c.lens, c.seps),
        ([3 | 4, 4], [Sep::Dash | Sep::Space]) | ([7 | 8], [])
    );
    if ok_shape && bankgiro_valid(c.digits) && flags.get(Ctx::Bankgiro) {
        out.push(hit(
            Category::Payment,
            c.start,
            c.end,
            "bankgiro.luhn",
            0.9,
            SV_BG,
            EN_BG,
        ));
    }
}

fn plusgiro(c: &Cand<'_>, flags: &mut Flags<'_>, out: &mut Vec<NumberHit>) {
    if c.digits.len() > 8 {
        return;
    }
    let ok_shape = match c.lens {
        [_] => true,
        lens => {
            lens.last() == Some(&1)
                && c.seps.last() == Some(&Sep::Dash)
                && c.seps[..c.seps.len() - 1].iter().all(|s| *s == Sep::Space)
        }
    };
    if ok_shape && plusgiro_valid(c.digits) && flags.get(Ctx::Plusgiro) {
        out.push(hit(
            Category::Payment,
            c.start,
            c.end,
            "plusgiro.luhn",
            0.9,
            SV_PG,
            EN_PG,
        ));
    }
}

/// Keep the most confident of overlapping candidates (ties: the longer one).
pub(crate) fn select(mut cands: Vec<NumberHit>) -> Vec<NumberHit> {
    cands.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    // Kept spans by start; they never overlap, so only the one starting last before the new
    // end can clash.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept: Vec<NumberHit> = Vec::new();
    for c in cands {
        if taken
            .range(..c.end)
            .next_back()
            .is_none_or(|(_, &e)| e <= c.start)
        {
            taken.insert(c.start, c.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|h| (h.start, h.end));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ctx(&'static [(&'static str, &'static str)], &'static str);
    impl Context for Ctx {
        fn has(&self, detector: &str, pos: usize) -> bool {
            let before = &self.1[..pos].to_lowercase();
            self.0
                .iter()
                .any(|(d, w)| *d == detector && before.ends_with(w))
        }
    }

    fn found(text: &'static str) -> Vec<(Category, &'static str)> {
        found_ctx(text, &[])
    }

    fn found_ctx(
        text: &'static str,
        ctx: &'static [(&'static str, &'static str)],
    ) -> Vec<(Category, &'static str)> {
        detect(text, &Ctx(ctx, text), 2026)
            .into_iter()
            .filter(|h| h.confidence >= 0.5)
            .map(|h| (h.category, &text[h.start..h.end]))
            .collect()
    }

    use Category::{Payment, Personnummer as Pnr, Phone};

    #[test]
    fn personnummer_spellings() {
        assert_eq!(found("pnr 19121212-1212."), vec![(Pnr, "19121212-1212")]);
        assert_eq!(found("121212+1212"), vec![(Pnr, "121212+1212")]);
        assert_eq!(found("(191212121212)"), vec![(Pnr, "191212121212")]);
        assert_eq!(found("121212 - 1212"), vec![(Pnr, "121212 - 1212")]);
        assert_eq!(found("121212 1212"), vec![(Pnr, "121212 1212")]);
        assert_eq!(found("1212121212"), vec![(Pnr, "1212121212")]);
        assert_eq!(found("19121272-1219"), vec![(Pnr, "19121272-1219")]);
    }

    #[test]
    fn personnummer_negatives() {
        assert_eq!(found("19121212-1213"), vec![]);
        assert_eq!(found("2026-01-15"), vec![]);
        assert_eq!(found("KS 2026/1212"), vec![]);
        assert_eq!(found("ordernr 1212121212123"), vec![]);
        assert_eq!(found("30121212-1212"), vec![]); // century 30
        assert_eq!(found("x1212121212"), vec![]);
    }

    #[test]
    fn phones() {
        assert_eq!(found("ring 070-123 45 67!"), vec![(Phone, "070-123 45 67")]);
        assert_eq!(found("0701234567"), vec![(Phone, "0701234567")]);
        assert_eq!(found("+46 70 123 45 67"), vec![(Phone, "+46 70 123 45 67")]);
        assert_eq!(found("+46701234567"), vec![(Phone, "+46701234567")]);
        assert_eq!(
            found("+46 (0)70-123 45 67"),
            vec![(Phone, "+46 (0)70-123 45 67")]
        );
        assert_eq!(
            found("0046 70 123 45 67"),
            vec![(Phone, "0046 70 123 45 67")]
        );
        assert_eq!(found("08-123 456 78"), vec![(Phone, "08-123 456 78")]);
        assert_eq!(found("växeln 0220-390 00."), vec![(Phone, "0220-390 00")]);
        assert_eq!(
            found("ring 070-123 45 67 2 gånger"),
            vec![(Phone, "070-123 45 67")]
        );
        assert_eq!(
            found("070-123 45 67, 070-765 43 21"),
            vec![(Phone, "070-123 45 67"), (Phone, "070-765 43 21")]
        );
    }

    #[test]
    fn phone_negatives() {
        assert_eq!(found("08 12 2026"), vec![]);
        assert_eq!(found("det kostar 0 kr"), vec![]);
        assert_eq!(found("1 250 000 kr"), vec![]);
        assert_eq!(found("01-02-2026"), vec![]);
        assert_eq!(found("070 12"), vec![]);
    }

    #[test]
    fn cards() {
        assert_eq!(
            found("4111 1111 1111 1111"),
            vec![(Payment, "4111 1111 1111 1111")]
        );
        assert_eq!(
            found("5555-5555-5555-4444."),
            vec![(Payment, "5555-5555-5555-4444")]
        );
        assert_eq!(found("4111 1111 1111 1112"), vec![]);
        assert_eq!(found("4111 1111-1111 1111"), vec![]);
        assert_eq!(found("12 345 678 901 234 kr"), vec![]);
    }

    #[test]
    fn giro_and_accounts_need_context() {
        assert_eq!(found("5050-1055"), vec![]);
        assert_eq!(
            found_ctx("bankgiro 5050-1055", &[("bankgiro", "bankgiro ")]),
            vec![(Payment, "5050-1055")]
        );
        assert_eq!(
            found_ctx("pg 478000-3", &[("plusgiro", "pg ")]),
            vec![(Payment, "478000-3")]
        );
        assert_eq!(
            found_ctx("konto 3300-121212-1212", &[("bank_account", "konto ")]).len(),
            1
        );
    }

    #[test]
    fn reference_numbers_are_not_phones() {
        assert_eq!(
            found_ctx(
                "ordernummer 0701234567",
                &[("reference_number", "ordernummer ")]
            ),
            vec![]
        );
    }

    #[test]
    fn pnr_context_beats_phone() {
        assert_eq!(found("0701234567").len(), 1);
        let with = found_ctx("pnr 0701234567", &[("personnummer", "pnr ")]);
        let is_pnr =
            crate::validate::personnummer::Personnummer::parse("0701234567", 2026).is_some();
        if is_pnr {
            assert_eq!(with, vec![(Pnr, "0701234567")]);
        }
    }
}

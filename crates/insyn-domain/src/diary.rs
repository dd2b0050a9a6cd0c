//! The diary (diarieföring, SPEC R6): registers per organisation, the number format, cases
//! (ärenden) and the documents registered in them, and the lenient parser for diary numbers
//! that people type ("KS 2026/123", "ks 2026-123", "KS 2026/0123-2").
//!
//! A case number is `{register} {year}/{seq:04}` by default ("KS 2026/0042"); a document in a
//! case is the case number with `-{document no.}` after it ("KS 2026/0042-3").
use crate::error::DomainError;
use crate::ids::{OrgId, RecordId, UnitId};
use crate::record::Direction;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A case in the diary (ärende).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The default number format: "KS 2026/0042".
pub const DEFAULT_NUMBER_FORMAT: &str = "{register} {year}/{seq:04}";

/// Characters a format may hold between its placeholders.
const SEPARATORS: &[char] = &[' ', '/', '-', '.', ':', '_'];

/// A register code: 1 to 10 letters (A–Z, Å, Ä, Ö), stored in capitals, e.g. "KS", "BUN".
pub fn normalise_register(code: &str) -> Result<String, DomainError> {
    let code = code.trim().to_uppercase();
    let n = code.chars().count();
    if (1..=10).contains(&n) && code.chars().all(is_register_char) {
        Ok(code)
    } else {
        Err(DomainError::invalid(
            "register",
            format!(
                "'{code}' is not a register code: use 1 to 10 letters (A-Ö), e.g. KS or BUN / \
                 ogiltig diarieserie: 1-10 bokstäver, t.ex. KS eller BUN"
            ),
        ))
    }
}

fn is_register_char(c: char) -> bool {
    c.is_ascii_uppercase() || matches!(c, 'Å' | 'Ä' | 'Ö')
}

/// A register (diarieserie) of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub org_id: OrgId,
    /// "KS"
    pub code: String,
    /// "Kommunstyrelsen"
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Register,
    Year,
    Seq { width: u8 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Part),
}

/// An organisation's case number format, e.g. `{register} {year}/{seq:04}`. It must hold
/// `{register}`, `{year}` and `{seq}` (optionally `{seq:0N}`, zero-padded to N digits, N 1–9)
/// once each; between them only spaces and `/ - . : _`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    template: String,
    pieces: Vec<Piece>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat::parse(DEFAULT_NUMBER_FORMAT).unwrap_or_else(|_| unreachable!())
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

fn format_error(template: &str, why: impl fmt::Display) -> DomainError {
    DomainError::invalid(
        "number_format",
        format!(
            "'{template}' is not a diary number format: {why} (example: {DEFAULT_NUMBER_FORMAT})"
        ),
    )
}

impl NumberFormat {
    pub fn parse(template: &str) -> Result<NumberFormat, DomainError> {
        if template.len() > 60 {
            return Err(format_error(template, "longer than 60 characters"));
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = template;
        let (mut reg, mut year, mut seq) = (0, 0, 0);
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let end = rest
                    .find('}')
                    .ok_or_else(|| format_error(template, "a '{' is not closed"))?;
                let name = &rest[1..end];
                let part = match name {
                    "register" => {
                        reg += 1;
                        Part::Register
                    }
                    "year" => {
                        year += 1;
                        Part::Year
                    }
                    "seq" => {
                        seq += 1;
                        Part::Seq { width: 0 }
                    }
                    other => {
                        let width = other
                            .strip_prefix("seq:0")
                            .and_then(|w| w.parse::<u8>().ok())
                            .filter(|w| (1..=9).contains(w))
                            .ok_or_else(|| {
                                format_error(
                                    template,
                                    format!(
                                        "unknown field {{{other}}}; use {{register}}, {{year}}, {{seq}} or {{seq:04}}"
                                    ),
                                )
                            })?;
                        seq += 1;
                        Part::Seq { width }
                    }
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                } else if matches!(pieces.last(), Some(Piece::Field(_))) {
                    return Err(format_error(
                        template,
                        "two fields need a separator between them",
                    ));
                }
                pieces.push(Piece::Field(part));
                rest = &rest[end + 1..];
            } else if SEPARATORS.contains(&c) {
                literal.push(c);
                rest = &rest[c.len_utf8()..];
            } else {
                return Err(format_error(
                    template,
                    format!("'{c}' may not stand between the fields; use spaces or / - . : _"),
                ));
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if reg != 1 || year != 1 || seq != 1 {
            return Err(format_error(
                template,
                "it must hold {register}, {year} and {seq} exactly once each",
            ));
        }
        Ok(NumberFormat {
            template: template.to_string(),
            pieces,
        })
    }

    pub fn template(&self) -> &str {
        &self.template
    }

    /// The case number, e.g. `render("KS", 2026, 42)` = "KS 2026/0042".
    pub fn render(&self, register: &str, year: i32, seq: i64) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Literal(l) => out.push_str(l),
                Piece::Field(Part::Register) => out.push_str(register),
                Piece::Field(Part::Year) => out.push_str(&year.to_string()),
                Piece::Field(Part::Seq { width }) => {
                    out.push_str(&format!("{seq:0width$}", width = usize::from(*width)))
                }
            }
        }
        out
    }

    /// The order of the year and the sequence number in this format (true: year first).
    fn year_first(&self) -> bool {
        for p in &self.pieces {
            match p {
                Piece::Field(Part::Year) => return true,
                Piece::Field(Part::Seq { .. }) => return false,
                _ => {}
            }
        }
        true
    }

    /// Reads a diary number as people write it: any case, any separators, with or without
    /// leading zeros, with an optional document number after the case number ("-3"). The
    /// register is whatever letters it holds; the digit groups are read in this format's order.
    pub fn read(&self, text: &str) -> Result<DiaryNumber, DomainError> {
        let bad = |why: &str| {
            DomainError::invalid(
                "number",
                format!(
                    "'{}' is not a diary number: {why} (example: {})",
                    text.chars().take(40).collect::<String>(),
                    self.render("KS", 2026, 42)
                ),
            )
        };
        if text.len() > 80 {
            return Err(bad("too long"));
        }
        let mut register = String::new();
        let mut groups: Vec<String> = Vec::new();
        let mut in_digits = false;
        let mut in_letters = false;
        let mut letter_runs = 0;
        for c in text.trim().chars() {
            let up = c.to_uppercase().next().unwrap_or(c);
            if c.is_ascii_digit() {
                if !in_digits {
                    groups.push(String::new());
                }
                in_digits = true;
                in_letters = false;
                groups.last_mut().map(|g| g.push(c)).unwrap_or(());
            } else if is_register_char(up) {
                if !in_letters {
                    letter_runs += 1;
                }
                in_letters = true;
                in_digits = false;
                register.push(up);
            } else if SEPARATORS.contains(&c) || c == '\t' {
                in_digits = false;
                in_letters = false;
            } else {
                return Err(bad(&format!("'{c}' does not belong in a diary number")));
            }
        }
        if letter_runs != 1 {
            return Err(bad("it needs the register's letters once, e.g. KS"));
        }
        let register =
            normalise_register(&register).map_err(|_| bad("the register is 1 to 10 letters"))?;
        if !(2..=3).contains(&groups.len()) {
            return Err(bad("it needs a year and a number, e.g. 2026/42"));
        }
        let (y, s) = if self.year_first() {
            (&groups[0], &groups[1])
        } else {
            (&groups[1], &groups[0])
        };
        if y.len() != 4 {
            return Err(bad("the year has four digits"));
        }
        let year: i32 = y.parse().map_err(|_| bad("the year has four digits"))?;
        if !(1900..=2999).contains(&year) {
            return Err(bad("the year is out of range"));
        }
        let seq = parse_positive(s).ok_or_else(|| bad("the number is 1 to 999999999"))?;
        let document = match groups.get(2) {
            Some(d) => Some(
                u32::try_from(
                    parse_positive(d).ok_or_else(|| bad("the document number is 1 to 99999"))?,
                )
                .ok()
                .filter(|d| *d <= 99_999)
                .ok_or_else(|| bad("the document number is 1 to 99999"))?,
            ),
            None => None,
        };
        Ok(DiaryNumber {
            register,
            year,
            seq,
            document,
        })
    }
}

fn parse_positive(digits: &str) -> Option<i64> {
    if digits.len() > 12 {
        return None;
    }
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=999_999_999).contains(n))
}

/// A diary number taken apart: register, year, sequence number and, for a document, its number
/// in the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryNumber {
    pub register: String,
    pub year: i32,
    pub seq: i64,
    pub document: Option<u32>,
}

/// The number of a document in a case: "KS 2026/0042-3".
pub fn document_number(case_number: &str, document: u32) -> String {
    format!("{case_number}-{document}")
}

/// Whether a case is open or closed (avslutat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn swedish(self) -> &'static str {
        match self {
            CaseStatus::Open => "pågående",
            CaseStatus::Closed => "avslutat",
        }
    }
    pub fn parse(s: &str) -> Result<CaseStatus, DomainError> {
        match s {
            "open" | "pågående" => Ok(CaseStatus::Open),
            "closed" | "avslutat" => Ok(CaseStatus::Closed),
            other => Err(DomainError::invalid(
                "status",
                format!("'{other}' is not a case status (open, closed)"),
            )),
        }
    }
}

/// A case (ärende) in the diary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryCase {
    pub id: CaseId,
    pub org_id: OrgId,
    /// "KS 2026/0042"
    pub number: String,
    pub register: String,
    pub year: i32,
    pub seq: i64,
    /// ärendemening
    pub title: String,
    /// The unit responsible (handläggande enhet).
    pub unit_id: Option<UnitId>,
    /// Who registered the case.
    pub registrar: String,
    pub opened_at: DateTime<Utc>,
    pub status: CaseStatus,
    /// How many documents the case holds.
    pub documents: u32,
}

/// A record registered as a document in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryDocument {
    pub case_id: CaseId,
    pub org_id: OrgId,
    /// Its number in the case, from 1.
    pub document: u32,
    /// "KS 2026/0042-3"
    pub number: String,
    pub record_id: RecordId,
    /// inkommen / upprättad, from the record.
    pub direction: Direction,
    /// The date the document came in or was drawn up (Europe/Stockholm).
    pub document_date: NaiveDate,
    /// What the document is (handlingsmening).
    pub description: String,
    /// The sender or recipient, kept minimal (e.g. "Privatperson"); optional.
    pub counterpart: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub registered_by: String,
}

/// A new case: its register (the organisation's default when empty), title and unit; a manual
/// number (already given elsewhere) is taken as typed and refused if it exists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    pub register: Option<String>,
    pub title: String,
    pub unit_id: Option<UnitId>,
    pub manual_number: Option<String>,
}

/// Where a registered record goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationTarget {
    NewCase(NewCase),
    ExistingCase(CaseId),
}

/// A record to register as a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRegistration {
    pub record_id: RecordId,
    pub target: RegistrationTarget,
    /// What the document is; the case title when empty.
    pub description: String,
    pub counterpart: Option<String>,
}

impl NewRegistration {
    /// Trims and checks the text fields.
    pub fn normalised(&self) -> Result<NewRegistration, DomainError> {
        let mut n = self.clone();
        n.description = n.description.trim().to_string();
        if n.description.chars().count() > 500 {
            return Err(DomainError::invalid(
                "description",
                "at most 500 characters / högst 500 tecken",
            ));
        }
        n.counterpart = n
            .counterpart
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if n.counterpart
            .as_ref()
            .is_some_and(|c| c.chars().count() > 200)
        {
            return Err(DomainError::invalid(
                "counterpart",
                "at most 200 characters / högst 200 tecken",
            ));
        }
        if let RegistrationTarget::NewCase(c) = &mut n.target {
            c.title = c.title.trim().to_string();
            if c.title.is_empty() || c.title.chars().count() > 300 {
                return Err(DomainError::invalid(
                    "title",
                    "a new case needs a title of 1 to 300 characters / ett nytt ärende behöver en ärendemening (1-300 tecken)",
                ));
            }
            if let Some(r) = &c.register {
                c.register = if r.trim().is_empty() {
                    None
                } else {
                    Some(normalise_register(r)?)
                };
            }
            c.manual_number = c
                .manual_number
                .as_ref()
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty());
        }
        Ok(n)
    }
}

/// The organisation's diary settings: the number format and its registers (the organisation's
/// diary prefix is always a register, the default one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiarySettings {
    pub format: NumberFormat,
    pub default_register: String,
    pub registers: Vec<Register>,
}

impl DiarySettings {
    /// Whether the code names one of the registers.
    pub fn has_register(&self, code: &str) -> bool {
        code == self.default_register || self.registers.iter().any(|r| r.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_format_renders_like_the_issue() {
        let f = NumberFormat::default();
        assert_eq!(f.render("KS", 2026, 42), "KS 2026/0042");
        assert_eq!(f.render("BUN", 2026, 12345), "BUN 2026/12345");
    }

    #[test]
    fn bad_formats_are_clear_errors() {
        for (t, why) in [
            ("{register} {year}", "exactly once"),
            ("{register} {year}/{seq}/{seq}", "exactly once"),
            ("{register}{year}/{seq}", "separator"),
            ("{register} {year}/{nr}", "unknown field"),
            ("{register} {year}/{seq:0}", "unknown field"),
            ("Dnr {register} {year}/{seq}", "may not stand"),
            ("{register {year}/{seq}", "unknown field"),
            ("{register} {year}/{seq", "not closed"),
        ] {
            let e = NumberFormat::parse(t).unwrap_err().to_string();
            assert!(e.contains(why), "{t}: {e}");
            assert!(e.starts_with("number_format"), "{e}");
        }
        assert!(NumberFormat::parse("{year}-{register}-{seq:05}").is_ok());
    }

    #[test]
    fn reads_what_people_write() {
        let f = NumberFormat::default();
        let n = |r: &str, y, s, d| DiaryNumber {
            register: r.into(),
            year: y,
            seq: s,
            document: d,
        };
        assert_eq!(f.read("KS 2026/123").unwrap(), n("KS", 2026, 123, None));
        assert_eq!(f.read("ks 2026-123").unwrap(), n("KS", 2026, 123, None));
        assert_eq!(f.read(" KS2026/0123 ").unwrap(), n("KS", 2026, 123, None));
        assert_eq!(
            f.read("KS 2026/0042-3").unwrap(),
            n("KS", 2026, 42, Some(3))
        );
        assert_eq!(f.read("bun 2025.7").unwrap(), n("BUN", 2025, 7, None));
        for bad in [
            "",
            "2026/12",
            "KS 26/12",
            "KS 2026",
            "KS 2026/0",
            "KS 2026/12 AB",
            "KS; DROP 2026/1",
            "KS 2026/1-2-3",
        ] {
            assert!(f.read(bad).is_err(), "{bad}");
        }
        let year_last = NumberFormat::parse("{register}-{seq}/{year}").unwrap();
        assert_eq!(
            year_last.read("ks-12/2026").unwrap(),
            n("KS", 2026, 12, None)
        );
    }

    #[test]
    fn registers_are_letters() {
        assert_eq!(normalise_register(" bun ").unwrap(), "BUN");
        assert_eq!(normalise_register("Miljö").unwrap(), "MILJÖ");
        assert!(normalise_register("K2").is_err());
        assert!(normalise_register("").is_err());
        assert!(normalise_register("ABCDEFGHIJK").is_err());
    }

    #[test]
    fn registrations_are_checked() {
        let r = NewRegistration {
            record_id: RecordId(1),
            target: RegistrationTarget::NewCase(NewCase {
                register: Some("ks".into()),
                title: "  Klagomål på snöröjning ".into(),
                ..Default::default()
            }),
            description: " Synpunkt ".into(),
            counterpart: Some("  ".into()),
        }
        .normalised()
        .unwrap();
        assert_eq!(r.description, "Synpunkt");
        assert_eq!(r.counterpart, None);
        let RegistrationTarget::NewCase(c) = &r.target else {
            panic!()
        };
        assert_eq!(c.register.as_deref(), Some("KS"));
        assert_eq!(c.title, "Klagomål på snöröjning");
        let empty = NewRegistration {
            target: RegistrationTarget::NewCase(NewCase::default()),
            ..r
        };
        assert!(
            empty
                .normalised()
                .unwrap_err()
                .to_string()
                .contains("title")
        );
    }

    fn register() -> impl Strategy<Value = String> {
        "[A-ZÅÄÖ]{1,10}"
    }

    fn format() -> impl Strategy<Value = String> {
        let sep = "[ /\\-.:_]{1,2}";
        (
            prop::sample::select(vec![0usize, 1, 2]),
            sep,
            sep,
            prop::option::of(1u8..=9),
            "[ /\\-.:_]{0,2}",
        )
            .prop_map(|(order, s1, s2, width, tail)| {
                let seq = match width {
                    Some(w) => format!("{{seq:0{w}}}"),
                    None => "{seq}".into(),
                };
                match order {
                    0 => format!("{{register}}{s1}{{year}}{s2}{seq}{tail}"),
                    1 => format!("{{year}}{s1}{{register}}{s2}{seq}{tail}"),
                    _ => format!("{{register}}{s1}{seq}{s2}{{year}}{tail}"),
                }
            })
    }

    proptest! {
        #[test]
        fn rendered_numbers_read_back(fmt in format(), reg in register(), year in 1900i32..2999, seq in 1i64..999_999_999) {
            let f = NumberFormat::parse(&fmt).unwrap();
            let text = f.render(&reg, year, seq);
            let n = f.read(&text).unwrap();
            prop_assert_eq!(n, DiaryNumber { register: reg.clone(), year, seq, document: None });
            let doc = f.read(&document_number(&text, 3)).unwrap();
            prop_assert_eq!(doc.document, Some(3));
        }

        #[test]
        fn typed_variants_read_the_same(reg in register(), year in 1900i32..2999, seq in 1i64..99_999,
                                        sep in "[ /\\-.]{1,3}", pad in 0usize..4, lower in any::<bool>()) {
            let f = NumberFormat::default();
            let r = if lower { reg.to_lowercase() } else { reg.clone() };
            let typed = format!("{r} {year}{sep}{seq:0pad$}");
            let n = f.read(&typed).unwrap();
            prop_assert_eq!(n, DiaryNumber { register: reg, year, seq, document: None });
        }

        #[test]
        fn reading_never_panics(s in "\\PC{0,100}") {
            let _ = NumberFormat::default().read(&s);
        }

        #[test]
        fn parsing_formats_never_panics(s in "\\PC{0,80}") {
            if let Ok(f) = NumberFormat::parse(&s) {
                let _ = f.render("KS", 2026, 1);
            }
        }
    }
}

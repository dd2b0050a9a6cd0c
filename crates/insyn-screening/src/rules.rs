//! Rule files: the line-based format, its parser and [`RuleSet`].
//!
//! See the crate documentation for the format. Parsing checks syntax and directives and reports
//! errors with the file name and 1-based line; references to classes and suffix sets are resolved
//! when a [`crate::Screener`] is built (errors then also name file and line).

use std::collections::BTreeMap;

use crate::category::{Category, SuggestedAction};
use crate::error::ScreeningError;

/// The default Swedish rule files, embedded at compile time.
pub const DEFAULT_SWEDISH_FILES: &[(&str, &str)] = &[
    ("common.rules", include_str!("../rules/sv/common.rules")),
    ("tie.rules", include_str!("../rules/sv/tie.rules")),
    ("names.rules", include_str!("../rules/sv/names.rules")),
    ("context.rules", include_str!("../rules/sv/context.rules")),
    ("threat.rules", include_str!("../rules/sv/threat.rules")),
    ("hate.rules", include_str!("../rules/sv/hate.rules")),
    (
        "offensive.rules",
        include_str!("../rules/sv/offensive.rules"),
    ),
    (
        "sensitive.rules",
        include_str!("../rules/sv/sensitive.rules"),
    ),
    ("secret.rules", include_str!("../rules/sv/secret.rules")),
    (
        "complaint.rules",
        include_str!("../rules/sv/complaint.rules"),
    ),
    ("case.rules", include_str!("../rules/sv/case.rules")),
    (
        "economic_advice.rules",
        include_str!("../rules/sv/economic_advice.rules"),
    ),
    (
        "unlawful_links.rules",
        include_str!("../rules/sv/unlawful_links.rules"),
    ),
];

/// What a rule file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Phrases that produce findings of the file's category (the default).
    Lexicon,
    /// Only `@suffix` and `@class` definitions, visible to every file.
    Shared,
    /// Phrases that tie a finding to an identifiable person (`@group`).
    Tie,
    /// First names (one per line): a capitalised name in the text ties findings to a person.
    Names,
    /// Domains whose links are reported (`@category unlawful_link`).
    Domains,
    /// Words that, just before a number, say what the number is (`@context personnummer` ...).
    Context,
}

/// Whether a finding of a lexicon entry needs an identifiable person nearby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieMode {
    /// Reported on its own.
    None,
    /// Needs a second/third-person signal, a name, an @mention or a personal identity number.
    Addressed,
    /// As `Addressed`, and first person ("jag har", "min son") counts too.
    Any,
}

/// Which kind of person a tie phrase points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieGroup {
    FirstPerson,
    SecondPerson,
    ThirdPerson,
}

/// Settings in force for an entry (from the directives above it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    pub category: Option<Category>,
    pub rule: String,
    pub confidence: f32,
    pub tie: TieMode,
    pub action: Option<SuggestedAction>,
    pub sv: String,
    pub en: String,
    pub group: Option<TieGroup>,
    pub context: Option<String>,
}

/// One token of an entry, as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawToken {
    /// A word pattern: optional leading/trailing `*`, body with `{a|b}` / `{:suffixset}` groups.
    Word {
        body: String,
        star_start: bool,
        star_end: bool,
    },
    /// `<name>`: a class.
    Class(String),
    /// `~N`: up to N other words.
    Gap(u8),
}

/// One entry line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub line: usize,
    pub tokens: Vec<RawToken>,
    /// A `!` line: suppresses overlapping matches of the same file.
    pub exception: bool,
    pub meta: usize,
}

/// A parsed rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFile {
    pub name: String,
    pub kind: FileKind,
    pub(crate) metas: Vec<Meta>,
    pub(crate) entries: Vec<Entry>,
    /// name → (line, alternatives)
    pub(crate) suffixes: BTreeMap<String, (usize, Vec<String>)>,
    /// name → (line, tokens)
    pub(crate) classes: BTreeMap<String, (usize, Vec<RawToken>)>,
    /// For names/domains files: (line, item).
    pub(crate) items: Vec<(usize, String)>,
}

impl RuleFile {
    /// Parse one file. `name` is used in error messages and for [`RuleSet::overlay`].
    pub fn parse(name: &str, text: &str) -> Result<RuleFile, ScreeningError> {
        Parser::new(name).run(text)
    }

    /// Number of entries (phrases, names or domains).
    pub fn len(&self) -> usize {
        self.entries.len() + self.items.len()
    }

    /// True when the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A set of parsed rule files and the settings that go with them.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    pub files: Vec<RuleFile>,
    /// Findings below this confidence are not reported (default 0.5).
    pub min_confidence: f32,
    /// How many words away a tie signal may be from a finding that needs one (default 10).
    pub tie_window: usize,
}

impl RuleSet {
    /// The built-in Swedish rules (embedded in the binary).
    pub fn default_swedish() -> RuleSet {
        RuleSet::from_sources(DEFAULT_SWEDISH_FILES.iter().copied())
            .expect("the embedded Swedish rule files parse (tested)")
    }

    /// Parse named sources.
    pub fn from_sources<N: AsRef<str>, S: AsRef<str>>(
        sources: impl IntoIterator<Item = (N, S)>,
    ) -> Result<RuleSet, ScreeningError> {
        let files = sources
            .into_iter()
            .map(|(n, s)| RuleFile::parse(n.as_ref(), s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleSet {
            files,
            ..RuleSet::empty()
        })
    }

    /// No files, default settings.
    pub fn empty() -> RuleSet {
        RuleSet {
            files: Vec::new(),
            min_confidence: 0.5,
            tie_window: 10,
        }
    }

    /// Read every `*.rules` file in a directory (see [`crate::load::from_dir`]).
    pub fn from_dir(path: impl AsRef<std::path::Path>) -> Result<RuleSet, ScreeningError> {
        crate::load::from_dir(path.as_ref())
    }

    /// Files of `other` replace files of the same name in `self`; new ones are added. An
    /// organisation can turn a default file off with an empty file of the same name.
    pub fn overlay(mut self, other: RuleSet) -> RuleSet {
        for f in other.files {
            if let Some(slot) = self.files.iter_mut().find(|x| x.name == f.name) {
                *slot = f;
            } else {
                self.files.push(f);
            }
        }
        self
    }
}

struct Parser<'a> {
    file: &'a str,
    kind: Option<FileKind>,
    meta: Meta,
    meta_dirty: bool,
    out: RuleFile,
}

fn default_rule_id(file: &str) -> String {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.strip_suffix(".rules").unwrap_or(stem);
    stem.to_string()
}

impl<'a> Parser<'a> {
    fn new(file: &'a str) -> Self {
        Parser {
            file,
            kind: None,
            meta: Meta {
                category: None,
                rule: default_rule_id(file),
                confidence: 0.7,
                tie: TieMode::None,
                action: None,
                sv: String::new(),
                en: String::new(),
                group: None,
                context: None,
            },
            meta_dirty: true,
            out: RuleFile {
                name: file.to_string(),
                kind: FileKind::Lexicon,
                metas: Vec::new(),
                entries: Vec::new(),
                suffixes: BTreeMap::new(),
                classes: BTreeMap::new(),
                items: Vec::new(),
            },
        }
    }

    fn err(&self, line: usize, msg: impl Into<String>) -> ScreeningError {
        ScreeningError::parse(self.file, line, msg)
    }

    fn run(mut self, text: &str) -> Result<RuleFile, ScreeningError> {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = strip_comment(raw).trim();
            if l.is_empty() {
                continue;
            }
            if let Some(d) = l.strip_prefix('@') {
                self.directive(line, d)?;
            } else {
                self.entry(line, l)?;
            }
        }
        self.out.kind = self.kind.unwrap_or(FileKind::Lexicon);
        Ok(self.out)
    }

    fn directive(&mut self, line: usize, d: &str) -> Result<(), ScreeningError> {
        let (key, rest) = match d.find(char::is_whitespace) {
            Some(p) => (&d[..p], d[p..].trim()),
            None => (d, ""),
        };
        let need = |s: &str| -> Result<(), ScreeningError> {
            if s.is_empty() {
                Err(self.err(line, format!("@{key} needs a value")))
            } else {
                Ok(())
            }
        };
        match key {
            "kind" => {
                if self.kind.is_some() || !self.out.entries.is_empty() || !self.out.items.is_empty()
                {
                    return Err(self.err(line, "@kind must come once, before any entry"));
                }
                self.kind = Some(match rest {
                    "lexicon" => FileKind::Lexicon,
                    "shared" => FileKind::Shared,
                    "tie" => FileKind::Tie,
                    "names" => FileKind::Names,
                    "domains" => FileKind::Domains,
                    "context" => FileKind::Context,
                    _ => {
                        return Err(self.err(
                            line,
                            format!(
                                "unknown @kind {rest:?} (lexicon, shared, tie, names, domains, context)"
                            ),
                        ));
                    }
                });
            }
            "category" => {
                need(rest)?;
                let c: Category = rest.parse().map_err(|e| self.err(line, format!("{e}")))?;
                self.set(|m| m.category = Some(c));
            }
            "rule" => {
                need(rest)?;
                if !rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
                {
                    return Err(self.err(line, "a rule id uses a-z, 0-9, '.', '_', '-', ':'"));
                }
                let r = rest.to_string();
                self.set(|m| m.rule = r);
            }
            "confidence" => {
                let v: f32 = rest
                    .parse()
                    .map_err(|_| self.err(line, format!("@confidence {rest:?} is not a number")))?;
                if !(0.0..=1.0).contains(&v) {
                    return Err(self.err(line, "@confidence must be between 0 and 1"));
                }
                self.set(|m| m.confidence = v);
            }
            "tie" => {
                let t = match rest {
                    "none" => TieMode::None,
                    "addressed" => TieMode::Addressed,
                    "any" => TieMode::Any,
                    _ => return Err(self.err(line, "@tie is none, addressed or any")),
                };
                self.set(|m| m.tie = t);
            }
            "action" => {
                let a = if rest == "none" {
                    None
                } else {
                    Some(
                        rest.parse::<SuggestedAction>()
                            .map_err(|e| self.err(line, e))?,
                    )
                };
                self.set(|m| m.action = a);
            }
            "sv" => {
                need(rest)?;
                let s = rest.to_string();
                self.set(|m| m.sv = s);
            }
            "en" => {
                need(rest)?;
                let s = rest.to_string();
                self.set(|m| m.en = s);
            }
            "group" => {
                let g = match rest {
                    "first_person" => TieGroup::FirstPerson,
                    "second_person" => TieGroup::SecondPerson,
                    "third_person" => TieGroup::ThirdPerson,
                    _ => {
                        return Err(self.err(
                            line,
                            "@group is first_person, second_person or third_person",
                        ));
                    }
                };
                self.set(|m| m.group = Some(g));
            }
            "context" => {
                const DETECTORS: &[&str] = &crate::detect::numbers::CONTEXTS;
                if !DETECTORS.contains(&rest) {
                    return Err(self.err(
                        line,
                        format!(
                            "unknown @context {rest:?} (one of {})",
                            DETECTORS.join(", ")
                        ),
                    ));
                }
                let s = rest.to_string();
                self.set(|m| m.context = Some(s));
            }
            "suffix" => {
                let (name, value) = split_def(rest).ok_or_else(|| {
                    self.err(
                        line,
                        "write @suffix name = alt|alt|... (an empty alt is allowed)",
                    )
                })?;
                check_ident(name).map_err(|m| self.err(line, m))?;
                let alts: Vec<String> = value.split('|').map(|s| s.trim().to_string()).collect();
                for a in &alts {
                    if !a.chars().all(char::is_alphanumeric) {
                        return Err(self.err(line, format!("suffix {a:?} must be letters only")));
                    }
                }
                self.out.suffixes.insert(name.to_string(), (line, alts));
            }
            "class" => {
                let (name, value) = split_def(rest)
                    .ok_or_else(|| self.err(line, "write @class name = token token ..."))?;
                check_ident(name).map_err(|m| self.err(line, m))?;
                let toks = value
                    .split_whitespace()
                    .map(|t| parse_token(t).map_err(|m| self.err(line, m)))
                    .collect::<Result<Vec<_>, _>>()?;
                if toks.is_empty() {
                    return Err(self.err(line, "an empty class"));
                }
                if toks.iter().any(|t| matches!(t, RawToken::Gap(_))) {
                    return Err(self.err(line, "a class holds words, not gaps"));
                }
                self.out.classes.insert(name.to_string(), (line, toks));
            }
            _ => return Err(self.err(line, format!("unknown directive @{key}"))),
        }
        Ok(())
    }

    fn set(&mut self, f: impl FnOnce(&mut Meta)) {
        f(&mut self.meta);
        self.meta_dirty = true;
    }

    fn entry(&mut self, line: usize, l: &str) -> Result<(), ScreeningError> {
        let kind = self.kind.unwrap_or(FileKind::Lexicon);
        match kind {
            FileKind::Shared => {
                return Err(self.err(line, "a shared file holds only @suffix and @class"));
            }
            FileKind::Names => {
                if !l.chars().all(|c| c.is_alphabetic() || c == '-') {
                    return Err(self.err(line, format!("{l:?} is not a name")));
                }
                self.out.items.push((line, l.to_string()));
                return Ok(());
            }
            FileKind::Domains => {
                let d = l.to_ascii_lowercase();
                let ok = d.contains('.')
                    && !d.starts_with('.')
                    && !d.ends_with('.')
                    && d.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
                if !ok {
                    return Err(self.err(line, format!("{l:?} is not a domain name")));
                }
                if self.meta.category.is_none() {
                    return Err(self.err(line, "no @category before this domain"));
                }
                self.flush_meta();
                self.out.items.push((line, d));
                return Ok(());
            }
            FileKind::Lexicon => {
                if self.meta.category.is_none() {
                    return Err(self.err(line, "no @category before this entry"));
                }
            }
            FileKind::Tie => {
                if self.meta.group.is_none() {
                    return Err(self.err(line, "no @group before this entry"));
                }
            }
            FileKind::Context => {
                if self.meta.context.is_none() {
                    return Err(self.err(line, "no @context before this entry"));
                }
            }
        }
        let (exception, body) = match l.strip_prefix('!') {
            Some(b) => (true, b.trim()),
            None => (false, l),
        };
        for phrase in expand_phrases(body).map_err(|m| self.err(line, m))? {
            self.phrase(line, &phrase, exception)?;
        }
        Ok(())
    }

    fn phrase(&mut self, line: usize, body: &str, exception: bool) -> Result<(), ScreeningError> {
        let tokens = body
            .split_whitespace()
            .map(|t| parse_token(t).map_err(|m| self.err(line, m)))
            .collect::<Result<Vec<_>, _>>()?;
        if tokens.is_empty() {
            return Err(self.err(line, "an empty entry"));
        }
        if matches!(tokens.first(), Some(RawToken::Gap(_)))
            || matches!(tokens.last(), Some(RawToken::Gap(_)))
        {
            return Err(self.err(line, "an entry cannot start or end with a gap"));
        }
        if tokens.len() > 12 {
            return Err(self.err(line, "an entry has at most 12 tokens"));
        }
        self.flush_meta();
        let meta = self.out.metas.len() - 1;
        self.out.entries.push(Entry {
            line,
            tokens,
            exception,
            meta,
        });
        Ok(())
    }

    fn flush_meta(&mut self) {
        if self.meta_dirty {
            self.out.metas.push(self.meta.clone());
            self.meta_dirty = false;
        }
    }
}

/// Expand brace groups whose alternatives contain spaces (`{ta del av|få ut}`), and whole-token
/// groups with an empty alternative (`{att|}`: an optional word), into separate phrases; other
/// groups stay for the word-level expansion.
fn expand_phrases(body: &str) -> Result<Vec<String>, String> {
    const MAX_PHRASES: usize = 256;
    let mut done = Vec::new();
    let mut todo = vec![body.to_string()];
    while let Some(p) = todo.pop() {
        let mut found = None;
        let mut open = None;
        for (i, c) in p.char_indices() {
            match c {
                '{' => open = Some(i),
                '}' => {
                    let whole_token = |o: usize| {
                        (o == 0 || p[..o].ends_with(char::is_whitespace))
                            && p[i + 1..].chars().next().is_none_or(char::is_whitespace)
                    };
                    if let Some(o) = open.take()
                        && (p[o + 1..i].contains(char::is_whitespace)
                            || (whole_token(o)
                                && p[o + 1..i].split('|').any(|a| a.trim().is_empty())))
                    {
                        found = Some((o, i));
                        break;
                    }
                }
                _ => {}
            }
        }
        match found {
            None => done.push(p),
            Some((o, c)) => {
                for alt in p[o + 1..c].split('|') {
                    todo.push(format!("{}{}{}", &p[..o], alt.trim(), &p[c + 1..]));
                }
            }
        }
        if done.len() + todo.len() > MAX_PHRASES {
            return Err(format!("expands to more than {MAX_PHRASES} phrases"));
        }
    }
    done.reverse();
    Ok(done)
}

/// A '#' at the start of a line, or after whitespace, starts a comment.
fn strip_comment(l: &str) -> &str {
    let t = l.trim_start();
    if t.starts_with('#') {
        return "";
    }
    let b = l.as_bytes();
    for i in 1..b.len() {
        if b[i] == b'#' && b[i - 1].is_ascii_whitespace() {
            return &l[..i];
        }
    }
    l
}

fn split_def(s: &str) -> Option<(&str, &str)> {
    let (n, v) = s.split_once('=')?;
    Some((n.trim(), v.trim()))
}

fn check_ident(s: &str) -> Result<(), String> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!("{s:?} is not a name (a-z, 0-9, _)"))
    }
}

pub(crate) fn parse_token(t: &str) -> Result<RawToken, String> {
    if let Some(n) = t.strip_prefix('~') {
        let n: u8 = n.parse().map_err(|_| format!("{t:?}: a gap is ~1 to ~5"))?;
        if !(1..=5).contains(&n) {
            return Err(format!("{t:?}: a gap is ~1 to ~5"));
        }
        return Ok(RawToken::Gap(n));
    }
    if let Some(inner) = t.strip_prefix('<') {
        let name = inner
            .strip_suffix('>')
            .ok_or_else(|| format!("{t:?}: write <class>"))?;
        check_ident(name)?;
        return Ok(RawToken::Class(name.to_string()));
    }
    let (star_start, t2) = match t.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (star_end, body) = match t2.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, t2),
    };
    if body.is_empty() {
        return Err(format!("{t:?}: an empty word"));
    }
    let mut depth = 0;
    for c in body.chars() {
        match c {
            '{' if depth == 0 => depth = 1,
            '}' if depth == 1 => depth = 0,
            '{' | '}' => return Err(format!("{t:?}: unbalanced or nested braces")),
            '|' | ':' | '_' if depth == 1 => {}
            c if c.is_alphanumeric() => {}
            _ => {
                return Err(format!(
                    "{t:?}: a word uses letters and digits (write two words instead of '-')"
                ));
            }
        }
    }
    if depth != 0 {
        return Err(format!("{t:?}: unbalanced braces"));
    }
    Ok(RawToken::Word {
        body: body.to_string(),
        star_start,
        star_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_parse() {
        let rs = RuleSet::default_swedish();
        assert_eq!(rs.files.len(), DEFAULT_SWEDISH_FILES.len());
        assert!(
            rs.files
                .iter()
                .all(|f| !f.is_empty() || f.kind == FileKind::Shared)
        );
    }

    #[test]
    fn parses_directives_and_entries() {
        let f = RuleFile::parse(
            "t.rules",
            "# comment\n@category threat\n@rule threat.kill\n@confidence 0.9\n@sv Hot\n@en Threat\n\
             @suffix v = |a|ar\n@class pron = dig er\njag ska död{:v} <pron>  # trailing\n!skjuta upp\n",
        )
        .unwrap();
        assert_eq!(f.kind, FileKind::Lexicon);
        assert_eq!(f.entries.len(), 2);
        assert!(f.entries[1].exception);
        assert_eq!(f.metas[0].rule, "threat.kill");
        assert_eq!(f.metas[0].category, Some(Category::Threat));
        assert_eq!(f.suffixes["v"].1, vec!["", "a", "ar"]);
        assert_eq!(f.entries[0].tokens.len(), 4);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = RuleFile::parse("x.rules", "@category threat\n\nfoo-bar\n").unwrap_err();
        assert!(e.to_string().starts_with("x.rules:3:"), "{e}");
        let e = RuleFile::parse("y.rules", "döda dig\n").unwrap_err();
        assert!(e.to_string().contains("y.rules:1: no @category"), "{e}");
        let e = RuleFile::parse("z.rules", "@category nonsense\n").unwrap_err();
        assert!(e.to_string().contains("z.rules:1"), "{e}");
        let e = RuleFile::parse("z.rules", "@confidence 2\n").unwrap_err();
        assert!(e.to_string().contains("between 0 and 1"), "{e}");
        let e = RuleFile::parse("z.rules", "@category threat\n~2 dig\n").unwrap_err();
        assert!(e.to_string().contains("gap"), "{e}");
        let e = RuleFile::parse("z.rules", "@category threat\ndö{da\n").unwrap_err();
        assert!(e.to_string().contains("braces"), "{e}");
        let e = RuleFile::parse("z.rules", "@bogus 1\n").unwrap_err();
        assert!(e.to_string().contains("unknown directive"), "{e}");
    }

    #[test]
    fn multi_word_alternatives_expand() {
        assert_eq!(
            expand_phrases("vill {ta del av|få ut} {a|b}").unwrap(),
            vec!["vill ta del av {a|b}", "vill få ut {a|b}"]
        );
        let f = RuleFile::parse("t.rules", "@category threat\nx {a b|c} {d e|}\n").unwrap();
        assert_eq!(f.entries.len(), 4);
        assert!(f.entries.iter().all(|e| e.line == 2));
        assert_eq!(
            expand_phrases("du kommer {att|} dö").unwrap(),
            vec!["du kommer att dö", "du kommer  dö"]
        );
        assert_eq!(expand_phrases("idiot{|en}").unwrap(), vec!["idiot{|en}"]);
    }

    #[test]
    fn overlay_replaces_by_name() {
        let a =
            RuleSet::from_sources([("a.rules", "@category threat\nx\n"), ("b.rules", "")]).unwrap();
        let b =
            RuleSet::from_sources([("a.rules", "@category hate\ny\n"), ("c.rules", "")]).unwrap();
        let c = a.overlay(b);
        assert_eq!(c.files.len(), 3);
        assert_eq!(c.files[0].metas[0].category, Some(Category::Hate));
    }

    #[test]
    fn domains_and_names() {
        let f = RuleFile::parse(
            "d.rules",
            "@kind domains\n@category unlawful_link\nExample.org\n",
        )
        .unwrap();
        assert_eq!(f.items, vec![(3, "example.org".to_string())]);
        assert!(
            RuleFile::parse(
                "d.rules",
                "@kind domains\n@category unlawful_link\nnot a domain\n"
            )
            .is_err()
        );
        let f = RuleFile::parse("n.rules", "@kind names\nAnna\nKarl-Erik\n").unwrap();
        assert_eq!(f.items.len(), 2);
    }
}

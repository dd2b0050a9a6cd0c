//! [`Screener`]: every detector built once, run over one text.

use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasherDefault;

use crate::category::{Category, Finding, SuggestedAction};
use crate::detect::links::Links;
use crate::detect::numbers::{self, Context};
use crate::detect::patterns::{Patterns, Triggers};
use crate::error::ScreeningError;
use crate::lexicon::{EntryKind, LexMatch, Lexicon, SCRATCH_KEPT, WordHasher};
use crate::normalize::{Buffers, Normalized};
use crate::rules::{FileKind, RuleSet, TieGroup, TieMode};
use crate::validate::personnummer::current_year;

/// At most this many findings are returned for one text (the first ones by position).
pub const MAX_FINDINGS: usize = 1000;
/// A context phrase ("personnummer", "bankgiro") counts when it ends at most this many words
/// before a number.
const CONTEXT_WINDOW: usize = 5;
/// `@tie any` findings (sensitive data, secrets) look this many times further for a person: a
/// post about one's own or a child's case is usually about that person throughout.
const ANY_WINDOW_FACTOR: usize = 4;
/// Up to this many candidate findings, [`finish`] checks overlaps by a linear scan.
const SMALL_FINISH: usize = 32;
/// Accumulated evidence never reaches more than this.
const MAX_COMBINED: f32 = 0.95;
/// Confidence factor for a finding that needs an identifiable person and has none nearby.
const UNTIED_FACTOR: f32 = 0.4;

/// Which findings a text gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Something the authority received: everything except `economic_advice`.
    Received,
    /// The authority's own draft answer: `economic_advice` and personal data.
    Draft,
}

impl Mode {
    /// Whether this mode reports `c`.
    pub fn reports(self, c: Category) -> bool {
        match self {
            Mode::Received => c != Category::EconomicAdvice,
            Mode::Draft => matches!(
                c,
                Category::EconomicAdvice
                    | Category::Personnummer
                    | Category::Phone
                    | Category::Email
                    | Category::Address
                    | Category::Payment
                    | Category::Sensitive
            ),
        }
    }
}

/// Screens Swedish text. Build once ([`Screener::new`] compiles every automaton), share freely
/// (`Send + Sync`), call [`Screener::screen`] per text.
#[derive(Debug)]
pub struct Screener {
    lexicon: Lexicon,
    links: Links,
    patterns: Patterns,
    /// First names (the organisation's list; hashed like the lexicon's words, not with SipHash:
    /// the keys are the organisation's own, not an attacker's).
    names: HashSet<String, BuildHasherDefault<WordHasher>>,
    min_confidence: f32,
    tie_window: usize,
    reference_year: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    First,
    Other,
    Strong,
}

impl Screener {
    /// Compile a rule set.
    pub fn new(rules: RuleSet) -> Result<Screener, ScreeningError> {
        let lexicon = Lexicon::build(&rules.files)?;
        let links = Links::build(&rules.files)?;
        let names = rules
            .files
            .iter()
            .filter(|f| f.kind == FileKind::Names)
            .flat_map(|f| f.items.iter().map(|(_, n)| Normalized::fold_only(n)))
            .collect();
        Ok(Screener {
            lexicon,
            links,
            patterns: Patterns::new()?,
            names,
            min_confidence: rules.min_confidence,
            tie_window: rules.tie_window,
            reference_year: current_year(),
        })
    }

    /// The built-in Swedish rules.
    pub fn default_swedish() -> Screener {
        Screener::new(RuleSet::default_swedish())
            .expect("the embedded Swedish rules compile (tested)")
    }

    /// Use this year as "now" for the century of 10-digit personnummer (default: the clock at
    /// construction).
    pub fn with_reference_year(mut self, year: i32) -> Screener {
        self.reference_year = year;
        self
    }

    /// Screen something the authority received.
    pub fn screen(&self, text: &str) -> Vec<Finding> {
        self.screen_mode(text, Mode::Received)
    }

    /// Screen the authority's own draft answer: advice with economic consequences, and personal
    /// data that should not be published.
    pub fn screen_draft(&self, text: &str) -> Vec<Finding> {
        self.screen_mode(text, Mode::Draft)
    }

    /// Screen raw bytes that should be UTF-8 but may not be (a raw payload, standard input):
    /// invalid sequences become U+FFFD (lossy, never an error) and the findings' spans refer to
    /// the returned text.
    pub fn screen_bytes<'a>(
        &self,
        bytes: &'a [u8],
        mode: Mode,
    ) -> (std::borrow::Cow<'a, str>, Vec<Finding>) {
        let text = String::from_utf8_lossy(bytes);
        let findings = self.screen_mode(&text, mode);
        (text, findings)
    }

    /// Screen in the given mode. Findings are sorted by `(start, end, category)`; at most one
    /// finding per category covers any byte.
    pub fn screen_mode(&self, text: &str, mode: Mode) -> Vec<Finding> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let out = self.screen_in(text, mode, &mut scratch);
                // a huge text's buffers are not kept for the thread's lifetime
                if scratch.norm.oversized(SCRATCH_KEPT)
                    || scratch.signals.capacity() > SCRATCH_KEPT
                    || scratch.matches.capacity() + scratch.candidates.capacity() > 4096
                {
                    *scratch = Scratch::default();
                }
                out
            }
            // (only if screening were ever re-entered on one thread)
            Err(_) => self.screen_in(text, mode, &mut Scratch::default()),
        })
    }

    fn screen_in(&self, text: &str, mode: Mode, scratch: &mut Scratch) -> Vec<Finding> {
        let Scratch {
            norm: buffers,
            matches,
            signals,
            candidates,
        } = scratch;
        let norm = Normalized::new_in(text, buffers);
        self.lexicon.run_into(&norm, matches);
        self.screen_normalized(text, mode, &norm, matches, signals, candidates);
        norm.into_buffers(buffers);
        candidates.drain(..).map(|c| self.finding(c)).collect()
    }

    fn screen_normalized(
        &self,
        text: &str,
        mode: Mode,
        norm: &Normalized,
        matches: &[LexMatch],
        signals: &mut Vec<(usize, Signal)>,
        out: &mut Vec<Candidate>,
    ) {
        signals.clear();
        out.clear();
        // Context phrases for the number detectors.
        let ctx = CtxIndex {
            norm,
            ends: matches
                .iter()
                .filter_map(|m| match self.lexicon.entries[m.entry as usize].kind {
                    EntryKind::Context(i) => Some((i, m.last)),
                    _ => None,
                })
                .collect(),
            names: &self.lexicon.context_names,
        };

        let triggers = Triggers::of(text);
        let mut pii = if triggers.digit {
            numbers::detect(text, &ctx, self.reference_year)
        } else {
            Vec::new()
        };
        let mut other = Vec::new();
        for h in self.patterns.detect_with(text, triggers) {
            if h.category == Category::Payment {
                pii.push(h);
            } else {
                other.push(h);
            }
        }
        let pii = numbers::select(pii);

        // Tie signals.
        for m in matches {
            if let EntryKind::Tie(g) = self.lexicon.entries[m.entry as usize].kind {
                let s = if g == TieGroup::FirstPerson {
                    Signal::First
                } else {
                    Signal::Other
                };
                signals.extend((m.first..=m.last).map(|w| (w, s)));
            }
        }
        if !self.names.is_empty() {
            for (i, w) in norm.words().iter().enumerate() {
                let mut orig = text[w.orig_start..w.orig_end].chars();
                if orig.next().is_some_and(char::is_uppercase)
                    && orig.next().is_none_or(char::is_lowercase)
                    && self.names.contains(&norm.text()[w.start..w.end])
                {
                    signals.push((i, Signal::Strong));
                }
            }
        }
        let mentions = if triggers.at {
            self.patterns.mentions(text)
        } else {
            Vec::new()
        };
        let full_names = if triggers.name_pair {
            self.patterns.full_names(text)
        } else {
            Vec::new()
        };
        let strong_ranges = mentions.into_iter().chain(full_names).chain(
            pii.iter()
                .chain(&other)
                .filter(|h| {
                    matches!(
                        h.category,
                        Category::Personnummer | Category::Email | Category::Phone
                    )
                })
                .map(|h| (h.start, h.end)),
        );
        for (s, _) in strong_ranges {
            let w = norm.word_at_or_after(s);
            if w < norm.words().len() {
                signals.push((w, Signal::Strong));
            }
        }
        signals.sort_unstable_by_key(|s| s.0);

        for h in pii.into_iter().chain(other) {
            if mode.reports(h.category) {
                out.push(Candidate {
                    category: h.category,
                    start: h.start,
                    end: h.end,
                    confidence: h.confidence.min(0.99),
                    source: Source::Detector(h.rule, h.sv, h.en, h.action),
                    combine: None,
                });
            }
        }
        self.lexicon_findings(norm, matches, signals, mode, out);
        if self.links.may_match(&triggers) && mode.reports(Category::UnlawfulLink) {
            for l in self.links.detect(text) {
                out.push(Candidate {
                    category: Category::UnlawfulLink,
                    start: l.start,
                    end: l.end,
                    confidence: self.links.rule(l.rule).confidence,
                    source: Source::Link(l.rule),
                    combine: None,
                });
            }
        }
        finish(out, self.min_confidence);
    }

    /// The finding a kept candidate becomes (its texts copied only now).
    fn finding(&self, c: Candidate) -> Finding {
        let (rule, sv, en, action) = match c.source {
            Source::Detector(rule, sv, en, action) => (rule, sv, en, action),
            Source::Lexicon(meta) => {
                let m = &self.lexicon.metas[meta as usize];
                (m.rule.as_str(), m.sv.as_str(), m.en.as_str(), m.action)
            }
            Source::Link(i) => {
                let r = self.links.rule(i);
                (r.rule.as_str(), r.sv.as_str(), r.en.as_str(), r.action)
            }
        };
        Finding {
            category: c.category,
            start: c.start,
            end: c.end,
            rule: rule.to_string(),
            confidence: c.confidence,
            explanation_sv: sv.to_string(),
            explanation_en: en.to_string(),
            suggested_action: action,
        }
    }

    fn lexicon_findings(
        &self,
        norm: &Normalized,
        matches: &[LexMatch],
        signals: &[(usize, Signal)],
        mode: Mode,
        out: &mut Vec<Candidate>,
    ) {
        let exceptions: Vec<(u16, usize, usize)> = matches
            .iter()
            .filter_map(|m| {
                let e = &self.lexicon.entries[m.entry as usize];
                e.exception.then_some((e.file, m.first, m.last))
            })
            .collect();
        let words = norm.words();
        for m in matches {
            let e = &self.lexicon.entries[m.entry as usize];
            let EntryKind::Finding(meta) = e.kind else {
                continue;
            };
            if e.exception {
                continue;
            }
            let meta_id = meta;
            let meta = &self.lexicon.metas[meta as usize];
            if !mode.reports(meta.category) {
                continue;
            }
            if exceptions
                .iter()
                .any(|&(f, a, b)| f == e.file && m.first <= b && a <= m.last)
            {
                continue;
            }
            let mut confidence = meta.confidence;
            if meta.tie != TieMode::None {
                let window = if meta.tie == TieMode::Any {
                    self.tie_window * ANY_WINDOW_FACTOR
                } else {
                    self.tie_window
                };
                let lo = m.first.saturating_sub(window);
                let hi = m.last + window;
                let from = signals.partition_point(|s| s.0 < lo);
                let near = signals[from..]
                    .iter()
                    .take_while(|s| s.0 <= hi)
                    .map(|s| s.1);
                let mut best = None;
                for s in near {
                    let counts = match s {
                        Signal::First => meta.tie == TieMode::Any,
                        Signal::Other | Signal::Strong => true,
                    };
                    if counts && best != Some(Signal::Strong) {
                        best = Some(s);
                    }
                }
                confidence = match best {
                    None => confidence * UNTIED_FACTOR,
                    Some(Signal::Strong) => (confidence + 0.05).min(0.99),
                    Some(_) => confidence,
                };
            }
            let (start, _) = norm.original_span(words[m.first].start, words[m.first].end);
            let (_, end) = norm.original_span(words[m.last].start, words[m.last].end);
            out.push(Candidate {
                category: meta.category,
                start,
                end,
                confidence,
                source: Source::Lexicon(meta_id),
                combine: (meta.tie == TieMode::None).then_some(m.entry),
            });
        }
    }
}

/// The buffers one text's screening needs, kept per thread between texts.
#[derive(Default)]
struct Scratch {
    norm: Buffers,
    matches: Vec<LexMatch>,
    signals: Vec<(usize, Signal)>,
    candidates: Vec<Candidate>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// A finding before overlaps are merged: what it needs for that, and where its rule name and
/// explanations are (copied into a [`Finding`] only if it is kept).
#[derive(Debug, Clone, Copy)]
struct Candidate {
    category: Category,
    start: usize,
    end: usize,
    confidence: f32,
    source: Source,
    /// The lexicon entry whose evidence accumulates with others of its category.
    combine: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    /// A built-in detector: rule, Swedish and English explanation, action.
    Detector(
        &'static str,
        &'static str,
        &'static str,
        Option<SuggestedAction>,
    ),
    /// A lexicon entry's finding metadata.
    Lexicon(u32),
    /// A link rule.
    Link(usize),
}

/// Merge overlapping findings of one category (the most confident wins, then the longest);
/// let separate pieces of lexicon evidence of one category add up (noisy-OR over distinct
/// entries: two different cues of 0.35 give 0.58, one cue repeated stays 0.35); drop what stays
/// below `min_confidence`; sort; cap.
fn finish(v: &mut Vec<Candidate>, min_confidence: f32) {
    v.sort_by(|a, b| {
        a.category
            .cmp(&b.category)
            .then(b.confidence.total_cmp(&a.confidence))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    // (kept in place: `v[..kept]`)
    let mut kept = 0;
    // Kept spans of the current category by start; they never overlap, so only the one starting
    // last before the new end can clash. Few findings (the usual case): a linear scan of the
    // kept ones instead of a tree.
    let few = v.len() <= SMALL_FINISH;
    let mut spans: BTreeMap<usize, usize> = BTreeMap::new();
    let mut group_start = 0;
    let mut current = None;
    for k in 0..v.len() {
        let f = v[k];
        if current != Some(f.category) {
            current = Some(f.category);
            spans.clear();
            group_start = kept;
        }
        let clash = if few {
            v[group_start..kept]
                .iter()
                .any(|k| k.start < f.end && f.start < k.end)
        } else {
            spans
                .range(..f.end)
                .next_back()
                .is_some_and(|(_, &e)| e > f.start)
        };
        if clash {
            continue;
        }
        if !few {
            spans.insert(f.start, f.end);
        }
        v[kept] = f;
        kept += 1;
    }
    v.truncate(kept);
    let kept = v;
    // Noisy-OR per category over the accumulating findings.
    let mut i = 0;
    while i < kept.len() {
        let cat = kept[i].category;
        let j = i + kept[i..].iter().take_while(|f| f.category == cat).count();
        let group = &mut kept[i..j];
        let mut best: Vec<(u32, f32)> = Vec::new();
        for f in group.iter() {
            if let Some(e) = &f.combine {
                match best.iter_mut().find(|(x, _)| x == e) {
                    Some(b) => b.1 = b.1.max(f.confidence),
                    None => best.push((*e, f.confidence)),
                }
            }
        }
        let miss: f32 = best.iter().map(|(_, c)| 1.0 - c).product();
        let combined = (1.0 - miss).min(MAX_COMBINED);
        for f in group.iter_mut() {
            if f.combine.is_some() && combined > f.confidence {
                f.confidence = combined;
            }
        }
        i = j;
    }
    kept.retain(|f| f.confidence >= min_confidence);
    kept.sort_by_key(|f| (f.start, f.end, f.category));
    kept.truncate(MAX_FINDINGS);
}

struct CtxIndex<'a> {
    norm: &'a Normalized,
    /// (context, the word its phrase ends at) for every context phrase in the text (few).
    ends: Vec<(u8, usize)>,
    names: &'a [String],
}

impl Context for CtxIndex<'_> {
    fn has(&self, detector: &str, pos: usize) -> bool {
        let Some(i) = self.names.iter().position(|n| n == detector) else {
            return false;
        };
        let w = self.norm.word_at_or_after(pos);
        let lo = w.saturating_sub(CONTEXT_WINDOW);
        self.ends
            .iter()
            .any(|&(c, l)| usize::from(c) == i && lo <= l && l < w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(mut v: Vec<Candidate>, min_confidence: f32) -> Vec<Candidate> {
        finish(&mut v, min_confidence);
        v
    }

    #[test]
    fn finish_merges_overlaps_per_category() {
        let f = |category, start, end, confidence, combine| Candidate {
            category,
            start,
            end,
            confidence,
            source: Source::Detector("r", "", "", None),
            combine,
        };
        let out = finished(
            vec![
                f(Category::Threat, 0, 10, 0.8, None),
                f(Category::Threat, 5, 12, 0.9, None),
                f(Category::Hate, 0, 10, 0.8, None),
                f(Category::Threat, 20, 25, 0.7, None),
                f(Category::Complaint, 30, 35, 0.3, Some(1)),
            ],
            0.5,
        );
        let got: Vec<(Category, usize)> = out.iter().map(|f| (f.category, f.start)).collect();
        assert_eq!(
            got,
            vec![
                (Category::Hate, 0),
                (Category::Threat, 5),
                (Category::Threat, 20)
            ]
        );
    }

    #[test]
    fn weak_evidence_adds_up() {
        let f = |start, confidence, combine| Candidate {
            category: Category::Complaint,
            start,
            end: start + 3,
            confidence,
            source: Source::Detector("r", "", "", None),
            combine,
        };
        let out = finished(
            vec![
                f(0, 0.35, Some(1)),
                f(10, 0.35, Some(2)),
                f(11, 0.3, Some(3)),
            ],
            0.5,
        );
        assert_eq!(out.len(), 2, "the overlapping third is merged away");
        assert!((out[0].confidence - 0.5775).abs() < 1e-3);
        let out = finished(vec![f(0, 0.35, Some(1)), f(10, 0.35, None)], 0.5);
        assert!(out.is_empty());
        // The same cue twice is one piece of evidence.
        let out = finished(vec![f(0, 0.35, Some(1)), f(10, 0.35, Some(1))], 0.5);
        assert!(out.is_empty());
    }
}

/// Time per text of each stage of [`Screener::screen_mode`] over a file of texts (one JSON
/// string a line, e.g. from `insyn-bench screening --dump-texts FILE`):
/// `INSYN_STAGES=FILE cargo test --release -p insyn-screening --lib stage_times -- --ignored --nocapture`
#[cfg(test)]
mod stage_times {
    use super::*;
    use std::time::Instant;

    /// The binaries' allocator, so that the times match theirs (for this test binary only).
    #[global_allocator]
    static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

    #[test]
    #[ignore = "a measurement: needs INSYN_STAGES=FILE and a release build"]
    fn stage_times() {
        let path = std::env::var("INSYN_STAGES").expect("INSYN_STAGES=FILE");
        let data = std::fs::read_to_string(path).expect("readable");
        let texts: Vec<String> = data
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON string a line"))
            .collect();
        let s = Screener::default_swedish();
        let n = texts.len() as f64;
        let per = |t: Instant| t.elapsed().as_secs_f64() * 1e9 / n;
        let norms: Vec<Normalized> = texts.iter().map(|t| Normalized::new(t)).collect();
        for _ in 0..2 {
            let t = Instant::now();
            let mut k = 0;
            for x in &texts {
                k += Normalized::new(x).words().len();
            }
            println!("normalize      {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for x in &norms {
                k += s.lexicon.run(x).len();
            }
            println!("lexicon        {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for x in &texts {
                k += usize::from(Triggers::of(x).digit);
            }
            println!("triggers       {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for x in &texts {
                k += s.patterns.detect_with(x, Triggers::of(x)).len();
            }
            println!("patterns       {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for x in &texts {
                let tr = Triggers::of(x);
                if tr.name_pair {
                    k += s.patterns.full_names(x).len();
                }
            }
            println!("full names     {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for (x, nm) in texts.iter().zip(&norms) {
                let ctx = CtxIndex {
                    norm: nm,
                    ends: Vec::new(),
                    names: &s.lexicon.context_names,
                };
                if Triggers::of(x).digit {
                    k += numbers::detect(x, &ctx, s.reference_year).len();
                }
            }
            println!("numbers        {:6.0} ns ({k})", per(t));
            let t = Instant::now();
            let mut k = 0;
            for x in &texts {
                k += s.screen(x).len();
            }
            println!("whole          {:6.0} ns ({k})", per(t));
        }
    }
}

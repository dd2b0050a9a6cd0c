//! Measuring precision and recall on a labelled corpus (R4.3).
//!
//! A corpus is JSON Lines: one example per line,
//! `{"text": "...", "labels": [{"category": "phone", "start": 5, "end": 18, "quote": "070-123 45 67"}]}`.
//! `start`/`end` are byte offsets into `text`; `quote` (optional) must equal `text[start..end]`
//! and is there for reviewers. A label without `start`/`end` is category-level only (the span is
//! ambiguous). `"draft": true` screens the example as the authority's own draft
//! ([`Screener::screen_draft`]). `"held_out": true` marks an example written after the rules
//! were tuned and never tuned on ([`held_out`] picks them, for an honest figure on new text). An
//! optional `"note"` is ignored. Blank lines are skipped.
//!
//! Two scores per category: **text level** (does the example have the category at all, predicted
//! vs labelled) and **span level** (a labelled span is found when a finding of its category
//! overlaps it; a finding that overlaps no labelled span of its category is a false positive;
//! examples with a span-free label of that category, and categories with no span labels in the
//! whole corpus, are left out of the span score).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::error::ScreeningError;
use crate::screener::Screener;

/// The labelled Swedish corpus kept in the repository.
pub const DEFAULT_CORPUS: &str = include_str!("../corpus/sv.jsonl");

/// One labelled example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// 1-based line in the corpus file.
    pub line: usize,
    pub text: String,
    pub draft: bool,
    /// Written after the rules were tuned and never tuned on.
    pub held_out: bool,
    pub labels: Vec<Label>,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub category: Category,
    /// Byte range, or `None` for a category-level label.
    pub span: Option<(usize, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    text: String,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    held_out: bool,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabel {
    category: Category,
    start: Option<usize>,
    end: Option<usize>,
    quote: Option<String>,
}

/// Parse and check a JSONL corpus.
pub fn parse_corpus(jsonl: &str) -> Result<Vec<Example>, ScreeningError> {
    let mut out = Vec::new();
    for (i, l) in jsonl.lines().enumerate() {
        let line = i + 1;
        if l.trim().is_empty() {
            continue;
        }
        let err = |message: String| ScreeningError::Corpus { line, message };
        let raw: RawExample = serde_json::from_str(l).map_err(|e| err(e.to_string()))?;
        let mut labels = Vec::new();
        for lab in raw.labels {
            let span = match (lab.start, lab.end) {
                (Some(s), Some(e)) => {
                    let slice = raw
                        .text
                        .get(s..e)
                        .filter(|x| !x.is_empty())
                        .ok_or_else(|| {
                            err(format!("span {s}..{e} is not a non-empty char range"))
                        })?;
                    if let Some(q) = &lab.quote
                        && q != slice
                    {
                        return Err(err(format!("quote {q:?} but text[{s}..{e}] is {slice:?}")));
                    }
                    Some((s, e))
                }
                (None, None) => None,
                _ => return Err(err("give both start and end, or neither".into())),
            };
            labels.push(Label {
                category: lab.category,
                span,
            });
        }
        out.push(Example {
            line,
            text: raw.text,
            draft: raw.draft,
            held_out: raw.held_out,
            labels,
        });
    }
    Ok(out)
}

/// The held-out examples of a corpus (`"held_out": true`).
pub fn held_out(corpus: &[Example]) -> Vec<Example> {
    corpus.iter().filter(|e| e.held_out).cloned().collect()
}

/// True positives, false positives, false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Counts {
    /// tp / (tp + fp); `None` with no predictions.
    pub fn precision(&self) -> Option<f64> {
        let d = self.tp + self.fp;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }

    /// tp / (tp + fn); `None` with nothing labelled.
    pub fn recall(&self) -> Option<f64> {
        let d = self.tp + self.fn_;
        (d > 0).then(|| self.tp as f64 / d as f64)
    }

    /// Harmonic mean of precision and recall (0 when either is 0 or undefined with support).
    pub fn f1(&self) -> Option<f64> {
        if self.tp + self.fp + self.fn_ == 0 {
            return None;
        }
        let p = self.precision().unwrap_or(0.0);
        let r = self.recall().unwrap_or(0.0);
        Some(if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        })
    }

    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

/// A false positive or false negative, for reading through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mistake {
    pub line: usize,
    pub category: Category,
    /// `"fp"` or `"fn"` (text level).
    pub kind: &'static str,
    pub text: String,
}

/// Scores per category and overall.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub examples: usize,
    /// Labelled examples per category (text level support).
    pub support: BTreeMap<Category, usize>,
    pub text: BTreeMap<Category, Counts>,
    pub span: BTreeMap<Category, Counts>,
    pub mistakes: Vec<Mistake>,
}

impl Report {
    /// Micro-averaged text-level counts over every category.
    pub fn micro_text(&self) -> Counts {
        let mut c = Counts::default();
        self.text.values().for_each(|x| c.add(*x));
        c
    }

    /// Micro-averaged span-level counts.
    pub fn micro_span(&self) -> Counts {
        let mut c = Counts::default();
        self.span.values().for_each(|x| c.add(*x));
        c
    }

    /// Text-level counts of one category (zero if absent).
    pub fn text_counts(&self, c: Category) -> Counts {
        self.text.get(&c).copied().unwrap_or_default()
    }

    /// Span-level counts of one category.
    pub fn span_counts(&self, c: Category) -> Counts {
        self.span.get(&c).copied().unwrap_or_default()
    }

    /// A plain-text table.
    pub fn table(&self) -> String {
        let f = |x: Option<f64>| x.map_or("   -".to_string(), |v| format!("{v:.2}"));
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<17} {:>4} | {:>4} {:>4} {:>4} {:>4} {:>4} | {:>4} {:>4} {:>4}",
            "category", "n", "tp", "fp", "fn", "P", "R", "spP", "spR", "spF1"
        );
        let row = |s: &mut String, name: &str, n: usize, t: Counts, sp: Counts| {
            let _ = writeln!(
                s,
                "{:<17} {:>4} | {:>4} {:>4} {:>4} {:>4} {:>4} | {:>4} {:>4} {:>4}   F1 {}",
                name,
                n,
                t.tp,
                t.fp,
                t.fn_,
                f(t.precision()),
                f(t.recall()),
                f(sp.precision()),
                f(sp.recall()),
                f(sp.f1()),
                f(t.f1()),
            );
        };
        for c in Category::ALL {
            let t = self.text_counts(c);
            let sp = self.span_counts(c);
            row(
                &mut s,
                c.as_str(),
                self.support.get(&c).copied().unwrap_or(0),
                t,
                sp,
            );
        }
        let total: usize = self.support.values().sum();
        row(&mut s, "micro", total, self.micro_text(), self.micro_span());
        let _ = writeln!(s, "{} examples", self.examples);
        s
    }
}

/// Screen every example and score the findings against the labels.
pub fn evaluate(screener: &Screener, corpus: &[Example]) -> Report {
    let mut r = Report {
        examples: corpus.len(),
        ..Report::default()
    };
    // Categories labelled only at category level get no span score.
    let spanned: BTreeSet<Category> = corpus
        .iter()
        .flat_map(|e| e.labels.iter())
        .filter(|l| l.span.is_some())
        .map(|l| l.category)
        .collect();
    for ex in corpus {
        let found = if ex.draft {
            screener.screen_draft(&ex.text)
        } else {
            screener.screen(&ex.text)
        };
        let predicted: BTreeSet<Category> = found.iter().map(|f| f.category).collect();
        let labelled: BTreeSet<Category> = ex.labels.iter().map(|l| l.category).collect();
        for &c in &labelled {
            *r.support.entry(c).or_default() += 1;
        }
        for c in Category::ALL {
            let (p, l) = (predicted.contains(&c), labelled.contains(&c));
            let t = r.text.entry(c).or_default();
            match (p, l) {
                (true, true) => t.tp += 1,
                (true, false) => t.fp += 1,
                (false, true) => t.fn_ += 1,
                (false, false) => {}
            }
            if p != l {
                r.mistakes.push(Mistake {
                    line: ex.line,
                    category: c,
                    kind: if p { "fp" } else { "fn" },
                    text: ex.text.chars().take(160).collect(),
                });
            }
            // Span level.
            let labels: Vec<&Label> = ex.labels.iter().filter(|x| x.category == c).collect();
            if !spanned.contains(&c) || labels.iter().any(|x| x.span.is_none()) {
                continue;
            }
            let preds: Vec<(usize, usize)> = found
                .iter()
                .filter(|f| f.category == c)
                .map(|f| (f.start, f.end))
                .collect();
            let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
            let sp = r.span.entry(c).or_default();
            for l in &labels {
                let span = l.span.expect("checked above");
                if preds.iter().any(|p| overlaps(*p, span)) {
                    sp.tp += 1;
                } else {
                    sp.fn_ += 1;
                }
            }
            sp.fp += preds
                .iter()
                .filter(|p| {
                    !labels
                        .iter()
                        .any(|l| overlaps(**p, l.span.expect("checked")))
                })
                .count();
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_spans() {
        let c = parse_corpus(
            "{\"text\":\"ring 070-123 45 67\",\"labels\":[{\"category\":\"phone\",\"start\":5,\"end\":18,\"quote\":\"070-123 45 67\"}]}\n\n\
             {\"text\":\"hej\",\"labels\":[{\"category\":\"complaint\"}],\"draft\":true}\n",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].labels[0].span, Some((5, 18)));
        assert_eq!(c[1].line, 3);
        assert!(c[1].draft);
        let e = parse_corpus(
            "{\"text\":\"åå\",\"labels\":[{\"category\":\"phone\",\"start\":1,\"end\":2}]}",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("corpus line 1"), "{e}");
        let e = parse_corpus("{\"text\":\"abc\",\"labels\":[{\"category\":\"phone\",\"start\":0,\"end\":2,\"quote\":\"x\"}]}")
            .unwrap_err();
        assert!(e.to_string().contains("quote"), "{e}");
        assert!(parse_corpus("{\"text\":\"a\",\"labels\":[{\"category\":\"nope\"}]}").is_err());
    }

    #[test]
    fn counts() {
        let c = Counts {
            tp: 8,
            fp: 2,
            fn_: 0,
        };
        assert_eq!(c.precision(), Some(0.8));
        assert_eq!(c.recall(), Some(1.0));
        assert!((c.f1().unwrap() - 0.888_888).abs() < 1e-3);
        assert_eq!(Counts::default().f1(), None);
    }

    #[test]
    fn evaluates_text_and_span_level() {
        let s = Screener::default_swedish();
        let corpus = parse_corpus(
            "{\"text\":\"ring 070-123 45 67\",\"labels\":[{\"category\":\"phone\",\"start\":5,\"end\":18}]}\n\
             {\"text\":\"fint väder idag\",\"labels\":[]}\n",
        )
        .unwrap();
        let r = evaluate(&s, &corpus);
        assert_eq!(
            r.text_counts(Category::Phone),
            Counts {
                tp: 1,
                fp: 0,
                fn_: 0
            }
        );
        assert_eq!(
            r.span_counts(Category::Phone),
            Counts {
                tp: 1,
                fp: 0,
                fn_: 0
            }
        );
        assert!(r.table().contains("phone"));
    }
}

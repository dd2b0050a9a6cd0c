//! Links to domains on a configured list (unlawful or copyright-infringing material).

use aho_corasick::{AhoCorasick, MatchKind};

use crate::category::SuggestedAction;
use crate::error::ScreeningError;
use crate::rules::{FileKind, RuleFile};

/// What to report for a domain.
#[derive(Debug, Clone)]
pub(crate) struct DomainRule {
    pub rule: String,
    pub confidence: f32,
    pub sv: String,
    pub en: String,
    pub action: Option<SuggestedAction>,
}

#[derive(Debug)]
pub(crate) struct Links {
    ac: Option<AhoCorasick>,
    rules: Vec<DomainRule>,
    /// pattern → rule index
    pattern_rule: Vec<usize>,
    /// Every '.' of every listed domain lies between two host characters.
    inner_dots_only: bool,
}

/// A listed domain appears as a link at `start..end` (the whole URL-like token).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinkHit {
    pub start: usize,
    pub end: usize,
    pub rule: usize,
}

const MAX_URL_LEFT: usize = 256;
const MAX_URL_RIGHT: usize = 2048;

impl Links {
    pub fn build(files: &[RuleFile]) -> Result<Links, ScreeningError> {
        let mut patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        let mut rules = Vec::new();
        for f in files.iter().filter(|f| f.kind == FileKind::Domains) {
            // Domain files use the settings in force at their first domain.
            let Some(m) = f.metas.first() else { continue };
            if m.sv.is_empty() || m.en.is_empty() {
                let line = f.items.first().map_or(1, |i| i.0);
                return Err(ScreeningError::parse(
                    &f.name,
                    line,
                    "no @sv and @en explanation",
                ));
            }
            rules.push(DomainRule {
                rule: m.rule.clone(),
                confidence: m.confidence,
                sv: m.sv.clone(),
                en: m.en.clone(),
                action: m.action,
            });
            for (_, d) in &f.items {
                patterns.push(d.clone());
                pattern_rule.push(rules.len() - 1);
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .map_err(|e| ScreeningError::Build(e.to_string()))?,
            )
        };
        let host = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c >= 0x80;
        let inner_dots_only = patterns.iter().all(|p| {
            let b = p.as_bytes();
            b.iter().enumerate().all(|(i, &c)| {
                c != b'.' || (i > 0 && host(b[i - 1]) && b.get(i + 1).is_some_and(|&n| host(n)))
            })
        });
        Ok(Links {
            ac,
            rules,
            pattern_rule,
            inner_dots_only,
        })
    }

    /// Whether a text with these trigger bytes can hold a listed domain.
    pub fn may_match(&self, t: &crate::detect::patterns::Triggers) -> bool {
        if self.inner_dots_only {
            t.inner_dot
        } else {
            t.dot
        }
    }

    pub fn rule(&self, i: usize) -> &DomainRule {
        &self.rules[i]
    }

    pub fn detect(&self, text: &str) -> Vec<LinkHit> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let b = text.as_bytes();
        let is_host = |c: u8| c.is_ascii_alphanumeric() || c == b'-';
        let mut out: Vec<LinkHit> = Vec::new();
        for m in ac.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            // Whole domain labels only: "xthepiratebay.org" and "thepiratebay.org.example" are not it.
            if s > 0 && is_host(b[s - 1]) {
                continue;
            }
            if e < b.len()
                && (is_host(b[e]) || (b[e] == b'.' && b.get(e + 1).is_some_and(|c| is_host(*c))))
            {
                continue;
            }
            if out.last().is_some_and(|h| s < h.end) {
                continue;
            }
            // Extend to the whole URL: left over scheme/subdomain characters, right to whitespace.
            let mut ls = s;
            while ls > 0
                && s - ls < MAX_URL_LEFT
                && (b[ls - 1].is_ascii_alphanumeric() || b":/.-_".contains(&b[ls - 1]))
            {
                ls -= 1;
            }
            let mut le = e;
            while le < b.len()
                && le - e < MAX_URL_RIGHT
                && !b[le].is_ascii_whitespace()
                && !b"\"'<>()[]{}".contains(&b[le])
                && b[le].is_ascii()
            {
                le += 1;
            }
            while le > e && b".,!?;:".contains(&b[le - 1]) {
                le -= 1;
            }
            out.push(LinkHit {
                start: ls,
                end: le,
                rule: self.pattern_rule[m.pattern().as_usize()],
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn links() -> Links {
        let rs = RuleSet::from_sources([(
            "l.rules",
            "@kind domains\n@category unlawful_link\n@sv x\n@en y\nthepiratebay.org\nexample.net\n",
        )])
        .unwrap();
        Links::build(&rs.files).unwrap()
    }

    fn spans(text: &str) -> Vec<&str> {
        links()
            .detect(text)
            .into_iter()
            .map(|h| &text[h.start..h.end])
            .collect()
    }

    #[test]
    fn finds_listed_domains_as_whole_links() {
        assert_eq!(
            spans("se https://ThePirateBay.org/torrent/123, tack"),
            vec!["https://ThePirateBay.org/torrent/123"]
        );
        assert_eq!(spans("www.example.net."), vec!["www.example.net"]);
        assert_eq!(spans("sub.example.net/x"), vec!["sub.example.net/x"]);
    }

    #[test]
    fn ignores_other_domains() {
        assert_eq!(spans("notexample.net"), Vec::<&str>::new());
        assert_eq!(spans("example.net.evil.com"), Vec::<&str>::new());
        assert_eq!(spans("example.network"), Vec::<&str>::new());
    }
}

//! Integration tests: the labelled corpus with score floors, a differential test of the
//! personnummer validator against the PyPI `personnummer` 3.2.1 package, hostile input under a
//! time bound, property tests, and the public API.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use insyn_screening::eval::{self, Counts};
use insyn_screening::validate::personnummer::{Personnummer, current_year};
use insyn_screening::{Category, Finding, Mode, RuleSet, Screener, SuggestedAction};

fn screener() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    // INSYN_SCREENING_RULES_DIR: a whole rule directory read at run time instead of the embedded
    // copy, so rule work can be measured without rebuilding.
    S.get_or_init(|| match std::env::var_os("INSYN_SCREENING_RULES_DIR") {
        Some(dir) => {
            Screener::new(RuleSet::from_dir(dir).expect("rule dir parses")).expect("rules build")
        }
        None => Screener::default_swedish(),
    })
}

// ---------------------------------------------------------------- corpus

/// (category, text-level precision floor, text-level recall floor). The personal-data floors
/// (0.98/0.99) and the content floors (0.85/0.85) are the ones issue 4 sets; the rest are set a
/// little below what the whole corpus measures. See corpus/README.md for held-out figures.
const FLOORS: &[(Category, f64, f64)] = &[
    (Category::Personnummer, 0.98, 0.99),
    (Category::Phone, 0.98, 0.99),
    (Category::Email, 0.98, 0.99),
    (Category::Address, 0.9, 0.9),
    (Category::Payment, 0.98, 0.99),
    (Category::Sensitive, 0.85, 0.85),
    (Category::OffensivePerson, 0.85, 0.85),
    (Category::Threat, 0.85, 0.85),
    (Category::Hate, 0.85, 0.85),
    (Category::UnlawfulLink, 0.9, 0.9),
    (Category::Secret, 0.85, 0.85),
    (Category::Complaint, 0.85, 0.85),
    (Category::CaseReference, 0.85, 0.85),
    (Category::CaseRequest, 0.85, 0.85),
    (Category::EconomicAdvice, 0.85, 0.85),
];

/// The first corpus line of batch G (corpus/README.md): 150 examples written for issue 4's
/// held-out measurement, printed on their own as well.
const BATCH_G_FROM_LINE: usize = 695;

/// Categories under their floor, one message each naming the category.
fn below_floors(report: &eval::Report) -> Vec<String> {
    let mut failures = Vec::new();
    for &(c, p_floor, r_floor) in FLOORS {
        let t = report.text_counts(c);
        let (p, r) = (t.precision().unwrap_or(0.0), t.recall().unwrap_or(0.0));
        if p < p_floor || r < r_floor {
            failures.push(format!(
                "{c}: P {p:.3} (floor {p_floor}), R {r:.3} (floor {r_floor})"
            ));
        }
    }
    failures
}

#[test]
fn corpus_scores_meet_floors() {
    let corpus = eval::parse_corpus(eval::DEFAULT_CORPUS).expect("corpus parses");
    let report = eval::evaluate(screener(), &corpus);
    println!("whole corpus\n{}", report.table());
    let held = eval::evaluate(screener(), &eval::held_out(&corpus));
    println!("held out (batches F and G)\n{}", held.table());
    let batch_g: Vec<_> = corpus
        .iter()
        .filter(|e| e.line >= BATCH_G_FROM_LINE)
        .cloned()
        .collect();
    let g = eval::evaluate(screener(), &batch_g);
    println!("lines {BATCH_G_FROM_LINE}.. (batch G)\n{}", g.table());
    for m in &report.mistakes {
        println!(
            "  line {:>3} {} {:<16} {}",
            m.line,
            m.kind,
            m.category.as_str(),
            m.text
        );
    }
    let mut failures = below_floors(&report);
    let micro = report.micro_text();
    if micro.f1().unwrap_or(0.0) < 0.9 {
        failures.push(format!(
            "micro text F1 {:.2} < 0.9",
            micro.f1().unwrap_or(0.0)
        ));
    }
    let span = report.micro_span();
    if span.f1().unwrap_or(0.0) < 0.9 {
        failures.push(format!(
            "micro span F1 {:.2} < 0.9",
            span.f1().unwrap_or(0.0)
        ));
    }
    assert!(
        failures.is_empty(),
        "scores below floor:\n{}",
        failures.join("\n")
    );
}

#[test]
fn floor_check_names_the_category() {
    // A report where every prediction of `threat` is wrong must be named, and only it.
    let mut report = eval::Report::default();
    for &(c, _, _) in FLOORS {
        report.text.insert(
            c,
            Counts {
                tp: 100,
                fp: 0,
                fn_: 0,
            },
        );
    }
    report.text.insert(
        Category::Threat,
        Counts {
            tp: 80,
            fp: 20,
            fn_: 0,
        },
    );
    let f = below_floors(&report);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("threat:"), "{f:?}");
}

#[test]
fn corpus_is_large_varied_and_consistent() {
    let corpus = eval::parse_corpus(eval::DEFAULT_CORPUS).expect("corpus parses");
    assert!(corpus.len() >= 650, "{} examples", corpus.len());
    for c in Category::ALL {
        let n = corpus
            .iter()
            .filter(|e| e.labels.iter().any(|l| l.category == c))
            .count();
        assert!(n >= 3, "{c}: only {n} labelled examples");
    }
    let negatives = corpus.iter().filter(|e| e.labels.is_empty()).count();
    assert!(negatives >= 60, "{negatives} examples without labels");
    // Every labelled personnummer is valid; economic advice only appears in drafts.
    for e in &corpus {
        for l in &e.labels {
            if l.category == Category::Personnummer {
                let (s, t) = l.span.expect("personnummer labels have spans");
                let raw: String = e.text[s..t].chars().filter(|c| *c != ' ').collect();
                assert!(
                    Personnummer::parse(&raw, current_year()).is_some(),
                    "line {}: {raw} is not valid",
                    e.line
                );
            }
            if l.category == Category::EconomicAdvice {
                assert!(e.draft, "line {}: economic_advice outside a draft", e.line);
            }
        }
    }
}

// ---------------------------------------------------------------- differential

/// A small deterministic generator (xorshift64*), so the candidates are the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn luhn_digit(s: &str) -> u32 {
    insyn_screening::validate::luhn_check_digit(s).expect("digits") as u32
}

/// 100,000 strings: valid numbers in every spelling, near misses (check digit, dates, serial
/// 000, leap days, day+60 edges), wrong separators and lengths, garbage.
const CANDIDATES: usize = 100_000;

fn candidates() -> Vec<String> {
    let mut r = Rng(0x1234_5678_9abc_def1);
    let mut out = Vec::new();
    let fmt = |yyyy: u32, mm: u32, dd: u32, serial: u32, check: u32, style: u64| -> String {
        let yy = yyyy % 100;
        match style {
            0 => format!("{yy:02}{mm:02}{dd:02}{serial:03}{check}"),
            1 => format!("{yy:02}{mm:02}{dd:02}-{serial:03}{check}"),
            2 => format!("{yy:02}{mm:02}{dd:02}+{serial:03}{check}"),
            3 => format!("{yyyy:04}{mm:02}{dd:02}{serial:03}{check}"),
            4 => format!("{yyyy:04}{mm:02}{dd:02}-{serial:03}{check}"),
            _ => format!("{yyyy:04}{mm:02}{dd:02}+{serial:03}{check}"),
        }
    };
    // Two strings per round (a number and a mutation of it), plus the fixed list below.
    for i in 0..(CANDIDATES as u64 / 2) {
        let yyyy = 1890 + r.below(140) as u32;
        let mm = match i % 10 {
            0 => r.below(14) as u32, // 0..13: invalid months too
            _ => 1 + r.below(12) as u32,
        };
        let mut dd = match i % 7 {
            0 => 28 + r.below(5) as u32, // month ends
            1 => r.below(33) as u32,
            _ => 1 + r.below(28) as u32,
        };
        if i % 5 == 0 {
            dd += 60; // co-ordination numbers, and 60/61/92 edges
        }
        if i % 37 == 0 {
            // leap days, including 1900/2000 and 10-digit century inference
            dd = 29;
        }
        let serial = if i % 50 == 0 {
            0
        } else {
            1 + r.below(999) as u32
        };
        let ten = format!("{:02}{mm:02}{dd:02}{serial:03}", yyyy % 100);
        let good = if ten.len() == 9 { luhn_digit(&ten) } else { 0 };
        let check = match i % 4 {
            0 => (good + 1 + r.below(9) as u32) % 10, // wrong check digit
            _ => good,
        };
        let style = r.below(6);
        let s = fmt(yyyy, mm, dd, serial, check, style);
        out.push(s.clone());
        // Mutations of the same string.
        match i % 6 {
            0 => {
                let mut b = s.into_bytes();
                let k = r.below(b.len() as u64) as usize;
                if b[k].is_ascii_digit() {
                    b[k] = b'0' + ((b[k] - b'0' + 1) % 10);
                }
                out.push(String::from_utf8(b).expect("ascii"));
            }
            1 => out.push(s.replacen(['-', '+'], " ", 1)),
            2 => out.push(format!("{s}0")),
            3 => out.push(s[..s.len() - 1].to_string()),
            4 => out.push(s.replace('-', "--")),
            _ => out.push(format!("{}/{}", &s[..s.len() - 4], &s[s.len() - 4..])),
        }
    }
    for s in [
        "19121212-1212",
        "121212-1212",
        "121212+1212",
        "191212121212",
        "1212121212",
        "19121212+1212",
        "19121272-1219",
        "121272-1219",
        "20121212 1212",
        "12121212121",
        "",
        "abc",
        "121212-12a2",
        "0000000000",
        "000000-0000",
        "000229-1234",
        "000229+1234",
        "200002291234",
        "190002291234",
        "+121212-1212",
    ] {
        out.push(s.to_string());
    }
    out
}

fn peer_python() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("INSYN_TEST_PYTHON") {
        return Some(p.into());
    }
    let dir = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
    let p = std::path::Path::new(&dir).join("venv/bin/python");
    p.exists().then_some(p)
}

const INSTALL: &str = "python3 -m venv /tmp/insyn-peers/venv && \
    /tmp/insyn-peers/venv/bin/pip install personnummer==3.2.1";

fn skip_or_fail(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}; install the peer with: {INSTALL} (or set INSYN_TEST_PYTHON)");
    }
    eprintln!("SKIPPED personnummer differential test: {why}. Install with: {INSTALL}");
}

#[test]
fn personnummer_agrees_with_pypi_personnummer() {
    let Some(python) = peer_python() else {
        skip_or_fail("no Python with the personnummer package");
        return;
    };
    let cands = candidates();
    assert!(cands.len() >= CANDIDATES, "{} candidates", cands.len());
    let started = Instant::now();
    let script = "import sys\n\
        from personnummer import personnummer as p\n\
        assert p.__name__ == 'personnummer.personnummer'\n\
        lines = sys.stdin.read().split('\\n')[:-1]\n\
        sys.stdout.write('\\n'.join('1' if p.valid(l) else '0' for l in lines) + '\\n')\n";
    let child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return skip_or_fail(&format!("cannot run {}: {e}", python.display())),
    };
    {
        // One batch: the peer reads all of standard input before it writes anything.
        let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        for c in &cands {
            writeln!(stdin, "{c}").expect("write");
        }
        stdin.flush().expect("flush");
    }
    let out = child.wait_with_output().expect("python runs");
    if !out.status.success() {
        return skip_or_fail(&format!(
            "the peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let answers: Vec<bool> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l == "1")
        .collect();
    assert_eq!(answers.len(), cands.len());
    let year = current_year();
    let mut disagreements = Vec::new();
    let (mut valid, mut coordination, mut plus) = (0, 0, 0);
    for (c, peer) in cands.iter().zip(&answers) {
        let ours = Personnummer::parse(c, year).is_some();
        valid += usize::from(ours);
        if ours {
            let digits: Vec<u8> = c.bytes().filter(u8::is_ascii_digit).collect();
            let day = &digits[digits.len() - 6..digits.len() - 4];
            coordination += usize::from(day[0] >= b'6');
            plus += usize::from(c.contains('+'));
        }
        if ours != *peer {
            disagreements.push(format!("{c:?}: ours {ours}, pypi {peer}"));
        }
    }
    println!(
        "{} candidates, {valid} valid ({coordination} co-ordination numbers, {plus} with '+'), \
         {} disagreements, {:.1} s",
        cands.len(),
        disagreements.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        valid > 20_000 && valid < cands.len() - 20_000,
        "a mix of valid and invalid: {valid}"
    );
    assert!(coordination > 1000 && plus > 1000, "{coordination} {plus}");
    assert!(
        disagreements.is_empty(),
        "{} disagreements, first ones:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(20)].join("\n")
    );
}

// ---------------------------------------------------------------- hostile input

/// Realistic text: the corpus examples one after the other, repeated to `bytes` (cut on a char
/// boundary).
fn corpus_text(bytes: usize) -> String {
    let corpus = eval::parse_corpus(eval::DEFAULT_CORPUS).expect("corpus parses");
    let mut s = String::with_capacity(bytes + 1024);
    'fill: loop {
        for e in &corpus {
            if s.len() + e.text.len() + 1 > bytes {
                break 'fill;
            }
            s.push_str(&e.text);
            s.push('\n');
        }
    }
    s
}

fn timed(text: &str) -> (Duration, usize) {
    let t = Instant::now();
    let f = screener().screen(text);
    let d = t.elapsed();
    check_findings(text, &f);
    (d, f.len())
}

#[test]
fn bad_input_never_panics_and_time_is_linear() {
    // Empty and blank text.
    assert!(screener().screen("").is_empty());
    assert!(screener().screen_draft("").is_empty());
    assert!(screener().screen(" \n\t").is_empty());
    // Only emoji, only combining marks (no base letter), zero-width joiners.
    for s in [
        "😀🙈🇸🇪👍🏽".repeat(20_000),
        "\u{301}\u{308}\u{30a}".repeat(50_000),
        "\u{200d}\u{fe0f}\u{200b}".repeat(50_000),
        "👨\u{200d}👩\u{200d}👧".repeat(20_000),
    ] {
        let f = screener().screen(&s);
        check_findings(&s, &f);
    }
    // Invalid UTF-8 where bytes come in: decoded lossily, the number is still found.
    let raw = b"\xffRing mig p\xe5 070-174 06 12 \xc3\x28 \xf0\x9f\x98 tack";
    let (text, f) = screener().screen_bytes(raw, Mode::Received);
    check_findings(&text, &f);
    assert!(text.contains('\u{fffd}'));
    assert_eq!(f[0].category, Category::Phone);
    assert_eq!(f[0].text(&text), "070-174 06 12");

    // 1 MB and 10 MB of realistic text: time grows about linearly (a quadratic step would
    // make the ratio about 100, not 10).
    const MB: usize = 1_000_000;
    let small = corpus_text(MB);
    let large = corpus_text(10 * MB);
    let (t1, n1) = (0..2).map(|_| timed(&small)).min().expect("two runs");
    let (t10, n10) = timed(&large);
    let ratio = t10.as_secs_f64() / t1.as_secs_f64().max(1e-9);
    println!(
        "1 MB: {:.0} ms, {n1} findings; 10 MB: {:.0} ms, {n10} findings; ratio {ratio:.1}",
        t1.as_secs_f64() * 1e3,
        t10.as_secs_f64() * 1e3
    );
    assert!(n1 > 0 && n10 >= n1.min(insyn_screening::screener::MAX_FINDINGS));
    assert!(ratio < 25.0, "10 MB took {ratio:.1} times as long as 1 MB");
    let limit = if cfg!(debug_assertions) { 90.0 } else { 30.0 };
    assert!(t10.as_secs_f64() < limit, "10 MB took {t10:?}");
}

#[test]
fn hostile_megabyte_inputs_are_fast() {
    const MIB: usize = 1 << 20;
    let rep = |s: &str| {
        s.repeat(MIB / s.len() + 1)[..]
            .chars()
            .take(MIB)
            .collect::<String>()
    };
    let inputs: Vec<(&str, String)> = vec![
        ("letters", "a".repeat(MIB)),
        ("digits", "1".repeat(MIB)),
        ("digit groups", rep("1 ")),
        ("dashed groups", rep("12-")),
        ("phones", rep("070-174 06 12 ")),
        ("personnummer", rep("121212-1212 ")),
        ("insults", rep("du är en idiot ")),
        ("spaced letters", rep("h o r a ")),
        ("dotted letters", rep("i.")),
        ("threat phrases", rep("jag ska döda dig ")),
        ("gappy phrase starts", rep("spränga ")),
        ("e-mail-ish", rep("a.b@c")),
        ("at signs", rep("@")),
        ("street-ish", rep("Storgatan 1 ")),
        ("iban-ish", rep("SE45 ")),
        ("combining marks", rep("e\u{301}\u{302}\u{303}")),
        ("links", rep("thepiratebay.org/")),
        ("leet", rep("1d10t ")),
        ("mixed unicode", rep("Åäö ﬁ ２０２６ 💥 ")),
        ("repeats", rep("ooooooooooooo")),
    ];
    let limit = if cfg!(debug_assertions) {
        Duration::from_secs(15)
    } else {
        Duration::from_secs(3)
    };
    for (name, s) in &inputs {
        let t = Instant::now();
        let f = screener().screen(s);
        let d = t.elapsed();
        println!(
            "{name:<20} {:>8.0} ms  {} findings",
            d.as_secs_f64() * 1000.0,
            f.len()
        );
        assert!(d < limit, "{name}: {d:?}");
        assert!(f.len() <= insyn_screening::screener::MAX_FINDINGS);
        check_findings(s, &f);
    }
}

// ---------------------------------------------------------------- properties

fn check_findings(input: &str, f: &[Finding]) {
    for x in f {
        assert!(x.start < x.end && x.end <= input.len(), "{x:?}");
        assert!(
            input.is_char_boundary(x.start) && input.is_char_boundary(x.end),
            "{x:?}"
        );
        assert!((0.0..=1.0).contains(&x.confidence), "{x:?}");
        assert!(!x.explanation_sv.is_empty() && !x.explanation_en.is_empty());
    }
    for w in f.windows(2) {
        assert!(
            (w[0].start, w[0].end, w[0].category) < (w[1].start, w[1].end, w[1].category),
            "sorted, no duplicates"
        );
        // One category never overlaps itself.
    }
    for (i, a) in f.iter().enumerate() {
        for b in &f[i + 1..] {
            if b.start >= a.end {
                break;
            }
            assert!(a.category != b.category, "overlapping {a:?} {b:?}");
        }
    }
}

mod props {
    use proptest::prelude::*;

    use super::*;

    /// Fragments that exercise every detector, glued with random separators.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9 +\\-]{1,20}",
            "[a-zåäö@$0-9 .]{1,20}",
            Just("19121212-1212".to_string()),
            Just("070-174 06 12".to_string()),
            Just("du är en idiot".to_string()),
            Just("h o r a".to_string()),
            Just("jag ska döda dig".to_string()),
            Just("Storgatan 12B, 735 31 Surahammar".to_string()),
            Just("SE45 5000 0000 0583 9825 7466".to_string()),
            Just("https://thepiratebay.org/x".to_string()),
            Just("KS 2026/123".to_string()),
            Just("anna@example.se".to_string()),
            Just("e\u{301}\u{200b}ö\u{308}ﬁ".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn screen_never_panics_and_spans_are_valid(s in any::<String>()) {
            check_findings(&s, &screener().screen(&s));
            check_findings(&s, &screener().screen_draft(&s));
        }

        #[test]
        fn mixed_fragments(parts in proptest::collection::vec(fragment(), 0..8), seps in "[ ,.\\n]{8}") {
            let mut s = String::new();
            for (i, p) in parts.iter().enumerate() {
                s.push_str(p);
                s.push(seps.chars().nth(i % 8).unwrap_or(' '));
            }
            check_findings(&s, &screener().screen(&s));
        }

        #[test]
        fn normalised_spans_stay_inside(s in any::<String>()) {
            let n = insyn_screening::normalize::Normalized::new(&s);
            for w in n.words() {
                let (a, b) = n.original_span(w.start, w.end);
                prop_assert!(a < b && b <= s.len());
                prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
            }
        }
    }
}

// ---------------------------------------------------------------- API

#[test]
fn finding_serialises_with_stable_ids() {
    let text = "Du är en idiot, ring 070-174 06 12";
    let f = screener().screen(text);
    let json = serde_json::to_value(&f).expect("serialises");
    let cats: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|x| x["category"].as_str().expect("string"))
        .collect();
    assert_eq!(cats, ["offensive_person", "phone"]);
    assert_eq!(json[0]["suggested_action"], "remove_offensive");
    let back: Vec<Finding> = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, f);
    for c in Category::ALL {
        assert_eq!(serde_json::to_value(c).expect("ser"), c.as_str());
        assert_eq!(c.as_str().parse::<Category>().expect("parse"), c);
    }
    for a in SuggestedAction::ALL {
        assert_eq!(serde_json::to_value(a).expect("ser"), a.as_str());
    }
}

#[test]
fn drafts_get_economic_advice_and_received_items_do_not() {
    let text = "Du har rätt till ersättning, ring 070-174 06 12. /Maria";
    let draft: Vec<Category> = screener()
        .screen_draft(text)
        .iter()
        .map(|f| f.category)
        .collect();
    assert_eq!(draft, [Category::EconomicAdvice, Category::Phone]);
    let received: Vec<Category> = screener().screen(text).iter().map(|f| f.category).collect();
    assert_eq!(received, [Category::Phone]);
    assert!(Mode::Draft.reports(Category::Personnummer));
    assert!(!Mode::Draft.reports(Category::Threat));
}

#[test]
fn organisation_rules_extend_and_replace_defaults() {
    let own = RuleSet::from_sources([
        (
            "local.rules",
            "@category threat\n@rule local.threat\n@confidence 0.9\n@sv Lokalt hot.\n@en Local threat.\nvi kommer med facklor\n",
        ),
        ("offensive.rules", ""),
    ])
    .expect("parses");
    let s = Screener::new(RuleSet::default_swedish().overlay(own)).expect("compiles");
    let f = s.screen("I kväll vi kommer med facklor. Du är en idiot.");
    let rules: Vec<&str> = f.iter().map(|x| x.rule.as_str()).collect();
    assert_eq!(rules, ["local.threat"], "offensive.rules was turned off");
    let bad = RuleSet::from_sources([("x.rules", "@category threat\n@sv a\n@en b\nfoo <nope>\n")])
        .expect("parses");
    let err = Screener::new(bad).expect_err("unknown class");
    assert_eq!(err.to_string(), "x.rules:4: unknown class <nope>");
}

#[test]
fn screener_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Screener>();
}

#[test]
fn examples_from_the_brief() {
    let cases: &[(&str, &[Category])] = &[
        ("Mitt pnr är 121212+1212", &[Category::Personnummer]),
        ("du är en h o r a", &[Category::OffensivePerson]),
        ("Göran är en id1ot", &[Category::OffensivePerson]),
        ("Kan vi skjuta upp mötet?", &[]),
        ("Mycket död-tid mellan bussarna", &[]),
        ("Vi slår ett slag för biblioteket", &[]),
        ("Ring 2026-03-15 kl 18", &[]),
        ("jag ska döda dig", &[Category::Threat]),
        ("Hur går det med KS 2026/123?", &[Category::CaseReference]),
        ("Jag vill ansöka om bygglov", &[Category::CaseRequest]),
        ("Jag vill klaga på snöröjningen", &[Category::Complaint]),
        (
            "Min son har fått en orosanmälan från skolan",
            &[Category::Secret],
        ),
    ];
    for (text, want) in cases {
        let mut got: Vec<Category> = screener().screen(text).iter().map(|f| f.category).collect();
        got.dedup(); // two findings of one category at different places count once here
        assert_eq!(&got, want, "{text}");
    }
}

#[test]
fn counts_are_reexported_for_reports() {
    let c = Counts {
        tp: 1,
        fp: 0,
        fn_: 1,
    };
    assert_eq!(c.recall(), Some(0.5));
}

//! `screening`: the screening engine's throughput in MB/s on one core over demo texts, beside a
//! single-pattern `memchr::memmem` scan of the same bytes (the ceiling), and beside Microsoft
//! Presidio's analyzer (PyPI `presidio-analyzer`, pattern recognisers only, no NLP model) on the
//! same texts; then span-level precision and recall of both on the labelled corpus for
//! personnummer, phone, e-mail and card numbers.
use crate::BenchResult;
use insyn_screening::eval::{self, Example};
use insyn_screening::{Category, Screener};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Clone)]
pub struct ScreeningArgs {
    /// Megabytes of demo text screened by the engine and by the memmem scan.
    #[arg(long, default_value_t = 50)]
    mb: usize,
    /// Megabytes of the same demo text sent through Presidio (much slower).
    #[arg(long, default_value_t = 5)]
    presidio_mb: usize,
    /// Python with presidio-analyzer 2.2.366; default `$INSYN_PEERS_DIR/presidio-venv/bin/python`
    /// (`INSYN_PEERS_PRESIDIO=1 scripts/install-test-peers` installs it). Skipped if absent.
    #[arg(long, env = "INSYN_BENCH_PRESIDIO_PYTHON")]
    presidio_python: Option<PathBuf>,
    /// Only write the demo texts to this file (one JSON string a line) and stop: input for
    /// `cargo run --release -p insyn-screening --example throughput -- FILE`.
    #[arg(long)]
    dump_texts: Option<PathBuf>,
}

/// CPU time of the calling thread (Linux `/proc/thread-self/schedstat`, nanoseconds on CPU), so
/// that "per core" holds on a shared machine; `None` elsewhere.
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Texts of the demo generator (comments, answers, messages) until `bytes` are reached.
fn demo_texts(bytes: usize) -> Vec<String> {
    use insyn_domain::*;
    let account = Account {
        id: AccountId(1),
        org_id: OrgId(1),
        unit_id: UnitId(1),
        platform: Platform::Facebook,
        handle: "Benchkommun".into(),
        url: "https://facebook.com/benchkommun".into(),
        platform_id: "1".into(),
        purpose: "Information".into(),
        target_group: "Invånare".into(),
        message: String::new(),
        contact: "info@example.se".into(),
        responsible: vec!["A".into(), "B".into()],
        office_hours: OfficeHours::default(),
        response_hours: 8,
        status: AccountStatus::Active,
        planned_at: chrono::Utc::now(),
        opened_at: None,
        closed_at: None,
    };
    let mut generator = insyn_app::demo::ThreadGenerator::new(7, u64::MAX / 4);
    let (mut texts, mut total) = (Vec::new(), 0);
    while total < bytes {
        for item in generator.thread(&account, 0).items {
            total += item.text.len();
            texts.push(item.text);
        }
    }
    texts
}

/// The four compared categories.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Personnummer,
    Phone,
    Email,
    Card,
}

const KINDS: [Kind; 4] = [Kind::Personnummer, Kind::Phone, Kind::Email, Kind::Card];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Personnummer => "personnummer",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Card => "card",
        }
    }
    fn presidio(entity: &str) -> Option<Kind> {
        match entity {
            "SE_PERSONNUMMER" => Some(Kind::Personnummer),
            "PHONE_NUMBER" | "SE_PHONE" => Some(Kind::Phone),
            "EMAIL_ADDRESS" => Some(Kind::Email),
            "CREDIT_CARD" => Some(Kind::Card),
            _ => None,
        }
    }
}

/// A card number: 13–19 digits that pass Luhn, no letters (not an IBAN).
fn is_card(quote: &str) -> bool {
    if quote.chars().any(char::is_alphabetic) {
        return false;
    }
    let digits: String = quote.chars().filter(char::is_ascii_digit).collect();
    (13..=19).contains(&digits.len()) && insyn_screening::validate::luhn_valid(&digits)
}

/// Labelled spans (byte offsets) of one kind in one example.
fn labels(e: &Example, kind: Kind) -> Vec<(usize, usize)> {
    e.labels
        .iter()
        .filter_map(|l| {
            let (s, t) = l.span?;
            let ok = match kind {
                Kind::Personnummer => l.category == Category::Personnummer,
                Kind::Phone => l.category == Category::Phone,
                Kind::Email => l.category == Category::Email,
                Kind::Card => l.category == Category::Payment && is_card(&e.text[s..t]),
            };
            ok.then_some((s, t))
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn add(&mut self, gold: &[(usize, usize)], pred: &[(usize, usize)]) {
        let overlaps = |a: &(usize, usize), b: &(usize, usize)| a.0 < b.1 && b.0 < a.1;
        for g in gold {
            if pred.iter().any(|p| overlaps(p, g)) {
                self.tp += 1;
            } else {
                self.fn_ += 1;
            }
        }
        self.fp += pred
            .iter()
            .filter(|p| !gold.iter().any(|g| overlaps(p, g)))
            .count();
    }
    fn p(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fp).max(1)) as f64
    }
    fn r(&self) -> f64 {
        self.tp as f64 / ((self.tp + self.fn_).max(1)) as f64
    }
}

fn insyn_spans(s: &Screener, e: &Example, kind: Kind) -> Vec<(usize, usize)> {
    let found = if e.draft {
        s.screen_draft(&e.text)
    } else {
        s.screen(&e.text)
    };
    found
        .iter()
        .filter(|f| match kind {
            Kind::Personnummer => f.category == Category::Personnummer,
            Kind::Phone => f.category == Category::Phone,
            Kind::Email => f.category == Category::Email,
            Kind::Card => f.category == Category::Payment && f.rule.contains("card"),
        })
        .map(|f| (f.start, f.end))
        .collect()
}

/// The Presidio side: one Python process. Reads the corpus texts (JSON lines) from the file in
/// argv[1] and prints its findings per line (character offsets), then times the analysis of the
/// demo texts in argv[2] and prints `{"seconds", "bytes", "findings"}`.
const PRESIDIO_SCRIPT: &str = r#"
import json, sys, time
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, Pattern, PatternRecognizer
from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer, PhoneRecognizer, CreditCardRecognizer, IbanRecognizer,
    SePersonnummerRecognizer)
LANG = "sv"
nlp = NoOpNlpEngine(models=[{"lang_code": LANG, "model_name": "no_op"}])
reg = RecognizerRegistry(supported_languages=[LANG])
for r in (EmailRecognizer(supported_language=LANG),
          PhoneRecognizer(supported_language=LANG, supported_regions=("SE",)),
          CreditCardRecognizer(supported_language=LANG),
          IbanRecognizer(supported_language=LANG),
          SePersonnummerRecognizer(supported_language=LANG)):
    reg.add_recognizer(r)
# Swedish phone spellings as a pattern recogniser too (070-123 45 67, 08-123 456 78, +46 70 ...),
# so that Presidio is not judged on libphonenumber's Swedish coverage alone.
reg.add_recognizer(PatternRecognizer(
    supported_entity="SE_PHONE", supported_language=LANG, name="se_phone",
    patterns=[Pattern("se_phone",
        r"(?<![\d+])(?:\+46|0046)[ -]?(?:\(0\))?[ -]?\d{1,3}(?:[ -]?\d{2,3}){2,4}(?!\d)"
        r"|(?<![\d+])0\d{1,3}[ -/]?\d{2,3}(?:[ -]?\d{2,3}){1,3}(?!\d)", 0.5)]))
engine = AnalyzerEngine(nlp_engine=nlp, registry=reg, supported_languages=[LANG])
out = sys.stdout
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        text = json.loads(line)["text"]
        res = [{"entity": r.entity_type, "start": r.start, "end": r.end}
               for r in engine.analyze(text=text, language=LANG)]
        out.write(json.dumps(res) + "\n")
with open(sys.argv[2], encoding="utf-8") as f:
    texts = [json.loads(l)["text"] for l in f]
n = 0
t = time.thread_time()  # CPU time of this thread: "per core" on a shared machine
for text in texts:
    n += len(engine.analyze(text=text, language=LANG))
secs = time.thread_time() - t
out.write(json.dumps({"seconds": secs, "bytes": sum(len(x.encode()) for x in texts),
                      "findings": n}) + "\n")
"#;

struct PresidioRun {
    /// Per corpus example: (entity, byte start, byte end).
    corpus: Vec<Vec<(String, usize, usize)>>,
    seconds: f64,
    bytes: usize,
}

fn char_to_byte(text: &str, c: usize) -> usize {
    text.char_indices().nth(c).map_or(text.len(), |(b, _)| b)
}

fn run_presidio(
    python: &std::path::Path,
    corpus: &[Example],
    demo: &[String],
    dir: &std::path::Path,
) -> Result<PresidioRun, String> {
    let write = |name: &str, texts: &mut dyn Iterator<Item = &str>| -> Result<PathBuf, String> {
        let path = dir.join(name);
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(&path).map_err(|e| e.to_string())?);
        for t in texts {
            writeln!(f, "{}", serde_json::json!({ "text": t })).map_err(|e| e.to_string())?;
        }
        f.flush().map_err(|e| e.to_string())?;
        Ok(path)
    };
    let corpus_file = write("corpus.jsonl", &mut corpus.iter().map(|e| e.text.as_str()))?;
    let demo_file = write("demo.jsonl", &mut demo.iter().map(String::as_str))?;
    let tld = dir.join("tld");
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(PRESIDIO_SCRIPT)
        .arg(&corpus_file)
        .arg(&demo_file)
        .env("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        .env("TLDEXTRACT_CACHE", &tld)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "presidio failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let stdout = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let lines: Vec<&str> = stdout.lines().collect();
    if lines.len() != corpus.len() + 1 {
        return Err(format!(
            "presidio answered {} lines for {} texts",
            lines.len(),
            corpus.len() + 1
        ));
    }
    let mut per_example = Vec::new();
    for (e, l) in corpus.iter().zip(&lines) {
        let v: Vec<serde_json::Value> = serde_json::from_str(l).map_err(|e| e.to_string())?;
        per_example.push(
            v.iter()
                .map(|r| {
                    let s = r["start"].as_u64().unwrap_or(0) as usize;
                    let t = r["end"].as_u64().unwrap_or(0) as usize;
                    (
                        r["entity"].as_str().unwrap_or("").to_string(),
                        char_to_byte(&e.text, s),
                        char_to_byte(&e.text, t),
                    )
                })
                .collect(),
        );
    }
    let last: serde_json::Value =
        serde_json::from_str(lines[lines.len() - 1]).map_err(|e| e.to_string())?;
    Ok(PresidioRun {
        corpus: per_example,
        seconds: last["seconds"].as_f64().unwrap_or(f64::NAN),
        bytes: last["bytes"].as_u64().unwrap_or(0) as usize,
    })
}

pub async fn run(a: &ScreeningArgs) -> BenchResult {
    let t = Instant::now();
    let texts = demo_texts(a.mb * 1_000_000);
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "{} demo texts, {mb:.1} MB, generated in {:.1} s",
        texts.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(path) = &a.dump_texts {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
        for t in &texts {
            serde_json::to_writer(&mut out, t).map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
        eprintln!("wrote {}", path.display());
        return Ok(());
    }
    let screener = Screener::default_swedish();

    // Warm-up, then the whole engine on one core.
    for t in texts.iter().take(2000) {
        std::hint::black_box(screener.screen(t));
    }
    let t = Instant::now();
    let cpu0 = thread_cpu_secs();
    let mut findings = 0usize;
    for text in &texts {
        findings += screener.screen(text).len();
    }
    let engine_wall = t.elapsed().as_secs_f64();
    let engine_s = match (cpu0, thread_cpu_secs()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => engine_wall,
    };

    // The ceiling: one pattern over the same bytes (best of three).
    let finder = memchr::memmem::Finder::new("kommun");
    let mut memmem_s = f64::MAX;
    let mut hits = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let cpu0 = thread_cpu_secs();
        hits = texts
            .iter()
            .map(|x| finder.find_iter(x.as_bytes()).count())
            .sum::<usize>();
        let wall = t.elapsed().as_secs_f64();
        let secs = match (cpu0, thread_cpu_secs()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => wall,
        };
        memmem_s = memmem_s.min(secs);
    }

    let corpus = eval::parse_corpus(eval::DEFAULT_CORPUS).map_err(|e| e.to_string())?;
    let mut ours = [Score::default(); 4];
    for e in &corpus {
        for (i, k) in KINDS.iter().enumerate() {
            ours[i].add(&labels(e, *k), &insyn_spans(&screener, e, *k));
        }
    }

    let python = a.presidio_python.clone().or_else(|| {
        let dir = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
        let p = PathBuf::from(dir).join("presidio-venv/bin/python");
        p.exists().then_some(p)
    });
    let presidio = match python {
        Some(py) => {
            let mut subset = Vec::new();
            let mut n = 0;
            for t in &texts {
                if n >= a.presidio_mb * 1_000_000 {
                    break;
                }
                n += t.len();
                subset.push(t.clone());
            }
            let dir =
                std::env::temp_dir().join(format!("insyn-bench-presidio-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let r = run_presidio(&py, &corpus, &subset, &dir);
            let _ = std::fs::remove_dir_all(&dir);
            Some(r?)
        }
        None => {
            eprintln!(
                "Presidio skipped: no Python with presidio-analyzer (INSYN_PEERS_PRESIDIO=1 scripts/install-test-peers)"
            );
            None
        }
    };

    let engine_rate = mb / engine_s;
    let memmem_rate = mb / memmem_s;
    println!(
        "## Screening: {} demo texts, {mb:.1} MB, one core",
        texts.len()
    );
    println!();
    println!(
        "MB/s per core = MB / CPU seconds of the measuring thread (engine wall time {engine_wall:.1} s)."
    );
    println!();
    println!("| engine | MB/s per core | findings / matches |");
    println!("|---|---|---|");
    println!("| Insyn screening engine (all 15 categories) | {engine_rate:.1} | {findings} |");
    println!("| `memchr::memmem`, one pattern (ceiling) | {memmem_rate:.0} | {hits} |");
    if let Some(p) = &presidio {
        let rate = p.bytes as f64 / 1e6 / p.seconds;
        println!(
            "| Presidio analyzer 2.2.366, pattern recognisers ({:.1} MB of the same texts) | {rate:.2} | |",
            p.bytes as f64 / 1e6
        );
        println!();
        println!(
            "Insyn is {:.0}× Presidio's speed; {:.1} % of the memmem ceiling.",
            engine_rate / rate,
            100.0 * engine_rate / memmem_rate
        );
    } else {
        println!();
        println!(
            "{:.1} % of the memmem ceiling.",
            100.0 * engine_rate / memmem_rate
        );
    }
    println!();
    println!("Span level on the corpus ({} examples):", corpus.len());
    println!();
    println!("| category | labelled | Insyn P | Insyn R | Presidio P | Presidio R |");
    println!("|---|---|---|---|---|---|");
    for (i, k) in KINDS.iter().enumerate() {
        let (pp, pr) = match &presidio {
            Some(p) => {
                let mut s = Score::default();
                for (e, found) in corpus.iter().zip(&p.corpus) {
                    let pred: Vec<(usize, usize)> = found
                        .iter()
                        .filter(|(ent, _, _)| Kind::presidio(ent) == Some(*k))
                        .map(|(_, s, t)| (*s, *t))
                        .collect();
                    s.add(&labels(e, *k), &pred);
                }
                (format!("{:.2}", s.p()), format!("{:.2}", s.r()))
            }
            None => ("-".into(), "-".into()),
        };
        let o = ours[i];
        println!(
            "| {} | {} | {:.2} | {:.2} | {pp} | {pr} |",
            k.name(),
            o.tp + o.fn_,
            o.p(),
            o.r()
        );
    }
    Ok(())
}

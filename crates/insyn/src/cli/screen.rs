use super::{CliError, CliResult, Context, print_json};
use std::io::Read;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The text to screen; read from standard input when left out.
    text: Option<String>,
    /// Screen as the authority's own draft answer (economic advice, personal data).
    #[arg(long)]
    draft: bool,
    /// Print precision and recall on the labelled Swedish corpus instead.
    #[arg(long)]
    eval: bool,
    #[arg(long)]
    json: bool,
    /// A directory of the organisation's own *.rules files, laid over the built-in Swedish
    /// rules (same file name replaces, an empty file turns one off). Not used with --all, which
    /// screens each organisation with its folder under `[screening] rules_dir`.
    #[arg(long, value_name = "DIR", conflicts_with = "all")]
    rules: Option<std::path::PathBuf>,
    /// Read JSON lines {"id": ..., "text": ...} on standard input and write one JSON line of
    /// findings per input line (character offsets), streaming. Bad lines are answered with
    /// {"line": N, "error": ...}; the exit code is 1 if there was any.
    #[arg(long, conflicts_with_all = ["text", "eval", "json", "draft"])]
    jsonl: bool,
    /// Screen the whole store again (after the rules changed): the newest version of every
    /// received record gets a new screening; earlier findings are kept (append-only).
    #[arg(long, conflicts_with_all = ["text", "eval", "draft", "jsonl"])]
    all: bool,
}

pub async fn run(cx: &Context, a: Args) -> CliResult {
    if a.all {
        let app = cx.open_screening().await?;
        let started = std::time::Instant::now();
        let n = app.rescreen_all(&crate::progress::Bar::new()).await?;
        let secs = started.elapsed().as_secs_f64();
        if a.json {
            print_json(&serde_json::json!({"screened": n, "seconds": secs}))?;
        } else {
            println!("Omgranskat: {n} versioner på {secs:.1} s.");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let screener = insyn_app::screening::screener_with_rules(a.rules.as_deref())?;
    if a.jsonl {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        let summary = insyn_app::screening::screen_jsonl(&screener, stdin, stdout)
            .map_err(|e| CliError::Io(format!("screen --jsonl: {e}")))?;
        if summary.bad > 0 {
            eprintln!(
                "{} av {} rader kunde inte läsas / {} of {} lines could not be read",
                summary.bad, summary.lines, summary.bad, summary.lines
            );
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if a.eval {
        println!(
            "{}",
            insyn_app::screening::screening_evaluation_with(&screener)?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let text = match a.text {
        Some(t) => t,
        None => {
            // Bytes that are not UTF-8 are replaced (U+FFFD), never an error.
            let mut t = Vec::new();
            std::io::stdin()
                .read_to_end(&mut t)
                .map_err(|e| CliError::Io(format!("cannot read standard input: {e}")))?;
            String::from_utf8_lossy(&t).into_owned()
        }
    };
    let findings = insyn_app::screening::screen_text_with(&screener, &text, a.draft);
    if a.json {
        print_json(&findings)?;
    } else if findings.is_empty() {
        println!("Inga fynd.");
    } else {
        for f in &findings {
            println!(
                "{:<16} {:>3.0} %  «{}»  {}",
                f.category.as_str(),
                f.confidence * 100.0,
                &text[f.start..f.end],
                f.explanation_sv
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

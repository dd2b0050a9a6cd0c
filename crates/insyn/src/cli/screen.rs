use super::{CliError, CliResult, print_json};
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
}

pub fn run(a: Args) -> CliResult {
    if a.eval {
        println!("{}", insyn_app::screening::screening_evaluation()?);
        return Ok(ExitCode::SUCCESS);
    }
    let text = match a.text {
        Some(t) => t,
        None => {
            let mut t = String::new();
            std::io::stdin()
                .read_to_string(&mut t)
                .map_err(|e| CliError::Io(format!("cannot read standard input: {e}")))?;
            t
        }
    };
    let findings = insyn_app::screening::screen_text(&text, a.draft);
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

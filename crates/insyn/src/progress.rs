//! Progress bars on a terminal; plain phase lines otherwise (logs, CI).
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use insyn_app::Progress;
use std::io::IsTerminal;
use std::sync::Mutex;

pub struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    terminal: bool,
}

impl Bar {
    pub fn new() -> Bar {
        Bar {
            bar: Mutex::new(None),
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, phase: &str, len: u64) {
        let mut guard = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = guard.take() {
            old.finish();
        }
        if !self.terminal {
            eprintln!("insyn: {phase}…");
            return;
        }
        let bar = if len > 0 {
            ProgressBar::new(len)
        } else {
            ProgressBar::new_spinner()
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        let style = if len > 0 {
            ProgressStyle::with_template(
                "{msg:32} [{bar:30}] {human_pos}/{human_len} {per_sec} ~{eta}",
            )
        } else {
            ProgressStyle::with_template("{msg:32} {spinner} {human_pos} {per_sec}")
        };
        if let Ok(style) = style {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(phase.to_string());
        *guard = Some(bar);
    }

    fn advance(&self, steps: u64) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bar.finish();
        }
    }
}

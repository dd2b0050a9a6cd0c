//! Screening JSON Lines, one line at a time (`insyn screen --jsonl`), so that other programs and
//! an organisation's own tests can use the engine without the store.
//!
//! Input: one JSON object per line, `{"id": ..., "text": "..."}`; `id` is any JSON value and is
//! echoed back as it came; an optional `"draft": true` screens the text as the authority's own
//! draft answer ([`Mode::Draft`]). Blank lines are skipped.
//!
//! Output: one JSON line per input line, in input order, flushed at once:
//! `{"id": ..., "findings": [{"category", "start", "end", "text", "rule", "confidence"}]}`.
//! `start`/`end` are **character** offsets (Unicode scalar values, as Python's `str` and
//! JavaScript's `Array.from` count), `end` exclusive. A line that cannot be read gives
//! `{"line": N, "error": "..."}` (N 1-based) and the run goes on; [`Summary::bad`] counts them.
//!
//! Memory is bounded by the longest line: a line longer than [`MAX_LINE_BYTES`] is skipped
//! without being held, and reported as an error.

use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::screener::{Mode, Screener};

/// The longest input line read (64 MiB); longer lines are reported and skipped.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Non-blank input lines.
    pub lines: usize,
    /// Lines answered with an error object.
    pub bad: usize,
    /// Findings written.
    pub findings: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct In {
    id: Option<Value>,
    text: Option<String>,
    #[serde(default)]
    draft: bool,
}

#[derive(Serialize)]
struct Out<'a> {
    id: &'a Value,
    findings: Vec<OutFinding<'a>>,
}

#[derive(Serialize)]
struct OutFinding<'a> {
    category: &'static str,
    start: usize,
    end: usize,
    text: &'a str,
    rule: &'a str,
    confidence: f32,
}

#[derive(Serialize)]
struct Bad<'a> {
    line: usize,
    error: &'a str,
}

/// Screen every line of `input` and write one answer line per input line to `output`.
/// Returns an error only when reading or writing fails; bad lines are answered and counted.
pub fn screen_jsonl<R: BufRead, W: Write>(
    screener: &Screener,
    mut input: R,
    mut output: W,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let read = read_line_bounded(&mut input, &mut buf, MAX_LINE_BYTES)?;
        let (too_long, eof) = match read {
            Line::Eof => break,
            Line::Complete => (false, false),
            Line::Last => (false, true),
            Line::TooLong => (true, false),
        };
        line_no += 1;
        if !too_long && buf.iter().all(u8::is_ascii_whitespace) {
            if eof {
                break;
            }
            continue;
        }
        summary.lines += 1;
        let answer = if too_long {
            Err(format!("line longer than {MAX_LINE_BYTES} bytes; skipped"))
        } else {
            answer_line(screener, &buf, &mut summary)
        };
        match answer {
            Ok(json) => output.write_all(json.as_bytes())?,
            Err(error) => {
                summary.bad += 1;
                let bad = Bad {
                    line: line_no,
                    error: &error,
                };
                serde_json::to_writer(&mut output, &bad).map_err(io::Error::other)?;
            }
        }
        output.write_all(b"\n")?;
        output.flush()?;
        if eof {
            break;
        }
    }
    Ok(summary)
}

/// The answer line (without its newline) or the error message for one input line.
fn answer_line(screener: &Screener, raw: &[u8], summary: &mut Summary) -> Result<String, String> {
    let text = std::str::from_utf8(raw)
        .map_err(|e| format!("not valid UTF-8 (byte {} of the line)", e.valid_up_to() + 1))?;
    let input: In =
        serde_json::from_str(text.trim_end_matches('\r')).map_err(|e| format!("bad JSON: {e}"))?;
    let id = input.id.ok_or("missing \"id\"")?;
    let id = &id;
    let text = input.text.ok_or("missing \"text\"")?;
    let mode = if input.draft {
        Mode::Draft
    } else {
        Mode::Received
    };
    let findings = screener.screen_mode(&text, mode);
    // Findings are sorted by start: count characters forward from the previous start.
    let (mut at_byte, mut at_char) = (0, 0);
    let mut out = Vec::with_capacity(findings.len());
    for f in &findings {
        let (Some(before), Some(span)) = (text.get(at_byte..f.start), text.get(f.start..f.end))
        else {
            return Err("internal error: a finding is not on character boundaries".into());
        };
        at_char += before.chars().count();
        at_byte = f.start;
        out.push(OutFinding {
            category: f.category.as_str(),
            start: at_char,
            end: at_char + span.chars().count(),
            text: span,
            rule: &f.rule,
            confidence: f.confidence,
        });
    }
    summary.findings += out.len();
    serde_json::to_string(&Out { id, findings: out }).map_err(|e| e.to_string())
}

enum Line {
    Eof,
    /// A line ended by `\n` (not included).
    Complete,
    /// The last line, without `\n`.
    Last,
    /// Longer than the limit: consumed up to its `\n`, not kept.
    TooLong,
}

/// `read_until(b'\n')` that holds at most `limit` bytes.
fn read_line_bounded<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => Line::Eof,
                (true, true) => Line::TooLong,
                (true, false) => Line::Last,
            });
        }
        any = true;
        let (part, done) = match memchr_newline(chunk) {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        if !too_long {
            if buf.len() + part.len() > limit {
                too_long = true;
                buf.clear();
                buf.shrink_to(1 << 16);
            } else {
                buf.extend_from_slice(part);
            }
        }
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}

fn memchr_newline(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn screener() -> &'static Screener {
        static S: OnceLock<Screener> = OnceLock::new();
        S.get_or_init(Screener::default_swedish)
    }

    fn run(input: &[u8]) -> (Vec<serde_json::Value>, Summary) {
        let mut out = Vec::new();
        let s = screen_jsonl(screener(), input, &mut out).expect("in-memory I/O");
        let text = String::from_utf8(out).expect("output is UTF-8");
        assert!(text.is_empty() || text.ends_with('\n'));
        let lines = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
            .collect();
        (lines, s)
    }

    #[test]
    fn one_answer_per_line_with_character_offsets() {
        let input = "{\"id\": 1, \"text\": \"Åsa: ring 070-174 06 12\"}\n\
                     {\"id\": \"b\", \"text\": \"fint väder\"}\n";
        let (out, s) = run(input.as_bytes());
        assert_eq!(
            s,
            Summary {
                lines: 2,
                bad: 0,
                findings: 1
            }
        );
        assert_eq!(out[0]["id"], 1);
        let f = &out[0]["findings"][0];
        assert_eq!(f["category"], "phone");
        // "Åsa: ring " is 10 characters but 11 bytes.
        assert_eq!(f["start"], 10);
        assert_eq!(f["end"], 23);
        assert_eq!(f["text"], "070-174 06 12");
        assert!(f["rule"].as_str().unwrap().starts_with("phone"));
        assert!(f["confidence"].as_f64().unwrap() > 0.5);
        assert_eq!(out[1], serde_json::json!({"id": "b", "findings": []}));
    }

    #[test]
    fn offsets_count_characters_after_emoji_and_combining_marks() {
        let text = "😀😀 e\u{301}e\u{301} mejla ola@example.se";
        let line = serde_json::json!({"id": [1, 2], "text": text}).to_string();
        let (out, _) = run(format!("{line}\n").as_bytes());
        let f = &out[0]["findings"][0];
        let chars: Vec<char> = text.chars().collect();
        let (s, e) = (
            f["start"].as_u64().unwrap() as usize,
            f["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(chars[s..e].iter().collect::<String>(), "ola@example.se");
        assert_eq!(out[0]["id"], serde_json::json!([1, 2]));
    }

    #[test]
    fn bad_lines_are_answered_in_place_and_the_run_goes_on() {
        let mut input = Vec::new();
        input.extend_from_slice(b"{\"id\": 1, \"text\": \"hej\"}\n");
        input.extend_from_slice(b"not json\n");
        input.extend_from_slice(b"\n"); // blank: skipped, but counted as a line number
        input.extend_from_slice(b"{\"text\": \"no id\"}\n");
        input.extend_from_slice(b"{\"id\": 5}\n");
        input.extend_from_slice(b"{\"id\": 6, \"text\": \"\xff\xfe\"}\n");
        input.extend_from_slice(b"{\"id\": 7, \"text\": \"jag ska d\xc3\xb6da dig\"}"); // no final \n
        let (out, s) = run(&input);
        assert_eq!(s.lines, 6);
        assert_eq!(s.bad, 4);
        assert_eq!(out.len(), 6);
        assert_eq!(out[1]["line"], 2);
        assert!(out[1]["error"].as_str().unwrap().contains("JSON"));
        assert_eq!(out[2]["line"], 4);
        assert!(out[2]["error"].as_str().unwrap().contains("id"));
        assert!(out[3]["error"].as_str().unwrap().contains("text"));
        assert_eq!(out[4]["line"], 6);
        assert!(out[4]["error"].as_str().unwrap().contains("UTF-8"));
        assert_eq!(out[5]["id"], 7);
        assert_eq!(out[5]["findings"][0]["category"], "threat");
    }

    #[test]
    fn drafts_are_screened_as_drafts() {
        let input = "{\"id\": 1, \"draft\": true, \"text\": \"Du behöver inte betala avgiften.\"}\n\
                     {\"id\": 2, \"text\": \"Du behöver inte betala avgiften.\"}\n";
        let (out, _) = run(input.as_bytes());
        assert_eq!(out[0]["findings"][0]["category"], "economic_advice");
        assert_eq!(out[1]["findings"], serde_json::json!([]));
    }

    #[test]
    fn over_long_lines_are_skipped_without_being_kept() {
        let mut buf = Vec::new();
        let data = b"aaaaaaaaaa\nbb\n";
        let mut r = io::BufReader::with_capacity(3, &data[..]);
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 5).unwrap(),
            Line::TooLong
        ));
        assert!(buf.is_empty());
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 5).unwrap(),
            Line::Complete
        ));
        assert_eq!(buf, b"bb");
        buf.clear();
        assert!(matches!(
            read_line_bounded(&mut r, &mut buf, 5).unwrap(),
            Line::Eof
        ));
    }

    /// A writer that records how many times it was flushed.
    struct Flushes(Vec<u8>, usize);
    impl Write for Flushes {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.1 += 1;
            Ok(())
        }
    }

    #[test]
    fn flushes_after_every_line() {
        let mut w = Flushes(Vec::new(), 0);
        let input = "{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"}\nx\n";
        screen_jsonl(screener(), input.as_bytes(), &mut w).unwrap();
        assert_eq!(w.1, 3);
    }
}

//! Saved answers (the response map, svarskarta, R5.2) as data the organisation can edit: a TOML
//! file loaded and checked when Insyn starts (`INSYN_RESPONSE_MAP`, else the built-in
//! `data/svarskarta.toml`). Every error names the line it is about.
use crate::{AppError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The built-in saved answers.
pub const DEFAULT_RESPONSE_MAP: &str = include_str!("../data/svarskarta.toml");

/// One saved answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedAnswer {
    pub id: String,
    pub action: String,
    pub title_sv: String,
    pub title_en: String,
    pub text_sv: String,
}

/// The loaded, checked saved answers, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseMap {
    pub answers: Vec<SavedAnswer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    answer: Vec<toml::Spanned<SavedAnswer>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl ResponseMap {
    /// Parses and checks a response map; `source` names the file in messages.
    pub fn parse(text: &str, source: &str) -> Result<ResponseMap> {
        let bad = |line: usize, why: String| {
            AppError::invalid("response_map", format!("{source}, line {line}: {why}"))
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            bad(line, e.message().to_string())
        })?;
        if file.version != 1 {
            return Err(bad(
                1,
                format!("version {} is not known; use version = 1", file.version),
            ));
        }
        if file.answer.is_empty() {
            return Err(bad(1, "there are no [[answer]] entries".into()));
        }
        let mut seen = HashSet::new();
        let mut answers = Vec::with_capacity(file.answer.len());
        for spanned in file.answer {
            let line = line_of(text, spanned.span().start);
            let a = spanned.into_inner();
            let id_ok = !a.id.is_empty()
                && a.id.len() <= 40
                && a.id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
            if !id_ok {
                return Err(bad(
                    line,
                    format!(
                        "id '{}' must be 1-40 capital letters, digits and dashes",
                        a.id
                    ),
                ));
            }
            if !seen.insert(a.id.clone()) {
                return Err(bad(line, format!("id '{}' is used twice", a.id)));
            }
            for (name, value) in [
                ("action", &a.action),
                ("title_sv", &a.title_sv),
                ("title_en", &a.title_en),
                ("text_sv", &a.text_sv),
            ] {
                if value.trim().is_empty() {
                    return Err(bad(line, format!("answer '{}' has an empty {name}", a.id)));
                }
            }
            if a.text_sv.lines().any(|l| l.trim_start().starts_with('/')) {
                return Err(bad(
                    line,
                    format!(
                        "answer '{}' carries a signature line; leave it out, Insyn adds \"/Förnamn, funktion\" from the signed-in user",
                        a.id
                    ),
                ));
            }
            if a.text_sv.chars().count() > insyn_domain::handling::MAX_ANSWER_CHARS {
                return Err(bad(line, format!("answer '{}' is too long", a.id)));
            }
            answers.push(a);
        }
        Ok(ResponseMap { answers })
    }

    /// The built-in saved answers.
    pub fn builtin() -> ResponseMap {
        // checked by a test; a broken built-in file is a build mistake
        ResponseMap::parse(DEFAULT_RESPONSE_MAP, "data/svarskarta.toml")
            .unwrap_or(ResponseMap { answers: vec![] })
    }

    /// Loads `INSYN_RESPONSE_MAP` if set, else the built-in answers.
    pub fn from_env() -> Result<ResponseMap> {
        match std::env::var_os("INSYN_RESPONSE_MAP") {
            Some(path) => {
                let path = std::path::PathBuf::from(path);
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    AppError::invalid(
                        "response_map",
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                ResponseMap::parse(&text, &path.display().to_string())
            }
            None => Ok(ResponseMap::builtin()),
        }
    }

    pub fn get(&self, id: &str) -> Option<&SavedAnswer> {
        self.answers.iter().find(|a| a.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builtin_map_loads() {
        let map = ResponseMap::parse(DEFAULT_RESPONSE_MAP, "builtin").unwrap();
        assert!(map.answers.len() >= 5);
        assert!(map.get("R-HANVISA-KANAL").is_some());
        assert_eq!(ResponseMap::builtin(), map);
    }

    fn message(text: &str) -> String {
        ResponseMap::parse(text, "karta.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_line() {
        let dup = "version = 1\n\n[[answer]]\nid = \"A\"\naction = \"A-SVARA\"\ntitle_sv = \"t\"\ntitle_en = \"t\"\ntext_sv = \"x\"\n\n[[answer]]\nid = \"A\"\naction = \"A-SVARA\"\ntitle_sv = \"t\"\ntitle_en = \"t\"\ntext_sv = \"x\"\n";
        let m = message(dup);
        assert!(
            m.contains("karta.toml, line 10") && m.contains("used twice"),
            "{m}"
        );
        let syntax = "version = 1\n[[answer]]\nid = \"A\"\naction = A-SVARA\n";
        let m = message(syntax);
        assert!(m.contains("line 4"), "{m}");
        let unknown = "version = 1\n[[answer]]\nid = \"A\"\naction = \"x\"\ntitle_sv = \"t\"\ntitle_en = \"t\"\ntext_sv = \"x\"\ncolour = \"red\"\n";
        let m = message(unknown);
        assert!(m.contains("colour"), "{m}");
        let signed = "version = 1\n[[answer]]\nid = \"A\"\naction = \"x\"\ntitle_sv = \"t\"\ntitle_en = \"t\"\ntext_sv = \"\"\"Hej\n/Anna, chef\"\"\"\n";
        let m = message(signed);
        assert!(m.contains("line 2") && m.contains("signature"), "{m}");
        assert!(message("version = 2\n").contains("version 2"));
        assert!(message("version = 1\n").contains("no [[answer]]"));
        let empty = "version = 1\n[[answer]]\nid = \"A\"\naction = \"x\"\ntitle_sv = \" \"\ntitle_en = \"t\"\ntext_sv = \"x\"\n";
        assert!(message(empty).contains("empty title_sv"));
    }

    proptest! {
        /// Any text: an answer or an error, never a panic.
        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            let _ = ResponseMap::parse(&text, "x");
        }

        #[test]
        fn never_panics_on_near_valid(body in "[a-z_ =\"\\[\\]\n]{0,200}") {
            let _ = ResponseMap::parse(&format!("version = 1\n[[answer]]\n{body}"), "x");
        }
    }
}

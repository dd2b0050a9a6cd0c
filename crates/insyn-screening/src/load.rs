//! The one place this crate touches the file system: reading an organisation's rule files.

use std::path::Path;

use crate::error::ScreeningError;
use crate::rules::{RuleFile, RuleSet};

/// Read every `*.rules` file in `dir` (not recursive), in file-name order. Each file is named by
/// its file name in errors and for [`RuleSet::overlay`].
pub fn from_dir(dir: &Path) -> Result<RuleSet, ScreeningError> {
    let io = |source| ScreeningError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?
        .into_iter()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rules"))
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|source| ScreeningError::Io {
            path: p.clone(),
            source,
        })?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push(RuleFile::parse(&name, &text)?);
    }
    Ok(RuleSet {
        files,
        ..RuleSet::empty()
    })
}

/// The built-in Swedish rules with an organisation's files laid over them: a file with the
/// same name as a built-in one replaces it, other files are added.
pub fn default_with_overrides(dir: &Path) -> Result<RuleSet, ScreeningError> {
    Ok(RuleSet::default_swedish().overlay(from_dir(dir)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("insyn-screening-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_rule_files_and_names_errors() {
        let d = tmpdir("ok");
        std::fs::write(
            d.join("a.rules"),
            "@category threat\n@sv x\n@en y\nbränna ner\n",
        )
        .unwrap();
        std::fs::write(d.join("ignored.txt"), "not rules").unwrap();
        let rs = from_dir(&d).unwrap();
        assert_eq!(rs.files.len(), 1);
        assert_eq!(rs.files[0].name, "a.rules");
        let merged = default_with_overrides(&d).unwrap();
        assert!(merged.files.iter().any(|f| f.name == "a.rules"));
        std::fs::write(d.join("b.rules"), "@category threat\n\nfel-ord\n").unwrap();
        let e = from_dir(&d).unwrap_err();
        assert!(e.to_string().starts_with("b.rules:3:"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn missing_dir_is_an_io_error() {
        let e = from_dir(Path::new("/nonexistent/insyn/rules")).unwrap_err();
        assert!(matches!(e, ScreeningError::Io { .. }));
    }
}

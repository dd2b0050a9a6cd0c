//! PDF inspection with real tools (issue 6): `qpdf --check` (structure), `pdftotext` from
//! poppler-utils (the text layer) and `pikepdf` in the peers' venv (XMP metadata, fonts). Each
//! returns `None` after [`crate::missing_service`] when its tool is not installed.
use std::io::Write;
use std::process::Command;

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

fn write_temp(pdf: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .expect("temporary file");
    f.write_all(pdf).expect("write the PDF");
    f
}

/// `qpdf --check`: the exit code (0 = clean) and its output.
pub fn qpdf_check(test: &str, pdf: &[u8]) -> Option<(i32, String)> {
    if !on_path("qpdf") {
        crate::missing_service(
            test,
            "qpdf (Debian package qpdf, see scripts/install-test-peers)",
        );
        return None;
    }
    let f = write_temp(pdf);
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(f.path())
        .output()
        .expect("run qpdf");
    Some((
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// The text layer as `pdftotext -layout -enc UTF-8` reads it.
pub fn pdftotext(test: &str, pdf: &[u8]) -> Option<String> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        crate::missing_service(
            test,
            "pdftotext (Debian package poppler-utils, see scripts/install-test-peers)",
        );
        return None;
    }
    let f = write_temp(pdf);
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(f.path())
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What pikepdf sees: a JSON object with `part`, `conformance` (from the XMP), `title`,
/// `language`, `create_date`, `fonts` (name, embedded) and `output_intents`, `pages`.
pub fn pikepdf_info(test: &str, pdf: &[u8]) -> Option<String> {
    let python = std::env::var("INSYN_TEST_PYTHON").ok().or_else(|| {
        let peers = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
        let p = format!("{peers}/venv/bin/python");
        std::path::Path::new(&p).exists().then_some(p)
    });
    let Some(python) = python else {
        crate::missing_service(test, "INSYN_TEST_PYTHON (a venv with pikepdf)");
        return None;
    };
    let has = Command::new(&python)
        .args(["-c", "import pikepdf"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        crate::missing_service(test, "pikepdf in INSYN_TEST_PYTHON's venv");
        return None;
    }
    let f = write_temp(pdf);
    let script = r#"
import json, sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
meta = pdf.open_metadata()
fonts = []
for page in pdf.pages:
    res = page.obj.get('/Resources', {})
    for name, font in dict(res.get('/Font', {})).items():
        desc = font.get('/FontDescriptor')
        if desc is None and '/DescendantFonts' in font:
            desc = font.DescendantFonts[0].get('/FontDescriptor')
        embedded = desc is not None and any(k in desc for k in ('/FontFile', '/FontFile2', '/FontFile3'))
        fonts.append({'name': str(font.get('/BaseFont')), 'embedded': embedded})
print(json.dumps({
    'part': meta.get('pdfaid:part'),
    'conformance': meta.get('pdfaid:conformance'),
    'title': meta.get('dc:title'),
    'language': str(pdf.Root.get('/Lang', '')),
    'create_date': meta.get('xmp:CreateDate'),
    'fonts': fonts,
    'output_intents': len(pdf.Root.get('/OutputIntents', [])),
    'pages': len(pdf.pages),
    'syntax_warnings': pdf.check_pdf_syntax() if hasattr(pdf, 'check_pdf_syntax') else [],
}, ensure_ascii=False))
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(f.path())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "pikepdf failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

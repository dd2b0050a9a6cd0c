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
    run_python(test, "pikepdf", "import pikepdf", script, pdf, "pikepdf")
}

/// What a PDF/A checker would check of fonts, metadata and the output intent, read with
/// pikepdf, fontTools and Pillow (LittleCMS) from the peers' venv: a JSON object with `fonts`
/// (per font: `name`, `codes` drawn, `width_errors` — codes whose declared width differs from
/// the embedded program's advance by more than one unit, `unmapped` — codes without a
/// ToUnicode entry, `missing_glyphs` — codes beyond the program's glyphs), `info_matches_xmp`
/// (title, tool, producer and dates agree), `profile` (the output intent's ICC profile as
/// LittleCMS reads it: `space`, `class`, `error`) and `n` (its `/N`).
pub fn pdfa_font_report(test: &str, pdf: &[u8]) -> Option<String> {
    let script = r#"
import io, json, re, sys, pikepdf
from fontTools.ttLib import TTFont
from PIL import ImageCms
pdf = pikepdf.open(sys.argv[1])
fonts = {}
drawn = {}
for page in pdf.pages:
    names = dict(page.obj.Resources.get('/Font', {}))
    for name, font in names.items():
        fonts[font.objgen] = font
    current = None
    for operands, op in pikepdf.parse_content_stream(page):
        if str(op) == 'Tf':
            current = names[str(operands[0])].objgen
        elif str(op) in ('Tj', 'TJ'):
            items = operands[0] if str(op) == 'TJ' else [operands[0]]
            for s in items:
                if isinstance(s, pikepdf.String):
                    b = bytes(s)
                    drawn.setdefault(current, set()).update(
                        int.from_bytes(b[k:k + 2], 'big') for k in range(0, len(b), 2))
out = []
for key, font in fonts.items():
    cid = font.DescendantFonts[0]
    prog = TTFont(io.BytesIO(cid.FontDescriptor.FontFile2.read_bytes()))
    upem = prog['head'].unitsPerEm
    order = prog.getGlyphOrder()
    hmtx = prog['hmtx']
    widths = {}
    w = list(cid.get('/W', []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], pikepdf.Array):
            for k, v in enumerate(w[i + 1]):
                widths[first + k] = float(v)
            i += 2
        else:
            for c in range(first, int(w[i + 1]) + 1):
                widths[c] = float(w[i + 2])
            i += 3
    cmap = font.ToUnicode.read_bytes().decode('latin-1')
    mapped = set(int(m, 16) for m in re.findall(r'<([0-9A-Fa-f]{4})>\s*<[0-9A-Fa-f]+>', cmap))
    for lo, hi in re.findall(r'<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<[0-9A-Fa-f]+>', cmap):
        mapped.update(range(int(lo, 16), int(hi, 16) + 1))
    codes = drawn.get(key, set())
    errors = [c for c in codes if c < len(order) and abs(widths.get(c, 0.0) - hmtx[order[c]][0] * 1000.0 / upem) > 1.0]
    out.append({'name': str(font.BaseFont), 'codes': len(codes), 'width_errors': sorted(errors),
                'unmapped': sorted(c for c in codes if c not in mapped),
                'missing_glyphs': sorted(c for c in codes if c >= len(order))})
info = pdf.docinfo
meta = pdf.open_metadata()
def pdfdate(s):
    m = re.match(r'D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)', str(s))
    return '-'.join(m.groups()[:3]) + 'T' + ':'.join(m.groups()[3:])
def xmpdate(s):
    return str(s)[:19]
matches = (str(info.get('/Title')) == meta.get('dc:title')
           and str(info.get('/Creator')) == meta.get('xmp:CreatorTool')
           and str(info.get('/Producer')) == meta.get('pdf:Producer')
           and pdfdate(info.get('/CreationDate')) == xmpdate(meta.get('xmp:CreateDate'))
           and pdfdate(info.get('/ModDate')) == xmpdate(meta.get('xmp:ModifyDate')))
oi = pdf.Root.OutputIntents[0]
dest = oi.DestOutputProfile
profile = {}
try:
    p = ImageCms.ImageCmsProfile(io.BytesIO(dest.read_bytes()))
    profile = {'space': p.profile.xcolor_space.strip(), 'class': p.profile.device_class}
except Exception as e:
    profile = {'error': str(e)}
print(json.dumps({'fonts': out, 'info_matches_xmp': matches, 'profile': profile,
                  'n': int(dest.get('/N', 0)), 'subtype': str(oi.S)}))
"#;
    run_python(
        test,
        "pikepdf, fontTools and Pillow",
        "import pikepdf, fontTools, PIL.ImageCms",
        script,
        pdf,
        "the PDF/A font check",
    )
}

/// Runs `script` with the PDF's path as its argument in the peers' venv (INSYN_TEST_PYTHON, or
/// `$INSYN_PEERS_DIR/venv`) and returns what it printed; `None` after [`crate::missing_service`]
/// when there is no venv or `probe` (an import line) fails in it.
fn run_python(
    test: &str,
    needs: &str,
    probe: &str,
    script: &str,
    pdf: &[u8],
    what: &str,
) -> Option<String> {
    let python = std::env::var("INSYN_TEST_PYTHON").ok().or_else(|| {
        let peers = std::env::var("INSYN_PEERS_DIR").unwrap_or_else(|_| "/tmp/insyn-peers".into());
        let p = format!("{peers}/venv/bin/python");
        std::path::Path::new(&p).exists().then_some(p)
    });
    let Some(python) = python else {
        crate::missing_service(test, &format!("INSYN_TEST_PYTHON (a venv with {needs})"));
        return None;
    };
    let has = Command::new(&python)
        .args(["-c", probe])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        crate::missing_service(test, &format!("{needs} in the peers' venv"));
        return None;
    }
    let f = write_temp(pdf);
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(f.path())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

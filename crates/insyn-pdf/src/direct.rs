//! PDF/A-2u written straight with `pdf-writer` (the object layer krilla itself writes with), for
//! documents whose every character is drawn as one glyph of its own: Latin, Greek and Cyrillic
//! text without combining marks — nearly every Swedish post. Text that needs a shaper
//! (right-to-left scripts, combining marks) goes through krilla as before ([`crate::render`]).
//!
//! Why by hand: an archive delivery prints every thread (about one printout per eleven records),
//! and krilla's general text path — spans, font look-ups and glyph bookkeeping per glyph, and
//! Deflate at level 6 of every stream — was half of an export's CPU time. Here a glyph costs an
//! array look-up and two bytes of content stream, and the streams are compressed at a fast level.
//!
//! What makes the file PDF/A-2u (ISO 19005-2), each written below:
//! - every font embedded: a subset of DejaVu Sans (Bold) made with `subsetter` (as krilla
//!   does), as a CIDFontType2 with `Identity-H` encoding and an identity CID-to-glyph map; the
//!   widths (`W`) taken from the same advances the font program holds;
//! - a `ToUnicode` map for every glyph drawn (the "u": the text can be searched and copied);
//! - XMP metadata declaring `pdfaid:part` 2 and `pdfaid:conformance` U, with the title,
//!   language, tool and dates also in the document information dictionary, the same values;
//! - an output intent (`GTS_PDFA1`) with an embedded ICC profile ([`crate::icc`]), so the black
//!   text drawn in DeviceGray is device-independent;
//! - a file identifier in the trailer; no encryption, no transparency, no external content.
use crate::font::{Face, font_bytes, metrics};
use crate::icc;
use crate::render::{DocInfo, PAGE_H, PAGE_W, Placed};
use crate::{PDFA_CONFORMANCE, PDFA_PART, PdfError, Result};
use chrono::{Datelike, Timelike};
use flate2::{Compress, Compression, FlushCompress, Status};
use pdf_writer::types::{CidFontType, FontFlags, OutputIntentSubtype, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::cell::RefCell;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

/// Deflate level of every stream: zlib's fast level. Level 6 (krilla's) made the font programs
/// about 10 % smaller at three to four times the CPU.
const DEFLATE_LEVEL: u32 = 1;

static GRAY_PROFILE: LazyLock<Vec<u8>> = LazyLock::new(icc::gray_profile);

/// Longest string object PDF/A-2 allows, in bytes (escapes not counted: they only shorten the
/// margin, and a line of text is far shorter).
const MAX_STRING_BYTES: usize = 32_000;

const SYSTEM_INFO: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// The glyphs one face draws in a document, numbered in the order first drawn: the codes of the
/// content streams, the CIDs and (through the identity map) the subset's glyph ids all agree.
struct FontUse {
    face: Face,
    /// Code per glyph id of the whole font; 0 where not drawn (code 0 is `.notdef`, never drawn).
    code_of: Vec<u16>,
    /// Per code: the original glyph id, its advance (font units) and the character it draws.
    glyphs: Vec<(u16, u16, char)>,
}

impl FontUse {
    fn new(face: Face) -> FontUse {
        let f = metrics(face).face();
        let notdef_advance = f
            .glyph_hor_advance(ttf_parser::GlyphId(0))
            .unwrap_or_default();
        FontUse {
            face,
            code_of: vec![0; usize::from(f.number_of_glyphs())],
            glyphs: vec![(0, notdef_advance, '\0')],
        }
    }

    /// The code of a glyph, assigned when first drawn.
    fn code(&mut self, gid: u16, advance: u16, c: char) -> Option<u16> {
        let slot = self.code_of.get_mut(usize::from(gid))?;
        if *slot == 0 {
            *slot = u16::try_from(self.glyphs.len()).ok()?;
            self.glyphs.push((gid, advance, c));
        }
        Some(*slot)
    }

    fn used(&self) -> bool {
        self.glyphs.len() > 1
    }

    fn resource_name(&self) -> Name<'static> {
        match self.face {
            Face::Regular => Name(b"F0"),
            Face::Bold => Name(b"F1"),
        }
    }
}

thread_local! {
    /// One Deflate state per thread, reset between streams (a new one costs a zeroed window).
    static DEFLATE: RefCell<Compress> =
        RefCell::new(Compress::new(Compression::new(DEFLATE_LEVEL), true));
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    DEFLATE.with_borrow_mut(|c| {
        c.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let consumed = usize::try_from(c.total_in()).unwrap_or(data.len());
            let status = c
                .compress_vec(&data[consumed..], &mut out, FlushCompress::Finish)
                .map_err(|e| PdfError::Render(format!("deflate: {e}")))?;
            if status == Status::StreamEnd {
                return Ok(out);
            }
            out.reserve(out.capacity().max(1024));
        }
    })
}

/// A number as content streams write it: at most two decimals, no exponent.
fn push_number(out: &mut Vec<u8>, v: f32) {
    let hundredths = (f64::from(v) * 100.0).round() as i64;
    if hundredths < 0 {
        out.push(b'-');
    }
    let h = hundredths.unsigned_abs();
    out.extend_from_slice((h / 100).to_string().as_bytes());
    let frac = h % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if !frac.is_multiple_of(10) {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
}

/// Glyph codes as a literal string: two bytes a glyph, written as they are but for the four
/// bytes a literal string must escape (a reader would turn a bare CR into LF). Half the size of
/// a hex string, so half the bytes to compress.
fn push_codes(out: &mut Vec<u8>, codes: &[u8]) {
    out.push(b'(');
    for &b in codes {
        match b {
            b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// One page's content stream (not yet compressed), or `None` when a character needs krilla's
/// shaper. Written by hand: `BT`, a `Tf` where the face or size changes, and per run a `Tm`
/// and a `Tj`; the text is black in the initial DeviceGray.
fn page_content(
    runs: &[Placed],
    regular: &mut FontUse,
    bold: &mut FontUse,
    codes: &mut Vec<u8>,
) -> Option<Vec<u8>> {
    let glyphs: usize = runs.iter().map(|r| r.text.len()).sum();
    let mut content = Vec::with_capacity(glyphs * 2 + runs.len() * 32 + 16);
    content.extend_from_slice(b"BT\n");
    let mut current: Option<(Face, f32)> = None;
    for run in runs {
        if run.text.is_empty() {
            continue;
        }
        let font = match run.face {
            Face::Regular => &mut *regular,
            Face::Bold => &mut *bold,
        };
        let m = metrics(run.face);
        codes.clear();
        for c in run.text.chars() {
            let (gid, advance) = m.simple_glyph(c)?;
            codes.extend_from_slice(&font.code(gid, advance, c)?.to_be_bytes());
        }
        if codes.len() > MAX_STRING_BYTES {
            // PDF/A-2's limit for a string (ISO 19005-2 §6.1.13); the line breaker never makes
            // such a line, but a run of zero-width glyphs could
            return None;
        }
        if current != Some((run.face, run.size)) {
            content.push(b'/');
            content.extend_from_slice(font.resource_name().0);
            content.push(b' ');
            push_number(&mut content, run.size);
            content.extend_from_slice(b" Tf\n");
            current = Some((run.face, run.size));
        }
        content.extend_from_slice(b"1 0 0 1 ");
        push_number(&mut content, run.x);
        content.push(b' ');
        push_number(&mut content, PAGE_H - run.y);
        content.extend_from_slice(b" Tm ");
        push_codes(&mut content, codes);
        content.extend_from_slice(b" Tj\n");
    }
    content.extend_from_slice(b"ET\n");
    Some(content)
}

/// A subset tag (six capital letters, PDF 32000 §9.6.4) derived from the glyphs, so the same
/// subset always gets the same name.
fn subset_tag(font: &FontUse) -> String {
    let mut h = DefaultHasher::new();
    font.glyphs.hash(&mut h);
    let mut n = Hasher::finish(&h);
    (0..6)
        .map(|_| {
            let c = char::from(b'A' + (n % 26) as u8);
            n /= 26;
            c
        })
        .collect()
}

struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Writes one face's font objects; returns the Type 0 font's reference.
fn write_font(pdf: &mut Pdf, refs: &mut Refs, font: &FontUse) -> Result<Ref> {
    let (type0, cid, descriptor, file, to_unicode) = (
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
        refs.next(),
    );
    let m = metrics(font.face);
    let f = m.face();
    let scale = 1000.0 / m.units_per_em();
    let postscript = match font.face {
        Face::Regular => "DejaVuSans",
        Face::Bold => "DejaVuSans-Bold",
    };
    let base_font = format!("{}+{postscript}", subset_tag(font));

    // the subset: glyph 0 stays .notdef, then the glyphs in code order (subsetter numbers them
    // the same way, so code = CID = new glyph id)
    let order: Vec<u16> = font.glyphs[1..].iter().map(|g| g.0).collect();
    let remapper = subsetter::GlyphRemapper::new_from_glyphs(&order);
    let program = subsetter::subset(font_bytes(font.face), 0, &remapper)
        .map_err(|e| PdfError::Render(format!("font subset: {e:?}")))?;
    let compressed = deflate(&program)?;
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(program.len()).unwrap_or(i32::MAX),
        );

    pdf.type0_font(type0)
        .base_font(Name(base_font.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);

    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(base_font.as_bytes()))
        .system_info(SYSTEM_INFO)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font
        .widths()
        .consecutive(0, font.glyphs.iter().map(|g| f32::from(g.1) * scale));
    cid_font.finish();

    let bbox = f.global_bounding_box();
    let ascent = f32::from(f.ascender()) * scale;
    pdf.font_descriptor(descriptor)
        .name(Name(base_font.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(f.italic_angle())
        .ascent(ascent)
        .descent(f32::from(f.descender()) * scale)
        .cap_height(f.capital_height().map_or(ascent, |h| f32::from(h) * scale))
        // the usual estimate from the weight class (400 regular → 95.4, 700 bold → 168.6)
        .stem_v(10.0 + 0.244 * (f32::from(f.weight().to_number()) - 50.0))
        .font_file2(file);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
    for (code, &(_, _, c)) in font.glyphs.iter().enumerate().skip(1) {
        cmap.pair(u16::try_from(code).unwrap_or_default(), c);
    }
    let cmap = deflate(&cmap.finish().into_vec())?;
    pdf.stream(to_unicode, &cmap).filter(Filter::FlateDecode);
    Ok(type0)
}

fn pdf_date(at: chrono::DateTime<chrono::Utc>) -> pdf_writer::Date {
    pdf_writer::Date::new(at.year().clamp(0, 9999) as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

fn xmp_date(at: chrono::DateTime<chrono::Utc>) -> xmp_writer::DateTime {
    xmp_writer::DateTime {
        year: at.year().clamp(0, 9999) as u16,
        month: Some(at.month() as u8),
        day: Some(at.day() as u8),
        hour: Some(at.hour() as u8),
        minute: Some(at.minute() as u8),
        second: Some(at.second() as u8),
        timezone: Some(xmp_writer::Timezone::Utc),
    }
}

/// The whole document, or `None` when some character needs krilla's shaper (the caller then
/// renders it with krilla).
pub(crate) fn write(pages: &[Vec<Placed>], info: &DocInfo<'_>) -> Option<Result<Vec<u8>>> {
    let mut regular = FontUse::new(Face::Regular);
    let mut bold = FontUse::new(Face::Bold);
    let mut codes = Vec::new();
    let mut contents = Vec::with_capacity(pages.len());
    for runs in pages {
        contents.push(page_content(runs, &mut regular, &mut bold, &mut codes)?);
    }
    Some(assemble(&contents, &regular, &bold, info))
}

fn assemble(
    contents: &[Vec<u8>],
    regular: &FontUse,
    bold: &FontUse,
    info: &DocInfo<'_>,
) -> Result<Vec<u8>> {
    let mut refs = Refs(0);
    let catalog = refs.next();
    let tree = refs.next();
    let metadata = refs.next();
    let doc_info = refs.next();
    let profile = refs.next();
    let body: usize = contents.iter().map(Vec::len).sum();
    let mut pdf = Pdf::with_capacity(body + 48 * 1024);

    // fonts first: the pages name only the faces drawn
    let mut fonts = Vec::new();
    for font in [regular, bold] {
        if font.used() {
            fonts.push((font.resource_name(), write_font(&mut pdf, &mut refs, font)?));
        }
    }

    let mut page_refs = Vec::with_capacity(contents.len());
    let mut id = DefaultHasher::new();
    info.title.hash(&mut id);
    info.created.hash(&mut id);
    for data in contents {
        data.hash(&mut id);
        let (page_ref, content_ref) = (refs.next(), refs.next());
        let compressed = deflate(data)?;
        pdf.stream(content_ref, &compressed)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(content_ref);
        let mut resources = page.resources();
        let mut dict = resources.fonts();
        for (name, font) in &fonts {
            dict.pair(*name, *font);
        }
        dict.finish();
        resources.finish();
        page.finish();
        page_refs.push(page_ref);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));

    pdf.icc_profile(profile, &GRAY_PROFILE)
        .n(1)
        .range([0.0, 1.0]);

    let producer = format!("Insyn {}", env!("CARGO_PKG_VERSION"));
    let mut xmp = xmp_writer::XmpWriter::new();
    xmp.title([(None, info.title)]);
    xmp.language([xmp_writer::LangId(info.lang)]);
    xmp.creator_tool("Insyn");
    xmp.producer(&producer);
    xmp.create_date(xmp_date(info.created));
    xmp.modify_date(xmp_date(info.created));
    xmp.format("application/pdf");
    xmp.pdfa_part(i32::from(PDFA_PART));
    xmp.pdfa_conformance(PDFA_CONFORMANCE);
    let xmp = xmp.finish(None);
    pdf.metadata(metadata, xmp.as_bytes());

    pdf.document_info(doc_info)
        .title(TextStr(info.title))
        .creator(TextStr("Insyn"))
        .producer(TextStr(&producer))
        .creation_date(pdf_date(info.created))
        .modified_date(pdf_date(info.created));

    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).metadata(metadata).lang(TextStr(info.lang));
    cat.output_intents()
        .push()
        .subtype(OutputIntentSubtype::PDFA)
        .output_condition_identifier(TextStr("Custom"))
        .output_condition(TextStr(icc::DESCRIPTION))
        .info(TextStr(icc::DESCRIPTION))
        .registry_name(TextStr(""))
        .dest_output_profile(profile);
    cat.finish();

    // the identifier: the same document always gets the same one
    let first = Hasher::finish(&id).to_be_bytes();
    info.lang.hash(&mut id);
    let second = Hasher::finish(&id).to_be_bytes();
    let file_id = [first, second].concat();
    pdf.set_file_id((file_id.clone(), file_id));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Flow, Writer, finish_with};
    use chrono::TimeZone;

    fn flow(text: &str) -> Flow {
        let mut flow = Flow::new();
        flow.title("Tråd 7");
        flow.heading("Inlägg av Åsa Öberg");
        flow.paragraph(text);
        flow
    }

    fn created() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
    }

    #[test]
    fn swedish_text_is_written_directly_and_shaped_scripts_through_krilla() {
        let (pdf, writer) = finish_with(
            flow("Hej! Varför är vägen inte plogad? – 12 € §3"),
            crate::Lang::Sv,
            "Tråd 7",
            "Utskrift",
            created(),
        )
        .unwrap();
        assert_eq!(writer, Writer::Direct);
        assert!(pdf.starts_with(b"%PDF-1.7\n%\x80\x80\x80\x80"));
        // Arabic (joining, right to left) and a combining accent need krilla's shaper
        for text in ["مرحبا بكم", "e\u{301}"] {
            let (_, writer) =
                finish_with(flow(text), crate::Lang::Sv, "Tråd 7", "Utskrift", created()).unwrap();
            assert_eq!(writer, Writer::Krilla, "{text}");
        }
    }

    #[test]
    fn the_same_document_is_the_same_bytes() {
        let make = || {
            finish_with(flow("Samma text"), crate::Lang::Sv, "T", "F", created())
                .unwrap()
                .0
        };
        assert_eq!(make(), make());
        let other = finish_with(flow("Annan text"), crate::Lang::Sv, "T", "F", created())
            .unwrap()
            .0;
        assert_ne!(make(), other);
    }

    #[test]
    fn codes_widths_and_subset_glyphs_agree() {
        // the code of each glyph is its CID and (identity map) its glyph id in the subset, and
        // the width written for it is the advance the subset's own hmtx table holds
        let mut font = FontUse::new(Face::Regular);
        let m = metrics(Face::Regular);
        let text = "Hälsningar från Ekbacka kommun! ÅÄÖ åäö 0123 «»–€";
        let mut codes = Vec::new();
        for c in text.chars() {
            let (gid, adv) = m.simple_glyph(c).unwrap();
            codes.push(font.code(gid, adv, c).unwrap());
        }
        // a repeated character keeps its code
        let a = text.chars().position(|c| c == 'a').unwrap();
        let a2 = text.chars().skip(a + 1).position(|c| c == 'a').unwrap() + a + 1;
        assert_eq!(codes[a], codes[a2]);
        let order: Vec<u16> = font.glyphs[1..].iter().map(|g| g.0).collect();
        let program = subsetter::subset(
            font_bytes(Face::Regular),
            0,
            &subsetter::GlyphRemapper::new_from_glyphs(&order),
        )
        .unwrap();
        let subset = ttf_parser::Face::parse(&program, 0).unwrap();
        // (the subset may hold more glyphs: the parts of composite glyphs such as "ä" follow)
        assert!(usize::from(subset.number_of_glyphs()) >= font.glyphs.len());
        for (code, &(gid, advance, c)) in font.glyphs.iter().enumerate() {
            let new = ttf_parser::GlyphId(code as u16);
            assert_eq!(subset.glyph_hor_advance(new), Some(advance), "{c:?}");
            // the outline moved with the glyph
            let full = metrics(Face::Regular).face();
            assert_eq!(
                subset.glyph_bounding_box(new),
                full.glyph_bounding_box(ttf_parser::GlyphId(gid)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn a_run_longer_than_a_pdfa_string_is_left_to_krilla() {
        let run = |n: usize| Placed {
            x: 48.0,
            y: 100.0,
            face: Face::Regular,
            size: 10.0,
            text: "i".repeat(n),
        };
        let mut codes = Vec::new();
        let (mut r, mut b) = (FontUse::new(Face::Regular), FontUse::new(Face::Bold));
        assert!(page_content(&[run(100)], &mut r, &mut b, &mut codes).is_some());
        assert!(page_content(&[run(20_000)], &mut r, &mut b, &mut codes).is_none());
    }

    #[test]
    fn numbers_and_code_strings_are_written_as_content_streams_need() {
        let mut out = Vec::new();
        for v in [0.0, 12.5, -3.25, 841.89, 0.004, 99.999, -0.3] {
            push_number(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(out, b"0 12.5 -3.25 841.89 0 100 -0.3 ");
        let mut out = Vec::new();
        push_codes(&mut out, &[0, b'(', 1, b')', 2, b'\\', 0, b'\r', 0, b'\n']);
        assert_eq!(out, b"(\x00\\(\x01\\)\x02\\\\\x00\\r\x00\n)");
    }

    #[test]
    fn deflate_round_trips_on_a_reused_state() {
        use std::io::Read;
        for data in [&b""[..], b"BT /F0 10 Tf ET", &[7u8; 200_000][..]] {
            let packed = deflate(data).unwrap();
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&packed[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data);
        }
    }
}

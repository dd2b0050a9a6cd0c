//! The PDF/A copies read back with real tools: qpdf checks the structure, pdftotext reads the
//! Swedish text and the metadata table, pikepdf sees the PDF/A-2u declaration in the XMP, the
//! document date and embedded fonts. A property test feeds arbitrary text.
use chrono::{TimeZone, Utc};
use insyn_pdf::*;
use insyn_testkit::pdf::{pdfa_font_report, pdftotext, pikepdf_info, qpdf_check};
use proptest::prelude::*;

fn meta() -> RecordMeta {
    RecordMeta {
        organisation: "Hammarby kommun".into(),
        account: "@hammarby (Mastodon)".into(),
        direction: "inkommen".into(),
        available_at: Utc.with_ymd_and_hms(2026, 6, 18, 13, 0, 0).unwrap(),
        platform_time: Some(Utc.with_ymd_and_hms(2026, 6, 18, 12, 59, 30).unwrap()),
        diary_number: Some("KS 2026/0042".into()),
        record_id: 4711,
        version: 2,
        text_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
    }
}

fn copy(text: &str, thread: usize) -> CopyDocument {
    let mut blocks = vec![TextBlock {
        heading: "Handlingens text".into(),
        text: text.into(),
    }];
    for i in 0..thread {
        blocks.push(TextBlock {
            heading: format!("Svar {i} i tråden"),
            text: format!("Kommentar nummer {i}: åäö ÅÄÖ är svenska bokstäver. ").repeat(8),
        });
    }
    CopyDocument {
        lang: Lang::Sv,
        title: "Kopia av allmän handling 4711".into(),
        meta: meta(),
        blocks,
        note: String::new(),
        created: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap(),
    }
}

#[test]
fn copy_is_a_valid_pdf_with_swedish_text_and_metadata() {
    let pdf = record_copy(&copy(
        "Hej! Varför är badhuset på Östra gärdet stängt i höst? Mvh Åsa Öberg",
        30,
    ))
    .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"), "PDF/A-2 is PDF 1.7");
    if let Some((code, out)) = qpdf_check("copy_is_a_valid_pdf", &pdf) {
        assert_eq!(code, 0, "qpdf --check: {out}");
    }
    if let Some(text) = pdftotext("copy_is_a_valid_pdf", &pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Kopia av allmän handling 4711",
            "Varför är badhuset på Östra gärdet stängt i höst?",
            "Åsa Öberg",
            "Hammarby kommun",
            "@hammarby (Mastodon)",
            "inkommen",
            "KS 2026/0042",
            "2026-06-18 15:00:00 CEST",
            "4711",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Tillgänglig för myndigheten",
            "Sida 1 av",
        ] {
            assert!(flat.contains(needle), "'{needle}' missing from:\n{flat}");
        }
        let pages = text.matches("Sida ").count();
        assert!(pages >= 2, "30 thread answers need more than a page");
        assert!(flat.contains(&format!("Sida {pages} av {pages}")));
    }
    if let Some(info) = pikepdf_info("copy_is_a_valid_pdf", &pdf) {
        let v: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(v["part"], "2", "{info}");
        assert_eq!(v["conformance"], "U", "{info}");
        assert_eq!(v["title"], "Kopia av allmän handling 4711", "{info}");
        assert_eq!(v["language"], "sv", "{info}");
        assert!(
            v["create_date"]
                .as_str()
                .unwrap()
                .starts_with("2026-11-23T09:30:00"),
            "{info}"
        );
        assert!(v["output_intents"].as_u64().unwrap() >= 1, "{info}");
        let fonts = v["fonts"].as_array().unwrap();
        assert!(!fonts.is_empty());
        for f in fonts {
            assert_eq!(f["embedded"], true, "{info}");
            assert!(f["name"].as_str().unwrap().contains("DejaVuSans"), "{info}");
        }
        assert_eq!(v["syntax_warnings"], serde_json::json!([]), "{info}");
    }
}

#[test]
fn printout_of_many_records_has_a_header_per_record() {
    let records = (0..25)
        .map(|i| PrintoutRecord {
            heading: format!("Inlägg {i}"),
            meta: RecordMeta {
                record_id: 100 + i,
                diary_number: None,
                ..meta()
            },
            blocks: vec![TextBlock {
                heading: "Text".into(),
                text: format!("Detta är inlägg nummer {i} om snöröjning på gatorna."),
            }],
        })
        .collect();
    let p = Printout {
        lang: Lang::En,
        title: "Thread printout".into(),
        intro: vec![("Period".into(), "2026-06-01 – 2026-06-30".into())],
        records,
        created: Utc::now(),
    };
    let pdf = printout(&p).unwrap();
    if let Some((code, out)) = qpdf_check("printout", &pdf) {
        assert_eq!(code, 0, "{out}");
    }
    if let Some(text) = pdftotext("printout", &pdf) {
        for i in 0..25 {
            assert!(
                text.contains(&format!("Inlägg {i}\n")) || text.contains(&format!("Inlägg {i} ")),
                "record {i}"
            );
            assert!(text.contains(&format!("{}", 100 + i)));
        }
        assert!(text.contains("not registered"));
        assert!(text.contains("Page 1 of"));
    }
}

#[test]
fn hostile_text_draws_and_stays_valid() {
    let text = "RTL: שלום עולם مرحبا بالعالم\nemoji 😀👍🏽 漢字 \u{202E}reversed\u{202C} \u{0}\u{7}\u{1b}[31m \
                zero\u{200B}width combining e\u{301} \u{FEFF}bom\n"
        .to_string()
        + &"a".repeat(5000)
        + " https://example.invalid/"
        + &"x/".repeat(400);
    let pdf = record_copy(&copy(&text, 0)).unwrap();
    if let Some((code, out)) = qpdf_check("hostile_text", &pdf) {
        assert_eq!(code, 0, "{out}");
    }
    if let Some(t) = pdftotext("hostile_text", &pdf) {
        assert!(t.contains("emoji"));
        assert!(
            t.contains(REPLACEMENT),
            "a missing glyph is drawn as U+FFFD"
        );
        assert!(!t.contains('\u{0}'));
    }
}

#[test]
fn too_much_text_is_refused_not_cut() {
    let big = "å".repeat(MAX_TEXT_BYTES / 2 + 10);
    match record_copy(&copy(&big, 0)) {
        Err(PdfError::TooLarge(n)) => assert!(n > MAX_TEXT_BYTES),
        other => panic!("expected TooLarge, got {:?}", other.map(|b| b.len())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}|[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{1F600}-\\u{1F64F}a-zåäö ]{0,300}", title in "\\PC{0,60}") {
        let mut doc = copy(&text, 0);
        doc.title = title;
        doc.meta.account = text.chars().take(80).collect();
        let pdf = record_copy(&doc).unwrap();
        prop_assert!(pdf.starts_with(b"%PDF-"));
        prop_assert!(pdf.ends_with(b"%%EOF\n") || pdf.ends_with(b"%%EOF"));
    }
}

// --- evidence copies and the police-report document (issue 5 item 4) ---

fn evidence(records: usize) -> Printout {
    let records = (0..records)
        .map(|i| PrintoutRecord {
            heading: if i == 0 {
                "Inlägget som åtgärden gäller".into()
            } else {
                format!("Svar {i} i tråden")
            },
            meta: RecordMeta {
                record_id: 4711 + i as i64,
                ..meta()
            },
            blocks: vec![
                TextBlock {
                    heading: "Text".into(),
                    text: format!("Hej! Mitt barn Åsa har ett ärende hos socialtjänsten ({i})."),
                },
                TextBlock {
                    heading: "Fynd (visas inte för allmänheten)".into(),
                    text: "secret: någon berättar om ett ärende hos socialtjänsten".into(),
                },
            ],
        })
        .collect();
    Printout {
        lang: Lang::Sv,
        title: "Bevisexemplar av handling 4711".into(),
        intro: vec![
            ("Organisation".into(), "Hammarby kommun".into()),
            ("Gjort av".into(), "Anna Andersson, kommunikatör".into()),
        ],
        records,
        created: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap(),
    }
}

/// The PNG decodes (with the `png` decoder, independent of how we drew it) to the documented
/// width, a height that grows with the thread, greyscale, with dark text pixels on white.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[test]
fn evidence_png_decodes_with_the_expected_size_and_ink() {
    let short = evidence_png(&evidence(1)).unwrap();
    let long = evidence_png(&evidence(6)).unwrap();
    assert!(short.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (w, h, px) = decode_png(&short);
    assert_eq!(w, raster::width());
    assert_eq!(w, 1191, "A4 width at two pixels per point");
    assert!(h > 300 && h < 2000, "one record is a short image: {h}");
    let dark = px.iter().filter(|&&p| p < 128).count();
    assert!(dark > 2_000, "text is drawn: {dark} dark pixels");
    assert!(
        px.iter().filter(|&&p| p == 255).count() > px.len() / 2,
        "white page"
    );
    // the top margin is blank, the first text line is not
    assert!(px[..w as usize * 60].iter().all(|&p| p == 255));
    let (w2, h2, _) = decode_png(&long);
    assert_eq!(w2, w);
    assert!(h2 > h * 3, "six records are taller than one: {h2} vs {h}");
}

#[test]
fn a_huge_thread_makes_a_png_no_taller_than_the_limit() {
    let png_bytes = evidence_png(&evidence(400)).unwrap();
    let (_, h, _) = decode_png(&png_bytes);
    assert_eq!(h, raster::MAX_HEIGHT);
}

#[test]
fn evidence_pdf_is_pdfa_with_the_thread_and_findings() {
    let pdf = evidence_pdf(&evidence(3)).unwrap();
    if let Some((code, out)) = qpdf_check("evidence_pdf", &pdf) {
        assert_eq!(code, 0, "qpdf --check: {out}");
    }
    if let Some(text) = pdftotext("evidence_pdf", &pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Bevisexemplar av handling 4711",
            "Inlägget som åtgärden gäller",
            "Svar 2 i tråden",
            "Fynd (visas inte för allmänheten)",
            "Anna Andersson, kommunikatör",
            "4713",
        ] {
            assert!(flat.contains(needle), "'{needle}' missing from:\n{flat}");
        }
    }
    if let Some(info) = pikepdf_info("evidence_pdf", &pdf) {
        let v: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(v["part"], "2", "{info}");
        assert_eq!(v["conformance"], "U", "{info}");
        assert_eq!(v["title"], "Bevisexemplar av handling 4711", "{info}");
        assert_eq!(v["syntax_warnings"], serde_json::json!([]), "{info}");
    }
}

#[test]
fn police_report_lists_evidence_with_hashes() {
    let r = PoliceReport {
        lang: Lang::Sv,
        title: "Underlag för polisanmälan – handling 4711".into(),
        facts: vec![
            ("Organisation".into(), "Hammarby kommun".into()),
            ("Konto".into(), "Hammarby kommun (Facebook)".into()),
        ],
        description: "Ett hot mot en namngiven tjänsteperson.".into(),
        evidence: vec![
            (
                "bevis-4711.pdf".into(),
                "SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 (1234 byte)".into(),
            ),
            (
                "bevis-4711.png".into(),
                "SHA-256 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae (99 byte)".into(),
            ),
        ],
        quoted: vec![TextBlock {
            heading: "Inläggets text".into(),
            text: "Jag ska döda dig".into(),
        }],
        created: Utc::now(),
    };
    let pdf = police_report(&r).unwrap();
    if let Some((code, out)) = qpdf_check("police_report", &pdf) {
        assert_eq!(code, 0, "{out}");
    }
    if let Some(text) = pdftotext("police_report", &pdf) {
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "Underlag för polisanmälan",
            "bevis-4711.png",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Ett hot mot en namngiven tjänsteperson.",
            "Jag ska döda dig",
        ] {
            assert!(flat.contains(needle), "'{needle}' missing from:\n{flat}");
        }
    }
    if let Some(info) = pikepdf_info("police_report", &pdf) {
        let v: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(v["part"], "2", "{info}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_text_makes_a_decodable_png(text in "\\PC{0,300}|[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{1F600}-\\u{1F64F}a-zåäö ]{0,300}") {
        let mut p = evidence(1);
        p.records[0].blocks[0].text = text;
        let bytes = evidence_png(&p).unwrap();
        let (w, _, _) = decode_png(&bytes);
        prop_assert_eq!(w, raster::width());
    }
}

/// The checks a PDF/A validator makes of fonts, metadata and output intent, read back by
/// independent tools, for both writers: the direct one (Swedish text) and krilla (a thread with
/// Arabic, which needs its shaper).
#[test]
fn widths_text_layer_metadata_and_output_profile_check_out_in_both_writers() {
    for (text, writer) in [
        (
            "Hej! Varför är vägen på Storgatan inte plogad? Mvh Åsa Öberg, 070-123 45 67 – «tack» €5",
            "direct",
        ),
        ("مرحبا بالعالم och hej på er", "krilla"),
    ] {
        let pdf = record_copy(&copy(text, 3)).unwrap();
        let producer = String::from_utf8_lossy(&pdf).contains("(krilla)");
        assert_eq!(producer, writer == "krilla", "{writer}");
        if let Some((code, out)) = qpdf_check("pdfa_fonts", &pdf) {
            assert_eq!(code, 0, "{writer}: {out}");
        }
        if let Some(report) = pdfa_font_report("pdfa_fonts", &pdf) {
            let v: serde_json::Value = serde_json::from_str(&report).unwrap();
            assert_eq!(v["info_matches_xmp"], true, "{writer}: {report}");
            assert_eq!(v["subtype"], "/GTS_PDFA1", "{writer}: {report}");
            assert!(v["profile"]["error"].is_null(), "{writer}: {report}");
            let n = v["n"].as_u64().unwrap();
            let space = v["profile"]["space"].as_str().unwrap();
            assert_eq!(
                (n, space == "GRAY" || space == "RGB"),
                (if space == "GRAY" { 1 } else { 3 }, true),
                "{writer}: {report}"
            );
            let fonts = v["fonts"].as_array().unwrap();
            assert_eq!(fonts.len(), 2, "{writer}: {report}");
            for f in fonts {
                assert!(f["codes"].as_u64().unwrap() > 10, "{writer}: {report}");
                assert_eq!(
                    f["width_errors"],
                    serde_json::json!([]),
                    "{writer}: {report}"
                );
                assert_eq!(f["unmapped"], serde_json::json!([]), "{writer}: {report}");
                assert_eq!(
                    f["missing_glyphs"],
                    serde_json::json!([]),
                    "{writer}: {report}"
                );
            }
        }
        if let Some(t) = pdftotext("pdfa_fonts", &pdf) {
            let first_words: String = text
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            if writer == "direct" {
                assert!(t.contains(&first_words), "{writer}: {t}");
                assert!(t.contains("070-123 45 67"), "{t}");
            }
        }
    }
}

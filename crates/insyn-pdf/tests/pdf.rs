//! The PDF/A copies read back with real tools: qpdf checks the structure, pdftotext reads the
//! Swedish text and the metadata table, pikepdf sees the PDF/A-2u declaration in the XMP, the
//! document date and embedded fonts. A property test feeds arbitrary text.
use chrono::{TimeZone, Utc};
use insyn_pdf::*;
use insyn_testkit::pdf::{pdftotext, pikepdf_info, qpdf_check};
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

//! From blocks to lines to pages to PDF: a [`Flow`] collects laid-out lines, [`finish`] breaks
//! them into A4 pages and places every run of text on them (footers included); the pages are then
//! written by [`crate::direct`] when every character draws as one glyph, and by krilla (under
//! its PDF/A-2u validator, with its shaper) otherwise.
use crate::font::{Face, krilla_font, metrics, sanitise};
use crate::layout::break_lines;
use crate::{Lang, MAX_TEXT_BYTES, PdfError, Result};
use chrono::{DateTime, Datelike, Timelike, Utc};
use krilla::Document;
use krilla::configure::{Archival, ConfigurationBuilder, Validator};
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::TextDirection;

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 48.0;
pub(crate) const MARGIN_TOP: f32 = 56.0;
/// The text area ends here; the footer sits below.
const BODY_BOTTOM: f32 = PAGE_H - 64.0;
const FOOTER_Y: f32 = PAGE_H - 36.0;
/// Points kept free at the right edge of every line (shaping differences).
const RESERVE: f32 = 2.0;
const LABEL_W: f32 = 125.0;

const BODY: f32 = 10.5;
const TABLE: f32 = 9.0;
const FOOTER: f32 = 8.0;

/// A piece of text drawn at an x offset.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) x: f32,
    pub(crate) face: Face,
    pub(crate) size: f32,
    pub(crate) text: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) runs: Vec<Run>,
    /// Space above the baseline (gap included).
    pub(crate) height: f32,
    /// Keep on the same page as the next line (headings).
    keep_with_next: bool,
}

pub(crate) struct Flow {
    pub(crate) lines: Vec<Line>,
    pub(crate) bytes: usize,
}

impl Flow {
    pub(crate) fn new() -> Flow {
        Flow {
            lines: Vec::new(),
            bytes: 0,
        }
    }

    fn text_width() -> f32 {
        PAGE_W - 2.0 * MARGIN_X - RESERVE
    }

    fn push_lines(&mut self, text: &str, face: Face, size: f32, x: f32, gap: f32, keep: bool) {
        self.bytes += text.len();
        if self.bytes > MAX_TEXT_BYTES {
            return;
        }
        let clean = sanitise(text);
        let lines = break_lines(&clean, face, size, Self::text_width() - x);
        let n = lines.len();
        for (i, l) in lines.into_iter().enumerate() {
            self.lines.push(Line {
                runs: vec![Run {
                    x,
                    face,
                    size,
                    text: l,
                }],
                height: size * 1.4 + if i == 0 { gap } else { 0.0 },
                keep_with_next: keep || (i + 1 < n && n <= 3),
            });
        }
    }

    pub(crate) fn title(&mut self, text: &str) {
        self.push_lines(text, Face::Bold, 16.0, 0.0, 0.0, true);
    }

    pub(crate) fn heading(&mut self, text: &str) {
        self.push_lines(text, Face::Bold, 12.5, 0.0, 14.0, true);
    }

    pub(crate) fn subheading(&mut self, text: &str) {
        self.push_lines(text, Face::Bold, 10.5, 0.0, 8.0, true);
    }

    pub(crate) fn paragraph(&mut self, text: &str) {
        self.push_lines(text, Face::Regular, BODY, 0.0, 4.0, false);
    }

    /// Two columns: a bold label and its (wrapped) value.
    pub(crate) fn table(&mut self, rows: &[(String, String)]) {
        let value_w = Self::text_width() - LABEL_W;
        for (i, (label, value)) in rows.iter().enumerate() {
            self.bytes += label.len() + value.len();
            if self.bytes > MAX_TEXT_BYTES {
                return;
            }
            let labels = break_lines(&sanitise(label), Face::Bold, TABLE, LABEL_W - 8.0);
            let values = break_lines(&sanitise(value), Face::Regular, TABLE, value_w);
            let n = labels.len().max(values.len());
            for j in 0..n {
                let mut runs = Vec::new();
                if let Some(l) = labels.get(j) {
                    runs.push(Run {
                        x: 0.0,
                        face: Face::Bold,
                        size: TABLE,
                        text: l.clone(),
                    });
                }
                if let Some(v) = values.get(j) {
                    runs.push(Run {
                        x: LABEL_W,
                        face: Face::Regular,
                        size: TABLE,
                        text: v.clone(),
                    });
                }
                self.lines.push(Line {
                    runs,
                    height: TABLE * 1.45 + if i == 0 && j == 0 { 8.0 } else { 0.0 },
                    keep_with_next: j + 1 < n,
                });
            }
        }
    }
}

/// Splits lines into pages: a line that does not fit starts a new page, and a run of
/// keep-with-next lines moves with the line after it when that fits on a fresh page.
fn paginate(lines: Vec<Line>) -> Vec<Vec<(f32, Line)>> {
    let mut pages: Vec<Vec<(f32, Line)>> = vec![Vec::new()];
    let mut y = MARGIN_TOP;
    let mut i = 0;
    while i < lines.len() {
        // the group: this line and every line it must stay with
        let mut end = i;
        while end + 1 < lines.len() && lines[end].keep_with_next && end - i < 6 {
            end += 1;
        }
        let group_h: f32 = lines[i..=end].iter().map(|l| l.height).sum();
        let page_h = BODY_BOTTOM - MARGIN_TOP;
        let on_page = !pages.last().is_none_or(Vec::is_empty);
        if on_page && y + group_h > BODY_BOTTOM && group_h <= page_h {
            pages.push(Vec::new());
            y = MARGIN_TOP;
        }
        for line in &lines[i..=end] {
            let fresh = pages.last().is_none_or(Vec::is_empty);
            if !fresh && y + line.height > BODY_BOTTOM {
                pages.push(Vec::new());
                y = MARGIN_TOP;
            }
            // at the top of a page the gap above a heading is dropped
            let h = if pages.last().is_none_or(Vec::is_empty) {
                line.runs.first().map_or(line.height, |r| r.size * 1.2)
            } else {
                line.height
            };
            y += h;
            if let Some(p) = pages.last_mut() {
                p.push((y, line.clone()));
            }
        }
        i = end + 1;
    }
    pages
}

fn pdf_date(at: DateTime<Utc>) -> krilla::metadata::DateTime {
    krilla::metadata::DateTime::new(at.year().clamp(0, 9999) as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Draws one run of text: glyph by glyph from the font's own advances when no character in it
/// needs shaping (nearly all Swedish text; the layout measured it the same way), otherwise
/// through krilla's shaper, which handles right-to-left text and combining marks.
fn draw(
    surface: &mut krilla::surface::Surface<'_>,
    at: Point,
    face: Face,
    font: krilla::text::Font,
    size: f32,
    text: &str,
) {
    match metrics(face).simple_glyphs(text) {
        Some(glyphs) => surface.draw_glyphs(at, &glyphs, font, text, size, false),
        None => surface.draw_text(at, font, size, text, false, TextDirection::Auto),
    }
}

/// A run of text at its place on a page: `x` from the left edge, `y` the baseline from the top.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) face: Face,
    pub(crate) size: f32,
    pub(crate) text: String,
}

/// What the document information and XMP metadata say.
pub(crate) struct DocInfo<'a> {
    pub(crate) title: &'a str,
    pub(crate) lang: &'a str,
    pub(crate) created: DateTime<Utc>,
}

/// Every run of every page, with the running footer ("Sida N av M") placed on each.
fn place(flow: Flow, lang: Lang, footer: &str) -> Vec<Vec<Placed>> {
    let pages = paginate(flow.lines);
    let total = pages.len();
    let footer_text = sanitise(footer);
    let footer_m = metrics(Face::Regular);
    let mut placed = Vec::with_capacity(total);
    for (n, page_lines) in pages.into_iter().enumerate() {
        let mut runs = Vec::new();
        for (y, line) in page_lines {
            for run in line.runs {
                if !run.text.is_empty() {
                    runs.push(Placed {
                        x: MARGIN_X + run.x,
                        y,
                        face: run.face,
                        size: run.size,
                        text: run.text,
                    });
                }
            }
        }
        let page_no = match lang {
            Lang::Sv => format!("Sida {} av {total}", n + 1),
            Lang::En => format!("Page {} of {total}", n + 1),
        };
        let page_w = footer_m.width(&page_no, FOOTER);
        let left_w = PAGE_W - 2.0 * MARGIN_X - page_w - 16.0;
        let left = crate::layout::break_lines(&footer_text, Face::Regular, FOOTER, left_w)
            .into_iter()
            .next()
            .unwrap_or_default();
        if !left.is_empty() {
            runs.push(Placed {
                x: MARGIN_X,
                y: FOOTER_Y,
                face: Face::Regular,
                size: FOOTER,
                text: left,
            });
        }
        runs.push(Placed {
            x: PAGE_W - MARGIN_X - page_w,
            y: FOOTER_Y,
            face: Face::Regular,
            size: FOOTER,
            text: page_no,
        });
        placed.push(runs);
    }
    placed
}

/// Which writer made a document (tests check that both paths are taken where expected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writer {
    Direct,
    Krilla,
}

pub(crate) fn finish(
    flow: Flow,
    lang: Lang,
    title: &str,
    footer: &str,
    created: DateTime<Utc>,
) -> Result<Vec<u8>> {
    finish_with(flow, lang, title, footer, created).map(|(pdf, _)| pdf)
}

pub(crate) fn finish_with(
    flow: Flow,
    lang: Lang,
    title: &str,
    footer: &str,
    created: DateTime<Utc>,
) -> Result<(Vec<u8>, Writer)> {
    if flow.bytes > MAX_TEXT_BYTES {
        return Err(PdfError::TooLarge(flow.bytes));
    }
    let clean_title = sanitise(title);
    let pages = place(flow, lang, footer);
    let info = DocInfo {
        title: &clean_title,
        lang: lang.code(),
        created,
    };
    if let Some(pdf) = crate::direct::write(&pages, &info) {
        return pdf.map(|pdf| (pdf, Writer::Direct));
    }
    krilla_write(pages, &info).map(|pdf| (pdf, Writer::Krilla))
}

/// The pages through krilla: its shaper draws what [`crate::direct`] cannot (right-to-left
/// scripts, combining marks), under its PDF/A-2u validator.
fn krilla_write(pages: Vec<Vec<Placed>>, info: &DocInfo<'_>) -> Result<Vec<u8>> {
    let regular = krilla_font(Face::Regular)
        .ok_or_else(|| PdfError::Render("the embedded regular font does not load".into()))?;
    let bold = krilla_font(Face::Bold)
        .ok_or_else(|| PdfError::Render("the embedded bold font does not load".into()))?;
    let configuration = ConfigurationBuilder::new()
        .set_validator(Validator::A(Archival::A2_U))
        .finish()
        .map_err(|e| PdfError::Render(format!("{e:?}")))?;
    let settings = krilla::SerializeSettings {
        configuration,
        enable_tagging: false,
        ..Default::default()
    };
    let mut document = Document::new_with(settings);
    document.set_metadata(
        Metadata::new()
            .title(info.title.to_string())
            .language(info.lang.to_string())
            .creator("Insyn".to_string())
            .producer(format!("Insyn {} (krilla)", env!("CARGO_PKG_VERSION")))
            .creation_date(pdf_date(info.created)),
    );
    for runs in pages {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Render("bad page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for run in runs {
            let font = match run.face {
                Face::Regular => regular.clone(),
                Face::Bold => bold.clone(),
            };
            draw(
                &mut surface,
                Point::from_xy(run.x, run.y),
                run.face,
                font,
                run.size,
                &run.text,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Render(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_makes_several_pages_and_headings_are_not_orphaned() {
        let mut flow = Flow::new();
        flow.title("Titel");
        for i in 0..40 {
            flow.heading(&format!("Rubrik {i}"));
            flow.paragraph(&"ord ".repeat(60));
        }
        let pages = paginate(flow.lines);
        assert!(pages.len() > 3);
        for page in &pages {
            let (_, last) = page.last().unwrap();
            assert!(!last.keep_with_next || last.runs[0].face == Face::Regular);
            for (y, _) in page {
                assert!(*y <= BODY_BOTTOM + 0.01);
            }
        }
    }
}

//! PNG renderings of the same laid-out lines the PDFs draw: the image form of an evidence copy
//! (bevisexemplar), one long page as a screenshot would be.
//!
//! Why `ab_glyph` + `png`: the PNG must show exactly the text of the PDF, in the same embedded
//! DejaVu fonts and the same line breaks, so it paints the lines of [`crate::render::Flow`] rather
//! than laying text out again. That needs only a glyph rasteriser and a PNG encoder, not a vector
//! graphics library: `ab_glyph` (pure Rust, maintained with `glyph_brush`, reads the fonts through
//! `ttf-parser` 0.25, which krilla already builds) rasterises outlines to coverage values, and the
//! image-rs project's `png` crate encodes them (both build offline from the registry, no C, no
//! system fonts). `tiny-skia` or `resvg` would add anti-aliased paths and SVG we do not draw.
//! The image is 8-bit greyscale: text is black on white, and greyscale keeps the files small.
use crate::font::{Face, font_bytes};
use crate::render::{Flow, MARGIN_TOP, MARGIN_X, PAGE_W};
use crate::{PdfError, Result};
use ab_glyph::{Font, FontRef, ScaleFont, point};

/// Pixels per PDF point: 2 gives 1,191 px across an A4 width (about 144 dpi).
pub const SCALE: f32 = 2.0;
/// The tallest image made (pixels); lines below it are left out with a note (the PDF holds all).
pub const MAX_HEIGHT: u32 = 16_000;

/// The image's width in pixels.
pub fn width() -> u32 {
    (PAGE_W * SCALE).ceil() as u32
}

/// The height in pixels the lines of `flow` need (at most [`MAX_HEIGHT`]).
fn height_of(flow: &Flow) -> u32 {
    let h: f32 = flow.lines.iter().map(|l| l.height).sum::<f32>() + 2.0 * MARGIN_TOP;
    ((h * SCALE).ceil() as u32).clamp(1, MAX_HEIGHT)
}

struct Canvas {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: u32, h: u32) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![255; w as usize * h as usize],
        }
    }

    /// Darkens a pixel by `coverage` (0..=1) of black ink.
    fn ink(&mut self, x: i64, y: i64, coverage: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        let i = y as usize * self.w as usize + x as usize;
        let ink = (255.0 * (1.0 - coverage.clamp(0.0, 1.0))) as u8;
        self.px[i] = self.px[i].min(ink);
    }

    /// Draws `text` with its baseline at (`x`, `y`) pixels; returns the pen position after it.
    fn text(&mut self, font: &FontRef<'_>, size_px: f32, x: f32, y: f32, text: &str) -> f32 {
        let upem = font.units_per_em().unwrap_or(1000.0);
        let scale = ab_glyph::PxScale::from(size_px * font.height_unscaled() / upem);
        let scaled = font.as_scaled(scale);
        let mut pen = x;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(pen, y));
            if let Some(outline) = font.outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (bx, by) = (b.min.x as i64, b.min.y as i64);
                outline.draw(|gx, gy, cov| self.ink(bx + i64::from(gx), by + i64::from(gy), cov));
            }
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        pen
    }

    fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w, self.h);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Balanced);
            let mut w = enc
                .write_header()
                .map_err(|e| PdfError::Render(format!("PNG header: {e}")))?;
            w.write_image_data(&self.px)
                .map_err(|e| PdfError::Render(format!("PNG data: {e}")))?;
            w.finish()
                .map_err(|e| PdfError::Render(format!("PNG end: {e}")))?;
        }
        Ok(out)
    }
}

/// Paints the lines of `flow` on one white page [`width`] pixels wide. When the lines need more
/// than [`MAX_HEIGHT`] pixels, the last line that fits is replaced by `cut_note`.
pub(crate) fn flow_png(flow: &Flow, cut_note: &str) -> Result<Vec<u8>> {
    if flow.bytes > crate::MAX_TEXT_BYTES {
        return Err(PdfError::TooLarge(flow.bytes));
    }
    let regular = FontRef::try_from_slice(font_bytes(Face::Regular))
        .map_err(|e| PdfError::Render(format!("the embedded regular font: {e}")))?;
    let bold = FontRef::try_from_slice(font_bytes(Face::Bold))
        .map_err(|e| PdfError::Render(format!("the embedded bold font: {e}")))?;
    let (w, h) = (width(), height_of(flow));
    let mut canvas = Canvas::new(w, h);
    let mut y = MARGIN_TOP;
    let bottom = h as f32 / SCALE - MARGIN_TOP / 2.0;
    for (n, line) in flow.lines.iter().enumerate() {
        y += line.height;
        let next_h = flow.lines.get(n + 1).map_or(0.0, |l| l.height);
        if y + next_h > bottom && n + 1 < flow.lines.len() {
            let size = line.runs.first().map_or(10.5, |r| r.size);
            canvas.text(
                &bold,
                size * SCALE,
                MARGIN_X * SCALE,
                y * SCALE,
                &crate::sanitise(cut_note),
            );
            break;
        }
        for run in &line.runs {
            let font = match run.face {
                Face::Regular => &regular,
                Face::Bold => &bold,
            };
            canvas.text(
                font,
                run.size * SCALE,
                (MARGIN_X + run.x) * SCALE,
                y * SCALE,
                &run.text,
            );
        }
    }
    canvas.encode()
}

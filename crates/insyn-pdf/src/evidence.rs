//! The documents of the guided actions (R5.3): the evidence copy (bevisexemplar) of an item in
//! its thread as it was when the copy was made, as PDF/A-2u and as PNG with the same lines, and
//! the police-report document (underlag för polisanmälan) that lists the evidence files and their
//! SHA-256 sums.
use crate::{Lang, Printout, Result, TextBlock, printout_flow, raster, render};
use chrono::{DateTime, Utc};

fn evidence_footer(p: &Printout) -> String {
    match p.lang {
        Lang::Sv => format!("Bevisexemplar · {}", p.title),
        Lang::En => format!("Evidence copy · {}", p.title),
    }
}

/// The evidence copy as PDF/A-2u: the intro (who made it, when, why) and each record of the
/// thread with its metadata table and text blocks (versions, findings).
pub fn evidence_pdf(p: &Printout) -> Result<Vec<u8>> {
    render::finish(
        printout_flow(p),
        p.lang,
        &p.title,
        &evidence_footer(p),
        p.created,
    )
}

/// The same evidence copy as one long PNG page (see [`crate::raster`]).
pub fn evidence_png(p: &Printout) -> Result<Vec<u8>> {
    let note = match p.lang {
        Lang::Sv => "… bilden är avkortad; PDF-exemplaret innehåller allt",
        Lang::En => "… the image is cut short; the PDF copy holds everything",
    };
    let mut flow = printout_flow(p);
    flow.paragraph(&evidence_footer(p));
    raster::flow_png(&flow, note)
}

/// The police-report document: the facts of the item, the staff's description, the evidence
/// files with their SHA-256 sums, and the item's text quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliceReport {
    pub lang: Lang,
    pub title: String,
    /// (label, value): organisation, contact, account, item, times.
    pub facts: Vec<(String, String)>,
    /// What staff saw and why it may be a crime (may be empty).
    pub description: String,
    /// (file, "SHA-256 … (N bytes)") for each evidence file.
    pub evidence: Vec<(String, String)>,
    /// The item's text (and its thread) as quoted material.
    pub quoted: Vec<TextBlock>,
    pub created: DateTime<Utc>,
}

pub fn police_report(r: &PoliceReport) -> Result<Vec<u8>> {
    let sv = r.lang == Lang::Sv;
    let mut flow = render::Flow::new();
    flow.title(&r.title);
    flow.table(&r.facts);
    flow.heading(if sv { "Beskrivning" } else { "Description" });
    flow.paragraph(if r.description.trim().is_empty() {
        if sv {
            "Ingen beskrivning angavs."
        } else {
            "No description was given."
        }
    } else {
        &r.description
    });
    flow.heading(if sv {
        "Bevisning (kontrollsummor SHA-256)"
    } else {
        "Evidence (SHA-256 checksums)"
    });
    flow.table(&r.evidence);
    for b in &r.quoted {
        flow.subheading(&b.heading);
        flow.paragraph(&b.text);
    }
    let footer = if sv {
        format!("Underlag för polisanmälan · {}", r.title)
    } else {
        format!("Material for a police report · {}", r.title)
    };
    render::finish(flow, r.lang, &r.title, &footer, r.created)
}

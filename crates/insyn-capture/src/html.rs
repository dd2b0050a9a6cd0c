//! Platform HTML (Mastodon's `content`) to plain text for search and screening. The HTML itself
//! stays in the raw payload. Written by hand: the input is the small, sanitised subset Mastodon
//! emits (`<p>`, `<br>`, `<a>`, `<span>`), and an HTML parser crate would be far larger.

/// Paragraphs and line breaks become newlines, tags go, the common entities are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            // an unclosed '<' is text
            out.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        if (tag == "/p" || tag.starts_with("br")) && !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    decode_entities(out.trim_end())
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| match &after[1..e] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_content() {
        assert_eq!(
            html_to_text("<p>Hej från Insyn!</p><p>Rad två &amp; tre</p>"),
            "Hej från Insyn!\nRad två & tre"
        );
        assert_eq!(html_to_text("<p>a<br>b<br />c</p>"), "a\nb\nc");
        assert_eq!(
            html_to_text(
                r#"<p><span class="h-card"><a href="https://x/@k">@<span>kommun</span></a></span> snö&#39;n</p>"#
            ),
            "@kommun snö'n"
        );
        assert_eq!(html_to_text("1 < 2"), "1 < 2");
        assert_eq!(html_to_text("&bogus; &#xE5;"), "&bogus; å");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "<",
            ">",
            "&",
            "&#;",
            "&#x110000;",
            "<p",
            "</",
            "<<>>",
            "&#99999999999;",
            "ä<ö>å&",
        ] {
            let _ = html_to_text(s);
        }
    }
}

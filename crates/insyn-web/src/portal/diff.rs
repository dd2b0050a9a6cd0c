//! A word diff of two versions of a text (R7.6): which words an edit removed and added. Longest
//! common subsequence over words; texts too long for the table fall back to "the middle changed"
//! after the common start and end, so a huge edit never costs more than a bounded amount of work.

/// A run of words and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Same(String),
    Removed(String),
    Added(String),
}

/// Cells of the LCS table at most (about 32 MB of u32).
const MAX_CELLS: usize = 8_000_000;

/// Splits text into words with the whitespace that follows each, so joining gives the text back.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

pub fn word_diff(old: &str, new: &str) -> Vec<Part> {
    let a = tokens(old);
    let b = tokens(new);
    // common start and end first
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut parts = Vec::new();
    push(&mut parts, Part::Same(a[..pre].concat()));
    if am.len().saturating_mul(bm.len()) > MAX_CELLS {
        push(&mut parts, Part::Removed(am.concat()));
        push(&mut parts, Part::Added(bm.concat()));
    } else {
        let (n, m) = (am.len(), bm.len());
        // lcs[i][j] = LCS length of am[i..], bm[j..]
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                push(&mut parts, Part::Same(am[i].to_string()));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                // on a tie, what was removed comes before what was added
                push(&mut parts, Part::Removed(am[i].to_string()));
                i += 1;
            } else {
                push(&mut parts, Part::Added(bm[j].to_string()));
                j += 1;
            }
        }
    }
    push(&mut parts, Part::Same(a[a.len() - suf..].concat()));
    parts
}

/// Appends, merging with a run of the same kind; empty runs are dropped.
fn push(parts: &mut Vec<Part>, p: Part) {
    let text_empty = match &p {
        Part::Same(t) | Part::Removed(t) | Part::Added(t) => t.is_empty(),
    };
    if text_empty {
        return;
    }
    match (parts.last_mut(), p) {
        (Some(Part::Same(x)), Part::Same(y))
        | (Some(Part::Removed(x)), Part::Removed(y))
        | (Some(Part::Added(x)), Part::Added(y)) => x.push_str(&y),
        (_, p) => parts.push(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn side(parts: &[Part], old: bool) -> String {
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Same(t) => Some(t.as_str()),
                Part::Removed(t) if old => Some(t.as_str()),
                Part::Added(t) if !old => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn shows_the_changed_word() {
        let d = word_diff(
            "Badhuset öppnar måndag kl 9.",
            "Badhuset öppnar tisdag kl 9.",
        );
        assert_eq!(
            d,
            vec![
                Part::Same("Badhuset öppnar ".into()),
                Part::Removed("måndag ".into()),
                Part::Added("tisdag ".into()),
                Part::Same("kl 9.".into()),
            ]
        );
        assert!(
            word_diff("samma", "samma")
                .iter()
                .all(|p| matches!(p, Part::Same(_)))
        );
    }

    proptest! {
        /// Both texts come back whole from the diff, whatever they hold.
        #[test]
        fn diff_rebuilds_both_texts(old in "\\PC{0,80}", new in "\\PC{0,80}") {
            let d = word_diff(&old, &new);
            prop_assert_eq!(side(&d, true), old);
            prop_assert_eq!(side(&d, false), new);
        }

        #[test]
        fn word_level_texts(old in "(ord|skola|badhus|[a-ö]{1,5})( (ord|skola|badhus|[a-ö]{1,5})){0,30}",
                            new in "(ord|skola|badhus|[a-ö]{1,5})( (ord|skola|badhus|[a-ö]{1,5})){0,30}") {
            let d = word_diff(&old, &new);
            prop_assert_eq!(side(&d, true), old);
            prop_assert_eq!(side(&d, false), new);
        }
    }
}

//! Compiling rule-file phrases into one Aho-Corasick automaton over word forms, and matching
//! phrases word by word on the normalised text. Time is linear in the text (times the small,
//! bounded number of forms that can end at one position and the phrase length).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::category::{Category, SuggestedAction};
use crate::error::ScreeningError;
use crate::normalize::{Normalized, deaccent, squeeze_all};
use crate::rules::{FileKind, RawToken, RuleFile, TieGroup, TieMode};

/// At most this many phrase matches are kept per text (hostile input cannot make output huge).
pub(crate) const MAX_MATCHES: usize = 4096;
/// Work vectors larger than this many entries are dropped after a text, not kept per thread.
pub(crate) const SCRATCH_KEPT: usize = 1 << 16;
/// At most this many forms from one token (brace expansion).
const MAX_FORMS_PER_TOKEN: usize = 1024;

#[derive(Debug, Clone)]
pub(crate) struct FindingMeta {
    pub category: Category,
    pub rule: String,
    pub confidence: f32,
    pub tie: TieMode,
    pub action: Option<SuggestedAction>,
    pub sv: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Finding(u32),
    Tie(TieGroup),
    Context(u8),
}

#[derive(Debug, Clone)]
enum Elem {
    /// A word that is one of these atoms (sorted).
    Set(Vec<u32>),
    Gap(u8),
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledEntry {
    elems: Vec<Elem>,
    /// For every word element after the first: the atoms of its set as bits of a 128-bit mask
    /// ([`atom_bit`]). An entry can only match a text whose hits' mask meets every one of them,
    /// which rules out most phrase attempts before any word is looked at.
    need: Box<[u128]>,
    pub kind: EntryKind,
    pub file: u16,
    pub exception: bool,
}

/// A phrase matched the words `first..=last` of the normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexMatch {
    pub entry: u32,
    pub first: usize,
    pub last: usize,
}

/// A small multiplicative hash for short word keys (the default SipHash is several times slower
/// on the few bytes of a word; the keys are the organisation's own rule forms, not an attacker's).
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type WordMap = HashMap<Box<str>, Vec<u32>, BuildHasherDefault<WordHasher>>;

#[derive(Debug)]
pub(crate) struct Lexicon {
    /// Whole-word forms (anchored at both ends): the word → its atoms.
    whole: WordMap,
    /// The other forms (`*` at either end) as one automaton over the text.
    ac: Option<AhoCorasick>,
    /// For each automaton pattern: the atoms (form + anchoring) it stands for.
    pattern_atoms: Vec<Vec<u32>>,
    /// (anchored at word start, anchored at word end)
    atoms: Vec<(bool, bool)>,
    /// atom → the entries whose first element it satisfies, each with the masks its later
    /// elements need (copied here so that ruling an entry out reads no entry)
    triggers: Vec<Vec<Trigger>>,
    pub entries: Vec<CompiledEntry>,
    pub metas: Vec<FindingMeta>,
    pub context_names: Vec<String>,
}

struct Builder {
    patterns: Vec<String>,
    pattern_ids: HashMap<String, u32>,
    pattern_atoms: Vec<Vec<u32>>,
    atom_ids: HashMap<(u32, bool, bool), u32>,
    atoms: Vec<(bool, bool)>,
    /// atom → the entries whose first element it satisfies
    triggers: Vec<Vec<u32>>,
}

impl Builder {
    fn atom(&mut self, form: &str, sa: bool, ea: bool) -> u32 {
        let p = match self.pattern_ids.get(form) {
            Some(&p) => p,
            None => {
                let p = self.patterns.len() as u32;
                self.patterns.push(form.to_string());
                self.pattern_ids.insert(form.to_string(), p);
                self.pattern_atoms.push(Vec::new());
                p
            }
        };
        if let Some(&a) = self.atom_ids.get(&(p, sa, ea)) {
            return a;
        }
        let a = self.atoms.len() as u32;
        self.atoms.push((sa, ea));
        self.triggers.push(Vec::new());
        self.atom_ids.insert((p, sa, ea), a);
        self.pattern_atoms[p as usize].push(a);
        a
    }
}

type Suffixes = BTreeMap<String, (usize, Vec<String>)>;
type Classes = BTreeMap<String, (usize, Vec<RawToken>)>;

impl Lexicon {
    pub fn build(files: &[RuleFile]) -> Result<Lexicon, ScreeningError> {
        let mut shared_suffixes: Suffixes = BTreeMap::new();
        let mut shared_classes: Classes = BTreeMap::new();
        for f in files.iter().filter(|f| f.kind == FileKind::Shared) {
            shared_suffixes.extend(f.suffixes.clone());
            shared_classes.extend(f.classes.clone());
        }
        let mut b = Builder {
            patterns: Vec::new(),
            pattern_ids: HashMap::new(),
            pattern_atoms: Vec::new(),
            atom_ids: HashMap::new(),
            atoms: Vec::new(),
            triggers: Vec::new(),
        };
        let mut entries = Vec::new();
        let mut metas = Vec::new();
        let mut context_names: Vec<String> = Vec::new();
        for (fi, f) in files.iter().enumerate() {
            if !matches!(
                f.kind,
                FileKind::Lexicon | FileKind::Tie | FileKind::Context
            ) {
                continue;
            }
            let mut suffixes = shared_suffixes.clone();
            suffixes.extend(f.suffixes.clone());
            let mut classes = shared_classes.clone();
            classes.extend(f.classes.clone());
            let mut meta_map: HashMap<usize, u32> = HashMap::new();
            for e in &f.entries {
                let m = &f.metas[e.meta];
                let kind = match f.kind {
                    FileKind::Lexicon => {
                        let id = *meta_map.entry(e.meta).or_insert_with(|| {
                            metas.push(FindingMeta {
                                category: m.category.expect("checked by the parser"),
                                rule: m.rule.clone(),
                                confidence: m.confidence,
                                tie: m.tie,
                                action: m.action,
                                sv: m.sv.clone(),
                                en: m.en.clone(),
                            });
                            (metas.len() - 1) as u32
                        });
                        if m.sv.is_empty() || m.en.is_empty() {
                            return Err(ScreeningError::parse(
                                &f.name,
                                e.line,
                                "no @sv and @en explanation before this entry",
                            ));
                        }
                        EntryKind::Finding(id)
                    }
                    FileKind::Tie => EntryKind::Tie(m.group.expect("checked by the parser")),
                    _ => {
                        let name = m.context.clone().expect("checked by the parser");
                        let idx = match context_names.iter().position(|n| *n == name) {
                            Some(i) => i,
                            None => {
                                context_names.push(name);
                                context_names.len() - 1
                            }
                        };
                        EntryKind::Context(idx as u8)
                    }
                };
                let entry_id = entries.len() as u32;
                let multi = e
                    .tokens
                    .iter()
                    .filter(|t| !matches!(t, RawToken::Gap(_)))
                    .count()
                    > 1;
                let mut elems = Vec::with_capacity(e.tokens.len());
                for (k, t) in e.tokens.iter().enumerate() {
                    let atoms: Vec<u32> = match t {
                        RawToken::Gap(n) => {
                            elems.push(Elem::Gap(*n));
                            continue;
                        }
                        RawToken::Word { .. } => word_atoms(&mut b, t, &suffixes, multi)
                            .map_err(|m| ScreeningError::parse(&f.name, e.line, m))?,
                        RawToken::Class(name) => {
                            let (cline, toks) = classes.get(name).ok_or_else(|| {
                                ScreeningError::parse(
                                    &f.name,
                                    e.line,
                                    format!("unknown class <{name}>"),
                                )
                            })?;
                            let mut v = Vec::new();
                            for ct in toks {
                                if matches!(ct, RawToken::Class(_)) {
                                    return Err(ScreeningError::parse(
                                        &f.name,
                                        *cline,
                                        format!("class <{name}> may not contain another class"),
                                    ));
                                }
                                v.extend(
                                    word_atoms(&mut b, ct, &suffixes, multi)
                                        .map_err(|m| ScreeningError::parse(&f.name, *cline, m))?,
                                );
                            }
                            v
                        }
                    };
                    let mut atoms = atoms;
                    atoms.sort_unstable();
                    atoms.dedup();
                    if k == 0 {
                        for &a in &atoms {
                            b.triggers[a as usize].push(entry_id);
                        }
                    }
                    elems.push(Elem::Set(atoms));
                }
                let need = elems
                    .iter()
                    .skip(1)
                    .filter_map(|el| match el {
                        Elem::Set(atoms) => Some(atoms.iter().fold(0, |m, &a| m | atom_bit(a))),
                        Elem::Gap(_) => None,
                    })
                    .collect();
                entries.push(CompiledEntry {
                    elems,
                    need,
                    kind,
                    file: u16::try_from(fi)
                        .map_err(|_| ScreeningError::Build("too many rule files".into()))?,
                    exception: e.exception,
                });
            }
        }
        // Split every form's atoms into whole-word ones (a hash look-up per word) and the rest
        // (substring matches inside a word, by the automaton).
        let mut whole = WordMap::default();
        let mut partial_patterns = Vec::new();
        let mut partial_atoms = Vec::new();
        for (form, atoms) in b.patterns.iter().zip(&b.pattern_atoms) {
            let (w, p): (Vec<u32>, Vec<u32>) = atoms
                .iter()
                .partition(|&&a| b.atoms[a as usize] == (true, true));
            if !w.is_empty() {
                whole.insert(form.as_str().into(), w);
            }
            if !p.is_empty() {
                partial_patterns.push(form.as_str());
                partial_atoms.push(p);
            }
        }
        let ac = if partial_patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    // a full DFA: the overlapping scan runs over every text
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(&partial_patterns)
                    .map_err(|e| ScreeningError::Build(e.to_string()))?,
            )
        };
        Ok(Lexicon {
            whole,
            ac,
            pattern_atoms: partial_atoms,
            atoms: b.atoms,
            triggers: b
                .triggers
                .iter()
                .map(|es| {
                    es.iter()
                        .map(|&e| Trigger::new(e, &entries[e as usize].need))
                        .collect()
                })
                .collect(),
            entries,
            metas,
            context_names,
        })
    }

    /// All phrase matches in the normalised text, ordered by first word then entry.
    #[cfg(test)]
    pub fn run(&self, norm: &Normalized) -> Vec<LexMatch> {
        let mut out = Vec::new();
        self.run_into(norm, &mut out);
        out
    }

    /// [`Lexicon::run`] into `out` (cleared first).
    pub fn run_into(&self, norm: &Normalized, out: &mut Vec<LexMatch>) {
        out.clear();
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => {
                self.run_in(norm, &mut scratch, out);
                // a huge text's vectors are not kept for the thread's lifetime
                if scratch.hits.capacity() + scratch.starts.capacity() > SCRATCH_KEPT {
                    *scratch = Scratch::default();
                }
            }
            // (only if `run` were ever re-entered on one thread)
            Err(_) => self.run_in(norm, &mut Scratch::default(), out),
        })
    }

    fn run_in(&self, norm: &Normalized, scratch: &mut Scratch, out: &mut Vec<LexMatch>) {
        let Scratch {
            hits,
            starts,
            off,
            cur,
            next,
        } = scratch;
        let text = norm.text();
        let words = norm.words();
        hits.clear();
        if !self.whole.is_empty() {
            for (w, word) in words.iter().enumerate() {
                if let Some(atoms) = self.whole.get(&text[word.start..word.end]) {
                    hits.extend(atoms.iter().map(|&a| (w as u32, a)));
                }
            }
        }
        // Forms are alphanumeric, so every automaton match lies inside one word.
        let partial = self.ac.as_ref().map(|ac| ac.find_overlapping_iter(text));
        for m in partial.into_iter().flatten() {
            let Some(w) = norm.word_containing(m.start()) else {
                continue;
            };
            let word = words[w];
            if m.end() > word.end {
                continue;
            }
            for &a in &self.pattern_atoms[m.pattern().as_usize()] {
                let (sa, ea) = self.atoms[a as usize];
                if (sa && m.start() != word.start) || (ea && m.end() != word.end) {
                    continue;
                }
                hits.push((w as u32, a));
            }
        }
        hits.sort_unstable();
        hits.dedup();
        // Entries that start at a word: the triggers of the word's atoms. Later elements are
        // checked against the atoms of the candidate words (`hits` is sorted by word).
        let present = hits.iter().fold(0u128, |m, h| m | atom_bit(h.1));
        starts.clear();
        for &(w, a) in hits.iter() {
            for t in &self.triggers[a as usize] {
                if t.need[0] & present != 0
                    && t.need[1] & present != 0
                    && (!t.more
                        || self.entries[t.entry as usize].need[2..]
                            .iter()
                            .all(|&n| n & present != 0))
                {
                    starts.push((w, t.entry));
                }
            }
        }
        // hits[off[q]..off[q + 1]]: the atoms of word q.
        off.clear();
        off.resize(words.len() + 1, 0);
        for &(w, _) in hits.iter() {
            off[w as usize + 1] += 1;
        }
        for q in 0..words.len() {
            off[q + 1] += off[q];
        }
        let atoms_of = |q: usize| &hits[off[q] as usize..off[q + 1] as usize];
        starts.sort_unstable();
        starts.dedup();
        let nwords = words.len();
        for &(w, e) in starts.iter() {
            let elems = &self.entries[e as usize].elems;
            cur.clear();
            cur.push(w as usize);
            let mut gap = 0usize;
            let mut ok = true;
            for el in elems.iter().skip(1) {
                match el {
                    Elem::Gap(n) => gap += usize::from(*n),
                    Elem::Set(set) => {
                        next.clear();
                        for &p in cur.iter() {
                            for q in p + 1..=(p + 1 + gap).min(nwords.saturating_sub(1)) {
                                if atoms_of(q).iter().any(|h| set.binary_search(&h.1).is_ok()) {
                                    next.push(q);
                                }
                            }
                        }
                        next.sort_unstable();
                        next.dedup();
                        gap = 0;
                        if next.is_empty() {
                            ok = false;
                            break;
                        }
                        std::mem::swap(cur, next);
                    }
                }
            }
            if ok {
                let last = *cur.iter().min().expect("non-empty");
                out.push(LexMatch {
                    entry: e,
                    first: w as usize,
                    last,
                });
                if out.len() >= MAX_MATCHES {
                    break;
                }
            }
        }
    }
}

/// An entry a word can start, with what its later elements need (see [`CompiledEntry::need`]).
#[derive(Debug, Clone, Copy)]
struct Trigger {
    /// The first two later elements' masks (all bits when there is none).
    need: [u128; 2],
    entry: u32,
    /// More than two later elements: check the rest in the entry.
    more: bool,
}

impl Trigger {
    fn new(entry: u32, need: &[u128]) -> Trigger {
        Trigger {
            need: [
                need.first().copied().unwrap_or(!0),
                need.get(1).copied().unwrap_or(!0),
            ],
            entry,
            more: need.len() > 2,
        }
    }
}

/// The matcher's work vectors, kept per thread between texts (no allocation per text).
#[derive(Default)]
struct Scratch {
    /// (word, atom) for every atom a word is.
    hits: Vec<(u32, u32)>,
    /// (word, entry) where an entry may start.
    starts: Vec<(u32, u32)>,
    /// `hits[off[q]..off[q + 1]]`: the atoms of word q.
    off: Vec<u32>,
    cur: Vec<usize>,
    next: Vec<usize>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// An atom's bit in a 128-bit mask (a multiplicative hash of its id: neighbouring ids, which
/// are forms of one word, land on different bits).
#[inline]
fn atom_bit(atom: u32) -> u128 {
    1u128 << (atom.wrapping_mul(0x9E37_79B9) >> 25)
}

/// Forms of one word token as atoms.
fn word_atoms(
    b: &mut Builder,
    t: &RawToken,
    suffixes: &Suffixes,
    multi: bool,
) -> Result<Vec<u32>, String> {
    let RawToken::Word {
        body,
        star_start,
        star_end,
    } = t
    else {
        return Err("expected a word".into());
    };
    let forms = expand(body, suffixes)?;
    let mut atoms = Vec::new();
    for raw in forms {
        let form = Normalized::fold_only(&raw);
        if form.is_empty() {
            return Err(format!("{body:?} expands to an empty word"));
        }
        if !form.chars().all(char::is_alphanumeric) {
            return Err(format!("{raw:?} is not a single word after normalisation"));
        }
        let mut variants = vec![form.clone()];
        let long = form.chars().count() >= 5;
        if long {
            variants.push(squeeze_all(&form));
        }
        if long || multi {
            let d = deaccent(&form);
            if long {
                variants.push(squeeze_all(&d));
            }
            variants.push(d);
        }
        variants.sort();
        variants.dedup();
        for v in variants {
            atoms.push(b.atom(&v, !star_start, !star_end));
        }
    }
    Ok(atoms)
}

/// Brace expansion: `död{a|ar}` → döda, dödar; `{:name}` → a named suffix set.
fn expand(body: &str, suffixes: &Suffixes) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(inner_start) = rest.strip_prefix('{') {
            let close = inner_start.find('}').ok_or("unbalanced braces")?;
            let inner = &inner_start[..close];
            rest = &inner_start[close + 1..];
            let alts: Vec<String> = if let Some(name) = inner.strip_prefix(':') {
                suffixes
                    .get(name)
                    .ok_or_else(|| format!("unknown suffix set {{:{name}}}"))?
                    .1
                    .clone()
            } else {
                inner.split('|').map(str::to_string).collect()
            };
            let mut next = Vec::with_capacity(out.len() * alts.len());
            for o in &out {
                for a in &alts {
                    next.push(format!("{o}{a}"));
                }
            }
            if next.len() > MAX_FORMS_PER_TOKEN {
                return Err(format!(
                    "{body:?} expands to more than {MAX_FORMS_PER_TOKEN} forms"
                ));
            }
            out = next;
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            for o in &mut out {
                o.push_str(&rest[..end]);
            }
            rest = &rest[end..];
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn lex(src: &str) -> Lexicon {
        let rs = RuleSet::from_sources([("t.rules", src)]).unwrap();
        Lexicon::build(&rs.files).unwrap()
    }

    fn matched(l: &Lexicon, text: &str) -> Vec<String> {
        let n = Normalized::new(text);
        l.run(&n)
            .into_iter()
            .map(|m| {
                let (s, _) = n.original_span(n.words()[m.first].start, n.words()[m.first].end);
                let (_, e) = n.original_span(n.words()[m.last].start, n.words()[m.last].end);
                text[s..e].to_string()
            })
            .collect()
    }

    const SRC: &str = "@category threat\n@sv x\n@en x\n@suffix n = |en|er|erna\n\
        @class pron = dig er honom\njag ska döda <pron>\nidiot{:n}\n*svin\nspräng* ~2 kommunhuset\n";

    #[test]
    fn expansion() {
        let s: Suffixes = [("n".to_string(), (1, vec![String::new(), "en".into()]))].into();
        assert_eq!(expand("idiot{:n}", &s).unwrap(), vec!["idiot", "idioten"]);
        assert_eq!(
            expand("{sk|j}ut{a|er}", &s).unwrap(),
            vec!["skuta", "skuter", "juta", "juter"]
        );
        assert!(expand("x{:nope}", &s).is_err());
    }

    #[test]
    fn phrases_classes_suffixes_compounds() {
        let l = lex(SRC);
        assert_eq!(matched(&l, "Jag SKA döda dig"), vec!["Jag SKA döda dig"]);
        assert_eq!(matched(&l, "jag ska döda henne"), Vec::<String>::new());
        assert_eq!(matched(&l, "idioterna!"), vec!["idioterna"]);
        assert_eq!(matched(&l, "idiotisk"), Vec::<String>::new());
        assert_eq!(matched(&l, "ditt kommunsvin"), vec!["kommunsvin"]);
        assert_eq!(matched(&l, "svinaktigt"), Vec::<String>::new());
        assert_eq!(
            matched(&l, "ska spränga hela den jäkla kommunhuset"),
            Vec::<String>::new()
        );
        assert_eq!(
            matched(&l, "ska spränga hela kommunhuset"),
            vec!["spränga hela kommunhuset"]
        );
        assert_eq!(
            matched(&l, "sprängde kommunhuset"),
            vec!["sprängde kommunhuset"]
        );
    }

    #[test]
    fn tricks() {
        let l = lex(SRC);
        assert_eq!(matched(&l, "din i d i o t"), vec!["i d i o t"]);
        assert_eq!(matched(&l, "id1ooot"), vec!["id1ooot"]);
        assert_eq!(matched(&l, "jag ska doda dig"), vec!["jag ska doda dig"]);
    }

    #[test]
    fn unknown_class_is_an_error_with_line() {
        let rs =
            RuleSet::from_sources([("t.rules", "@category threat\n@sv x\n@en x\n<nope> dig\n")])
                .unwrap();
        let e = Lexicon::build(&rs.files).unwrap_err();
        assert_eq!(e.to_string(), "t.rules:4: unknown class <nope>");
    }

    #[test]
    fn missing_explanation_is_an_error() {
        let rs = RuleSet::from_sources([("t.rules", "@category threat\ndöda\n")]).unwrap();
        assert!(
            Lexicon::build(&rs.files)
                .unwrap_err()
                .to_string()
                .contains("t.rules:2")
        );
    }
}

//! Screening (uppsikt) of Swedish text received on an authority's social media, and of the
//! authority's own draft answers (R4, R5.4). Pure: no I/O except [`load`], which reads an
//! organisation's rule files.
//!
//! ```
//! use insyn_screening::{Category, Screener};
//!
//! let screener = Screener::default_swedish(); // build once, share
//! let text = "Mitt personnummer är 19121212-1212, ring 070-123 45 67";
//! let findings = screener.screen(text);
//! assert_eq!(findings[0].category, Category::Personnummer);
//! assert_eq!(findings[0].text(text), "19121212-1212");
//! assert_eq!(findings[1].category, Category::Phone);
//! ```
//!
//! # Findings
//!
//! [`Screener::screen`] returns [`Finding`]s sorted by start, at most one per category over any
//! byte: the category, the byte span in the **original** text (always on char boundaries), the
//! rule that fired, a confidence in 0..=1, an explanation in Swedish and English and a
//! [`SuggestedAction`]. [`Screener::screen_draft`] screens the authority's own answer for
//! `economic_advice` and personal data. Screening suggests; people decide.
//!
//! # Categories
//!
//! The snake_case ids are stable (API, corpus, reports):
//!
//! | id | what | how |
//! |---|---|---|
//! | `personnummer` | personnummer and samordningsnummer: 10 or 12 digits, with or without `-`/`+`/space | check digit (Luhn) and calendar date (day+60 for co-ordination numbers); code |
//! | `phone` | Swedish numbers: 07x mobile, area codes, +46, 0046, `(0)` | number plan lengths; code |
//! | `email` | e-mail addresses | regex + validation; code |
//! | `address` | street name with a street ending + number (+ letter), postcode + town | regex; code |
//! | `payment` | card (Luhn, 13–19 digits, issuer prefix), IBAN (mod 97), bank account (clearing table), bankgiro/plusgiro (Luhn, with a context word) | code |
//! | `sensitive` | GDPR art. 9: health, ethnic origin, religion, sexual orientation, political opinion, union membership — tied to a person | lexicon `sensitive.rules` |
//! | `offensive_person` | insults about an identifiable person (kränkande personuppgifter) | lexicon `offensive.rules` |
//! | `threat` | olaga hot, incitement, calls to violence | lexicon `threat.rules` |
//! | `hate` | hets mot folkgrupp | lexicon `hate.rules` |
//! | `unlawful_link` | links to listed domains | list `unlawful_links.rules` |
//! | `secret` | details of one's own or another's case (social services, school, health) | lexicon `secret.rules` |
//! | `complaint` | complaint or opinion | lexicon `complaint.rules` |
//! | `case_reference` | question about an ongoing case, diary numbers (`KS 2026/123`, `dnr 2025-00123`) | lexicon `case.rules` + regex |
//! | `case_request` | request that starts a case (ansökan, begäran om allmän handling) | lexicon `case.rules` |
//! | `economic_advice` | drafts only: advice with economic consequences | lexicon `economic_advice.rules` |
//!
//! A lexicon finding marked `@tie addressed` or `@tie any` needs an identifiable person within
//! [`RuleSet::tie_window`] words: a tie phrase (`tie.rules`: "du är", "han", "min son"...), a
//! capitalised first name (`names.rules`), a "Förnamn Efternamn" with a common surname ending, an
//! @mention, or a personnummer/phone/e-mail (for `@tie any`, four times as far). Without one its
//! confidence is multiplied by 0.4, which puts it below [`RuleSet::min_confidence`] (0.5) for the
//! default rules.
//!
//! # Normalisation
//!
//! Lexicons match on normalised text ([`normalize::Normalized`]): invisible characters dropped,
//! NFKC, Unicode lowercase, leetspeak in words with letters (`id1ot`, `h0r4`, `$vin`), spaced
//! letters joined (`h o r a`, `i.d.i.o.t`), runs of three or more equal letters squeezed
//! (`idiooot`). Spans map back to the original. Lexicon forms also match without å/ä/ö
//! (`doda` for `döda`, in phrases and forms of five letters or more) and with doubled letters
//! single (`fittta` → `fita` matches `fitta`).
//!
//! # Rule file format
//!
//! Rules and lexicons are data: UTF-8 text files ending in `.rules`, one item per line. The
//! defaults are in `rules/sv/` and embedded in the binary ([`rules::DEFAULT_SWEDISH_FILES`]); an
//! organisation's own directory is read with [`RuleSet::from_dir`] and laid over the defaults
//! with [`RuleSet::overlay`] (a file with the same name replaces the built-in one; an empty file
//! turns it off). Errors name the file and line (`threat.rules:12: unknown class <pron>`).
//!
//! ```text
//! # A comment: '#' at the start of a line or after whitespace.
//! @kind lexicon              # lexicon (default) | shared | tie | names | domains | context
//! @category threat           # the category of the entries below (lexicon, domains)
//! @rule threat.kill          # rule id reported in findings (default: the file name)
//! @confidence 0.9            # 0..1
//! @tie none                  # none | addressed | any (see above)
//! @action police_report      # secrecy | police_report | remove_offensive |
//!                            # protect_personal_data | register | revise_draft | none
//! @sv Möjligt olaga hot.     # explanation in Swedish (required for lexicon entries)
//! @en Possible unlawful threat.
//! @suffix verb = |a|ar|ade|at   # a named suffix set (an empty alternative is allowed)
//! @class pron = dig er honom henne hen   # a named word class
//!
//! jag ska död{:verb} <pron>  # an entry: words in order
//! skjut{a|er} ~2 <pron>      # ~N: up to N other words in between (1..5)
//! *idiot{|en|er|erna}        # leading '*': compounds ending in the word ("kommunidiot")
//! spräng*                    # trailing '*': any ending ("sprängde", "sprängning")
//! !skjuta upp                # '!': an exception; matches of this file overlapping it are dropped
//! ```
//!
//! Directives apply to the entries that follow them and may change along the file. Words are
//! written in lowercase Swedish; braces expand (`dö{d|da|dar}` → död, döda, dödar; `{:verb}`
//! names a suffix set). A `shared` file (`common.rules`) holds `@suffix`/`@class` definitions
//! that every file can use. A `tie` file has `@group first_person|second_person|third_person`
//! before its phrases. A `names` file lists first names, one per line. A `domains` file lists
//! domains (subdomains match too) after `@category unlawful_link` and its explanation. A `context`
//! file has `@context personnummer|phone|card|bank_account|bankgiro|plusgiro|reference_number`
//! before phrases that, up to five words before a number, say what it is (bank accounts,
//! bankgiro and plusgiro are only reported with one; `reference_number` ("ordernummer", "OCR")
//! suppresses phone and card findings).
//!
//! # Evaluation
//!
//! `corpus/sv.jsonl` is a labelled Swedish test set (format in [`eval`]). Run
//! `cargo test -p insyn-screening --test screening corpus -- --nocapture` to print the precision
//! and recall table; the test fails when a score drops below its floor. From code:
//! `eval::evaluate(&Screener::default_swedish(), &eval::parse_corpus(eval::DEFAULT_CORPUS)?)`.
//!
//! # Streaming and raw bytes
//!
//! [`stream::screen_jsonl`] screens JSON lines (`{"id", "text"}`) from any `BufRead` to any
//! `Write`, one answer line per input line with character offsets (`insyn screen --jsonl`).
//! [`Screener::screen_bytes`] screens bytes that may not be UTF-8 (decoded lossily).
//!
//! # Performance
//!
//! Every automaton is built once in [`Screener::new`]. The `regex` and `aho-corasick` engines
//! run in linear time; the phrase matcher is linear in the number of words times the (bounded)
//! phrase length; number candidates are bounded to 19 digits. At most
//! [`screener::MAX_FINDINGS`] findings are returned per text.

pub mod category;
mod detect;
pub mod error;
pub mod eval;
mod lexicon;
pub mod load;
pub mod normalize;
pub mod rules;
pub mod screener;
pub mod stream;
pub mod validate;

pub use category::{Category, Finding, SuggestedAction, UnknownCategory};
pub use error::ScreeningError;
pub use rules::{RuleFile, RuleSet};
pub use screener::{Mode, Screener};

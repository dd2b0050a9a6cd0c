//! Guided actions (R5.3) and automatic hiding (issue 4 item 4).
//!
//! Each guided action is a short checklist of [`Step`]s. Every step done leaves an
//! `action_step` record event and an audit entry (and the events of what it did: an evidence
//! copy, a moderation call, a classification). The rule "preserve before remove" is enforced
//! here, in [`App::moderate_record`]: nothing is hidden or removed on the platform unless an
//! evidence copy of the record's current version is stored; a hidden or removed item stays a
//! record, with a `hidden_on_platform` ("dold på plattformen") or `removed_from_platform`
//! ("borttagen") event holding the platform's answer.
//!
//! Registering a case in the diary and forwarding it by e-mail are done by another part of Insyn;
//! the case action calls them through the small [`CaseDesk`] trait, set with
//! [`App::with_case_desk`]. Without one, those steps say so and stay undone.
use crate::evidence::EvidenceCopy;
use crate::{App, AppError, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use insyn_capture::moderation::{ModerationAction, Moderator, support};
use insyn_domain::staff as rules;
use insyn_domain::*;
use serde::Serialize;
use std::sync::Arc;

/// The guided actions of R5.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Someone posted secret information (their own or another's case) [S: Sekretess].
    Secret,
    /// Criminal material: threats, hate speech, unlawful depictions [S: Diarieföring].
    Criminal,
    /// Offensive statements about an identifiable person (kränkande personuppgifter) [E §9].
    OffensivePerson,
    /// Off-topic posts, political speeches, personal attacks: hidden under the published rules.
    OffTopic,
    /// A case arriving by social media: evidence, register, forward by e-mail [E §8].
    Case,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Secret,
        ActionKind::Criminal,
        ActionKind::OffensivePerson,
        ActionKind::OffTopic,
        ActionKind::Case,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Secret => "secret",
            ActionKind::Criminal => "criminal",
            ActionKind::OffensivePerson => "offensive_person",
            ActionKind::OffTopic => "off_topic",
            ActionKind::Case => "case",
        }
    }

    pub fn parse(s: &str) -> Result<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| AppError::NotFound(format!("no guided action named '{s}'")))
    }

    pub fn title(self, english: bool) -> &'static str {
        match (self, english) {
            (ActionKind::Secret, false) => "Sekretessbelagd information",
            (ActionKind::Secret, true) => "Secret information",
            (ActionKind::Criminal, false) => "Brottsligt material",
            (ActionKind::Criminal, true) => "Criminal material",
            (ActionKind::OffensivePerson, false) => "Kränkande personuppgifter",
            (ActionKind::OffensivePerson, true) => "Offensive personal data",
            (ActionKind::OffTopic, false) => "Ovidkommande, politiskt eller personangrepp",
            (ActionKind::OffTopic, true) => "Off-topic, political or personal attack",
            (ActionKind::Case, false) => "Ärende",
            (ActionKind::Case, true) => "A case",
        }
    }

    /// The checklist, in order.
    pub fn steps(self) -> &'static [Step] {
        use Step::*;
        match self {
            ActionKind::Secret => &[Evidence, Hide, Classify, RegistrarNote],
            ActionKind::Criminal => &[Evidence, PoliceReport, Hide],
            ActionKind::OffensivePerson => &[Evidence, Hide, PersonNote],
            ActionKind::OffTopic => &[Evidence, Hide, Reply],
            ActionKind::Case => &[Evidence, Register, Forward],
        }
    }

    /// The action screening suggests for a finding's category.
    pub fn for_category(category: &str) -> Option<ActionKind> {
        Some(match category {
            "secret" | "sensitive" | "personnummer" => ActionKind::Secret,
            "threat" | "hate" | "unlawful_link" => ActionKind::Criminal,
            "offensive_person" => ActionKind::OffensivePerson,
            "complaint" | "case_reference" | "case_request" => ActionKind::Case,
            _ => return None,
        })
    }
}

/// One step of a checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Store the evidence copy (PDF + PNG, SHA-256).
    Evidence,
    /// Hide or remove the item on the platform (after the evidence).
    Hide,
    /// Mark the record under secrecy review or secret: it never reaches the portal.
    Classify,
    /// A note to the registrar.
    RegistrarNote,
    /// The police-report document (PDF) holding the evidence and its hashes.
    PoliceReport,
    /// A note on why, about the person concerned, without copying their data.
    PersonNote,
    /// An optional answer from the response map.
    Reply,
    /// Register the case in the diary.
    Register,
    /// Forward the case by e-mail to the unit.
    Forward,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Evidence => "evidence",
            Step::Hide => "hide",
            Step::Classify => "classify",
            Step::RegistrarNote => "registrar_note",
            Step::PoliceReport => "police_report",
            Step::PersonNote => "person_note",
            Step::Reply => "reply",
            Step::Register => "register",
            Step::Forward => "forward",
        }
    }

    pub fn parse(s: &str) -> Result<Step> {
        [
            Step::Evidence,
            Step::Hide,
            Step::Classify,
            Step::RegistrarNote,
            Step::PoliceReport,
            Step::PersonNote,
            Step::Reply,
            Step::Register,
            Step::Forward,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| AppError::invalid("step", format!("no step named '{s}'")))
    }

    pub fn label(self, english: bool) -> &'static str {
        match (self, english) {
            (Step::Evidence, false) => "Spara bevisexemplar (PDF och PNG med kontrollsummor)",
            (Step::Evidence, true) => "Store the evidence copy (PDF and PNG with checksums)",
            (Step::Hide, false) => "Dölj eller ta bort på plattformen",
            (Step::Hide, true) => "Hide or remove on the platform",
            (Step::Classify, false) => "Markera handlingen för sekretessprövning",
            (Step::Classify, true) => "Mark the record for secrecy review",
            (Step::RegistrarNote, false) => "Meddela registrator",
            (Step::RegistrarNote, true) => "Tell the registrar",
            (Step::PoliceReport, false) => "Skapa underlag för polisanmälan (PDF)",
            (Step::PoliceReport, true) => "Make the police-report document (PDF)",
            (Step::PersonNote, false) => "Anteckna varför (utan att kopiera personuppgifterna)",
            (Step::PersonNote, true) => "Record why (without copying the personal data)",
            (Step::Reply, false) => "Svara med hänvisning till reglerna (valfritt)",
            (Step::Reply, true) => "Answer with a pointer to the rules (optional)",
            (Step::Register, false) => "Diarieför ärendet",
            (Step::Register, true) => "Register the case",
            (Step::Forward, false) => "Vidarebefordra med e-post till enheten",
            (Step::Forward, true) => "Forward by e-mail to the unit",
        }
    }

    pub fn optional(self) -> bool {
        matches!(self, Step::Reply)
    }

    /// Steps that need the evidence copy first.
    fn needs_evidence(self) -> bool {
        !matches!(self, Step::Evidence | Step::Classify)
    }
}

/// What staff give a step.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// A note, a description, an answer's text.
    pub text: String,
    /// For [`Step::Hide`]: hide (default) or remove.
    pub remove: bool,
    /// For [`Step::Classify`]: secret instead of under review.
    pub secret: bool,
}

/// A step as the checklist shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub step: Step,
    pub done: Option<StepDone>,
    /// Why the step cannot be done now (or at all), if so.
    pub blocked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepDone {
    pub at: DateTime<Utc>,
    pub by: String,
    pub summary: String,
}

/// A guided action on one record, as far as it has come.
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub kind: ActionKind,
    pub record: Record,
    pub steps: Vec<StepView>,
    pub evidence: Vec<EvidenceCopy>,
    /// Removed on the platform (by the author, by staff or seen deleted).
    pub removed: bool,
    pub hidden: bool,
    /// What the platform's API allows, in the user's language.
    pub platform_note: String,
    /// Why automatic hiding could not hide the item, if it tried.
    pub flags: Vec<String>,
}

/// The outcome of a step, for the page's notice.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    pub summary: String,
}

/// Registering and forwarding a case: implemented by the diary and the mail outbox, wired up
/// where the application is assembled ([`App::with_case_desk`]).
#[async_trait]
pub trait CaseDesk: Send + Sync {
    /// Registers the record in the diary; returns the diary number (e.g. "KS 2026/0042").
    async fn register(
        &self,
        app: &App,
        user: &StaffUser,
        record: &Record,
        note: &str,
    ) -> Result<String>;
    /// Queues an e-mail to `to` about the record with its evidence copy; returns a short
    /// description of what was queued.
    async fn forward(
        &self,
        app: &App,
        user: &StaffUser,
        record: &Record,
        to: &str,
        evidence: &EvidenceCopy,
        note: &str,
    ) -> Result<String>;
    /// The secret-information action's last step [S: Sekretess]: registers the record as the
    /// first document of a new case (the record stays off the portal: the action has marked it
    /// for secrecy review) and tells the registrar without any of the secret text: only the
    /// diary number, a link to the staff record page and who did what. Returns a summary, or
    /// `None` when this desk leaves the step to the note alone (the default).
    async fn register_secret(
        &self,
        _app: &App,
        _user: &StaffUser,
        _record: &Record,
    ) -> Result<Option<String>> {
        Ok(None)
    }
}

/// What the app did after screening with automatic hiding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoHideReport {
    pub hidden: Vec<RecordId>,
    pub flagged: Vec<RecordId>,
}

fn moderation_state(events: &[RecordEvent]) -> (bool, bool) {
    let mut hidden = false;
    let mut removed = false;
    for e in events {
        match e.kind {
            RecordEventKind::HiddenOnPlatform => {
                hidden = e.detail["action"].as_str() != Some("unhide");
            }
            RecordEventKind::RemovedFromPlatform => removed = true,
            _ => {}
        }
    }
    (hidden, removed)
}

/// Personal data categories a note on the person must not copy.
const PERSONAL_DATA: [&str; 5] = ["personnummer", "phone", "email", "address", "payment"];

impl App {
    /// Sets who registers and forwards cases (the diary and the mail outbox).
    pub fn with_case_desk(mut self, desk: Arc<dyn CaseDesk>) -> App {
        self.case_desk = Some(desk);
        self
    }

    /// The record and a check that the user may act on it (answer and moderate its account).
    async fn record_to_act_on(&self, user: &StaffUser, id: RecordId) -> Result<Record> {
        let record = self.record_for_staff(user, id).await?;
        if !rules::can_answer(user, user.org_id, record.account_id) {
            return Err(AppError::Forbidden(
                "you may not moderate items on this account".into(),
            ));
        }
        if record.direction != Direction::Received {
            return Err(AppError::invalid(
                "record",
                "guided actions are for received items",
            ));
        }
        Ok(record)
    }

    /// A guided action on a record as far as it has come.
    pub async fn action_view(
        &self,
        user: &StaffUser,
        id: RecordId,
        kind: ActionKind,
        english: bool,
    ) -> Result<ActionView> {
        let record = self.record_to_act_on(user, id).await?;
        let org = user.org_id;
        let events = self.store.record_events(org, id).await?;
        let evidence = crate::evidence::evidence_copies(&events);
        let (hidden, mut removed) = moderation_state(&events);
        removed |= record.deleted_seen_at.is_some();
        let account = self.store.get_account(org, record.account_id).await?;
        let s = support(account.platform);
        let has_evidence = evidence.iter().any(|e| e.version == record.version);
        let steps = kind
            .steps()
            .iter()
            .map(|&step| {
                let done = events.iter().rev().find_map(|e| {
                    (e.kind == RecordEventKind::ActionStep
                        && e.detail["action"].as_str() == Some(kind.as_str())
                        && e.detail["step"].as_str() == Some(step.as_str()))
                    .then(|| StepDone {
                        at: e.at,
                        by: e.actor.clone(),
                        summary: e.detail["summary"].as_str().unwrap_or_default().to_string(),
                    })
                });
                let blocked = if done.is_some() {
                    None
                } else if step.needs_evidence() && !has_evidence {
                    Some(
                        if english {
                            "store the evidence copy first"
                        } else {
                            "spara bevisexemplaret först"
                        }
                        .to_string(),
                    )
                } else if step == Step::Hide && removed {
                    Some(
                        if english {
                            "the item is already removed from the platform; the record is kept"
                        } else {
                            "inlägget är redan borttaget från plattformen; handlingen finns kvar"
                        }
                        .to_string(),
                    )
                } else if step == Step::Hide && !s.hide && !s.remove {
                    Some(if english { s.note_en } else { s.note_sv }.to_string())
                } else if matches!(step, Step::Register | Step::Forward) && self.case_desk.is_none()
                {
                    Some(
                        if english {
                            "the diary and e-mail are not connected in this installation"
                        } else {
                            "diariet och e-posten är inte anslutna i den här installationen"
                        }
                        .to_string(),
                    )
                } else {
                    None
                };
                StepView {
                    step,
                    done,
                    blocked,
                }
            })
            .collect();
        let flags = events
            .iter()
            .filter(|e| e.kind == RecordEventKind::FlaggedForStaff)
            .map(|e| e.detail["reason"].as_str().unwrap_or_default().to_string())
            .collect();
        Ok(ActionView {
            kind,
            record,
            steps,
            evidence,
            removed,
            hidden,
            platform_note: if english { s.note_en } else { s.note_sv }.to_string(),
            flags,
        })
    }

    async fn step_done(
        &self,
        user: &StaffUser,
        id: RecordId,
        kind: ActionKind,
        step: Step,
        summary: &str,
        extra: serde_json::Value,
    ) -> Result<StepOutcome> {
        let mut detail = serde_json::json!({
            "action": kind.as_str(),
            "step": step.as_str(),
            "summary": summary,
        });
        if let (serde_json::Value::Object(d), serde_json::Value::Object(x)) = (&mut detail, extra) {
            d.extend(x);
        }
        self.store
            .append_record_event(
                user.org_id,
                id,
                RecordEventKind::ActionStep,
                &detail,
                AuditAction::ActionStepDone,
                None,
                &user.actor(),
            )
            .await?;
        Ok(StepOutcome {
            summary: summary.to_string(),
        })
    }

    /// Does one step of a guided action. A step that is blocked (no evidence yet, the item
    /// already removed, the platform cannot) is a [`AppError::Conflict`] with the reason.
    pub async fn run_action_step(
        &self,
        user: &StaffUser,
        id: RecordId,
        kind: ActionKind,
        step: Step,
        input: &StepInput,
    ) -> Result<StepOutcome> {
        if !kind.steps().contains(&step) {
            return Err(AppError::invalid(
                "step",
                format!("'{}' is not a step of this action", step.as_str()),
            ));
        }
        let view = self.action_view(user, id, kind, true).await?;
        let org = user.org_id;
        let record = view.record.clone();
        if let Some(reason) = view
            .steps
            .iter()
            .find(|s| s.step == step)
            .and_then(|s| s.blocked.clone())
        {
            return Err(AppError::Conflict(reason));
        }
        let note = input.text.trim();
        if note.len() > 10_000 {
            return Err(AppError::invalid("text", "at most 10,000 bytes"));
        }
        match step {
            Step::Evidence => {
                let copy = self
                    .store_evidence(
                        org,
                        id,
                        &user.actor(),
                        &format!("{}: {}", kind.title(false), note),
                    )
                    .await?;
                let summary = format!(
                    "PDF SHA-256 {} ({} byte), PNG SHA-256 {} ({} byte)",
                    copy.pdf_sha256, copy.pdf_bytes, copy.png_sha256, copy.png_bytes
                );
                self.step_done(
                    user,
                    id,
                    kind,
                    step,
                    &summary,
                    serde_json::json!({"pdf_sha256": copy.pdf_sha256, "png_sha256": copy.png_sha256}),
                )
                .await
            }
            Step::Hide => {
                let action = if input.remove {
                    ModerationAction::Remove
                } else {
                    ModerationAction::Hide
                };
                self.moderate_record(org, id, action, &user.actor(), kind.as_str())
                    .await?;
                let summary = match action {
                    ModerationAction::Remove => "borttagen från plattformen",
                    _ => "dold på plattformen",
                };
                self.step_done(user, id, kind, step, summary, serde_json::json!({}))
                    .await
            }
            Step::Classify => {
                let to = if input.secret {
                    if !rules::can_read_record(user, org, record.account_id, Classification::Secret)
                    {
                        return Err(AppError::Forbidden(
                            "only the communicator, registrar, archivist or data protection officer may mark a record secret; mark it for secrecy review".into(),
                        ));
                    }
                    Classification::Secret
                } else {
                    Classification::UnderReview
                };
                self.classify(
                    org,
                    id,
                    to,
                    &format!("guided action {}: {note}", kind.as_str()),
                    &user.actor(),
                )
                .await?;
                self.step_done(user, id, kind, step, to.swedish(), serde_json::json!({}))
                    .await
            }
            Step::RegistrarNote | Step::PersonNote => {
                if note.is_empty() {
                    return Err(AppError::invalid("text", "write the note"));
                }
                if step == Step::PersonNote {
                    let copied: Vec<String> = crate::screening::screen_text(note, false)
                        .into_iter()
                        .map(|f| f.category.as_str().to_string())
                        .filter(|c| PERSONAL_DATA.contains(&c.as_str()))
                        .collect();
                    if !copied.is_empty() {
                        return Err(AppError::invalid(
                            "text",
                            format!(
                                "the note copies personal data ({}); describe why without it — the record itself is kept",
                                copied.join(", ")
                            ),
                        ));
                    }
                }
                // the secret action's registrar step registers and tells the registrar where
                // the installation has a case desk that does so
                let desk = self
                    .case_desk
                    .clone()
                    .filter(|_| step == Step::RegistrarNote);
                let registered = match desk {
                    Some(desk) => desk.register_secret(self, user, &record).await?,
                    None => None,
                };
                let summary = match &registered {
                    Some(r) => format!("{note} — {r}"),
                    None => note.to_string(),
                };
                self.step_done(
                    user,
                    id,
                    kind,
                    step,
                    &summary,
                    serde_json::json!({"note": note, "registered": registered}),
                )
                .await
            }
            Step::PoliceReport => {
                let sha = self.store_police_report(user, &record, note).await?;
                self.step_done(
                    user,
                    id,
                    kind,
                    step,
                    &format!("underlag för polisanmälan, SHA-256 {sha}"),
                    serde_json::json!({"report_sha256": sha}),
                )
                .await
            }
            Step::Reply => {
                if note.is_empty() {
                    return Err(AppError::invalid(
                        "text",
                        "write the answer or skip this step",
                    ));
                }
                match self.answer(user, id, note, true).await? {
                    crate::AnswerOutcome::Stored {
                        answer, published, ..
                    } => {
                        let summary = format!(
                            "svar {} ({})",
                            answer.id,
                            if published.is_some() {
                                "publicerat"
                            } else {
                                "publiceras för hand"
                            }
                        );
                        self.step_done(
                            user,
                            id,
                            kind,
                            step,
                            &summary,
                            serde_json::json!({"answer": answer.id.0}),
                        )
                        .await
                    }
                    crate::AnswerOutcome::NeedsConfirmation { .. } => Err(AppError::Internal(
                        "a confirmed answer asked for confirmation".into(),
                    )),
                }
            }
            Step::Register | Step::Forward => {
                let desk = self.case_desk.clone().ok_or_else(|| {
                    AppError::Conflict("the diary and e-mail are not connected".into())
                })?;
                let summary = if step == Step::Register {
                    desk.register(self, user, &record, note).await?
                } else {
                    let account = self.store.get_account(org, record.account_id).await?;
                    let to = self
                        .store
                        .list_units(org)
                        .await?
                        .into_iter()
                        .find(|u| u.id == account.unit_id)
                        .and_then(|u| u.email)
                        .filter(|e| !e.trim().is_empty())
                        .ok_or_else(|| {
                            AppError::Conflict(
                                "the account's unit has no e-mail address to forward cases to; add one to the unit".into(),
                            )
                        })?;
                    let evidence = view
                        .evidence
                        .iter()
                        .rev()
                        .find(|e| e.version == record.version)
                        .cloned()
                        .ok_or_else(|| {
                            AppError::Conflict("store the evidence copy first".into())
                        })?;
                    desk.forward(self, user, &record, &to, &evidence, note)
                        .await?
                };
                self.step_done(user, id, kind, step, &summary, serde_json::json!({}))
                    .await
            }
        }
    }

    /// Makes the police-report document (PDF/A) with the evidence and its hashes, stores it as a
    /// blob and returns its SHA-256.
    async fn store_police_report(
        &self,
        user: &StaffUser,
        record: &Record,
        description: &str,
    ) -> Result<String> {
        let org = user.org_id;
        let evidence = self
            .evidence_for_current_version(org, record)
            .await?
            .ok_or_else(|| AppError::Conflict("store the evidence copy first".into()))?;
        let account = self.store.get_account(org, record.account_id).await?;
        let organisation = self
            .store
            .list_organisations()
            .await?
            .into_iter()
            .find(|o| o.id == org)
            .map(|o| o.name)
            .unwrap_or_default();
        let now = Utc::now();
        let report = insyn_pdf::PoliceReport {
            lang: insyn_pdf::Lang::Sv,
            title: format!("Underlag för polisanmälan – handling {}", record.id),
            facts: vec![
                ("Organisation".into(), organisation),
                ("Upprättat av".into(), user.signature()),
                (
                    "Konto".into(),
                    format!("{} ({})", account.handle, account.platform.display_name()),
                ),
                ("Kontots adress".into(), account.url.clone()),
                (
                    "Inläggets id på plattformen".into(),
                    record.platform_item_id.clone(),
                ),
                (
                    "Författare".into(),
                    format!("{} ({})", record.author_name, record.author_platform_id),
                ),
                (
                    "Publicerat enligt plattformen".into(),
                    record
                        .platform_time
                        .map(insyn_pdf::local_time)
                        .unwrap_or_else(|| "–".into()),
                ),
                (
                    "Tillgängligt för myndigheten".into(),
                    insyn_pdf::local_time(record.available_at),
                ),
                (
                    "Bevisexemplar gjort".into(),
                    format!(
                        "{} av {}",
                        insyn_pdf::local_time(evidence.made_at),
                        evidence.made_by
                    ),
                ),
            ],
            description: description.to_string(),
            evidence: vec![
                (
                    evidence.file_name(false),
                    format!(
                        "SHA-256 {} ({} byte)",
                        evidence.pdf_sha256, evidence.pdf_bytes
                    ),
                ),
                (
                    evidence.file_name(true),
                    format!(
                        "SHA-256 {} ({} byte)",
                        evidence.png_sha256, evidence.png_bytes
                    ),
                ),
                (
                    format!("handling {} version {}", record.id, record.version),
                    format!(
                        "SHA-256 av texten {}",
                        Sha256Digest::of(record.text.as_bytes()).to_hex()
                    ),
                ),
            ],
            quoted: vec![insyn_pdf::TextBlock {
                heading: "Inläggets text".into(),
                text: record.text.clone(),
            }],
            created: now,
        };
        let pdf = tokio::task::spawn_blocking(move || insyn_pdf::police_report(&report))
            .await
            .map_err(|e| AppError::Internal(format!("rendering stopped: {e}")))?
            .map_err(|e| AppError::Internal(format!("the police report could not be made: {e}")))?;
        let size = pdf.len() as i64;
        let sha = self.blobs.put(pdf.into()).await?;
        self.store
            .register_blobs(&[insyn_store::BlobMeta {
                sha256: sha,
                size,
                media_type: "application/pdf".into(),
            }])
            .await?;
        Ok(sha.to_hex())
    }

    /// The police-report file of a record, for staff who may read it (only a file named by
    /// the record's own `police_report` step is served).
    pub async fn police_report_file(
        &self,
        user: &StaffUser,
        id: RecordId,
        sha256: &str,
    ) -> Result<bytes::Bytes> {
        let record = self.record_for_staff(user, id).await?;
        let events = self.store.record_events(user.org_id, record.id).await?;
        let ok = events.iter().any(|e| {
            e.kind == RecordEventKind::ActionStep
                && e.detail["report_sha256"].as_str() == Some(sha256)
        });
        if !ok {
            return Err(AppError::NotFound(
                "no such police report of this record".into(),
            ));
        }
        let digest = sha256
            .parse::<Sha256Digest>()
            .map_err(|_| AppError::NotFound("no such file".into()))?;
        Ok(self.blobs.get(&digest).await?)
    }

    /// Hides, shows or removes a record's item on the platform through its API — only after an
    /// evidence copy of its current version is stored (R5.3). The platform's answer is kept as
    /// a blob and named in the `hidden_on_platform` / `removed_from_platform` event. A platform
    /// that answers "not found" is evidence of a deletion: it is recorded and the action is a
    /// [`AppError::Conflict`] saying the item is already removed.
    pub async fn moderate_record(
        &self,
        org: OrgId,
        id: RecordId,
        action: ModerationAction,
        actor: &str,
        why: &str,
    ) -> Result<()> {
        let record = self.store.get_record(org, id).await?;
        if record.deleted_seen_at.is_some() {
            return Err(AppError::Conflict(
                "the item is already removed from the platform; the record is kept".into(),
            ));
        }
        let Some(evidence) = self.evidence_for_current_version(org, &record).await? else {
            return Err(AppError::Conflict(
                "store the evidence copy of the item's current version before hiding or removing it".into(),
            ));
        };
        let account = self.store.get_account(org, record.account_id).await?;
        let conn = self.store.connection(org, account.id).await?.ok_or_else(|| {
            AppError::Conflict(
                "the account is not connected; hide or remove the item by hand on the platform, or connect the account".into(),
            )
        })?;
        let token = self
            .token_sealer()?
            .open(org, account.id, &conn.sealed_token)?;
        let moderator = Moderator::new(account.platform, &conn.base_url, &token)?;
        let answer = match moderator.moderate(&record.platform_item_id, action).await {
            Ok(raw) => raw,
            Err(e) => {
                if let Some(raw) = e.raw()
                    && is_not_found(raw)
                {
                    let digest = self.blobs.put(raw.body.clone()).await?;
                    self.store
                        .record_deletion_seen(
                            org,
                            id,
                            Utc::now(),
                            &format!("{} answered not found (blob {})", raw.url, digest.to_hex()),
                            actor,
                        )
                        .await?;
                    self.sync_search().await?;
                    return Err(AppError::Conflict(
                        "the platform says the item no longer exists: it is already removed; the record is kept".into(),
                    ));
                }
                return Err(e.into());
            }
        };
        let answer_sha = self.blobs.put(answer.body.clone()).await?;
        self.store
            .register_blobs(&[insyn_store::BlobMeta {
                sha256: answer_sha,
                size: answer.body.len() as i64,
                media_type: answer.media_type.clone(),
            }])
            .await?;
        let (kind, label) = match action {
            ModerationAction::Remove => (RecordEventKind::RemovedFromPlatform, "borttagen"),
            ModerationAction::Hide => (RecordEventKind::HiddenOnPlatform, "dold på plattformen"),
            ModerationAction::Unhide => (
                RecordEventKind::HiddenOnPlatform,
                "visas igen på plattformen",
            ),
        };
        let detail = serde_json::json!({
            "action": action.as_str(),
            "label": label,
            "why": why,
            "platform": account.platform.as_str(),
            "platform_item_id": record.platform_item_id,
            "request": answer.url,
            "status": answer.status,
            "answer_sha256": answer_sha.to_hex(),
            "evidence_pdf_sha256": evidence.pdf_sha256,
            "evidence_png_sha256": evidence.png_sha256,
        });
        self.store
            .append_record_event(
                org,
                id,
                kind,
                &detail,
                AuditAction::RecordModerated,
                Some(answer_sha),
                actor,
            )
            .await?;
        Ok(())
    }

    /// Automatic hiding after screening (issue 4 item 4): for each received record with a
    /// finding in a category its account opted in to, the evidence copy first, then the hide
    /// through the connector, then the events. When that fails (no connection, a platform that
    /// cannot hide, a refused call) the record is flagged for staff with the reason; nothing is
    /// lost and screening goes on. Everything else only suggests.
    pub async fn auto_hide_findings(&self, findings: &[Finding]) -> Result<AutoHideReport> {
        let mut report = AutoHideReport::default();
        if findings.is_empty() {
            return Ok(report);
        }
        let settings = self.store.auto_hide_all().await?;
        if settings.is_empty() {
            return Ok(report);
        }
        let mut ids: Vec<RecordId> = findings
            .iter()
            .filter(|f| settings.iter().any(|(_, _, c)| *c == f.category))
            .map(|f| f.record_id)
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(report);
        }
        for (rid, org, account) in self.store.record_owners(&ids).await? {
            let mut cats: Vec<&str> = findings
                .iter()
                .filter(|f| f.record_id == rid)
                .map(|f| f.category.as_str())
                .filter(|c| {
                    settings
                        .iter()
                        .any(|(o, a, s)| *o == org && *a == account && s == c)
                })
                .collect();
            cats.sort();
            cats.dedup();
            if cats.is_empty() {
                continue;
            }
            let record = self.store.get_record(org, rid).await?;
            let events = self.store.record_events(org, rid).await?;
            let (hidden, removed) = moderation_state(&events);
            if record.direction != Direction::Received
                || hidden
                || removed
                || record.deleted_seen_at.is_some()
            {
                continue;
            }
            let why = format!("automatisk döljning: {}", cats.join(", "));
            let result = async {
                self.store_evidence(org, rid, AUTO_ACTOR, &why).await?;
                self.moderate_record(org, rid, ModerationAction::Hide, AUTO_ACTOR, &why)
                    .await
            }
            .await;
            match result {
                Ok(()) => report.hidden.push(rid),
                Err(e) => {
                    tracing::warn!(record = rid.0, error = %e, "automatic hiding failed; flagged for staff");
                    self.store
                        .append_record_event(
                            org,
                            rid,
                            RecordEventKind::FlaggedForStaff,
                            &serde_json::json!({
                                "reason": format!("automatisk döljning misslyckades: {e}"),
                                "categories": cats,
                            }),
                            AuditAction::RecordFlagged,
                            None,
                            AUTO_ACTOR,
                        )
                        .await?;
                    report.flagged.push(rid);
                }
            }
        }
        Ok(report)
    }

    /// The account's automatic-hiding categories.
    pub async fn auto_hide_settings(&self, org: OrgId, account: AccountId) -> Result<Vec<String>> {
        Ok(self.store.auto_hide(org, account).await?)
    }

    /// Sets the account's automatic-hiding categories (empty: off). Only the communicator or an
    /// editor who may answer on the account; only categories of the screening engine.
    pub async fn set_auto_hide(
        &self,
        user: &StaffUser,
        account: AccountId,
        categories: &[String],
    ) -> Result<Vec<String>> {
        // another organisation's account is not found (its existence is not told)
        self.store.get_account(user.org_id, account).await?;
        if !rules::can_answer(user, user.org_id, account) {
            return Err(AppError::Forbidden(
                "you may not change automatic hiding on this account".into(),
            ));
        }
        self.set_auto_hide_as(user.org_id, account, categories, &user.actor())
            .await
    }

    /// [`App::set_auto_hide`] for the CLI (the operator is trusted).
    pub async fn set_auto_hide_as(
        &self,
        org: OrgId,
        account: AccountId,
        categories: &[String],
        actor: &str,
    ) -> Result<Vec<String>> {
        for c in categories {
            if !AUTO_HIDE_CATEGORIES.contains(&c.as_str()) {
                return Err(AppError::invalid(
                    "category",
                    format!(
                        "'{c}' cannot be hidden automatically; use one of {}",
                        AUTO_HIDE_CATEGORIES.join(", ")
                    ),
                ));
            }
        }
        Ok(self
            .store
            .set_auto_hide(org, account, categories, actor)
            .await?)
    }
}

/// The actor of automatic hiding in events and the audit log.
pub const AUTO_ACTOR: &str = "auto-hide";

/// The screening categories an account may opt in to hide automatically: what is unlawful or
/// harmful to leave up. Case signals, complaints and economic advice never are.
pub const AUTO_HIDE_CATEGORIES: [&str; 9] = [
    "threat",
    "hate",
    "offensive_person",
    "personnummer",
    "sensitive",
    "secret",
    "unlawful_link",
    "payment",
    "phone",
];

/// A platform's "no such item" answer: HTTP 404, or Graph's code 100 subcode 33.
fn is_not_found(raw: &insyn_capture::RawResponse) -> bool {
    if raw.status == 404 {
        return true;
    }
    serde_json::from_slice::<serde_json::Value>(&raw.body)
        .ok()
        .is_some_and(|v| v["error"]["code"] == 100 && v["error"]["error_subcode"] == 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_starts_with_the_evidence() {
        for k in ActionKind::ALL {
            assert_eq!(k.steps()[0], Step::Evidence, "{k:?}");
            assert_eq!(ActionKind::parse(k.as_str()).unwrap(), k);
            // the hide step always comes after the evidence
            if let Some(h) = k.steps().iter().position(|s| *s == Step::Hide) {
                assert!(h > 0);
            }
            for s in k.steps() {
                assert_eq!(Step::parse(s.as_str()).unwrap(), *s);
                assert!(!s.label(false).is_empty() && !s.label(true).is_empty());
            }
        }
        assert!(ActionKind::parse("nope").is_err());
        assert_eq!(
            ActionKind::for_category("threat"),
            Some(ActionKind::Criminal)
        );
        assert_eq!(ActionKind::for_category("phone"), None);
    }

    #[test]
    fn moderation_state_follows_the_events() {
        let ev = |kind, action: &str| RecordEvent {
            record_id: RecordId(1),
            kind,
            at: Utc::now(),
            actor: "t".into(),
            detail: serde_json::json!({"action": action}),
        };
        assert_eq!(moderation_state(&[]), (false, false));
        let hide = ev(RecordEventKind::HiddenOnPlatform, "hide");
        let unhide = ev(RecordEventKind::HiddenOnPlatform, "unhide");
        assert_eq!(moderation_state(std::slice::from_ref(&hide)), (true, false));
        assert_eq!(moderation_state(&[hide, unhide]), (false, false));
        assert_eq!(
            moderation_state(&[ev(RecordEventKind::RemovedFromPlatform, "remove")]),
            (false, true)
        );
    }

    #[test]
    fn graph_and_http_not_found_answers() {
        let raw = |status, body: &str| insyn_capture::RawResponse {
            url: "u".into(),
            status,
            media_type: "application/json".into(),
            fetched_at: Utc::now(),
            body: body.as_bytes().to_vec().into(),
        };
        assert!(is_not_found(&raw(404, "")));
        assert!(is_not_found(&raw(
            400,
            r#"{"error":{"code":100,"error_subcode":33}}"#
        )));
        assert!(!is_not_found(&raw(400, r#"{"error":{"code":190}}"#)));
        assert!(!is_not_found(&raw(500, "not json")));
    }
}

//! The case action's "register" and "forward" steps (R5.3, R6) carried out by this installation's
//! own diary and e-mail outbox. `insyn serve` sets it with [`App::with_case_desk`]; an
//! installation that registers in an external case system can set its own [`CaseDesk`].
use crate::actions::CaseDesk;
use crate::evidence::EvidenceCopy;
use crate::{App, AppError, Result};
use async_trait::async_trait;
use insyn_domain::*;

/// Registers in the diary and forwards through the e-mail outbox.
#[derive(Debug, Clone, Default)]
pub struct DiaryCaseDesk {
    /// The staff web's address (`web.public_url`), for links in the mail; without it the
    /// links are paths (`/personal/poster/7`).
    staff_url: Option<String>,
}

impl DiaryCaseDesk {
    pub fn new(staff_url: Option<String>) -> DiaryCaseDesk {
        DiaryCaseDesk {
            staff_url: staff_url.map(|u| u.trim_end_matches('/').to_string()),
        }
    }

    fn record_link(&self, record: &Record) -> String {
        format!(
            "{}/personal/poster/{}",
            self.staff_url.as_deref().unwrap_or(""),
            record.id
        )
    }
}

/// Where the registrar is told: the organisation's registrar address, else the account's unit's.
async fn registrar_address(app: &App, record: &Record) -> Result<String> {
    if let Some(e) = app.store.registrar_email(record.org_id).await? {
        return Ok(e);
    }
    let account = app
        .store
        .get_account(record.org_id, record.account_id)
        .await?;
    app.store
        .list_units(record.org_id)
        .await?
        .into_iter()
        .find(|u| u.id == account.unit_id)
        .and_then(|u| u.email)
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            AppError::Conflict(
                "no registrar address: set the organisation's registrar address (Diarieserier) or the unit's e-mail address / ingen adress till registrator".into(),
            )
        })
}

#[async_trait]
impl CaseDesk for DiaryCaseDesk {
    async fn register(
        &self,
        app: &App,
        user: &StaffUser,
        record: &Record,
        note: &str,
    ) -> Result<String> {
        let account = app
            .store
            .get_account(record.org_id, record.account_id)
            .await?;
        let note = note.trim();
        let title = if note.is_empty() {
            format!(
                "Ärende från sociala medier ({} {})",
                account.platform.as_str(),
                account.handle
            )
        } else {
            note.chars().take(200).collect()
        };
        let registration = NewRegistration {
            record_id: record.id,
            target: RegistrationTarget::NewCase(NewCase {
                register: None,
                title,
                unit_id: Some(account.unit_id),
                manual_number: None,
            }),
            description: format!(
                "{} på {} ({})",
                match record.kind {
                    ItemKind::Message => "Meddelande",
                    ItemKind::Post => "Inlägg",
                    _ => "Kommentar",
                },
                account.platform.as_str(),
                account.handle
            ),
            counterpart: None,
        };
        let (case, document) = app
            .register_record(record.org_id, &registration, &user.actor())
            .await?;
        Ok(format!("{} ({})", document.number, case.title))
    }

    async fn forward(
        &self,
        app: &App,
        user: &StaffUser,
        record: &Record,
        to: &str,
        evidence: &EvidenceCopy,
        note: &str,
    ) -> Result<String> {
        let digest = evidence
            .pdf_sha256
            .parse::<Sha256Digest>()
            .map_err(|e| AppError::Internal(format!("evidence copy digest: {e}")))?;
        let pdf = app.blobs.get(&digest).await?;
        let number = app
            .store
            .record_registrations(record.org_id, &[record.id])
            .await?
            .into_iter()
            .next()
            .map(|d| d.number);
        let mut body = format!(
            "Ett ärende har kommit in via sociala medier och vidarebefordras till er för handläggning.\n\n\
             Handling: {}\nTillgänglig för myndigheten: {}\n",
            record.id,
            record.available_at.format("%Y-%m-%d %H:%M UTC"),
        );
        if let Some(n) = &number {
            body.push_str(&format!("Diarienummer: {n}\n"));
        }
        if !note.trim().is_empty() {
            body.push_str(&format!("\nAnteckning: {}\n", note.trim()));
        }
        body.push_str(&format!(
            "\nBevisexemplaret (PDF/A, SHA-256 {}) är bifogat. Vidarebefordrat av {}.\n",
            evidence.pdf_sha256, user.name
        ));
        let mail = NewMail {
            to: to.to_string(),
            subject: match &number {
                Some(n) => format!("Ärende från sociala medier, {n}"),
                None => format!("Ärende från sociala medier, handling {}", record.id),
            },
            body,
            purpose: MailPurpose::Forward,
            subject_ref: Some(format!("record:{}", record.id)),
            attachments: vec![MailAttachment {
                filename: format!("bevis-handling-{}.pdf", record.id),
                content_type: "application/pdf".into(),
                content: pdf.to_vec(),
            }],
        };
        let queued = app.queue_mail(record.org_id, &mail, &user.actor()).await?;
        Ok(format!("e-post köad till {to} (meddelande {})", queued.id))
    }

    async fn register_secret(
        &self,
        app: &App,
        user: &StaffUser,
        record: &Record,
    ) -> Result<Option<String>> {
        let org = record.org_id;
        // the address first, so a missing one registers nothing
        let to = registrar_address(app, record).await?;
        let account = app.store.get_account(org, record.account_id).await?;
        // done again after a failed notice: the record keeps its first registration
        let number = match app.diary_number(org, record.id).await? {
            Some(n) => n,
            None => {
                let registration = NewRegistration {
                    record_id: record.id,
                    // no text of the item in the title or description: they are not secret-checked
                    target: RegistrationTarget::NewCase(NewCase {
                        register: None,
                        title: format!(
                            "Sekretessprövning av handling från sociala medier ({} {})",
                            account.platform.as_str(),
                            account.handle
                        ),
                        unit_id: Some(account.unit_id),
                        manual_number: None,
                    }),
                    description: format!(
                        "Inkommen handling {} som kan innehålla sekretessbelagda uppgifter; hålls från portalen",
                        record.id
                    ),
                    counterpart: None,
                };
                app.register_record(org, &registration, &user.actor())
                    .await?
                    .1
                    .number
            }
        };
        // kept off the portal whatever else the action has done
        if matches!(
            record.classification,
            Classification::Unassessed | Classification::Released
        ) {
            app.classify(
                org,
                record.id,
                Classification::UnderReview,
                &format!("registered for secrecy review as {number}"),
                &user.actor(),
            )
            .await?;
        }
        let body = format!(
            "Hej!\n\n\
             En handling som kan innehålla sekretessbelagda uppgifter har kommit in via sociala medier \
             och har diarieförts som {number}. Den ska sekretessprövas och visas inte i portalen.\n\n\
             Handling: {link}\n\
             Konto: {platform} {handle}\n\
             Diariefört av: {who} (åtgärden Sekretessbelagd information)\n\n\
             Uppgifterna står inte i det här meddelandet: läs handlingen i Insyn.\n",
            link = self.record_link(record),
            platform = account.platform.display_name(),
            handle = account.handle,
            who = user.signature(),
        );
        let mail = NewMail {
            to: to.clone(),
            subject: format!("Diarieförd handling för sekretessprövning, {number}"),
            body,
            purpose: MailPurpose::Forward,
            subject_ref: Some(format!("record:{}", record.id)),
            attachments: vec![],
        };
        let queued = app.queue_mail(org, &mail, &user.actor()).await?;
        Ok(Some(format!(
            "diarieförd som {number}; registrator meddelad på {to} (meddelande {})",
            queued.id
        )))
    }
}

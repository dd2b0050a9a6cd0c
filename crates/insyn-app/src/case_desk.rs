//! The case action's "register" and "forward" steps (R5.3, R6) carried out by this installation's
//! own diary and e-mail outbox. `insyn serve` sets it with [`App::with_case_desk`]; an
//! installation that registers in an external case system can set its own [`CaseDesk`].
use crate::actions::CaseDesk;
use crate::evidence::EvidenceCopy;
use crate::{App, AppError, Result};
use async_trait::async_trait;
use insyn_domain::*;

/// Registers in the diary and forwards through the e-mail outbox.
pub struct DiaryCaseDesk;

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
}

//! Requests for public records (begäran om allmän handling, R7.2, R7.5) and copies of records:
//! filing a request from the portal, the staff queue for secrecy review, decisions (release
//! whole, release masked, refuse), the requester's receipt and copy, and the PDF copy of a
//! released record.
//!
//! Masking is burned in here, before any rendering: the copy's text is the record's version text
//! with every masked span replaced by a marker, so the masked text never reaches the PDF or the
//! HTML.
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use insyn_domain::request::{self as rq, Mask};
use insyn_domain::*;
use insyn_store::{ChangeEffects, RequestFilter};

/// The most requests the queue reads at once.
pub const QUEUE_LIMIT: i64 = 2000;

/// Which requests the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueView {
    /// Open requests due today.
    Today,
    /// Open requests past their due date.
    Late,
    /// All open requests.
    #[default]
    Open,
    /// Every request, decided ones included.
    All,
}

/// A line of the staff queue.
#[derive(Debug, Clone)]
pub struct QueueLine {
    pub request: RecordRequest,
    pub due_today: bool,
    pub late: bool,
}

/// What a staff member sees of one request.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: RecordRequest,
    /// The record asked for, when the user may read it.
    pub record: Option<Record>,
    pub account: Option<Account>,
    pub can_decide: bool,
    pub events: Vec<RequestEvent>,
    pub withheld: Vec<Withheld>,
    pub late: bool,
}

/// A staff member's decision, as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionInput {
    ReleaseWhole,
    /// Byte spans of the record's current text, with one reason and law for all.
    ReleaseMasked {
        spans: Vec<(usize, usize)>,
        reason: String,
        law: String,
    },
    Refuse {
        reason: String,
        law: String,
    },
}

/// The copy a requester (or anyone, for a released record) gets: metadata and burned-in text.
#[derive(Debug, Clone)]
pub struct Copy {
    pub organisation: Organisation,
    pub record: Record,
    pub account: Account,
    pub version: u32,
    /// The text as released: masked spans already replaced by markers.
    pub text: String,
    pub masked: bool,
    /// SHA-256 of the version text (whole) or of the released text (masked: a digest of the
    /// original would let anyone test guesses of what was masked).
    pub text_sha256: String,
    /// Released records of the same thread (portal copies only).
    pub thread: Vec<Record>,
    /// The diary number where the record is registered (R6.2), e.g. "KS 2026/0042-1".
    pub diary_number: Option<String>,
}

/// What the requester's receipt page shows.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub organisation: Organisation,
    pub request: RecordRequest,
    pub copy: Option<Copy>,
    /// The appeal information (refusals and maskings).
    pub appeal: Option<String>,
    pub withheld: Vec<Withheld>,
}

fn new_token() -> (String, String) {
    use rand::RngCore;
    let mut buf = [0u8; 32];
    rand::rng().fill_bytes(&mut buf);
    let token: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    let hash = Sha256Digest::of(token.as_bytes()).to_hex();
    (token, hash)
}

fn token_hash(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| Sha256Digest::of(token.to_ascii_lowercase().as_bytes()).to_hex())
}

fn not_found() -> AppError {
    AppError::NotFound("no such request".into())
}

impl App {
    /// The due date of a request received at `at` for the organisation (its calendar).
    pub async fn request_due_date(
        &self,
        org: OrgId,
        at: DateTime<Utc>,
    ) -> Result<chrono::NaiveDate> {
        let rules = self.calendar_rules(org).await?;
        Ok(rq::due_date(rq::stockholm_date(at), |d| {
            insyn_calendar::is_working_day(d, &rules)
        }))
    }

    /// Files a request from the portal. Returns the request and its receipt token (shown once,
    /// in the receipt address; only its hash is stored).
    pub async fn file_request(
        &self,
        org_slug: &str,
        new: &NewRequest,
    ) -> Result<(RecordRequest, String)> {
        let org = self.organisation(org_slug).await?;
        let new = new.normalised()?;
        if let Some(id) = new.record_id {
            self.store
                .get_record(org.id, id)
                .await
                .map_err(|e| match e {
                    insyn_store::StoreError::NotFound { .. } => {
                        AppError::NotFound(format!("{} has no record {id}", org.name))
                    }
                    other => other.into(),
                })?;
        }
        let due = self.request_due_date(org.id, Utc::now()).await?;
        let (token, hash) = new_token();
        let request = self
            .store
            .create_request(org.id, &new, due, &hash, "public:portal")
            .await?;
        Ok((request, token))
    }

    /// The staff queue: the requests the user may see, soonest due first.
    pub async fn request_queue(
        &self,
        user: &StaffUser,
        view: QueueView,
        today: chrono::NaiveDate,
    ) -> Result<Vec<QueueLine>> {
        let org = user.org_id;
        let filter = RequestFilter {
            open_only: view != QueueView::All,
            due_by: match view {
                QueueView::Today => Some(today),
                QueueView::Late => today.pred_opt(),
                _ => None,
            },
            limit: QUEUE_LIMIT,
            ..Default::default()
        };
        let found = self.store.list_requests(org, &filter).await?;
        let ids: Vec<RecordId> = found.iter().filter_map(|r| r.record_id).collect();
        let records = self.store.get_records(org, &ids).await?;
        let mut out = Vec::new();
        for request in found {
            let account = request
                .record_id
                .and_then(|id| records.iter().find(|r| r.id == id))
                .map(|r| r.account_id);
            if !rq::can_see_request(user, org, account) {
                continue;
            }
            let open = request.state.is_open();
            let late = open && request.due_on < today;
            let due_today = open && request.due_on == today;
            if view == QueueView::Today && !due_today {
                continue;
            }
            out.push(QueueLine {
                request,
                due_today,
                late,
            });
        }
        Ok(out)
    }

    /// One request as the user may see it (404 for another organisation's or one they may not
    /// see). Reading a non-public record here is audited like any other view.
    pub async fn request_view(
        &self,
        user: &StaffUser,
        id: RequestId,
        today: chrono::NaiveDate,
    ) -> Result<RequestView> {
        let org = user.org_id;
        let request = self
            .store
            .get_request(org, id)
            .await
            .map_err(|_| not_found())?;
        let record = match request.record_id {
            Some(r) => Some(self.store.get_record(org, r).await?),
            None => None,
        };
        if !rq::can_see_request(user, org, record.as_ref().map(|r| r.account_id)) {
            return Err(not_found());
        }
        let can_decide = rq::can_decide(
            user,
            org,
            record.as_ref().map(|r| (r.account_id, r.classification)),
        );
        let readable = record.filter(|r| {
            can_decide || staff::can_read_record(user, org, r.account_id, r.classification)
        });
        let record = match readable {
            Some(r) => Some(self.record(org, r.id, &user.actor()).await?),
            None => None,
        };
        let account = match &record {
            Some(r) => Some(self.store.get_account(org, r.account_id).await?),
            None => None,
        };
        Ok(RequestView {
            late: request.state.is_open() && request.due_on < today,
            events: self.store.request_events(org, id).await?,
            withheld: self.store.request_withheld(org, id).await?,
            request,
            record,
            account,
            can_decide,
        })
    }

    async fn decider_check(
        &self,
        user: &StaffUser,
        request: &RecordRequest,
    ) -> Result<Option<Record>> {
        let org = user.org_id;
        let record = match request.record_id {
            Some(r) => Some(self.store.get_record(org, r).await?),
            None => None,
        };
        if !rq::can_see_request(user, org, record.as_ref().map(|r| r.account_id)) {
            return Err(not_found());
        }
        if !rq::can_decide(
            user,
            org,
            record.as_ref().map(|r| (r.account_id, r.classification)),
        ) {
            return Err(AppError::Forbidden(
                "only a registrar or an administrator who may read the record handles requests"
                    .into(),
            ));
        }
        Ok(record)
    }

    /// Assigns, extends, links a record, starts the review or withdraws: anything but a decision.
    pub async fn change_request(
        &self,
        user: &StaffUser,
        id: RequestId,
        change: &RequestChange,
    ) -> Result<RecordRequest> {
        if matches!(change, RequestChange::Decide(_)) {
            return Err(AppError::invalid("action", "decide with decide_request"));
        }
        let org = user.org_id;
        let request = self
            .store
            .get_request(org, id)
            .await
            .map_err(|_| not_found())?;
        self.decider_check(user, &request).await?;
        if let RequestChange::Assign(Some(to)) = change {
            let target = self.store.get_user(org, *to).await?;
            let record = match request.record_id {
                Some(r) => Some(self.store.get_record(org, r).await?),
                None => None,
            };
            if !rq::can_decide(
                &target,
                org,
                record.map(|r| (r.account_id, r.classification)),
            ) {
                return Err(AppError::invalid(
                    "assignee",
                    format!("{} may not decide this request", target.name),
                ));
            }
        }
        Ok(self
            .store
            .change_request(org, id, change, &ChangeEffects::default(), &user.actor())
            .await?)
    }

    /// Decides a request. A masked release normalises the spans against the record's current
    /// version and writes the withheld log; with an e-mail, a message goes to the outbox.
    /// `receipt_url` is where the requester finds the decision (it goes into the message).
    pub async fn decide_request(
        &self,
        user: &StaffUser,
        id: RequestId,
        input: &DecisionInput,
        receipt_url: Option<&str>,
    ) -> Result<RecordRequest> {
        let org = user.org_id;
        let request = self
            .store
            .get_request(org, id)
            .await
            .map_err(|_| not_found())?;
        let record = self.decider_check(user, &request).await?;
        let mut effects = ChangeEffects::default();
        let decision = match input {
            DecisionInput::ReleaseWhole => Decision::ReleaseWhole,
            DecisionInput::Refuse { reason, law } => Decision::Refuse {
                reason: reason.clone(),
                law: law.clone(),
            },
            DecisionInput::ReleaseMasked { spans, reason, law } => {
                let record = record.as_ref().ok_or_else(|| {
                    AppError::invalid("record", "link the record before masking it")
                })?;
                let masks: Vec<Mask> = spans
                    .iter()
                    .map(|(s, e)| Mask {
                        start: *s,
                        end: *e,
                        reason: reason.clone(),
                        law: law.clone(),
                    })
                    .collect();
                let masks = rq::normalise_masks(&record.text, &masks)?;
                effects.withheld = masks
                    .iter()
                    .map(|m| Withheld {
                        record_id: record.id,
                        version: record.version,
                        start: m.start,
                        end: m.end,
                        reason: m.reason.clone(),
                        law: m.law.clone(),
                    })
                    .collect();
                Decision::ReleaseMasked {
                    version: record.version,
                    masks,
                }
            }
        };
        if let Some(to) = &request.requester_email {
            let organisation = self
                .organisations()
                .await?
                .into_iter()
                .find(|o| o.id == org)
                .ok_or_else(not_found)?;
            let subject = format!(
                "Beslut om din begäran {} / Decision on your request",
                request.number
            );
            let what = match &decision {
                Decision::ReleaseWhole => "Handlingen lämnas ut.".to_string(),
                Decision::ReleaseMasked { .. } => {
                    "Handlingen lämnas ut med vissa uppgifter maskerade.".to_string()
                }
                Decision::Refuse { reason, law } => format!(
                    "Begäran avslås. Skäl: {reason} ({law}).\n\n{}",
                    rq::appeal_text(&organisation.name, false)
                ),
            };
            let link = receipt_url
                .map(|u| format!("\n\nBeslut och kopia: {u}"))
                .unwrap_or_default();
            let body = format!(
                "{}: beslut om din begäran om allmän handling {}.\n\n{what}{link}\n",
                organisation.name, request.number
            );
            effects.message = Some((to.clone(), subject, body));
        }
        Ok(self
            .store
            .change_request(
                org,
                id,
                &RequestChange::Decide(decision),
                &effects,
                &user.actor(),
            )
            .await?)
    }

    /// The requester's receipt: the request, and once decided, the decision and the copy.
    pub async fn receipt(&self, org_slug: &str, token: &str) -> Result<Receipt> {
        let organisation = self.organisation(org_slug).await?;
        let hash = token_hash(token).ok_or_else(not_found)?;
        let request = self
            .store
            .request_by_token(organisation.id, &hash)
            .await
            .map_err(|_| not_found())?;
        let withheld = self
            .store
            .request_withheld(organisation.id, request.id)
            .await?;
        let copy = if request.state.is_released() {
            Some(
                self.request_copy(&organisation, &request, &withheld)
                    .await?,
            )
        } else {
            None
        };
        let appeal = matches!(
            request.state,
            RequestState::Refused | RequestState::ReleasedMasked
        )
        .then(|| rq::appeal_text(&organisation.name, false));
        Ok(Receipt {
            organisation,
            request,
            copy,
            appeal,
            withheld,
        })
    }

    async fn request_copy(
        &self,
        organisation: &Organisation,
        request: &RecordRequest,
        withheld: &[Withheld],
    ) -> Result<Copy> {
        let org = organisation.id;
        let record_id = request.record_id.ok_or_else(not_found)?;
        let record = self.store.get_record(org, record_id).await?;
        let account = self.store.get_account(org, record.account_id).await?;
        let (version, text, masked) = if request.state == RequestState::ReleasedMasked {
            let version = withheld.first().map_or(record.version, |w| w.version);
            let versions = self.store.record_versions(org, record.id).await?;
            let v = versions
                .into_iter()
                .find(|v| v.number == version)
                .ok_or_else(|| {
                    AppError::Internal(format!("record {record_id} version {version} is gone"))
                })?;
            let masks: Vec<Mask> = withheld
                .iter()
                .map(|w| Mask {
                    start: w.start,
                    end: w.end,
                    reason: w.reason.clone(),
                    law: w.law.clone(),
                })
                .collect();
            (version, rq::apply_masks(&v.text, &masks, false), true)
        } else {
            (record.version, record.text.clone(), false)
        };
        let text_sha256 = Sha256Digest::of(text.as_bytes()).to_hex();
        let diary_number = self.diary_number(org, record.id).await?;
        Ok(Copy {
            organisation: organisation.clone(),
            account,
            version,
            text,
            masked,
            text_sha256,
            thread: Vec::new(),
            diary_number,
            record,
        })
    }

    /// The copy of a released record for anyone (404 for a record that is not released, or
    /// not the organisation's), with the released records of its thread.
    pub async fn released_copy(&self, org_slug: &str, id: RecordId) -> Result<Copy> {
        let organisation = self.organisation(org_slug).await?;
        let org = organisation.id;
        let missing = || AppError::NotFound(format!("no released record {id}"));
        let record = self
            .store
            .get_record(org, id)
            .await
            .map_err(|_| missing())?;
        if record.classification != Classification::Released {
            return Err(missing());
        }
        let account = self.store.get_account(org, record.account_id).await?;
        let thread = match &record.thread_platform_id {
            Some(t) => self
                .store
                .list_records(
                    org,
                    &insyn_store::RecordFilter {
                        account: Some(record.account_id),
                        classification: Some(Classification::Released),
                        thread: Some(t.clone()),
                        limit: 200,
                        ..Default::default()
                    },
                )
                .await?
                .into_iter()
                .filter(|r| r.id != record.id)
                .collect(),
            None => Vec::new(),
        };
        let text_sha256 = Sha256Digest::of(record.text.as_bytes()).to_hex();
        let diary_number = self.diary_number(org, record.id).await?;
        Ok(Copy {
            organisation,
            account,
            version: record.version,
            text: record.text.clone(),
            masked: false,
            text_sha256,
            thread,
            diary_number,
            record,
        })
    }

    /// The requester's copy as PDF/A (404 until released).
    pub async fn receipt_pdf(&self, org_slug: &str, token: &str, english: bool) -> Result<Vec<u8>> {
        let receipt = self.receipt(org_slug, token).await?;
        let copy = receipt.copy.ok_or_else(not_found)?;
        copy_pdf(&copy, english, Some(&receipt.request))
    }

    /// The copy of a released record as PDF/A.
    pub async fn released_pdf(
        &self,
        org_slug: &str,
        id: RecordId,
        english: bool,
    ) -> Result<Vec<u8>> {
        let copy = self.released_copy(org_slug, id).await?;
        copy_pdf(&copy, english, None)
    }
}

/// Renders a copy as PDF/A-2u.
pub fn copy_pdf(copy: &Copy, english: bool, request: Option<&RecordRequest>) -> Result<Vec<u8>> {
    use insyn_pdf::{CopyDocument, Lang, RecordMeta, TextBlock};
    let lang = if english { Lang::En } else { Lang::Sv };
    let direction = |d: Direction| {
        if english {
            match d {
                Direction::Created => "created (upprättad)".to_string(),
                Direction::Received => "received (inkommen)".to_string(),
            }
        } else {
            d.swedish().to_string()
        }
    };
    let r = &copy.record;
    let mut blocks = vec![TextBlock {
        heading: if english {
            format!("Text (by {})", r.author_name)
        } else {
            format!("Text (av {})", r.author_name)
        },
        text: copy.text.clone(),
    }];
    for t in &copy.thread {
        blocks.push(TextBlock {
            heading: format!(
                "{} · {} · {} · {}",
                if english {
                    "In the thread"
                } else {
                    "I tråden"
                },
                t.author_name,
                direction(t.direction),
                insyn_pdf::local_time(t.available_at)
            ),
            text: t.text.clone(),
        });
    }
    let mut note = Vec::new();
    if let Some(q) = request {
        note.push(if english {
            format!("Released on request {} ({}).", q.number, q.state.english())
        } else {
            format!(
                "Utlämnad efter begäran {} ({}).",
                q.number,
                q.state.swedish()
            )
        });
    }
    if copy.masked {
        note.push(if english {
            "Parts are masked under the Public Access to Information and Secrecy Act (OSL); each marker names the provision. The checksum is of the released (masked) text.".to_string()
        } else {
            "Delar är maskerade enligt offentlighets- och sekretesslagen (OSL); varje markering anger bestämmelsen. Kontrollsumman gäller den utlämnade (maskerade) texten.".to_string()
        });
    }
    let doc = CopyDocument {
        lang,
        title: if english {
            format!("Copy of public record {}", r.id)
        } else {
            format!("Kopia av allmän handling {}", r.id)
        },
        meta: RecordMeta {
            organisation: copy.organisation.name.clone(),
            account: format!(
                "{} ({})",
                copy.account.handle,
                copy.account.platform.display_name()
            ),
            direction: direction(r.direction),
            available_at: r.available_at,
            platform_time: r.platform_time,
            diary_number: copy.diary_number.clone(),
            record_id: r.id.0,
            version: copy.version,
            text_sha256: copy.text_sha256.clone(),
        },
        blocks,
        note: note.join(" "),
        created: Utc::now(),
    };
    insyn_pdf::record_copy(&doc).map_err(|e| match e {
        insyn_pdf::PdfError::TooLarge(_) => AppError::invalid("record", e.to_string()),
        other => AppError::Internal(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use insyn_calendar::{CalendarRules, is_working_day};
    use insyn_domain::request::due_date;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_dates_skip_weekends_holidays_and_extra_days_off() {
        let rules = CalendarRules::default();
        let due = |day| due_date(day, |x| is_working_day(x, &rules));
        // Wednesday → Thursday; Friday and Saturday → Monday
        assert_eq!(due(d(2026, 11, 18)), d(2026, 11, 19));
        assert_eq!(due(d(2026, 11, 20)), d(2026, 11, 23));
        assert_eq!(due(d(2026, 11, 21)), d(2026, 11, 23));
        // Thursday before midsummer: midsommarafton (eve, off by default) and the weekend
        assert_eq!(due(d(2026, 6, 18)), d(2026, 6, 22));
        // julafton (Thu) → juldagen, annandag jul (Fri, Sat), Sunday → Monday 28 Dec
        assert_eq!(due(d(2026, 12, 23)), d(2026, 12, 28));
        // Maundy Thursday 2026 (2 April): Good Friday, Easter weekend, Easter Monday → Tuesday
        assert_eq!(due(d(2026, 4, 2)), d(2026, 4, 7));
        // an organisation's extra day off (a klämdag) moves it further
        let extra = CalendarRules::default().with_extra_day_off(d(2026, 11, 19));
        assert_eq!(
            due_date(d(2026, 11, 18), |x| is_working_day(x, &extra)),
            d(2026, 11, 20)
        );
    }
}

//! Categories, suggested actions and the [`Finding`] every detector returns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a finding is about. The snake_case ids (`personnummer`, `offensive_person`, ...) are stable:
/// they are used in the API, in the labelled corpus, in rule files and in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Swedish personal identity number or co-ordination number (personnummer, samordningsnummer).
    Personnummer,
    /// Telephone number (Swedish formats and +46).
    Phone,
    /// E-mail address.
    Email,
    /// Postal address: street and number, or postcode and town.
    Address,
    /// Card number, IBAN, bank account number, bankgiro or plusgiro.
    Payment,
    /// Sensitive personal data (GDPR art. 9) tied to an identifiable person.
    Sensitive,
    /// Offensive statement about an identifiable person (kränkande personuppgifter).
    OffensivePerson,
    /// Threat (olaga hot), incitement or call to violence.
    Threat,
    /// Hate speech against a group (hets mot folkgrupp).
    Hate,
    /// Link to material on a configured list of unlawful or copyright-infringing sites.
    UnlawfulLink,
    /// Someone disclosing details of their own or another person's case (sekretess).
    Secret,
    /// Complaint or opinion (klagomål, synpunkt).
    Complaint,
    /// Question about or reference to an ongoing case (diary number, "mitt ärende").
    CaseReference,
    /// A request that starts a case (ansökan, begäran om allmän handling).
    CaseRequest,
    /// In the authority's own draft: advice with economic consequences.
    EconomicAdvice,
}

impl Category {
    /// Every category, in id order.
    pub const ALL: [Category; 15] = [
        Category::Personnummer,
        Category::Phone,
        Category::Email,
        Category::Address,
        Category::Payment,
        Category::Sensitive,
        Category::OffensivePerson,
        Category::Threat,
        Category::Hate,
        Category::UnlawfulLink,
        Category::Secret,
        Category::Complaint,
        Category::CaseReference,
        Category::CaseRequest,
        Category::EconomicAdvice,
    ];

    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Personnummer => "personnummer",
            Category::Phone => "phone",
            Category::Email => "email",
            Category::Address => "address",
            Category::Payment => "payment",
            Category::Sensitive => "sensitive",
            Category::OffensivePerson => "offensive_person",
            Category::Threat => "threat",
            Category::Hate => "hate",
            Category::UnlawfulLink => "unlawful_link",
            Category::Secret => "secret",
            Category::Complaint => "complaint",
            Category::CaseReference => "case_reference",
            Category::CaseRequest => "case_request",
            Category::EconomicAdvice => "economic_advice",
        }
    }

    /// A short Swedish label for people.
    pub fn label_sv(self) -> &'static str {
        match self {
            Category::Personnummer => "Personnummer",
            Category::Phone => "Telefonnummer",
            Category::Email => "E-postadress",
            Category::Address => "Postadress",
            Category::Payment => "Betaluppgifter",
            Category::Sensitive => "Känsliga personuppgifter",
            Category::OffensivePerson => "Kränkande personuppgifter",
            Category::Threat => "Hot",
            Category::Hate => "Hets mot folkgrupp",
            Category::UnlawfulLink => "Olaglig länk",
            Category::Secret => "Sekretess",
            Category::Complaint => "Klagomål eller synpunkt",
            Category::CaseReference => "Pågående ärende",
            Category::CaseRequest => "Begäran som inleder ett ärende",
            Category::EconomicAdvice => "Råd med ekonomiska konsekvenser",
        }
    }

    /// A short English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::Personnummer => "Personal identity number",
            Category::Phone => "Phone number",
            Category::Email => "E-mail address",
            Category::Address => "Postal address",
            Category::Payment => "Payment details",
            Category::Sensitive => "Sensitive personal data",
            Category::OffensivePerson => "Offensive personal data",
            Category::Threat => "Threat",
            Category::Hate => "Hate speech against a group",
            Category::UnlawfulLink => "Unlawful link",
            Category::Secret => "Secret information",
            Category::Complaint => "Complaint or opinion",
            Category::CaseReference => "Ongoing case",
            Category::CaseRequest => "Request that starts a case",
            Category::EconomicAdvice => "Advice with economic consequences",
        }
    }

    /// Personal data found by validated patterns (numbers, addresses).
    pub fn is_contact_or_identity(self) -> bool {
        matches!(
            self,
            Category::Personnummer
                | Category::Phone
                | Category::Email
                | Category::Address
                | Category::Payment
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id was not one of [`Category::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown category {0:?}")]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCategory(s.to_string()))
    }
}

/// The guided action screening suggests; people decide (R4.2, R5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Secret information: evidence copy, remove from the platform, contact the sender, register.
    Secrecy,
    /// Criminal material: preserve evidence, police report, remove, register.
    PoliceReport,
    /// Offensive personal data: remove and record why.
    RemoveOffensive,
    /// Personal data posted in public: consider hiding it and contacting the sender.
    ProtectPersonalData,
    /// Complaint, opinion, ongoing case or new case: register in the diary.
    Register,
    /// Own draft answer: rewrite, refer to a proper channel instead of giving advice.
    ReviseDraft,
}

impl SuggestedAction {
    /// Every action.
    pub const ALL: [SuggestedAction; 6] = [
        SuggestedAction::Secrecy,
        SuggestedAction::PoliceReport,
        SuggestedAction::RemoveOffensive,
        SuggestedAction::ProtectPersonalData,
        SuggestedAction::Register,
        SuggestedAction::ReviseDraft,
    ];

    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedAction::Secrecy => "secrecy",
            SuggestedAction::PoliceReport => "police_report",
            SuggestedAction::RemoveOffensive => "remove_offensive",
            SuggestedAction::ProtectPersonalData => "protect_personal_data",
            SuggestedAction::Register => "register",
            SuggestedAction::ReviseDraft => "revise_draft",
        }
    }

    /// What to do, in Swedish.
    pub fn description_sv(self) -> &'static str {
        match self {
            SuggestedAction::Secrecy => {
                "Ta en bevarandekopia, ta bort inlägget, kontakta avsändaren och registrera uppgifterna i ärendesystemet."
            }
            SuggestedAction::PoliceReport => {
                "Spara bevis, polisanmäl, ta bort inlägget och diarieför."
            }
            SuggestedAction::RemoveOffensive => {
                "Ta bort de kränkande personuppgifterna och anteckna varför."
            }
            SuggestedAction::ProtectPersonalData => {
                "Överväg att dölja inlägget och kontakta avsändaren om personuppgifterna."
            }
            SuggestedAction::Register => {
                "Diarieför inlägget om det inte är av tillfällig eller ringa betydelse."
            }
            SuggestedAction::ReviseDraft => {
                "Skriv om svaret: ge inga råd med ekonomiska konsekvenser, hänvisa till en annan kanal."
            }
        }
    }

    /// What to do, in English.
    pub fn description_en(self) -> &'static str {
        match self {
            SuggestedAction::Secrecy => {
                "Make an evidence copy, remove the post, contact the sender and register the information in the case system."
            }
            SuggestedAction::PoliceReport => {
                "Preserve evidence, report to the police, remove the post and register it."
            }
            SuggestedAction::RemoveOffensive => {
                "Remove the offensive personal data and record why."
            }
            SuggestedAction::ProtectPersonalData => {
                "Consider hiding the post and contacting the sender about the personal data."
            }
            SuggestedAction::Register => {
                "Register the post unless it is of passing or minor importance."
            }
            SuggestedAction::ReviseDraft => {
                "Rewrite the answer: give no advice with economic consequences, refer to another channel."
            }
        }
    }
}

impl fmt::Display for SuggestedAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SuggestedAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SuggestedAction::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown action {s:?}"))
    }
}

/// One thing screening noticed. `start..end` are byte offsets into the original input, always on
/// char boundaries. Screening suggests; people decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub category: Category,
    /// Byte offset of the first byte of the span in the original text.
    pub start: usize,
    /// Byte offset one past the span in the original text.
    pub end: usize,
    /// The rule or detector that fired, e.g. `personnummer.checksum` or `threat.kill`.
    pub rule: String,
    /// 0..=1.
    pub confidence: f32,
    /// Why, in Swedish (R4.2).
    pub explanation_sv: String,
    /// Why, in English.
    pub explanation_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_action: Option<SuggestedAction>,
}

impl Finding {
    /// The span's text in the original input.
    pub fn text<'a>(&self, input: &'a str) -> &'a str {
        input.get(self.start..self.end).unwrap_or("")
    }

    /// The span as char offsets (for clients that count chars, not bytes).
    pub fn char_span(&self, input: &str) -> (usize, usize) {
        let start = input.get(..self.start).map_or(0, |s| s.chars().count());
        let len = self.text(input).chars().count();
        (start, start + len)
    }
}

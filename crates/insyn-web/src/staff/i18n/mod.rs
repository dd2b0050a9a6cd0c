//! The staff pages' words, one file per language ([`sv`] first, [`en`]). A page gets `&Texts`
//! for the language chosen with `?lang=` (kept in the session); Swedish is the default.
mod en;
pub mod inbox;
mod sv;

use insyn_domain::{AccountStatus, Classification, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }
    /// The inbox's and the answer form's words.
    pub fn inbox(self) -> &'static inbox::InboxTexts {
        match self {
            Lang::Sv => &inbox::SV,
            Lang::En => &inbox::EN,
        }
    }
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Sv => &sv::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }
}

/// Every word on the staff pages.
pub struct Texts {
    pub lang: &'static str,
    /// The link to the other language: its code and its name in that language.
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub skip_to_content: &'static str,
    pub app_name: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub nav_users: &'static str,
    pub signed_in_as: &'static str,
    pub sign_out: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub org_label: &'static str,
    pub email_label: &'static str,
    pub password_label: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_rejected: &'static str,
    pub sign_in_throttled: &'static str,
    pub sign_in_with_idp: &'static str,
    pub sign_in_idp_failed: &'static str,
    pub error_summary: &'static str,
    pub home_title: &'static str,
    pub accounts_heading: &'static str,
    pub no_accounts: &'static str,
    pub col_platform: &'static str,
    pub col_handle: &'static str,
    pub col_status: &'static str,
    pub col_time: &'static str,
    pub col_author: &'static str,
    pub col_text: &'static str,
    pub col_classification: &'static str,
    pub newest_received: &'static str,
    pub no_records: &'static str,
    pub open_record: &'static str,
    pub record_title: &'static str,
    pub record_account: &'static str,
    pub record_version: &'static str,
    pub record_deleted: &'static str,
    pub users_title: &'static str,
    pub users_existing: &'static str,
    pub add_user: &'static str,
    pub name_label: &'static str,
    pub function_label: &'static str,
    pub function_hint: &'static str,
    pub roles_label: &'static str,
    pub accounts_label: &'static str,
    pub access_none: &'static str,
    pub access_read: &'static str,
    pub access_answer: &'static str,
    pub initial_password_label: &'static str,
    pub initial_password_hint: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub user_added: &'static str,
    pub status_label: &'static str,
    pub user_active: &'static str,
    pub user_disabled: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub csrf_title: &'static str,
    pub csrf_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub invalid_input: &'static str,
    pub back_home: &'static str,
    pub account_planned: &'static str,
    pub account_active: &'static str,
    pub account_closed: &'static str,
    pub class_unassessed: &'static str,
    pub class_released: &'static str,
    pub class_under_review: &'static str,
    pub class_secret: &'static str,
}

impl Texts {
    pub fn role(&self, r: &Role) -> &'static str {
        if self.lang == "sv" {
            r.swedish()
        } else {
            r.english()
        }
    }
    pub fn account_status(&self, s: &AccountStatus) -> &'static str {
        match s {
            AccountStatus::Planned => self.account_planned,
            AccountStatus::Active => self.account_active,
            AccountStatus::Closed => self.account_closed,
        }
    }
    pub fn classification(&self, c: &Classification) -> &'static str {
        match c {
            Classification::Unassessed => self.class_unassessed,
            Classification::Released => self.class_released,
            Classification::UnderReview => self.class_under_review,
            Classification::Secret => self.class_secret,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text exists in both languages, and the two differ where a word is language-bound.
    #[test]
    fn both_languages_are_complete() {
        for lang in [Lang::Sv, Lang::En] {
            let t = lang.texts();
            assert_eq!(t.lang, lang.code());
            let all = [
                t.sign_in_title,
                t.email_label,
                t.password_label,
                t.sign_in_rejected,
                t.sign_in_throttled,
                t.home_title,
                t.users_title,
                t.forbidden_body,
                t.csrf_body,
                t.not_found_body,
                t.access_answer,
                t.initial_password_hint,
                t.record_title,
            ];
            assert!(all.iter().all(|s| !s.trim().is_empty()));
        }
        assert_ne!(
            Lang::Sv.texts().sign_in_title,
            Lang::En.texts().sign_in_title
        );
        assert_eq!(Lang::parse(Lang::Sv.texts().other_lang), Some(Lang::En));
        assert_eq!(Lang::parse(Lang::En.texts().other_lang), Some(Lang::Sv));
    }
}

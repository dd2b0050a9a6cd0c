//! Swedish telephone numbers.

/// What kind of number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    Mobile,
    Landline,
}

/// Validate the national form: all digits, trunk prefix `0`. Mobile numbers (070, 072, 073, 076,
/// 079) and 077 have 10 digits; other numbers 8 to 10 (area code of 2–4 digits with the 0, and a
/// subscriber number of 5–8 digits).
pub fn national(digits: &str) -> Option<PhoneKind> {
    let b = digits.as_bytes();
    if b.len() < 8 || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b[0] != b'0' || b[1] == b'0' {
        return None;
    }
    if b[1] == b'7' {
        return match b[2] {
            b'0' | b'2' | b'3' | b'6' | b'9' if b.len() == 10 => Some(PhoneKind::Mobile),
            b'7' if b.len() == 10 => Some(PhoneKind::Landline),
            _ => None,
        };
    }
    Some(PhoneKind::Landline)
}

/// Validate an international form given the digits after the country code 46 (a stray trunk 0,
/// as in "+46 (0)70...", is allowed).
pub fn international_se(after_country: &str) -> Option<PhoneKind> {
    let rest = after_country.strip_prefix('0').unwrap_or(after_country);
    national(&format!("0{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_and_landline() {
        assert_eq!(national("0701234567"), Some(PhoneKind::Mobile));
        assert_eq!(national("0761234567"), Some(PhoneKind::Mobile));
        assert_eq!(national("0812345678"), Some(PhoneKind::Landline));
        assert_eq!(national("022039000"), Some(PhoneKind::Landline));
        assert_eq!(national("031123456"), Some(PhoneKind::Landline));
        assert_eq!(national("070123456"), None); // 9-digit mobile
        assert_eq!(national("0712345678"), None);
        assert_eq!(national("0012345678"), None);
        assert_eq!(national("1234567890"), None);
        assert_eq!(national("0812"), None);
    }

    #[test]
    fn international() {
        assert_eq!(international_se("701234567"), Some(PhoneKind::Mobile));
        assert_eq!(international_se("0701234567"), Some(PhoneKind::Mobile));
        assert_eq!(international_se("812345678"), Some(PhoneKind::Landline));
        assert_eq!(international_se("70123456"), None);
    }
}

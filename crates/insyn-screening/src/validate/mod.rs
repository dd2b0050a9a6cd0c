//! Validators for identity, contact and payment numbers. Pure functions; each is tested beside it.

pub mod bank;
pub mod iban;
pub mod personnummer;
pub mod phone;

/// The Luhn (mod 10) check over ASCII digits: true when the last digit is the check digit of the
/// others. Non-digits make it false; fewer than two digits is false.
pub fn luhn_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1).map(|n| digits.split_at(n)) {
        Some((body, check)) if !body.is_empty() => {
            luhn_check_digit(body).is_some_and(|c| check.as_bytes() == [b'0' + c])
        }
        _ => false,
    }
}

/// The Luhn check digit for `digits` (the digit to append).
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// A payment card number: 13–19 digits, Luhn, a plausible issuer prefix (2–6) and not one repeated
/// digit. `s` may contain spaces or dashes.
pub fn card_valid(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(13..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let first = digits.as_bytes()[0];
    if !(b'2'..=b'6').contains(&first) {
        return false;
    }
    if digits.bytes().all(|b| b == first) {
        return false;
    }
    luhn_valid(&digits)
}

/// An e-mail address (the whole string): local part of 1–64 characters without leading, trailing
/// or doubled dots; a domain of at least two labels, each 1–63 characters of letters, digits and
/// inner hyphens; a top-level domain of at least two letters.
pub fn email_valid(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-".contains(c));
    if !local_ok || domain.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(|l| label_ok(l))
        && tld.chars().count() >= 2
        && tld.chars().all(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid("7"));
        assert!(!luhn_valid("12a4"));
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert_eq!(luhn_check_digit("121212121"), Some(2));
    }

    #[test]
    fn cards() {
        assert!(card_valid("4111 1111 1111 1111"));
        assert!(card_valid("5555-5555-5555-4444"));
        assert!(card_valid("378282246310005")); // Amex test number
        assert!(!card_valid("4111 1111 1111 1112"));
        assert!(!card_valid("1234567812345670")); // Luhn-valid but prefix 1
        assert!(!card_valid("0000000000000000"));
        assert!(!card_valid("411111111111")); // 12 digits
    }

    #[test]
    fn emails() {
        assert!(email_valid("anna.svensson@example.se"));
        assert!(email_valid("kommunen@surahammar.se"));
        assert!(email_valid("åsa+test@exempel.nu"));
        assert!(!email_valid("anna@localhost"));
        assert!(!email_valid(".anna@example.se"));
        assert!(!email_valid("an..na@example.se"));
        assert!(!email_valid("anna@-example.se"));
        assert!(!email_valid("anna@example.s3"));
        assert!(!email_valid("@example.se"));
    }
}

//! Bankgiro, plusgiro and Swedish bank account numbers.
//!
//! The clearing-number table follows the structure of Bankgirot's "Bankernas
//! kontonummeruppbyggnad" (type 1 with comment 1 or 2: modulus 11 over part or all of the
//! clearing number plus a 7-digit account; type 2 comment 1: 10-digit account with modulus 10;
//! comment 2: Handelsbanken's 9-digit account with modulus 11; comment 3: Swedbank / Plusgirot
//! accounts of up to 10 digits with modulus 10). The ranges are a summary and may lag behind the
//! published table; an unknown clearing number is not reported.

use super::luhn_valid;

/// A bankgiro number: 7 or 8 digits with a Luhn check digit.
pub fn bankgiro_valid(digits: &str) -> bool {
    (7..=8).contains(&digits.len()) && luhn_valid(digits)
}

/// A plusgiro number: 2 to 8 digits with a Luhn check digit.
pub fn plusgiro_valid(digits: &str) -> bool {
    (2..=8).contains(&digits.len()) && luhn_valid(digits)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Type 1 comment 1: mod 11 over the last three digits of the clearing number + 7 digits.
    T1C1,
    /// Type 1 comment 2: mod 11 over the four-digit clearing number + 7 digits.
    T1C2,
    /// Type 2 comment 1: 10-digit account, mod 10.
    T2C1,
    /// Type 2 comment 2: 9-digit account, mod 11.
    T2C2,
    /// Type 2 comment 3: account of up to 10 digits, mod 10.
    T2C3,
    /// Nordea personkonto: the account is a personnummer (10 digits), mod 10.
    Personkonto,
}

const TABLE: &[(u16, u16, Kind, &str)] = &[
    (1100, 1199, Kind::T1C1, "Nordea"),
    (1200, 1399, Kind::T1C1, "Danske Bank"),
    (1400, 2099, Kind::T1C1, "Nordea"),
    (2300, 2399, Kind::T1C2, "Ålandsbanken"),
    (2400, 2499, Kind::T1C1, "Danske Bank"),
    (3000, 3299, Kind::T1C1, "Nordea"),
    (3300, 3300, Kind::Personkonto, "Nordea personkonto"),
    (3301, 3399, Kind::T1C1, "Nordea"),
    (3400, 3409, Kind::T1C1, "Länsförsäkringar Bank"),
    (3410, 3781, Kind::T1C1, "Nordea"),
    (3782, 3782, Kind::Personkonto, "Nordea personkonto"),
    (3783, 3999, Kind::T1C1, "Nordea"),
    (4000, 4999, Kind::T1C2, "Nordea"),
    (5000, 5999, Kind::T1C1, "SEB"),
    (6000, 6999, Kind::T2C2, "Handelsbanken"),
    (7000, 7999, Kind::T1C1, "Swedbank"),
    (8000, 8999, Kind::T2C3, "Swedbank"),
    (9020, 9029, Kind::T1C2, "Länsförsäkringar Bank"),
    (9040, 9049, Kind::T1C2, "Citibank"),
    (9060, 9069, Kind::T1C1, "Länsförsäkringar Bank"),
    (9070, 9079, Kind::T1C1, "Multitude Bank"),
    (9100, 9109, Kind::T1C2, "Nordnet Bank"),
    (9120, 9124, Kind::T1C1, "SEB"),
    (9130, 9149, Kind::T1C1, "SEB"),
    (9150, 9169, Kind::T1C2, "Skandiabanken"),
    (9170, 9179, Kind::T1C1, "Ikano Bank"),
    (9180, 9189, Kind::T2C1, "Danske Bank"),
    (9190, 9199, Kind::T1C2, "DNB Bank"),
    (9230, 9239, Kind::T1C1, "Marginalen Bank"),
    (9250, 9259, Kind::T1C1, "SBAB"),
    (9260, 9269, Kind::T1C2, "DNB Bank"),
    (9270, 9279, Kind::T1C1, "ICA Banken"),
    (9280, 9289, Kind::T1C1, "Resurs Bank"),
    (9300, 9349, Kind::T2C1, "Sparbanken Öresund"),
    (9390, 9399, Kind::T1C2, "Landshypotek"),
    (9400, 9449, Kind::T1C1, "Forex Bank"),
    (9460, 9469, Kind::T1C1, "Santander Consumer Bank"),
    (9470, 9479, Kind::T1C2, "BNP Paribas"),
    (9500, 9549, Kind::T2C3, "Nordea (Plusgirot)"),
    (9550, 9569, Kind::T1C2, "Avanza Bank"),
    (9570, 9579, Kind::T2C1, "Sparbanken Syd"),
    (9580, 9589, Kind::T1C2, "Aion Bank"),
    (9590, 9599, Kind::T1C2, "Erik Penser"),
    (9630, 9639, Kind::T1C1, "Lån & Spar Bank"),
    (9640, 9649, Kind::T1C2, "Nordax Bank"),
    (9650, 9659, Kind::T1C2, "MedMera Bank"),
    (9660, 9669, Kind::T1C2, "Svea Bank"),
    (9670, 9679, Kind::T1C2, "JAK Medlemsbank"),
    (9680, 9689, Kind::T1C1, "Bluestep"),
    (9700, 9709, Kind::T1C2, "Ekobanken"),
    (9750, 9759, Kind::T1C2, "Northmill Bank"),
    (9780, 9789, Kind::T1C2, "Klarna Bank"),
    (9960, 9969, Kind::T2C3, "Nordea (Plusgirot)"),
];

/// Modulus 11 with weights 1, 2, ..., 10, 1, ... from the right.
fn mod11_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * (i as u32 % 10 + 1))
        .sum();
    sum.is_multiple_of(11)
}

/// A Swedish bank account: a clearing number (4 digits, or Swedbank's 5 with its own check
/// digit) and the account digits. Returns the bank's name when the number is valid.
pub fn bank_account(clearing: &str, account: &str) -> Option<&'static str> {
    if !clearing.bytes().all(|b| b.is_ascii_digit()) || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (clear4, clearing_check_ok) = match clearing.len() {
        4 => (clearing, true),
        // Swedbank 8xxx-x: the fifth digit is a Luhn check digit of the first four.
        5 if clearing.starts_with('8') => (&clearing[..4], luhn_valid(clearing)),
        _ => return None,
    };
    if !clearing_check_ok {
        return None;
    }
    let c: u16 = clear4.parse().ok()?;
    let &(_, _, kind, bank) = TABLE
        .iter()
        .find(|(lo, hi, _, _)| (*lo..=*hi).contains(&c))?;
    let ok = match kind {
        Kind::T1C1 => account.len() == 7 && mod11_valid(&format!("{}{account}", &clear4[1..])),
        Kind::T1C2 => account.len() == 7 && mod11_valid(&format!("{clear4}{account}")),
        Kind::T2C1 => account.len() == 10 && luhn_valid(account),
        Kind::T2C2 => account.len() == 9 && mod11_valid(account),
        Kind::T2C3 => (6..=10).contains(&account.len()) && luhn_valid(account),
        Kind::Personkonto => account.len() == 10 && luhn_valid(account),
    };
    ok.then_some(bank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giro() {
        // 5050-1055 is the bankgiro used in Bankgirot's examples; Luhn-valid.
        assert!(bankgiro_valid("50501055"));
        assert!(!bankgiro_valid("50501056"));
        assert!(bankgiro_valid("1234566"));
        assert!(!bankgiro_valid("123456"));
        assert!(plusgiro_valid("4780003")); // Luhn-valid 7-digit plusgiro
        assert!(plusgiro_valid("18"));
        assert!(!plusgiro_valid("19"));
    }

    #[test]
    fn mod11() {
        // 5000 SEB (type 1 comment 1): "000" + 7-digit account, weights 1..10.
        // Build an account whose check works: find the digit that makes the sum divisible.
        let mut found = None;
        for last in 0..10 {
            let acct = format!("123456{last}");
            if mod11_valid(&format!("000{acct}")) {
                found = Some(acct);
            }
        }
        let acct = found.expect("some last digit makes mod 11 hold");
        assert_eq!(bank_account("5000", &acct), Some("SEB"));
        assert_eq!(bank_account("5000", "1234567").is_some(), acct == "1234567");
    }

    #[test]
    fn type2() {
        // Handelsbanken: 9 digits mod 11.
        let acct = (0..10)
            .map(|d| format!("12345678{d}"))
            .find(|a| mod11_valid(a))
            .expect("some digit works");
        assert_eq!(bank_account("6789", &acct), Some("Handelsbanken"));
        // Swedbank 8xxxx with clearing check digit.
        assert!(luhn_valid("83279"));
        let acct = format!(
            "12345678{}",
            super::super::luhn_check_digit("12345678").unwrap()
        );
        assert_eq!(bank_account("83279", &acct), Some("Swedbank"));
        assert_eq!(bank_account("83278", &acct), None);
        // Personkonto: the account is a personnummer.
        assert_eq!(
            bank_account("3300", "1212121212"),
            Some("Nordea personkonto")
        );
    }

    #[test]
    fn unknown_clearing() {
        assert_eq!(bank_account("0999", "1234567"), None);
        assert_eq!(bank_account("9990", "1234567"), None);
        assert_eq!(bank_account("12a4", "1234567"), None);
    }
}

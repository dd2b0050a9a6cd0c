//! IBAN: ISO 13616, checked with ISO 7064 mod 97-10.

/// Lengths for the countries most often seen in Swedish comments; others must be 15–34.
const LENGTHS: &[(&str, usize)] = &[
    ("AT", 20),
    ("BE", 16),
    ("CH", 21),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GL", 18),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("SE", 24),
];

/// Is `s` (spaces allowed, letters in either case) a valid IBAN?
pub fn iban_valid(s: &str) -> bool {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if compact.len() < 15 || compact.len() > 34 {
        return false;
    }
    if !compact[..2].iter().all(u8::is_ascii_uppercase)
        || !compact[2..4].iter().all(u8::is_ascii_digit)
        || !compact.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let country = std::str::from_utf8(&compact[..2]).unwrap_or("");
    if let Some((_, len)) = LENGTHS.iter().find(|(c, _)| *c == country)
        && compact.len() != *len
    {
        return false;
    }
    // Move the first four characters to the end, letters → 10..35, mod 97 piecewise.
    let mut rem: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            let v = u32::from(b - b'A') + 10;
            rem = (rem * 100 + v) % 97;
        }
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_examples() {
        // Published example IBANs.
        assert!(iban_valid("SE45 5000 0000 0583 9825 7466"));
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(iban_valid("NO9386011117947"));
        assert!(iban_valid("se45 5000 0000 0583 9825 7466"));
    }

    #[test]
    fn invalid() {
        assert!(!iban_valid("SE45 5000 0000 0583 9825 7467"));
        assert!(!iban_valid("SE45 5000 0000 0583 9825 74")); // wrong length for SE
        assert!(!iban_valid("XX00"));
        assert!(!iban_valid("1234 5678 9012 3456"));
        assert!(!iban_valid("SE45-5000-0000-0583-9825-7466"));
    }
}

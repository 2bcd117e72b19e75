//! Just enough DER to read a certificate's validity period: choosing the client certificate
//! needs `notBefore` / `notAfter`, which neither rustls nor webpki expose, and a full X.509
//! parser would be the largest dependency of the crate for two dates.

/// A certificate's validity period, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validity {
    pub not_before: i64,
    pub not_after: i64,
}

impl Validity {
    /// Whether `now` (Unix seconds) lies in the period, both ends included (RFC 5280 §4.1.2.5).
    pub fn contains(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The validity of a DER certificate; `None` if it is not one.
pub(crate) fn validity(cert: &[u8]) -> Option<Validity> {
    let (tag, certificate, _) = read_tlv(cert)?;
    expect(tag, SEQUENCE)?;
    let (tag, tbs, _) = read_tlv(certificate)?;
    expect(tag, SEQUENCE)?;
    let (mut tag, _, mut rest) = read_tlv(tbs)?;
    if tag == VERSION {
        (tag, _, rest) = read_tlv(rest)?;
    }
    expect(tag, INTEGER)?; // serialNumber
    let (tag, _, rest) = read_tlv(rest)?; // signature AlgorithmIdentifier
    expect(tag, SEQUENCE)?;
    let (tag, _, rest) = read_tlv(rest)?; // issuer
    expect(tag, SEQUENCE)?;
    let (tag, validity, _) = read_tlv(rest)?;
    expect(tag, SEQUENCE)?;
    let (tag, not_before, rest) = read_tlv(validity)?;
    let not_before = parse_time(tag, not_before)?;
    let (tag, not_after, _) = read_tlv(rest)?;
    let not_after = parse_time(tag, not_after)?;
    Some(Validity {
        not_before,
        not_after,
    })
}

fn expect(tag: u8, wanted: u8) -> Option<()> {
    (tag == wanted).then_some(())
}

/// Splits one tag-length-value off `input`: (tag, content, rest).
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, after) = input.split_at_checked(count)?;
        input = after;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let (content, rest) = input.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, as RFC 5280 requires them.
fn parse_time(tag: u8, text: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(text).ok()?;
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time(UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(parse_time(UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"20240229120000Z"),
            Some(1_709_208_000)
        );
        assert_eq!(
            parse_time(GENERALIZED_TIME, b"99991231235959Z"),
            Some(253_402_300_799)
        );
        assert_eq!(parse_time(UTC_TIME, b"20240229120000Z"), None);
        assert_eq!(parse_time(UTC_TIME, b"700101000000"), None);
        assert_eq!(parse_time(UTC_TIME, b"701301000000Z"), None);
        assert_eq!(parse_time(UTC_TIME, b"70010100000xZ"), None);
    }

    #[test]
    fn certificates_made_by_rcgen() {
        let mut params = rcgen::CertificateParams::new(vec!["cp001".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2021, 3, 4);
        params.not_after = rcgen::date_time_ymd(2061, 5, 6);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let v = validity(cert.der()).unwrap();
        assert_eq!(v.not_before, days_from_civil(2021, 3, 4) * 86_400);
        assert_eq!(v.not_after, days_from_civil(2061, 5, 6) * 86_400);
        assert!(
            v.contains(v.not_before) && v.contains(v.not_after) && !v.contains(v.not_after + 1)
        );
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(validity(&[]), None);
        assert_eq!(validity(&[0x30, 0x82, 0xff]), None);
        assert_eq!(validity(b"-----BEGIN CERTIFICATE-----"), None);
        assert_eq!(validity(&[0x30, 0x03, 0x30, 0x01, 0x02]), None);
    }
}

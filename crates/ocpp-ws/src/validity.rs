//! A certificate's validity period, read with the RustCrypto `x509-cert` parser: choosing the
//! client certificate needs `notBefore` / `notAfter`, which rustls and webpki do not expose.

use x509_cert::der::Decode;
use x509_cert::time::Time;
use x509_cert::Certificate;

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

/// The validity of a DER certificate; `None` if it is not one.
pub(crate) fn of_certificate(der: &[u8]) -> Option<Validity> {
    let cert = Certificate::from_der(der).ok()?;
    let seconds = |t: Time| i64::try_from(t.to_unix_duration().as_secs()).ok();
    let validity = &cert.tbs_certificate.validity;
    Some(Validity {
        not_before: seconds(validity.not_before)?,
        not_after: seconds(validity.not_after)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_made_by_rcgen() {
        let mut params = rcgen::CertificateParams::new(vec!["cp001".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2021, 3, 4);
        params.not_after = rcgen::date_time_ymd(2061, 5, 6);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let v = of_certificate(cert.der()).unwrap();
        // 2021-03-04T00:00:00Z and 2061-05-06T00:00:00Z.
        assert_eq!(v.not_before, 1_614_816_000);
        assert_eq!(v.not_after, 2_882_563_200);
        assert!(
            v.contains(v.not_before) && v.contains(v.not_after) && !v.contains(v.not_after + 1)
        );
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(of_certificate(&[]), None);
        assert_eq!(of_certificate(&[0x30, 0x82, 0xff]), None);
        assert_eq!(of_certificate(b"-----BEGIN CERTIFICATE-----"), None);
        assert_eq!(of_certificate(&[0x30, 0x03, 0x30, 0x01, 0x02]), None);
    }
}

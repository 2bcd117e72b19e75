//! `Internal.SupportedCiphers12` / `SupportedCiphers13` (OpenSSL names, as libocpp passes them
//! to `SSL_CTX_set_cipher_list` / `SSL_CTX_set_ciphersuites`) to rustls cipher suites.
//!
//! rustls has only AEAD suites with forward secrecy. Names it does not have (libocpp's default
//! list holds `AES128-GCM-SHA256` and `AES256-GCM-SHA384`, RSA key exchange) are ignored, as are
//! unknown names (with a warning). IANA names (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`) are
//! accepted too. A version whose list maps to nothing is not offered. Each ignored name is
//! logged once per process (the RSA key-exchange ones at info level: configuring them is
//! normal, libocpp's defaults do).

use rustls::crypto::ring::cipher_suite as suite;
use rustls::SupportedCipherSuite;

/// OpenSSL name → suite, TLS 1.2.
const TLS12: [(&str, SupportedCipherSuite); 6] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// OpenSSL name (which is the IANA name) → suite, TLS 1.3.
const TLS13: [(&str, SupportedCipherSuite); 3] = [
    ("TLS_AES_256_GCM_SHA384", suite::TLS13_AES_256_GCM_SHA384),
    ("TLS_AES_128_GCM_SHA256", suite::TLS13_AES_128_GCM_SHA256),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        suite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
];

/// libocpp's default `SupportedCiphers12`.
pub const DEFAULT_CIPHERS12: [&str; 4] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
];

/// libocpp's default `SupportedCiphers13`.
pub const DEFAULT_CIPHERS13: [&str; 2] = ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"];

/// The suites to offer, in the configured order.
#[derive(Debug, Clone, Default)]
pub struct CipherSelection {
    /// TLS 1.2 suites.
    pub tls12: Vec<SupportedCipherSuite>,
    /// TLS 1.3 suites.
    pub tls13: Vec<SupportedCipherSuite>,
    /// Configured names that were ignored.
    pub ignored: Vec<String>,
}

impl CipherSelection {
    /// All suites, TLS 1.3 first (rustls' preference).
    pub fn all(&self) -> Vec<SupportedCipherSuite> {
        self.tls13.iter().chain(&self.tls12).copied().collect()
    }
}

/// Maps the two configured lists; see the [module docs](self).
pub fn select_cipher_suites<S: AsRef<str>>(ciphers12: &[S], ciphers13: &[S]) -> CipherSelection {
    let mut selection = CipherSelection::default();
    for name in ciphers12 {
        let name = name.as_ref().trim();
        match lookup(&TLS12, name) {
            Some(s) if !selection.tls12.contains(&s) => selection.tls12.push(s),
            Some(_) => {}
            None => ignore(&mut selection, name, "SupportedCiphers12"),
        }
    }
    for name in ciphers13 {
        let name = name.as_ref().trim();
        match lookup(&TLS13, name) {
            Some(s) if !selection.tls13.contains(&s) => selection.tls13.push(s),
            Some(_) => {}
            None => ignore(&mut selection, name, "SupportedCiphers13"),
        }
    }
    selection
}

fn lookup(table: &[(&str, SupportedCipherSuite)], name: &str) -> Option<SupportedCipherSuite> {
    table.iter().find_map(|(openssl, s)| {
        let iana = s.suite().as_str().unwrap_or_default();
        (name.eq_ignore_ascii_case(openssl) || name.eq_ignore_ascii_case(iana)).then_some(*s)
    })
}

/// Suites of libocpp's default lists (and their OpenSSL relatives) with RSA key exchange: no
/// forward secrecy, so rustls leaves them out on purpose. Configuring them is normal (libocpp's
/// defaults do), so they are reported at info level, not as a warning.
const WITHOUT_FORWARD_SECRECY: [&str; 4] = [
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA256",
    "AES256-SHA256",
];

/// Names already reported in this process: the options are checked at every connection
/// attempt, and one line per name is enough (the shipped config would otherwise log two
/// warnings at every TLS start).
static REPORTED: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

fn ignore(selection: &mut CipherSelection, name: &str, key: &str) {
    selection.ignored.push(name.to_owned());
    let first_time = match REPORTED.lock() {
        Ok(mut reported) => reported.insert(format!("{key}/{name}")),
        Err(_) => true,
    };
    if !first_time {
        return;
    }
    if WITHOUT_FORWARD_SECRECY
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        tracing::info!(
            cipher = name,
            key,
            "cipher suite without forward secrecy (RSA key exchange), which rustls does not offer; ignored"
        );
    } else {
        tracing::warn!(
            cipher = name,
            key,
            "cipher suite not supported by rustls (or not for this TLS version); ignored"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(suites: &[SupportedCipherSuite]) -> Vec<&'static str> {
        suites
            .iter()
            .map(|s| s.suite().as_str().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn libocpp_defaults() {
        let s = select_cipher_suites(&DEFAULT_CIPHERS12, &DEFAULT_CIPHERS13);
        assert_eq!(
            names(&s.tls12),
            [
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
            ]
        );
        assert_eq!(
            names(&s.tls13),
            ["TLS13_AES_256_GCM_SHA384", "TLS13_AES_128_GCM_SHA256"]
        );
        assert_eq!(s.ignored, ["AES128-GCM-SHA256", "AES256-GCM-SHA384"]);
        assert_eq!(s.all().len(), 4);
    }

    #[test]
    fn every_mapped_name() {
        let all12: Vec<&str> = TLS12.iter().map(|(n, _)| *n).collect();
        let all13: Vec<&str> = TLS13.iter().map(|(n, _)| *n).collect();
        let s = select_cipher_suites(&all12, &all13);
        assert_eq!((s.tls12.len(), s.tls13.len(), s.ignored.len()), (6, 3, 0));
        assert!(s.tls12.iter().all(|c| c.tls13().is_none()));
        assert!(s.tls13.iter().all(|c| c.tls13().is_some()));
    }

    #[test]
    fn iana_names_case_duplicates_and_wrong_list() {
        let s = select_cipher_suites(
            &[
                "tls_ecdhe_rsa_with_aes_128_gcm_sha256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "TLS_AES_128_GCM_SHA256",
            ],
            &[
                "TLS_CHACHA20_POLY1305_SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "NOPE",
            ],
        );
        assert_eq!(names(&s.tls12), ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
        assert_eq!(names(&s.tls13), ["TLS13_CHACHA20_POLY1305_SHA256"]);
        assert_eq!(
            s.ignored,
            [
                "TLS_AES_128_GCM_SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "NOPE"
            ]
        );
    }

    #[test]
    fn empty_lists_offer_nothing() {
        let none: [&str; 0] = [];
        let s = select_cipher_suites(&none, &none);
        assert!(s.all().is_empty());
    }
}

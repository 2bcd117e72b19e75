//! The rustls client configuration of profiles 2 and 3.
//!
//! - TLS 1.2 and 1.3 only, with the configured cipher suites ([`super::ciphers`]).
//! - The CSMS certificate must chain to the CSMS root CA of the store, plus the system roots
//!   when `Internal.UseSslDefaultVerifyPaths` is true (libocpp loads both likewise); when
//!   those do not verify it, to the store's fallback CSMS root (AdditionalRootCertificateCheck:
//!   a replaced root stays usable until the new one verified a connection), and the probe
//!   notes that the fallback did ([`HandshakeProbe::fallback_root_used`]).
//! - The host name is checked unless `Internal.VerifyCsmsCommonName` is false; a name matched
//!   only through a wildcard is refused unless `Internal.VerifyCsmsAllowWildcards` is true.
//!   Departure: names come from the subjectAltName only (webpki, RFC 6125); OpenSSL's
//!   `X509_check_host`, which libocpp uses, falls back to the subject CN when there is no
//!   DNS subjectAltName.
//! - Profile 3 presents the client certificate of the store.
//!
//! The verifier and the client-certificate resolver note what the handshake got to
//! ([`HandshakeProbe`]), so that a failure can be told apart afterwards: an alert before the
//! server's certificate is a version or cipher suite problem, one after the server asked for
//! our certificate is about our certificate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore,
    SignatureScheme,
};

use super::ciphers::CipherSelection;

/// What the TLS handshake of one attempt got to.
#[derive(Debug, Default)]
pub struct HandshakeProbe {
    server_certificate_seen: AtomicBool,
    client_certificate_requested: AtomicBool,
    server_signature_refused: AtomicBool,
    fallback_root_used: AtomicBool,
}

impl HandshakeProbe {
    /// Whether the server's certificate arrived (so version and suite were agreed).
    pub fn server_certificate_seen(&self) -> bool {
        self.server_certificate_seen.load(Ordering::Relaxed)
    }

    /// Whether the server asked for a client certificate.
    pub fn client_certificate_requested(&self) -> bool {
        self.client_certificate_requested.load(Ordering::Relaxed)
    }

    /// Whether the server's handshake signature (TLS 1.3 CertificateVerify, TLS 1.2
    /// ServerKeyExchange) did not verify with the key of the certificate it presented: the
    /// server did not prove it holds that certificate's private key.
    pub fn server_signature_refused(&self) -> bool {
        self.server_signature_refused.load(Ordering::Relaxed)
    }

    /// Whether the server's certificate was verified by the fallback CSMS root, the other
    /// roots having refused it.
    pub fn fallback_root_used(&self) -> bool {
        self.fallback_root_used.load(Ordering::Relaxed)
    }

    /// A handshake that got past the server certificate to the certificate request.
    #[cfg(test)]
    pub(crate) fn mark_for_test(&self) {
        self.server_certificate_seen.store(true, Ordering::Relaxed);
        self.client_certificate_requested
            .store(true, Ordering::Relaxed);
    }
}

/// How the CSMS certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVerification {
    /// `Internal.VerifyCsmsCommonName`.
    pub verify_host_name: bool,
    /// `Internal.VerifyCsmsAllowWildcards`.
    pub allow_wildcards: bool,
}

/// The certificate matches the host name only through a wildcard, and wildcards are not
/// allowed.
#[derive(Debug, thiserror::Error)]
#[error("the CSMS certificate matches {host} only through a wildcard name, and VerifyCsmsAllowWildcards is false")]
pub struct WildcardNotAllowed {
    /// The host name.
    pub host: String,
}

/// The CryptoProvider of the `ring` backend restricted to `suites`.
pub fn provider_with(suites: Vec<rustls::SupportedCipherSuite>) -> CryptoProvider {
    CryptoProvider {
        cipher_suites: suites,
        ..rustls::crypto::ring::default_provider()
    }
}

/// Builds the client configuration of one attempt. `roots` and `fallback_roots` must not both
/// be empty; `fallback_roots` verify the CSMS only when `roots` do not.
pub fn client_config(
    ciphers: &CipherSelection,
    roots: RootCertStore,
    fallback_roots: RootCertStore,
    verification: ServerVerification,
    client_certificate: Option<Arc<CertifiedKey>>,
    probe: Arc<HandshakeProbe>,
) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(provider_with(ciphers.all()));
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if !ciphers.tls13.is_empty() {
        versions.push(&rustls::version::TLS13);
    }
    if !ciphers.tls12.is_empty() {
        versions.push(&rustls::version::TLS12);
    }
    let webpki =
        |roots: RootCertStore| -> Result<Option<Arc<WebPkiServerVerifier>>, rustls::Error> {
            if roots.is_empty() {
                return Ok(None);
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                .build()
                .map(Some)
                .map_err(|e| rustls::Error::General(format!("server verifier: {e}")))
        };
    let (primary, fallback) = (webpki(roots)?, webpki(fallback_roots)?);
    let verifier = CsmsVerifier::new(primary, fallback, verification, Arc::clone(&probe))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(ProbingResolver {
            certified_key: client_certificate,
            probe,
        }));
    Ok(config)
}

/// webpki's verification, with the fallback root after the others, plus the host-name policy
/// of libocpp's Internal keys.
#[derive(Debug)]
struct CsmsVerifier {
    /// The installed roots (and the system's), when there are any.
    primary: Option<Arc<WebPkiServerVerifier>>,
    /// The fallback CSMS root, when there is one.
    fallback: Option<Arc<WebPkiServerVerifier>>,
    /// Either of them: the handshake signatures do not depend on the roots.
    any: Arc<WebPkiServerVerifier>,
    verification: ServerVerification,
    probe: Arc<HandshakeProbe>,
}

impl CsmsVerifier {
    fn new(
        primary: Option<Arc<WebPkiServerVerifier>>,
        fallback: Option<Arc<WebPkiServerVerifier>>,
        verification: ServerVerification,
        probe: Arc<HandshakeProbe>,
    ) -> Result<CsmsVerifier, rustls::Error> {
        let any = primary
            .clone()
            .or_else(|| fallback.clone())
            .ok_or_else(|| {
                rustls::Error::General("no root certificate to verify the CSMS".to_owned())
            })?;
        Ok(CsmsVerifier {
            primary,
            fallback,
            any,
            verification,
            probe,
        })
    }
}

/// Whether webpki's `result` says the chain is fine (it checks the name last, so a name error
/// means the chain itself verified).
fn chain_verified(result: &Result<ServerCertVerified, rustls::Error>) -> bool {
    matches!(
        result,
        Ok(_)
            | Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ))
    )
}

impl ServerCertVerifier for CsmsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.probe
            .server_certificate_seen
            .store(true, Ordering::Relaxed);
        let verify = |verifier: &WebPkiServerVerifier| {
            verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        let primary = self.primary.as_deref().map(verify);
        let verified = match (primary, self.fallback.as_deref()) {
            (Some(result), _) if chain_verified(&result) => result,
            (primary, Some(fallback)) => {
                let result = verify(fallback);
                if chain_verified(&result) {
                    tracing::warn!(
                        "the CSMS certificate is verified by the fallback CSMS root only: the new root is not used by the CSMS yet"
                    );
                    self.probe.fallback_root_used.store(true, Ordering::Relaxed);
                    result
                } else {
                    // The installed roots' refusal says more than the fallback's.
                    primary.unwrap_or(result)
                }
            }
            (Some(result), None) => result,
            (None, None) => Err(rustls::Error::General(
                "no root certificate to verify the CSMS".to_owned(),
            )),
        };
        match verified {
            // webpki checks the name last: this error means the chain itself is fine.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.verification.verify_host_name => {
                tracing::warn!(
                    server_name = %server_name.to_str(),
                    "CSMS certificate does not name the host; accepted because VerifyCsmsCommonName is false"
                );
                Ok(ServerCertVerified::assertion())
            }
            Ok(verified) => {
                if self.verification.verify_host_name && !self.verification.allow_wildcards {
                    check_no_wildcard(end_entity, server_name)?;
                }
                Ok(verified)
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature_checked(self.any.verify_tls12_signature(message, cert, dss))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature_checked(self.any.verify_tls13_signature(message, cert, dss))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.any.supported_verify_schemes()
    }
}

impl CsmsVerifier {
    /// Notes a handshake signature that did not verify (see
    /// [`HandshakeProbe::server_signature_refused`]).
    fn signature_checked(
        &self,
        result: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if result.is_err() {
            self.probe
                .server_signature_refused
                .store(true, Ordering::Relaxed);
        }
        result
    }
}

/// After webpki accepted the name: refuses it when no subjectAltName equals the host exactly.
fn check_no_wildcard(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
) -> Result<(), rustls::Error> {
    let ServerName::DnsName(dns) = server_name else {
        return Ok(()); // IP addresses have no wildcards
    };
    let host = dns.as_ref().trim_end_matches('.');
    let cert = webpki::EndEntityCert::try_from(end_entity)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let exact = cert
        .valid_dns_names()
        .any(|name| !name.contains('*') && name.trim_end_matches('.').eq_ignore_ascii_case(host));
    if exact {
        return Ok(());
    }
    let error = WildcardNotAllowed {
        host: host.to_owned(),
    };
    Err(rustls::Error::InvalidCertificate(CertificateError::Other(
        OtherError(Arc::new(error)),
    )))
}

/// Presents the store's client certificate, and notes that the server asked for one.
#[derive(Debug)]
struct ProbingResolver {
    certified_key: Option<Arc<CertifiedKey>>,
    probe: Arc<HandshakeProbe>,
}

impl ResolvesClientCert for ProbingResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.probe
            .client_certificate_requested
            .store(true, Ordering::Relaxed);
        self.certified_key.clone()
    }

    fn has_certs(&self) -> bool {
        self.certified_key.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A root and a server certificate for `names`, made with rcgen.
    fn pki(names: &[&str]) -> (CertificateDer<'static>, CertificateDer<'static>) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let leaf = leaf.signed_by(&key, &issuer).unwrap();
        (ca_cert.der().clone(), leaf.der().clone())
    }

    fn verify(
        names: &[&str],
        host: &str,
        verify_host_name: bool,
        allow_wildcards: bool,
    ) -> Result<(), rustls::Error> {
        let (root, leaf) = pki(names);
        let mut roots = RootCertStore::empty();
        roots.add(root).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = CsmsVerifier::new(
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .unwrap(),
            ),
            None,
            ServerVerification {
                verify_host_name,
                allow_wildcards,
            },
            Arc::default(),
        )
        .unwrap();
        let name = ServerName::try_from(host.to_owned()).unwrap();
        verifier
            .verify_server_cert(&leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    /// Verifies the server certificate of `pki(["csms"])`'s second part against `primary` and
    /// `fallback` (DER roots); whether it passed and whether the fallback did it.
    fn verify_with(
        leaf: &CertificateDer<'static>,
        primary: &[&CertificateDer<'static>],
        fallback: &[&CertificateDer<'static>],
    ) -> (Result<(), rustls::Error>, bool) {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = |roots: &[&CertificateDer<'static>]| {
            let mut store = RootCertStore::empty();
            for root in roots {
                store.add((*root).clone()).unwrap();
            }
            (!roots.is_empty()).then(|| {
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(&provider))
                    .build()
                    .unwrap()
            })
        };
        let probe = Arc::new(HandshakeProbe::default());
        let verifier = CsmsVerifier::new(
            verifier(primary),
            verifier(fallback),
            ServerVerification {
                verify_host_name: true,
                allow_wildcards: false,
            },
            Arc::clone(&probe),
        )
        .unwrap();
        let name = ServerName::try_from("csms").unwrap();
        let result = verifier
            .verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
            .map(|_| ());
        (result, probe.fallback_root_used())
    }

    #[test]
    fn the_fallback_root_verifies_only_what_the_others_do_not() {
        let (old_root, old_leaf) = pki(&["csms"]);
        let (new_root, new_leaf) = pki(&["csms"]);
        let (other_root, _) = pki(&["csms"]);
        // The CSMS already presents the new chain: the installed root verifies it.
        let (result, fallback) = verify_with(&new_leaf, &[&new_root], &[&old_root]);
        assert!(result.is_ok() && !fallback);
        // The CSMS still presents the old chain: the fallback verifies it, and says so.
        let (result, fallback) = verify_with(&old_leaf, &[&new_root], &[&old_root]);
        assert!(result.is_ok() && fallback);
        // Neither: refused (the three roots share rcgen's default name, so webpki finds the
        // signature bad rather than the issuer unknown).
        let (result, fallback) = verify_with(&old_leaf, &[&new_root], &[&other_root]);
        assert!(
            matches!(
                result,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::BadSignature
                ))
            ),
            "{result:?}"
        );
        assert!(!fallback);
        // Only a fallback (a bundle emptied by hand): it is what verifies.
        let (result, fallback) = verify_with(&old_leaf, &[], &[&old_root]);
        assert!(result.is_ok() && fallback);
    }

    fn is_wildcard_refusal(result: Result<(), rustls::Error>) -> bool {
        matches!(result, Err(rustls::Error::InvalidCertificate(CertificateError::Other(o))) if o.0.downcast_ref::<WildcardNotAllowed>().is_some())
    }

    #[test]
    fn exact_names_pass() {
        assert!(verify(&["csms.example.com"], "csms.example.com", true, false).is_ok());
        assert!(verify(&["CSMS.example.com"], "csms.example.com", true, false).is_ok());
        assert!(verify(
            &["*.example.com", "csms.example.com"],
            "csms.example.com",
            true,
            false
        )
        .is_ok());
        assert!(verify(&["127.0.0.1"], "127.0.0.1", true, false).is_ok());
    }

    #[test]
    fn wildcards_need_verify_csms_allow_wildcards() {
        assert!(is_wildcard_refusal(verify(
            &["*.example.com"],
            "csms.example.com",
            true,
            false
        )));
        assert!(verify(&["*.example.com"], "csms.example.com", true, true).is_ok());
        // A wildcard never covers two labels, allowed or not.
        assert!(verify(&["*.example.com"], "a.csms.example.com", true, true).is_err());
    }

    #[test]
    fn host_name_check_can_be_turned_off_but_not_the_chain() {
        let mismatch = verify(&["other.example.com"], "csms.example.com", true, false);
        assert!(matches!(
            mismatch,
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForNameContext { .. }
            ))
        ));
        assert!(verify(&["other.example.com"], "csms.example.com", false, false).is_ok());
        assert!(verify(&["other.example.com"], "127.0.0.1", false, false).is_ok());
    }
}

//! One X.509 certificate as the store needs it: read with the RustCrypto `x509-cert` parser
//! (names, validity, extensions) and walked with its `der` reader for the exact bytes that
//! are hashed and signed (the DER issuer and subject names, the to-be-signed part), which a
//! re-encoding could change; signatures checked with rustls-webpki's `ring` algorithms.

use std::fmt;

use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::CiString;
use rustls_pki_types::SignatureVerificationAlgorithm;
use x509_cert::der::asn1::{AnyRef, BitStringRef};
use x509_cert::der::{Decode, Reader, SliceReader};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, BasicConstraints, KeyUsage};
use x509_cert::time::Time;

/// Why bytes are not a certificate the store can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The DER does not parse as an X.509 certificate.
    #[error("not an X.509 certificate: {0}")]
    Der(String),
    /// A validity time outside what a Unix time in seconds holds.
    #[error("its validity period cannot be read")]
    Validity,
}

/// A parsed certificate. Two are equal when their DER encodings are.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    subject: String,
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    /// The subjectPublicKeyInfo's algorithm, without its SEQUENCE header (as webpki names
    /// algorithms).
    key_algorithm: Vec<u8>,
    /// The subjectPublicKey's bits (no unused-bits octet): what RFC 6960's issuerKeyHash hashes.
    public_key: Vec<u8>,
    /// The whole subjectPublicKeyInfo, DER.
    spki: Vec<u8>,
    serial_hex: String,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
    /// An X.509 version 1 certificate (no extensions), which webpki does not take.
    is_v1: bool,
    tbs_raw: Vec<u8>,
    signature_algorithm: Vec<u8>,
    signature: Vec<u8>,
    /// The first OCSP responder URL of its authorityInfoAccess extension.
    ocsp_responder: Option<String>,
}

/// RFC 5280's id-ad-ocsp: an authorityInfoAccess entry naming an OCSP responder.
const ID_AD_OCSP: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

impl PartialEq for Certificate {
    fn eq(&self, other: &Certificate) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("serial", &self.serial_hex)
            .finish_non_exhaustive()
    }
}

/// The parts of the raw encoding that are used as they are.
struct Raw {
    tbs: Vec<u8>,
    signature_algorithm: Vec<u8>,
    signature: Vec<u8>,
    issuer: Vec<u8>,
    subject: Vec<u8>,
    key_algorithm: Vec<u8>,
    public_key: Vec<u8>,
    spki: Vec<u8>,
}

fn raw_parts(der: &[u8]) -> x509_cert::der::Result<Raw> {
    let mut reader = SliceReader::new(der)?;
    let (tbs, signature_algorithm, signature) = reader.sequence(|cert| {
        let tbs = cert.tlv_bytes()?;
        let algorithm = AnyRef::decode(cert)?;
        let signature = BitStringRef::decode(cert)?;
        Ok((
            tbs,
            algorithm.value().to_vec(),
            signature.raw_bytes().to_vec(),
        ))
    })?;
    reader.finish(())?;
    let mut reader = SliceReader::new(tbs)?;
    let (issuer, subject, spki) = reader.sequence(|tbs| {
        // version [0] EXPLICIT, absent in a v1 certificate
        if tbs.peek_tag()?.is_context_specific() {
            AnyRef::decode(tbs)?;
        }
        AnyRef::decode(tbs)?; // serialNumber
        AnyRef::decode(tbs)?; // signature
        let issuer = tbs.tlv_bytes()?;
        AnyRef::decode(tbs)?; // validity
        let subject = tbs.tlv_bytes()?;
        let spki = tbs.tlv_bytes()?;
        while !tbs.is_finished() {
            AnyRef::decode(tbs)?; // unique ids, extensions
        }
        Ok((issuer, subject, spki))
    })?;
    let mut reader = SliceReader::new(spki)?;
    let (key_algorithm, public_key) = reader.sequence(|spki| {
        let algorithm = AnyRef::decode(spki)?;
        let key = BitStringRef::decode(spki)?;
        Ok((algorithm.value().to_vec(), key.raw_bytes().to_vec()))
    })?;
    Ok(Raw {
        tbs: tbs.to_vec(),
        signature_algorithm,
        signature,
        issuer: issuer.to_vec(),
        subject: subject.to_vec(),
        key_algorithm,
        public_key,
        spki: spki.to_vec(),
    })
}

fn unix_seconds(time: Time) -> Result<i64, CertificateError> {
    i64::try_from(time.to_unix_duration().as_secs()).map_err(|_| CertificateError::Validity)
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The serial number as the whitepaper writes it: hexadecimal without leading zeros ("0" for
/// zero), lower case as libevse-security's `x509_get_serial_number` (the field is
/// case-insensitive).
fn serial_hex(bytes: &[u8]) -> String {
    let digits = hex(bytes);
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertificateError> {
        let parsed = x509_cert::Certificate::from_der(der)
            .map_err(|e| CertificateError::Der(e.to_string()))?;
        let raw = raw_parts(der).map_err(|e| CertificateError::Der(e.to_string()))?;
        let tbs = &parsed.tbs_certificate;
        let basic = tbs
            .get::<BasicConstraints>()
            .map_err(|e| CertificateError::Der(format!("basicConstraints: {e}")))?;
        let key_usage = tbs
            .get::<KeyUsage>()
            .map_err(|e| CertificateError::Der(format!("keyUsage: {e}")))?;
        // RFC 5280 §4.2.1.9 and §4.2.1.3: a CA says cA in basicConstraints, and a keyUsage,
        // when there is one, must allow signing certificates.
        let is_ca = basic.is_some_and(|(_, b)| b.ca)
            && key_usage.is_none_or(|(_, usage)| usage.key_cert_sign());
        // An authorityInfoAccess that does not parse names no responder: the certificate is
        // still usable, only not for OCSP.
        let ocsp_responder = tbs
            .get::<AuthorityInfoAccessSyntax>()
            .ok()
            .flatten()
            .and_then(|(_, aia)| {
                aia.0
                    .into_iter()
                    .find_map(|access| match access.access_location {
                        GeneralName::UniformResourceIdentifier(uri)
                            if access.access_method == ID_AD_OCSP =>
                        {
                            Some(uri.to_string())
                        }
                        _ => None,
                    })
            });
        Ok(Certificate {
            der: der.to_vec(),
            subject: tbs.subject.to_string(),
            subject_raw: raw.subject,
            issuer_raw: raw.issuer,
            key_algorithm: raw.key_algorithm,
            public_key: raw.public_key,
            spki: raw.spki,
            serial_hex: serial_hex(tbs.serial_number.as_bytes()),
            not_before: unix_seconds(tbs.validity.not_before)?,
            not_after: unix_seconds(tbs.validity.not_after)?,
            is_ca,
            is_v1: tbs.version == x509_cert::Version::V1,
            tbs_raw: raw.tbs,
            signature_algorithm: raw.signature_algorithm,
            signature: raw.signature,
            ocsp_responder,
        })
    }

    /// The first PEM `CERTIFICATE` block of `pem`, parsed.
    pub fn from_pem(pem: &str) -> Result<Certificate, CertificateError> {
        match crate::pem::certificate_blocks(pem).into_iter().next() {
            Some(crate::pem::Block::Certificate(cert)) => Ok(*cert),
            Some(crate::pem::Block::Unreadable { reason, .. }) => {
                Err(CertificateError::Der(reason))
            }
            None => Err(CertificateError::Der("no PEM CERTIFICATE block".to_owned())),
        }
    }

    /// The OCSP responder its authorityInfoAccess extension names, if any.
    pub fn ocsp_responder(&self) -> Option<&str> {
        self.ocsp_responder.as_deref()
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM, 64 characters a line.
    pub fn pem(&self) -> String {
        crate::pem::encode_certificate(&self.der)
    }

    /// The subjectPublicKeyInfo, DER: what a private key is matched with.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The subject as RFC 4514 writes it (`CN=Root,O=Example`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The serial number in hexadecimal, lower case, without leading zeros.
    pub fn serial(&self) -> &str {
        &self.serial_hex
    }

    /// notBefore, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// notAfter, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `now` (Unix seconds) is within the validity period, both ends included
    /// (RFC 5280 §4.1.2.5).
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// Whether it is a certificate authority: basicConstraints cA, and keyCertSign in its
    /// keyUsage if it has one.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// Whether it is an X.509 version 1 certificate (what `openssl x509 -req` makes without
    /// an extensions file).
    pub fn is_v1(&self) -> bool {
        self.is_v1
    }

    /// Whether `signature` over `message` verifies with this certificate's public key, by the
    /// first of `algorithms` made for its key type; `None` when none is.
    pub fn verify_with_key(
        &self,
        algorithms: &[&dyn SignatureVerificationAlgorithm],
        message: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        let algorithm = algorithms
            .iter()
            .find(|alg| alg.public_key_alg_id().as_ref() == self.key_algorithm.as_slice())?;
        Some(
            algorithm
                .verify_signature(&self.public_key, message, signature)
                .is_ok(),
        )
    }

    /// Whether subject and issuer are the same name (byte for byte): a root, or a root's new
    /// key certified by its old one.
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Whether `issuer` issued this certificate: its subject is this one's issuer (byte for
    /// byte, as webpki compares names) and its key verifies this one's signature.
    pub fn is_issued_by(&self, issuer: &Certificate) -> bool {
        self.issuer_raw == issuer.subject_raw && self.is_signed_by_key_of(issuer)
    }

    /// Whether `issuer`'s public key verifies this certificate's signature, with the algorithm
    /// the certificate names (ECDSA P-256/P-384, RSA PKCS#1 and PSS, Ed25519).
    fn is_signed_by_key_of(&self, issuer: &Certificate) -> bool {
        webpki::ALL_VERIFICATION_ALGS
            .iter()
            .filter(|alg| {
                alg.signature_alg_id().as_ref() == self.signature_algorithm.as_slice()
                    && alg.public_key_alg_id().as_ref() == issuer.key_algorithm.as_slice()
            })
            .any(|alg: &&dyn SignatureVerificationAlgorithm| {
                alg.verify_signature(&issuer.public_key, &self.tbs_raw, &self.signature)
                    .is_ok()
            })
    }

    /// The certificate's hash data (RFC 6960 CertID, the whitepaper's CertificateHashDataType)
    /// with `issuer` as the certificate that issued it: the hash of this certificate's DER
    /// issuer name, the hash of the issuer's subjectPublicKey bits, the serial number. `None`
    /// when the serial number is longer than the whitepaper's 40 characters.
    pub fn hash_data(
        &self,
        issuer: &Certificate,
        algorithm: HashAlgorithm,
    ) -> Option<CertificateHashData> {
        let digest = |data: &[u8]| {
            let alg = match algorithm {
                HashAlgorithm::Sha256 => &ring::digest::SHA256,
                HashAlgorithm::Sha384 => &ring::digest::SHA384,
                HashAlgorithm::Sha512 => &ring::digest::SHA512,
            };
            hex(ring::digest::digest(alg, data).as_ref())
        };
        Some(CertificateHashData {
            hash_algorithm: algorithm,
            issuer_name_hash: CiString::new(digest(&self.issuer_raw)).ok()?,
            issuer_key_hash: CiString::new(digest(&issuer.public_key)).ok()?,
            serial_number: CiString::new(self.serial_hex.clone()).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_lose_their_leading_zeros_only() {
        assert_eq!(serial_hex(&[0x00, 0x8f, 0x01]), "8f01");
        assert_eq!(serial_hex(&[0x0f, 0xff]), "fff");
        assert_eq!(serial_hex(&[0x10]), "10");
        assert_eq!(serial_hex(&[0x00]), "0");
        assert_eq!(serial_hex(&[]), "0");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        for bytes in [
            &b""[..],
            b"\x30\x03\x02\x01\x01",
            b"-----BEGIN CERTIFICATE-----",
        ] {
            assert!(
                matches!(Certificate::from_der(bytes), Err(CertificateError::Der(_))),
                "{bytes:?}"
            );
        }
    }
}

//! The certificate store as the core sees it: the [`EvseSecurity`] trait, libocpp's
//! `ocpp::EvseSecurity` interface (include/ocpp/common/evse_security.hpp) and everest-core's
//! `evse_security` interface, with plain data in and out, so that the core stays free of IO
//! and crypto (no X.509 parser, no hash function here).
//!
//! The station injects an implementation ([`ChargePoint::with_evse_security`]): the
//! `evse-security` crate's file store, laid out as EVerest's EvseSecurity module; the core's
//! tests use an in-memory fake. Everything that needs to read a certificate (is it PEM, a CA,
//! valid now, signed by the old root; what its hash data is) happens behind the trait; the
//! core decides what the answers are and which rules of the Security whitepaper apply
//! (`certificates.rs`).
//!
//! [`ChargePoint::with_evse_security`]: super::ChargePoint::with_evse_security

use std::fmt;

use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::DateTime;

/// The kinds of CA certificate the store keeps, one bundle each (libocpp's and
/// libevse-security's `CaCertificateType`; EvseSecurity's `csms_ca_bundle`, `mf_ca_bundle`,
/// `v2g_ca_bundle`, `mo_ca_bundle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaCertificateType {
    /// Roots that verify the central system's TLS certificate (and sign the charge point's
    /// certificate): OCPP 1.6's CentralSystemRootCertificate.
    Csms,
    /// Manufacturer roots that verify firmware signing certificates: OCPP 1.6's
    /// ManufacturerRootCertificate.
    Mf,
    /// ISO 15118 V2G roots.
    V2g,
    /// ISO 15118 mobility operator (contract) roots.
    Mo,
}

impl CaCertificateType {
    /// Every kind, in the order the store lists them.
    pub const ALL: [CaCertificateType; 4] = [
        CaCertificateType::Csms,
        CaCertificateType::Mf,
        CaCertificateType::V2g,
        CaCertificateType::Mo,
    ];

    /// libevse-security's name of the kind (`ca_certificate_type_to_string`): the prefix of
    /// the files it writes into a bundle directory.
    pub fn as_str(self) -> &'static str {
        match self {
            CaCertificateType::Csms => "CSMS",
            CaCertificateType::Mf => "MF",
            CaCertificateType::V2g => "V2G",
            CaCertificateType::Mo => "MO",
        }
    }
}

impl fmt::Display for CaCertificateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the store made of an InstallCertificate (libocpp's `InstallCertificateResult`, with
/// [`NotACertificateAuthority`](InstallCertificateResult::NotACertificateAuthority) added:
/// libevse-security installs any certificate as a root, this store only a CA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstallCertificateResult {
    /// Installed (or it was installed already).
    Accepted,
    /// Not one PEM-encoded X.509 certificate.
    InvalidFormat,
    /// A certificate, but not a certificate authority (basicConstraints without cA, or a
    /// keyUsage without keyCertSign).
    NotACertificateAuthority,
    /// Not valid now: expired, or not valid yet.
    Expired,
    /// Neither a root nor issued by an installed certificate, so it cannot be identified by
    /// hash data (its issuerKeyHash needs the issuer's key).
    NoRootCertificateInstalled,
    /// AdditionalRootCertificateCheck: the new CSMS root is not signed by the root it replaces;
    /// for a leaf: a signature of its chain does not verify.
    InvalidSignature,
    /// A leaf's chain does not lead to an installed root (other than by a bad signature or
    /// an expired certificate), or no private key of the store belongs to the leaf.
    InvalidCertificateChain,
    /// Installing it would exceed CertificateStoreMaxLength.
    CertificateStoreMaxLengthExceeded,
    /// The certificate is fine, but writing it failed.
    WriteError,
}

impl InstallCertificateResult {
    /// libocpp's name of the result (`install_certificate_result_to_string`): the techInfo of
    /// the security event a refusal raises.
    pub fn as_str(self) -> &'static str {
        match self {
            InstallCertificateResult::Accepted => "Accepted",
            InstallCertificateResult::InvalidFormat => "InvalidFormat",
            InstallCertificateResult::NotACertificateAuthority => "NotACertificateAuthority",
            InstallCertificateResult::Expired => "Expired",
            InstallCertificateResult::NoRootCertificateInstalled => "NoRootCertificateInstalled",
            InstallCertificateResult::InvalidSignature => "InvalidSignature",
            InstallCertificateResult::InvalidCertificateChain => "InvalidCertificateChain",
            InstallCertificateResult::CertificateStoreMaxLengthExceeded => {
                "CertificateStoreMaxLengthExceeded"
            }
            InstallCertificateResult::WriteError => "WriteError",
        }
    }
}

impl fmt::Display for InstallCertificateResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rules an install follows, from the OCPP configuration and the core's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallOptions {
    /// The time the certificate must be valid at.
    pub now: DateTime,
    /// CertificateStoreMaxLength: how many CSMS and manufacturer root certificates may be
    /// installed at most (the fallback CSMS root counted); `None` for no limit.
    pub max_certificates: Option<u32>,
    /// AdditionalRootCertificateCheck: a new CSMS root must be signed by the installed one,
    /// which it replaces (kept as the fallback until the new one connected once).
    pub additional_root_certificate_check: bool,
}

/// What the store made of a DeleteCertificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteCertificateResult {
    /// Deleted.
    Accepted,
    /// No installed certificate has this hash data.
    NotFound,
    /// It is the charge point's own certificate (or in its chain), which a DeleteCertificate
    /// may not delete (libevse-security's `delete_certificate`, after OCPP 2.0.1 M04.FR.06).
    ChargePointCertificate,
    /// Found, but writing the store failed; the reason, for the log.
    WriteError(String),
}

/// An installed certificate, as GetInstalledCertificateIds and the station's state show it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledCertificate {
    /// Its bundle.
    pub kind: CaCertificateType,
    /// Its hash data, with the algorithm asked for.
    pub hash_data: CertificateHashData,
    /// Its subject, as RFC 4514 writes a distinguished name (`CN=Root,O=Example`).
    pub subject: String,
    /// The end of its validity.
    pub not_after: DateTime,
    /// Whether it is the CSMS root kept as the fallback (AdditionalRootCertificateCheck) until
    /// the root that replaced it connected once.
    pub fallback: bool,
}

/// Which of the station's own certificates (libocpp's `LeafCertificateType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeafCertificateType {
    /// The charge point certificate of the CSMS connection (security profile 3), in
    /// `csms_leaf_cert_directory`; its chain leads to a CSMS root.
    Csms,
    /// The ISO 15118 SECC certificate, in `secc_leaf_cert_directory`; its chain leads to a V2G
    /// root.
    V2g,
}

/// One of the station's own certificates, as the station's state shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafCertificate {
    /// Which certificate.
    pub kind: LeafCertificateType,
    /// Its subject, as RFC 4514 writes a distinguished name.
    pub subject: String,
    /// The end of its validity.
    pub not_after: DateTime,
    /// Its serial number, hexadecimal, lower case, without leading zeros.
    pub serial_number: String,
}

/// What checking a certificate chain found (libocpp's `CertificateValidationResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateValidationResult {
    /// It leads to an installed root, every certificate valid now.
    Valid,
    /// A certificate of it is expired, or not valid yet.
    Expired,
    /// A signature of it does not verify.
    InvalidSignature,
    /// No installed root issued it.
    IssuerNotFound,
    /// Otherwise not a valid chain (a CA as the leaf, a wrong key usage, ...).
    InvalidChain,
    /// Not PEM certificates.
    InvalidFormat,
}

/// The key a certificate signing request is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyType {
    /// ECDSA on P-256 (with SHA-256): what libevse-security generates by default.
    #[default]
    EcdsaP256,
    /// ECDSA on P-384 (with SHA-384).
    EcdsaP384,
    /// RSA with a 2048-bit modulus (PKCS#1 v1.5 with SHA-256).
    Rsa2048,
}

/// A certificate signing request to make: a new key, kept by the store until the certificate
/// signed for it arrives ([`EvseSecurity::update_leaf_certificate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrRequest {
    /// Which certificate it is for.
    pub kind: LeafCertificateType,
    /// The subject's C, if any.
    pub country: Option<String>,
    /// The subject's O (the whitepaper: CpoName), if any.
    pub organization: Option<String>,
    /// The subject's CN (the whitepaper: the ChargeBoxSerialNumber).
    pub common_name: String,
    /// The key to generate.
    pub key: KeyType,
}

/// Why no certificate signing request was made (libocpp's
/// `GetCertificateSignRequestStatus` besides Accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrError {
    /// The key could not be generated or stored; the reason, for the log.
    KeyGenError(String),
    /// The request could not be made; the reason, for the log.
    GenerationError(String),
}

/// The station's certificate store; see the [module docs](self). Implementations never panic
/// on what they read: a file that cannot be used is logged, naming it, and skipped.
pub trait EvseSecurity: fmt::Debug {
    /// Installs `pem` (one PEM-encoded X.509 certificate) as a CA certificate of `kind`
    /// (libocpp's `install_ca_certificate`).
    fn install_ca_certificate(
        &mut self,
        pem: &str,
        kind: CaCertificateType,
        options: &InstallOptions,
    ) -> InstallCertificateResult;

    /// Deletes every installed certificate whose hash data matches `hash_data`
    /// ([`hash_data_matches`]), in any CA bundle (libocpp's `delete_certificate`).
    fn delete_certificate(&mut self, hash_data: &CertificateHashData) -> DeleteCertificateResult;

    /// The installed CA certificates of `kinds`, in the order of `kinds`, each bundle's in
    /// file order and its fallback last, with their hash data computed with `algorithm`
    /// (libocpp's `get_installed_certificates`).
    fn installed_certificates(
        &self,
        kinds: &[CaCertificateType],
        algorithm: HashAlgorithm,
    ) -> Vec<InstalledCertificate>;

    /// A connection to the central system was verified with the installed CSMS roots (not the
    /// fallback): the fallback root, if one is kept, is no longer needed and goes. Whether
    /// one went.
    fn csms_root_connected(&mut self) -> bool;

    /// The station's own certificates (the leaf of each certificate file of the leaf
    /// directories), charge point certificates first, each directory in file order.
    fn leaf_certificates(&self) -> Vec<LeafCertificate>;

    /// Checks `chain` (PEM, the leaf first) against the installed roots of `kind`'s chain (CSMS
    /// roots, the fallback included, or V2G roots) at `now` (libocpp's `verify_certificate`).
    fn verify_certificate(
        &self,
        chain: &str,
        kind: LeafCertificateType,
        now: DateTime,
    ) -> CertificateValidationResult;

    /// Checks a firmware signing certificate, `chain` (PEM, the leaf first, intermediates
    /// after it), against the installed manufacturer roots at `now` (libocpp's
    /// `verify_certificate(..., LeafCertificateType::MF)`, which SignedUpdateFirmware asks
    /// before anything else).
    fn verify_firmware_signing_certificate(
        &self,
        chain: &str,
        now: DateTime,
    ) -> CertificateValidationResult;

    /// Installs `chain` (PEM, the leaf first) as the station's `kind` certificate: it must
    /// verify ([`EvseSecurity::verify_certificate`]) and its key must be in the store (made by
    /// [`EvseSecurity::generate_certificate_signing_request`]); libocpp's
    /// `update_leaf_certificate`.
    fn update_leaf_certificate(
        &mut self,
        chain: &str,
        kind: LeafCertificateType,
        now: DateTime,
    ) -> InstallCertificateResult;

    /// Generates a key for `request.kind` (kept in the store's key directory) and a PKCS#10
    /// certificate signing request for it, PEM; libocpp's
    /// `generate_certificate_signing_request`.
    fn generate_certificate_signing_request(
        &mut self,
        request: &CsrRequest,
    ) -> Result<String, CsrError>;

    // Plug&Charge (ISO 15118 over OCPP 1.6, `pnc/`): the contract certificates, the SECC
    // certificate's chain and its OCSP responses.

    /// Checks a contract certificate `chain` (PEM, the leaf first, as the EV sent it) at `now`
    /// against the installed MO roots, then the V2G roots (libocpp's `verify_certificate(chain,
    /// {MO, V2G})`).
    fn verify_contract_certificate(
        &self,
        chain: &str,
        now: DateTime,
    ) -> CertificateValidationResult;

    /// The OCSP request data of every certificate of a contract `chain` (PEM, the leaf first)
    /// that names an OCSP responder (authorityInfoAccess), its issuer taken from the chain or
    /// the installed MO roots; SHA256 (libevse-security's `get_mo_ocsp_request_data`). Empty
    /// when the chain cannot be read or no certificate of it names a responder.
    fn contract_ocsp_request_data(&self, chain: &str) -> Vec<OcspRequest>;

    /// The OCSP request data of the station's SECC certificate chains (the leaf and its
    /// sub-CAs, issuers from the chain or the installed V2G roots), for the certificates that
    /// name an OCSP responder; SHA256 (libevse-security's `get_v2g_ocsp_request_data`).
    fn v2g_ocsp_request_data(&self) -> Vec<OcspRequest>;

    /// Keeps `ocsp_response` (base64 DER, as GetCertificateStatus.conf's ocspResult) for the
    /// certificate `hash_data` names, replacing the one kept before, so that the SECC can
    /// staple it (libevse-security's `update_ocsp_cache`). The reason when it was not kept.
    fn update_ocsp_cache(
        &mut self,
        hash_data: &CertificateHashData,
        ocsp_response: &str,
    ) -> Result<(), String>;

    /// The station's SECC certificate chains, each as its leaf's hash data and its sub-CAs'
    /// (from the leaf up), computed with `algorithm`: GetInstalledCertificateIds'
    /// V2GCertificateChain.
    fn v2g_certificate_chains(&self, algorithm: HashAlgorithm) -> Vec<CertificateChainHashData>;
}

/// What an OCSP request about one certificate needs (OCPP 2.0.1's OCSPRequestDataType, libocpp's
/// `OCSPRequestData`).
#[derive(Debug, Clone, PartialEq)]
pub struct OcspRequest {
    /// The certificate's hash data (RFC 6960 CertID).
    pub hash_data: CertificateHashData,
    /// The OCSP responder of its authorityInfoAccess extension.
    pub responder_url: String,
}

/// One certificate chain of the station, by hash data.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateChainHashData {
    /// The leaf's.
    pub leaf: CertificateHashData,
    /// The sub-CA certificates', from the leaf up (the root is not part of it).
    pub children: Vec<CertificateHashData>,
}

/// Whether two certificate hash data name the same certificate: the same algorithm, the same
/// hashes (hexadecimal, any case) and the same serial number (hexadecimal, any case, leading
/// zeros ignored: "0FFF" is "fff"). libevse-security compares the strings case-insensitively
/// only; a central system that writes the serial number with its leading zero byte names
/// the same certificate.
pub fn hash_data_matches(a: &CertificateHashData, b: &CertificateHashData) -> bool {
    fn serial(s: &str) -> &str {
        let trimmed = s.trim_start_matches('0');
        if trimmed.is_empty() && !s.is_empty() {
            "0"
        } else {
            trimmed
        }
    }
    a.hash_algorithm == b.hash_algorithm
        && a.issuer_name_hash.eq_ignore_ascii_case(&b.issuer_name_hash)
        && a.issuer_key_hash.eq_ignore_ascii_case(&b.issuer_key_hash)
        && serial(&a.serial_number).eq_ignore_ascii_case(serial(&b.serial_number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_types::CiString;

    fn hash(algorithm: HashAlgorithm, name: &str, key: &str, serial: &str) -> CertificateHashData {
        CertificateHashData {
            hash_algorithm: algorithm,
            issuer_name_hash: CiString::new(name).unwrap(),
            issuer_key_hash: CiString::new(key).unwrap(),
            serial_number: CiString::new(serial).unwrap(),
        }
    }

    #[test]
    fn hash_data_match_ignores_case_and_leading_zeros_of_the_serial_only() {
        let a = hash(HashAlgorithm::Sha256, "ab01", "cd02", "0fff");
        assert!(hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha256, "AB01", "CD02", "FFF")
        ));
        assert!(hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha256, "ab01", "cd02", "000FFF")
        ));
        assert!(!hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha384, "ab01", "cd02", "fff")
        ));
        assert!(!hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha256, "0ab01", "cd02", "fff")
        ));
        assert!(!hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha256, "ab01", "cd03", "fff")
        ));
        assert!(!hash_data_matches(
            &a,
            &hash(HashAlgorithm::Sha256, "ab01", "cd02", "ff")
        ));
        // Zero is "0", however many zeros say it.
        let zero = hash(HashAlgorithm::Sha256, "ab01", "cd02", "0");
        assert!(hash_data_matches(
            &zero,
            &hash(HashAlgorithm::Sha256, "ab01", "cd02", "00")
        ));
    }
}

//! The station's certificate store, laid out as EVerest's EvseSecurity module and its
//! libevse-security: CA bundles by kind (`ca/csms`, `ca/mf`, `ca/v2g`, `ca/mo`), the charge
//! point's certificates and keys (`client/csms`, `client/cso`), at the paths of the module's
//! parameters ([`FilePaths`]). docs/certificate-store.md describes the layout and the rules.
//!
//! - [`FileStore`] (`store.rs`): install a CA certificate, delete one by its hash data, list
//!   them with their hash data (RFC 6960), drop the CSMS fallback root; it implements the
//!   charge-point core's [`EvseSecurity`] trait, which is how the core uses it.
//! - `leaf.rs`: the station's own certificates: a key with its certificate signing request,
//!   the signed chain verified (webpki) and stored beside its key.
//! - `firmware.rs`: signed firmware: the signing certificate against the manufacturer roots,
//!   the signature over the downloaded file ([`verify_file_signature`]).
//! - [`Certificate`] (`x509.rs`): what the store reads of a certificate, and its hash data.
//! - `bundle.rs`, `pem.rs`: reading and writing bundles; a file or certificate that cannot be
//!   read is reported with its path ([`Skipped`], and a warning in the log) and skipped, never
//!   a panic.
//! - `files.rs`: every write is atomic (a temporary file, synced, renamed over the old one,
//!   the directory synced); certificates are written `0644`, private keys `0600`.
//!
//! No OpenSSL: certificates are parsed with RustCrypto's `x509-cert`, signatures checked with
//! rustls-webpki's `ring` algorithms, hashes made with `ring`.

mod bundle;
pub mod error;
pub mod files;
pub mod firmware;
pub mod leaf;
pub mod paths;
mod pem;
pub mod pnc;
pub mod store;
pub mod x509;

use chargepoint_core::charge_point::evse_security::{
    CaCertificateType, CertificateChainHashData, CertificateValidationResult, CsrError, CsrRequest,
    DeleteCertificateResult, EvseSecurity, InstallCertificateResult, InstallOptions,
    InstalledCertificate, LeafCertificate, LeafCertificateType, OcspRequest,
};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::DateTime;

pub use error::{DeleteError, InstallError, Skipped, StoreError};
pub use firmware::{verify_file_signature, SignatureError, MAX_SIGNED_FILE_SIZE};
pub use leaf::LeafError;
pub use paths::FilePaths;
pub use store::{FileStore, InstallRules, Listed, Listing};
pub use x509::{Certificate, CertificateError};

impl EvseSecurity for FileStore {
    fn install_ca_certificate(
        &mut self,
        pem: &str,
        kind: CaCertificateType,
        options: &InstallOptions,
    ) -> InstallCertificateResult {
        let rules = InstallRules {
            now: unix_seconds(options.now),
            max_certificates: options.max_certificates,
            additional_root_certificate_check: options.additional_root_certificate_check,
        };
        match FileStore::install_ca_certificate(self, pem, kind, &rules) {
            Ok(()) => InstallCertificateResult::Accepted,
            Err(e) => {
                tracing::warn!(%kind, error = %e, "CA certificate not installed");
                install_result(&e)
            }
        }
    }

    fn delete_certificate(&mut self, hash_data: &CertificateHashData) -> DeleteCertificateResult {
        match FileStore::delete_certificate(self, hash_data) {
            Ok(()) => DeleteCertificateResult::Accepted,
            Err(DeleteError::NotFound) => DeleteCertificateResult::NotFound,
            Err(DeleteError::ChargePointCertificate { .. }) => {
                DeleteCertificateResult::ChargePointCertificate
            }
            Err(DeleteError::Store(e)) => DeleteCertificateResult::WriteError(e.to_string()),
        }
    }

    fn installed_certificates(
        &self,
        kinds: &[CaCertificateType],
        algorithm: HashAlgorithm,
    ) -> Vec<InstalledCertificate> {
        self.installed(kinds, algorithm)
            .certificates
            .into_iter()
            .map(|listed| InstalledCertificate {
                kind: listed.kind,
                subject: listed.certificate.subject().to_owned(),
                not_after: store::not_after(&listed.certificate),
                fallback: listed.fallback,
                hash_data: listed.hash_data,
            })
            .collect()
    }

    fn csms_root_connected(&mut self) -> bool {
        self.drop_csms_fallback().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the CSMS fallback root could not be removed");
            false
        })
    }

    fn leaf_certificates(&self) -> Vec<LeafCertificate> {
        FileStore::leaf_certificates(self)
            .into_iter()
            .map(|(kind, cert)| LeafCertificate {
                kind,
                subject: cert.subject().to_owned(),
                not_after: store::not_after(&cert),
                serial_number: cert.serial().to_owned(),
            })
            .collect()
    }

    fn verify_certificate(
        &self,
        chain: &str,
        kind: LeafCertificateType,
        now: DateTime,
    ) -> CertificateValidationResult {
        FileStore::verify_certificate(self, chain, kind, unix_seconds(now))
    }

    fn verify_firmware_signing_certificate(
        &self,
        chain: &str,
        now: DateTime,
    ) -> CertificateValidationResult {
        FileStore::verify_firmware_signing_certificate(self, chain, unix_seconds(now))
    }

    fn update_leaf_certificate(
        &mut self,
        chain: &str,
        kind: LeafCertificateType,
        now: DateTime,
    ) -> InstallCertificateResult {
        match FileStore::update_leaf_certificate(self, chain, kind, unix_seconds(now)) {
            Ok(_) => InstallCertificateResult::Accepted,
            Err(e) => {
                tracing::warn!(?kind, error = %e, "leaf certificate not stored");
                match e {
                    LeafError::InvalidFormat(_) => InstallCertificateResult::InvalidFormat,
                    LeafError::Invalid(result) => match result {
                        CertificateValidationResult::Expired => InstallCertificateResult::Expired,
                        CertificateValidationResult::InvalidSignature => {
                            InstallCertificateResult::InvalidSignature
                        }
                        CertificateValidationResult::IssuerNotFound => {
                            InstallCertificateResult::NoRootCertificateInstalled
                        }
                        CertificateValidationResult::InvalidFormat => {
                            InstallCertificateResult::InvalidFormat
                        }
                        CertificateValidationResult::Valid
                        | CertificateValidationResult::InvalidChain => {
                            InstallCertificateResult::InvalidCertificateChain
                        }
                    },
                    // libevse-security answers WriteError when no key matches; the chain is
                    // what is wrong here, not the store.
                    LeafError::NoMatchingKey { .. } => {
                        InstallCertificateResult::InvalidCertificateChain
                    }
                    LeafError::KeyGeneration(_) | LeafError::Request(_) | LeafError::Store(_) => {
                        InstallCertificateResult::WriteError
                    }
                }
            }
        }
    }

    fn generate_certificate_signing_request(
        &mut self,
        request: &CsrRequest,
    ) -> Result<String, CsrError> {
        match FileStore::generate_certificate_signing_request(self, request) {
            Ok((csr, _)) => Ok(csr),
            Err(LeafError::Request(why)) => Err(CsrError::GenerationError(why)),
            Err(e) => Err(CsrError::KeyGenError(e.to_string())),
        }
    }

    fn verify_contract_certificate(
        &self,
        chain: &str,
        now: DateTime,
    ) -> CertificateValidationResult {
        FileStore::verify_contract_certificate(self, chain, unix_seconds(now))
    }

    fn contract_ocsp_request_data(&self, chain: &str) -> Vec<OcspRequest> {
        FileStore::contract_ocsp_request_data(self, chain)
    }

    fn v2g_ocsp_request_data(&self) -> Vec<OcspRequest> {
        FileStore::v2g_ocsp_request_data(self)
    }

    fn update_ocsp_cache(
        &mut self,
        hash_data: &CertificateHashData,
        ocsp_response: &str,
    ) -> Result<(), String> {
        FileStore::update_ocsp_cache(self, hash_data, ocsp_response)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn v2g_certificate_chains(&self, algorithm: HashAlgorithm) -> Vec<CertificateChainHashData> {
        FileStore::v2g_certificate_chains(self, algorithm)
    }
}

fn unix_seconds(time: DateTime) -> i64 {
    time.unix_millis().div_euclid(1000)
}

/// The core's result for a refused install (libocpp's `InstallCertificateResult` names).
pub fn install_result(error: &InstallError) -> InstallCertificateResult {
    match error {
        InstallError::InvalidFormat(_) | InstallError::Certificate(_) => {
            InstallCertificateResult::InvalidFormat
        }
        InstallError::NotACertificateAuthority { .. } => {
            InstallCertificateResult::NotACertificateAuthority
        }
        InstallError::NotValidNow { .. } => InstallCertificateResult::Expired,
        InstallError::IssuerNotInstalled { .. } => {
            InstallCertificateResult::NoRootCertificateInstalled
        }
        InstallError::NotSignedByInstalledRoot { .. } => InstallCertificateResult::InvalidSignature,
        InstallError::MaxLengthExceeded { .. } => {
            InstallCertificateResult::CertificateStoreMaxLengthExceeded
        }
        InstallError::Store(_) => InstallCertificateResult::WriteError,
    }
}

//! Signed firmware (Security whitepaper edition 2, SignedUpdateFirmware): the signing
//! certificate checked against the manufacturer roots, and the signature checked over the
//! downloaded file.
//!
//! - [`FileStore::verify_firmware_signing_certificate`]: the certificate (PEM, the leaf first,
//!   intermediates after it) must lead to a root of the `mf_ca_bundle` (what InstallCertificate
//!   ManufacturerRootCertificate installs), every certificate valid now. As libevse-security's
//!   `verify_certificate(..., MF)`, which runs OpenSSL's chain check with no purpose, no
//!   extended key usage is asked of the leaf. webpki checks the chain; a chain with an X.509
//!   version 1 certificate (what `openssl x509 -req` makes without an extensions file, and
//!   OpenSSL takes), which webpki refuses, is checked by signatures and validity instead: each
//!   certificate issued (name and signature) by the next, intermediates certificate
//!   authorities, the last issued by an installed root.
//! - [`verify_file_signature`]: the signature (Base64, as the request carries it; DER
//!   inside) over the file's bytes with SHA-256, by the type of the certificate's key: ECDSA on
//!   P-256 or P-384, or RSA PKCS#1 v1.5 (2048 to 8192 bits). That is what everest-core's
//!   `signed_firmware_downloader.sh` checks with `openssl dgst -sha256 -verify`, and what
//!   `openssl dgst -sha256 -sign key.pem -out sig firmware.bin` makes. The file is read whole
//!   (ring verifies a message, not a digest): at most [`MAX_SIGNED_FILE_SIZE`] bytes.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chargepoint_core::charge_point::evse_security::CertificateValidationResult;

use crate::bundle::Bundle;
use crate::leaf::{chain_of, verify_chain_to};
use crate::store::FileStore;
use crate::x509::Certificate;

/// The largest firmware file whose signature is checked: 512 MiB.
pub const MAX_SIGNED_FILE_SIZE: u64 = 512 * 1024 * 1024;

/// The longest Base64 signature taken: the whitepaper's `string[800]`.
const MAX_SIGNATURE_LEN: usize = 800;

/// Why a firmware file's signature does not verify.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The signature is not Base64 (or longer than the whitepaper allows).
    #[error("the signature is not Base64: {0}")]
    NotBase64(String),
    /// The signing certificate is not a PEM certificate.
    #[error("the signing certificate cannot be read: {0}")]
    Certificate(String),
    /// The certificate's key is neither ECDSA P-256 / P-384 nor RSA of 2048 to 8192 bits.
    #[error("the signing certificate's key is neither ECDSA P-256/P-384 nor RSA 2048-8192")]
    UnsupportedKey,
    /// The signature does not belong to this file and key.
    #[error("the signature does not verify over the file with the signing certificate's key")]
    Mismatch,
    /// The file is larger than [`MAX_SIGNED_FILE_SIZE`].
    #[error("{path}: {size} bytes, more than the {max} bytes a signature is checked over")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// [`MAX_SIGNED_FILE_SIZE`].
        max: u64,
    },
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The SHA-256 signature algorithms a firmware signature may use, one per key type.
const ALGORITHMS: [&dyn rustls_pki_types::SignatureVerificationAlgorithm; 3] = [
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
];

/// Any extended key usage, or none (see the [module docs](self)).
struct AnyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _usages: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

impl FileStore {
    /// Whether `chain` (PEM, the leaf first) leads to an installed manufacturer root at `now`
    /// (Unix seconds).
    pub fn verify_firmware_signing_certificate(
        &self,
        chain: &str,
        now: i64,
    ) -> CertificateValidationResult {
        let Ok(chain) = chain_of(chain) else {
            return CertificateValidationResult::InvalidFormat;
        };
        let mut skipped = Vec::new();
        let roots: Vec<_> = Bundle::read(&self.paths().mf_ca_bundle, "MF", &mut skipped)
            .certificates()
            .cloned()
            .collect();
        let verified = verify_chain_to(&chain, &roots, AnyUsage, now);
        if verified == CertificateValidationResult::InvalidChain
            && chain.iter().any(Certificate::is_v1)
        {
            return verify_v1_chain(&chain, &roots, now);
        }
        verified
    }
}

/// The check of a chain webpki does not take because it holds an X.509 version 1 certificate
/// (see the [module docs](self)).
fn verify_v1_chain(
    chain: &[Certificate],
    roots: &[Certificate],
    now: i64,
) -> CertificateValidationResult {
    let Some(mut current) = chain.first() else {
        return CertificateValidationResult::InvalidFormat;
    };
    let mut path = vec![current];
    // Each step takes another certificate of the chain: it ends.
    for _ in 0..chain.len() {
        if let Some(root) = roots.iter().find(|r| current.is_issued_by(r)) {
            path.push(root);
            return if path.iter().all(|c| c.is_valid_at(now)) {
                CertificateValidationResult::Valid
            } else {
                CertificateValidationResult::Expired
            };
        }
        let next = chain[1..]
            .iter()
            .find(|c| c.is_ca() && !path.contains(c) && current.is_issued_by(c));
        match next {
            Some(next) => {
                path.push(next);
                current = next;
            }
            None => return CertificateValidationResult::IssuerNotFound,
        }
    }
    CertificateValidationResult::IssuerNotFound
}

/// Checks that `signature` (Base64) signs the bytes of `file` with the key of
/// `signing_certificate` (PEM; its first certificate), SHA-256 (see the [module docs](self)).
/// Does not check the certificate itself: [`FileStore::verify_firmware_signing_certificate`]
/// does.
pub fn verify_file_signature(
    file: &Path,
    signature: &str,
    signing_certificate: &str,
) -> Result<(), SignatureError> {
    if signature.len() > MAX_SIGNATURE_LEN {
        return Err(SignatureError::NotBase64(format!(
            "{} characters, more than {MAX_SIGNATURE_LEN}",
            signature.len()
        )));
    }
    // everest-core writes the signature with `echo -e` and decodes it with `openssl base64
    // -d`, which takes line breaks: so does this.
    let compact: String = signature.split_ascii_whitespace().collect();
    let signature = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| SignatureError::NotBase64(e.to_string()))?;
    let chain = chain_of(signing_certificate).map_err(SignatureError::Certificate)?;
    let Some(leaf) = chain.first() else {
        return Err(SignatureError::Certificate("no certificate".to_owned()));
    };
    let bytes = read_bounded(file)?;
    match leaf.verify_with_key(&ALGORITHMS, &bytes, &signature) {
        Some(true) => Ok(()),
        Some(false) => Err(SignatureError::Mismatch),
        None => Err(SignatureError::UnsupportedKey),
    }
}

/// The bytes of `file`, at most [`MAX_SIGNED_FILE_SIZE`].
fn read_bounded(file: &Path) -> Result<Vec<u8>, SignatureError> {
    let io = |source| SignatureError::Io {
        path: file.to_path_buf(),
        source,
    };
    let handle = std::fs::File::open(file).map_err(io)?;
    let size = handle.metadata().map_err(io)?.len();
    if size > MAX_SIGNED_FILE_SIZE {
        return Err(SignatureError::TooLarge {
            path: file.to_path_buf(),
            size,
            max: MAX_SIGNED_FILE_SIZE,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // One byte more than allowed: a file that grew meanwhile is refused too.
    handle
        .take(MAX_SIGNED_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SIGNED_FILE_SIZE {
        return Err(SignatureError::TooLarge {
            path: file.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_SIGNED_FILE_SIZE,
        });
    }
    Ok(bytes)
}

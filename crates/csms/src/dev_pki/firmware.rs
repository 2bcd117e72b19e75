//! The signature of SignedUpdateFirmware (the Security whitepaper's secure firmware update:
//! `firmware.signature` and `firmware.signingCertificate`): ECDSA P-256 with SHA-256 over the firmware file's bytes,
//! DER-encoded and base64'd, made with the firmware signing key, whose certificate (under the
//! manufacturer root the station trusts) goes beside it. libocpp verifies it that way: the
//! signing certificate against the MF root bundle, then the signature with its public key over
//! the SHA-256 of the downloaded file.

use std::path::PathBuf;

use base64::Engine as _;
use rcgen::KeyPair;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

use super::files::read;
use super::{DevPki, PkiError};

/// What SignedUpdateFirmware's `firmware` needs beside the location and dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareSignature {
    /// `signature`: base64 of the DER-encoded ECDSA signature.
    pub signature: String,
    /// `signingCertificate`: the signing certificate, PEM.
    pub signing_certificate: String,
    /// Where that certificate is.
    pub signing_certificate_path: PathBuf,
}

impl DevPki {
    /// Signs `firmware` with the PKI's firmware signing key.
    pub fn sign_firmware(&self, firmware: &[u8]) -> Result<FirmwareSignature, PkiError> {
        let (cert, key) = self.firmware_signing_files();
        for path in [&cert, &key] {
            if !path.exists() {
                return Err(PkiError::NotMade(path.clone()));
            }
        }
        let key_pair = KeyPair::from_pem(&read(&key)?).map_err(|source| PkiError::Key {
            path: key.clone(),
            source,
        })?;
        let rng = ring::rand::SystemRandom::new();
        let signer = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &key_pair.serialize_der(),
            &rng,
        )
        .map_err(|e| PkiError::Signing(format!("{}: not a P-256 key: {e}", key.display())))?;
        let signature = signer
            .sign(&rng, firmware)
            .map_err(|e| PkiError::Signing(e.to_string()))?;
        Ok(FirmwareSignature {
            signature: base64::engine::general_purpose::STANDARD.encode(signature.as_ref()),
            signing_certificate: read(&cert)?,
            signing_certificate_path: cert,
        })
    }
}

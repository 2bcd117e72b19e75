//! The station's own certificates (libevse-security's leaf certificates): a key and a
//! certificate signing request made for it, the chain the CSMS signed checked against the
//! installed roots, and stored beside its key once it matches.
//!
//! - [`FileStore::generate_certificate_signing_request`]: a new ECDSA key (P-256 by default,
//!   as libevse-security) written to the leaf key directory (`CSMS_LEAF_<random>.key` or
//!   `SECC_LEAF_<random>.key`, mode 0600; PKCS#8, encrypted with `private_key_password` when
//!   one is set: PBES2 with PBKDF2-SHA256 and AES-256-CBC, which OpenSSL and ocpp-ws read),
//!   and a PKCS#10 request for it signed by it (rcgen).
//! - [`FileStore::verify_certificate`]: the chain (leaf first) against the CSMS roots (the
//!   fallback included) or the V2G roots, with webpki; the charge point certificate must allow
//!   TLS client authentication, the SECC certificate server authentication.
//! - [`FileStore::update_leaf_certificate`]: a chain that verifies and whose leaf belongs to a
//!   key of the key directory is written, whole, to the certificate directory
//!   (`CSMS_LEAF_<serial>.pem`), where the CSMS connection finds it (ocpp-ws picks, of the valid
//!   certificates with a key, the one issued last). libevse-security writes the leaf and the
//!   chain to two files; one file with the chain is what the connection reads. The keys this
//!   store generated that now belong to no certificate (requests whose certificate never came,
//!   as a retried SignCertificate leaves them) are deleted then.
//!
//! Keys are read as PKCS#8 (`PRIVATE KEY`, `ENCRYPTED PRIVATE KEY` with the password), SEC1
//! (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`); OpenSSL's encrypted traditional keys
//! (`Proc-Type: 4,ENCRYPTED`), which ocpp-ws reads for the connection, are skipped here with a
//! warning. Unlike libevse-security, a key whose certificate never came is not deleted after
//! a while (its `csr_expiry` garbage collection), only when a certificate for another key of
//! the store arrives.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chargepoint_core::charge_point::evse_security::{
    CertificateValidationResult, CsrRequest, KeyType, LeafCertificateType,
};
use pkcs8::der::Decode as _;
use ring::rand::SecureRandom;
use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    UnixTime,
};

use crate::bundle::{leaf_files, pem_files, Bundle};
use crate::error::{Skipped, StoreError};
use crate::files::{self, CERTIFICATE_MODE, PRIVATE_KEY_MODE};
use crate::pem::{self, certificate_blocks, Block};
use crate::store::FileStore;
use crate::x509::{hex, Certificate};

/// PBKDF2 iterations of an encrypted key (OpenSSL 3's default for `openssl pkcs8 -topk8`).
const PBKDF2_ITERATIONS: u32 = 2048;

/// Why a leaf certificate was not stored, or no request made.
#[derive(Debug, thiserror::Error)]
pub enum LeafError {
    /// Not PEM certificates.
    #[error("not a PEM certificate chain: {0}")]
    InvalidFormat(String),
    /// The chain does not verify.
    #[error("the certificate chain does not verify: {0:?}")]
    Invalid(CertificateValidationResult),
    /// No key of the key directory belongs to the leaf.
    #[error("no private key in {dir} belongs to the certificate")]
    NoMatchingKey {
        /// The key directory.
        dir: PathBuf,
    },
    /// The key could not be generated.
    #[error("cannot generate the key: {0}")]
    KeyGeneration(String),
    /// The request could not be made.
    #[error("cannot make the certificate signing request: {0}")]
    Request(String),
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The file name prefix of `kind` (libevse-security's `leaf_certificate_type_to_filename`).
fn prefix(kind: LeafCertificateType) -> &'static str {
    match kind {
        LeafCertificateType::Csms => "CSMS_LEAF",
        LeafCertificateType::V2g => "SECC_LEAF",
    }
}

/// The certificates of `pem`, leaf first; every block must be one.
pub(crate) fn chain_of(pem: &str) -> Result<Vec<Certificate>, String> {
    let blocks = certificate_blocks(pem);
    if blocks.is_empty() {
        return Err("no PEM CERTIFICATE block".to_owned());
    }
    blocks
        .into_iter()
        .map(|block| match block {
            Block::Certificate(cert) => Ok(*cert),
            Block::Unreadable { index, reason } => Err(format!("certificate {index}: {reason}")),
        })
        .collect()
}

/// Whether `chain` (leaf first) leads to one of `roots` at `now` (Unix seconds), its leaf
/// allowed the extended key `usage`; webpki's answer as libocpp's validation result.
pub(crate) fn verify_chain_to(
    chain: &[Certificate],
    roots: &[Certificate],
    usage: impl webpki::ExtendedKeyUsageValidator,
    now: i64,
) -> CertificateValidationResult {
    let Some((leaf, intermediates)) = chain.split_first() else {
        return CertificateValidationResult::InvalidFormat;
    };
    let roots: Vec<CertificateDer<'static>> = roots
        .iter()
        .map(|r| CertificateDer::from(r.der().to_vec()))
        .collect();
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|r| webpki::anchor_from_trusted_cert(r).ok())
        .collect();
    if anchors.is_empty() {
        return CertificateValidationResult::IssuerNotFound;
    }
    let intermediates: Vec<CertificateDer<'static>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.der().to_vec());
    let Ok(end_entity) = webpki::EndEntityCert::try_from(&leaf_der) else {
        return CertificateValidationResult::InvalidChain;
    };
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(now).unwrap_or(0)));
    match end_entity.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        time,
        usage,
        None,
        None,
    ) {
        Ok(_) => CertificateValidationResult::Valid,
        Err(webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. }) => {
            CertificateValidationResult::Expired
        }
        Err(webpki::Error::UnknownIssuer) => CertificateValidationResult::IssuerNotFound,
        Err(webpki::Error::InvalidSignatureForPublicKey) => {
            CertificateValidationResult::InvalidSignature
        }
        Err(e) => {
            tracing::info!(error = %e, "certificate chain refused");
            CertificateValidationResult::InvalidChain
        }
    }
}

/// Random bytes from the system.
fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system has no random numbers".to_owned())?;
    Ok(bytes)
}

impl FileStore {
    fn leaf_directories(&self, kind: LeafCertificateType) -> (&Path, &Path) {
        let paths = self.paths();
        match kind {
            LeafCertificateType::Csms => (
                &paths.csms_leaf_cert_directory,
                &paths.csms_leaf_key_directory,
            ),
            LeafCertificateType::V2g => (
                &paths.secc_leaf_cert_directory,
                &paths.secc_leaf_key_directory,
            ),
        }
    }

    /// The roots a `kind` chain must lead to: the CSMS roots with the fallback, or the V2G
    /// roots.
    fn roots_of(&self, kind: LeafCertificateType) -> Vec<Certificate> {
        let mut skipped = Vec::new();
        let paths = self.paths();
        let mut roots: Vec<Certificate> = match kind {
            LeafCertificateType::Csms => {
                let bundle = Bundle::read(&paths.csms_ca_bundle, "CSMS", &mut skipped);
                let fallback = Bundle::read(&paths.csms_fallback_bundle(), "CSMS", &mut skipped);
                bundle
                    .certificates()
                    .chain(fallback.certificates())
                    .cloned()
                    .collect()
            }
            LeafCertificateType::V2g => Bundle::read(&paths.v2g_ca_bundle, "V2G", &mut skipped)
                .certificates()
                .cloned()
                .collect(),
        };
        roots.dedup();
        roots
    }

    /// The leaf of every certificate file of the leaf certificate directories (charge point
    /// certificates, then SECC ones; a directory shared by both is read once), each certificate
    /// once; a CA certificate there is no leaf and is left out.
    pub fn leaf_certificates(&self) -> Vec<(LeafCertificateType, Certificate)> {
        let mut skipped = Vec::new();
        let mut found: Vec<(LeafCertificateType, Certificate)> = Vec::new();
        let mut read: Vec<&Path> = Vec::new();
        for kind in [LeafCertificateType::Csms, LeafCertificateType::V2g] {
            let (cert_dir, _) = self.leaf_directories(kind);
            if read.contains(&cert_dir) {
                continue;
            }
            read.push(cert_dir);
            for file in leaf_files(cert_dir, &mut skipped) {
                let Some(leaf) = file.certificates().first() else {
                    continue;
                };
                if !leaf.is_ca() && !found.iter().any(|(_, c)| c == leaf) {
                    found.push((kind, leaf.clone()));
                }
            }
        }
        found
    }

    /// Whether `chain` (PEM, leaf first) leads to an installed root of `kind` at `now` (Unix
    /// seconds).
    pub fn verify_certificate(
        &self,
        chain: &str,
        kind: LeafCertificateType,
        now: i64,
    ) -> CertificateValidationResult {
        match chain_of(chain) {
            Ok(chain) => self.verify_chain(&chain, kind, now),
            Err(_) => CertificateValidationResult::InvalidFormat,
        }
    }

    fn verify_chain(
        &self,
        chain: &[Certificate],
        kind: LeafCertificateType,
        now: i64,
    ) -> CertificateValidationResult {
        let usage = match kind {
            LeafCertificateType::Csms => webpki::KeyUsage::client_auth(),
            LeafCertificateType::V2g => webpki::KeyUsage::server_auth(),
        };
        verify_chain_to(chain, &self.roots_of(kind), usage, now)
    }
}

impl FileStore {
    /// Stores `chain` (PEM, leaf first) as the station's `kind` certificate when it verifies at
    /// `now` and a key of the key directory belongs to its leaf; the file written.
    pub fn update_leaf_certificate(
        &self,
        chain: &str,
        kind: LeafCertificateType,
        now: i64,
    ) -> Result<PathBuf, LeafError> {
        let chain = chain_of(chain).map_err(LeafError::InvalidFormat)?;
        let verified = self.verify_chain(&chain, kind, now);
        if verified != CertificateValidationResult::Valid {
            return Err(LeafError::Invalid(verified));
        }
        let (cert_dir, key_dir) = self.leaf_directories(kind);
        let leaf = &chain[0];
        let Some(key) = self.key_of(leaf, key_dir) else {
            return Err(LeafError::NoMatchingKey {
                dir: key_dir.to_owned(),
            });
        };
        let path = cert_dir.join(format!("{}_{}.pem", prefix(kind), leaf.serial()));
        let text: String = chain.iter().map(Certificate::pem).collect();
        files::write_atomically(&path, text.as_bytes(), CERTIFICATE_MODE)?;
        tracing::info!(path = %path.display(), key = %key.display(), subject = leaf.subject(),
            "leaf certificate stored");
        self.forget_unused_keys(kind, &key);
        Ok(path)
    }

    /// Deletes the keys this store generated for `kind` (`<prefix>_<16 hex digits>.key`), other
    /// than `kept`, that belong to no certificate of the certificate directory: the keys of
    /// requests whose certificate never came, once one came (libevse-security deletes them
    /// after its `csr_expiry`). A key it cannot read is kept: it cannot tell whose it is.
    fn forget_unused_keys(&self, kind: LeafCertificateType, kept: &Path) {
        let (cert_dir, key_dir) = self.leaf_directories(kind);
        let mut skipped: Vec<Skipped> = Vec::new();
        let in_use: Vec<Vec<u8>> = leaf_files(cert_dir, &mut skipped)
            .iter()
            .filter_map(|file| file.certificates().first().map(|c| c.spki().to_vec()))
            .collect();
        let provider = rustls::crypto::ring::default_provider();
        let password = self.paths().private_key_password.as_deref();
        let Ok(entries) = std::fs::read_dir(key_dir) else {
            return;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path == kept || !is_generated_key_name(kind, &path) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let keys = private_keys(&path, &text, password);
            if keys.is_empty() {
                continue;
            }
            let used = keys.into_iter().any(|key| {
                provider
                    .key_provider
                    .load_private_key(key)
                    .ok()
                    .and_then(|signing| signing.public_key().map(|spki| spki.as_ref().to_vec()))
                    .is_some_and(|spki| in_use.contains(&spki))
            });
            if used {
                continue;
            }
            match files::remove(&path) {
                Ok(()) => tracing::info!(path = %path.display(),
                    "key of a request whose certificate never came deleted"),
                Err(e) => tracing::warn!(error = %e, "unused key not deleted"),
            }
        }
    }

    /// The key file of `key_dir` whose key belongs to `leaf`.
    fn key_of(&self, leaf: &Certificate, key_dir: &Path) -> Option<PathBuf> {
        let mut skipped: Vec<Skipped> = Vec::new();
        let provider = rustls::crypto::ring::default_provider();
        let password = self.paths().private_key_password.as_deref();
        let candidates = std::fs::read_dir(key_dir)
            .map(|entries| {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "key"))
                    .collect();
                files.sort();
                files
            })
            .unwrap_or_default()
            .into_iter()
            .chain(pem_files(key_dir, &mut skipped));
        for path in candidates {
            let Ok(text) = std::fs::read_to_string(&path) else {
                tracing::warn!(path = %path.display(), "private key skipped: cannot read it");
                continue;
            };
            for key in private_keys(&path, &text, password) {
                let Ok(signing) = provider.key_provider.load_private_key(key) else {
                    tracing::warn!(path = %path.display(), "private key skipped: not a key rustls can sign with");
                    continue;
                };
                if signing
                    .public_key()
                    .is_some_and(|spki| spki.as_ref() == leaf.spki())
                {
                    return Some(path);
                }
            }
        }
        None
    }

    /// A new key for `request.kind`, written to its key directory, and a certificate signing
    /// request for it (PEM) with the subject C, O and CN of `request`; the key file.
    pub fn generate_certificate_signing_request(
        &self,
        request: &CsrRequest,
    ) -> Result<(String, PathBuf), LeafError> {
        let ecdsa = |algorithm| {
            rcgen::KeyPair::generate_for(algorithm)
                .map_err(|e| LeafError::KeyGeneration(e.to_string()))
        };
        let key = match request.key {
            KeyType::EcdsaP256 => ecdsa(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyType::EcdsaP384 => ecdsa(&rcgen::PKCS_ECDSA_P384_SHA384)?,
            KeyType::Rsa2048 => rsa_2048_key().map_err(LeafError::KeyGeneration)?,
        };
        let mut params = rcgen::CertificateParams::default();
        let mut name = rcgen::DistinguishedName::new();
        if let Some(country) = &request.country {
            name.push(rcgen::DnType::CountryName, country.as_str());
        }
        if let Some(organization) = &request.organization {
            name.push(rcgen::DnType::OrganizationName, organization.as_str());
        }
        name.push(rcgen::DnType::CommonName, request.common_name.as_str());
        params.distinguished_name = name;
        let csr = params
            .serialize_request(&key)
            .and_then(|csr| csr.pem())
            .map_err(|e| LeafError::Request(e.to_string()))?;
        let key_pem = match self.paths().private_key_password.as_deref() {
            None => key.serialize_pem(),
            Some(password) => {
                encrypted_pkcs8(&key.serialize_der(), password).map_err(LeafError::KeyGeneration)?
            }
        };
        let (_, key_dir) = self.leaf_directories(request.kind);
        let name = hex(&random::<8>().map_err(LeafError::KeyGeneration)?);
        let path = key_dir.join(format!("{}_{name}.key", prefix(request.kind)));
        files::write_atomically(&path, key_pem.as_bytes(), PRIVATE_KEY_MODE)?;
        tracing::info!(path = %path.display(), "key generated for a certificate signing request");
        Ok((csr, path))
    }
}

/// A new RSA key with a 2048-bit modulus (the `rsa` crate: ring cannot generate RSA keys), for
/// rcgen to sign with PKCS#1 v1.5 and SHA-256.
fn rsa_2048_key() -> Result<rcgen::KeyPair, String> {
    use rsa::pkcs8::EncodePrivateKey;
    let key =
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
    let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(der.as_bytes().to_vec());
    rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| e.to_string())
}

/// Whether `path` is named as [`FileStore::generate_certificate_signing_request`] names the keys
/// it makes for `kind`: `<prefix>_<16 lower-case hex digits>.key`.
fn is_generated_key_name(kind: LeafCertificateType, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.strip_prefix(prefix(kind))
        .and_then(|rest| rest.strip_prefix('_'))
        .and_then(|rest| rest.strip_suffix(".key"))
        .is_some_and(|hex| {
            hex.len() == 16
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// A PKCS#8 key encrypted with `password` (PBES2: PBKDF2-SHA256, AES-256-CBC), PEM.
fn encrypted_pkcs8(der: &[u8], password: &str) -> Result<String, String> {
    let salt = random::<16>()?;
    let iv = random::<16>()?;
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
            .map_err(|e| e.to_string())?;
    let info = pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| e.to_string())?;
    let encrypted = info
        .encrypt_with_params(params, password)
        .map_err(|e| e.to_string())?;
    Ok(pem::encode("ENCRYPTED PRIVATE KEY", encrypted.as_bytes()))
}

/// The private keys in `text` (the file `path`), decrypted with `password` where encrypted;
/// what cannot be read is skipped with a warning.
fn private_keys(path: &Path, text: &str, password: Option<&str>) -> Vec<PrivateKeyDer<'static>> {
    let labels = [
        "PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "EC PRIVATE KEY",
        "RSA PRIVATE KEY",
    ];
    let mut keys = Vec::new();
    for (label, der) in pem::labelled_blocks(text, &labels) {
        let der = match der {
            Ok(der) => der,
            Err(reason) => {
                tracing::warn!(path = %path.display(), %reason,
                    "private key skipped (an OpenSSL encrypted traditional key is read by the CSMS connection only)");
                continue;
            }
        };
        let key = match label {
            "PRIVATE KEY" => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)),
            "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(der)),
            "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der)),
            _ => {
                let Some(password) = password else {
                    tracing::warn!(path = %path.display(), "encrypted private key skipped: private_key_password is empty");
                    continue;
                };
                let decrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(&der)
                    .map_err(|e| e.to_string())
                    .and_then(|info| info.decrypt(password).map_err(|e| e.to_string()));
                match decrypted {
                    Ok(doc) => {
                        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(doc.as_bytes().to_vec()))
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "encrypted private key skipped");
                        continue;
                    }
                }
            }
        };
        keys.push(key);
    }
    keys
}

//! The station's certificate store, as EVerest's EvseSecurity module lays it out. Where each
//! part lives is a [`StorePaths`]; the station takes them from the parameters of the
//! EvseSecurity module connected to the OCPP module (`csms_ca_bundle`,
//! `csms_leaf_cert_directory`, `csms_leaf_key_directory`, `private_key_password`).
//! [`CertificateStore::new`] uses EvseSecurity's defaults under one directory:
//!
//! - `ca/csms/CSMS_ROOT_CA.pem`: the CSMS root CA bundle that verifies the CSMS (profiles 2, 3),
//!   a PEM file or a directory of `*.pem` files (as libevse-security's `X509CertificateBundle`);
//! - `ca/csms/CSMS_ROOT_CA.pem.fallback`: the CSMS root a new one replaced under
//!   AdditionalRootCertificateCheck (the `evse-security` crate keeps it there until the new
//!   one verified a connection), trusted only when the bundle's roots do not verify the CSMS;
//! - `client/csms/`: the charge point's CSMS client certificates (`*.pem`, leaf first, with
//!   its chain) for profile 3, and also (the key directory) their private keys.
//!
//! Private keys are the `*.key` files of the key directory, and its `*.pem` files that hold a
//! private key. They may be unencrypted or encrypted with the private key password, in
//! OpenSSL's traditional form (`Proc-Type: 4,ENCRYPTED`, AES-CBC) or as PKCS#8
//! `ENCRYPTED PRIVATE KEY` (see [`private_key`](crate::private_key)). A certificate's key is
//! whichever of them matches its public key; a key that cannot be used (wrong password,
//! unsupported cipher, malformed) is skipped with a warning naming the file.
//!
//! The store is read again for every connection attempt, so a root CA installed with
//! InstallCertificate or a client certificate from CertificateSigned counts from the next
//! attempt on.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::private_key::decode_private_key;
use crate::validity;

/// A file of the certificate store that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CertStoreError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file holds no usable PEM certificate.
    #[error("{path} holds no PEM certificate ({reason})")]
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// The PEM parser's complaint.
        reason: String,
    },
}

/// A client certificate chain with its key, ready for the TLS handshake.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    /// The certificate file.
    pub path: PathBuf,
    /// The chain and signing key.
    pub certified_key: Arc<CertifiedKey>,
    /// Start of the leaf's validity.
    pub not_before: SystemTime,
    /// End of the leaf's validity.
    pub not_after: SystemTime,
}

/// Where the parts of the certificate store are: EvseSecurity's parameters of the same names,
/// already resolved to full paths.
#[derive(Clone, PartialEq, Eq)]
pub struct StorePaths {
    /// `csms_ca_bundle`: the CSMS root CA bundle (PEM, one or more certificates; or a
    /// directory of PEM files).
    pub csms_ca_bundle: PathBuf,
    /// The CSMS fallback root (AdditionalRootCertificateCheck), tried after the bundle's
    /// roots; the `evse-security` crate's `FilePaths::csms_fallback_bundle`.
    pub csms_fallback_bundle: PathBuf,
    /// `csms_leaf_cert_directory`: the CSMS client certificates.
    pub csms_leaf_cert_dir: PathBuf,
    /// `csms_leaf_key_directory`: their private keys.
    pub csms_leaf_key_dir: PathBuf,
    /// `private_key_password`: decrypts encrypted private keys; `None` (or empty) for none.
    pub private_key_password: Option<String>,
}

impl StorePaths {
    /// EvseSecurity's default layout under `dir`: `ca/csms/CSMS_ROOT_CA.pem`, and
    /// `client/csms/` for both certificates and keys; no password.
    pub fn everest_defaults(dir: &Path) -> StorePaths {
        let client = dir.join("client").join("csms");
        let csms = dir.join("ca").join("csms");
        StorePaths {
            csms_ca_bundle: csms.join("CSMS_ROOT_CA.pem"),
            csms_fallback_bundle: csms.join("CSMS_ROOT_CA.pem.fallback"),
            csms_leaf_cert_dir: client.clone(),
            csms_leaf_key_dir: client,
            private_key_password: None,
        }
    }
}

// By hand so that the password never reaches a log line.
impl fmt::Debug for StorePaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorePaths")
            .field("csms_ca_bundle", &self.csms_ca_bundle)
            .field("csms_fallback_bundle", &self.csms_fallback_bundle)
            .field("csms_leaf_cert_dir", &self.csms_leaf_cert_dir)
            .field("csms_leaf_key_dir", &self.csms_leaf_key_dir)
            .field(
                "private_key_password",
                &self.private_key_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The certificate store; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStore {
    paths: StorePaths,
}

impl CertificateStore {
    /// The store in EvseSecurity's default layout under `dir`
    /// ([`StorePaths::everest_defaults`]).
    pub fn new(dir: impl AsRef<Path>) -> CertificateStore {
        CertificateStore::with_paths(StorePaths::everest_defaults(dir.as_ref()))
    }

    /// The store at `paths`.
    pub fn with_paths(paths: StorePaths) -> CertificateStore {
        CertificateStore { paths }
    }

    /// Where the parts of the store are.
    pub fn paths(&self) -> &StorePaths {
        &self.paths
    }

    /// The CSMS root CA bundle.
    pub fn csms_root_ca_path(&self) -> PathBuf {
        self.paths.csms_ca_bundle.clone()
    }

    /// The directory of the client certificates.
    pub fn client_dir(&self) -> PathBuf {
        self.paths.csms_leaf_cert_dir.clone()
    }

    /// The directory of the client certificates' private keys.
    pub fn client_key_dir(&self) -> PathBuf {
        self.paths.csms_leaf_key_dir.clone()
    }

    /// The CSMS root CA certificates; empty when the bundle is not there, or empty. Of a
    /// bundle directory, the `*.pem` files that hold certificates (the others are skipped with
    /// a warning naming them).
    pub fn csms_root_certificates(&self) -> Result<Vec<CertificateDer<'static>>, CertStoreError> {
        let path = self.csms_root_ca_path();
        if !path.is_dir() {
            return read_bundle_file(&path);
        }
        let mut certs = Vec::new();
        for file in list_dir(&path).unwrap_or_default() {
            if !has_extension(&file, "pem") {
                continue;
            }
            match read_bundle_file(&file) {
                Ok(found) => certs.extend(found),
                Err(e) => tracing::warn!(error = %e, "CSMS root CA file skipped"),
            }
        }
        Ok(certs)
    }

    /// The CSMS fallback root certificate(s) (AdditionalRootCertificateCheck); empty when
    /// there is none.
    pub fn csms_fallback_root_certificates(
        &self,
    ) -> Result<Vec<CertificateDer<'static>>, CertStoreError> {
        read_bundle_file(&self.paths.csms_fallback_bundle)
    }

    /// Whether a CSMS root CA is installed (a prerequisite of profiles 2 and 3).
    pub fn csms_root_ca_installed(&self) -> bool {
        self.csms_root_certificates()
            .is_ok_and(|certs| !certs.is_empty())
    }

    /// The client certificate for profile 3: of the certificates in the certificate directory
    /// valid at `now` whose private key is in the key directory, the one issued last. Files
    /// that cannot be used are skipped with a warning; `None` when none fits.
    pub fn client_certificate(&self, now: SystemTime) -> Option<ClientCertificate> {
        let provider = rustls::crypto::ring::default_provider();
        let cert_files = list_dir(&self.paths.csms_leaf_cert_dir)?;
        let key_files = list_dir(&self.paths.csms_leaf_key_dir).unwrap_or_default();
        let password = self.paths.private_key_password.as_deref();
        let keys: Vec<(PathBuf, Arc<dyn SigningKey>)> = key_files
            .iter()
            .filter(|p| has_extension(p, "key") || has_extension(p, "pem"))
            .filter_map(|p| load_key(p, password, &provider).map(|k| (p.clone(), k)))
            .collect();
        let now_s = unix_seconds(now);
        let mut best: Option<ClientCertificate> = None;
        for path in cert_files.iter().filter(|p| has_extension(p, "pem")) {
            let chain = match fs::read(path)
                .map_err(|source| CertStoreError::Read {
                    path: path.clone(),
                    source,
                })
                .and_then(|pem| read_certificates(path, &pem))
            {
                Ok(chain) => chain,
                // A key kept as `*.pem` beside the certificates is not a broken certificate.
                Err(CertStoreError::NoCertificate { .. })
                    if keys.iter().any(|(key_path, _)| key_path == path) =>
                {
                    continue
                }
                Err(e) => {
                    tracing::warn!(error = %e, "client certificate skipped");
                    continue;
                }
            };
            let Some(validity) = chain
                .first()
                .and_then(|leaf| validity::of_certificate(leaf))
            else {
                tracing::warn!(path = %path.display(), "client certificate skipped: not an X.509 certificate");
                continue;
            };
            if !validity.contains(now_s) {
                tracing::info!(path = %path.display(), "client certificate skipped: not valid now");
                continue;
            }
            let matching = keys.iter().find_map(|(_, key)| {
                let certified = CertifiedKey::new(chain.clone(), Arc::clone(key));
                certified.keys_match().is_ok().then_some(certified)
            });
            let Some(certified) = matching else {
                tracing::warn!(
                    path = %path.display(),
                    key_dir = %self.paths.csms_leaf_key_dir.display(),
                    "client certificate skipped: no usable private key in the key directory matches it"
                );
                continue;
            };
            let candidate = ClientCertificate {
                path: path.clone(),
                certified_key: Arc::new(certified),
                not_before: from_unix_seconds(validity.not_before),
                not_after: from_unix_seconds(validity.not_after),
            };
            if best.as_ref().is_none_or(|b| {
                (candidate.not_before, candidate.not_after) > (b.not_before, b.not_after)
            }) {
                best = Some(candidate);
            }
        }
        best
    }

    /// Whether a client certificate usable for profile 3 is installed (a prerequisite of
    /// raising to profile 3).
    pub fn has_valid_client_certificate(&self, now: SystemTime) -> bool {
        self.client_certificate(now).is_some()
    }
}

/// The files of `dir`, sorted; `None` (warned unless it does not exist) when it cannot be
/// listed.
fn list_dir(dir: &Path) -> Option<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot list the certificate store directory");
            }
            return None;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Some(files)
}

/// The certificates of the PEM file `path`: none when it is not there or holds only white
/// space (EvseSecurity leaves an emptied bundle file in place).
fn read_bundle_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, CertStoreError> {
    match fs::read(path) {
        Ok(pem) if pem.iter().all(u8::is_ascii_whitespace) => Ok(Vec::new()),
        Ok(pem) => read_certificates(path, &pem),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(CertStoreError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn read_certificates(
    path: &Path,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, CertStoreError> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(CertStoreError::NoCertificate {
            path: path.to_owned(),
            reason: "no CERTIFICATE section".to_owned(),
        }),
        Err(e) => Err(CertStoreError::NoCertificate {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// The private key in `path`, ready to sign; `None` when the file holds none or it cannot be
/// used (warned, naming the file and why, except for a `*.pem` without a key: a certificate).
fn load_key(
    path: &Path,
    password: Option<&str>,
    provider: &CryptoProvider,
) -> Option<Arc<dyn SigningKey>> {
    let pem = match fs::read(path) {
        Ok(pem) => pem,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "private key skipped: cannot read it");
            return None;
        }
    };
    let der = match decode_private_key(&pem, password) {
        Ok(Some(der)) => der,
        Ok(None) => {
            if has_extension(path, "key") {
                tracing::warn!(path = %path.display(), "private key skipped: the file holds no PEM private key");
            }
            return None;
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "private key skipped");
            return None;
        }
    };
    match provider.key_provider.load_private_key(der) {
        Ok(key) => Some(key),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "private key skipped: not a key rustls can sign with");
            None
        }
    }
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn from_unix_seconds(s: i64) -> SystemTime {
    let magnitude = Duration::from_secs(s.unsigned_abs());
    let t = if s >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    };
    t.unwrap_or(UNIX_EPOCH)
}

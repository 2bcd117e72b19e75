//! The station's certificate store, laid out as EVerest's EvseSecurity module does by default
//! (paths relative to its certificates directory):
//!
//! - `ca/csms/CSMS_ROOT_CA.pem`: the CSMS root CA bundle that verifies the CSMS (profiles 2, 3);
//! - `client/csms/`: the charge point's CSMS client certificates (`*.pem`, leaf first, with
//!   its chain) and their private keys (`*.key`, PEM, unencrypted) for profile 3.
//!
//! The store is read again for every connection attempt, so a root CA installed with
//! InstallCertificate or a client certificate from CertificateSigned counts from the next
//! attempt on.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use rustls::sign::{CertifiedKey, SigningKey};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

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

/// The certificate store under one directory; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStore {
    dir: PathBuf,
}

impl CertificateStore {
    /// The store under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> CertificateStore {
        CertificateStore { dir: dir.into() }
    }

    /// The certificates directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `ca/csms/CSMS_ROOT_CA.pem`.
    pub fn csms_root_ca_path(&self) -> PathBuf {
        self.dir.join("ca").join("csms").join("CSMS_ROOT_CA.pem")
    }

    /// `client/csms/`.
    pub fn client_dir(&self) -> PathBuf {
        self.dir.join("client").join("csms")
    }

    /// The CSMS root CA certificates; empty when the bundle is not there.
    pub fn csms_root_certificates(&self) -> Result<Vec<CertificateDer<'static>>, CertStoreError> {
        let path = self.csms_root_ca_path();
        match fs::read(&path) {
            Ok(pem) => read_certificates(&path, &pem),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(CertStoreError::Read { path, source }),
        }
    }

    /// Whether a CSMS root CA is installed (a prerequisite of profiles 2 and 3).
    pub fn csms_root_ca_installed(&self) -> bool {
        self.csms_root_certificates()
            .is_ok_and(|certs| !certs.is_empty())
    }

    /// The client certificate for profile 3: of the certificates in `client/csms/` valid at
    /// `now` whose private key is there too, the one issued last. Files that cannot be used
    /// are skipped with a warning; `None` when none fits.
    pub fn client_certificate(&self, now: SystemTime) -> Option<ClientCertificate> {
        let provider = rustls::crypto::ring::default_provider();
        let dir = self.client_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot list the client certificates");
                }
                return None;
            }
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        let keys: Vec<(PathBuf, Arc<dyn SigningKey>)> = files
            .iter()
            .filter(|p| has_extension(p, "key"))
            .filter_map(|p| load_key(p, &provider).map(|k| (p.clone(), k)))
            .collect();
        let now_s = unix_seconds(now);
        let mut best: Option<ClientCertificate> = None;
        for path in files.iter().filter(|p| has_extension(p, "pem")) {
            let chain = match fs::read(path)
                .map_err(|source| CertStoreError::Read {
                    path: path.clone(),
                    source,
                })
                .and_then(|pem| read_certificates(path, &pem))
            {
                Ok(chain) => chain,
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
                tracing::warn!(path = %path.display(), "client certificate skipped: no private key in the store matches it");
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

fn load_key(path: &Path, provider: &CryptoProvider) -> Option<Arc<dyn SigningKey>> {
    let loaded = fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|pem| PrivateKeyDer::from_pem_slice(&pem).map_err(|e| e.to_string()))
        .and_then(|der| {
            provider
                .key_provider
                .load_private_key(der)
                .map_err(|e| e.to_string())
        });
    match loaded {
        Ok(key) => Some(key),
        Err(error) => {
            // Encrypted keys (EVerest's optional key password) end up here too.
            tracing::warn!(path = %path.display(), %error, "private key skipped");
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

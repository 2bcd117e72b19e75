//! The store's operations over its files: install a CA certificate, delete one by its hash
//! data, list them, and drop the CSMS fallback root. Each reads the files it needs afresh (a
//! certificate put there by hand counts at once), decides in memory, then writes what
//! changed, each file atomically.
//!
//! What is found where (docs/certificate-store.md):
//!
//! - the four CA bundles (`csms_ca_bundle`, `mf_ca_bundle`, `v2g_ca_bundle`, `mo_ca_bundle`);
//! - the CSMS fallback root (`<csms_ca_bundle>.fallback`): with AdditionalRootCertificateCheck,
//!   the root a new one replaced, kept (and trusted by the TLS connection after the installed
//!   roots) until the new one verified a connection;
//! - the retired certificates (`<bundle>.retired`): ones that left a bundle but issued a
//!   certificate still installed (or the charge point's certificate, or its chain), kept
//!   untrusted only to compute its issuerKeyHash (a new CSMS root signed by the old one cannot
//!   be identified once the old one is gone otherwise);
//! - the charge point's certificates (`csms_leaf_cert_directory`), which DeleteCertificate may
//!   not delete.

use std::path::PathBuf;

use chargepoint_core::charge_point::evse_security::{hash_data_matches, CaCertificateType};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::DateTime;

use crate::bundle::{leaf_files, Bundle};
use crate::error::{DeleteError, InstallError, Skipped, StoreError};
use crate::paths::FilePaths;
use crate::pem::{certificate_blocks, Block};
use crate::x509::Certificate;

/// An installed CA certificate as [`FileStore::installed`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// Its bundle.
    pub kind: CaCertificateType,
    /// Whether it is the CSMS fallback root.
    pub fallback: bool,
    /// The certificate.
    pub certificate: Certificate,
    /// Its hash data.
    pub hash_data: CertificateHashData,
}

/// What [`FileStore::installed`] found, and what it skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The installed certificates.
    pub certificates: Vec<Listed>,
    /// What could not be used: unreadable files and certificates, and certificates whose
    /// issuer is not installed (so their hash data cannot be computed).
    pub skipped: Vec<Skipped>,
}

/// The rules of an install (the core's `InstallOptions`, as this crate takes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallRules {
    /// The time, Unix seconds, at which the certificate must be valid.
    pub now: i64,
    /// CertificateStoreMaxLength.
    pub max_certificates: Option<u32>,
    /// AdditionalRootCertificateCheck.
    pub additional_root_certificate_check: bool,
}

/// The certificate store in files, laid out as EVerest's EvseSecurity module; see the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStore {
    paths: FilePaths,
}

/// Everything of the store's CA side, read at once.
struct State {
    bundles: Vec<(CaCertificateType, Bundle)>,
    fallback: Bundle,
    retired: Vec<(CaCertificateType, Bundle)>,
    /// The certificates of the charge point's certificate files (leaf and chain): a root that
    /// issued one is kept retired too, so that it stays identifiable (and undeletable).
    leaves: Vec<Certificate>,
    skipped: Vec<Skipped>,
}

impl State {
    fn bundle(&self, kind: CaCertificateType) -> &Bundle {
        &self.bundles[kind as usize].1
    }

    fn bundle_mut(&mut self, kind: CaCertificateType) -> &mut Bundle {
        &mut self.bundles[kind as usize].1
    }

    /// Every installed certificate (the fallback included), with its kind.
    fn installed(&self) -> impl Iterator<Item = (CaCertificateType, bool, &Certificate)> {
        self.bundles
            .iter()
            .flat_map(|(kind, b)| b.certificates().map(move |c| (*kind, false, c)))
            .chain(
                self.fallback
                    .certificates()
                    .map(|c| (CaCertificateType::Csms, true, c)),
            )
    }

    /// Every certificate known, trusted or retired: the candidates for an issuer.
    fn known(&self) -> impl Iterator<Item = &Certificate> {
        self.installed()
            .map(|(_, _, c)| c)
            .chain(self.retired.iter().flat_map(|(_, b)| b.certificates()))
    }

    /// How many certificates CertificateStoreMaxLength counts: CSMS roots (the fallback
    /// included) and manufacturer roots, the two types InstallCertificate installs.
    fn counted(&self) -> usize {
        self.bundle(CaCertificateType::Csms).len()
            + self.fallback.len()
            + self.bundle(CaCertificateType::Mf).len()
    }

    /// Keeps each of `removed` that issued a certificate still installed in the retired file
    /// of its kind, and lets retired ones that issue nothing installed go.
    fn retire(&mut self, removed: Vec<(CaCertificateType, Certificate)>) {
        let kept: Vec<Certificate> = self
            .installed()
            .map(|(_, _, c)| c.clone())
            .chain(self.leaves.iter().cloned())
            .collect();
        let issued_any =
            |issuer: &Certificate| kept.iter().any(|c| c != issuer && c.is_issued_by(issuer));
        for (kind, cert) in removed {
            let retired = &mut self.retired[kind as usize].1;
            if issued_any(&cert) && !retired.contains(&cert) {
                retired.add(cert);
            }
        }
        for (_, retired) in &mut self.retired {
            retired.remove_where(|r| !issued_any(r));
        }
    }

    /// Writes what changed: retired certificates first (what a certificate still installed
    /// needs is never missing after a power loss), then the fallback (the root a new one
    /// replaces is kept before it leaves the bundle), then the bundles.
    fn write(&mut self) -> Result<(), StoreError> {
        for (_, retired) in &mut self.retired {
            retired.write(true)?;
        }
        self.fallback.write(true)?;
        for (_, bundle) in &mut self.bundles {
            bundle.write(false)?;
        }
        Ok(())
    }
}

/// The certificate among `known` that issued `cert`: itself when it is self-signed, else one
/// whose key verifies its signature, else itself when it is self-issued (a root whose
/// signature this store cannot check still names its own key). `None`: not installed.
fn issuer_of<'a>(
    cert: &'a Certificate,
    known: impl Iterator<Item = &'a Certificate>,
) -> Option<&'a Certificate> {
    if cert.is_issued_by(cert) {
        return Some(cert);
    }
    let mut known = known;
    known
        .find(|c| *c != cert && cert.is_issued_by(c))
        .or_else(|| cert.is_self_issued().then_some(cert))
}

impl FileStore {
    /// The store at `paths`. Nothing is read or created until it is used.
    pub fn new(paths: FilePaths) -> FileStore {
        FileStore { paths }
    }

    /// Where its parts are.
    pub fn paths(&self) -> &FilePaths {
        &self.paths
    }

    fn read(&self) -> State {
        let mut skipped = Vec::new();
        let bundles = CaCertificateType::ALL
            .iter()
            .map(|kind| {
                let bundle = Bundle::read(self.paths.ca_bundle(*kind), kind.as_str(), &mut skipped);
                (*kind, bundle)
            })
            .collect();
        let fallback = Bundle::read(&self.paths.csms_fallback_bundle(), "CSMS", &mut skipped);
        let retired = CaCertificateType::ALL
            .iter()
            .map(|kind| {
                let path = self.paths.retired_bundle(*kind);
                (*kind, Bundle::read(&path, kind.as_str(), &mut skipped))
            })
            .collect();
        let leaves = [
            &self.paths.csms_leaf_cert_directory,
            &self.paths.secc_leaf_cert_directory,
        ]
        .iter()
        .flat_map(|dir| leaf_files(dir, &mut skipped))
        .flat_map(|file| file.certificates().to_vec())
        .collect();
        State {
            bundles,
            fallback,
            retired,
            leaves,
            skipped,
        }
    }

    /// The installed CA certificates of `kinds`, in that order, each bundle in file order
    /// with the CSMS fallback root after the CSMS bundle, each certificate once, with hash
    /// data computed with `algorithm`.
    pub fn installed(&self, kinds: &[CaCertificateType], algorithm: HashAlgorithm) -> Listing {
        let mut state = self.read();
        let mut certificates: Vec<Listed> = Vec::new();
        let mut skipped = std::mem::take(&mut state.skipped);
        for kind in kinds {
            let entries = state
                .installed()
                .filter(|(k, _, _)| k == kind)
                .map(|(_, fallback, c)| (fallback, c));
            for (fallback, cert) in entries {
                if certificates
                    .iter()
                    .any(|l| l.kind == *kind && &l.certificate == cert)
                {
                    continue;
                }
                let Some(hash_data) = issuer_of(cert, state.known())
                    .and_then(|issuer| cert.hash_data(issuer, algorithm))
                else {
                    let path = match fallback {
                        true => self.paths.csms_fallback_bundle(),
                        false => self.paths.ca_bundle(*kind).to_owned(),
                    };
                    let report = Skipped {
                        path,
                        reason: format!(
                            "{} skipped: its issuer is not installed, so its hash data cannot be computed",
                            cert.subject()
                        ),
                    };
                    tracing::warn!(%report, "certificate store: skipped");
                    skipped.push(report);
                    continue;
                };
                certificates.push(Listed {
                    kind: *kind,
                    fallback,
                    certificate: cert.clone(),
                    hash_data,
                });
            }
        }
        Listing {
            certificates,
            skipped,
        }
    }

    /// Installs `pem` as a CA certificate of `kind`; see [`InstallError`] for what is
    /// refused. A certificate installed already is fine, and nothing is written.
    pub fn install_ca_certificate(
        &self,
        pem: &str,
        kind: CaCertificateType,
        rules: &InstallRules,
    ) -> Result<(), InstallError> {
        let cert = single_certificate(pem)?;
        if !cert.is_ca() {
            return Err(InstallError::NotACertificateAuthority {
                subject: cert.subject().to_owned(),
            });
        }
        if !cert.is_valid_at(rules.now) {
            return Err(InstallError::NotValidNow {
                subject: cert.subject().to_owned(),
                not_before: cert.not_before(),
                not_after: cert.not_after(),
                now: rules.now,
            });
        }
        let mut state = self.read();
        if state.bundle(kind).contains(&cert) {
            tracing::info!(%kind, subject = cert.subject(), "CA certificate installed already");
            return Ok(());
        }
        if !cert.is_self_issued() && !state.known().any(|c| cert.is_issued_by(c)) {
            return Err(InstallError::IssuerNotInstalled {
                subject: cert.subject().to_owned(),
            });
        }
        let mut removed = Vec::new();
        let current: Vec<Certificate> = state.bundle(kind).certificates().cloned().collect();
        if kind == CaCertificateType::Csms
            && rules.additional_root_certificate_check
            && !current.is_empty()
        {
            // The whitepaper's AdditionalRootCertificateCheck: "only one certificate (plus a
            // temporarily fallback certificate) of certificateType CentralSystemRootCertificate
            // is allowed to be installed at a time. When installing a new Central System Root
            // certificate, the new certificate SHALL replace the old one AND the new Central
            // System Root Certificate MUST be signed by the old Central System Root Certificate
            // it is replacing." libocpp reads the key but leaves it unused (it only reaches
            // WebsocketConnectionOptions), so this follows the whitepaper's text.
            let Some(signer) = current.iter().find(|old| cert.is_issued_by(old)).cloned() else {
                return Err(InstallError::NotSignedByInstalledRoot {
                    subject: cert.subject().to_owned(),
                });
            };
            for old in state.bundle_mut(kind).clear() {
                if old != signer {
                    removed.push((kind, old));
                }
            }
            for old in state.fallback.clear() {
                if old != signer {
                    removed.push((kind, old));
                }
            }
            state.fallback.add(signer);
            state.bundle_mut(kind).add(cert.clone());
        } else {
            state.bundle_mut(kind).add(cert.clone());
        }
        let would_hold = state.counted();
        if let Some(max) = rules.max_certificates {
            if would_hold > max as usize {
                return Err(InstallError::MaxLengthExceeded { max, would_hold });
            }
        }
        state.retire(removed);
        state.write()?;
        tracing::info!(%kind, subject = cert.subject(), serial = cert.serial(), "CA certificate installed");
        Ok(())
    }

    /// Deletes every installed CA certificate (the CSMS fallback root included) whose hash
    /// data, computed with the algorithm of `wanted`, matches it. The CSMS fallback root takes
    /// the place of the last CSMS root deleted. The charge point's own certificates are not
    /// deleted ([`DeleteError::ChargePointCertificate`]).
    pub fn delete_certificate(&self, wanted: &CertificateHashData) -> Result<(), DeleteError> {
        let mut state = self.read();
        let algorithm = wanted.hash_algorithm;
        let known: Vec<Certificate> = state.known().cloned().collect();
        let matches = |cert: &Certificate| {
            issuer_of(cert, known.iter())
                .and_then(|issuer| cert.hash_data(issuer, algorithm))
                .is_some_and(|h| hash_data_matches(&h, wanted))
        };
        let mut removed = Vec::new();
        for (kind, bundle) in &mut state.bundles {
            removed.extend(bundle.remove_where(matches).into_iter().map(|c| (*kind, c)));
        }
        removed.extend(
            state
                .fallback
                .remove_where(matches)
                .into_iter()
                .map(|c| (CaCertificateType::Csms, c)),
        );
        if removed.is_empty() {
            return Err(self
                .leaf_refusal(wanted, &known)
                .unwrap_or(DeleteError::NotFound));
        }
        if state.bundle(CaCertificateType::Csms).len() == 0 && state.fallback.len() > 0 {
            for cert in state.fallback.clear() {
                state.bundle_mut(CaCertificateType::Csms).add(cert);
            }
            tracing::info!("the CSMS fallback root takes the place of the deleted CSMS root");
        }
        for (kind, cert) in &removed {
            tracing::info!(%kind, subject = cert.subject(), serial = cert.serial(), "CA certificate deleted");
        }
        state.retire(removed);
        state.write()?;
        Ok(())
    }

    /// [`DeleteError::ChargePointCertificate`] when `wanted` names a certificate of the charge
    /// point's certificate files (the leaf or its chain).
    fn leaf_refusal(
        &self,
        wanted: &CertificateHashData,
        known: &[Certificate],
    ) -> Option<DeleteError> {
        let mut skipped = Vec::new();
        for file in leaf_files(&self.paths.csms_leaf_cert_directory, &mut skipped) {
            let chain = file.certificates();
            let named = chain.iter().any(|cert| {
                issuer_of(cert, chain.iter().chain(known.iter()))
                    .and_then(|issuer| cert.hash_data(issuer, wanted.hash_algorithm))
                    .is_some_and(|h| hash_data_matches(&h, wanted))
            });
            if named {
                return Some(DeleteError::ChargePointCertificate {
                    path: file.path().to_owned(),
                });
            }
        }
        None
    }

    /// The installed CSMS roots verified a connection: the fallback root goes (kept as
    /// retired if it issued one of them). Whether there was one.
    pub fn drop_csms_fallback(&self) -> Result<bool, StoreError> {
        let mut state = self.read();
        let removed: Vec<_> = state
            .fallback
            .clear()
            .into_iter()
            .map(|c| (CaCertificateType::Csms, c))
            .collect();
        if removed.is_empty() {
            return Ok(false);
        }
        state.retire(removed);
        state.write()?;
        Ok(true)
    }

    /// The path of the CSMS fallback root (for the TLS connection, which trusts it after the
    /// installed roots).
    pub fn csms_fallback_bundle(&self) -> PathBuf {
        self.paths.csms_fallback_bundle()
    }
}

/// The one certificate of `pem`.
fn single_certificate(pem: &str) -> Result<Certificate, InstallError> {
    let mut blocks = certificate_blocks(pem);
    match blocks.len() {
        0 => Err(InstallError::InvalidFormat(
            "no PEM CERTIFICATE block".to_owned(),
        )),
        1 => match blocks.remove(0) {
            Block::Certificate(cert) => Ok(*cert),
            Block::Unreadable { reason, .. } => Err(InstallError::InvalidFormat(reason)),
        },
        n => Err(InstallError::InvalidFormat(format!(
            "{n} PEM CERTIFICATE blocks, InstallCertificate takes one"
        ))),
    }
}

/// A certificate's notAfter as the core's time (chrono's latest time for one past it).
pub(crate) fn not_after(cert: &Certificate) -> DateTime {
    DateTime::from_unix_millis(cert.not_after().saturating_mul(1000))
        .unwrap_or_else(|| DateTime::from_utc(chrono::DateTime::<chrono::Utc>::MAX_UTC))
}

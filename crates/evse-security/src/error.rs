//! The store's errors: a file that cannot be read or written, and the refusals of an install
//! or a delete, each a typed enum that names the file or the reason.

use std::io;
use std::path::PathBuf;

use crate::x509::CertificateError;

/// A file of the store that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading failed (other than the file not being there, which is an empty store).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing (or deleting) failed; the file is as it was.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Part of the store that could not be used and was skipped: a file that cannot be read, or a
/// certificate in it that cannot be parsed. The rest of the store is used as if it were not
/// there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it (which certificate, when the file holds several).
    pub reason: String,
}

/// Why a CA certificate was not installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Not exactly one PEM `CERTIFICATE` block holding an X.509 certificate.
    #[error("not one PEM-encoded X.509 certificate: {0}")]
    InvalidFormat(String),
    /// The certificate does not parse.
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    /// Not a certificate authority.
    #[error("{subject} is not a certificate authority (basicConstraints cA, keyCertSign)")]
    NotACertificateAuthority {
        /// Its subject.
        subject: String,
    },
    /// Not valid at the time of the install.
    #[error("{subject} is valid from {not_before} to {not_after} (Unix seconds), not at {now}")]
    NotValidNow {
        /// Its subject.
        subject: String,
        /// notBefore.
        not_before: i64,
        /// notAfter.
        not_after: i64,
        /// The time of the install.
        now: i64,
    },
    /// Neither a root (self-issued) nor issued by an installed certificate: its issuer's key,
    /// which identifies it (issuerKeyHash), is unknown.
    #[error("{subject} is not a root, and its issuer is not installed")]
    IssuerNotInstalled {
        /// Its subject.
        subject: String,
    },
    /// AdditionalRootCertificateCheck: not signed by the installed CSMS root.
    #[error("{subject} is not signed by the installed CSMS root certificate (AdditionalRootCertificateCheck)")]
    NotSignedByInstalledRoot {
        /// Its subject.
        subject: String,
    },
    /// CertificateStoreMaxLength would be exceeded.
    #[error("the store would hold {would_hold} CSMS and manufacturer root certificates, CertificateStoreMaxLength is {max}")]
    MaxLengthExceeded {
        /// CertificateStoreMaxLength.
        max: u32,
        /// How many there would be.
        would_hold: usize,
    },
    /// The certificate is fine; writing it failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a DeleteCertificate deleted nothing.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    /// No installed certificate has this hash data.
    #[error("no installed certificate has this hash data")]
    NotFound,
    /// It is the charge point's certificate, or in its chain.
    #[error("{path} is the charge point's certificate (or its chain), which is not deleted")]
    ChargePointCertificate {
        /// The file holding it.
        path: PathBuf,
    },
    /// Writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

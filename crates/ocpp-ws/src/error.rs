//! Why options cannot be used ([`ConfigError`]) and why a connection attempt failed
//! ([`ConnectError`], with the Security whitepaper event it calls for).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::AuthorizationKeyTooShort;
use crate::certs::CertStoreError;
use crate::profile::SecurityProfile;
use crate::uri::UriError;

/// Security event names of the OCPP 1.6 Security whitepaper (`SecurityEventNotification.type`).
pub mod security_event {
    /// The CSMS certificate is untrusted, expired or does not name the host.
    pub const INVALID_CENTRAL_SYSTEM_CERTIFICATE: &str = "InvalidCentralSystemCertificate";
    /// The CSMS failed to prove its identity: its TLS handshake signature does not verify with
    /// the key of the (valid) certificate it presented. (libocpp spells it
    /// `CsmsFailedToAuthenticate` and raises it nowhere.)
    pub const CENTRAL_SYSTEM_FAILED_TO_AUTHENTICATE: &str = "CentralSystemFailedToAuthenticate";
    /// The CSMS refused our Basic credentials. (libocpp spells it `FailedToAuthenticateAtCsms`.)
    pub const FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM: &str =
        "FailedToAuthenticateAtCentralSystem";
    /// The CSMS offers no TLS version we accept (1.2, 1.3).
    pub const INVALID_TLS_VERSION: &str = "InvalidTLSVersion";
    /// The CSMS offers no cipher suite we accept.
    pub const INVALID_TLS_CIPHER_SUITE: &str = "InvalidTLSCipherSuite";
    /// Our client certificate is missing, or the CSMS refused it.
    pub const INVALID_CHARGE_POINT_CERTIFICATE: &str = "InvalidChargePointCertificate";
}

/// Connection options that cannot work, found before any attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// CentralSystemURI / ChargePointId / SecurityProfile do not make a URL.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// Profiles 1 and 2 need an AuthorizationKey.
    #[error("security profile {0} needs an AuthorizationKey (at least 16 bytes), none is set")]
    MissingAuthorizationKey(SecurityProfile),
    /// The AuthorizationKey is too short.
    #[error(transparent)]
    AuthorizationKey(#[from] AuthorizationKeyTooShort),
    /// None of SupportedCiphers12 / SupportedCiphers13 is a suite we have.
    #[error(
        "none of the configured SupportedCiphers12 / SupportedCiphers13 is supported: {ignored:?}"
    )]
    NoCipherSuites {
        /// The names configured.
        ignored: Vec<String>,
    },
    /// Profile 2 or 3 without a certificate store (and, for 2, without the system roots).
    #[error("security profile {0} needs a certificate store (for the CSMS root CA, and the client certificate with profile 3)")]
    NoCertificateStore(SecurityProfile),
}

/// Why one connection attempt failed. Each kind has its own variant, a readable message,
/// a stable [`kind`](ConnectError::kind) and, where the Security whitepaper asks for one, a
/// [`security_event`](ConnectError::security_event).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The CSMS host name does not resolve, or the TCP connection failed.
    #[error("cannot reach the CSMS at {addr}: {source}")]
    Tcp {
        /// `host:port`.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// TCP, TLS and the upgrade together took too long.
    #[error("no connection to the CSMS within {0:?}")]
    Timeout(Duration),
    /// No CSMS root CA installed (and no system roots allowed): the CSMS cannot be verified.
    #[error("no CSMS root CA certificate at {path} (and UseSslDefaultVerifyPaths is false or the system has none): the CSMS cannot be verified")]
    NoCsmsRootCertificate {
        /// Where the bundle is looked for.
        path: PathBuf,
    },
    /// The certificate store cannot be read.
    #[error("certificate store: {0}")]
    CertificateStore(#[from] CertStoreError),
    /// Profile 3, and no valid client certificate with its key in the store.
    #[error("security profile 3 needs a valid client certificate in {dir} with a usable private key (unencrypted, or encrypted with the configured password), none found")]
    ClientCertificateMissing {
        /// Where client certificates are looked for.
        dir: PathBuf,
    },
    /// The CSMS asked for a client certificate and refused ours (or our lack of one).
    #[error("the CSMS refused the client certificate{}: {detail}", if *.sent { "" } else { " (none was sent)" })]
    ClientCertificateRejected {
        /// Whether we presented one.
        sent: bool,
        /// The alert or failure.
        detail: String,
    },
    /// The CSMS certificate does not chain to a trusted root.
    #[error("the CSMS certificate is not trusted (it does not chain to the CSMS root CA): {0}")]
    CsmsCertificateUntrusted(rustls::Error),
    /// The CSMS certificate is expired or not yet valid.
    #[error("the CSMS certificate is expired or not yet valid: {0}")]
    CsmsCertificateExpired(rustls::Error),
    /// The CSMS certificate does not name the host we connect to.
    #[error("the CSMS certificate is not valid for host {host}: {detail}")]
    CsmsCertificateHostMismatch {
        /// The host of the URL.
        host: String,
        /// What was wrong.
        detail: String,
    },
    /// The CSMS presented a certificate that verifies, but its handshake signature does not
    /// verify with that certificate's key: it does not hold the certificate's private key.
    #[error("the CSMS failed to authenticate: its TLS handshake signature does not verify with the key of its certificate: {0}")]
    CsmsAuthenticationFailed(rustls::Error),
    /// The CSMS certificate is unusable otherwise (revoked, malformed, wrong purpose).
    #[error("the CSMS certificate is invalid: {0}")]
    CsmsCertificateInvalid(rustls::Error),
    /// No common TLS version (we allow only 1.2 and 1.3).
    #[error("the CSMS offers no TLS version we accept (TLS 1.2 or 1.3): {0}")]
    TlsVersion(String),
    /// No common cipher suite.
    #[error(
        "the CSMS offers no cipher suite we accept (SupportedCiphers12 / SupportedCiphers13): {0}"
    )]
    TlsCipherSuite(String),
    /// Any other TLS failure.
    #[error("TLS handshake with the CSMS failed: {0}")]
    Tls(rustls::Error),
    /// HTTP 401 or 403 to the upgrade: the CSMS refused our credentials.
    #[error("the CSMS refused our credentials (HTTP {status}): check ChargePointId and AuthorizationKey")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },
    /// Any other HTTP answer than 101 to the upgrade.
    #[error("the CSMS answered the websocket upgrade with HTTP {status} (is the path right?)")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The CSMS did not accept subprotocol `ocpp1.6`.
    #[error("the CSMS does not speak OCPP 1.6J: it did not accept subprotocol \"ocpp1.6\" ({})", answered.as_deref().unwrap_or("it answered none"))]
    SubprotocolRefused {
        /// What the server answered instead, when known.
        answered: Option<String>,
    },
    /// The websocket upgrade failed otherwise.
    #[error("websocket upgrade failed: {0}")]
    Handshake(String),
    /// The connection broke during TLS or the upgrade.
    #[error("connection to the CSMS broke during the handshake: {0}")]
    Io(io::Error),
}

impl ConnectError {
    /// The Security whitepaper event this failure calls for, if any.
    pub fn security_event(&self) -> Option<&'static str> {
        use security_event::*;
        match self {
            ConnectError::CsmsCertificateUntrusted(_)
            | ConnectError::CsmsCertificateExpired(_)
            | ConnectError::CsmsCertificateHostMismatch { .. }
            | ConnectError::CsmsCertificateInvalid(_) => Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE),
            ConnectError::CsmsAuthenticationFailed(_) => {
                Some(CENTRAL_SYSTEM_FAILED_TO_AUTHENTICATE)
            }
            ConnectError::Unauthorized { .. } => Some(FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM),
            ConnectError::TlsVersion(_) => Some(INVALID_TLS_VERSION),
            ConnectError::TlsCipherSuite(_) => Some(INVALID_TLS_CIPHER_SUITE),
            ConnectError::ClientCertificateMissing { .. }
            | ConnectError::ClientCertificateRejected { .. } => {
                Some(INVALID_CHARGE_POINT_CERTIFICATE)
            }
            ConnectError::Tcp { .. }
            | ConnectError::Timeout(_)
            | ConnectError::NoCsmsRootCertificate { .. }
            | ConnectError::CertificateStore(_)
            | ConnectError::Tls(_)
            | ConnectError::HttpStatus { .. }
            | ConnectError::SubprotocolRefused { .. }
            | ConnectError::Handshake(_)
            | ConnectError::Io(_) => None,
        }
    }

    /// A stable snake_case name of the variant, for logs and machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectError::Tcp { .. } => "tcp",
            ConnectError::Timeout(_) => "timeout",
            ConnectError::NoCsmsRootCertificate { .. } => "no_csms_root_certificate",
            ConnectError::CertificateStore(_) => "certificate_store",
            ConnectError::ClientCertificateMissing { .. } => "client_certificate_missing",
            ConnectError::ClientCertificateRejected { .. } => "client_certificate_rejected",
            ConnectError::CsmsCertificateUntrusted(_) => "csms_certificate_untrusted",
            ConnectError::CsmsCertificateExpired(_) => "csms_certificate_expired",
            ConnectError::CsmsCertificateHostMismatch { .. } => "csms_certificate_host_mismatch",
            ConnectError::CsmsCertificateInvalid(_) => "csms_certificate_invalid",
            ConnectError::CsmsAuthenticationFailed(_) => "csms_authentication_failed",
            ConnectError::TlsVersion(_) => "tls_version",
            ConnectError::TlsCipherSuite(_) => "tls_cipher_suite",
            ConnectError::Tls(_) => "tls",
            ConnectError::Unauthorized { .. } => "unauthorized",
            ConnectError::HttpStatus { .. } => "http_status",
            ConnectError::SubprotocolRefused { .. } => "subprotocol_refused",
            ConnectError::Handshake(_) => "websocket_handshake",
            ConnectError::Io(_) => "io",
        }
    }
}

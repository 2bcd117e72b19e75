//! Turning what rustls, tungstenite and the socket report into a [`ConnectError`].

use std::io;

use rustls::{AlertDescription, CertificateError, PeerIncompatible, PeerMisbehaved};
use tokio_tungstenite::tungstenite;
use tungstenite::error::{ProtocolError, SubProtocolError};

use crate::error::ConnectError;
use crate::tls::client::{HandshakeProbe, WildcardNotAllowed};

/// What the attempt knows when it fails.
pub(crate) struct Context<'a> {
    /// The host of the URL (the TLS server name).
    pub host: &'a str,
    /// What the TLS handshake got to; `None` without TLS.
    pub probe: Option<&'a HandshakeProbe>,
    /// Whether we had a client certificate to present.
    pub had_client_certificate: bool,
}

/// An I/O error of the TLS handshake or the upgrade; a rustls error inside is looked at.
pub(crate) fn io_error(error: io::Error, cx: &Context<'_>) -> ConnectError {
    if let Some(tls) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        return rustls_error(tls.clone(), cx);
    }
    let closed = matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    );
    if closed && cx.probe.is_some_and(|p| p.client_certificate_requested()) {
        // TLS 1.3: the server judges the client certificate after our side of the handshake
        // is done. Its alert can be lost to a TCP reset (our upgrade request is already in
        // its unread buffer when it closes), so a connection that breaks right after a
        // certificate request is taken as a refusal of our certificate.
        return ConnectError::ClientCertificateRejected {
            sent: cx.had_client_certificate,
            detail: format!(
                "the CSMS asked for a client certificate and then closed the connection ({error})"
            ),
        };
    }
    ConnectError::Io(error)
}

/// A rustls error of the handshake (or an alert right after it).
pub(crate) fn rustls_error(error: rustls::Error, cx: &Context<'_>) -> ConnectError {
    let probe = cx.probe;
    let server_certificate_seen = probe.is_some_and(|p| p.server_certificate_seen());
    let client_certificate_requested = probe.is_some_and(|p| p.client_certificate_requested());
    if probe.is_some_and(|p| p.server_signature_refused()) {
        // The certificate verified (the signature check comes after it); the key did not.
        return ConnectError::CsmsAuthenticationFailed(error);
    }
    match &error {
        rustls::Error::InvalidCertificate(cert) => certificate_error(cert, error.clone(), cx.host),
        rustls::Error::AlertReceived(alert) => {
            let detail = format!("the CSMS sent alert {alert:?}");
            match alert {
                AlertDescription::ProtocolVersion if !server_certificate_seen => {
                    ConnectError::TlsVersion(detail)
                }
                AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity
                    if !server_certificate_seen =>
                {
                    ConnectError::TlsCipherSuite(detail)
                }
                AlertDescription::CertificateRequired
                | AlertDescription::BadCertificate
                | AlertDescription::UnsupportedCertificate
                | AlertDescription::CertificateRevoked
                | AlertDescription::CertificateExpired
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnknownCA
                | AlertDescription::AccessDenied
                | AlertDescription::HandshakeFailure
                | AlertDescription::DecryptError
                    if client_certificate_requested =>
                {
                    ConnectError::ClientCertificateRejected {
                        sent: cx.had_client_certificate,
                        detail,
                    }
                }
                _ => ConnectError::Tls(error),
            }
        }
        rustls::Error::PeerIncompatible(p) => match p {
            PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired => {
                ConnectError::TlsVersion(format!("{error}"))
            }
            PeerIncompatible::NoCipherSuitesInCommon => {
                ConnectError::TlsCipherSuite(format!("{error}"))
            }
            _ => ConnectError::Tls(error),
        },
        rustls::Error::PeerMisbehaved(
            PeerMisbehaved::SelectedUnofferedCipherSuite
            | PeerMisbehaved::SelectedTls12UsingTls13VersionExtension,
        ) => ConnectError::TlsCipherSuite(format!("{error}")),
        _ => ConnectError::Tls(error),
    }
}

fn certificate_error(cert: &CertificateError, error: rustls::Error, host: &str) -> ConnectError {
    match cert {
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => {
            ConnectError::CsmsCertificateExpired(error)
        }
        CertificateError::UnknownIssuer | CertificateError::BadSignature => {
            ConnectError::CsmsCertificateUntrusted(error)
        }
        CertificateError::NotValidForName => ConnectError::CsmsCertificateHostMismatch {
            host: host.to_owned(),
            detail: "no subjectAltName names it".to_owned(),
        },
        CertificateError::NotValidForNameContext { presented, .. } => {
            ConnectError::CsmsCertificateHostMismatch {
                host: host.to_owned(),
                detail: format!("the certificate names {}", presented.join(", ")),
            }
        }
        CertificateError::Other(other)
            if other.0.downcast_ref::<WildcardNotAllowed>().is_some() =>
        {
            ConnectError::CsmsCertificateHostMismatch {
                host: host.to_owned(),
                detail:
                    "it matches only through a wildcard name, and VerifyCsmsAllowWildcards is false"
                        .to_owned(),
            }
        }
        _ => ConnectError::CsmsCertificateInvalid(error),
    }
}

/// A failure of the websocket upgrade.
pub(crate) fn upgrade_error(error: tungstenite::Error, cx: &Context<'_>) -> ConnectError {
    match error {
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            match status {
                401 | 403 => ConnectError::Unauthorized { status },
                _ => ConnectError::HttpStatus { status },
            }
        }
        tungstenite::Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(e)) => {
            let answered = match e {
                SubProtocolError::NoSubProtocol => None,
                SubProtocolError::InvalidSubProtocol => Some("it answered another one".to_owned()),
                SubProtocolError::ServerSentSubProtocolNoneRequested => {
                    Some("it answered one we did not offer".to_owned())
                }
            };
            ConnectError::SubprotocolRefused { answered }
        }
        tungstenite::Error::Io(e) => io_error(e, cx),
        other => ConnectError::Handshake(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::security_event::*;

    fn cx(probe: Option<&HandshakeProbe>) -> Context<'_> {
        Context {
            host: "csms.example.com",
            probe,
            had_client_certificate: false,
        }
    }

    #[test]
    fn certificate_errors() {
        let cases = [
            (
                CertificateError::UnknownIssuer,
                "csms_certificate_untrusted",
            ),
            (CertificateError::BadSignature, "csms_certificate_untrusted"),
            (CertificateError::Expired, "csms_certificate_expired"),
            (CertificateError::NotValidYet, "csms_certificate_expired"),
            (
                CertificateError::NotValidForName,
                "csms_certificate_host_mismatch",
            ),
            (CertificateError::Revoked, "csms_certificate_invalid"),
            (
                CertificateError::Other(rustls::OtherError(Arc::new(WildcardNotAllowed {
                    host: "h".into(),
                }))),
                "csms_certificate_host_mismatch",
            ),
        ];
        for (cert, kind) in cases {
            let e = rustls_error(rustls::Error::InvalidCertificate(cert), &cx(None));
            assert_eq!(e.kind(), kind);
            assert_eq!(e.security_event(), Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE));
        }
    }

    #[test]
    fn alerts_depend_on_how_far_the_handshake_got() {
        let fresh = HandshakeProbe::default();
        let alert = |a| rustls::Error::AlertReceived(a);
        let e = rustls_error(alert(AlertDescription::ProtocolVersion), &cx(Some(&fresh)));
        assert_eq!(
            (e.kind(), e.security_event()),
            ("tls_version", Some(INVALID_TLS_VERSION))
        );
        let e = rustls_error(alert(AlertDescription::HandshakeFailure), &cx(Some(&fresh)));
        assert_eq!(
            (e.kind(), e.security_event()),
            ("tls_cipher_suite", Some(INVALID_TLS_CIPHER_SUITE))
        );
        let e = rustls_error(
            alert(AlertDescription::CertificateRequired),
            &cx(Some(&fresh)),
        );
        assert_eq!(e.kind(), "tls");

        let asked = HandshakeProbe::default();
        asked.mark_for_test();
        for a in [
            AlertDescription::CertificateRequired,
            AlertDescription::HandshakeFailure,
            AlertDescription::BadCertificate,
        ] {
            let e = rustls_error(alert(a), &cx(Some(&asked)));
            assert_eq!(e.kind(), "client_certificate_rejected", "{a:?}");
            assert_eq!(e.security_event(), Some(INVALID_CHARGE_POINT_CERTIFICATE));
        }
    }

    #[test]
    fn io_errors_carry_rustls_errors() {
        let wrapped = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert_eq!(
            io_error(wrapped, &cx(None)).kind(),
            "csms_certificate_untrusted"
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(io_error(reset, &cx(None)).kind(), "io");
        let asked = HandshakeProbe::default();
        asked.mark_for_test();
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(
            io_error(eof, &cx(Some(&asked))).kind(),
            "client_certificate_rejected"
        );
    }
}

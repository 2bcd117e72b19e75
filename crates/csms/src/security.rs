//! Security profiles 0-3 on the server side (OCPP 1.6 Security whitepaper, §2):
//!
//! | profile | transport | the charge point proves who it is with |
//! |---|---|---|
//! | 0 | `ws://` | nothing |
//! | 1 | `ws://` | Basic auth: its ChargePointId and its AuthorizationKey as password |
//! | 2 | `wss://` | Basic auth, over TLS (it checks the CSMS's certificate) |
//! | 3 | `wss://` | a client certificate signed by a CA the CSMS trusts, whose CN is its ChargePointId |
//!
//! What is required comes from [`CsmsOptions`]: a charge point with a password
//! ([`CsmsOptions::passwords`]) must send it (or, over TLS, a valid client certificate
//! instead); a client certificate, when presented, must be for the charge point that uses it
//! (CN = ChargePointId, else 403); with [`TlsFiles::require_client_certificate`] every charge
//! point needs one (rustls refuses the TLS handshake without it). TLS comes from certificate
//! files ([`TlsFiles`], e.g. the development PKI of [`crate::dev_pki`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ocpp_ws::{ClientAuth, Handshake, Refusal, ServerTlsOptions};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_cert::der::Decode;

use crate::options::CsmsOptions;

/// The files of the CSMS's TLS (profiles 2 and 3), PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server certificate, leaf first, with its chain.
    pub certificate_chain: PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub private_key: PathBuf,
    /// The CA certificates client certificates are checked against (profile 3); none: no
    /// client certificates are asked for.
    pub client_ca: Option<PathBuf>,
    /// Whether every charge point must present a client certificate (profile 3 only).
    pub require_client_certificate: bool,
}

/// Why TLS cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// A file cannot be read or holds no PEM object of the kind needed.
    #[error("{path}: {what}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// `require_client_certificate` without a `client_ca` to check them against.
    #[error("require_client_certificate needs a client_ca to check the certificates against")]
    NoClientCa,
    /// rustls refused the certificates or the key.
    #[error(transparent)]
    Tls(#[from] ocpp_ws::tls::server::ServerTlsError),
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, SecurityError> {
    let file = |what: String| SecurityError::File {
        path: path.to_path_buf(),
        what,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file(e.to_string()))?;
    if certs.is_empty() {
        return Err(file("no CERTIFICATE in it".to_owned()));
    }
    Ok(certs)
}

impl TlsFiles {
    /// The rustls configuration of these files.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, SecurityError> {
        let chain = certificates(&self.certificate_chain)?;
        let key =
            PrivateKeyDer::from_pem_file(&self.private_key).map_err(|e| SecurityError::File {
                path: self.private_key.clone(),
                what: e.to_string(),
            })?;
        let client_auth = match (&self.client_ca, self.require_client_certificate) {
            (None, true) => return Err(SecurityError::NoClientCa),
            (None, false) => ClientAuth::None,
            (Some(ca), true) => ClientAuth::Required(certificates(ca)?),
            (Some(ca), false) => ClientAuth::Optional(certificates(ca)?),
        };
        Ok(ocpp_ws::server_config(ServerTlsOptions {
            chain,
            key,
            client_auth,
        })?)
    }
}

/// The common name (CN) of a certificate's subject, if it has one that is text.
pub fn common_name(certificate: &CertificateDer<'_>) -> Option<String> {
    let cert = x509_cert::Certificate::from_der(certificate.as_ref()).ok()?;
    let cn = x509_cert::der::oid::db::rfc4519::CN;
    cert.tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == cn)
        .and_then(|atv| {
            let value = &atv.value;
            x509_cert::der::asn1::Utf8StringRef::try_from(value)
                .map(|s| s.as_str().to_owned())
                .or_else(|_| {
                    x509_cert::der::asn1::PrintableStringRef::try_from(value)
                        .map(|s| s.as_str().to_owned())
                })
                .ok()
        })
}

/// What a handshake proved, once it passed [`admit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// It authenticated with its password.
    pub basic_auth: bool,
    /// It presented a client certificate for itself.
    pub client_certificate: bool,
}

/// Whether the charge point of `handshake` may connect to a CSMS with `options` (the path is
/// checked before): the refusal and why, or what it proved.
pub fn admit(
    options: &CsmsOptions,
    handshake: &Handshake<'_>,
) -> Result<Admitted, (Refusal, String)> {
    let cp = handshake.charge_point_id;
    let certificate = match handshake.client_certificate {
        Some(cert) => match common_name(cert) {
            Some(name) if name == cp => true,
            other => {
                return Err((
                    Refusal::Forbidden,
                    format!(
                        "its client certificate is for {}, not for {cp}",
                        other.as_deref().unwrap_or("no CN")
                    ),
                ))
            }
        },
        None => false,
    };
    let Some(password) = options.passwords.get(cp) else {
        return Ok(Admitted {
            basic_auth: false,
            client_certificate: certificate,
        });
    };
    match handshake.credentials {
        Some(c) if c.matches(cp, password) => Ok(Admitted {
            basic_auth: true,
            client_certificate: certificate,
        }),
        // Profile 3 authenticates with the certificate alone.
        _ if certificate => Ok(Admitted {
            basic_auth: false,
            client_certificate: true,
        }),
        Some(_) => Err((Refusal::Unauthorized, "wrong Basic credentials".to_owned())),
        None => Err((Refusal::Unauthorized, "no Basic credentials".to_owned())),
    }
}

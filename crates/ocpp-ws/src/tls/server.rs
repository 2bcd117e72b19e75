//! The rustls server configuration of the server side (dev CSMS, tests).

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// Whether and how the server asks for client certificates (profile 3).
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No client certificates (profile 2).
    #[default]
    None,
    /// Verified against these roots when presented, but not required (profile 2 and 3 on one
    /// port; the server's authorizer sees whether one came).
    Optional(Vec<CertificateDer<'static>>),
    /// Required, and verified against these roots (profile 3 only).
    Required(Vec<CertificateDer<'static>>),
}

/// What the server's TLS needs.
#[derive(Debug)]
pub struct ServerTlsOptions {
    /// The server certificate, leaf first, with its chain.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server certificate's key.
    pub key: PrivateKeyDer<'static>,
    /// Client certificates.
    pub client_auth: ClientAuth,
}

/// A server TLS configuration that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ServerTlsError {
    /// The certificate, key or versions were refused.
    #[error("server TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client-certificate roots were refused.
    #[error("client certificate verifier: {0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
}

/// TLS 1.2 and 1.3 with the `ring` provider's default suites.
pub fn server_config(options: ServerTlsOptions) -> Result<Arc<ServerConfig>, ServerTlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let builder = match options.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional(roots) | ClientAuth::Required(roots) if roots.is_empty() => {
            return Err(ServerTlsError::ClientVerifier(
                rustls::server::VerifierBuilderError::NoRootAnchors,
            ));
        }
        ClientAuth::Optional(roots) => {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(root_store(roots)?, provider)
                    .allow_unauthenticated()
                    .build()?;
            builder.with_client_cert_verifier(verifier)
        }
        ClientAuth::Required(roots) => {
            let verifier =
                WebPkiClientVerifier::builder_with_provider(root_store(roots)?, provider)
                    .build()?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    Ok(Arc::new(
        builder.with_single_cert(options.chain, options.key)?,
    ))
}

fn root_store(roots: Vec<CertificateDer<'static>>) -> Result<Arc<RootCertStore>, rustls::Error> {
    let mut store = RootCertStore::empty();
    for root in roots {
        store.add(root)?;
    }
    Ok(Arc::new(store))
}

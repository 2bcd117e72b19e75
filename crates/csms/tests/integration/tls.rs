//! `wss://` with a PKI made at test time: the station's client on security profile 2 (TLS with
//! Basic auth) trusts the CSMS root CA from an EVerest-layout store.

use std::collections::HashMap;
use std::path::PathBuf;

use csms::CsmsOptions;
use ocpp_ws::{
    server_config, AuthorizationKey, ClientAuth, Connection, ConnectionOptions, Event,
    SecurityProfile, ServerTlsOptions,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls_pki_types::PrivateKeyDer;

use crate::client::{bounded, csms};

/// A root CA and a server certificate for 127.0.0.1 signed by it: (root PEM, server config).
fn pki() -> Result<(String, std::sync::Arc<rustls::ServerConfig>), Box<dyn std::error::Error>> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dev CSMS root");
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, "csms");
    let server = params.signed_by(&key, &issuer)?;
    let config = server_config(ServerTlsOptions {
        chain: vec![server.der().clone()],
        key: PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        client_auth: ClientAuth::None,
    })?;
    Ok((ca.pem(), config))
}

/// A certificate store holding only the CSMS root, removed on drop.
struct Store(PathBuf);

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_station_on_security_profile_2_connects_over_tls() {
    let (root_pem, tls) = match pki() {
        Ok(pki) => pki,
        Err(e) => panic!("PKI: {e}"),
    };
    let store = Store(std::env::temp_dir().join(format!("csms-tls-{}", std::process::id())));
    let ca_dir = store.0.join("ca/csms");
    if let Err(e) = std::fs::create_dir_all(&ca_dir)
        .and_then(|()| std::fs::write(ca_dir.join("CSMS_ROOT_CA.pem"), root_pem))
    {
        panic!("store: {e}");
    }
    let key = "AABBCCDDEEFFGGHH";
    let csms = csms(CsmsOptions {
        tls: Some(tls),
        passwords: HashMap::from([("cp001".to_owned(), key.as_bytes().to_vec())]),
        ..CsmsOptions::default()
    })
    .await;
    assert!(csms.url().starts_with("wss://127.0.0.1:"), "{}", csms.url());

    let uri = format!("{}{}", csms.local_addr(), csms::DEFAULT_PATH_PREFIX);
    let mut options = ConnectionOptions::new(uri, "cp001", SecurityProfile::TlsBasicAuth);
    options.authorization_key = AuthorizationKey::new(key).ok();
    options.cert_store = Some(ocpp_ws::CertificateStore::new(&store.0));
    options.tls.use_system_roots = false;
    let (_connection, mut events) = match Connection::open(options) {
        Ok(opened) => opened,
        Err(e) => panic!("open: {e}"),
    };
    match bounded(events.recv()).await {
        Some(Event::Connected { url, .. }) => assert!(url.starts_with("wss://"), "{url}"),
        other => panic!("expected Connected, got {other:?}"),
    }
    bounded(csms.wait_connected("cp001")).await;
}

//! The certificate store at non-default paths (as the EvseSecurity module sets them) with
//! encrypted private keys: choosing the client certificate, and profile 3 end to end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::SystemTime;

use common::*;
use ocpp_ws::security_event::INVALID_CHARGE_POINT_CERTIFICATE;
use ocpp_ws::{CertificateStore, ClientAuth, Connection, Event, SecurityProfile, StorePaths};

const PASSWORD: &str = "123456";

/// A store whose CA bundle, certificate and key directories are all away from EVerest's
/// defaults (and from each other), with `password`.
fn paths(root: &Path, password: Option<&str>) -> StorePaths {
    StorePaths {
        csms_ca_bundle: root.join("trust/csms-roots.pem"),
        csms_fallback_bundle: root.join("trust/csms-roots.pem.fallback"),
        csms_leaf_cert_dir: root.join("leaf/certs"),
        csms_leaf_key_dir: root.join("secret/keys"),
        private_key_password: password.map(str::to_owned),
    }
}

/// Writes the CSMS root CA and a client certificate with its key (already PEM) into `paths`.
fn install(paths: &StorePaths, csms_ca: &Ca, name: &str, client: &Leaf, key_pem: &str) {
    for dir in [
        paths.csms_ca_bundle.parent().unwrap(),
        &paths.csms_leaf_cert_dir,
        &paths.csms_leaf_key_dir,
    ] {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&paths.csms_ca_bundle, &csms_ca.cert_pem).unwrap();
    std::fs::write(
        paths.csms_leaf_cert_dir.join(format!("{name}.pem")),
        &client.cert_pem,
    )
    .unwrap();
    std::fs::write(paths.csms_leaf_key_dir.join(format!("{name}.key")), key_pem).unwrap();
}

#[test]
fn every_key_form_is_found_in_the_key_directory() {
    let ca = Ca::new("CPO Root");
    let dir = TempDir::new();
    let with_password = CertificateStore::with_paths(paths(dir.path(), Some(PASSWORD)));
    let client = ca.client(Validity::Now);
    let forms = [
        legacy_encrypted_pem("EC PRIVATE KEY", &sec1_der(&client.key), PASSWORD, 128),
        legacy_encrypted_pem("EC PRIVATE KEY", &sec1_der(&client.key), PASSWORD, 192),
        legacy_encrypted_pem("EC PRIVATE KEY", &sec1_der(&client.key), PASSWORD, 256),
        pkcs8_encrypted_pem(&client.key, PASSWORD),
        client.key.serialize_pem(),
    ];
    for key_pem in &forms {
        let _ = std::fs::remove_dir_all(dir.path().join("secret"));
        install(with_password.paths(), &ca, "CSMS_LEAF", &client, key_pem);
        let chosen = with_password.client_certificate(SystemTime::now());
        assert!(
            chosen.is_some_and(|c| c.path.ends_with("leaf/certs/CSMS_LEAF.pem")),
            "{key_pem}"
        );
        assert!(with_password.csms_root_ca_installed());
    }

    // The wrong password, or none: the encrypted key is skipped, so no certificate is usable.
    for password in [Some("654321"), None] {
        let store = CertificateStore::with_paths(paths(dir.path(), password));
        for key_pem in &forms[..4] {
            std::fs::write(dir.path().join("secret/keys/CSMS_LEAF.key"), key_pem).unwrap();
            assert!(store.client_certificate(SystemTime::now()).is_none());
        }
    }

    // A key kept as `*.pem` in the key directory counts too.
    let _ = std::fs::remove_dir_all(dir.path().join("secret"));
    std::fs::create_dir_all(dir.path().join("secret/keys")).unwrap();
    std::fs::write(dir.path().join("secret/keys/CSMS_LEAF.pem"), &forms[0]).unwrap();
    assert!(with_password.has_valid_client_certificate(SystemTime::now()));
    // Keys in the certificate directory are not looked at when the key directory is elsewhere.
    std::fs::remove_dir_all(dir.path().join("secret")).unwrap();
    std::fs::write(dir.path().join("leaf/certs/CSMS_LEAF.key"), &forms[4]).unwrap();
    assert!(!with_password.has_valid_client_certificate(SystemTime::now()));
}

/// A profile 3 server (client certificate required, issued by `cpo_ca`) and options for a
/// store at `paths`.
async fn profile_3(
    csms_ca: &Ca,
    cpo_ca: &Ca,
    paths: StorePaths,
) -> (ocpp_ws::Server, ocpp_ws::ConnectionOptions) {
    let leaf = csms_ca.server(&["127.0.0.1"], Validity::Now);
    let server = server(options_with_auth(Some(tls(
        &leaf,
        ClientAuth::Required(vec![cpo_ca.cert.clone()]),
    ))))
    .await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsClientCertificate,
        None,
    );
    options.cert_store = Some(CertificateStore::with_paths(paths));
    options.authorization_key = None; // profile 3 authenticates with the certificate alone
    (server, options)
}

#[tokio::test]
async fn profile_3_with_an_encrypted_key_at_non_default_paths() {
    let (csms_ca, cpo_ca) = (Ca::new("CSMS Root"), Ca::new("CPO Root"));
    let dir = TempDir::new();
    let client = cpo_ca.client(Validity::Now);
    let key_pem = legacy_encrypted_pem("EC PRIVATE KEY", &sec1_der(&client.key), PASSWORD, 128);
    let store_paths = paths(dir.path(), Some(PASSWORD));
    install(&store_paths, &csms_ca, "CSMS_LEAF", &client, &key_pem);
    // Nothing at EVerest's default places: the store's own paths are what is used.
    assert!(!dir.path().join("ca").exists() && !dir.path().join("client").exists());

    let (mut server, options) = profile_3(&csms_ca, &cpo_ca, store_paths).await;
    let (connection, mut events) = Connection::open(options).unwrap();
    let accepted = server.accept().await.unwrap();
    match next(&mut events).await {
        Event::Connected { url, .. } => assert!(url.starts_with("wss://"), "{url}"),
        other => panic!("expected Connected, got {other:?}"),
    }
    assert_eq!(
        accepted.client_certificate().map(|c| c.to_vec()),
        Some(client.cert.to_vec()),
        "the server saw our client certificate"
    );
    drop(connection);
}

#[tokio::test]
async fn profile_3_with_the_wrong_key_password_presents_no_certificate() {
    let (csms_ca, cpo_ca) = (Ca::new("CSMS Root"), Ca::new("CPO Root"));
    let dir = TempDir::new();
    let client = cpo_ca.client(Validity::Now);
    let key_pem = legacy_encrypted_pem("EC PRIVATE KEY", &sec1_der(&client.key), PASSWORD, 128);
    install(
        &paths(dir.path(), Some(PASSWORD)),
        &csms_ca,
        "CSMS_LEAF",
        &client,
        &key_pem,
    );

    let (_server, options) = profile_3(&csms_ca, &cpo_ca, paths(dir.path(), Some("wrong"))).await;
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "client_certificate_missing",
            Some(INVALID_CHARGE_POINT_CERTIFICATE)
        )
    );
    assert!(message.contains("leaf/certs"), "{message}");
}

//! Choosing the client certificate from the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::SystemTime;

use common::*;
use ocpp_ws::CertificateStore;

#[test]
fn newest_valid_certificate_with_its_key() {
    let ca = Ca::new("CPO");
    let dir = TempDir::new();
    let store = CertificateStore::new(dir.path());
    assert!(store.client_certificate(SystemTime::now()).is_none());
    assert!(!store.csms_root_ca_installed());

    install_client(dir.path(), "a_old", &ca.client(Validity::Since(2021)));
    install_client(dir.path(), "b_newest", &ca.client(Validity::Since(2023)));
    install_client(dir.path(), "c_expired", &ca.client(Validity::Expired));
    // A newer certificate whose key is not in the store.
    let orphan = ca.client(Validity::Since(2024));
    std::fs::write(
        dir.path().join("client/csms/d_orphan.pem"),
        &orphan.cert_pem,
    )
    .unwrap();
    // Junk is skipped.
    std::fs::write(
        dir.path().join("client/csms/e_junk.pem"),
        "not a certificate",
    )
    .unwrap();
    std::fs::write(dir.path().join("client/csms/e_junk.key"), "not a key").unwrap();

    let chosen = store.client_certificate(SystemTime::now()).unwrap();
    assert!(chosen.path.ends_with("b_newest.pem"), "{:?}", chosen.path);
    assert!(store.has_valid_client_certificate(SystemTime::now()));
}

#[test]
fn root_ca_bundle() {
    let dir = TempDir::new();
    let store = CertificateStore::new(dir.path());
    assert_eq!(store.csms_root_certificates().unwrap().len(), 0);
    let (a, b) = (Ca::new("A"), Ca::new("B"));
    std::fs::create_dir_all(dir.path().join("ca/csms")).unwrap();
    std::fs::write(
        store.csms_root_ca_path(),
        format!("{}{}", a.cert_pem, b.cert_pem),
    )
    .unwrap();
    assert_eq!(
        store.csms_root_certificates().unwrap(),
        [a.cert.clone(), b.cert.clone()]
    );
    assert!(store.csms_root_ca_installed());
    std::fs::write(store.csms_root_ca_path(), "garbage").unwrap();
    assert!(store.csms_root_certificates().is_err());
    assert!(!store.csms_root_ca_installed());
}

#[test]
fn root_ca_bundle_directory_empty_file_and_fallback() {
    let dir = TempDir::new();
    let store = CertificateStore::new(dir.path());
    let (a, b) = (Ca::new("A"), Ca::new("B"));
    // EvseSecurity leaves an emptied bundle file in place: no roots, no error.
    std::fs::create_dir_all(dir.path().join("ca/csms")).unwrap();
    std::fs::write(store.csms_root_ca_path(), "\n").unwrap();
    assert_eq!(store.csms_root_certificates().unwrap(), []);
    assert!(!store.csms_root_ca_installed());

    // csms_ca_bundle naming a directory: its *.pem files, in name order; junk skipped.
    std::fs::remove_file(store.csms_root_ca_path()).unwrap();
    let bundle = store.csms_root_ca_path();
    std::fs::create_dir_all(&bundle).unwrap();
    std::fs::write(bundle.join("2_b.pem"), &b.cert_pem).unwrap();
    std::fs::write(bundle.join("1_a.pem"), &a.cert_pem).unwrap();
    std::fs::write(bundle.join("3_junk.pem"), "not a certificate").unwrap();
    std::fs::write(bundle.join("notes.txt"), &a.cert_pem).unwrap();
    assert_eq!(
        store.csms_root_certificates().unwrap(),
        [a.cert.clone(), b.cert.clone()]
    );

    // The fallback root beside the bundle.
    assert_eq!(store.csms_fallback_root_certificates().unwrap(), []);
    std::fs::write(&store.paths().csms_fallback_bundle, &b.cert_pem).unwrap();
    assert_eq!(store.csms_fallback_root_certificates().unwrap(), [b.cert]);
}

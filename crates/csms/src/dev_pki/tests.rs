use std::collections::BTreeMap;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::*;

/// Every file `ensure` makes for charge point cp001, relative to the folder.
const FILES: [&str; 36] = [
    "ca/CSMS_ROOT_CA.pem",
    "ca/CSMS_ROOT_CA.key",
    "station/ca/csms/CSMS_ROOT_CA.pem",
    "csms/server.pem",
    "csms/server.key",
    "station/client/csms/cp001.pem",
    "station/client/csms/cp001.key",
    "csms/cp001.authorization-key",
    "ca/MF_ROOT_CA.pem",
    "ca/MF_ROOT_CA.key",
    "station/ca/mf/MF_ROOT_CA.pem",
    "mf/FIRMWARE_SIGNING.pem",
    "mf/FIRMWARE_SIGNING.key",
    "ca/V2G_ROOT_CA.pem",
    "ca/V2G_ROOT_CA.key",
    "ca/CPO_SUB_CA1.pem",
    "ca/CPO_SUB_CA1.key",
    "ca/CPO_SUB_CA2.pem",
    "ca/CPO_SUB_CA2.key",
    "station/ca/v2g/V2G_ROOT_CA.pem",
    "station/ca/cso/CPO_SUB_CA1.pem",
    "station/ca/cso/CPO_SUB_CA2.pem",
    "station/client/cso/SECC_LEAF.pem",
    "station/client/cso/SECC_LEAF.key",
    "station/client/cso/CPO_CERT_CHAIN.pem",
    "ca/MO_ROOT_CA.pem",
    "ca/MO_ROOT_CA.key",
    "ca/MO_SUB_CA1.pem",
    "ca/MO_SUB_CA1.key",
    "ca/MO_SUB_CA2.pem",
    "ca/MO_SUB_CA2.key",
    "station/ca/mo/MO_ROOT_CA.pem",
    "car/MO_LEAF.pem",
    "car/MO_LEAF.key",
    "car/MO_CERT_CHAIN.pem",
    "car/INTERMEDIATE_MO_CA_CERTS.pem",
];

/// Each key file (and the AuthorizationKey): readable by its owner only.
fn private(name: &str) -> bool {
    name.ends_with(".key") || name.ends_with(".authorization-key")
}

fn certificates(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file's bytes and mode.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    FILES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                std::fs::metadata(&path)
                    .map(|m| m.permissions().mode() & 0o777)
                    .unwrap_or_default()
            };
            #[cfg(not(unix))]
            let mode = 0;
            ((*name).to_owned(), (bytes, mode))
        })
        .collect()
}

/// Verifies the chain file `chain` (leaf first, then its intermediates) against the root of
/// `root` for `usage`, as a TLS peer would.
fn verifies(dir: &Path, chain: &str, root: &str, usage: KeyUsage) -> Result<(), webpki::Error> {
    let chain = certificates(&dir.join(chain));
    let root = certificates(&dir.join(root));
    let anchors: Vec<TrustAnchor<'_>> = root
        .iter()
        .map(|c| webpki::anchor_from_trusted_cert(c).map(|a| a.to_owned()))
        .collect::<Result<_, _>>()?;
    let leaf = EndEntityCert::try_from(&chain[0])?;
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &chain[1..],
        UnixTime::now(),
        usage,
        None,
        None,
    )
    .map(|_| ())
}

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("csms-pki-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_file_is_made_once_with_chains_that_verify_and_private_keys() {
    let dir = folder("all");
    let pki = DevPki::ensure(&dir, &["cp001".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let made: Vec<String> = pki
        .written()
        .iter()
        .map(|p| p.strip_prefix(&dir).unwrap_or(p).display().to_string())
        .collect();
    let mut expected: Vec<String> = FILES.iter().map(|f| (*f).to_owned()).collect();
    let mut sorted = made.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "every file, each once");
    let before = snapshot(&dir);
    for (name, (_, mode)) in &before {
        #[cfg(unix)]
        assert_eq!(*mode, if private(name) { 0o600 } else { 0o644 }, "{name}");
        let _ = (name, mode);
    }

    // The chains, as the peers check them.
    let server = KeyUsage::server_auth();
    let client = KeyUsage::client_auth();
    assert_eq!(
        verifies(&dir, "csms/server.pem", "ca/CSMS_ROOT_CA.pem", server),
        Ok(())
    );
    assert_eq!(
        verifies(
            &dir,
            "station/client/csms/cp001.pem",
            "station/ca/csms/CSMS_ROOT_CA.pem",
            client
        ),
        Ok(())
    );
    assert_eq!(
        verifies(
            &dir,
            "station/client/cso/CPO_CERT_CHAIN.pem",
            "station/ca/v2g/V2G_ROOT_CA.pem",
            server
        ),
        Ok(()),
        "SECC leaf -> CPO_SUB_CA2 -> CPO_SUB_CA1 -> V2G root"
    );
    assert_eq!(
        verifies(
            &dir,
            "car/MO_CERT_CHAIN.pem",
            "station/ca/mo/MO_ROOT_CA.pem",
            client
        ),
        Ok(()),
        "contract leaf -> MO_SUB_CA2 -> MO_SUB_CA1 -> MO root"
    );
    // Not across PKIs: the SECC chain does not verify under the MO root.
    assert!(verifies(
        &dir,
        "station/client/cso/CPO_CERT_CHAIN.pem",
        "station/ca/mo/MO_ROOT_CA.pem",
        server
    )
    .is_err());
    let contract = certificates(&dir.join("car/MO_LEAF.pem"));
    assert_eq!(
        crate::security::common_name(&contract[0]).as_deref(),
        Some(EMAID)
    );
    let secc = certificates(&dir.join("station/client/cso/SECC_LEAF.pem"));
    assert_eq!(
        crate::security::common_name(&secc[0]).as_deref(),
        Some("SECCCert")
    );
    let key = pki.authorization_key("cp001").unwrap_or_default();
    assert!(key.is_some_and(|k| k.len() == 32 && k.starts_with("dev-")));
    assert!(pki.tls_files(true).server_config().is_ok());

    // Again: nothing written, nothing changed.
    let again = DevPki::ensure(&dir, &["cp001".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.written(), &[] as &[PathBuf]);
    assert_eq!(snapshot(&dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_lost_certificate_is_made_again_for_its_kept_key_and_a_lost_key_is_refused() {
    let dir = folder("lost");
    DevPki::ensure(&dir, &[]).unwrap_or_else(|e| panic!("{e}"));
    let sub1 = dir.join("ca/CPO_SUB_CA1.pem");
    std::fs::remove_file(&sub1).unwrap_or_default();
    let again = DevPki::ensure(&dir, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.written(), std::slice::from_ref(&sub1));
    // The SECC chain made before still verifies with the sub-CA made again: the same key and
    // name.
    let chain = format!(
        "{}{}{}",
        std::fs::read_to_string(dir.join("station/client/cso/SECC_LEAF.pem")).unwrap_or_default(),
        std::fs::read_to_string(dir.join("ca/CPO_SUB_CA2.pem")).unwrap_or_default(),
        std::fs::read_to_string(&sub1).unwrap_or_default(),
    );
    std::fs::write(dir.join("chain.pem"), chain).unwrap_or_default();
    assert_eq!(
        verifies(
            &dir,
            "chain.pem",
            "ca/V2G_ROOT_CA.pem",
            KeyUsage::server_auth()
        ),
        Ok(())
    );

    let key = dir.join("ca/MO_SUB_CA2.key");
    std::fs::remove_file(&key).unwrap_or_default();
    let refused = DevPki::ensure(&dir, &[]);
    assert!(
        matches!(&refused, Err(PkiError::KeyMissing { key: k, .. }) if *k == key),
        "{refused:?}"
    );
    assert!(!key.exists(), "no new key made");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn charge_point_ids_that_are_not_file_names_and_earlier_layouts_are_refused() {
    let dir = folder("ids");
    for id in ["", "../x", "a/b", ".hidden", &"x".repeat(49)] {
        let refused = DevPki::ensure(&dir, &[id.to_owned()]);
        assert!(matches!(refused, Err(PkiError::ChargePointId(_))), "{id:?}");
    }
    assert!(!dir.exists(), "nothing written");
    std::fs::create_dir_all(&dir).unwrap_or_default();
    std::fs::write(dir.join("root-ca.key"), "old").unwrap_or_default();
    assert!(matches!(
        DevPki::ensure(&dir, &[]),
        Err(PkiError::EarlierLayout(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_firmware_signature_verifies_with_the_signing_certificate() {
    let dir = folder("firmware");
    assert!(matches!(
        DevPki::open(&dir).sign_firmware(b"x"),
        Err(PkiError::NotMade(_))
    ));
    let pki = DevPki::ensure(&dir, &[]).unwrap_or_else(|e| panic!("{e}"));
    let firmware = b"ferrocharge firmware 1.2.3";
    let signed = pki
        .sign_firmware(firmware)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        signed.signing_certificate_path,
        dir.join("mf/FIRMWARE_SIGNING.pem")
    );
    let cert = certificates(&signed.signing_certificate_path);
    let leaf = EndEntityCert::try_from(&cert[0]).unwrap_or_else(|e| panic!("{e}"));
    let signature = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &signed.signature,
    )
    .unwrap_or_default();
    assert_eq!(
        leaf.verify_signature(webpki::ring::ECDSA_P256_SHA256, firmware, &signature),
        Ok(())
    );
    assert!(leaf
        .verify_signature(
            webpki::ring::ECDSA_P256_SHA256,
            b"other firmware",
            &signature
        )
        .is_err());
    // The signing certificate is under the MF root the station trusts.
    assert_eq!(
        verifies(
            &dir,
            "mf/FIRMWARE_SIGNING.pem",
            "station/ca/mf/MF_ROOT_CA.pem",
            KeyUsage::required(&[0x2b, 6, 1, 5, 5, 7, 3, 3])
        ),
        Ok(())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

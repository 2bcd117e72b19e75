//! The file store against certificates made outside it: hash data as `openssl ocsp` computes
//! it (tests/fixtures/hashes.json, made by tests/fixtures/make_fixtures.py), installs and their
//! refusals, AdditionalRootCertificateCheck with its fallback root, deletes, persistence, and
//! what happens with files that cannot be read. The fixtures are valid from 2025 to 2045;
//! every test passes its own time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use chargepoint_core::charge_point::evse_security::CaCertificateType::{self, Csms, Mf};
use evse_security::{
    Certificate, DeleteError, FilePaths, FileStore, InstallError, InstallRules, Listed, Skipped,
};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::CiString;
use serde_json::Value;

/// 2030-01-01T00:00:00Z.
const NOW: i64 = 1_893_456_000;

fn fixture(name: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&fixture(name)).unwrap()
}

fn rules() -> InstallRules {
    InstallRules {
        now: NOW,
        max_certificates: None,
        additional_root_certificate_check: false,
    }
}

fn store(dir: &Path) -> FileStore {
    FileStore::new(FilePaths::everest_defaults(dir))
}

/// (subject, fallback) of what is installed of `kinds`.
fn listed(store: &FileStore, kinds: &[CaCertificateType]) -> Vec<(String, bool)> {
    store
        .installed(kinds, HashAlgorithm::Sha256)
        .certificates
        .into_iter()
        .map(|l| (l.certificate.subject().to_owned(), l.fallback))
        .collect()
}

fn subject(cn: &str) -> (String, bool) {
    (format!("CN={cn},O=ferrocharge test"), false)
}

fn fallback(cn: &str) -> (String, bool) {
    (format!("CN={cn},O=ferrocharge test"), true)
}

/// The hash data openssl computed for `file` with `algorithm`.
fn openssl_hash(file: &str, algorithm: &str) -> CertificateHashData {
    let all: Value = serde_json::from_str(&fixture("hashes.json")).unwrap();
    let h = &all[file][algorithm];
    let text = |k: &str| h[k].as_str().unwrap().to_owned();
    CertificateHashData {
        hash_algorithm: serde_json::from_value(Value::from(algorithm)).unwrap(),
        issuer_name_hash: CiString::new(text("issuerNameHash")).unwrap(),
        issuer_key_hash: CiString::new(text("issuerKeyHash")).unwrap(),
        serial_number: CiString::new(text("serialNumber")).unwrap(),
    }
}

/// Exactly as the whitepaper wants it: the hashes as openssl has them (lower case, as
/// libevse-security writes them), the serial number without openssl's leading zero.
fn assert_same(ours: &CertificateHashData, openssl: &CertificateHashData) {
    assert_eq!(ours.hash_algorithm, openssl.hash_algorithm);
    assert_eq!(
        ours.issuer_name_hash.as_str(),
        openssl.issuer_name_hash.to_lowercase()
    );
    assert_eq!(
        ours.issuer_key_hash.as_str(),
        openssl.issuer_key_hash.to_lowercase()
    );
    assert_eq!(
        ours.serial_number.as_str(),
        openssl.serial_number.trim_start_matches('0').to_lowercase()
    );
}

#[test]
fn hash_data_is_the_ocsp_cert_id_openssl_computes() {
    for (file, issuer) in [
        ("root.pem", "root.pem"),
        ("sub.pem", "root.pem"),
        ("leaf.pem", "sub.pem"),
        ("root2_by_root.pem", "root.pem"),
    ] {
        for (algorithm, name) in [
            (HashAlgorithm::Sha256, "SHA256"),
            (HashAlgorithm::Sha384, "SHA384"),
            (HashAlgorithm::Sha512, "SHA512"),
        ] {
            let ours = cert(file).hash_data(&cert(issuer), algorithm).unwrap();
            assert_same(&ours, &openssl_hash(file, name));
        }
    }
    // The serial numbers as the whitepaper writes them: 0x0A1B2C, and 0x8000000001 whose DER
    // has a leading zero byte.
    assert_eq!(cert("root.pem").serial(), "a1b2c");
    assert_eq!(cert("leaf.pem").serial(), "8000000001");
}

#[test]
fn signatures_are_checked_across_key_types() {
    let (root, sub, leaf, root2) = (
        cert("root.pem"),
        cert("sub.pem"),
        cert("leaf.pem"),
        cert("root2_by_root.pem"),
    );
    assert!(root.is_issued_by(&root), "ECDSA P-256 with SHA-256");
    assert!(sub.is_issued_by(&root), "an RSA key certified with ECDSA");
    assert!(leaf.is_issued_by(&sub), "RSA PKCS#1 with SHA-256");
    assert!(root2.is_issued_by(&root), "ECDSA P-256 with SHA-384");
    assert!(!sub.is_issued_by(&sub));
    assert!(!leaf.is_issued_by(&root));
    assert!(root.is_ca() && sub.is_ca() && root2.is_ca());
    assert!(!leaf.is_ca());
    assert_eq!(root.subject(), "CN=Fixture Root CA,O=ferrocharge test");
    assert_eq!(
        (root.not_before(), root.not_after()),
        (1_735_689_600, 2_366_841_600)
    );
}

#[test]
fn installed_roots_are_listed_with_their_hash_data_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    assert_eq!(listed(&s, &[Csms, Mf]), vec![]);
    s.install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("sub.pem"), Csms, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("root.pem"), Mf, &rules())
        .unwrap();
    // Again: installed already, nothing changes.
    s.install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap();

    let again = store(dir.path());
    let listing = again.installed(&[Mf, Csms], HashAlgorithm::Sha256);
    assert_eq!(listing.skipped, vec![]);
    let got: Vec<(CaCertificateType, String)> = listing
        .certificates
        .iter()
        .map(|l| (l.kind, l.certificate.subject().to_owned()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Mf, subject("Fixture Root CA").0),
            (Csms, subject("Fixture Root CA").0),
            (Csms, subject("Fixture Sub CA").0),
        ]
    );
    assert_same(
        &listing.certificates[1].hash_data,
        &openssl_hash("root.pem", "SHA256"),
    );
    assert_same(
        &listing.certificates[2].hash_data,
        &openssl_hash("sub.pem", "SHA256"),
    );
    // EVerest's layout: one PEM bundle file per kind.
    let bundle = fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem")).unwrap();
    assert_eq!(
        bundle,
        format!("{}{}", cert("root.pem").pem(), cert("sub.pem").pem())
    );
    assert!(dir.path().join("ca/mf/MF_ROOT_CA.pem").is_file());
}

#[test]
fn refusals_name_what_is_wrong_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let refusal = |pem: &str, rules: &InstallRules| {
        s.install_ca_certificate(pem, Csms, rules)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refusal("hello", &rules()),
        "not one PEM-encoded X.509 certificate: no PEM CERTIFICATE block"
    );
    let two = format!("{}{}", fixture("root.pem"), fixture("sub.pem"));
    assert_eq!(
        refusal(&two, &rules()),
        "not one PEM-encoded X.509 certificate: 2 PEM CERTIFICATE blocks, InstallCertificate takes one"
    );
    assert_eq!(
        refusal(&fixture("leaf.pem"), &rules()),
        "CN=cp001,O=ferrocharge test is not a certificate authority (basicConstraints cA, keyCertSign)"
    );
    let later = InstallRules {
        now: 2_366_841_601,
        ..rules()
    };
    assert_eq!(
        refusal(&fixture("root.pem"), &later),
        "CN=Fixture Root CA,O=ferrocharge test is valid from 1735689600 to 2366841600 (Unix seconds), not at 2366841601"
    );
    let earlier = InstallRules {
        now: 1_735_689_599,
        ..rules()
    };
    assert!(matches!(
        s.install_ca_certificate(&fixture("root.pem"), Csms, &earlier),
        Err(InstallError::NotValidNow { .. })
    ));
    assert_eq!(
        refusal(&fixture("sub.pem"), &rules()),
        "CN=Fixture Sub CA,O=ferrocharge test is not a root, and its issuer is not installed"
    );
    assert_eq!(listed(&s, &[Csms]), vec![]);
    assert!(!dir.path().join("ca").exists(), "nothing written");
}

#[test]
fn certificate_store_max_length_counts_csms_and_manufacturer_roots() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let two = InstallRules {
        max_certificates: Some(2),
        ..rules()
    };
    s.install_ca_certificate(&fixture("root.pem"), Csms, &two)
        .unwrap();
    s.install_ca_certificate(&fixture("root.pem"), Mf, &two)
        .unwrap();
    let e = s
        .install_ca_certificate(&fixture("sub.pem"), Csms, &two)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the store would hold 3 CSMS and manufacturer root certificates, CertificateStoreMaxLength is 2"
    );
    // One installed already is no new one.
    s.install_ca_certificate(&fixture("root.pem"), Mf, &two)
        .unwrap();
    // V2G roots are not counted.
    s.install_ca_certificate(&fixture("root.pem"), CaCertificateType::V2g, &two)
        .unwrap();
    assert_eq!(listed(&s, &[Csms, Mf]).len(), 2);
}

fn checked() -> InstallRules {
    InstallRules {
        additional_root_certificate_check: true,
        ..rules()
    }
}

/// A self-signed CA made now with rcgen, valid 2025-2045.
fn other_root() -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2045, 1, 1);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Other Root");
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

#[test]
fn a_checked_new_csms_root_must_be_signed_by_the_old_one_which_stays_as_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    // The first root has nothing to be checked against.
    s.install_ca_certificate(&fixture("root.pem"), Csms, &checked())
        .unwrap();
    let e = s
        .install_ca_certificate(&other_root(), Csms, &checked())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "CN=Other Root is not signed by the installed CSMS root certificate (AdditionalRootCertificateCheck)"
    );
    assert_eq!(listed(&s, &[Csms]), vec![subject("Fixture Root CA")]);
    // Not checked, the same root goes beside it.
    s.install_ca_certificate(&other_root(), Mf, &checked())
        .unwrap();

    s.install_ca_certificate(&fixture("root2_by_root.pem"), Csms, &checked())
        .unwrap();
    assert_eq!(
        listed(&s, &[Csms]),
        vec![subject("Fixture Root CA 2"), fallback("Fixture Root CA")]
    );
    let bundle = fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem")).unwrap();
    assert_eq!(bundle, cert("root2_by_root.pem").pem());
    let kept = fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem.fallback")).unwrap();
    assert_eq!(kept, cert("root.pem").pem());
    let hash = |s: &FileStore| -> Vec<CertificateHashData> {
        s.installed(&[Csms], HashAlgorithm::Sha256)
            .certificates
            .into_iter()
            .map(|l: Listed| l.hash_data)
            .collect()
    };
    assert_same(&hash(&s)[0], &openssl_hash("root2_by_root.pem", "SHA256"));

    // The new root verified a connection: the fallback goes, and is kept retired only to
    // identify the root it signed.
    assert!(s.drop_csms_fallback().unwrap());
    assert!(!s.drop_csms_fallback().unwrap());
    assert_eq!(listed(&s, &[Csms]), vec![subject("Fixture Root CA 2")]);
    assert!(!dir
        .path()
        .join("ca/csms/CSMS_ROOT_CA.pem.fallback")
        .exists());
    let retired = fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem.retired")).unwrap();
    assert_eq!(retired, cert("root.pem").pem());
    assert_same(&hash(&s)[0], &openssl_hash("root2_by_root.pem", "SHA256"));

    // Deleting the new root leaves nothing for the retired one to identify: it goes too.
    let wanted = openssl_hash("root2_by_root.pem", "SHA384");
    s.delete_certificate(&wanted).unwrap();
    assert_eq!(listed(&s, &[Csms]), vec![]);
    assert!(!dir.path().join("ca/csms/CSMS_ROOT_CA.pem.retired").exists());
}

#[test]
fn deleting_the_replacing_root_brings_the_fallback_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.install_ca_certificate(&fixture("root.pem"), Csms, &checked())
        .unwrap();
    s.install_ca_certificate(&fixture("root2_by_root.pem"), Csms, &checked())
        .unwrap();
    s.delete_certificate(&openssl_hash("root2_by_root.pem", "SHA256"))
        .unwrap();
    assert_eq!(listed(&s, &[Csms]), vec![subject("Fixture Root CA")]);
    assert!(!dir
        .path()
        .join("ca/csms/CSMS_ROOT_CA.pem.fallback")
        .exists());
}

#[test]
fn delete_matches_any_case_and_algorithm_and_refuses_the_charge_point_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("root.pem"), Mf, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("sub.pem"), Csms, &rules())
        .unwrap();
    // The charge point's certificate with its chain, as CertificateSigned leaves it.
    let leaf_dir = dir.path().join("client/csms");
    fs::create_dir_all(&leaf_dir).unwrap();
    fs::write(
        leaf_dir.join("CSMS_LEAF.pem"),
        format!("{}{}", fixture("leaf.pem"), fixture("sub.pem")),
    )
    .unwrap();
    fs::write(leaf_dir.join("CSMS_LEAF.key"), "not a certificate").unwrap();
    assert!(matches!(
        s.delete_certificate(&openssl_hash("leaf.pem", "SHA512")),
        Err(DeleteError::ChargePointCertificate { path }) if path == leaf_dir.join("CSMS_LEAF.pem")
    ));

    // openssl's upper case and leading zero name the same certificate; both bundles lose it.
    s.delete_certificate(&openssl_hash("root.pem", "SHA256"))
        .unwrap();
    assert_eq!(listed(&s, &[Csms, Mf]), vec![subject("Fixture Sub CA")]);
    assert!(matches!(
        s.delete_certificate(&openssl_hash("root.pem", "SHA256")),
        Err(DeleteError::NotFound)
    ));
    // The root went, but the sub-CA it issued stays identifiable.
    let listing = s.installed(&[Csms], HashAlgorithm::Sha256);
    assert_same(
        &listing.certificates[0].hash_data,
        &openssl_hash("sub.pem", "SHA256"),
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem.retired")).unwrap(),
        cert("root.pem").pem()
    );
    // A bundle file left empty stays, empty.
    s.delete_certificate(&openssl_hash("sub.pem", "SHA256"))
        .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem")).unwrap(),
        ""
    );
}

#[test]
fn a_bundle_directory_gets_a_file_per_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = FilePaths::everest_defaults(dir.path());
    paths.csms_ca_bundle = dir.path().join("csms_roots");
    fs::create_dir_all(&paths.csms_ca_bundle).unwrap();
    let s = FileStore::new(paths);
    s.install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("sub.pem"), Csms, &rules())
        .unwrap();
    let mut names: Vec<String> = fs::read_dir(dir.path().join("csms_roots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "CSMS_ROOT_7f00000000000000000000000000000000000001.pem",
            "CSMS_ROOT_a1b2c.pem"
        ]
    );
    assert_eq!(listed(&s, &[Csms]).len(), 2);
    s.delete_certificate(&openssl_hash("sub.pem", "SHA256"))
        .unwrap();
    assert_eq!(
        fs::read_dir(dir.path().join("csms_roots")).unwrap().count(),
        1,
        "a file left empty goes"
    );
}

#[test]
fn unreadable_files_and_certificates_are_reported_with_their_path_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let csms: PathBuf = dir.path().join("ca/csms/CSMS_ROOT_CA.pem");
    fs::create_dir_all(csms.parent().unwrap()).unwrap();
    let damaged = format!(
        "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n{}",
        fixture("root.pem")
    );
    fs::write(&csms, &damaged).unwrap();
    let mf = dir.path().join("ca/mf/MF_ROOT_CA.pem");
    fs::create_dir_all(mf.parent().unwrap()).unwrap();
    fs::write(&mf, "hello\n").unwrap();

    let listing = s.installed(&[Csms, Mf], HashAlgorithm::Sha256);
    assert_eq!(
        listing
            .certificates
            .iter()
            .map(|l| l.certificate.subject())
            .collect::<Vec<_>>(),
        vec!["CN=Fixture Root CA,O=ferrocharge test"]
    );
    let reasons: Vec<Skipped> = listing.skipped;
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].path, csms);
    assert!(
        reasons[0]
            .reason
            .starts_with("certificate 1 skipped: bad base64: "),
        "{}",
        reasons[0]
    );
    assert_eq!(
        reasons[1],
        Skipped {
            path: mf.clone(),
            reason: "holds no PEM certificate".to_owned()
        }
    );
    assert_eq!(
        reasons[1].to_string(),
        format!("{}: holds no PEM certificate", mf.display())
    );

    // A rewrite keeps the unreadable content aside, whole.
    s.install_ca_certificate(&fixture("sub.pem"), Csms, &rules())
        .unwrap();
    let mut corrupt = csms.clone().into_os_string();
    corrupt.push(".corrupt");
    assert_eq!(fs::read_to_string(&corrupt).unwrap(), damaged);
    assert_eq!(
        fs::read_to_string(&csms).unwrap(),
        format!("{}{}", cert("root.pem").pem(), cert("sub.pem").pem())
    );
    // The CSMS bundle reads clean now; the manufacturer one is still reported (every
    // bundle is read: any may hold an issuer).
    assert_eq!(
        s.installed(&[Csms], HashAlgorithm::Sha256).skipped,
        vec![reasons[1].clone()]
    );
}

#[test]
fn a_write_that_fails_is_an_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not_a_dir");
    fs::write(&blocker, "x").unwrap();
    let mut paths = FilePaths::everest_defaults(dir.path());
    paths.csms_ca_bundle = blocker.join("CSMS_ROOT_CA.pem");
    let s = FileStore::new(paths);
    let e = s
        .install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap_err();
    assert!(matches!(e, InstallError::Store(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("cannot write {}: ", paths_display(&blocker))),
        "{e}"
    );
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "x");
}

fn paths_display(p: &Path) -> String {
    p.join("CSMS_ROOT_CA.pem").display().to_string()
}

#[test]
fn a_deleted_root_that_issued_the_charge_point_certificate_keeps_it_identifiable() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.install_ca_certificate(&fixture("root.pem"), Csms, &rules())
        .unwrap();
    s.install_ca_certificate(&fixture("sub.pem"), Csms, &rules())
        .unwrap();
    let leaf_dir = dir.path().join("client/csms");
    fs::create_dir_all(&leaf_dir).unwrap();
    fs::write(leaf_dir.join("CSMS_LEAF.pem"), fixture("leaf.pem")).unwrap();

    s.delete_certificate(&openssl_hash("sub.pem", "SHA256"))
        .unwrap();
    assert_eq!(listed(&s, &[Csms]), vec![subject("Fixture Root CA")]);
    assert_eq!(
        fs::read_to_string(dir.path().join("ca/csms/CSMS_ROOT_CA.pem.retired")).unwrap(),
        cert("sub.pem").pem()
    );
    assert!(matches!(
        s.delete_certificate(&openssl_hash("leaf.pem", "SHA256")),
        Err(DeleteError::ChargePointCertificate { .. })
    ));
    // Without the charge point certificate, nothing needs the sub-CA any more.
    fs::remove_file(leaf_dir.join("CSMS_LEAF.pem")).unwrap();
    s.delete_certificate(&openssl_hash("root.pem", "SHA256"))
        .unwrap();
    assert!(!dir.path().join("ca/csms/CSMS_ROOT_CA.pem.retired").exists());
}

//! `ferrocharge pki`: init makes the PKI once and says so, sign-firmware needs it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn pki(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferrocharge"))
        .arg("pki")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn init_makes_the_pki_once_and_sign_firmware_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let pki_dir = dir.path().join("pki");
    let firmware = dir.path().join("firmware.bin");
    std::fs::write(&firmware, b"firmware").unwrap();
    let sign = || {
        pki(&[
            "sign-firmware",
            firmware.to_str().unwrap(),
            "--dir",
            pki_dir.to_str().unwrap(),
            "--json",
        ])
    };

    let before = sign();
    assert_eq!(before.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&before.stderr),
        format!(
            "ferrocharge: {} is missing: run `ferrocharge pki init` first\n",
            pki_dir.join("mf/FIRMWARE_SIGNING.pem").display()
        )
    );

    let first = pki(&["init", "--dir", pki_dir.to_str().unwrap()]);
    assert!(first.status.success());
    let text = stdout(&first);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("development PKI in {}: made 36 file(s)", pki_dir.display())
    );
    assert!(lines.contains(&"  made  station/client/cso/SECC_LEAF.pem"));
    assert!(lines.contains(&"  made  car/MO_CERT_CHAIN.pem"));

    let second = pki(&["init", "--dir", pki_dir.to_str().unwrap()]);
    assert!(second.status.success());
    assert_eq!(
        stdout(&second).lines().next(),
        Some(
            format!(
                "development PKI in {}: complete, nothing made",
                pki_dir.display()
            )
            .as_str()
        )
    );

    let signed = sign();
    assert!(signed.status.success());
    let fields: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
    let certificate = std::fs::read_to_string(pki_dir.join("mf/FIRMWARE_SIGNING.pem")).unwrap();
    assert_eq!(fields["signingCertificate"], certificate.as_str());
    // base64 of a DER ECDSA signature: a SEQUENCE ("MEU" / "MEQ" / "MEY").
    assert!(fields["signature"]
        .as_str()
        .is_some_and(|s| s.starts_with("ME")));
}

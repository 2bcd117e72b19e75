//! Security profiles 2 and 3 on the server side with the development PKI (csms::dev_pki) and the
//! config file (csms::config): the station's own websocket client connects with a client
//! certificate made for it (profile 3) or with its password over TLS (profile 2), one made for
//! another charge point is refused, and the web API shows the profile each connection has.

use std::path::{Path, PathBuf};

use csms::config::CsmsConfig;
use csms::CsmsOptions;
use ocpp_ws::{
    AuthorizationKey, CertificateStore, Connection, ConnectionOptions, Event, SecurityProfile,
};
use serde_json::json;

use crate::client::bounded;
use crate::http::{get, with_http};

/// A folder of its own, removed on drop.
struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn folder(name: &str) -> Folder {
    let dir = std::env::temp_dir().join(format!("csms-sec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("{}: {e}", dir.display());
    }
    Folder(dir)
}

/// The options of a config file `json` written into `dir`.
fn options(dir: &Path, json: serde_json::Value) -> CsmsOptions {
    let path = dir.join("csms.json");
    if let Err(e) = std::fs::write(&path, json.to_string()) {
        panic!("{e}");
    }
    let mut options = CsmsOptions::default();
    match CsmsConfig::load(&path).and_then(|c| c.apply(&path, &mut options)) {
        Ok(_) => options,
        Err(e) => panic!("{e}"),
    }
}

/// The station's client for `cp` on `profile`, with the PKI's station store; the first event.
async fn connect(
    csms: &csms::Csms,
    store: &Path,
    cp: &str,
    profile: SecurityProfile,
    key: Option<&str>,
) -> (Connection, Event) {
    let uri = format!("{}{}", csms.local_addr(), csms::DEFAULT_PATH_PREFIX);
    let mut options = ConnectionOptions::new(uri, cp, profile);
    options.authorization_key = key.and_then(|k| AuthorizationKey::new(k).ok());
    options.cert_store = Some(CertificateStore::new(store));
    options.tls.use_system_roots = false;
    let (connection, mut events) = match Connection::open(options) {
        Ok(opened) => opened,
        Err(e) => panic!("open: {e}"),
    };
    let first = bounded(events.recv())
        .await
        .unwrap_or_else(|| panic!("no event"));
    (connection, first)
}

/// Copies the client certificate of `from` in the PKI to a store where `cp` uses it.
fn store_with_certificate_of(pki: &Path, from: &str, dir: &Path) -> PathBuf {
    let store = dir.join("borrowed");
    let client = store.join("client/csms");
    let ca = store.join("ca/csms");
    let copied = std::fs::create_dir_all(&client)
        .and_then(|()| std::fs::create_dir_all(&ca))
        .and_then(|()| {
            std::fs::copy(
                pki.join("station/ca/csms/CSMS_ROOT_CA.pem"),
                ca.join("CSMS_ROOT_CA.pem"),
            )
        })
        .and_then(|_| {
            std::fs::copy(
                pki.join(format!("station/client/csms/{from}.pem")),
                client.join("x.pem"),
            )
        })
        .and_then(|_| {
            std::fs::copy(
                pki.join(format!("station/client/csms/{from}.key")),
                client.join("x.key"),
            )
        });
    if let Err(e) = copied {
        panic!("{e}");
    }
    store
}

#[tokio::test]
async fn profile_3_with_the_dev_pki_and_profile_2_with_a_password() {
    let dir = folder("pki");
    let options = options(
        &dir.0,
        json!({"tls": {"dev_pki": "pki"},
               "charge_points": {"cp001": {}, "cp002": {"password": "0123456789abcdef"}}}),
    );
    let csms = with_http(options).await;
    assert!(csms.url().starts_with("wss://"), "{}", csms.url());
    let store = dir.0.join("pki/station");

    let (_three, event) = connect(
        &csms,
        &store,
        "cp001",
        SecurityProfile::TlsClientCertificate,
        None,
    )
    .await;
    assert!(
        matches!(event, Event::Connected { .. }),
        "profile 3: {event:?}"
    );
    bounded(csms.wait_connected("cp001")).await;

    let (_two, event) = connect(
        &csms,
        &store,
        "cp002",
        SecurityProfile::TlsBasicAuth,
        Some("0123456789abcdef"),
    )
    .await;
    assert!(
        matches!(event, Event::Connected { .. }),
        "profile 2: {event:?}"
    );
    bounded(csms.wait_connected("cp002")).await;

    let list = get(&csms, "/api/v1/charge-points").await.json();
    assert_eq!(
        list[0]["security"],
        json!({"profile": 3, "tls": true, "basic_auth": false, "client_certificate": true})
    );
    assert_eq!(
        list[1]["security"],
        json!({"profile": 2, "tls": true, "basic_auth": true, "client_certificate": false})
    );
}

#[tokio::test]
async fn a_certificate_of_another_charge_point_and_a_wrong_password_are_refused() {
    let dir = folder("refused");
    let options = options(
        &dir.0,
        json!({"tls": {"dev_pki": "pki"},
               "charge_points": {"cp001": {}, "cp002": {"password": "0123456789abcdef"}}}),
    );
    let csms = csms_on_loopback(options).await;
    // cp002 shows cp001's certificate.
    let borrowed = store_with_certificate_of(&dir.0.join("pki"), "cp001", &dir.0);
    let (_c, event) = connect(
        &csms,
        &borrowed,
        "cp002",
        SecurityProfile::TlsClientCertificate,
        None,
    )
    .await;
    match event {
        Event::ConnectFailed { error, .. } => {
            assert!(error.to_string().contains("403"), "{error}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (_c, event) = connect(
        &csms,
        &dir.0.join("pki/station"),
        "cp002",
        SecurityProfile::TlsBasicAuth,
        Some("fedcba9876543210"),
    )
    .await;
    match event {
        Event::ConnectFailed { error, .. } => {
            assert!(error.to_string().contains("401"), "{error}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(csms.connected().is_empty());
}

async fn csms_on_loopback(options: CsmsOptions) -> csms::Csms {
    crate::client::csms(options).await
}

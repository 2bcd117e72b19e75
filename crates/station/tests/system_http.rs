//! The System module against in-process HTTP(S) servers on 127.0.0.1: firmware download and
//! installation, retries and their statuses, diagnostics archives uploaded by PUT, HTTPS with a
//! CA made at test time.

// Test helpers outside #[test] fns panic on setup failures, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::Router;
use station::system::{
    build_archive, installed_firmware_version, DiagnosticsError, DiagnosticsRequest, FirmwareError,
    FirmwareStatus, Retries, System, SystemConfig, TransferClient, TransferError, TransferSettings,
    UploadStatus,
};

use common::{firmware_request, recorder, unpack};

#[derive(Default)]
struct Server {
    files: Mutex<HashMap<String, Vec<u8>>>,
    uploads: Mutex<HashMap<String, Vec<u8>>>,
    hits: AtomicUsize,
}

async fn serve_file(
    State(s): State<Arc<Server>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Vec<u8>, StatusCode> {
    s.hits.fetch_add(1, Ordering::SeqCst);
    s.files
        .lock()
        .unwrap()
        .get(&name)
        .cloned()
        .ok_or(StatusCode::NOT_FOUND)
}

async fn take_upload(
    State(s): State<Arc<Server>>,
    UrlPath(name): UrlPath<String>,
    body: Bytes,
) -> StatusCode {
    s.hits.fetch_add(1, Ordering::SeqCst);
    s.uploads.lock().unwrap().insert(name, body.to_vec());
    StatusCode::CREATED
}

async fn always_unavailable(State(s): State<Arc<Server>>) -> StatusCode {
    s.hits.fetch_add(1, Ordering::SeqCst);
    StatusCode::SERVICE_UNAVAILABLE
}

async fn start_server(server: Arc<Server>) -> SocketAddr {
    let app = Router::new()
        .route("/fw/{name}", get(serve_file))
        .route("/upload/{name}", put(take_upload))
        .route(
            "/down/{name}",
            get(always_unavailable).put(always_unavailable),
        )
        .with_state(server);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn system(data_dir: &Path, logs: Vec<PathBuf>) -> System {
    let mut config = SystemConfig::new(data_dir, "cp001");
    config.log_paths = logs;
    config.default_retry_interval = Duration::from_millis(20);
    config.transfer.connect_timeout = Duration::from_secs(5);
    System::new(config).unwrap()
}

#[tokio::test]
async fn firmware_is_downloaded_over_http_and_installed() {
    let server = Arc::new(Server::default());
    server
        .files
        .lock()
        .unwrap()
        .insert("ferrocharge-1.2.3.bin".into(), b"new image".to_vec());
    let addr = start_server(Arc::clone(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    let (seen, on_status) = recorder();

    let version = sys
        .update_firmware(
            firmware_request(format!("http://{addr}/fw/ferrocharge-1.2.3.bin"), 0),
            on_status,
        )
        .await
        .unwrap();

    assert_eq!(version, "1.2.3");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            FirmwareStatus::Downloading,
            FirmwareStatus::Downloaded,
            FirmwareStatus::Installing,
            FirmwareStatus::Installed
        ]
    );
    assert_eq!(
        installed_firmware_version(dir.path()).as_deref(),
        Some("1.2.3")
    );
    let stored = std::fs::read(dir.path().join("firmware/ferrocharge-1.2.3.bin")).unwrap();
    assert_eq!(stored, b"new image");
}

#[tokio::test]
async fn download_and_install_are_two_steps() {
    // The station runtime downloads when the core says DownloadFirmware and installs only
    // when it says InstallFirmware (after the transactions ended).
    let server = Arc::new(Server::default());
    server
        .files
        .lock()
        .unwrap()
        .insert("ferrocharge-4.5.6.bin".into(), b"image".to_vec());
    let addr = start_server(Arc::clone(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    let (seen, on_status) = recorder();

    let request = firmware_request(format!("http://{addr}/fw/ferrocharge-4.5.6.bin"), 0);
    let path = sys.download_firmware(&request, on_status).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [FirmwareStatus::Downloading, FirmwareStatus::Downloaded]
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"image");
    assert!(path.starts_with(dir.path().join("firmware")));
    assert_eq!(sys.installed_firmware_version(), None);

    let (seen, on_status) = recorder();
    assert_eq!(
        sys.install_firmware(&path, on_status).await.unwrap(),
        "4.5.6"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [FirmwareStatus::Installing, FirmwareStatus::Installed]
    );
    assert_eq!(sys.installed_firmware_version().as_deref(), Some("4.5.6"));
}

#[tokio::test]
async fn a_version_file_beside_the_firmware_names_the_version() {
    let server = Arc::new(Server::default());
    {
        let mut files = server.files.lock().unwrap();
        files.insert("firmware.bin".into(), b"image".to_vec());
        files.insert("firmware.bin.version".into(), b"9.9.9-sil\n".to_vec());
    }
    let addr = start_server(server).await;
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    let (_, on_status) = recorder();
    let version = sys
        .update_firmware(
            firmware_request(format!("http://{addr}/fw/firmware.bin"), 0),
            on_status,
        )
        .await
        .unwrap();
    assert_eq!(version, "9.9.9-sil");
    assert_eq!(
        sys.installed_firmware_version().as_deref(),
        Some("9.9.9-sil")
    );
}

#[tokio::test]
async fn an_unversioned_or_empty_firmware_fails_installation() {
    let server = Arc::new(Server::default());
    {
        let mut files = server.files.lock().unwrap();
        files.insert("firmware.bin".into(), b"image".to_vec());
        files.insert("ferrocharge-2.0.0.bin".into(), Vec::new());
    }
    let addr = start_server(server).await;
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    for name in ["firmware.bin", "ferrocharge-2.0.0.bin"] {
        let (seen, on_status) = recorder();
        let result = sys
            .update_firmware(
                firmware_request(format!("http://{addr}/fw/{name}"), 0),
                on_status,
            )
            .await;
        assert!(
            matches!(result, Err(FirmwareError::Install(_))),
            "{name}: {result:?}"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [
                FirmwareStatus::Downloading,
                FirmwareStatus::Downloaded,
                FirmwareStatus::Installing,
                FirmwareStatus::InstallationFailed
            ],
            "{name}"
        );
    }
    assert_eq!(installed_firmware_version(dir.path()), None);
}

#[tokio::test]
async fn an_unreachable_server_fails_after_retries_plus_one_attempts() {
    // A port nobody listens on: every connection is refused at once.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    let (seen, on_status) = recorder();
    let result = sys
        .update_firmware(
            firmware_request(format!("http://{closed}/fw/ferrocharge-1.0.0.bin"), 2),
            on_status,
        )
        .await;
    match result {
        Err(FirmwareError::Download { attempts, last }) => {
            assert_eq!(attempts, 3);
            assert!(matches!(last, TransferError::Network { .. }), "{last}");
        }
        other => panic!("{other:?}"),
    }
    // Every attempt is reported, as everest-core's System module does.
    use FirmwareStatus::{DownloadAttemptFailed, DownloadFailed, Downloading};
    assert_eq!(
        *seen.lock().unwrap(),
        [
            Downloading,
            DownloadAttemptFailed,
            Downloading,
            DownloadAttemptFailed,
            Downloading,
            DownloadFailed
        ]
    );
    assert!(!dir.path().join("firmware/ferrocharge-1.0.0.bin").exists());
    assert!(!dir
        .path()
        .join("firmware/ferrocharge-1.0.0.bin.part")
        .exists());
}

#[tokio::test]
async fn a_failing_server_sees_exactly_retries_plus_one_requests() {
    let server = Arc::new(Server::default());
    let addr = start_server(Arc::clone(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let sys = system(dir.path(), vec![]);
    let (seen, on_status) = recorder();
    let result = sys
        .update_firmware(
            firmware_request(format!("http://{addr}/down/fw-1.0.bin"), 3),
            on_status,
        )
        .await;
    assert!(
        matches!(
            result,
            Err(FirmwareError::Download {
                attempts: 4,
                last: TransferError::HttpStatus { status: 503, .. }
            })
        ),
        "{result:?}"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 4);
    use FirmwareStatus::{DownloadAttemptFailed, DownloadFailed, Downloading};
    let mut expected = [Downloading, DownloadAttemptFailed].repeat(3);
    expected.extend([Downloading, DownloadFailed]);
    assert_eq!(*seen.lock().unwrap(), expected);

    // The same for an upload: 1 + 1 retries, each attempt reported.
    server.hits.store(0, Ordering::SeqCst);
    let (seen, on_status) = recorder();
    let (_, task) = sys.start_diagnostics(
        DiagnosticsRequest {
            location: format!("http://{addr}/down/"),
            retries: Some(1),
            retry_interval: Some(Duration::from_millis(20)),
            start_time: None,
            stop_time: None,
        },
        on_status,
    );
    let result = task.await.unwrap();
    assert!(
        matches!(result, Err(DiagnosticsError::Upload { attempts: 2, .. })),
        "{result:?}"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
    assert_eq!(
        *seen.lock().unwrap(),
        [
            UploadStatus::Uploading,
            UploadStatus::AttemptFailed,
            UploadStatus::Uploading,
            UploadStatus::UploadFailed
        ]
    );
}

/// Unpacks a tar.gz into (path, contents).
#[tokio::test]
async fn diagnostics_are_archived_and_put_under_their_name() {
    let server = Arc::new(Server::default());
    let addr = start_server(Arc::clone(&server)).await;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("everest_ocpp_logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log_line = r#"[2,"1","BootNotification",{"chargePointVendor":"ferrocharge"}]"#;
    std::fs::write(logs.join("2026-11-24T10-00-00.log"), log_line).unwrap();
    let sys = system(&dir.path().join("data"), vec![logs]);
    let (seen, on_status) = recorder();

    let (name, task) = sys.start_diagnostics(
        DiagnosticsRequest {
            location: format!("http://{addr}/upload/"),
            retries: Some(0),
            retry_interval: None,
            start_time: None,
            stop_time: None,
        },
        on_status,
    );
    assert!(
        name.starts_with("diagnostics-cp001-") && name.ends_with("Z.tar.gz"),
        "{name}"
    );
    task.await.unwrap().unwrap();

    assert_eq!(
        *seen.lock().unwrap(),
        [UploadStatus::Uploading, UploadStatus::Uploaded]
    );
    let uploaded = server.uploads.lock().unwrap().get(&name).cloned().unwrap();
    let files = unpack(&uploaded);
    assert_eq!(
        files
            .get("everest_ocpp_logs/2026-11-24T10-00-00.log")
            .map(String::as_str),
        Some(log_line)
    );
    assert!(files["manifest.txt"].contains("everest_ocpp_logs/2026-11-24T10-00-00.log"));
    // The archive is not kept once uploaded.
    assert!(!dir.path().join("data/diagnostics").join(&name).exists());
}

#[test]
fn the_time_window_filters_log_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    std::fs::write(&log, "line").unwrap();
    let out = dir.path().join("out.tar.gz");
    let now = chrono::Utc::now();

    let all = build_archive(&out, std::slice::from_ref(&log), None, None).unwrap();
    assert_eq!(all.files, ["a.log"]);
    let recent = build_archive(
        &out,
        std::slice::from_ref(&log),
        Some(now - chrono::Duration::hours(1)),
        Some(now + chrono::Duration::hours(1)),
    )
    .unwrap();
    assert_eq!(recent.files, ["a.log"]);
    // Written before the window opens: left out (the archive still holds its manifest).
    let later = build_archive(&out, &[log], Some(now + chrono::Duration::hours(1)), None).unwrap();
    assert!(later.files.is_empty());
    assert_eq!(later.skipped_by_time, 1);
    let files = unpack(&std::fs::read(&out).unwrap());
    assert_eq!(files.keys().collect::<Vec<_>>(), ["manifest.txt"]);
}

// --- HTTPS ---

struct Pki {
    ca_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
}

fn pki(dir: &Path) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "ferrocharge test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    Pki {
        ca_file,
        server: Arc::new(server),
    }
}

/// An HTTPS server answering every GET with `body` and counting PUT bodies.
async fn start_https(config: Arc<rustls::ServerConfig>, body: &'static [u8]) -> SocketAddr {
    use http_body_util::{BodyExt as _, Full};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| async move {
                        let status = if req.method() == hyper::Method::PUT {
                            let got = req.into_body().collect().await.unwrap().to_bytes();
                            assert!(!got.is_empty());
                            hyper::StatusCode::NO_CONTENT
                        } else {
                            hyper::StatusCode::OK
                        };
                        let mut resp = hyper::Response::new(Full::new(Bytes::from_static(body)));
                        *resp.status_mut() = status;
                        Ok::<_, std::convert::Infallible>(resp)
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn https_verifies_the_server_against_the_extra_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let addr = start_https(Arc::clone(&pki.server), b"secure image").await;
    let url = format!("https://localhost:{}/ferrocharge-3.0.0.bin", addr.port());
    let dest = dir.path().join("fw.bin");

    // System roots only: our test CA is unknown, the handshake fails.
    let plain = TransferClient::new(&TransferSettings::default()).unwrap();
    let err = plain.download(&url, &dest).await.unwrap_err();
    assert!(matches!(err, TransferError::Tls { .. }), "{err}");
    assert!(!dest.exists());

    let trusting = TransferClient::new(&TransferSettings {
        extra_ca_file: Some(pki.ca_file.clone()),
        ..TransferSettings::default()
    })
    .unwrap();
    assert_eq!(trusting.download(&url, &dest).await.unwrap(), 12);
    assert_eq!(std::fs::read(&dest).unwrap(), b"secure image");
    // By IP address too (the certificate names 127.0.0.1).
    let by_ip = format!("https://{addr}/x");
    trusting.download(&by_ip, &dest).await.unwrap();
    // And an upload by PUT.
    trusting
        .upload_with_retries(
            &dest,
            &format!("https://localhost:{}/upload/fw.bin", addr.port()),
            Retries {
                retries: 0,
                interval: Duration::ZERO,
            },
        )
        .await
        .unwrap();
}

#[test]
fn a_ca_file_without_certificates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("empty.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let err = TransferClient::new(&TransferSettings {
        extra_ca_file: Some(bad),
        ..TransferSettings::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("empty.pem"), "{err}");
}

#[test]
fn a_shared_message_log_folder_gives_the_archive_only_the_stations_own_files() {
    // libocpp's default MessageLogPath is one folder for every station of the machine: the
    // archive holds this station's files of it (the stems it noted), all files elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("everest_ocpp_logs");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    for name in [
        "2026-12-07T06:00:00.000Z.log",
        "2026-12-07T06:00:00.000Z.html",
        "2026-12-07T06:00:00.000Z.security.log",
        "2026-12-07T06:00:00.000Z-1.log",
        "2026-12-07T06:05:00.000Z.log",
    ] {
        std::fs::write(logs.join(name), "frames").unwrap();
    }
    std::fs::write(other.join("2026-12-07T06:05:00.000Z.log"), "frames").unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let list = station::message_log::OwnFiles::in_data_dir(&data);
    list.record("2026-12-07T06:00:00.000Z").unwrap();
    let own = station::system::OwnLogFiles {
        dir: logs.clone(),
        list,
    };
    let out = dir.path().join("out.tar.gz");
    let summary =
        station::system::build_archive_keeping(&out, &[logs, other], Some(&own), None, None)
            .unwrap();
    assert_eq!(
        summary.files,
        [
            "everest_ocpp_logs/2026-12-07T06:00:00.000Z.html",
            "everest_ocpp_logs/2026-12-07T06:00:00.000Z.log",
            "everest_ocpp_logs/2026-12-07T06:00:00.000Z.security.log",
            "other/2026-12-07T06:05:00.000Z.log",
        ]
    );
}

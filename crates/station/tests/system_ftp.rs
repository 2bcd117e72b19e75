//! The System module's FTP transfers against a minimal FTP server written here (passive mode,
//! the commands a station sends): a maintained Rust FTP server crate (libunftp) is far heavier
//! than these lines. A complete server (pyftpdlib) is for the Python conformance tests.

// Test helpers outside #[test] fns panic on setup failures, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use station::system::{
    DiagnosticsRequest, FirmwareRequest, FirmwareStatus, LogKind, LogRequest, LogUploadStatus,
    System, SystemConfig, TransferError, UploadStatus,
};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

use common::{recorder, unpack};

/// Files by absolute path; one user `fc` with password `p@ss w`.
#[derive(Default)]
struct Ftp {
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// Every command received (PASS with its argument, to check decoding).
    log: Mutex<Vec<String>>,
    /// Answer EPSV with 502, so the client falls back to PASV.
    no_epsv: bool,
}

async fn start_ftp(ftp: Arc<Ftp>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(session(Arc::clone(&ftp), stream));
        }
    });
    addr
}

async fn session(ftp: Arc<Ftp>, stream: TcpStream) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    // A multi-line greeting, as many servers send.
    write
        .write_all(b"220-test server\r\n220 ready\r\n")
        .await
        .unwrap();
    let mut cwd = String::from("/");
    let mut user_ok = false;
    let mut logged_in = false;
    let mut passive: Option<TcpListener> = None;
    while let Ok(Some(line)) = lines.next_line().await {
        ftp.log.lock().unwrap().push(line.clone());
        let (cmd, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let reply: String = match cmd {
            "USER" => {
                user_ok = arg == "fc";
                "331 password please".into()
            }
            "PASS" => {
                logged_in = user_ok && arg == "p@ss w";
                if logged_in {
                    "230 in".into()
                } else {
                    "530 no".into()
                }
            }
            _ if !logged_in => "530 log in first".into(),
            "TYPE" => "200 binary".into(),
            "CWD" => {
                cwd = format!("{}{arg}/", if arg.starts_with('/') { "" } else { &cwd });
                "250 ok".into()
            }
            "EPSV" if ftp.no_epsv => "502 not here".into(),
            "EPSV" | "PASV" => {
                let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let port = l.local_addr().unwrap().port();
                passive = Some(l);
                if cmd == "EPSV" {
                    format!("229 Entering Extended Passive Mode (|||{port}|)")
                } else {
                    // A bogus address, as a server behind NAT announces: the client must
                    // connect to the control connection's peer anyway.
                    format!(
                        "227 Entering Passive Mode (10,9,8,7,{},{})",
                        port / 256,
                        port % 256
                    )
                }
            }
            "RETR" | "STOR" => {
                let path = format!("{cwd}{arg}");
                let Some(l) = passive.take() else {
                    write
                        .write_all(b"425 no data connection\r\n")
                        .await
                        .unwrap();
                    continue;
                };
                if cmd == "RETR" {
                    let Some(data) = ftp.files.lock().unwrap().get(&path).cloned() else {
                        write.write_all(b"550 no such file\r\n").await.unwrap();
                        continue;
                    };
                    write.write_all(b"150 sending\r\n").await.unwrap();
                    let (mut d, _) = l.accept().await.unwrap();
                    d.write_all(&data).await.unwrap();
                    d.shutdown().await.unwrap();
                } else {
                    write.write_all(b"150 receiving\r\n").await.unwrap();
                    let (mut d, _) = l.accept().await.unwrap();
                    let mut data = Vec::new();
                    d.read_to_end(&mut data).await.unwrap();
                    ftp.files.lock().unwrap().insert(path, data);
                }
                "226 done".into()
            }
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await.unwrap();
                return;
            }
            _ => "502 not implemented".into(),
        };
        write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .unwrap();
    }
}

fn system(data_dir: &std::path::Path, logs: Vec<std::path::PathBuf>) -> System {
    let mut config = SystemConfig::new(data_dir, "cp 7");
    config.log_paths = logs;
    config.transfer.connect_timeout = Duration::from_secs(5);
    System::new(config).unwrap()
}

#[tokio::test]
async fn firmware_is_downloaded_over_ftp_with_credentials() {
    for no_epsv in [false, true] {
        let ftp = Arc::new(Ftp {
            no_epsv,
            ..Ftp::default()
        });
        ftp.files
            .lock()
            .unwrap()
            .insert("/pub/fw/ferrocharge-4.5.6.bin".into(), vec![7u8; 100_000]);
        let addr = start_ftp(Arc::clone(&ftp)).await;
        let dir = tempfile::tempdir().unwrap();
        let sys = system(dir.path(), vec![]);
        let (seen, on_status) = recorder();
        let version = sys
            .update_firmware(
                FirmwareRequest {
                    // The password percent-encoded, as OCPP locations carry it.
                    location: format!("ftp://fc:p%40ss%20w@{addr}/pub/fw/ferrocharge-4.5.6.bin"),
                    retrieve_date: None,
                    retries: Some(0),
                    retry_interval: None,
                },
                on_status,
            )
            .await
            .unwrap();
        assert_eq!(version, "4.5.6");
        assert_eq!(
            *seen.lock().unwrap(),
            [
                FirmwareStatus::Downloading,
                FirmwareStatus::Downloaded,
                FirmwareStatus::Installing,
                FirmwareStatus::Installed
            ]
        );
        let got = std::fs::read(dir.path().join("firmware/ferrocharge-4.5.6.bin")).unwrap();
        assert_eq!(got, vec![7u8; 100_000]);
        let log = ftp.log.lock().unwrap().clone();
        assert!(log.contains(&"CWD pub".to_string()), "{log:?}");
        assert!(
            log.contains(&"RETR ferrocharge-4.5.6.bin".to_string()),
            "{log:?}"
        );
        assert_eq!(log.iter().any(|l| l == "PASV"), no_epsv, "{log:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_fails_every_attempt() {
    let ftp = Arc::new(Ftp::default());
    let addr = start_ftp(Arc::clone(&ftp)).await;
    let dir = tempfile::tempdir().unwrap();
    let err = System::new(SystemConfig::new(dir.path(), "cp"))
        .unwrap()
        .client()
        .download_with_retries(
            &format!("ftp://fc:wrong@{addr}/x-1.0.bin"),
            &dir.path().join("x"),
            station::system::Retries {
                retries: 1,
                interval: Duration::from_millis(10),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.0, 2);
    match err.1 {
        TransferError::Ftp {
            command, location, ..
        } => {
            assert_eq!(command, "PASS");
            assert!(!location.contains("wrong"), "{location}");
        }
        other => panic!("{other}"),
    }
    let passes = ftp
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("PASS"))
        .count();
    assert_eq!(passes, 2);
}

#[tokio::test]
async fn diagnostics_are_stored_into_the_ftp_folder() {
    let ftp = Arc::new(Ftp::default());
    let addr = start_ftp(Arc::clone(&ftp)).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ocpp.log");
    std::fs::write(&log, "frames").unwrap();
    let sys = system(&dir.path().join("data"), vec![log]);
    let (seen, on_status) = recorder();
    let (name, task) = sys.start_diagnostics(
        DiagnosticsRequest {
            // OCPP's directory URI, here without a trailing slash.
            location: format!("ftp://fc:p%40ss%20w@{addr}/incoming"),
            retries: None,
            retry_interval: None,
            start_time: None,
            stop_time: None,
        },
        on_status,
    );
    assert!(name.starts_with("diagnostics-cp_7-"), "{name}");
    task.await.unwrap().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [UploadStatus::Uploading, UploadStatus::Uploaded]
    );
    let stored = ftp
        .files
        .lock()
        .unwrap()
        .get(&format!("/incoming/{name}"))
        .cloned()
        .unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(stored.as_slice()));
    let names: Vec<String> = tar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ocpp.log", "manifest.txt"]);
}

/// GetLog SecurityLog: the security log's events go up in their archive; a refused login ends
/// PermissionDenied after every attempt, as everest-core's uploader reads curl's exit code 67.
#[tokio::test]
async fn the_security_log_is_stored_into_the_ftp_folder_and_a_refused_login_is_permission_denied() {
    let ftp = Arc::new(Ftp::default());
    let addr = start_ftp(Arc::clone(&ftp)).await;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let event = r#"{"timestamp":"2026-11-24T07:00:00.000Z","type":"StartupOfTheDevice"}"#;
    std::fs::write(
        logs.join("2026-11-24T07:00:00.000Z.security.log"),
        format!("{event}\n"),
    )
    .unwrap();
    std::fs::write(logs.join("2026-11-24T07:00:00.000Z.log"), "frames").unwrap();
    let mut config = SystemConfig::new(dir.path().join("data"), "cp7");
    config.security_log_dir = Some(logs.clone());
    let sys = System::new(config).unwrap();
    let now = chrono::Utc::now();
    let name = sys.log_file_name(LogKind::Security, now).unwrap();
    assert!(name.starts_with("security-log-cp7-"), "{name}");
    let request = |location: String| LogRequest {
        kind: LogKind::Security,
        location,
        retries: Some(1),
        retry_interval: Some(Duration::from_millis(10)),
        oldest: None,
        latest: None,
    };
    let (seen, on_status) = recorder();
    sys.upload_log(
        request(format!("ftp://fc:p%40ss%20w@{addr}/up/")),
        &name,
        on_status,
    )
    .await
    .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [LogUploadStatus::Uploading, LogUploadStatus::Uploaded]
    );
    let stored = ftp
        .files
        .lock()
        .unwrap()
        .get(&format!("/up/{name}"))
        .cloned()
        .unwrap();
    let files = unpack(&stored);
    let mut names: Vec<&String> = files.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.txt",
            "security/2026-11-24T07:00:00.000Z.security.log"
        ]
    );
    assert_eq!(
        files["security/2026-11-24T07:00:00.000Z.security.log"],
        format!("{event}\n")
    );

    let (seen, on_status) = recorder();
    sys.upload_log(
        request(format!("ftp://fc:wrong@{addr}/up/")),
        &name,
        on_status,
    )
    .await
    .unwrap_err();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            LogUploadStatus::Uploading,
            LogUploadStatus::AttemptFailed,
            LogUploadStatus::Uploading,
            LogUploadStatus::PermissionDenied
        ]
    );
    // Without a security log there is nothing to name.
    let sys = System::new(SystemConfig::new(dir.path().join("data"), "cp7")).unwrap();
    assert_eq!(sys.log_file_name(LogKind::Security, now), None);
    assert!(sys.log_file_name(LogKind::Diagnostics, now).is_some());
}

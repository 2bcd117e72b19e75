//! What a CSMS's UpdateFirmware or GetDiagnostics may make the System module do to the
//! station's disk (DESIGN §7a): a location whose scheme SupportedFileTransferProtocols does
//! not list fails at once (DownloadFailed, UploadFailed; no attempt, nothing written);
//! `file://`, when FILE is configured, reads and writes only inside the data dir (no `..`,
//! no absolute path elsewhere, no symbolic link out); a firmware's name from its URL cannot
//! lead out of `firmware/`; archives are mode 0600 in a 0700 folder and pack only the
//! message logs; failed attempts are logged once a minute, not once an attempt.

// Test helpers outside #[test] fns panic on setup failures, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use station::system::{
    build_archive, DiagnosticsError, FirmwareError, FirmwareStatus, Scheme, System, SystemConfig,
    TransferError, UploadStatus,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use common::{diagnostics_request, firmware_request, recorder, unpack};

fn system(data_dir: &Path, protocols: &[Scheme], logs: Vec<PathBuf>) -> System {
    let mut config = SystemConfig::new(data_dir, "cp001");
    config.protocols = protocols.to_vec();
    config.log_paths = logs;
    config.transfer.connect_timeout = Duration::from_secs(5);
    System::new(config).unwrap()
}

/// An HTTP server answering every request with `body` (but 404 for a `.version` file: no
/// version sidecars); counts the requests.
async fn any_file(body: &'static [u8]) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let sidecar = line.lines().next().is_some_and(|l| l.contains(".version "));
            let (status, body) = if sidecar {
                ("404 Not Found", &b""[..])
            } else {
                ("200 OK", body)
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes()).await;
            let _ = conn.write_all(body).await;
        }
    });
    (addr, hits)
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

/// An UpdateFirmware of `location` the station refuses before any attempt: Downloading, then
/// DownloadFailed; returns why.
async fn firmware_refused(sys: &System, location: &str) -> TransferError {
    let (seen, on_status) = recorder();
    let request = firmware_request(location.to_owned(), 3);
    let error = sys
        .download_firmware(&request, on_status)
        .await
        .unwrap_err();
    assert_eq!(
        *seen.lock().unwrap(),
        [FirmwareStatus::Downloading, FirmwareStatus::DownloadFailed],
        "{location}"
    );
    match error {
        FirmwareError::Download { attempts: 0, last } => last,
        other => panic!("{location}: {other}"),
    }
}

/// A GetDiagnostics into `location` the station refuses before any attempt: Uploading, then
/// UploadFailed; returns why.
async fn diagnostics_refused(sys: &System, location: &str) -> TransferError {
    let (seen, on_status) = recorder();
    let (_, task) = sys.start_diagnostics(diagnostics_request(location.to_owned()), on_status);
    let error = task.await.unwrap().unwrap_err();
    assert_eq!(
        *seen.lock().unwrap(),
        [UploadStatus::Uploading, UploadStatus::UploadFailed],
        "{location}"
    );
    match error {
        DiagnosticsError::Upload { attempts: 0, last } => last,
        other => panic!("{location}: {other}"),
    }
}

#[tokio::test]
async fn a_protocol_the_station_does_not_list_fails_at_once() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let (addr, hits) = any_file(b"image").await;
    // SupportedFileTransferProtocols: HTTPS only.
    let sys = system(&data, &[Scheme::Https], Vec::new());
    for location in [
        format!("http://{addr}/ferrocharge-1.0.0.bin"),
        "file:///proc/self/environ".to_owned(),
        format!("ftp://user:secret@{addr}/fw.bin"),
    ] {
        let last = firmware_refused(&sys, &location).await;
        assert!(
            matches!(last, TransferError::UnsupportedProtocol { .. }),
            "{last}"
        );
        // The password stays out of the error, as out of every log.
        assert!(!last.to_string().contains("secret"), "{last}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no attempt was made");

    // The shipped protocols (FTP, HTTP, HTTPS): file:// is none of them.
    let outside = root.path().join("any/dir");
    std::fs::create_dir_all(&outside).unwrap();
    let sys = system(&data, &SystemConfig::new(&data, "cp").protocols, Vec::new());
    let last = diagnostics_refused(&sys, &format!("file://{}/", outside.display())).await;
    assert!(
        matches!(last, TransferError::UnsupportedProtocol { .. }),
        "{last}"
    );
    assert!(files_below(&outside).is_empty());
    let last = firmware_refused(&sys, "file:///proc/self/environ").await;
    assert!(
        matches!(last, TransferError::UnsupportedProtocol { .. }),
        "{last}"
    );
    assert!(files_below(&data).is_empty(), "{:?}", files_below(&data));
}

#[tokio::test]
async fn file_locations_stay_in_the_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let usb = data.join("usb stick");
    std::fs::create_dir_all(&usb).unwrap();
    std::fs::write(usb.join("ferrocharge-5.0.1.bin"), b"image").unwrap();
    let logs = data.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("start.log"), "frames").unwrap();
    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("ferrocharge-6.6.6.bin"), b"evil").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&elsewhere, data.join("link")).unwrap();
    let protocols = [Scheme::Http, Scheme::File];
    let sys = system(&data, &protocols, vec![logs]);

    // Inside: copied in, and out.
    let url = |path: &Path| format!("file://{}", path.display()).replace(' ', "%20");
    let (_, on_status) = recorder();
    let request = firmware_request(url(&usb.join("ferrocharge-5.0.1.bin")), 0);
    let version = sys.update_firmware(request, on_status).await.unwrap();
    assert_eq!(version, "5.0.1");
    let export = data.join("export");
    std::fs::create_dir_all(&export).unwrap();
    let (seen, on_status) = recorder();
    let (name, task) = sys.start_diagnostics(diagnostics_request(url(&export)), on_status);
    task.await.unwrap().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [UploadStatus::Uploading, UploadStatus::Uploaded]
    );
    let archive = export.join(&name);
    assert_eq!(
        unpack(&std::fs::read(&archive).unwrap())["logs/start.log"],
        "frames"
    );
    #[cfg(unix)]
    assert_eq!(mode(&archive), 0o600);

    // Outside, by an absolute path, `..` or a link: refused before any attempt.
    let mut outside = vec![
        "file:///proc/self/environ".to_owned(),
        url(&elsewhere.join("ferrocharge-6.6.6.bin")),
        format!(
            "file://{}/../elsewhere/ferrocharge-6.6.6.bin",
            data.display()
        ),
    ];
    if cfg!(unix) {
        outside.push(url(&data.join("link/ferrocharge-6.6.6.bin")));
    }
    for location in &outside {
        let last = firmware_refused(&sys, location).await;
        assert!(
            matches!(last, TransferError::OutsideDataDir { .. }),
            "{location}: {last}"
        );
    }
    let mut targets = vec![
        url(&elsewhere),
        format!("file://{}/../elsewhere/", data.display()),
    ];
    if cfg!(unix) {
        targets.push(url(&data.join("link")));
    }
    for location in targets {
        let last = diagnostics_refused(&sys, &location).await;
        assert!(
            matches!(last, TransferError::OutsideDataDir { .. }),
            "{location}: {last}"
        );
    }
    assert_eq!(files_below(&elsewhere), ["ferrocharge-6.6.6.bin"]);
    assert!(!data.join("firmware/ferrocharge-6.6.6.bin").exists());
}

#[tokio::test]
async fn a_firmware_name_from_the_url_cannot_lead_out_of_the_firmware_folder() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let (addr, _) = any_file(b"image").await;
    let sys = system(&data, &[Scheme::Http], Vec::new());
    for (path, stored) in [
        (
            "..%2F..%2Fescaped-1.0.0.bin",
            "firmware/_._.._escaped-1.0.0.bin",
        ),
        ("%2E%2E", "firmware/firmware.bin"),
        (
            "a%2F..%2F..%2F..%2Fetc%2Fcron.d%2Fx",
            "firmware/a_.._.._.._etc_cron.d_x",
        ),
        (".profile", "firmware/_profile"),
    ] {
        let (_, on_status) = recorder();
        let request = firmware_request(format!("http://{addr}/fw/{path}"), 0);
        let file = sys.download_firmware(&request, on_status).await.unwrap();
        assert_eq!(file, data.join(stored), "{path}");
        assert_eq!(std::fs::read(&file).unwrap(), b"image");
        #[cfg(unix)]
        {
            assert_eq!(mode(&file), 0o600, "{path}");
            assert_eq!(mode(&data.join("firmware")), 0o700);
        }
    }
    assert_eq!(
        files_below(root.path()).len(),
        4,
        "{:?}",
        files_below(root.path())
    );

    // The firmware folder replaced by a link: refused, nothing written through it.
    #[cfg(unix)]
    {
        let elsewhere = root.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::rename(data.join("firmware"), root.path().join("old")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, data.join("firmware")).unwrap();
        let (seen, on_status) = recorder();
        let request = firmware_request(format!("http://{addr}/fw/ferrocharge-2.0.0.bin"), 0);
        let error = sys
            .download_firmware(&request, on_status)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                FirmwareError::Download {
                    last: TransferError::OutsideDataDir { .. },
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [FirmwareStatus::Downloading, FirmwareStatus::DownloadFailed]
        );
        assert!(files_below(&elsewhere).is_empty());
    }
}

#[test]
fn an_archive_is_private_and_packs_only_the_message_logs() {
    let root = tempfile::tempdir().unwrap();
    // MessageLogPath set to the data dir itself: the secrets beside the logs stay out.
    let data = root.path().join("data");
    std::fs::create_dir_all(data.join("certs/client/csms")).unwrap();
    std::fs::write(data.join("2026-11-24T07:00:00.000Z.log"), "frames").unwrap();
    std::fs::write(data.join("2026-11-24T07:00:00.000Z.html"), "<html/>").unwrap();
    std::fs::write(data.join("2026-11-24T07:00:00.000Z.security.log"), "{}").unwrap();
    std::fs::write(
        data.join("user_config.json"),
        r#"{"Security":{"AuthorizationKey":"s"}}"#,
    )
    .unwrap();
    std::fs::write(data.join("cp001.db"), "sqlite").unwrap();
    std::fs::write(data.join("certs/client/csms/CSMS_LEAF.key"), "PRIVATE KEY").unwrap();
    let out = root.path().join("archive.tar.gz");
    let summary = build_archive(&out, std::slice::from_ref(&data), None, None).unwrap();
    assert_eq!(
        summary.files,
        [
            "data/2026-11-24T07:00:00.000Z.html",
            "data/2026-11-24T07:00:00.000Z.log",
            "data/2026-11-24T07:00:00.000Z.security.log",
        ]
    );
    let packed = unpack(&std::fs::read(&out).unwrap());
    assert_eq!(
        packed.len(),
        4,
        "the logs and the manifest: {:?}",
        packed.keys()
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&out), 0o600);
        // Built again over a link left in its place: the link goes, its target stays.
        let target = root.path().join("target");
        std::fs::write(&target, "untouched").unwrap();
        std::fs::remove_file(&out).unwrap();
        std::os::unix::fs::symlink(&target, &out).unwrap();
        build_archive(&out, std::slice::from_ref(&data), None, None).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
        assert_eq!(mode(&out), 0o600);
    }
}

/// Log output, captured.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn failed_attempts_are_logged_once_a_minute_not_once_an_attempt() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A closed port: every attempt fails at once.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let root = tempfile::tempdir().unwrap();
    let sys = system(&root.path().join("data"), &[Scheme::Http], Vec::new());
    let mut request = firmware_request(format!("http://{closed}/ferrocharge-1.0.0.bin"), 300);
    request.retry_interval = Some(Duration::ZERO);
    let (_, on_status) = recorder();
    let error = sys
        .download_firmware(&request, on_status)
        .await
        .unwrap_err();
    assert!(
        matches!(error, FirmwareError::Download { attempts: 301, .. }),
        "{error}"
    );
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let failed: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("firmware download failed"))
        .collect();
    // The first attempt's line and the last's, which counts the 299 left out between.
    assert_eq!(failed.len(), 2, "{text}");
    assert!(
        failed[0].contains("attempt=1 of=301 left_out=0"),
        "{}",
        failed[0]
    );
    assert!(
        failed[1].contains("attempt=301 of=301 left_out=299")
            && failed[1].contains("failed on its last attempt"),
        "{}",
        failed[1]
    );
}

#[test]
fn the_throttle_lets_one_line_through_a_minute_and_counts_the_rest() {
    use station::system::{LogThrottle, THROTTLE_EVERY};
    let start = tokio::time::Instant::now();
    let mut throttle = LogThrottle::default();
    assert_eq!(throttle.allow(start), Some(0));
    for s in 1..60 {
        assert_eq!(throttle.allow(start + Duration::from_secs(s)), None);
    }
    assert_eq!(throttle.allow(start + THROTTLE_EVERY), Some(59));
    assert_eq!(throttle.allow(start + THROTTLE_EVERY), None);
    assert_eq!(throttle.finish(), 1);
    assert_eq!(throttle.finish(), 0);
}

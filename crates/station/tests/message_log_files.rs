//! The message log files as the Internal keys LogRotation* and LogMessagesRaw shape them, as
//! libocpp's MessageLogging (lib/ocpp/common/ocpp_logging.cpp) with v16's ChargePointImpl does:
//! fixed `libocpp_16` names that go on across starts, every file rotated by size, raw files of
//! the frames the station sends.

// A test that cannot set up its folder has nothing to say but the panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{DateTime, Utc};
use station::message_log::{
    Direction::{CentralSystemToChargePoint as FromCs, ChargePointToCentralSystem as FromCp},
    FileOptions, MessageLog, Rotation,
};

const BOOT: &str = r#"[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]"#;
const BOOT_CONF: &str = r#"[3,"19223201",{"status":"Accepted","currentTime":"2026-11-24T07:00:00.000Z","interval":300}]"#;
const CHANGE: &str =
    r#"[2,"cs-2","ChangeConfiguration",{"key":"AuthorizationKey","value":"0011223344556677"}]"#;
const CHANGE_CONF: &str = r#"[3,"cs-2",{"status":"Accepted"}]"#;

fn at(ms: i64) -> DateTime<Utc> {
    // 2026-11-24T07:00:00.000Z
    DateTime::from_timestamp_millis(1_795_503_600_000 + ms).unwrap_or_default()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn rotating(max_size: u32, max_count: u32, raw: bool) -> FileOptions {
    FileOptions {
        log_rotation: true,
        rotation: Rotation::from_keys(true, max_size, max_count, false),
        raw,
    }
}

#[test]
fn with_log_rotation_the_files_have_libocpps_names_and_go_on_across_starts() {
    let dir = tempfile::tempdir().unwrap();
    let formats = ["log", "html", "security"];
    // LogRotation with a maximum size of 0: fixed names, nothing rotates (libocpp).
    let options = FileOptions {
        log_rotation: true,
        rotation: None,
        raw: false,
    };
    let mut first = MessageLog::with_files(&formats, dir.path(), at(0), options).unwrap();
    first.record(FromCp, at(1), BOOT);
    drop(first);
    let mut second = MessageLog::with_files(&formats, dir.path(), at(10), options).unwrap();
    second.record(FromCs, at(11), BOOT_CONF);
    assert_eq!(
        file_names(dir.path()),
        [
            "libocpp_16.html",
            "libocpp_16.log",
            "libocpp_16.security.log"
        ]
    );
    let log = read(&dir.path().join("libocpp_16.log"));
    assert_eq!(log.lines().count(), 2, "{log}");
    assert!(log
        .lines()
        .next()
        .unwrap()
        .contains("BootNotification 19223201"));
    // The page goes on: one table, both rows, well formed.
    let page = read(&dir.path().join("libocpp_16.html"));
    assert_eq!(page.matches("<table").count(), 1);
    assert_eq!(page.matches("<tr class=").count(), 2);
    assert!(page.ends_with("</tbody>\n</table>\n</body>\n</html>\n"));
    // Something at the page's name that is not such a page is moved aside.
    std::fs::write(dir.path().join("libocpp_16.html"), "<html>cut").unwrap();
    drop(second);
    let third = MessageLog::with_files(&formats, dir.path(), at(20), options).unwrap();
    drop(third);
    assert_eq!(read(&dir.path().join("libocpp_16.html.0")), "<html>cut");
    assert!(read(&dir.path().join("libocpp_16.html")).starts_with("<!DOCTYPE html>"));
}

#[test]
fn every_file_rotates_by_size_and_the_oldest_goes_beyond_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut log =
        MessageLog::with_files(&["log", "html"], dir.path(), at(0), rotating(300, 2, false))
            .unwrap();
    for n in 0..6 {
        log.record(FromCp, at(2 * n), BOOT);
        log.record(FromCs, at(2 * n + 1), BOOT_CONF);
    }
    assert_eq!(
        file_names(dir.path()),
        [
            "libocpp_16.html",
            "libocpp_16.html.0",
            "libocpp_16.log",
            "libocpp_16.log.0"
        ]
    );
    // Each log line is about 200 bytes: the file rotates once it holds two.
    assert_eq!(
        read(&dir.path().join("libocpp_16.log.0")).lines().count(),
        2
    );
    assert_eq!(read(&dir.path().join("libocpp_16.log")).lines().count(), 2);
    // Every page, rotated or not, is complete.
    for page in ["libocpp_16.html", "libocpp_16.html.0"] {
        let text = read(&dir.path().join(page));
        assert!(text.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(text.ends_with("</html>\n"), "{page}");
        assert_eq!(text.matches("<tr class=").count(), 1, "{page}");
    }
}

#[test]
fn at_start_a_file_over_the_size_rotates_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("libocpp_16.log"), "x".repeat(400)).unwrap();
    let mut log =
        MessageLog::with_files(&["log"], dir.path(), at(0), rotating(300, 0, false)).unwrap();
    log.record(FromCp, at(1), BOOT);
    assert_eq!(
        file_names(dir.path()),
        ["libocpp_16.log", "libocpp_16.log.0"]
    );
    assert_eq!(read(&dir.path().join("libocpp_16.log.0")), "x".repeat(400));
    assert_eq!(read(&dir.path().join("libocpp_16.log")).lines().count(), 1);
}

#[test]
fn log_messages_raw_writes_the_sent_frames_as_they_went() {
    let dir = tempfile::tempdir().unwrap();
    let options = FileOptions {
        log_rotation: false,
        rotation: None,
        raw: true,
    };
    let mut log = MessageLog::with_files(&["log", "html"], dir.path(), at(0), options).unwrap();
    log.record(FromCp, at(1), BOOT);
    log.record(FromCs, at(2), BOOT_CONF);
    log.record(FromCs, at(3), CHANGE);
    log.record(FromCp, at(4), CHANGE_CONF);
    let stem = "2026-11-24T07:00:00.000Z";
    assert_eq!(
        file_names(dir.path()),
        [
            format!("{stem}.html"),
            format!("{stem}.log"),
            format!("{stem}_raw.html"),
            format!("{stem}_raw.log"),
        ]
    );
    // The frames sent only, as they went over the wire (BOOT keeps its spaces).
    assert_eq!(
        read(&dir.path().join(format!("{stem}_raw.log"))),
        format!(
            "2026-11-24T07:00:00.001Z ChargePoint>CentralSystem CALL BootNotification 19223201\n{BOOT}\n\n\
             2026-11-24T07:00:00.004Z ChargePoint>CentralSystem CALLRESULT ChangeConfiguration cs-2\n{CHANGE_CONF}\n\n"
        )
    );
    let page = read(&dir.path().join(format!("{stem}_raw.html")));
    assert_eq!(page.matches("<tr class=").count(), 2);
    assert!(page.contains("<pre>[2, \"19223201\", \"BootNotification\", "));
    // The CSMS's frames are not raw-logged, and its secret reaches no file.
    for file in file_names(dir.path()) {
        assert!(
            !read(&dir.path().join(&file)).contains("0011223344556677"),
            "{file}"
        );
    }
    // The other files are as without raw logging.
    assert_eq!(
        read(&dir.path().join(format!("{stem}.log")))
            .lines()
            .count(),
        4
    );
}

#[test]
fn with_session_logging_a_sessions_frames_go_to_its_folder_too() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("session");
    std::fs::create_dir(&session).unwrap();
    let mut log = MessageLog::new(&["session_logging"], dir.path().join("logs"), at(0)).unwrap();
    log.record(FromCp, at(1), BOOT);
    log.start_session_log(&session, at(2));
    log.record(FromCs, at(3), BOOT_CONF);
    assert_eq!(file_names(&session), ["incomplete-ocpp.html"]);
    log.stop_session_log(&session);
    log.record(FromCs, at(4), CHANGE);
    assert_eq!(file_names(&session), ["ocpp.html"]);
    let page = read(&session.join("ocpp.html"));
    // Only the frame while the session ran.
    assert_eq!(page.matches("<tr class=").count(), 1);
    assert!(page.contains("19223201") && !page.contains("ChangeConfiguration"));
    // Without the format: nothing.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut log = MessageLog::new(&["log"], dir.path().join("logs"), at(0)).unwrap();
    log.start_session_log(&other, at(2));
    log.record(FromCs, at(3), BOOT_CONF);
    log.stop_session_log(&other);
    assert!(file_names(&other).is_empty());
}

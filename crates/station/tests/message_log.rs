//! The OCPP message logs: the files each format writes for a short exchange, the html page's
//! structure (parsed, at every point of the exchange), file naming per start, and failures that
//! must not stop the station.

// A test that cannot set up its folder has nothing to say but the panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{DateTime, Utc};
use station::message_log::{
    Direction::{CentralSystemToChargePoint as FromCs, ChargePointToCentralSystem as FromCp},
    MessageKind, MessageLog, MessageLogError,
};

const BOOT: &str = r#"[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]"#;
const BOOT_CONF: &str = r#"[3,"19223201",{"status":"Accepted","currentTime":"2026-11-24T07:00:00.000Z","interval":300}]"#;
const RESET: &str = r#"[2,"cs-1","Reset",{"type":"Hard"}]"#;
const RESET_ERR: &str = r#"[4,"cs-1","NotSupported","<Hard> & 'soft' \"resets\"",{}]"#;

fn at(ms: i64) -> DateTime<Utc> {
    // 2026-11-24T07:00:00.000Z
    DateTime::from_timestamp_millis(1_795_503_600_000 + ms).unwrap_or_default()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The exchange every format test logs: a BootNotification answered, a Reset refused.
fn exchange(log: &mut MessageLog) {
    log.record(FromCp, at(1), BOOT);
    log.record(FromCs, at(2), BOOT_CONF);
    log.record(FromCs, at(3), RESET);
    log.record(FromCp, at(4), RESET_ERR);
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn log_format_writes_one_line_per_message_with_the_action_of_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = MessageLog::new(&["log"], dir.path(), at(0)).unwrap();
    exchange(&mut log);
    let path = dir.path().join("2026-11-24T07:00:00.000Z.log");
    assert_eq!(log.log_path(), Some(path.as_path()));
    let expected = [
        r#"2026-11-24T07:00:00.001Z ChargePoint>CentralSystem CALL BootNotification 19223201 [2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]"#,
        r#"2026-11-24T07:00:00.002Z CentralSystem>ChargePoint CALLRESULT BootNotification 19223201 [3,"19223201",{"status":"Accepted","currentTime":"2026-11-24T07:00:00.000Z","interval":300}]"#,
        r#"2026-11-24T07:00:00.003Z CentralSystem>ChargePoint CALL Reset cs-1 [2,"cs-1","Reset",{"type":"Hard"}]"#,
        r#"2026-11-24T07:00:00.004Z ChargePoint>CentralSystem CALLERROR(NotSupported) Reset cs-1 [4,"cs-1","NotSupported","<Hard> & 'soft' \"resets\"",{}]"#,
    ];
    assert_eq!(read(&path), expected.join("\n") + "\n");
    // Only the selected format's file exists.
    assert_eq!(file_names(dir.path()), ["2026-11-24T07:00:00.000Z.log"]);
}

#[test]
fn record_reports_what_it_read() {
    let mut log = MessageLog::disabled();
    let info = log.record(FromCp, at(1), BOOT);
    assert_eq!(info.kind, MessageKind::Call);
    assert_eq!(info.action.as_deref(), Some("BootNotification"));
    assert_eq!(info.message_id.as_deref(), Some("19223201"));
    let info = log.record(FromCs, at(2), BOOT_CONF);
    assert_eq!(info.kind, MessageKind::CallResult);
    assert_eq!(info.action.as_deref(), Some("BootNotification"));
}

/// The text of every `<td>` of every body row, and each row's class.
fn rows(page: &str) -> Vec<(String, Vec<String>)> {
    let doc = roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("the html log is not well formed: {e}\n{page}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "html");
    let names: Vec<&str> = root
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(names, ["head", "body"]);
    let tbody = doc
        .descendants()
        .find(|n| n.has_tag_name("tbody"))
        .expect("a tbody");
    tbody
        .children()
        .filter(|n| n.has_tag_name("tr"))
        .map(|tr| {
            let cells = tr
                .children()
                .filter(|n| n.has_tag_name("td"))
                .map(|td| {
                    td.descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .collect::<String>()
                })
                .collect();
            (tr.attribute("class").unwrap_or("").to_owned(), cells)
        })
        .collect()
}

#[test]
fn html_format_is_a_page_with_a_row_per_message_complete_at_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = MessageLog::new(&["html"], dir.path(), at(0)).unwrap();
    let path = dir.path().join("2026-11-24T07:00:00.000Z.html");
    assert_eq!(log.html_path(), Some(path.as_path()));
    // Readable before any message and after each one, as a browser opening it mid-run would.
    assert!(rows(&read(&path)).is_empty());
    for (n, (direction, ms, frame)) in [
        (FromCp, 1, BOOT),
        (FromCs, 2, BOOT_CONF),
        (FromCs, 3, RESET),
        (FromCp, 4, RESET_ERR),
    ]
    .into_iter()
    .enumerate()
    {
        log.record(direction, at(ms), frame);
        assert_eq!(rows(&read(&path)).len(), n + 1);
    }

    let page = read(&path);
    assert!(page.starts_with("<!DOCTYPE html>\n"));
    assert!(page.contains("<title>OCPP message log 2026-11-24T07:00:00.000Z</title>"));
    assert!(page.ends_with("</tbody>\n</table>\n</body>\n</html>\n"));
    assert!(
        !page.contains("http://") || page.matches("http://").count() == 1,
        "no external assets"
    );
    let rows = rows(&page);
    let boot_pretty = "[\n  2,\n  \"19223201\",\n  \"BootNotification\",\n  {\n    \
                       \"chargePointVendor\": \"VendorX\",\n    \"chargePointModel\": \"SingleSocketCharger\"\n  }\n]";
    assert_eq!(
        rows[0],
        (
            "ChargePoint CALL".to_owned(),
            vec![
                "2026-11-24T07:00:00.001Z".to_owned(),
                "ChargePoint → CentralSystem".to_owned(),
                "CALL".to_owned(),
                "BootNotification".to_owned(),
                "19223201".to_owned(),
                boot_pretty.to_owned(),
            ]
        )
    );
    assert_eq!(rows[1].0, "CentralSystem CALLRESULT");
    assert_eq!(
        rows[1].1[..5],
        [
            "2026-11-24T07:00:00.002Z",
            "CentralSystem → ChargePoint",
            "CALLRESULT",
            "BootNotification",
            "19223201"
        ]
    );
    assert!(rows[1].1[5].contains("\"status\": \"Accepted\""));
    assert_eq!(rows[2].1[2..5], ["CALL", "Reset", "cs-1"]);
    assert_eq!(rows[3].0, "ChargePoint CALLERROR");
    assert_eq!(rows[3].1[2..5], ["CALLERROR NotSupported", "Reset", "cs-1"]);
    // Markup in a payload is text, not markup: it comes back unchanged from the parser.
    assert!(rows[3].1[5].contains(r#""<Hard> & 'soft' \"resets\"""#));
}

#[test]
fn security_format_holds_security_events_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = MessageLog::new(&["security"], dir.path(), at(0)).unwrap();
    exchange(&mut log);
    log.record_security_event("StartupOfTheDevice", Some("cold boot"), at(5));
    log.record_security_event("SettingSystemTime", None, at(6));
    let path = dir.path().join("2026-11-24T07:00:00.000Z.security.log");
    assert_eq!(log.security_log_path(), Some(path.as_path()));
    assert_eq!(
        read(&path),
        "{\"techInfo\":\"cold boot\",\"timestamp\":\"2026-11-24T07:00:00.005Z\",\"type\":\"StartupOfTheDevice\"}\n\
         {\"timestamp\":\"2026-11-24T07:00:00.006Z\",\"type\":\"SettingSystemTime\"}\n"
    );
    assert_eq!(
        file_names(dir.path()),
        ["2026-11-24T07:00:00.000Z.security.log"]
    );
}

/// Internal.LogRotation: a security file of the maximum size is rotated before the next
/// event; beyond the maximum count the oldest rotated file goes, and the log says so
/// (the runtime raises SecurityLogWasCleared then).
#[test]
fn the_security_file_rotates_and_says_when_events_were_deleted() {
    use station::message_log::{FileOptions, Rotated, Rotation};
    let dir = tempfile::tempdir().unwrap();
    let options = FileOptions {
        log_rotation: true,
        rotation: Rotation::from_keys(true, 100, 3, false),
        raw: false,
    };
    let mut log = MessageLog::with_files(&["security"], dir.path(), at(0), options).unwrap();
    // Each line is 65 bytes: the file reaches 100 bytes with the second.
    let mut results = Vec::new();
    for n in 0..8 {
        results.push(log.record_security_event("InvalidMessages", Some("x"), at(n)));
    }
    use Rotated::*;
    assert_eq!(results, [No, No, Yes, No, Yes, No, WithDeletion, No]);
    assert_eq!(
        file_names(dir.path()),
        [
            "libocpp_16.security.log",
            "libocpp_16.security.log.0",
            "libocpp_16.security.log.1"
        ]
    );
    let base = dir.path().join("libocpp_16.security.log");
    assert_eq!(read(&base).lines().count(), 2);
    assert!(read(&dir.path().join("libocpp_16.security.log.1")).contains("07:00:00.003Z"));
}

#[test]
fn console_formats_write_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = MessageLog::new(
        &["console", "console_detailed", "session_logging", "callback"],
        dir.path().join("logs"),
        at(0),
    )
    .unwrap();
    exchange(&mut log);
    log.record_security_event("StartupOfTheDevice", None, at(5));
    assert!(!dir.path().join("logs").exists());
    assert_eq!(log.log_path(), None);
    assert_eq!(log.security_log_path(), None);
}

#[test]
fn each_start_gets_its_own_set_of_files_named_by_its_start_time() {
    let dir = tempfile::tempdir().unwrap();
    let all = ["log", "html", "security"];
    let logs = dir.path().join("everest_ocpp_logs");
    let mut first = MessageLog::new(&all, &logs, at(0)).unwrap();
    first.record(FromCp, at(1), BOOT);
    let mut second = MessageLog::new(&all, &logs, at(60_000)).unwrap();
    second.record(FromCp, at(60_001), BOOT);
    // A restart within the same millisecond must not write into the first start's files.
    let mut third = MessageLog::new(&all, &logs, at(0)).unwrap();
    third.record(FromCp, at(2), BOOT);
    assert_eq!(
        file_names(&logs),
        [
            "2026-11-24T07:00:00.000Z-1.html",
            "2026-11-24T07:00:00.000Z-1.log",
            "2026-11-24T07:00:00.000Z-1.security.log",
            "2026-11-24T07:00:00.000Z.html",
            "2026-11-24T07:00:00.000Z.log",
            "2026-11-24T07:00:00.000Z.security.log",
            "2026-11-24T07:01:00.000Z.html",
            "2026-11-24T07:01:00.000Z.log",
            "2026-11-24T07:01:00.000Z.security.log",
        ]
    );
    assert_eq!(
        read(&logs.join("2026-11-24T07:00:00.000Z.log"))
            .lines()
            .count(),
        1
    );
    assert_eq!(
        rows(&read(&logs.join("2026-11-24T07:00:00.000Z-1.html"))).len(),
        1
    );
}

#[test]
fn unknown_format_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = MessageLog::new(&["html", "pdf"], dir.path(), at(0)).unwrap_err();
    assert_eq!(err, MessageLogError::UnknownFormat("pdf".into()));
    assert_eq!(
        err.to_string(),
        "Internal.LogMessagesFormat: unknown format 'pdf' (known: console, console_detailed, log, html, session_logging, callback, security)"
    );
    assert!(file_names(dir.path()).is_empty(), "nothing created");
}

#[test]
fn a_folder_that_cannot_be_created_disables_the_files_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let mut log = MessageLog::new(&["log", "html", "security"], &blocker, at(0)).unwrap();
    exchange(&mut log);
    log.record_security_event("StartupOfTheDevice", None, at(5));
    assert_eq!(log.log_path(), None);
    assert_eq!(log.html_path(), None);
    assert_eq!(log.security_log_path(), None);
}

#[test]
fn frames_that_are_not_ocpp_are_logged_as_they_came() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = MessageLog::new(&["log", "html"], dir.path(), at(0)).unwrap();
    let info = log.record(FromCs, at(1), "hello <there>\n");
    assert_eq!(info.kind, MessageKind::Unparsed);
    assert_eq!(
        read(&dir.path().join("2026-11-24T07:00:00.000Z.log")),
        "2026-11-24T07:00:00.001Z CentralSystem>ChargePoint INVALID - - hello <there> \n"
    );
    let rows = rows(&read(&dir.path().join("2026-11-24T07:00:00.000Z.html")));
    assert_eq!(rows[0].1[2], "INVALID");
    assert_eq!(rows[0].1[5], "hello <there>\n");
}

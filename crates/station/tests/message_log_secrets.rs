//! No message log shows a secret (DESIGN §7a): a ChangeConfiguration of a write-only key
//! (AuthorizationKey, or one a custom schema declares) is logged with `"value":"<redacted>"`
//! in every file format and in what `record` returns for the console and the control API,
//! and its answer is scrubbed of the value too; the files are mode 0600 in a 0700 folder.

// A test that cannot set up its folder has nothing to say but the panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{DateTime, Utc};
use station::message_log::{
    Direction::{CentralSystemToChargePoint as FromCs, ChargePointToCentralSystem as FromCp},
    MessageLog, SecretKeys,
};

const KEY: &str = "planted-secret-0123456789";

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_795_503_600_000 + ms).unwrap_or_default()
}

/// Every file in `dir`, read.
fn contents(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_write_only_key_is_redacted_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let formats = ["log", "html", "security", "console_detailed"];
    let mut log = MessageLog::new(&formats, &logs, at(0)).unwrap();
    let change =
        format!(r#"[2,"cs-1","ChangeConfiguration",{{"key":"AuthorizationKey","value":"{KEY}"}}]"#);
    let call = log.record(FromCs, at(1), &change);
    let answer = log.record(FromCp, at(2), r#"[3,"cs-1",{"status":"Accepted"}]"#);
    // A broken one, which the station answers with a CALLERROR that quotes it.
    let broken = format!(
        r#"[2,"cs-2","ChangeConfiguration",{{"key":"AuthorizationKey","value":"{KEY}","x":1}}]"#
    );
    let refused = log.record(FromCs, at(3), &broken);
    let error = format!(
        r#"[4,"cs-2","FormationViolation","unknown field x in {{\"value\":\"{KEY}\"}}",{{}}]"#
    );
    let error = log.record(FromCp, at(4), &error);
    log.record_security_event("ReconfigurationOfSecurityParameters", None, at(5));

    assert_eq!(
        call.text,
        r#"[2,"cs-1","ChangeConfiguration",{"key":"AuthorizationKey","value":"<redacted>"}]"#
    );
    assert_eq!(call.compact(), call.text);
    assert_eq!(answer.action.as_deref(), Some("ChangeConfiguration"));
    assert_eq!(
        error.text,
        r#"[4,"cs-2","FormationViolation","<redacted>",{}]"#
    );
    for info in [&call, &answer, &refused, &error] {
        for shown in [
            info.text.clone(),
            info.compact().into_owned(),
            info.pretty().into_owned(),
        ] {
            assert!(!shown.contains(KEY), "{shown}");
        }
    }
    let files = contents(&logs);
    assert_eq!(files.len(), 3, "{files:?}");
    for (name, text) in &files {
        assert!(!text.contains(KEY), "{name}: {text}");
    }
    let (_, text_log) = files.iter().find(|(n, _)| n.ends_with("Z.log")).unwrap();
    assert!(
        text_log.contains(r#"{"key":"AuthorizationKey","value":"<redacted>"}"#),
        "{text_log}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&logs), 0o700);
        for (name, _) in &files {
            assert_eq!(mode(&logs.join(name)), 0o600, "{name}");
        }
    }
}

#[test]
fn a_custom_write_only_key_is_redacted_and_the_others_are_shown() {
    let mut log = MessageLog::disabled().with_secret_keys(SecretKeys::new(["VendorSecret"]));
    let info = log.record(
        FromCs,
        at(1),
        &format!(r#"[2,"1","ChangeConfiguration",{{"key":"VendorSecret","value":"{KEY}"}}]"#),
    );
    assert!(!info.text.contains(KEY), "{}", info.text);
    let info = log.record(
        FromCs,
        at(2),
        r#"[2,"2","ChangeConfiguration",{"key":"HeartbeatInterval","value":"30"}]"#,
    );
    assert!(info.text.contains(r#""value":"30""#), "{}", info.text);
}

#[test]
fn an_existing_log_folder_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o755)).unwrap();
        MessageLog::new(&["log"], &logs, at(0)).unwrap();
        let mode = std::fs::metadata(&logs).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}

//! `ferrocharge config check` and `config show`, run as a user would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn ferrocharge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferrocharge"))
        .args(args)
        .output()
        .expect("run ferrocharge")
}

fn shipped_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/ocpp-config.json")
}

/// A scratch folder for this test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrocharge-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.display().to_string()
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn check_accepts_the_shipped_config() {
    let out = ferrocharge(&["config", "check", shipped_config().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
}

#[test]
fn check_prints_every_problem_with_file_path_and_reason() {
    let dir = scratch("check");
    let mut base: Value =
        serde_json::from_str(&std::fs::read_to_string(shipped_config()).unwrap()).unwrap();
    base["Core"]["HeartbeatInterval"] = json!("often");
    base["Core"]["LightIntensity"] = json!(150);
    base["Internal"]["LogMessagesFormat"] = json!(["html", "pdf"]);
    base["Core"].as_object_mut().unwrap().remove("ResetRetries");
    base["Core"]["MeterValuesSampledData"] = json!("Energy.Active.Import.Register,RPM");
    base.as_object_mut()
        .unwrap()
        .remove("LocalAuthListManagement");
    let file = write(&dir, "ocpp.json", &base);
    let user = write(
        &dir,
        "user.json",
        &json!({"Security": {"SecurityProfile": 7}}),
    );

    let out = ferrocharge(&["config", "check", &file, "--user-config", &user]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let mut lines = stderr_lines(&out);
    lines.sort();
    let mut expected = vec![
        format!("{file}: $.Core.HeartbeatInterval: expected an integer, found the string \"often\""),
        format!("{file}: $.Core.LightIntensity: 150 is above the maximum 100"),
        format!("{file}: $.Internal.LogMessagesFormat[1]: the string \"pdf\" is not one of console, console_detailed, log, html, session_logging, callback, security"),
        format!("{file}: $.Core.ResetRetries: required key is missing"),
        format!("{file}: $.Core.MeterValuesSampledData: \"RPM\" is not in SupportedMeasurands (Energy.Active.Import.Register,Energy.Active.Export.Register,Power.Active.Import,Voltage,Current.Import,Frequency,Current.Offered,Power.Offered,SoC,Temperature)"),
        format!("{file}: $.LocalAuthListManagement: SupportedFeatureProfiles lists LocalAuthListManagement, but the section LocalAuthListManagement is missing (it needs LocalAuthListEnabled, LocalAuthListMaxLength, SendLocalListMaxLength)"),
        format!("{user}: $.Security.SecurityProfile: 7 is above the maximum 3"),
    ];
    expected.sort();
    assert_eq!(lines, expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_unreadable_files() {
    let dir = scratch("unreadable");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"Core\": }").unwrap();
    let out = ferrocharge(&["config", "check", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!(
            "{}: $: not valid JSON: expected value (line 1",
            broken.display()
        )),
        "{lines:?}"
    );
    let missing = dir.join("missing.json");
    let out = ferrocharge(&["config", "check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_lines(&out)[0].contains("cannot read the file"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn show_prints_the_effective_configuration_with_defaults() {
    let out = ferrocharge(&["config", "show"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["Internal"]["ChargePointId"], json!("cp001"));
    assert_eq!(
        shown["Internal"]["CentralSystemURI"],
        json!("127.0.0.1:8180/steve/websocket/CentralSystemService/")
    );
    // Defaults filled in.
    assert_eq!(shown["Internal"]["WebsocketPongTimeout"], json!(5));
    assert_eq!(
        shown["Security"]["DisableSecurityEventNotifications"],
        json!(false)
    );

    let dir = scratch("show");
    let user = write(
        &dir,
        "user.json",
        &json!({"Core": {"HeartbeatInterval": 60}}),
    );
    let file = shipped_config();
    let out = ferrocharge(&[
        "config",
        "show",
        file.to_str().unwrap(),
        "--user-config",
        &user,
    ]);
    assert!(out.status.success());
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["Core"]["HeartbeatInterval"], json!(60));

    let bad = write(
        &dir,
        "bad.json",
        &json!({"Core": {"HeartbeatInterval": -5}}),
    );
    let out = ferrocharge(&["config", "show", "--user-config", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&out),
        [format!(
            "{bad}: $.Core.HeartbeatInterval: -5 is below the minimum 0"
        )]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn custom_schemas_declare_custom_keys() {
    let dir = scratch("custom");
    let schema = write(
        &dir,
        "Custom.json",
        &json!({"type": "object", "properties": {"Brightness": {"type": "integer", "maximum": 10}}}),
    );
    let mut base: Value =
        serde_json::from_str(&std::fs::read_to_string(shipped_config()).unwrap()).unwrap();
    base["Custom"] = json!({"Brightness": 11});
    let file = write(&dir, "ocpp.json", &base);
    let out = ferrocharge(&["config", "check", &file]);
    assert!(out.status.success(), "undeclared custom keys are accepted");
    let out = ferrocharge(&["config", "check", &file, "--custom-schema", &schema]);
    assert_eq!(
        stderr_lines(&out),
        [format!(
            "{file}: $.Custom.Brightness: 11 is above the maximum 10"
        )]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's example: the shipped config with a user config that breaks a key.
#[test]
fn check_fails_with_exit_code_1_on_the_readmes_example() {
    let dir = scratch("readme");
    let user = write(
        &dir,
        "user_config.json",
        &json!({"Core": {"HeartbeatInterval": -5}}),
    );
    let out = ferrocharge(&[
        "config",
        "check",
        shipped_config().to_str().unwrap(),
        "--user-config",
        &user,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_lines(&out),
        [format!(
            "{user}: $.Core.HeartbeatInterval: -5 is below the minimum 0"
        )]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

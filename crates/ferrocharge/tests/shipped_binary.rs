//! The binary carries what it needs: copied out of the source tree into an empty folder, it
//! runs `sil` with a station YAML whose `ChargePointConfigPath` names an `ocpp-config.json`
//! that is not beside it (the copy built into the binary is used), and `sil` without
//! arguments runs the built-in SIL station. Nothing is read from the tree it was built in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{assert_sil_banner, free_port, http, Running, BOUND};

/// The binary under test, copied to `dir/bin` (outside the source tree).
fn copied_binary(dir: &Path) -> PathBuf {
    let source_tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    assert!(
        !dir.canonicalize().unwrap().starts_with(&source_tree),
        "the copy must be outside {}",
        source_tree.display()
    );
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let copy = bin.join("ferrocharge");
    // fs::copy keeps the permissions: the copy is executable. Under the lock: no process may
    // start while the copy is open for writing (common::EXEC_LOCK).
    let _exec = common::EXEC_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    std::fs::copy(env!("CARGO_BIN_EXE_ferrocharge"), &copy).unwrap();
    copy
}

/// An empty folder to start the binary in.
fn empty_folder(dir: &Path) -> PathBuf {
    let work = dir.join("work");
    std::fs::create_dir(&work).unwrap();
    work
}

/// Waits until the web UI answers on `api_port` and the station shows it is registered with
/// the CSMS (the state's `ocpp.registration` is Accepted).
fn wait_until_registered(api_port: u16) {
    let page = http(api_port, "GET", "/", "");
    assert!(page.starts_with("HTTP/1.1 200"), "the web UI: {page}");
    assert!(page.contains("<html"), "the web UI: {page}");
    let deadline = Instant::now() + BOUND;
    loop {
        let answer = http(api_port, "GET", "/api/v1/state", "");
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        let state: serde_json::Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("the state is JSON ({e}): {answer}"));
        if state["ocpp"]["registration"] == "Accepted" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the station did not register: {state}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_copied_binary_runs_sil_with_the_built_in_ocpp_config() {
    let dir = tempfile::tempdir().unwrap();
    let bin = copied_binary(dir.path());
    let work = empty_folder(dir.path());
    let (csms_port, api_port) = (free_port(), free_port());

    // The shipped one-EVSE station with every file it writes under `dir`; its
    // ChargePointConfigPath stays the bare `ocpp-config.json`, which is not beside it.
    let site = dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    let data = dir.path().join("data");
    let yaml = station::config::shipped::SIL_ONE_EVSE.text;
    let replace = |text: String, from: &str, to: String| {
        assert!(text.contains(from), "the shipped config has no '{from}'");
        text.replacen(from, &to, 1)
    };
    let yaml = replace(
        yaml.to_owned(),
        "  data_dir: /tmp/ferrocharge",
        format!("  data_dir: {}", data.display()),
    );
    let yaml = replace(
        yaml,
        "  control_api: 127.0.0.1:8849",
        format!("  control_api: 127.0.0.1:{api_port}"),
    );
    let yaml = replace(
        yaml,
        "      ChargePointConfigPath: ocpp-config.json",
        "      ChargePointConfigPath: ocpp-config.json\n      MessageLogPath: logs".to_owned(),
    );
    let yaml = yaml.replace(
        "session_logging_path: /tmp",
        &format!(
            "session_logging_path: {}",
            dir.path().join("sessions").display()
        ),
    );
    let config = site.join("station.yaml");
    std::fs::write(&config, yaml).unwrap();
    assert!(!site.join("ocpp-config.json").exists());
    // The built-in OCPP config connects to SteVe's port; the user config (where a
    // ChangeConfiguration would put it) moves it to a free one.
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("user_config.json"),
        format!(
            r#"{{"Internal": {{"CentralSystemURI": "127.0.0.1:{csms_port}/steve/websocket/CentralSystemService/"}}}}"#
        ),
    )
    .unwrap();

    let mut command = Command::new(&bin);
    command
        .args([
            "sil",
            "--config",
            config.to_str().unwrap(),
            "--csms-http",
            "127.0.0.1:0",
        ])
        .current_dir(&work)
        // The runtime names the OCPP module's files at debug.
        .env("RUST_LOG", "info,station::runtime=debug");
    let sil = Running::spawn(command);
    let banner = sil.lines_until("  Ctrl-C stops the station");
    // The CSMS line shows the built-in OCPP config with the user config over it.
    let shown = config.canonicalize().unwrap();
    assert_sil_banner(&banner, &shown.display().to_string(), api_port, csms_port);
    let mut lines = sil.lines_until("cp001 → StatusNotification connector 1");
    wait_until_registered(api_port);
    lines.extend(sil.stop(api_port));
    let files = lines
        .iter()
        .find(|l| l.contains("OCPP module files"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        files.contains(r#"charge_point_config: Shipped(ShippedFile("ocpp-config.json"))"#),
        "the OCPP config is the built-in one: {files}"
    );

    assert!(!site.join("ocpp-config.json").exists());
    assert_eq!(
        std::fs::read_dir(&work).unwrap().count(),
        0,
        "nothing is written where the binary was started"
    );
}

#[test]
fn a_copied_binary_runs_the_built_in_sil_station_without_arguments() {
    // The built-in station listens on the SIL's own ports; a `sil` already running there
    // (a developer's, SteVe) must not be disturbed.
    for port in [8180, 8849, 8850] {
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            eprintln!("skipped: port {port} is taken, and `ferrocharge sil` without arguments needs 8180, 8849 and 8850");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = copied_binary(dir.path());
    let work = empty_folder(dir.path());

    let mut command = Command::new(&bin);
    command.arg("sil").current_dir(&work).env_remove("RUST_LOG");
    let sil = Running::spawn(command);
    let banner = sil.lines_until("  Ctrl-C stops the station");
    assert_eq!(
        banner[0], "ferrocharge sil: the shipped config-sil-ocpp.yaml (2 EVSEs) with the dev CSMS",
        "{banner:#?}"
    );
    assert_eq!(banner[1], "  web UI       http://127.0.0.1:8849/");
    assert_eq!(banner[3], "  CSMS web UI  http://127.0.0.1:8850/");
    wait_until_registered(8849);
    sil.stop(8849);
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
}

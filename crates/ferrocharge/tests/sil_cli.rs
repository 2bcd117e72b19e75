//! `ferrocharge sil` and `ferrocharge run` as a user starts them: the banner comes first on
//! stdout, a second start on the same data logs no configuration "change" to the value a key
//! already has, and a station that cannot start exits non-zero with the reason on stderr.
//! Every station here gets its own folder and free ports (the dev CSMS listens where the
//! station's OCPP config points), so runs do not collide with a `sil` on the default ports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{assert_sil_banner, free_port, write_one_evse_station, Running};

/// The shipped one-EVSE SIL station in `dir`, connecting to `central_system_uri`, with its
/// control API on `api_port` and every file it writes under `dir`.
fn write_config(dir: &Path, central_system_uri: &str, api_port: u16) -> PathBuf {
    write_one_evse_station(
        dir,
        central_system_uri,
        &format!("127.0.0.1:{api_port}"),
        |_| {},
    )
}

/// Starts `ferrocharge sil --config config`; checks the banner that must come first and
/// returns the run with every line after it up to the dev CSMS's last StatusNotification of
/// the boot.
fn start_sil(config: &Path, dir: &Path, csms_port: u16, api_port: u16) -> (Running, Vec<String>) {
    let sil = Running::start(&[
        "sil",
        "--config",
        config.to_str().unwrap(),
        "--csms-http",
        "127.0.0.1:0",
    ]);
    let banner = sil.lines_until("  Ctrl-C stops the station");
    // The test runs in the crate's folder, outside `dir`: the path is absolute.
    let config = std::fs::canonicalize(config).unwrap();
    assert_sil_banner(&banner, &config.display().to_string(), api_port, csms_port);
    let log = banner[4]
        .strip_prefix("  message log  ")
        .unwrap_or_else(|| panic!("{banner:#?}"));
    assert!(
        log.starts_with(&dir.join("logs").display().to_string()) && log.ends_with(".html"),
        "{log}"
    );
    assert!(Path::new(log).is_file(), "{log}");
    assert!(banner[5].starts_with("  idTags       Accepted: DEADBEEF, ABC12345,"));
    assert!(banner.len() <= 10, "a short banner: {banner:#?}");
    // Booted: the dev CSMS has the StatusNotification of connector 1.
    let after = sil.lines_until("cp001 → StatusNotification connector 1");
    (sil, after)
}

#[test]
fn sil_prints_its_banner_first_and_logs_no_change_to_an_unchanged_value() {
    let dir = tempfile::tempdir().unwrap();
    let (csms_port, api_port) = (free_port(), free_port());
    let uri = format!("127.0.0.1:{csms_port}/steve/websocket/CentralSystemService/");
    let config = write_config(dir.path(), &uri, api_port);

    // First start: BootNotification.conf's 300 s replaces the config's 86400 s, a change.
    let (sil, mut lines) = start_sil(&config, dir.path(), csms_port, api_port);
    lines.extend(sil.stop(api_port));
    let changed = |lines: &[String], key: &str| {
        lines
            .iter()
            .any(|l| l.contains("configuration changed") && l.contains(key))
    };
    assert!(
        changed(&lines, "\"HeartbeatInterval\""),
        "the first boot sets the heartbeat interval: {lines:#?}"
    );

    // Second start on the same data: 300 s again, which is no change.
    let (sil, mut lines) = start_sil(&config, dir.path(), csms_port, api_port);
    lines.extend(sil.stop(api_port));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("BootNotification answered")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("configuration changed")),
        "{lines:#?}"
    );
    // Periodic and startup chatter is at debug.
    assert!(
        !lines.iter().any(|l| l.contains("charging limit")),
        "{lines:#?}"
    );
}

fn ferrocharge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferrocharge"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run ferrocharge")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_and_sil_exit_2_with_the_reason_when_the_station_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    for command in ["run", "sil"] {
        let out = ferrocharge(&[command, "--config", missing.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&format!("ferrocharge: cannot load {}", missing.display())),
            "{command}: {}",
            stderr(&out)
        );
    }

    // The dev CSMS's port is taken (SteVe, another sil).
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = write_config(
        dir.path(),
        &format!("127.0.0.1:{port}/steve/websocket/CentralSystemService/"),
        free_port(),
    );
    let out = ferrocharge(&[
        "sil",
        "--config",
        config.to_str().unwrap(),
        "--csms-http",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot start the dev CSMS on 127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
    drop(taken);

    // A station that connects elsewhere is `run`'s, not `sil`'s.
    let config = write_config(dir.path(), "csms.example.com/ocpp/", free_port());
    let out = ferrocharge(&[
        "sil",
        "--config",
        config.to_str().unwrap(),
        "--csms-http",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("use `ferrocharge run --config FILE` for another CSMS"),
        "{}",
        stderr(&out)
    );
    assert!(
        out.stdout.is_empty(),
        "no banner for a station that never started"
    );
}

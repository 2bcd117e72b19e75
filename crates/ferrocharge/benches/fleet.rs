//! The fleet at scale (issue 20): `ferrocharge fleet` against the dev CSMS (`ferrocharge csms`)
//! on the same machine, two processes of the built binary, as a CSMS team would run them:
//!
//!     cargo bench -p ferrocharge --bench fleet
//!     FLEET_STATIONS=2000 FLEET_SESSIONS=200 cargo bench -p ferrocharge --bench fleet
//!
//! 1. The dev CSMS starts (heartbeat interval FLEET_HEARTBEAT_S, default 60 s; its per-message
//!    log lines go to /dev/null).
//! 2. The fleet: FLEET_STATIONS stations (default 10,000) of the shipped one-EVSE SIL config,
//!    `--store` FLEET_STORE (default `memory`, the core's in-memory store; `sqlite`: every
//!    station's store in one SQLite file, fleet.db in the fleet's temporary data dir), started
//!    over FLEET_RAMP_S (default 60 s), MeterValueSampleInterval
//!    10 s; a scenario in which FLEET_SESSIONS connectors (default 1,000) start a session as
//!    soon as their station is booted and charge until the end, FLEET_HOLD_S (default 60 s)
//!    after the ramp-up. `--threads` FLEET_THREADS (default 2).
//! 3. Printed: the fleet's JSON report's figures (stations booted, transactions, peak RSS in
//!    all and per station, CPU, frames per second both ways, the CSMS's answer latency) and the
//!    dev CSMS's own peak RSS and CPU (from /proc).
//!
//! The machine's cores are shared by both processes. A run with a debug binary measures
//! little: this is built and run with the bench profile (release).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// VmHWM (kB) and user + system CPU seconds of a process.
fn process_figures(pid: u32) -> (Option<u64>, Option<f64>) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let cpu = stat.rfind(')').and_then(|i| {
        let fields: Vec<&str> = stat[i + 1..].split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some((utime + stime) / 100.0)
    });
    (peak, cpu)
}

fn main() {
    let stations = env("FLEET_STATIONS", 10_000);
    let sessions = env("FLEET_SESSIONS", 1_000).min(stations);
    let ramp = env("FLEET_RAMP_S", 60);
    let hold = env("FLEET_HOLD_S", 60);
    let heartbeat = env("FLEET_HEARTBEAT_S", 60);
    let threads = env("FLEET_THREADS", 2);
    let store = match std::env::var("FLEET_STORE").as_deref() {
        Ok("sqlite") => "sqlite",
        Ok("memory") | Err(_) => "memory",
        Ok(other) => panic!("FLEET_STORE={other:?}: memory or sqlite"),
    };
    let binary = env!("CARGO_BIN_EXE_ferrocharge");
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    let port = free_port();
    let http = format!("127.0.0.1:{}", free_port());
    let mut csms = Command::new(binary)
        .args([
            "csms",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--http",
            &http,
        ])
        .args([
            "--no-pricing",
            "--heartbeat-interval",
            &heartbeat.to_string(),
        ])
        .arg("--data-dir")
        .arg(dir.path().join("csms"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let up = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "the dev CSMS did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let yaml = std::fs::read_to_string(repo.join("config/config-sil-one-evse.yaml"))
        .unwrap()
        .replace(
            "data_dir: /tmp/ferrocharge",
            &format!("data_dir: {}", dir.path().join("data").display()),
        );
    let config = dir.path().join("station.yaml");
    std::fs::write(&config, yaml).unwrap();
    let scenario = dir.path().join("scenario.yaml");
    let share = sessions as f64 / stations as f64;
    // The sessions last past the end: they run from their start to the fleet's end.
    std::fs::write(
        &scenario,
        format!(
            "duration: {hold}s\nsessions_per_hour: 0\nsessions_at_start: {share}\n\
             session_length: {{min: 720h, max: 720h}}\ntags: [DEADBEEF, ABC12345]\nseed: 1\n"
        ),
    )
    .unwrap();
    let report = dir.path().join("report.json");
    println!(
        "fleet: {stations} stations, {sessions} sessions (share {share:.4}), ramp-up {ramp} s, \
         hold {hold} s, heartbeat {heartbeat} s, meter values every 10 s, {threads} threads, \
         store {store}"
    );
    let started = Instant::now();
    let fleet = Command::new(binary)
        .args(["fleet", "--count", &stations.to_string(), "--store", store])
        .arg("--config")
        .arg(&config)
        .args([
            "--csms",
            &format!("ws://127.0.0.1:{port}/steve/websocket/CentralSystemService/"),
        ])
        .args(["--ramp-up", &format!("{ramp}s"), "--status-every", "10s"])
        .args(["--set", "MeterValueSampleInterval=10"])
        .args(["--threads", &threads.to_string()])
        .arg("--scenario")
        .arg(&scenario)
        .arg("--report")
        .arg(&report)
        .arg("--data-dir")
        .arg(dir.path().join("fleet"))
        .stderr(Stdio::inherit())
        .stdout(Stdio::inherit())
        .status()
        .unwrap();
    let (csms_peak, csms_cpu) = process_figures(csms.id());
    let _ = csms.kill();
    let _ = csms.wait();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let r = |path: &str| report.pointer(path).cloned().unwrap_or_default();
    println!(
        "--- fleet bench ({:.0} s, exit {fleet})",
        started.elapsed().as_secs_f64()
    );
    println!(
        "stations {} booted {} | transactions started {} ended {} peak running {}",
        r("/fleet/stations"),
        r("/stations/booted"),
        r("/sessions/transactions_started"),
        r("/sessions/transactions_ended"),
        r("/sessions/peak_running"),
    );
    println!(
        "fleet process: peak RSS {} kB = {:.1} kB per station, CPU {:.1} s = {:.2} cores over the run",
        r("/process/peak_rss_kb"),
        r("/process/peak_rss_per_station_kb").as_f64().unwrap_or(0.0),
        r("/process/cpu_s").as_f64().unwrap_or(0.0),
        r("/process/cpu_share_of_one_core").as_f64().unwrap_or(0.0),
    );
    println!(
        "frames: sent {} ({:.0}/s) received {} ({:.0}/s); CSMS answers p50 {} ms p99 {} ms max {} ms; errors {}",
        r("/messages/sent"),
        r("/messages/sent_per_s").as_f64().unwrap_or(0.0),
        r("/messages/received"),
        r("/messages/received_per_s").as_f64().unwrap_or(0.0),
        r("/csms_latency_ms/p50"),
        r("/csms_latency_ms/p99"),
        r("/csms_latency_ms/max"),
        r("/errors/total"),
    );
    println!(
        "dev CSMS process: peak RSS {} kB, CPU {} s",
        csms_peak.map_or("?".to_owned(), |v| v.to_string()),
        csms_cpu.map_or("?".to_owned(), |v| format!("{v:.1}")),
    );
}

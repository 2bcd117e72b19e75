//! What the CLI tests share: free ports, a station config written from the shipped one, and a
//! running `ferrocharge` whose stdout is read line by line and which is stopped through its
//! control API as a user would.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Long enough for a loaded machine; a healthy start takes well under a second.
pub const BOUND: Duration = Duration::from_secs(30);

/// Held while a test writes an executable (a copy of the binary) and while it starts a
/// process. Tests run on threads of one process: a process started by one test while another
/// test's copy is still open for writing inherits that descriptor until its `exec`, and the
/// copy's own start then fails with "Text file busy" (ETXTBSY; seen once in CI). `spawn`
/// returns only after the child's `exec`, when the inherited descriptors are closed.
pub static EXEC_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The shipped one-EVSE SIL station written into `dir`: its OCPP config (changed by `ocpp`)
/// connecting to `central_system_uri`, its control API on `control_api` (`""`: none), and
/// every file it writes under `dir`. Returns the YAML's path.
pub fn write_one_evse_station(
    dir: &Path,
    central_system_uri: &str,
    control_api: &str,
    ocpp: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let mut config: serde_json::Value =
        serde_json::from_str(station::config::shipped::OCPP_CONFIG.text).unwrap();
    config["Internal"]["CentralSystemURI"] = central_system_uri.into();
    ocpp(&mut config);
    let ocpp_path = dir.join("ocpp.json");
    std::fs::write(&ocpp_path, serde_json::to_string_pretty(&config).unwrap()).unwrap();

    let replace = |text: String, from: &str, to: String| {
        assert!(text.contains(from), "the shipped config has no '{from}'");
        text.replacen(from, &to, 1)
    };
    let yaml = station::config::shipped::SIL_ONE_EVSE.text.to_owned();
    let yaml = replace(
        yaml,
        "  data_dir: /tmp/ferrocharge",
        format!("  data_dir: {}", dir.join("data").display()),
    );
    let yaml = replace(
        yaml,
        "  control_api: 127.0.0.1:8849",
        format!("  control_api: {control_api:?}"),
    );
    // The shipped DatabasePath makes way for this station's own.
    let yaml = replace(yaml, "      DatabasePath: ocpp\n", String::new());
    let yaml = replace(
        yaml,
        "      ChargePointConfigPath: ocpp-config.json",
        format!(
            "      ChargePointConfigPath: {}\n      MessageLogPath: {}\n      DatabasePath: db",
            ocpp_path.display(),
            dir.join("logs").display()
        ),
    );
    let yaml = yaml.replace(
        "session_logging_path: /tmp",
        &format!("session_logging_path: {}", dir.join("sessions").display()),
    );
    let path = dir.join("station.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

/// A running `ferrocharge` and its stdout, line by line.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    /// Starts the binary under test with `args` and the default log filter, as a user who
    /// sets nothing gets it.
    pub fn start(args: &[&str]) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferrocharge"));
        command.args(args).env_remove("RUST_LOG");
        Running::spawn(command)
    }

    /// Starts `command` (a `ferrocharge`) with its stdout (the banner, then the log) piped
    /// here.
    pub fn spawn(mut command: Command) -> Running {
        let started = {
            let _exec = EXEC_LOCK
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            command
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
        };
        let mut child = started.expect("run ferrocharge");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { child, lines }
    }

    /// The next line (waits at most [`BOUND`]).
    pub fn line(&self) -> String {
        self.lines
            .recv_timeout(BOUND)
            .expect("a line of output within the bound")
    }

    /// Every line up to and including the first one containing `needle`.
    pub fn lines_until(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self.line();
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    /// The first line containing `needle`.
    pub fn line_with(&self, needle: &str) -> String {
        self.lines_until(needle).pop().unwrap_or_default()
    }

    /// Stops the station through its control API as `curl -XPOST .../station/stop` does;
    /// returns the rest of stdout once the process has exited 0.
    pub fn stop(mut self, api_port: u16) -> Vec<String> {
        let answer = http(api_port, "POST", "/api/v1/station/stop", "{}");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the station did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "exit status {status}");
        // The reader thread ends at EOF, which the exit brings.
        self.lines.iter().collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request to the control API on `port`; the whole answer, head and body.
pub fn http(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(BOUND)).unwrap();
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    answer
}

/// Checks the first four lines of a `sil` banner: the station config (as the banner shows
/// it) with one EVSE, the web UI on `api_port`, the dev CSMS on `csms_port` for cp001 and its
/// web UI (on a port of its own: the tests pass `--csms-http 127.0.0.1:0`).
pub fn assert_sil_banner(banner: &[String], config: &str, api_port: u16, csms_port: u16) {
    assert_eq!(
        banner[0],
        format!("ferrocharge sil: {config} (1 EVSE) with the dev CSMS"),
        "the banner is the first output: {banner:#?}"
    );
    assert_eq!(
        banner[1],
        format!("  web UI       http://127.0.0.1:{api_port}/")
    );
    assert_eq!(
        banner[2],
        format!(
            "  CSMS         ws://127.0.0.1:{csms_port}/steve/websocket/CentralSystemService/cp001"
        )
    );
    assert!(
        banner[3].starts_with("  CSMS web UI  http://127.0.0.1:") && banner[3].ends_with('/'),
        "{banner:#?}"
    );
}

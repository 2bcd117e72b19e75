//! The station as shipped, in a process of its own, against the dev CSMS on 127.0.0.1: its
//! memory and threads when idle, and CSMS-initiated round trips with the station's CPU time
//! per round trip (issue 20's figures):
//!
//!     cargo bench -p ferrocharge --bench station                       # this build's binary
//!     cargo bench -p ferrocharge --bench station -- OTHER/ferrocharge  # then another one, in turn
//!
//! 1. A station folder is written as `tests/conformance` writes one: the shipped
//!    `config/config-sil-ocpp.yaml` (two simulated AC EVSEs, the energy tree, Auth, the OCPP
//!    module) and `config/ocpp-config.json`, changed only where they name this machine's places:
//!    the CSMS URL, the data, database and message log folders, the control API's port. So the
//!    message logs are on as shipped (`log`, `html`, `security`), and so is the SQLite store.
//! 2. The dev CSMS (crate `csms`) listens in this process; `ferrocharge run --config ...` is
//!    started as a child process (the release binary that `cargo bench` builds, or each binary
//!    named on the command line).
//! 3. Once the station is registered and the StatusNotifications of connectors 0, 1 and 2 are
//!    in, it is left alone for 10 s; then its resident memory (VmRSS), peak (VmHWM) and
//!    threads are read from /proc/<pid>/status: "idle".
//! 4. The CSMS sends GetConfiguration(key = [HeartbeatInterval]) through its API, one after
//!    the other, each waiting for its CALLRESULT: 1,000 to warm up, then 20,000 timed. The
//!    station's CPU time (user + system, all its threads, /proc/<pid>/stat) over the 20,000
//!    divided by 20,000 is its CPU per round trip; the rate is what the CSMS's caller sees.
//!
//! 5. The same round trips once more, with a station started afresh against a plain websocket
//!    peer instead of the dev CSMS ([`plain_peer`]): it answers the station's CALLs with the
//!    least the schemas allow and sends the GetConfiguration frames as prepared text, so the
//!    rate shows what the station can do rather than what the dev CSMS can (its API, its state
//!    and its own logging cost it about as much CPU as the station).
//!
//! 6. Last, this machine's floor ([`common::floor`]): 20,000 round trips of the same texts over
//!    TCP on 127.0.0.1 between two threads with blocking sockets, nothing else: the least CPU
//!    per round trip and the most round trips per second any station could reach here.
//!
//! Before each binary's runs, how many names of the release link's hot-function list it has
//! (with `nm`). The list holds the names of both the release and the bench profile's builds:
//! when it was recorded, the release build had 3,011 of its 4,020 names and the bench build
//! 3,359. Far fewer means the list is outdated.
//!
//! Nothing in the station knows it is measured: it is the binary and the configuration a user
//! runs. Its log goes to `station.log` in the folder (deleted afterwards).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::figure;
use csms::{Csms, CsmsOptions};
use ocpp_types::core::GetConfigurationRequest;
use ocpp_types::{AnyRequest, AnyResponse, CiString50};
use serde_json::Value;

const BENCH: &str = "station";
const CHARGE_POINT_ID: &str = "bench002";
/// How long the station is left alone after it registered before its memory is read.
const IDLE_AFTER: Duration = Duration::from_secs(10);
const WARM_UP: usize = 1_000;
const ROUND_TRIPS: usize = 20_000;
/// No step of a run may take longer.
const GUARD: Duration = Duration::from_secs(300);

fn main() {
    common::init_logging();
    common::print_machine();
    let mut binaries: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    binaries.insert(0, PathBuf::from(env!("CARGO_BIN_EXE_ferrocharge")));
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for (i, binary) in binaries.iter().enumerate() {
        let variant = if i == 0 {
            "this build".to_owned()
        } else {
            format!("binary {i}")
        };
        println!("{BENCH}/{variant}: {}", binary.display());
        hot_functions_found(&variant, binary);
        runtime.block_on(run(&variant, binary));
        runtime.block_on(run_plain(&variant, binary));
    }
    floor();
}

/// Step 6: this machine's floor ([`common::floor`]): the same number of round trips with
/// the same texts, bare, between two threads of this process.
fn floor() {
    let floor = common::floor::round_trips(ROUND_TRIPS, None);
    figure(
        BENCH,
        "floor (bare TCP round trips)",
        "rate",
        format!("{:.0}", floor.rate),
        "round trips/s",
    );
    figure(
        BENCH,
        "floor (bare TCP round trips)",
        "answering thread's CPU per round trip",
        format!("{:.1}", floor.answer_cpu.as_secs_f64() * 1e6),
        "µs",
    );
}

/// How many names of the release link's hot-function list (crates/ferrocharge/build.rs) the
/// binary has, read with `nm`: a list that no longer matches the code (a new rustc, new
/// dependency versions) still links, and shows only as a higher idle RSS. Then
/// `scripts/hot-functions` records it again. Skipped, and said so, without `nm`.
fn hot_functions_found(variant: &str, binary: &Path) {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("link/hot-functions.txt");
    let list = std::fs::read_to_string(list).expect("link/hot-functions.txt");
    let wanted: std::collections::HashSet<&str> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let Ok(nm) = Command::new("nm")
        .arg("--defined-only")
        .arg(binary)
        .output()
    else {
        println!("{BENCH}/{variant}: no nm here, the hot-function list is not checked");
        return;
    };
    let symbols = String::from_utf8_lossy(&nm.stdout);
    let found = symbols
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter(|name| wanted.contains(name))
        .collect::<std::collections::HashSet<_>>()
        .len();
    figure(
        BENCH,
        variant,
        "hot-function list's names in the binary",
        format!("{found} of {}", wanted.len()),
        "",
    );
}

/// The repository's `config/` folder.
fn shipped_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// A port on 127.0.0.1 that was free a moment ago (for the station's control API).
fn free_port() -> u16 {
    common::reserve_port()
        .local_addr()
        .expect("a bound port")
        .port()
}

/// Writes the station's folder (see the module docs) and returns its config file.
fn write_station(dir: &Path, csms_port: u16) -> PathBuf {
    let config = shipped_config();
    let ocpp_text = std::fs::read_to_string(config.join("ocpp-config.json")).expect("ocpp json");
    let mut ocpp: Value = serde_json::from_str(&ocpp_text).expect("the shipped OCPP config");
    ocpp["Internal"]["CentralSystemURI"] =
        format!("127.0.0.1:{csms_port}{}", csms::DEFAULT_PATH_PREFIX).into();
    ocpp["Internal"]["ChargePointId"] = CHARGE_POINT_ID.into();
    let ocpp_path = dir.join("ocpp.json");
    std::fs::write(&ocpp_path, ocpp.to_string()).expect("ocpp.json written");

    let yaml_path = config.join("config-sil-ocpp.yaml");
    let mut yaml = std::fs::read_to_string(&yaml_path).expect("the shipped station config");
    let mut replace = |old: &str, new: &str| {
        assert!(yaml.contains(old), "config-sil-ocpp.yaml has no {old:?}");
        yaml = yaml.replacen(old, new, 1);
    };
    replace(
        "  data_dir: /tmp/ferrocharge",
        &format!("  data_dir: {}", dir.join("data").display()),
    );
    replace(
        "  control_api: 127.0.0.1:8849",
        &format!("  control_api: 127.0.0.1:{}", free_port()),
    );
    replace(
        "      ChargePointConfigPath: ocpp-config.json",
        &format!(
            "      ChargePointConfigPath: {}\n      MessageLogPath: {}",
            ocpp_path.display(),
            dir.join("logs").display()
        ),
    );
    let sessions = dir.join("sessions");
    let yaml = yaml
        .replace(
            "session_logging_path: /tmp/everest-logs",
            &format!("session_logging_path: {}", sessions.display()),
        )
        .replace(
            "session_logging_path: /tmp\n",
            &format!("session_logging_path: {}\n", sessions.display()),
        );
    let path = dir.join("station.yaml");
    std::fs::write(&path, yaml).expect("station.yaml written");
    path
}

/// A field of /proc/<pid>/status in kB (VmRSS, VmHWM) or as counted (Threads).
fn status_field(pid: u32, name: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
}

/// The CPU time a process has used, user + system, all its threads.
fn cpu_time(pid: u32) -> Duration {
    common::cpu_time(&format!("/proc/{pid}/stat"))
}

fn get_heartbeat_interval() -> AnyRequest {
    AnyRequest::GetConfiguration(GetConfigurationRequest {
        key: Some(vec![
            CiString50::new("HeartbeatInterval").expect("a valid key")
        ]),
    })
}

/// One GetConfiguration round trip; its answer must carry the key.
async fn round_trip(csms: &Csms) {
    let answer = csms
        .call(CHARGE_POINT_ID, get_heartbeat_interval())
        .await
        .expect("GetConfiguration is answered");
    let AnyResponse::GetConfiguration(answer) = answer else {
        panic!("not a GetConfiguration answer: {answer:?}");
    };
    let keys = answer.configuration_key.unwrap_or_default();
    assert!(
        keys.len() == 1 && keys[0].key == "HeartbeatInterval",
        "the one key asked for: {keys:?}"
    );
}

/// The child station, killed when dropped (also when a step panics).
struct StationProcess(Child);

/// A station is stopped as a user stops it, with SIGTERM (through `kill(1)`), and given 10 s
/// to end: a binary built to record a profile (`scripts/lean-build`) writes it only when it
/// exits. SIGKILL after that.
impl Drop for StationProcess {
    fn drop(&mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `binary` with a station folder in `dir` whose CSMS listens on `csms_port`.
fn start_station(binary: &Path, dir: &Path, csms_port: u16) -> StationProcess {
    let config = write_station(dir, csms_port);
    let log = std::fs::File::create(dir.join("station.log")).expect("station.log");
    let child = Command::new(binary)
        .args(["run", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
    StationProcess(child)
}

/// A websocket peer that is just enough of a CSMS (step 5 of the module docs): it accepts
/// the station's connection (subprotocol ocpp1.6), answers its CALLs (BootNotification
/// Accepted, Heartbeat with the time, every other one with an empty payload, which is what the
/// station sends while idle: StatusNotification, SecurityEventNotification), and once the
/// StatusNotifications of connectors 0 to 2 are answered sends GetConfiguration, one at a
/// time, each waiting for its CALLRESULT. Returns the elapsed time of the timed round trips
/// and the station's CPU time over them.
async fn plain_peer(listener: tokio::net::TcpListener, pid: u32) -> (Duration, Duration) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::Message;

    let (tcp, _) = listener.accept().await.expect("the station connects");
    tcp.set_nodelay(true).expect("TCP_NODELAY");
    #[allow(clippy::result_large_err)]
    let subprotocol = |_: &Request, mut response: Response| {
        response.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("ocpp1.6"),
        );
        Ok(response)
    };
    let mut ws = tokio_tungstenite::accept_hdr_async(tcp, subprotocol)
        .await
        .expect("the websocket handshake");
    let mut statuses = 0;
    let mut registered = false;
    while !registered {
        let message = ws
            .next()
            .await
            .expect("the station stays")
            .expect("a frame");
        if let Message::Text(text) = message {
            if let Read::Call { reply, status } = read(&text) {
                statuses += usize::from(status);
                ws.send(Message::text(reply)).await.expect("sent");
            }
        }
        registered = statuses >= 3;
    }
    let mut cpu_before = Duration::ZERO;
    let mut started = Instant::now();
    for n in 0..WARM_UP + ROUND_TRIPS {
        if n == WARM_UP {
            cpu_before = cpu_time(pid);
            started = Instant::now();
        }
        let id = format!("g{n}");
        let call = format!(r#"[2,"{id}","GetConfiguration",{{"key":["HeartbeatInterval"]}}]"#);
        ws.send(Message::text(call)).await.expect("sent");
        loop {
            let message = ws
                .next()
                .await
                .expect("the station stays")
                .expect("a frame");
            let Message::Text(text) = message else {
                continue;
            };
            match read(&text) {
                Read::Call { reply, .. } => ws.send(Message::text(reply)).await.expect("sent"),
                Read::Answer(answered) if answered == id => {
                    assert!(
                        text.contains("HeartbeatInterval"),
                        "the key asked for: {text}"
                    );
                    break;
                }
                Read::Answer(_) => panic!("an answer to nothing asked: {text}"),
            }
        }
    }
    (started.elapsed(), cpu_time(pid) - cpu_before)
}

/// A frame from the station, as the plain peer reads it.
enum Read {
    /// A CALL: the answer to send, and whether it was a StatusNotification.
    Call { reply: String, status: bool },
    /// A CALLRESULT or CALLERROR: its message id.
    Answer(String),
}

/// What the plain peer makes of a frame from the station.
fn read(text: &str) -> Read {
    let frame: Value = serde_json::from_str(text).expect("a JSON frame");
    let id = frame[1].as_str().unwrap_or_default().to_owned();
    if frame[0] != 2 {
        return Read::Answer(id);
    }
    let now = chrono_now().to_string();
    let action = frame[2].as_str().unwrap_or_default();
    let payload = match action {
        "BootNotification" => {
            serde_json::json!({"status": "Accepted", "currentTime": now, "interval": 86400})
        }
        "Heartbeat" => serde_json::json!({"currentTime": now}),
        _ => serde_json::json!({}),
    };
    Read::Call {
        reply: serde_json::json!([3, id, payload]).to_string(),
        status: action == "StatusNotification",
    }
}

/// The wall-clock time now.
fn chrono_now() -> ocpp_types::DateTime {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    ocpp_types::DateTime::from_unix_millis(millis as i64).expect("a time")
}

/// Step 5: the round trips against [`plain_peer`].
async fn run_plain(variant: &str, binary: &Path) {
    let dir = common::scratch_dir();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the plain peer");
    let port = listener.local_addr().expect("its address").port();
    let station = start_station(binary, dir.path(), port);
    let (elapsed, station_cpu) = tokio::time::timeout(GUARD, plain_peer(listener, station.0.id()))
        .await
        .expect("the plain peer's round trips in time");
    let variant = format!("{variant}, plain peer");
    figure(
        BENCH,
        &variant,
        "rate",
        format!("{:.0}", ROUND_TRIPS as f64 / elapsed.as_secs_f64()),
        "round trips/s",
    );
    figure(
        BENCH,
        &variant,
        "station CPU per round trip",
        format!(
            "{:.1}",
            station_cpu.as_secs_f64() * 1e6 / ROUND_TRIPS as f64
        ),
        "µs",
    );
    drop(station);
}

async fn run(variant: &str, binary: &Path) {
    let dir = common::scratch_dir();
    let csms = Csms::bind(CsmsOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        ..CsmsOptions::default()
    })
    .await
    .expect("the dev CSMS binds");
    let station = start_station(binary, dir.path(), csms.local_addr().port());
    let pid = station.0.id();
    let started = Instant::now();

    // Registered, and the StatusNotifications of connectors 0, 1 and 2 answered.
    tokio::time::timeout(GUARD, async {
        loop {
            let state = csms.state();
            if state
                .charge_points
                .get(CHARGE_POINT_ID)
                .is_some_and(|cp| cp.registration.is_some() && cp.connectors.len() == 3)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the station registers");
    figure(
        BENCH,
        variant,
        "registered after",
        common::secs(started.elapsed()),
        "s",
    );
    tokio::time::sleep(IDLE_AFTER).await;
    let mb = |kb: u64| format!("{:.1}", kb as f64 / 1024.0);
    figure(
        BENCH,
        variant,
        "idle RSS",
        mb(status_field(pid, "VmRSS")),
        "MB",
    );
    figure(
        BENCH,
        variant,
        "idle peak RSS",
        mb(status_field(pid, "VmHWM")),
        "MB",
    );
    figure(
        BENCH,
        variant,
        "idle threads",
        status_field(pid, "Threads"),
        "",
    );

    for _ in 0..WARM_UP {
        round_trip(&csms).await;
    }
    let cpu_before = cpu_time(pid);
    let own_before = cpu_time(std::process::id());
    let started = Instant::now();
    tokio::time::timeout(GUARD, async {
        for _ in 0..ROUND_TRIPS {
            round_trip(&csms).await;
        }
    })
    .await
    .expect("all round trips in time");
    let elapsed = started.elapsed();
    let station_cpu = cpu_time(pid) - cpu_before;
    let csms_cpu = cpu_time(std::process::id()) - own_before;
    let per = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1e6 / ROUND_TRIPS as f64);
    figure(BENCH, variant, "round trips", ROUND_TRIPS, "");
    figure(
        BENCH,
        variant,
        "rate",
        format!("{:.0}", ROUND_TRIPS as f64 / elapsed.as_secs_f64()),
        "round trips/s",
    );
    figure(
        BENCH,
        variant,
        "station CPU per round trip",
        per(station_cpu),
        "µs",
    );
    figure(
        BENCH,
        variant,
        "CSMS (this process) CPU per round trip",
        per(csms_cpu),
        "µs",
    );
    figure(
        BENCH,
        variant,
        "RSS after",
        mb(status_field(pid, "VmRSS")),
        "MB",
    );
    figure(
        BENCH,
        variant,
        "threads after",
        status_field(pid, "Threads"),
        "",
    );
    drop(station);
    drop(csms);
}

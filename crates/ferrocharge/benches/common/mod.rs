//! What both loopback benchmarks share: the charge point (the sans-IO core with its store and
//! the shipped OCPP configuration, pointed at a CSMS on 127.0.0.1), the store kinds, logging,
//! and how results are printed.

// Each bench compiles this module on its own and uses only part of it.
#![allow(dead_code)]

pub mod floor;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{ChargePoint, MemoryStore, Store};
use chargepoint::config::{
    merge_patch, Configuration, Document, MemoryOverlay, Registry, DEFAULT_CONFIG,
};
use chargepoint::driver;
use serde_json::json;

/// The ChargePointId of the benchmarked charge point.
pub const CHARGE_POINT_ID: &str = "bench001";

/// Where the core keeps what must survive a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// [`SqliteStore`] in a file under the target directory: WAL, `synchronous=FULL`, one
    /// fsync per write, as on a station.
    Sqlite,
    /// [`MemoryStore`]: no disk at all, to show what the fsyncs cost.
    Memory,
}

impl StoreKind {
    /// The name printed in result lines and accepted on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Memory => "memory",
        }
    }

    /// The store kinds selected by the command line: every argument that is not an option
    /// (`cargo bench` passes `--bench`) names one; none selects both.
    pub fn selected() -> Vec<StoreKind> {
        let names: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        [StoreKind::Sqlite, StoreKind::Memory]
            .into_iter()
            .filter(|k| names.is_empty() || names.iter().any(|n| n == k.name()))
            .collect()
    }

    /// Opens the store; a SQLite file goes into `dir`.
    pub fn open(self, dir: &Path) -> Box<dyn Store> {
        match self {
            StoreKind::Sqlite => Box::new(
                SqliteStore::open(dir.join(format!("{CHARGE_POINT_ID}.db")))
                    .expect("the SQLite store opens"),
            ),
            StoreKind::Memory => Box::new(MemoryStore::default()),
        }
    }
}

/// A fresh folder for the store's file, on the disk of the target directory (not a tmpfs,
/// so fsync costs what it costs on a station's flash or disk).
pub fn scratch_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a scratch folder in the target dir")
}

/// Logs to stderr at RUST_LOG's level (error, warn, info, debug, trace), warn by default, so
/// that the dev CSMS's line per message does not become part of what is measured.
pub fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|l| tracing::Level::from_str(&l).ok())
        .unwrap_or(tracing::Level::WARN);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
}

/// The shipped OCPP configuration (`config/ocpp-config.json`) for one connector, pointed at
/// `127.0.0.1:port` with SteVe's path (the dev CSMS's default), with `patch` merged over it.
///
/// Always changed: no websocket pings (nothing to measure there), reconnect at most 1 s after
/// a failed attempt, no clock-aligned meter values (a quarter-hour boundary must not add a
/// message to a run), and MessageQueueSizeThreshold far above the 10,000 queued messages of
/// the drain benchmark so that no intermediate MeterValues is dropped.
pub fn charge_point(port: u16, store: Box<dyn Store>, patch: serde_json::Value) -> ChargePoint {
    let mut base =
        Document::parse("ocpp-config.json", DEFAULT_CONFIG).expect("the shipped config parses");
    merge_patch::apply(
        &mut base.value,
        &json!({
            "Internal": {
                "ChargePointId": CHARGE_POINT_ID,
                "CentralSystemURI": format!("127.0.0.1:{port}{}", csms::DEFAULT_PATH_PREFIX),
                "RetryBackoffWaitMinimum": 1, "RetryBackoffRandomRange": 0,
                "RetryBackoffRepeatTimes": 0,
                "MessageQueueSizeThreshold": 100_000
            },
            "Core": {"NumberOfConnectors": 1, "WebSocketPingInterval": 0,
                     "ClockAlignedDataInterval": 0},
        }),
    );
    merge_patch::apply(&mut base.value, &patch);
    let registry = Registry::embedded()
        .expect("the embedded schemas load")
        .clone();
    let config = Configuration::load(registry, &base, Box::new(MemoryOverlay::default()))
        .unwrap_or_else(|e| panic!("the bench config is refused: {}", e.problems().join("; ")));
    ChargePoint::new(config, store, 1, driver::now())
}

/// A port on 127.0.0.1 for a CSMS that comes up later: bound (nobody else takes it, and
/// nothing accepts on it) until the listener is dropped.
pub fn reserve_port() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1")
}

/// Prints one result line: `<bench>/<variant> <figure>: <value> <unit>`, so runs compare
/// line by line.
pub fn figure(bench: &str, variant: &str, name: &str, value: impl std::fmt::Display, unit: &str) {
    println!("{bench}/{variant} {name}: {value} {unit}");
}

/// Linux's USER_HZ: the unit of utime and stime in /proc's `stat` files.
const CLOCK_TICKS_PER_S: f64 = 100.0;

/// The CPU time, user + system, that a /proc `stat` file counts: a process's
/// (`/proc/<pid>/stat`, all its threads) or the calling thread's (`/proc/thread-self/stat`).
pub fn cpu_time(stat_file: &str) -> Duration {
    let stat = std::fs::read_to_string(stat_file).expect("a /proc stat file");
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_secs_f64(ticks as f64 / CLOCK_TICKS_PER_S)
}

/// Seconds with millisecond resolution.
pub fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// A summary of the machine, printed first: results only compare on the same one.
pub fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    println!(
        "machine: {cores} cores ({cpu}), {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
}

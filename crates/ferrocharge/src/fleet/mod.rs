//! `ferrocharge fleet`: many simulated stations of one station config in one process, on one
//! tokio runtime, against a CSMS (docs/fleet.md). Each is the same [`station::runtime::Station`]
//! as `ferrocharge run` (its own charge-point core, driver, connection and simulated EVSEs);
//! what the fleet changes is only what cannot be per station in one process: no control API,
//! no MQTT, no message log files, a data dir each under the fleet's.
//!
//! - [`ids`]: `--id-pattern` and `--shard`;
//! - [`scenario`]: the scenario file;
//! - [`member`]: one station and the drivers at its connectors;
//! - [`stats`]: the counters, the live summary line;
//! - [`report`]: the JSON report at the end.

pub mod ids;
pub mod member;
pub mod report;
pub mod scenario;
pub mod stats;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use chargepoint::charge_point::shared_sqlite_store::SharedSqliteDb;
use clap::Args;
use ocpp_ws::{CsmsUrl, SecurityProfile};
use station::persistent_store::SharedKvs;
use station::runtime::OcppPaths;
use station::{ConfigFile, StationConfig};
use tokio::sync::watch;
use tokio::time::Instant;

use ids::{IdPattern, Shard};
use member::{Fleet, StoreKind};
use scenario::{parse_duration, Scenario};
use stats::{Counters, Summary};

/// The most stations one process runs (a 50,000-charger fleet is shared by `--shard`).
const MAX_COUNT: u64 = 1_000_000;

/// The file of the stations' stores with `--store sqlite`, in the fleet's data dir.
pub const FLEET_DB: &str = "fleet.db";

/// The OCPP keys the fleet sets itself, which `--set` may not.
const FLEET_KEYS: [&str; 2] = ["ChargePointId", "CentralSystemURI"];

/// `ferrocharge fleet`.
#[derive(Args, Debug)]
pub struct FleetArgs {
    /// The station config every station is made of (EVerest-shaped YAML, as for `run`).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// How many stations the whole fleet has (every shard together).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_COUNT))]
    count: u64,
    /// The stations' ChargePointIds: one number placeholder, `{}` or `{:0W}` (zero-padded
    /// to W digits), around letters, digits, '.', '_', '-'.
    #[arg(long, value_name = "PATTERN", default_value = "cp{:05}")]
    id_pattern: String,
    /// The number of the first station.
    #[arg(long, value_name = "N", default_value_t = 1)]
    first: u64,
    /// The CSMS every station connects to (CentralSystemURI: ws://host:port/path/; the id
    /// is appended).
    #[arg(long, value_name = "URL")]
    csms: String,
    /// Where the cores keep their data: one SQLite file for every station of this process,
    /// DATA_DIR/fleet.db (sqlite), or each station's in memory.
    #[arg(long, value_enum, default_value = "sqlite")]
    store: StoreKind,
    /// The fleet's data dir: each station's files go to `DIR/<id>`, the report and the stations'
    /// database (fleet.db) to DIR. Default: the station config's data_dir + /fleet.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The stations start evenly spread over this time (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    ramp_up: String,
    /// The scenario (YAML, docs/fleet.md): sessions, tags, offline windows. Without one the
    /// stations connect and heartbeat until --duration or Ctrl-C.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// The seed of every random choice (over the scenario's).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Without a scenario: how long the fleet runs after the ramp-up (until Ctrl-C if not
    /// given).
    #[arg(long, value_name = "DURATION")]
    duration: Option<String>,
    /// Run the k-th of n slices of the fleet (k from 1): station i (0-based) is in slice
    /// i % n + 1, so several machines share a fleet without coordinating.
    #[arg(long, value_name = "k/n", default_value = "1/1")]
    shard: String,
    /// Where the JSON report goes (default: DATA_DIR/fleet-report.json).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// How often the one-line summary is printed (on stderr).
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    status_every: String,
    /// An OCPP configuration key set on every station (KEY=VALUE, VALUE as JSON or text;
    /// repeatable), e.g. MeterValueSampleInterval=10.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// How long a stopping station waits for its transaction messages to reach the CSMS.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    drain_timeout: String,
    /// Worker threads of the tokio runtime (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
}

/// A checked fleet, ready to run.
#[derive(Debug)]
struct Plan {
    fleet: FleetSettings,
    ids: IdPattern,
    first: u64,
    count: u64,
    shard: Shard,
    ramp_up: Duration,
    report: PathBuf,
    status_every: Duration,
    threads: Option<u16>,
    config_label: String,
}

/// What [`member::Fleet`] is made of, before the runtime starts.
#[derive(Debug)]
struct FleetSettings {
    template: StationConfig,
    data_dir: PathBuf,
    csms_uri: String,
    store: StoreKind,
    overrides: Vec<(String, serde_json::Value)>,
    scenario: Scenario,
    drain_timeout: Duration,
}

/// `KEY=VALUE` of `--set`: a key of the OCPP configuration, the value as JSON when it reads as
/// JSON, else as text (`true`, `10`, `["log"]`, `Some text`).
fn parse_set(text: &str) -> anyhow::Result<(String, serde_json::Value)> {
    let (key, value) = text
        .split_once('=')
        .with_context(|| format!("--set {text:?}: expected KEY=VALUE"))?;
    let registry = chargepoint::config::Registry::embedded()?;
    if registry.key(key).is_none() {
        bail!("--set {text:?}: {key:?} is not a key of the OCPP configuration");
    }
    if FLEET_KEYS.contains(&key) {
        bail!("--set {text:?}: the fleet sets {key} itself (--id-pattern, --csms)");
    }
    let value =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.into()));
    Ok((key.to_owned(), value))
}

impl Plan {
    fn from_args(args: FleetArgs) -> anyhow::Result<Plan> {
        let ids = IdPattern::parse(&args.id_pattern)?;
        ids.check_range(args.first, args.count)?;
        let shard = Shard::parse(&args.shard)?;
        let ramp_up = parse_duration(&args.ramp_up).context("--ramp-up")?;
        let status_every = parse_duration(&args.status_every).context("--status-every")?;
        if status_every < Duration::from_millis(100) {
            bail!("--status-every: at least 100ms");
        }
        let drain_timeout = parse_duration(&args.drain_timeout).context("--drain-timeout")?;
        let overrides = args
            .set
            .iter()
            .map(|s| parse_set(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut scenario = match (&args.scenario, &args.duration) {
            (Some(_), Some(_)) => bail!(
                "--duration is for a fleet without a scenario: the scenario has its own duration"
            ),
            (Some(path), None) => Scenario::read(path)?,
            (None, duration) => Scenario::idle(
                duration
                    .as_deref()
                    .map(parse_duration)
                    .transpose()
                    .context("--duration")?,
            ),
        };
        if let Some(seed) = args.seed {
            scenario.seed = seed;
        }
        let file = ConfigFile::Path(args.config.clone());
        let template = StationConfig::from_file(&file)
            .with_context(|| format!("cannot load {}", args.config.display()))?;
        let data_dir = args
            .data_dir
            .clone()
            .unwrap_or_else(|| template.settings.data_dir.join("fleet"));
        let message_logs = overrides.iter().any(|(key, _)| key == "LogMessagesFormat");
        check_template(&template, message_logs)?;
        let csms_uri = args.csms.trim().to_owned();
        if csms_uri.to_ascii_lowercase().starts_with("wss://") {
            bail!("--csms {csms_uri:?}: the fleet speaks ws:// only (security profiles 0 and 1): it has no certificates for thousands of stations");
        }
        CsmsUrl::parse(
            &csms_uri,
            &ids.id(args.first),
            SecurityProfile::from_number(0)?,
        )
        .with_context(|| format!("--csms {csms_uri:?}"))?;
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
        let report = args
            .report
            .clone()
            .unwrap_or_else(|| data_dir.join("fleet-report.json"));
        Ok(Plan {
            fleet: FleetSettings {
                template,
                data_dir,
                csms_uri,
                store: args.store,
                overrides,
                scenario,
                drain_timeout,
            },
            ids,
            first: args.first,
            count: args.count,
            shard,
            ramp_up,
            report,
            status_every,
            threads: args.threads,
            config_label: args.config.display().to_string(),
        })
    }
}

/// Refuses a station config whose stations would share files or need what a fleet cannot
/// give each: an OCPP file outside the data dir (every station would write the same one), a
/// security profile with TLS.
fn check_template(template: &StationConfig, message_logs: bool) -> anyhow::Result<()> {
    let module = template
        .modules_of_type(station::module_types::OCPP.name)
        .next()
        .context(
            "the station config has no OCPP module: a fleet station needs one to talk to a CSMS",
        )?;
    let paths = OcppPaths::of(template, &module.id);
    let data_dir = &template.settings.data_dir;
    let mut outputs = vec![("UserConfigPath", &paths.user_config)];
    // The fleet's stations write no message log unless --set LogMessagesFormat asks.
    if message_logs {
        outputs.push(("MessageLogPath", &paths.message_log_dir));
    }
    // No DatabasePath: the stations' stores are the fleet's (fleet.db, or in memory).
    for (name, path) in outputs {
        if !path.starts_with(data_dir) {
            bail!(
                "the OCPP module's {name} is {}, outside settings.data_dir: every fleet station would write there; make it relative",
                path.display(),
            );
        }
    }
    let profile = crate::station::csms_connection(template)?.security_profile;
    if profile >= 2 {
        bail!("the station config's SecurityProfile is {profile}: the fleet runs profiles 0 and 1 only (no TLS certificates for each station)");
    }
    Ok(())
}

/// Runs `ferrocharge fleet`.
#[inline(never)]
pub fn run(args: FleetArgs) -> anyhow::Result<ExitCode> {
    let plan = Plan::from_args(args)?;
    let shared_stores = open_shared_store(&plan.fleet)?;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(threads) = plan.threads {
        builder.worker_threads(usize::from(threads));
    }
    let runtime = builder.build().context("cannot start the tokio runtime")?;
    runtime.block_on(run_plan(plan, shared_stores))
}

/// The stations' stores with `--store sqlite`: the cores' and the PersistentStore modules'.
type SharedStores = Option<(Arc<SharedSqliteDb>, Arc<SharedKvs>)>;

/// With `--store sqlite`: the one file of every station's stores, `DATA_DIR/fleet.db`, opened
/// checked as a station opens its own (an unreadable file is moved aside, reported at error
/// level, and the fleet starts with an empty one: docs/store-recovery.md), then a second
/// connection to it for the PersistentStore modules' values.
fn open_shared_store(settings: &FleetSettings) -> anyhow::Result<SharedStores> {
    if settings.store != StoreKind::Sqlite {
        return Ok(None);
    }
    let path = settings.data_dir.join(FLEET_DB);
    let (db, recovered) = SharedSqliteDb::open_checked(&path, std::time::SystemTime::now().into())
        .with_context(|| format!("cannot open the stations' database {}", path.display()))?;
    if let Some(recovered) = recovered {
        eprintln!(
            "ferrocharge fleet: {} was unreadable, moved aside to {}: {}",
            recovered.file, recovered.moved_to, recovered.what
        );
    }
    let kvs = SharedKvs::open(&path)?;
    Ok(Some((db, kvs)))
}

async fn run_plan(plan: Plan, shared_stores: SharedStores) -> anyhow::Result<ExitCode> {
    let counters = Arc::new(Counters::default());
    let (stop, stopping) = watch::channel(false);
    let began = Instant::now();
    let scenario_start = began + plan.ramp_up;
    let settings = plan.fleet;
    let indices: Vec<u64> = plan.shard.indices(plan.count).collect();
    let stations = indices.len() as u64;
    warn_about_open_files(stations);
    let scenario_duration = settings.scenario.duration;
    let fleet = Arc::new(Fleet {
        template: settings.template,
        data_dir: settings.data_dir,
        csms_uri: settings.csms_uri,
        store: settings.store,
        shared_store: shared_stores.as_ref().map(|(db, _)| db.clone()),
        shared_kvs: shared_stores.map(|(_, kvs)| kvs),
        overrides: settings.overrides,
        scenario: settings.scenario,
        scenario_start,
        counters: counters.clone(),
        stopping,
        drain_timeout: settings.drain_timeout,
        starting: tokio::sync::Semaphore::new(member::STARTING_AT_ONCE),
        shared_document: Arc::default(),
    });
    eprintln!(
        "ferrocharge fleet: {stations} of {} stations ({} to {}, shard {}) of {} to {}, store {:?}, data in {}",
        plan.count,
        plan.ids.id(plan.first + indices.first().copied().unwrap_or(0)),
        plan.ids.id(plan.first + indices.last().copied().unwrap_or(0)),
        plan.shard,
        plan.config_label,
        fleet.csms_uri,
        fleet.store,
        fleet.data_dir.display(),
    );
    let mut members = tokio::task::JoinSet::new();
    for (j, index) in indices.iter().enumerate() {
        let offset = plan.ramp_up.mul_f64(j as f64 / stations.max(1) as f64);
        members.spawn(member::run(
            fleet.clone(),
            *index,
            plan.ids.id(plan.first + index),
            began + offset,
        ));
    }
    // The end: the scenario's, or Ctrl-C / SIGTERM.
    let scenario_end = scenario_start + scenario_duration;
    let ender = tokio::spawn(async move {
        let why = tokio::select! {
            () = tokio::time::sleep_until(scenario_end) => "the scenario ended",
            name = crate::station::stop_signal() => name,
        };
        tracing::info!("{why}: ending the sessions, draining, stopping");
        eprintln!("ferrocharge fleet: {why}: ending the sessions, draining the queues, stopping");
        let _ = stop.send(true);
        // A second signal while draining stops at once.
        crate::station::stop_signal().await;
        std::process::exit(130);
    });
    let mut summary = Summary::new();
    let mut every = tokio::time::interval(plan.status_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tty = std::io::stderr().is_terminal();
    loop {
        tokio::select! {
            _ = every.tick() => {
                let line = summary.line(&counters, stations, began.elapsed());
                let mut err = std::io::stderr().lock();
                let _ = if tty { write!(err, "\r\x1b[K{line}") } else { writeln!(err, "{line}") };
            }
            joined = members.join_next() => match joined {
                Some(Err(e)) => {
                    counters.station_failures.fetch_add(1, Relaxed);
                    tracing::error!(error = %e, "fleet: a station's task failed");
                }
                Some(Ok(())) => {}
                None => break,
            }
        }
    }
    ender.abort();
    let line = summary.line(&counters, stations, began.elapsed());
    eprintln!("{}{line}", if tty { "\r\x1b[K" } else { "" });
    let report = report::Report::of(
        &report::Run {
            config: &plan.config_label,
            csms: &fleet.csms_uri,
            count: plan.count,
            shard: plan.shard,
            stations,
            first_id: plan
                .ids
                .id(plan.first + indices.first().copied().unwrap_or(0)),
            last_id: plan
                .ids
                .id(plan.first + indices.last().copied().unwrap_or(0)),
            store: fleet.store,
            scenario: &fleet.scenario,
            ramp_up: plan.ramp_up,
            elapsed: began.elapsed(),
        },
        &counters,
    );
    let text = serde_json::to_string_pretty(&report)?;
    std::fs::write(&plan.report, format!("{text}\n"))
        .with_context(|| format!("cannot write the report {}", plan.report.display()))?;
    println!("{}", report.summary_text());
    println!("report: {}", plan.report.display());
    Ok(if report.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Says so when the open-file limit looks too low for the stations: each holds its connection;
/// the stores hold one database (and its WAL and shared-memory files) for the whole process, or
/// nothing (`--store memory`).
fn warn_about_open_files(stations: u64) {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|soft| soft.parse::<u64>().ok());
    let need = stations + 64;
    if let Some(limit) = limit.filter(|limit| *limit < need) {
        eprintln!(
            "ferrocharge fleet: warning: {stations} stations need about {need} open files, the limit is {limit} (ulimit -n)"
        );
    }
}

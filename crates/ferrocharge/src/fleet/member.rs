//! One station of the fleet: the same [`Station`] as `ferrocharge run` (core, driver,
//! simulated EVSEs, station loop), started again after a Reset as `run` does, with the
//! scenario's drivers at its connectors going through the same [`StationHandle`] the control
//! API uses.

use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use chargepoint::charge_point::shared_sqlite_store::SharedSqliteDb;
use station::control_api::{
    ControlError, PlugIn, StationControl, StationState, StopTransaction, Token,
};
use station::persistent_store::SharedKvs;
use station::runtime::{BootReason, FrameObserver, StartOptions, Station, StationHandle};
use station::StationConfig;
use tokio::sync::watch;
use tokio::time::Instant;

use super::scenario::Scenario;
use super::stats::{Counters, FrameCounter};

/// Where the fleet's stations keep their core's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// One SQLite file for every station of the process, `DATA_DIR/fleet.db`
    /// ([`SharedSqliteDb`]): each station's rows under its id.
    Sqlite,
    /// Each station's core data in the core's in-memory store: nothing survives the process.
    Memory,
}

/// What every station of the fleet shares.
#[derive(Debug)]
pub struct Fleet {
    /// The station config every station is made from.
    pub template: StationConfig,
    /// Each station's data dir is `<data_dir>/<id>`.
    pub data_dir: PathBuf,
    /// CentralSystemURI.
    pub csms_uri: String,
    /// Where the cores keep their data.
    pub store: StoreKind,
    /// With `--store sqlite`: the file every station's store is a view of.
    pub shared_store: Option<Arc<SharedSqliteDb>>,
    /// With `--store sqlite`: the stations' PersistentStore modules' values, in the same file.
    pub shared_kvs: Option<Arc<SharedKvs>>,
    /// Keys set over every station's OCPP configuration (`--set`).
    pub overrides: Vec<(String, serde_json::Value)>,
    /// What the drivers do.
    pub scenario: Scenario,
    /// The end of the ramp-up: the scenario's times count from here.
    pub scenario_start: Instant,
    /// The counters.
    pub counters: Arc<Counters>,
    /// Becomes true when the fleet ends: sessions end, queues drain, stations stop.
    pub stopping: watch::Receiver<bool>,
    /// How long a stopping station waits for its transaction messages to reach the CSMS.
    pub drain_timeout: Duration,
    /// Stations starting at once (see [`start`]).
    pub starting: tokio::sync::Semaphore,
    /// The OCPP configuration document the stations keep theirs over (set by the first to
    /// start): each keeps only its few keys of its own instead of a whole document.
    pub shared_document: Arc<std::sync::OnceLock<chargepoint::config::SharedDocument>>,
}

/// How many stations start at once: each start waits mostly on its files.
pub const STARTING_AT_ONCE: usize = 16;

/// How long a tag may take to become a transaction (Auth's connection_timeout is 10 s in the
/// shipped configs; the CSMS's answer comes on top), and a connector to be free again.
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(30);

/// The wait before a failed start is tried again.
const RESTART_AFTER: Duration = Duration::from_secs(5);

impl Fleet {
    /// The config of station `id`: the template with its own data dir, without the control
    /// API and without MQTT (thousands of stations cannot each have a port or a broker
    /// session; the fleet drives them through their [`StationHandle`]).
    fn station_config(&self, id: &str) -> StationConfig {
        let mut config = self.template.clone();
        config.settings.data_dir = self.data_dir.join(id);
        config.settings.control_api = None;
        config.settings.control_api_token = None;
        config.settings.mqtt = station::config::MqttSetting::Off;
        // No EVSE session logs: a folder per session of every station, under the path the
        // config names (the shipped SIL configs say /tmp), that nobody reads here.
        let evse_managers = config
            .modules
            .iter_mut()
            .filter(|m| m.type_name() == station::module_types::EVSE_MANAGER.name);
        for module in evse_managers {
            for (name, value) in &mut module.parameters.0 {
                if *name == "session_logging" {
                    *value = station::config::ParamValue::Bool(false);
                }
            }
        }
        config
    }

    fn start_options(&self, id: &str, frames: &Arc<FrameCounter>) -> anyhow::Result<StartOptions> {
        let mut overrides = vec![
            ("ChargePointId".to_owned(), id.into()),
            // Each station its own serial number, as real ones have.
            ("ChargeBoxSerialNumber".to_owned(), id.into()),
            ("CentralSystemURI".to_owned(), self.csms_uri.clone().into()),
            // No message log files per station by default (docs/fleet.md): `--set` may ask.
            ("LogMessagesFormat".to_owned(), serde_json::json!([])),
        ];
        overrides.extend(self.overrides.iter().cloned());
        let store: Box<dyn chargepoint::charge_point::store::Store> =
            match (self.store, &self.shared_store) {
                // The station's rows of the fleet's file: a station started again (a Reset,
                // after a panic) finds its queue and transactions there.
                (StoreKind::Sqlite, Some(db)) => Box::new(db.store_for(id)),
                (StoreKind::Sqlite, None) => {
                    anyhow::bail!("--store sqlite without the fleet's database")
                }
                // The core's own in-memory store: an in-memory SQLite database would cost each
                // station a connection's page cache, lookaside and schema (~200 KB).
                (StoreKind::Memory, _) => {
                    Box::new(chargepoint::charge_point::MemoryStore::default())
                }
            };
        let frames = frames.clone();
        Ok(StartOptions {
            core: station::runtime::ocpp::CoreEmbedding {
                overrides,
                store: Some(store),
                shared_document: Some(self.shared_document.clone()),
            },
            frame_observer: Some(FrameObserver(Arc::new(move |sent, text| {
                frames.frame(sent, text);
            }))),
            keep_frames: false,
            event_buffer: Some(1),
            persistent_stores: self.shared_kvs.clone(),
        })
    }
}

/// Runs station number `index` (`id`) from `start_at` until the fleet stops.
pub async fn run(fleet: Arc<Fleet>, index: u64, id: String, start_at: Instant) {
    let mut stopping = fleet.stopping.clone();
    tokio::select! {
        () = tokio::time::sleep_until(start_at) => {}
        _ = stopping.wait_for(|s| *s) => return,
    }
    let (handles, handle_rx) = watch::channel::<Option<StationHandle>>(None);
    let connectors = fleet
        .template
        .evses
        .iter()
        .map(|e| e.id)
        .collect::<Vec<_>>();
    let mut drivers = tokio::task::JoinSet::new();
    for (n, connector) in connectors.iter().enumerate() {
        let seed = fleet
            .scenario
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(index.wrapping_mul(1_000_003))
            .wrapping_add(n as u64);
        let slot = index
            .wrapping_mul(connectors.len() as u64)
            .wrapping_add(n as u64);
        drivers.spawn(sessions(
            fleet.clone(),
            handle_rx.clone(),
            *connector,
            starts_at_once(slot, fleet.scenario.sessions_at_start),
            fastrand::Rng::with_seed(seed),
        ));
    }
    drivers.spawn(offline_windows(fleet.clone(), handle_rx.clone(), index));
    // The drivers end their sessions when the fleet stops; the station drains and stops after.
    let (drivers_done_tx, drivers_done) = watch::channel(false);
    let drivers_task = tokio::spawn(async move {
        while drivers.join_next().await.is_some() {}
        let _ = drivers_done_tx.send(true);
    });
    let frames = Arc::new(FrameCounter::new(fleet.counters.clone()));
    // Across restarts (a Reset): the station counts once among those ever booted.
    let booted_once = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut reason = BootReason::PowerUp;
    loop {
        if *stopping.borrow() && reason == BootReason::PowerUp {
            break;
        }
        let started = start(&fleet, &id, &frames, reason).await;
        let station = match started {
            Ok(station) => station,
            Err(e) => {
                fleet.counters.start_failures.fetch_add(1, Relaxed);
                tracing::error!(station = %id, error = %format!("{e:#}"), "fleet: the station did not start; trying again");
                tokio::select! {
                    () = tokio::time::sleep(RESTART_AFTER) => continue,
                    _ = stopping.wait_for(|s| *s) => break,
                }
            }
        };
        fleet.counters.started.fetch_add(1, Relaxed);
        let handle = station.handle();
        tokio::spawn(watch_state(
            fleet.counters.clone(),
            handle.watch_state(),
            booted_once.clone(),
        ));
        let closer = tokio::spawn(close_when_stopping(
            fleet.clone(),
            handle.clone(),
            drivers_done.clone(),
        ));
        handles.send_replace(Some(handle));
        // The station loop in its own task: a panic in it ends this station, not the fleet.
        let exit = tokio::spawn(station.run()).await;
        closer.abort();
        handles.send_replace(None);
        match exit {
            Ok(exit) => match exit.restart_reason() {
                Some(again) if !*stopping.borrow() => reason = again,
                _ => break,
            },
            Err(e) => {
                fleet.counters.station_failures.fetch_add(1, Relaxed);
                tracing::error!(station = %id, error = %e, "fleet: the station failed; starting it again");
                reason = BootReason::PowerUp;
                if *stopping.borrow() {
                    break;
                }
            }
        }
    }
    drop(handles);
    let _ = drivers_task.await;
}

/// Starts station `id`. A start reads and writes files (the OCPP configuration, the user
/// config with the keys the fleet sets, the store): it runs on tokio's blocking
/// threads, at most [`Fleet::starting`]'s permits at a time, so that a ramp-up of thousands
/// never stalls the runtime's workers, which carry every running station's connection.
async fn start(
    fleet: &Arc<Fleet>,
    id: &str,
    frames: &Arc<FrameCounter>,
    reason: BootReason,
) -> anyhow::Result<Station> {
    let _permit = fleet.starting.acquire().await?;
    let config = fleet.station_config(id);
    let options = fleet.start_options(id, frames)?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(Station::start_embedded(&config, reason, options))
    })
    .await?
    .map_err(anyhow::Error::from)
}

/// What the state of one station adds to the fleet's gauges.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Seen {
    connected: bool,
    booted: bool,
    /// Connectors with a transaction, as a bit set by connector position (up to 64).
    transactions: u64,
}

fn seen(state: &StationState) -> Seen {
    let mut transactions = 0u64;
    for (i, c) in state.connectors.iter().enumerate().take(64) {
        if c.transaction_id.is_some() || c.transaction.is_some() {
            transactions |= 1 << i;
        }
    }
    Seen {
        connected: state.ocpp.connected,
        booted: state.ocpp.connected
            && state.ocpp.registration == Some(ocpp_types::core::RegistrationStatus::Accepted),
        transactions,
    }
}

/// Follows one run of a station: the fleet's gauges and its transactions' starts and ends.
async fn watch_state(
    counters: Arc<Counters>,
    mut state: watch::Receiver<StationState>,
    booted_once: Arc<std::sync::atomic::AtomicBool>,
) {
    let mut before = Seen::default();
    loop {
        let now = seen(&state.borrow_and_update());
        apply(&counters, before, now);
        if now.booted && !booted_once.swap(true, Relaxed) {
            counters.ever_booted.fetch_add(1, Relaxed);
        }
        before = now;
        if state.changed().await.is_err() {
            break;
        }
    }
    // The run ended: what it showed ends with it (a transaction still open is the next run's,
    // resumed from the store, or lost with a memory store: counted as ended here).
    apply(&counters, before, Seen::default());
}

fn apply(c: &Counters, before: Seen, now: Seen) {
    let delta = |b: bool, n: bool| i64::from(n) - i64::from(b);
    c.connected
        .fetch_add(delta(before.connected, now.connected), Relaxed);
    c.booted
        .fetch_add(delta(before.booted, now.booted), Relaxed);
    let started = (now.transactions & !before.transactions).count_ones();
    let ended = (before.transactions & !now.transactions).count_ones();
    c.transactions_started
        .fetch_add(u64::from(started), Relaxed);
    c.transactions_ended.fetch_add(u64::from(ended), Relaxed);
    c.running(i64::from(started) - i64::from(ended));
}

/// When the fleet stops: ends the sessions the drivers leave (they end their own), waits
/// until the station has no transaction and its transaction messages reached the CSMS (at most
/// the drain timeout), then stops it as `station/stop` does.
async fn close_when_stopping(
    fleet: Arc<Fleet>,
    handle: StationHandle,
    mut drivers_done: watch::Receiver<bool>,
) {
    let mut stopping = fleet.stopping.clone();
    if stopping.wait_for(|s| *s).await.is_err() {
        return;
    }
    // A closed channel: the drivers are gone as well.
    let _ = drivers_done.wait_for(|d| *d).await;
    let mut state = handle.watch_state();
    if state.borrow().ocpp.offline_requested {
        let _ = handle.ocpp_connect().await;
    }
    let drained = tokio::time::timeout(
        fleet.drain_timeout,
        state.wait_for(|s| {
            s.ocpp.queued == 0
                && s.connectors
                    .iter()
                    .all(|c| c.transaction_id.is_none() && c.transaction.is_none())
        }),
    )
    .await
    .is_ok();
    if !drained {
        tracing::warn!(
            station = %handle.state().ocpp.charge_point_id,
            "fleet: transaction messages still queued at the drain timeout"
        );
    }
    if let Err(e) = handle.stop().await {
        tracing::warn!(error = %e, "fleet: the station did not take the stop");
    }
}

/// The current handle, once the station runs.
/// The current handle, once the station runs; `None` when the fleet stops first.
async fn current(
    handles: &mut watch::Receiver<Option<StationHandle>>,
    stopping: &mut watch::Receiver<bool>,
) -> Option<StationHandle> {
    tokio::select! {
        h = handles.wait_for(Option::is_some) => h.ok().and_then(|h| h.clone()),
        _ = stopping.wait_for(|s| *s) => None,
    }
}

/// The sessions at one connector until the scenario's end.
async fn sessions(
    fleet: Arc<Fleet>,
    mut handles: watch::Receiver<Option<StationHandle>>,
    connector: u32,
    mut first: bool,
    mut rng: fastrand::Rng,
) {
    let scenario = &fleet.scenario;
    let end = fleet.scenario_start + scenario.duration;
    let mut stopping = fleet.stopping.clone();
    if scenario.sessions_per_hour <= 0.0 && !first {
        return;
    }
    loop {
        let wait = if first {
            Duration::ZERO
        } else if scenario.sessions_per_hour > 0.0 {
            // Poisson arrivals: exponential gaps of mean 1/rate.
            let mean = 3600.0 / scenario.sessions_per_hour;
            Duration::from_secs_f64(-mean * (1.0 - rng.f64()).ln())
        } else {
            return;
        };
        let at = (Instant::now() + wait).max(if first {
            Instant::now()
        } else {
            fleet.scenario_start
        });
        if at >= end {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep_until(at) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        let Some(handle) = current(&mut handles, &mut stopping).await else {
            return;
        };
        if first {
            // The share that starts at once starts once its station is booted.
            let mut state = handle.watch_state();
            tokio::select! {
                r = state.wait_for(|s| seen(s).booted) => if r.is_err() { continue },
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
        first = false;
        let tag = scenario.tags[rng.usize(..scenario.tags.len())].clone();
        let (min, max) = scenario.session_length;
        let length = min + (max - min).mul_f64(rng.f64());
        // Boxed: its state (the orders it awaits) is large and lives only while a car is
        // there, while this task lives as long as the fleet.
        Box::pin(session(&fleet, &handle, connector, tag, length)).await;
        if *stopping.borrow() {
            return;
        }
    }
}

/// Whether the connector in `slot` (its place among all the fleet's connectors, station by
/// station) starts a session once booted: `share` of the slots, spread evenly, so that any run
/// of N slots has floor(N × share) or one more. A draw per connector would make the sessions
/// running at once vary from run to run (969 of an expected 1,000 in a bench run).
fn starts_at_once(slot: u64, share: f64) -> bool {
    let below = |slot: u64| (slot as f64 * share).floor();
    below(slot.saturating_add(1)) > below(slot)
}

/// One session: plug in, present the tag, charge for `length` (or until the fleet stops),
/// stop with the tag's owner's Local stop, unplug.
async fn session(
    fleet: &Fleet,
    handle: &StationHandle,
    connector: u32,
    tag: String,
    length: Duration,
) {
    let c = &fleet.counters;
    let mut state = handle.watch_state();
    let mut stopping = fleet.stopping.clone();
    // The last session's end may still be on its way through the core (the StopTransaction,
    // the unplug): the next car comes once the connector is free.
    let free = |s: &StationState| {
        s.connectors
            .iter()
            .find(|x| x.id == connector)
            .is_some_and(|x| !x.plugged && x.transaction_id.is_none() && x.transaction.is_none())
    };
    tokio::select! {
        r = tokio::time::timeout(TRANSACTION_TIMEOUT, state.wait_for(|s| free(s))) => {
            if !r.is_ok_and(|r| r.is_ok()) {
                return;
            }
        }
        _ = stopping.wait_for(|s| *s) => return,
    }
    c.sessions_begun.fetch_add(1, Relaxed);
    let station_id = handle.state().ocpp.charge_point_id;
    let refused = |what: &str, e: &dyn std::fmt::Display| {
        c.refused_orders.fetch_add(1, Relaxed);
        tracing::warn!(station = %station_id, connector, error = %e, "fleet: {what} refused");
    };
    let plug = PlugIn {
        max_current_a: fleet.scenario.car_max_current_a,
        phases: fleet.scenario.car_phases,
        mode: None,
        payment: None,
    };
    if let Err(e) = taken(handle.plug_in(connector, plug).await) {
        refused("plug in", &e);
        return;
    }
    let token = Token {
        id_tag: Some(tag),
        connectors: Some(vec![connector]),
        prevalidated: false,
        provider: None,
    };
    if let Err(e) = taken(handle.token(token).await) {
        refused("token", &e);
        let _ = handle.unplug(connector).await;
        return;
    }
    let has_transaction = |s: &StationState| {
        s.connectors
            .iter()
            .find(|x| x.id == connector)
            .is_some_and(|x| x.transaction_id.is_some() || x.transaction.is_some())
    };
    // Not cut short by the fleet's end: the tag is on its way, its transaction is stopped
    // once it started, so that every session ends with a transaction or without one.
    let started = tokio::time::timeout(TRANSACTION_TIMEOUT, state.wait_for(|s| has_transaction(s)))
        .await
        .is_ok_and(|r| r.is_ok());
    if started {
        tokio::select! {
            () = tokio::time::sleep(length) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
        let stop = StopTransaction {
            reason: "Local".to_owned(),
        };
        if let Err(e) = handle.stop_transaction(connector, stop).await {
            // Already ended (a Reset, the CSMS's RemoteStop): nothing to stop.
            tracing::debug!(connector, error = %e, "fleet: stop");
        }
    } else {
        c.sessions_without_transaction.fetch_add(1, Relaxed);
    }
    if let Err(e) = taken(handle.unplug(connector).await) {
        refused("unplug", &e);
    }
    // The session is over once the core's transaction is (StopTransaction queued).
    let _ =
        tokio::time::timeout(TRANSACTION_TIMEOUT, state.wait_for(|s| !has_transaction(s))).await;
}

/// An order's answer, a timeout counting as taken: the station took the order and did not
/// show it done in the control API's time (a loaded machine, a slow CSMS); what follows waits
/// on the state, which tells.
fn taken(answer: Result<station::control_api::Outcome, ControlError>) -> Result<(), ControlError> {
    match answer {
        Ok(_) | Err(ControlError::Timeout(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The scenario's offline windows this station is picked for (by the seed and its index).
async fn offline_windows(
    fleet: Arc<Fleet>,
    mut handles: watch::Receiver<Option<StationHandle>>,
    index: u64,
) {
    let mut rng =
        fastrand::Rng::with_seed(fleet.scenario.seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    let mine: Vec<_> = fleet
        .scenario
        .offline_windows
        .iter()
        .filter(|w| rng.f64() < w.share)
        .cloned()
        .collect();
    let mut stopping = fleet.stopping.clone();
    for window in mine {
        let from = fleet.scenario_start + window.after;
        tokio::select! {
            () = tokio::time::sleep_until(from) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        let Some(handle) = current(&mut handles, &mut stopping).await else {
            return;
        };
        if handle.ocpp_disconnect().await.is_ok() {
            fleet.counters.offline_windows.fetch_add(1, Relaxed);
        }
        tokio::select! {
            () = tokio::time::sleep(window.lasts) => {}
            _ = stopping.wait_for(|s| *s) => {}
        }
        // The station may have restarted meanwhile: the handle of now.
        let now = handles.borrow().clone();
        if let Some(handle) = now {
            let _ = handle.ocpp_connect().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::starts_at_once;

    fn count(slots: std::ops::Range<u64>, share: f64) -> usize {
        slots.filter(|s| starts_at_once(*s, share)).count()
    }

    #[test]
    fn the_share_that_starts_at_once_is_exact_and_spread() {
        assert_eq!(count(0..10_000, 0.1), 1_000);
        assert_eq!(count(0..10_000, 0.0), 0);
        assert_eq!(count(0..10_000, 1.0), 10_000);
        assert_eq!(count(0..8, 0.25), 2);
        // Any run of slots (a shard, a later first station): the share, within one.
        for start in [1, 7, 333, 9_999] {
            let n = count(start..start + 1_000, 0.1);
            assert!(n == 100 || n == 101, "{start}: {n}");
        }
        // Spread: no two of a share of 0.1 in ten slots in a row.
        let first: Vec<u64> = (0..40).filter(|s| starts_at_once(*s, 0.1)).collect();
        assert_eq!(first, [9, 19, 29, 39]);
    }
}

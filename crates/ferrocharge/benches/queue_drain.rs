//! The offline queue drained on reconnect, over the real stack on 127.0.0.1 (DESIGN.md §9):
//!
//!     cargo bench -p ferrocharge --bench queue_drain              # SqliteStore, then MemoryStore
//!     cargo bench -p ferrocharge --bench queue_drain -- sqlite    # or: memory
//!
//! 1. A charge point (the sans-IO core, one connector, the shipped OCPP configuration) with
//!    no CSMS reachable produces 10,000 transaction-related messages through its public API:
//!    100 charging sessions, each StartTransaction, 98 MeterValues (Sample.Periodic,
//!    Energy.Active.Import.Register and SoC, every MeterValueSampleInterval = 60 s) and
//!    StopTransaction (with its transactionData). The sessions are hours of charging, so the
//!    core is driven directly with a fake clock (its timers are what produce MeterValues;
//!    the clock is only ever passed in), before the driver takes it over. Nothing is
//!    answered, so the queue holds all 10,000, in the store too.
//! 2. The tokio driver takes the core over and tries to connect over ocpp-ws: nothing
//!    listens (one failed attempt is awaited).
//! 3. The dev CSMS (crate `csms`, which answers every CALL at once from its handlers) comes
//!    up on that port; the driver reconnects, BootNotification is Accepted, and the queue
//!    drains, one CALL at a time as OCPP-J wants.
//!
//! Measured: from the moment BootNotification.conf Accepted reaches the charge point until
//! the CALLRESULT of the last queued message does, watched on the driver's frame log. Also
//! printed: how long step 1 took. With SQLite every store write is one commit, so one fsync:
//! the difference to the in-memory store is what they cost.
//!
//! After each run, this machine's floor for it ([`common::floor`]): as many bare round trips
//! over TCP on 127.0.0.1 with, for SQLite, one `fdatasync`ed 4 KiB write after each answer;
//! and for SQLite what the store's removes cost alone (2,000 `remove_message`, one commit
//! each).
//!
//! Checked after each run: the charge point sent exactly the 10,000 messages, once each, in the
//! order queued; the CSMS recorded 100 transactions (ids 1..=100 in order) with every meter
//! value and meterStop as produced; the queue and the store are empty.
//!
//! CSMS and charge point share one tokio multi-thread runtime (one worker per core), as in
//! `ferrocharge sil`. Logging: warn and up on stderr; RUST_LOG=info shows every message
//! (and slows the run).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use chargepoint::charge_point::{
    ChargePoint, EnergyFlow, MeasuredValue, MeterReading, Now, StationEvent, StoredMessage,
};
use chargepoint::driver::{self, Driver, DriverSettings, FrameDirection, Notice};
use common::{figure, secs, StoreKind, CHARGE_POINT_ID};
use csms::{Csms, CsmsOptions};
use ocpp_types::core::Reason;
use ocpp_types::id_tag::IdToken;
use ocpp_types::meter::Measurand;
use ocpp_types::{Action, DateTime};
use serde_json::{json, Value};

const BENCH: &str = "queue_drain";
/// Messages removed from the store alone ([`store_removes`]).
const STORE_REMOVES: usize = 2_000;
/// Charging sessions produced offline.
const TRANSACTIONS: usize = 100;
/// MeterValues per session: with its StartTransaction and StopTransaction, 100 messages.
const SAMPLES: usize = 98;
/// The messages queued: 10,000.
const MESSAGES: usize = TRANSACTIONS * (SAMPLES + 2);
/// MeterValueSampleInterval of the configuration.
const SAMPLE_INTERVAL: Duration = Duration::from_secs(60);
/// Between two sessions.
const PAUSE: Duration = Duration::from_secs(600);
/// Energy charged per sample interval (11 kW for a minute), Wh.
const WH_PER_SAMPLE: i32 = 183;
/// No step of a run may take longer.
const GUARD: Duration = Duration::from_secs(900);

fn main() {
    common::init_logging();
    common::print_machine();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for kind in StoreKind::selected() {
        runtime.block_on(run(kind));
        floor(kind);
    }
}

/// What the drain's one durable write per message costs alone: [`STORE_REMOVES`] queued
/// MeterValues removed from a fresh SQLite store as shipped, one `remove_message` (one
/// commit) each, as the drain removes an answered message.
fn store_removes(dir: &std::path::Path) {
    let mut store = StoreKind::Sqlite.open(dir);
    let payload = json!({"connectorId": 1, "transactionId": 1, "meterValue": [{
        "timestamp": "2026-12-07T05:00:00.000Z",
        "sampledValue": [{"value": "1000", "measurand": "Energy.Active.Import.Register"}]
    }]});
    let messages: Vec<StoredMessage> = (1..=STORE_REMOVES as u64)
        .map(|key| StoredMessage {
            key,
            action: Action::MeterValues,
            payload: payload.clone(),
            attempts: 0,
            starts_transaction: None,
        })
        .collect();
    store.save_messages(&messages).expect("the messages stored");
    let started = Instant::now();
    for message in &messages {
        store
            .remove_message(message.key)
            .expect("the message removed");
    }
    figure(
        BENCH,
        "sqlite",
        "the store alone (remove_message, one commit each)",
        format!(
            "{:.0}",
            STORE_REMOVES as f64 / started.elapsed().as_secs_f64()
        ),
        "removes/s",
    );
}

/// This machine's floor for the drain just measured ([`common::floor`]): the same number of
/// bare round trips on 127.0.0.1, each followed, for SQLite, by one synced 4 KiB write on the
/// store's disk, and nothing else.
fn floor(kind: StoreKind) {
    let dir = common::scratch_dir();
    let sync_to = (kind == StoreKind::Sqlite).then(|| dir.path());
    let floor = common::floor::round_trips(MESSAGES, sync_to);
    if kind == StoreKind::Sqlite {
        store_removes(dir.path());
    }
    figure(
        BENCH,
        kind.name(),
        if sync_to.is_some() {
            "floor (bare round trip + fdatasync each)"
        } else {
            "floor (bare round trip each)"
        },
        format!("{:.0}", floor.rate),
        "msg/s",
    );
}

/// The energy register of session `tx` at sample `s` (0: start, SAMPLES + 1: stop), Wh.
fn energy_wh(tx: usize, s: usize) -> i32 {
    1_000 + tx as i32 * 100_000 + s as i32 * WH_PER_SAMPLE
}

fn reading(wh: i32, soc: f64) -> MeterReading {
    MeterReading {
        values: vec![
            MeasuredValue::new(Measurand::EnergyActiveImportRegister, f64::from(wh)),
            MeasuredValue::new(Measurand::PowerActiveImport, 11_000.0),
            MeasuredValue::new(Measurand::SoC, soc),
        ],
    }
}

/// Step 1: the sessions, on a fake clock that starts at the real one (monotonic) and ends
/// about now (wall clock).
fn fill(cp: &mut ChargePoint) {
    let per_session = SAMPLE_INTERVAL * (SAMPLES as u32 + 1) + PAUSE;
    let span = per_session * TRANSACTIONS as u32;
    let real = driver::now();
    let mut now = Now {
        instant: real.instant,
        utc: DateTime::from_unix_millis(real.utc.unix_millis() - span.as_millis() as i64)
            .expect("a wall-clock time"),
    };
    let advance = |now: &mut Now, by: Duration| {
        now.instant += by;
        now.utc = DateTime::from_unix_millis(now.utc.unix_millis() + by.as_millis() as i64)
            .expect("a wall-clock time");
    };
    let id_tag = IdToken::new("DEADBEEF").expect("a valid idTag");
    for tx in 0..TRANSACTIONS {
        let reading_at = |s: usize| StationEvent::MeterReading {
            connector: 1,
            reading: reading(energy_wh(tx, s), 20.0 + 0.5 * s as f64),
        };
        cp.handle_station_event(StationEvent::PluggedIn { connector: 1 }, now);
        cp.handle_station_event(reading_at(0), now);
        let start = StationEvent::TransactionStarted {
            connector: 1,
            id_tag: id_tag.clone(),
            meter_start_wh: energy_wh(tx, 0),
            reservation_id: None,
        };
        cp.handle_station_event(start, now);
        let charging = StationEvent::EnergyFlow {
            connector: 1,
            state: EnergyFlow::Charging,
        };
        cp.handle_station_event(charging, now);
        // The core's sampling timer makes one MeterValues per MeterValueSampleInterval.
        for s in 1..=SAMPLES {
            advance(&mut now, SAMPLE_INTERVAL);
            cp.handle_station_event(reading_at(s), now);
            cp.handle_timeout(now);
        }
        advance(&mut now, SAMPLE_INTERVAL);
        cp.handle_station_event(reading_at(SAMPLES + 1), now);
        let stop = StationEvent::TransactionStopped {
            connector: 1,
            meter_stop_wh: energy_wh(tx, SAMPLES + 1),
            reason: Reason::EVDisconnected,
            id_tag: None,
        };
        cp.handle_station_event(stop, now);
        cp.handle_station_event(StationEvent::Unplugged { connector: 1 }, now);
        advance(&mut now, PAUSE);
        cp.handle_timeout(now);
        while cp.poll_command().is_some() {}
        assert_eq!(cp.poll_transmit(now), None, "offline: nothing is sent");
        assert_eq!(
            cp.queued_transaction_messages(),
            (tx + 1) * (SAMPLES + 2),
            "every message of session {tx} is queued (none dropped)"
        );
    }
}

/// What the frame log shows: the transaction messages sent, in order, and when the first
/// and the last answer arrived.
struct Watch {
    /// The CALL in flight (one at a time): its id and action.
    in_flight: Option<(String, String)>,
    /// Every transaction-related CALL sent, in order.
    sent: Vec<String>,
    answered: usize,
    accepted_at: Option<Instant>,
    done_at: Option<Instant>,
}

fn is_transactional(action: &str) -> bool {
    matches!(
        action,
        "StartTransaction" | "MeterValues" | "StopTransaction"
    )
}

impl Watch {
    fn new() -> Watch {
        Watch {
            in_flight: None,
            sent: Vec::new(),
            answered: 0,
            accepted_at: None,
            done_at: None,
        }
    }

    /// Looks at one frame: `[2,"id","Action",{...}]` sent, `[3,"id",{...}]` received.
    /// Only the envelope is split (ids and action names have no quotes), so watching costs
    /// next to nothing.
    fn frame(&mut self, direction: FrameDirection, text: &str) {
        let mut parts = text.split('"');
        let kind = parts.next().unwrap_or_default();
        let id = parts.next().unwrap_or_default();
        match (direction, kind) {
            (FrameDirection::Sent, "[2,") => {
                let action = parts.nth(1).unwrap_or_default();
                if is_transactional(action) {
                    self.sent.push(action.to_owned());
                }
                self.in_flight = Some((id.to_owned(), action.to_owned()));
            }
            (FrameDirection::Received, "[3,") => {
                let Some((flight, action)) = self.in_flight.take() else {
                    return;
                };
                if flight != id {
                    self.in_flight = Some((flight, action));
                    return;
                }
                if action == "BootNotification" && text.contains(r#""status":"Accepted""#) {
                    self.accepted_at.get_or_insert_with(Instant::now);
                } else if is_transactional(&action) {
                    self.answered += 1;
                    if self.answered == MESSAGES {
                        self.done_at = Some(Instant::now());
                    }
                }
            }
            _ => {}
        }
    }
}

async fn run(kind: StoreKind) {
    let variant = kind.name();
    let dir = common::scratch_dir();
    let reserved = common::reserve_port();
    let port = reserved.local_addr().expect("a bound port").port();
    // The shipped sampling settings, pinned: the checks below rely on them.
    let sampling = json!({"Core": {
        "MeterValueSampleInterval": SAMPLE_INTERVAL.as_secs(),
        "MeterValuesSampledData": "Energy.Active.Import.Register,SoC",
        "StopTxnSampledData": "Energy.Active.Import.Register"
    }});
    let mut cp = common::charge_point(port, kind.open(dir.path()), sampling);

    let started = Instant::now();
    fill(&mut cp);
    let filled = started.elapsed();
    assert_eq!(cp.queued_transaction_messages(), MESSAGES);
    let stored = cp.store().messages().expect("the store reads").len();
    assert_eq!(stored, MESSAGES, "every queued message is in the store");
    figure(BENCH, variant, "messages queued offline", MESSAGES, "");
    figure(BENCH, variant, "fill time", secs(filled), "s");
    figure(
        BENCH,
        variant,
        "fill rate",
        format!("{:.0}", MESSAGES as f64 / filled.as_secs_f64()),
        "msg/s",
    );

    // Step 2: the driver, with nothing to connect to.
    eprintln!("{BENCH}/{variant}: no CSMS listens yet, a failed connection attempt is expected");
    drop(reserved);
    let (driver, link) = Driver::start(cp, DriverSettings::default()).expect("the driver starts");
    let driver = tokio::spawn(driver.run());
    let chargepoint::driver::StationLink {
        events,
        commands,
        mut notices,
        mut frames,
        online: _online,
        core: _core,
    } = link;
    tokio::time::timeout(GUARD, async {
        while let Some(notice) = notices.recv().await {
            if matches!(*notice, Notice::ConnectFailed { .. }) {
                return;
            }
        }
        panic!("the driver ended");
    })
    .await
    .expect("a failed connection attempt while no CSMS listens");

    // The frame log is watched from a thread of its own, woken by the OS as each frame comes:
    // a task would share the runtime's two workers with the driver and the CSMS and could
    // see the frames late under load.
    let (report, watched) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut watch = Watch::new();
        while watch.done_at.is_none() {
            let Some(frame) = frames.blocking_recv() else {
                break;
            };
            watch.frame(frame.direction, &frame.text);
        }
        let _ = report.send(watch);
    });

    // Step 3: the CSMS comes up; the queue drains.
    let csms = Csms::bind(CsmsOptions {
        listen: ([127, 0, 0, 1], port).into(),
        ..CsmsOptions::default()
    })
    .await
    .expect("the dev CSMS binds the port");
    let watch = tokio::time::timeout(GUARD, watched)
        .await
        .expect("drained in time")
        .expect("the watcher reports");
    let accepted = watch.accepted_at.expect("BootNotification Accepted first");
    let done = watch
        .done_at
        .unwrap_or_else(|| panic!("the driver ended after {} answers", watch.answered));
    let drained = done - accepted;
    figure(BENCH, variant, "drain time", secs(drained), "s");
    figure(
        BENCH,
        variant,
        "drain rate",
        format!("{:.0}", MESSAGES as f64 / drained.as_secs_f64()),
        "msg/s",
    );
    check_sent(&watch.sent);
    check_csms(&csms);
    drop(events);
    let stopped = tokio::time::timeout(GUARD, driver)
        .await
        .expect("the driver stops")
        .expect("the driver did not panic");
    let cp = stopped.charge_point;
    assert_eq!(cp.queued_transaction_messages(), 0, "the queue is empty");
    let left = cp.store().messages().expect("the store reads");
    assert!(left.is_empty(), "the store's queue is empty: {left:?}");
    drop(commands);
    drop(csms);
}

/// The charge point sent each message once, sessions in order, each Start, Samples, Stop.
fn check_sent(sent: &[String]) {
    assert_eq!(
        sent.len(),
        MESSAGES,
        "each queued message is sent exactly once"
    );
    for (tx, session) in sent.chunks(SAMPLES + 2).enumerate() {
        assert_eq!(session[0], "StartTransaction", "session {tx} begins");
        assert!(
            session[1..=SAMPLES].iter().all(|a| a == "MeterValues"),
            "session {tx}: its MeterValues"
        );
        assert_eq!(session[SAMPLES + 1], "StopTransaction", "session {tx} ends");
    }
}

/// The CSMS recorded every session as produced: transaction ids in arrival order, meterStart,
/// the 98 MeterValues in order, then transactionData, and meterStop.
fn check_csms(csms: &Csms) {
    let state = csms.state();
    let transactions: Vec<_> = state.transactions_of(CHARGE_POINT_ID).collect();
    assert_eq!(
        transactions.len(),
        TRANSACTIONS,
        "one transaction per session"
    );
    let loose = &state.charge_points[CHARGE_POINT_ID].meter_values;
    assert!(loose.is_empty(), "no meter value outside a transaction");
    let mut last_start = None;
    for (tx, t) in transactions.iter().enumerate() {
        assert_eq!(
            t.id,
            tx as i32 + 1,
            "transaction ids in the order sessions ran"
        );
        assert_eq!(t.meter_start, energy_wh(tx, 0));
        assert!(last_start < Some(t.started), "sessions in time order");
        last_start = Some(t.started);
        let stop = t.stop.as_ref().expect("every session was stopped");
        assert_eq!(stop.meter_stop, energy_wh(tx, SAMPLES + 1));
        // MeterValues first (each with energy and SoC), then StopTransaction's
        // transactionData: Transaction.Begin, the samples, Transaction.End.
        let values: Value = serde_json::to_value(&t.meter_values).expect("meter values as JSON");
        let values = values.as_array().expect("a list");
        assert_eq!(values.len(), SAMPLES + SAMPLES + 2, "transaction {}", t.id);
        for (i, value) in values[..SAMPLES].iter().enumerate() {
            let sampled = &value["sampledValue"];
            assert_eq!(
                sampled[0]["value"],
                json!(energy_wh(tx, i + 1).to_string()),
                "MeterValues {i} of transaction {} in order",
                t.id
            );
            assert_eq!(sampled[0]["context"], "Sample.Periodic");
            assert_eq!(sampled[1]["measurand"], "SoC");
        }
        assert_eq!(
            values[SAMPLES]["sampledValue"][0]["context"],
            "Transaction.Begin"
        );
        assert_eq!(
            values[values.len() - 1]["sampledValue"][0]["context"],
            "Transaction.End"
        );
    }
}

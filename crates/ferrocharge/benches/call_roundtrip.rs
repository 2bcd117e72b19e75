//! CSMS-initiated CALL round trips on 127.0.0.1, over the real stack (DESIGN.md §9):
//!
//!     cargo bench -p ferrocharge --bench call_roundtrip              # SqliteStore, then MemoryStore
//!     cargo bench -p ferrocharge --bench call_roundtrip -- sqlite    # or: memory
//!
//! A charge point (the sans-IO core with its store, the tokio driver, ocpp-ws) connects to the
//! dev CSMS (crate `csms`) and registers; once its StatusNotifications are answered, the CSMS
//! sends GetConfiguration(key = [HeartbeatInterval]) through its API ([`Csms::call`]), one
//! after the other, each waiting for its CALLRESULT: 1,000 to warm up, then 20,000 timed.
//!
//! A round trip is what a caller of `Csms::call` sees: the CALL handed to the session task,
//! encoded and sent, received by the charge point's transport task, handed to the driver,
//! decoded and answered by the core, the CALLRESULT sent back, decoded and matched by the
//! CSMS, and the answer handed back to the caller. GetConfiguration touches no store, so both
//! store kinds should measure the same; the SQLite one is the station's setup.
//!
//! Printed: round trips per second, and the latency of one round trip (p50, p90, p99, max).
//! CSMS and charge point share one tokio multi-thread runtime (one worker per core), as in
//! `ferrocharge sil`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use chargepoint::driver::{Driver, DriverSettings};
use common::{figure, StoreKind, CHARGE_POINT_ID};
use csms::{Csms, CsmsOptions};
use ocpp_types::core::GetConfigurationRequest;
use ocpp_types::{AnyRequest, AnyResponse, CiString50};
use serde_json::json;

const BENCH: &str = "call_roundtrip";
const WARM_UP: usize = 1_000;
const ROUND_TRIPS: usize = 20_000;
/// No step of a run may take longer.
const GUARD: Duration = Duration::from_secs(300);

fn main() {
    common::init_logging();
    common::print_machine();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    for kind in StoreKind::selected() {
        runtime.block_on(run(kind));
    }
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

async fn run(kind: StoreKind) {
    let variant = kind.name();
    let dir = common::scratch_dir();
    let csms = Csms::bind(CsmsOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        ..CsmsOptions::default()
    })
    .await
    .expect("the dev CSMS binds");
    let store = kind.open(dir.path());
    let cp = common::charge_point(csms.local_addr().port(), store, json!({}));
    let (driver, link) = Driver::start(cp, DriverSettings::default()).expect("the driver starts");
    let driver = tokio::spawn(driver.run());
    let chargepoint::driver::StationLink {
        events,
        mut commands,
        notices,
        mut frames,
        online: _online,
        core: _core,
    } = link;
    // A station reads its frame log (for its message logs) and its commands: so does this one.
    let station = tokio::spawn(async move {
        loop {
            tokio::select! {
                frame = frames.recv() => if frame.is_none() { break },
                command = commands.recv() => if command.is_none() { break },
            }
        }
    });
    drop(notices);

    // Registered, and the StatusNotifications of connectors 0 and 1 answered.
    tokio::time::timeout(GUARD, async {
        loop {
            let state = csms.state();
            if state
                .charge_points
                .get(CHARGE_POINT_ID)
                .is_some_and(|cp| cp.registration.is_some() && cp.connectors.len() == 2)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the charge point registers");

    for _ in 0..WARM_UP {
        round_trip(&csms).await;
    }
    let mut latencies = Vec::with_capacity(ROUND_TRIPS);
    let started = Instant::now();
    tokio::time::timeout(GUARD, async {
        for _ in 0..ROUND_TRIPS {
            let sent = Instant::now();
            round_trip(&csms).await;
            latencies.push(sent.elapsed());
        }
    })
    .await
    .expect("all round trips in time");
    let elapsed = started.elapsed();

    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let micros = |d: Duration| format!("{:.0}", d.as_secs_f64() * 1e6);
    figure(BENCH, variant, "round trips", ROUND_TRIPS, "");
    figure(
        BENCH,
        variant,
        "rate",
        format!("{:.0}", ROUND_TRIPS as f64 / elapsed.as_secs_f64()),
        "round trips/s",
    );
    figure(BENCH, variant, "latency p50", micros(at(0.50)), "µs");
    figure(BENCH, variant, "latency p90", micros(at(0.90)), "µs");
    figure(BENCH, variant, "latency p99", micros(at(0.99)), "µs");
    figure(
        BENCH,
        variant,
        "latency max",
        micros(latencies[latencies.len() - 1]),
        "µs",
    );
    drop(events);
    tokio::time::timeout(GUARD, driver)
        .await
        .expect("the driver stops")
        .expect("the driver did not panic");
    station.abort();
    drop(csms);
}

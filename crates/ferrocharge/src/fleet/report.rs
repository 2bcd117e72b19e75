//! The JSON report `ferrocharge fleet` writes at the end (docs/fleet.md has its fields).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use serde::Serialize;

use super::ids::Shard;
use super::member::StoreKind;
use super::scenario::Scenario;
use super::stats::{cpu_seconds, errors, memory_kb, Counters};

/// What ran.
#[derive(Debug)]
pub struct Run<'a> {
    /// The station config.
    pub config: &'a str,
    /// The CSMS.
    pub csms: &'a str,
    /// The whole fleet's size.
    pub count: u64,
    /// This process's slice.
    pub shard: Shard,
    /// The stations of the slice.
    pub stations: u64,
    /// The first station's id.
    pub first_id: String,
    /// The last station's id.
    pub last_id: String,
    /// Where the cores kept their data.
    pub store: StoreKind,
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The ramp-up.
    pub ramp_up: Duration,
    /// From the start to the end of the last station.
    pub elapsed: Duration,
}

/// The report.
#[derive(Debug, Serialize)]
pub struct Report {
    fleet: FleetPart,
    stations: StationsPart,
    sessions: SessionsPart,
    messages: MessagesPart,
    csms_latency_ms: LatencyPart,
    csms_calls: BTreeMap<String, u64>,
    unexpected_csms_calls: BTreeMap<String, u64>,
    errors: ErrorsPart,
    process: ProcessPart,
}

#[derive(Debug, Serialize)]
struct FleetPart {
    config: String,
    csms: String,
    count: u64,
    shard: String,
    stations: u64,
    first_id: String,
    last_id: String,
    store: String,
    seed: u64,
    ramp_up_s: f64,
    scenario_s: f64,
    elapsed_s: f64,
}

#[derive(Debug, Serialize)]
struct StationsPart {
    /// Starts (a Reset or a failed run starts a station again).
    started: u64,
    /// Stations whose BootNotification was accepted at least once.
    booted: u64,
    start_failures: u64,
    failures: u64,
    offline_windows: u64,
}

#[derive(Debug, Serialize)]
struct SessionsPart {
    begun: u64,
    transactions_started: u64,
    transactions_ended: u64,
    without_transaction: u64,
    peak_running: i64,
}

#[derive(Debug, Serialize)]
struct MessagesPart {
    sent: u64,
    received: u64,
    sent_per_s: f64,
    received_per_s: f64,
}

#[derive(Debug, Serialize)]
struct LatencyPart {
    answers: u64,
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
    max: f64,
}

#[derive(Debug, Serialize)]
struct ErrorsPart {
    total: u64,
    call_errors_received: u64,
    call_errors_sent: u64,
    refused_orders: u64,
}

#[derive(Debug, Serialize)]
struct ProcessPart {
    rss_kb: Option<u64>,
    peak_rss_kb: Option<u64>,
    peak_rss_per_station_kb: Option<f64>,
    cpu_s: Option<f64>,
    cpu_share_of_one_core: Option<f64>,
}

impl Report {
    /// The report of `run` from `c`.
    pub fn of(run: &Run<'_>, c: &Counters) -> Report {
        let elapsed = run.elapsed.as_secs_f64().max(1e-3);
        let calls = c.csms_calls();
        let unexpected = calls
            .iter()
            .filter(|(action, _)| !run.scenario.expected_csms_calls.contains(action))
            .map(|(a, n)| (a.clone(), *n))
            .collect();
        let (rss, peak) = memory_kb();
        let cpu = cpu_seconds();
        let (sent, received) = (c.sent.load(Relaxed), c.received.load(Relaxed));
        Report {
            fleet: FleetPart {
                config: run.config.to_owned(),
                csms: run.csms.to_owned(),
                count: run.count,
                shard: run.shard.to_string(),
                stations: run.stations,
                first_id: run.first_id.clone(),
                last_id: run.last_id.clone(),
                store: format!("{:?}", run.store).to_lowercase(),
                seed: run.scenario.seed,
                ramp_up_s: run.ramp_up.as_secs_f64(),
                scenario_s: run.scenario.duration.as_secs_f64(),
                elapsed_s: elapsed,
            },
            stations: StationsPart {
                started: c.started.load(Relaxed),
                booted: c.ever_booted.load(Relaxed),
                start_failures: c.start_failures.load(Relaxed),
                failures: c.station_failures.load(Relaxed),
                offline_windows: c.offline_windows.load(Relaxed),
            },
            sessions: SessionsPart {
                begun: c.sessions_begun.load(Relaxed),
                transactions_started: c.transactions_started.load(Relaxed),
                transactions_ended: c.transactions_ended.load(Relaxed),
                without_transaction: c.sessions_without_transaction.load(Relaxed),
                peak_running: c.sessions_running_peak.load(Relaxed),
            },
            messages: MessagesPart {
                sent,
                received,
                sent_per_s: sent as f64 / elapsed,
                received_per_s: received as f64 / elapsed,
            },
            csms_latency_ms: LatencyPart {
                answers: c.latency.count(),
                p50: c.latency.quantile_ms(0.5),
                p90: c.latency.quantile_ms(0.9),
                p99: c.latency.quantile_ms(0.99),
                max: c.latency.max_ms(),
            },
            csms_calls: calls,
            unexpected_csms_calls: unexpected,
            errors: ErrorsPart {
                total: errors(c),
                call_errors_received: c.call_errors_received.load(Relaxed),
                call_errors_sent: c.call_errors_sent.load(Relaxed),
                refused_orders: c.refused_orders.load(Relaxed),
            },
            process: ProcessPart {
                rss_kb: rss,
                peak_rss_kb: peak,
                peak_rss_per_station_kb: peak.map(|kb| kb as f64 / run.stations.max(1) as f64),
                cpu_s: cpu,
                cpu_share_of_one_core: cpu.map(|s| s / elapsed),
            },
        }
    }

    /// Every station started and booted, every transaction that started ended, nothing
    /// failed.
    pub fn clean(&self) -> bool {
        self.stations.booted == self.fleet.stations
            && self.stations.start_failures == 0
            && self.stations.failures == 0
            && self.sessions.transactions_started == self.sessions.transactions_ended
            && self.errors.total == 0
    }

    /// A few lines for a person.
    pub fn summary_text(&self) -> String {
        let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        format!(
            "stations {} (booted {}, start failures {}, failures {})\n\
             sessions begun {}, transactions started {} ended {} (peak running {}), without a transaction {}\n\
             messages sent {} ({:.1}/s) received {} ({:.1}/s); CSMS answers p50 {} ms p90 {} ms p99 {} ms max {:.1} ms\n\
             errors {}; peak RSS {} kB ({} kB per station); CPU {} s",
            self.fleet.stations,
            self.stations.booted,
            self.stations.start_failures,
            self.stations.failures,
            self.sessions.begun,
            self.sessions.transactions_started,
            self.sessions.transactions_ended,
            self.sessions.peak_running,
            self.sessions.without_transaction,
            self.messages.sent,
            self.messages.sent_per_s,
            self.messages.received,
            self.messages.received_per_s,
            ms(self.csms_latency_ms.p50),
            ms(self.csms_latency_ms.p90),
            ms(self.csms_latency_ms.p99),
            self.csms_latency_ms.max,
            self.errors.total,
            self.process.peak_rss_kb.map_or("-".to_owned(), |v| v.to_string()),
            self.process
                .peak_rss_per_station_kb
                .map_or("-".to_owned(), |v| format!("{v:.0}")),
            self.process.cpu_s.map_or("-".to_owned(), |v| format!("{v:.1}")),
        )
    }
}

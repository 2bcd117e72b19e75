//! What the fleet counts: one set of atomic counters for every station of the process, the
//! CSMS's answer latency as a histogram, the live one-line summary and the figures of the
//! report.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The fleet's counters (every station adds to the same ones).
#[derive(Debug, Default)]
pub struct Counters {
    /// Stations started (their core and driver running).
    pub started: AtomicU64,
    /// Starts that failed (each is retried).
    pub start_failures: AtomicU64,
    /// Stations connected to the CSMS now.
    pub connected: AtomicI64,
    /// Stations whose BootNotification is Accepted now.
    pub booted: AtomicI64,
    /// Stations that were booted at least once.
    pub ever_booted: AtomicU64,
    /// Transactions running now (the core's, as each station's state shows).
    pub sessions_running: AtomicI64,
    /// The most running at once.
    pub sessions_running_peak: AtomicI64,
    /// Sessions begun by the scenario (a car plugged in, a tag presented).
    pub sessions_begun: AtomicU64,
    /// Transactions that started (the station's state showed a transaction id).
    pub transactions_started: AtomicU64,
    /// Transactions that ended at the station.
    pub transactions_ended: AtomicU64,
    /// Sessions whose tag got no transaction in time (refused by the CSMS, not authorized
    /// while offline, no answer): reported, not an error of the fleet.
    pub sessions_without_transaction: AtomicU64,
    /// Orders the station refused (a scenario step it could not carry out).
    pub refused_orders: AtomicU64,
    /// Station runs that ended with an error or a panic.
    pub station_failures: AtomicU64,
    /// Frames sent to the CSMS.
    pub sent: AtomicU64,
    /// Frames received from the CSMS.
    pub received: AtomicU64,
    /// CALLERRORs the CSMS answered to the stations' calls.
    pub call_errors_received: AtomicU64,
    /// CALLERRORs the stations answered to the CSMS's calls.
    pub call_errors_sent: AtomicU64,
    /// Times a station went offline by the scenario.
    pub offline_windows: AtomicU64,
    /// The CSMS's calls, by action.
    pub csms_calls: Mutex<BTreeMap<String, u64>>,
    /// How long the CSMS took to answer the stations' calls.
    pub latency: Histogram,
}

impl Counters {
    /// Adds `delta` to the running sessions, keeping the peak.
    pub fn running(&self, delta: i64) {
        let now = self.sessions_running.fetch_add(delta, Relaxed) + delta;
        self.sessions_running_peak.fetch_max(now, Relaxed);
    }

    /// The CSMS's calls by action.
    pub fn csms_calls(&self) -> BTreeMap<String, u64> {
        self.csms_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A latency histogram with buckets 1/8 of a power of two wide (at most 12.5 % off), from
/// 1 µs to about 1 h, lock free.
#[derive(Debug)]
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    max_us: AtomicU64,
}

const SUB: u32 = 8;
const OCTAVES: u32 = 32;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..(SUB * OCTAVES) as usize)
                .map(|_| AtomicU64::new(0))
                .collect(),
            max_us: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    fn bucket(us: u64) -> usize {
        let us = us.max(1);
        let octave = 63 - us.leading_zeros();
        // The 3 bits below the leading one.
        let sub = if octave >= 3 {
            (us >> (octave - 3)) & 7
        } else {
            (us << (3 - octave)) & 7
        };
        ((octave * SUB) as usize + sub as usize).min((SUB * OCTAVES) as usize - 1)
    }

    /// The upper end of bucket `i`, µs.
    fn upper(i: usize) -> f64 {
        let octave = (i / SUB as usize) as i32;
        let sub = (i % SUB as usize) as f64;
        2f64.powi(octave) * (1.0 + (sub + 1.0) / f64::from(SUB))
    }

    /// Counts one answer that took `took`.
    pub fn record(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.buckets[Histogram::bucket(us)].fetch_add(1, Relaxed);
        self.max_us.fetch_max(us, Relaxed);
    }

    /// How many answers.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// The `q` quantile (0 to 1), ms, as the upper end of its bucket; `None` without answers.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let max = self.max_us.load(Relaxed) as f64;
                return Some(Histogram::upper(i).min(max) / 1000.0);
            }
        }
        None
    }

    /// The slowest answer, ms.
    pub fn max_ms(&self) -> f64 {
        self.max_us.load(Relaxed) as f64 / 1000.0
    }
}

/// The calls a station waits answers for, more than any station has (one transaction message
/// and a few others at a time): past it the oldest are forgotten, never answered.
const MAX_PENDING: usize = 64;

/// One station's view of its frames for the counters: which of its calls wait for an answer.
#[derive(Debug)]
pub struct FrameCounter {
    counters: Arc<Counters>,
    pending: Mutex<HashMap<Box<str>, Instant>>,
}

/// The start of an OCPP-J frame: its message type and unique id, and a CALL's action.
#[derive(Debug, PartialEq, Eq)]
struct Head<'a> {
    kind: u8,
    id: &'a str,
    action: Option<&'a str>,
}

/// Reads `[kind, "id", "action"...` without decoding the payload: the core decodes each frame
/// anyway; here only the start counts.
fn head(text: &str) -> Option<Head<'_>> {
    let rest = text.trim_start().strip_prefix('[')?.trim_start();
    let kind = rest
        .as_bytes()
        .first()?
        .checked_sub(b'0')
        .filter(|k| *k <= 9)?;
    let rest = rest[1..].trim_start().strip_prefix(',')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    let id = &rest[..end];
    let action = if kind == 2 {
        let rest = rest[end + 1..].trim_start().strip_prefix(',')?.trim_start();
        let rest = rest.strip_prefix('"')?;
        rest.find('"').map(|e| &rest[..e])
    } else {
        None
    };
    Some(Head { kind, id, action })
}

impl FrameCounter {
    /// Counting into `counters`.
    pub fn new(counters: Arc<Counters>) -> FrameCounter {
        FrameCounter {
            counters,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// A frame the station sent (`sent`) or received.
    pub fn frame(&self, sent: bool, text: &str) {
        let c = &self.counters;
        if sent {
            c.sent.fetch_add(1, Relaxed);
        } else {
            c.received.fetch_add(1, Relaxed);
        }
        let Some(head) = head(text) else {
            return;
        };
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        match (sent, head.kind) {
            (true, 2) => {
                if pending.len() >= MAX_PENDING {
                    pending.clear();
                }
                pending.insert(head.id.into(), Instant::now());
            }
            (false, 3 | 4) => {
                if let Some(at) = pending.remove(head.id) {
                    c.latency.record(at.elapsed());
                }
                if head.kind == 4 {
                    c.call_errors_received.fetch_add(1, Relaxed);
                }
            }
            (false, 2) => {
                let action = head.action.unwrap_or("?");
                let mut calls = c.csms_calls.lock().unwrap_or_else(PoisonError::into_inner);
                // Bounded: an action the CSMS makes up is counted under "?" once there are
                // more names than OCPP has.
                let known = calls.contains_key(action) || calls.len() < 64;
                let key = if known { action } else { "?" };
                *calls.entry(key.to_owned()).or_default() += 1;
            }
            (true, 4) => {
                c.call_errors_sent.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }
}

/// The process's resident memory now and at its peak, kB (Linux: /proc/self/status).
pub fn memory_kb() -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return (None, None);
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The CPU time the process used (user + system), s (Linux: /proc/self/stat, at the kernel's
/// USER_HZ of 100 ticks a second, which Linux fixes for every architecture it runs on here).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name is in parentheses and may hold spaces: count from after it.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The live summary: one line from the counters now and the frames since the last line.
#[derive(Debug)]
pub struct Summary {
    last: Instant,
    last_sent: u64,
    last_received: u64,
}

impl Summary {
    /// From now.
    pub fn new() -> Summary {
        Summary {
            last: Instant::now(),
            last_sent: 0,
            last_received: 0,
        }
    }

    /// The line for now.
    pub fn line(&mut self, c: &Counters, stations: u64, elapsed: Duration) -> String {
        let now = Instant::now();
        let secs = now.duration_since(self.last).as_secs_f64().max(1e-3);
        let (sent, received) = (c.sent.load(Relaxed), c.received.load(Relaxed));
        let out_rate = (sent - self.last_sent) as f64 / secs;
        let in_rate = (received - self.last_received) as f64 / secs;
        (self.last, self.last_sent, self.last_received) = (now, sent, received);
        let ms = |q| {
            c.latency
                .quantile_ms(q)
                .map_or("-".to_owned(), |v| format!("{v:.1}"))
        };
        let errors = errors(c);
        let (rss, _) = memory_kb();
        format!(
            "{:>6}s connected {}/{stations} booted {} sessions {} | msg/s out {out_rate:.0} in {in_rate:.0} | errors {errors} | csms p50 {} ms p99 {} ms | rss {} MB",
            elapsed.as_secs(),
            c.connected.load(Relaxed),
            c.booted.load(Relaxed),
            c.sessions_running.load(Relaxed),
            ms(0.5),
            ms(0.99),
            rss.map_or("-".to_owned(), |kb| (kb / 1024).to_string()),
        )
    }
}

/// Every error counted: failed starts and runs, CALLERRORs both ways, orders the station
/// refused. (A session without a transaction is the CSMS's or the network's answer, reported
/// on its own.)
pub fn errors(c: &Counters) -> u64 {
    c.start_failures.load(Relaxed)
        + c.station_failures.load(Relaxed)
        + c.call_errors_received.load(Relaxed)
        + c.call_errors_sent.load(Relaxed)
        + c.refused_orders.load(Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_of_a_frame() {
        assert_eq!(
            head(r#"[2,"19","Heartbeat",{}]"#),
            Some(Head {
                kind: 2,
                id: "19",
                action: Some("Heartbeat")
            })
        );
        assert_eq!(
            head(r#" [ 3 , "a-b", {"currentTime":"x"}]"#),
            Some(Head {
                kind: 3,
                id: "a-b",
                action: None
            })
        );
        assert_eq!(
            head("[4,\"7\",\"NotSupported\",\"\",{}]").map(|h| h.kind),
            Some(4)
        );
        for bad in ["", "[", "{}", "[2,19]", "[x,\"1\"]", "[2,\"1"] {
            assert_eq!(head(bad), None, "{bad}");
        }
    }

    #[test]
    fn latency_is_measured_from_a_call_to_its_answer() {
        let counters = Arc::new(Counters::default());
        let frames = FrameCounter::new(counters.clone());
        frames.frame(true, r#"[2,"1","Heartbeat",{}]"#);
        frames.frame(false, r#"[3,"1",{}]"#);
        frames.frame(false, r#"[3,"1",{}]"#); // answered twice: counted once
        frames.frame(false, r#"[2,"c","Reset",{"type":"Soft"}]"#);
        frames.frame(true, r#"[4,"c","NotSupported","",{}]"#);
        frames.frame(true, r#"[2,"2","Authorize",{}]"#);
        frames.frame(false, r#"[4,"2","InternalError","",{}]"#);
        assert_eq!(counters.latency.count(), 2);
        assert_eq!(counters.sent.load(Relaxed), 3);
        assert_eq!(counters.received.load(Relaxed), 4);
        assert_eq!(counters.call_errors_received.load(Relaxed), 1);
        assert_eq!(counters.call_errors_sent.load(Relaxed), 1);
        assert_eq!(
            counters.csms_calls(),
            BTreeMap::from([("Reset".to_owned(), 1)])
        );
    }

    #[test]
    fn quantiles_are_within_an_eighth() {
        let h = Histogram::default();
        assert_eq!(h.quantile_ms(0.5), None);
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.quantile_ms(0.5).unwrap();
        assert!((50.0..=50.0 * 1.125).contains(&p50), "{p50}");
        let p99 = h.quantile_ms(0.99).unwrap();
        assert!((99.0..=100.0).contains(&p99), "{p99}");
        assert_eq!(h.max_ms(), 100.0);
    }
}

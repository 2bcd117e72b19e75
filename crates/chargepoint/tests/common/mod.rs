//! Helpers shared by the integration tests: a scratch directory that is removed afterwards,
//! a child process killed in the middle of its work, a one-connector charge point driven
//! by hand with a fake clock (its config, its CALLs and their answers), and a store that
//! records the order of its writes ([`Recording`]).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod layouts;
pub mod records;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chargepoint::charge_point::{
    ChargePoint, MeasuredValue, MeterReading, Now, StationEvent, Store, StoreError, StoreWrite,
    StoredLocalList, StoredMessage, StoredReservation, StoredTransaction,
};
use chargepoint::config::{merge_patch, Configuration, Document, MemoryOverlay, Registry};
use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::core::Reason;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::meter::Measurand;
use ocpp_types::{Action, DateTime};
use serde_json::{json, Value};

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty directory named after `label`.
    pub fn new(label: &str) -> Scratch {
        Scratch::under(&std::env::temp_dir(), label)
    }

    /// A new, empty directory named after `label` in memory (/dev/shm, where there is one),
    /// for a test that writes a lot over SQLite and checks what it wrote, not that it survives
    /// a power loss: an fsync there costs nothing, where on a disk shared with other builds
    /// the tens of thousands a simulated week makes take minutes. The files are the same.
    pub fn in_memory(label: &str) -> Scratch {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            Scratch::under(shm, label)
        } else {
            Scratch::new(label)
        }
    }

    /// A new, empty directory named after `label` in `base`.
    pub fn under(base: &Path, label: &str) -> Scratch {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!(
            "ferrocharge-{label}-{}-{n}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A file in it.
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the test `child` of this test binary in a process of its own, with `path` in the
/// environment variable `env`; reads the lines it prints as `<prefix><number>` (each printed
/// once the work it counts is done) until the number reaches `until`, then kills it with
/// SIGKILL (no destructor, no checkpoint, maybe in the middle of a write). Returns the last
/// number read.
pub fn kill_child_after(
    child: &str,
    env: &str,
    path: &Path,
    prefix: &str,
    until: u64,
) -> Option<u64> {
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args([child, "--exact", "--nocapture", "--test-threads=1"])
        .env(env, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = process.stdout.take().unwrap();
    let mut last = None;
    for line in BufReader::new(stdout).lines() {
        if let Some(n) = line.unwrap().strip_prefix(prefix) {
            let n: u64 = n.parse().unwrap();
            last = Some(n);
            if n >= until {
                break;
            }
        }
    }
    process.kill().unwrap();
    process.wait().unwrap();
    last
}

/// Station time when a test starts.
pub const T0: &str = "2026-11-24T06:00:00.000Z";

/// Station time T0.
pub fn t0() -> Now {
    Now {
        instant: Instant::now(),
        utc: DateTime::parse(T0).unwrap(),
    }
}

/// `secs` after `now`.
pub fn later(now: Now, secs: u64) -> Now {
    Now {
        instant: now.instant + Duration::from_secs(secs),
        utc: DateTime::from_unix_millis(now.utc.unix_millis() + secs as i64 * 1000).unwrap(),
    }
}

/// Lets `secs` seconds pass, firing the timers at the end.
pub fn tick(cp: &mut ChargePoint, now: Now, secs: u64) -> Now {
    let now = later(now, secs);
    cp.handle_timeout(now);
    now
}

/// Station time T0 plus `secs`, as the wire shows it (with no clock offset).
pub fn at(secs: i64) -> String {
    DateTime::from_unix_millis(DateTime::parse(T0).unwrap().unix_millis() + secs * 1000)
        .unwrap()
        .to_string()
}

/// The shipped config for one connector (no transactionData), patched by `patch`.
pub fn core_config(patch: Value) -> Configuration {
    let mut base =
        Document::parse("ocpp-config.json", chargepoint::config::DEFAULT_CONFIG).unwrap();
    merge_patch::apply(
        &mut base.value,
        &json!({"Core": {"NumberOfConnectors": 1, "ConnectorPhaseRotation": "0.RST",
            "StopTxnSampledData": ""}}),
    );
    merge_patch::apply(&mut base.value, &patch);
    Configuration::load(
        Registry::embedded().unwrap().clone(),
        &base,
        Box::new(MemoryOverlay::default()),
    )
    .unwrap()
}

/// The one CALL the charge point sends now, as (id, action, payload).
pub fn call(cp: &mut ChargePoint, now: Now) -> (String, String, Value) {
    let text = cp.poll_transmit(now).expect("a CALL");
    assert_eq!(cp.poll_transmit(now), None, "one CALL at a time");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0], 2, "{text}");
    (
        v[1].as_str().unwrap().to_string(),
        v[2].as_str().unwrap().to_string(),
        v[3].clone(),
    )
}

/// The central system's CALLRESULT to `id`.
pub fn answer(cp: &mut ChargePoint, now: Now, id: &str, payload: Value) {
    cp.handle_frame(&json!([3, id, payload]).to_string(), now);
}

/// Connects and answers BootNotification with Accepted and the station's own time.
pub fn connect_and_boot(cp: &mut ChargePoint, now: Now) {
    cp.handle_connected(now);
    let (id, action, _) = call(cp, now);
    assert_eq!(action, "BootNotification");
    answer(
        cp,
        now,
        &id,
        json!({"status": "Accepted", "currentTime": now.utc.to_string(), "interval": 300}),
    );
}

/// A transaction started on connector 1 for RFID1 at `meter_start_wh`.
pub fn started(meter_start_wh: i32) -> StationEvent {
    StationEvent::TransactionStarted {
        connector: 1,
        id_tag: IdToken::new("RFID1").unwrap(),
        meter_start_wh,
        reservation_id: None,
    }
}

/// The transaction on connector 1 stopped locally at `meter_stop_wh`.
pub fn stopped(meter_stop_wh: i32) -> StationEvent {
    StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh,
        reason: Reason::Local,
        id_tag: None,
    }
}

/// The energy register of connector 1 at `wh`.
pub fn energy(wh: f64) -> StationEvent {
    let values = vec![MeasuredValue::new(
        Measurand::EnergyActiveImportRegister,
        wh,
    )];
    let reading = MeterReading { values };
    StationEvent::MeterReading {
        connector: 1,
        reading,
    }
}

/// What a [`Recording`] store saw, in order: each write by name (with the message key of a
/// queue write), and the marks a test puts in between.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Puts `mark` in the log (e.g. "answer": the CSMS's answer is about to arrive).
    pub fn mark(&self, mark: &str) {
        self.0.lock().unwrap().push(mark.to_string());
    }

    /// Everything so far.
    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// The writes after the last `mark`.
    pub fn after(&self, mark: &str) -> Vec<String> {
        let entries = self.entries();
        let at = entries
            .iter()
            .rposition(|e| e == mark)
            .unwrap_or_else(|| panic!("no mark {mark} in {entries:?}"));
        entries[at + 1..].to_vec()
    }

    /// The key of the last message of `action` written to the queue.
    pub fn key_of(&self, action: Action) -> u64 {
        let prefix = "save_message ";
        // A write_all entry holds its writes as "write_all [a, b]".
        let writes = |e: &String| -> Vec<String> {
            match e.strip_prefix("write_all [") {
                Some(all) => all
                    .trim_end_matches(']')
                    .split(", ")
                    .map(String::from)
                    .collect(),
                None => vec![e.clone()],
            }
        };
        self.entries()
            .iter()
            .rev()
            .flat_map(|e| writes(e).into_iter().rev())
            .filter_map(|e| e.strip_prefix(prefix).map(String::from))
            .find_map(|e| {
                let (key, a) = e.split_once(' ')?;
                (a == action.as_str()).then(|| key.parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no {action} saved"))
    }
}

/// A store that writes every write's name into a [`Log`] before passing it to `S`: the order
/// of the writes around an answer, as the disk sees them.
pub struct Recording<S> {
    pub inner: S,
    pub log: Log,
}

impl<S: Store> Recording<S> {
    fn note(&self, write: String) {
        self.log.0.lock().unwrap().push(write);
    }
}

impl<S: Store> Store for Recording<S> {
    fn save_transaction(&mut self, t: &StoredTransaction) -> Result<(), StoreError> {
        self.note(format!("save_transaction {}", t.connector));
        self.inner.save_transaction(t)
    }
    fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError> {
        self.note(format!("remove_transaction {connector}"));
        self.inner.remove_transaction(connector)
    }
    fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
        self.inner.transactions()
    }
    fn save_availability(&mut self, connector: u32, operative: bool) -> Result<(), StoreError> {
        self.note(format!("save_availability {connector}"));
        self.inner.save_availability(connector, operative)
    }
    fn availability(&self) -> Result<BTreeMap<u32, bool>, StoreError> {
        self.inner.availability()
    }
    fn save_cached_authorization(
        &mut self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError> {
        self.note(format!("save_cached_authorization {}", id_tag.as_str()));
        self.inner.save_cached_authorization(id_tag, info)
    }
    fn cached_authorization(&self, id_tag: &IdToken) -> Result<Option<IdTagInfo>, StoreError> {
        self.inner.cached_authorization(id_tag)
    }
    fn clear_authorization_cache(&mut self) -> Result<(), StoreError> {
        self.note("clear_authorization_cache".to_string());
        self.inner.clear_authorization_cache()
    }
    fn replace_local_list(
        &mut self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError> {
        self.note("replace_local_list".to_string());
        self.inner.replace_local_list(version, entries)
    }
    fn update_local_list(
        &mut self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError> {
        self.note("update_local_list".to_string());
        self.inner.update_local_list(version, upserts, removals)
    }
    fn local_list(&self) -> Result<StoredLocalList, StoreError> {
        self.inner.local_list()
    }
    fn save_charging_profile(
        &mut self,
        connector: u32,
        profile: &ChargingProfile,
    ) -> Result<(), StoreError> {
        self.note(format!(
            "save_charging_profile {}",
            profile.charging_profile_id
        ));
        self.inner.save_charging_profile(connector, profile)
    }
    fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError> {
        self.note(format!("remove_charging_profile {id}"));
        self.inner.remove_charging_profile(id)
    }
    fn charging_profiles(&self) -> Result<Vec<(u32, ChargingProfile)>, StoreError> {
        self.inner.charging_profiles()
    }
    fn save_reservation(&mut self, reservation: &StoredReservation) -> Result<(), StoreError> {
        self.note(format!("save_reservation {}", reservation.id));
        self.inner.save_reservation(reservation)
    }
    fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError> {
        self.note(format!("remove_reservation {id}"));
        self.inner.remove_reservation(id)
    }
    fn reservations(&self) -> Result<Vec<StoredReservation>, StoreError> {
        self.inner.reservations()
    }
    fn write_all(&mut self, writes: &[StoreWrite]) -> Result<(), StoreError> {
        let parts: Vec<String> = writes
            .iter()
            .map(|w| match w {
                StoreWrite::SaveTransaction(t) => format!("save_transaction {}", t.connector),
                StoreWrite::SaveMessage(m) => format!("save_message {} {}", m.key, m.action),
                StoreWrite::RemoveMessage(key) => format!("remove_message {key}"),
            })
            .collect();
        self.note(format!("write_all [{}]", parts.join(", ")));
        self.inner.write_all(writes)
    }
    fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError> {
        self.note(format!("save_message {} {}", message.key, message.action));
        self.inner.save_message(message)
    }
    fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        let keys: Vec<u64> = messages.iter().map(|m| m.key).collect();
        self.note(format!("save_messages {keys:?}"));
        self.inner.save_messages(messages)
    }
    fn remove_message(&mut self, key: u64) -> Result<(), StoreError> {
        self.note(format!("remove_message {key}"));
        self.inner.remove_message(key)
    }
    fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
        self.note(format!("remove_messages {keys:?}"));
        self.inner.remove_messages(keys)
    }
    fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
        self.inner.messages()
    }
}

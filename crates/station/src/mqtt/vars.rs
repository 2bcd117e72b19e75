//! The variables EVerest's API and EvAPI modules publish, as the station sees them
//! ([`StationVars`], built by the runtime from the simulation and the core), and their JSON
//! payloads exactly as EVerest writes them: the objects `nlohmann::json` makes have their
//! keys sorted, those `LimitDecimalPlaces` makes with ryml keep EVerest's order and write
//! numbers with two decimals.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::sim::enable_sources::{EnableEntry, EnableSource, EnableState};
use crate::sim::session::{SessionEvent, StopTransactionReason};
use crate::sim::MeterReading;

/// Everything the MQTT side publishes, as of the last station step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StationVars {
    /// Whether the CSMS is connected.
    pub ocpp_connected: bool,
    /// Every EVSE, in connector order.
    pub evses: Vec<EvseVars>,
}

/// One EVSE's variables.
#[derive(Debug, Clone, PartialEq)]
pub struct EvseVars {
    /// Its connector.
    pub connector: u32,
    /// The session as the API module tracks it.
    pub session: SessionVars,
    /// The board's hardware maximum current, A.
    pub max_current_a: f64,
    /// The current offered now (EvseManager's `limits.max_current`), A.
    pub offered_a: f64,
    /// The phases available (EvseManager's `limits.nr_of_phases_available`).
    pub phases: u8,
    /// The meter.
    pub meter: MeterReading,
    /// Whether the relays are closed.
    pub relais_on: bool,
    /// The car driving the board, if there is one.
    pub car: Option<CarVars>,
    /// The UK random delay that runs, if one does.
    pub random_delay: Option<RandomDelayVars>,
}

/// A running UK random delay (EVerest's `uk_random_delay` CountDown), for `session_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomDelayVars {
    /// Seconds left.
    pub remaining_s: u64,
    /// The limit once it is over, A.
    pub current_limit_after_delay_a: f64,
    /// The limit while it runs, A.
    pub current_limit_during_delay_a: f64,
    /// When it started, RFC 3339.
    pub start_time: String,
}

/// The car at an EVSE, for EvAPI.
#[derive(Debug, Clone, PartialEq)]
pub struct CarVars {
    /// Its EvManager's module id.
    pub ev_manager: String,
    /// The last board event it saw (EVerest's `board_support_common` Event: `A` to `F`).
    pub bsp_event: &'static str,
}

/// EVerest's API `SessionInfo` as of now.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionVars {
    /// The state name.
    pub state: &'static str,
    /// Energy imported in the session, Wh.
    pub charged_energy_wh: i64,
    /// How long the session charged, s.
    pub charging_duration_s: i64,
    /// The latest total power, W.
    pub latest_total_w: f64,
    /// Whether an error makes the EVSE inoperative.
    pub permanent_fault: bool,
    /// Who decides whether the EVSE is enabled.
    pub enable: EnableEntry,
}

/// The API module's `SessionInfo` of one EVSE (`API.cpp`): its state from EvseManager's
/// session events, the energy and time of the session from the meter.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionTracker {
    state: &'static str,
    start_wh: f64,
    end_wh: f64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl SessionTracker {
    /// An EVSE just enabled (EvseManager publishes `Enabled` at start).
    pub fn new(now: DateTime<Utc>) -> Self {
        SessionTracker {
            state: "Unplugged",
            start_wh: 0.0,
            end_wh: 0.0,
            start: now,
            end: now,
        }
    }

    /// A session event of the EVSE (`SessionInfo::update_state`).
    pub fn on_event(&mut self, event: &SessionEvent, now: DateTime<Utc>) {
        self.state = match event {
            SessionEvent::Enabled | SessionEvent::SessionFinished => "Unplugged",
            SessionEvent::Disabled => "Disabled",
            SessionEvent::AuthRequired => "AuthRequired",
            SessionEvent::SessionStarted { .. } | SessionEvent::PrepareCharging => "Preparing",
            SessionEvent::TransactionStarted { meter_start_wh, .. } => {
                self.start_wh = *meter_start_wh;
                self.end_wh = *meter_start_wh;
                self.start = now;
                self.end = now;
                "Preparing"
            }
            SessionEvent::ChargingStarted | SessionEvent::ChargingResumed => "Charging",
            SessionEvent::ChargingPausedEV => "ChargingPausedEV",
            SessionEvent::ChargingPausedEVSE { .. } => "ChargingPausedEVSE",
            SessionEvent::TransactionFinished {
                reason,
                meter_stop_wh,
                ..
            } => {
                self.end_wh = *meter_stop_wh;
                self.end = now;
                if *reason == StopTransactionReason::Local {
                    "FinishedEVSE"
                } else {
                    "Finished"
                }
            }
            SessionEvent::Error { .. } | SessionEvent::ErrorCleared { .. } => return,
        };
    }

    /// The meter's register now (`set_latest_energy_import_wh`): counted while a session
    /// charges or waits to.
    pub fn on_meter(&mut self, energy_wh: f64, now: DateTime<Utc>) {
        if matches!(
            self.state,
            "AuthRequired" | "Charging" | "ChargingPausedEV" | "ChargingPausedEVSE"
        ) {
            self.end_wh = energy_wh;
            self.end = now;
        }
    }

    /// The state name.
    pub fn state(&self) -> &'static str {
        self.state
    }

    /// Energy of the session, Wh (EVerest's `int32_t` readings: whole Wh).
    pub fn charged_energy_wh(&self) -> i64 {
        self.end_wh.floor() as i64 - self.start_wh.floor() as i64
    }

    /// Duration of the session, s.
    pub fn charging_duration_s(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// RFC 3339 with milliseconds and `Z`, as EVerest's `Date::to_rfc3339`.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn source_name(source: EnableSource) -> &'static str {
    match source {
        EnableSource::Unspecified => "Unspecified",
        EnableSource::LocalApi => "LocalAPI",
        EnableSource::LocalKeyLock => "LocalKeyLock",
        EnableSource::ServiceTechnician => "ServiceTechnician",
        EnableSource::RemoteKeyLock => "RemoteKeyLock",
        EnableSource::MobileApp => "MobileApp",
        EnableSource::FirmwareUpdate => "FirmwareUpdate",
        EnableSource::Csms => "CSMS",
    }
}

fn state_name(state: EnableState) -> &'static str {
    match state {
        EnableState::Unassigned => "Unassigned",
        EnableState::Disable => "Disable",
        EnableState::Enable => "Enable",
    }
}

/// `var/session_info` (nlohmann: keys sorted), with `uk_random_delay` while a random delay
/// runs (EVerest: only with the API's `random_delay` connection to this EVSE).
pub fn session_info(
    s: &SessionVars,
    random_delay: Option<&RandomDelayVars>,
    now: DateTime<Utc>,
) -> String {
    let mut info = serde_json::json!({
        "active_enable_disable_source": {
            "priority": s.enable.priority,
            "source": source_name(s.enable.source),
            "state": state_name(s.enable.state),
        },
        "charged_energy_wh": s.charged_energy_wh,
        "charging_duration_s": s.charging_duration_s,
        "datetime": rfc3339(now),
        "discharged_energy_wh": 0,
        "latest_total_w": s.latest_total_w,
        "permanent_fault": s.permanent_fault,
        "state": s.state,
    });
    if let (Some(d), Some(object)) = (random_delay, info.as_object_mut()) {
        object.insert(
            "uk_random_delay".to_owned(),
            serde_json::json!({
                "current_limit_after_delay_A": d.current_limit_after_delay_a,
                "current_limit_during_delay_A": d.current_limit_during_delay_a,
                "remaining_s": d.remaining_s,
                "start_time": d.start_time,
            }),
        );
    }
    info.to_string()
}

/// A JSON object written in the order its fields are added (ryml's), numbers with EVerest's
/// two decimal places.
struct Ordered(String);

impl Ordered {
    fn new() -> Self {
        Ordered(String::from("{"))
    }
    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        let _ = write!(self.0, "{}:", serde_json::Value::from(key));
    }
    fn num(mut self, key: &str, value: f64) -> Self {
        self.key(key);
        // Not finite has no JSON number: 0, as a reading that is not there.
        let value = if value.is_finite() { value } else { 0.0 };
        let _ = write!(self.0, "{value:.2}");
        self
    }
    fn int(mut self, key: &str, value: i64) -> Self {
        self.key(key);
        let _ = write!(self.0, "{value}");
        self
    }
    fn boolean(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
        self
    }
    fn text(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        self.0.push_str(&serde_json::Value::from(value).to_string());
        self
    }
    fn object(mut self, key: &str, value: Ordered) -> Self {
        self.key(key);
        self.0.push_str(&value.done());
        self
    }
    fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `var/hardware_capabilities` (YetiSimulator's capabilities, the maximum import current
/// the EVSE's).
pub fn hardware_capabilities(max_current_a: f64) -> String {
    Ordered::new()
        .int("max_phase_count_import", 3)
        .int("min_phase_count_import", 1)
        .int("max_phase_count_export", 3)
        .int("min_phase_count_export", 1)
        .boolean("supports_changing_phases_during_charging", true)
        .num("max_current_A_import", max_current_a)
        .num("min_current_A_import", crate::sim::pilot::MIN_CURRENT_A)
        .num("max_current_A_export", 16.0)
        .num("min_current_A_export", 0.0)
        .text("connector_type", "IEC62196Type2Cable")
        .done()
}

/// `var/limits`.
pub fn limits(evse_manager: &str, offered_a: f64, phases: u8) -> String {
    Ordered::new()
        .text("uuid", evse_manager)
        .int("nr_of_phases_available", i64::from(phases))
        .num("max_current", offered_a)
        .done()
}

/// `var/telemetry`: EVerest's API writes the relays' state as `phase_seq_error`
/// (`LimitDecimalPlaces::limit(Telemetry)`); `relais_on` (the README's name) follows too.
pub fn telemetry(relais_on: bool, power_w: f64) -> String {
    Ordered::new()
        .boolean("phase_seq_error", relais_on)
        // YetiSimulator: 25 °C plus 3 mK per W drawn.
        .num("temperature", 25.0 + power_w.abs() * 0.003)
        .num("fan_rpm", 1500.0)
        .num("supply_voltage_12V", 12.01)
        .num("supply_voltage_minus_12V", -11.8)
        .boolean("relais_on", relais_on)
        .done()
}

/// `var/powermeter` (YetiSimulator's `YETI_POWERMETER`, export and frequency as it has them).
pub fn powermeter(meter: &MeterReading, now: DateTime<Utc>) -> String {
    let phases = |total: Option<f64>, values: [f64; 3]| {
        let o = match total {
            Some(t) => Ordered::new().num("total", t),
            None => Ordered::new(),
        };
        o.num("L1", values[0])
            .num("L2", values[1])
            .num("L3", values[2])
    };
    let currents = Ordered::new()
        .num("L1", meter.current_a[0])
        .num("L2", meter.current_a[1])
        .num("L3", meter.current_a[2])
        .num("N", 0.0);
    Ordered::new()
        .text("timestamp", &rfc3339(now))
        .text("meter_id", "YETI_POWERMETER")
        .boolean("phase_seq_error", false)
        .object(
            "energy_Wh_import",
            phases(Some(meter.energy_wh), meter.energy_wh_phase),
        )
        .object("energy_Wh_export", phases(Some(0.0), [0.0; 3]))
        .object("power_W", phases(Some(meter.power_w), meter.power_w_phase))
        .object("voltage_V", phases(None, meter.voltage_v))
        .object("current_A", currents)
        .object("frequency_Hz", phases(None, [50.0; 3]))
        .done()
}

/// EvAPI's `var/session_info` (nlohmann: keys sorted).
pub fn ev_session_info(bsp_event: &str, now: DateTime<Utc>) -> String {
    serde_json::json!({ "datetime": rfc3339(now), "state": bsp_event }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn payloads_are_everests_byte_for_byte() {
        let now = t("2022-10-11T16:48:35.747Z");
        let s = SessionVars {
            state: "Charging",
            charged_energy_wh: 120,
            charging_duration_s: 84,
            latest_total_w: 11040.0,
            permanent_fault: false,
            enable: EnableEntry {
                source: EnableSource::Unspecified,
                state: EnableState::Enable,
                priority: 10000,
            },
        };
        assert_eq!(
            session_info(&s, None, now),
            r#"{"active_enable_disable_source":{"priority":10000,"source":"Unspecified","state":"Enable"},"charged_energy_wh":120,"charging_duration_s":84,"datetime":"2022-10-11T16:48:35.747Z","discharged_energy_wh":0,"latest_total_w":11040.0,"permanent_fault":false,"state":"Charging"}"#
        );
        assert_eq!(
            hardware_capabilities(32.0),
            r#"{"max_phase_count_import":3,"min_phase_count_import":1,"max_phase_count_export":3,"min_phase_count_export":1,"supports_changing_phases_during_charging":true,"max_current_A_import":32.00,"min_current_A_import":6.00,"max_current_A_export":16.00,"min_current_A_export":0.00,"connector_type":"IEC62196Type2Cable"}"#
        );
        assert_eq!(
            limits("evse_manager_1", 16.0, 3),
            r#"{"uuid":"evse_manager_1","nr_of_phases_available":3,"max_current":16.00}"#
        );
        assert_eq!(
            telemetry(true, 1000.0),
            r#"{"phase_seq_error":true,"temperature":28.00,"fan_rpm":1500.00,"supply_voltage_12V":12.01,"supply_voltage_minus_12V":-11.80,"relais_on":true}"#
        );
        let meter = MeterReading {
            energy_wh: 30.0,
            energy_wh_phase: [10.0; 3],
            power_w: 11040.0,
            power_w_phase: [3680.0; 3],
            voltage_v: [230.0; 3],
            current_a: [16.0; 3],
        };
        assert_eq!(
            powermeter(&meter, now),
            r#"{"timestamp":"2022-10-11T16:48:35.747Z","meter_id":"YETI_POWERMETER","phase_seq_error":false,"energy_Wh_import":{"total":30.00,"L1":10.00,"L2":10.00,"L3":10.00},"energy_Wh_export":{"total":0.00,"L1":0.00,"L2":0.00,"L3":0.00},"power_W":{"total":11040.00,"L1":3680.00,"L2":3680.00,"L3":3680.00},"voltage_V":{"L1":230.00,"L2":230.00,"L3":230.00},"current_A":{"L1":16.00,"L2":16.00,"L3":16.00,"N":0.00},"frequency_Hz":{"L1":50.00,"L2":50.00,"L3":50.00}}"#
        );
        assert_eq!(
            ev_session_info("C", now),
            r#"{"datetime":"2022-10-11T16:48:35.747Z","state":"C"}"#
        );
    }

    #[test]
    fn the_session_counts_energy_and_time_from_the_transaction_start() {
        let mut s = SessionTracker::new(t("2024-01-01T10:00:00Z"));
        assert_eq!(s.state(), "Unplugged");
        s.on_event(
            &SessionEvent::SessionStarted {
                reason: crate::sim::StartSessionReason::EVConnected,
            },
            t("2024-01-01T10:00:01Z"),
        );
        s.on_event(&SessionEvent::AuthRequired, t("2024-01-01T10:00:01Z"));
        s.on_event(
            &SessionEvent::TransactionStarted {
                id_tag: "RFID1".into(),
                meter_start_wh: 100.4,
            },
            t("2024-01-01T10:00:02Z"),
        );
        assert_eq!(s.state(), "Preparing");
        s.on_event(&SessionEvent::ChargingStarted, t("2024-01-01T10:00:03Z"));
        s.on_meter(250.9, t("2024-01-01T10:01:02Z"));
        assert_eq!((s.charged_energy_wh(), s.charging_duration_s()), (150, 60));
        s.on_event(
            &SessionEvent::TransactionFinished {
                reason: StopTransactionReason::Local,
                meter_stop_wh: 260.0,
                id_tag: None,
            },
            t("2024-01-01T10:01:12Z"),
        );
        assert_eq!(s.state(), "FinishedEVSE");
        // Finished: the meter no longer counts.
        s.on_meter(300.0, t("2024-01-01T10:02:00Z"));
        assert_eq!((s.charged_energy_wh(), s.charging_duration_s()), (160, 70));
        s.on_event(&SessionEvent::SessionFinished, t("2024-01-01T10:02:00Z"));
        assert_eq!(s.state(), "Unplugged");
    }
}

//! What the station tells the core ([`StationEvent`]), what the core asks of the station
//! ([`StationCommand`]), and the time passed to every call ([`Now`]).

use std::time::Instant;

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::core::{ChargePointErrorCode, Reason, ResetType, UnlockStatus};
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::meter::{Measurand, Phase};
use ocpp_types::DateTime;

use crate::config::ConfigChange;

/// The time, as the driver reads it, passed to every call: the core never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Monotonic time, for timers (heartbeat, meter sampling, retries).
    pub instant: Instant,
    /// The station's wall clock (UTC). The core corrects it by the offset to the central
    /// system's clock learnt from BootNotification.conf and Heartbeat.conf before it stamps a
    /// message with it.
    pub utc: DateTime,
}

/// Whether energy flows during a transaction (OCPP 1.6 §4.9: Charging, SuspendedEV,
/// SuspendedEVSE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnergyFlow {
    /// The contactor is closed and the EV takes energy.
    Charging,
    /// The EVSE offers energy, the EV does not take it.
    SuspendedEV,
    /// The EVSE does not offer energy (a limit of 0, a pause).
    SuspendedEVSE,
}

/// One measured quantity of a [`MeterReading`], in the unit OCPP uses for it (Wh, varh, W, var,
/// A, V, Hertz, Celsius, Percent; see `meter_values.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredValue {
    /// What was measured.
    pub measurand: Measurand,
    /// The phase, for per-phase values; `None` for the total.
    pub phase: Option<Phase>,
    /// The value.
    pub value: f64,
}

/// The latest readings of a connector's meter. The core keeps the last one per connector and
/// samples it when MeterValueSampleInterval says so.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeterReading {
    /// Every value the meter has, totals and per-phase values alike.
    pub values: Vec<MeasuredValue>,
}

/// Something that happened at the station.
///
/// Connector status is derived by the core from these events (see `connector_status.rs`); the
/// station never names a status itself.
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    /// A user presented an identifier (RFID card, app, ...), for one connector or for the
    /// station as a whole.
    TokenPresented {
        /// The identifier.
        id_tag: IdToken,
        /// The connector chosen, if the reader belongs to one.
        connector: Option<u32>,
    },
    /// A cable was plugged into a connector (or an EV into a fixed cable).
    PluggedIn {
        /// The connector.
        connector: u32,
    },
    /// The cable was unplugged.
    Unplugged {
        /// The connector.
        connector: u32,
    },
    /// The station started a transaction (authorized and plugged in).
    TransactionStarted {
        /// The connector.
        connector: u32,
        /// The identifier the transaction runs for.
        id_tag: IdToken,
        /// The energy register at the start, Wh.
        meter_start_wh: i32,
        /// The reservation this transaction ends, if any.
        reservation_id: Option<i32>,
    },
    /// The station stopped the transaction of a connector.
    TransactionStopped {
        /// The connector.
        connector: u32,
        /// The energy register at the end, Wh.
        meter_stop_wh: i32,
        /// Why it stopped.
        reason: Reason,
        /// The identifier that stopped it, if one did. When `None` and the core asked for the
        /// stop because a user presented a token, that token is used.
        id_tag: Option<IdToken>,
    },
    /// Energy started or stopped flowing during a transaction.
    EnergyFlow {
        /// The connector.
        connector: u32,
        /// The new state.
        state: EnergyFlow,
    },
    /// New meter values of a connector (0: the station's main meter).
    MeterReading {
        /// The connector.
        connector: u32,
        /// The values.
        reading: MeterReading,
    },
    /// A fault makes the connector (0: the whole station) unusable.
    Fault {
        /// The connector.
        connector: u32,
        /// The OCPP error code.
        error_code: ChargePointErrorCode,
        /// Free text, cut to 50 characters.
        info: Option<String>,
        /// The vendor's error code, cut to 50 characters.
        vendor_error_code: Option<String>,
    },
    /// The fault of a connector is gone.
    FaultCleared {
        /// The connector.
        connector: u32,
    },
    /// The result of a [`StationCommand::UnlockConnector`].
    UnlockResult {
        /// The connector.
        connector: u32,
        /// Unlocked, UnlockFailed, or NotSupported (no lock that can be unlocked remotely).
        status: UnlockStatus,
    },
}

/// Something the station must do, from [`ChargePoint::poll_command`](super::ChargePoint::poll_command).
#[derive(Debug, Clone, PartialEq)]
pub enum StationCommand {
    /// The answer to a [`StationEvent::TokenPresented`] (or to the Authorize of a remote start):
    /// start a session when `accepted`.
    AuthorizationResult {
        /// The identifier.
        id_tag: IdToken,
        /// The connector it was presented for, if any.
        connector: Option<u32>,
        /// Whether the identifier may charge.
        accepted: bool,
        /// The central system's answer; `None` when it could not be asked (offline, not
        /// registered, no answer).
        id_tag_info: Option<IdTagInfo>,
    },
    /// Start a transaction for `id_tag` on `connector` (RemoteStartTransaction), once the EV
    /// is plugged in.
    RemoteStart {
        /// The connector.
        connector: u32,
        /// The identifier to start the transaction for.
        id_tag: IdToken,
        /// A TxProfile for the transaction, if the central system sent one.
        charging_profile: Option<ChargingProfile>,
    },
    /// ConnectionTimeOut passed after `id_tag` was accepted for `connector` without a cable
    /// being plugged in: forget the authorization (and a remote start waiting for the cable).
    AuthorizationExpired {
        /// The connector.
        connector: u32,
        /// The identifier whose authorization expired.
        id_tag: IdToken,
    },
    /// Stop the transaction on `connector`, then report [`StationEvent::TransactionStopped`].
    StopTransaction {
        /// The connector.
        connector: u32,
        /// Why (Local, Remote, DeAuthorized, EVDisconnected, SoftReset, HardReset).
        reason: Reason,
    },
    /// Stop offering energy on `connector` but keep the transaction (an identifier that
    /// StartTransaction.conf did not accept, with StopTransactionOnInvalidId false).
    PauseCharging {
        /// The connector.
        connector: u32,
    },
    /// `connector` is reserved for `id_tag` (ReserveNow).
    Reserved {
        /// The connector.
        connector: u32,
        /// The reservation's id.
        reservation_id: i32,
        /// The identifier it is reserved for.
        id_tag: IdToken,
    },
    /// The reservation of `connector` expired or was cancelled (one that a transaction used
    /// ends without this command: the station started that transaction itself).
    ReservationEnded {
        /// The connector.
        connector: u32,
        /// The reservation's id.
        reservation_id: i32,
    },
    /// Unlock the cable of `connector` (UnlockConnector), then report
    /// [`StationEvent::UnlockResult`].
    UnlockConnector {
        /// The connector.
        connector: u32,
    },
    /// Make `connector` (0: the whole station) available for charging or not
    /// (ChangeAvailability, now or once it was idle; also at start for what the store
    /// recorded).
    SetAvailability {
        /// The connector.
        connector: u32,
        /// Operative (true) or Inoperative.
        operative: bool,
    },
    /// A configuration key changed: apply the runtime's part of it (reconnect after
    /// AuthorizationKey or SecurityProfile, new WebSocketPingInterval, ...). The core has
    /// already applied its own part (heartbeat and sampling timers).
    ApplyConfigurationChange(ConfigChange),
    /// Restart the station once the transactions are stopped (the core has already asked for
    /// that with [`StationCommand::StopTransaction`]).
    Reset {
        /// Hard or soft.
        kind: ResetType,
    },
}

/// A fault as the core keeps it, for StatusNotification.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    pub error_code: ChargePointErrorCode,
    pub info: Option<String>,
    pub vendor_error_code: Option<String>,
}

//! The vocabulary of a charging session, named as everest-core's `types/evse_manager.yaml`
//! names it: the session events an EvseManager emits and the reasons they carry.

use ocpp_types::core::Reason;

use super::errors::HardwareError;

/// Why a session started (`StartSessionReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartSessionReason {
    /// An EV was plugged in.
    EVConnected,
    /// A valid authorization was presented before an EV was plugged in.
    Authorized,
}

/// Why a transaction stopped (`StopTransactionReason`).
#[allow(missing_docs)] // the variants are everest-core's enum, documented there one by one
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopTransactionReason {
    EmergencyStop,
    EVDisconnected,
    HardReset,
    Local,
    Other,
    PowerLoss,
    Reboot,
    Remote,
    SoftReset,
    UnlockCommand,
    DeAuthorized,
    EnergyLimitReached,
    GroundFault,
    LocalOutOfCredit,
    MasterPass,
    OvercurrentFault,
    PowerQuality,
    SOCLimitReached,
    StoppedByEV,
    TimeLimitReached,
    Timeout,
    ReqEnergyTransferRejected,
}

impl StopTransactionReason {
    /// The OCPP 1.6 reason (everest-core's `to_ocpp_reason`: the reasons OCPP 1.6 has map to
    /// themselves, the others to `Other`).
    pub fn to_ocpp(self) -> Reason {
        use StopTransactionReason as S;
        match self {
            S::EmergencyStop => Reason::EmergencyStop,
            S::EVDisconnected => Reason::EVDisconnected,
            S::HardReset => Reason::HardReset,
            S::Local => Reason::Local,
            S::PowerLoss => Reason::PowerLoss,
            S::Reboot => Reason::Reboot,
            S::Remote => Reason::Remote,
            S::SoftReset => Reason::SoftReset,
            S::UnlockCommand => Reason::UnlockCommand,
            S::DeAuthorized => Reason::DeAuthorized,
            _ => Reason::Other,
        }
    }

    /// The reason for an OCPP 1.6 one (a StopTransaction command from the core).
    pub fn from_ocpp(reason: Reason) -> Self {
        use StopTransactionReason as S;
        match reason {
            Reason::DeAuthorized => S::DeAuthorized,
            Reason::EmergencyStop => S::EmergencyStop,
            Reason::EVDisconnected => S::EVDisconnected,
            Reason::HardReset => S::HardReset,
            Reason::Local => S::Local,
            Reason::Other => S::Other,
            Reason::PowerLoss => S::PowerLoss,
            Reason::Reboot => S::Reboot,
            Reason::Remote => S::Remote,
            Reason::SoftReset => S::SoftReset,
            Reason::UnlockCommand => S::UnlockCommand,
        }
    }
}

/// Why the EVSE does not offer energy (`PauseChargingEVSEReasonEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseReason {
    /// Paused on request (the `pause_charging` command).
    UserPause,
    /// An error prevents charging; it resumes once the error is cleared.
    Error,
    /// No energy available (an external limit below the 6 A a PWM can offer).
    NoEnergy,
}

/// Something that happened in a session (`SessionEventEnum` with its data).
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// The EVSE was enabled.
    Enabled,
    /// The EVSE was disabled (Unavailable).
    Disabled,
    /// A session started: an EV was plugged in, or an authorization came first.
    SessionStarted {
        /// Which of the two.
        reason: StartSessionReason,
    },
    /// The EVSE needs an authorization to start a transaction.
    AuthRequired,
    /// A transaction started: EV plugged in and authorized.
    TransactionStarted {
        /// The identifier it runs for.
        id_tag: String,
        /// The meter's register at the start, Wh.
        meter_start_wh: f64,
    },
    /// The EVSE offers energy and waits for the car to take it.
    PrepareCharging,
    /// The car draws power for the first time in this transaction.
    ChargingStarted,
    /// The car stopped drawing power (state B while energy is offered).
    ChargingPausedEV,
    /// The EVSE stopped offering energy.
    ChargingPausedEVSE {
        /// Every reason that holds, sorted.
        reasons: Vec<PauseReason>,
    },
    /// The car draws power again after a pause.
    ChargingResumed,
    /// The transaction finished.
    TransactionFinished {
        /// Why.
        reason: StopTransactionReason,
        /// The meter's register at the end, Wh.
        meter_stop_wh: f64,
        /// The identifier that stopped it, when one did.
        id_tag: Option<String>,
    },
    /// The session finished: no cable plugged, the EVSE is available again.
    SessionFinished,
    /// A hardware error was raised (OCPP: see [`HardwareError::ocpp`]).
    Error {
        /// The error.
        error: HardwareError,
    },
    /// A hardware error was cleared.
    ErrorCleared {
        /// The error.
        error: HardwareError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_map_to_ocpp_and_back() {
        for r in [
            Reason::DeAuthorized,
            Reason::EmergencyStop,
            Reason::EVDisconnected,
            Reason::HardReset,
            Reason::Local,
            Reason::Other,
            Reason::PowerLoss,
            Reason::Reboot,
            Reason::Remote,
            Reason::SoftReset,
            Reason::UnlockCommand,
        ] {
            assert_eq!(StopTransactionReason::from_ocpp(r).to_ocpp(), r);
        }
        assert_eq!(StopTransactionReason::StoppedByEV.to_ocpp(), Reason::Other);
    }
}

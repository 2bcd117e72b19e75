//! Charging profiles and schedules (OCPP 1.6 §7.8 - §7.13), shared by SetChargingProfile,
//! RemoteStartTransaction and GetCompositeSchedule.

use serde::{Deserialize, Serialize};

use crate::primitives::one_decimal;
use crate::DateTime;

/// What a charging profile is for (OCPP 1.6 §7.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ChargingProfilePurpose {
    /// The maximum power or current of the whole charge point (connector 0 only).
    ChargePointMaxProfile,
    /// The default for new transactions on a connector (or on all of them, for connector 0).
    TxDefaultProfile,
    /// The profile of one running transaction.
    TxProfile,
}

/// How the schedule's start is determined (OCPP 1.6 §7.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargingProfileKind {
    /// Periods are relative to `startSchedule`.
    Absolute,
    /// The schedule repeats daily or weekly from `startSchedule`.
    Recurring,
    /// Periods are relative to the start of the transaction (or of the profile's use).
    Relative,
}

/// The repetition of a Recurring profile (OCPP 1.6 §7.42).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RecurrencyKind {
    /// Repeats every 24 hours.
    Daily,
    /// Repeats every 7 days.
    Weekly,
}

/// The unit of a schedule's limits (OCPP 1.6 §7.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargingRateUnit {
    /// Amperes per phase.
    A,
    /// Watts (total over all phases).
    W,
}

/// One period of a schedule (OCPP 1.6 §7.14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChargingSchedulePeriod {
    /// Seconds from the start of the schedule at which this period begins.
    pub start_period: i32,
    /// The limit in the schedule's unit; one decimal place on the wire.
    #[serde(serialize_with = "one_decimal::serialize")]
    pub limit: f64,
    /// Phases that may be used; absent means 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_phases: Option<i32>,
}

/// A charging schedule (OCPP 1.6 §7.13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChargingSchedule {
    /// Length of the schedule in seconds; absent means it runs until the last period's limit ends
    /// with the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// When the schedule starts (Absolute and Recurring profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_schedule: Option<DateTime>,
    /// The unit of every period's limit.
    pub charging_rate_unit: ChargingRateUnit,
    /// The periods, in increasing `startPeriod` order, the first starting at 0.
    pub charging_schedule_period: Vec<ChargingSchedulePeriod>,
    /// The lowest rate the EV supports, in the schedule's unit; one decimal place on the wire.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "one_decimal::option::serialize"
    )]
    pub min_charging_rate: Option<f64>,
}

/// A charging profile (OCPP 1.6 §7.9), the `csChargingProfiles` of SetChargingProfile and the
/// `chargingProfile` of RemoteStartTransaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChargingProfile {
    /// Unique id of the profile.
    pub charging_profile_id: i32,
    /// The transaction a TxProfile belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    /// Priority among profiles of the same purpose; higher wins.
    pub stack_level: i32,
    /// What the profile is for.
    pub charging_profile_purpose: ChargingProfilePurpose,
    /// How the schedule's start is determined.
    pub charging_profile_kind: ChargingProfileKind,
    /// The repetition of a Recurring profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrency_kind: Option<RecurrencyKind>,
    /// From when the profile is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime>,
    /// Until when the profile is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<DateTime>,
    /// The schedule.
    pub charging_schedule: ChargingSchedule,
}

//! The installed charging profiles: SetChargingProfile, ClearChargingProfile, the end of a
//! transaction, expiry, and persistence by the caller. Validation follows libocpp's
//! `SmartChargingHandler::validate_profile` and `validate_schedule`
//! (lib/ocpp/v16/smart_charging.cpp) check by check, in the same order.

use ocpp_types::charging_profile::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit, RecurrencyKind,
};
use ocpp_types::smart_charging::{
    ChargingProfileStatus, ClearChargingProfileRequest, ClearChargingProfileStatus,
};
use ocpp_types::DateTime;

use super::schedule::{secs, DAY, WEEK};
use super::{ActiveTransaction, SmartChargingSettings, DEFAULT_NUMBER_PHASES};

/// Why a profile was not installed. Every reason is answered `Rejected`, as libocpp does
/// ([`InstallError::status`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InstallError {
    /// The purpose is not in SupportedChargingProfilePurposeTypes.
    #[error("charging profile purpose {0:?} is not supported")]
    PurposeNotSupported(ChargingProfilePurpose),
    /// The connector does not exist.
    #[error("connector {0} does not exist")]
    InvalidConnector(i32),
    /// stackLevel is negative or above ChargeProfileMaxStackLevel.
    #[error("stack level {stack_level} is outside 0..={max}")]
    InvalidStackLevel {
        /// The profile's stackLevel.
        stack_level: i32,
        /// ChargeProfileMaxStackLevel.
        max: i32,
    },
    /// An Absolute or Recurring profile without startSchedule, and
    /// AllowChargingProfileWithoutStartSchedule is off.
    #[error("{0:?} profile without startSchedule")]
    MissingStartSchedule(ChargingProfileKind),
    /// MaxChargingProfilesInstalled are installed already.
    #[error("already {max} charging profiles installed (MaxChargingProfilesInstalled)")]
    TooManyProfiles {
        /// MaxChargingProfilesInstalled.
        max: usize,
    },
    /// More periods than ChargingScheduleMaxPeriods.
    #[error("{periods} schedule periods, at most {max} allowed")]
    TooManyPeriods {
        /// The schedule's number of periods.
        periods: usize,
        /// ChargingScheduleMaxPeriods.
        max: usize,
    },
    /// The unit is not in ChargingScheduleAllowedChargingRateUnit.
    #[error("charging rate unit {0:?} is not allowed")]
    RateUnitNotAllowed(ChargingRateUnit),
    /// A period's numberPhases is not 1, 2 or 3.
    #[error("invalid numberPhases {0}")]
    InvalidNumberPhases(i32),
    /// A period's limit is negative.
    #[error("negative limit {0}")]
    NegativeLimit(f64),
    /// The schedule has no period.
    #[error("the schedule has no period")]
    NoPeriods,
    /// The first period does not start at 0.
    #[error("the first period starts at {0}, not 0")]
    FirstPeriodNotAtZero(i32),
    /// A period does not start after the one before it.
    #[error("period {index} does not start after the one before it")]
    PeriodsNotIncreasing {
        /// Index of the offending period.
        index: usize,
    },
    /// A Recurring profile without recurrencyKind.
    #[error("Recurring profile without recurrencyKind")]
    MissingRecurrencyKind,
    /// A ChargePointMaxProfile on a connector other than 0.
    #[error("ChargePointMaxProfile on connector {0}, only 0 is allowed")]
    ChargePointMaxNotOnConnectorZero(i32),
    /// A ChargePointMaxProfile of kind Relative (there is no transaction to be relative to).
    #[error("ChargePointMaxProfile of kind Relative")]
    ChargePointMaxRelative,
    /// A TxProfile on connector 0.
    #[error("TxProfile on connector 0")]
    TxProfileOnConnectorZero,
    /// A TxProfile on a connector without a running transaction.
    #[error("no transaction is running on connector {0}")]
    NoTransaction(i32),
    /// A TxProfile whose transactionId is not that of the connector's transaction.
    #[error("transactionId {given} does not match the transaction ({running:?}) of the connector")]
    TransactionIdMismatch {
        /// The profile's transactionId.
        given: i32,
        /// The id of the running transaction (`None` while StartTransaction is unanswered).
        running: Option<i32>,
    },
}

impl InstallError {
    /// The SetChargingProfile status to answer: always `Rejected` (libocpp's
    /// `handleSetChargingProfileRequest` never answers NotSupported, not even for an unsupported
    /// purpose).
    pub fn status(&self) -> ChargingProfileStatus {
        ChargingProfileStatus::Rejected
    }
}

/// A profile and the connector it was installed on (0 for ChargePointMaxProfile and for a
/// TxDefaultProfile of every connector). This is the unit of persistence.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledProfile {
    /// The connector of the SetChargingProfile (or RemoteStartTransaction).
    pub connector_id: i32,
    /// The profile as installed (startSchedule filled in, Recurring duration capped).
    pub profile: ChargingProfile,
}

/// The result of a successful installation: what the caller stores and deletes.
#[derive(Debug, Clone, PartialEq)]
pub struct Installed {
    /// The profile as installed, to be stored.
    pub installed: InstalledProfile,
    /// The ids of the profiles it replaced, to be deleted from the store.
    pub replaced: Vec<i32>,
}

/// The result of a ClearChargingProfile.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleared {
    /// The status to answer.
    pub status: ClearChargingProfileStatus,
    /// The ids of the removed profiles, to be deleted from the store.
    pub removed: Vec<i32>,
}

/// The result of [`ChargingProfiles::restore`].
#[derive(Debug, Clone, PartialEq)]
pub struct Restored {
    /// The rebuilt set.
    pub profiles: ChargingProfiles,
    /// Ids of stored profiles no longer valid (a TxProfile whose transaction is gone, a key
    /// changed since), to be deleted from the store, as libocpp's `load_charging_profiles` does.
    pub dropped: Vec<i32>,
}

/// The installed charging profiles of a station with `number_of_connectors` connectors.
///
/// At most one profile per chargingProfileId, and per (connector, purpose, stackLevel): a new
/// profile replaces both. A TxDefaultProfile on connector 0 applies to every connector; one on a
/// connector at the same stack level takes precedence there (libocpp keeps one map per connector
/// keyed by stack level, so whichever was installed last wins; the OCPP 2.0.1 rule, specific over
/// station-wide, makes the outcome independent of the order of installation).
///
/// A ChargePointMaxProfile of 20 A on connector 0 limits connector 1:
///
/// ```
/// use chargepoint_core::smart_charging::{ActiveTransaction, ChargingProfiles, SmartChargingSettings};
/// use ocpp_types::charging_profile::*;
/// use ocpp_types::DateTime;
///
/// let now = DateTime::parse("2026-11-24T06:00:00Z").unwrap();
/// let settings = SmartChargingSettings::default();
/// let mut profiles = ChargingProfiles::new(2);
/// let max = ChargingProfile {
///     charging_profile_id: 1,
///     transaction_id: None,
///     stack_level: 0,
///     charging_profile_purpose: ChargingProfilePurpose::ChargePointMaxProfile,
///     charging_profile_kind: ChargingProfileKind::Absolute,
///     recurrency_kind: None,
///     valid_from: None,
///     valid_to: None,
///     charging_schedule: ChargingSchedule {
///         duration: None,
///         start_schedule: Some(now),
///         charging_rate_unit: ChargingRateUnit::A,
///         charging_schedule_period: vec![ChargingSchedulePeriod {
///             start_period: 0,
///             limit: 20.0,
///             number_phases: None,
///         }],
///         min_charging_rate: None,
///     },
/// };
/// let no_transactions = |_: i32| -> Option<ActiveTransaction> { None };
/// profiles.install(0, max, &settings, &no_transactions, now).unwrap();
/// let limit = profiles.active_limit(1, now, false, &settings, &no_transactions);
/// assert_eq!(limit.amps, 20.0);
/// assert_eq!(limit.watts, 20.0 * 230.0 * 3.0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChargingProfiles {
    number_of_connectors: i32,
    installed: Vec<InstalledProfile>,
}

impl ChargingProfiles {
    /// An empty set for a station with `number_of_connectors` connectors (1..=N; 0 is the
    /// station).
    pub fn new(number_of_connectors: u32) -> Self {
        ChargingProfiles {
            number_of_connectors: i32::try_from(number_of_connectors).unwrap_or(i32::MAX),
            installed: Vec::new(),
        }
    }

    /// The number of connectors.
    pub fn number_of_connectors(&self) -> i32 {
        self.number_of_connectors
    }

    /// SetChargingProfile (OCPP 1.6 §5.16): validates `profile` for `connector_id` and installs
    /// it, replacing any profile with the same chargingProfileId and any with the same purpose
    /// and stackLevel on the same connector (libocpp's `handleSetChargingProfileRequest`).
    ///
    /// `transactions` gives the transaction running on a connector; `now` is the start of an
    /// Absolute or Recurring profile without startSchedule when
    /// AllowChargingProfileWithoutStartSchedule lets one in.
    pub fn install(
        &mut self,
        connector_id: i32,
        profile: ChargingProfile,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
        now: DateTime,
    ) -> Result<Installed, InstallError> {
        let profile = self.validate(connector_id, profile, settings, transactions, false, now)?;
        Ok(self.insert(connector_id, profile))
    }

    /// The TxProfile of a RemoteStartTransaction.req: validated as by [`Self::install`] except
    /// that no transaction needs to be running yet (libocpp's `handleRemoteStartTransactionRequest`
    /// calls `validate_profile` with `ignore_no_transaction`). The caller checks that the purpose
    /// is TxProfile and that a connector was given.
    pub fn install_for_remote_start(
        &mut self,
        connector_id: i32,
        profile: ChargingProfile,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
        now: DateTime,
    ) -> Result<Installed, InstallError> {
        let profile = self.validate(connector_id, profile, settings, transactions, true, now)?;
        Ok(self.insert(connector_id, profile))
    }

    fn validate(
        &self,
        connector_id: i32,
        mut profile: ChargingProfile,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
        ignore_no_transaction: bool,
        now: DateTime,
    ) -> Result<ChargingProfile, InstallError> {
        let purpose = profile.charging_profile_purpose;
        let kind = profile.charging_profile_kind;
        if !settings.supported_purposes.contains(&purpose) {
            return Err(InstallError::PurposeNotSupported(purpose));
        }
        if !(0..=self.number_of_connectors).contains(&connector_id) {
            return Err(InstallError::InvalidConnector(connector_id));
        }
        if !(0..=settings.max_stack_level).contains(&profile.stack_level) {
            return Err(InstallError::InvalidStackLevel {
                stack_level: profile.stack_level,
                max: settings.max_stack_level,
            });
        }
        let schedule = &mut profile.charging_schedule;
        if kind == ChargingProfileKind::Absolute && schedule.start_schedule.is_none() {
            if !settings.allow_without_start_schedule {
                return Err(InstallError::MissingStartSchedule(kind));
            }
            schedule.start_schedule = Some(now);
        }
        // libocpp counts before replacing, so a full station rejects even a replacement; the
        // profiles this one replaces are not counted here, since the number installed afterwards
        // is what MaxChargingProfilesInstalled bounds.
        let remaining = self
            .installed
            .iter()
            .filter(|p| !replaces(connector_id, &profile, p))
            .count();
        if remaining >= settings.max_profiles_installed {
            return Err(InstallError::TooManyProfiles {
                max: settings.max_profiles_installed,
            });
        }
        validate_schedule(&profile, settings)?;
        let schedule = &mut profile.charging_schedule;
        if kind == ChargingProfileKind::Recurring {
            let Some(recurrency) = profile.recurrency_kind else {
                return Err(InstallError::MissingRecurrencyKind);
            };
            if schedule.start_schedule.is_none() {
                if !settings.allow_without_start_schedule {
                    return Err(InstallError::MissingStartSchedule(kind));
                }
                schedule.start_schedule = Some(now);
            }
            // libocpp cuts the duration of a Recurring schedule to its recurrence.
            let max = match recurrency {
                RecurrencyKind::Daily => DAY,
                RecurrencyKind::Weekly => WEEK,
            };
            if let Some(d) = schedule.duration {
                if i64::from(d) > max {
                    schedule.duration = i32::try_from(max).ok();
                }
            }
        }
        match purpose {
            ChargingProfilePurpose::ChargePointMaxProfile => {
                if connector_id != 0 {
                    return Err(InstallError::ChargePointMaxNotOnConnectorZero(connector_id));
                }
                if kind == ChargingProfileKind::Relative {
                    return Err(InstallError::ChargePointMaxRelative);
                }
            }
            ChargingProfilePurpose::TxDefaultProfile => {}
            ChargingProfilePurpose::TxProfile => {
                if connector_id == 0 {
                    return Err(InstallError::TxProfileOnConnectorZero);
                }
                let transaction = transactions(connector_id);
                if transaction.is_none() && !ignore_no_transaction {
                    return Err(InstallError::NoTransaction(connector_id));
                }
                if let Some(given) = profile.transaction_id {
                    let running = transaction.and_then(|t| t.transaction_id);
                    if transaction.is_none() {
                        return Err(InstallError::NoTransaction(connector_id));
                    }
                    if running != Some(given) {
                        return Err(InstallError::TransactionIdMismatch { given, running });
                    }
                }
            }
        }
        Ok(profile)
    }

    fn insert(&mut self, connector_id: i32, profile: ChargingProfile) -> Installed {
        let mut replaced = Vec::new();
        self.installed.retain(|p| {
            let keep = !replaces(connector_id, &profile, p);
            if !keep {
                replaced.push(p.profile.charging_profile_id);
            }
            keep
        });
        let installed = InstalledProfile {
            connector_id,
            profile,
        };
        self.installed.push(installed.clone());
        Installed {
            installed,
            replaced,
        }
    }

    /// ClearChargingProfile (OCPP 1.6 §5.5), as libocpp's `handleClearChargingProfileRequest`:
    /// - no criterion: every profile is removed and the answer is `Accepted`, even when there was
    ///   none (libocpp);
    /// - an id: the profile with that id, whatever the other criteria; `Unknown` if there is
    ///   none (libocpp does not fall back to the other criteria);
    /// - otherwise every profile matching all of connectorId (the connector it was installed on),
    ///   purpose and stackLevel; `Unknown` if none does.
    pub fn clear(&mut self, request: &ClearChargingProfileRequest) -> Cleared {
        let no_criterion = request.id.is_none()
            && request.connector_id.is_none()
            && request.charging_profile_purpose.is_none()
            && request.stack_level.is_none();
        let removed = self.remove_where(|p| match request.id {
            Some(id) => p.profile.charging_profile_id == id,
            None => {
                request.connector_id.is_none_or(|c| c == p.connector_id)
                    && request
                        .charging_profile_purpose
                        .is_none_or(|purpose| purpose == p.profile.charging_profile_purpose)
                    && request
                        .stack_level
                        .is_none_or(|level| level == p.profile.stack_level)
            }
        });
        let status = if no_criterion || !removed.is_empty() {
            ClearChargingProfileStatus::Accepted
        } else {
            ClearChargingProfileStatus::Unknown
        };
        Cleared { status, removed }
    }

    /// The transaction on `connector_id` ended: its TxProfiles go (libocpp's `stop_transaction`
    /// clears every TxProfile of the connector). Returns their ids, to be deleted from the store;
    /// libocpp signals new limits when any was removed.
    pub fn transaction_ended(&mut self, connector_id: i32) -> Vec<i32> {
        self.remove_where(|p| {
            p.connector_id == connector_id
                && p.profile.charging_profile_purpose == ChargingProfilePurpose::TxProfile
        })
    }

    /// Removes the profiles that can no longer apply at `now`: validTo before `now`, or an
    /// Absolute schedule whose startSchedule + duration is before `now` (libocpp's
    /// `clear_expired_profiles`, which it runs once a day). Returns their ids.
    pub fn remove_expired(&mut self, now: DateTime) -> Vec<i32> {
        let now = secs(now);
        self.remove_where(|p| {
            let profile = &p.profile;
            let schedule = &profile.charging_schedule;
            let invalid = profile.valid_to.is_some_and(|to| secs(to) < now);
            let over = profile.charging_profile_kind == ChargingProfileKind::Absolute
                && matches!((schedule.start_schedule, schedule.duration),
                    (Some(start), Some(d)) if secs(start) + i64::from(d) < now);
            invalid || over
        })
    }

    fn remove_where(&mut self, mut matches: impl FnMut(&InstalledProfile) -> bool) -> Vec<i32> {
        let mut removed = Vec::new();
        self.installed.retain(|p| {
            let hit = matches(p);
            if hit {
                removed.push(p.profile.charging_profile_id);
            }
            !hit
        });
        removed
    }

    /// Every installed profile with its connector, in installation order: what the caller
    /// stores.
    pub fn iter(&self) -> impl Iterator<Item = &InstalledProfile> {
        self.installed.iter()
    }

    /// The profiles installed on `connector_id` (0: ChargePointMaxProfiles and TxDefaultProfiles
    /// of every connector).
    pub fn on_connector(&self, connector_id: i32) -> impl Iterator<Item = &ChargingProfile> {
        self.installed
            .iter()
            .filter(move |p| p.connector_id == connector_id)
            .map(|p| &p.profile)
    }

    /// The profile with chargingProfileId `id`.
    pub fn get(&self, id: i32) -> Option<&InstalledProfile> {
        self.installed
            .iter()
            .find(|p| p.profile.charging_profile_id == id)
    }

    /// How many profiles are installed.
    pub fn len(&self) -> usize {
        self.installed.len()
    }

    /// Whether no profile is installed.
    pub fn is_empty(&self) -> bool {
        self.installed.is_empty()
    }

    /// Rebuilds the set from stored profiles (e.g. after a restart), validating each again as
    /// libocpp's `load_charging_profiles` does: those that fail (a TxProfile whose transaction is
    /// no longer running, a configuration changed since) are dropped.
    pub fn restore(
        number_of_connectors: u32,
        stored: impl IntoIterator<Item = InstalledProfile>,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
        now: DateTime,
    ) -> Restored {
        let mut profiles = ChargingProfiles::new(number_of_connectors);
        let mut dropped = Vec::new();
        for p in stored {
            let id = p.profile.charging_profile_id;
            match profiles.install(p.connector_id, p.profile, settings, transactions, now) {
                Ok(installed) => dropped.extend(installed.replaced),
                Err(_) => dropped.push(id),
            }
        }
        Restored { profiles, dropped }
    }

    /// The installed profiles, for the composite schedule.
    pub(crate) fn installed(&self) -> &[InstalledProfile] {
        &self.installed
    }
}

/// Whether installing `profile` on `connector_id` replaces `existing`: same chargingProfileId,
/// or same connector, purpose and stackLevel (OCPP 1.6 §5.16; libocpp's two
/// `clear_all_profiles_with_filter` calls).
fn replaces(connector_id: i32, profile: &ChargingProfile, existing: &InstalledProfile) -> bool {
    existing.profile.charging_profile_id == profile.charging_profile_id
        || (existing.connector_id == connector_id
            && existing.profile.charging_profile_purpose == profile.charging_profile_purpose
            && existing.profile.stack_level == profile.stack_level)
}

/// libocpp's `validate_schedule`, plus the period order OCPP 1.6 §7.13 requires (libocpp accepts
/// such a schedule and then skips its out-of-order periods in `calculate_profile_entry`; refusing
/// it tells the central system instead of silently ignoring part of what it sent).
fn validate_schedule(
    profile: &ChargingProfile,
    settings: &SmartChargingSettings,
) -> Result<(), InstallError> {
    let schedule = &profile.charging_schedule;
    let periods = &schedule.charging_schedule_period;
    if periods.len() > settings.max_periods {
        return Err(InstallError::TooManyPeriods {
            periods: periods.len(),
            max: settings.max_periods,
        });
    }
    if !settings
        .allowed_rate_units
        .contains(&schedule.charging_rate_unit)
    {
        return Err(InstallError::RateUnitNotAllowed(
            schedule.charging_rate_unit,
        ));
    }
    for period in periods {
        if let Some(phases) = period.number_phases {
            if !(1..=DEFAULT_NUMBER_PHASES).contains(&phases) {
                return Err(InstallError::InvalidNumberPhases(phases));
            }
        }
        // NaN cannot come from JSON, but a Rust caller could build one.
        if period.limit.is_nan() || period.limit < 0.0 {
            return Err(InstallError::NegativeLimit(period.limit));
        }
    }
    let Some(first) = periods.first() else {
        return Err(InstallError::NoPeriods);
    };
    if first.start_period != 0 {
        return Err(InstallError::FirstPeriodNotAtZero(first.start_period));
    }
    if let Some(index) = periods
        .windows(2)
        .position(|w| w[1].start_period <= w[0].start_period)
    {
        return Err(InstallError::PeriodsNotIncreasing { index: index + 1 });
    }
    Ok(())
}

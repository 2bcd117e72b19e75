//! Smart Charging in the core (OCPP 1.6 §3.13, §5.5, §5.7, §5.16). The decisions are the pure
//! engine's ([`crate::smart_charging`]); this file feeds it the time (the station's clock
//! corrected by the central system's, [`ChargePoint::clock`]), the configuration and the running
//! transactions, keeps the store in step with what it installs and removes, and tells the
//! station the limits ([`StationCommand::ChargingLimit`]).
//!
//! - SetChargingProfile, ClearChargingProfile and GetCompositeSchedule are answered as the
//!   engine decides; without SmartCharging in SupportedFeatureProfiles, CALLERROR NotSupported.
//! - A RemoteStartTransaction's TxProfile is installed when the transaction starts
//!   ([`ChargingProfiles::install_for_remote_start`]); the end of a transaction removes the
//!   TxProfiles of its connector.
//! - Every profile installed is stored before the answer goes out, and deleted when it goes; at
//!   start the stored ones are validated again ([`ChargingProfiles::restore`]).
//! - After every change, and at the engine's next period boundary, a
//!   [`StationCommand::ChargingLimit`] goes out for each connector (0 included) whose limit
//!   changed; with [`ChargePoint::with_publish_interval`], for every connector every
//!   PublishChargingScheduleIntervalS as well.
//!
//! As libocpp's handlers and everest-core's OCPP module; the full behaviour and where it differs:
//! docs/core/smart-charging.md.

use std::time::{Duration, Instant};

use ocpp_rpc::{CallErrorCode, MessageId};
use ocpp_types::smart_charging::{
    ChargingProfileStatus, ClearChargingProfileRequest, ClearChargingProfileResponse,
    ClearChargingProfileStatus, GetCompositeScheduleRequest, SetChargingProfileRequest,
    SetChargingProfileResponse,
};
use ocpp_types::{Action, AnyResponse, DateTime};

use super::{ChargePoint, Now, StationCommand};
use crate::config::ProfileName;
use crate::smart_charging::{
    ActiveLimit, ActiveTransaction as Session, ChargingProfiles, Installed, InstalledProfile,
    SmartChargingSettings,
};

/// The Smart Charging state of the core: the installed profiles and what the station was told.
#[derive(Debug)]
pub(crate) struct SmartCharging {
    profiles: ChargingProfiles,
    /// The limit last issued per connector (0: the station); `None` before the first, which
    /// means the station applies no external limit there.
    issued: Vec<Option<Limit>>,
    /// When the limit in force next changes on some connector (the engine's `next_change`).
    next_change: Option<Instant>,
    /// PublishChargingScheduleIntervalS; zero: limits are only issued when they change.
    publish_interval: Duration,
    /// When every limit is issued again.
    next_publish: Option<Instant>,
    /// When the core was created: the first publication is due then.
    created: Instant,
}

impl SmartCharging {
    /// No profiles, for a station with `number_of_connectors` connectors, created at `now`.
    pub fn new(number_of_connectors: u32, now: Instant) -> SmartCharging {
        SmartCharging {
            profiles: ChargingProfiles::new(number_of_connectors),
            issued: vec![None; number_of_connectors as usize + 1],
            next_change: None,
            publish_interval: Duration::ZERO,
            next_publish: None,
            created: now,
        }
    }

    /// The next timer of Smart Charging.
    pub fn deadline(&self) -> Option<Instant> {
        self.next_change.into_iter().chain(self.next_publish).min()
    }
}

/// A limit as issued to the station ([`StationCommand::ChargingLimit`] without its connector).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limit {
    amps: f64,
    watts: f64,
    number_phases: Option<u32>,
    min_amps: Option<f64>,
    limited: bool,
}

impl Limit {
    fn new(active: &ActiveLimit) -> Limit {
        Limit {
            amps: active.amps,
            watts: active.watts,
            number_phases: active.number_phases.and_then(|p| u32::try_from(p).ok()),
            min_amps: active.min_charging_rate_amps,
            limited: active.limited,
        }
    }

    fn command(self, connector: u32) -> StationCommand {
        StationCommand::ChargingLimit {
            connector,
            amps: self.amps,
            watts: self.watts,
            number_phases: self.number_phases,
            min_amps: self.min_amps,
            limited: self.limited,
        }
    }
}

/// The transaction of `connector` in a snapshot of [`ChargePoint::smart_charging_sessions`].
fn session(sessions: &[Option<Session>], connector: i32) -> Option<Session> {
    usize::try_from(connector)
        .ok()
        .and_then(|c| sessions.get(c).copied().flatten())
}

/// A connector as the engine numbers it.
fn engine_connector(connector: u32) -> i32 {
    i32::try_from(connector).unwrap_or(i32::MAX)
}

impl ChargePoint {
    /// Issues every connector's charging limit once at start and then every `interval`
    /// (everest-core's OCPP module config PublishChargingScheduleIntervalS, default 30 s there:
    /// "charging schedules received from OCPP are published and signalled to connected modules";
    /// 0, the core's default, "only published when changed by CSMS"). Limits that change are
    /// issued at once either way.
    pub fn with_publish_interval(mut self, interval: Duration) -> ChargePoint {
        let sc = &mut self.smart_charging;
        sc.publish_interval = interval;
        // everest-core publishes once at start, then on its timer.
        sc.next_publish = (!interval.is_zero()).then_some(sc.created);
        self
    }

    /// The installed charging profiles.
    pub fn charging_profiles(&self) -> &ChargingProfiles {
        &self.smart_charging.profiles
    }

    /// SetChargingProfile.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_set_charging_profile(
        &mut self,
        id: &MessageId,
        request: SetChargingProfileRequest,
        now: Now,
    ) {
        if !self.smart_charging_supported(id, Action::SetChargingProfile) {
            return;
        }
        let connector = request.connector_id;
        let profile_id = request.cs_charging_profiles.charging_profile_id;
        let clock = self.clock(now);
        let settings = SmartChargingSettings::from_config(self.config.typed());
        let sessions = self.smart_charging_sessions();
        let result = self.smart_charging.profiles.install(
            connector,
            request.cs_charging_profiles,
            &settings,
            &|c| session(&sessions, c),
            clock,
        );
        let status = match result {
            Ok(installed) => {
                tracing::info!(
                    profile = profile_id,
                    connector,
                    "SetChargingProfile accepted"
                );
                self.store_installed(installed);
                ChargingProfileStatus::Accepted
            }
            Err(e) => {
                tracing::info!(profile = profile_id, connector, error = %e,
                    "SetChargingProfile rejected");
                e.status()
            }
        };
        self.respond(
            id,
            AnyResponse::SetChargingProfile(SetChargingProfileResponse { status }),
        );
        // libocpp signals the new limits after the answer, and only for an accepted profile.
        if status == ChargingProfileStatus::Accepted {
            self.refresh_charging_limits(now, false);
        }
    }

    /// ClearChargingProfile.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_clear_charging_profile(
        &mut self,
        id: &MessageId,
        request: &ClearChargingProfileRequest,
        now: Now,
    ) {
        if !self.smart_charging_supported(id, Action::ClearChargingProfile) {
            return;
        }
        let cleared = self.smart_charging.profiles.clear(request);
        tracing::info!(?request, status = ?cleared.status, removed = ?cleared.removed,
            "ClearChargingProfile");
        self.forget_charging_profiles(&cleared.removed, "cleared");
        self.respond(
            id,
            AnyResponse::ClearChargingProfile(ClearChargingProfileResponse {
                status: cleared.status,
            }),
        );
        if cleared.status == ClearChargingProfileStatus::Accepted {
            self.refresh_charging_limits(now, false);
        }
    }

    /// GetCompositeSchedule.req (see the module docs): computed from now, offline when the
    /// transport is down (IgnoredProfilePurposesOffline), as libocpp.
    #[inline(never)]
    pub(crate) fn on_get_composite_schedule(
        &mut self,
        id: &MessageId,
        request: &GetCompositeScheduleRequest,
        now: Now,
    ) {
        if !self.smart_charging_supported(id, Action::GetCompositeSchedule) {
            return;
        }
        let clock = self.clock(now);
        let settings = SmartChargingSettings::from_config(self.config.typed());
        let sessions = self.smart_charging_sessions();
        let response = self.smart_charging.profiles.get_composite_schedule(
            request,
            clock,
            !self.connected,
            &settings,
            &|c| session(&sessions, c),
        );
        tracing::info!(?request, status = ?response.status, "GetCompositeSchedule");
        self.respond(id, AnyResponse::GetCompositeSchedule(response));
    }

    /// At start: the stored profiles, validated again with the transactions that survived the
    /// restart (see the module docs), then their limits.
    pub(crate) fn restore_charging_profiles(&mut self, now: Now) {
        let stored = match self.store.charging_profiles() {
            Ok(stored) => stored,
            Err(e) => {
                tracing::error!(error = %e, "charging profiles could not be read");
                return;
            }
        };
        if stored.is_empty() {
            return;
        }
        let clock = self.clock(now);
        let settings = SmartChargingSettings::from_config(self.config.typed());
        let sessions = self.smart_charging_sessions();
        let stored = stored
            .into_iter()
            .map(|(connector, profile)| InstalledProfile {
                connector_id: engine_connector(connector),
                profile,
            });
        let restored = ChargingProfiles::restore(
            self.number_of_connectors(),
            stored,
            &settings,
            &|c| session(&sessions, c),
            clock,
        );
        for id in &restored.dropped {
            tracing::warn!(
                profile = id,
                "stored charging profile no longer valid (its transaction is gone or the \
                 configuration changed): dropped"
            );
        }
        self.smart_charging.profiles = restored.profiles;
        self.forget_charging_profiles(&restored.dropped, "no longer valid");
        let expired = self.smart_charging.profiles.remove_expired(clock);
        self.forget_charging_profiles(&expired, "expired");
        tracing::info!(
            profiles = self.smart_charging.profiles.len(),
            "charging profiles restored"
        );
        self.refresh_charging_limits(now, false);
    }

    /// The station started a transaction on `connector`: the TxProfile of the remote start that
    /// led to it is installed, and the limits follow the transaction (a Relative profile counts
    /// from its start).
    pub(crate) fn smart_charging_transaction_started(&mut self, connector: u32, now: Now) {
        let profile = self
            .connectors
            .get(connector as usize)
            .and_then(|c| c.tx_profile.clone());
        if let Some(profile) = profile {
            let profile_id = profile.charging_profile_id;
            let clock = self.clock(now);
            let settings = SmartChargingSettings::from_config(self.config.typed());
            let sessions = self.smart_charging_sessions();
            let result = self.smart_charging.profiles.install_for_remote_start(
                engine_connector(connector),
                profile,
                &settings,
                &|c| session(&sessions, c),
                clock,
            );
            match result {
                Ok(installed) => {
                    tracing::info!(
                        profile = profile_id,
                        connector,
                        "TxProfile of the remote start installed"
                    );
                    self.store_installed(installed);
                }
                // remote_control.rs validated it as libocpp does; what can still fail here is
                // what changed since (MaxChargingProfilesInstalled reached meanwhile, ...).
                Err(e) => tracing::warn!(profile = profile_id, connector, error = %e,
                    "TxProfile of the remote start not installed"),
            }
        }
        self.refresh_charging_limits(now, false);
    }

    /// The transaction on `connector` ended: its TxProfiles go, and the limits follow.
    pub(crate) fn smart_charging_transaction_ended(&mut self, connector: u32, now: Now) {
        let removed = self
            .smart_charging
            .profiles
            .transaction_ended(engine_connector(connector));
        self.forget_charging_profiles(&removed, "transaction ended");
        self.refresh_charging_limits(now, false);
    }

    /// The transport came up or went down: IgnoredProfilePurposesOffline may change the
    /// limits (libocpp signals new limits on both when it is not empty).
    pub(crate) fn smart_charging_connection_changed(&mut self, now: Now) {
        self.refresh_charging_limits(now, false);
    }

    /// The Smart Charging timers: the next change of a limit, the periodic publication.
    pub(crate) fn smart_charging_timer(&mut self, now: Now) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now.instant);
        let publish = due(self.smart_charging.next_publish);
        if !publish && !due(self.smart_charging.next_change) {
            return;
        }
        if publish {
            self.smart_charging.next_publish =
                Some(now.instant + self.smart_charging.publish_interval);
        }
        let expired = self.smart_charging.profiles.remove_expired(self.clock(now));
        self.forget_charging_profiles(&expired, "expired");
        self.refresh_charging_limits(now, publish);
    }

    /// Whether the SmartCharging profile is supported; answers NotSupported when not (see the
    /// module docs).
    fn smart_charging_supported(&mut self, id: &MessageId, action: Action) -> bool {
        if self.config.core().supports(ProfileName::SmartCharging) {
            return true;
        }
        tracing::info!(%id, %action, "SmartCharging is not in SupportedFeatureProfiles");
        let description = format!("{action} needs the SmartCharging feature profile");
        self.respond_error(id, CallErrorCode::NotSupported, &description);
        false
    }

    /// The transaction of each connector (index 0 is the station: none), as the engine sees it.
    fn smart_charging_sessions(&self) -> Vec<Option<Session>> {
        self.connectors
            .iter()
            .map(|c| {
                c.transaction.as_ref().map(|t| Session {
                    transaction_id: t.record.transaction_id,
                    started: t.record.started_at,
                })
            })
            .collect()
    }

    /// Writes an installed profile to the store and deletes those it replaced.
    fn store_installed(&mut self, installed: Installed) {
        let id = installed.installed.profile.charging_profile_id;
        let replaced: Vec<i32> = installed
            .replaced
            .into_iter()
            .filter(|r| *r != id)
            .collect();
        self.forget_charging_profiles(&replaced, "replaced");
        let connector = u32::try_from(installed.installed.connector_id).unwrap_or(0);
        if let Err(e) = self
            .store
            .save_charging_profile(connector, &installed.installed.profile)
        {
            tracing::error!(profile = id, error = %e,
                "charging profile not stored; it applies until the next restart");
        }
    }

    /// Deletes the profiles `ids` from the store.
    fn forget_charging_profiles(&mut self, ids: &[i32], why: &str) {
        for id in ids {
            tracing::info!(profile = id, why, "charging profile removed");
            if let Err(e) = self.store.remove_charging_profile(*id) {
                tracing::error!(profile = id, error = %e, "charging profile not removed from the store");
            }
        }
    }

    /// Issues the limit of every connector whose limit differs from the one last issued (all
    /// when `force`), and sets the timer to the next change.
    fn refresh_charging_limits(&mut self, now: Now, force: bool) {
        let clock = self.clock(now);
        let settings = SmartChargingSettings::from_config(self.config.typed());
        let sessions = self.smart_charging_sessions();
        let transactions = |c: i32| session(&sessions, c);
        let offline = !self.connected;
        let mut next_change: Option<DateTime> = None;
        for connector in 0..=self.number_of_connectors() {
            let active = self.smart_charging.profiles.active_limit(
                engine_connector(connector),
                clock,
                offline,
                &settings,
                &transactions,
            );
            next_change = next_change.into_iter().chain(active.next_change).min();
            let limit = Limit::new(&active);
            let Some(slot) = self.smart_charging.issued.get_mut(connector as usize) else {
                continue;
            };
            // Nothing issued yet means no external limit: the same as a limit no profile sets.
            let changed = slot.map_or(limit.limited, |last| last != limit);
            if changed {
                tracing::info!(connector, amps = limit.amps, watts = limit.watts,
                    phases = ?limit.number_phases, limited = limit.limited, "charging limit");
            } else if force {
                // The periodic republication (PublishChargingScheduleIntervalS) of a limit
                // that did not change: news to nobody reading the log.
                tracing::debug!(connector, amps = limit.amps, watts = limit.watts,
                    phases = ?limit.number_phases, limited = limit.limited, "charging limit");
            }
            if changed || force {
                *slot = Some(limit);
                self.commands.push_back(limit.command(connector));
            }
        }
        // The engine's times are whole seconds after `clock`; at least 1 ms keeps the driver
        // from spinning on a deadline already past.
        self.smart_charging.next_change = next_change.map(|at| {
            let ms = at.unix_millis().saturating_sub(clock.unix_millis()).max(1);
            now.instant + Duration::from_millis(u64::try_from(ms).unwrap_or(1))
        });
    }
}

//! Registration: BootNotification (OCPP 1.6 §4.2) and what a connection does before and after
//! it.
//!
//! The first connection sends BootNotification with the Internal keys that are set. Its
//! answer is handled as libocpp's `ChargePointImpl::handleBootNotificationResponse`:
//!
//! - every answer: `interval` > 0 becomes HeartbeatInterval (stored as a station change, as
//!   libocpp's `setHeartbeatInterval` there), and currentTime sets the clock offset. libocpp
//!   sets the system time only on Accepted (`set_system_time_callback`); OCPP 1.6 §4.2
//!   recommends synchronising with the currentTime of every BootNotification.conf, and a
//!   Pending station stamps the messages a TriggerMessage asks for, so the core takes it
//!   whatever the status. A correction of [`CLOCK_SET_STEP`] or more raises the security event
//!   SettingSystemTime, as a Heartbeat.conf's does;
//! - Accepted: the heartbeat and the clock-aligned timer start and every connector's status
//!   is sent, connector 0 first;
//! - Pending / Rejected: BootNotification again after `interval` seconds, or after
//!   [`DEFAULT_BOOT_NOTIFICATION_INTERVAL`] when it is 0 (libocpp's
//!   DEFAULT_BOOT_NOTIFICATION_INTERVAL_S). Nothing else is sent meanwhile (transaction
//!   messages wait in their queue; while Pending what a TriggerMessage asks for goes out, as
//!   libocpp's triggered messages). What the central system may ask meanwhile is in
//!   `dispatch.rs`;
//! - no answer, a CALLERROR or an answer that does not decode (a currentTime that does not
//!   parse, say): BootNotification again [`DEFAULT_BOOT_NOTIFICATION_INTERVAL`] after the
//!   failed one was queued (libocpp's `MessageQueue::handle_timeout_or_callerror` puts it back
//!   with its timestamp plus boot_notification_retry_interval_seconds), so the wait for the
//!   answer counts towards it; the registration is what it was (none before the first answer,
//!   so the state never shows a registration the central system did not give). Once Accepted,
//!   a failed BootNotification (one a TriggerMessage asked for) changes nothing and is not sent
//!   again: the station is registered and a retry would only repeat every minute what the
//!   central system cannot answer. libocpp ignores an answer it cannot convert (the exception
//!   branches of `ChargePointImpl::message_callback` around `handleBootNotificationResponse`)
//!   and keeps its registration too;
//! - a reconnect after Accepted sends no BootNotification (OCPP 1.6 §4.2: only after a
//!   reboot), but StatusNotification for every connector, as libocpp's
//!   `ChargePointImpl::connected_callback`; a reconnect while Pending or Rejected leaves the
//!   retry timer in charge.

use std::time::{Duration, Instant};

use ocpp_rpc::CallErrorInfo;
use ocpp_types::core::{BootNotificationRequest, BootNotificationResponse, RegistrationStatus};
use ocpp_types::{Action, CiString20, CiString25, CiString50, DateTime};

use super::message_queue::Purpose;
use super::security_events::kind;
use super::{limits, ChargePoint, Now};

/// The smallest correction of the clock by the central system's currentTime that sets the
/// clock (security event SettingSystemTime): far above the error of one reading (half a round
/// trip), far below a clock that is wrong.
pub const CLOCK_SET_STEP: Duration = Duration::from_secs(5);

/// The wait before the next BootNotification when the central system gives an interval of 0,
/// does not answer or answers with a CALLERROR (libocpp: 60 s).
pub const DEFAULT_BOOT_NOTIFICATION_INTERVAL: Duration = Duration::from_secs(60);

/// Where registration stands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registration {
    /// The last BootNotification.conf status; `None` before the first.
    pub status: Option<RegistrationStatus>,
    /// When the next BootNotification is due, if one waits for a timer.
    pub next_boot: Option<Instant>,
    /// A BootNotification is queued or in flight.
    pub boot_queued: bool,
    /// When the BootNotification queued or in flight was queued.
    pub boot_queued_at: Option<Instant>,
}

impl ChargePoint {
    /// After the transport connected: BootNotification until Accepted, StatusNotifications for
    /// every connector on a reconnect after it.
    pub(crate) fn on_connected(&mut self, now: Now) {
        if self.registration.status == Some(RegistrationStatus::Accepted) {
            self.queue_all_status_notifications(now);
            return;
        }
        // Pending or Rejected with a retry timer running: the timer decides (libocpp).
        if self.registration.next_boot.is_none_or(|t| t <= now.instant) {
            self.queue_boot_notification(now);
        }
    }

    /// The retry timer of BootNotification.
    pub(crate) fn registration_timer(&mut self, now: Now) {
        if self.registration.next_boot.is_none_or(|t| t > now.instant) {
            return;
        }
        // The wait is over; offline the BootNotification goes with the next connection.
        self.registration.next_boot = None;
        if self.connected {
            self.queue_boot_notification(now);
        }
    }

    /// Queues a BootNotification unless one is queued or in flight.
    pub(crate) fn queue_boot_notification(&mut self, now: Now) {
        if self.registration.boot_queued {
            return;
        }
        let internal = self.config.internal();
        let request = BootNotificationRequest {
            charge_point_vendor: CiString20::truncating(&internal.charge_point_vendor),
            charge_point_model: CiString20::truncating(&internal.charge_point_model),
            charge_point_serial_number: internal
                .charge_point_serial_number
                .as_deref()
                .map(CiString25::truncating),
            charge_box_serial_number: Some(CiString25::truncating(
                &internal.charge_box_serial_number,
            )),
            firmware_version: Some(CiString50::truncating(&internal.firmware_version)),
            iccid: internal.iccid.as_deref().map(CiString20::truncating),
            imsi: internal.imsi.as_deref().map(CiString20::truncating),
            meter_type: internal.meter_type.as_deref().map(CiString25::truncating),
            meter_serial_number: internal
                .meter_serial_number
                .as_deref()
                .map(CiString25::truncating),
        };
        self.registration.next_boot = None;
        self.registration.boot_queued = true;
        self.registration.boot_queued_at = Some(now.instant);
        self.queue.push_normal(
            Action::BootNotification,
            ocpp_types::encode(&request),
            Purpose::BootNotification,
        );
    }

    /// BootNotification.conf.
    #[inline(never)]
    pub(crate) fn on_boot_notification_response(
        &mut self,
        response: BootNotificationResponse,
        now: Now,
    ) {
        self.registration.boot_queued = false;
        self.registration.status = Some(response.status);
        tracing::info!(status = ?response.status, interval = response.interval, "BootNotification answered");
        if response.interval > 0 {
            // As libocpp: the interval is the heartbeat interval whatever the status, kept in the
            // user config like any other change.
            if let Err(e) = self
                .config
                .set_by_station("HeartbeatInterval", serde_json::json!(response.interval))
            {
                tracing::warn!(error = %e, "HeartbeatInterval from BootNotification.conf not kept");
            }
        }
        self.set_clock_offset(response.current_time, Action::BootNotification, now);
        match response.status {
            RegistrationStatus::Accepted => {
                self.registration.next_boot = None;
                self.restart_heartbeat(now);
                self.restart_clock_aligned(now);
                self.queue_all_status_notifications(now);
                self.schedule_certificate_expiry_check(now);
                // After a restart into a signed update's firmware: its Installed.
                self.send_installed_after_restart();
                self.pnc_registered(now);
            }
            RegistrationStatus::Pending | RegistrationStatus::Rejected => {
                let wait = u64::try_from(response.interval)
                    .ok()
                    .filter(|s| *s > 0)
                    .map_or(DEFAULT_BOOT_NOTIFICATION_INTERVAL, Duration::from_secs)
                    .min(limits::MAX_BOOT_RETRY_INTERVAL);
                self.registration.next_boot = Some(now.instant + wait);
            }
        }
    }

    /// BootNotification got a CALLERROR, an invalid answer or none.
    #[inline(never)]
    pub(crate) fn on_boot_notification_failed(&mut self, error: CallErrorInfo, now: Now) {
        self.registration.boot_queued = false;
        if self.registration.status == Some(RegistrationStatus::Accepted) {
            self.registration.boot_queued_at = None;
            return tracing::warn!(%error, "triggered BootNotification failed; the registration stands (Accepted)");
        }
        tracing::warn!(%error, "BootNotification failed; trying again later");
        let due = self
            .registration
            .boot_queued_at
            .take()
            .map_or(now.instant, |t| t + DEFAULT_BOOT_NOTIFICATION_INTERVAL)
            .max(now.instant);
        self.registration.next_boot = Some(due);
        // Already due (the answer took the whole interval): at once rather than a timer in the
        // past.
        self.registration_timer(now);
    }

    /// Takes the central system's time (the currentTime of `source`) as the time of `now`.
    /// A correction of [`CLOCK_SET_STEP`] or more sets the clock: the security event
    /// SettingSystemTime (critical, so sent). libocpp hands every currentTime to the station
    /// (set_system_time_callback) and raises no event; the whitepaper's "the system time has
    /// been set" is a step of the clock, not the few milliseconds each Heartbeat corrects.
    pub(crate) fn set_clock_offset(
        &mut self,
        central_system_time: DateTime,
        source: Action,
        now: Now,
    ) {
        let before = self.clock_offset_ms;
        self.clock_offset_ms = central_system_time.unix_millis() - now.utc.unix_millis();
        tracing::debug!(
            offset_ms = self.clock_offset_ms,
            "clock offset to the central system"
        );
        let step_ms = self.clock_offset_ms.saturating_sub(before);
        let threshold = i64::try_from(CLOCK_SET_STEP.as_millis()).unwrap_or(i64::MAX);
        if step_ms.saturating_abs() >= threshold {
            let tech_info = format!(
                "clock set by {:+.3} s to the currentTime of {source}.conf",
                step_ms as f64 / 1000.0
            );
            self.security_event(kind::SETTING_SYSTEM_TIME, Some(&tech_info), now);
        }
    }
}

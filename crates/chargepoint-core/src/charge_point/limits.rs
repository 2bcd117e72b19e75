//! Bounds on what the central system can make the station hold or do (DESIGN.md §7a: every
//! input from the network is bounded before it is decoded).
//!
//! # The largest message taken from the central system
//!
//! [`incoming_message_limit`] is the size, in bytes, above which a frame is refused before it is
//! decoded: ocpp-ws cuts it there (tungstenite's own limits are the same), ocpp-rpc answers it
//! with a CALLERROR `FormationViolation` from its first bytes. It is the largest legitimate
//! message the configuration allows, never below [`MIN_MESSAGE_LIMIT`] (for the messages no
//! key bounds: certificates, DataTransfer) and never above `Internal.MaxMessageSize` (libocpp's
//! bound on a message of the station, default 65000). "Legitimate" counts every string
//! character as a `\uXXXX` escape (6 bytes), white space not at all:
//!
//! | message | bound |
//! |---|---|
//! | SendLocalList | SendLocalListMaxLength × [`LOCAL_LIST_ENTRY`] |
//! | SetChargingProfile | ChargingScheduleMaxPeriods × [`SCHEDULE_PERIOD`] |
//! | GetConfiguration | GetConfigurationMaxKeys × [`CONFIGURATION_KEY`] |
//!
//! plus [`ENVELOPE`] for the frame and the fixed fields.
//!
//! # Counts and intervals the central system gives
//!
//! | value | bound | why |
//! |---|---|---|
//! | UpdateFirmware / GetDiagnostics `retries` | at most [`MAX_FILE_TRANSFER_RETRIES`] | everest-core's System module (`systemImpl::handle_update_firmware`, `handle_upload_logs`) loops `retries` times as given: 2147483647 retries with `retryInterval` 0 against a closed port made some 750 attempts a second, for ever |
//! | UpdateFirmware / GetDiagnostics `retryInterval` | at least [`MIN_FILE_TRANSFER_RETRY_INTERVAL_S`] | the same loop sleeps `retryInterval` as given, 0 included: with the bound an attempt a second at the most, eleven in all |
//! | BootNotification.conf `interval` (Pending, Rejected) | at most [`MAX_BOOT_RETRY_INTERVAL`] | as a wait for the next BootNotification (libocpp takes it as given): 2147483647 s would leave the station unregistered for 68 years, until a reboot |
//!
//! Negative counts and intervals are not taken at all (the station's defaults apply), as
//! before. What is bounded elsewhere: ReserveNow with an expiryDate in the past is Rejected
//! (`reservation.rs`); a charging schedule's periods by ChargingScheduleMaxPeriods and the
//! installed profiles by MaxChargingProfilesInstalled (`smart_charging`); GetCompositeSchedule's
//! duration by MaxCompositeScheduleDuration; GetConfiguration's keys by
//! GetConfigurationMaxKeys; SendLocalList's entries by SendLocalListMaxLength, and every list
//! by [`incoming_message_limit`] before it is decoded. HeartbeatInterval and
//! MeterValueSampleInterval 0 switch their timer off (never a timer that fires at once), and
//! no interval is large enough to overflow a deadline (a u32 of seconds is 136 years).

use std::time::Duration;

use crate::config::Configuration;

/// The most retries of a firmware download or a diagnostics upload (eleven attempts).
pub const MAX_FILE_TRANSFER_RETRIES: u32 = 10;

/// The shortest wait between two attempts of a firmware download or a diagnostics upload, in
/// seconds: everest-core's System module's own DefaultRetryInterval default.
pub const MIN_FILE_TRANSFER_RETRY_INTERVAL_S: u32 = 1;

/// The longest wait for the next BootNotification the central system can ask for.
pub const MAX_BOOT_RETRY_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// UpdateFirmware's or GetDiagnostics' `retries`, bounded (negative: none given).
pub fn file_transfer_retries(retries: Option<i32>) -> Option<u32> {
    let retries = u32::try_from(retries?).ok()?;
    if retries > MAX_FILE_TRANSFER_RETRIES {
        tracing::warn!(
            retries,
            max = MAX_FILE_TRANSFER_RETRIES,
            "retries from the central system bounded"
        );
    }
    Some(retries.min(MAX_FILE_TRANSFER_RETRIES))
}

/// UpdateFirmware's or GetDiagnostics' `retryInterval` in seconds, bounded (negative: none
/// given).
pub fn file_transfer_retry_interval_s(interval: Option<i32>) -> Option<u32> {
    let interval = u32::try_from(interval?).ok()?;
    if interval < MIN_FILE_TRANSFER_RETRY_INTERVAL_S {
        tracing::warn!(
            interval,
            min = MIN_FILE_TRANSFER_RETRY_INTERVAL_S,
            "retryInterval from the central system bounded"
        );
    }
    Some(interval.max(MIN_FILE_TRANSFER_RETRY_INTERVAL_S))
}

/// The smallest limit: libocpp's schema minimum of `Internal.MaxMessageSize`, room for a
/// certificate chain of the Security whitepaper (CertificateSigned, 10000 characters) and
/// the DataTransfers no key bounds.
pub const MIN_MESSAGE_LIMIT: usize = 32_000;

/// One entry of a local authorization list at its largest: idTag and parentIdTag of 20
/// characters escaped, an expiryDate with fractional seconds and an offset, the longest status
/// (`{"idTag":"…","idTagInfo":{"expiryDate":"…","parentIdTag":"…","status":"ConcurrentTx"}},`).
pub const LOCAL_LIST_ENTRY: usize = 384;

/// One ChargingSchedulePeriod at its largest (`{"startPeriod":2147483647,"limit":…,"numberPhases":3},`
/// with a limit of up to 24 digits).
pub const SCHEDULE_PERIOD: usize = 80;

/// One key of a GetConfiguration.req (CiString50 escaped, quotes, comma).
pub const CONFIGURATION_KEY: usize = 50 * 6 + 3;

/// The frame and every fixed field around a list.
pub const ENVELOPE: usize = 4096;

/// The largest frame the station decodes; see the [module docs](self).
pub fn incoming_message_limit(config: &Configuration) -> usize {
    let typed = config.typed();
    let local_list = typed
        .local_auth_list_management
        .as_ref()
        .map_or(0, |l| items(l.send_local_list_max_length, LOCAL_LIST_ENTRY));
    let schedule = typed.smart_charging.as_ref().map_or(0, |s| {
        items(s.charging_schedule_max_periods, SCHEDULE_PERIOD)
    });
    let keys = items(typed.core.get_configuration_max_keys, CONFIGURATION_KEY);
    let legitimate = local_list
        .max(schedule)
        .max(keys)
        .saturating_add(ENVELOPE)
        .max(MIN_MESSAGE_LIMIT);
    let max_message_size = usize::try_from(typed.internal.max_message_size).unwrap_or(usize::MAX);
    legitimate.min(max_message_size.max(MIN_MESSAGE_LIMIT))
}

fn items(count: u32, each: usize) -> usize {
    usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(each)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge_point::tests::config;
    use serde_json::json;

    #[test]
    fn file_transfer_retries_and_intervals_are_bounded() {
        assert_eq!(file_transfer_retries(Some(i32::MAX)), Some(10));
        assert_eq!(file_transfer_retries(Some(3)), Some(3));
        assert_eq!(file_transfer_retries(Some(-1)), None);
        assert_eq!(file_transfer_retries(None), None);
        assert_eq!(file_transfer_retry_interval_s(Some(0)), Some(1));
        assert_eq!(file_transfer_retry_interval_s(Some(30)), Some(30));
        assert_eq!(file_transfer_retry_interval_s(Some(-5)), None);
    }

    #[test]
    fn sized_from_the_largest_list_and_capped_by_max_message_size() {
        // The shipped config: 1440 schedule periods would need 119 kB; MaxMessageSize caps.
        assert_eq!(incoming_message_limit(&config(json!({}))), 65_000);
        let small = json!({"SmartCharging": {"ChargingScheduleMaxPeriods": 10},
            "LocalAuthListManagement": {"SendLocalListMaxLength": 100},
            "Core": {"GetConfigurationMaxKeys": 10}});
        assert_eq!(
            incoming_message_limit(&config(small)),
            100 * LOCAL_LIST_ENTRY + ENVELOPE
        );
        let tiny = json!({"SmartCharging": {"ChargingScheduleMaxPeriods": 1},
            "LocalAuthListManagement": {"SendLocalListMaxLength": 1},
            "Core": {"GetConfigurationMaxKeys": 1}});
        assert_eq!(incoming_message_limit(&config(tiny)), MIN_MESSAGE_LIMIT);
        let big = json!({"Internal": {"MaxMessageSize": 1_000_000}});
        assert_eq!(
            incoming_message_limit(&config(big)),
            1440 * SCHEDULE_PERIOD + ENVELOPE
        );
    }
}

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

use crate::config::Configuration;

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

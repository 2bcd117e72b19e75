//! Security events (OCPP 1.6 Security whitepaper edition 2, §2.6 and appendix "Security
//! events"): every event is written to the station's security log, and the critical ones are
//! sent to the central system as SecurityEventNotification.
//!
//! As libocpp's `ChargePointImpl::securityEventNotification` (lib/ocpp/v16/charge_point_impl.cpp):
//! - the event always goes to the security log ([`StationCommand::SecurityEvent`]; the station
//!   writes it, libocpp's `logging->security`);
//! - it is sent only when critical (the whitepaper's table, libocpp's `utils::is_critical`) or
//!   when the caller forces it, and not at all with Security.DisableSecurityEventNotifications;
//! - SecurityEventNotification is a transaction-related message in libocpp's v16 queue
//!   (`is_transaction_message`, lib/ocpp/v16/message_queue.cpp): it is stored before it is
//!   sent, so an event that happens offline, or just before a power loss, still reaches the
//!   central system once the station is registered again.

use ocpp_types::security::SecurityEventNotificationRequest;
use ocpp_types::{Action, BoundedString};

use super::{ChargePoint, Now, StationCommand};

/// The whitepaper's event types this stack raises, by their wire names.
pub mod kind {
    /// The firmware was updated.
    pub const FIRMWARE_UPDATED: &str = "FirmwareUpdated";
    /// The central system refused the station's credentials (HTTP 401).
    pub const FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM: &str =
        "FailedToAuthenticateAtCentralSystem";
    /// The station's clock was set.
    pub const SETTING_SYSTEM_TIME: &str = "SettingSystemTime";
    /// The station started (cold start, power up, watchdog, local reset).
    pub const STARTUP_OF_THE_DEVICE: &str = "StartupOfTheDevice";
    /// The station restarted because the central system asked (Reset).
    pub const RESET_OR_REBOOT: &str = "ResetOrReboot";
    /// The security log was cleared.
    pub const SECURITY_LOG_WAS_CLEARED: &str = "SecurityLogWasCleared";
    /// Security parameters (SecurityProfile, AuthorizationKey) were changed.
    pub const RECONFIGURATION_OF_SECURITY_PARAMETERS: &str = "ReconfigurationOfSecurityParameters";
    /// Memory ran out.
    pub const MEMORY_EXHAUSTION: &str = "MemoryExhaustion";
    /// Messages from the central system could not be processed.
    pub const INVALID_MESSAGES: &str = "InvalidMessages";
    /// The enclosure was opened.
    pub const TAMPER_DETECTION_ACTIVATED: &str = "TamperDetectionActivated";
    /// The central system's TLS certificate was not valid.
    pub const INVALID_CENTRAL_SYSTEM_CERTIFICATE: &str = "InvalidCentralSystemCertificate";
    /// The central system offered no acceptable TLS version.
    pub const INVALID_TLS_VERSION: &str = "InvalidTLSVersion";
    /// The central system offered no acceptable TLS cipher suite.
    pub const INVALID_TLS_CIPHER_SUITE: &str = "InvalidTLSCipherSuite";
}

/// Whether the whitepaper marks `event` critical (sent to the central system), as libocpp's
/// `utils::is_critical` (lib/ocpp/common/utils.cpp).
pub fn is_critical(event: &str) -> bool {
    matches!(
        event,
        kind::FIRMWARE_UPDATED
            | kind::SETTING_SYSTEM_TIME
            | kind::STARTUP_OF_THE_DEVICE
            | kind::RESET_OR_REBOOT
            | kind::SECURITY_LOG_WAS_CLEARED
            | kind::MEMORY_EXHAUSTION
            | kind::TAMPER_DETECTION_ACTIVATED
    )
}

impl ChargePoint {
    /// A security event of type `event` happened now: logged, and sent when the whitepaper
    /// calls it critical.
    pub fn security_event(&mut self, event: &str, tech_info: Option<&str>, now: Now) {
        self.security_event_sent_if(event, tech_info, is_critical(event), now);
    }

    /// As [`ChargePoint::security_event`], with the caller deciding whether it is sent (libocpp
    /// forces InvalidCentralSystemCertificate out once although it is not critical, for the
    /// compliance test TC_078_CS).
    pub fn security_event_sent_if(
        &mut self,
        event: &str,
        tech_info: Option<&str>,
        send: bool,
        now: Now,
    ) {
        let kind = BoundedString::new(truncated(event, 50)).unwrap_or_default();
        let tech_info =
            tech_info.map(|t| BoundedString::new(truncated(t, 255)).unwrap_or_default());
        let request = SecurityEventNotificationRequest {
            kind,
            timestamp: self.clock(now),
            tech_info,
        };
        let disabled = self
            .config
            .typed()
            .security
            .disable_security_event_notifications;
        tracing::info!(event, send, disabled, "security event");
        if send && !disabled {
            self.queue.push_transaction(
                self.store.as_mut(),
                Action::SecurityEventNotification,
                ocpp_types::encode(&request),
                None,
            );
        }
        self.commands
            .push_back(StationCommand::SecurityEvent(request));
    }
}

/// The first `max` characters of `s` (the whitepaper's fields are `string[50]` and `string[255]`).
fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

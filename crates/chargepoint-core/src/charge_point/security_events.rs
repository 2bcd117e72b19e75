//! Security events (OCPP 1.6 Security whitepaper edition 2, §2.6 and appendix "Security
//! events"): every event is written to the station's security log, and the critical ones are
//! sent to the central system as SecurityEventNotification.
//!
//! As libocpp's `ChargePointImpl::securityEventNotification` (lib/ocpp/v16/charge_point_impl.cpp):
//! - the event always goes to the security log ([`StationCommand::SecurityEvent`]; the station
//!   writes it, libocpp's `logging->security`);
//! - it is sent when critical (the whitepaper's table, libocpp's `utils::is_critical`) or one
//!   of [`is_always_sent`], or when the caller forces it ([`ChargePoint::security_event_sent_if`]),
//!   and never with Security.DisableSecurityEventNotifications;
//! - SecurityEventNotification is a transaction-related message in libocpp's v16 queue
//!   (`is_transaction_message`, lib/ocpp/v16/message_queue.cpp): it is stored before it is
//!   sent, so an event that happens offline, or just before a power loss, still reaches the
//!   central system once the station is registered again, never before BootNotification is
//!   Accepted; with DisableSecurityEventNotifications set meanwhile, those stored are dropped at
//!   the next start (`drop_if_disabled`, libocpp's `get_persisted_messages_from_db`).
//!
//! Where each type of the whitepaper's list is raised:
//!
//! | type | where |
//! |---|---|
//! | FirmwareUpdated, StartupOfTheDevice, ResetOrReboot | the station runtime, by the boot reason (libocpp's `ChargePointImpl::start`) |
//! | FailedToAuthenticateAtCentralSystem, CentralSystemFailedToAuthenticate, InvalidCentralSystemCertificate, InvalidTLSVersion, InvalidTLSCipherSuite, InvalidChargePointCertificate (client certificate refused) | the driver, from the transport's connection failures (`ocpp_ws::ConnectError::security_event`) |
//! | InvalidMessages, AttemptedReplayAttacks | here, from what ocpp-rpc refused (`invalid_messages.rs`) |
//! | SettingSystemTime | here, when the central system's currentTime sets the clock (`registration.rs`: a step of `CLOCK_SET_STEP`, 5 s, or more) |
//! | ReconfigurationOfSecurityParameters | here, when ChangeConfiguration changes a key of the Security section (`configuration_handlers.rs`); the driver, when it sets SecurityProfile back after a failed switch |
//! | SecurityLogWasCleared | the station, when the rotation of its security log (Internal.LogRotation) deletes a file, as libocpp's MessageLogging status callback ([`StationEvent::SecurityEvent`]) |
//! | MemoryExhaustion, TamperDetectionActivated (and any type, for tests) | the station: its control API's `POST /api/v1/security-events` ([`StationEvent::SecurityEvent`]) |
//! | InvalidFirmwareSigningCertificate, InvalidFirmwareSignature | here, from SignedUpdateFirmware (`signed_firmware.rs`): the certificate store's answer on the signing certificate, the station's InvalidSignature on the downloaded file |
//! | InvalidChargePointCertificate (CertificateSigned), InvalidCentralSystemCertificate (InstallCertificate) | whoever checks the certificate: the core with [`ChargePoint::security_event`], the station with [`StationEvent::SecurityEvent`] |
//!
//! [`StationEvent::SecurityEvent`]: super::StationEvent::SecurityEvent

use ocpp_types::security::SecurityEventNotificationRequest;
use ocpp_types::{Action, BoundedString};

use super::store::{Store, StoredMessage};
use super::{ChargePoint, Now, StationCommand};
use crate::config::Configuration;

/// The whitepaper's event types, by their wire names.
pub mod kind {
    /// The firmware was updated.
    pub const FIRMWARE_UPDATED: &str = "FirmwareUpdated";
    /// The central system refused the station's credentials (HTTP 401).
    pub const FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM: &str =
        "FailedToAuthenticateAtCentralSystem";
    /// The central system failed to prove its identity (its TLS handshake signature does not
    /// verify with the key of the certificate it presented).
    pub const CENTRAL_SYSTEM_FAILED_TO_AUTHENTICATE: &str = "CentralSystemFailedToAuthenticate";
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
    /// A message of the central system repeated the id of an earlier one on the connection.
    pub const ATTEMPTED_REPLAY_ATTACKS: &str = "AttemptedReplayAttacks";
    /// The enclosure was opened.
    pub const TAMPER_DETECTION_ACTIVATED: &str = "TamperDetectionActivated";
    /// A firmware's signature did not verify.
    pub const INVALID_FIRMWARE_SIGNATURE: &str = "InvalidFirmwareSignature";
    /// A firmware's signing certificate did not verify against the manufacturer root(s).
    pub const INVALID_FIRMWARE_SIGNING_CERTIFICATE: &str = "InvalidFirmwareSigningCertificate";
    /// The central system's TLS certificate (or one given to install) was not valid.
    pub const INVALID_CENTRAL_SYSTEM_CERTIFICATE: &str = "InvalidCentralSystemCertificate";
    /// The station's client certificate was refused, missing, or not valid.
    pub const INVALID_CHARGE_POINT_CERTIFICATE: &str = "InvalidChargePointCertificate";
    /// The central system offered no acceptable TLS version.
    pub const INVALID_TLS_VERSION: &str = "InvalidTLSVersion";
    /// The central system offered no acceptable TLS cipher suite.
    pub const INVALID_TLS_CIPHER_SUITE: &str = "InvalidTLSCipherSuite";
}

/// Every type of the whitepaper's list, in its order.
pub const ALL: [&str; 18] = [
    kind::FIRMWARE_UPDATED,
    kind::FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM,
    kind::CENTRAL_SYSTEM_FAILED_TO_AUTHENTICATE,
    kind::SETTING_SYSTEM_TIME,
    kind::STARTUP_OF_THE_DEVICE,
    kind::RESET_OR_REBOOT,
    kind::SECURITY_LOG_WAS_CLEARED,
    kind::RECONFIGURATION_OF_SECURITY_PARAMETERS,
    kind::MEMORY_EXHAUSTION,
    kind::INVALID_MESSAGES,
    kind::ATTEMPTED_REPLAY_ATTACKS,
    kind::TAMPER_DETECTION_ACTIVATED,
    kind::INVALID_FIRMWARE_SIGNATURE,
    kind::INVALID_FIRMWARE_SIGNING_CERTIFICATE,
    kind::INVALID_CENTRAL_SYSTEM_CERTIFICATE,
    kind::INVALID_CHARGE_POINT_CERTIFICATE,
    kind::INVALID_TLS_VERSION,
    kind::INVALID_TLS_CIPHER_SUITE,
];

/// Whether the whitepaper marks `event` critical (sent to the central system), as libocpp's
/// `utils::is_critical` (lib/ocpp/v16/utils.cpp).
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

/// Events sent although the whitepaper does not call them critical: a certificate or firmware
/// signature the station refused is something the central system must hear of to act on it.
/// libocpp forces three of them out, naming the compliance test of each
/// (InvalidChargePointCertificate in `handleCertificateSignedRequest`, TC_077_CS;
/// InvalidFirmwareSignature in `signed_firmware_update_status_notification`, TC_081_CS;
/// InvalidCentralSystemCertificate on a connection failure, TC_078_CS). libocpp raises
/// InvalidFirmwareSigningCertificate in `handleSignedUpdateFirmware` without forcing it, so it
/// only logs it; it is sent here with the other three, as the issue that specifies this station
/// asks (an operator rotating firmware signing certificates learns of a refused one only so).
///
/// A caller that raises one of these repeatedly for one cause uses
/// [`ChargePoint::security_event_sent_if`] instead: the driver sends InvalidCentralSystemCertificate
/// of failed connections once a run, as libocpp (a reconnect loop would fill the queue).
pub fn is_always_sent(event: &str) -> bool {
    matches!(
        event,
        kind::INVALID_CHARGE_POINT_CERTIFICATE
            | kind::INVALID_FIRMWARE_SIGNATURE
            | kind::INVALID_FIRMWARE_SIGNING_CERTIFICATE
            | kind::INVALID_CENTRAL_SYSTEM_CERTIFICATE
    )
}

/// Whether [`ChargePoint::security_event`] sends `event` (unless
/// DisableSecurityEventNotifications): critical, or [`is_always_sent`].
pub fn is_sent(event: &str) -> bool {
    is_critical(event) || is_always_sent(event)
}

impl ChargePoint {
    /// A security event of type `event` happened now: logged, and sent when [`is_sent`] says so.
    pub fn security_event(&mut self, event: &str, tech_info: Option<&str>, now: Now) {
        self.security_event_sent_if(event, tech_info, is_sent(event), now);
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

/// The stored messages to send after a restart: with DisableSecurityEventNotifications, the
/// SecurityEventNotifications stored before are dropped, from the store too, as libocpp's
/// `MessageQueue::get_persisted_messages_from_db(ignore_security_event_notifications)` does
/// (the events stay in the security log).
pub(crate) fn drop_if_disabled(
    store: &mut dyn Store,
    messages: Vec<StoredMessage>,
    config: &Configuration,
) -> Vec<StoredMessage> {
    if !config.typed().security.disable_security_event_notifications {
        return messages;
    }
    let (dropped, kept): (Vec<_>, Vec<_>) = messages
        .into_iter()
        .partition(|m| m.action == Action::SecurityEventNotification);
    if !dropped.is_empty() {
        tracing::info!(
            count = dropped.len(),
            "DisableSecurityEventNotifications: stored SecurityEventNotifications dropped"
        );
        let keys: Vec<u64> = dropped.iter().map(|m| m.key).collect();
        if let Err(e) = store.remove_messages(&keys) {
            tracing::error!(error = %e, "stored SecurityEventNotifications not removed");
        }
    }
    kept
}

/// The first `max` characters of `s` (the whitepaper's fields are `string[50]` and `string[255]`).
fn truncated(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

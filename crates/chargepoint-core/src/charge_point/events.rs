//! What the station tells the core ([`StationEvent`]), what the core asks of the station
//! ([`StationCommand`]), and the time passed to every call ([`Now`]).

use std::time::Instant;

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::core::{
    ChargePointErrorCode, DataTransferRequest, DataTransferResponse, Reason, ResetType,
    UnlockStatus,
};
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::meter::{Location, Measurand, Phase};
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
///
/// A reading may hold several values of one measurand: the total and one per phase (L1, L2, L3
/// for currents and powers, L1-N ... for voltages), or temperatures at several locations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredValue {
    /// What was measured.
    pub measurand: Measurand,
    /// The phase, for per-phase values; `None` for the total.
    pub phase: Option<Phase>,
    /// The value.
    pub value: f64,
    /// Where it was measured; `None`: OCPP's default for the measurand (EV for SoC, as
    /// libocpp, Outlet for the rest, which OCPP leaves out as its default).
    pub location: Option<Location>,
}

impl MeasuredValue {
    /// A total (no phase) at the measurand's default location.
    pub fn new(measurand: Measurand, value: f64) -> MeasuredValue {
        MeasuredValue {
            measurand,
            phase: None,
            value,
            location: None,
        }
    }

    /// The same value for one phase.
    pub fn on_phase(self, phase: Phase) -> MeasuredValue {
        MeasuredValue {
            phase: Some(phase),
            ..self
        }
    }

    /// The same value measured at `location` (a temperature of the body, of the cable, ...).
    pub fn at(self, location: Location) -> MeasuredValue {
        MeasuredValue {
            location: Some(location),
            ..self
        }
    }
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
    /// An identifier another part of the station already validated (EVerest's
    /// `prevalidated` provided token: Plug&Charge contract, a payment terminal, ...): no
    /// Authorize.req is sent, but it is otherwise treated as an accepted
    /// [`StationEvent::TokenPresented`]: it stops its own running transaction, and a
    /// connector reserved for another identifier stays closed to it.
    PrevalidatedTokenPresented {
        /// The identifier.
        id_tag: IdToken,
        /// The connector chosen, if the token belongs to one.
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
        /// The reservation this transaction ends, if any. `None` when the station does not
        /// know: the core then takes the reservation the identifier may use on this connector
        /// (or of connector 0), as everest-core's Auth module finds it for the EvseManager.
        reservation_id: Option<i32>,
    },
    /// The station stopped the transaction of a connector.
    TransactionStopped {
        /// The connector.
        connector: u32,
        /// The energy register at the end, Wh.
        meter_stop_wh: i32,
        /// Why it stopped: any OCPP reason, sent as StopTransaction's reason (left out for
        /// Local, OCPP's default).
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
    /// The fault of a connector is gone: every error of the connector is cleared (as libocpp's
    /// submit_all_errors_cleared).
    FaultCleared {
        /// The connector.
        connector: u32,
    },
    /// A hardware error of a connector (0: the whole station), one of several that may be
    /// active at once, each known by its `id` until [`StationEvent::ErrorCleared`] (libocpp's
    /// ErrorInfo). A fault (`is_fault`) makes the connector Faulted; another error is only
    /// reported, with the status the connector has. The StatusNotification carries the fields
    /// of the latest error raised.
    ErrorRaised {
        /// The connector.
        connector: u32,
        /// Identifies the error until it is cleared (its type, a uuid, ...).
        id: String,
        /// The OCPP error code.
        error_code: ChargePointErrorCode,
        /// Free text, cut to 50 characters.
        info: Option<String>,
        /// The vendor of `vendor_error_code`, cut to 255 characters.
        vendor_id: Option<String>,
        /// The vendor's error code, cut to 50 characters.
        vendor_error_code: Option<String>,
        /// Whether the connector cannot be used while the error lasts.
        is_fault: bool,
    },
    /// The error `id` of a connector is gone (an id that is not active changes nothing).
    ErrorCleared {
        /// The connector.
        connector: u32,
        /// The id of [`StationEvent::ErrorRaised`].
        id: String,
    },
    /// Something at the station asks for transactions to stop: an emergency stop button, a
    /// local reboot, a stop button of a connector, ... The core answers with a
    /// [`StationCommand::StopTransaction`] with `reason` for every running transaction
    /// concerned (none when nothing runs), and the station reports each stop as usual. A stop
    /// the station has already carried out is reported with [`StationEvent::TransactionStopped`]
    /// instead.
    StopRequested {
        /// The connector; `None` for every connector (an emergency stop of the station).
        connector: Option<u32>,
        /// Why: EmergencyStop, Local, Reboot, PowerLoss, Other, ...
        reason: Reason,
    },
    /// The station disabled (true) or enabled again a connector on its own (EVerest's
    /// `enable_disable` from a source other than the CSMS: a local API, a key lock, a service
    /// technician), as libocpp's `on_disabled` / `on_enabled`: a disabled connector is
    /// Unavailable, whatever ChangeAvailability said, until the station enables it again.
    /// A ChangeAvailability of the CSMS is not reported back this way: the core made it.
    Disabled {
        /// The connector.
        connector: u32,
        /// Disabled (true) or enabled again.
        disabled: bool,
    },
    /// A source of higher priority than the CSMS enabled the connector although the CSMS
    /// made it Inoperative (true), or no longer does (false). EVerest's EvseManager then
    /// publishes Enabled and libocpp's `on_enabled` makes the connector Available while the
    /// stored availability stays Inoperative (it applies again at the next boot, or when the
    /// higher-priority source steps back): the connector is usable and shown Available, so
    /// that what the CSMS sees is what the EVSE does.
    EnabledOverInoperative {
        /// The connector.
        connector: u32,
        /// Enabled over the Inoperative (true), or not any more.
        enabled: bool,
    },
    /// The result of a [`StationCommand::UnlockConnector`].
    UnlockResult {
        /// The connector.
        connector: u32,
        /// Unlocked, UnlockFailed, or NotSupported (no lock that can be unlocked remotely).
        status: UnlockStatus,
    },
    /// The station's data_transfer module answered a [`StationCommand::DataTransfer`]: the
    /// answer goes to the central system as DataTransfer.conf.
    DataTransferAnswered {
        /// The `request_id` of the command.
        request_id: u64,
        /// The module's answer.
        response: DataTransferResponse,
    },
    /// The station wants a DataTransfer.req sent to the central system. Its answer comes back
    /// as [`StationCommand::DataTransferResult`] with the same `request_id`.
    SendDataTransfer {
        /// Chosen by the station, to match the result to the request.
        request_id: u64,
        /// The request.
        request: DataTransferRequest,
    },
    /// Progress of the firmware update started by [`StationCommand::DownloadFirmware`] (and
    /// continued by [`StationCommand::InstallFirmware`]). Each status may be reported as often
    /// as the station likes: the core sends FirmwareStatusNotification only when it changes.
    /// DownloadFailed is final: report it once, after the last attempt; report each earlier
    /// failed attempt as DownloadAttemptFailed and the next attempt as Downloading again.
    FirmwareStatus {
        /// The `request_id` of the command.
        request_id: u64,
        /// The new status.
        status: FirmwareProgress,
    },
    /// The answer to a [`StationCommand::UploadDiagnostics`]: the name of the file the station
    /// will upload, or `None` when there is nothing to upload (then no
    /// [`StationEvent::DiagnosticsStatus`] follows). GetDiagnostics.conf carries it.
    DiagnosticsFile {
        /// The `request_id` of the command.
        request_id: u64,
        /// The file name (not a path; cut to 255 characters).
        file_name: Option<String>,
    },
    /// Progress of the upload of a [`StationCommand::UploadDiagnostics`]; the core sends
    /// DiagnosticsStatusNotification only when it changes. Uploaded and UploadFailed are final:
    /// report UploadFailed once, after the last attempt, and each earlier failed attempt as
    /// UploadAttemptFailed followed by Uploading for the next.
    DiagnosticsStatus {
        /// The `request_id` of the command.
        request_id: u64,
        /// The new status.
        status: DiagnosticsProgress,
    },
    /// The answer to a [`StationCommand::UploadLog`]: the name of the file the station will
    /// upload (GetLog.conf carries it), or `None` when it has no such log (then GetLog is
    /// answered Rejected and no [`StationEvent::LogStatus`] follows).
    LogFile {
        /// The `request_id` of the command.
        request_id: u64,
        /// The file name (not a path; cut to 255 characters).
        file_name: Option<String>,
    },
    /// Progress of the upload of a [`StationCommand::UploadLog`]; the core sends
    /// LogStatusNotification only when it changes. Every status but Uploading and
    /// AttemptFailed is final: report it once, after the last attempt, and each earlier failed
    /// attempt as AttemptFailed followed by Uploading for the next.
    LogStatus {
        /// The `request_id` of the command.
        request_id: u64,
        /// The new status.
        status: LogProgress,
    },
    /// A security event the station detected (a firmware signature that does not verify, the
    /// enclosure opened, memory running out, ...; EVerest's `security_event` command of the
    /// OCPP module): written to the security log ([`StationCommand::SecurityEvent`] comes
    /// back), and sent as SecurityEventNotification when
    /// [`security_events::is_sent`](super::security_events::is_sent) says so.
    SecurityEvent {
        /// The whitepaper's type name ([`security_events::kind`](super::security_events::kind)),
        /// cut to 50 characters.
        kind: String,
        /// Free text, cut to 255 characters.
        tech_info: Option<String>,
    },
    /// The station's ISO 15118 side asks for a Plug&Charge authorization or a contract
    /// certificate ([`super::pnc`]); answered with [`StationCommand::Pnc`].
    Pnc(super::pnc::PncEvent),
}

/// How the file of a SignedUpdateFirmware must verify (the whitepaper's FirmwareType).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareSignature {
    /// The signature of the file, Base64 (ECDSA or RSA PKCS#1 v1.5 over its SHA-256 digest,
    /// by the signing key's type: what `openssl dgst -sha256 -sign` makes).
    pub signature: String,
    /// The PEM certificate whose key signed it; the core verified it against the
    /// manufacturer roots before it asked for the download.
    pub signing_certificate: String,
}

/// The steps of a firmware update the station reports (OCPP 1.6 FirmwareStatus without Idle,
/// which only the core says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirmwareProgress {
    /// The firmware is being downloaded.
    Downloading,
    /// The firmware was downloaded; the core asks for the installation when it may start
    /// (a signed update's: once its signature is verified).
    Downloaded,
    /// A download attempt failed and another follows after the retry interval: sent as
    /// DownloadFailed, and the update goes on (libocpp passes on every status everest-core's
    /// System module reports, one DownloadFailed per failed attempt).
    DownloadAttemptFailed,
    /// Every download attempt failed (final).
    DownloadFailed,
    /// A signed update's file verifies with its signature and signing certificate; the core
    /// asks for the installation when it may start.
    SignatureVerified,
    /// A signed update's file does not verify with its signature (final: nothing is
    /// installed, the file is deleted).
    InvalidSignature,
    /// The firmware is being installed.
    Installing,
    /// The firmware was installed; the core asks for the restart (final).
    Installed,
    /// The installation failed; the station runs on its old firmware (final).
    InstallationFailed,
}

/// The steps of a diagnostics upload the station reports (OCPP 1.6 DiagnosticsStatus without
/// Idle, which only the core says).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticsProgress {
    /// The file is being uploaded.
    Uploading,
    /// The file was uploaded (final).
    Uploaded,
    /// An upload attempt failed and another follows after the retry interval: sent as
    /// UploadFailed, and the upload goes on (as everest-core reports every attempt).
    UploadAttemptFailed,
    /// Every upload attempt failed (final).
    UploadFailed,
}

/// The steps of a log upload the station reports (the Security whitepaper's
/// UploadLogStatusEnumType without Idle, which only the core says). The failures are told
/// apart as everest-core's `diagnostics_uploader.sh` tells them from curl's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogProgress {
    /// The file is being uploaded.
    Uploading,
    /// The file was uploaded (final).
    Uploaded,
    /// An upload attempt failed and another follows after the retry interval: sent as
    /// UploadFailure, and the upload goes on (everest-core's System module publishes every
    /// failed attempt as UploadFailure).
    AttemptFailed,
    /// Every upload attempt failed, for another reason than the three below (final).
    UploadFailure,
    /// The location is malformed, or the server spoke something the station does not
    /// understand (final).
    BadMessage,
    /// The server refused the station's credentials or the write (final).
    PermissionDenied,
    /// The location's protocol is not one the station uploads over, or the server does not
    /// support the upload (final).
    NotSupportedOperation,
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
        /// When accepted, where the station may start its session: the connector it was
        /// presented for, or the one the core chose (the only one, or the one with a car
        /// waiting); else every connector it may use now, in the order to prefer (one reserved
        /// for it first): free, nobody else authorized there, not reserved for another
        /// identifier (nor the last free one while the station is reserved for another).
        /// Empty when not accepted, and for a remote start (its
        /// [`StationCommand::RemoteStart`] names the connector).
        usable_connectors: Vec<u32>,
        /// Whether the identifier may charge.
        accepted: bool,
        /// The central system's answer; `None` when it could not be asked (offline, not
        /// registered, no answer).
        id_tag_info: Option<IdTagInfo>,
    },
    /// The answer to a [`StationEvent::TokenPresented`] that stops a transaction instead of
    /// starting one: `id_tag` is the identifier of the transaction on `connector`, or of its
    /// group (everest-core's Auth rule). No [`StationCommand::AuthorizationResult`] follows for
    /// this presentation; the [`StationCommand::StopTransaction`] (reason Local) that does
    /// follows at once. For the station's display of what a card did.
    IdentifierStopsTransaction {
        /// The identifier presented.
        id_tag: IdToken,
        /// The connector whose transaction it stops.
        connector: u32,
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
        /// Why (Local, Remote, DeAuthorized, EVDisconnected, SoftReset, HardReset,
        /// UnlockCommand, or the reason of a [`StationEvent::StopRequested`]).
        reason: Reason,
    },
    /// Stop offering energy on `connector` but keep the transaction (an identifier that
    /// StartTransaction.conf did not accept, with StopTransactionOnInvalidId false: at once, or
    /// once MaxEnergyOnInvalidId Wh were charged). The core shows the connector SuspendedEVSE
    /// from then on, until the station reports another [`EnergyFlow`].
    PauseCharging {
        /// The connector.
        connector: u32,
    },
    /// The Smart Charging limit in force on `connector` (0: the station as a whole, EVerest's
    /// EVSE 0, the grid connection) is now this: hand it to the energy system as an external
    /// limit of that node (everest-core's OCPP module calls `set_external_limits` of the
    /// `evse_energy_sink` of the EVSE, interfaces/external_energy_limits.yaml, types/energy.yaml
    /// `ExternalLimits` → `LimitsReq`).
    ///
    /// Issued when the limit changes (a profile installed or cleared, a transaction started or
    /// ended, a schedule period begins, profiles restored at start) and, when the core was built
    /// [`with_publish_interval`](super::ChargePoint::with_publish_interval), for every connector
    /// once at start and then every PublishChargingScheduleIntervalS. Until the first one for a
    /// connector the station applies no external limit there.
    ChargingLimit {
        /// The connector; 0 is the station.
        connector: u32,
        /// The limit per phase in amperes (`LimitsReq.ac_max_current_A`).
        amps: f64,
        /// The same limit in watts (`LimitsReq.total_power_W`): amps × phases × SupplyVoltage,
        /// or lower where a profile in W says so.
        watts: f64,
        /// The most phases allowed (`LimitsReq.ac_max_phase_count`); `None` when no period
        /// limits them.
        number_phases: Option<u32>,
        /// The minChargingRate of the Tx/TxDefault profile in force, in amperes
        /// (`LimitsReq.ac_min_current_A`).
        min_amps: Option<f64>,
        /// Whether a charging profile limits now. `false`: no profile does, `amps`/`watts` are
        /// only CompositeScheduleDefaultLimitAmps/Watts; the station removes its external limit.
        limited: bool,
    },
    /// `connector` is reserved for `id_tag` (ReserveNow; also at start for a reservation
    /// restored from the store).
    Reserved {
        /// The connector; 0: any connector of the station (ReserveConnectorZeroSupported).
        connector: u32,
        /// The reservation's id.
        reservation_id: i32,
        /// The identifier it is reserved for.
        id_tag: IdToken,
    },
    /// The reservation of `connector` expired, was cancelled, or moved to another connector by
    /// a ReserveNow with its reservationId (one that a transaction used ends without this
    /// command: the station started that transaction itself).
    ReservationEnded {
        /// The connector.
        connector: u32,
        /// The reservation's id.
        reservation_id: i32,
    },
    /// Unlock the cable of `connector` (UnlockConnector), then report
    /// [`StationEvent::UnlockResult`]: with a connector lock, stop a running transaction first
    /// (a [`StationEvent::StopRequested`] with reason UnlockCommand), then Unlocked or
    /// UnlockFailed; without one (a fixed cable), NotSupported and the transaction goes on
    /// (everest-core's EvseManager `handle_force_unlock`). Also issued when a transaction ended because the cable
    /// was unplugged at the EV and UnlockConnectorOnEVSideDisconnect is true (as libocpp); the
    /// result then answers nothing and may be left out.
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
    /// A CertificateSigned stored a new charge point certificate while SecurityProfile is 3:
    /// reconnect, so that the connection presents it (libocpp's `websocket->reconnect(1000)`
    /// in `handleCertificateSignedRequest`). The station itself has nothing to do.
    UseNewChargePointCertificate,
    /// Restart the station now: the transactions the core asked to stop (with
    /// [`StationCommand::StopTransaction`], reason SoftReset / HardReset) were reported stopped,
    /// or WaitForStopTransactionsOnResetTimeout passed (as libocpp's reset thread).
    Reset {
        /// Hard or soft.
        kind: ResetType,
    },
    /// The central system sent a DataTransfer.req: hand it to the station's data_transfer
    /// module and report its answer with [`StationEvent::DataTransferAnswered`] and the same
    /// `request_id`. Only issued when the core was built
    /// [`with_data_transfer_module`](super::ChargePoint::with_data_transfer_module); otherwise
    /// the core answers UnknownVendorId itself.
    DataTransfer {
        /// Chosen by the core, to match the answer to the request.
        request_id: u64,
        /// The request.
        request: DataTransferRequest,
    },
    /// The answer to a [`StationEvent::SendDataTransfer`]: the central system's
    /// DataTransfer.conf, or `None` when there is none (offline, not registered, a CALLERROR,
    /// no answer in time, the connection lost), as libocpp's data_transfer returns nullopt.
    DataTransferResult {
        /// The `request_id` of the event.
        request_id: u64,
        /// The answer, if any.
        response: Option<DataTransferResponse>,
    },
    /// A security event happened (Security whitepaper §2.6): write it to the security log. It
    /// is also queued as SecurityEventNotification when critical.
    SecurityEvent(ocpp_types::security::SecurityEventNotificationRequest),
    /// Download the firmware at `location` now (UpdateFirmware's retrieveDate has come), then
    /// report [`StationEvent::FirmwareStatus`] with this `request_id`: Downloading, then
    /// Downloaded or, after the last attempt, DownloadFailed; for a `signed` update then
    /// SignatureVerified or InvalidSignature. Do not install yet: wait for
    /// [`StationCommand::InstallFirmware`].
    DownloadFirmware {
        /// Chosen by the core, to match the reports to the update.
        request_id: u64,
        /// The URI to download from (UpdateFirmware's location).
        location: String,
        /// How many times to retry a failed download, OCPP's `retries`: the attempts in all are
        /// this + 1 (everest-core's System `retries`, as its OCPP module converts it in the
        /// update-firmware callback `OCPP::ready` registers). `None`: the station's default.
        retries: Option<u32>,
        /// Seconds to wait between attempts; `None`: the station's default.
        retry_interval_s: Option<u32>,
        /// A SignedUpdateFirmware's signature and signing certificate: the downloaded file
        /// must verify with them before it may be installed. `None`: plain UpdateFirmware.
        signed: Option<FirmwareSignature>,
    },
    /// Forget the update `request_id` (a SignedUpdateFirmware cancelled it): stop its download,
    /// delete its file, report nothing more about it.
    CancelFirmware {
        /// The `request_id` of the [`StationCommand::DownloadFirmware`].
        request_id: u64,
    },
    /// Install the firmware of `request_id` downloaded before: no transaction runs and every
    /// connector is Unavailable (everest-core's `allow_firmware_installation`). Report
    /// Installing, then Installed or InstallationFailed.
    InstallFirmware {
        /// The `request_id` of the [`StationCommand::DownloadFirmware`].
        request_id: u64,
    },
    /// The firmware of `request_id` is installed: restart now to run it, as for a hard
    /// [`StationCommand::Reset`] (no transaction runs). The boot that follows has the boot
    /// reason FirmwareUpdate: the runtime raises the security event FirmwareUpdated then.
    FirmwareRestart {
        /// The `request_id` of the update.
        request_id: u64,
        /// A SignedUpdateFirmware's requestId: the next boot hands it back to the core
        /// ([`ChargePoint::signed_firmware_installed`](super::ChargePoint::signed_firmware_installed)),
        /// which then reports SignedFirmwareStatusNotification Installed. `None`: plain
        /// UpdateFirmware (its Installed went before the restart).
        signed_request_id: Option<i32>,
    },
    /// California Pricing: the tariff of a driver (SetUserPrice, or the default price a session
    /// goes on with), for the station's `session_cost` interface (`tariff_message`).
    TariffMessage(super::cost_and_price::TariffMessage),
    /// California Pricing: a RunningCost or FinalCost of a transaction (`session_cost`).
    SessionCost(super::cost_and_price::SessionCost),
    /// California Pricing: the default price in force (`default_price`), at start, on every
    /// connect and disconnect, and when the central system changes it.
    DefaultPrice(super::cost_and_price::DefaultPrice),
    /// Upload a diagnostics file to `location` (GetDiagnostics): first report
    /// [`StationEvent::DiagnosticsFile`] with this `request_id` at once (the central system
    /// waits for its answer, ten seconds at most), then [`StationEvent::DiagnosticsStatus`]:
    /// Uploading, then Uploaded or, after the last attempt, UploadFailed.
    UploadDiagnostics {
        /// Chosen by the core, to match the answer and the reports to the request.
        request_id: u64,
        /// The directory URI to upload to.
        location: String,
        /// How many times to retry a failed upload, OCPP's `retries` (attempts in all: this +
        /// 1, as for [`StationCommand::DownloadFirmware`]); `None`: the station's default.
        retries: Option<u32>,
        /// Seconds to wait between attempts; `None`: the station's default.
        retry_interval_s: Option<u32>,
        /// The oldest moment the diagnostics should cover (System `oldest_timestamp`).
        start_time: Option<DateTime>,
        /// The latest moment the diagnostics should cover (System `latest_timestamp`).
        stop_time: Option<DateTime>,
    },
    /// Upload a log to `location` (GetLog): first report [`StationEvent::LogFile`] with this
    /// `request_id` at once (the central system waits for its answer, ten seconds at most),
    /// then [`StationEvent::LogStatus`]: Uploading, then Uploaded or, after the last attempt,
    /// the failure. The station runs one upload at a time (as everest-core's System module's
    /// upload_logs): one of a log still running is cancelled and reports nothing more (the
    /// core answers this GetLog AcceptedCanceled and forgets it); one of diagnostics reports
    /// UploadFailed, as for a second [`StationCommand::UploadDiagnostics`].
    UploadLog {
        /// Chosen by the core, to match the answer and the reports to the request.
        request_id: u64,
        /// DiagnosticsLog (what GetDiagnostics uploads) or SecurityLog (the security events).
        log_type: ocpp_types::security::LogType,
        /// The directory URI to upload to (GetLog's remoteLocation).
        location: String,
        /// How many times to retry a failed upload (attempts in all: this + 1, as for
        /// [`StationCommand::DownloadFirmware`]); `None`: the station's default.
        retries: Option<u32>,
        /// Seconds to wait between attempts; `None`: the station's default.
        retry_interval_s: Option<u32>,
        /// The oldest moment the log should cover (GetLog's oldestTimestamp).
        oldest_timestamp: Option<DateTime>,
        /// The latest moment the log should cover (GetLog's latestTimestamp).
        latest_timestamp: Option<DateTime>,
    },
    /// For the station's ISO 15118 side: the answer to a [`StationEvent::Pnc`].
    Pnc(super::pnc::PncCommand),
}

/// A fault as the core keeps it, for StatusNotification.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    pub error_code: ChargePointErrorCode,
    pub info: Option<String>,
    pub vendor_error_code: Option<String>,
}

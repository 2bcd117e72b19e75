//! The running station (DESIGN §1): a [`StationConfig`] made into the charge-point core and its
//! tokio driver, a simulated EVSE per EVSE, the message logs and the control API, wired
//! together as everest-core's OCPP, Auth and EvseManager modules wire them.
//!
//! - [`paths`]: where the OCPP module's files are; [`ocpp`]: the core from them.
//! - [`evse`]: one simulated EVSE, stepped every 250 ms; [`translate`]: its session events
//!   and meter as the core's station events.
//! - `energy`: the Smart Charging limits on the energy tree ([`crate::energy`]) and what it
//!   distributes as each EVSE's offered current.
//! - `data_transfer`: DataTransfer both ways: the CSMS's to the DataTransferResponder
//!   ([`crate::data_transfer`]), the control API's to the CSMS.
//! - `commands`: the core's station commands, each handed to the method that carries it out;
//!   the EVSEs' own ones are there. `auth`: Auth's token flow (a token to the core, its
//!   result to an EVSE, FindFirst); `reset`: a Reset, and the restart after a firmware
//!   update; `jobs`: the firmware and diagnostics commands, by the System module
//!   ([`crate::system`]); [`pricing`]: California Pricing's session_cost publications and
//!   the pricing on the display.
//! - `iso15118`: the ISO 15118 side: each SECC's Plug&Charge contract to the core, its answer
//!   back to the SECC and Auth.
//! - `orders`: the control API's orders carried out (`evse_orders`: the EVSE's own commands,
//!   enable / disable by source, pause, the API's limit, unlock); `replies`: their answers, sent once the
//!   state shows what they did; `shutdown`: a graceful stop, which ends the transactions first.
//! - `session_logging`: each EVSE's session log (EvseManager's `session_logging`,
//!   [`crate::session_log`]).
//! - [`state`]: the state the control API shows, from the core's snapshot and the simulation;
//!   [`control`]: [`StationControl`] over it all.
//! - `run`: the loop that owns everything and ends with an [`Exit`].
//! - [`crate::mqtt`]: EVerest's external MQTT API, started here when the station has a broker;
//!   it drives the station through the same [`StationHandle`] as the control API.
//!
//! [`StationControl`]: crate::control_api::StationControl

mod auth;
mod commands;
pub mod control;
mod data_transfer;
mod energy;
pub mod evse;
mod evse_orders;
mod iso15118;
mod jobs;
pub mod ocpp;
mod orders;
pub mod paths;
pub mod pricing;
mod replies;
mod reset;
mod run;
mod session_logging;
mod shutdown;
pub mod state;
pub mod translate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use chargepoint::charge_point::CoreSnapshot;
use chargepoint::driver::{Driver, DriverSettings, StationLink, Stopped};
use ocpp_types::core::ResetType;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::control_api::{self, StationControl, StationEvent};
use crate::display::DisplayMessage;
use crate::energy::{EnergyError, EvseLeaf, Offer, StationEnergy};
use crate::message_log::MessageLog;
use crate::sim::pilot::MIN_CURRENT_A;
use crate::sim::{SimulatedEvse, SimulatedEvseConfig};
use crate::system::{OwnLogFiles, System, SystemConfig};
use crate::{module_types, StationConfig};

pub use control::{Order, OrderKind, StationHandle};
pub use paths::OcppPaths;

/// How many control-API events may wait for a slow reader before it misses some.
const EVENT_BUFFER: usize = 1024;

/// Why the station could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The station config has no OCPP module.
    #[error("the station config has no OCPP module: ferrocharge needs one to talk to a CSMS")]
    NoOcppModule,
    /// The OCPP configuration does not load.
    #[error("OCPP configuration: {0}")]
    OcppConfig(String),
    /// The core's database does not open.
    #[error("the OCPP database {path} cannot be opened: {message}")]
    Store {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A folder cannot be created.
    #[error("{path}: {message}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// An EVSE's simulation cannot be built.
    #[error("EVSE {evse}: {message}")]
    Evse {
        /// The EVSE id.
        evse: u32,
        /// Why.
        message: String,
    },
    /// The energy tree does not hold together.
    #[error(transparent)]
    Energy(#[from] EnergyError),
    /// The DataTransferResponder's configuration is refused.
    #[error("{0}")]
    DataTransfer(String),
    /// The message logs cannot be set up.
    #[error("message log: {0}")]
    MessageLog(String),
    /// The driver does not start.
    #[error(transparent)]
    Driver(#[from] chargepoint::driver::DriverError),
    /// The System module (firmware, diagnostics) cannot be set up.
    #[error("System module: {0}")]
    System(#[from] crate::system::SetupError),
    /// The ErrorHistory module's database does not open.
    #[error("ErrorHistory: {0}")]
    ErrorHistory(#[from] crate::error_history::ErrorHistoryError),
    /// The control API cannot listen.
    #[error("the control API cannot listen on {addr}: {message}")]
    ControlApi {
        /// The address.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
}

/// How the station ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Stopped on request (`station/stop`, Ctrl-C) or because the driver ended.
    Stopped,
    /// The CSMS asked for a Reset: the caller should start the station again.
    Restart(ResetType),
    /// A firmware update was installed: the caller should start the station again with
    /// [`BootReason::FirmwareUpdate`].
    FirmwareUpdate {
        /// The requestId of the SignedUpdateFirmware installed, if it was one.
        signed_request_id: Option<i32>,
    },
}

/// Why the station starts (libocpp's BootReasonEnum, as far as the station can tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BootReason {
    /// Switched on, or any start the station knows nothing about.
    #[default]
    PowerUp,
    /// Started again after a Reset.
    Reset,
    /// Started again to run newly installed firmware: the core raises the security event
    /// FirmwareUpdated (sent to the CSMS once registered), and for a SignedUpdateFirmware
    /// sends its SignedFirmwareStatusNotification Installed.
    FirmwareUpdate {
        /// The requestId of the SignedUpdateFirmware installed, if it was one.
        signed_request_id: Option<i32>,
    },
}

impl Exit {
    /// Why the station starts again after this exit, if it should.
    pub fn restart_reason(self) -> Option<BootReason> {
        match self {
            Exit::Stopped => None,
            Exit::Restart(_) => Some(BootReason::Reset),
            Exit::FirmwareUpdate { signed_request_id } => {
                Some(BootReason::FirmwareUpdate { signed_request_id })
            }
        }
    }
}

/// A started station; [`Station::run`] runs it.
#[derive(Debug)]
pub struct Station {
    driver: JoinHandle<Stopped>,
    link: StationLink,
    evses: Vec<evse::Evse>,
    /// The core's state as the driver last published it.
    core: CoreSnapshot,
    /// What the runtime itself knows (connection failures, identifications).
    view: state::StationView,
    log: MessageLog,
    events: broadcast::Sender<StationEvent>,
    state: watch::Sender<control_api::StationState>,
    orders: mpsc::Receiver<Box<Order>>,
    handle: StationHandle,
    control_api: Option<ControlApi>,
    /// Tokens waiting for their authorization result, with the connectors they may use.
    tokens: auth::PendingTokens,
    /// Plug&Charge authorizations waiting for the core's answer.
    pnc_requests: iso15118::PncRequests,
    /// The certificate store the SECCs check contracts against.
    contract_store: Option<evse_security::FileStore>,
    /// The connectors whose EvseV2G has `verify_contract_cert_chain`.
    verify_contract_cert_chain: Vec<u32>,
    /// The connectors whose EvseManager's `token_provider` is connected to Auth.
    pnc_token_providers: Vec<u32>,
    /// Internal.WaitForStopTransactionsOnResetTimeout: how long a Reset waits at most for the
    /// StopTransaction confirmations.
    reset_timeout: std::time::Duration,
    /// The OCPP module's ResetStopDelay: how long a Reset that is ready to restart waits
    /// still, so that the CSMS can answer the station's last messages.
    reset_stop_delay: std::time::Duration,
    /// A Reset under way.
    reset: Option<reset::PendingReset>,
    /// A graceful stop under way.
    stopping: Option<shutdown::Stopping>,
    /// The energy tree: the Smart Charging limits on its nodes, what each EVSE offers.
    energy: StationEnergy,
    /// What each EVSE offers after the last distribution, by connector.
    offers: HashMap<u32, Offer>,
    /// A firmware installation asks for a restart (with the requestId of a
    /// SignedUpdateFirmware's).
    firmware_restart: Option<Option<i32>>,
    /// `settings.data_dir`, where the firmware boot record is kept.
    data_dir: PathBuf,
    /// This boot runs newly installed firmware whose record is still on disk: it is removed
    /// once the CSMS accepts the boot ([`crate::system::firmware_boot`]).
    firmware_boot_pending: bool,
    /// The System module's firmware and diagnostics jobs.
    jobs: jobs::Jobs,
    /// The TerminalDisplayMessage module's display, if the station has one.
    display: Option<control::SharedDisplay>,
    /// What the display shows now (`None`: no display).
    display_shown: Option<Vec<DisplayMessage>>,
    /// Whether the station wants to be online (`ocpp/disconnect` makes it stay offline).
    online: bool,
    /// Control-API orders carried out, waiting for the state to show it.
    replies: Vec<replies::PendingReply>,
    /// California Pricing: who gets the session_cost publications, what the display shows.
    pricing: pricing::Pricing,
    /// The MQTT side (EVerest's external API), when the station has a broker.
    mqtt: Option<crate::mqtt::Mqtt>,
    /// Whether the MQTT broker is connected (never changes without one).
    mqtt_connected: watch::Receiver<bool>,
    /// What the MQTT side publishes, as of the last step.
    mqtt_vars: watch::Sender<crate::mqtt::StationVars>,
    /// The ErrorHistory module's database, when the station has one.
    error_history: Option<crate::error_history::SharedErrorHistory>,
    /// DataTransfers under way: the CSMS's at the DataTransferResponder, the control API's at
    /// the CSMS.
    data_transfers: data_transfer::DataTransfers,
    /// Events for the core that must follow what the EVSEs report in their next step (an
    /// UnlockConnector's result after the StopTransaction of the transaction it stopped).
    after_step: Vec<chargepoint::charge_point::StationEvent>,
    /// Sees every OCPP frame (a fleet's counters), when given.
    frame_observer: Option<FrameObserver>,
    /// Whether frames are kept for the control API (the recent frames, the event stream).
    keep_frames: bool,
}

/// What sees a frame: `true` for one the station sent, and its text.
pub type SeeFrame = dyn Fn(bool, &str) + Send + Sync;

/// Sees every OCPP frame the station sends (`true`) or receives, as on the wire.
#[derive(Clone)]
pub struct FrameObserver(pub std::sync::Arc<SeeFrame>);

impl std::fmt::Debug for FrameObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FrameObserver")
    }
}

/// What a station run among others in one process (a fleet, docs/fleet.md) changes from
/// [`Station::start_with`]; the default changes nothing. Everything else (the core, the
/// driver, the simulation, the station loop) is the same.
#[derive(Debug)]
pub struct StartOptions {
    /// Keys set over the OCPP configuration, and the store instead of DatabasePath's file.
    pub core: ocpp::CoreEmbedding,
    /// Sees every frame.
    pub frame_observer: Option<FrameObserver>,
    /// Keep the recent frames and send frames on the event stream (for the control API). A
    /// station without a control API has no reader for them: a fleet saves the memory.
    pub keep_frames: bool,
    /// How many control-API events may wait for a slow reader (`None`: the station's 1024).
    /// The buffer is allocated at start, so a fleet of stations without readers keeps it small.
    pub event_buffer: Option<usize>,
    /// Where the PersistentStore modules keep their values, under the station's ChargePointId,
    /// instead of a file each under the data dir (a fleet's one file; `None`: their files).
    pub persistent_stores: Option<std::sync::Arc<crate::persistent_store::SharedKvs>>,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            core: ocpp::CoreEmbedding::default(),
            frame_observer: None,
            keep_frames: true,
            event_buffer: None,
            persistent_stores: None,
        }
    }
}

/// The served control API.
#[derive(Debug)]
struct ControlApi {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Station {
    /// Builds the station of `config` and starts its parts: the driver connects to the CSMS,
    /// the control API listens. Needs a tokio runtime; [`Station::run`] must follow.
    pub async fn start(config: &StationConfig) -> Result<Station, RuntimeError> {
        Station::start_with(config, BootReason::PowerUp).await
    }

    /// As [`Station::start`], for a start of the given reason (what the last run's
    /// [`Exit::restart_reason`] says).
    pub async fn start_with(
        config: &StationConfig,
        reason: BootReason,
    ) -> Result<Station, RuntimeError> {
        Station::start_embedded(config, reason, StartOptions::default()).await
    }

    /// As [`Station::start_with`], for a station run among others in one process (a fleet,
    /// docs/fleet.md): the same core, driver and simulation, with what [`StartOptions`]
    /// changes.
    pub async fn start_embedded(
        config: &StationConfig,
        reason: BootReason,
        options: StartOptions,
    ) -> Result<Station, RuntimeError> {
        let StartOptions {
            core: embedding,
            frame_observer,
            keep_frames,
            event_buffer,
            persistent_stores,
        } = options;
        let ocpp_module = config
            .modules_of_type(module_types::OCPP.name)
            .next()
            .ok_or(RuntimeError::NoOcppModule)?;
        let paths = OcppPaths::of(config, &ocpp_module.id);
        tracing::debug!(?paths, "OCPP module files");
        let n = u32::try_from(config.evses.len()).unwrap_or(u32::MAX);
        let data_dir = &config.settings.data_dir;
        // The firmware the System module installed last is what this boot runs: its version
        // is the BootNotification's firmwareVersion.
        let installed = crate::system::installed_firmware_version(data_dir);
        // An installation whose new firmware never registered (a power cut after the restart)
        // left its record: this boot is still the firmware update's.
        let reason = match (reason, crate::system::pending_firmware_boot(data_dir)) {
            (BootReason::PowerUp, Some(signed_request_id)) => {
                tracing::info!(
                    ?signed_request_id,
                    "booting newly installed firmware that has not registered yet"
                );
                BootReason::FirmwareUpdate { signed_request_id }
            }
            (reason, _) => reason,
        };
        let firmware_boot_pending = matches!(reason, BootReason::FirmwareUpdate { .. });
        let meter_keys = ocpp::meter_public_keys(config);
        let (cp, mut recovered) =
            ocpp::charge_point(&paths, n, installed.as_deref(), &meter_keys, embedding)?;
        let mut cp = cp
            .with_publish_interval(ocpp::publish_interval(config, &ocpp_module.id))
            .with_message_queue_resume_delay(ocpp::seconds_parameter(
                config,
                &ocpp_module.id,
                "MessageQueueResumeDelay",
            ));
        // The DataTransferResponder on the OCPP module's `data_transfer` requirement: as
        // everest-core's OCPP module registers libocpp's data_transfer_callback only then.
        let responder = crate::data_transfer::Responder::of(config, &ocpp_module.id)
            .map_err(|e| RuntimeError::DataTransfer(e.to_string()))?;
        if responder.is_some() {
            cp = cp.with_data_transfer_module();
        }
        boot_security_event(&mut cp, reason);
        let charge_point_id = cp.config().internal().charge_point_id.clone();
        // The security log's last events of earlier runs, for the state (read before this
        // run's file exists), from this station's files only: libocpp's default
        // MessageLogPath is one folder for every station of the machine (message_log::own_files).
        // Only a station that keeps a security log reads them (a fleet's stations keep no
        // logs, and reading the folder cost a fleet station 4 kB and a listing).
        let keeps_security_log = cp.config().internal().log_messages_format.iter().any(|f| {
            f.parse::<crate::message_log::Format>() == Ok(crate::message_log::Format::Security)
        });
        let own_log_files = crate::message_log::OwnFiles::in_data_dir(data_dir);
        let earlier_security_events = if keeps_security_log {
            earlier_security_events(&paths.message_log_dir, &own_log_files.stems())
        } else {
            Vec::new()
        };
        let log = MessageLog::with_files(
            &cp.config().internal().log_messages_format,
            &paths.message_log_dir,
            chrono::Utc::now(),
            log_files(cp.config().internal()),
        )
        .map_err(|e| RuntimeError::MessageLog(e.to_string()))?
        // The station's own write-only keys: a custom schema may declare more.
        .with_secret_keys(crate::message_log::SecretKeys::of(cp.config().registry()));
        if let Some(stem) = log.stem() {
            if let Err(e) = own_log_files.record(stem) {
                tracing::warn!(error = %e, "cannot note the message log's files as this station's: GetLog and GetDiagnostics will not upload them");
            }
        }
        let mut system_config = SystemConfig::new(data_dir.clone(), charge_point_id.clone());
        system_config.log_paths = vec![paths.message_log_dir.clone()];
        system_config.own_log_files = Some(OwnLogFiles {
            dir: paths.message_log_dir.clone(),
            list: own_log_files.clone(),
        });
        // What a GetLog of the SecurityLog uploads: the security file's folder, when one is
        // written.
        system_config.security_log_dir = log
            .security_log_path()
            .and_then(|p| p.parent())
            .map(PathBuf::from);
        system_retries(config, &ocpp_module.id, &mut system_config);
        if let Some(listed) = cp
            .config()
            .typed()
            .firmware_management
            .as_ref()
            .and_then(|f| f.supported_file_transfer_protocols.as_ref())
        {
            system_config.protocols = transfer_protocols(listed);
        }
        let system = System::new(system_config)?;
        let reset_timeout = std::time::Duration::from_secs(u64::from(
            cp.config()
                .internal()
                .wait_for_stop_transactions_on_reset_timeout,
        ));
        let reset_stop_delay = ocpp::seconds_parameter(config, &ocpp_module.id, "ResetStopDelay");
        let stop_on_unplug = cp.config().core().stop_transaction_on_ev_side_disconnect;
        let mut evses = Vec::new();
        let mut leaves = Vec::new();
        // The PersistentStore modules, each opened once for the EVSEs connected to it.
        let mut stores = match persistent_stores {
            Some(kvs) => crate::persistent_store::Stores::shared(
                kvs,
                cp.config().internal().charge_point_id.clone(),
            ),
            None => crate::persistent_store::Stores::new(),
        };
        let contract_store = crate::evse_security::file_store(config, &ocpp_module.id);
        let mut verify_contract_cert_chain = Vec::new();
        let mut pnc_token_providers = Vec::new();
        for e in &config.evses {
            let mut sim =
                SimulatedEvseConfig::for_evse(config, &e.evse_manager).map_err(|err| {
                    RuntimeError::Evse {
                        evse: e.id,
                        message: err.to_string(),
                    }
                })?;
            iso15118::set_up(config, contract_store.as_ref(), &mut sim);
            // EVerest: the EvseManager's token_provider reaches Auth only when connected to it.
            let provides_tokens = config.modules_of_type(module_types::AUTH.name).any(|auth| {
                auth.connections("token_provider")
                    .iter()
                    .any(|c| c.module_id == e.evse_manager)
            });
            if provides_tokens {
                pnc_token_providers.push(e.id);
            }
            if crate::sim::wiring::evse_v2g_of(config, &e.evse_manager)
                .and_then(|m| m.parameters.bool("verify_contract_cert_chain"))
                == Some(true)
            {
                verify_contract_cert_chain.push(e.id);
            }
            leaves.push(EvseLeaf {
                connector: e.id,
                evse_manager: e.evse_manager.clone(),
                max_a: sim.evse_manager.max_current_a,
                // The simulated board's hardware minimum, as YetiSimulator's
                // `min_current_A_import` (board_support/evse_board_supportImpl.cpp).
                min_a: MIN_CURRENT_A,
            });
            let mut evse = evse::Evse::new(e.id, SimulatedEvse::new(sim));
            evse.ev_manager =
                crate::sim::wiring::ev_manager_of(config, &e.evse_manager).map(|m| m.id.clone());
            evse.board_module = config
                .connected_module(&e.evse_manager, "bsp")
                .map(|m| m.id.clone())
                .unwrap_or_default();
            evse.set_stop_transaction_on_unplug(stop_on_unplug);
            evse.session_log = session_logging::EvseSessionLog::of(config, &e.evse_manager);
            let evse_stores =
                crate::sim::kvs::EvseStores::for_evse(config, &e.evse_manager, &mut stores)
                    .map_err(|err| RuntimeError::Evse {
                        evse: e.id,
                        message: err.to_string(),
                    })?;
            evse.restore(evse_stores);
            evses.push(evse);
        }
        // The EVSEs' first step before the core connects: a car still plugged in from before
        // the restart (keep_cross_boot_plugin_state) is known to the core when the
        // BootNotification is accepted, so the first StatusNotification is already Preparing
        // (it would race the station loop's first tick otherwise).
        let first_step = tokio::time::Instant::now().into_std();
        for evse in &mut evses {
            for event in evse.step(first_step) {
                cp.handle_station_event(event, chargepoint::driver::now());
            }
        }
        recovered.extend_from_slice(stores.recovered());
        let energy = StationEnergy::from_config(config, &leaves)?;
        // The certificate store is the EvseSecurity module's, under the data dir (DESIGN §4):
        // the core installs into it and lists it, the connection reads it at every attempt;
        // without one, profiles 2 and 3 are refused rather than tried against nothing.
        if let Some(store) = crate::evse_security::file_store(config, &ocpp_module.id) {
            cp = cp.with_evse_security(Box::new(store));
        }
        let cert_store = crate::evse_security::certificate_store(config, &ocpp_module.id);
        // The OCPP module's DelayOcppStart (ms): everest-core's OCPP::ready sleeps that long
        // before ChargePoint::start opens the connection. Here the station is not up meanwhile
        // (its simulated EVSEs have nothing to report before it is), so only the time of the
        // connection and of the BootNotification shows it.
        let delay = ocpp::millis_parameter(config, &ocpp_module.id, "DelayOcppStart");
        if !delay.is_zero() {
            tracing::info!(?delay, "DelayOcppStart: OCPP starts after the delay");
            tokio::time::sleep(delay).await;
        }
        let (driver, link) = Driver::start(cp, DriverSettings { cert_store })?;
        let driver = tokio::spawn(driver.run());
        let core = link.core.borrow().clone();
        let mut initial = state::initial(&charge_point_id, n);
        initial.store_recovered.clone_from(&recovered);
        initial
            .ocpp
            .csms_web_ui
            .clone_from(&config.settings.csms_web_ui);
        let (state, state_rx) = watch::channel(initial);
        let (orders_tx, orders) = mpsc::channel(control::ORDER_BUFFER);
        let display = station_display(config, &ocpp_module.id);
        let handle = StationHandle::new(orders_tx, state_rx, manual_token_providers(config))
            .with_display(display.clone());
        let (events, _) = broadcast::channel(event_buffer.unwrap_or(EVENT_BUFFER).max(1));
        let error_history = open_error_history(config)?;
        let handle = handle.with_error_history(error_history.clone());
        let (mqtt_vars, mqtt_vars_rx) = watch::channel(crate::mqtt::StationVars::default());
        // The broker's client id: one per station, the same on every start, so the broker
        // keeps the session (and the commands it holds) across restarts.
        let mqtt = crate::mqtt::Mqtt::start(
            config,
            &format!("ferrocharge-{charge_point_id}"),
            std::sync::Arc::new(handle.clone()),
            mqtt_vars_rx,
            error_history.clone(),
        );
        let mqtt_connected = mqtt
            .as_ref()
            .map_or_else(|| watch::channel(false).1, |m| m.connected());
        let control_api = match config.settings.control_api {
            Some(addr) => Some(
                serve(
                    addr,
                    config.settings.control_api_token.clone(),
                    handle.clone(),
                    events.clone(),
                )
                .await?,
            ),
            None => None,
        };
        Ok(Station {
            driver,
            link,
            evses,
            core,
            view: state::StationView::new(&charge_point_id)
                .with_csms_web_ui(config.settings.csms_web_ui.clone())
                .with_store_recovered(recovered)
                .with_security_events(earlier_security_events)
                .with_mqtt(mqtt.as_ref().map(|m| m.broker())),
            log,
            events,
            state,
            orders,
            handle,
            control_api,
            tokens: auth::PendingTokens::default(),
            pnc_requests: iso15118::PncRequests::default(),
            contract_store,
            verify_contract_cert_chain,
            pnc_token_providers,
            reset_timeout,
            reset_stop_delay,
            reset: None,
            stopping: None,
            energy,
            offers: HashMap::new(),
            firmware_restart: None,
            data_dir: data_dir.clone(),
            firmware_boot_pending,
            jobs: jobs::Jobs::new(system),
            after_step: Vec::new(),
            data_transfers: data_transfer::DataTransfers::new(responder),
            display_shown: display.as_ref().map(|_| Vec::new()),
            pricing: pricing::Pricing::of(config, &ocpp_module.id, display.is_some()),
            display,
            online: true,
            replies: Vec::new(),
            mqtt,
            mqtt_connected,
            mqtt_vars,
            error_history,
            frame_observer,
            keep_frames,
        })
    }

    /// The handle to drive the station with (what the control API uses).
    pub fn handle(&self) -> StationHandle {
        self.handle.clone()
    }

    /// The control API's events: every state change and every OCPP frame.
    pub fn subscribe(&self) -> broadcast::Receiver<StationEvent> {
        self.events.subscribe()
    }

    /// Where the control API and web UI listen, if they do.
    pub fn control_api_addr(&self) -> Option<SocketAddr> {
        self.control_api.as_ref().map(|api| api.addr)
    }

    /// Where this start's html message log is, if one is written.
    pub fn html_log(&self) -> Option<PathBuf> {
        self.log.html_path().map(PathBuf::from)
    }

    /// The EVSE of `connector`.
    fn evse_mut(&mut self, connector: u32) -> Option<&mut evse::Evse> {
        self.evses.iter_mut().find(|e| e.connector == connector)
    }

    /// Tells the core what happened at the station.
    fn tell_core(&self, event: chargepoint::charge_point::StationEvent) {
        // A closed channel means the driver ended: the loop sees it on `commands`.
        let _ = self.link.events.send(event);
    }
}

/// The ErrorHistory module's database at its `database_path` (a relative path under
/// `settings.data_dir`), when the config has the module.
fn open_error_history(
    config: &StationConfig,
) -> Result<Option<crate::error_history::SharedErrorHistory>, RuntimeError> {
    let Some(module) = config
        .modules_of_type(module_types::ERROR_HISTORY.name)
        .next()
    else {
        return Ok(None);
    };
    let path = module
        .implementation("error_history")
        .and_then(|i| i.parameters.str("database_path"))
        .unwrap_or("error_history.db");
    let path = config.settings.data_dir.join(path);
    tracing::info!(path = %path.display(), "ErrorHistory: database");
    let history = crate::error_history::ErrorHistory::open(&path)?;
    Ok(Some(std::sync::Arc::new(std::sync::Mutex::new(history))))
}

/// The display, when the config has a TerminalDisplayMessage module (connected to the OCPP
/// module's `display_message` or not: the control API sets messages on it either way).
fn station_display(config: &StationConfig, ocpp_module: &str) -> Option<control::SharedDisplay> {
    config
        .modules_of_type(module_types::TERMINAL_DISPLAY_MESSAGE.name)
        .next()?;
    if config
        .connected_module(ocpp_module, "display_message")
        .is_none()
    {
        tracing::info!("the TerminalDisplayMessage module is not connected to OCPP's display_message: only the control API sets its messages");
    }
    Some(std::sync::Arc::new(std::sync::Mutex::new(
        crate::display::TerminalDisplay::new(),
    )))
}

/// The System module's `DefaultRetries` / `DefaultRetryInterval` (the OCPP module's `system`
/// connection): what a firmware download or log upload uses when the CSMS names no retries.
/// EVerest's manifest types them as numbers; a fraction is rounded down, a negative becomes 0.
/// The schemes of SupportedFileTransferProtocols the System module has a client for; the
/// others (FTPS) are left out, said once at the start.
fn transfer_protocols(listed: &[String]) -> Vec<crate::system::Scheme> {
    let mut schemes = Vec::new();
    for name in listed {
        match crate::system::Scheme::from_protocol(name) {
            Some(scheme) if !schemes.contains(&scheme) => schemes.push(scheme),
            Some(_) => {}
            None => tracing::warn!(
                protocol = %name,
                "SupportedFileTransferProtocols names a protocol the System module has no client for; \
                 transfers over it fail"
            ),
        }
    }
    schemes
}

fn system_retries(config: &StationConfig, ocpp_module: &str, system: &mut SystemConfig) {
    let Some(module) = config
        .connected_module(ocpp_module, "system")
        .filter(|m| m.type_name() == module_types::SYSTEM.name)
    else {
        return;
    };
    if let Some(retries) = module.parameters.num("DefaultRetries") {
        // `as` saturates: NaN and negatives give 0, huge values u32::MAX.
        system.default_retries = retries as u32;
    }
    if let Some(interval) = module.parameters.num("DefaultRetryInterval") {
        system.default_retry_interval =
            std::time::Duration::try_from_secs_f64(interval.max(0.0)).unwrap_or_default();
    }
}

/// The DummyTokenProviderManual modules Auth reads tokens from, in the order of its
/// `token_provider` connections (the first is where `POST /tokens` presents a token).
fn manual_token_providers(config: &StationConfig) -> Vec<control::TokenProvider> {
    let mut providers: Vec<control::TokenProvider> = Vec::new();
    for auth in config.modules_of_type(module_types::AUTH.name) {
        for c in auth.connections("token_provider") {
            let Some(manual) = config
                .modules_of_type(module_types::DUMMY_TOKEN_PROVIDER_MANUAL.name)
                .find(|m| m.id == c.module_id)
            else {
                continue;
            };
            if providers.iter().any(|p| p.id == manual.id) {
                continue;
            }
            // `token` has a declared default, so it is always there once the config loaded.
            let token = manual
                .implementation("main")
                .and_then(|main| main.parameters.str("token"))
                .unwrap_or("DEADBEEF")
                .to_owned();
            providers.push(control::TokenProvider {
                id: manual.id.clone(),
                token,
            });
        }
    }
    providers
}

/// How the message log files are named and rotated, and whether raw ones are written: the
/// Internal keys LogRotation*, LogMessagesRaw.
fn log_files(internal: &chargepoint::config::typed::Internal) -> crate::message_log::FileOptions {
    crate::message_log::FileOptions {
        log_rotation: internal.log_rotation,
        rotation: crate::message_log::Rotation::from_keys(
            internal.log_rotation,
            internal.log_rotation_maximum_file_size,
            internal.log_rotation_maximum_file_count,
            internal.log_rotation_date_suffix,
        ),
        raw: internal.log_messages_raw,
    }
}

/// The last [`RECENT_SECURITY_EVENTS`](control_api::RECENT_SECURITY_EVENTS) events of the
/// station's security log in `dir` (the files of `own`), as the state shows them.
fn earlier_security_events(
    dir: &std::path::Path,
    own: &crate::message_log::OwnStems,
) -> Vec<control_api::SecurityEventEntry> {
    use chargepoint::charge_point::security_events::is_critical;
    crate::message_log::security_file::last_security_events(
        dir,
        own,
        control_api::RECENT_SECURITY_EVENTS,
    )
    .into_iter()
    .map(|e| control_api::SecurityEventEntry {
        critical: is_critical(&e.kind),
        time: e.timestamp,
        kind: e.kind,
        tech_info: e.tech_info,
    })
    .collect()
}

/// The security event of a boot, as libocpp's `ChargePointImpl::start` raises it for its boot
/// reason: critical, so queued as SecurityEventNotification and sent once the CSMS accepted
/// the BootNotification.
fn boot_security_event(cp: &mut chargepoint::ChargePoint, reason: BootReason) {
    use chargepoint::charge_point::security_events::kind;
    let (event, tech_info) = match reason {
        BootReason::PowerUp => (kind::STARTUP_OF_THE_DEVICE, "The Charge Point has booted"),
        BootReason::Reset => (
            kind::RESET_OR_REBOOT,
            "Charging Station rebooted due to requested remote reset!",
        ),
        BootReason::FirmwareUpdate { .. } => (
            kind::FIRMWARE_UPDATED,
            "Charging Station rebooted due to firmware update!",
        ),
    };
    cp.security_event(event, Some(tech_info), chargepoint::driver::now());
    if let BootReason::FirmwareUpdate {
        signed_request_id: Some(request_id),
    } = reason
    {
        cp.signed_firmware_installed(request_id);
    }
}

async fn serve(
    addr: SocketAddr,
    token: Option<crate::config::ControlApiToken>,
    handle: StationHandle,
    events: broadcast::Sender<StationEvent>,
) -> Result<ControlApi, RuntimeError> {
    let listener =
        tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| RuntimeError::ControlApi {
                addr,
                message: e.to_string(),
            })?;
    let addr = listener.local_addr().unwrap_or(addr);
    // Loading refused this already; a config built in code gets the same answer here.
    let access = control_api::Access::new(addr, token).map_err(|e| RuntimeError::ControlApi {
        addr,
        message: e.to_string(),
    })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let control: std::sync::Arc<dyn StationControl> = std::sync::Arc::new(handle);
    let task = tokio::spawn(control_api::serve(
        listener,
        control,
        events,
        access,
        async move {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        },
    ));
    Ok(ControlApi { addr, stop, task })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(edit: impl Fn(String) -> String) -> (tempfile::TempDir, StationConfig) {
        let dir = tempfile::tempdir().unwrap();
        let yaml = crate::config::shipped::SIL_ONE_EVSE.text.to_owned();
        let path = dir.path().join("station.yaml");
        std::fs::write(&path, edit(yaml)).unwrap();
        let config = StationConfig::load(&path).unwrap();
        (dir, config)
    }

    #[test]
    fn the_system_modules_default_retries_reach_the_system() {
        let (_dir, config) = station(|y| {
            y.replace(
                "  system:\n    module: System\n",
                "  system:\n    module: System\n    config_module:\n      DefaultRetries: 4\n      DefaultRetryInterval: 2.5\n",
            )
        });
        let mut system = SystemConfig::new(PathBuf::from("/tmp"), "cp");
        system_retries(&config, "ocpp", &mut system);
        assert_eq!(system.default_retries, 4);
        assert_eq!(
            system.default_retry_interval,
            std::time::Duration::from_millis(2500)
        );
        let (_dir, config) = station(|y| y);
        let mut system = SystemConfig::new(PathBuf::from("/tmp"), "cp");
        system_retries(&config, "ocpp", &mut system);
        assert_eq!(
            (system.default_retries, system.default_retry_interval),
            (1, std::time::Duration::from_secs(1)),
            "EVerest's defaults"
        );
    }

    #[test]
    fn manual_token_providers_are_those_connected_to_auth_with_their_token() {
        let (_dir, config) = station(|y| {
            y.replace(
                "  token_provider_1:\n    module: DummyTokenProviderManual\n",
                "  token_provider_1:\n    module: DummyTokenProviderManual\n    config_implementation:\n      main:\n        token: CARD42\n  unconnected_reader:\n    module: DummyTokenProviderManual\n",
            )
        });
        assert_eq!(
            manual_token_providers(&config),
            vec![control::TokenProvider {
                id: "token_provider_1".into(),
                token: "CARD42".into()
            }]
        );
    }
}

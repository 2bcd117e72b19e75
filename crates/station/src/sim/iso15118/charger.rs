//! everest-core's EvseV2G, the SECC, at the level of its `ISO15118_charger` interface: the V2G
//! session of ISO 15118-2 AC from SessionSetup to SessionStop as the states the EvseManager and
//! the car see, without EXI messages or TLS.
//!
//! - A session starts when the car asks for one over a matched SLAC link. The SECC offers
//!   external payment always and the contract (Plug&Charge) when TLS is possible (`tls_security`
//!   not `prohibit`, the car's `tls_active`), it has a SECC certificate and the EVSE is not
//!   authorized already (a card swiped before the session leaves only external payment).
//! - Contract: the car's certificate chain and eMAID become a Plug&Charge token
//!   ([`ChargerRequest::PncAuthorization`], EvseV2G's `Require_Auth_PnC` with the ProvidedIdToken
//!   of iso_server.cpp's PaymentDetails), checked by the station
//!   (`verify_contract_cert_chain`) and validated by Auth; its answer comes back through
//!   [`Secc::authorization_response`]. Refused: the session ends (AuthorizationRes FAILED, the
//!   car stops). Without an answer within `auth_timeout_pnc` seconds the session ends too.
//! - Contract with a car that needs its certificate installed (PyEvJosev's
//!   `is_cert_install_needed`): before the token, the car's CertificateInstallationReq (a
//!   stand-in, [`super::ev::certificate_installation_request`]) goes to the station
//!   ([`ChargerRequest::CertificateInstallation`], EvseV2G's `iso15118_certificate_request` on
//!   its `extensions`, answered by `set_get_certificate_response`, through
//!   [`Secc::certificate_response`]). Accepted: the installed contract is authorized as above.
//!   Anything else (Failed, no answer from the central system): CertificateInstallationRes
//!   FAILED, the car ends the session (as Josev does on a FAILED response code), nothing
//!   charges. The SECC waits for the answer without a timer of its own: the OCPP side always
//!   answers, at the latest when its DataTransfer times out.
//! - External payment ([`ChargerRequest::EimAuthorization`], `Require_Auth_EIM`): the session
//!   is authorized once the EvseManager has a transaction (a card, a remote start); it ends after
//!   `auth_timeout_eim` seconds without one.
//! - Authorized, the charger tells the car power is ready (ChargeParameterDiscovery and
//!   PowerDelivery done) once the EvseManager runs a transaction and drives a PWM; the car then
//!   closes S2 and draws. The PWM stays the EvseManager's nominal one (`ac_hlc_use_5percent:
//!   false`, as EVerest's SIL PnC configs have it).
//! - The transaction ends while charging: the charger stops (`stop_from_charger`) and the
//!   session ends. The car stops or pauses: the session ends; a paused session's authorization
//!   is kept for the next session until the car is unplugged.

use super::ev::{
    certificate_installation_request, select_payment, Contract, EvCall, EvConfig, ISO15118_2_SCHEMA,
};
use crate::sim::car::LOOP_INTERVAL;
use crate::sim::script::PaymentChoice;

/// The SECC's parameters (EvseV2G's that change what is simulated).
#[derive(Debug, Clone, PartialEq)]
pub struct SeccConfig {
    /// `tls_security`: `prohibit` offers no contract payment; `force` takes no car without TLS.
    pub tls_security: TlsSecurity,
    /// `auth_timeout_pnc`, s (0: wait for ever).
    pub auth_timeout_pnc_s: u64,
    /// `auth_timeout_eim`, s (0: wait for ever).
    pub auth_timeout_eim_s: u64,
    /// Whether the station has a SECC certificate to serve TLS with (set by the station from
    /// its certificate store; without one no contract payment is offered).
    pub has_secc_certificate: bool,
}

impl Default for SeccConfig {
    fn default() -> Self {
        SeccConfig {
            tls_security: TlsSecurity::Allow,
            auth_timeout_pnc_s: 55,
            auth_timeout_eim_s: 300,
            has_secc_certificate: false,
        }
    }
}

/// EvseV2G's `tls_security`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsSecurity {
    /// No TLS.
    Prohibit,
    /// TLS when the car asks for it.
    Allow,
    /// TLS only.
    Force,
}

/// What the SECC asks of the station (EvseV2G's `Require_Auth_PnC` / `Require_Auth_EIM`).
#[derive(Debug, Clone, PartialEq)]
pub enum ChargerRequest {
    /// Authorize this contract (the token goes to Auth through the EvseManager's
    /// `token_provider`); answer with [`Secc::authorization_response`].
    PncAuthorization(Contract),
    /// The car asks for its contract to be installed: the CertificateInstallationReq, base64
    /// (a stand-in for EXI), goes to the central system; answer with
    /// [`Secc::certificate_response`].
    CertificateInstallation {
        /// The contract the car wants installed (its eMAID names it).
        contract: Contract,
        /// The ISO 15118 namespace of the request.
        iso15118_schema_version: String,
        /// The CertificateInstallationReq, base64.
        exi_request: String,
    },
    /// The car pays externally: the EvseManager waits for a card or a remote start.
    EimAuthorization,
}

/// The session as the SECC sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionState {
    /// No V2G session.
    #[default]
    Idle,
    /// Waiting for the authorization (`contract`: Plug&Charge) for so many more steps (`None`:
    /// for ever).
    Authorizing {
        /// Plug&Charge (else external payment).
        contract: bool,
        /// Steps left before the session is abandoned.
        steps_left: Option<u64>,
    },
    /// The car's CertificateInstallationReq is with the central system.
    InstallingCertificate,
    /// Authorized; waiting for the EvseManager to offer power.
    Authorized,
    /// Power is ready; the car charges.
    Charging,
    /// The car paused; authorization kept.
    Paused,
}

/// What the SECC sees of the EvseManager and the board at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvseView {
    /// A car is plugged in.
    pub plugged: bool,
    /// The SLAC link is up.
    pub slac_matched: bool,
    /// The EvseManager runs a transaction.
    pub transaction: bool,
    /// The EvseManager drives a PWM that offers energy.
    pub pwm_on: bool,
}

/// The SECC. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct Secc {
    config: SeccConfig,
    state: SessionState,
    /// The session's authorization came (PnC accepted, or EIM with a transaction), kept across
    /// a pause until unplug.
    authorized: bool,
    requests: Vec<ChargerRequest>,
    /// The contract whose installation the car waits for.
    installing: Option<Contract>,
    power_ready: bool,
    stopped_by_charger: bool,
    v2g_finished: bool,
}

impl Secc {
    /// An idle SECC.
    pub fn new(config: SeccConfig) -> Self {
        Secc {
            config,
            ..Secc::default()
        }
    }

    /// Whether the SECC offers contract payment to a car with (`car_tls`) or without TLS.
    pub fn offers_contract(&self, car_tls: bool) -> bool {
        car_tls
            && self.config.tls_security != TlsSecurity::Prohibit
            && self.config.has_secc_certificate
    }

    /// The car's call (its `ev` interface talking to the SECC).
    pub fn ev_call(&mut self, call: &EvCall, car: &EvConfig, view: EvseView) {
        match call {
            EvCall::TriggerSlacMatching => {}
            EvCall::StartCharging { payment, .. } => {
                if car.enforce_tls && self.config.tls_security == TlsSecurity::Prohibit {
                    tracing::warn!(
                        "iso15118: the car enforces TLS and tls_security is prohibit: no session"
                    );
                    self.v2g_finished = true;
                    return;
                }
                self.start(*payment, car, view)
            }
            EvCall::StopCharging => self.end(false),
            EvCall::PauseCharging => {
                if self.state != SessionState::Idle {
                    self.state = SessionState::Paused;
                    self.power_ready = false;
                    self.v2g_finished = true;
                }
            }
        }
    }

    fn start(&mut self, asked: PaymentChoice, car: &EvConfig, view: EvseView) {
        let car_tls = car.tls_active;
        let contract = car.contract.as_ref();
        if !view.slac_matched {
            tracing::warn!("iso15118: no SLAC link, the car finds no SECC");
            return;
        }
        if !matches!(self.state, SessionState::Idle | SessionState::Paused) {
            tracing::warn!(state = ?self.state, "iso15118: a V2G session runs already");
            return;
        }
        if self.config.tls_security == TlsSecurity::Force && !car_tls {
            tracing::warn!("iso15118: tls_security force and the car has no TLS: no session");
            self.v2g_finished = true;
            return;
        }
        self.stopped_by_charger = false;
        self.v2g_finished = false;
        if self.authorized {
            // A resumed session: its authorization stands (EVerest's resume after pause).
            self.state = SessionState::Authorized;
            return;
        }
        // Identified before the session (a card swiped first, a remote start): the EvseManager
        // runs a transaction already, so the SECC offers external payment only.
        let contract_offered = self.offers_contract(car_tls) && !view.transaction;
        let selected = select_payment(asked, contract_offered, contract.is_some());
        tracing::info!(?asked, ?selected, "iso15118: V2G session, payment selected");
        let (contract_used, timeout_s) = match (selected, contract) {
            (PaymentChoice::Contract, Some(c)) if car.cert_install_needed => {
                tracing::info!(
                    emaid = c.emaid,
                    "iso15118: the car asks for its contract certificate to be installed"
                );
                self.requests.push(ChargerRequest::CertificateInstallation {
                    contract: c.clone(),
                    iso15118_schema_version: ISO15118_2_SCHEMA.to_owned(),
                    exi_request: certificate_installation_request(c),
                });
                self.installing = Some(c.clone());
                self.state = SessionState::InstallingCertificate;
                return;
            }
            (PaymentChoice::Contract, Some(c)) => {
                self.requests
                    .push(ChargerRequest::PncAuthorization(c.clone()));
                (true, self.config.auth_timeout_pnc_s)
            }
            _ => {
                self.requests.push(ChargerRequest::EimAuthorization);
                (false, self.config.auth_timeout_eim_s)
            }
        };
        let steps = timeout_s.saturating_mul(1000) / LOOP_INTERVAL.as_millis() as u64;
        self.state = SessionState::Authorizing {
            contract: contract_used,
            steps_left: (timeout_s > 0).then_some(steps),
        };
    }

    /// The central system's answer to a [`ChargerRequest::CertificateInstallation`]
    /// (`installed`: Get15118EVCertificate status Accepted with its EXI response).
    pub fn certificate_response(&mut self, installed: bool) {
        let Some(contract) = self.installing.take() else {
            tracing::debug!(
                installed,
                "iso15118: certificate answer without a car waiting for it"
            );
            return;
        };
        if self.state != SessionState::InstallingCertificate {
            return;
        }
        if !installed {
            tracing::info!("iso15118: CertificateInstallationRes FAILED, the car ends the session");
            self.end(true);
            return;
        }
        tracing::info!(
            emaid = contract.emaid,
            "iso15118: contract certificate installed, authorizing it"
        );
        self.requests
            .push(ChargerRequest::PncAuthorization(contract));
        let timeout_s = self.config.auth_timeout_pnc_s;
        let steps = timeout_s.saturating_mul(1000) / LOOP_INTERVAL.as_millis() as u64;
        self.state = SessionState::Authorizing {
            contract: true,
            steps_left: (timeout_s > 0).then_some(steps),
        };
    }

    /// Auth's answer to a [`ChargerRequest::PncAuthorization`].
    pub fn authorization_response(&mut self, accepted: bool) {
        if !matches!(self.state, SessionState::Authorizing { contract: true, .. }) {
            tracing::debug!(
                accepted,
                "iso15118: authorization answer without a PnC session waiting"
            );
            return;
        }
        if accepted {
            self.authorized = true;
            self.state = SessionState::Authorized;
        } else {
            tracing::info!("iso15118: contract refused: AuthorizationRes FAILED, the session ends");
            self.end(true);
        }
    }

    /// One loop step.
    pub fn step(&mut self, view: EvseView) {
        if !view.plugged {
            if self.state != SessionState::Idle || self.authorized {
                tracing::debug!("iso15118: car unplugged, the session is gone");
            }
            *self = Secc::new(self.config.clone());
            return;
        }
        match self.state {
            SessionState::Authorizing {
                contract,
                steps_left,
            } => {
                if !contract && view.transaction {
                    self.authorized = true;
                    self.state = SessionState::Authorized;
                } else if let Some(left) = steps_left {
                    if left == 0 {
                        tracing::info!(
                            contract,
                            "iso15118: no authorization in time, the session ends"
                        );
                        self.end(true);
                    } else {
                        self.state = SessionState::Authorizing {
                            contract,
                            steps_left: Some(left - 1),
                        };
                    }
                }
            }
            SessionState::Authorized if view.transaction && view.pwm_on => {
                self.power_ready = true;
                self.state = SessionState::Charging;
            }
            SessionState::Charging if !view.transaction => {
                tracing::info!("iso15118: the transaction ended, the charger stops the session");
                self.end(true);
            }
            _ => {}
        }
    }

    fn end(&mut self, by_charger: bool) {
        if self.state == SessionState::Idle {
            return;
        }
        self.state = SessionState::Idle;
        self.installing = None;
        self.power_ready = false;
        self.stopped_by_charger = by_charger;
        self.v2g_finished = true;
    }

    /// The requests for the station since the last call.
    pub fn take_requests(&mut self) -> Vec<ChargerRequest> {
        std::mem::take(&mut self.requests)
    }

    /// The session's state.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// `ev_power_ready` as the car sees it.
    pub fn power_ready(&self) -> bool {
        self.power_ready
    }

    /// `stop_from_charger` since the session started.
    pub fn stopped_by_charger(&self) -> bool {
        self.stopped_by_charger
    }

    /// Takes `v2g_session_finished` (the car reads it once).
    pub fn take_v2g_finished(&mut self) -> bool {
        std::mem::take(&mut self.v2g_finished)
    }

    /// Whether `v2g_session_finished` waits to be read.
    pub fn v2g_finished(&self) -> bool {
        self.v2g_finished
    }
}

impl TlsSecurity {
    /// EvseV2G's spelling (`prohibit`, `allow`, `force`); anything else is `allow`, the default
    /// (the loader has checked the value against the manifest's enum).
    pub fn from_parameter(value: Option<&str>) -> Self {
        match value {
            Some("prohibit") => TlsSecurity::Prohibit,
            Some("force") => TlsSecurity::Force,
            _ => TlsSecurity::Allow,
        }
    }
}

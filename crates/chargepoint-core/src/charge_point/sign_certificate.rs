//! The charge point certificate (Security whitepaper edition 2, use cases "Update Charge Point
//! Certificate by request of Central System" and the renewal before it expires): SignCertificate
//! with a new key's CSR, the retries while no CertificateSigned comes, CertificateSigned checked
//! and stored.
//!
//! - The CSR: the store ([`EvseSecurity::generate_certificate_signing_request`], IO side)
//!   generates the key (Internal.CertificateSigningKeyType, ECDSA P-256 by default; the store
//!   keeps it, mode 0600, until a certificate for it arrives) and signs a PKCS#10 request with
//!   it. Its subject is libocpp's v16 `sign_certificate`: CN = ChargeBoxSerialNumber,
//!   O = Security.CpoName, C = Internal.SeccLeafSubjectCountry, "DE" without one (libocpp's
//!   default). Without CpoName no CSR is made (libocpp: an ExtendedTriggerMessage
//!   SignChargePointCertificate is Rejected then). A CSR the store cannot make raises the
//!   security event CSRGenerationFailed, logged and not sent (libocpp's, not critical).
//! - The retries: the whitepaper's CertSigningWaitMinimum and CertSigningRepeatTimes (the PnC
//!   section, where libocpp keeps them): after the central system Accepted a SignCertificate,
//!   the station waits CertSigningWaitMinimum seconds for CertificateSigned; when none came it
//!   generates a new key and CSR and sends them again, each wait twice the one before, at most
//!   CertSigningRepeatTimes times (the whitepaper's "double the previous back-off time, starting
//!   with CertSigningWaitMinimum"). Either key unset, or a wait of 0: no retries (libocpp warns
//!   and does not retry without them). libocpp 1.6 never retries; its 2.0.1 code waits
//!   max(250, CertSigningWaitMinimum) * 2^n with n from 1, a floor and a first doubling the
//!   whitepaper does not have. A SignCertificate Rejected, answered with an error or lost with
//!   the connection ends the series. The series is not stored: after a restart the expiry check
//!   below asks again if the certificate still needs renewing.
//! - CertificateSigned: a chain longer than Security.CertificateSignedMaxChainSize characters is
//!   Rejected without being read; otherwise the store checks it (every certificate PEM, the
//!   chain verifies against the installed CSMS roots, valid now, usable for TLS client
//!   authentication) and that its leaf belongs to a key it generated, and stores it as the
//!   charge point certificate beside that key ([`EvseSecurity::update_leaf_certificate`]).
//!   Rejected raises InvalidChargePointCertificate with the reason as techInfo, sent (libocpp
//!   forces it, TC_077_CS). Accepted at SecurityProfile 3: the driver reconnects with the new
//!   certificate ([`StationCommand::UseNewChargePointCertificate`], libocpp's
//!   `websocket->reconnect(1000)`). Any CertificateSigned ends the retries (libocpp 2.0.1).
//! - Renewal: at SecurityProfile 3, 60 s after every BootNotification Accepted and every 12 h
//!   from then, the charge point certificate with the latest expiry is looked at; one that ends
//!   within 30 days, or none at all, starts a SignCertificate by itself (libocpp's
//!   `client_certificate_timer`: INITIAL_CERTIFICATE_REQUESTS_DELAY, CLIENT_CERTIFICATE_TIMER_INTERVAL,
//!   `get_leaf_expiry_days_count() < 30`), unless a series is under way.
//!
//! [`EvseSecurity::generate_certificate_signing_request`]: super::evse_security::EvseSecurity::generate_certificate_signing_request
//! [`EvseSecurity::update_leaf_certificate`]: super::evse_security::EvseSecurity::update_leaf_certificate

use std::time::{Duration, Instant};

use ocpp_rpc::{CallErrorInfo, MessageId};
use ocpp_types::security::{
    CertificateSignedRequest, CertificateSignedResponse, CertificateSignedStatus, GenericStatus,
    SignCertificateRequest,
};
use ocpp_types::{Action, AnyResponse, BoundedString};

use super::evse_security::{CsrRequest, InstallCertificateResult, KeyType, LeafCertificateType};
use super::message_queue::Purpose;
use super::security_events::kind;
use super::{ChargePoint, Now, StationCommand};

/// libocpp's INITIAL_CERTIFICATE_REQUESTS_DELAY: the first expiry check after registration.
pub const FIRST_EXPIRY_CHECK: Duration = Duration::from_secs(60);
/// libocpp's CLIENT_CERTIFICATE_TIMER_INTERVAL: the expiry checks after the first.
pub const EXPIRY_CHECK_INTERVAL: Duration = Duration::from_secs(12 * 60 * 60);
/// A certificate that ends in fewer days than this is renewed (libocpp's `< 30`).
pub const RENEW_DAYS_BEFORE_EXPIRY: i64 = 30;
/// The country of the CSR without Internal.SeccLeafSubjectCountry (libocpp's `value_or("DE")`).
pub const DEFAULT_COUNTRY: &str = "DE";
/// The security event of a CSR the store could not make (libocpp's CSRGENERATIONFAILED; not in
/// the whitepaper's list, so logged and never sent).
pub const CSR_GENERATION_FAILED: &str = "CSRGenerationFailed";

/// The state of the SignCertificate series.
#[derive(Debug, Default)]
pub(crate) struct CertificateSigning {
    /// Which SignCertificate of the series the last one was, 1 for the first.
    attempt: u32,
    /// When a new CSR goes if no CertificateSigned.req came (the central system Accepted the
    /// last one).
    retry_at: Option<Instant>,
    /// When the charge point certificate's expiry is looked at next.
    next_expiry_check: Option<Instant>,
}

impl CertificateSigning {
    /// The earliest of its timers.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        [self.retry_at, self.next_expiry_check]
            .into_iter()
            .flatten()
            .min()
    }

    fn end_series(&mut self) {
        self.attempt = 0;
        self.retry_at = None;
    }
}

/// The key of Internal.CertificateSigningKeyType (the schema allows only these three).
fn key_type(name: &str) -> KeyType {
    match name {
        "ECDSA_P384" => KeyType::EcdsaP384,
        "RSA_2048" => KeyType::Rsa2048,
        _ => KeyType::EcdsaP256,
    }
}

impl ChargePoint {
    /// Whether a SignCertificate.req can be made now: a certificate store is connected and
    /// CpoName is set (libocpp's condition for an ExtendedTriggerMessage
    /// SignChargePointCertificate). Says why not in the log.
    pub(crate) fn can_sign_certificate(&self) -> bool {
        if self.evse_security.is_none() {
            tracing::warn!("SignCertificate: no certificate store is connected");
            return false;
        }
        if self.config.typed().security.cpo_name.is_none() {
            tracing::warn!("SignCertificate: no CpoName is set");
            return false;
        }
        true
    }

    /// Starts a SignCertificate series: a new key and CSR, sent. `triggered`: the central system
    /// asked (ExtendedTriggerMessage), so it goes even while another series is under way (which
    /// it replaces) and is queued as a triggered message.
    pub(crate) fn start_certificate_signing(&mut self, triggered: bool, now: Now) {
        if !triggered && self.certificate_signing_under_way() {
            tracing::info!("SignCertificate: a request is under way already");
            return;
        }
        self.signing.end_series();
        self.signing.attempt = 1;
        self.send_sign_certificate(triggered, now);
    }

    /// Makes a new key and CSR and queues the SignCertificate.req.
    fn send_sign_certificate(&mut self, triggered: bool, now: Now) {
        let config = self.config.typed();
        let Some(organization) = config.security.cpo_name.clone() else {
            tracing::warn!("SignCertificate not sent: no CpoName is set");
            self.signing.end_series();
            return;
        };
        let request = CsrRequest {
            kind: LeafCertificateType::Csms,
            country: Some(
                config
                    .internal
                    .secc_leaf_subject_country
                    .clone()
                    .unwrap_or_else(|| DEFAULT_COUNTRY.to_owned()),
            ),
            organization: Some(organization),
            common_name: config.internal.charge_box_serial_number.clone(),
            key: key_type(&config.internal.certificate_signing_key_type),
        };
        let Some(store) = self.evse_security.as_mut() else {
            tracing::warn!("SignCertificate not sent: no certificate store is connected");
            self.signing.end_series();
            return;
        };
        let csr = match store.generate_certificate_signing_request(&request) {
            Ok(csr) => BoundedString::<5500>::new(csr)
                .map_err(|_| "the CSR is longer than SignCertificate's 5500 characters".to_owned()),
            Err(e) => Err(format!("{e:?}")),
        };
        let csr = match csr {
            Ok(csr) => csr,
            Err(why) => {
                tracing::error!(%why, "SignCertificate not sent: no CSR");
                self.signing.end_series();
                let tech_info = format!("Sign certificate failed due to: {why}");
                self.security_event_sent_if(CSR_GENERATION_FAILED, Some(&tech_info), false, now);
                return;
            }
        };
        tracing::info!(attempt = self.signing.attempt, triggered, ?request.key,
            common_name = %request.common_name, "SignCertificate with a new CSR");
        let payload = ocpp_types::encode(&SignCertificateRequest { csr });
        if triggered {
            self.queue
                .push_triggered(Action::SignCertificate, payload, Purpose::SignCertificate);
        } else {
            self.queue
                .push_normal(Action::SignCertificate, payload, Purpose::SignCertificate);
        }
    }

    /// Whether a series is under way: a SignCertificate queued or in flight (asked of the queue,
    /// so that one it dropped never blocks the next), or a retry waiting.
    fn certificate_signing_under_way(&self) -> bool {
        self.signing.retry_at.is_some() || self.queue.has_normal(&Purpose::SignCertificate)
    }

    /// The wait after the SignCertificate of `attempt` was Accepted, if another may follow:
    /// CertSigningWaitMinimum doubled for each attempt before, CertSigningRepeatTimes retries.
    fn sign_certificate_retry_wait(&self, attempt: u32) -> Option<Duration> {
        let pnc = self.config.typed().pnc.as_ref()?;
        let minimum = pnc.cert_signing_wait_minimum?;
        let repeat = pnc.cert_signing_repeat_times?;
        if minimum == 0 || attempt > repeat {
            return None;
        }
        let factor = 1u64
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u64::MAX);
        Some(Duration::from_secs(
            u64::from(minimum).saturating_mul(factor),
        ))
    }

    /// The answer to a SignCertificate.req (or its failure).
    #[inline(never)]
    pub(crate) fn on_sign_certificate_response(
        &mut self,
        result: Result<AnyResponse, CallErrorInfo>,
        now: Now,
    ) {
        match result {
            Ok(AnyResponse::SignCertificate(r)) if r.status == GenericStatus::Accepted => {
                match self.sign_certificate_retry_wait(self.signing.attempt) {
                    Some(wait) => {
                        tracing::info!(
                            ?wait,
                            attempt = self.signing.attempt,
                            "SignCertificate Accepted: waiting for CertificateSigned"
                        );
                        self.signing.retry_at = Some(now.instant + wait);
                    }
                    None => {
                        tracing::info!(
                            attempt = self.signing.attempt,
                            "SignCertificate Accepted; no further retry"
                        );
                        self.signing.end_series();
                    }
                }
            }
            Ok(response) => {
                tracing::warn!(
                    ?response,
                    "SignCertificate not accepted by the central system"
                );
                self.signing.end_series();
            }
            Err(error) => {
                tracing::warn!(%error, "SignCertificate failed");
                self.signing.end_series();
            }
        }
    }

    /// A SignCertificate.req was lost with the connection: the series ends (the expiry check
    /// asks again if the certificate needs it).
    #[inline(never)]
    pub(crate) fn on_sign_certificate_dropped(&mut self) {
        tracing::warn!("SignCertificate lost with the connection");
        self.signing.end_series();
    }

    /// BootNotification Accepted: the expiry checks start over (libocpp restarts its timer).
    /// Only at SecurityProfile 3 with a store, as libocpp.
    pub(crate) fn schedule_certificate_expiry_check(&mut self, now: Now) {
        let profile = self.config.typed().security.security_profile;
        self.signing.next_expiry_check = (profile == 3 && self.evse_security.is_some())
            .then(|| now.instant + FIRST_EXPIRY_CHECK);
    }

    /// The retry and the expiry check, when due.
    pub(crate) fn certificate_signing_timer(&mut self, now: Now) {
        if self.signing.retry_at.is_some_and(|t| t <= now.instant) {
            self.signing.retry_at = None;
            self.signing.attempt = self.signing.attempt.saturating_add(1);
            tracing::info!(
                attempt = self.signing.attempt,
                "no CertificateSigned in time: a new CSR"
            );
            self.send_sign_certificate(false, now);
        }
        if self
            .signing
            .next_expiry_check
            .is_some_and(|t| t <= now.instant)
        {
            self.signing.next_expiry_check = Some(now.instant + EXPIRY_CHECK_INTERVAL);
            self.check_certificate_expiry(now);
        }
    }

    /// libocpp's client certificate check (see the [module docs](self)).
    fn check_certificate_expiry(&mut self, now: Now) {
        if self.config.typed().security.security_profile != 3 {
            return;
        }
        let Some(store) = self.evse_security.as_ref() else {
            return;
        };
        let latest = store
            .leaf_certificates()
            .into_iter()
            .filter(|c| c.kind == LeafCertificateType::Csms)
            .map(|c| c.not_after)
            .max();
        let days_left = latest.map_or(0, |end| {
            (end.unix_millis() - now.utc.unix_millis()).div_euclid(86_400_000)
        });
        if days_left >= RENEW_DAYS_BEFORE_EXPIRY {
            tracing::info!(days_left, "the charge point certificate is still valid");
            return;
        }
        tracing::info!(
            days_left,
            "the charge point certificate ends soon (or there is none): a new one is requested"
        );
        if self.can_sign_certificate() {
            self.start_certificate_signing(false, now);
        }
    }

    /// CertificateSigned.req (see the [module docs](self)).
    #[inline(never)]
    pub(crate) fn on_certificate_signed(
        &mut self,
        id: &MessageId,
        request: &CertificateSignedRequest,
        now: Now,
    ) {
        let security = &self.config.typed().security;
        let max_chain_size = security.certificate_signed_max_chain_size;
        let profile = security.security_profile;
        let Some(store) = self.evse_security.as_mut() else {
            return self.respond_not_supported(id, Action::CertificateSigned);
        };
        self.signing.retry_at = None;
        self.signing.attempt = 0;
        let chain = request.certificate_chain.as_str();
        let length = chain.chars().count();
        let refusal = match max_chain_size {
            Some(max) if length > usize::try_from(max).unwrap_or(0) => Some(format!(
                "certificateChain of {length} characters is longer than CertificateSignedMaxChainSize ({max})"
            )),
            _ => match store.update_leaf_certificate(chain, LeafCertificateType::Csms, now.utc) {
                InstallCertificateResult::Accepted => None,
                result => Some(result.as_str().to_owned()),
            },
        };
        let status = match refusal {
            None => CertificateSignedStatus::Accepted,
            Some(_) => CertificateSignedStatus::Rejected,
        };
        tracing::info!(?status, reason = refusal.as_deref(), "CertificateSigned");
        self.respond(
            id,
            AnyResponse::CertificateSigned(CertificateSignedResponse { status }),
        );
        match refusal {
            Some(reason) => {
                self.security_event(kind::INVALID_CHARGE_POINT_CERTIFICATE, Some(&reason), now)
            }
            None => {
                self.refresh_installed_certificates();
                if profile == 3 {
                    self.commands
                        .push_back(StationCommand::UseNewChargePointCertificate);
                }
            }
        }
    }
}

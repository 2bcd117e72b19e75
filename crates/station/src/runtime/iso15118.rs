//! The station's ISO 15118 side (everest-core's EvseV2G, EvseManager `token_provider`, Auth and
//! the OCPP module's PnC calls): what each EVSE's SECC asks for ([`ChargerRequest`]) goes where
//! EVerest sends it, and the OCPP core's Plug&Charge answers ([`PncCommand`]) come back.
//!
//! - Setting up: the SECC serves TLS (so offers contract payment) when the certificate store
//!   holds a SECC certificate; the car (PyEvJosev) holds the contract of the development PKI,
//!   `settings.data_dir/pki/car/MO_CERT_CHAIN.pem` (`ferrocharge pki init --dir
//!   <data_dir>/pki`), whose certificate's CN is its eMAID.
//! - A contract: with EvseV2G's `verify_contract_cert_chain`, the chain is checked against the
//!   store's MO and V2G roots first (iso_server.cpp's PaymentDetails): an expired, badly signed
//!   or malformed chain ends the session at once, nothing goes to the central system; one no
//!   installed root issued goes on (the OCPP side forwards it with
//!   CentralContractValidationAllowed, else refuses it). Then the eMAID and the chain go to the
//!   core as [`PncEvent::Authorize`] (the OCPP module's `validate_token` for a PlugAndCharge
//!   token: libocpp's `data_transfer_pnc_authorize`).
//! - A car that needs its contract installed (PyEvJosev's `is_cert_install_needed`): its
//!   CertificateInstallationReq goes to the core as [`PncEvent::Get15118EvCertificate`]
//!   (EvseV2G's `iso15118_certificate_request` to the OCPP module's `extensions_15118`:
//!   libocpp's `data_transfer_pnc_get_15118_ev_certificate`), action Install; the answer
//!   ([`PncCommand::Ev15118CertificateResult`]) goes back to the SECC (`set_get_certificate_response`):
//!   status Accepted installs the contract and its authorization follows as below; Failed or
//!   no answer ends the session.
//! - The answer: Accepted → the eMAID is presented to Auth as a prevalidated token for the
//!   EVSE (EVerest's Auth takes the validation it has and authorizes the EvseManager: no OCPP
//!   1.6 Authorize follows, the transaction starts with idTag = eMAID) and the SECC goes on;
//!   anything else → the SECC ends the session and the EvseManager takes no other
//!   authorization until the car is unplugged.

use std::collections::HashMap;
use std::path::Path;

use chargepoint::charge_point::evse_security::CertificateValidationResult;
use chargepoint::charge_point::pnc::{PncCommand, PncEvent};
use chargepoint::charge_point::StationEvent as CoreEvent;
use evse_security::{Certificate, FileStore};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::pnc::{
    AuthorizationStatusEnum, CertificateActionEnum, Iso15118EVCertificateStatusEnum,
};

use super::{translate, Station};
use crate::sim::iso15118::{ChargerRequest, Contract};
use crate::sim::SimulatedEvseConfig;
use crate::StationConfig;

/// Where the car's contract chain is, under `settings.data_dir` (the development PKI's).
pub const CAR_CONTRACT_CHAIN: &str = "pki/car/MO_CERT_CHAIN.pem";

/// The most a contract chain file may hold (three certificates are a few KiB).
const MAX_CONTRACT_FILE: u64 = 64 * 1024;

/// Plug&Charge authorizations sent to the core and not yet answered: request id → the
/// connector and eMAID.
#[derive(Debug, Default)]
pub(super) struct PncRequests {
    next_id: u64,
    pending: HashMap<u64, (u32, String)>,
    /// Get15118EVCertificate requests sent to the core: request id → connector.
    certificates: HashMap<u64, u32>,
}

/// Fills in what the ISO 15118 parts of one EVSE read from files: whether the store has a
/// SECC certificate, and the car's contract.
pub(super) fn set_up(
    config: &StationConfig,
    store: Option<&FileStore>,
    sim: &mut SimulatedEvseConfig,
) {
    if let Some(secc) = &mut sim.iso.secc {
        secc.has_secc_certificate = store.is_some_and(|s| {
            !s.v2g_certificate_chains(ocpp_types::security::HashAlgorithm::Sha256)
                .is_empty()
        });
        if !secc.has_secc_certificate {
            tracing::warn!("EvseV2G: no SECC certificate in the store: no TLS, so no Plug&Charge (ferrocharge pki init makes one)");
        }
    }
    if let Some(ev) = &mut sim.iso.ev {
        let path = config.settings.data_dir.join(CAR_CONTRACT_CHAIN);
        ev.contract = read_contract(&path);
    }
}

/// The contract chain at `path` and its eMAID (the leaf's CN), if it reads.
fn read_contract(path: &Path) -> Option<Contract> {
    let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_CONTRACT_FILE);
    let text = match std::fs::read_to_string(path) {
        Ok(_) if too_big => {
            tracing::warn!(path = %path.display(), "PyEvJosev: contract chain file too big; the car has no contract");
            return None;
        }
        Ok(text) => text,
        Err(e) => {
            tracing::info!(path = %path.display(), error = %e, "PyEvJosev: no contract certificate; the car pays externally (ferrocharge pki init makes one)");
            return None;
        }
    };
    let leaf = match Certificate::from_pem(&text) {
        Ok(leaf) => leaf,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "PyEvJosev: contract chain unreadable; the car has no contract");
            return None;
        }
    };
    let emaid = common_name(leaf.subject())?;
    tracing::info!(emaid, "PyEvJosev: the car holds a contract");
    Some(Contract {
        emaid: emaid.to_owned(),
        chain_pem: text,
    })
}

/// The CN of an RFC 4514 subject (`CN=DEFRCC00000001,DC=MO`).
fn common_name(subject: &str) -> Option<&str> {
    subject
        .split(',')
        .find_map(|part| part.trim().strip_prefix("CN="))
        .filter(|cn| !cn.is_empty())
}

impl Station {
    /// Takes what each EVSE's SECC asks for after a step.
    pub(super) fn iso15118_requests(&mut self) {
        for i in 0..self.evses.len() {
            let connector = self.evses[i].connector;
            for request in self.evses[i].sim.iso_mut().take_requests() {
                match request {
                    ChargerRequest::EimAuthorization => {
                        tracing::info!(
                            connector,
                            "ISO 15118: external payment, waiting for an identification"
                        );
                    }
                    ChargerRequest::PncAuthorization(contract) => {
                        self.pnc_authorize(connector, contract)
                    }
                    ChargerRequest::CertificateInstallation {
                        contract,
                        iso15118_schema_version,
                        exi_request,
                    } => {
                        let requests = &mut self.pnc_requests;
                        requests.next_id += 1;
                        let request_id = requests.next_id;
                        requests.certificates.insert(request_id, connector);
                        tracing::info!(
                            connector,
                            emaid = contract.emaid,
                            "ISO 15118: the car asks for its contract certificate to be installed"
                        );
                        self.tell_core(CoreEvent::Pnc(PncEvent::Get15118EvCertificate {
                            request_id,
                            connector,
                            iso15118_schema_version,
                            action: CertificateActionEnum::Install,
                            exi_request,
                        }));
                    }
                }
            }
        }
    }

    fn pnc_authorize(&mut self, connector: u32, contract: Contract) {
        if !self.pnc_token_providers.contains(&connector) {
            tracing::warn!(connector, "Plug&Charge contract with no Auth connected to the EvseManager's token_provider: it goes nowhere");
            return;
        }
        if self.verify_contract_cert_chain.contains(&connector) {
            let verdict = match &self.contract_store {
                Some(store) => store.verify_contract_certificate(
                    &contract.chain_pem,
                    chrono::Utc::now().timestamp(),
                ),
                None => CertificateValidationResult::IssuerNotFound,
            };
            tracing::info!(connector, ?verdict, "EvseV2G: contract chain checked");
            if !matches!(
                verdict,
                CertificateValidationResult::Valid | CertificateValidationResult::IssuerNotFound
            ) {
                self.pnc_refused(connector);
                return;
            }
        }
        let requests = &mut self.pnc_requests;
        requests.next_id += 1;
        let request_id = requests.next_id;
        requests
            .pending
            .insert(request_id, (connector, contract.emaid.clone()));
        tracing::info!(
            connector,
            emaid = contract.emaid,
            "Plug&Charge: contract to authorize"
        );
        self.tell_core(CoreEvent::Pnc(PncEvent::Authorize {
            request_id,
            emaid: contract.emaid,
            certificate: Some(contract.chain_pem),
            iso15118_certificate_hash_data: None,
        }));
    }

    /// The OCPP core's Plug&Charge answer.
    #[inline(never)]
    pub(super) fn pnc_answer(&mut self, answer: PncCommand) {
        match answer {
            PncCommand::AuthorizeResult {
                request_id,
                response,
            } => {
                let Some((connector, emaid)) = self.pnc_requests.pending.remove(&request_id) else {
                    tracing::warn!(request_id, "Plug&Charge answer for nothing asked");
                    return;
                };
                let status = response.id_token_info.status;
                tracing::info!(connector, emaid, ?status, certificate_status = ?response.certificate_status, "Plug&Charge authorization");
                if status != AuthorizationStatusEnum::Accepted {
                    // The state shows the refusal as the OCPP 1.6 status nearest to it.
                    let status_16 = match status {
                        AuthorizationStatusEnum::Blocked => AuthorizationStatus::Blocked,
                        AuthorizationStatusEnum::Expired => AuthorizationStatus::Expired,
                        AuthorizationStatusEnum::ConcurrentTx => AuthorizationStatus::ConcurrentTx,
                        _ => AuthorizationStatus::Invalid,
                    };
                    self.view.token_presented(&emaid, &[connector]);
                    self.view.authorization_result(
                        &emaid,
                        false,
                        Some(&IdTagInfo::with_status(status_16)),
                        None,
                        self.core.connected,
                    );
                    self.pnc_refused(connector);
                    return;
                }
                let Some(id_tag) = translate::id_token(&emaid) else {
                    tracing::warn!(emaid, "an eMAID over 20 characters is no OCPP 1.6 idTag");
                    self.pnc_refused(connector);
                    return;
                };
                if let Some(evse) = self.evse_mut(connector) {
                    evse.sim.iso_mut().authorization_response(true);
                }
                self.view.token_presented(&emaid, &[connector]);
                self.tokens.presented(emaid, Some(vec![connector]));
                self.tell_core(CoreEvent::PrevalidatedTokenPresented {
                    id_tag,
                    connector: Some(connector),
                });
            }
            PncCommand::Ev15118CertificateResult {
                request_id,
                connector,
                response,
                ..
            } => {
                if self.pnc_requests.certificates.remove(&request_id) != Some(connector) {
                    tracing::warn!(
                        request_id,
                        connector,
                        "Get15118EVCertificate answer with no car waiting for it"
                    );
                    return;
                }
                // The simulated car does not decode the EXI response (a stand-in from the
                // central system): the status decides.
                let installed = response
                    .as_ref()
                    .is_some_and(|r| r.status == Iso15118EVCertificateStatusEnum::Accepted);
                tracing::info!(
                    connector,
                    installed,
                    status = ?response.as_ref().map(|r| r.status),
                    "Get15118EVCertificate answer"
                );
                if let Some(evse) = self.evse_mut(connector) {
                    evse.sim.iso_mut().certificate_response(installed);
                }
            }
        }
    }

    fn pnc_refused(&mut self, connector: u32) {
        if let Some(evse) = self.evse_mut(connector) {
            evse.sim.iso_mut().authorization_response(false);
            evse.sim
                .evse_manager_mut()
                .refuse_authorization_until_unplug();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emaid_is_the_common_name() {
        assert_eq!(
            common_name("CN=DEFRCC00000001,DC=MO"),
            Some("DEFRCC00000001")
        );
        assert_eq!(common_name("DC=MO, CN=X"), Some("X"));
        assert_eq!(common_name("O=Y"), None);
    }
}

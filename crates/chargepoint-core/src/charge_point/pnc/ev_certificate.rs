//! Get15118EVCertificate: the car asks for its contract certificate to be installed or
//! updated (ISO 15118-2 CertificateInstallationReq / CertificateUpdateReq). The SECC hands the
//! EXI request, base64, to the OCPP side, which sends it on unchanged and hands the central
//! system's EXI response back, as libocpp's `data_transfer_pnc_get_15118_ev_certificate`.
//!
//! Only with ISO15118PnCEnabled, only online (connected and registered): otherwise, as when
//! the central system does not answer, answers with an error, refuses the DataTransfer or
//! sends data that does not decode, the station is told at once that there is no answer
//! (`response: None`; the SECC then answers the car with a failure). A request the OCPP 2.0.1
//! schema does not allow (an EXI request over 5600 characters, a schema version over 50) is
//! not sent.

use ocpp_types::core::{DataTransferResponse, DataTransferStatus};
use ocpp_types::data_transfer_payload::{unwrap_response, DataTransferMessage};
use ocpp_types::pnc::{
    CertificateActionEnum, Get15118EVCertificateRequest, Get15118EVCertificateResponse,
};
use ocpp_types::BoundedString;

use super::super::ChargePoint;
use super::{PncCommand, PncPurpose};

impl ChargePoint {
    pub(super) fn on_get_15118_ev_certificate(
        &mut self,
        request_id: u64,
        connector: u32,
        iso15118_schema_version: &str,
        action: CertificateActionEnum,
        exi_request: &str,
    ) {
        let refused = if !self.pnc_enabled() {
            Some("ISO15118PnCEnabled is off")
        } else if !self.may_send_normal() {
            Some("offline or not registered")
        } else {
            None
        };
        let request = match (
            BoundedString::<50>::new(iso15118_schema_version),
            BoundedString::<5600>::new(exi_request),
        ) {
            (Ok(iso15118_schema_version), Ok(exi_request)) => Get15118EVCertificateRequest {
                custom_data: None,
                iso15118_schema_version,
                action,
                exi_request,
            },
            _ => {
                tracing::warn!(
                    "Get15118EVCertificate not sent: the schema version or the EXI request is too long"
                );
                return self.ev_certificate_result(request_id, connector, action, None);
            }
        };
        if let Some(why) = refused {
            tracing::warn!(why, "Get15118EVCertificate not sent");
            return self.ev_certificate_result(request_id, connector, action, None);
        }
        tracing::info!(connector, ?action, "Get15118EVCertificate sent");
        self.send_pnc(
            request.to_data_transfer(),
            PncPurpose::Get15118EvCertificate {
                request_id,
                connector,
                action,
            },
        );
    }

    pub(super) fn on_get_15118_ev_certificate_response(
        &mut self,
        request_id: u64,
        connector: u32,
        action: CertificateActionEnum,
        response: Option<&DataTransferResponse>,
    ) {
        let answer = match response {
            Some(r) if r.status == DataTransferStatus::Accepted => {
                match unwrap_response::<Get15118EVCertificateResponse>(r) {
                    Ok(answer) => Some(answer),
                    Err(error) => {
                        tracing::warn!(%error, "Get15118EVCertificate answer unusable");
                        None
                    }
                }
            }
            Some(r) => {
                tracing::warn!(status = ?r.status, "Get15118EVCertificate DataTransfer not accepted");
                None
            }
            None => None,
        };
        self.ev_certificate_result(request_id, connector, action, answer);
    }

    fn ev_certificate_result(
        &mut self,
        request_id: u64,
        connector: u32,
        action: CertificateActionEnum,
        response: Option<Get15118EVCertificateResponse>,
    ) {
        self.pnc_command(PncCommand::Ev15118CertificateResult {
            request_id,
            connector,
            action,
            response: response.map(Box::new),
        });
    }
}

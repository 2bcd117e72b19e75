//! GetCertificateStatus: the OCSP responses of the station's SECC certificate chain, asked of
//! the central system and kept in the certificate store for the SECC to staple in the ISO
//! 15118 handshake, as libocpp's `update_ocsp_cache` and
//! `data_transfer_pnc_get_certificate_status`.
//!
//! With ISO15118CertificateManagementEnabled, 60 s after the BootNotification was accepted,
//! then every OcspRequestInterval seconds, and at once after a CertificateSigned installed a
//! new SECC certificate: one GetCertificateStatus per certificate of the chain that names an
//! OCSP responder. An Accepted answer's ocspResult replaces the response kept for that
//! certificate; Failed, an Accepted one without ocspResult, or no answer keep the old one
//! until the next round. (libocpp runs the rounds every 12 h after the first, whatever
//! OcspRequestInterval says until it is changed at runtime; here the key is the interval.)

use std::time::Duration;

use ocpp_types::core::DataTransferResponse;
use ocpp_types::data_transfer_payload::{unwrap_response, DataTransferMessage};
use ocpp_types::pnc::{
    GetCertificateStatusEnum, GetCertificateStatusRequest, GetCertificateStatusResponse,
    OcspRequestData,
};
use ocpp_types::security::CertificateHashData;
use ocpp_types::{BoundedString, CiString};

use super::super::evse_security::OcspRequest;
use super::super::ChargePoint;
use super::PncPurpose;

/// The OCPP 2.0.1 form of a store's OCSP request data; `None` when a field is over its bound
/// (a responder URL over 512 characters).
pub(super) fn to_ocsp_request_data(request: &OcspRequest) -> Option<OcspRequestData> {
    let hash = &request.hash_data;
    Some(OcspRequestData {
        custom_data: None,
        hash_algorithm: hash.hash_algorithm,
        issuer_name_hash: BoundedString::new(hash.issuer_name_hash.as_str()).ok()?,
        issuer_key_hash: BoundedString::new(hash.issuer_key_hash.as_str()).ok()?,
        serial_number: BoundedString::new(hash.serial_number.as_str()).ok()?,
        responder_url: BoundedString::new(request.responder_url.as_str()).ok()?,
    })
}

impl ChargePoint {
    /// OcspRequestInterval (at least a minute, so a zero does not spin).
    pub(super) fn ocsp_request_interval(&self) -> Duration {
        Duration::from_secs(u64::from(self.config.internal().ocsp_request_interval).max(60))
    }

    /// One GetCertificateStatus for every certificate of the SECC chain with an OCSP responder.
    pub(super) fn update_ocsp_cache(&mut self) {
        let Some(store) = self.evse_security.as_ref() else {
            return;
        };
        let requests = store.v2g_ocsp_request_data();
        tracing::info!(
            certificates = requests.len(),
            "updating the OCSP responses of the SECC certificate chain"
        );
        for request in requests {
            let Some(data) = to_ocsp_request_data(&request) else {
                tracing::warn!(url = %request.responder_url, "OCSP request data over its bounds; skipped");
                continue;
            };
            let message = GetCertificateStatusRequest {
                custom_data: None,
                ocsp_request_data: data.clone(),
            };
            self.send_pnc(
                message.to_data_transfer(),
                PncPurpose::GetCertificateStatus(Box::new(data)),
            );
        }
    }

    /// The answer to a GetCertificateStatus.
    pub(super) fn on_get_certificate_status_response(
        &mut self,
        asked: &OcspRequestData,
        response: Option<&DataTransferResponse>,
    ) {
        let Some(response) = response else { return };
        let answer = match unwrap_response::<GetCertificateStatusResponse>(response) {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(%error, "GetCertificateStatus answer unusable");
                return;
            }
        };
        let ocsp_result = match (answer.status, answer.ocsp_result) {
            (GetCertificateStatusEnum::Accepted, Some(result)) => result,
            (GetCertificateStatusEnum::Accepted, None) => {
                tracing::warn!(
                    "GetCertificateStatus Accepted without ocspResult (not allowed); ignored"
                );
                return;
            }
            (GetCertificateStatusEnum::Failed, _) => {
                tracing::warn!(serial = %asked.serial_number, "GetCertificateStatus Failed");
                return;
            }
        };
        // Same bounds on both sides: the conversion cannot fail for data this core made.
        let Some(hash) = hash_of(asked) else { return };
        let Some(store) = self.evse_security.as_mut() else {
            return;
        };
        match store.update_ocsp_cache(&hash, ocsp_result.as_str()) {
            Ok(()) => tracing::info!(serial = %asked.serial_number, "OCSP response kept"),
            Err(why) => {
                tracing::error!(%why, serial = %asked.serial_number, "OCSP response not kept")
            }
        }
    }
}

/// The whitepaper's hash data of the certificate an OCSP request is about.
fn hash_of(asked: &OcspRequestData) -> Option<CertificateHashData> {
    Some(CertificateHashData {
        hash_algorithm: asked.hash_algorithm,
        issuer_name_hash: CiString::new(asked.issuer_name_hash.as_str()).ok()?,
        issuer_key_hash: CiString::new(asked.issuer_key_hash.as_str()).ok()?,
        serial_number: CiString::new(asked.serial_number.as_str()).ok()?,
    })
}

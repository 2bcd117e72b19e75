//! DataTransfer (OCPP 1.6 §4.3 from the station, §5.6 from the central system), both ways
//! through the station's data_transfer module, as everest-core's OCPP module wires libocpp: it
//! registers libocpp's data_transfer_callback only when its `data_transfer` requirement is
//! connected (`OCPP::ready`, modules/EVSE/OCPP/OCPP.cpp: `register_data_transfer_callback`).
//!
//! - From the central system: California Pricing's messages (vendorId
//!   `org.openchargealliance.costmsg`, when CustomDisplayCostAndPrice is true) and a
//!   Plug&Charge DataTransfer (vendorId `org.openchargealliance.iso15118pnc`, with
//!   ISO15118CertificateManagementEnabled) are the core's own (`cost_and_price/messages.rs`,
//!   `pnc/`); for any other, with a data_transfer module
//!   ([`ChargePoint::with_data_transfer_module`]) the request goes to the station as
//!   [`StationCommand::DataTransfer`] and the module's answer
//!   ([`StationEvent::DataTransferAnswered`](super::StationEvent::DataTransferAnswered)) is the
//!   DataTransfer.conf. Without one the answer is UnknownVendorId at once, as libocpp's
//!   `ChargePointImpl::handleDataTransferRequest` when no callback is registered (OCPP asks
//!   for that status, not a CALLERROR). A request still waiting when the connection
//!   drops is forgotten: its answer could not reach the central system any more.
//! - From the station: [`StationEvent::SendDataTransfer`](super::StationEvent::SendDataTransfer)
//!   queues a DataTransfer.req and its answer comes back as
//!   [`StationCommand::DataTransferResult`]; `None` when offline or not registered (at once: as
//!   libocpp's `ChargePointImpl::data_transfer`, which returns nullopt offline and whose queue
//!   discards a normal message before registration), on a CALLERROR, without an answer, or
//!   when the connection drops first.

use ocpp_rpc::MessageId;
use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::{Action, AnyResponse};

use super::message_queue::Purpose;
use super::{ChargePoint, StationCommand};

/// The DataTransfers under way.
#[derive(Debug, Default)]
pub(crate) struct DataTransfers {
    /// The station has a data_transfer module that answers the central system's requests.
    pub module: bool,
    next_request_id: u64,
    /// The central system's requests waiting for the module's answer, by request id.
    incoming: Vec<(u64, MessageId)>,
}

impl ChargePoint {
    /// The station has a data_transfer module: the central system's DataTransfer.req go to it
    /// as [`StationCommand::DataTransfer`] instead of being answered UnknownVendorId (the
    /// OCPP module's `data_transfer` requirement is connected in the station config).
    pub fn with_data_transfer_module(mut self) -> ChargePoint {
        self.data_transfers.module = true;
        self
    }

    /// DataTransfer.req from the central system. California Pricing's and Plug&Charge's
    /// messages are the core's own, as libocpp registers callbacks of its own for them.
    #[inline(never)]
    pub(crate) fn on_data_transfer(
        &mut self,
        id: &MessageId,
        request: DataTransferRequest,
        now: super::Now,
    ) {
        if self.on_cost_data_transfer(id, &request, now)
            || self.on_pnc_data_transfer(id, &request, now)
        {
            return;
        }
        if !self.data_transfers.module {
            tracing::info!(vendor_id = %request.vendor_id, "DataTransfer without a data_transfer module: UnknownVendorId");
            let response = DataTransferResponse {
                status: DataTransferStatus::UnknownVendorId,
                data: None,
            };
            return self.respond(id, AnyResponse::DataTransfer(response));
        }
        let request_id = self.data_transfers.next_request_id;
        self.data_transfers.next_request_id = request_id.wrapping_add(1);
        tracing::info!(vendor_id = %request.vendor_id, request_id, "DataTransfer handed to the data_transfer module");
        self.data_transfers.incoming.push((request_id, id.clone()));
        self.commands.push_back(StationCommand::DataTransfer {
            request_id,
            request,
        });
    }

    /// The data_transfer module answered the request `request_id`.
    pub(crate) fn on_data_transfer_answered(
        &mut self,
        request_id: u64,
        response: DataTransferResponse,
    ) {
        let incoming = &mut self.data_transfers.incoming;
        let Some(index) = incoming.iter().position(|(r, _)| *r == request_id) else {
            tracing::warn!(
                request_id,
                "DataTransfer answer for no waiting request (the connection dropped?); ignored"
            );
            return;
        };
        let (_, id) = incoming.remove(index);
        self.respond(&id, AnyResponse::DataTransfer(response));
    }

    /// The station wants a DataTransfer.req sent.
    pub(crate) fn on_send_data_transfer(&mut self, request_id: u64, request: DataTransferRequest) {
        if !self.may_send_normal() {
            tracing::info!(
                request_id,
                "DataTransfer not sent: offline or not registered"
            );
            return self.data_transfer_result(request_id, None);
        }
        self.queue.push_normal(
            Action::DataTransfer,
            ocpp_types::encode(&request),
            Purpose::DataTransfer(request_id),
        );
    }

    /// Tells the station how its DataTransfer.req `request_id` ended.
    #[inline(never)]
    pub(crate) fn data_transfer_result(
        &mut self,
        request_id: u64,
        response: Option<DataTransferResponse>,
    ) {
        self.commands.push_back(StationCommand::DataTransferResult {
            request_id,
            response,
        });
    }

    /// The connection is gone: the central system's requests can no longer be answered.
    pub(crate) fn forget_incoming_data_transfers(&mut self) {
        self.data_transfers.incoming.clear();
    }
}

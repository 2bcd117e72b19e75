//! UnlockConnector (OCPP 1.6 §5.18). The answer depends on the hardware, so it is given when
//! the station reports the result ([`StationEvent::UnlockResult`](super::StationEvent)):
//!
//! - connector 0 or unknown: NotSupported at once (libocpp's
//!   `ChargePointImpl::handleUnlockConnectorRequest`);
//! - otherwise the station is asked to unlock ([`StationCommand::UnlockConnector`]) and its
//!   result is the answer. As everest-core's EvseManager (`handle_force_unlock`, the OCPP
//!   module's unlock callback): an EVSE with a connector lock stops a running transaction
//!   first (reason UnlockCommand, as §5.18 asks), then opens the lock: Unlocked, or
//!   UnlockFailed when the lock does not open; an EVSE without a connector lock (a fixed
//!   cable) answers NotSupported and its transaction goes on;
//! - after NotSupported on a connector with a transaction, the transaction is stopped
//!   (reason UnlockCommand) when StopTransactionIfUnlockNotSupported is true, as libocpp.
//!
//! everest-core's OCPP module answers NotSupported for a lock that fails to open too ("Failed
//! is currently not supported by EVerest"); ferrocharge answers UnlockFailed, the status OCPP
//! 1.6 defines for it and the one everest-core's `test_unlock_connector_failure` expects.
//!
//! An UnlockConnector still waiting when the connection drops is forgotten (its answer could
//! not reach the central system anyway).

use ocpp_rpc::MessageId;
use ocpp_types::core::{Reason, UnlockConnectorRequest, UnlockConnectorResponse, UnlockStatus};
use ocpp_types::AnyResponse;

use super::{ChargePoint, StationCommand};

impl ChargePoint {
    /// UnlockConnector.req.
    #[inline(never)]
    pub(crate) fn on_unlock_connector(&mut self, id: &MessageId, request: &UnlockConnectorRequest) {
        let connector = u32::try_from(request.connector_id)
            .ok()
            .filter(|c| (1..=self.number_of_connectors()).contains(c));
        let Some(connector) = connector else {
            let response = UnlockConnectorResponse {
                status: UnlockStatus::NotSupported,
            };
            return self.respond(id, AnyResponse::UnlockConnector(response));
        };
        self.pending_unlocks.push((connector, id.clone()));
        self.commands
            .push_back(StationCommand::UnlockConnector { connector });
    }

    /// The station tried to unlock `connector`: answers the UnlockConnector(s) waiting for it.
    #[inline(never)]
    pub(crate) fn on_unlock_result(&mut self, connector: u32, status: UnlockStatus) {
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_unlocks)
            .into_iter()
            .partition(|(c, _)| *c == connector);
        self.pending_unlocks = waiting;
        if done.is_empty() {
            tracing::debug!(
                connector,
                ?status,
                "unlock result without an UnlockConnector"
            );
        }
        let answered = !done.is_empty();
        for (_, id) in done {
            let response = UnlockConnectorResponse { status };
            self.respond(&id, AnyResponse::UnlockConnector(response));
        }
        let running = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.transaction.is_some());
        if answered
            && status == UnlockStatus::NotSupported
            && running
            && self
                .config
                .internal()
                .stop_transaction_if_unlock_not_supported
        {
            tracing::info!(
                connector,
                "no lock to open: StopTransactionIfUnlockNotSupported stops the transaction"
            );
            self.commands.push_back(StationCommand::StopTransaction {
                connector,
                reason: Reason::UnlockCommand,
            });
        }
    }
}

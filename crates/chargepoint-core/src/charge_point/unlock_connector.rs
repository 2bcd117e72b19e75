//! UnlockConnector (OCPP 1.6 §5.18). The answer depends on the hardware, so it is given when
//! the station reports the result ([`StationEvent::UnlockResult`](super::StationEvent)):
//!
//! - connector 0 or unknown: NotSupported at once (libocpp's
//!   `ChargePointImpl::handleUnlockConnectorRequest`);
//! - otherwise a running transaction is stopped first (reason UnlockCommand, as §5.18 asks),
//!   then the station is asked to unlock ([`StationCommand::UnlockConnector`]) and its result
//!   (Unlocked, UnlockFailed, NotSupported) is the answer. This is the order everest-core's
//!   EvseManager follows inside libocpp's unlock callback
//!   (`evse_managerImpl::handle_force_unlock`: cancel_transaction with UnlockCommand, then
//!   connector_force_unlock), so the station carries out the two commands in the order given.
//!   libocpp itself only stops the transaction after a NotSupported answer with
//!   StopTransactionIfUnlockNotSupported; the stop comes first here, as the spec and
//!   everest-core do it.
//!
//! An UnlockConnector still waiting when the connection drops is forgotten (its answer could
//! not reach the central system anyway).

use ocpp_rpc::MessageId;
use ocpp_types::core::{Reason, UnlockConnectorRequest, UnlockConnectorResponse, UnlockStatus};
use ocpp_types::AnyResponse;

use super::{ChargePoint, StationCommand};

impl ChargePoint {
    /// UnlockConnector.req.
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
        let running = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.transaction.is_some());
        if running {
            self.commands.push_back(StationCommand::StopTransaction {
                connector,
                reason: Reason::UnlockCommand,
            });
        }
        self.pending_unlocks.push((connector, id.clone()));
        self.commands
            .push_back(StationCommand::UnlockConnector { connector });
    }

    /// The station tried to unlock `connector`: answers the UnlockConnector(s) waiting for it.
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
        for (_, id) in done {
            let response = UnlockConnectorResponse { status };
            self.respond(&id, AnyResponse::UnlockConnector(response));
        }
    }
}

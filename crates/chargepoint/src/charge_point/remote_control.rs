//! The central system's remote commands: RemoteStartTransaction (OCPP 1.6 §5.11),
//! RemoteStopTransaction (§5.12) and Reset (§5.14).

use ocpp_rpc::MessageId;
use ocpp_types::charging_profile::ChargingProfilePurpose;
use ocpp_types::core::{
    Reason, RemoteStartStopStatus, RemoteStartTransactionRequest, RemoteStartTransactionResponse,
    RemoteStopTransactionRequest, RemoteStopTransactionResponse, ResetRequest, ResetResponse,
    ResetStatus, ResetType,
};
use ocpp_types::{AnyRequest, AnyResponse};

use super::message_queue::{AuthorizeFor, RemoteStartPending};
use super::{ChargePoint, Now, StationCommand};

/// The answer to RemoteStart/RemoteStopTransaction while registration is Pending: Rejected,
/// as libocpp (a transaction cannot be reported before Accepted). `None` for other actions.
pub(crate) fn rejected_while_pending(request: &AnyRequest) -> Option<AnyResponse> {
    let status = RemoteStartStopStatus::Rejected;
    match request {
        AnyRequest::RemoteStartTransaction(_) => Some(AnyResponse::RemoteStartTransaction(
            RemoteStartTransactionResponse { status },
        )),
        AnyRequest::RemoteStopTransaction(_) => Some(AnyResponse::RemoteStopTransaction(
            RemoteStopTransactionResponse { status },
        )),
        _ => None,
    }
}

impl ChargePoint {
    /// RemoteStartTransaction.req.
    ///
    /// Accepted when the connector named (1..=NumberOfConnectors) is free: no transaction, not
    /// Faulted, not Finishing (as libocpp); without a connectorId the first free connector is
    /// taken, unless RejectRemoteStartTransactionWithoutConnectorId. A chargingProfile must be
    /// a TxProfile (§5.11). With AuthorizeRemoteTxRequests an Authorize.req goes first and the
    /// [`StationCommand::RemoteStart`] follows its acceptance; otherwise the command is issued
    /// at once and the connector goes to Preparing.
    pub(crate) fn on_remote_start_transaction(
        &mut self,
        id: &MessageId,
        request: RemoteStartTransactionRequest,
        now: Now,
    ) {
        let connector = self.remote_start_connector(&request);
        let profile_ok = request
            .charging_profile
            .as_ref()
            .is_none_or(|p| p.charging_profile_purpose == ChargingProfilePurpose::TxProfile);
        let status = match connector {
            Some(_) if profile_ok => RemoteStartStopStatus::Accepted,
            _ => RemoteStartStopStatus::Rejected,
        };
        tracing::info!(?connector, ?status, "RemoteStartTransaction");
        self.respond(
            id,
            AnyResponse::RemoteStartTransaction(RemoteStartTransactionResponse { status }),
        );
        let Some(connector) = connector.filter(|_| status == RemoteStartStopStatus::Accepted)
        else {
            return;
        };
        let pending = RemoteStartPending {
            connector,
            charging_profile: request.charging_profile,
        };
        if self.config.core().authorize_remote_tx_requests {
            let asked = AuthorizeFor {
                id_tag: request.id_tag,
                connector: Some(connector),
                remote_start: Some(pending),
            };
            return self.request_authorization(asked, now);
        }
        self.authorize_connector(connector, request.id_tag.clone(), now);
        self.commands.push_back(StationCommand::RemoteStart {
            connector,
            id_tag: request.id_tag,
            charging_profile: pending.charging_profile,
        });
    }

    /// The connector a RemoteStartTransaction may use, if any.
    fn remote_start_connector(&self, request: &RemoteStartTransactionRequest) -> Option<u32> {
        let free = |id: u32| {
            self.connectors
                .get(id as usize)
                .is_some_and(|c| c.is_free() && c.authorized.is_none())
                && self.reservation_admits(id, &request.id_tag, None)
        };
        match request.connector_id {
            Some(c) => u32::try_from(c)
                .ok()
                .filter(|c| (1..=self.number_of_connectors()).contains(c))
                .filter(|c| free(*c)),
            None => {
                let refuse = self
                    .config
                    .internal()
                    .reject_remote_start_transaction_without_connector_id
                    == Some(true);
                if refuse {
                    return None;
                }
                (1..=self.number_of_connectors()).find(|c| free(*c))
            }
        }
    }

    /// RemoteStopTransaction.req: Accepted for a running transaction's id, which the station is
    /// asked to stop with reason Remote; otherwise Rejected.
    pub(crate) fn on_remote_stop_transaction(
        &mut self,
        id: &MessageId,
        request: &RemoteStopTransactionRequest,
    ) {
        let connector = (1..=self.number_of_connectors()).find(|c| {
            self.connectors
                .get(*c as usize)
                .and_then(|c| c.transaction.as_ref())
                .is_some_and(|t| t.record.transaction_id == Some(request.transaction_id))
        });
        let status = match connector {
            Some(_) => RemoteStartStopStatus::Accepted,
            None => RemoteStartStopStatus::Rejected,
        };
        tracing::info!(
            transaction_id = request.transaction_id,
            ?status,
            "RemoteStopTransaction"
        );
        self.respond(
            id,
            AnyResponse::RemoteStopTransaction(RemoteStopTransactionResponse { status }),
        );
        if let Some(connector) = connector {
            self.commands.push_back(StationCommand::StopTransaction {
                connector,
                reason: Reason::Remote,
            });
        }
    }

    /// Reset.req: Accepted; every running transaction is stopped (SoftReset / HardReset), then
    /// the station is asked to restart. As libocpp, the runtime waits up to
    /// WaitForStopTransactionsOnResetTimeout for the StopTransactions before it restarts.
    pub(crate) fn on_reset(&mut self, id: &MessageId, request: &ResetRequest) {
        self.respond(
            id,
            AnyResponse::Reset(ResetResponse {
                status: ResetStatus::Accepted,
            }),
        );
        let reason = match request.kind {
            ResetType::Soft => Reason::SoftReset,
            ResetType::Hard => Reason::HardReset,
        };
        for connector in 1..=self.number_of_connectors() {
            let running = self
                .connectors
                .get(connector as usize)
                .is_some_and(|c| c.transaction.is_some());
            if running {
                self.commands
                    .push_back(StationCommand::StopTransaction { connector, reason });
            }
        }
        self.commands
            .push_back(StationCommand::Reset { kind: request.kind });
    }
}

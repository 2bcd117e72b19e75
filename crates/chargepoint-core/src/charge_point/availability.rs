//! ChangeAvailability (OCPP 1.6 §5.2), as libocpp does it.
//!
//! - An unknown connector is Rejected.
//! - A connector that is busy (a transaction, or Preparing) gets the change when it is idle
//!   again: the answer is Scheduled. Otherwise it is applied at once: Accepted (also when the
//!   connector already has that availability).
//! - Connector 0 changes the station and every connector; Scheduled if any connector is busy.
//! - The availability asked for is stored at once, scheduled or not, so it holds after a
//!   reboot.
//!
//! An applied change updates the status (Unavailable / back to what the facts say) and tells
//! the station with [`StationCommand::SetAvailability`].

use ocpp_rpc::MessageId;
use ocpp_types::core::{
    AvailabilityStatus, AvailabilityType, ChangeAvailabilityRequest, ChangeAvailabilityResponse,
};
use ocpp_types::AnyResponse;

use super::{ChargePoint, Now, StationCommand};

impl ChargePoint {
    /// ChangeAvailability.req.
    #[inline(never)]
    pub(crate) fn on_change_availability(
        &mut self,
        id: &MessageId,
        request: &ChangeAvailabilityRequest,
        now: Now,
    ) {
        let inoperative = request.kind == AvailabilityType::Inoperative;
        let targets: Vec<u32> = match u32::try_from(request.connector_id) {
            Ok(0) => (0..=self.number_of_connectors()).collect(),
            Ok(c) if c <= self.number_of_connectors() => vec![c],
            _ => Vec::new(),
        };
        if targets.is_empty() {
            return self.respond(
                id,
                AnyResponse::ChangeAvailability(ChangeAvailabilityResponse {
                    status: AvailabilityStatus::Rejected,
                }),
            );
        }
        let mut scheduled = false;
        for &target in &targets {
            if let Err(e) = self.store.save_availability(target, !inoperative) {
                tracing::error!(connector = target, error = %e, "availability not stored");
            }
            let Some(connector) = self.connector_mut(target) else {
                continue;
            };
            if connector.is_busy(target == 0) {
                connector.scheduled_inoperative = Some(inoperative);
                scheduled = true;
            } else {
                connector.scheduled_inoperative = None;
                self.set_inoperative(target, inoperative);
            }
        }
        let status = if scheduled {
            AvailabilityStatus::Scheduled
        } else {
            AvailabilityStatus::Accepted
        };
        tracing::info!(connector = request.connector_id, kind = ?request.kind, ?status, "ChangeAvailability");
        self.respond(
            id,
            AnyResponse::ChangeAvailability(ChangeAvailabilityResponse { status }),
        );
        for target in targets {
            self.update_status(target, now);
        }
    }

    /// Applies a scheduled change of connector `id` once it is idle.
    pub(crate) fn apply_scheduled_availability(&mut self, id: u32) {
        let Some(connector) = self.connector_mut(id) else {
            return;
        };
        let Some(inoperative) = connector.scheduled_inoperative else {
            return;
        };
        if connector.is_busy(id == 0) {
            return;
        }
        connector.scheduled_inoperative = None;
        tracing::info!(
            connector = id,
            inoperative,
            "scheduled availability change applied"
        );
        self.set_inoperative(id, inoperative);
    }

    /// Sets the availability of connector `id` and tells the station if it changed.
    pub(crate) fn set_inoperative(&mut self, id: u32, inoperative: bool) {
        let Some(connector) = self.connector_mut(id) else {
            return;
        };
        if connector.inoperative == inoperative {
            return;
        }
        connector.inoperative = inoperative;
        self.commands.push_back(StationCommand::SetAvailability {
            connector: id,
            operative: !inoperative,
        });
    }
}

//! DataTransfer both ways, as everest-core's OCPP module wires it: the central system's
//! requests the core hands to the station go to the DataTransferResponder connected to the
//! OCPP module's `data_transfer` requirement ([`crate::data_transfer`]); the control API's
//! DataTransfer to the central system (the OCPP module's `data_transfer` command) goes to the
//! core, and its answer back to the HTTP request.

use std::collections::HashMap;

use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::core::{DataTransferRequest, DataTransferResponse, RegistrationStatus};
use tokio::sync::{mpsc, oneshot};

use super::Station;
use crate::control_api::ControlError;
use crate::data_transfer::{hook, no_answer, Decision, Responder};

/// Where the answer of a control-API DataTransfer goes.
pub type DataTransferAnswer = oneshot::Sender<Result<DataTransferResponse, ControlError>>;

/// The channel of the responder's command answers, by the core's request id.
#[derive(Debug)]
struct Answers {
    tx: mpsc::Sender<(u64, DataTransferResponse)>,
    rx: mpsc::Receiver<(u64, DataTransferResponse)>,
}

/// The DataTransfers under way at the station.
#[derive(Debug)]
pub(super) struct DataTransfers {
    /// The DataTransferResponder, when one is connected to the OCPP module.
    responder: Option<Responder>,
    /// Its external commands running.
    running: usize,
    /// Their answers, by the core's request id; only with a responder that has a command (a
    /// channel allocates room for 32 answers when it is made: 1.3 kB for each station of a
    /// fleet, where none has a command).
    answered: Option<Answers>,
    /// The control API's DataTransfers waiting for the central system, by request id.
    outgoing: HashMap<u64, DataTransferAnswer>,
    next_outgoing: u64,
}

impl DataTransfers {
    /// With the station's responder, if it has one.
    pub fn new(responder: Option<Responder>) -> Self {
        let answered = responder
            .as_ref()
            .is_some_and(|r| r.command.is_some())
            .then(|| {
                let (tx, rx) = mpsc::channel(hook::RUNNING_MAX);
                Answers { tx, rx }
            });
        DataTransfers {
            responder,
            running: 0,
            answered,
            outgoing: HashMap::new(),
            next_outgoing: 0,
        }
    }
}

impl DataTransfers {
    /// The next answer of a responder's command; never comes without a command.
    pub async fn next_answer(&mut self) -> Option<(u64, DataTransferResponse)> {
        match &mut self.answered {
            Some(answers) => answers.rx.recv().await,
            None => std::future::pending().await,
        }
    }
}

impl Station {
    /// The core hands the central system's DataTransfer.req `request_id` to the station's
    /// data_transfer module.
    #[inline(never)]
    pub(super) fn data_transfer(&mut self, request_id: u64, request: DataTransferRequest) {
        let transfers = &mut self.data_transfers;
        let Some(responder) = &transfers.responder else {
            // The core asks only when it was built with a module; should it ask anyway, the
            // answer is the one without a module.
            tracing::info!(vendor_id = %request.vendor_id, "DataTransfer: no data_transfer module");
            return self.tell_core(CoreEvent::DataTransferAnswered {
                request_id,
                response: no_answer(),
            });
        };
        let response = match responder.decide(&request) {
            Decision::Answer(response) => response,
            Decision::AskCommand if transfers.running >= hook::RUNNING_MAX => {
                tracing::warn!(module = %responder.module, vendor_id = %request.vendor_id,
                    error = %hook::HookError::Busy, "DataTransferResponder: no answer, UnknownVendorId");
                no_answer()
            }
            Decision::AskCommand => {
                // decide asks for the command only when there is one, and then the channel
                // of its answers is there.
                let (Some(program), Some(answers)) =
                    (responder.command.clone(), &transfers.answered)
                else {
                    return self.tell_core(CoreEvent::DataTransferAnswered {
                        request_id,
                        response: no_answer(),
                    });
                };
                transfers.running += 1;
                let module = responder.module.clone();
                let timeout = responder.timeout;
                let answered = answers.tx.clone();
                tokio::spawn(async move {
                    let response = match hook::run(&program, &request, timeout).await {
                        Ok(response) => response,
                        Err(error) => {
                            tracing::warn!(%module, vendor_id = %request.vendor_id, %error,
                                "DataTransferResponder: no answer, UnknownVendorId");
                            no_answer()
                        }
                    };
                    // A closed channel means the station stopped: nobody to answer.
                    let _ = answered.send((request_id, response)).await;
                });
                return;
            }
        };
        tracing::info!(vendor_id = %request.vendor_id, status = ?response.status, "DataTransfer answered by the DataTransferResponder");
        self.tell_core(CoreEvent::DataTransferAnswered {
            request_id,
            response,
        });
    }

    /// The responder's command answered the request `request_id`.
    pub(super) fn data_transfer_answered(
        &mut self,
        request_id: u64,
        response: DataTransferResponse,
    ) {
        self.data_transfers.running = self.data_transfers.running.saturating_sub(1);
        tracing::info!(request_id, status = ?response.status, "DataTransfer answered by the DataTransferResponder's command");
        self.tell_core(CoreEvent::DataTransferAnswered {
            request_id,
            response,
        });
    }

    /// The control API's DataTransfer to the central system. Offline or before the
    /// BootNotification is accepted it is not sent, as libocpp's `ChargePointImpl::data_transfer`
    /// (its queue drops a normal message then, and it returns no answer).
    pub(super) fn send_data_transfer(
        &mut self,
        request: DataTransferRequest,
        answer: DataTransferAnswer,
    ) -> Result<(), ControlError> {
        if !self.core.connected {
            return Err(ControlError::Unavailable(
                "offline: the DataTransfer is not sent (the station queues no DataTransfer while offline, as libocpp)".to_owned(),
            ));
        }
        if self.core.registration != Some(RegistrationStatus::Accepted) {
            return Err(ControlError::Unavailable(
                "not registered: the DataTransfer is not sent before the CSMS accepted the BootNotification".to_owned(),
            ));
        }
        let transfers = &mut self.data_transfers;
        let request_id = transfers.next_outgoing;
        transfers.next_outgoing = request_id.wrapping_add(1);
        transfers.outgoing.insert(request_id, answer);
        tracing::info!(request_id, vendor_id = %request.vendor_id, "DataTransfer to the CSMS");
        self.tell_core(CoreEvent::SendDataTransfer {
            request_id,
            request,
        });
        Ok(())
    }

    /// How the station's DataTransfer `request_id` ended.
    #[inline(never)]
    pub(super) fn data_transfer_result(
        &mut self,
        request_id: u64,
        response: Option<DataTransferResponse>,
    ) {
        tracing::info!(request_id, ?response, "DataTransfer answered");
        let Some(answer) = self.data_transfers.outgoing.remove(&request_id) else {
            return;
        };
        let result = response.ok_or_else(|| {
            ControlError::Timeout(
                "the CSMS sent no DataTransfer.conf: a CALLERROR, no answer in time, or the connection dropped first"
                    .to_owned(),
            )
        });
        // The HTTP client may have gone: nobody to answer.
        let _ = answer.send(result);
    }
}

//! The California Pricing DataTransfers of the central system (vendorId
//! `org.openchargealliance.costmsg`), answered as libocpp's `handleDataTransferRequest` with its
//! pricing callbacks registered:
//!
//! | request | answer |
//! |---|---|
//! | a messageId other than SetUserPrice, RunningCost, FinalCost | UnknownMessageId (or, with a data_transfer module, its answer, as libocpp's generic callback) |
//! | `data` missing, not JSON, or not the message (a required field missing, a wrong type) | Rejected; for RunningCost and FinalCost with data `json parsing failed` |
//! | SetUserPrice | Accepted: the tariff of `idToken` (its session's, or its next one's) |
//! | RunningCost, FinalCost of a transaction the station does not know | Rejected |
//! | RunningCost, FinalCost of a transaction it knows | Accepted: a [`SessionCost`] |
//!
//! Which transactions the station knows: libocpp looks only at running ones, so it refuses
//! the FinalCost the whitepaper has the central system send after StopTransaction (its own
//! test sends it during the transaction). Here a FinalCost may also name the transaction that
//! ended last on a connector (its pricing is still shown), and with CustomIdleFeeAfterStop a
//! RunningCost may name it until the cable is unplugged (whitepaper §3.4: the central system
//! "extends the transaction" for the idle fee until ConnectorUnplugged).
//!
//! RunningCost's state Idle is kept as Idle: libocpp publishes every RunningCost as Charging,
//! which loses what the whitepaper sends it for (the idle price applies now).

use ocpp_rpc::MessageId;
use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::cost_and_price::{
    AnyCostMessage, CostMessageId, FinalCost, RunningCost, RunningCostState, SetUserPrice,
};
use ocpp_types::AnyResponse;

use super::super::{ChargePoint, Now, StationCommand};
use super::{CostStatus, ReceivedCost, SessionCost, Tariff};

/// What libocpp puts into a Rejected answer to a RunningCost or FinalCost it cannot parse.
const PARSING_FAILED: &str = "json parsing failed";

fn answer(status: DataTransferStatus, data: Option<&str>) -> DataTransferResponse {
    DataTransferResponse {
        status,
        data: data.map(str::to_owned),
    }
}

impl ChargePoint {
    /// A DataTransfer.req of the central system for California Pricing, when it is on. Returns
    /// `false` when the request is not one (another vendorId), or its messageId is unknown and
    /// the data_transfer module is to answer it.
    pub(crate) fn on_cost_data_transfer(
        &mut self,
        id: &MessageId,
        request: &DataTransferRequest,
        now: Now,
    ) -> bool {
        if !self.pricing_enabled() || request.vendor_id != ocpp_types::cost_and_price::VENDOR_ID {
            return false;
        }
        let message_id = request
            .message_id
            .as_ref()
            .and_then(|m| m.as_str().parse::<CostMessageId>().ok());
        let Some(message_id) = message_id else {
            if self.data_transfers.module {
                return false;
            }
            tracing::info!(message_id = ?request.message_id, "California Pricing DataTransfer with an unknown messageId");
            let response = answer(DataTransferStatus::UnknownMessageId, None);
            self.respond(id, AnyResponse::DataTransfer(response));
            return true;
        };
        let response = match AnyCostMessage::decode_data(message_id, request.data.as_deref()) {
            Err(e) => {
                tracing::warn!(%message_id, error = %e, "California Pricing message refused");
                let data = (message_id != CostMessageId::SetUserPrice).then_some(PARSING_FAILED);
                answer(DataTransferStatus::Rejected, data)
            }
            Ok(AnyCostMessage::SetUserPrice(m)) => self.on_set_user_price(m, now),
            Ok(AnyCostMessage::RunningCost(m)) => self.on_running_cost(m, now),
            Ok(AnyCostMessage::FinalCost(m)) => self.on_final_cost(m),
        };
        self.respond(id, AnyResponse::DataTransfer(response));
        true
    }

    /// SetUserPrice: the tariff of `idToken`, for an authorization waiting for it, the session
    /// it has, or the next one; published as its [`TariffMessage`](super::TariffMessage)
    /// either way (libocpp calls the tariff callback for every SetUserPrice it parses).
    fn on_set_user_price(&mut self, m: SetUserPrice, now: Now) -> DataTransferResponse {
        let texts = self.price_texts(Some(&m.price_text), m.price_text_extra.as_deref());
        let tariff = Tariff::User(texts);
        let id_tag = m.id_token;
        if self
            .cost_and_price
            .waits
            .iter()
            .any(|w| w.asked.id_tag == id_tag)
        {
            self.remember_tariff(id_tag.clone(), tariff.clone());
            self.user_price_arrived(&id_tag, now);
            // The authorization went on: the session it started (if it picked its connector)
            // has the tariff now.
            let at = (1..self.connectors.len()).find(|c| {
                self.connectors[*c]
                    .pricing
                    .as_ref()
                    .is_some_and(|p| p.id_tag == id_tag && p.placeholder_id.is_none())
            });
            self.publish_tariff(&id_tag, at.map(|c| c as u32), tariff);
            return answer(DataTransferStatus::Accepted, None);
        }
        // The session of this identifier that is still going (authorized here, charging, or
        // idle after its stop), else its next one.
        let current = (1..self.connectors.len()).find(|c| {
            self.connectors[*c].pricing.as_ref().is_some_and(|p| {
                p.id_tag == id_tag && !p.final_cost && (!p.ended || p.idle_after_stop)
            })
        });
        match current.and_then(|c| self.connectors[c].pricing.as_mut()) {
            Some(p) => p.tariff = tariff.clone(),
            None => self.remember_tariff(id_tag.clone(), tariff.clone()),
        }
        self.publish_tariff(&id_tag, current.map(|c| c as u32), tariff);
        answer(DataTransferStatus::Accepted, None)
    }

    /// The connector whose transaction `transaction_id` runs, or, when `ended` allows it
    /// (`Some(idle_only)`), ended last there (idle after its stop only, when `idle_only`).
    fn connector_of_transaction(&self, transaction_id: i32, ended: Option<bool>) -> Option<u32> {
        let running = self.connectors.iter().position(|c| {
            c.transaction
                .as_ref()
                .is_some_and(|t| t.record.transaction_id == Some(transaction_id))
        });
        let ended_here = |c: &super::super::connector_status::Connector| {
            let Some(idle_only) = ended else {
                return false;
            };
            c.transaction.is_none()
                && c.pricing.as_ref().is_some_and(|p| {
                    p.ended
                        && p.transaction_id == Some(transaction_id)
                        && (!idle_only || p.idle_after_stop)
                })
        };
        running
            .or_else(|| self.connectors.iter().position(ended_here))
            .filter(|c| *c > 0)
            .map(|c| c as u32)
    }

    /// RunningCost: the cost so far of a running transaction (or, with CustomIdleFeeAfterStop,
    /// of one idle after its stop), and its triggers.
    fn on_running_cost(&mut self, m: RunningCost, now: Now) -> DataTransferResponse {
        let Some(connector) = self.connector_of_transaction(m.transaction_id, Some(true)) else {
            tracing::warn!(
                transaction_id = m.transaction_id,
                "RunningCost for a transaction the station does not know"
            );
            return answer(DataTransferStatus::Rejected, None);
        };
        let status = match m.state {
            RunningCostState::Charging => CostStatus::Running,
            RunningCostState::Idle => CostStatus::Idle,
        };
        let texts = self.price_texts(m.price_text.as_deref(), m.price_text_extra.as_deref());
        let received = ReceivedCost {
            status,
            cost: m.cost,
            timestamp: Some(m.timestamp),
            meter_value_wh: Some(m.meter_value),
            charging_price: m.charging_price,
            idle_price: m.idle_price,
            next_period: m.next_period,
            texts,
            qr_code: m.qr_code_text,
        };
        self.set_triggers(connector, m.trigger_meter_value.unwrap_or_default(), now);
        self.received_cost(connector, m.transaction_id, received);
        answer(DataTransferStatus::Accepted, None)
    }

    /// FinalCost: the total of a transaction, running or ended last on its connector.
    fn on_final_cost(&mut self, m: FinalCost) -> DataTransferResponse {
        let Some(connector) = self.connector_of_transaction(m.transaction_id, Some(false)) else {
            tracing::warn!(
                transaction_id = m.transaction_id,
                "FinalCost for a transaction the station does not know"
            );
            return answer(DataTransferStatus::Rejected, None);
        };
        let texts = self.price_texts(Some(&m.price_text), m.price_text_extra.as_deref());
        let received = ReceivedCost {
            status: CostStatus::Finished,
            cost: m.cost,
            timestamp: None,
            meter_value_wh: None,
            charging_price: None,
            idle_price: None,
            next_period: None,
            texts,
            qr_code: m.qr_code_text,
        };
        // Nothing is left to trigger meter values for (libocpp clears the triggers too: a
        // FinalCost has no triggerMeterValue).
        if let Some(p) = self
            .connector_mut(connector)
            .and_then(|c| c.pricing.as_mut())
        {
            p.triggers = None;
            p.final_cost = true;
        }
        self.received_cost(connector, m.transaction_id, received);
        answer(DataTransferStatus::Accepted, None)
    }

    /// Keeps `received` as the pricing of `connector`'s session and publishes it.
    fn received_cost(&mut self, connector: u32, transaction_id: i32, received: ReceivedCost) {
        let decimals = self.cost_decimals();
        let id_tag = {
            let Some(c) = self.connector_mut(connector) else {
                return;
            };
            let tx_tag = c.transaction.as_ref().map(|t| t.record.id_tag.clone());
            if c.pricing.is_none() {
                // A transaction resumed after a restart: its session had no pricing kept.
                if let Some(tag) = tx_tag.clone() {
                    let mut p = super::SessionPricing::new(tag, Tariff::Default);
                    p.transaction_id = Some(transaction_id);
                    c.pricing = Some(p);
                }
            }
            let Some(p) = c.pricing.as_mut() else {
                return;
            };
            p.transaction_id = Some(transaction_id);
            p.cost = Some(received.clone());
            p.id_tag.clone()
        };
        tracing::info!(connector, transaction_id, cost = received.cost, status = ?received.status, "session cost");
        self.commands
            .push_back(StationCommand::SessionCost(SessionCost {
                connector,
                transaction_id,
                id_tag,
                status: received.status,
                cost: received.cost,
                decimals,
                timestamp: received.timestamp,
                meter_value_wh: received.meter_value_wh,
                charging_price: received.charging_price,
                idle_price: received.idle_price,
                next_period: received.next_period,
                texts: received.texts,
                qr_code: received.qr_code,
            }));
    }
}

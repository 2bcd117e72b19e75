//! California Pricing in the running station: the OCPP module's `session_cost` interface
//! ([`crate::session_cost`]) published to the modules that require it (TerminalCostAndPriceMessage
//! logs it: [`crate::cost_and_price_message`]), and the pricing of each connector on the display
//! (a TerminalDisplayMessage connected to OCPP's `display_message`).
//!
//! The display shows two messages per connector while its pricing lasts (from the session's
//! start until the next session, as the state's `pricing`): the tariff (id
//! [`PRICE_MESSAGE_ID`] + 10 × connector) and, once the CSMS sent one, the cost (the same + 1):
//! the cost's own text, or "Cost so far: 1.35" / "Idle fee so far: ..." / "Total cost: 3.31" /
//! "Estimated cost: ..." with the QR code of a FinalCost. They are not bound to the session's
//! identifier: the total must stay on the display after the session ended, which would remove
//! a bound message; the next session replaces them.

use std::collections::HashMap;

use chargepoint::charge_point::cost_and_price::{self as core, CostStatus, PricingSnapshot};

use super::Station;
use crate::config::StationConfig;
use crate::cost_and_price_message as terminal;
use crate::display::{DisplayMessage, MessageContent, MessageFormat};
use crate::{module_types, session_cost};

/// The id of connector 0's price message; connector `c` uses this + 10 c (the price) and + 10 c
/// + 1 (the cost). Far above the ids a CSMS or a script picks.
pub const PRICE_MESSAGE_ID: i32 = 2_000_000_000;

/// Who gets the session_cost interface's publications, and what the display shows of them.
#[derive(Debug, Default)]
pub(super) struct Pricing {
    /// The TerminalCostAndPriceMessage modules connected to OCPP's `session_cost`.
    consumers: Vec<String>,
    /// The display shows the pricing (OCPP's `display_message` is connected to it).
    on_display: bool,
    /// The last session id of each connector (a FinalCost comes after the session ended).
    sessions: HashMap<u32, String>,
    /// The pricing messages on the display, by connector.
    shown: HashMap<u32, Vec<DisplayMessage>>,
}

impl Pricing {
    /// The wiring of `config`'s OCPP module `ocpp_module`; `display` whether the station has a
    /// display.
    pub(super) fn of(config: &StationConfig, ocpp_module: &str, display: bool) -> Pricing {
        let consumers = config
            .modules_of_type(module_types::TERMINAL_COST_AND_PRICE_MESSAGE.name)
            .filter(|m| {
                m.connections("session_cost")
                    .iter()
                    .any(|c| c.module_id == ocpp_module && c.implementation_id == "session_cost")
            })
            .map(|m| m.id.clone())
            .collect();
        let on_display = display
            && config
                .connected_module(ocpp_module, "display_message")
                .is_some_and(|m| m.type_name() == module_types::TERMINAL_DISPLAY_MESSAGE.name);
        Pricing {
            consumers,
            on_display,
            ..Pricing::default()
        }
    }

    /// The session of `connector` now is `session_id`.
    pub(super) fn session(&mut self, connector: u32, session_id: &str) {
        if self.sessions.get(&connector).map(String::as_str) != Some(session_id) {
            self.sessions.insert(connector, session_id.to_owned());
        }
    }
}

impl Station {
    /// `tariff_message` of session_cost.
    #[inline(never)]
    pub(super) fn tariff_message(&mut self, m: &core::TariffMessage) {
        let session = m
            .connector
            .and_then(|c| self.pricing.sessions.get(&c))
            .map(String::as_str);
        let message = session_cost::tariff_message(m, session);
        tracing::debug!(?message, "session_cost: tariff_message");
        for module in &self.pricing.consumers {
            terminal::log_tariff(module, &message);
        }
    }

    /// `session_cost` of session_cost.
    #[inline(never)]
    pub(super) fn session_cost(&mut self, c: &core::SessionCost) {
        // libocpp names the session by the station's session id; before the EVSE had one (it
        // always has, once a transaction started) the transaction id stands in.
        let session = self
            .pricing
            .sessions
            .get(&c.connector)
            .cloned()
            .unwrap_or_else(|| c.transaction_id.to_string());
        let cost = session_cost::session_cost(c, &session);
        tracing::debug!(?cost, "session_cost: session_cost");
        for module in &self.pricing.consumers {
            terminal::log_session_cost(module, &cost);
        }
    }

    /// `default_price` of session_cost (no module of ferrocharge subscribes to it; the state
    /// shows it).
    #[inline(never)]
    pub(super) fn default_price(&mut self, p: &core::DefaultPrice) {
        let price = session_cost::default_price(p);
        tracing::info!(offline = p.offline, text = ?price.messages.first().map(|m| &m.content), "session_cost: default price");
    }

    /// Puts each connector's pricing on the display, when it changed.
    pub(super) fn sync_pricing_display(&mut self) {
        if !self.pricing.on_display {
            return;
        }
        let Some(display) = &self.display else {
            return;
        };
        let now = chrono::Utc::now();
        let mut changed_any = false;
        for evse in &self.evses {
            let c = evse.connector;
            let wanted = self
                .core
                .connector(c)
                .and_then(|s| s.pricing.as_ref())
                .map(|p| pricing_messages(c, p))
                .unwrap_or_default();
            let shown = self.pricing.shown.entry(c).or_default();
            if *shown == wanted {
                continue;
            }
            let mut display = super::control::lock_display(display);
            for old in shown.iter() {
                let gone = wanted.iter().all(|w| w.id != old.id);
                if let (true, Some(id)) = (gone, old.id) {
                    display.clear(id);
                }
            }
            let changed: Vec<DisplayMessage> = wanted
                .iter()
                .filter(|w| !shown.contains(w))
                .cloned()
                .collect();
            if !changed.is_empty() {
                let answer = display.set(changed, now);
                if answer.status != crate::display::DisplayMessageStatus::Accepted {
                    tracing::warn!(connector = c, ?answer, "pricing not shown on the display");
                }
            }
            *shown = wanted;
            changed_any = true;
        }
        if changed_any {
            self.display_shown = Some(super::control::lock_display(display).shown(now));
        }
    }
}

/// The display messages of connector `c`'s pricing `p`.
pub fn pricing_messages(c: u32, p: &PricingSnapshot) -> Vec<DisplayMessage> {
    let base = PRICE_MESSAGE_ID.saturating_add(10 * c as i32);
    let message = |id: i32, content: String, language: Option<String>| DisplayMessage {
        id: Some(id),
        priority: None,
        state: None,
        timestamp_from: None,
        timestamp_to: None,
        identifier_id: None,
        identifier_type: None,
        message: MessageContent {
            content: content.chars().take(crate::display::MAX_CONTENT).collect(),
            format: Some(MessageFormat::UTF8),
            language,
        },
        qr_code: None,
    };
    let mut messages = Vec::new();
    if let Some(text) = p.text.as_ref().filter(|t| !t.is_empty()) {
        let language = p.texts.first().and_then(|t| t.language.clone());
        messages.push(message(base, text.clone(), language));
    }
    if let Some(cost) = p.cost {
        let label = match (p.status, p.estimated) {
            (_, true) => "Estimated cost",
            (Some(CostStatus::Finished), _) => "Total cost",
            (Some(CostStatus::Idle), _) => "Idle fee so far",
            _ => "Cost so far",
        };
        let content = p
            .cost_texts
            .first()
            .map(|t| t.content.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("{label}: {cost}"));
        let language = p.cost_texts.first().and_then(|t| t.language.clone());
        let mut m = message(base + 1, content, language);
        m.qr_code = p.qr_code.clone();
        messages.push(m);
    }
    messages
}

#[cfg(test)]
mod tests {
    use chargepoint::charge_point::cost_and_price::{PriceSource, PriceText};

    use super::*;

    fn snapshot() -> PricingSnapshot {
        PricingSnapshot {
            id_tag: "RFID1".into(),
            transaction_id: Some(42),
            source: PriceSource::User,
            text: Some("0.30 USD/kWh".into()),
            texts: vec![PriceText::new("0.30 USD/kWh", Some("en"))],
            charging_price: None,
            idle_price: None,
            next_period: None,
            next_period_local: None,
            cost: None,
            estimated: false,
            status: None,
            final_cost: false,
            cost_texts: Vec::new(),
            qr_code: None,
            cost_at: None,
            cost_at_local: None,
            meter_value_wh: None,
            decimals: 2,
        }
    }

    fn shown(messages: &[DisplayMessage]) -> Vec<(Option<i32>, &str, Option<&str>)> {
        messages
            .iter()
            .map(|m| (m.id, m.message.content.as_str(), m.qr_code.as_deref()))
            .collect()
    }

    #[test]
    fn the_display_shows_the_price_then_the_cost_by_connector() {
        let mut p = snapshot();
        assert_eq!(
            shown(&pricing_messages(2, &p)),
            [(Some(2_000_000_020), "0.30 USD/kWh", None)]
        );
        p.cost = Some(1.35);
        p.status = Some(CostStatus::Running);
        assert_eq!(
            shown(&pricing_messages(2, &p))[1],
            (Some(2_000_000_021), "Cost so far: 1.35", None)
        );
        p.status = Some(CostStatus::Idle);
        assert_eq!(
            shown(&pricing_messages(2, &p))[1].1,
            "Idle fee so far: 1.35"
        );
        p.estimated = true;
        assert_eq!(shown(&pricing_messages(2, &p))[1].1, "Estimated cost: 1.35");
        p.estimated = false;
        p.status = Some(CostStatus::Finished);
        p.cost = Some(3.31);
        p.qr_code = Some("https://cpo.example/r/42".into());
        assert_eq!(
            shown(&pricing_messages(2, &p))[1],
            (
                Some(2_000_000_021),
                "Total cost: 3.31",
                Some("https://cpo.example/r/42")
            )
        );
        p.cost_texts = vec![PriceText::new("TOTAL 3.31 USD", Some("en"))];
        assert_eq!(shown(&pricing_messages(2, &p))[1].1, "TOTAL 3.31 USD");
        p.text = None;
        assert_eq!(
            shown(&pricing_messages(2, &p)),
            [(
                Some(2_000_000_021),
                "TOTAL 3.31 USD",
                Some("https://cpo.example/r/42")
            )],
            "no price text configured: only the cost"
        );
    }
}

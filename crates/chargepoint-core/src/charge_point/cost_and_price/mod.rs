//! California Pricing (the OCA whitepaper "OCPP & California Pricing Requirements", v3), as
//! libocpp's `ChargePointImpl` does it (`handle_set_user_price`, `handle_set_session_cost`,
//! `authorize_id_token`, `send_meter_value_on_pricing_trigger`, `set_time_offset_timer`),
//! with CustomDisplayCostAndPrice true; with it false none of this happens and a DataTransfer
//! of `org.openchargealliance.costmsg` is answered UnknownVendorId, as libocpp, which
//! registers its pricing callbacks only when the key is true.
//!
//! | what | how |
//! |---|---|
//! | a tariff per session | an accepted identifier (or a transaction started without one) starts the connector's pricing session; it stays after the session ends, until the next one starts ([`PricingSnapshot`]) |
//! | SetUserPrice | `messages.rs`: the driver's tariff, for the session of `idToken` (or its next one) |
//! | WaitForSetUserPriceTimeout | an identifier the central system accepted (Authorize.conf) waits that long for its SetUserPrice before the station is told it may charge; past it the session goes on with the default price (libocpp's `authorize_id_token`) |
//! | the default price | DefaultPrice's priceText in Language, then DefaultPriceText's texts; priceTextOffline while offline; published as [`DefaultPrice`] at start, on connect, disconnect and change |
//! | RunningCost, FinalCost | `messages.rs`: the cost of a transaction the station knows; [`SessionCost`] |
//! | triggerMeterValue | `triggers.rs`: one MeterValues when each trigger is reached |
//! | CustomIdleFeeAfterStop | `triggers.rs`: DataTransfer ConnectorUnplugged when the cable of a stopped transaction is unplugged |
//! | TimeOffset | `display_time.rs`: local times of what is shown; the transition at NextTimeOffsetTransitionDateTime |
//! | CustomMultiLanguageMessages, SupportedLanguages, Language | which texts are kept: `ChargePoint::price_texts` |
//!
//! The default price's publication and the tariff published when the wait runs out are newer
//! than the pinned libocpp: they are everest-core's copy of it (`lib/everest/ocpp`,
//! `ChargePointImpl::publish_default_price`, `authorize_id_token`), which EVerest's own
//! california_pricing_ocpp16.py tests. Where this differs from libocpp, the place says why.

mod display_time;
mod messages;
mod triggers;
pub mod types;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ocpp_types::cost_and_price::{DisplayMessageContent, IdlePrice, NextPeriod};
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::DateTime;

use super::message_queue::AuthorizeFor;
use super::{ChargePoint, Now, StationCommand};
use crate::config::typed::CostAndPrice as CostAndPriceConfig;

pub use types::{
    round_to, to_minor_units, CostStatus, DefaultPrice, DefaultPriceSnapshot, PriceSource,
    PriceText, PricingSnapshot, SessionCost, TariffMessage, MAX_DECIMALS,
};

/// NumberOfDecimalsForCostValues when the configuration has none (libocpp's
/// `DEFAULT_PRICE_NUMBER_OF_DECIMALS`).
pub const DEFAULT_DECIMALS: u32 = 3;

/// How many identifiers' tariffs are kept for the session they have not started yet (a
/// SetUserPrice for a card presented at the station, before the station picked the
/// connector): the oldest goes first.
const KEPT_TARIFFS: usize = 32;

/// The tariff of an identifier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tariff {
    /// SetUserPrice's texts.
    User(Vec<PriceText>),
    /// The default price, whose texts are read from the configuration when shown (they
    /// change with the connection and with ChangeConfiguration).
    Default,
}

/// California Pricing's state of the whole station.
#[derive(Debug, Default)]
pub(crate) struct CostAndPrice {
    /// Identifiers the central system accepted, waiting for their SetUserPrice.
    waits: Vec<UserPriceWait>,
    /// The tariffs of identifiers whose session has no connector yet, oldest first.
    tariffs: VecDeque<(IdToken, Tariff)>,
    /// When TimeOffset becomes TimeOffsetNextTransition.
    transition: Option<Instant>,
}

/// An accepted identifier waiting for SetUserPrice (WaitForSetUserPriceTimeout).
#[derive(Debug)]
struct UserPriceWait {
    asked: AuthorizeFor,
    info: IdTagInfo,
    until: Instant,
}

/// The pricing of one connector's session.
#[derive(Debug, Clone)]
pub(crate) struct SessionPricing {
    pub id_tag: IdToken,
    pub tariff: Tariff,
    /// The placeholder id of the session's transaction, once it started.
    pub placeholder_id: Option<i32>,
    /// The central system's id of the session's transaction, once known.
    pub transaction_id: Option<i32>,
    /// The transaction ended (the pricing stays until the next session).
    pub ended: bool,
    /// CustomIdleFeeAfterStop: the transaction ended with the cable plugged; the central system
    /// waits for ConnectorUnplugged and may send RunningCost (Idle) until then.
    pub idle_after_stop: bool,
    /// The transaction started while offline: the default price's chargingPrice applies.
    pub started_offline: bool,
    /// meterStart and start time, for the estimate of a session started offline.
    pub meter_start_wh: Option<i32>,
    pub started_at: Option<DateTime>,
    /// The station's estimate of a session started offline (see [`PricingSnapshot::cost`]).
    pub estimate: Option<f64>,
    /// The last RunningCost / FinalCost.
    pub cost: Option<ReceivedCost>,
    /// A FinalCost arrived.
    pub final_cost: bool,
    /// The triggers of the last RunningCost, while the transaction runs.
    pub triggers: Option<triggers::Triggers>,
}

/// A RunningCost or FinalCost, as kept for the state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReceivedCost {
    pub status: CostStatus,
    pub cost: f64,
    pub timestamp: Option<DateTime>,
    pub meter_value_wh: Option<u64>,
    pub charging_price: Option<ocpp_types::cost_and_price::ChargingPrice>,
    pub idle_price: Option<IdlePrice>,
    pub next_period: Option<NextPeriod>,
    pub texts: Vec<PriceText>,
    pub qr_code: Option<String>,
}

impl SessionPricing {
    fn new(id_tag: IdToken, tariff: Tariff) -> SessionPricing {
        SessionPricing {
            id_tag,
            tariff,
            placeholder_id: None,
            transaction_id: None,
            ended: false,
            idle_after_stop: false,
            started_offline: false,
            meter_start_wh: None,
            started_at: None,
            estimate: None,
            cost: None,
            final_cost: false,
            triggers: None,
        }
    }
}

impl ChargePoint {
    /// The CostAndPrice keys, when CustomDisplayCostAndPrice is true.
    pub(crate) fn pricing_config(&self) -> Option<&CostAndPriceConfig> {
        self.config
            .typed()
            .cost_and_price
            .as_ref()
            .filter(|c| c.custom_display_cost_and_price)
    }

    /// Whether California Pricing is on (CustomDisplayCostAndPrice).
    pub fn pricing_enabled(&self) -> bool {
        self.pricing_config().is_some()
    }

    /// NumberOfDecimalsForCostValues (3 when unset; at most [`MAX_DECIMALS`]).
    pub(crate) fn cost_decimals(&self) -> u32 {
        self.pricing_config()
            .and_then(|c| c.number_of_decimals_for_cost_values)
            .map_or(DEFAULT_DECIMALS, |d| d.clamp(0, MAX_DECIMALS as i32) as u32)
    }

    /// The texts a message gives the driver: `primary` in the default language (Language),
    /// then, with CustomMultiLanguageMessages, those of `extra` in a language of
    /// SupportedLanguages.
    ///
    /// libocpp drops priceTextExtra without CustomMultiLanguageMessages only for SetUserPrice and
    /// passes every language on; the key says the station shows one language only, and a
    /// language it does not list in SupportedLanguages is one it cannot show, so here both
    /// rules hold for every message. A language matches when it is listed, or its primary
    /// subtag is (`en-US` for `en`). libocpp also leaves RunningCost's and FinalCost's
    /// priceText without a language, though the whitepaper defines it as the text in the
    /// station's default language: here it carries Language like SetUserPrice's.
    pub(crate) fn price_texts(
        &self,
        primary: Option<&str>,
        extra: Option<&[DisplayMessageContent]>,
    ) -> Vec<PriceText> {
        let Some(config) = self.pricing_config() else {
            return Vec::new();
        };
        let mut texts: Vec<PriceText> = primary
            .map(|t| PriceText::new(t, config.language.as_deref()))
            .into_iter()
            .collect();
        if config.custom_multi_language_messages != Some(true) {
            return texts;
        }
        let supported = |language: Option<&str>| {
            let Some(list) = config.supported_languages.as_ref() else {
                return true;
            };
            let Some(language) = language else {
                return false;
            };
            let primary = language.split(['-', '_']).next().unwrap_or(language);
            list.iter()
                .any(|l| l.eq_ignore_ascii_case(language) || l.eq_ignore_ascii_case(primary))
        };
        for m in extra.unwrap_or_default() {
            if supported(m.language.as_deref()) {
                texts.push(PriceText {
                    content: m.content.clone(),
                    language: m.language.clone(),
                    format: Some(m.format),
                });
            } else {
                tracing::info!(language = ?m.language, "price text in a language not in SupportedLanguages left out");
            }
        }
        texts
    }

    /// The default price's texts (libocpp's `getDefaultTariffMessage`): DefaultPrice's
    /// priceText in Language, then each DefaultPriceText (with CustomMultiLanguageMessages).
    /// Offline, each priceTextOffline, or where one has none, its priceText: libocpp leaves
    /// such a text out, and a station with no offline text would then show no price at all
    /// while a driver is charged.
    pub(crate) fn default_texts(&self, offline: bool) -> Vec<PriceText> {
        let Some(config) = self.pricing_config() else {
            return Vec::new();
        };
        let pick = |online: &str, off: Option<&String>| match (offline, off) {
            (true, Some(text)) => text.clone(),
            _ => online.to_owned(),
        };
        let mut texts: Vec<PriceText> = config
            .default_price
            .as_ref()
            .map(|p| {
                PriceText::new(
                    pick(&p.price_text, p.price_text_offline.as_ref()),
                    config.language.as_deref(),
                )
            })
            .into_iter()
            .collect();
        if config.custom_multi_language_messages == Some(true) {
            let listed = config
                .default_price_text
                .as_ref()
                .and_then(|t| t.price_texts.as_ref());
            for t in listed.into_iter().flatten() {
                texts.push(PriceText::new(
                    pick(&t.price_text, t.price_text_offline.as_ref()),
                    Some(&t.language),
                ));
            }
        }
        texts
    }

    /// Publishes the default price in force (everest-core's libocpp,
    /// `ChargePointImpl::publish_default_price`): nothing when
    /// California Pricing is off or no default price is configured.
    pub(crate) fn publish_default_price(&mut self, offline: bool) {
        if !self.pricing_enabled() {
            return;
        }
        let texts = self.default_texts(offline);
        if texts.is_empty() {
            return;
        }
        self.commands
            .push_back(StationCommand::DefaultPrice(DefaultPrice {
                texts,
                offline,
            }));
    }

    /// The central system accepted `asked` (Authorize.conf): with California Pricing the
    /// decision waits WaitForSetUserPriceTimeout ms for SetUserPrice (libocpp's
    /// `authorize_id_token`, which blocks that long), so no transaction starts before the
    /// driver's price is known; without a timeout (libocpp's default 0) the default price
    /// applies at once.
    pub(crate) fn wait_for_user_price(&mut self, asked: AuthorizeFor, info: IdTagInfo, now: Now) {
        let timeout = self
            .pricing_config()
            .and_then(|c| c.wait_for_set_user_price_timeout)
            .unwrap_or(0);
        // A new identification forgets any tariff it was given before (libocpp erases
        // `tariff_messages_by_id_token` for it before its Authorize.req).
        self.take_tariff(&asked.id_tag);
        if timeout == 0 {
            return self.user_price_timed_out(asked, info, now);
        }
        tracing::info!(id_tag = %asked.id_tag, timeout_ms = timeout, "California Pricing: waiting for SetUserPrice");
        self.cost_and_price.waits.push(UserPriceWait {
            asked,
            info,
            until: now.instant + Duration::from_millis(u64::from(timeout)),
        });
    }

    /// No SetUserPrice came for `asked`: it goes on with the default price, published as its
    /// tariff (as everest-core's libocpp's `authorize_id_token` calls the tariff callback with
    /// the default).
    fn user_price_timed_out(&mut self, asked: AuthorizeFor, info: IdTagInfo, now: Now) {
        tracing::info!(id_tag = %asked.id_tag, "no SetUserPrice in time: the default price applies");
        self.remember_tariff(asked.id_tag.clone(), Tariff::Default);
        self.publish_tariff(&asked.id_tag, None, Tariff::Default);
        self.authorization_decided(asked, true, Some(info), now);
    }

    /// SetUserPrice came for an identifier waiting for it: its authorization goes on.
    /// Returns whether one was waiting.
    fn user_price_arrived(&mut self, id_tag: &IdToken, now: Now) -> bool {
        let waits = &mut self.cost_and_price.waits;
        let Some(index) = waits.iter().position(|w| w.asked.id_tag == *id_tag) else {
            return false;
        };
        let wait = waits.remove(index);
        tracing::info!(%id_tag, "SetUserPrice received for the waiting identifier");
        self.authorization_decided(wait.asked, true, Some(wait.info), now);
        true
    }

    /// Keeps `tariff` for `id_tag`'s next session.
    fn remember_tariff(&mut self, id_tag: IdToken, tariff: Tariff) {
        let tariffs = &mut self.cost_and_price.tariffs;
        tariffs.retain(|(t, _)| *t != id_tag);
        tariffs.push_back((id_tag, tariff));
        while tariffs.len() > KEPT_TARIFFS {
            tariffs.pop_front();
        }
    }

    /// The tariff kept for `id_tag`, taken.
    fn take_tariff(&mut self, id_tag: &IdToken) -> Option<Tariff> {
        let tariffs = &mut self.cost_and_price.tariffs;
        let index = tariffs.iter().position(|(t, _)| t == id_tag)?;
        tariffs.remove(index).map(|(_, tariff)| tariff)
    }

    /// Publishes `id_tag`'s tariff ([`StationCommand::TariffMessage`]).
    fn publish_tariff(&mut self, id_tag: &IdToken, connector: Option<u32>, tariff: Tariff) {
        let offline = !self.connected;
        let (source, texts) = match tariff {
            Tariff::User(texts) => (PriceSource::User, texts),
            Tariff::Default => (PriceSource::Default, self.default_texts(offline)),
        };
        let transaction_id = connector
            .and_then(|c| self.connectors.get(c as usize))
            .and_then(|c| c.transaction.as_ref())
            .and_then(|t| t.record.transaction_id);
        self.commands
            .push_back(StationCommand::TariffMessage(TariffMessage {
                id_tag: id_tag.clone(),
                connector,
                transaction_id,
                source,
                texts,
            }));
    }

    /// An identifier was accepted for `connector` (or a transaction starts there without
    /// one): its pricing session starts, with the tariff kept for it, else the default price.
    pub(crate) fn start_pricing_session(&mut self, connector: u32, id_tag: &IdToken) {
        if !self.pricing_enabled() || connector == 0 {
            return;
        }
        let tariff = match self.take_tariff(id_tag) {
            Some(tariff) => tariff,
            None => {
                self.publish_tariff(id_tag, Some(connector), Tariff::Default);
                Tariff::Default
            }
        };
        if let Some(c) = self.connector_mut(connector) {
            c.pricing = Some(SessionPricing::new(id_tag.clone(), tariff));
        }
    }

    /// The transaction of `id_tag` started on `connector`: it is the pricing session's, or it
    /// starts one (a remote start, a card presented for the station).
    pub(crate) fn pricing_transaction_started(
        &mut self,
        connector: u32,
        id_tag: &IdToken,
        placeholder_id: i32,
        meter_start_wh: i32,
        now: Now,
    ) {
        if !self.pricing_enabled() {
            return;
        }
        let same_session = self
            .connectors
            .get(connector as usize)
            .and_then(|c| c.pricing.as_ref())
            .is_some_and(|p| p.id_tag == *id_tag && p.placeholder_id.is_none() && !p.ended);
        if !same_session {
            self.start_pricing_session(connector, id_tag);
        }
        let offline = !self.connected;
        let started_at = self.clock(now);
        if let Some(p) = self
            .connector_mut(connector)
            .and_then(|c| c.pricing.as_mut())
        {
            p.placeholder_id = Some(placeholder_id);
            p.started_offline = offline;
            p.meter_start_wh = Some(meter_start_wh);
            p.started_at = Some(started_at);
        }
    }

    /// StartTransaction.conf gave the transaction of `placeholder` its id (also after the
    /// transaction ended offline: its FinalCost names that id).
    pub(crate) fn pricing_transaction_id(&mut self, placeholder: i32, real: i32) {
        for c in &mut self.connectors {
            if let Some(p) = c
                .pricing
                .as_mut()
                .filter(|p| p.placeholder_id == Some(placeholder))
            {
                p.transaction_id = Some(real);
            }
        }
    }

    /// When a pricing timer is due next.
    pub(crate) fn pricing_deadline(&self) -> Option<Instant> {
        let waits = self.cost_and_price.waits.iter().map(|w| w.until);
        let triggers = self
            .connectors
            .iter()
            .filter_map(|c| c.pricing.as_ref()?.triggers.as_ref()?.at_time);
        waits
            .chain(triggers)
            .chain(self.cost_and_price.transition)
            .min()
    }

    /// Runs the pricing timers due at `now`: waits for SetUserPrice that ran out, atTime
    /// triggers, the time offset transition.
    pub(crate) fn pricing_timer(&mut self, now: Now) {
        let (due, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.cost_and_price.waits)
            .into_iter()
            .partition(|w| w.until <= now.instant);
        self.cost_and_price.waits = waiting;
        for wait in due {
            self.user_price_timed_out(wait.asked, wait.info, now);
        }
        self.at_time_triggers(now);
        self.time_offset_timer(now);
    }

    /// The pricing of connector `id` as the station shows it.
    pub(crate) fn pricing_snapshot(&self, id: usize) -> Option<PricingSnapshot> {
        let connector = self.connectors.get(id)?;
        let p = connector.pricing.as_ref()?;
        let decimals = self.cost_decimals();
        let offline = !self.connected;
        let (source, texts) = match &p.tariff {
            Tariff::User(texts) => (PriceSource::User, texts.clone()),
            Tariff::Default => (PriceSource::Default, self.default_texts(offline)),
        };
        let received = p.cost.as_ref();
        let estimate = p.estimate.filter(|_| received.is_none());
        let default_prices = || {
            self.pricing_config()?
                .default_price
                .as_ref()?
                .charging_price
                .as_ref()
                .map(|c| ocpp_types::cost_and_price::ChargingPrice {
                    kwh_price: c.kwh_price,
                    hour_price: c.hour_price,
                    flat_fee: c.flat_fee,
                })
        };
        let charging_price = match received {
            Some(r) => r.charging_price.clone(),
            None if source == PriceSource::Default => default_prices(),
            None => None,
        };
        let running = connector
            .transaction
            .as_ref()
            .and_then(|t| t.record.transaction_id);
        Some(PricingSnapshot {
            id_tag: p.id_tag.as_str().to_owned(),
            transaction_id: running.or(p.transaction_id),
            source,
            text: texts.first().map(|t| t.content.clone()),
            texts,
            charging_price,
            idle_price: received.and_then(|r| r.idle_price.clone()),
            next_period: received.and_then(|r| r.next_period.clone()),
            next_period_local: received
                .and_then(|r| r.next_period.as_ref())
                .and_then(|n| self.local_time(n.at_time)),
            cost: received
                .map(|r| round_to(r.cost, decimals))
                .or(estimate.map(|e| round_to(e, decimals))),
            estimated: estimate.is_some(),
            status: received.map(|r| r.status),
            final_cost: p.final_cost,
            cost_texts: received.map(|r| r.texts.clone()).unwrap_or_default(),
            qr_code: received.and_then(|r| r.qr_code.clone()),
            cost_at: received.and_then(|r| r.timestamp),
            cost_at_local: received
                .and_then(|r| r.timestamp)
                .and_then(|t| self.local_time(t)),
            meter_value_wh: received.and_then(|r| r.meter_value_wh),
            decimals,
        })
    }

    /// The default price in force now, for the station to show.
    pub(crate) fn default_price_snapshot(&self) -> Option<DefaultPriceSnapshot> {
        let config = self.pricing_config()?;
        let offline = !self.connected;
        let texts = self.default_texts(offline);
        Some(DefaultPriceSnapshot {
            text: texts.first().map(|t| t.content.clone()),
            texts,
            offline,
            charging_price: config
                .default_price
                .as_ref()
                .and_then(|p| p.charging_price.as_ref())
                .map(|c| ocpp_types::cost_and_price::ChargingPrice {
                    kwh_price: c.kwh_price,
                    hour_price: c.hour_price,
                    flat_fee: c.flat_fee,
                }),
            time_offset: config.time_offset.clone(),
        })
    }
}

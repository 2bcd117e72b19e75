//! California Pricing in the dev CSMS: with pricing on, it prices each session from the
//! tariff of its idTag (or the default tariff) and tells the station, as the whitepaper "OCPP &
//! California Pricing Requirements" has a central system do it, in DataTransfers of vendorId
//! `org.openchargealliance.costmsg`:
//!
//! | after | the CSMS sends |
//! |---|---|
//! | an Authorize it answered Accepted | SetUserPrice: the tag's tariff as text, in English and German |
//! | each MeterValues of a running transaction | RunningCost: flatFee + kWhPrice × kWh + hourPrice × hours so far, from the latest energy register |
//! | StopTransaction | FinalCost: the same from meterStart to meterStop and the stop time, with a receipt link (the transaction in the CSMS's API) |
//!
//! A station's DataTransfer ConnectorUnplugged (CustomIdleFeeAfterStop) is answered Accepted.
//! Pricing is switched on and off, and the tariffs edited, from the command line
//! (`--pricing`, `--no-pricing`), the config file (`"pricing"`) and the web UI
//! (`GET`/`PUT /api/v1/pricing`); the database keeps them.

use std::collections::BTreeMap;

use ocpp_types::cost_and_price::{
    ChargingPrice, DisplayMessageContent, FinalCost, RunningCost, RunningCostState, SetUserPrice,
};
use ocpp_types::data_transfer_payload::DataTransferMessage;
use ocpp_types::id_tag::{AuthorizationStatus, IdToken};
use ocpp_types::meter::{Measurand, MeterValue, UnitOfMeasure};
use ocpp_types::pnc::MessageFormatEnum;
use ocpp_types::{AnyRequest, AnyResponse, DateTime};
use serde::{Deserialize, Serialize};

use crate::state::{State, Transaction};

/// What a session costs: per kWh, per hour, per session, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tariff {
    /// The currency the texts name (`USD`): OCPP 1.6 pricing carries amounts only.
    pub currency: String,
    /// Per kWh.
    pub kwh_price: f64,
    /// Per hour of the session.
    #[serde(default)]
    pub hour_price: f64,
    /// Per session.
    #[serde(default)]
    pub flat_fee: f64,
}

/// The dev CSMS's pricing: on or off, the default tariff, and a tariff per idTag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Whether sessions are priced.
    pub enabled: bool,
    /// The tariff of every idTag without one of its own.
    pub default: Tariff,
    /// Tariffs by idTag (matched ignoring ASCII case, as IdToken is a CiString20).
    #[serde(default)]
    pub tags: BTreeMap<String, Tariff>,
}

impl Tariff {
    /// A tariff in `currency`.
    pub fn new(currency: &str, kwh_price: f64, hour_price: f64, flat_fee: f64) -> Tariff {
        Tariff {
            currency: currency.to_owned(),
            kwh_price,
            hour_price,
            flat_fee,
        }
    }

    /// Refuses what cannot be a price: negative or not finite, a currency of other than 1 to
    /// 8 letters.
    pub fn check(&self, what: &str) -> Result<(), String> {
        let currency_ok = (1..=8).contains(&self.currency.chars().count())
            && self
                .currency
                .chars()
                .all(|c| c.is_alphabetic() || c == '$' || c == '€');
        if !currency_ok {
            return Err(format!(
                "{what}.currency: 1 to 8 letters (USD, EUR, $), found {:?}",
                self.currency
            ));
        }
        for (field, value) in [
            ("kwh_price", self.kwh_price),
            ("hour_price", self.hour_price),
            ("flat_fee", self.flat_fee),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "{what}.{field}: a price of 0 or more, found {value}"
                ));
            }
        }
        Ok(())
    }

    /// The cost of `wh` Wh over `hours` hours, rounded to cents.
    pub fn cost(&self, wh: f64, hours: f64) -> f64 {
        let cost = self.flat_fee
            + self.kwh_price * wh.max(0.0) / 1000.0
            + self.hour_price * hours.max(0.0);
        (cost * 100.0).round() / 100.0
    }

    /// The tariff as a driver reads it: `0.30 USD/kWh + 0.50 USD per session`.
    fn text(&self) -> String {
        let c = &self.currency;
        let mut parts = vec![format!("{:.2} {c}/kWh", self.kwh_price)];
        if self.hour_price > 0.0 {
            parts.push(format!("{:.2} {c}/h", self.hour_price));
        }
        if self.flat_fee > 0.0 {
            parts.push(format!("{:.2} {c} per session", self.flat_fee));
        }
        parts.join(" + ")
    }

    /// The same in German (the shipped station's second language).
    fn text_de(&self) -> String {
        let c = &self.currency;
        let mut parts = vec![format!("{} {c}/kWh", comma(self.kwh_price))];
        if self.hour_price > 0.0 {
            parts.push(format!("{} {c}/h", comma(self.hour_price)));
        }
        if self.flat_fee > 0.0 {
            parts.push(format!("{} {c} pro Ladevorgang", comma(self.flat_fee)));
        }
        parts.join(" + ")
    }

    fn charging_price(&self) -> ChargingPrice {
        ChargingPrice {
            kwh_price: Some(self.kwh_price),
            hour_price: Some(self.hour_price),
            flat_fee: Some(self.flat_fee),
        }
    }
}

/// `value` with two decimals and a decimal comma.
fn comma(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// `h:mm` of `hours`.
fn duration(hours: f64) -> String {
    let minutes = (hours.max(0.0) * 60.0).round() as i64;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

fn german(content: String) -> Option<Vec<DisplayMessageContent>> {
    Some(vec![DisplayMessageContent {
        format: MessageFormatEnum::Utf8,
        language: Some("de".to_owned()),
        content,
    }])
}

impl Default for Pricing {
    /// Off; 0.35 USD/kWh (the shipped station's default price), DEADBEEF 0.30 USD/kWh and 0.50
    /// USD per session, ABC12345 0.45 USD/kWh and 1.20 USD/h.
    fn default() -> Pricing {
        Pricing {
            enabled: false,
            default: Tariff::new("USD", 0.35, 0.0, 0.0),
            tags: BTreeMap::from([
                ("DEADBEEF".to_owned(), Tariff::new("USD", 0.30, 0.0, 0.50)),
                ("ABC12345".to_owned(), Tariff::new("USD", 0.45, 1.20, 0.0)),
            ]),
        }
    }
}

/// The energy register of a transaction's latest meter value that has one, in Wh, with its
/// time.
fn latest_register(values: &[MeterValue]) -> Option<(f64, DateTime)> {
    values.iter().rev().find_map(|mv| {
        let sample = mv.sampled_value.iter().find(|s| {
            s.measurand.unwrap_or(Measurand::EnergyActiveImportRegister)
                == Measurand::EnergyActiveImportRegister
                && s.phase.is_none()
        })?;
        let value: f64 = sample.value.parse().ok()?;
        let wh = match sample.unit {
            Some(UnitOfMeasure::KWh) => value * 1000.0,
            _ => value,
        };
        Some((wh, mv.timestamp))
    })
}

fn hours_between(from: DateTime, to: DateTime) -> f64 {
    (to.unix_millis() - from.unix_millis()).max(0) as f64 / 3_600_000.0
}

impl Pricing {
    /// Checks every tariff; a tag's name must be an idTag (1 to 20 characters).
    pub fn check(&self) -> Result<(), String> {
        self.default.check("default")?;
        for (tag, tariff) in &self.tags {
            if !(1..=20).contains(&tag.chars().count()) || tag.trim() != tag {
                return Err(format!(
                    "tags: {tag:?} is not an idTag (1 to 20 characters)"
                ));
            }
            tariff.check(&format!("tags.{tag}"))?;
        }
        Ok(())
    }

    /// The tariff of `id_tag`.
    pub fn tariff(&self, id_tag: &str) -> &Tariff {
        self.tags
            .iter()
            .find(|(tag, _)| tag.eq_ignore_ascii_case(id_tag))
            .map_or(&self.default, |(_, t)| t)
    }

    /// SetUserPrice for `id_tag`.
    pub fn set_user_price(&self, id_tag: &IdToken) -> SetUserPrice {
        let tariff = self.tariff(id_tag.as_str());
        SetUserPrice {
            id_token: id_tag.clone(),
            price_text: tariff.text(),
            price_text_extra: german(tariff.text_de()),
        }
    }

    /// RunningCost of a running transaction, from its latest energy register (meterStart
    /// before any) up to now.
    pub fn running_cost(&self, t: &Transaction, now: DateTime) -> RunningCost {
        let tariff = self.tariff(&t.id_tag);
        let (register, at) =
            latest_register(&t.meter_values).unwrap_or((f64::from(t.meter_start), now));
        let wh = register - f64::from(t.meter_start);
        let hours = hours_between(t.started, now);
        let cost = tariff.cost(wh, hours);
        let c = &tariff.currency;
        RunningCost {
            transaction_id: t.id,
            timestamp: at,
            meter_value: register.max(0.0).round() as u64,
            cost,
            state: RunningCostState::Charging,
            charging_price: Some(tariff.charging_price()),
            idle_price: None,
            next_period: None,
            trigger_meter_value: None,
            price_text: Some(format!(
                "{cost:.2} {c} so far: {:.2} kWh, {} h",
                wh / 1000.0,
                duration(hours)
            )),
            price_text_extra: german(format!(
                "{} {c} bisher: {} kWh, {} h",
                comma(cost),
                comma(wh / 1000.0),
                duration(hours)
            )),
            qr_code_text: None,
        }
    }

    /// FinalCost of a stopped transaction; `receipt` is the link shown as its QR code.
    pub fn final_cost(&self, t: &Transaction, receipt: Option<String>) -> Option<FinalCost> {
        let stop = t.stop.as_ref()?;
        let tariff = self.tariff(&t.id_tag);
        let wh = f64::from(stop.meter_stop) - f64::from(t.meter_start);
        let hours = hours_between(t.started, stop.timestamp);
        let cost = tariff.cost(wh, hours);
        let c = &tariff.currency;
        Some(FinalCost {
            transaction_id: t.id,
            cost,
            price_text: format!(
                "Total {cost:.2} {c}: {:.2} kWh, {} h",
                wh / 1000.0,
                duration(hours)
            ),
            price_text_extra: german(format!(
                "Gesamt {} {c}: {} kWh, {} h",
                comma(cost),
                comma(wh / 1000.0),
                duration(hours)
            )),
            qr_code_text: receipt,
        })
    }
}

/// What a charge point's CALL was, as far as pricing cares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Priced {
    /// An Authorize of this idTag.
    Authorize(IdToken),
    /// MeterValues of this transaction.
    MeterValues(i32),
    /// StopTransaction of this transaction.
    StopTransaction(i32),
}

impl Priced {
    /// The pricing part of `request`, if it has one.
    pub(crate) fn of(request: &AnyRequest) -> Option<Priced> {
        match request {
            AnyRequest::Authorize(r) => Some(Priced::Authorize(r.id_tag.clone())),
            AnyRequest::MeterValues(r) => r.transaction_id.map(Priced::MeterValues),
            AnyRequest::StopTransaction(r) => Some(Priced::StopTransaction(r.transaction_id)),
            _ => None,
        }
    }
}

/// The pricing DataTransfer to send charge point `cp` after its CALL `priced` was answered
/// `answer`, if pricing is on and there is one; `receipt_base` is where the CSMS's API is
/// (`http://127.0.0.1:8850`), for FinalCost's receipt link.
pub(crate) fn follow_up(
    state: &State,
    cp: &str,
    priced: &Priced,
    answer: &AnyResponse,
    now: DateTime,
    receipt_base: Option<&str>,
) -> Option<AnyRequest> {
    let pricing = Some(&state.pricing).filter(|p| p.enabled)?;
    let of_cp = |id: &i32| {
        state
            .transactions
            .get(id)
            .filter(|t| t.charge_point_id == cp)
    };
    let request = match (priced, answer) {
        (Priced::Authorize(id_tag), AnyResponse::Authorize(r))
            if r.id_tag_info.status == AuthorizationStatus::Accepted =>
        {
            pricing.set_user_price(id_tag).to_data_transfer()
        }
        (Priced::MeterValues(id), _) => {
            let t = of_cp(id).filter(|t| t.stop.is_none())?;
            pricing.running_cost(t, now).to_data_transfer()
        }
        (Priced::StopTransaction(id), _) => {
            let t = of_cp(id)?;
            let receipt = receipt_base.map(|base| format!("{base}/api/v1/transactions/{}", t.id));
            pricing.final_cost(t, receipt)?.to_data_transfer()
        }
        _ => return None,
    };
    Some(AnyRequest::DataTransfer(request))
}

#[cfg(test)]
mod tests;

//! California Pricing (`cost_and_price/`): what the core answers, sends and tells the station,
//! one file per behaviour, with the sessions they share here.

mod answers;
mod costs;
mod default_price;
mod triggers;
mod user_price;

use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{merge_patch, tag, Frame, Harness};
use crate::charge_point::cost_and_price::{PriceSource, PriceText};
use crate::charge_point::{MeasuredValue, MeterReading, StationCommand, StationEvent};

pub(super) const VENDOR: &str = "org.openchargealliance.costmsg";

/// The shipped config with California Pricing on (4 decimals, English and Dutch, a 2 s wait
/// for SetUserPrice, Pacific time), patched by `extra`.
pub(super) fn pricing(extra: Value) -> Value {
    let mut patch = json!({"CostAndPrice": {
        "CustomDisplayCostAndPrice": true,
        "NumberOfDecimalsForCostValues": 4,
        "DefaultPrice": {"priceText": "0.30 $/kWh", "priceTextOffline": "Offline: 0.30 $/kWh",
            "chargingPrice": {"kWhPrice": 0.30, "hourPrice": 1.20, "flatFee": 0.50}},
        "DefaultPriceText": {"priceTexts": [{"priceText": "0,30 $/kWh",
            "priceTextOffline": "Offline: 0,30 $/kWh", "language": "nl"}]},
        "Language": "en",
        "SupportedLanguages": "en,nl",
        "CustomMultiLanguageMessages": true,
        "WaitForSetUserPriceTimeout": 2000,
        "TimeOffset": "-08:00"
    }});
    merge_patch::apply(&mut patch, &extra);
    patch
}

/// A text in `language`, without a format.
pub(super) fn text(content: &str, language: &str) -> PriceText {
    PriceText::new(content, Some(language))
}

/// The default price's online texts of [`pricing`].
pub(super) fn default_texts() -> Vec<PriceText> {
    vec![text("0.30 $/kWh", "en"), text("0,30 $/kWh", "nl")]
}

/// A reading of connector 1.
pub(super) fn reading(energy_wh: f64, power_w: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![
                MeasuredValue::new(Measurand::EnergyActiveImportRegister, energy_wh),
                MeasuredValue::new(Measurand::PowerActiveImport, power_w),
            ],
        },
    }
}

/// A pricing DataTransfer of the central system; returns the answer's payload.
pub(super) fn cost_message(h: &mut Harness, message_id: &str, data: Value) -> Value {
    h.csms_call_ok(
        "DataTransfer",
        json!({"vendorId": VENDOR, "messageId": message_id, "data": data.to_string()}),
    )
}

/// The accepted AuthorizationResult of RFID1 at connector 1 (presented for it).
pub(super) fn accepted() -> StationCommand {
    StationCommand::AuthorizationResult {
        id_tag: tag("RFID1"),
        connector: Some(1),
        usable_connectors: vec![1],
        accepted: true,
        id_tag_info: Some(IdTagInfo::with_status(AuthorizationStatus::Accepted)),
    }
}

/// The tariff message of RFID1 at connector 1 before its transaction.
pub(super) fn tariff(source: PriceSource, texts: Vec<PriceText>) -> StationCommand {
    StationCommand::TariffMessage(crate::charge_point::cost_and_price::TariffMessage {
        id_tag: tag("RFID1"),
        connector: Some(1),
        transaction_id: None,
        source,
        texts,
    })
}

/// RFID1 presented at connector 1 with a car plugged in: the Authorize goes out and is
/// accepted; the commands until then are dropped. Returns nothing: the station waits for
/// SetUserPrice now (or decided, without a wait).
pub(super) fn identified(h: &mut Harness) {
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: Some(1),
    });
    let sent = h.pump();
    assert_eq!(sent.last().map(|s| s.0.as_str()), Some("Authorize"));
    h.commands();
}

/// A registered station of one connector with [`pricing`] and `extra`, charging for RFID1 in
/// transaction 42 (on the default price: no SetUserPrice, no wait), with a reading of
/// 1000 Wh / 7000 W; every command until then dropped.
pub(super) fn charging(extra: Value) -> Harness {
    let mut patch = json!({"CostAndPrice": {"WaitForSetUserPriceTimeout": 0}});
    merge_patch::apply(&mut patch, &extra);
    let mut h = Harness::registered(pricing(patch), 1);
    identified(&mut h);
    h.event(reading(1000.0, 7000.0));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
    let sent: Vec<String> = h.pump().into_iter().map(|s| s.0).collect();
    assert_eq!(sent, ["StartTransaction", "StatusNotification"]);
    assert_eq!(h.cp.transaction_id(1), Some(42));
    h.commands();
    h
}

/// The CALLRESULT of the central system's last CALL, as the harness names it.
pub(super) fn result(h: &Harness, payload: Value) -> Vec<Frame> {
    vec![Frame::Result {
        id: h.csms_id(),
        payload,
    }]
}

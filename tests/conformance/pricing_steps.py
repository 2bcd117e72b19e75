"""Steps the California Pricing scenarios (test_california_pricing*.py) share: the CostAndPrice
keys of EVerest's libocpp-config-costandprice.json (with a Pacific TimeOffset), the station with
EVerest's TerminalCostAndPriceMessage (and a display), and the pricing DataTransfers of the CSMS.
Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

import datetime as dt
import json

from ocpp.v16 import call

from core_steps import status

VENDOR = "org.openchargealliance.costmsg"

# EVerest's libocpp-config-costandprice.json CostAndPrice section, Pacific time, no German
# default text; WaitForSetUserPriceTimeout as each scenario needs it.
DEFAULT_TEXT = "This is the price"
OFFLINE_TEXT = "Show this price text when offline!"


def pricing(wait_ms: int = 5000, **keys) -> dict:
    """ocpp_overrides with California Pricing on."""
    cost_and_price = {
        "CustomDisplayCostAndPrice": True,
        "NumberOfDecimalsForCostValues": 4,
        "DefaultPrice": {"priceText": DEFAULT_TEXT, "priceTextOffline": OFFLINE_TEXT,
                         "chargingPrice": {"kWhPrice": 3.14, "hourPrice": 0.42}},
        "DefaultPriceText": {"priceTexts": [
            {"priceText": "Dit is de prijs",
             "priceTextOffline": "Laat dit zien wanneer de charging station offline is!",
             "language": "nl"}]},
        "TimeOffset": "-08:00",
        "NextTimeOffsetTransitionDateTime": "2024-01-01T00:00:00",
        "TimeOffsetNextTransition": "01:00",
        "CustomIdleFeeAfterStop": False,
        "SupportedLanguages": "en, nl, de",
        "CustomMultiLanguageMessages": True,
        "Language": "en",
        "WaitForSetUserPriceTimeout": wait_ms,
    }
    cost_and_price.update(keys)
    return {"CostAndPrice": cost_and_price}


OCPP_CONNECTIONS = "    connections:\n      evse_manager:\n        - module_id: evse_manager_1\n"


def with_cost_display(yaml: str) -> str:
    """config-sil-one-evse.yaml plus EVerest's TerminalCostAndPriceMessage on OCPP's
    session_cost and a TerminalDisplayMessage on its display_message (as EVerest's
    config-sil-ocpp.yaml has them)."""
    assert OCPP_CONNECTIONS in yaml
    yaml = yaml.replace(
        OCPP_CONNECTIONS,
        "    connections:\n"
        "      display_message:\n"
        "        - module_id: display_message\n"
        "          implementation_id: display_message\n"
        "      evse_manager:\n        - module_id: evse_manager_1\n", 1)
    return yaml + ("  display_message:\n    module: TerminalDisplayMessage\n"
                   "  session_cost:\n    module: TerminalCostAndPriceMessage\n"
                   "    connections:\n      session_cost:\n        - module_id: ocpp\n"
                   "          implementation_id: session_cost\n")


USER_PRICE = {
    "idToken": "RFID1",
    "priceText": "GBP 0.12/kWh, no idle fee",
    "priceTextExtra": [
        {"format": "UTF8", "language": "nl", "content": "€0.12/kWh, geen idle fee"},
        {"format": "UTF8", "language": "de", "content": "€0,12/kWh, keine Leerlaufgebühr"},
        {"format": "UTF8", "language": "fr", "content": "0,12 €/kWh, pas de frais"}],
}


def cost_message(csms, message_id: str, data) -> dict:
    """A pricing DataTransfer (`data` a dict sent as JSON text, or a str as it is); the
    station's answer, without the fields it left out."""
    text = data if isinstance(data, str) else json.dumps(data)
    answer = csms.call(call.DataTransfer(vendor_id=VENDOR, message_id=message_id, data=text))
    return {k: v for k, v in answer.items() if v is not None}


def running_cost(tx_id: int, cost: float = 1.345, trigger: dict | None = None, **fields) -> dict:
    """A RunningCost of EVerest's scenarios for transaction `tx_id`."""
    data = {
        "transactionId": tx_id,
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(),
        "meterValue": 1234000,
        "cost": cost,
        "state": "Charging",
        "chargingPrice": {"kWhPrice": 0.123, "hourPrice": 2.00, "flatFee": 42.42},
        "idlePrice": {"graceMinutes": 30, "hourPrice": 1.00},
        "nextPeriod": {"atTime": "2030-01-01T03:00:00Z",
                       "chargingPrice": {"kWhPrice": 0.100, "hourPrice": 4.00, "flatFee": 84.84},
                       "idlePrice": {"hourPrice": 0.50}},
    }
    if trigger is not None:
        data["triggerMeterValue"] = trigger
    data.update(fields)
    return data


FINAL_COST = {
    "cost": 3.31,
    "priceText": "GBP 2.81 @ 0.12/kWh, GBP 0.50 @ 1/h, TOTAL KWH: 23.4 TIME: 03.50 COST: GBP 3.31",
    "priceTextExtra": [{"format": "UTF8", "language": "nl",
                        "content": "€2.81 @ €0.12/kWh, €0.50 @ €1/h, TOTAAL: €3.31"}],
    "qrCodeText": "https://www.cpo.com/invoices/13546",
}


def pricing_of(station, connector: int = 1) -> dict | None:
    return station.state()["connectors"][connector - 1]["pricing"]


def identified(csms, station, id_tag: str = "RFID1", connector: int = 1) -> int:
    """Plug-in and the token; returns the message index before them (the Authorize is after)."""
    n = csms.index()
    station.api("POST", f"/connectors/{connector}/plug-in")
    csms.wait_for("StatusNotification", status(connector, "Preparing"), after=n)
    station.api("POST", "/tokens", {"id_tag": id_tag, "connectors": [connector]})
    return n


def other_meter_values(csms, tx_id: int | None, after: int) -> list[dict]:
    """The MeterValues of context Other (the pricing triggers') after message index `after`."""
    return [p for a, p in csms.messages[after:]
            if a == "MeterValues" and p.get("transactionId") == tx_id
            and p["meterValue"][0]["sampledValue"][0].get("context") == "Other"]


def measurands(meter_values: dict) -> list[str]:
    return [v.get("measurand", "Energy.Active.Import.Register")
            for v in meter_values["meterValue"][0]["sampledValue"]]

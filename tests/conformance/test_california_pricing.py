"""California Pricing (the OCA whitepaper "OCPP & California Pricing Requirements", as libocpp and
EVerest's california_pricing_ocpp16.py have it): the driver's price before charging, the default
price when none comes in time, the offline price text, multi-language texts, the feature off, and
malformed messages. The costs of a session are in test_california_pricing_costs.py. Against the
real station binary, with EVerest's TerminalCostAndPriceMessage module logging what it gets."""

from __future__ import annotations

from ocpp.v16 import call

from core_steps import booted, charging, session, status
from feature_steps import wait_offline, wait_online
from pricing_steps import (DEFAULT_TEXT, OFFLINE_TEXT, USER_PRICE, FINAL_COST, cost_message,
                           identified, pricing, pricing_of, running_cost, with_cost_display)

USER_TEXTS = [
    {"content": "GBP 0.12/kWh, no idle fee", "language": "en"},
    {"content": "€0.12/kWh, geen idle fee", "format": "UTF8", "language": "nl"},
    {"content": "€0,12/kWh, keine Leerlaufgebühr", "format": "UTF8", "language": "de"},
]


def test_user_price_before_charging(make_station, csms):
    """The CSMS sends SetUserPrice after the Authorize.conf (EVerest's start_transaction step):
    the station waits for it (WaitForSetUserPriceTimeout) and starts the transaction only then,
    with the driver's price in every supported language (French is not among them); the
    TerminalCostAndPriceMessage module logs each text, and the display shows the price.
    Mirrors EVerest:
    california_pricing_ocpp16.py::test_cost_and_price_set_user_price_with_transaction."""
    csms.user_prices["RFID1"] = USER_PRICE
    station = make_station(ocpp_overrides=pricing(wait_ms=10000), yaml_edit=with_cost_display)
    booted(csms, station)
    f = csms.frame_count()
    n = identified(csms, station)
    answered = csms.wait_index("DataTransfer.conf", after=n)
    assert csms.messages[answered][1] == {"status": "Accepted"}
    csms.wait_for("StartTransaction", after=n)
    # On the wire: Authorize, its answer, SetUserPrice, then (not before) StartTransaction.
    authorize, _ = csms.call_frame("Authorize", after=f)
    set_user_price, _ = csms.call_frame("DataTransfer", after=f, direction="out")
    start, _ = csms.call_frame("StartTransaction", after=f)
    assert authorize < set_user_price < start, "the transaction starts once the price is known"
    tx_id = csms.tx_of(1)
    state = station.wait_state(lambda s: (s["connectors"][0]["pricing"] or {})
                               .get("transaction_id") == tx_id)
    price = state["connectors"][0]["pricing"]
    assert (price["text"], price["source"], price["cost"], price["final"]) == \
        ("GBP 0.12/kWh, no idle fee", "user", None, False)
    assert price["texts"] == USER_TEXTS
    assert price["id_tag"] == "RFID1"
    log = station.log()
    for line in ("Charging price message (en): GBP 0.12/kWh, no idle fee",
                 "Charging price message (nl): €0.12/kWh, geen idle fee",
                 "Charging price message (de): €0,12/kWh, keine Leerlaufgebühr"):
        assert line in log, line
    assert "pas de frais" not in log
    shown = [m["message"]["content"] for m in state["display_messages"]]
    assert shown == ["GBP 0.12/kWh, no idle fee"]

    # A SetUserPrice during the transaction is the session's (EVerest:
    # test_cost_and_price_set_user_price_with_transaction).
    changed = {"idToken": "RFID1", "priceText": "GBP 0.10/kWh from now on"}
    assert cost_message(csms, "SetUserPrice", changed)["status"] == "Accepted"
    station.wait_state(lambda s: s["connectors"][0]["pricing"]["text"] == "GBP 0.10/kWh from now on")


def test_default_price_when_no_user_price_comes_in_time(make_station, csms):
    """No SetUserPrice: the station waits WaitForSetUserPriceTimeout (1.5 s) after the
    Authorize.conf, then charges on the default price (EVerest:
    test_cost_and_price_set_user_price_timeout).
    Mirrors EVerest: california_pricing_ocpp16.py::test_cost_and_price_set_user_price_timeout."""
    station = make_station(ocpp_overrides=pricing(wait_ms=1500), yaml_edit=with_cost_display)
    booted(csms, station)
    n = identified(csms, station)
    authorize = csms.wait_index("Authorize", after=n)
    start = csms.wait_index("StartTransaction", after=n)
    assert csms.times[start] - csms.times[authorize] >= 1.4, "the station waited for a price"
    tx_id = csms.tx_of(1)
    state = station.wait_state(lambda s: (s["connectors"][0]["pricing"] or {})
                               .get("transaction_id") == tx_id)
    price = state["connectors"][0]["pricing"]
    assert (price["text"], price["source"]) == (DEFAULT_TEXT, "default")
    assert price["texts"] == [{"content": DEFAULT_TEXT, "language": "en"},
                              {"content": "Dit is de prijs", "language": "nl"}]
    assert price["charging_price"] == {"kwh_price": 3.14, "hour_price": 0.42, "flat_fee": None}
    log = station.log()
    assert f"Charging price message (en): {DEFAULT_TEXT}" in log
    assert "Charging price message (nl): Dit is de prijs" in log
    # A SetUserPrice after the timeout still prices the session.
    assert cost_message(csms, "SetUserPrice", USER_PRICE)["status"] == "Accepted"
    station.wait_state(lambda s: s["connectors"][0]["pricing"]["source"] == "user")


def test_offline_price_text(make_station, csms):
    """Offline, the station shows the default price's offline text (on its own and for a
    session it authorizes locally), estimates that session's cost from DefaultPrice's
    chargingPrice, and shows the online text again once connected.
    Mirrors EVerest: california_pricing_ocpp16.py::test_cost_and_price_set_charging_price,
    california_pricing_ocpp16.py::test_default_price_published_on_disconnect,
    california_pricing_ocpp16.py::test_default_price_published_on_reconnect."""
    overrides = pricing(wait_ms=0)
    overrides["Core"] = {"LocalAuthorizeOffline": True, "AllowOfflineTxForUnknownId": True}
    station = make_station(ocpp_overrides=overrides)
    booted(csms, station)
    default = station.state()["default_price"]
    assert (default["text"], default["offline"], default["time_offset"]) == \
        (DEFAULT_TEXT, False, "-08:00")
    station.api("POST", "/ocpp/disconnect")
    wait_offline(station)
    default = station.state()["default_price"]
    assert (default["text"], default["offline"]) == (OFFLINE_TEXT, True)
    assert default["texts"][1] == {
        "content": "Laat dit zien wanneer de charging station offline is!", "language": "nl"}
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    state = station.wait_state(lambda s: s["connectors"][0]["status"] == "Charging"
                               and (s["connectors"][0]["pricing"] or {}).get("cost"))
    price = state["connectors"][0]["pricing"]
    assert (price["text"], price["source"], price["estimated"], price["final"]) == \
        (OFFLINE_TEXT, "default", True, False)
    assert price["cost"] > 0
    n = csms.index()
    station.api("POST", "/ocpp/connect")
    wait_online(station)
    state = station.wait_state(lambda s: s["connectors"][0]["pricing"]["text"] == DEFAULT_TEXT)
    assert state["default_price"]["offline"] is False
    # The transaction the CSMS now learns of keeps its session's pricing.
    csms.wait_for("StartTransaction", after=n)
    tx_id = csms.tx_of(1)
    station.wait_state(lambda s: s["connectors"][0]["pricing"]["transaction_id"] == tx_id)


def test_multi_language_texts(make_station, csms):
    """DefaultPriceText per language (EVerest: test_cost_and_price_set_price_text): read and
    changed as `DefaultPriceText,<language>`, only for SupportedLanguages; the default price of
    a session carries every language. Without CustomMultiLanguageMessages only Language's.
    Mirrors EVerest: california_pricing_ocpp16.py::test_cost_and_price_set_price_text."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0))
    booted(csms, station)
    got = csms.call(call.GetConfiguration(key=["DefaultPriceText,de"]))
    assert got["configurationKey"][0]["key"] == "DefaultPriceText,de"
    assert got["configurationKey"][0]["value"] == ""
    german = '{"priceText": "€0.15 / kWh", "priceTextOffline": "Offline: €0,15/kWh"}'
    assert csms.call(call.ChangeConfiguration(key="DefaultPriceText,de",
                                              value=german))["status"] == "Accepted"
    assert csms.call(call.ChangeConfiguration(key="DefaultPriceText,fr",
                                              value='{"priceText": "0,15 €/kWh"}'))["status"] \
        == "Rejected", "French is not in SupportedLanguages"
    got = csms.call(call.GetConfiguration(key=["DefaultPriceText,de", "DefaultPriceText,fr"]))
    values = {k["key"]: k.get("value") for k in got["configurationKey"]}
    assert values == {"DefaultPriceText,de":
                      '{"priceText":"€0.15 / kWh","priceTextOffline":"Offline: €0,15/kWh"}',
                      "DefaultPriceText,fr": ""}
    texts = [{"content": DEFAULT_TEXT, "language": "en"},
             {"content": "Dit is de prijs", "language": "nl"},
             {"content": "€0.15 / kWh", "language": "de"}]
    station.wait_state(lambda s: s["default_price"]["texts"] == texts)
    session(csms, station)
    assert pricing_of(station)["texts"] == texts

    station.stop()
    csms.user_prices["RFID1"] = USER_PRICE
    n = csms.index()
    station = make_station(ocpp_overrides=pricing(wait_ms=3000,
                                                  CustomMultiLanguageMessages=False))
    booted(csms, station, after=n)
    session(csms, station)
    assert pricing_of(station)["texts"] == [USER_TEXTS[0]]
    assert station.state()["default_price"]["texts"] == [
        {"content": DEFAULT_TEXT, "language": "en"}]


def test_california_pricing_off_answers_unknown_vendor(make_station, csms):
    """CustomDisplayCostAndPrice false: the pricing messages are answered UnknownVendorId (as
    libocpp, which registers no pricing callback then), no session is priced and the station
    does not wait for a price."""
    station = make_station(ocpp_overrides=pricing(wait_ms=10000, CustomDisplayCostAndPrice=False))
    booted(csms, station)
    assert station.state()["default_price"] is None
    _, tx_id = session(csms, station)
    for message_id, data in (("SetUserPrice", USER_PRICE),
                             ("RunningCost", running_cost(tx_id)),
                             ("FinalCost", {**FINAL_COST, "transactionId": tx_id}),
                             ("Whatever", {})):
        assert cost_message(csms, message_id, data) == {"status": "UnknownVendorId"}, message_id
    assert pricing_of(station) is None


def test_malformed_and_unknown_pricing_messages(make_station, csms):
    """As libocpp: a messageId it does not know is UnknownMessageId; data that is not the
    message is Rejected (RunningCost and FinalCost say "json parsing failed"); a cost of a
    transaction the station does not know is Rejected. None of them changes the pricing.
    Mirrors EVerest:
    california_pricing_ocpp16.py::test_cost_and_price_final_cost_no_transaction,
    california_pricing_ocpp16.py::test_cost_and_price_final_cost_with_transaction_not_found,
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_wrong_transaction,
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_no_transaction."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0))
    booted(csms, station)
    assert cost_message(csms, "FinalCost", {**FINAL_COST, "transactionId": 1}) == \
        {"status": "Rejected"}, "no transaction at all"
    assert cost_message(csms, "RunningCost", running_cost(1)) == {"status": "Rejected"}
    _, tx_id = session(csms, station)
    rejected = {"status": "Rejected"}
    parse_failed = {"status": "Rejected", "data": "json parsing failed"}
    cases = [
        ("SetTariff", {"idToken": "RFID1"}, {"status": "UnknownMessageId"}),
        ("SetUserPrice", {"priceText": "no idToken"}, rejected),
        ("SetUserPrice", "{not json", rejected),
        ("RunningCost", {k: v for k, v in running_cost(tx_id).items() if k != "cost"},
         parse_failed),
        ("RunningCost", running_cost(tx_id, state="Parked"), parse_failed),
        ("RunningCost", running_cost(tx_id, meterValue="lots"), parse_failed),
        ("FinalCost", {"transactionId": tx_id, "cost": 3.31}, parse_failed),
        ("RunningCost", running_cost(98765), rejected),
        ("FinalCost", {**FINAL_COST, "transactionId": 98765}, rejected),
    ]
    for message_id, data, answer in cases:
        assert cost_message(csms, message_id, data) == answer, (message_id, data)
    price = pricing_of(station)
    assert (price["cost"], price["final"], price["status"]) == (None, False, None)
    # A DataTransfer without a messageId is unknown too.
    answer = csms.call(call.DataTransfer(vendor_id="org.openchargealliance.costmsg", data="{}"))
    assert (answer["status"], answer.get("data")) == ("UnknownMessageId", None)

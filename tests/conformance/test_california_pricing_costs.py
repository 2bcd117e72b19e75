"""California Pricing, the cost of a session (EVerest's california_pricing_ocpp16.py, the running
and final cost scenarios): RunningCost shown, published and on the display, each
triggerMeterValue kind sending one MeterValues when reached, FinalCost after StopTransaction kept
until the next session, the idle fee after the stop ended by ConnectorUnplugged, and the time
offset of displayed prices. Against the real station binary."""

from __future__ import annotations

import datetime as dt
import json

from ocpp.v16 import call

from core_steps import booted, session, status, unplug_and_wait
from pricing_steps import (FINAL_COST, cost_message, identified, measurands, other_meter_values,
                           pricing, pricing_of, running_cost, with_cost_display)


def shown(station) -> list[dict]:
    return [m for m in station.state()["display_messages"]]


def test_running_cost_is_shown_published_and_displayed(make_station, csms):
    """A RunningCost of the running transaction is Accepted; the state shows its cost (4
    decimals), prices and next period (in local time: TimeOffset -08:00); the
    TerminalCostAndPriceMessage module logs it as EVerest's does; the display shows the cost.
    Mirrors EVerest: california_pricing_ocpp16.py::test_cost_and_price_running_cost."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0), yaml_edit=with_cost_display)
    booted(csms, station)
    _, tx_id = session(csms, station)
    session_id = station.state()["connectors"][0]["session_id"]
    assert cost_message(csms, "RunningCost", running_cost(tx_id)) == {"status": "Accepted"}
    state = station.wait_state(lambda s: s["connectors"][0]["pricing"]["cost"] == 1.345)
    price = state["connectors"][0]["pricing"]
    assert (price["status"], price["final"], price["estimated"], price["decimals"]) == \
        ("Running", False, False, 4)
    assert price["charging_price"] == {"kwh_price": 0.123, "hour_price": 2.0, "flat_fee": 42.42}
    assert price["idle_price"] == {"grace_minutes": 30, "hour_price": 1.0}
    assert price["next_period"] == {
        "at": "2030-01-01T03:00:00.000Z", "at_local": "2029-12-31T19:00:00-08:00",
        "charging_price": {"kwh_price": 0.1, "hour_price": 4.0, "flat_fee": 84.84},
        "idle_price": {"grace_minutes": None, "hour_price": 0.5}}
    contents = [m["message"]["content"] for m in state["display_messages"]]
    assert contents == ["This is the price", "Cost so far: 1.345"]
    log = station.log()
    for line in (f"Session cost status for session id {session_id}: Running",
                 "Session cost until now: 1.345",
                 "Charging price for category Time: 2",
                 "Charging price for category Energy: 0.123",
                 "Charging price for category FlatFee: 42.42"):
        assert line in log, line
    # The next one replaces it; its own text is what the display shows.
    assert cost_message(csms, "RunningCost", running_cost(tx_id, cost=2.5, state="Idle",
                                                          priceText="2.50 so far, idle")) \
        == {"status": "Accepted"}
    state = station.wait_state(lambda s: s["connectors"][0]["pricing"]["cost"] == 2.5)
    price = state["connectors"][0]["pricing"]
    assert price["status"] == "Idle"
    assert price["cost_texts"] == [{"content": "2.50 so far, idle", "language": "en"}]
    assert [m["message"]["content"] for m in state["display_messages"]] == \
        ["This is the price", "2.50 so far, idle"]


def test_each_trigger_sends_one_meter_value_when_reached(make_station, csms):
    """triggerMeterValue: atTime, atEnergykWh, atPowerkW and atCPStatus each send one MeterValues
    (context Other) of the transaction when reached, and no more.
    Mirrors EVerest:
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_trigger_time,
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_trigger_energy,
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_trigger_power,
    california_pricing_ocpp16.py::test_cost_and_price_running_cost_trigger_cp_status."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0))
    booted(csms, station)
    _, tx_id = session(csms, station)

    # atTime: 2 s from now.
    n = csms.index()
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)).isoformat()
    assert cost_message(csms, "RunningCost", running_cost(tx_id, trigger={"atTime": at})) == \
        {"status": "Accepted"}
    first = csms.wait_for("MeterValues", lambda p: p in other_meter_values(csms, tx_id, n),
                          after=n)
    assert measurands(first) == ["Energy.Active.Import.Register"]
    assert first["transactionId"] == tx_id

    # atEnergykWh: the register reaches 100 kWh.
    n = csms.index()
    assert cost_message(csms, "RunningCost",
                        running_cost(tx_id, trigger={"atEnergykWh": 100.0}))["status"] == "Accepted"
    station.api("POST", "/connectors/1/meter", {"energy_wh": 100000})
    energy = csms.wait_for("MeterValues", lambda p: p in other_meter_values(csms, tx_id, n),
                           after=n)
    assert measurands(energy) == ["Energy.Active.Import.Register"]
    assert float(energy["meterValue"][0]["sampledValue"][0]["value"]) >= 100000

    # atPowerkW: the power (about 11 kW) crosses 20 kW.
    n = csms.index()
    assert cost_message(csms, "RunningCost",
                        running_cost(tx_id, trigger={"atPowerkW": 20.0}))["status"] == "Accepted"
    station.api("POST", "/connectors/1/meter", {"power_w": 25000})
    power = csms.wait_for("MeterValues", lambda p: p in other_meter_values(csms, tx_id, n),
                          after=n)
    assert measurands(power) == ["Energy.Active.Import.Register", "Power.Active.Import"]
    assert power["meterValue"][0]["sampledValue"][1]["value"] == "25000"

    # atCPStatus: SuspendedEV when the car pauses.
    n = csms.index()
    assert cost_message(csms, "RunningCost", running_cost(
        tx_id, trigger={"atCPStatus": ["SuspendedEV", "Finishing"]}))["status"] == "Accepted"
    station.api("POST", "/connectors/1/ev-pause")
    suspended = csms.wait_index("StatusNotification", status(1, "SuspendedEV"), after=n)
    by_status = csms.wait_for("MeterValues", lambda p: p in other_meter_values(csms, tx_id, n),
                              after=n)
    assert csms.index_of(by_status) > suspended
    assert measurands(by_status) == ["Energy.Active.Import.Register"]

    # Each sent one: two more periodic samples later, still one each.
    m = csms.index()
    for _ in range(2):
        csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id
                      and p["meterValue"][0]["sampledValue"][0].get("context") !=
                      "Other", after=csms.index())
    start = csms.index_of(first) - 1
    assert len(other_meter_values(csms, tx_id, start)) == 4
    assert other_meter_values(csms, tx_id, m) == []


def test_final_cost_after_stop_transaction_stays_until_the_next_session(make_station, csms):
    """The whitepaper's FinalCost comes after StopTransaction (libocpp refuses it then: it only
    knows running transactions): Accepted, shown final with its QR code, on the display and in
    the module's log, still there after the unplug, gone when the next session starts.
    Mirrors EVerest:
    california_pricing_ocpp16.py::test_cost_and_price_final_cost_with_transaction."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0), yaml_edit=with_cost_display)
    booted(csms, station)
    _, tx_id = session(csms, station)
    session_id = station.state()["connectors"][0]["session_id"]
    unplug_and_wait(csms, station, tx_id)
    answer = cost_message(csms, "FinalCost", {**FINAL_COST, "transactionId": tx_id})
    assert answer == {"status": "Accepted"}
    state = station.wait_state(lambda s: s["connectors"][0]["pricing"]["final"])
    price = state["connectors"][0]["pricing"]
    assert (price["cost"], price["status"], price["qr_code"], price["transaction_id"]) == \
        (3.31, "Finished", "https://www.cpo.com/invoices/13546", tx_id)
    assert price["cost_texts"][0] == {"content": FINAL_COST["priceText"], "language": "en"}
    assert price["cost_texts"][1]["language"] == "nl"
    cost_shown = [m for m in state["display_messages"] if m["message"]["content"] ==
                  FINAL_COST["priceText"]]
    assert len(cost_shown) == 1 and cost_shown[0]["qr_code"] == FINAL_COST["qrCodeText"]
    log = station.log()
    assert f"Session cost status for session id {session_id}: Finished" in log
    assert "Session cost until now: 3.31" in log
    assert state["connectors"][0]["status"] == "Available"

    # The next session starts afresh, and the old transaction's FinalCost is refused.
    n = identified(csms, station)
    csms.wait_for("StartTransaction", after=n)
    state = station.wait_state(lambda s: not s["connectors"][0]["pricing"]["final"])
    price = state["connectors"][0]["pricing"]
    assert (price["cost"], price["status"], price["qr_code"]) == (None, None, None)
    assert cost_message(csms, "FinalCost", {**FINAL_COST, "transactionId": tx_id}) == \
        {"status": "Rejected"}


def test_idle_fee_after_stop_ends_with_connector_unplugged(make_station, csms):
    """CustomIdleFeeAfterStop: after a stop with the car still plugged in, the CSMS may send
    RunningCost (Idle) for the stopped transaction until the station sends DataTransfer
    ConnectorUnplugged at the unplug; then FinalCost."""
    csms.data_transfer_status = "Accepted"
    station = make_station(ocpp_overrides=pricing(wait_ms=0, CustomIdleFeeAfterStop=True))
    booted(csms, station)
    _, tx_id = session(csms, station)
    n = csms.index()
    station.api("POST", "/connectors/1/stop-transaction", {})
    csms.wait_for("StopTransaction", after=n)
    csms.wait_for("StatusNotification", status(1, "Finishing"), after=n)
    idle = running_cost(tx_id, cost=4.2, state="Idle")
    assert cost_message(csms, "RunningCost", idle) == {"status": "Accepted"}
    station.wait_state(lambda s: s["connectors"][0]["pricing"]["status"] == "Idle")
    m = csms.index()
    station.api("POST", "/connectors/1/unplug")
    unplugged = csms.wait_for("DataTransfer", after=m)
    assert (unplugged["vendorId"], unplugged["messageId"]) == \
        ("org.openchargealliance.costmsg", "ConnectorUnplugged")
    data = json.loads(unplugged["data"])
    assert sorted(data) == ["timestamp", "transactionId"] and data["transactionId"] == tx_id
    assert cost_message(csms, "RunningCost", idle) == {"status": "Rejected"}, "idle time over"
    assert cost_message(csms, "FinalCost", {**FINAL_COST, "transactionId": tx_id}) == \
        {"status": "Accepted"}


def test_time_offset_moves_at_its_transition(make_station, csms):
    """NextTimeOffsetTransitionDateTime: at that moment TimeOffset takes
    TimeOffsetNextTransition's value (GetConfiguration reports it, the state shows it)."""
    station = make_station(ocpp_overrides=pricing(wait_ms=0))
    booted(csms, station)
    at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert csms.call(call.ChangeConfiguration(key="TimeOffsetNextTransition",
                                              value="-07:00"))["status"] == "Accepted"
    assert csms.call(call.ChangeConfiguration(key="NextTimeOffsetTransitionDateTime",
                                              value=at))["status"] == "Accepted"
    station.wait_state(lambda s: s["default_price"]["time_offset"] == "-07:00")
    got = csms.call(call.GetConfiguration(key=["TimeOffset"]))
    assert got["configurationKey"][0]["value"] == "-07:00"

"""Core conformance: the station itself stops a transaction (a stop button, an emergency stop,
a local reboot) through the control API's stop-transaction route; StopTransaction carries the
station's reason (OCPP 1.6 §7.32) and the connector goes Finishing while the car is still
plugged in."""

from __future__ import annotations

import pytest

from core_steps import booted, session, status, statuses


@pytest.mark.parametrize("reason", ["EmergencyStop", "Reboot", "Other"])
def test_a_stop_at_the_station_carries_its_reason(make_station, csms, reason):
    station = make_station()
    booted(csms, station)
    start, tx_id = session(csms, station)
    m = csms.index()
    station.api("POST", "/connectors/1/stop-transaction", {"reason": reason})
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    assert stop["reason"] == reason
    assert stop["meterStop"] >= start["meterStart"]
    csms.wait_for("StatusNotification", status(1, "Finishing"), after=m)
    assert "Charging" not in statuses(csms, 1, after=csms.index_of(stop))
    state = station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is None)
    assert state["connectors"][0]["plugged"] is True


def test_a_stop_without_a_transaction_is_a_conflict(make_station, csms):
    station = make_station()
    booted(csms, station)
    answer = station.api("POST", "/connectors/1/stop-transaction", {"reason": "Local"},
                         expect=409)
    assert answer == {"error": "no transaction runs at connector 1"}

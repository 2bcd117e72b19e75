"""No energy may vanish from a bill: a power loss (kill -9) reports the register of at most a
few seconds before (the core stores it every 5 s while it grows, whatever the sample
interval), and a graceful stop (station/stop, SIGTERM, Ctrl-C) ends the running transaction
with reason Other and the meter's true register — sent at once online, queued for the next
start offline, never reported twice. Every wait is on a message or a state, bounded by a
timeout."""

from __future__ import annotations

import math
import signal
import time

from core_steps import FAST_RECONNECT, booted, session

# What a power loss may cost at most: 10 s of charging (the stored register is at most 5 s and
# one 1 s meter reading behind the meter).
BOUND_S = 10


def charged(station, wh: float) -> dict:
    """Waits until connector 1's meter shows `wh` more than at the transaction's start; returns
    the connector's state."""
    def enough(s):
        c = s["connectors"][0]
        return c["transaction"] is not None and c["energy_wh"] >= c["transaction"]["meter_start_wh"] + wh
    return station.wait_state(enough, timeout=30)["connectors"][0]


def test_power_loss_costs_at_most_ten_seconds_of_charging_even_without_samples(make_station, csms):
    # No periodic samples at all: libocpp would stop at meterStart, losing the whole session.
    station = make_station(ocpp_overrides={"Core": {"MeterValueSampleInterval": 0}})
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    start = csms.wait_for("StartTransaction", lambda p: p["connectorId"] == 1, after=n)
    tx_id = csms.tx_of(1)
    before = charged(station, 30)  # about 10 s at 11 kW
    station.kill()
    m = csms.index()
    station.restart()
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    assert stop["reason"] == "PowerLoss"
    lost_wh = before["energy_wh"] - stop["meterStop"]
    bound_wh = before["power_w"] * BOUND_S / 3600
    assert stop["meterStop"] > start["meterStart"]
    assert lost_wh <= bound_wh, (before["energy_wh"], stop["meterStop"], bound_wh)
    assert len(csms.find("StopTransaction", lambda p: p["transactionId"] == tx_id)) == 1


def test_a_graceful_stop_online_ends_the_transaction_with_the_true_register(make_station, csms):
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    before = charged(station, 5)
    m = csms.index()
    answer = station.api("POST", "/station/stop")
    assert answer["ok"] is True and "reason Other" in answer["started"], answer
    assert station.proc.wait(15) == 0
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    # OCPP 1.6 has no reason for a station switched off on purpose: libocpp's stop() uses Other.
    assert stop["reason"] == "Other"
    assert stop["meterStop"] >= math.floor(before["energy_wh"])
    # Confirmed before the station went: the next start reports nothing about it.
    n = csms.index()
    station.restart()
    booted(csms, station, after=n)
    csms.wait_for("Heartbeat", after=n)
    assert csms.find("StopTransaction", after=n) == []
    assert station.state()["ocpp"]["queued"] == 0


def test_sigterm_offline_queues_the_stop_for_the_next_start(make_station, csms):
    station = make_station(ocpp_overrides={"Internal": FAST_RECONNECT})
    booted(csms, station)
    _, tx_id = session(csms, station)
    csms.go_offline()
    station.wait_state(lambda s: not s["ocpp"]["connected"])
    before = charged(station, 5)
    m = csms.index()
    stopping = time.monotonic()
    station.proc.send_signal(signal.SIGTERM)
    # Offline nothing can be confirmed: the station does not wait for the CSMS.
    assert station.proc.wait(5) == 0
    assert time.monotonic() - stopping < 5
    assert csms.find("StopTransaction", after=m) == []

    csms.go_online()
    station.restart()
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    assert stop["reason"] == "Other"
    assert stop["meterStop"] >= math.floor(before["energy_wh"])
    booted(csms, station, after=m)
    station.wait_state(lambda s: s["ocpp"]["queued"] == 0)
    assert len(csms.find("StopTransaction", lambda p: p["transactionId"] == tx_id)) == 1

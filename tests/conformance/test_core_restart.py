"""Core conformance scenarios, restarts (OCPP 1.6 §5.14, §4.10): a Reset from the CSMS during a
transaction, and a power loss (kill -9 of the station, started again on the same data dir).
Checked on the exact OCPP messages the test CSMS receives; every wait is on a message or a
state, bounded by a timeout."""

from __future__ import annotations

import pytest
from ocpp.v16 import call

from core_steps import booted, energy_wh, round_half_up, session, timestamp, context


@pytest.mark.parametrize("kind", ["Hard", "Soft"])
def test_reset_stops_the_transaction_and_boots_again(make_station, csms, kind):
    """Reset during a transaction: Accepted, StopTransaction with reason HardReset/SoftReset,
    then the station starts again in the same process (`ferrocharge run` restarts it): a new
    connection, BootNotification, every connector Available, and it charges again.
    Mirrors EVerest: ocpp_compliance_tests.py::test_hard_reset_with_transaction,
    ocpp_compliance_tests.py::test_soft_reset_with_transaction."""
    station = make_station()
    booted(csms, station)
    start, tx_id = session(csms, station)
    pid = station.proc.pid
    m = csms.index()
    assert csms.call(call.Reset(type=kind)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, f"{kind}Reset")
    assert stop["meterStop"] >= start["meterStart"]
    boot = csms.wait_index("BootNotification", after=m)
    assert csms.index_of(stop) < boot
    assert csms.actions()[m:boot].count("StopTransaction") == 1
    n = booted(csms, station, after=boot)
    # libocpp's start after a remote reset: ResetOrReboot, not StartupOfTheDevice.
    event = csms.wait_for("SecurityEventNotification", after=boot)
    assert (event["type"], event.get("techInfo")) == (
        "ResetOrReboot", "Charging Station rebooted due to requested remote reset!")
    csms.wait_connections(2)
    assert csms.paths == ["/ocpp/cp001"] * 2
    assert station.proc.poll() is None and station.proc.pid == pid
    # The restarted station has a fresh simulation (no car) and charges again.
    state = station.state()
    assert [(c["plugged"], c["transaction_id"]) for c in state["connectors"]] == [(False, None)]
    _, tx2 = session(csms, station, "TAG2")
    assert tx2 != tx_id
    assert csms.find("StopTransaction", after=n) == []


def test_power_loss_stops_the_transaction_with_the_last_meter_value(make_station, csms):
    """kill -9 during a transaction, then the station starts again on the same data dir: after
    BootNotification, StopTransaction with reason PowerLoss carrying the energy and the time of
    the last sampled meter value (libocpp's try_resume_transactions).
    Mirrors EVerest: booting.py::test_stop_pending_transactions."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    of_tx = lambda p: p.get("transactionId") == tx_id and context(p) == "Sample.Periodic"
    csms.wait_count("MeterValues", 2, of_tx)
    station.kill()
    m = csms.index()
    station.restart()
    boot = csms.wait_index("BootNotification", after=m)
    stop = csms.wait_for("StopTransaction", after=m)
    assert csms.index_of(stop) > boot
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "PowerLoss")
    assert "idTag" not in stop
    # The last sample taken before the power went; a sample stored but not yet delivered
    # when the process died is delivered after the restart, before the StopTransaction.
    last = [p for p in csms.find("MeterValues", of_tx)
            if csms.index_of(p) < csms.index_of(stop)][-1]
    assert stop["meterStop"] == round_half_up(energy_wh(last))
    assert timestamp(stop["timestamp"]) == timestamp(last["meterValue"][0]["timestamp"])
    booted(csms, station, after=boot)
    assert station.state()["connectors"][0]["transaction_id"] is None

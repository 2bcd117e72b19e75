"""Core conformance scenarios, hardware errors (OCPP 1.6 §4.9): each error of a connector is
reported on its own, and the connector is Available again only once the last fault is cleared.
Checked on the exact OCPP messages the test CSMS receives; every wait is on a message or a state,
bounded by a timeout."""

from __future__ import annotations

from core_steps import booted, statuses


def error(station, kind: str, raise_it: bool) -> None:
    station.api("POST", "/connectors/1/errors", {"type": kind, "raise": raise_it})


def test_two_faults_keep_the_connector_faulted_until_both_are_cleared(make_station, csms):
    station = make_station()
    n = booted(csms, station)
    error(station, "evse_board_support/MREC2GroundFailure", True)
    faulted = csms.wait_for("StatusNotification",
                            lambda p: p["connectorId"] == 1 and p["status"] == "Faulted", after=n)
    assert (faulted["errorCode"], faulted["vendorErrorCode"]) == ("GroundFailure", "CX002")
    m = csms.index()
    error(station, "evse_board_support/MREC5OverVoltage", True)
    # The StatusNotification carries the latest error.
    second = csms.wait_for("StatusNotification", lambda p: p["connectorId"] == 1, after=m)
    assert (second["status"], second["errorCode"]) == ("Faulted", "OverVoltage")
    # Clearing one of the two leaves the other: still Faulted, never Available.
    k = csms.index()
    error(station, "evse_board_support/MREC2GroundFailure", False)
    csms.wait_for("Heartbeat", after=k)
    assert "Available" not in statuses(csms, 1, after=k)
    assert station.state()["connectors"][0]["status"] == "Faulted"
    error(station, "evse_board_support/MREC5OverVoltage", False)
    available = csms.wait_for("StatusNotification",
                              lambda p: p["connectorId"] == 1 and p["status"] == "Available",
                              after=k)
    assert available["errorCode"] == "NoError"

"""Core conformance scenarios, hardware errors (OCPP 1.6 §4.9): each error of a connector is
reported on its own, and the connector is Available again only once the last fault is cleared;
an error raised through the control API stays until the control API clears it, and during a
transaction it pauses charging (EVerest's StatusNotification sequence) without stopping the
transaction, one scenario per error family. Checked on the exact OCPP messages the test CSMS
receives; every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations


from core_steps import booted, context, energy_wh, sampled, session, status, statuses


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


# --- Hardware errors during a charging transaction --------------------------------------------
#
# EVerest's sequence (everest-core EvseManager, libocpp v16): a blocking error pauses the
# transaction (Charging -> ChargingPausedEVSE), nothing is reported while the connector is
# Faulted, and when the last fault clears the status underneath (SuspendedEVSE) goes out, then
# Charging as the EVSE resumes on its own. An error that does not block (a warning, derating)
# keeps Charging and only changes the errorCode. One deliberate deviation (sim/errors.rs):
# Faulted carries the fault's own errorCode, not EVerest's evse_manager/Inoperative OtherError.

CHARGEX = "https://chargex.inl.gov"
# Power too, to see it stop and flow again in the MeterValues of the transaction.
SAMPLED = {"Core": {"MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import"}}


def sn(p: dict) -> tuple:
    """What a StatusNotification says about its connector."""
    return (p["status"], p["errorCode"], p.get("info"), p.get("vendorId"),
            p.get("vendorErrorCode"))


def connector_sns(csms, after: int, before: int) -> list[tuple]:
    return [sn(p) for a, p in csms.messages[after:before]
            if a == "StatusNotification" and p["connectorId"] == 1]


def periodic_of(tx_id: int):
    return lambda p: p.get("transactionId") == tx_id and context(p) == "Sample.Periodic"


def power_w(meter_values: dict) -> float:
    return float(sampled(meter_values, "Power.Active.Import")["value"])


def charging_at_full_power(make_station, csms):
    """A station charging RFID1's transaction, energy flowing; returns it and the transaction
    id."""
    station = make_station(ocpp_overrides=SAMPLED)
    booted(csms, station)
    _, tx_id = session(csms, station)
    station.wait_state(lambda s: s["connectors"][0]["power_w"] > 0)
    return station, tx_id


def raise_error(station, kind: str) -> None:
    answer = station.api("POST", "/connectors/1/errors", {"type": kind, "raise": True})
    assert answer == {"ok": True}, answer


def fault_during_charging(make_station, csms, kind: str, faulted: tuple) -> None:
    """Raises the blocking error `kind` while charging and clears it again: the exact
    StatusNotifications from the raise to energy flowing again are [`faulted`, SuspendedEVSE,
    Charging]; the transaction survives."""
    station, tx_id = charging_at_full_power(make_station, csms)
    n = csms.index()
    raise_error(station, kind)
    first = csms.wait_index("StatusNotification", lambda p: p["connectorId"] == 1, after=n)
    assert sn(csms.messages[first][1]) == ("Faulted", *faulted)
    # Periodic samples 2 s (eight simulation steps) apart: the fault stays, the relays stay
    # open, no energy is counted. The first sample after the Faulted may still carry the
    # reading from before it (the station hands the core a reading once a second); the
    # second and third are 2 s and 4 s later at least, both read after the fault.
    during = csms.wait_count("MeterValues", 3, periodic_of(tx_id), after=first)[1:]
    assert [power_w(mv) for mv in during] == [0.0, 0.0]
    assert energy_wh(during[0]) == energy_wh(during[1])
    c = station.state()["connectors"][0]
    assert (c["status"], c["error_code"], c["transaction_id"], c["power_w"]) == \
        ("Faulted", faulted[0], tx_id, 0)
    assert connector_sns(csms, n, None) == [("Faulted", *faulted)], "nothing while Faulted"

    m = csms.index()
    station.api("POST", "/connectors/1/errors", {"type": kind, "raise": False})
    resumed = csms.wait_index("StatusNotification", status(1, "Charging"), after=m)
    after = csms.wait_for("MeterValues", lambda p: periodic_of(tx_id)(p) and power_w(p) > 0,
                          after=resumed)
    assert energy_wh(after) > energy_wh(during[1])
    end = csms.index_of(after)
    assert connector_sns(csms, n, end) == [
        ("Faulted", *faulted),
        ("SuspendedEVSE", "NoError", None, None, None),
        ("Charging", "NoError", None, None, None),
    ]
    # Paused, not stopped: the same transaction goes on.
    assert csms.find("StopTransaction", after=n) == []
    assert csms.find("StartTransaction", after=n) == []
    c = station.wait_state(lambda s: s["connectors"][0]["power_w"] > 0)["connectors"][0]
    assert (c["status"], c["error_code"], c["transaction_id"]) == ("Charging", "NoError", tx_id)


def test_board_overcurrent_while_charging_pauses_the_transaction_until_cleared(make_station,
                                                                               csms):
    """evse_board_support: a MREC4 over-current of the board stays until it is cleared."""
    fault_during_charging(make_station, csms, "evse_board_support/MREC4OverCurrentFailure",
                          ("OverCurrentFailure", "evse_board_support/MREC4OverCurrentFailure",
                           CHARGEX, "CX004"))


def test_board_pilot_fault_raised_by_hand_is_not_cleared_by_the_pilot(make_station, csms):
    """evse_board_support: a pilot fault raised by hand stays though the pilot is not in E (the
    board used to clear it at its next step)."""
    fault_during_charging(make_station, csms, "evse_board_support/MREC14PilotFault",
                          ("OtherError", "evse_board_support/MREC14PilotFault", CHARGEX,
                           "CX014"))


def test_rcd_dc_fault_while_charging_stays_until_cleared(make_station, csms):
    """ac_rcd: a DC fault raised by hand stays though the car leaks nothing (the board used to
    clear it at its next step: Faulted and back within a millisecond)."""
    fault_during_charging(make_station, csms, "ac_rcd/DC", ("InternalError", "DC", None, None))


def test_connector_lock_failure_while_charging_pauses_until_cleared(make_station, csms):
    """connector_lock: MREC1 lock failure."""
    fault_during_charging(make_station, csms, "connector_lock/MREC1ConnectorLockFailure",
                          ("ConnectorLockFailure", "connector_lock/MREC1ConnectorLockFailure",
                           CHARGEX, "CX001"))


def test_powermeter_communication_fault_while_charging_pauses_until_cleared(make_station, csms):
    """powermeter: EvseManager's fail_on_powermeter_errors (true by default) makes a power
    meter error block charging."""
    fault_during_charging(make_station, csms, "powermeter/CommunicationFault",
                          ("PowerMeterFailure", "CommunicationFault", None, None))


def test_high_temperature_warning_while_charging_only_changes_the_error_code(make_station,
                                                                             csms):
    """A warning does not block: the connector stays Charging, energy keeps flowing, the
    StatusNotifications carry the error and then NoError."""
    station, tx_id = charging_at_full_power(make_station, csms)
    kind = "evse_board_support/MREC3HighTemperature"
    warning = ("Charging", "HighTemperature", kind, CHARGEX, "CX003")
    n = csms.index()
    raise_error(station, kind)
    first = csms.wait_index("StatusNotification", lambda p: p["connectorId"] == 1, after=n)
    assert sn(csms.messages[first][1]) == warning
    during = csms.wait_count("MeterValues", 2, periodic_of(tx_id), after=first)
    assert all(power_w(mv) > 0 for mv in during)
    assert energy_wh(during[1]) > energy_wh(during[0])
    c = station.state()["connectors"][0]
    assert (c["status"], c["error_code"], c["transaction_id"]) == \
        ("Charging", "HighTemperature", tx_id)
    assert c["power_w"] > 0

    m = csms.index()
    station.api("POST", "/connectors/1/errors", {"type": kind, "raise": False})
    cleared = csms.wait_index("StatusNotification", lambda p: p["connectorId"] == 1, after=m)
    after = csms.wait_for("MeterValues", periodic_of(tx_id), after=cleared)
    assert power_w(after) > 0
    assert connector_sns(csms, n, csms.index_of(after)) == [
        warning, ("Charging", "NoError", None, None, None)]
    assert csms.find("StopTransaction", after=n) == []
    c = station.state()["connectors"][0]
    assert (c["status"], c["error_code"], c["transaction_id"]) == ("Charging", "NoError", tx_id)


def test_a_leaking_car_trips_the_rcd_while_it_leaks(make_station, csms):
    """The board's own RCD: the car leaks 30 mA for 3 s (EvManager's rcd_current), the
    connector is Faulted for that long and charges again when the leak stops, no clear
    needed; the transaction goes on."""
    station, tx_id = charging_at_full_power(make_station, csms)
    n = csms.index()
    station.api("POST", "/connectors/1/car-script",
                {"script": "rcd_current 30;sleep 3;rcd_current 0"})
    faulted = csms.wait_index("StatusNotification", lambda p: p["connectorId"] == 1, after=n)
    resumed = csms.wait_index("StatusNotification", status(1, "Charging"), after=faulted)
    # EvManager's sleep 3 is 12 steps: the fault lasted about that long.
    assert csms.times[resumed] - csms.times[faulted] > 2.0
    after = csms.wait_for("MeterValues", lambda p: periodic_of(tx_id)(p) and power_w(p) > 0,
                          after=resumed)
    assert connector_sns(csms, n, csms.index_of(after)) == [
        ("Faulted", "InternalError", "DC", None, None),
        ("SuspendedEVSE", "NoError", None, None, None),
        ("Charging", "NoError", None, None, None),
    ]
    assert csms.find("StopTransaction", after=n) == []
    c = station.state()["connectors"][0]
    assert (c["status"], c["error_code"], c["transaction_id"]) == ("Charging", "NoError", tx_id)

"""Conformance scenarios (DESIGN.md §8): one behaviour each, checked on the exact OCPP messages
the test CSMS receives. Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call

TIMEOUT = 15


def status(connector: int, value: str):
    return lambda p: p["connectorId"] == connector and p["status"] == value


def booted(csms, station, connectors=(1,)) -> int:
    """Waits for the boot's StatusNotifications; returns the message index after them."""
    for c in (0, *connectors):
        csms.wait_for("StatusNotification", status(c, "Available"))
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    return csms.index()


def charging(csms, connector: int, id_tag: str, after: int) -> tuple[dict, int]:
    """After an authorization: StartTransaction, Charging and a MeterValues of the transaction;
    returns the StartTransaction's payload and the transaction id."""
    start = csms.wait_for("StartTransaction", lambda p: p["connectorId"] == connector, after=after)
    assert start["idTag"] == id_tag
    assert isinstance(start["meterStart"], int) and start["meterStart"] >= 0
    assert "timestamp" in start
    tx_id = csms.tx_of(connector)
    csms.wait_for("StatusNotification", status(connector, "Charging"), after=after)
    mv = csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=after)
    assert mv["connectorId"] == connector
    assert mv["meterValue"] and mv["meterValue"][0]["sampledValue"]
    return start, tx_id


def test_cold_boot_sends_boot_notification_then_available(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_cold_boot."""
    station = make_station()
    boot = csms.wait_for("BootNotification")
    assert boot["chargePointVendor"] == "ferrocharge"
    assert boot["chargePointModel"] == "SIL"
    assert boot["firmwareVersion"] == "0.1.0"
    assert boot["chargeBoxSerialNumber"] == "cp001"
    assert csms.paths == ["/ocpp/cp001"]
    s0 = csms.wait_index("StatusNotification", status(0, "Available"))
    s1 = csms.wait_index("StatusNotification", status(1, "Available"))
    assert csms.actions()[0] == "BootNotification" and 0 < s0 and 0 < s1
    for i in (s0, s1):
        assert csms.messages[i][1]["errorCode"] == "NoError"
    state = station.wait_state(lambda s: s["ocpp"]["connected"])
    assert state["ocpp"]["registration"] == "Accepted"
    assert state["ocpp"]["charge_point_id"] == "cp001"
    assert [c["status"] for c in state["connectors"]] == ["Available"]
    # The BootNotification's interval (2 s) drives the heartbeat.
    csms.wait_for("Heartbeat", timeout=10)


def test_plug_first_session(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_authorize_invalid_blocked_expired."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    i_prep = csms.wait_index("StatusNotification", status(1, "Preparing"), after=n)
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    i_auth = csms.wait_index("Authorize", after=n)
    assert csms.messages[i_auth][1] == {"idTag": "RFID1"}
    start, tx_id = charging(csms, 1, "RFID1", n)
    assert i_prep < i_auth < csms.index_of(start)
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] == tx_id)

    m = csms.index()
    station.api("POST", "/connectors/1/unplug")
    stop = csms.wait_for("StopTransaction", after=m)
    assert stop["transactionId"] == tx_id
    assert stop["reason"] == "EVDisconnected"
    assert stop["meterStop"] >= start["meterStart"]
    csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    states = [p["status"] for a, p in csms.messages[m:]
              if a == "StatusNotification" and p["connectorId"] == 1]
    assert states == ["Finishing", "Available"], states


def test_swipe_first_session(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_regular_charging_session_identification."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    assert csms.wait_for("Authorize", after=n) == {"idTag": "RFID1"}
    station.api("POST", "/connectors/1/plug-in")
    start, tx_id = charging(csms, 1, "RFID1", n)
    # Authorized before the car came: the StartTransaction follows the Authorize.
    assert csms.actions()[n:].index("Authorize") < csms.index_of(start) - n
    m = csms.index()
    station.api("POST", "/connectors/1/unplug")
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "EVDisconnected")
    assert stop["meterStop"] >= start["meterStart"]
    csms.wait_for("StatusNotification", status(1, "Available"), after=m)


def test_unknown_tag_is_refused(make_station, csms):
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    station.api("POST", "/tokens", {"id_tag": "STRANGER"})
    assert csms.wait_for("Authorize", after=n) == {"idTag": "STRANGER"}
    # Then a known tag starts the session: no transaction was started for the stranger.
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    csms.wait_for("Authorize", lambda p: p["idTag"] == "RFID1", after=n)
    charging(csms, 1, "RFID1", n)
    assert len(csms.find("StartTransaction", after=n)) == 1


def test_remote_start_before_plug_in(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_remote_charge_start_stop_remote_first."""
    station = make_station()
    n = booted(csms, station)
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1))
    assert answer == {"status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    start, _ = charging(csms, 1, "REMOTE1", n)
    # AuthorizeRemoteTxRequests is false: no Authorize for a remote start.
    assert csms.find("Authorize", after=n) == []


def test_remote_start_after_plug_in(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_remote_charge_start_stop_cable_first."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1))
    assert answer == {"status": "Accepted"}
    charging(csms, 1, "REMOTE1", n)
    assert csms.find("Authorize", after=n) == []


def test_remote_stop(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_remote_charge_stop."""
    station = make_station()
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    start, tx_id = charging(csms, 1, "RFID1", n)
    m = csms.index()
    answer = csms.call(call.RemoteStopTransaction(transaction_id=tx_id))
    assert answer == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Remote")
    assert stop["meterStop"] >= start["meterStart"]
    # The car is still plugged in.
    csms.wait_for("StatusNotification", status(1, "Finishing"), after=m)
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is None)


def test_two_evses_charge_at_once(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_one_reader_for_multiple_connectors."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides={"Core": {"NumberOfConnectors": 2}})
    n = booted(csms, station, connectors=(1, 2))
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/connectors/2/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    _, tx1 = charging(csms, 1, "RFID1", n)
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [2]})
    _, tx2 = charging(csms, 2, "TAG2", n)
    assert tx1 != tx2
    starts = csms.find("StartTransaction", after=n)
    assert sorted(p["connectorId"] for p in starts) == [1, 2]
    state = station.wait_state(lambda s: all(c["transaction_id"] for c in s["connectors"]))
    assert {c["id"]: c["transaction_id"] for c in state["connectors"]} == {1: tx1, 2: tx2}
    # Both are charging at the same time: no StopTransaction yet.
    assert csms.find("StopTransaction") == []


def test_broken_station_config_is_refused(make_station, csms):
    def break_it(yaml: str) -> str:
        old = "        - module_id: yeti_driver_1\n          implementation_id: board_support"
        assert old in yaml
        return yaml.replace(old, "        - module_id: no_such_module\n          implementation_id: board_support", 1)

    station = make_station(yaml_edit=break_it, wait=False)
    code = station.proc.wait(TIMEOUT)
    assert code != 0
    lines = [l for l in station.log().splitlines() if l.strip()]
    assert len(lines) == 1, lines
    assert "evse_manager_1" in lines[0] and "unknown module_id 'no_such_module'" in lines[0]
    assert csms.paths == [] and csms.messages == []

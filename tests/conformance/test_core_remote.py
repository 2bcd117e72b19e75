"""Core conformance scenarios, the CSMS's commands (OCPP 1.6 §5): RemoteStartTransaction that
must be refused or names no connector, UnlockConnector during a transaction, ChangeAvailability
scheduled until a transaction ends and kept across a restart, DataTransfer with no vendor
extension. Checked on the exact OCPP messages the test CSMS receives; every wait is on a message
or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call
from ocpp.v16.enums import AvailabilityType

from core_steps import booted, session, statuses, status

TWO_EVSES = {"Core": {"NumberOfConnectors": 2}}


def test_remote_start_rejected_for_connector_0_and_a_busy_connector(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_remote_start_charging_session_rejected,
    ocpp_compliance_tests.py::test_remote_start_tx_connector_id_zero."""
    station = make_station()
    n = booted(csms, station)
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=0))
    assert answer == {"status": "Rejected"}
    _, tx_id = session(csms, station, "RFID1")
    m = csms.index()
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1))
    assert answer == {"status": "Rejected"}
    # A heartbeat later: the running transaction is untouched, nothing was started.
    csms.wait_for("Heartbeat", after=m)
    assert [p["idTag"] for p in csms.find("StartTransaction", after=n)] == ["RFID1"]
    assert csms.find("StopTransaction") == []
    assert statuses(csms, 1, after=m) == []
    assert station.state()["connectors"][0]["transaction_id"] == tx_id


def test_remote_start_without_connector_id_takes_the_free_connector(make_station, csms):
    """Two EVSEs, connector 1 charging, a car waiting at connector 2: a RemoteStartTransaction
    without connectorId is Accepted and starts the transaction on connector 2.
    Mirrors EVerest: authorization_tests.py::test_remote_start_transaction_no_connector."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=TWO_EVSES)
    booted(csms, station, connectors=(1, 2))
    _, tx1 = session(csms, station, "RFID1", connector=1)
    m = csms.index()
    station.api("POST", "/connectors/2/plug-in")
    csms.wait_for("StatusNotification", status(2, "Preparing"), after=m)
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1"))
    assert answer == {"status": "Accepted"}
    start = csms.wait_for("StartTransaction", after=m)
    assert (start["connectorId"], start["idTag"]) == (2, "REMOTE1")
    csms.wait_for("StatusNotification", status(2, "Charging"), after=m)
    assert csms.find("Authorize", after=m) == []
    state = station.wait_state(lambda s: s["connectors"][1]["transaction_id"] is not None)
    assert state["connectors"][0]["transaction_id"] == tx1


def test_unlock_during_a_transaction_stops_it_then_unlocks(make_station, csms):
    """UnlockConnector during a transaction: StopTransaction with reason UnlockCommand reaches
    the CSMS before the answer Unlocked (OCPP 1.6 §5.17). The station is kept quiet (no
    periodic meter values, a long heartbeat) so that no CALL of its own is in flight when the
    unlock comes, which would hold the StopTransaction back behind it.
    Mirrors EVerest:
    ocpp_compliance_tests.py::test_unlock_connector_with_charging_session_no_fixed_cable."""
    csms.heartbeat_interval = 60
    station = make_station(ocpp_overrides={"Core": {"MeterValueSampleInterval": 0}})
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    start = csms.wait_for("StartTransaction", after=n)
    tx_id = csms.tx_of(1)
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    csms.wait_quiet()
    m = csms.index()
    f = csms.frame_count()
    answer = csms.call(call.UnlockConnector(connector_id=1))
    assert answer == {"status": "Unlocked"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "UnlockCommand")
    assert stop["meterStop"] >= start["meterStart"]
    i_stop, _ = csms.call_frame("StopTransaction", after=f)
    _, request = csms.call_frame("UnlockConnector", after=f, direction="out")
    i_answer, _ = csms.answer_to(request[1], after=f)
    assert i_stop < i_answer
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is None)


def test_change_availability_scheduled_until_the_transaction_ends_and_kept(make_station, csms):
    """ChangeAvailability Inoperative during a transaction is Scheduled; the transaction goes
    on, and when it ends the connector becomes Unavailable (never Available in between). The
    station is switched off and on again: connector 1 boots Unavailable.
    Mirrors EVerest: change_availability.py::test_change_availability_scheduled_in_transaction,
    ocpp_compliance_tests.py::test_power_failure_with_unavailable_status."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    m = csms.index()
    answer = csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.inoperative))
    assert answer == {"status": "Scheduled"}
    mv = csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=m + 1)
    assert statuses(csms, 1, after=m) == []
    station.api("POST", "/connectors/1/unplug")
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "EVDisconnected")
    unavailable = csms.wait_index("StatusNotification", status(1, "Unavailable"), after=m)
    assert csms.index_of(mv) < csms.index_of(stop) < unavailable
    seen = statuses(csms, 1, after=m)
    assert seen[-1] == "Unavailable" and "Available" not in seen, seen
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Unavailable")

    assert station.graceful_stop() == 0
    k = csms.index()
    station.restart()
    boot = csms.wait_index("BootNotification", after=k)
    csms.wait_for("StatusNotification", lambda p: p["connectorId"] == 1, after=boot)
    assert statuses(csms, 1, after=boot)[0] == "Unavailable"
    # An unavailable connector starts nothing for a car plugged in.
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    p = csms.index()
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("Heartbeat", after=p)
    assert statuses(csms, 1, after=p) == []


def test_data_transfer_without_a_data_transfer_module_is_unknown_vendor(make_station, csms):
    """The station config has no module providing ocpp_data_transfer: a DataTransfer from the
    CSMS is answered UnknownVendorId (not a CALLERROR), and the session goes on.
    Mirrors EVerest: ocpp_compliance_tests.py::test_data_transfer_to_chargepoint."""
    station = make_station()
    n = booted(csms, station)
    f = csms.frame_count()
    answer = csms.call(call.DataTransfer(vendor_id="com.example.acme", message_id="Ping",
                                         data="hello"))
    assert answer["status"] == "UnknownVendorId" and answer.get("data") is None
    _, request = csms.call_frame("DataTransfer", after=f, direction="out")
    _, raw = csms.answer_to(request[1], after=f)
    assert raw == [3, request[1], {"status": "UnknownVendorId"}]
    csms.wait_for("Heartbeat", after=n)

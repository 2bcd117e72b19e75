"""Parity with EVerest's OCPP 1.6 pytest suite, Core profile (docs/everest-parity.md): the
EVerest tests that had no ferrocharge scenario checking the same messages, one scenario each
(or one per parameter set), each naming the EVerest test it mirrors. Checked on the exact OCPP
frames the test CSMS receives; every wait is on a message, a frame or a state, bounded by a
timeout."""

from __future__ import annotations

import pytest
from ocpp.v16 import call
from ocpp.v16.enums import AvailabilityType, MessageTrigger

from core_steps import FAST_RECONNECT, booted, charging, session, status, statuses, timestamp
from feature_steps import calls_since, wait_offline, wait_online

TWO_EVSES = {"Core": {"NumberOfConnectors": 2}}

# -- broken.py: malformed CALLs -----------------------------------------------------------------

TOO_LONG_KEY = "ThisIsMuchLongerThan50characters" * 5
LARGE_TOKEN_LIST = {"listVersion": 1, "updateType": "Differential", "localAuthorizationList": [
    {"idTag": "RFID111111111111111111111111111",
     "idTagInfo": {"status": "Accepted", "expiryDate": "2342-06-19T09:10:00.000Z",
                   "parentIdTag": "PTAG"}}]}


@pytest.mark.parametrize("action, payload", [
    pytest.param("ChangeConfiguration", {"key": "WebSocketPingInterval"},
                 id="missing_payload_field"),
    pytest.param("ChangeConfiguration",
                 {"key": "WebSocketPingInterval", "value": "0", "additional": "123"},
                 id="additional_payload_field"),
    pytest.param("ChangeConfiguration", {"key": ["WebSocketPingInterval"], "value": "0"},
                 id="wrong_payload_type"),
    pytest.param("ChangeConfiguration", {"key": TOO_LONG_KEY, "value": "0"},
                 id="too_long_payload_field"),
    pytest.param("SendLocalList", LARGE_TOKEN_LIST, id="send_local_list_large_token"),
])
def test_malformed_calls_get_everests_callerrors(make_station, csms, action, payload):
    """Mirrors EVerest: broken.py::test_missing_payload_field, ::test_additional_payload_field
    (skipped in EVerest: libocpp does not refuse it; the 1.6 schemas forbid additional
    properties), ::test_wrong_payload_type, ::test_too_long_payload_field (a 160-character key)
    and authorization_tests.py::test_send_local_lost_large_token (a 31-character idTag): each
    CALL, sent as those tests send it, gets a CALLERROR FormationViolation and changes nothing."""
    assert len(TOO_LONG_KEY) == 160
    station = make_station()
    booted(csms, station)
    before = csms.call(call.GetConfiguration(key=["WebSocketPingInterval"]))
    list_version = csms.call(call.GetLocalListVersion())
    f = csms.send_raw([2, "broken-1", action, payload])
    _, answer = csms.answer_to("broken-1", after=f)
    assert answer[:3] == [4, "broken-1", "FormationViolation"], answer
    assert csms.call(call.GetConfiguration(key=["WebSocketPingInterval"])) == before
    assert csms.call(call.GetLocalListVersion()) == list_version
    assert csms.connections() == 1


def test_an_authorize_answer_without_status_starts_nothing_and_the_next_card_is_asked_for(
        make_station, csms):
    """Mirrors EVerest: broken.py::test_wrong_auth_payload: AuthorizeRemoteTxRequests true, a car
    plugged in, RFID1 swiped: Authorize; the CSMS answers it with an empty idTagInfo (no
    status, against the schema). The station goes on: nothing starts for RFID1, TAG2 swiped
    next is asked for with Authorize, and with a proper answer it charges, on the same
    connection."""
    csms.authorize_answers = [{}]
    station = make_station(ocpp_overrides={"Core": {"AuthorizeRemoteTxRequests": True}})
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    f = csms.frame_count()
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    assert csms.wait_for("Authorize", after=n) == {"idTag": "RFID1"}
    _, request = csms.call_frame("Authorize", after=f)
    _, answer = csms.answer_to(request[1], after=f, direction="out")
    assert answer == [3, request[1], {"idTagInfo": {}}]
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    assert csms.wait_for("Authorize", after=m) == {"idTag": "TAG2"}
    start, _ = charging(csms, 1, "TAG2", n)
    assert [p["idTag"] for p in csms.find("StartTransaction")] == ["TAG2"]
    assert csms.connections() == 1


def test_offline_a_cached_card_starts_and_a_cached_card_of_its_group_stops(make_station, csms):
    """Mirrors EVerest: authorization_tests.py::test_authorization_cache_entry_1:
    AllowOfflineTxForUnknownId false, LocalAuthorizeOffline, LocalPreAuthorize and the cache;
    RFID1 and TAG2, both of group PTAG (Authorize.conf), each charge once online and are
    cached. Offline, RFID1 and the car start a transaction from the cache; back online the
    StartTransaction is delivered and TriggerMessage StatusNotification says Charging; TAG2
    swiped stops it from the cache (same group): StopTransaction Local."""
    csms.parent_ids.update({"RFID1": "PTAG", "TAG2": "PTAG"})
    station = make_station(ocpp_overrides={
        "Core": {"AllowOfflineTxForUnknownId": False, "LocalAuthorizeOffline": True,
                 "LocalPreAuthorize": True, "AuthorizationCacheEnabled": True},
        "Internal": FAST_RECONNECT})
    booted(csms, station)
    for tag in ("RFID1", "TAG2"):
        m = csms.index()
        _, tx_id = session(csms, station, tag)
        station.api("POST", "/tokens", {"id_tag": tag, "connectors": [1]})
        stop = csms.wait_for("StopTransaction", after=m)
        assert (stop["transactionId"], stop["reason"]) == (tx_id, "Local")
        station.api("POST", "/connectors/1/unplug")
        csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    assert [p["idTag"] for p in csms.find("Authorize")] == ["RFID1", "TAG2"]
    csms.go_offline()
    wait_offline(station)
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    station.api("POST", "/connectors/1/plug-in")
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is not None)
    m = csms.index()
    csms.go_online()
    wait_online(station)
    start = csms.wait_for("StartTransaction", after=m)
    assert (start["connectorId"], start["idTag"]) == (1, "RFID1")
    tx_id = csms.tx_of(1)
    assert _answer_of_status_trigger(csms, 1) == "Charging"
    p = csms.index()
    station.api("POST", "/tokens", {"id_tag": "TAG2", "connectors": [1]})
    stop = csms.wait_for("StopTransaction", after=p)
    assert (stop["transactionId"], stop["reason"], stop["idTag"]) == (tx_id, "Local", "TAG2")
    assert csms.find("Authorize", after=m) == []


# -- authorization_tests.py: remote starts --------------------------------------------------------


def test_a_remote_start_for_connector_2_waits_for_its_car(make_station, csms):
    """Mirrors EVerest: authorization_tests.py::test_remote_start_transaction_single_connector:
    two EVSEs, RemoteStartTransaction for connector 2 (Accepted); a car at connector 1 starts
    nothing there; the car at connector 2 starts the transaction there, with the remote tag,
    and it charges."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=TWO_EVSES)
    n = booted(csms, station, connectors=(1, 2))
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=2)) == {
        "status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    station.api("POST", "/connectors/2/plug-in")
    start, _ = charging(csms, 2, "RFID1", n)
    assert start["connectorId"] == 2
    assert [p["connectorId"] for p in csms.find("StartTransaction", after=n)] == [2]
    assert statuses(csms, 1, after=n) == ["Preparing"]
    assert station.state()["connectors"][0]["transaction_id"] is None


def test_the_same_tag_remote_started_twice_charges_at_both_connectors(make_station, csms):
    """Mirrors EVerest: authorization_tests.py::test_double_remote_start_transaction: two
    EVSEs; RemoteStartTransaction for RFID1 without connectorId, the car at 1: it charges
    there; a second RemoteStartTransaction for the same RFID1, the car at 2: Accepted, and a
    second transaction of RFID1 starts at 2 while the first goes on."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=TWO_EVSES)
    n = booted(csms, station, connectors=(1, 2))
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1")) == {"status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    _, tx1 = charging(csms, 1, "RFID1", n)
    m = csms.index()
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1")) == {"status": "Accepted"}
    station.api("POST", "/connectors/2/plug-in")
    _, tx2 = charging(csms, 2, "RFID1", m)
    assert tx1 != tx2
    assert csms.find("StopTransaction") == []
    state = station.wait_state(lambda s: all(c["transaction_id"] for c in s["connectors"]))
    assert [c["transaction_id"] for c in state["connectors"]] == [tx1, tx2]


def test_a_cached_tag_remote_started_again_is_not_authorized_again(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_regular_charge_session_cached_id:
    AuthorizeRemoteTxRequests, AuthorizationCacheEnabled and LocalPreAuthorize; ClearCache;
    the car plugged in, RemoteStartTransaction for RFID1: Accepted, Authorize, then
    StartTransaction; RemoteStopTransaction: StopTransaction Remote; the car leaves and comes
    back, RemoteStartTransaction for RFID1 again: it starts from the cache, no Authorize."""
    station = make_station(ocpp_overrides={"Core": {
        "AuthorizeRemoteTxRequests": True, "AuthorizationCacheEnabled": True,
        "LocalPreAuthorize": True}})
    n = booted(csms, station)
    assert csms.call(call.ClearCache()) == {"status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1)) == {
        "status": "Accepted"}
    start, tx_id = charging(csms, 1, "RFID1", n)
    auth = csms.wait_index("Authorize", after=n)
    assert csms.messages[auth][1] == {"idTag": "RFID1"} and auth < csms.index_of(start)
    m = csms.index()
    assert csms.call(call.RemoteStopTransaction(transaction_id=tx_id)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Remote")
    station.api("POST", "/connectors/1/unplug")
    csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    m = csms.index()
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=m)
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1)) == {
        "status": "Accepted"}
    _, tx2 = charging(csms, 1, "RFID1", m)
    assert tx2 != tx_id
    assert csms.find("Authorize", after=m) == []


@pytest.mark.parametrize("how", ["swipe", "remote"])
def test_an_authorization_without_a_car_ends_at_the_connection_timeout(make_station, csms, how):
    """Mirrors EVerest:
    ocpp_compliance_tests.py::test_regular_charging_session_identification_conn_timeout (swipe:
    Authorize, Preparing, then Available) and
    ::test_remote_charge_start_timeout (remote: RemoteStartTransaction Accepted, Preparing,
    then Available): no car comes within ConnectionTimeOut (3 s here, EVerest's 10 s scaled
    down), so the connector is Available again and no transaction starts."""
    station = make_station(ocpp_overrides={"Core": {"ConnectionTimeOut": 3}})
    n = booted(csms, station)
    if how == "swipe":
        station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
        assert csms.wait_for("Authorize", after=n) == {"idTag": "RFID1"}
    else:
        assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1)) == {
            "status": "Accepted"}
    i_prep = csms.wait_index("StatusNotification", status(1, "Preparing"), after=n)
    i_avail = csms.wait_index("StatusNotification", status(1, "Available"), after=i_prep)
    assert 2 < csms.times[i_avail] - csms.times[i_prep] < 6
    assert statuses(csms, 1, after=n) == ["Preparing", "Available"]
    assert csms.find("StartTransaction") == []
    # The car that comes afterwards finds no authorization waiting for it.
    m = csms.index()
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=m)
    csms.wait_for("Heartbeat", after=csms.index())
    assert csms.find("StartTransaction") == []


# -- ocpp_compliance_tests.py: offline starts the CSMS finds invalid -------------------------------


@pytest.mark.parametrize("stop_on_invalid", [False, True], ids=["keep", "stop"])
def test_an_offline_start_the_csms_finds_invalid(make_station, csms, stop_on_invalid):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_offline_start_transaction_restore (keep:
    StopTransactionOnInvalidId false) and ::test_offline_start_transaction_restore_flow (stop:
    true): AllowOfflineTxForUnknownId and LocalAuthorizeOffline; offline, a tag the CSMS does
    not know starts a transaction; back online its StartTransaction.conf says Invalid. With the
    key true: StopTransaction DeAuthorized. With it false the transaction stays (no
    StopTransaction) until the same card stops it: StopTransaction Local."""
    station = make_station(ocpp_overrides={
        "Core": {"AllowOfflineTxForUnknownId": True, "LocalAuthorizeOffline": True,
                 "StopTransactionOnInvalidId": stop_on_invalid},
        "Internal": FAST_RECONNECT})
    booted(csms, station)
    csms.go_offline()
    wait_offline(station)
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "STRANGER", "connectors": [1]})
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is not None)
    n = csms.index()
    csms.go_online()
    wait_online(station)
    start = csms.wait_for("StartTransaction", after=n)
    assert (start["connectorId"], start["idTag"]) == (1, "STRANGER")
    tx_id = csms.tx_of(1)
    if stop_on_invalid:
        stop = csms.wait_for("StopTransaction", after=n)
        assert (stop["transactionId"], stop["reason"]) == (tx_id, "DeAuthorized")
        return
    m = csms.index()
    csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=m)
    assert csms.find("StopTransaction") == []
    station.api("POST", "/tokens", {"id_tag": "STRANGER", "connectors": [1]})
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"], stop["idTag"]) == (tx_id, "Local", "STRANGER")


def test_a_transaction_stopped_by_its_card_offline_is_reported_after_the_reconnect(
        make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_offline_stop_transaction: a car plugged
    in, RemoteStartTransaction of RFID1: StartTransaction; the CSMS goes away; RFID1 swiped
    stops the transaction offline; back online the StopTransaction of that transaction goes,
    reason Local, with RFID1."""
    station = make_station(ocpp_overrides={"Core": {"MeterValueSampleInterval": 10},
                                           "Internal": FAST_RECONNECT})
    n = booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1)) == {
        "status": "Accepted"}
    start, tx_id = charging(csms, 1, "RFID1", n)
    csms.go_offline()
    wait_offline(station)
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is None)
    assert csms.find("StopTransaction") == []
    m = csms.index()
    csms.go_online()
    wait_online(station)
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"], stop["idTag"]) == (tx_id, "Local", "RFID1")
    assert stop["meterStop"] >= start["meterStart"]


def test_sampled_meter_values_carry_the_configured_measurands(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_sampled_meter_values:
    MeterValuesSampledData Energy.Active.Import.Register,SoC,Current.Offered,Power.Offered
    (read back by GetConfiguration), MeterValueSampleInterval 2, ClockAlignedDataInterval 0;
    a remote-started transaction: MeterValues of the transaction, Sample.Periodic, 2 s apart,
    with every configured measurand in the configured order: Energy.Active.Import.Register,
    SoC (location EV), Current.Offered and Power.Offered (location Outlet, as libocpp writes
    them; Power.Offered is the offered current on the EVSE's three phases at 230 V, as
    everest-core's EvseManager limits give it). RemoteStopTransaction: StopTransaction Remote."""
    measurands = "Energy.Active.Import.Register,SoC,Current.Offered,Power.Offered"
    station = make_station(ocpp_overrides={"Core": {
        "MeterValuesSampledData": measurands, "MeterValueSampleInterval": 2,
        "ClockAlignedDataInterval": 0}})
    n = booted(csms, station)
    assert csms.call(call.GetConfiguration(key=["MeterValuesSampledData"]))[
        "configurationKey"] == [{"key": "MeterValuesSampledData", "readonly": False,
                                 "value": measurands}]
    station.api("POST", "/connectors/1/plug-in")
    assert csms.call(call.RemoteStartTransaction(id_tag="RFID1", connector_id=1)) == {
        "status": "Accepted"}
    _, tx_id = charging(csms, 1, "RFID1", n)
    m = csms.index()
    csms.wait_count("MeterValues", 4, lambda p: p.get("transactionId") == tx_id, after=m)
    values = [p for p in csms.find("MeterValues", after=m) if p.get("transactionId") == tx_id]
    times = [timestamp(p["meterValue"][0]["timestamp"]) for p in values[:4]]
    for a, b in zip(times, times[1:]):
        assert abs((b - a).total_seconds() - 2) <= 1, times
    for p in values[:4]:
        sampled = p["meterValue"][0]["sampledValue"]
        assert {v["context"] for v in sampled} == {"Sample.Periodic"}, p
        assert [(v["measurand"], v.get("location")) for v in sampled] == [
            ("Energy.Active.Import.Register", None), ("SoC", "EV"),
            ("Current.Offered", "Outlet"), ("Power.Offered", "Outlet")], p
        offered = {v["measurand"]: float(v["value"]) for v in sampled}
        assert offered["Power.Offered"] == offered["Current.Offered"] * 230 * 3, p
        assert [v.get("unit") for v in sampled[2:]] == ["A", "W"], p
    s = csms.index()
    assert csms.call(call.RemoteStopTransaction(transaction_id=tx_id)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=s)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Remote")


def test_everests_reset_to_idle_sequence(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_reset_to_idle, EVerest's set-up step:
    ChangeConfiguration MeterValueSampleInterval 0, ClockAlignedDataInterval 0 and
    LocalPreAuthorize false: Accepted; ChangeAvailability of connector 0 Operative: Accepted;
    SendLocalList Full, version 0, no entries: Accepted; ClearChargingProfile id 1, connector 1,
    TxDefaultProfile, stackLevel 0 with no profile installed: Unknown, as libocpp's
    handleClearChargingProfileRequest answers when nothing matches (EVerest's test expects
    Accepted there)."""
    station = make_station()
    booted(csms, station)
    for key in ("MeterValueSampleInterval", "ClockAlignedDataInterval"):
        assert csms.call(call.ChangeConfiguration(key=key, value="0")) == {"status": "Accepted"}
    assert csms.call(call.ChangeConfiguration(key="LocalPreAuthorize", value="false")) == {
        "status": "Accepted"}
    assert csms.call(call.ChangeAvailability(connector_id=0, type=AvailabilityType.operative)) \
        == {"status": "Accepted"}
    assert csms.call(call.SendLocalList(list_version=0, update_type="Full")) == {
        "status": "Accepted"}
    assert csms.call(call.GetLocalListVersion()) == {"listVersion": 0}
    assert csms.call(call.ClearChargingProfile(
        id=1, connector_id=1, charging_profile_purpose="TxDefaultProfile", stack_level=0)) == {
        "status": "Unknown"}


# -- change_availability.py and Reset ------------------------------------------------------------


def _answer_of_status_trigger(csms, connector: int) -> str:
    """TriggerMessage StatusNotification for `connector`: Accepted; the status it sends."""
    n = csms.index()
    assert csms.call(call.TriggerMessage(requested_message=MessageTrigger.status_notification,
                                         connector_id=connector)) == {"status": "Accepted"}
    return csms.wait_for("StatusNotification", lambda p: p["connectorId"] == connector,
                         after=n)["status"]


def test_change_availability_of_an_idle_connector_twice_then_back(make_station, csms):
    """Mirrors EVerest: change_availability.py::test_change_availability: ChangeAvailability
    Inoperative of idle connector 1: Accepted, StatusNotification Unavailable / NoError; the
    same request again: Accepted and no StatusNotification; Operative: Accepted, Available."""
    station = make_station()
    n = booted(csms, station)
    assert csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.inoperative)) \
        == {"status": "Accepted"}
    unavailable = csms.wait_for("StatusNotification", status(1, "Unavailable"), after=n)
    assert unavailable["errorCode"] == "NoError"
    m = csms.index()
    assert csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.inoperative)) \
        == {"status": "Accepted"}
    csms.wait_for("Heartbeat", after=m)
    assert csms.find("StatusNotification", after=m) == []
    assert csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.operative)) \
        == {"status": "Accepted"}
    available = csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    assert available["errorCode"] == "NoError"
    assert statuses(csms, 1, after=n) == ["Unavailable", "Available"]


def test_change_availability_of_the_station_reports_every_connector(make_station, csms):
    """Mirrors EVerest: change_availability.py::test_change_availability_connector_zero: two
    EVSEs, ChangeAvailability Inoperative for connector 0: Accepted, Unavailable for 0, 1 and
    2; Operative: Accepted, Available for 0, 1 and 2."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=TWO_EVSES)
    n = booted(csms, station, connectors=(1, 2))
    assert csms.call(call.ChangeAvailability(connector_id=0, type=AvailabilityType.inoperative)) \
        == {"status": "Accepted"}
    for c in (0, 1, 2):
        csms.wait_for("StatusNotification", status(c, "Unavailable"), after=n)
    m = csms.index()
    assert csms.call(call.ChangeAvailability(connector_id=0, type=AvailabilityType.operative)) \
        == {"status": "Accepted"}
    for c in (0, 1, 2):
        csms.wait_for("StatusNotification", status(c, "Available"), after=m)
    for c in (0, 1, 2):
        assert statuses(csms, c, after=n) == ["Unavailable", "Available"], c


def test_change_availability_of_the_station_waits_for_a_preparing_connector(make_station, csms):
    """Mirrors EVerest: change_availability.py::test_change_availability_scheduled_in_preparing:
    two EVSEs, a car plugged in at 1 (Preparing, no transaction); ChangeAvailability
    Inoperative for connector 0: Scheduled; connectors 0 and 2 go Unavailable at once, 1 only
    once the car has left."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides=TWO_EVSES)
    n = booted(csms, station, connectors=(1, 2))
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    m = csms.index()
    assert csms.call(call.ChangeAvailability(connector_id=0, type=AvailabilityType.inoperative)) \
        == {"status": "Scheduled"}
    csms.wait_for("StatusNotification", status(0, "Unavailable"), after=m)
    csms.wait_for("StatusNotification", status(2, "Unavailable"), after=m)
    assert statuses(csms, 1, after=m) == []
    u = csms.index()
    station.api("POST", "/connectors/1/unplug")
    csms.wait_for("StatusNotification", status(1, "Unavailable"), after=u)
    assert "Available" not in statuses(csms, 1, after=u)


@pytest.mark.parametrize("kind", ["Hard", "Soft"])
def test_a_reset_keeps_an_unavailable_connector_unavailable(make_station, csms, kind):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_hard_reset_no_tx and
    ::test_soft_reset_without_tx: connector 1 made Inoperative (Unavailable); Reset without a
    transaction: Accepted, the station boots again (a new connection, BootNotification) with
    connector 1 Unavailable; ChangeAvailability Operative: Available."""
    station = make_station()
    n = booted(csms, station)
    assert csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.inoperative)) \
        == {"status": "Accepted"}
    csms.wait_for("StatusNotification", status(1, "Unavailable"), after=n)
    m = csms.index()
    assert csms.call(call.Reset(type=kind)) == {"status": "Accepted"}
    boot = csms.wait_index("BootNotification", after=m, timeout=30)
    assert csms.connections() == 2
    csms.wait_for("StatusNotification", status(1, "Unavailable"), after=boot)
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted"
                       and s["connectors"][0]["status"] == "Unavailable")
    assert "Available" not in statuses(csms, 1, after=boot)
    p = csms.index()
    assert csms.call(call.ChangeAvailability(connector_id=1, type=AvailabilityType.operative)) \
        == {"status": "Accepted"}
    csms.wait_for("StatusNotification", status(1, "Available"), after=p)


# -- booting.py ----------------------------------------------------------------------------------


def test_a_boot_notification_answered_with_a_callerror_is_retried_after_sixty_seconds(
        make_station, csms):
    """Mirrors EVerest: broken.py::test_boot_notification_call_error: the first
    BootNotification is answered with a CALLERROR (InternalError); the websocket is closed and
    opened again. The retry comes where libocpp's boot timer puts it, 60 s after the CALLERROR
    (libocpp's connected_callback sends nothing on a reconnection before the boot is
    accepted), within EVerest's 70 s wait, and nothing else is sent meanwhile. The retry has
    the same fields; once Accepted the connectors are reported."""
    csms.fail("BootNotification", code="InternalError")
    station = make_station(ocpp_overrides={"Internal": FAST_RECONNECT})
    first = csms.wait_for("BootNotification")
    i, request = csms.call_frame("BootNotification")
    _, answer = csms.answer_to(request[1], after=i, direction="out")
    assert answer[0] == 4 and answer[2] == "InternalError", answer
    failed_at = csms.times[0]
    station.api("POST", "/ocpp/disconnect")
    wait_offline(station)
    n = csms.index()
    f = csms.frame_count()
    station.api("POST", "/ocpp/connect")
    csms.wait_connections(2)
    second = csms.wait_index("BootNotification", after=n, timeout=75)
    assert csms.messages[second][1] == first
    assert 55 < csms.times[second] - failed_at < 70, csms.times[second] - failed_at
    assert calls_since(csms, f)[0] == "BootNotification"
    booted(csms, station, after=n)


def test_triggered_messages_go_out_while_pending(make_station, csms):
    """Mirrors EVerest: booting.py::test_initiate_message_in_pending: while the BootNotification
    is Pending, TriggerMessage StatusNotification, BootNotification, Heartbeat,
    DiagnosticsStatusNotification and FirmwareStatusNotification, and ExtendedTriggerMessage
    SignChargePointCertificate, are each Accepted and followed by their message
    (DiagnosticsStatusNotification and FirmwareStatusNotification Idle, SignCertificate with a
    CSR); then the triggered BootNotification is Accepted and the connectors are reported."""
    csms.boot_statuses = ["Pending"]
    csms.boot_interval = 30
    station = make_station()
    csms.wait_for("BootNotification")
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Pending")
    for message, action in [
            (MessageTrigger.status_notification, "StatusNotification"),
            (MessageTrigger.heartbeat, "Heartbeat"),
            (MessageTrigger.diagnostics_status_notification, "DiagnosticsStatusNotification"),
            (MessageTrigger.firmware_status_notification, "FirmwareStatusNotification")]:
        f = csms.frame_count()
        n = csms.index()
        assert csms.call(call.TriggerMessage(requested_message=message)) == {
            "status": "Accepted"}, message
        sent = csms.wait_for(action, after=n)
        if action.endswith("StatusNotification") and action != "StatusNotification":
            assert sent == {"status": "Idle"}, (action, sent)
        assert action in calls_since(csms, f)
    n = csms.index()
    assert csms.call(call.ExtendedTriggerMessage(
        requested_message="SignChargePointCertificate")) == {"status": "Accepted"}
    assert csms.wait_for("SignCertificate", after=n)["csr"].startswith(
        "-----BEGIN CERTIFICATE REQUEST-----\n")
    n = csms.index()
    assert csms.call(call.TriggerMessage(requested_message=MessageTrigger.boot_notification)) \
        == {"status": "Accepted"}
    csms.wait_for("BootNotification", after=n)
    booted(csms, station, after=n)

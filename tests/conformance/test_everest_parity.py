"""Parity with EVerest's OCPP 1.6 pytest suite (everest-core
tests/ocpp_tests/test_sets/ocpp16/*.py): one scenario per behaviour where ferrocharge differed
from what an EVerest station does, each naming the EVerest test it mirrors (file and test).
Checked on the exact OCPP messages the test CSMS receives; every wait is on a message or a
state, bounded by a timeout."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

from ocpp.v16 import call

from conformance_station import free_port
from core_steps import booted, session
from smart_charging_steps import now_utc, profile, whole_second


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _statuses(csms, action: str, after: int) -> list:
    return [p["status"] for a, p in csms.messages[after:] if a == action]


# -- Firmware and diagnostics retries ----------------------------------------------------------


def test_every_firmware_download_attempt_is_reported(make_station, csms):
    """Mirrors EVerest: firmware_and_diagnostics_tests.py::test_firwmare_update_retries: UpdateFirmware
    from an unreachable FTP location with retries 2 and retryInterval 2: three attempts, each
    reported FirmwareStatusNotification Downloading then DownloadFailed."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    location = f"ftp://user:12345@127.0.0.1:{free_port()}/firmware_update.pnx"
    assert csms.call(call.UpdateFirmware(location=location, retrieve_date=_now(), retries=2,
                                         retry_interval=2)) == {}
    csms.wait_count("FirmwareStatusNotification", 3, lambda p: p["status"] == "DownloadFailed",
                    after=m, timeout=20)
    csms.wait_quiet()
    assert _statuses(csms, "FirmwareStatusNotification", m) == [
        "Downloading", "DownloadFailed"] * 3
    # The update is over: nothing is installed, the connector stays Available.
    assert csms.find("BootNotification", after=m) == []
    assert [c["status"] for c in station.state()["connectors"]] == ["Available"]


def test_every_diagnostics_upload_attempt_is_reported(make_station, csms):
    """Mirrors EVerest: firmware_and_diagnostics_tests.py::test_get_diagnostics_retries: GetDiagnostics
    to an unreachable FTP location with retries 2 and retryInterval 2: three attempts, each
    reported DiagnosticsStatusNotification Uploading then UploadFailed."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    start = dt.datetime.now(dt.timezone.utc)
    answer = csms.call(call.GetDiagnostics(
        location=f"ftp://user:12345@127.0.0.1:{free_port()}", retries=2, retry_interval=2,
        start_time=start.isoformat(), stop_time=(start + dt.timedelta(days=3)).isoformat()))
    assert answer["fileName"].endswith(".tar.gz"), answer
    csms.wait_count("DiagnosticsStatusNotification", 3,
                    lambda p: p["status"] == "UploadFailed", after=m, timeout=20)
    csms.wait_quiet()
    assert _statuses(csms, "DiagnosticsStatusNotification", m) == [
        "Uploading", "UploadFailed"] * 3


def test_every_security_log_upload_attempt_is_reported(make_station, csms):
    """Mirrors EVerest: firmware_and_diagnostics_tests.py::test_upload_security_log_retries: GetLog
    SecurityLog to an unreachable FTP location with retries 2 and retryInterval 2: Accepted,
    then three attempts, each reported LogStatusNotification Uploading then UploadFailure with
    the requestId."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    oldest = dt.datetime.now(dt.timezone.utc)
    answer = csms.call(call.GetLog(
        log={"remoteLocation": f"ftp://user:12345@127.0.0.1:{free_port()}",
             "oldestTimestamp": oldest.isoformat(),
             "latestTimestamp": (oldest + dt.timedelta(days=3)).isoformat()},
        log_type="SecurityLog", request_id=1, retries=2, retry_interval=2))
    assert answer["status"] == "Accepted", answer
    csms.wait_count("LogStatusNotification", 3, lambda p: p["status"] == "UploadFailure",
                    after=m, timeout=20)
    csms.wait_quiet()
    assert [(p["status"], p["requestId"]) for a, p in csms.messages[m:]
            if a == "LogStatusNotification"] == [("Uploading", 1), ("UploadFailure", 1)] * 3


# -- UnlockConnector -----------------------------------------------------------------------------


def _without_connector_lock(yaml: str) -> str:
    """The EvseManager loses its connector_lock connection: a fixed cable, as everest-core's
    everest-config-two-connectors.yaml."""
    lock = ("      connector_lock:\n"
            "        - module_id: yeti_driver_1\n"
            "          implementation_id: connector_lock\n")
    assert lock in yaml
    return yaml.replace(lock, "", 1)


def test_unlock_without_a_connector_lock_is_not_supported_and_the_transaction_goes_on(
        make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_unlock_connector_no_charging_fixed_cable and
    ::test_unlock_connector_with_charging_session_fixed_cable: an EVSE without a connector
    lock answers UnlockConnector NotSupported, idle or charging; the transaction goes on and
    ends with RemoteStopTransaction (reason Remote)."""
    station = make_station(yaml_edit=_without_connector_lock)
    n = booted(csms, station)
    assert csms.call(call.UnlockConnector(connector_id=1)) == {"status": "NotSupported"}
    _, tx_id = session(csms, station)
    m = csms.index()
    assert csms.call(call.UnlockConnector(connector_id=1)) == {"status": "NotSupported"}
    # Still charging: a MeterValues of the transaction comes, no StopTransaction.
    csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=m)
    assert csms.find("StopTransaction", after=n) == []
    assert csms.call(call.RemoteStopTransaction(transaction_id=tx_id)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Remote")


def test_unlock_without_a_connector_lock_stops_the_transaction_when_configured(
        make_station, csms):
    """Mirrors libocpp's StopTransactionIfUnlockNotSupported as everest-core's
    ocpp_compliance_tests.py::test_unlock_connector_with_charging_session_fixed_cable sets the
    scene (no connector lock, a transaction running): with the key true, NotSupported and the
    transaction stops with reason UnlockCommand."""
    station = make_station(yaml_edit=_without_connector_lock,
                           ocpp_overrides={"Internal": {"StopTransactionIfUnlockNotSupported": True}})
    booted(csms, station)
    _, tx_id = session(csms, station)
    m = csms.index()
    assert csms.call(call.UnlockConnector(connector_id=1)) == {"status": "NotSupported"}
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "UnlockCommand")


def test_unlock_with_a_lock_that_does_not_open_fails(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_unlock_connector_failure (skipped in EVerest: its
    SIL cannot make the lock fail; here the lock reports ConnectorLockFailedUnlock): the answer
    is UnlockFailed. ::test_unlock_unknown_connector: connector 2 of a one-connector station
    is NotSupported. ::test_unlock_connector_no_charging_no_fixed_cable: once the error
    clears, Unlocked."""
    station = make_station()
    booted(csms, station)
    assert csms.call(call.UnlockConnector(connector_id=2)) == {"status": "NotSupported"}
    error = {"type": "connector_lock/ConnectorLockFailedUnlock"}
    station.api("POST", "/connectors/1/errors", {**error, "raise": True})
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Faulted")
    assert csms.call(call.UnlockConnector(connector_id=1)) == {"status": "UnlockFailed"}
    station.api("POST", "/connectors/1/errors", {**error, "raise": False})
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Available")
    assert csms.call(call.UnlockConnector(connector_id=1)) == {"status": "Unlocked"}


# -- StopTransaction reason ----------------------------------------------------------------------


def test_a_local_stop_says_reason_local(make_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_regular_charging_session_plugin: plug in, swipe,
    charge, swipe the same card: Finishing, then StopTransaction with reason Local written out
    (OCPP 1.6 makes Local the default of a missing reason; libocpp always sends it, and EVerest's
    validate_standard_stop_transaction compares it)."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station, "RFID1")
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    csms.wait_for("StatusNotification",
                  lambda p: p["connectorId"] == 1 and p["status"] == "Finishing", after=m)
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"], stop["idTag"]) == (tx_id, "Local", "RFID1")


# -- OCPP module parameters ----------------------------------------------------------------------


def _ocpp_parameter(name: str, value) -> callable:
    """A yaml_edit giving the OCPP module's config_module `name: value`."""
    def edit(yaml: str) -> str:
        anchor = "      DatabasePath: db\n"
        assert anchor in yaml
        return yaml.replace(anchor, f"{anchor}      {name}: {value}\n", 1)
    return edit


def test_message_queue_resume_delay_lets_the_csms_speak_first_after_a_reconnect(
        make_station, csms):
    """Mirrors everest-core's OCPP module parameter MessageQueueResumeDelay
    (modules/EVSE/OCPP/manifest.yaml; EVerest's pytest suite has no scenario of its own, its
    OCTT setup sets it): after a reconnect the station sends none of its own messages for that
    long, while it answers the CSMS at once; the first connection is not delayed."""
    station = make_station(yaml_edit=_ocpp_parameter("MessageQueueResumeDelay", 4))
    booted(csms, station)
    station.api("POST", "/ocpp/disconnect")
    station.wait_state(lambda s: not s["ocpp"]["connected"])
    m = csms.index()
    f = csms.frame_count()
    station.api("POST", "/ocpp/connect")
    csms.wait_connections(2)
    connected_at = time.monotonic()
    answer = csms.call(call.GetConfiguration(key=["HeartbeatInterval"]))
    assert answer["configurationKey"][0]["value"] == "2"
    # The queue resumes: the reconnect's StatusNotification, then the heartbeats.
    first = csms.wait_index("StatusNotification", after=m, timeout=15)
    assert csms.times[first] - connected_at >= 3.5
    kinds = [(d, json.loads(t)[0]) for d, t in csms.frames[f:]]
    first_call = kinds.index(("in", 2))
    answered = kinds.index(("in", 3))
    assert answered < first_call, kinds


def test_reset_stop_delay_keeps_the_station_up_after_the_last_stop_transaction(
        make_station, csms):
    """Mirrors everest-core's OCPP module parameter ResetStopDelay (modules/EVSE/OCPP/OCPP.cpp,
    its reset callback sleeps that long before it stops the charge point; EVerest's pytest
    suite has no scenario of its own): Reset during a transaction, StopTransaction SoftReset
    confirmed, then the station stays connected for the delay before it restarts."""
    station = make_station(yaml_edit=_ocpp_parameter("ResetStopDelay", 3))
    booted(csms, station)
    _, tx_id = session(csms, station)
    m = csms.index()
    assert csms.call(call.Reset(type="Soft")) == {"status": "Accepted"}
    stop = csms.wait_index("StopTransaction", after=m)
    assert (csms.messages[stop][1]["transactionId"], csms.messages[stop][1]["reason"]) == (
        tx_id, "SoftReset")
    boot = csms.wait_index("BootNotification", after=m, timeout=20)
    assert csms.times[boot] - csms.times[stop] >= 3
    csms.wait_connections(2)


def test_delay_ocpp_start_holds_the_connection_back(make_station, csms):
    """Mirrors everest-core's OCPP module parameter DelayOcppStart (modules/EVSE/OCPP/OCPP.cpp,
    OCPP::ready sleeps that many milliseconds before ChargePoint::start; EVerest's pytest suite
    has no scenario of its own): the station connects and sends its BootNotification no sooner
    than the delay after it was started."""
    started = time.monotonic()
    station = make_station(yaml_edit=_ocpp_parameter("DelayOcppStart", 3000), wait=False)
    boot = csms.wait_index("BootNotification", timeout=20)
    assert csms.times[boot] - started >= 3
    booted(csms, station)


# -- Scenarios EVerest has -----------------------------------------------------------------------


def test_a_card_swiped_while_finishing_stops_and_starts_nothing(make_station, csms):
    """Mirrors EVerest: authorization_tests.py::test_swipe_on_finishing: a transaction stopped by its
    card (Finishing, StopTransaction Local); the same card swiped again while Finishing starts
    no transaction and stops nothing; the car leaves and the connector is Available."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station, "RFID1")
    m = csms.index()
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    csms.wait_for("StatusNotification",
                  lambda p: p["connectorId"] == 1 and p["status"] == "Finishing", after=m)
    stop = csms.wait_for("StopTransaction", after=m)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Local")
    station.wait_state(lambda s: s["connectors"][0]["transaction_id"] is None)
    f = csms.index()
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    station.wait_state(lambda s: (s["connectors"][0].get("authorization") or {}).get("id_tag")
                       == "RFID1" and s["connectors"][0]["status"] == "Finishing", timeout=10)
    station.api("POST", "/connectors/1/unplug")
    csms.wait_for("StatusNotification",
                  lambda p: p["connectorId"] == 1 and p["status"] == "Available", after=f)
    csms.wait_quiet()
    assert csms.find("StopTransaction", after=f) == []
    assert csms.find("StartTransaction", after=f) == []
    assert station.state()["connectors"][0]["status"] == "Available"


def test_authorization_key_changed_while_pending_reconnects_with_it(make_station, csms):
    """Mirrors EVerest: booting.py::test_change_authorization_key_in_pending: security profile 1, the
    CSMS answers the BootNotification Pending, reads the configuration, changes
    MeterValueSampleInterval and the AuthorizationKey: the station connects again with the new
    key (HTTP basic auth), boots, is Accepted, sends StatusNotification Available and
    Heartbeats."""
    csms.boot_statuses = ["Pending"]
    csms.boot_interval = 10
    station = make_station(ocpp_overrides={
        "Security": {"SecurityProfile": 1, "AuthorizationKey": "0123456789abcdef"}})
    csms.wait_for("BootNotification")
    answer = csms.call(call.GetConfiguration())
    assert len(answer["configurationKey"]) > 20
    assert all(k["key"] != "AuthorizationKey" for k in answer["configurationKey"])
    assert csms.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="10")) == {
        "status": "Accepted"}
    m = csms.index()
    assert csms.call(call.ChangeConfiguration(key="AuthorizationKey",
                                              value="DEADBEEFDEADBEEF")) == {"status": "Accepted"}
    csms.wait_connections(2)
    expected = "Basic " + base64.b64encode(b"cp001:DEADBEEFDEADBEEF").decode()
    assert csms.authorizations[1] == expected
    assert csms.authorizations[0] == "Basic " + base64.b64encode(
        b"cp001:0123456789abcdef").decode()
    boot = csms.wait_index("BootNotification", after=m)
    csms.wait_for("StatusNotification",
                  lambda p: p["connectorId"] == 1 and p["status"] == "Available", after=boot)
    csms.wait_for("Heartbeat", after=boot)
    assert station.state()["ocpp"]["registration"] == "Accepted"


# -- Eichrecht -----------------------------------------------------------------------------------


def _keys(answer: dict) -> list:
    return [(k["key"], k["readonly"], k.get("value")) for k in answer.get("configurationKey") or []]


def test_meter_public_keys_come_from_the_powermeters(make_station, csms):
    """Mirrors EVerest: eichrecht.py::test_meter_public_key: two EVSEs whose YetiSimulator powermeters
    publish TESTPUBLICKEY1 and TESTPUBLICKEY2: GetConfiguration reports MeterPublicKey1 and
    MeterPublicKey2 (read-only) by name and among all keys; MeterPublicKey3, MeterPublicKey,
    MeterPublicKeyMeterPublicKey1, MeterPublicKey1X, MeterPublicKeybanana and MeterPublicKey0
    are unknown; ChangeConfiguration of MeterPublicKey1 is Rejected."""
    station = make_station("config-sil-ocpp.yaml")
    booted(csms, station, connectors=(1, 2))
    for n in (1, 2):
        answer = csms.call(call.GetConfiguration(key=[f"MeterPublicKey{n}"]))
        assert _keys(answer) == [(f"MeterPublicKey{n}", True, f"TESTPUBLICKEY{n}")]
    for unknown in ("MeterPublicKey3", "MeterPublicKey", "MeterPublicKeyMeterPublicKey1",
                    "MeterPublicKey1X", "MeterPublicKeybanana", "MeterPublicKey0"):
        answer = csms.call(call.GetConfiguration(key=[unknown]))
        assert (answer["unknownKey"], _keys(answer)) == ([unknown], []), unknown
    every = _keys(csms.call(call.GetConfiguration()))
    assert ("MeterPublicKey1", True, "TESTPUBLICKEY1") in every
    assert ("MeterPublicKey2", True, "TESTPUBLICKEY2") in every
    assert csms.call(call.ChangeConfiguration(key="MeterPublicKey1", value="TEST")) == {
        "status": "Rejected"}


# -- minChargingRate -----------------------------------------------------------------------------


def _tx_profile(tx_id: int, limit: float, min_rate: float | None) -> dict:
    p = profile(7, "TxProfile", [(0, limit)], transaction_id=tx_id,
                start=whole_second(now_utc()) - dt.timedelta(seconds=1))
    if min_rate is not None:
        p["charging_schedule"]["min_charging_rate"] = min_rate
    return p


def test_min_charging_rate_raises_the_minimum_current(make_station, csms):
    """Mirrors everest-core's OCPP module (modules/EVSE/OCPP/OCPP.cpp, set_external_limits: a
    schedule's minChargingRate becomes the limit's ac_min_current_A for the energy manager;
    EVerest's pytest suite has no scenario of its own): a TxProfile of 8 A lets the EVSE offer
    8 A (above the 6 A every EVSE needs); with minChargingRate 10 the EVSE gets nothing and
    pauses (SuspendedEVSE); a limit of 12 A with minChargingRate 10 is offered again."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    for limit, min_rate, offered, status in ((8, None, 8, "Charging"),
                                             (8, 10, 0, "SuspendedEVSE"),
                                             (12, 10, 12, "Charging")):
        m = csms.index()
        answer = csms.call(call.SetChargingProfile(
            connector_id=1, cs_charging_profiles=_tx_profile(tx_id, limit, min_rate)))
        assert answer == {"status": "Accepted"}
        station.wait_state(lambda s: s["connectors"][0]["limit_a"] == offered
                           and s["connectors"][0]["status"] == status)
        if status == "SuspendedEVSE":
            csms.wait_for("StatusNotification",
                          lambda p: p["connectorId"] == 1 and p["status"] == "SuspendedEVSE",
                          after=m)

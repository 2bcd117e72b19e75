"""The control API's answers table (docs/control-api.md, "Answers"), row by row, against the
real station: a 200 means done — the very next GET /state shows it — or says what it started;
every refusal has its status and changes nothing. (504, a command the state did not show within
5 s, cannot be provoked from outside: crates/station/tests/control_api checks its status.)"""

from __future__ import annotations

from core_steps import booted, session, status


def refused(station, method, path, body, code, text):
    answer = station.api(method, path, body, expect=code)
    assert set(answer) == {"error"} and text in answer["error"], answer
    return answer


def test_200_means_done_the_next_state_shows_it(make_station, csms):
    station = make_station()
    booted(csms, station)
    assert station.api("POST", "/connectors/1/plug-in") == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["plugged"], c["car"], c["status"]) == (True, "plugged_in", "Preparing")
    # Unplug and plug in again at once: each is done when answered, so both are taken.
    assert station.api("POST", "/connectors/1/unplug") == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["plugged"], c["car"], c["status"]) == (False, "unplugged", "Available")
    assert station.api("POST", "/connectors/1/plug-in") == {"ok": True}
    assert station.state()["connectors"][0]["plugged"] is True

    n = csms.index()
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    csms.wait_for("StatusNotification", status(1, "Charging"), after=n)
    station.wait_state(lambda s: s["connectors"][0]["car"] == "drawing"
                       and s["connectors"][0]["status"] == "Charging")
    assert station.api("POST", "/connectors/1/ev-pause") == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["car"], c["status"]) == ("paused", "SuspendedEV")
    assert station.api("POST", "/connectors/1/ev-resume") == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["car"], c["status"]) == ("drawing", "Charging")

    kind = "evse_board_support/MREC4OverCurrentFailure"
    assert station.api("POST", "/connectors/1/errors", {"type": kind, "raise": True}) == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["fault"], c["status"], c["error_code"]) == ([kind], "Faulted", "OverCurrentFailure")
    assert station.api("POST", "/connectors/1/errors", {"type": kind, "raise": False}) == {"ok": True}
    c = station.state()["connectors"][0]
    assert c["fault"] == [] and c["status"] != "Faulted" and c["error_code"] == "NoError"

    assert station.api("POST", "/connectors/1/stop-transaction", {"reason": "Local"}) == {"ok": True}
    c = station.state()["connectors"][0]
    assert (c["transaction"], c["transaction_id"], c["status"]) == (None, None, "Finishing")

    assert station.api("POST", "/ocpp/disconnect") == {"ok": True}
    ocpp = station.state()["ocpp"]
    assert (ocpp["connected"], ocpp["offline_requested"]) == (False, True)


def test_200_for_what_only_starts_says_what_goes_on(make_station, csms):
    station = make_station()
    booted(csms, station)
    answer = station.api("POST", "/connectors/1/car-script", {"script": "sleep 1;iec_wait_pwr_ready"})
    assert answer == {"ok": True, "started": "the car runs the script from its next step"}
    station.api("POST", "/ocpp/disconnect")
    answer = station.api("POST", "/ocpp/connect")
    assert answer == {"ok": True, "started": "connecting to the CSMS"}
    station.wait_state(lambda s: s["ocpp"]["connected"])


def test_get_state_is_the_document(make_station, csms):
    station = make_station()
    booted(csms, station)
    state = station.api("GET", "/state")
    assert set(state) == {"ocpp", "connectors", "display_messages", "store_recovered", "mqtt",
                          "certificates", "security_events", "default_price"}
    assert state["mqtt"] is None, "no module of this station speaks MQTT"
    assert state["store_recovered"] == []
    assert state["certificates"] == []
    # California Pricing is on in the shipped config: its default price, and no session yet.
    assert state["default_price"]["text"] == "0.35 USD/kWh, no idle fee"
    assert state["connectors"][0]["pricing"] is None
    # The security log's last events: this start's.
    assert [(e["type"], e["critical"]) for e in state["security_events"]] == [
        ("StartupOfTheDevice", True)]
    assert set(state["security_events"][0]) == {"time", "type", "tech_info", "critical"}
    assert set(state["ocpp"]) == {"connected", "registration", "charge_point_id", "queued",
                                  "last_error", "offline_requested"}
    assert set(state["connectors"][0]) >= {"id", "status", "error_code", "transaction_id",
                                           "limit_a", "limit_source", "fault", "authorization",
                                           "pricing"}


def test_400_bad_input_changes_nothing(make_station, csms):
    station = make_station()
    booted(csms, station)
    before = station.state()
    refused(station, "POST", "/connectors/1/plug-in", {"phases": 2}, 400, "phases: 2 is not 1 or 3")
    refused(station, "POST", "/connectors/1/errors", {"type": "VendorError", "raise": True}, 400,
            "'VendorError' is ambiguous")
    refused(station, "POST", "/connectors/1/errors", {"type": "Bogus", "raise": True}, 400,
            "unknown error type 'Bogus'")
    refused(station, "POST", "/tokens", {"id_tag": ""}, 400, "id_tag")
    assert station.state() == before


def test_404_unknown_connectors_and_routes(make_station, csms):
    station = make_station()
    booted(csms, station)
    refused(station, "POST", "/connectors/5/plug-in", None, 404, "no connector '5'")
    refused(station, "POST", "/tokens", {"id_tag": "RFID1", "connectors": [5]}, 404,
            "no connector 5")
    refused(station, "POST", "/tokens", {"id_tag": "RFID1", "provider": "nobody"}, 404,
            "no DummyTokenProviderManual 'nobody'")
    refused(station, "GET", "/nowhere", None, 404, "no such route")
    assert station.state()["connectors"][0]["authorization"] is None


def test_405_wrong_method(make_station, csms):
    station = make_station()
    booted(csms, station)
    refused(station, "GET", "/tokens", None, 405, "method not allowed")


def test_409_what_does_not_fit_the_state_changes_nothing(make_station, csms):
    station = make_station()
    booted(csms, station)
    refused(station, "POST", "/connectors/1/unplug", None, 409, "no car is plugged in")
    refused(station, "POST", "/connectors/1/ev-pause", None, 409, "no car is plugged in")
    refused(station, "POST", "/connectors/1/stop-transaction", {}, 409, "no transaction runs")
    refused(station, "POST", "/ocpp/connect", None, 409, "connected to the CSMS already")
    kind = "ac_rcd/DC"
    refused(station, "POST", "/connectors/1/errors", {"type": kind, "raise": False}, 409,
            "is not raised")
    station.api("POST", "/connectors/1/errors", {"type": kind, "raise": True})
    refused(station, "POST", "/connectors/1/errors", {"type": kind, "raise": True}, 409,
            "is raised already")
    station.api("POST", "/connectors/1/errors", {"type": kind, "raise": False})
    station.api("POST", "/connectors/1/plug-in")
    refused(station, "POST", "/connectors/1/plug-in", None, 409, "already plugged in")
    refused(station, "POST", "/connectors/1/ev-pause", None, 409, "is not drawing power")
    # Plugged in, waiting for the EVSE to offer power: nothing to resume.
    refused(station, "POST", "/connectors/1/ev-resume", None, 409, "is not paused")
    station.api("POST", "/ocpp/disconnect")
    refused(station, "POST", "/ocpp/disconnect", None, 409, "offline already")
    c = station.state()["connectors"][0]
    assert (c["plugged"], c["fault"], c["transaction"]) == (True, [], None)


def test_503_while_the_station_stops(make_station, csms):
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    # The CSMS refuses the StopTransaction twice: the station retries it (1 s apart here)
    # and waits for it before it exits.
    csms.fail("StopTransaction", times=2)
    answer = station.api("POST", "/station/stop")
    assert "started" in answer
    refused(station, "POST", "/connectors/1/unplug", None, 503, "the station is stopping")
    assert station.proc.wait(15) == 0
    stops = csms.find("StopTransaction", lambda p: p["transactionId"] == tx_id)
    assert stops and stops[-1]["reason"] == "Other"


def test_an_enable_of_higher_priority_than_the_csms_keeps_the_connector_available(make_station, csms):
    """EVerest's enable table: a key lock's enable at priority 10 outranks the CSMS's
    ChangeAvailability (priority 5000). The EVSE stays enabled, so the connector is reported
    Available and a session charges although the Inoperative is stored (libocpp: the
    EvseManager never publishes Disabled, so on_disabled never comes). When the key lock
    steps back the stored Inoperative applies: Unavailable; when it enables again: Available."""
    from ocpp.v16 import call

    station = make_station()
    booted(csms, station)

    def enable_disable(state: str) -> None:
        assert station.api("POST", "/connectors/1/enable-disable",
                           {"source": "LocalKeyLock", "state": state, "priority": 10}) == {"ok": True}

    enable_disable("Enable")
    m = csms.index()
    assert csms.call(call.ChangeAvailability(connector_id=1, type="Inoperative")) == {
        "status": "Accepted"}
    csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Available")
    csms.wait_quiet()
    assert csms.find("StatusNotification", after=m)[-1]["status"] == "Available"

    m = csms.index()
    enable_disable("Unassigned")
    csms.wait_for("StatusNotification", status(1, "Unavailable"), after=m)
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Unavailable")

    m = csms.index()
    enable_disable("Enable")
    csms.wait_for("StatusNotification", status(1, "Available"), after=m)
    _, tx_id = session(csms, station)
    assert tx_id > 0
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Charging")

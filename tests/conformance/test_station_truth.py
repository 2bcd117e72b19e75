"""What the station shows is what it does (DESIGN §3, docs/control-api.md "The state document"):
the control API's state comes from the charge-point core and the simulation, so it is as true
offline as online — a car charging offline shows Charging with its placeholder transaction,
the messages waiting for the CSMS and why the connection failed. Every wait is on a message or
a state, bounded by a timeout."""

from __future__ import annotations

from core_steps import FAST_RECONNECT, booted, charging, session, status, unplug_and_wait


def test_offline_the_state_shows_the_charging_session_and_what_waits_for_the_csms(
        make_station, csms):
    station = make_station(ocpp_overrides={"Internal": FAST_RECONNECT,
                                           "Core": {"LocalAuthorizeOffline": True}})
    booted(csms, station)
    # A first session online puts the tag in the authorization cache.
    _, first = session(csms, station)
    unplug_and_wait(csms, station, first)

    csms.go_offline()
    offline = station.wait_state(lambda s: not s["ocpp"]["connected"])
    failure = offline["ocpp"]["last_error"]
    assert failure is not None and failure["kind"] and failure["message"], failure

    n = csms.index()
    station.api("POST", "/connectors/1/plug-in")
    # Offline the core decides at once (the cache): the answer carries the result.
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    assert "started" not in answer
    assert (answer["authorization"]["id_tag"], answer["authorization"]["result"]) == (
        "RFID1", "Accepted")
    charging_offline = station.wait_state(
        lambda s: s["connectors"][0]["status"] == "Charging" and s["ocpp"]["queued"] >= 1
        and s["connectors"][0]["power_w"] > 0)
    c = charging_offline["connectors"][0]
    # The transaction as the core holds it: a placeholder id until the CSMS gives one.
    assert c["transaction"]["confirmed"] is False
    assert c["transaction_id"] == c["transaction"]["id"] and c["transaction_id"] < 0
    assert (c["id_tag"], c["transaction"]["id_tag"]) == ("RFID1", "RFID1")
    assert c["plugged"] is True and c["car"] == "drawing" and c["evse_state"] == "Charging"
    assert charging_offline["ocpp"]["connected"] is False
    assert csms.find("StartTransaction", after=n) == []

    # Back online: the queued StartTransaction goes, and the state takes the CSMS's id.
    csms.go_online()
    start = csms.wait_for("StartTransaction", lambda p: p["connectorId"] == 1, after=n)
    assert start["idTag"] == "RFID1"
    tx_id = csms.tx_of(1)
    online = station.wait_state(
        lambda s: s["connectors"][0]["transaction_id"] == tx_id
        and s["connectors"][0]["transaction"]["confirmed"] and s["ocpp"]["queued"] == 0)
    assert online["ocpp"]["connected"] is True
    assert online["ocpp"]["last_error"] is None


def test_a_rejected_card_shows_its_result_with_the_tag(make_station, csms):
    station = make_station()
    booted(csms, station)
    n = csms.index()
    station.api("POST", "/connectors/1/plug-in")
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=n)
    answer = station.api("POST", "/tokens", {"id_tag": "STOLEN", "connectors": [1]})
    # The CSMS answered the Authorize at once: the answer carries the result, and the state
    # shows it already.
    assert "started" not in answer
    assert (answer["authorization"]["id_tag"], answer["authorization"]["result"]) == (
        "STOLEN", "Invalid")
    state = station.state()
    shown = state["connectors"][0]["authorization"]
    assert (shown["id_tag"], shown["result"]) == ("STOLEN", "Invalid")
    assert state["connectors"][0]["transaction"] is None
    assert csms.find("StartTransaction", after=n) == []

    # An accepted one: shown Accepted at its connector, and it charges.
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    charging(csms, 1, "RFID1", n)
    state = station.wait_state(lambda s: s["connectors"][0]["authorization"]["result"] == "Accepted")
    assert state["connectors"][0]["authorization"]["id_tag"] == "RFID1"


def test_the_card_of_the_running_transaction_says_it_stopped_it(make_station, csms):
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    m = csms.index()
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    assert answer["authorization"]["result"] == "Accepted"
    assert answer["authorization"]["detail"] == "stopped the transaction at connector 1"
    stop = csms.wait_for("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m)
    # Local is the default reason, left out (OCPP 1.6 §6.49); the card that stopped it is named.
    assert (stop.get("reason", "Local"), stop["idTag"]) == ("Local", "RFID1")


def test_the_limit_says_where_it_comes_from(make_station, csms):
    station = make_station()
    booted(csms, station)
    # No car: the EVSE would offer its maximum.
    idle = station.state()["connectors"][0]
    assert (idle["limit_a"], idle["limit_source"]) == (32, "evse")
    # A car that takes 10 A: the car is what limits the current.
    station.api("POST", "/connectors/1/plug-in", {"max_current_a": 10})
    station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    state = station.wait_state(lambda s: s["connectors"][0]["power_w"] > 0)
    c = state["connectors"][0]
    assert (c["limit_a"], c["limit_source"]) == (32, "car")


def test_a_card_the_csms_is_slow_to_answer_is_pending_until_it_does(make_station, csms):
    station = make_station()
    booted(csms, station)
    station.api("POST", "/connectors/1/plug-in")
    csms.authorize_delay = 4
    answer = station.api("POST", "/tokens", {"id_tag": "RFID1", "connectors": [1]})
    # After 2 s without the CSMS's answer, the answer says the authorization goes on.
    assert answer["authorization"]["result"] == "pending"
    assert "Authorize.req waits for the CSMS's answer" in answer["started"]
    assert station.state()["connectors"][0]["authorization"]["result"] == "pending"
    state = station.wait_state(lambda s: s["connectors"][0]["authorization"]["result"] != "pending")
    assert state["connectors"][0]["authorization"]["result"] == "Accepted"

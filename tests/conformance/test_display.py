"""The TerminalDisplayMessage module (EVerest's display_message interface) through the control
API's display routes: messages are set, replaced by id, shown in the station state (AlwaysFront
first), cleared; a session's message goes when the session ends; bad requests change nothing;
a station without the module has no display. Against the real station binary."""

from __future__ import annotations

from core_steps import booted, session, unplug_and_wait

OCPP_CONNECTIONS = "    connections:\n      evse_manager:\n        - module_id: evse_manager_1\n"


def with_display(yaml: str) -> str:
    """config-sil-one-evse.yaml plus EVerest's display module, connected to OCPP."""
    assert OCPP_CONNECTIONS in yaml
    yaml = yaml.replace(
        OCPP_CONNECTIONS,
        "    connections:\n"
        "      display_message:\n"
        "        - module_id: display_message\n"
        "          implementation_id: display_message\n"
        "      evse_manager:\n        - module_id: evse_manager_1\n", 1)
    return yaml + "  display_message:\n    module: TerminalDisplayMessage\n"


def shown(station) -> list[str]:
    return [m["message"]["content"] for m in station.state()["display_messages"]]


def text(content: str, **fields) -> dict:
    return {"message": {"content": content}, **fields}


def test_display_messages_are_set_shown_replaced_and_cleared(make_station, csms):
    station = make_station(yaml_edit=with_display)
    booted(csms, station)
    assert station.state()["display_messages"] == []
    answer = station.api("POST", "/display-messages", {"messages": [
        text("Welcome", id=1), text("0.30 EUR/kWh", id=2, priority="InFront")]})
    assert answer == {"status": "Accepted"}
    station.wait_state(lambda s: len(s["display_messages"]) == 2)
    assert shown(station) == ["0.30 EUR/kWh", "Welcome"]
    station.api("POST", "/display-messages", {"messages": [
        text("Out of order soon", id=3, priority="AlwaysFront"), text("Willkommen", id=1)]})
    station.wait_state(lambda s: len(s["display_messages"]) == 3 and
                       s["display_messages"][0]["message"]["content"] == "Out of order soon")
    assert shown(station) == ["Out of order soon", "0.30 EUR/kWh", "Willkommen"]
    listed = station.api("GET", "/display-messages")["messages"]
    assert [m["id"] for m in listed] == [2, 3, 1]
    # A bad message rejects the whole request, and nothing changes.
    bad = station.api("POST", "/display-messages", {"messages": [
        text("fine", id=4), text("", id=5)]}, expect=400)
    assert bad["error"] == "message 1: message.content is empty"
    bad = station.api("POST", "/display-messages", {"messages": [
        text("late", id=6, timestamp_to="tomorrow")]}, expect=400)
    assert "timestamp_to" in bad["error"]
    station.api("POST", "/display-messages", {"messages": [{"text": "x"}]}, expect=400)
    assert station.api("DELETE", "/display-messages/3") == {"status": "Accepted"}
    assert "no message 3" in station.api("DELETE", "/display-messages/3", expect=404)["error"]
    station.api("DELETE", "/display-messages/three", expect=400)
    station.wait_state(lambda s: len(s["display_messages"]) == 2)
    assert shown(station) == ["0.30 EUR/kWh", "Willkommen"]
    assert "New display message: Out of order soon" in station.log()


def test_a_sessions_message_goes_when_the_session_ends(make_station, csms):
    station = make_station(yaml_edit=with_display)
    booted(csms, station)
    _, tx_id = session(csms, station, "RFID1")
    session_id = station.state()["connectors"][0]["session_id"]
    assert len(session_id) == 36  # EvseManager's UUID
    station.api("POST", "/display-messages", {"messages": [
        text("Session", id=5, identifier_id=session_id),
        text("Your price: 0.25 EUR/kWh", id=1, identifier_id="RFID1", identifier_type="IdToken"),
        text(f"Transaction {tx_id}", id=2, identifier_id=str(tx_id),
             identifier_type="TransactionId"),
        text("Someone else", id=3, identifier_id="TAG2", identifier_type="IdToken"),
        text("Thank you for charging", id=4)]})
    # Six: the five and the session's price (California Pricing, on in the shipped config),
    # which the station shows until the next session, not bound to this one.
    station.wait_state(lambda s: len(s["display_messages"]) == 6)
    unplug_and_wait(csms, station, tx_id)
    assert station.state()["connectors"][0]["session_id"] is None
    station.wait_state(lambda s: len(s["display_messages"]) == 3)
    assert shown(station) == ["0.35 USD/kWh, no idle fee", "Someone else",
                              "Thank you for charging"]
    assert "New display message for identifier id RFID1: Your price" in station.log()


def test_a_station_without_the_module_has_no_display(make_station, csms):
    station = make_station()
    booted(csms, station)
    assert station.state()["display_messages"] is None
    answer = station.api("POST", "/display-messages", {"messages": [text("hi")]}, expect=404)
    assert "no TerminalDisplayMessage module" in answer["error"]
    station.api("GET", "/display-messages", expect=404)

"""Core conformance scenarios, OCPP-J framing (OCPP-J 1.6 §4): malformed CALLs from the CSMS are
answered with the CALLERROR the ocpp-types table gives them (as libocpp), a frame that is not
an array gets GenericError to the id "-1" (as libocpp's message_callback), and the session goes
on. Checked on the exact frames; every wait is on a
frame or a message, bounded by a timeout."""

from __future__ import annotations

import json

from ocpp.v16 import call

from core_steps import booted, charging


def test_malformed_calls_get_callerrors_and_the_session_goes_on(make_station, csms):
    station = make_station()
    booted(csms, station)
    cases = [
        # An action OCPP 1.6 does not have.
        ([2, "bad-1", "MakeCoffee", {}], "NotImplemented"),
        # A required field missing.
        ([2, "bad-2", "RemoteStartTransaction", {}], "FormationViolation"),
        # A field of the wrong JSON type: libocpp answers FormationViolation, not
        # TypeConstraintViolation (crates/ocpp-types' table, which EVerest's tests follow).
        ([2, "bad-3", "RemoteStartTransaction", {"idTag": 42}], "FormationViolation"),
        # A string that is not a value of its enum.
        ([2, "bad-4", "ChangeAvailability", {"connectorId": 1, "type": "Sometimes"}],
         "PropertyConstraintViolation"),
    ]
    for frame, code in cases:
        f = csms.send_raw(frame)
        _, answer = csms.answer_to(frame[1], after=f)
        assert answer[0] == 4 and answer[1] == frame[1] and answer[2] == code, (frame, answer)
        assert isinstance(answer[3], str) and isinstance(answer[4], dict), answer
    # Not an array: no message id to answer to, so libocpp's "-1" and GenericError. The next
    # CALL's answer is the only other answer the station sends after it.
    f = csms.send_raw({"messageTypeId": 2, "action": "Reset"})
    ok = [2, "ok-5", "GetConfiguration", {"key": ["HeartbeatInterval"]}]
    csms.send_raw(ok)
    i, answer = csms.answer_to("ok-5", after=f)
    assert answer[0] == 3 and answer[2]["configurationKey"][0]["key"] == "HeartbeatInterval"
    answers = [json.loads(t) for d, t in csms.frames[f:i] if d == "in"]
    answers = [a for a in answers if a[0] in (3, 4)]
    assert [a[:3] for a in answers] == [[4, "-1", "GenericError"]], answers
    # The session goes on: a heartbeat, then a remote start that charges, on the same
    # connection.
    m = csms.index()
    csms.wait_for("Heartbeat", after=m)
    assert csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1)) == {
        "status": "Accepted"}
    station.api("POST", "/connectors/1/plug-in")
    charging(csms, 1, "REMOTE1", m)
    assert csms.connections() == 1
    assert csms.find("RemoteStartTransaction.conf") == [{"status": "Accepted"}]

"""TriggerMessage conformance scenarios (OCPP 1.6 §5.17): each of BootNotification,
DiagnosticsStatusNotification, FirmwareStatusNotification, Heartbeat, MeterValues and
StatusNotification is answered Accepted and then sent, in that order on the wire, for one
connector or for all; an unknown connector is Rejected and nothing follows. Against the real
station binary, kept quiet (long heartbeat, no periodic meter values) so that every CALL seen
after a trigger is the triggered one; every wait is bounded by a timeout."""

from __future__ import annotations

import time

import pytest
from ocpp.v16 import call
from ocpp.v16.enums import MessageTrigger

from core_steps import booted
from feature_steps import QUIET, answer_then_call, calls_since


@pytest.fixture
def quiet_station(make_station, csms):
    csms.heartbeat_interval = 300
    station = make_station(ocpp_overrides=QUIET)
    booted(csms, station)
    csms.wait_quiet()
    return station


@pytest.mark.parametrize("message, connector, action, payload", [
    (MessageTrigger.boot_notification, None, "BootNotification", None),
    (MessageTrigger.diagnostics_status_notification, None, "DiagnosticsStatusNotification",
     {"status": "Idle"}),
    (MessageTrigger.firmware_status_notification, None, "FirmwareStatusNotification",
     {"status": "Idle"}),
    (MessageTrigger.heartbeat, None, "Heartbeat", {}),
    (MessageTrigger.meter_values, 1, "MeterValues", None),
    (MessageTrigger.status_notification, 1, "StatusNotification",
     {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
])
def test_the_triggered_message_follows_the_accepted_answer(quiet_station, csms, message,
                                                           connector, action, payload):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_trigger_message."""
    request = call.TriggerMessage(requested_message=message, connector_id=connector)
    if action == "MeterValues":
        # Rejected until the station's meter gave the core a first reading (libocpp: no
        # measurement yet); a refused trigger sends nothing.
        deadline = time.monotonic() + 10
        while csms.call(request) != {"status": "Accepted"}:
            assert time.monotonic() < deadline, "no meter reading within 10 s"
            time.sleep(0.2)
        csms.wait_quiet()
    f = csms.frame_count()
    assert csms.call(request) == {"status": "Accepted"}
    i_answer, i_call, frame = answer_then_call(csms, request, action, f)
    assert i_answer < i_call, csms.frames[f:]
    sent = frame[3]
    if payload is not None:
        sent = {k: v for k, v in sent.items() if k != "timestamp"}
        assert sent == payload
    if action == "MeterValues":
        assert sent["connectorId"] == 1 and "transactionId" not in sent
        values = sent["meterValue"][0]["sampledValue"]
        assert values and all(v["context"] == "Trigger" for v in values)
    if action == "BootNotification":
        assert sent["chargePointVendor"] and sent["chargePointModel"]
    csms.wait_quiet()
    # Only the triggered message (a BootNotification brings the statuses again).
    follow = calls_since(csms, f)
    assert follow[0] == action
    if action != "BootNotification":
        assert follow == [action], follow


def test_status_notification_for_every_connector(quiet_station, csms):
    f = csms.frame_count()
    n = csms.index()
    request = call.TriggerMessage(requested_message=MessageTrigger.status_notification)
    assert csms.call(request) == {"status": "Accepted"}
    i_answer, i_call, _ = answer_then_call(csms, request, "StatusNotification", f)
    assert i_answer < i_call
    csms.wait_count("StatusNotification", 2, after=n)
    csms.wait_quiet()
    assert [p["connectorId"] for p in csms.find("StatusNotification", after=n)] == [0, 1]
    assert calls_since(csms, f) == ["StatusNotification", "StatusNotification"]


def test_an_unknown_connector_is_rejected_and_nothing_follows(quiet_station, csms):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_trigger_message_rejected."""
    f = csms.frame_count()
    for message in (MessageTrigger.status_notification, MessageTrigger.meter_values,
                    MessageTrigger.heartbeat):
        answer = csms.call(call.TriggerMessage(requested_message=message, connector_id=2))
        assert answer == {"status": "Rejected"}
    csms.wait_quiet(quiet=1.0)
    assert calls_since(csms, f) == []

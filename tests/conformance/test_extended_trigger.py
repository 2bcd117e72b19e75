"""ExtendedTriggerMessage conformance scenarios (OCPP 1.6 Security whitepaper §5.5, use case F06):
each requestedMessage is answered, and what it asks for follows the answer on the wire:
BootNotification, Heartbeat, MeterValues and StatusNotification (one connector or every one),
LogStatusNotification (Idle, no upload runs) and SignedFirmwareStatusNotification (Idle, no
signed update runs), SignCertificate with a new CSR for SignChargePointCertificate (the shipped
CpoName; test_sign_certificate.py has the rest); an unknown connector is Rejected and nothing
follows. Against the real station binary, kept quiet
(long heartbeat, no periodic meter values) so that every CALL seen after a trigger is the
triggered one; every wait is bounded by a timeout."""

from __future__ import annotations

import time

import pytest
from ocpp.v16 import call

from core_steps import booted
from feature_steps import QUIET, answer_then_call, calls_since


@pytest.fixture
def quiet_station(make_station, csms):
    csms.heartbeat_interval = 300
    station = make_station(ocpp_overrides=QUIET)
    booted(csms, station)
    csms.wait_quiet()
    return station


def trigger(message: str, connector: int | None = None):
    return call.ExtendedTriggerMessage(requested_message=message, connector_id=connector)


@pytest.mark.parametrize("message, connector, action, payload", [
    ("BootNotification", None, "BootNotification", None),
    ("Heartbeat", None, "Heartbeat", {}),
    ("MeterValues", 1, "MeterValues", None),
    ("StatusNotification", 1, "StatusNotification",
     {"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    ("LogStatusNotification", None, "LogStatusNotification", {"status": "Idle"}),
    # The whitepaper's FirmwareStatusNotification trigger asks for the signed update's status.
    ("FirmwareStatusNotification", None, "SignedFirmwareStatusNotification", {"status": "Idle"}),
])
def test_the_requested_message_follows_the_accepted_answer(quiet_station, csms, message,
                                                           connector, action, payload):
    request = trigger(message, connector)
    if action == "MeterValues":
        # Rejected until the station's meter gave the core a first reading: a trigger that
        # would send nothing is not Accepted.
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
        assert {k: v for k, v in sent.items() if k != "timestamp"} == payload
    if action == "MeterValues":
        assert sent["connectorId"] == 1 and "transactionId" not in sent
        values = sent["meterValue"][0]["sampledValue"]
        assert values and all(v["context"] == "Trigger" for v in values)
    if action == "BootNotification":
        assert sent["chargePointVendor"] and sent["chargePointModel"]
    csms.wait_quiet()
    follow = calls_since(csms, f)
    assert follow[0] == action
    if action != "BootNotification":
        assert follow == [action], follow


def test_status_notification_for_every_connector(quiet_station, csms):
    f = csms.frame_count()
    n = csms.index()
    request = trigger("StatusNotification")
    assert csms.call(request) == {"status": "Accepted"}
    i_answer, i_call, _ = answer_then_call(csms, request, "StatusNotification", f)
    assert i_answer < i_call
    csms.wait_count("StatusNotification", 2, after=n)
    csms.wait_quiet()
    assert [p["connectorId"] for p in csms.find("StatusNotification", after=n)] == [0, 1]
    assert calls_since(csms, f) == ["StatusNotification", "StatusNotification"]


def test_sign_charge_point_certificate_is_answered_then_sign_certificate_follows(
        quiet_station, csms):
    f = csms.frame_count()
    request = trigger("SignChargePointCertificate")
    assert csms.call(request) == {"status": "Accepted"}
    i_answer, i_call, frame = answer_then_call(csms, request, "SignCertificate", f)
    assert i_answer < i_call
    assert list(frame[3]) == ["csr"]
    assert frame[3]["csr"].startswith("-----BEGIN CERTIFICATE REQUEST-----\n")
    csms.wait_quiet(quiet=1.0)
    assert calls_since(csms, f) == ["SignCertificate"]


def test_an_unknown_connector_is_rejected_for_every_message_and_nothing_follows(
        quiet_station, csms):
    f = csms.frame_count()
    for message in ("BootNotification", "LogStatusNotification", "FirmwareStatusNotification",
                    "Heartbeat", "MeterValues", "SignChargePointCertificate",
                    "StatusNotification"):
        assert csms.call(trigger(message, 2)) == {"status": "Rejected"}, message
    csms.wait_quiet(quiet=1.0)
    assert calls_since(csms, f) == []

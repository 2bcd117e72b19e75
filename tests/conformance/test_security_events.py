"""Security event conformance scenarios (OCPP 1.6 Security whitepaper §2.6 and its list of
security events, use case A04): an event raised through the control API's security-events route
(EVerest's `security_event` command) goes to the security log and the state's
`security_events`; a critical one is sent as SecurityEventNotification, a non-critical one is
not; a critical one raised offline is stored, survives a power loss, waits while the
BootNotification is Pending and goes once it is Accepted; InvalidMessages from a frame that does
not decode, logged without the frame's text. Checked on the exact messages the test CSMS
receives and the security log file; every wait is on a message or a state."""

from __future__ import annotations

import json

from core_steps import FAST_RECONNECT, booted
from feature_steps import wait_offline


def security_log(station) -> list[dict]:
    """Every event of the station's security log files, oldest first."""
    events = []
    for path in sorted((station.dir / "logs").glob("*.security.log")):
        events.extend(json.loads(line) for line in path.read_text().splitlines() if line)
    return events


def test_a_critical_event_of_the_control_api_is_logged_shown_and_sent(make_station, csms):
    station = make_station()
    n = booted(csms, station)
    answer = station.api("POST", "/security-events",
                         {"type": "TamperDetectionActivated", "tech_info": "enclosure opened"})
    assert answer == {"ok": True}
    # Answered once the state shows it.
    shown = station.state()["security_events"][-1]
    assert {k: shown[k] for k in ("type", "tech_info", "critical")} == {
        "type": "TamperDetectionActivated", "tech_info": "enclosure opened", "critical": True}
    sent = csms.wait_for("SecurityEventNotification",
                         lambda p: p["type"] == "TamperDetectionActivated", after=n)
    assert sent == {"type": "TamperDetectionActivated", "techInfo": "enclosure opened",
                    "timestamp": shown["time"]}
    logged = [e for e in security_log(station) if e["type"] == "TamperDetectionActivated"]
    assert logged == [sent]


def test_a_non_critical_event_is_logged_and_shown_but_not_sent(make_station, csms):
    station = make_station()
    n = booted(csms, station)
    assert station.api("POST", "/security-events",
                       {"type": "InvalidFirmwareSignature"}) == {"ok": True}
    assert station.api("POST", "/security-events",
                       {"type": "AttemptedReplayAttacks", "tech_info": "by hand"}) == {"ok": True}
    shown = [(e["type"], e["critical"]) for e in station.state()["security_events"][-2:]]
    assert shown == [("InvalidFirmwareSignature", False), ("AttemptedReplayAttacks", False)]
    # A refused firmware signature is sent although not critical; a suspected replay is not.
    csms.wait_for("SecurityEventNotification",
                  lambda p: p["type"] == "InvalidFirmwareSignature", after=n)
    csms.wait_quiet()
    assert [p["type"] for p in csms.find("SecurityEventNotification", after=n)] == [
        "InvalidFirmwareSignature"]
    assert [e["type"] for e in security_log(station)][-2:] == [
        "InvalidFirmwareSignature", "AttemptedReplayAttacks"]


def test_an_unknown_type_is_refused(make_station, csms):
    station = make_station()
    booted(csms, station)
    before = station.state()["security_events"]
    answer = station.api("POST", "/security-events", {"type": "TamperDetected"}, expect=400)
    assert answer["error"].startswith("type: 'TamperDetected' is not a security event")
    assert station.state()["security_events"] == before


def test_a_critical_event_raised_offline_survives_a_power_loss_and_waits_for_accepted(
        make_station, csms):
    """Mirrors EVerest: message_queue.py::test_security_event_delivery_after_reconnect."""
    station = make_station(ocpp_overrides={"Internal": FAST_RECONNECT})
    booted(csms, station)
    csms.wait_for("SecurityEventNotification", lambda p: p["type"] == "StartupOfTheDevice")
    station.api("POST", "/ocpp/disconnect")
    wait_offline(station)
    assert station.api("POST", "/security-events",
                       {"type": "MemoryExhaustion", "tech_info": "heap"}) == {"ok": True}
    station.wait_state(lambda s: s["ocpp"]["queued"] == 1)
    station.kill()
    n = csms.index()
    # The next BootNotification is Pending first: nothing but BootNotification goes then.
    csms.boot_statuses = ["Pending"]
    station.restart()
    pending = csms.wait_index("BootNotification", after=n)
    accepted = csms.wait_index("BootNotification", after=pending + 1, timeout=20)
    assert [a for a, _ in csms.messages[pending + 1:accepted]] == []
    memory = csms.wait_for("SecurityEventNotification",
                           lambda p: p["type"] == "MemoryExhaustion", after=accepted)
    assert memory["techInfo"] == "heap"
    startup = csms.wait_for("SecurityEventNotification",
                            lambda p: p["type"] == "StartupOfTheDevice", after=accepted)
    # In the order they happened.
    assert csms.index_of(memory) < csms.index_of(startup)
    station.wait_state(lambda s: s["ocpp"]["queued"] == 0)
    # The state after the restart still shows the event of the run before (read back).
    assert "MemoryExhaustion" in [e["type"] for e in station.state()["security_events"]]


def test_a_frame_that_does_not_decode_is_logged_as_invalid_messages_without_its_text(
        make_station, csms):
    station = make_station()
    booted(csms, station)
    f = csms.frame_count()
    secret = "0123456789abcdef-not-a-number"
    csms.send_raw([2, "bad-2", "ChangeConfiguration",
                   {"key": "AuthorizationKey", "value": [secret]}])
    csms.answer_to("bad-2", after=f)
    station.wait_state(lambda s: s["security_events"][-1]["type"] == "InvalidMessages")
    events = [e for e in security_log(station) if e["type"] == "InvalidMessages"]
    assert events and all(secret not in json.dumps(e) for e in events), events
    assert events[-1]["techInfo"] == "FormationViolation: CALL ChangeConfiguration at value"


def test_a_rotation_that_deletes_a_security_log_file_raises_security_log_was_cleared(
        make_station, csms):
    """Internal.LogRotation on the security log (libocpp's MessageLogging rotation): at 300
    bytes the file rotates, and with at most 2 files the third rotation deletes the oldest:
    SecurityLogWasCleared, critical, so sent."""
    station = make_station(ocpp_overrides={"Internal": {
        "LogRotation": True, "LogRotationMaximumFileSize": 300,
        "LogRotationMaximumFileCount": 2}})
    n = booted(csms, station)
    for i in range(12):
        station.api("POST", "/security-events",
                    {"type": "InvalidMessages", "tech_info": f"event {i} " + "x" * 60})
        if csms.find("SecurityEventNotification",
                     lambda p: p["type"] == "SecurityLogWasCleared", after=n):
            break
    cleared = csms.wait_for("SecurityEventNotification",
                            lambda p: p["type"] == "SecurityLogWasCleared", after=n)
    assert cleared["techInfo"] == (
        "Security log was rotated and an old log was deleted in the process")
    files = sorted(p.name for p in (station.dir / "logs").glob("*.security.log*"))
    assert len(files) == 2 and files[0].endswith(".security.log"), files
    assert files[1].endswith(".security.log.0"), files
    assert "SecurityLogWasCleared" in [e["type"] for e in station.state()["security_events"]]

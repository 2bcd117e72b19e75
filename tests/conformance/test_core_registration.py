"""Core conformance scenarios, registration (OCPP 1.6 §4.2): BootNotification answered Pending or
Rejected before Accepted. Checked on the exact OCPP messages the test CSMS receives; every wait
is on a message or a state, bounded by a timeout."""

from __future__ import annotations

from ocpp.v16 import call

from core_steps import booted, status


def test_boot_pending_then_accepted(make_station, csms):
    """Pending: the station sends nothing but BootNotification until Accepted, sends it again
    after the interval of the answer, refuses a remote start meanwhile (as libocpp), and once
    Accepted reports every connector.
    Mirrors EVerest: booting.py::test_remote_start_stop_in_pending,
    ocpp_compliance_tests.py::test_cold_boot_pending."""
    csms.boot_statuses = ["Pending"]
    csms.boot_interval = 3
    station = make_station()
    first = csms.wait_index("BootNotification")
    # Right after the answer Pending went out (well within the 3 s until the next boot).
    _, boot = csms.call_frame("BootNotification")
    csms.answer_to(boot[1], direction="out")
    answer = csms.call(call.RemoteStartTransaction(id_tag="REMOTE1", connector_id=1))
    assert answer == {"status": "Rejected"}
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Pending", timeout=2)
    second = csms.wait_index("BootNotification", after=first + 1)
    booted(csms, station)
    actions = csms.actions()
    assert actions[:second + 1] == [
        "BootNotification", "RemoteStartTransaction.conf", "BootNotification"], actions
    assert csms.messages[second][1] == csms.messages[first][1]
    gap = csms.times[second] - csms.times[first]
    assert 2.8 <= gap <= 5, gap
    # Accepted: the security event of the boot queued meanwhile (libocpp's start raises
    # StartupOfTheDevice), then connector 0, then connector 1; the heartbeat starts.
    after = actions[second + 1:]
    assert after[:3] == [
        "SecurityEventNotification", "StatusNotification", "StatusNotification"], after
    assert csms.messages[second + 1][1]["type"] == "StartupOfTheDevice"
    assert [p["connectorId"] for _, p in csms.messages[second + 2:second + 4]] == [0, 1]
    assert csms.find("StartTransaction") == []
    csms.wait_for("Heartbeat", after=second)


def test_boot_rejected_sends_only_boot_notification_at_the_interval(make_station, csms):
    """Rejected three times: BootNotification again after the interval (1 s) each time and
    nothing else in between, not even for a car plugged in and a token swiped meanwhile (no
    StatusNotification, no Authorize); then Accepted, and the car's connector is reported.
    Mirrors EVerest: booting.py::test_boot_notification_rejected."""
    csms.boot_statuses = ["Rejected"] * 3
    csms.boot_interval = 1
    station = make_station()
    first = csms.wait_index("BootNotification")
    # Right after the answer Rejected went out (3 s before the answer Accepted).
    _, boot = csms.call_frame("BootNotification")
    csms.answer_to(boot[1], direction="out")
    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Rejected", timeout=2)
    boots = [first]
    for _ in range(3):
        boots.append(csms.wait_index("BootNotification", after=boots[-1] + 1))
    booted(csms, station, connectors=(), after=boots[-1])
    actions = csms.actions()
    assert actions[:boots[-1] + 1] == ["BootNotification"] * 4, actions
    for earlier, later in zip(boots, boots[1:]):
        gap = csms.times[later] - csms.times[earlier]
        assert 0.8 <= gap <= 3, gap
    # The token swiped while Rejected was refused without asking: no Authorize, no transaction.
    assert csms.find("Authorize") == [] and csms.find("StartTransaction") == []
    csms.wait_for("StatusNotification", status(1, "Preparing"), after=boots[-1])


def test_a_boot_answer_with_an_unparseable_time_registers_nothing(make_station, csms):
    """BootNotification.conf Accepted, but its currentTime does not parse: not an answer
    (libocpp ignores it), so the state says not registered, and the station answers no CALL
    of the CSMS meanwhile."""
    csms.boot_current_time = "not-a-time"
    station = make_station()
    csms.wait_for("BootNotification")
    csms.wait_quiet()
    state = station.state()["ocpp"]
    assert state["connected"] and state["registration"] is None, state
    f = csms.send_raw([2, "cfg-1", "GetConfiguration", {}])
    csms.wait_quiet()
    assert [t for d, t in csms.frames[f:] if d == "in"] == []
    assert csms.actions() == ["BootNotification"]
    assert station.state()["ocpp"]["registration"] is None

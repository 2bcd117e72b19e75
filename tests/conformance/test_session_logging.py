"""EvseManager's session logging (issue 22): with `session_logging`, each session gets a folder
`<session_logging_path>/<start time>-<session id>` holding eventlog.csv and eventlog.html
(`incomplete-` while the session runs), as everest-core's SessionLog.cpp writes them. EVerest's
OCPP 1.6 test suite has no test of these files. Every wait is on a message or a state, bounded
by a timeout."""

from __future__ import annotations

import csv
import io
import time

from core_steps import booted, session, unplug_and_wait


def test_a_session_is_logged_in_its_own_folder_named_by_its_session_id(make_station, csms):
    """The shipped two-EVSE config turns session_logging on (as EVerest's config-sil-ocpp.yaml);
    its path is each test's own here. A session at connector 1 writes one folder, named by its
    start and the session id the state shows, whose csv holds the session's start and end, the
    car's pilot events, the PWM and the charger states, in order, and no identifier. With the
    OCPP format session_logging, the session's OCPP frames are in the folder too
    (libocpp's start_session_logging: incomplete-ocpp.html, then ocpp.html)."""
    station = make_station("config-sil-ocpp.yaml", ocpp_overrides={"Internal": {
        "LogMessagesFormat": ["log", "html", "security", "session_logging"]}})
    booted(csms, station, connectors=(1, 2))
    sessions = station.dir / "sessions"
    _, tx_id = session(csms, station, id_tag="RFID1")
    session_id = station.state()["connectors"][0]["session_id"]
    folders = sorted(p.name for p in sessions.iterdir())
    assert len(folders) == 1 and folders[0].endswith(f"Z-{session_id}"), folders
    folder = sessions / folders[0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "incomplete-eventlog.csv", "incomplete-eventlog.html", "incomplete-ocpp.html"]
    unplug_and_wait(csms, station, tx_id)
    station.wait_state(lambda s: s["connectors"][0]["session_id"] is None)
    # Finished: renamed.
    deadline = time.monotonic() + 10
    while not ((folder / "eventlog.csv").exists() and (folder / "ocpp.html").exists()):
        assert time.monotonic() < deadline, sorted(p.name for p in folder.iterdir())
        time.sleep(0.05)
    assert sorted(p.name for p in folder.iterdir()) == [
        "eventlog.csv", "eventlog.html", "ocpp.html"]
    ocpp = (folder / "ocpp.html").read_text()
    # The session's frames: its StartTransaction. (Its StopTransaction.req leaves after the
    # session finished, so it is usually not there: libocpp stops the session's logging at
    # SessionFinished too, while its queue sends the StopTransaction.)
    assert "StartTransaction" in ocpp
    assert ocpp.endswith("</html>\n")
    rows = list(csv.reader(io.StringIO((folder / "eventlog.csv").read_text())))
    assert all(len(r) == 4 and r[3] == "" for r in rows), rows
    entries = [(origin, message) for _, origin, message, _ in rows]
    assert entries[0] == ("SYS", "Session logging started.")
    assert entries[1] == ("EVSE", "Session Started: EVConnected")
    assert entries[-2:] == [("EVSE", "Session Finished"), ("SYS", "Session logging stopped.")]
    messages = [m for _, m in entries]
    for expected in ["Event CarPluggedIn", "Event CarRequestedPower", "Event CarUnplugged"]:
        assert expected in messages, messages
    assert any(m.startswith("Set PWM On (") for m in messages), messages
    assert "Charger state: Idle->WaitingForAuthentication" in messages, messages
    assert messages.index("Event CarRequestedPower") < messages.index("Event CarUnplugged")
    text = (folder / "eventlog.csv").read_text() + (folder / "eventlog.html").read_text()
    assert "RFID1" not in text
    assert (folder / "eventlog.html").read_text().endswith("</table></body></html>\n")
    # Connector 2 had no session: nothing else was written.
    assert sorted(p.name for p in sessions.iterdir()) == folders

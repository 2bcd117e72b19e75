"""GetLog conformance scenarios (OCPP 1.6 Security whitepaper §5.9 and §5.13, use case N01) with
real file transfers: the answer is Accepted with the file's name, then LogStatusNotification
Uploading and Uploaded with the GetLog's requestId, and the server has the archive (the security
log's events for a SecurityLog over FTP, the message logs for a DiagnosticsLog over HTTP PUT); an
upload the server refuses ends PermissionDenied, one to a closed port UploadFailure after its
retries; a second GetLog while one runs is AcceptedCanceled and the first reports nothing more;
ExtendedTriggerMessage LogStatusNotification says Uploading with the requestId meanwhile. An FTP
server (pyftpdlib) and an HTTP server (http.server) on 127.0.0.1 (file_servers.py); every wait is
on a message, bounded by a timeout; retry intervals are 1 s or more."""

from __future__ import annotations

import io
import json
import re
import socket
import tarfile

from ocpp.v16 import call

from conformance_station import free_port
from core_steps import booted

NAME = r"{kind}-cp001-\d{{8}}T\d{{6}}Z\.tar\.gz"


def get_log(location: str, request_id: int, log_type: str = "SecurityLog",
            retries: int | None = None, retry_interval: int | None = None) -> call.GetLog:
    return call.GetLog(log={"remoteLocation": location}, log_type=log_type,
                       request_id=request_id, retries=retries, retry_interval=retry_interval)


def statuses(csms, after: int) -> list[tuple[str, int | None]]:
    return [(p["status"], p.get("requestId")) for a, p in csms.messages[after:]
            if a == "LogStatusNotification"]


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def test_the_security_log_is_uploaded_over_ftp(make_station, csms, ftp):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_get_security_log."""
    station = make_station()
    n = booted(csms, station)
    csms.wait_for("SecurityEventNotification", lambda p: p["type"] == "StartupOfTheDevice")
    station.api("POST", "/security-events", {"type": "TamperDetectionActivated",
                                             "tech_info": "lid"})
    (ftp.root / "logs").mkdir()
    m = csms.index()
    answer = csms.call(get_log(ftp.url("logs/"), 41))
    assert answer["status"] == "Accepted"
    name = answer["filename"]
    assert re.fullmatch(NAME.format(kind="security-log"), name), answer
    csms.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded", after=m)
    csms.wait_quiet()
    assert statuses(csms, m) == [("Uploading", 41), ("Uploaded", 41)]
    files = members((ftp.root / "logs" / name).read_bytes())
    logs = [f for f in files if f.startswith("security/") and f.endswith(".security.log")]
    assert len(logs) == 1 and "manifest.txt" in files, list(files)
    events = [json.loads(line) for line in files[logs[0]].decode().splitlines()]
    assert [e["type"] for e in events][:1] == ["StartupOfTheDevice"]
    assert {"type": "TamperDetectionActivated", "techInfo": "lid"}.items() <= events[-1].items()
    assert n <= m


def test_the_diagnostics_log_is_uploaded_over_http_and_a_refused_upload_is_permission_denied(
        make_station, csms, http_server):
    station = make_station()
    booted(csms, station)
    m = csms.index()
    answer = csms.call(get_log(http_server.url("up/"), 7, "DiagnosticsLog"))
    assert answer["status"] == "Accepted"
    name = answer["filename"]
    assert re.fullmatch(NAME.format(kind="diagnostics"), name), answer
    csms.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded", after=m)
    assert f"PUT /up/{name}" in http_server.requests
    files = members((http_server.root / "up" / name).read_bytes())
    frames = b"".join(data for f, data in files.items()
                      if f.startswith("logs/") and f.endswith(".log")
                      and not f.endswith(".security.log"))
    assert b"BootNotification" in frames

    r = csms.index()
    answer = csms.call(get_log(http_server.url("forbidden/"), 8, "DiagnosticsLog", retries=0))
    assert answer["status"] == "Accepted"
    csms.wait_for("LogStatusNotification", lambda p: p["status"] == "PermissionDenied", after=r)
    csms.wait_quiet()
    assert statuses(csms, m) == [("Uploading", 7), ("Uploaded", 7),
                                 ("Uploading", 8), ("PermissionDenied", 8)]


def test_an_upload_to_a_closed_port_fails_after_its_retries(make_station, csms):
    station = make_station()
    booted(csms, station)
    m = csms.index()
    location = f"ftp://127.0.0.1:{free_port()}/logs/"
    assert csms.call(get_log(location, 3, retries=1, retry_interval=1))["status"] == "Accepted"
    uploading = csms.wait_index("LogStatusNotification", lambda p: p["status"] == "Uploading",
                                after=m)
    csms.wait_count("LogStatusNotification", 2, lambda p: p["status"] == "UploadFailure",
                    after=m)
    retried = csms.wait_index("LogStatusNotification", lambda p: p["status"] == "Uploading",
                              after=uploading + 1)
    assert csms.times[retried] - csms.times[uploading] >= 0.9
    csms.wait_quiet()
    # Each attempt reported, as everest-core's System module does.
    assert statuses(csms, m) == [("Uploading", 3), ("UploadFailure", 3)] * 2


def test_a_second_get_log_cancels_the_first(make_station, csms, ftp):
    station = make_station()
    booted(csms, station)
    m = csms.index()
    # The first upload stalls: a port that takes connections and never greets.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    stalled = f"ftp://127.0.0.1:{silent.getsockname()[1]}/logs/"
    assert csms.call(get_log(stalled, 1, retries=5, retry_interval=10))["status"] == "Accepted"
    csms.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploading", after=m)
    t = csms.index()
    assert csms.call(call.ExtendedTriggerMessage(
        requested_message="LogStatusNotification")) == {"status": "Accepted"}
    assert csms.wait_for("LogStatusNotification", after=t) == {"status": "Uploading",
                                                                "requestId": 1}
    (ftp.root / "logs").mkdir()
    second = csms.call(get_log(ftp.url("logs/"), 2))
    assert second["status"] == "AcceptedCanceled"
    csms.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded", after=t)
    assert (ftp.root / "logs" / second["filename"]).is_file()
    csms.wait_quiet()
    # The first reported nothing more after it was cancelled.
    assert statuses(csms, m) == [("Uploading", 1), ("Uploading", 1),
                                 ("Uploading", 2), ("Uploaded", 2)]
    t = csms.index()
    assert csms.call(call.ExtendedTriggerMessage(
        requested_message="LogStatusNotification")) == {"status": "Accepted"}
    assert csms.wait_for("LogStatusNotification", after=t) == {"status": "Idle"}
    silent.close()


def test_a_shared_message_log_folder_gives_the_station_only_its_own_files(
        make_station, csms, ftp, tmp_path):
    """libocpp's default MessageLogPath (/tmp/everest_ocpp_logs) is one folder for every
    station of a machine, its files named by their start time alone. What the station shows of
    earlier security events and what GetLog uploads (SecurityLog and DiagnosticsLog) are its
    own files, those it noted in its data dir, never another station's in the folder."""
    shared = tmp_path / "everest_ocpp_logs"
    shared.mkdir()
    foreign = "2026-01-01T00:00:00.000Z"
    (shared / f"{foreign}.security.log").write_text(json.dumps(
        {"timestamp": f"{foreign}", "type": "TamperDetectionActivated",
         "techInfo": "another station"}) + "\n")
    (shared / f"{foreign}.log").write_text("another station's frames\n")
    station = make_station(yaml_edit=lambda yaml: re.sub(
        r"MessageLogPath: [^\n]*", f"MessageLogPath: {shared}", yaml, count=1))
    booted(csms, station)
    assert [e["type"] for e in station.state()["security_events"]] == ["StartupOfTheDevice"]

    (ftp.root / "logs").mkdir()
    uploaded = {}
    for request_id, log_type in [(51, "SecurityLog"), (52, "DiagnosticsLog")]:
        m = csms.index()
        answer = csms.call(get_log(ftp.url("logs/"), request_id, log_type))
        assert answer["status"] == "Accepted", answer
        csms.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded", after=m)
        uploaded[log_type] = members((ftp.root / "logs" / answer["filename"]).read_bytes())
    security = [f for f in uploaded["SecurityLog"] if f != "manifest.txt"]
    assert len(security) == 1 and foreign not in security[0], security
    assert b"another station" not in uploaded["SecurityLog"][security[0]]
    diagnostics = [f for f in uploaded["DiagnosticsLog"] if f != "manifest.txt"]
    assert not [f for f in diagnostics if foreign in f], diagnostics
    own_frames = [f for f in diagnostics if f.endswith(".log") and not f.endswith(".security.log")]
    assert len(own_frames) == 1 and b"BootNotification" in uploaded["DiagnosticsLog"][own_frames[0]]

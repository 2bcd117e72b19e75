"""What a CSMS's UpdateFirmware and GetDiagnostics may make the station do to its disk
(DESIGN §7a, docs/station-modules.md "System"): a `file://` location, which the station's
SupportedFileTransferProtocols (FTP,HTTP,HTTPS) does not list, fails at once, with
DownloadFailed or UploadFailed, and nothing is read from or written to that path; a firmware
file named by its URL lands in the data dir's firmware folder under a plain name whatever the
URL says; and the failures of many quick retries write a couple of log lines, not one an
attempt."""

from __future__ import annotations

import datetime as dt

from ocpp.v16 import call

from conformance_station import free_port
from core_steps import booted


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _statuses(csms, action: str, after: int) -> list[str]:
    return [p["status"] for a, p in csms.messages[after:] if a == action]


def test_a_protocol_the_station_does_not_list_fails_at_once(make_station, csms, tmp_path):
    station = make_station()
    booted(csms, station)
    data = station.dir / "data"
    m = csms.index()
    assert csms.call(call.UpdateFirmware(location="file:///proc/self/environ",
                                         retrieve_date=_now(), retries=3, retry_interval=1)) == {}
    csms.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "DownloadFailed", after=m)
    outside = tmp_path / "any" / "dir"
    outside.mkdir(parents=True)
    d = csms.index()
    answer = csms.call(call.GetDiagnostics(location=f"file://{outside}/", retries=3,
                                           retry_interval=1))
    assert answer.get("fileName", "").endswith(".tar.gz"), answer
    csms.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "UploadFailed",
                  after=d)
    csms.wait_quiet()
    assert _statuses(csms, "FirmwareStatusNotification", m) == ["Downloading", "DownloadFailed"]
    assert _statuses(csms, "DiagnosticsStatusNotification", d) == ["Uploading", "UploadFailed"]
    # Nothing copied in, nothing written out, and no attempt was retried.
    assert list(outside.iterdir()) == []
    firmware = data / "firmware"
    assert not firmware.exists() or list(firmware.iterdir()) == []
    log = station.log()
    assert "not among the station's SupportedFileTransferProtocols (FTP,HTTP,HTTPS)" in log, log
    assert "attempt=2" not in log
    # The station goes on: its connector is back to Available after the failed update.
    station.wait_state(lambda s: s["connectors"][0]["status"] == "Available")


def test_a_firmware_name_cannot_lead_out_of_the_firmware_folder(make_station, csms, http_server):
    station = make_station()
    booted(csms, station)
    (http_server.root / "escape-1.0.0.bin").write_bytes(b"image\n")
    m = csms.index()
    # http.server normalizes the path and serves the file; the station names it by the URL.
    location = http_server.url("x/..%2F..%2F..%2Fescape-1.0.0.bin")
    assert csms.call(call.UpdateFirmware(location=location, retrieve_date=_now())) == {}
    csms.wait_for("FirmwareStatusNotification",
                  lambda p: p["status"] in ("Downloaded", "DownloadFailed"), after=m)
    station_dir = station.dir
    written = sorted(str(p.relative_to(station_dir)) for p in station_dir.rglob("*escape*"))
    assert written and all(w.startswith("data/firmware/") for w in written), written


def test_quick_retries_write_a_few_log_lines(make_station, csms):
    station = make_station()
    booted(csms, station)
    d = csms.index()
    csms.call(call.GetDiagnostics(location=f"ftp://127.0.0.1:{free_port()}/diag/", retries=20,
                                  retry_interval=0))
    # Each attempt reports UploadFailed (as everest-core): 11 of them.
    csms.wait_count("DiagnosticsStatusNotification", 11,
                    lambda p: p["status"] == "UploadFailed", after=d, timeout=30)
    attempts = [line for line in station.log().splitlines()
                if "diagnostics upload failed" in line and "attempt=" in line]
    # retries 20 is clamped to 10 and retryInterval 0 to 1 s (limits.rs): 11 attempts in about
    # 10 s, all within a minute, so the log has the first attempt's line and the last's, which
    # counts the 9 left out.
    assert len(attempts) == 2, attempts
    assert "attempt=1 " in attempts[0] and "left_out=0" in attempts[0], attempts
    assert "on its last attempt" in attempts[1] and "attempt=11 of=11" in attempts[1], attempts
    assert "left_out=9" in attempts[1], attempts

"""FirmwareManagement conformance scenarios (OCPP 1.6 §5.19 UpdateFirmware, §4.5
FirmwareStatusNotification, §5.9 GetDiagnostics, §4.4 DiagnosticsStatusNotification) with real
file transfers: an FTP server (pyftpdlib) and an HTTP server (http.server) on 127.0.0.1,
started by the fixtures `ftp` and `http_server` (conftest.py, file_servers.py), and closed
ports for the unreachable cases. Checked on the exact OCPP messages the test CSMS receives;
every wait is on a message or a state, bounded by a timeout, and retry intervals are 1 s."""

from __future__ import annotations

import datetime as dt
import re
import tarfile

from ocpp.v16 import call

from conformance_station import free_port
from core_steps import booted, session, status

# Longer than the default: download, install and reboot in one wait.
FLOW_TIMEOUT = 20
FIRMWARE = b"ferrocharge firmware image\n" * 64


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _firmware_statuses(csms, after: int, before: int | None = None) -> list[str]:
    return [p["status"] for a, p in csms.messages[after:before]
            if a == "FirmwareStatusNotification"]


def _diagnostics_statuses(csms, after: int) -> list[str]:
    return [p["status"] for a, p in csms.messages[after:]
            if a == "DiagnosticsStatusNotification"]


def _rebooted_into(csms, station, after: int, version: str, pid: int) -> int:
    """The station restarted in its process after Installed: a new BootNotification carrying
    `version`, then SecurityEventNotification FirmwareUpdated. Returns the boot's index."""
    boot = csms.wait_index("BootNotification", after=after, timeout=FLOW_TIMEOUT)
    assert csms.messages[boot][1]["firmwareVersion"] == version
    event = csms.wait_for("SecurityEventNotification",
                          lambda p: p["type"] == "FirmwareUpdated", after=boot)
    assert "firmware" in event.get("techInfo", "")
    booted(csms, station, after=boot)
    csms.wait_connections(2)
    assert station.proc.poll() is None and station.proc.pid == pid
    # Only the boot after the update says FirmwareUpdated; it does not say StartupOfTheDevice.
    assert csms.find("SecurityEventNotification",
                     lambda p: p["type"] == "StartupOfTheDevice", after=boot) == []
    return boot


def test_firmware_update_over_ftp_reboots_into_the_new_version(make_station, csms, ftp):
    """UpdateFirmware (FTP, retrieveDate now): FirmwareStatusNotification Downloading,
    Downloaded, Installing, Installed, each once and in that order; then the station restarts
    and boots with the version of the file's name, and raises FirmwareUpdated.
    Mirrors EVerest: ocpp_compliance_tests.py::test_firmware_update_download_install."""
    station = make_station()
    n = booted(csms, station)
    # The first boot of the station: libocpp's StartupOfTheDevice.
    startup = csms.wait_for("SecurityEventNotification")
    assert (startup["type"], startup.get("techInfo")) == (
        "StartupOfTheDevice", "The Charge Point has booted")
    assert csms.messages[0][1]["firmwareVersion"] == "0.1.0"
    (ftp.root / "ferrocharge-9.9.9.bin").write_bytes(FIRMWARE)
    pid = station.proc.pid
    m = csms.index()
    answer = csms.call(call.UpdateFirmware(location=ftp.url("ferrocharge-9.9.9.bin"),
                                           retrieve_date=_now()))
    assert answer == {}
    csms.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "Installed",
                  after=m, timeout=FLOW_TIMEOUT)
    boot = _rebooted_into(csms, station, m, "9.9.9", pid)
    assert _firmware_statuses(csms, m, boot) == [
        "Downloading", "Downloaded", "Installing", "Installed"]
    assert n <= m and csms.find("StopTransaction") == []


def test_firmware_update_over_http_waits_for_the_transaction(make_station, csms, http_server):
    """UpdateFirmware (HTTP) during a transaction: the download goes ahead, the installation
    waits; the transaction charges on until the CSMS stops it; then the connector goes
    Unavailable, the firmware is installed and the station reboots into it."""
    station = make_station()
    booted(csms, station)
    _, tx_id = session(csms, station)
    (http_server.root / "ferrocharge-9.9.10.bin").write_bytes(FIRMWARE)
    pid = station.proc.pid
    m = csms.index()
    assert csms.call(call.UpdateFirmware(location=http_server.url("ferrocharge-9.9.10.bin"),
                                         retrieve_date=_now())) == {}
    downloaded = csms.wait_index("FirmwareStatusNotification",
                                 lambda p: p["status"] == "Downloaded", after=m)
    assert "/ferrocharge-9.9.10.bin" in http_server.requests
    # The transaction goes on after the download: a sample of it comes, and no Installing.
    csms.wait_for("MeterValues", lambda p: p.get("transactionId") == tx_id, after=downloaded + 1)
    assert _firmware_statuses(csms, m) == ["Downloading", "Downloaded"]
    assert station.state()["connectors"][0]["transaction_id"] == tx_id
    r = csms.index()
    assert csms.call(call.RemoteStopTransaction(transaction_id=tx_id)) == {"status": "Accepted"}
    stop = csms.wait_for("StopTransaction", after=r)
    assert (stop["transactionId"], stop["reason"]) == (tx_id, "Remote")
    unavailable = csms.wait_index("StatusNotification", status(1, "Unavailable"), after=r)
    installing = csms.wait_index("FirmwareStatusNotification",
                                 lambda p: p["status"] == "Installing", after=m)
    assert csms.index_of(stop) < installing and csms.index_of(stop) < unavailable
    boot = _rebooted_into(csms, station, r, "9.9.10", pid)
    assert unavailable < boot
    assert _firmware_statuses(csms, m, boot) == [
        "Downloading", "Downloaded", "Installing", "Installed"]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_firmware_download_from_an_unreachable_location_fails_after_the_retries(
        make_station, csms):
    """UpdateFirmware from a closed port, retries 1, retryInterval 1 s: two attempts a second
    apart, each reported Downloading then DownloadFailed (as everest-core); nothing is
    installed and the station does not restart."""
    station = make_station()
    booted(csms, station)
    location = f"http://127.0.0.1:{free_port()}/ferrocharge-9.9.11.bin"
    m = csms.index()
    assert csms.call(call.UpdateFirmware(location=location, retrieve_date=_now(), retries=1,
                                         retry_interval=1)) == {}
    downloading = csms.wait_index("FirmwareStatusNotification",
                                  lambda p: p["status"] == "Downloading", after=m)
    csms.wait_count("FirmwareStatusNotification", 2, lambda p: p["status"] == "DownloadFailed",
                    after=m)
    retried = csms.wait_index("FirmwareStatusNotification",
                              lambda p: p["status"] == "Downloading", after=downloading + 1)
    assert csms.times[retried] - csms.times[downloading] >= 0.9
    csms.wait_quiet()
    assert _firmware_statuses(csms, m) == ["Downloading", "DownloadFailed"] * 2
    log = _ANSI.sub("", station.log())
    attempts = re.findall(r"download failed .*attempt=(\d+) of=(\d+)", log)
    assert attempts == [("1", "2"), ("2", "2")], attempts
    assert csms.find("BootNotification", after=m) == []
    assert [c["status"] for c in station.state()["connectors"]] == ["Available"]


def test_get_diagnostics_uploads_the_message_log_over_ftp(make_station, csms, ftp):
    """GetDiagnostics to an FTP folder: the answer names the file, then
    DiagnosticsStatusNotification Uploading and Uploaded; the server has a tar.gz holding the
    OCPP message log.
    Mirrors EVerest: ocpp_compliance_tests.py::test_get_diagnostics."""
    station = make_station()
    booted(csms, station)
    (ftp.root / "diag").mkdir()
    m = csms.index()
    answer = csms.call(call.GetDiagnostics(location=ftp.url("diag/"), retries=1,
                                           retry_interval=1))
    name = answer.get("fileName")
    assert name and re.fullmatch(r"diagnostics-cp001-\d{8}T\d{6}Z\.tar\.gz", name), answer
    csms.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded", after=m)
    csms.wait_quiet()
    assert _diagnostics_statuses(csms, m) == ["Uploading", "Uploaded"]
    uploaded = ftp.root / "diag" / name
    assert uploaded.is_file()
    with tarfile.open(uploaded, "r:gz") as archive:
        logs = [member for member in archive.getmembers()
                if member.isfile() and member.name.startswith("logs/")
                and member.name.endswith(".log")]
        assert logs, archive.getnames()
        text = b"".join(archive.extractfile(member).read() for member in logs)
    assert b"BootNotification" in text


def test_get_diagnostics_to_an_unreachable_location_fails_each_attempt(make_station, csms):
    """GetDiagnostics to a closed port, retries 1, retryInterval 1 s: the answer still names the
    file; Uploading then UploadFailed for each of the two attempts, a second apart.
    Mirrors EVerest: ocpp_compliance_tests.py::test_get_diagnostics_upload_fail."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    answer = csms.call(call.GetDiagnostics(location=f"ftp://127.0.0.1:{free_port()}/diag/",
                                           retries=1, retry_interval=1))
    assert answer.get("fileName", "").endswith(".tar.gz"), answer
    uploading = csms.wait_index("DiagnosticsStatusNotification",
                                lambda p: p["status"] == "Uploading", after=m)
    csms.wait_count("DiagnosticsStatusNotification", 2,
                    lambda p: p["status"] == "UploadFailed", after=m)
    retried = csms.wait_index("DiagnosticsStatusNotification",
                              lambda p: p["status"] == "Uploading", after=uploading + 1)
    assert csms.times[retried] - csms.times[uploading] >= 0.9
    csms.wait_quiet()
    assert _diagnostics_statuses(csms, m) == ["Uploading", "UploadFailed"] * 2
    assert station.proc.poll() is None

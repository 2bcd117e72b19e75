"""Parity with EVerest's OCPP 1.6 pytest suite (everest-core
tests/ocpp_tests/test_sets/ocpp16/*.py): one scenario per behaviour where ferrocharge differed
from what an EVerest station does, each naming the EVerest test it mirrors (file and test).
Checked on the exact OCPP messages the test CSMS receives; every wait is on a message or a
state, bounded by a timeout."""

from __future__ import annotations

import datetime as dt

from ocpp.v16 import call

from conformance_station import free_port
from core_steps import booted


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _statuses(csms, action: str, after: int) -> list:
    return [p["status"] for a, p in csms.messages[after:] if a == action]


# -- Firmware and diagnostics retries ----------------------------------------------------------


def test_every_firmware_download_attempt_is_reported(make_station, csms):
    """Mirrors firmware_and_diagnostics_tests.py::test_firwmare_update_retries: UpdateFirmware
    from an unreachable FTP location with retries 2 and retryInterval 2: three attempts, each
    reported FirmwareStatusNotification Downloading then DownloadFailed."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    location = f"ftp://user:12345@127.0.0.1:{free_port()}/firmware_update.pnx"
    assert csms.call(call.UpdateFirmware(location=location, retrieve_date=_now(), retries=2,
                                         retry_interval=2)) == {}
    csms.wait_count("FirmwareStatusNotification", 3, lambda p: p["status"] == "DownloadFailed",
                    after=m, timeout=20)
    csms.wait_quiet()
    assert _statuses(csms, "FirmwareStatusNotification", m) == [
        "Downloading", "DownloadFailed"] * 3
    # The update is over: nothing is installed, the connector stays Available.
    assert csms.find("BootNotification", after=m) == []
    assert [c["status"] for c in station.state()["connectors"]] == ["Available"]


def test_every_diagnostics_upload_attempt_is_reported(make_station, csms):
    """Mirrors firmware_and_diagnostics_tests.py::test_get_diagnostics_retries: GetDiagnostics
    to an unreachable FTP location with retries 2 and retryInterval 2: three attempts, each
    reported DiagnosticsStatusNotification Uploading then UploadFailed."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    start = dt.datetime.now(dt.timezone.utc)
    answer = csms.call(call.GetDiagnostics(
        location=f"ftp://user:12345@127.0.0.1:{free_port()}", retries=2, retry_interval=2,
        start_time=start.isoformat(), stop_time=(start + dt.timedelta(days=3)).isoformat()))
    assert answer["fileName"].endswith(".tar.gz"), answer
    csms.wait_count("DiagnosticsStatusNotification", 3,
                    lambda p: p["status"] == "UploadFailed", after=m, timeout=20)
    csms.wait_quiet()
    assert _statuses(csms, "DiagnosticsStatusNotification", m) == [
        "Uploading", "UploadFailed"] * 3


def test_every_security_log_upload_attempt_is_reported(make_station, csms):
    """Mirrors firmware_and_diagnostics_tests.py::test_upload_security_log_retries: GetLog
    SecurityLog to an unreachable FTP location with retries 2 and retryInterval 2: Accepted,
    then three attempts, each reported LogStatusNotification Uploading then UploadFailure with
    the requestId."""
    station = make_station()
    booted(csms, station)
    m = csms.index()
    oldest = dt.datetime.now(dt.timezone.utc)
    answer = csms.call(call.GetLog(
        log={"remoteLocation": f"ftp://user:12345@127.0.0.1:{free_port()}",
             "oldestTimestamp": oldest.isoformat(),
             "latestTimestamp": (oldest + dt.timedelta(days=3)).isoformat()},
        log_type="SecurityLog", request_id=1, retries=2, retry_interval=2))
    assert answer["status"] == "Accepted", answer
    csms.wait_count("LogStatusNotification", 3, lambda p: p["status"] == "UploadFailure",
                    after=m, timeout=20)
    csms.wait_quiet()
    assert [(p["status"], p["requestId"]) for a, p in csms.messages[m:]
            if a == "LogStatusNotification"] == [("Uploading", 1), ("UploadFailure", 1)] * 3


"""The OCPP message log files as the Internal keys LogRotation* and LogMessagesRaw shape them
(issue 22): libocpp's MessageLogging names, rotation and raw files (lib/ocpp/common/
ocpp_logging.cpp, v16's ChargePointImpl constructor). EVerest's OCPP 1.6 test suite has no test
of these files. Every wait is on a message or a state, bounded by a timeout."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from ocpp.v16 import call

from core_steps import booted

MAX_SIZE = 2000


def _names(station) -> list[str]:
    return sorted(p.name for p in (station.dir / "logs").iterdir())


def test_log_rotation_names_rotates_and_continues_every_file_and_raw_logs_the_frames_sent(
        make_station, csms):
    """With LogRotation the files are libocpp_16.log / .html / .security.log and
    libocpp_16_raw.log / _raw.html (LogMessagesRaw), each rotated once it reaches
    LogRotationMaximumFileSize (`.0`, `.1`, at most LogRotationMaximumFileCount files of a
    name), and a restart goes on writing them; the raw files hold the frames the station sent,
    as sent."""
    station = make_station(ocpp_overrides={"Internal": {
        "LogRotation": True, "LogRotationMaximumFileSize": MAX_SIZE,
        "LogRotationMaximumFileCount": 3, "LogMessagesRaw": True}})
    booted(csms, station)
    # Each GetConfiguration.conf is larger than the maximum: every file rotates before the
    # next message after it.
    for _ in range(4):
        assert csms.call(call.GetConfiguration())["configurationKey"]
    csms.wait_quiet()
    names = _names(station)
    bases = ["libocpp_16.html", "libocpp_16.log", "libocpp_16.security.log",
             "libocpp_16_raw.html", "libocpp_16_raw.log"]
    assert [n for n in names if not re.search(r"\.\d+$", n)] == bases, names
    for base in ["libocpp_16.log", "libocpp_16.html", "libocpp_16_raw.log", "libocpp_16_raw.html"]:
        rotated = [n for n in names if n.startswith(base + ".")]
        # At most 3 files of a name: the base and two rotated ones, `.0` the newest.
        assert rotated == [f"{base}.0", f"{base}.1"], names
    logs = station.dir / "logs"
    for name in names:
        if name.endswith(".html") or ".html." in name:
            page = (logs / name).read_text()
            assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n"), name
    # The raw log: the station's frames as sent, a GetConfiguration.conf among them; none of the
    # CSMS's.
    raw = "".join((logs / n).read_text() for n in names if n.startswith("libocpp_16_raw.log"))
    assert "ChargePoint>CentralSystem CALLRESULT GetConfiguration" in raw
    assert "CentralSystem>ChargePoint" not in raw
    # A restart goes on with the same files: its BootNotification is in libocpp_16.log.
    station.kill()
    m = csms.index()
    station.restart()
    booted(csms, station, after=m)
    assert "BootNotification" in (logs / "libocpp_16.log").read_text()
    # Every page is still one well-formed document: a continued page's new rows went over its
    # closing tags, not after them.
    for name in _names(station):
        if name.endswith(".html") or ".html." in name:
            page = (logs / name).read_text()
            assert page.count("</html>") == 1 and page.endswith("</html>\n"), name
            ElementTree.fromstring(page.split("\n", 1)[1])
    assert not [n for n in _names(station) if n.startswith("20")], _names(station)

"""Secrets never leave the station (DESIGN §7a): an AuthorizationKey set by ChangeConfiguration,
and the HTTP Basic header the station then connects with (security profile 1), appear in no
output: not in the process's stdout and stderr at RUST_LOG=debug, not in any message log format
(log, html, security, console_detailed), not in the control API's event stream or recent
frames, not in the GetDiagnostics archive; nor does a key in a ChangeConfiguration the station
refuses or in a frame that is no OCPP-J. Where the key was, they show `<redacted>`. The message
logs are mode 0600 in a folder of mode 0700."""

from __future__ import annotations

import base64
import json
import stat
import tarfile
import threading
import urllib.request

from ocpp.v16 import call

from core_steps import booted

KEY = "planted-AuthKey-5c1e77a0f2"
# A second one, in a ChangeConfiguration the station refuses as malformed (an unknown field).
REFUSED_KEY = "refused-AuthKey-91b04d3e"
# A third, in frames that are no OCPP-J (cut short; a number for the message id): dropped.
BROKEN_KEY = "broken-AuthKey-6d20c8b7"
FORMATS = ["log", "html", "security", "console_detailed"]


class EventStream:
    """GET /api/v1/events, read into `text` by a thread until closed."""

    def __init__(self, station) -> None:
        self.text = ""
        self._lock = threading.Lock()
        self._resp = urllib.request.urlopen(f"http://{station.addr}/api/v1/events", timeout=30)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while line := self._resp.readline():
                with self._lock:
                    self.text += line.decode(errors="replace")
        # Closed under the reader (close()): http.client drops its file first.
        except (OSError, ValueError, AttributeError):
            pass

    def wait_for(self, needle: str, timeout: float = 15) -> None:
        deadline = threading.Event()
        for _ in range(int(timeout / 0.05)):
            with self._lock:
                if needle in self.text:
                    return
            deadline.wait(0.05)
        raise AssertionError(f"event stream: no {needle!r} within {timeout}s")

    def close(self) -> str:
        self._resp.close()
        self._thread.join(5)
        with self._lock:
            return self.text


def test_an_authorization_key_appears_in_no_output(make_station, csms, ftp):
    """Mirrors EVerest: ocpp_compliance_tests.py::test_chargepoint_update_security_profile."""
    station = make_station(rust_log="debug",
                           ocpp_overrides={"Internal": {"LogMessagesFormat": FORMATS}})
    booted(csms, station)
    events = EventStream(station)

    assert csms.call(call.ChangeConfiguration(key="AuthorizationKey", value=KEY)) == {
        "status": "Accepted"}
    # Malformed: answered with a CALLERROR, the key not taken; its value stays hidden too.
    raw = json.dumps([2, "raw-1", "ChangeConfiguration",
                      {"key": "AuthorizationKey", "value": REFUSED_KEY, "x": 1}])
    after = csms.send_raw(raw)
    csms.wait_frame(lambda f: isinstance(f, list) and f[:2] == [4, "raw-1"], after=after)
    change = {"key": "AuthorizationKey", "value": BROKEN_KEY}
    csms.send_raw(json.dumps([2, "raw-2", "ChangeConfiguration", change])[:-1])
    csms.send_raw(json.dumps([2, 7, "ChangeConfiguration", change], separators=(",", ":")))
    events.wait_for("[2,7,")
    # Profile 1: the station connects again, with HTTP Basic auth made of the key. (The
    # StatusNotifications of the new connection may arrive before wait_connections returns:
    # they are looked for from before the change.)
    reconnect = csms.index()
    assert csms.call(call.ChangeConfiguration(key="SecurityProfile", value="1")) == {
        "status": "Accepted"}
    csms.wait_connections(2)
    basic = base64.b64encode(f"cp001:{KEY}".encode()).decode()
    assert csms.authorizations[-1] == f"Basic {basic}"
    booted(csms, station, after=reconnect)

    # The archive of the logs, as the CSMS gets it.
    (ftp.root / "diag").mkdir()
    m = csms.index()
    name = csms.call(call.GetDiagnostics(location=ftp.url("diag/")))["fileName"]
    csms.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded", after=m)
    events.wait_for("DiagnosticsStatusNotification")
    outputs: dict[str, str] = {}
    with tarfile.open(ftp.root / "diag" / name, "r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile():
                outputs[f"archive {member.name}"] = archive.extractfile(member).read().decode()
    assert any(n.endswith(".html") for n in outputs), list(outputs)

    logs = station.dir / "logs"
    for path in sorted(logs.iterdir()):
        outputs[f"message log {path.name}"] = path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    assert {p.suffix for p in logs.iterdir()} == {".log", ".html"}
    frames = station.api("GET", "/frames")["frames"]
    outputs["GET /api/v1/frames"] = json.dumps(frames)
    outputs["GET /api/v1/events"] = events.close()
    station.graceful_stop()
    outputs["stdout and stderr"] = station.log()

    secrets = {"the key": KEY, "the refused key": REFUSED_KEY, "the broken frames' key": BROKEN_KEY,
               "the Basic header": basic, "the key in hex": KEY.encode().hex()}
    for where, text in outputs.items():
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in {where}"

    # What they show instead: the frame as it went, with the value redacted.
    shown = [f["frame"] for f in frames if f["action"] == "ChangeConfiguration"
             and f["message_type"] == "CALL"]
    assert '{"key":"AuthorizationKey","value":"<redacted>"}' in shown[0], shown
    text_log = next(t for w, t in outputs.items() if w.startswith("message log")
                    and w.endswith("Z.log"))
    assert '"value":"<redacted>"' in text_log
    assert "ChangeConfiguration" in outputs["stdout and stderr"]  # console_detailed wrote

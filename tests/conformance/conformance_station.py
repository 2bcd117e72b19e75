"""Runs the `ferrocharge` binary as the station under test, with a generated station YAML (from a
shipped SIL config) and OCPP JSON (from config/ocpp-config.json) in a fresh folder, and drives it
through its control API."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
CONFIG = REPO / "config"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(dir: Path, csms_uri: str, yaml_name: str = "config-sil-one-evse.yaml",
                 charge_point_id: str = "cp001", ocpp_overrides: dict | None = None,
                 yaml_edit=None) -> tuple[Path, str]:
    """Writes station.yaml and ocpp.json into `dir`; returns the YAML's path and the control
    API's address."""
    ocpp = json.loads((CONFIG / "ocpp-config.json").read_text())
    ocpp["Internal"]["CentralSystemURI"] = csms_uri
    ocpp["Internal"]["ChargePointId"] = charge_point_id
    ocpp["Core"]["HeartbeatInterval"] = 2
    ocpp["Core"]["MeterValueSampleInterval"] = 2
    ocpp["Core"]["TransactionMessageRetryInterval"] = 1
    # The shipped config waits up to 1 s after an Authorize for the CSMS's SetUserPrice
    # (California Pricing), which this CSMS sends only when a scenario asks: no wait, so that
    # a session starts as soon as its identifier is accepted (the pricing scenarios set it).
    ocpp["CostAndPrice"]["WaitForSetUserPriceTimeout"] = 0
    for section, values in (ocpp_overrides or {}).items():
        ocpp.setdefault(section, {}).update(values)
    ocpp_path = dir / "ocpp.json"
    ocpp_path.write_text(json.dumps(ocpp, indent=2))

    api = f"127.0.0.1:{free_port()}"
    yaml = (CONFIG / yaml_name).read_text()

    def replace(text: str, old: str, new: str) -> str:
        assert old in text, f"{yaml_name} has no {old!r}"
        return text.replace(old, new, 1)

    yaml = replace(yaml, "  data_dir: /tmp/ferrocharge", f"  data_dir: {dir / 'data'}")
    yaml = replace(yaml, "  control_api: 127.0.0.1:8849", f"  control_api: {api}")
    # The shipped configs' own DatabasePath goes: each test has its own (below).
    yaml = re.sub(r"\n      DatabasePath: [^\n]*", "", yaml)
    # The shipped configs name ocpp-config.json (config-sil-pnc.yaml ocpp-config-pnc.json).
    assert "      ChargePointConfigPath: ocpp-config" in yaml, f"{yaml_name} has no ChargePointConfigPath"
    yaml = re.sub(
        r"      ChargePointConfigPath: ocpp-config[^\n]*",
        lambda _: f"      ChargePointConfigPath: {ocpp_path}\n"
        f"      MessageLogPath: {dir / 'logs'}\n"
        f"      DatabasePath: db",
        yaml,
        count=1,
    )
    yaml = yaml.replace("session_logging_path: /tmp/everest-logs",
                        f"session_logging_path: {dir / 'sessions'}")
    yaml = yaml.replace("session_logging_path: /tmp\n", f"session_logging_path: {dir / 'sessions'}\n")
    if yaml_edit is not None:
        yaml = yaml_edit(yaml)
    path = dir / "station.yaml"
    path.write_text(yaml)
    return path, api


class Station:
    def __init__(self, binary: Path, config: Path, api: str, dir: Path,
                 rust_log: str = "info") -> None:
        self.addr = api
        self.rust_log = rust_log
        self.dir = dir
        # settings.control_api_token, when the test set one: sent as a bearer token.
        self.token: str | None = None
        self.output = dir / "station.log"
        self._args = [str(binary), "run", "--config", str(config)]
        self._out = open(self.output, "w")
        self.proc = self._spawn()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen(
            self._args,
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            cwd=self.dir, env={"RUST_LOG": self.rust_log, "PATH": "/usr/bin:/bin"},
        )

    def kill(self) -> None:
        """Power loss: SIGKILL, nothing is flushed or closed properly."""
        self.proc.kill()
        self.proc.wait(5)

    def restart(self, wait: bool = True) -> dict | None:
        """Starts the station again, with the same config and data dir, after `kill` or after
        the process ended; returns the state once the control API answers (`wait`)."""
        assert self.proc.poll() is not None, "the station still runs"
        self._out.write("\n---- restarted by the test ----\n")
        self._out.flush()
        self.proc = self._spawn()
        return self.wait_api() if wait else None

    def graceful_stop(self, timeout: float = 10) -> int:
        """POST /station/stop and wait for the process to exit; returns its exit code."""
        self.api("POST", "/station/stop")
        return self.proc.wait(timeout)

    def log(self) -> str:
        self._out.flush()
        return self.output.read_text(errors="replace")

    def api(self, method: str, path: str, json_body: dict | None = None,
            expect: int | None = 200) -> dict:
        """Calls the control API; `path` is under /api/v1. Checks the status when `expect`."""
        data = None if json_body is None else json.dumps(json_body).encode()
        if data is None and method == "POST":
            data = b"{}"
        headers = {"Content-Type": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(f"http://{self.addr}/api/v1{path}", data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read()
        answer = json.loads(body) if body else {}
        if expect is not None:
            assert status == expect, f"{method} {path} -> {status} {answer}"
        return answer

    def state(self) -> dict:
        return self.api("GET", "/state")

    def wait_api(self, timeout: float = 15) -> dict:
        """Waits until the control API answers; returns the state."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"the station exited {self.proc.returncode}:\n{self.log()}")
            try:
                return self.state()
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"no control API within {timeout}s:\n{self.log()}")
                time.sleep(0.05)

    def wait_state(self, predicate, timeout: float = 15) -> dict:
        """Polls GET /state until predicate(state) holds."""
        deadline = time.monotonic() + timeout
        state = None
        while True:
            try:
                state = self.state()
            except (urllib.error.URLError, ConnectionError, OSError):
                # Between two runs of the station (a Reset restarts it in the same process).
                if self.proc.poll() is not None:
                    raise AssertionError(f"the station exited {self.proc.returncode}:\n{self.log()}")
            else:
                if predicate(state):
                    return state
            if time.monotonic() > deadline:
                raise AssertionError(f"state condition not met within {timeout}s: {state}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Always ends the process: terminate, then kill."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if not self._out.closed:
            self._out.close()

"""`ferrocharge sil` as a user runs it to play with a CSMS: the station of a generated config and,
in the same process, the bundled dev CSMS where the station connects, with its web UI and HTTP
API (docs/csms-api.md) on a free port. The scenarios drive the CSMS through that API and watch
the station through its control API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from conformance_station import Station, free_port, write_config

TIMEOUT = 20


class Sil(Station):
    """The `sil` process: `api`/`state` are the station's control API (Station's), `csms` the dev
    CSMS's HTTP API."""

    def __init__(self, binary: Path, dir: Path, yaml_name: str = "config-sil-one-evse.yaml",
                 sil_args: tuple[str, ...] = (), **kwargs) -> None:
        # More arguments of `sil` (--security-profile N).
        self.sil_args = list(sil_args)
        self.csms_port = free_port()
        self.csms_http = f"127.0.0.1:{free_port()}"
        uri = f"127.0.0.1:{self.csms_port}/steve/websocket/CentralSystemService/"
        config, api = write_config(dir, uri, yaml_name, **kwargs)
        super().__init__(binary, config, api, dir)

    def _spawn(self):
        # Station's arguments are `<bin> run --config FILE`: the same station, under `sil`.
        binary, _, flag, config = self._args[:4]
        self._args = [binary, "sil", flag, config, "--csms-http", self.csms_http, *self.sil_args]
        return super()._spawn()

    def csms(self, method: str, path: str, body=None, expect: int | None = 200):
        """Calls the dev CSMS's HTTP API (`path` under /api/v1) as its web page does; checks
        the status when `expect`."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        req = urllib.request.Request(f"http://{self.csms_http}/api/v1{path}", data=data,
                                     method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        answer = json.loads(raw) if raw else None
        if expect is not None:
            assert status == expect, f"{method} {path} -> {status} {answer}"
        return answer

    def call(self, action: str, payload: dict, charge_point: str = "cp001") -> dict:
        """Sends a CALL through the CSMS API; returns its outcome."""
        return self.csms("POST", f"/charge-points/{charge_point}/calls",
                         {"action": action, "payload": payload})

    def wait_csms(self, predicate, path: str = "/charge-points", timeout: float = TIMEOUT):
        """Polls GET `path` of the CSMS API until predicate(answer) holds; returns the answer."""
        deadline = time.monotonic() + timeout
        answer = None
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"sil exited {self.proc.returncode}:\n{self.log()}")
            try:
                answer = self.csms("GET", path)
            except (urllib.error.URLError, ConnectionError, OSError):
                answer = None
            else:
                if predicate(answer):
                    return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"CSMS {path}: condition not met within {timeout}s: {answer}")
            time.sleep(0.05)

    def wait_booted(self, connectors=(1,)) -> dict:
        """Until the CSMS has cp001 connected, Accepted, and every connector Available."""
        self.wait_api()

        def ready(cps):
            cp = next((c for c in cps if c["id"] == "cp001"), None)
            if not cp or not cp["connected"] or cp["registration"] != "Accepted":
                return False
            statuses = {c["id"]: c["status"] for c in cp["connectors"]}
            return all(statuses.get(c) == "Available" for c in (0, *connectors))

        cps = self.wait_csms(ready)
        self.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted" and s["ocpp"]["connected"])
        return next(c for c in cps if c["id"] == "cp001")

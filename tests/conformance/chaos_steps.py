"""Steps of the chaos scenario (test_crash_chaos.py): the CSMS as a process that can be killed
(chaos_csms.py), the faults of the network and the CSMS on a schedule, the sessions a
connector runs, the station's state and database as the checker (exactly_once.py) takes them.
Every random choice comes from a random.Random seeded from the scenario's seed."""

from __future__ import annotations

import http.client
import json
import random
import select
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from exactly_once import ConnectorSeen, Poll, Received, ts

CHAOS_CSMS = Path(__file__).resolve().parent / "chaos_csms.py"


class CsmsProcess:
    """chaos_csms.py on a fixed port, killed and started again on it; its journal spans its
    incarnations."""

    def __init__(self, port: int, journal: Path, log: Path) -> None:
        self.port = port
        self.journal = journal
        self._log = open(log, "a")
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 15) -> None:
        assert self.proc is None or self.proc.poll() is not None
        self.proc = subprocess.Popen(
            [sys.executable, str(CHAOS_CSMS), "--port", str(self.port),
             "--journal", str(self.journal)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        assert line.startswith("listening"), f"the CSMS did not start: {line!r}"
        self.starts += 1

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.running():
            self.proc.kill()
            self.proc.wait(5)

    def close(self) -> None:
        self.kill()
        self._log.close()

    def received(self) -> tuple[list[Received], dict[tuple[int, int], tuple[float, int]], int]:
        """Every CALL recorded, the (incarnation, connection) -> (time, peer port) of every
        connection, and how many lines did not parse."""
        received, conns, broken = [], {}, 0
        for line in self.journal.read_text().splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                broken += 1
                continue
            if e["k"] == "rec":
                received.append(Received(e["t"], e["inc"], e["conn"], e["id"], e["action"],
                                         e["payload"], e.get("given")))
            elif e["k"] == "conn":
                conns[(e["inc"], e["conn"])] = (e["t"], e["peer_port"])
        return received, conns, broken


# What breaks, and how often: a fault every FAULT_GAP_S on average (exponential gaps).
FAULT_GAP_S = 1.5
FAULTS = {"delay": 2, "stall": 2, "drop": 2, "reset": 2, "csms-restart": 1}


class Chaos(threading.Thread):
    """Breaks the network (the fault proxy) and kills and restarts the CSMS, at random
    moments, until `stop()`; the CSMS runs and the proxy forwards at once again then."""

    def __init__(self, rng: random.Random, proxy, csms: CsmsProcess) -> None:
        super().__init__(daemon=True)
        self.rng = rng
        self.proxy = proxy
        self.csms = csms
        self.done = Counter()
        self._halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as e:  # reported by stop()
            self.error = e

    def _run(self) -> None:
        rng, kinds = self.rng, list(FAULTS)
        while not self._halt.wait(rng.expovariate(1 / FAULT_GAP_S)):
            fault = rng.choices(kinds, [FAULTS[k] for k in kinds])[0]
            self.done[fault] += 1
            if fault == "delay":
                self.proxy.delay(rng.uniform(0.02, 0.3))
                self._halt.wait(rng.uniform(0.5, 3.0))
                self.proxy.delay(0)
            elif fault == "stall":
                then = rng.choice(["resume", "reset"])
                self.done[f"stall-{then}"] += 1
                self.proxy.stall(rng.uniform(0.2, 1.5), then=then)
            elif fault == "drop":
                self.proxy.drop()
            elif fault == "reset":
                self.proxy.reset()
            else:
                self.csms.kill()
                self._halt.wait(rng.uniform(0.0, 1.0))
                self.csms.start()

    def stop(self) -> None:
        self._halt.set()
        self.join(30)
        assert not self.is_alive(), "the chaos thread did not stop"
        if self.error is not None:
            raise self.error
        self.proxy.heal()
        if not self.csms.running():
            self.csms.start()


def call(station, method: str, path: str, body: dict | None = None) -> int | None:
    """A control API command; its status, or None when the station did not answer (killed)."""
    data = json.dumps(body if body is not None else {}).encode()
    req = urllib.request.Request(f"http://{station.addr}/api/v1{path}", data=data,
                                 method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return None


def drive_connector(station, connector: int, rng: random.Random, killed: threading.Event,
                    statuses: Counter) -> None:
    """Sessions on `connector` until the station is killed: plug in, the connector's card
    (prevalidated: no Authorize, as a payment terminal, so it charges offline too), charge a
    while, then stop by unplugging, by the stop button (then unplug), by the same card again
    (then unplug), or not at all (charging when the kill comes)."""
    tag = f"CHAOS{connector}"

    def do(method: str, path: str, body: dict | None = None) -> bool:
        status = call(station, method, path, body)
        statuses[(path.rsplit("/", 1)[-1], status)] += 1
        return status is not None and not killed.is_set()

    def pause(seconds: float) -> bool:
        return not killed.wait(seconds)

    while pause(rng.uniform(0.0, 0.3)):
        if not do("POST", f"/connectors/{connector}/plug-in"):
            return
        if not do("POST", "/tokens", {"id_tag": tag, "connectors": [connector],
                                      "prevalidated": True}):
            return
        if not pause(rng.uniform(0.2, 2.5)):
            return
        how = rng.choices(["unplug", "stop-button", "card", "keep"], [3, 2, 2, 1])[0]
        if how == "keep":
            return
        if how == "stop-button":
            ok = do("POST", f"/connectors/{connector}/stop-transaction", {"reason": "Local"})
        elif how == "card":
            ok = do("POST", "/tokens", {"id_tag": tag, "connectors": [connector],
                                        "prevalidated": True})
        else:
            ok = True
        if not ok or (how != "unplug" and not pause(rng.uniform(0.0, 0.5))):
            return
        if not do("POST", f"/connectors/{connector}/unplug"):
            return


# The EvseManager's session states while its transaction runs (docs/control-api.md,
# `evse_state`).
EVSE_RUNNING = {"PrepareCharging", "Charging", "ChargingPausedEV", "ChargingPausedEVSE"}


def poll(station, inc: int) -> Poll | None:
    """The state as the checker takes it; None when the station did not answer."""
    req = urllib.request.Request(f"http://{station.addr}/api/v1/state")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            state = json.loads(resp.read())
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError):
        return None
    t = time.monotonic()
    connectors = []
    for c in state["connectors"]:
        tx = c["transaction"]
        connectors.append(ConnectorSeen(
            tx=(c["id"], ts(tx["started_at"])) if tx else None,
            meter_start=tx["meter_start_wh"] if tx else None,
            id_tag=tx["id_tag"] if tx else None,
            energy_wh=c["energy_wh"], power_w=c["power_w"],
            evse_running=c["evse_state"] in EVSE_RUNNING))
    return Poll(t, inc, connectors)


def stored(data_dir: Path, scratch: Path) -> tuple[list[tuple[str, dict]], list[dict]]:
    """The transaction queue and the transaction records in the station's OCPP database (the
    station is not running): read from a copy, so that the station's own recovery of its
    write-ahead log is left to it."""
    found = sorted(data_dir.glob("db/*.db"))
    if not found:
        return [], []
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "snapshot.db"
    for suffix in ("", "-wal"):
        source = Path(str(found[0]) + suffix)
        target = Path(str(copy) + suffix)
        target.unlink(missing_ok=True)
        if source.exists():
            shutil.copyfile(source, target)
    Path(str(copy) + "-shm").unlink(missing_ok=True)
    conn = sqlite3.connect(copy)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        messages = ([(a, json.loads(p)) for a, p in
                     conn.execute("SELECT action, payload FROM messages ORDER BY key")]
                    if "messages" in tables else [])
        records = ([json.loads(r) for (r,) in conn.execute("SELECT record FROM transactions")]
                   if "transactions" in tables else [])
    finally:
        conn.close()
    return messages, records

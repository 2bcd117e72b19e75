"""`ferrocharge fleet` against the dev CSMS (`ferrocharge csms`, its own process, as a CSMS team
would run it): a fleet of 50 stations runs a scenario, and the CSMS's own records (its message
log and its transactions, through its HTTP API, docs/csms-api.md) show every transaction
started and stopped exactly once, checked per station by the chaos scenario's exactly-once
checker (exactly_once.py); `--shard` slices run as separate processes connect every id of the
fleet exactly once. Every wait is on a process or the CSMS's state, with a timeout."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conformance_station import CONFIG, free_port
from exactly_once import Received, check
from fault_proxy import Conn

TIMEOUT = 240

SCENARIO = """
duration: 25s
sessions_per_hour: 120
sessions_at_start: 1.0
session_length: {min: 4s, max: 8s}
tags: [DEADBEEF, ABC12345, RFID_VALID1]
offline_windows:
  - {after: 6s, for: 4s, share: 0.2}
expected_csms_calls: []
seed: 11
"""


class DevCsms:
    """`ferrocharge csms` on free ports, its database in `dir`."""

    def __init__(self, binary: Path, dir: Path) -> None:
        dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.http = f"127.0.0.1:{free_port()}"
        self.log = open(dir / "csms.log", "wb")
        self.proc = subprocess.Popen(
            [binary, "csms", "--listen", f"127.0.0.1:{self.port}", "--http", self.http,
             "--data-dir", str(dir / "db"), "--no-pricing", "--heartbeat-interval", "10"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                self.get("/charge-points")
                return
            except (urllib.error.URLError, ConnectionError):
                assert self.proc.poll() is None, "the dev CSMS exited"
                assert time.monotonic() < deadline, "the dev CSMS did not answer"
                time.sleep(0.1)

    def uri(self) -> str:
        return f"ws://127.0.0.1:{self.port}/steve/websocket/CentralSystemService/"

    def get(self, path: str):
        with urllib.request.urlopen(f"http://{self.http}/api/v1{path}", timeout=10) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def dev_csms(ferrocharge_bin, tmp_path):
    csms = DevCsms(ferrocharge_bin, tmp_path / "csms")
    yield csms
    csms.stop()


def station_yaml(dir: Path) -> Path:
    """The shipped one-EVSE SIL station, its data dir in `dir`."""
    yaml = (CONFIG / "config-sil-one-evse.yaml").read_text()
    yaml = yaml.replace("data_dir: /tmp/ferrocharge", f"data_dir: {dir / 'data'}")
    path = dir / "station.yaml"
    path.write_text(yaml)
    return path


def fleet(binary: Path, dir: Path, csms: DevCsms, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [binary, "fleet", "--config", str(station_yaml(dir)), "--csms", csms.uri(),
         "--data-dir", str(dir / "fleet"), "--status-every", "5s", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen) -> str:
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"the fleet did not end in {TIMEOUT} s:\n{out[-4000:]}")
    return out


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def received_by(csms: DevCsms, charge_point: str) -> tuple[list[Received], Conn]:
    """The CALLs the CSMS received from `charge_point`, each with the transactionId the CSMS
    gave it when it is a StartTransaction (from the CALLRESULT the CSMS sent), and the CSMS's
    answers as the checker's record of what reached the station (no proxy in between: what
    the CSMS sent is what the station's socket got, unless a connection broke, which the
    checker then has no loss to explain a copy with, and fails)."""
    frames = csms.get(f"/charge-points/{charge_point}/frames")
    conn = Conn(id=0, opened=0.0, upstream_port=1)
    conn.delivered = [(epoch(f["time"]), f["text"]) for f in frames if f["direction"] == "sent"]
    given = {}
    for f in frames:
        if f["direction"] == "sent" and f["message_type"] == "CALLRESULT" \
                and f["action"] == "StartTransaction":
            given[f["message_id"]] = json.loads(f["text"])[2]["transactionId"]
    out = []
    for f in frames:
        if f["direction"] == "received" and f["message_type"] == "CALL":
            payload = json.loads(f["text"])[3]
            # Clock-aligned readings of an idle connector (ClockAlignedDataInterval) belong to
            # no transaction: not the checker's.
            if f["action"] == "MeterValues" and "transactionId" not in payload:
                continue
            out.append(Received(t=epoch(f["time"]), inc=0, conn=0, id=f["message_id"],
                                action=f["action"], payload=payload,
                                given=given.get(f["message_id"])))
    return out, conn


def test_a_fleet_of_50_completes_its_scenario_with_every_transaction_once(
        ferrocharge_bin, dev_csms, tmp_path):
    proc = fleet(ferrocharge_bin, tmp_path, dev_csms, "--count", "50", "--ramp-up", "5s",
                 "--scenario", str(write(tmp_path / "scenario.yaml", SCENARIO)),
                 "--set", "MeterValueSampleInterval=3", "--store", "sqlite",
                 "--report", str(tmp_path / "r.json"))
    out = finish(proc)
    assert proc.returncode == 0, out[-4000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["fleet"]["stations"] == 50
    assert report["fleet"]["store"] == "sqlite"
    # The 50 stations' stores are one SQLite file in the fleet's data dir (with its write-ahead
    # log and shared memory, were it still open): no station has a database of its own, only
    # its user config.
    data = tmp_path / "fleet"
    files = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    databases = [f for f in files if ".db" in f]
    assert databases in (["fleet.db"], ["fleet.db", "fleet.db-shm", "fleet.db-wal"]), databases
    assert [f for f in files if f not in databases] == [
        f"cp{n:05}/user_config.json" for n in range(1, 51)]
    # Every station's queue drained and its transactions ended: nothing of either is left in
    # the file; what the stations did keep is under their own ids.
    with sqlite3.connect(data / "fleet.db") as db:
        assert db.execute("SELECT count(*) FROM messages").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM transactions").fetchone() == (0,)
        cached = db.execute("SELECT station, id_tag FROM authorization_cache").fetchall()
    # The CSMS's answers to the stations' tags, each under the station that asked.
    assert cached, "no station cached an authorization"
    assert {station for station, _ in cached} <= {f"cp{n:05}" for n in range(1, 51)}, cached
    assert {tag for _, tag in cached} <= {"DEADBEEF", "ABC12345", "RFID_VALID1"}, cached
    assert report["stations"]["booted"] == 50, report["stations"]
    assert report["stations"]["offline_windows"] > 0
    sessions = report["sessions"]
    # A tag presented while its station is offline may get no transaction (not authorized
    # offline): counted apart.
    assert sessions["begun"] == (sessions["transactions_started"]
                                 + sessions["without_transaction"]), sessions
    assert sessions["transactions_started"] == sessions["transactions_ended"] >= 40, sessions
    assert report["errors"]["total"] == 0, report["errors"]

    # The CSMS's side: every transaction it knows is stopped; as many as the fleet started.
    transactions = dev_csms.get("/transactions")
    assert [t for t in transactions if t["stopped"] is None] == []
    assert len(transactions) == sessions["transactions_started"]
    ids = [f"cp{n:05}" for n in range(1, 51)]
    assert sorted(cp["id"] for cp in dev_csms.get("/charge-points")) == ids
    # Per station, its messages as the CSMS received them: one StartTransaction and one
    # StopTransaction per transaction, no copy, no conflict, no loss.
    starts = 0
    for cp in ids:
        received, conn = received_by(dev_csms, cp)
        r = check(received, polls=[], kills=[], conns=[conn], csms_conns={(0, 0): (1e12, 1)},
                  sample_interval_s=3, reading_age_s=1)
        assert r.problems() == [], (cp, r.problems())
        assert r.duplicates == [], (cp, r.duplicates)
        for action in ("StartTransaction", "StopTransaction"):
            assert r.counts["copies " + action] == r.counts["distinct " + action], (cp, action)
        assert r.counts["copies StartTransaction"] == r.counts["copies StopTransaction"]
        assert r.counts["copies StartTransaction"] == r.counts["transactions"]
        starts += r.counts["transactions"]
        mine = [t for t in transactions if t["charge_point_id"] == cp]
        assert len(mine) == r.counts["transactions"], cp
    assert starts == len(transactions)


def test_a_fleet_keeps_its_persistent_store_values_in_its_one_file(
        ferrocharge_bin, dev_csms, tmp_path):
    """The two-EVSE SIL config has a PersistentStore module (the EvseManagers' session ids): with
    `--store sqlite` each station's values are its rows of the fleet's file, not a file of
    its own. Its EvseManagers' session logs (session_logging: true) are off in a fleet."""
    yaml = (CONFIG / "config-sil-ocpp.yaml").read_text()
    assert "module: PersistentStore" in yaml
    sessions = tmp_path / "sessions"
    assert yaml.count("session_logging: true") == 2
    assert "session_logging_path: /tmp/everest-logs\n" in yaml
    assert "session_logging_path: /tmp\n" in yaml
    yaml = (yaml.replace("data_dir: /tmp/ferrocharge", f"data_dir: {tmp_path / 'data'}")
            .replace("session_logging_path: /tmp/everest-logs\n",
                     f"session_logging_path: {sessions / 'a'}\n")
            .replace("session_logging_path: /tmp\n", f"session_logging_path: {sessions / 'b'}\n"))
    config = write(tmp_path / "station.yaml", yaml)
    scenario = write(tmp_path / "scenario.yaml", SCENARIO.replace("share: 0.2", "share: 0.0"))
    proc = subprocess.Popen(
        [ferrocharge_bin, "fleet", "--config", str(config), "--csms", dev_csms.uri(),
         "--count", "2", "--scenario", str(scenario), "--store", "sqlite",
         "--data-dir", str(tmp_path / "fleet"), "--report", str(tmp_path / "r.json")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = finish(proc)
    assert proc.returncode == 0, out[-4000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["sessions"]["transactions_started"] >= 2, report["sessions"]
    data = tmp_path / "fleet"
    files = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    databases = [f for f in files if ".db" in f]
    assert databases in (["fleet.db"], ["fleet.db", "fleet.db-shm", "fleet.db-wal"]), databases
    assert [f for f in files if f not in databases] == ["cp00001/user_config.json",
                                                        "cp00002/user_config.json"]
    with sqlite3.connect(data / "fleet.db") as db:
        rows = db.execute("SELECT station, module, key, value FROM station_kvs "
                          "ORDER BY station, key").fetchall()
    # Each EvseManager's session id, cleared once its session ended, under each station.
    assert [(station, module) for station, module, _, _ in rows] == \
        [("cp00001", "persistent_store")] * 2 + [("cp00002", "persistent_store")] * 2, rows
    assert {value for _, _, _, value in rows} == {'""'}, rows
    assert not sessions.exists(), sorted(sessions.rglob("*"))


def test_shards_run_in_separate_processes_connect_each_id_exactly_once(
        ferrocharge_bin, dev_csms, tmp_path):
    procs = []
    for k in (1, 2, 3):
        dir = tmp_path / f"shard{k}"
        dir.mkdir()
        procs.append((dir, fleet(ferrocharge_bin, dir, dev_csms, "--count", "20",
                                 "--id-pattern", "site-{:03}", "--shard", f"{k}/3",
                                 "--store", "memory", "--duration", "3s",
                                 "--report", str(dir / "r.json"))))
    seen = []
    for dir, proc in procs:
        out = finish(proc)
        assert proc.returncode == 0, out[-4000:]
        report = json.loads((dir / "r.json").read_text())
        seen.append((report["fleet"]["shard"], report["fleet"]["stations"],
                     report["stations"]["booted"]))
        # Nothing under the data dir but the stations' folders and the report; the memory
        # store writes no database.
        assert not list((dir / "fleet").glob("*/ocpp/*.db"))
    assert seen == [("1/3", 7, 7), ("2/3", 7, 7), ("3/3", 6, 6)]
    booted = {}
    for cp in dev_csms.get("/charge-points"):
        boots = [f for f in dev_csms.get(f"/charge-points/{cp['id']}/frames?action=BootNotification")
                 if f["direction"] == "received"]
        booted[cp["id"]] = len(boots)
    assert booted == {f"site-{n:03}": 1 for n in range(1, 21)}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("args, reason", [
    (["--id-pattern", "cp/{}"], "'/' is not allowed in a charge point id"),
    (["--id-pattern", "cp"], "has no number placeholder"),
    (["--id-pattern", "cp{}{}"], "exactly one placeholder"),
    (["--shard", "3/2"], "--shard \"3/2\": k/n needs 1 <= k <= n"),
    (["--csms", "wss://127.0.0.1:9/x/"], "the fleet speaks ws:// only"),
    (["--csms", "http://127.0.0.1:9/x/"], "--csms"),
    (["--set", "NoSuchKey=1"], "\"NoSuchKey\" is not a key of the OCPP configuration"),
    (["--set", "ChargePointId=x"], "the fleet sets ChargePointId itself"),
    (["--ramp-up", "soon"], "--ramp-up"),
    (["--scenario", "SCENARIO", "--duration", "5s"], "--duration is for a fleet without a scenario"),
    (["--scenario", "BAD_SCENARIO"], "unknown field `sessions_per_day`"),
])
def test_bad_fleet_arguments_are_refused_before_anything_starts(ferrocharge_bin, tmp_path, args,
                                                                  reason):
    scenario = write(tmp_path / "good.yaml", SCENARIO)
    bad = write(tmp_path / "bad.yaml", SCENARIO.replace("sessions_per_hour", "sessions_per_day"))
    args = [str(scenario) if a == "SCENARIO" else str(bad) if a == "BAD_SCENARIO" else a
            for a in args]
    base = ["--config", str(station_yaml(tmp_path)), "--count", "3",
            "--data-dir", str(tmp_path / "fleet")]
    if "--csms" not in args:
        base += ["--csms", "ws://127.0.0.1:9/x/"]
    done = subprocess.run([ferrocharge_bin, "fleet", *base, *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert reason in done.stderr, done.stderr
    # Refused before any station started: no station folder, no report.
    assert not (tmp_path / "fleet").exists() or list((tmp_path / "fleet").iterdir()) == []


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_fleet_station_reset_by_the_csms_starts_again_and_counts_once(
        ferrocharge_bin, dev_csms, tmp_path, store):
    proc = fleet(ferrocharge_bin, tmp_path, dev_csms, "--count", "3", "--store", store,
                 "--duration", "15s", "--report", str(tmp_path / "r.json"))

    def booted(cp: str, boots: int) -> bool:
        try:
            frames = dev_csms.get(f"/charge-points/{cp}/frames?action=BootNotification")
        except urllib.error.HTTPError as e:
            assert e.code == 404  # not connected yet
            return False
        return sum(1 for f in frames if f["direction"] == "sent") >= boots

    deadline = time.monotonic() + TIMEOUT
    while not all(booted(f"cp{n:05}", 1) for n in (1, 2, 3)):
        assert proc.poll() is None and time.monotonic() < deadline, "the fleet did not boot"
        time.sleep(0.2)
    req = urllib.request.Request(
        f"http://{dev_csms.http}/api/v1/charge-points/cp00002/calls",
        data=json.dumps({"action": "Reset", "payload": {"type": "Soft"}}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as answer:
        assert json.loads(answer.read()) == {"result": "answered", "payload": {"status": "Accepted"}}
    while not booted("cp00002", 2):
        assert proc.poll() is None and time.monotonic() < deadline, "cp00002 did not boot again"
        time.sleep(0.2)
    out = finish(proc)
    assert proc.returncode == 0, out[-4000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["stations"] == {"started": 4, "booted": 3, "start_failures": 0, "failures": 0,
                                  "offline_windows": 0}
    assert report["csms_calls"] == {"Reset": 1}
    assert report["unexpected_csms_calls"] == {"Reset": 1}

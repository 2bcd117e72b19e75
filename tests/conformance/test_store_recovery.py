"""Store files found unreadable at start (docs/store-recovery.md): a station stopped offline with
transaction messages queued in its database, the database then garbled, starts again with the
broken file moved aside under a timestamped name, an error-level log line naming the file, where
it went and the queued messages lost with it, the same in the state's `store_recovered`, and a
fresh database; a user config emptied while the station was stopped is moved aside and reported
the same way, never taken for "no changes". Every wait is on a message or a state, bounded by a
timeout."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
from pathlib import Path

from ocpp.v16 import call

from core_steps import FAST_RECONNECT, booted, session

ASIDE = re.compile(r"\.corrupt-\d{8}T\d{6}Z$")


def queued_messages(db: Path) -> tuple[int, str]:
    """The messages queued in the (closed, sound) database `db`: how many, and the report's
    "(Action n, ...)" detail."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT action, count(*) FROM messages GROUP BY action ORDER BY action").fetchall()
    conn.close()
    return sum(n for _, n in rows), ", ".join(f"{a} {n}" for a, n in rows)


def garble_table(db: Path, table: str) -> None:
    """Overwrites the first page of `table` in the closed database `db` with garbage: the file
    fails SQLite's checks, the other tables still read."""
    with sqlite3.connect(db) as conn:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(page - 1) * size:page * size] = bytes((i * 37) % 251 for i in range(size))
    db.write_bytes(bytes(data))


def error_line(log: str, text: str) -> str:
    """The one error-level log line that contains `text`."""
    lines = [line for line in log.splitlines() if text in line]
    assert len(lines) == 1, f"{text!r} in {lines}"
    assert "ERROR" in lines[0], lines[0]
    return lines[0]


def test_a_garbled_database_is_moved_aside_reported_with_its_queued_messages_and_replaced(
        make_station, csms):
    station = make_station(ocpp_overrides={"Internal": FAST_RECONNECT})
    booted(csms, station)
    _, tx_id = session(csms, station)
    csms.go_offline()
    station.wait_state(lambda s: not s["ocpp"]["connected"])
    # Offline: a sample, then the graceful stop's StopTransaction wait in the database.
    station.wait_state(lambda s: s["ocpp"]["queued"] >= 1)
    m = csms.index()
    station.proc.send_signal(signal.SIGTERM)
    assert station.proc.wait(10) == 0
    db = station.dir / "data" / "db" / "cp001.db"
    n, detail = queued_messages(db)
    assert n >= 2 and "StopTransaction 1" in detail, detail
    garble_table(db, "reservations")

    csms.go_online()
    state = station.restart()
    [recovered] = state["store_recovered"]
    assert recovered["file"] == str(db)
    moved = Path(recovered["moved_to"])
    assert moved.parent == db.parent and moved.name.startswith("cp001.db.corrupt-")
    assert ASIDE.search(moved.name), moved.name
    what = recovered["what"]
    assert what.startswith("SQLite cannot read it: database disk image is malformed; "), what
    assert f"lost with it, as far as can be told: queued transaction messages {n} ({detail})" \
        in what, what
    assert what.endswith("; the store starts empty"), what
    # Said loudly at the start, in one line: the file, where it went, what was lost.
    line = error_line(station.log(), f"unreadable file {db} moved aside to {moved}: ")
    assert f"queued transaction messages {n} ({detail})" in line, line

    # The station runs on a fresh database: the old StopTransaction is gone (reported above);
    # the broken file keeps it.
    booted(csms, station, after=m)
    csms.wait_for("Heartbeat", after=m)
    assert csms.find("StopTransaction", lambda p: p["transactionId"] == tx_id, after=m) == []
    station.wait_state(lambda s: s["ocpp"]["queued"] == 0)
    with sqlite3.connect(moved) as kept:
        assert kept.execute(
            "SELECT count(*) FROM messages WHERE action = 'StopTransaction'").fetchone() == (1,)
    kept.close()
    # Reported for this run only: the next start finds a sound file.
    assert station.graceful_stop() == 0
    assert station.restart()["store_recovered"] == []


def test_an_emptied_user_config_is_moved_aside_and_reported_not_taken_for_no_changes(
        make_station, csms):
    station = make_station()
    booted(csms, station)
    answer = csms.call(call.ChangeConfiguration(key="MeterValueSampleInterval", value="7"))
    assert answer == {"status": "Accepted"}
    assert station.graceful_stop() == 0
    user_config = station.dir / "data" / "user_config.json"
    assert json.loads(user_config.read_text())["Core"]["MeterValueSampleInterval"] == 7
    # The file system lost its content (a power cut before it was flushed).
    user_config.write_bytes(b"")

    m = csms.index()
    state = station.restart()
    [recovered] = state["store_recovered"]
    assert recovered["file"] == str(user_config)
    moved = Path(recovered["moved_to"])
    assert moved.name.startswith("user_config.json.corrupt-") and ASIDE.search(moved.name)
    assert moved.read_bytes() == b""
    assert recovered["what"].startswith(
        "the file is empty (0 bytes): the changes it held cannot be told; the station runs on "
        "the base config "), recovered
    error_line(station.log(), f"unreadable file {user_config} moved aside to {moved}: ")
    # The base config's value, not the lost change: said, not silently reset.
    booted(csms, station, after=m)
    answer = csms.call(call.GetConfiguration(key=["MeterValueSampleInterval"]))
    assert answer["configurationKey"][0]["value"] == "2"

"""Crash and chaos (issue 15): charging sessions on both connectors of the SIL station, started,
stopped and started again, while the station is killed (-9) at random moments, the network
between it and the CSMS is delayed, stalled, dropped and reset by a fault proxy
(fault_proxy.py), and the CSMS process is killed and started again. Then every transaction
message the CSMS recorded over all its incarnations is checked by exactly_once.py against what
the station showed (its state, polled all along, with the simulated meter's register) and what
it stored (its database, copied at each kill): nothing lost, nothing conflicting, and each
duplicate explained by the loss of an answer within the window docs/core/
delivery-guarantees.md describes.

CHAOS_CYCLES kill cycles (default 200, each about a second; scripts/soak runs 1,000) with the
seed CHAOS_SEED (default: a random one). The seed is printed: the same seed gives the same
schedule (each kill's moment, each connector's sessions, the faults and their moments); the
interleaving with the station's own timing differs from run to run. The figures are printed
(pytest -s shows them)."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

from chaos_steps import Chaos, CsmsProcess, drive_connector, poll, stored
from conformance_station import Station, free_port, write_config
from core_steps import FAST_RECONNECT
from exactly_once import Kill, check
from fault_proxy import FaultProxy

CYCLES = int(os.environ.get("CHAOS_CYCLES", "200"))
SEED = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(2**32))

SAMPLE_INTERVAL_S = 1
# How old the reading a sample takes can be: the station reads the meter every second, the
# simulation steps every 250 ms.
READING_AGE_S = 1.25
POLL_S = 0.05

OCPP = {
    "Core": {"NumberOfConnectors": 2, "MeterValueSampleInterval": SAMPLE_INTERVAL_S,
             # No clock-aligned values: only the periodic samples, which transactionData
             # records too.
             "ClockAlignedDataInterval": 0, "TransactionMessageRetryInterval": 1},
    "Internal": FAST_RECONNECT,
}


def life_s(rng: random.Random) -> float:
    """How long the station runs before the kill: mostly under a second (a kill in the boot,
    the connection, a start, a stop), now and then long enough for samples."""
    return rng.uniform(0.2, 1.0) if rng.random() < 0.85 else rng.uniform(1.5, 3.5)


def test_kill_9_and_a_broken_network_lose_nothing_and_repeat_only_in_the_window(
        ferrocharge_bin, tmp_path):
    print(f"\nchaos: {CYCLES} cycles, seed {SEED} (CHAOS_SEED={SEED} replays the schedule)")
    began = time.monotonic()
    rng = random.Random(SEED)
    csms = CsmsProcess(free_port(), tmp_path / "csms-journal.jsonl", tmp_path / "csms.log")
    csms.start()
    proxy = FaultProxy(csms.port).start()
    dir = tmp_path / "station"
    dir.mkdir()
    config, api = write_config(dir, f"127.0.0.1:{proxy.port}/ocpp/", "config-sil-ocpp.yaml",
                               ocpp_overrides=OCPP)
    station = Station(ferrocharge_bin, config, api, dir)
    chaos = Chaos(random.Random(f"{SEED}-network"), proxy, csms)
    polls, kills, statuses = [], [], Counter()
    try:
        station.wait_api()
        chaos.start()
        for cycle in range(CYCLES):
            if cycle:
                station.restart()
            kill_at = time.monotonic() + life_s(rng)
            killed = threading.Event()
            workers = [threading.Thread(target=drive_connector, daemon=True, args=(
                station, c, random.Random(f"{SEED}-{cycle}-{c}"), killed, statuses))
                for c in (1, 2)]

            def poller(inc=cycle, killed=killed):
                while not killed.wait(POLL_S):
                    seen = poll(station, inc)
                    if seen is not None and not killed.is_set():
                        polls.append(seen)
            workers.append(threading.Thread(target=poller, daemon=True))
            for w in workers:
                w.start()
            # The kill's moment is the schedule's, not a wait for something to happen.
            time.sleep(max(0.0, kill_at - time.monotonic()))
            last = poll(station, cycle)
            killed_at = time.monotonic()
            station.kill()
            dead_at = time.monotonic()
            killed.set()
            for w in workers:
                w.join(15)
                assert not w.is_alive(), "a connector's sessions did not end after the kill"
            messages, records = stored(dir / "data", tmp_path / "scratch")
            kills.append(Kill(killed_at, dead_at, cycle, last, messages, records))
        cycles_done = time.monotonic()
        chaos.stop()

        # Calm: the last start delivers what the kills left, and every transaction ends.
        station.restart()
        station.wait_state(lambda s: s["ocpp"]["connected"] and s["ocpp"]["queued"] == 0
                           and s["ocpp"]["registration"] == "Accepted"
                           and all(c["transaction"] is None for c in s["connectors"]),
                           timeout=120)
        assert station.graceful_stop() == 0
        log = station.log()
    finally:
        station.stop()
        csms.close()
        proxy.close()
    received, csms_conns, broken = csms.received()
    # For a look after a failure: the proxy's connections and the kills, beside the CSMS's
    # journal and the station's logs.
    (tmp_path / "proxy-conns.json").write_text(json.dumps([dataclasses.asdict(c)
                                                           for c in proxy.conns]))
    (tmp_path / "kills.json").write_text(json.dumps(
        [{"t": k.t, "dead": k.dead, "inc": k.inc, "messages": k.messages,
          "transactions": k.transactions} for k in kills]))
    report = check(received, polls, kills, proxy.conns, csms_conns, SAMPLE_INTERVAL_S,
                   READING_AGE_S)
    ended = Counter(c.cause for c in proxy.conns)
    print(f"kill cycles {CYCLES} in {cycles_done - began:.0f} s "
          f"({(cycles_done - began) / CYCLES:.2f} s a cycle), "
          f"{time.monotonic() - began:.0f} s in all; CSMS incarnations {csms.starts}; "
          f"faults {dict(chaos.done)}; connections {len(proxy.conns)}, ended by {dict(ended)}; "
          f"state polls {len(polls)}; journal lines that did not parse {broken}")
    print("control API commands (route, status): "
          + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items(), key=str)))
    for line in report.lines():
        print(line)
    for problem in report.problems():
        print(problem)

    assert "panicked" not in log
    assert broken == 0
    assert report.lost == [] and report.conflicting == [] and report.wrong == [], (
        f"seed {SEED}: {len(report.problems())} problems, first: {report.problems()[:5]}")
    # The run did what it is for: sessions, samples, power losses, faults.
    assert report.counts["transactions"] >= CYCLES // 2
    assert report.counts["power_loss"] >= CYCLES // 10
    assert report.counts["recorded samples"] > 0
    assert csms.starts > 1 and all(chaos.done[f] > 0 for f in ("delay", "stall", "drop", "reset"))
    # Duplicates: each is explained (`check` puts an unexplained one in `wrong`) by a distinct
    # loss of an answer: one transaction message is in flight at a time, so a kill or a broken
    # connection repeats one message at most, and only when it comes after the CSMS recorded
    # the message and before the station's delete was durable. Hence at most one duplicate a
    # loss, and most losses repeat nothing.
    losses = CYCLES + len(proxy.conns)
    assert len(report.duplicates) <= losses
    # After the answer reached the station, the window is the frame's reading and one durable
    # write (the delete, with what must go with it): a few ms, so a kill that comes less than a
    # second after an answer lands in it a few times in a thousand (3 of 784 in a soak of
    # 1,000 cycles, the longest 1.1 ms after the answer, docs/core/delivery-guarantees.md). A
    # tenth would mean a window of some 100 ms: the delete waiting behind other work.
    in_window = sum(1 for d in report.duplicates if d.category == "kill")
    assert in_window <= max(3, report.counts["kills after an answer"] // 10), (
        in_window, report.counts["kills after an answer"])

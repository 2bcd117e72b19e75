"""The exactly-once checker of the chaos scenario (test_crash_chaos.py): what the CSMS recorded
over all its incarnations (chaos_csms.py's journal), held against what the station did and
promised, as the scenario saw it:

- `polls`: the control API's state, polled all along: each transaction the station showed
  (by connector and start time), its meterStart and idTag, and the simulated meter's register
  (the truth) while it ran and after it ended;
- `kills`: at each kill -9, the state polled just before, and the station's database copied
  just after: the transaction messages it had durably queued (each must reach the CSMS) and
  the transaction records it held (each must be stopped after the restart, by a queued
  StopTransaction or with reason PowerLoss at the record's register, exactly);
- `conns`: the fault proxy's connections, with each CSMS frame handed to the station's socket.

What is counted, for the transaction-related messages (StartTransaction, StopTransaction,
MeterValues, SecurityEventNotification):

- a duplicate: a message received again with identical content (docs/core/
  delivery-guarantees.md, "How a central system detects a repeat"). Each one must be
  explained by the loss of the answer to the copy before it: the answer never reached the
  station (the connection broke or the CSMS died first: the network's part of the window), or
  it reached the station's socket less than `WINDOW_S` before a kill -9 that found the message
  still in the station's database, or before the connection was reset. One transaction
  message is in flight at a time (docs/core/message-queue.md), so one loss can repeat one
  message at most: the explanations must be distinct losses.
- a conflict: two messages that are the same event with different content (a StartTransaction
  of the same connector and start time, a StopTransaction of the same transactionId, a meter
  value of the same transaction and timestamp), or two transactionIds for one transaction.
- a loss: a transaction the station showed or stored with no StartTransaction, a
  StartTransaction with no StopTransaction, a message found in the station's database at a
  kill that never reached the CSMS, a periodic sample in a StopTransaction's transactionData
  (the station's own record of what it sampled, stored with the register) with no MeterValues.

And the register: a StopTransaction's meterStop against the simulated meter. A stop of the
station (unplug, stop button) reports the register at the stop: between what the meter showed
before and after it. A power loss reports the register stored last (exactly the record's), at
most one sample interval plus the age of the reading sampled behind the meter at the kill."""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field

# How long the station may take from an answer reaching its socket to the durable delete of
# the message (one fsync'd SQLite write, after the frame has been read and matched): far more
# than it takes (the figures print the longest seen), less than the time between two
# transaction messages of a session, so a loss much later than the answer is never taken for
# the window.
WINDOW_S = 1.0

# How long after a killed station was reaped the proxy may see its connection close (the
# kernel closes it as the process dies; the proxy's loop reads the end at once).
KILL_NOTICED_S = 0.5

TRANSACTION_ACTIONS = ("StartTransaction", "StopTransaction", "MeterValues",
                       "SecurityEventNotification")
ENERGY = "Energy.Active.Import.Register"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def round_half_up(x: float) -> int:
    """Rust's f64::round for the non-negative values of a meter."""
    return math.floor(x + 0.5)


def start_key(p: dict) -> str:
    return canonical([p.get("connectorId"), p.get("idTag"), p.get("meterStart"),
                      ts(p["timestamp"]).isoformat(), p.get("reservationId")])


def without_tx_id(p: dict) -> str:
    """A MeterValues or StopTransaction as the station stored it, whatever transactionId it
    carries (a placeholder is replaced by the real one before it is sent)."""
    return canonical({k: v for k, v in p.items() if k != "transactionId"})


def energy_of(meter_value: dict) -> float | None:
    for v in meter_value.get("sampledValue", []):
        if v.get("measurand", ENERGY) == ENERGY and "phase" not in v:
            wh = float(v["value"])
            return wh * 1000 if v.get("unit") == "kWh" else wh
    return None


def context_of(meter_value: dict) -> str:
    values = meter_value.get("sampledValue", [])
    return values[0].get("context", "Sample.Periodic") if values else "Sample.Periodic"


@dataclass
class Received:
    """A CALL the CSMS recorded (a `rec` line of its journal)."""
    t: float
    inc: int
    conn: int
    id: str
    action: str
    payload: dict
    given: int | None = None


@dataclass
class ConnectorSeen:
    """One connector in one poll of the state."""
    tx: tuple[int, dt.datetime] | None  # (connector, started_at) of its transaction
    meter_start: int | None
    id_tag: str | None
    energy_wh: float
    power_w: float
    # The EVSE's own transaction runs (its session state is PrepareCharging, Charging or
    # paused): the core's transaction can outlive it by the time the core takes the stop, while
    # the meter goes on until the relays open at the simulation's next step.
    evse_running: bool = True


@dataclass
class Poll:
    t: float
    inc: int  # the station's incarnation (its run between two kills)
    connectors: list[ConnectorSeen]


@dataclass
class Kill:
    t: float  # just before the SIGKILL
    dead: float  # once the process was reaped
    inc: int
    poll: Poll | None  # the state just before the kill
    messages: list[tuple[str, dict]]  # the queue in the database just after it
    transactions: list[dict]  # the transaction records in the database just after it


@dataclass
class Duplicate:
    action: str
    category: str  # see Report.CATEGORIES
    gap_s: float | None  # from the answer reaching the station's socket to its loss
    event: tuple  # the loss that explains it


@dataclass
class Report:
    CATEGORIES = {
        "network": "the answer never reached the station (connection broken, CSMS killed)",
        "killed": "kill -9 while the answer was on its way",
        "kill": "the answer reached the station's socket before the kill -9, the delete was not "
                "durable yet",
        "reset": "the answer reached the station's socket, the connection reset before it read it",
    }
    counts: dict = field(default_factory=lambda: defaultdict(int))
    duplicates: list[Duplicate] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    # Anything else that is wrong: an unexplained duplicate, an order broken, a wrong register.
    wrong: list[str] = field(default_factory=list)
    # The largest shortfall of a power loss's meterStop behind the meter at the kill: Wh, and
    # seconds of charging at the transaction's power.
    power_loss_deficit_wh: float = 0.0
    power_loss_deficit_s: float = 0.0

    def problems(self) -> list[str]:
        return ([f"lost: {x}" for x in self.lost] + [f"conflicting: {x}" for x in self.conflicting]
                + [f"wrong: {x}" for x in self.wrong])

    def duplicates_by(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.duplicates:
            out[d.action][d.category] += 1
        return {a: dict(c) for a, c in out.items()}

    def lines(self) -> list[str]:
        c = self.counts
        gaps = [d.gap_s for d in self.duplicates if d.gap_s is not None]
        out = [
            f"transactions (sessions): {c['transactions']} "
            f"(seen in the state: {c['observed']}, stopped by PowerLoss: {c['power_loss']}, "
            f"by the station: {c['stopped']})",
            "received (copies / distinct): "
            + ", ".join(f"{a} {c['copies ' + a]} / {c['distinct ' + a]}"
                        for a in TRANSACTION_ACTIONS),
            f"checked against the station's database at the kills: {c['stored messages']} "
            f"queued messages, {c['stored transactions']} transaction records",
            f"periodic samples in transactionData checked against MeterValues: "
            f"{c['recorded samples']}",
            f"answers the proxy handed to the station: {c['answers delivered']} of "
            f"{sum(c['copies ' + a] for a in TRANSACTION_ACTIONS)} transaction messages",
            f"lost {len(self.lost)}, conflicting {len(self.conflicting)}, "
            f"duplicated {len(self.duplicates)} {self.duplicates_by()}",
            "duplicates by cause: " + ", ".join(
                f"{k} {sum(1 for d in self.duplicates if d.category == k)}"
                for k in self.CATEGORIES),
            f"kills less than {WINDOW_S:.0f} s after an answer reached the station: "
            f"{c['kills after an answer']}, of which in the window of the durable delete: "
            f"{sum(1 for d in self.duplicates if d.category == 'kill')}",
            f"longest time from an answer reaching the station's socket to the kill that "
            f"repeated its message: {max(gaps) * 1000:.1f} ms" if gaps
            else "no duplicate after an answer reached the station",
            f"power loss: meterStop at most {self.power_loss_deficit_wh:.2f} Wh "
            f"({self.power_loss_deficit_s:.2f} s of charging) behind the meter at the kill",
        ]
        return out


def check(received: list[Received], polls: list[Poll], kills: list[Kill], conns: list,
          csms_conns: dict[tuple[int, int], tuple[float, int]], sample_interval_s: float,
          reading_age_s: float) -> Report:
    """`csms_conns`: (CSMS incarnation, connection) -> (time, peer port) from the journal;
    `conns`: fault_proxy.Conn; `reading_age_s`: how old the reading a sample takes may be
    (the station reads the meter every second, the simulation steps every 250 ms)."""
    r = Report()
    msgs = sorted((m for m in received if m.action in TRANSACTION_ACTIONS), key=lambda m: m.t)
    for a in TRANSACTION_ACTIONS:
        copies = [m for m in msgs if m.action == a]
        r.counts["copies " + a] = len(copies)
        r.counts["distinct " + a] = len({canonical(m.payload) for m in copies})

    # --- StartTransaction: one per transaction, one transactionId each ---------------------
    starts = [m for m in msgs if m.action == "StartTransaction"]
    by_identity: dict[tuple, list[Received]] = defaultdict(list)
    for m in starts:
        by_identity[(m.payload["connectorId"], ts(m.payload["timestamp"]))].append(m)
    tx_of: dict[tuple, int] = {}
    first_start: dict[int, Received] = {}
    for identity, copies in by_identity.items():
        contents = {start_key(m.payload) for m in copies}
        if len(contents) > 1:
            r.conflicting.append(f"StartTransaction {identity}: {len(contents)} contents")
        given = {m.given for m in copies}
        if len(given) > 1:
            r.conflicting.append(f"StartTransaction {identity}: transactionIds {given}")
        tx_of[identity] = copies[0].given
        first_start[copies[0].given] = copies[0]
    r.counts["transactions"] = len(by_identity)

    # --- StopTransaction: one per transaction ----------------------------------------------
    stops: dict[int, list[Received]] = defaultdict(list)
    for m in msgs:
        if m.action == "StopTransaction":
            stops[m.payload["transactionId"]].append(m)
    for tx_id, copies in stops.items():
        if tx_id not in first_start:
            r.lost.append(f"StartTransaction of the transaction {tx_id} (its StopTransaction "
                          f"came, reason {copies[0].payload.get('reason')})")
        contents = {canonical(m.payload) for m in copies}
        if len(contents) > 1:
            r.conflicting.append(f"StopTransaction of {tx_id}: {len(contents)} contents")
    for tx_id, start in first_start.items():
        if tx_id not in stops:
            r.lost.append(f"StopTransaction of {tx_id} (started {start.payload})")
    stop_of = {tx_id: copies[0] for tx_id, copies in stops.items()}
    r.counts["power_loss"] = sum(1 for s in stop_of.values()
                                 if s.payload.get("reason") == "PowerLoss")
    r.counts["stopped"] = len(stop_of) - r.counts["power_loss"]

    # --- MeterValues: per transaction, in timestamp order, none twice, none lost -----------
    samples: dict[int, dict[dt.datetime, set[str]]] = defaultdict(lambda: defaultdict(set))
    first_seen: dict[str, Received] = {}
    for m in msgs:
        if m.action != "MeterValues":
            continue
        tx_id = m.payload.get("transactionId")
        if tx_id not in first_start:
            r.wrong.append(f"MeterValues of no known transaction: {m.payload}")
            continue
        for value in m.payload["meterValue"]:
            samples[tx_id][ts(value["timestamp"])].add(canonical(value))
        first_seen.setdefault(canonical(m.payload), m)
    order: dict[int, list[tuple[float, dt.datetime]]] = defaultdict(list)
    for m in first_seen.values():
        for value in m.payload["meterValue"]:
            order[m.payload["transactionId"]].append((m.t, ts(value["timestamp"])))
    for tx_id, by_time in samples.items():
        for at, contents in by_time.items():
            if len(contents) > 1:
                r.conflicting.append(f"MeterValues of {tx_id} at {at}: {len(contents)} contents")
        arrivals = [at for _, at in sorted(order[tx_id])]
        if arrivals != sorted(set(arrivals)):
            r.wrong.append(f"MeterValues of {tx_id} not in timestamp order: {arrivals}")
        start, stop = first_start[tx_id], stop_of.get(tx_id)
        first_mv = min(t for t, _ in order[tx_id])
        last_mv = max(t for t, _ in order[tx_id])
        if first_mv < start.t or (stop is not None and last_mv > stop.t):
            r.wrong.append(f"MeterValues of {tx_id} outside its StartTransaction and "
                           f"StopTransaction")
    for tx_id, stop in stop_of.items():
        recorded = {ts(v["timestamp"]): energy_of(v)
                    for v in stop.payload.get("transactionData", [])
                    if context_of(v) == "Sample.Periodic"}
        r.counts["recorded samples"] += len(recorded)
        sent = {at: {energy_of(json.loads(c)) for c in contents}
                for at, contents in samples.get(tx_id, {}).items()
                if any(context_of(json.loads(c)) == "Sample.Periodic" for c in contents)}
        for at, wh in recorded.items():
            if at not in sent:
                r.lost.append(f"MeterValues of {tx_id} at {at} ({wh} Wh): in the "
                              f"StopTransaction's transactionData, never received")
            elif sent[at] != {wh}:
                r.conflicting.append(f"MeterValues of {tx_id} at {at}: {sent[at]} Wh, "
                                     f"transactionData says {wh}")
        for at in sent.keys() - recorded.keys():
            r.wrong.append(f"MeterValues of {tx_id} at {at} missing from the "
                           f"StopTransaction's transactionData")

    # --- What the station stored: every queued message arrives, every record is stopped ----
    arrived = {
        "StartTransaction": {start_key(m.payload) for m in starts},
        "StopTransaction": {without_tx_id(m.payload) for m in msgs
                            if m.action == "StopTransaction"},
        "MeterValues": {without_tx_id(m.payload) for m in msgs if m.action == "MeterValues"},
        "SecurityEventNotification": {canonical(m.payload) for m in msgs
                                      if m.action == "SecurityEventNotification"},
    }

    def stored_key(action: str, payload: dict) -> str:
        if action == "StartTransaction":
            return start_key(payload)
        if action == "SecurityEventNotification":
            return canonical(payload)
        return without_tx_id(payload)

    for n, kill in enumerate(kills):
        for action, payload in kill.messages:
            r.counts["stored messages"] += 1
            if action not in arrived:
                r.wrong.append(f"kill {n}: {action} in the transaction queue")
            elif stored_key(action, payload) not in arrived[action]:
                r.lost.append(f"{action} stored at kill {n}, never received: {payload}")
        for record in kill.transactions:
            r.counts["stored transactions"] += 1
            identity = (record["connector"], ts(record["started_at"]))
            tx_id = tx_of.get(identity)
            if tx_id is None:
                r.lost.append(f"StartTransaction of the transaction stored at kill {n}: "
                              f"{identity}")
                continue
            ids = {record["placeholder_id"], record.get("transaction_id"), tx_id}
            if any(a == "StopTransaction" and p.get("transactionId") in ids
                   for a, p in kill.messages):
                continue  # stopped before the kill; that StopTransaction is checked above
            stop = stop_of.get(tx_id)
            if stop is None:
                continue  # counted as lost above
            p = stop.payload
            expected = ("PowerLoss", record["meter_last_wh"], ts(record["meter_last_at"]))
            if (p.get("reason"), p["meterStop"], ts(p["timestamp"])) != expected:
                r.wrong.append(f"transaction {tx_id} stored at kill {n} with register "
                               f"{expected[1:]}: stopped with {p}")

    # --- The register against the simulated meter ------------------------------------------
    seen: dict[tuple, dict] = {}
    for poll in polls:
        for c in poll.connectors:
            if c.tx is None:
                continue
            o = seen.setdefault(c.tx, {"inc": poll.inc, "meter_start": c.meter_start,
                                       "id_tag": c.id_tag, "energy": None,
                                       "power": c.power_w, "last": poll.t})
            if c.evse_running:
                o["energy"] = max(o["energy"] or 0.0, c.energy_wh)
            o["power"] = max(o["power"], c.power_w)
            o["last"] = poll.t
    r.counts["observed"] = len(seen)
    kill_of = {k.inc: k for k in kills}
    polls_by_inc: dict[int, list[Poll]] = defaultdict(list)
    for poll in polls:
        polls_by_inc[poll.inc].append(poll)
    for identity, o in seen.items():
        tx_id = tx_of.get(identity)
        if tx_id is None:
            r.lost.append(f"StartTransaction of the transaction the state showed: {identity}")
            continue
        start = first_start[tx_id].payload
        if (start["meterStart"], start["idTag"]) != (o["meter_start"], o["id_tag"]):
            r.conflicting.append(f"StartTransaction {start} of the transaction the state "
                                 f"showed with {o}")
        stop = stop_of.get(tx_id)
        if stop is None:
            continue
        meter_stop = stop.payload["meterStop"]
        connector = identity[0]
        if stop.payload.get("reason") != "PowerLoss":
            # Between what the meter showed while the EVSE's transaction ran and what it
            # showed after (unless the next session, whose plug-in empties the register, was
            # there already).
            later = next((poll.connectors[connector - 1] for poll in polls_by_inc[o["inc"]]
                          if poll.t > o["last"]), None)
            after = later.energy_wh if later is not None and later.tx is None else None
            low = math.floor(o["energy"]) if o["energy"] is not None else None
            high = math.floor(after) if after is not None else None
            if (low is not None and meter_stop < low) or (high is not None and meter_stop > high):
                r.wrong.append(f"transaction {tx_id} stopped at {meter_stop} Wh, the meter "
                               f"read {o['energy']} Wh before and {after} Wh after: "
                               f"{stop.payload}")
            continue
        kill = kill_of.get(o["inc"])
        c = None
        if kill is not None and kill.poll is not None:
            c = kill.poll.connectors[connector - 1]
        if c is None or c.tx != identity:
            continue  # the last poll before the kill did not see it running
        # The register stored last is at most one sample interval old at the kill, and the
        # reading it took at most reading_age_s older (plus half a Wh of rounding).
        power = o["power"]
        allowed = power * (sample_interval_s + reading_age_s) / 3600 + 0.5
        deficit = c.energy_wh - meter_stop
        if deficit > allowed:
            r.wrong.append(f"transaction {tx_id}: PowerLoss meterStop {meter_stop} Wh, the "
                           f"meter read {c.energy_wh} Wh at the kill (at most {allowed:.2f} "
                           f"Wh behind)")
        ceiling = c.energy_wh + power * (kill.t - kill.poll.t + reading_age_s) / 3600 + 0.5
        if meter_stop > ceiling:
            r.wrong.append(f"transaction {tx_id}: PowerLoss meterStop {meter_stop} Wh above "
                           f"the meter at the kill ({c.energy_wh} Wh)")
        if deficit > r.power_loss_deficit_wh:
            r.power_loss_deficit_wh = deficit
            r.power_loss_deficit_s = deficit * 3600 / power if power > 0 else 0.0

    # --- Duplicates: each one explained by the loss of the previous copy's answer ----------
    by_content: dict[tuple[str, str], list[Received]] = defaultdict(list)
    for m in msgs:
        by_content[(m.action, canonical(m.payload))].append(m)
    proxy_by_port: dict[int, list] = defaultdict(list)
    for conn in conns:
        if conn.upstream_port is not None:
            proxy_by_port[conn.upstream_port].append(conn)

    def proxy_conn(m: Received):
        at, port = csms_conns.get((m.inc, m.conn), (None, None))
        if at is None:
            return None
        candidates = [c for c in proxy_by_port.get(port, []) if c.opened <= at]
        return max(candidates, key=lambda c: c.opened, default=None)

    def answer_delivered(conn, message_id: str) -> float | None:
        for t, text in conn.delivered:
            try:
                frame = json.loads(text)
            except ValueError:
                continue
            if isinstance(frame, list) and frame[:2] == [3, message_id]:
                return t
        return None

    answered_at: list[float] = []
    for m in msgs:
        conn = proxy_conn(m)
        delivered = None if conn is None else answer_delivered(conn, m.id)
        if delivered is not None:
            r.counts["answers delivered"] += 1
            answered_at.append(delivered)
    # The kills that came less than WINDOW_S after an answer to a transaction message reached
    # the station: each could have hit that answer's window.
    answered_at.sort()
    r.counts["kills after an answer"] = sum(
        1 for k in kills
        if bisect.bisect_right(answered_at, k.t) > bisect.bisect_left(answered_at,
                                                                      k.t - WINDOW_S))

    # The station sends a message again only when it did not get the answer to its last
    # send: of k copies, k - 1 lost their answer (which ones the record order does not tell:
    # a copy held up in a stalled connection of a killed station can arrive after the one
    # the next start sent).
    used: set[tuple] = set()
    for (action, content), copies in by_content.items():
        # The station stopped sending it (its queue was empty at the end): the answer to one
        # copy at least reached it.
        if not any(conn is not None and answer_delivered(conn, m.id) is not None
                   for m, conn in ((m, proxy_conn(m)) for m in copies)):
            r.wrong.append(f"{action} sent {len(copies)} times, no answer reached the "
                           f"station: {copies[0].payload}")
        if len(copies) < 2:
            continue
        found = [explain(m, proxy_conn(m), answer_delivered, kills, content, action,
                         stored_key) for m in copies]
        explained = [d for d in found if d is not None]
        if len(explained) < len(copies) - 1:
            lines = []
            for m in copies:
                conn = proxy_conn(m)
                lines.append(f"copy at {m.t:.3f} (CSMS incarnation {m.inc}, connection "
                             f"{m.conn}): " + ("no proxy connection" if conn is None else
                             f"proxy connection {conn.id} ended {conn.ended} by {conn.cause}, "
                             f"answer delivered {answer_delivered(conn, m.id)}"))
            r.wrong.append(f"{action} received {len(copies)} times, {len(explained)} "
                           f"answers lost: {'; '.join(lines)}: {copies[0].payload}")
            continue
        # The copy left over is the one whose answer the station took: the weakest
        # explanation (an answer that reached the station longest before its connection was
        # reset) is the likeliest to be that one.
        explained.sort(key=lambda d: (d.category == "reset", d.gap_s or 0.0))
        for dup in explained[:len(copies) - 1]:
            if dup.event in used:
                r.wrong.append(f"{action}: a second duplicate explained by the same loss "
                               f"{dup.event}")
            used.add(dup.event)
            r.duplicates.append(dup)
    return r


def explain(m: Received, conn, answer_delivered, kills: list[Kill], content: str, action: str,
            stored_key) -> Duplicate | None:
    """How the answer to the copy `m` was lost, or None if the station must have had it."""
    if conn is None or conn.ended is None:
        return None
    delivered = answer_delivered(conn, m.id)
    if delivered is None:
        # The connection ended before the answer reached the station's socket (possibly before
        # the CSMS recorded the message: the station was gone while it was on its way).
        category = "killed" if conn.cause == "station" else "network"
        return Duplicate(action, category, None, ("conn", conn.id))
    gap = conn.ended - delivered
    if gap > WINDOW_S:
        return None
    if conn.cause == "reset":
        return Duplicate(action, "reset", gap, ("conn", conn.id))
    if conn.cause == "station":
        # The station's end of the connection went: a kill -9 must have found the message
        # still stored. The answer reached the socket before the SIGKILL (the window of the
        # durable delete) or after it (it was on its way; a dead process's socket still
        # takes what is written to it until the kernel resets it).
        payload = json.loads(content)
        for kill in kills:
            # The kill that closed this connection (the proxy sees the close at once).
            if not kill.t <= conn.ended <= kill.dead + KILL_NOTICED_S:
                continue
            if abs(kill.t - delivered) <= WINDOW_S and any(
                    a == action and stored_key(a, p) == stored_key(action, payload)
                    for a, p in kill.messages):
                if delivered >= kill.t:
                    return Duplicate(action, "killed", None, ("conn", conn.id))
                return Duplicate(action, "kill", kill.t - delivered, ("conn", conn.id))
    return None

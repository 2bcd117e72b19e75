"""The exactly-once checker of the chaos scenario (exactly_once.py) on made-up histories: what it
counts as a duplicate and when a duplicate is explained, what is a conflict and what a loss.
No station: each history is what the CSMS journal, the fault proxy and the kills would give."""

from __future__ import annotations

import json

from exactly_once import ConnectorSeen, Kill, Poll, Received, check, ts
from fault_proxy import Conn

AT = "2026-12-06T10:00:00.000Z"
START = {"connectorId": 1, "idTag": "CHAOS1", "meterStart": 0, "timestamp": AT}


def sample(at: str, wh: str, context: str = "Sample.Periodic") -> dict:
    return {"timestamp": at, "sampledValue": [
        {"context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh",
         "value": wh}]}


MV = {"connectorId": 1, "transactionId": 1,
      "meterValue": [sample("2026-12-06T10:00:01.000Z", "3.5")]}
STOP = {"meterStop": 4, "timestamp": "2026-12-06T10:00:01.500Z", "transactionId": 1,
        "reason": "EVDisconnected", "transactionData": [
            sample(AT, "0", "Transaction.Begin"), sample("2026-12-06T10:00:01.000Z", "3.5"),
            sample("2026-12-06T10:00:01.500Z", "4", "Transaction.End")]}


class History:
    """CALLs recorded on proxy connections, each answered (delivered) unless told otherwise."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.conns: list[Conn] = []
        self.csms_conns: dict = {}
        self.kills: list[Kill] = []
        self.polls: list[Poll] = []
        self.t = 100.0

    def connection(self, cause: str = "station") -> Conn:
        conn = Conn(id=len(self.conns), opened=self.t, upstream_port=50000 + len(self.conns))
        self.conns.append(conn)
        self.csms_conns[(1, conn.id)] = (self.t + 0.001, conn.upstream_port)
        conn.cause = cause
        return conn

    def call(self, conn: Conn, action: str, payload: dict, answered: bool = True,
             given: int | None = None) -> None:
        self.t += 0.1
        message_id = f"m{len(self.received)}"
        self.received.append(Received(self.t, 1, conn.id, message_id, action, payload, given))
        if answered:
            conn.delivered.append((self.t + 0.001, json.dumps([3, message_id, {}])))

    def end(self, conn: Conn) -> None:
        self.t += 0.1
        conn.ended = self.t

    def check(self):
        return check(self.received, self.polls, self.kills, self.conns, self.csms_conns, 1, 1.25)


def whole_session(h: History, conn: Conn) -> None:
    h.call(conn, "StartTransaction", START, given=1)
    h.call(conn, "MeterValues", MV)
    h.call(conn, "StopTransaction", STOP)


def test_a_whole_session_is_counted_once_and_checked_against_its_transaction_data():
    h = History()
    conn = h.connection()
    whole_session(h, conn)
    h.end(conn)
    report = h.check()
    assert report.problems() == []
    assert report.duplicates == []
    assert (report.counts["transactions"], report.counts["recorded samples"],
            report.counts["answers delivered"]) == (1, 1, 3)


def test_a_repeat_after_an_answer_the_network_lost_is_an_explained_duplicate():
    h = History()
    first = h.connection(cause="reset")
    h.call(first, "StartTransaction", START, given=1)
    h.call(first, "MeterValues", MV, answered=False)
    h.end(first)
    second = h.connection()
    h.call(second, "MeterValues", MV)
    h.call(second, "StopTransaction", STOP)
    h.end(second)
    report = h.check()
    assert report.problems() == []
    assert report.duplicates_by() == {"MeterValues": {"network": 1}}


def test_a_repeat_after_a_delivered_answer_is_unexplained():
    h = History()
    conn = h.connection()
    h.call(conn, "StartTransaction", START, given=1)
    h.call(conn, "MeterValues", MV)
    h.call(conn, "MeterValues", MV)
    h.call(conn, "StopTransaction", STOP)
    h.end(conn)
    report = h.check()
    assert report.duplicates == []
    assert len(report.wrong) == 1 and report.wrong[0].startswith(
        "MeterValues received 2 times, 0 answers lost"), report.wrong


def test_a_kill_just_after_the_answer_explains_a_repeat_only_if_the_message_was_still_stored():
    # (the kill's SIGKILL after the answer reached the socket, the message still stored,
    # what the duplicate is counted as)
    for after_s, stored, counted in ((0.002, True, ("kill", 0.002)),
                                     (-0.001, True, ("killed", None)),
                                     (0.002, False, None)):
        h = History()
        first = h.connection()
        h.call(first, "StartTransaction", START, given=1)
        h.call(first, "MeterValues", MV)
        delivered = first.delivered[-1][0]
        h.kills.append(Kill(delivered + after_s, delivered + 0.003, 0, None,
                            [("MeterValues", MV)] if stored else [], []))
        first.ended = delivered + 0.003
        h.t = first.ended
        second = h.connection()
        h.call(second, "MeterValues", MV)
        h.call(second, "StopTransaction", STOP)
        h.t += 5  # the last connection stays
        h.end(second)
        report = h.check()
        if counted is None:
            assert len(report.wrong) == 1 and "0 answers lost" in report.wrong[0]
            continue
        assert report.problems() == []
        assert [(d.category, None if d.gap_s is None else round(d.gap_s, 3))
                for d in report.duplicates] == [counted]


def test_a_stop_with_other_content_for_the_same_transaction_conflicts():
    h = History()
    conn = h.connection()
    whole_session(h, conn)
    h.call(conn, "StopTransaction", {**STOP, "meterStop": 5})
    h.end(conn)
    report = h.check()
    assert report.conflicting == ["StopTransaction of 1: 2 contents"]


def test_a_sample_recorded_in_transaction_data_without_its_meter_values_is_lost():
    h = History()
    conn = h.connection()
    h.call(conn, "StartTransaction", START, given=1)
    h.call(conn, "StopTransaction", STOP)
    h.end(conn)
    report = h.check()
    assert len(report.lost) == 1 and report.lost[0].startswith("MeterValues of 1 at "), report.lost


def test_what_the_station_stored_at_a_kill_must_arrive():
    h = History()
    conn = h.connection()
    h.call(conn, "StartTransaction", START, given=1)
    h.kills.append(Kill(h.t + 0.5, h.t + 0.501, 0, None, [("MeterValues", MV)],
                        [{"connector": 1, "placeholder_id": -1, "transaction_id": 1,
                          "started_at": AT, "meter_last_wh": 3,
                          "meter_last_at": "2026-12-06T10:00:01.000Z"}]))
    h.end(conn)
    report = h.check()
    assert sorted(x.split(":")[0] for x in report.lost) == [
        "MeterValues stored at kill 0, never received",
        "StopTransaction of 1 (started {'connectorId'"]


def test_a_message_no_answer_reached_must_have_been_sent_again():
    h = History()
    conn = h.connection()
    h.call(conn, "StartTransaction", START, given=1)
    h.call(conn, "MeterValues", MV, answered=False)
    h.call(conn, "StopTransaction", STOP)
    h.end(conn)
    report = h.check()
    assert len(report.wrong) == 1 and report.wrong[0].startswith(
        "MeterValues sent 1 times, no answer reached the station"), report.wrong


def test_a_stop_register_is_held_against_the_meter_while_the_evse_charged():
    # (the register the state showed with the transaction, whether the EVSE's own transaction
    # still ran then, whether meterStop 4 is wrong)
    for energy, running, wrong in ((4.6, True, False), (5.2, True, True), (5.2, False, False)):
        h = History()
        conn = h.connection()
        whole_session(h, conn)
        h.end(conn)
        tx = (1, ts(AT))
        h.polls = [Poll(1.0, 0, [ConnectorSeen(tx, 0, "CHAOS1", 3.0, 11000.0)]),
                   Poll(1.1, 0, [ConnectorSeen(tx, 0, "CHAOS1", energy, 11000.0, running)]),
                   Poll(1.2, 0, [ConnectorSeen(None, None, None, 5.9, 0.0, False)])]
        report = h.check()
        assert [w.split(":")[0] for w in report.wrong] == (
            [f"transaction 1 stopped at 4 Wh, the meter read {energy} Wh before and 5.9 Wh "
             "after"] if wrong else []), report.wrong

"""The CSMS of the chaos scenario (test_crash_chaos.py), run as a process of its own so that
the scenario can kill it (-9) and start it again on the same port:

    python chaos_csms.py --port PORT --journal FILE

It answers every CALL of the station (Accepted, every idTag known) and records what it got in
FILE, a journal kept across its incarnations: one JSON object a line, appended with a single
write(2) before the answer is sent, so a message is in the journal exactly when the station may
have had the answer (a kill between the two loses the answer, never the record). Lines (`t` is
time.monotonic(), comparable with the test process):

    {"k": "start", "t", "inc", "pid"}                  an incarnation started (inc counts from 1)
    {"k": "conn", "t", "inc", "conn", "peer_port"}     a station connected (peer_port: the
                                                       proxy's side of the TCP connection)
    {"k": "rec", "t", "inc", "conn", "id", "action", "payload"[, "given"]}
                                                       a CALL recorded (id: its OCPP-J message
                                                       id; given: the transactionId answered)
    {"k": "closed", "t", "inc", "conn"}                the connection ended

A StartTransaction with the content of one recorded before (connectorId, idTag, meterStart,
timestamp, reservationId), in this incarnation or an earlier one, gets the transactionId given
the first time, as docs/core/delivery-guarantees.md asks of a central system ("How a central
system detects a repeat"); a new one gets the next id."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time

from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import serve

HEARTBEAT_S = 2


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def start_key(payload: dict) -> str:
    """What makes two StartTransactions the same transaction."""
    return json.dumps([payload.get("connectorId"), payload.get("idTag"),
                       payload.get("meterStart"), payload.get("timestamp"),
                       payload.get("reservationId")])


def read_journal(path: str) -> list[dict]:
    """The journal's entries; a line that does not parse (there should be none: each is one
    write) is left out."""
    entries = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return entries


class Journal:
    def __init__(self, path: str) -> None:
        entries = read_journal(path)
        self.inc = 1 + sum(1 for e in entries if e.get("k") == "start")
        self.tx_ids: dict[str, int] = {}
        for e in entries:
            if e.get("k") == "rec" and e.get("action") == "StartTransaction" and "given" in e:
                self.tx_ids.setdefault(start_key(e["payload"]), e["given"])
        self.next_tx_id = 1 + max(self.tx_ids.values(), default=0)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.write("start", pid=os.getpid())

    def write(self, kind: str, **fields) -> None:
        line = json.dumps({"k": kind, "t": time.monotonic(), "inc": self.inc, **fields}) + "\n"
        os.write(self._fd, line.encode())


class ChaosChargePoint(OcppChargePoint):
    journal: Journal
    conn: int

    def _rec(self, call_unique_id: str, action: str, kwargs: dict, **extra) -> None:
        self.journal.write("rec", conn=self.conn, id=call_unique_id, action=action,
                           payload=snake_to_camel_case(kwargs), **extra)

    @on(Action.boot_notification)
    def on_boot(self, call_unique_id, **kw):
        self._rec(call_unique_id, "BootNotification", kw)
        return call_result.BootNotification(current_time=_now(), interval=HEARTBEAT_S,
                                            status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self, call_unique_id, **kw):
        self._rec(call_unique_id, "Heartbeat", kw)
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status(self, call_unique_id, **kw):
        self._rec(call_unique_id, "StatusNotification", kw)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, call_unique_id, **kw):
        self._rec(call_unique_id, "Authorize", kw)
        return call_result.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action.start_transaction)
    def on_start(self, call_unique_id, **kw):
        payload = snake_to_camel_case(kw)
        key = start_key(payload)
        tx_id = self.journal.tx_ids.get(key)
        if tx_id is None:
            tx_id = self.journal.next_tx_id
            self.journal.next_tx_id += 1
            self.journal.tx_ids[key] = tx_id
        self._rec(call_unique_id, "StartTransaction", kw, given=tx_id)
        return call_result.StartTransaction(transaction_id=tx_id,
                                            id_tag_info={"status": "Accepted"})

    @on(Action.stop_transaction)
    def on_stop(self, call_unique_id, **kw):
        self._rec(call_unique_id, "StopTransaction", kw)
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, call_unique_id, **kw):
        self._rec(call_unique_id, "MeterValues", kw)
        return call_result.MeterValues()

    @on(Action.security_event_notification)
    def on_security_event(self, call_unique_id, **kw):
        self._rec(call_unique_id, "SecurityEventNotification", kw)
        return call_result.SecurityEventNotification()

    @on(Action.data_transfer)
    def on_data_transfer(self, call_unique_id, **kw):
        self._rec(call_unique_id, "DataTransfer", kw)
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.firmware_status_notification)
    def on_fw(self, call_unique_id, **kw):
        self._rec(call_unique_id, "FirmwareStatusNotification", kw)
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def on_diag(self, call_unique_id, **kw):
        self._rec(call_unique_id, "DiagnosticsStatusNotification", kw)
        return call_result.DiagnosticsStatusNotification()


async def main(port: int, journal_path: str) -> None:
    journal = Journal(journal_path)
    conns = 0

    async def handler(ws) -> None:
        nonlocal conns
        conns += 1
        conn = conns
        journal.write("conn", conn=conn, peer_port=ws.remote_address[1])
        cp = ChaosChargePoint(ws.request.path.rsplit("/", 1)[-1], ws)
        cp.journal = journal
        cp.conn = conn
        try:
            await cp.start()
        except Exception:
            pass
        finally:
            journal.write("closed", conn=conn)

    async with serve(handler, "127.0.0.1", port, subprotocols=["ocpp1.6"], ping_interval=None):
        print(f"listening {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--journal", required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.journal))

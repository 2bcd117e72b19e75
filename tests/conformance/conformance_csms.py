"""The conformance scenarios' CSMS: the PyPI `ocpp` package's v16 ChargePoint over `websockets`
on a free port of 127.0.0.1, in its own event loop thread so that tests stay plain functions.

Every CALL the station sends is recorded in order as (action, payload) with the payload in
OCPP's camelCase JSON form; `wait_for` waits for one. Calls towards the station (RemoteStart
...) go through `call`, whose answers are recorded too (as ("<Action>.conf", payload))."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
from dataclasses import asdict

from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import serve

KNOWN_TAGS = {"RFID1", "DEADBEEF", "REMOTE1", "REMOTE2", "TAG2"}
HEARTBEAT_S = 2


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


class _ChargePoint(OcppChargePoint):
    csms: "Csms"

    def _rec(self, action: str, kwargs: dict) -> None:
        self.csms._record(action, snake_to_camel_case(kwargs))

    @on(Action.boot_notification)
    def on_boot(self, **kw):
        self._rec("BootNotification", kw)
        return call_result.BootNotification(
            current_time=_now(), interval=HEARTBEAT_S, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **kw):
        self._rec("Heartbeat", kw)
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status(self, **kw):
        self._rec("StatusNotification", kw)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag, **kw):
        self._rec("Authorize", {"id_tag": id_tag, **kw})
        return call_result.Authorize(id_tag_info={"status": self.csms.tag_status(id_tag)})

    @on(Action.start_transaction)
    def on_start(self, id_tag, **kw):
        self._rec("StartTransaction", {"id_tag": id_tag, **kw})
        tx_id = next(self.csms._tx_ids)
        with self.csms._cond:
            self.csms.tx_ids[kw["connector_id"]] = tx_id
        return call_result.StartTransaction(
            transaction_id=tx_id,
            id_tag_info={"status": self.csms.tag_status(id_tag)},
        )

    @on(Action.stop_transaction)
    def on_stop(self, **kw):
        self._rec("StopTransaction", kw)
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, **kw):
        self._rec("MeterValues", kw)
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, **kw):
        self._rec("DataTransfer", kw)
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.firmware_status_notification)
    def on_fw(self, **kw):
        self._rec("FirmwareStatusNotification", kw)
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def on_diag(self, **kw):
        self._rec("DiagnosticsStatusNotification", kw)
        return call_result.DiagnosticsStatusNotification()

    @on(Action.security_event_notification)
    def on_security_event(self, **kw):
        self._rec("SecurityEventNotification", kw)
        return call_result.SecurityEventNotification()


class Csms:
    def __init__(self, known_tags: set[str] | None = None, port: int = 0) -> None:
        self.known_tags = set(KNOWN_TAGS if known_tags is None else known_tags)
        self.port = port  # 0: a free port
        self.messages: list[tuple[str, dict]] = []
        self.paths: list[str] = []
        self._tx_ids = itertools.count(1)
        self.tx_ids: dict[int, int] = {}
        self._cond = threading.Condition()
        self._cp: _ChargePoint | None = None
        self._server = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def tag_status(self, id_tag: str) -> str:
        return (AuthorizationStatus.accepted if id_tag in self.known_tags
                else AuthorizationStatus.invalid)

    # --- from the test thread --------------------------------------------------------------

    def _run(self, coro, timeout: float = 15):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> "Csms":
        self._run(self._start())
        return self

    def close(self) -> None:
        try:
            self._run(self._close(), timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def uri(self) -> str:
        """The CentralSystemURI (the station appends its ChargePointId)."""
        return f"127.0.0.1:{self.port}/ocpp/"

    def _record(self, action: str, payload: dict) -> None:
        with self._cond:
            self.messages.append((action, payload))
            self._cond.notify_all()

    def actions(self) -> list[str]:
        with self._cond:
            return [a for a, _ in self.messages]

    def index(self) -> int:
        """The number of messages so far: pass it as `after` to wait for newer ones only."""
        with self._cond:
            return len(self.messages)

    def find(self, action: str, predicate=None, after: int = 0) -> list[dict]:
        with self._cond:
            return [p for a, p in self.messages[after:]
                    if a == action and (predicate is None or predicate(p))]

    def wait_for(self, action: str, predicate=None, timeout: float = 15, after: int = 0) -> dict:
        """The payload of the first `action` (at index >= after) that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for a, p in self.messages[after:]:
                    if a == action and (predicate is None or predicate(p)):
                        return p
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"  {a} {p}" for a, p in self.messages)
                    raise AssertionError(f"CSMS: no {action} within {timeout}s; got:\n{seen}")
                self._cond.wait(left)

    def wait_index(self, action: str, predicate=None, timeout: float = 15, after: int = 0) -> int:
        """Like wait_for, but the message's index (to check the order of messages)."""
        self.wait_for(action, predicate, timeout, after)
        with self._cond:
            for i, (a, p) in enumerate(self.messages):
                if i >= after and a == action and (predicate is None or predicate(p)):
                    return i
        raise AssertionError("unreachable")

    def index_of(self, payload: dict) -> int:
        """The index of this very payload (as returned by wait_for) among the messages."""
        with self._cond:
            return next(i for i, (_, p) in enumerate(self.messages) if p is payload)

    def tx_of(self, connector: int) -> int:
        """The transactionId the CSMS gave the latest StartTransaction of `connector`."""
        with self._cond:
            return self.tx_ids[connector]

    def call(self, request, timeout: float = 15) -> dict:
        """Sends a v16 `call.*` request to the station; returns the answer as camelCase JSON."""
        async def go():
            assert self._cp is not None, "no station connected"
            return await self._cp.call(request)
        answer = self._run(go(), timeout)
        payload = snake_to_camel_case(asdict(answer))
        self._record(type(request).__name__ + ".conf", payload)
        return payload

    # --- on the loop thread ----------------------------------------------------------------

    async def _start(self) -> None:
        self._server = await serve(self._handler, "127.0.0.1", self.port, subprotocols=["ocpp1.6"],
                                   ping_interval=None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handler(self, ws) -> None:
        with self._cond:
            self.paths.append(ws.request.path)
            self._cond.notify_all()
        cp = _ChargePoint(ws.request.path.rsplit("/", 1)[-1], ws)
        cp.csms = self
        self._cp = cp
        try:
            await cp.start()
        except Exception:
            pass

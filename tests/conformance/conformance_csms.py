"""The conformance scenarios' CSMS: the PyPI `ocpp` package's v16 ChargePoint over `websockets`
on a free port of 127.0.0.1, in its own event loop thread so that tests stay plain functions.

Every CALL the station sends is recorded in order as (action, payload) with the payload in
OCPP's camelCase JSON form, and when it came (`times`); `wait_for` waits for one. Calls towards
the station (RemoteStart ...) go through `call`, whose answers are recorded too (as
("<Action>.conf", payload)). Every frame in either direction is kept as it went over the wire
(`frames`), so `send_raw` can send what the `ocpp` package would refuse to and `wait_frame`
can wait for the answer.

What a scenario can make it do:
- `boot_statuses`: the answers to the next BootNotifications (Pending, Rejected), with
  `boot_interval`; Accepted once the list is used up;
- `fail(action, times, code)`: answer the next `times` CALLs of `action` with a CALLERROR;
- `go_offline()` / `go_online()`: close the station's connection and refuse new ones on the
  same port, then accept them again;
- `heartbeat_interval`: the interval of the Accepted BootNotification (the heartbeat);
- `boot_current_time`: the currentTime of the BootNotification answers (e.g. one that does
  not parse);
- `parent_ids`: the parentIdTag of known tags in idTagInfo;
- `authorize_delay`: seconds an Authorize's answer waits (a slow CSMS);
- `authorize_answers`: the idTagInfo of the next Authorize answers, sent unchecked (broken ones);
- `user_prices`: idTag -> the SetUserPrice data (California Pricing) sent after the answer
  to that idTag's Authorize, its answer recorded as "DataTransfer.conf";
- `data_transfer_status`, `data_transfer_data`: the answer to the station's DataTransfers
  (UnknownVendorId, no data);
- `pnc_authorize_status`: the idTokenInfo status answered to the station's Plug&Charge
  Authorize DataTransfer (Accepted with the 2.0.1 AuthorizeResponse as data);
- `ev_certificate_answer`: the 2.0.1 Get15118EVCertificateResponse (a dict, sent as JSON text
  in an Accepted DataTransfer) answered to the station's Get15118EVCertificate DataTransfer;
- `send_raw(frame)`: any text to the station, answered frames found with `answer_to`;
  `send_bytes(data, text)`: any bytes as a text frame (not UTF-8 checked) or a binary one;
  `send_huge_frame(start, size)`: one text frame of `size` bytes (`start`, then padding),
  streamed so that neither side needs to hold it;
- `wait_quiet()`: until no frame went either way for a moment (nothing in flight);
- `ssl_context`: serve wss (security profiles 2 and 3) with this server context; loading
  another certificate chain into it changes what the next connections are shown."""

from __future__ import annotations

import asyncio
import datetime as dt
import http
import itertools
import json
import ssl
import threading
import time
from dataclasses import asdict

from ocpp import exceptions
from ocpp.charge_point import snake_to_camel_case
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import serve

PNC_VENDOR = "org.openchargealliance.iso15118pnc"
KNOWN_TAGS = {"RFID1", "DEADBEEF", "REMOTE1", "REMOTE2", "TAG2"}
HEARTBEAT_S = 2


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


class _ChargePoint(OcppChargePoint):
    csms: "Csms"

    def _rec(self, action: str, kwargs: dict, then=None):
        """Records the CALL; raises the CALLERROR `fail` asked for (the ocpp package answers
        the CALL with it). Otherwise `then()`, if given, runs before the CALL is recorded
        (under the lock a waiting test wakes up from), and its result is returned."""
        error = self.csms._take_failure(action)
        result = None
        with self.csms._cond:
            if error is None and then is not None:
                result = then()
            self.csms._record(action, snake_to_camel_case(kwargs))
        if error is not None:
            raise error
        return result

    @on(Action.boot_notification)
    def on_boot(self, **kw):
        self._rec("BootNotification", kw)
        status, interval = self.csms._next_boot_answer()
        current_time = self.csms.boot_current_time or _now()
        return call_result.BootNotification(current_time=current_time, interval=interval,
                                            status=status)

    @on(Action.heartbeat)
    def on_heartbeat(self, **kw):
        self._rec("Heartbeat", kw)
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status(self, **kw):
        self._rec("StatusNotification", kw)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **kw):
        self._rec("Authorize", {"id_tag": id_tag, **kw})
        with self.csms._cond:
            raw = self.csms.authorize_answers.pop(0) if self.csms.authorize_answers else None
        if raw is not None:
            return call_result.Authorize(id_tag_info=raw)
        if self.csms.authorize_delay:
            await asyncio.sleep(self.csms.authorize_delay)
        return call_result.Authorize(id_tag_info=self.csms.id_tag_info(id_tag))

    @after(Action.authorize)
    async def after_authorize(self, id_tag, **kw):
        price = self.csms.user_prices.get(id_tag)
        if price is None:
            return
        answer = await self.call(call.DataTransfer(
            vendor_id="org.openchargealliance.costmsg", message_id="SetUserPrice",
            data=json.dumps(price)))
        payload = {k: v for k, v in asdict(answer).items() if v is not None}
        self.csms._record("DataTransfer.conf", snake_to_camel_case(payload))

    @on(Action.start_transaction)
    def on_start(self, id_tag, **kw):
        def give_id() -> int:
            # Set before the StartTransaction is recorded: a test that saw it reads the id.
            tx_id = next(self.csms._tx_ids)
            self.csms.tx_ids[kw["connector_id"]] = tx_id
            return tx_id

        tx_id = self._rec("StartTransaction", {"id_tag": id_tag, **kw}, then=give_id)
        return call_result.StartTransaction(
            transaction_id=tx_id, id_tag_info=self.csms.id_tag_info(id_tag)
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
        pnc_status = self.csms.pnc_authorize_status
        if (pnc_status is not None and kw.get("vendor_id") == PNC_VENDOR
                and kw.get("message_id") == "Authorize"):
            # OCPP 2.0.1's AuthorizeResponse as JSON text (the OCA PnC whitepaper).
            return call_result.DataTransfer(
                status="Accepted", data=json.dumps({"idTokenInfo": {"status": pnc_status}}))
        ev_certificate = self.csms.ev_certificate_answer
        if (ev_certificate is not None and kw.get("vendor_id") == PNC_VENDOR
                and kw.get("message_id") == "Get15118EVCertificate"):
            return call_result.DataTransfer(status="Accepted", data=json.dumps(ev_certificate))
        return call_result.DataTransfer(status=self.csms.data_transfer_status,
                                        data=self.csms.data_transfer_data)

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

    @on(Action.sign_certificate)
    def on_sign_certificate(self, **kw):
        self._rec("SignCertificate", kw)
        return call_result.SignCertificate(status=self.csms.sign_certificate_status)

    @on(Action.log_status_notification)
    def on_log_status(self, **kw):
        self._rec("LogStatusNotification", kw)
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status(self, **kw):
        self._rec("SignedFirmwareStatusNotification", kw)
        return call_result.SignedFirmwareStatusNotification()


class _Wire:
    """The websocket as the `ocpp` package sees it, keeping every frame in `Csms.frames`. While
    the CSMS is offline it drops what the station sends (unrecorded, unanswered: the station
    must send it again on its next connection)."""

    def __init__(self, ws, csms: "Csms") -> None:
        self._ws = ws
        self._csms = csms

    async def recv(self):
        while True:
            text = await self._ws.recv()
            if self._csms._offline:
                continue
            self._csms._frame("in", text)
            return text

    async def send(self, text) -> None:
        self._csms._frame("out", text)
        await self._ws.send(text)

    async def close(self) -> None:
        await self._ws.close()

    def __getattr__(self, name):
        return getattr(self._ws, name)


class Csms:
    def __init__(self, known_tags: set[str] | None = None, port: int = 0,
                 first_transaction_id: int = 1,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.known_tags = set(KNOWN_TAGS if known_tags is None else known_tags)
        self.port = port  # 0: a free port
        self.messages: list[tuple[str, dict]] = []
        # time.monotonic() and the wall clock (UTC) of each message, by index.
        self.times: list[float] = []
        self.wall_times: list[dt.datetime] = []
        # Every frame as it went over the wire: ("in" | "out", text), in order.
        self.frames: list[tuple[str, str]] = []
        self.paths: list[str] = []
        # The Authorization header of each connection (None without one), by connection.
        self.authorizations: list[str | None] = []
        # The client certificate (DER) each TLS connection presented (None: none, or no TLS).
        self.client_certificates: list[bytes | None] = []
        # The answer to SignCertificate.
        self.sign_certificate_status = "Accepted"
        # The answers to the next BootNotifications (Accepted after them), with this interval.
        self.boot_statuses: list[str] = []
        self.boot_interval = HEARTBEAT_S
        # The currentTime of the BootNotification answers (None: the time now), e.g. one that
        # does not parse.
        self.boot_current_time: str | None = None
        # The interval of the Accepted BootNotification: the station's HeartbeatInterval.
        self.heartbeat_interval = HEARTBEAT_S
        # idTag -> parentIdTag, sent in the idTagInfo of Authorize and StartTransaction.
        self.parent_ids: dict[str, str] = {}
        # Seconds the answer to an Authorize waits (a slow CSMS).
        self.authorize_delay = 0.0
        # The idTagInfo of the next Authorize answers, sent as they are, without the schema
        # check (e.g. an empty one, as EVerest's broken.py sends); set before the station
        # connects.
        self.authorize_answers: list[dict] = []
        # idTag -> SetUserPrice data, sent after the answer to its Authorize.
        self.user_prices: dict[str, dict] = {}
        # The answer to the station's DataTransfers.
        self.data_transfer_status = "UnknownVendorId"
        # Its data (none unless a test sets it).
        self.data_transfer_data: str | None = None
        # The idTokenInfo status of the answer to the station's Plug&Charge Authorize
        # DataTransfer (None: such a DataTransfer is answered as any other).
        self.pnc_authorize_status: str | None = None
        # The Get15118EVCertificateResponse answered to the station's Get15118EVCertificate
        # DataTransfer (None: such a DataTransfer is answered as any other).
        self.ev_certificate_answer: dict | None = None
        self._failures: dict[str, list[str]] = {}
        self._offline = False
        self._tx_ids = itertools.count(first_transaction_id)
        self.tx_ids: dict[int, int] = {}
        self._cond = threading.Condition(threading.RLock())
        self._cp: _ChargePoint | None = None
        self._ws = None
        self._busy = 0
        self._server = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def tag_status(self, id_tag: str) -> str:
        return (AuthorizationStatus.accepted if id_tag in self.known_tags
                else AuthorizationStatus.invalid)

    def id_tag_info(self, id_tag: str) -> dict:
        info = {"status": self.tag_status(id_tag)}
        if id_tag in self.parent_ids:
            info["parent_id_tag"] = self.parent_ids[id_tag]
        return info

    def _next_boot_answer(self) -> tuple[str, int]:
        with self._cond:
            if self.boot_statuses:
                return self.boot_statuses.pop(0), self.boot_interval
        return RegistrationStatus.accepted, self.heartbeat_interval

    def fail(self, action: str, times: int = 1, code: str = "InternalError") -> None:
        """Answers the next `times` CALLs of `action` with a CALLERROR `code` (an OCPP-J error
        code the `ocpp` package knows, e.g. InternalError, GenericError)."""
        errors = {e.code: e for e in vars(exceptions).values()
                  if isinstance(e, type) and issubclass(e, exceptions.OCPPError)
                  and getattr(e, "code", None)}
        assert code in errors, f"unknown CALLERROR code {code}"
        with self._cond:
            self._failures.setdefault(action, []).extend([code] * times)

    def _take_failure(self, action: str):
        with self._cond:
            codes = self._failures.get(action)
            if not codes:
                return None
            code = codes.pop(0)
        cls = next(e for e in vars(exceptions).values()
                   if isinstance(e, type) and issubclass(e, exceptions.OCPPError)
                   and getattr(e, "code", None) == code)
        return cls(description=f"the test CSMS fails this {action}")

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
            self.times.append(time.monotonic())
            self.wall_times.append(dt.datetime.now(dt.timezone.utc))
            self._cond.notify_all()

    def _frame(self, direction: str, text) -> None:
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        with self._cond:
            self.frames.append((direction, text))
            # A CALL of the station is being handled until its answer is sent.
            kind = _message_type(text)
            if direction == "in" and kind == 2:
                self._busy += 1
            elif direction == "out" and kind in (3, 4) and self._busy:
                self._busy -= 1
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

    def wait_count(self, action: str, count: int, predicate=None, timeout: float = 15,
                   after: int = 0) -> list[dict]:
        """Waits until `count` messages `action` (at index >= after) satisfy `predicate`;
        returns their payloads."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [p for a, p in self.messages[after:]
                         if a == action and (predicate is None or predicate(p))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"  {a} {p}" for a, p in self.messages)
                    raise AssertionError(
                        f"CSMS: {len(found)} of {count} {action} within {timeout}s; got:\n{seen}")
                self._cond.wait(left)

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

    # --- raw frames ------------------------------------------------------------------------

    def frame_count(self) -> int:
        """The number of frames so far (pass it as `after` to `wait_frame`)."""
        with self._cond:
            return len(self.frames)

    def send_raw(self, frame: str | list | dict) -> int:
        """Sends `frame` (text, or JSON made into text) to the station as it is; returns the
        frame index it got."""
        text = frame if isinstance(frame, str) else json.dumps(frame)

        async def go():
            assert self._ws is not None, "no station connected"
            await self._ws.send(text)
        self._run(go())
        with self._cond:
            return max(i for i, (d, t) in enumerate(self.frames) if d == "out" and t == text)

    def send_bytes(self, data: bytes, text: bool) -> None:
        """Sends `data` as one text frame (`text`: its UTF-8 is not checked, so it may be
        invalid) or one binary frame."""
        async def go():
            assert self._ws is not None, "no station connected"
            self._frame("out", data)
            await self._ws._ws.send(data, text=text)
        self._run(go())

    def send_huge_frame(self, start: str, size: int, timeout: float = 120) -> None:
        """Sends one unfragmented text frame of `size` bytes: `start`, then spaces. It is written
        to the socket piece by piece as the station reads it, so the CSMS holds 1 MiB at the
        most; only `start` is recorded in `frames`. Returns once all of it is written."""
        head = start.encode()
        assert len(head) <= size

        async def go():
            assert self._ws is not None, "no station connected"
            self._frame("out", start)
            transport = self._ws._ws.transport
            # RFC 6455 §5.2: FIN + text opcode, 64-bit length, no mask (server to client).
            transport.write(bytes([0x81, 127]) + size.to_bytes(8, "big") + head)
            left = size - len(head)
            piece = b" " * (1 << 20)
            while left > 0:
                # Flow control: write while the socket takes it, so nothing piles up here.
                while transport.get_write_buffer_size() > (1 << 20):
                    await asyncio.sleep(0.001)
                n = min(left, len(piece))
                transport.write(piece[:n])
                left -= n
            while transport.get_write_buffer_size() > 0:
                await asyncio.sleep(0.001)
        self._run(go(), timeout)

    def wait_frame(self, predicate, timeout: float = 15, after: int = 0,
                   direction: str = "in") -> tuple[int, list]:
        """The index and the parsed JSON of the first frame from the station (`direction` "in";
        "out": to the station) at frame index >= after that satisfies `predicate` (given the
        parsed frame)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, (d, text) in enumerate(self.frames[after:], after):
                    if d != direction:
                        continue
                    try:
                        parsed = json.loads(text)
                    except (ValueError, RecursionError):
                        continue
                    if predicate(parsed):
                        return i, parsed
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = "\n".join(f"  {d} {t}" for d, t in self.frames[after:])
                    raise AssertionError(f"CSMS: no such frame within {timeout}s; got:\n{seen}")
                self._cond.wait(left)

    def answer_to(self, message_id: str, timeout: float = 15, after: int = 0,
                  direction: str = "in") -> tuple[int, list]:
        """The station's CALLRESULT or CALLERROR to the CALL `message_id` (direction "out": the
        CSMS's answer to the station's CALL), and its frame index."""
        return self.wait_frame(
            lambda f: isinstance(f, list) and len(f) >= 2 and f[0] in (3, 4) and f[1] == message_id,
            timeout, after, direction)

    def call_frame(self, action: str, after: int = 0, direction: str = "in",
                   timeout: float = 15) -> tuple[int, list]:
        """The first CALL of `action` (from the station: direction "in") at frame index >=
        after, and its frame index."""
        return self.wait_frame(
            lambda f: isinstance(f, list) and len(f) == 4 and f[0] == 2 and f[2] == action,
            timeout, after, direction)

    def wait_quiet(self, quiet: float = 0.3, timeout: float = 15) -> None:
        """Waits until no frame went either way for `quiet` seconds: no CALL of the station is
        in flight and none was just answered."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                count = len(self.frames)
                if not self._cond.wait_for(lambda: len(self.frames) != count, quiet):
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"CSMS: frames kept coming for {timeout}s")

    # --- connection ------------------------------------------------------------------------

    def connections(self) -> int:
        with self._cond:
            return len(self.paths)

    def wait_connections(self, count: int, timeout: float = 15) -> None:
        """Waits until the station has connected `count` times in all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.paths) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"CSMS: {len(self.paths)} of {count} connections "
                                         f"within {timeout}s")
                self._cond.wait(left)

    def go_offline(self) -> None:
        """From now on drops what the station sends, refuses new connections (HTTP 503) and
        closes the open one once the CALL being answered (if one is) got its answer: every
        message recorded was answered, none that was not is recorded."""
        self._run(self._go_offline())

    def go_online(self) -> None:
        """Accepts connections again (on the same port)."""
        self._run(self._go_online())

    # --- on the loop thread ----------------------------------------------------------------

    async def _go_offline(self) -> None:
        self._offline = True
        deadline = time.monotonic() + 5
        while self._busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self._ws is not None:
            await self._ws.close()

    async def _go_online(self) -> None:
        self._offline = False

    def _process_request(self, connection, request):
        if self._offline:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "offline\n")
        return None

    async def _start(self) -> None:
        self._server = await serve(self._handler, "127.0.0.1", self.port, subprotocols=["ocpp1.6"],
                                   ping_interval=None, process_request=self._process_request,
                                   ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handler(self, ws) -> None:
        with self._cond:
            self.paths.append(ws.request.path)
            self.authorizations.append(ws.request.headers.get("Authorization"))
            ssl_object = ws.transport.get_extra_info("ssl_object")
            self.client_certificates.append(
                ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None)
            self._busy = 0
            self._cond.notify_all()
        wire = _Wire(ws, self)
        cp = _ChargePoint(ws.request.path.rsplit("/", 1)[-1], wire)
        cp.csms = self
        if self.authorize_answers:
            cp.route_map[Action.authorize]["_skip_schema_validation"] = True
        self._cp = cp
        self._ws = wire
        try:
            await cp.start()
        except Exception:
            pass


def _message_type(text: str):
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):  # a test may send JSON nested past Python's limit
        return None
    return frame[0] if isinstance(frame, list) and frame else None

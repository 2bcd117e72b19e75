"""A CSMS for the transport scenarios: the PyPI `ocpp` package's v16 ChargePoint over
`websockets`, with Python's ssl module for profiles 2 and 3, running its own event loop in a
background thread so that tests stay plain functions.

It checks what a real CSMS checks: the path (/ocpp/<ChargePointId>), the subprotocol, the
Basic Authorization header (profiles 1, 2) and, through the TLS context, the client
certificate (profile 3). It records every handshake and BootNotification; `kill()` drops the
listener and every connection abruptly, `start()` brings it back on the same port, and
`stop_answering_pings()` stops reading the live connections (so pings get no pong)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import ssl
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve

PATH = "/ocpp/"
KEY = "0123456789abcdef0123"  # the AuthorizationKey of the scenarios: 20 bytes


@dataclass
class Handshake:
    path: str
    subprotocol: str | None
    authorization: str | None
    client_cn: str | None = None


@dataclass
class Record:
    handshakes: list[Handshake] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    boot_notifications: list[str] = field(default_factory=list)


class _ChargePoint(OcppChargePoint):
    csms: "Csms"

    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor, charge_point_model, **_):
        self.csms._note(lambda r: r.boot_notifications.append(self.id))
        return call_result.BootNotification(
            current_time=dt.datetime.now(dt.timezone.utc).isoformat(),
            interval=300,
            status=RegistrationStatus.accepted,
        )


class Csms:
    def __init__(
        self,
        charge_point_id: str = "cp001",
        authorization_key: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        accept_ocpp16: bool = True,
    ) -> None:
        self.charge_point_id = charge_point_id
        self.authorization_key = authorization_key
        self.ssl_context = ssl_context
        self.accept_ocpp16 = accept_ocpp16
        self.port = 0
        self.record = Record()
        self._cond = threading.Condition()
        self._server = None
        self._live: set[ServerConnection] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    # --- control from the test thread -------------------------------------------------------

    def _run(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> "Csms":
        self._run(self._start())
        return self

    def kill(self) -> None:
        """The CSMS dies: no listener, every connection cut without a close frame."""
        self._run(self._kill())

    def stop_answering_pings(self) -> None:
        self._run(self._pause())

    def send_to_all(self, text: str) -> None:
        """Sends a raw frame on every live connection."""
        self._run(self._send_all(text))

    def close(self) -> None:
        self._run(self._kill())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def uri(self, scheme: str | None = None, host: str = "127.0.0.1") -> str:
        base = f"{host}:{self.port}{PATH}"
        return f"{scheme}://{base}" if scheme else base

    def wait(self, predicate, timeout: float = 15):
        """Waits until predicate(record) is true; returns the record."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.record):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"CSMS: condition not met within {timeout}s: {self.record}")
                self._cond.wait(left)
        return self.record

    def _note(self, change) -> None:
        with self._cond:
            change(self.record)
            self._cond.notify_all()

    # --- the server, on the loop thread ----------------------------------------------------

    async def _start(self) -> None:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            self.port,
            ssl=self.ssl_context,
            subprotocols=["ocpp1.6"],
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            ping_interval=None,  # the charge point pings; the CSMS only answers
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _kill(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close(close_connections=False)
        for ws in list(self._live):
            ws.transport.abort()
        self._live.clear()
        if server is not None:
            await server.wait_closed()

    async def _send_all(self, text: str) -> None:
        for ws in list(self._live):
            await ws.send(text)

    async def _pause(self) -> None:
        for ws in self._live:
            ws.transport.pause_reading()

    def _select_subprotocol(self, _connection, offered):
        if self.accept_ocpp16 and "ocpp1.6" in offered:
            return "ocpp1.6"
        return None  # upgrade without a subprotocol: the charge point must refuse

    def _refuse(self, connection, status: HTTPStatus, why: str):
        self._note(lambda r: r.refused.append((int(status), why)))
        return connection.respond(status, why + "\n")

    def _process_request(self, connection, request):
        path = request.path
        if not path.startswith(PATH) or path[len(PATH):] != self.charge_point_id:
            return self._refuse(connection, HTTPStatus.NOT_FOUND, f"unknown path {path}")
        authorization = request.headers.get("Authorization")
        if self.authorization_key is not None:
            plain = f"{self.charge_point_id}:{self.authorization_key}".encode()
            if authorization != "Basic " + base64.b64encode(plain).decode():
                return self._refuse(connection, HTTPStatus.UNAUTHORIZED, "wrong credentials")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        client_cn = None
        ssl_object = ws.transport.get_extra_info("ssl_object")
        if ssl_object is not None and (peer := ssl_object.getpeercert()):
            client_cn = dict(x[0] for x in peer["subject"]).get("commonName")
        handshake = Handshake(
            path=ws.request.path,
            subprotocol=ws.subprotocol,
            authorization=ws.request.headers.get("Authorization"),
            client_cn=client_cn,
        )
        self._note(lambda r: r.handshakes.append(handshake))
        if ws.subprotocol != "ocpp1.6":
            await ws.close(1002, "ocpp1.6 required")
            return
        self._live.add(ws)
        cp = _ChargePoint(self.charge_point_id, ws)
        cp.csms = self
        try:
            await cp.start()
        except Exception:  # the connection ended; the test looks at the record
            pass
        finally:
            self._live.discard(ws)


def server_tls(cert: str, key: str, client_ca: str | None = None) -> ssl.SSLContext:
    """TLS 1.2+ with this certificate; client certificates required when client_ca is given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=client_ca)
    return ctx

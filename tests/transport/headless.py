"""The chargepoint `headless` example as the station (the charge-point core and its tokio
driver, no hardware), a CSMS that can send CALLs to it, and a port that serves ws and wss at
once, for the scenarios where the security profile changes under a running station."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from pathlib import Path

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from csms16 import Csms, Handshake, _ChargePoint
from station import Station

REPO = Path(__file__).resolve().parents[2]

# Reconnect after 1 s (the configuration counts whole seconds), no random part, no doubling.
FAST = {
    "RetryBackoffWaitMinimum": 1,
    "RetryBackoffRandomRange": 0,
    "RetryBackoffRepeatTimes": 0,
    "UseSslDefaultVerifyPaths": False,
}


def write_config(path: Path, uri: str, profile: int, key: str | None) -> Path:
    """The shipped OCPP config with this CSMS URI, profile and AuthorizationKey."""
    config = json.loads((REPO / "config" / "ocpp-config.json").read_text())
    config["Internal"].update({"CentralSystemURI": uri, "ChargePointId": "cp001", **FAST})
    config["Security"]["SecurityProfile"] = profile
    if key is not None:
        config["Security"]["AuthorizationKey"] = key
    path.write_text(json.dumps(config, indent=2))
    return path


class Headless(Station):
    """The headless charge point; its JSON lines are read as the `connect` example's are."""

    def __init__(self, binary: Path, *args: str) -> None:
        # Station.__init__ adds the connect example's options; same state, another command.
        self.args = [str(binary), *args]
        self.events = []
        self.stderr = []
        self._stdout_done = False
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"RUST_LOG": "info", "PATH": "/usr/bin:/bin"},
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()


class _StatusChargePoint(_ChargePoint):
    @on(Action.status_notification)
    def on_status_notification(self, connector_id, **_):
        self.csms._note(lambda _: self.csms.statuses.append(connector_id))
        return call_result.StatusNotification()


class CallingCsms(Csms):
    """A CSMS that also sends CALLs to the charge point on its latest connection, and records
    the StatusNotifications (the first comes once the charge point has its BootNotification
    answer: from then on it answers CALLs)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.charge_points: list[_ChargePoint] = []
        self.statuses: list[int] = []

    async def _handler(self, ws) -> None:
        # As Csms._handler, keeping the ocpp ChargePoint of each connection for call().
        ssl_object = ws.transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert() if ssl_object is not None else None
        handshake = Handshake(
            path=ws.request.path,
            subprotocol=ws.subprotocol,
            authorization=ws.request.headers.get("Authorization"),
            client_cn=dict(x[0] for x in peer["subject"]).get("commonName") if peer else None,
        )
        self._note(lambda r: r.handshakes.append(handshake))
        if ws.subprotocol != "ocpp1.6":
            await ws.close(1002, "ocpp1.6 required")
            return
        self._live.add(ws)
        cp = _StatusChargePoint(self.charge_point_id, ws)
        cp.csms = self
        self.charge_points.append(cp)
        try:
            await cp.start()
        except Exception:  # the connection ended; the test looks at the record
            pass
        finally:
            self._live.discard(ws)

    def call(self, request, timeout: float = 10):
        """Sends `request` (an `ocpp.v16.call` payload) and returns the answer."""

        async def send():
            return await self.charge_points[-1].call(request)

        return self._run(send(), timeout)


class Sniffer:
    """One TCP port for ws and wss, as a CSMS behind one address: a connection whose first
    byte opens a TLS handshake (0x16) goes to `tls_port`, any other to `plain_port`."""

    def __init__(self, plain_port: int, tls_port: int | None) -> None:
        self.plain_port, self.tls_port = plain_port, tls_port
        self._pipes: set[asyncio.Future] = set()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._accept, "127.0.0.1", 0), self._loop
        ).result(5)
        self.port = self._server.sockets[0].getsockname()[1]

    def uri(self) -> str:
        return f"127.0.0.1:{self.port}/ocpp/"

    async def _accept(self, reader, writer) -> None:
        first = await reader.read(1)
        port = self.tls_port if first[:1] == b"\x16" else self.plain_port
        if not first or port is None:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.close()
            return
        up_writer.write(first)
        pipes = [asyncio.ensure_future(self._pipe(reader, up_writer)),
                 asyncio.ensure_future(self._pipe(up_reader, writer))]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)

    @staticmethod
    async def _pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    def close(self) -> None:
        async def shut() -> None:
            self._server.close()
            for pipe in list(self._pipes):
                pipe.cancel()
            await asyncio.gather(*self._pipes, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)

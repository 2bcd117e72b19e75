"""A TCP proxy between the station and the CSMS that breaks the network on demand (the chaos
scenario, test_crash_chaos.py): asyncio, in its own event loop thread, on a free port of
127.0.0.1, each accepted connection forwarded to a fresh connection to the upstream port.

Faults, on every connection open at the time (`delay` also on the ones opened later):
- `delay(seconds)`: every chunk waits that long before it is forwarded (in order), until
  `delay(0)`;
- `stall(seconds)`: nothing is forwarded either way for that long, then everything held goes
  on (`then="reset"`: the connections are reset instead);
- `drop()`: both sides closed with a FIN, what is held not forwarded;
- `reset()`: both sides closed with a RST (SO_LINGER 0: the kernel discards what it has not
  sent yet).
While the upstream refuses (the CSMS is restarting) an accepted connection is closed at once.

What a checker needs afterwards is in `conns` (a `Conn` per accepted connection): when it
opened and ended and why, the local port of its upstream side (the CSMS sees it as the peer's
port), and every websocket text frame from the CSMS that was handed to the station's socket in
full, with the time (`time.monotonic()`, comparable with other processes on the machine)."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


class _FrameReader:
    """The server-to-client half of a websocket: the HTTP upgrade answer, then unmasked frames
    (RFC 6455 §5.2). Collects the text messages (fragments joined)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._http_done = False
        self._fragments: list[bytes] | None = None

    def feed(self, data: bytes) -> list[str]:
        self._buf += data
        out: list[str] = []
        if not self._http_done:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return out
            del self._buf[:end + 4]
            self._http_done = True
        while True:
            frame = self._next_frame()
            if frame is None:
                return out
            fin, opcode, payload = frame
            if opcode == 1:
                self._fragments = [payload]
            elif opcode == 0 and self._fragments is not None:
                self._fragments.append(payload)
            else:
                continue  # binary, close, ping, pong
            if fin:
                out.append(b"".join(self._fragments).decode(errors="replace"))
                self._fragments = None

    def _next_frame(self) -> tuple[bool, int, bytes] | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        fin, opcode = bool(buf[0] & 0x80), buf[0] & 0x0F
        masked, length = bool(buf[1] & 0x80), buf[1] & 0x7F
        at = 2
        if length == 126:
            if len(buf) < 4:
                return None
            length, at = struct.unpack(">H", buf[2:4])[0], 4
        elif length == 127:
            if len(buf) < 10:
                return None
            length, at = struct.unpack(">Q", buf[2:10])[0], 10
        mask = b""
        if masked:
            if len(buf) < at + 4:
                return None
            mask, at = bytes(buf[at:at + 4]), at + 4
        if len(buf) < at + length:
            return None
        payload = bytes(buf[at:at + length])
        if masked:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        del buf[:at + length]
        return fin, opcode, payload


@dataclass
class Conn:
    """One connection through the proxy."""
    id: int
    opened: float
    upstream_port: int | None = None
    ended: float | None = None
    # "drop", "reset", "station" (the station closed or died), "csms" (the CSMS closed or
    # died), "refused" (no upstream).
    cause: str | None = None
    # (time handed to the station's socket, text) of each text frame from the CSMS.
    delivered: list[tuple[float, str]] = field(default_factory=list)


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.conns: list[Conn] = []
        self._delay = 0.0
        self._flowing = None  # asyncio.Event, set while nothing is stalled
        self._live: dict[int, tuple[Conn, asyncio.StreamWriter, asyncio.StreamWriter | None]] = {}
        self._server = None
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    # --- from the test thread --------------------------------------------------------------

    def _run(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> "FaultProxy":
        self._run(self._start())
        return self

    def close(self) -> None:
        try:
            self._run(self._close(), timeout=5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def delay(self, seconds: float) -> None:
        self._delay = seconds

    def stall(self, seconds: float, then: str = "resume") -> None:
        """Holds every byte for `seconds` (returns at once); then resumes, or resets the
        connections open then (`then="reset"`)."""
        assert then in ("resume", "reset")
        self._loop.call_soon_threadsafe(self._stall, seconds, then)

    def drop(self) -> int:
        """Closes every open connection with a FIN; returns how many."""
        return self._run(self._end_all("drop"))

    def reset(self) -> int:
        """Resets every open connection (RST); returns how many."""
        return self._run(self._end_all("reset"))

    def heal(self) -> None:
        """No delay, no stall from now on."""
        self._delay = 0.0
        self._loop.call_soon_threadsafe(self._flowing.set)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._live)

    # --- on the loop thread ----------------------------------------------------------------

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        await self._end_all("drop")
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _stall(self, seconds: float, then: str) -> None:
        self._flowing.clear()

        def over() -> None:
            if then == "reset":
                asyncio.ensure_future(self._end_all("reset"))
            self._flowing.set()
        self._loop.call_later(seconds, over)

    async def _end_all(self, cause: str) -> int:
        with self._lock:
            live = list(self._live.values())
        for conn, down, up in live:
            self._end(conn, down, up, cause)
        return len(live)

    def _end(self, conn: Conn, down, up, cause: str) -> None:
        with self._lock:
            if self._live.pop(conn.id, None) is None:
                return
            conn.ended = time.monotonic()
            conn.cause = cause
        for writer in (down, up):
            if writer is None:
                continue
            if cause == "reset":
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                    except OSError:
                        pass
                writer.transport.abort()
            else:
                writer.close()

    async def _handle(self, down_reader, down_writer) -> None:
        with self._lock:
            conn = Conn(id=len(self.conns), opened=time.monotonic())
            self.conns.append(conn)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            with self._lock:
                self._live[conn.id] = (conn, down_writer, None)
            self._end(conn, down_writer, None, "refused")
            return
        conn.upstream_port = up_writer.get_extra_info("sockname")[1]
        with self._lock:
            self._live[conn.id] = (conn, down_writer, up_writer)
        frames = _FrameReader()
        ups = asyncio.ensure_future(self._pump(conn, down_reader, up_writer, None))
        downs = asyncio.ensure_future(self._pump(conn, up_reader, down_writer, frames))
        done, pending = await asyncio.wait({ups, downs}, return_when=asyncio.FIRST_COMPLETED)
        cause = "station" if ups in done else "csms"
        self._end(conn, down_writer, up_writer, cause)
        for task in pending:
            task.cancel()
        await asyncio.gather(ups, downs, return_exceptions=True)

    async def _pump(self, conn: Conn, reader, writer, frames: _FrameReader | None) -> None:
        """Forwards until the source ends (or fails) or the connection is ended."""
        try:
            while conn.ended is None:
                data = await reader.read(65536)
                if not data:
                    return
                if self._delay:
                    await asyncio.sleep(self._delay)
                await self._flowing.wait()
                if conn.ended is not None:
                    return
                writer.write(data)
                await writer.drain()
                # Handed to the kernel in full, not only to asyncio's buffer.
                while writer.transport.get_write_buffer_size() and conn.ended is None:
                    await asyncio.sleep(0.001)
                if frames is not None and conn.ended is None:
                    now = time.monotonic()
                    for text in frames.feed(data):
                        conn.delivered.append((now, text))
        except (OSError, asyncio.IncompleteReadError):
            return

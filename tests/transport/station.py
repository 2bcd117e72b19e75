"""Runs the ocpp-ws `connect` example as the charge point and reads its JSON event lines."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

# Fast timers: reconnect attempts every 0.1-0.2 s, a short handshake timeout.
FAST = [
    "--retry-wait-minimum", "0.1",
    "--retry-random-range", "0.1",
    "--retry-repeat-times", "1",
    "--handshake-timeout", "5",
    "--no-system-roots",
]


class Station:
    def __init__(self, binary: Path, *args: str) -> None:
        self.args = [str(binary), "--charge-point-id", "cp001", *FAST, *args]
        self.events: list[dict] = []
        self.stderr: list[str] = []
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

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self._stdout_done = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.stderr.append(line.rstrip())

    def wait(self, event: str, timeout: float = 15, after: int = 0, **fields) -> dict:
        """The first event named `event` (at index >= `after`) whose fields match."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[after:]:
                    if e.get("event") == event and all(e.get(k) == v for k, v in fields.items()):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or self._stdout_done:
                    log = "\n".join(self.stderr[-30:])
                    raise AssertionError(
                        f"no {event} {fields} within {timeout}s; events: {self.events}\nstderr:\n{log}"
                    )
                self._cond.wait(min(left, 0.2))

    def count(self, event: str) -> int:
        with self._cond:
            return sum(1 for e in self.events if e.get("event") == event)

    def index(self) -> int:
        with self._cond:
            return len(self.events)

    def log(self) -> str:
        with self._cond:
            return "\n".join(self.stderr)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)

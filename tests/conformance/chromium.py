"""Headless Debian chromium for the web UI test: a screenshot through the command line, and the
live DOM through the DevTools protocol (the page renders its state from server-sent events after
load, which `--dump-dom` does not wait for)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900"]


def chromium() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def screenshot(binary: str, url: str, dir: Path) -> Path:
    png = dir / "ui.png"
    subprocess.run([binary, *FLAGS, f"--user-data-dir={dir / 'shot-profile'}",
                    f"--screenshot={png}", url],
                   check=True, capture_output=True, timeout=60)
    return png


class Browser:
    """Chromium with a DevTools port; `evaluate` runs JavaScript in the one page."""

    def __init__(self, binary: str, dir: Path) -> None:
        profile = dir / "cdp-profile"
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            assert time.monotonic() < deadline, "chromium opened no DevTools port"
            assert self.proc.poll() is None, f"chromium exited {self.proc.returncode}"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
        self._client = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        self.ws = self._client.__enter__()  # left in close()
        self._id = 0
        # DevTools events (messages without an id) in arrival order, for `wait_event`.
        self.events: list[dict] = []

    def _receive(self, timeout: float) -> dict:
        msg = json.loads(self.ws.recv(timeout=timeout))
        if "id" not in msg and "method" in msg:
            self.events.append(msg)
        return msg

    def send(self, method: str, **params) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = self._receive(30)
            if msg.get("id") == self._id:
                assert "error" not in msg, msg
                return msg["result"]

    def wait_event(self, method: str, timeout: float = 15) -> dict:
        """The params of the first DevTools event `method` not waited for yet (the domain must
        be enabled, e.g. Page.enable for Page.loadEventFired)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, msg in enumerate(self.events):
                if msg["method"] == method:
                    del self.events[: i + 1]
                    return msg.get("params", {})
            left = deadline - time.monotonic()
            assert left > 0, f"chromium: no {method} within {timeout}s"
            self._receive(left)

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """Makes the page `width` x `height` CSS pixels (a phone with `mobile`: the viewport
        meta tag applies), at one device pixel per CSS pixel."""
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def capture(self, path: Path) -> tuple[int, int]:
        """A PNG of the whole page (beyond the viewport, at its width) written to `path`;
        returns its size in pixels."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = self.evaluate("window.innerWidth")
        height = max(int(size["height"]), self.evaluate("window.innerHeight"))
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = base64.b64decode(shot["data"])
        path.write_bytes(data)
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 15):
        """Polls `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            assert time.monotonic() < deadline, f"page: {expression} stayed falsy"
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self._client.__exit__(None, None, None)
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)

"""File servers on 127.0.0.1 for the scenarios with real file transfers (firmware, diagnostics):
an FTP server (pyftpdlib) and an HTTP server (http.server), each in a thread of its own; the
fixtures `ftp` and `http_server` (conftest.py) start one per test."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


class FtpServer:
    """An FTP server on 127.0.0.1 serving `root` to user `fc` (password `secret`), in a thread
    of its own; passive mode on any free port."""

    USER, PASSWORD = "fc", "secret"

    def __init__(self, root: Path) -> None:
        self.root = root
        authorizer = DummyAuthorizer()
        authorizer.add_user(self.USER, self.PASSWORD, str(root), perm="elradfmwMT")
        handler = type("Handler", (FTPHandler,), {"authorizer": authorizer,
                                                   "passive_ports": None})
        self._server = FTPServer(("127.0.0.1", 0), handler)
        self.port = self._server.socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # The loop and close_all in this one thread: pyftpdlib's IOLoop is not thread-safe.
        while not self._stop.is_set():
            self._server.serve_forever(timeout=0.1, blocking=False)
        self._server.close_all()

    def url(self, path: str) -> str:
        return f"ftp://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


class HttpServer:
    """An HTTP server on 127.0.0.1 serving the files of `root` (GET) and storing what is PUT
    there (as everest-core's `curl -T` uploads), in a thread; records the requests for each
    path. A PUT under `forbidden/` is answered 403."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                outer.requests.append(self.path)
                super().do_GET()

            def do_PUT(self):  # noqa: N802
                outer.requests.append("PUT " + self.path)
                length = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(length)
                relative = self.path.split("?", 1)[0].lstrip("/")
                if relative.startswith("forbidden/") or ".." in relative:
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                target = outer.root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

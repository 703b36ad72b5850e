"""Serves a :class:`~sandbox.core.VendorApp` over real HTTP/1.1 on loopback.

Keep-alive connections, TCP_NODELAY on accepted sockets, one thread per connection; the app's
service time (:class:`~sandbox.core.Latency`) is slept in that thread, so requests overlap.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sandbox.core import Request, VendorApp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request.build(self.command, self.path, dict(self.headers.items()), body)
        latency = self.server.app.latency
        latency.enter(req.path)
        slept = latency.service_time(req.path)
        try:
            resp = self.server.app.dispatch(req)
            if slept:
                time.sleep(slept)  # in this connection's thread: other requests are served meanwhile
        finally:
            latency.leave(slept, req.path)
        if resp.delay:
            time.sleep(resp.delay)
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(resp.status)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, app: VendorApp, host: str, port: int) -> None:
        self.app = app
        super().__init__((host, port), _Handler)


class AppServer:
    """Runs one vendor app on 127.0.0.1 in a background thread."""

    def __init__(self, app: VendorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server(app, host, port)
        self.host, self.port = self._server.server_address[:2]
        app.base_url = f"http://{self.host}:{self.port}{app.base_path}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"sandbox-{app.name}", daemon=True)

    @property
    def base_url(self) -> str:
        return self.app.base_url

    def start(self) -> AppServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

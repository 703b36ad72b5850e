"""Real HTTP servers that misbehave on purpose, for the malformed-data and foreign-host tests.

* :class:`HostileProxy` sits in front of a sandbox app (a reverse proxy on loopback): it forwards
  every request, rewrites the upstream's origin to its own (as any reverse proxy does), and lets
  a test rewrite chosen answers: change the JSON body, or answer with a redirect instead.
* :class:`EvilServer` listens on another loopback host (127.0.0.2) and records what reaches it,
  headers included, so a test can prove that no credential was ever sent there.
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Answer:
    """One answer on its way back to the client; a rule may change any part of it."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def set_json(self, payload: Any) -> None:
        self.body = json.dumps(payload, separators=(",", ":")).encode("utf-8")


@dataclass
class Rule:
    route: str  # fnmatch on the path (query excluded)
    apply: Callable[[Answer], None]
    times: int = 1
    after: int = 0  # let this many matching answers pass first
    seen: int = 0
    fired: int = 0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handler: type[BaseHTTPRequestHandler], host: str) -> tuple[_Server, threading.Thread]:
    server = _Server((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


class HostileProxy:
    """A reverse proxy on 127.0.0.1 in front of `upstream_base_url` whose answers tests can rewrite."""

    def __init__(self, upstream_base_url: str) -> None:
        up = urlsplit(upstream_base_url)
        self.upstream_host, self.upstream_port = up.hostname or "127.0.0.1", up.port or 80
        self.upstream_origin = f"{up.scheme}://{up.netloc}"
        self.base_path = up.path
        self.rules: list[Rule] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                proxy._rewrite(self.path.partition("?")[0], answer)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self._server, self._thread = _serve(Handler, "127.0.0.1")
        host, port = self._server.server_address[:2]
        self.origin = f"http://{host}:{port}"
        self.base_url = self.origin + self.base_path

    def on(self, route: str, apply: Callable[[Answer], None], times: int = 1, after: int = 0) -> Rule:
        """Rewrites answers to requests whose path matches `route` (relative to the base path, fnmatch)."""
        rule = Rule(self.base_path + route if not route.startswith(self.base_path) else route, apply, times, after)
        with self.lock:
            self.rules.append(rule)
        return rule

    def on_json(self, route: str, change: Callable[[Any], None], times: int = 1, after: int = 0) -> Rule:
        """Changes the JSON body of matching successful answers in place (`change(payload)`)."""

        def apply(answer: Answer) -> None:
            payload = answer.json()
            change(payload)
            answer.set_json(payload)

        return self.on(route, apply, times, after)

    def redirect(self, route: str, location: str, times: int = 1, after: int = 0, status: int = 302) -> Rule:
        """Answers matching requests with a redirect to `location` instead."""

        def apply(answer: Answer) -> None:
            answer.status, answer.body = status, b""
            answer.headers = {"Location": location, "X-Request-Id": answer.headers.get("X-Request-Id", "")}

        return self.on(route, apply, times, after)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(method, path, body=body or None, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
            answer = Answer(resp.status, {k: v for k, v in resp.getheaders()}, data)
        except (OSError, http.client.HTTPException):
            answer = Answer(502, {"Content-Type": "text/plain"}, b"upstream unreachable")
        finally:
            conn.close()
        # a reverse proxy speaks for the upstream: links to it become links to the proxy
        up, me = self.upstream_origin.encode(), self.origin.encode()
        answer.body = answer.body.replace(up, me)
        answer.headers = {k: v.replace(self.upstream_origin, self.origin) for k, v in answer.headers.items()}
        return answer

    def _rewrite(self, path: str, answer: Answer) -> None:
        with self.lock:
            due = []
            for rule in self.rules:
                if rule.fired < rule.times and fnmatch.fnmatchcase(path, rule.route) and answer.status < 300:
                    rule.seen += 1
                    if rule.seen > rule.after:
                        rule.fired += 1
                        due.append(rule)
        for rule in due:
            rule.apply(answer)


class EvilServer:
    """Listens on 127.0.0.2 and records every request that reaches it (it should get none with credentials)."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.seen: list[Seen] = []
        evil = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _serve(self) -> None:
                evil.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
                body = b'{"data":[],"results":[],"next":null,"pagination":{"has_more":false,"next_cursor":null}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self._server, self._thread = _serve(Handler, host)
        h, port = self._server.server_address[:2]
        self.origin = f"http://{h}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

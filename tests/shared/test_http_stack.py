"""The stock HTTP stack under ProviderSession: keep-alive, TLS, compressed answers, what is retried.

Real sockets on loopback (tests/shared/tls_server.py); requests' own adapter and TLS underneath.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import Sandbox
from sources._shared.context import RunContext
from sources._shared.http.profile import ProviderProfile
from sources._shared.http.retry import RETRY_EXCEPTIONS
from sources._shared.http.session import ProviderSession
from sources._shared.http.settings import HttpSettings
from tests.shared.tls_server import LoopbackServer, self_signed

FAST = HttpSettings(timeout=5.0, max_attempts=3, backoff_base=0.01, backoff_cap=0.02)


def _session(base_url: str, settings: HttpSettings = FAST) -> tuple[ProviderSession, RunContext]:
    context = RunContext()
    return ProviderSession(ProviderProfile("testvendor"), "things", settings, context, base_url=base_url), context


def test_connections_are_kept_alive_and_reused() -> None:
    with LoopbackServer() as server:
        session, context = _session(server.url)
        for i in range(5):
            assert session.get(f"{server.url}/x{i}").json()["path"] == f"/x{i}"
    assert len(server.client_ports) == 5 and len(set(server.client_ports)) == 1
    assert context.total() == 5 and context.total(counter="retries") == 0


def test_an_answer_with_connection_close_is_not_reused() -> None:
    with LoopbackServer() as server:
        session, _ = _session(server.url)
        assert session.get(f"{server.url}/close").status_code == 200
        assert session.get(f"{server.url}/after").status_code == 200
    assert len(set(server.client_ports)) == 2


def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed() -> None:
    with LoopbackServer() as server:
        session, context = _session(server.url)
        assert session.get(f"{server.url}/drop-after").status_code == 200
        time.sleep(0.2)  # lets the server's FIN arrive while the connection is idle (not an assertion)
        assert session.get(f"{server.url}/next").json()["path"] == "/next"
    assert len(set(server.client_ports)) == 2 and context.total(counter="retries") == 0


def test_a_gzip_answer_is_decoded() -> None:
    with LoopbackServer() as server:
        session, _ = _session(server.url)
        response = session.get(f"{server.url}/gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.json() == {"ok": True, "path": "/gzip"}


@pytest.mark.parametrize("kwargs", [{"json": {"password": "pässwörd"}}, {"data": "name=Zoë".encode()},
                                    {"data": {"a": "1", "b": "ß"}}])
def test_a_request_body_goes_out_whole(kwargs: dict[str, Any]) -> None:
    with LoopbackServer() as server:
        session, _ = _session(server.url)
        echoed = session.post(f"{server.url}/echo", **kwargs).content
    body = requests.Request("POST", f"{server.url}/echo", **kwargs).prepare().body
    assert echoed == (body if isinstance(body, bytes) else str(body).encode()) != b""


def test_https_is_verified_against_the_ca_bundle_of_the_environment(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    with LoopbackServer(cert, key) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        session, _ = _session(server.url)
        for _ in range(3):
            assert session.get(f"{server.url}/tls").json()["ok"] is True
    assert len(set(server.client_ports)) == 1  # kept alive over TLS too


def test_https_refuses_an_untrusted_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with LoopbackServer(cert, key) as server:
        session, context = _session(server.url, HttpSettings(timeout=5.0, max_attempts=1))
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"{server.url}/tls")
    assert context.total() == 1


def test_https_refuses_a_certificate_for_another_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path, names=("elsewhere.invalid",), ips=())
    with LoopbackServer(cert, key) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        session, _ = _session(server.url, HttpSettings(timeout=5.0, max_attempts=1))
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"{server.url}/tls")


def test_a_missing_ca_bundle_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-ca.pem"))
    session, _ = _session("https://127.0.0.1:9", HttpSettings(timeout=5.0, max_attempts=1))
    with pytest.raises(OSError, match="invalid path"):
        session.get("https://127.0.0.1:9/")


def test_a_refused_connection_is_retried_then_raised() -> None:
    with LoopbackServer() as server:
        url = server.url
    session, context = _session(url)
    with pytest.raises(RETRY_EXCEPTIONS):
        session.get(f"{url}/")
    assert context.total() == 3 and context.total(counter="retries") == 2


class _CutHandler(BaseHTTPRequestHandler):
    """Promises 100 bytes, sends 10 and closes: a connection dropped mid-body."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(b'{"data": [')
        self.close_connection = True

    def log_message(self, *args: Any) -> None:
        return None


def test_a_body_cut_mid_transfer_is_retried_then_raised() -> None:
    server = HTTPServer(("127.0.0.1", 0), _CutHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        session, context = _session(url)
        with pytest.raises(RETRY_EXCEPTIONS):
            session.get(f"{url}/")
    finally:
        server.shutdown()
        server.server_close()
    assert context.total() == 3


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 5}) as sandbox:
        token = sandbox.hollyhr.credentials()["api_token"]
        yield sandbox, {"Authorization": f"Bearer {token}"}


def test_a_slow_answer_times_out_and_is_retried(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    sandbox.hollyhr.inject("/people", "slow", delay=1.0, times=1)
    session, context = _session(sandbox.hollyhr.base_url, HttpSettings(timeout=0.2, max_attempts=2,
                                                                      backoff_base=0.01, backoff_cap=0.02))
    try:
        response = session.get(f"{sandbox.hollyhr.base_url}/people", headers=auth)
    finally:
        sandbox.hollyhr.clear_faults()
    assert response.status_code == 200 and len(response.json()["data"]) == 5
    assert context.total() == 2 and context.total(counter="retries") == 1


def test_the_proxy_environment_is_read_as_requests_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackServer() as server:
        for name in ("http_proxy", "no_proxy", "all_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("NO_PROXY", "")
        session, _ = _session(server.url, HttpSettings(timeout=5.0, max_attempts=1))
        with pytest.raises(requests.exceptions.ProxyError):
            session.get(f"{server.url}/via-proxy")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert session.get(f"{server.url}/direct").json()["path"] == "/direct"

"""LeanSession and LeanAdapter behave like requests' Session and HTTPAdapter (sources/_shared/transport.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from dlt.sources.helpers.requests.session import Session as DltSession
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import InsecureRequestWarning

from sandbox import Sandbox
from sources._shared.retry import RETRY_EXCEPTIONS
from sources._shared.transport import LeanAdapter, LeanSession
from tests.shared.tls_server import LoopbackServer, self_signed


def _hook(response: Any, *args: Any, **kwargs: Any) -> None:
    return None


def _other_hook(response: Any, *args: Any, **kwargs: Any) -> None:
    return None


def _sessions(**settings: Any) -> tuple[requests.Session, LeanSession]:
    plain, lean = requests.Session(), LeanSession()
    for session in (plain, lean):
        session.trust_env = False
        session.headers.clear()
        for name, value in settings.items():
            attr = getattr(session, name)
            if isinstance(attr, dict):
                attr.update(value)
            else:
                setattr(session, name, value)
    return plain, lean


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"headers": {"Accept": "application/json"}, "params": {"limit": 5}}),
    ({"headers": {"User-Agent": "x", "Accept": "*/*"}},
     {"headers": {"accept": "application/json", "User-Agent": None}, "params": {"a": None, "b": [1, 2]}}),
    ({"params": {"team": "x"}, "auth": HTTPBasicAuth("u", "p")}, {"params": {"limit": 1}}),
    ({"auth": HTTPBasicAuth("u", "p")}, {"auth": HTTPBasicAuth("v", "q"), "json": {"k": 1}, "method": "post"}),
    ({"hooks": {"response": [_hook]}}, {}),
    ({"hooks": {"response": [_hook]}}, {"hooks": {"response": [_other_hook]}}),
    ({}, {"hooks": {"response": [_other_hook]}, "data": {"a": "1"}, "method": "post"}),
    ({}, {"cookies": {"session": "abc"}}),
]


@pytest.mark.parametrize(("session_settings", "request_args"), CASES)
def test_prepare_request_matches_requests(session_settings: dict[str, Any], request_args: dict[str, Any]) -> None:
    plain, lean = _sessions(**session_settings)
    args = {"method": "get", "url": "https://api.example.com/v1/people?x=1", **request_args}
    expected = plain.prepare_request(requests.Request(**args))
    got = lean.prepare_request(requests.Request(**args))
    assert (got.method, got.url, got.body) == (expected.method, expected.url, expected.body)
    assert dict(got.headers) == dict(expected.headers)
    assert got.hooks == expected.hooks


URLS = [
    "http://127.0.0.1:36089/api/v1/people/12/employment", "https://api.example.com/", "https://api.example.com",
    "https://api.example.com/v1.2/a-b_c~d/", "http://a/./b", "http://a/b/..", "http://a/b/../c", "http://A/x",
    "HTTP://a/x", "http://a:080/x", "http://a:65535/x", "http://a:65536/x", "http://a:99999/x", "http://a//x",
    "http://a/x?y=1", "http://a/x#f", "http://u:p@a/x", "http://a/.well-known/x", "http://a/x/.hidden",
    "http://a/x y", "http://a/x%20y", "http://a/ä", "http://bücher.example/x", " http://a/x", "http://*.a/x",
    "http://.a/x", "http://a/x/", "https://a.b-c.d:8443/p/q",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("params", [None, {}, {"limit": 5}])
def test_prepared_url_matches_requests(url: str, params: dict[str, Any] | None) -> None:
    plain, lean = _sessions()
    outcomes = []
    for session in (plain, lean):
        try:
            outcomes.append(session.prepare_request(requests.Request("get", url, params=params)).url)
        except requests.exceptions.RequestException as exc:
            outcomes.append(type(exc))
    assert outcomes[0] == outcomes[1]


def test_session_cookies_take_requests_own_path() -> None:
    plain, lean = _sessions()
    for session in (plain, lean):
        session.cookies.set("sid", "1", domain="api.example.com")
    request = requests.Request("get", "https://api.example.com/v1/people")
    assert lean.prepare_request(request).headers["Cookie"] == plain.prepare_request(request).headers["Cookie"]


@pytest.mark.parametrize("proxies", [None, {}, {"https": "http://proxy:3128", "http": None}])
def test_environment_settings_match_requests(proxies: dict[str, Any] | None) -> None:
    plain, lean = _sessions(proxies={"http": "http://session-proxy:1"}, verify="/tmp/ca.pem")
    for stream, verify, cert in [(None, None, None), (True, False, "/tmp/c.pem")]:
        expected = plain.merge_environment_settings("https://api.example.com", proxies, stream, verify, cert)
        got = lean.merge_environment_settings("https://api.example.com", proxies, stream, verify, cert)
        assert dict(got) == dict(expected)


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 5}) as sandbox:
        token = sandbox.hollyhr.credentials()["api_token"]
        yield sandbox, {"Authorization": f"Bearer {token}"}


def _session(adapter: HTTPAdapter) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", adapter)
    return session


def test_lean_adapter_answers_like_requests(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    url = f"{sandbox.hollyhr.base_url}/people"
    lean = _session(LeanAdapter()).get(url, headers=auth, params={"limit": 2}, timeout=5)
    plain = _session(HTTPAdapter()).get(url, headers=auth, params={"limit": 2}, timeout=5)
    assert lean.status_code == plain.status_code == 200
    assert lean.json()["data"] == plain.json()["data"]
    assert lean.headers.keys() == plain.headers.keys()
    assert (lean.url, lean.reason, lean.encoding) == (plain.url, plain.reason, plain.encoding)
    refused = _session(LeanAdapter()).get(url, timeout=5)  # no token
    expected = _session(HTTPAdapter()).get(url, timeout=5)
    assert refused.status_code == expected.status_code == 401
    assert refused.json()["error"]["code"] == expected.json()["error"]["code"]


def test_lean_adapter_streams_through_requests(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    response = _session(LeanAdapter()).get(f"{sandbox.hollyhr.base_url}/people", headers=auth, stream=True, timeout=5)
    assert b'"data"' in b"".join(response.iter_content(64))


def test_lean_adapter_raises_what_the_retry_policy_retries(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    sandbox.hollyhr.inject("/people", "drop")
    with pytest.raises(RETRY_EXCEPTIONS):
        _session(LeanAdapter()).get(f"{sandbox.hollyhr.base_url}/people", headers=auth, timeout=5)
    sandbox.hollyhr.clear_faults()


def test_lean_adapter_returns_a_cut_body_as_requests_does(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    bodies = []
    for adapter in (LeanAdapter(), HTTPAdapter()):
        sandbox.hollyhr.inject("/people", "truncated")
        bodies.append(_session(adapter).get(f"{sandbox.hollyhr.base_url}/people", headers=auth, timeout=5).content)
    assert bodies[0] == bodies[1] and not bodies[0].endswith(b"}")
    sandbox.hollyhr.clear_faults()


def test_lean_adapter_read_timeout(api: tuple[Sandbox, dict[str, str]]) -> None:
    sandbox, auth = api
    sandbox.hollyhr.inject("/people", "slow", delay=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        _session(LeanAdapter()).get(f"{sandbox.hollyhr.base_url}/people", headers=auth, timeout=0.2)
    sandbox.hollyhr.clear_faults()


class _CookieHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = (self.headers.get("Cookie") or "none").encode()
        self.send_response(200)
        self.send_header("Set-Cookie", "sid=42; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


def test_lean_adapter_keeps_cookies_like_requests() -> None:
    server = HTTPServer(("127.0.0.1", 0), _CookieHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        session = LeanSession()
        session.trust_env = False
        session.mount("http://", LeanAdapter())
        first = session.get(url, timeout=5)
        assert first.text == "none" and first.cookies.get("sid") == "42"
        assert session.get(url, timeout=5).text == "sid=42"
    finally:
        server.shutdown()


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


@pytest.mark.parametrize("adapter", [LeanAdapter, HTTPAdapter])
def test_a_body_cut_mid_transfer_is_retryable(adapter: type[HTTPAdapter]) -> None:
    server = HTTPServer(("127.0.0.1", 0), _CutHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(RETRY_EXCEPTIONS):
            _session(adapter()).get(f"http://127.0.0.1:{server.server_port}/", timeout=5)
    finally:
        server.shutdown()


# --- LeanAdapter's own keep-alive connections (sources/_shared/connections.py) ----------------


def _lean() -> LeanSession:
    session = LeanSession()
    session.trust_env = False
    adapter = LeanAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _plain(dlt_session: bool = False) -> requests.Session:
    session = DltSession() if dlt_session else requests.Session()
    session.trust_env = False
    return session


def test_connections_are_kept_alive_and_reused() -> None:
    with LoopbackServer() as server:
        session = _lean()
        for i in range(5):
            assert session.get(f"{server.url}/x{i}", timeout=5).json()["path"] == f"/x{i}"
    assert len(server.client_ports) == 5 and len(set(server.client_ports)) == 1


def test_an_answer_with_connection_close_is_not_reused() -> None:
    with LoopbackServer() as server:
        session = _lean()
        assert session.get(f"{server.url}/close", timeout=5).status_code == 200
        assert session.get(f"{server.url}/after", timeout=5).status_code == 200
    assert len(set(server.client_ports)) == 2


def test_a_connection_the_server_closed_while_idle_is_replaced_not_failed() -> None:
    with LoopbackServer() as server:
        session = _lean()
        assert session.get(f"{server.url}/drop-after", timeout=5).status_code == 200
        time.sleep(0.2)  # the server's FIN arrives while the connection is idle
        assert session.get(f"{server.url}/next", timeout=5).json()["path"] == "/next"
    assert len(set(server.client_ports)) == 2


def test_a_gzip_answer_is_decoded_like_requests() -> None:
    with LoopbackServer() as server:
        lean = _lean().get(f"{server.url}/gzip", timeout=5)
        plain = _plain().get(f"{server.url}/gzip", timeout=5)
    assert lean.content == plain.content and lean.json() == {"ok": True, "path": "/gzip"}
    assert lean.headers["Content-Encoding"] == plain.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("kwargs", [{"json": {"password": "pässwörd"}}, {"data": "name=Zoë"},
                                    {"data": {"a": "1", "b": "ß"}}])
def test_a_request_body_goes_out_as_requests_sends_it(kwargs: dict[str, Any]) -> None:
    with LoopbackServer() as server:
        lean = _lean().post(f"{server.url}/echo", timeout=5, **kwargs)
        plain = _plain(dlt_session=True).post(f"{server.url}/echo", timeout=5, **kwargs)  # same User-Agent
        sent = server.headers_seen
    assert lean.content == plain.content != b""
    drop = {"Host"}  # both send it; the rest must match too
    assert {k: v for k, v in sent[0].items() if k not in drop} == {k: v for k, v in sent[1].items() if k not in drop}


def test_https_is_verified_against_the_given_bundle_and_kept_alive(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with LoopbackServer(cert, key) as server:
        session = _lean()
        for _ in range(3):
            assert session.get(f"{server.url}/tls", verify=str(cert), timeout=5).json()["ok"] is True
        by_name = server.url.replace("127.0.0.1", "localhost")
        assert session.get(f"{by_name}/name", verify=str(cert), timeout=5).json()["path"] == "/name"
    assert len(set(server.client_ports)) == 2  # one per origin


def test_https_refuses_an_untrusted_certificate_like_requests(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with LoopbackServer(cert, key) as server:
        for session in (_lean(), _plain()):
            with pytest.raises(requests.exceptions.SSLError):
                session.get(f"{server.url}/tls", timeout=5)  # verify=True: requests' CA bundle
            with pytest.warns(InsecureRequestWarning):
                assert session.get(f"{server.url}/tls", verify=False, timeout=5).json()["ok"] is True


def test_https_refuses_a_certificate_for_another_host(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, names=("elsewhere.invalid",), ips=())
    with LoopbackServer(cert, key) as server:
        for session in (_lean(), _plain()):
            with pytest.raises(requests.exceptions.SSLError):
                session.get(f"{server.url}/tls", verify=str(cert), timeout=5)


def test_a_missing_ca_bundle_is_refused_like_requests(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    for session in (_lean(), _plain()):
        with pytest.raises(OSError, match="invalid path"):
            session.get("https://127.0.0.1:9/", verify=missing, timeout=5)


def test_a_refused_connection_is_retryable() -> None:
    with LoopbackServer() as server:
        port = server.server_port
    for session in (_lean(), _plain()):
        with pytest.raises(RETRY_EXCEPTIONS):
            session.get(f"http://127.0.0.1:{port}/", timeout=5)

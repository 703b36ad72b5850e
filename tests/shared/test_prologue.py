"""The source prologue (sources/_shared/prologue.py): one line per bad setting, secrets redacted, one client each."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from sources._shared.context import RunContext, activated
from sources._shared.errors import ProviderConfigError
from sources._shared.http.redaction import redact
from sources._shared.prologue import ClientCache, begin_source


def test_it_checks_registers_and_hands_over_the_run_context() -> None:
    run = RunContext()
    with activated(run):
        start = begin_source("acmehr", "https://api.acme.test/v1/", secrets={"api_key": "acme-key-4f9a2c"},
                            required={"email": "  etl@acme.test "})
    assert start.base_url == "https://api.acme.test/v1"
    assert start.secret("api_key") == "acme-key-4f9a2c" and start.secret("email") == "etl@acme.test"
    assert start.context is run
    assert redact("sent acme-key-4f9a2c for etl@acme.test") == "sent *** for etl@acme.test"  # e-mail: no secret
    assert begin_source("acmehr", "http://127.0.0.1:9", secrets={"api_key": "k" * 8}).context is not run


@pytest.mark.parametrize(("base_url", "secrets", "required", "https_only", "line"), [
    ("ftp://api.acme.test", {"api_key": "x" * 8}, {}, False,
     "acmehr: base URL 'ftp://api.acme.test' is not an http(s) URL"),
    ("http://api.acme.test", {"api_key": "x" * 8}, {}, True,
     "acmehr: base URL 'http://api.acme.test' is not https; the API refuses plain HTTP"),
    ("https://api.acme.test", {"api_key": " "}, {}, False, "acmehr: api_key is empty"),
    ("https://api.acme.test", {"password": None}, {"email": None}, False, "acmehr: email is empty"),
])
def test_a_bad_setting_is_one_line_naming_it(base_url: str, secrets: dict[str, str | None],
                                             required: dict[str, str | None], https_only: bool, line: str) -> None:
    with pytest.raises(ProviderConfigError) as raised:
        begin_source("acmehr", base_url, secrets=secrets, required=required, https_only=https_only)
    text = str(raised.value)
    assert text.startswith(line) and "\n" not in text
    assert "SOURCES__ACMEHR__" in text or "sources.acmehr." in text


def test_the_client_cache_makes_one_client_per_resource_under_concurrent_asks() -> None:
    made: Counter[str] = Counter()
    gate = threading.Barrier(8)

    def make(resource: str) -> object:
        made[resource] += 1
        time.sleep(0.05)  # a client takes a moment to make: without the lock, the others would make their own
        return object()

    clients = ClientCache(make)
    got: list[tuple[str, object]] = []
    lock = threading.Lock()

    def ask(resource: str) -> None:
        gate.wait()  # every thread asks at the same moment, as parallel transformers do
        client = clients(resource)
        with lock:
            got.append((resource, client))

    threads = [threading.Thread(target=ask, args=(("people", "time_off")[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == {"people": 1, "time_off": 1}
    assert len({id(c) for r, c in got if r == "people"}) == 1 and len({id(c) for _, c in got}) == 2

"""Every vendor against a hostile reverse proxy: a record without its key, a link or redirect elsewhere.

The proxy (tests/resilience/hostile.py) is a real HTTP server in front of the vendor's sandbox;
the "other host" is a real server on 127.0.0.2 that records what reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from pipelines.run.failures import error_line
from sources._shared.errors import ForeignHostError
from tests.contracts import contract_for
from tests.harness import Harness, raised
from tests.resilience.hostile import EvilServer, HostileProxy


@dataclass
class Spec:
    vendor: str
    contract: Any
    route: str  # a list route with at least two pages at page size 10
    table: str  # the table that route loads
    records: str  # where the page's records are in the answer
    fix: Callable[[Any, Any], None] = lambda app, victim_id: None  # make the vendor send the record again
    next_link: str | None = None  # the answer's next-page URL field, if the vendor uses links
    resources: list[str] = field(default_factory=list)  # only these are run (keeps the test small)


def _spec(vendor: str, **kwargs: Any) -> Any:
    return pytest.param(Spec(vendor, contract_for(vendor), **kwargs), id=vendor)


SPECS = [
    _spec("hollyhr", route="/people", table="people",
          records="data", fix=lambda app, pid: app.update_person(pid, job_title="Fixed"),
          resources=["people", "employments", "employment_history"]),
    _spec("bytehr", route="/employees", table="employees",
          records="data", resources=["employees"]),
    _spec("cutehr", route="/api/v1/employees",
          table="employees", records="results", next_link="next", resources=["employees"]),
]


@pytest.fixture
def evil() -> Iterator[EvilServer]:
    server = EvilServer()
    yield server
    server.close()


def behind_proxy(harness: Harness, spec: Spec) -> tuple[Any, HostileProxy]:
    app = spec.contract.start(harness)
    proxy = HostileProxy(app.base_url)
    harness.setenv(f"SOURCES__{spec.vendor.upper()}__BASE_URL", proxy.base_url)
    harness.setenv(f"SOURCES__{spec.vendor.upper()}__PAGE_SIZE", "10")
    return app, proxy


def rejected_rows(harness: Harness, vendor: str) -> list[tuple[Any, ...]]:
    return harness.query(f"select table_name, reason, page, request_id, record from {vendor}._rejected")


@pytest.mark.parametrize("spec", SPECS)
def test_record_without_primary_key_is_quarantined_for_every_vendor(harness: Harness, spec: Spec) -> None:
    app, proxy = behind_proxy(harness, spec)
    victim: dict[str, Any] = {}

    def drop_id(payload: Any) -> None:
        record = payload[spec.records][3]
        victim.update(record)
        del record["id"]

    try:
        proxy.on_json(spec.route, drop_id, after=1)  # on the second page
        first = harness.run(spec.vendor, resources=spec.resources)
        assert first.rows["_rejected"] == 1
        [(table, reason, page, request_id, record)] = rejected_rows(harness, spec.vendor)
        assert (table, reason) == (spec.table, "missing primary key id")
        assert page.startswith(f"GET {proxy.base_path}{spec.route}?") and request_id
        record = json.loads(record) if isinstance(record, str) else record
        # a dict record as sent; a row of an Arrow table (CuteHR's lists) has every column, the missing one null
        assert record.get("id") is None and {k for k, v in record.items() if v is not None} <= set(victim) - {"id"}
        expected = spec.contract.expected_counts(app)[spec.table]
        assert harness.count(spec.vendor, spec.table) == expected - 1

        if spec.next_link or spec.vendor == "bytehr":  # snapshot walks: the same bad answer again
            proxy.on_json(spec.route, drop_id, after=1)
            harness.run(spec.vendor, resources=spec.resources)
            assert len(rejected_rows(harness, spec.vendor)) == 1  # the same rejection, not a second row

        spec.fix(app, victim["id"])
        harness.run(spec.vendor, resources=spec.resources)  # a good answer: the record loads
        assert harness.count(spec.vendor, spec.table) == expected
        assert harness.distinct(spec.vendor, spec.table, "id") == expected
    finally:
        proxy.close()


@pytest.mark.parametrize("spec", SPECS)
def test_redirect_to_another_host_is_refused_for_every_vendor(harness: Harness, spec: Spec,
                                                              evil: EvilServer) -> None:
    app, proxy = behind_proxy(harness, spec)
    try:
        proxy.redirect(spec.route, f"{evil.origin}{proxy.base_path}{spec.route}?page=2", after=1)
        with pytest.raises(Exception) as failure:
            harness.run(spec.vendor, resources=spec.resources)
        error = raised(failure.value, ForeignHostError)
        line = error_line(spec.vendor, failure.value)
        assert line == str(error)
        assert f"{spec.vendor} [" in line and "refused to follow a redirect in the answer to GET " in line
        assert spec.route in line and "127.0.0.2" in line and "request_id" in line
        assert evil.seen == []
        for secret in spec.contract.secrets(app):
            assert secret not in line
    finally:
        proxy.close()


@pytest.mark.parametrize("spec", [s for s in SPECS if s.values[0] is None or s.values[0].next_link])
def test_next_link_to_another_host_is_refused(harness: Harness, spec: Spec, evil: EvilServer) -> None:
    app, proxy = behind_proxy(harness, spec)
    assert spec.next_link is not None
    try:
        def elsewhere(payload: Any) -> None:
            payload[spec.next_link] = payload[spec.next_link].replace(proxy.origin, evil.origin)

        proxy.on_json(spec.route, elsewhere)
        with pytest.raises(Exception) as failure:
            harness.run(spec.vendor, resources=spec.resources)
        line = error_line(spec.vendor, failure.value)
        assert "refused to follow a next link in the answer to GET " in line and "127.0.0.2" in line
        assert "request_id" in line
        assert evil.seen == []
        assert not harness.query(f"select table_name from information_schema.tables where table_schema = "
                                 f"'{spec.vendor}' and table_name = '{spec.table}'")  # nothing half-loaded
    finally:
        proxy.close()


@pytest.mark.parametrize("spec", [s for s in SPECS if s.id == "cutehr"])
def test_login_redirect_to_another_host_never_carries_the_password(harness: Harness, spec: Spec,
                                                                   evil: EvilServer) -> None:
    app, proxy = behind_proxy(harness, spec)
    try:
        # 307 keeps the method and the body: followed, it would post the e-mail and password elsewhere
        proxy.redirect("/api/v1/auth/login", f"{evil.origin}/api/v1/auth/login", status=307)
        with pytest.raises(Exception) as failure:
            harness.run(spec.vendor, resources=spec.resources)
        line = error_line(spec.vendor, failure.value)
        assert "refused to follow a redirect in the answer to POST /api/v1/auth/login" in line
        assert "127.0.0.2" in line
        assert evil.seen == []
        for secret in spec.contract.secrets(app):
            assert secret not in line
    finally:
        proxy.close()

"""A nonsense setting is refused before any request: one line naming the key and its env var, exit 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
import pytest

from sandbox import Sandbox
from sources import registry
from sources._shared.errors import ProviderConfigError
from tests.harness import raised
from tests.ops.helpers import base_env, hr_elt, tenant_env

CASES = [
    ("hollyhr", "PAGE_SIZE", "abc", "page_size 'abc' is not a whole number. "
     "Set sources.hollyhr.page_size (env SOURCES__HOLLYHR__PAGE_SIZE)"),
    ("hollyhr", "PAGE_SIZE", "500", "page_size '500' is out of range: it must be from 1 to 200 (the API's maximum "
     "`limit`). Set sources.hollyhr.page_size (env SOURCES__HOLLYHR__PAGE_SIZE)"),
    ("hollyhr", "TIMEOUT", "0", "timeout '0' is out of range: it must be more than 0. "
     "Set sources.hollyhr.timeout (env SOURCES__HOLLYHR__TIMEOUT)"),
    ("hollyhr", "BACKOFF_BASE", "-1", "backoff_base '-1' is out of range: it must be at least 0. "
     "Set sources.hollyhr.backoff_base (env SOURCES__HOLLYHR__BACKOFF_BASE)"),
    ("hollyhr", "MAX_CURSOR_RESTARTS", "-1", "max_cursor_restarts '-1' is out of range: it must be at least 0. "
     "Set sources.hollyhr.max_cursor_restarts (env SOURCES__HOLLYHR__MAX_CURSOR_RESTARTS)"),
    ("bytehr", "MIN_INTERVAL_HOURS", '{"employees": -1}', "min_interval_hours.employees -1 is out of range: it "
     "must be at least 0. Set sources.bytehr.min_interval_hours (env SOURCES__BYTEHR__MIN_INTERVAL_HOURS)"),
    ("bytehr", "PAGE_SIZE", "101", "page_size '101' is out of range: it must be from 1 to 100 (the API's maximum "
     "`limit`). Set sources.bytehr.page_size (env SOURCES__BYTEHR__PAGE_SIZE)"),
    ("cutehr", "REQUESTS_PER_MINUTE", "x", "requests_per_minute 'x' is not a whole number. "
     "Set sources.cutehr.requests_per_minute (env SOURCES__CUTEHR__REQUESTS_PER_MINUTE)"),
    ("cutehr", "ATTENDANCE_WINDOW_DAYS", "32", "attendance_window_days '32' is out of range: it must be from 1 to "
     "31 (the API's widest date_from..date_to). Set sources.cutehr.attendance_window_days "
     "(env SOURCES__CUTEHR__ATTENDANCE_WINDOW_DAYS)"),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(hollyhr={"people": 3}, bytehr={"employees": 3}, cutehr={"employees": 3}) as running:
        yield running


TYPED = [CASES[0], CASES[5], CASES[7]]  # as a user types them; the others through the same env path, in-process


@pytest.mark.parametrize(("vendor", "key", "value", "line"), TYPED, ids=[f"{c[0]}-{c[1]}={c[2]}" for c in TYPED])
def test_nonsense_value_is_refused_before_any_request(sandbox: Sandbox, tmp_path: Path, vendor: str, key: str,
                                                      value: str, line: str) -> None:
    app = sandbox.apps[vendor]
    sent = len(app.requests())
    db = tmp_path / "w.duckdb"
    env = base_env(**tenant_env(vendor, None, sandbox, **{key: value}))
    done = hr_elt(["run", vendor, "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)], env, tmp_path)
    assert done.returncode == 1, done.stderr
    errors = [text for text in done.stderr.splitlines() if text.startswith("hr-elt:")]
    assert errors == [f"hr-elt: {vendor}: {line}"], done.stderr
    assert "Traceback" not in done.stderr
    assert len(app.requests()) == sent  # nothing was asked of the vendor
    assert not db.exists()  # nothing was loaded


@pytest.mark.parametrize(("vendor", "key", "value", "line"), CASES, ids=[f"{c[0]}-{c[1]}={c[2]}" for c in CASES])
def test_every_range_is_checked_when_the_source_is_built(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                                         vendor: str, key: str, value: str, line: str) -> None:
    for name, setting in tenant_env(vendor, None, sandbox, **{key: value}).items():
        monkeypatch.setenv(name, setting)
    sent = len(sandbox.apps[vendor].requests())
    with pytest.raises(ProviderConfigError) as refused:
        registry.get(vendor).make_source()
    assert str(refused.value) == f"{vendor}: {line}"
    assert len(sandbox.apps[vendor].requests()) == sent


def test_plain_dlt_use_of_a_source_is_checked_too(sandbox: Sandbox, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from sources.hollyhr import hollyhr_source

    for name, value in tenant_env("hollyhr", None, sandbox, PAGE_SIZE="abc").items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    pipeline = dlt.pipeline("plain_dlt", destination="duckdb", pipelines_dir=str(tmp_path / "p"),
                            dataset_name="holly")
    with pytest.raises(Exception) as caught:
        pipeline.run(hollyhr_source())
    error = raised(caught.value, ProviderConfigError)
    assert "sources.hollyhr.page_size (env SOURCES__HOLLYHR__PAGE_SIZE)" in str(error)
    monkeypatch.setenv("SOURCES__HOLLYHR__PAGE_SIZE", "7")  # a string from the environment: a number to the source
    info = pipeline.run(hollyhr_source().with_resources("people"))
    assert not info.has_failed_jobs
    assert {entry.arg("limit") for entry in sandbox.apps["hollyhr"].requests("/people")} == {"7"}

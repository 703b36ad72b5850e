"""Two runs in one process at once (webhook threads, Dagster in-process) never mix their run facts."""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

import pytest

from pipelines.app import run_target
from pipelines.run.result import RunResult
from pipelines.run.tenants import Target
from sandbox import Sandbox
from sources._shared.errors import ProviderPartialFailure
from tests.ops.helpers import count, tenant_env


def test_two_concurrent_runs_keep_their_own_counters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # two tenants of the same vendor: their facts share the provider key, so any shared counter would show
    with Sandbox(seed=7, vendors=("hollyhr",), hollyhr={"people": 25}) as acme, \
            Sandbox(seed=8, vendors=("hollyhr",), hollyhr={"people": 6}) as globex, \
            Sandbox(seed=9, vendors=("cutehr",), cutehr={"employees": 9}) as cute:
        # acme's key lacks a scope: its documents fail on their own, in acme's run only
        acme.hollyhr.add_key("hhr_no_documents", ["people:read", "time_off:read"])
        for key, value in {**tenant_env("hollyhr", "acme", acme, API_TOKEN="hhr_no_documents"),
                           **tenant_env("hollyhr", "globex", globex), **tenant_env("cutehr", None, cute)}.items():
            monkeypatch.setenv(key, value)
        targets = {"acme": Target("hollyhr", "acme"), "globex": Target("hollyhr", "globex"),
                   "cutehr": Target("cutehr")}
        results: dict[str, RunResult] = {}
        errors: dict[str, BaseException] = {}
        partial: dict[str, ProviderPartialFailure] = {}
        start = threading.Barrier(len(targets))

        def run(key: str) -> None:
            try:
                start.wait()
                results[key] = run_target(targets[key], "duckdb", pipelines_dir=str(tmp_path / "p"),
                                          duckdb_path=str(tmp_path / f"w_{key}.duckdb"))
            except ProviderPartialFailure as exc:
                partial[key] = exc
                results[key] = exc.result
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors[key] = exc

        threads = [threading.Thread(target=run, args=(key,)) for key in targets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        assert not errors, {k: "".join(traceback.format_exception(e)) for k, e in errors.items()}
        assert set(partial) == {"acme"} and set(partial["acme"].failures) == {"documents"}, partial
        served: dict[str, Any] = {"acme": acme.hollyhr, "globex": globex.hollyhr, "cutehr": cute.cutehr}
        for key, app in served.items():
            assert results[key].requests == len(app.requests()), key  # exactly what its own sandbox counted
            assert results[key].requests > 0
        assert results["acme"].requests != results["globex"].requests  # sizes differ: a mix-up would show
        assert count(tmp_path / "w_acme.duckdb", "hollyhr_acme", "people") == acme.hollyhr.count("people")
        assert count(tmp_path / "w_globex.duckdb", "hollyhr_globex", "people") == globex.hollyhr.count("people")
        assert count(tmp_path / "w_cutehr.duckdb", "cutehr", "employees") == cute.cutehr.count("employees")
        assert results["acme"].rows["people"] == acme.hollyhr.count("people")
        assert results["globex"].rows["people"] == globex.hollyhr.count("people")
        assert results["acme"].pipeline_name.startswith("hollyhr_acme__duckdb_")
        assert results["cutehr"].pipeline_name.startswith("cutehr__duckdb_")

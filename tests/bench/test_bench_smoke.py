"""`python -m bench` end to end on tiny sizes: the JSON it writes, and requests exactly at the floor.

No timing thresholds: times depend on the machine; only shapes and request counts are checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.specs import bench_vendors, scenario_class

ROOT = Path(__file__).resolve().parents[2]
# every benched vendor at the tiny size its scenario declares
TINY = {v: [scenario_class(v).smoke] for v in bench_vendors()}
RUN_KEYS = {"ok", "requests", "requests_total", "seconds", "rows", "rows_per_s", "phases", "rss_mb"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    vendors = list(TINY)
    assert vendors and all(sizes[0] for sizes in TINY.values()), TINY
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--vendors", ",".join(vendors), "--sizes", json.dumps(TINY),
         "--postgres", "off", "--arrow-rows", "2000", "--out-dir", str(out), "--no-readme", "--wan", "off",
         "--resume", "off"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False,
    )
    files = sorted(out.glob("*.json"))
    assert files, proc.stderr[-3000:]
    data = json.loads(files[0].read_text())
    data["_stderr"] = proc.stderr
    return data


def test_json_shape(results: dict) -> None:
    assert {"date", "machine", "cases", "targets", "seconds"} <= set(results)
    assert results["cases"], results["_stderr"][-3000:]
    for case in results["cases"]:
        assert "error" not in case, (case.get("error"), results["_stderr"][-3000:])
        probe = case["probe"]
        assert probe["rtt_ms"] and all(v > 0 for v in probe["rtt_ms"].values())
        assert probe["arrow_rows_per_s"] and all(v > 0 for v in probe["arrow_rows_per_s"].values())
        assert set(case["phases"]) == {"full", "unchanged", "incremental"}
        for entry in case["phases"].values():
            assert entry["floor"]["requests_total"] >= 1
            assert entry["floor"]["seconds"]["total"] > 0
            ours = entry["runs"]["ours@duckdb"]
            assert ours["ok"], ours.get("log")
            assert RUN_KEYS <= set(ours)
            assert set(ours["phases"]) == {"extract", "normalize", "load"}
            assert "time_vs_physical_floor" in entry["compare"]["duckdb"]
        base = case["phases"]["full"]["runs"]["baseline@duckdb"]
        assert base["ok"], base.get("log")
        assert "speedup_vs_baseline" in case["phases"]["full"]["compare"]["duckdb"]
    for target in results["targets"]:
        assert {"vendor", "target", "value", "met"} <= set(target)


def test_requests_equal_the_floor(results: dict) -> None:
    for case in results["cases"]:
        for phase, entry in case["phases"].items():
            ours = entry["runs"]["ours@duckdb"]
            assert ours["requests_total"] == entry["floor"]["requests_total"], (case["vendor"], case["size"], phase,
                                                                                ours["requests"], entry["floor"])
            for resource, n in entry["floor"]["requests"].items():
                assert ours["requests"].get(resource, 0) == n, (case["vendor"], phase, resource)
        full = case["phases"]["full"]
        assert full["runs"]["ours@duckdb"]["rows"] > 0


@pytest.fixture(scope="module")
def wan(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # HollyHR alone: the vendor whose requests overlap and whose documented limit sets a rate floor
    out = tmp_path_factory.mktemp("bench-wan")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--wan", "only", "--vendors", "hollyhr", "--sizes",
         json.dumps({"hollyhr": TINY["hollyhr"]}), "--out-dir", str(out), "--no-readme"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False,
    )
    files = sorted(out.glob("*.json"))
    assert files, proc.stderr[-3000:]
    data: dict = json.loads(files[0].read_text())
    data["_stderr"] = proc.stderr
    return data


def test_wan_scenario(wan: dict) -> None:
    # one full sync against a sandbox with a service time per request and the documented limits
    assert [c["vendor"] for c in wan["wan"]] == ["hollyhr"] and wan["cases"] == [], wan["_stderr"][-3000:]
    case = wan["wan"][0]
    assert "error" not in case, (case.get("error"), case.get("log"))
    assert case["requests_total"] == case["floor_requests"], case["requests"]
    assert case["throttled"] == 0
    assert case["rows"] > 0 and case["seconds"] > 0
    assert case["concurrency"] > 1  # employment and history requests overlap
    assert case["latency_floor_s"] > 0 and case["rate_floor_s"] > 0 and case["vs_rate_floor"] > 0
    assert case["rate_floor_route"] in ("employments", "employment_history")
    targets = {t["target"] for t in wan["targets"]}
    assert {"requests = floor (WAN full sync)", "no 429 (WAN full sync)",
            "elapsed <= 1.15x rate floor (WAN full sync)"} <= targets

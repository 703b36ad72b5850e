"""`python -m bench --fleet only` on three tenants: stateless workers resume from Postgres, no state collides.

No timing thresholds: only request counts against the floor, row counts and the state table are checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TENANTS = 3


def test_the_fleet_scenario_resumes_every_tenant_from_the_warehouse(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__", "HR_ELT__"))}
    proc = subprocess.run([sys.executable, "-m", "bench", "--fleet", "only", "--fleet-tenants", str(TENANTS),
                           "--out-dir", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    files = sorted(tmp_path.glob("*-fleet.json"))
    assert files, proc.stderr[-3000:]
    fleet = json.loads(files[0].read_text())["fleet"]
    assert [case["workers"] for case in fleet["cases"]] == [1, 3]
    for case in fleet["cases"]:
        first, unchanged = case["rounds"]
        for entry in (first, unchanged):
            assert entry["failed_workers"] == [] and len(entry["exit_codes"]) == case["workers"], entry
            assert entry["tenants_exact"] == TENANTS and entry["inexact"] == {}, entry
            assert entry["tenants_with_one_state"] == TENANTS and entry["pipeline_names"] == TENANTS, entry
            assert entry["requests"] == entry["floor"] and entry["tenants_over_floor"] == [], entry
        # new empty pipelines dirs, nothing changed: HollyHR's incremental floor, one page of each list
        assert unchanged["requests"] == 3 * TENANTS and unchanged["requests_per_tenant"] == [3], unchanged
    assert fleet["ok"] is True and proc.returncode == 0, proc.stderr[-3000:]

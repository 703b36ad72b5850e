"""Opt-in, not part of ``make test`` (Airflow is not in the project's environment: it brings its own
constraints; installing it took about 4 minutes). Run it by naming the file, once per Airflow major:

    HR_ELT_AIRFLOW_PYTHON=/work/venv-af3/bin/python .venv/bin/python -m pytest tests/ops/check_airflow.py
    HR_ELT_AIRFLOW_PYTHON=/work/venv-af2/bin/python .venv/bin/python -m pytest tests/ops/check_airflow.py

(a venv with ``pip install "apache-airflow==3.*"`` or ``"apache-airflow==2.11.*"`` plus ``-e '.[dbt]'``).
It creates the vendors' pools the way docs/scheduling.md says (``airflow pools import`` of
``python -m pipelines.orchestration pools``), parses deploy/airflow/hr_elt_dag.py in a real Airflow
(DagBag) and runs it with ``dag.test()`` against the sandbox (DuckDB). The DAG is parsed with one
HollyHR tenant configured; a second is configured after parsing, before the run, and is mapped all
the same (tenants are read at run time). acme loads and dbt builds; initech, whose key lacks a scope,
fails its mapped load task without a retry, after its other tables loaded, and with it the DAG run.
slowco's vendor stalls once, for longer than the load's time budget, on the 40th request of its first
sync (a sandbox hook holds that answer), so the first attempt outlasts its budget on any machine: the
time budget derived from the task's ``execution_timeout`` stops it at a checkpoint first
(history ``incomplete``, or ``interrupted`` should the timeout itself come first), the task fails and is
retried, and a retry resumes and completes it: every person once, the last history row ``ok``.
The driver uses only what both majors accept. Without HR_ELT_AIRFLOW_PYTHON it uses this Python when
Airflow is importable here, else it is skipped and says why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox import Sandbox
from sources import registry
from tests.ops.helpers import base_env, count, query, tenant_env
from tests.ops.test_deploy import ROOT, companies  # noqa: F401, F811 - the fixture

AIRFLOW_DRIVER = """
import json, os, sys
import airflow
from airflow.models import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
dag = bag.get_dag("hr_elt")
print("airflow", airflow.__version__)
print("tasks", sorted(t.task_id for t in dag.tasks))
print("max_active_runs", dag.max_active_runs)
for t in sorted(dag.tasks, key=lambda t: t.task_id):
    if t.task_id.startswith("load_"):
        print("load", t.task_id, t.pool, int(t.execution_timeout.total_seconds()), t.retries)
os.environ.update(json.loads(sys.argv[2]))  # configured after parsing: tenants are read at run time
run = dag.test()
print("state", run.state)
for ti in sorted(run.get_task_instances(), key=lambda ti: (ti.task_id, ti.map_index)):
    print("task", ti.task_id, getattr(ti, "rendered_map_index", None) or ti.map_index, ti.state, ti.try_number)
"""


STALL_SECONDS = 70  # longer than the 60 s budget of a 120 s task timeout, shorter than the timeout


@pytest.mark.timeout(1800)  # installs aside, Airflow's own start-up and a dbt build per tenant
def test_airflow_dag_runs_in_an_airflow_env(companies: tuple[Sandbox, Sandbox], tmp_path: Path) -> None:  # noqa: F811
    """Opt-in: HR_ELT_AIRFLOW_PYTHON=<python of a venv with apache-airflow and hr-elt[dbt] installed>."""
    python = os.environ.get("HR_ELT_AIRFLOW_PYTHON")
    if not python:
        if importlib.util.find_spec("airflow") is None:
            pytest.skip("apache-airflow is not importable in this Python and HR_ELT_AIRFLOW_PYTHON is not set "
                        "(a Python with Airflow and hr-elt[dbt] installed)")
        python = sys.executable
    acme, _ = companies
    with Sandbox(seed=8, vendors=("hollyhr",), hollyhr={"people": 350, "latency": {"fixed_s": 0.1}}) as slow:
        # the task timeout is 120 s, so the budget is 60 s (pipelines.orchestration.budget_within)
        slow.hollyhr.after_request(40, lambda app: time.sleep(STALL_SECONDS))
        _check(python, acme, slow, tmp_path)


def _check(python: str, acme: Sandbox, slow: Sandbox, tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "hr_elt_dag.py").write_text((ROOT / "deploy" / "airflow" / "hr_elt_dag.py").read_text())
    db = tmp_path / "w.duckdb"
    acme.hollyhr.add_key("hhr_airflow_no_documents", ["people:read", "time_off:read"])
    env = base_env(AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False", HR_ELT_DESTINATION="duckdb",
                   HR_ELT__DUCKDB_PATH=str(db), HR_ELT_PIPELINES_DIR=str(tmp_path / "p"), HR_ELT_RETRIES="4",
                   HR_ELT_RETRY_DELAY="1", HR_ELT_TASK_TIMEOUT="120", HR_ELT__TENANTS__HOLLYHR="acme",
                   HR_ELT__CHECKPOINT__MAX_SECONDS="5", **tenant_env("hollyhr", "acme", acme))
    added = {"HR_ELT__TENANTS__HOLLYHR": "acme,initech,slowco",
             **tenant_env("hollyhr", "initech", acme, API_TOKEN="hhr_airflow_no_documents"),
             **tenant_env("hollyhr", "slowco", slow, PAGE_SIZE="10")}
    bin_dir = Path(python).parent

    def run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
        return done

    run([str(bin_dir / "airflow"), "db", "migrate"], 300)
    pools = run([python, "-m", "pipelines.orchestration", "pools"], 60).stdout
    (tmp_path / "pools.json").write_text(pools)
    run([str(bin_dir / "airflow"), "pools", "import", str(tmp_path / "pools.json")], 120)
    listed = run([str(bin_dir / "airflow"), "pools", "list"], 120).stdout
    assert all(f"hr_elt_{vendor}" in listed for vendor in registry.names()), listed

    done = run([python, "-c", AIRFLOW_DRIVER, str(dags), json.dumps(added)], 900)
    out = done.stdout
    print(out)  # the versions and task states, for the note
    vendors = registry.names()
    expected = sorted(["dbt", "loads_failed", "tenants", *(f"{kind}_{v}" for v in vendors for kind in ("load",
                                                                                                       "tenants"))])
    assert f"tasks {expected}" in out
    assert "max_active_runs 1" in out
    for vendor in vendors:  # its own pool, the task timeout, retries
        assert f"load load_{vendor} hr_elt_{vendor} 120 4" in out
    assert "task load_hollyhr acme success 1" in out and "task dbt acme success" in out
    assert "task dbt initech failed" in out  # its dataset lacks documents: dbt says so and fails
    assert "task load_hollyhr initech failed 1" in out  # not retried: a missing scope is not mended by retrying
    assert "task loads_failed" in out and "state failed" in out
    assert count(db, "hollyhr_initech", "people") == acme.hollyhr.count("people")  # its other tables loaded
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people")
    assert query(db, "select count(*) from hr_unified_acme.hr_employees") == [(acme.hollyhr.count("people"),)]
    # slowco: longer than its task timeout; stopped at a checkpoint by the budget, completed by a retry
    tries = re.search(r"task load_hollyhr slowco success (\d+)", out)
    assert tries is not None and int(tries.group(1)) >= 2, out
    assert count(db, "hollyhr_slowco", "people") == slow.hollyhr.count("people")
    assert query(db, "select count(*) - count(distinct id) from hollyhr_slowco.people") == [(0,)]
    runs = [r[0] for r in query(db, "select status from hollyhr_slowco._hr_elt_runs order by started_at")]
    print("slowco runs", runs, "requests", len(slow.hollyhr.requests()))
    assert runs[-1] == "ok" and len(runs) >= 2 and all(r in ("incomplete", "interrupted") for r in runs[:-1]), runs

"""Opt-in, not part of ``make test`` (Airflow is not in the project's environment; it took about
4 minutes to install with its own constraints). Run it by naming the file:

    HR_ELT_AIRFLOW_PYTHON=/opt/airflow/bin/python .venv/bin/python -m pytest tests/ops/check_airflow.py

It parses deploy/airflow/hr_elt_dag.py in a real Airflow (DagBag) and runs it with ``dag.test()``
against the sandbox (DuckDB): one HollyHR tenant loads and dbt builds; a second tenant whose key lacks
a scope fails its load task (an isolated resource failure) and with it the DAG run. Without
HR_ELT_AIRFLOW_PYTHON it uses this Python when Airflow is importable here, else it is skipped and
says why.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.ops.helpers import base_env, count, query, tenant_env
from tests.ops.test_deploy import ROOT, companies  # noqa: F401, F811 - the fixture

AIRFLOW_DRIVER = """
import os, sys
from airflow.models import DagBag
bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
assert not bag.import_errors, bag.import_errors
dag = bag.get_dag("hr_elt")
print(sorted(t.task_id for t in dag.tasks))
run = dag.test()
print("state", run.state)
for ti in run.get_task_instances():
    print("task", ti.task_id, ti.state)
"""


def test_airflow_dag_runs_in_an_airflow_env(companies: tuple[Sandbox, Sandbox], tmp_path: Path) -> None:  # noqa: F811
    """Opt-in: HR_ELT_AIRFLOW_PYTHON=<python of a venv with apache-airflow and hr-elt[dbt] installed>."""
    python = os.environ.get("HR_ELT_AIRFLOW_PYTHON")
    if not python:
        if importlib.util.find_spec("airflow") is None:
            pytest.skip("apache-airflow is not importable in this Python and HR_ELT_AIRFLOW_PYTHON is not set "
                        "(a Python with Airflow and hr-elt[dbt] installed)")
        python = sys.executable
    acme, _ = companies
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "hr_elt_dag.py").write_text((ROOT / "deploy" / "airflow" / "hr_elt_dag.py").read_text())
    db = tmp_path / "w.duckdb"
    acme.hollyhr.add_key("hhr_airflow_no_documents", ["people:read", "time_off:read"])
    env = base_env(AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__LOAD_EXAMPLES="False", HR_ELT_DESTINATION="duckdb",
                   HR_ELT__DUCKDB_PATH=str(db), HR_ELT_PIPELINES_DIR=str(tmp_path / "p"),
                   HR_ELT__TENANTS__HOLLYHR="acme,initech", **tenant_env("hollyhr", "acme", acme),
                   **tenant_env("hollyhr", "initech", acme, API_TOKEN="hhr_airflow_no_documents"))
    airflow = str(Path(python).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, cwd=tmp_path, capture_output=True, check=True, timeout=300)
    done = subprocess.run([python, "-c", AIRFLOW_DRIVER, str(dags)], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "['dbt_acme', 'dbt_initech', 'load_hollyhr_acme', 'load_hollyhr_initech']" in done.stdout
    assert "task load_hollyhr_acme success" in done.stdout and "task dbt_acme success" in done.stdout
    assert "task load_hollyhr_initech failed" in done.stdout and "state failed" in done.stdout
    assert count(db, "hollyhr_initech", "people") == acme.hollyhr.count("people")  # the others loaded
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people")
    assert query(db, "select count(*) from hr_unified_acme.hr_employees") == [(acme.hollyhr.count("people"),)]

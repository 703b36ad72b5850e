"""History storage and dbt build time at 10,000 employees and a year of daily runs.

    .venv/bin/python -m bench.scenarios.cutehr_history                    # 10,000 employees, 365 daily runs
    .venv/bin/python -m bench.scenarios.cutehr_history --employees 2000 --days 90

Builds, in a throwaway DuckDB file, what a year of daily CuteHR runs leaves behind: the current
``employees`` table and the ``employees_versions`` append log (sources/_shared/history.py), where a
day's changes (department moves and new titles for ``--change-rate`` of the employees, hires,
leavers) each add one version. Then it measures

- the versions table's rows and bytes, against a daily snapshot of every employee (what keeping
  history by copying the table each run would store), each in a fresh DuckDB file;
- ``hr-elt dbt --dbt-command run`` building the project's models over it, in seconds, and the seconds
  of each history model (hr_employment_history, hr_headcount_daily, hr_headcount_monthly, ...).

Prints one JSON object. The data is synthetic (seeded); the load goes through dlt as a run would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb

from pipelines.dbt.runner import run_dbt

DEPARTMENTS = ["Engineering", "Sales", "Finance", "Legal", "Support", "Marketing", "People", "Operations"]
TITLES = ["Engineer", "Senior Engineer", "Analyst", "Manager", "Specialist", "Director", "Associate", "Lead"]


def simulate(employees: int, days: int, change_rate: float, seed: int = 7) -> tuple[list[dict[str, Any]],
                                                                                     list[dict[str, Any]], date]:
    """The final employees and every version the daily runs loaded; returns (current, versions, last day)."""
    rng = random.Random(seed)
    first_run = date.today() - timedelta(days=days - 1)
    current: dict[int, dict[str, Any]] = {}
    versions: list[dict[str, Any]] = []

    def stamp(row: dict[str, Any], day: date) -> None:
        observed = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
        versions.append({**row, "_hr_observed_at": observed})

    for n in range(1, employees + 1):
        joined = first_run - timedelta(days=rng.randint(30, 3650))
        current[n] = {"id": n, "emp_code": f"CH{n:06d}", "name": f"Person {n}", "department_id": rng.randint(1, 8),
                      "designation": rng.choice(TITLES), "date_of_joining": joined, "date_of_exit": None,
                      "status": "active"}
        stamp(current[n], first_run)
    next_id = employees + 1
    for offset in range(1, days):
        day = first_run + timedelta(days=offset)
        active = [k for k, row in current.items() if row["status"] == "active"]
        for k in rng.sample(active, int(len(active) * change_rate)):
            row = current[k] = dict(current[k])
            if rng.random() < 0.5:
                row["department_id"] = rng.randint(1, 8)
            else:
                row["designation"] = rng.choice(TITLES)
            stamp(row, day)
        for _ in range(rng.randint(1, 5)):  # hires
            current[next_id] = {"id": next_id, "emp_code": f"CH{next_id:06d}", "name": f"Person {next_id}",
                                "department_id": rng.randint(1, 8), "designation": rng.choice(TITLES),
                                "date_of_joining": day, "date_of_exit": None, "status": "active"}
            stamp(current[next_id], day)
            next_id += 1
        for k in rng.sample(active, rng.randint(0, 4)):  # leavers
            row = current[k] = {**current[k], "status": "exited", "date_of_exit": day}
            stamp(row, day)
    return list(current.values()), versions, first_run + timedelta(days=days - 1)


def _load(path: Path, pipelines_dir: Path, current: list[dict[str, Any]], versions: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    pipeline = dlt.pipeline("bench_history", destination=dlt.destinations.duckdb(str(path)), dataset_name="cutehr",
                            pipelines_dir=str(pipelines_dir))
    departments = [{"id": k + 1, "name": name, "head_id": 1} for k, name in enumerate(DEPARTMENTS)]
    leaves = [{"id": 1, "employee_id": 1, "leave_type": "annual", "from_date": date.today(), "to_date": date.today(),
               "days": 1.0, "status": "approved"}]
    attendance = [{"id": 1, "employee_id": 1, "date": date.today(), "status": "present"}]
    pipeline.run([
        dlt.resource(current, name="employees", primary_key="id", write_disposition="replace"),
        dlt.resource(departments, name="departments", primary_key="id", write_disposition="replace"),
        dlt.resource(leaves, name="leaves", primary_key="id", write_disposition="replace"),
        dlt.resource(attendance, name="attendance", primary_key="id", write_disposition="replace"),
        dlt.resource(versions, name="employees_versions", write_disposition="append"),
    ], loader_file_format="parquet")
    return time.perf_counter() - started


def _bytes_of(select: str, source: Path, work: Path, name: str) -> tuple[int, int]:
    """Rows and file bytes of `select` (over the bench warehouse) stored alone in a fresh DuckDB file."""
    target = work / f"{name}.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute(f"attach '{source}' as warehouse (read_only)")
        con.execute(f"create table t as {select}")
        rows = con.execute("select count(*) from t").fetchone()[0]  # type: ignore[index]
        con.execute("detach warehouse")
        con.execute("checkpoint")
    empty = work / f"{name}_empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute("create table t (x integer)")
        con.execute("checkpoint")
    return int(rows), target.stat().st_size - empty.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Runs the measurement and prints its JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.cutehr_history",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--change-rate", type=float, default=0.005, help="share of employees changed a day")
    args = parser.parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    with tempfile.TemporaryDirectory(prefix="bench_history_") as tmp:
        work = Path(tmp)
        warehouse = work / "warehouse.duckdb"
        current, versions, last_day = simulate(args.employees, args.days, args.change_rate)
        load_s = _load(warehouse, work / "pipelines", current, versions)
        columns = "id, emp_code, name, department_id, designation, date_of_joining, date_of_exit, status"
        version_rows, version_bytes = _bytes_of(
            f"select {columns}, _hr_observed_at from warehouse.cutehr.employees_versions", warehouse, work, "log")
        snapshot_rows, snapshot_bytes = _bytes_of(
            f"select v.* from (select {columns}, _hr_observed_at as valid_from, "
            "lead(_hr_observed_at) over (partition by id order by _hr_observed_at) as valid_to "
            "from warehouse.cutehr.employees_versions) as v, "
            f"generate_series(timestamp '{last_day - timedelta(days=args.days - 1)} 02:00:00', "
            f"timestamp '{last_day} 02:00:00', interval 1 day) as d(run) "
            "where v.valid_from <= d.run and (v.valid_to is null or v.valid_to > d.run)", warehouse, work, "snapshots")
        result = run_dbt(destination="duckdb", duckdb_path=str(warehouse), pipelines_dir=str(work / "pipelines"),
                         vendors=["cutehr"], quiet=True, variables={"hr_today": last_day.isoformat()},
                         command="run")  # models only: the synthetic warehouse has no run-history tables
        history_models = {"hr_employment_history", "hr_headcount_daily", "hr_headcount_monthly",
                          "cutehr__hr_employment_history", "stg_cutehr__employee_versions"}
        node_seconds = {n.model_name: round(float(n.time), 2) for n in result.nodes
                        if n.model_name in history_models}
        with duckdb.connect(str(warehouse), read_only=True) as con:
            marts = {name: con.execute(f"select count(*) from hr_unified.{name}").fetchone()[0]  # type: ignore[index]
                     for name in ("hr_employment_history", "hr_headcount_daily", "hr_headcount_monthly")}
    print(json.dumps({
        "employees_final": len(current), "days": args.days, "change_rate": args.change_rate,
        "versions_rows": version_rows, "versions_bytes": version_bytes,
        "daily_snapshot_rows": snapshot_rows, "daily_snapshot_bytes": snapshot_bytes,
        "load_seconds": round(load_s, 1), "dbt_build_seconds": round(result.seconds, 1),
        "dbt_node_seconds": node_seconds, "mart_rows": marts,
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

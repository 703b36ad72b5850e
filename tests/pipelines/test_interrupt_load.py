"""Ctrl-C on `hr-elt run --destination postgres` while the load step is inside a database statement.

The test holds a lock on a loaded table so the second run's merge into it waits in Postgres; the
signal is sent once ``pg_stat_activity`` shows that wait, and the lock is let go once the kernel
has delivered the signal (``/proc/<pid>/status``). No sleeps decide anything: every step waits
for a fact.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox
from tests.pipelines.test_cli import BIN, env_for, hr_elt
from tests.pipelines.test_interrupt import INTERRUPTED
from tests.postgres_server import PostgresServer

# the vendor's tables: dlt's own and the run facts (`_hr_elt_*`: timestamps, load ids) differ between any two runs
TABLES_SQL = ("select table_name from information_schema.tables where table_schema = 'hollyhr' "
              "and table_name not like '\\_dlt%' escape '\\' and table_name not like '\\_hr\\_elt%' escape '\\' "
              "order by 1")
WAITING_SQL = ("select count(*) from pg_stat_activity where datname = current_database() "
               "and wait_event_type = 'Lock' and pid <> pg_backend_pid()")


@pytest.fixture
def databases(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A database for the interrupted run and one for a clean run to compare with."""
    interrupted, clean = (postgres_server.create_database(f"{kind}_{tmp_path.name}") for kind in ("i", "c"))
    try:
        yield interrupted, clean
    finally:
        for url in (interrupted, clean):
            postgres_server.drop_database(url)


def run_args(root: Path, name: str) -> list[str]:
    return ["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(root / name)]


def warehouse(postgres_server: PostgresServer, url: str) -> dict[str, Any]:
    """Every table's rows (dlt's bookkeeping columns left out), to compare two warehouses."""
    with postgres_server.connect(url) as con, con.cursor() as cur:
        cur.execute(TABLES_SQL)
        found: dict[str, Any] = {}
        for (table,) in cur.fetchall():
            cur.execute(f'select * from hollyhr."{table}" limit 0')
            # dlt's bookkeeping and when a version was seen differ between any two runs
            columns = sorted(d.name for d in cur.description if not d.name.startswith(("_dlt", "_hr_observed")))
            listed = ", ".join(f'"{c}"::text' for c in columns)
            cur.execute(f'select {listed} from hollyhr."{table}"')
            found[table] = sorted(cur.fetchall(), key=lambda row: [(v is None, v or "") for v in row])
        return found


def repeated_sightings(postgres_server: PostgresServer, url: str, table: str) -> int:
    """Rows of a versions table loaded twice for one sighting (all but dlt's columns equal)."""
    with postgres_server.connect(url) as con, con.cursor() as cur:
        cur.execute(f'select * from hollyhr."{table}" limit 0')
        listed = ", ".join(f'"{d.name}"::text' for d in cur.description if not d.name.startswith("_dlt"))
        cur.execute(f'select count(*) from (select {listed} from hollyhr."{table}" group by {listed} '
                    "having count(*) > 1) as twice")
        return int(cur.fetchone()[0])


def wait_for(fact: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Polls `fact` until true; the process ending first is a failure with its stderr."""
    while not fact():
        if process.poll() is not None:
            pytest.fail(f"hr-elt ended ({process.returncode}) before the moment to interrupt: "
                        f"{process.stderr.read() if process.stderr else ''}")
        time.sleep(0.005)


def jobs_left(pipelines_dir: Path) -> tuple[int, int]:
    """(new, started) jobs of the load package being loaded (dlt's load package layout)."""
    packages = list(pipelines_dir.glob("hollyhr__postgres_*/load/normalized/*/"))
    if len(packages) != 1:
        return -1, -1
    return tuple(sum(1 for f in (packages[0] / state).glob("*") if f.is_file())  # type: ignore[return-value]
                 for state in ("new_jobs", "started_jobs"))


def sigint_pending(pid: int) -> bool:
    """SIGINT is still pending for the process or one of its threads (not yet delivered)."""
    bit = 1 << (signal.SIGINT - 1)
    for status in [Path(f"/proc/{pid}/status"), *Path(f"/proc/{pid}/task").glob("*/status")]:
        try:
            lines = status.read_text().splitlines()
        except OSError:  # the thread ended
            continue
        for line in lines:
            if line.startswith(("SigPnd:", "ShdPnd:")) and int(line.split()[1], 16) & bit:
                return True
    return False


def test_ctrl_c_during_load_one_line_exit_130_then_rerun_exact(postgres_server: PostgresServer, tmp_path: Path,
                                                               databases: tuple[str, str]) -> None:
    interrupted_db, clean_db = databases
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 15}) as holly:
        env = env_for(holly, DESTINATION__POSTGRES__CREDENTIALS=interrupted_db)
        first = hr_elt(run_args(tmp_path, "p"), env, tmp_path)
        assert first.returncode == 0, first.stderr
        people = [r["id"] for r in holly.hollyhr.records("people")]
        for person in people[:3]:
            holly.hollyhr.update_person(person, preferred_name=f"Changed {person}")
        holly.hollyhr.add_person()

        summary = tmp_path / "summary.json"
        with postgres_server.connect(interrupted_db) as holder, holder.cursor() as cur:
            holder.set_session(autocommit=False)
            cur.execute("lock table hollyhr.people in share mode")  # the merge into people waits; reads do not
            process = subprocess.Popen([str(BIN / "hr-elt"), *run_args(tmp_path, "p"), "--summary-file", str(summary)],
                                       env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            with postgres_server.connect(interrupted_db) as watcher, watcher.cursor() as watch:
                def load_waits() -> bool:
                    watch.execute(WAITING_SQL)
                    return bool(watch.fetchone()[0])

                # and the merge into people is the package's only job left: dlt drains it, nothing is left over
                wait_for(lambda: load_waits() and jobs_left(tmp_path / "p") == (0, 1), process)
            process.send_signal(signal.SIGINT)
            wait_for(lambda: not sigint_pending(process.pid), process)
            holder.rollback()  # the lock goes: dlt drains the job it waited for, then stops
        out, err = process.communicate(timeout=120)
        assert process.returncode == 130, err
        # the one line ends stderr, alone of its kind; dlt's records from before the signal may precede it
        assert err.splitlines()[-1] == INTERRUPTED and err.count("hr-elt:") == 1, err
        assert "Traceback" not in err and "drain" not in err, err
        document = json.loads(summary.read_text())
        (run,) = document["runs"]
        # the run finished (dlt drained its last job) and is listed as it ended; the command stopped
        assert (document["status"], document["exit_code"], run["status"]) == ("interrupted", 130, "ok")
        assert run["tables"]["people"] == 4 and run["resources"]["people"]["upserted"] == 4

        again = hr_elt(run_args(tmp_path, "p"), env, tmp_path)
        assert again.returncode == 0, again.stderr
        clean = hr_elt(run_args(tmp_path, "clean"), env_for(holly, DESTINATION__POSTGRES__CREDENTIALS=clean_db),
                       tmp_path)
        assert clean.returncode == 0, clean.stderr
    loaded, fresh = warehouse(postgres_server, interrupted_db), warehouse(postgres_server, clean_db)
    current = {t for t in fresh if not t.endswith("_versions")}
    assert {t: loaded[t] for t in current} == {t: fresh[t] for t in current}
    assert len(loaded["people"]) == 16
    for table in set(fresh) - current:  # the log keeps the versions before the change too, each sighting once
        assert set(fresh[table]) <= set(loaded[table]), table
        assert repeated_sightings(postgres_server, interrupted_db, table) == 0, table
    assert len(loaded["people_versions"]) == 15 + 4

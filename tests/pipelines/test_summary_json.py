"""`hr-elt run ... --json` and `--summary-file`, typed as a user would: subprocesses against the sandbox.

The JSON's counts are checked against what the warehouse holds (DuckDB; one Postgres case), and a
second run after the sandbox changed (records added, changed, deleted) must report exactly those
changes. A failed run still writes its file; no secret is ever in it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest

from pipelines.report.summary_json import SummaryDocument
from pipelines.run.result import RunResult, run_object
from sandbox import Sandbox
from tests.docs.test_readme import ROOT, table_after
from tests.harness import Harness
from tests.pipelines.test_cli import env_for, hr_elt
from tests.postgres_server import PostgresServer

SIZES = {"hollyhr": {"people": 12}, "cutehr": {"employees": 10}, "bytehr": {"employees": 11}}
TOP_KEYS = {"schema_version", "status", "exit_code", "error", "runs", "skipped"}
RUN_KEYS = {"vendor", "tenant", "pipeline", "destination", "dataset", "status", "error", "seconds", "phases",
            "requests", "resources", "tables", "notes", "warnings", "failures"}
COUNT_KEYS = {"rows", "inserted", "updated", "upserted", "deleted", "deleted_as", "unchanged", "requests",
              "retries", "throttled", "failure"}


def secrets_of(sandbox: Sandbox) -> list[str]:
    return [str(v) for app in sandbox.apps.values() for k, v in app.credentials().items() if k != "email"]


def runs_by_vendor(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["vendor"]: run for run in document["runs"]}


def counts(db: Path, sql: str) -> Any:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_two_runs_report_what_the_warehouse_holds(tmp_path: Path) -> None:
    """`run all --json`, then the sandbox changes, then `run all --summary-file F` (human summary on stdout).

    One test (two subprocess runs of three vendors) whose parts are the ``check_*`` functions below.
    """
    with Sandbox(**SIZES) as sandbox:
        root = tmp_path
        db, summary = root / "w.duckdb", root / "out" / "summary.json"
        env = env_for(sandbox, SOURCES__BYTEHR__MIN_INTERVAL_HOURS='{"*": 0}')
        common = ["--pipelines-dir", str(root / "pipes"), "--duckdb-path", str(db)]
        first = hr_elt(["run", "all", "--json", *common], env, root)
        assert first.returncode == 0, first.stderr
        # what the warehouse held after the first run, read before the second changes it
        tables = {run["vendor"]: {t: counts(db, f'select count(*) from {run["dataset"]}."{t}"')[0][0]
                                  for t in run["tables"]} for run in json.loads(first.stdout)["runs"]}

        byte, cute, holly = sandbox.apps["bytehr"], sandbox.apps["cutehr"], sandbox.apps["hollyhr"]
        byte_ids = byte.ids("employees")
        byte.add_employee()
        byte.update_employee(byte_ids[2], last_name="Changed")
        byte.delete_employee(byte_ids[5])
        cute_ids = [r["id"] for r in cute.records("employees")]
        cute.add_employee()
        cute.update_employee(cute_ids[1], designation="Principal Engineer")
        cute.delete_employee(cute_ids[4])
        people = [r["id"] for r in holly.records("people")]
        holly.add_person()
        holly.update_person(people[3], preferred_name="Changed")
        live_docs = [r["id"] for r in holly.records("documents") if r["deleted_at"] is None]
        holly.delete_document(live_docs[0])
        second = hr_elt(["run", "all", "--summary-file", str(summary), *common], env, root)
        assert second.returncode == 0, second.stderr
        two_runs = {"first": first, "second": second, "summary": summary, "db": db, "tables": tables,
                    "sandbox": sandbox, "deleted": {"bytehr": byte_ids[5], "cutehr": cute_ids[4],
                                                    "hollyhr": live_docs[0]}}
        check_json_on_stdout_parses_and_has_every_key(two_runs)
        check_first_run_counts_equal_the_warehouse(two_runs)
        check_second_run_reports_the_sandbox_changes(two_runs)
        check_human_summary_says_the_same_counts(two_runs)
        check_the_same_delete_note_for_every_vendor(two_runs)
        check_no_secret_in_the_json(two_runs)


def check_json_on_stdout_parses_and_has_every_key(two_runs: dict[str, Any]) -> None:
    document = json.loads(two_runs["first"].stdout)  # stdout is the JSON and nothing else
    assert set(document) == TOP_KEYS
    assert document["schema_version"] == 1 and document["status"] == "ok" and document["exit_code"] == 0
    runs = runs_by_vendor(document)
    assert sorted(runs) == ["bytehr", "cutehr", "hollyhr"]
    for vendor, run in runs.items():
        assert set(run) == RUN_KEYS, vendor
        assert run["status"] == "ok" and run["error"] is None and run["failures"] == {}
        assert re.fullmatch(rf"{vendor}__duckdb_[0-9a-f]{{8}}", run["pipeline"]["name"]) and run["dataset"] == vendor
        assert run["destination"] == {"kind": "duckdb", "location": str(two_runs["db"])}
        assert set(run["phases"]) == {"extract", "normalize", "load"}
        assert all(isinstance(s, float) for s in run["phases"].values()), run["phases"]
        assert run["requests"]["total"] == sum(r["requests"] for r in run["resources"].values()) + (
            1 if vendor == "cutehr" else 0)  # CuteHR's login is no resource's request
        for name, entry in run["resources"].items():
            assert set(entry) == COUNT_KEYS, (vendor, name)
    # the human summary went to stderr
    assert "hollyhr: loaded into duckdb dataset hollyhr" in two_runs["first"].stderr


def check_first_run_counts_equal_the_warehouse(two_runs: dict[str, Any]) -> None:
    runs = runs_by_vendor(json.loads(two_runs["first"].stdout))
    for vendor, run in runs.items():
        assert run["tables"] == two_runs["tables"][vendor], vendor  # every table: rows in the JSON == rows loaded
        for name, entry in run["resources"].items():
            assert entry["rows"] == two_runs["tables"][vendor].get(name, 0), (vendor, name)
            if entry["inserted"] is not None:  # a fresh warehouse: every row is new
                assert (entry["inserted"], entry["updated"]) == (entry["rows"], 0), (vendor, name)
            else:
                assert entry["upserted"] == entry["rows"] - (entry["deleted"] or 0), (vendor, name)


def check_second_run_reports_the_sandbox_changes(two_runs: dict[str, Any]) -> None:
    assert "employees" in two_runs["second"].stdout  # the human summary stays on stdout with --summary-file
    document = json.loads(two_runs["summary"].read_text())
    runs = runs_by_vendor(document)
    db = two_runs["db"]
    for vendor, deleted in (("bytehr", two_runs["deleted"]["bytehr"]), ("cutehr", two_runs["deleted"]["cutehr"])):
        employees = runs[vendor]["resources"]["employees"]
        assert employees["inserted"] == 1 and employees["updated"] == 1 and employees["upserted"] == 2, vendor
        assert employees["deleted"] == 1 and employees["deleted_as"] == "flagged", vendor
        # a new, a changed and a deleted record; every other record was read and left out as unchanged
        assert employees["rows"] == 3 and employees["unchanged"] == SIZES[vendor]["employees"] - 2, vendor
        flagged = counts(db, f"select id from {vendor}.employees where _deleted_at is not null")
        assert flagged == [(deleted,)], vendor
        assert runs[vendor]["resources"]["departments"]["rows"] == 0
    holly = runs["hollyhr"]["resources"]
    # people: merged on their id by updated_since, no memory of ids: the split is unknown, not guessed
    assert (holly["people"]["upserted"], holly["people"]["inserted"], holly["people"]["updated"]) == (2, None, None)
    assert holly["documents"]["deleted"] == 1 and holly["documents"]["deleted_as"] == "flagged"
    assert holly["documents"]["rows"] == 1 and holly["documents"]["upserted"] == 0
    doc = two_runs["deleted"]["hollyhr"]
    assert counts(db, f"select deleted_at is not null from hollyhr.documents where id = '{doc}'") == [(True,)]


def check_human_summary_says_the_same_counts(two_runs: dict[str, Any]) -> None:
    """The summary on stdout says, per table, the counts the JSON knows, and none it does not."""
    stdout = two_runs["second"].stdout
    for vendor in ("bytehr", "cutehr"):
        unchanged = SIZES[vendor]["employees"] - 2
        assert re.search(rf"^  employees +3 rows: 1 inserted, 1 updated, 1 deleted \(flagged\), {unchanged} unchanged$",
                         summary_of(stdout, vendor), re.M), summary_of(stdout, vendor)
    holly = summary_of(stdout, "hollyhr")
    assert re.search(r"^  people +2 rows: 2 upserted$", holly, re.M), holly  # the split is not known: not guessed
    assert re.search(r"^  documents +1 rows: 1 deleted \(flagged\)$", holly, re.M), holly
    assert "inserted" not in holly and "updated," not in holly


def summary_of(stdout: str, vendor: str) -> str:
    """One vendor's lines of `run all`'s human summary."""
    start = stdout.index(f"{vendor}: loaded into")
    following = [stdout.find(f"{other}: loaded into", start + 1) for other in SIZES if other != vendor]
    return stdout[start:min([i for i in following if i > start] or [len(stdout)])]


def check_the_same_delete_note_for_every_vendor(two_runs: dict[str, Any]) -> None:
    runs = runs_by_vendor(json.loads(two_runs["summary"].read_text()))
    assert "employees: 1 deleted at ByteHR (flagged)" in runs["bytehr"]["notes"]
    assert "employees: 1 deleted at CuteHR (flagged)" in runs["cutehr"]["notes"]
    assert "documents: 1 deleted at HollyHR (flagged)" in runs["hollyhr"]["notes"]
    stdout = two_runs["second"].stdout
    for vendor in ("ByteHR", "CuteHR"):
        assert f"  note: employees: 1 deleted at {vendor} (flagged)" in stdout
    assert "  note: documents: 1 deleted at HollyHR (flagged)" in stdout


def check_no_secret_in_the_json(two_runs: dict[str, Any]) -> None:
    text = two_runs["first"].stdout + two_runs["summary"].read_text()
    leaked = [secret for secret in secrets_of(two_runs["sandbox"]) if secret in text]
    assert not leaked


def test_unreachable_vendor_writes_a_failed_summary_and_exits_1(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    env = env_for(None, SOURCES__HOLLYHR__BASE_URL="http://127.0.0.1:9/api/v1",
                  SOURCES__HOLLYHR__API_TOKEN="hhr_secret_token_never_shown", SOURCES__HOLLYHR__MAX_ATTEMPTS="1")
    done = hr_elt(["run", "hollyhr", "--json", "--summary-file", str(summary), "--pipelines-dir",
                   str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")], env, tmp_path)
    assert done.returncode == 1
    printed, written = json.loads(done.stdout), json.loads(summary.read_text())
    assert printed == written
    assert written["status"] == "failed" and written["exit_code"] == 1
    (run,) = written["runs"]
    assert run["status"] == "failed" and re.fullmatch(r"hollyhr__duckdb_[0-9a-f]{8}", run["pipeline"]["name"])
    line = next(line for line in done.stderr.splitlines() if line.startswith("hr-elt:"))
    assert run["error"] == line.removeprefix("hr-elt: ")
    assert "connection refused by 127.0.0.1:9" in run["error"]
    assert run["tables"] == {} and all(e["rows"] is None for e in run["resources"].values())
    assert run["requests"]["total"] >= 1 and run["phases"]["extract"] is not None
    assert "hhr_secret_token_never_shown" not in done.stdout + done.stderr


def test_run_that_fails_before_it_starts_still_writes_the_file(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    env = env_for(None, SOURCES__HOLLYHR__BASE_URL="http://127.0.0.1:9/api/v1")  # no api_token
    done = hr_elt(["run", "hollyhr", "--summary-file", str(summary), "--pipelines-dir", str(tmp_path / "p")],
                  env, tmp_path)
    assert done.returncode == 1
    (run,) = json.loads(summary.read_text())["runs"]
    assert run["status"] == "failed" and "missing setting sources.hollyhr.api_token" in run["error"]


def test_partial_failure_lists_the_failed_resource(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 8}) as sandbox:
        sandbox.apps["hollyhr"].add_key("hhr_limited_key", ["people:read", "documents:read"])
        env = env_for(sandbox, SOURCES__HOLLYHR__API_TOKEN="hhr_limited_key")
        done = hr_elt(["run", "hollyhr", "--json", "--progress", "log", "--pipelines-dir", str(tmp_path / "p"),
                       "--duckdb-path", str(tmp_path / "w.duckdb")], env, tmp_path)
    assert done.returncode == 1
    assert "Jobs:" in done.stderr or "Resources:" in done.stderr  # dlt's progress log, on stderr with --json
    document = json.loads(done.stdout)
    assert document["status"] == "partial"
    (run,) = document["runs"]
    assert run["status"] == "partial" and list(run["failures"]) == ["time_off"]
    assert "permission_denied" in run["failures"]["time_off"] and "\n" not in run["failures"]["time_off"]
    assert run["resources"]["time_off"]["failure"] == run["failures"]["time_off"]
    assert run["resources"]["people"]["failure"] is None
    people = counts(tmp_path / "w.duckdb", "select count(*) from hollyhr.people")[0][0]
    assert run["resources"]["people"]["rows"] == people == 8
    assert "hhr_limited_key" not in done.stdout


@pytest.mark.parametrize(("mode", "said"), [("hard_delete", "removed"), ("scd2", "retired")])
def test_delete_note_says_what_the_delete_mode_did(harness: Harness, mode: str, said: str) -> None:
    app = harness.start("cutehr", employees=6)
    harness.setenv("SOURCES__CUTEHR__DELETE_MODE", mode)
    harness.run("cutehr", resources=["employees"])
    gone = app.records("employees")[0]["id"]
    app.delete_employee(gone)
    run = run_object(harness.run("cutehr", resources=["employees"]))
    employees = run["resources"]["employees"]
    assert (employees["deleted"], employees["deleted_as"], employees["inserted"], employees["updated"]) == \
        (1, said, 0, 0)
    assert f"employees: 1 deleted at CuteHR ({said})" in run["notes"]
    current = "" if mode == "hard_delete" else " and _dlt_valid_to is null"
    assert harness.scalar(f"select count(*) from cutehr.employees where id = {gone}{current}") == 0


def test_postgres_counts_equal_the_warehouse(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database(f"t_{tmp_path.name}")
    summary = tmp_path / "summary.json"
    try:
        with Sandbox(vendors=("cutehr",), cutehr={"employees": 9}) as sandbox:
            env = env_for(sandbox, DESTINATION__POSTGRES__CREDENTIALS=url)
            done = hr_elt(["run", "cutehr", "--destination", "postgres", "--summary-file", str(summary),
                           "--pipelines-dir", str(tmp_path / "p")], env, tmp_path)
            assert done.returncode == 0, done.stderr
            (run,) = json.loads(summary.read_text())["runs"]
            assert run["destination"]["kind"] == "postgres"
            location = run["destination"]["location"]
            password = urlsplit(url).password
            assert location.endswith(url.rsplit("/", 1)[1])
            assert password and f":{password}@" not in summary.read_text() and f":{password}@" not in done.stdout
            with postgres_server.connect(url) as con, con.cursor() as cur:
                for table, rows in run["tables"].items():
                    cur.execute(f'select count(*) from cutehr."{table}"')
                    assert cur.fetchone()[0] == rows, table
            assert run["resources"]["employees"]["inserted"] == 9 and run["tables"]["employees"] == 9
    finally:
        postgres_server.drop_database(url)


def documented_keys() -> set[str]:
    """The keys docs/cli.md's "Machine-readable summary" table names (``.x`` after ``a.b.c`` is ``a.b.x``)."""
    keys: set[str] = set()
    for row in table_after((ROOT / "docs" / "cli.md").read_text(), "## Machine-readable summary"):
        names = re.findall(r"`([^`]+)`", row[0])
        for name in names:
            keys.add(names[0].rsplit(".", 1)[0] + name if name.startswith(".") else name)
    return keys


def test_readme_documents_every_key() -> None:
    result = RunResult("hollyhr", "hollyhr", "duckdb", "hollyhr", rows={"people": 1})
    result.resources = {"people": {"table": "people", "requests": 1, "retries": 0, "throttled": 0, "changes": {}}}
    document = SummaryDocument()
    document.add(result)
    produced = document.as_dict(0)
    run = produced["runs"][0]
    keys = set(produced) | {f"runs[].{k}" for k in run} | {f"resources.*.{k}" for k in run["resources"]["people"]}
    assert documented_keys() == keys - {"runs"}


def test_a_summary_file_that_cannot_be_written_fails_the_command(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    document = SummaryDocument()
    assert document.hand_over(0, to_stdout=False, path=str(blocker / "summary.json")) == 1
    assert f"hr-elt: cannot write the summary file {blocker / 'summary.json'}" in capsys.readouterr().err
    written = tmp_path / "out" / "summary.json"
    assert document.hand_over(0, to_stdout=False, path=str(written)) == 0
    assert json.loads(written.read_text())["status"] == "failed"  # no run at all is no success
    assert [p.name for p in written.parent.iterdir()] == ["summary.json"]  # no temp file left behind


def test_as_dict_is_the_summary_run_object(harness: Harness) -> None:
    """What the Airflow task returns as XCom (``RunResult.as_dict``) is the JSON summary's run object."""
    app = harness.start("hollyhr", people=6)
    result = harness.run("hollyhr")
    xcom = result.as_dict()
    assert xcom == run_object(result) and json.loads(json.dumps(xcom)) == xcom  # one builder; plain JSON
    assert set(xcom) == RUN_KEYS and xcom["status"] == "ok" and set(xcom["phases"]) == {"extract", "normalize", "load"}
    people = xcom["resources"]["people"]
    assert people["rows"] == app.count("people") == harness.scalar("select count(*) from hollyhr.people")
    assert people["upserted"] == 6 and people["inserted"] is None  # no memory of ids: the split is not guessed
    assert xcom["requests"]["total"] == len(app.requests())

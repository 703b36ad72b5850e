"""dbt on DuckDB over the three vendors' sandbox data: build, counts against the vendors, the
normalised vocabulary, ByteHR custom fields as columns (a new one without an SQL edit), the vendors'
sources files complete, freshness, the conformed models agreeing, a vendor left out, a fourth vendor
plugged in by its staging folder, and README's "Running dbt yourself" command as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
import yaml

from pipelines.dbt.runner import DBT_PROJECT_DIR, DbtResult, DbtRunError, run_freshness
from tests.dbt.kept_fields import check_retyped_and_archived_fields_show_current_values
from tests.dbt.test_dbt_project import layout_problems
from tests.dbt.warehouse import Warehouse, assert_clean, expected_counts, shared_warehouse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with shared_warehouse(tmp_path_factory, "duckdb") as loaded:  # the demo's sizes
        yield loaded


@pytest.fixture(scope="module")
def built(warehouse: Warehouse) -> DbtResult:
    started = time.perf_counter()
    result = warehouse.dbt()
    print(f"dbt build on the demo data: {time.perf_counter() - started:.1f}s, rows {result.rows}")
    return result


def test_build_passes_and_unified_counts_match_the_vendors(warehouse: Warehouse, built: DbtResult) -> None:
    assert_clean(built)
    assert sorted(built.vendors) == ["bytehr", "cutehr", "hollyhr"]
    assert built.dataset == "hr_unified"
    expected = expected_counts(warehouse.sandbox)
    assert built.rows == expected
    for model, per_provider in expected.items():  # read back, not only the runner's own count
        got = dict(warehouse.query(f"select provider, count(*) from hr_unified.{model} group by provider"))
        assert got == per_provider, model
    # staging views land beside the unified tables
    assert "stg_hollyhr__people" in warehouse.tables("hr_unified_staging")


def test_one_vocabulary_and_stable_keys(warehouse: Warehouse, built: DbtResult) -> None:
    rows = warehouse.query("select distinct provider, employment_status, employment_type from hr_unified.hr_employees")
    assert {r[1] for r in rows} <= {"active", "on_leave", "notice_period", "terminated"}
    assert {r[2] for r in rows} <= {"full_time", "part_time", "contractor", "intern", "temporary", "unknown"}
    assert {r[2] for r in rows if r[0] == "cutehr"} == {"unknown"}  # CuteHR has no employment type
    statuses = {r[0] for r in warehouse.query("select distinct status from hr_unified.hr_time_off")}
    assert statuses <= {"pending", "approved", "rejected", "cancelled"}
    # keys: '<provider>:<vendor id>', the same on every build
    holly = warehouse.sandbox.hollyhr.records("people")[0]
    row = warehouse.query(
        "select person_key, full_name, hire_date, employment_status from hr_unified.hr_employees "
        f"where person_key = 'hollyhr:{holly['id']}'")
    assert len(row) == 1
    assert row[0][1] == f"{holly['first_name']} {holly['last_name']}"
    assert str(row[0][2]) == holly["start_date"]
    assert row[0][3] == {"active": "active", "ended": "terminated"}[holly["status"]]
    cute = warehouse.sandbox.cutehr.records("employees")[-1]
    first, last = warehouse.query(
        "select first_name, last_name from hr_unified.hr_employees "
        f"where person_key = 'cutehr:{cute['id']}'")[0]
    assert f"{first} {last}" == cute["name"]
    # every time-off row points at a person of the same provider
    orphans = warehouse.scalar(
        "select count(*) from hr_unified.hr_time_off t left join hr_unified.hr_employees e "
        "on e.person_key = t.person_key where e.person_key is null")
    assert orphans == 0


def test_bytehr_custom_fields_are_columns_with_the_vendors_values(warehouse: Warehouse, built: DbtResult) -> None:
    columns = warehouse.columns("hr_unified", "hr_employees")
    custom = {c for c in columns if c.startswith("custom_fields__")}
    assert {"custom_fields__badge_number", "custom_fields__tshirt_size", "custom_fields__certifications"} <= custom
    byte = warehouse.sandbox.bytehr
    employee = byte.records("employees")[0]
    values = {f["key"]: f["value"] for f in employee["custom_fields"]}
    badge, size, certifications = warehouse.query(
        "select custom_fields__badge_number, custom_fields__tshirt_size, custom_fields__certifications "
        f"from hr_unified.hr_employees where person_key = 'bytehr:{employee['id']}'")[0]
    assert badge == values["badge_number"] and size == values["tshirt_size"]
    assert certifications == (", ".join(values["certifications"]) if values["certifications"] else None)
    # other vendors carry NULLs there
    assert warehouse.scalar(
        "select count(*) from hr_unified.hr_employees where provider <> 'bytehr' "
        "and custom_fields__badge_number is not null") == 0
    # the dictionary names the column of each key, including the non-ASCII ones
    mapping = dict(warehouse.query("select field_key, hr_employees_column from hr_unified.hr_custom_fields"))
    assert mapping["badge_number"] == "custom_fields__badge_number"
    assert all(mapping[k] in columns for k in mapping if mapping[k])


def test_vendor_sources_declare_every_loaded_table_and_column(warehouse: Warehouse) -> None:
    declared: dict[tuple[str, str], set[str]] = {}
    files = sorted((DBT_PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"))
    sources = []
    for file in files:  # one source per vendor, in the vendor's own staging folder
        doc: dict[str, Any] = yaml.safe_load(file.read_text())
        assert [s["name"] for s in doc["sources"]] == [file.parent.name], file
        sources += doc["sources"]
    assert sorted(s["name"] for s in sources) == ["bytehr", "cutehr", "hollyhr"]
    for source in sources:
        assert source.get("description"), source["name"]
        for table in source["tables"]:
            assert table.get("description"), (source["name"], table["name"])
            for column in table.get("columns", []):
                assert column.get("description"), (source["name"], table["name"], column["name"])
            declared[(source["name"], table["name"])] = {c["name"] for c in table.get("columns", [])}
    for vendor in ("bytehr", "cutehr", "hollyhr"):
        for table in warehouse.tables(vendor):
            if table.startswith("_dlt") and table != "_dlt_loads":
                continue
            if vendor == "bytehr" and table.startswith(("employees__custom_fields__",
                                                        "employees_versions__custom_fields__")):
                continue  # one child table per multi-select custom field: discovered, not declared
            assert (vendor, table) in declared, f"{vendor}.{table} is not in _{vendor}__sources.yml"
            loaded = {c for c in warehouse.columns(vendor, table) if not c.startswith("custom_fields__")}
            assert loaded - declared[(vendor, table)] == set(), f"{vendor}.{table}: undeclared columns"


def test_source_freshness_passes_after_a_fresh_load(warehouse: Warehouse, built: DbtResult) -> None:
    result = run_freshness(destination="duckdb", duckdb_path=warehouse.duckdb_path,
                           pipelines_dir=warehouse.pipelines_dir, quiet=True)
    assert result.returncode == 0, result.output
    loads = [s for s in result.sources if s["name"].endswith("._dlt_loads")]
    assert len(loads) == 3 and all(s["status"] == "pass" for s in loads), result.sources


def test_new_custom_field_appears_without_editing_sql(warehouse: Warehouse, built: DbtResult) -> None:
    byte = warehouse.sandbox.bytehr
    sql_before = {p: p.read_text() for p in Path(DBT_PROJECT_DIR).rglob("*.sql")}
    byte.add_custom_field("Parking Spot", "Parking spot", "text", value_fn=lambda employee_id: f"P-{employee_id}")
    warehouse.run("bytehr", source_kwargs={"min_interval_hours": {"*": 0}})  # walk now, not in 24 h
    result = warehouse.dbt(select="+hr_employees +hr_custom_fields +hr_data_quality")
    assert_clean(result)
    assert warehouse.scalar("select column_name || ' ' || status from hr_unified.hr_data_quality "
                            "where field = 'Parking Spot'") == "custom_fields__parking_spot ok"
    employee = byte.records("employees")[3]
    value = warehouse.scalar("select custom_fields__parking_spot from hr_unified.hr_employees "
                             f"where person_key = 'bytehr:{employee['id']}'")
    assert value == f"P-{employee['id']}"
    assert warehouse.scalar("select hr_employees_column from hr_unified.hr_custom_fields "
                            "where field_key = 'Parking Spot'") == "custom_fields__parking_spot"
    assert {p: p.read_text() for p in Path(DBT_PROJECT_DIR).rglob("*.sql")} == sql_before


def test_conformed_models_of_a_mart_have_the_same_columns_and_types(warehouse: Warehouse, built: DbtResult) -> None:
    conformed: dict[str, list[str]] = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())[
        "vars"]["hr_conformed_models"]
    for mart in ("hr_employees", "hr_departments", "hr_time_off"):
        shapes = {}
        for vendor in sorted(v for v, models in conformed.items() if mart in models):
            columns = warehouse.columns("hr_unified_staging", f"{vendor}__{mart}")
            shapes[vendor] = [(c, t) for c, t in columns.items() if not c.startswith("custom_fields__")]
        assert len(shapes) == 3, mart
        first = next(iter(shapes.values()))
        assert all(shape == first for shape in shapes.values()), (mart, shapes)
        # the mart: those columns in that order, then the vendor extras (custom fields), then its own
        mart_columns = list(warehouse.columns("hr_unified", mart).items())
        assert mart_columns[:len(first)] == first, mart


def test_a_vendor_left_out_is_left_out_cleanly(warehouse: Warehouse, built: DbtResult) -> None:
    result = warehouse.dbt(vendors=["hollyhr", "cutehr"], dataset="hr_partial")
    assert_clean(result)
    expected = expected_counts(warehouse.sandbox)
    assert result.rows == {m: {v: n for v, n in per.items() if v != "bytehr"} for m, per in expected.items()}
    assert "hr_custom_fields" not in warehouse.tables("hr_partial")  # no vendor built has custom fields
    assert not [c for c in warehouse.columns("hr_partial", "hr_employees") if c.startswith("custom_fields__")]
    assert not [t for t in warehouse.tables("hr_partial_staging") if "bytehr" in t]


def test_readme_running_dbt_yourself_works_as_written(warehouse: Warehouse, built: DbtResult,
                                                      tmp_path: Path) -> None:
    section = (REPO / "docs" / "dbt.md").read_text().split("## Running dbt yourself", 1)[1]
    command = re.search(r"```sh\n(.*?)\n```", section, re.DOTALL)
    assert command, "README: no command under Running dbt yourself"
    # a checkout of its own: dbt/ beside an hr.duckdb holding the loaded vendors
    shutil.copytree(DBT_PROJECT_DIR, tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    shutil.copy(warehouse.duckdb_path, tmp_path / "hr.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLT__", "DBT_"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(["bash", "-e", "-c", command.group(1)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Completed successfully" in done.stdout
    with duckdb.connect(str(tmp_path / "hr.duckdb"), read_only=True) as con:
        for model, per_provider in expected_counts(warehouse.sandbox).items():
            rows = con.execute(f"select provider, count(*) from hr_unified.{model} group by provider").fetchall()
            assert dict(rows) == per_provider, model


def test_a_fourth_vendor_plugs_in_with_its_staging_folder(warehouse: Warehouse, built: DbtResult,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = [
        {"id": 1, "given_name": "Ada", "family_name": "Lovelace", "email": "Ada@Acme.test", "state": "active",
         "joined": "2020-01-06", "changed_at": "2026-11-30T10:00:00+00:00"},
        {"id": 2, "given_name": "Alan", "family_name": "Turing", "email": "alan@acme.test", "state": "gone",
         "joined": "2019-03-04", "changed_at": "2026-11-29T10:00:00+00:00"},
    ]
    loader = dlt.pipeline(pipeline_name="acmehr", destination=dlt.destinations.duckdb(warehouse.duckdb_path),
                          dataset_name="acmehr", pipelines_dir=str(tmp_path / "pipelines"))
    loader.run(staff, table_name="staff", primary_key="id", write_disposition="merge")
    # the project with AcmeHR's folder and its one line in dbt_project.yml, nothing else edited
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    folder = project / "models" / "staging" / "acmehr"
    shutil.copytree(Path(__file__).parent / "fourth_vendor" / "acmehr", folder)
    config = project / "dbt_project.yml"
    config.write_text(re.sub(r"(?m)^(    hollyhr: .*\n)", r"\1    acmehr: [hr_employees]\n", config.read_text()))
    assert layout_problems(project) == []
    monkeypatch.setenv("HR_ELT__DBT_PROJECT_DIR", str(project))
    vendors = ["bytehr", "cutehr", "hollyhr", "acmehr"]

    # conformed models that drift from the others fail the build, naming model and column: a type
    # (hr_employees), a declared column missing (hr_departments), a model hr_conformed_models lacks
    good_config = config.read_text()
    config.write_text(good_config.replace("acmehr: [hr_employees]", "acmehr: [hr_employees, hr_departments]"))
    good = (folder / "acmehr__hr_employees.sql").read_text()
    drifted = good.replace("{{ hr_double() }}) as weekly_hours", "{{ hr_bigint() }}) as weekly_hours")
    assert drifted != good
    (folder / "acmehr__hr_employees.sql").write_text(drifted)
    (folder / "acmehr__hr_departments.sql").write_text(
        "select person_key as department_key, provider, tenant, source_id, full_name as name,"
        " department_key as parent_department_key, manager_key as head_person_key, source_updated_at"
        " from {{ ref('acmehr__hr_employees') }}\n")
    (folder / "acmehr__hr_time_off.sql").write_text("select staff_id from {{ ref('stg_acmehr__staff') }}\n")
    with pytest.raises(DbtRunError) as failed:
        warehouse.dbt(vendors=vendors, dataset="hr_fourth", select="+hr_employees +hr_departments +hr_time_off")
    messages = {n.model_name: str(n.message) for n in failed.value.nodes if n.status == "error"}
    assert sorted(messages) == ["hr_departments", "hr_employees", "hr_time_off"], messages
    assert "column weekly_hours is DOUBLE in bytehr__hr_employees but BIGINT in acmehr__hr_employees" \
        in messages["hr_employees"]
    assert "acmehr__hr_departments lack(s) column cost_center that bytehr__hr_departments has" \
        in messages["hr_departments"]
    assert "model acmehr__hr_time_off (models/staging/acmehr/acmehr__hr_time_off.sql) is not in " \
        "var('hr_conformed_models')['acmehr']" in messages["hr_time_off"]

    config.write_text(good_config)
    (folder / "acmehr__hr_departments.sql").unlink()
    (folder / "acmehr__hr_time_off.sql").unlink()
    (folder / "acmehr__hr_employees.sql").write_text(good)
    result = warehouse.dbt(vendors=vendors, dataset="hr_fourth")
    assert_clean(result)
    expected = expected_counts(warehouse.sandbox)
    expected["hr_employees"]["acmehr"] = 2
    assert result.rows == expected  # AcmeHR feeds hr_employees only
    rows = warehouse.query(
        "select person_key, full_name, email, employment_status, hire_date, custom_fields__badge_number "
        "from hr_fourth.hr_employees where provider = 'acmehr' order by person_key")
    assert [(r[0], r[1], r[2], r[3], str(r[4]), r[5]) for r in rows] == [
        ("acmehr:1", "Ada Lovelace", "ada@acme.test", "active", "2020-01-06", None),
        ("acmehr:2", "Alan Turing", "alan@acme.test", "terminated", "2019-03-04", None),
    ]


def test_a_selection_that_matches_nothing_fails(warehouse: Warehouse) -> None:
    with pytest.raises(DbtRunError, match="--select nonexistent_model matches no model or test"):
        warehouse.dbt(select="nonexistent_model")


def test_hr_data_quality_is_the_latest_coverage_per_field(warehouse: Warehouse, built: DbtResult) -> None:
    vendors = ("bytehr", "cutehr", "hollyhr")
    stored = {v: warehouse.scalar(f"select count(distinct resource || ':' || field) from {v}._hr_elt_field_coverage")
              for v in vendors}
    got = dict(warehouse.query("select provider, count(*) from hr_unified.hr_data_quality group by provider"))
    assert got == stored and all(stored.values())
    assert {r[0] for r in warehouse.query("select distinct status from hr_unified.hr_data_quality")} == {"ok"}
    people = warehouse.sandbox.hollyhr.count("people")
    row = warehouse.query("select coverage_key, rows, present_share, non_null_share, column_name "
                          "from hr_unified.hr_data_quality where provider = 'hollyhr' and field = 'location'")
    assert row == [("hollyhr:people:location", people, 1.0, 1.0, "location")]

    # a field the API withholds from now on: the next load's coverage wins, status and shares follow
    holly = warehouse.sandbox.hollyhr
    holly.withhold_field("people", "location")
    try:
        touched = holly.person_ids()[:5]
        holly.touch_people(touched)
        warehouse.run("hollyhr")
    finally:
        holly.clear_field_masks()
    result = warehouse.dbt(select="+hr_data_quality")
    assert_clean(result)
    loaded = warehouse.scalar("select count(*) from hollyhr.people "
                              "where _dlt_load_id = (select max(_dlt_load_id) from hollyhr.people)")
    row = warehouse.query("select status, rows, present_share from hr_unified.hr_data_quality "
                          "where provider = 'hollyhr' and resource = 'people' and field = 'location'")
    assert row == [("regression", loaded, 0.0)] and loaded >= len(touched)


def test_retyped_and_archived_custom_fields_show_current_values(warehouse: Warehouse, built: DbtResult) -> None:
    check_retyped_and_archived_fields_show_current_values(warehouse)  # mutates the sandbox: last in the module

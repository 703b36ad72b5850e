"""dbt on DuckDB over the three vendors' sandbox data: build, counts against the vendors, the
normalised vocabulary, ByteHR custom fields as columns (a new one without an SQL edit), sources.yml
completeness and freshness."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.dbt_runner import DBT_PROJECT_DIR, DbtResult, run_freshness
from tests.dbt.warehouse import Warehouse, assert_clean, expected_counts, shared_warehouse


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
            if vendor == "bytehr" and table.startswith("employees__custom_fields__"):
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
    result = warehouse.dbt(select="+hr_employees +hr_custom_fields")
    assert_clean(result)
    employee = byte.records("employees")[3]
    value = warehouse.scalar("select custom_fields__parking_spot from hr_unified.hr_employees "
                             f"where person_key = 'bytehr:{employee['id']}'")
    assert value == f"P-{employee['id']}"
    assert warehouse.scalar("select hr_employees_column from hr_unified.hr_custom_fields "
                            "where field_key = 'Parking Spot'") == "custom_fields__parking_spot"
    assert {p: p.read_text() for p in Path(DBT_PROJECT_DIR).rglob("*.sql")} == sql_before

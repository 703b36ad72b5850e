"""dbt on a real Postgres server (tests/postgres_server.py): the same project, the same counts.

The credentials reach dbt only through dlt's runner (DESTINATION__POSTGRES__CREDENTIALS ->
DLT__CREDENTIALS__* -> dbt/profiles.yml); the password never shows in what dbt prints.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from pipelines.dbt.runner import DbtResult
from tests.dbt.kept_fields import check_retyped_and_archived_fields_show_current_values
from tests.dbt.warehouse import Warehouse, assert_clean, expected_counts, shared_warehouse
from tests.postgres_server import PostgresServer


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Iterator[Warehouse]:
    sizes = {"hollyhr": {"people": 60}, "cutehr": {"employees": 40}, "bytehr": {"employees": 50}}
    with shared_warehouse(tmp_path_factory, "postgres", postgres_server, **sizes) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def built(warehouse: Warehouse) -> tuple[DbtResult, str]:
    """One build, with dbt's own output (the runner streams it to stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = warehouse.dbt(quiet=False)
    return result, out.getvalue()


def test_build_on_postgres_matches_the_vendors(warehouse: Warehouse, built: tuple[DbtResult, str]) -> None:
    result, _ = built
    assert_clean(result)
    expected = expected_counts(warehouse.sandbox)
    assert result.rows == expected
    for model, per_provider in expected.items():
        got = dict(warehouse.query(f"select provider, count(*) from hr_unified.{model} group by provider"))
        assert got == per_provider, model


def test_postgres_types_and_custom_fields(warehouse: Warehouse, built: tuple[DbtResult, str]) -> None:
    columns = warehouse.columns("hr_unified", "hr_employees")
    assert columns["hire_date"] == "date"
    assert columns["source_updated_at"] == "timestamp with time zone"
    assert columns["custom_fields__badge_number"] in ("double precision", "bigint", "numeric")
    assert columns["custom_fields__remote_eligible"] == "boolean"
    employee = warehouse.sandbox.bytehr.records("employees")[1]
    values = {f["key"]: f["value"] for f in employee["custom_fields"]}
    badge, remote = warehouse.query(
        "select custom_fields__badge_number, custom_fields__remote_eligible from hr_unified.hr_employees "
        f"where person_key = 'bytehr:{employee['id']}'")[0]
    assert badge == values["badge_number"] and remote == values["remote_eligible"]


def test_dbt_output_carries_no_password(warehouse: Warehouse, built: tuple[DbtResult, str]) -> None:
    _, output = built
    password = urlsplit(warehouse.postgres_url).password
    assert password and password not in output
    assert "hr_employees" in output and "Completed successfully" in output  # dbt did talk


def test_retyped_and_archived_custom_fields_show_current_values(warehouse: Warehouse,
                                                                built: tuple[DbtResult, str]) -> None:
    check_retyped_and_archived_fields_show_current_values(warehouse)  # mutates the sandbox: last in the module

"""The load file format per destination, and what each keeps intact on a real DuckDB and Postgres."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dlt
import pytest

from pipelines.run import destinations
from pipelines.run.destinations import FILE_FORMATS, has_postgres_adbc, loader_file_format
from tests.harness import Harness, on_each_destination


def test_one_place_picks_the_fastest_supported_format(monkeypatch: pytest.MonkeyPatch) -> None:
    assert loader_file_format("duckdb") == "parquet"
    assert loader_file_format("bigquery") == "jsonl"  # a dict kept whole reaches autodetect as an object
    assert loader_file_format("postgres") == ("parquet" if has_postgres_adbc() else "insert_values")
    # without the ADBC driver Postgres falls back to dlt's INSERT statements, never to csv
    monkeypatch.setattr(destinations, "has_postgres_adbc", lambda: False)
    assert loader_file_format("postgres") == "insert_values"
    assert "csv" not in FILE_FORMATS.values()
    with pytest.raises(ValueError, match="unknown destination"):
        loader_file_format("snowflake")


def test_the_dev_install_has_the_postgres_adbc_driver() -> None:
    # `make test` installs the `postgres` extra: the suite must exercise the parquet path
    assert has_postgres_adbc()


def awkward_rows(version: int) -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": 'Zoë "Z" O\'Neil,\nsecond line', "middle_name": "", "nickname": None, "active": True,
         "hired_on": dt.date(2021, 3, 1), "updated_at": f"2026-11-2{version}T08:15:02Z", "fte": 0.8,
         "meta": {"source": "api", "tags": ["a", "b"]},
         "custom_fields": {"tshirt_size": "M" if version == 1 else "L", "badge_number": 4411,
                           "certifications": ["AWS", "PMP"]}},
        {"id": 2, "name": "名前 größe", "middle_name": "Q", "nickname": "", "active": False,
         "hired_on": dt.date(2022, 1, 31), "updated_at": "2026-11-20T08:15:03Z", "fte": 1.0,
         "meta": {"source": "csv, import", "tags": []},
         "custom_fields": {"tshirt_size": "S", "badge_number": 4412, "certifications": []}},
    ]


def resource(rows: list[dict[str, Any]]) -> Any:
    return dlt.resource(rows, name="people", primary_key="id", write_disposition="merge",
                        columns={"meta": {"data_type": "json"}, "nickname": {"data_type": "text"}})


POSTGRES_FORMATS = pytest.mark.parametrize("file_format", ["parquet", "insert_values"])


def check_round_trip(harness: Harness, file_format: str) -> None:
    harness.load(resource(awkward_rows(1)), loader_file_format=file_format)
    info = harness.load(resource(awkward_rows(2)[:1]), loader_file_format=file_format)  # merge an update
    assert not info.has_failed_jobs
    row_counts = harness.pipeline("evolve", "evolve").last_trace.last_normalize_info.row_counts
    assert row_counts["people"] == 1  # rows, not cells (dlt's csv writer counts cells: dlt-hub/dlt#4461)

    rows = harness.query(
        "select id, name, middle_name, nickname, active, hired_on, fte, custom_fields__tshirt_size, "
        "custom_fields__badge_number from evolve.people order by id")
    assert rows == [
        (1, 'Zoë "Z" O\'Neil,\nsecond line', "", None, True, dt.date(2021, 3, 1), 0.8, "L", 4411),
        (2, "名前 größe", "Q", "", False, dt.date(2022, 1, 31), 1.0, "S", 4412),
    ]
    assert harness.scalar("select updated_at from evolve.people where id = 1") == dt.datetime(
        2026, 11, 22, 8, 15, 2, tzinfo=dt.timezone.utc)
    # the list became a child table, replaced on merge
    children = harness.query(
        "select p.id, c.value from evolve.people p join evolve.people__custom_fields__certifications c "
        "on c._dlt_parent_id = p._dlt_id order by p.id, c._dlt_list_idx")
    assert children == [(1, "AWS"), (1, "PMP")]
    meta = harness.scalar("select meta from evolve.people where id = 2")
    meta = meta if isinstance(meta, dict) else __import__("json").loads(meta)
    assert meta == {"source": "csv, import", "tags": []}


@pytest.mark.parametrize("destination", ["postgres"])
@POSTGRES_FORMATS
def test_postgres_formats_keep_every_value(harness: Harness, file_format: str) -> None:
    check_round_trip(harness, file_format)


@pytest.mark.parametrize("destination", ["duckdb"])
def test_duckdb_parquet_keeps_every_value(harness: Harness) -> None:
    check_round_trip(harness, loader_file_format("duckdb"))


@on_each_destination
def test_json_column_type(harness: Harness) -> None:
    harness.load(resource(awkward_rows(1)))
    json_type = harness.column_types("evolve", "people")["meta"]
    # Postgres: json through ADBC's COPY (it cannot copy into jsonb), jsonb through INSERT
    assert json_type in {"duckdb": {"json"}, "postgres": {"json", "jsonb"}}[harness.destination]

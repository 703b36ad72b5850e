"""CuteHR leaves as Arrow tables: the same warehouse table, the string cursor, pages that do not fit.

Each page of leaves goes on as an Arrow table after dlt's incremental step (``_LeavesAsArrow`` in
sources/cutehr/__init__.py), which keeps working on dicts with ``modified_at`` as CuteHR sent it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sources.cutehr import settings
from tests.cutehr.helpers import ROUTES, start_cutehr
from tests.harness import Harness, on_each_destination
from tests.resilience.hostile import HostileProxy

SIZES = {"employees": 150, "leaves_per_employee": 2}  # 300 leaves, 2 pages of 200
ROUTE = ROUTES["leaves"]
# the leaves table as the dict records made it before leaves went as Arrow tables
COLUMNS = {
    "from_date": "date",
    "to_date": "date",
    "days": "double",
    "applied_at": "timestamp with time zone",
    "modified_at": "timestamp with time zone",
    "id": "bigint",
    "employee_id": "bigint",
    "leave_type": "varchar",
    "status": "varchar",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}


@pytest.fixture
def proxied(harness: Harness) -> Iterator[tuple[Any, HostileProxy]]:
    app = start_cutehr(harness, **SIZES)
    proxy = HostileProxy(app.base_url)
    harness.setenv("SOURCES__CUTEHR__BASE_URL", proxy.base_url)
    yield app, proxy
    proxy.close()


def _types(harness: Harness) -> dict[str, str]:
    words = {"character varying": "varchar", "text": "varchar", "double precision": "double"}
    return {k: words.get(v, v) for k, v in harness.column_types("cutehr", "leaves").items()}


def _cursor(harness: Harness) -> Any:
    return harness.state("cutehr")["sources"]["cutehr"]["resources"]["leaves"]["incremental"]["modified_at"][
        "last_value"]


@on_each_destination
def test_arrow_pages_keep_the_table_and_the_string_cursor(harness: Harness) -> None:
    app = start_cutehr(harness, **SIZES)
    first = harness.run("cutehr", resources=["leaves"])
    assert _types(harness) == COLUMNS
    assert first.rows["leaves"] == harness.count("cutehr", "leaves") == app.count("leaves")
    # rows came as Arrow tables: ArrowPages' row ids (16 characters; dlt's dict normalizer writes 14)
    assert harness.query("select distinct length(_dlt_id) from cutehr.leaves") == [(16,)]
    last = max(lv["modified_at"] for lv in app.records("leaves"))
    assert _cursor(harness) == last  # still the string CuteHR sent
    assert harness.run("cutehr", resources=["leaves"]).rows == {}
    leave = app.records("leaves")[5]
    app.update_leave(leave["id"], status="cancelled")
    third = harness.run("cutehr", resources=["leaves"])
    assert third.rows == {"leaves": 1}
    assert harness.scalar(f"select status from cutehr.leaves where id = {leave['id']}") == "cancelled"
    assert harness.count("cutehr", "leaves") == app.count("leaves")
    assert isinstance(_cursor(harness), str)
    assert _types(harness) == COLUMNS


def test_page_that_does_not_fit_goes_as_dicts(harness: Harness, proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied
    # one item per page here (the resource gathers pages up to LEAVES_BATCH_ROWS rows into one item)
    harness.monkeypatch.setattr(settings, "LEAVES_BATCH_ROWS", settings.PAGE_SIZE)
    proxy.on_json(ROUTE, lambda payload: payload["results"][0].update(days="n/a"))
    harness.run("cutehr", resources=["leaves"])
    types = _types(harness)
    assert {k: v for k, v in types.items() if k in COLUMNS} == COLUMNS
    assert types["days__v_text"] == "varchar"
    assert harness.count("cutehr", "leaves") == app.count("leaves")
    # the first item went as dicts (dlt's 14-character ids), the second as an Arrow table
    assert harness.query("select length(_dlt_id), count(*) from cutehr.leaves group by 1 order by 1") == [
        (14, 200), (16, app.count("leaves") - 200)]


def test_pages_are_gathered_into_one_item_up_to_the_batch_size(harness: Harness,
                                                               proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied
    assert app.count("leaves") < settings.LEAVES_BATCH_ROWS
    proxy.on_json(ROUTE, lambda payload: payload["results"][0].update(days="n/a"))
    harness.run("cutehr", resources=["leaves"])
    assert len(app.requests(ROUTES["leaves"])) > 1
    # every page in one item: the row that does not fit sends the whole item as dicts, none is lost
    assert harness.query("select length(_dlt_id), count(*) from cutehr.leaves group by 1") == [
        (14, app.count("leaves"))]


def test_row_without_primary_key_is_quarantined_before_the_table(harness: Harness,
                                                                 proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied
    proxy.on_json(ROUTE, lambda payload: payload["results"][3].pop("id"))
    result = harness.run("cutehr", resources=["leaves"])
    assert result.rows["_rejected"] == 1
    [(table, reason, record)] = harness.query("select table_name, reason, record from cutehr._rejected")
    assert (table, reason) == ("leaves", "missing primary key id")
    assert "id" not in (json.loads(record) if isinstance(record, str) else record)
    assert harness.count("cutehr", "leaves") == app.count("leaves") - 1
    assert _types(harness) == COLUMNS


def test_a_walk_closed_after_its_first_item_loses_no_leave(harness: Harness, proxied: tuple[Any, HostileProxy]) -> None:
    """dlt's add_limit closes the walk after one item: the state's boundary is that item's, nothing is skipped."""
    from sources.cutehr import cutehr_source

    app, _ = proxied
    harness.monkeypatch.setattr(settings, "LEAVES_BATCH_ROWS", settings.PAGE_SIZE)
    source = cutehr_source().with_resources("leaves")
    source.resources["leaves"].add_limit(1)
    harness.load(source, name="limited", dataset="limited")
    assert harness.count("limited", "leaves") == settings.PAGE_SIZE < app.count("leaves")
    harness.load(cutehr_source().with_resources("leaves"), name="limited", dataset="limited")
    assert harness.count("limited", "leaves") == app.count("leaves")

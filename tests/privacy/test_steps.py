"""The guard step on small dlt sources: corner cases of where it sits in the pipe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from sources._shared.context import RunContext
from sources._shared.guard import GuardSettings, protect_source
from sources._shared.guard.privacy import PiiPolicy, PiiSettings


def run(tmp_path: Path, source: Any) -> dict[str, list[tuple[Any, ...]]]:
    pipeline = dlt.pipeline(pipeline_name="steps", destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
                            dataset_name="steps", pipelines_dir=str(tmp_path / "p"))
    pipeline.run(source)
    out = {}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        for (table,) in con.execute("select table_name from information_schema.tables where table_schema = 'steps' "
                                    "and table_name not like '\\_dlt%' escape '\\'").fetchall():
            out[table] = con.execute(f'select * from steps."{table}"').fetchall()
    return out


def test_rejected_record_on_a_page_the_incremental_drops_is_not_lost(tmp_path: Path) -> None:
    runs = {"n": 0}

    @dlt.resource(name="items", primary_key="id", write_disposition="merge")
    def items(cursor: Any = dlt.sources.incremental("updated_at")) -> Iterator[Any]:
        runs["n"] += 1
        if runs["n"] == 1:
            yield [{"id": 1, "updated_at": "2026-01-06"}]
        else:  # the last page: the boundary record again (the incremental drops it) and one without its id
            yield [{"id": 1, "updated_at": "2026-01-06"}, {"updated_at": "2026-01-07", "name": "no id"}]

    @dlt.source(name="steps")
    def source() -> Any:
        return items

    def protected() -> Any:
        return protect_source(source(), "steps", GuardSettings(), PiiPolicy("steps", PiiSettings(), defaults={}),
                              context=RunContext())

    run(tmp_path, protected())
    tables = run(tmp_path, protected())
    assert [r[0] for r in tables["items"]] == [1]
    assert len(tables["_rejected"]) == 1


def test_items_routed_to_another_table_get_that_tables_pii_rules(tmp_path: Path) -> None:
    @dlt.resource(name="items", primary_key="id")
    def items() -> Iterator[Any]:
        yield [{"id": 1, "email": "a@example.com"}]
        yield dlt.mark.with_table_name([{"id": 2, "email": "b@example.com"}], "contacts")

    @dlt.source(name="steps")
    def source() -> Any:
        return items

    policy = PiiPolicy("steps", PiiSettings(action="drop"), defaults={"contacts": ("email",)})
    tables = run(tmp_path, protect_source(source(), "steps", GuardSettings(), policy, context=RunContext()))
    assert tables["items"] and "a@example.com" in str(tables["items"])
    assert tables["contacts"] and "b@example.com" not in str(tables["contacts"])


def test_fail_mode_adds_no_rejected_table(tmp_path: Path) -> None:
    @dlt.resource(name="items", primary_key="id")
    def items() -> Iterator[Any]:
        yield [{"id": 1}, {"name": "no id"}]

    @dlt.source(name="steps")
    def source() -> Any:
        return items

    src = protect_source(source(), "steps", GuardSettings(bad_records="fail"),
                         PiiPolicy("steps", PiiSettings(), defaults={}), context=RunContext())
    assert list(src.resources) == ["items"]
    with pytest.raises(Exception, match="missing primary key id"):
        run(tmp_path, src)

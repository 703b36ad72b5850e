"""ByteHR multi-select custom fields in ``hr_custom_field_history``, on DuckDB and Postgres.

Two daily runs of ByteHR against the sandbox (real loopback HTTP, the real pipeline): between them one
employee's selection of ``certifications`` gains an option, one's is cleared, and one employee changes
another field only (a new version whose list is unchanged). The expected intervals are computed from
the sandbox's records as each run saw them: a changed selection is a new interval, an unchanged list is
not, and the current interval holds what ``hr_employees`` shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
import time_machine

from sandbox import Sandbox
from sandbox.core import Clock
from tests.dbt.warehouse import Warehouse, assert_clean
from tests.postgres_server import PostgresServer

KEY = "certifications"
OTHER_KEY = "badge_number"
COLUMN = "custom_fields__certifications"

pytestmark = pytest.mark.timeout(600)

Interval = tuple[date, date | None, str | None]


def _list_text(employee: dict[str, Any]) -> str | None:
    """The field's value as the warehouse joins a list: its items in order, ', ' between; none: null."""
    value = next(f["value"] for f in employee["custom_fields"] if f["key"] == KEY)
    return ", ".join(str(item) for item in value) if value else None


def _seen(sb: Sandbox) -> dict[str, str | None]:
    return {str(e["id"]): _list_text(e) for e in sb.bytehr.records("employees")}


def _expected(runs: list[tuple[date, dict[str, str | None]]]) -> dict[str, list[Interval]]:
    """Per employee, the intervals of one joined value: a new one where it changed, leading nulls left out."""
    out: dict[str, list[Interval]] = {}
    for day, values in runs:
        for employee, text in values.items():
            intervals = out.setdefault(employee, [])
            if not intervals and text is None:
                continue
            if intervals and intervals[-1][2] == text:
                continue
            if intervals:
                start, _, previous = intervals[-1]
                intervals[-1] = (start, day - timedelta(days=1), previous)
            intervals.append((day, None, text))
    return {employee: intervals for employee, intervals in out.items() if intervals}


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


class Lists:
    def __init__(self, warehouse: Warehouse, runs: list[tuple[date, dict[str, str | None]]],
                 ids: dict[str, str]) -> None:
        self.warehouse = warehouse
        self.runs = runs
        self.ids = ids

    def intervals(self, key: str) -> dict[str, list[Interval]]:
        out: dict[str, list[Interval]] = {}
        for employee, valid_from, valid_to, value in self.warehouse.query(
                "select employee_id, valid_from, valid_to, value from hr_unified.hr_custom_field_history "
                f"where provider = 'bytehr' and \"key\" = '{key}' order by employee_id, valid_from"):
            out.setdefault(str(employee), []).append((_as_date(valid_from), _as_date(valid_to), value))  # type: ignore[arg-type]
        return out


def _run(warehouse: Warehouse, sb: Sandbox, moment: datetime) -> tuple[date, dict[str, str | None]]:
    sb.clock.set(moment)
    with time_machine.travel(moment, tick=True):
        seen = _seen(sb)
        result = warehouse.run("bytehr")
    assert result.status == "ok", result
    return moment.date(), seen


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def lists(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lists]:
    destination = request.param
    postgres: PostgresServer | None = request.getfixturevalue("postgres_server") if destination == "postgres" else None
    root = tmp_path_factory.mktemp(f"lists_{destination}")
    first = datetime.combine(datetime.now(timezone.utc).date() - timedelta(days=3), time(12), tzinfo=timezone.utc)
    with pytest.MonkeyPatch.context() as mp, \
            Sandbox(clock=Clock(first), vendors=("bytehr",), bytehr={"employees": 12}) as sb:
        warehouse = Warehouse(root, destination, mp, sb, postgres)
        try:
            runs = [_run(warehouse, sb, first)]
            options = next(d for d in sb.bytehr.records("custom_fields") if d["key"] == KEY)["options"]
            chosen = {employee: text for employee, text in runs[0][1].items() if text}
            changed, cleared, touched = sorted(chosen, key=int)[:3]
            employee = sb.bytehr.record("employees", int(changed))
            now = next(f["value"] for f in employee["custom_fields"] if f["key"] == KEY)
            sb.clock.set(first + timedelta(hours=23))
            sb.bytehr.set_custom_value(int(changed), KEY, [*now, next(o for o in options if o not in now)])
            sb.bytehr.set_custom_value(int(cleared), KEY, [])
            sb.bytehr.set_custom_value(int(touched), OTHER_KEY, 987654)
            runs.append(_run(warehouse, sb, first + timedelta(days=1)))
            result = warehouse.dbt()
            assert_clean(result)  # unique keys, no overlapping intervals
            yield Lists(warehouse, runs, {"changed": changed, "cleared": cleared, "touched": touched})
        finally:
            warehouse.close()


def test_a_changed_selection_is_a_new_interval_and_an_unchanged_list_is_not(lists: Lists) -> None:
    expected = _expected(lists.runs)
    got = lists.intervals(KEY)
    assert got == expected
    (day1, seen1), (day2, seen2) = lists.runs
    changed, cleared, touched = lists.ids["changed"], lists.ids["cleared"], lists.ids["touched"]
    assert got[changed] == [(day1, day2 - timedelta(days=1), seen1[changed]), (day2, None, seen2[changed])]
    assert got[cleared] == [(day1, day2 - timedelta(days=1), seen1[cleared]), (day2, None, None)]
    assert got[touched] == [(day1, None, seen1[touched])]  # a new version, the same list
    assert lists.intervals(OTHER_KEY)[touched][-1][0] == day2  # that version's other change is one


def test_the_current_interval_is_what_hr_employees_shows(lists: Lists) -> None:
    current = {str(source_id): value for source_id, value in lists.warehouse.query(
        f"select source_id, {COLUMN} from hr_unified.hr_employees where provider = 'bytehr'")}
    history = {employee: intervals[-1][2] for employee, intervals in lists.intervals(KEY).items()}
    assert history == {employee: value for employee, value in current.items() if employee in history}
    assert {employee for employee, value in current.items() if value} <= set(history)


def test_a_list_has_its_definitions_key_and_label_and_no_typed_value(lists: Lists) -> None:
    rows = lists.warehouse.query(
        "select distinct label, value_number, value_date, value_boolean, archived "
        f"from hr_unified.hr_custom_field_history where \"key\" = '{KEY}'")
    label = next(d for d in lists.warehouse.sandbox.bytehr.records("custom_fields") if d["key"] == KEY)
    assert rows == [(label["label"], None, None, None, False)]


def _execute(warehouse: Warehouse, sql: str) -> None:
    if warehouse.postgres_url:
        assert warehouse.postgres is not None
        with warehouse.postgres.connect(warehouse.postgres_url) as con, con.cursor() as cur:
            cur.execute(sql)
        return
    with duckdb.connect(warehouse.duckdb_path) as con:
        con.execute(sql)


def test_a_list_whose_versions_table_is_not_found_is_warned_about(lists: Lists) -> None:
    """Last in the module (it renames a table): dlt shortens a child table name past the destination's
    identifier limit with a hash, so the model cannot name it; it says so instead of leaving it out quietly."""
    table = f"employees_versions__{COLUMN}"
    warehouse = lists.warehouse
    _execute(warehouse, f"alter table bytehr.{table} rename to {table}_elsewhere")
    try:
        warehouse.dbt(command="run", select="bytehr__hr_custom_field_history")
    finally:
        _execute(warehouse, f"alter table bytehr.{table}_elsewhere rename to {table}")
    logs = "".join(path.read_text() for path in Path(warehouse.pipelines_dir).rglob("dbt.log"))
    assert f"multi-select field {COLUMN} has no versions table {table}" in logs

"""CuteHR dates and timestamps are parsed in the resource: the warehouse holds the vendor's instants, typed."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sources._shared.rows.timestamps import parse_iso_columns
from sources.cutehr.settings import PARSED_COLUMNS
from tests.cutehr.helpers import start_cutehr, today
from tests.harness import Harness

UTC = timezone.utc


def instant(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.astimezone(UTC)


def day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def column_types(harness: Harness, table: str) -> dict[str, str]:
    rows = harness.query("select column_name, data_type from information_schema.columns "
                         f"where table_schema = 'cutehr' and table_name = '{table}'")
    return {str(name): str(kind) for name, kind in rows}


def test_dates_and_timestamps_load_as_the_vendor_sent_them(harness: Harness) -> None:
    app = start_cutehr(harness, employees=40)
    harness.setenv("SOURCES__CUTEHR__ATTENDANCE_START_DATE", (today() - timedelta(days=20)).isoformat())
    result = harness.run("cutehr")
    assert result.rows["attendance"] > 0 and result.rows["leaves"] > 0

    for table, (dates, stamps) in PARSED_COLUMNS.items():
        types = column_types(harness, table)
        for name in dates:
            assert types[name] == "DATE", (table, name)
        for name in stamps:
            assert types[name] == "TIMESTAMP WITH TIME ZONE", (table, name)
        assert not [c for c in types if "__v_" in c], table  # no variant column: every value parsed

    def loaded(table: str, fields: tuple[str, ...]) -> dict[int, tuple[Any, ...]]:
        select = ", ".join(f'"{f}"' for f in fields)
        return {int(r[0]): tuple(r[1:]) for r in harness.query(f"select id, {select} from cutehr.{table}")}

    employees = loaded("employees", ("date_of_joining", "date_of_exit", "modified_at"))
    assert employees == {e["id"]: (day(e["date_of_joining"]), day(e["date_of_exit"]), instant(e["modified_at"]))
                         for e in app.records("employees")}
    leaves = loaded("leaves", ("from_date", "to_date", "applied_at", "modified_at"))
    assert leaves == {lv["id"]: (day(lv["from_date"]), day(lv["to_date"]), instant(lv["applied_at"]),
                                 instant(lv["modified_at"])) for lv in app.records("leaves")}
    attendance = loaded("attendance", ("date", "check_in", "check_out"))
    start = today() - timedelta(days=20)
    expected = {a["id"]: (day(a["date"]), instant(a["check_in"]), instant(a["check_out"]))
                for a in app.attendance_records(start, today())}
    assert attendance == expected
    assert any(v[1] is not None for v in expected.values())

    # an unchanged re-run loads nothing: the digests are of the records as received, not parsed
    again = harness.run("cutehr")
    assert not again.rows.get("attendance") and not again.rows.get("employees") and not again.rows.get("leaves")


def test_parse_iso_columns_keeps_what_does_not_parse() -> None:
    rows: list[dict[str, Any]] = [
        {"d": "2026-11-20", "t": "2026-11-20T08:15:02.123Z"},
        {"d": "20.11.2026", "t": "yesterday"},
        {"d": None, "t": "2026-11-20T08:15:02"},
        {"d": "2026-02-30", "t": "2026-11-20T09:15:02+01:00"},
        {"t": 1700000000},
    ]
    parse_iso_columns(rows, ("d",), ("t",))
    assert rows[0] == {"d": date(2026, 11, 20), "t": datetime(2026, 11, 20, 8, 15, 2, 123000, tzinfo=UTC)}
    assert rows[1] == {"d": "20.11.2026", "t": "yesterday"}
    assert rows[2] == {"d": None, "t": datetime(2026, 11, 20, 8, 15, 2, tzinfo=UTC)}  # no offset: UTC
    assert rows[3]["d"] == "2026-02-30" and instant(rows[3]["t"]) == datetime(2026, 11, 20, 8, 15, 2, tzinfo=UTC)
    assert rows[4] == {"t": 1700000000}

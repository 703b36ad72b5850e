"""How one field's counts become a status (pipelines/observe/quality.py ``judge``), and what a vendor may declare."""

from __future__ import annotations

import pytest

from pipelines.observe.quality import judge
from pipelines.observe.table_fill import ColumnFill
from sources._shared.coverage import FieldCount, FieldCoverage


@pytest.mark.parametrize(("count", "rows", "earlier", "may_be_null", "status"), [
    (FieldCount(10, 10), 10, None, False, "ok"),
    (FieldCount(0, 0), 10, None, False, "absent"),
    (FieldCount(0, 0), 10, 0.9, True, "regression"),  # withheld now, populated before: nullable or not
    (FieldCount(10, 0), 10, None, False, "empty"),
    (FieldCount(10, 0), 1, 1.0, False, "regression"),
    (FieldCount(10, 0), 10, None, True, "ok"),  # a field that may be null, never seen populated
    (FieldCount(3, 0), 3, 0.08, True, "ok"),  # 3 rows of a field 8% populated: all null is likely
    (FieldCount(200, 0), 200, 0.08, True, "regression"),  # 200 rows: 0.92 ** 200 is far below 0.1%
])
def test_status_of_a_field(count: FieldCount, rows: int, earlier: float | None, may_be_null: bool,
                           status: str) -> None:
    assert judge(count, rows, earlier, may_be_null) == status


def test_a_nullable_field_must_be_documented() -> None:
    with pytest.raises(ValueError, match="may_be_null\\['people'\\] names undocumented fields: nickname"):
        FieldCoverage(documented={"people": ("id",)}, may_be_null={"people": ("nickname",)},
                      withheld_hint="check the key", custom_fields=None)


@pytest.mark.parametrize(("count", "fill", "may_be_null", "status"), [
    # one record without the field after loads that had it: the table keeps its values
    (FieldCount(1, 0), ColumnFill(before=12, after=12, rows_before=100, rows_after=100), True, "ok"),
    (FieldCount(1, 0), ColumnFill(before=99, after=99, rows_before=100, rows_after=100), False, "ok"),
    (FieldCount(0, 0), ColumnFill(before=12, after=12, rows_before=100, rows_after=100), True, "ok"),
    # the key gone from every record, and re-read records that had it lost it
    (FieldCount(0, 0), ColumnFill(before=12, after=2, rows_before=100, rows_after=100), True, "regression"),
    # rows that left the table (hard deletes) are not values taken away
    (FieldCount(0, 0), ColumnFill(before=12, after=10, rows_before=100, rows_after=98), True, "ok"),
    # a snapshot walk: filled before, empty now
    (FieldCount(100, 0), ColumnFill(before=40, after=0, rows_before=100, rows_after=100), True, "regression"),
    # the table never held a value
    (FieldCount(0, 0), ColumnFill(before=0, after=0, rows_before=0, rows_after=10), False, "absent"),
    (FieldCount(10, 0), ColumnFill(before=0, after=0, rows_before=0, rows_after=10), False, "empty"),
    (FieldCount(10, 0), ColumnFill(before=0, after=0, rows_before=0, rows_after=10), True, "ok"),
])
def test_status_judged_against_the_table(count: FieldCount, fill: ColumnFill, may_be_null: bool,
                                         status: str) -> None:
    assert judge(count, count.present or 1, 1.0, may_be_null, fill) == status

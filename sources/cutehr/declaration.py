"""CuteHR's resources, each declared once (:mod:`sources._shared.declare`), in load order.

``settings.py`` (paths, column hints, Arrow columns, parsed columns) and ``spec.py`` (PII, BigQuery,
dbt, coverage) derive from this list; ``shared/providers/cutehr.md`` is the contract, its paths [assumed].
"""

from __future__ import annotations

from dlt.common.schema.typing import TColumnSchema

from sources._shared.declare import BigQueryLayout, Resource

# column types the API sends as strings (the resources' column hints)
_EMPLOYEE_TYPES: dict[str, TColumnSchema] = {
    "date_of_joining": {"data_type": "date"},
    "date_of_exit": {"data_type": "date"},
    "modified_at": {"data_type": "timestamp"},
}
_LEAVE_TYPES: dict[str, TColumnSchema] = {
    "from_date": {"data_type": "date"},
    "to_date": {"data_type": "date"},
    "days": {"data_type": "double"},
    "applied_at": {"data_type": "timestamp"},
    "modified_at": {"data_type": "timestamp", "dedup_sort": "desc"},
}
# every column of attendance, in the table's order: its hints and the Arrow schema of its pages
_ATTENDANCE_COLUMNS: dict[str, TColumnSchema] = {
    "date": {"data_type": "date"},
    "check_in": {"data_type": "timestamp"},
    "check_out": {"data_type": "timestamp"},
    "worked_hours": {"data_type": "double"},
    "id": {"data_type": "bigint", "nullable": False},
    "employee_id": {"data_type": "bigint"},
    "status": {"data_type": "text"},
}

# Arrow columns of employees and departments (sources/_shared/rows/arrow.py): every column, in the order the
# dict records gave the table (the resource's hints first, `_deleted_at` from the snapshot hints, then the
# record's fields), with their types. Not in delete_mode scd2 (dlt's row hash is `_dlt_id` there). Leaves: the
# Arrow schema of its pages, built after the incremental step (which keeps `modified_at` a string).
RESOURCES = (
    Resource(
        name="employees", path="/api/v1/employees", primary_key=("id",), sync="snapshot",
        fields=("id", "emp_code", "name", "email", "phone", "department_id", "designation",
                "reporting_manager_id", "date_of_joining", "date_of_exit", "status", "modified_at"),
        may_be_null=("phone", "department_id", "reporting_manager_id", "date_of_exit"),  # no manager, employed
        pii=("name", "email", "phone"), bigquery=BigQueryLayout(cluster=("id",)), dbt=True,
        columns=_EMPLOYEE_TYPES, dates=("date_of_joining", "date_of_exit"), timestamps=("modified_at",),
        arrow_columns={
            **_EMPLOYEE_TYPES,
            "_deleted_at": {"data_type": "timestamp"},
            "id": {"data_type": "bigint", "nullable": False},
            "emp_code": {"data_type": "text"},
            "name": {"data_type": "text"},
            "email": {"data_type": "text"},
            "phone": {"data_type": "text"},
            "department_id": {"data_type": "bigint"},
            "designation": {"data_type": "text"},
            "reporting_manager_id": {"data_type": "bigint"},
            "status": {"data_type": "text"},
        },
    ),
    Resource(
        name="departments", path="/api/v1/departments", primary_key=("id",), sync="snapshot",
        fields=("id", "name", "head_id"), may_be_null=("head_id",),
        pii=(), bigquery=None, dbt=True,
        arrow_columns={
            "_deleted_at": {"data_type": "timestamp"},
            "id": {"data_type": "bigint", "nullable": False},
            "name": {"data_type": "text"},
            "head_id": {"data_type": "bigint"},
        },
    ),
    Resource(
        name="leaves", path="/api/v1/leaves", primary_key=("id",), sync="incremental", cursor="modified_at",
        fields=("id", "employee_id", "leave_type", "from_date", "to_date", "days", "status", "applied_at",
                "modified_at"),
        pii=(), bigquery=BigQueryLayout(partition=("from_date", "date"), cluster=("employee_id",)), dbt=True,
        # `modified_at` stays a string in the resource: it is the incremental cursor
        columns=_LEAVE_TYPES, dates=("from_date", "to_date"), timestamps=("applied_at",),
        arrow_columns={
            **_LEAVE_TYPES,
            "id": {"data_type": "bigint", "nullable": False},
            "employee_id": {"data_type": "bigint"},
            "leave_type": {"data_type": "text"},
            "status": {"data_type": "text"},
        },
    ),
    Resource(
        name="attendance", path="/api/v1/attendance", primary_key=("id",), sync="windows", cursor="date",
        fields=("id", "employee_id", "date", "check_in", "check_out", "worked_hours", "status"),
        may_be_null=("check_in", "check_out", "worked_hours"),  # a day not worked
        pii=(), bigquery=BigQueryLayout(partition=("date", "date"), cluster=("employee_id",)), dbt=True,
        columns=_ATTENDANCE_COLUMNS, dates=("date",), timestamps=("check_in", "check_out"),
        arrow_columns=_ATTENDANCE_COLUMNS,
    ),
)

"""ByteHR's resources, each declared once (:mod:`sources._shared.declare`), in load order (walk_priority's default).

Every ByteHR resource is a full snapshot walked page by page (no filter by update time).
``settings.py`` (paths, keys, timestamps, Arrow columns, key order, walk priority) and ``spec.py``
(PII, BigQuery, dbt, coverage) derive from this list; ``shared/providers/bytehr.md`` is the contract,
its paths [assumed].
"""

from __future__ import annotations

from sources._shared.declare import BigQueryLayout, Resource

RESOURCES = (
    # first: its single request tells the quota to the others; it is also the credentials probe
    Resource(
        name="custom_field_definitions", path="/custom-fields", primary_key=("key",), sync="snapshot",
        # a definition's `options` is left out: the resource drops it when null (non-choice fields), so its
        # presence says nothing about the API
        fields=("key", "label", "type", "entity", "archived", "created_at"),
        timestamps=("created_at",),
        ordered=False,  # /custom-fields is served in creation order
        walk_priority=0, pii=(), bigquery=None, dbt=True,
    ),
    Resource(
        name="employees", path="/employees", primary_key=("id",), sync="snapshot",
        # active custom field definitions count as documented fields of employees too (coverage.py)
        fields=("id", "employee_code", "first_name", "last_name", "email", "department_id", "position_id",
                "manager_id", "employment_status", "employment_type", "hire_date", "termination_date",
                "updated_at", "custom_fields"),
        may_be_null=("manager_id", "termination_date"),  # the top manager, still employed
        # custom fields are pivoted into `custom_fields.<column>` before PII rules apply
        pii=("first_name", "last_name", "email", "custom_fields.*"),
        bigquery=BigQueryLayout(cluster=("id",), record_columns=("custom_fields",)), dbt=True,
        timestamps=("updated_at",), ordered=True, walk_priority=1,
    ),
    Resource(
        name="leave_requests", path="/leave-requests", primary_key=("id",), sync="snapshot",
        fields=("id", "employee_id", "leave_type", "start_date", "end_date", "days", "status", "updated_at"),
        pii=(), bigquery=BigQueryLayout(partition=("start_date", "date"), cluster=("employee_id",)), dbt=True,
        timestamps=("updated_at",), ordered=True, walk_priority=2,
        # new and changed records go to dlt as Arrow tables (sources/_shared/rows/arrow.py): every column, in
        # the table's order, with the types the dict records gave them (`_deleted_at` first, as the snapshot
        # hints put it; dates stay strings, `days` a whole number)
        arrow_columns={
            "_deleted_at": {"data_type": "timestamp"},
            "id": {"data_type": "bigint", "nullable": False},
            "employee_id": {"data_type": "bigint"},
            "leave_type": {"data_type": "text"},
            "start_date": {"data_type": "text"},
            "end_date": {"data_type": "text"},
            "days": {"data_type": "bigint"},
            "status": {"data_type": "text"},
            "updated_at": {"data_type": "timestamp"},
        },
    ),
    Resource(
        name="departments", path="/departments", primary_key=("id",), sync="snapshot",
        fields=("id", "name", "parent_id", "cost_center", "updated_at"),
        may_be_null=("parent_id", "cost_center"),  # a root department, no cost center
        timestamps=("updated_at",), ordered=True, walk_priority=3, pii=(), bigquery=None, dbt=True,
    ),
    Resource(
        name="positions", path="/positions", primary_key=("id",), sync="snapshot",
        fields=("id", "title", "level", "department_id", "updated_at"),
        timestamps=("updated_at",), ordered=True, walk_priority=4, pii=(), bigquery=None, dbt=True,
    ),
)

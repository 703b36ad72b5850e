"""HollyHR's resources, each declared once (:mod:`sources._shared.declare`), in load order.

``settings.py`` (paths, scopes, children, coverage), ``webhooks.py`` (event types) and ``spec.py``
(PII, BigQuery, dbt, coverage) derive from this list; ``shared/providers/hollyhr.md`` is the contract.
"""

from __future__ import annotations

from sources._shared.declare import BigQueryLayout, Resource

PERSON_EVENTS = ("person", "employment", "employment_history")  # a person's change reaches all three

RESOURCES = (
    Resource(
        name="people", path="/people", primary_key=("id",), sync="incremental", cursor="updated_at",
        scope="people:read",
        fields=("id", "first_name", "last_name", "preferred_name", "work_email", "job_title", "department",
                "manager_id", "location", "employment_type", "status", "start_date", "end_date", "created_at",
                "updated_at"),
        may_be_null=("preferred_name", "manager_id", "end_date"),  # no preferred name, the top manager, employed
        pii=("first_name", "last_name", "preferred_name", "work_email"),
        bigquery=BigQueryLayout(cluster=("id",)), dbt=True, webhook_events=PERSON_EVENTS,
    ),
    Resource(
        name="employments", path="/people/{person_id}/employment", primary_key=("person_id",), sync="child",
        scope="people:read",
        fields=("person_id", "job_title", "department", "start_date", "employment_type", "weekly_hours",
                "updated_at"),
        pii=(), bigquery=None, dbt=True, webhook_events=PERSON_EVENTS,
    ),
    Resource(
        name="employment_history", path="/people/{person_id}/employment-history", primary_key=("id",),
        sync="child", scope="people:read",
        fields=("id", "person_id", "job_title", "department", "start_date", "end_date", "created_at"),
        pii=(), bigquery=BigQueryLayout(cluster=("person_id",)), dbt=True, webhook_events=PERSON_EVENTS,
    ),
    Resource(
        name="time_off", path="/time-off", primary_key=("id",), sync="incremental", cursor="updated_at",
        scope="time_off:read",
        fields=("id", "person_id", "policy", "start_date", "end_date", "duration_days", "status", "updated_at"),
        pii=(), bigquery=BigQueryLayout(partition=("start_date", "date"), cluster=("person_id",)), dbt=True,
        webhook_events=("time_off",),
    ),
    Resource(
        name="documents", path="/documents", primary_key=("id",), sync="incremental", cursor="updated_at",
        scope="documents:read",
        fields=("id", "person_id", "title", "category", "file_name", "content_type", "size_bytes", "uploaded_at",
                "updated_at", "deleted_at"),
        may_be_null=("deleted_at",),
        pii=("title", "file_name"), bigquery=None, dbt=True, webhook_events=("document",),
    ),
)

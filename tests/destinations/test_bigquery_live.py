"""BigQuery for real: runs only when a service account is configured, else skipped with the reason.

    DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID=my-project \\
    DESTINATION__BIGQUERY__CREDENTIALS__CLIENT_EMAIL=loader@my-project.iam.gserviceaccount.com \\
    DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY="$(jq -r .private_key key.json)" \\
    .venv/bin/python -m pytest -rs tests/destinations/test_bigquery_live.py

Each test loads into datasets of its own (``hr_elt_test_<random>``, plus dlt's ``_staging``) and
deletes them afterwards. Covers: ByteHR-shaped employees with custom_fields as one RECORD column,
a merge update, monthly partitioning and clustering of leave requests, HollyHR end to end from
the sandbox through ``run_vendor``, exact counts read back by SQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest

from pipelines.run.destinations import adapt_source, loader_file_format
from tests.destinations.bytehr_like import bytehr_like_source, employee, leave_request
from tests.harness import Harness

PROJECT = os.environ.get("DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID", "")
HAS_KEY = bool(os.environ.get("DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY")
               or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"))

pytestmark = pytest.mark.skipif(
    not (PROJECT and HAS_KEY),
    reason="live BigQuery: set DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID, __PRIVATE_KEY and __CLIENT_EMAIL "
           "(or GOOGLE_APPLICATION_CREDENTIALS) to run it",
)


def bq_client() -> Any:
    """A google BigQuery client from the same settings dlt reads."""
    from google.cloud import bigquery
    from google.oauth2 import service_account

    key = os.environ.get("DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY")
    if not key:
        return bigquery.Client(project=PROJECT)
    info = {"type": "service_account", "project_id": PROJECT, "private_key": key.replace("\\n", "\n"),
            "client_email": os.environ.get("DESTINATION__BIGQUERY__CREDENTIALS__CLIENT_EMAIL", ""),
            "token_uri": "https://oauth2.googleapis.com/token"}
    return bigquery.Client(project=PROJECT, credentials=service_account.Credentials.from_service_account_info(info))


@pytest.fixture
def dataset() -> Iterator[str]:
    name = f"hr_elt_test_{uuid.uuid4().hex[:10]}"
    yield name
    client = bq_client()
    for suffix in ("", "_staging"):
        client.delete_dataset(f"{PROJECT}.{name}{suffix}", delete_contents=True, not_found_ok=True)


def scalar(sql: str) -> Any:
    return next(iter(bq_client().query(sql).result()))[0]


def load(pipeline: Any, source: Any) -> Any:
    adapt_source(source, "bigquery")
    info = pipeline.run(source, loader_file_format=loader_file_format("bigquery"))
    assert not info.has_failed_jobs
    return info


def test_bytehr_employees_land_with_a_record_column(tmp_path: Path, dataset: str) -> None:
    pipeline = dlt.pipeline(pipeline_name="bytehr_live", destination="bigquery", dataset_name=dataset,
                            pipelines_dir=str(tmp_path / "pipelines"))
    load(pipeline, bytehr_like_source([employee(i) for i in range(1, 6)], [leave_request(i) for i in range(4)]))

    client = bq_client()
    employees = client.get_table(f"{PROJECT}.{dataset}.employees")
    custom = next(f for f in employees.schema if f.name == "custom_fields")
    assert custom.field_type in ("RECORD", "STRUCT")
    sub = {f.name: f for f in custom.fields}
    assert {"tshirt_size", "badge_number", "remote_eligible", "visa_expiry", "certifications"} <= set(sub)
    assert sub["certifications"].mode == "REPEATED"
    assert employees.clustering_fields == ["id"]
    leave = client.get_table(f"{PROJECT}.{dataset}.leave_requests")
    assert leave.time_partitioning is not None and leave.time_partitioning.type_ == "MONTH"
    assert leave.time_partitioning.field == "start_date"
    assert leave.clustering_fields == ["employee_id"]
    assert scalar(f"select count(*) from `{PROJECT}.{dataset}.employees`") == 5
    assert scalar(f"select count(distinct id) from `{PROJECT}.{dataset}.employees`") == 5
    assert scalar(f"select count(*) from `{PROJECT}.{dataset}.leave_requests`") == 4

    # a merge update: same keys, changed value
    load(pipeline, bytehr_like_source([employee(2, tshirt_size="XL")]))
    assert scalar(f"select count(*) from `{PROJECT}.{dataset}.employees`") == 5
    assert scalar(f"select custom_fields.tshirt_size from `{PROJECT}.{dataset}.employees` where id = 1002") == "XL"


# Not run here (no BigQuery credentials on this machine). Watch for dlt-hub/dlt#2035: on merge dlt
# creates the final table LIKE the staging table once; if it never widens the RECORD, this fails.
def test_bytehr_new_custom_field_on_merge(tmp_path: Path, dataset: str) -> None:
    pipeline = dlt.pipeline(pipeline_name="bytehr_live", destination="bigquery", dataset_name=dataset,
                            pipelines_dir=str(tmp_path / "pipelines"))
    load(pipeline, bytehr_like_source([employee(i) for i in range(1, 4)]))
    load(pipeline, bytehr_like_source([employee(2, shoe_size=44)]))
    assert scalar(f"select custom_fields.shoe_size from `{PROJECT}.{dataset}.employees` where id = 1002") == 44
    assert scalar(f"select count(*) from `{PROJECT}.{dataset}.employees`") == 3


def test_hollyhr_end_to_end_from_the_sandbox(harness: Harness, dataset: str) -> None:
    app = harness.start("hollyhr", people=20, time_off_per_person=1, documents_per_person=1, history_per_person=1)
    result = harness.run("hollyhr", destination="bigquery", dataset=dataset)
    assert result.rows["people"] == app.count("people")
    for table in ("people", "time_off", "documents", "employments", "employment_history"):
        assert scalar(f"select count(*) from `{PROJECT}.{dataset}.{table}`") == app.count(table), table

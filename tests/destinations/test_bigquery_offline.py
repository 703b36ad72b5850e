"""BigQuery without a network: the table shapes, DDL and load jobs dlt would send, for ByteHR.

The pipeline is real up to the load step: fake service-account credentials (a freshly made RSA
key), ``extract()`` + ``normalize()`` through ``adapt_source``, then the BigQuery destination
client is asked for the DDL it would run and builds the load job it would submit; only the
upload itself (``Client.load_table_from_file``, the network call) is intercepted to read the
``LoadJobConfig`` the google client would send.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import dlt
import pytest

from pipelines.run.destinations import adapt_source, loader_file_format
from sources import registry
from sources.bytehr import bytehr_source
from tests.destinations.bytehr_like import bytehr_like_source, employee, leave_request


@pytest.fixture(scope="module")
def service_account_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def bq_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service_account_key: str) -> Iterator[Any]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID", "hr-elt-offline")
    monkeypatch.setenv("DESTINATION__BIGQUERY__CREDENTIALS__CLIENT_EMAIL", "loader@hr-elt-offline.iam.example")
    monkeypatch.setenv("DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY", service_account_key)
    yield dlt.pipeline(pipeline_name="bytehr", destination="bigquery", dataset_name="bytehr",
                       pipelines_dir=str(tmp_path / "pipelines"))


def extract_normalize(pipeline: Any, source: Any, adapt: bool = True) -> str:
    if adapt:
        adapt_source(source, "bigquery")
    pipeline.extract(source, loader_file_format=loader_file_format("bigquery"))
    pipeline.normalize()
    return str(pipeline.list_normalized_load_packages()[-1])


def job_files(pipeline: Any, load_id: str) -> dict[str, str]:
    package = pipeline._get_load_storage().normalized_packages.get_load_package_info(load_id)
    return {job.job_file_info.table_name: job.file_path for job in package.jobs["new_jobs"]}


def read_jsonl(path: str) -> list[dict[str, Any]]:
    opener: Any = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sent_load_jobs(pipeline: Any, load_id: str, tables: list[str]) -> dict[str, Any]:
    """The (destination table, LoadJobConfig) the BigQuery client would send per table's file."""
    files = job_files(pipeline, load_id)
    sent: dict[str, Any] = {}
    with pipeline.destination_client() as client:
        for table in tables:
            prepared = client.prepare_load_table(table)
            staging = prepared["write_disposition"] == "merge"  # merge loads land in the staging dataset
            with client.with_staging_dataset() if staging else _nothing(), client.sql_client as sql:
                with mock.patch.object(sql.native_connection, "load_table_from_file") as upload:
                    client._create_load_job(prepared, files[table])
                (_file, destination_table), kwargs = upload.call_args
                sent[table] = (destination_table, kwargs["job_config"])
    return sent


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_custom_fields_are_one_record_column(bq_pipeline: Any) -> None:
    source = bytehr_like_source([employee(1), employee(2, **{"Badge Color": "red"}), employee(3, certifications=[])])
    load_id = extract_normalize(bq_pipeline, source)

    schema = bq_pipeline.default_schema
    columns = schema.get_table_columns("employees")
    assert columns["custom_fields"]["data_type"] == "json"  # kept whole, not custom_fields__<key>
    assert not [c for c in columns if c.startswith("custom_fields__")]
    assert not [t for t in schema.tables if t.startswith("employees__")]  # lists stay inside the record

    # the file BigQuery receives holds the record as a JSON object, keys normalized like columns
    rows = {r["id"]: r for r in read_jsonl(job_files(bq_pipeline, load_id)["employees"])}
    assert rows[1001]["custom_fields"] == {"tshirt_size": "M", "badge_number": 4401, "remote_eligible": False,
                                           "visa_expiry": "2027-01-31", "certifications": ["AWS", "PMP"]}
    assert rows[1002]["custom_fields"]["badge_color"] == "red"

    with bq_pipeline.destination_client() as client:
        prepared = client.prepare_load_table("employees")
        assert prepared["x-bigquery-autodetect-schema"] is True
        # no DDL: BigQuery's schema autodetection makes custom_fields a RECORD from the JSON objects
        assert client._get_table_update_sql("employees", list(prepared["columns"].values()), False) == []

    destination_table, config = sent_load_jobs(bq_pipeline, load_id, ["employees"])["employees"]
    assert destination_table == "hr-elt-offline.bytehr_staging.employees"
    api = config.to_api_repr()["load"]
    assert api["sourceFormat"] == "NEWLINE_DELIMITED_JSON"
    assert api["autodetect"] is True
    assert api["createDisposition"] == "CREATE_IF_NEEDED"
    assert "ALLOW_FIELD_ADDITION" in api["schemaUpdateOptions"]  # a new custom field adds a nested field
    assert api["clustering"] == {"fields": ["id"]}
    assert api["maxBadRecords"] == 0


def test_without_the_adaptation_dlt_would_flatten_custom_fields(bq_pipeline: Any) -> None:
    extract_normalize(bq_pipeline, bytehr_like_source([employee(1)]), adapt=False)
    columns = bq_pipeline.default_schema.get_table_columns("employees")
    assert "custom_fields" not in columns
    assert "custom_fields__tshirt_size" in columns
    assert "employees__custom_fields__certifications" in bq_pipeline.default_schema.tables


def test_leave_requests_are_partitioned_by_month_and_clustered(bq_pipeline: Any) -> None:
    load_id = extract_normalize(bq_pipeline, bytehr_like_source([employee(1)], [leave_request(i) for i in range(3)]))
    with bq_pipeline.destination_client() as client:
        prepared = client.prepare_load_table("leave_requests")
        assert prepared["columns"]["start_date"]["data_type"] == "date"
        [ddl] = client._get_table_update_sql("leave_requests", list(prepared["columns"].values()), False)
    assert ddl.startswith("CREATE TABLE `hr-elt-offline`.`bytehr`.`leave_requests`")
    assert "`start_date` DATE" in ddl
    assert "PARTITION BY DATE_TRUNC(`start_date`, MONTH)" in ddl
    assert "CLUSTER BY `employee_id`" in ddl
    _table, config = sent_load_jobs(bq_pipeline, load_id, ["leave_requests"])["leave_requests"]
    api = config.to_api_repr()["load"]
    assert api["autodetect"] is False and api["createDisposition"] == "CREATE_NEVER"  # dlt made the table


def test_a_custom_field_type_change_goes_to_a_variant_field(bq_pipeline: Any) -> None:
    extract_normalize(bq_pipeline, bytehr_like_source([employee(1), employee(2)]))
    # next run: the admins turned badge_number into text; a nested field's type cannot change on BigQuery
    load_id = extract_normalize(bq_pipeline, bytehr_like_source([employee(3, badge_number="B-0043"), employee(4)]))
    rows = {r["id"]: r["custom_fields"] for r in read_jsonl(job_files(bq_pipeline, load_id)["employees"])}
    assert rows[1003]["badge_number__v_text"] == "B-0043" and "badge_number" not in rows[1003]
    assert rows[1004]["badge_number"] == 4404
    state = bq_pipeline.state["sources"]["bytehr"]["resources"]["employees"]["bigquery_record_types"]
    assert state["custom_fields"]["badge_number"] == "bigint"
    assert state["custom_fields"]["badge_number__v_text"] == "text"


def test_hollyhr_from_the_sandbox_adapts_cleanly(bq_pipeline: Any, harness: Any) -> None:
    from sources.hollyhr import hollyhr_source

    app = harness.start("hollyhr", people=10, time_off_per_person=2, documents_per_person=1, history_per_person=1)
    load_id = extract_normalize(bq_pipeline, hollyhr_source())  # real HTTP to the sandbox
    with bq_pipeline.destination_client() as client:
        prepared = client.prepare_load_table("time_off")
        [ddl] = client._get_table_update_sql("time_off", list(prepared["columns"].values()), False)
        people = client.prepare_load_table("people")
        [people_ddl] = client._get_table_update_sql("people", list(people["columns"].values()), False)
    assert "PARTITION BY DATE_TRUNC(`start_date`, MONTH)" in ddl and "CLUSTER BY `person_id`" in ddl
    assert "CLUSTER BY `id`" in people_ddl and "PARTITION" not in people_ddl
    assert len(read_jsonl(job_files(bq_pipeline, load_id)["time_off"])) == app.count("time_off")


def test_layouts_are_consistent() -> None:
    for vendor, tables in ((spec.name, spec.bigquery) for spec in registry.specs()):
        for table, layout in tables.items():
            assert layout.partition is None or layout.partition[1] in ("date", "timestamp"), (vendor, table)
            assert not (set(layout.cluster) & set(layout.record_columns)), (vendor, table)


def test_bytehr_from_the_sandbox_lands_custom_fields_as_one_record(bq_pipeline: Any, harness: Any) -> None:
    app = harness.start("bytehr", employees=30, departments=3, positions=5, leave_requests=20)
    load_id = extract_normalize(bq_pipeline, bytehr_source())  # real HTTP to the sandbox
    schema = bq_pipeline.default_schema
    columns = schema.get_table_columns("employees")
    assert columns["custom_fields"]["data_type"] == "json"
    assert not [c for c in columns if c.startswith("custom_fields__")]
    assert not [t for t in schema.tables if t.startswith("employees__custom_fields")]
    rows = read_jsonl(job_files(bq_pipeline, load_id)["employees"])
    assert len(rows) == app.count("employees")
    assert all(isinstance(r.get("custom_fields", {}), dict) for r in rows)
    assert any(r.get("custom_fields") for r in rows)
    with bq_pipeline.destination_client() as client:
        assert client.prepare_load_table("employees")["x-bigquery-autodetect-schema"] is True
        leave = client.prepare_load_table("leave_requests")
        [ddl] = client._get_table_update_sql("leave_requests", list(leave["columns"].values()), False)
    assert "PARTITION BY DATE_TRUNC(`start_date`, MONTH)" in ddl and "CLUSTER BY `employee_id`" in ddl
    _table, config = sent_load_jobs(bq_pipeline, load_id, ["employees"])["employees"]
    assert config.autodetect is True and config.clustering_fields == ["id"]


def test_a_tenant_source_gets_its_vendor_layout(bq_pipeline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.run.runner import build_source
    from pipelines.run.tenants import Target

    monkeypatch.setenv("SOURCES__HOLLYHR_ACME__API_TOKEN", "not-a-real-token")
    monkeypatch.setenv("SOURCES__HOLLYHR_ACME__BASE_URL", "http://127.0.0.1:9/api/v1")
    source = build_source(Target("hollyhr", "acme"), destination="bigquery")  # the run path's step; lazy: no request
    assert source.name == "hollyhr_acme"
    hints = source.resources["time_off"].compute_table_schema()
    assert list(hints["x-bigquery-partition"]) == ["start_date"]  # type: ignore[typeddict-item]
    assert hints["x-bigquery-cluster-columns"] == ["person_id"]  # type: ignore[typeddict-item]

"""OpenLineage run events through the client's file transport, read back with the client's own classes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import data_quality_metrics_dataset as dq
from openlineage.client.facet_v2 import error_message_run, schema_dataset, tags_run
from openlineage.client.facet_v2 import output_statistics_output_dataset as stats
from openlineage.client.serde import Serde

from tests.harness import Harness


def configure(harness: Harness) -> Path:
    """An ``openlineage.yml`` with the file transport, named by ``OPENLINEAGE_CONFIG``."""
    events = harness.tmp_path / "events.jsonl"
    config = harness.tmp_path / "openlineage.yml"
    config.write_text(f"transport:\n  type: file\n  log_file_path: {events}\n  append: true\n")
    harness.setenv("OPENLINEAGE_CONFIG", str(config))
    return events


def parse(raw: dict[str, Any]) -> RunEvent:
    """The event rebuilt from its JSON with the client's classes (their validators check ids and times)."""
    outputs = []
    for out in raw.get("outputs", []):
        facets: dict[str, Any] = {"schema": schema_dataset.SchemaDatasetFacet(fields=[
            schema_dataset.SchemaDatasetFacetFields(name=f["name"], type=f["type"])
            for f in out["facets"]["schema"]["fields"]])}
        if "dataQualityMetrics" in out["facets"]:
            metrics = out["facets"]["dataQualityMetrics"]
            facets["dataQualityMetrics"] = dq.DataQualityMetricsDatasetFacet(
                rowCount=metrics["rowCount"],
                columnMetrics={name: dq.ColumnMetrics(nullCount=m["nullCount"])
                               for name, m in metrics["columnMetrics"].items()})
        outputs.append(OutputDataset(namespace=out["namespace"], name=out["name"], facets=facets, outputFacets={
            "outputStatistics": stats.OutputStatisticsOutputDatasetFacet(
                rowCount=out["outputFacets"]["outputStatistics"]["rowCount"])}))
    run_facets: dict[str, Any] = {}
    if "tags" in raw["run"].get("facets", {}):  # the client's own (its version)
        run_facets["tags"] = tags_run.TagsRunFacet(tags=[tags_run.TagsRunFacetFields(**t)
                                                          for t in raw["run"]["facets"]["tags"]["tags"]])
    if "errorMessage" in raw["run"].get("facets", {}):
        error = raw["run"]["facets"]["errorMessage"]
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=error["message"], programmingLanguage=error["programmingLanguage"])
    event = RunEvent(eventType=RunState(raw["eventType"]), eventTime=raw["eventTime"], producer=raw["producer"],
                     run=Run(runId=raw["run"]["runId"], facets=run_facets),
                     job=Job(namespace=raw["job"]["namespace"], name=raw["job"]["name"]),
                     inputs=[InputDataset(namespace=i["namespace"], name=i["name"]) for i in raw.get("inputs", [])],
                     outputs=outputs)
    assert Serde.to_dict(event) == raw  # nothing in the file that the classes do not hold
    return event


def events_in(path: Path) -> list[RunEvent]:
    return [parse(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def test_a_run_sends_start_and_complete_with_api_inputs_and_table_outputs(harness: Harness) -> None:
    app = harness.start("hollyhr", people=12)
    events = configure(harness)
    result = harness.run("hollyhr")
    start, complete = events_in(events)
    assert (start.eventType, complete.eventType) == (RunState.START, RunState.COMPLETE)
    [(run_id,)] = harness.query("select run_id from hollyhr._hr_elt_runs")
    assert start.run.runId == complete.run.runId == str(__import__("uuid").UUID(hex=run_id))
    assert complete.job.namespace == "hr-elt" and complete.job.name == "hollyhr"
    assert {i.name for i in complete.inputs} == {"people", "employments", "employment_history", "documents",
                                                  "time_off"}
    assert {i.namespace for i in complete.inputs} == {app.base_url}
    namespace = f"duckdb://{result.location}"
    outputs = {o.name: o for o in complete.outputs}
    assert set(outputs) == {f"hollyhr.{t}" for t in result.rows}
    assert {o.namespace for o in complete.outputs} == {namespace}
    people = outputs["hollyhr.people"]
    assert {"id", "updated_at", "_dlt_load_id"} <= {f.name for f in people.facets["schema"].fields}
    quality = people.facets["dataQualityMetrics"]
    assert quality.rowCount == result.rows["people"] == people.outputFacets["outputStatistics"].rowCount
    assert set(quality.columnMetrics) == {f.name for f in people.facets["schema"].fields}
    for column, metrics in quality.columnMetrics.items():
        nulls = harness.scalar(f'select count(*) from hollyhr.people where "{column}" is null')
        assert metrics.nullCount == nulls, column


def test_a_failed_run_sends_fail_with_its_error_line_and_the_setting_turns_events_off(harness: Harness) -> None:
    harness.start("hollyhr", people=5)
    events = configure(harness)
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")
    with pytest.raises(PipelineStepFailed):
        harness.run("hollyhr")
    start, fail = events_in(events)
    assert (start.eventType, fail.eventType) == (RunState.START, RunState.FAIL) and fail.outputs == []
    [(error,)] = harness.query("select error from hollyhr._hr_elt_runs")
    assert fail.run.facets["errorMessage"].message == error and "connection refused by 127.0.0.1:9" in error
    assert {i.namespace for i in fail.inputs} == {"http://127.0.0.1:9/api"}

    harness.setenv("HR_ELT__LINEAGE__ENABLED", "false")  # config found, but turned off
    with pytest.raises(PipelineStepFailed):
        harness.run("hollyhr")
    assert len(events_in(events)) == 2

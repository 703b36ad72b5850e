"""OpenLineage run events (START, COMPLETE, FAIL) through the ``openlineage-python`` client.

Optional (extra ``lineage``). On when ``hr_elt.lineage.enabled`` (env ``HR_ELT__LINEAGE__ENABLED``)
is true, or, when that setting is unset, when the client finds its own configuration:
``OPENLINEAGE_URL``, ``OPENLINEAGE_CONFIG``, ``OPENLINEAGE__TRANSPORT__*`` or an ``openlineage.yml``
in the working directory or ``~/.openlineage``. The transport (file, console, http, ...) is the
client's standard configuration; hr-elt only builds the events.

- Job: namespace ``hr_elt.lineage.namespace`` (default ``hr-elt``), name = the pipeline name.
- Run: id = the run's ``RunContext.run_id`` (the ``run_id`` of ``_hr_elt_runs``).
- Inputs: the vendor API, namespace = its base URL without credentials or query, name = the resource.
- Outputs: the tables the run loaded, namespace ``<destination>://<location>``, name
  ``<dataset>.<table>``, with a schema facet (dlt's columns and types) and a data-quality facet
  (rows of this load and their null count per column).
"""

from __future__ import annotations

import inspect
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dlt
from dlt.pipeline.pipeline import Pipeline

from pipelines.observe.history import RunRecord
from pipelines.run.destinations import DestinationRef
from pipelines.run.tenants import Target
from sources import registry

PRODUCER = "https://github.com/hr-elt/hr-elt"
DEFAULT_NAMESPACE = "hr-elt"

logger = logging.getLogger("pipelines.observe.lineage")


def lineage_setting() -> bool | None:
    """``hr_elt.lineage.enabled`` as a bool; None when unset (then the client's own config decides)."""
    value: Any = dlt.config.get("hr_elt.lineage.enabled")
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"hr_elt.lineage.enabled {value!r} is not true or false (env HR_ELT__LINEAGE__ENABLED)")


def client_configured() -> bool:
    """True when the OpenLineage client would find a transport configuration of its own."""
    if any(os.environ.get(k) for k in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")):
        return True
    if any(k.startswith("OPENLINEAGE__TRANSPORT") for k in os.environ):
        return True
    return any(p.is_file() for p in (Path.cwd() / "openlineage.yml", Path.home() / ".openlineage" / "openlineage.yml"))


def lineage_enabled() -> bool:
    """Whether runs send OpenLineage events (module docstring)."""
    setting = lineage_setting()
    return client_configured() if setting is None else setting


def api_namespace(url: str) -> str:
    """The vendor API's dataset namespace: its base URL without credentials, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def base_url_of(target: Target) -> str:
    """The base URL the target's source reads: its config section, the vendor's, else the source's default."""
    for section in dict.fromkeys((target.name, target.vendor)):
        value = dlt.config.get(f"sources.{section}.base_url", str)
        if value:
            return str(value)
    param = inspect.signature(registry.get(target.vendor).source).parameters.get("base_url")
    default = param.default if param is not None else None
    return default if isinstance(default, str) and default.startswith("http") else f"api://{target.vendor}"


class LineageEmitter:
    """Builds and emits one run's events through an ``OpenLineageClient``."""

    def __init__(self, client: Any, target: Target, ref: DestinationRef, dataset: str, run_id: str,
                 resources: list[str]) -> None:
        self.client = client
        self.target = target
        self.ref = ref
        self.dataset = dataset
        self.run_id = str(uuid.UUID(hex=run_id)) if len(run_id) == 32 else run_id
        self.resources = resources
        self.namespace = str(dlt.config.get("hr_elt.lineage.namespace", str) or DEFAULT_NAMESPACE)

    @classmethod
    def configured(cls, target: Target, ref: DestinationRef, dataset: str, run_id: str,
                   resources: list[str] | None = None) -> LineageEmitter | None:
        """An emitter when lineage is on, else None.

        Raises:
            ImportError: lineage is on but ``openlineage-python`` is not installed (extra ``lineage``).
        """
        if not lineage_enabled():
            return None
        try:
            from openlineage.client import OpenLineageClient
        except ImportError:
            raise ImportError("OpenLineage events are on (hr_elt.lineage.enabled or OPENLINEAGE_* config) but "
                              "openlineage-python is not installed: pip install 'hr-elt[lineage]'") from None
        spec = registry.get(target.vendor)
        api = [name for name in spec.resources if name not in spec.history]  # versions send no request
        return cls(OpenLineageClient(), target, ref, dataset, run_id, resources or api)

    # --- events ------------------------------------------------------------------------
    def start(self, at: datetime) -> None:
        """Emits START with the vendor API's resources as inputs."""
        from openlineage.client.event_v2 import RunState

        self.client.emit(self._event(RunState.START, at, outputs=[]))

    def finish(self, record: RunRecord, pipeline: Pipeline) -> None:
        """Emits COMPLETE (status ``ok``) or FAIL (``partial``, ``failed``) with the loaded tables as outputs."""
        from openlineage.client.event_v2 import RunState

        state = RunState.COMPLETE if record.status == "ok" else RunState.FAIL
        outputs = self._outputs(record, pipeline) if record.rows else []
        self.client.emit(self._event(state, record.ended_at, outputs, error=record.error))

    def _event(self, state: Any, at: datetime, outputs: list[Any], error: str | None = None) -> Any:
        from openlineage.client.event_v2 import InputDataset, Job, Run, RunEvent
        from openlineage.client.facet_v2 import error_message_run

        run_facets: dict[str, Any] = {}
        if error:
            run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python")
        api = api_namespace(base_url_of(self.target))
        return RunEvent(
            eventType=state, eventTime=at.isoformat(), producer=PRODUCER,
            run=Run(runId=self.run_id, facets=run_facets),
            job=Job(namespace=self.namespace, name=self.target.name),
            inputs=[InputDataset(namespace=api, name=resource) for resource in self.resources],
            outputs=outputs,
        )

    def _outputs(self, record: RunRecord, pipeline: Pipeline) -> list[Any]:
        from openlineage.client.event_v2 import OutputDataset
        from openlineage.client.facet_v2 import data_quality_metrics_dataset as dq
        from openlineage.client.facet_v2 import output_statistics_output_dataset as stats
        from openlineage.client.facet_v2 import schema_dataset

        namespace = f"{self.ref.kind}://{self.ref.location}"
        tables = pipeline.default_schema.tables
        outputs = []
        for table, rows in record.rows.items():
            columns = [c for c in tables.get(table, {}).get("columns", {}).values() if c.get("data_type")]
            facets: dict[str, Any] = {"schema": schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name=str(c["name"]), type=str(c["data_type"]))
                for c in columns])}
            counted = null_counts(pipeline, table, [str(c["name"]) for c in columns], record.load_ids)
            if counted is not None:
                total, nulls = counted
                facets["dataQualityMetrics"] = dq.DataQualityMetricsDatasetFacet(
                    rowCount=total, columnMetrics={name: dq.ColumnMetrics(nullCount=n) for name, n in nulls.items()})
            outputs.append(OutputDataset(
                namespace=namespace, name=f"{self.dataset}.{table}", facets=facets,
                outputFacets={"outputStatistics": stats.OutputStatisticsOutputDatasetFacet(rowCount=rows)}))
        return outputs


def null_counts(pipeline: Pipeline, table: str, columns: list[str],
                load_ids: list[str]) -> tuple[int, dict[str, int]] | None:
    """Rows of `table` written by `load_ids` and the nulls per column among them.

    None for a table without ``_dlt_load_id`` (dlt's nested tables) or when nothing was loaded.
    """
    if not load_ids or "_dlt_load_id" not in columns:
        return None
    with pipeline.sql_client() as client:
        counts = ", ".join(f"count({client.escape_column_name(c)})" for c in columns)
        ids = ", ".join(f"'{load_id}'" for load_id in load_ids if load_id.replace(".", "").isdigit())
        rows = client.execute_sql(f"select count(*), {counts} from {client.make_qualified_table_name(table)} "
                                  f"where _dlt_load_id in ({ids})")
    if not rows:
        return None
    total, *non_null = rows[0]
    return int(total), {c: int(total) - int(n) for c, n in zip(columns, non_null, strict=True)}

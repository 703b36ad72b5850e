"""The baseline: the plain dlt ``rest_api`` source a user would write by hand from each vendor's docs.

One module per vendor beside its sandbox app (``sandbox/<vendor>/baseline.py``, named by the spec's
``bench_baseline``), each exposing ``config(...) -> RESTAPIConfig`` (the hand-written configuration,
readable on its own) and ``source(env, **kwargs) -> DltSource``. The pipeline that
runs it keeps every dlt default: ``insert_values`` into DuckDB, default buffer sizes, no
parallelism. Page sizes are set to the documented maximum and write dispositions to ``merge`` on
the documented primary keys, since a user syncing HR data incrementally needs both; everything
else is left as dlt ships it.
"""

from __future__ import annotations

from typing import Any

from dlt.sources import DltSource

from sources import registry


def make_source(vendor: str, env: dict[str, str], **kwargs: Any) -> DltSource:
    """The baseline source of `vendor`, pointed at the base URL and credentials in `env`."""

    return registry.get(vendor).bench_baseline_factory()(env, **kwargs)

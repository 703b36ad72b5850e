"""The baseline: the plain dlt ``rest_api`` source a user would write by hand from each vendor's docs.

One module per vendor, each exposing ``config(...) -> RESTAPIConfig`` (the hand-written
configuration, readable on its own) and ``source(env, since) -> DltSource``. The pipeline that
runs it keeps every dlt default: ``insert_values`` into DuckDB, default buffer sizes, no
parallelism. Page sizes are set to the documented maximum and write dispositions to ``merge`` on
the documented primary keys, since a user syncing HR data incrementally needs both; everything
else is left as dlt ships it.
"""

from __future__ import annotations

import importlib
from typing import Any

from dlt.extract.source import DltSource

VENDORS = ("hollyhr", "cutehr", "bytehr")


def make_source(vendor: str, env: dict[str, str], **kwargs: Any) -> DltSource:
    """The baseline source of `vendor`, pointed at the base URL and credentials in `env`."""
    module = importlib.import_module(f"bench.baseline.{vendor}")
    return module.source(env, **kwargs)  # type: ignore[no-any-return]

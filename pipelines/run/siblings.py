"""Sibling pipelines: small dlt pipelines that load run facts beside a vendor pipeline's data.

A sibling ``<pipeline><suffix>`` (``hollyhr__runs``, ``hollyhr__quality``) loads into the same
destination and dataset under its own name, so its state, pending packages and ``refresh`` stay
apart from the vendor pipeline's (see pipelines/observe/history.py and pipelines/observe/quality.py for why).
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.destination import Destination
from dlt.pipeline.pipeline import Pipeline


def sibling_pipeline(pipeline_name: str, suffix: str, destination: Destination[Any, Any], dataset: str,
                     pipelines_dir: str | None) -> Pipeline:
    """The sibling ``<pipeline_name><suffix>`` of a vendor pipeline, in its dataset and pipelines dir."""
    kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
    sibling: Pipeline = dlt.pipeline(pipeline_name=f"{pipeline_name}{suffix}", destination=destination,
                                     dataset_name=dataset, **kwargs)
    return sibling

"""The run path's chunk loop, at its smallest, for the checkpoint tests of the sources (issue 26).

Until ``pipelines/run`` has its own loop, this does what that loop will do, through the run path's
own pieces (``make_pipeline``, ``build_source``: the PII step, destination hints and the run's
context): checkpoints on in one run context, ``pipeline.run`` over a fresh source instance while a
resource stopped at a checkpoint, :meth:`~sources._shared.checkpoint.Checkpoints.committed` between
chunks. ``max_chunks`` ends the run after that many commits, as a kill right after a commit would:
what the next run finds is what those chunks committed.

Run as a script (``python -m tests.checkpoint_loop VENDOR PIPELINES_DIR DUCKDB_PATH``) it is the
subprocess a test SIGKILLs mid-chunk.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from pipelines.run.destinations import loader_file_format, resolve_destination
from pipelines.run.runner import build_source, make_pipeline
from pipelines.run.tenants import Target
from sources._shared.checkpoint import CheckpointPolicy, enable_checkpoints
from sources._shared.context import RunContext


@dataclass
class ChunkedRun:
    """What one chunked run did."""

    context: RunContext
    stops: list[dict[str, str]] = field(default_factory=list)  # per chunk: resources stopped at a checkpoint
    pipeline: Any = None

    @property
    def chunks(self) -> int:
        return len(self.stops)

    @property
    def finished(self) -> bool:
        """The last chunk left nothing pending (the run ended, not cut short by `max_chunks`)."""
        return not self.stops or not self.stops[-1]


def run_in_chunks(vendor: str, pipelines_dir: str, duckdb_path: str, destination: str = "duckdb", *,
                  policy: CheckpointPolicy | None = None, resources: list[str] | None = None,
                  max_chunks: int | None = None, source_kwargs: dict[str, Any] | None = None,
                  context: RunContext | None = None) -> ChunkedRun:
    """One run of `vendor` as a loop of chunks; stops after `max_chunks` commits when given."""
    target = Target(vendor)
    ref = resolve_destination(destination, duckdb_path)
    pipeline = make_pipeline(target, ref, pipelines_dir)
    context = context or RunContext()
    checkpoints = enable_checkpoints(context, policy or CheckpointPolicy())
    run = ChunkedRun(context, pipeline=pipeline)
    while True:
        source = build_source(target, destination, resources, source_kwargs, context)
        pipeline.run(source, loader_file_format=loader_file_format(destination))
        stopped = checkpoints.pending()
        checkpoints.committed()
        run.stops.append(stopped)
        if not stopped or checkpoints.stop_reason is not None:
            return run
        if max_chunks is not None and run.chunks >= max_chunks:
            return run


def harness_run(harness: Any, vendor: str, **kwargs: Any) -> ChunkedRun:
    """:func:`run_in_chunks` into a test harness's pipelines dir and warehouse."""
    return run_in_chunks(vendor, harness.pipelines_dir, harness.duckdb_path, harness.destination, **kwargs)


if __name__ == "__main__":  # the subprocess a kill test stops: VENDOR PIPELINES_DIR DUCKDB_PATH
    run_in_chunks(sys.argv[1], sys.argv[2], sys.argv[3])

"""A checkpoint's load, run in a thread behind the next chunk's extract.

Every chunk of a long run ends in a dlt load with a fixed cost (state and schema sync, a job per
table, a merge per table), while the next chunk's extract mostly waits on the vendor. Loading chunk
*k* while chunk *k+1* extracts hides that cost (docs/benchmarks.md, the resume scenario).

The load runs on a pipeline instance of its own: the same name, folder, destination and dataset, made
in the load's thread. It shares no schema, state or trace object with the run's instance, whose
extract goes on meanwhile; the two meet only on disk, where dlt writes state and schemas atomically.
Extract and normalize stay on the run's instance, one load at most is in flight, and the next
chunk's normalize starts after it ended, so no package is loaded while it is being written.

What a kill costs stays one interval: chunk *k* is extracted with its state before chunk *k+1*
starts, so a kill during either leaves chunk *k*'s package on the worker's disk, and the next run
loads it first (:mod:`pipelines.run.pending`). A worker that lost its disk resumes from the
destination: up to two intervals.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import dlt
from dlt.common.configuration.container import Container
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline


class LoadBehind:
    """One chunk's load in a thread of its own.

    Args:
        pipeline: The run's pipeline; its normalized package is what this loads (on an instance of its own).
        stopped: The resources of that chunk that stopped at a checkpoint, with their positions.
        on_failure: Called in the load's thread with the error when the load fails (the chunk loop
            says so and asks the extract in progress to stop at its next checkpoint: nothing more
            is spent on a run that will fail).
    """

    def __init__(self, pipeline: Pipeline, stopped: dict[str, str],
                 on_failure: Callable[[BaseException], None]) -> None:
        # what the loading instance is made of: read here, in the run's thread
        self._made_as = {"pipeline_name": pipeline.pipeline_name, "pipelines_dir": pipeline.pipelines_dir,
                         "destination": pipeline.destination, "dataset_name": pipeline.dataset_name}
        self.stopped = stopped
        self.seconds = 0.0
        self._on_failure = on_failure
        self._info: LoadInfo | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name=f"hr-elt-load-{pipeline.pipeline_name}", daemon=True)

    def start(self) -> LoadBehind:
        """Starts the load; returns self."""
        self._thread.start()
        return self

    def result(self, raise_error: bool = True) -> LoadInfo | None:
        """Waits for the load to end; its load info (None: nothing to load).

        Args:
            raise_error: Raise what the load raised; else return None for a failed load (the run is
                failing for another reason already).
        """
        while self._thread.is_alive():  # in short waits: a stop at once (``interrupt_main``) gets through
            self._thread.join(0.2)
        if self._error is not None and raise_error:
            raise self._error
        return self._info

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            loader = dlt.pipeline(**self._made_as)  # active in this thread only: dlt's contexts are per thread
            loader.config.enable_runtime_trace = False  # the run's instance keeps the run's trace
            self._info = loader.load()
        except BaseException as exc:  # noqa: BLE001 - handed to the run's thread, which raises it
            self._error = exc
            self._on_failure(exc)
        finally:
            self.seconds = time.perf_counter() - started
            # dlt keeps a context per thread (the active pipeline, its state): this one's ends with it
            Container().thread_contexts.pop(threading.get_ident(), None)

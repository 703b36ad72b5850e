"""Every use of a dlt internal, in one module: a dlt upgrade is a one-file job.

Each function or constant below says which internal it touches and why no public API does the job.
``tests/shared/test_dlt_compat.py`` pins the behaviour relied on, so an upgrade that changes it
fails there first, with the name of the internal, instead of somewhere in a vendor's run.

Public dlt API used elsewhere (no entry here): ``dlt.source``/``resource``/``transformer``,
``dlt.sources.DltSource``/``DltResource``/``incremental``, ``DltResource.add_step`` /
``add_map(insert_at=...)``, the RESTClient and its paginators, ``dlt.config``/``dlt.secrets``,
``dlt.current.*`` state, the dbt runner's ``run`` and ``test``.

Measured against dlt 1.31.0 (the pin in ``pyproject.toml``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import dlt
from dlt.extract.incremental import Incremental, IncrementalResourceWrapper
from dlt.extract.items_transform import ItemTransform, LimitItem
from dlt.sources import DltResource

__all__ = [
    "INCREMENTAL_PLACEMENT",
    "LIMIT_PLACEMENT",
    "NOT_READY",
    "ItemTransform",
    "OverlappingConfigValues",
    "bound_incremental",
    "declared_incremental",
    "dbt_command",
    "pipe_generator",
    "replace_generator",
]

# --- step placement ---------------------------------------------------------------------------
# `ItemTransform.placement_affinity` (a class attribute dlt's Pipe.append_step reads) orders the
# steps `DltResource.add_step` appends: lower goes first. Our steps must sit relative to the
# incremental step that dlt adds when the resource is created (record guard and field coverage
# before it, so a rejected record never moves the cursor; CuteHR's leaves-as-Arrow after it, which
# needs dicts). `add_step(insert_at=index)` is the public alternative, but the index of the
# incremental step is only known from `pipe.steps` (private), and it moves when dlt adds steps of
# its own (the limit step of `add_limit`); the affinity keeps the order whatever dlt adds later.
INCREMENTAL_PLACEMENT: float = IncrementalResourceWrapper.placement_affinity
"""The affinity of dlt's incremental step (1.0 in 1.31)."""
LIMIT_PLACEMENT: float = LimitItem.placement_affinity
"""The affinity of the step ``add_limit`` adds (1.1 in 1.31): just behind the incremental."""


# --- the resource's generator -----------------------------------------------------------------
NOT_READY: None = None
"""What a resource's generator yields for "nothing yet, take the next resource's item and come back".

dlt's pipe iterator (``PipeIterator._get_source_item``) moves on to the next resource when a
generator yields None, and comes back to it later; dlt's own wrappers of parallel and async
resources wait that way (``dlt.extract.utils``: ``yield None`` while busy). ByteHR's walks wait for
their turn with it (``sources/bytehr/turns.py``).
"""


def pipe_generator(pipe: Any) -> Any:
    """The data-generating step of a bound pipe (``Pipe.gen``; private: dlt's pipes are internal).

    Why: the record guard wraps the resource's generator to hand over the records it set aside once
    the generator ends; dlt offers no "end of resource" hook to a step.
    """
    return pipe.gen


def has_parent(pipe: Any) -> bool:
    """Whether a bound pipe is a transformer's (``Pipe.has_parent``): its gen is not an iterator to wrap."""
    return bool(pipe.has_parent)


def replace_generator(pipe: Any, generator: Iterator[Any]) -> None:
    """Swaps a bound pipe's generator for a wrapper of it (``Pipe.replace_gen``; dlt: "know what you do").

    Why: see :func:`pipe_generator`. Called from a step's ``bind``, when the pipe is the clone dlt
    extracts from, so the resource declared by the vendor is never changed.
    """
    pipe.replace_gen(generator)


def bound_incremental(pipe: Any) -> Incremental[Any] | None:
    """The incremental bound to a pipe at extract time, or None (reads ``Pipe.steps``, private).

    Why: the record guard needs the cursor the run actually uses (a PII rule on the cursor must
    fail, and a record without a cursor value is a bad record); the resource's public
    ``incremental`` is the unbound declaration on the vendor's resource, not the clone's.
    """
    for step in pipe.steps:
        if isinstance(step, IncrementalResourceWrapper) and step.incremental is not None:
            return step.incremental
    return None


def declared_incremental(resource: DltResource) -> Incremental[Any] | None:
    """The incremental a resource function declares as the default of its argument, or None.

    Reads the signature of ``resource._pipe.gen`` (private) with dlt's own
    ``IncrementalResourceWrapper.get_incremental_arg``. Why: before extraction the public
    ``resource.incremental`` wrapper holds no ``Incremental`` until it is bound; the record guard
    and the docs checks need the cursor a resource declares without running it. A resource
    already called (``resource()``) has its arguments bound away: None.
    """
    wrapper = resource.incremental
    inc = getattr(wrapper, "incremental", None) if wrapper is not None else None
    if inc is None and wrapper is not None:
        gen = resource._pipe.gen
        if not callable(gen):
            return None
        try:
            arg = IncrementalResourceWrapper.get_incremental_arg(inspect.signature(gen))
        except (TypeError, ValueError):
            return None
        inc = arg.default if arg is not None else None
    return inc if isinstance(inc, Incremental) else None


# --- configuration ----------------------------------------------------------------------------
class OverlappingConfigValues:
    """Run settings in dlt's config while any run of the process is active, restored after the last.

    ``dlt.config.values`` (public) snapshots the whole writable config provider on entry and
    restores that snapshot on exit: two overlapping runs in threads (webhook server, Dagster
    in-process) would exit out of order and leave the first run's overrides in place for good.
    Here the first run in enters it by hand (``__enter__``/``__exit__``: a context manager held
    across calls), the last one out exits it; while runs overlap, each sets its values on top.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._preserved: Any = None

    @contextmanager
    def applied(self, values: Mapping[str, Any]) -> Iterator[None]:
        """Sets `values` in ``dlt.config`` until the last overlapping run ends."""
        with self._lock:
            if self._active == 0:
                self._preserved = dlt.config.values(values)
                self._preserved.__enter__()
            else:
                for key, value in values.items():
                    dlt.config[key] = value
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    preserved, self._preserved = self._preserved, None
                    preserved.__exit__(None, None, None)

    def __call__(self, values: Mapping[str, Any]) -> AbstractContextManager[None]:
        """Same as :meth:`applied`."""
        return self.applied(values)


# --- dbt ----------------------------------------------------------------------------------------
def dbt_command(runner: Any, command: str, args: Sequence[str], variables: Mapping[str, Any],
                dataset: str) -> Sequence[Any]:
    """Runs ``dbt <command>`` through dlt's dbt package runner; returns its node results.

    ``run`` and ``test`` use the runner's public methods. ``build`` (models and their tests in DAG
    order) has none: it goes through ``_run_dbt_command`` with ``_get_package_vars``, exactly as
    the public ``run`` does for ``run``.

    Raises:
        ValueError: a command other than build, run or test.
    """
    if command == "run":
        return runner.run(list(args), dict(variables), dataset)  # type: ignore[no-any-return]
    if command == "test":
        return runner.test(list(args), dict(variables), dataset)  # type: ignore[no-any-return]
    if command == "build":
        return runner._run_dbt_command(  # type: ignore[no-any-return]
            "build", list(args), runner._get_package_vars(dict(variables), dataset))
    raise ValueError(f"unknown dbt command {command!r}: build, run or test")

"""Checkpoints inside a long extraction: where a resource may stop so the run path can commit.

dlt commits a pipeline's state with its load package, once per ``pipeline.run`` (knowhow.md). The run
path therefore runs a long extraction as several ``pipeline.run`` calls ("chunks") over fresh source
instances of one run. A resource asks :meth:`Checkpoints.due` at its safe points (after a page whose
rows and state are consistent: a finished page of an ``updated_at``-ordered listing, every few pages
of a snapshot walk, a finished date window); when it is due, the resource records its position in its
dlt state, calls :meth:`Checkpoints.stop_here` and returns. The run path loads what was extracted
(rows and state together), calls :meth:`Checkpoints.committed` and runs the next chunk, which resumes
from the committed state.

A source built outside the run path (plain ``pipeline.run(hollyhr_source())``) has checkpoints off:
:meth:`Checkpoints.due` is never true and the run is one load, as before.

The run path reaches this through the run's :class:`~sources._shared.context.RunContext`
(:func:`checkpoints_of`); a stop asked from outside (SIGTERM, a time budget) makes :meth:`due` true
at the next safe point of every resource and ends the chunk loop.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sources._shared.context import RunContext

_PART = "checkpoints"


@dataclass(frozen=True)
class CheckpointPolicy:
    """How often a long extraction commits: whichever comes first.

    Attributes:
        max_requests: Requests since the last commit (a vendor may count pages instead, e.g. ByteHR).
        max_seconds: Seconds since the last commit.
    """

    max_requests: int = 500
    max_seconds: float = 60.0


class Checkpoints:
    """The checkpoint clock of one run, shared by its resources; thread-safe."""

    def __init__(self, policy: CheckpointPolicy | None = None) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        self._requests = 0
        self._since = time.monotonic()
        self._stopped: dict[str, str] = {}
        self._stop_reason: str | None = None
        self._hurry = False

    @property
    def enabled(self) -> bool:
        """Whether the run path commits at checkpoints (False outside it: one load, as plain dlt)."""
        return self.policy is not None

    def count(self, requests: int = 1) -> None:
        """Counts requests (or a vendor's unit of work) towards the next checkpoint."""
        with self._lock:
            self._requests += requests

    def due(self, max_requests: int | None = None) -> bool:
        """Whether a resource at a safe point should stop here (interval reached or a stop was asked).

        Args:
            max_requests: The resource's own interval in its own unit (ByteHR: pages), over the policy's.
        """
        if self.policy is None:
            return False
        with self._lock:
            if self._stop_reason is not None:
                return True
            limit = max_requests if max_requests is not None else self.policy.max_requests
            return self._requests >= limit or time.monotonic() - self._since >= self.policy.max_seconds

    def stop_here(self, resource: str, position: str = "") -> None:
        """Records that `resource` stopped at a checkpoint with more to read (``position`` for progress)."""
        with self._lock:
            self._stopped[resource] = position

    def pending(self) -> dict[str, str]:
        """Resources that stopped at a checkpoint in the current chunk, with their positions."""
        with self._lock:
            return dict(self._stopped)

    def committed(self) -> None:
        """The run path took the chunk (its rows and state are extracted together): the interval starts again."""
        with self._lock:
            self._requests = 0
            self._since = time.monotonic()
            self._stopped.clear()

    def request_stop(self, reason: str, hurry: bool = False) -> None:
        """Asks every resource to stop at its next safe point (SIGTERM, a time budget).

        Args:
            reason: Why, for the summary.
            hurry: Also skip work already queued behind the safe point when a resource can leave it
                for the next run without loss (HollyHR's per-person reads go to the retry set):
                SIGTERM's grace period is short. A time budget does not hurry, so every run still
                finishes the pages it read and gets further than the one before.
        """
        with self._lock:
            if self._stop_reason is None:
                self._stop_reason = reason
            self._hurry = self._hurry or hurry

    @property
    def hurry(self) -> bool:
        """Whether the stop asked skips queued work that the next run can do (see :meth:`request_stop`)."""
        with self._lock:
            return self._hurry

    @property
    def stop_reason(self) -> str | None:
        """Why a stop was asked, or None."""
        with self._lock:
            return self._stop_reason


def checkpoints_of(context: RunContext) -> Checkpoints:
    """The run's checkpoint clock (off unless the run path turned it on with :func:`enable_checkpoints`)."""
    return context.part(_PART, Checkpoints)


def enable_checkpoints(context: RunContext, policy: CheckpointPolicy) -> Checkpoints:
    """Turns checkpoints on for the run of `context` (the run path, before it builds the source)."""
    checkpoints = checkpoints_of(context)
    checkpoints.policy = policy
    return checkpoints

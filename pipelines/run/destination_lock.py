"""One writer per tenant across machines: a lock held in (or beside) the destination for the whole run.

The local lock (:mod:`pipelines.run.lock`) keeps two runs of one pipelines dir apart; workers on two
machines have two pipelines dirs. Since a pipeline's name is the same on every machine
(:mod:`pipelines.run.naming`), the destination can keep them apart:

- Postgres: a session advisory lock keyed by the dataset and the pipeline name, held on a connection of
  its own for the run. The server drops it when the holder's connection ends (a crash, a kill), so no
  stale lock survives a dead worker. The connection's ``application_name`` names the holder.
- DuckDB: the file is opened by one process at a time only per connection, and a run opens many; the
  lock is an OS lock on ``<database file>.<pipeline>.lock`` beside the file, which every process that
  can open the file can see (released by the OS when the holder dies).
- BigQuery, which has no locks: a lease row in the dataset, renewed while the run lasts
  (:mod:`pipelines.run.lease`); ``hr_elt.fleet.lock = "lease"`` picks it on Postgres too (e.g. behind
  PgBouncer in transaction pooling, where a session advisory lock does not hold).

A second worker waits (``--wait``) or stops with one line naming the holder; neither state is touched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipelines.run.destinations import DestinationRef, destination_problem
from pipelines.run.lease import Lease, dataset_client, holding, lease_seconds, lock_mechanism
from pipelines.run.lock import PipelineLock, PipelineLockedError, describe_holder

POLL_SECONDS = 0.5

logger = logging.getLogger("pipelines.run.destination_lock")


class DestinationLockedError(PipelineLockedError):
    """Another worker (maybe on another machine) runs the same pipeline into the same destination."""

    def __init__(self, pipeline_name: str, where: str, holder: str, waited: float | None = None) -> None:
        self.pipeline_name = pipeline_name
        self.path = Path(where)
        self.holder = {"description": holder}
        self.where = where
        if waited is None:
            head = f"another worker runs pipeline {pipeline_name!r} into {where} ({holder})"
            action = "Wait for it to finish, or run with --wait to queue behind it"
        else:
            head = f"gave up after waiting {waited:.0f}s for another worker's run of pipeline {pipeline_name!r} " \
                   f"into {where} ({holder})"
            action = "It is still running; try again later or raise --wait-timeout"
        RuntimeError.__init__(self, f"{head}; its state and this one's are untouched. {action}")


def holder_label() -> str:
    """``hr-elt pid 123 on host, started 2026-12-08T10:00:00Z``: what a lock says about its holder."""
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"hr-elt {describe_holder({'pid': os.getpid(), 'host': socket.gethostname(), 'started_at': started})}"


def advisory_key(dataset: str, pipeline_name: str) -> int:
    """A signed 64-bit advisory lock key for (dataset, pipeline); the same on every machine."""
    digest = hashlib.sha256(f"hr-elt|{dataset}|{pipeline_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class HeldLock:
    """What taking the destination's lock found, for the run path to act on.

    Attributes:
        notes: Lines the run must say (a lease taken over from a worker that stopped renewing it).
        created_dataset: The lock made the dataset (a lease table needs one): the local state of a
            dataset that was dropped is stale, as dlt would find if the dataset were still missing.
    """

    notes: list[str] = field(default_factory=list)
    created_dataset: bool = False


@contextmanager
def destination_lock(ref: DestinationRef, pipeline_name: str, dataset: str, wait: bool = False,
                     timeout: float | None = None) -> Iterator[HeldLock]:
    """Holds the destination's lock of (`dataset`, `pipeline_name`) for the body (module docstring).

    Raises:
        DestinationLockedError: another worker holds it (and `wait` is off or timed out).
        ProviderConfigError: ``hr_elt.fleet.lock`` or ``hr_elt.fleet.lease_seconds`` is wrong.
        LeaseLostError: a lease was lost while the run lasted (:mod:`pipelines.run.lease`).
    """
    held = HeldLock()
    if lock_mechanism(ref.kind) == "lease":
        with _lease_lock(ref, pipeline_name, dataset, wait, timeout, held):
            yield held
    elif ref.kind == "postgres":
        with _postgres_lock(ref, pipeline_name, dataset, wait, timeout):
            yield held
    elif ref.kind == "duckdb" and not ref.location.startswith(":") and Path(ref.location).parent.is_dir():
        with _file_lock(Path(f"{ref.location}.{pipeline_name}.lock"), ref, pipeline_name, wait, timeout):
            yield held
    else:
        # A DuckDB file in a folder that does not exist: no lock file that would create the folder,
        # the connection fails and says so.
        yield held


def lease_poll_seconds(seconds: int) -> float:
    """How often a waiting worker looks at a lease row: a twentieth of a lease, 0.5 to 5 seconds."""
    return max(0.5, min(5.0, seconds / 20))


@contextmanager
def _lease_lock(ref: DestinationRef, pipeline_name: str, dataset: str, wait: bool, timeout: float | None,
                held: HeldLock) -> Iterator[None]:
    lease = Lease(dataset_client(ref.destination, dataset), ref.kind, pipeline_name, holder_label(), lease_seconds())
    where = f"{ref.kind} {ref.location} (dataset {dataset}, lease table _hr_elt_leases)"
    started, announced = time.monotonic(), False
    while True:
        try:
            claim = lease.try_acquire()
        except Exception as exc:  # one line, no password (pipelines/run/destinations.py)
            raise (destination_problem(ref.kind, exc) or exc) from None
        if claim.won:
            break
        waited = time.monotonic() - started
        if not wait:
            raise DestinationLockedError(pipeline_name, where, claim.holder)
        if timeout is not None and waited >= timeout:
            raise DestinationLockedError(pipeline_name, where, claim.holder, waited=waited)
        if not announced:
            announced = True
            logger.warning("another worker runs pipeline %r into %s (%s); waiting for it",
                           pipeline_name, where, claim.holder)
        time.sleep(lease_poll_seconds(lease.seconds))
    held.created_dataset = claim.created_dataset
    if claim.took_over:
        held.notes.append(f"{claim.took_over}; {where}")
    with holding(lease, where):
        yield


@contextmanager
def _file_lock(path: Path, ref: DestinationRef, pipeline_name: str, wait: bool,
               timeout: float | None) -> Iterator[None]:
    lock = PipelineLock(path, pipeline_name)
    try:
        lock.acquire(wait, timeout)
    except PipelineLockedError as exc:
        raise DestinationLockedError(pipeline_name, f"{ref.kind} {ref.location}",
                                     f"{describe_holder(exc.holder)}; lock file {path}",
                                     waited=None if not wait else timeout) from None
    try:
        yield
    finally:
        lock.release()


def _connect_postgres(ref: DestinationRef, label: str) -> Any:
    import psycopg2  # the postgres extra: only a run into Postgres needs it

    config: Any = ref.destination.configuration(ref.destination.spec(), accept_partial=True)
    dsn = config.credentials.to_native_representation()
    try:
        connection = psycopg2.connect(dsn, application_name=label[:63])
    except psycopg2.Error as exc:  # one line, no password (pipelines/run/destinations.py)
        raise (destination_problem("postgres", exc) or exc) from None
    connection.autocommit = True
    return connection


def postgres_holder(cursor: Any, key: int) -> str:
    """Who holds advisory lock `key`: the holder's ``application_name``, client address and backend start."""
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF
    cursor.execute(
        "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s AND l.objid::bigint = %s "
        "AND l.objsubid = 1", (high, low))
    row = cursor.fetchone()
    if row is None:
        return "holder gone"
    name, address, pid = row
    return f"{name or 'a session'}; server pid {pid}" + (f" from {address}" if address else "")


@contextmanager
def _postgres_lock(ref: DestinationRef, pipeline_name: str, dataset: str, wait: bool,
                   timeout: float | None) -> Iterator[None]:
    key = advisory_key(dataset, pipeline_name)
    connection = _connect_postgres(ref, holder_label())
    where = f"postgres {ref.location} (dataset {dataset})"
    try:
        with connection.cursor() as cursor:
            started, announced = time.monotonic(), False
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (key,))
                if cursor.fetchone()[0]:
                    break
                holder = postgres_holder(cursor, key)
                waited = time.monotonic() - started
                if not wait:
                    raise DestinationLockedError(pipeline_name, where, holder)
                if timeout is not None and waited >= timeout:
                    raise DestinationLockedError(pipeline_name, where, holder, waited=waited)
                if not announced:
                    announced = True
                    logger.warning("another worker runs pipeline %r into %s (%s); waiting for it",
                                   pipeline_name, where, holder)
                time.sleep(POLL_SECONDS)
        yield
    finally:
        connection.close()  # ends the session: the server releases its advisory locks

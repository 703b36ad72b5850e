"""A lease row: one writer per (dataset, pipeline) in a warehouse that has no locks (BigQuery).

The row lives in the dataset's ``_hr_elt_leases`` table (pipeline name, holder, acquired_at,
expires_at) and is taken with one conditional DML statement through dlt's sql client::

    UPDATE _hr_elt_leases SET holder = <me>, acquired_at = <now>, expires_at = <now + lease>
    WHERE pipeline_name = <p> AND (holder IS NULL OR expires_at < <now> OR holder = <me>)

then read back: the run holds the lease when every row of the pipeline names it. The warehouse
decides who wins: Postgres row locks make the second UPDATE re-check its condition after the
first commits; BigQuery does not run two mutating DML statements on one table at once (it queues
the second, or refuses it as a concurrent update, which here means the other worker won).
Times are the warehouse's own clock, never a worker's.

While the run lasts a heartbeat thread renews the lease every third of its length
(``hr_elt.fleet.lease_seconds``, 600 by default); the end of the run releases it (the row stays,
without a holder). A worker that dies stops renewing: once its lease has expired the next worker
takes it over and says so. A lease that could not be renewed, or that another worker took, fails
the run at its end: its load may have crossed another worker's.

The statements avoid anything Postgres or BigQuery lacks (no ``WHERE`` without ``FROM``, which
BigQuery refuses; the current time and interval arithmetic are the one per-dialect part), so the
same code runs on Postgres with ``hr_elt.fleet.lock = "lease"`` (e.g. behind PgBouncer in
transaction pooling, where session advisory locks do not hold).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import dlt

from pipelines.run.number_settings import number_setting
from sources._shared.errors import ProviderConfigError

TABLE = "_hr_elt_leases"
DEFAULT_LEASE_SECONDS = 600
MECHANISMS = ("auto", "lease")
SETTINGS = ("fleet.lock", "fleet.lease_seconds")
"""The ``hr_elt.*`` keys of this module (:mod:`pipelines.run.config_check` knows them)."""

logger = logging.getLogger("pipelines.run.lease")


@dataclass(frozen=True)
class Dialect:
    """The per-warehouse part of the statements: column types, the current time, a time ahead."""

    text: str
    timestamp: str
    now: str
    ahead: str  # with {seconds}

    def later(self, seconds: int) -> str:
        """The warehouse's time `seconds` from now, as SQL."""
        return self.ahead.format(seconds=int(seconds))


DIALECTS: dict[str, Dialect] = {
    # GoogleSQL: CURRENT_TIMESTAMP() needs its parentheses; TIMESTAMP_ADD with an INTERVAL n SECOND
    "bigquery": Dialect("STRING", "TIMESTAMP", "CURRENT_TIMESTAMP()",
                        "TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL {seconds} SECOND)"),
    "postgres": Dialect("TEXT", "TIMESTAMPTZ", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP + INTERVAL '{seconds} seconds'"),
}


def lock_mechanism(kind: str) -> str:
    """``lease`` or ``native`` for a destination of `kind`, from ``hr_elt.fleet.lock`` (``auto`` | ``lease``).

    ``auto``: the warehouse's own lock where it has one (Postgres advisory lock, DuckDB's lock file),
    a lease row on BigQuery. ``lease``: a lease row on any warehouse (not a DuckDB file, which one
    process opens at a time, so no other worker could read the row).

    Raises:
        ProviderConfigError: an unknown value, or ``lease`` for DuckDB.
    """
    value: Any = dlt.config.get("hr_elt.fleet.lock")
    chosen = "auto" if value is None or str(value).strip() == "" else str(value).strip().lower()
    hint = "Set hr_elt.fleet.lock (env HR_ELT__FLEET__LOCK) to auto or lease"
    if chosen not in MECHANISMS:
        raise ProviderConfigError("hr_elt", f"fleet.lock {value!r} is not one of {', '.join(MECHANISMS)}", hint=hint)
    if kind == "bigquery":
        return "lease"
    if chosen == "lease" and kind not in DIALECTS:
        raise ProviderConfigError("hr_elt", f"fleet.lock 'lease' does not work on {kind}: one process opens "
                                  "its file at a time, so no other worker could read the lease; its lock file "
                                  "keeps workers apart", hint="Set hr_elt.fleet.lock to auto")
    return "lease" if chosen == "lease" else "native"


def lease_seconds() -> int:
    """``hr_elt.fleet.lease_seconds`` (env ``HR_ELT__FLEET__LEASE_SECONDS``): a lease's length, 600 by default.

    Raises:
        ProviderConfigError: not a whole number of at least 3 (renewed every third).
    """
    return int(number_setting("fleet.lease_seconds", DEFAULT_LEASE_SECONDS, int, at_least=3))


ClientFactory = Callable[[], Any]
"""Opens a dlt sql client on the lease's dataset (``with factory() as client: client.execute_sql(...)``)."""


def dataset_client(destination: Any, dataset: str) -> ClientFactory:
    """A factory of dlt sql clients on `dataset` of `destination` (public ``dlt.dataset`` API, no pipeline)."""

    def open_client() -> Any:
        schema = dlt.Schema("hr_elt_lease")  # none of the dataset's schemas is read from the warehouse
        return dlt.dataset(destination, dataset, schema=schema).sql_client

    return open_client


@dataclass
class Claim:
    """What one attempt to take the lease found.

    Attributes:
        won: This worker holds the lease now.
        holder: Who holds it (when not won): the holder's label and when its lease expires.
        took_over: When won from a lease that had expired without being released: one line saying so.
        created_dataset: The dataset did not exist: the lease created it (for its table).
    """

    won: bool
    holder: str = ""
    took_over: str | None = None
    created_dataset: bool = False


def _stamp(value: Any) -> str:
    if isinstance(value, datetime):
        utc = value.astimezone(timezone.utc) if value.tzinfo is not None else value  # naive: the warehouse's UTC
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


@dataclass(frozen=True)
class Statements:
    """The lease's SQL for one table in one dialect; ``%s`` marks a parameter (dlt's sql clients take it)."""

    create: str
    seed: str  # pipeline_name, pipeline_name
    read: str  # pipeline_name -> (holder, expires_at, expired 0/1) rows
    take: str  # holder, pipeline_name, holder
    renew: str  # pipeline_name, holder
    give_back: str  # pipeline_name, holder

    @classmethod
    def of(cls, table: str, d: Dialect, seconds: int) -> Statements:
        """The statements for `table` (qualified and quoted) in dialect `d`, leases of `seconds`."""
        return cls(
            create=f"CREATE TABLE IF NOT EXISTS {table} (pipeline_name {d.text} NOT NULL, holder {d.text}, "
                   f"acquired_at {d.timestamp}, expires_at {d.timestamp})",
            # FROM a one-row subquery: BigQuery refuses a WHERE without a FROM
            seed=f"INSERT INTO {table} (pipeline_name, holder, acquired_at, expires_at) "
                 f"SELECT %s, NULL, NULL, NULL FROM (SELECT 1 AS one) AS seed "
                 f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE pipeline_name = %s)",
            read=f"SELECT holder, expires_at, CASE WHEN expires_at < {d.now} THEN 1 ELSE 0 END "
                 f"FROM {table} WHERE pipeline_name = %s",
            take=f"UPDATE {table} SET holder = %s, acquired_at = {d.now}, expires_at = {d.later(seconds)} "
                 f"WHERE pipeline_name = %s AND (holder IS NULL OR expires_at < {d.now} OR holder = %s)",
            renew=f"UPDATE {table} SET expires_at = {d.later(seconds)} WHERE pipeline_name = %s AND holder = %s",
            give_back=f"UPDATE {table} SET holder = NULL, acquired_at = NULL, expires_at = NULL "
                      "WHERE pipeline_name = %s AND holder = %s",
        )


class Lease:
    """The lease row of one pipeline in one dataset (module docstring).

    Args:
        open_client: Opens a dlt sql client on the dataset (:func:`dataset_client`).
        kind: The warehouse kind, which picks the dialect (``bigquery``, ``postgres``).
        pipeline_name: The pipeline the row belongs to.
        holder: This worker's label (:func:`pipelines.run.destination_lock.holder_label`).
        seconds: The lease's length.
    """

    def __init__(self, open_client: ClientFactory, kind: str, pipeline_name: str, holder: str,
                 seconds: int = DEFAULT_LEASE_SECONDS) -> None:
        self.open_client = open_client
        self.dialect = DIALECTS.get(kind, DIALECTS["postgres"])
        self.pipeline_name = pipeline_name
        self.holder = holder
        self.seconds = seconds
        self._ready = False
        self._created = False

    def _sql(self, client: Any) -> Statements:
        return Statements.of(str(client.make_qualified_table_name(TABLE)), self.dialect, self.seconds)

    def _prepare(self, client: Any, sql: Statements) -> None:
        """The dataset, the table and the pipeline's row, made when missing (idempotent; races tolerated)."""
        if self._ready:
            return
        if not client.has_dataset():
            try:
                client.create_dataset()
                self._created = True
            except Exception:
                if not client.has_dataset():  # another worker made it meanwhile: fine
                    raise
        try:
            client.execute_sql(sql.create)
        except Exception:  # two first workers at once: Postgres may refuse the second CREATE; once more
            client.execute_sql(sql.create)
        # a row to update; two first workers may both insert one: the read-back wants every row to name the winner
        client.execute_sql(sql.seed, self.pipeline_name, self.pipeline_name)
        self._ready = True

    def _rows(self, client: Any, sql: Statements) -> Sequence[Sequence[Any]]:
        rows: Sequence[Sequence[Any]] = client.execute_sql(sql.read, self.pipeline_name) or []
        return rows

    def try_acquire(self) -> Claim:
        """One attempt: the conditional UPDATE, then who holds the row."""
        with self.open_client() as client:
            sql = self._sql(client)
            self._prepare(client, sql)
            before = self._rows(client, sql)  # only to say whose expired lease is taken over
            try:
                client.execute_sql(sql.take, self.holder, self.pipeline_name, self.holder)
            except Exception:
                # BigQuery may refuse a statement that conflicts with another worker's ("could not serialize
                # access ... due to concurrent update"): lost to that worker when the row names it
                after = self._rows(client, sql)
                if not any(row[0] and row[0] != self.holder for row in after):
                    raise
            after = self._rows(client, sql)
            mine = [row for row in after if row[0] == self.holder]
            if after and len(mine) == len(after):
                expired = [row for row in before if row[0] and row[0] != self.holder and row[2]]
                took_over = None
                if expired:
                    took_over = (f"took over the lease of pipeline {self.pipeline_name!r} from {expired[0][0]}, "
                                 f"which expired at {_stamp(expired[0][1])} without being released "
                                 "(that worker stopped renewing it: it died or lost the warehouse)")
                return Claim(True, took_over=took_over, created_dataset=self._created)
            if mine:  # two rows, two winners: give mine back, the other keeps or loses its own the same way
                client.execute_sql(sql.give_back, self.pipeline_name, self.holder)
            others = [row for row in after if row[0] and row[0] != self.holder]
            holder = f"{others[0][0]}; lease expires {_stamp(others[0][1])}" if others else "holder unknown"
            return Claim(False, holder=holder, created_dataset=self._created)

    def renew(self) -> str | None:
        """Pushes the expiry one lease length ahead; None while held, else who holds the row now."""
        with self.open_client() as client:
            sql = self._sql(client)
            client.execute_sql(sql.renew, self.pipeline_name, self.holder)
            rows = self._rows(client, sql)
        others = [row for row in rows if row[0] != self.holder]
        if rows and not others:
            return None
        return str(others[0][0] or "no one (the row was released)") if others else "no row"

    def release(self) -> None:
        """Gives the lease back: the row stays, without a holder."""
        with self.open_client() as client:
            client.execute_sql(self._sql(client).give_back, self.pipeline_name, self.holder)


@dataclass
class Heartbeat:
    """Renews a held lease every third of its length on a thread of its own, until stopped.

    Attributes:
        lost: Why the lease is no longer this worker's (another holder, or no renewal for a whole
            lease length), or None while it holds.
    """

    lease: Lease
    lost: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        """Starts the thread (a daemon: a killed run leaves nothing behind but an expiring row)."""
        self._thread = threading.Thread(target=self._beat, name=f"lease {self.lease.pipeline_name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops renewing (the thread ends within one renewal)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _beat(self) -> None:
        interval = self.lease.seconds / 3
        renewed = time.monotonic()
        while not self._stop.wait(interval):
            try:
                holder = self.lease.renew()
            except Exception as exc:  # the warehouse unreachable for a moment: the next beat tries again
                logger.warning("could not renew the lease of pipeline %r (%s: %s); trying again in %.0fs",
                               self.lease.pipeline_name, type(exc).__name__, str(exc).splitlines()[0][:200]
                               if str(exc) else "", interval)
                if time.monotonic() - renewed >= self.lease.seconds:
                    self.lost = f"not renewed for {self.lease.seconds}s (the warehouse did not answer)"
                    break
                continue
            if holder is not None:
                self.lost = f"now held by {holder}"
                break
            renewed = time.monotonic()
        if self.lost:
            logger.error("the lease of pipeline %r is lost: %s", self.lease.pipeline_name, self.lost)


class LeaseLostError(RuntimeError):
    """The run's lease lapsed or was taken while it ran: another worker may have written the same tenant."""

    def __init__(self, pipeline_name: str, where: str, why: str) -> None:
        super().__init__(f"the lease of pipeline {pipeline_name!r} in {where} was lost during the run ({why}); "
                         "another worker may have loaded the same tenant at the same time. Run it again (it "
                         f"resumes from the warehouse), and raise hr_elt.fleet.lease_seconds if the warehouse is slow")


@contextmanager
def holding(lease: Lease, where: str) -> Iterator[Heartbeat]:
    """Keeps `lease` (already taken) renewed for the body, then releases it.

    Raises:
        LeaseLostError: after a body that ended well, when the lease was lost meanwhile.
    """
    heartbeat = Heartbeat(lease).start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop()
        if heartbeat.lost is None:
            try:
                lease.release()
            except Exception as exc:  # it expires on its own; the next worker takes it over and says so
                logger.warning("could not release the lease of pipeline %r (%s); it expires in at most %ss",
                               lease.pipeline_name, type(exc).__name__, lease.seconds)
    if heartbeat.lost is not None:
        raise LeaseLostError(lease.pipeline_name, where, heartbeat.lost)

"""One state per tenant in a dataset: states saved under a pipeline's older names are adopted once.

dlt keeps a pipeline's state in the dataset's ``_dlt_pipeline_state`` table, one row per state version,
keyed by the pipeline's name. An earlier hr-elt named a target's pipeline plainly (``hollyhr``) for the
first destination a pipelines dir saw and ``hollyhr__<kind>_<hash8>`` for the others, so a dataset may
hold the target's state under a name the current naming (:mod:`pipelines.run.naming`) no longer picks,
or under two names at once (a fresh worker that re-synced under the plain name). Before a run restores
its state, :func:`adopt_older_states` keeps the newest of those states under the current name and
deletes the rows of the others, in one transaction: the run resumes where the newest left off, and the
dataset holds one state for the tenant. Every adoption is said (log record and summary note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from dlt.common.destination.exceptions import DestinationUndefinedEntity
from dlt.common.utils import uniq_id
from dlt.common.versioned_state import compress_state, decompress_state
from dlt.pipeline.pipeline import Pipeline
from dlt.pipeline.state_sync import generate_pipeline_state_version_hash, migrate_state_to_current

from pipelines.run.naming import name_pattern

STATE_TABLE = "_dlt_pipeline_state"
LOADS_TABLE = "_dlt_loads"


@dataclass(frozen=True)
class StoredState:
    """The newest completed state row of one pipeline name in a dataset."""

    pipeline_name: str
    version: int
    load_id: str
    state: str
    created_at: Any


@dataclass(frozen=True)
class Adoption:
    """What :func:`adopt_older_states` did.

    Attributes:
        adopted: The older name whose state the pipeline now carries (None: its own state was the newest).
        removed: Every older name whose rows were deleted.
    """

    adopted: str | None
    removed: tuple[str, ...]

    def describe(self, pipeline_name: str, where: str) -> str:
        """One line for the log and the run summary."""
        removed = ", ".join(repr(n) for n in self.removed)
        if self.adopted:
            return (f"pipeline {pipeline_name!r} adopted the state saved under its older name {self.adopted!r} in "
                    f"{where} and resumes from it; removed the state rows of {removed} (one state per tenant)")
        return (f"pipeline {pipeline_name!r} kept its own state in {where}, the newest; removed the older "
                f"state rows of {removed} (one state per tenant)")


def stored_states(pipeline: Pipeline, target_name: str) -> dict[str, StoredState]:
    """The newest completed state of each name the target's pipeline has had, in the pipeline's dataset.

    Empty when the dataset or its state table does not exist yet.
    """
    pattern = name_pattern(target_name)
    with pipeline.sql_client() as client:
        states, loads = client.make_qualified_table_name(STATE_TABLE), client.make_qualified_table_name(LOADS_TABLE)
        query = (f"SELECT s.pipeline_name, s.version, s._dlt_load_id, s.state, s.created_at FROM {states} AS s "
                 f"JOIN {loads} AS l ON l.load_id = s._dlt_load_id WHERE l.status = 0")
        try:
            rows = client.execute_sql(query) or []
        except DestinationUndefinedEntity:  # no dataset or no state table yet
            return {}
    newest: dict[str, StoredState] = {}
    for name, version, load_id, state, created_at in rows:
        if not pattern.match(str(name)):
            continue  # another pipeline in this dataset: a sibling (``__runs``) or someone else's
        found = StoredState(str(name), int(version), str(load_id), str(state), created_at)
        if name not in newest or (found.load_id, found.version) > (newest[name].load_id, newest[name].version):
            newest[name] = found
    return newest


def adopt_older_states(pipeline: Pipeline, target_name: str) -> Adoption | None:
    """Leaves one state of the target in the pipeline's dataset, under ``pipeline.pipeline_name``.

    The newest state (by load id) among the current and the older names wins; when it was saved under
    an older name it is written again under the current one (its version above any the current name
    had, so dlt restores it), and the older names' rows go, all in one transaction.

    Returns:
        What was done, or None when the dataset holds no state under an older name.
    """
    name = pipeline.pipeline_name
    found = stored_states(pipeline, target_name)
    older = sorted(n for n in found if n != name)
    if not older:
        return None
    winner = max(found.values(), key=lambda s: (s.load_id, s.version))
    with pipeline.sql_client() as client:
        states = client.make_qualified_table_name(STATE_TABLE)
        with client.begin_transaction():
            if winner.pipeline_name != name:
                own = found.get(name)
                version = max(winner.version, own.version + 1 if own else 0)
                row = _renamed(winner, name, version)
                client.execute_sql(
                    f"INSERT INTO {states} (version, engine_version, pipeline_name, state, created_at, version_hash, "
                    "_dlt_load_id, _dlt_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", *row)
            for old in older:
                client.execute_sql(f"DELETE FROM {states} WHERE pipeline_name = %s", old)
    return Adoption(winner.pipeline_name if winner.pipeline_name != name else None, tuple(older))


def _renamed(stored: StoredState, name: str, version: int) -> tuple[Any, ...]:
    """The state row of `stored` as pipeline `name` saves it: its name inside the state, version and hash."""
    state: Any = migrate_state_to_current(stored.pipeline_name, decompress_state(stored.state))
    state["pipeline_name"] = name
    state["_state_version"] = version
    state.pop("_local", None)
    state["_version_hash"] = generate_pipeline_state_version_hash(state)
    created = stored.created_at if isinstance(stored.created_at, datetime) else datetime.now(timezone.utc)
    return (version, state["_state_engine_version"], name, compress_state(state), created,
            state["_version_hash"], stored.load_id, uniq_id())

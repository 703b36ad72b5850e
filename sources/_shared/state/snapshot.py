"""Snapshot bookkeeping for lists that can only be read in full (ByteHR; CuteHR employees, departments).

Each complete walk of such a list is a full snapshot. :class:`SnapshotTracker` keeps, in the
resource's dlt state (committed atomically with the load that carries the rows):

* ``digests``: a 6-byte content digest per remembered primary key, so a walk over unchanged
  records yields nothing, and so the walk's end knows which ids disappeared;
* ``walk``: the walk in progress (ids seen, when it started, the walker's resume point), so a
  walk cut short (e.g. by a quota) continues on the next run;
* ``last_walk``: facts about the last complete walk (records, pages, start and end), used to
  plan requests and minimum intervals.

Only a complete walk, whose page boundaries were verified, deletes: every remembered id it
did not see is emitted as a tombstone ``{primary_key: id, "_deleted_at": <walk end>}``, which
:func:`~sources._shared.state.deletes.snapshot_hints` turns into a flag, a hard delete or an scd2 retirement.

The state's encoding is :mod:`sources._shared.state.codec`; the in-memory index of a walk is
:mod:`sources._shared.state.index`; digests are :mod:`sources._shared.state.digests`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from sources._shared.state.codec import pack_ids, unpack_ids
from sources._shared.state.deletes import DELETED_AT
from sources._shared.state.digests import content_digest
from sources._shared.state.index import VISIT_DUPLICATE, VISIT_NEW, VISIT_UNCHANGED, DigestIndex, SeenIds


class SnapshotTracker:
    """The snapshot bookkeeping of one resource, over its dlt resource state.

    Args:
        state: The resource's dlt state (``dlt.current.resource_state()``).
        provider: Vendor name, for error messages.
        primary_key: The record field that identifies a record.
        skip_unchanged: Leave out records whose content digest is unchanged since they were loaded.
        digest: The content digest of a record (default :func:`content_digest`); a source that
            reshapes records can digest the record as received, before the reshaping, and reshape
            only what :meth:`accept` returns.

    ``digests`` (a :class:`DigestIndex`, a mapping ``id -> digest``) and ``seen`` (its set-like
    view of the ids seen this walk) answer ``in``, ``len`` and iteration like the dict and set
    they replace.
    """

    def __init__(self, state: MutableMapping[str, Any], provider: str, primary_key: str,
                 skip_unchanged: bool = True, digest: Callable[[dict[str, Any]], bytes] = content_digest) -> None:
        self.state = state
        self.digest = digest
        self.provider = provider
        self.primary_key = primary_key
        self.skip_unchanged = skip_unchanged
        self.digests = DigestIndex.unpack(state.get("digests"))
        walk = state.get("walk") or {}
        self.resume: Any = walk.get("resume")
        for key in unpack_ids(walk.get("seen")):
            self.digests.mark_seen(key)
        self.started_at: str | None = walk.get("started_at")
        self._known_extra: list[Any] | None = None
        self.emitted = 0
        self.unchanged = 0
        self.inserted = 0  # of the emitted: ids not remembered (new to the warehouse, or back after a delete)
        self.duplicates = 0
        self.keyless = 0  # records without a primary key: passed on to the record guard (_rejected or fail)

    @property
    def updated(self) -> int:
        """Records emitted this run whose id was remembered: changed (or re-sent, without `skip_unchanged`)."""
        return self.emitted - self.inserted - self.keyless

    @property
    def seen(self) -> SeenIds:
        """The ids seen in this walk (set-like: ``in``, ``len``, iteration, ``add``)."""
        return self.digests.seen

    @property
    def resuming(self) -> bool:
        """True when this run continues a walk an earlier run began."""
        return self.resume is not None

    @property
    def last_walk(self) -> dict[str, Any]:
        """Facts about the last complete walk (empty before the first one)."""
        return dict(self.state.get("last_walk") or {})

    def begin(self, now_iso: str) -> None:
        """Starts a new walk unless one is being resumed."""
        if not self.resuming:
            self.digests.clear_seen()
            self.started_at = now_iso

    def accept(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Returns the records to load: not seen earlier in this walk, and new or changed."""
        out = []
        index = self.digests
        for record in records:
            key = record.get(self.primary_key)
            if key is None:  # the record guard quarantines it or fails the run; this walk deletes nothing
                self.keyless += 1
                out.append(record)
                continue
            outcome = index.visit(key, record, self.digest, self.skip_unchanged)
            if outcome == VISIT_DUPLICATE:
                self.duplicates += 1
            elif outcome == VISIT_UNCHANGED:
                self.unchanged += 1
            else:
                self.inserted += outcome == VISIT_NEW
                out.append(record)
        self.emitted += len(out)
        return out

    def unseen_known_between(self, low: Any, high: Any) -> bool:
        """True when a remembered id strictly between `low` and `high` (None: unbounded) is unseen.

        Only meaningful for lists served in primary-key order: such an id either slipped across a
        page boundary or was deleted; a re-read of the page before tells which.
        """
        if self._known_extra is None:
            self._known_extra = self.digests.extra_keys()
        return self.digests.unseen_between(low, high, self._known_extra)

    def finish(self, complete: bool, verified: bool, resume: Any, facts: dict[str, Any],
               now_iso: str) -> list[dict[str, Any]]:
        """Ends this run's part of the walk and writes the state; returns the tombstones.

        Args:
            complete: The walk reached its last page.
            verified: Every page boundary was checked; only then are unseen ids deleted.
            resume: The walker's resume point, kept when the walk is not complete.
            facts: Extra facts kept in ``last_walk`` of a complete walk (e.g. pages, limit).
            now_iso: The walk's end time, the tombstones' ``_deleted_at``.
        """
        tombstones: list[dict[str, Any]] = []
        if complete:
            if verified and not self.keyless:  # an unidentified record may be one of the "missing" ids
                gone = self.digests.unseen()
                for key in gone:
                    del self.digests[key]
                tombstones = [{self.primary_key: key, DELETED_AT: now_iso} for key in gone]
            self.state["last_walk"] = {"started_at": self.started_at, "completed_at": now_iso,
                                       "records": len(self.seen), "deleted": len(tombstones), **facts}
            self.state.pop("walk", None)
        else:
            self.state["walk"] = {"started_at": self.started_at, "seen": pack_ids(self.seen), "resume": resume}
        self.state["digests"] = self.digests.pack()
        return tombstones

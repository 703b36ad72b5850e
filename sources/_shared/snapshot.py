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
:func:`snapshot_hints` turns into a flag, a hard delete or an scd2 retirement.

State size: ids are stored sorted and delta-encoded when they are integers, digests as one
base64 string (8 characters per record): about 1 MB of state for 100,000 records.
"""

from __future__ import annotations

import base64
import hashlib
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import orjson

DELETE_MODES = ("flag", "hard_delete", "scd2")
DELETED_AT = "_deleted_at"
DIGEST_BYTES = 6


def content_digest(record: dict[str, Any]) -> bytes:
    """A short stable digest of a record's content (key order and value types normalised by JSON).

    The JSON is orjson's with sorted keys (5-7x faster than ``json.dumps``: it is taken of every
    record of every walk); a record orjson cannot encode (an integer beyond 64 bits, non-string
    keys) falls back to ``json.dumps``. Until 2026-11 every record went through ``json.dumps``:
    the digests stored then differ, so the first run after that upgrade writes the records of
    snapshot lists (and CuteHR's look-back attendance) once more.
    """
    try:
        raw = orjson.dumps(record, default=str, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        raw = json.dumps(record, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.blake2b(raw, digest_size=DIGEST_BYTES).digest()


def _all_ints(keys: Iterable[Any]) -> bool:
    return all(isinstance(k, int) and not isinstance(k, bool) for k in keys)


def _sorted_keys(keys: Iterable[Any]) -> list[Any]:
    keys = list(keys)
    return sorted(keys) if _all_ints(keys) else sorted(keys, key=str)


def pack_ids(ids: Iterable[Any]) -> dict[str, Any]:
    """Packs a set of ids into JSON-friendly form: sorted integer deltas, or a sorted list."""
    keys = _sorted_keys(ids)
    if keys and _all_ints(keys):
        return {"int_deltas": [keys[0], *(b - a for a, b in zip(keys, keys[1:], strict=False))]}
    return {"values": keys}


def unpack_ids(packed: dict[str, Any] | None) -> list[Any]:
    """The ids of :func:`pack_ids`, in sorted order."""
    if not packed:
        return []
    if "int_deltas" in packed:
        out, current = [], 0
        for n, delta in enumerate(packed["int_deltas"]):
            current = delta if n == 0 else current + delta
            out.append(current)
        return out
    return list(packed.get("values") or [])


def pack_digests(digests: dict[Any, bytes]) -> dict[str, Any]:
    """Packs ``id -> digest`` as sorted ids plus one base64 string of fixed-width digests."""
    packed = pack_ids(digests)
    keys = unpack_ids(packed)
    packed["digests"] = base64.b64encode(b"".join(digests[k] for k in keys)).decode("ascii")
    return packed


def unpack_digests(packed: dict[str, Any] | None) -> dict[Any, bytes]:
    """The mapping of :func:`pack_digests`."""
    if not packed:
        return {}
    keys = unpack_ids(packed)
    raw = base64.b64decode(packed.get("digests") or "")
    return {k: raw[i * DIGEST_BYTES:(i + 1) * DIGEST_BYTES] for i, k in enumerate(keys)}


def snapshot_hints(primary_key: str, delete_mode: str) -> dict[str, Any]:
    """Resource hints (for ``apply_hints``) that make tombstones do what `delete_mode` says.

    * ``flag``: merge on the primary key; a tombstone replaces the row, so a deleted record
      keeps its key and gets ``_deleted_at``, its other columns become null.
    * ``hard_delete``: ``_deleted_at`` carries dlt's ``hard_delete`` hint: the row goes.
    * ``scd2``: dlt's scd2 strategy. Only records staged in a load are versioned or retired
      (``destination_scope``), so unchanged records that were not re-sent stay current; tombstones
      retire their record and are not inserted themselves (``source_filter``).
    """
    column: dict[str, Any] = {"name": DELETED_AT, "data_type": "timestamp", "nullable": True}
    if delete_mode == "scd2":
        return {
            "write_disposition": {
                "disposition": "merge",
                "strategy": "scd2",
                "source_filter": f"{DELETED_AT} IS NULL",
                "destination_scope": f"{primary_key} IN (SELECT {primary_key} FROM {{staging_table}})",
            },
            "columns": {DELETED_AT: column},
        }
    if delete_mode == "hard_delete":
        column["hard_delete"] = True
    return {"primary_key": primary_key, "write_disposition": "merge", "columns": {DELETED_AT: column}}


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
    """

    def __init__(self, state: MutableMapping[str, Any], provider: str, primary_key: str,
                 skip_unchanged: bool = True, digest: Callable[[dict[str, Any]], bytes] = content_digest) -> None:
        self.state = state
        self.digest = digest
        self.provider = provider
        self.primary_key = primary_key
        self.skip_unchanged = skip_unchanged
        self.digests = unpack_digests(state.get("digests"))
        walk = state.get("walk") or {}
        self.resume: Any = walk.get("resume")
        self.seen: set[Any] = set(unpack_ids(walk.get("seen")))
        self.started_at: str | None = walk.get("started_at")
        self._known: list[Any] | None = None
        self.emitted = 0
        self.unchanged = 0
        self.duplicates = 0
        self.keyless = 0  # records without a primary key: passed on to the record guard (_rejected or fail)

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
            self.seen = set()
            self.started_at = now_iso

    def accept(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Returns the records to load: not seen earlier in this walk, and new or changed."""
        out = []
        for record in records:
            key = record.get(self.primary_key)
            if key is None:  # the record guard quarantines it or fails the run; this walk deletes nothing
                self.keyless += 1
                out.append(record)
                continue
            if key in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(key)
            digest = self.digest(record)
            if self.skip_unchanged and self.digests.get(key) == digest:
                self.unchanged += 1
                continue
            self.digests[key] = digest
            out.append(record)
        self.emitted += len(out)
        return out

    def unseen_known_between(self, low: Any, high: Any) -> bool:
        """True when a remembered id strictly between `low` and `high` (None: unbounded) is unseen.

        Only meaningful for lists served in primary-key order: such an id either slipped across a
        page boundary or was deleted; a re-read of the page before tells which.
        """
        if self._known is None:
            self._known = _sorted_keys(self.digests)
        known = self._known
        i = 0 if low is None else bisect_right(known, low)
        j = len(known) if high is None else bisect_left(known, high)
        return any(k not in self.seen for k in known[i:j])

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
                gone = _sorted_keys(k for k in self.digests if k not in self.seen)
                for key in gone:
                    del self.digests[key]
                tombstones = [{self.primary_key: key, DELETED_AT: now_iso} for key in gone]
            self.state["last_walk"] = {"started_at": self.started_at, "completed_at": now_iso,
                                       "records": len(self.seen), "deleted": len(tombstones), **facts}
            self.state.pop("walk", None)
        else:
            self.state["walk"] = {"started_at": self.started_at, "seen": pack_ids(self.seen), "resume": resume}
        self.state["digests"] = pack_digests(self.digests)
        return tombstones

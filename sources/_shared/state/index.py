"""The remembered records of a snapshot list during a walk, in compact form (:class:`DigestIndex`).

During a walk the ids and digests live in a sorted ``array('q')`` of integer ids with one
``bytearray`` of fixed-width digests and one of flags (seen this walk, deleted), about 15 bytes a
record instead of ~200 for a dict of bytes plus a set of seen ids. Ids that are not 64-bit integers,
and integer ids that arrive out of order, go to a small dict (the latter are merged into the
arrays in batches).
"""

from __future__ import annotations

import base64
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from sources._shared.state.codec import decode_int_ids, encode_int_ids, is_int64, pack_digests, sorted_keys, unpack_ids
from sources._shared.state.digests import DIGEST_BYTES

_SEEN, _GONE = 1, 2  # DigestIndex flags
_UNSEE = bytes(f & ~_SEEN for f in range(256))  # bytes.translate table that clears the seen flag
VISIT_DUPLICATE, VISIT_UNCHANGED, VISIT_FRESH, VISIT_NEW = 0, 1, 2, 3  # DigestIndex.visit


class DigestIndex(MutableMapping[Any, bytes]):
    """``id -> digest`` of the remembered records, plus which ids the walk has seen, in compact form.

    Integer ids (64-bit) live in a sorted ``array('q')``; their digests in one ``bytearray`` of
    ``width`` bytes each, their flags (seen this walk, deleted) in another: lookups bisect, and
    an id beyond the largest one (the usual case: lists served in key order) is appended. Other
    ids, digests of another width, and integer ids that arrive out of order live in a dict; the
    out-of-order integers are merged into the arrays once they are many. Ids seen but not
    remembered (yet) are kept in a set.

    It is a mapping like the dict it replaces (``get``, ``in``, assignment, ``del``, ``len``,
    iteration); :attr:`seen` is the set-like view of the ids seen this walk.
    """

    MERGE_MIN = 4096  # out-of-order integer ids kept in the dict before a merge into the arrays

    def __init__(self, width: int = DIGEST_BYTES) -> None:
        self.width = width
        self._ids = array("q")
        self._digests = bytearray()
        self._flags = bytearray()
        self._extra: dict[Any, bytes] = {}
        self._extra_ints = 0  # mergeable keys in _extra
        self._extra_seen: set[Any] = set()  # seen ids that are not in the arrays
        self._seen = 0  # _SEEN flags set in _flags
        self._gone = 0  # _GONE flags set in _flags
        self._last = 0  # index of the last id found: walks look up the same or the next id
        self.seen = SeenIds(self)

    @classmethod
    def unpack(cls, packed: dict[str, Any] | None, width: int = DIGEST_BYTES) -> DigestIndex:
        """The index of a :func:`pack_digests` form (any of its forms, old or new)."""
        index = cls(width)
        if not packed:
            return index
        raw = base64.b64decode(packed.get("digests") or "")
        ids = decode_int_ids(packed)
        if ids is not None and len(raw) == len(ids) * width:
            index._ids, index._digests, index._flags = ids, bytearray(raw), bytearray(len(ids))
            return index
        for i, key in enumerate(unpack_ids(packed)):
            index[key] = raw[i * width:(i + 1) * width]
        return index

    # --- lookups -------------------------------------------------------------------------
    def _find(self, key: Any) -> int:
        """Index of `key` in the arrays (deleted or not), or -1."""
        ids = self._ids
        n = len(ids)
        if not n or not is_int64(key):
            return -1
        last = self._last
        if last < n and ids[last] == key:
            return last
        if last + 1 < n and ids[last + 1] == key:
            self._last = last + 1
            return last + 1
        if key > ids[-1] or key < ids[0]:
            return -1
        i = bisect_left(ids, key)
        if i < n and ids[i] == key:
            self._last = i
            return i
        return -1

    def __getitem__(self, key: Any) -> bytes:
        i = self._find(key)
        if i >= 0:
            if self._flags[i] & _GONE:
                raise KeyError(key)
            w = self.width
            return bytes(self._digests[i * w:(i + 1) * w])
        return self._extra[key]

    def __contains__(self, key: object) -> bool:
        i = self._find(key)
        if i >= 0:
            return not self._flags[i] & _GONE
        return key in self._extra

    def get(self, key: Any, default: Any = None) -> Any:
        i = self._find(key)
        if i >= 0:
            if self._flags[i] & _GONE:
                return default
            w = self.width
            return bytes(self._digests[i * w:(i + 1) * w])
        return self._extra.get(key, default)

    def __len__(self) -> int:
        return len(self._ids) - self._gone + len(self._extra)

    def __iter__(self) -> Iterator[Any]:
        flags = self._flags
        for i, key in enumerate(self._ids):
            if not flags[i] & _GONE:
                yield key
        yield from list(self._extra)

    # --- updates -------------------------------------------------------------------------
    def __setitem__(self, key: Any, digest: bytes) -> None:
        w = self.width
        if len(digest) != w:
            raise ValueError(f"a digest of {len(digest)} bytes; this index keeps {w}-byte digests")
        i = self._find(key)
        if i >= 0:
            self._digests[i * w:(i + 1) * w] = digest
            if self._flags[i] & _GONE:
                self._flags[i] &= ~_GONE
                self._gone -= 1
            return
        if key in self._extra:
            self._extra[key] = digest
            return
        ids = self._ids
        if not is_int64(key):
            self._extra[key] = digest
            return
        if not ids or key > ids[-1]:
            ids.append(key)
            self._digests += digest
            flag = 0
            if key in self._extra_seen:
                self._extra_seen.discard(key)
                flag = _SEEN
                self._seen += 1
            self._flags.append(flag)
            return
        self._extra[key] = digest
        self._extra_ints += 1
        if self._extra_ints >= max(self.MERGE_MIN, len(ids) // 8):
            self._merge()

    def __delitem__(self, key: Any) -> None:
        i = self._find(key)
        if i >= 0 and not self._flags[i] & _GONE:
            self._flags[i] |= _GONE
            self._gone += 1
            return
        del self._extra[key]
        if is_int64(key):
            self._extra_ints -= 1

    def clear(self) -> None:
        seen = set(self.seen)
        self.__init__(self.width)  # type: ignore[misc]
        self._extra_seen = seen

    def _merge(self) -> None:
        """Moves the integer ids of the dict into the arrays (with their digests and seen flags)."""
        w = self.width
        new = sorted(k for k in self._extra if is_int64(k))
        if not new:
            return
        old_ids, old_digests, old_flags = self._ids, self._digests, self._flags
        ids, digests, flags = array("q"), bytearray(), bytearray()
        start = 0
        for key in new:
            j = bisect_left(old_ids, key, start)
            ids.extend(old_ids[start:j])
            digests += old_digests[start * w:j * w]
            flags += old_flags[start:j]
            ids.append(key)
            digests += self._extra.pop(key)
            flag = 0
            if key in self._extra_seen:
                self._extra_seen.discard(key)
                flag = _SEEN
                self._seen += 1
            flags.append(flag)
            start = j
        ids.extend(old_ids[start:])
        digests += old_digests[start * w:]
        flags += old_flags[start:]
        self._ids, self._digests, self._flags = ids, digests, flags
        self._extra_ints = 0
        self._last = 0

    def _compact(self) -> None:
        """Drops deleted entries from the arrays (their seen flags move to the set)."""
        if not self._gone:
            return
        w = self.width
        old_ids, old_digests, old_flags = self._ids, self._digests, self._flags
        ids, digests, flags = array("q"), bytearray(), bytearray()
        start = 0
        for i, flag in enumerate(old_flags):
            if flag & _GONE:
                ids.extend(old_ids[start:i])
                digests += old_digests[start * w:i * w]
                flags += old_flags[start:i]
                if flag & _SEEN:
                    self._seen -= 1
                    self._extra_seen.add(old_ids[i])
                start = i + 1
        ids.extend(old_ids[start:])
        digests += old_digests[start * w:]
        flags += old_flags[start:]
        self._ids, self._digests, self._flags = ids, digests, flags
        self._gone = 0
        self._last = 0

    def pack(self) -> dict[str, Any]:
        """The JSON-friendly form of :func:`pack_digests` (ids sorted, digests in id order)."""
        self._merge()
        self._compact()
        if not self._extra:
            encoded = encode_int_ids(self._ids)
            if encoded is not None:
                encoded["digests"] = base64.b64encode(self._digests).decode("ascii")
                return encoded
            if not self._ids:
                return {"values": [], "digests": ""}
        return pack_digests(dict(self.items()))

    # --- the ids seen this walk ----------------------------------------------------------
    def visit(self, key: Any, record: dict[str, Any], digest: Callable[[dict[str, Any]], bytes],
              skip_unchanged: bool) -> int:
        """One record of the walk, with one lookup: marks `key` seen and remembers ``digest(record)``.

        Returns :data:`VISIT_DUPLICATE` (seen earlier in this walk; not digested),
        :data:`VISIT_UNCHANGED` (same digest as remembered, with `skip_unchanged`),
        :data:`VISIT_FRESH` (remembered, changed or re-sent: the digest is stored) or
        :data:`VISIT_NEW` (not remembered: the digest is stored).
        """
        w = self.width
        i = self._find(key)
        if i >= 0:
            flag = self._flags[i]
            if flag & _SEEN:
                return VISIT_DUPLICATE
            self._seen += 1
            new = digest(record)
            if len(new) != w:
                raise ValueError(f"a digest of {len(new)} bytes; this index keeps {w}-byte digests")
            if skip_unchanged and not flag & _GONE and self._digests[i * w:(i + 1) * w] == new:
                self._flags[i] = flag | _SEEN
                return VISIT_UNCHANGED
            if flag & _GONE:
                self._gone -= 1
            self._flags[i] = _SEEN
            self._digests[i * w:(i + 1) * w] = new
            return VISIT_NEW if flag & _GONE else VISIT_FRESH
        if key in self._extra_seen:
            return VISIT_DUPLICATE
        new = digest(record)
        ids = self._ids
        if is_int64(key) and (not ids or key > ids[-1]) and key not in self._extra:
            if len(new) != w:
                raise ValueError(f"a digest of {len(new)} bytes; this index keeps {w}-byte digests")
            ids.append(key)  # the usual case of a new id: lists are served in key order
            self._digests += new
            self._flags.append(_SEEN)
            self._seen += 1
            return VISIT_NEW
        self._extra_seen.add(key)
        known = self._extra.get(key)
        if skip_unchanged and known == new:
            return VISIT_UNCHANGED
        self[key] = new
        return VISIT_NEW if known is None else VISIT_FRESH

    def mark_seen(self, key: Any) -> bool:
        """Marks `key` seen; False when it was seen already."""
        i = self._find(key)
        if i >= 0:
            if self._flags[i] & _SEEN:
                return False
            self._flags[i] |= _SEEN
            self._seen += 1
            return True
        if key in self._extra_seen:
            return False
        self._extra_seen.add(key)
        return True

    def is_seen(self, key: Any) -> bool:
        i = self._find(key)
        if i >= 0:
            return bool(self._flags[i] & _SEEN)
        return key in self._extra_seen

    def seen_count(self) -> int:
        return self._seen + len(self._extra_seen)

    def iter_seen(self) -> Iterator[Any]:
        flags = self._flags
        for i, key in enumerate(self._ids):
            if flags[i] & _SEEN:
                yield key
        yield from list(self._extra_seen)

    def clear_seen(self) -> None:
        self._flags = bytearray(self._flags.translate(_UNSEE))
        self._seen = 0
        self._extra_seen = set()

    def unseen_between(self, low: Any, high: Any, extra_sorted: list[Any]) -> bool:
        """True when a remembered id strictly between `low` and `high` (None: unbounded) is unseen.

        `extra_sorted` are the ids of the dict part, sorted (the caller keeps them for the walk).
        """
        ids = self._ids
        i = 0 if low is None else bisect_right(ids, low)
        j = len(ids) if high is None else bisect_left(ids, high)
        if i < j and self._flags.find(0, i, j) >= 0:  # flag 0: remembered and not seen
            return True
        i = 0 if low is None else bisect_right(extra_sorted, low)
        j = len(extra_sorted) if high is None else bisect_left(extra_sorted, high)
        return any(k in self._extra and not self.is_seen(k) for k in extra_sorted[i:j])

    def unseen(self) -> list[Any]:
        """The remembered ids not seen this walk, sorted like :func:`pack_ids` sorts."""
        flags, ids = self._flags, self._ids
        out: list[Any] = []
        i = flags.find(0)
        while i >= 0:
            out.append(ids[i])
            i = flags.find(0, i + 1)
        extra = [k for k in self._extra if not self.is_seen(k)]
        return sorted_keys(out + extra) if extra else out

    def extra_keys(self) -> list[Any]:
        return sorted_keys(self._extra)


class SeenIds:
    """The ids a walk has seen, a set-like view over :class:`DigestIndex` flags."""

    def __init__(self, index: DigestIndex) -> None:
        self._index = index

    def add(self, key: Any) -> None:
        self._index.mark_seen(key)

    def __contains__(self, key: object) -> bool:
        return self._index.is_seen(key)

    def __len__(self) -> int:
        return self._index.seen_count()

    def __iter__(self) -> Iterator[Any]:
        return self._index.iter_seen()

"""The compact snapshot bookkeeping (sources/_shared/state/): DigestIndex against a dict and a set.

No network: the index is driven directly and through SnapshotTracker, and compared with the
plain dict / set it replaced, including states written by the code before 2026-11-30.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from bisect import bisect_left, bisect_right
from typing import Any

import pytest

from sources._shared.state.codec import pack_digests, unpack_digests, unpack_ids
from sources._shared.state.digests import DIGEST_BYTES, content_digest
from sources._shared.state.index import DigestIndex
from sources._shared.state.snapshot import SnapshotTracker

# Written by SnapshotTracker before 2026-11-30 (digests of {"id": k, "v": k}): a walk of integer ids
# stopped after its first page, and a complete walk of string ids.
OLD_INT_WALK = json.loads(
    '{"walk": {"started_at": "2026-11-01T00:00:00Z", "seen": {"int_deltas": [1, 1, 1, 2, 3, 5]}, '
    '"resume": {"page": 2}}, "digests": {"int_deltas": [1, 1, 1, 2, 3, 5], '
    '"digests": "+C9UuyA7+hV5b9W17f/WU9wfPs5FuHcDudTG4nZV52Pvqnsz"}}')
OLD_STR_STATE = json.loads(
    '{"last_walk": {"started_at": "2026-11-01T00:00:00Z", "completed_at": "2026-11-01T00:01:00Z", '
    '"records": 3, "deleted": 0}, "digests": {"values": ["a", "b", "c"], "digests": "jfpvZi6oNXDZHMDGZZC+kw8s"}}')


def _d(key: Any, salt: int = 0) -> bytes:
    return content_digest({"id": key, "salt": salt})


def _unseen_between(model: dict[Any, bytes], seen: set[Any], low: Any, high: Any) -> bool:
    known = sorted(model)
    i = 0 if low is None else bisect_right(known, low)
    j = len(known) if high is None else bisect_left(known, high)
    return any(k not in seen for k in known[i:j])


def _check(index: DigestIndex, model: dict[Any, bytes], seen: set[Any]) -> None:
    assert len(index) == len(model)
    assert dict(index.items()) == model
    assert sorted(index, key=str) == sorted(model, key=str)
    assert len(index.seen) == len(seen) and set(index.seen) == seen
    for key in list(model)[:50] + [10**9, -5, "nope"]:
        assert (key in index) == (key in model)
        assert index.get(key) == model.get(key)
        assert (key in index.seen) == (key in seen)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_behaves_like_a_dict_and_a_set(seed: int) -> None:
    rng = random.Random(seed)
    index = DigestIndex()
    index.MERGE_MIN = 16  # merge out-of-order ids often
    model: dict[Any, bytes] = {}
    seen: set[Any] = set()
    for step in range(3000):
        op = rng.random()
        key: Any = rng.choice([rng.randrange(0, 2000), rng.randrange(0, 2000), f"s{rng.randrange(50)}",
                               len(model) * 3 + rng.randrange(3)])  # the last: mostly ascending new ids
        if op < 0.55:
            digest = _d(key, step)
            index[key] = digest
            model[key] = digest
        elif op < 0.7:
            if key in model:
                del index[key]
                del model[key]
            else:
                with pytest.raises(KeyError):
                    del index[key]
        elif op < 0.9:
            index.seen.add(key)
            seen.add(key)
        elif op < 0.92:
            index.clear_seen()
            seen.clear()
        else:
            ints = {k for k in model if isinstance(k, int)}
            lo, hi = sorted(rng.sample(range(-1, 2100), 2))
            lo_or_none = None if rng.random() < 0.2 else lo
            hi_or_none = None if rng.random() < 0.2 else hi
            int_model = {k: model[k] for k in ints}
            int_index = DigestIndex()
            for k in sorted(ints):
                int_index[k] = model[k]
                if k in seen:
                    int_index.seen.add(k)
            assert int_index.unseen_between(lo_or_none, hi_or_none, []) == \
                _unseen_between(int_model, seen, lo_or_none, hi_or_none)
        if step % 500 == 0:
            _check(index, model, seen)
    _check(index, model, seen)
    assert unpack_digests(json.loads(json.dumps(index.pack()))) == model
    again = DigestIndex.unpack(json.loads(json.dumps(index.pack())))
    _check(again, model, set())


def test_out_of_order_ids_merge_into_the_arrays() -> None:
    index = DigestIndex()
    index.MERGE_MIN = 4
    for k in (100, 200, 300):
        index[k] = _d(k)
    index.seen.add(150)  # seen before it is remembered, as accept() does
    for k in (150, 50, 250, 120):  # out of order: the dict, then a merge
        index[k] = _d(k)
    assert index._extra == {}  # merged
    assert list(index) == [50, 100, 120, 150, 200, 250, 300]
    assert list(index.seen) == [150]
    assert index.get(250) == _d(250)
    assert index.unseen_between(100, 200, []) is True  # 120 is unseen
    index.seen.add(120)
    assert index.unseen_between(100, 200, []) is False


def test_deletes_then_pack_keep_seen_and_drop_the_deleted() -> None:
    index = DigestIndex()
    for k in range(10):
        index[k] = _d(k)
    for k in (2, 3):
        index.seen.add(k)
    assert index.unseen() == [0, 1, 4, 5, 6, 7, 8, 9]
    del index[3]
    del index[5]
    assert 3 not in index and index.get(5) is None and len(index) == 8
    assert 3 in index.seen
    packed = index.pack()
    assert unpack_ids(packed) == [0, 1, 2, 4, 6, 7, 8, 9]
    assert set(index.seen) == {2, 3}
    index[5] = _d(5, 1)  # back again
    assert index[5] == _d(5, 1)


def test_digests_of_another_width_are_refused() -> None:
    with pytest.raises(ValueError):
        DigestIndex()[1] = b"\x00" * (DIGEST_BYTES + 1)


def test_string_and_huge_ids_keep_the_dict_form() -> None:
    index = DigestIndex()
    for key in ("b", "a", 2**70, 5):
        index[key] = _d(key)
    packed = json.loads(json.dumps(index.pack()))
    assert unpack_ids(packed) == sorted(["a", "b", 2**70, 5], key=str)  # the "values" form, as before
    assert DigestIndex.unpack(packed) == {k: _d(k) for k in ("a", "b", 2**70, 5)}
    strings = {k: _d(k) for k in ("b", "a")}
    assert DigestIndex.unpack(pack_digests(strings)).pack() == pack_digests(strings)


def test_state_written_before_resumes_its_walk() -> None:
    state = json.loads(json.dumps(OLD_INT_WALK))
    tracker = SnapshotTracker(state, "x", "id")
    assert tracker.resuming and set(tracker.seen) == {1, 2, 3, 5, 8, 13}
    assert dict(tracker.digests.items()) == {k: content_digest({"id": k, "v": k}) for k in (1, 2, 3, 5, 8, 13)}
    tracker.begin("2026-11-02T00:00:00Z")  # a resumed walk keeps what it saw
    assert len(tracker.seen) == 6
    assert tracker.accept([{"id": 13, "v": 13}, {"id": 21, "v": 21}]) == [{"id": 21, "v": 21}]
    assert tracker.duplicates == 1
    tombstones = tracker.finish(True, True, None, {}, "2026-11-02T00:01:00Z")
    assert tombstones == []
    assert state["last_walk"]["records"] == 7 and "walk" not in state
    # the next walk: unchanged records are left out, the missing ones are deleted
    tracker = SnapshotTracker(json.loads(json.dumps(state)), "x", "id")
    tracker.begin("2026-11-03T00:00:00Z")
    fresh = tracker.accept([{"id": k, "v": k} for k in (1, 2, 5, 8)] + [{"id": 13, "v": "changed"}])
    assert fresh == [{"id": 13, "v": "changed"}] and tracker.unchanged == 4
    assert tracker.unseen_known_between(2, 5) is True  # 3 is missing
    assert tracker.unseen_known_between(5, None) is True  # 21 is missing
    assert tracker.unseen_known_between(None, 3) is False
    tombstones = tracker.finish(True, True, None, {}, "2026-11-03T00:01:00Z")
    assert tombstones == [{"id": 3, "_deleted_at": "2026-11-03T00:01:00Z"},
                          {"id": 21, "_deleted_at": "2026-11-03T00:01:00Z"}]


def test_old_state_of_string_ids_loads_and_deletes() -> None:
    state = json.loads(json.dumps(OLD_STR_STATE))
    tracker = SnapshotTracker(state, "x", "id")
    assert not tracker.resuming and "b" in tracker.digests
    tracker.begin("2026-11-02T00:00:00Z")
    assert tracker.accept([{"id": k, "v": k} for k in ("a", "c", "d")]) == [{"id": "d", "v": "d"}]
    assert tracker.unseen_known_between("a", "c") is True
    tombstones = tracker.finish(True, True, None, {}, "2026-11-02T00:01:00Z")
    assert tombstones == [{"id": "b", "_deleted_at": "2026-11-02T00:01:00Z"}]
    assert unpack_ids(state["digests"]) == ["a", "c", "d"]


def test_unverified_or_incomplete_walks_delete_nothing() -> None:
    state: dict[str, Any] = {}
    tracker = SnapshotTracker(state, "x", "id")
    tracker.begin("t0")
    tracker.accept([{"id": k} for k in range(100)])
    tracker.finish(True, True, None, {}, "t1")
    tracker = SnapshotTracker(state, "x", "id")
    tracker.begin("t2")
    tracker.accept([{"id": k} for k in range(50)])
    assert tracker.finish(False, False, {"page": 2}, {}, "t3") == []
    assert len(unpack_ids(state["walk"]["seen"])) == 50
    tracker = SnapshotTracker(state, "x", "id")  # resumes
    tracker.begin("t4")
    assert tracker.accept([{"id": k} for k in range(40, 60)]) == []  # 40..49 seen, 50..59 unchanged
    assert tracker.duplicates == 10
    assert tracker.finish(True, False, None, {}, "t5") == []  # not verified
    assert len(DigestIndex.unpack(state["digests"])) == 100


def test_100k_records_take_a_few_megabytes() -> None:
    rows = [{"id": 10**6 + i} for i in range(100_000)]
    digests = [content_digest(r) for r in rows]
    tracemalloc.start()
    try:
        index = DigestIndex()
        for row, digest in zip(rows, digests, strict=True):
            index.seen.add(row["id"])
            index[row["id"]] = digest
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(index.seen) == 100_000 and len(index) == 100_000
    assert used < 4 * 2**20  # a dict of bytes plus a set of ids took about 20 MB


@pytest.mark.parametrize("seed", [4, 5])
def test_accept_matches_a_dict_and_a_set(seed: int) -> None:
    """SnapshotTracker.accept against the dict-and-set bookkeeping it replaced, over several walks."""
    rng = random.Random(seed)
    state: dict[str, Any] = {}
    model: dict[Any, bytes] = {}
    for walk in range(6):
        tracker = SnapshotTracker(json.loads(json.dumps(state)), "x", "id", skip_unchanged=walk != 3)
        tracker.digests.MERGE_MIN = 8
        tracker.begin(f"t{walk}")
        seen: set[Any] = set()
        emitted = 0
        ids = sorted(rng.sample(range(400), 250)) + [rng.randrange(400) for _ in range(30)]  # some twice
        if walk % 2:
            rng.shuffle(ids)
        if walk == 5:
            ids += [f"s{rng.randrange(20)}" for _ in range(20)]
        records = [{"id": k, "v": rng.randrange(3)} for k in ids]
        for start in range(0, len(records), 37):
            page = records[start:start + 37]
            expected: list[dict[str, Any]] = []
            for record in page:
                key = record["id"]
                if key in seen:
                    continue
                seen.add(key)
                digest = content_digest(record)
                if walk != 3 and model.get(key) == digest:
                    continue
                model[key] = digest
                expected.append(record)
            assert tracker.accept(page) == expected
            emitted += len(expected)
        assert tracker.emitted == emitted
        assert set(tracker.seen) == seen and len(tracker.seen) == len(seen)
        gone = [k for k in model if k not in seen]
        tombstones = tracker.finish(True, True, None, {}, f"e{walk}")
        assert sorted((t["id"] for t in tombstones), key=str) == sorted(gone, key=str)
        for key in gone:
            del model[key]
        state = tracker.state
        assert DigestIndex.unpack(state["digests"]) == model

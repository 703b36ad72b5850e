"""The cyclic garbage collector during a run: tuned inside the run (real runs, real collections), restored after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from pipelines.collector import DEFAULT_GC_THRESHOLD, collector_tuned, configured_threshold
from pipelines.summary import error_line
from tests.bytehr.helpers import VENDOR, start
from tests.harness import Harness


class Collections:
    """Records the collector's threshold and freeze count at every collection Python makes."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.seen.append((gc.get_threshold()[0], gc.get_freeze_count()))


@pytest.fixture
def collections() -> Iterator[Collections]:
    recorder = Collections()
    gc.callbacks.append(recorder)
    try:
        yield recorder
    finally:
        gc.callbacks.remove(recorder)


def test_a_run_freezes_what_existed_and_raises_the_threshold(harness: Harness, collections: Collections) -> None:
    harness.monkeypatch.delenv("HR_ELT__GC_THRESHOLD", raising=False)
    start(harness, employees=120)
    before = (gc.get_threshold(), gc.get_freeze_count())
    result = harness.run(VENDOR)
    assert result.rows["employees"] == 120
    during = [frozen for threshold, frozen in collections.seen if threshold == DEFAULT_GC_THRESHOLD]
    assert during, collections.seen  # the run made collections, all with the raised threshold
    assert all(frozen > 0 for frozen in during)  # the objects alive before the run were out of reach
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_zero_leaves_the_collector_as_it_is(harness: Harness, collections: Collections) -> None:
    harness.setenv("HR_ELT__GC_THRESHOLD", "0")
    start(harness, employees=120)
    before = gc.get_threshold()
    harness.run(VENDOR)
    assert collections.seen and {threshold for threshold, _ in collections.seen} == {before[0]}
    assert configured_threshold() == 0


def test_a_failed_run_restores_the_collector(harness: Harness) -> None:
    start(harness)
    harness.setenv("SOURCES__BYTEHR__API_KEY", "bhr_not_a_key_000000")
    before = (gc.get_threshold(), gc.get_freeze_count())
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR)
    assert "invalid_api_key" in error_line(VENDOR, failure.value)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_overlapping_blocks_restore_once_and_keep_the_applications_frozen_objects() -> None:
    before = gc.get_threshold()
    gc.freeze()  # an application that froze its own objects (e.g. before forking workers)
    frozen = gc.get_freeze_count()
    try:
        inside = threading.Event()
        release = threading.Event()

        def other_run() -> None:
            with collector_tuned(5_000):
                inside.set()
                release.wait(10)

        thread = threading.Thread(target=other_run)
        thread.start()
        assert inside.wait(10)
        with collector_tuned(5_000):
            assert gc.get_threshold()[0] == 5_000
        assert gc.get_threshold()[0] == 5_000  # the other run is still inside
        release.set()
        thread.join(10)
        assert gc.get_threshold() == before
        # not unfrozen by us (that would make it 0); a few frozen objects may have been freed meanwhile
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_settings() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("HR_ELT__GC_THRESHOLD", raising=False)
        assert configured_threshold() == DEFAULT_GC_THRESHOLD
        mp.setenv("HR_ELT__GC_THRESHOLD", "50000")
        assert configured_threshold() == 50_000
        mp.setenv("HR_ELT__GC_THRESHOLD", "")
        assert configured_threshold() == 0
        for bad in ("lots", "-5"):
            mp.setenv("HR_ELT__GC_THRESHOLD", bad)
            with pytest.raises(ValueError, match="hr_elt.gc_threshold"):
                configured_threshold()

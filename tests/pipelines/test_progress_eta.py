"""Progress math and lines (pure), the display's look at a run's progress, and the tqdm feed."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from dlt.common.runtime.collector_base import Collector

from pipelines.run.progress_collector import FedCollector
from pipelines.run.progress_display import ProgressDisplay
from pipelines.run.progress_eta import Estimate, duration_text, estimate, progress_line, rate_text
from sources._shared.context import RunContext
from sources._shared.progress import ResourceProgress, progress_of


def test_rate_and_eta_from_the_vendors_total() -> None:
    guess = estimate(done=4_200, total=10_000, first_done=700, elapsed=100.0)
    assert guess == Estimate(rate=35.0, remaining=5_800, eta=pytest.approx(5_800 / 35))


def test_no_rate_before_anything_moved_and_no_eta_without_a_total() -> None:
    assert estimate(done=500, total=1_000, first_done=500, elapsed=30.0) == Estimate(None, 500, None)
    assert estimate(done=900, total=None, first_done=0, elapsed=30.0) == Estimate(30.0, None, None)


def test_the_documented_rate_caps_the_measured_one_and_stands_in_before_it() -> None:
    assert estimate(done=300, total=400, first_done=0, elapsed=10.0, max_rate=10.0) == Estimate(10.0, 100, 10.0)
    assert estimate(done=50, total=400, first_done=0, elapsed=10.0, max_rate=10.0) == Estimate(5.0, 350, 70.0)
    before = estimate(done=0, total=200, first_done=0, elapsed=0.0, max_rate=10.0)
    assert before == Estimate(10.0, 200, 20.0, measured=False)
    assert progress_line("hollyhr", "employments", ResourceProgress(total=200, unit="people", open_total=True),
                         before) == ("hollyhr: employments 0/200 people so far (0%), up to 10 people/s (the "
                                     "documented rate limit), ETA 20s for those known so far, the rest unknown "
                                     "(no total from the vendor)")


def test_done_is_done_even_past_the_total() -> None:
    assert estimate(done=10_010, total=10_000, first_done=0, elapsed=5.0) == Estimate(2_002.0, 0, 0.0)


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0s"), (45, "45s"), (166, "2m46s"), (3_720, "1h02m")])
def test_durations(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_rates_name_their_unit() -> None:
    assert rate_text(35.2, "records") == "35 rec/s"
    assert rate_text(2.5, "people") == "2.5 people/s"
    assert rate_text(0.05, "windows") == "3.0 windows/min"


def test_lines_say_counts_totals_and_eta_and_never_invent_a_total() -> None:
    walk = ResourceProgress(done=4_200, total=10_000)
    assert progress_line("bytehr", "employees", walk, estimate(4_200, 10_000, 700, 100.0)) == (
        "bytehr: employees 4,200/10,000 records (42%), 35 rec/s, ETA 2m46s")
    listing = ResourceProgress(done=1_200)
    assert progress_line("hollyhr", "people", listing, estimate(1_200, None, 0, 10.0)) == (
        "hollyhr: people 1,200 records, 120 rec/s, ETA unknown: the vendor gives no total")
    queued = ResourceProgress(done=800, total=1_200, unit="people", max_rate=10.0, open_total=True)
    assert progress_line("hollyhr", "employments", queued, estimate(800, 1_200, 0, 100.0, 10.0)) == (
        "hollyhr: employments 800/1,200 people so far (67%), 8.0 people/s, ETA 50s for those known so far, "
        "the rest unknown (no total from the vendor)")
    finished = ResourceProgress(done=4, total=4, unit="windows", finished=True)
    assert progress_line("cutehr", "attendance", finished, estimate(4, 4, 0, 8.0)) == (
        "cutehr: attendance 4/4 windows (100%), done")


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_display_logs_selected_resources_on_the_vendors_logger_and_done_once(
        caplog: pytest.LogCaptureFixture) -> None:
    context, clock = RunContext(), _Clock()
    progress = progress_of(context)
    display = ProgressDisplay(context, ["employees"], clock=clock)
    progress.report("bytehr", "employees", done=100, total=1_000)
    progress.report("bytehr", "departments", done=1, total=3)  # not selected: not shown
    with caplog.at_level(logging.INFO, logger="sources.bytehr"):
        display.tick()
        clock.now = 10.0
        progress.report("bytehr", "employees", done=300)
        display.tick()
        progress.report("bytehr", "employees", done=1_000)
        progress.finish("bytehr", "employees")
        clock.now = 20.0
        display.tick()
        display.tick()
    lines = [r.getMessage() for r in caplog.records if r.name == "sources.bytehr"]
    assert lines == ["bytehr: employees 100/1,000 records (10%), rate not known yet, ETA unknown yet",
                     "bytehr: employees 300/1,000 records (30%), 20 rec/s, ETA 35s",
                     "bytehr: employees 1,000/1,000 records (100%), done"]


class _Recorder(Collector):
    """A collector that keeps what dlt's API was called with."""

    def __init__(self) -> None:
        self.step = ""
        self.calls: list[tuple[Any, ...]] = []

    def update(self, name: str, inc: int = 1, total: int | None = None, inc_total: int | None = None,
               message: str | None = None, label: str = "") -> None:
        self.calls.append((name, inc, total, inc_total))

    def _start(self, step: str) -> None:
        self.calls.append(("start", step))

    def _stop(self) -> None:
        self.calls.append(("stop",))


def test_the_tqdm_feed_turns_absolute_counts_into_dlts_increments_per_step() -> None:
    inner = _Recorder()
    fed = FedCollector(inner)
    fed.feed("hollyhr/employments", 5, 200)  # between steps: nothing
    with fed("Extract hollyhr"):
        fed.feed("hollyhr/employments", 10, 200)
        fed.feed("hollyhr/employments", 10, 200)  # nothing new: no call
        fed.feed("hollyhr/employments", 50, 400)  # more people read: the total grows
        fed.update("Resources", 1)  # dlt's own counters pass through
    with fed("Normalize hollyhr in 1765"):  # dlt's counters alone
        fed.feed("hollyhr/employments", 55, 400)
    with fed("Extract hollyhr"):  # a checkpoint's next chunk: new bars, fed from where the run is
        fed.feed("hollyhr/employments", 60, 400)
    assert inner.calls == [("start", "Extract hollyhr"), ("hollyhr/employments", 10, 200, None),
                           ("hollyhr/employments", 40, None, 200), ("Resources", 1, None, None), ("stop",),
                           ("start", "Normalize hollyhr in 1765"), ("stop",),
                           ("start", "Extract hollyhr"), ("hollyhr/employments", 60, 400, None), ("stop",)]

"""What the bench asks of each vendor's scenario (sizes, sandbox settings, request floors, the 1% change,
probes), and the helpers scenarios share. Each vendor's scenario lives beside its sandbox app
(``sandbox/<vendor>/bench.py``) and is named by its spec.

A floor is what the API makes necessary and nothing more: ``ceil(rows / max page size)``
requests per resource (at least one: an empty list still has to be asked), child requests only
for the records that changed, the vendor's own fixed costs (a login, date windows the API
imposes). Floors are computed from the sandbox's own data, never from what a run did.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sources import registry

UTC = timezone.utc


def pages(rows: int, page_size: int) -> int:
    """Requests to read `rows` records: at least one, since an empty list must be asked too."""
    return max(1, math.ceil(rows / page_size))


@dataclass
class Size:
    """One point of a vendor's size ladder."""

    label: str  # e.g. "10k"
    params: dict[str, Any]  # the vendor spec's own knobs (employees, attendance rows, ...)
    big: bool = False  # the size the throughput targets are judged on


@dataclass
class Floor:
    """Requests and rows a run cannot do with less."""

    requests: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def as_dict(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "requests_total": self.total, "rows": dict(self.rows),
                "rows_total": sum(self.rows.values())}


class Scenario:
    """Base class: one vendor's bench settings (each vendor's lives in ``sandbox/<vendor>/bench.py``)."""

    name = ""
    resources: tuple[str, ...] = ()
    incremental_note = ""  # what "incremental" means for this vendor, for the README
    incremental_resources: tuple[str, ...] = ()  # resources with an update filter: one page when nothing changed
    floor_note = ""  # the vendor's fixed costs, for the README's description of the floor
    smoke: dict[str, Any] = {}  # the tiny size tests/bench runs (`--sizes`), e.g. {"employees": 40}

    def __init__(self, today: date) -> None:
        self.today = today

    # sizes ------------------------------------------------------------------------------------
    def ladder(self, quick: bool) -> list[Size]:
        raise NotImplementedError

    def sandbox_kwargs(self, size: Size) -> dict[str, Any]:
        raise NotImplementedError

    def env(self, size: Size) -> dict[str, str]:
        """Extra settings for our source (e.g. pacing off: the sandbox's limits are off too)."""
        return {}

    def baseline_kwargs(self, size: Size, phase: str) -> dict[str, Any]:
        return {}

    # requests -----------------------------------------------------------------------------
    def classify(self, path: str) -> str:
        raise NotImplementedError

    def full_floor(self, app: Any, size: Size) -> Floor:
        raise NotImplementedError

    def snapshot(self, app: Any) -> Any:
        """What an incremental floor needs to know about the data as of the last sync."""
        return None

    def incremental_floor(self, app: Any, size: Size, snap: Any) -> Floor:
        raise NotImplementedError

    def mutate(self, app: Any, fraction: float, rng: random.Random) -> dict[str, int]:
        raise NotImplementedError

    # physical floor probe --------------------------------------------------------------------
    def probe_plan(self, app: Any, size: Size) -> dict[str, Any]:
        raise NotImplementedError

    # WAN scenario (bench/wan.py) ---------------------------------------------------------------
    wan_size: Size | None = None  # None: the vendor has no WAN scenario
    rate_note = ""  # the documented limit the rate floor is computed from, for the README
    rate_target: float | None = None  # the WAN target: elapsed at most this many times the rate floor (None: none)
    window_s = 0.0  # the documented rate limit's window in seconds (0: no per-window limit)

    def wan_sandbox_kwargs(self, size: Size, service_s: float) -> dict[str, Any]:
        """The sandbox as the real API behaves: documented limits on, `service_s` per request."""
        raise NotImplementedError

    def wan_env(self, size: Size) -> dict[str, str]:
        """Our source's settings for the WAN scenario: its defaults (pacing on), the scenario's data."""
        return {}

    # resume scenario (bench/scenarios/resume.py) -------------------------------------------------
    resume_size: Size | None = None  # None: the vendor has no resume scenario
    resume_quick: Size | None = None  # the size `--quick` uses

    def resume_interval(self) -> dict[str, Any]:
        """One checkpoint interval at the defaults: its note, and the most requests a kill may cost (the bound)."""
        raise NotImplementedError

    def checkpoints_off_env(self) -> dict[str, str]:
        """Settings that make a full sync one load (an interval no run reaches): checkpoints off."""
        never = str(10**9)
        return {"HR_ELT__CHECKPOINT__MAX_REQUESTS": never, "HR_ELT__CHECKPOINT__MAX_SECONDS": never}

    def rate_floor(self, floor: Floor) -> tuple[float, str] | None:
        """Seconds the documented rate limit needs for `floor`'s requests, and the route that sets it.

        None: the API has no short-term limit (the latency floor is the only one).
        """
        return None


def sample(items: list[Any], fraction: float, rng: random.Random) -> list[Any]:
    k = max(1, round(len(items) * fraction)) if items else 0
    return rng.sample(items, k)


def host_port(base_url: str) -> tuple[str, int, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", int(parts.port or 80), parts.path.rstrip("/")


def scenario_class(vendor: str) -> type[Scenario]:
    """The bench scenario class ``vendor`` declares in its spec (``VendorSpec.bench_scenario``)."""

    cls: type[Scenario] = registry.get(vendor).bench_scenario_class()
    return cls


def bench_vendors() -> list[str]:
    """Registered vendors that declare a bench scenario, in registry order."""

    return [spec.name for spec in registry.specs() if spec.bench_scenario is not None]


def make_specs(names: Iterable[str], now: datetime | None = None) -> list[Scenario]:
    today = (now or datetime.now(UTC)).date()
    return [scenario_class(n)(today) for n in names]

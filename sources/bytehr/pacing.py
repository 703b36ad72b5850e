"""Which ByteHR resources a run walks, so that the monthly quota lasts until its reset.

:func:`decide` is the one pure function behind it: the source asks it before each walk
(:class:`WalkPacer`) and ``hr-elt quota bytehr`` replays it over the schedule to print its plan
(:func:`plan`), so the plan and the runs cannot disagree.

The even pace (``quota_pacing = "even"``). B, the cycle's budget, is the quota limit less
``quota_reserve``. It is spread evenly from the cycle's start (the reset less one calendar month)
to its reset, plus a burst allowance b = min(B, max(``pace_burst_runs`` full runs,
``pace_burst_share`` x B)) that tapers to nothing at the reset::

    allowed(t) = B * f + b * (1 - f),    f = (t - cycle start) / (reset - cycle start)

A resource is walked when

1. its cadence cap (``min_interval_hours``, none by default) has passed since its last complete
   walk began;
2. the requests its walk needs leave ``quota_reserve`` untouched (else: skipped, reason
   ``reserve``, until the reset);
3. what the key spent this cycle (limit less the server's ``X-Quota-Remaining``: other tools that
   share the key included), plus the walks this run already took on, plus its own cost fits
   ``allowed(t)``; and what this source spent on the resource this cycle plus its cost fits the
   resource's share of ``allowed(t)`` (its cost over a full run's), so that a cheap resource never
   takes the pace of an expensive one: every resource is walked equally often (else: reason ``pace``).

Resources are judged in ``walk_priority`` order. One whose share is due but whose walk the key's
pace cannot pay for yet (others spent it) holds the ones after it back. Since spending never
exceeds ``allowed(t) <= B``, an hourly schedule spreads its walks over the whole cycle and ends it
just above the reserve; a run by hand right after another walks again while the burst lasts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import pendulum

from sources._shared.errors import ProviderConfigError
from sources.bytehr import settings
from sources.bytehr.quota import QuotaLedger, iso, pages_for, parse_time, roll_reset, utc_now

logger = logging.getLogger("sources.bytehr")

PACE = "pace"
CADENCE = "cadence cap"
RESERVE = "reserve"
_EPSILON = 1e-9


@dataclass(frozen=True)
class PacePolicy:
    """The pacing settings of one source (see the module docstring)."""

    pacing: str = "even"
    reserve: int = settings.QUOTA_RESERVE
    burst_runs: float = settings.PACE_BURST_RUNS
    burst_share: float = settings.PACE_BURST_SHARE
    priority: tuple[str, ...] = settings.WALK_PRIORITY
    cadence_hours: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Cycle:
    """One quota cycle as the server last told it."""

    limit: int
    remaining: int
    start: pendulum.DateTime
    reset: pendulum.DateTime

    @classmethod
    def of(cls, limit: int | None, remaining: int | None, reset: str | None,
           now: pendulum.DateTime) -> Cycle | None:
        """The cycle `now` falls in; a reset that has passed starts a full cycle. None: unknown."""
        saved = parse_time(reset)
        if limit is None or remaining is None or saved is None:
            return None
        when = roll_reset(saved, now)
        return cls(limit, remaining if when == saved else limit, when.subtract(months=1), when)

    def fraction(self, now: pendulum.DateTime) -> float:
        """How far into the cycle `now` is, 0..1."""
        span = (self.reset - self.start).total_seconds()
        return min(1.0, max(0.0, (now - self.start).total_seconds() / span)) if span > 0 else 1.0

    def at(self, fraction: float) -> pendulum.DateTime:
        """The time `fraction` of the way through the cycle."""
        return self.start.add(seconds=fraction * (self.reset - self.start).total_seconds())


@dataclass(frozen=True)
class Decision:
    """Whether one resource is walked now; when not, why and when it is next affordable."""

    resource: str
    walk: bool
    cost: int
    reason: str | None = None
    next_at: pendulum.DateTime | None = None
    detail: str = ""

    def describe(self) -> str:
        """``employees: skipped (pace): its walk needs 100 requests; ...; next affordable at ...``."""
        when = f"next affordable at {iso(self.next_at)}" if self.next_at is not None else "next affordable: unknown"
        return f"{self.resource}: skipped ({self.reason}): its walk needs {self.cost} requests; {self.detail}; {when}"


def burst(policy: PacePolicy, budget: int, full_run: int) -> float:
    """The burst allowance: ``pace_burst_runs`` full runs or ``pace_burst_share`` of the budget, within it."""
    return float(min(budget, max(policy.burst_runs * full_run, policy.burst_share * budget)))


def allowed(budget: int, burst_allowance: float, fraction: float) -> float:
    """Requests the even pace allows spent by `fraction` of the cycle."""
    return budget * fraction + burst_allowance * (1 - fraction)


def decide(policy: PacePolicy, now: pendulum.DateTime, cycle: Cycle | None, costs: Mapping[str, int | None],
           spent: Mapping[str, int], last_started: Mapping[str, pendulum.DateTime | None],
           booked: int = 0, settled: Iterable[str] = (), run_spent: int = 0) -> dict[str, Decision]:
    """Which resources a run walks now. Pure: the same inputs give the same decisions.

    Args:
        policy: The pacing settings.
        now: The time of the run.
        cycle: The quota cycle `now` falls in (:meth:`Cycle.of`); None when never seen: all walk.
        costs: Requests a walk of each resource needs (None: never walked, counts as one).
        spent: Requests this source spent on each resource in `cycle`.
        last_started: When each resource's last complete walk began (the cadence cap's clock).
        booked: Requests of walks this run already took on that the server has not counted yet.
        settled: Resources already decided in this run: left out (their requests are in `booked`).
        run_spent: Requests this run already sent (counted in `cycle.remaining`): what was left when the
            run began paces every walk of the run alike.

    Returns:
        A decision per resource of ``costs`` not in `settled`.
    """
    out: dict[str, Decision] = {}
    settled = set(settled)
    order = [r for r in policy.priority if r in costs] + [r for r in costs if r not in policy.priority]
    order = [r for r in order if r not in settled]
    full = sum(c or 1 for c in costs.values()) or 1
    budget = max(0, cycle.limit - policy.reserve) if cycle else 0
    spare = burst(policy, budget, full)
    fraction = cycle.fraction(now) if cycle else 0.0
    limit_now = allowed(budget, spare, fraction)
    holder: Decision | None = None
    for name in order:
        cost = costs[name] or 1
        capped = _cadence(policy, name, now, last_started.get(name))
        if capped is not None:
            out[name] = Decision(name, False, cost, CADENCE, capped,
                                 f"min_interval_hours {policy.cadence_hours.get(name, 0):g}")
            continue
        if cycle is not None and cycle.remaining - booked - cost < policy.reserve:
            # in walk_priority order in every pacing mode: what comes first gets a short quota
            out[name] = Decision(name, False, cost, RESERVE, cycle.reset,
                                 f"{max(0, cycle.remaining - booked)} of {cycle.limit} left, quota_reserve "
                                 f"{policy.reserve}")
            continue
        if policy.pacing == "off" or cycle is None:
            out[name] = Decision(name, True, cost)
            booked += cost
            continue
        key_spent = cycle.limit - cycle.remaining
        share = cost / full if costs[name] is not None else None
        own_need = (spent.get(name, 0) + cost) / share if share else 0.0
        key_need = key_spent + booked + cost
        if holder is not None:
            out[name] = Decision(name, False, cost, PACE, holder.next_at,
                                 f"{holder.resource} comes first in walk_priority and waits for the pace")
            continue
        own_ok = own_need <= limit_now + _EPSILON
        left = cycle.remaining + run_spent - policy.reserve
        key_ok = key_need <= limit_now + _EPSILON or _left_paces(cycle, now, last_started.get(name), left, full)
        if own_ok and key_ok:
            out[name] = Decision(name, True, cost)
            booked += cost
            continue
        own_at = _when_allowed(cycle, budget, spare, own_need)
        key_at = min(_when_allowed(cycle, budget, spare, key_need),
                     _when_left_paces(cycle, last_started.get(name), left, full))
        at = max(own_at, key_at) if not own_ok else key_at
        detail = (f"the even pace allows {limit_now:.0f} of this cycle's {budget} requests above the reserve by now; "
                  f"the key has spent {key_spent}" + (f", this run {booked} more" if booked else "")
                  + (f", this source {spent.get(name, 0)} on {name}" if share else "")
                  + f"; the {max(0, left)} left above the reserve, paced over the time left, pay for a full run "
                    f"({full} requests) {_every(cycle, now, left, full)}")
        out[name] = decision = Decision(name, False, cost, PACE, at, detail)
        if own_ok:
            holder = decision  # its turn by its share: the key's pace, spent by others, is what it waits for
    return out


def _left_paces(cycle: Cycle, now: pendulum.DateTime, started: pendulum.DateTime | None, left: int,
                full: int) -> bool:
    """True when what is left above the reserve, spread evenly over the time left, pays for this walk now.

    What others sharing the key spent is gone from `left`: the pace slows down instead of stopping.
    A resource walks when the time since its last walk began, at the rate of `left` requests over the
    time to the reset, has earned a full run (each resource its share of it: every resource as often).
    """
    if left <= 0:
        return False
    if started is None:
        return True
    elapsed = (now - started).total_seconds()
    to_reset = (cycle.reset - now).total_seconds()
    return elapsed * left >= to_reset * full - _EPSILON


def _when_left_paces(cycle: Cycle, started: pendulum.DateTime | None, left: int, full: int) -> pendulum.DateTime:
    """When :func:`_left_paces` holds if nobody spends meanwhile; the reset when never in this cycle."""
    if left <= 0 or started is None:
        return cycle.reset
    reset_s, started_s = cycle.reset.timestamp(), started.timestamp()
    return pendulum.from_timestamp((reset_s * full + started_s * left) / (left + full), tz="UTC")


def _every(cycle: Cycle, now: pendulum.DateTime, left: int, full: int) -> str:
    """``every 98.3 hours``: what is left, paced over the time left."""
    if left <= 0:
        return "not once"
    return f"every {(cycle.reset - now).total_seconds() / 3600 * full / left:.1f} hours"


def _cadence(policy: PacePolicy, name: str, now: pendulum.DateTime,
             started: pendulum.DateTime | None) -> pendulum.DateTime | None:
    """When the cadence cap lets `name` walk again, if that is later than now."""
    hours = policy.cadence_hours.get(name, 0.0)
    if hours <= 0 or started is None:
        return None
    due = started.add(seconds=hours * 3600 * (1 - settings.INTERVAL_SLACK))
    return due if now < due else None


def _when_allowed(cycle: Cycle, budget: int, spare: float, need: float) -> pendulum.DateTime:
    """The first time ``allowed(t) >= need`` in this cycle; the reset when not before it."""
    if need > budget + _EPSILON or budget - spare <= 0:
        return cycle.reset
    fraction = max(0.0, (need - spare) / (budget - spare))
    return cycle.at(min(1.0, fraction))


def cadence_caps(overrides: Mapping[str, float] | None) -> dict[str, float]:
    """``min_interval_hours`` per resource (``"*"``: every unlisted one; none by default)."""
    overrides = dict(overrides or {})
    default = overrides.pop("*", None)
    unknown = set(overrides) - set(settings.ENDPOINTS)
    if unknown:
        raise ProviderConfigError(settings.PROVIDER, f"min_interval_hours names unknown resources {sorted(unknown)}",
                                  hint=f"Use resource names {sorted(settings.ENDPOINTS)} or \"*\"")
    base = {name: float(default) if default is not None else 0.0 for name in settings.ENDPOINTS}
    return {**base, **{k: float(v) for k, v in overrides.items()}}


# --- what the source and the plan read from dlt state ---------------------------------------
def costs_of(resource_states: Mapping[str, Any], page_size: int,
             resources: Iterable[str] = settings.ENDPOINTS) -> dict[str, int | None]:
    """Requests a walk of each resource needs, from its last complete walk (None: never walked)."""
    return {name: pages_for(((resource_states.get(name) or {}).get("last_walk") or {}).get("records"), page_size)
            for name in resources}


def last_started_of(resource_states: Mapping[str, Any],
                    resources: Iterable[str] = settings.ENDPOINTS) -> dict[str, pendulum.DateTime | None]:
    """When each resource's last complete walk began."""
    return {name: parse_time(((resource_states.get(name) or {}).get("last_walk") or {}).get("started_at"))
            for name in resources}


def spent_of(pace_state: Mapping[str, Any] | None, cycle: Cycle | None) -> dict[str, int]:
    """Requests this source spent per resource in `cycle` (saved in state ``pace``)."""
    pace_state = pace_state or {}
    if cycle is None or parse_time(pace_state.get("reset")) != cycle.reset:
        return {}
    return {str(k): int(v) for k, v in (pace_state.get("spent") or {}).items()}


def learned_runs_per_day(pace_state: Mapping[str, Any] | None) -> float | None:
    """Runs a day, from the median gap between the last runs' start times (None: fewer than three runs)."""
    times = sorted(t for t in (parse_time(v) for v in (pace_state or {}).get("runs") or []) if t is not None)
    gaps = sorted((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False) if b > a)
    if len(gaps) < 2:
        return None
    middle = gaps[len(gaps) // 2]
    return 86400 / middle if middle > 0 else None


# --- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """What the schedule will do until the reset, replaying :func:`decide` run by run."""

    runs_per_day: float
    start: pendulum.DateTime
    reset: pendulum.DateTime
    walks: dict[str, int]
    costs: dict[str, int]
    left_at_reset: int
    walked_at: dict[str, list[pendulum.DateTime]] = field(default_factory=dict)

    def per_day(self, name: str) -> float:
        """Walks of `name` a day until the reset."""
        days = (self.reset - self.start).total_seconds() / 86400
        return self.walks[name] / days if days > 0 else 0.0


def plan(policy: PacePolicy, now: pendulum.DateTime, cycle: Cycle, costs: Mapping[str, int | None],
         spent: Mapping[str, int], last_started: Mapping[str, pendulum.DateTime | None],
         runs_per_day: float) -> Plan:
    """Replays the schedule (a run every 24 / `runs_per_day` hours from `now`) until the reset.

    Nobody else is assumed to spend from the key; walks cost what their last complete walk cost.
    """
    step = 86400 / runs_per_day
    known = {name: c or 1 for name, c in costs.items()}
    spent = dict(spent)
    started = dict(last_started)
    remaining = cycle.remaining
    walked_at: dict[str, list[pendulum.DateTime]] = {name: [] for name in known}
    at = now
    while at < cycle.reset:
        state = Cycle(cycle.limit, remaining, cycle.start, cycle.reset)
        for name, decision in decide(policy, at, state, known, spent, started).items():
            if decision.walk:
                walked_at[name].append(at)
                spent[name] = spent.get(name, 0) + decision.cost
                started[name] = at
                remaining -= decision.cost
        at = at.add(seconds=step)
    walks = {name: len(times) for name, times in walked_at.items()}
    return Plan(runs_per_day, now, cycle.reset, walks, known, remaining, walked_at)


def plan_from_state(source_state: Mapping[str, Any], policy: PacePolicy, page_size: int,
                    now: pendulum.DateTime, runs_per_day: float) -> Plan | None:
    """:func:`plan` from the ByteHR source state a run left (None: no run has seen the quota yet)."""
    info = source_state.get("quota") or {}
    cycle = Cycle.of(info.get("limit"), info.get("remaining"), info.get("reset"), now)
    if cycle is None:
        return None
    resources = source_state.get("resources") or {}
    return plan(policy, now, cycle, costs_of(resources, page_size), spent_of(source_state.get("pace"), cycle),
                last_started_of(resources), runs_per_day)


def decisions_from_state(source_state: Mapping[str, Any], policy: PacePolicy, page_size: int,
                         now: pendulum.DateTime) -> dict[str, Decision]:
    """What a run at `now` would decide before its first request, from the source state the last run left."""
    info = source_state.get("quota") or {}
    cycle = Cycle.of(info.get("limit"), info.get("remaining"), info.get("reset"), now)
    resources = source_state.get("resources") or {}
    return decide(policy, now, cycle, costs_of(resources, page_size), spent_of(source_state.get("pace"), cycle),
                  last_started_of(resources))


def plan_lines(result: Plan) -> list[str]:
    """The plan as ``hr-elt quota bytehr`` prints it."""
    # a learned schedule carries the seconds a scheduler's starts drift by: not digits that mean anything
    runs = f"{round(result.runs_per_day, 1):g}" if result.runs_per_day >= 1 else f"{result.runs_per_day:.2g}"
    lines = [f"  plan         {runs} runs a day until the reset: walks a day per resource"]
    for name in result.walks:
        rate = result.per_day(name)
        every = f" (every {1 / rate:.1f} days)" if 0 < rate < 1 else ""
        lines.append(f"    {name:<26}{rate:5.2f}{every}, {result.costs[name]} requests a walk")
    lines.append(f"  at the reset {result.left_at_reset} requests left")
    return lines


# --- the source's side --------------------------------------------------------------------------
class WalkPacer:
    """Asks :func:`decide` once per resource and run; says every skip.

    Decisions are taken together for the resources not yet decided: first from what the last run
    saw, then again once this run's first answer told the server's count.
    """

    def __init__(self, ledger: QuotaLedger, policy: PacePolicy, page_size: int) -> None:
        self.ledger = ledger
        self.policy = policy
        self.page_size = page_size
        self.decisions: dict[str, Decision] = {}
        self._tentative: dict[str, Decision] = {}
        self._tentative_live = False
        self._lock = threading.Lock()

    def admit(self, resource: str, source_state: MutableMapping[str, Any]) -> bool:
        """True when `resource` is walked now; else logs (INFO) and notes why, and when it is next affordable."""
        if self.ledger.spent is not None:
            return True  # ByteHR said quota_exceeded in this run: the walk fails on it, as every walk does
        with self._lock:
            decision = self._decide(resource, source_state)
        if decision.walk:
            return True
        if decision.reason == RESERVE and self.policy.pacing == "off":
            # no pacing: the walk starts, and quota_mode says what a walk the quota cannot pay for does
            # (refuse: it fails with the numbers; partial: it walks what fits). It starts after the walks
            # before it in walk_priority (the source's resource order), which booked their pages first.
            return True
        text = decision.describe()
        logger.info("%s", text)
        self.ledger.context.note(settings.PROVIDER, f"skip/{resource}", text)
        return False

    def _decide(self, resource: str, source_state: MutableMapping[str, Any]) -> Decision:
        if resource in self.decisions:
            return self.decisions[resource]
        live = self.ledger.live
        if resource not in self._tentative or (live and not self._tentative_live):
            now = utc_now()
            info = self.ledger.info
            remaining = self.ledger.remaining_estimate()
            cycle = Cycle.of(info.limit, remaining, info.reset, now)
            resources = source_state.get("resources") or {}
            costs = costs_of(resources, self.page_size)
            booked = sum(max(0, d.cost - self.ledger.sent_by.get(name, 0))
                         for name, d in self.decisions.items() if d.walk)
            self._tentative = decide(self.policy, now, cycle, costs, spent_of(source_state.get("pace"), cycle),
                                     last_started_of(resources), booked=booked, settled=self.decisions,
                                     run_spent=self.ledger.sent)
            expires = parse_time(info.expires_at)
            if expires is not None and expires <= now:
                # the key expired since the last answer: a walk asks, and ByteHR's 401 says so (it costs no quota)
                self._tentative = {name: Decision(name, True, d.cost) for name, d in self._tentative.items()}
            self._tentative_live = live
        decision = self.decisions[resource] = self._tentative[resource]
        return decision

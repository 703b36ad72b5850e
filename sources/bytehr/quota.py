"""ByteHR's monthly request quota and key expiry, as one run of the source sees them.

:class:`QuotaLedger` is shared by every walk of one source instance. It reads the
``X-Quota-*`` and ``X-API-Key-Expires-At`` headers of every response (the server's remaining
count is the truth: other pipelines may share the key), refuses to send a request that would
cross ``remaining - quota_reserve`` (:class:`QuotaGate`, the hook the HTTP session calls before
every attempt, retries included), books the pages a walk is expected to take, and keeps what it
learned in dlt source state so that the next run, and ``hr-elt quota bytehr``, know it before
their first request. It also counts what this source spends per resource in the cycle and when
its runs start (state ``pace``, read by :mod:`sources.bytehr.pacing`), and sets the run facts
``quota_remaining``, ``quota_reset`` and ``key_expires_at`` for run history.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import pendulum
from requests import Response

from sources._shared.config import setting_name
from sources._shared.context import RunContext
from sources._shared.errors import ProviderQuotaError
from sources._shared.http.pacing import RatePacer
from sources.bytehr import settings


class WalkAdmission(Protocol):
    """What the ledger hands the resources: who may walk now (:class:`sources.bytehr.pacing.WalkPacer`)."""

    def admit(self, resource: str, source_state: MutableMapping[str, Any]) -> bool:
        """Whether `resource` may walk this run; says why not when it may not."""
        ...

logger = logging.getLogger("sources.bytehr")

KEY_SETTING = setting_name(settings.PROVIDER, "api_key")
STATE_KEY = "quota"
PACE_STATE_KEY = "pace"  # requests this source spent per resource this cycle, and its last runs' start times
RUNS_KEPT = 48
CODE_RESERVE = "quota_reserve"  # our own refusal, before any request is sent


def fingerprint(secret: str) -> str:
    """A short one-way hash that tells keys apart without revealing them."""
    return hashlib.blake2b(secret.encode("utf-8"), digest_size=4, person=b"bytehr-key").hexdigest()


def utc_now() -> pendulum.DateTime:
    """The current time in UTC."""
    return pendulum.now("UTC")


def iso(dt: pendulum.DateTime) -> str:
    """``2026-11-23T19:43:07Z``."""
    return dt.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss[Z]")


def parse_time(value: Any) -> pendulum.DateTime | None:
    """An ISO-8601 timestamp as a UTC datetime; None when absent or malformed."""
    if not value:
        return None
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    return parsed.in_timezone("UTC") if isinstance(parsed, pendulum.DateTime) else None


def roll_reset(reset: pendulum.DateTime, now: pendulum.DateTime) -> pendulum.DateTime:
    """The reset of the cycle `now` falls in, from an earlier cycle's (cycles are calendar months)."""
    while now >= reset:
        reset = reset.add(months=1)
    return reset


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class QuotaInfo:
    """The quota as last seen in a response's headers."""

    limit: int | None = None
    remaining: int | None = None
    reset: str | None = None
    expires_at: str | None = None
    observed_at: str | None = None
    request_id: str | None = None
    key_fingerprint: str | None = None  # which key the counts belong to (a short hash, not the key)

    @classmethod
    def from_state(cls, saved: Mapping[str, Any] | None) -> QuotaInfo:
        """What an earlier run saved in dlt state."""
        saved = saved or {}
        return cls(**{k: saved.get(k) for k in cls.__dataclass_fields__})

    def used(self) -> int | None:
        """Requests counted in this cycle (by everyone sharing the key)."""
        if self.limit is None or self.remaining is None:
            return None
        return max(0, self.limit - self.remaining)

    def describe(self) -> str:
        """``used 88 of 1000 this cycle, 912 remaining, resets at …``."""
        used = self.used()
        head = f"used {used} of {self.limit} requests this cycle, " if used is not None else ""
        return f"{head}{self.remaining if self.remaining is not None else 'unknown'} remaining, " \
               f"resets at {self.reset or 'an unknown time'}"


def pages_for(records: int | None, page_size: int) -> int | None:
    """Requests a full walk of `records` takes: ceil(records / page size), at least one."""
    if records is None:
        return None
    return max(1, math.ceil(records / page_size))


def full_run_requests(resource_states: Mapping[str, Any], page_size: int,
                      resources: Iterable[str] = settings.ENDPOINTS) -> tuple[int, bool]:
    """(requests one run of all resources takes, True when every resource has a complete walk to go by).

    A resource never walked completely counts as one request.
    """
    total, known = 0, True
    for name in resources:
        last = (resource_states.get(name) or {}).get("last_walk") or {}
        pages = pages_for(last.get("records"), page_size)
        if pages is None:
            known = False
        total += pages or 1
    return total, known


class QuotaLedger:
    """What one run knows about the monthly quota, shared by all walks of one source.

    Args:
        reserve: Requests left untouched each cycle (``quota_reserve``).
        header_names: ByteHR's header names (``settings.HEADER_NAMES`` merged with the setting).
        expiry_warning_days: Warn when the key expires in fewer days than this.
        key_fingerprint: A short hash of the API key: what an earlier run saved about another key is ignored.
        context: The run's context, which quota and key-expiry notes go to.
    """

    def __init__(self, reserve: int, header_names: Mapping[str, str], expiry_warning_days: float,
                 key_fingerprint: str | None = None, *, context: RunContext) -> None:
        self.context = context
        self.reserve = max(0, int(reserve))
        self.key_fingerprint = key_fingerprint
        self.headers = dict(header_names)
        self.expiry_warning_days = expiry_warning_days
        self.info = QuotaInfo(key_fingerprint=key_fingerprint)
        self.live = False  # a response was observed in this run
        self.sent = 0  # attempts sent in this run
        self.sent_by: dict[str, int] = {}  # attempts sent in this run, per walk
        self.pace: dict[str, Any] = {"reset": None, "spent": {}, "runs": []}
        self.unanswered = 0  # attempts sent since the last quota headers
        self.reservations: dict[str, int] = {}
        self.spent: ProviderQuotaError | None = None
        self.failed_first: str | None = None
        self.continues_run = False  # a later chunk of a checkpointed run: its start is already counted
        self._state: MutableMapping[str, Any] | None = None
        self._pacer: WalkAdmission | None = None
        self._warned = False
        self._lock = threading.RLock()

    @property
    def pacer(self) -> WalkAdmission:
        """What decides which walks this run takes (set by the source with :meth:`use_pacer`)."""
        if self._pacer is None:
            raise RuntimeError("the quota ledger has no walk pacer")
        return self._pacer

    def use_pacer(self, pacer: WalkAdmission) -> None:
        """Sets the walk pacer the resources ask before they walk."""
        self._pacer = pacer

    # --- state ---------------------------------------------------------------------------
    def attach(self, source_state: MutableMapping[str, Any]) -> None:
        """Loads what the last run saw (once per run); a cycle that has reset since counts as full."""
        with self._lock:
            if self._state is not None:
                return
            self._state = source_state
            saved_pace = source_state.get(PACE_STATE_KEY) or {}
            saved_runs = list(saved_pace.get("runs") or [])
            runs = saved_runs[-RUNS_KEPT:] if self.continues_run else [*saved_runs[-(RUNS_KEPT - 1):], iso(utc_now())]
            self.pace = {"reset": saved_pace.get("reset"), "spent": dict(saved_pace.get("spent") or {}), "runs": runs}
            self._save_pace()  # this run's start counts for the learned schedule even when it walks nothing
            if self.live:
                self._save()
                return
            saved = QuotaInfo.from_state(source_state.get(STATE_KEY))
            if saved.key_fingerprint != self.key_fingerprint:
                return  # another key (e.g. a reset one): its counts say nothing about this one
            reset = parse_time(saved.reset)
            if reset is not None and utc_now() >= reset and saved.limit is not None:
                saved.remaining = saved.limit  # a new cycle began since; the first response tells the truth
            self.info = saved

    def _save(self) -> None:
        if self._state is not None:
            self._state[STATE_KEY] = asdict(self.info)
            self._save_pace()

    def _save_pace(self) -> None:
        if self._state is not None:
            self._state[PACE_STATE_KEY] = {"reset": self.pace["reset"], "spent": dict(self.pace["spent"]),
                                           "runs": list(self.pace["runs"])}

    # --- planning ------------------------------------------------------------------------
    def remaining_estimate(self) -> int | None:
        """The server's last remaining count less the attempts sent since (None: unknown)."""
        with self._lock:
            if self.info.remaining is None:
                return None
            return self.info.remaining - self.unanswered

    def available(self, walk: str | None = None) -> int | None:
        """Requests `walk` may still send: remaining less the reserve and other walks' bookings."""
        with self._lock:
            estimate = self.remaining_estimate()
            if estimate is None:
                return None
            booked = sum(n for name, n in self.reservations.items() if name != walk)
            return estimate - self.reserve - booked

    def may_send(self, walk: str) -> bool:
        """True when `walk` may send one more request (unknown quota: yes, the answer will tell)."""
        available = self.available(walk)
        return self.spent is None and (available is None or available >= 1)

    def book(self, walk: str, pages: int) -> None:
        """Books the requests a walk expects to send, so concurrent walks leave them alone."""
        with self._lock:
            self.reservations[walk] = max(0, pages)

    def release(self, walk: str) -> None:
        """Drops what is left of a walk's booking."""
        with self._lock:
            self.reservations.pop(walk, None)

    # --- the gate ------------------------------------------------------------------------
    def before_request(self, walk: str) -> None:
        """Called before every attempt: raises instead of sending one that would cross the reserve."""
        with self._lock:
            if self.spent is not None:
                raise self.refusal(walk, "the monthly quota is spent", code=settings.CODE_QUOTA_EXCEEDED)
            estimate = self.remaining_estimate()
            if estimate is not None and estimate - self.reserve < 1:
                raise self.refusal(walk, "one more request would cross the quota reserve")
            self.unanswered += 1
            self.sent += 1
            self.sent_by[walk] = self.sent_by.get(walk, 0) + 1

    def _count_for_pace(self, walk: str) -> None:
        """Books one counted request on `walk`'s spending this cycle (what the pace shares out per resource)."""
        reset = parse_time(self.info.reset)
        if reset is None:
            return
        current = iso(roll_reset(reset, utc_now()))
        if self.pace["reset"] != current:
            self.pace["reset"], self.pace["spent"] = current, {}
        self.pace["spent"][walk] = int(self.pace["spent"].get(walk, 0)) + 1

    def observe(self, response: Response, walk: str) -> None:
        """Reads the quota and expiry headers of a response."""
        h = response.headers
        with self._lock:
            remaining = _int(h.get(self.headers["quota_remaining"]))
            if remaining is not None:
                self.info.remaining = remaining
                self.unanswered = 0
                self.live = True
                if self.reservations.get(walk):
                    self.reservations[walk] -= 1
            limit = _int(h.get(self.headers["quota_limit"]))
            if limit is not None:
                self.info.limit = limit
            self.info.reset = h.get(self.headers["quota_reset"]) or self.info.reset
            self.info.expires_at = h.get(self.headers["key_expires_at"]) or self.info.expires_at
            self.info.request_id = h.get(self.headers["request_id"]) or self.info.request_id
            if remaining is not None:
                self.info.observed_at = iso(utc_now())
                if response.status_code != 429:  # the server counted it (quota 429s do not count)
                    self._count_for_pace(walk)
            self._publish_facts(remaining)
            if response.status_code == 429 and error_code(response) == settings.CODE_QUOTA_EXCEEDED:
                self.spent = self.refusal(walk, "ByteHR answered quota_exceeded", code=settings.CODE_QUOTA_EXCEEDED)
            self._save()
        self._check_expiry(response)

    def _publish_facts(self, remaining: int | None) -> None:
        """The quota and key facts of the latest answer, for run history."""
        if remaining is not None:
            self.context.set_fact(settings.PROVIDER, "quota_remaining", remaining)
        for name, value in (("quota_reset", self.info.reset), ("key_expires_at", self.info.expires_at)):
            when = parse_time(value)
            if when is not None:
                self.context.set_fact(settings.PROVIDER, name, iso(when))

    def refusal(self, walk: str, what: str, code: str = CODE_RESERVE, needed: int | None = None) -> ProviderQuotaError:
        """The error for a request or walk the quota does not allow."""
        info = self.info
        need = f"the walk needs {needed} requests; " if needed is not None else ""
        message = f"{what}: {need}{info.describe()}; quota_reserve {self.reserve}, this run sent {self.sent}"
        if code == settings.CODE_QUOTA_EXCEEDED:
            hint = f"ByteHR allows no request until {info.reset or 'the monthly reset'}; walks resume where they ended"
        else:
            hint = (f"Run after {info.reset or 'the monthly reset'}, lower quota_reserve, or "
                    f"walk what fits with {setting_name(settings.PROVIDER, 'quota_mode')} = partial")
        return ProviderQuotaError(settings.PROVIDER, message, status=429 if code != CODE_RESERVE else None,
                                  code=code, request_id=info.request_id, hint=hint, resource=walk)

    # --- key expiry ----------------------------------------------------------------------
    def _check_expiry(self, response: Response) -> None:
        expires = parse_time(self.info.expires_at)
        if expires is None or self._warned:
            return
        now = _server_now(response) or utc_now()
        days = (expires - now).total_seconds() / 86400
        if days >= self.expiry_warning_days or days <= 0:
            return
        self._warned = True
        text = (f"API key expires at {iso(expires)} (in {days:.0f} days): reset it in ByteHR before then and put "
                f"the new key in {KEY_SETTING}")
        logger.warning("%s: %s", settings.PROVIDER, text)
        self.context.note(settings.PROVIDER, "key_expiry", text)

    # --- summary -------------------------------------------------------------------------
    def publish(self, resource_states: Mapping[str, Any], page_size: int) -> str:
        """Writes the one-line quota summary of this run to the run notes; returns it."""
        with self._lock:
            line = quota_line(self.info, self.reserve, resource_states, page_size, sent=self.sent)
        self.context.note(settings.PROVIDER, "quota", line)
        return line


def quota_line(info: QuotaInfo, reserve: int, resource_states: Mapping[str, Any], page_size: int,
               sent: int | None = None) -> str:
    """``quota: 7 requests this run; 983 of 1000 left until …; a full run needs 7: 139 more runs fit``."""
    need, known = full_run_requests(resource_states, page_size)
    parts = [f"quota: {sent} requests this run"] if sent is not None else ["quota:"]
    if info.remaining is not None:
        parts.append(f"{info.remaining} of {info.limit} left until {info.reset} (reserve {reserve})")
    runs = runs_that_fit(info, reserve, need)
    approx = "" if known else "at least "
    parts.append(f"a full run needs {approx}{need}" + (f": {runs} more full runs fit before the reset"
                                                       if runs is not None else ""))
    return "; ".join(parts)


def runs_that_fit(info: QuotaInfo, reserve: int, need: int) -> int | None:
    """How many full runs the remaining quota (above the reserve) pays for."""
    if info.remaining is None or need <= 0:
        return None
    return max(0, info.remaining - reserve) // need


def error_code(response: Response) -> str | None:
    """The ``error.code`` of a ByteHR error body, if any."""
    try:
        payload = response.json()
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return str(error.get("code")) if isinstance(error, dict) and error.get("code") else None


def _server_now(response: Response) -> pendulum.DateTime | None:
    raw = response.headers.get("Date")
    if not raw:
        return None
    try:
        return pendulum.instance(parsedate_to_datetime(raw)).in_timezone("UTC")
    except (TypeError, ValueError):
        return None


class QuotaGate(RatePacer):
    """The HTTP session's pacing hook for one walk: asks the ledger before every attempt."""

    def __init__(self, ledger: QuotaLedger, walk: str) -> None:
        super().__init__(honour_headers=False)
        self.ledger = ledger
        self.walk = walk

    def before_request(self) -> None:
        """Raises :class:`ProviderQuotaError` instead of crossing the quota reserve."""
        self.ledger.before_request(self.walk)

    def after_response(self, response: Response) -> None:
        """Learns the quota and key expiry from the response's headers."""
        self.ledger.observe(response, self.walk)

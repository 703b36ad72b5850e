"""Rate and ETA of one resource, and the progress line a person reads: pure functions, no clock, no I/O.

The rate is measured by the display (units done since it first saw the resource, over the seconds
since), capped by the vendor's documented rate where the resource says one (HollyHR's per-person
routes): an ETA is never faster than the vendor lets the run go. With no rate measured yet, the
documented rate alone gives the ETA. A remaining count comes only from a total the vendor gave (or,
for an open total, what is known so far); with none, the line says the total is unknown: nothing is
invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from sources._shared.progress import ResourceProgress

_SHORT_UNITS = {"records": "rec"}


@dataclass(frozen=True)
class Estimate:
    """How fast a resource goes and when it is done.

    Attributes:
        rate: Units a second the ETA is computed with (None: not known yet).
        remaining: Units still to read (None: the vendor gives no total).
        eta: Seconds until `remaining` is read at `rate` (None: not known).
        measured: `rate` was measured (False: it is the documented limit, nothing has moved yet).
    """

    rate: float | None
    remaining: int | None
    eta: float | None
    measured: bool = True


def estimate(done: int, total: int | None, first_done: int, elapsed: float, max_rate: float | None = None) -> Estimate:
    """The rate and ETA of a resource from two samples of its progress.

    Args:
        done: Units done now.
        total: Units there are (None: not known).
        first_done: Units done when the display first saw the resource.
        elapsed: Seconds since the display first saw it.
        max_rate: The most units a second the vendor's documented rate limit allows (None: not said).

    Returns:
        The estimate; the rate is the measured one, at most `max_rate`, or `max_rate` before any is measured.
    """
    measured = (done - first_done) / elapsed if elapsed > 0 and done > first_done else None
    rate = min(measured, max_rate) if measured is not None and max_rate else measured or max_rate or None
    remaining = max(total - done, 0) if total is not None else None
    from_measure = measured is not None or rate is None
    if remaining == 0:
        return Estimate(rate, 0, 0.0, from_measure)
    eta = remaining / rate if remaining is not None and rate else None
    return Estimate(rate, remaining, eta, from_measure)


def duration_text(seconds: float) -> str:
    """``45s``, ``2m46s``, ``1h02m``."""
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def rate_text(rate: float, unit: str) -> str:
    """``35 rec/s``, ``2.5 people/s``, ``4.0 windows/min`` (below one a second)."""
    short = _SHORT_UNITS.get(unit, unit)
    if rate >= 10:
        return f"{rate:,.0f} {short}/s"
    if rate >= 1:
        return f"{rate:.1f} {short}/s"
    return f"{rate * 60:.1f} {short}/min"


def progress_line(provider: str, resource: str, entry: ResourceProgress, guess: Estimate) -> str:
    """One resource's progress line, e.g. ``bytehr: employees 4,200/10,000 records (42%), 35 rec/s, ETA 2m46s``."""
    head = f"{provider}: {resource} "
    if entry.total is None:
        count = f"{entry.done:,} {entry.unit}"
    else:
        share = f" ({min(entry.done / entry.total, 1.0):.0%})" if entry.total else ""
        count = f"{entry.done:,}/{entry.total:,} {entry.unit}{' so far' if entry.open_total else ''}{share}"
    if entry.finished or (guess.remaining == 0 and not entry.open_total):
        return f"{head}{count}, done"
    if not guess.rate:
        speed = "rate not known yet"
    elif guess.measured:
        speed = rate_text(guess.rate, entry.unit)
    else:
        speed = f"up to {rate_text(guess.rate, entry.unit)} (the documented rate limit)"
    parts = [count, speed]
    if entry.total is None:
        parts.append("ETA unknown: the vendor gives no total")
    elif guess.eta is None:
        parts.append("ETA unknown yet")
    elif entry.open_total:
        parts.append(f"ETA {duration_text(guess.eta)} for those known so far, "
                     "the rest unknown (no total from the vendor)")
    else:
        parts.append(f"ETA {duration_text(guess.eta)}")
    return head + ", ".join(parts)

"""One run's quota counts across the chunks of a checkpointed run.

The run path runs a long extraction as several ``pipeline.run`` calls over fresh source instances
of one run (``sources/_shared/checkpoint.py``), so each chunk has its own
:class:`~sources.bytehr.quota.QuotaLedger`. What the ledger says about *the run* must still be one
run's: the requests this run sent (the quota line, the pace's per-resource spending this run), a
``quota_exceeded`` already answered, the first walk the quota failed, the key-expiry warning said
once, and one run start in the pace's learned schedule. :func:`continue_run` hands these from the
previous chunk's ledger to the next; what the server said (remaining, reset) comes back from the
dlt state the previous chunk committed.
"""

from __future__ import annotations

from sources.bytehr.quota import QuotaLedger

_PART = "bytehr/ledger"


class _Latest:
    """The ledger of the run's latest chunk."""

    def __init__(self) -> None:
        self.ledger: QuotaLedger | None = None


def continue_run(ledger: QuotaLedger) -> QuotaLedger:
    """Makes `ledger` continue the run of its context when an earlier chunk of it had a ledger; returns it."""
    holder = ledger.context.part(_PART, _Latest)
    prior, holder.ledger = holder.ledger, ledger
    if prior is None or prior is ledger:
        return ledger
    ledger.sent = prior.sent
    ledger.sent_by = dict(prior.sent_by)
    ledger.spent = prior.spent
    ledger.failed_first = prior.failed_first
    ledger._warned = prior._warned
    ledger.continues_run = True
    return ledger

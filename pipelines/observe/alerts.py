"""Alerts to a Slack-compatible webhook: ``POST {"text": ...}``.

Optional: nothing is sent unless ``hr_elt.alerts.webhook_url`` (env ``HR_ELT__ALERTS__WEBHOOK_URL``)
is set. The URL carries its own token (Slack's ``/services/T…/B…/…``), so it is handled like a
secret: only its scheme and host are ever logged. The text is scrubbed of every registered secret
before it leaves.

Sent after a run (:func:`alert_run`) when it failed or loaded only partly, when it has warnings
(coverage, schema changes: ``RunResult.warnings``), when the vendor's quota left is under
``hr_elt.alerts.quota_below`` and when the API key expires within
``hr_elt.alerts.key_expiry_days``; and by ``hr-elt status`` (:func:`alert_stale`) for every
vendor/tenant/destination that is stale or unhealthy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import dlt
import requests

from pipelines.observe.history import RunRecord
from sources._shared.http.redaction import redact, register_secret

DEFAULT_QUOTA_BELOW = 100
"""Requests left in the vendor's quota cycle under which a run alerts (``hr_elt.alerts.quota_below``)."""

DEFAULT_KEY_EXPIRY_DAYS = 14
"""Days before the API key expires from which a run alerts (``hr_elt.alerts.key_expiry_days``)."""

TIMEOUT = 10.0

logger = logging.getLogger("pipelines.observe.alerts")


class AlertError(Exception):
    """The webhook refused the alert or could not be reached; the message names only its host."""


def webhook_url() -> str | None:
    """``hr_elt.alerts.webhook_url`` from secrets, config or the environment; None when unset."""
    value: Any = dlt.secrets.get("hr_elt.alerts.webhook_url", str) or dlt.config.get("hr_elt.alerts.webhook_url", str)
    url = (str(value).strip() or None) if value else None
    if url:  # HTTP libraries log the request line at DEBUG: the path carries the token
        parts = urlsplit(url)
        register_secret(url)
        register_secret(parts.path if len(parts.path) > 1 else None)
        register_secret(parts.query or None)
    return url


def _setting(key: str, default: int) -> int:
    value: Any = dlt.config.get(f"hr_elt.alerts.{key}")
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"hr_elt.alerts.{key} {value!r} is not a whole number "
                         f"(env HR_ELT__ALERTS__{key.upper()})") from None


def quota_below() -> int:
    """``hr_elt.alerts.quota_below`` (env ``HR_ELT__ALERTS__QUOTA_BELOW``), default :data:`DEFAULT_QUOTA_BELOW`."""
    return _setting("quota_below", DEFAULT_QUOTA_BELOW)


def key_expiry_days() -> int:
    """``hr_elt.alerts.key_expiry_days`` (env ``HR_ELT__ALERTS__KEY_EXPIRY_DAYS``), default 14."""
    return _setting("key_expiry_days", DEFAULT_KEY_EXPIRY_DAYS)


def where(url: str) -> str:
    """``https://hooks.slack.com/…``: the webhook as it may be logged (no path, query or credentials)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}{f':{parts.port}' if parts.port else ''}/…"


def target_label(vendor: str, tenant: str | None, destination: str, location: str) -> str:
    """``hollyhr (tenant acme) -> duckdb /data/hr.duckdb``."""
    who = vendor + (f" (tenant {tenant})" if tenant else "")
    return f"{who} -> {destination} {location}"


def run_alerts(record: RunRecord, now: datetime | None = None) -> list[str]:
    """The alert lines one run calls for (empty: nothing to say)."""
    now = now or datetime.now(timezone.utc)
    label = target_label(record.vendor, record.tenant, record.destination, record.location)
    lines = []
    run = f"run {record.run_id}" if record.run_id else "run"
    if record.status == "failed":
        lines.append(f":red_circle: {label}: {run} failed: {record.error}")
    elif record.status == "partial":
        lines.append(f":large_orange_circle: {label}: {run} loaded only partly: {record.error}")
    elif record.status == "interrupted":
        lines.append(f":large_orange_circle: {label}: {run} was stopped before it finished (SIGTERM, a task "
                     f"timeout or a termination): {record.error}")
    elif record.status == "killed":
        lines.append(f":red_circle: {label}: {run} was killed without a chance to stop (SIGKILL, out of memory, "
                     f"a lost node): {record.error}")
    lines += [f":warning: {label}: {warning}" for warning in record.warnings]
    if record.quota_remaining is not None and record.quota_remaining < quota_below():
        reset = f" (resets {record.quota_reset.isoformat()})" if record.quota_reset else ""
        lines.append(f":warning: {label}: {record.quota_remaining} requests left in the quota{reset}, "
                     f"under hr_elt.alerts.quota_below {quota_below()}")
    if record.key_expires_at is not None and record.key_expires_at - now < timedelta(days=key_expiry_days()):
        left = record.key_expires_at - now
        when = "has expired" if left.total_seconds() <= 0 else f"expires in {left.days} day(s)"
        lines.append(f":warning: {label}: the API key {when} ({record.key_expires_at.isoformat()}); "
                     f"renew it before hr_elt.alerts.key_expiry_days {key_expiry_days()} runs out")
    return lines


def alert_run(record: RunRecord) -> bool:
    """Posts the alerts a run calls for; True when one was posted.

    Raises:
        AlertError: the webhook refused it or could not be reached.
    """
    url = webhook_url()
    if url is None:
        return False
    lines = run_alerts(record)
    if not lines:
        return False
    post(url, lines)
    return True


def alert_stale(lines: Sequence[str]) -> bool:
    """Posts what ``hr-elt status`` found stale or unhealthy; True when something was posted.

    Raises:
        AlertError: the webhook refused it or could not be reached.
    """
    url = webhook_url()
    if url is None or not lines:
        return False
    post(url, [f":hourglass: {line}" for line in lines])
    return True


def payload(lines: Sequence[str]) -> dict[str, Any]:
    """The Slack-compatible body: ``{"text": ...}``, every registered secret masked."""
    return {"text": redact("hr-elt\n" + "\n".join(lines))}


def post(url: str, lines: Sequence[str]) -> None:
    """Posts `lines` to the webhook.

    Raises:
        AlertError: the webhook answered other than 2xx, or could not be reached.
    """
    try:
        response = requests.post(url, json=payload(lines), timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise AlertError(f"alert webhook {where(url)} unreachable ({type(exc).__name__}): "
                         "check hr_elt.alerts.webhook_url (env HR_ELT__ALERTS__WEBHOOK_URL)") from None
    if not 200 <= response.status_code < 300:
        raise AlertError(f"alert webhook {where(url)} answered {response.status_code}: "
                         "check hr_elt.alerts.webhook_url (env HR_ELT__ALERTS__WEBHOOK_URL)")
    logger.info("alert posted to %s (%d line(s))", where(url), len(lines))

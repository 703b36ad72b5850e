"""The tenant's time zone: the ``timezone`` setting of every vendor (and tenant), and its "today".

Date-only fields (hire dates, attendance days) are the tenant's calendar days and are never
converted; only "today" (which attendance days are complete, the last day of the headcount marts)
and the day a load's observation falls on depend on the zone. A vendor's source takes ``timezone``
(an IANA name, default ``UTC``) and checks it here, in the style of :mod:`sources._shared.bounds`:
one line naming the vendor, the setting and its environment variable.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sources._shared.config import setting_name
from sources._shared.errors import ProviderConfigError

DEFAULT_TIMEZONE = "UTC"
SETTING = "timezone"


def check_timezone(provider: str, value: object, where: str | None = None) -> str:
    """The configured zone's IANA name, or a config error before any request.

    Args:
        provider: Vendor name (its config section), for the message.
        value: As configured; None or "" is the default, UTC.
        where: The setting and its env var, for the hint; default ``sources.<provider>.timezone (env ...)``.

    Raises:
        ProviderConfigError: Not a time zone this machine knows (a fixed offset is written
            ``Etc/GMT-11`` for UTC+11: POSIX signs).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_TIMEZONE
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProviderConfigError(provider, f"{SETTING} {name!r} is not a time zone (an IANA name such as "
                                  "Europe/Berlin, Australia/Sydney or Etc/GMT-11 for UTC+11)",
                                  hint=f"Set {where or setting_name(provider, SETTING)}") from None
    return name


def today_in(zone: str) -> date:
    """Today's date in `zone` (the machine clock, so time-travel in tests moves it)."""
    return datetime.now(ZoneInfo(zone)).date()

"""Validation of source settings, done before any request is sent."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pendulum

from sources._shared.errors import ProviderConfigError


def setting_name(provider: str, key: str) -> str:
    """``sources.<provider>.<key> (env SOURCES__<PROVIDER>__<KEY>)``, for messages."""
    return f"sources.{provider}.{key} (env SOURCES__{provider.upper()}__{key.upper()})"


def check_choice(provider: str, key: str, value: str, choices: tuple[str, ...]) -> str:
    """Refuses a value that is not one of `choices`."""
    if value not in choices:
        raise ProviderConfigError(provider, f"{value!r} is not one of {', '.join(choices)}",
                                  hint=f"Set {setting_name(provider, key)}")
    return value


def is_loopback(host: str | None) -> bool:
    """True for localhost and loopback addresses."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(provider: str, url: str, https_only: bool = False) -> str:
    """Refuses a base URL that is not http(s), or not https when the vendor requires it (loopback excepted)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderConfigError(provider, f"base URL {url!r} is not an http(s) URL",
                                  hint=f"Set {setting_name(provider, 'base_url')}")
    if https_only and parts.scheme != "https" and not is_loopback(parts.hostname):
        raise ProviderConfigError(provider, f"base URL {url!r} is not https; the API refuses plain HTTP",
                                  hint=f"Set {setting_name(provider, 'base_url')} to an https:// URL")
    return url.rstrip("/")


def check_secret(provider: str, key: str, value: str | None) -> str:
    """Refuses an empty credential with a message naming where it goes."""
    if not value or not str(value).strip():
        raise ProviderConfigError(provider, f"{key} is empty",
                                  hint=f"Set {setting_name(provider, key)} in .dlt/secrets.toml or the environment")
    return str(value)


def iso_utc(provider: str, key: str, value: str | None, fmt: str = "YYYY-MM-DDTHH:mm:ss.SSS[Z]") -> str | None:
    """Normalises a date or timestamp setting to the vendor's ISO-8601 UTC form."""
    if value is None or value == "":
        return None
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise ProviderConfigError(provider, f"{value!r} is not an ISO-8601 date or timestamp ({exc})",
                                  hint=f"Set {setting_name(provider, key)}") from None
    if not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")  # type: ignore[union-attr]
    return parsed.in_timezone("UTC").format(fmt)


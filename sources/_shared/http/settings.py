"""The five HTTP settings every source takes, declared once: name, type, default, bounds, doc.

A vendor's ``@dlt.source`` function gets them through :func:`with_http_settings`, which adds
them to the function's signature as keyword parameters. dlt injects them from the source's
own config section as before (``[sources.<vendor>] timeout = ...``, tenant sections
``[sources.<vendor>_<tenant>]``, ``SOURCES__<VENDOR>__TIMEOUT``), and the function receives
one validated :class:`HttpSettings` as its ``http`` argument.

The parameters are typed ``Any`` with default None in the signature on purpose: dlt would
coerce a typed value itself and fail with a message naming neither the vendor nor the
setting; here every value is checked in one place and a bad one is a
:class:`~sources._shared.errors.ProviderConfigError` naming ``sources.<vendor>.<key>`` and its
environment variable. The real defaults (a vendor may override one) are in :data:`HTTP_SETTINGS`
and :func:`http_settings_of`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sources._shared.bounds import Bounds, check_value


@dataclass(frozen=True)
class HttpSettings:
    """HTTP behaviour of one source (see :data:`HTTP_SETTINGS` for what each field means)."""

    timeout: float = 30.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_retry_after: float = 600.0


@dataclass(frozen=True)
class HttpSetting:
    """One HTTP setting.

    Attributes:
        name: The key in the source's config section.
        default: The value when nothing is configured (a vendor may override it).
        bounds: Its valid range (checked by :func:`~sources._shared.bounds.check_value`).
        doc: What it does, for docstrings and the README.
    """

    name: str
    default: float
    bounds: Bounds
    doc: str


_DEFAULTS = HttpSettings()

HTTP_SETTINGS: tuple[HttpSetting, ...] = (
    HttpSetting("timeout", _DEFAULTS.timeout, Bounds(float, 0.0, above_minimum=True),
                "Seconds to wait for a connection or an answer, per attempt."),
    HttpSetting("max_attempts", _DEFAULTS.max_attempts, Bounds(int, 1),
                "Attempts per request, the first included, on 429, 5xx, cut-off JSON and dropped connections "
                "(an error the vendor says is final, e.g. a spent quota, is never retried)."),
    HttpSetting("backoff_base", _DEFAULTS.backoff_base, Bounds(float, 0.0),
                "First backoff ceiling in seconds; it doubles with each attempt (full jitter)."),
    HttpSetting("backoff_cap", _DEFAULTS.backoff_cap, Bounds(float, 0.0),
                "Largest backoff ceiling in seconds."),
    HttpSetting("max_retry_after", _DEFAULTS.max_retry_after, Bounds(float, 0.0),
                "Longest Retry-After (or rate-limit reset) waited out; a longer one fails the request."),
)


@dataclass(frozen=True)
class HttpSettingRow:
    """One HTTP setting as one vendor has it, for the docs.

    Attributes:
        name: The key, e.g. ``timeout``.
        default: This vendor's default.
        env: The environment variable, e.g. ``SOURCES__HOLLYHR__TIMEOUT``.
        doc: What it does.
    """

    name: str
    default: float
    env: str
    doc: str


_VENDOR_DEFAULTS: dict[str, HttpSettings] = {}


def http_settings_of(provider: str) -> tuple[HttpSettingRow, ...]:
    """The HTTP settings of one vendor's source: name, this vendor's default, env var, doc.

    Raises:
        KeyError: `provider`'s source was not declared with :func:`with_http_settings` (or not imported).
    """
    if provider not in _VENDOR_DEFAULTS:
        raise KeyError(f"{provider}: no source declared with with_http_settings (is sources.{provider} imported?)")
    defaults = _VENDOR_DEFAULTS[provider]
    return tuple(HttpSettingRow(s.name, getattr(defaults, s.name), f"SOURCES__{provider.upper()}__{s.name.upper()}",
                                s.doc) for s in HTTP_SETTINGS)


def http_settings(provider: str, values: Mapping[str, Any], defaults: HttpSettings = _DEFAULTS) -> HttpSettings:
    """Validates configured values (None: the default) into :class:`HttpSettings`.

    Args:
        provider: Vendor name, for messages.
        values: ``name -> value`` as configured: numbers, or strings from the environment.
        defaults: The vendor's defaults.

    Raises:
        ProviderConfigError: A value is not a number of the setting's kind, or is out of bounds.
    """
    checked: dict[str, Any] = {}
    for setting in HTTP_SETTINGS:
        value = values.get(setting.name)
        checked[setting.name] = (getattr(defaults, setting.name) if value is None
                                 else check_value(provider, setting.name, value, setting.bounds))
    return HttpSettings(**checked)


F = TypeVar("F", bound=Callable[..., Any])


def with_http_settings(provider: str, **overrides: float) -> Callable[[F], F]:
    """Adds the HTTP settings to a source function's signature; it receives them as ``http: HttpSettings``.

    Put it under ``@dlt.source``; the decorated function declares ``http`` as a keyword-only
    parameter, which callers and dlt never see.

    Args:
        provider: Vendor name: config section and messages.
        **overrides: Vendor defaults that differ from :data:`HTTP_SETTINGS` (e.g. ``max_attempts=10``).

    Raises:
        ValueError: An override names no HTTP setting or is out of bounds (a programming error).
    """
    unknown = set(overrides) - {s.name for s in HTTP_SETTINGS}
    if unknown:
        raise ValueError(f"{provider}: no HTTP setting named {', '.join(sorted(unknown))}")
    defaults = http_settings(provider, overrides)
    _VENDOR_DEFAULTS[provider] = defaults

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        if "http" not in signature.parameters:
            raise TypeError(f"{function.__qualname__} must take an http parameter to receive the HTTP settings")
        # annotations resolved here: dlt would resolve string annotations in this module's globals
        hints = typing.get_type_hints(function)
        kept = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
                if p.name != "http"]
        added = [inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Any)
                 for s in HTTP_SETTINGS]
        names = [s.name for s in HTTP_SETTINGS]

        @functools.wraps(function)
        def source(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name, None) for name in names}
            return function(*args, http=http_settings(provider, values, defaults), **kwargs)

        source.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=kept + added, return_annotation=hints.get("return", signature.return_annotation))
        return typing.cast(F, source)

    return decorate

"""Valid ranges of numeric source settings, declared next to each setting and checked in one place.

A vendor declares the ranges of its numeric settings once, in its ``settings.py``::

    BOUNDS = {
        "page_size": Bounds(int, 1, MAX_PAGE_SIZE, why="the API's documented maximum"),
        "rate_limit_reserve": Bounds(int, 0),
    }

and puts :func:`with_bounds` under ``@dlt.source``. The source function then receives checked
numbers, or its call fails before any request with one line naming the key and its environment
variable: ``hollyhr: page_size 'abc' is not a whole number. Set sources.hollyhr.page_size (env
SOURCES__HOLLYHR__PAGE_SIZE)``. The check runs inside the source function, so it applies on the
run path and when the source is used through plain dlt (``pipeline.run(hollyhr_source())``).

The bounded parameters are typed ``Any | None`` in the signature dlt reads on purpose: dlt would coerce
a typed value itself and fail with "cannot be coerced" naming neither the vendor nor the env var.
The HTTP settings (:mod:`sources._shared.http.settings`) use the same :func:`check_value`.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sources._shared.config import setting_name
from sources._shared.errors import ProviderConfigError


@dataclass(frozen=True)
class Bounds:
    """The valid range of one numeric setting.

    Attributes:
        kind: ``int`` (a whole number; ``"5"`` and ``5.0`` accepted) or ``float``.
        minimum: The smallest value allowed, or None for no lower bound.
        maximum: The largest value allowed, or None for no upper bound.
        above_minimum: True when `minimum` itself is refused (a timeout of 0).
        per_key: The setting is a table ``key -> number`` (each value checked), e.g. hours per resource.
        why: Why the maximum, for the message (``the API's documented maximum``).
    """

    kind: type
    minimum: float | None = None
    maximum: float | None = None
    above_minimum: bool = False
    per_key: bool = False
    why: str = ""

    def describe(self) -> str:
        """``from 1 to 200``, ``more than 0``, ``at least 0``: the range, for messages and docs."""
        if self.minimum is not None and self.maximum is not None and not self.above_minimum:
            return f"from {self.minimum:g} to {self.maximum:g}"
        parts = []
        if self.minimum is not None:
            parts.append(f"more than {self.minimum:g}" if self.above_minimum else f"at least {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"at most {self.maximum:g}")
        return " and ".join(parts) or "any number"


def check_value(provider: str, key: str, value: Any, bounds: Bounds, where: str | None = None) -> Any:
    """`value` as a number of ``bounds.kind`` (a table of them when ``per_key``), or a config error.

    Args:
        provider: Vendor name (the config section ``sources.<provider>``), for the message.
        key: The setting's key, e.g. ``page_size``.
        value: As configured: a number, a string from the environment, a table or its JSON.
        bounds: The valid range.
        where: The setting and its env var, for the hint; default ``sources.<provider>.<key> (env ...)``.

    Raises:
        ProviderConfigError: Not a number of the right kind, or out of range; the message names
            ``sources.<provider>.<key>`` and its env var.
    """
    where = where or setting_name(provider, key)
    if bounds.per_key:
        table = _table(value)
        if table is None:
            raise ProviderConfigError(provider, f"{key} {value!r} is not a table of name = number",
                                      hint=f"Set {where}, e.g. {{\"name\": 24}}")
        return {name: _checked(provider, f"{key}.{name}", item, bounds, where) for name, item in table.items()}
    return _checked(provider, key, value, bounds, where)


def _checked(provider: str, label: str, value: Any, bounds: Bounds, where: str) -> float:
    number = _number(value, bounds.kind)
    if number is None:
        noun = "a whole number" if bounds.kind is int else "a number"
        raise ProviderConfigError(provider, f"{label} {value!r} is not {noun}", hint=f"Set {where}")
    low, high = bounds.minimum, bounds.maximum
    too_low = low is not None and (number <= low if bounds.above_minimum else number < low)
    too_high = high is not None and number > high
    if too_low or too_high:
        reason = f" ({bounds.why})" if too_high and bounds.why else ""
        raise ProviderConfigError(provider, f"{label} {value!r} is out of range: it must be {bounds.describe()}"
                                  f"{reason}", hint=f"Set {where}")
    return number


def _number(value: Any, kind: type) -> float | None:
    """`value` as an int or float, or None when it is not one (booleans and NaN are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if kind is int else float(text)
        except ValueError:
            try:
                value = float(text)  # "5.0" for an int setting: whole, so accepted below
            except ValueError:
                return None
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        return None
    if kind is int:
        return int(value) if float(value).is_integer() else None
    return float(value)


def _table(value: Any) -> Mapping[str, Any] | None:
    """A table setting as a mapping: TOML gives one, the environment gives its JSON."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


F = TypeVar("F", bound=Callable[..., Any])


def with_bounds(provider: str, bounds: Mapping[str, Bounds]) -> Callable[[F], F]:
    """Checks the source function's bounded parameters on every call (see the module docstring).

    Put it directly under ``@dlt.source`` (above :func:`~sources._shared.http.settings.with_http_settings`).
    A parameter left at its default or None is passed on as is.

    Args:
        provider: Vendor name: config section and messages.
        bounds: ``parameter name -> Bounds``, the vendor's ``settings.BOUNDS``.

    Raises:
        TypeError: A bound names no parameter of the function (a programming error, at import).
        ProviderConfigError: A parameter's default is out of its own range (also at import).
    """

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        missing = set(bounds) - set(signature.parameters)
        if missing:
            raise TypeError(f"{function.__qualname__} has no parameter {', '.join(sorted(missing))} to bound")
        hints = typing.get_type_hints(function) if not hasattr(function, "__signature__") else {}
        for name, bound in bounds.items():
            default = signature.parameters[name].default
            if default is not None and default is not inspect.Parameter.empty:
                check_value(provider, name, default, bound)  # a default out of its own range: fail at import
        # Optional[Any]: dlt passes the configured value through as is (a bare Any with a default
        # would make dlt coerce to the default's type, failing without the vendor or env var)
        parameters = [
            p.replace(annotation=Any | None) if p.name in bounds
            else p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
        ]

        @functools.wraps(function)
        def source(*args: Any, **kwargs: Any) -> Any:
            bound_args = signature.bind_partial(*args, **kwargs)
            for name, value in bound_args.arguments.items():
                if name in bounds and value is not None:
                    bound_args.arguments[name] = check_value(provider, name, value, bounds[name])
            return function(*bound_args.args, **bound_args.kwargs)

        source.__signature__ = signature.replace(parameters=parameters,  # type: ignore[attr-defined]
                                                 return_annotation=hints.get("return", signature.return_annotation))
        return typing.cast(F, source)

    return decorate

"""Numeric ``hr_elt.*`` settings of the run path, checked before any request.

A value that is not a number in range is refused in one line naming the key and its env var;
an absent or empty one takes the default.
"""

from __future__ import annotations

from typing import Any

import dlt

from sources._shared.errors import ProviderConfigError


def number_setting(key: str, default: float, kind: type[int] | type[float], at_least: float | None = None,
                   finite: bool = False) -> float:
    """``hr_elt.<key>``: a whole number (`kind` int) or a number, above 0 or at least `at_least`.

    Args:
        key: The key under ``hr_elt``, e.g. ``checkpoint.max_requests``.
        default: The value when the key is absent or empty.
        kind: ``int`` (the value as written must be a whole number) or ``float``.
        at_least: The smallest value allowed (None: any number above 0).
        finite: Refuse infinity too.

    Raises:
        ProviderConfigError: a value out of range or not a number of that kind.
    """
    value: Any = dlt.config.get(f"hr_elt.{key}")
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = 0
    whole = kind is not int or str(value).strip() == str(number)
    in_range = number >= at_least if at_least is not None else number > 0
    if not (whole and in_range) or (finite and number == float("inf")):
        what = "a whole number" if kind is int else "a number"
        bound = "above 0" if at_least is None else f"of at least {at_least:g}"
        env = "HR_ELT__" + key.replace(".", "__").upper()
        raise ProviderConfigError("hr_elt", f"{key} {value!r} is not {what} {bound}",
                                  hint=f"Set hr_elt.{key} (env {env})")
    return number

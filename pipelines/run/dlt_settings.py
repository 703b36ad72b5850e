"""dlt's own settings the run path relies on, with their valid ranges, checked before anything is extracted.

``LOAD__WORKERS=0`` is accepted by dlt until the load step starts its thread pool, after the whole
extract and normalize: the run has then spent its requests (ByteHR's are a monthly quota) for a
load that cannot happen. :func:`check_dlt_settings` refuses such a value up front, with the same
one-line message as a source setting (:func:`sources._shared.bounds.check_value`).
"""

from __future__ import annotations

from typing import Any

import dlt

from sources._shared.bounds import Bounds, check_value

DLT_SETTING_BOUNDS: dict[str, Bounds] = {
    "extract.workers": Bounds(int, 1),
    "normalize.workers": Bounds(int, 1),
    "load.workers": Bounds(int, 1),
    "data_writer.buffer_max_items": Bounds(int, 1),
    "normalize.data_writer.buffer_max_items": Bounds(int, 1),
}
"""dlt keys (dotted, as in ``.dlt/config.toml``) -> valid range."""


def env_name(key: str) -> str:
    """``load.workers`` -> ``LOAD__WORKERS`` (dlt's environment layout)."""
    return key.replace(".", "__").upper()


def check_dlt_settings(provider: str) -> None:
    """Refuses a configured dlt setting outside its range (see :data:`DLT_SETTING_BOUNDS`).

    Args:
        provider: The vendor about to run, named in the message.

    Raises:
        ProviderConfigError: ``hollyhr: load.workers '0' is out of range: it must be at least 1. Set
            load.workers (env LOAD__WORKERS)``.
    """
    for key, bounds in DLT_SETTING_BOUNDS.items():
        value: Any = dlt.config.get(key)
        if value is not None:
            check_value(provider, key, value, bounds, where=f"{key} (env {env_name(key)})")

"""How bad records are handled: ``hr_elt.bad_records``, ``hr_elt.type_changes``, ``hr_elt.max_string_length``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dlt

from sources._shared.errors import ProviderConfigError

QUARANTINE, FAIL = "quarantine", "fail"
EVOLVE, REJECT = "evolve", "reject"
DEFAULT_MAX_STRING_LENGTH = 1_000_000


@dataclass(frozen=True)
class GuardSettings:
    """How bad records are handled.

    Attributes:
        bad_records: ``quarantine`` into ``_rejected``, or ``fail`` the run.
        type_changes: ``evolve``: a field whose type flips lands in a dlt variant column;
            ``reject``: the record is a bad record.
        max_string_length: Longest string accepted in a field, in characters (0: no limit).
    """

    bad_records: str = QUARANTINE
    type_changes: str = EVOLVE
    max_string_length: int = DEFAULT_MAX_STRING_LENGTH


def load_guard_settings() -> GuardSettings:
    """Reads ``hr_elt.bad_records``, ``hr_elt.type_changes`` and ``hr_elt.max_string_length``."""
    bad = str(dlt.config.get("hr_elt.bad_records", str) or QUARANTINE).strip().lower()
    types = str(dlt.config.get("hr_elt.type_changes", str) or EVOLVE).strip().lower()
    raw_max: Any = dlt.config.get("hr_elt.max_string_length")
    if bad not in (QUARANTINE, FAIL):
        raise ProviderConfigError("hr_elt", f"bad_records {bad!r} is not one of {QUARANTINE}, {FAIL}",
                                  hint="Fix hr_elt.bad_records (env HR_ELT__BAD_RECORDS)")
    if types not in (EVOLVE, REJECT):
        raise ProviderConfigError("hr_elt", f"type_changes {types!r} is not one of {EVOLVE}, {REJECT}",
                                  hint="Fix hr_elt.type_changes (env HR_ELT__TYPE_CHANGES)")
    try:
        max_len = DEFAULT_MAX_STRING_LENGTH if raw_max is None or raw_max == "" else int(raw_max)
        if max_len < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ProviderConfigError("hr_elt", f"max_string_length {raw_max!r} is not a whole number >= 0",
                                  hint="Fix hr_elt.max_string_length (env HR_ELT__MAX_STRING_LENGTH)") from None
    return GuardSettings(bad, types, max_len)

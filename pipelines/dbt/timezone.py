"""The time zone dbt builds the history marts in: the ``timezone`` setting of the vendors built.

The headcount marts end at the tenant's today and the observed timeline dates a load by the day it
fell on in the tenant's zone (``dbt/macros/history.sql``, var ``hr_timezone``). One build covers one
tenant's vendors, so their ``timezone`` settings (``sources.<vendor>[_<tenant>].timezone``, the
tenant's section over the vendor's) must agree; two zones in one build fail with one line naming them.
"""

from __future__ import annotations

from typing import Any

import dlt

from pipelines.run.tenants import section_for
from sources import registry
from sources._shared.errors import ProviderConfigError
from sources._shared.timezones import DEFAULT_TIMEZONE, SETTING, check_timezone


def configured_timezone(vendor: str, tenant: str | None) -> str:
    """The vendor's (tenant's) ``timezone`` setting, checked; UTC when unset.

    A vendor of the dbt project that has no source here (its data loaded by other means) is read
    from ``sources.<vendor>``.
    """
    section = registry.get(vendor).config_section if vendor in registry.names() else vendor
    sections = [section_for(section, tenant), section] if tenant else [section]
    for section in sections:
        value: Any = dlt.config.get(f"sources.{section}.{SETTING}")
        if value not in (None, ""):
            return check_timezone(vendor, value, where=f"sources.{section}.{SETTING}")
    return DEFAULT_TIMEZONE


def build_timezone(vendors: list[str], tenant: str | None) -> str:
    """The one zone of the vendors built.

    Raises:
        ProviderConfigError: two vendors of the build are set to different zones.
    """
    zones = {vendor: configured_timezone(vendor, tenant) for vendor in vendors}
    distinct = sorted(set(zones.values()))
    if len(distinct) > 1:
        said = ", ".join(f"{vendor} {zone}" for vendor, zone in sorted(zones.items()))
        raise ProviderConfigError("hr_elt", f"the vendors of one dbt build have different time zones ({said})",
                                  hint="Set the same sources.<vendor>.timezone for them, or build them apart "
                                       "(hr-elt dbt --vendors)")
    return distinct[0] if distinct else DEFAULT_TIMEZONE

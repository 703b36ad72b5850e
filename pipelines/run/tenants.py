"""Many tenants (companies) per vendor, each with its own credentials, pipeline and dataset.

A tenant ``acme`` of HollyHR is the dlt source ``hollyhr`` cloned under the name and config section
``hollyhr_acme``: its settings come from ``[sources.hollyhr_acme]`` (env ``SOURCES__HOLLYHR_ACME__*``).
Non-secret settings it leaves unset (``base_url``, ``page_size``, ...) fall back to the vendor's
``[sources.hollyhr]``; secrets never do, so a tenant without its own key fails instead of loading
another company's data. Its dataset is named ``hollyhr_acme``, and so is its pipeline for the first
destination it loads into (``pipelines.run.runner`` names the others).

``.dlt/config.toml`` lists the tenants ``hr-elt run all`` runs::

    [hr_elt.tenants]
    hollyhr = ["acme", "globex"]        # env HR_ELT__TENANTS__HOLLYHR='["acme", "globex"]' or "acme,globex"
    bytehr = ["acme"]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration import get_fun_spec, is_secret_hint
from dlt.sources import DltSource

from sources import registry

TENANT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")


class TenantError(ValueError):
    """A tenant name or tenant list that hr-elt cannot use."""


@dataclass(frozen=True)
class Target:
    """One thing ``hr-elt run`` runs: a vendor, for the default company or one tenant."""

    vendor: str
    tenant: str | None = None

    @property
    def name(self) -> str:
        """Pipeline name, dataset name and config section: ``hollyhr`` or ``hollyhr_acme``."""
        return section_for(self.vendor, self.tenant)


def check_tenant(tenant: str) -> str:
    """A tenant name goes into pipeline, dataset, config section and env var names: keep it plain."""
    if not TENANT_PATTERN.match(tenant):
        raise TenantError(
            f"tenant {tenant!r}: use lower-case letters, digits and underscores (at most 40, not starting with _)"
        )
    return tenant


def section_for(vendor: str, tenant: str | None) -> str:
    """``hollyhr`` for the default company, ``hollyhr_acme`` for tenant ``acme``."""
    return f"{vendor}_{check_tenant(tenant)}" if tenant else vendor


def configured_tenants(vendor: str) -> list[str]:
    """Tenants listed for a vendor under ``hr_elt.tenants.<vendor>`` (a list or a comma-separated string)."""
    value: Any = dlt.config.get(f"hr_elt.tenants.{vendor}")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        names = [part.strip() for part in value.strip("[]").replace('"', "").replace("'", "").split(",")]
    elif isinstance(value, (list, tuple)):
        names = [str(part).strip() for part in value]
    else:
        raise TenantError(f"hr_elt.tenants.{vendor}: expected a list of tenant names, got {value!r}")
    tenants: list[str] = []
    for name in names:
        if name and check_tenant(name) not in tenants:
            tenants.append(name)
    return tenants


def tenant_source(vendor: str, tenant: str, **kwargs: Any) -> DltSource:
    """The vendor's source, named and configured as the tenant's (``[sources.<vendor>_<tenant>]``).

    A non-secret setting the tenant's section does not set (``base_url``, ``page_size``, ...) comes
    from the vendor's own section; secrets never do: each tenant brings its own key.
    """
    section = section_for(vendor, tenant)
    factory: Any = registry.get(vendor).source
    settings = {**inherited_settings(vendor, tenant, set(kwargs)), **kwargs}
    source: DltSource = factory.clone(name=section, section=section)(**settings)
    return source


def _lookup(section: str, name: str, hint: Any = None) -> Any:
    for key in (f"sources.{section}.{section}.{name}", f"sources.{section}.{name}"):
        value = dlt.config.get(key, hint) if hint is not None else dlt.config.get(key)
        if value is not None:
            return value
    return None


def inherited_settings(vendor: str, tenant: str, explicit: set[str]) -> dict[str, Any]:
    """Non-secret settings of ``[sources.<vendor>]`` the tenant's section leaves unset."""
    factory: Any = registry.get(vendor).source
    section = section_for(vendor, tenant)
    inherited: dict[str, Any] = {}
    for name, hint in get_fun_spec(factory).get_resolvable_fields().items():
        if is_secret_hint(hint) or name in explicit or _lookup(section, name) is not None:
            continue
        try:
            value = _lookup(vendor, name, hint)
        except Exception:  # noqa: BLE001 - a malformed default is reported when the source resolves it
            value = None
        if value is not None:
            inherited[name] = value
    return inherited


def secret_fields(vendor: str) -> list[str]:
    """Names of the vendor source's secret settings (``api_token``, ``password``, ...)."""
    factory: Any = registry.get(vendor).source
    spec = get_fun_spec(factory)  # dlt's public accessor of the spec it inferred from the signature
    return [name for name, hint in spec.get_resolvable_fields().items() if is_secret_hint(hint)]


def has_credentials(vendor: str, tenant: str | None = None) -> bool:
    """True when every secret setting of the vendor (or tenant) is present in config, secrets or env."""
    section = section_for(vendor, tenant)
    for field in secret_fields(vendor):
        keys = (f"sources.{section}.{section}.{field}", f"sources.{section}.{field}")
        if not any(dlt.secrets.get(key) not in (None, "") for key in keys):
            return False
    return True


def run_targets(vendor: str, tenant: str | None = None) -> tuple[list[Target], list[str]]:
    """What ``hr-elt run <vendor|all> [--tenant T]`` runs, and notes on what it skips.

    - ``run hollyhr``: the default company, configured or not (a missing key fails with its name).
    - ``run hollyhr --tenant acme``: that tenant.
    - ``run all``: every available vendor's default company whose credentials are present, and every
      tenant listed in ``hr_elt.tenants``. Nothing configured at all is an error.
    - ``run all --tenant acme``: every vendor that lists ``acme`` or has ``[sources.<vendor>_acme]`` credentials.
    """
    if tenant is not None:
        check_tenant(tenant)
    if vendor != "all":
        return [Target(vendor, tenant)], []
    targets: list[Target] = []
    notes: list[str] = []
    for name in registry.names():
        if tenant is not None:
            if tenant in configured_tenants(name) or has_credentials(name, tenant):
                targets.append(Target(name, tenant))
            continue
        if has_credentials(name):
            targets.append(Target(name))
        else:
            fields = ", ".join(f"sources.{name}.{f}" for f in secret_fields(name))
            notes.append(f"{name}: not configured ({fields} not set), skipped")
        targets.extend(Target(name, t) for t in configured_tenants(name))
    if not targets:
        what = f"tenant {tenant}" if tenant else "any vendor"
        raise TenantError(
            f"run all: no credentials found for {what}: set them in .dlt/secrets.toml or env "
            "(see .dlt/example.secrets.toml), or list tenants under [hr_elt.tenants]"
        )
    return targets, notes


def tenant_error_line(line: str, vendor: str, tenant: str | None) -> str:
    """Rewrites an error line's setting names to the tenant's section (``sources.hollyhr_acme.api_token``)."""
    if not tenant:
        return line
    section = section_for(vendor, tenant)
    line = line.replace(f"sources.{vendor}.", f"sources.{section}.")
    line = line.replace(f"SOURCES__{vendor.upper()}__", f"SOURCES__{section.upper()}__")
    if line.startswith(f"{vendor}:"):
        return section + line[len(vendor):]
    return line if line.startswith(f"{section}:") else f"{section}: {line}"


def describe(targets: Sequence[Target]) -> str:
    """``hollyhr, hollyhr_acme, bytehr`` for log lines."""
    return ", ".join(t.name for t in targets)

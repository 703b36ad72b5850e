"""Unknown settings under our config sections and env prefixes: one WARNING each, with the nearest valid key.

dlt ignores a key no source or config spec asks for, so a typo (``SOURCES__HOLLYHR__PAGESIZE``,
``[sources.holyhr]``, ``HR_ELT__BAD_RECORD``) would leave the default in force without a word. Here
every key under ``[sources.<vendor>]``, ``[sources.<vendor>_<tenant>]`` and ``[hr_elt]`` (in the
config and secrets TOML files dlt reads) and every ``SOURCES__<VENDOR>__*`` / ``HR_ELT__*`` env var is
compared with the known settings:

- a vendor's: the parameters of its ``@dlt.source`` function (the HTTP settings included, see
  :mod:`sources._shared.http.settings`) and the keys its CLI plugins read (``CliPlugin.settings``);
- ours: :data:`HR_ELT_SETTINGS`, plus ``hr_elt.tenants.<vendor>``.

A section under ``sources`` that is no vendor but close to one (``holyhr``) is warned about with the
nearest vendor; one that is close to none belongs to another dlt source and is left alone. Warnings go
to the vendor's logger ``sources.<vendor>``, and to ``pipelines`` for ``hr_elt`` keys.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dlt
import tomlkit
from dlt.common.configuration.providers.toml import SettingsTomlProvider

from sources import registry

HR_ELT_SETTINGS: tuple[str, ...] = (
    "bad_records",
    "type_changes",
    "max_string_length",
    "duckdb_path",
    "duckdb_memory_limit",
    "duckdb_threads",
    "dbt_project_dir",
    "coverage.fail_on",
    "pii.action",
    "pii.columns",
    "pii.hmac_key",
    "alerts.webhook_url",
    "alerts.quota_below",
    "alerts.key_expiry_days",
    "lineage.enabled",
    "lineage.namespace",
    "checkpoint.max_requests",
    "checkpoint.max_seconds",
    "checkpoint.grace_seconds",
    "progress.every_seconds",
    "history.on_full_refresh",
    "fleet.lock",
    "fleet.lease_seconds",
)
"""Every ``hr_elt.*`` setting (besides ``tenants.<vendor>``), in one place."""

_TABLE_VALUED = ("pii.columns",)
"""``hr_elt`` keys whose value may be a TOML table: its keys are data, not settings."""

_DLT_SECTIONS = ("data_writer",)
"""dlt's own sections under ``[sources]`` (extract settings), never a vendor."""

_CUTOFF = 0.6


@dataclass(frozen=True)
class UnknownKey:
    """One configured key no setting answers to.

    Attributes:
        logger: ``sources.<vendor>`` or ``pipelines``.
        key: The key as written (``sources.hollyhr.pagesize``, ``SOURCES__HOLLYHR__PAGESIZE``).
        nearest: The nearest valid key written the same way, or None when none is close.
        where: ``.dlt/config.toml``-like origin: ``environment`` or the provider's name.
    """

    logger: str
    key: str
    nearest: str | None
    where: str

    def line(self) -> str:
        """The warning: the key, where it is, the nearest valid key."""
        hint = f"; did you mean {self.nearest}?" if self.nearest else ""
        return f"unknown setting {self.key} ({self.where}) is ignored{hint}"


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word` (difflib), or None when none is close enough."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=_CUTOFF)
    return found[0] if found else None


def vendor_settings(vendor: str) -> frozenset[str]:
    """Keys the vendor's section may hold: its source function's parameters and its CLI plugins' keys."""
    spec = registry.get(vendor)
    names = set(inspect.signature(spec.source).parameters)
    for plugin in spec.cli_plugins:
        names.update(plugin.settings)
    return frozenset(names)


def hr_elt_settings() -> frozenset[str]:
    """Dotted keys under ``hr_elt``: :data:`HR_ELT_SETTINGS` and ``tenants.<vendor>`` for every vendor."""
    return frozenset((*HR_ELT_SETTINGS, *(f"tenants.{s.name}" for s in registry.specs())))


def _section_vendor(section: str) -> str | None:
    """The vendor whose section `section` is: ``hollyhr`` or a tenant's ``hollyhr_acme``."""
    for spec in registry.specs():
        if section == spec.config_section or section.startswith(spec.config_section + "_"):
            return spec.name
    return None


def _flatten(node: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted not in _TABLE_VALUED:
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted


def _vendor_keys(vendor: str, section: str, node: Mapping[str, Any]) -> Iterator[str]:
    """Setting names of a vendor section; a nested ``[sources.<s>.<s>]`` and resource tables are dlt's layouts."""
    resources = set(registry.get(vendor).resources)
    for key, value in node.items():
        if isinstance(value, Mapping) and key == section:
            yield from _vendor_keys(vendor, section, value)
        elif isinstance(value, Mapping) and key in resources:
            continue
        else:
            yield key


def _check_tree(tree: Mapping[str, Any], where: str, sections: set[str] | None) -> Iterator[UnknownKey]:
    """Unknown keys of one TOML document (``sources`` and ``hr_elt``); `sections` limits the vendor sections."""
    sources = tree.get("sources")
    if isinstance(sources, Mapping):
        vendors = {s.config_section: s.name for s in registry.specs()}
        for section, node in sources.items():
            if not isinstance(node, Mapping) or section in _DLT_SECTIONS:
                continue
            vendor = _section_vendor(section)
            if vendor is None:
                near = nearest(section, vendors)
                if near is not None:
                    yield UnknownKey(f"sources.{vendors[near]}", f"[sources.{section}]",
                                     f"[sources.{near}]", where)
                continue
            if sections is not None and section not in sections:
                continue
            known = vendor_settings(vendor)
            for key in _vendor_keys(vendor, section, node):
                if key not in known:
                    near = nearest(key, known)
                    yield UnknownKey(f"sources.{vendor}", f"sources.{section}.{key}",
                                     f"sources.{section}.{near}" if near else None, where)
    ours = tree.get("hr_elt")
    if isinstance(ours, Mapping):
        known = hr_elt_settings()
        for key in _flatten(ours):
            if key not in known:
                near = nearest(key, known)
                yield UnknownKey("pipelines", f"hr_elt.{key}", f"hr_elt.{near}" if near else None, where)


def _env_tree(environ: Mapping[str, str]) -> dict[str, Any]:
    """``SOURCES__*`` and ``HR_ELT__*`` env vars as a nested tree of lower-case keys (dlt's env layout)."""
    tree: dict[str, Any] = {}
    for name in environ:
        parts = name.split("__")
        if parts[0] not in ("SOURCES", "HR_ELT") or len(parts) < 2 or not all(parts):
            continue
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part.lower(), {})
            if not isinstance(child, dict):  # HR_ELT__PII and HR_ELT__PII__ACTION both set: the leaf wins
                break
            node = child
        else:
            node.setdefault(parts[-1].lower(), environ[name])
    return tree


def _as_env(key: str) -> str:
    """``sources.hollyhr.pagesize`` -> ``SOURCES__HOLLYHR__PAGESIZE`` (sections in brackets kept bracketed)."""
    bare = key.strip("[]")
    env = "__".join(bare.split(".")).upper()
    return f"{env}__*" if key.startswith("[") else env


def _toml_trees() -> Iterator[tuple[str, Mapping[str, Any]]]:
    seen: set[int] = set()
    for provider in (*dlt.config.config_providers, *dlt.secrets.config_providers):
        if not isinstance(provider, SettingsTomlProvider) or id(provider) in seen or provider.is_empty:
            continue
        seen.add(id(provider))
        where = ", ".join(provider.present_locations) or provider.name
        yield where, tomlkit.parse(provider.to_toml()).unwrap()


def unknown_keys(sections: Iterable[str] | None = None,
                 environ: Mapping[str, str] | None = None) -> list[UnknownKey]:
    """Every unknown key in dlt's TOML providers and the environment, each once.

    Args:
        sections: Check only these vendor sections (``hollyhr``, ``hollyhr_acme``); None: all. Unknown
            vendor sections and ``hr_elt`` keys are always checked.
        environ: The environment; default ``os.environ``.
    """
    limit = set(sections) if sections is not None else None
    found: dict[str, UnknownKey] = {}
    for where, tree in _toml_trees():
        for unknown in _check_tree(tree, where, limit):
            found.setdefault(unknown.key, unknown)
    for unknown in _check_tree(_env_tree(os.environ if environ is None else environ), "environment", limit):
        env = UnknownKey(unknown.logger, _as_env(unknown.key),
                         _as_env(unknown.nearest) if unknown.nearest else None, unknown.where)
        found.setdefault(env.key, env)
    return list(found.values())


def warn_unknown_keys(sections: Iterable[str] | None = None) -> list[UnknownKey]:
    """Logs one WARNING per unknown key (see :func:`unknown_keys`) and returns them (for ``hr-elt check``)."""
    found = unknown_keys(sections)
    for unknown in found:
        logging.getLogger(unknown.logger).warning("%s", unknown.line())
    return found

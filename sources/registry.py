"""The one registry of vendors: every ``sources/<vendor>/spec.py``'s ``SPEC``, plus any registered.

Discovery imports ``sources.<package>.spec`` for every package under ``sources/`` except
``_shared`` (and other names starting with ``_``), in name order. A package without a
``spec.py`` exporting a :class:`~sources._shared.spec.VendorSpec` named ``SPEC`` is an error the
first time the registry is used, never skipped. Vendors that live elsewhere (a test vendor)
join with :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Mapping
from pathlib import Path

from sources._shared.guard.privacy import PiiPolicy, PiiSettings, load_pii_settings
from sources._shared.spec import SpecError, VendorSpec

_PACKAGE_DIR = Path(__file__).resolve().parent
_lock = threading.RLock()
_discovered: dict[str, VendorSpec] | None = None
_registered: dict[str, VendorSpec] = {}


class UnknownVendorError(ValueError):
    """A vendor name the registry does not know."""


def vendor_packages() -> list[str]:
    """Names of the vendor packages under ``sources/``, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules([str(_PACKAGE_DIR)])
                  if m.ispkg and not m.name.startswith("_"))


def _discover() -> dict[str, VendorSpec]:
    found: dict[str, VendorSpec] = {}
    for package in vendor_packages():
        module_name = f"sources.{package}.spec"
        if not (_PACKAGE_DIR / package / "spec.py").is_file():
            raise SpecError(f"sources/{package}/ is a vendor package without spec.py: declare "
                            f"SPEC = VendorSpec(...) there (see docs/adding-a-vendor.md)")
        module = importlib.import_module(module_name)
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, VendorSpec):
            raise SpecError(f"{module_name} has no SPEC = VendorSpec(...)")
        if spec.name != package:
            raise SpecError(f"{module_name} declares vendor {spec.name!r}; the package is named {package!r}")
        found[spec.name] = spec
    return found


def _all() -> dict[str, VendorSpec]:
    global _discovered
    with _lock:
        if _discovered is None:
            _discovered = _discover()
        return {**_discovered, **_registered}


def register(spec: VendorSpec) -> VendorSpec:
    """Adds a vendor declared outside ``sources/`` (e.g. a test vendor); returns it.

    Registering the same spec again is a no-op.

    Raises:
        SpecError: another vendor of that name is known already.
    """
    known = _all()
    with _lock:
        if spec.name in known and known[spec.name] is not spec:
            raise SpecError(f"vendor {spec.name!r} is registered already")
        _registered[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Removes a vendor added with :func:`register` (discovered vendors stay)."""
    with _lock:
        _registered.pop(name, None)


def names() -> list[str]:
    """Every known vendor: the discovered ones in name order, then the registered ones."""
    return list(_all())


def specs() -> list[VendorSpec]:
    """Every known vendor's spec, in the order of :func:`names`."""
    return list(_all().values())


def get(name: str) -> VendorSpec:
    """The spec of vendor ``name``.

    Raises:
        UnknownVendorError: no such vendor (the message names the known ones).
    """
    known = _all()
    try:
        return known[name]
    except KeyError:
        raise UnknownVendorError(f"unknown vendor {name!r}: choose one of {', '.join(known)}") from None


def pii_defaults(vendor: str) -> Mapping[str, tuple[str, ...]]:
    """The fields that are PII by default for ``vendor``: ``table -> field patterns``, from its spec.

    Raises:
        UnknownVendorError: ``vendor`` is not registered (never "no PII" by omission).
    """
    return get(vendor).pii


def pii_policy(vendor: str, pii_settings: PiiSettings | None = None) -> PiiPolicy:
    """The PII policy of ``vendor``: its spec's defaults, the configured settings, every vendor's tables known.

    Raises:
        UnknownVendorError: ``vendor`` is not registered.
        ProviderConfigError: a PII setting is invalid or names no known vendor or table.
    """
    known = {spec.name: tuple(spec.resources) for spec in specs()}
    return PiiPolicy(vendor, pii_settings or load_pii_settings(), pii_defaults(vendor), known)

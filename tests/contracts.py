"""The contract suite of each vendor, for suites that run the same check on every vendor.

Found by convention, not a table: vendor ``<name>``'s suite is the :class:`tests.contract.SourceContract`
subclass with ``vendor = "<name>"`` in ``tests/<name>/test_<name>.py``. A vendor whose tests live
elsewhere calls :func:`register_contract`.
"""

from __future__ import annotations

import importlib
from typing import Any

from sources import registry

_REGISTERED: dict[str, type] = {}


def register_contract(cls: type) -> type:
    """Registers ``cls`` (a SourceContract subclass) as its vendor's suite; usable as a class decorator."""
    _REGISTERED[cls.vendor] = cls  # type: ignore[attr-defined]
    return cls


def contract_class(vendor: str) -> type:
    """``vendor``'s SourceContract subclass (imported on use: the test modules import tests.contract)."""
    from tests.contract import SourceContract

    registry.get(vendor)  # an unknown vendor fails here, naming the known ones
    if vendor in _REGISTERED:
        return _REGISTERED[vendor]
    module = importlib.import_module(f"tests.{vendor}.test_{vendor}")
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, SourceContract) and obj is not SourceContract
             and obj.__name__.startswith("Test") and obj.vendor == vendor]
    if len(found) != 1:
        raise LookupError(f"tests/{vendor}/test_{vendor}.py must define exactly one SourceContract subclass "
                          f"Test...(vendor={vendor!r}); found {[c.__name__ for c in found]}")
    return found[0]


def contract_for(vendor: str) -> Any:
    """A fresh instance of ``vendor``'s SourceContract (sizes, fault route, hooks)."""
    return contract_class(vendor)()


def contract_vendors() -> list[str]:
    """Every registered vendor, each of which must have a contract suite."""
    return registry.names()

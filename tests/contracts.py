"""The contract suite of each vendor, for suites that run the same check on every vendor."""

from __future__ import annotations

import importlib
from typing import Any

# vendor -> (module, class); imported on use: the test modules themselves import tests.contract
CONTRACT_CLASSES = {
    "hollyhr": ("tests.hollyhr.test_hollyhr", "TestHollyHRContract"),
    "bytehr": ("tests.bytehr.test_bytehr", "TestByteHRContract"),
    "cutehr": ("tests.cutehr.test_cutehr", "TestCuteHRContract"),
}


def contract_for(vendor: str) -> Any:
    """A fresh instance of ``vendor``'s SourceContract (sizes, fault route, hooks)."""
    module, cls = CONTRACT_CLASSES[vendor]
    return getattr(importlib.import_module(module), cls)()

"""Paginator behaviour shared by the vendors' paginators."""

from __future__ import annotations

import copy
from typing import Any

from jsonpath_ng import JSONPath


class SharedPathsCopy:
    """Deep copies share the paginator's compiled JSONPaths.

    dlt's ``RESTClient.paginate`` deep-copies the client's paginator on every call. A compiled
    JSONPath is immutable but costly to copy (tens of microseconds a path); for per-person child
    walks (HollyHR employment history: one walk per person) that was a tenth of the request cost.
    The paginator's state (cursor, has-more flag) is still copied.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        for name, value in vars(self).items():
            setattr(clone, name, value if isinstance(value, JSONPath) else copy.deepcopy(value, memo))
        return clone

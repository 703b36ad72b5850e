"""Paginator copies (sources/_shared/http/paginators.py)."""

from __future__ import annotations

import copy

from sources.hollyhr.client import HollyHRCursorPaginator


def test_deep_copy_shares_compiled_paths_and_copies_state() -> None:
    template = HollyHRCursorPaginator(cursor_path="next_cursor", cursor_param="cursor", has_more_path="has_more")
    walk = copy.deepcopy(template)
    assert walk.cursor_path is template.cursor_path and walk.has_more_path is template.has_more_path
    walk._next_reference = "abc"
    walk._has_next_page = False
    assert template._next_reference is None and template._has_next_page is True
    assert type(walk) is HollyHRCursorPaginator and walk.cursor_param == "cursor"

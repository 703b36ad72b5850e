"""Why a destination could not be used, in words that name the cause, not a setting that is fine.

A DuckDB file another process holds, a Postgres server that does not answer: the credentials and
the path are right there, so the line says who holds the file or where nothing listens, and what to
do. Each function returns ``(problem, reason, hint)`` for
:class:`~pipelines.run.destinations.DestinationConfigError`, or None when the cause is another one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LIMIT = 240
"""Longest quoted driver text; it is cut between words, never inside one (a URL stays whole or goes)."""

_DUCKDB_LOCK = re.compile(r'Could not set lock on file "([^"]+)"(?:: Conflicting lock is held in (.+?) '
                          r'\(PID (\d+)\))?', re.IGNORECASE)
_PG_WHERE = re.compile(r'(?:server at "([^"]+)"(?: \([^)]*\))?, port (\d+))|(?:host "([^"]+)".*?port (\d+))')
_REFUSED = ("connection refused", "could not connect", "no route to host", "timeout expired", "timed out",
            "name or service not known", "could not translate host name", "network is unreachable")


def shorten(text: str, limit: int = LIMIT) -> str:
    """`text` up to `limit` characters, cut at a space (a word or URL is kept whole or left out)."""
    if len(text) <= limit:
        return text
    words: list[str] = []
    size = 0
    for word in text.split(" "):
        if size + len(word) + 1 > limit:
            break
        words.append(word)
        size += len(word) + 1
    return " ".join(words).rstrip(" ,;:") + " ..."


def duckdb_locked(chain: Sequence[BaseException]) -> tuple[str, str, str] | None:
    """The DuckDB file is locked by another process: who holds it (PID when DuckDB says) and what to do."""
    for error in chain:
        found = _DUCKDB_LOCK.search(str(error))
        if found is None:
            continue
        path, program, pid = found.groups()
        holder = f"process {pid} ({program})" if pid else "another process"
        return (f"the DuckDB file {path} is locked by {holder}", "",
                "let that process finish or close it, then run again; hr-elt run --wait waits for another run of "
                "the same pipeline instead of failing")
    return None


def unreachable(destination: str, chain: Sequence[BaseException]) -> tuple[str, str, str] | None:
    """A Postgres server that refused or did not answer the connection: its host and port, not the credentials."""
    if destination != "postgres":
        return None
    for error in reversed(chain):  # the driver's own words are at the end of the chain
        text = str(error)
        lowered = text.lower()
        if not any(word in lowered for word in _REFUSED):
            continue
        found = _PG_WHERE.search(text)
        where = f"{found.group(1) or found.group(3)}:{found.group(2) or found.group(4)}" if found else "its host"
        cause = next(word for word in _REFUSED if word in lowered)
        return (f"the Postgres server at {where} is not reachable", cause,
                "start the server or check the host and port in the DSN "
                "(DESTINATION__POSTGRES__CREDENTIALS); the credentials were not tried")
    return None

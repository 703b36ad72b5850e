"""The ``_rejected`` table: a bad record's copy, and the transformer that loads it beside its resource."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from sources._shared.guard.privacy import TableRules

REJECTED_TABLE = "_rejected"
PAYLOAD_STRING_LIMIT = 1_000  # characters of a string kept in a rejected record's copy

REJECTED_COLUMNS: dict[str, Any] = {
    "rejection_id": {"data_type": "text", "nullable": False, "primary_key": True},
    "table_name": {"data_type": "text"},
    "resource": {"data_type": "text"},
    "reason": {"data_type": "text"},
    "page": {"data_type": "text"},
    "request_id": {"data_type": "text"},
    "record": {"data_type": "json"},
    "rejected_at": {"data_type": "timestamp"},
}


OWN_MARK = "_hr_elt_"  # prefix of the keys the connector itself puts on records (e.g. ByteHR's custom fields sent)


def rejected_row(table: str, resource: str, reason: str, page: str, request_id: str | None,
                 record: dict[str, Any], pii: TableRules | None) -> dict[str, Any]:
    """The ``_rejected`` row of a bad record: its copy (PII rules applied, long strings cut) and where it came from.

    ``rejection_id`` hashes the table, the reason and the copy: the same bad record sent again merges into one row.
    Keys starting with ``_hr_elt_`` are the connector's own marks on a record, not the vendor's: left out.
    """
    sent = {k: v for k, v in record.items() if not k.startswith(OWN_MARK)}
    payload = _cut_strings(json.loads(json.dumps(sent, default=str)))
    if pii is not None:
        pii.apply(payload)
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    digest = hashlib.blake2b(f"{table}\0{reason}\0{canonical}".encode(), digest_size=16).hexdigest()
    return {
        "rejection_id": digest,
        "table_name": table,
        "resource": resource,
        "reason": reason,
        "page": page,
        "request_id": request_id,
        "record": payload,
        "rejected_at": datetime.now(timezone.utc),
    }


def describe(record: dict[str, Any], primary_key: tuple[str, ...]) -> str:
    """The record's primary key values, for an error message."""
    keys = [f"{k}={record.get(k)!r}" for k in primary_key if record.get(k) not in (None, "")]
    return ", ".join(keys) if keys else "no primary key"


def collector(resource: str, drain: Callable[[], list[dict[str, Any]]]) -> DltResource:
    """A transformer fed by the guarded resource that loads the records its guard set aside (``drain``)."""

    @dlt.transformer(name=f"_rejected_{resource}", table_name=REJECTED_TABLE, write_disposition="merge",
                     primary_key="rejection_id", columns=REJECTED_COLUMNS)
    def rejected(items: Any) -> Iterator[TDataItems]:
        rows = drain()
        if rows:  # named: the table of the item that fed the transformer would travel with the rows otherwise
            yield dlt.mark.with_table_name(rows, REJECTED_TABLE)

    return rejected


def _cut_strings(obj: Any) -> Any:
    if isinstance(obj, str) and len(obj) > PAYLOAD_STRING_LIMIT:
        return obj[:PAYLOAD_STRING_LIMIT] + f"...[{len(obj) - PAYLOAD_STRING_LIMIT:,} more characters cut]"
    if isinstance(obj, dict):
        return {k: _cut_strings(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cut_strings(v) for v in obj]
    return obj

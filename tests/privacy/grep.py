"""Reads every file a pipeline left behind as text, compressed and columnar files included, for greps."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path


def file_text(path: Path) -> str:
    """The content of one file as text: parquet rows as JSON, gzip and zlib streams inflated."""
    raw = path.read_bytes()
    parts = [raw.decode("utf-8", "replace")]
    if raw[:4] == b"PAR1":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        parts.append(json.dumps(table.to_pylist(), default=str, ensure_ascii=False))
    elif raw[:2] == b"\x1f\x8b":
        parts.append(gzip.decompress(raw).decode("utf-8", "replace"))
    else:
        try:
            parts.append(zlib.decompress(raw).decode("utf-8", "replace"))
        except zlib.error:
            pass
    return "\n".join(parts)


def texts_under(*roots: Path | str) -> Iterator[tuple[Path, str]]:
    """``(path, text)`` of every file below the roots."""
    for root in roots:
        base = Path(root)
        if base.is_file():
            yield base, file_text(base)
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file():
                yield path, file_text(path)


def find_any(needles: Iterable[str], *roots: Path | str) -> list[tuple[str, Path]]:
    """Every (needle, file) where a needle occurs in a file's text below the roots."""
    wanted = [n for n in needles if n]
    hits = []
    for path, text in texts_under(*roots):
        for needle in wanted:
            if needle in text:
                hits.append((needle, path))
    return hits

"""The JSON-friendly form of id sets and ``id -> digest`` maps kept in dlt state.

Integer ids are stored sorted, as zlib-compressed 64-bit deltas in base64 (``int_deltas_z``; a few
bytes for a dense id range), digests as one base64 string (8 characters per record): about 0.8 MB
of state for 100,000 records. States written before 2026-11-30 keep the deltas as a JSON list
(``int_deltas``) and still load; other ids are a sorted list (``values``).
"""

from __future__ import annotations

import base64
import sys
import zlib
from array import array
from collections.abc import Iterable, Mapping
from itertools import accumulate
from operator import sub
from typing import Any

from sources._shared.state.digests import DIGEST_BYTES

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def all_ints(keys: Iterable[Any]) -> bool:
    return all(isinstance(k, int) and not isinstance(k, bool) for k in keys)


def is_int64(key: Any) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and INT64_MIN <= key <= INT64_MAX


def sorted_keys(keys: Iterable[Any]) -> list[Any]:
    keys = list(keys)
    return sorted(keys) if all_ints(keys) else sorted(keys, key=str)


def encode_int_ids(ids: array[int]) -> dict[str, Any] | None:
    """``{"int_deltas_z": ...}`` for sorted 64-bit ids whose deltas fit 64 bits too, else None."""
    if not ids:
        return None
    if ids[-1] - ids[0] > INT64_MAX:
        return None
    deltas = array("q", [ids[0]])
    deltas.extend(map(sub, ids[1:], ids[:-1]))
    if sys.byteorder != "little":
        deltas.byteswap()
    return {"int_deltas_z": base64.b64encode(zlib.compress(deltas.tobytes(), 6)).decode("ascii")}


def decode_int_ids(packed: dict[str, Any]) -> array[int] | None:
    """The sorted integer ids of a packed form (either encoding), or None for the ``values`` form."""
    if "int_deltas_z" in packed:
        deltas = array("q")
        deltas.frombytes(zlib.decompress(base64.b64decode(packed["int_deltas_z"])))
        if sys.byteorder != "little":
            deltas.byteswap()
        return array("q", accumulate(deltas))
    if "int_deltas" in packed:  # written before 2026-11-30: a JSON list
        ids = list(accumulate(packed["int_deltas"]))
        if all(INT64_MIN <= k <= INT64_MAX for k in ids[:1] + ids[-1:]):
            return array("q", ids)
        return None
    return None


def pack_ids(ids: Iterable[Any]) -> dict[str, Any]:
    """Packs a set of ids into JSON-friendly form: sorted integer deltas, or a sorted list."""
    keys = sorted_keys(ids)
    if keys and all_ints(keys):
        if is_int64(keys[0]) and is_int64(keys[-1]):
            encoded = encode_int_ids(array("q", keys))
            if encoded is not None:
                return encoded
        return {"int_deltas": [keys[0], *(b - a for a, b in zip(keys, keys[1:], strict=False))]}
    return {"values": keys}


def unpack_ids(packed: dict[str, Any] | None) -> list[Any]:
    """The ids of :func:`pack_ids` (any of its forms, old or new), in sorted order."""
    if not packed:
        return []
    if "int_deltas_z" in packed:
        return list(decode_int_ids(packed) or [])
    if "int_deltas" in packed:
        return list(accumulate(packed["int_deltas"]))
    return list(packed.get("values") or [])


def pack_digests(digests: Mapping[Any, bytes]) -> dict[str, Any]:
    """Packs ``id -> digest`` as sorted ids plus one base64 string of fixed-width digests.

    A mapping that packs itself (:class:`~sources._shared.state.index.DigestIndex`) gives its own form.
    """
    own = getattr(digests, "pack", None)
    if callable(own):  # the index packs its arrays without building a dict first
        packed: dict[str, Any] = own()
        return packed
    packed = pack_ids(digests)
    keys = unpack_ids(packed)
    packed["digests"] = base64.b64encode(b"".join(digests[k] for k in keys)).decode("ascii")
    return packed


def unpack_digests(packed: dict[str, Any] | None) -> dict[Any, bytes]:
    """The mapping of :func:`pack_digests`, as a dict."""
    if not packed:
        return {}
    keys = unpack_ids(packed)
    raw = base64.b64decode(packed.get("digests") or "")
    return {k: raw[i * DIGEST_BYTES:(i + 1) * DIGEST_BYTES] for i, k in enumerate(keys)}

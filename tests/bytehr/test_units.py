"""Pure helpers of the ByteHR source (no network): names, state packing, quota arithmetic."""

from __future__ import annotations

import json
import random

import pytest

from sources._shared.state.codec import pack_digests, pack_ids, unpack_digests, unpack_ids
from sources._shared.state.digests import DIGEST_BYTES, content_digest
from sources.bytehr.custom_fields import ColumnNames, column_base
from sources.bytehr.quota import QuotaInfo, full_run_requests, quota_line, runs_that_fit


@pytest.mark.parametrize(("key", "name"), [
    ("tshirt_size", "tshirt_size"),
    ("Shoe Size", "shoe_size"),
    ("Größe", "groesse"),
    ("Über-Größe", "ueber_groesse"),
    ("café", "cafe"),
    ("2fa enabled", "cf_2fa_enabled"),
    ("  a  b  ", "a_b"),
    ("T-Shirt (EU)", "t_shirt_eu"),
])
def test_column_base(key: str, name: str) -> None:
    assert column_base(key) == name


def test_column_base_of_letters_without_ascii_form() -> None:
    assert column_base("部署コード").startswith("cf_") and len(column_base("部署コード")) == 11
    assert column_base("部署コード") != column_base("名前")
    mixed = column_base("Team 名前")
    assert mixed.startswith("team_") and mixed != column_base("Team 住所")  # the dropped letters leave a hash
    assert column_base("部署コード") == column_base("部署コード")  # deterministic


def test_column_names_first_come_keeps_the_plain_name() -> None:
    mapping: dict[str, str] = {}
    names = ColumnNames(mapping)
    assert names.name("Shoe Size") == "shoe_size"
    second = names.name("shoe size")
    assert second.startswith("shoe_size_") and second != "shoe_size"
    assert names.name("Shoe Size") == "shoe_size" and names.name("shoe size") == second
    assert len(set(mapping.values())) == 2


def test_state_of_100k_records_is_compact() -> None:
    rng = random.Random(1)
    ids = sorted(rng.sample(range(1001, 400_000), 100_000))
    digests = {i: content_digest({"id": i, "n": rng.random()}) for i in ids}
    packed = pack_digests(digests)
    size = len(json.dumps(packed))
    assert size < 1_100_000  # about 11 bytes a record
    assert unpack_digests(json.loads(json.dumps(packed))) == digests
    assert all(len(d) == DIGEST_BYTES for d in digests.values())


def test_pack_ids_round_trips_ints_and_strings() -> None:
    assert unpack_ids(pack_ids({5, 1, 3})) == [1, 3, 5]
    assert set(pack_ids({5, 1, 3})) == {"int_deltas_z"}  # zlib-compressed 64-bit deltas (2026-11-30)
    assert unpack_ids({"int_deltas": [1, 2, 2]}) == [1, 3, 5]  # the JSON list written before still reads
    assert unpack_ids(pack_ids({2**70, 1})) == [1, 2**70]  # beyond 64 bits: the JSON list form
    assert unpack_ids(pack_ids({"b", "a"})) == ["a", "b"]
    assert unpack_ids(pack_ids(set())) == []


def test_quota_arithmetic() -> None:
    states = {"employees": {"last_walk": {"records": 10_000}}, "departments": {"last_walk": {"records": 0}}}
    need, known = full_run_requests(states, 100)
    assert (need, known) == (100 + 1 + 3, False)  # three resources never walked count one each
    info = QuotaInfo(limit=1000, remaining=530, reset="2026-12-01T00:00:00Z")
    assert runs_that_fit(info, 10, 104) == 5
    assert quota_line(info, 10, states, 100, sent=104) == (
        "quota: 104 requests this run; 530 of 1000 left until 2026-12-01T00:00:00Z (reserve 10); "
        "a full run needs at least 104: 5 more full runs fit before the reset")

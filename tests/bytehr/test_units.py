"""Pure helpers of the ByteHR source (no network): names, state packing, quota arithmetic."""

from __future__ import annotations

import json
import random

import pendulum
import pytest

from sources._shared.state.codec import pack_digests, pack_ids, unpack_digests, unpack_ids
from sources._shared.state.digests import DIGEST_BYTES, content_digest
from sources.bytehr.custom_fields import ColumnNames, column_base
from sources.bytehr.pacing import Cycle, Decision, PacePolicy, decide
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


# --- the even pace (sources/bytehr/pacing.py): the pure decision -----------------------------------
START = pendulum.datetime(2027, 1, 1, tz="UTC")
COSTS = {"custom_field_definitions": 1, "departments": 1, "positions": 1, "employees": 100, "leave_requests": 2}


def _cycle(remaining: int, limit: int = 1000) -> Cycle:
    cycle = Cycle.of(limit, remaining, "2027-02-01T00:00:00Z", START)
    assert cycle is not None
    return cycle


def _walks(decisions: dict[str, Decision]) -> list[str]:
    return [name for name, d in decisions.items() if d.walk]


def test_the_burst_lets_two_full_runs_walk_at_the_cycle_start() -> None:
    policy = PacePolicy()
    first = decide(policy, START, _cycle(1000), COSTS, {}, {})
    assert sorted(_walks(first)) == sorted(COSTS)
    spent = dict(COSTS)
    second = decide(policy, START.add(minutes=1), _cycle(1000 - 105), COSTS, spent, {})
    assert sorted(_walks(second)) == sorted(COSTS)  # a second run by hand right after the first
    spent = {name: 2 * cost for name, cost in COSTS.items()}
    third = decide(policy, START.add(minutes=2), _cycle(1000 - 210), COSTS, spent, {})
    assert _walks(third) == []
    employees = third["employees"]
    assert employees.reason == "pace" and employees.cost == 100
    # the next walk is affordable when the pace reaches 3 full runs: (315 - 210) / (990 - 210) of the cycle
    expected = START.add(seconds=(315 - 210) / (990 - 210) * 31 * 86400)
    assert employees.next_at is not None and abs((employees.next_at - expected).total_seconds()) < 1


def test_priority_when_the_quota_cannot_pay_for_every_resource() -> None:
    # others spent the key down: the pace has room for about 102 more requests, not a full run of 105
    cycle = _cycle(1000 - 600)
    now = START.add(days=22)  # allowed ~ 990 * 0.71 + 210 * 0.29 = 763.6; 600 spent and 61 booked
    recent = {name: now.subtract(days=1) for name in COSTS}  # walked a day ago: what is left does not pay yet
    room = decide(PacePolicy(), now, cycle, COSTS, {}, recent, booked=61)
    assert _walks(room) == ["custom_field_definitions", "employees"]
    assert room["leave_requests"].reason == "pace"
    assert room["departments"].detail == "leave_requests comes first in walk_priority and waits for the pace"
    order = ("departments", "positions", "leave_requests", "custom_field_definitions", "employees")
    reordered = decide(PacePolicy(priority=order), now, cycle, COSTS, {}, recent, booked=61)
    assert _walks(reordered) == ["departments", "positions", "leave_requests", "custom_field_definitions"]


def test_a_resource_waiting_for_the_pace_holds_the_ones_after_it() -> None:
    cycle = _cycle(1000 - 700)
    recent = {name: START.add(days=19) for name in COSTS}
    decisions = decide(PacePolicy(), START.add(days=20), cycle, COSTS, {}, recent)
    assert _walks(decisions) == ["custom_field_definitions"]
    assert decisions["employees"].reason == "pace"
    for name in ("leave_requests", "departments", "positions"):
        assert decisions[name].reason == "pace"
        assert decisions[name].detail == "employees comes first in walk_priority and waits for the pace"
        assert decisions[name].next_at == decisions["employees"].next_at


def test_the_reserve_and_the_reset() -> None:
    policy = PacePolicy(burst_share=1.0)  # the whole budget allowed at once: only the reserve holds walks back
    late = START.add(days=30, hours=23)
    decisions = decide(policy, late, _cycle(12), COSTS, {}, {})
    assert _walks(decisions) == ["custom_field_definitions", "departments"]  # 12 - 1 - 1 = the reserve
    assert decisions["employees"].reason == "reserve"
    assert decisions["employees"].next_at == pendulum.datetime(2027, 2, 1, tz="UTC")
    assert decisions["employees"].detail == "11 of 1000 left, quota_reserve 10"  # after the definitions
    # after the reset a spent cycle starts over full: everything walks
    after = pendulum.datetime(2027, 2, 1, 0, 5, tz="UTC")
    cycle = Cycle.of(1000, 0, "2027-02-01T00:00:00Z", after)
    assert cycle is not None and cycle.remaining == 1000 and cycle.reset == pendulum.datetime(2027, 3, 1, tz="UTC")
    assert sorted(_walks(decide(PacePolicy(), after, cycle, COSTS, {}, {}))) == sorted(COSTS)


def test_the_cadence_cap_and_pacing_off() -> None:
    walked = {name: START.add(hours=1) for name in COSTS}
    policy = PacePolicy(pacing="off", cadence_hours={"departments": 168})
    decisions = decide(policy, START.add(hours=2), _cycle(1000), COSTS, {}, walked)
    assert sorted(_walks(decisions)) == sorted(set(COSTS) - {"departments"})
    capped = decisions["departments"]
    assert capped.reason == "cadence cap" and capped.detail == "min_interval_hours 168"
    assert capped.next_at == START.add(hours=1, seconds=168 * 3600 * 0.95)
    assert capped.describe().startswith("departments: skipped (cadence cap): its walk needs 1 requests; ")
    # an unknown quota (no run has seen it): everything walks, the first answer tells
    assert sorted(_walks(decide(PacePolicy(), START, None, COSTS, {}, {}))) == sorted(COSTS)

"""The dlt behaviour sources/_shared/dlt_compat.py relies on, pinned: a dlt upgrade that changes it fails here.

Each test names the internal it pins. Resources are extracted by real dlt pipelines (no destination
call: ``extract`` only) in a temporary pipelines folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import dlt
import pytest
from dlt.extract.incremental import IncrementalResourceWrapper
from dlt.extract.items_transform import LimitItem
from dlt.helpers.dbt.runner import DBTPackageRunner

from sources._shared import dlt_compat
from sources._shared.dlt_compat import INCREMENTAL_PLACEMENT, LIMIT_PLACEMENT, ItemTransform


class Recorder(ItemTransform[Any, Any]):
    """A step that records what it sees and may drop records with a marker."""

    placement_affinity: ClassVar[float] = 0.0

    def __init__(self, seen: list[Any], drop: str | None = None) -> None:
        super().__init__(lambda item: item)
        self.seen = seen
        self.drop = drop

    def __call__(self, item: Any, meta: Any = None) -> Any:
        rows = item if isinstance(item, list) else [item]
        self.seen.extend(rows)
        return [r for r in rows if r.get("id") != self.drop]


class BeforeIncremental(Recorder):
    placement_affinity: ClassVar[float] = INCREMENTAL_PLACEMENT - 0.5


class AfterIncremental(Recorder):
    placement_affinity: ClassVar[float] = (INCREMENTAL_PLACEMENT + LIMIT_PLACEMENT) / 2


ROWS = [{"id": "a", "updated_at": "2026-01-01"}, {"id": "b", "updated_at": "2026-01-02"},
        {"id": "late", "updated_at": "2030-01-01"}]


def listing() -> Any:
    @dlt.resource(name="things", primary_key="id")
    def things(cursor: dlt.sources.incremental[str] = dlt.sources.incremental("updated_at")) -> Iterator[Any]:
        yield [dict(r) for r in ROWS]

    return things()


@pytest.fixture
def pipeline(tmp_path: Path) -> Any:
    return dlt.pipeline(pipeline_name="compat", pipelines_dir=str(tmp_path), destination="duckdb",
                        dataset_name="compat")


def last_value(pipeline: Any) -> Any:
    resources = pipeline.state["sources"]["compat"]["resources"]
    return resources["things"]["incremental"]["updated_at"]["last_value"]


def test_placement_affinity_orders_steps_around_the_incremental_and_the_limit() -> None:
    # internals: ItemTransform.placement_affinity read by Pipe.append_step; the incremental's and limit's values
    assert INCREMENTAL_PLACEMENT == IncrementalResourceWrapper.placement_affinity
    assert 0 < INCREMENTAL_PLACEMENT - 0.6 < INCREMENTAL_PLACEMENT - 0.5 < INCREMENTAL_PLACEMENT < LIMIT_PLACEMENT
    assert LIMIT_PLACEMENT == LimitItem.placement_affinity
    resource = listing()
    resource.add_step(AfterIncremental([]))
    resource.add_step(BeforeIncremental([]))
    resource.add_limit(5)
    kinds = [type(step).__name__ for step in resource._pipe.steps[1:]]
    assert kinds == ["BeforeIncremental", "IncrementalResourceWrapper", "AfterIncremental", "LimitItem"]


def test_a_record_dropped_before_the_incremental_never_moves_the_cursor(pipeline: Any) -> None:
    before: list[Any] = []
    after: list[Any] = []
    resource = listing()
    resource.add_step(BeforeIncremental(before, drop="late"))
    resource.add_step(AfterIncremental(after))
    pipeline.extract(resource, table_name="things")
    assert [r["id"] for r in before] == ["a", "b", "late"]
    assert [r["id"] for r in after] == ["a", "b"]  # the incremental saw only what the step handed on
    assert last_value(pipeline) == "2026-01-02"


def test_a_step_bound_at_extract_wraps_the_generator_and_reads_the_bound_incremental(pipeline: Any) -> None:
    # internals: Pipe.gen, Pipe.has_parent, Pipe.replace_gen and Pipe.steps on the pipe a step's bind gets
    found: dict[str, Any] = {}

    class Wrapping(BeforeIncremental):
        def bind(self, pipe: Any) -> Any:
            gen = dlt_compat.pipe_generator(pipe)
            found["has_parent"] = dlt_compat.has_parent(pipe)
            found["incremental"] = dlt_compat.bound_incremental(pipe)

            def with_tail() -> Iterator[Any]:
                yield from gen
                yield [{"id": "tail", "updated_at": "2026-01-03"}]

            dlt_compat.replace_generator(pipe, with_tail())
            return self

    resource = listing()
    declared_gen = resource._pipe.gen
    resource.add_step(Wrapping([]))
    pipeline.extract(resource, table_name="things")
    assert found["has_parent"] is False
    assert found["incremental"].cursor_path == "updated_at"
    assert last_value(pipeline) == "2030-01-01"  # the wrapper's items flow through the steps after it
    assert resource._pipe.gen is declared_gen  # extraction bound a clone: the declared resource is unchanged


def test_the_declared_incremental_of_an_unbound_resource() -> None:
    # internals: resource._pipe.gen's signature read with IncrementalResourceWrapper.get_incremental_arg
    @dlt.resource(name="things", primary_key="id")
    def things(cursor: dlt.sources.incremental[str] = dlt.sources.incremental("updated_at")) -> Iterator[Any]:
        yield []

    declared = dlt_compat.declared_incremental(things)  # as vendors return it: not called
    assert declared is not None and declared.cursor_path == "updated_at"
    assert dlt_compat.declared_incremental(things()) is None  # called: dlt bound the argument away

    @dlt.resource(name="plain")
    def plain() -> Iterator[Any]:
        yield {"id": 1}

    assert dlt_compat.declared_incremental(plain()) is None

    @dlt.transformer(name="child")
    def child(item: Any) -> Iterator[Any]:
        yield item

    assert dlt_compat.declared_incremental(listing() | child) is None


def test_overlapping_config_values_restore_after_the_last_run_whatever_the_exit_order() -> None:
    # public dlt.config.values, entered and exited by hand: it restores a snapshot of the whole provider
    key = "hr_elt_compat_probe.value"
    overlay = dlt_compat.OverlappingConfigValues()
    assert dlt.config.get(key) is None
    first = overlay({key: "first"})
    second = overlay({key: "second"})
    first.__enter__()
    assert dlt.config.get(key) == "first"
    second.__enter__()
    assert dlt.config.get(key) == "second"
    first.__exit__(None, None, None)  # the first run ends first: the second's value stays
    assert dlt.config.get(key) == "second"
    second.__exit__(None, None, None)
    assert dlt.config.get(key) is None
    with dlt.config.values({key: "plain"}):  # dlt's own: a snapshot restored on exit
        assert dlt.config.get(key) == "plain"
    assert dlt.config.get(key) is None


class RecordingRunner(DBTPackageRunner):
    """dlt's runner with dbt itself left out: records the command its public and private paths send."""

    def __init__(self) -> None:  # no venv, no credentials: only what _get_package_vars reads
        self.config = SimpleNamespace(package_additional_vars={"from_config": 1})
        self.source_dataset_name = "hollyhr"
        self.sent: list[tuple[str, list[str], dict[str, Any]]] = []

    def _run_dbt_command(self, command: str, command_args: Any = None, package_vars: Any = None) -> Any:
        self.sent.append((command, list(command_args or ()), dict(package_vars or {})))
        return ["node"]


@pytest.mark.parametrize("command", ["build", "run", "test"])
def test_dbt_commands_reach_dbt_with_the_package_vars(command: str) -> None:
    # internals: DBTPackageRunner._run_dbt_command and _get_package_vars (build has no public method)
    runner = RecordingRunner()
    assert dlt_compat.dbt_command(runner, command, ["--select", "x"], {"hr_vendors": ["hollyhr"]}, "hr_unified") \
        == ["node"]
    assert runner.sent == [(command, ["--select", "x"], {
        "from_config": 1, "source_dataset_name": "hollyhr", "destination_dataset_name": "hr_unified",
        "hr_vendors": ["hollyhr"]})]
    with pytest.raises(ValueError, match="unknown dbt command 'seed'"):
        dlt_compat.dbt_command(runner, "seed", [], {}, "hr_unified")

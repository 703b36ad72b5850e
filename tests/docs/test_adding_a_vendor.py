"""docs/adding-a-vendor.md is the whole list of what a vendor touches: every vendor has what it lists, and
central code finds vendors instead of naming them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from sources import registry
from tests.docs.test_readme import plain, table_after
from tests.fourthhr.spec import SPEC as FOURTH

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "adding-a-vendor.md").read_text()
OWN = table_after(DOC, "## The vendor's own files")
CENTRAL = table_after(DOC, "## Central files a vendor touches")
# where central code lives: it reads vendors from the registry and names none
CENTRAL_CODE = [*(ROOT / "pipelines").rglob("*.py"), *(ROOT / "sources" / "_shared").rglob("*.py"),
                ROOT / "sources" / "registry.py", *(ROOT / "sandbox").glob("*.py"),
                *(p for p in (ROOT / "bench").rglob("*.py") if p.parent.name != "scenarios"),  # a vendor's own scenario
                ROOT / "setup.py"]


def exists(relative: str) -> bool:
    path = ROOT / relative
    return path.is_dir() if relative.endswith("/") else path.is_file()


def test_the_list_has_the_pieces_a_vendor_is_made_of() -> None:
    templates = [plain(row[0]) for row in OWN]
    assert all("<vendor>" in t for t in templates), templates
    for piece in ("declaration.py", "spec.py", "sandbox/<vendor>/", "dbt/models/staging/<vendor>/", "tests/<vendor>/"):
        assert any(piece in t for t in templates), piece
    assert [plain(row[0]) for row in CENTRAL] == ["dbt/dbt_project.yml"]


@pytest.mark.parametrize("vendor", registry.names())
def test_every_vendor_has_every_required_piece(vendor: str) -> None:
    missing = [plain(row[0]) for row in OWN
               if row[2] == "yes" and not exists(plain(row[0]).replace("<vendor>", vendor))]
    assert missing == [], f"{vendor} lacks what docs/adding-a-vendor.md lists"


def test_the_fourth_vendor_has_its_own_piece_for_each_item() -> None:
    for row in OWN:
        where = row[3]
        if where == "none":
            assert row[2] == "no", f"{plain(row[0])} is required: FourthHR must have it"
            continue
        assert exists(plain(where)), where
    # and its spec names them, as a real vendor's does
    assert FOURTH.sandbox_app.startswith("tests.fourthhr.sandbox:")
    assert FOURTH.bench_scenario == "tests.fourthhr.sandbox.bench:FourthHR"
    assert FOURTH.sandbox_class().name == FOURTH.bench_scenario_class().name == "fourthhr"


@pytest.mark.parametrize("vendor", registry.names())
def test_each_central_file_has_the_one_entry_the_list_says(vendor: str) -> None:
    project = yaml.safe_load((ROOT / "dbt" / "dbt_project.yml").read_text())
    assert vendor in project["vars"]["hr_conformed_models"]


def test_packages_are_found_not_listed() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert not re.search(r"(?m)^packages\s*=", pyproject), "a hand list of packages each vendor would have to join"
    assert not re.search("|".join(registry.names()), (ROOT / "setup.py").read_text(), re.IGNORECASE)
    assert registry.vendor_packages() == sorted(registry.names())


def test_central_code_names_no_vendor() -> None:
    # a string that is a vendor's name (a dict key, a default list) means a central file to edit per vendor
    named = []
    vendors = set(registry.names())
    for path in CENTRAL_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in vendors:
                named.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert named == []

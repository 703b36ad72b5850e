"""Claims the docs make that the code can check (issue 27, item 9): counts that drift are counted, not trusted.

``docs/*.md`` pages are checked as they are written (the README's content is moving there); the
README's own claims that hold today are checked here too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipelines.observe.quality import STATUSES

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "dbt"
TEST_CLAIM = re.compile(r"\b(\d+) (?:models? \([^)]*\) and )?(\d+) tests\b|\band (\d+) tests\b")
MODEL_CLAIM = re.compile(r"(\d+) models \((\d+) staging views, (\d+) conformed views, (\d+) marts\)")


def dbt_tests() -> int:
    """Tests the dbt build runs: every generic test listed in the models' YAML, plus the singular tests."""
    count = 0

    def walk(node: Any) -> None:
        nonlocal count
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("tests", "data_tests") and isinstance(value, list):
                    count += len(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((DBT / "models").rglob("*.yml")):
        walk(yaml.safe_load(path.read_text()))
    return count + len(list((DBT / "tests").glob("*.sql")))


def dbt_models() -> tuple[int, int, int]:
    """(staging views, conformed views, marts): SQL files under staging/ (staging and conformed), marts/."""
    staging = list((DBT / "models" / "staging").rglob("*.sql"))
    conformed = [p for p in staging if not p.stem.startswith("stg_")]  # <vendor>__hr_<mart>
    marts = list((DBT / "models" / "marts").rglob("*.sql"))
    return len(staging) - len(conformed), len(conformed), len(marts)


def docs_pages() -> list[Path]:
    return sorted((ROOT / "docs").glob("*.md"))


def test_every_dbt_test_count_in_the_docs_is_the_counted_one() -> None:
    counted = dbt_tests()
    assert counted > 0
    for page in docs_pages():
        for found in TEST_CLAIM.finditer(page.read_text()):
            stated = int(found.group(2) or found.group(3))
            assert stated == counted, f"{page.name} says {found.group(0)!r}; the dbt build has {counted} tests"


def test_the_stated_model_counts_are_the_files() -> None:
    staging, conformed, marts = dbt_models()
    for page in [ROOT / "README.md", *docs_pages()]:
        for found in MODEL_CLAIM.finditer(page.read_text()):
            total, s, c, m = (int(g) for g in found.groups())
            assert (total, s, c, m) == (staging + conformed + marts, staging, conformed, marts), \
                f"{page.name} says {found.group(0)!r}"


def test_the_coverage_statuses_documented_are_the_judged_ones() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text[text.index("| status | when | said |"):].split("\n\n", 1)[0]
    documented = [line.split("|")[1].strip().strip("`") for line in table.splitlines()[2:]]
    assert documented == list(STATUSES)
    assert "judged against the table" in text.lower()

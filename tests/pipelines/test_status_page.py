"""`hr-elt status --html FILE`: one self-contained page, read back with html.parser."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from tests.harness import Harness
from tests.pipelines.test_cli import BIN


class Page(HTMLParser):
    """Every start tag with its attributes and the text inside the innermost open tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.closed: list[tuple[str, dict[str, str], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append((tag, values))
        self.stack.append((tag, values, []))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, attrs, text = self.stack.pop()
            self.closed.append((name, attrs, "".join(text)))
            if self.stack:
                self.stack[-1][2].extend(text)
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][2].append(data)

    def elements(self, tag: str, **attrs: str) -> list[tuple[dict[str, str], str]]:
        return [(a, t) for name, a, t in self.closed
                if name == tag and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]


def coverage_rows(now: datetime) -> list[dict[str, Any]]:
    """Rows in the agreed ``_hr_elt_field_coverage`` shape, as the coverage step writes them."""
    base = {"load_id": "1796400000.1", "run_id": "r1", "vendor": "hollyhr", "tenant": None, "resource": "people",
            "rows": 6, "measured_at": now}
    return [{**base, "field": "id", "column_name": "id", "present_rows": 6, "non_null_rows": 6, "status": "ok"},
            {**base, "field": "work_email", "column_name": "work_email", "present_rows": 0, "non_null_rows": 0,
             "status": "absent"},
            {**base, "field": "department", "column_name": "department", "present_rows": 6, "non_null_rows": 0,
             "status": "empty"}]


def test_the_page_shows_runs_coverage_and_schema_changes_with_nothing_external(harness: Harness) -> None:
    harness.start("hollyhr", people=6)
    harness.run("hollyhr")
    harness.run("hollyhr")
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")
    with pytest.raises(PipelineStepFailed):
        harness.run("hollyhr")
    now = datetime.now(timezone.utc)
    harness.load(dlt.resource(coverage_rows(now), name="_hr_elt_field_coverage", write_disposition="append",
                              columns={"tenant": {"data_type": "text"}}), name="coverage_rows", dataset="hollyhr")
    harness.load(dlt.resource([{"load_id": "1796400000.1", "run_id": "r1", "table_name": "people",
                                "column_name": "nickname", "change": "new_column", "detail": "text column added",
                                "changed_at": now}], name="_hr_elt_schema_changes", write_disposition="append"),
                 name="schema_rows", dataset="hollyhr")

    out = harness.tmp_path / "status.html"
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    done = subprocess.run([str(BIN / "hr-elt"), "status", "hollyhr", "--json", "--html", str(out), "--pipelines-dir",
                           harness.pipelines_dir], env=env, cwd=harness.tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr  # the latest run failed, two coverage warnings are open
    [target] = json.loads(done.stdout)["targets"]
    assert [(c["field"], c["status"]) for c in target["coverage_warnings"]] == [("department", "empty"),
                                                                               ("work_email", "absent")]
    page = Page()
    page.feed(out.read_text())

    assert not [t for t, _ in page.tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in page.tags if "src" in a or "href" in a]
    assert {a["xmlns"] for t, a in page.tags if t == "svg"} == {"http://www.w3.org/2000/svg"}
    [(section, text)] = page.elements("section")
    assert section["data-vendor"] == "hollyhr" and section["data-healthy"] == "false"
    assert "hollyhr -> duckdb" in text and "2 coverage warning(s)" in text
    for chart in ("rows", "duration"):
        [(figure, _)] = page.elements("figure", data_chart=chart)
    bars = [a["class"] for a, _ in page.elements("rect")]
    assert len(bars) == 2 * 3 and bars.count("bar status-failed") == 2 and bars.count("bar status-ok") == 4
    assert len(page.elements("tr", class_="run")) == 3
    [(_, absent)] = page.elements("tr", class_="absent")
    [(_, empty)] = page.elements("tr", class_="empty")
    assert "work_email" in absent and "department" in empty and len(page.elements("tr", class_="ok")) == 1
    [(_, change)] = page.elements("tr", class_="change")
    assert "nickname" in change and "new_column" in change

"""`hr-elt status --html FILE`: one self-contained page, read back with html.parser."""

from __future__ import annotations

import json
import os
import subprocess
from html.parser import HTMLParser

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


def test_the_page_shows_runs_coverage_and_schema_changes_with_nothing_external(harness: Harness) -> None:
    app = harness.start("hollyhr", people=6)
    app.withhold_field("people", "work_email")  # as a missing permission would: absent
    app.blank_field("people", "department")  # sent, null on every record: empty
    harness.run("hollyhr")
    harness.run("hollyhr")
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")
    with pytest.raises(PipelineStepFailed):
        harness.run("hollyhr")

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
    [(section, text)] = page.elements("section", class_="target")
    assert section["data-vendor"] == "hollyhr" and section["data-healthy"] == "false"
    assert "hollyhr -> duckdb" in text and "2 coverage warning(s)" in text
    for chart in ("rows", "duration"):
        [(figure, _)] = page.elements("figure", data_chart=chart)
    bars = [a["class"] for a, _ in page.elements("rect")]
    assert len(bars) == 2 * 3 and bars.count("bar status-failed") == 2 and bars.count("bar status-ok") == 4
    assert len(page.elements("tr", class_="run")) == 3
    [(_, absent)] = page.elements("tr", class_="absent")
    [(_, empty)] = page.elements("tr", class_="empty")
    assert "work_email" in absent and "department" in empty and page.elements("details", class_="coverage-ok")
    changes = [text for _, text in page.elements("tr", class_="change")]  # the first load's new tables
    assert any("people" in text and "new_table" in text for text in changes), changes

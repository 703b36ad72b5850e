"""The status page with several targets (issue 27, item 7): an overview row per vendor/tenant/destination first,
only the coverage rows that are not ok shown (the rest folded), and a warehouse that cannot be read said so.

Three vendors, two HollyHR tenants, DuckDB and Postgres, all typed as a user types them (``hr-elt run all``,
``hr-elt status --html``). ``HR_ELT_STATUS_PAGE_COPY=FILE`` keeps a copy of the page (for a screenshot).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.ops.helpers import base_env, hr_elt, tenant_env
from tests.pipelines.test_status_page import Page
from tests.postgres_server import PostgresServer


@pytest.mark.timeout(1200)  # nine loads on a shared 2-core machine; not a timing check
def test_overview_first_unhealthy_coverage_only_and_an_unreadable_warehouse(tmp_path: Path,
                                                                         postgres_server: PostgresServer) -> None:
    pipes, main_db, side_db = tmp_path / "p", tmp_path / "hr.duckdb", tmp_path / "side.duckdb"
    with Sandbox(vendors=("hollyhr", "bytehr", "cutehr"), hollyhr={"people": 8}, bytehr={"employees": 8},
                 cutehr={"employees": 8}) as sandbox:
        sandbox.apps["hollyhr"].withhold_field("people", "location")  # one open coverage warning
        env = base_env(HR_ELT__TENANTS__HOLLYHR="acme",
                       DESTINATION__POSTGRES__CREDENTIALS=postgres_server.create_database("status"),
                       **tenant_env("hollyhr", None, sandbox), **tenant_env("hollyhr", "acme", sandbox),
                       **tenant_env("bytehr", None, sandbox), **tenant_env("cutehr", None, sandbox))
        common = ["--pipelines-dir", str(pipes)]
        for args in (["run", "all", "--duckdb-path", str(main_db)], ["run", "all", "--destination", "postgres"],
                     ["run", "cutehr", "--duckdb-path", str(side_db)]):
            done = hr_elt([*args, *common], env, tmp_path, timeout=900)
            assert "Traceback" not in done.stderr, done.stderr
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); sys.stdin.read()", str(side_db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        page_file = tmp_path / "status.html"
        shown = hr_elt(["status", "all", "--html", str(page_file), *common], env, tmp_path, timeout=600)
    finally:
        holder.communicate("", timeout=30)
    assert shown.returncode == 1, shown.stdout + shown.stderr  # a warning is open, a warehouse is locked
    if os.environ.get("HR_ELT_STATUS_PAGE_COPY"):
        shutil.copy(page_file, os.environ["HR_ELT_STATUS_PAGE_COPY"])
    html = page_file.read_text()
    page = Page()
    page.feed(html)

    sections = page.elements("section")
    assert html.index('<section class="overview">') < html.index('<section class="target"')
    rows = page.elements("tr", class_="ok") + page.elements("tr", class_="bad")
    overview = sorted((a["data-vendor"], a["data-tenant"], a["data-destination"]) for a, _ in rows
                      if "data-destination" in a)
    assert overview == sorted([("bytehr", "", "duckdb"), ("bytehr", "", "postgres"), ("cutehr", "", "duckdb"),
                               ("cutehr", "", "duckdb"), ("cutehr", "", "postgres"), ("hollyhr", "", "duckdb"),
                               ("hollyhr", "", "postgres"), ("hollyhr", "acme", "duckdb"),
                               ("hollyhr", "acme", "postgres")])
    assert len([s for s, _ in sections if s.get("class") == "target"]) == 9
    locked = [t for a, t in page.elements("tr", class_="bad") if "cannot read the warehouse" in t]
    assert len(locked) == 1 and f"is locked by process {holder.pid}" in locked[0], locked
    assert "last success: never" not in shown.stdout
    assert re.search(r"last success: unknown, the warehouse cannot be read \(.*locked", shown.stdout), shown.stdout

    for part in html.split('<section class="target"')[1:]:  # shown: only fields that are not ok
        shown_part = part.split('<details class="coverage-ok">')[0]
        assert '<tr class="ok"' not in shown_part
    warned = [t for a, t in page.elements("tr", class_="absent")]
    assert warned and all("location" in t for t in warned)
    ok_folded = page.elements("details", class_="coverage-ok")
    assert ok_folded and all("field(s) ok" in t for _, t in ok_folded)

"""`hr-elt run <vendor> --progress log`, typed as a user types, against the sandbox.

No timing thresholds: the sandbox holds one answer of the walk until the test has read a progress
line from the running command (a hook in the request's own thread), then a later answer until a
line with a measured rate and an ETA has come. The interval setting is made short, so the lines
come while the answer is held; the run then finishes and the lines are checked.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from sandbox import Sandbox
from sandbox.core import VendorApp
from tests.pipelines.test_cli import BIN, env_for

HOLD_SECONDS = 120  # a hold never outlasts this, so a test whose line never comes fails instead of hanging


class _Reader:
    """Reads a running command's stderr line by line; a hold waits until a line matches."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.stdout: list[str] = []
        self._seen = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self, process: subprocess.Popen[str]) -> None:
        self._threads = [threading.Thread(target=self._read, args=(process.stderr, True), daemon=True),
                         threading.Thread(target=self._read, args=(process.stdout, False), daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read(self, stream: object, is_err: bool) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._seen:
                (self.lines if is_err else self.stdout).append(line.rstrip("\n"))
                self._seen.notify_all()

    def hold_until(self, pattern: str) -> Callable[[VendorApp], None]:
        """A sandbox hook that holds its answer until a stderr line matches `pattern`."""
        def hook(app: VendorApp) -> None:
            with self._seen:
                self._seen.wait_for(lambda: any(re.search(pattern, line) for line in self.lines), HOLD_SECONDS)
        return hook

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=HOLD_SECONDS)


def _run(sandbox: Sandbox, vendor: str, tmp_path: Path, holds: list[tuple[str, int, str]]) -> tuple[int, list[str]]:
    env = env_for(sandbox, HR_ELT__PROGRESS__EVERY_SECONDS="0.05")
    reader = _Reader()
    for route, k, pattern in holds:  # before the command starts: counted from its first request
        sandbox.apps[vendor].after_request(k, reader.hold_until(pattern), route=route)
    process = subprocess.Popen(
        [str(BIN / "hr-elt"), "run", vendor, "--progress", "log", "--pipelines-dir", str(tmp_path / "p"),
         "--duckdb-path", str(tmp_path / "w.duckdb")],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader.start(process)
    code = process.wait(timeout=300)
    reader.join()
    assert code == 0, "\n".join(reader.lines)
    return code, [line.split(f"INFO sources.{vendor}: ", 1)[1] for line in reader.lines
                  if f"INFO sources.{vendor}: {vendor}: " in line]


def test_bytehr_walk_says_records_of_the_vendors_total_with_a_rate_and_eta(tmp_path: Path) -> None:
    with Sandbox(vendors=("bytehr",), bytehr={"employees": 1_000}) as sandbox:  # 10 pages: checkpoints every 5
        _, lines = _run(sandbox, "bytehr", tmp_path, [
            ("/employees*", 2, r"bytehr: employees [\d,]+/1,000 records"),
            ("/employees*", 5, r"bytehr: employees [\d,]+/1,000 records \(\d+%\), [\d.,]+ rec/(s|min), ETA \d"),
        ])
    walk = [line for line in lines if line.startswith("bytehr: employees ")]
    eta = r"bytehr: employees [\d,]+/1,000 records \(\d+%\), [\d.,]+ rec/(s|min), ETA \d[\dhms]*"
    assert any(re.fullmatch(eta, line) for line in walk), walk
    assert walk[-1] == "bytehr: employees 1,000/1,000 records (100%), done"  # said once, across the checkpoints
    assert sum(line.endswith(", done") for line in walk) == 1


def test_hollyhr_says_what_it_knows_and_that_the_rest_is_unknown(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 300}) as sandbox:
        _, lines = _run(sandbox, "hollyhr", tmp_path, [
            ("/people/*/employment", 3, r"hollyhr: employments [\d,]+/[\d,]+ people"),
            ("/people/*/employment", 40, r"hollyhr: employments [\d,]+/[\d,]+ people.*people/s.*, ETA \d"),
        ])
    people = [line for line in lines if line.startswith("hollyhr: people ")]
    assert people and all(re.fullmatch(r"hollyhr: people [\d,]+ records, (done|.*ETA unknown: the vendor gives no "
                                       r"total)", line) for line in people), people
    children = [line for line in lines if line.startswith("hollyhr: employments ")]
    # the per-person requests queued for the people read so far, at no more than the documented 10 a second
    with_eta = [line for line in children if re.search(r", ETA \d", line)]
    assert with_eta, children
    for line in with_eta:
        match = re.search(r" ([\d.]+) people/s( \(the documented rate limit\))?, ETA \d", line)
        assert match is not None and float(match[1]) <= 10.0, line
    assert children[-1] == "hollyhr: employments 300/300 people (100%), done"


def test_a_bad_interval_is_refused_before_any_request(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3}) as sandbox:
        env = env_for(sandbox, HR_ELT__PROGRESS__EVERY_SECONDS="soon")
        done = subprocess.run(
            [str(BIN / "hr-elt"), "run", "hollyhr", "--progress", "log", "--pipelines-dir", str(tmp_path / "p"),
             "--duckdb-path", str(tmp_path / "w.duckdb")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1
        (line,) = [line for line in done.stderr.splitlines() if line.startswith("hr-elt: ")]
        assert "progress.every_seconds 'soon' is not a number above 0" in line
        assert "HR_ELT__PROGRESS__EVERY_SECONDS" in line
        assert sandbox.apps["hollyhr"].requests() == []

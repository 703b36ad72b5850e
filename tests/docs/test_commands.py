"""Every ``hr-elt`` command shown in README.md and docs/ parses as written: its command and options exist.

Commands are taken from fenced ``sh`` blocks (a trailing ``# comment`` dropped); each is handed to the
CLI's own parser, which exits on an unknown command, option or choice.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from pipelines.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```(?:sh|bash|console)\n(.*?)```", re.S)


def shown_commands() -> list[tuple[str, str]]:
    """``(page, command line)`` for every ``hr-elt ...`` line in a shell block of the pages."""
    found = []
    for page in PAGES:
        for block in FENCE.findall(page.read_text()):
            for line in block.splitlines():
                line = line.split("  #", 1)[0].strip().removeprefix("$ ")
                if line.startswith("hr-elt "):
                    found.append((page.name, line))
    return found


COMMANDS = shown_commands()


def test_the_pages_show_commands() -> None:
    assert len(COMMANDS) >= 10, COMMANDS  # README's main commands alone are eleven


@pytest.mark.parametrize(("page", "line"), COMMANDS, ids=[f"{p}:{c}" for p, c in COMMANDS])
def test_command_parses_as_written(page: str, line: str) -> None:
    words = shlex.split(line)[1:]
    if "|" in line or "<" in line:
        pytest.fail(f"{page}: {line!r} is a usage pattern in a shell block; write a real command")
    try:
        build_parser().parse_args(words)
    except SystemExit as exc:
        pytest.fail(f"{page}: {line!r} does not parse (exit {exc.code})")

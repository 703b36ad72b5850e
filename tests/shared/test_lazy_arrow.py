"""pyarrow and numpy load only with the first Arrow item; the runner picks the system memory pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**environment, **env},
                         capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip()


def test_importing_the_runner_and_sources_loads_no_pyarrow() -> None:
    code = ("import sys, pipelines.run.runner, sources.bytehr, sources.cutehr, sources.hollyhr, "
            "sources._shared.guard; print(sorted(m for m in ('pyarrow', 'numpy') if m in sys.modules))")
    assert _python(code) == "[]"


def test_runner_sets_the_system_memory_pool_unless_told_otherwise() -> None:
    code = "import pipelines.run.runner, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    assert _python(code) == "system"
    assert _python(code, ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"

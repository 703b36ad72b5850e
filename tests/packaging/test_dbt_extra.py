"""`hr-elt dbt` without the dbt extra: one line saying what to install, exit 1.

dbt is made unimportable in the subprocess by a ``sitecustomize`` on its PYTHONPATH (an import
hook that refuses ``dbt`` and its submodules), the state of an install without ``hr-elt[dbt]``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.pipelines.test_cli import BIN

BLOCKER = '''
import sys
from importlib.abc import MetaPathFinder


class NoDbt(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "dbt" or name.startswith("dbt."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoDbt())
'''


def test_hr_elt_dbt_without_dbt_says_to_install_the_extra(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false",
           "PYTHONPATH": os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])}
    probe = subprocess.run([str(BIN / "python"), "-c", "import dbt.version"], env=env, capture_output=True, text=True)
    assert probe.returncode == 1 and "No module named 'dbt'" in probe.stderr  # the blocker works
    done = subprocess.run([str(BIN / "hr-elt"), "dbt", "--duckdb-path", str(tmp_path / "w.duckdb"),
                           "--pipelines-dir", str(tmp_path / "p")], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "hr-elt: hr-elt dbt needs dbt: install hr-elt[dbt] (from a checkout: pip install '.[dbt]')"]
    assert done.stdout == ""

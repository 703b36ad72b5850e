"""A wheel of the checkout, installed outside the venv: ``pip install --target SITE`` on ``PYTHONPATH``.

Built from a copy of the checkout's packaged files (``pip wheel`` writes ``build/`` and
``*.egg-info`` into the tree it builds), with the venv's setuptools (``--no-build-isolation``:
no download).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ("pyproject.toml", "setup.py", "README.md", "sources", "pipelines", "sandbox", "dbt")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "target", "logs", "dbt_packages", "*.duckdb*")


@dataclass
class InstalledWheel:
    wheel: Path
    site: Path

    @property
    def hr_elt(self) -> str:
        """The console script pip wrote for the wheel."""
        return str(self.site / "bin" / "hr-elt")

    def env(self, **extra: str) -> dict[str, str]:
        """The test's environment with only the installed wheel on PYTHONPATH (not the checkout)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
        env.update(PYTHONPATH=str(self.site), RUNTIME__DLTHUB_TELEMETRY="false", **extra)
        return env


def pip(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], cwd=cwd, check=True,
                   capture_output=True, text=True, timeout=300)


def checkout_copy(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in PACKAGED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=LEFT_OUT)
        else:
            shutil.copy2(source, dest / name)
    return dest


def build_and_install(root: Path) -> InstalledWheel:
    """``pip wheel --no-deps -w dist .`` of the checkout, then ``pip install --no-deps --target site``."""
    source = checkout_copy(root / "src")
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), ".", cwd=source)
    (wheel,) = (root / "dist").glob("hr_elt-*.whl")
    pip("install", "--no-deps", "--target", str(root / "site"), str(wheel), cwd=root)
    return InstalledWheel(wheel, root / "site")

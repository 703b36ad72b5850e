"""Where ``hr-elt dbt`` finds its dbt project, and whether dbt is installed at all.

In a checkout (and an editable install) the project is the top-level ``dbt/`` folder. A wheel
(``pip install .``, the Airflow and Dagster recipes) carries the same files as the data package
``pipelines/dbt_project`` (``[tool.setuptools.package-dir]`` in pyproject.toml), found with
:mod:`importlib.resources`. The folder next to an installed ``pipelines`` package is
``site-packages/dbt``, which is dbt-core's own package: it is used only when it holds a
``dbt_project.yml``.
"""

from __future__ import annotations

import importlib
import importlib.resources
from pathlib import Path

import dlt

PACKAGED_PROJECT = "dbt_project"  # the data package inside `pipelines` in a wheel
INSTALL_HINT = "hr-elt dbt needs dbt: install hr-elt[dbt] (from a checkout: pip install '.[dbt]')"


class DbtProjectNotFound(RuntimeError):
    """Neither the configured, the packaged nor the checkout's dbt project exists."""


def bundled_project_dir() -> Path | None:
    """The dbt project shipped with hr-elt: the wheel's ``pipelines/dbt_project``, else a checkout's ``dbt/``."""
    packaged = importlib.resources.files("pipelines") / PACKAGED_PROJECT
    if (packaged / "dbt_project.yml").is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "dbt"  # pipelines/dbt/location.py -> the checkout
    if (checkout / "dbt_project.yml").is_file():
        return checkout
    return None


def project_dir() -> Path:
    """The dbt project: ``hr_elt.dbt_project_dir`` in config, else the one shipped with hr-elt.

    Raises:
        DbtProjectNotFound: The configured folder has no ``dbt_project.yml``, or none was shipped.
    """
    configured = dlt.config.get("hr_elt.dbt_project_dir", str)
    if configured:
        path = Path(configured).resolve()
        if not (path / "dbt_project.yml").is_file():
            raise DbtProjectNotFound(f"hr_elt.dbt_project_dir {configured!r} holds no dbt_project.yml "
                                     "(env HR_ELT__DBT_PROJECT_DIR)")
        return path
    bundled = bundled_project_dir()
    if bundled is None:
        raise DbtProjectNotFound("the dbt project shipped with hr-elt is missing (no pipelines/dbt_project in the "
                                 "install, no dbt/ in a checkout): set hr_elt.dbt_project_dir "
                                 "(env HR_ELT__DBT_PROJECT_DIR) to a dbt project")
    return bundled


def dbt_missing() -> str | None:
    """The one line to print when dbt-core or an adapter is not importable (the ``dbt`` extra); None when present."""
    for module in ("dbt.version", "dbt.adapters.duckdb"):
        try:
            importlib.import_module(module)
        except ImportError:
            return INSTALL_HINT
    return None

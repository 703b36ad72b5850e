"""Package discovery: every package under sources/, pipelines/ and sandbox/ is found, none is listed.

pyproject.toml holds everything else. Discovery lives here because the dbt project (top-level
``dbt/``) ships inside the wheel as the data package ``pipelines.dbt_project``
(``pipelines/dbt/location.py`` finds it): ``[tool.setuptools.packages.find]`` cannot add a package
mapped from another folder, and ``[tool.setuptools] packages`` would be a hand list that every new
vendor package must join. tests/packaging/test_wheel.py checks that the wheel holds every package.
"""

from setuptools import find_packages, setup

DBT_PROJECT = "pipelines.dbt_project"

setup(
    packages=[*find_packages(include=["sources", "sources.*", "pipelines", "pipelines.*", "sandbox", "sandbox.*"]),
              DBT_PROJECT],
    package_dir={DBT_PROJECT: "dbt"},
)

"""Packaging beside pyproject.toml for the one thing it cannot say: every ``erp`` package found automatically,
plus the top-level templates/, static/, translations/ and migrations/ carried in the wheel as ``erp_site``
(see REPO_ROOT in erp/core/config.py); a checkout uses them where they are."""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["erp", "erp.*"]) + ["erp_site"], package_dir={"erp_site": "."})

"""Shared by the Python tests: the plugin, the manual's defaults as the repo's
spec/ gives them (never the firmware's), and where the build put libraries."""

import csv
import os
from pathlib import Path

import pytest

pytest_plugins = ["bmshil.pytest_plugin"]

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BMSHIL_BUILD_DIR", REPO / "build"))
LIB = BUILD / "lib"


def manual_defaults():
    """Parameter number -> default value in the manual's unit (spec/parameters.csv)."""
    with open(REPO / "spec" / "parameters.csv", newline="", encoding="utf-8") as f:
        return {int(row["number"]): float(row["default"]) for row in csv.DictReader(f)}


def library(name: str) -> Path:
    path = LIB / f"lib{name}.so"
    if not path.is_file():
        pytest.fail(f"{path}: not built (build the project first: bash tools/build.sh)")
    return path

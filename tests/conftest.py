"""Shared fixtures: executing study notebooks once per test session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"


def glpk_available() -> bool:
    return shutil.which("glpsol") is not None


requires_glpk = pytest.mark.skipif(not glpk_available(), reason="GLPK (glpsol) is not installed")


@pytest.fixture(scope="session")
def executed_notebook(tmp_path_factory):
    """Execute a notebook by stem with the quick parameters; return (summary row, metrics)."""
    from lectoolkit.reproduce import reproduce

    cache: dict[str, tuple[dict, dict]] = {}

    def run(stem: str):
        if stem not in cache:
            out = tmp_path_factory.mktemp(f"nb_{stem}")
            summary = reproduce(
                NOTEBOOKS, out / "figures", DATA, out / "executed",
                quick=True, only=stem, progress=False,
            )
            row = summary.iloc[0].to_dict()
            metrics_path = out / "figures" / f"{stem}__metrics.json"
            metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
            cache[stem] = (row, metrics, out / "figures")
        return cache[stem]

    return run

"""Shared fixtures (study notebooks executed once per session) and the hypothesis profile."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"

# Property tests draw the same examples on every run, so a CI failure reproduces exactly;
# HYPOTHESIS_PROFILE=explore draws fresh random examples (run it when changing a kernel).
# No deadline: machines are shared and noisy; speed is measured by the benchmarks.
settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def glpk_available() -> bool:
    return shutil.which("glpsol") is not None


requires_glpk = pytest.mark.skipif(not glpk_available(), reason="GLPK (glpsol) is not installed")


def every_solver() -> list:
    """One pytest param per supported solver, skipped when that solver is not installed."""
    from lectoolkit.solvers import SOLVER_PREFERENCE, available_solvers

    installed = available_solvers()
    return [
        pytest.param(name, marks=pytest.mark.skipif(name not in installed,
                                                    reason=f"{name} is not installed"))
        for name in SOLVER_PREFERENCE
    ]


@pytest.fixture(scope="session")
def executed_notebook(tmp_path_factory):
    """Execute a notebook by stem with the quick parameters, once per session.

    Fails the test with the notebook's error when it does not run; otherwise returns
    ``(metrics, figures)``: the parsed ``<stem>__metrics.json`` and the set of figure
    slugs written (``<stem>__<slug>.png``, non-empty files, also in the ``machine/`` subfolder).
    """
    from lectoolkit.reproduce import reproduce

    cache: dict[str, tuple[dict, set[str]]] = {}

    def run(stem: str):
        if stem not in cache:
            out = tmp_path_factory.mktemp(f"nb_{stem}")
            summary = reproduce(
                NOTEBOOKS, out / "figures", DATA, out / "executed",
                quick=True, only=stem, progress=False,
            )
            row = summary.iloc[0]
            if row["status"] != "ok":
                pytest.fail(f"notebook {stem} failed: {row['error']}")
            metrics = json.loads((out / "figures" / f"{stem}__metrics.json").read_text())
            figures = {
                p.stem.split("__", 1)[1]
                for p in (out / "figures").rglob(f"{stem}__*.png") if p.stat().st_size > 0
            }
            cache[stem] = (metrics, figures)
            run.folders[stem] = out / "figures"
        return cache[stem]

    run.folders = {}  # stem -> folder of its figures, metrics and timings
    return run


@pytest.fixture(scope="module")
def study(request, executed_notebook):
    """``(metrics, figures)`` of the notebook named by the test module's ``STEM``."""
    return executed_notebook(request.module.STEM)

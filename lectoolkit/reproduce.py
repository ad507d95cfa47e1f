"""Batch runner: execute every study notebook with papermill and regenerate ``figures/``.

Each notebook in ``notebooks/`` is executed in sorted order with its working directory
set to ``notebooks/``; ``FIG_DIR``, ``DATA_DIR`` and ``QUICK`` are injected as
parameters, plus the per-notebook values of ``notebooks/params/quick.yaml`` under
``--quick``. Executed copies go to a git-ignored folder; a failing notebook is
reported and the batch goes on.
"""

from __future__ import annotations

import fnmatch
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lectoolkit.parallel import map_tasks

QUICK_PARAMS_FILE = Path("params") / "quick.yaml"


@dataclass(frozen=True)
class NotebookRun:
    """One notebook to execute: where it is, where its outputs go, its parameters."""

    notebook: Path
    executed: Path
    figures_dir: Path
    parameters: dict


def load_quick_parameters(notebooks_dir) -> dict:
    """Read ``params/quick.yaml``: ``{"all": {...}, "notebooks": {stem: {...}}}``."""
    import yaml

    path = Path(notebooks_dir) / QUICK_PARAMS_FILE
    if not path.exists():
        return {"all": {"QUICK": True}, "notebooks": {}}
    spec = yaml.safe_load(path.read_text()) or {}
    unknown = set(spec) - {"all", "notebooks"}
    if unknown:
        raise ValueError(
            f"{path}: unknown top-level keys {sorted(unknown)} (expected all, notebooks)"
        )
    return {"all": spec.get("all") or {}, "notebooks": spec.get("notebooks") or {}}


def notebook_parameters(stem: str, *, quick: bool, figures_dir, data_dir, quick_spec=None) -> dict:
    """Parameters injected into notebook ``stem`` (paths absolute)."""
    params = {
        "FIG_DIR": str(Path(figures_dir).resolve()),
        "DATA_DIR": str(Path(data_dir).resolve()),
        "QUICK": bool(quick),
        "INTERACTIVE": False,
    }
    if quick and quick_spec is not None:
        params.update(quick_spec["all"])
        params.update(quick_spec["notebooks"].get(stem, {}))
    return params


def find_notebooks(notebooks_dir, only: str | None = None) -> list[Path]:
    """Notebooks in ``notebooks_dir`` in sorted order, optionally filtered by a glob on the stem."""
    paths = sorted(Path(notebooks_dir).glob("*.ipynb"))
    if only:
        pattern = only if any(c in only for c in "*?[") else f"*{only}*"
        paths = [p for p in paths if fnmatch.fnmatch(p.stem, pattern)]
    return paths


def execute_notebook(run: NotebookRun) -> dict:
    """Execute one notebook; never raises, returns its summary row."""
    import papermill

    start = time.time()
    stem = run.notebook.stem
    run.executed.parent.mkdir(parents=True, exist_ok=True)
    status, error = "ok", ""
    try:
        papermill.execute_notebook(
            str(run.notebook),
            str(run.executed),
            parameters=run.parameters,
            cwd=str(run.notebook.parent),
            progress_bar=False,
            log_output=False,
        )
    except Exception as exc:  # a failing notebook is reported, not fatal
        status = "failed"
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
        error = lines[-1] if lines else "".join(traceback.format_exception_only(exc)).strip()
    written = [
        p for p in run.figures_dir.glob(f"{stem}__*.png") if p.stat().st_mtime >= start - 1
    ]
    return {
        "notebook": stem,
        "seconds": round(time.time() - start, 1),
        "figures": len(written),
        "status": status,
        "error": error,
        "executed": str(run.executed),
    }


def reproduce(
    notebooks_dir="notebooks",
    figures_dir="figures",
    data_dir="data",
    executed_dir="build/executed",
    *,
    quick: bool = False,
    only: str | None = None,
    jobs: int = 1,
    client=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Execute the study notebooks and return a summary table.

    Parameters
    ----------
    notebooks_dir, figures_dir, data_dir, executed_dir : path
        Where the notebooks are, where figures and metrics go, the data folder, and
        where the executed copies are written.
    quick : bool
        Use the CI-sized parameters of ``notebooks/params/quick.yaml``.
    only : str, optional
        Run only notebooks whose stem matches this glob (or contains this text).
    jobs : int
        Notebooks executed side by side (local processes).
    client : dask.distributed.Client, optional
        Run the notebooks on a Dask cluster instead.
    progress : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per notebook: ``notebook, seconds, figures, status, error, executed``.
    """
    notebooks_dir = Path(notebooks_dir)
    paths = find_notebooks(notebooks_dir, only)
    if not paths:
        raise FileNotFoundError(f"notebooks_dir: no notebook in {notebooks_dir} matches {only!r}")
    quick_spec = load_quick_parameters(notebooks_dir) if quick else None
    figures_dir = Path(figures_dir).resolve()
    runs = [
        NotebookRun(
            notebook=p.resolve(),
            executed=(Path(executed_dir) / p.name).resolve(),
            figures_dir=figures_dir,
            parameters=notebook_parameters(
                p.stem, quick=quick, figures_dir=figures_dir, data_dir=data_dir,
                quick_spec=quick_spec,
            ),
        )
        for p in paths
    ]
    rows = map_tasks(
        execute_notebook, runs, jobs=jobs, client=client, progress=progress, desc="notebooks"
    )
    return pd.DataFrame(rows)

"""Batch runner: execute every study notebook with papermill and regenerate ``figures/``.

Each notebook in ``notebooks/`` is executed in sorted order with its working directory
set to ``notebooks/``; ``FIG_DIR``, ``DATA_DIR`` and ``QUICK`` are injected as
parameters, plus the per-notebook values of ``notebooks/params/quick.yaml`` under
``--quick``. Executed copies go to a git-ignored folder; a failing notebook is
reported and the batch goes on.

Each notebook runs in a child process of its own (its own session, so the kernel goes
with it) under a time limit: a notebook that runs past ``timeout_s`` is stopped and
reported as failed, and so is one whose cells did not all complete (an error, or a
``SystemExit`` that ends it early).
"""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from lectoolkit import _validate
from lectoolkit.parallel import map_tasks

QUICK_PARAMS_FILE = Path("params") / "quick.yaml"

DEFAULT_TIMEOUT_S = 3600.0
"""Time limit of one notebook [s] unless the caller sets another."""


@dataclass(frozen=True)
class NotebookRun:
    """One notebook to execute: where it is, where its outputs go, its parameters."""

    notebook: Path
    executed: Path
    figures_dir: Path
    parameters: dict
    timeout_s: float = DEFAULT_TIMEOUT_S


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
    """Notebooks in ``notebooks_dir`` in sorted order, optionally filtered by ``only``.

    ``only`` selects the stems that match it as a glob pattern or contain it (as a plain
    substring, or as a pattern matched anywhere in the stem): ``"p2p"``, ``"0?_p2p*"`` and
    ``"p2p*"`` all select ``03_p2p_settlement``.
    """
    paths = sorted(Path(notebooks_dir).glob("*.ipynb"))
    if only:
        paths = [p for p in paths
                 if fnmatch.fnmatchcase(p.stem, only) or fnmatch.fnmatchcase(p.stem, f"*{only}*")]
    return paths


def _run_papermill() -> None:
    """Child-process entry: execute the notebook described by the JSON on stdin."""
    import papermill

    spec = json.loads(sys.stdin.read())
    try:
        papermill.execute_notebook(
            spec["notebook"], spec["executed"], parameters=spec["parameters"],
            cwd=str(Path(spec["notebook"]).parent), progress_bar=False, log_output=False,
        )
    except Exception as exc:  # reported to the parent as the error's last line
        print(json.dumps({"error": _last_line(str(exc)) or type(exc).__name__}))
        raise SystemExit(1) from None


def _last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def _incomplete_cell(executed: Path) -> str:
    """Why the executed copy shows an incomplete run ('' when every code cell completed)."""
    import nbformat

    if not executed.exists():
        return "no executed copy was written"
    notebook = nbformat.read(executed, as_version=4)
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {number} raised {output.get('ename')}: {output.get('evalue')}"
        status = cell.metadata.get("papermill", {}).get("status")
        if status not in (None, "completed"):
            return f"cell {number} did not complete (status {status!r})"
    return ""


def execute_notebook(run: NotebookRun) -> dict:
    """Execute one notebook in a child process; never raises, returns its summary row."""
    start = time.time()
    stem = run.notebook.stem
    run.executed.parent.mkdir(parents=True, exist_ok=True)
    request = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(run).items()}
    child = subprocess.Popen(
        [sys.executable, "-c", "from lectoolkit.reproduce import _run_papermill; _run_papermill()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    status, error = "ok", ""
    try:
        stdout, stderr = child.communicate(json.dumps(request), timeout=run.timeout_s)
        if child.returncode != 0:
            reported = _last_line(stdout)
            error = (json.loads(reported)["error"] if reported.startswith("{")
                     else _last_line(stderr) or f"exit code {child.returncode}")
            status = "failed"
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        status, error = "failed", f"timed out after {run.timeout_s:g} s"
    if status == "ok":
        problem = _incomplete_cell(run.executed)
        if problem:
            status, error = "failed", f"stopped early: {problem}"
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
    timeout_s: float = DEFAULT_TIMEOUT_S,
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
        Run only notebooks whose stem matches this glob pattern or contains it (see
        :func:`find_notebooks`).
    jobs : int
        Notebooks executed side by side (local processes), at least 1.
    client : dask.distributed.Client, optional
        Run the notebooks on a Dask cluster instead.
    progress : bool
        Show a progress bar.
    timeout_s : float, default 3600
        Time limit of each notebook [s]; a notebook still running then is stopped and
        reported as failed.

    Returns
    -------
    pandas.DataFrame
        One row per notebook: ``notebook, seconds, figures, status, error, executed``;
        ``status`` is ``"ok"`` only when every code cell completed.

    Raises
    ------
    FileNotFoundError
        ``notebooks_dir`` is not a folder, or no notebook in it matches ``only``.
    TypeError, ValueError
        ``jobs`` is not an integer >= 1, ``timeout_s`` not a positive number.
    """
    jobs = _validate.integer(jobs, "jobs", minimum=1)
    timeout_s = _validate.positive(timeout_s, "timeout_s", unit="s")
    progress = _validate.flag(progress, "progress")
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise FileNotFoundError(f"notebooks_dir: {notebooks_dir} is not a folder")
    paths = find_notebooks(notebooks_dir, only)
    if not paths:
        what = f"matches {only!r}" if only else "exists"
        raise FileNotFoundError(f"notebooks_dir: no notebook in {notebooks_dir} {what}")
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
            timeout_s=timeout_s,
        )
        for p in paths
    ]
    rows = map_tasks(
        execute_notebook, runs, jobs=jobs, client=client, progress=progress, desc="notebooks"
    )
    return pd.DataFrame(rows)

"""Plots of community studies, and the two writers of a study's outputs.

Every ``plot_*`` function draws on the ``ax`` it is given (or a new one) and returns
it. :func:`save_figure` and :func:`save_metrics` are the only library functions that
write files: they give figures and key numbers deterministic names
``<out_dir>/<notebook-stem>__<slug>.png`` and ``<notebook-stem>__metrics.json``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

FIGURE_DPI = 120
"""Resolution of every saved figure [dots per inch]."""

_NAME = re.compile(r"^[0-9a-z][0-9a-z_\-]*__[0-9a-z][0-9a-z_\-]*$")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"name: {name!r} is not '<notebook-stem>__<slug>' in lower-case letters, "
            "digits, '_' and '-'"
        )
    return name


def save_figure(fig, name: str, out_dir) -> Path:
    """Save a matplotlib figure as ``<out_dir>/<name>.png`` with a fixed dpi.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    name : str
        ``"<notebook-stem>__<slug>"``, e.g. ``"02_nrgx_shapley_coalition__tp_vs_tc"``.
    out_dir : str or pathlib.Path
        Folder (created if missing), usually ``figures/``.

    Returns
    -------
    pathlib.Path
        The file written. No timestamp or software version is embedded, so the same
        figure gives the same bytes.
    """
    path = Path(out_dir) / f"{_check_name(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
    return path


def _plain(value):
    """Numbers, arrays and pandas objects as JSON-ready Python values."""
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"metrics: {value} is not a finite number")
        return value
    return value


def save_metrics(metrics: dict, stem: str, out_dir) -> Path:
    """Write a study's key numbers to ``<out_dir>/<stem>__metrics.json`` (sorted keys).

    Values may be numbers, strings, lists, dicts, NumPy scalars/arrays or pandas
    objects; NaN and infinities are rejected.
    """
    path = Path(out_dir) / f"{_check_name(stem + '__metrics')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(metrics), indent=2, sort_keys=True) + "\n")
    return path

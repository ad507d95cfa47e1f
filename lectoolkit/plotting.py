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


MONTHLY_PANELS = (
    ("net_energy", "Net energy (negative = export)"),
    ("consumption", "Consumption (net of own generation)"),
    ("generation", "Generation"),
    ("demand", "Demand"),
)


def plot_monthly_panels(frame, axes=None):
    """Four panels of a monthly prosumer table: net energy, consumption, generation, demand.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format with ``id``, ``time`` and the four energy columns [kWh/month].
    axes : array of 4 matplotlib Axes, optional
        Where to draw; a new 2 × 2 figure when omitted.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (2, 2)
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    axes = np.asarray(axes)
    for ax, (column, title) in zip(axes.flat, MONTHLY_PANELS, strict=True):
        wide = frame.pivot(index="time", columns="id", values=column)
        for member in wide.columns:
            ax.plot(wide.index, wide[member], marker=".", label=f"prosumer {member}")
        ax.set_title(title)
        ax.set_ylabel("kWh/month")
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", rotation=45)
    if frame["id"].nunique() <= 10:
        axes.flat[0].legend(fontsize=8)
    axes.flat[0].figure.tight_layout()
    return axes


def plot_nrgx_scatter(settled, ax=None, cmap: str = "Spectral", title: str | None = None):
    """Months as points in the (total consumption, total export) plane, sized by net cash.

    Parameters
    ----------
    settled : pandas.DataFrame
        Output of :func:`lectoolkit.nrgx.settle_nrgx` (columns ``time``,
        ``consumption``, ``net_energy``, ``nrg_cash``).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    cmap : str, default "Spectral"
        Colour map of the community's net cash [money].
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    monthly = settled.groupby("time")[["consumption", "net_energy", "nrg_cash"]].sum()
    tc = monthly["consumption"].to_numpy()
    tp = monthly["net_energy"].abs().to_numpy()
    cash = monthly["nrg_cash"].to_numpy()
    limit = max(float(np.abs(cash).max()), 1e-9)
    points = ax.scatter(tc, tp, s=20 + 400 * np.abs(cash) / limit, c=cash, cmap=cmap,
                        vmin=-limit, vmax=limit, alpha=0.75, edgecolors="k", linewidths=0.5)
    ax.figure.colorbar(points, ax=ax, label="community net cash [$ per month]")
    ax.set_xlabel("total consumption $t_c$ [kWh/month]")
    ax.set_ylabel("total export $t_p$ [kWh/month]")
    ax.grid(alpha=0.3, linestyle="dashdot")
    if title:
        ax.set_title(title)
    return ax

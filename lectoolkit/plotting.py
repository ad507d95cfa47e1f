"""Plots of community studies, and the two writers of a study's outputs.

Every ``plot_*`` function draws on the ``ax`` it is given (or a new one) and returns
it. :func:`save_figure` and :func:`save_metrics` are the only library functions that
write files: they give figures and key numbers deterministic names
``<out_dir>/<notebook-stem>__<slug>.png`` and ``<notebook-stem>__metrics.json``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from lectoolkit import _validate

FIGURE_DPI = 120
"""Resolution of every saved figure [dots per inch]."""

_NAME = re.compile(r"^[0-9a-z][0-9a-z_\-]*__[0-9a-z][0-9a-z_\-]*$")
_STEM = re.compile(r"^[0-9a-z][0-9a-z_\-]*$")


def _check_file_part(value, name: str, pattern: re.Pattern, shape: str) -> str:
    """A file-name part matching ``pattern`` (so no path separator, dot or space)."""
    value = _validate.text(value, name)
    if not pattern.match(value):
        raise ValueError(
            f"{name}: {value!r} is not {shape} in lower-case letters, digits, '_' and '-'"
        )
    return value


def _check_out_dir(out_dir) -> Path:
    """The output folder as a Path; created by the caller if missing."""
    if isinstance(out_dir, bytes) or not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir: expected a str or os.PathLike folder, got "
                        f"{_validate.describe(out_dir)}")
    if str(out_dir) == "":
        raise ValueError("out_dir: expected a folder name, got ''")
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise ValueError(f"out_dir: {str(path)!r} is a file, expected a folder")
    return path


def save_figure(fig, name: str, out_dir) -> Path:
    """Save a matplotlib figure as ``<out_dir>/<name>.png`` with a fixed dpi.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write (not an Axes: pass ``ax.figure``).
    name : str
        ``"<notebook-stem>__<slug>"`` in lower-case letters, digits, ``_`` and ``-``
        (so no path separator), e.g. ``"02_nrgx_shapley_coalition__tp_vs_tc"``.
    out_dir : str or os.PathLike
        Folder, created with its parents if missing, usually ``figures/``.

    Returns
    -------
    pathlib.Path
        The file written. No timestamp or software version is embedded, so the same
        figure gives the same bytes.

    Raises
    ------
    TypeError
        ``fig`` is not a matplotlib Figure, ``name`` not a string, ``out_dir`` not
        a string or path-like object.
    ValueError
        ``name`` empty or not of the form above; ``out_dir`` empty or an existing file.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        hint = "; pass ax.figure" if hasattr(fig, "figure") else ""
        raise TypeError(
            f"fig: expected a matplotlib.figure.Figure, got {_validate.describe(fig)}{hint}"
        )
    name = _check_file_part(name, "name", _NAME, "'<notebook-stem>__<slug>'")
    path = _check_out_dir(out_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
    return path


def _plain(value, where: str):
    """Numbers, arrays and pandas objects as JSON-ready Python values.

    ``where`` locates ``value`` in the metrics (``"['a'][2]"``) for error messages.
    """
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return _plain(value.to_dict(), where)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _plain(value[()], where)
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        if len(set(keys)) < len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"metrics: two keys of {where or 'the top level'} are {twice!r} "
                             "as JSON strings")
        return {str(k): _plain(v, f"{where}[{str(k)!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return value.item() if isinstance(value, np.bool_) else value
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metrics: {number} at {where} is not a finite number (JSON "
                             "has no NaN or infinity)")
        return number
    raise TypeError(f"metrics: the value at {where} has type {type(value).__name__}, which JSON "
                    "cannot hold (use numbers, strings, bools, None, lists, dicts, arrays, "
                    "pandas)")


def save_metrics(metrics: dict, stem: str, out_dir) -> Path:
    """Write a study's key numbers to ``<out_dir>/<stem>__metrics.json`` (sorted keys).

    Parameters
    ----------
    metrics : dict
        Values may be numbers, strings, bools, None, lists, tuples, dicts, NumPy
        scalars/arrays or pandas objects, nested; keys are written as strings.
    stem : str
        The notebook's stem in lower-case letters, digits, ``_`` and ``-``.
    out_dir : str or os.PathLike
        Folder, created with its parents if missing.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        ``metrics`` not a dict or holding a value JSON cannot represent (message
        names where); ``stem`` not a string; ``out_dir`` not a string or path-like.
    ValueError
        A NaN or infinite number (strict JSON has neither; message names where), two
        keys equal as strings; ``stem`` empty or not of the form above; ``out_dir``
        empty or an existing file.
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics: expected a dict, got {_validate.describe(metrics)}")
    stem = _check_file_part(stem, "stem", _STEM, "a notebook stem")
    path = _check_out_dir(out_dir) / f"{stem}__metrics.json"
    text = json.dumps(_plain(metrics, ""), indent=2, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


MONTHLY_PANELS = (
    ("net_energy", "Net energy (negative = export)"),
    ("consumption", "Consumption (net of own generation)"),
    ("generation", "Generation"),
    ("demand", "Demand"),
)


def _check_ax(ax, name: str):
    """A matplotlib Axes."""
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        hint = "; pass fig.axes[0] or plt.subplots()[1]" if hasattr(ax, "axes") else ""
        raise TypeError(
            f"{name}: expected a matplotlib.axes.Axes, got {_validate.describe(ax)}{hint}"
        )
    return ax


def _check_numeric_columns(frame, name: str, columns, *, keys=()) -> pd.DataFrame:
    """A DataFrame with finite numeric ``columns`` and unique, complete ``keys`` rows."""
    frame = _validate.table(frame, name, [*keys, *columns])
    if keys:
        _validate.unique_rows(frame, name, keys)
    for column in columns:
        _validate.column(frame, column, name, unit="money" if column == "nrg_cash" else "kWh")
    return frame


def plot_monthly_panels(frame, axes=None):
    """Four panels of a monthly prosumer table: net energy, consumption, generation, demand.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format with ``id``, ``time`` (no missing values, each ``(id, time)``
        once) and the four finite energy columns ``net_energy``, ``consumption``,
        ``generation``, ``demand`` [kWh/month].
    axes : sequence or array of 4 matplotlib Axes, optional
        Where to draw, in the order of the panels above; a new 2 × 2 figure when
        omitted.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        ``axes`` as an array (shape (2, 2) when created here).

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame or with non-numeric energy columns; ``axes`` not a
        collection of Axes.
    ValueError
        Missing columns, no rows, missing or repeated ``(id, time)``, NaN or infinite
        energies; ``axes`` not four Axes.
    """
    import matplotlib.pyplot as plt

    frame = _check_numeric_columns(frame, "frame", [c for c, _ in MONTHLY_PANELS],
                                   keys=("id", "time"))
    if axes is not None:
        if not isinstance(axes, (list, tuple, np.ndarray)):
            raise TypeError(f"axes: expected 4 matplotlib Axes (a list or array), got "
                            f"{_validate.describe(axes)}")
        axes = np.asarray(axes, dtype=object)
        if axes.size != len(MONTHLY_PANELS):
            raise ValueError(f"axes: expected {len(MONTHLY_PANELS)} Axes, got {axes.size}")
        for ax in axes.flat:
            _check_ax(ax, "axes")
    else:
        _, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
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
        Output of :func:`lectoolkit.nrgx.settle_nrgx`: columns ``id`` and ``time``
        (no missing values, each ``(id, time)`` once), ``consumption``,
        ``net_energy`` [kWh] and ``nrg_cash`` [money], all finite.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    cmap : str or matplotlib.colors.Colormap, default "Spectral"
        Colour map of the community's net cash [money]: a registered name or a
        Colormap.
    title : str, optional
        Axes title (none when omitted or empty).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        ``settled`` not a DataFrame or with non-numeric columns; ``ax`` not an Axes;
        ``cmap`` neither a string nor a Colormap; ``title`` not a string.
    ValueError
        Missing columns, no rows, missing or repeated ``(id, time)``, NaN or infinite
        values; an unknown colour map name.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when monthly sums exceed the float64 range.
    """
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.colors import Colormap

    columns = ["consumption", "net_energy", "nrg_cash"]
    settled = _check_numeric_columns(settled, "settled", columns, keys=("id", "time"))
    if ax is not None:
        _check_ax(ax, "ax")
    if isinstance(cmap, str):
        if cmap not in matplotlib.colormaps:
            raise ValueError(f"cmap: {cmap!r} is not a registered matplotlib colour map")
    elif not isinstance(cmap, Colormap):
        raise TypeError(f"cmap: expected a colour map name or a matplotlib Colormap, got "
                        f"{_validate.describe(cmap)}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: expected a string or None, got {_validate.describe(title)}")
    with np.errstate(over="ignore"):  # an overflow is refused just below
        monthly = settled.groupby("time")[columns].sum()
    _validate.finite_result(monthly.to_numpy(dtype=float), "monthly sums", "settled")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    tc = monthly["consumption"].to_numpy()
    tp = monthly["net_energy"].abs().to_numpy()
    cash = monthly["nrg_cash"].to_numpy()
    limit = max(float(np.abs(cash).max()), 1e-9)
    points = ax.scatter(tc, tp, s=20 + 400 * (np.abs(cash) / limit), c=cash, cmap=cmap,
                        vmin=-limit, vmax=limit, alpha=0.75, edgecolors="k", linewidths=0.5)
    ax.figure.colorbar(points, ax=ax, label="community net cash [$ per month]")
    ax.set_xlabel("total consumption $t_c$ [kWh/month]")
    ax.set_ylabel("total export $t_p$ [kWh/month]")
    ax.grid(alpha=0.3, linestyle="dashdot")
    if title:
        ax.set_title(title)
    return ax

"""Plots of community studies, and the three writers of a study's outputs.

Every ``plot_*`` function draws on the ``ax`` it is given (or a new one) and returns
it; seaborn (imported inside :func:`plot_sweep`) aggregates the sweeps over random
communities. :func:`save_figure`, :func:`save_metrics` and :func:`save_timings` are the
only library functions that write files: they give figures, key numbers and machine
measurements deterministic names ``<out_dir>/<notebook-stem>__<slug>.png``,
``<notebook-stem>__metrics.json`` and ``<notebook-stem>__timings.json``. Figures and
metrics are the same bytes on every run (fixed dpi, no timestamp, floats rounded to
:data:`METRICS_SIGNIFICANT_DIGITS`); timings change from run to run and say so.
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


METRICS_SIGNIFICANT_DIGITS = 13
"""Significant digits of every float :func:`save_metrics` stores unless told otherwise:
three below float64's ~16, so a sum taken in another order (another thread count, BLAS
or machine: differences of a few units in the 16th digit) almost always gives the same
file, while a relative tolerance of ``1e-12`` still holds."""

TIMINGS_SIGNIFICANT_DIGITS = 3
"""Significant digits of the machine measurements :func:`save_timings` stores."""

TIMINGS_NOTE = ("machine measurements (seconds, bytes): they depend on the machine, its load "
                "and its free memory, and change from run to run; compare ratios, not values")
"""The ``"note"`` entry of every ``<stem>__timings.json``."""


def _round(number: float, digits: int | None) -> float:
    """``number`` rounded to ``digits`` significant digits (``None``: unchanged)."""
    if digits is None or number == 0:
        return number
    return round(number, digits - 1 - math.floor(math.log10(abs(number))))


def _plain(value, where: str, digits: int | None = None):
    """Numbers, arrays and pandas objects as JSON-ready Python values.

    ``where`` locates ``value`` in the metrics (``"['a'][2]"``) for error messages;
    floats are rounded to ``digits`` significant digits (``None``: kept exactly).
    """
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return _plain(value.to_dict(), where, digits)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _plain(value[()], where, digits)
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        if len(set(keys)) < len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"metrics: two keys of {where or 'the top level'} are {twice!r} "
                             "as JSON strings")
        return {str(k): _plain(v, f"{where}[{str(k)!r}]", digits) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, f"{where}[{i}]", digits) for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return value.item() if isinstance(value, np.bool_) else value
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metrics: {number} at {where} is not a finite number (JSON "
                             "has no NaN or infinity)")
        return _round(number, digits)
    raise TypeError(f"metrics: the value at {where} has type {type(value).__name__}, which JSON "
                    "cannot hold (use numbers, strings, bools, None, lists, dicts, arrays, "
                    "pandas)")


def _check_digits(digits, name: str = "significant_digits") -> int | None:
    if digits is None:
        return None
    return _validate.integer(digits, name, minimum=1, maximum=17)


def _write_json(data, path: Path, digits: int | None) -> Path:
    text = json.dumps(_plain(data, "", digits), indent=2, sort_keys=True, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def save_metrics(metrics: dict, stem: str, out_dir, *,
                 significant_digits: int | None = METRICS_SIGNIFICANT_DIGITS) -> Path:
    """Write a study's key numbers to ``<out_dir>/<stem>__metrics.json`` (sorted keys).

    Floats are stored with :data:`METRICS_SIGNIFICANT_DIGITS` (13) significant digits, so
    the file is the same on every run and machine; machine measurements (timings, free
    memory) belong in :func:`save_timings` instead.

    Parameters
    ----------
    metrics : dict
        Values may be numbers, strings, bools, None, lists, tuples, dicts, NumPy
        scalars/arrays or pandas objects, nested; keys are written as strings.
    stem : str
        The notebook's stem in lower-case letters, digits, ``_`` and ``-``.
    out_dir : str or os.PathLike
        Folder, created with its parents if missing.
    significant_digits : int or None, default 13
        Significant digits of every stored float, ``1 <= significant_digits <= 17``;
        ``None`` stores each float exactly (the shortest text that reads back to the same
        double: for results that must match a published value to the last bit).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        ``metrics`` not a dict or holding a value JSON cannot represent (message
        names where); ``stem`` not a string; ``out_dir`` not a string or path-like;
        ``significant_digits`` not an integer or None.
    ValueError
        A NaN or infinite number (strict JSON has neither; message names where), two
        keys equal as strings; ``stem`` empty or not of the form above; ``out_dir``
        empty or an existing file; ``significant_digits`` out of range.

    Examples
    --------
    >>> import json, tempfile
    >>> path = save_metrics({"share": 2 / 3, "n": 3}, "00_demo", tempfile.mkdtemp())
    >>> json.loads(path.read_text())
    {'n': 3, 'share': 0.6666666666667}
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics: expected a dict, got {_validate.describe(metrics)}")
    stem = _check_file_part(stem, "stem", _STEM, "a notebook stem")
    path = _check_out_dir(out_dir) / f"{stem}__metrics.json"
    return _write_json(metrics, path, _check_digits(significant_digits))


def save_timings(timings: dict, stem: str, out_dir) -> Path:
    """Write a study's machine measurements to ``<out_dir>/<stem>__timings.json``.

    Timings, memory peaks and free memory change from run to run and from machine to
    machine, so they are kept out of the metrics (whose file stays the same on every
    run). The file holds ``timings`` with floats rounded to
    :data:`TIMINGS_SIGNIFICANT_DIGITS` (3) significant digits, a ``"note"`` saying they
    depend on the machine (:data:`TIMINGS_NOTE`) and the ``"machine"`` they were taken on
    (processor, logical CPUs, operating system, Python).

    Parameters
    ----------
    timings : dict
        As ``metrics`` of :func:`save_metrics`; the keys ``"note"`` and ``"machine"`` are
        reserved.
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
    TypeError, ValueError
        As :func:`save_metrics` (messages start with ``timings:`` for the values); a
        reserved key.
    """
    import platform

    if not isinstance(timings, dict):
        raise TypeError(f"timings: expected a dict, got {_validate.describe(timings)}")
    reserved = sorted({"note", "machine"} & {str(k) for k in timings})
    if reserved:
        raise ValueError(f"timings: the keys {reserved} are reserved (written by save_timings)")
    stem = _check_file_part(stem, "stem", _STEM, "a notebook stem")
    path = _check_out_dir(out_dir) / f"{stem}__timings.json"
    machine = {"processor": platform.processor() or platform.machine(),
               "logical_cpus": os.cpu_count(), "system": platform.platform(terse=True),
               "python": platform.python_version()}
    try:
        plain = _plain(timings, "", TIMINGS_SIGNIFICANT_DIGITS)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace("metrics:", "timings:", 1)) from None
    return _write_json({**plain, "note": TIMINGS_NOTE, "machine": machine}, path, None)


MONTHLY_PANELS = (
    ("export_kwh", "Export (PV beyond own load)"),
    ("import_kwh", "Import (load net of own PV)"),
    ("pv_kwh", "PV generation"),
    ("load_kwh", "Load"),
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
    """Four panels of a monthly prosumer table: export, import, PV generation, load.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format with ``member``, ``step`` (no missing values, each
        ``(member, step)`` once) and the four finite energy columns ``export_kwh``,
        ``import_kwh``, ``pv_kwh``, ``load_kwh`` [kWh/month] (as
        :func:`lectoolkit.io.read_prosumer_monthly` returns).
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
        Missing columns, no rows, missing or repeated ``(member, step)``, NaN or
        infinite energies; ``axes`` not four Axes.
    """
    import matplotlib.pyplot as plt

    frame = _check_numeric_columns(frame, "frame", [c for c, _ in MONTHLY_PANELS],
                                   keys=("member", "step"))
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
        wide = frame.pivot(index="step", columns="member", values=column)
        for member in wide.columns:
            ax.plot(wide.index, wide[member], marker=".", label=f"prosumer {member}")
        ax.set_title(title)
        ax.set_ylabel("kWh/month")
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", rotation=45)
    if frame["member"].nunique() <= 10:
        axes.flat[0].legend(fontsize=8)
    axes.flat[0].figure.tight_layout()
    return axes


_BUBBLE_MIN, _BUBBLE_SPAN = 20.0, 400.0
"""Bubble area of a zero and the largest value [points²] (scatter plots sized by money)."""


def plot_nrgx_scatter(settled, ax=None, cmap: str = "Spectral", title: str | None = None,
                      unit: str = "money"):
    """Months as points in the (total import, total export) plane, sized by net cash.

    Colour and size both show the community's net cash of the month; a legend gives
    the net cash of three bubble sizes.

    Parameters
    ----------
    settled : pandas.DataFrame
        Output of :func:`lectoolkit.nrgx.settle_nrgx`: columns ``member`` and ``step``
        (no missing values, each ``(member, step)`` once), ``import_kwh``,
        ``export_kwh`` [kWh] and ``nrg_cash`` [money], all finite.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    cmap : str or matplotlib.colors.Colormap, default "Spectral"
        Colour map of the community's net cash [money]: a registered name or a
        Colormap.
    title : str, optional
        Axes title (none when omitted or empty).
    unit : str, default "money"
        Money unit of ``nrg_cash`` for the colour bar (e.g. ``"$"``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        ``settled`` not a DataFrame or with non-numeric columns; ``ax`` not an Axes;
        ``cmap`` neither a string nor a Colormap; ``title`` or ``unit`` not a string.
    ValueError
        Missing columns, no rows, missing or repeated ``(member, step)``, NaN or
        infinite values; an unknown colour map name; ``unit`` empty.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when monthly sums exceed the float64 range.
    """
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.colors import Colormap

    columns = ["import_kwh", "export_kwh", "nrg_cash"]
    unit = _validate.text(unit, "unit")
    settled = _check_numeric_columns(settled, "settled", columns, keys=("member", "step"))
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
        monthly = settled.groupby("step")[columns].sum()
    _validate.finite_result(monthly.to_numpy(dtype=float), "monthly sums", "settled")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    tc = monthly["import_kwh"].to_numpy()
    tp = monthly["export_kwh"].to_numpy()
    cash = monthly["nrg_cash"].to_numpy()
    limit = max(float(np.abs(cash).max()), 1e-9)
    points = ax.scatter(tc, tp, s=_BUBBLE_MIN + _BUBBLE_SPAN * (np.abs(cash) / limit), c=cash,
                        cmap=cmap, vmin=-limit, vmax=limit, alpha=0.75, edgecolors="k",
                        linewidths=0.5)
    ax.figure.colorbar(points, ax=ax, label=f"community net cash [{unit} per period]")
    # the size legend: |net cash| of three bubble sizes, read back from the sizes
    handles, labels = points.legend_elements(
        prop="sizes", num=3, color="0.6", alpha=0.6, fmt="{x:.4g}",
        func=lambda size: (size - _BUBBLE_MIN) / _BUBBLE_SPAN * limit)
    ax.legend(handles, labels, title="|net cash|", fontsize=8, title_fontsize=8,
              loc="best", labelspacing=1.2, borderpad=0.8)
    ax.set_xlabel("total import $t_c$ [kWh/month]")
    ax.set_ylabel("total export $t_p$ [kWh/month]")
    ax.grid(alpha=0.3, linestyle="dashdot")
    if title:
        ax.set_title(title)
    return ax


def _check_title(title):
    """A plot title: a string or None."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: expected a string or None, got {_validate.describe(title)}")
    return title


def _numeric_frame(frame, name: str, unit: str) -> pd.DataFrame:
    """A non-empty DataFrame of finite numbers with unique labels (rows and columns)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame, got {_validate.describe(frame)}")
    values, _, _ = _validate.matrix(frame, name, unit=unit)
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def _axes(ax, figsize):
    """``ax`` checked, or a new Axes of a new pyplot figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        return plt.subplots(figsize=figsize)[1]
    return _check_ax(ax, "ax")


def plot_allocations(allocations, ax=None, *, in_core=None, unit: str = "money",
                     quantity: str = "allocation", title: str | None = None):
    """Grouped bars of what each member gets under each allocation rule.

    Parameters
    ----------
    allocations : pandas.DataFrame, shape (n_members, n_rules)
        One row per member (index, e.g. ``P1 … P4``), one column per rule, finite
        values [``unit``].
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    in_core : mapping or pandas.Series of str to bool, optional
        Per rule (column label), whether its allocation is in the core; the legend then
        says "in core" or "not in core" after each rule.
    unit : str, default "money"
        Unit of the allocations, for the y label (e.g. ``"EUR"``).
    quantity : str, default "allocation"
        What the values are, for the y label (e.g. ``"savings vs conventional"``).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        ``allocations`` not a DataFrame or not numeric, ``in_core`` not a mapping of
        booleans, ``unit`` or ``quantity`` not a string, ``ax`` not an Axes, ``title``
        not a string.
    ValueError
        ``allocations`` empty, with NaN or infinite values or repeated labels;
        ``in_core`` missing a rule; ``unit`` or ``quantity`` empty.
    """
    unit = _validate.text(unit, "unit")
    quantity = _validate.text(quantity, "quantity")
    allocations = _numeric_frame(allocations, "allocations", unit)
    title = _check_title(title)
    if in_core is not None:
        if not isinstance(in_core, (dict, pd.Series)):
            raise TypeError(f"in_core: expected a dict or Series of rule -> bool, got "
                            f"{_validate.describe(in_core)}")
        missing = [str(rule) for rule in allocations.columns if rule not in in_core]
        if missing:
            raise ValueError(f"in_core: no entry for the rules {missing}")
        in_core = {rule: _validate.flag(in_core[rule], "in_core") for rule in allocations}
    ax = _axes(ax, (8, 4.5))
    labels = [str(rule) if in_core is None
              else f"{rule} ({'in core' if in_core[rule] else 'not in core'})"
              for rule in allocations.columns]
    allocations.set_axis(labels, axis=1).plot.bar(ax=ax, width=0.85, rot=0)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel=allocations.index.name or "member", ylabel=f"{quantity} [{unit}]")
    ax.grid(True, axis="y", ls="--", alpha=0.5)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_sampled_shapley(shapley, std_error, ax=None, *, exact=None, unit: str = "money",
                         title: str | None = None):
    """Sampled Shapley values with ± 2 standard errors, and the exact values if known.

    Parameters
    ----------
    shapley, std_error : pandas.Series, shape (n_members,)
        Sampled Shapley value and its standard error per member [``unit``], same labels;
        finite, ``std_error >= 0``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    exact : pandas.Series, shape (n_members,), optional
        Exact Shapley values, paired by label with ``shapley`` [``unit``].
    unit : str, default "money"
        Unit of the values, for the y label.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        A value not a Series of numbers, ``unit`` or ``title`` not a string, ``ax`` not
        an Axes.
    ValueError
        NaN or infinite values, a negative ``std_error``, labels that do not pair;
        ``unit`` empty.
    """
    unit = _validate.text(unit, "unit")
    title = _check_title(title)
    series = {"shapley": shapley, "std_error": std_error}
    if exact is not None:
        series["exact"] = exact
    for name, value in series.items():
        if not isinstance(value, pd.Series):
            raise TypeError(f"{name}: expected a pandas Series, got {_validate.describe(value)}")
        _validate.vector(value, name, unit=unit, nonneg=name == "std_error")
    for name in list(series)[1:]:
        series[name] = _validate.align(shapley, "shapley", series[name], name)
    ax = _axes(ax, (8, 3.8))
    positions = np.arange(len(shapley))
    ax.errorbar(positions, shapley.to_numpy(), yerr=2 * series["std_error"].to_numpy(),
                fmt="o", ms=4, capsize=2, label="sampled ± 2 standard errors")
    if exact is not None:
        ax.plot(positions, series["exact"].to_numpy(), "kx", label="exact")
    ax.set_xticks(positions, [str(label) for label in shapley.index],
                  rotation=90 if len(shapley) > 20 else 0)
    ax.set(xlabel=shapley.index.name or "member", ylabel=f"Shapley value [{unit}]")
    ax.grid(True, axis="y", ls="--", alpha=0.5)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_sweep(sweep, x: str, y: str, ax=None, *, labels=None, title: str | None = None):
    """Mean of ``y`` against ``x`` per mechanism, from a sweep over random communities.

    Drawn with seaborn (``lineplot``: one line per mechanism, the mean over every row
    with the same ``x``, hence over the sweep's other dimensions and its replicates).
    Mechanisms whose curves coincide (to ``1e-9`` relative) are drawn once, under one
    legend entry naming all of them, so no curve hides another.

    Parameters
    ----------
    sweep : pandas.DataFrame
        Tidy table, one row per community and mechanism (as
        :func:`lectoolkit.mechanisms.mechanism_sweep` returns): a ``mechanism`` column
        and the numeric columns ``x`` and ``y``, finite.
    x, y : str
        Column names of the horizontal and vertical quantities.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    labels : mapping of str to str, optional
        Legend label of each mechanism key (default: the key).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        With its own legend.

    Raises
    ------
    TypeError
        ``sweep`` not a DataFrame, ``x`` or ``y`` not a string or a non-numeric column,
        ``labels`` not a mapping, ``ax`` not an Axes, ``title`` not a string.
    ValueError
        ``sweep`` empty or missing a column, NaN or infinite values; ``x`` equal to
        ``y``.
    """
    import seaborn as sns

    x = _validate.text(x, "x")
    y = _validate.text(y, "y")
    if x == y:
        raise ValueError(f"y: expected a column other than x = {x!r}")
    sweep = _validate.table(sweep, "sweep", ["mechanism"])
    for name, column in (("x", x), ("y", y)):
        if column not in sweep.columns:
            raise ValueError(f"{name}: {column!r} is not a column of sweep (have "
                             f"{[str(c) for c in sweep.columns][:10]})")
        _validate.column(sweep, column, "sweep")
    if labels is not None and not isinstance(labels, (dict, pd.Series)):
        raise TypeError(f"labels: expected a dict of mechanism -> label, got "
                        f"{_validate.describe(labels)}")
    labels = dict(labels or {})
    title = _check_title(title)
    ax = _axes(ax, (6, 4.5))
    means = sweep.groupby([x, "mechanism"], sort=True)[y].mean().unstack("mechanism")
    order = list(dict.fromkeys(sweep["mechanism"]))
    groups: list[list] = []
    for key in order:
        same = next((g for g in groups if np.allclose(
            means[g[0]], means[key], rtol=1e-9, atol=1e-12, equal_nan=True)), None)
        if same is None:
            groups.append([key])
        else:
            same.append(key)
    legend = {key: " = ".join(str(labels.get(k, k)) for k in group)
              for group in groups for key in group[:1]}
    shown = sweep[sweep["mechanism"].isin(legend)].assign(
        mechanism=lambda frame: frame["mechanism"].map(legend))
    sns.lineplot(data=shown, x=x, y=y, hue="mechanism", style="mechanism",
                 hue_order=list(legend.values()), style_order=list(legend.values()),
                 markers=True, dashes=False, errorbar=None, ax=ax)
    ax.grid(True, ls="--", alpha=0.5)
    ax.legend(fontsize=7, title=None)
    if title:
        ax.set_title(title)
    return ax


def plot_coalition_payoff(per_member, ax=None, *, unit: str = "money",
                          title: str | None = None):
    """Each member's coalition payoff per period as bars, its stand-alone payment as a tick.

    Periods are categories on the horizontal axis (a period where a member does not
    take part has no bar), so nothing joins periods that are not consecutive.

    Parameters
    ----------
    per_member : pandas.DataFrame
        Indexed by (period, member), each pair once, with finite columns ``shapley``
        (the member's share of the coalition payment) and ``standalone`` (what it would
        be paid alone) [``unit``], as ``NrgxCoalitionSettlement.per_member`` of
        :func:`lectoolkit.settle_nrgx_coalitions`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    unit : str, default "money"
        Unit of the payoffs for the y label (e.g. ``"$ per month"``).
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        With a legend (one colour per member, the tick for "alone").

    Raises
    ------
    TypeError
        ``per_member`` not a DataFrame or with non-numeric columns, ``unit`` or
        ``title`` not a string, ``ax`` not an Axes.
    ValueError
        Missing columns, no rows, an index that is not (period, member) or repeats a
        pair, NaN or infinite payoffs; ``unit`` empty.
    """
    unit = _validate.text(unit, "unit")
    title = _check_title(title)
    per_member = _validate.table(per_member, "per_member", ["shapley", "standalone"])
    if per_member.index.nlevels != 2:
        raise ValueError(f"per_member: expected an index of (period, member), got "
                         f"{per_member.index.nlevels} level(s)")
    _validate.unique_labels(per_member.index, "per_member", "index labels")
    for column in ("shapley", "standalone"):
        _validate.column(per_member, column, "per_member", unit=unit)
    ax = _axes(ax, (11, 4.2))
    shapley = per_member["shapley"].unstack(level=1)
    alone = per_member["standalone"].unstack(level=1)
    members = list(shapley.columns)
    width = 0.8 / len(members)
    positions = np.arange(len(shapley))
    for j, member in enumerate(members):
        x = positions - 0.4 + width * (j + 0.5)
        ax.bar(x, shapley[member].fillna(0.0).to_numpy(), width, color=f"C{j % 10}",
               label=f"{shapley.columns.name or 'member'} {member}")
        ax.hlines(alone[member].to_numpy(), x - width / 2, x + width / 2, color="k",
                  linewidths=1.5, zorder=3, label="stand-alone payment" if j == 0 else None)
    periods = [p.strftime("%Y-%m") if isinstance(p, pd.Timestamp) else str(p)
               for p in shapley.index]
    ax.set_xticks(positions, periods, rotation=45, ha="right")
    ax.set(xlabel=shapley.index.name or "period", ylabel=f"payoff [{unit}]")
    ax.grid(True, axis="y", ls="--", alpha=0.5)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax

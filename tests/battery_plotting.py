"""Bad-input battery entries for lectoolkit.plotting (see tests/battery.py).

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so no case leaves an
open pyplot figure behind; files go to a fresh folder under the system temp dir.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from battery import INF, NAN, Bad, Spec, factory
from matplotlib.figure import Figure

from lectoolkit._validate import ResultRangeError
from lectoolkit.io import read_prosumer_monthly
from lectoolkit.nrgx import settle_nrgx

N3 = read_prosumer_monthly(
    Path(__file__).resolve().parents[1] / "data" / "prosumer_N3_model_20210129_1416.csv")
SETTLED = settle_nrgx(N3, 12.09, 9.84, a=1e6)
_FOLDER = Path(tempfile.mkdtemp(prefix="battery_plotting_"))
_A_FILE = _FOLDER / "a_file.txt"
_A_FILE.write_text("not a folder\n")
_AXES = Figure().subplots(2, 2)  # for bad values only; good calls get fresh ones


def _four_axes():
    return Figure().subplots(2, 2)


def _one_axes():
    return Figure().add_subplot()


def _figure():
    fig = Figure()
    fig.add_subplot().plot([0, 1, 2], [1, 0, 1])
    return fig


def _frame_bads(good: pd.DataFrame, columns: list[str], *, huge: str | None = None) -> list[Bad]:
    """Bad long-format tables for a plot that needs ``id``, ``time`` and ``columns``."""
    first = columns[0]

    def edited(column, value, row=3):
        frame = good.copy()
        frame[column] = frame[column].where(frame.index != row, value)
        return frame

    text = good.copy()
    text[first] = text[first].astype(str)
    bad = [
        Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
        Bad(good[columns].to_numpy(), TypeError, "ndarray"),
        Bad(good.iloc[:0], ValueError, "empty"),
        Bad(good.drop(columns=columns[-1]), ValueError, f"missing_{columns[-1]}"),
        Bad(good.drop(columns="time"), ValueError, "missing_time"),
        Bad(edited(first, NAN), ValueError, f"nan_{first}"),
        Bad(edited(columns[-1], INF), ValueError, f"inf_{columns[-1]}"),
        Bad(text, TypeError, f"str_{first}"),
        Bad(pd.concat([good, good.iloc[:1]], ignore_index=True), ValueError,
            "duplicated_id_time_row"),
        Bad(edited("time", pd.NaT), ValueError, "missing_time_value"),
    ]
    if huge is not None:
        frame = good.copy()
        frame[huge] = np.sign(frame[huge]) * 1e308
        bad.append(Bad(frame, ResultRangeError, f"overflowing_{huge}_sums"))
    return bad


def _name_bads() -> list[Bad]:
    return [Bad(None, TypeError, "none"), Bad(3, TypeError, "int"), Bad("", ValueError, "empty")]


def _out_dir_bads() -> list[Bad]:
    return [Bad(None, TypeError, "none"), Bad(3, TypeError, "int"),
            Bad(str(_FOLDER).encode(), TypeError, "bytes"), Bad("", ValueError, "empty"),
            Bad(_A_FILE, ValueError, "existing_file")]


SPECS = [
    Spec(
        "save_figure",
        good={"fig": factory(_figure), "name": "00_demo__curve", "out_dir": _FOLDER / "figures"},
        positional=("fig", "name", "out_dir"),
        bad={
            "fig": [Bad(None, TypeError, "none"), Bad("fig", TypeError, "str"),
                    Bad(_AXES[0, 0], TypeError, "axes_instead_of_figure"),
                    Bad(_AXES, TypeError, "array_of_axes")],
            "name": _name_bads() + [
                Bad(name, ValueError, label) for name, label in [
                    ("curve", "no_slug"), ("00_demo__", "empty_slug"),
                    ("00 demo__x", "space"), ("00_Demo__x", "upper_case"),
                    ("a/b__c", "path_separator"), ("../x__y", "parent_folder"),
                    ("x__y.png", "extension"), ("a\\b__c", "backslash")]],
            "out_dir": _out_dir_bads(),
        },
    ),
    Spec(
        "save_metrics",
        good={"metrics": {"a": 1.5, "b": [1, 2], "c": {"d": np.int64(2)}}, "stem": "00_demo",
              "out_dir": _FOLDER / "metrics"},
        positional=("metrics", "stem", "out_dir"),
        bad={
            "metrics": [
                Bad(None, TypeError, "none"), Bad([1.0, 2.0], TypeError, "list"),
                Bad("abc", TypeError, "str"), Bad(pd.Series([1.0]), TypeError, "series"),
                Bad({"a": NAN}, ValueError, "nan"), Bad({"a": INF}, ValueError, "inf"),
                Bad({"a": np.float64(-INF)}, ValueError, "numpy_-inf"),
                Bad({"a": {"b": [1.0, NAN]}}, ValueError, "nested_nan"),
                Bad({"a": np.array([1.0, NAN])}, ValueError, "nan_in_array"),
                Bad({"a": pd.Series([1.0, NAN])}, ValueError, "nan_in_series"),
                Bad({"a": np.float64(NAN)}, ValueError, "numpy_nan"),
                Bad({"a": object()}, TypeError, "not_json"),
                Bad({"a": pd.Timestamp("2020-01-01")}, TypeError, "timestamp"),
                Bad({1: 1.0, "1": 2.0}, ValueError, "keys_equal_as_strings"),
            ],
            "stem": _name_bads() + [
                Bad(stem, ValueError, label) for stem, label in [
                    ("a/b", "path_separator"), ("..", "parent_folder"),
                    ("00 demo", "space"), ("00_Demo", "upper_case"), ("x.json", "extension")]],
            "out_dir": _out_dir_bads(),
        },
    ),
    Spec(
        "plot_monthly_panels",
        good={"frame": factory(lambda: N3.copy()), "axes": factory(_four_axes)},
        positional=("frame",),
        bad={
            "frame": _frame_bads(N3, ["net_energy", "consumption", "generation", "demand"]),
            "axes": [
                Bad("abc", TypeError, "str"), Bad(3, TypeError, "int"),
                Bad(_AXES[0, 0], TypeError, "one_axes"),
                Bad(list(_AXES.flat)[:3], ValueError, "three_axes"),
                Bad(list(_AXES.flat) + [_AXES[0, 0]], ValueError, "five_axes"),
                Bad(["a", "b", "c", "d"], TypeError, "strings"),
                Bad([_AXES[0, 0].figure] * 4, TypeError, "figures"),
            ],
        },
    ),
    Spec(
        "plot_nrgx_scatter",
        good={"settled": factory(lambda: SETTLED.copy()), "ax": factory(_one_axes),
              "cmap": "Spectral", "title": "N3"},
        positional=("settled",),
        bad={
            "settled": _frame_bads(SETTLED, ["nrg_cash", "consumption", "net_energy"],
                                   huge="nrg_cash"),
            "ax": [Bad("abc", TypeError, "str"), Bad(3, TypeError, "int"),
                   Bad(_AXES, TypeError, "array_of_axes"),
                   Bad(_AXES[0, 0].figure, TypeError, "figure")],
            "cmap": [Bad("nope", ValueError, "unknown"), Bad(3, TypeError, "int"),
                     Bad(None, TypeError, "none"), Bad(["Reds"], TypeError, "list")],
            "title": [Bad(3, TypeError, "int"), Bad(["a"], TypeError, "list")],
        },
    ),
]

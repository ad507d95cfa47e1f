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
SETTLED = settle_nrgx(N3, 0.1209, 0.0984, a_kwh2=1e6)
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
        Bad(good.drop(columns="step"), ValueError, "missing_step"),
        Bad(edited(first, NAN), ValueError, f"nan_{first}"),
        Bad(edited(columns[-1], INF), ValueError, f"inf_{columns[-1]}"),
        Bad(text, TypeError, f"str_{first}"),
        Bad(pd.concat([good, good.iloc[:1]], ignore_index=True), ValueError,
            "duplicated_member_step_row"),
        Bad(edited("step", pd.NaT), ValueError, "missing_step_value"),
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
              "out_dir": _FOLDER / "metrics", "significant_digits": 13},
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
            "significant_digits": [
                Bad(0, ValueError, "zero"), Bad(18, ValueError, "above_17"),
                Bad(2.5, ValueError, "fraction"), Bad(True, TypeError, "bool"),
                Bad("12", TypeError, "str")],
        },
    ),
    Spec(
        "save_timings",
        good={"timings": {"exact_seconds": {"10": 0.0123456}, "n": 3}, "stem": "00_demo",
              "out_dir": _FOLDER / "timings"},
        positional=("timings", "stem", "out_dir"),
        bad={
            "timings": [
                Bad(None, TypeError, "none"), Bad([1.0], TypeError, "list"),
                Bad({"a": NAN}, ValueError, "nan"), Bad({"a": object()}, TypeError, "not_json"),
                Bad({"note": "x"}, ValueError, "reserved_note"),
                Bad({"machine": 1}, ValueError, "reserved_machine")],
            "stem": _name_bads() + [Bad("a/b", ValueError, "path_separator")],
            "out_dir": _out_dir_bads(),
        },
    ),
    Spec(
        "plot_monthly_panels",
        good={"frame": factory(lambda: N3.copy()), "axes": factory(_four_axes)},
        positional=("frame",),
        bad={
            "frame": _frame_bads(N3, ["export_kwh", "import_kwh", "pv_kwh", "load_kwh"]),
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
              "cmap": "Spectral", "title": "N3", "unit": "$"},
        positional=("settled",),
        bad={
            "settled": _frame_bads(SETTLED, ["nrg_cash", "import_kwh", "export_kwh"],
                                   huge="nrg_cash"),
            "ax": [Bad("abc", TypeError, "str"), Bad(3, TypeError, "int"),
                   Bad(_AXES, TypeError, "array_of_axes"),
                   Bad(_AXES[0, 0].figure, TypeError, "figure")],
            "cmap": [Bad("nope", ValueError, "unknown"), Bad(3, TypeError, "int"),
                     Bad(None, TypeError, "none"), Bad(["Reds"], TypeError, "list")],
            "title": [Bad(3, TypeError, "int"), Bad(["a"], TypeError, "list")],
            "unit": [Bad(3, TypeError, "int"), Bad("", ValueError, "empty")],
        },
    ),
]


_MEMBERS = pd.Index(["P1", "P2", "P3"], name="member")
ALLOCATIONS = pd.DataFrame({"Shapley": [1.0, 2.0, 1.5], "nucleolus": [0.5, 3.0, 1.0]},
                           index=_MEMBERS)
ESTIMATE = pd.Series([1.0, 2.0, 1.5], index=_MEMBERS, name="shapley")
STD_ERROR = pd.Series([0.1, 0.2, 0.1], index=_MEMBERS, name="std_error")
SWEEP = pd.DataFrame({
    "mechanism": ["a", "b", "c"] * 2, "prosumer_share": [0.3] * 3 + [0.7] * 3,
    "savings_share": [0.1, 0.1, 0.2, 0.15, 0.15, 0.3]})
PER_MEMBER = pd.DataFrame(
    {"shapley": [1.0, 2.0, 3.0], "standalone": [1.0, 1.5, 2.5]},
    index=pd.MultiIndex.from_tuples([("2020-01", 1), ("2020-01", 2), ("2020-02", 1)],
                                    names=["step", "member"]))


def _with(frame, row, column, value):
    frame = frame.copy()
    frame[column] = frame[column].astype(object if isinstance(value, str) else float)
    frame.iloc[row, frame.columns.get_loc(column)] = value
    return frame


def _ax_bads() -> list[Bad]:
    return [Bad("abc", TypeError, "str"), Bad(3, TypeError, "int"),
            Bad(_AXES, TypeError, "array_of_axes"), Bad(_AXES[0, 0].figure, TypeError, "figure")]


def _text_bads(empty: bool = True) -> list[Bad]:
    return [Bad(3, TypeError, "int"), Bad(None, TypeError, "none")] + (
        [Bad("", ValueError, "empty")] if empty else [])


def _series_bads(good: pd.Series, nonneg: bool = False) -> list[Bad]:
    bad = [Bad(good.to_numpy(), TypeError, "ndarray"), Bad("abc", TypeError, "str"),
           Bad(good.iloc[:0], ValueError, "empty"),
           Bad(good.where(good.index != "P2", NAN), ValueError, "nan"),
           Bad(good.where(good.index != "P2", INF), ValueError, "inf"),
           Bad(good.set_axis(["P1", "P1", "P3"]), ValueError, "duplicated_labels")]
    if nonneg:
        bad.append(Bad(-good, ValueError, "negative"))
    return bad


SPECS += [
    Spec(
        "plot_allocations",
        good={"allocations": factory(lambda: ALLOCATIONS.copy()), "ax": factory(_one_axes),
              "in_core": {"Shapley": False, "nucleolus": True}, "unit": "EUR",
              "quantity": "profit", "title": "rules"},
        positional=("allocations",),
        bad={
            "allocations": [
                Bad(None, TypeError, "none"), Bad(ALLOCATIONS.to_numpy(), TypeError, "ndarray"),
                Bad(ALLOCATIONS["Shapley"], TypeError, "series"),
                Bad(ALLOCATIONS.iloc[:0], ValueError, "empty"),
                Bad(_with(ALLOCATIONS, 1, "Shapley", NAN), ValueError, "nan"),
                Bad(_with(ALLOCATIONS, 1, "Shapley", INF), ValueError, "inf"),
                Bad(_with(ALLOCATIONS, 1, "Shapley", "x"), TypeError, "text"),
                Bad(ALLOCATIONS.set_axis(["P1", "P1", "P3"]), ValueError, "duplicated_members")],
            "ax": _ax_bads(),
            "in_core": [Bad([True, False], TypeError, "list"), Bad("yes", TypeError, "str"),
                        Bad({"Shapley": True}, ValueError, "missing_rule"),
                        Bad({"Shapley": 1, "nucleolus": 0}, TypeError, "numbers")],
            "unit": _text_bads(),
            "quantity": _text_bads(),
            "title": [Bad(3, TypeError, "int"), Bad(["a"], TypeError, "list")],
        },
    ),
    Spec(
        "plot_sampled_shapley",
        good={"shapley": factory(lambda: ESTIMATE.copy()),
              "std_error": factory(lambda: STD_ERROR.copy()), "ax": factory(_one_axes),
              "exact": factory(lambda: ESTIMATE + 0.05), "unit": "EUR", "title": "sampled"},
        positional=("shapley", "std_error"),
        bad={
            "shapley": _series_bads(ESTIMATE),
            "std_error": _series_bads(STD_ERROR, nonneg=True) + [
                Bad(STD_ERROR.set_axis(["P1", "P2", "P9"]), ValueError, "other_labels")],
            "ax": _ax_bads(),
            "exact": _series_bads(ESTIMATE) + [
                Bad(ESTIMATE.iloc[:2], ValueError, "fewer_members")],
            "unit": _text_bads(),
            "title": [Bad(3, TypeError, "int")],
        },
    ),
    Spec(
        "plot_sweep",
        good={"sweep": factory(lambda: SWEEP.copy()), "x": "prosumer_share",
              "y": "savings_share", "ax": factory(_one_axes), "labels": {"a": "A"},
              "title": "sweep"},
        positional=("sweep", "x", "y"),
        bad={
            "sweep": [Bad(None, TypeError, "none"), Bad(SWEEP.to_numpy(), TypeError, "ndarray"),
                      Bad(SWEEP.iloc[:0], ValueError, "empty"),
                      Bad(SWEEP.drop(columns="mechanism"), ValueError, "no_mechanism"),
                      Bad(_with(SWEEP, 2, "savings_share", NAN), ValueError, "nan"),
                      Bad(_with(SWEEP, 2, "savings_share", "x"), TypeError, "text")],
            "x": _text_bads() + [Bad("size", ValueError, "missing_column")],
            "y": _text_bads() + [Bad("prosumer_share", ValueError, "same_as_x"),
                                 Bad("gain", ValueError, "missing_column")],
            "ax": _ax_bads(),
            "labels": [Bad(["A"], TypeError, "list"), Bad("A", TypeError, "str")],
            "title": [Bad(3, TypeError, "int")],
        },
    ),
    Spec(
        "plot_coalition_payoff",
        good={"per_member": factory(lambda: PER_MEMBER.copy()), "ax": factory(_one_axes),
              "unit": "$ per month", "title": "payoff"},
        positional=("per_member",),
        bad={
            "per_member": [
                Bad(None, TypeError, "none"), Bad(PER_MEMBER.to_numpy(), TypeError, "ndarray"),
                Bad(PER_MEMBER.iloc[:0], ValueError, "empty"),
                Bad(PER_MEMBER.drop(columns="standalone"), ValueError, "missing_standalone"),
                Bad(PER_MEMBER.reset_index(), ValueError, "flat_index"),
                Bad(_with(PER_MEMBER, 1, "shapley", NAN), ValueError, "nan"),
                Bad(_with(PER_MEMBER, 1, "standalone", INF), ValueError, "inf"),
                Bad(_with(PER_MEMBER, 1, "shapley", "x"), TypeError, "text"),
                Bad(pd.concat([PER_MEMBER, PER_MEMBER.iloc[:1]]), ValueError, "repeated_pair")],
            "ax": _ax_bads(),
            "unit": _text_bads(),
            "title": [Bad(3, TypeError, "int")],
        },
    ),
]

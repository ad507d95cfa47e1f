"""Figure and metrics writers: deterministic names and bytes, rejected bad names/values."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lectoolkit.io import read_prosumer_monthly  # noqa: E402
from lectoolkit.nrgx import settle_nrgx  # noqa: E402
from lectoolkit.plotting import (  # noqa: E402
    METRICS_SIGNIFICANT_DIGITS,
    plot_allocations,
    plot_coalition_payoff,
    plot_monthly_panels,
    plot_nrgx_scatter,
    plot_sampled_shapley,
    plot_sweep,
    save_figure,
    save_metrics,
    save_timings,
)
from tests.conftest import DATA  # noqa: E402


def _figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 0, 1])
    return fig


def test_save_figure_is_deterministic(tmp_path):
    first = save_figure(_figure(), "00_demo__curve", tmp_path / "a")
    second = save_figure(_figure(), "00_demo__curve", tmp_path / "b")
    assert first.name == "00_demo__curve.png"
    assert first.read_bytes() == second.read_bytes()
    plt.close("all")


@pytest.mark.parametrize("name", ["curve", "00_demo__", "00 demo__x", "00_Demo__x", "a/b__c"])
def test_save_figure_rejects_bad_names(tmp_path, name):
    with pytest.raises(ValueError, match="name:"):
        save_figure(_figure(), name, tmp_path)
    plt.close("all")


def test_save_metrics_plain_json(tmp_path):
    path = save_metrics({"a": np.float64(1.5), "b": np.arange(3), "c": {"d": np.int64(2)}},
                        "00_demo", tmp_path)
    assert path.name == "00_demo__metrics.json"
    assert json.loads(path.read_text()) == {"a": 1.5, "b": [0, 1, 2], "c": {"d": 2}}


def test_save_metrics_rejects_nan(tmp_path):
    with pytest.raises(ValueError, match="metrics: nan"):
        save_metrics({"a": float("nan")}, "00_demo", tmp_path)


def test_study_plots_draw():
    frame = read_prosumer_monthly(DATA / "prosumer_N3_model_20210129_1416.csv")
    axes = plot_monthly_panels(frame)
    assert axes.shape == (2, 2) and len(axes[0, 0].lines) == 3
    ax = plot_nrgx_scatter(settle_nrgx(frame, 0.1209, 0.0984, a_kwh2=1e6))
    assert len(ax.collections[0].get_offsets()) == 14
    plt.close("all")


# --------------------------------------------------------------------------- issue 7


@pytest.fixture(scope="module")
def n3():
    return read_prosumer_monthly(DATA / "prosumer_N3_model_20210129_1416.csv")


def test_save_figure_refuses_what_is_not_a_figure(tmp_path):
    fig = Figure()
    ax = fig.add_subplot()
    with pytest.raises(TypeError, match=r"^fig: expected a matplotlib.figure.Figure, got Axes"):
        save_figure(ax, "00_demo__x", tmp_path)
    with pytest.raises(TypeError, match=r"^fig: expected a matplotlib.figure.Figure"):
        save_figure(None, "00_demo__x", tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["", "../x__y", "a\\b__c", "x__y.png"])
def test_save_figure_refuses_names_that_are_paths(tmp_path, name):
    with pytest.raises(ValueError, match=r"^name: "):
        save_figure(Figure(), name, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_writers_create_missing_folders_and_refuse_a_file(tmp_path):
    nested = tmp_path / "a" / "b"
    assert save_figure(Figure(), "00_demo__x", nested).is_file()
    assert save_metrics({"x": 1}, "00_demo", nested / "c").is_file()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=r"^out_dir: .* is a file, expected a folder"):
        save_figure(Figure(), "00_demo__x", a_file)
    with pytest.raises(ValueError, match=r"^out_dir: .* is a file, expected a folder"):
        save_metrics({"x": 1}, "00_demo", a_file)
    with pytest.raises(TypeError, match=r"^out_dir: expected a str or os.PathLike"):
        save_metrics({"x": 1}, "00_demo", None)


@pytest.mark.parametrize(
    ("metrics", "error", "pattern"),
    [
        ({"a": {"b": [1.0, float("inf")]}}, ValueError, r"^metrics: inf at \['a'\]\['b'\]\[1\]"),
        ({"a": np.array([np.nan])}, ValueError, r"^metrics: nan at \['a'\]\[0\]"),
        ({"a": pd.Series([1.0, np.nan])}, ValueError, r"^metrics: nan at \['a'\]\['1'\]"),
        ({1: 1.0, "1": 2.0}, ValueError, r"^metrics: two keys of the top level are '1'"),
        ({"a": object()}, TypeError, r"^metrics: the value at \['a'\] has type object"),
        ([1.0], TypeError, r"^metrics: expected a dict"),
    ],
)
def test_save_metrics_refuses_what_strict_json_cannot_hold(tmp_path, metrics, error, pattern):
    with pytest.raises(error, match=pattern):
        save_metrics(metrics, "00_demo", tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_save_metrics_writes_strict_json(tmp_path):
    path = save_metrics({"a": np.float64(0.5), "b": np.array(2.0), "c": None, "d": True,
                         "e": pd.Series([1.0], index=["x"])}, "00_demo", tmp_path)

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    assert json.loads(path.read_text(), parse_constant=refuse) == {
        "a": 0.5, "b": 2.0, "c": None, "d": True, "e": {"x": 1.0}}


@pytest.mark.parametrize("stem", ["", "a/b", "..", "00 demo"])
def test_save_metrics_refuses_bad_stems(tmp_path, stem):
    with pytest.raises(ValueError, match=r"^stem: "):
        save_metrics({"a": 1}, stem, tmp_path)


def test_plots_refuse_frames_missing_columns(n3):
    with pytest.raises(ValueError, match=r"^frame: missing columns \['load_kwh'\]"):
        plot_monthly_panels(n3.drop(columns="load_kwh"), axes=Figure().subplots(2, 2))
    with pytest.raises(ValueError, match=r"^settled: missing columns \['nrg_cash'\]"):
        plot_nrgx_scatter(n3, ax=Figure().add_subplot())
    with pytest.raises(TypeError, match=r"^settled: expected a pandas DataFrame"):
        plot_nrgx_scatter(n3["load_kwh"], ax=Figure().add_subplot())


def test_plots_refuse_duplicated_rows_and_nan(n3):
    # pivot used to fail with pandas' "Index contains duplicate entries"
    doubled = pd.concat([n3, n3.iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match=r"^frame: \(member, step\) = .* repeats at row 42"):
        plot_monthly_panels(doubled, axes=Figure().subplots(2, 2))
    settled = settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6)
    settled.loc[2, "nrg_cash"] = np.nan
    with pytest.raises(ValueError, match=r"^settled: column 'nrg_cash': expected finite values"):
        plot_nrgx_scatter(settled, ax=Figure().add_subplot())


def test_plots_refuse_wrong_ax_kinds(n3):
    fig = Figure()
    axes = fig.subplots(2, 2)
    with pytest.raises(TypeError, match=r"^axes: expected 4 matplotlib Axes"):
        plot_monthly_panels(n3, axes=axes[0, 0])
    with pytest.raises(ValueError, match=r"^axes: expected 4 Axes, got 3"):
        plot_monthly_panels(n3, axes=list(axes.flat)[:3])
    settled = settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6)
    with pytest.raises(TypeError, match=r"^ax: expected a matplotlib.axes.Axes, got ndarray"):
        plot_nrgx_scatter(settled, ax=axes)
    with pytest.raises(TypeError, match=r"^ax: expected a matplotlib.axes.Axes, got Figure"):
        plot_nrgx_scatter(settled, ax=fig)
    with pytest.raises(ValueError, match=r"^cmap: 'nope' is not a registered"):
        plot_nrgx_scatter(settled, ax=axes[0, 0], cmap="nope")
    assert not any(ax.has_data() for ax in axes.flat)  # refused before drawing


def test_plots_draw_on_given_axes(n3):
    axes = Figure().subplots(2, 2)
    assert plot_monthly_panels(n3, axes=list(axes.flat)).shape == (4,)
    assert len(axes[1, 1].lines) == 3
    ax = plot_nrgx_scatter(settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6), ax=Figure().add_subplot(),
                           title="")
    assert ax.get_title() == ""


# --------------------------------------------------------------------------- issue 8


def test_save_metrics_rounds_to_the_stated_precision(tmp_path):
    assert METRICS_SIGNIFICANT_DIGITS == 13
    values = {"third": 1 / 3, "big": 2 / 3 * 1e20, "tiny": -2 / 3 * 1e-20, "zero": 0.0,
              "int": 12345678901234567, "list": [np.float64(0.1) + np.float64(0.2)]}
    stored = json.loads(save_metrics(values, "00_demo", tmp_path).read_text())
    # 13 significant digits, written out by hand
    assert stored == {"third": 0.3333333333333, "big": 6.666666666667e19,
                      "tiny": -6.666666666667e-21, "zero": 0.0, "int": 12345678901234567,
                      "list": [0.3]}
    exact = json.loads(save_metrics(values, "00_demo", tmp_path,
                                    significant_digits=None).read_text())
    assert exact["third"] == 1 / 3 and exact["list"] == [0.1 + 0.2]


def test_save_metrics_absorbs_summation_order(tmp_path):
    # the same total summed in two orders differs in the last bits, not in the file
    values = np.random.default_rng(0).normal(size=10_000)
    forward, backward = float(np.sum(values)), float(np.sum(values[::-1].copy()))
    a = save_metrics({"total": forward}, "00_a", tmp_path).read_text()
    b = save_metrics({"total": backward}, "00_a", tmp_path / "b").read_text()
    assert a == b


def test_save_timings_says_they_depend_on_the_machine(tmp_path):
    path = save_timings({"seconds": {"10": 0.0123456}, "free_memory_bytes": 8_123_456_789},
                        "00_demo", tmp_path)
    assert path.name == "00_demo__timings.json"
    stored = json.loads(path.read_text())
    assert stored["seconds"] == {"10": 0.0123}  # 3 significant digits
    assert stored["free_memory_bytes"] == 8_123_456_789  # integers stay exact
    assert "depend on the machine" in stored["note"]
    assert {"processor", "logical_cpus", "system", "python"} <= set(stored["machine"])
    with pytest.raises(ValueError, match=r"^timings: the keys \['note'\] are reserved"):
        save_timings({"note": "mine"}, "00_demo", tmp_path)
    with pytest.raises(ValueError, match=r"^timings: nan at \['a'\]"):
        save_timings({"a": float("nan")}, "00_demo", tmp_path)


def test_nrgx_scatter_has_a_size_legend(n3):
    ax = plot_nrgx_scatter(settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6), ax=Figure().add_subplot())
    legend = ax.get_legend()
    assert legend is not None and legend.get_title().get_text() == "|net cash|"
    # the legend's numbers are net cash values read back from the bubble areas
    cash = settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6).groupby("step")["nrg_cash"].sum()
    shown = [float(t.get_text()) for t in legend.get_texts()]
    assert shown and max(shown) <= abs(cash).max() * 1.001


MEMBERS = pd.Index(["P1", "P2", "P3"], name="member")


def test_plot_allocations_names_rules_and_core():
    allocations = pd.DataFrame({"Shapley": [1.0, 2.0, 1.5], "nucleolus": [0.0, 4.5, 0.0]},
                               index=MEMBERS)
    ax = plot_allocations(allocations, ax=Figure().add_subplot(), unit="EUR",
                          in_core={"Shapley": False, "nucleolus": np.True_})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Shapley (not in core)", "nucleolus (in core)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["P1", "P2", "P3"]
    assert ax.get_ylabel() == "allocation [EUR]"
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [1.0, 2.0, 1.5, 0.0, 4.5, 0.0]


def test_plot_sampled_shapley_pairs_by_label():
    shapley = pd.Series([1.0, 2.0, 3.0], index=MEMBERS)
    std_error = pd.Series([0.3, 0.1, 0.2], index=MEMBERS[::-1])  # other order: paired by label
    exact = pd.Series([1.1, 2.0, 2.9], index=MEMBERS)
    ax = plot_sampled_shapley(shapley, std_error, ax=Figure().add_subplot(), exact=exact)
    bars = ax.containers[0]  # errorbar: (line, caps, bar lines)
    segments = bars.lines[2][0].get_segments()
    half_widths = [(seg[1][1] - seg[0][1]) / 2 for seg in segments]
    np.testing.assert_allclose(half_widths, [0.4, 0.2, 0.6])  # 2 x the paired errors
    with pytest.raises(ValueError, match=r"^std_error: labels differ"):
        plot_sampled_shapley(shapley, std_error.set_axis(["P1", "P2", "P9"]))


def test_plot_sweep_draws_coinciding_mechanisms_once():
    sweep = pd.DataFrame({
        "mechanism": ["a", "b", "c", "a", "b", "c"], "share": [0.3, 0.3, 0.3, 0.7, 0.7, 0.7],
        "saving": [0.1, 0.1, 0.2, 0.15, 0.15, 0.1]})
    ax = plot_sweep(sweep, "share", "saving", ax=Figure().add_subplot(),
                    labels={"a": "A", "b": "B", "c": "C"})
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["A = B", "C"]
    drawn = [line for line in ax.lines if len(line.get_xdata())]  # not legend proxies
    assert len(drawn) == 2
    with pytest.raises(ValueError, match=r"^x: 'size' is not a column of sweep"):
        plot_sweep(sweep, "size", "saving")


def test_plot_coalition_payoff_leaves_absent_members_out():
    index = pd.MultiIndex.from_tuples(
        [(pd.Timestamp("2020-01-01"), 1), (pd.Timestamp("2020-01-01"), 2),
         (pd.Timestamp("2020-03-01"), 1)], names=["step", "member"])
    per_member = pd.DataFrame({"shapley": [3.0, 5.0, 4.0], "standalone": [2.0, 4.0, 4.0]},
                              index=index)
    ax = plot_coalition_payoff(per_member, ax=Figure().add_subplot(), unit="$ per month")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2020-01", "2020-03"]
    assert sorted(bar.get_height() for bar in ax.patches) == [0.0, 3.0, 4.0, 5.0]
    assert not ax.lines  # no line joins the periods
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "stand-alone payment" in labels and "member 1" in labels

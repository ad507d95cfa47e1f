"""Figure and metrics writers: deterministic names and bytes, rejected bad names/values."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lectoolkit.io import read_prosumer_monthly  # noqa: E402
from lectoolkit.nrgx import settle_nrgx  # noqa: E402
from lectoolkit.plotting import (  # noqa: E402
    plot_monthly_panels,
    plot_nrgx_scatter,
    save_figure,
    save_metrics,
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
    ax = plot_nrgx_scatter(settle_nrgx(frame, 12.09, 9.84, a=1e6))
    assert len(ax.collections[0].get_offsets()) == 14
    plt.close("all")

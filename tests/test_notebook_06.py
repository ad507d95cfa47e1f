"""Study 06 (Shapley at scale) executed with the quick parameters; its key numbers.

Timings, memory peaks and free memory are machine measurements: the notebook writes them
to ``<stem>__timings.json`` (with a note and the machine), the deterministic numbers to
the metrics.
"""

import json

import numpy as np
import pytest

STEM = "06_shapley_at_scale"

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def timings(study, executed_notebook):
    folder = executed_notebook.folders[STEM] / "machine"
    return json.loads((folder / f"{STEM}__timings.json").read_text())


def test_figures_written(study):
    _, figures = study
    assert {"scaling", "sampling_error", "exact_limit"} <= figures


def test_timings_present_and_positive(timings):
    assert "depend on the machine" in timings["note"]
    assert timings["machine"]["logical_cpus"] >= 1
    for key in ("exact_seconds", "exact_numpy_seconds", "sampled_seconds", "seed_seconds"):
        assert timings[key], key
        assert all(np.isfinite(v) and v > 0 for v in timings[key].values()), key
    assert set(timings["exact_seconds"]) == {"8", "10", "12", "14", "16"}  # quick.yaml sizes
    assert all(v >= 0 for v in timings["exact_peak_growth_mb"].values())
    assert timings["exact_seconds_at_limit_extrapolated"] > 0


def test_metrics_hold_no_machine_measurement(study):
    metrics, _ = study
    measured = {"seconds", "_mb", "free_memory", "max_dense_players", "peak"}
    assert not [key for key in metrics if any(part in key for part in measured)]


def test_sampled_agrees_with_exact(study):
    metrics, _ = study
    assert metrics["check_fraction_within_4se"] >= 0.85
    # each permutation's contributions sum to v(N): the estimate is efficient
    assert metrics["check_efficiency_gap"] < 1e-9
    curve = metrics["error_curve"]
    assert curve["n_permutations"] == [10, 40, 160, 640]
    # the error falls like 1/sqrt(m) (slope -0.5 on log-log axes) ...
    assert -0.8 < metrics["error_slope"] < -0.3
    # ... and the reported standard error is an honest estimate of it
    ratio = np.array(curve["rmse"]) / np.array(curve["mean_std_error"])
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), ratio
    # with enough permutations about 95 % of the estimates lie within 2 standard errors
    assert curve["coverage_2se"][-1] >= 0.8


def test_exact_limit_per_memory_size(study):
    metrics, _ = study
    # 8 * 2**n bytes must fit: 8 GiB = 8 * 2**30 holds n = 30, 256 GiB n = 35
    assert metrics["exact_limit_by_memory_gib"] == {"8": 30, "16": 31, "64": 33, "256": 35}


def test_exact_limit_matches_free_memory(timings):
    n = timings["max_dense_players"]  # integers are stored exactly
    assert 8 * 2**n <= timings["free_memory_bytes"] < 8 * 2 ** (n + 1)

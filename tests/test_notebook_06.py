"""Study 06 (Shapley at scale) executed with the quick parameters; its key numbers."""

import numpy as np
import pytest

STEM = "06_shapley_at_scale"

pytestmark = pytest.mark.notebooks


def test_figures_written(study):
    _, figures = study
    assert {"scaling", "sampling_error", "exact_limit"} <= figures


def test_timings_present_and_positive(study):
    metrics, _ = study
    for key in ("exact_seconds", "exact_numpy_seconds", "sampled_seconds", "seed_seconds"):
        assert metrics[key], key
        assert all(np.isfinite(v) and v > 0 for v in metrics[key].values()), key
    assert set(metrics["exact_seconds"]) == {"8", "10", "12", "14", "16"}  # quick.yaml sizes
    assert all(v >= 0 for v in metrics["exact_peak_growth_mb"].values())
    assert metrics["exact_seconds_at_limit_extrapolated"] > 0


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


def test_exact_limit_matches_free_memory(study):
    metrics, _ = study
    n = metrics["max_dense_players"]
    assert 8 * 2**n <= metrics["free_memory_bytes"] < 8 * 2 ** (n + 1)

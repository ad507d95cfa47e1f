"""Study 02 (seed 001) executed with the quick parameters; its key numbers against the seed."""

import numpy as np
import pytest

from tests.test_nrgx import ATOL, SEED_MONTHLY_CASH

STEM = "02_nrgx_shapley_coalition"

pytestmark = pytest.mark.notebooks


def test_figures_written(study):
    _, figures = study
    assert {"n3_profiles", "n3_tp_vs_tc", "n100_tp_vs_tc", "coalition_payoff",
                 "coalition_gain_vs_n", "n100_sampled_shapley"} <= figures


def test_seed_numbers(study):
    metrics, _ = study
    assert metrics["max_price_cents"] == 12.09 and metrics["min_price_cents"] == 9.84
    np.testing.assert_allclose(metrics["first_month_nrg_cash"],
                               [-17.458161, 15.475455, -48.256628], atol=ATOL)
    np.testing.assert_allclose(metrics["first_month_nrg_cash_swapped"],
                               [-21.450119, 12.595408, -59.290917], atol=ATOL)
    for month, cash in SEED_MONTHLY_CASH.items():
        assert metrics["monthly_nrg_cash"][month] == pytest.approx(cash, abs=ATOL)


def test_coalition_findings(study):
    metrics, _ = study
    assert metrics["coalition_linear_max_gap"] < 1e-9  # additive game: Shapley = stand-alone
    assert metrics["coalition_superadditive_gain_total"] > 0  # n > 1: the coalition gains
    assert metrics["coalition_superadditive_efficiency_gap"] < 1e-9
    assert metrics["n100_prosumers"] == 100
    # months with more than 20 exporters are sampled: estimates still sum to v(N) exactly
    assert metrics["n100_sampled_months"] > 0 and metrics["n100_max_exporters"] > 20
    assert metrics["n100_max_std_error"] > 0
    assert metrics["n100_sampled_efficiency_gap"] < 1e-6

"""Study 01 (seed 000) executed with the quick parameters; its numbers against the seed."""

from __future__ import annotations

import numpy as np
import pytest

STEM = "01_profit_allocation"

pytestmark = pytest.mark.notebooks


def test_figures_written(study):
    _, figures = study
    assert {"rules_comparison", "energy_rules", "larger_community"} <= figures


def test_seed000_printed_profit_allocations(study):
    metrics, _ = study
    # printed "[ 7.25  0.   13.25  5.25]" and "[ 0.  15.06521739  7.30434783  6.26086957]"
    np.testing.assert_allclose(metrics["seed000_mc_self_sufficient"], [7.25, 0, 13.25, 5.25],
                               rtol=0, atol=0.005)
    np.testing.assert_allclose(metrics["seed000_mc_not_self_sufficient"],
                               [0, 15.06521739, 7.30434783, 6.26086957], rtol=0, atol=5e-9)


def test_seed000_printed_energy_allocations(study):
    metrics, _ = study
    np.testing.assert_allclose(metrics["seed000_demand_allocation"],
                               [9.75, 19.5, 24.375, 24.375], rtol=1e-12)
    assert metrics["seed000_demand_total"] == pytest.approx(78.0, rel=1e-12)
    # repr-printed doubles of the seed's last cell: agreement to one unit in the last place
    utility = np.array([15.19607843137255, 20.901960784313726, 17.0, 21.901960784313726,
                        29.0, 29.0])
    balance = np.array([10.19607843137255, 14.901960784313726, 0.0, 14.901960784313726,
                        0.0, 0.0])
    assert (np.abs(metrics["seed000_refined_utility"] - utility) <= np.spacing(utility)).all()
    assert (np.abs(metrics["seed000_refined_balance"] - balance)
            <= 2 * np.spacing(utility)).all()
    assert metrics["seed000_refined_total"] == pytest.approx(133.0, rel=1e-12)


def test_savings_game_comparison(study):
    metrics, _ = study
    # v(N): self-sufficient, alone 12 - 3 * 3.75 = 0.75, together -3.75 -> 4.5; in deficit,
    # alone 12 - 7.5 + 6 = 10.5, together 50 kWh bought for 6 -> 4.5
    for key in ("self_sufficient", "in_deficit"):
        assert metrics[f"savings_grand_worth_{key}"] == pytest.approx(4.5, rel=1e-12)
        assert sum(metrics[f"shapley_{key}"]) == pytest.approx(4.5, rel=1e-12)
        flags = metrics[f"in_core_{key}"]
        assert flags["nucleolus"] is True and flags["Shapley"] is False
    # Self-sufficient: P2 is the only deficit and v(N \ {i}) = v(N) for every surplus member,
    # so the core, hence the nucleolus, is (0, 4.5, 0, 0).
    np.testing.assert_allclose(metrics["nucleolus_self_sufficient"], [0, 4.5, 0, 0], atol=1e-7)
    # In deficit: core = {x1 + x2 = 4.5, x2 >= v({2,3}) = 2.25, x3 = x4 = 0}; the nucleolus
    # equalises x1 and x2 - 2.25: (1.125, 3.375, 0, 0).
    np.testing.assert_allclose(metrics["nucleolus_in_deficit"], [1.125, 3.375, 0, 0],
                               atol=1e-7)


def test_larger_community(study):
    metrics, _ = study
    assert metrics["large_n"] == 10  # quick.yaml
    assert metrics["large_nucleolus_in_core"] is True
    assert metrics["large_least_core_value"] >= -1e-7  # the savings game's core is not empty

"""Notebook 07 (storage-aware coalition games): runs in quick mode; the game checks out.

Independent checks: the grand coalition's cost and the members' costs alone recomputed by
``run_collective`` and ``run_individual`` on the same meters (a separate build of each
model, not the game's switched-off program), ``v({i}) = 0`` exactly, efficiency of the
Shapley value and of the LEM split (pool transfers cancel), and the nucleolus in the core
whenever the least core's epsilon is not negative.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lectoolkit.operation import from_rec_op_inputs, run_collective, run_individual
from tests.conftest import DATA

pytestmark = pytest.mark.notebooks

STEM = "07_storage_games"
QUICK_MEMBERS = 6  # params/quick.yaml


@pytest.fixture(scope="module")
def community():
    day = from_rec_op_inputs(json.loads((DATA / "rec_instances" / "rec_n50_s96.json")
                                        .read_text()))
    return day.select(day.members[:QUICK_MEMBERS])


def test_figures_written(study):
    _, figures = study
    assert {"game_solutions", "rules_vs_game", "scaling"} <= figures


def test_the_game_against_independent_solves(study, community):
    metrics, _ = study
    assert metrics["n_members"] == QUICK_MEMBERS and metrics["n_steps"] == 96
    assert metrics["members_with_battery"] == 3  # meters 1, 3 and 5
    grand = run_collective(community, split="solver").objective
    assert metrics["grand_coalition_cost_eur"] == pytest.approx(grand, abs=1e-7)
    alone = run_individual(community).member_costs
    for member, cost in alone.items():
        assert metrics["alone_costs_eur"][member] == pytest.approx(cost, abs=1e-7)
    assert metrics["grand_worth_eur"] == pytest.approx(alone.sum() - grand, abs=1e-7)
    assert metrics["singleton_worths_eur"] == [0.0] * QUICK_MEMBERS


def test_solutions_are_efficient_and_the_nucleolus_is_stable(study):
    metrics, _ = study
    grand = metrics["grand_worth_eur"]
    assert sum(metrics["shapley_eur"].values()) == pytest.approx(grand, abs=1e-9)
    assert sum(metrics["nucleolus_eur"].values()) == pytest.approx(grand, abs=1e-9)
    core = metrics["core"]
    for rule in ("Shapley", "nucleolus", "least core", "LEM price"):
        assert abs(core["efficiency_gap"][rule]) <= 1e-7, rule
    if metrics["least_core_epsilon_eur"] >= 0:
        assert core["in_core"]["nucleolus"] and core["in_core"]["least core"]
        assert core["min_excess"]["nucleolus"] == pytest.approx(
            metrics["least_core_epsilon_eur"], abs=1e-9)
    # a split is in the core only if it is efficient and no coalition would leave
    for rule, stable in core["in_core"].items():
        ok = abs(core["efficiency_gap"][rule]) <= 1e-7 and core["min_excess"][rule] >= -1e-7
        assert stable == ok, rule
    assert np.isfinite(list(metrics["allocations_eur"]["SDR"].values())).all()

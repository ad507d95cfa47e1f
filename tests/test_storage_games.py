"""Storage-aware coalition games (lectoolkit.storage_games, issue 12 part 2).

Oracles: seed 004's post-delivery pool facts (issue 10: individual costs 1.0 and 0.6,
pool objective 1.401), hand-derived worths of a one-step sharing game, and every
coalition solved on its own by ``run_collective`` on ``inputs.select(S)`` (a separate
build of each sub-community, not the switched-off grand program).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lectoolkit.storage_games as og
from lectoolkit import nucleolus, shapley_values
from lectoolkit.operation import OperationInputs, from_rec_op_inputs, run_collective, run_individual
from lectoolkit.storage_games import (
    operation_allocations,
    operation_game,
    operation_shapley_sampled,
)
from tests.conftest import every_solver
from tests.test_operation import original_test_case

INSTANCE = Path(__file__).resolve().parents[1] / "data" / "rec_instances" / "rec_n50_s96.json"


def sharing_day(surplus_kwh=2.0, needs_kwh=(1.0, 1.0)) -> OperationInputs:
    """One hour after delivery: member 0 exports ``surplus_kwh``, the others import.

    Buy 0.2, sell 0.05, access 0.01 EUR/kWh: each kWh shared saves 0.2 - 0.05 - 0.01.
    """
    n = 1 + len(needs_kwh)
    load = np.array([[0.0, *needs_kwh]])
    pv = np.zeros((1, n))
    pv[0, 0] = surplus_kwh
    return OperationInputs(
        load_kwh=load, pv_kwh=pv, price_buy_per_kwh=np.full((1, n), 0.2),
        price_sell_per_kwh=np.full((1, n), 0.05), price_market_buy_per_kwh=[0.3],
        price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
        lem_price_per_kwh=[0.1], contracted_power_kw=np.full(n, 5.0),
        price_extra_power_per_kw=10.0, timestep_h=1.0)


def rec_members(n: int) -> OperationInputs:
    """The first ``n`` meters of the 50-meter REC day (batteries on meters 1, 3, 5, ...)."""
    inputs = from_rec_op_inputs(json.loads(INSTANCE.read_text()))
    return inputs.select(inputs.members[:n])


def each_coalition_on_its_own(inputs, **options) -> np.ndarray:
    n = inputs.n_members
    costs = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        chosen = [inputs.members[i] for i in range(n) if (mask >> i) & 1]
        costs[mask] = run_collective(inputs.select(chosen), split="solver", **options).objective
    return costs


def test_seed_facts_after_delivery():
    # issue 10: individual costs 1.0 and 0.6, post-delivery pool objective 1.401
    game = operation_game(original_test_case(), delivery="post", progress=False)
    assert game.alone_costs.tolist() == pytest.approx([1.0, 0.6], abs=1e-9)
    assert game.coalition_costs[3] == pytest.approx(1.401, abs=1e-9)
    assert game.worths.tolist() == pytest.approx([0.0, 0.0, 0.0, 1.6 - 1.401], abs=1e-9)


def test_hand_derived_sharing_game():
    # 2 kWh of surplus, two members needing 1 kWh each: every kWh shared saves 0.14 EUR
    game = operation_game(sharing_day(), delivery="post", progress=False)
    expected = {0b011: 0.14, 0b101: 0.14, 0b110: 0.0, 0b111: 0.28}
    for mask, value in expected.items():
        assert game.worths[mask] == pytest.approx(value, abs=1e-9)
    assert game.worths[[0, 1, 2, 4]].tolist() == [0.0] * 4
    shapley = shapley_values(game.worths, players=game.members)
    # v is additive over the two pairs {0,1} and {0,2}: each pair's 0.14 split equally
    assert shapley.tolist() == pytest.approx([0.14, 0.07, 0.07], abs=1e-9)


@pytest.mark.parametrize("delivery", ["pre", "post"])
def test_every_coalition_equals_its_own_solve(delivery):
    inputs = rec_members(4)
    game = operation_game(inputs, delivery=delivery, progress=False)
    expected = each_coalition_on_its_own(inputs, delivery=delivery)
    assert np.abs(game.coalition_costs - expected).max() <= 1e-7 * max(1.0, abs(expected).max())
    alone = run_individual(inputs, delivery=delivery).member_costs
    assert np.abs(game.alone_costs.to_numpy() - alone.to_numpy()).max() <= 1e-7
    assert game.n_solved == 15 and game.n_cached == 0
    assert (game.worths[1 << np.arange(4)] == 0.0).all()
    assert game.worths[0] == 0.0 and game.coalition_costs[0] == 0.0


def test_rechecked_coalitions_take_the_exact_route(monkeypatch):
    inputs = rec_members(3)
    plain = operation_game(inputs, progress=False)
    monkeypatch.setattr(og._GrandProgram, "checked_cost", lambda self, highs, members: None)
    og._PROGRAMS.clear()
    rechecked = operation_game(inputs, progress=False)
    assert rechecked.n_rechecked == 7 and plain.n_rechecked == 0
    assert np.abs(rechecked.coalition_costs - plain.coalition_costs).max() <= 1e-7


def test_the_bilateral_market_with_equal_pair_tariffs_is_the_pool():
    inputs = original_test_case()
    pool = operation_game(inputs, progress=False)
    bilateral = operation_game(inputs, market="bilateral", progress=False)
    assert np.abs(bilateral.worths - pool.worths).max() <= 1e-7


def test_total_share_rules_take_each_coalitions_own_route():
    inputs = original_test_case(total_share=True)
    game = operation_game(inputs, delivery="post", progress=False)
    expected = each_coalition_on_its_own(inputs, delivery="post")
    assert np.abs(game.coalition_costs - expected).max() <= 1e-7
    assert game.n_rechecked == 3  # every coalition solved on its own


@pytest.mark.parametrize("solver", every_solver())
def test_every_solver_gives_the_same_game(solver):
    inputs = original_test_case()
    highs = operation_game(inputs, solver="highs", progress=False)
    other = operation_game(inputs, solver=solver, progress=False)
    assert np.abs(other.worths - highs.worths).max() <= 1e-6


def test_workers_give_bit_identical_worths(monkeypatch):
    monkeypatch.setattr(og, "_CHUNK", 4)  # 8 tasks: the pool really shares them out
    inputs = rec_members(5)
    serial = operation_game(inputs, progress=False)
    pooled = operation_game(inputs, jobs=2, progress=False)
    assert np.array_equal(serial.coalition_costs, pooled.coalition_costs)


@pytest.mark.slow
def test_dask_local_cluster_gives_bit_identical_worths(monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setattr(og, "_CHUNK", 4)
    inputs = rec_members(5)
    serial = operation_game(inputs, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        on_dask = operation_game(inputs, client=client, progress=False)
    assert np.array_equal(serial.coalition_costs, on_dask.coalition_costs)
    assert np.array_equal(serial.worths, on_dask.worths)


def test_disk_cache_is_reused_by_reruns_and_larger_communities(tmp_path):
    small = rec_members(3)
    first = operation_game(small, cache_dir=tmp_path, progress=False)
    again = operation_game(small, cache_dir=tmp_path, progress=False)
    assert (first.n_solved, again.n_solved, again.n_cached) == (7, 0, 7)
    assert np.array_equal(first.worths, again.worths)
    larger = operation_game(rec_members(4), cache_dir=tmp_path, progress=False)
    assert (larger.n_solved, larger.n_cached) == (8, 7)
    assert np.array_equal(larger.coalition_costs[:8], first.coalition_costs)
    # another option is another game: nothing reused
    post = operation_game(small, delivery="post", cache_dir=tmp_path, progress=False)
    assert post.n_cached == 0


def test_an_interrupted_run_keeps_the_rounds_it_finished(tmp_path, monkeypatch):
    inputs = rec_members(4)
    monkeypatch.setattr(og, "_CHUNK", 2)
    monkeypatch.setattr(og, "_ROUND", 1)
    real = og._solve_chunk
    calls = []

    def failing(task):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("worker lost")
        return real(task)

    monkeypatch.setattr(og, "_solve_chunk", failing)
    with pytest.raises(RuntimeError, match="worker lost"):
        operation_game(inputs, cache_dir=tmp_path, progress=False)
    assert len(list((tmp_path / "operation_game").glob("part-*.npz"))) == 3
    monkeypatch.setattr(og, "_solve_chunk", real)
    resumed = operation_game(inputs, cache_dir=tmp_path, progress=False)
    assert (resumed.n_cached, resumed.n_solved) == (6, 9)
    fresh = operation_game(inputs, progress=False)
    assert np.abs(resumed.coalition_costs - fresh.coalition_costs).max() <= 1e-9


def test_core_family_on_the_game():
    game = operation_game(rec_members(5), progress=False)
    shapley = shapley_values(game.worths, players=game.members)
    assert shapley.sum() == pytest.approx(game.worths[-1], abs=1e-9)
    point = nucleolus(game.worths, players=game.members)
    assert point.allocation.sum() == pytest.approx(game.worths[-1], abs=1e-9)
    assert (point.allocation >= -1e-9).all()  # v({i}) = 0: an imputation


@pytest.mark.parametrize("control_variate", [False, True])
def test_sampled_shapley_is_within_its_error_of_the_exact_value(control_variate):
    inputs = rec_members(5)
    exact = shapley_values(operation_game(inputs, progress=False).worths,
                           players=inputs.members)
    estimate = operation_shapley_sampled(inputs, 40, rng=3, control_variate=control_variate,
                                         progress=False)
    assert estimate.shapley.index.equals(inputs.members)
    assert estimate.shapley.sum() == pytest.approx(exact.sum(), abs=1e-9)
    assert (np.abs(estimate.shapley - exact) <= 4 * estimate.std_error + 1e-9).all()
    again = operation_shapley_sampled(inputs, 40, rng=3, control_variate=control_variate,
                                      progress=False)
    assert estimate.shapley.equals(again.shapley)


def test_the_control_variate_is_exact_when_the_batteries_add_nothing():
    # after delivery and with one price for every member the operation game is the
    # metered game itself: the difference sampled is zero, the estimate exact
    inputs = sharing_day()
    exact = shapley_values(operation_game(inputs, delivery="post", progress=False).worths,
                           players=inputs.members)
    estimate = operation_shapley_sampled(inputs, 4, rng=0, delivery="post", progress=False)
    assert estimate.shapley.tolist() == pytest.approx(exact.tolist(), abs=1e-9)
    assert estimate.std_error.max() <= 1e-9


def test_the_proxy_game_merges_batteries_and_runs_them_greedily():
    """Hand-derived: member 0 (surplus 1 kWh, then a deficit of 1 kWh) has a 0.5 kWh
    battery, member 1 needs 0.5 kWh at both steps; buy 0.2 - access 0.01 = 0.19, sell
    0.05 EUR/kWh. Alone, member 0 stores half its surplus and exports the rest: 0.07
    EUR; member 1 pays 0.19. Together the battery stores the net surplus of 0.5 kWh and
    the pool imports 1 kWh: 0.19 EUR. So v0({0, 1}) = 0.07 + 0.19 - 0.19 = 0.07 EUR.
    After delivery (no battery) alone costs are 0.14 and 0.19 EUR, together 0.26 EUR:
    0.07 EUR again (the 0.5 kWh traded saves 0.19 - 0.05)."""
    batteries = pd.DataFrame({
        "capacity_kwh": [0.5], "power_kw": [5.0], "charge_efficiency": [1.0],
        "discharge_efficiency": [1.0], "soc_min": [0.0], "soc_max": [1.0],
        "initial_kwh": [0.0], "degradation_per_kwh": [0.0]}, index=[0])
    inputs = OperationInputs(
        load_kwh=[[0.0, 0.5], [1.0, 0.5]], pv_kwh=[[1.0, 0.0], [0.0, 0.0]],
        price_buy_per_kwh=[[0.2, 0.2]] * 2, price_sell_per_kwh=[[0.05, 0.05]] * 2,
        price_market_buy_per_kwh=[0.3, 0.3], price_market_sell_per_kwh=[0.0, 0.0],
        price_access_per_kwh=[0.01, 0.01], lem_price_per_kwh=[0.1, 0.1],
        contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0,
        batteries=batteries)
    np.testing.assert_allclose(og._proxy_game(inputs, "pre"), [0.0, 0.0, 0.0, 0.07],
                               atol=1e-12)
    np.testing.assert_allclose(og._proxy_game(inputs, "post"), [0.0, 0.0, 0.0, 0.07],
                               atol=1e-12)


def test_the_control_variate_cuts_the_standard_error_with_batteries():
    inputs = rec_members(6)
    plain = operation_shapley_sampled(inputs, 40, rng=5, control_variate=False,
                                      progress=False)
    adjusted = operation_shapley_sampled(inputs, 40, rng=5, progress=False)
    assert adjusted.std_error.max() < 0.8 * plain.std_error.max()
    assert adjusted.shapley.sum() == pytest.approx(plain.shapley.sum(), abs=1e-9)


def test_the_control_variate_needs_its_dense_game(monkeypatch):
    monkeypatch.setattr(og._limits, "MAX_GAME_PLAYERS", 2)
    with pytest.raises(ValueError, match="^control_variate:"):
        operation_shapley_sampled(sharing_day(), 4, control_variate=True, delivery="post")
    plain = operation_shapley_sampled(sharing_day(), 4, rng=0, delivery="post", progress=False)
    assert plain.shapley.sum() == pytest.approx(0.28, abs=1e-9)


def test_inputs_are_not_mutated():
    inputs = sharing_day()
    before = {name: getattr(inputs, name).copy() for name in ("load_kwh", "pv_kwh")}
    operation_game(inputs, delivery="post", progress=False)
    for name, value in before.items():
        pd.testing.assert_frame_equal(getattr(inputs, name), value)


def test_clear_errors():
    with pytest.raises(TypeError, match="^inputs:"):
        operation_game({"load_kwh": [[1.0]]})
    with pytest.raises(ValueError, match="^market:"):
        operation_game(sharing_day(), market="auction")
    with pytest.raises(TypeError, match="^cache_dir:"):
        operation_game(sharing_day(), cache_dir=3)
    with pytest.raises(ValueError, match="^n_permutations:"):
        operation_shapley_sampled(sharing_day(), 2)


def test_too_many_members_for_an_exact_game(monkeypatch):
    monkeypatch.setattr(og._limits, "MAX_OPERATION_GAME_PLAYERS", 2)
    with pytest.raises(ValueError, match="operation_shapley_sampled"):
        operation_game(sharing_day(), delivery="post")



def test_allocations_beside_the_settlement_rules():
    inputs = rec_members(5)
    game = operation_game(inputs, progress=False)
    out = operation_allocations(game, inputs)
    sums = out.allocations.sum()
    # the game's rules and the community's own split (pool transfers cancel) are efficient
    for rule in ("Shapley", "nucleolus", "least core", "LEM price"):
        assert sums[rule] == pytest.approx(game.worths[-1], abs=1e-7), rule
        assert abs(out.core.loc[rule, "efficiency_gap"]) <= 1e-7
    assert out.grand_worth == game.worths[-1]
    assert list(out.allocations.columns[4:]) == [
        "Conventional", "MMR (Zhou 2018)", "Bill sharing (Zhou 2018)", "SDR"]
    # conventional settlement shares nothing: the savings are the batteries' alone
    assert sums["Conventional"] <= sums["LEM price"] + 1e-9

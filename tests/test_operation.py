"""REC operation with batteries (lectoolkit.operation, lectoolkit.operation_bilateral):
seed 004's stage 1, pool, bilateral market and total-share rules.

Reference values: the facts of ``rec_op_lem_prices``' own test suite quoted in issue 10
("Correct to the original's tests"), hand derivations written next to each test, and the
original's measured results on ``../shared/data/rec_instances`` (its README).
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lectoolkit.operation import (
    BATTERY_COLUMNS,
    DISPATCH_COLUMNS,
    OperationInputs,
    build_collective_model,
    build_individual_model,
    extract_dispatch,
    from_rec_op_inputs,
    run_collective,
    run_individual,
)
from lectoolkit.operation_prices import dual_prices, lem_pricing_loop
from lectoolkit.solvers import solve
from tests.conftest import every_solver

EVERY_SOLVER = every_solver()
INSTANCES = Path(__file__).resolve().parents[2] / "shared" / "data" / "rec_instances"
needs_instances = pytest.mark.skipif(not INSTANCES.is_dir(),
                                     reason="../shared/data/rec_instances is not present")


def battery_table(**columns) -> pd.DataFrame:
    values = {"capacity_kwh": 1.0, "power_kw": 1.0, "charge_efficiency": 1.0,
              "discharge_efficiency": 1.0, "soc_min": 0.0, "soc_max": 1.0, "initial_kwh": 0.0,
              "degradation_per_kwh": 0.01}
    values.update(columns)
    return pd.DataFrame({k: [v] for k, v in values.items()}, index=["m1"])


def original_test_case(**changes) -> OperationInputs:
    """The two-meter fixture of rec_op_lem_prices' tests (issue 10): T = 3, dt = 1 h."""
    members = ["m1", "m2"]

    def frame(m1, m2):
        return pd.DataFrame({"m1": m1, "m2": m2}, columns=members, dtype=float)

    values = dict(
        load_kwh=frame([0.0, 0.5, 0.0], [0.1, 0.1, 0.1]),
        pv_kwh=frame([0.9, 0.0, 0.0], [0.0, 0.0, 0.0]),
        price_buy_per_kwh=frame([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        price_sell_per_kwh=frame([0.0, 0.0, 0.9], [0.0, 0.0, 0.0]),
        price_market_buy_per_kwh=[2.0, 2.0, 2.0], price_market_sell_per_kwh=[0.0, 0.0, 1.0],
        price_access_per_kwh=[0.01, 0.01, 0.01], lem_price_per_kwh=[1.1, 1.1, 1.1],
        contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0,
        batteries=battery_table(), strict_positive_sharing=True,
    )
    values.update(changes)
    return OperationInputs(**values)


# --------------------------------------------------------------------------- the original's tests


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("formulation", ["reduced", "full"])
def test_stage1_meter1_of_the_original_tests(solver, formulation):
    """Meter 1 alone with retail buy [1, 2, 0], market buy [2, 2, 0], retail sell 0:
    cost -0.391 (0.009 of degradation), charge [.9, 0, 0], discharge [0, .5, .4],
    market export [0, 0, .4]."""
    inputs = original_test_case(
        price_buy_per_kwh=pd.DataFrame({"m1": [1.0, 2.0, 0.0], "m2": [2.0, 2.0, 2.0]}),
        price_market_buy_per_kwh=[2.0, 2.0, 0.0],
        price_sell_per_kwh=pd.DataFrame({"m1": [0.0, 0.0, 0.0], "m2": [0.0, 0.0, 0.0]}),
    )
    result = run_individual(inputs, solver=solver, formulation=formulation)
    assert result.status == "optimal"
    assert result.member_costs["m1"] == pytest.approx(-0.391, abs=1e-9)
    m1 = result.dispatch.xs("m1", level="member")
    assert (m1["discharge_kwh"].sum() * 0.01) == pytest.approx(0.009, abs=1e-9)
    np.testing.assert_allclose(m1["charge_kwh"], [0.9, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(m1["discharge_kwh"], [0.0, 0.5, 0.4], atol=1e-9)
    np.testing.assert_allclose(m1["export_market_kwh"], [0.0, 0.0, 0.4], atol=1e-9)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("formulation", ["reduced", "full"])
@pytest.mark.parametrize("split", ["solver", "min_volume"])
def test_two_stage_pool_of_the_original_tests(solver, formulation, split):
    """LEM price 1.1, stage-1 costs (-0.391, 0.600): objective -0.089, member costs
    -0.422 and 0.333."""
    result = run_collective(original_test_case(), no_loss=True, solver=solver,
                            formulation=formulation, split=split)
    assert result.status == "optimal"
    np.testing.assert_allclose(result.individual_costs, [-0.391, 0.600], atol=1e-9)
    assert result.objective == pytest.approx(-0.089, abs=1e-9)
    if split == "min_volume":  # the solver's own split differs between solvers
        np.testing.assert_allclose(result.member_costs, [-0.422, 0.333], atol=1e-9)
    assert result.member_costs.sum() == pytest.approx(result.objective, abs=1e-9)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_single_stage_pool_reaches_the_hand_derived_optimum(solver):
    """By hand: meter 2's 0.3 kWh all come from meter 1's PV (access 0.003), meter 1 stores
    at most 1 kWh and discharges 0.8 (0.008 of degradation) and exports the 0.1 left at
    market price 1.0: -0.1 + 0.003 + 0.008 = -0.089, the two-stage value (no bound binds)."""
    result = run_collective(original_test_case(), solver=solver)
    assert result.objective == pytest.approx(-0.089, abs=1e-9)
    flows = result.dispatch
    assert flows["shared_kwh"].xs("m2", level="member").sum() == pytest.approx(0.3, abs=1e-9)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("formulation", ["reduced", "full"])
def test_post_delivery_pool_of_the_original_tests(solver, formulation):
    """Objective 1.401, member costs 0.89 and 0.511, individual costs 1.0 and 0.6."""
    result = run_collective(original_test_case(), delivery="post", solver=solver,
                            formulation=formulation)  # split="min_volume": deterministic
    assert result.objective == pytest.approx(1.401, abs=1e-9)
    np.testing.assert_allclose(result.member_costs, [0.89, 0.511], atol=1e-9)
    np.testing.assert_allclose(result.individual_costs, [1.0, 0.6], atol=1e-12)


def quarter_hour_member() -> OperationInputs:
    net = np.array([1.275, -0.5, 0.5])
    return OperationInputs(
        load_kwh=np.maximum(net, 0.0)[:, None], pv_kwh=np.maximum(-net, 0.0)[:, None],
        price_buy_per_kwh=[[2.0], [2.0], [1.0]], price_sell_per_kwh=[[0.5], [0.5], [0.5]],
        price_market_buy_per_kwh=[1.0, 1.0, 2.0], price_market_sell_per_kwh=[0.1, 0.1, 1.0],
        price_access_per_kwh=[0.0, 0.0, 0.0], lem_price_per_kwh=[0.0, 0.0, 0.0],
        contracted_power_kw=[5.0], price_extra_power_per_kw=10.0, timestep_h=0.25)


def test_post_delivery_individual_cost_of_the_original_tests():
    """dt 0.25, net [1.275, -.5, .5]: cost 2.525, excess power [0.1, 0, 0] kW."""
    result = run_individual(quarter_hour_member(), delivery="post")
    assert result.objective == pytest.approx(2.525, abs=1e-12)
    np.testing.assert_allclose(result.dispatch["excess_kw"], [0.1, 0.0, 0.0], atol=1e-12)
    assert result.solver == "none"


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_post_delivery_closed_form_equals_the_milp(solver):
    inputs = quarter_hour_member()
    model = build_individual_model(inputs, delivery="post")
    assert solve(model, solver).objective == pytest.approx(2.525, abs=1e-9)
    np.testing.assert_allclose(extract_dispatch(model)["excess_kw"], [0.1, 0.0, 0.0],
                               atol=1e-9)
    closed = run_individual(original_test_case(), delivery="post")
    np.testing.assert_allclose(closed.member_costs, [1.0, 0.6], atol=1e-12)


# ------------------------------------------------------------------ the reduced formulation


def adversarial_case(rng) -> OperationInputs:
    """Prices under which the reduced formulation's conditions fail: sell above buy at some
    steps, negative access tariff at others, a contracted power that PV exceeds (so burning
    energy in a lossy battery pays), several members."""
    n_steps, n_members = 6, 3
    load = rng.uniform(0.0, 2.0, (n_steps, n_members))
    pv = rng.uniform(0.0, 4.0, (n_steps, n_members))
    buy = rng.uniform(0.1, 0.3, (n_steps, n_members))
    sell = rng.uniform(0.0, 0.35, (n_steps, n_members))
    batteries = pd.DataFrame({
        "capacity_kwh": [3.0, 2.0], "power_kw": [2.0, 1.5], "charge_efficiency": [0.9, 0.8],
        "discharge_efficiency": [0.9, 0.85], "soc_min": [0.1, 0.0], "soc_max": [0.9, 1.0],
        "initial_kwh": [1.0, 0.5], "degradation_per_kwh": [0.0, 0.02]}, index=[0, 2])
    return OperationInputs(
        load_kwh=load, pv_kwh=pv, price_buy_per_kwh=buy, price_sell_per_kwh=sell,
        price_market_buy_per_kwh=rng.uniform(0.1, 0.3, n_steps),
        price_market_sell_per_kwh=rng.uniform(-0.05, 0.1, n_steps),
        price_access_per_kwh=np.array([0.02, -0.01, 0.0, 0.05, -0.02, 0.01]),
        lem_price_per_kwh=np.full(n_steps, 0.15), contracted_power_kw=[1.5, 2.0, 1.0],
        price_extra_power_per_kw=0.5, timestep_h=1.0, batteries=batteries)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("no_loss", [False, True])
def test_reduced_formulation_equals_the_full_one_under_adversarial_prices(seed, no_loss):
    inputs = adversarial_case(np.random.default_rng(seed))
    for delivery in ("pre", "post"):
        full = run_collective(inputs, delivery=delivery, no_loss=no_loss, formulation="full",
                              mip_gap=0.0)
        reduced = run_collective(inputs, delivery=delivery, no_loss=no_loss, mip_gap=0.0)
        assert reduced.objective == pytest.approx(full.objective, abs=1e-6)
        assert max(reduced.check.values()) <= 1e-6
        indiv_full = run_individual(inputs, delivery=delivery, formulation="full", mip_gap=0.0)
        indiv = run_individual(inputs, delivery=delivery, mip_gap=0.0)
        assert indiv.objective == pytest.approx(indiv_full.objective, abs=1e-6)


def test_reduced_formulation_needs_no_binary_under_typical_tariffs():
    result = run_collective(original_test_case(), no_loss=True, split="solver")
    assert result.n_binaries == 0
    assert result.n_solves == 1
    with_split = run_collective(original_test_case(), no_loss=True)
    assert with_split.n_binaries == 0 and with_split.n_solves == 2  # + the min-volume solve


def test_negative_access_tariff_pays_the_shared_energy_it_defines():
    """With a negative access tariff the model must not claim shared energy beyond
    min(max(net, 0), max(purchase - sale, 0))."""
    inputs = original_test_case(price_access_per_kwh=[-0.5, -0.5, -0.5])
    result = run_collective(inputs, delivery="post")
    flows = result.dispatch
    exact = np.minimum(flows["net_kwh"].clip(lower=0),
                       (flows["pool_purchase_kwh"] - flows["pool_sale_kwh"]).clip(lower=0))
    np.testing.assert_allclose(flows["shared_kwh"], exact, atol=1e-9)
    full = run_collective(inputs, delivery="post", formulation="full")
    assert result.objective == pytest.approx(full.objective, abs=1e-9)


def test_strict_positive_sharing_forbids_reselling_grid_imports():
    """Meter 1 has a cheap tariff (0.1), meter 2 an expensive one (2.0): without the rule
    meter 1 would import for meter 2 through the pool."""
    base = dict(
        load_kwh=[[0.0, 1.0]], pv_kwh=[[0.0, 0.0]], price_buy_per_kwh=[[0.1, 2.0]],
        price_sell_per_kwh=[[0.0, 0.0]], price_market_buy_per_kwh=[3.0],
        price_market_sell_per_kwh=[0.0],
        price_access_per_kwh=[0.01], lem_price_per_kwh=[1.0], contracted_power_kw=[5.0, 5.0],
        price_extra_power_per_kw=10.0, timestep_h=1.0)
    strict = run_collective(OperationInputs(**base, strict_positive_sharing=True))
    free = run_collective(OperationInputs(**base, strict_positive_sharing=False))
    assert strict.objective == pytest.approx(2.0, abs=1e-9)
    assert free.objective == pytest.approx(0.11, abs=1e-9)


def test_strict_sharing_with_an_idle_battery_needs_no_binary():
    """Meter 0 (cheap tariff, 0.2 kWh load) has a battery whose discharge costs more than
    any resale could earn, so it stays idle and meter 0 may not sell to meter 1 (dear
    tariff). The hand-derived optimum: both import, 0.2 x 0.1 + 1.0 x 2.0 = 2.02 EUR. The
    chord of ``min(net, 0)`` over net's range [-0.8, 1.2] kWh would let an idle battery's
    owner sell 0.4 kWh while importing and need a binary; the convex envelope over the
    battery's charge and discharge does not."""
    batteries = pd.DataFrame({
        "capacity_kwh": [2.0], "power_kw": [1.0], "charge_efficiency": [1.0],
        "discharge_efficiency": [1.0], "soc_min": [0.0], "soc_max": [1.0],
        "initial_kwh": [1.0], "degradation_per_kwh": [5.0]}, index=[0])
    inputs = OperationInputs(
        load_kwh=[[0.2, 1.0]], pv_kwh=[[0.0, 0.0]], price_buy_per_kwh=[[0.1, 2.0]],
        price_sell_per_kwh=[[0.0, 0.0]], price_market_buy_per_kwh=[3.0],
        price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
        lem_price_per_kwh=[1.0], contracted_power_kw=[5.0, 5.0],
        price_extra_power_per_kw=10.0, timestep_h=1.0, batteries=batteries)
    result = run_collective(inputs, split="solver")
    assert result.objective == pytest.approx(2.02, abs=1e-9)
    assert result.n_binaries == 0 and result.n_solves == 1
    full = run_collective(inputs, formulation="full", mip_gap=0.0)
    assert full.objective == pytest.approx(2.02, abs=1e-9)


def test_two_stage_round_up_is_an_explicit_option():
    inputs = original_test_case()
    exact = run_collective(inputs, no_loss=True)
    rounded = run_collective(inputs, no_loss=True, no_loss_round_up=True)
    assert rounded.objective <= exact.objective + 1e-9


# --------------------------------------------------------------------------- inputs


def test_inputs_pair_pandas_by_label():
    inputs = original_test_case()
    shuffled = original_test_case(
        pv_kwh=inputs.pv_kwh[["m2", "m1"]].iloc[::-1],
        contracted_power_kw=pd.Series([7.0, 5.0], index=["m2", "m1"]),
        price_market_sell_per_kwh=pd.Series([1.0, 0.0, 0.0], index=[2, 1, 0]))
    assert shuffled.pv_kwh.equals(inputs.pv_kwh)
    assert shuffled.contracted_power_kw.tolist() == [5.0, 7.0]
    assert shuffled.price_market_sell_per_kwh.tolist() == [0.0, 0.0, 1.0]


def test_inputs_refuse_foreign_labels_and_bad_batteries():
    with pytest.raises(ValueError, match="^pv_kwh: labels differ"):
        original_test_case(pv_kwh=pd.DataFrame(np.zeros((3, 2)), columns=["a", "b"]))
    with pytest.raises(ValueError, match="^batteries: column 'initial_kwh'"):
        original_test_case(batteries=battery_table(initial_kwh=2.0))
    with pytest.raises(ValueError, match="^batteries: members"):
        original_test_case(batteries=battery_table().rename(index={"m1": "zz"}))
    with pytest.raises(TypeError, match="^timestep_h:"):
        original_test_case(timestep_h=True)


def test_inputs_are_frozen():
    inputs = original_test_case()
    with pytest.raises(AttributeError):
        inputs.timestep_h = 2.0


def load_instance(name: str) -> dict:
    return json.loads((INSTANCES / f"rec_{name}.json").read_text())


ALL_INSTANCES = ["n5_s24", "n10_s24", "n20_s24", "n50_s24", "n5_s96", "n10_s96", "n20_s96",
                 "n50_s96"]


@needs_instances
@pytest.mark.parametrize("name", ALL_INSTANCES)
def test_from_rec_op_inputs_reads_the_instances_without_mutating_them(name):
    data = load_instance(name)
    before = copy.deepcopy(data)
    inputs = from_rec_op_inputs(data)
    assert data == before
    n_members, n_steps = (int(part[1:]) for part in name.split("_"))
    assert inputs.load_kwh.shape == (n_steps, n_members)
    assert list(inputs.members) == list(data["meters"])
    assert inputs.timestep_h == pytest.approx(24.0 / n_steps)
    assert list(inputs.batteries.index) == list(data["meters"])[::2]  # odd-numbered meters
    assert inputs.batteries["soc_min"].eq(0.10).all()  # 10 % in the original's format
    assert inputs.batteries["soc_max"].eq(1.0).all()
    assert list(inputs.batteries.columns) == list(BATTERY_COLUMNS)
    first = data["meters"][inputs.members[0]]
    np.testing.assert_array_equal(inputs.pv_kwh.iloc[:, 0], first["e_g"])
    assert inputs.strict_positive_sharing and not inputs.total_share


def test_from_rec_op_inputs_refuses_broken_dicts():
    data = load_instance("n5_s24") if INSTANCES.is_dir() else None
    if data is None:
        pytest.skip("instances not present")
    broken = copy.deepcopy(data)
    broken["horizon"] = 12.0
    with pytest.raises(ValueError, match="^data: horizon"):
        from_rec_op_inputs(broken)
    broken = copy.deepcopy(data)
    del broken["meters"]["Meter#2"]["e_c"]
    with pytest.raises(ValueError, match="^data: meters.Meter#2 has no key 'e_c'"):
        from_rec_op_inputs(broken)
    broken = copy.deepcopy(data)
    broken["meters"]["Meter#1"]["btm_storage"]["Storage#1"]["soc_max"] = 120.0
    with pytest.raises(ValueError, match="^data: batteries"):
        from_rec_op_inputs(broken)


# The original's measured results (instances README): sum of stage-1 costs and the
# two-stage community cost it reported at its 300 s time limit.
STAGE1_SUMS = {"n5_s24": 0.3957, "n10_s24": 3.7058, "n20_s24": 15.1628, "n50_s24": 16.9151,
               "n5_s96": 0.3596, "n10_s96": 3.7146}
ORIGINAL_TWO_STAGE = {"n5_s24": -1.3985, "n10_s24": 1.3095, "n20_s24": 6.8660,
                      "n50_s24": -0.5538, "n5_s96": -1.4030, "n10_s96": 1.5792}
SLOW = {"n20_s24", "n50_s24", "n10_s96", "n20_s96", "n50_s96"}


@needs_instances
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name
    for name in ALL_INSTANCES])
def test_every_instance_solves_to_proven_optimality(name):
    inputs = from_rec_op_inputs(load_instance(name))
    start = time.perf_counter()
    result = run_collective(inputs, no_loss=True, no_loss_round_up=True)
    elapsed = time.perf_counter() - start
    assert result.status == "optimal"
    assert max(result.check.values()) <= 1e-6
    if name in STAGE1_SUMS:
        assert result.individual_costs.sum() == pytest.approx(STAGE1_SUMS[name], abs=5e-5)
        # ours is proven optimal; the original stopped at its time limit
        assert result.objective <= ORIGINAL_TWO_STAGE[name] + 5e-5
    assert elapsed < 120.0


# --------------------------------------------------------------------------- the lifecycle


def test_build_collective_model_has_the_named_constraint_families():
    model = build_collective_model(original_test_case(),
                                   max_member_costs=[-0.391, 0.6])
    for family in ("grid_balance", "power_import", "power_export",
                   "import_exclusive", "export_exclusive", "storage_balance",
                   "charge_exclusive", "discharge_exclusive", "pool_balance",
                   "shared_meter_lower", "shared_pool_lower", "strict_sharing", "no_loss"):
        assert hasattr(model, family), family
    assert solve(model).objective == pytest.approx(-0.089, abs=1e-9)
    dispatch = extract_dispatch(model)
    assert list(dispatch.columns) == list(DISPATCH_COLUMNS)
    assert dispatch.shape == (6, len(DISPATCH_COLUMNS))


def test_extract_dispatch_refuses_an_unsolved_model():
    with pytest.raises(ValueError, match="^model: .* has not been solved"):
        extract_dispatch(build_individual_model(original_test_case()))


def test_unimplemented_modes_say_so():
    with pytest.raises(NotImplementedError, match="^market"):
        dual_prices(original_test_case(), market="bilateral")
    with pytest.raises(NotImplementedError, match="^inputs: total_share"):
        dual_prices(original_test_case(total_share=True))


# --------------------------------------------------------------------------- dual prices


def assert_inside(prices, expected):
    """Each expected dual lies in the interval of valid duals (never a solver's vertex)."""
    low = prices["low_per_kwh"].to_numpy()
    high = prices["high_per_kwh"].to_numpy()
    expected = np.asarray(expected)
    assert (low <= expected + 1e-6).all() and (expected <= high + 1e-6).all(), (
        f"{expected} not inside [{low}, {high}]")
    point = prices["price_per_kwh"].to_numpy()
    assert ((low - 1e-9 <= point) & (point <= high + 1e-9)).all()


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_two_stage_pool_duals_of_the_original_tests(solver):
    prices = dual_prices(original_test_case(), no_loss=True, solver=solver)
    assert_inside(prices, [0.99, 1.0, 1.0])


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_single_stage_pool_duals_of_the_original_tests(solver):
    assert_inside(dual_prices(original_test_case(), solver=solver), [0.99, 1.0, 1.0])


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_post_delivery_pool_duals_of_the_original_tests(solver):
    """Steps 1 and 2: nobody has a surplus, so withdrawing pool energy is infeasible
    (``high`` is inf); an injected kWh saves an import at 2.0 minus the 0.01 access tariff."""
    prices = dual_prices(original_test_case(), delivery="post", solver=solver)
    assert_inside(prices, [0.0, 2.0, 2.0])
    np.testing.assert_allclose(prices["low_per_kwh"], [0.0, 1.99, 1.99], atol=1e-6)
    assert np.isinf(prices["high_per_kwh"].iloc[1:]).all()


def test_values_beyond_the_solvers_range_are_refused_before_building():
    """LP solvers treat 1e20 as infinite: a 1e300 kWh load must not become a silent wrong
    optimum."""
    huge = original_test_case(load_kwh=original_test_case().load_kwh * 1e300)
    with pytest.raises(ValueError, match="^inputs: flows of up to"):
        run_collective(huge)
    with pytest.raises(ValueError, match="^lem_price_per_kwh:"):
        run_collective(original_test_case(), lem_price_per_kwh=[1e12] * 3)


def test_min_volume_split_is_the_hand_derived_one():
    """Member a has 1 kWh of surplus, member b needs 0.5 kWh; both export at 0.05. Routing
    a's extra 0.5 kWh through the pool and b's meter back to the grid costs nothing, so the
    optimum does not fix the split; the least pool volume (0.5 kWh) does: a gets
    0.5 x 0.10 (LEM) + 0.5 x 0.05 (export) = 0.075, b pays 0.5 x (0.10 + 0.01 access)."""
    inputs = OperationInputs(
        load_kwh=pd.DataFrame({"a": [0.0], "b": [0.5]}), pv_kwh=[[1.0, 0.0]],
        price_buy_per_kwh=[[0.2, 0.2]], price_sell_per_kwh=[[0.05, 0.05]],
        price_market_buy_per_kwh=[0.3],
        price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
        contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0)
    result = run_collective(inputs, delivery="post", split="min_volume")
    assert result.objective == pytest.approx(-0.025 + 0.005, abs=1e-9)
    np.testing.assert_allclose(result.member_costs, [-0.075, 0.055], atol=1e-9)
    np.testing.assert_allclose(result.dispatch["pool_purchase_kwh"], [0.0, 0.5], atol=1e-9)
    np.testing.assert_allclose(result.dispatch["pool_sale_kwh"], [0.5, 0.0], atol=1e-9)



@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_min_volume_ties_go_to_the_earliest_trade(solver):
    """a has 1 kWh of PV at step 0, b needs 1 kWh at step 1; both have a lossless 1 kWh
    battery without degradation. a can sell at step 0 (b stores it) or store and sell at
    step 1: the same community cost (access 0.01 on 1 kWh) and the same pool volume
    (1 kWh), but different LEM prices (0.10 and 0.12). The earliest-trade rule picks step
    0: a earns 0.10, b pays 0.10 + 0.01."""
    batteries = pd.DataFrame({c: [v, v] for c, v in dict(
        capacity_kwh=1.0, power_kw=1.0, charge_efficiency=1.0, discharge_efficiency=1.0,
        soc_min=0.0, soc_max=1.0, initial_kwh=0.0, degradation_per_kwh=0.0).items()},
        index=["a", "b"])
    inputs = OperationInputs(
        load_kwh=pd.DataFrame({"a": [0.0, 0.0], "b": [0.0, 1.0]}), pv_kwh=[[1.0, 0.0], [0.0, 0.0]],
        price_buy_per_kwh=np.full((2, 2), 0.2), price_sell_per_kwh=np.full((2, 2), 0.05),
        price_market_buy_per_kwh=[0.3, 0.3], price_market_sell_per_kwh=[0.0, 0.0],
        price_access_per_kwh=[0.01, 0.01], lem_price_per_kwh=[0.10, 0.12],
        contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0,
        batteries=batteries)
    result = run_collective(inputs, solver=solver)
    assert result.objective == pytest.approx(0.01, abs=1e-9)
    np.testing.assert_allclose(result.member_costs, [-0.10, 0.11], atol=1e-9)
    flows = result.dispatch
    np.testing.assert_allclose(flows["pool_sale_kwh"], [1.0, 0.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(flows["charge_kwh"], [0.0, 1.0, 0.0, 0.0], atol=1e-9)


def typical_case(rng, n_members=3, n_steps=6, strict=False) -> OperationInputs:
    """Random profiles, tariffs meeting the reduced formulation's conditions, batteries."""
    buy = rng.uniform(0.15, 0.3, (n_steps, n_members))
    members = [f"m{i}" for i in range(n_members)]
    batteries = pd.DataFrame({
        "capacity_kwh": [2.0, 1.5], "power_kw": [1.0, 0.8], "charge_efficiency": [0.95, 0.9],
        "discharge_efficiency": [0.95, 0.9], "soc_min": [0.1, 0.0], "soc_max": [0.9, 1.0],
        "initial_kwh": [1.0, 0.5], "degradation_per_kwh": [0.01, 0.0]}, index=members[:2])
    return OperationInputs(
        load_kwh=pd.DataFrame(rng.uniform(0.0, 1.5, (n_steps, n_members)), columns=members),
        pv_kwh=rng.uniform(0.0, 2.0, (n_steps, n_members)) * (rng.random(n_members) < 0.7),
        price_buy_per_kwh=buy,
        price_sell_per_kwh=buy - rng.uniform(0.1, 0.15, (n_steps, n_members)),
        price_market_buy_per_kwh=rng.uniform(0.2, 0.4, n_steps),
        price_market_sell_per_kwh=rng.uniform(0.0, 0.05, n_steps),
        price_access_per_kwh=rng.uniform(0.0, 0.05, n_steps),
        lem_price_per_kwh=rng.uniform(0.05, 0.2, n_steps), contracted_power_kw=[2.0] * n_members,
        price_extra_power_per_kw=1.0, timestep_h=1.0, batteries=batteries,
        strict_positive_sharing=strict)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("strict", [False, True])
def test_least_volume_split_equals_the_full_formulations(seed, strict):
    """The split's least volume equals the least volume of the original's formulation
    among its optima (a pyomo MILP with the cost capped at its optimum): an independent
    route to the same number. Without strictly positive sharing the reduced model is an
    LP and the split runs on the optimal face found by complementary slackness; with it
    some seeds add binaries back and the split caps the cost."""
    inputs = typical_case(np.random.default_rng(seed), n_steps=4, strict=strict)
    for no_loss in (False, True):
        ours = run_collective(inputs, no_loss=no_loss, mip_gap=0.0)
        assert strict or ours.n_binaries == 0
        full = run_collective(inputs, no_loss=no_loss, mip_gap=0.0, formulation="full")
        assert ours.objective == pytest.approx(full.objective, abs=1e-6)

        def volume(result):
            flows = result.dispatch
            return float((flows["pool_purchase_kwh"] - flows["pool_sale_kwh"]).abs().sum())

        assert volume(ours) == pytest.approx(volume(full), abs=1e-6)
        assert volume(ours) > 1e-3  # the pool is used: the comparison is not vacuous

# The original's single-stage pool (dual_pre_pool, LEM price 0) at its time limit.
ORIGINAL_SINGLE_STAGE = {"n20_s24": 6.2521, "n20_s96": 6.5787}


@needs_instances
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ORIGINAL_SINGLE_STAGE))
def test_single_stage_pool_is_at_most_the_original_cost(name):
    inputs = from_rec_op_inputs(load_instance(name))
    result = run_collective(inputs, lem_price_per_kwh=np.zeros(inputs.n_steps))
    assert result.status == "optimal"
    assert result.objective <= ORIGINAL_SINGLE_STAGE[name] + 5e-5


def test_inputs_copy_the_callers_arrays():
    load = np.array([[1.0, 0.0]])
    inputs = OperationInputs(
        load_kwh=load, pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
        price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
        price_market_sell_per_kwh=[0.0],
        price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1], contracted_power_kw=[5.0, 5.0],
        price_extra_power_per_kw=10.0, timestep_h=1.0)
    load[0, 0] = -5.0
    assert inputs.load_kwh.iloc[0, 0] == 1.0
    assert inputs.batteries.empty and list(inputs.batteries.columns) == list(BATTERY_COLUMNS)


# --------------------------------------------------------------------------- pricing loops

LOOP_REFERENCE = [  # the original's tests: (delivery, rule, prices, iterations or None)
    ("pre", "mmr", [1.0, 1.0, 1.5], 3),
    ("pre", "sdr", [0.0, 0.0, 1.0], 3),
    ("pre", "crossing_value", [0.0, 2.0, 2.0], None),  # 4 in the original: see below
    ("post", "mmr", [1.0, 0.0, 0.0], None),
    ("post", "sdr", [0.0, 0.0, 0.0], None),
    ("post", "crossing_value", [0.0, 2.0, 2.0], None),
]


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize(("delivery", "rule", "expected", "iterations"), LOOP_REFERENCE)
def test_pricing_loops_of_the_original_tests(solver, delivery, rule, expected, iterations):
    """The pool loops reach the original's prices. The pre-delivery crossing-value loop
    takes 4 iterations in the original: its path follows the solver's choice among equally
    optimal dispatches (3 here with HiGHS, 4 with GLPK); only the prices are the reference."""
    loop = lem_pricing_loop(original_test_case(), rule, delivery=delivery, solver=solver)
    np.testing.assert_allclose(loop.prices, expected, atol=1e-9)
    assert loop.converged
    if iterations is not None:
        assert loop.iterations == iterations
    history = loop.history.to_numpy()
    assert history.shape == (loop.iterations + 1, 3)
    np.testing.assert_allclose(history[0], 10.0)  # the original's starting price
    # stopped because the last vector returned to an earlier one (within tol)
    assert (np.linalg.norm(history[:-1] - history[-1], axis=1) < 0.01).any()
    # the best optimum is the two-stage pool at the reported prices
    again = run_collective(original_test_case(), delivery=delivery, no_loss=True,
                           lem_price_per_kwh=loop.prices, solver=solver)
    assert loop.best.objective == pytest.approx(again.objective, abs=1e-6)


def test_post_delivery_loop_prices_the_metered_offers_once():
    """After delivery the net flows are fixed: the loop prices the metered offers once and
    stops at the second (equal) vector; the best optimum is the post-delivery pool of the
    original's tests (objective 1.401)."""
    from lectoolkit import lem

    inputs = original_test_case()
    offers = lem.build_offers(inputs.load_kwh, inputs.pv_kwh,
                              price_buy_per_kwh=inputs.price_buy_per_kwh,
                              price_sell_per_kwh=inputs.price_sell_per_kwh,
                              price_market_buy_per_kwh=inputs.price_market_buy_per_kwh,
                              price_market_sell_per_kwh=inputs.price_market_sell_per_kwh)
    loop = lem_pricing_loop(inputs, "mmr", delivery="post")
    np.testing.assert_allclose(loop.prices, lem.lem_prices(offers, "mmr", steps=inputs.steps))
    assert loop.iterations == 2
    assert loop.best.objective == pytest.approx(1.401, abs=1e-9)


def test_pricing_loop_stops_at_max_iterations_unconverged():
    loop = lem_pricing_loop(original_test_case(), "mmr", max_iterations=1)
    assert loop.iterations == 1 and not loop.converged
    np.testing.assert_allclose(loop.history.iloc[1], [1.0, 0.0, 0.0])  # offers of load - pv


def test_pricing_loop_refuses_options_of_another_rule():
    with pytest.raises(ValueError, match="^divider"):
        lem_pricing_loop(original_test_case(), "sdr", divider=0.3)
    with pytest.raises(ValueError, match="^compensation_share"):
        lem_pricing_loop(original_test_case(), "mmr", compensation_share=0.3)


# --------------------------------------------------------------------------- time limits


@needs_instances
@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_time_limited_collective_reports_its_gap_not_optimal(solver):
    """The full formulation of n5_s24 does not finish in a second: the result is the
    checked incumbent with ``status="time_limit"`` and the achieved gap, whose bound lies
    below the proven optimum of the reduced formulation."""
    inputs = from_rec_op_inputs(load_instance("n5_s24"))
    limited = run_collective(inputs, formulation="full", time_limit_s=1, solver=solver)
    proven = run_collective(inputs, solver=solver)
    assert limited.status == "time_limit" and proven.status == "optimal"
    assert max(limited.check.values()) <= 1e-6
    assert limited.objective >= proven.objective - 1e-6
    assert limited.member_costs.sum() == pytest.approx(limited.objective, abs=1e-6)
    if solver == "glpk":  # GLPK's bound does not reach pyomo: the gap is unknown
        assert limited.mip_gap == np.inf
    else:
        assert 1e-4 < limited.mip_gap < np.inf
        bound = limited.objective - limited.mip_gap * abs(limited.objective)
        assert bound <= proven.objective + 1e-6


# --------------------------------------------------------------------------- bilateral market


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("split", ["min_volume", "solver"])
@pytest.mark.parametrize("formulation", ["reduced", "full"])
def test_bilateral_market_of_the_original_tests(solver, split, formulation):
    """With two members a bilateral market is a pool (m1's sales are m2's purchases), so
    the original's pool facts hold: post-delivery objective 1.401 (member costs 0.89 and
    0.511 with the least-volume split); two-stage pre-delivery with LEM price 1.1:
    objective -0.089, member costs -0.422 and 0.333."""
    post = run_collective(original_test_case(), market="bilateral", delivery="post",
                          solver=solver, split=split, formulation=formulation)
    assert post.status == "optimal"
    assert post.objective == pytest.approx(1.401, abs=1e-6)
    pre = run_collective(original_test_case(), market="bilateral", no_loss=True,
                         solver=solver, split=split, formulation=formulation)
    # the no-loss bounds carry 1e-6 EUR of solver tolerance per member (run_collective)
    assert pre.objective == pytest.approx(-0.089, abs=1e-5)
    if split == "min_volume":  # the solver's own split is not unique
        assert pre.member_costs.tolist() == pytest.approx([-0.422, 0.333], abs=1e-5)
        assert post.member_costs.tolist() == pytest.approx([0.89, 0.511], abs=1e-6)
    for result in (post, pre):
        assert max(result.check.values()) <= 1e-6


def three_members(**changes) -> OperationInputs:
    """One step: A has 1 kWh of PV surplus, B and C need 1 kWh each. Buy 1, sell 0,
    market buy 2, market sell 0, LEM price 0.5, access tariff 0.05."""
    values = dict(
        load_kwh=pd.DataFrame({"A": [0.0], "B": [1.0], "C": [1.0]}),
        pv_kwh=pd.DataFrame({"A": [1.0], "B": [0.0], "C": [0.0]}),
        price_buy_per_kwh=np.ones((1, 3)), price_sell_per_kwh=np.zeros((1, 3)),
        price_market_buy_per_kwh=[2.0], price_market_sell_per_kwh=[0.0],
        price_access_per_kwh=[0.05], lem_price_per_kwh=[0.5], contracted_power_kw=[5.0] * 3,
        price_extra_power_per_kw=10.0, timestep_h=1.0)
    values.update(changes)
    return OperationInputs(**values)


def pair_tariffs(b_from_a, c_from_a, other=9.0):
    """Tariff array [t, buyer, seller] for members A, B, C (others: ``other``)."""
    pair = np.full((1, 3, 3), other)
    pair[0, 1, 0] = b_from_a
    pair[0, 2, 0] = c_from_a
    return pair


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize(("b_from_a", "c_from_a", "objective", "buyer"), [
    # A's kWh goes to the buyer of the cheapest pair: cost = 1 kWh from the retailer
    # (B or C) + 1 kWh shared at the cheaper tariff = 1 + min tariff, when that tariff is
    # below the margin 1 (buy) - 0 (sell); else nobody trades and the cost is 2.
    (0.1, 0.3, 1.1, "B"),
    (0.3, 0.1, 1.1, "C"),
    (0.4, 1.2, 1.4, "B"),
    (1.5, 1.2, 2.0, None),
    # negative tariff: the shared kWh is paid 0.2 -> 1 - 0.2; shared energy is capped
    # by its definition (1 kWh), so the bonus cannot be inflated
    (-0.2, 0.3, 0.8, "B"),
])
@pytest.mark.parametrize("formulation", ["reduced", "full"])
def test_bilateral_trade_goes_to_the_cheapest_pair(solver, formulation, b_from_a, c_from_a,
                                                   objective, buyer):
    result = run_collective(three_members(), market="bilateral", delivery="post",
                            solver=solver, formulation=formulation,
                            price_access_pair_per_kwh=pair_tariffs(b_from_a, c_from_a))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(objective, abs=1e-6)
    trades = result.trades["energy_kwh"]
    expected = pd.Series(0.0, index=trades.index)
    if buyer is not None:
        expected[(0, "A", buyer)] = 1.0
        # member costs: the buyer pays the LEM price 0.5 and the pair tariff, A earns
        # 0.5, the other buyer pays 1 at retail
        tariff = b_from_a if buyer == "B" else c_from_a
        costs = {"A": -0.5, "B": 1.0, "C": 1.0}
        costs[buyer] = 0.5 + tariff
        assert result.member_costs.to_dict() == pytest.approx(costs, abs=1e-6)
        assert result.trades["shared_kwh"].to_numpy() == pytest.approx(expected.to_numpy(),
                                                                       abs=1e-6)
    pd.testing.assert_series_equal(trades, expected, atol=1e-6, check_names=False)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("no_loss", [False, True])
def test_bilateral_with_uniform_tariffs_equals_the_pool(seed, no_loss):
    """Uniform pair tariffs: the bilateral optimum is the pool's. A bilateral dispatch is a
    pool dispatch of the same cost (aggregate each member's trades); a pool dispatch is a
    bilateral one of the same cost (route each seller's net sale to the buyers in
    proportion to their net purchases: every aggregate, hence every constraint and cost,
    is unchanged, and with one tariff per step the split of shared energy over sellers
    costs the same). Includes negative access tariffs and batteries."""
    inputs = adversarial_case(np.random.default_rng(seed))
    for delivery in ("pre", "post"):
        pool = run_collective(inputs, delivery=delivery, no_loss=no_loss, mip_gap=0.0)
        # the full bilateral MILP (independent of the pool route of "reduced")
        full = run_collective(inputs, market="bilateral", delivery=delivery,
                              no_loss=no_loss, mip_gap=0.0, split="solver",
                              formulation="full")
        reduced = run_collective(inputs, market="bilateral", delivery=delivery,
                                 no_loss=no_loss, mip_gap=0.0)
        assert full.status == reduced.status == "optimal"
        assert full.objective == pytest.approx(pool.objective, abs=1e-6)
        assert reduced.objective == pytest.approx(pool.objective, abs=1e-6)
        # the reduced route gives the pool's split (least volume, earliest trades)
        np.testing.assert_allclose(reduced.member_costs, pool.member_costs, atol=1e-6)
        assert reduced.n_binaries == pool.n_binaries  # went through the pool relaxation
        for result in (full, reduced):
            assert max(result.check.values()) <= 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_bilateral_reduced_route_equals_the_full_milp_with_unequal_tariffs(seed):
    """Unequal pair tariffs: the pool relaxation's routed optimum is accepted only where
    it attains the relaxation's bound; either way the result is the full MILP's optimum."""
    inputs = adversarial_case(np.random.default_rng(seed))
    pair = np.random.default_rng(10 + seed).uniform(-0.02, 0.06, (6, 3, 3))
    for delivery in ("pre", "post"):
        full = run_collective(inputs, market="bilateral", delivery=delivery, mip_gap=0.0,
                              split="solver", formulation="full",
                              price_access_pair_per_kwh=pair)
        reduced = run_collective(inputs, market="bilateral", delivery=delivery, mip_gap=0.0,
                                 split="solver", price_access_pair_per_kwh=pair)
        assert reduced.objective == pytest.approx(full.objective, abs=1e-6)
        assert max(reduced.check.values()) <= 1e-6


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_bilateral_solvers_agree_and_pair_tariffs_only_raise_the_cost(solver):
    """Raising any pair's tariff can only raise the optimum (the same dispatch stays
    feasible and costs no less); lowering every pair to the floor gives the pool with
    that floor as access tariff (previous test's argument)."""
    inputs = adversarial_case(np.random.default_rng(7))
    access = inputs.price_access_per_kwh.to_numpy()
    pair = np.broadcast_to(access[:, None, None], (6, 3, 3)).copy()
    base = run_collective(inputs, market="bilateral", solver=solver, mip_gap=0.0,
                          price_access_pair_per_kwh=pair, split="solver")
    reference = run_collective(inputs, market="bilateral", mip_gap=0.0, split="solver")
    assert base.objective == pytest.approx(reference.objective, abs=1e-6)
    pair[:, 0, 1] += 0.1
    pair[:, 2, 0] += 0.05
    dearer = run_collective(inputs, market="bilateral", solver=solver, mip_gap=0.0,
                            price_access_pair_per_kwh=pair, split="solver")
    assert dearer.objective >= base.objective - 1e-6
    full = run_collective(inputs, market="bilateral", mip_gap=0.0, formulation="full",
                          price_access_pair_per_kwh=pair, split="solver")
    assert dearer.objective == pytest.approx(full.objective, abs=1e-6)


def test_bilateral_trades_add_up_to_the_dispatch():
    inputs = adversarial_case(np.random.default_rng(1))
    pair = np.random.default_rng(2).uniform(-0.02, 0.05, (6, 3, 3))
    result = run_collective(inputs, market="bilateral", price_access_pair_per_kwh=pair)
    trades, dispatch = result.trades, result.dispatch
    assert list(trades.columns) == ["energy_kwh", "shared_kwh"]
    assert trades.index.names == ["step", "seller", "buyer"]
    sold = trades["energy_kwh"].groupby(level=["step", "seller"]).sum()
    bought = trades["energy_kwh"].groupby(level=["step", "buyer"]).sum()
    shared = trades["shared_kwh"].groupby(level=["step", "buyer"]).sum()
    np.testing.assert_allclose(sold.to_numpy(), dispatch["pool_sale_kwh"].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(bought.to_numpy(), dispatch["pool_purchase_kwh"].to_numpy(),
                               atol=1e-6)
    np.testing.assert_allclose(shared.to_numpy(), dispatch["shared_kwh"].to_numpy(), atol=1e-6)
    assert (trades["shared_kwh"] <= trades["energy_kwh"] + 1e-9).all()
    # the community cost recomputed from the trades and the pair tariffs
    steps = trades.index.codes[0]
    sellers = trades.index.codes[1]
    buyers = trades.index.codes[2]
    access = float((trades["shared_kwh"].to_numpy() * pair[steps, buyers, sellers]).sum())
    d = dispatch
    stage1 = ((d["import_retail_kwh"] * inputs.price_buy_per_kwh.stack().to_numpy()).sum()
              + (d["import_market_kwh"].to_numpy().reshape(6, 3)
                 * inputs.price_market_buy_per_kwh.to_numpy()[:, None]).sum()
              - (d["export_retail_kwh"] * inputs.price_sell_per_kwh.stack().to_numpy()).sum()
              - (d["export_market_kwh"].to_numpy().reshape(6, 3)
                 * inputs.price_market_sell_per_kwh.to_numpy()[:, None]).sum()
              + inputs.price_extra_power_per_kw * d["excess_kw"].sum()
              + 0.02 * d["discharge_kwh"].xs(2, level=1).sum())
    assert result.objective == pytest.approx(stage1 + access, abs=1e-6)


def test_build_collective_model_bilateral_has_the_named_constraint_families():
    model = build_collective_model(original_test_case(), market="bilateral", delivery="post")
    for family in ("bilateral_balance", "bilateral_purchases", "bilateral_sales",
                   "shared_allocation", "shared_pair_limit", "grid_balance",
                   "shared_meter_lower", "strict_sharing"):
        assert hasattr(model, family), family
    assert len(model.bilateral_balance) == 2 * 3  # ordered pairs x steps
    assert solve(model).objective == pytest.approx(1.401, abs=1e-6)
    dispatch = extract_dispatch(model)
    assert list(dispatch.columns) == list(DISPATCH_COLUMNS)
    net = (dispatch["pool_purchase_kwh"] - dispatch["pool_sale_kwh"]).groupby(level=0).sum()
    np.testing.assert_allclose(net.to_numpy(), 0.0, atol=1e-6)


def test_pair_tariffs_are_validated():
    inputs = three_members()
    with pytest.raises(ValueError, match="^price_access_pair_per_kwh: applies to market"):
        run_collective(inputs, price_access_pair_per_kwh=pair_tariffs(0.1, 0.2))
    with pytest.raises(ValueError, match="^price_access_pair_per_kwh: expected shape"):
        run_collective(inputs, market="bilateral", price_access_pair_per_kwh=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="^price_access_pair_per_kwh"):
        run_collective(inputs, market="bilateral",
                       price_access_pair_per_kwh=pair_tariffs(np.nan, 0.2))
    pair = pair_tariffs(0.1, 0.2)
    before = pair.copy()
    run_collective(inputs, market="bilateral", delivery="post", price_access_pair_per_kwh=pair)
    np.testing.assert_array_equal(pair, before)


@pytest.mark.parametrize(("delivery", "rule"), [(d, r) for d, r, *_ in LOOP_REFERENCE])
def test_bilateral_pricing_loops_of_the_original_test_case(delivery, rule):
    """``loop_*_bilateral_*`` of the seed on its two-member case. With two members every
    bilateral dispatch is a pool dispatch and back (m1's sales are m2's purchases), so at
    every price vector the loop tries, the bilateral two-stage optimum equals the pool's.
    The loop's path (hence its reported prices) follows the dispatch chosen among equal
    optima, so the prices themselves are not compared with the pool loop's."""
    loop = lem_pricing_loop(original_test_case(), rule, delivery=delivery, market="bilateral")
    assert loop.converged
    assert loop.best.trades is not None
    for prices in loop.history.to_numpy()[1:]:
        bilateral = run_collective(original_test_case(), market="bilateral",
                                   delivery=delivery, no_loss=True, lem_price_per_kwh=prices,
                                   split="solver")
        pool = run_collective(original_test_case(), delivery=delivery, no_loss=True,
                              lem_price_per_kwh=prices, split="solver")
        assert bilateral.objective == pytest.approx(pool.objective, abs=1e-6)
    again = run_collective(original_test_case(), market="bilateral", delivery=delivery,
                           no_loss=True, lem_price_per_kwh=loop.prices)
    assert loop.best.objective == pytest.approx(again.objective, abs=1e-6)


def test_bilateral_pricing_loop_uses_the_pair_tariffs():
    """Three members, one step, A's surplus goes to the cheaper pair (see
    test_bilateral_trade_goes_to_the_cheapest_pair): the loop's best optimum is the
    bilateral one with the pair tariffs (1.1), not the pool's with the uniform 0.05."""
    loop = lem_pricing_loop(three_members(), "mmr", delivery="post", market="bilateral",
                            price_access_pair_per_kwh=pair_tariffs(0.1, 0.3))
    assert loop.best.objective == pytest.approx(1.1, abs=1e-6)
    with pytest.raises(ValueError, match="^price_access_pair_per_kwh: applies to market"):
        lem_pricing_loop(three_members(), "mmr", price_access_pair_per_kwh=pair_tariffs(0, 0))


# --------------------------------------------------------------------------- total-share rules


def total_share_case(pv_a, load_b, load_c, total_share) -> OperationInputs:
    """One step, members A (PV), B, C (loads); buy 1, sell 0, market buy 2, market sell 0,
    access tariff 1.5 > the margin 1 - 0: without the rules nobody trades."""
    return OperationInputs(
        load_kwh=pd.DataFrame({"A": [0.0], "B": [load_b], "C": [load_c]}),
        pv_kwh=pd.DataFrame({"A": [pv_a], "B": [0.0], "C": [0.0]}),
        price_buy_per_kwh=np.ones((1, 3)), price_sell_per_kwh=np.zeros((1, 3)),
        price_market_buy_per_kwh=[2.0], price_market_sell_per_kwh=[0.0],
        price_access_per_kwh=[1.5], lem_price_per_kwh=[0.5], contracted_power_kw=[5.0] * 3,
        price_extra_power_per_kw=10.0, timestep_h=1.0, total_share=total_share)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("market", ["pool", "bilateral"])
@pytest.mark.parametrize("formulation", ["reduced", "full"])
@pytest.mark.parametrize(("profile", "without", "with_rules", "pool_net"), [
    # community in surplus (1 - 0.6): B and C must buy all their deficit, 0.3 kWh each,
    # from the pool, paying the access tariff on it: 0.6 x 1.5 = 0.9 (A exports 0.4 at
    # 0); without the rules B and C buy at retail: 0.6.
    ((1.0, 0.3, 0.3), 0.6, 0.9, [-0.6, 0.3, 0.3]),
    # community in deficit (1.5 - 0.2): A must sell all its 0.2 kWh; a buyer consumes it
    # at 1.5 instead of 1 at retail: 1.5 - 0.2 + 0.2 x 1.5 = 1.6; without: 1.5.
    ((0.2, 1.0, 0.5), 1.5, 1.6, None),
])
def test_total_share_rules_force_the_hand_derived_trades(solver, market, formulation, profile,
                                                         without, with_rules, pool_net):
    free = run_collective(total_share_case(*profile, False), market=market, delivery="post",
                          solver=solver, formulation=formulation)
    ruled = run_collective(total_share_case(*profile, True), market=market, delivery="post",
                           solver=solver, formulation=formulation)
    assert free.objective == pytest.approx(without, abs=1e-6)
    assert ruled.status == "optimal"
    assert ruled.objective == pytest.approx(with_rules, abs=1e-6)
    assert max(ruled.check.values()) <= 1e-6
    net = (ruled.dispatch["pool_purchase_kwh"] - ruled.dispatch["pool_sale_kwh"]).to_numpy()
    if pool_net is not None:
        np.testing.assert_allclose(net, pool_net, atol=1e-6)
    else:
        assert net[0] == pytest.approx(-0.2, abs=1e-6)  # A sells all its surplus


@pytest.mark.parametrize("seed", range(3))
def test_total_share_rules_only_add_constraints(seed):
    """The rules restrict the feasible set: the optimum cannot fall; the reported dispatch
    meets them (the check's ``total_share`` family)."""
    inputs = adversarial_case(np.random.default_rng(seed))
    ruled_inputs = OperationInputs(**{**{k: getattr(inputs, k) for k in (
        "load_kwh", "pv_kwh", "price_buy_per_kwh", "price_sell_per_kwh",
        "price_market_buy_per_kwh", "price_market_sell_per_kwh", "price_access_per_kwh",
        "lem_price_per_kwh", "contracted_power_kw", "price_extra_power_per_kw",
        "timestep_h", "batteries")}, "total_share": True})
    for delivery in ("pre", "post"):
        free = run_collective(inputs, delivery=delivery, mip_gap=0.0, split="solver")
        ruled = run_collective(ruled_inputs, delivery=delivery, mip_gap=0.0, split="solver")
        assert ruled.objective >= free.objective - 1e-6
        assert "total_share" in ruled.check
        assert max(ruled.check.values()) <= 1e-6


def test_build_collective_model_has_the_total_share_families():
    model = build_collective_model(total_share_case(1.0, 0.3, 0.3, True), delivery="post")
    for family in ("community_surplus_on", "community_surplus_off", "member_surplus_on",
                   "member_surplus_off", "share_all_surplus_low", "share_all_surplus_high",
                   "buy_all_deficit_low", "buy_all_deficit_high"):
        assert hasattr(model, family), family
    assert solve(model).objective == pytest.approx(0.9, abs=1e-6)


def test_the_no_loss_bound_is_held_exactly_not_with_slack():
    # meter 2 buys 0.1 kWh per step at 2 EUR/kWh alone; from the pool it pays the LEM price
    # plus the 0.01 access tariff. At 1.99 it is indifferent: the pool still trades (the
    # community cost of the two-stage test, -0.089) and its cost equals its stage-1 cost.
    # At 1.995 every pool purchase would cost it more than alone: no trade at all, and the
    # community pays the sum of the stage-1 costs, -0.391 + 0.600 (no 1e-6 slack lets a
    # sliver of energy through)
    indifferent = run_collective(original_test_case(), no_loss=True,
                                 lem_price_per_kwh=np.full(3, 1.99))
    assert indifferent.objective == pytest.approx(-0.089, abs=1e-9)
    assert indifferent.member_costs["m2"] == pytest.approx(
        indifferent.individual_costs["m2"], abs=1e-9)
    blocked = run_collective(original_test_case(), no_loss=True,
                             lem_price_per_kwh=np.full(3, 1.995))
    assert blocked.objective == pytest.approx(-0.391 + 0.600, abs=1e-9)
    assert (blocked.member_costs - blocked.individual_costs).abs().max() <= 1e-9

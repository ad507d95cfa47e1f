"""Allocation rules against seed 000's printed outputs, brute-force oracles, closed forms."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit._validate import ResultRangeError
from lectoolkit.allocation import (
    ALLOCATION_RULES,
    compare_allocations,
    deficit_allocations,
    demand_permutation_allocation,
    equal_allocation,
    marginal_contribution_allocation,
    marginal_contributions,
    proportional_allocation,
    surplus_deficit_allocation,
    talmud_rule,
)
from lectoolkit.games import demand_worths
from lectoolkit.shapley import shapley_values

# --- seed 000 printed outputs (shared/seeds/000_*.txt) ------------------------------------

SEED000_PRICES = dict(price_buy_per_kwh=0.12, price_sell_per_kwh=0.15, share_sold=0.5)
SEED000_PRODUCTION = [200, 300, 350, 150]


def test_seed000_profit_allocation_self_sufficient():
    # printed "[ 7.25  0.   13.25  5.25]": half a unit of the 2nd decimal
    result = marginal_contribution_allocation([150, 400, 300, 100], SEED000_PRODUCTION,
                                              **SEED000_PRICES)
    np.testing.assert_allclose(result, [7.25, 0.0, 13.25, 5.25], rtol=0, atol=0.005)


def test_seed000_profit_allocation_not_self_sufficient():
    # printed "[ 0.  15.06521739  7.30434783  6.26086957]": half a unit of the 8th decimal
    result = marginal_contribution_allocation([300, 200, 400, 150], SEED000_PRODUCTION,
                                              **SEED000_PRICES)
    np.testing.assert_allclose(result, [0.0, 15.06521739, 7.30434783, 6.26086957],
                               rtol=0, atol=5e-9)


def test_seed000_demand_permutation_allocation():
    # printed 9.75, 19.5, 24.375, 24.375 and total 78.0 (exact binary fractions)
    result = demand_permutation_allocation([6, 12, 15, 15], 78)
    np.testing.assert_allclose(result, [9.75, 19.5, 24.375, 24.375], rtol=1e-12)
    assert result.sum() == pytest.approx(78.0, rel=1e-12)


def test_seed000_surplus_deficit_allocation():
    # last cell of seed 000, utilities printed with Python's repr (the exact doubles):
    # agreement to one unit in the last place (the sums run in a different order)
    supply = [18, 25, 15, 26, 24, 25]
    demand = [5, 6, 17, 7, 29, 29]
    result = surplus_deficit_allocation(supply, demand)
    printed = np.array([15.19607843137255, 20.901960784313726, 17.0, 21.901960784313726,
                        29.0, 29.0])
    assert (np.abs(result - printed) <= np.spacing(printed)).all()
    balance = np.array([10.19607843137255, 14.901960784313726, 0.0, 14.901960784313726,
                        0.0, 0.0])
    assert (np.abs((result - np.array(demand)) - balance) <= 2 * np.spacing(printed)).all()
    assert result.sum() == pytest.approx(133.0, rel=1e-12)


# --- brute-force oracles: the seed's permutation rules, written out ----------------------

def permutation_oracle(values, contributions, limit, target):
    """Credit contributions[i] in every ordering where the prefix total incl. i <= limit."""
    n = len(values)
    credit = np.zeros(n)
    for order in itertools.permutations(range(n)):
        running = 0.0
        for i in order:
            running += values[i]
            if running <= limit + 1e-9:
                credit[i] += contributions[i] / n
    if credit.sum() == 0:
        return credit
    return credit * target / credit.sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.integers(0, 120))
def test_demand_permutation_allocation_matches_permutation_oracle(demand, available):
    expected = permutation_oracle(demand, demand, available, available)
    result = demand_permutation_allocation(demand, available)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def surplus_deficit_oracle(supply, demand):
    balance = np.array(supply, float) - np.array(demand, float)
    surplus, deficit = balance > 0, balance < 0
    volume = min(balance[surplus].sum(), -balance[deficit].sum())
    energy = np.array(supply, float)
    if volume > 0:
        b = balance[deficit]
        energy[deficit] += permutation_oracle(b, b, volume, volume)
        s = balance[surplus]
        energy[surplus] -= permutation_oracle(np.abs(s), np.abs(s), np.inf, volume)
    return energy


nodes = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=7)


@settings(max_examples=40, deadline=None)
@given(nodes)
def test_surplus_deficit_matches_oracle_and_reduces_to_proportional(pairs):
    supply = np.array([s for s, _ in pairs], float)
    demand = np.array([d for _, d in pairs], float)
    result = surplus_deficit_allocation(supply, demand)
    np.testing.assert_allclose(result, surplus_deficit_oracle(supply, demand), atol=1e-9)
    # closed form: proportional shares of the trade volume on each side
    balance = supply - demand
    volume = min(balance.clip(min=0).sum(), (-balance).clip(min=0).sum())
    expected = supply.copy()
    if volume > 0:
        expected += volume * (-balance).clip(min=0) / (-balance).clip(min=0).sum()
        expected -= volume * balance.clip(min=0) / balance.clip(min=0).sum()
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    # energy is conserved and nobody ends both short and selling
    assert result.sum() == pytest.approx(supply.sum(), abs=1e-9)


def test_demand_rule_versus_its_shapley_counterpart():
    # When E >= d(N) the game min(d(S), E) is additive, its Shapley value is d; the seed
    # rule instead scales d up to E (6 kWh asked, 9.75 kWh given).
    demand = [6, 12, 15, 15]
    np.testing.assert_allclose(shapley_values(demand_worths(demand, 78)), demand, rtol=1e-12)
    # Scarce energy: 3 nodes of 10 kWh and E = 15: the seed rule credits a node only in
    # the orderings where it comes first (1/3 each), then rescales: 5 each.
    np.testing.assert_allclose(demand_permutation_allocation([10, 10, 10], 15), [5, 5, 5])
    # Asymmetric scarce case: d = (10, 5), E = 10. Orderings (0,1): 0 credited 10, 1 not;
    # (1,0): 1 credited 5, 0 not. Credits 10/2, 5/2 -> rescaled to (20/3, 10/3).
    np.testing.assert_allclose(demand_permutation_allocation([10, 5], 10), [20 / 3, 10 / 3],
                               rtol=1e-12)
    # Shapley of min(d(S), 10): v(0)=10, v(1)=5, v(01)=10 -> (7.5, 2.5)
    np.testing.assert_allclose(shapley_values(demand_worths([10, 5], 10)), [7.5, 2.5],
                               rtol=1e-12)


# --- marginal contribution rule ------------------------------------------------------------

def test_marginal_contributions_closed_form():
    # community not self-sufficient (1050 > 1000): MC = s Cg - delta s Cr for s >= 0, else s Cg
    # s = (-100, 100, -50, 0): MC = (-12, 12 - 7.5, -6, 0) -> shifted (0, 16.5, 6, 12)
    mc = marginal_contributions([300, 200, 400, 150], SEED000_PRODUCTION, **SEED000_PRICES)
    np.testing.assert_allclose(mc, [0.0, 16.5, 6.0, 12.0], atol=1e-12)


def test_marginal_contribution_all_equal_defined_as_equal_weights():
    # identical prosumers: every MC equal, sum(MC) = 0 after the shift; weights 1/n, so
    # each gets (El Cg + delta (Ep - El) Cr) / n = (100 * .12 + .5 * 50 * .15) / 3
    result = marginal_contribution_allocation([100] * 3, [150] * 3, **SEED000_PRICES)
    np.testing.assert_allclose(result, np.full(3, (12 + 3.75) / 3), rtol=1e-12)
    # a deficit prosumer's base value is Ep Cg
    result = marginal_contribution_allocation([200, 200], [100, 100], **SEED000_PRICES)
    np.testing.assert_allclose(result, [6.0, 6.0], rtol=1e-12)


def test_pandas_in_pandas_out():
    index = pd.Index(["a", "b", "c", "d"], name="member")
    consumption = pd.Series([150, 400, 300, 100], index=index)
    result = marginal_contribution_allocation(consumption, SEED000_PRODUCTION,
                                              **SEED000_PRICES)
    assert isinstance(result, pd.Series) and result.index.equals(index)
    mc = marginal_contributions(consumption, SEED000_PRODUCTION, **SEED000_PRICES)
    assert isinstance(mc, pd.Series)
    demand = pd.Series([6.0, 12, 15, 15], index=index)
    assert demand_permutation_allocation(demand, 78).index.equals(index)
    assert surplus_deficit_allocation(demand + 1, demand).index.equals(index)
    assert talmud_rule(10, demand).index.equals(index)
    assert proportional_allocation(demand, 1).index.equals(index)


# --- equal, proportional, Talmud ------------------------------------------------------------

def test_equal_and_proportional():
    np.testing.assert_array_equal(equal_allocation(-6.0, 3), [-2.0, -2.0, -2.0])
    np.testing.assert_allclose(proportional_allocation([0, 1, 3], 2.0), [0, 0.5, 1.5],
                               rtol=1e-12)


@pytest.mark.parametrize("estate, expected", [
    # Aumann & Maschler (1985), the Mishna's table for claims 100, 200, 300
    (100, [100 / 3, 100 / 3, 100 / 3]),
    (200, [50, 75, 75]),
    (300, [50, 100, 150]),
])
def test_talmud_rule_aumann_maschler(estate, expected):
    np.testing.assert_allclose(talmud_rule(estate, [100, 200, 300]), expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=8), st.floats(0, 1))
def test_talmud_rule_properties(claims, fraction):
    claims = np.array(claims)
    estate = fraction * claims.sum()
    awards = talmud_rule(estate, claims)
    assert awards.sum() == pytest.approx(estate, abs=1e-9)
    assert (awards >= -1e-12).all() and (awards <= claims + 1e-9).all()
    # self-duality: awarding the estate = claims minus dividing the losses the same way
    np.testing.assert_allclose(awards, claims - talmud_rule(claims.sum() - estate, claims),
                               atol=1e-9)
    # order preserving
    order = np.argsort(claims)
    assert (np.diff(awards[order]) >= -1e-9).all()


# --- bad input ---------------------------------------------------------------------------

def test_equal_allocation_bad_input():
    with pytest.raises(ValueError, match="n_members: expected an integer >= 1"):
        equal_allocation(1.0, 0)
    with pytest.raises(ValueError, match="total: expected a finite"):
        equal_allocation(np.nan, 2)


@pytest.mark.parametrize("weights, total, message", [
    ([1, np.nan], 1.0, "weights: expected finite values"),
    ([1, -1], 1.0, "weights: expected non-negative"),
    ([0, 0], 1.0, "weights: all weights are zero"),
    ([[1, 2]], 1.0, "weights: expected a 1-D vector"),
    ([1, 2], np.inf, "total: expected a finite"),
])
def test_proportional_allocation_bad_input(weights, total, message):
    with pytest.raises(ValueError, match=message):
        proportional_allocation(weights, total)


@pytest.mark.parametrize("estate, claims, message", [
    (10, [5, np.nan], "claims: expected finite values"),
    (10, [5, -1], "claims: expected non-negative"),
    (-1, [5, 5], "estate: expected a number >= 0"),
    (11, [5, 5], "estate: 11.0 exceeds the total claim"),
])
def test_talmud_rule_bad_input(estate, claims, message):
    with pytest.raises(ValueError, match=message):
        talmud_rule(estate, claims)


@pytest.mark.parametrize("func", [marginal_contributions, marginal_contribution_allocation])
@pytest.mark.parametrize("args, message", [
    (([1, 2], [1, 2, 3], 0.1, 0.1, 0.5), "pv_kwh: shape"),
    (([1, np.nan], [1, 2], 0.1, 0.1, 0.5), "load_kwh: expected finite values"),
    (([1, -2], [1, 2], 0.1, 0.1, 0.5), "load_kwh: expected non-negative"),
    (([1, 2], [1, 2], -0.1, 0.1, 0.5), "price_buy_per_kwh: expected a number >= 0"),
    (([1, 2], [1, 2], 0.1, np.nan, 0.5), "price_sell_per_kwh: expected a finite"),
    (([1, 2], [1, 2], 0.1, 0.1, 1.5), "share_sold: expected a number <= 1"),
])
def test_marginal_contribution_bad_input(func, args, message):
    with pytest.raises(ValueError, match=message):
        func(*args)


@pytest.mark.parametrize("demand, available, message", [
    ([1, np.nan], 3, "load_kwh: expected finite values"),
    ([1, -1], 3, "load_kwh: expected non-negative"),
    ([1, 2], -3, "available_kwh: expected a number >= 0"),
    (np.ones(26), 3, "load_kwh: expected at most 25 values"),
])
def test_demand_permutation_allocation_bad_input(demand, available, message):
    with pytest.raises(ValueError, match=message):
        demand_permutation_allocation(demand, available)


@pytest.mark.parametrize("supply, demand, message", [
    ([1, 2], [1, 2, 3], "load_kwh: shape"),
    ([1, np.nan], [1, 2], "pv_kwh: expected finite values"),
    ([1, 2], [1, -2], "load_kwh: expected non-negative"),
])
def test_surplus_deficit_allocation_bad_input(supply, demand, message):
    with pytest.raises(ValueError, match=message):
        surplus_deficit_allocation(supply, demand)


# --- issue 7: reliability ------------------------------------------------------------------

LABELS = ["a", "b", "c", "d"]
CONSUMPTION_DEFICIT = [300.0, 200.0, 400.0, 150.0]  # community not self-sufficient


def test_surplus_deficit_allocation_pairs_series_by_label():
    # demand listed in reverse order: paired by node label, not by position
    supply = pd.Series([18.0, 25.0, 15.0, 26.0], index=LABELS)
    demand = pd.Series([5.0, 6.0, 17.0, 29.0], index=LABELS)
    result = surplus_deficit_allocation(supply, demand[::-1])
    # closed form: V = min(13 + 19, 2 + 3) = 5, deficit shares 2/5 and 3/5, surplus
    # nodes give 5 * 13/32 and 5 * 19/32
    expected = [18 - 5 * 13 / 32, 25 - 5 * 19 / 32, 15 + 2.0, 26 + 3.0]
    np.testing.assert_allclose(result, expected, rtol=1e-12)
    assert result.index.tolist() == LABELS


@pytest.mark.parametrize("func", [marginal_contributions, marginal_contribution_allocation])
def test_marginal_rules_pair_series_by_label(func):
    consumption = pd.Series(CONSUMPTION_DEFICIT, index=LABELS)
    production = pd.Series(SEED000_PRODUCTION, index=LABELS, dtype=float)
    expected = func(CONSUMPTION_DEFICIT, SEED000_PRODUCTION, **SEED000_PRICES)
    result = func(consumption, production[::-1], **SEED000_PRICES)
    np.testing.assert_array_equal(result, expected)
    assert result.index.tolist() == LABELS


def test_marginal_contributions_by_label_closed_form():
    # closed form of test_marginal_contributions_closed_form, production reversed
    production = pd.Series(SEED000_PRODUCTION, index=LABELS, dtype=float)
    mc = marginal_contributions(pd.Series(CONSUMPTION_DEFICIT, index=LABELS),
                                production[::-1], **SEED000_PRICES)
    np.testing.assert_allclose(mc, [0.0, 16.5, 6.0, 12.0], atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda s, d: surplus_deficit_allocation(s, d.set_axis(["a", "a", "c", "d"])),
     "load_kwh: duplicated labels"),
    (lambda s, d: surplus_deficit_allocation(s.set_axis(["a", "a", "c", "d"]), d),
     "pv_kwh: duplicated labels"),
    (lambda s, d: surplus_deficit_allocation(s, d.set_axis(["a", "b", "c", "z"])),
     "load_kwh: labels differ from those of pv_kwh"),
    (lambda s, d: marginal_contributions(s, d.set_axis(["a", "a", "c", "d"]), 0.1, 0.1, 0.5),
     "pv_kwh: duplicated labels"),
    (lambda s, d: proportional_allocation(s.set_axis(["a", "a", "c", "d"]), 1.0),
     "weights: duplicated labels"),
])
def test_duplicated_or_foreign_labels_are_refused(call, message):
    supply = pd.Series([18.0, 25.0, 15.0, 26.0], index=LABELS)
    demand = pd.Series([5.0, 6.0, 17.0, 29.0], index=LABELS)
    with pytest.raises(ValueError, match=message):
        call(supply, demand)


def test_proportional_allocation_subnormal_weight():
    # was [2.]: 1.5 * 5e-324 underflowed before the division
    np.testing.assert_array_equal(proportional_allocation([5e-324], 1.5), [1.5])
    np.testing.assert_array_equal(proportional_allocation([5e-324, 1.5e-323], 8.0), [2.0, 6.0])


def test_proportional_allocation_huge_weights_and_total():
    # sum of weights 2e308 and total * weight both beyond float64 on the way
    np.testing.assert_array_equal(proportional_allocation([1e308, 1e308], 1e308),
                                  [5e307, 5e307])


def test_talmud_rule_subnormal_and_huge_claims():
    # the Mishna's estate 200 for claims 100, 200, 300 -> 50, 75, 75, in any unit
    for unit in (2.0**-1074, 2.0**1015):
        awards = talmud_rule(200 * unit, np.array([100.0, 200.0, 300.0]) * unit)
        np.testing.assert_array_equal(awards, np.array([50.0, 75.0, 75.0]) * unit)


@pytest.mark.parametrize("unit", [2.0**-1070, 2.0**1017])
def test_demand_permutation_allocation_subnormal_and_huge(unit):
    # seed 000's 9.75, 19.5, 24.375, 24.375 for 78 available, in any unit (exact)
    result = demand_permutation_allocation(np.array([6.0, 12.0, 15.0, 15.0]) * unit, 78 * unit)
    np.testing.assert_array_equal(result, np.array([9.75, 19.5, 24.375, 24.375]) * unit)


def test_surplus_deficit_allocation_huge_energies():
    # total supply (57 * 2**1018) is beyond float64; closed form as in the label test
    unit = 2.0**1018
    result = surplus_deficit_allocation(np.array([18.0, 25.0, 15.0, 26.0]) * unit,
                                        np.array([5.0, 6.0, 17.0, 29.0]) * unit)
    expected = np.array([18 - 5 * 13 / 32, 25 - 5 * 19 / 32, 17.0, 29.0]) * unit
    np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_marginal_contributions_huge_energies():
    # both totals (1050 and 1000 times 2**1015) overflow: the self-sufficiency test used
    # to compare inf <= inf and take the wrong branch; the rule is linear in energy, the
    # closed form of test_marginal_contributions_closed_form is (0, 16.5, 6, 12)
    unit = 2.0**1015
    mc = marginal_contributions(np.array(CONSUMPTION_DEFICIT) * unit,
                                np.array(SEED000_PRODUCTION) * unit, **SEED000_PRICES)
    np.testing.assert_allclose(mc, np.array([0.0, 16.5, 6.0, 12.0]) * unit, rtol=1e-12)
    # subnormal energies: the seed's profits (printed to 8 decimals) in that unit, to the
    # nearest subnormal (half of 2**-1074)
    tiny = 2.0**-1060
    profit = marginal_contribution_allocation(np.array(CONSUMPTION_DEFICIT) * tiny,
                                              np.array(SEED000_PRODUCTION) * tiny,
                                              **SEED000_PRICES)
    expected = np.array([0.0, 15.06521739, 7.30434783, 6.26086957]) * 2.0**14
    assert (np.abs(profit / 2.0**-1074 - expected) <= 0.5).all()


@pytest.mark.parametrize("func", [marginal_contributions, marginal_contribution_allocation])
def test_marginal_rules_refuse_overflow(func):
    with pytest.raises(ResultRangeError, match="^load_kwh, pv_kwh, price_buy"):
        func(CONSUMPTION_DEFICIT, SEED000_PRODUCTION, 1e308, 0.15, 0.5)


def test_rules_without_enumeration_accept_many_members():
    # only the permutation rules enumerate coalitions (n <= 25); the others are O(n)
    weights = np.ones(100)
    np.testing.assert_allclose(proportional_allocation(weights, 100.0), weights)
    np.testing.assert_allclose(talmud_rule(50.0, weights), weights / 2)
    assert marginal_contributions(weights, weights, 0.1, 0.1, 0.5).shape == (100,)


@pytest.mark.parametrize("call, error, message", [
    (lambda: equal_allocation(True, 3), TypeError, "total: expected a real number"),
    (lambda: equal_allocation(9.0, True), TypeError, "n_members: expected an integer"),
    (lambda: equal_allocation("9", 3), TypeError, "total: expected a real number"),
    (lambda: proportional_allocation([True, False], 1.0), TypeError, "weights: expected numbers"),
    (lambda: proportional_allocation(["1", "2"], 1.0), TypeError, "weights: expected numbers"),
    (lambda: talmud_rule("10", [5.0, 5.0]), TypeError, "estate: expected a real number"),
    (lambda: demand_permutation_allocation([[1.0, 2.0]], 3.0), ValueError,
     "load_kwh: expected a 1-D vector"),
    (lambda: demand_permutation_allocation(np.zeros((2, 2)), 3.0), ValueError,
     "load_kwh: expected a 1-D vector"),
    (lambda: surplus_deficit_allocation([], []), ValueError, "pv_kwh: expected at least 1"),
    (lambda: marginal_contributions([1.0], [1.0], 0.1, 0.1, True), TypeError,
     "share_sold: expected a real number"),
])
def test_wrong_kinds_give_clear_errors(call, error, message):
    # were: booleans taken as numbers, "could not convert string to float", IndexError
    # and numba TypingError on odd shapes
    with pytest.raises(error, match=message):
        call()


# --- compare_allocations / deficit_allocations (notebook 01's comparison, issue 8) ----------


def _savings_game_shapley(load, pv, cg, cr, delta):
    """Oracle: the savings game coded from its definition, Shapley by all permutations."""
    net = np.asarray(load, float) - np.asarray(pv, float)

    def cost(x):
        return cg * max(x, 0.0) - delta * cr * max(-x, 0.0)

    def worth(members):
        return sum(cost(net[i]) for i in members) - cost(sum(net[i] for i in members))

    n = net.size
    phi = np.zeros(n)
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        for k, i in enumerate(order):
            phi[i] += worth(order[: k + 1]) - worth(order[:k])
    return phi / len(orders), worth(range(n))


def test_compare_allocations_self_sufficient_seed_community():
    # x = El - Ep = (-50, 100, -50, -50): v(N) = 0.75 + 3.75 = 4.5; P2 is indispensable and
    # any two surplus members cover it, so the core is the single point (0, 4.5, 0, 0)
    load = pd.Series([150, 400, 300, 100], index=["P1", "P2", "P3", "P4"], dtype=float)
    out = compare_allocations(load, SEED000_PRODUCTION, **SEED000_PRICES)
    assert out.grand_worth == pytest.approx(4.5, rel=1e-12)
    table = out.allocations
    assert list(table.columns) == list(ALLOCATION_RULES)
    assert list(table.index) == ["P1", "P2", "P3", "P4"] and table.index.name == "member"
    np.testing.assert_allclose(table.sum(), 4.5, rtol=1e-9)
    np.testing.assert_allclose(table["nucleolus"], [0.0, 4.5, 0.0, 0.0], atol=1e-7)
    # the seed's printed profits [7.25, 0, 13.25, 5.25] as shares of v(N)
    np.testing.assert_allclose(table["marginal contribution (shares)"],
                               np.array([7.25, 0.0, 13.25, 5.25]) / 25.75 * 4.5, rtol=1e-12)
    np.testing.assert_allclose(table["proportional to |load - pv|"], [0.9, 1.8, 0.9, 0.9],
                               rtol=1e-12)
    np.testing.assert_allclose(table["equal"], 1.125, rtol=1e-12)
    shapley, grand = _savings_game_shapley(load, SEED000_PRODUCTION, 0.12, 0.15, 0.5)
    assert grand == pytest.approx(4.5)
    np.testing.assert_allclose(table["Shapley"], shapley, rtol=1e-12)
    assert out.core["in_core"].to_dict() == {rule: rule == "nucleolus" for rule in ALLOCATION_RULES}
    # Shapley gives the surplus members 3.94 together; P2 with any two of them saves 4.5
    assert out.core.loc["Shapley", "min_excess"] < 0
    assert "P2" in out.core.loc["Shapley", "tightest_coalition"].split("+")


def test_compare_allocations_deficit_seed_community():
    # x = (100, -100, 50, 0): v({1,2}) = v(N) = 4.5, v({2,3}) = 2.25, P4 a null player; the
    # core is x1 in [0, 2.25], x2 = 4.5 - x1, and the nucleolus balances x1 = 2.25 - x1
    out = compare_allocations([300, 200, 400, 150], SEED000_PRODUCTION, **SEED000_PRICES)
    assert list(out.allocations.index) == [0, 1, 2, 3]
    np.testing.assert_allclose(out.allocations["nucleolus"], [1.125, 3.375, 0, 0], atol=1e-7)
    assert out.core.loc["nucleolus", "in_core"]
    assert out.allocations["Shapley"].iloc[3] == pytest.approx(0.0, abs=1e-12)


def test_compare_allocations_at_zero_prices_gives_no_nan():
    # notebook 01's sliders at Cg = Cr = 0 used to give NaN shares: nothing is saved, every
    # rule gives 0 (the zero-weight rules split v(N) = 0 equally) and all are in the core
    out = compare_allocations([150, 400, 300, 100], SEED000_PRODUCTION, 0.0, 0.0, 0.5)
    assert out.grand_worth == 0.0
    assert not out.allocations.isna().any().any()
    np.testing.assert_allclose(out.allocations, 0.0, atol=1e-9)
    assert out.core["in_core"].all()


def test_compare_allocations_refuses_a_game_that_can_lose():
    with pytest.raises(ValueError, match=r"^price_buy_per_kwh: 0.05 is below share_sold x"):
        compare_allocations([150, 400], [200, 300], 0.05, 0.15, 0.5)


def test_deficit_allocations_scarce_volume():
    # refined example: balances (13, 19, -2, 19, -5, -4), V = 11 covers the deficits
    pv, load = [18, 25, 15, 26, 24, 25], [5, 6, 17, 7, 29, 29]
    full = deficit_allocations(pv, load)
    assert list(full.index) == [2, 4, 5]
    np.testing.assert_allclose(full.drop(columns="deficit_kwh"), [[2, 2, 2], [5, 5, 5], [4, 4, 4]],
                               rtol=1e-12)
    # the seed's rule moves exactly that volume
    received = np.asarray(surplus_deficit_allocation(pv, load)) - np.asarray(pv, float)
    assert received[[2, 4, 5]].sum() == pytest.approx(11.0)
    scarce = deficit_allocations(pd.Series(pv, index=list("abcdef")), load, volume_share=0.25)
    assert list(scarce.index) == ["c", "e", "f"]
    # estate 2.75 on claims (2, 5, 4): proportional 2.75 c / 11; Talmud gives everyone
    # min(c/2, lambda) = 2.75 / 3 (all half-claims are above it); Shapley: random arrival
    np.testing.assert_allclose(scarce["proportional (seed)"], [0.5, 1.25, 1.0], rtol=1e-12)
    np.testing.assert_allclose(scarce["Talmud"], [2.75 / 3] * 3, rtol=1e-12)
    claims = [2.0, 5.0, 4.0]
    arrival = np.zeros(3)
    orders = list(itertools.permutations(range(3)))
    for order in orders:
        left = 2.75
        for i in order:
            arrival[i] += min(claims[i], left) / len(orders)
            left -= min(claims[i], left)
    np.testing.assert_allclose(scarce["Shapley"], arrival, rtol=1e-12)


def test_deficit_allocations_without_deficit_is_empty():
    out = deficit_allocations([5, 5], [1, 2])
    assert out.empty and list(out.columns) == ["deficit_kwh", "proportional (seed)", "Talmud",
                                               "Shapley"]

"""Characteristic-function builders against brute-force coalition loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit.games import (
    additive_worths,
    bankruptcy_worths,
    demand_worths,
    glove_worths,
    savings_worths,
)
from lectoolkit.shapley import shapley_values


def members_of(mask, n):
    return [i for i in range(n) if mask >> i & 1]


def brute(n, value_of):
    """Worths by looping over coalitions, each given as its list of members."""
    return np.array([value_of(members_of(s, n)) for s in range(1 << n)], dtype=float)


amounts = st.lists(st.floats(0, 500, allow_nan=False, allow_subnormal=False),
                   min_size=1, max_size=7)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False, allow_subnormal=False),
                min_size=1, max_size=7))
def test_additive_worths_match_brute_force(values):
    expected = brute(len(values), lambda s: sum(values[i] for i in s))
    np.testing.assert_allclose(additive_worths(values), expected, rtol=1e-12, atol=1e-12)


def test_glove_game_counts_pairs():
    # members 0, 1 hold left gloves, 2, 3, 4 right gloves
    expected = brute(5, lambda s: min(sum(i < 2 for i in s), sum(i >= 2 for i in s)))
    np.testing.assert_array_equal(glove_worths(2, 3), expected)
    assert glove_worths(0, 2).max() == 0


@settings(max_examples=30, deadline=None)
@given(amounts, st.floats(0, 1))
def test_bankruptcy_worths_match_definition(claims, fraction):
    estate = fraction * sum(claims)
    n = len(claims)
    expected = brute(n, lambda s: max(0.0, estate - sum(claims[j] for j in range(n)
                                                       if j not in s)))
    np.testing.assert_allclose(bankruptcy_worths(estate, claims), expected, atol=1e-9)


def test_bankruptcy_worths_aumann_maschler_estate_300():
    # E = 300, c = (100, 200, 300): v({3}) = 0, v({2,3}) = 200, v({1,3}) = 100, v(N) = 300
    worths = bankruptcy_worths(300, [100, 200, 300])
    assert worths.tolist() == [0, 0, 0, 0, 0, 100, 200, 300]


@settings(max_examples=30, deadline=None)
@given(amounts, st.floats(0, 1.5))
def test_demand_worths_match_definition(demand, fraction):
    available = fraction * sum(demand)
    expected = brute(len(demand), lambda s: min(sum(demand[i] for i in s), available))
    np.testing.assert_allclose(demand_worths(demand, available), expected, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 50), min_size=2, max_size=6), st.floats(0, 1))
def test_demand_game_is_dual_of_bankruptcy_game(demand, fraction):
    # v*(S) = v(N) - v(N \ S): min(d(S), E) is the dual of max(0, E - d(N \ S)) when
    # E <= d(N), and a game and its dual share their Shapley value.
    available = fraction * sum(demand)
    np.testing.assert_allclose(shapley_values(demand_worths(demand, available)),
                               shapley_values(bankruptcy_worths(available, demand)),
                               atol=1e-9)


def alone_cost(net, buy, sell, share):
    return buy * max(net, 0.0) - share * sell * max(-net, 0.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 500), st.floats(0, 500)), min_size=1, max_size=6),
       st.floats(0.01, 0.5), st.floats(0, 1))
def test_savings_worths_match_definition_and_are_nonnegative(pairs, buy, share):
    consumption = [c for c, _ in pairs]
    production = [p for _, p in pairs]
    sell = 0.8 * buy / max(share, 1e-3)  # keeps Cg >= delta Cr
    net = [c - p for c, p in pairs]

    def value(s):
        return (sum(alone_cost(net[i], buy, sell, share) for i in s)
                - alone_cost(sum(net[i] for i in s), buy, sell, share))

    worths = savings_worths(consumption, production, buy, sell, share)
    np.testing.assert_allclose(worths, brute(len(pairs), value), atol=1e-9)
    assert worths.min() >= -1e-9


def test_savings_worths_seed_000_community():
    # El = (150, 400, 300, 100), Ep = (200, 300, 350, 150), Cg = .12, Cr = .15, delta = .5:
    # alone member 1 pays 100 * .12 = 12 and the others earn 50 * .5 * .15 = 3.75 each;
    # together the community exports 50 kWh and earns 3.75, so v(N) = 0.75 + 3.75 = 4.5.
    worths = savings_worths([150, 400, 300, 100], [200, 300, 350, 150], 0.12, 0.15, 0.5)
    assert worths[-1] == pytest.approx(4.5, rel=1e-12)
    # member 1 with member 0: net 50 kWh bought, 6 paid, alone 12 - 3.75 = 8.25
    assert worths[0b0011] == pytest.approx(8.25 - 6.0, rel=1e-12)


@pytest.mark.parametrize("values, message", [
    ([1.0, np.nan], "values: contains NaN"),
    ([[1.0, 2.0]], "values: expected a non-empty 1-D array"),
    ([], "values: expected a non-empty 1-D array"),
    (np.ones(26), "n_players: 26 is too many"),
])
def test_additive_worths_bad_input(values, message):
    with pytest.raises(ValueError, match=message):
        additive_worths(values)


@pytest.mark.parametrize("left, right, message", [
    (-1, 2, "n_left"), (1, 1.5, "n_right"), (0, 0, "n_players"),
])
def test_glove_worths_bad_input(left, right, message):
    with pytest.raises(ValueError, match=message):
        glove_worths(left, right)


@pytest.mark.parametrize("estate, claims, message", [
    (100, [10, -1], "claims: expected non-negative"),
    (100, [10, np.nan], "claims: contains NaN"),
    (np.nan, [10, 20], "estate: expected a finite number"),
    (-1, [10, 20], "estate: expected a non-negative"),
    (31, [10, 20], "estate: 31.0 exceeds the total claim"),
    ([1, 2], [10, 20], "estate: expected a scalar"),
])
def test_bankruptcy_worths_bad_input(estate, claims, message):
    with pytest.raises(ValueError, match=message):
        bankruptcy_worths(estate, claims)


@pytest.mark.parametrize("demand, available, message", [
    ([1, -2], 3, "demand_kwh: expected non-negative"),
    ([1, np.inf], 3, "demand_kwh: contains NaN or infinite"),
    ([1, 2], -3, "available_kwh: expected a non-negative"),
    ([1, 2], np.nan, "available_kwh: expected a finite"),
])
def test_demand_worths_bad_input(demand, available, message):
    with pytest.raises(ValueError, match=message):
        demand_worths(demand, available)


@pytest.mark.parametrize("args, message", [
    (([1, 2], [1, 2, 3], 0.1, 0.1), "production_kwh: shape"),
    (([1, np.nan], [1, 2], 0.1, 0.1), "consumption_kwh: contains NaN"),
    (([1, 2], [1, -2], 0.1, 0.1), "production_kwh: expected non-negative"),
    (([1, 2], [1, 2], -0.1, 0.1), "price_buy_per_kwh"),
    (([1, 2], [1, 2], 0.1, np.nan), "price_sell_per_kwh"),
    (([1, 2], [1, 2], 0.1, 0.1, 1.5), "share_sold: expected a share"),
])
def test_savings_worths_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        savings_worths(*args)

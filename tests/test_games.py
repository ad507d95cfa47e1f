"""Characteristic-function builders against brute-force coalition loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit._validate import ResultRangeError
from lectoolkit.games import (
    additive_worths,
    bankruptcy_worths,
    demand_worths,
    glove_worths,
    nrgx_coalition_worths,
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
    ([1.0, np.nan], "values: expected finite values"),
    ([[1.0, 2.0]], "values: expected a 1-D vector"),
    ([], "values: expected at least 1 value"),
    (np.ones(26), "values: expected at most 25 values"),
])
def test_additive_worths_bad_input(values, message):
    with pytest.raises(ValueError, match=message):
        additive_worths(values)


@pytest.mark.parametrize("left, right, message", [
    (-1, 2, "n_left"), (1, 1.5, "n_right"), (0, 0, "n_left and n_right: expected 1 to 25 members"),
])
def test_glove_worths_bad_input(left, right, message):
    with pytest.raises(ValueError, match=message):
        glove_worths(left, right)


@pytest.mark.parametrize("estate, claims, message", [
    (100, [10, -1], "claims: expected non-negative"),
    (100, [10, np.nan], "claims: expected finite values"),
    (np.nan, [10, 20], "estate: expected a finite number"),
    (-1, [10, 20], "estate: expected a number >= 0"),
    (31, [10, 20], "estate: 31.0 exceeds the total claim"),
])
def test_bankruptcy_worths_bad_input(estate, claims, message):
    with pytest.raises(ValueError, match=message):
        bankruptcy_worths(estate, claims)


def test_bankruptcy_worths_vector_estate_is_a_type_error():
    # a list where a number is expected is the wrong kind of object (issue 7's policy)
    with pytest.raises(TypeError, match="estate: expected a real number"):
        bankruptcy_worths([1, 2], [10, 20])


@pytest.mark.parametrize("demand, available, message", [
    ([1, -2], 3, "load_kwh: expected non-negative"),
    ([1, np.inf], 3, "load_kwh: expected finite values"),
    ([1, 2], -3, "available_kwh: expected a number >= 0"),
    ([1, 2], np.nan, "available_kwh: expected a finite"),
])
def test_demand_worths_bad_input(demand, available, message):
    with pytest.raises(ValueError, match=message):
        demand_worths(demand, available)


@pytest.mark.parametrize("args, message", [
    (([1, 2], [1, 2, 3], 0.1, 0.1), "pv_kwh: shape"),
    (([1, np.nan], [1, 2], 0.1, 0.1), "load_kwh: expected finite values"),
    (([1, 2], [1, -2], 0.1, 0.1), "pv_kwh: expected non-negative"),
    (([1, 2], [1, 2], -0.1, 0.1), "price_buy_per_kwh"),
    (([1, 2], [1, 2], 0.1, np.nan), "price_sell_per_kwh"),
    (([1, 2], [1, 2], 0.1, 0.1, 1.5), "share_sold: expected a number <= 1"),
])
def test_savings_worths_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        savings_worths(*args)


# --- issue 7: reliability ------------------------------------------------------------------

SEED000_C = [150.0, 400.0, 300.0, 100.0]
SEED000_P = [200.0, 300.0, 350.0, 150.0]


def test_savings_worths_pairs_series_by_label():
    # production listed in another order: paired by member label, not by position
    index = ["a", "b", "c", "d"]
    consumption = pd.Series(SEED000_C, index=index)
    production = pd.Series(SEED000_P, index=index)
    expected = savings_worths(SEED000_C, SEED000_P, 0.12, 0.15, 0.5)
    np.testing.assert_array_equal(
        savings_worths(consumption, production[::-1], 0.12, 0.15, 0.5), expected)
    assert expected[-1] == pytest.approx(4.5, rel=1e-12)  # closed form, see above


@pytest.mark.parametrize("production, message", [
    (pd.Series(SEED000_P, index=["a", "a", "c", "d"]), "pv_kwh: duplicated labels"),
    (pd.Series(SEED000_P, index=["a", "b", "c", "z"]), "pv_kwh: labels differ"),
])
def test_savings_worths_refuses_duplicated_or_foreign_labels(production, message):
    consumption = pd.Series(SEED000_C, index=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match=message):
        savings_worths(consumption, production, 0.12, 0.15, 0.5)


def test_savings_worths_huge_energies_do_not_overflow():
    # the game is linear in energy: energies times 2**1014 (their sum, 1050 * 2**1014,
    # is beyond float64) give the worths times 2**1014; v(N) = 4.5 by the closed form
    scale = 2.0**1014
    worths = savings_worths(np.array(SEED000_C) * scale, np.array(SEED000_P) * scale,
                            0.12, 0.15, 0.5)
    assert np.isfinite(worths).all()
    assert worths[-1] == pytest.approx(4.5 * scale, rel=1e-12)
    assert worths[0b0011] == pytest.approx(2.25 * scale, rel=1e-12)


def test_savings_worths_overflow_is_refused():
    with pytest.raises(ResultRangeError, match="^load_kwh, pv_kwh, price_buy"):
        savings_worths(SEED000_C, SEED000_P, 1e308, 0.15, 0.5)


def test_additive_worths_overflow_is_refused():
    with pytest.raises(ResultRangeError, match="^values: coalition worths"):
        additive_worths([1e308, 1e308])


def test_bankruptcy_worths_huge_claims():
    # the total claim 2e308 overflows; v(S) = max(0, E - c(N \ S)) does not
    worths = bankruptcy_worths(1e308, [1e308, 1e308])
    np.testing.assert_array_equal(worths, [0.0, 0.0, 0.0, 1e308])


def test_demand_worths_huge_demands():
    # d(N) = 2e308 overflows to inf, min(d(N), E) = E is the exact worth
    np.testing.assert_array_equal(demand_worths([1e308, 1e308], 1.5e308),
                                  [0.0, 1e308, 1e308, 1.5e308])


def test_bankruptcy_worths_subnormal_claims():
    tiny = 2.0**-1074
    worths = bankruptcy_worths(300 * tiny, np.array([100, 200, 300]) * tiny)
    np.testing.assert_array_equal(worths, np.array([0, 0, 0, 0, 0, 100, 200, 300]) * tiny)


@pytest.mark.parametrize("call", [
    lambda: additive_worths([True, False]),
    lambda: additive_worths(["1", "2"]),
    lambda: glove_worths(True, 2),
    lambda: glove_worths(1, "2"),
    lambda: bankruptcy_worths(True, [1.0, 2.0]),
    lambda: demand_worths([1.0, 2.0], "3"),
    lambda: savings_worths([1.0], [2.0], 0.1, 0.1, True),
    lambda: nrgx_coalition_worths([1.0], 1.0, 1.0, 1.0, 1e6, exponent=True),
])
def test_booleans_and_strings_are_not_numbers(call):
    with pytest.raises(TypeError, match=r"^\w+: expected"):
        call()


def test_nrgx_coalition_worths_refuses_a_vector_of_totals():
    # a vector would silently broadcast against the 2**n coalition exports
    with pytest.raises(TypeError, match="community_export_kwh: expected a real number"):
        nrgx_coalition_worths([1.0], [1.0, 2.0], 1.0, 1.0, 1e6)


def test_worths_are_arrays_by_bitmask_whatever_goes_in():
    # the return rule (README): worths over coalitions are a NumPy array indexed by
    # bitmask even for pandas inputs; functions taking worths answer in pandas with players=
    from lectoolkit.shapley import settlement_game_worths

    load = pd.Series([1.0, 0.0, 2.0], index=["a", "b", "c"])
    pv = pd.Series([0.0, 3.0, 0.0], index=["a", "b", "c"])
    net = pd.DataFrame({"a": [1.0, -1.0], "b": [-2.0, 0.5], "c": [0.5, 0.5]})
    games = {
        "additive": additive_worths(pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])),
        "bankruptcy": bankruptcy_worths(3.0, pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])),
        "demand": demand_worths(load, 2.0),
        "savings": savings_worths(load, pv, 0.2, 0.05),
        "settlement": settlement_game_worths(net, 0.2, 0.05),
    }
    for name, worths in games.items():
        assert type(worths) is np.ndarray and worths.shape == (8,), name
        assert worths[0] == 0.0 and worths[-1] == worths[0b111], name
        shares = shapley_values(worths, players=["a", "b", "c"])
        assert isinstance(shares, pd.Series) and list(shares.index) == ["a", "b", "c"], name

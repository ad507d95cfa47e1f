"""Bitmask helpers and the seed-001 combination order."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit import coalitions
from lectoolkit.coalitions import (
    check_n_players,
    coalition_mask,
    coalition_members,
    combination_order_masks,
    from_combination_order,
    n_players_of,
    popcounts,
    subset_sums,
    to_combination_order,
)


def itertools_masks(n):
    """The oracle: bitmasks of itertools.combinations(range(n), k) for k = 1 .. n."""
    return [sum(1 << i for i in c) for k in range(1, n + 1) for c in combinations(range(n), k)]


@pytest.mark.parametrize("n", range(1, 13))
def test_combination_order_matches_itertools(n):
    assert combination_order_masks(n).tolist() == itertools_masks(n)


@pytest.mark.parametrize("n", range(1, 13))
def test_converters_follow_itertools_order(n):
    # the blocked (transpose-and-chunks) converters against the itertools oracle
    masks = np.array(itertools_masks(n))
    values = np.random.default_rng(n).normal(size=masks.size)
    worths = from_combination_order(values, n)
    expected = np.zeros(1 << n)
    expected[masks] = values
    np.testing.assert_array_equal(worths, expected)
    np.testing.assert_array_equal(to_combination_order(worths), values)


def test_seed_three_player_vector_layout():
    # seed 001 builds [v1, v2, v3, v12, v13, v23, v123]
    worths = from_combination_order([1, 2, 3, 12, 13, 23, 123], 3)
    assert worths[0b001] == 1 and worths[0b011] == 12 and worths[0b101] == 13
    assert worths[0b110] == 23 and worths[0b111] == 123 and worths[0] == 0


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_round_trip(n, seed):
    values = np.random.default_rng(seed).normal(size=2**n - 1)
    np.testing.assert_array_equal(to_combination_order(from_combination_order(values, n)), values)


def test_popcounts_and_members():
    sizes = popcounts(5)
    assert all(sizes[m] == bin(m).count("1") for m in range(32))
    for m in range(64):
        assert coalition_mask(coalition_members(m)) == m


@pytest.mark.parametrize("length", [0, 1, 3, 6, 12])
def test_bad_lengths(length):
    with pytest.raises(ValueError, match="worths: length"):
        n_players_of(np.zeros(length))


def test_bad_inputs():
    with pytest.raises(ValueError, match="values: expected 3 worths"):
        from_combination_order([1.0, 2.0], 2)
    with pytest.raises(ValueError, match="n_players"):
        popcounts(0)
    with pytest.raises(ValueError, match="members"):
        coalition_mask([-1])
    with pytest.raises(ValueError, match="mask"):
        coalition_members(-3)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=9))
def test_subset_sums_brute_force(values):
    sums = subset_sums(values)
    for mask in range(len(sums)):
        expected = sum(v for i, v in enumerate(values) if mask >> i & 1)
        assert sums[mask] == pytest.approx(expected, abs=1e-9)


def test_subset_sums_bad_input():
    with pytest.raises(ValueError, match="values: contains NaN"):
        subset_sums([1.0, np.nan])
    with pytest.raises(ValueError, match="values: expected a 1-D or 2-D"):
        subset_sums(np.zeros((2, 2, 2)))


# --- issue 7: reliability ------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_from_combination_order_refuses_nonfinite_values(bad):
    with pytest.raises(ValueError, match="values: expected finite values"):
        from_combination_order([0.77, bad, 1.04], 2)


def test_from_combination_order_checks_the_length_before_enumerating(monkeypatch):
    # n = 25 with 3 values used to enumerate 2**25 coalitions in Python first (hours at
    # n = 30): the length is now checked before any coalition table is built
    def no_enumeration(n):
        raise AssertionError("enumerated coalitions before checking the length")

    monkeypatch.setattr(coalitions, "_combination_layout", no_enumeration)
    with pytest.raises(ValueError, match=r"values: expected 33554431 worths .*n_players = 25"):
        from_combination_order([0.77, 0.51, 1.04], 25)
    with pytest.raises(ValueError, match="n_players: 31 is too many"):
        from_combination_order([0.77, 0.51, 1.04], 31)


def test_combination_order_at_twenty_players_round_trips():
    # vectorised table: 2**20 coalitions in a fraction of a second (was ~13 s in Python)
    n = 20
    masks = combination_order_masks(n)
    assert masks.size == 2**n - 1 and np.unique(masks).size == masks.size
    sizes = popcounts(n)[masks]
    assert (np.diff(sizes.astype(int)) >= 0).all()  # by size, singletons first
    values = np.arange(1.0, 2.0**n)
    worths = from_combination_order(values, n)
    np.testing.assert_array_equal(worths[masks], values)
    np.testing.assert_array_equal(to_combination_order(worths), values)


@pytest.mark.parametrize("worths, message", [
    ([1.0, 2.0], "worths: the empty coalition must be worth 0"),
    ([0.0, np.nan], "worths: expected finite values"),
    ([0.0, 1.0, 2.0], "worths: length 3 is not 2\\*\\*n"),
])
def test_to_combination_order_bad_values(worths, message):
    with pytest.raises(ValueError, match=message):
        to_combination_order(worths)


@pytest.mark.parametrize("bad, error", [
    (True, TypeError), ("3", TypeError), (None, TypeError), (2.5, ValueError),
    (np.nan, ValueError),
])
def test_player_counts_refuse_booleans_strings_and_fractions(bad, error):
    with pytest.raises(error, match="n_players: expected"):
        check_n_players(bad)
    with pytest.raises(error, match="n_players: expected"):
        from_combination_order([1.0], bad)


@pytest.mark.parametrize("worths, error", [
    ([False, True, True, True], TypeError), ("abc", TypeError), (None, TypeError),
    (np.zeros((1, 4)), ValueError),
])
def test_to_combination_order_refuses_other_kinds(worths, error):
    with pytest.raises(error, match="^worths: "):
        to_combination_order(worths)


def test_subset_sums_overflow_gives_inf_without_a_warning():
    # callers decide (demand_worths: a valid limit; additive_worths: an error)
    sums = subset_sums([1e308, 1e308])
    assert sums[0b11] == np.inf and np.isfinite(sums[:3]).all()

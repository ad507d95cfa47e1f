"""Bitmask helpers and the seed-001 combination order."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit.coalitions import (
    coalition_mask,
    coalition_members,
    combination_order_masks,
    from_combination_order,
    n_players_of,
    popcounts,
    subset_sums,
    to_combination_order,
)


@pytest.mark.parametrize("n", range(1, 8))
def test_combination_order_matches_itertools(n):
    expected = [sum(1 << i for i in c) for k in range(1, n + 1) for c in combinations(range(n), k)]
    assert combination_order_masks(n).tolist() == expected


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

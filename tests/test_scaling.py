"""The scaling studies of notebook 06 (lectoolkit.scaling) and their baselines."""

import itertools
import math

import numpy as np
import pytest

from lectoolkit.coalitions import to_combination_order
from lectoolkit.scaling import (
    _numpy_shapley,
    _random_worths,
    _seed000_permutation_shapley,
    _seed001_powerset_shapley,
    exact_shapley_scaling,
    sampled_shapley_scaling,
    seed_shapley_scaling,
)


def _shapley_by_definition(worths, n):
    """Oracle: phi_i = sum over S without i of |S|!(n-|S|-1)!/n! (v(S+i) - v(S))."""
    phi = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for members in itertools.combinations(others, size):
                mask = sum(1 << j for j in members)
                phi[i] += weight * (worths[mask | 1 << i] - worths[mask])
    return phi


@pytest.mark.parametrize("n", [1, 3, 5])
def test_baselines_compute_the_shapley_value(n):
    # the timed baselines must compute what they are compared with
    worths = _random_worths(n, seed=n)
    expected = _shapley_by_definition(worths, n)
    np.testing.assert_allclose(_seed001_powerset_shapley(n, to_combination_order(worths)),
                               expected, atol=1e-12)
    np.testing.assert_allclose(_seed000_permutation_shapley(n, worths), expected, atol=1e-12)
    np.testing.assert_allclose(_numpy_shapley(worths), expected, atol=1e-12)


def test_exact_scaling_table():
    table = exact_shapley_scaling([3, 8], measure_memory=False, numpy_baseline=False)
    assert table["n_players"].tolist() == [3, 8]
    assert table["worths_mb"].tolist() == [8 * 2**3 / 2**20, 8 * 2**8 / 2**20]
    assert (table["seconds"] > 0).all()
    assert table["numpy_seconds"].isna().all() and table["peak_mb"].isna().all()


@pytest.mark.slow
def test_exact_scaling_measures_peak_memory_in_a_child():
    table = exact_shapley_scaling([10], measure_memory=True, numpy_baseline=True)
    # 2**10 worths: the call needs a few KiB beyond them, far below 50 MB
    assert 0 <= table["peak_mb"].iloc[0] < 50
    assert table["numpy_seconds"].iloc[0] > 0


def test_seed_scaling_times_every_method_on_every_size():
    table = seed_shapley_scaling([3, 4], [4])
    assert table[["method", "n_players"]].values.tolist() == [
        ["seed 001 power set", 3], ["seed 001 power set", 4], ["seed 000 permutations", 4],
        ["ours", 3], ["ours", 4]]
    assert (table["seconds"] > 0).all()


def test_sampled_scaling_table():
    table = sampled_shapley_scaling([2, 6], 16, 8)
    assert table["n_members"].tolist() == [2, 6]
    assert table["inputs_mb"].tolist() == [8 * 2 * 16 / 2**20, 8 * 6 * 16 / 2**20]
    assert (table["seconds"] > 0).all() and table["peak_mb"].isna().all()
    # two members: every order gives the same contributions, so no sampling error
    assert table["mean_std_error"].iloc[0] <= 1e-15 * table["mean_abs_shapley"].iloc[0] + 1e-15


def test_operation_game_scaling_times_every_runner_on_identical_worths():
    import json

    from lectoolkit.operation import from_rec_op_inputs
    from lectoolkit.scaling import operation_game_scaling
    from tests.conftest import DATA

    inputs = from_rec_op_inputs(json.loads((DATA / "rec_instances" / "rec_n50_s96.json")
                                           .read_text()))
    table = operation_game_scaling(inputs, [2, 3], jobs=2)
    assert table[["n_members", "runner", "n_coalitions"]].values.tolist() == [
        [2, "1 process", 3], [2, "2 processes", 3], [3, "1 process", 7], [3, "2 processes", 7]]
    assert (table["seconds"] > 0).all()


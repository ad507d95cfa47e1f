"""Tests of lectoolkit.shapley: exact, settlement-game and sampled Shapley values.

Oracles: the definition (average marginal contribution over all orders, by
itertools.permutations), the subset formula of SPEC §1.1 evaluated coalition by
coalition, direct per-coalition bills of the settlement game, and closed forms.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lectoolkit.shapley as shapley_module
from lectoolkit import _limits
from lectoolkit._validate import ResultRangeError
from lectoolkit.shapley import (
    DenseGameTooLargeError,
    max_dense_players,
    sampling_error_table,
    settlement_game_shapley,
    settlement_game_shapley_sampled,
    settlement_game_worths,
    shapley_sampled,
    shapley_values,
    shapley_weights,
    validate_worths,
)

PROPERTY = settings(max_examples=30, deadline=None)


# ----------------------------------------------------------------------------- oracles


def shapley_by_permutations(worths, n):
    """Definition: average marginal contribution over all n! orders of arrival."""
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        coalition = 0
        for player in order:
            phi[player] += worths[coalition | 1 << player] - worths[coalition]
            coalition |= 1 << player
    return phi / math.factorial(n)


def shapley_by_subsets(worths, n):
    """SPEC §1.1 subset formula, one coalition at a time (no folding)."""
    phi = np.zeros(n)
    for mask in range(1 << n):
        size = bin(mask).count("1")
        for i in range(n):
            if not mask >> i & 1:
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                phi[i] += weight * (worths[mask | 1 << i] - worths[mask])
    return phi


def coalition_bill(net, buy, sell):
    """What a coalition with summed net load ``net`` pays the grid (SPEC §1.1)."""
    return float(np.sum(buy * np.maximum(net, 0.0) - sell * np.maximum(-net, 0.0)))


def settlement_worths_brute_force(load, buy, sell):
    n = load.shape[1]
    alone = [coalition_bill(load[:, i], buy, sell) for i in range(n)]
    worths = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        members = [i for i in range(n) if mask >> i & 1]
        together = coalition_bill(load[:, members].sum(axis=1), buy, sell)
        worths[mask] = sum(alone[i] for i in members) - together
    return worths


def random_game(rng, n):
    worths = rng.normal(size=1 << n) * 10.0
    worths[0] = 0.0
    return worths


def worth_fn_from_dense(worths):
    """Vectorised worth function over membership rows, from dense worths."""
    def worth_fn(members):
        masks = members.astype(np.int64) @ (1 << np.arange(members.shape[1], dtype=np.int64))
        return worths[masks]
    return worth_fn


def settlement_worth_fn(load, buy, sell):
    """Vectorised settlement-game worth function, for any number of members."""
    alone = np.array([coalition_bill(load[:, i], buy, sell) for i in range(load.shape[1])])

    def worth_fn(members):
        net = members.astype(float) @ load.T  # (batch, T)
        together = (buy * np.maximum(net, 0.0) - sell * np.maximum(-net, 0.0)).sum(axis=1)
        return members.astype(float) @ alone - together
    return worth_fn


games = st.integers(1, 6).flatmap(
    lambda n: arrays(np.float64, 1 << n, elements=st.floats(-100, 100, allow_nan=False))
).map(lambda w: np.concatenate([[0.0], w[1:]]))


# ------------------------------------------------------------------------ exact values


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_matches_permutation_oracle(n):
    worths = random_game(np.random.default_rng(n), n)
    expected = shapley_by_permutations(worths, n)
    np.testing.assert_allclose(shapley_values(worths), expected, rtol=0,
                               atol=1e-12 * np.abs(worths).max())


@pytest.mark.parametrize("n", [9, 13, 14])
def test_matches_subset_formula_across_block_sizes(n):
    # n = 13, 14 exceed the kernel's 2**12 block: the bits above a block are exercised
    worths = random_game(np.random.default_rng(100 + n), n)
    expected = shapley_by_subsets(worths, n) if n <= 9 else None
    got = shapley_values(worths)
    if expected is not None:
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(worths).max())
    # a player's value from its marginal contributions only (subset formula for player i)
    masks = np.arange(1 << n)
    sizes = np.array([bin(m).count("1") for m in range(1 << n)])
    weights = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                        for k in range(n)])
    for i in (0, n // 2, n - 1):
        without = masks[(masks >> i & 1) == 0]
        ref = float(np.sum(weights[sizes[without]] * (worths[without | 1 << i] - worths[without])))
        assert got[i] == pytest.approx(ref, abs=1e-12 * np.abs(worths).max())


def test_seed_001_two_prosumer_example():
    # seed 001, section 3.2: get_shapley(2, [0.77, 0.51, 1.04]) printed 0.65 and 0.39
    phi = shapley_values([0.0, 0.77, 0.51, 1.04])
    np.testing.assert_allclose(phi, [0.65, 0.39], rtol=0, atol=0.005)
    # closed form for n = 2: phi_1 = v(1)/2 + (v(12) - v(2))/2
    np.testing.assert_allclose(phi, [0.5 * 0.77 + 0.5 * (1.04 - 0.51),
                                     0.5 * 0.51 + 0.5 * (1.04 - 0.77)], rtol=1e-12)


@PROPERTY
@given(games)
def test_efficiency(worths):
    phi = shapley_values(worths)
    assert phi.sum() == pytest.approx(worths[-1], abs=1e-11 * max(1.0, np.abs(worths).max()))


@PROPERTY
@given(games, st.data())
def test_symmetry(worths, data):
    n = len(worths).bit_length() - 1
    if n < 2:
        return
    i, j = data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))

    def swap(mask):
        bi, bj = mask >> i & 1, mask >> j & 1
        return mask & ~(1 << i | 1 << j) | bi << j | bj << i

    symmetric = np.array([worths[m] + worths[swap(m)] for m in range(len(worths))])
    phi = shapley_values(symmetric)
    assert phi[i] == pytest.approx(phi[j], abs=1e-11 * max(1.0, np.abs(symmetric).max()))


@PROPERTY
@given(games, st.data())
def test_null_player(worths, data):
    n = len(worths).bit_length() - 1
    k = data.draw(st.integers(0, n - 1))
    null = np.array([worths[m & ~(1 << k)] for m in range(len(worths))])
    phi = shapley_values(null)
    assert phi[k] == pytest.approx(0.0, abs=1e-11 * max(1.0, np.abs(null).max()))


@PROPERTY
@given(games, st.integers(0, 2**32 - 1))
def test_additivity(worths, seed):
    other = random_game(np.random.default_rng(seed), len(worths).bit_length() - 1)
    scale = max(1.0, np.abs(worths).max(), np.abs(other).max())
    np.testing.assert_allclose(shapley_values(worths + other),
                               shapley_values(worths) + shapley_values(other),
                               rtol=0, atol=1e-11 * scale)


@PROPERTY
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=8))
def test_additive_game_gives_own_worth(singles):
    n = len(singles)
    singles = np.array(singles)
    worths = np.array([singles[[i for i in range(n) if m >> i & 1]].sum()
                       for m in range(1 << n)])
    np.testing.assert_allclose(shapley_values(worths), singles, rtol=0,
                               atol=1e-11 * max(1.0, np.abs(singles).max()))


@PROPERTY
@given(st.floats(-100, 100), st.floats(-100, 100), st.floats(-100, 100))
def test_two_player_closed_form(v1, v2, v12):
    phi = shapley_values([0.0, v1, v2, v12])
    expected = [0.5 * v1 + 0.5 * (v12 - v2), 0.5 * v2 + 0.5 * (v12 - v1)]
    np.testing.assert_allclose(phi, expected, rtol=0, atol=1e-12 * max(1.0, abs(v1), abs(v2),
                                                                        abs(v12)))


def test_serial_and_parallel_paths_agree(monkeypatch):
    worths = random_game(np.random.default_rng(14), 14)
    serial = shapley_values(worths)  # 2**14 coalitions: one thread
    monkeypatch.setattr(_limits, "PARALLEL_MIN_WORTHS", 0)
    np.testing.assert_allclose(shapley_values(worths), serial, rtol=0,
                               atol=1e-13 * np.abs(worths).max())
    worths[12345] = np.nan
    with pytest.raises(ValueError,
                       match=r"worths: expected finite values \[money\], got nan at 12345"):
        shapley_values(worths)


def test_players_give_series_and_other_dtypes_are_converted():
    worths = random_game(np.random.default_rng(7), 4)
    expected = shapley_by_permutations(worths, 4)
    got = shapley_values(worths, players=list("abcd"))
    assert isinstance(got, pd.Series)
    assert list(got.index) == list("abcd") and got.index.name == "member"
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, atol=1e-12)
    # pandas in, pandas out: a Series of worths gives a Series over members 0 .. n-1
    labelled = shapley_values(pd.Series(worths))
    assert isinstance(labelled, pd.Series) and labelled.name == "shapley"
    assert list(labelled.index) == [0, 1, 2, 3] and labelled.index.name == "member"
    np.testing.assert_allclose(labelled.to_numpy(), expected, rtol=1e-12, atol=1e-12)
    assert isinstance(shapley_values(worths), np.ndarray)
    # non-contiguous float64 and float32 input are converted
    strided = np.repeat(worths, 2)[::2]
    np.testing.assert_allclose(shapley_values(strided), expected, rtol=1e-12, atol=1e-12)
    single = worths.astype(np.float32)
    np.testing.assert_allclose(shapley_values(single),
                               shapley_by_permutations(single.astype(float), 4),
                               rtol=1e-12, atol=1e-12)


def test_weights_are_the_shapley_weights():
    n = 6
    expected = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                for k in range(n)]
    np.testing.assert_allclose(shapley_weights(n), expected, rtol=1e-12)
    # for every player: the weights over all coalitions of the others sum to one
    assert sum(math.comb(n - 1, k) * w for k, w in enumerate(shapley_weights(n))) == \
        pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("worths", "match"),
    [
        ([0.0, 1.0, 2.0], r"worths: length 3 is not 2\*\*n"),
        ([0.0], r"worths: length 1 is not 2\*\*n"),
        ([1.0, 1.0, 2.0, 3.0], r"worths: the empty coalition must be worth 0"),
        ([0.0, np.nan, 2.0, 3.0], r"worths: expected finite values \[money\], got nan at 1"),
        ([0.0, 1.0, 2.0, np.inf], r"worths: expected finite values \[money\], got inf at 3"),
        ([[0.0, 1.0], [2.0, 3.0]], r"worths: expected a 1-D (array|vector)"),
    ],
)
def test_bad_worths(worths, match):
    with pytest.raises(ValueError, match=match):
        shapley_values(worths)
    with pytest.raises(ValueError, match=match):
        validate_worths(worths)


def test_players_length_mismatch():
    with pytest.raises(ValueError, match=r"players: expected 2 labels, got 3"):
        shapley_values([0.0, 0.77, 0.51, 1.04], players=["a", "b", "c"])


def test_memory_estimate_refuses_before_allocating(monkeypatch):
    monkeypatch.setattr(shapley_module, "free_memory_bytes", lambda: 1000)
    single = np.zeros(1 << 8, dtype=np.float32)  # the float64 copy needs 2048 bytes
    with pytest.raises(DenseGameTooLargeError, match=r"shapley_sampled"):
        shapley_values(single)
    assert issubclass(DenseGameTooLargeError, MemoryError)
    # float64 input is used in place: nothing to allocate, nothing refused
    assert shapley_values(np.zeros(1 << 8)).tolist() == [0.0] * 8
    with pytest.raises(DenseGameTooLargeError, match=r"settlement_game_shapley_sampled"):
        settlement_game_worths(np.ones((3, 8)), 0.3, 0.1)


def test_max_dense_players():
    assert max_dense_players(8 * 2**20) == 20
    assert max_dense_players(8 * 2**20 - 1) == 19
    assert max_dense_players(1) == 0
    assert max_dense_players() >= 10


# ------------------------------------------------------------------ settlement games


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("per_step", [False, True])
def test_settlement_worths_match_brute_force(n, per_step):
    rng = np.random.default_rng(10 * n + per_step)
    n_steps = 37
    load = rng.normal(0.2, 1.0, size=(n_steps, n))
    buy = rng.uniform(0.2, 0.4, n_steps) if per_step else 0.3
    sell = rng.uniform(0.0, 0.1, n_steps) if per_step else 0.05
    expected = settlement_worths_brute_force(load, np.broadcast_to(buy, n_steps),
                                             np.broadcast_to(sell, n_steps))
    got = settlement_game_worths(load, buy, sell)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(load).sum())
    assert got[0] == 0.0


def test_settlement_worths_with_a_deep_gray_walk():
    # n = 13 gives walks over 5 middle bits under the 6 split bits and 2 joint bits
    rng = np.random.default_rng(5)
    load = rng.normal(0.0, 1.0, size=(11, 13))
    buy = rng.uniform(0.2, 0.4, 11)
    expected = settlement_worths_brute_force(load, buy, np.full(11, 0.08))
    np.testing.assert_allclose(settlement_game_worths(load, buy, 0.08), expected,
                               rtol=0, atol=1e-12 * np.abs(load).sum())


def test_settlement_shapley_labels_and_efficiency():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(24, 4)), columns=["ann", "bob", "cy", "dee"],
                         index=pd.date_range("2024-01-01", periods=24, freq="h"))
    phi = settlement_game_shapley(frame, 0.3, 0.1)
    assert list(phi.index) == ["ann", "bob", "cy", "dee"] and phi.index.name == "member"
    worths = settlement_worths_brute_force(frame.to_numpy(), np.full(24, 0.3), np.full(24, 0.1))
    np.testing.assert_allclose(phi.to_numpy(), shapley_by_permutations(worths, 4),
                               rtol=0, atol=1e-12 * np.abs(worths).max())
    plain = settlement_game_shapley(frame.to_numpy(), 0.3, 0.1)  # ndarray in, ndarray out
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(plain, phi.to_numpy())
    indexed = settlement_game_shapley(frame.to_numpy(), pd.Series(0.3, index=range(24)), 0.1)
    assert list(indexed.index) == [0, 1, 2, 3] and indexed.index.name == "member"


def test_settlement_game_singletons_are_worth_nothing():
    rng = np.random.default_rng(4)
    worths = settlement_game_worths(rng.normal(size=(50, 6)), 0.25, 0.05)
    singles = worths[1 << np.arange(6)]
    np.testing.assert_allclose(singles, 0.0, atol=1e-12)
    # savings of a larger coalition are non-negative when buy >= sell (subadditive bills)
    assert worths.min() >= -1e-12


@pytest.mark.parametrize(
    ("load", "buy", "sell", "match"),
    [
        (np.ones(5), 0.3, 0.1, r"net_load_kwh: expected a 2-D array"),
        (np.ones((0, 3)), 0.3, 0.1, r"net_load_kwh: expected at least one step and one member"),
        (np.ones((5, 0)), 0.3, 0.1, r"net_load_kwh: expected at least one step and one member"),
        (np.array([[1.0, np.nan]]), 0.3, 0.1,
         r"net_load_kwh: expected finite values \[kWh\], got nan at \(0, 1\)"),
        (np.ones((5, 2)), np.ones(4), 0.1,
         r"price_buy_per_kwh: expected a scalar or 5 prices, one per step \(row\) of "
         r"net_load_kwh, got 4"),
        (np.ones((5, 2)), 0.3, np.ones((5, 1)),
         r"price_sell_per_kwh: expected a 1-D vector \[money/kWh\], got shape \(5, 1\)"),
        (np.ones((5, 2)), np.nan, 0.1,
         r"price_buy_per_kwh: expected a finite number \[money/kWh\], got nan"),
        (np.ones((5, 2)), 0.3, [0.1, 0.1, np.inf, 0.1, 0.1],
         r"price_sell_per_kwh: expected finite values \[money/kWh\], got inf at 2"),
    ],
)
def test_settlement_bad_inputs(load, buy, sell, match):
    for fn in (settlement_game_worths, settlement_game_shapley):
        with pytest.raises(ValueError, match=match):
            fn(load, buy, sell)
    with pytest.raises(ValueError, match=match):
        settlement_game_shapley_sampled(load, buy, sell, 10, rng=0)


# -------------------------------------------------------------------------- sampling


def test_sampled_additive_game_is_exact_with_zero_error():
    singles = np.array([3.0, -1.0, 0.5, 2.0, 7.0])
    for antithetic in (True, False):
        est = shapley_sampled(lambda m: m @ singles, 5, 8, rng=2, antithetic=antithetic)
        assert list(est.to_frame().columns) == ["shapley", "std_error"]
        assert est.shapley.index.name == "member" and est.n_permutations == 8
        np.testing.assert_allclose(est.shapley, singles, rtol=1e-12)
        np.testing.assert_allclose(est.std_error, 0.0, atol=1e-12)


def test_sampled_is_efficient_and_reproducible():
    worths = random_game(np.random.default_rng(8), 6)
    fn = worth_fn_from_dense(worths)
    first = shapley_sampled(fn, 6, 40, rng=11)
    again = shapley_sampled(fn, 6, 40, rng=np.random.default_rng(11))
    pd.testing.assert_frame_equal(first.to_frame(), again.to_frame())
    assert first.shapley.sum() == pytest.approx(worths[-1], abs=1e-12 * np.abs(worths).max())
    assert not first.to_frame().equals(shapley_sampled(fn, 6, 40, rng=12).to_frame())


@pytest.mark.parametrize("antithetic", [True, False])
def test_sampled_within_four_standard_errors_of_exact(antithetic):
    # n = 20 settlement game: exact by Gray-code enumeration, estimate from 400 orders
    rng = np.random.default_rng(20)
    n, n_steps = 20, 24
    load = rng.normal(0.1, 1.0, size=(n_steps, n)) * rng.uniform(0.5, 2.0, n)
    exact = settlement_game_shapley(load, 0.3, 0.05)
    est = settlement_game_shapley_sampled(load, 0.3, 0.05, 400, rng=21, antithetic=antithetic)
    z = (est.shapley - exact).abs() / est.std_error
    assert (est.std_error > 0).all()
    assert (z <= 4.0).mean() >= 0.95, z.to_numpy()
    assert est.shapley.sum() == pytest.approx(exact.sum(), rel=1e-9)


def test_sampled_mean_over_seeds_is_unbiased():
    # an irregular dense game: the mean of 300 independent small-sample estimates must
    # sit within 4 standard errors (across seeds) of the exact value
    n = 5
    worths = random_game(np.random.default_rng(9), n)
    exact = shapley_by_permutations(worths, n)
    fn = worth_fn_from_dense(worths)
    estimates = np.array([shapley_sampled(fn, n, 4, rng=seed).shapley.to_numpy()
                          for seed in range(300)])
    mean = estimates.mean(axis=0)
    spread = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    assert (np.abs(mean - exact) <= 4 * spread + 1e-12).all(), (mean, exact, spread)


@pytest.mark.parametrize("antithetic", [True, False])
def test_fast_path_matches_generic_sampler_at_the_same_seed(antithetic):
    rng = np.random.default_rng(30)
    n, n_steps = 9, 30
    load = rng.normal(size=(n_steps, n))
    buy = rng.uniform(0.2, 0.4, n_steps)
    fast = settlement_game_shapley_sampled(load, buy, 0.05, 60, rng=5, antithetic=antithetic)
    generic = shapley_sampled(settlement_worth_fn(load, buy, np.full(n_steps, 0.05)), n, 60,
                              rng=5, antithetic=antithetic)
    scale = np.abs(load).sum()
    np.testing.assert_allclose(fast.shapley, generic.shapley, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(fast.std_error, generic.std_error, rtol=0,
                               atol=1e-12 * scale)


def test_sampling_beyond_the_bitmask_limit():
    # 100 members: no 64-bit coalition masks anywhere; both samplers agree
    rng = np.random.default_rng(40)
    load = rng.normal(0.1, 1.0, size=(12, 100))
    frame = pd.DataFrame(load, columns=[f"m{i}" for i in range(100)])
    fast = settlement_game_shapley_sampled(frame, 0.3, 0.05, 20, rng=3)
    generic = shapley_sampled(settlement_worth_fn(load, np.full(12, 0.3), np.full(12, 0.05)),
                              100, 20, rng=3)
    assert list(fast.shapley.index[:2]) == ["m0", "m1"]
    np.testing.assert_allclose(fast.shapley.to_numpy(), generic.shapley.to_numpy(),
                               rtol=0, atol=1e-10)
    total = settlement_worth_fn(load, np.full(12, 0.3), np.full(12, 0.05))(np.ones((1, 100),
                                                                                   bool))[0]
    assert fast.shapley.sum() == pytest.approx(total, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_permutations": 5}, r"n_permutations: 5 is odd"),
        ({"n_permutations": 2}, r"n_permutations: 2 gives a single sample"),
        ({"n_permutations": 1, "antithetic": False}, r"n_permutations: 1 gives a single"),
        ({"n_permutations": 0}, r"n_permutations: expected an integer >= 1, got 0"),
        ({"n_permutations": 2.5}, r"n_permutations: expected a whole number, got 2.5"),
        ({"n_players": 0}, r"n_players: expected an integer >= 1, got 0"),
    ],
)
def test_sampled_bad_sizes(kwargs, match):
    args = {"worth_fn": lambda m: m.sum(axis=1).astype(float), "n_players": 3,
            "n_permutations": 10} | kwargs
    with pytest.raises(ValueError, match=match):
        shapley_sampled(**args)


def test_sampled_worth_fn_not_callable_is_a_type_error():
    with pytest.raises(TypeError, match=r"worth_fn: expected a callable, got str"):
        shapley_sampled("not callable", 3, 10, rng=0)


@pytest.mark.parametrize(
    ("worth_fn", "match"),
    [
        (lambda m: np.zeros((m.shape[0], 2)), r"worth_fn: "),
        (lambda m: np.full(m.shape[0], np.nan), r"worth_fn: "),
        (lambda m: np.where(m.sum(axis=1) == 2, np.inf, 0.0),
         r"worth_fn: expected finite values \[money\], got inf at 1"),
        (lambda m: np.zeros(m.shape[0] + 1), r"worth_fn: "),
    ],
)
def test_sampled_bad_worth_fn(worth_fn, match):
    with pytest.raises(ValueError, match=match):
        shapley_sampled(worth_fn, 3, 10, rng=0)


def test_fast_path_bad_permutation_count():
    with pytest.raises(ValueError, match=r"n_permutations: 3 is odd"):
        settlement_game_shapley_sampled(np.ones((4, 3)), 0.3, 0.1, 3)


# ------------------------------------------------- input contract (issue 7 regressions)


@pytest.mark.parametrize("budget", [np.nan, np.inf, -1.0])
def test_max_dense_players_rejects_nan_inf_and_negative_budgets(budget):
    with pytest.raises(ValueError, match=r"^memory_bytes: expected a (finite number|number >= 0)"):
        max_dense_players(budget)


@pytest.mark.parametrize("budget", [True, "1e9", [1e9]])
def test_max_dense_players_rejects_bool_str_and_list_budgets(budget):
    with pytest.raises(TypeError, match=r"^memory_bytes: expected a real number"):
        max_dense_players(budget)


def test_max_dense_players_accepts_zero_and_numpy_numbers():
    assert max_dense_players(0) == 0
    assert max_dense_players(np.float32(16.0)) == 1  # 8 * 2**1 bytes fit exactly


@pytest.mark.parametrize("worths", [np.array([False, True, True, True]),
                                    ["0", "1", "1", "2"], None, "0112"])
def test_boolean_and_string_worths_are_a_type_error(worths):
    with pytest.raises(TypeError, match=r"^worths: expected numbers"):
        shapley_values(worths)


@pytest.mark.parametrize(("players", "error", "match"), [
    ("ab", TypeError, r"^players: expected a list of 2 labels, got str"),
    ({"a", "b"}, TypeError, r"^players: expected a list of 2 labels, got set"),
    (["a", "a"], ValueError, r"^players: duplicated labels \['a'\]"),
    (["a"], ValueError, r"^players: expected 2 labels, got 1"),
    ([["a"], ["b"]], TypeError, r"^players: labels must be hashable"),
])
def test_players_must_be_distinct_labels_of_the_right_count(players, error, match):
    with pytest.raises(error, match=match):
        shapley_values([0.0, 0.77, 0.51, 1.04], players=players)


def test_shapley_values_near_the_float64_limit_match_the_closed_form():
    # phi_1 = v1/2 + (v12 - v2)/2: finite although the plain sums overflow
    v1, v2, v12 = 1e308, 1e308, 1.7e308
    expected = [0.5 * v1 + 0.5 * (v12 - v2), 0.5 * v2 + 0.5 * (v12 - v1)]
    np.testing.assert_allclose(shapley_values([0.0, v1, v2, v12]), expected, rtol=1e-12)


def test_shapley_values_of_subnormal_worths_are_exact():
    unit = 5e-324  # the smallest subnormal: v1 = 3u, v2 = u, v12 = 8u gives (5u, 3u)
    phi = shapley_values(np.array([0.0, 3.0, 1.0, 8.0]) * unit)
    assert phi.tolist() == [5 * unit, 3 * unit]


def test_shapley_values_that_overflow_are_refused_naming_worths():
    # phi_1 = 1.7e308 / 2 + (1.7e308 + 1.7e308) / 2 = 2.55e308 > float64's maximum
    with pytest.raises(ResultRangeError, match=r"^worths: Shapley values leave the range"):
        shapley_values([0.0, 1.7e308, -1.7e308, 1.7e308])


def test_settlement_boolean_and_string_inputs_are_a_type_error():
    load = np.array([[2.0, -1.0], [1.0, -2.0]])
    with pytest.raises(TypeError, match=r"^price_buy_per_kwh: .*booleans are not numbers"):
        settlement_game_worths(load, np.array([True, False]), 0.1)
    with pytest.raises(TypeError, match=r"^price_sell_per_kwh: expected a real number"):
        settlement_game_shapley(load, 0.3, "0.1")
    with pytest.raises(TypeError, match=r"^price_buy_per_kwh: expected a real number"):
        settlement_game_worths(load, True, 0.1)
    with pytest.raises(TypeError, match=r"^net_load_kwh: .*booleans are not numbers"):
        settlement_game_shapley_sampled(load > 0, 0.3, 0.1, 4, rng=0)
    with pytest.raises(TypeError, match=r"^net_load_kwh: expected numbers"):
        settlement_game_worths("load", 0.3, 0.1)


def test_settlement_transposed_net_loads_are_refused_naming_both_arguments():
    load = np.random.default_rng(1).normal(size=(3, 2))  # 3 steps, 2 members
    buy = np.array([0.3, 0.25, 0.2])
    for fn in (settlement_game_worths, settlement_game_shapley):
        with pytest.raises(ValueError, match=r"^price_buy_per_kwh: .* one per step \(row\) "
                                             r"of net_load_kwh, got 3"):
            fn(load.T, buy, 0.1)


def test_settlement_zero_members_refused_one_member_worth_nothing():
    with pytest.raises(ValueError, match=r"^net_load_kwh: expected at least one step and one"):
        settlement_game_shapley(np.empty((3, 0)), 0.3, 0.1)
    alone = np.array([[1.0], [-2.0], [0.5]])
    assert settlement_game_worths(alone, 0.3, 0.1).tolist() == [0.0, 0.0]
    assert settlement_game_shapley(alone, 0.3, 0.1).tolist() == [0.0]
    est = settlement_game_shapley_sampled(alone, 0.3, 0.1, 4, rng=0)
    assert est.shapley.tolist() == [0.0] and est.std_error.tolist() == [0.0]


def test_settlement_price_series_are_paired_by_label():
    steps = pd.date_range("2024-01-01", periods=4, freq="h")
    load = pd.DataFrame(np.random.default_rng(2).normal(size=(4, 3)), index=steps,
                        columns=["a", "b", "c"])
    buy = pd.Series([0.30, 0.25, 0.20, 0.35], index=steps)
    expected = settlement_game_worths(load.to_numpy(), buy.to_numpy(), 0.05)
    shuffled = buy.iloc[[2, 0, 3, 1]]
    np.testing.assert_array_equal(settlement_game_worths(load, shuffled, 0.05), expected)
    foreign = buy.set_axis(steps + pd.Timedelta("1D"))
    with pytest.raises(ValueError, match=r"^price_buy_per_kwh: labels differ from those of "
                                         r"net_load_kwh"):
        settlement_game_worths(load, foreign, 0.05)
    twice = buy.set_axis([steps[0]] * 4)
    with pytest.raises(ValueError, match=r"^price_buy_per_kwh: duplicated labels"):
        settlement_game_shapley(load, twice, 0.05)


def test_settlement_near_the_float64_limit_is_exact_or_refused():
    # two importers of 1.5e308 and 1e308 kWh: pooling saves nothing (their sum overflowed)
    assert settlement_game_worths([[1.5e308, 1e308]], 0.3, 0.1).tolist() == [0.0] * 4
    # half spread (1.7e308 + 1.7e308) / 2 = 1.7e308; v(12) = 1.7e308 (1 + 0.25 - 0.75)
    worths = settlement_game_worths([[1.0, -0.25]], 1.7e308, -1.7e308)
    np.testing.assert_allclose(worths, [0.0, 0.0, 0.0, 0.5 * 1.7e308], rtol=1e-15)
    with pytest.raises(ResultRangeError, match=r"^net_load_kwh, price_buy_per_kwh and "
                                               r"price_sell_per_kwh: coalition worths"):
        settlement_game_worths([[1.0, -1.0]], 1.7e308, -1.7e308)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n_permutations": True}, TypeError, r"^n_permutations: expected an integer"),
    ({"n_players": "3"}, TypeError, r"^n_players: expected an integer"),
    ({"antithetic": 1}, TypeError, r"^antithetic: expected True or False"),
    ({"rng": np.random.RandomState(0)}, TypeError, r"^rng: expected an integer"),
    ({"rng": "seed"}, TypeError, r"^rng: "),
    ({"rng": -1}, ValueError, r"^rng: expected an integer >= 0"),
])
def test_sampled_rejects_booleans_strings_and_foreign_generators(kwargs, error, match):
    args = {"worth_fn": lambda m: m.sum(axis=1).astype(float), "n_players": 3,
            "n_permutations": 10} | kwargs
    with pytest.raises(error, match=match):
        shapley_sampled(**args)


@pytest.mark.parametrize(("worth_fn", "error", "match"), [
    (lambda m: m.any(axis=1), TypeError, r"^worth_fn: .*booleans are not numbers"),
    (lambda m: np.array(["1"] * m.shape[0]), TypeError, r"^worth_fn: expected numbers"),
    (lambda m: None, TypeError, r"^worth_fn: expected numbers"),
    (lambda m: 1.0, ValueError, r"^worth_fn: expected a 1-D vector"),
])
def test_sampled_worth_fn_must_return_one_number_per_row(worth_fn, error, match):
    with pytest.raises(error, match=match):
        shapley_sampled(worth_fn, 3, 10, rng=0)


def test_sampled_huge_player_count_refused_before_any_work():
    def never(members):
        raise AssertionError("worth_fn called before the size check")
    with pytest.raises(ValueError, match=r"^n_players: one permutation's 10000000\*\*2"):
        shapley_sampled(never, 10**7, 10, rng=0)


@pytest.mark.parametrize("exponent", [-1000, 1000])
def test_sampled_games_near_float64_limits_scale_exactly(exponent):
    # estimates and standard errors are linear in the worths: scaling by a power of two
    # must scale them exactly, although squares of such worths underflow or overflow
    worths = random_game(np.random.default_rng(12), 5)
    plain = shapley_sampled(worth_fn_from_dense(worths), 5, 40, rng=3)
    scaled = shapley_sampled(worth_fn_from_dense(np.ldexp(worths, exponent)), 5, 40, rng=3)
    assert (plain.std_error > 0).all()
    np.testing.assert_array_equal(np.ldexp(scaled.to_frame().to_numpy(), -exponent),
                                  plain.to_frame().to_numpy())


# --- sampling_error_table (notebook 06's error study, issue 8) -------------------------------


def test_sampling_error_table_shrinks_like_one_over_root_m():
    # the 8-member game of the brute-force oracle: exact value by definition
    rng = np.random.default_rng(30)
    load = rng.normal(0.1, 1.0, size=(24, 8)) * rng.uniform(0.5, 2.0, 8)
    table = sampling_error_table(load, 0.3, 0.05, [8, 128, 2048], n_seeds=12, rng=4)
    assert table.index.name == "n_permutations" and table.index.tolist() == [8, 128, 2048]
    assert list(table.columns) == ["rmse", "mean_std_error", "coverage_2se", "max_abs_z"]
    # 16x more permutations: 4x less error, within sampling noise of 12 seeds
    ratios = table["rmse"].to_numpy()[:-1] / table["rmse"].to_numpy()[1:]
    assert ((ratios > 2.5) & (ratios < 6.5)).all(), ratios
    # the reported standard errors describe the actual errors
    np.testing.assert_allclose(table["mean_std_error"], table["rmse"], rtol=0.5)
    # 4 antithetic samples at m = 8 give a rough standard error; beyond, ~95 % coverage
    assert (table["coverage_2se"].iloc[1:] > 0.85).all()


def test_sampling_error_table_of_two_members_is_exact():
    # two members: every order gives each the same contribution
    table = sampling_error_table(np.array([[2.0, -1.0], [1.0, -2.0]]), 0.30, 0.10, [4], rng=0)
    assert table.loc[4, "rmse"] < 1e-15 and table.loc[4, "mean_std_error"] < 1e-15


def test_sampling_error_table_is_reproducible():
    load = np.random.default_rng(1).normal(size=(12, 5))
    first = sampling_error_table(load, 0.3, 0.05, [10], n_seeds=3, rng=7)
    again = sampling_error_table(load, 0.3, 0.05, [10], n_seeds=3, rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(first, again)

"""Core membership, least core, prenucleolus and nucleolus against closed forms,
literature games, brute force and (when installed) coopgame-py.

LP results are compared at 1e-7 (solver feasibility tolerances are about 1e-9 of the
data's scale); exact closed forms of the non-LP parts at rtol=1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lectoolkit.core as core_module
from lectoolkit._limits import FULL_ENUMERATION_LIMIT, FULL_ENUMERATION_MAX_PLAYERS
from lectoolkit._validate import ResultRangeError
from lectoolkit.allocation import talmud_rule
from lectoolkit.coalitions import popcounts
from lectoolkit.core import (
    build_least_core_model,
    in_core,
    least_core,
    nucleolus,
    prenucleolus,
)
from lectoolkit.games import additive_worths, bankruptcy_worths, glove_worths, savings_worths
from lectoolkit.solvers import solve
from tests.conftest import every_solver

LP_TOL = 1e-7
EVERY_SOLVER = every_solver()


def coalition_sums(x):
    """Brute-force x(S) for every bitmask S."""
    n = len(x)
    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    return bits @ np.asarray(x, dtype=float)


def proper_excesses(worths, x):
    excess = coalition_sums(x) - np.asarray(worths)
    return excess[1:-1]


def random_game(n, seed):
    """Additive part times noisy coalition factors: many coalitions bind in the LPs."""
    rng = np.random.default_rng(seed)
    base = additive_worths(rng.uniform(0, 1, n))
    worths = base * (1 + 0.3 * rng.standard_normal(1 << n))
    worths[0] = 0.0
    worths[-1] = 1.1 * base[-1]
    return worths


def zero_normalised_game(n, seed):
    """v({i}) = 0 and v(S) random otherwise: the prenucleolus is often not rational."""
    rng = np.random.default_rng(seed)
    worths = rng.uniform(0, 1, 1 << n) * popcounts(n) ** 2
    worths[1 << np.arange(n)] = 0.0
    worths[0] = 0.0
    worths[-1] = 0.5 * n**2
    return worths


def symmetric_worths(f):
    """v(S) = f(|S|) for a list f of length n + 1 with f[0] = 0."""
    n = len(f) - 1
    return np.asarray(f, dtype=float)[popcounts(n)]


# --- in_core --------------------------------------------------------------------------

def test_in_core_glove_game():
    worths = glove_worths(1, 2)
    check = in_core(worths, [1, 0, 0])
    assert check.in_core and bool(check)
    assert check.efficiency_gap == 0 and check.min_excess == 0
    bad = in_core(worths, [0.8, 0.2, 0.0])
    # coalition {left, right #2} = mask 0b101 gets 0.8 < 1
    assert not bad
    assert (bad.worst_coalition, bad.min_excess) == (0b101, pytest.approx(-0.2, abs=1e-12))
    inefficient = in_core(worths, [1.0, 0.1, 0.0])
    assert not inefficient and inefficient.efficiency_gap == pytest.approx(0.1, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(0, 10_000))
def test_in_core_min_excess_matches_brute_force(n, seed):
    rng = np.random.default_rng(seed)
    worths = random_game(n, seed)
    x = rng.uniform(-1, 2, n)
    x *= worths[-1] / x.sum() if abs(x.sum()) > 1e-3 else 1.0
    check = in_core(worths, x)
    excess = proper_excesses(worths, x)
    assert check.min_excess == pytest.approx(excess.min(), abs=1e-12)
    assert excess[check.worst_coalition - 1] == pytest.approx(excess.min(), abs=1e-12)
    expected = abs(x.sum() - worths[-1]) <= 1e-9 and excess.min() >= -1e-9
    assert check.in_core == expected


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 400), st.floats(0, 400)), min_size=2, max_size=7))
def test_single_price_allocation_is_in_savings_game_core(pairs):
    # Cg = .12 >= delta Cr = .075: every member pays the community's marginal price on
    # its net demand; its saving is its alone cost minus that (games.savings_worths Notes).
    consumption = np.array([c for c, _ in pairs])
    production = np.array([p for _, p in pairs])
    worths = savings_worths(consumption, production, 0.12, 0.15, 0.5)
    net = consumption - production
    price = 0.12 if net.sum() > 0 else 0.075
    alone = 0.12 * np.maximum(net, 0) - 0.075 * np.maximum(-net, 0)
    assert in_core(worths, alone - price * net, tol=1e-9)


# --- least core -----------------------------------------------------------------------

@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_least_core_closed_forms_on_every_solver(solver):
    # additive game: the core is the single point a, so epsilon* = 0 and x = a
    a = [1.5, -2.0, 0.25, 4.0]
    solution = least_core(additive_worths(a), solver)
    assert solution.solver == solver
    assert solution.epsilon == pytest.approx(0.0, abs=LP_TOL)
    np.testing.assert_allclose(solution.allocation, a, atol=LP_TOL)
    # glove game 1 left, 2 right: core = {(1, 0, 0)}
    solution = least_core(glove_worths(1, 2), solver)
    np.testing.assert_allclose(solution.allocation, [1, 0, 0], atol=LP_TOL)
    assert solution.epsilon == pytest.approx(0.0, abs=LP_TOL)


@pytest.mark.parametrize("f", [
    [0, 0, 1, 1],          # 3-player majority game: empty core, epsilon* = 2/3 - 1 = -1/3
    [0, 1, 3, 6, 10],      # convex: epsilon* = min_k (k v(N)/n - f(k)) = 1.5 at k = 1 and 3
    [0, 0, 0, 2, 2, 5],
])
@pytest.mark.parametrize("method", ["full", "rowgen"])
def test_least_core_symmetric_game_closed_form(f, method):
    # By symmetry and convexity of the least core, the equal split attains epsilon*,
    # so epsilon* = min over 1 <= k < n of (k v(N)/n - f(k)).
    n = len(f) - 1
    expected = min(k * f[n] / n - f[k] for k in range(1, n))
    solution = least_core(symmetric_worths(f), method=method)
    assert solution.epsilon == pytest.approx(expected, abs=LP_TOL)
    assert proper_excesses(symmetric_worths(f), solution.allocation).min() == pytest.approx(
        expected, abs=LP_TOL)


@pytest.mark.parametrize("n", [6, 10, 13])
def test_row_generation_matches_full_enumeration(n):
    worths = random_game(n, seed=n)
    full = least_core(worths, method="full")
    rowgen = least_core(worths, method="rowgen")
    assert rowgen.epsilon == pytest.approx(full.epsilon, abs=LP_TOL)
    assert full.max_rows == 2**n - 2 and rowgen.max_rows < full.max_rows
    for solution in (full, rowgen):
        assert proper_excesses(worths, solution.allocation).min() >= solution.epsilon - LP_TOL
        assert solution.allocation.sum() == pytest.approx(worths[-1], abs=LP_TOL)


@pytest.mark.slow
def test_row_generation_matches_full_enumeration_at_the_switch_size():
    # n = 16 is the largest size "auto" enumerates fully with GLPK or CBC (65534 rows);
    # HiGHS generates rows at every size
    n = FULL_ENUMERATION_MAX_PLAYERS
    worths = random_game(n, seed=16)
    full = least_core(worths, method="full")
    rowgen = least_core(worths)
    assert full.max_rows == 2**n - 2 and rowgen.max_rows < 2000
    assert rowgen.epsilon == pytest.approx(full.epsilon, abs=LP_TOL)


def test_row_generation_at_n18_certified_by_full_enumeration():
    # Row generation solves a relaxation, so its epsilon is >= epsilon*; enumerating all
    # 2**18 - 2 excesses by brute force shows (x, epsilon) is feasible for the full LP,
    # hence epsilon <= epsilon*: together, optimal.
    n = 18
    assert n > FULL_ENUMERATION_MAX_PLAYERS
    worths = random_game(n, seed=2024)
    solution = least_core(worths)
    assert solution.max_rows < 5000
    excess = proper_excesses(worths, solution.allocation)
    assert excess.min() == pytest.approx(solution.epsilon, abs=LP_TOL)
    assert solution.allocation.sum() == pytest.approx(worths[-1], abs=LP_TOL)


def test_build_least_core_model_structure():
    worths = glove_worths(1, 2)
    model = build_least_core_model(worths, coalitions=[1, 2, 4], fixed={3: 0.0})
    assert list(model.coalitions) == [1, 2, 4]
    assert list(model.fixed_coalitions) == [3]
    result = solve(model)
    # x0 + x1 = 1, x_i >= eps, x0 + x1 + x2 = 1: best eps = 0 (x2 = 0)
    assert result.objective == pytest.approx(0.0, abs=LP_TOL)
    full = build_least_core_model(worths)
    assert len(full.coalitions) == 6


# --- least core of small games: the certified dense simplex ----------------------------

def small_games():
    """Random, integer-valued (ties), majority, zero and unanimity (very degenerate),
    convex and scaled zero-normalised games."""
    rng = np.random.default_rng(12)
    for trial in range(60):
        n = 2 + trial % 11
        kind = trial % 5
        if kind == 0:
            worths = random_game(n, seed=trial)
        elif kind == 1:
            worths = np.round(rng.uniform(0, 3, 1 << n)) * popcounts(n)
        elif kind == 2:
            worths = (popcounts(n) >= (n + 1) // 2).astype(float)
        elif kind == 3:
            worths = additive_worths(rng.uniform(1, 2, n)) ** 1.5
        else:
            worths = zero_normalised_game(n, seed=trial) * 10.0 ** rng.integers(-3, 4)
        worths[0] = 0.0
        yield worths
    for n in (3, 5, 12):
        yield np.zeros(1 << n)
        carriers = np.arange(1 << n)
        yield ((carriers & 0b101) == 0b101).astype(float)  # unanimity game of {0, 2}


def test_small_least_cores_by_the_simplex_match_highs_and_brute_force():
    for worths in small_games():
        n = worths.size.bit_length() - 1
        ours = least_core(worths)
        highs = least_core(worths, "highs")
        assert ours.solver == "lectoolkit-simplex" and highs.solver == "highs"
        assert (ours.n_lps, ours.max_rows) == (1, 2**n - 2)
        scale = max(1.0, np.abs(worths).max())
        # the least-core value is unique: the two solvers agree to rounding
        assert ours.epsilon == pytest.approx(highs.epsilon, abs=1e-12 * scale)
        # the allocation may be any point of the least core: check it by brute force
        excess = proper_excesses(worths, ours.allocation)
        assert excess.min() == pytest.approx(highs.epsilon, abs=1e-9 * scale)
        assert ours.allocation.sum() == pytest.approx(worths[-1], abs=1e-9 * scale)


def test_simplex_is_used_only_for_auto_least_cores_up_to_12_members():
    worths = random_game(12, seed=1)
    assert least_core(worths).solver == "lectoolkit-simplex"
    assert least_core(worths, "highs").solver == "highs"
    assert least_core(worths, method="rowgen").solver == "highs"
    assert least_core(random_game(13, seed=1)).solver == "highs"
    assert prenucleolus(worths).solver == "highs"
    labelled = least_core(glove_worths(1, 2), players=["l", "r1", "r2"])
    assert labelled.solver == "lectoolkit-simplex"
    assert labelled.allocation.to_dict() == pytest.approx({"l": 1.0, "r1": 0.0, "r2": 0.0})


def _simplex_certificate(worths):
    n = worths.size.bit_length() - 1
    tol = 1e-9 * max(1.0, np.abs(worths).max())
    converged, basis, y, x, epsilon = core_module._dual_simplex_kernel(worths, n, 1e-12, 1000)
    assert converged
    keep = basis != 0
    return n, x, float(epsilon), basis[keep], y[keep], tol


def test_certificate_accepts_the_optimum_and_rejects_each_broken_condition():
    # three players, pairs worth 1, trio 1: x = 1/3 each, epsilon = -1/3, dual weight
    # 1/3 on each pair (they cover every member twice: lambda = 2/3)
    worths = np.array([0, 0, 0, 1, 0, 1, 1, 1], dtype=float)
    certified = core_module._least_core_certified
    third = np.full(3, 1 / 3)
    pairs = np.array([3, 5, 6])
    assert certified(worths, 3, third, -1 / 3, pairs, third, 1e-9)
    # inefficient allocation
    assert not certified(worths, 3, third + 1e-6, -1 / 3, pairs, third, 1e-9)
    # a pair gets too little: some coalition row violated
    assert not certified(worths, 3, np.array([0.5, 0.25, 0.25]), -1 / 3, pairs, third, 1e-9)
    # epsilon claimed below the optimum: primal feasible, but the dual bound is -1/3
    assert not certified(worths, 3, third, -0.4, pairs, third, 1e-9)
    # weights that do not cover the members equally
    assert not certified(worths, 3, third, -1 / 3, pairs, np.array([0.5, 0.25, 0.25]), 1e-9)
    # no positive weight
    assert not certified(worths, 3, third, -1 / 3, pairs, -third, 1e-9)
    assert not certified(worths, 3, np.full(3, np.nan), -1 / 3, pairs, third, 1e-9)
    # the simplex's own certificate on a random game, and with epsilon nudged by 1e-8
    n, x, epsilon, masks, y, tol = _simplex_certificate(random_game(9, seed=3))
    assert certified(random_game(9, seed=3), n, x, epsilon, masks, y, tol)
    assert not certified(random_game(9, seed=3), n, x, epsilon + 1e-8, masks, y, tol)
    assert not certified(random_game(9, seed=3), n, x, epsilon - 1e-8, masks, y, tol)


@pytest.mark.parametrize("broken", ["not converged", "no certificate"])
def test_least_core_falls_back_to_highs_without_a_certificate(monkeypatch, broken):
    worths = random_game(8, seed=5)
    expected = least_core(worths, "highs")
    if broken == "not converged":
        kernel = core_module._dual_simplex_kernel
        assert not kernel(worths, 8, 1e-12, 0)[0]  # the singletons are not optimal
        monkeypatch.setattr(core_module, "_dual_simplex_kernel",
                            lambda w, n, tol, pivots: kernel(w, n, tol, 0))
    else:
        monkeypatch.setattr(core_module, "_least_core_certified", lambda *args: False)
    solution = least_core(worths)
    assert solution.solver == "highs" and solution.n_lps >= 1
    assert solution.epsilon == pytest.approx(expected.epsilon, abs=1e-12)
    np.testing.assert_allclose(solution.allocation, expected.allocation, atol=1e-12)


# --- nucleolus ------------------------------------------------------------------------

@pytest.mark.parametrize("solver", EVERY_SOLVER)
@pytest.mark.parametrize("estate, expected", [
    # Aumann & Maschler (1985), Table 1: claims 100, 200, 300
    (100, [100 / 3, 100 / 3, 100 / 3]),
    (200, [50, 75, 75]),
    (300, [50, 100, 150]),
])
def test_nucleolus_bankruptcy_aumann_maschler(solver, estate, expected):
    solution = nucleolus(bankruptcy_worths(estate, [100, 200, 300]), solver)
    np.testing.assert_allclose(solution.allocation, expected, atol=LP_TOL)
    assert solution.solver == solver


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_nucleolus_glove_symmetric_additive(solver):
    np.testing.assert_allclose(nucleolus(glove_worths(1, 2), solver).allocation, [1, 0, 0],
                               atol=LP_TOL)
    a = [1.0, 2.0, -0.5, 3.0]
    np.testing.assert_allclose(nucleolus(additive_worths(a), solver).allocation, a,
                               atol=LP_TOL)
    worths = symmetric_worths([0, 0, 1, 3, 7])
    np.testing.assert_allclose(nucleolus(worths, solver).allocation, np.full(4, 7 / 4),
                               atol=LP_TOL)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=2, max_size=7), st.floats(0.05, 0.95))
def test_nucleolus_is_talmud_rule(claims, fraction):
    # Aumann & Maschler (1985): the nucleolus of the bankruptcy game is the Talmud rule;
    # the game is convex, so the core is not empty and the prenucleolus is the same
    estate = fraction * sum(claims)
    worths = bankruptcy_worths(estate, claims)
    np.testing.assert_allclose(nucleolus(worths).allocation, talmud_rule(estate, claims),
                               atol=1e-6)
    np.testing.assert_allclose(prenucleolus(worths).allocation, talmud_rule(estate, claims),
                               atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5))
def test_two_players_standard_solution(v1, v2, v12):
    # n = 2: x_i = v(i) + (v(12) - v(1) - v(2)) / 2, the prenucleolus always and the
    # nucleolus whenever an imputation exists (v(1) + v(2) <= v(12))
    surplus = (v12 - v1 - v2) / 2
    expected = [v1 + surplus, v2 + surplus]
    np.testing.assert_allclose(prenucleolus([0.0, v1, v2, v12]).allocation, expected,
                               atol=LP_TOL)
    if v1 + v2 <= v12:
        np.testing.assert_allclose(nucleolus([0.0, v1, v2, v12]).allocation, expected,
                                   atol=LP_TOL)
    else:
        with pytest.raises(ValueError, match=r"^worths: the imputation set is empty"):
            nucleolus([0.0, v1, v2, v12])


@pytest.mark.parametrize("n", [5, 8])
def test_prenucleolus_rowgen_matches_full_and_properties(n):
    worths = random_game(n, seed=100 + n)
    full = prenucleolus(worths, method="full")
    rowgen = prenucleolus(worths, method="rowgen")
    np.testing.assert_allclose(rowgen.allocation, full.allocation, atol=1e-6)
    # stage values never decrease; the first is the least-core value
    assert (np.diff(full.epsilons) >= -LP_TOL).all()
    assert full.epsilon == pytest.approx(least_core(worths).epsilon, abs=LP_TOL)
    assert proper_excesses(worths, full.allocation).min() == pytest.approx(full.epsilon,
                                                                           abs=1e-6)
    # covariance under strategic equivalence: v -> 2v + additive b gives x -> 2x + b
    b = np.linspace(-1, 1, n)
    moved = prenucleolus(2 * worths + additive_worths(b)).allocation
    np.testing.assert_allclose(moved, 2 * full.allocation + b, atol=1e-6)


@pytest.mark.parametrize("n", [5, 8])
def test_nucleolus_rowgen_matches_full_where_rationality_binds(n):
    worths = zero_normalised_game(n, seed=200 + n)
    full = nucleolus(worths, method="full")
    rowgen = nucleolus(worths, method="rowgen")
    np.testing.assert_allclose(rowgen.allocation, full.allocation, atol=1e-6)
    assert prenucleolus(worths).allocation.min() < -0.5  # the bounds matter here
    assert (full.allocation >= -LP_TOL).all()  # v({i}) = 0: individually rational
    assert (np.diff(full.epsilons) >= -LP_TOL).all()
    # covariance: v -> 2v + additive b moves the imputations, and the nucleolus, alike
    b = np.linspace(-1, 1, n)
    moved = nucleolus(2 * worths + additive_worths(b)).allocation
    np.testing.assert_allclose(moved, 2 * full.allocation + b, atol=1e-6)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_prenucleolus_and_nucleolus_differ_where_rationality_binds(solver):
    # The pair quoted in issue 12 from Peleg & Sudhölter: v(12) = 10, v(N) = 2, all
    # else 0. By hand: the prenucleolus balances e(3) = x3 against e(12) = 2 - x3 - 10
    # (x3 = -4), then splits x1 + x2 = 6 evenly, (3, 3, -4). Over the imputations
    # (x_i >= 0) e(12) = -8 - x3 is largest at x3 = 0, and e(13) = x1, e(23) = x2
    # give (1, 1, 0).
    worths = [0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 2.0]
    np.testing.assert_allclose(prenucleolus(worths, solver).allocation, [3, 3, -4],
                               atol=LP_TOL)
    solution = nucleolus(worths, solver)
    np.testing.assert_allclose(solution.allocation, [1, 1, 0], atol=LP_TOL)
    assert solution.epsilons[0] == pytest.approx(-8.0, abs=LP_TOL)


def test_nucleolus_refuses_an_empty_imputation_set(monkeypatch):
    def no_lp(*args, **kwargs):
        raise AssertionError("an LP was built before the imputation set was checked")
    monkeypatch.setattr(core_module, "_HighsLP", no_lp)
    # singletons 1 + 1 + 1 > v(N) = 2
    worths = [0.0, 1.0, 1.0, 1.5, 1.0, 1.5, 1.5, 2.0]
    with pytest.raises(ValueError, match=r"^worths: the imputation set is empty: the "
                                         r"singletons are worth 3 together, more than "
                                         r"v\(N\) = 2"):
        nucleolus(worths)
    monkeypatch.undo()
    # the prenucleolus exists: by symmetry the equal split
    np.testing.assert_allclose(prenucleolus(worths).allocation, np.full(3, 2 / 3),
                               atol=LP_TOL)


def test_nucleolus_on_an_exactly_individually_rational_game():
    # sum v({i}) = v(N): the imputation set is the single point (v({i}))
    worths = [0.0, 1.0, 2.0, 5.0, 3.0, 6.0, 7.0, 6.0]
    np.testing.assert_allclose(nucleolus(worths).allocation, [1, 2, 3], atol=LP_TOL)


@pytest.mark.parametrize(("left", "right", "expected"), [
    (2, 3, [1, 1, 0, 0, 0]),        # scarce left gloves: the core is that single point
    (3, 2, [0, 0, 0, 1, 1]),
    (2, 2, [0.5, 0.5, 0.5, 0.5]),   # balanced market: symmetric, efficient
])
def test_nucleolus_of_glove_markets(left, right, expected):
    # players 0 .. left-1 hold a left glove, the others a right glove; v(S) = pairs
    worths = glove_worths(left, right)
    np.testing.assert_allclose(nucleolus(worths).allocation, expected, atol=LP_TOL)
    np.testing.assert_allclose(prenucleolus(worths).allocation, expected, atol=LP_TOL)


def airport_savings_worths(costs):
    """Savings game of an airport cost game c(S) = max_{i in S} c_i (brute force)."""
    costs = np.asarray(costs, dtype=float)
    bits = (np.arange(1 << costs.size)[:, None] >> np.arange(costs.size)) & 1
    return bits @ costs - np.where(bits == 1, costs, 0.0).max(axis=1)


def littlechild_nucleolus(costs):
    """Nucleolus cost shares of the airport game, Littlechild (1974).

    Costs sorted ``c_1 <= ... <= c_n``. Starting with ``k_0 = 0``, ``x_0 = 0``:
    ``alpha = min over k_m < k < n of (c_k - sum_{i <= k_m} x_i) / (k - k_m + 1)``;
    players ``k_m + 1 .. k_{m+1}`` (``k_{m+1}`` the largest minimiser) pay ``alpha``
    each; the largest user pays the rest, ``c_n - sum_{i < n} x_i``.
    S. C. Littlechild, "A simple expression for the nucleolus in a special case",
    Int. J. Game Theory 3 (1974) 21-29, doi:10.1007/BF01766215 (the airport game
    itself: Littlechild & Owen, Manage. Sci. 20 (1973) 370-372).
    """
    costs = np.asarray(costs, dtype=float)
    n = costs.size
    shares = np.zeros(n)
    done = 0  # players 0 .. done-1 have their share
    while done < n - 1:
        paid = shares[:done].sum()
        ratios = [(costs[k] - paid) / (k - done + 2) for k in range(done, n - 1)]
        alpha = min(ratios)
        last = done + max(j for j, r in enumerate(ratios) if r == alpha)
        shares[done:last + 1] = alpha
        done = last + 1
    shares[-1] = costs[-1] - shares[:-1].sum()
    return shares


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(1, 100), min_size=2, max_size=8))
def test_nucleolus_of_airport_games_is_littlechild(costs):
    costs = np.sort(costs)
    savings = nucleolus(airport_savings_worths(costs)).allocation
    np.testing.assert_allclose(costs - savings, littlechild_nucleolus(costs), atol=1e-6)


def sorted_excesses(worths, x):
    return np.sort(proper_excesses(worths, x))


def lexicographically_at_least(a, b, tol):
    """a >=_lex b up to tol: at the first entry differing by more than tol, a is larger."""
    differ = np.flatnonzero(np.abs(a - b) > tol)
    return differ.size == 0 or a[differ[0]] > b[differ[0]]


@pytest.mark.parametrize("n", [3, 4])
@pytest.mark.parametrize("seed", range(4))
def test_nucleoli_beat_every_sampled_allocation_lexicographically(n, seed):
    # Brute force over the definition (Schmeidler 1969): no efficient allocation near or
    # far (prenucleolus), no imputation (nucleolus), has a lexicographically larger
    # sorted excess vector. Directions keep x(N); nucleolus samples stay x_i >= v({i}).
    worths = zero_normalised_game(n, seed)
    rng = np.random.default_rng(seed)
    for solve_game, rational in ((prenucleolus, False), (nucleolus, True)):
        x = solve_game(worths).allocation
        best = sorted_excesses(worths, x)
        for step in (1e-3, 1e-2, 1e-1, 1.0):
            for _ in range(200):
                direction = rng.standard_normal(n)
                y = x + step * (direction - direction.mean())
                if rational and (y < 0).any():
                    continue
                assert lexicographically_at_least(best, sorted_excesses(worths, y), 1e-9)
        if rational:  # far points: uniform over the simplex of imputations
            for y in rng.dirichlet(np.ones(n), 500) * worths[-1]:
                assert lexicographically_at_least(best, sorted_excesses(worths, y), 1e-9)


def test_agrees_with_coopgame_py():
    coopgame = pytest.importorskip("coopgame", reason="coopgame-py (the bench extra) is "
                                   "not installed")
    rng = np.random.default_rng(7)
    for n in range(3, 9):
        weights = rng.integers(1, 5, n)  # weighted majority game: degenerate LPs, many ties
        majority = (additive_worths(weights) > weights.sum() / 2).astype(float)
        for worths in (random_game(n, int(rng.integers(1000))),
                       zero_normalised_game(n, int(rng.integers(1000))), majority):
            game = coopgame.Game(worths[1:].tolist())  # bitmask order without v(empty)
            np.testing.assert_allclose(prenucleolus(worths).allocation,
                                       coopgame.prenucleolus(game)["allocation"], atol=1e-9)
            if worths[1 << np.arange(n)].sum() <= worths[-1]:
                np.testing.assert_allclose(nucleolus(worths).allocation,
                                           coopgame.nucleolus(game)["allocation"],
                                           atol=1e-9)
            # coopgame's excess is v(S) - x(S): its epsilon is minus ours
            theirs = coopgame.least_core(game, domain="preimputation")["epsilon"]
            assert least_core(worths).epsilon == pytest.approx(-theirs, abs=1e-9)


def test_nucleolus_bankruptcy_row_generation_n18_is_talmud():
    claims = np.arange(1, 19) * 10.0
    estate = 0.4 * claims.sum()
    solution = nucleolus(bankruptcy_worths(estate, claims), players=[f"c{i}" for i in range(18)])
    assert solution.max_rows < 2**18 - 2
    np.testing.assert_allclose(solution.allocation.to_numpy(), talmud_rule(estate, claims),
                               atol=1e-6)
    assert solution.allocation.index[0] == "c0"


@pytest.mark.slow
def test_nucleolus_at_n25_dense_is_talmud():
    # 2**25 dense worths (256 MiB): the scale issue 12 asks for, against the closed form
    # of Aumann & Maschler (1985); about 5 s
    claims = np.arange(1, 26) * 10.0
    estate = 0.4 * claims.sum()
    solution = nucleolus(bankruptcy_worths(estate, claims))
    np.testing.assert_allclose(solution.allocation, talmud_rule(estate, claims), atol=1e-6)


# --- bad input ------------------------------------------------------------------------

BAD_WORTHS = [
    ([0.0, 1.0, 2.0], "worths: length 3 is not 2\\*\\*n"),
    ([1.0, 1.0, 2.0, 3.0], "worths: the empty coalition must be worth 0"),
    ([0.0, np.nan, 2.0, 3.0], "worths: expected finite values \\[money\\], got nan at 1"),
    ([0.0, 1.0], "worths: expected a game of at least 2 players, got 1"),
    (np.zeros((2, 2)), "worths: expected a 1-D array"),
]


@pytest.mark.parametrize("worths, message", BAD_WORTHS)
def test_core_functions_reject_bad_worths(worths, message):
    with pytest.raises(ValueError, match=message):
        in_core(worths, [0.0, 0.0])
    for func in (least_core, prenucleolus, nucleolus, build_least_core_model):
        with pytest.raises(ValueError, match=message):
            func(worths)


@pytest.mark.parametrize("allocation, message", [
    ([1.0, 0.0], "allocation: expected 3 values \\[money\\], got 2"),
    ([1.0, np.nan, 0.0], "allocation: expected finite values \\[money\\], got nan at 1"),
    ([[1.0, 0.0, 0.0]], "allocation: expected a 1-D vector"),
])
def test_in_core_rejects_bad_allocation(allocation, message):
    with pytest.raises(ValueError, match=message):
        in_core(glove_worths(1, 2), allocation)


def test_in_core_rejects_bad_tol():
    with pytest.raises(ValueError, match="tol: expected a number >= 0"):
        in_core(glove_worths(1, 2), [1, 0, 0], tol=-1e-9)


def test_core_solvers_reject_bad_options():
    worths = glove_worths(1, 2)
    for func in (least_core, prenucleolus, nucleolus):
        with pytest.raises(ValueError,
                           match="method: expected one of \\('auto', 'full', 'rowgen'\\)"):
            func(worths, method="simplex")
        with pytest.raises(ValueError, match="solver: expected one of \\('auto', 'highs'"):
            func(worths, solver="cplex")
        with pytest.raises(ValueError, match="players: expected 3 labels"):
            func(worths, players=["a", "b"])
    with pytest.raises(ValueError, match="coalitions: 7 is not a proper"):
        build_least_core_model(worths, coalitions=[1, 7])
    with pytest.raises(ValueError, match="fixed: 0 is not a proper"):
        build_least_core_model(worths, fixed={0: 1.0})


# --- input contract (issue 7 regressions) ------------------------------------------

def test_core_functions_reject_boolean_and_string_worths():
    for worths in (np.array([False, False, False, True]), ["0", "0", "0", "1"]):
        with pytest.raises(TypeError, match=r"^worths: expected numbers"):
            in_core(worths, [0.5, 0.5])
        for func in (least_core, nucleolus, build_least_core_model):
            with pytest.raises(TypeError, match=r"^worths: expected numbers"):
                func(worths)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"allocation": np.array([True, False, False])}, TypeError, r"^allocation: .*booleans"),
    ({"allocation": "100"}, TypeError, r"^allocation: expected numbers"),
    ({"tol": True}, TypeError, r"^tol: expected a real number"),
    ({"tol": np.nan}, ValueError, r"^tol: expected a finite number"),
])
def test_in_core_rejects_booleans_strings_and_nan(kwargs, error, match):
    args = {"worths": glove_worths(1, 2), "allocation": [1.0, 0.0, 0.0]} | kwargs
    with pytest.raises(error, match=match):
        in_core(**args)


def test_in_core_refuses_overflowing_coalition_sums():
    with pytest.raises(ResultRangeError, match=r"^allocation and worths: coalition sums"):
        in_core(glove_worths(1, 2), [1.7e308, 1.7e308, -1.7e308])


def test_players_and_options_are_checked_before_any_lp(monkeypatch):
    def no_lp(*args, **kwargs):
        raise AssertionError("an LP was built before the inputs were checked")
    monkeypatch.setattr(core_module, "_HighsLP", no_lp)
    monkeypatch.setattr(core_module, "_PyomoLP", no_lp)
    worths = glove_worths(1, 2)
    for func in (least_core, prenucleolus, nucleolus):
        with pytest.raises(ValueError, match=r"^players: duplicated labels \['a'\]"):
            func(worths, players=["a", "b", "a"])
        with pytest.raises(TypeError, match=r"^players: expected a list of 3 labels, got str"):
            func(worths, players="abc")
        with pytest.raises(TypeError, match=r"^method: expected one of"):
            func(worths, method=None)
        with pytest.raises(TypeError, match=r"^solver: expected one of"):
            func(worths, solver=1)


def test_full_enumeration_is_refused_beyond_its_limit_before_building_rows():
    worths = np.zeros(1 << (FULL_ENUMERATION_LIMIT + 1))
    with pytest.raises(ValueError, match=r"^method: 'full' would build 2\*\*21 - 2 LP rows"):
        least_core(worths, method="full")
    with pytest.raises(ValueError, match=r"^coalitions: the default, every proper coalition"):
        build_least_core_model(worths)


@pytest.mark.parametrize("scale", [1e-12, 1e30])
def test_nucleolus_and_least_core_of_tiny_and_huge_worths(scale):
    # the solvers' absolute tolerances (~1e-9) swamp worths of 1e-12 and treat 1e20 as
    # infinite; the games are solved scaled, and the solutions scale alike
    worths = bankruptcy_worths(200, [100, 200, 300]) * scale
    np.testing.assert_allclose(nucleolus(worths).allocation, np.array([50, 75, 75]) * scale,
                               rtol=1e-7)
    solution = least_core(glove_worths(1, 2) * scale)
    np.testing.assert_allclose(solution.allocation, np.array([1, 0, 0]) * scale,
                               atol=1e-9 * scale)
    assert abs(solution.epsilon) <= 1e-9 * scale


def test_build_least_core_model_refuses_worths_beyond_the_lp_range():
    with pytest.raises(ValueError, match=r"^worths: largest \|v\(S\)\| is 1e\+25"):
        build_least_core_model(glove_worths(1, 2) * 1e25)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"coalitions": [1, 1]}, ValueError, r"^coalitions: a coalition is listed twice"),
    ({"coalitions": [1.5]}, ValueError, r"^coalitions: expected whole bitmasks"),
    ({"coalitions": [True, False]}, TypeError, r"^coalitions: .*booleans"),
    ({"coalitions": []}, ValueError, r"^coalitions: expected at least one coalition"),
    ({"coalitions": "12"}, TypeError, r"^coalitions: expected an iterable of coalition"),
    ({"fixed": [3]}, TypeError, r"^fixed: expected a dict"),
    ({"fixed": {3: np.nan}}, ValueError, r"^fixed: expected finite values"),
    ({"fixed": {"3": 0.0}}, TypeError, r"^fixed: expected numbers"),
])
def test_build_least_core_model_checks_rows(kwargs, error, match):
    with pytest.raises(error, match=match):
        build_least_core_model(glove_worths(1, 2), **kwargs)

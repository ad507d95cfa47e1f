"""Core membership, least core and nucleolus against closed forms and brute force.

LP results are compared at 1e-7 (solver feasibility tolerances are about 1e-9 of the
data's scale); exact closed forms of the non-LP parts at rtol=1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lectoolkit.core as core_module
from lectoolkit._validate import ResultRangeError
from lectoolkit.allocation import talmud_rule
from lectoolkit.coalitions import popcounts
from lectoolkit.core import (
    FULL_ENUMERATION_LIMIT,
    FULL_ENUMERATION_MAX_PLAYERS,
    build_least_core_model,
    in_core,
    least_core,
    nucleolus,
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
    # n = 16 is the largest size "auto" enumerates fully (65534 rows, ~10 s)
    n = FULL_ENUMERATION_MAX_PLAYERS
    worths = random_game(n, seed=16)
    full = least_core(worths)
    rowgen = least_core(worths, method="rowgen")
    assert full.max_rows == 2**n - 2
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
    estate = fraction * sum(claims)
    np.testing.assert_allclose(nucleolus(bankruptcy_worths(estate, claims)).allocation,
                               talmud_rule(estate, claims), atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5))
def test_nucleolus_two_players_standard_solution(v1, v2, v12):
    # n = 2: x_i = v(i) + (v(12) - v(1) - v(2)) / 2
    surplus = (v12 - v1 - v2) / 2
    np.testing.assert_allclose(nucleolus([0.0, v1, v2, v12]).allocation,
                               [v1 + surplus, v2 + surplus], atol=LP_TOL)


@pytest.mark.parametrize("n", [5, 8])
def test_nucleolus_rowgen_matches_full_and_properties(n):
    worths = random_game(n, seed=100 + n)
    full = nucleolus(worths, method="full")
    rowgen = nucleolus(worths, method="rowgen")
    np.testing.assert_allclose(rowgen.allocation, full.allocation, atol=1e-6)
    # stage values never decrease; the first is the least-core value
    assert (np.diff(full.epsilons) >= -LP_TOL).all()
    assert full.epsilon == pytest.approx(least_core(worths).epsilon, abs=LP_TOL)
    assert proper_excesses(worths, full.allocation).min() == pytest.approx(full.epsilon,
                                                                           abs=1e-6)
    # covariance under strategic equivalence: v -> 2v + additive b gives x -> 2x + b
    b = np.linspace(-1, 1, n)
    moved = nucleolus(2 * worths + additive_worths(b)).allocation
    np.testing.assert_allclose(moved, 2 * full.allocation + b, atol=1e-6)


def test_nucleolus_bankruptcy_row_generation_n18_is_talmud():
    claims = np.arange(1, 19) * 10.0
    estate = 0.4 * claims.sum()
    solution = nucleolus(bankruptcy_worths(estate, claims), players=[f"c{i}" for i in range(18)])
    assert solution.max_rows < 2**18 - 2
    np.testing.assert_allclose(solution.allocation.to_numpy(), talmud_rule(estate, claims),
                               atol=1e-6)
    assert solution.allocation.index[0] == "c0"


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
    for func in (least_core, nucleolus, build_least_core_model):
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
    for func in (least_core, nucleolus):
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
        raise AssertionError("an LP was solved before the inputs were checked")
    monkeypatch.setattr(core_module, "solve", no_lp)
    worths = glove_worths(1, 2)
    for func in (least_core, nucleolus):
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

"""Solver discovery, solving, and the errors raised on failure."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from lectoolkit import solvers
from lectoolkit.solvers import (
    SOLVER_PREFERENCE,
    SolverError,
    available_solvers,
    resolve_solver,
    solve,
    solver_version,
)
from tests.conftest import every_solver, requires_glpk

INSTALLED = available_solvers()
EVERY_SOLVER = every_solver()


def small_lp():
    """max 3x + 2y s.t. x + y <= 4, x + 3y <= 7, x <= 3: optimum (3, 1), objective 11."""
    m = pyo.ConcreteModel(name="small_lp")
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.y = pyo.Var(within=pyo.NonNegativeReals)
    m.total = pyo.Constraint(expr=m.x + m.y <= 4)
    m.mix = pyo.Constraint(expr=m.x + 3 * m.y <= 7)
    m.cap = pyo.Constraint(expr=m.x <= 3)
    m.obj = pyo.Objective(expr=3 * m.x + 2 * m.y, sense=pyo.maximize)
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m


def test_available_solvers_in_preference_order():
    assert "highs" in INSTALLED  # highspy is a dependency
    assert INSTALLED == [name for name in SOLVER_PREFERENCE if name in INSTALLED]
    assert resolve_solver("auto") == INSTALLED[0]


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_solve_small_lp_on_every_solver(solver):
    m = small_lp()
    result = solve(m, solver)
    assert result.solver == solver
    assert result.termination_condition == "optimal"
    assert result.solver_version == solver_version(solver)
    assert result.solver_version[0].isdigit()
    assert result.wall_time_s >= 0
    assert result.objective == pytest.approx(11.0, abs=1e-9)
    assert pyo.value(m.x) == pytest.approx(3.0, abs=1e-9)
    assert pyo.value(m.y) == pytest.approx(1.0, abs=1e-9)
    # duals of the binding rows: total (2) and cap (1); mix is slack
    assert abs(m.dual[m.total]) == pytest.approx(2.0, abs=1e-9)
    assert abs(m.dual[m.cap]) == pytest.approx(1.0, abs=1e-9)
    assert abs(m.dual.get(m.mix, 0.0)) == pytest.approx(0.0, abs=1e-9)


@requires_glpk
def test_glpk_agrees_with_highs():
    assert solve(small_lp(), "glpk").objective == pytest.approx(
        solve(small_lp(), "highs").objective, abs=1e-9)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_infeasible_model_raises_naming_solver_and_condition(solver):
    m = pyo.ConcreteModel(name="impossible")
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.c = pyo.Constraint(expr=m.x <= -1)
    m.obj = pyo.Objective(expr=m.x)
    with pytest.raises(SolverError, match=rf"{solver}.*infeasible") as info:
        solve(m, solver)
    assert info.value.solver == solver
    assert "infeasible" in info.value.termination_condition.lower()


def test_unbounded_model_raises():
    m = pyo.ConcreteModel(name="unbounded")
    m.x = pyo.Var()
    m.obj = pyo.Objective(expr=m.x, sense=pyo.maximize)
    m.c = pyo.Constraint(expr=m.x >= 0)
    with pytest.raises(SolverError, match="unbounded") as info:
        solve(m, "highs")
    assert info.value.termination_condition == "unbounded"


def test_missing_solver_raises_with_install_hint(monkeypatch):
    monkeypatch.setattr(solvers.shutil, "which", lambda name: None)
    with pytest.raises(SolverError, match="'glpk' is not installed.*glpk") as info:
        resolve_solver("glpk")
    assert (info.value.solver, info.value.termination_condition) == ("glpk", "unavailable")
    with pytest.raises(SolverError, match="cbc"):
        solve(small_lp(), "cbc")


def test_no_solver_at_all_raises(monkeypatch):
    monkeypatch.setattr(solvers, "_is_available", lambda name: False)
    assert available_solvers() == []
    with pytest.raises(SolverError, match="no LP solver is installed.*highspy") as info:
        resolve_solver("auto")
    assert info.value.solver is None


@pytest.mark.parametrize(("bad", "error"), [("gurobi", ValueError), ("", ValueError),
                                            (None, TypeError), (3, TypeError)])
def test_unknown_solver_name_rejected(bad, error):
    with pytest.raises(error, match=r"solver: expected one of \('auto', 'highs', 'glpk', 'cbc'\)"):
        resolve_solver(bad)
    with pytest.raises(error, match="solver:"):
        solve(small_lp(), bad)
    with pytest.raises(error, match="solver:"):
        solver_version(bad)


@pytest.mark.parametrize("limit", [0, -1.0, float("nan")])
def test_bad_time_limit_rejected(limit):
    with pytest.raises(ValueError, match="time_limit_s"):
        solve(small_lp(), time_limit_s=limit)


def test_time_limit_and_options_are_accepted():
    assert solve(small_lp(), time_limit_s=60, options={"presolve": "off"}).objective == (
        pytest.approx(11.0, abs=1e-9))


# --- input contract (issue 7 regressions) ------------------------------------------

@pytest.mark.parametrize(("model", "error", "match"), [
    (None, TypeError, r"^model: expected a pyomo ConcreteModel, got NoneType"),
    ("small_lp", TypeError, r"^model: expected a pyomo ConcreteModel, got str"),
    (pyo.AbstractModel(), ValueError, r"^model: .* is not constructed"),
    (pyo.ConcreteModel(name="empty"), ValueError, r"^model: expected exactly one active "
                                                  r"objective, 'empty' has 0"),
])
def test_solve_rejects_what_is_not_a_solvable_pyomo_model(model, error, match):
    with pytest.raises(error, match=match):
        solve(model)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"time_limit_s": True}, TypeError, r"^time_limit_s: expected a real number \[s\]"),
    ({"time_limit_s": "60"}, TypeError, r"^time_limit_s: expected a real number \[s\]"),
    ({"time_limit_s": float("inf")}, ValueError, r"^time_limit_s: expected a finite number"),
    ({"options": "presolve=off"}, TypeError, r"^options: expected a dict"),
    ({"options": {"presolve": None}}, TypeError, r"^options: option 'presolve' must be a "
                                                 r"string or a number"),
    ({"options": {"nope": 1}}, ValueError, r"^options: HiGHS refuses option 'nope' = 1"),
    ({"options": {"presolve": 3}}, ValueError, r"^options: HiGHS refuses option 'presolve'"),
    ({"options": {"time_limit": 5}, "time_limit_s": 10}, ValueError,
     r"^options: 'time_limit' sets the time limit that time_limit_s also sets"),
    ({"tee": 1}, TypeError, r"^tee: expected True or False"),
])
def test_solve_checks_time_limit_options_and_tee(kwargs, error, match):
    with pytest.raises(error, match=match):
        solve(small_lp(), "highs", **kwargs)


def test_numpy_option_values_are_accepted():
    result = solve(small_lp(), "highs", options={"presolve": np.str_("off"),
                                                 "mip_rel_gap": np.float64(1e-6)})
    assert result.objective == pytest.approx(11.0, abs=1e-9)


def market_split(m: int = 4, n: int = 30, seed: int = 0):
    """Cornuejols-Dahl market split as an optimisation: min total slack of m equations
    ``a x = floor(sum a / 2)`` over binary x. Any x is feasible (incumbents are easy) and
    with 4 x 30 random coefficients in [0, 99] an exact split almost surely does not exist,
    so proving the optimum (> 0) takes branch and bound far beyond a second; the LP bound
    is 0."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(m, n))
    d = a.sum(axis=1) // 2
    model = pyo.ConcreteModel(name="market_split")
    model.x = pyo.Var(range(n), within=pyo.Binary)
    model.up = pyo.Var(range(m), within=pyo.NonNegativeReals)
    model.down = pyo.Var(range(m), within=pyo.NonNegativeReals)
    model.split = pyo.Constraint(range(m), rule=lambda k, i: (
        sum(int(a[i, j]) * k.x[j] for j in range(n)) + k.up[i] - k.down[i] == int(d[i])))
    model.obj = pyo.Objective(expr=sum(model.up.values()) + sum(model.down.values()))
    return model, a, d


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_time_limit_returns_the_checked_incumbent_with_its_gap(solver):
    model, a, d = market_split()
    result = solve(model, solver, time_limit_s=1, allow_time_limit=True)
    assert result.termination_condition == "time_limit"
    x = np.array([pyo.value(model.x[j]) for j in range(a.shape[1])])
    slack = np.abs(a @ np.round(x) - d).sum()  # the loaded incumbent is the reported one
    assert result.objective == pytest.approx(slack, abs=1e-6) and slack > 0
    assert result.best_bound <= result.objective
    if solver == "glpk":  # pyomo does not read GLPK's bound
        assert result.best_bound == -np.inf and result.relative_gap == np.inf
    else:
        assert result.relative_gap == pytest.approx(
            (result.objective - result.best_bound) / result.objective)
    assert result.wall_time_s < 30


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_time_limit_still_raises_by_default(solver):
    with pytest.raises(SolverError, match="no optimal solution") as caught:
        solve(market_split()[0], solver, time_limit_s=1)
    assert caught.value.termination_condition in ("maxTimeLimit", "feasible")


def test_time_limit_without_an_incumbent_is_no_result():
    """A time limit reached before any feasible solution is not loadable."""
    results = type("Results", (), {"solution": []})()
    assert not solvers._time_limited("highs", "maxTimeLimit", results)
    assert not solvers._time_limited("glpk", "feasible", results)
    with_solution = type("Results", (), {"solution": [object()]})()
    assert solvers._time_limited("glpk", "feasible", with_solution)
    assert not solvers._time_limited("highs", "feasible", with_solution)
    assert not solvers._time_limited("highs", "infeasible", with_solution)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_optimal_solve_reports_a_zero_gap_on_an_lp(solver):
    result = solve(small_lp(), solver, allow_time_limit=True)
    assert result.termination_condition == "optimal"
    assert result.best_bound == pytest.approx(11.0) and result.relative_gap == pytest.approx(0.0)


@requires_glpk
def test_glpk_takes_a_fractional_time_limit():
    """glpsol refuses ``--tmlim 1.5``: the limit is rounded up to whole seconds."""
    assert solve(small_lp(), "glpk", time_limit_s=1.5).objective == pytest.approx(11.0)


def test_relative_gap_edge_cases():
    assert solvers._relative_gap(2.0, 1.0) == 0.5
    assert solvers._relative_gap(-2.0, -3.0) == 0.5
    assert solvers._relative_gap(0.0, 0.0) == 0.0
    assert solvers._relative_gap(0.0, -1.0) == np.inf
    assert solvers._relative_gap(1.0, -np.inf) == np.inf


# ------------------------------------------------------------ matrix programs (operation)


def matrix_lp(offset=0.5, integer=(False, False)):
    """min x + 2y + offset s.t. x + y >= 1, x - y <= 0.5, 0 <= x <= 0.8, y >= 0.

    By hand: both rows bind, x = 0.75, y = 0.25, objective 1.25 + offset; duals of the
    rows 1.5 and -0.5 (c - A'y = 0 for the two basic columns)."""
    return solvers._LinearProgram(
        cost=np.array([1.0, 2.0]), col_lower=np.zeros(2), col_upper=np.array([0.8, np.inf]),
        integer=np.array(integer), rows=np.array([0, 0, 1, 1]), cols=np.array([0, 1, 0, 1]),
        values=np.array([1.0, 1.0, 1.0, -1.0]), row_lower=np.array([1.0, -np.inf]),
        row_upper=np.array([np.inf, 0.5]), name="matrix_lp", offset=offset)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_solve_program_reaches_the_hand_derived_optimum_and_duals(solver):
    found = solvers._solve_program(matrix_lp(), solver)
    assert found.result.termination_condition == "optimal"
    assert found.result.objective == pytest.approx(1.75, abs=1e-9)
    np.testing.assert_allclose(found.x, [0.75, 0.25], atol=1e-9)
    np.testing.assert_allclose(found.row_dual, [1.5, -0.5], atol=1e-9)
    np.testing.assert_allclose(found.col_dual, [0.0, 0.0], atol=1e-9)


@pytest.mark.parametrize("solver", EVERY_SOLVER)
def test_solve_program_integer_columns_and_infeasibility(solver):
    """y integer: y = 1 (y = 0 needs x >= 1 > 0.8), x = 0 (x + y >= 1 holds), objective 2.5;
    no duals for a MILP. x - y >= 0.9 needs x >= 0.9 > 0.8: infeasible."""
    found = solvers._solve_program(matrix_lp(integer=(False, True)), solver)
    assert found.result.objective == pytest.approx(2.5, abs=1e-9)
    np.testing.assert_allclose(found.x, [0.0, 1.0], atol=1e-9)
    assert found.row_dual is None and found.col_dual is None
    broken = matrix_lp()
    broken.row_lower[1], broken.row_upper[1] = 0.9, np.inf
    with pytest.raises(SolverError) as err:
        solvers._solve_program(broken, solver)
    assert "infeasible" in err.value.termination_condition.lower()

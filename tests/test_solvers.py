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
from tests.conftest import requires_glpk

INSTALLED = available_solvers()
EVERY_SOLVER = [
    pytest.param(name, marks=pytest.mark.skipif(name not in INSTALLED,
                                                reason=f"{name} is not installed"))
    for name in SOLVER_PREFERENCE
]


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

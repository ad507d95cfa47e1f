"""Solver discovery and solving of pyomo models, with clear errors on failure.

Three LP/MILP solvers are supported, in this order of preference for
``solver="auto"``:

``"highs"``
    HiGHS through pyomo's ``appsi_highs`` interface (needs the ``highspy`` package,
    a dependency of lectoolkit).
``"glpk"``
    GLPK through its ``glpsol`` executable (``apt install glpk-utils`` or
    ``conda install glpk``).
``"cbc"``
    COIN-OR CBC through its ``cbc`` executable.

pyomo is imported inside the functions that need it, so ``import lectoolkit`` stays
fast. Every solve returns a :class:`SolveResult` recording the solver's name and
version; any termination other than optimal raises :class:`SolverError`, except a time
limit reached with a feasible incumbent when the caller asks for it
(``solve(..., allow_time_limit=True)``).

What the solvers report at their time limit (pyomo 6.10):

* HiGHS (``appsi_highs``): termination ``maxTimeLimit`` with the incumbent, if any, and
  the best bound (``results.problem.lower_bound`` when minimising).
* GLPK (``glpsol --tmlim``, whole seconds): termination ``feasible`` with the incumbent;
  pyomo does not read GLPK's bound, so the bound is reported as unknown (``-inf`` when
  minimising) and the gap as ``inf``. Without an incumbent: ``maxTimeLimit``.
* CBC (``cbc -sec``): termination ``maxTimeLimit`` with the incumbent and its bound in
  ``results.problem`` (from pyomo's CBC reader; not exercised by the test suite when
  CBC is not installed).
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from lectoolkit import _validate

SOLVER_PREFERENCE = ("highs", "glpk", "cbc")
"""Solvers in the order ``solver="auto"`` tries them."""

_PYOMO_NAMES = {"highs": "appsi_highs", "glpk": "glpk", "cbc": "cbc"}
_TIME_LIMIT_OPTION = {"highs": "time_limit", "glpk": "tmlim", "cbc": "sec"}

CHECKED_SOLVERS = ("glpk",)
"""Solvers whose "optimal" solutions are checked against every active constraint: GLPK
5.0's LP presolver can report an infeasible LP as optimal ("OPTIMAL SOLUTION FOUND BY LP
PREPROCESSOR" with an equality row violated by 1e-3; seen on the shifted pool LPs of
``operation.dual_prices``; without its presolver GLPK finds the LP infeasible)."""

CHECK_TOL = 1e-6
"""Largest constraint violation accepted in a checked solution, relative to ``1 + |rhs|``."""
_INSTALL_HINT = {
    "highs": "pip install highspy",
    "glpk": "apt install glpk-utils (or conda install -c conda-forge glpk)",
    "cbc": "apt install coinor-cbc (or conda install -c conda-forge coin-or-cbc)",
}


class SolverError(RuntimeError):
    """A model could not be solved to optimality.

    Attributes
    ----------
    solver : str or None
        Solver name (``"highs"``, ``"glpk"``, ``"cbc"``), or None when none was found.
    termination_condition : str
        Pyomo's termination condition (``"infeasible"``, ``"unbounded"``,
        ``"maxTimeLimit"``, ...) or ``"unavailable"``.
    """

    def __init__(self, message: str, solver: str | None, termination_condition: str):
        super().__init__(message)
        self.solver = solver
        self.termination_condition = termination_condition


@dataclass(frozen=True)
class SolveResult:
    """What a successful :func:`solve` reports.

    Attributes
    ----------
    solver : str
        Solver name, e.g. ``"highs"``.
    solver_version : str
        Version of the solver, e.g. ``"1.15.1"``.
    termination_condition : str
        ``"optimal"``, or ``"time_limit"`` for a feasible incumbent loaded at the time
        limit (only with ``solve(..., allow_time_limit=True)``; other conditions raise
        :class:`SolverError`).
    objective : float
        Value of the model's active objective at the loaded solution.
    wall_time_s : float
        Wall-clock time of the solver call [s].
    best_bound : float
        The solver's best bound on the objective (a lower bound when minimising); the
        objective itself when the solver reports none for an optimum (an LP, GLPK);
        ``-inf`` (``+inf`` when maximising) when it reports none at a time limit.
    relative_gap : float
        ``|objective - best_bound| / |objective|`` [-]: 0 when they are equal, ``inf``
        when the bound is unknown or the objective is 0 and the bound is not.
    """

    solver: str
    solver_version: str
    termination_condition: str
    objective: float
    wall_time_s: float
    best_bound: float = math.nan
    relative_gap: float = math.nan


def _import_pyomo():
    try:
        import pyomo.environ as pyo
    except ImportError as exc:  # pragma: no cover - pyomo is a dependency
        raise ImportError(
            "lectoolkit's optimisation models need pyomo: pip install pyomo highspy"
        ) from exc
    return pyo


def _is_available(name: str) -> bool:
    if importlib.util.find_spec("pyomo") is None:
        return False
    if name == "highs":
        return importlib.util.find_spec("highspy") is not None
    return shutil.which({"glpk": "glpsol", "cbc": "cbc"}[name]) is not None


def available_solvers() -> list[str]:
    """Names of the installed solvers, in order of preference.

    Returns
    -------
    list of str
        A subset of ``["highs", "glpk", "cbc"]``.

    Examples
    --------
    >>> "highs" in available_solvers()
    True
    """
    return [name for name in SOLVER_PREFERENCE if _is_available(name)]


def resolve_solver(solver: str = "auto") -> str:
    """Turn ``"auto"`` or a solver name into the name of an installed solver.

    Parameters
    ----------
    solver : {"auto", "highs", "glpk", "cbc"}
        ``"auto"`` picks the first installed of HiGHS, GLPK, CBC.

    Returns
    -------
    str
        The solver name.

    Raises
    ------
    TypeError
        If ``solver`` is not a string.
    ValueError
        If ``solver`` is not one of the names above.
    SolverError
        If the requested solver (or, for ``"auto"``, every solver) is missing; the
        message says how to install it.

    Examples
    --------
    >>> resolve_solver("auto")
    'highs'
    """
    _validate.choice(solver, "solver", ("auto", *SOLVER_PREFERENCE))
    if solver == "auto":
        found = available_solvers()
        if not found:
            hints = "; ".join(f"{name}: {_INSTALL_HINT[name]}" for name in SOLVER_PREFERENCE)
            raise SolverError(
                f"solver: no LP solver is installed (install one of them, {hints})",
                None,
                "unavailable",
            )
        return found[0]
    if not _is_available(solver):
        raise SolverError(
            f"solver: {solver!r} is not installed ({_INSTALL_HINT[solver]})",
            solver,
            "unavailable",
        )
    return solver


def solver_version(solver: str = "auto") -> str:
    """Version of an installed solver as a dotted string.

    Parameters
    ----------
    solver : {"auto", "highs", "glpk", "cbc"}
        See :func:`resolve_solver`.

    Returns
    -------
    str
        The version, e.g. ``"1.15.1"`` (``"unknown"`` if the solver does not say).

    Raises
    ------
    TypeError, ValueError, SolverError
        As :func:`resolve_solver`.

    Examples
    --------
    >>> solver_version("highs").count(".") >= 1
    True
    """
    return _cached_version(resolve_solver(solver))


@cache
def _cached_version(name: str) -> str:
    version = _import_pyomo().SolverFactory(_PYOMO_NAMES[name]).version()
    if version is None:
        return "unknown"
    return ".".join(str(part) for part in version)


def _check_model(model, pyo) -> None:
    """Refuse anything but a constructed pyomo model with one active objective."""
    if not isinstance(model, pyo.Model):
        raise TypeError(
            f"model: expected a pyomo ConcreteModel, got {_validate.describe(model)}"
        )
    if not model.is_constructed():
        raise ValueError(
            f"model: {model.name!r} is not constructed (an AbstractModel needs "
            "create_instance() first)"
        )
    n_objectives = sum(1 for _ in model.component_data_objects(pyo.Objective, active=True))
    if n_objectives != 1:
        raise ValueError(
            f"model: expected exactly one active objective, {model.name!r} has {n_objectives}"
        )


def _check_options(options, name: str, time_limit_s) -> dict:
    """Solver options as a new dict; HiGHS checks each name and value itself."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"options: expected a dict of option names to values, got "
                        f"{_validate.describe(options)}")
    checked = {}
    for key, value in options.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"options: option names must be non-empty strings, got "
                            f"{_validate.describe(key)}")
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, (str, numbers.Real)):
            raise TypeError(f"options: option {key!r} must be a string or a number, got "
                            f"{_validate.describe(value)}")
        if isinstance(value, float) and not np.isfinite(value):
            raise ValueError(f"options: option {key!r} must be finite, got {value}")
        checked[key] = value
    if time_limit_s is not None and _TIME_LIMIT_OPTION[name] in options:
        raise ValueError(
            f"options: {_TIME_LIMIT_OPTION[name]!r} sets the time limit that time_limit_s "
            "also sets; pass only one of them"
        )
    if name == "highs":
        import highspy

        probe = highspy.Highs()
        probe.setOptionValue("output_flag", False)
        for key, value in checked.items():
            if probe.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                raise ValueError(
                    f"options: HiGHS refuses option {key!r} = {value!r} (unknown name, "
                    "wrong type or out of range; see the HiGHS option list)"
                )
    return checked


def _check_solution(model, name: str, pyo) -> None:
    """Raise :class:`SolverError` ("infeasible") if the loaded solution violates a row."""
    for row in model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(row.body, exception=False)
        if body is None:
            continue
        for bound, excess in ((row.lower, lambda b, v: b - v), (row.upper, lambda b, v: v - b)):
            limit = pyo.value(bound) if bound is not None else None
            if limit is not None and excess(limit, body) > CHECK_TOL * (1.0 + abs(limit)):
                raise SolverError(
                    f"solver {name!r} reported an optimum of model {model.name!r} whose "
                    f"solution violates {row.name} by {abs(excess(limit, body)):.3g}; "
                    "treated as infeasible (no valid solution)",
                    name,
                    "infeasible",
                )


def _bound_and_gap(results, objective: float, minimise: bool, proven: bool):
    """The solver's best bound and the relative gap of ``objective`` to it."""
    bound = results.problem.lower_bound if minimise else results.problem.upper_bound
    bound = None if bound is None else float(bound)
    if bound is None or not math.isfinite(bound):
        bound = objective if proven else (-math.inf if minimise else math.inf)
    return bound, _relative_gap(objective, bound)


def _relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / |objective|``: 0 when equal, inf when undefined [-]."""
    difference = abs(objective - bound)
    if difference == 0.0:
        return 0.0
    if objective == 0.0 or math.isinf(difference):
        return math.inf
    return difference / abs(objective)


def _time_limited(name: str, condition: str, results) -> bool:
    """Whether the solver stopped at its time limit with a feasible incumbent."""
    limited = condition == "maxTimeLimit" or (name == "glpk" and condition == "feasible")
    return limited and len(results.solution) > 0


def solve(
    model,
    solver: str = "auto",
    *,
    time_limit_s: float | None = None,
    options: dict | None = None,
    tee: bool = False,
    allow_time_limit: bool = False,
) -> SolveResult:
    """Solve a pyomo model to optimality and load the solution into it.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        A constructed model with exactly one active objective; if it carries an import
        ``Suffix`` named ``dual``, the solver's dual values are loaded into it as well.
    solver : {"auto", "highs", "glpk", "cbc"}
        See :func:`resolve_solver`.
    time_limit_s : float, optional
        Wall-clock limit passed to the solver, a finite number > 0 [s] (GLPK takes whole
        seconds: rounded up).
    options : dict of str to str or number, optional
        Further solver-specific options. HiGHS checks every name and value before the
        solve; GLPK and CBC get them unchanged. The time-limit option itself
        (``time_limit``, ``tmlim``, ``sec``) belongs in ``time_limit_s`` when that is given.
    tee : bool
        Stream the solver's log.
    allow_time_limit : bool, default False
        When the solver stops at its time limit with a feasible incumbent, load the
        incumbent (checked against every active constraint) and return it with
        ``termination_condition="time_limit"``, its best bound and relative gap, instead
        of raising. A time limit without an incumbent still raises.

    Returns
    -------
    SolveResult
        Solver name and version, termination condition, objective value, time, best
        bound and relative gap.

    Raises
    ------
    TypeError
        If ``model`` is not a pyomo model, ``solver`` not a string, ``time_limit_s``
        not a number, ``options`` not a dict of names to strings or numbers, or ``tee``
        or ``allow_time_limit`` not a bool.
    ValueError
        If ``solver`` is unknown, ``time_limit_s`` is not a finite positive number, an
        option is refused by HiGHS or repeats the time limit, or ``model`` is not
        constructed or has no (or several) active objectives.
    SolverError
        If no solver is available or the termination condition is not optimal
        (infeasible, unbounded, time limit without ``allow_time_limit`` or without an
        incumbent, ...); the message names the solver and the condition; or if a loaded
        GLPK optimum or time-limited incumbent violates a constraint ("infeasible").

    Examples
    --------
    >>> import pyomo.environ as pyo
    >>> m = pyo.ConcreteModel()
    >>> m.x = pyo.Var(bounds=(0, 4))
    >>> m.obj = pyo.Objective(expr=2 * m.x, sense=pyo.maximize)
    >>> result = solve(m)
    >>> result.solver, result.termination_condition, result.objective
    ('highs', 'optimal', 8.0)
    """
    pyo = _import_pyomo()
    _check_model(model, pyo)
    name = resolve_solver(solver)
    if time_limit_s is not None:
        time_limit_s = _validate.positive(time_limit_s, "time_limit_s", unit="s")
    solver_options = _check_options(options, name, time_limit_s)
    tee = _validate.flag(tee, "tee")
    allow_time_limit = _validate.flag(allow_time_limit, "allow_time_limit")
    factory = pyo.SolverFactory(_PYOMO_NAMES[name])
    if time_limit_s is not None:  # glpsol refuses a fractional --tmlim
        solver_options[_TIME_LIMIT_OPTION[name]] = (
            math.ceil(time_limit_s) if name == "glpk" else time_limit_s)
    for key, value in solver_options.items():
        factory.options[key] = value
    start = time.perf_counter()
    results = factory.solve(model, load_solutions=False, tee=tee)
    wall_time_s = time.perf_counter() - start
    condition = str(results.solver.termination_condition)
    proven = condition == "optimal"
    if not proven and not (allow_time_limit and _time_limited(name, condition, results)):
        raise SolverError(
            f"solver {name!r} stopped with termination condition {condition!r} "
            f"on model {model.name!r} (no optimal solution"
            f"{'' if proven or not allow_time_limit else ' and no incumbent'})",
            name,
            condition,
        )
    if not proven:  # pyomo refuses to load from an "aborted" solve: the incumbent is valid
        results.solver.status = pyo.SolverStatus.ok
    model.solutions.load_from(results)
    if name in CHECKED_SOLVERS or not proven:
        _check_solution(model, name, pyo)
    active = next(model.component_data_objects(pyo.Objective, active=True))
    objective = float(pyo.value(active))
    bound, gap = _bound_and_gap(results, objective, active.sense == pyo.minimize, proven)
    return SolveResult(name, solver_version(name), "optimal" if proven else "time_limit",
                       objective, wall_time_s, bound, gap)


# ----------------------------------------------------------------- matrix programs


@dataclass(frozen=True, eq=False)
class _LinearProgram:
    """``min cost @ x + offset`` s.t. ``row_lower <= A x <= row_upper``, column bounds.

    ``A`` in coordinate form (``rows``, ``cols``, ``values``; repeated entries add up);
    ``integer`` marks the integer columns. Bounds may be ``±inf``.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    name: str
    offset: float = 0.0

    @property
    def n_cols(self) -> int:
        return self.cost.size

    @property
    def n_rows(self) -> int:
        return self.row_lower.size


@dataclass(frozen=True, eq=False)
class _ProgramSolution:
    """A solved :class:`_LinearProgram`: result, primal values and (LPs) duals.

    ``row_dual``, ``col_dual``: the duals of the rows and the reduced costs of the columns
    (sign convention of a minimisation: ``cost - A' row_dual = col_dual``), ``None`` for a
    program with integer columns.
    """

    result: SolveResult
    x: np.ndarray
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None


_HIGHS_CONDITION = {  # HiGHS model status -> pyomo's name of the termination condition
    "kInfeasible": "infeasible", "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasibleOrUnbounded", "kTimeLimit": "maxTimeLimit",
    "kIterationLimit": "maxIterations",
}


def _highs_lp(program: _LinearProgram, col_lower=None, col_upper=None, row_lower=None,
              row_upper=None):
    """The program as a ``highspy.HighsLp`` (column-wise matrix).

    The bounds are the program's unless others (same shapes) are given.
    """
    import highspy

    order = np.lexsort((program.rows, program.cols))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = program.n_cols, program.n_rows
    lp.col_cost_ = program.cost
    lp.col_lower_ = program.col_lower if col_lower is None else col_lower
    lp.col_upper_ = program.col_upper if col_upper is None else col_upper
    lp.row_lower_ = program.row_lower if row_lower is None else row_lower
    lp.row_upper_ = program.row_upper if row_upper is None else row_upper
    lp.offset_ = float(program.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(program.cols, minlength=program.n_cols))]).astype(np.int32)
    lp.a_matrix_.index_ = program.rows[order].astype(np.int32)
    lp.a_matrix_.value_ = program.values[order].astype(np.float64)
    if program.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if flag else
                           highspy.HighsVarType.kContinuous for flag in program.integer]
    return lp


def _solve_program(program: _LinearProgram, solver: str, *, time_limit_s=None, options=None,
                   allow_time_limit: bool = False, start=None) -> _ProgramSolution:
    """Solve a matrix program: HiGHS directly through highspy, other solvers through pyomo.

    ``solver`` is an installed solver's name (:func:`resolve_solver`); ``options`` as
    :func:`solve`, checked by it. Terminations other than optimal raise
    :class:`SolverError` as :func:`solve` does (same condition names). ``start``: a
    starting point (one value per column) HiGHS starts from (a feasible one saves simplex
    iterations; it never changes the optimum); other solvers ignore it.
    """
    if solver != "highs":
        return _solve_program_pyomo(program, solver, time_limit_s, options, allow_time_limit)
    import highspy

    solver_options = _check_options(options, solver, time_limit_s)
    if time_limit_s is not None:
        solver_options["time_limit"] = float(time_limit_s)
    is_mip = bool(program.integer.any())
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    for key, value in solver_options.items():
        highs.setOptionValue(key, value)
    highs.passModel(_highs_lp(program))
    if start is not None:
        guess = highspy.HighsSolution()
        guess.col_value = np.asarray(start, dtype=np.float64).tolist()
        guess.value_valid = True
        highs.setSolution(guess)
    began = time.perf_counter()
    highs.run()
    wall_time_s = time.perf_counter() - began
    status = highs.getModelStatus().name
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    proven = status == "kOptimal"
    if not proven and not (allow_time_limit and status == "kTimeLimit" and has_solution):
        condition = _HIGHS_CONDITION.get(status, status)
        raise SolverError(
            f"solver 'highs' stopped with termination condition {condition!r} on model "
            f"{program.name!r} (no optimal solution"
            f"{'' if not allow_time_limit else ' and no incumbent'})",
            "highs", condition)
    solution = highs.getSolution()
    x = np.asarray(solution.col_value, dtype=np.float64)
    objective = float(program.cost @ x + program.offset)
    if is_mip:
        bound = float(info.mip_dual_bound)
        bound = bound if math.isfinite(bound) else (objective if proven else -math.inf)
    else:
        bound = objective
    result = SolveResult("highs", solver_version("highs"),
                         "optimal" if proven else "time_limit", objective, wall_time_s, bound,
                         _relative_gap(objective, bound))
    if is_mip or not proven:
        return _ProgramSolution(result, x, None, None)
    return _ProgramSolution(result, x, np.asarray(solution.row_dual, dtype=np.float64),
                            np.asarray(solution.col_dual, dtype=np.float64))


def _solve_program_pyomo(program, solver, time_limit_s, options, allow_time_limit):
    """:func:`_solve_program` for GLPK and CBC: the program as a pyomo model."""
    pyo = _import_pyomo()
    from pyomo.core.expr.numeric_expr import LinearExpression

    model = pyo.ConcreteModel(name=program.name)
    columns = range(program.n_cols)

    def bounds(_, j):
        low, high = program.col_lower[j], program.col_upper[j]
        return (None if low == -np.inf else float(low), None if high == np.inf else float(high))

    model.x = pyo.Var(columns, bounds=bounds, within=pyo.Reals)
    for j in np.flatnonzero(program.integer):
        model.x[int(j)].domain = pyo.Integers
    order = np.lexsort((program.cols, program.rows))
    rows, cols, values = program.rows[order], program.cols[order], program.values[order]
    starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=program.n_rows))])
    x = model.x

    def row(_, i):
        span = slice(starts[i], starts[i + 1])
        body = LinearExpression(constant=0.0, linear_coefs=values[span].tolist(),
                                linear_vars=[x[j] for j in cols[span].tolist()])
        low, high = program.row_lower[i], program.row_upper[i]
        return (None if low == -np.inf else float(low), body,
                None if high == np.inf else float(high))

    model.rows = pyo.Constraint(range(program.n_rows), rule=row)
    used = np.flatnonzero(program.cost)
    model.objective = pyo.Objective(expr=LinearExpression(
        constant=float(program.offset), linear_coefs=program.cost[used].tolist(),
        linear_vars=[x[j] for j in used.tolist()]), sense=pyo.minimize)
    is_lp = not program.integer.any()
    if is_lp:
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        model.rc = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    result = solve(model, solver, time_limit_s=time_limit_s, options=options,
                   allow_time_limit=allow_time_limit)
    values_x = np.array([0.0 if x[j].value is None else x[j].value for j in columns])
    if not is_lp or result.termination_condition != "optimal":
        return _ProgramSolution(result, values_x, None, None)
    row_dual = np.array([model.dual.get(model.rows[i], 0.0) for i in range(program.n_rows)])
    col_dual = np.array([model.rc.get(x[j], 0.0) for j in columns])
    return _ProgramSolution(result, values_x, row_dual, col_dual)

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
version; any termination other than optimal raises :class:`SolverError`.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from dataclasses import dataclass
from functools import cache

SOLVER_PREFERENCE = ("highs", "glpk", "cbc")
"""Solvers in the order ``solver="auto"`` tries them."""

_PYOMO_NAMES = {"highs": "appsi_highs", "glpk": "glpk", "cbc": "cbc"}
_TIME_LIMIT_OPTION = {"highs": "time_limit", "glpk": "tmlim", "cbc": "sec"}
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
        Always ``"optimal"`` (other conditions raise :class:`SolverError`).
    objective : float or None
        Value of the model's active objective, None if it has none.
    wall_time_s : float
        Wall-clock time of the solver call [s].
    """

    solver: str
    solver_version: str
    termination_condition: str
    objective: float | None
    wall_time_s: float


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
    if not isinstance(solver, str) or solver not in ("auto", *SOLVER_PREFERENCE):
        raise ValueError(
            f"solver: expected 'auto' or one of {list(SOLVER_PREFERENCE)}, got {solver!r}"
        )
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


def solve(
    model,
    solver: str = "auto",
    *,
    time_limit_s: float | None = None,
    options: dict | None = None,
    tee: bool = False,
) -> SolveResult:
    """Solve a pyomo model to optimality and load the solution into it.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        The model; if it carries an import ``Suffix`` named ``dual``, the solver's
        dual values are loaded into it as well.
    solver : {"auto", "highs", "glpk", "cbc"}
        See :func:`resolve_solver`.
    time_limit_s : float, optional
        Wall-clock limit passed to the solver [s].
    options : dict, optional
        Further solver-specific options, passed through unchanged.
    tee : bool
        Stream the solver's log.

    Returns
    -------
    SolveResult
        Solver name and version, termination condition, objective value, time.

    Raises
    ------
    SolverError
        If no solver is available or the termination condition is not optimal
        (infeasible, unbounded, time limit, ...); the message names the solver and
        the condition.
    ValueError
        If ``time_limit_s`` is not positive or ``solver`` is unknown.

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
    name = resolve_solver(solver)
    if time_limit_s is not None and not time_limit_s > 0:
        raise ValueError(f"time_limit_s: expected a positive number of seconds, got {time_limit_s}")
    pyo = _import_pyomo()
    factory = pyo.SolverFactory(_PYOMO_NAMES[name])
    solver_options = dict(options or {})
    if time_limit_s is not None:
        solver_options[_TIME_LIMIT_OPTION[name]] = time_limit_s
    for key, value in solver_options.items():
        factory.options[key] = value
    start = time.perf_counter()
    results = factory.solve(model, load_solutions=False, tee=tee)
    wall_time_s = time.perf_counter() - start
    condition = str(results.solver.termination_condition)
    if condition != "optimal":
        raise SolverError(
            f"solver {name!r} stopped with termination condition {condition!r} "
            f"on model {model.name!r} (no optimal solution)",
            name,
            condition,
        )
    model.solutions.load_from(results)
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    objective = float(pyo.value(objectives[0])) if objectives else None
    return SolveResult(name, solver_version(name), condition, objective, wall_time_s)

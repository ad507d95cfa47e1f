"""The core family of a profit game: core membership, least core, prenucleolus, nucleolus.

A profit game is given by its dense worth array (``worths[S] = v(S)`` for every
bitmask ``S``, see :mod:`lectoolkit.coalitions`). The *excess* of coalition ``S``
under allocation ``x`` is ``e(S, x) = x(S) - v(S)``: what ``S`` gets beyond what it
could secure alone. An allocation is in the core when it is efficient and no excess
is negative.

The least core, the prenucleolus and the nucleolus are sequences of linear programs
over one row per coalition. With HiGHS they are passed as sparse matrices straight to
``highspy`` and the whole sequence is solved in one HiGHS instance, modified in place
between solves so that each LP starts from the previous optimal basis; with GLPK or
CBC they are the pyomo models of :func:`build_least_core_model`. Rows are generated:
the first LP starts with the singletons, their complements and the coalitions with the
smallest excesses at a first guess, and a numba scan of all ``2**n`` worths adds the
most violated coalitions until none is violated; ``method="full"`` gives every
coalition a row instead. The scan reads ``x(S)`` as the sum of two entries of
subset-sum tables over the low and the high half of the members (``2**(n/2)`` entries
each): ``O(2**n)`` time like an incremental Gray-code walk, no extra ``2**n`` memory,
and no rounding accumulated along ``2**n`` updates.

Small least cores (``solver="auto"``, ``method="auto"``, at most
``_SIMPLEX_MAX_PLAYERS`` = 12 members) skip HiGHS, whose set-up and single solve cost
more than the whole LP: a numba simplex on the least-core dual (``n + 1`` equality
rows, one column per coalition, priced by a scan of all ``2**n - 2`` coalitions) finds
an optimal basis, and the answer is returned only with a certificate checked
independently of the simplex (primal feasibility of every coalition row, dual
feasibility, equal objectives; see :func:`least_core`, Notes). Without one, HiGHS
solves the LP as above. Such results report ``solver="lectoolkit-simplex"``.
"""

from __future__ import annotations

import functools
import math
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from lectoolkit import __version__, _limits, _validate
from lectoolkit.coalitions import member_series
from lectoolkit.solvers import (
    SOLVER_PREFERENCE,
    SolverError,
    _import_pyomo,
    resolve_solver,
    solve,
    solver_version,
)

LP_WORTH_RANGE = (1e-6, 1e12)
"""Magnitudes ``max |v(S)|`` [money] the LPs are built for: the solvers work to absolute
tolerances near ``1e-9`` and treat ``1e20`` as infinite. :func:`least_core`,
:func:`prenucleolus` and :func:`nucleolus` solve games outside it scaled by a power of
two (exact, and the solutions scale alike); :func:`build_least_core_model` refuses them."""

_ROWS_PER_ROUND = 4
"""Row generation adds up to ``_ROWS_PER_ROUND * n`` violated coalitions per round."""
_DUAL_TOL = 1e-7
"""Smallest dual value taken as positive (the duals of a stage's rows sum to 1)."""
_SPAN_TOL = 1e-8
"""A coalition whose indicator projects below this on the free directions is settled."""
_HIGHS_TOL = 1e-9
"""Primal and dual feasibility tolerances given to HiGHS (its default is 1e-7)."""
_HIGHS = threading.local()
"""One HiGHS instance per thread, cleared for each game (creating one costs 0.15 ms)."""


@dataclass(frozen=True)
class CoreCheck:
    """Result of :func:`in_core`; true in a boolean context iff the allocation is in the core.

    Attributes
    ----------
    in_core : bool
        Efficient within ``tol`` and no coalition's excess below ``-tol``.
    efficiency_gap : float
        ``x(N) - v(N)`` [money].
    worst_coalition : int
        Bitmask of a proper coalition ``S`` (neither empty nor ``N``) with the
        smallest excess, i.e. the most violated (or least satisfied) one.
    min_excess : float
        Its excess ``x(S) - v(S)`` [money]; negative means ``S`` would rather leave.
    """

    in_core: bool
    efficiency_gap: float
    worst_coalition: int
    min_excess: float

    def __bool__(self) -> bool:
        return self.in_core


@dataclass(frozen=True)
class CoreSolution:
    """An allocation from the core family, with how it was computed.

    Attributes
    ----------
    allocation : numpy.ndarray or pandas.Series, shape (n,)
        Payoff of each member [money]; sums to ``v(N)``.
    epsilons : tuple of float
        Optimal ``epsilon`` (smallest excess over the coalitions not yet settled) of
        each LP stage [money], non-decreasing. For :func:`least_core` and
        :func:`prenucleolus` the first is the least-core value; for :func:`nucleolus`
        it is the least-core value over the imputations.
    solver, solver_version : str
        Solver used and its version: ``"lectoolkit-simplex"`` and lectoolkit's version
        for the certified dense simplex of small least cores (see :func:`least_core`).
    n_lps : int
        Number of LPs solved (row-generation rounds included).
    max_rows : int
        Largest number of coalition rows ``x(S) - epsilon >= v(S)`` in one LP.
    """

    allocation: np.ndarray | pd.Series
    epsilons: tuple[float, ...]
    solver: str
    solver_version: str
    n_lps: int
    max_rows: int

    @property
    def epsilon(self) -> float:
        """The first stage's optimal ``epsilon`` [money] (see ``epsilons``)."""
        return self.epsilons[0]


def _validate_game(worths) -> tuple[np.ndarray, int, float]:
    """Dense worths of a game of ``n >= 2`` players, ``n`` and ``max |v(S)|``."""
    return _validate.dense_worths(worths, min_players=2)


def _lp_shift(peak: float) -> int:
    """0 if ``peak = max |v|`` is in :data:`LP_WORTH_RANGE` (or 0), else its power of two."""
    low, high = LP_WORTH_RANGE
    return 0 if peak == 0.0 or low <= peak <= high else int(np.frexp(peak)[1])


def _resolve_solver(solver) -> str:
    """:func:`lectoolkit.solvers.resolve_solver`, without its disk probes once HiGHS is loaded.

    Those probes (about 1 ms) would dominate a small game; HiGHS is installed once
    ``highspy`` has been imported, and ``"auto"`` prefers it.
    """
    if (isinstance(solver, str) and solver in ("auto", "highs") and "highspy" in sys.modules
            and SOLVER_PREFERENCE[0] == "highs"):
        return "highs"
    return resolve_solver(solver)


def _validate_method(method, n: int, solver: str) -> str:
    method = _validate.choice(method, "method", ("auto", "full", "rowgen"))
    if method == "auto":
        enumerate_all = solver != "highs" and n <= _limits.FULL_ENUMERATION_MAX_PLAYERS
        return "full" if enumerate_all else "rowgen"
    if method == "full" and n > _limits.FULL_ENUMERATION_LIMIT:
        raise ValueError(
            f"method: 'full' would build 2**{n} - 2 LP rows for a {n}-player game (limit "
            f"{_limits.FULL_ENUMERATION_LIMIT} players); use 'rowgen' or 'auto'"
        )
    return method


def _coalition_masks(value, name: str, n: int) -> list[int]:
    """Distinct bitmasks of proper non-empty coalitions of ``n`` players, as ints."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"{name}: expected an iterable of coalition bitmasks (int), got "
                        f"{_validate.describe(value)}")
    masks = _validate.vector(list(value), name, min_size=0)[0]
    fraction = np.flatnonzero(masks != np.floor(masks))
    if fraction.size:
        raise ValueError(f"{name}: expected whole bitmasks, got {masks[fraction[0]]} at "
                         f"{fraction[0]}")
    grand = (1 << n) - 1
    outside = np.flatnonzero((masks <= 0) | (masks >= grand))
    if outside.size:
        raise ValueError(
            f"{name}: {masks[outside[0]]:.0f} is not a proper non-empty coalition of {n} "
            f"players (expected 0 < mask < {grand})"
        )
    if np.unique(masks).size != masks.size:
        raise ValueError(f"{name}: a coalition is listed twice; list each once")
    return [int(s) for s in masks]


@numba.njit(cache=True)
def _subset_table(values):
    """``table[a, j] = sum of values[i, j] over the bits i of a`` (doubling, exact order)."""
    table = np.zeros((1 << values.shape[0], values.shape[1]))
    for i in range(values.shape[0]):
        half = 1 << i
        for a in range(half):
            for j in range(values.shape[1]):
                table[half + a, j] = table[a, j] + values[i, j]
    return table


def _block_min_excess(worths, x, basis, span_tol):
    """Per block of coalitions, the one with the smallest excess ``x(S) - v(S)``.

    Coalition ``S = b * 2**h + a`` (``h = n // 2``) has ``x(S) = low[a] + high[b]``,
    from two subset-sum tables of ``2**h`` and ``2**(n - h)`` entries; block ``b``
    holds the ``S`` sharing the high bits ``b``. The empty and grand coalitions are
    skipped, and so is every ``S`` whose projections on the rows of ``basis`` all
    vanish (``S`` in the span of the settled coalitions). Returns (mask, excess) per
    block; mask -1 if the block has none. ``O(2**n)`` time; compiled twice below, on
    one thread and on numba's thread pool.
    """
    n = x.shape[0]
    h = n // 2
    k = basis.shape[0]
    low = _subset_table(np.concatenate((x[:h].reshape(h, 1), basis[:, :h].T), axis=1))
    high = _subset_table(np.concatenate((x[h:].reshape(n - h, 1), basis[:, h:].T), axis=1))
    n_low = low.shape[0]
    n_high = high.shape[0]
    grand = worths.shape[0] - 1
    best_mask = np.full(n_high, -1, dtype=np.int64)
    best_excess = np.full(n_high, np.inf)
    for b in numba.prange(n_high):
        mask_b = -1
        excess_b = np.inf
        high_x = high[b, 0]
        for a in range(n_low):
            s = b * n_low + a
            if s == 0 or s == grand:
                continue
            excess = low[a, 0] + high_x - worths[s]
            if excess >= excess_b:
                continue
            if k > 0:
                free = False
                for j in range(1, k + 1):
                    if abs(low[a, j] + high[b, j]) > span_tol:
                        free = True
                        break
                if not free:
                    continue
            mask_b = s
            excess_b = excess
        best_mask[b] = mask_b
        best_excess[b] = excess_b
    return best_mask, best_excess


_block_min_excess_serial = numba.njit(cache=True)(_block_min_excess)
_block_min_excess_parallel = numba.njit(cache=True, parallel=True)(_block_min_excess)


def _scan_excesses(worths, x, basis):
    """Block minima of the excess over the coalitions free of the span (see kernel)."""
    parallel = _limits.run_parallel(worths.size, _limits.PARALLEL_MIN_WORTHS)
    kernel = _block_min_excess_parallel if parallel else _block_min_excess_serial
    return kernel(worths, np.ascontiguousarray(x, dtype=np.float64),
                  np.ascontiguousarray(basis, dtype=np.float64), _SPAN_TOL)


def in_core(worths, allocation, tol: float = 1e-9) -> CoreCheck:
    """Check whether an allocation is in the core of a profit game.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], ``n >= 2``, finite, ``v(∅) = 0`` (see
        :func:`lectoolkit.shapley.validate_worths`).
    allocation : array_like, shape (n,)
        Payoff ``x_i`` of each member [money], finite (any sign); a Series is taken in
        its order (member ``i`` = position ``i``).
    tol : float
        Absolute tolerance on efficiency and on each coalition's excess, a finite
        number >= 0 [money].

    Returns
    -------
    CoreCheck
        ``in_core`` plus the efficiency gap and the proper coalition with the
        smallest excess (the most violated one when the allocation is not stable).

    Raises
    ------
    TypeError
        If an argument is not numeric (None, strings, booleans, a DataFrame).
    ValueError
        If ``worths`` is not a valid dense worth array of at least 2 players,
        ``allocation`` has a length other than ``n`` or non-finite entries, or ``tol``
        is negative or not finite.
    lectoolkit.ResultRangeError
        If coalition sums or excesses leave float64's range.

    Notes
    -----
    ``x`` is in the core iff ``x(N) = v(N)`` and ``x(S) >= v(S)`` for every ``S``
    (Gillies, 1959). All ``2**n`` excesses are scanned in ``O(2**n)`` time.

    Examples
    --------
    The glove game with one left and two right gloves: only (1, 0, 0) is stable.

    >>> from lectoolkit.games import glove_worths
    >>> bool(in_core(glove_worths(1, 2), [1.0, 0.0, 0.0]))
    True
    >>> check = in_core(glove_worths(1, 2), [0.5, 0.25, 0.25])
    >>> check.in_core, check.worst_coalition, check.min_excess
    (False, 3, -0.25)
    """
    arr, n, _ = _validate_game(worths)
    x = _validate.vector(allocation, "allocation", unit="money", size=n)[0]
    tol = _validate.nonnegative(tol, "tol", unit="money")
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        magnitude = np.abs(x).sum()
        gap = float(x.sum() - arr[-1])
    # with sum |x| finite no excess is NaN, and a +inf excess is never the minimum
    _validate.finite_result([magnitude, gap], "coalition sums", "allocation and worths")
    masks, excesses = _scan_excesses(arr, x, np.zeros((0, n)))
    best = int(np.argmin(excesses))
    min_excess = float(excesses[best])
    _validate.finite_result(min_excess, "the smallest excess", "allocation and worths")
    stable = abs(gap) <= tol and min_excess >= -tol
    return CoreCheck(bool(stable), gap, int(masks[best]), min_excess)


def core_table(worths, allocations, tol: float = 1e-9) -> pd.DataFrame:
    """Whether each of several allocations is in the core, and by how much it misses.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money] (see :func:`in_core`).
    allocations : pandas.DataFrame, shape (n, n_rules)
        One row per member (in bit order), one column per allocation rule [money].
    tol : float
        Tolerance of :func:`in_core` [money].

    Returns
    -------
    pandas.DataFrame
        One row per rule (index name ``rule``): ``in_core`` (bool), ``efficiency_gap``
        (``x(N) - v(N)`` [money]), ``min_excess`` (the smallest excess ``x(S) - v(S)``
        over proper coalitions [money], negative when ``S`` would rather leave) and
        ``tightest_coalition`` (that ``S``'s members, joined by ``+``).

    Raises
    ------
    TypeError
        If ``allocations`` is not a DataFrame; the errors of :func:`in_core`.
    ValueError
        The errors of :func:`in_core` (for example a row count other than ``n``).

    Examples
    --------
    >>> from lectoolkit.games import glove_worths
    >>> table = core_table(glove_worths(1, 2), pd.DataFrame(
    ...     {"left takes all": [1.0, 0.0, 0.0], "equal": [1 / 3, 1 / 3, 1 / 3]},
    ...     index=["L", "R1", "R2"]))
    >>> table["in_core"].tolist(), table.loc["equal", "tightest_coalition"]
    ([True, False], 'L+R1')
    """
    if not isinstance(allocations, pd.DataFrame):
        raise TypeError(f"allocations: expected a DataFrame (members x rules), got "
                        f"{_validate.describe(allocations)}")
    arr, n, _ = _validate_game(worths)
    values = _validate.matrix(allocations, "allocations", unit="money")[0]
    if values.shape[0] != n:
        raise ValueError(f"allocations: expected one row per player ({n}), got "
                         f"{values.shape[0]}")
    members = allocations.index
    rows = {}
    for k, rule in enumerate(allocations.columns):
        check = in_core(arr, values[:, k], tol=tol)
        rows[rule] = {
            "in_core": bool(check.in_core), "efficiency_gap": check.efficiency_gap,
            "min_excess": check.min_excess,
            "tightest_coalition": "+".join(str(members[i]) for i in range(len(members))
                                           if check.worst_coalition >> i & 1)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "rule"
    return table


def build_least_core_model(worths, coalitions=None, fixed=None):
    """Pyomo model of the least-core LP of a profit game.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], ``n >= 2``, ``v(∅) = 0``, magnitudes within
        :data:`LP_WORTH_RANGE`.
    coalitions : iterable of int, optional
        Bitmasks of the coalitions that get a row ``x(S) - epsilon >= v(S)``, each a
        whole number ``0 < S < 2**n - 1``, each once, at least one; by default every
        coalition other than the empty and grand ones (up to
        ``FULL_ENUMERATION_LIMIT`` players, :mod:`lectoolkit._limits`).
    fixed : dict of int to float, optional
        Coalitions settled by earlier nucleolus stages, ``mask -> e`` [money] (masks as
        in ``coalitions``, finite ``e``): rows ``x(S) = v(S) + e``.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Variables ``x[i]`` (free) and ``epsilon``; objective ``max epsilon``;
        constraints ``efficiency`` (``x(N) = v(N)``), ``rows[S]``, ``fixed_rows[S]``;
        an import suffix ``dual``. Solve it with :func:`lectoolkit.solvers.solve`.

    Raises
    ------
    TypeError
        If ``worths`` is not numeric, ``coalitions`` not an iterable of numbers, or
        ``fixed`` not a dict of numbers.
    ValueError
        If ``worths`` is not a valid dense worth array (see :func:`in_core`) or out of
        :data:`LP_WORTH_RANGE`, a mask is not a proper non-empty coalition, is listed
        twice or is not whole, ``coalitions`` is empty, a fixed excess is not finite,
        or the default rows would exceed ``FULL_ENUMERATION_LIMIT`` players.

    Notes
    -----
    ``max epsilon`` s.t. ``x(S) >= v(S) + epsilon`` for the listed ``S`` and
    ``x(N) = v(N)`` (Maschler, Peleg & Shapley, 1979).

    Examples
    --------
    >>> from lectoolkit.solvers import solve
    >>> model = build_least_core_model([0.0, 1.0, 1.0, 4.0])
    >>> solve(model).objective
    1.0
    """
    arr, n, peak = _validate_game(worths)
    if _lp_shift(peak):
        low, high = LP_WORTH_RANGE
        raise ValueError(
            f"worths: largest |v(S)| is {peak:.3g} [money]; the LP "
            "solvers work to absolute tolerances near 1e-9 and treat 1e20 as infinite, so "
            f"the model needs worths of magnitude between {low:g} and {high:g}; rescale "
            "them (least_core, prenucleolus and nucleolus do it themselves)"
        )
    if coalitions is None:
        if n > _limits.FULL_ENUMERATION_LIMIT:
            raise ValueError(
                f"coalitions: the default, every proper coalition, is 2**{n} - 2 rows "
                f"(limit {_limits.FULL_ENUMERATION_LIMIT} players); pass the rows to build"
            )
        masks = list(range(1, (1 << n) - 1))
    else:
        masks = _coalition_masks(coalitions, "coalitions", n)
        if not masks:
            raise ValueError("coalitions: expected at least one coalition (with no row the "
                             "LP is unbounded)")
    if fixed is None:
        fixed = {}
    elif not isinstance(fixed, Mapping):
        raise TypeError(f"fixed: expected a dict of coalition bitmask to excess [money], got "
                        f"{_validate.describe(fixed)}")
    elif fixed:
        excesses = _validate.vector(list(fixed.values()), "fixed", unit="money")[0]
        fixed = dict(zip(_coalition_masks(fixed.keys(), "fixed", n), excesses.tolist(),
                         strict=True))
    return _least_core_model(arr, n, masks, fixed)


def _least_core_model(arr: np.ndarray, n: int, masks: list[int], fixed: dict[int, float]):
    """:func:`build_least_core_model` on validated inputs."""
    pyo = _import_pyomo()
    model = pyo.ConcreteModel(name="least_core")
    model.members = pyo.RangeSet(0, n - 1)
    model.x = pyo.Var(model.members)
    model.epsilon = pyo.Var()
    model.objective = pyo.Objective(expr=model.epsilon, sense=pyo.maximize)
    model.efficiency = pyo.Constraint(expr=sum(model.x[i] for i in range(n)) == float(arr[-1]))
    model.coalitions = pyo.Set(initialize=[], ordered=True)
    model.rows = pyo.Constraint(model.coalitions)
    _add_rows(model, arr, n, masks)
    model.fixed_coalitions = pyo.Set(initialize=sorted(fixed), ordered=True)
    model.fixed_rows = pyo.Constraint(
        model.fixed_coalitions,
        rule=lambda m, s: _coalition_sum(m, s, n) == float(arr[s]) + fixed[s],
    )
    model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return model


def _coalition_sum(model, mask: int, n: int):
    return sum(model.x[i] for i in range(n) if mask >> i & 1)


def _add_rows(model, worths, n, masks):
    for s in masks:
        model.coalitions.add(s)
        model.rows[s] = _coalition_sum(model, s, n) - model.epsilon >= float(worths[s])


@numba.njit(cache=True)
def _settling(basis, masks, span_tol):
    """Settle coalitions in turn: which ones narrow the free directions, and those left.

    ``basis`` holds orthonormal rows spanning the allocations' free directions (the
    complement of the settled coalitions' indicator vectors). If ``1_mask`` projects on
    them (some component above ``span_tol``), a Householder reflection turns the
    projection into the first row, and the other rows, still orthonormal, span the
    directions that leave ``x(mask)`` unchanged; otherwise ``mask`` is already settled
    (skipped). Returns ``(kept, rows left)``.
    """
    rows, n = basis.shape
    left = basis.copy()
    kept = np.zeros(masks.size, dtype=np.bool_)
    projection = np.empty(rows)
    reflected = np.empty(n)
    for t in range(masks.size):
        largest = 0.0
        for r in range(rows):
            projection[r] = 0.0
            for i in range(n):
                if (masks[t] >> i) & 1:
                    projection[r] += left[r, i]
            largest = max(largest, abs(projection[r]))
        if largest <= span_tol:
            continue
        kept[t] = True
        u = projection[:rows].copy()
        u[0] += math.copysign(math.sqrt((u * u).sum()), u[0])
        scale = 2.0 / (u * u).sum()
        for i in range(n):
            reflected[i] = 0.0
            for r in range(rows):
                reflected[i] += u[r] * left[r, i]
        for r in range(1, rows):  # row r of the reflection becomes row r - 1
            for i in range(n):
                left[r - 1, i] = left[r, i] - u[r] * reflected[i] * scale
        rows -= 1
    return kept, left[:rows].copy()


def _is_free(masks, basis, n):
    """Which coalitions lie outside the span of the fixed ones (numpy, small sets)."""
    masks = np.asarray(masks, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(n)) & 1
    return np.abs(bits @ basis.T).max(axis=1, initial=0.0) > _SPAN_TOL




def _row_matrix(masks: np.ndarray, n: int):
    """Rows ``x(S) - epsilon`` of the given coalitions as CSR arrays (start, index, value)."""
    coefficients = np.ones((masks.size, n + 1), dtype=bool)
    coefficients[:, :n] = (masks[:, None] >> np.arange(n)) & 1
    rows, columns = np.nonzero(coefficients)
    start = np.zeros(masks.size, dtype=np.int32)
    np.cumsum(coefficients.sum(axis=1)[:-1], out=start[1:])
    return start, columns.astype(np.int32), np.where(columns == n, -1.0, 1.0)


class _HighsLP:
    """The stage LPs of one game in one HiGHS instance, changed in place between solves.

    Columns ``x_0 .. x_{n-1}, epsilon``; row 0 is ``x(N) = v(N)``. A coalition row
    ``x(S) - epsilon >= v(S)`` is settled into ``x(S) = v(S) + e_S`` (its epsilon
    coefficient zeroed) and released (bounds made infinite) when its excess no longer
    varies. HiGHS keeps its basis across these changes, so each solve is warm-started.
    """

    def __init__(self, worths: np.ndarray, n: int, lower: np.ndarray | None):
        import highspy

        self._highspy = highspy
        self._worths, self._n = worths, n
        self._row: dict[int, int] = {}
        highs = getattr(_HIGHS, "instance", None)
        if highs is None:  # options survive clearModel
            highs = _HIGHS.instance = highspy.Highs()
            for option, value in (("output_flag", False), ("presolve", "off"),
                                  ("primal_feasibility_tolerance", _HIGHS_TOL),
                                  ("dual_feasibility_tolerance", _HIGHS_TOL)):
                highs.setOptionValue(option, value)
        highs.clearModel()
        infinite = np.full(n + 1, highspy.kHighsInf)
        highs.addVars(n + 1, -infinite if lower is None else np.append(lower, -infinite[0]),
                      infinite)
        highs.changeColCost(n, 1.0)
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        grand = float(worths[-1])
        highs.addRow(grand, grand, n, np.arange(n, dtype=np.int32), np.ones(n))
        self._highs = highs
        self.version = highs.version()

    def close(self) -> None:
        """Free the model's memory (the instance stays for the thread's next game)."""
        self._highs.clearModel()

    def add_rows(self, masks: list[int]) -> None:
        if not masks:
            return
        masks_arr = np.asarray(masks, dtype=np.int64)
        start, index, value = _row_matrix(masks_arr, self._n)
        first = self._highs.getNumRow()
        self._highs.addRows(masks_arr.size, self._worths[masks_arr],
                            np.full(masks_arr.size, self._highspy.kHighsInf),
                            index.size, start, index, value)
        self._row.update(zip(masks, range(first, first + masks_arr.size), strict=True))

    def settle(self, masks: list[int], excesses: list[float]) -> None:
        for s, excess in zip(masks, excesses, strict=True):
            row = self._row[s]
            self._highs.changeCoeff(row, self._n, 0.0)
            level = float(self._worths[s]) + excess
            self._highs.changeRowBounds(row, level, level)

    def release(self, masks: list[int]) -> None:
        if masks:
            rows = np.array([self._row[s] for s in masks], dtype=np.int32)
            infinite = np.full(rows.size, self._highspy.kHighsInf)
            self._highs.changeRowsBounds(rows.size, rows, -infinite, infinite)

    def solve(self) -> tuple[np.ndarray, float]:
        self._highs.run()
        status = self._highs.getModelStatus()
        if status != self._highspy.HighsModelStatus.kOptimal:
            condition = self._highs.modelStatusToString(status)
            raise SolverError(f"solver 'highs' ended a core LP with status {condition!r}",
                              "highs", condition)
        columns = np.array(self._highs.getSolution().col_value)
        return columns[: self._n], float(columns[self._n])

    def duals(self, masks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """``|dual|`` of the rows of ``masks`` and ``|reduced cost|`` of each ``x_i``."""
        solution = self._highs.getSolution()
        rows = np.array([self._row[s] for s in masks], dtype=np.int64)
        return (np.abs(np.asarray(solution.row_dual)[rows]),
                np.abs(np.asarray(solution.col_dual)[: self._n]))


class _PyomoLP:
    """The stage LPs as pyomo models (:func:`build_least_core_model`), for GLPK and CBC.

    The model is rebuilt when rows are settled or released and extended in place when
    rows are added. Reduced costs are not read (no bound is reported as settled).
    """

    def __init__(self, worths: np.ndarray, n: int, lower: np.ndarray | None, solver: str):
        self._worths, self._n, self._lower, self._solver = worths, n, lower, solver
        self._free: dict[int, None] = {}
        self._fixed: dict[int, float] = {}
        self._model = None
        self.version = solver_version(solver)

    def close(self) -> None:
        self._model = None

    def add_rows(self, masks: list[int]) -> None:
        self._free.update(dict.fromkeys(masks))
        if self._model is not None:
            _add_rows(self._model, self._worths, self._n, masks)

    def settle(self, masks: list[int], excesses: list[float]) -> None:
        for s, excess in zip(masks, excesses, strict=True):
            self._free.pop(s)
            self._fixed[s] = excess
        self._model = None

    def release(self, masks: list[int]) -> None:
        for s in masks:
            self._free.pop(s)
        self._model = None

    def solve(self) -> tuple[np.ndarray, float]:
        if self._model is None:
            self._model = _least_core_model(self._worths, self._n, list(self._free),
                                            self._fixed)
            if self._lower is not None:
                for i, bound in enumerate(self._lower.tolist()):
                    self._model.x[i].setlb(bound)
        solve(self._model, self._solver)
        x = np.array([self._model.x[i].value for i in range(self._n)])
        return x, float(self._model.epsilon.value) + 0.0  # no negative zero

    def duals(self, masks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        model = self._model
        return (np.abs([model.dual.get(model.rows[s], 0.0) for s in masks]),
                np.zeros(self._n))


def _initial_rows(n, basis, method):
    """Free coalitions every stage starts from: all, or the singletons and complements."""
    grand = (1 << n) - 1
    if method == "full":
        candidates = np.arange(1, grand, dtype=np.int64)
    else:
        singles = 1 << np.arange(n, dtype=np.int64)
        candidates = np.unique(np.concatenate([singles, grand ^ singles]))
    return candidates[_is_free(candidates, basis, n)].tolist()


@functools.lru_cache(maxsize=64)
def _first_stage(n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Free directions (read-only) and row-generation start of a first stage: fixed by n."""
    basis = _settling(np.eye(n), np.array([(1 << n) - 1]), _SPAN_TOL)[1]  # x(N) settled
    basis.setflags(write=False)
    return basis, tuple(_initial_rows(n, basis, "rowgen"))


def _solve_stage(lp, worths, n, free, basis, method, tol):
    """One stage LP, generating rows until the scan finds no free coalition violated.

    Returns ``(x, epsilon, n_lps, max_rows)``; ``free`` (the coalition rows in the LP)
    is updated in place.
    """
    if method == "rowgen" and not free:
        new = list(_first_stage(n)[1])
        # first stage: add the coalitions with the smallest excesses at a first guess
        # (each member its worth alone plus an equal share of the surplus); this saves
        # rounds of row generation, whose HiGHS call costs more than the scan
        singles = worths[1 << np.arange(n)]
        masks, excesses = _scan_excesses(worths, singles + (worths[-1] - singles.sum()) / n,
                                         basis)
        seeds = masks[np.argsort(excesses, kind="stable")].tolist()
        new += [s for s in seeds if s >= 0 and s not in new][: _ROWS_PER_ROUND * n]
    else:
        new = [s for s in _initial_rows(n, basis, method) if s not in free]
    n_lps = max_rows = 0
    while True:
        lp.add_rows(new)
        free.update(new)
        x, epsilon = lp.solve()
        n_lps += 1
        max_rows = max(max_rows, len(free))
        if method == "full":
            return x, epsilon, n_lps, max_rows
        masks, excesses = _scan_excesses(worths, x, basis)
        violated = np.flatnonzero(excesses < epsilon - tol)
        order = violated[np.argsort(excesses[violated], kind="stable")]
        new = [s for s in masks[order].tolist() if s not in free][: _ROWS_PER_ROUND * n]
        if not new:
            return x, epsilon, n_lps, max_rows


def _settled_by_stage(lp, free, basis, x, lower, n):
    """Coalitions whose excess is the same in every optimum of the stage just solved.

    A row with a positive dual is tight in every optimum (complementary slackness
    against that dual solution); so is a bound ``x_i >= v({i})`` with a positive
    reduced cost, which settles the singleton ``{i}`` at excess 0. Only coalitions
    independent of those settled before are kept (largest dual first), each with its
    excess (``None``: the stage's epsilon). Returns them and the free directions left.
    """
    order = sorted(free)
    row_duals, bound_duals = lp.duals(order)
    candidates = [(d, s, None) for d, s in zip(row_duals.tolist(), order, strict=True)
                  if d > _DUAL_TOL]
    if lower is not None:
        atol = _HIGHS_TOL * 10 * max(1.0, float(np.abs(lower).max()))
        candidates += [(d, 1 << i, 0.0) for i, d in enumerate(bound_duals.tolist())
                       if d > _DUAL_TOL and abs(x[i] - lower[i]) <= atol]
    candidates.sort(key=lambda c: -c[0])
    kept, basis = _settling(basis, np.array([s for _, s, _ in candidates], dtype=np.int64),
                            _SPAN_TOL)
    settled = {s: excess for (_, s, excess), keep in zip(candidates, kept.tolist(), strict=True)
               if keep}
    return settled, basis


# --- small games: a dense simplex on the least-core dual, certified -------------------
_SIMPLEX_MAX_PLAYERS = 12
"""Largest game whose least core ``solver="auto"`` computes with :func:`_simplex_least_core`."""
_SIMPLEX_NAME = "lectoolkit-simplex"
_PIVOT_TOL = 1e-9
"""Smallest entry of the entering column taken as a pivot (the basis matrix has 0/±1 entries)."""
_REFACTOR_EVERY = 32
"""Pivots between two fresh inversions of the basis matrix."""


@numba.njit(cache=True)
def _dual_column(mask, n, out):
    """Dual column: ``(1_S, 1)`` for coalition ``S``, ``(-1, ..., -1, 0)`` for lambda (mask 0)."""
    for i in range(n):
        out[i] = -1.0 if mask == 0 else float((mask >> i) & 1)
    out[n] = 0.0 if mask == 0 else 1.0


@numba.njit(cache=True)
def _inverse(basis, n):
    """Inverse of the basis matrix (Gauss-Jordan, partial pivoting); empty if singular."""
    m = n + 1
    a = np.zeros((m, 2 * m))
    column = np.empty(m)
    for j in range(m):
        _dual_column(basis[j], n, column)
        for i in range(m):
            a[i, j] = column[i]
        a[j, m + j] = 1.0
    for k in range(m):
        p = k
        for i in range(k + 1, m):
            if abs(a[i, k]) > abs(a[p, k]):
                p = i
        if abs(a[p, k]) < _PIVOT_TOL:
            return np.empty((0, 0))
        for j in range(2 * m):
            a[k, j], a[p, j] = a[p, j], a[k, j]
        _eliminate(a, k, k)
    return a[:, m:].copy()


@numba.njit(cache=True)
def _eliminate(a, row, col):
    """Gauss-Jordan step: scale ``a[row]`` to 1 at ``col``, clear ``col`` in other rows."""
    pivot = a[row, col]
    for j in range(a.shape[1]):
        a[row, j] /= pivot
    for i in range(a.shape[0]):
        factor = a[i, col]
        if i != row and factor != 0.0:
            for j in range(a.shape[1]):
                a[i, j] -= factor * a[row, j]


@numba.njit(cache=True)
def _multipliers(worths, basis, binv):
    """Simplex multipliers ``c_B B^-1``: costs ``-v(S)`` of coalitions, ``v(N)`` of lambda."""
    m = basis.shape[0]
    multipliers = np.zeros(m)
    for k in range(m):
        cost = worths[-1] if basis[k] == 0 else -worths[basis[k]]
        for j in range(m):
            multipliers[j] += cost * binv[k, j]
    return multipliers


@numba.njit(cache=True)
def _dual_simplex_kernel(worths, n, opt_tol, max_pivots):
    """Primal simplex on the least-core dual with full pricing over all coalitions.

    Dual: ``min lambda v(N) - sum_S y_S v(S)`` s.t. ``sum_{S ∋ i} y_S = lambda`` for every
    member ``i``, ``sum_S y_S = 1``, ``y >= 0``. Basis: ``n + 1`` columns (coalition
    masks, 0 for the free ``lambda``), starting from the singletons. The multipliers
    are ``(-x, epsilon)``: pricing coalition ``S`` is its excess ``x(S) - v(S) - epsilon``,
    so the most negative one enters (Bland's rule after ``n + 1`` degenerate pivots in a
    row). Returns ``(converged, basis, y, x, epsilon)`` from a fresh inversion.
    """
    m = n + 1
    grand = (1 << n) - 1
    basis = np.zeros(m, dtype=np.int64)
    for i in range(n):
        basis[i] = 1 << i
    sums = np.zeros(1 << n)
    column = np.empty(m)
    binv = _inverse(basis, n)
    degenerate = 0
    converged = False
    for pivot in range(max_pivots + 1):
        if binv.shape[0] == 0:
            break
        multipliers = _multipliers(worths, basis, binv)
        epsilon = multipliers[n]
        for i in range(n):
            half = 1 << i
            for a in range(half):
                sums[half + a] = sums[a] - multipliers[i]
        bland = degenerate > m
        enter = -1
        best = -opt_tol
        for s in range(1, grand):
            reduced = sums[s] - worths[s] - epsilon
            if reduced < best:
                enter = s
                best = reduced
                if bland:
                    break
        if enter < 0:
            converged = True
            break
        if pivot == max_pivots:
            break
        _dual_column(enter, n, column)
        direction = np.zeros(m)
        for j in range(m):
            for k in range(m):
                direction[j] += binv[j, k] * column[k]
        leave = -1
        ratio = np.inf
        for j in range(m):
            if basis[j] == 0 or direction[j] <= _PIVOT_TOL:
                continue
            step = max(binv[j, n], 0.0) / direction[j]
            if leave < 0 or step < ratio - 1e-12 or (
                    step <= ratio + 1e-12 and (basis[j] < basis[leave] if bland
                                               else direction[j] > direction[leave])):
                leave = j
                ratio = min(step, ratio)
        if leave < 0:  # unbounded dual: impossible for a least core, give up
            break
        degenerate = degenerate + 1 if ratio <= 1e-12 else 0
        basis[leave] = enter
        if (pivot + 1) % _REFACTOR_EVERY == 0:
            binv = _inverse(basis, n)
        else:
            for j in range(m):
                scale = direction[j] / direction[leave]
                if j != leave and scale != 0.0:
                    for k in range(m):
                        binv[j, k] -= scale * binv[leave, k]
            for k in range(m):
                binv[leave, k] /= direction[leave]
    binv = _inverse(basis, n)
    if not converged or binv.shape[0] == 0:
        return False, basis, np.zeros(m), np.zeros(n), 0.0
    multipliers = _multipliers(worths, basis, binv)
    return True, basis, binv[:, n].copy(), -multipliers[:n], multipliers[n]


@numba.njit(cache=True)
def _certificate_gaps(worths, n, x, epsilon, masks, weights):
    """Residuals of a least-core optimality certificate (see :func:`_least_core_certified`).

    Returns ``|x(N) - v(N)|``, ``epsilon - min_S (x(S) - v(S))`` over every proper
    coalition, the largest deviation of a member's coverage from their mean ``lambda``
    (weights with negatives zeroed, rescaled to sum 1; inf if none is positive) and
    ``|epsilon - (lambda v(N) - sum_S y_S v(S))|``.
    """
    grand = (1 << n) - 1
    sums = np.zeros(1 << n)
    for i in range(n):
        half = 1 << i
        for a in range(half):
            sums[half + a] = sums[a] + x[i]
    lowest = np.inf
    for s in range(1, grand):
        lowest = min(lowest, sums[s] - worths[s])
    y = np.maximum(weights, 0.0)
    total = y.sum()
    if not total > 0.0:
        return abs(sums[grand] - worths[grand]), epsilon - lowest, np.inf, np.inf
    y /= total
    cover = np.zeros(n)
    dual = 0.0
    for k in range(masks.shape[0]):
        dual -= y[k] * worths[masks[k]]
        for i in range(n):
            if (masks[k] >> i) & 1:
                cover[i] += y[k]
    share = cover.mean()
    dual += share * worths[grand]
    return (abs(sums[grand] - worths[grand]), epsilon - lowest,
            np.abs(cover - share).max(), abs(epsilon - dual))


def _least_core_certified(worths, n, x, epsilon, masks, weights, tol) -> bool:
    """Whether ``(x, epsilon)`` and dual weights on ``masks`` prove the least core to ``tol``.

    Checked, independently of how they were found (:func:`_certificate_gaps`):
    efficiency ``|x(N) - v(N)| <= tol``; every proper coalition's excess
    ``>= epsilon - tol`` (a full scan); the weights, negative ones zeroed and rescaled
    to sum 1, cover every member equally to ``1e-10 / (3 n**2)``; and the dual
    objective ``lambda v(N) - sum_S y_S v(S)`` is within ``tol`` of ``epsilon``.
    """
    if not (np.isfinite(x).all() and math.isfinite(epsilon)):
        return False
    efficiency, violation, coverage, gap = _certificate_gaps(worths, n, x, epsilon, masks,
                                                             weights)
    return (efficiency <= tol and violation <= tol and coverage <= 1e-10 / (3 * n * n)
            and gap <= tol)


def _simplex_least_core(worths, n, tol):
    """Least core ``(x, epsilon)`` of a small game by the certified dense simplex, or None.

    None when the simplex stops without a certificate (see
    :func:`_least_core_certified`); the caller then solves the LP with HiGHS.
    """
    converged, basis, y, x, epsilon = _dual_simplex_kernel(
        worths, n, 1e-3 * tol, 50 * (n + 1) ** 2)
    if not converged:
        return None
    coalitions = basis != 0
    if not _least_core_certified(worths, n, x, float(epsilon), basis[coalitions],
                                 y[coalitions], tol):
        return None
    return x, float(epsilon)


def _core_family(worths, solver, method, players, *, stages, imputations):
    """Least core (``stages="first"``) or (pre)nucleolus (``"all"``) of validated input."""
    arr, n, peak = _validate_game(worths)
    simplex = (stages == "first" and n <= _SIMPLEX_MAX_PLAYERS and isinstance(solver, str)
               and solver == "auto" and isinstance(method, str) and method == "auto")
    name = None if simplex else _resolve_solver(solver)
    method = method if simplex else _validate_method(method, n, name)
    if players is not None:
        players = _validate.labels(players, "players", n)
    lower = arr[1 << np.arange(n)] if imputations else None
    if imputations and math.fsum(lower.tolist()) > arr[-1]:
        raise ValueError(
            f"worths: the imputation set is empty: the singletons are worth "
            f"{math.fsum(lower.tolist()):.6g} together, more than v(N) = {arr[-1]:.6g}, so "
            "no efficient allocation gives every member its worth alone; the "
            "prenucleolus (lectoolkit.prenucleolus) has no such condition"
        )
    shift = _lp_shift(peak)
    if shift:
        arr = np.ldexp(arr, -shift)
        lower = None if lower is None else np.ldexp(lower, -shift)
    tol = 1e-9 * max(1.0, math.ldexp(peak, -shift))
    solved = _simplex_least_core(arr, n, tol) if simplex else None
    if solved is not None:
        x, epsilon = solved
        epsilons = [epsilon]
        name, version, n_lps, max_rows = _SIMPLEX_NAME, __version__, 1, (1 << n) - 2
    else:
        if name is None:  # no certificate from the simplex: the preferred solver (HiGHS)
            name = _resolve_solver(solver)
            method = _validate_method(method, n, name)
        lp = _HighsLP(arr, n, lower) if name == "highs" else _PyomoLP(arr, n, lower, name)
        try:
            x, epsilons, fixed, n_lps, max_rows = _stages(lp, arr, n, lower, method, tol,
                                                          stages, name)
        finally:
            lp.close()
        version = lp.version
        if stages != "first":
            x = _settle(arr, n, fixed)
    x = np.ldexp(x, shift)
    epsilons = np.ldexp(epsilons, shift)
    _validate.finite_result(np.append(x, epsilons), "the allocation and excesses", "worths")
    allocation = x if players is None else member_series(x, players)
    return CoreSolution(allocation, tuple(epsilons.tolist()), name, version, n_lps, max_rows)


def _stages(lp, arr, n, lower, method, tol, stages, name):
    """The LP stages: ``(x, epsilons, settled coalitions, n_lps, max_rows)``."""
    fixed: dict[int, float] = {}
    free: set[int] = set()
    basis = _first_stage(n)[0]
    epsilons: list[float] = []
    n_lps = max_rows = 0
    while True:
        x, epsilon, lps, rows = _solve_stage(lp, arr, n, free, basis, method, tol)
        n_lps += lps
        max_rows = max(max_rows, rows)
        epsilons.append(epsilon + 0.0)  # no negative zero
        if stages == "first":
            break
        settled, basis = _settled_by_stage(lp, free, basis, x, lower, n)
        if not settled:
            raise SolverError(
                f"solver {name!r} returned no positive dual for nucleolus stage "
                f"{len(epsilons)}, so no coalition can be settled", name, "optimal")
        excesses = [epsilon if e is None else e for e in settled.values()]
        lp.add_rows([s for s in settled if s not in free])
        lp.settle(list(settled), excesses)
        free.difference_update(settled)
        fixed.update(zip(settled, excesses, strict=True))
        if len(basis) == 0:
            break
        members = list(free)
        spanned = [s for s, keep in zip(members, _is_free(members, basis, n), strict=True)
                   if not keep]
        lp.release(spanned)
        free.difference_update(spanned)
    return x, epsilons, fixed, n_lps, max_rows


def _settle(arr, n, fixed):
    """Allocation pinned down by the settled coalitions' equations (least squares)."""
    masks = [(1 << n) - 1, *fixed]
    levels = [float(arr[-1]), *[float(arr[s]) + e for s, e in fixed.items()]]
    bits = (np.asarray(masks, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    return np.linalg.lstsq(bits.astype(float), np.asarray(levels), rcond=None)[0]


def least_core(worths, solver: str = "auto", *, method: str = "auto", players=None) -> CoreSolution:
    """Least core of a profit game: the allocation maximising the smallest excess.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], ``n >= 2``, finite, ``v(∅) = 0``; games whose
        largest magnitude lies outside :data:`LP_WORTH_RANGE` are solved scaled.
    solver : {"auto", "highs", "glpk", "cbc"}
        LP solver, see :func:`lectoolkit.solvers.resolve_solver`. HiGHS is called
        directly through ``highspy`` (sparse rows, warm starts); GLPK and CBC solve
        the pyomo models of :func:`build_least_core_model`. With ``"auto"`` and
        ``method="auto"``, games of at most 12 members are first solved by
        lectoolkit's own dense simplex, kept only when certified optimal (Notes).
    method : {"auto", "full", "rowgen"}
        ``"full"``: one row per coalition (up to ``FULL_ENUMERATION_LIMIT`` = 20
        members, :mod:`lectoolkit._limits`); ``"rowgen"``: row generation with the
        numba separation scan; ``"auto"``: row generation with HiGHS, and with GLPK
        or CBC full up to ``FULL_ENUMERATION_MAX_PLAYERS`` = 16 members.
    players : sequence, optional
        ``n`` distinct member labels (not a string or a set); the allocation is then a
        :class:`pandas.Series`.

    Returns
    -------
    CoreSolution
        ``allocation`` (one optimal point; the least core may be a set) and
        ``epsilon``, the least-core value: the core is non-empty iff ``epsilon >= 0``.

    Raises
    ------
    TypeError
        ``worths`` not numeric, ``solver`` or ``method`` not a string, ``players`` not
        a sequence of hashable labels.
    ValueError
        Invalid ``worths`` (see :func:`in_core`), unknown ``solver`` or ``method``,
        ``"full"`` beyond ``FULL_ENUMERATION_LIMIT`` players, ``players`` of the
        wrong length or repeated. All are checked before any LP is built.
    lectoolkit.solvers.SolverError
        No solver installed, or the LP did not solve to optimality.

    Notes
    -----
    ``max epsilon`` s.t. ``x(S) >= v(S) + epsilon`` for all ``S != {}, N`` and
    ``x(N) = v(N)`` (Maschler, Peleg & Shapley, 1979). Row generation is exact: the
    restricted LP is a relaxation, and it stops only when the scan of all ``2**n``
    coalitions finds none violated beyond ``1e-9 max|v|``. Time: one scan is
    ``O(2**n)`` with ``O(2**(n/2))`` extra memory; the worths themselves take
    ``8 * 2**n`` bytes.

    The dense simplex of small games (``solver="lectoolkit-simplex"``) solves the
    dual: ``min lambda v(N) - sum_S y_S v(S)`` over weights ``y >= 0`` summing to 1
    that cover every member equally (``sum_{S ∋ i} y_S = lambda``). Its answer is kept
    only if, with ``tol = 1e-9 max(1, max|v|)`` (on the game scaled into
    :data:`LP_WORTH_RANGE`), (a) ``|x(N) - v(N)| <= tol`` and every proper coalition
    has ``x(S) - v(S) >= epsilon - tol`` (all ``2**n - 2`` checked), and (b) the
    weights (negatives zeroed, rescaled to sum 1) cover each member within
    ``rho = 1e-10 / (3 n**2)`` of their mean ``lambda`` and (c)
    ``|epsilon - (lambda v(N) - sum_S y_S v(S))| <= tol``. Then
    ``|epsilon - epsilon*| <= 2 tol``: from (a), ``x`` shifted equally to be efficient
    with ``epsilon - 2 tol`` is feasible, so ``epsilon* >= epsilon - 2 tol``; weak
    duality gives ``epsilon* <= lambda v(N) - sum_S y_S v(S) + sum_i r_i x*_i``, with
    ``|r_i| <= rho`` the coverage deviations and ``|x*_i| <= 3 n max|v|`` at any
    optimum (``|epsilon*| <= 2 max|v|`` from the singletons and the equal split), so
    ``epsilon* <= epsilon + 1.1 tol``. Every excess of ``x`` is thus within ``3 tol`` of
    optimal, the guarantee the HiGHS path gives; otherwise HiGHS solves the LP.

    References
    ----------
    .. [1] M. Maschler, B. Peleg, L. S. Shapley, "Geometric properties of the kernel,
       nucleolus, and related solution concepts", Math. Oper. Res. 4 (1979) 303-338,
       doi:10.1287/moor.4.4.303

    Examples
    --------
    Three players, any pair worth 1, the trio 1: the core is empty and the least
    core is the equal split with epsilon = -1/3.

    >>> worths = [0, 0, 0, 1, 0, 1, 1, 1]
    >>> solution = least_core(worths)
    >>> round(solution.epsilon, 6), solution.allocation.round(6).tolist()
    (-0.333333, [0.333333, 0.333333, 0.333333])
    """
    return _core_family(worths, solver, method, players, stages="first", imputations=False)


def prenucleolus(worths, solver: str = "auto", *, method: str = "auto",
                 players=None) -> CoreSolution:
    """Prenucleolus of a profit game: the nucleolus over all efficient allocations.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], as in :func:`least_core`.
    solver : {"auto", "highs", "glpk", "cbc"}
        As in :func:`least_core`.
    method : {"auto", "full", "rowgen"}
        As in :func:`least_core`.
    players : sequence, optional
        As in :func:`least_core`.

    Returns
    -------
    CoreSolution
        ``allocation`` (the unique prenucleolus, in the core whenever the core is not
        empty; it may give a member less than its worth alone) and the ``epsilons`` of
        the stages, the first being the least-core value.

    Raises
    ------
    TypeError, ValueError
        As :func:`least_core`.
    lectoolkit.solvers.SolverError
        No solver installed, or an LP did not solve to optimality.

    Notes
    -----
    The prenucleolus lexicographically maximises the vector of the excesses of all
    proper coalitions, sorted increasingly, over the efficient allocations
    ``x(N) = v(N)`` (Schmeidler, 1969, without the individual-rationality bounds of
    :func:`nucleolus`). Stage ``k`` solves ``max epsilon`` s.t.
    ``x(S) >= v(S) + epsilon`` for the free coalitions and ``x(S) = v(S) + e_S`` for
    those settled before. A row with a positive dual in the optimal dual solution is
    tight in every optimum of the stage (complementary slackness), so it is settled at
    ``e_S = epsilon_k``; the duals sum to 1, so there is always one. Only coalitions
    whose indicator vectors are independent of those already settled are added, and
    coalitions in their span leave the LP (their excess no longer varies). Each stage
    raises the rank of the settled system, so at most ``n - 1`` stages are needed; the
    result solves that system. Settling every coalition that merely happens to be
    tight at the solver's vertex would be wrong (Guajardo & Jörnsten, 2015).

    References
    ----------
    .. [1] D. Schmeidler, "The nucleolus of a characteristic function game", SIAM J.
       Appl. Math. 17 (1969) 1163-1170, doi:10.1137/0117107
    .. [2] M. Guajardo, K. Jörnsten, "Common mistakes in computing the nucleolus",
       Eur. J. Oper. Res. 241 (2015) 931-935, doi:10.1016/j.ejor.2014.10.037
    .. [3] B. Peleg, P. Sudhölter, "Introduction to the Theory of Cooperative Games",
       2nd ed., Springer (2007), chapter 5.

    Examples
    --------
    Players 0 and 1 are worth 10 together but the trio only 2: the prenucleolus makes
    player 2 pay 4 towards the pair, the nucleolus cannot go below ``v({2}) = 0``.

    >>> worths = [0, 0, 0, 10, 0, 0, 0, 2]
    >>> prenucleolus(worths).allocation.round(6).tolist()
    [3.0, 3.0, -4.0]
    >>> nucleolus(worths).allocation.round(6).tolist()
    [1.0, 1.0, 0.0]
    """
    return _core_family(worths, solver, method, players, stages="all", imputations=False)


def nucleolus(worths, solver: str = "auto", *, method: str = "auto", players=None) -> CoreSolution:
    """Nucleolus of a profit game (Schmeidler's): lexicographic centre of the imputations.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], as in :func:`least_core`, whose imputation set is
        not empty: the singletons' worths sum to at most ``v(N)``.
    solver : {"auto", "highs", "glpk", "cbc"}
        As in :func:`least_core`.
    method : {"auto", "full", "rowgen"}
        As in :func:`least_core`.
    players : sequence, optional
        As in :func:`least_core`.

    Returns
    -------
    CoreSolution
        ``allocation`` (the unique nucleolus: efficient, individually rational, in
        the core whenever the core is not empty) and the ``epsilons`` of the stages
        (the first is the least-core value over the imputations).

    Raises
    ------
    TypeError
        As :func:`least_core`.
    ValueError
        As :func:`least_core`, and if the imputation set is empty
        (``sum_i v({i}) > v(N)``; :func:`prenucleolus` is defined there).
    lectoolkit.solvers.SolverError
        No solver installed, or an LP did not solve to optimality.

    Notes
    -----
    The nucleolus lexicographically maximises the increasingly sorted vector of the
    excesses of all proper coalitions over the imputations, the efficient
    allocations with ``x_i >= v({i})`` (Schmeidler, 1969). It is computed as
    :func:`prenucleolus` with these bounds in every stage LP; a bound with a positive
    reduced cost settles its singleton at excess 0, like a positive row dual. The two
    coincide when the prenucleolus is individually rational (always when the core is
    not empty); otherwise the nucleolus moves to the boundary of the imputations.

    References
    ----------
    .. [1] D. Schmeidler, "The nucleolus of a characteristic function game", SIAM J.
       Appl. Math. 17 (1969) 1163-1170, doi:10.1137/0117107
    .. [2] M. Guajardo, K. Jörnsten, "Common mistakes in computing the nucleolus",
       Eur. J. Oper. Res. 241 (2015) 931-935, doi:10.1016/j.ejor.2014.10.037

    Examples
    --------
    Aumann & Maschler's bankruptcy problem with estate 200 and claims 100, 200, 300:
    the nucleolus is the Talmud division (50, 75, 75).

    >>> from lectoolkit.games import bankruptcy_worths
    >>> nucleolus(bankruptcy_worths(200, [100, 200, 300])).allocation.round(6).tolist()
    [50.0, 75.0, 75.0]
    """
    return _core_family(worths, solver, method, players, stages="all", imputations=True)

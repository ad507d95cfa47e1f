"""The core family of a profit game: core membership, least core, nucleolus.

A profit game is given by its dense worth array (``worths[S] = v(S)`` for every
bitmask ``S``, see :mod:`lectoolkit.coalitions`). The *excess* of coalition ``S``
under allocation ``x`` is ``e(S, x) = x(S) - v(S)``: what ``S`` gets beyond what it
could secure alone. An allocation is in the core when it is efficient and no excess
is negative.

The least core and the nucleolus are linear programs over one row per coalition.
They are built as pyomo models (:func:`build_least_core_model`) and solved with
:func:`lectoolkit.solvers.solve`. Up to :data:`FULL_ENUMERATION_MAX_PLAYERS` members
every coalition is a row; beyond, rows are generated: the LP starts with the
singletons and their complements, and a numba scan of all ``2**n`` worths (through
two subset-sum tables of ``2**(n/2)`` entries each, so ``O(2**n)`` time and no extra
``2**n`` memory) adds the most violated coalitions until none is violated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.coalitions import member_series, subset_sums
from lectoolkit.shapley import validate_worths
from lectoolkit.solvers import (
    SolverError,
    _import_pyomo,
    resolve_solver,
    solve,
    solver_version,
)

FULL_ENUMERATION_MAX_PLAYERS = 16
"""With ``method="auto"``, games up to this size get one LP row per coalition."""

FULL_ENUMERATION_LIMIT = 20
"""Largest game for which one LP row per coalition (``2**n - 2`` rows) is accepted."""

LP_WORTH_RANGE = (1e-6, 1e12)
"""Magnitudes ``max |v(S)|`` [money] the LPs are built for: the solvers work to absolute
tolerances near ``1e-9`` and treat ``1e20`` as infinite. :func:`least_core` and
:func:`nucleolus` solve games outside it scaled by a power of two (exact, and the
solutions scale alike); :func:`build_least_core_model` refuses them."""

_ROWS_PER_ROUND = 4
"""Row generation adds up to ``_ROWS_PER_ROUND * n`` violated coalitions per round."""
_DUAL_TOL = 1e-8
_SPAN_TOL = 1e-8


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
        Optimal ``epsilon`` of each LP stage [money]; the first is the least-core
        value (smallest excess in the least core), the nucleolus has one per stage.
    solver, solver_version : str
        Solver used and its version.
    n_lps : int
        Number of LPs solved (row-generation rounds included).
    max_rows : int
        Largest number of coalition rows in one LP.
    """

    allocation: np.ndarray | pd.Series
    epsilons: tuple[float, ...]
    solver: str
    solver_version: str
    n_lps: int
    max_rows: int

    @property
    def epsilon(self) -> float:
        """Least-core value ``epsilon*`` [money] (the first stage's optimum)."""
        return self.epsilons[0]


def _validate_game(worths) -> tuple[np.ndarray, int]:
    """Dense worths of a game of ``n >= 2`` players, and ``n``."""
    arr = validate_worths(worths, min_players=2)
    return arr, arr.size.bit_length() - 1


def _lp_shift(arr: np.ndarray) -> int:
    """0 if ``max |v|`` is in :data:`LP_WORTH_RANGE` (or 0), else its power of two."""
    peak = max(float(arr.max()), -float(arr.min()))
    low, high = LP_WORTH_RANGE
    return 0 if peak == 0.0 or low <= peak <= high else int(np.frexp(peak)[1])


def _validate_method(method, n: int) -> str:
    method = _validate.choice(method, "method", ("auto", "full", "rowgen"))
    if method == "auto":
        return "full" if n <= FULL_ENUMERATION_MAX_PLAYERS else "rowgen"
    if method == "full" and n > FULL_ENUMERATION_LIMIT:
        raise ValueError(
            f"method: 'full' would build 2**{n} - 2 LP rows for a {n}-player game (limit "
            f"{FULL_ENUMERATION_LIMIT} players); use 'rowgen' or 'auto'"
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


@numba.njit(cache=True, parallel=True)
def _block_min_excess_kernel(worths, low_x, high_x, low_z, high_z, span_tol):
    """Per block of coalitions, the one with the smallest excess ``x(S) - v(S)``.

    Coalition ``S = b * len(low_x) + a`` has ``x(S) = low_x[a] + high_x[b]``; block
    ``b`` holds the ``S`` sharing the high bits ``b``. The empty and grand coalitions
    are skipped, and so is every ``S`` whose projections ``low_z[a] + high_z[b]`` on
    the rows of ``z`` all vanish (``S`` in the span of the fixed coalitions) when
    ``z`` has rows. Returns (mask, excess) per block; mask -1 if the block has none.
    """
    n_low = low_x.shape[0]
    n_high = high_x.shape[0]
    k = low_z.shape[1]
    grand = worths.shape[0] - 1
    best_mask = np.full(n_high, -1, dtype=np.int64)
    best_excess = np.full(n_high, np.inf)
    for b in numba.prange(n_high):
        mask_b = -1
        excess_b = np.inf
        for a in range(n_low):
            s = b * n_low + a
            if s == 0 or s == grand:
                continue
            excess = low_x[a] + high_x[b] - worths[s]
            if excess >= excess_b:
                continue
            if k > 0:
                free = False
                for j in range(k):
                    if abs(low_z[a, j] + high_z[b, j]) > span_tol:
                        free = True
                        break
                if not free:
                    continue
            mask_b = s
            excess_b = excess
        best_mask[b] = mask_b
        best_excess[b] = excess_b
    return best_mask, best_excess


def _scan_excesses(worths, n, x, basis):
    """Block minima of the excess over the coalitions free of the span (see kernel)."""
    h = n // 2
    low_z = np.ascontiguousarray(subset_sums(basis[:, :h].T.copy()))
    high_z = np.ascontiguousarray(subset_sums(basis[:, h:].T.copy()))
    return _block_min_excess_kernel(
        worths, subset_sums(x[:h]), subset_sums(x[h:]), low_z, high_z, _SPAN_TOL
    )


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
    arr, n = _validate_game(worths)
    x = _validate.vector(allocation, "allocation", unit="money", size=n)[0]
    tol = _validate.nonnegative(tol, "tol", unit="money")
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        magnitude = np.abs(x).sum()
        gap = float(x.sum() - arr[-1])
    # with sum |x| finite no excess is NaN, and a +inf excess is never the minimum
    _validate.finite_result([magnitude, gap], "coalition sums", "allocation and worths")
    masks, excesses = _scan_excesses(arr, n, x, np.zeros((0, n)))
    best = int(np.argmin(excesses))
    min_excess = float(excesses[best])
    _validate.finite_result(min_excess, "the smallest excess", "allocation and worths")
    stable = abs(gap) <= tol and min_excess >= -tol
    return CoreCheck(bool(stable), gap, int(masks[best]), min_excess)


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
        :data:`FULL_ENUMERATION_LIMIT` players).
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
        or the default rows would exceed :data:`FULL_ENUMERATION_LIMIT` players.

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
    arr, n = _validate_game(worths)
    if _lp_shift(arr):
        low, high = LP_WORTH_RANGE
        raise ValueError(
            f"worths: largest |v(S)| is {max(arr.max(), -arr.min()):.3g} [money]; the LP "
            "solvers work to absolute tolerances near 1e-9 and treat 1e20 as infinite, so "
            f"the model needs worths of magnitude between {low:g} and {high:g}; rescale "
            "them (least_core and nucleolus do it themselves)"
        )
    if coalitions is None:
        if n > FULL_ENUMERATION_LIMIT:
            raise ValueError(
                f"coalitions: the default, every proper coalition, is 2**{n} - 2 rows "
                f"(limit {FULL_ENUMERATION_LIMIT} players); pass the rows to build"
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


def _complement_basis(fixed_masks, n):
    """Orthonormal rows spanning the complement of span{1_S : S fixed or N}."""
    vectors = np.array(
        [[s >> i & 1 for i in range(n)] for s in [(1 << n) - 1, *fixed_masks]], dtype=float
    )
    _, singular, vt = np.linalg.svd(vectors)
    rank = int((singular > 1e-9 * singular[0]).sum())
    return vt[rank:]


def _is_free(masks, basis, n):
    """Which coalitions lie outside the span of the fixed ones (numpy, small sets)."""
    masks = np.asarray(masks, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(n)) & 1
    return np.abs(bits @ basis.T).max(axis=1, initial=0.0) > _SPAN_TOL


def _initial_rows(n, basis, method, carried):
    grand = (1 << n) - 1
    if method == "full":
        candidates = np.arange(1, grand, dtype=np.int64)
    else:
        singles = [1 << i for i in range(n)]
        candidates = np.array(
            sorted(set(singles) | {grand ^ s for s in singles} | set(carried)), dtype=np.int64
        )
    return candidates[_is_free(candidates, basis, n)].tolist()


def _solve_stage(arr, n, rows, fixed, basis, solver, tol):
    """One least-core LP over the free coalitions, generating rows until none is violated."""
    model = _least_core_model(arr, n, rows, fixed)
    in_model = set(rows)
    n_lps = 0
    while True:
        result = solve(model, solver)
        n_lps += 1
        x = np.array([model.x[i].value for i in range(n)])
        epsilon = float(model.epsilon.value) + 0.0  # no negative zero
        masks, excesses = _scan_excesses(arr, n, x, basis)
        violated = np.flatnonzero(excesses < epsilon - tol)
        order = violated[np.argsort(excesses[violated], kind="stable")]
        new = [int(s) for s in masks[order] if int(s) not in in_model][: _ROWS_PER_ROUND * n]
        if not new:
            return model, x, epsilon, result, n_lps
        _add_rows(model, arr, n, new)
        in_model.update(new)


def _core_family(worths, solver, method, players, stages):
    arr, n = _validate_game(worths)
    method = _validate_method(method, n)
    name = resolve_solver(solver)
    if players is not None:
        players = _validate.labels(players, "players", n)
    shift = _lp_shift(arr)
    if shift:
        arr = np.ldexp(arr, -shift)
    tol = 1e-9 * max(1.0, float(np.abs(arr).max()))
    fixed: dict[int, float] = {}
    basis = _complement_basis([], n)
    carried: list[int] = []
    epsilons: list[float] = []
    n_lps = max_rows = 0
    while True:
        rows = _initial_rows(n, basis, method, carried)
        model, x, epsilon, _, lps = _solve_stage(arr, n, rows, fixed, basis, name, tol)
        n_lps += lps
        max_rows = max(max_rows, len(model.coalitions))
        epsilons.append(epsilon)
        if stages == "first":
            break
        duals = {s: abs(model.dual.get(model.rows[s], 0.0)) for s in model.coalitions}
        rank_before = len(basis)
        for s in sorted(duals, key=duals.get, reverse=True):
            if duals[s] > _DUAL_TOL and _is_free([s], basis, n)[0]:
                fixed[s] = epsilon
                basis = _complement_basis(list(fixed), n)
        if len(basis) == rank_before:
            raise SolverError(
                f"solver {name!r} returned no positive dual for nucleolus stage "
                f"{len(epsilons)}, so no coalition can be settled",
                name,
                "optimal",
            )
        if len(basis) == 0:
            break
        carried = [s for s in model.coalitions if s not in fixed]
    if stages != "first":
        x = _settle(arr, n, fixed)
    x = np.ldexp(x, shift)
    epsilons = np.ldexp(epsilons, shift)
    _validate.finite_result(np.append(x, epsilons), "the allocation and excesses", "worths")
    allocation = x if players is None else member_series(x, players)
    return CoreSolution(allocation, tuple(epsilons.tolist()), name, solver_version(name),
                        n_lps, max_rows)


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
        LP solver, see :func:`lectoolkit.solvers.resolve_solver`.
    method : {"auto", "full", "rowgen"}
        ``"full"``: one row per coalition (up to :data:`FULL_ENUMERATION_LIMIT`
        members); ``"rowgen"``: row generation with the numba separation scan;
        ``"auto"``: full up to :data:`FULL_ENUMERATION_MAX_PLAYERS` members.
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
        ``"full"`` beyond :data:`FULL_ENUMERATION_LIMIT` players, ``players`` of the
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
    return _core_family(worths, solver, method, players, stages="first")


def nucleolus(worths, solver: str = "auto", *, method: str = "auto", players=None) -> CoreSolution:
    """Nucleolus of a profit game by a sequence of least-core LPs.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Dense worths ``v(S)`` [money], as in :func:`least_core`.
    solver : {"auto", "highs", "glpk", "cbc"}
        LP solver, see :func:`lectoolkit.solvers.resolve_solver`.
    method : {"auto", "full", "rowgen"}
        As in :func:`least_core`.
    players : sequence, optional
        As in :func:`least_core`.

    Returns
    -------
    CoreSolution
        ``allocation`` (the unique nucleolus, in the core whenever the core is not
        empty) and the ``epsilons`` of the stages (non-decreasing).

    Raises
    ------
    TypeError, ValueError
        As :func:`least_core`.
    lectoolkit.solvers.SolverError
        No solver installed, or an LP did not solve to optimality.

    Notes
    -----
    The nucleolus lexicographically maximises the vector of excesses sorted
    increasingly (Schmeidler, 1969). Stage ``k`` solves ``max epsilon`` s.t.
    ``x(S) >= v(S) + epsilon`` for the free coalitions and ``x(S) = v(S) + e_S`` for
    the coalitions settled before. A coalition with a positive dual is tight in
    every optimum of the stage (complementary slackness), so it is settled at
    ``e_S = epsilon_k``; only coalitions whose indicator vectors are independent of
    those already settled are added, and coalitions in their span leave the LP
    (their excess no longer varies). Each stage raises the rank of the settled
    system, so at most ``n - 1`` stages are needed; the result solves that system.
    Settling every coalition that merely happens to be tight at the solver's vertex
    would be wrong (Guajardo & Jörnsten, 2015).

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
    return _core_family(worths, solver, method, players, stages="all")

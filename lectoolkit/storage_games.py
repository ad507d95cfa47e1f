"""Storage-aware coalition games: each coalition's worth from the community's optimal operation.

The savings game of a community whose members operate batteries is
``v(S) = sum_{i in S} c({i}) - c(S)``, where ``c(S)`` is the proven optimal cost of the
sub-community ``S`` operated as a pool (:func:`lectoolkit.operation.run_collective`'s
model restricted to ``S``) [EUR]. ``c({i})``, the pool of one member, is the member's
own optimum (it cannot trade), so ``v({i}) = 0`` exactly.

How the ``2**n - 1`` operations are solved:

- The grand coalition's reduced program (the matrix form of
  :mod:`lectoolkit.operation`) is built once per worker. A coalition ``S`` is that
  program with the other members switched off: their columns fixed at zero and the rows
  that hold only their columns freed. One persistent HiGHS model solves a chunk of
  coalitions in Gray-code order (one member switched between two solves), each solve
  warm-started from the previous basis.
- Every solution is mapped to ``S``'s own problem and checked against every constraint
  of its full model (the check of ``run_collective``), and its cost recomputed there.
  A coalition whose check fails is solved on its own by ``run_collective``'s route,
  with binaries added back until the answer is proven. Every worth is thus a proven
  optimum (an LP optimum, or a MILP's within ``mip_gap``).
- Chunks are independent tasks of :func:`lectoolkit.parallel.map_tasks` (local
  processes or a Dask cluster). Each chunk starts from a freshly loaded model, so a
  worth does not depend on which worker solved it: the results are bit-identical for
  every ``jobs`` and every cluster.
- ``cache_dir`` keeps the coalition costs on disk, keyed by a hash of the coalition's
  members' data, the community's prices and options, the solver and its version and
  this toolkit's version. The key does not depend on who else is in the study, so a
  rerun, or a larger community containing the same members, reuses them. Costs are
  written after every round of chunks, so an interrupted run loses at most one round.

Other solvers than HiGHS, the total-share rules and the bilateral market solve every
coalition on its own through :func:`lectoolkit.operation.run_collective`'s route
(correct, slower).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.coalitions import subset_sums
from lectoolkit.operation import (
    _CHECK_TOL,
    OperationInputs,
    _check_common,
    _costs,
    _Data,
    _data,
    _fixed_excess,
    _no_battery,
    _program_flows,
    _reduced_program,
    _repair,
    _solve_problem,
    _violations,
    run_collective,
)
from lectoolkit.parallel import map_tasks
from lectoolkit.shapley import ShapleyEstimate, shapley_sampled, shapley_values
from lectoolkit.solvers import _highs_lp, resolve_solver, solver_version

_CHUNK = 64
"""Least coalitions per task: enough for warm starts to pay."""

_CHUNK_MAX = 1024
"""Most coalitions per task (sampled games: about 50 orders of 20 members)."""

_TASKS = 16
"""Tasks a call's coalitions are cut into, between the two sizes above: enough to
balance a few workers, few enough that the cold first solve of each task is rare. The
cut depends on the coalitions only, never on the workers, so every run is cut alike."""

_ROUND = 16
"""Tasks per round of the map between two writes of the disk cache."""

_BATTERY_FLOWS = ("charge", "discharge", "stored")
"""Flow families indexed by battery rather than by member."""

_BATTERY_COLUMNS = frozenset({"excess", "charge", "discharge", "stored", "charge_on"})
"""Column families of the reduced program indexed by battery rather than by member."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class OperationGame:
    """The savings game of a community's optimal operation (:func:`operation_game`).

    Attributes
    ----------
    worths : numpy.ndarray, shape (2**n_members,)
        ``v(S) = sum_{i in S} c({i}) - c(S)`` [EUR], indexed by coalition bitmask (bit
        ``i`` is ``members[i]``): what :func:`lectoolkit.shapley_values`,
        :func:`lectoolkit.nucleolus` and :func:`lectoolkit.least_core` take.
    coalition_costs : numpy.ndarray, shape (2**n_members,)
        ``c(S)``, the optimal cost of each coalition operated as a pool [EUR];
        ``c(∅) = 0``.
    alone_costs : pandas.Series
        ``c({i})``, each member's optimal cost on its own [EUR], indexed by member.
    members : pandas.Index
        Member labels in bit order.
    solver, solver_version : str
        The solver that proved the costs, and its version.
    n_solved, n_cached : int
        Coalitions solved by this call, and taken from the disk cache.
    n_rechecked : int
        Coalitions solved on their own: their switched-off solution failed the full
        model's check (then binaries are added back), or the options have no
        switched-off route (another solver than HiGHS, the bilateral market, the
        total-share rules).
    wall_time_s : float
        Wall time of the call [s] (a machine measurement).
    """

    worths: np.ndarray
    coalition_costs: np.ndarray
    alone_costs: pd.Series
    members: pd.Index
    solver: str
    solver_version: str
    n_solved: int
    n_cached: int
    n_rechecked: int
    wall_time_s: float


# --------------------------------------------------------------------------- one worker


def _restrict(d: _Data, members: np.ndarray) -> _Data:
    """The problem data of the members at positions ``members``.

    The grand big-M is kept: it bounds every sub-community's flows too.
    """
    kept = np.isin(d.battery_members, members)
    position = np.full(d.load.shape[1], -1, dtype=np.int64)
    position[members] = np.arange(members.size)
    return replace(d, load=d.load[:, members], pv=d.pv[:, members], buy=d.buy[:, members],
                   sell=d.sell[:, members], power=d.power[members],
                   battery_members=position[d.battery_members[kept]],
                   bat={key: value[kept] for key, value in d.bat.items()})


def _restrict_flows(d: _Data, flows: dict, members: np.ndarray) -> dict:
    kept = np.isin(d.battery_members, members)
    return {key: value[:, kept] if key in _BATTERY_FLOWS else value[:, members]
            for key, value in flows.items()}


class _GrandProgram:
    """The grand coalition's reduced pool program, ready to load into HiGHS.

    Knows the member owning each column and each row that holds one member's columns only.
    """

    def __init__(self, d: _Data):
        n_steps, n_members = d.load.shape
        margin = (np.minimum(d.buy, d.market_buy[:, None])
                  - np.maximum(d.sell, d.market_sell[:, None]))
        import_binaries = margin < np.maximum(d.access, 0.0)[:, None]
        self.d = d
        self.program, self.layout = _reduced_program(
            d, pool=True, import_binaries=import_binaries,
            battery_binaries=np.zeros((n_steps, d.battery_members.size), dtype=bool),
            shared_binaries=False, no_loss_bound=None, name="rec_coalition_pool")
        program = self.program
        owner = np.full(program.n_cols, -1, dtype=np.int64)
        for family, index in self.layout.items():
            if family == "pool_balance":
                continue
            index = np.asarray(index)
            members = d.battery_members if family in _BATTERY_COLUMNS else np.arange(n_members)
            present = index >= 0
            owner[index[present]] = np.broadcast_to(members, index.shape)[present]
        entry_owner = owner[program.cols]
        low = np.full(program.n_rows, n_members, dtype=np.int64)
        high = np.full(program.n_rows, -1, dtype=np.int64)
        np.minimum.at(low, program.rows, entry_owner)
        np.maximum.at(high, program.rows, entry_owner)
        row_owner = np.where(low == high, low, -1)
        self.columns = [np.flatnonzero(owner == i).astype(np.int32) for i in range(n_members)]
        self.rows = [np.flatnonzero(row_owner == i).astype(np.int32) for i in range(n_members)]
        self.offset = (d.extra * _fixed_excess(d)).sum(axis=0) * _no_battery(d)
        self.is_mip = bool(program.integer.any())
        freed = row_owner >= 0  # every member starts switched off
        self.lp = _highs_lp(program, col_lower=np.zeros(program.n_cols),
                            col_upper=np.zeros(program.n_cols),
                            row_lower=np.where(freed, -np.inf, program.row_lower),
                            row_upper=np.where(freed, np.inf, program.row_upper))

    def model(self, mip_gap: float):
        """A fresh HiGHS model with every member switched off (one thread: deterministic)."""
        import highspy

        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("threads", 1)
        highs.setOptionValue("mip_rel_gap", mip_gap)
        highs.passModel(self.lp)
        return highs

    def switch(self, highs, member: int, on: bool) -> None:
        """Switch a member on (its bounds restored) or off (columns 0, own rows free)."""
        cols, rows = self.columns[member], self.rows[member]
        p = self.program
        if on:
            highs.changeColsBounds(cols.size, cols, p.col_lower[cols], p.col_upper[cols])
            highs.changeRowsBounds(rows.size, rows, p.row_lower[rows], p.row_upper[rows])
        else:
            zeros = np.zeros(cols.size)
            highs.changeColsBounds(cols.size, cols, zeros, zeros)
            highs.changeRowsBounds(rows.size, rows, np.full(rows.size, -np.inf),
                                   np.full(rows.size, np.inf))

    def checked_cost(self, highs, members: np.ndarray) -> float | None:
        """The solved coalition's cost [EUR], or None when not proven or not checked.

        Checked against every constraint of the coalition's own full model.
        """
        import highspy

        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(self.program.cost @ x + self.offset[members].sum())
        d = _restrict(self.d, members)
        flows = _restrict_flows(self.d, _program_flows(x, self.layout, self.d, True), members)
        flows, _ = _repair(d, flows)
        worst = _violations(d, flows, pool=True, no_loss_bound=None)[0]
        cost = _costs(d, flows)[0]
        if max(worst.values()) > _CHECK_TOL or cost > objective + _CHECK_TOL * max(
                1.0, abs(objective)):
            return None
        return cost


_PROGRAMS: dict[str, _GrandProgram] = {}
"""The grand programs of the games this process solved chunks of last (by fingerprint)."""

_KEPT_PROGRAMS = 4
"""Grand programs a process keeps (an explorer moving a slider makes a new game each time)."""


def _members_of(mask: int, n_members: int) -> np.ndarray:
    return np.flatnonzero([(mask >> i) & 1 for i in range(n_members)])


def _solve_alone(d: _Data, members: np.ndarray, mip_gap: float) -> float:
    """A coalition's cost solved on its own by ``run_collective``'s route [EUR].

    Binaries are added back until the full model's check passes.
    """
    sub = _restrict(d, members)
    flows = _solve_problem(None, sub, pool=True, no_loss_bound=None, formulation="reduced",
                           solver="highs", time_limit_s=None, mip_gap=mip_gap)[0]
    return _costs(sub, flows)[0]


def _solve_chunk(task) -> tuple[np.ndarray, int]:
    """Costs [EUR] of a chunk of coalitions (bitmasks) and how many needed their own solve.

    ``task = (inputs, delivery, market, solver, mip_gap, masks, key)``.
    """
    inputs, delivery, market, solver, mip_gap, masks, key = task
    n_members = inputs.n_members
    if solver != "highs" or market != "pool" or inputs.total_share:
        costs = [_run_coalition(inputs, _members_of(int(m), n_members), delivery, market,
                                solver, mip_gap) for m in masks]
        return np.asarray(costs, dtype=np.float64), len(costs)
    grand = _PROGRAMS.get(key)
    if grand is None:
        while len(_PROGRAMS) >= _KEPT_PROGRAMS:
            del _PROGRAMS[next(iter(_PROGRAMS))]
        grand = _PROGRAMS[key] = _GrandProgram(_data(inputs, delivery))
    highs = grand.model(mip_gap)
    state = 0
    costs = np.empty(len(masks))
    rechecked = 0
    for k, mask in enumerate(masks):
        mask = int(mask)
        changed = mask ^ state
        for member in range(n_members):
            if (changed >> member) & 1:
                grand.switch(highs, member, bool((mask >> member) & 1))
        state = mask
        members = _members_of(mask, n_members)
        highs.run()
        cost = grand.checked_cost(highs, members)
        if cost is None:
            cost = _solve_alone(grand.d, members, mip_gap)
            rechecked += 1
        costs[k] = cost
    return costs, rechecked


def _run_coalition(inputs: OperationInputs, members: np.ndarray, delivery: str, market: str,
                   solver: str, mip_gap: float) -> float:
    """One coalition through :func:`run_collective` (any solver, market and rules) [EUR]."""
    result = run_collective(inputs.select(inputs.members[members]), market=market,
                            delivery=delivery, solver=solver, mip_gap=mip_gap, split="solver")
    return result.objective


# --------------------------------------------------------------------------- the cache


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, (np.ndarray, pd.Series, pd.DataFrame)):
            h.update(np.ascontiguousarray(np.asarray(part, dtype=np.float64)).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _member_keys(inputs: OperationInputs, delivery: str, market: str, solver: str
                 ) -> tuple[str, list[str]]:
    """Fingerprints of the community (prices, options, solver) and of each member."""
    from lectoolkit import __version__

    community = _digest(
        "operation_game", __version__, solver, solver_version(solver), delivery, market,
        inputs.price_market_buy_per_kwh, inputs.price_market_sell_per_kwh,
        inputs.price_access_per_kwh, inputs.price_extra_power_per_kw, inputs.timestep_h,
        inputs.strict_positive_sharing, inputs.total_share)
    batteries = inputs.batteries if delivery == "pre" else inputs.batteries.iloc[:0]
    members = []
    for member in inputs.members:
        battery = batteries.loc[member] if member in batteries.index else "no battery"
        members.append(_digest(
            inputs.load_kwh[member], inputs.pv_kwh[member], inputs.price_buy_per_kwh[member],
            inputs.price_sell_per_kwh[member], inputs.contracted_power_kw[member],
            battery))
    return community, members


class _Cache:
    """Coalition costs on disk, in ``<cache_dir>/operation_game/part-*.npz`` files.

    Each file holds (key, cost) pairs; a coalition's key hashes the community's and its
    members' keys (sorted: the cost does not depend on the members' order).
    """

    def __init__(self, cache_dir, community: str, members: list[str]):
        self.community, self.members = community, members
        self.folder = None if cache_dir is None else Path(cache_dir) / "operation_game"
        self.known: dict[str, float] = {}
        if self.folder is not None and self.folder.is_dir():
            for part in sorted(self.folder.glob("part-*.npz")):
                with np.load(part) as stored:
                    self.known.update(zip(stored["keys"].tolist(), stored["costs"].tolist(),
                                          strict=True))

        self.stored = frozenset(self.known)

    def key(self, mask: int) -> str:
        chosen = sorted(self.members[i] for i in range(len(self.members)) if (mask >> i) & 1)
        return _digest(self.community, *chosen)

    def save(self, keys: list[str], costs: np.ndarray) -> None:
        self.known.update(zip(keys, costs.tolist(), strict=True))
        if self.folder is None or not keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"part-{uuid.uuid4().hex}.npz"
        temporary = target.with_suffix(".tmp.npz")
        np.savez(temporary, keys=np.array(keys, dtype="U64"), costs=costs)
        os.replace(temporary, target)


# --------------------------------------------------------------------------- the driver


class _CoalitionCosts:
    """``c(S)`` for bitmasks, from the cache or solved in chunks through ``map_tasks``."""

    def __init__(self, inputs, delivery, market, solver, mip_gap, jobs, client, cache_dir,
                 progress):
        self.inputs, self.delivery, self.market = inputs, delivery, market
        self.solver, self.mip_gap = solver, mip_gap
        self.jobs, self.client, self.progress = jobs, client, progress
        community, members = _member_keys(inputs, delivery, market, solver)
        self.cache = _Cache(cache_dir, community, members)
        self.game_key = _digest(community, *members)
        self.n_solved = self.n_rechecked = 0
        self.cached: set[str] = set()

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        """Costs of the coalitions ``masks`` (bitmasks) [EUR].

        Consecutive masks that differ in one member (Gray code, permutation prefixes)
        make the warm starts cheap.
        """
        masks = np.asarray(masks, dtype=np.int64)
        keys = [self.cache.key(int(m)) for m in masks]
        missing: dict[str, int] = {}
        for key, mask in zip(keys, masks.tolist(), strict=True):
            if mask and key not in self.cache.known and key not in missing:
                missing[key] = mask
        self.cached.update(key for key in keys if key in self.cache.stored)
        todo = _snake(list(missing.items()))
        size = min(_CHUNK_MAX, max(_CHUNK, -(-len(todo) // _TASKS)))
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        for first in range(0, len(chunks), _ROUND):
            batch = chunks[first:first + _ROUND]
            tasks = [(self.inputs, self.delivery, self.market, self.solver, self.mip_gap,
                      np.array([m for _, m in chunk], dtype=np.int64), self.game_key)
                     for chunk in batch]
            jobs = min(self.jobs, len(tasks)) if tasks else 1
            done = map_tasks(_solve_chunk, tasks, jobs=jobs, client=self.client,
                             progress=self.progress and len(chunks) > 1,
                             desc=f"coalition chunks {first + 1}-{first + len(batch)} of "
                                  f"{len(chunks)}")
            for chunk, (costs, rechecked) in zip(batch, done, strict=True):
                self.cache.save([k for k, _ in chunk], costs)
                self.n_solved += len(chunk)
                self.n_rechecked += rechecked
        return np.array([0.0 if m == 0 else self.cache.known[k]
                         for k, m in zip(keys, masks.tolist(), strict=True)])


def _snake(todo: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The masks to solve with every other chain reversed.

    A chain is a run of masks one member apart (the prefixes of one order); reversed,
    the next chain starts near where the last one ended (a big coalition after a big
    one), so its first solve warm-starts well.
    """
    runs, start = [], 0
    for k in range(1, len(todo) + 1):
        if k == len(todo) or (todo[k][1] ^ todo[k - 1][1]).bit_count() != 1:
            runs.append(todo[start:k])
            start = k
    return [item for k, run in enumerate(runs) for item in (run[::-1] if k % 2 else run)]


def _gray_order(n_members: int) -> np.ndarray:
    """Every non-empty coalition once, consecutive ones differing in one member."""
    g = np.arange(1, 1 << n_members, dtype=np.int64)
    return g ^ (g >> 1)


def _check_game_args(inputs, market, delivery, solver, jobs, cache_dir, progress):
    inputs, delivery = _check_common(inputs, delivery)
    market = _validate.choice(market, "market", ("pool", "bilateral"))
    name = resolve_solver(solver)
    jobs = _validate.integer(jobs, "jobs", minimum=1)
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir: expected a folder path (str or Path), got "
                        f"{_validate.describe(cache_dir)}")
    if cache_dir is not None and not os.fspath(cache_dir):
        raise ValueError("cache_dir: expected a folder path, got an empty string")
    if cache_dir is not None and Path(cache_dir).exists() and not Path(cache_dir).is_dir():
        raise ValueError(f"cache_dir: {os.fspath(cache_dir)!r} is a file, not a folder")
    progress = _validate.flag(progress, "progress")
    return inputs, market, delivery, name, jobs, progress


def operation_game(inputs: OperationInputs, *, market: str = "pool", delivery: str = "pre",
                   solver: str = "auto", jobs: int = 1, client=None, cache_dir=None,
                   progress: bool = True) -> OperationGame:
    """The savings game of every coalition's optimal operation (all ``2**n`` worths).

    ``v(S) = sum_{i in S} c({i}) - c(S)``, ``c(S)`` the proven optimal cost of the
    sub-community ``S`` operated together (pool or bilateral market; batteries scheduled
    before delivery, or metered flows after it) [EUR]. See the module docstring for how
    the coalitions are solved, checked, parallelised and cached.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon; at most ``lectoolkit._limits.MAX_OPERATION_GAME_PLAYERS``
        members (beyond, :func:`operation_shapley_sampled`).
    market : {"pool", "bilateral"}
        How a coalition trades (:func:`lectoolkit.operation.run_collective`; the
        bilateral market uses ``inputs.price_access_per_kwh`` for every pair).
    delivery : {"pre", "post"}
        ``"pre"``: batteries scheduled; ``"post"``: metered net flows, no battery.
    solver : {"auto", "highs", "glpk", "cbc"}
        HiGHS solves chunks of coalitions on one warm-started model; the others solve
        each coalition on its own (slower).
    jobs : int
        Local worker processes, >= 1 (1: in this process).
    client : dask.distributed.Client, optional
        Solve the chunks on this Dask cluster (``jobs`` is then ignored).
    cache_dir : str or Path, optional
        Folder of the disk cache of coalition costs (created if missing); None: no cache.
    progress : bool
        Show a progress bar over the chunks of coalitions.

    Returns
    -------
    OperationGame
        Worths, coalition and alone costs, the solver and counts.

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If an argument is out of its domain, or ``inputs`` has too many members.
    lectoolkit.SolverError
        If no solver is installed or a coalition's operation cannot be proven optimal.

    Examples
    --------
    Two members, one with surplus and one with need, sharing energy after delivery save
    the spread between retail buy and sell price less the access tariff:

    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
    ...     lem_price_per_kwh=[0.1], contracted_power_kw=[5.0, 5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> game = operation_game(inputs, delivery="post", progress=False)
    >>> game.worths.round(6).tolist()
    [0.0, 0.0, 0.0, 0.14]
    """
    began = time.perf_counter()
    inputs, market, delivery, name, jobs, progress = _check_game_args(
        inputs, market, delivery, solver, jobs, cache_dir, progress)
    n = inputs.n_members
    if n > _limits.MAX_OPERATION_GAME_PLAYERS:
        raise ValueError(
            f"inputs: {n} members make {2**n - 1:,} coalition operations; an exact game is "
            f"limited to {_limits.MAX_OPERATION_GAME_PLAYERS} members: estimate the Shapley "
            "value with operation_shapley_sampled")
    _data(inputs, delivery)  # refuses values beyond the solvers' range before any solve
    costs_of = _CoalitionCosts(inputs, delivery, market, name, 1e-4, jobs, client,
                               cache_dir, progress)
    order = _gray_order(n)
    costs = np.zeros(1 << n)
    costs[order] = costs_of(order)
    alone = costs[1 << np.arange(n)]
    worths = subset_sums(alone) - costs
    worths[1 << np.arange(n)] = 0.0  # c({i}) - c({i}), exactly
    return OperationGame(
        worths=worths, coalition_costs=costs,
        alone_costs=pd.Series(alone, index=inputs.members, name="alone_cost_eur"),
        members=inputs.members, solver=name, solver_version=solver_version(name),
        n_solved=costs_of.n_solved, n_cached=len(costs_of.cached),
        n_rechecked=costs_of.n_rechecked, wall_time_s=time.perf_counter() - began)


@numba.njit(cache=True)
def _greedy_cost(net, buy, sell, room, stored, power, charge_eff, discharge_eff,
                 degradation) -> float:
    """Cost [EUR] of a net load [kWh per step] with one battery run greedily.

    The battery charges from every surplus and discharges into every deficit, as far as
    its power [kWh per step] and state [kWh] allow, in step order.
    """
    cost = 0.0
    for t in range(net.size):
        flow = net[t]
        if flow < 0.0 and room > 0.0:
            charge = min(-flow, power, (room - stored) / charge_eff)
            stored += charge_eff * charge
            flow += charge
        elif flow > 0.0 and room > 0.0:
            discharge = min(flow, power, stored * discharge_eff)
            stored -= discharge / discharge_eff
            flow -= discharge
            cost += degradation * discharge
        cost += buy[t] * flow if flow > 0.0 else sell[t] * flow
    return cost


@numba.njit(cache=True, parallel=True)
def _proxy_kernel(base, buy, sell, room, stored, power, charge_eff, discharge_eff,
                  degradation, split_bits):
    """Worths of :func:`_proxy_game` for every bitmask, by ``2**split_bits`` Gray walks.

    Each walk fixes the top ``split_bits`` members and walks the others in Gray order,
    keeping the coalition's summed net load and merged battery as running sums.
    """
    n_steps, n = base.shape
    # per member: room, stored, power, room-weighted efficiencies and degradation, alone cost
    props = np.empty((n, 7))
    for i in range(n):
        props[i, 0], props[i, 1], props[i, 2] = room[i], stored[i], power[i]
        props[i, 3] = room[i] * charge_eff[i]
        props[i, 4] = room[i] * discharge_eff[i]
        props[i, 5] = room[i] * degradation[i]
        props[i, 6] = _greedy_cost(base[:, i].copy(), buy, sell, room[i], stored[i], power[i],
                                   charge_eff[i], discharge_eff[i], degradation[i])
    walk_bits = n - split_bits
    worths = np.zeros(1 << n)
    for high in numba.prange(1 << split_bits):
        net = np.zeros(n_steps)
        sums = np.zeros(7)
        for i in range(walk_bits, n):
            if (high >> (i - walk_bits)) & 1:
                net += base[:, i]
                sums += props[i]
        gray = 0
        for step in range(1 << walk_bits):
            if step:
                bit = 0  # the bit that flips between Gray codes step - 1 and step
                while not (step >> bit) & 1:
                    bit += 1
                gray ^= 1 << bit
                sign = 1.0 if (gray >> bit) & 1 else -1.0
                net += sign * base[:, bit]
                sums += sign * props[bit]
            mask = (high << walk_bits) | gray
            if mask == 0:
                continue
            merged = sums[0] > 1e-9
            worths[mask] = sums[6] - _greedy_cost(
                net, buy, sell, sums[0] if merged else 0.0, max(sums[1], 0.0),
                max(sums[2], 0.0), sums[3] / sums[0] if merged else 1.0,
                sums[4] / sums[0] if merged else 1.0, sums[5] / sums[0] if merged else 0.0)
    for i in range(n):
        worths[1 << i] = 0.0
    return worths


def _proxy_game(inputs: OperationInputs, delivery: str) -> np.ndarray:
    """Worths of the control variate ``v0`` [EUR], bitmask-indexed.

    A cheap model of the operation game: each coalition pools its metered net loads at
    each step's mean cheapest buy price less the access tariff and mean best sell price,
    and (before delivery) merges its members' batteries into one (usable capacities,
    stored energies and powers summed; efficiencies and degradation weighted by usable
    capacity) that charges from every surplus and discharges into every deficit in step
    order. After delivery it is the metered pool game of
    :func:`lectoolkit.settlement_game_worths` exactly. Its ``2**n`` worths take about a
    second at 20 members.
    """
    buy = np.minimum(inputs.price_buy_per_kwh.to_numpy(),
                     inputs.price_market_buy_per_kwh.to_numpy()[:, None]).mean(axis=1)
    sell = np.maximum(inputs.price_sell_per_kwh.to_numpy(),
                      inputs.price_market_sell_per_kwh.to_numpy()[:, None]).mean(axis=1)
    base = np.ascontiguousarray((inputs.load_kwh - inputs.pv_kwh).to_numpy(dtype=np.float64))
    table = inputs.batteries.reindex(inputs.members)

    def column(name, missing):
        return table[name].fillna(missing).to_numpy(dtype=np.float64)

    capacity = column("capacity_kwh", 0.0)
    room = capacity * (column("soc_max", 0.0) - column("soc_min", 0.0))
    if delivery == "post":  # metered flows: no battery runs
        room[:] = 0.0
    stored = np.maximum(column("initial_kwh", 0.0) - column("soc_min", 0.0) * capacity, 0.0)
    split_bits = min(6, max(inputs.n_members - 1, 0))
    return _proxy_kernel(base, buy - inputs.price_access_per_kwh.to_numpy(), sell, room,
                         stored, column("power_kw", 0.0) * inputs.timestep_h,
                         column("charge_efficiency", 1.0), column("discharge_efficiency", 1.0),
                         column("degradation_per_kwh", 0.0), split_bits)


def _regression_estimate(plain: ShapleyEstimate, proxy: ShapleyEstimate,
                         difference: ShapleyEstimate, proxy_exact: np.ndarray):
    """Shapley estimates and standard errors of ``v`` with the control variate ``v0``.

    ``plain``, ``proxy`` and ``difference`` sample ``v``, ``v0`` and ``v - v0`` on the
    same orders; their squared standard errors give each member's covariance of the
    ``v`` and ``v0`` estimates. One coefficient ``beta`` for every member (the least
    total variance) keeps the estimates summing to ``v(N)``.
    """
    var_v, var_0, var_d = (e.std_error.to_numpy() ** 2 for e in (plain, proxy, difference))
    cov = 0.5 * (var_v + var_0 - var_d)
    beta = cov.sum() / var_0.sum() if var_0.sum() > 0.0 else 0.0
    shapley = plain.shapley.to_numpy() - beta * (proxy.shapley.to_numpy() - proxy_exact)
    variance = np.maximum(var_v - 2.0 * beta * cov + beta**2 * var_0, 0.0)
    return shapley, np.sqrt(variance)


def operation_shapley_sampled(inputs: OperationInputs, n_permutations: int, *, rng=None,
                              control_variate: bool | None = None, market: str = "pool",
                              delivery: str = "pre", solver: str = "auto", jobs: int = 1,
                              client=None, cache_dir=None,
                              progress: bool = True) -> ShapleyEstimate:
    """The Shapley value of :func:`operation_game`'s savings game from sampled orders.

    :func:`lectoolkit.shapley_sampled` (antithetic pairs) with a worth function that
    solves each distinct coalition once (prefixes of one order differ in one member, so
    they make well warm-started chunks) and keeps the costs in ``cache_dir``.

    With the control variate, the same orders also sample a cheap game ``v0`` whose
    Shapley value is computed exactly from all its ``2**n`` worths (:func:`_proxy_game`:
    each coalition's pooled net load with its batteries merged into one that runs
    greedily), and the estimate is regression-adjusted: ``phi(v) - beta (phi_sampled(v0)
    - phi(v0))`` with one ``beta`` for every member fitted on those orders (so the
    estimates still sum to ``v(N)``; fitting ``beta`` on the same orders biases the
    estimate by a term of order ``1 / n_permutations``, far inside the standard error).
    Its variance is ``1 - rho**2`` of the plain one, ``rho`` the correlation of the two
    games' marginal contributions: on the REC instances' first 11 members ``rho`` is
    0.84-0.95 per member, and at 20 members the orders needed for a 1 % standard error
    fall about 3.4-fold. After delivery with one price for every member ``v0`` is ``v``
    itself and the estimate is exact.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon, at most 62 members (coalitions are 64-bit masks).
    n_permutations : int
        Orders drawn, even and >= 4.
    rng : numpy.random.Generator or int, optional
        Random generator or seed (same seed, same estimate).
    control_variate : bool, optional
        Adjust with ``v0`` (see above). Default: when ``v0``'s ``2**n`` worths are
        allowed (``lectoolkit._limits.MAX_GAME_PLAYERS`` members at most).
    market, delivery, solver, jobs, client, cache_dir, progress
        As :func:`operation_game`.

    Returns
    -------
    ShapleyEstimate
        Estimates and standard errors [EUR], indexed by member.

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If an argument is out of its domain (``control_variate=True`` with too many
        members).
    lectoolkit.SolverError
        If no solver is installed or a coalition's operation cannot be proven optimal.
    """
    inputs, market, delivery, name, jobs, progress = _check_game_args(
        inputs, market, delivery, solver, jobs, cache_dir, progress)
    n = inputs.n_members
    if n > 62:
        raise ValueError(f"inputs: {n} members; coalitions are 64-bit masks, at most 62 "
                         "members")
    n_permutations = _validate.integer(n_permutations, "n_permutations", minimum=4)
    small = n <= _limits.MAX_GAME_PLAYERS
    if control_variate is None:
        control_variate = small
    control_variate = _validate.flag(control_variate, "control_variate")
    if control_variate and not small:
        raise ValueError(f"control_variate: needs the 2**n worths of the proxy game, "
                         f"allowed up to {_limits.MAX_GAME_PLAYERS} members; {n} given")
    _data(inputs, delivery)
    costs_of = _CoalitionCosts(inputs, delivery, market, name, 1e-4, jobs, client,
                               cache_dir, progress)
    bits = np.int64(1) << np.arange(n, dtype=np.int64)
    alone = costs_of(bits)

    def masks_of(members: np.ndarray) -> np.ndarray:
        return np.asarray(members, dtype=bool).astype(np.int64) @ bits

    def worths(members: np.ndarray) -> np.ndarray:
        return members @ alone - costs_of(masks_of(members))

    seed = int(_validate.seeded_rng(rng).integers(2**63))  # the same orders for every pass
    plain = shapley_sampled(worths, n, n_permutations, rng=seed, antithetic=True)
    shapley, std_error = plain.shapley.to_numpy(), plain.std_error.to_numpy()
    if control_variate:
        proxy = _proxy_game(inputs, delivery)
        sampled = shapley_sampled(lambda members: proxy[masks_of(members)], n,
                                  n_permutations, rng=seed, antithetic=True)
        difference = shapley_sampled(  # every coalition is known by now: no solve
            lambda members: worths(members) - proxy[masks_of(members)], n, n_permutations,
            rng=seed, antithetic=True)
        shapley, std_error = _regression_estimate(plain, sampled, difference,
                                                  shapley_values(proxy))
    return ShapleyEstimate(
        shapley=pd.Series(shapley, index=inputs.members, name="shapley"),
        std_error=pd.Series(std_error, index=inputs.members, name="std_error"),
        n_permutations=plain.n_permutations)


OPERATION_MECHANISMS = ("conventional", "mmr_zhou2018", "bill_sharing_zhou2018", "sdr")
"""Rule-based mechanisms :func:`operation_allocations` settles by default (keys of
:data:`lectoolkit.mechanisms.SETTLEMENTS`)."""


def operation_allocations(game: OperationGame, inputs: OperationInputs, *,
                          lem_price_per_kwh=None, mechanisms=OPERATION_MECHANISMS,
                          solver: str = "auto"):
    """The game's allocations beside the bills of settlement rules on the same day.

    Every column is a savings allocation ``x_i = c({i}) - bill_i`` [EUR]:

    - ``Shapley``, ``nucleolus``, ``least core``: from ``game.worths``;
    - ``LEM price``: each member's cost in the community's optimal operation
      (:func:`lectoolkit.run_collective`) with pool transfers settled at
      ``lem_price_per_kwh`` (for example :func:`lectoolkit.dual_prices`' points);
    - one column per rule-based mechanism (labels of
      :data:`lectoolkit.mechanisms.SETTLEMENT_LABELS`): the same optimal operation's
      metered net flows (batteries as scheduled) settled by :func:`lectoolkit.settle`
      at each member's cheapest buy and best sell price, plus the member's own
      degradation and contracted-power excess costs. These rules do not charge the
      access tariff and price internal trades their own way, so their savings need not
      add up to ``v(N)`` (``core_table``'s ``efficiency_gap``).

    Parameters
    ----------
    game : OperationGame
        :func:`operation_game` of ``inputs`` (``market="pool"``, ``delivery="pre"``).
    inputs : OperationInputs
        The community's horizon the game was computed on.
    lem_price_per_kwh : Series or array, shape (n_steps,), optional
        LEM price [EUR/kWh]; default ``inputs.lem_price_per_kwh``.
    mechanisms : sequence of str
        Keys of :data:`lectoolkit.mechanisms.SETTLEMENTS` (``"sdrc"`` needs a
        compensation and is not accepted here).
    solver : {"auto", "highs", "glpk", "cbc"}
        Solver of the community's operation and of the nucleolus and least core LPs.

    Returns
    -------
    lectoolkit.AllocationComparison
        ``allocations`` (member x rule [EUR]), ``core`` (:func:`lectoolkit.core_table`
        of every rule) and ``grand_worth`` (``v(N)`` [EUR]).

    Raises
    ------
    TypeError, ValueError
        If ``game`` is not an :class:`OperationGame` of ``inputs``' members, or an
        argument is out of its domain; the errors of :func:`lectoolkit.run_collective`.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
    ...     lem_price_per_kwh=[0.1], contracted_power_kw=[5.0, 5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> game = operation_game(inputs, progress=False)
    >>> out = operation_allocations(game, inputs, mechanisms=["conventional"])
    >>> out.allocations.loc[:, ["Shapley", "LEM price", "Conventional"]].round(3).values.tolist()
    [[0.07, 0.09, 0.0], [0.07, 0.05, 0.0]]
    """
    from lectoolkit.allocation import AllocationComparison
    from lectoolkit.core import core_table, least_core, nucleolus
    from lectoolkit.mechanisms import SETTLEMENT_LABELS, settle_mechanisms

    if not isinstance(game, OperationGame):
        raise TypeError(f"game: expected an OperationGame, got {_validate.describe(game)}")
    inputs = _check_common(inputs, "pre")[0]
    if not game.members.equals(inputs.members):
        raise ValueError("game: its members differ from inputs' members (same labels, same "
                         "order expected)")
    if isinstance(mechanisms, str):
        raise TypeError("mechanisms: expected a list of keys of SETTLEMENTS, got a string")
    if "sdrc" in list(mechanisms):
        raise ValueError("mechanisms: 'sdrc' needs a compensation; not accepted here")
    collective = run_collective(inputs, lem_price_per_kwh=lem_price_per_kwh, solver=solver)
    alone = game.alone_costs.to_numpy()
    columns = {
        "Shapley": shapley_values(game.worths),
        "nucleolus": np.asarray(nucleolus(game.worths, solver).allocation),
        "least core": np.asarray(least_core(game.worths, solver).allocation),
        "LEM price": alone - collective.member_costs.to_numpy(),
    }
    dispatch = collective.dispatch
    net = dispatch["net_kwh"].unstack("member")[inputs.members].to_numpy()
    buy = np.minimum(inputs.price_buy_per_kwh.to_numpy(),
                     inputs.price_market_buy_per_kwh.to_numpy()[:, None])
    sell = np.maximum(inputs.price_sell_per_kwh.to_numpy(),
                      inputs.price_market_sell_per_kwh.to_numpy()[:, None])
    degradation = inputs.batteries["degradation_per_kwh"].reindex(inputs.members,
                                                                   fill_value=0.0)
    own = (dispatch["discharge_kwh"].unstack("member")[inputs.members].sum()
           * degradation).to_numpy() + inputs.price_extra_power_per_kw * dispatch[
        "excess_kw"].unstack("member")[inputs.members].sum().to_numpy()
    settled = settle_mechanisms(np.maximum(net, 0.0), np.maximum(-net, 0.0),
                                price_buy_per_kwh=buy, price_sell_per_kwh=sell,
                                timestep_h=inputs.timestep_h, mechanisms=list(mechanisms))
    for key, result in settled.items():
        columns[SETTLEMENT_LABELS[key]] = alone - np.asarray(result.bills) - own
    allocations = pd.DataFrame(columns, index=inputs.members)
    allocations.columns.name = "rule"
    return AllocationComparison(allocations=allocations, core=core_table(
        game.worths, allocations, tol=1e-7), grand_worth=float(game.worths[-1]))

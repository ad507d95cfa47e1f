"""The community's operation with bilateral contracts (seed 004's bilateral market, SPEC §4).

Members trade in pairs: ``sale[n, k, t]``, the energy member ``n`` sells to member ``k``
at step ``t``, equals ``purchase[k, n, t]`` (constraint family ``bilateral_balance``).
Everything else is the pool model of :mod:`lectoolkit.operation` (stage-1 constraints of
every member, import/export and battery binaries, strictly positive sharing, the
two-stage no-loss bound): a member's pool purchase and sale are the sums of its
bilateral purchases and sales. Pool transfers are settled at the per-step LEM price, as
in the original (its bilateral ``l_lem`` is one price per step).

What differs from the pool is the access tariff: it can depend on the pair,
``price_access_pair_per_kwh[t, n, k]`` [EUR/kWh] for the shared energy member ``n``
buys from ``k`` and consumes. A member's shared energy ``e_slc = min(max(e_cmet, 0),
max(e_pur - e_sale, 0))`` (as in the pool, defined exactly with binaries) is split over
its sellers: ``shared_pair[n, k, t] <= purchase[n, k, t]``, ``sum_k shared_pair[n, k,
t] = e_slc[n, t]``, and the objective charges ``sum price_access_pair x shared_pair``.
The optimum therefore allocates each member's shared energy to its cheapest sellers
first (a fractional knapsack); the reported split follows that rule (ties: seller
order). The original models the same quantity with per-pair bounds and one binary per
member; its attribution coincides with cheapest-first when a member does not both buy
and sell within a pair.

Exactness
---------
The relation behind the fast route: the pool whose access tariff at each step is the
least pair tariff of that step is a relaxation of the bilateral market. Aggregating a
bilateral dispatch (a member's pool purchase and sale are the sums of its trades) gives
a pool dispatch satisfying every pool constraint, and its access cost ``sum_k tariff[n,
k] shared_pair[n, k] >= least x shared`` (the pool's no-loss bound is then looser too).
Conversely a pool dispatch's net sales can be routed from sellers to buyers in
proportion (sale of ``n`` to ``k`` = ``sale_n x purchase_k / total``): the pairwise
balance holds and every member's aggregates, hence every other constraint and cost, are
unchanged. So when every pair's tariff at a step is the same (the default: the step's
``price_access_per_kwh``), the bilateral optimum equals the pool optimum.

``run_collective(..., market="bilateral")`` with ``formulation="reduced"`` (default)
therefore solves that pool relaxation with the pool's exact reduced formulation (proven
optimal and checked there), routes its optimum pairwise, checks the routed dispatch
against every constraint family of the full bilateral model (:func:`lectoolkit.
operation._violations` on the member aggregates, the pairwise sums, the shared-energy
allocation, the no-loss bound with the pairwise access costs) and accepts it as the
bilateral optimum only when its bilateral cost is at most the relaxation's optimum
(1e-6 relative): the relaxation's optimum is then a lower bound it attains. With
unequal pair tariffs this usually fails (the proportional routing ignores the tariffs),
and the full MILP of :func:`lectoolkit.operation.build_collective_model`
(``market="bilateral"``, all the original's binaries, ``n_members x (n_members - 1)``
pairs per step) is built and solved, checked the same way; ``"optimal"`` is reported
only when a solver proved it. ``formulation="full"`` always solves the full MILP.

Members' outcomes are not unique here either. Through the pool, ``split="min_volume"``
is the pool's split: the routed dispatch has no member both buying and selling, so its
bilateral volume ``sum sale`` is half the pool volume and the pool's lexicographic
choice is the bilateral one. In the full MILP, ``split="min_volume"`` re-solves the MILP
with the community cost capped at the first optimum's objective and the total bilateral
volume ``sum sale[n, k, t]`` minimised, then once more with that volume capped and the
earliest trades preferred (least ``sum_t t x sale[n, k, t]``), as the pool's split (if
a re-solve fails or its solution fails the check, the previous optimum is kept).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.operation import (
    _CHECK_TOL,
    _GAP_OPTION,
    SOLVER_MAX_VALUE,
    OperationResult,
    _build,
    _Data,
    _dispatch,
    _flows,
    _repair,
    _stage1_costs,
    _violations,
)
from lectoolkit.solvers import SolverError, _relative_gap, solve

TRADE_COLUMNS = ("energy_kwh", "shared_kwh")
"""Columns of :attr:`OperationResult.trades`, one row per (step, seller, buyer)."""


def _pair_tariffs(inputs, value) -> np.ndarray:
    """Validate ``price_access_pair_per_kwh``; default: the step's access tariff for all.

    Returns an array of shape (n_steps, n_members, n_members) [EUR/kWh], entry
    ``[t, buyer, seller]``; the diagonal is not used (set to the step's tariff).
    """
    shape = (inputs.n_steps, inputs.n_members, inputs.n_members)
    access = inputs.price_access_per_kwh.to_numpy()
    if value is None:
        return np.broadcast_to(access[:, None, None], shape).copy()
    arr = _validate.array(value, "price_access_pair_per_kwh", unit="EUR/kWh")
    if arr.shape != shape:
        raise ValueError(f"price_access_pair_per_kwh: expected shape {shape} (n_steps, "
                         f"n_members, n_members), got {arr.shape}")
    largest = float(np.max(np.abs(arr)))
    if largest > SOLVER_MAX_VALUE:
        raise ValueError(f"price_access_pair_per_kwh: prices of up to {largest:.3g} per kWh "
                         f"exceed {SOLVER_MAX_VALUE:.0e}, beyond what LP solvers handle "
                         "reliably; rescale the currency unit")
    arr = arr.copy()
    diagonal = np.arange(inputs.n_members)
    arr[:, diagonal, diagonal] = access[:, None]
    return arr


def _off_diagonal(n_members: int) -> np.ndarray:
    return ~np.eye(n_members, dtype=bool)


def _bilateral_data(d: _Data, pair: np.ndarray) -> _Data:
    """``d`` with ``access`` the least pair tariff of each step (its sign picks binaries)."""
    n_members = d.load.shape[1]
    if n_members < 2:
        return d
    least = np.where(_off_diagonal(n_members)[None], pair, np.inf).min(axis=(1, 2))
    return replace(d, access=least)


def _trades_hook(d: _Data, pair: np.ndarray):
    """The ``trades`` argument of :func:`lectoolkit.operation._build` for this market."""
    n_steps, n_members = d.load.shape

    def add(pyo, m):
        triples = [(n, k, t) for n in range(n_members) for k in range(n_members) if k != n
                   for t in range(n_steps)]
        m.trade_pairs = pyo.Set(initialize=triples, dimen=3, ordered=True)
        flow = {"within": pyo.NonNegativeReals, "bounds": (0.0, d.big_m)}
        m.bilateral_purchase = pyo.Var(m.trade_pairs, **flow)
        m.bilateral_sale = pyo.Var(m.trade_pairs, **flow)
        m.shared_pair = pyo.Var(m.trade_pairs, within=pyo.NonNegativeReals)
        m.bilateral_balance = pyo.Constraint(m.trade_pairs, rule=lambda _, n, k, t: (
            m.bilateral_sale[n, k, t] == m.bilateral_purchase[k, n, t]))
        others = {n: [k for k in range(n_members) if k != n] for n in range(n_members)}
        m.bilateral_purchases = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
            m.pool_purchase[n, t] == sum(m.bilateral_purchase[n, k, t] for k in others[n])))
        m.bilateral_sales = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
            m.pool_sale[n, t] == sum(m.bilateral_sale[n, k, t] for k in others[n])))
        m.shared_pair_limit = pyo.Constraint(m.trade_pairs, rule=lambda _, n, k, t: (
            m.shared_pair[n, k, t] <= m.bilateral_purchase[n, k, t]))
        m.shared_allocation = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
            sum(m.shared_pair[n, k, t] for k in others[n]) == m.shared[n, t]))

        def access_cost(n, t):
            return sum(float(pair[t, n, k]) * m.shared_pair[n, k, t] for k in others[n])

        return access_cost

    return add


def _trade_values(model, d: _Data) -> np.ndarray:
    """Energy sold by ``n`` to ``k`` at ``t`` as an array ``[t, seller, buyer]`` [kWh]."""
    n_steps, n_members = d.load.shape
    out = np.zeros((n_steps, n_members, n_members))
    for (n, k, t), var in model.bilateral_sale.items():
        out[t, n, k] = 0.0 if var.value is None else var.value
    return out


def _cheapest_first(shared: np.ndarray, purchases: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """Split each member's shared energy over its sellers, cheapest pair tariff first.

    ``shared`` (steps x members) [kWh], ``purchases[t, buyer, seller]`` [kWh], ``pair``
    the tariffs ``[t, buyer, seller]``. Returns ``[t, buyer, seller]`` [kWh]: the
    allocation of least access cost (ties in seller order).
    """
    order = np.argsort(pair, axis=2, kind="stable")
    capacity = np.maximum(np.take_along_axis(purchases, order, axis=2), 0.0)
    before = np.cumsum(capacity, axis=2) - capacity
    taken = np.clip(shared[:, :, None] - before, 0.0, capacity)
    out = np.zeros_like(purchases)
    np.put_along_axis(out, order, taken, axis=2)
    return out


def _bilateral_costs(d: _Data, f, sales: np.ndarray, pair: np.ndarray):
    """(community cost, stage-1 cost per member, member cost, shared split) [EUR, kWh]."""
    purchases = np.transpose(sales, (0, 2, 1))  # [t, buyer, seller]
    split = _cheapest_first(f["shared"], purchases, pair)
    access = (split * pair).sum(axis=2)
    stage1 = _stage1_costs(d, f)
    transfers = (f["pool_purchase"] - f["pool_sale"]) * d.lem[:, None]
    community = float((stage1 + access).sum())
    return community, stage1.sum(axis=0), (stage1 + access + transfers).sum(axis=0), split


def _check(d, flows, sales, pair, bound):
    worst = _violations(d, flows, pool=True, no_loss_bound=None)[0]
    purchases = np.transpose(sales, (0, 2, 1))
    worst["bilateral_sums"] = float(max(
        np.max(np.abs(purchases.sum(axis=2) - flows["pool_purchase"]), initial=0.0),
        np.max(np.abs(sales.sum(axis=2) - flows["pool_sale"]), initial=0.0),
        np.max(-sales, initial=0.0)))
    _, _, member, split = _bilateral_costs(d, flows, sales, pair)
    worst["shared_allocation"] = float(np.max(np.abs(split.sum(axis=2) - flows["shared"]),
                                              initial=0.0))
    if bound is not None:
        worst["no_loss"] = float(np.max(np.maximum(member - bound, 0.0), initial=0.0))
    return worst


def _checked(model, d, sales_of, pair, bound, objective, solver):
    flows, _ = _repair(d, _flows(model, d, True))
    sales = sales_of(model)
    worst = _check(d, flows, sales, pair, bound)
    community = _bilateral_costs(d, flows, sales, pair)[0]
    tol = _CHECK_TOL * max(1.0, abs(objective))
    if max(worst.values()) > _CHECK_TOL or community > objective + tol:
        raise SolverError(
            f"solver {solver!r} returned a solution of {model.name!r} that violates its "
            f"constraints beyond {_CHECK_TOL} (worst: {max(worst, key=worst.get)}) or costs "
            "more than its objective; rescale the inputs or tighten the solver's "
            "tolerances", solver, "numerical")
    return flows, sales, worst


def _routed(flows) -> np.ndarray:
    """Pool flows routed pairwise: ``sale[t, n, k] = sale_n x purchase_k / total`` [kWh]."""
    net = flows["pool_purchase"] - flows["pool_sale"]
    purchase, sale = np.maximum(net, 0.0), np.maximum(-net, 0.0)
    total = purchase.sum(axis=1)
    share = np.divide(purchase, total[:, None], out=np.zeros_like(purchase),
                      where=total[:, None] > 0.0)
    return sale[:, :, None] * share[:, None, :]


def _via_pool(inputs, d: _Data, pair, individual, *, bound, solver, time_limit_s, mip_gap,
              split):
    """The exact route through the pool relaxation, or None where it proves nothing.

    The pool with each step's least pair tariff as access tariff is a relaxation of the
    bilateral market (aggregate a bilateral dispatch: every pool constraint holds, and
    ``sum_k tariff[n, k] shared_pair[n, k] >= least x shared``). Its optimum, routed
    pairwise by :func:`_routed` (flows unchanged, so every aggregate constraint still
    holds), is checked against every constraint of the full bilateral model; when its
    bilateral cost is at most the relaxation's optimum it is optimal. With equal pair
    tariffs at a step (the default) this always holds. The total-share rules constrain
    member aggregates only, so the argument holds with them too.
    """
    from lectoolkit.operation import _min_volume, _solve_problem

    flows, _, result, n_binaries, n_solves, build_s, solve_s, solved = _solve_problem(
        inputs, d, pool=True, no_loss_bound=bound, formulation="reduced", solver=solver,
        time_limit_s=time_limit_s, mip_gap=mip_gap, allow_time_limit=True,
        start_dispatch=individual.dispatch)
    if result.termination_condition != "optimal":
        return None
    if split == "min_volume":  # least pool volume = least bilateral volume when routed
        start = time.perf_counter()
        found = _min_volume(solved, d, result.objective, bound, solver, time_limit_s,
                            {_GAP_OPTION[solver]: mip_gap})
        solve_s += time.perf_counter() - start
        n_solves += 1
        if found is not None:
            flows = found[0]
    sales = _routed(flows)
    worst = _check(d, flows, sales, pair, bound)
    community, _, member, shared_split = _bilateral_costs(d, flows, sales, pair)
    if max(worst.values()) > _CHECK_TOL or community > result.objective + _CHECK_TOL * max(
            1.0, abs(result.objective)):
        return None
    return OperationResult(
        objective=community, member_costs=pd.Series(member, index=inputs.members),
        individual_costs=individual.individual_costs, dispatch=_dispatch(inputs, d, flows),
        status="optimal", mip_gap=mip_gap, solver=result.solver,
        solver_version=result.solver_version, n_binaries=n_binaries, n_solves=n_solves,
        build_time_s=build_s, solve_time_s=solve_s, check=worst,
        trades=_trades(inputs, sales, np.transpose(shared_split, (0, 2, 1))))


def _run_bilateral(inputs, d: _Data, pair, individual, *, bound, solver, time_limit_s,
                   mip_gap, split, formulation) -> OperationResult:
    """The body of ``run_collective(..., market="bilateral")`` (arguments validated)."""
    from lectoolkit.solvers import _import_pyomo

    pyo = _import_pyomo()
    d = _bilateral_data(d, pair)
    if formulation == "reduced":
        routed = _via_pool(inputs, d, pair, individual, bound=bound, solver=solver,
                           time_limit_s=time_limit_s, mip_gap=mip_gap, split=split)
        if routed is not None:
            return routed
    options = {_GAP_OPTION[solver]: mip_gap}
    start = time.perf_counter()
    model = _build_bilateral(d, pair, bound)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    result = solve(model, solver, time_limit_s=time_limit_s, options=options,
                   allow_time_limit=True)
    solve_s = time.perf_counter() - start
    n_solves = 1

    def sales_of(solved):
        return _trade_values(solved, d)

    flows, sales, worst = _checked(model, d, sales_of, pair, bound, result.objective, solver)
    limited = result.termination_condition == "time_limit"
    if split == "min_volume" and not limited:
        start = time.perf_counter()
        for found in _least_volume(pyo, model, d, sales_of, pair, bound, result.objective,
                                   solver, time_limit_s, options):
            n_solves += 1
            if found is not None:
                flows, sales, worst = found
        solve_s += time.perf_counter() - start
    community, _, member, shared_split = _bilateral_costs(d, flows, sales, pair)
    n_binaries = sum(1 for v in model.component_data_objects(pyo.Var)
                     if v.is_binary())
    return OperationResult(
        objective=community, member_costs=pd.Series(member, index=inputs.members),
        individual_costs=individual.individual_costs, dispatch=_dispatch(inputs, d, flows),
        status=result.termination_condition,
        mip_gap=_relative_gap(community, result.best_bound) if limited else mip_gap,
        solver=result.solver, solver_version=result.solver_version, n_binaries=n_binaries,
        n_solves=n_solves, build_time_s=build_s, solve_time_s=solve_s, check=worst,
        trades=_trades(inputs, sales, np.transpose(shared_split, (0, 2, 1))))


def _least_volume(pyo, model, d, sales_of, pair, bound, cost, solver, time_limit_s, options):
    """Yield the checked optimum of least volume, then of earliest trades (None: failed).

    Lexicographic: the community cost capped at ``cost``, the volume ``sum sale``
    minimised; then the volume capped at that minimum (1e-9 relative) and ``sum_t t x
    sale`` minimised. Stops at the first failure.
    """
    model.objective.deactivate()
    model.cost_cap = pyo.Constraint(expr=model.objective.expr <= cost)
    volume = sum(model.bilateral_sale.values())
    model.volume_objective = pyo.Objective(expr=volume, sense=pyo.minimize)
    try:
        least = solve(model, solver, time_limit_s=time_limit_s, options=options).objective
        yield _checked(model, d, sales_of, pair, bound, cost, solver)
    except SolverError:
        yield None
        return
    model.volume_objective.deactivate()
    model.volume_cap = pyo.Constraint(expr=volume <= least * (1 + 1e-9) + 1e-9)
    model.timing_objective = pyo.Objective(
        expr=sum(t * var for (_, _, t), var in model.bilateral_sale.items()),
        sense=pyo.minimize)
    try:
        solve(model, solver, time_limit_s=time_limit_s, options=options)
        yield _checked(model, d, sales_of, pair, bound, cost, solver)
    except SolverError:
        yield None


def _build_bilateral(d: _Data, pair: np.ndarray, bound):
    """The full bilateral MILP (``d`` from :func:`_bilateral_data`)."""
    n_steps = d.load.shape[0]
    return _build(d, pool=True, import_binaries=np.ones(d.load.shape, dtype=bool),
                  battery_binaries=np.ones((n_steps, d.battery_members.size), dtype=bool),
                  shared_binaries=True, no_loss_bound=bound, name="rec_collective_bilateral",
                  trades=_trades_hook(d, pair))


def _trades(inputs, sales: np.ndarray, shared: np.ndarray) -> pd.DataFrame:
    """Tidy trades: rows (step, seller, buyer) with seller != buyer; ``shared[t, s, b]``."""
    n_members = inputs.n_members
    mask = np.broadcast_to(_off_diagonal(n_members)[None], sales.shape)
    steps, sellers, buyers = np.nonzero(mask)
    index = pd.MultiIndex.from_arrays(
        [inputs.steps[steps], inputs.members[sellers], inputs.members[buyers]],
        names=["step", "seller", "buyer"])
    return pd.DataFrame(dict(zip(TRADE_COLUMNS, (sales[mask], shared[mask]), strict=True)),
                        index=index)

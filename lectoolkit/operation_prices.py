"""LEM prices from the community's optimum: dual prices and offer-pricing loops (seed 004).

Built on :mod:`lectoolkit.operation`'s collective model:

* :func:`dual_prices`: each step's price from the pool balance's dual values, with the
  interval of valid duals where the LP is degenerate (the seed's ``dual_pre_pool``,
  ``dual_post_pool``);
* :func:`lem_pricing_loop`: iterate offer-based pricing (:mod:`lectoolkit.lem`) and the
  two-stage collective optimum until the prices repeat (the seed's ``loop_*``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.operation import (
    _CHECK_TOL,
    _GAP_OPTION,
    OperationInputs,
    OperationResult,
    _check_common,
    _check_market,
    _check_solver_args,
    _data,
    _individual,
    _lem_prices,
    _min_volume,
    _reduced_program,
    _refuse_total_share,
    _solve_problem,
    run_collective,
)
from lectoolkit.solvers import SolverError, _solve_program

# --------------------------------------------------------------------------- dual prices


def _fixed_program(program, layout: dict, f):
    """The program with its binaries fixed at the values the dispatch ``f`` implies (an LP)."""
    tol = _CHECK_TOL
    pool_net = f["pool_purchase"] - f["pool_sale"]
    implied = {
        "import_on": f["import_retail"] + f["import_market"] > tol,
        "charge_on": f["charge"] > tol,
        "shared_pick": pool_net <= f["net"],  # 1: the pool's bound is the binding one
        "shared_meter_on": f["net"] > tol,
        "shared_pool_on": pool_net > tol,
    }
    lower, upper = program.col_lower.copy(), program.col_upper.copy()
    for key, value in implied.items():
        index = layout[key]
        present = index >= 0
        lower[index[present]] = upper[index[present]] = value[present]
    return replace(program, col_lower=lower, col_upper=upper,
                   integer=np.zeros(program.n_cols, dtype=bool))


class _ShiftedValues:
    """Optimal values of an LP with one row's bounds moved to a shift, one row at a time.

    HiGHS keeps one model and re-solves each shift from the previous optimal basis (dual
    simplex: a few iterations each), putting the row back after every solve; other
    solvers solve each shifted program afresh from the unshifted optimum. ``value`` is
    the unshifted optimum [EUR].
    """

    def __init__(self, program, solver: str, time_limit_s):
        self.program, self.solver, self.time_limit_s = program, solver, time_limit_s
        self.highs = None
        if solver == "highs":
            import highspy

            from lectoolkit.solvers import _highs_lp

            self.highs = highspy.Highs()
            self.highs.setOptionValue("output_flag", False)
            if time_limit_s is not None:
                self.highs.setOptionValue("time_limit", float(time_limit_s))
            self.highs.passModel(_highs_lp(program))
            self.value = self._run()
            if not np.isfinite(self.value):
                raise SolverError(f"solver 'highs' found the LP {program.name!r} with the "
                                  "optimum's binaries fixed infeasible", "highs", "infeasible")
        else:
            base = _solve_program(program, solver, time_limit_s=time_limit_s)
            self.value, self.start = base.result.objective, base.x

    def _run(self) -> float:
        self.highs.run()
        status = self.highs.getModelStatus().name
        if status == "kOptimal":
            x = np.asarray(self.highs.getSolution().col_value, dtype=np.float64)
            return float(self.program.cost @ x + self.program.offset)
        if status in ("kInfeasible", "kUnboundedOrInfeasible"):  # bounded at 0: infeasible
            return np.inf
        raise SolverError(f"solver 'highs' stopped with status {status!r} on the LP "
                          f"{self.program.name!r}", "highs", status)

    def __call__(self, row: int, shift_kwh: float) -> float:
        """Optimal value with ``shift_kwh`` more sales than purchases in pool row ``row``.

        ``inf`` when that is infeasible.
        """
        program = self.program
        if self.highs is not None:
            self.highs.changeRowBounds(row, shift_kwh, shift_kwh)
            try:
                return self._run()
            finally:
                self.highs.changeRowBounds(row, program.row_lower[row], program.row_upper[row])
        low, high = program.row_lower.copy(), program.row_upper.copy()
        low[row] = high[row] = shift_kwh
        try:
            return _solve_program(replace(program, row_lower=low, row_upper=high), self.solver,
                                  time_limit_s=self.time_limit_s,
                                  start=self.start).result.objective
        except SolverError as err:
            if "infeasible" in err.termination_condition.lower():
                return np.inf
            raise


def _one_sided_slope(shifted: _ShiftedValues, row: int, sign: float) -> float:
    """One-sided derivative of the optimal value in the shift of pool row ``row`` [EUR/kWh]."""
    step = _DUAL_STEP_KWH
    previous = None
    while step >= _DUAL_MIN_STEP_KWH:
        value = shifted(row, sign * step)
        if not np.isfinite(value):
            return sign * np.inf
        slope = sign * (value - shifted.value) / step
        if previous is not None and abs(slope - previous) <= _DUAL_SLOPE_TOL:
            return slope
        previous = slope
        step /= 4.0
    return previous


_DUAL_STEP_KWH = 1e-3
_DUAL_MIN_STEP_KWH = 1e-6
_DUAL_SLOPE_TOL = 1e-6


def dual_prices(inputs: OperationInputs, *, market: str = "pool", delivery: str = "pre",
                no_loss: bool = False, lem_price_per_kwh=None, solver: str = "auto",
                time_limit_s: float | None = None, mip_gap: float = 1e-4,
                formulation: str = "reduced") -> pd.DataFrame:
    """LEM prices from the pool balance's dual values, with the interval of valid duals.

    Solves :func:`run_collective` (with ``split="min_volume"``, so that the optimum and
    hence the intervals do not depend on the solver), fixes the binaries of the full
    formulation at the values its optimum implies (importing or not, charging or not,
    which bound of the shared energy binds), and measures the optimal value ``v(r_t)`` of
    the LP as a function of a shift ``r_t`` of the pool balance at step t
    (``sum sales - sum purchases = r_t``). The
    valid duals of the balance are the subdifferential of ``v`` at 0, the interval
    ``[v'(0-), v'(0+)]``: ``low`` is what one more kWh injected into the pool saves the
    community, ``high`` what one kWh withdrawn costs it (``inf`` when no member can supply
    it). A degenerate LP (at many steps) has ``low < high``; any value in the interval is
    a dual price, and a solver reports one of its ends.

    Parameters
    ----------
    inputs, market, delivery, no_loss, lem_price_per_kwh, solver, time_limit_s, mip_gap, \
formulation
        As :func:`run_collective` (``formulation`` is that of the optimum; the duals
        always come from the full formulation with its binaries fixed).

    Returns
    -------
    pandas.DataFrame
        Indexed by step: ``low_per_kwh``, ``high_per_kwh`` (the interval of valid duals,
        ``high`` may be ``inf``) and ``price_per_kwh``, the reported point: the midpoint
        of the interval when it is bounded, else its finite end [EUR/kWh]. Signed (the
        original reports the absolute value; here a negative price means energy in the
        pool has a negative value).

    Raises
    ------
    TypeError, ValueError, NotImplementedError, lectoolkit.SolverError
        As :func:`run_collective`; ``NotImplementedError`` also for ``market="bilateral"``
        (the seed defines dual prices for the pool only: ``dual_pre_pool``,
        ``dual_post_pool``).

    Notes
    -----
    ``v`` is convex and piecewise linear; each one-sided derivative is a finite
    difference at 1e-3 kWh, confirmed by a difference at a quarter of the shift (quartering
    on until two agree within 1e-6 EUR/kWh, down to 1e-6 kWh). Cost: about four shifted
    LPs per step, each re-solved with HiGHS from the unshifted optimal basis (a few dual
    simplex iterations; GLPK and CBC solve each afresh): the 50-member, 96-step day of
    ``rec_instances`` takes about 12 s in all, most of it the collective optimum.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
    ...     contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> prices = dual_prices(inputs, delivery="post")  # member 1 cannot sell more than 1 kWh
    >>> prices.round(6).loc[0].tolist()
    [0.05, inf, 0.05]
    """
    inputs, delivery = _check_common(inputs, delivery)
    market = _validate.choice(market, "market", ("pool", "bilateral"))
    no_loss = _validate.flag(no_loss, "no_loss")
    lem = _lem_prices(inputs, lem_price_per_kwh)
    name, time_limit_s, mip_gap = _check_solver_args(solver, time_limit_s, mip_gap)
    formulation = _validate.choice(formulation, "formulation", ("reduced", "full"))
    if market == "bilateral":
        raise NotImplementedError("market: dual prices are defined for the pool only (the "
                                  "seed has no bilateral dual prices), got 'bilateral'")
    _refuse_total_share(inputs)
    bound = None
    if no_loss:
        individual = _individual(inputs, delivery, name, time_limit_s, mip_gap, formulation)
        bound = individual.individual_costs.to_numpy()
    d = _data(inputs, delivery, lem)
    flows, _, result, _, _, _, _, optimum = _solve_problem(
        inputs, d, pool=True, no_loss_bound=bound, formulation=formulation, solver=name,
        time_limit_s=time_limit_s, mip_gap=mip_gap)
    # the binaries are fixed at the optimum of least pool volume, not at whichever optimum
    # the solver returned: the intervals then do not depend on the solver
    found = _min_volume(optimum, d, result.objective, bound, name, time_limit_s,
                        {_GAP_OPTION[name]: mip_gap})
    if found is not None:
        flows = found[0]
    program, layout = _reduced_program(
        d, pool=True, import_binaries=np.ones(d.load.shape, dtype=bool),
        battery_binaries=np.ones((inputs.n_steps, d.battery_members.size), dtype=bool),
        shared_binaries=True, no_loss_bound=bound, name="rec_collective_pool_lp")
    shifted = _ShiftedValues(_fixed_program(program, layout, flows), name, time_limit_s)
    low = np.empty(inputs.n_steps)
    high = np.empty(inputs.n_steps)
    for t, row in enumerate(layout["pool_balance"]):
        high[t] = _one_sided_slope(shifted, row, +1.0)
        low[t] = _one_sided_slope(shifted, row, -1.0)
    bounded = np.isfinite(low) & np.isfinite(high)
    point = np.where(bounded, 0.5 * (low + np.where(bounded, high, 0.0)),
                     np.where(np.isfinite(low), low, high))
    return pd.DataFrame({"low_per_kwh": low + 0.0, "high_per_kwh": high + 0.0,  # no -0.0
                         "price_per_kwh": point + 0.0}, index=inputs.steps)


# --------------------------------------------------------------------------- pricing loops


@dataclass(frozen=True, eq=False)
class PricingLoopResult:
    """Outcome of :func:`lem_pricing_loop`.

    Attributes
    ----------
    prices : pandas.Series
        LEM price per step of the best iteration (the one of least community cost)
        [EUR/kWh], indexed like ``inputs.steps``.
    iterations : int
        Collective models solved (one per price vector tried).
    converged : bool
        Whether the stop criterion held before ``max_iterations``.
    best : OperationResult
        The collective optimum at :attr:`prices`.
    history : pandas.DataFrame
        One row per iteration (``0, 1, ...``), one column per step: the price vector
        priced from the previous iteration's flows (row 0: the starting 10 EUR/kWh).
    """

    prices: pd.Series
    iterations: int
    converged: bool
    best: OperationResult
    history: pd.DataFrame


_LOOP_START_PER_KWH = 10.0  # the original's starting LEM price [EUR/kWh]


def _offer_prices(inputs: OperationInputs, net_kwh: np.ndarray, rule, pruned, divider,
                  compensation_share) -> np.ndarray:
    from lectoolkit import lem

    net = pd.DataFrame(net_kwh, index=inputs.steps, columns=inputs.members)
    offers = lem.build_offers(
        net.clip(lower=0.0), (-net).clip(lower=0.0), price_buy_per_kwh=inputs.price_buy_per_kwh,
        price_sell_per_kwh=inputs.price_sell_per_kwh,
        price_market_buy_per_kwh=inputs.price_market_buy_per_kwh,
        price_market_sell_per_kwh=inputs.price_market_sell_per_kwh)
    options = {"divider": divider} if rule == "mmr" else {}
    if rule == "sdr":
        options["compensation_share"] = compensation_share
    return lem.lem_prices(offers, rule, pruned=pruned, steps=inputs.steps,
                          **options).to_numpy(dtype=np.float64)


def lem_pricing_loop(inputs: OperationInputs, rule: str, *, delivery: str = "pre",
                     pruned: bool = True, divider: float = 0.5, compensation_share: float = 0.0,
                     max_iterations: int = 20, tol: float = 0.01, solver: str = "auto",
                     time_limit_s: float | None = None, mip_gap: float = 1e-4,
                     formulation: str = "reduced", split: str = "min_volume",
                     market: str = "pool", price_access_pair_per_kwh=None
                     ) -> PricingLoopResult:
    """LEM prices by iterating offer-based pricing and the two-stage collective (SPEC §4).

    The loop of seed 004 (``loop_pre_pool_*``, ``loop_post_pool_*`` and, with
    ``market="bilateral"``, ``loop_pre_bilateral_*``, ``loop_post_bilateral_*``: the
    bilateral market settles at one LEM price per step too): starting from 10
    EUR/kWh at every step and the members' net loads ``load - pv``, each iteration

    1. builds every member's offers from its current net flow
       (:func:`lectoolkit.lem.build_offers` with its retail and the market prices),
    2. prices them (:func:`lectoolkit.lem.lem_prices` with ``rule``),
    3. solves the two-stage collective problem (:func:`run_collective` with
       ``no_loss=True`` and ``market``) at that price, and takes the optimum's metered
       net flows (``net_kwh``: load - pv + charge - discharge) as the next iteration's
       net flows.

    It stops when the new price vector is within ``tol`` (:func:`lectoolkit.lem.
    stop_criterion`) of *any* earlier one, the starting vector included (as the original
    does: a return to an earlier vector would repeat the same cycle), or after
    ``max_iterations`` solves. It reports the price vector whose optimum had the least
    community cost (the first of those within 1e-6 relative, so that a solver's rounding
    does not decide), not necessarily the last one. After delivery the
    net flows are metered and fixed, so the second price vector equals the first and the
    loop ends after two solves.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon (``inputs.lem_price_per_kwh`` is not used).
    rule : {"mmr", "sdr", "crossing_value"}
        Pricing rule of :func:`lectoolkit.lem.lem_prices`.
    delivery : {"pre", "post"}
        ``"pre"``: batteries are scheduled; ``"post"``: metered net flows.
    pruned : bool
        MMR and SDR on the offers a pool clearing accepts (default) or on all of them.
    divider : float in [0, 1]
        MMR only: ``price = max_sell + divider (min_buy - max_sell)`` [-].
    compensation_share : float in [0, 1]
        SDR only: the SDRC compensation (0: plain SDR) [-].
    max_iterations : int >= 1
        Most collective solves.
    tol : float > 0
        Tolerance of the stop criterion on the Euclidean norm of the price change
        [EUR/kWh].
    solver, time_limit_s, mip_gap, formulation
        As :func:`run_collective`, per solve (an optimum cut by ``time_limit_s`` is used as
        it is: see ``best.status``).
    split : {"min_volume", "solver"}
        As :func:`run_collective`. The next offers come from the optimum's net flows,
        which are not unique: with ``"solver"`` the path of the loop (its iterations, and
        so which prices it reports) depends on the solver's vertex. On the original's
        test case the pre-delivery crossing-value loop reports the original's prices
        [0, 2, 2] in every case, after 3 iterations with HiGHS, 4 with GLPK (the dispatch
        of least pool volume is not unique there either), 6 with GLPK's own vertex and 4
        in the original (CBC).
    market : {"pool", "bilateral"}
        Market structure of the collective solves (as :func:`run_collective`).
    price_access_pair_per_kwh : array, shape (n_steps, n_members, n_members), optional
        Bilateral market only: pair access tariffs, as :func:`run_collective`.

    Returns
    -------
    PricingLoopResult
        Best prices, iterations, convergence flag, best optimum and price history.

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If an argument is outside its domain (unknown rule, ``divider`` or
        ``compensation_share`` outside [0, 1] or given to a rule they do not apply to,
        ``max_iterations < 1``, ``tol <= 0``).
    lectoolkit.SolverError
        As :func:`run_collective`.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
    ...     contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> loop = lem_pricing_loop(inputs, "mmr", delivery="post")
    >>> loop.prices.round(6).tolist(), loop.iterations, loop.converged
    ([0.125], 2, True)
    """
    from lectoolkit import lem

    inputs, delivery = _check_common(inputs, delivery)
    rule = _validate.choice(rule, "rule", lem.RULES)
    pruned = _validate.flag(pruned, "pruned")
    divider = _validate.share(divider, "divider")
    compensation_share = _validate.share(compensation_share, "compensation_share")
    if rule != "mmr" and divider != 0.5:
        raise ValueError(f"divider: applies to rule='mmr' only, got rule={rule!r}")
    if rule != "sdr" and compensation_share != 0.0:
        raise ValueError("compensation_share: applies to rule='sdr' only (SDRC), got "
                         f"rule={rule!r}")
    max_iterations = _validate.integer(max_iterations, "max_iterations", minimum=1)
    tol = _validate.positive(tol, "tol", unit="EUR/kWh")
    name, time_limit_s, mip_gap = _check_solver_args(solver, time_limit_s, mip_gap)
    formulation = _validate.choice(formulation, "formulation", ("reduced", "full"))
    split = _validate.choice(split, "split", ("min_volume", "solver"))
    market, pair = _check_market(inputs, market, price_access_pair_per_kwh)
    _data(inputs, delivery)  # refuses values beyond the solvers' range before any work
    history = [np.full(inputs.n_steps, _LOOP_START_PER_KWH)]
    net = (inputs.load_kwh - inputs.pv_kwh).to_numpy()
    best = best_prices = None
    converged = False
    while len(history) <= max_iterations and not converged:
        prices = _offer_prices(inputs, net, rule, pruned, divider, compensation_share)
        result = run_collective(inputs, delivery=delivery, no_loss=True,
                                lem_price_per_kwh=prices, solver=name,
                                time_limit_s=time_limit_s, mip_gap=mip_gap,
                                formulation=formulation, split=split, market=market,
                                price_access_pair_per_kwh=pair)
        net = result.dispatch["net_kwh"].to_numpy().reshape(inputs.n_steps, inputs.n_members)
        if best is None or result.objective < best.objective - _CHECK_TOL * max(
                1.0, abs(best.objective)):  # a solver's rounding is no improvement
            best, best_prices = result, prices
        converged = any(lem.stop_criterion(old, prices, tol) for old in history)
        history.append(prices)
    return PricingLoopResult(
        prices=pd.Series(best_prices, index=inputs.steps, name="price_per_kwh"),
        iterations=len(history) - 1, converged=converged, best=best,
        history=pd.DataFrame(np.array(history), columns=inputs.steps).rename_axis("iteration"))

"""Allocation rules: marginal contribution, equal, proportional, Talmud, seed-000 rules.

The seed-000 rules are reproduced exactly, without enumerating permutations:

* :func:`marginal_contribution_allocation`, the profit split of Narayanan & Nardelli
  (2020) as coded in seed 000;
* :func:`demand_permutation_allocation`, which credits a node's demand in every
  ordering in which it still fits in the available energy, then rescales;
* :func:`surplus_deficit_allocation`, the seed's "refined" split of the internal
  trade volume, which reduces to proportional shares.

Each function accepts arrays or :class:`pandas.Series` (one value per member) and
returns a Series with the same index when given one; two Series are paired by label.
The rules are linear in the amounts, so they run on amounts scaled near 1 by a power
of two (exact): huge amounts do not overflow on the way and subnormal ones keep their
precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numba
import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.coalitions import popcounts, subset_sums
from lectoolkit.games import (
    _PROSUMER_CULPRITS,
    _binary_scale,
    _check_estate,
    _paired_vectors,
    _prosumer_inputs,
)


def _labelled(result: np.ndarray, index: pd.Index | None, name: str):
    """``result`` as a Series on ``index`` when the input was labelled, else the array."""
    if index is not None:
        return pd.Series(result, index=index, name=name)
    return result


def equal_allocation(total: float, n_members: int) -> np.ndarray:
    """Split a total equally: ``x_i = total / n``.

    Parameters
    ----------
    total : float
        Finite amount to divide [money or kWh]; any sign.
    n_members : int
        Number of members ``n >= 1``.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Raises
    ------
    TypeError
        If ``total`` is not a real number or ``n_members`` not an integer (booleans and
        strings included).
    ValueError
        If ``total`` is not finite, ``n_members`` is below 1 or fractional, or the
        result would not fit in the free memory.

    Examples
    --------
    >>> equal_allocation(9.0, 3).tolist()
    [3.0, 3.0, 3.0]
    """
    total = _validate.number(total, "total", unit="money")
    n = _validate.integer(n_members, "n_members", minimum=1)
    _validate.fits_in_memory(8 * n, "n_members", "the allocation")
    return np.full(n, total / n)


def proportional_allocation(weights, total: float):
    """Split a total in proportion to non-negative weights: ``x_i = total w_i / sum w``.

    Parameters
    ----------
    weights : array_like or pandas.Series, shape (n,)
        Finite non-negative weights (claims, demands, productions ...) [any unit], not
        all zero.
    total : float
        Finite amount to divide [money or kWh]; any sign.

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``weights`` is not a 1-D vector of finite non-negative numbers with one
        above zero (or has duplicated labels), or ``total`` is not finite.

    Examples
    --------
    >>> proportional_allocation([1.0, 3.0], 8.0).tolist()
    [2.0, 6.0]
    """
    w, index = _validate.vector(weights, "weights", unit="-", nonneg=True)
    total = _validate.number(total, "total", unit="money")
    if not w.any():
        raise ValueError("weights: all weights are zero, the proportional split is undefined")
    w = w / _binary_scale(w)
    return _labelled(total * (w / w.sum()), index, "proportional")


def _constrained_equal_awards(estate: float, claims: np.ndarray) -> np.ndarray:
    """``x_i = min(c_i, lam)`` with ``sum x = estate`` (``0 <= estate <= sum c``)."""
    order = np.argsort(claims, kind="stable")
    awards = np.empty_like(claims)
    remaining = estate
    for rank, i in enumerate(order):
        level = remaining / (claims.size - rank)
        awards[i] = min(claims[i], level)
        remaining -= awards[i]
    return awards


def talmud_rule(estate: float, claims):
    """Talmud division of an estate among creditors (Aumann & Maschler, 1985).

    Parameters
    ----------
    estate : float
        Estate ``E`` [money or kWh], ``0 <= E <= sum c``.
    claims : array_like or pandas.Series, shape (n,)
        Finite claims ``c_i >= 0`` [same unit].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Awards, summing to ``E``.

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``estate`` is negative, not finite or above the total claim, or ``claims``
        is not a 1-D vector of finite non-negative numbers (or has duplicated labels).

    Notes
    -----
    With half-claims ``c/2``: if ``E <= sum c / 2``, constrained equal awards on the
    half-claims, ``x_i = min(c_i/2, lam)``; otherwise every creditor gets half its
    claim plus constrained equal awards of the rest, ``x_i = c_i - min(c_i/2, mu)``.
    It is the nucleolus of the bankruptcy game
    (:func:`lectoolkit.games.bankruptcy_worths`), Theorem A in [1]_.

    References
    ----------
    .. [1] R. J. Aumann, M. Maschler, "Game theoretic analysis of a bankruptcy problem
       from the Talmud", J. Econ. Theory 36 (1985) 195-213,
       doi:10.1016/0022-0531(85)90102-4

    Examples
    --------
    The Mishna's three estates for claims 100, 200, 300:

    >>> [talmud_rule(e, [100, 200, 300]).round(2).tolist() for e in (100, 200, 300)]
    [[33.33, 33.33, 33.33], [50.0, 75.0, 75.0], [50.0, 100.0, 150.0]]
    """
    estate = _validate.nonnegative(estate, "estate", unit="money")
    c, index = _validate.vector(claims, "claims", unit="money", nonneg=True)
    _check_estate(estate, c)
    scale = _binary_scale(c)
    c, estate = c / scale, estate / scale
    total = c.sum()
    half = c / 2
    if estate <= total / 2:
        awards = _constrained_equal_awards(estate, half)
    else:
        awards = c - _constrained_equal_awards(total - estate, half)
    return _labelled(awards * scale, index, "talmud")


def marginal_contributions(
    load_kwh,
    pv_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float,
):
    """Shifted marginal contributions ``MC_i`` of Narayanan & Nardelli (2020), seed 000.

    Parameters
    ----------
    load_kwh, pv_kwh : array_like or pandas.Series, shape (n,)
        Energy consumed ``El >= 0`` and produced ``Ep >= 0`` by each prosumer [kWh];
        finite, one length. Two Series are paired by label (the order of
        ``load_kwh`` is the member order).
    price_buy_per_kwh : float
        Grid purchase price ``Cg >= 0`` [money/kWh].
    price_sell_per_kwh : float
        Price of energy sold to the aggregator ``Cr >= 0`` [money/kWh].
    share_sold : float
        Share ``delta`` of the excess sold to the aggregator, in [0, 1] [-].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        ``MC_i - min_j MC_j`` [money], all non-negative.

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If an energy vector is not 1-D with finite non-negative values, the two differ
        in length (or, as Series, in labels, or have duplicated labels), a price is
        negative or not finite (negative prices are refused: the seed's rule is
        defined for non-negative ones), or ``share_sold`` is outside [0, 1].
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) If a result exceeds the float64 range.

    Notes
    -----
    With ``s_i = Ep_i - El_i``: in a self-sufficient community
    (``sum El <= sum Ep``) ``MC_i = delta s_i Cr`` if ``s_i >= 0`` else ``s_i Cr``;
    otherwise ``MC_i = s_i Cg - delta s_i Cr`` if ``s_i >= 0`` else ``s_i Cg``.
    The minimum is then subtracted so that the weakest contributor has 0.

    References
    ----------
    .. [1] A. Narayanan, P. H. J. Nardelli, "Profit allocation in energy communities"
       as implemented in seed 000 of lectoolkit (``shared/seeds/000_*``).

    Examples
    --------
    >>> marginal_contributions([150, 400, 300, 100], [200, 300, 350, 150],
    ...                        0.12, 0.15, 0.5).round(4).tolist()
    [18.75, 0.0, 18.75, 18.75]
    """
    consumption, production, price_buy, price_sell, share, index = _prosumer_inputs(
        load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold
    )
    scale = _binary_scale(consumption, production)
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        mc = _shifted_contributions(consumption / scale, production / scale, price_buy,
                                    price_sell, share) * scale
    _validate.finite_result(mc, "marginal contributions", _PROSUMER_CULPRITS)
    return _labelled(mc, index, "marginal_contribution")


def _shifted_contributions(consumption: np.ndarray, production: np.ndarray, price_buy: float,
                           price_sell: float, share: float) -> np.ndarray:
    """``MC_i - min_j MC_j`` of :func:`marginal_contributions` (linear in the energies)."""
    surplus = production - consumption
    if consumption.sum() <= production.sum():
        mc = np.where(surplus >= 0, share * surplus * price_sell, surplus * price_sell)
    else:
        mc = np.where(surplus >= 0, surplus * price_buy - share * surplus * price_sell,
                      surplus * price_buy)
    return mc - mc.min()


def marginal_contribution_allocation(
    load_kwh,
    pv_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float,
):
    """Profit allocation by marginal contributions (Narayanan & Nardelli 2020, seed 000).

    Parameters
    ----------
    load_kwh, pv_kwh : array_like or pandas.Series, shape (n,)
        Energy consumed ``El >= 0`` and produced ``Ep >= 0`` by each prosumer [kWh];
        finite, one length. Two Series are paired by label (the order of
        ``load_kwh`` is the member order).
    price_buy_per_kwh : float
        Grid purchase price ``Cg >= 0`` [money/kWh].
    price_sell_per_kwh : float
        Price of energy sold to the aggregator ``Cr >= 0`` [money/kWh].
    share_sold : float
        Share ``delta`` of the excess sold to the aggregator, in [0, 1] [-].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Profit ``phi_i`` of each prosumer [money].

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If an energy vector is not 1-D with finite non-negative values, the two differ
        in length (or, as Series, in labels, or have duplicated labels), a price is
        negative or not finite (negative prices are refused: the seed's rule is
        defined for non-negative ones), or ``share_sold`` is outside [0, 1].
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) If a result exceeds the float64 range.

    Notes
    -----
    ``phi_i = w_i B_i`` with weights ``w_i = MC_i / sum_j MC_j`` from
    :func:`marginal_contributions` and the prosumer's base value
    ``B_i = El_i Cg + delta (Ep_i - El_i) Cr`` if ``Ep_i >= El_i`` (energy it needs
    not buy plus its sales) else ``B_i = Ep_i Cg``. The member with the smallest
    contribution always gets 0, and the profits need not sum to any coalition's
    worth (compare :func:`lectoolkit.games.savings_worths`).

    When every ``MC_i`` is equal, ``sum MC = 0`` after the shift and the seed divides
    0 by 0; here the members are then treated symmetrically, ``w_i = 1/n``. (No
    continuous extension exists: the limit depends on how the tie is approached.)

    Examples
    --------
    Seed 000, self-sufficient community (printed there as [7.25, 0, 13.25, 5.25]):

    >>> marginal_contribution_allocation([150, 400, 300, 100], [200, 300, 350, 150],
    ...                                  0.12, 0.15, 0.5).round(4).tolist()
    [7.25, 0.0, 13.25, 5.25]
    """
    consumption, production, price_buy, price_sell, share, index = _prosumer_inputs(
        load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold
    )
    scale = _binary_scale(consumption, production)
    consumption, production = consumption / scale, production / scale
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        mc = _shifted_contributions(consumption, production, price_buy, price_sell, share)
        surplus = production - consumption
        base = np.where(surplus >= 0, consumption * price_buy + share * surplus * price_sell,
                        production * price_buy)
        total = mc.sum()
        weights = mc / total if total > 0 else np.full(mc.size, 1.0 / mc.size)
        profit = weights * base * scale
    _validate.finite_result(profit, "profits", _PROSUMER_CULPRITS)
    return _labelled(profit, index, "marginal_contribution_profit")


@numba.njit(cache=True)
def _fit_count_kernel(values, totals, sizes, orderings, limit):
    """Number of orderings in which each member still fits: ``d(P) + d_i <= limit``.

    ``sum_{P not containing i} orderings[|P|] [totals[P] + values[i] <= limit]`` with
    ``orderings[k] = k!(n-k-1)!``, the number of orderings whose set of predecessors
    of ``i`` is exactly ``P`` (integers, exact in float64 up to ``n = 18``).
    """
    n = values.shape[0]
    count = np.zeros(n)
    for p in range(totals.shape[0]):
        k = sizes[p]
        if k == n:
            continue
        w = orderings[k]
        for i in range(n):
            if not (p >> i) & 1 and totals[p] + values[i] <= limit:
                count[i] += w
    return count


def _permutation_credit(values: np.ndarray, limit: float, target: float) -> np.ndarray:
    """Seed-000 permutation rule: credit ``values_i`` whenever ``i`` fits, rescale to ``target``.

    Meant for values scaled near 1 (the callers scale by a power of two).
    """
    n = values.size
    totals = subset_sums(values)
    scale = np.abs(values).sum() + abs(limit) if np.isfinite(limit) else 0.0
    orderings = np.array([float(factorial(k) * factorial(n - k - 1)) for k in range(n)])
    count = _fit_count_kernel(values, totals, popcounts(n).astype(np.int64), orderings,
                              limit + 1e-12 * scale)
    credit = values * count
    if credit.sum() == 0:
        return np.zeros(n)
    return credit * target / credit.sum()


def demand_permutation_allocation(load_kwh, available_kwh: float):
    """Seed-000 demand-based permutation allocation, without enumerating permutations.

    Parameters
    ----------
    load_kwh : array_like or pandas.Series, shape (n,)
        Finite energy ``d_i >= 0`` each node needs (its load, the seed's demand) [kWh],
        ``1 <= n <= 25``.
    available_kwh : float
        Energy ``E >= 0`` available to the community [kWh].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Energy allocated to each node [kWh]; sums to ``E`` (all zeros if no node's
        demand fits in ``E`` on its own, where the seed divides by zero).

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``load_kwh`` is not a 1-D vector of 1 to 25 finite non-negative numbers
        (or has duplicated labels), or ``available_kwh`` is negative or not finite.

    Notes
    -----
    Over all ``n!`` orderings, the seed credits node ``i`` with ``d_i`` whenever the
    total demand of its predecessors ``P`` plus its own is at most ``E``, then
    rescales the credits to sum to ``E``. Exactly ``|P|!(n-|P|-1)!`` orderings have
    predecessor set ``P``, so the credit is
    ``d_i sum_{P not containing i} |P|!(n-|P|-1)!/n! [d(P) + d_i <= E]``:
    ``O(n 2**n)`` time instead of ``O(n n!)``. Ties ``d(P) + d_i = E`` count as
    fitting up to a relative ``1e-12``.

    This is not the Shapley value of any game; its principled counterpart is the
    Shapley value of ``v(S) = min(d(S), E)``
    (:func:`lectoolkit.games.demand_worths`), which credits the part of the demand
    that fits rather than all or nothing and never gives a node more than it asks.

    Examples
    --------
    Seed 000: demands 6, 12, 15, 15 kWh and 78 kWh available:

    >>> demand_permutation_allocation([6, 12, 15, 15], 78).tolist()
    [9.75, 19.5, 24.375, 24.375]
    """
    demand, index = _validate.vector(load_kwh, "load_kwh", unit="kWh", nonneg=True,
                                     max_size=_limits.MAX_GAME_PLAYERS)
    available = _validate.nonnegative(available_kwh, "available_kwh", unit="kWh")
    scale = _binary_scale(demand, available)
    result = _permutation_credit(demand / scale, available / scale, available / scale)
    return _labelled(result * scale, index, "demand_permutation")


def surplus_deficit_allocation(pv_kwh, load_kwh):
    """Seed-000 "refined" allocation: energy after sharing surpluses with deficits.

    Parameters
    ----------
    pv_kwh : array_like or pandas.Series, shape (n,)
        Finite energy each node produces ``s_i >= 0`` (the seed's supply) [kWh],
        ``1 <= n <= 25``.
    load_kwh : array_like or pandas.Series, shape (n,)
        Finite energy each node needs ``d_i >= 0`` (its load, the seed's demand)
        [kWh]. Two Series are paired by
        label (the order of ``pv_kwh`` is the node order).

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Energy available to each node after the internal trade [kWh] (the seed's
        "utility"); the node's balance is this minus its demand.

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If a vector is not 1-D with 1 to 25 finite non-negative values, or the two
        differ in length (or, as Series, in labels, or have duplicated labels).

    Notes
    -----
    Each node first supplies itself; with balances ``b_i = s_i - d_i``, the trade
    volume is ``V = min(sum_{b>0} b, sum_{b<0} -b)``. The seed splits ``V`` among the
    deficit nodes by the permutation rule of :func:`demand_permutation_allocation`
    applied to the signed balances (negative, so the threshold ``V`` never binds)
    and among the surplus nodes by the same rule on ``|b_i|`` without threshold; the
    result is ``s_i + V |b_i| / sum_{b<0} |b|`` for a deficit node and
    ``s_i - V b_i / sum_{b>0} b`` for a surplus node: proportional shares, computed
    here through the permutation-counting rule as the seed defines it. With no trade
    (``V = 0``) every node keeps its supply.

    The principled counterpart: the deficit side is a bankruptcy problem (estate
    ``V``, claims ``|b_i|``) whose proportional rule this is; the Talmud rule
    (:func:`talmud_rule`, its nucleolus) or the Shapley value of
    :func:`lectoolkit.games.bankruptcy_worths` are the game-theoretic alternatives.

    Examples
    --------
    >>> surplus_deficit_allocation([18, 15, 24], [5, 17, 29]).round(4).tolist()
    [11.0, 17.0, 29.0]
    """
    supply, demand, index = _paired_vectors(pv_kwh, "pv_kwh", load_kwh, "load_kwh",
                                            unit="kWh", max_size=_limits.MAX_GAME_PLAYERS)
    scale = _binary_scale(supply, demand)
    supply, demand = supply / scale, demand / scale
    balance = supply - demand
    surplus, deficit = balance > 0, balance < 0
    volume = min(balance[surplus].sum(), -balance[deficit].sum())
    energy = supply.copy()
    if volume > 0:
        energy[deficit] += _permutation_credit(balance[deficit], volume, volume)
        energy[surplus] -= _permutation_credit(balance[surplus], np.inf, volume)
    return _labelled(energy * scale, index, "energy_after_trade")


# --------------------------------------------------------------------------- comparisons

ALLOCATION_RULES = ("marginal contribution (shares)", "proportional to |load - pv|", "equal",
                    "Shapley", "nucleolus")
"""Column labels of :attr:`AllocationComparison.allocations`, in order."""


@dataclass(frozen=True, eq=False)
class AllocationComparison:
    """Every allocation rule on one savings game, and whether each is in its core.

    Attributes
    ----------
    allocations : pandas.DataFrame
        One row per member (index name ``member``), one column per rule of
        :data:`ALLOCATION_RULES`: what the member gets [money]; every column sums to
        ``grand_worth``.
    core : pandas.DataFrame
        One row per rule: ``in_core`` (bool), ``min_excess`` (the smallest excess
        ``x(S) - v(S)`` over coalitions [money], negative when ``S`` would rather leave)
        and ``tightest_coalition`` (the members of that ``S`` joined by ``+``).
    grand_worth : float
        ``v(N)``, what the whole community saves by pooling [money].
    """

    allocations: pd.DataFrame
    core: pd.DataFrame
    grand_worth: float


def compare_allocations(load_kwh, pv_kwh, price_buy_per_kwh: float, price_sell_per_kwh: float,
                        share_sold: float = 1.0, *, tol_money: float = 1e-7,
                        solver: str = "auto") -> AllocationComparison:
    """Split a community's pooling savings by every rule and check each against the core.

    The game is :func:`lectoolkit.games.savings_worths`. The seed-000 profits of
    :func:`marginal_contribution_allocation` do not sum to any coalition's worth, so
    that rule enters through its shares: member ``i`` gets ``phi_i / sum phi · v(N)``.
    The proportional rule splits ``v(N)`` in proportion to ``|load_i - pv_i|`` (the
    energy a member brings to the netting), the equal rule evenly; the Shapley value
    and the nucleolus come from the game.

    Parameters
    ----------
    load_kwh, pv_kwh : array_like or pandas.Series, shape (n_members,)
        Energy consumed and produced by each member over the period [kWh], as in
        :func:`lectoolkit.games.savings_worths` (``1 <= n_members <= 25``); Series are
        paired by label and label the result.
    price_buy_per_kwh, price_sell_per_kwh : float
        Grid purchase price ``Cg >= 0`` and aggregator price ``Cr >= 0`` [money/kWh].
    share_sold : float, default 1
        Share ``delta`` of an exported surplus the aggregator buys, in [0, 1].
    tol_money : float, default 1e-7
        Tolerance of the core checks, ``>= 0`` [money] (see :func:`lectoolkit.in_core`).
    solver : str, default "auto"
        LP solver of the nucleolus (see :func:`lectoolkit.nucleolus`).

    Returns
    -------
    AllocationComparison
        The allocations per member and rule, the core check per rule, and ``v(N)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.games.savings_worths` for the energies and prices (also
        when ``Cg < delta Cr``, where pooling can lose money and the core may be
        empty), ``tol_money`` not a non-negative number, an unknown ``solver``.

    Notes
    -----
    Where a rule's weights are all zero (every seed profit 0, e.g. at zero prices, or
    every member balanced), the rule treats members symmetrically and splits ``v(N)``
    equally, as :func:`marginal_contribution_allocation` does when every contribution
    ties; no share is ever NaN.

    Examples
    --------
    Seed 000's self-sufficient community: the only member in deficit (P2) is
    indispensable, so the core gives it everything and only the nucleolus finds it.

    >>> out = compare_allocations(pd.Series([150, 400, 300, 100], index=["P1", "P2", "P3", "P4"]),
    ...                           [200, 300, 350, 150], 0.12, 0.15, 0.5)
    >>> out.allocations["nucleolus"].round(4).tolist()
    [0.0, 4.5, 0.0, 0.0]
    >>> out.core["in_core"].to_dict()["Shapley"], round(out.grand_worth, 4)
    (False, 4.5)
    """
    from lectoolkit.core import core_table, nucleolus
    from lectoolkit.games import savings_worths
    from lectoolkit.shapley import shapley_values

    load, pv, price_buy, price_sell, share, index = _prosumer_inputs(
        load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold,
        max_size=_limits.MAX_GAME_PLAYERS)
    if price_buy < share * price_sell:
        raise ValueError(
            f"price_buy_per_kwh: {price_buy} is below share_sold x price_sell_per_kwh = "
            f"{share * price_sell} [money/kWh]; pooling can then lose money and the core may "
            "be empty"
        )
    tol = _validate.nonnegative(tol_money, "tol_money", unit="money")
    members = pd.RangeIndex(load.size, name="member") if index is None else pd.Index(
        index, name="member")
    worths = savings_worths(load, pv, price_buy, price_sell, share)
    grand = float(worths[-1])

    def shares(weights: np.ndarray) -> np.ndarray:
        total = weights.sum()
        if total > 0:
            return weights / total * grand
        return np.full(weights.size, grand / weights.size)

    profits = np.asarray(marginal_contribution_allocation(load, pv, price_buy, price_sell,
                                                          share))
    scale = _binary_scale(load, pv)
    imbalance = np.abs(load / scale - pv / scale)
    allocations = pd.DataFrame(dict(zip(ALLOCATION_RULES, (
        shares(profits), shares(imbalance), equal_allocation(grand, load.size),
        shapley_values(worths), np.asarray(nucleolus(worths, solver).allocation),
    ), strict=True)), index=members)
    core = core_table(worths, allocations, tol=tol)[
        ["in_core", "min_excess", "tightest_coalition"]]
    allocations.columns.name = "rule"
    return AllocationComparison(allocations=allocations, core=core, grand_worth=grand)


def deficit_allocations(pv_kwh, load_kwh, volume_share: float = 1.0) -> pd.DataFrame:
    """How the nodes in deficit share the internal trade volume, by three rules.

    The trade volume ``V`` is what :func:`surplus_deficit_allocation` moves from the
    surplus nodes to the deficit nodes; the deficit side is then the bankruptcy problem
    with estate ``volume_share · V`` and claims ``|b_i|`` (the deficits). Its
    proportional rule is the seed's, the Talmud rule (:func:`talmud_rule`) its
    nucleolus, and the random-arrival rule the Shapley value of
    :func:`lectoolkit.games.bankruptcy_worths`.

    Parameters
    ----------
    pv_kwh, load_kwh : array_like or pandas.Series, shape (n,)
        Energy each node produces and needs [kWh], as in
        :func:`surplus_deficit_allocation`.
    volume_share : float, default 1
        Share of ``V`` to divide, in [0, 1] (1: the seed's split; below 1, a scarce
        variant where the rules differ).

    Returns
    -------
    pandas.DataFrame
        One row per deficit node (labels of the input Series, else positions; index
        name ``member``), columns ``deficit_kwh`` and the energy received under
        ``proportional (seed)``, ``Talmud`` and ``Shapley`` [kWh]; no rows when no
        node is in deficit.

    Raises
    ------
    TypeError, ValueError
        As :func:`surplus_deficit_allocation`; ``volume_share`` outside [0, 1].

    Examples
    --------
    Seed 000's refined example: the volume covers every deficit, so the rules agree.

    >>> deficit_allocations([18, 25, 15, 26, 24, 25], [5, 6, 17, 7, 29, 29]).round(4)
            deficit_kwh  proportional (seed)  Talmud  Shapley
    member
    2               2.0                  2.0     2.0      2.0
    4               5.0                  5.0     5.0      5.0
    5               4.0                  4.0     4.0      4.0
    """
    from lectoolkit.games import bankruptcy_worths
    from lectoolkit.shapley import shapley_values

    after = surplus_deficit_allocation(pv_kwh, load_kwh)
    share = _validate.share(volume_share, "volume_share")
    pv, load, index = _paired_vectors(pv_kwh, "pv_kwh", load_kwh, "load_kwh", unit="kWh")
    nodes = pd.RangeIndex(pv.size, name="member") if index is None else pd.Index(
        index, name="member")
    deficit = load > pv
    claims = (load - pv)[deficit]
    received = (np.asarray(after) - pv)[deficit]
    columns = ["deficit_kwh", "proportional (seed)", "Talmud", "Shapley"]
    if not deficit.any():
        return pd.DataFrame(columns=columns, index=nodes[:0], dtype=float)
    estate = min(share * received.sum(), claims.sum())
    return pd.DataFrame(dict(zip(columns, (
        claims, proportional_allocation(claims, estate), talmud_rule(estate, claims),
        shapley_values(bankruptcy_worths(estate, claims)),
    ), strict=True)), index=nodes[deficit])

"""Allocation rules: marginal contribution, equal, proportional, Talmud, seed-000 rules.

The seed-000 rules are reproduced exactly, without enumerating permutations:

* :func:`marginal_contribution_allocation`, the profit split of Narayanan & Nardelli
  (2020) as coded in seed 000;
* :func:`demand_permutation_allocation`, which credits a node's demand in every
  ordering in which it still fits in the available energy, then rescales;
* :func:`surplus_deficit_allocation`, the seed's "refined" split of the internal
  trade volume, which reduces to proportional shares.

Each function accepts arrays or :class:`pandas.Series` (one value per member) and
returns a Series with the same index when given one.
"""

from __future__ import annotations

from math import factorial

import numba
import numpy as np
import pandas as pd

from lectoolkit.coalitions import popcounts, subset_sums
from lectoolkit.games import _member_values, _prosumer_inputs, _scalar


def _like(result: np.ndarray, template, name: str):
    """Return ``result`` as a Series shaped like ``template`` when it is one."""
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index, name=name)
    return result


def equal_allocation(total: float, n_members: int) -> np.ndarray:
    """Split a total equally: ``x_i = total / n``.

    Parameters
    ----------
    total : float
        Amount to divide [money or kWh]; any sign.
    n_members : int
        Number of members ``n >= 1``.

    Returns
    -------
    numpy.ndarray, shape (n,)

    Examples
    --------
    >>> equal_allocation(9.0, 3).tolist()
    [3.0, 3.0, 3.0]
    """
    total = _scalar(total, "total", nonnegative=False)
    if int(n_members) != n_members or n_members < 1:
        raise ValueError(f"n_members: expected a positive integer, got {n_members!r}")
    return np.full(int(n_members), total / int(n_members))


def proportional_allocation(weights, total: float):
    """Split a total in proportion to non-negative weights: ``x_i = total w_i / sum w``.

    Parameters
    ----------
    weights : array_like or pandas.Series, shape (n,)
        Non-negative weights (claims, demands, productions ...), not all zero.
    total : float
        Amount to divide [money or kWh]; any sign.

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)

    Examples
    --------
    >>> proportional_allocation([1.0, 3.0], 8.0).tolist()
    [2.0, 6.0]
    """
    w = _member_values(weights, "weights")
    total = _scalar(total, "total", nonnegative=False)
    if w.sum() <= 0:
        raise ValueError("weights: all weights are zero, the proportional split is undefined")
    return _like(total * w / w.sum(), weights, "proportional")


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
        Claims ``c_i >= 0`` [same unit].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Awards, summing to ``E``.

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
    c = _member_values(claims, "claims")
    estate = _scalar(estate, "estate")
    total = c.sum()
    if estate > total * (1 + 1e-12):
        raise ValueError(f"estate: {estate} exceeds the total claim {total}")
    half = c / 2
    if estate <= total / 2:
        awards = _constrained_equal_awards(estate, half)
    else:
        awards = c - _constrained_equal_awards(total - estate, half)
    return _like(awards, claims, "talmud")


def marginal_contributions(
    consumption_kwh,
    production_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float,
):
    """Shifted marginal contributions ``MC_i`` of Narayanan & Nardelli (2020), seed 000.

    Parameters
    ----------
    consumption_kwh, production_kwh : array_like or pandas.Series, shape (n,)
        Energy consumed ``El`` and produced ``Ep`` by each prosumer [kWh].
    price_buy_per_kwh : float
        Grid purchase price ``Cg`` [money/kWh].
    price_sell_per_kwh : float
        Price of energy sold to the aggregator ``Cr`` [money/kWh].
    share_sold : float
        Share ``delta`` of the excess sold to the aggregator (0-1).

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        ``MC_i - min_j MC_j`` [money], all non-negative.

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
    consumption, production, price_buy, price_sell, share = _prosumer_inputs(
        consumption_kwh, production_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold
    )
    surplus = production - consumption
    if consumption.sum() <= production.sum():
        mc = np.where(surplus >= 0, share * surplus * price_sell, surplus * price_sell)
    else:
        mc = np.where(surplus >= 0, surplus * price_buy - share * surplus * price_sell,
                      surplus * price_buy)
    return _like(mc - mc.min(), consumption_kwh, "marginal_contribution")


def marginal_contribution_allocation(
    consumption_kwh,
    production_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float,
):
    """Profit allocation by marginal contributions (Narayanan & Nardelli 2020, seed 000).

    Parameters
    ----------
    consumption_kwh, production_kwh : array_like or pandas.Series, shape (n,)
        Energy consumed ``El`` and produced ``Ep`` by each prosumer [kWh].
    price_buy_per_kwh : float
        Grid purchase price ``Cg`` [money/kWh].
    price_sell_per_kwh : float
        Price of energy sold to the aggregator ``Cr`` [money/kWh].
    share_sold : float
        Share ``delta`` of the excess sold to the aggregator (0-1).

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Profit ``phi_i`` of each prosumer [money].

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
    consumption, production, price_buy, price_sell, share = _prosumer_inputs(
        consumption_kwh, production_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold
    )
    mc = np.asarray(marginal_contributions(consumption, production, price_buy, price_sell, share))
    surplus = production - consumption
    base = np.where(surplus >= 0, consumption * price_buy + share * surplus * price_sell,
                    production * price_buy)
    total = mc.sum()
    weights = mc / total if total > 0 else np.full(mc.size, 1.0 / mc.size)
    return _like(weights * base, consumption_kwh, "marginal_contribution_profit")


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


def _permutation_credit(values: np.ndarray, contributions: np.ndarray, limit: float,
                        target: float) -> np.ndarray:
    """Seed-000 permutation rule: credit ``contribution_i`` whenever ``i`` fits, rescale."""
    n = values.size
    totals = subset_sums(values)
    scale = np.abs(values).sum() + abs(limit) if np.isfinite(limit) else 0.0
    orderings = np.array([float(factorial(k) * factorial(n - k - 1)) for k in range(n)])
    count = _fit_count_kernel(values, totals, popcounts(n).astype(np.int64), orderings,
                              limit + 1e-12 * scale)
    credit = contributions * count
    if credit.sum() == 0:
        return np.zeros(n)
    return credit * target / credit.sum()


def demand_permutation_allocation(demand_kwh, available_kwh: float):
    """Seed-000 demand-based permutation allocation, without enumerating permutations.

    Parameters
    ----------
    demand_kwh : array_like or pandas.Series, shape (n,)
        Demand ``d_i >= 0`` of each node [kWh], ``n <= 25``.
    available_kwh : float
        Energy ``E`` available to the community [kWh].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Energy allocated to each node [kWh]; sums to ``E`` (all zeros if no node's
        demand fits in ``E`` on its own, where the seed divides by zero).

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
    demand = _member_values(demand_kwh, "demand_kwh")
    available = _scalar(available_kwh, "available_kwh")
    result = _permutation_credit(demand, demand, available, available)
    return _like(result, demand_kwh, "demand_permutation")


def surplus_deficit_allocation(supply_kwh, demand_kwh):
    """Seed-000 "refined" allocation: energy after sharing surpluses with deficits.

    Parameters
    ----------
    supply_kwh : array_like or pandas.Series, shape (n,)
        Energy each node produces ``s_i >= 0`` [kWh], ``n <= 25``.
    demand_kwh : array_like or pandas.Series, shape (n,)
        Energy each node needs ``d_i >= 0`` [kWh].

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        Energy available to each node after the internal trade [kWh] (the seed's
        "utility"); the node's balance is this minus its demand.

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
    supply = _member_values(supply_kwh, "supply_kwh")
    demand = _member_values(demand_kwh, "demand_kwh")
    if supply.shape != demand.shape:
        raise ValueError(
            f"demand_kwh: shape {demand.shape} differs from supply_kwh's {supply.shape}"
        )
    balance = supply - demand
    surplus, deficit = balance > 0, balance < 0
    volume = min(balance[surplus].sum(), -balance[deficit].sum())
    energy = supply.copy()
    if volume > 0:
        signed = balance[deficit]
        energy[deficit] += _permutation_credit(signed, signed, volume, volume)
        excess = balance[surplus]
        energy[surplus] -= _permutation_credit(excess, excess, np.inf, volume)
    return _like(energy, supply_kwh, "energy_after_trade")

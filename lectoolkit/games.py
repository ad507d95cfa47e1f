"""Characteristic-function builders: dense worth arrays of cooperative games.

Every builder returns ``worths`` of length ``2**n`` indexed by coalition bitmask
(bit ``i`` = member ``i``, ``worths[0] = 0``; see :mod:`lectoolkit.coalitions`), ready
for :func:`lectoolkit.shapley_values`, :func:`lectoolkit.core.nucleolus` and friends.
Builders are vectorised through subset-sum tables: ``O(2**n)`` time and memory, so
they are meant for ``n`` up to about 25.
"""

from __future__ import annotations

import numpy as np

from lectoolkit.coalitions import check_n_players, subset_sums

MAX_GAME_PLAYERS = 25
"""Largest number of members a builder accepts (a 2**25 worth array is 256 MB)."""


def _member_values(values, name: str, *, nonnegative: bool = True) -> np.ndarray:
    """Validate a per-member vector and return it as contiguous float64."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D array (one value per member), "
                         f"got shape {arr.shape}")
    check_n_players(arr.size, limit=MAX_GAME_PLAYERS)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: contains NaN or infinite values")
    if nonnegative and (arr < 0).any():
        raise ValueError(f"{name}: expected non-negative values, got min {arr.min()}")
    return arr


def _scalar(value, name: str, *, nonnegative: bool = True) -> float:
    """Validate a finite (optionally non-negative) scalar."""
    if np.ndim(value) != 0:
        raise ValueError(f"{name}: expected a scalar, got shape {np.shape(value)}")
    number = float(value)
    if not np.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {number}")
    if nonnegative and number < 0:
        raise ValueError(f"{name}: expected a non-negative number, got {number}")
    return number


def _prosumer_inputs(consumption_kwh, production_kwh, price_buy_per_kwh, price_sell_per_kwh,
                     share_sold):
    """Validate the inputs of the seed-000 prosumer games and rules."""
    consumption = _member_values(consumption_kwh, "consumption_kwh")
    production = _member_values(production_kwh, "production_kwh")
    if consumption.shape != production.shape:
        raise ValueError(
            f"production_kwh: shape {production.shape} differs from consumption_kwh's "
            f"{consumption.shape}"
        )
    price_buy = _scalar(price_buy_per_kwh, "price_buy_per_kwh")
    price_sell = _scalar(price_sell_per_kwh, "price_sell_per_kwh")
    share = _scalar(share_sold, "share_sold")
    if share > 1:
        raise ValueError(f"share_sold: expected a share in [0, 1], got {share}")
    return consumption, production, price_buy, price_sell, share


def additive_worths(values) -> np.ndarray:
    """Worths of the additive game ``v(S) = sum_{i in S} a_i``.

    Parameters
    ----------
    values : array_like, shape (n,)
        Stand-alone worth ``a_i`` of each member [money]; any sign.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        ``worths[S]`` [money].

    Notes
    -----
    In an additive game every member's Shapley value, nucleolus share and the whole
    core are the single point ``a`` (Shapley, 1953).

    Examples
    --------
    >>> additive_worths([1.0, 2.0]).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    return subset_sums(_member_values(values, "values", nonnegative=False))


def glove_worths(n_left: int, n_right: int) -> np.ndarray:
    """Worths of the glove market: ``v(S)`` = number of pairs coalition ``S`` can form.

    Parameters
    ----------
    n_left, n_right : int
        Members ``0 .. n_left-1`` each own one left glove, the next ``n_right`` each
        own one right glove; a pair is worth 1.

    Returns
    -------
    numpy.ndarray, shape (2**(n_left + n_right),)
        ``v(S) = min(#left in S, #right in S)``.

    Notes
    -----
    With fewer left than right gloves the core is the single allocation giving
    everything to the left-glove owners (the scarce side), which is therefore also
    the nucleolus (Shapley & Shubik, 1969).

    Examples
    --------
    >>> glove_worths(1, 2).tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    """
    for name, count in (("n_left", n_left), ("n_right", n_right)):
        if int(count) != count or count < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {count!r}")
    n = check_n_players(int(n_left) + int(n_right), limit=MAX_GAME_PLAYERS)
    side = np.zeros((n, 2))
    side[: int(n_left), 0] = 1.0
    side[int(n_left):, 1] = 1.0
    counts = subset_sums(side)
    return np.minimum(counts[:, 0], counts[:, 1])


def bankruptcy_worths(estate, claims) -> np.ndarray:
    """Worths of the bankruptcy game ``v(S) = max(0, E - sum_{j not in S} c_j)``.

    Parameters
    ----------
    estate : float
        Estate ``E`` to divide [money or kWh]; at most the total claim.
    claims : array_like, shape (n,)
        Claims ``c_i >= 0`` [same unit].

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        What coalition ``S`` is sure to get after paying everyone outside in full.

    Notes
    -----
    O'Neill (1982). Its nucleolus is the Talmud rule (Aumann & Maschler, 1985; see
    :func:`lectoolkit.allocation.talmud_rule`) and its Shapley value is the
    random-arrival rule.

    References
    ----------
    .. [1] R. J. Aumann, M. Maschler, "Game theoretic analysis of a bankruptcy problem
       from the Talmud", J. Econ. Theory 36 (1985) 195-213,
       doi:10.1016/0022-0531(85)90102-4

    Examples
    --------
    >>> bankruptcy_worths(200, [100, 200, 300]).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0, 200.0]
    """
    claims = _member_values(claims, "claims")
    estate = _scalar(estate, "estate")
    if estate > claims.sum() * (1 + 1e-12):
        raise ValueError(f"estate: {estate} exceeds the total claim {claims.sum()}")
    inside = subset_sums(claims)
    return np.maximum(0.0, estate - (claims.sum() - inside))


def demand_worths(demand_kwh, available_kwh) -> np.ndarray:
    """Worths of the energy-demand game ``v(S) = min(d(S), E)``.

    Parameters
    ----------
    demand_kwh : array_like, shape (n,)
        Demand ``d_i >= 0`` of each node [kWh].
    available_kwh : float
        Energy ``E`` available to the community [kWh].

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        Demand of ``S`` that the available energy can serve [kWh].

    Notes
    -----
    The principled counterpart of the seed-000 demand-based permutation allocation
    (:func:`lectoolkit.allocation.demand_permutation_allocation`): its Shapley value
    credits each arriving node ``min(d_i, E - d(P))^+``, i.e. the random-arrival rule
    of the bankruptcy problem ``(E, d)``. When ``E >= d(N)`` the game is additive and
    every node gets its demand.

    Examples
    --------
    >>> demand_worths([6, 12], 15).tolist()
    [0.0, 6.0, 12.0, 15.0]
    """
    demand = _member_values(demand_kwh, "demand_kwh")
    available = _scalar(available_kwh, "available_kwh")
    return np.minimum(subset_sums(demand), available)


def savings_worths(
    consumption_kwh,
    production_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float = 1.0,
) -> np.ndarray:
    """Worths of the savings game of pooling energy behind one meter.

    Parameters
    ----------
    consumption_kwh : array_like, shape (n,)
        Energy consumed by each member over the period, ``El`` [kWh].
    production_kwh : array_like, shape (n,)
        Energy produced by each member, ``Ep`` [kWh].
    price_buy_per_kwh : float
        Grid purchase price ``Cg`` [money/kWh].
    price_sell_per_kwh : float
        Price paid by the aggregator for exported energy ``Cr`` [money/kWh].
    share_sold : float
        Share ``delta`` of an exported surplus the aggregator buys (0-1); the rest is
        curtailed.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        ``v(S) = sum_{i in S} c(x_i) - c(x(S))`` [money]: what ``S`` saves by netting
        its members' energy before dealing with the grid.

    Notes
    -----
    With net demand ``x = El - Ep``, a coalition pays
    ``c(x) = Cg max(x, 0) - delta Cr max(-x, 0)``. When ``Cg >= delta Cr`` the cost is
    convex and positively homogeneous, hence subadditive, so ``v >= 0`` and the core
    is not empty: charging every member the single price ``Cg`` (community in
    deficit) or ``delta Cr`` (community in surplus) on its net demand is a core
    allocation. This is the profit game used to compare the seed-000 allocation
    rules with the Shapley value and the nucleolus.

    Examples
    --------
    One member short of 100 kWh, one with 100 kWh to spare, Cg = 0.12, Cr = 0.15,
    half of a surplus sold: alone they pay 12 and earn 7.5, together nothing.

    >>> savings_worths([200, 100], [100, 200], 0.12, 0.15, 0.5).round(2).tolist()
    [0.0, 0.0, 0.0, 4.5]
    """
    consumption, production, price_buy, price_sell, share = _prosumer_inputs(
        consumption_kwh, production_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold
    )
    net = consumption - production

    def cost(x):
        return price_buy * np.maximum(x, 0.0) - share * price_sell * np.maximum(-x, 0.0)

    return subset_sums(cost(net)) - cost(subset_sums(net))


def nrgx_coalition_worths(export_kwh, total_export_kwh, total_consumption_kwh,
                          max_price_per_kwh, a_kwh2, n=1.0) -> np.ndarray:
    """NRG-X-Change coalition game: each coalition is paid for its combined export.

    ``v(S) = g(sum_{i in S} x_i)`` with the payment ``g`` of
    :func:`lectoolkit.nrgx.payment` at the period's market totals (seed 001, §3.3).
    With ``n = 1`` the game is additive; with ``n > 1`` it is convex (superadditive).

    Parameters
    ----------
    export_kwh : array_like, shape (n_members,)
        Export of each coalition member in the period [kWh].
    total_export_kwh, total_consumption_kwh : float
        Market totals ``t_p`` and ``t_c`` of the period [kWh].
    max_price_per_kwh : float
        Payment price ``q`` [money/kWh].
    a_kwh2 : float
        Width of the payment bell [kWh²].
    n : float, default 1
        Payment exponent.

    Returns
    -------
    numpy.ndarray, shape (2**n_members,)
        Worths [money], bitmask-indexed.

    Examples
    --------
    >>> nrgx_coalition_worths([1.0, 2.0], 3.0, 3.0, 1.0, 1e6, n=2).tolist()
    [0.0, 1.0, 4.0, 9.0]
    """
    from lectoolkit.nrgx import payment

    export = _member_values(export_kwh, "export_kwh")
    return payment(subset_sums(export), total_export_kwh, total_consumption_kwh,
                   max_price_per_kwh, a_kwh2, n)

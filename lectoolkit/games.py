"""Characteristic-function builders: dense worth arrays of cooperative games.

Every builder returns ``worths`` of length ``2**n`` indexed by coalition bitmask
(bit ``i`` = member ``i``, ``worths[0] = 0``; see :mod:`lectoolkit.coalitions`), ready
for :func:`lectoolkit.shapley_values`, :func:`lectoolkit.core.nucleolus` and friends.
Builders are vectorised through subset-sum tables: ``O(2**n)`` time and memory, so
they are meant for ``n`` up to about 25.
"""

from __future__ import annotations

import numpy as np

from lectoolkit import _limits, _validate
from lectoolkit.coalitions import subset_sums
from lectoolkit.nrgx import payment

_PROSUMER_CULPRITS = "load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh"
"""The arguments whose size can make a prosumer game or rule overflow."""


def _binary_scale(*arrays) -> float:
    """Power of two ``s`` with ``max |a| / s`` in ``[1, 2)`` (1 when every value is 0).

    Dividing by ``s`` (and multiplying back) is exact, so a computation that is linear
    in the arrays runs on values near 1: sums of huge values cannot overflow and
    subnormal values keep their precision, with the same rounding as unscaled.
    """
    largest = max(float(np.max(np.abs(a), initial=0.0)) for a in arrays)
    if largest == 0.0:
        return 1.0
    return float(np.ldexp(1.0, np.frexp(largest)[1] - 1))


def _paired_vectors(first, first_name: str, second, second_name: str, *, unit: str,
                    max_size: int | None = None):
    """Two non-negative per-member vectors of one length; Series are paired by label.

    Returns ``(first, second, index)`` with ``index`` the labels of the first Series
    among the two (``None`` when neither is one).
    """
    a, index = _validate.vector(first, first_name, unit=unit, nonneg=True, max_size=max_size)
    second = _validate.align(first, first_name, second, second_name)
    b, second_index = _validate.vector(second, second_name, unit=unit, nonneg=True,
                                       max_size=max_size)
    if b.size != a.size:
        raise ValueError(f"{second_name}: shape {b.shape} differs from {first_name}'s {a.shape}")
    return a, b, index if index is not None else second_index


def _prosumer_inputs(load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh,
                     share_sold, max_size: int | None = None):
    """Validate the inputs of the seed-000 prosumer games and rules.

    Returns ``(consumption, production, price_buy, price_sell, share, index)``.
    """
    consumption, production, index = _paired_vectors(
        load_kwh, "load_kwh", pv_kwh, "pv_kwh", unit="kWh",
        max_size=max_size,
    )
    price_buy = _validate.nonnegative(price_buy_per_kwh, "price_buy_per_kwh", unit="money/kWh")
    price_sell = _validate.nonnegative(price_sell_per_kwh, "price_sell_per_kwh",
                                       unit="money/kWh")
    share = _validate.share(share_sold, "share_sold")
    return consumption, production, price_buy, price_sell, share, index


def additive_worths(values) -> np.ndarray:
    """Worths of the additive game ``v(S) = sum_{i in S} a_i``.

    Parameters
    ----------
    values : array_like, shape (n,)
        Finite stand-alone worth ``a_i`` of each member [money], any sign,
        ``1 <= n <= 25``.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        ``worths[S]`` [money].

    Raises
    ------
    TypeError
        If ``values`` is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``values`` is not a 1-D vector of 1 to 25 finite numbers.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) If a coalition's worth exceeds the float64 range.

    Notes
    -----
    In an additive game every member's Shapley value, nucleolus share and the whole
    core are the single point ``a`` (Shapley, 1953).

    Examples
    --------
    >>> additive_worths([1.0, 2.0]).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    arr, _ = _validate.vector(values, "values", unit="money", max_size=_limits.MAX_GAME_PLAYERS)
    worths = subset_sums(arr)
    _validate.finite_result(worths, "coalition worths", "values")
    return worths


def glove_worths(n_left: int, n_right: int) -> np.ndarray:
    """Worths of the glove market: ``v(S)`` = number of pairs coalition ``S`` can form.

    Parameters
    ----------
    n_left, n_right : int
        Members ``0 .. n_left-1`` each own one left glove, the next ``n_right`` each
        own one right glove; a pair is worth 1. Counts ``>= 0`` with
        ``1 <= n_left + n_right <= 25``.

    Returns
    -------
    numpy.ndarray, shape (2**(n_left + n_right),)
        ``v(S) = min(#left in S, #right in S)``.

    Raises
    ------
    TypeError
        If a count is not an integer (a bool, a string, ``None`` ...).
    ValueError
        If a count is negative or fractional, or the total is 0 or above 25.

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
    left = _validate.integer(n_left, "n_left", minimum=0)
    right = _validate.integer(n_right, "n_right", minimum=0)
    n = left + right
    if not 1 <= n <= _limits.MAX_GAME_PLAYERS:
        raise ValueError(
            f"n_left and n_right: expected 1 to {_limits.MAX_GAME_PLAYERS} members in all, got "
            f"n_left + n_right = {n}"
        )
    side = np.zeros((n, 2))
    side[:left, 0] = 1.0
    side[left:, 1] = 1.0
    counts = subset_sums(side)
    return np.minimum(counts[:, 0], counts[:, 1])


def bankruptcy_worths(estate, claims) -> np.ndarray:
    """Worths of the bankruptcy game ``v(S) = max(0, E - sum_{j not in S} c_j)``.

    Parameters
    ----------
    estate : float
        Estate ``E >= 0`` to divide [money or kWh]; at most the total claim.
    claims : array_like, shape (n,)
        Finite claims ``c_i >= 0`` [same unit], ``1 <= n <= 25``.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        What coalition ``S`` is sure to get after paying everyone outside in full.

    Raises
    ------
    TypeError
        If ``estate`` is not a real number or ``claims`` is not numeric (strings,
        booleans, ``None``, a DataFrame).
    ValueError
        If ``estate`` is negative, not finite or above the total claim, or ``claims``
        is not a 1-D vector of 1 to 25 finite non-negative numbers.

    Notes
    -----
    O'Neill (1982). Its nucleolus is the Talmud rule (Aumann & Maschler, 1985; see
    :func:`lectoolkit.allocation.talmud_rule`) and its Shapley value is the
    random-arrival rule. The claims outside ``S`` are summed directly (the claims of
    the complement), so huge claims cannot overflow into a wrong worth.

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
    estate = _validate.nonnegative(estate, "estate", unit="money")
    c, _ = _validate.vector(claims, "claims", unit="money", nonneg=True,
                            max_size=_limits.MAX_GAME_PLAYERS)
    _check_estate(estate, c)
    # the complement of bitmask S is 2**n - 1 - S: the sums in reverse order
    outside = subset_sums(c)[::-1]
    return np.maximum(0.0, estate - outside)


def _check_estate(estate: float, claims: np.ndarray) -> None:
    """Refuse an estate above the total claim (up to a relative 1e-12)."""
    scale = _binary_scale(claims)
    total = (claims / scale).sum()
    if estate / scale > total * (1 + 1e-12):
        raise ValueError(
            f"estate: {estate} exceeds the total claim sum(claims) = {total * scale}"
        )


def demand_worths(load_kwh, available_kwh) -> np.ndarray:
    """Worths of the energy-demand game ``v(S) = min(d(S), E)``.

    Parameters
    ----------
    load_kwh : array_like, shape (n,)
        Finite energy ``d_i >= 0`` each node needs (its load, the seed's demand) [kWh],
        ``1 <= n <= 25``.
    available_kwh : float
        Energy ``E >= 0`` available to the community [kWh].

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        Demand of ``S`` that the available energy can serve [kWh].

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``available_kwh`` is negative or not finite, or ``load_kwh`` is not a 1-D
        vector of 1 to 25 finite non-negative numbers.

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
    demand, _ = _validate.vector(load_kwh, "load_kwh", unit="kWh", nonneg=True,
                                 max_size=_limits.MAX_GAME_PLAYERS)
    available = _validate.nonnegative(available_kwh, "available_kwh", unit="kWh")
    # a coalition demand that overflows to inf is above E: min gives E, as it should
    return np.minimum(subset_sums(demand), available)


def savings_worths(
    load_kwh,
    pv_kwh,
    price_buy_per_kwh: float,
    price_sell_per_kwh: float,
    share_sold: float = 1.0,
) -> np.ndarray:
    """Worths of the savings game of pooling energy behind one meter.

    Parameters
    ----------
    load_kwh : array_like or pandas.Series, shape (n,)
        Energy consumed by each member over the period, ``El >= 0`` [kWh],
        ``1 <= n <= 25``.
    pv_kwh : array_like or pandas.Series, shape (n,)
        Energy produced by each member, ``Ep >= 0`` [kWh]. Two Series are paired by
        label (the order of ``load_kwh`` is the member order).
    price_buy_per_kwh : float
        Grid purchase price ``Cg >= 0`` [money/kWh].
    price_sell_per_kwh : float
        Price paid by the aggregator for exported energy ``Cr >= 0`` [money/kWh].
    share_sold : float
        Share ``delta`` of an exported surplus the aggregator buys, in [0, 1] [-]; the
        rest is curtailed.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        ``v(S) = sum_{i in S} c(x_i) - c(x(S))`` [money]: what ``S`` saves by netting
        its members' energy before dealing with the grid.

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If an energy vector is not 1-D with 1 to 25 finite non-negative values, the two
        differ in length (or, as Series, in labels, or have duplicated labels), a price
        is negative or not finite, or ``share_sold`` is outside [0, 1].
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) If a worth exceeds the float64 range.

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
    consumption, production, price_buy, price_sell, share, _ = _prosumer_inputs(
        load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh, share_sold,
        max_size=_limits.MAX_GAME_PLAYERS,
    )
    # the game is linear in energy: compute on energies scaled near 1 (exactly)
    scale = _binary_scale(consumption, production)
    net = (consumption - production) / scale

    def cost(x):
        return price_buy * np.maximum(x, 0.0) - share * price_sell * np.maximum(-x, 0.0)

    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        worths = (subset_sums(cost(net)) - cost(subset_sums(net))) * scale
    _validate.finite_result(worths, "coalition savings", _PROSUMER_CULPRITS)
    return worths


def nrgx_coalition_worths(export_kwh, community_export_kwh, community_import_kwh,
                          max_price_per_kwh, a_kwh2, exponent=1.0) -> np.ndarray:
    """NRG-X-Change coalition game: each coalition is paid for its combined export.

    ``v(S) = g(sum_{i in S} x_i)`` with the payment ``g`` of
    :func:`lectoolkit.nrgx.payment` at the period's market totals (seed 001, §3.3).
    With ``exponent = 1`` the game is additive; above 1 it is convex (superadditive).

    Parameters
    ----------
    export_kwh : array_like, shape (n_members,)
        Export ``x_i >= 0`` of each coalition member in the period [kWh],
        ``1 <= n_members <= 25``.
    community_export_kwh, community_import_kwh : float
        Market totals ``t_p >= 0`` and ``t_c >= 0`` of the period [kWh].
    max_price_per_kwh : float
        Payment price ``q >= 0`` [money/kWh].
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²].
    exponent : float, default 1
        Payment exponent, ``> 0`` [-].

    Returns
    -------
    numpy.ndarray, shape (2**n_members,)
        Worths [money], bitmask-indexed.

    Raises
    ------
    TypeError
        If an argument is not numeric (strings, booleans, ``None``, a DataFrame, a
        vector where a number is expected).
    ValueError
        If ``export_kwh`` is not a 1-D vector of 1 to 25 finite non-negative values, a
        total or the price is negative or not finite, or ``a_kwh2`` or ``exponent`` is not a
        positive finite number.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) If a coalition's export or payment exceeds the float64 range.

    Examples
    --------
    >>> nrgx_coalition_worths([1.0, 2.0], 3.0, 3.0, 1.0, 1e6, exponent=2).tolist()
    [0.0, 1.0, 4.0, 9.0]
    """
    export, _ = _validate.vector(export_kwh, "export_kwh", unit="kWh", nonneg=True,
                                 max_size=_limits.MAX_GAME_PLAYERS)
    totals = [_validate.nonnegative(value, name, unit="kWh") for name, value in (
        ("community_export_kwh", community_export_kwh),
        ("community_import_kwh", community_import_kwh))]
    price = _validate.nonnegative(max_price_per_kwh, "max_price_per_kwh", unit="money/kWh")
    a = _validate.positive(a_kwh2, "a_kwh2", unit="kWh²")
    exponent = _validate.positive(exponent, "exponent", unit="-")
    coalition_export = subset_sums(export)
    _validate.finite_result(coalition_export, "coalition exports", "export_kwh")
    return payment(coalition_export, *totals, price, a, exponent)

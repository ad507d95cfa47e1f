"""Community pricing rules: the price of local energy at one step from the step's totals.

The scalar rules live here once, as numba ufuncs that numpy code calls on arrays and
numba kernels call on numbers (:func:`lectoolkit.settle` per step, the offer-based
pricing of :mod:`lectoolkit.lem` per market step):

* the mid price between a buy and a sell price (MMR's local price, Zhou et al. 2018);
* the dynamic P2P price of seed 002, set by the balance of gross load and PV;
* the mid-market-rate import and export prices (Zhou et al. 2018);
* the supply-demand-ratio prices (Liu et al. 2017) and the compensated SDRC price
  (Enershare review, Eq. 22).

The public functions check their inputs with :mod:`lectoolkit._validate` (TypeError for
the wrong kind of object, ValueError naming the argument for a wrong value; pandas inputs
paired by label; prices that leave float64's range are refused) and apply the rules to
one value per step. The ufuncs (leading underscore) check nothing: library code calls
them on values it has checked.

Vocabulary: ``community_import_kwh`` and ``community_export_kwh`` are the community's
residual import ``D`` (sum of the members' residual imports) and export ``G`` per step;
``load_total_kwh`` and ``pv_total_kwh`` its gross load and PV.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from lectoolkit import _validate

PRICE_UNIT = "money/kWh"
"""Unit of tariffs and prices in messages."""


# ------------------------------------------------------------------ the rules (ufuncs)


@numba.vectorize(["float64(float64, float64, float64)"], cache=True)
def _mid_price(buy, sell, divider):  # pragma: no cover - compiled
    """``sell + divider (buy - sell)``: the MMR local price (``divider = 1/2``: the mid)."""
    return sell + divider * (buy - sell)


@numba.vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _dynamic_p2p(load, pv, buy, sell, tol):  # pragma: no cover - compiled
    """Seed 002's price: ``mid + (buy - sell)/2 (L - PV)/(L + PV)``; mid when ``L + PV < tol``."""
    mid = 0.5 * (buy + sell)
    total = load + pv
    if total < tol or total == 0.0:
        return mid
    if total == np.inf:  # load + pv overflowed: halve both (exact at that magnitude)
        return mid + 0.5 * (buy - sell) * ((0.5 * load - 0.5 * pv) / (0.5 * load + 0.5 * pv))
    return mid + 0.5 * (buy - sell) * ((load - pv) / total)


@numba.vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _mmr_import(imp_kwh, exp_kwh, buy, mid, tol):  # pragma: no cover - compiled
    """MMR import price: ``mid`` unless short, then ``(G mid + (D - G) buy) / D``."""
    if abs(exp_kwh - imp_kwh) <= tol or exp_kwh >= imp_kwh:
        return mid
    w = exp_kwh / imp_kwh  # in [0, 1): no overflow of energy x price
    return w * mid + (1.0 - w) * buy


@numba.vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def _mmr_export(imp_kwh, exp_kwh, sell, mid, tol):  # pragma: no cover - compiled
    """MMR export price: ``mid`` unless in surplus, then ``(D mid + (G - D) sell) / G``."""
    if abs(exp_kwh - imp_kwh) <= tol or exp_kwh <= imp_kwh:
        return mid
    w = imp_kwh / exp_kwh
    return w * mid + (1.0 - w) * sell


@numba.vectorize(["float64(float64, float64)"], cache=True)
def _supply_demand_ratio(imp_kwh, exp_kwh):  # pragma: no cover - compiled
    """``sdr = G / D``; ``inf`` without import ``D``."""
    if imp_kwh > 0.0:
        return exp_kwh / imp_kwh
    return np.inf


@numba.vectorize(["float64(float64, float64, float64, float64)"], cache=True)
def _sdrc_price(buy, sell, sdr, lam):  # pragma: no cover - compiled
    """SDRC price; with ``lam = 0`` the SDR export price.

    ``sell + lam / sdr`` for ``sdr >= 1``, else ``buy (sell + lam) / ((buy - sell - lam)
    sdr + sell + lam)`` (``sell + lam`` when that denominator is 0, i.e. ``sell + lam = 0``
    without export).
    """
    if sdr >= 1.0:
        return sell + lam / sdr
    floor = sell + lam
    denom = (buy - sell - lam) * sdr + floor
    if denom > 0.0:
        return buy * (floor / denom)  # floor / denom <= 1: no overflow
    return floor


@numba.vectorize(["float64(float64, float64, float64)"], cache=True)
def _sdr_import(buy, sell, sdr):  # pragma: no cover - compiled
    """SDR import price: ``p_sell sdr + buy (1 - sdr)`` for ``sdr < 1``, else ``sell``."""
    if sdr >= 1.0:
        return sell
    return _sdrc_price(buy, sell, sdr, 0.0) * sdr + buy * (1.0 - sdr)


# --------------------------------------------------------------------------- checks


def _check_price_order(buy: np.ndarray, sell: np.ndarray, buy_name: str, sell_name: str,
                       what: str) -> None:
    """Refuse ``sell > buy`` anywhere (``buy``, ``sell``: numbers or per-step arrays)."""
    buy, sell = np.broadcast_arrays(buy, sell)
    above = np.flatnonzero(sell > buy)
    if above.size:
        t = int(above[0])
        raise ValueError(
            f"{sell_name}: {sell.flat[t]:g} is above {buy_name} {buy.flat[t]:g}"
            f"{f' at step {t}' if buy.ndim else ''}; {what} assumes sell <= buy"
        )


def _check_nonnegative_sell(sell_min, what: str) -> None:
    """Refuse a negative sell tariff for a rule that assumes ``sell >= 0``."""
    lowest = float(np.min(sell_min))
    if lowest < 0:
        raise ValueError(
            f"price_sell_per_kwh: {what} needs non-negative sell tariffs, got {lowest:g}; "
            "only the 'conventional' mechanism of settle supports negative tariffs"
        )


def _check_compensation(lam: np.ndarray, gap: np.ndarray, gap_text: str) -> None:
    """Refuse an SDRC compensation outside ``(0, gap)`` at some step."""
    lam_b, gap_b = np.broadcast_arrays(lam, gap)
    bad = np.flatnonzero((lam_b <= 0) | (lam_b >= gap_b))
    if bad.size:
        t = int(bad[0])
        raise ValueError(
            f"compensation_per_kwh: expected 0 < lambda < {gap_text} [money/kWh], got "
            f"{lam_b.flat[t]:g} with {gap_text} = {gap_b.flat[t]:g}"
            f"{f' at step {t}' if lam_b.ndim else ''}"
        )


def _totals(first, first_name: str, second, second_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two community totals per step [kWh]: non-negative vectors of one length, by label."""
    a, _ = _validate.vector(first, first_name, unit="kWh", nonneg=True)
    second = _validate.align(first, first_name, second, second_name)
    b, _ = _validate.vector(second, second_name, unit="kWh", nonneg=True)
    if b.size != a.size:
        raise ValueError(f"{second_name}: {b.size} steps differ from the {a.size} of {first_name}")
    return a, b


def _per_step(value, name: str, n_steps: int, reference, reference_name: str) -> np.ndarray:
    """A price as a number (0-d) or one value per step (shape (n_steps,)), as float64.

    A Series is paired by label with ``reference`` when that is labelled.
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a number or a 1-D array, got a DataFrame")
    arr = _validate.array(_validate.align(reference, reference_name, value, name), name,
                          unit=PRICE_UNIT)
    if arr.ndim and arr.shape != (n_steps,):
        raise ValueError(
            f"{name}: expected a number or one value per step of {reference_name} "
            f"({n_steps}), got shape {arr.shape}"
        )
    return arr


def _community_inputs(community_import_kwh, community_export_kwh, price_buy_per_kwh,
                      price_sell_per_kwh, what: str):
    """Validated ``D``, ``G`` [kWh] and the buy and sell tariffs (numbers or per step)."""
    imp_kwh, exp_kwh = _totals(community_import_kwh, "community_import_kwh", community_export_kwh,
                             "community_export_kwh")
    buy = _per_step(price_buy_per_kwh, "price_buy_per_kwh", imp_kwh.size, community_import_kwh,
                    "community_import_kwh")
    sell = _per_step(price_sell_per_kwh, "price_sell_per_kwh", imp_kwh.size,
                     community_import_kwh, "community_import_kwh")
    _check_price_order(buy, sell, "price_buy_per_kwh", "price_sell_per_kwh", what)
    return imp_kwh, exp_kwh, buy, sell


def _pandas_like(prices, first, second):
    """Per-step prices as Series labelled like the totals (pandas in, pandas out).

    Indexed like the first of the two totals that is a Series; arrays otherwise.
    """
    reference = first if isinstance(first, pd.Series) else second
    if isinstance(reference, pd.Series):
        return tuple(pd.Series(p, index=reference.index, name=name) for p, name in prices)
    return tuple(p for p, _ in prices)


# --------------------------------------------------------------------------- public rules


def dynamic_p2p_price(load_total_kwh, pv_total_kwh, price_buy_ref_per_kwh,
                      price_sell_ref_per_kwh, *, tol_kwh: float = 0.0):
    """Dynamic peer-to-peer price of seed 002, set by the community's balance.

    Parameters
    ----------
    load_total_kwh, pv_total_kwh : array_like or pandas.Series, shape (n_steps,)
        Gross community load and PV per step, finite and non-negative [kWh]; two Series
        are paired by label.
    price_buy_ref_per_kwh, price_sell_ref_per_kwh : float or array_like, shape (n_steps,)
        Reference buy and sell tariffs, finite, ``sell <= buy`` at every step (negative
        values are allowed) [money/kWh].
    tol_kwh : float, default 0
        Steps with ``load + pv < tol_kwh`` (or exactly 0) get the mid price, ``>= 0``
        [kWh]. The seed uses 1e-9 kW, i.e. ``1e-9 * timestep_h`` kWh.

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n_steps,)
        ``cp2p`` [money/kWh], between the two reference tariffs; a Series (labelled like
        the totals) when a total is a Series.

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, ``price_sell_ref_per_kwh > price_buy_ref_per_kwh``, a negative
        ``tol_kwh``; :class:`lectoolkit.ResultRangeError` when the mid price overflows.

    Notes
    -----
    ``cp2p = mid + spread * (L - PV) / (L + PV)`` with ``mid = (buy + sell) / 2`` and
    ``spread = (buy - sell) / 2`` (SPEC §2): the sell tariff in full surplus, the buy
    tariff in full deficit, the mid price when balanced.

    Examples
    --------
    >>> dynamic_p2p_price([3.0, 1.0, 0.0], [1.0, 3.0, 0.0], 6.0, 3.0).tolist()
    [5.25, 3.75, 4.5]
    """
    load, pv = _totals(load_total_kwh, "load_total_kwh", pv_total_kwh,
                       "pv_total_kwh")
    buy = _per_step(price_buy_ref_per_kwh, "price_buy_ref_per_kwh", load.size,
                    load_total_kwh, "load_total_kwh")
    sell = _per_step(price_sell_ref_per_kwh, "price_sell_ref_per_kwh", load.size,
                     load_total_kwh, "load_total_kwh")
    _check_price_order(buy, sell, "price_buy_ref_per_kwh", "price_sell_ref_per_kwh",
                       "the dynamic P2P price")
    tol = _validate.nonnegative(tol_kwh, "tol_kwh", unit="kWh")
    with np.errstate(all="ignore"):  # non-finite prices are refused just below
        cp2p = _dynamic_p2p(load, pv, buy, sell, tol)
    _validate.finite_result(cp2p, "prices", "price_buy_ref_per_kwh, price_sell_ref_per_kwh")
    return _pandas_like([(cp2p, "price_p2p")], load_total_kwh, pv_total_kwh)[0]


def mid_market_rate(community_import_kwh, community_export_kwh, price_buy_per_kwh,
                    price_sell_per_kwh, *, mid_price_per_kwh=None, tol_kwh: float = 0.0):
    """Mid-market-rate import and export prices per step.

    Parameters
    ----------
    community_import_kwh, community_export_kwh : array_like or pandas.Series, shape (n_steps,)
        The community's import ``D`` and export ``G`` per step, finite and non-negative
        [kWh]: the residual totals (sums of the members' residual imports and exports)
        in Zhou et al. (2018); the gross load and PV totals in the seed-002 variant. Two
        Series are paired by label.
    price_buy_per_kwh, price_sell_per_kwh : float or array_like, shape (n_steps,)
        Grid buy and sell tariffs, finite, ``sell <= buy`` at every step [money/kWh].
        The rule interpolates between them, so negative tariffs are settled correctly.
    mid_price_per_kwh : float or array_like, shape (n_steps,), optional
        Price of the locally matched energy, finite, normally between ``sell`` and
        ``buy`` [money/kWh]; default ``(buy + sell) / 2`` (Zhou). Seed 002 passes
        :func:`dynamic_p2p_price`.
    tol_kwh : float, default 0
        ``|G - D| <= tol_kwh`` counts as balanced, ``>= 0`` [kWh]; seed 002 uses
        ``1e-6 * timestep_h``.

    Returns
    -------
    price_import, price_export : numpy.ndarray or pandas.Series, shape (n_steps,)
        Price paid per kWh imported and received per kWh exported [money/kWh]; Series
        (labelled like the totals) when a total is a Series.

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, ``price_sell_per_kwh > price_buy_per_kwh``, a negative
        ``tol_kwh``; :class:`lectoolkit.ResultRangeError` when a price overflows.

    Notes
    -----
    Balanced: both at ``mid``. Surplus (``G > D``): importers pay ``mid``, exporters get
    ``(D mid + (G - D) sell) / G``. Deficit: exporters get ``mid``, importers pay
    ``(G mid + (D - G) buy) / D``. On residual totals the community's payments equal its
    net grid bill at ``buy``/``sell`` (budget balance) [1]_.

    References
    ----------
    .. [1] Y. Zhou, J. Wu, C. Long, "Evaluation of peer-to-peer energy sharing mechanisms
       based on a multiagent simulation framework", Applied Energy 222 (2018) 993-1022.
       doi:10.1016/j.apenergy.2018.02.089

    Examples
    --------
    Surplus of 2 kWh on 4 kWh exported, then a deficit (buy 10, sell 4, mid 7):

    >>> p_imp, p_exp = mid_market_rate([2.0, 4.0], [4.0, 1.0], 10.0, 4.0)
    >>> p_imp.tolist(), p_exp.tolist()
    ([7.0, 9.25], [5.5, 7.0])
    """
    imp_kwh, exp_kwh, buy, sell = _community_inputs(
        community_import_kwh, community_export_kwh, price_buy_per_kwh, price_sell_per_kwh,
        "the mid-market rate")
    mid = _mid_price(buy, sell, 0.5) if mid_price_per_kwh is None else _per_step(
        mid_price_per_kwh, "mid_price_per_kwh", imp_kwh.size, community_import_kwh,
        "community_import_kwh")
    tol = _validate.nonnegative(tol_kwh, "tol_kwh", unit="kWh")
    with np.errstate(all="ignore"):  # non-finite prices are refused just below
        prices = _mmr_import(imp_kwh, exp_kwh, buy, mid, tol), _mmr_export(imp_kwh, exp_kwh, sell,
                                                                          mid, tol)
    _validate.finite_result(prices, "prices",
                            "price_buy_per_kwh, price_sell_per_kwh, mid_price_per_kwh")
    return _pandas_like([(prices[0], "price_import"), (prices[1], "price_export")],
                        community_import_kwh, community_export_kwh)


def supply_demand_ratio(community_import_kwh, community_export_kwh, price_buy_per_kwh,
                        price_sell_per_kwh, *, compensation_per_kwh=None):
    """Supply-demand-ratio prices (SDR, Liu et al. 2017) or the compensated SDRC price.

    Parameters
    ----------
    community_import_kwh, community_export_kwh : array_like or pandas.Series, shape (n_steps,)
        The community's residual import ``D`` and export ``G`` per step, finite and
        non-negative [kWh]; ``sdr = G / D`` (``inf`` when ``D = 0``). Two Series are
        paired by label.
    price_buy_per_kwh, price_sell_per_kwh : float or array_like, shape (n_steps,)
        Grid buy and sell tariffs [money/kWh], ``0 <= sell <= buy``: the SDR prices are
        ratios of tariffs and are meaningless for a negative sell tariff (refused).
    compensation_per_kwh : float or array_like, shape (n_steps,), optional
        SDRC compensation ``lambda`` with ``0 < lambda < buy - sell`` [money/kWh]. When
        given, the compensated rule is used.

    Returns
    -------
    price_import, price_export : numpy.ndarray or pandas.Series, shape (n_steps,)
        SDR: the prices applied to all residual imports and exports [money/kWh]. SDRC:
        the single local-market price, returned twice (it applies to P2P trades only).
        Series (labelled like the totals) when a total is a Series.

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, a negative sell tariff, ``sell > buy``, ``lambda`` outside
        ``(0, buy - sell)``; :class:`lectoolkit.ResultRangeError` when a price
        overflows.

    Notes
    -----
    SDR (Eqs. in [1]_, [2]_): for ``0 <= sdr < 1``,
    ``p_sell = buy sell / ((buy - sell) sdr + sell)`` and
    ``p_buy = p_sell sdr + buy (1 - sdr)``; for ``sdr >= 1`` both equal ``sell``.
    Members then pay exactly the community's net grid bill.
    SDRC (Eq. 22 in [3]_): ``p = buy (sell + lambda) / ((buy - sell - lambda) sdr + sell +
    lambda)`` for ``sdr < 1`` and ``p = sell + lambda / sdr`` for ``sdr >= 1``;
    continuous at ``sdr = 1`` where ``p = sell + lambda``.

    References
    ----------
    .. [1] N. Liu, X. Yu, C. Wang, C. Li, L. Ma, J. Lei, "Energy-sharing model with
       price-based demand response for microgrids of peer-to-peer prosumers", IEEE Trans.
       Power Systems 32(5) (2017) 3569-3583. doi:10.1109/TPWRS.2017.2649558
    .. [2] Y. Zhou, J. Wu, C. Long, Applied Energy 222 (2018) 993-1022, Appendix B.
       doi:10.1016/j.apenergy.2018.02.089
    .. [3] INESC TEC (Enershare), review of local-energy-market pricing mechanisms,
       Energies 16 (2023); SDRC is its Eq. (22).

    Examples
    --------
    Zhou et al. (2018), Appendix B: buy 14.57, sell 5.03, ``sdr = 0.75``:

    >>> p_buy, p_sell = supply_demand_ratio([4.0], [3.0], 14.57, 5.03)
    >>> round(float(p_sell[0]), 4), round(float(p_buy[0]), 4)
    (6.0145, 8.1534)
    """
    imp_kwh, exp_kwh, buy, sell = _community_inputs(
        community_import_kwh, community_export_kwh, price_buy_per_kwh, price_sell_per_kwh,
        "the supply-demand ratio")
    _check_nonnegative_sell(sell, "the supply-demand ratio (its prices are ratios of tariffs)")
    culprits = "price_buy_per_kwh, price_sell_per_kwh"
    with np.errstate(all="ignore"):  # non-finite prices are refused just below
        sdr = _supply_demand_ratio(imp_kwh, exp_kwh)  # non-finite prices are refused just below
        if compensation_per_kwh is None:
            prices = _sdr_import(buy, sell, sdr), _sdrc_price(buy, sell, sdr, 0.0)
        else:
            lam = _per_step(compensation_per_kwh, "compensation_per_kwh", imp_kwh.size,
                            community_import_kwh, "community_import_kwh")
            _check_compensation(lam, buy - sell, "buy - sell")
            price = _sdrc_price(buy, sell, sdr, lam)
            prices = price, price.copy()
            culprits += ", compensation_per_kwh"
    _validate.finite_result(prices, "prices", culprits)
    return _pandas_like([(prices[0], "price_import"), (prices[1], "price_export")],
                        community_import_kwh, community_export_kwh)


def _bill_sharing(imp_kwh, exp_kwh, buy_ref, sell_ref, allowed) -> tuple[float, float]:
    """Zhou's uniform bill-sharing prices over the P2P steps (0 without volume)."""
    traded = np.minimum(imp_kwh, exp_kwh)
    with np.errstate(over="ignore", invalid="ignore"):  # refused by the callers
        grid_buy = np.sum(np.where(allowed, buy_ref * (imp_kwh - traded), 0.0))
        grid_sell = np.sum(np.where(allowed, sell_ref * (exp_kwh - traded), 0.0))
        total_imp_kwh = np.sum(np.where(allowed, imp_kwh, 0.0))
        total_exp_kwh = np.sum(np.where(allowed, exp_kwh, 0.0))
        return (float(grid_buy / total_imp_kwh) if total_imp_kwh > 0 else 0.0,
                float(grid_sell / total_exp_kwh) if total_exp_kwh > 0 else 0.0)


def bill_sharing_prices(community_import_kwh, community_export_kwh, price_buy_per_kwh,
                        price_sell_per_kwh, *, p2p_allowed=None) -> tuple[float, float]:
    """Zhou's bill-sharing prices: the community's net grid bill as two uniform prices.

    Parameters
    ----------
    community_import_kwh, community_export_kwh : array_like or pandas.Series, shape (n_steps,)
        The community's residual import ``D`` and export ``G`` per step, finite and
        non-negative [kWh]; two Series are paired by label.
    price_buy_per_kwh, price_sell_per_kwh : float or array_like, shape (n_steps,)
        The community's grid tariffs (the reference tariffs in :func:`settle`), finite,
        ``sell <= buy`` at every step [money/kWh].
    p2p_allowed : array_like of bool or pandas.Series, shape (n_steps,), optional
        Steps that share the bill (default: all); a Series is paired by label.

    Returns
    -------
    (float, float)
        ``p_buy`` paid per kWh imported and ``p_sell`` received per kWh exported over the
        shared steps [money/kWh]; 0 for a side without volume.

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype, a
        non-boolean mask).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, ``sell > buy``; :class:`lectoolkit.ResultRangeError` when a
        sum overflows.

    Notes
    -----
    With ``T = min(D, G)`` matched locally at each shared step ``t`` (Zhou et al. 2018,
    Sec. 2.3): ``p_buy = sum_t buy_t (D_t - T_t) / sum_t D_t`` and
    ``p_sell = sum_t sell_t (G_t - T_t) / sum_t G_t``, so that
    ``p_buy sum D - p_sell sum G`` equals the community's net grid bill.

    References
    ----------
    .. [1] Y. Zhou, J. Wu, C. Long, "Evaluation of peer-to-peer energy sharing mechanisms
       based on a multiagent simulation framework", Applied Energy 222 (2018) 993-1022.
       doi:10.1016/j.apenergy.2018.02.089

    Examples
    --------
    A deficit of 1 kWh then a surplus of 2 kWh (buy 10, sell 4):

    >>> bill_sharing_prices([2.0, 1.0], [1.0, 3.0], 10.0, 4.0)
    (3.3333333333333335, 2.0)
    """
    imp_kwh, exp_kwh, buy, sell = _community_inputs(
        community_import_kwh, community_export_kwh, price_buy_per_kwh, price_sell_per_kwh,
        "bill sharing")
    if p2p_allowed is None:
        allowed = np.ones(imp_kwh.size, dtype=bool)
    else:
        if isinstance(p2p_allowed, pd.DataFrame):
            raise TypeError("p2p_allowed: expected a 1-D vector of booleans, got a DataFrame")
        allowed, _ = _validate.boolean_vector(
            _validate.align(community_import_kwh, "community_import_kwh", p2p_allowed,
                            "p2p_allowed"), "p2p_allowed", size=imp_kwh.size)
    prices = _bill_sharing(imp_kwh, exp_kwh, buy, sell, allowed)
    _validate.finite_result(prices, "prices",
                            "community_import_kwh, community_export_kwh, price_buy_per_kwh, "
                            "price_sell_per_kwh")
    return prices

"""Settlement of an energy community over a time series: who pays what at every step.

Every mechanism starts from the same per-member split of each step (SPEC §0): the
member consumes its own PV first, ``m = min(load, pv)``, and is left with a residual
import ``imp = load - m`` and a residual export ``exp = pv - m`` [kWh]. Mechanisms
differ only in the prices those residuals are settled at:

``"conventional"``
    net billing at each member's own tariffs;
``"mmr"``
    mid-market rate (Zhou et al. 2018, or the seed-002 form on gross totals with the
    dynamic P2P price);
``"bill_sharing"``
    Zhou's bill sharing (the community's net grid bill split by uniform prices over the
    horizon), or the seed-002 form (pro-rata P2P at the dynamic price, residuals at own
    tariffs);
``"sdr"``
    supply-demand ratio pricing (Liu et al. 2017);
``"sdrc"``
    compensated SDR: P2P at the SDRC price, residuals at own tariffs.

The kernels run in two passes over blocks of time steps: per-step community totals
first, then per-member costs. Nothing of size ``n_steps x n_members`` is allocated
except the ``cost`` output (see :func:`settle` for the memory bound; an input that is
not float64, e.g. a DataFrame whose columns are not held in one float64 block, is
converted once when read).

Inputs are checked by :mod:`lectoolkit._validate` (TypeError for the wrong kind of
object, ValueError naming the argument for a wrong value); pandas inputs are paired by
label, and results that would leave float64's range are refused, not returned as NaN.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np
import pandas as pd

from lectoolkit import _validate

MECHANISMS = ("conventional", "mmr", "bill_sharing", "sdr", "sdrc")
"""Mechanism names accepted by :func:`settle`."""

VARIANTS = ("zhou2018", "seed002")
"""Variants of ``"mmr"`` and ``"bill_sharing"`` (the first is the default)."""

SEED002_BALANCE_TOL_KW = 1e-6
"""Seed 002 treats a step as balanced when ``|PV - L| <= 1e-6`` on community totals [kW]."""

SEED002_TOTAL_TOL_KW = 1e-9
"""Seed 002 uses the mid price when ``L + PV < 1e-9`` on community totals [kW]."""

DEFAULT_CHUNK_STEPS = 4096
"""Time steps per block processed by one kernel call."""

PARALLEL_MIN_VALUES = 1_000_000
"""Inputs with fewer values (n_steps x n_members) run the kernels on one thread: below
this, starting and synchronising threads costs more than it saves."""


# --------------------------------------------------------------------------- validation

PRICE_UNIT = "money/kWh"
"""Unit of the tariffs and prices in messages."""


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


def _check_references(buy_ref: np.ndarray, sell_ref: np.ndarray, what: str) -> None:
    """Refuse reference tariffs that overflowed or are in the wrong order."""
    _validate.finite_result(np.append(buy_ref, sell_ref), "reference tariffs",
                            "price_buy_per_kwh, price_sell_per_kwh")
    above = np.flatnonzero(sell_ref > buy_ref)
    if above.size:
        t = int(above[0])
        raise ValueError(
            f"price_sell_per_kwh: the reference sell tariff {sell_ref.flat[t]:g} (mean of the "
            f"positive sell tariffs) is above the reference buy tariff {buy_ref.flat[t]:g} (mean "
            f"of all buy tariffs of price_buy_per_kwh){f' at step {t}' if buy_ref.size > 1 else ''}"
            f"; {what} needs sell_ref <= buy_ref (each member's sell <= buy is not enough)"
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


def _block(arr: np.ndarray, start: int, stop: int) -> np.ndarray:
    return np.ascontiguousarray(arr[start:stop], dtype=np.float64)


@contextmanager
def _kernel_threads(n_values: int):
    """Run numba's parallel kernels on one thread for small inputs."""
    previous = numba.get_num_threads()
    numba.set_num_threads(1 if n_values < PARALLEL_MIN_VALUES else previous)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


@dataclass(frozen=True)
class _Tariff:
    """A tariff as ``per_member[i] + per_step[t]`` (one of the two parts is zero)."""

    per_member: np.ndarray
    per_step: np.ndarray
    varies_by_member: bool

    def minimum(self) -> float:
        return float(self.per_member.min() + self.per_step.min())


def _series_axis(name: str, labels: pd.Index, frame: pd.DataFrame, frame_name: str) -> str:
    """Axis of ``frame`` whose labels a tariff Series carries; refuse none or both."""
    on_members = len(labels) == frame.shape[1] and labels.isin(frame.columns).all()
    on_steps = len(labels) == frame.shape[0] and labels.isin(frame.index).all()
    if on_members and on_steps:
        raise ValueError(
            f"{name}: its labels match both the member columns and the time index of "
            f"{frame_name}; pass tariff_axis='members' or 'steps'"
        )
    if not (on_members or on_steps):
        raise ValueError(
            f"{name}: Series labels match neither the member columns nor the time index of "
            f"{frame_name}; pandas inputs are paired by label"
        )
    return "members" if on_members else "steps"


def _parse_tariff(name: str, value, shape: tuple[int, int], frame, frame_name: str,
                  tariff_axis: str | None) -> _Tariff:
    """A scalar, per-member or per-step tariff; a Series is paired by label with ``frame``."""
    n_steps, n_members = shape
    axis = tariff_axis
    if isinstance(value, pd.Series) and frame is not None:
        _validate.unique_labels(value.index, name)
        if axis is None:
            axis = _series_axis(name, value.index, frame, frame_name)
        if axis == "members":
            value = _validate.align(frame.iloc[0], f"{frame_name}'s columns "
                                    "(tariff_axis='members')", value, name)
        else:
            value = _validate.align(frame, f"{frame_name}'s index (tariff_axis='steps')", value,
                                    name)
    arr = _validate.array(value, name, unit=PRICE_UNIT)
    if arr.ndim == 0:
        return _Tariff(np.zeros(n_members), np.full(n_steps, float(arr)), False)
    if arr.ndim != 1:
        raise ValueError(
            f"{name}: expected a number or a 1-D array (one per member or one per step), got "
            f"shape {arr.shape}"
        )
    if axis is None:
        if len(arr) == n_members and len(arr) == n_steps:
            raise ValueError(
                f"{name}: length {len(arr)} equals both n_steps and n_members of load_kwh; pass "
                "tariff_axis='members' or 'steps' (or a Series labelled like load_kwh)"
            )
        if len(arr) not in (n_members, n_steps):
            raise ValueError(
                f"{name}: length {len(arr)} matches neither n_members = {n_members} nor "
                f"n_steps = {n_steps} of load_kwh"
            )
        axis = "members" if len(arr) == n_members else "steps"
    if axis == "members":
        if len(arr) != n_members:
            raise ValueError(
                f"{name}: expected {n_members} member tariffs (columns of load_kwh, "
                f"tariff_axis='members'), got {len(arr)}"
            )
        return _Tariff(np.ascontiguousarray(arr), np.zeros(n_steps), True)
    if len(arr) != n_steps:
        raise ValueError(
            f"{name}: expected {n_steps} per-step tariffs (rows of load_kwh, tariff_axis='steps'), "
            f"got {len(arr)}"
        )
    return _Tariff(np.zeros(n_members), np.ascontiguousarray(arr), False)


def _mean_positive(values: np.ndarray) -> float:
    """Mean of the positive entries (0 when there is none)."""
    positive = values[values > 0]
    return float(positive.mean()) if positive.size else 0.0


def reference_prices(price_buy_per_kwh, price_sell_per_kwh) -> tuple[float, float]:
    """Community reference tariffs: mean buy price, mean of the positive sell prices.

    Parameters
    ----------
    price_buy_per_kwh, price_sell_per_kwh : array_like or pandas.Series, shape (n_members,)
        Members' grid tariffs, finite and non-negative [currency/kWh]; at least one sell
        price must be positive (members without PV have sell price 0 and do not count).
        Two Series are paired by label.

    Returns
    -------
    (float, float)
        ``buy_ref`` and ``sell_ref`` [currency/kWh], the prices seed 002 uses for its
        dynamic P2P price and its MMR variant (SPEC §2), with ``sell_ref <= buy_ref``.

    Raises
    ------
    TypeError
        A tariff that is not a vector of numbers (str, bool, None, a DataFrame).
    ValueError
        Empty, non-1-D, NaN, infinite or negative tariffs; lengths or labels that differ;
        no positive sell price; ``sell_ref > buy_ref`` (possible although every member has
        ``sell <= buy``: ``[2, 10]`` and ``[0, 9]`` give ``6 < 9``), which would make the
        community import cheaper than it exports. :class:`lectoolkit.ResultRangeError`
        (a ValueError) when a mean overflows.

    Examples
    --------
    >>> reference_prices([6.0, 5.0, 5.5], [0.0, 3.0, 3.5])
    (5.5, 3.25)
    """
    buy, _ = _validate.vector(price_buy_per_kwh, "price_buy_per_kwh", unit=PRICE_UNIT,
                              nonneg=True)
    sell_value = _validate.align(price_buy_per_kwh, "price_buy_per_kwh", price_sell_per_kwh,
                                 "price_sell_per_kwh")
    sell, _ = _validate.vector(sell_value, "price_sell_per_kwh", unit=PRICE_UNIT, nonneg=True)
    if sell.size != buy.size:
        raise ValueError(
            f"price_sell_per_kwh: {sell.size} member tariffs differ from the {buy.size} of "
            "price_buy_per_kwh"
        )
    if not (sell > 0).any():
        raise ValueError(
            "price_sell_per_kwh: no positive sell price to average (the reference sell tariff "
            "is the mean of the positive ones)"
        )
    with np.errstate(over="ignore"):  # an overflowing mean is refused just below
        buy_ref, sell_ref = float(buy.mean()), _mean_positive(sell)
    _check_references(np.array([buy_ref]), np.array([sell_ref]), "the community")
    return buy_ref, sell_ref


def _reference_prices(buy: _Tariff, sell: _Tariff) -> tuple[np.ndarray, np.ndarray]:
    """Per-step ``buy_ref`` (mean buy tariff) and ``sell_ref`` (mean positive sell tariff).

    One of the two parts of each tariff is zero; a per-step sell tariff is non-negative
    here (the community mechanisms refuse negative ones).
    """
    with np.errstate(over="ignore"):  # settle refuses overflowing references
        buy_ref = buy.per_step + buy.per_member.mean()
        sell_ref = sell.per_step + _mean_positive(sell.per_member)
    return buy_ref, sell_ref


# ------------------------------------------------------------- pricing rules (scalar kernels)


@numba.njit(cache=True)
def _cp2p_rule(load, pv, buy, sell, tol):
    mid = 0.5 * (buy + sell)
    total = load + pv
    if total < tol or total == 0.0:
        return mid
    if total == np.inf:  # load + pv overflowed: halve both (exact at that magnitude)
        return mid + 0.5 * (buy - sell) * ((0.5 * load - 0.5 * pv) / (0.5 * load + 0.5 * pv))
    return mid + 0.5 * (buy - sell) * ((load - pv) / total)


@numba.njit(cache=True)
def _mmr_rule(demand, supply, buy, sell, mid, tol):
    if abs(supply - demand) <= tol:
        return mid, mid
    if supply > demand:  # weights in [0, 1]: no overflow of energy x price
        w = demand / supply
        return mid, w * mid + (1.0 - w) * sell
    w = supply / demand
    return w * mid + (1.0 - w) * buy, mid


@numba.njit(cache=True)
def _sdr_rule(demand, supply, buy, sell):
    if supply < demand:
        sdr = supply / demand
        denom = (buy - sell) * sdr + sell
        p_sell = buy * (sell / denom) if denom > 0 else sell  # sell / denom <= 1
        return p_sell * sdr + buy * (1.0 - sdr), p_sell
    return sell, sell


@numba.njit(cache=True)
def _sdrc_rule(demand, supply, buy, sell, lam):
    if supply < demand:
        sdr = supply / demand
        return buy * ((sell + lam) / ((buy - sell - lam) * sdr + sell + lam))
    return sell + lam * (demand / supply) if demand > 0 else sell


@numba.njit(cache=True)
def _pricing_kernel(rule, demand, supply, buy, sell, extra, tol):
    """Apply a rule elementwise: 0 cp2p, 1 MMR (``extra`` = mid), 2 SDR, 3 SDRC (λ)."""
    n = demand.shape[0]
    p_imp = np.empty(n)
    p_exp = np.empty(n)
    for t in range(n):
        if rule == 0:
            p_imp[t] = p_exp[t] = _cp2p_rule(demand[t], supply[t], buy[t], sell[t], tol)
        elif rule == 1:
            p_imp[t], p_exp[t] = _mmr_rule(demand[t], supply[t], buy[t], sell[t], extra[t], tol)
        elif rule == 2:
            p_imp[t], p_exp[t] = _sdr_rule(demand[t], supply[t], buy[t], sell[t])
        else:
            p_imp[t] = p_exp[t] = _sdrc_rule(demand[t], supply[t], buy[t], sell[t], extra[t])
    return p_imp, p_exp


def _apply_rule(rule: int, demand, supply, buy, sell, extra=0.0, tol: float = 0.0):
    arrays = np.broadcast_arrays(demand, supply, buy, sell, extra)
    shape = arrays[0].shape
    flat = [np.array(a, dtype=np.float64).ravel() for a in arrays]  # copies: writeable
    p_imp, p_exp = _pricing_kernel(rule, *flat, float(tol))
    return p_imp.reshape(shape), p_exp.reshape(shape)


# ------------------------------------------------------------------ published pricing rules


def _community_inputs(demand_total_kwh, supply_total_kwh, price_buy_per_kwh,
                      price_sell_per_kwh, what: str):
    """Validated ``D``, ``G`` [kWh] and the buy and sell tariffs (numbers or per step)."""
    demand, supply = _totals(demand_total_kwh, "demand_total_kwh", supply_total_kwh,
                             "supply_total_kwh")
    buy = _per_step(price_buy_per_kwh, "price_buy_per_kwh", demand.size, demand_total_kwh,
                    "demand_total_kwh")
    sell = _per_step(price_sell_per_kwh, "price_sell_per_kwh", demand.size, demand_total_kwh,
                     "demand_total_kwh")
    _check_price_order(buy, sell, "price_buy_per_kwh", "price_sell_per_kwh", what)
    return demand, supply, buy, sell


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


def dynamic_p2p_price(load_total_kwh, pv_total_kwh, price_buy_ref, price_sell_ref, *,
                      tol_kwh: float = 0.0) -> np.ndarray:
    """Dynamic peer-to-peer price of seed 002, set by the community's balance.

    Parameters
    ----------
    load_total_kwh, pv_total_kwh : array_like or pandas.Series, shape (n_steps,)
        Gross community load and PV per step, finite and non-negative [kWh]; two Series
        are paired by label.
    price_buy_ref, price_sell_ref : float or array_like, shape (n_steps,)
        Reference buy and sell tariffs, finite, ``sell <= buy`` at every step (negative
        values are allowed) [money/kWh].
    tol_kwh : float, default 0
        Steps with ``load + pv < tol_kwh`` (or exactly 0) get the mid price, ``>= 0``
        [kWh]. The seed uses 1e-9 kW, i.e. ``1e-9 * timestep_h`` kWh.

    Returns
    -------
    numpy.ndarray, shape (n_steps,)
        ``cp2p`` [money/kWh], between ``price_sell_ref`` and ``price_buy_ref``.

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, ``price_sell_ref > price_buy_ref``, a negative ``tol_kwh``;
        :class:`lectoolkit.ResultRangeError` when the mid price overflows.

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
    load, pv = _totals(load_total_kwh, "load_total_kwh", pv_total_kwh, "pv_total_kwh")
    buy = _per_step(price_buy_ref, "price_buy_ref", load.size, load_total_kwh, "load_total_kwh")
    sell = _per_step(price_sell_ref, "price_sell_ref", load.size, load_total_kwh,
                     "load_total_kwh")
    _check_price_order(buy, sell, "price_buy_ref", "price_sell_ref", "the dynamic P2P price")
    tol = _validate.nonnegative(tol_kwh, "tol_kwh", unit="kWh")
    cp2p = _apply_rule(0, load, pv, buy, sell, tol=tol)[0]
    _validate.finite_result(cp2p, "prices", "price_buy_ref, price_sell_ref")
    return cp2p


def mid_market_rate(demand_total_kwh, supply_total_kwh, price_buy_per_kwh, price_sell_per_kwh,
                    *, mid_price_per_kwh=None, tol_kwh: float = 0.0):
    """Mid-market-rate import and export prices per step.

    Parameters
    ----------
    demand_total_kwh, supply_total_kwh : array_like or pandas.Series, shape (n_steps,)
        Community demand ``D`` and supply ``G`` per step, finite and non-negative [kWh]:
        the net traded totals (sum of residual imports and exports) in Zhou et al.
        (2018); the gross load and PV totals in the seed-002 variant. Two Series are
        paired by label.
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
    price_import, price_export : numpy.ndarray, shape (n_steps,)
        Price paid per kWh imported and received per kWh exported [money/kWh].

    Raises
    ------
    TypeError
        An argument of the wrong kind (str, bool, None, a DataFrame, non-numeric dtype).
    ValueError
        NaN or infinite values, negative energies, empty or non-1-D totals, lengths or
        labels that differ, ``price_sell_per_kwh > price_buy_per_kwh``, a negative
        ``tol_kwh``; :class:`lectoolkit.ResultRangeError` when a price
        overflows.

    Notes
    -----
    Balanced: both at ``mid``. Surplus (``G > D``): importers pay ``mid``, exporters get
    ``(D mid + (G - D) sell) / G``. Deficit: exporters get ``mid``, importers pay
    ``(G mid + (D - G) buy) / D``. On net totals the community's payments equal its net
    grid bill at ``buy``/``sell`` (budget balance) [1]_.

    References
    ----------
    .. [1] Y. Zhou, J. Wu, C. Long, "Evaluation of peer-to-peer energy sharing mechanisms
       based on a multiagent simulation framework", Applied Energy 222 (2018) 993-1022.
       doi:10.1016/j.apenergy.2018.02.089

    Examples
    --------
    Surplus of 2 kWh on 4 kWh supplied, then a deficit (buy 10, sell 4, mid 7):

    >>> p_imp, p_exp = mid_market_rate([2.0, 4.0], [4.0, 1.0], 10.0, 4.0)
    >>> p_imp.tolist(), p_exp.tolist()
    ([7.0, 9.25], [5.5, 7.0])
    """
    demand, supply, buy, sell = _community_inputs(
        demand_total_kwh, supply_total_kwh, price_buy_per_kwh, price_sell_per_kwh,
        "the mid-market rate")
    mid = 0.5 * (buy + sell) if mid_price_per_kwh is None else _per_step(
        mid_price_per_kwh, "mid_price_per_kwh", demand.size, demand_total_kwh,
        "demand_total_kwh")
    tol = _validate.nonnegative(tol_kwh, "tol_kwh", unit="kWh")
    prices = _apply_rule(1, demand, supply, buy, sell, mid, tol)
    _validate.finite_result(prices, "prices",
                            "price_buy_per_kwh, price_sell_per_kwh, mid_price_per_kwh")
    return prices


def supply_demand_ratio(demand_total_kwh, supply_total_kwh, price_buy_per_kwh,
                        price_sell_per_kwh, *, compensation_per_kwh=None):
    """Supply-demand-ratio prices (SDR, Liu et al. 2017) or the compensated SDRC price.

    Parameters
    ----------
    demand_total_kwh, supply_total_kwh : array_like or pandas.Series, shape (n_steps,)
        Community residual demand ``D`` and supply ``G`` per step, finite and
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
    price_import, price_export : numpy.ndarray, shape (n_steps,)
        SDR: the prices applied to all residual imports and exports [money/kWh]. SDRC:
        the single local-market price, returned twice (it applies to P2P trades only).

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
    demand, supply, buy, sell = _community_inputs(
        demand_total_kwh, supply_total_kwh, price_buy_per_kwh, price_sell_per_kwh,
        "the supply-demand ratio")
    _check_nonnegative_sell(sell, "the supply-demand ratio (its prices are ratios of tariffs)")
    culprits = "price_buy_per_kwh, price_sell_per_kwh"
    if compensation_per_kwh is None:
        prices = _apply_rule(2, demand, supply, buy, sell)
    else:
        lam = _per_step(compensation_per_kwh, "compensation_per_kwh", demand.size,
                        demand_total_kwh, "demand_total_kwh")
        _check_compensation(lam, buy - sell, "buy - sell")
        prices = _apply_rule(3, demand, supply, buy, sell, lam)
        culprits += ", compensation_per_kwh"
    _validate.finite_result(prices, "prices", culprits)
    return prices


# --------------------------------------------------------------------------- kernels


@numba.njit(parallel=True, cache=True, fastmath={"reassoc"})
def _step_totals_kernel(load, pv, buy_member, sell_member):
    """Per-step community sums and a per-step validity flag.

    Columns: load, PV, residual import, residual export, and residual import and export
    weighted by the member part of the tariffs. ``reassoc`` lets the sums vectorise
    (summation order differs from a sequential loop by rounding only).
    """
    n_steps, n_members = load.shape
    totals = np.empty((n_steps, 6))
    valid = np.empty(n_steps, dtype=np.bool_)
    for t in numba.prange(n_steps):
        s_load = 0.0
        s_pv = 0.0
        s_imp = 0.0
        s_exp = 0.0
        s_imp_buy = 0.0
        s_exp_sell = 0.0
        n_bad = 0
        for i in range(n_members):
            load_ti = load[t, i]
            pv_ti = pv[t, i]
            n_bad += not (load_ti >= 0.0 and pv_ti >= 0.0 and load_ti < np.inf
                          and pv_ti < np.inf)
            own = min(load_ti, pv_ti)
            imp = load_ti - own
            exp = pv_ti - own
            s_load += load_ti
            s_pv += pv_ti
            s_imp += imp
            s_exp += exp
            s_imp_buy += imp * buy_member[i]
            s_exp_sell += exp * sell_member[i]
        totals[t, 0] = s_load
        totals[t, 1] = s_pv
        totals[t, 2] = s_imp
        totals[t, 3] = s_exp
        totals[t, 4] = s_imp_buy
        totals[t, 5] = s_exp_sell
        valid[t] = n_bad == 0
    return totals, valid


@numba.njit(parallel=True, cache=True)
def _member_cost_kernel(load, pv, imp_base, imp_weight, buy_member, exp_base, exp_weight,
                        sell_member, n_blocks, out):
    """``out[t, i] = imp (imp_base[t] + imp_weight[t] buy_i) - exp (exp_base[t] + ...)``.

    Steps are split into ``n_blocks`` contiguous blocks run in parallel; returns each
    block's per-member cost sums, shape (n_blocks, n_members), so the bills need no
    second pass over ``out``.
    """
    n_steps, n_members = load.shape
    partial = np.zeros((n_blocks, n_members))
    block = (n_steps + n_blocks - 1) // n_blocks
    for b in numba.prange(n_blocks):
        acc = partial[b]
        for t in range(b * block, min((b + 1) * block, n_steps)):
            a0 = imp_base[t]
            a1 = imp_weight[t]
            b0 = exp_base[t]
            b1 = exp_weight[t]
            for i in range(n_members):
                own = min(load[t, i], pv[t, i])
                c = ((load[t, i] - own) * (a0 + a1 * buy_member[i])
                     - (pv[t, i] - own) * (b0 + b1 * sell_member[i]))
                out[t, i] = c
                acc[i] += c
    return partial


@numba.njit(parallel=True, cache=True)
def _flow_kernel(load, pv, share, kind, out):
    """One energy flow per member and step, ``share`` being the P2P share of the residual.

    ``kind``: 0 self-consumed, 1 P2P import, 2 grid import, 3 P2P export, 4 grid export.
    """
    n_steps, n_members = load.shape
    for t in numba.prange(n_steps):
        s = share[t]
        for i in range(n_members):
            own = min(load[t, i], pv[t, i])
            if kind == 0:
                out[t, i] = own
            elif kind == 1:
                out[t, i] = s * (load[t, i] - own)
            elif kind == 2:
                out[t, i] = (load[t, i] - own) - s * (load[t, i] - own)
            elif kind == 3:
                out[t, i] = s * (pv[t, i] - own)
            else:
                out[t, i] = (pv[t, i] - own) - s * (pv[t, i] - own)


# --------------------------------------------------------------------------- result


# flow name -> (kernel kind, side whose P2P share applies, docstring)
_FLOW_KINDS = {
    "self_consumed_kwh": (0, None, "Own PV consumed on site, ``min(load, pv)`` [kWh]."),
    "p2p_import_kwh": (1, "import", "Residual import bought from other members [kWh]."),
    "grid_import_kwh": (2, "import", "Residual import bought from the grid [kWh]."),
    "p2p_export_kwh": (3, "export", "Residual export sold to other members [kWh]."),
    "grid_export_kwh": (4, "export", "Residual export sold to the grid [kWh]."),
}


def _flow_property(name: str) -> property:
    """Read-only attribute that computes the flow ``name`` on each access."""
    return property(lambda self: self._flow(name), doc=_FLOW_KINDS[name][2])


class SettlementResult:
    """Outcome of :func:`settle`; pandas views are built on first access.

    Attributes
    ----------
    cost : numpy.ndarray or pandas.DataFrame, shape (n_steps, n_members)
        Cost of each member at each step [money]; negative = revenue. A DataFrame
        (time index x member columns) when the inputs were DataFrames.
    bills : pandas.Series, shape (n_members,)
        Total cost per member over the horizon [money].
    price_import, price_export : pandas.Series, shape (n_steps,)
        Average price per kWh of residual import paid, and of residual export received,
        at each step [money/kWh] (exact uniform prices for MMR, SDR and Zhou's bill
        sharing; volume-weighted over members where own tariffs take part; the
        member-average price at steps without volume).
    grid_cost : pandas.Series, shape (n_steps,)
        What the community pays the grid at each step [money]: grid flows at the members'
        own tariffs, or the net exchange at the reference tariffs for the mechanisms
        settled at community level (MMR, SDR, Zhou's bill sharing).
    mechanism, variant : str
        As passed to :func:`settle` (``variant`` is ``None`` when not applicable).
    self_consumed_kwh, p2p_import_kwh, p2p_export_kwh, grid_import_kwh, grid_export_kwh
        Energy flows, shape (n_steps, n_members) [kWh], computed *on each access* from the
        inputs (each access allocates one array of that size); P2P volumes are split pro
        rata over the residuals (``min(D, G)`` traded at each P2P step).
    """

    def __init__(self, *, mechanism, variant, cost, bills, price_import, price_export,
                 grid_cost, load, pv, share_import, share_export, chunk_steps, index, columns):
        self.mechanism = mechanism
        self.variant = variant
        self._cost = cost
        self._bills = bills
        self._price_import = price_import
        self._price_export = price_export
        self._grid_cost = grid_cost
        self._load = load
        self._pv = pv
        self._share_import = share_import
        self._share_export = share_export
        self._chunk_steps = chunk_steps
        self._index = index
        self._columns = columns

    def __repr__(self) -> str:
        return (f"SettlementResult(mechanism={self.mechanism!r}, variant={self.variant!r}, "
                f"n_steps={self._cost.shape[0]}, n_members={self._cost.shape[1]})")

    @cached_property
    def _step_index(self) -> pd.Index:
        return self._index if self._index is not None else pd.RangeIndex(
            self._cost.shape[0], name="step")

    @cached_property
    def cost(self):
        """Per-member cost at each step [money]."""
        if self._index is None:
            return self._cost
        return pd.DataFrame(self._cost, index=self._index, columns=self._columns, copy=False)

    @cached_property
    def bills(self) -> pd.Series:
        """Total cost per member [money]."""
        members = self._columns if self._columns is not None else pd.RangeIndex(
            self._cost.shape[1], name="member")
        return pd.Series(self._bills, index=members, name="bill")

    @cached_property
    def price_import(self) -> pd.Series:
        """Average price paid per kWh of residual import at each step [money/kWh]."""
        return pd.Series(self._price_import, index=self._step_index, name="price_import")

    @cached_property
    def price_export(self) -> pd.Series:
        """Average price received per kWh of residual export at each step [money/kWh]."""
        return pd.Series(self._price_export, index=self._step_index, name="price_export")

    @cached_property
    def grid_cost(self) -> pd.Series:
        """The community's payment to the grid at each step [money]."""
        return pd.Series(self._grid_cost, index=self._step_index, name="grid_cost")

    def _flow(self, name: str):
        kind, side, _ = _FLOW_KINDS[name]
        load, pv = self._load, self._pv
        share = self._share_import if side != "export" else self._share_export
        out = np.empty(load.shape)
        with _kernel_threads(load.size):
            for start in range(0, load.shape[0], self._chunk_steps):
                stop = min(start + self._chunk_steps, load.shape[0])
                _flow_kernel(_block(load, start, stop), _block(pv, start, stop),
                             share[start:stop], kind, out[start:stop])
        if self._index is None:
            return out
        return pd.DataFrame(out, index=self._index, columns=self._columns, copy=False)

    self_consumed_kwh = _flow_property("self_consumed_kwh")
    p2p_import_kwh = _flow_property("p2p_import_kwh")
    p2p_export_kwh = _flow_property("p2p_export_kwh")
    grid_import_kwh = _flow_property("grid_import_kwh")
    grid_export_kwh = _flow_property("grid_export_kwh")


# --------------------------------------------------------------------------- settle


def _align_frame(load_kwh: pd.DataFrame, pv_kwh: pd.DataFrame) -> pd.DataFrame:
    """``pv_kwh`` with the rows and columns of ``load_kwh`` (paired by label)."""
    pv_kwh = _validate.align(load_kwh, "load_kwh", pv_kwh, "pv_kwh")
    _validate.align(load_kwh.iloc[0], "load_kwh's columns", pv_kwh.iloc[0], "pv_kwh")
    return pv_kwh if pv_kwh.columns.equals(load_kwh.columns) else pv_kwh[load_kwh.columns]


def _p2p_mask(p2p_allowed, n_steps: int, frame, frame_name: str) -> np.ndarray:
    """The P2P mask as booleans, one per step (a Series is paired by label with ``frame``)."""
    if p2p_allowed is None:
        return np.ones(n_steps, dtype=bool)
    if isinstance(p2p_allowed, pd.DataFrame):
        raise TypeError("p2p_allowed: expected a 1-D vector of booleans, got a DataFrame")
    mask, _ = _validate.boolean_vector(
        _validate.align(frame, frame_name, p2p_allowed, "p2p_allowed"), "p2p_allowed")
    if mask.size != n_steps:
        raise ValueError(
            f"p2p_allowed: {mask.size} values, expected one per step of load_kwh ({n_steps})"
        )
    return mask


_CODES = {("conventional", None): 0, ("mmr", "zhou2018"): 1, ("mmr", "seed002"): 2,
          ("bill_sharing", "zhou2018"): 3, ("bill_sharing", "seed002"): 4, ("sdr", None): 5,
          ("sdrc", None): 6}


@numba.njit(cache=True)
def _step_terms_kernel(code, totals, allowed, buy_ref, sell_ref, buy_step, sell_step,
                       buy_member_mean, sell_member_mean, lam, tol_total, tol_balance):
    """Per-step prices and cost weights from the community totals of pass 1.

    A member pays ``imp (w_imp p_imp + (1 - w_imp) own_buy) - exp (w_exp p_exp + ...)``;
    returned as ``imp_base = w p + (1 - w) buy_step`` and ``imp_weight = 1 - w`` (the weight
    of the member part of the tariff), likewise for exports; plus the P2P shares of the
    residuals, the reported average prices and the community's grid cost per step.
    """
    n = totals.shape[0]
    out = np.zeros((9, n))  # imp_base, imp_weight, exp_base, exp_weight, price_imp,
    #                         price_exp, grid_cost, share_imp, share_exp
    p_buy_bs = 0.0
    p_sell_bs = 0.0
    if code == 3:  # Zhou's bill sharing: uniform prices over the P2P steps of the horizon
        grid_buy = grid_sell = demand = supply = 0.0
        for t in range(n):
            if allowed[t]:
                traded = min(totals[t, 2], totals[t, 3])
                grid_buy += buy_ref[t] * (totals[t, 2] - traded)
                grid_sell += sell_ref[t] * (totals[t, 3] - traded)
                demand += totals[t, 2]
                supply += totals[t, 3]
        p_buy_bs = grid_buy / demand if demand > 0 else 0.0
        p_sell_bs = grid_sell / supply if supply > 0 else 0.0
    for t in range(n):
        load_t, pv_t, imp_t, exp_t = totals[t, 0], totals[t, 1], totals[t, 2], totals[t, 3]
        br, sr = buy_ref[t], sell_ref[t]
        share_imp = share_exp = 0.0
        if code != 0 and allowed[t]:
            traded = min(imp_t, exp_t)
            share_imp = traded / imp_t if imp_t > 0 else 0.0
            share_exp = traded / exp_t if exp_t > 0 else 0.0
        w_imp = w_exp = p_imp = p_exp = 0.0
        grid_at_ref = False
        if code == 2:  # seed MMR: gross totals, reference tariffs when P2P is off
            w_imp = w_exp = 1.0
            grid_at_ref = True
            p_imp, p_exp = br, sr
            if allowed[t]:
                mid = _cp2p_rule(load_t, pv_t, br, sr, tol_total)
                p_imp, p_exp = _mmr_rule(load_t, pv_t, br, sr, mid, tol_balance)
        elif code != 0 and allowed[t]:
            if code == 1:
                w_imp = w_exp = 1.0
                grid_at_ref = True
                p_imp, p_exp = _mmr_rule(imp_t, exp_t, br, sr, 0.5 * (br + sr), 0.0)
            elif code == 3:
                w_imp = w_exp = 1.0
                grid_at_ref = True
                p_imp, p_exp = p_buy_bs, p_sell_bs
            elif code == 4:
                w_imp, w_exp = share_imp, share_exp
                p_imp = p_exp = _cp2p_rule(load_t, pv_t, br, sr, tol_total)
            elif code == 5:
                w_imp = w_exp = 1.0
                grid_at_ref = True
                p_imp, p_exp = _sdr_rule(imp_t, exp_t, br, sr)
            else:
                w_imp, w_exp = share_imp, share_exp
                p_imp = p_exp = _sdrc_rule(imp_t, exp_t, br, sr, lam[t])
        own_buy = buy_step[t] + (totals[t, 4] / imp_t if imp_t > 0 else buy_member_mean)
        own_sell = sell_step[t] + (totals[t, 5] / exp_t if exp_t > 0 else sell_member_mean)
        out[0, t] = w_imp * p_imp + (1.0 - w_imp) * buy_step[t]
        out[1, t] = 1.0 - w_imp
        out[2, t] = w_exp * p_exp + (1.0 - w_exp) * sell_step[t]
        out[3, t] = 1.0 - w_exp
        out[4, t] = w_imp * p_imp + (1.0 - w_imp) * own_buy
        out[5, t] = w_exp * p_exp + (1.0 - w_exp) * own_sell
        grid_imp = imp_t * (1.0 - share_imp)
        grid_exp = exp_t * (1.0 - share_exp)
        if grid_at_ref:
            out[6, t] = grid_imp * br - grid_exp * sr
        else:
            out[6, t] = ((1.0 - share_imp) * (totals[t, 4] + imp_t * buy_step[t])
                         - (1.0 - share_exp) * (totals[t, 5] + exp_t * sell_step[t]))
        out[7, t] = share_imp
        out[8, t] = share_exp
    return out


def settle(load_kwh, pv_kwh, mechanism: str, *, price_buy_per_kwh, price_sell_per_kwh,
           p2p_allowed=None, variant: str | None = None, timestep_h: float = 0.25,
           compensation_per_kwh=None, tariff_axis: str | None = None,
           chunk_steps: int = DEFAULT_CHUNK_STEPS) -> SettlementResult:
    """Settle an energy community step by step under a pricing mechanism.

    Parameters
    ----------
    load_kwh, pv_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Energy consumed and generated by each member in each step, finite and
        non-negative [kWh] (a seed-002 load in kW times ``timestep_h``); at least one step
        and one member. DataFrames (time index x member columns, unique labels) give
        pandas results; two DataFrames are paired by label (rows and columns).
    mechanism : {"conventional", "mmr", "bill_sharing", "sdr", "sdrc"}
        Settlement mechanism (see the module docstring).
    price_buy_per_kwh, price_sell_per_kwh : float, array_like or pandas.Series
        Grid tariffs, finite [money/kWh]: a scalar, one per member (n_members,) or one per
        step (n_steps,). A 1-D array is matched by length; when ``n_steps == n_members``
        pass ``tariff_axis``. A Series is paired by label with the columns or the time
        index of the energy DataFrames (the axis whose labels it carries; when they match
        both axes, ``tariff_axis`` must say which). ``"conventional"`` settles any sign
        (with a negative sell tariff an exporter pays). The community mechanisms use the
        reference tariffs ``buy_ref`` (mean buy tariff of all members) and ``sell_ref``
        (mean of the positive sell tariffs; 0 if none) at each step and need
        ``0 <= sell <= buy`` for every member and step and ``sell_ref <= buy_ref``
        (:func:`reference_prices`).
    p2p_allowed : array_like of bool or pandas.Series, shape (n_steps,), optional
        Steps where local trading is allowed (default: all); booleans only (0/1 numbers
        and missing values are refused); a Series is paired by label with the time index.
        Other steps settle as conventional at own tariffs, except the seed-002 MMR which
        uses ``buy_ref`` and ``sell_ref`` there, as the seed does.
    variant : {"zhou2018", "seed002"}, optional
        For ``"mmr"`` and ``"bill_sharing"`` only; default ``"zhou2018"`` (the published
        form). ``"seed002"``: MMR on gross totals with the dynamic P2P price; bill sharing
        with pro-rata P2P at the dynamic price and residuals at own tariffs.
    timestep_h : float, default 0.25
        Step length, ``> 0`` [h]; converts the seed's absolute thresholds (in kW) to kWh.
    compensation_per_kwh : float or array_like, shape (n_steps,), optional
        SDRC compensation ``lambda``, ``0 < lambda < buy_ref - sell_ref`` at every step
        [money/kWh]; required for ``"sdrc"``, refused for the other mechanisms.
    tariff_axis : {"members", "steps"}, optional
        Axis of 1-D tariffs when their length (or a Series' labels) is ambiguous.
    chunk_steps : int, default 4096
        Time steps per block, ``>= 1``. Inputs are read block by block; a block is copied
        only when the input is not C-contiguous.

    Returns
    -------
    SettlementResult
        Per-step costs, bills, prices, grid cost and (computed on access) energy flows.

    Raises
    ------
    TypeError
        Naming the argument: a str, bool or None where a number is expected, arrays of
        str, bool or object dtype (energies, tariffs), a Series for an energy, a DataFrame
        for a tariff, a non-boolean ``p2p_allowed``, a non-str option.
    ValueError
        Naming the argument: unknown mechanism, variant or axis; non-2-D, mismatched or
        empty energy arrays; NaN, infinite or negative energies; tariffs of the wrong
        length, NaN or infinite; duplicated or unmatched pandas labels, a tariff Series
        whose labels match both axes; for the community mechanisms a negative sell
        tariff, a sell tariff above the buy tariff or ``sell_ref > buy_ref``; a mask of
        the wrong length or with missing values; a non-positive ``timestep_h``; a missing,
        superfluous or out-of-range ``compensation_per_kwh``.
        :class:`lectoolkit.ResultRangeError` (a ValueError) when totals, prices
        or bills overflow float64.

    Notes
    -----
    With ``m = min(L, PV)``, ``imp = L - m``, ``exp = PV - m`` per member and step, every
    mechanism charges ``cost = imp p_imp - exp p_exp`` where the prices are (SPEC §2):
    own tariffs (conventional); the uniform MMR prices of :func:`mid_market_rate` on the
    net totals ``D = sum imp`` and ``G = sum exp`` (Zhou), or on the gross totals with the
    :func:`dynamic_p2p_price` as the mid price (seed 002); the SDR prices of
    :func:`supply_demand_ratio`; for SDRC and the seed bill sharing, a P2P share
    ``min(D, G)/D`` of each import (``min(D, G)/G`` of each export) at the SDRC or dynamic
    price and the rest at own tariffs; for Zhou's bill sharing, over the P2P steps of the
    horizon, ``p_buy = sum buy_ref (D - min(D, G)) / sum D`` and
    ``p_sell = sum sell_ref (G - min(D, G)) / sum G``, so members pay exactly the
    community's net grid bill. The seed-002 MMR on gross totals is not budget-balanced.

    Computation: pass 1 sums each step's community totals (and checks the energies are
    finite and non-negative on the fly, so no separate pass over the inputs is made);
    the per-step prices follow from the totals; pass 2 writes the member costs and sums
    the bills. Both passes are numba kernels run in parallel over steps (on one thread
    below ``PARALLEL_MIN_VALUES`` values), block by block of ``chunk_steps`` steps.

    Memory bound: besides the inputs, one float64 array of shape (n_steps, n_members) for
    ``cost``, about 16 float64 values per step (totals and per-step terms), and, for
    C-contiguity, two float64 copies of one block, ``2 x chunk_steps x n_members x 8``
    bytes. Inputs that are not float64 (integer arrays, DataFrames whose columns are not
    one float64 block) are converted once, and a DataFrame ``pv_kwh`` labelled in another
    order than ``load_kwh`` is reordered once. Energy flows are not stored; each access to
    a flow attribute computes it (one more array of the size of ``cost``).

    References
    ----------
    .. [1] Y. Zhou, J. Wu, C. Long, "Evaluation of peer-to-peer energy sharing mechanisms
       based on a multiagent simulation framework", Applied Energy 222 (2018) 993-1022.
       doi:10.1016/j.apenergy.2018.02.089
    .. [2] N. Liu et al., "Energy-sharing model with price-based demand response for
       microgrids of peer-to-peer prosumers", IEEE Trans. Power Systems 32(5) (2017)
       3569-3583. doi:10.1109/TPWRS.2017.2649558
    .. [3] INESC TEC (Enershare), review of local-energy-market pricing mechanisms,
       Energies 16 (2023); SDRC is its Eq. (22).

    Examples
    --------
    Two members, one step: member 0 imports 2 kWh, member 1 exports 1 kWh; buy 10,
    sell 4 (so the MMR mid price is 7):

    >>> import numpy as np
    >>> load = np.array([[2.0, 0.0]]); pv = np.array([[0.0, 1.0]])
    >>> conv = settle(load, pv, "conventional", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> conv.bills.tolist()
    [20.0, -4.0]
    >>> mmr = settle(load, pv, "mmr", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> mmr.bills.tolist(), mmr.price_import.tolist()
    ([17.0, -7.0], [8.5])
    """
    mechanism = _validate.choice(mechanism, "mechanism", MECHANISMS)
    if mechanism in ("mmr", "bill_sharing"):
        variant = "zhou2018" if variant is None else _validate.choice(variant, "variant",
                                                                      VARIANTS)
    elif variant is not None:
        _validate.choice(variant, "variant", VARIANTS)
        raise ValueError(f"variant: {mechanism!r} has no variants, got {variant!r}")
    if tariff_axis is not None:
        _validate.choice(tariff_axis, "tariff_axis", ("members", "steps"))
    timestep_h = _validate.positive(timestep_h, "timestep_h", unit="h")
    chunk_steps = _validate.integer(chunk_steps, "chunk_steps", minimum=1)

    load, index, columns = _validate.matrix_layout(load_kwh, "load_kwh", unit="kWh")
    frame, frame_name = (load_kwh, "load_kwh") if index is not None else (None, "")
    if frame is not None and isinstance(pv_kwh, pd.DataFrame):
        pv_kwh = _align_frame(load_kwh, pv_kwh)
    pv, pv_index, pv_columns = _validate.matrix_layout(pv_kwh, "pv_kwh", unit="kWh")
    if pv.shape != load.shape:
        raise ValueError(f"pv_kwh: shape {pv.shape} differs from load_kwh's {load.shape}")
    n_steps, n_members = load.shape
    if frame is None and pv_index is not None:
        frame, frame_name, index, columns = pv_kwh, "pv_kwh", pv_index, pv_columns

    buy = _parse_tariff("price_buy_per_kwh", price_buy_per_kwh, load.shape, frame, frame_name,
                        tariff_axis)
    sell = _parse_tariff("price_sell_per_kwh", price_sell_per_kwh, load.shape, frame,
                         frame_name, tariff_axis)
    buy_ref, sell_ref = _reference_prices(buy, sell)
    if mechanism != "conventional":
        what = f"mechanism {mechanism!r} (settled at the community's reference tariffs)"
        _check_nonnegative_sell(sell.minimum(), what)
        # min over (t, i) of buy - sell separates into a member part and a step part
        gap = np.min(buy.per_member - sell.per_member) + np.min(buy.per_step - sell.per_step)
        if gap < 0:
            raise ValueError(
                "price_sell_per_kwh: a sell tariff is above the buy tariff of "
                f"price_buy_per_kwh; mechanism {mechanism!r} assumes sell <= buy for every "
                "member and step"
            )
        _check_references(buy_ref, sell_ref, what)
    allowed = _p2p_mask(p2p_allowed, n_steps, frame, frame_name)
    lam = np.zeros(n_steps)
    if mechanism == "sdrc":
        if compensation_per_kwh is None:
            raise ValueError("compensation_per_kwh: required for mechanism 'sdrc'")
        lam = _per_step(compensation_per_kwh, "compensation_per_kwh", n_steps, frame,
                        frame_name or "load_kwh")
        _check_compensation(lam, buy_ref - sell_ref, "buy_ref - sell_ref")
        lam = np.broadcast_to(lam, buy_ref.shape).copy()
    elif compensation_per_kwh is not None:
        raise ValueError(f"compensation_per_kwh: only used by 'sdrc', not {mechanism!r}")

    culprits = "load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh"
    totals = np.empty((n_steps, 6))
    cost = np.empty((n_steps, n_members))
    bills = np.zeros(n_members)
    with _kernel_threads(cost.size):
        # pass 1: community totals per step (and input validation)
        for start in range(0, n_steps, chunk_steps):
            stop = min(start + chunk_steps, n_steps)
            load_blk, pv_blk = _block(load, start, stop), _block(pv, start, stop)
            totals[start:stop], valid = _step_totals_kernel(load_blk, pv_blk, buy.per_member,
                                                            sell.per_member)
            if not valid.all():  # the whole-array checks say where (error path only)
                _validate.matrix(load, "load_kwh", unit="kWh", nonneg=True)
                _validate.matrix(pv, "pv_kwh", unit="kWh", nonneg=True)
        _validate.finite_result(totals, "community totals per step", culprits)
        # per-step prices and cost weights (an overflowing mean shows in them, refused)
        with np.errstate(over="ignore"):
            member_means = buy.per_member.mean(), sell.per_member.mean()
        terms = _step_terms_kernel(
            _CODES[(mechanism, variant)], totals, allowed, buy_ref, sell_ref, buy.per_step,
            sell.per_step, *member_means, lam,
            SEED002_TOTAL_TOL_KW * timestep_h, SEED002_BALANCE_TOL_KW * timestep_h)
        _validate.finite_result(terms, "prices and grid costs per step", culprits)
        # pass 2: member costs, and their sums over time
        n_blocks = 4 * numba.get_num_threads()
        for start in range(0, n_steps, chunk_steps):
            stop = min(start + chunk_steps, n_steps)
            partial = _member_cost_kernel(
                _block(load, start, stop), _block(pv, start, stop), terms[0, start:stop],
                terms[1, start:stop], buy.per_member, terms[2, start:stop],
                terms[3, start:stop], sell.per_member, n_blocks, cost[start:stop])
            with np.errstate(over="ignore", invalid="ignore"):  # refused just below
                bills += partial.sum(axis=0)
    # a non-finite cost makes its member's bill non-finite: checking the bills suffices
    _validate.finite_result(bills, "bills", culprits)

    return SettlementResult(
        mechanism=mechanism, variant=variant, cost=cost, bills=bills, price_import=terms[4],
        price_export=terms[5], grid_cost=terms[6], load=load, pv=pv,
        share_import=terms[7], share_export=terms[8], chunk_steps=chunk_steps,
        index=index, columns=columns,
    )

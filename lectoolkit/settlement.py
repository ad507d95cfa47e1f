"""Settlement of an energy community over a time series: who pays what at every step.

Every mechanism starts from the same per-member split of each step (SPEC §0): the
member consumes its own PV first, ``m = min(load, pv)``, and is left with a residual
import ``import = load - m`` and a residual export ``export = pv - m`` [kWh]. Mechanisms
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

:func:`settle` is a chain of named steps: read the energies, read the tariffs
(broadcast like numpy arrays), sum the community's totals per step, price each step by
the mechanism's rule (the rules of :mod:`lectoolkit.pricing`), and charge the members.
The totals and the member costs are numba kernels that run over blocks of time steps;
nothing of size ``n_steps x n_members`` is allocated except the ``cost`` output (see
:func:`settle` for the memory bound).

Inputs are checked by :mod:`lectoolkit._validate` (TypeError for the wrong kind of
object, ValueError naming the argument for a wrong value); pandas inputs are paired by
label, and results that would leave float64's range are refused, not returned as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.pricing import (
    PRICE_UNIT,
    _bill_sharing,
    _check_compensation,
    _check_nonnegative_sell,
    _dynamic_p2p,
    _mid_price,
    _mmr_export,
    _mmr_import,
    _per_step,
    _sdr_import,
    _sdrc_price,
    _supply_demand_ratio,
)

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

_CHECK_CELLS = 1 << 20
"""Tariff cells compared at once when checking ``sell <= buy`` (bounds the memory)."""


def _block(arr: np.ndarray, start: int, stop: int) -> np.ndarray:
    return np.ascontiguousarray(arr[start:stop], dtype=np.float64)


# ------------------------------------------------------------------ step 1: the energies


@dataclass(frozen=True)
class _Energy:
    """Load and PV per step and member [kWh], and the labels pandas inputs came with."""

    load: np.ndarray
    pv: np.ndarray
    index: pd.Index | None  # time labels when an energy was a DataFrame
    columns: pd.Index | None  # member labels when an energy was a DataFrame
    frame: pd.DataFrame | None  # the DataFrame per-step inputs are paired with
    frame_name: str

    @property
    def shape(self) -> tuple[int, int]:
        return self.load.shape

    @property
    def steps(self) -> pd.Index:
        """Time labels a tariff Series is paired with (positions for arrays)."""
        return self.index if self.index is not None else pd.RangeIndex(self.shape[0])

    @property
    def members(self) -> pd.Index:
        """Member labels a tariff Series is paired with (positions for arrays)."""
        return self.columns if self.columns is not None else pd.RangeIndex(self.shape[1])


def _align_frame(load_kwh: pd.DataFrame, pv_kwh: pd.DataFrame) -> pd.DataFrame:
    """``pv_kwh`` with the rows and columns of ``load_kwh`` (paired by label)."""
    pv_kwh = _validate.align(load_kwh, "load_kwh", pv_kwh, "pv_kwh")
    _validate.align(load_kwh.iloc[0], "load_kwh's columns", pv_kwh.iloc[0], "pv_kwh")
    return pv_kwh if pv_kwh.columns.equals(load_kwh.columns) else pv_kwh[load_kwh.columns]


def _read_energy(load_kwh, pv_kwh) -> _Energy:
    """The two energy arrays, of one shape, DataFrames paired by label.

    Their values (finite, non-negative) are checked on the fly by the totals kernel.
    """
    load, index, columns = _validate.matrix_layout(load_kwh, "load_kwh", unit="kWh")
    frame, frame_name = (load_kwh, "load_kwh") if index is not None else (None, "")
    if frame is not None and isinstance(pv_kwh, pd.DataFrame):
        pv_kwh = _align_frame(load_kwh, pv_kwh)
    pv, pv_index, pv_columns = _validate.matrix_layout(pv_kwh, "pv_kwh", unit="kWh")
    if pv.shape != load.shape:
        raise ValueError(f"pv_kwh: shape {pv.shape} differs from load_kwh's {load.shape}")
    if frame is None and pv_index is not None:
        frame, frame_name, index, columns = pv_kwh, "pv_kwh", pv_index, pv_columns
    return _Energy(load, pv, index, columns, frame, frame_name or "load_kwh")


# ------------------------------------------------------------------ step 2: the tariffs


def _series_tariff(value: pd.Series, name: str, energy: _Energy) -> np.ndarray:
    """A Series paired by label with the members (row) or the time steps (column)."""
    labels = _validate.unique_labels(value.index, name)
    members, steps = energy.members, energy.steps
    on_members = len(labels) == len(members) and labels.isin(members).all()
    on_steps = len(labels) == len(steps) and labels.isin(steps).all()
    if on_members and on_steps:
        raise ValueError(
            f"{name}: its labels match both the members and the time steps of "
            f"{energy.frame_name}; pass .to_numpy() for one tariff per member or "
            ".to_numpy()[:, None] for one per step"
        )
    if not (on_members or on_steps):
        raise ValueError(
            f"{name}: Series labels match neither the member columns nor the time index of "
            f"{energy.frame_name}; pandas inputs are paired by label"
        )
    values = _validate.array(value.reindex(members if on_members else steps), name,
                             unit=PRICE_UNIT)
    return values[None, :] if on_members else values[:, None]


def _frame_tariff(value: pd.DataFrame, name: str, energy: _Energy) -> np.ndarray:
    """A DataFrame carrying the time labels and the member labels of the energies."""
    _validate.unique_labels(value.index, name)
    _validate.unique_labels(value.columns, name, "columns")
    for labels, axis, what in ((energy.steps, value.index, "time steps"),
                               (energy.members, value.columns, "members")):
        if len(axis) != len(labels) or not axis.isin(labels).all():
            raise ValueError(
                f"{name}: a DataFrame tariff needs the {what} of {energy.frame_name} as its "
                f"labels ({len(labels)}), got {len(axis)} labels, "
                f"{len(axis.difference(labels))} of them foreign"
            )
    arr, _, _ = _validate.matrix(value.reindex(index=energy.steps, columns=energy.members),
                                 name, unit=PRICE_UNIT)
    return arr


def _read_tariff(value, name: str, energy: _Energy) -> np.ndarray:
    """A tariff as a 2-D array that broadcasts to (n_steps, n_members), numpy's rules.

    Shape (1 or n_steps, 1 or n_members): a number is (1, 1), a 1-D array (1, n_members)
    (a 1-D array runs along the last axis, the members); a Series or DataFrame is paired
    by label.
    """
    n_steps, n_members = energy.shape
    if isinstance(value, pd.DataFrame):
        return _frame_tariff(value, name, energy)
    if isinstance(value, pd.Series):
        return _series_tariff(value, name, energy)
    arr = _validate.array(value, name, unit=PRICE_UNIT, max_ndim=2)
    arr = arr.reshape((1,) * (2 - arr.ndim) + arr.shape)
    rows, cols = arr.shape
    if rows not in (1, n_steps) or cols not in (1, n_members):
        raise ValueError(
            f"{name}: shape {np.shape(value)} does not broadcast to (n_steps, n_members) = "
            f"{energy.shape} of load_kwh; pass a number, ({n_members},) per member, "
            f"({n_steps}, 1) per step or ({n_steps}, {n_members})"
        )
    return np.ascontiguousarray(arr)


def _mean_positive(values: np.ndarray) -> float:
    """Mean of the positive entries (0 when there is none)."""
    positive = values[values > 0]
    return float(positive.mean()) if positive.size else 0.0


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


def reference_prices(price_buy_per_kwh, price_sell_per_kwh) -> tuple[float, float]:
    """Community reference tariffs: mean buy price, mean of the positive sell prices.

    Parameters
    ----------
    price_buy_per_kwh, price_sell_per_kwh : array_like or pandas.Series, shape (n_members,)
        Members' grid tariffs, finite and non-negative [money/kWh]; at least one sell
        price must be positive (members without PV have sell price 0 and do not count).
        Two Series are paired by label.

    Returns
    -------
    (float, float)
        ``buy_ref`` and ``sell_ref`` [money/kWh], the prices seed 002 uses for its
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


@dataclass(frozen=True)
class _Tariffs:
    """Buy and sell tariffs and their per-step community references.

    The kernels read each tariff [money/kWh] as ``by_member[t or 0, i] + by_step[t]``: a
    C-contiguous ``by_member`` of shape (1 or n_steps, n_members), whose rows are read as
    contiguous vectors, and a per-step part ``by_step``, shape (n_steps,) (one of the two
    is zero). ``buy_ref`` (mean buy tariff) and ``sell_ref`` (mean of the positive sell
    tariffs), and the plain means ``buy_mean`` and ``sell_mean`` (the prices shown at
    steps without volume), have shape (n_steps,).
    """

    buy_by_member: np.ndarray
    buy_by_step: np.ndarray
    sell_by_member: np.ndarray
    sell_by_step: np.ndarray
    buy_ref: np.ndarray
    sell_ref: np.ndarray
    buy_mean: np.ndarray
    sell_mean: np.ndarray

    @staticmethod
    def block(by_member: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of a ``by_member`` part (its one row when it has one)."""
        return by_member[start:stop] if by_member.shape[0] > 1 else by_member


def _split(tariff: np.ndarray, n_steps: int, n_members: int) -> tuple[np.ndarray, np.ndarray]:
    """A (rows, cols) tariff as ``by_member`` (rows, n_members) and ``by_step`` (n_steps,)."""
    if tariff.shape[1] == 1:  # a number or one per step
        return np.zeros((1, n_members)), np.broadcast_to(tariff[:, 0], (n_steps,)).copy()
    return np.ascontiguousarray(tariff), np.zeros(n_steps)


def _per_step_means(tariff: np.ndarray, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over members at every step, and mean of the positive values (0 if none).

    Shape (n_steps,) each; an overflow shows as inf (refused by the callers).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if tariff.shape[0] == 1:
            return (np.full(n_steps, tariff.mean()),
                    np.full(n_steps, _mean_positive(tariff[0])))
        positive = tariff > 0
        counts = positive.sum(axis=1)
        return (tariff.mean(axis=1),
                np.where(positive, tariff, 0.0).sum(axis=1) / np.maximum(counts, 1))


def _first_sell_above_buy(buy: np.ndarray, sell: np.ndarray, n_members: int):
    """``(step, member)`` of the first cell where the sell tariff exceeds the buy tariff.

    Compares the broadcast tariffs block by block (at most ``_CHECK_CELLS`` cells at once).
    """
    rows = max(buy.shape[0], sell.shape[0])
    step = max(1, _CHECK_CELLS // n_members)
    for start in range(0, rows, step):
        stop = min(start + step, rows)
        b, s = (t[start:stop] if t.shape[0] > 1 else t for t in (buy, sell))
        above = np.argwhere(s > b)
        if above.size:
            t, i = above[0]
            return start + int(t), int(i) if max(buy.shape[1], sell.shape[1]) > 1 else None
    return None


def _read_tariffs(price_buy_per_kwh, price_sell_per_kwh, energy: _Energy,
                  mechanism: str) -> _Tariffs:
    """Both tariffs, their per-step references, and the checks a community mechanism needs."""
    n_steps, n_members = energy.shape
    buy = _read_tariff(price_buy_per_kwh, "price_buy_per_kwh", energy)
    sell = _read_tariff(price_sell_per_kwh, "price_sell_per_kwh", energy)
    buy_mean, _ = _per_step_means(buy, n_steps)
    sell_mean, sell_ref = _per_step_means(sell, n_steps)
    tariffs = _Tariffs(*_split(buy, n_steps, n_members),
                       *_split(sell, n_steps, n_members), buy_ref=buy_mean, sell_ref=sell_ref,
                       buy_mean=buy_mean, sell_mean=sell_mean)
    if mechanism != "conventional":
        what = f"mechanism {mechanism!r} (settled at the community's reference tariffs)"
        _check_nonnegative_sell(sell.min(), what)
        above = _first_sell_above_buy(buy, sell, n_members)
        if above is not None:
            t, i = above
            where = f"at step {t}" + (f", member {energy.members[i]!r}" if i is not None else "")
            raise ValueError(
                f"price_sell_per_kwh: a sell tariff is above the buy tariff of "
                f"price_buy_per_kwh ({where}); mechanism {mechanism!r} assumes sell <= buy for "
                "every member and step"
            )
        _check_references(tariffs.buy_ref, tariffs.sell_ref, what)
    return tariffs


def _p2p_mask(p2p_allowed, energy: _Energy) -> np.ndarray:
    """The P2P mask as booleans, one per step (a Series is paired by label with the steps)."""
    n_steps = energy.shape[0]
    if p2p_allowed is None:
        return np.ones(n_steps, dtype=bool)
    if isinstance(p2p_allowed, pd.DataFrame):
        raise TypeError("p2p_allowed: expected a 1-D vector of booleans, got a DataFrame")
    mask, _ = _validate.boolean_vector(
        _validate.align(energy.frame, energy.frame_name, p2p_allowed, "p2p_allowed"),
        "p2p_allowed")
    if mask.size != n_steps:
        raise ValueError(
            f"p2p_allowed: {mask.size} values, expected one per step of load_kwh ({n_steps})"
        )
    return mask


def _compensation(compensation_per_kwh, mechanism: str, energy: _Energy,
                  tariffs: _Tariffs) -> np.ndarray:
    """SDRC's ``lambda`` per step [money/kWh] (zeros for the other mechanisms)."""
    n_steps = energy.shape[0]
    if mechanism != "sdrc":
        if compensation_per_kwh is not None:
            raise ValueError(f"compensation_per_kwh: only used by 'sdrc', not {mechanism!r}")
        return np.zeros(n_steps)
    if compensation_per_kwh is None:
        raise ValueError("compensation_per_kwh: required for mechanism 'sdrc'")
    lam = _per_step(compensation_per_kwh, "compensation_per_kwh", n_steps, energy.frame,
                    energy.frame_name)
    _check_compensation(lam, tariffs.buy_ref - tariffs.sell_ref, "buy_ref - sell_ref")
    return np.broadcast_to(lam, (n_steps,)).copy()


# ------------------------------------------------------------ step 3: community totals


@dataclass(frozen=True)
class _Totals:
    """The community's sums per step, shape (n_steps,).

    Gross load and PV, residual import and export [kWh], and the residuals at the
    members' own tariffs [money].
    """

    load_kwh: np.ndarray
    pv_kwh: np.ndarray
    import_kwh: np.ndarray
    export_kwh: np.ndarray
    import_at_own_tariffs: np.ndarray
    export_at_own_tariffs: np.ndarray

    def values(self) -> tuple[np.ndarray, ...]:
        return (self.load_kwh, self.pv_kwh, self.import_kwh, self.export_kwh,
                self.import_at_own_tariffs, self.export_at_own_tariffs)


@numba.njit(parallel=True, cache=True, fastmath={"reassoc"})
def _totals_kernel(load, pv, buy_by_member, sell_by_member):  # pragma: no cover - compiled
    """Per-step community sums and a per-step validity flag.

    Sums of load, PV, residual import and export, and of the residuals times the
    ``by_member`` part of the tariffs.

    ``reassoc`` lets the sums vectorise (summation order differs from a sequential loop by
    rounding only). Each step reads one row of a tariff as a contiguous vector.
    """
    n_steps, n_members = load.shape
    s_load = np.empty(n_steps)
    s_pv = np.empty(n_steps)
    s_imp = np.empty(n_steps)
    s_exp = np.empty(n_steps)
    s_imp_cost = np.empty(n_steps)
    s_exp_revenue = np.empty(n_steps)
    valid = np.empty(n_steps, dtype=np.bool_)
    buy_rows = 1 if buy_by_member.shape[0] > 1 else 0
    sell_rows = 1 if sell_by_member.shape[0] > 1 else 0
    for t in numba.prange(n_steps):
        buy = buy_by_member[t * buy_rows]
        sell = sell_by_member[t * sell_rows]
        a_load = 0.0
        a_pv = 0.0
        a_imp = 0.0
        a_exp = 0.0
        a_imp_cost = 0.0
        a_exp_revenue = 0.0
        n_bad = 0
        for i in range(n_members):
            load_ti = load[t, i]
            pv_ti = pv[t, i]
            n_bad += not (load_ti >= 0.0 and pv_ti >= 0.0 and load_ti < np.inf
                          and pv_ti < np.inf)
            own = min(load_ti, pv_ti)
            imp = load_ti - own
            exp = pv_ti - own
            a_load += load_ti
            a_pv += pv_ti
            a_imp += imp
            a_exp += exp
            a_imp_cost += imp * buy[i]
            a_exp_revenue += exp * sell[i]
        s_load[t] = a_load
        s_pv[t] = a_pv
        s_imp[t] = a_imp
        s_exp[t] = a_exp
        s_imp_cost[t] = a_imp_cost
        s_exp_revenue[t] = a_exp_revenue
        valid[t] = n_bad == 0
    return s_load, s_pv, s_imp, s_exp, s_imp_cost, s_exp_revenue, valid


def _community_totals(energy: _Energy, tariffs: _Tariffs, chunk_steps: int) -> _Totals:
    """Pass 1 over the energies: the community totals (and the energies' validity)."""
    n_steps = energy.shape[0]
    blocks = []
    for start in range(0, n_steps, chunk_steps):
        stop = min(start + chunk_steps, n_steps)
        *sums, valid = _totals_kernel(
            _block(energy.load, start, stop), _block(energy.pv, start, stop),
            tariffs.block(tariffs.buy_by_member, start, stop),
            tariffs.block(tariffs.sell_by_member, start, stop))
        if not valid.all():  # the whole-array checks say where (error path only)
            _validate.matrix(energy.load, "load_kwh", unit="kWh", nonneg=True)
            _validate.matrix(energy.pv, "pv_kwh", unit="kWh", nonneg=True)
        blocks.append(sums)
    totals = _Totals(*(np.concatenate(parts) if len(blocks) > 1 else parts[0]
                       for parts in zip(*blocks, strict=True)))
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        totals.import_at_own_tariffs[:] += tariffs.buy_by_step * totals.import_kwh
        totals.export_at_own_tariffs[:] += tariffs.sell_by_step * totals.export_kwh
    _validate.finite_result(totals.values(), "community totals per step",
                            "load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh")
    return totals


# ------------------------------------------------------- step 4: prices by mechanism


@dataclass(frozen=True)
class _StepInputs:
    """What a mechanism's per-step rule reads.

    Totals, reference tariffs, P2P mask, SDRC's lambda and seed 002's thresholds in kWh.
    """

    totals: _Totals
    buy_ref: np.ndarray
    sell_ref: np.ndarray
    allowed: np.ndarray
    compensation: np.ndarray
    tol_total_kwh: float
    tol_balance_kwh: float

    @cached_property
    def p2p_shares(self) -> tuple[np.ndarray, np.ndarray]:
        """Shares of each residual import and export matched locally at P2P steps."""
        return _p2p_shares_kernel(self.totals.import_kwh, self.totals.export_kwh, self.allowed)


@numba.njit(cache=True)
def _p2p_shares_kernel(imp_kwh, exp_kwh, allowed):  # pragma: no cover - compiled
    """``min(D, G)/D`` and ``min(D, G)/G`` at P2P steps (0 without volume or P2P)."""
    n_steps = imp_kwh.size
    share_imp = np.zeros(n_steps)
    share_exp = np.zeros(n_steps)
    for t in range(n_steps):
        if allowed[t]:
            traded = min(imp_kwh[t], exp_kwh[t])
            if imp_kwh[t] > 0.0:
                share_imp[t] = traded / imp_kwh[t]
            if exp_kwh[t] > 0.0:
                share_exp[t] = traded / exp_kwh[t]
    return share_imp, share_exp


@dataclass(frozen=True)
class _StepPrices:
    """A mechanism's prices per step, shape (n_steps,).

    A share ``import_weight`` of each member's residual import is charged the local
    ``import_price``, the rest its own buy tariff (likewise for exports); the P2P shares
    split the residuals into traded and grid energy; ``grid_at_reference`` marks the steps
    whose grid exchange the community settles at the reference tariffs.
    """

    import_price: np.ndarray
    export_price: np.ndarray
    import_weight: np.ndarray
    export_weight: np.ndarray
    p2p_import_share: np.ndarray
    p2p_export_share: np.ndarray
    grid_at_reference: np.ndarray


def _conventional_prices(s: _StepInputs) -> _StepPrices:
    """Own tariffs for everything, no local trade."""
    zero = np.zeros(s.allowed.size)
    return _StepPrices(zero, zero, zero, zero, zero, zero, np.zeros(s.allowed.size, dtype=bool))


def _whole_residuals(s: _StepInputs, p_imp, p_exp, *, everywhere: bool = False) -> _StepPrices:
    """Every residual at the community prices, the grid exchange at the references.

    At P2P steps only, or at every step when ``everywhere``.
    """
    on = np.ones(s.allowed.size, dtype=bool) if everywhere else s.allowed
    weight = on.astype(float)
    share_imp, share_exp = s.p2p_shares
    return _StepPrices(np.where(on, p_imp, 0.0), np.where(on, p_exp, 0.0), weight, weight,
                       share_imp, share_exp, on)


def _traded_part(s: _StepInputs, price) -> _StepPrices:
    """The traded share of each residual at ``price``, the rest at own tariffs."""
    share_imp, share_exp = s.p2p_shares
    price = np.where(s.allowed, price, 0.0)
    return _StepPrices(price, price, share_imp, share_exp, share_imp, share_exp,
                       np.zeros(s.allowed.size, dtype=bool))


def _mmr_zhou2018_prices(s: _StepInputs) -> _StepPrices:
    """Zhou's MMR on the residual totals, mid price halfway between the references."""
    t = s.totals
    mid = _mid_price(s.buy_ref, s.sell_ref, 0.5)
    return _whole_residuals(s, _mmr_import(t.import_kwh, t.export_kwh, s.buy_ref, mid, 0.0),
                            _mmr_export(t.import_kwh, t.export_kwh, s.sell_ref, mid, 0.0))


def _dynamic_price(s: _StepInputs) -> np.ndarray:
    t = s.totals
    return _dynamic_p2p(t.load_kwh, t.pv_kwh, s.buy_ref, s.sell_ref, s.tol_total_kwh)


def _mmr_seed002_prices(s: _StepInputs) -> _StepPrices:
    """Seed 002's MMR on gross totals around the dynamic price; references when P2P is off."""
    t = s.totals
    mid = _dynamic_price(s)
    p_imp = np.where(s.allowed, _mmr_import(t.load_kwh, t.pv_kwh, s.buy_ref, mid,
                                            s.tol_balance_kwh), s.buy_ref)
    p_exp = np.where(s.allowed, _mmr_export(t.load_kwh, t.pv_kwh, s.sell_ref, mid,
                                            s.tol_balance_kwh), s.sell_ref)
    return _whole_residuals(s, p_imp, p_exp, everywhere=True)


def _bill_sharing_zhou2018_prices(s: _StepInputs) -> _StepPrices:
    """Zhou's bill sharing: the uniform prices of :func:`bill_sharing_prices`."""
    t = s.totals
    p_buy, p_sell = _bill_sharing(t.import_kwh, t.export_kwh, s.buy_ref, s.sell_ref, s.allowed)
    return _whole_residuals(s, np.full(s.allowed.size, p_buy), np.full(s.allowed.size, p_sell))


def _bill_sharing_seed002_prices(s: _StepInputs) -> _StepPrices:
    """Seed 002's bill sharing: the traded share at the dynamic price."""
    return _traded_part(s, _dynamic_price(s))


def _sdr_prices(s: _StepInputs) -> _StepPrices:
    """Liu's SDR prices on the residual totals."""
    sdr = _supply_demand_ratio(s.totals.import_kwh, s.totals.export_kwh)
    return _whole_residuals(s, _sdr_import(s.buy_ref, s.sell_ref, sdr),
                            _sdrc_price(s.buy_ref, s.sell_ref, sdr, 0.0))


def _sdrc_prices(s: _StepInputs) -> _StepPrices:
    """The traded share at the SDRC price."""
    sdr = _supply_demand_ratio(s.totals.import_kwh, s.totals.export_kwh)
    return _traded_part(s, _sdrc_price(s.buy_ref, s.sell_ref, sdr, s.compensation))


_STEP_PRICES = {
    ("conventional", None): _conventional_prices,
    ("mmr", "zhou2018"): _mmr_zhou2018_prices,
    ("mmr", "seed002"): _mmr_seed002_prices,
    ("bill_sharing", "zhou2018"): _bill_sharing_zhou2018_prices,
    ("bill_sharing", "seed002"): _bill_sharing_seed002_prices,
    ("sdr", None): _sdr_prices,
    ("sdrc", None): _sdrc_prices,
}
"""(mechanism, variant) -> the rule pricing its steps."""


# ------------------------------------------------------------- step 5: member costs


@numba.njit(parallel=True, cache=True)
def _member_cost_kernel(load, pv, buy_by_member, buy_by_step, sell_by_member, sell_by_step,
                        w_imp, p_imp, w_exp, p_exp, n_blocks, out):  # pragma: no cover
    """``out[t, i] = imp (w_imp p_imp + (1 - w_imp) buy[t, i]) - exp (w_exp p_exp + ...)``.

    A share ``w`` of each residual at the step's local price ``p``, the rest at the own
    tariff ``by_member[t or 0, i] + by_step[t]`` (computed per step as
    ``w p + (1 - w) by_step`` plus ``(1 - w) by_member``). Steps are split into
    ``n_blocks`` contiguous blocks run in parallel; returns each block's per-member cost
    sums, shape (n_blocks, n_members), so the bills need no second pass over ``out``.
    """
    n_steps, n_members = load.shape
    partial = np.zeros((n_blocks, n_members))
    block = (n_steps + n_blocks - 1) // n_blocks
    buy_rows = 1 if buy_by_member.shape[0] > 1 else 0
    sell_rows = 1 if sell_by_member.shape[0] > 1 else 0
    for b in numba.prange(n_blocks):
        acc = partial[b]
        for t in range(b * block, min((b + 1) * block, n_steps)):
            buy = buy_by_member[t * buy_rows]
            sell = sell_by_member[t * sell_rows]
            a1 = 1.0 - w_imp[t]
            a0 = w_imp[t] * p_imp[t] + a1 * buy_by_step[t]
            b1 = 1.0 - w_exp[t]
            b0 = w_exp[t] * p_exp[t] + b1 * sell_by_step[t]
            for i in range(n_members):
                own = min(load[t, i], pv[t, i])
                c = ((load[t, i] - own) * (a0 + a1 * buy[i])
                     - (pv[t, i] - own) * (b0 + b1 * sell[i]))
                out[t, i] = c
                acc[i] += c
    return partial


def _member_costs(energy: _Energy, tariffs: _Tariffs, prices: _StepPrices,
                  chunk_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Pass 2 over the energies: each member's cost per step, and its sum (the bill)."""
    n_steps, n_members = energy.shape
    p = prices
    cost = np.empty((n_steps, n_members))
    bills = np.zeros(n_members)
    n_blocks = 4 * numba.get_num_threads()
    for start in range(0, n_steps, chunk_steps):
        stop = min(start + chunk_steps, n_steps)
        partial = _member_cost_kernel(
            _block(energy.load, start, stop), _block(energy.pv, start, stop),
            tariffs.block(tariffs.buy_by_member, start, stop), tariffs.buy_by_step[start:stop],
            tariffs.block(tariffs.sell_by_member, start, stop), tariffs.sell_by_step[start:stop],
            p.import_weight[start:stop], p.import_price[start:stop],
            p.export_weight[start:stop], p.export_price[start:stop], n_blocks, cost[start:stop])
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below
            bills += partial.sum(axis=0)
    # a non-finite cost makes its member's bill non-finite: checking the bills suffices
    _validate.finite_result(bills, "bills",
                            "load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh")
    return cost, bills


@numba.njit(cache=True)
def _report_kernel(imp_kwh, exp_kwh, imp_at_own, exp_at_own, buy_mean, sell_mean, buy_ref,
                   sell_ref, w_imp, p_imp, w_exp, p_exp, share_imp, share_exp,
                   at_reference):  # pragma: no cover - compiled
    """Average import and export price and the community's grid payment at each step.

    Own tariffs enter as the volume-weighted average ``imp_at_own / imp_kwh`` (the plain
    mean where there is no volume); the grid exchange is paid at the references where
    ``at_reference``, else at the members' own tariffs.
    """
    n_steps = imp_kwh.size
    price_import = np.empty(n_steps)
    price_export = np.empty(n_steps)
    grid_cost = np.empty(n_steps)
    for t in range(n_steps):
        own_buy = imp_at_own[t] / imp_kwh[t] if imp_kwh[t] > 0.0 else buy_mean[t]
        own_sell = exp_at_own[t] / exp_kwh[t] if exp_kwh[t] > 0.0 else sell_mean[t]
        price_import[t] = w_imp[t] * p_imp[t] + (1.0 - w_imp[t]) * own_buy
        price_export[t] = w_exp[t] * p_exp[t] + (1.0 - w_exp[t]) * own_sell
        if at_reference[t]:
            grid_cost[t] = (imp_kwh[t] * (1.0 - share_imp[t]) * buy_ref[t]
                            - exp_kwh[t] * (1.0 - share_exp[t]) * sell_ref[t])
        else:
            grid_cost[t] = ((1.0 - share_imp[t]) * imp_at_own[t]
                            - (1.0 - share_exp[t]) * exp_at_own[t])
    return price_import, price_export, grid_cost


def _average_prices_and_grid_cost(totals: _Totals, tariffs: _Tariffs, prices: _StepPrices):
    """Average import and export prices and the community's grid payment per step.

    Prices [money/kWh] and payment [money], shape (n_steps,) each.
    """
    t, p = totals, prices
    reported = _report_kernel(
        t.import_kwh, t.export_kwh, t.import_at_own_tariffs, t.export_at_own_tariffs,
        tariffs.buy_mean, tariffs.sell_mean, tariffs.buy_ref, tariffs.sell_ref,
        p.import_weight, p.import_price, p.export_weight, p.export_price, p.p2p_import_share,
        p.p2p_export_share, p.grid_at_reference)
    _validate.finite_result(reported, "prices and grid costs per step",
                            "load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh")
    return reported


# --------------------------------------------------------------------------- result


@numba.njit(parallel=True, cache=True)
def _self_consumed_kernel(load, pv, out):  # pragma: no cover - compiled
    """``out = min(load, pv)``."""
    n_steps, n_members = load.shape
    for t in numba.prange(n_steps):
        for i in range(n_members):
            out[t, i] = min(load[t, i], pv[t, i])


@numba.njit(parallel=True, cache=True)
def _residual_split_kernel(side, other, share, traded, out):  # pragma: no cover - compiled
    """The traded or the grid part of each residual.

    ``residual = side - min(side, other)``; traded part ``share x residual``, grid part
    (when not ``traded``) ``residual - share x residual``.
    """
    n_steps, n_members = side.shape
    for t in numba.prange(n_steps):
        s = share[t]
        for i in range(n_members):
            residual = side[t, i] - min(side[t, i], other[t, i])
            out[t, i] = s * residual if traded else residual - s * residual


# flow name -> (side: None for self-consumption, "import" or "export"; traded?; docstring)
_FLOWS = {
    "self_consumed_kwh": (None, False, "Own PV consumed on site, ``min(load, pv)`` [kWh]."),
    "p2p_import_kwh": ("import", True, "Residual import bought from other members [kWh]."),
    "grid_import_kwh": ("import", False, "Residual import bought from the grid [kWh]."),
    "p2p_export_kwh": ("export", True, "Residual export sold to other members [kWh]."),
    "grid_export_kwh": ("export", False, "Residual export sold to the grid [kWh]."),
}


def _flow_property(name: str) -> property:
    """Read-only attribute that computes the flow ``name`` on each access."""
    return property(lambda self: self._flow(name), doc=_FLOWS[name][2])


@dataclass(frozen=True)
class _Settled:
    """What :func:`settle` computed, handed to :class:`SettlementResult`."""

    mechanism: str
    variant: str | None
    cost: np.ndarray
    bills: np.ndarray
    price_import: np.ndarray
    price_export: np.ndarray
    grid_cost: np.ndarray
    energy: _Energy
    prices: _StepPrices
    chunk_steps: int


@dataclass(frozen=True, eq=False, repr=False)
class SettlementResult:
    """Outcome of :func:`settle` (which builds it), a frozen dataclass.

    Its pandas views are built on first access (and then kept): settling stays as fast
    as the kernels, and a result that is only summed never builds a DataFrame.

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

    _settled: _Settled

    @property
    def mechanism(self) -> str:
        """The mechanism settled."""
        return self._settled.mechanism

    @property
    def variant(self) -> str | None:
        """Its variant, ``None`` when not applicable."""
        return self._settled.variant

    @property
    def _cost(self) -> np.ndarray:
        return self._settled.cost

    @property
    def _index(self):
        return self._settled.energy.index

    @property
    def _columns(self):
        return self._settled.energy.columns

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
        return pd.Series(self._settled.bills, index=members, name="bill")

    @cached_property
    def price_import(self) -> pd.Series:
        """Average price paid per kWh of residual import at each step [money/kWh]."""
        return pd.Series(self._settled.price_import, index=self._step_index,
                         name="price_import")

    @cached_property
    def price_export(self) -> pd.Series:
        """Average price received per kWh of residual export at each step [money/kWh]."""
        return pd.Series(self._settled.price_export, index=self._step_index,
                         name="price_export")

    @cached_property
    def grid_cost(self) -> pd.Series:
        """The community's payment to the grid at each step [money]."""
        return pd.Series(self._settled.grid_cost, index=self._step_index, name="grid_cost")

    def _flow(self, name: str):
        side, traded, _ = _FLOWS[name]
        load, pv = self._settled.energy.load, self._settled.energy.pv
        share_import = self._settled.prices.p2p_import_share
        share_export = self._settled.prices.p2p_export_share
        chunk = self._settled.chunk_steps
        out = np.empty(load.shape)
        with _limits.kernel_threads(load.size, _limits.PARALLEL_MIN_VALUES):
            for start in range(0, load.shape[0], chunk):
                stop = min(start + chunk, load.shape[0])
                load_blk, pv_blk = _block(load, start, stop), _block(pv, start, stop)
                if side is None:
                    _self_consumed_kernel(load_blk, pv_blk, out[start:stop])
                elif side == "import":
                    _residual_split_kernel(load_blk, pv_blk, share_import[start:stop],
                                           traded, out[start:stop])
                else:
                    _residual_split_kernel(pv_blk, load_blk, share_export[start:stop],
                                           traded, out[start:stop])
        if self._index is None:
            return out
        return pd.DataFrame(out, index=self._index, columns=self._columns, copy=False)

    self_consumed_kwh = _flow_property("self_consumed_kwh")
    p2p_import_kwh = _flow_property("p2p_import_kwh")
    p2p_export_kwh = _flow_property("p2p_export_kwh")
    grid_import_kwh = _flow_property("grid_import_kwh")
    grid_export_kwh = _flow_property("grid_export_kwh")


# --------------------------------------------------------------------------- settle


def _options(mechanism, variant, timestep_h, chunk_steps):
    """The checked mechanism, variant (default for MMR and bill sharing), step and block."""
    mechanism = _validate.choice(mechanism, "mechanism", MECHANISMS)
    if mechanism in ("mmr", "bill_sharing"):
        variant = "zhou2018" if variant is None else _validate.choice(variant, "variant",
                                                                      VARIANTS)
    elif variant is not None:
        _validate.choice(variant, "variant", VARIANTS)
        raise ValueError(f"variant: {mechanism!r} has no variants, got {variant!r}")
    timestep_h = _validate.positive(timestep_h, "timestep_h", unit="h")
    chunk_steps = _validate.integer(chunk_steps, "chunk_steps", minimum=1)
    return mechanism, variant, timestep_h, chunk_steps


def settle(load_kwh, pv_kwh, mechanism: str, *, price_buy_per_kwh, price_sell_per_kwh,
           p2p_allowed=None, variant: str | None = None, timestep_h: float = 0.25,
           compensation_per_kwh=None,
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
    price_buy_per_kwh, price_sell_per_kwh : float, array_like, pandas.Series or DataFrame
        Grid tariffs, finite [money/kWh], broadcast to (n_steps, n_members) like numpy
        arrays: a scalar, one per member ``(n_members,)`` (a 1-D array always runs along
        the members, numpy's rule, even when ``n_steps == n_members``), one per step
        ``(n_steps, 1)``, or one per step and member ``(n_steps, n_members)``. A Series is
        paired by label with the members or with the time steps of the energies (with
        positions 0, 1, ... when they are arrays), whichever its labels are; labels that
        match both are refused as ambiguous. A DataFrame carries the energies' time and
        member labels. ``"conventional"`` settles any sign (with a negative sell tariff
        an exporter pays). The community mechanisms use the reference tariffs
        ``buy_ref`` (mean buy tariff of the members) and ``sell_ref`` (mean of the
        positive sell tariffs; 0 if none) at each step and need ``0 <= sell <= buy`` for
        every member and step and ``sell_ref <= buy_ref`` (:func:`reference_prices`).
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
        str, bool or object dtype (energies, tariffs), a Series for an energy, a
        non-boolean ``p2p_allowed``, a non-str option.
    ValueError
        Naming the argument: unknown mechanism or variant; non-2-D, mismatched or empty
        energy arrays; NaN, infinite or negative energies; tariffs that do not broadcast
        to (n_steps, n_members), NaN or infinite; duplicated or unmatched pandas labels, a
        tariff Series whose labels match both axes; for the community mechanisms a
        negative sell tariff, a sell tariff above the buy tariff or
        ``sell_ref > buy_ref``; a mask of the wrong length or with missing values; a
        non-positive ``timestep_h``; a missing, superfluous or out-of-range
        ``compensation_per_kwh``. :class:`lectoolkit.ResultRangeError` (a ValueError)
        when totals, prices or bills overflow float64.

    Notes
    -----
    With ``m = min(L, PV)``, ``imp = L - m``, ``exp = PV - m`` per member and step, every
    mechanism charges ``cost = imp p_imp - exp p_exp`` where the prices are (SPEC §2):
    own tariffs (conventional); the uniform MMR prices of
    :func:`lectoolkit.pricing.mid_market_rate` on the residual totals ``D = sum imp`` and
    ``G = sum exp`` (Zhou), or on the gross totals with the
    :func:`lectoolkit.pricing.dynamic_p2p_price` as the mid price (seed 002); the SDR
    prices of :func:`lectoolkit.pricing.supply_demand_ratio`; for SDRC and the seed bill
    sharing, a P2P share ``min(D, G)/D`` of each import (``min(D, G)/G`` of each export) at
    the SDRC or dynamic price and the rest at own tariffs; for Zhou's bill sharing, the
    uniform prices of :func:`lectoolkit.pricing.bill_sharing_prices` over the P2P steps,
    so members pay exactly the community's net grid bill. The seed-002 MMR on gross
    totals is not budget-balanced.

    The steps: read the energies and the tariffs; pass 1 sums each step's community
    totals (and checks the energies are finite and non-negative on the fly, so no
    separate pass over the inputs is made); the mechanism's rule prices each step from
    the totals; pass 2 writes the member costs and sums the bills. Both passes are numba
    kernels run in parallel over steps (on one thread below
    ``lectoolkit._limits.PARALLEL_MIN_VALUES`` values), block by block of ``chunk_steps``
    steps.

    Memory bound: besides the inputs, one float64 array of shape (n_steps, n_members) for
    ``cost``, about 25 float64 values per step (totals and per-step prices), and, for
    C-contiguity, two float64 copies of one block, ``2 x chunk_steps x n_members x 8``
    bytes. Tariffs are read through broadcast views, never expanded. Inputs that are not
    float64 (integer arrays, DataFrames whose columns are not one float64 block) are
    converted once, and a DataFrame ``pv_kwh`` labelled in another order than ``load_kwh``
    is reordered once. Energy flows are not stored; each access to a flow attribute
    computes it (one more array of the size of ``cost``).

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
    mechanism, variant, timestep_h, chunk_steps = _options(mechanism, variant, timestep_h,
                                                           chunk_steps)
    energy = _read_energy(load_kwh, pv_kwh)
    tariffs = _read_tariffs(price_buy_per_kwh, price_sell_per_kwh, energy, mechanism)
    allowed = _p2p_mask(p2p_allowed, energy)
    compensation = _compensation(compensation_per_kwh, mechanism, energy, tariffs)
    with _limits.kernel_threads(energy.load.size, _limits.PARALLEL_MIN_VALUES):
        totals = _community_totals(energy, tariffs, chunk_steps)
        step_inputs = _StepInputs(totals, tariffs.buy_ref, tariffs.sell_ref, allowed,
                                  compensation, SEED002_TOTAL_TOL_KW * timestep_h,
                                  SEED002_BALANCE_TOL_KW * timestep_h)
        with np.errstate(all="ignore"):  # the compiled rules may evaluate both branches;
            prices = _STEP_PRICES[(mechanism, variant)](step_inputs)  # results checked next
        price_import, price_export, grid_cost = _average_prices_and_grid_cost(totals, tariffs,
                                                                              prices)
        cost, bills = _member_costs(energy, tariffs, prices, chunk_steps)
    return SettlementResult(_Settled(mechanism, variant, cost, bills, price_import,
                                     price_export, grid_cost, energy, prices, chunk_steps))

"""Local-energy-market prices on offers (seed 004, the ``rec_op_lem_prices`` library).

Each member of a renewable energy community offers its net load of a step to the local
market: a *buy* offer when it imports, a *sell* offer when it exports (:func:`build_offers`).
An offers table is a tidy DataFrame, one row per offer:

========================  =====================================================
``step``                  label of the time step (any hashable, any order)
``member``                label of the member (carried along, not used to price)
``side``                  ``"buy"`` or ``"sell"``
``energy_kwh``            offered energy, > 0 [kWh]
``price_per_kwh``         the price the member asks (sell) or bids (buy) [money/kWh]
========================  =====================================================

A price per step follows from the offers under one of three rules (:func:`lem_prices`):
the *crossing value* (the pool clearing price of the merit-order curves), the *mid-market
rate* (MMR) and the *supply-demand ratio* (SDR, compensated: SDRC). MMR and SDR exist in a
*complete* form (all offers) and a *pruned* one (only the offers a pool clearing accepts,
:func:`accepted_offers`). The rules are SPEC §3. The original walks offers of equal price in
its input order (its meters' order); here they are ordered by member (the column order of
the energies for :func:`build_offers`' categorical members, else sorted labels), then by
energy, so the result is the original's on its own offers and never depends on row order.

Every step is priced in one pass: the offers are put in merit order once (kept as they are
when they already are, as :func:`build_offers` returns them; else one ``np.lexsort``), then
a numba kernel walks the two curves of every step in parallel. The caller's offers are
never modified.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.pricing import _mid_price, _sdrc_price

RULES = ("crossing_value", "mmr", "sdr")
"""Pricing rules of :func:`lem_prices`."""

SIDES = ("buy", "sell")
"""Values of the ``side`` column (codes 0 and 1 in the kernels)."""

_SIDE_INDEX = pd.Index(SIDES)

OFFER_COLUMNS = ("step", "member", "side", "energy_kwh", "price_per_kwh")
"""Columns of an offers table."""

DEFAULT_DIVIDER = 0.5
"""MMR divider: the price sits half-way between the highest sell and the lowest buy."""


def _kernel(function):
    """Compile ``function`` twice: parallel over its ``prange`` loop, and serial.

    The returned callable takes the input size first: unless
    :func:`lectoolkit._limits.run_parallel` says the size is worth the pool
    (``_limits.PARALLEL_MIN_OFFERS``) it runs the serial build, which saves the cost of
    waking the thread pool. The serial build gets its own name so that numba caches the
    two apart.
    """
    serial = types.FunctionType(function.__code__, function.__globals__,
                                function.__name__ + "_serial", function.__defaults__,
                                function.__closure__)
    serial.__qualname__ = function.__qualname__ + "_serial"
    parallel_build = numba.njit(cache=True, parallel=True)(function)
    serial_build = numba.njit(cache=True)(serial)

    def call(n_values: int, *args):
        parallel = _limits.run_parallel(n_values, _limits.PARALLEL_MIN_OFFERS)
        return (parallel_build if parallel else serial_build)(*args)

    call.__doc__ = function.__doc__
    return call


# --------------------------------------------------------------------------- offers


def _tariff(value, name: str, n_steps: int, n_members: int, index, columns) -> np.ndarray:
    """A tariff as a 2-D float64 array broadcastable to ``(n_steps, n_members)``.

    A scalar, one value per member ``(n_members,)``, one per step ``(n_steps,)`` or one per
    step and member ``(n_steps, n_members)``. Labelled tariffs (Series, DataFrame) are
    paired by label with the energies' members or steps; a plain 1-D array is matched by
    its length (ambiguous when ``n_steps == n_members``: pass a Series then).
    """
    if np.ndim(value) == 0 and not isinstance(value, (pd.Series, pd.DataFrame)):
        return np.full((1, 1), _validate.number(value, name, unit="money/kWh"))
    if isinstance(value, pd.DataFrame) or np.ndim(value) == 2:
        if isinstance(value, pd.DataFrame) and index is not None:
            value = _like_load(value, index, columns, name)
        arr, _, _ = _validate.matrix(value, name, unit="money/kWh", shape=(n_steps, n_members))
        return np.ascontiguousarray(arr)
    if isinstance(value, pd.Series) and index is not None:
        labels = _validate.unique_labels(value.index, name)
        if len(labels) == n_members and labels.isin(columns).all():
            arr, _ = _validate.vector(value.reindex(columns), name, unit="money/kWh")
            return arr[None, :]
        if len(labels) == n_steps and labels.isin(index).all():
            arr, _ = _validate.vector(value.reindex(index), name, unit="money/kWh")
            return arr[:, None]
        raise ValueError(
            f"{name}: Series labels match neither the member columns nor the step index of "
            "load_kwh; labelled tariffs are paired by label"
        )
    arr, _ = _validate.vector(value, name, unit="money/kWh")
    if arr.size == n_members and arr.size == n_steps and n_steps > 1:
        raise ValueError(
            f"{name}: length {arr.size} equals both n_steps and n_members; pass a Series "
            "labelled with the members or the steps, or an (n_steps, n_members) array"
        )
    if arr.size == n_members:
        return arr[None, :]
    if arr.size == n_steps:
        return arr[:, None]
    raise ValueError(
        f"{name}: length {arr.size} matches neither n_members = {n_members} nor "
        f"n_steps = {n_steps}"
    )


def _like_load(value: pd.DataFrame, index: pd.Index, columns: pd.Index, name: str
               ) -> pd.DataFrame:
    """A DataFrame argument in the order of ``load_kwh``'s labels (paired by label)."""
    for labels, reference, what in ((value.index, index, "index labels"),
                                    (value.columns, columns, "column labels")):
        _validate.unique_labels(labels, name, what)
        if not labels.equals(reference) and (
                len(labels) != len(reference) or not labels.isin(reference).all()):
            raise ValueError(f"{name}: {what} differ from those of load_kwh; pandas inputs "
                             "are paired by label")
    return value.reindex(index=index, columns=columns)


@numba.njit(cache=True)
def _tariff_at(tariff, t, i):  # pragma: no cover - compiled
    """Element (t, i) of a tariff broadcastable to (n_steps, n_members)."""
    return tariff[min(t, tariff.shape[0] - 1), min(i, tariff.shape[1] - 1)]


@numba.njit(cache=True)
def _fill_side(row, members, key, sign, code, pos, t, step, member, side, energy, price
               ):  # pragma: no cover - compiled
    """Write one side of one step in merit order (``key`` ascending, ties by member)."""
    for k in np.argsort(key, kind="mergesort"):
        i = members[k]
        step[pos] = t
        member[pos] = i
        side[pos] = code
        energy[pos] = abs(row[i])
        price[pos] = sign * key[k]
        pos += 1
    return pos


@_kernel
def _build_offers_kernel(net, buy, mbuy, sell, msell, offsets, step, member, side, energy,
                         price):  # pragma: no cover - compiled
    n_steps, n_members = net.shape
    for step_ in numba.prange(n_steps):
        t = np.int64(step_)
        row = net[t]
        n_buy = 0
        for i in range(n_members):
            if row[i] > 0.0:
                n_buy += 1
        buy_members = np.empty(n_buy, np.int64)
        buy_keys = np.empty(n_buy)  # minus the bid: descending merit order
        sell_members = np.empty(offsets[t + 1] - offsets[t] - n_buy, np.int64)
        sell_keys = np.empty(sell_members.size)
        kb = 0
        ks = 0
        for i in range(n_members):
            if row[i] > 0.0:
                buy_members[kb] = i
                buy_keys[kb] = -min(_tariff_at(buy, t, i), _tariff_at(mbuy, t, i))
                kb += 1
            elif row[i] < 0.0:
                sell_members[ks] = i
                sell_keys[ks] = max(_tariff_at(sell, t, i), _tariff_at(msell, t, i))
                ks += 1
        pos = _fill_side(row, buy_members, buy_keys, -1.0, 0, offsets[t], t, step, member,
                         side, energy, price)
        _fill_side(row, sell_members, sell_keys, 1.0, 1, pos, t, step, member, side, energy,
                   price)


def build_offers(load_kwh, pv_kwh, *, price_buy_per_kwh, price_sell_per_kwh,
                 price_market_buy_per_kwh, price_market_sell_per_kwh) -> pd.DataFrame:
    """Buy and sell offers of every member and step from its net load (SPEC §3).

    A member whose net load ``load - pv`` is positive offers to buy it at
    ``min(price_buy, market_buy)`` (it will not pay more than its supplier or the market
    asks); a negative net load is offered for sale at ``max(price_sell, market_sell)``; a
    zero net load makes no offer.

    Parameters
    ----------
    load_kwh, pv_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Energy consumed and generated by each member per step, finite and >= 0 [kWh].
        DataFrames (step index x member columns) are paired by label and give their labels
        to the ``step`` and ``member`` columns; arrays give positions 0, 1, ...
    price_buy_per_kwh, price_sell_per_kwh : float, array_like, pandas.Series or DataFrame
        Each member's supplier tariffs [money/kWh]: a scalar, one per member
        ``(n_members,)``, one per step ``(n_steps,)`` or one per step and member
        ``(n_steps, n_members)``. Finite; any sign. A 1-D array is matched by its length
        (when ``n_steps == n_members`` pass a Series labelled like ``load_kwh``).
    price_market_buy_per_kwh, price_market_sell_per_kwh : float, array_like, Series or DataFrame
        Market-indexed prices [money/kWh], broadcast as the tariffs (usually per step).

    Returns
    -------
    pandas.DataFrame
        Columns ``step``, ``member``, ``side`` (categorical ``"buy"``/``"sell"``),
        ``energy_kwh`` (> 0) and ``price_per_kwh``; one row per offer, in merit order:
        by step, buys (price descending) before sells (price ascending), equal prices by
        member. ``member`` is categorical: the energies' column labels (or positions), in
        their order.

    Raises
    ------
    TypeError
        An energy or price that is not numeric (str, bool, None, object arrays).
    ValueError
        Naming the argument: energies that are not 2-D, empty, of different shapes or
        labels, NaN, infinite or negative; tariffs of the wrong length, shape or labels,
        or not finite.

    Examples
    --------
    >>> offers = build_offers([[2.0, 0.0]], [[0.0, 1.5]], price_buy_per_kwh=0.20,
    ...                       price_sell_per_kwh=0.05, price_market_buy_per_kwh=0.15,
    ...                       price_market_sell_per_kwh=0.04)
    >>> offers[["member", "side", "energy_kwh", "price_per_kwh"]]
       member  side  energy_kwh  price_per_kwh
    0       0   buy         2.0           0.15
    1       1  sell         1.5           0.05
    """
    load, index, columns = _validate.matrix(load_kwh, "load_kwh", unit="kWh", nonneg=True)
    if index is not None and isinstance(pv_kwh, pd.DataFrame):
        pv_kwh = _like_load(pv_kwh, index, columns, "pv_kwh")
    pv, _, _ = _validate.matrix(pv_kwh, "pv_kwh", unit="kWh", nonneg=True)
    if pv.shape != load.shape:
        raise ValueError(f"pv_kwh: shape {pv.shape} differs from load_kwh's {load.shape}")
    n_steps, n_members = load.shape
    tariffs = [
        _tariff(value, name, n_steps, n_members, index, columns)
        for name, value in (("price_buy_per_kwh", price_buy_per_kwh),
                            ("price_market_buy_per_kwh", price_market_buy_per_kwh),
                            ("price_sell_per_kwh", price_sell_per_kwh),
                            ("price_market_sell_per_kwh", price_market_sell_per_kwh))
    ]
    net = load - pv
    offsets = np.zeros(n_steps + 1, np.int64)
    np.cumsum(np.count_nonzero(net, axis=1), out=offsets[1:])
    n_offers = int(offsets[-1])
    step = np.empty(n_offers, np.int64)
    member = np.empty(n_offers, np.int64)
    side = np.empty(n_offers, np.int8)
    energy = np.empty(n_offers)
    price = np.empty(n_offers)
    _build_offers_kernel(net.size, net, *tariffs, offsets, step, member, side, energy,
                         price)
    del net
    return pd.DataFrame({
        "step": step if index is None else index.take(step),
        "member": pd.Categorical.from_codes(
            member, pd.RangeIndex(n_members) if columns is None else columns),
        "side": pd.Categorical.from_codes(side, SIDES),
        "energy_kwh": energy,
        "price_per_kwh": price,
    }, copy=False)


# --------------------------------------------------------------------------- merit order


@dataclass(frozen=True)
class _Book:
    """Offers in merit order: per step, buys (price descending) then sells (ascending)."""

    steps: pd.Index          # step labels, one per priced step
    starts: np.ndarray       # (n_steps + 1,) first offer of each step
    n_buy: np.ndarray        # (n_steps,) buy offers of each step
    energy: np.ndarray       # (n_offers,) in merit order [kWh]
    price: np.ndarray        # (n_offers,) in merit order [money/kWh]
    order: np.ndarray | None  # merit position -> row of the offers table (None: same)


_SCAN_CHUNK = 1 << 16
"""Rows per task of the scan kernel."""


@_kernel
def _scan_kernel(keys, nat, side, member, energy, price):  # pragma: no cover - compiled
    """One branch-free pass over the rows of an offers table: values and layout.

    ``nat``: the key of a missing label (NaT), or 0 when keys cannot be missing that way.
    Returns ``(counts, starts)``. ``counts``: rows with a missing step label, with a side
    code other than 0/1, with an energy that is not finite and > 0 or a price that is not
    finite; step keys that decrease; rows out of merit order within their step (buys by
    price descending, then sells ascending, equal prices by member key then energy).
    ``starts``: the first row of each run of equal keys, then ``n``.
    """
    n = keys.size
    n_chunks = (n + _SCAN_CHUNK - 1) // _SCAN_CHUNK
    found = np.zeros((n_chunks, 5), np.int64)
    runs = np.zeros(n_chunks + 1, np.int64)
    for c in numba.prange(n_chunks):
        n_key = n_side = n_value = n_down = n_unordered = 0
        n_runs = 1 if c == 0 else 0
        for p in range(max(c * _SCAN_CHUNK, 1), min(n, (c + 1) * _SCAN_CHUNK)):
            key = keys[p]
            prev = keys[p - 1]
            code = side[p]
            n_key += (key != key) | ((nat != 0) & (key == nat))
            n_side += (code != 0) & (code != 1)
            n_value += (not (0.0 < energy[p] < np.inf)) | (not (np.abs(price[p]) < np.inf))
            new = key != prev
            n_runs += new
            n_down += key < prev
            before = side[p - 1]
            rise = price[p] - price[p - 1]
            later = (member[p] < member[p - 1]) | (
                (member[p] == member[p - 1]) & (energy[p] < energy[p - 1]))
            n_unordered += (not new) & ((code < before) | ((code == before) & (
                ((code == 0) & (rise > 0)) | ((code == 1) & (rise < 0))
                | ((rise == 0) & later))))
        found[c, 0] = n_key
        found[c, 1] = n_side
        found[c, 2] = n_value
        found[c, 3] = n_down
        found[c, 4] = n_unordered
        runs[c + 1] = n_runs
    if n:  # row 0, skipped above
        found[0, 0] += (keys[0] != keys[0]) | ((nat != 0) & (keys[0] == nat))
        found[0, 1] += (side[0] != 0) & (side[0] != 1)
        found[0, 2] += (not (0.0 < energy[0] < np.inf)) | (not (np.abs(price[0]) < np.inf))
    offsets = np.cumsum(runs)
    starts = np.empty(offsets[-1] + 1, np.int64)
    starts[-1] = n
    for c in numba.prange(n_chunks):
        k = offsets[c]
        for p in range(c * _SCAN_CHUNK, min(n, (c + 1) * _SCAN_CHUNK)):
            if p == 0 or keys[p] != keys[p - 1]:
                starts[k] = p
                k += 1
    counts = np.zeros(5, np.int64)
    for j in range(5):
        counts[j] = found[:, j].sum()
    return counts, starts


@_kernel
def _count_buys(starts, side):  # pragma: no cover - compiled
    """Buy offers of each step."""
    n_buy = np.zeros(starts.size - 1, np.int64)
    for k in numba.prange(starts.size - 1):
        for p in range(starts[k], starts[k + 1]):
            n_buy[k] += side[p] == 0
    return n_buy


def _side_codes(offers: pd.DataFrame, name: str) -> np.ndarray:
    """The ``side`` column as int8 codes (0 buy, 1 sell; -1 missing, checked later)."""
    label = f"{name}: column 'side'"
    if "side" not in offers.columns:
        raise ValueError(f"{label} is missing; got columns {list(offers.columns)}")
    column = offers["side"]
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.equals(_SIDE_INDEX):
        return column.array.codes  # as build_offers makes it
    if not isinstance(column.dtype, pd.CategoricalDtype) or not set(
            column.cat.categories) <= set(SIDES):
        known = column.isin(SIDES).to_numpy()
        if not known.all():
            bad = column.iloc[int(np.argmin(known))]
            raise ValueError(f"{label}: expected 'buy' or 'sell', got {bad!r}")
        column = column.astype(pd.CategoricalDtype(list(SIDES)))
    codes = column.cat.codes.to_numpy()
    categories = list(column.cat.categories)
    if categories == list(SIDES):
        return codes.astype(np.int8, copy=False)
    lookup = np.array([SIDES.index(c) for c in categories] + [-1], np.int8)
    return lookup[codes]


def _numbers(offers: pd.DataFrame, key: str, name: str, unit: str) -> np.ndarray:
    """A numeric column as float64 (no copy when it is); non-numeric: TypeError."""
    column = offers[key] if key in offers.columns else None
    if column is None or column.dtype.kind not in "iuf":
        _validate.column(offers, key, name, unit=unit)  # raises, naming the column
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _book(offers, name: str = "offers") -> _Book:
    """Validate an offers table and put it in merit order (no copy when it already is).

    One compiled pass checks every value and whether the rows already come in merit
    order (as :func:`build_offers` returns them); only otherwise are they sorted
    (``np.lexsort`` by step, side and price). A failed check is reported by
    :mod:`lectoolkit._validate`, which names the column and the first bad row.
    """
    if not isinstance(offers, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a DataFrame with columns {list(OFFER_COLUMNS)}, got "
            f"{_validate.describe(offers)}"
        )
    side = _side_codes(offers, name)
    if "step" not in offers.columns:
        raise ValueError(f"{name}: column 'step' is missing; got columns "
                         f"{list(offers.columns)}")
    labels = offers["step"].to_numpy()
    member = _member_keys(offers)
    if len(offers):
        energy = _numbers(offers, "energy_kwh", name, "kWh")
        price = _numbers(offers, "price_per_kwh", name, "money/kWh")
    else:
        energy = price = np.empty(0)
    numeric = labels.dtype.kind in "iumMf"
    keys = labels.view(np.int64) if labels.dtype.kind in "mM" else labels
    if not numeric:
        keys = np.zeros(labels.size)
        if pd.isna(labels).any():
            raise ValueError(f"{name}: column 'step': expected step labels, got a missing "
                             f"value at {int(np.argmax(pd.isna(labels)))}")
    nat = np.iinfo(np.int64).min if labels.dtype.kind in "mM" else 0
    counts, starts = _scan_kernel(labels.size, keys, nat, side, member, energy, price)
    if counts[0]:
        raise ValueError(f"{name}: column 'step': expected step labels, got a missing value "
                         f"at {int(np.argmax(pd.isna(labels)))}")
    if counts[1]:
        raise ValueError(f"{name}: column 'side': expected 'buy' or 'sell', got a missing "
                         f"value at {int(np.argmax((side != 0) & (side != 1)))}")
    if counts[2]:
        _validate.column(offers, "energy_kwh", name, unit="kWh", positive=True)
        _validate.column(offers, "price_per_kwh", name, unit="money/kWh")
    order = None
    if not numeric or counts[3] or counts[4]:
        codes = _step_codes(labels)
        key = np.where(side == 0, -price, price)
        order = np.lexsort((energy, member, key, side, codes))
        side, energy, price = side[order], energy[order], price[order]
        new_step = np.diff(codes[order], prepend=-1).astype(bool)
        starts = np.append(np.flatnonzero(new_step), labels.size).astype(np.int64)
    n_buy = _count_buys(labels.size, starts, side)
    first = starts[:-1] if order is None else order[starts[:-1]]
    steps = pd.Index(labels[first], name="step")
    return _Book(steps, starts, n_buy, energy, price, order)


def _step_codes(labels: np.ndarray) -> np.ndarray:
    """Codes 0, 1, ... of the step labels, in sorted order (appearance if unorderable)."""
    try:
        codes, _ = pd.factorize(labels, sort=True)
    except TypeError:
        codes, _ = pd.factorize(labels, sort=False)
    return codes


def _member_keys(offers: pd.DataFrame) -> np.ndarray:
    """Integer keys that order the offers of equal price on one side of a step.

    The member's position in a categorical ``member`` column (as :func:`build_offers` makes
    it: the energies' column order), else its rank among the sorted labels; all 0 without
    a ``member`` column.
    """
    if "member" not in offers.columns:
        return np.zeros(len(offers), np.int8)
    column = offers["member"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array.codes
    return _step_codes(column.to_numpy())


@numba.njit(cache=True)
def _crossing_value(price, energy, b, b_stop, s, s_stop):  # pragma: no cover - compiled
    """SPEC §3 crossing value of one step with both sides non-empty (merit order)."""
    cum_b = energy[b]
    cum_s = energy[s]
    last = price[s]
    while price[s] < price[b]:
        last = price[s]
        if cum_b > cum_s:
            tentative = price[b]
            s += 1
            if s == s_stop:
                return tentative
            cum_s += energy[s]
        else:
            tentative = price[s]
            b += 1
            if b == b_stop:
                return tentative
            cum_b += energy[b]
    return last


@numba.njit(cache=True)
def _accepted_ends(price, energy, b, b_stop, s, s_stop):  # pragma: no cover - compiled
    """SPEC §3 accepted offers of one step with both sides non-empty (merit order).

    Returns the numbers of accepted buy and sell offers (prefixes of the merit orders)
    and their energies.
    """
    b0 = b
    s0 = s
    cum_b = energy[b]
    cum_s = energy[s]
    acc_b, acc_s, acc_b_kwh, acc_s_kwh = b0, s0, 0.0, 0.0
    last = 0  # last accepted: 1 a buy offer, 2 a sell offer, 3 both
    while price[s] <= price[b]:
        take_b = cum_b <= cum_s
        take_s = cum_s <= cum_b
        last = 3 if take_b and take_s else (1 if take_b else 2)
        if take_b:
            acc_b, acc_b_kwh = b + 1, cum_b
            b += 1
        if take_s:
            acc_s, acc_s_kwh = s + 1, cum_s
            s += 1
        if b == b_stop or s == s_stop:
            break
        if take_b:
            cum_b += energy[b]
        if take_s:
            cum_s += energy[s]
    if last == 1:  # the sell offer met by the last accepted buy is partly matched
        acc_s, acc_s_kwh = s + 1, cum_s
    elif last == 2:
        acc_b, acc_b_kwh = b + 1, cum_b
    return acc_b - b0, acc_s - s0, acc_b_kwh, acc_s_kwh


@_kernel
def _walk_kernel(starts, n_buy, energy, price, crossing_all, accept
                 ):  # pragma: no cover - compiled
    """Per step: sums, extreme prices, crossing value and accepted prefixes.

    ``stats`` rows: 0 buy kWh, 1 sell kWh, 2 highest buy, 3 lowest buy, 4 lowest sell,
    5 highest sell, 6 crossing value (NaN where not computed), 7 accepted buy kWh,
    8 accepted sell kWh, 9 lowest accepted buy, 10 highest accepted sell. ``counts``:
    accepted buy and sell offers. The crossing value is computed at every step with both
    sides when ``crossing_all``, else only where the offers cross.
    """
    n_steps = starts.size - 1
    stats = np.full((11, n_steps), np.nan)
    counts = np.zeros((2, n_steps), np.int64)
    for k in numba.prange(n_steps):
        b, s, stop = starts[k], starts[k] + n_buy[k], starts[k + 1]
        buy_kwh = 0.0
        for p in range(b, s):
            buy_kwh += energy[p]
        sell_kwh = 0.0
        for p in range(s, stop):
            sell_kwh += energy[p]
        stats[0, k] = buy_kwh
        stats[1, k] = sell_kwh
        if s > b:
            stats[2, k] = price[b]
            stats[3, k] = price[s - 1]
        if stop > s:
            stats[4, k] = price[s]
            stats[5, k] = price[stop - 1]
        if s == b or stop == s:
            continue
        if crossing_all or price[s - 1] < price[stop - 1]:
            stats[6, k] = _crossing_value(price, energy, b, s, s, stop)
        if accept:
            n_b, n_s, acc_b, acc_s = _accepted_ends(price, energy, b, s, s, stop)
            counts[0, k] = n_b
            counts[1, k] = n_s
            stats[7, k] = acc_b
            stats[8, k] = acc_s
            if n_b:
                stats[9, k] = price[b + n_b - 1]
            if n_s:
                stats[10, k] = price[s + n_s - 1]
    return stats, counts


# --------------------------------------------------------------------------- rules


def mmr_price(min_buy, max_sell, divider=DEFAULT_DIVIDER, divisor=None):
    """Mid-market rate of offers that do not cross (SPEC §3) [money/kWh].

    ``max_sell + divider (min_buy - max_sell)`` (the mid-price rule of
    :mod:`lectoolkit.pricing`, shared with :func:`lectoolkit.settle`), or the older form
    ``(min_buy + max_sell) / divisor`` when ``divisor`` is given (equal at the defaults
    0.5 and 2). Arrays broadcast; the caller checks ``min_buy >= max_sell``.

    Examples
    --------
    >>> float(mmr_price(35.0, 15.0)), round(float(mmr_price(35.0, 15.0, 1 / 3)), 2)
    (25.0, 21.67)
    """
    if divisor is not None:
        return (min_buy + max_sell) / divisor
    return _mid_price(min_buy, max_sell, divider)


def sdr_price(min_buy, max_sell, sdr, compensation_share=0.0):
    """Supply-demand-ratio price of offers that do not cross (SPEC §3) [money/kWh].

    With ``PB = min_buy``, ``PS = max_sell`` and ``lam = compensation_share (PB - PS)``:
    ``PS + lam / sdr`` when ``sdr >= 1``, else ``PB (PS + lam) / ((PB - PS - lam) sdr + PS
    + lam)`` (a weighted harmonic mean of ``PB`` and ``PS + lam``; 0 when ``PS + lam = 0``).
    Arrays broadcast; the caller checks ``PB >= PS`` and ``PS + lam >= 0`` where
    ``sdr < 1``. The rule is the SDRC rule of :mod:`lectoolkit.pricing`, shared with
    :func:`lectoolkit.settle` (``compensation_share = 0``: the SDR export price).

    Examples
    --------
    >>> round(float(sdr_price(35.0, 15.0, 1400 / 1500)), 3)
    15.594
    >>> round(float(sdr_price(35.0, 15.0, 1400 / 1500, compensation_share=0.5)), 3)
    25.485
    """
    min_buy, max_sell, sdr = (np.asarray(x, dtype=np.float64) for x in (min_buy, max_sell, sdr))
    with np.errstate(all="ignore"):  # the callers check the prices
        return _sdrc_price(min_buy, max_sell, sdr, compensation_share * (min_buy - max_sell))


def _rule_prices(stats, rule: str, pruned: bool, divider: float, divisor: float | None,
                 compensation_share: float, steps: pd.Index) -> np.ndarray:
    """Price of every step from the walk's statistics (SPEC §3 empty sides and crossing)."""
    if rule == "crossing_value":
        buy_kwh, sell_kwh = stats[0], stats[1]
        return np.where(sell_kwh == 0, np.where(buy_kwh == 0, 0.0, stats[2]),
                        np.where(buy_kwh == 0, stats[4], stats[6]))
    if pruned:
        buy_kwh, sell_kwh, min_buy, max_sell = stats[7], stats[8], stats[9], stats[10]
        both = buy_kwh > 0  # accepted offers never cross; an empty side empties both
        empty = np.zeros_like(buy_kwh)
    else:
        buy_kwh, sell_kwh, min_buy, max_sell = stats[0], stats[1], stats[3], stats[5]
        both = (buy_kwh > 0) & (sell_kwh > 0)
        empty = np.where(sell_kwh == 0, np.where(buy_kwh == 0, 0.0, stats[2]), stats[4])
        crossed = both & (min_buy < max_sell)
        empty = np.where(crossed, stats[6], empty)
        both &= ~crossed
    with np.errstate(all="ignore"):
        if rule == "mmr":
            price = mmr_price(min_buy, max_sell, divider, divisor)
        else:
            top = np.maximum(buy_kwh, sell_kwh)  # normalised: no overflow, no underflow
            sdr = (sell_kwh / top) / (buy_kwh / top)
            floor = max_sell + compensation_share * (min_buy - max_sell)
            bad = both & (sdr < 1) & (floor < 0)
            if bad.any():
                k = int(np.argmax(bad))
                raise ValueError(
                    f"offers: the SDR price needs highest sell + compensation x spread >= 0 "
                    f"where supply is short; step {steps[k]!r} has {floor[k]:.6g} (highest "
                    f"sell {max_sell[k]:.6g}, lowest buy {min_buy[k]:.6g})"
                )
            price = sdr_price(min_buy, max_sell, sdr, compensation_share)
    price = np.where(both, price, empty)
    _validate.finite_result(price, "the prices", "offers")
    return price


# --------------------------------------------------------------------------- public


def _check_rule_options(rule, pruned, divider, compensation_share, divisor):
    rule = _validate.choice(rule, "rule", RULES)
    pruned = _validate.flag(pruned, "pruned")
    divider = _validate.share(divider, "divider")
    compensation_share = _validate.share(compensation_share, "compensation_share")
    if divisor is not None:
        divisor = _validate.positive(divisor, "divisor")
        if divider != DEFAULT_DIVIDER:
            raise ValueError(
                f"divisor: the older form replaces divider; pass one of them, got divisor "
                f"{divisor} and divider {divider}"
            )
    if rule != "mmr" and (divisor is not None or divider != DEFAULT_DIVIDER):
        arg = "divisor" if divisor is not None else "divider"
        raise ValueError(f"{arg}: applies to rule='mmr' only, got rule={rule!r}")
    if rule != "sdr" and compensation_share != 0.0:
        raise ValueError(
            f"compensation_share: applies to rule='sdr' only (SDRC), got rule={rule!r}")
    return rule, pruned, divider, compensation_share, divisor


def _horizon(steps, priced: pd.Index) -> pd.Index:
    """The ``steps=`` horizon as a unique Index containing every priced step."""
    if isinstance(steps, (str, bytes, dict, set, pd.DataFrame)) or np.ndim(steps) != 1:
        raise TypeError(
            f"steps: expected a 1-D sequence of step labels, got {_validate.describe(steps)}")
    horizon = pd.Index(steps, name="step")
    if len(horizon) == 0:
        raise ValueError("steps: expected at least one step label, got none")
    if horizon.hasnans:
        raise ValueError("steps: expected step labels, got a missing value")
    _validate.unique_labels(horizon, "steps")
    missing = priced.difference(horizon) if len(priced) else priced
    if len(missing):
        raise ValueError(f"steps: offers have steps {missing[:3].tolist()} outside the horizon")
    return horizon


def lem_prices(offers: pd.DataFrame, rule: str, *, pruned: bool = True,
               divider: float = DEFAULT_DIVIDER, compensation_share: float = 0.0,
               divisor: float | None = None, steps=None) -> pd.Series:
    """Local-market price of every step from the members' offers (SPEC §3).

    Parameters
    ----------
    offers : pandas.DataFrame
        One row per offer with columns ``step`` (any labels, any order), ``side``
        (``"buy"``/``"sell"``), ``energy_kwh`` (finite, > 0) [kWh] and ``price_per_kwh``
        (finite) [money/kWh]; other columns (``member``) are ignored. Not modified.
    rule : {"crossing_value", "mmr", "sdr"}
        ``"crossing_value"``: the pool clearing price where the merit-order curves cross.
        ``"mmr"``: mid-market rate between the highest sell and the lowest buy price.
        ``"sdr"``: supply-demand-ratio price (SDRC with ``compensation > 0``).
    pruned : bool, default True
        MMR and SDR: price only the offers a pool clearing accepts
        (:func:`accepted_offers`); False: all offers. The crossing value is the clearing
        of all offers and ignores ``pruned``.
    divider : float in [0, 1], default 0.5
        MMR only: ``price = max_sell + divider (min_buy - max_sell)``.
    compensation_share : float in [0, 1], default 0.0
        SDR only: the SDRC compensation ``c``, ``lam = c (min_buy - max_sell)``.
    divisor : float > 0, optional
        MMR only, the older form ``(min_buy + max_sell) / divisor`` (2 equals the default
        divider); exclusive with ``divider``.
    steps : sequence of step labels, optional
        The horizon: a price for each of these steps, in this order, 0 (every rule's price
        with no offers) where a step has none. Unique, containing every step of
        ``offers``. Default: the steps that have offers, sorted.

    Returns
    -------
    pandas.Series
        Price per step [money/kWh], indexed by ``step``, named ``"price_per_kwh"``.

    Raises
    ------
    TypeError
        ``offers`` not a DataFrame or with non-numeric energies or prices; options of the
        wrong kind (a str ``divider``, a non-bool ``pruned``, a scalar ``steps``).
    ValueError
        Naming the argument: a missing column, a side other than buy/sell, a missing
        step label; NaN, infinite or non-positive energies; non-finite prices; an unknown
        rule; ``divider`` or ``compensation_share`` outside [0, 1] or given to a rule they do
        not apply to; both ``divider`` and ``divisor``; a horizon that is empty, has
        duplicates or misses a step of the offers; an SDR price at a short step where
        ``highest sell + lam < 0`` (the harmonic mean is undefined);
        :class:`lectoolkit._validate.ResultRangeError` when energies or prices are so
        large that sums or prices leave float64.

    Notes
    -----
    Per step, with the sells ascending and the buys descending (SPEC §3):

    * empty sides: no offers give 0; buys only give the highest buy, sells only the
      lowest sell (pruned MMR/SDR: an empty side empties both, 0);
    * crossing value: walk both curves while ``sell < buy``; the price is the last sell
      price walked, or, when a side runs out, the last tentative price (the buy price when
      the sell side ran out first, else the sell price);
    * MMR and SDR (:func:`mmr_price`, :func:`sdr_price`) on the complete offers, or on the
      accepted ones (``pruned``), with ``min_buy``, ``max_sell`` and
      ``sdr = sum sell / sum buy``; complete offers that cross (``min_buy < max_sell``)
      take the crossing value. Accepted offers never cross.

    Offers of equal price on one side of a step are walked by member, then energy (the
    original walks them in its meters' order, which :func:`build_offers` keeps as the
    categories of ``member``), so the prices do not depend on the order of the rows.
    Time and memory: O(n_offers) after one sort,
    skipped when the offers already are in merit order (as :func:`build_offers` returns
    them); a few arrays of n_offers values when they are not.

    References
    ----------
    .. [1] INESC TEC, ``rec_op_lem_prices`` (Enershare project): vanilla MMR, SDR and
       crossing-value pricing.
    .. [2] Y. Zhou, J. Wu, C. Long, "Evaluation of peer-to-peer energy sharing mechanisms
       based on a multiagent simulation framework", Applied Energy 222 (2018) 993-1022.
       doi:10.1016/j.apenergy.2018.02.089

    Examples
    --------
    >>> offers = pd.DataFrame({
    ...     "step": 0, "member": list("abcdef"), "side": ["buy"] * 3 + ["sell"] * 3,
    ...     "energy_kwh": [500.0, 500, 500, 500, 600, 500],
    ...     "price_per_kwh": [45.0, 40, 35, 0, 10, 15]})
    >>> float(lem_prices(offers, "mmr").iloc[0])
    25.0
    >>> lem_prices(offers, "crossing_value", steps=[0, 1]).tolist()
    [15.0, 0.0]
    """
    rule, pruned, divider, compensation_share, divisor = _check_rule_options(
        rule, pruned, divider, compensation_share, divisor)
    book = _book(offers)
    horizon = None if steps is None else _horizon(steps, book.steps)
    crossing_all = rule == "crossing_value"
    stats, _ = _walk_kernel(book.energy.size, book.starts, book.n_buy, book.energy,
                            book.price, crossing_all, pruned and not crossing_all)
    _validate.finite_result(stats[:2], "the offered energies summed per step", "offers")
    price = pd.Series(
        _rule_prices(stats, rule, pruned, divider, divisor, compensation_share, book.steps),
        index=book.steps, name="price_per_kwh")
    if horizon is None:
        return price
    return price.reindex(horizon, fill_value=0.0)


@numba.njit(cache=True)
def _matched_kernel(starts, n_buy, energy, counts, traded):  # pragma: no cover - compiled
    """Energy each offer trades in the pool clearing (merit order) [kWh].

    Per side, the accepted offers are filled in merit order up to the traded volume.
    """
    matched = np.zeros(energy.size)
    for k in range(starts.size - 1):
        for code in range(2):
            lo = starts[k] + code * n_buy[k]
            left = traded[k]
            for p in range(lo, lo + counts[code, k]):
                matched[p] = min(energy[p], left)
                left -= matched[p]
    return matched


def _to_rows(values: np.ndarray, book: _Book) -> np.ndarray:
    """Values in merit order -> values in the row order of the offers table."""
    if book.order is None:
        return values
    out = np.empty_like(values)
    out[book.order] = values
    return out


def accepted_offers(offers: pd.DataFrame) -> pd.DataFrame:
    """The offers a pool clearing accepts, with the energy each trades (SPEC §3).

    Per step, both merit orders are walked while the sell price is at most the buy price:
    the side with the smaller cumulative energy is accepted (both when equal); finally the
    offer the last accepted one partly matched is accepted too. Either side empty: nothing
    is accepted. Offers of equal price are walked by member, then energy (see
    :func:`lem_prices`).

    Parameters
    ----------
    offers : pandas.DataFrame
        An offers table (see :func:`lem_prices`); not modified.

    Returns
    -------
    pandas.DataFrame
        The accepted rows of ``offers`` (same columns, labels and row order) with a column
        ``matched_kwh``: the energy each trades when the traded volume ``min(sum of
        accepted buys, sum of accepted sells)`` is filled in merit order on both sides
        (0 < matched_kwh <= energy_kwh; only the last accepted offer of a side may be
        matched in part) [kWh].

    Raises
    ------
    TypeError, ValueError
        As :func:`lem_prices` for ``offers``.

    Examples
    --------
    >>> offers = pd.DataFrame({
    ...     "step": 0, "member": list("abcde"), "side": ["buy"] * 3 + ["sell"] * 2,
    ...     "energy_kwh": [500.0, 500, 100, 500, 500],
    ...     "price_per_kwh": [45.0, 40, 35, 0, 10]})
    >>> accepted_offers(offers)[["member", "side", "matched_kwh"]]
      member  side  matched_kwh
    0      a   buy        500.0
    1      b   buy        500.0
    3      d  sell        500.0
    4      e  sell        500.0
    """
    book = _book(offers)
    stats, counts = _walk_kernel(book.energy.size, book.starts, book.n_buy, book.energy,
                                 book.price, False, True)
    _validate.finite_result(stats[:2], "the offered energies summed per step", "offers")
    traded = np.fmin(np.nan_to_num(stats[7]), np.nan_to_num(stats[8]))
    matched = _matched_kernel(book.starts, book.n_buy, book.energy, counts, traded)
    accepted = np.zeros(book.energy.size, bool)
    for lo, n_acc in ((book.starts[:-1], counts[0]),
                      (book.starts[:-1] + book.n_buy, counts[1])):
        position = np.arange(book.energy.size) - np.repeat(lo, np.diff(book.starts))
        accepted |= (position >= 0) & (position < np.repeat(n_acc, np.diff(book.starts)))
    rows = _to_rows(accepted, book)
    return offers.loc[rows].assign(matched_kwh=_to_rows(matched, book)[rows])


@numba.njit(cache=True)
def _segment_cumsum(starts, n_buy, energy):  # pragma: no cover - compiled
    """Cumulative energy of each side of each step, in merit order [kWh]."""
    out = np.empty(energy.size)
    for k in range(starts.size - 1):
        cum = 0.0
        for p in range(starts[k], starts[k + 1]):
            if p == starts[k] + n_buy[k]:
                cum = 0.0
            cum += energy[p]
            out[p] = cum
    return out


def merit_order(offers: pd.DataFrame) -> pd.DataFrame:
    """Offers in merit order with the cumulative energy of each side and step.

    Parameters
    ----------
    offers : pandas.DataFrame
        An offers table (see :func:`lem_prices`); not modified.

    Returns
    -------
    pandas.DataFrame
        The rows of ``offers`` (same columns and labels) ordered by step, then buys by
        price descending, then sells by price ascending (equal prices by member, then
        energy), with a
        column ``cum_energy_kwh``: the energy offered on that side of that step up to and
        including the row [kWh]. Plotting ``price_per_kwh`` against ``cum_energy_kwh`` per
        side gives a step's demand and supply curves.

    Raises
    ------
    TypeError, ValueError
        As :func:`lem_prices` for ``offers``.

    Examples
    --------
    >>> offers = pd.DataFrame({"step": [0, 0, 0], "member": ["a", "b", "c"],
    ...                        "side": ["sell", "sell", "buy"],
    ...                        "energy_kwh": [1.0, 2.0, 4.0],
    ...                        "price_per_kwh": [0.10, 0.05, 0.20]})
    >>> merit_order(offers)[["member", "side", "cum_energy_kwh"]]
      member  side  cum_energy_kwh
    2      c   buy             4.0
    1      b  sell             2.0
    0      a  sell             3.0
    """
    book = _book(offers)
    cum = _segment_cumsum(book.starts, book.n_buy, book.energy)
    _validate.finite_result(cum, "the cumulative energies", "offers")
    ordered = offers if book.order is None else offers.iloc[book.order]
    return ordered.assign(cum_energy_kwh=cum)


def stop_criterion(old, new, tol: float = 0.01) -> bool:
    """Whether an iterative pricing loop has converged: ``||old - new||_2 < tol`` (SPEC §3).

    Parameters
    ----------
    old, new : array_like or pandas.Series, shape (n_steps,)
        Two successive price vectors [money/kWh], finite; Series are paired by label.
    tol : float > 0, default 0.01
        Tolerance on the Euclidean norm of the change [money/kWh].

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        Non-numeric prices or tolerance.
    ValueError
        Naming the argument: NaN or infinite prices, empty or non-1-D vectors, lengths or
        labels that differ, a non-positive ``tol``.

    Examples
    --------
    >>> stop_criterion([0.10, 0.12], [0.10, 0.125]), stop_criterion([0.1], [0.2])
    (True, False)
    """
    old_arr, _ = _validate.vector(old, "old", unit="money/kWh")
    new = _validate.align(old, "old", new, "new")
    new_arr, _ = _validate.vector(new, "new", unit="money/kWh")
    if new_arr.size != old_arr.size:
        raise ValueError(f"new: {new_arr.size} values differ from old's {old_arr.size}")
    tol = _validate.positive(tol, "tol", unit="money/kWh")
    scale = max(float(np.abs(old_arr).max()), float(np.abs(new_arr).max()))
    if scale == 0.0:
        return True
    change = old_arr / scale - new_arr / scale  # no overflow, no underflow to 0
    if not change.any():
        return True
    return bool(np.sqrt(np.dot(change, change)) < tol / scale)

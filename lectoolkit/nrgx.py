"""NRG-X-Change: payment of exported energy and charge of imported energy.

NRG-X-Change (Mihaylov et al., 2014) settles every period without an order book:
producers are paid for what they feed in, at a price that is highest when the
community's export ``t_p`` matches its import ``t_c`` (the paper's total production
and total consumption, both net of each prosumer's own production); consumers are
charged a share of the maximum tariff that grows with ``t_c / (t_c + t_p)``.

This module is the pricing only; paying the exporters of a period as one coalition
and splitting the payment by Shapley value is :mod:`lectoolkit.nrgx_coalitions`.

References
----------
.. [1] M. Mihaylov, S. Jurado, N. Avellana, K. Van Moffaert, I. M. de Abril and A. Nowé,
   "NRGcoin: Virtual currency for trading of renewable energy in smart grids",
   11th International Conference on the European Energy Market (EEM), 2014;
   and "NRG-X-Change: A Novel Mechanism for Trading of Renewable Energy in Smart
   Grids", SMARTGREENS 2014, doi:10.5220/0004960201010106.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lectoolkit import _validate

CENT = 0.01
"""Money units per cent: seed-001 prices are in ¢/kWh, so ``CENT * price`` is in
money/kWh, the unit of every price of this module."""


def _nonneg_product(direct, positive, log_sum) -> np.ndarray:
    """A product of non-negative factors, exact wherever float64 can hold it.

    ``direct`` is the product as computed; where it left float64 (inf, NaN) or
    underflowed to 0 although every factor is positive (``positive()``), it is
    recomputed as ``exp(log_sum())``, the exponential of the sum of the factors'
    logarithms. The two callables are evaluated only when some element needs them.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        redo = ~np.isfinite(direct)
        zero = direct == 0
        if zero.any():
            redo |= zero & positive()
        if redo.any():
            direct = np.where(redo, np.exp(log_sum()), direct)
    return direct


def _payment_kernel(x, tp, tc, q, a, n) -> np.ndarray:
    """``x**n · q · exp(-(tp - tc)² / a)``, ``n`` the exponent (inputs checked before)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        log_bell = -((tp - tc) ** 2) / a
        direct = x**n * q * np.exp(log_bell)
        return _nonneg_product(direct, lambda: (x > 0) & (q > 0) & np.isfinite(log_bell),
                               lambda: n * np.log(x) + np.log(q) + log_bell)


def _charge_kernel(y, tp, tc, r) -> np.ndarray:
    """``y · r · t_c / (t_c + t_p)`` of checked non-negative inputs (no checks).

    0 when both totals are 0; the share is taken after dividing by ``max(t_c, t_p)``
    so that neither huge nor subnormal totals lose it.
    """
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        largest = np.maximum(tc, tp)
        safe = np.where(largest > 0, largest, 1.0)
        share = np.where(largest > 0, (tc / safe) / (tc / safe + tp / safe), 0.0)
        direct = y * r * share
        return _nonneg_product(direct, lambda: (y > 0) & (r > 0) & (share > 0),
                               lambda: np.log(y) + np.log(r) + np.log(share))


def _market_inputs(units: dict[str, str], **values):
    """Check the non-negative broadcast arguments of :func:`payment` and :func:`charge`.

    Returns the float64 arrays by name and the labels of the result: those of the first
    Series among ``values`` (the other Series are paired with it by label), else None.
    """
    series = [name for name, value in values.items() if isinstance(value, pd.Series)]
    index = None
    if series:
        first = series[0]
        index = _validate.unique_labels(values[first].index, first)
        for name in series[1:]:
            values[name] = _validate.align(values[first], first, values[name], name)
    arrays = {name: _validate.array(value, name, unit=units[name], nonneg=True, max_ndim=1)
              for name, value in values.items()}
    shape = _validate.broadcast(**arrays)
    if index is not None and shape != (len(index),):
        raise ValueError(
            f"{series[0]}: a Series pairs with scalars and vectors of its length "
            f"{len(index)}, but the inputs broadcast to shape {shape}"
        )
    return arrays, index


def _output(values: np.ndarray, index: pd.Index | None, name: str):
    """A Series on ``index`` when an input was labelled, else the array (or scalar)."""
    if index is not None:
        return pd.Series(values, index=index, name=name)
    return values[()]


def payment(export_kwh, community_export_kwh, community_import_kwh, max_price_per_kwh,
            a_kwh2, exponent=1.0):
    """NRG-X-Change payment ``g`` for exported energy.

    Parameters
    ----------
    export_kwh : float, 1-D array_like or pandas.Series
        Energy fed in by the producer in the period, ``x ≥ 0`` [kWh].
    community_export_kwh, community_import_kwh : float, 1-D array_like or pandas.Series
        Period totals over the market, ``t_p ≥ 0`` (energy exported) and ``t_c ≥ 0``
        (energy imported, net of each member's own production) [kWh].
    max_price_per_kwh : float, 1-D array_like or pandas.Series
        ``q ≥ 0``, the price paid when production meets consumption [money/kWh].
        The four arguments above are numbers or vectors of one length (a length-1
        vector broadcasts); Series are paired by label.
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²].
    exponent : float, default 1
        Exponent ``n > 0`` on ``x`` [-] (seed 001's generalisation; ``n = 1`` is the
        paper's form, ``n > 1`` makes the payment superadditive in ``x``).

    Returns
    -------
    numpy.ndarray, numpy.float64 or pandas.Series
        ``g = x**n · q · exp(-(t_p - t_c)² / a) ≥ 0`` [money], one per element of
        the vectors (a NumPy scalar for scalar inputs, a Series on the labels of the
        first Series argument).

    Raises
    ------
    TypeError
        An argument that is not numbers (str, bool, None, a DataFrame, an array of
        strings or booleans).
    ValueError
        NaN or infinite values, negative energies or prices, ``a_kwh2 ≤ 0``,
        ``exponent ≤ 0``, an empty or 2-D array, vectors of different lengths, Series with
        duplicated or different labels.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when a payment exceeds the float64 range.

    Notes
    -----
    Eq. (1) of [1]_ is ``g(x) = x·q / e^{(t_p - t_c)²/a}``; written with ``exp(-…)`` the
    bell underflows to 0 instead of overflowing when the market is far off balance.
    Where ``x**n · q`` overflows or the product underflows although it is representable,
    ``g`` is computed as the exponential of the sum of logarithms (relative error below
    ~1e-13).

    Examples
    --------
    Seed 001, prosumer 2 on 2019-10-01 (12.09 ¢/kWh, a = 10⁶ kWh²):

    >>> round(float(payment(190.824158, 190.824158, 822.730493, 0.1209, 1e6)), 6)
    15.475455
    """
    arrays, index = _market_inputs(
        {"export_kwh": "kWh", "community_export_kwh": "kWh", "community_import_kwh": "kWh",
         "max_price_per_kwh": "money/kWh"},
        export_kwh=export_kwh, community_export_kwh=community_export_kwh,
        community_import_kwh=community_import_kwh, max_price_per_kwh=max_price_per_kwh,
    )
    a = _validate.positive(a_kwh2, "a_kwh2", unit="kWh²")
    n = _validate.positive(exponent, "exponent", unit="-")
    g = _payment_kernel(arrays["export_kwh"], arrays["community_export_kwh"],
                        arrays["community_import_kwh"], arrays["max_price_per_kwh"], a, n)
    _validate.finite_result(g, "payments", "export_kwh, max_price_per_kwh, exponent")
    return _output(g, index, "payment")


def charge(import_kwh, community_export_kwh, community_import_kwh, min_price_per_kwh):
    """NRG-X-Change charge ``h`` for imported energy.

    Parameters
    ----------
    import_kwh : float, 1-D array_like or pandas.Series
        Energy drawn by the consumer net of its own production, ``y ≥ 0`` [kWh] (the
        paper's consumption).
    community_export_kwh, community_import_kwh : float, 1-D array_like or pandas.Series
        Period totals ``t_p ≥ 0`` and ``t_c ≥ 0`` [kWh], as in :func:`payment`.
    min_price_per_kwh : float, 1-D array_like or pandas.Series
        ``r ≥ 0``, the tariff charged when prosumers supply little [money/kWh].
        The four arguments are numbers or vectors of one length (as in
        :func:`payment`); Series are paired by label.

    Returns
    -------
    numpy.ndarray, numpy.float64 or pandas.Series
        ``h = y · r · t_c / (t_c + t_p) ≥ 0`` [money], a positive amount owed; 0 when
        ``t_c + t_p = 0`` (then ``y = 0`` too). Shaped as in :func:`payment`.

    Raises
    ------
    TypeError
        An argument that is not numbers (str, bool, None, a DataFrame, an array of
        strings or booleans).
    ValueError
        NaN or infinite values, negative energies or prices, an empty or 2-D array,
        vectors of different lengths, Series with duplicated or different labels.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when a charge exceeds the float64 range.

    Notes
    -----
    Eq. (2) of [1]_.

    Examples
    --------
    Seed 001, prosumer 1 on 2019-10-01 (9.84 ¢/kWh):

    >>> round(float(charge(218.571220, 190.824158, 822.730493, 0.0984)), 6)
    17.458161
    """
    arrays, index = _market_inputs(
        {"import_kwh": "kWh", "community_export_kwh": "kWh", "community_import_kwh": "kWh",
         "min_price_per_kwh": "money/kWh"},
        import_kwh=import_kwh, community_export_kwh=community_export_kwh,
        community_import_kwh=community_import_kwh, min_price_per_kwh=min_price_per_kwh,
    )
    h = _charge_kernel(arrays["import_kwh"], arrays["community_export_kwh"],
                       arrays["community_import_kwh"], arrays["min_price_per_kwh"])
    _validate.finite_result(h, "charges", "import_kwh, min_price_per_kwh")
    return _output(h, index, "charge")


def period_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-period market totals ``t_p`` (exported) and ``t_c`` (imported) [kWh].

    ``frame`` is long format (one row per prosumer and period) with columns ``step``,
    ``import_kwh`` and ``export_kwh``, as returned by
    :func:`lectoolkit.io.read_prosumer_monthly`. Returns one row per ``step`` with
    columns ``community_export_kwh`` and ``community_import_kwh``.
    """
    grouped = frame.groupby("step", sort=True)
    return pd.DataFrame({
        "community_export_kwh": grouped["export_kwh"].sum(),
        "community_import_kwh": grouped["import_kwh"].sum(),
    })


_SEED_COLUMNS = ("id", "time", "consumption", "net_energy")


def _periods(frame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Check a prosumer table; return it sorted by ``(step, member)`` and each row's totals.

    The totals are the period's ``t_p`` and ``t_c`` [kWh], one per row of the result.
    """
    if isinstance(frame, pd.DataFrame) and set(_SEED_COLUMNS) <= set(frame.columns) and not {
            "member", "step", "import_kwh", "export_kwh"} & set(frame.columns):
        raise ValueError("frame: has seed 001's columns id, time, consumption, net_energy; "
                         "rename them with lectoolkit.io.from_seed_prosumer_frame(frame)")
    frame = _validate.table(frame, "frame", ["member", "step", "import_kwh", "export_kwh"])
    _validate.unique_rows(frame, "frame", ["member", "step"])
    imports = _validate.column(frame, "import_kwh", "frame", unit="kWh", nonneg=True)
    exports = _validate.column(frame, "export_kwh", "frame", unit="kWh", nonneg=True)
    both = (imports > 0) & (exports > 0)
    if both.any():
        i = int(np.flatnonzero(both)[0])
        raise ValueError(
            f"frame: row {i} has import_kwh {imports[i]} and export_kwh {exports[i]}; "
            "a prosumer either imports or exports in a period"
        )
    out = frame.sort_values(["step", "member"], kind="stable").reset_index(drop=True)
    with np.errstate(over="ignore"):  # an overflow is refused just below
        totals = period_totals(out).reindex(out["step"].to_numpy())
    tp = totals["community_export_kwh"].to_numpy(dtype=float)
    tc = totals["community_import_kwh"].to_numpy(dtype=float)
    _validate.finite_result(np.concatenate([tp, tc]), "the period totals", "frame")
    return out, tp, tc


def settle_nrgx(frame: pd.DataFrame, max_price_per_kwh, min_price_per_kwh, a_kwh2,
                exponent=1.0, *, seed_swapped_prices: bool = False) -> pd.DataFrame:
    """Settle every period of a prosumer table under NRG-X-Change at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format, one row per prosumer and period, with columns ``member``, ``step``
        (no missing values, each ``(member, step)`` once), ``import_kwh`` [kWh, ≥ 0,
        load net of own production] and ``export_kwh`` [kWh, ≥ 0]; a row does not both
        import and export (as :func:`lectoolkit.io.read_prosumer_monthly` returns; a
        table in seed 001's own column names goes through
        :func:`lectoolkit.io.from_seed_prosumer_frame` first). Other columns are carried
        along.
    max_price_per_kwh, min_price_per_kwh : float
        ``q`` for payments and ``r`` for charges,
        ``0 ≤ min_price_per_kwh ≤ max_price_per_kwh`` [money/kWh]. Seed-001 prices are
        in ¢/kWh: pass ``CENT * price``.
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²] (seed 001 uses 10⁶).
    exponent : float, default 1
        Exponent ``n > 0`` of the payment [-] (see :func:`payment`).
    seed_swapped_prices : bool, default False
        Faithful reproduction of a quirk of seed 001: its N100 and coalition cells pass
        the minimum price where the maximum is expected and vice versa, so payments use
        ``min_price_per_kwh`` and charges ``max_price_per_kwh``. Off in the clean API.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` sorted by ``(step, member)`` with the period totals
        ``community_export_kwh``, ``community_import_kwh`` [kWh] and ``nrg_cash``
        [money]: the payment ``g`` for a prosumer with nonzero export, else minus the
        charge ``h`` on its import.

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame or with non-numeric energy columns; a price,
        ``a_kwh2`` or ``exponent`` not a real number; the flag not a bool.
    ValueError
        Missing columns (a table in seed 001's names is pointed to
        :func:`lectoolkit.io.from_seed_prosumer_frame`), no rows, missing
        ``member``/``step`` values, a repeated ``(member, step)`` row, NaN, infinite or
        negative energies, a row that both imports and exports; negative prices,
        ``min_price_per_kwh > max_price_per_kwh``, ``a_kwh2 ≤ 0`` or ``exponent ≤ 0``.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when period totals or cash exceed the float64 range.

    Examples
    --------
    >>> from lectoolkit.io import read_prosumer_monthly
    >>> data = read_prosumer_monthly("data/prosumer_N3_model_20210129_1416.csv")
    >>> cents = data["price_cents_per_kwh"]
    >>> cash = settle_nrgx(data, CENT * cents.max(), CENT * cents.min(), a_kwh2=1e6)
    >>> cash["nrg_cash"].head(3).round(6).tolist()
    [-17.458161, 15.475455, -48.256628]
    """
    swapped = _validate.flag(seed_swapped_prices, "seed_swapped_prices")
    q, r = _prices(max_price_per_kwh, min_price_per_kwh)
    a = _validate.positive(a_kwh2, "a_kwh2", unit="kWh²")
    n = _validate.positive(exponent, "exponent", unit="-")
    out, tp, tc = _periods(frame)
    if swapped:
        q, r = r, q
    export = out["export_kwh"].to_numpy(dtype=float)
    paid = _payment_kernel(export, tp, tc, q, a, n)
    owed = _charge_kernel(out["import_kwh"].to_numpy(dtype=float), tp, tc, r)
    cash = np.where(export > 0, paid, -owed)
    _validate.finite_result(cash, "the payments or charges",
                            "frame, max_price_per_kwh, min_price_per_kwh, exponent")
    out["community_export_kwh"] = tp
    out["community_import_kwh"] = tc
    out["nrg_cash"] = cash
    return out


def _prices(max_price_per_kwh, min_price_per_kwh) -> tuple[float, float]:
    """Check ``0 ≤ min_price_per_kwh ≤ max_price_per_kwh`` [money/kWh]; return both."""
    q = _validate.nonnegative(max_price_per_kwh, "max_price_per_kwh", unit="money/kWh")
    r = _validate.nonnegative(min_price_per_kwh, "min_price_per_kwh", unit="money/kWh")
    if r > q:
        raise ValueError(
            f"min_price_per_kwh: expected a number <= max_price_per_kwh = {q} [money/kWh], "
            f"got {r}"
        )
    return q, r

"""NRG-X-Change: payment of exported energy and charge of consumed energy.

NRG-X-Change (Mihaylov et al., 2014) settles every period without an order book:
producers are paid for what they feed in, at a price that is highest when total
production ``t_p`` matches total consumption ``t_c``; consumers are charged a share of
the maximum tariff that grows with ``t_c / (t_c + t_p)``.

References
----------
.. [1] M. Mihaylov, S. Jurado, N. Avellana, K. Van Moffaert, I. M. de Abril and A. Nowé,
   "NRGcoin: Virtual currency for trading of renewable energy in smart grids",
   11th International Conference on the European Energy Market (EEM), 2014;
   and "NRG-X-Change: A Novel Mechanism for Trading of Renewable Energy in Smart
   Grids", SMARTGREENS 2014, doi:10.5220/0004960201010106.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from lectoolkit import _validate

CENT = 0.01
"""Currency units per cent: seed-001 prices are in ¢/kWh and cash in currency units."""

MAX_EXACT_PLAYERS = 25
"""Largest ``max_exact_players`` of :func:`settle_nrgx_coalitions`: a period's dense
worth array of ``2**25`` float64 takes 256 MiB."""


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
    """``x**n · q · exp(-(tp - tc)² / a)`` of checked non-negative inputs (no checks)."""
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


def payment(export_kwh, total_export_kwh, total_consumption_kwh, max_price_per_kwh,
            a_kwh2, n=1.0):
    """NRG-X-Change payment ``g`` for exported energy.

    Parameters
    ----------
    export_kwh : float, 1-D array_like or pandas.Series
        Energy fed in by the producer in the period, ``x ≥ 0`` [kWh].
    total_export_kwh, total_consumption_kwh : float, 1-D array_like or pandas.Series
        Period totals over the market, ``t_p ≥ 0`` and ``t_c ≥ 0`` [kWh].
    max_price_per_kwh : float, 1-D array_like or pandas.Series
        ``q ≥ 0``, the price paid when production meets consumption [money/kWh].
        The four arguments above are numbers or vectors of one length (a length-1
        vector broadcasts); Series are paired by label.
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²].
    n : float, default 1
        Exponent on ``x``, ``n > 0`` (seed 001's generalisation; ``n = 1`` is the
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
        ``n ≤ 0``, an empty or 2-D array, vectors of different lengths, Series with
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
        {"export_kwh": "kWh", "total_export_kwh": "kWh", "total_consumption_kwh": "kWh",
         "max_price_per_kwh": "money/kWh"},
        export_kwh=export_kwh, total_export_kwh=total_export_kwh,
        total_consumption_kwh=total_consumption_kwh, max_price_per_kwh=max_price_per_kwh,
    )
    a = _validate.positive(a_kwh2, "a_kwh2", unit="kWh²")
    n = _validate.positive(n, "n", unit="-")
    g = _payment_kernel(arrays["export_kwh"], arrays["total_export_kwh"],
                        arrays["total_consumption_kwh"], arrays["max_price_per_kwh"], a, n)
    _validate.finite_result(g, "payments", "export_kwh, max_price_per_kwh, n")
    return _output(g, index, "payment")


def charge(consumption_kwh, total_export_kwh, total_consumption_kwh, min_price_per_kwh):
    """NRG-X-Change charge ``h`` for consumed energy.

    Parameters
    ----------
    consumption_kwh : float, 1-D array_like or pandas.Series
        Energy drawn by the consumer net of its own production, ``y ≥ 0`` [kWh].
    total_export_kwh, total_consumption_kwh : float, 1-D array_like or pandas.Series
        Period totals ``t_p ≥ 0`` and ``t_c ≥ 0`` [kWh].
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
        {"consumption_kwh": "kWh", "total_export_kwh": "kWh", "total_consumption_kwh": "kWh",
         "min_price_per_kwh": "money/kWh"},
        consumption_kwh=consumption_kwh, total_export_kwh=total_export_kwh,
        total_consumption_kwh=total_consumption_kwh, min_price_per_kwh=min_price_per_kwh,
    )
    h = _charge_kernel(arrays["consumption_kwh"], arrays["total_export_kwh"],
                       arrays["total_consumption_kwh"], arrays["min_price_per_kwh"])
    _validate.finite_result(h, "charges", "consumption_kwh, min_price_per_kwh")
    return _output(h, index, "charge")


def period_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-period market totals ``t_p`` (exported) and ``t_c`` (consumed) [kWh].

    ``frame`` is long format (one row per prosumer and period) with columns
    ``time``, ``consumption`` and ``net_energy`` (``≤ 0`` meaning export), as returned
    by :func:`lectoolkit.io.read_prosumer_monthly`. Returns one row per ``time``.
    """
    grouped = frame.groupby("time", sort=True)
    return pd.DataFrame({
        "total_export_kwh": grouped["net_energy"].sum().abs(),
        "total_consumption_kwh": grouped["consumption"].sum(),
    })


def _periods(frame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Check a prosumer table; return it sorted by ``(time, id)`` and each row's totals.

    The totals are the period's ``t_p`` and ``t_c`` [kWh], one per row of the result.
    """
    frame = _validate.table(frame, "frame", ["id", "time", "consumption", "net_energy"])
    _validate.unique_rows(frame, "frame", ["id", "time"])
    consumption = _validate.column(frame, "consumption", "frame", unit="kWh", nonneg=True)
    net = _validate.column(frame, "net_energy", "frame", unit="kWh")
    if (net > 0).any():
        i = int(np.flatnonzero(net > 0)[0])
        raise ValueError(
            f"frame: column 'net_energy': expected values <= 0 [kWh] (negative means "
            f"export), got {net[i]} at {i}"
        )
    both = (consumption > 0) & (net < 0)
    if both.any():
        i = int(np.flatnonzero(both)[0])
        raise ValueError(
            f"frame: row {i} has consumption {consumption[i]} and net_energy {net[i]} [kWh]; "
            "a prosumer either imports or exports in a period"
        )
    out = frame.sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    with np.errstate(over="ignore"):  # an overflow is refused just below
        totals = period_totals(out).reindex(out["time"].to_numpy())
    tp = totals["total_export_kwh"].to_numpy(dtype=float)
    tc = totals["total_consumption_kwh"].to_numpy(dtype=float)
    _validate.finite_result(np.concatenate([tp, tc]), "the period totals", "frame")
    return out, tp, tc


def _price_unit(prices_in_cents: bool) -> str:
    return "¢/kWh" if prices_in_cents else "money/kWh"


def settle_nrgx(frame: pd.DataFrame, max_price, min_price, a, n=1.0, *,
                prices_in_cents: bool = True, seed_swapped_prices: bool = False) -> pd.DataFrame:
    """Settle every period of a prosumer table under NRG-X-Change at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format, one row per prosumer and period, with columns ``id``, ``time``
        (no missing values, each ``(id, time)`` once), ``consumption`` [kWh, ≥ 0] and
        ``net_energy`` [kWh, ``≤ 0`` = export]; a row has no consumption where it
        exports. Other columns are carried along.
    max_price, min_price : float
        ``q`` for payments and ``r`` for charges, ``0 ≤ min_price ≤ max_price``
        [¢/kWh, or money/kWh when ``prices_in_cents=False``].
    a : float
        Width of the payment bell, ``a > 0`` [kWh²] (seed 001 uses 10⁶).
    n : float, default 1
        Exponent of the payment, ``n > 0`` (see :func:`payment`).
    prices_in_cents : bool, default True
        Prices are in cents (the seed-001 data); cash is then in currency units.
    seed_swapped_prices : bool, default False
        Faithful reproduction of a quirk of seed 001: its N100 and coalition cells pass
        ``min_price`` where ``max_price`` is expected and vice versa, so payments use
        the minimum and charges the maximum price. Off in the clean API.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` sorted by ``(time, id)`` with the period totals
        ``total_export_kwh``, ``total_consumption_kwh`` and ``nrg_cash`` [money]:
        the payment ``g`` for a prosumer with nonzero export, else minus the charge
        ``h`` on its consumption.

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame or with non-numeric energy columns; a price, ``a``
        or ``n`` not a real number; a flag not a bool.
    ValueError
        Missing columns, no rows, missing ``id``/``time`` values, a repeated
        ``(id, time)`` row, NaN or infinite energies, negative consumption, positive
        net energy, a row that both consumes and exports; negative prices,
        ``min_price > max_price``, ``a ≤ 0`` or ``n ≤ 0``.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when period totals or cash exceed the float64 range.

    Examples
    --------
    >>> from lectoolkit.io import read_prosumer_monthly
    >>> data = read_prosumer_monthly("data/prosumer_N3_model_20210129_1416.csv")
    >>> cash = settle_nrgx(data, data["price"].max(), data["price"].min(), a=1e6)
    >>> cash["nrg_cash"].head(3).round(6).tolist()
    [-17.458161, 15.475455, -48.256628]
    """
    cents = _validate.flag(prices_in_cents, "prices_in_cents")
    swapped = _validate.flag(seed_swapped_prices, "seed_swapped_prices")
    max_price = _validate.nonnegative(max_price, "max_price", unit=_price_unit(cents))
    min_price = _validate.nonnegative(min_price, "min_price", unit=_price_unit(cents))
    if min_price > max_price:
        raise ValueError(
            f"min_price: expected a number <= max_price = {max_price} [{_price_unit(cents)}], "
            f"got {min_price}"
        )
    a = _validate.positive(a, "a", unit="kWh²")
    n = _validate.positive(n, "n", unit="-")
    out, tp, tc = _periods(frame)
    q, r = (min_price, max_price) if swapped else (max_price, min_price)
    scale = CENT if cents else 1.0
    export = -out["net_energy"].to_numpy(dtype=float)
    paid = _payment_kernel(export, tp, tc, scale * q, a, n)
    owed = _charge_kernel(out["consumption"].to_numpy(dtype=float), tp, tc, scale * r)
    cash = np.where(export > 0, paid, -owed)
    _validate.finite_result(cash, "the payments or charges", "frame, max_price, min_price, n")
    out["total_export_kwh"] = tp
    out["total_consumption_kwh"] = tc
    out["nrg_cash"] = cash
    return out


def _coalition_payment(members, export, tp, tc, q, a, n):
    """Payments of a batch of coalitions (boolean membership rows) for their export."""
    return _payment_kernel(members @ export, tp, tc, q, a, n)


def settle_nrgx_coalitions(frame: pd.DataFrame, max_price, a, n=1.0, *,
                           prices_in_cents: bool = True, max_exact_players: int = 20,
                           n_permutations: int = 2000, rng=None) -> pd.DataFrame:
    """Pay each period's exporters as one coalition and split the payment by Shapley value.

    In every period the prosumers with nonzero export form a coalition that is paid
    :func:`payment` for its combined export, at the period's market totals; the worth
    of a sub-coalition ``S`` is the payment for the export of ``S`` alone (seed 001,
    §3.3). The Shapley value splits the grand coalition's payment.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format with ``id``, ``time``, ``consumption``, ``net_energy`` [kWh], as
        in :func:`settle_nrgx` (each ``(id, time)`` once).
    max_price : float
        Payment price ``q ≥ 0`` [¢/kWh, or money/kWh when ``prices_in_cents=False``].
    a : float
        Width of the payment bell, ``a > 0`` [kWh²].
    n : float, default 1
        Payment exponent, ``n > 0``. With ``n = 1`` the payment is linear in the
        export, the game is additive and every Shapley value equals the stand-alone
        payment; ``n > 1`` makes it superadditive, so the coalition gains.
    prices_in_cents : bool, default True
        ``max_price`` is in cents; cash in currency units.
    max_exact_players : int, default 20
        Periods with more exporters are valued by permutation sampling
        (:func:`lectoolkit.shapley.shapley_sampled`), with standard errors;
        ``1 ≤ max_exact_players ≤ 25`` (:data:`MAX_EXACT_PLAYERS`).
    n_permutations : int, default 2000
        Sampled permutations per period beyond ``max_exact_players``: an even number
        ``≥ 2`` (antithetic pairs).
    rng : numpy.random.Generator or int, optional
        Seed of the sampling (an int ``≥ 0``); fresh entropy when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per exporter and period: ``time, id, export_kwh, standalone``
        (its own payment [money]), ``shapley`` [money], ``std_error`` [money, 0 when
        exact], ``coalition_worth`` (payment of the whole coalition) and
        ``coalition_gain`` (worth minus the sum of stand-alone payments), sorted by
        ``(time, id)``.

    Raises
    ------
    TypeError
        As in :func:`settle_nrgx`; ``max_exact_players`` or ``n_permutations`` not
        an integer; ``rng`` not a Generator, an int or None.
    ValueError
        As in :func:`settle_nrgx`; ``max_exact_players`` outside ``[1, 25]``,
        ``n_permutations`` odd or below 2, a negative seed.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when period totals or payments exceed the float64 range.

    Examples
    --------
    Two exporters with a quadratic payment split the gain in proportion to export:

    >>> frame = pd.DataFrame({"id": [1, 2, 3], "time": ["2020-01-01"] * 3,
    ...                       "consumption": [0.0, 0.0, 30.0],
    ...                       "net_energy": [-10.0, -20.0, 0.0]})
    >>> out = settle_nrgx_coalitions(frame, max_price=1.0, a=1e6, n=2,
    ...                              prices_in_cents=False)
    >>> out["shapley"].round(4).tolist()
    [300.0, 600.0]
    """
    from lectoolkit.games import nrgx_coalition_worths
    from lectoolkit.shapley import shapley_sampled, shapley_values

    cents = _validate.flag(prices_in_cents, "prices_in_cents")
    q = (CENT if cents else 1.0) * _validate.nonnegative(max_price, "max_price",
                                                         unit=_price_unit(cents))
    a = _validate.positive(a, "a", unit="kWh²")
    n = _validate.positive(n, "n", unit="-")
    max_exact = _validate.integer(max_exact_players, "max_exact_players", minimum=1,
                                  maximum=MAX_EXACT_PLAYERS)
    n_perm = _validate.integer(n_permutations, "n_permutations", minimum=2)
    if n_perm % 2:
        raise ValueError(f"n_permutations: expected an even number (antithetic pairs), "
                         f"got {n_perm}")
    rng = _validate.seeded_rng(rng, "rng")
    settled, tp_rows, tc_rows = _periods(frame)
    exporting = settled["net_energy"].to_numpy(dtype=float) < 0
    # the grand coalition of a period exports t_p; payments grow with export, so every
    # sub-coalition's worth is finite when this is
    worths = _payment_kernel(tp_rows, tp_rows, tc_rows, q, a, n)
    _validate.finite_result(worths[exporting], "the coalition payments", "frame, max_price, n")
    rows = []
    for time, period in settled[exporting].groupby("time", sort=True):
        export = -period["net_energy"].to_numpy(dtype=float)
        tp = tp_rows[period.index[0]]
        tc = tc_rows[period.index[0]]
        standalone = _payment_kernel(export, tp, tc, q, a, n)
        worth = float(worths[period.index[0]])
        if export.size <= max_exact:
            shapley = shapley_values(nrgx_coalition_worths(export, tp, tc, q, a, n))
            std_error = np.zeros_like(shapley)
        else:
            estimate = shapley_sampled(
                partial(_coalition_payment, export=export, tp=tp, tc=tc, q=q, a=a, n=n),
                export.size, n_perm, rng=rng,
            )
            shapley = estimate["shapley"].to_numpy()
            std_error = estimate["std_error"].to_numpy()
        rows.append(pd.DataFrame({
            "time": time, "id": period["id"].to_numpy(), "export_kwh": export,
            "standalone": standalone, "shapley": shapley, "std_error": std_error,
            "coalition_worth": worth, "coalition_gain": worth - standalone.sum(),
        }))
    columns = ["time", "id", "export_kwh", "standalone", "shapley", "std_error",
               "coalition_worth", "coalition_gain"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.concat(rows, ignore_index=True)[columns]
    _validate.finite_result(table[columns[3:]].to_numpy(dtype=float), "the Shapley values",
                            "frame, max_price, n")
    return table

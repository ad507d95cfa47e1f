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

CENT = 0.01
"""Currency units per cent: seed-001 prices are in ¢/kWh and cash in currency units."""


def _finite(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def _nonnegative(name: str, value) -> np.ndarray:
    arr = _finite(name, value)
    if np.any(arr < 0):
        raise ValueError(f"{name}: must be non-negative [kWh]")
    return arr


def payment(export_kwh, total_export_kwh, total_consumption_kwh, max_price_per_kwh,
            a_kwh2, n=1.0):
    """NRG-X-Change payment ``g`` for exported energy.

    Parameters
    ----------
    export_kwh : array_like
        Energy fed in by the producer in the period, ``x ≥ 0`` [kWh].
    total_export_kwh, total_consumption_kwh : array_like
        Period totals over the market, ``t_p`` and ``t_c`` [kWh] (broadcast).
    max_price_per_kwh : float or array_like
        ``q``, the price paid when production meets consumption [money/kWh].
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²].
    n : float, default 1
        Exponent on ``x`` (seed 001's generalisation; ``n = 1`` is the paper's form,
        ``n > 1`` makes the payment superadditive in ``x``).

    Returns
    -------
    numpy.ndarray
        ``g = x**n · q · exp(-(t_p - t_c)² / a)`` [money].

    Notes
    -----
    Eq. (1) of [1]_ is ``g(x) = x·q / e^{(t_p - t_c)²/a}``; written with ``exp(-…)`` the
    bell underflows to 0 instead of overflowing when the market is far off balance.

    Examples
    --------
    Seed 001, prosumer 2 on 2019-10-01 (12.09 ¢/kWh, a = 10⁶ kWh²):

    >>> round(float(payment(190.824158, 190.824158, 822.730493, 0.1209, 1e6)), 6)
    15.475455
    """
    x = _nonnegative("export_kwh", export_kwh)
    tp = _nonnegative("total_export_kwh", total_export_kwh)
    tc = _nonnegative("total_consumption_kwh", total_consumption_kwh)
    q = _finite("max_price_per_kwh", max_price_per_kwh)
    a = float(a_kwh2)
    if not np.isfinite(a) or a <= 0:
        raise ValueError(f"a_kwh2: must be a positive finite number, got {a_kwh2!r}")
    n = float(n)
    if not np.isfinite(n) or n <= 0:
        raise ValueError(f"n: must be a positive finite exponent, got {n!r}")
    return np.abs(x**n * q) * np.exp(-((tp - tc) ** 2) / a)


def charge(consumption_kwh, total_export_kwh, total_consumption_kwh, min_price_per_kwh):
    """NRG-X-Change charge ``h`` for consumed energy.

    Parameters
    ----------
    consumption_kwh : array_like
        Energy drawn by the consumer net of its own production, ``y ≥ 0`` [kWh].
    total_export_kwh, total_consumption_kwh : array_like
        Period totals ``t_p`` and ``t_c`` [kWh] (broadcast).
    min_price_per_kwh : float or array_like
        ``r``, the tariff charged when prosumers supply little [money/kWh].

    Returns
    -------
    numpy.ndarray
        ``h = y · r · t_c / (t_c + t_p)`` [money], a positive amount owed; 0 when
        ``t_c + t_p = 0`` (then ``y = 0`` too).

    Notes
    -----
    Eq. (2) of [1]_.

    Examples
    --------
    Seed 001, prosumer 1 on 2019-10-01 (9.84 ¢/kWh):

    >>> round(float(charge(218.571220, 190.824158, 822.730493, 0.0984)), 6)
    17.458161
    """
    y = _nonnegative("consumption_kwh", consumption_kwh)
    tp = _nonnegative("total_export_kwh", total_export_kwh)
    tc = _nonnegative("total_consumption_kwh", total_consumption_kwh)
    r = _finite("min_price_per_kwh", min_price_per_kwh)
    total = tc + tp
    share = np.divide(tc, total, out=np.zeros(np.broadcast(tc, total).shape), where=total > 0)
    return y * r * share


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


def settle_nrgx(frame: pd.DataFrame, max_price, min_price, a, n=1.0, *,
                prices_in_cents: bool = True, seed_swapped_prices: bool = False) -> pd.DataFrame:
    """Settle every period of a prosumer table under NRG-X-Change at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format, one row per prosumer and period, with columns ``id``, ``time``,
        ``consumption`` [kWh] and ``net_energy`` [kWh, ``≤ 0`` = export].
    max_price, min_price : float
        ``q`` for payments and ``r`` for charges [¢/kWh, or money/kWh when
        ``prices_in_cents=False``].
    a : float
        Width of the payment bell [kWh²] (seed 001 uses 10⁶).
    n : float, default 1
        Exponent of the payment (see :func:`payment`).
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

    Examples
    --------
    >>> from lectoolkit.io import read_prosumer_monthly
    >>> data = read_prosumer_monthly("data/prosumer_N3_model_20210129_1416.csv")
    >>> cash = settle_nrgx(data, data["price"].max(), data["price"].min(), a=1e6)
    >>> cash["nrg_cash"].head(3).round(6).tolist()
    [-17.458161, 15.475455, -48.256628]
    """
    required = {"id", "time", "consumption", "net_energy"}
    missing = sorted(required - set(frame.columns))
    if missing:
        raise ValueError(f"frame: missing columns {missing}")
    for name in ("consumption", "net_energy"):
        _finite(f"frame['{name}']", frame[name])
    if (frame["net_energy"] > 0).any():
        raise ValueError("frame['net_energy']: must be ≤ 0 (negative means export)")
    if (frame["consumption"] < 0).any():
        raise ValueError("frame['consumption']: must be non-negative [kWh]")
    q, r = (min_price, max_price) if seed_swapped_prices else (max_price, min_price)
    scale = CENT if prices_in_cents else 1.0
    out = frame.sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    totals = period_totals(out).reindex(out["time"].to_numpy())
    tp = totals["total_export_kwh"].to_numpy()
    tc = totals["total_consumption_kwh"].to_numpy()
    export = -out["net_energy"].to_numpy(dtype=float)
    paid = payment(export, tp, tc, scale * float(q), a, n)
    owed = charge(out["consumption"].to_numpy(dtype=float), tp, tc, scale * float(r))
    out["total_export_kwh"] = tp
    out["total_consumption_kwh"] = tc
    out["nrg_cash"] = np.where(export > 0, paid, -owed)
    return out


def _coalition_payment(members, export, tp, tc, q, a, n):
    """Payments of a batch of coalitions (boolean membership rows) for their export."""
    return payment(members @ export, tp, tc, q, a, n)


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
        Long format with ``id``, ``time``, ``consumption``, ``net_energy`` [kWh].
    max_price : float
        Payment price ``q`` [¢/kWh, or money/kWh when ``prices_in_cents=False``].
    a : float
        Width of the payment bell [kWh²].
    n : float, default 1
        Payment exponent. With ``n = 1`` the payment is linear in the export, the
        game is additive and every Shapley value equals the stand-alone payment;
        ``n > 1`` makes it superadditive, so the coalition gains.
    prices_in_cents : bool, default True
        ``max_price`` is in cents; cash in currency units.
    max_exact_players : int, default 20
        Periods with more exporters are valued by permutation sampling
        (:func:`lectoolkit.shapley.shapley_sampled`), with standard errors.
    n_permutations : int, default 2000
        Sampled permutations per period beyond ``max_exact_players``.
    rng : numpy.random.Generator or int, optional
        Seed of the sampling.

    Returns
    -------
    pandas.DataFrame
        One row per exporter and period: ``time, id, export_kwh, standalone``
        (its own payment [money]), ``shapley`` [money], ``std_error`` [money, 0 when
        exact], ``coalition_worth`` (payment of the whole coalition) and
        ``coalition_gain`` (worth minus the sum of stand-alone payments), sorted by
        ``(time, id)``.

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
    from lectoolkit.shapley import shapley_values

    settled = settle_nrgx(frame, max_price, 0.0, a, n, prices_in_cents=prices_in_cents)
    q = (CENT if prices_in_cents else 1.0) * float(max_price)
    rng = np.random.default_rng(rng)
    rows = []
    for time, period in settled.groupby("time", sort=True):
        exporters = period[period["net_energy"] < 0]
        if exporters.empty:
            continue
        export = -exporters["net_energy"].to_numpy(dtype=float)
        tp = float(period["total_export_kwh"].iloc[0])
        tc = float(period["total_consumption_kwh"].iloc[0])
        standalone = payment(export, tp, tc, q, a, n)
        worth = float(payment(export.sum(), tp, tc, q, a, n))
        if export.size <= max_exact_players:
            shapley = shapley_values(nrgx_coalition_worths(export, tp, tc, q, a, n))
            std_error = np.zeros_like(shapley)
        else:
            from lectoolkit.shapley import shapley_sampled

            estimate = shapley_sampled(
                partial(_coalition_payment, export=export, tp=tp, tc=tc, q=q, a=a, n=n),
                export.size, n_permutations, rng=rng,
            )
            shapley = estimate["shapley"].to_numpy()
            std_error = estimate["std_error"].to_numpy()
        rows.append(pd.DataFrame({
            "time": time, "id": exporters["id"].to_numpy(), "export_kwh": export,
            "standalone": standalone, "shapley": shapley, "std_error": std_error,
            "coalition_worth": worth, "coalition_gain": worth - standalone.sum(),
        }))
    columns = ["time", "id", "export_kwh", "standalone", "shapley", "std_error",
               "coalition_worth", "coalition_gain"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]

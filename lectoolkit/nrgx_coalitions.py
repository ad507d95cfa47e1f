"""Exporter coalitions under NRG-X-Change: pay them together, split by Shapley value.

Seed 001, §3.3: in every period the prosumers that export form one coalition, paid the
NRG-X-Change payment (:func:`lectoolkit.nrgx.payment`) for their combined export at
the period's market totals; a sub-coalition is worth the payment for its own export
(:func:`lectoolkit.games.nrgx_coalition_worths`), and the Shapley value splits the
grand coalition's payment. This module sits above :mod:`lectoolkit.nrgx` (the pricing),
:mod:`lectoolkit.games` and :mod:`lectoolkit.shapley`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.games import nrgx_coalition_worths
from lectoolkit.nrgx import _payment_kernel, _periods
from lectoolkit.shapley import shapley_sampled, shapley_values


@dataclass(frozen=True, eq=False)
class NrgxCoalitionSettlement:
    """Exporter coalitions of every period: per-member shares and per-period totals.

    Attributes
    ----------
    per_member : pandas.DataFrame
        One row per exporter and period, indexed by ``(step, member)`` (the ``time``
        and ``id`` of the input table), sorted; columns ``export_kwh`` [kWh],
        ``standalone`` (its own payment [money]), ``shapley`` (its share of the
        coalition's payment [money]) and ``std_error`` (standard error of ``shapley``
        [money], 0 when computed exactly).
    per_period : pandas.DataFrame
        One row per period with exporters, indexed by ``step``; columns
        ``n_members`` (exporters in the coalition), ``coalition_worth`` (payment of the
        whole coalition [money]), ``coalition_gain`` (worth minus the sum of the
        stand-alone payments [money]) and ``exact`` (True where the Shapley value was
        enumerated, False where it was sampled).
    """

    per_member: pd.DataFrame
    per_period: pd.DataFrame


def _coalition_payment(members, export, tp, tc, q, a, n):
    """Payments of a batch of coalitions (boolean membership rows) for their export."""
    return _payment_kernel(members @ export, tp, tc, q, a, n)


def settle_nrgx_coalitions(frame: pd.DataFrame, max_price_per_kwh, a_kwh2, exponent=1.0, *,
                           max_exact_players: int = 20, n_permutations: int = 2000,
                           rng=None) -> NrgxCoalitionSettlement:
    """Pay each period's exporters as one coalition and split the payment by Shapley value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long format with ``member``, ``step``, ``import_kwh``, ``export_kwh`` [kWh], as
        in :func:`lectoolkit.nrgx.settle_nrgx` (each ``(member, step)`` once).
    max_price_per_kwh : float
        Payment price ``q ≥ 0`` [money/kWh] (seed-001 prices are in ¢/kWh: pass
        ``lectoolkit.nrgx.CENT * price``).
    a_kwh2 : float
        Width of the payment bell, ``a > 0`` [kWh²].
    exponent : float, default 1
        Payment exponent ``n > 0`` [-]. With 1 the payment is linear in the export, the
        game is additive and every Shapley value equals the stand-alone payment; above
        1 it is superadditive, so the coalition gains.
    max_exact_players : int, default 20
        Periods with more exporters are valued by permutation sampling
        (:func:`lectoolkit.shapley.shapley_sampled`), with standard errors;
        ``1 ≤ max_exact_players ≤ 25`` (:data:`lectoolkit._limits.MAX_GAME_PLAYERS`).
    n_permutations : int, default 2000
        Sampled permutations per period beyond ``max_exact_players``: an even number
        ``≥ 2`` (antithetic pairs).
    rng : numpy.random.Generator or int, optional
        Seed of the sampling (an int ``≥ 0``); fresh entropy when omitted.

    Returns
    -------
    NrgxCoalitionSettlement
        ``per_member`` (export, stand-alone payment, Shapley share and its standard
        error per exporter and period) and ``per_period`` (coalition size, worth, gain,
        whether exact); both empty when nobody exports.

    Raises
    ------
    TypeError
        As in :func:`lectoolkit.nrgx.settle_nrgx`; ``max_exact_players`` or
        ``n_permutations`` not an integer; ``rng`` not a Generator, an int or None.
    ValueError
        As in :func:`lectoolkit.nrgx.settle_nrgx`; ``max_exact_players`` outside
        ``[1, 25]``, ``n_permutations`` odd or below 2, a negative seed.
    lectoolkit._validate.ResultRangeError
        (a ``ValueError``) when period totals or payments exceed the float64 range.

    Examples
    --------
    Two exporters with a quadratic payment split the gain in proportion to export:

    >>> frame = pd.DataFrame({"member": [1, 2, 3], "step": ["2020-01-01"] * 3,
    ...                       "import_kwh": [0.0, 0.0, 30.0],
    ...                       "export_kwh": [10.0, 20.0, 0.0]})
    >>> out = settle_nrgx_coalitions(frame, max_price_per_kwh=1.0, a_kwh2=1e6, exponent=2)
    >>> out.per_member["shapley"].round(4).tolist()
    [300.0, 600.0]
    >>> out.per_period["coalition_gain"].round(4).tolist()
    [400.0]
    """
    q = _validate.nonnegative(max_price_per_kwh, "max_price_per_kwh", unit="money/kWh")
    a = _validate.positive(a_kwh2, "a_kwh2", unit="kWh²")
    n = _validate.positive(exponent, "exponent", unit="-")
    max_exact = _validate.integer(max_exact_players, "max_exact_players", minimum=1,
                                  maximum=_limits.MAX_GAME_PLAYERS)
    n_perm = _validate.integer(n_permutations, "n_permutations", minimum=2)
    if n_perm % 2:
        raise ValueError(f"n_permutations: expected an even number (antithetic pairs), "
                         f"got {n_perm}")
    rng = _validate.seeded_rng(rng, "rng")
    settled, tp_rows, tc_rows = _periods(frame)
    exporting = settled["export_kwh"].to_numpy(dtype=float) > 0
    # the grand coalition of a period exports t_p; payments grow with export, so every
    # sub-coalition's worth is finite when this is
    worths = _payment_kernel(tp_rows, tp_rows, tc_rows, q, a, n)
    _validate.finite_result(worths[exporting], "the coalition payments",
                            "frame, max_price_per_kwh, exponent")
    members, periods = [], []
    for step, period in settled[exporting].groupby("step", sort=True):
        export = period["export_kwh"].to_numpy(dtype=float)
        tp = tp_rows[period.index[0]]
        tc = tc_rows[period.index[0]]
        standalone = _payment_kernel(export, tp, tc, q, a, n)
        worth = float(worths[period.index[0]])
        exact = export.size <= max_exact
        if exact:
            shapley = shapley_values(nrgx_coalition_worths(export, tp, tc, q, a, n))
            std_error = np.zeros_like(shapley)
        else:
            estimate = shapley_sampled(
                partial(_coalition_payment, export=export, tp=tp, tc=tc, q=q, a=a, n=n),
                export.size, n_perm, rng=rng,
            )
            shapley = estimate.shapley.to_numpy()
            std_error = estimate.std_error.to_numpy()
        members.append(pd.DataFrame({
            "step": step, "member": period["member"].to_numpy(), "export_kwh": export,
            "standalone": standalone, "shapley": shapley, "std_error": std_error,
        }))
        periods.append((step, export.size, worth, worth - standalone.sum(), exact))
    per_member = pd.DataFrame(
        {"step": [], "member": [], "export_kwh": [], "standalone": [], "shapley": [],
         "std_error": []} if not members else pd.concat(members, ignore_index=True)
    ).set_index(["step", "member"])
    per_period = pd.DataFrame(
        periods, columns=["step", "n_members", "coalition_worth", "coalition_gain", "exact"]
    ).set_index("step")
    _validate.finite_result(per_member[["standalone", "shapley", "std_error"]].to_numpy(float),
                            "the Shapley values", "frame, max_price_per_kwh, exponent")
    return NrgxCoalitionSettlement(per_member=per_member, per_period=per_period)

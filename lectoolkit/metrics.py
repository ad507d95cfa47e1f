"""Metrics comparing settlement mechanisms: bills, savings, fairness, energy, money flows.

All functions take the :class:`~lectoolkit.settlement.SettlementResult` objects returned
by :func:`lectoolkit.settle`, keyed by a label of the caller's choice (e.g.
``{"conventional": r0, "mmr": r1}``), and return pandas objects: members or mechanisms
on the index, one column per quantity.

Inputs are checked by :mod:`lectoolkit._validate`: ``TypeError`` for the wrong kind of
object (not a mapping, not a :class:`~lectoolkit.settlement.SettlementResult`, not a
DataFrame), ``ValueError`` naming the argument for a wrong value (an empty mapping,
results of different communities, an unknown baseline, NaN or infinite bills, totals that
leave float64's range).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.settlement import SettlementResult

BUDGET_RTOL = 1e-9
"""Relative tolerance of :func:`money_identity`'s ``budget_balanced`` flag, applied to the
gross money flows (sum of absolute bills and absolute per-step grid costs)."""


def _check_results(results) -> Mapping[str, SettlementResult]:
    """A non-empty mapping of string labels to settlements of the same members."""
    if not isinstance(results, Mapping):
        raise TypeError(
            "results: expected a mapping label -> SettlementResult, got "
            f"{_validate.describe(results)}"
        )
    if not results:
        raise ValueError("results: expected at least one SettlementResult, got an empty mapping")
    for label, res in results.items():
        if not isinstance(label, str):
            raise TypeError(f"results: labels must be strings, got {_validate.describe(label)}")
        if not isinstance(res, SettlementResult):
            raise TypeError(
                f"results: entry {label!r} is not a SettlementResult, got "
                f"{_validate.describe(res)}"
            )
    first, *others = results
    for label in others:
        if not results[label].bills.index.equals(results[first].bills.index):
            raise ValueError(
                f"results: entry {label!r} does not have the members of entry {first!r}; the "
                "results do not share the same members"
            )
    return results


def _check_bills(bills, baseline) -> tuple[np.ndarray, int]:
    """``bills`` as finite float64 (members x mechanisms) and the baseline's column."""
    if not isinstance(bills, pd.DataFrame):
        raise TypeError(
            "bills: expected a DataFrame (members x mechanisms), see bills_table; got "
            f"{_validate.describe(bills)}"
        )
    arr, _, columns = _validate.matrix(bills, "bills", unit="money")
    baseline = _validate.text(baseline, "baseline")
    if baseline not in columns:
        raise ValueError(f"baseline: {baseline!r} is not a column of bills {list(columns)}")
    return arr, columns.get_loc(baseline)


def bills_table(results: Mapping[str, SettlementResult]) -> pd.DataFrame:
    """Bill of every member under every mechanism.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same community (same members), keyed by a string label; at
        least one.

    Returns
    -------
    pandas.DataFrame, shape (n_members, n_results)
        ``bills[member, label]`` [money]; negative = net revenue.

    Raises
    ------
    TypeError
        ``results`` is not a mapping, a label is not a string or an entry is not a
        SettlementResult.
    ValueError
        An empty mapping; results whose members differ.

    Examples
    --------
    >>> import numpy as np, lectoolkit as lt
    >>> load, pv = np.array([[2.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> prices = dict(price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> res = {m: lt.settle(load, pv, m, **prices) for m in ("conventional", "mmr")}
    >>> bills_table(res)
    mechanism  conventional   mmr
    member
    0                  20.0  17.0
    1                  -4.0  -7.0
    """
    results = _check_results(results)
    table = pd.DataFrame({label: r.bills for label, r in results.items()})
    table.columns.name = "mechanism"
    return table


def daily_bills(results: Mapping[str, SettlementResult], *,
                timestep_h: float | None = None) -> pd.DataFrame:
    """The community's bill per day under every mechanism.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same community keyed by a string label; at least one.
    timestep_h : float, optional
        Step length [h], dividing 24 h into whole steps; required when the results carry
        no time stamps (array inputs, or a time index that is not a DatetimeIndex), refused
        when they do.

    Returns
    -------
    pandas.DataFrame, shape (n_days, n_results)
        ``bills[day, label]``: the sum of all members' costs over the day [money]. With
        time stamps, one row per calendar day present (index ``day``, the days'
        midnights); otherwise day ``k`` (0-based, index ``day``) holds steps
        ``k 24 / timestep_h`` to ``(k + 1) 24 / timestep_h - 1``, the last day possibly
        partial. Each column sums to the community's total bill.

    Raises
    ------
    TypeError
        As :func:`bills_table`; ``timestep_h`` not a number.
    ValueError
        As :func:`bills_table`; results of different horizons; a missing, superfluous,
        non-positive ``timestep_h`` or one that does not divide a day;
        :class:`lectoolkit.ResultRangeError` when a daily bill overflows.

    Examples
    --------
    >>> import numpy as np, lectoolkit as lt
    >>> load, pv = np.array([[2.0], [1.0], [3.0]]), np.zeros((3, 1))
    >>> res = {"conventional": lt.settle(load, pv, "conventional", price_buy_per_kwh=10.0,
    ...                                  price_sell_per_kwh=4.0)}
    >>> daily_bills(res, timestep_h=12.0)["conventional"].tolist()
    [30.0, 30.0]
    """
    results = _check_results(results)
    first, *others = results.values()
    index = first.price_import.index
    for label, r in results.items():
        if not r.price_import.index.equals(index):
            raise ValueError(
                f"results: entry {label!r} does not have the time steps of the first entry; "
                "the results do not share one horizon"
            )
    stamped = isinstance(index, pd.DatetimeIndex)
    if stamped:
        if timestep_h is not None:
            raise ValueError(
                "timestep_h: the results carry time stamps, which give the days; pass "
                f"timestep_h=None, got {_validate.describe(timestep_h)}"
            )
        day = pd.Index(index.floor("D"), name="day")
    else:
        if timestep_h is None:
            raise ValueError(
                "timestep_h: required when the results carry no time stamps (the steps "
                "per day come from it)"
            )
        timestep_h = _validate.positive(timestep_h, "timestep_h", unit="h")
        steps_per_day = 24.0 / timestep_h
        if steps_per_day != round(steps_per_day):
            raise ValueError(
                f"timestep_h: expected a step dividing 24 h into whole steps, got {timestep_h:g}"
            )
        day = pd.Index(np.arange(len(index)) // int(round(steps_per_day)), name="day")
    columns = {}
    for label, r in results.items():
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below
            per_step = np.asarray(r.cost).sum(axis=1)
            columns[label] = pd.Series(per_step, index=day).groupby(level="day").sum()
        _validate.finite_result(columns[label].to_numpy(), f"daily bills of {label!r}",
                                "results")
    table = pd.DataFrame(columns)
    table.columns.name = "mechanism"
    return table


def savings(bills: pd.DataFrame, baseline: str = "conventional") -> pd.DataFrame:
    """Savings of every member relative to a baseline mechanism.

    Parameters
    ----------
    bills : pandas.DataFrame, shape (n_members, n_mechanisms)
        As returned by :func:`bills_table`: finite numbers, unique labels, at least one
        member and one mechanism [money].
    baseline : str, default "conventional"
        Column to compare with.

    Returns
    -------
    pandas.DataFrame
        ``baseline bill - bill`` [money]; positive = the member pays less.

    Raises
    ------
    TypeError
        ``bills`` is not a DataFrame or has a non-numeric column; ``baseline`` is not a
        string.
    ValueError
        Empty ``bills``, NaN or infinite bills, duplicated labels; ``baseline`` not a
        column; :class:`lectoolkit.ResultRangeError` when a saving overflows.

    Examples
    --------
    >>> bills = pd.DataFrame({"conventional": [20.0, -4.0], "mmr": [17.0, -7.0]})
    >>> savings(bills)["mmr"].tolist()
    [3.0, 3.0]
    """
    arr, base = _check_bills(bills, baseline)
    with np.errstate(over="ignore"):  # refused just below
        saved = arr[:, [base]] - arr
    _validate.finite_result(saved, "savings", "bills")
    return pd.DataFrame(saved, index=bills.index, columns=bills.columns)


def individual_rationality(bills: pd.DataFrame, baseline: str = "conventional", *,
                           tol_money: float = 1e-9) -> pd.DataFrame:
    """Whether each member is at least as well off as under the baseline.

    Parameters
    ----------
    bills : pandas.DataFrame, shape (n_members, n_mechanisms)
        As returned by :func:`bills_table` (as for :func:`savings`) [money].
    baseline : str, default "conventional"
        Column to compare with.
    tol_money : float, default 1e-9
        Saving at or above ``-tol_money`` counts as not worse off, ``>= 0`` [money].

    Returns
    -------
    pandas.DataFrame of bool
        True where the member's bill does not exceed its baseline bill by more than
        ``tol_money``; a mechanism is individually rational when its column is all True.

    Raises
    ------
    TypeError, ValueError
        As :func:`savings`; and for a ``tol_money`` that is not a finite number ``>= 0``.
        Huge bills are compared exactly (no overflow refusal).

    Examples
    --------
    >>> bills = pd.DataFrame({"conventional": [20.0, -4.0], "x": [21.0, -7.0]})
    >>> individual_rationality(bills)["x"].tolist()
    [False, True]
    """
    tol = _validate.nonnegative(tol_money, "tol_money", unit="money")
    arr, base = _check_bills(bills, baseline)
    with np.errstate(over="ignore"):  # an infinite excess compares correctly
        rational = arr - arr[:, [base]] <= tol
    return pd.DataFrame(rational, index=bills.index, columns=bills.columns)


def gini(values) -> float:
    """Gini coefficient of a set of values (e.g. the members' savings).

    Parameters
    ----------
    values : array_like or pandas.Series, shape (n,)
        Finite values, at least one [any unit].

    Returns
    -------
    float
        Mean absolute difference over twice the absolute mean: 0 when all values are
        equal, ``(n-1)/n`` when one member gets everything; NaN when the mean is 0 (the
        coefficient is undefined). With values of mixed sign it can exceed 1.

    Raises
    ------
    TypeError
        Not a vector of numbers (str, bool, None, a DataFrame, str or bool dtype).
    ValueError
        Empty or non-1-D values, NaN or infinite values.

    Notes
    -----
    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 |mean(x)|)``, computed in ``O(n log n)`` from
    the sorted values as ``sum_k (2k - n - 1) x_(k) / (n^2 |mean(x)|)``, ``k = 1..n``.
    The values are first scaled by a power of two near their largest magnitude (exact,
    and ``G`` does not depend on the scale), so huge and subnormal values give the
    same coefficient as moderate ones.

    Examples
    --------
    >>> gini([0.0, 0.0, 0.0, 1.0])
    0.75
    """
    x, _ = _validate.vector(values, "values")
    largest = np.abs(x).max()
    if largest == 0:
        return float("nan")
    x = np.ldexp(x, -np.frexp(largest)[1])  # exact power-of-two scaling into [-1, 1]
    n = x.size
    mean = x.mean()
    if mean == 0:
        return float("nan")
    k = np.arange(1, n + 1)
    return float(np.sum((2 * k - n - 1) * np.sort(x)) / (n * n * abs(mean)))


def energy_ratios(result: SettlementResult) -> pd.DataFrame:
    """Self-sufficiency and self-consumption per member and for the community.

    Parameters
    ----------
    result : SettlementResult
        A settlement (its energy flows are computed on access).

    Returns
    -------
    pandas.DataFrame
        One row per member plus a final ``"community"`` row; columns
        ``self_sufficiency`` (share of the load met by own PV and P2P purchases) and
        ``self_consumption`` (share of the PV used by the member or sold to members)
        [0-1]; NaN where the load (or PV) is zero.

    Raises
    ------
    TypeError
        ``result`` is not a SettlementResult.
    ValueError
        :class:`lectoolkit.ResultRangeError` when the energy totals over the
        horizon leave float64's range.

    Notes
    -----
    ``SS = 1 - grid_import / load`` and ``SC = 1 - grid_export / pv``, each summed over
    the horizon; the community row uses the community's totals.

    Examples
    --------
    >>> import numpy as np, lectoolkit as lt
    >>> load, pv = np.array([[2.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> r = lt.settle(load, pv, "mmr", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> energy_ratios(r)["self_sufficiency"].tolist()
    [0.5, nan, 0.5]
    """
    if not isinstance(result, SettlementResult):
        raise TypeError(f"result: expected a SettlementResult, got {_validate.describe(result)}")
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        own = np.asarray(result.self_consumed_kwh).sum(axis=0)
        grid_imp = np.asarray(result.grid_import_kwh).sum(axis=0)
        grid_exp = np.asarray(result.grid_export_kwh).sum(axis=0)
        load = own + grid_imp + np.asarray(result.p2p_import_kwh).sum(axis=0)
        pv = own + grid_exp + np.asarray(result.p2p_export_kwh).sum(axis=0)
        community = np.array([grid_imp.sum(), load.sum(), grid_exp.sum(), pv.sum()])
    _validate.finite_result(np.concatenate([load, pv, community]),
                            "energy totals over the horizon", "result")

    def ratio(grid, total):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, 1.0 - grid / np.where(total > 0, total, 1.0), np.nan)

    index = list(result.bills.index) + ["community"]
    frame = pd.DataFrame({
        "self_sufficiency": np.append(ratio(grid_imp, load), ratio(*community[:2])),
        "self_consumption": np.append(ratio(grid_exp, pv), ratio(*community[2:])),
    }, index=pd.Index(index, name=result.bills.index.name or "member"))
    return frame


def money_identity(results: Mapping[str, SettlementResult]) -> pd.DataFrame:
    """Where the money goes under each mechanism, and whether it balances.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same members keyed by a string label; at least one.

    Returns
    -------
    pandas.DataFrame, one row per label
        ``members_pay`` (sum of bills), ``grid_receives`` (the community's net payment to
        the grid, :attr:`SettlementResult.grid_cost` summed) and ``operator_keeps``
        (their difference) [money]; ``budget_balanced`` is True when
        ``|operator_keeps| <= BUDGET_RTOL (sum_i |bill_i| + sum_t |grid_cost_t|)``: a
        tolerance for rounding relative to the gross money flows, with no absolute floor,
        so an imbalance is never hidden by small amounts.

    Raises
    ------
    TypeError, ValueError
        As :func:`bills_table`; :class:`lectoolkit.ResultRangeError` when the
        money totals leave float64's range.

    Notes
    -----
    ``members_pay = grid_receives + operator_keeps`` by definition; a mechanism is
    budget-balanced when nothing stays with (or is missing at) the operator: true for
    conventional billing, Zhou's MMR, SDR, SDRC and both bill-sharing forms, not for the
    seed-002 MMR on gross totals.

    Examples
    --------
    >>> import numpy as np, lectoolkit as lt
    >>> load, pv = np.array([[2.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> r = lt.settle(load, pv, "mmr", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> money_identity({"mmr": r}).loc["mmr", ["members_pay", "grid_receives"]].tolist()
    [10.0, 10.0]
    """
    results = _check_results(results)
    rows = {}
    for label, r in results.items():
        bills, grid_cost = r.bills.to_numpy(), r.grid_cost.to_numpy()
        with np.errstate(over="ignore", invalid="ignore"):  # refused just below
            members, grid = bills.sum(), grid_cost.sum()
            keeps = members - grid
            gross = np.abs(bills).sum() + np.abs(grid_cost).sum()
        _validate.finite_result([members, grid, keeps, gross], f"money totals of {label!r}",
                                "results")
        rows[label] = {"members_pay": float(members), "grid_receives": float(grid),
                       "operator_keeps": float(keeps),
                       "budget_balanced": bool(abs(keeps) <= BUDGET_RTOL * gross)}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "mechanism"
    return frame


def compare_mechanisms(results: Mapping[str, SettlementResult],
                       baseline: str = "conventional") -> pd.DataFrame:
    """One tidy row per mechanism: bills, savings, fairness, energy and money balance.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same community keyed by a string label; must include
        ``baseline``.
    baseline : str, default "conventional"
        Label the savings are measured against.

    Returns
    -------
    pandas.DataFrame, one row per label
        ``total_bill`` and ``total_savings`` [money], ``savings_share`` (total savings over
        the baseline's total bill), ``n_worse_off`` and ``worse_off`` (members paying more
        than under the baseline, comma-separated), ``gini_savings`` (:func:`gini` of the
        members' savings), community ``self_sufficiency`` and ``self_consumption``
        (:func:`energy_ratios`), and the columns of :func:`money_identity`.
        ``savings_share`` is NaN when the baseline's total bill is 0, ``gini_savings``
        when the savings' mean is 0 (as for the baseline itself).

    Raises
    ------
    TypeError
        As :func:`bills_table`; ``baseline`` is not a string.
    ValueError
        As :func:`bills_table`; ``baseline`` is not a label of ``results``;
        :class:`lectoolkit.ResultRangeError` when totals or the savings share
        leave float64's range.

    Examples
    --------
    >>> import numpy as np, lectoolkit as lt
    >>> load, pv = np.array([[2.0, 0.0]]), np.array([[0.0, 1.0]])
    >>> prices = dict(price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    >>> res = {m: lt.settle(load, pv, m, **prices) for m in ("conventional", "mmr")}
    >>> compare_mechanisms(res)[["total_savings", "n_worse_off", "budget_balanced"]]
                  total_savings  n_worse_off  budget_balanced
    mechanism
    conventional            0.0            0             True
    mmr                     6.0            0             True
    """
    results = _check_results(results)
    baseline = _validate.text(baseline, "baseline")
    if baseline not in results:
        raise ValueError(f"baseline: {baseline!r} is not a label of results {list(results)}")
    bills = bills_table(results)
    saved = savings(bills, baseline)
    rational = individual_rationality(bills, baseline)
    with np.errstate(over="ignore", invalid="ignore"):  # refused just below
        totals = bills.sum(axis=0)
        total_savings = saved.sum(axis=0)
        base_total = totals[baseline]
        shares = (total_savings / base_total if base_total != 0
                  else pd.Series(np.nan, index=totals.index))
    _validate.finite_result(np.append(totals, total_savings), "total bills or savings",
                            "results")
    if base_total != 0:
        _validate.finite_result(shares, "savings shares", "results")
    rows = {}
    for label, r in results.items():
        ratios = energy_ratios(r).loc["community"]
        losers = [str(m) for m in rational.index[~rational[label].to_numpy()]]
        rows[label] = {
            "total_bill": float(totals[label]),
            "total_savings": float(total_savings[label]),
            "savings_share": float(shares[label]),
            "n_worse_off": len(losers),
            "worse_off": ", ".join(losers),
            "gini_savings": gini(saved[label]),
            "self_sufficiency": float(ratios["self_sufficiency"]),
            "self_consumption": float(ratios["self_consumption"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "mechanism"
    return frame.join(money_identity(results))

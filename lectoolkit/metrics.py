"""Metrics comparing settlement mechanisms: bills, savings, fairness, energy, money flows.

All functions take the :class:`~lectoolkit.settlement.SettlementResult` objects returned
by :func:`lectoolkit.settle`, keyed by a label of the caller's choice (e.g.
``{"conventional": r0, "mmr": r1}``), and return pandas objects: members or mechanisms
on the index, one column per quantity.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lectoolkit.settlement import SettlementResult

BUDGET_RTOL = 1e-9
"""Relative tolerance of :func:`money_identity`'s ``budget_balanced`` flag."""


def _check_results(results) -> Mapping[str, SettlementResult]:
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results: expected a non-empty mapping label -> SettlementResult")
    for label, res in results.items():
        if not isinstance(res, SettlementResult):
            raise ValueError(f"results: entry {label!r} is not a SettlementResult")
    members = [r.bills.index for r in results.values()]
    if any(not m.equals(members[0]) for m in members[1:]):
        raise ValueError("results: the results do not share the same members")
    return results


def bills_table(results: Mapping[str, SettlementResult]) -> pd.DataFrame:
    """Bill of every member under every mechanism.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same community, keyed by a label.

    Returns
    -------
    pandas.DataFrame, shape (n_members, n_results)
        ``bills[member, label]`` [money]; negative = net revenue.

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


def _baseline_bills(bills: pd.DataFrame, baseline: str) -> pd.Series:
    if not isinstance(bills, pd.DataFrame):
        raise ValueError("bills: expected a DataFrame (members x mechanisms), see bills_table")
    if baseline not in bills.columns:
        raise ValueError(f"baseline: {baseline!r} is not a column of bills {list(bills.columns)}")
    if not np.isfinite(bills.to_numpy(dtype=np.float64)).all():
        raise ValueError("bills: contains NaN or infinite values")
    return bills[baseline]


def savings(bills: pd.DataFrame, baseline: str = "conventional") -> pd.DataFrame:
    """Savings of every member relative to a baseline mechanism.

    Parameters
    ----------
    bills : pandas.DataFrame, shape (n_members, n_mechanisms)
        As returned by :func:`bills_table` [money].
    baseline : str, default "conventional"
        Column to compare with.

    Returns
    -------
    pandas.DataFrame
        ``baseline bill - bill`` [money]; positive = the member pays less.

    Examples
    --------
    >>> bills = pd.DataFrame({"conventional": [20.0, -4.0], "mmr": [17.0, -7.0]})
    >>> savings(bills)["mmr"].tolist()
    [3.0, 3.0]
    """
    base = _baseline_bills(bills, baseline)
    return (-bills).add(base, axis=0)


def individual_rationality(bills: pd.DataFrame, baseline: str = "conventional", *,
                           tol_money: float = 1e-9) -> pd.DataFrame:
    """Whether each member is at least as well off as under the baseline.

    Parameters
    ----------
    bills : pandas.DataFrame, shape (n_members, n_mechanisms)
        As returned by :func:`bills_table` [money].
    baseline : str, default "conventional"
        Column to compare with.
    tol_money : float, default 1e-9
        Saving above ``-tol_money`` counts as not worse off [money].

    Returns
    -------
    pandas.DataFrame of bool
        True where the member's bill does not exceed its baseline bill; a mechanism is
        individually rational when its column is all True.

    Examples
    --------
    >>> bills = pd.DataFrame({"conventional": [20.0, -4.0], "x": [21.0, -7.0]})
    >>> individual_rationality(bills)["x"].tolist()
    [False, True]
    """
    if not (np.isfinite(tol_money) and tol_money >= 0):
        raise ValueError(f"tol_money: must be a non-negative number, got {tol_money!r}")
    return savings(bills, baseline) >= -tol_money


def gini(values) -> float:
    """Gini coefficient of a set of values (e.g. the members' savings).

    Parameters
    ----------
    values : array_like or pandas.Series, shape (n,)
        Finite values [any unit].

    Returns
    -------
    float
        Mean absolute difference over twice the absolute mean: 0 when all values are
        equal, ``(n-1)/n`` when one member gets everything; NaN when the mean is 0. With
        values of mixed sign it can exceed 1.

    Notes
    -----
    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 |mean(x)|)``, computed in ``O(n log n)`` from
    the sorted values as ``sum_k (2k - n - 1) x_(k) / (n^2 |mean(x)|)``, ``k = 1..n``.

    Examples
    --------
    >>> gini([0.0, 0.0, 0.0, 1.0])
    0.75
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"values: expected a non-empty 1-D array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("values: contains NaN or infinite values")
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
        raise ValueError("result: expected a SettlementResult")
    own = np.asarray(result.self_consumed_kwh).sum(axis=0)
    grid_imp = np.asarray(result.grid_import_kwh).sum(axis=0)
    grid_exp = np.asarray(result.grid_export_kwh).sum(axis=0)
    load = own + grid_imp + np.asarray(result.p2p_import_kwh).sum(axis=0)
    pv = own + grid_exp + np.asarray(result.p2p_export_kwh).sum(axis=0)

    def ratio(grid, total):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, 1.0 - grid / np.where(total > 0, total, 1.0), np.nan)

    index = list(result.bills.index) + ["community"]
    frame = pd.DataFrame({
        "self_sufficiency": np.append(ratio(grid_imp, load), ratio(grid_imp.sum(), load.sum())),
        "self_consumption": np.append(ratio(grid_exp, pv), ratio(grid_exp.sum(), pv.sum())),
    }, index=pd.Index(index, name=result.bills.index.name or "member"))
    return frame


def money_identity(results: Mapping[str, SettlementResult]) -> pd.DataFrame:
    """Where the money goes under each mechanism, and whether it balances.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements keyed by a label.

    Returns
    -------
    pandas.DataFrame, one row per label
        ``members_pay`` (sum of bills), ``grid_receives`` (the community's net payment to
        the grid, :attr:`SettlementResult.grid_cost` summed) and ``operator_keeps``
        (their difference) [money]; ``budget_balanced`` is True when
        ``|operator_keeps| <= 1e-9 (|members_pay| + |grid_receives|) + 1e-9``.

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
        members = float(r.bills.sum())
        grid = float(r.grid_cost.sum())
        keeps = members - grid
        tol = BUDGET_RTOL * (abs(members) + abs(grid)) + 1e-9
        rows[label] = {"members_pay": members, "grid_receives": grid, "operator_keeps": keeps,
                       "budget_balanced": abs(keeps) <= tol}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "mechanism"
    return frame


def compare_mechanisms(results: Mapping[str, SettlementResult],
                       baseline: str = "conventional") -> pd.DataFrame:
    """One tidy row per mechanism: bills, savings, fairness, energy and money balance.

    Parameters
    ----------
    results : mapping of str to SettlementResult
        Settlements of the same community keyed by a label; must include ``baseline``.
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
    bills = bills_table(results)
    saved = savings(bills, baseline)
    rational = individual_rationality(bills, baseline)
    base_total = float(bills[baseline].sum())
    rows = {}
    for label, r in results.items():
        ratios = energy_ratios(r).loc["community"]
        losers = [str(m) for m in rational.index[~rational[label].to_numpy()]]
        total_saved = float(saved[label].sum())
        rows[label] = {
            "total_bill": float(bills[label].sum()),
            "total_savings": total_saved,
            "savings_share": total_saved / base_total if base_total != 0 else float("nan"),
            "n_worse_off": len(losers),
            "worse_off": ", ".join(losers),
            "gini_savings": gini(saved[label]),
            "self_sufficiency": float(ratios["self_sufficiency"]),
            "self_consumption": float(ratios["self_consumption"]),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "mechanism"
    return frame.join(money_identity(results))

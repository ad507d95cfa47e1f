"""Community invoicing with an internal market (seed 003, after Cornélusse et al. 2019).

A local energy community is invoiced per market period (15 min in Belgium) made of
sub-periods (e.g. 30 × 30 s). In every sub-period a member either withdraws or injects
(never both); it can trade with the grid (purchase price ``b``, sale price ``s``) and with
the community, whose exchanges balance in every sub-period. Exchanges are priced on a
local market: an exporter receives ``mu - tau`` per kWh, an importer pays ``mu + tau``,
the operator keeps ``2 tau`` per kWh exchanged. Peaks above the month's past peak are
charged: each member's own peak when it stands alone, the community's (the sum of its
members' grid imports, averaged over the period) in the community, the charge being
shared among the members. A member with a storage device is paid a usage fee on the
energy it exchanges with the community, through its efficiencies (``fee / eta_d`` per
kWh it injects, ``fee * eta_c`` per kWh it withdraws), as in the seed.

Three phases per period: (0) every member alone, in closed form; (1) the flows that
maximise the members' total profit (the welfare); (2) the prices (and the shares of the
community peak charge) that make every member at least as well off as alone and
maximise the smallest relative gain ``alpha``, the welfare of phase 1 kept.

Models
------
``"fair_price"`` (default, the seed's stated intent)
    One local price ``mu`` per sub-period, between the lowest break-even price of the
    sub-period's exporters (``s + tau - fee / eta_d``) and the highest of its importers
    (``b - tau + fee * eta_c``); unbounded prices would let two sub-periods' large prices
    of opposite signs move money between members at will. Because the community balances in every
    sub-period, ``sum_e mu (exp_com - imp_com) = 0``: the welfare does not depend on the
    prices nor on the peak-charge shares. Phase 1 is therefore an LP in the flows, and
    with the flows fixed every member's profit is affine in ``(mu, shares)``, so phase 2
    is an LP in the prices in which the phase-1 welfare is kept identically.
``"bilevel"``
    The paper's consistent bilevel: the prices must be dual prices of the phase-1 market
    LP (``mu`` the dual of the community balance). The set of optimal duals of an LP is
    the set of dual-feasible vectors satisfying complementary slackness with any one
    primal optimum, so with the phase-1 flows fixed the upper level is again an LP
    (strong duality holds by construction; it is not a constraint to write). Such prices
    sit at a grid price (``s + tau`` when the community has surplus, ``b - tau`` when it
    is short), so one side gains nothing and ``alpha`` is usually 0; and a period where
    a member loses at every market-clearing price admits no Pareto-improving community.

Periods with no Pareto-improving price path (``status = "no_pareto_improvement"``) are
invoiced as if every member stood alone; they are reported, never raised.

Exactness, ties and tolerances
------------------------------
* Phase 1's welfare is the global optimum of an LP. Members of one sub-period on the same
  side with the same objective coefficient have identical LP columns: the LP takes their
  sum and splits it in proportion to their positions, the canonical one of these tied
  optima (which also makes HiGHS and GLPK return the same flows). Any other tie (found by
  an LP over the optimal face) is flagged per period (``several_flow_optima``):
  ``alpha``, and whether a Pareto price exists, may depend on the choice among tied flows,
  which phase 2 (an LP only once the flows are fixed) does not explore.
* The community's past peak of a period depends on the earlier periods' solutions; all
  periods are solved in one LP and re-solved with the implied past peaks until they agree
  (exact; at most ``n_periods + 1`` rounds, in practice one or two).
* Phase 2 decomposes by period; it is solved in chunks of periods. A period has no Pareto
  price when its welfare is below its members' total alone (the prices only move money
  between members) or when its LP is infeasible to the solver (HiGHS' primal feasibility
  tolerance is 1e-7): every member's community profit is at least its profit alone to
  within that tolerance [money].
* The storage remuneration is part of the members' welfare, as in the seed; the seed does
  not say who pays it: :func:`operator_invoice` books it on the operator.
* In the community the members' own peak charges are replaced by the community's; each
  member's past peak still follows its imports alone (the counterfactual of phase 0).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lectoolkit import _validate

MODELS = ("fair_price", "bilevel")
"""Names accepted by :func:`invoice_community`'s ``model``."""

MEMBER_COLUMNS = {
    "past_peak_kw": 0.0,
    "peak_price_per_kw": 0.0,
    "storage_fee_per_kwh": 0.0,
    "charge_efficiency": 1.0,
    "discharge_efficiency": 1.0,
}
"""Columns of :class:`InvoicingInputs`'s ``members`` table and their defaults."""

FLOW_COLUMNS = ("price_com_per_kwh", "exp_grid_kw", "imp_grid_kw", "exp_com_kw", "imp_com_kw")
"""Per member and period outputs (period averages), in the seed's order."""

_ZERO_PROFIT_EUR = 1e-9  # below this |profit alone| the relative gain is undefined [money]
_AT_BOUND_KW = 1e-7  # a flow this close to a bound is at the bound (complementary slackness) [kW]
_LOSS_EUR = 1e-7  # a period whose welfare falls this far below alone loses [money]
_ROWS_PER_LP = 4000  # Pareto rows per phase-2 LP (periods are independent in phase 2)
_MOVE_KW = 1e-3  # another phase-1 optimum moves the flows by more than this [kW]


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------
def _step_index(index, name: str) -> tuple[pd.DatetimeIndex, float]:
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"{name}: expected a DatetimeIndex of sub-period start times, got "
                        f"{_validate.describe(index)}")
    _validate.unique_labels(index, name, "time stamps")
    if index.size < 2:
        if index.size == 1 and index.freq is not None:
            return index, pd.Timedelta(index.freq) / pd.Timedelta(hours=1)
        raise ValueError(f"{name}: expected at least 2 sub-periods (or 1 with a frequency), "
                         f"got {index.size}")
    steps = np.diff(index.asi8)
    if (steps <= 0).any():
        raise ValueError(f"{name}: time stamps must increase, got "
                         f"{index[np.argmax(steps <= 0) + 1]} out of order")
    if (steps != steps[0]).any():
        at = int(np.argmax(steps != steps[0])) + 1
        raise ValueError(f"{name}: expected regularly spaced time stamps, got a gap before "
                         f"{index[at]}")
    return index, (index[1] - index[0]) / pd.Timedelta(hours=1)


def _frame_like(value, name: str, reference: pd.DataFrame) -> np.ndarray:
    """``value`` (a DataFrame labelled as ``reference``) as float64 in reference's order."""
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame (step x member) [money/kWh], got "
                        f"{_validate.describe(value)}")
    _validate.unique_labels(value.index, name, "time stamps")
    _validate.unique_labels(value.columns, name, "members")
    if set(value.columns) != set(reference.columns):
        raise ValueError(f"{name}: expected the members {list(reference.columns)[:10]}, got "
                         f"{list(value.columns)[:10]}")
    if len(value.index) != len(reference.index) or not value.index.isin(reference.index).all():
        raise ValueError(f"{name}: expected the time stamps of net_load_kw, got "
                         f"{len(value.index)} that differ")
    ordered = value.loc[reference.index, reference.columns]
    arr, _, _ = _validate.matrix(ordered, name, unit="money/kWh")
    return np.ascontiguousarray(arr, dtype=float)


def _members_table(value, members: pd.Index) -> pd.DataFrame:
    if value is None:
        return pd.DataFrame({key: default for key, default in MEMBER_COLUMNS.items()},
                            index=members.rename("member"))
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"members: expected a pandas DataFrame indexed by member with columns "
                        f"among {list(MEMBER_COLUMNS)}, got {_validate.describe(value)}")
    _validate.unique_labels(value.index, "members", "members")
    unknown = [c for c in value.columns if c not in MEMBER_COLUMNS]
    if unknown:
        raise ValueError(f"members: unknown columns {unknown} (expected among "
                         f"{list(MEMBER_COLUMNS)})")
    if set(value.index) != set(members):
        raise ValueError(f"members: expected one row per member of net_load_kw "
                         f"{list(members)[:10]}, got {list(value.index)[:10]}")
    out = pd.DataFrame(index=members.rename("member"))
    for key, default in MEMBER_COLUMNS.items():
        if key in value.columns:
            col = _validate.column(value.loc[members], key, "members", nonneg=True)
        else:
            col = np.full(members.size, default)
        out[key] = col
    for key in ("charge_efficiency", "discharge_efficiency"):
        bad = (out[key] <= 0) | (out[key] > 1)
        if bad.any():
            raise ValueError(f"members: column '{key}': expected efficiencies in (0, 1], got "
                             f"{out[key][bad].iloc[0]} for member {out.index[bad][0]!r}")
    return out


@dataclass(frozen=True)
class InvoicingInputs:
    """Everything :func:`invoice_community` needs, validated on construction.

    Parameters
    ----------
    net_load_kw : pandas.DataFrame, shape (n_steps, n_members)
        Withdrawal minus injection of each member [kW] (> 0 import, < 0 export), indexed by
        the regularly spaced start times of the sub-periods (``step``), columns
        ``member``. The first step starts a market period; ``n_steps`` is a multiple of
        ``n_steps_per_period``.
    price_buy_per_kwh, price_sell_per_kwh : pandas.DataFrame, shape (n_steps, n_members)
        Grid purchase and sale prices of every member [money/kWh], labelled as
        ``net_load_kw`` (paired by label); finite, of any sign (dynamic tariffs).
    members : pandas.DataFrame, optional
        Indexed by member, columns among ``past_peak_kw`` (peak of the month so far
        [kW]), ``peak_price_per_kw`` [money/kW], ``storage_fee_per_kwh`` (usage fee of the
        member's storage, 0 without one [money/kWh]), ``charge_efficiency``,
        ``discharge_efficiency`` (in (0, 1]); missing columns take the defaults of
        :data:`MEMBER_COLUMNS`.
    tariff_per_kwh : float
        Community tariff ``tau`` paid by both sides of an exchange [money/kWh], >= 0.
    community_past_peak_kw : float
        Peak of the community so far this month [kW], >= 0.
    community_peak_price_per_kw : float
        Price of the community's peak above its past peak [money/kW], >= 0.
    n_steps_per_period : int
        Sub-periods per market period, >= 1.

    Raises
    ------
    TypeError
        If an argument is of the wrong kind (e.g. not a DataFrame, no DatetimeIndex).
    ValueError
        If labels are duplicated or differ between the tables, values are NaN/inf or
        negative where they cannot be, the time stamps are irregular or not aligned on
        market periods, or an efficiency is outside (0, 1].
    """

    net_load_kw: pd.DataFrame
    price_buy_per_kwh: pd.DataFrame
    price_sell_per_kwh: pd.DataFrame
    members: pd.DataFrame | None = None
    tariff_per_kwh: float = 0.0
    community_past_peak_kw: float = 0.0
    community_peak_price_per_kw: float = 0.0
    n_steps_per_period: int = 30

    def __post_init__(self):
        net = self.net_load_kw
        if not isinstance(net, pd.DataFrame):
            raise TypeError(f"net_load_kw: expected a pandas DataFrame (step x member) [kW], got "
                            f"{_validate.describe(net)}")
        index, timestep_h = _step_index(net.index, "net_load_kw")
        _validate.unique_labels(net.columns, "net_load_kw", "members")
        n = _validate.integer(self.n_steps_per_period, "n_steps_per_period", minimum=1)
        if len(index) % n:
            raise ValueError(f"n_steps_per_period: expected a divisor of the {len(index)} "
                             f"sub-periods of net_load_kw, got {n}")
        period = pd.Timedelta(hours=timestep_h * n)
        if index[0] != index[0].floor(period):
            raise ValueError(f"net_load_kw: the first time stamp {index[0]} does not start a "
                             f"market period of {period}")
        arr, _, _ = _validate.matrix(net, "net_load_kw", unit="kW")
        members = pd.Index(net.columns, name="member")
        steps = pd.DatetimeIndex(index, name="step")
        put = object.__setattr__
        put(self, "net_load_kw", pd.DataFrame(arr.astype(float), index=steps, columns=members))
        for name in ("price_buy_per_kwh", "price_sell_per_kwh"):
            values = _frame_like(getattr(self, name), name, net)
            put(self, name, pd.DataFrame(values, index=steps, columns=members))
        put(self, "members", _members_table(self.members, members))
        put(self, "tariff_per_kwh", _validate.nonnegative(self.tariff_per_kwh, "tariff_per_kwh",
                                                         unit="money/kWh"))
        put(self, "community_past_peak_kw", _validate.nonnegative(
            self.community_past_peak_kw, "community_past_peak_kw", unit="kW"))
        put(self, "community_peak_price_per_kw", _validate.nonnegative(
            self.community_peak_price_per_kw, "community_peak_price_per_kw", unit="money/kW"))
        put(self, "n_steps_per_period", n)

    @property
    def timestep_h(self) -> float:
        """Length of a sub-period [h]."""
        return _step_index(self.net_load_kw.index, "net_load_kw")[1]


def _seed_inputs(structure, data, n_steps_per_period, structure_name: str, data_name: str,
                 fail) -> InvoicingInputs:
    """Seed-003 structure dict and data frame -> :class:`InvoicingInputs`."""
    if not isinstance(structure, dict):
        raise TypeError(f"{structure_name}: expected a dict (the seed's JSON object), got "
                        f"{_validate.describe(structure)}")
    for key in ("community_tariff", "entities"):
        if key not in structure:
            fail(structure_name, f"missing key '{key}'")
    entities = structure["entities"]
    if not isinstance(entities, list) or not entities:
        fail(structure_name, "'entities' must be a non-empty list")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{data_name}: expected a pandas DataFrame indexed by time, got "
                        f"{_validate.describe(data)}")
    ids, rows, used = [], [], set()
    net = pd.DataFrame(index=data.index)
    buy, sell = pd.DataFrame(index=data.index), pd.DataFrame(index=data.index)
    for k, entity in enumerate(entities):
        where = f"entities[{k}]"
        if not isinstance(entity, dict) or "entity_id" not in entity:
            fail(structure_name, f"{where}: expected an object with an 'entity_id'")
        eid = entity["entity_id"]
        if isinstance(eid, bool) or not isinstance(eid, int):
            fail(structure_name, f"{where}: 'entity_id' must be an integer, got {eid!r}")
        if eid in ids:
            fail(structure_name, f"{where}: duplicated entity_id {eid}")
        unknown = set(entity) - {"entity_id", "EAN_inj", "EAN_wd", "storage", "past_peak",
                                 "peak_price"}
        if unknown:
            fail(structure_name, f"{where}: unknown keys {sorted(unknown)}")
        flows = np.zeros(len(data.index))
        for key, sign in (("EAN_wd", 1.0), ("EAN_inj", -1.0)):
            ean = entity.get(key)
            if ean is None:
                continue
            if ean not in data.columns:
                fail(structure_name, f"{key} '{ean}' of entity {eid} is not a column of "
                                     f"{data_name}")
            used.add(ean)
            values = _validate.column(data, ean, data_name, unit="kW", nonneg=True)
            flows = flows + sign * values
        storage = entity.get("storage")
        if storage is not None and (entity.get("EAN_inj") is None or entity.get("EAN_wd") is None):
            fail(structure_name, f"{where}: an entity with storage needs both EAN_inj and EAN_wd")
        row = dict(MEMBER_COLUMNS, past_peak_kw=entity.get("past_peak", 0.0),
                   peak_price_per_kw=entity.get("peak_price", 0.0))
        if storage is not None:
            if not isinstance(storage, dict) or set(storage) != {
                    "usage_fee", "charge_efficiency", "discharge_efficiency"}:
                fail(structure_name, f"{where}: 'storage' needs exactly usage_fee, "
                                     "charge_efficiency, discharge_efficiency")
            row |= {"storage_fee_per_kwh": storage["usage_fee"],
                    "charge_efficiency": storage["charge_efficiency"],
                    "discharge_efficiency": storage["discharge_efficiency"]}
        for prefix, frame in (("purchase_price", buy), ("sale_price", sell)):
            key = f"{prefix}_{eid}"
            if key not in data.columns:
                fail(data_name, f"missing price column '{key}'")
            used.add(key)
            frame[eid] = _validate.column(data, key, data_name, unit="money/kWh")
        net[eid] = flows
        ids.append(eid)
        rows.append(row)
    unknown_columns = [c for c in data.columns if c not in used]
    if unknown_columns:
        fail(data_name, f"columns {unknown_columns[:10]} are neither an EAN of the structure "
                        "nor a price of one of its entities")
    try:
        members = pd.DataFrame(rows, index=pd.Index(ids, name="member")).astype(float)
    except (TypeError, ValueError):
        fail(structure_name, "peak, price and storage values must be numbers")
    try:
        return InvoicingInputs(
            net_load_kw=net, price_buy_per_kwh=buy, price_sell_per_kwh=sell, members=members,
            tariff_per_kwh=structure["community_tariff"],
            community_past_peak_kw=structure.get("community_past_peak", 0.0),
            community_peak_price_per_kw=structure.get("community_peak_price", 0.0),
            n_steps_per_period=n_steps_per_period,
        )
    except (TypeError, ValueError) as err:  # name the seed's argument, keep the detail
        message = str(err)
        from_data = message.startswith(("net_load_kw", "price_", "n_steps_per_period"))
        fail(data_name if from_data else structure_name, message)


def read_invoicing_inputs(structure_json: str | os.PathLike, data_csv: str | os.PathLike, *,
                          period_minutes: int = 15) -> InvoicingInputs:
    """Read the seed-003 input files (structure JSON and data CSV).

    Parameters
    ----------
    structure_json : str or path-like
        The community structure: ``community_tariff`` [EUR/kWh], ``community_past_peak``
        [kW], ``community_peak_price`` [EUR/kW] and ``entities`` (``entity_id``,
        ``EAN_inj``, ``EAN_wd``, ``past_peak`` [kW], ``peak_price`` [EUR/kW], optional
        ``storage`` with ``usage_fee`` [EUR/kWh], ``charge_efficiency``,
        ``discharge_efficiency``).
    data_csv : str or path-like
        A ``datetime`` column of sub-period start times, one column per EAN [kW, >= 0]
        and ``sale_price_<id>``, ``purchase_price_<id>`` per entity [EUR/kWh].
    period_minutes : int, default 15
        Length of a market period [min]; the data's resolution must divide it.

    Returns
    -------
    InvoicingInputs
        Members are the entity ids; ``net_load_kw = EAN_wd - EAN_inj``.

    Raises
    ------
    TypeError
        If a path or ``period_minutes`` is of the wrong kind.
    ValueError
        If a path is empty or ``period_minutes`` < 1.
    FileNotFoundError, IsADirectoryError
        If a path is not a file.
    lectoolkit.io.DataFormatError
        If a file breaks the format: unreadable JSON or CSV, missing or unknown keys and
        columns, NaN or negative powers, irregular time stamps, a resolution that does
        not divide the market period, bad prices or efficiencies. The message starts
        with the argument's name and the file.

    Examples
    --------
    >>> inputs = read_invoicing_inputs("data/mlec_invoicing/invoicing.json",
    ...                                "data/mlec_invoicing/input_for_invoicing.csv")
    >>> inputs.net_load_kw.shape, inputs.n_steps_per_period, inputs.tariff_per_kwh
    ((2880, 4), 30, 0.025)
    """
    from lectoolkit.io import DataFormatError

    minutes = _validate.integer(period_minutes, "period_minutes", minimum=1)
    paths = {}
    for name, value in (("structure_json", structure_json), ("data_csv", data_csv)):
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{name}: expected a path, got {_validate.describe(value)}")
        if str(value) == "":
            raise ValueError(f"{name}: expected a path, got an empty string")
        paths[name] = Path(value)
        if not paths[name].exists():
            raise FileNotFoundError(f"{name}: no file {str(paths[name])!r}")
        if paths[name].is_dir():
            raise IsADirectoryError(f"{name}: {str(paths[name])!r} is a folder, expected a file")

    def fail(name, problem):
        raise DataFormatError(f"{name}: {paths[name]}: {problem}")

    try:
        structure = json.loads(paths["structure_json"].read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        fail("structure_json", f"not a JSON document ({err})")
    if not isinstance(structure, dict):
        fail("structure_json", f"expected a JSON object, got a {type(structure).__name__}")
    try:
        data = pd.read_csv(paths["data_csv"])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        fail("data_csv", f"not a readable CSV table ({err})".replace("\n", " "))
    if "datetime" not in data.columns:
        fail("data_csv", "missing column 'datetime'")
    try:
        index = pd.DatetimeIndex(pd.to_datetime(data.pop("datetime"), format="ISO8601"))
    except (ValueError, TypeError) as err:
        fail("data_csv", f"column 'datetime': not ISO time stamps ({err})")
    data.index = index
    non_numeric = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    if non_numeric:
        fail("data_csv", f"columns {non_numeric[:5]} are not numeric")
    try:
        _, timestep_h = _step_index(index, "data_csv")
    except (TypeError, ValueError) as err:
        fail("data_csv", str(err).removeprefix("data_csv: "))
    n_steps = minutes / (timestep_h * 60.0)
    if abs(n_steps - round(n_steps)) > 1e-9 or round(n_steps) < 1:
        fail("data_csv", f"the resolution {timestep_h * 3600:g} s does not divide the market "
                         f"period of {minutes} min")
    if len(index) % round(n_steps):
        raise ValueError(f"period_minutes: {minutes} min is {round(n_steps)} sub-periods, which "
                         f"do not divide the {len(index)} sub-periods of data_csv")
    try:
        return _seed_inputs(structure, data, int(round(n_steps)), "structure_json", "data_csv",
                            fail)
    except DataFormatError:
        raise
    except ValueError as err:  # a column check of _validate, already naming data_csv
        fail("data_csv", str(err).removeprefix("data_csv: "))


# --------------------------------------------------------------------------------------
# LPs: a small container, solved through lectoolkit.solvers
# --------------------------------------------------------------------------------------
@dataclass
class _LP:
    """``max cost @ x`` s.t. ``row_lower <= A x <= row_upper``, ``lower <= x <= upper``.

    ``A`` is given as COO triplets (``rows``, ``cols``, ``vals``).
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


@dataclass
class _Solution:
    status: str  # "optimal" or "infeasible"
    x: np.ndarray | None


def _solve_lp(lp: _LP, solver: str) -> _Solution:
    """Maximise the LP through :func:`lectoolkit.solvers._solve_program`.

    HiGHS directly, other solvers through pyomo; an infeasible LP is a status, not an
    error.
    """
    from lectoolkit.solvers import SolverError, _LinearProgram, _solve_program

    if lp.cost.size == 0:  # nothing left to decide (every period closed)
        return _Solution("optimal", np.zeros(0))
    program = _LinearProgram(
        cost=-lp.cost, col_lower=lp.lower, col_upper=lp.upper,
        integer=np.zeros(lp.cost.size, dtype=bool), rows=lp.rows, cols=lp.cols,
        values=lp.vals.astype(np.float64), row_lower=lp.row_lower, row_upper=lp.row_upper,
        name="invoicing_lp")
    try:
        return _Solution("optimal", _solve_program(program, solver).x)
    except SolverError as err:
        if err.termination_condition in ("infeasible", "infeasibleOrUnbounded"):
            return _Solution("infeasible", None)
        raise


# --------------------------------------------------------------------------------------
# the kernel: one month (past peaks carried from period to period)
# --------------------------------------------------------------------------------------
@dataclass
class _Month:
    net: np.ndarray  # (T, E) injection - withdrawal [kW], > 0 export
    buy: np.ndarray  # (T, E) [money/kWh]
    sell: np.ndarray  # (T, E) [money/kWh]
    fee_exp: np.ndarray  # (E,) fee / eta_d [money/kWh]
    fee_imp: np.ndarray  # (E,) fee * eta_c [money/kWh]
    peak_price: np.ndarray  # (E,) [money/kW]
    past_peak: np.ndarray  # (E,) [kW] at the start
    tau: float
    com_peak_price: float
    com_past_peak: float
    n: int
    dt: float
    model: str
    solver: str


def _alone(month: _Month):
    """Phase 0 in closed form: grid flows, profits, peak charges, past peaks per period."""
    n, dt = month.n, month.dt
    exp_grid = np.maximum(month.net, 0.0)
    imp_grid = np.maximum(-month.net, 0.0)
    t_count, e_count = month.net.shape
    q_count = t_count // n
    energy = dt * (month.sell * exp_grid - month.buy * imp_grid)
    energy = energy.reshape(q_count, n, e_count).sum(axis=1)
    avg_import = imp_grid.reshape(q_count, n, e_count).mean(axis=1)
    running = np.maximum.accumulate(np.vstack([month.past_peak, avg_import]), axis=0)
    increment = running[1:] - running[:-1]
    peak_charge = increment * month.peak_price
    return energy - peak_charge, peak_charge, running[1:]


@dataclass
class _Columns:
    """Phase-1 columns: one per group of identical (sub-period, side, coefficient) members.

    Members of one sub-period on the same side with the same objective coefficient have
    identical columns (same coefficient in the community balance and the peak row), so
    the LP takes their sum (``upper`` = the sum of their positions) and the solution is
    split among them in proportion to their positions: the canonical one of the tied
    optima, and a much smaller LP for large communities.
    """

    t: np.ndarray  # (G,) sub-period of each group
    is_exp: np.ndarray  # (G,) exporters' group
    upper: np.ndarray  # (G,) sum of the members' positions [kW]
    cost: np.ndarray  # (G,) objective coefficient [money/kW]
    member_t: np.ndarray  # (K,) the members' entries: sub-period,
    member_e: np.ndarray  # member,
    member_upper: np.ndarray  # position [kW]
    group: np.ndarray  # and group
    active: np.ndarray  # (T,) sub-periods with both exporters and importers


def _flow_columns(month: _Month) -> _Columns:
    net, dt, tau = month.net, month.dt, month.tau
    active = (net > 0).any(axis=1) & (net < 0).any(axis=1)
    t_idx, e_idx = np.nonzero((net != 0) & active[:, None])
    is_exp = net[t_idx, e_idx] > 0
    upper = np.abs(net[t_idx, e_idx])
    cost = np.where(is_exp, dt * (-month.sell[t_idx, e_idx] - tau + month.fee_exp[e_idx]),
                    dt * (month.buy[t_idx, e_idx] - tau + month.fee_imp[e_idx]))
    if t_idx.size == 0:
        group = np.zeros(0, dtype=int)
        first = group
    else:
        key = np.stack([t_idx.astype(float), is_exp.astype(float), np.round(cost, 12)])
        _, first, group = np.unique(key, axis=1, return_index=True, return_inverse=True)
        group = group.ravel()
    return _Columns(
        t=t_idx[first], is_exp=is_exp[first],
        upper=np.bincount(group, weights=upper, minlength=first.size), cost=cost[first],
        member_t=t_idx, member_e=e_idx, member_upper=upper, group=group, active=active)


def _phase1_lp(month: _Month, cols: _Columns, com_past: np.ndarray, closed: np.ndarray) -> _LP:
    n = month.n
    t_count = month.net.shape[0]
    q_count = t_count // n
    k = cols.t.size
    active_t = np.flatnonzero(cols.active)
    com_row = np.full(t_count, -1)
    com_row[active_t] = np.arange(active_t.size)
    q_of = cols.t // n
    flow_upper = np.where(closed[q_of], 0.0, cols.upper)
    total_import = np.maximum(-month.net, 0.0).reshape(q_count, n, -1).sum(axis=(1, 2)) / n
    peak_rows = active_t.size + np.arange(q_count)
    imp = ~cols.is_exp
    rows = np.concatenate([com_row[cols.t], peak_rows[q_of[imp]], peak_rows])
    cols_ = np.concatenate([np.arange(k), np.flatnonzero(imp), k + np.arange(q_count)])
    vals = np.concatenate([np.where(cols.is_exp, -1.0, 1.0), np.full(imp.sum(), -1.0 / n),
                           np.full(q_count, -1.0)])
    return _LP(
        cost=np.concatenate([cols.cost, np.full(q_count, -month.com_peak_price)]),
        lower=np.zeros(k + q_count),
        upper=np.concatenate([flow_upper, np.full(q_count, np.inf)]),
        rows=rows, cols=cols_, vals=vals,
        row_lower=np.concatenate([np.zeros(active_t.size), np.full(q_count, -np.inf)]),
        row_upper=np.concatenate([np.zeros(active_t.size), com_past - total_import]),
    )


def _grid_imports(month: _Month, cols: _Columns, flows: np.ndarray) -> np.ndarray:
    """Average community grid import per period [kW] given the groups' community flows."""
    n = month.n
    q_count = month.net.shape[0] // n
    total_import = np.maximum(-month.net, 0.0).reshape(q_count, n, -1).sum(axis=(1, 2))
    imp = ~cols.is_exp
    from_com = np.bincount(cols.t[imp] // n, weights=flows[imp], minlength=q_count)
    return (total_import - from_com) / n


def _phase1(month: _Month, cols: _Columns, closed: np.ndarray):
    """Welfare-maximal flows with each period's community past peak consistent.

    The past peak of period q is the running maximum of the community grid imports of
    the earlier periods, which depend on their solutions: solve all periods in one LP,
    recompute the past peaks from the solution and re-solve until they agree. Period 0's
    past is given, so after round r the first r periods are final: at most
    ``n_periods + 1`` rounds (in practice 1 or 2). Returns the solution (group flows),
    the past peaks and the community grid imports per period.
    """
    q_count = month.net.shape[0] // month.n
    com_past = np.full(q_count, month.com_past_peak)
    k = cols.t.size
    for _ in range(q_count + 2):
        lp = _phase1_lp(month, cols, com_past, closed)
        sol = _solve_lp(lp, month.solver)
        sol.x = np.clip(sol.x, lp.lower, lp.upper)
        grid = _grid_imports(month, cols, sol.x[:k])
        implied = np.maximum.accumulate(np.concatenate([[month.com_past_peak], grid]))[:-1]
        if np.allclose(implied, com_past, rtol=0.0, atol=1e-9):
            return sol, com_past, grid
        com_past = implied
    raise RuntimeError("phase 1: the community past peaks did not settle")  # pragma: no cover


def _several_optima(month: _Month, cols: _Columns, com_past: np.ndarray, closed: np.ndarray,
                    x: np.ndarray) -> np.ndarray:
    """Periods whose welfare-maximal flows are not unique (up to tied groups).

    At a vertex ``x`` of phase 1, another optimum exists iff the optimal face lets some
    variable leave its bound. One LP tells for all periods (they are independent with
    their past peaks fixed): keep each period's welfare at its optimum and maximise how
    far the variables at a bound move away from it.
    """
    lp = _phase1_lp(month, cols, com_past, closed)
    n, dt = month.n, month.dt
    k, q_count = cols.t.size, month.net.shape[0] // n
    period = np.concatenate([cols.t // n, np.arange(q_count)])
    flow = np.arange(k + q_count) < k  # the peak increments follow from the flows
    at_lower = flow & (x <= lp.lower + _AT_BOUND_KW)
    at_upper = flow & ~at_lower & (x >= lp.upper - _AT_BOUND_KW)
    # welfare rows per period, scaled to [money/kWh] so the solver's tolerance is on prices
    welfare = np.bincount(period, weights=lp.cost * x, minlength=q_count) / dt
    first = lp.row_lower.size
    search = _LP(
        cost=at_lower.astype(float) - at_upper.astype(float), lower=lp.lower, upper=lp.upper,
        rows=np.concatenate([lp.rows, first + period]),
        cols=np.concatenate([lp.cols, np.arange(k + q_count)]),
        vals=np.concatenate([lp.vals, lp.cost / dt]),
        row_lower=np.concatenate([lp.row_lower, welfare]),
        row_upper=np.concatenate([lp.row_upper, np.full(q_count, np.inf)]))
    moved = _solve_lp(search, month.solver).x
    distance = np.where(at_lower, moved - lp.lower, np.where(at_upper, lp.upper - moved, 0.0))
    return np.bincount(period, weights=distance, minlength=q_count) > _MOVE_KW


def _com_flows(month: _Month, cols: _Columns, x: np.ndarray):
    """Community flows (exp_com, imp_com) per member as (T, E) arrays [kW].

    Each group's flow is split in proportion to its members' positions; then each
    sub-period is balanced exactly (the LP balances it to the solver's tolerance), so
    that no price can create money: the importers are scaled onto the exporters' total.
    """
    share = np.divide(x[:cols.t.size], cols.upper, out=np.zeros(cols.t.size),
                      where=cols.upper > 0)
    flows = np.minimum(share[cols.group], 1.0) * cols.member_upper
    is_exp = month.net[cols.member_t, cols.member_e] > 0
    exp_com = np.zeros_like(month.net)
    imp_com = np.zeros_like(month.net)
    exp_com[cols.member_t[is_exp], cols.member_e[is_exp]] = flows[is_exp]
    imp_com[cols.member_t[~is_exp], cols.member_e[~is_exp]] = flows[~is_exp]
    exported, imported = exp_com.sum(axis=1), imp_com.sum(axis=1)
    scale = np.divide(exported, imported, out=np.zeros_like(exported), where=imported > 0)
    return exp_com, imp_com * scale[:, None]


def _base_profit(month: _Month, exp_com: np.ndarray, imp_com: np.ndarray) -> np.ndarray:
    """Community profit per (period, member) without local prices and peak shares [money]."""
    exp_grid = np.maximum(month.net, 0.0) - exp_com
    imp_grid = np.maximum(-month.net, 0.0) - imp_com
    per_step = month.dt * (month.sell * exp_grid - month.buy * imp_grid
                           + (month.fee_exp - month.tau) * exp_com
                           + (month.fee_imp - month.tau) * imp_com)
    q_count = month.net.shape[0] // month.n
    return per_step.reshape(q_count, month.n, -1).sum(axis=1)


def _phase2_lp(month: _Month, cols: _Columns, x: np.ndarray, entries, base, alone, increment,
               slack_peak, open_q: np.ndarray) -> tuple[_LP, dict]:
    """Prices, peak shares and alpha for the periods of ``open_q`` (module docstring).

    ``entries = (t, e, d)``: the members' nonzero net community flows ``d`` [kW].
    """
    n, dt = month.n, month.dt
    t_count, e_count = month.net.shape
    q_open = np.flatnonzero(open_q)
    n_open = q_open.size
    pos = np.full(t_count // n, -1)
    pos[q_open] = np.arange(n_open)
    active_t = np.flatnonzero(cols.active & open_q[np.arange(t_count) // n])
    mu_of = np.full(t_count, -1)
    mu_of[active_t] = np.arange(active_t.size)
    n_mu = active_t.size
    c0, a0 = n_mu, n_mu + n_open * e_count
    f0 = a0 + n_open
    n_col = f0 + (n_open if month.model == "bilevel" else 0)
    rows, cols_, vals = [], [], []
    # Pareto rows (q, e): dt * sum_t d[t,e] mu_t - c_qe - |A| alpha_q >= A - base
    t_ex, e_ex, d_ex = entries
    sel = open_q[t_ex // n]
    t_ex, e_ex, d_ex = t_ex[sel], e_ex[sel], d_ex[sel]
    rows.append(pos[t_ex // n] * e_count + e_ex), cols_.append(mu_of[t_ex])
    vals.append(dt * d_ex)
    all_rows = np.arange(n_open * e_count)
    rows.append(all_rows), cols_.append(c0 + all_rows), vals.append(np.full(all_rows.size, -1.0))
    a_open = alone[q_open]
    relative = np.abs(a_open) > _ZERO_PROFIT_EUR
    rel_rows = np.flatnonzero(relative.ravel())
    rows.append(rel_rows), cols_.append(a0 + rel_rows // e_count)
    vals.append(-np.abs(a_open.ravel()[rel_rows]))
    row_lower = [(a_open - base[q_open]).ravel()]
    row_upper = [np.full(all_rows.size, np.inf)]
    # peak shares: sum_e c_qe = P * increment_q
    share_rows = n_open * e_count + np.arange(n_open)
    rows.append(np.repeat(share_rows, e_count)), cols_.append(c0 + np.arange(n_open * e_count))
    vals.append(np.ones(n_open * e_count))
    charge = month.com_peak_price * increment[q_open]
    row_lower.append(charge), row_upper.append(charge)
    lower = np.concatenate([np.full(n_mu, -np.inf), np.zeros(n_col - n_mu)])
    upper = np.full(n_col, np.inf)
    upper[a0:a0 + n_open] = np.where(relative.any(axis=1), np.inf, 0.0)
    if month.model == "fair_price":
        lower[:n_mu], upper[:n_mu] = _price_range(month, cols, active_t)
    else:
        first = share_rows[-1] + 1 if n_open else 0
        _bilevel_rows(month, cols, x, increment, slack_peak, q_open, pos, mu_of, f0, first,
                      rows, cols_, vals, row_lower, row_upper, lower, upper)
    cost = np.zeros(n_col)
    cost[a0:a0 + n_open] = 1.0
    lp = _LP(cost=cost, lower=lower, upper=upper, rows=np.concatenate(rows).astype(int),
             cols=np.concatenate(cols_).astype(int), vals=np.concatenate(vals).astype(float),
             row_lower=np.concatenate(row_lower), row_upper=np.concatenate(row_upper))
    return lp, {"mu": active_t, "c0": c0, "a0": a0, "q_open": q_open}


def _price_range(month: _Month, cols: _Columns, steps: np.ndarray):
    """Range of the fair local price in each of ``steps`` [money/kWh].

    Between the lowest break-even price of the sub-period's exporters
    (``s + tau - fee / eta_d``) and the highest of its importers (``b - tau + fee * eta_c``),
    whichever is lower first. Without bounds, large prices of opposite signs in two
    sub-periods would move money between members in any direction the differences of
    their flows span: ``alpha`` would be won with absurd prices.
    """
    kappa = np.where(cols.is_exp, -cols.cost, cols.cost) / month.dt
    t_count = month.net.shape[0]
    exp_low = np.full(t_count, np.inf)
    np.minimum.at(exp_low, cols.t[cols.is_exp], kappa[cols.is_exp])
    imp_high = np.full(t_count, -np.inf)
    np.maximum.at(imp_high, cols.t[~cols.is_exp], kappa[~cols.is_exp])
    low, high = exp_low[steps], imp_high[steps]
    return np.minimum(low, high), np.maximum(low, high)


def _phase2(month: _Month, cols: _Columns, x, exp_com, imp_com, alone, increment, slack_peak,
            open_q: np.ndarray):
    """Phase 2 over the open periods, in chunks of about ``_ROWS_PER_LP`` Pareto rows.

    The periods are independent in phase 2, so maximising the sum of their alphas in one
    LP maximises each. A chunk found infeasible is halved until the periods without a
    Pareto price are isolated (an infeasible single period). Returns the prices per
    sub-period, the peak shares and alpha per period, and the infeasible periods.
    """
    t_count, e_count = month.net.shape
    q_count = t_count // month.n
    d = exp_com - imp_com
    t_ex, e_ex = np.nonzero(d)
    entries = (t_ex, e_ex, d[t_ex, e_ex])
    base = _base_profit(month, exp_com, imp_com)
    # sum_e J_e = W whatever the prices: a period whose welfare is below the members' total
    # alone has no Pareto price (no LP needed to tell)
    welfare = base.sum(axis=1) - month.com_peak_price * increment
    losing = open_q & (welfare < alone.sum(axis=1) - _LOSS_EUR)
    open_q = open_q & ~losing
    mu = np.full(t_count, np.nan)
    shares = np.zeros((q_count, e_count))
    alpha = np.full(q_count, np.nan)
    infeasible = list(np.flatnonzero(losing))
    size = max(1, _ROWS_PER_LP // e_count)
    periods = np.flatnonzero(open_q)
    pending = [periods[k:k + size] for k in range(0, periods.size, size)]
    while pending:
        chunk = pending.pop()
        mask = np.zeros(q_count, dtype=bool)
        mask[chunk] = True
        lp, layout = _phase2_lp(month, cols, x, entries, base, alone, increment, slack_peak,
                                mask)
        sol = _solve_lp(lp, month.solver)
        if sol.status != "optimal":
            if chunk.size == 1:
                infeasible.append(int(chunk[0]))
            elif chunk.size <= 4:
                pending += [chunk[k:k + 1] for k in range(chunk.size)]
            else:
                pending += [chunk[:chunk.size // 2], chunk[chunk.size // 2:]]
            continue
        mu[layout["mu"]] = sol.x[:layout["mu"].size]
        shares[chunk] = sol.x[layout["c0"]:layout["a0"]].reshape(chunk.size, e_count)
        has_relative = (np.abs(alone[chunk]) > _ZERO_PROFIT_EUR).any(axis=1)
        values = sol.x[layout["a0"]:layout["a0"] + chunk.size]
        alpha[chunk[has_relative]] = values[has_relative]
    return mu, shares, alpha, base, np.array(infeasible, dtype=int)


def _bilevel_rows(month, cols, x, pi, slack_peak, q_open, pos, mu_of, f0, first,
                  rows, cols_, vals, row_lower, row_upper, lower, upper):
    """Dual feasibility and complementary slackness with the phase-1 flows.

    With the flow of column k at 0, its reduced cost must be <= 0, at its bound >= 0,
    in between = 0 (``r = dt (mu - s - tau + f_exp)`` for an exporter,
    ``r = dt (b - tau + f_imp - mu) + phi / n`` for an importer); the peak dual ``phi``
    lies in ``[0, P]``, equals ``P`` when the community peak rises and 0 when the peak
    row is slack.
    """
    n, dt = month.n, month.dt
    keep = np.flatnonzero(np.isin(cols.t // n, q_open))
    t_k, exp_k, x_k, u_k = cols.t[keep], cols.is_exp[keep], x[keep], cols.upper[keep]
    # a group's cost is -dt kappa for exporters (kappa = s + tau - f_exp) and dt kappa for
    # importers (kappa = b - tau + f_imp)
    kappa = np.where(exp_k, -cols.cost[keep] / dt, cols.cost[keep] / dt)
    at_zero = x_k <= _AT_BOUND_KW
    at_upper = ~at_zero & (x_k >= u_k - _AT_BOUND_KW)
    # exporter: mu <= kappa (at 0), >= (at u), = (between); importer: the reverse on
    # mu - phi / (n dt)
    below = np.where(exp_k, at_zero, at_upper)
    above = np.where(exp_k, at_upper, at_zero)
    lo = np.where(below, -np.inf, kappa)
    hi = np.where(above, np.inf, kappa)
    r = first + np.arange(keep.size)
    rows.append(r), cols_.append(mu_of[t_k]), vals.append(np.ones(keep.size))
    imp = np.flatnonzero(~exp_k)
    rows.append(r[imp]), cols_.append(f0 + pos[t_k[imp] // n])
    vals.append(np.full(imp.size, -1.0 / (n * dt)))
    row_lower.append(lo), row_upper.append(hi)
    p = month.com_peak_price
    phi_lo = np.where(pi[q_open] > _AT_BOUND_KW, p, 0.0)
    phi_hi = np.where(slack_peak[q_open], 0.0, p)
    lower[f0:f0 + q_open.size] = phi_lo
    upper[f0:f0 + q_open.size] = np.maximum(phi_hi, phi_lo)


def _invoice_month(month: _Month) -> dict:
    """All phases for one month; arrays out (see :func:`invoice_community`)."""
    n = month.n
    t_count, e_count = month.net.shape
    q_count = t_count // n
    alone, alone_peak_charge, member_peak = _alone(month)
    cols = _flow_columns(month)
    closed = np.zeros(q_count, dtype=bool)
    while True:
        sol1, com_past, grid = _phase1(month, cols, closed)
        x = sol1.x[:cols.t.size]
        increment = np.maximum(grid - com_past, 0.0)
        slack_peak = grid < com_past - _AT_BOUND_KW
        exp_com, imp_com = _com_flows(month, cols, sol1.x)
        mu, shares, alpha, base, infeasible = _phase2(
            month, cols, x, exp_com, imp_com, alone, increment, slack_peak, ~closed)
        if infeasible.size == 0:
            break
        # invoiced alone: this changes the community's later past peaks, so phase 1 again
        closed[infeasible] = True
    money = month.dt * np.nan_to_num(mu)[:, None] * (exp_com - imp_com)
    community = base + money.reshape(q_count, n, e_count).sum(axis=1) - shares
    community[closed] = alone[closed]
    degenerate = _several_optima(month, cols, com_past, closed, sol1.x) & ~closed
    return {
        "exp_com": exp_com, "imp_com": imp_com, "mu": mu, "alone": alone,
        "alone_peak_charge": alone_peak_charge, "member_peak": member_peak,
        "community": community, "peak_share": shares, "alpha": alpha,
        "closed": closed, "com_past": com_past, "grid": grid,
        "increment": np.where(closed, 0.0, increment), "degenerate": degenerate,
    }


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InvoicingResult:
    """What :func:`invoice_community` returns (tidy pandas tables).

    Attributes
    ----------
    flows : pandas.DataFrame
        Index ``(period, member)``; columns of :data:`FLOW_COLUMNS`: the volume-weighted
        local price the member paid or received (``mu + tau`` importing, ``mu - tau``
        exporting; NaN without exchange) [money/kWh] and the period averages of its grid
        and community flows [kW].
    profits : pandas.DataFrame
        Index ``(period, member)``: ``profit_alone``, ``profit_community``, ``gain``
        [money], ``peak_charge_alone`` (its own peak above its past peak) [money],
        ``peak_share_community`` (its share of the community's peak charge) [money],
        ``storage_remuneration`` [money], ``past_peak_kw`` (its own peak of the month so
        far, alone) [kW].
    periods : pandas.DataFrame
        Index ``period``: ``status`` (``"optimal"``, ``"no_pareto_improvement"``),
        ``alpha`` (smallest relative gain, NaN when undefined) [-], ``welfare_alone``,
        ``welfare_community`` [money], ``exchanged_kwh`` [kWh], ``operator_revenue``
        (``2 tau`` per kWh exchanged) [money], ``community_grid_import_kw`` (average),
        ``community_peak_kw`` (the month's peak so far) [kW], ``community_peak_charge``
        [money], ``several_flow_optima`` (phase 1 has other welfare-maximal flows than
        the ones reported, beyond ties between members of identical columns).
    steps : pandas.DataFrame
        Index ``(step, member)``: ``exp_grid_kw``, ``imp_grid_kw``, ``exp_com_kw``,
        ``imp_com_kw`` [kW] per sub-period; the same as energies ``grid_import_kwh``,
        ``grid_export_kwh``, ``community_import_kwh``, ``community_export_kwh`` [kWh]; and
        ``grid_cost``, ``grid_revenue``, ``community_cost``, ``community_revenue``,
        ``storage_remuneration`` [money].
    lem_price_per_kwh : pandas.Series
        ``mu`` per sub-period [money/kWh] (NaN where no exchange is possible). Phase 2
        maximises ``alpha``, which in general several price paths reach: this is the
        solver's optimal vertex (the bilevel model pins ``mu`` more tightly).
    model, solver, solver_version, status : str
        The model, the solver used, its version, and ``"optimal"`` (every LP was
        proven optimal; periods without a Pareto-improving community are reported in
        ``periods.status``).
    """

    flows: pd.DataFrame
    profits: pd.DataFrame
    periods: pd.DataFrame
    steps: pd.DataFrame
    lem_price_per_kwh: pd.Series
    model: str
    solver: str
    solver_version: str
    status: str
    tariff_per_kwh: float


def _months_of(inputs: InvoicingInputs, model: str, solver: str) -> tuple[list[_Month], list]:
    net = -inputs.net_load_kw.to_numpy()
    n, dt = inputs.n_steps_per_period, inputs.timestep_h
    m = inputs.members
    fee = m["storage_fee_per_kwh"].to_numpy()
    starts = inputs.net_load_kw.index[::n]
    month_of_period = starts.to_period("M")
    months, slices = [], []
    for k, label in enumerate(pd.unique(month_of_period)):
        periods = np.flatnonzero(month_of_period == label)
        steps = slice(periods[0] * n, (periods[-1] + 1) * n)
        first = k == 0
        months.append(_Month(
            net=np.ascontiguousarray(net[steps]),
            buy=np.ascontiguousarray(inputs.price_buy_per_kwh.to_numpy()[steps]),
            sell=np.ascontiguousarray(inputs.price_sell_per_kwh.to_numpy()[steps]),
            fee_exp=fee / m["discharge_efficiency"].to_numpy(),
            fee_imp=fee * m["charge_efficiency"].to_numpy(),
            peak_price=m["peak_price_per_kw"].to_numpy(),
            past_peak=m["past_peak_kw"].to_numpy() if first else np.zeros(len(m)),
            tau=inputs.tariff_per_kwh, com_peak_price=inputs.community_peak_price_per_kw,
            com_past_peak=inputs.community_past_peak_kw if first else 0.0,
            n=n, dt=dt, model=model, solver=solver))
        slices.append(steps)
    return months, slices


def invoice_community(inputs: InvoicingInputs, *, model: str = "fair_price",
                      solver: str = "auto", jobs: int = 1) -> InvoicingResult:
    """Invoice a community with an internal market, period by period (exact LPs).

    Parameters
    ----------
    inputs : InvoicingInputs
        Power, prices, peaks and storage fees (see :class:`InvoicingInputs`).
    model : {"fair_price", "bilevel"}
        How local prices are set (see the module docstring): ``"fair_price"`` any price
        path, ``"bilevel"`` market-clearing (dual) prices only.
    solver : {"auto", "highs", "glpk", "cbc"}
        ``"auto"`` and ``"highs"`` pass the LPs to HiGHS directly (highspy); the others
        solve the same LPs built as pyomo models.
    jobs : int, default 1
        Processes over which the months are spread (:func:`lectoolkit.parallel.map_tasks`);
        past peaks restart at 0 every calendar month after the first.

    Returns
    -------
    InvoicingResult
        Tidy tables per member and period, per period and per sub-period, with the solver
        and its version.

    Raises
    ------
    TypeError
        If ``inputs`` is not an :class:`InvoicingInputs`, ``model`` or ``solver`` not a
        string, ``jobs`` not an integer.
    ValueError
        If ``model`` or ``solver`` is unknown or ``jobs`` < 1.
    lectoolkit.solvers.SolverError
        If the solver is missing or stops on anything but an optimum or a proven
        infeasibility.

    Notes
    -----
    Per market period with sub-periods ``p`` of ``dt`` hours, member ``e`` with net
    injection ``x_ep`` (> 0 export) and grid prices ``s_ep`` (sale), ``b_ep`` (purchase):

    * Phase 0 (closed form): ``exp_grid = max(x, 0)``, ``imp_grid = max(-x, 0)``;
      ``A_e = sum_p dt (s exp_grid - b imp_grid) - P_e max(0, mean_p imp_grid - past_e)``
      and ``past_e`` grows by that increment.
    * Phase 1 (LP): maximise ``W = sum_e,p dt [s exp_grid - b imp_grid + (f_exp - tau)
      exp_com + (f_imp - tau) imp_com] - P_c pi`` over flows keeping each member's
      position (an exporter splits ``x`` into ``exp_grid + exp_com``, an importer ``-x``
      into ``imp_grid + imp_com``), ``sum_e exp_com = sum_e imp_com`` per ``p`` and
      ``mean_p sum_e imp_grid <= past_c + pi``. Prices cancel out of ``W`` since the
      exchanges balance, so ``W`` is linear in the flows: the optimum is global.
    * Phase 2 (LP): with the flows fixed, ``J_e = base_e + sum_p dt mu_p (exp_com -
      imp_com)_ep - c_e`` is affine in the prices ``mu`` and the peak shares ``c >= 0``
      (``sum_e c_e = P_c pi``), and ``sum_e J_e = W`` whatever they are; maximise
      ``alpha`` s.t. ``J_e - A_e >= alpha |A_e|`` (``J_e >= A_e`` where ``A_e = 0``).
      ``"bilevel"`` adds that ``(mu, phi)`` be an optimal dual of phase 1 (dual
      feasibility and complementary slackness with its flows).

    When phase 1 has several optima, tied members of a sub-period (same side, same
    prices and fees) share the community flow in proportion to their positions; other
    ties are flagged ``several_flow_optima`` (see the module docstring). A period without
    a Pareto price (its welfare below the total alone, or its phase-2 LP infeasible) is
    invoiced with every member alone, and phase 1 is re-solved since this changes the
    later periods' community past peak.

    References
    ----------
    .. [1] B. Cornélusse, I. Savelli, S. Paoletti, A. Giannitrapani, A. Vicino, "A
       community microgrid architecture with an internal local market", Applied Energy
       242 (2019) 547-560. https://doi.org/10.1016/j.apenergy.2019.03.109

    Examples
    --------
    >>> steps = pd.date_range("2024-01-01", periods=2, freq="30min")
    >>> net = pd.DataFrame({"a": [-2.0, -2.0], "b": [1.0, 1.0]}, index=steps)
    >>> inputs = InvoicingInputs(net, net * 0 + 0.20, net * 0 + 0.05, tariff_per_kwh=0.01,
    ...                          n_steps_per_period=2)
    >>> result = invoice_community(inputs)
    >>> period = result.periods.iloc[0]
    >>> [round(float(period[key]), 4) for key in ("welfare_alone", "welfare_community",
    ...                                          "exchanged_kwh", "operator_revenue")]
    [-0.1, 0.03, 1.0, 0.02]

    Alone, ``a`` sells 2 kWh at 0.05 and ``b`` buys 1 kWh at 0.20; together 1 kWh is
    exchanged, which saves ``0.20 - 0.05 - 2 * 0.01 = 0.13``.
    """
    from lectoolkit.parallel import map_tasks
    from lectoolkit.solvers import resolve_solver, solver_version

    if not isinstance(inputs, InvoicingInputs):
        raise TypeError(f"inputs: expected an InvoicingInputs (see read_invoicing_inputs), got "
                        f"{_validate.describe(inputs)}")
    model = _validate.choice(model, "model", MODELS)
    name = resolve_solver(solver)
    jobs = _validate.integer(jobs, "jobs", minimum=1)
    months, _ = _months_of(inputs, model, name)
    outs = map_tasks(_invoice_month, months, jobs=jobs, progress=False) if jobs > 1 and \
        len(months) > 1 else [_invoice_month(m) for m in months]
    if name == "highs":  # the LPs went to highspy directly: no need to import pyomo
        import highspy

        version = highspy.Highs().version()
    else:
        version = solver_version(name)
    return _assemble(inputs, outs, model, name, version)


def _assemble(inputs: InvoicingInputs, outs: list[dict], model: str, solver: str,
              version: str) -> InvoicingResult:
    cat = {key: np.concatenate([o[key] for o in outs]) for key in outs[0]}
    n, dt, tau = inputs.n_steps_per_period, inputs.timestep_h, inputs.tariff_per_kwh
    members = inputs.net_load_kw.columns
    steps_index = inputs.net_load_kw.index
    e_count, t_count = members.size, steps_index.size
    q_count = t_count // n
    periods = pd.DatetimeIndex(steps_index[::n], name="period")
    net = -inputs.net_load_kw.to_numpy()
    exp_com, imp_com = cat["exp_com"], cat["imp_com"]
    exp_grid = np.maximum(net, 0.0) - exp_com
    imp_grid = np.maximum(-net, 0.0) - imp_com
    mu = cat["mu"]

    def per_period(values):
        return values.reshape(q_count, n, e_count)

    paid = np.where(exp_com > 0, mu[:, None] - tau, mu[:, None] + tau)
    volume = exp_com + imp_com
    weighted = per_period(np.where(volume > 0, paid * volume, 0.0)).sum(axis=1)
    total_volume = per_period(volume).sum(axis=1)
    price = np.divide(weighted, total_volume, out=np.full_like(weighted, np.nan),
                      where=total_volume > 0)
    pair = pd.MultiIndex.from_product([periods, members], names=["period", "member"])
    flows = pd.DataFrame({
        "price_com_per_kwh": price.ravel(),
        "exp_grid_kw": per_period(exp_grid).mean(axis=1).ravel(),
        "imp_grid_kw": per_period(imp_grid).mean(axis=1).ravel(),
        "exp_com_kw": per_period(exp_com).mean(axis=1).ravel(),
        "imp_com_kw": per_period(imp_com).mean(axis=1).ravel(),
    }, index=pair)
    fee = inputs.members["storage_fee_per_kwh"].to_numpy()
    storage = dt * (exp_com * fee / inputs.members["discharge_efficiency"].to_numpy()
                    + imp_com * fee * inputs.members["charge_efficiency"].to_numpy())
    profits = pd.DataFrame({
        "profit_alone": cat["alone"].ravel(),
        "profit_community": cat["community"].ravel(),
        "gain": (cat["community"] - cat["alone"]).ravel(),
        "peak_charge_alone": cat["alone_peak_charge"].ravel(),
        "peak_share_community": cat["peak_share"].ravel(),
        "storage_remuneration": per_period(storage).sum(axis=1).ravel(),
        "past_peak_kw": cat["member_peak"].ravel(),
    }, index=pair)
    exchanged = dt * per_period(exp_com).sum(axis=(1, 2))
    degenerate = cat["degenerate"]
    com_peak = np.concatenate([np.maximum.accumulate(np.maximum(o["com_past"], o["grid"]))
                               for o in outs])
    period_table = pd.DataFrame({
        "status": np.where(cat["closed"], "no_pareto_improvement", "optimal"),
        "alpha": cat["alpha"],
        "welfare_alone": cat["alone"].sum(axis=1),
        "welfare_community": cat["community"].sum(axis=1),
        "exchanged_kwh": exchanged,
        "operator_revenue": 2.0 * tau * exchanged,
        "community_grid_import_kw": cat["grid"],
        "community_peak_kw": com_peak,
        "community_peak_charge": inputs.community_peak_price_per_kw * cat["increment"],
        "several_flow_optima": degenerate,
    }, index=periods)
    step_pair = pd.MultiIndex.from_product([steps_index, members], names=["step", "member"])
    buy = inputs.price_buy_per_kwh.to_numpy()
    sell = inputs.price_sell_per_kwh.to_numpy()
    mu0 = np.nan_to_num(mu)[:, None]
    steps = pd.DataFrame({
        "exp_grid_kw": exp_grid.ravel(), "imp_grid_kw": imp_grid.ravel(),
        "exp_com_kw": exp_com.ravel(), "imp_com_kw": imp_com.ravel(),
        "grid_import_kwh": dt * imp_grid.ravel(), "grid_export_kwh": dt * exp_grid.ravel(),
        "community_import_kwh": dt * imp_com.ravel(),
        "community_export_kwh": dt * exp_com.ravel(),
        "grid_cost": (dt * buy * imp_grid).ravel(), "grid_revenue": (dt * sell * exp_grid).ravel(),
        "community_cost": (dt * (mu0 + tau) * imp_com).ravel(),
        "community_revenue": (dt * (mu0 - tau) * exp_com).ravel(),
        "storage_remuneration": storage.ravel(),
    }, index=step_pair)
    return InvoicingResult(
        flows=flows, profits=profits, periods=period_table, steps=steps,
        lem_price_per_kwh=pd.Series(mu, index=steps_index, name="lem_price_per_kwh"),
        model=model, solver=solver, solver_version=version, status="optimal",
        tariff_per_kwh=tau)


def compute_invoice(structure: dict, data: pd.DataFrame, n_periods_in_quarter: int = 30, *,
                    model: str = "fair_price", solver: str = "auto") -> dict:
    """The seed's ``Invoicer(structure, data, n).compute_invoice()`` in one call.

    Parameters
    ----------
    structure : dict
        The seed's structure (the parsed JSON; see :func:`read_invoicing_inputs`).
    data : pandas.DataFrame
        Indexed by sub-period start times; one column per EAN [kW] and the
        ``sale_price_<id>``, ``purchase_price_<id>`` columns [EUR/kWh].
    n_periods_in_quarter : int, default 30
        Sub-periods per market period (the seed's name), >= 1.
    model, solver : str
        See :func:`invoice_community`.

    Returns
    -------
    dict of int to pandas.DataFrame
        Entity id -> frame indexed by ``DateTime`` (period start) with the seed's columns
        ``price_com`` [EUR/kWh, NaN without exchange], ``exp_grid``, ``imp_grid``,
        ``exp_com``, ``imp_com`` [kW, period averages].

    Raises
    ------
    TypeError, ValueError
        As :class:`InvoicingInputs` and :func:`invoice_community`; the message names
        ``structure`` or ``data``.
    lectoolkit.solvers.SolverError
        As :func:`invoice_community`.

    Examples
    --------
    >>> import json
    >>> structure = json.loads(Path("data/mlec_invoicing/invoicing.json").read_text())
    >>> data = pd.read_csv("data/mlec_invoicing/input_for_invoicing.csv",
    ...                    index_col="datetime", parse_dates=True)
    >>> invoices = compute_invoice(structure, data)
    >>> sorted(invoices), list(invoices[1].columns)
    ([1, 2, 3, 4], ['price_com', 'exp_grid', 'imp_grid', 'exp_com', 'imp_com'])
    """
    n = _validate.integer(n_periods_in_quarter, "n_periods_in_quarter", minimum=1)

    def fail(name, problem):
        raise ValueError(f"{name}: {problem}")

    if isinstance(data, pd.DataFrame) and not isinstance(data.index, pd.DatetimeIndex):
        raise TypeError(f"data: expected a DataFrame indexed by time stamps, got an index of "
                        f"{data.index.dtype}")
    if isinstance(data, pd.DataFrame) and len(data) % n:
        raise ValueError(f"n_periods_in_quarter: expected a divisor of the {len(data)} rows of "
                         f"data, got {n}")
    inputs = _seed_inputs(structure, data, n, "structure", "data", fail)
    result = invoice_community(inputs, model=model, solver=solver)
    renamed = result.flows.rename(columns=lambda c: c.removesuffix("_per_kwh").removesuffix(
        "_kw"))
    out = {}
    for member in inputs.net_load_kw.columns:
        frame = renamed.xs(member, level="member").copy()
        frame.index.name = "DateTime"
        out[member] = frame
    return out


def monthly_invoices(result: InvoicingResult) -> pd.DataFrame:
    """Monthly invoice of every member, from an :class:`InvoicingResult`.

    Parameters
    ----------
    result : InvoicingResult
        Output of :func:`invoice_community`.

    Returns
    -------
    pandas.DataFrame
        Index ``(month, member)`` (month a ``pandas.Period``); columns
        ``grid_import_kwh``, ``grid_export_kwh``, ``community_import_kwh``,
        ``community_export_kwh`` [kWh]; ``grid_cost``, ``grid_revenue``,
        ``community_cost`` (at ``mu + tau``), ``community_revenue`` (at ``mu - tau``),
        ``peak_charge`` (the member's share of the community's), ``storage_remuneration``,
        ``total`` (revenue - cost) and ``total_alone`` [money].

    Raises
    ------
    TypeError
        If ``result`` is not an :class:`InvoicingResult`.

    Notes
    -----
    Periods without a Pareto-improving community (``result.periods.status``) are billed
    alone: grid flows only, the member's own peak charge.
    """
    if not isinstance(result, InvoicingResult):
        raise TypeError(f"result: expected an InvoicingResult, got {_validate.describe(result)}")
    money = result.steps[["grid_import_kwh", "grid_export_kwh", "community_import_kwh",
                          "community_export_kwh", "grid_cost", "grid_revenue",
                          "community_cost", "community_revenue", "storage_remuneration"]]
    step_times = money.index.get_level_values("step")
    periods = result.periods.index
    period_of = periods[periods.searchsorted(step_times, side="right") - 1]
    months = pd.PeriodIndex(period_of.to_period("M"), name="month")
    table = money.groupby([months, money.index.get_level_values("member")]).sum()
    closed = np.repeat((result.periods["status"] != "optimal").to_numpy(),
                       len(result.profits) // len(periods))
    peak = np.where(closed, result.profits["peak_charge_alone"],
                    result.profits["peak_share_community"])
    by_month = result.profits.index.get_level_values("period").to_period("M")
    keys = [by_month, result.profits.index.get_level_values("member")]
    table["peak_charge"] = pd.Series(peak, index=result.profits.index).groupby(keys).sum()
    sums = result.profits[["profit_community", "profit_alone"]].groupby(keys).sum()
    table["total"] = sums["profit_community"]
    table["total_alone"] = sums["profit_alone"]
    table.index.names = ["month", "member"]
    return table


def operator_invoice(result: InvoicingResult) -> pd.DataFrame:
    """Monthly account of the community operator, from an :class:`InvoicingResult`.

    Parameters
    ----------
    result : InvoicingResult
        Output of :func:`invoice_community`.

    Returns
    -------
    pandas.DataFrame
        Index ``month``: ``exchanged_kwh`` [kWh], ``tariff_revenue`` (``2 tau`` per kWh
        exchanged), ``storage_remuneration`` (paid to storage owners), ``net`` (the
        difference), ``community_peak_charge`` (collected from the members and passed on
        to the grid operator) [money].

    Raises
    ------
    TypeError
        If ``result`` is not an :class:`InvoicingResult`.
    """
    if not isinstance(result, InvoicingResult):
        raise TypeError(f"result: expected an InvoicingResult, got {_validate.describe(result)}")
    periods = result.periods
    months = pd.PeriodIndex(periods.index.to_period("M"), name="month")
    table = periods[["exchanged_kwh", "operator_revenue", "community_peak_charge"]].groupby(
        months).sum().rename(columns={"operator_revenue": "tariff_revenue"})
    storage = result.profits["storage_remuneration"]
    table["storage_remuneration"] = storage.groupby(
        storage.index.get_level_values("period").to_period("M")).sum().to_numpy()
    table["net"] = table["tariff_revenue"] - table["storage_remuneration"]
    return table[["exchanged_kwh", "tariff_revenue", "storage_remuneration", "net",
                  "community_peak_charge"]]

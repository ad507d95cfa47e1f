"""Operation of a renewable energy community with batteries: individual and pool optima.

The MILP of seed 004 (``rec_op_lem_prices``, INESC TEC; SPEC §4) written afresh in pyomo,
following the PyPSA lifecycle: :func:`build_individual_model` and
:func:`build_collective_model` return a ``pyomo.ConcreteModel`` with named constraint
families, :func:`lectoolkit.solvers.solve` solves it, :func:`extract_dispatch` returns
the tidy dispatch frame. :func:`run_individual` and :func:`run_collective` do all three.

Per member ``n`` and step ``t`` (energies in kWh per step of ``timestep_h`` hours): the
meter's net flow ``e_cmet = load - pv + charge - discharge`` is met by retail and market
imports and exports and, in the community pool, by pool purchases and sales. A member pays
its imports, is paid for its exports, pays ``excess_kw * price_extra_power_per_kw`` for the
power above its contracted power in every step, and ``degradation_per_kwh`` per kWh its
battery discharges. In the pool, the energy a member both buys from the pool and consumes,
``e_slc = min(max(e_cmet, 0), max(e_pur - e_sale, 0))``, pays the access tariff; pool
transfers are settled at the LEM price and cancel out in the community's cost.

Exact reduced formulation
-------------------------
The original's formulation carries binaries for import/export exclusivity, for battery
charge/discharge exclusivity and for ``e_slc`` (``formulation="full"`` builds it). The
default ``formulation="reduced"`` drops the binaries the optimum does not need and proves
that it did not need them:

* ``e_slc`` with a non-negative access tariff becomes the linear bound
  ``e_slc >= e_pur - e_sale - export`` (``export`` = retail + market exports),
  ``e_slc >= 0``. With import/export exclusivity ``min(e_cmet, e_pur - e_sale) =
  e_pur - e_sale - export``, so the bound equals the original's ``max(min(.,.), 0)``; the
  tariff (>= 0) pushes ``e_slc`` down onto it. Steps with a negative access tariff keep
  the binaries of the upper bounds ``e_slc <= max(e_cmet, 0)``, ``e_slc <= max(e_pur -
  e_sale, 0)``.
* The import/export binary of member ``n`` at step ``t`` is dropped when its cheapest buy
  price minus its best sell price is at least ``max(access tariff, 0)``: lowering a
  simultaneous import and export by the same amount then never raises the cost (the
  import saved costs at least the export lost plus the access tariff of the ``e_slc`` it
  may add) and leaves every other constraint satisfied except, possibly, strictly positive
  sharing, which is checked.
* Strictly positive sharing becomes ``pool_net >= min(net, 0)`` (a member sells to the
  pool only energy it does not import): a bound for members without a battery (whose
  ``net`` is a constant), exact; for members with one, relaxed to its convex hull over
  the battery's charge and discharge (two planes, valid at every point of the full
  model: an idle battery's owner may not sell while importing), and where the check
  finds a member-step reselling grid imports, a binary disjunction ``pool_net >= 0`` or
  ``pool_net >= net`` with physical big-Ms is added there.
* Battery binaries are dropped everywhere and checked.
* Exact presolve and aggregation (no condition): the net flow of a member without a
  battery, and so its excess power, are constants; retail and market channels, which
  differ only in price, become one import at the cheaper and one export at the better
  price (split back with ties to the retailer); a member's pool purchase and sale become
  their difference (every constraint and cost depends on it only), so no member both buys
  from and sells to the pool in a step. Alone, a member without a battery has the closed
  form of the post-delivery cost (with import/export exclusivity its flows are fixed).

The reduced model is a relaxation of the full one. Its solution is repaired (simultaneous
import and export netted, ``e_slc`` recomputed from its definition), checked against every
constraint of the full model, and its full-model cost compared with the reduced optimum.
Only when the check holds is the result reported as the full model's optimum (the reduced
model's bound is a bound of the full model). Where it fails, exactly the binaries of the
failing member-steps are added back and the model is solved again; in the worst case this
ends at the full formulation.

Big-M: every flow is bounded by ``M = 10 x max contracted power x timestep_h`` plus the
largest total load + PV of a step plus the batteries' total power x ``timestep_h`` [kWh],
which no physical flow of the community exceeds.

The reduced formulation is assembled as sparse matrices (:func:`_reduced_program`, no
pyomo) and passed straight to HiGHS through highspy; GLPK and CBC get the same matrices
as a pyomo model. The full formulation (:func:`build_collective_model`,
``formulation="full"``) stays a pyomo model with named constraint families.

Members' costs are not unique (equally optimal dispatches move money between members);
``run_collective(..., split="min_volume")`` picks the optimum of least pool volume, and
among those the one whose trades come earliest (least ``sum_t t |pool_net_t|``). When the
reduced model is an LP (the usual case), the set of optima is obtained exactly by
complementary slackness with the solver's optimal dual (fix every column with a non-zero
reduced cost at its bound and every row with a non-zero dual at equality: any feasible
point of that face is optimal and every optimum lies on it), so the secondary and
tertiary objectives are two small LPs over the face, without the dense cost-cap row that
made the simplex about 30 times slower. A MILP (binaries added back) caps the cost
instead. Either way the chosen dispatch passes the full model's check and costs no more
than the optimum (1e-6 relative), else the first optimum is kept.

Prices from the optimum (:func:`~lectoolkit.operation_prices.dual_prices` with the
interval of valid duals, :func:`~lectoolkit.operation_prices.lem_pricing_loop`) are in
:mod:`lectoolkit.operation_prices`.
The bilateral market is in :mod:`lectoolkit.operation_bilateral` (``market="bilateral"``).
The total-share rules (``inputs.total_share``, :func:`_build_total_share`) have no
reduced form. They only restrict the problem, so the reduced formulation first solves
without them: if that optimum (checked as above) meets them, it is optimal with them;
else the full MILP with the rules is solved, checked the same way.
Not yet modelled: dual prices of the bilateral market (the seed defines dual prices for
the pool only) and dual prices under the total-share rules.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.solvers import (
    SolverError,
    _relative_gap,
    _solve_program,
    resolve_solver,
    solve,
)

BATTERY_COLUMNS = (
    "capacity_kwh", "power_kw", "charge_efficiency", "discharge_efficiency",
    "soc_min", "soc_max", "initial_kwh", "degradation_per_kwh",
)
"""Columns of :attr:`OperationInputs.batteries` (one row per member with a battery)."""

DISPATCH_COLUMNS = (
    "import_retail_kwh", "import_market_kwh", "export_retail_kwh", "export_market_kwh",
    "pool_purchase_kwh", "pool_sale_kwh", "shared_kwh", "net_kwh", "excess_kw",
    "charge_kwh", "discharge_kwh", "stored_kwh",
)
"""Columns of the dispatch frame, one row per (step, member)."""

SOLVER_MAX_VALUE = 1e7
"""Largest flow per step [kWh] and price [per kWh or kW] the models accept: LP solvers
treat values near 1e20 as infinite and lose precision well before."""

_GAP_OPTION = {"highs": "mip_rel_gap", "glpk": "mipgap", "cbc": "ratioGap"}
_CHECK_TOL = 1e-6  # [kWh, EUR] tolerance of the full-model check of a reduced solution


# --------------------------------------------------------------------------- inputs


def _step_frame(value, name, steps, members, labelled, *, nonneg, unit):
    arr = _validate.matrix(value, name, unit=unit, nonneg=nonneg)[0]
    if labelled and isinstance(value, pd.DataFrame):
        value = _validate.align(pd.DataFrame(index=steps), "load_kwh", value, name)
        value = _validate.align(pd.DataFrame(index=members), "load_kwh", value.T, name).T
        arr = value.to_numpy(dtype=np.float64)
    elif arr.shape != (len(steps), len(members)):
        raise ValueError(
            f"{name}: shape {arr.shape} differs from load_kwh's {(len(steps), len(members))}"
        )
    return pd.DataFrame(arr.copy(), index=steps, columns=members)  # never the caller's array


def _labelled_vector(value, name, labels, labelled, what, *, unit, nonneg=False,
                     positive=False):
    arr = _validate.vector(value, name, unit=unit, nonneg=nonneg)[0]
    if labelled and isinstance(value, pd.Series):
        reference = pd.Series(0.0, index=labels)
        arr = _validate.align(reference, "load_kwh", value, name).to_numpy(dtype=np.float64)
    elif arr.size != len(labels):
        raise ValueError(f"{name}: expected {len(labels)} values (one per {what} of "
                         f"load_kwh), got {arr.size}")
    if positive and not (arr > 0).all():
        where = int(np.argmin(arr > 0))
        raise ValueError(f"{name}: expected positive values [{unit}], got {arr[where]} "
                         f"at {where}")
    return pd.Series(arr.copy(), index=labels)


def _battery_table(value, members):
    name = "batteries"
    if value is None:
        return pd.DataFrame({c: pd.Series(dtype=np.float64) for c in BATTERY_COLUMNS},
                            index=pd.Index([], dtype=members.dtype))
    table = _validate.table(value, name, BATTERY_COLUMNS)
    _validate.unique_labels(table.index, name, "member labels")
    unknown = table.index.difference(members)
    if len(unknown):
        raise ValueError(f"{name}: members {unknown[:3].tolist()} are not columns of load_kwh")
    cols = {}
    for col in BATTERY_COLUMNS:
        cols[col] = _validate.column(table, col, name, nonneg=True,
                                     positive=col in ("capacity_kwh", "charge_efficiency",
                                                      "discharge_efficiency"))
    for col in ("charge_efficiency", "discharge_efficiency", "soc_min", "soc_max"):
        if (cols[col] > 1).any():
            where = int(np.argmax(cols[col] > 1))
            raise ValueError(f"{name}: column {col!r}: expected a fraction in [0, 1], got "
                             f"{cols[col][where]} at {where}")
    if (cols["soc_min"] > cols["soc_max"]).any():
        where = int(np.argmax(cols["soc_min"] > cols["soc_max"]))
        raise ValueError(f"{name}: column 'soc_min' exceeds column 'soc_max' at {where}")
    low = cols["soc_min"] * cols["capacity_kwh"]
    high = cols["soc_max"] * cols["capacity_kwh"]
    outside = (cols["initial_kwh"] < low - 1e-12) | (cols["initial_kwh"] > high + 1e-12)
    if outside.any():
        where = int(np.argmax(outside))
        raise ValueError(
            f"{name}: column 'initial_kwh': {cols['initial_kwh'][where]} kWh at {where} is "
            f"outside [soc_min, soc_max] x capacity = [{low[where]}, {high[where]}] kWh"
        )
    order = [m for m in members if m in table.index]
    frame = pd.DataFrame(cols, index=table.index).reindex(order)
    frame.index.name = "member"
    return frame


@dataclass(frozen=True, eq=False)
class OperationInputs:
    """One community's operation horizon: profiles, tariffs, contracts and batteries.

    Every argument is validated and stored as a labelled pandas object (a copy: changing
    the caller's arrays later does not change the inputs); pandas inputs are paired with
    ``load_kwh`` by label (steps on the index, members on the columns), unlabelled arrays
    by position. ``batteries=None`` is stored as an empty table.

    Parameters
    ----------
    load_kwh : DataFrame or array, shape (n_steps, n_members)
        Consumption per step and member, >= 0 [kWh]. Its index and columns label the
        steps and members of every other argument.
    pv_kwh : DataFrame or array, shape (n_steps, n_members)
        PV generation, >= 0 [kWh].
    price_buy_per_kwh, price_sell_per_kwh : DataFrame or array, shape (n_steps, n_members)
        Retail buy and sell prices of each member, finite [EUR/kWh].
    price_market_buy_per_kwh, price_market_sell_per_kwh : Series or array, shape (n_steps,)
        Market-indexed buy and sell prices, finite [EUR/kWh].
    price_access_per_kwh : Series or array, shape (n_steps,)
        Access tariff on self-consumed shared energy, finite [EUR/kWh].
    lem_price_per_kwh : Series or array, shape (n_steps,)
        Local-market price settling pool transfers, finite [EUR/kWh].
    contracted_power_kw : Series or array, shape (n_members,)
        Contracted power of each member, > 0 [kW].
    price_extra_power_per_kw : float
        Penalty per kW above the contracted power, charged in every step, >= 0 [EUR/kW].
    timestep_h : float
        Length of a step, > 0 [h].
    batteries : DataFrame or None
        One row per member that has a battery (index: member labels of ``load_kwh``),
        columns ``capacity_kwh`` (> 0), ``power_kw`` (>= 0, charge and discharge limit
        [kW]), ``charge_efficiency`` and ``discharge_efficiency`` (in (0, 1]),
        ``soc_min`` <= ``soc_max`` (fractions of the capacity in [0, 1]), ``initial_kwh``
        (stored energy before the first step, within the SoC limits [kWh]) and
        ``degradation_per_kwh`` (cost per kWh discharged, >= 0 [EUR/kWh]). ``None``: no
        batteries.
    strict_positive_sharing : bool
        Forbid a member to sell to the pool more than its surplus (no grid import resold to
        the pool).
    total_share : bool
        The original's total-share rules in the collective models: a member in surplus
        in a community in deficit sells all its surplus to the pool, a member in deficit
        in a community in surplus buys all its deficit from it (full MILP only; not in
        :func:`lectoolkit.operation_prices.dual_prices`).

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object (string, bool, None where numbers are
        expected, an array of strings or booleans).
    ValueError
        If a value is NaN, infinite or out of its domain, a shape differs from
        ``load_kwh``'s, or pandas labels are duplicated or differ from ``load_kwh``'s.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0], [0.0]], pv_kwh=[[0.0], [2.0]], price_buy_per_kwh=[[0.2], [0.2]],
    ...     price_sell_per_kwh=[[0.05], [0.05]], price_market_buy_per_kwh=[0.3, 0.3],
    ...     price_market_sell_per_kwh=[0.0, 0.0], price_access_per_kwh=[0.01, 0.01],
    ...     lem_price_per_kwh=[0.1, 0.1], contracted_power_kw=[5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> inputs.n_steps, inputs.n_members
    (2, 1)
    """

    load_kwh: pd.DataFrame
    pv_kwh: pd.DataFrame
    price_buy_per_kwh: pd.DataFrame
    price_sell_per_kwh: pd.DataFrame
    price_market_buy_per_kwh: pd.Series
    price_market_sell_per_kwh: pd.Series
    price_access_per_kwh: pd.Series
    lem_price_per_kwh: pd.Series
    contracted_power_kw: pd.Series
    price_extra_power_per_kw: float
    timestep_h: float
    batteries: pd.DataFrame | None = None
    strict_positive_sharing: bool = True
    total_share: bool = False

    def __post_init__(self):
        load, index, columns = _validate.matrix(self.load_kwh, "load_kwh", unit="kWh",
                                                nonneg=True)
        labelled = index is not None
        steps = (index if labelled else pd.RangeIndex(load.shape[0])).rename("step")
        members = (columns if labelled else pd.RangeIndex(load.shape[1])).rename("member")
        values = {"load_kwh": pd.DataFrame(load.copy(), index=steps, columns=members)}
        for name, nonneg, unit in (("pv_kwh", True, "kWh"), ("price_buy_per_kwh", False, "EUR/kWh"),
                                   ("price_sell_per_kwh", False, "EUR/kWh")):
            values[name] = _step_frame(getattr(self, name), name, steps, members, labelled,
                                       nonneg=nonneg, unit=unit)
        for name in ("price_market_buy_per_kwh", "price_market_sell_per_kwh",
                     "price_access_per_kwh", "lem_price_per_kwh"):
            values[name] = _labelled_vector(getattr(self, name), name, steps, labelled, "step",
                                            unit="EUR/kWh")
        values["contracted_power_kw"] = _labelled_vector(
            self.contracted_power_kw, "contracted_power_kw", members, labelled, "member",
            unit="kW", nonneg=True, positive=True)
        values["price_extra_power_per_kw"] = _validate.nonnegative(
            self.price_extra_power_per_kw, "price_extra_power_per_kw", unit="EUR/kW")
        values["timestep_h"] = _validate.positive(self.timestep_h, "timestep_h", unit="h")
        values["batteries"] = _battery_table(self.batteries, members)
        values["strict_positive_sharing"] = _validate.flag(self.strict_positive_sharing,
                                                           "strict_positive_sharing")
        values["total_share"] = _validate.flag(self.total_share, "total_share")
        for key, value in values.items():
            if isinstance(value, (pd.DataFrame, pd.Series)):
                value.flags.allows_duplicate_labels = False
            object.__setattr__(self, key, value)

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return self.load_kwh.shape[0]

    @property
    def n_members(self) -> int:
        """Number of members."""
        return self.load_kwh.shape[1]

    @property
    def members(self) -> pd.Index:
        """Member labels."""
        return self.load_kwh.columns

    @property
    def steps(self) -> pd.Index:
        """Step labels."""
        return self.load_kwh.index

    def select(self, members) -> OperationInputs:
        """The same horizon for a sub-community: ``members``, a list of member labels.

        Every per-member quantity (profiles, retail prices, contracted power, batteries)
        keeps only those members, in the given order; the community's prices and options
        are shared. Raises ``ValueError`` for an empty, duplicated or unknown label.

        Examples
        --------
        >>> inputs = OperationInputs(
        ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
        ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
        ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
        ...     lem_price_per_kwh=[0.1], contracted_power_kw=[5.0, 5.0],
        ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
        >>> inputs.select([1]).members.tolist()
        [1]
        """
        if isinstance(members, (str, bytes)) or not hasattr(members, "__iter__"):
            raise TypeError(f"members: expected a list of member labels, got "
                            f"{_validate.describe(members)}")
        chosen = pd.Index(list(members), name="member")
        if chosen.empty:
            raise ValueError("members: expected at least one member label, got none")
        _validate.unique_labels(chosen, "members", "member labels")
        unknown = chosen.difference(self.members)
        if len(unknown):
            raise ValueError(f"members: labels {unknown[:3].tolist()} are not members of "
                             f"the inputs (members: {self.members[:5].tolist()}...)")
        kept = self.batteries.loc[[m for m in chosen if m in self.batteries.index]]
        return replace(self, load_kwh=self.load_kwh[chosen], pv_kwh=self.pv_kwh[chosen],
                       price_buy_per_kwh=self.price_buy_per_kwh[chosen],
                       price_sell_per_kwh=self.price_sell_per_kwh[chosen],
                       contracted_power_kw=self.contracted_power_kw[chosen],
                       batteries=kept if len(kept) else None)


def _check_inputs(inputs) -> OperationInputs:
    if not isinstance(inputs, OperationInputs):
        raise TypeError(f"inputs: expected an OperationInputs, got {_validate.describe(inputs)}")
    return inputs


def _get(mapping, key, where=""):
    """``mapping[key]`` of the ``data`` argument; ``where`` is the key path of ``mapping``."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"data: {where} must be a dict, got {_validate.describe(mapping)}")
    if key not in mapping:
        raise ValueError(f"data: {where + ' has ' if where else ''}no key {key!r}")
    return mapping[key]


def from_rec_op_inputs(data) -> OperationInputs:
    """Read the nested input dict of ``rec_op_lem_prices`` (seed 004) without changing it.

    Parameters
    ----------
    data : dict
        Keys ``delta_t`` [h], ``horizon`` [h] (= steps x ``delta_t``), ``l_extra``
        [EUR/kW], per-step lists ``l_grid``, ``l_lem``, ``l_market_buy``,
        ``l_market_sell`` [EUR/kWh], ``strict_pos_coeffs`` and ``total_share_coeffs``
        (bools), and ``meters``: a dict of meter name to a dict with per-step lists
        ``e_c``, ``e_g`` [kWh], ``l_buy``, ``l_sell`` [EUR/kWh], ``max_p`` [kW] and
        ``btm_storage`` (``None`` or a dict of one storage name to ``e_bn`` [kWh],
        ``p_max`` [kW], ``eff_bc``, ``eff_bd`` [-], ``soc_min``, ``soc_max`` [**%**],
        ``init_e`` [kWh], ``degradation_cost`` [EUR/kWh]). The dict is only read.

    Returns
    -------
    OperationInputs
        Members labelled by meter name, steps ``0 .. n_steps - 1``, SoC limits as
        fractions.

    Raises
    ------
    TypeError
        If ``data`` or a nested entry is not a dict, or a value the wrong kind.
    ValueError
        If a key is missing, a list has the wrong length, ``horizon`` differs from the
        number of steps times ``delta_t``, a meter has more than one battery, or a value
        is out of its domain (messages start with ``data:`` and give the key path).

    Examples
    --------
    >>> data = {"delta_t": 1.0, "horizon": 1.0, "l_extra": 10.0, "l_grid": [0.01],
    ...         "l_lem": [0.1], "l_market_buy": [0.3], "l_market_sell": [0.0],
    ...         "strict_pos_coeffs": True, "total_share_coeffs": False,
    ...         "meters": {"m1": {"e_c": [1.0], "e_g": [0.0], "l_buy": [0.2],
    ...                           "l_sell": [0.05], "max_p": 5.0, "btm_storage": None}}}
    >>> from_rec_op_inputs(data).load_kwh
    member   m1
    step
    0       1.0
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"data: expected a dict in rec_op_lem_prices' input format, got "
                        f"{_validate.describe(data)}")
    meters = _get(data, "meters")
    if not isinstance(meters, Mapping) or not meters:
        raise ValueError(f"data: 'meters' must be a non-empty dict of meters, got "
                         f"{_validate.describe(meters)}")
    timestep_h = _validate.positive(_get(data, "delta_t"), "data: delta_t", unit="h")
    names = list(meters)

    def per_step(source, key, where="", *, nonneg=False):
        label = f"{where}.{key}" if where else key
        return _validate.vector(_get(source, key, where), f"data: {label}", nonneg=nonneg)[0]

    n_steps = per_step(meters[names[0]], "e_c", f"meters.{names[0]}").size
    profiles = {key: [] for key in ("e_c", "e_g", "l_buy", "l_sell")}
    contracted, battery_rows = [], {}
    for name in names:
        meter = meters[name]
        where = f"meters.{name}"
        for key, rows in profiles.items():
            values = per_step(meter, key, where, nonneg=key in ("e_c", "e_g"))
            if values.size != n_steps:
                raise ValueError(f"data: {where}.{key}: expected {n_steps} values (as "
                                 f"meters.{names[0]}.e_c), got {values.size}")
            rows.append(values)
        contracted.append(_validate.positive(_get(meter, "max_p", where),
                                             f"data: {where}.max_p", unit="kW"))
        storage = _get(meter, "btm_storage", where)
        if storage is None:
            continue
        if not isinstance(storage, Mapping):
            raise TypeError(f"data: {where}.btm_storage must be None or a dict of storages, "
                            f"got {_validate.describe(storage)}")
        if len(storage) > 1:
            raise ValueError(f"data: {where}.btm_storage has {len(storage)} storages; one "
                             "battery per meter is supported")
        for label, spec in storage.items():
            at = f"{where}.btm_storage.{label}"
            value = {key: _validate.number(_get(spec, key, at), f"data: {at}.{key}")
                     for key in ("e_bn", "p_max", "eff_bc", "eff_bd", "soc_min", "soc_max",
                                 "init_e", "degradation_cost")}
            battery_rows[name] = {
                "capacity_kwh": value["e_bn"], "power_kw": value["p_max"],
                "charge_efficiency": value["eff_bc"], "discharge_efficiency": value["eff_bd"],
                "soc_min": value["soc_min"] / 100.0, "soc_max": value["soc_max"] / 100.0,
                "initial_kwh": value["init_e"], "degradation_per_kwh": value["degradation_cost"],
            }
    horizon = _validate.positive(_get(data, "horizon"), "data: horizon", unit="h")
    if not np.isclose(horizon, n_steps * timestep_h, rtol=1e-9, atol=0.0):
        raise ValueError(f"data: horizon {horizon} h differs from {n_steps} steps x delta_t "
                         f"{timestep_h} h")
    prices = {}
    for key in ("l_market_buy", "l_market_sell", "l_grid", "l_lem"):
        prices[key] = per_step(data, key)
        if prices[key].size != n_steps:
            raise ValueError(f"data: {key}: expected {n_steps} values, got {prices[key].size}")
    extra = _validate.nonnegative(_get(data, "l_extra"), "data: l_extra", unit="EUR/kW")
    strict = _validate.flag(_get(data, "strict_pos_coeffs"), "data: strict_pos_coeffs")
    total_share = _validate.flag(_get(data, "total_share_coeffs"), "data: total_share_coeffs")
    batteries = None
    if battery_rows:  # SoC limits in percent in the original's format, fractions here
        batteries = pd.DataFrame.from_dict(battery_rows, orient="index")
    try:
        return OperationInputs(
            load_kwh=pd.DataFrame(np.column_stack(profiles["e_c"]),
                                  columns=pd.Index(names, name="member")),
            pv_kwh=np.column_stack(profiles["e_g"]),
            price_buy_per_kwh=np.column_stack(profiles["l_buy"]),
            price_sell_per_kwh=np.column_stack(profiles["l_sell"]),
            price_market_buy_per_kwh=prices["l_market_buy"],
            price_market_sell_per_kwh=prices["l_market_sell"],
            price_access_per_kwh=prices["l_grid"], lem_price_per_kwh=prices["l_lem"],
            contracted_power_kw=np.asarray(contracted), price_extra_power_per_kw=extra,
            timestep_h=timestep_h, batteries=batteries, strict_positive_sharing=strict,
            total_share=total_share,
        )
    except (TypeError, ValueError) as err:  # only the batteries' cross-column checks remain
        raise type(err)(f"data: {err}") from None


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class _Data:
    """Arrays of one problem, steps on axis 0 and members on axis 1."""

    load: np.ndarray
    pv: np.ndarray
    buy: np.ndarray
    sell: np.ndarray
    market_buy: np.ndarray
    market_sell: np.ndarray
    access: np.ndarray
    lem: np.ndarray
    power: np.ndarray
    extra: float
    dt: float
    battery_members: np.ndarray  # positions of the members with a battery
    bat: dict  # column -> array over battery_members
    strict: bool
    big_m: float
    total_share: bool = False


def _data(inputs: OperationInputs, delivery: str, lem=None) -> _Data:
    members = inputs.members
    bat = inputs.batteries if delivery == "pre" else inputs.batteries.iloc[:0]
    positions = np.asarray([members.get_loc(m) for m in bat.index], dtype=np.int64)
    load = inputs.load_kwh.to_numpy()
    pv = inputs.pv_kwh.to_numpy()
    power = inputs.contracted_power_kw.to_numpy()
    dt = inputs.timestep_h
    with np.errstate(over="ignore", invalid="ignore"):
        flows = float((load + pv).sum(axis=1).max() + (bat["power_kw"].sum() * dt))
        big_m = 10.0 * float(power.max()) * dt + flows
    if not big_m <= SOLVER_MAX_VALUE:
        raise ValueError(
            f"inputs: flows of up to {big_m:.3g} kWh per step (load, PV, contracted and "
            f"battery power) exceed {SOLVER_MAX_VALUE:.0e}, beyond what LP solvers handle "
            "reliably; rescale the inputs (for example to MWh)")
    prices = [inputs.price_buy_per_kwh, inputs.price_sell_per_kwh,
              inputs.price_market_buy_per_kwh, inputs.price_market_sell_per_kwh,
              inputs.price_access_per_kwh, inputs.lem_price_per_kwh,
              inputs.price_extra_power_per_kw, bat["degradation_per_kwh"]]
    if lem is not None and np.max(np.abs(lem)) > SOLVER_MAX_VALUE:
        raise ValueError(f"lem_price_per_kwh: prices above {SOLVER_MAX_VALUE:.0e} per kWh are "
                         "beyond what LP solvers handle reliably; rescale the currency unit")
    largest = max(float(np.max(np.abs(np.asarray(p, dtype=np.float64)), initial=0.0))
                  for p in prices)
    if largest > SOLVER_MAX_VALUE:
        raise ValueError(
            f"inputs: prices of up to {largest:.3g} per kWh or kW exceed {SOLVER_MAX_VALUE:.0e}, "
            "beyond what LP solvers handle reliably; rescale the currency unit")
    return _Data(
        load=load, pv=pv, buy=inputs.price_buy_per_kwh.to_numpy(),
        sell=inputs.price_sell_per_kwh.to_numpy(),
        market_buy=inputs.price_market_buy_per_kwh.to_numpy(),
        market_sell=inputs.price_market_sell_per_kwh.to_numpy(),
        access=inputs.price_access_per_kwh.to_numpy(),
        lem=inputs.lem_price_per_kwh.to_numpy() if lem is None else lem,
        power=power, extra=inputs.price_extra_power_per_kw, dt=dt,
        battery_members=positions, bat={c: bat[c].to_numpy() for c in BATTERY_COLUMNS},
        strict=inputs.strict_positive_sharing, big_m=big_m, total_share=inputs.total_share,
    )


def _pairs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(column, step) pairs where ``mask`` (steps x columns) is true."""
    steps, cols = np.nonzero(mask)
    return sorted(zip(cols.tolist(), steps.tolist(), strict=True))


def _build(d: _Data, *, pool: bool, import_binaries: np.ndarray, battery_binaries: np.ndarray,
           shared_binaries: bool, no_loss_bound: np.ndarray | None, name: str, trades=None):
    """The original's formulation as a pyomo model (the reduced one: :func:`_reduced_program`).

    ``*_binaries`` are (steps x members / batteries) masks of the binaries to include.
    ``trades``: the bilateral market's hook (:func:`lectoolkit.operation_bilateral.
    _trades_hook`), called as ``trades(pyo, m)`` after the pool variables exist; it adds
    the pairwise components and returns ``access_cost(n, t)``, the access-tariff
    expression of member ``n`` at step ``t`` (default ``access[t] x shared``). With it,
    ``shared`` is defined exactly (lower bounds at every step, upper bounds too where
    ``d.access`` is negative).
    """
    from lectoolkit.solvers import _import_pyomo

    pyo = _import_pyomo()
    n_steps, n_members = d.load.shape
    big_m = d.big_m
    m = pyo.ConcreteModel(name=name)
    m.members = pyo.RangeSet(0, n_members - 1)
    m.steps = pyo.RangeSet(0, n_steps - 1)
    m.batteries = pyo.Set(initialize=range(d.battery_members.size), ordered=True)
    flow = {"within": pyo.NonNegativeReals, "bounds": (0.0, big_m)}
    m.import_retail = pyo.Var(m.members, m.steps, **flow)
    m.import_market = pyo.Var(m.members, m.steps, **flow)
    m.export_retail = pyo.Var(m.members, m.steps, **flow)
    m.export_market = pyo.Var(m.members, m.steps, **flow)

    def imports(n, t):
        return m.import_retail[n, t] + m.import_market[n, t]

    def exports(n, t):
        return m.export_retail[n, t] + m.export_market[n, t]

    def grid_cost(n, t):
        return (float(d.buy[t, n]) * m.import_retail[n, t]
                + float(d.market_buy[t]) * m.import_market[n, t]
                - float(d.sell[t, n]) * m.export_retail[n, t]
                - float(d.market_sell[t]) * m.export_market[n, t])
    bat = d.bat
    limit = bat["power_kw"] * d.dt
    # Excess power [kW] is a decision only for members with a battery (the others' net flow
    # and excess are constants).
    fixed_excess = _fixed_excess(d)
    owner = d.battery_members
    m.power_pairs = pyo.Set(initialize=_pairs(np.ones((n_steps, owner.size), dtype=bool)),
                            dimen=2, ordered=True)
    m.excess = pyo.Var(m.power_pairs, within=pyo.NonNegativeReals)
    m.charge = pyo.Var(m.batteries, m.steps, within=pyo.NonNegativeReals,
                       bounds=lambda _, b, t: (0.0, limit[b]))
    m.discharge = pyo.Var(m.batteries, m.steps, within=pyo.NonNegativeReals,
                          bounds=lambda _, b, t: (0.0, limit[b]))
    low = bat["soc_min"] * bat["capacity_kwh"]
    high = bat["soc_max"] * bat["capacity_kwh"]
    m.stored = pyo.Var(m.batteries, m.steps, bounds=lambda _, b, t: (low[b], high[b]))

    def pool_net(n, t):
        """Pool purchase minus pool sale [kWh]."""
        if not pool:
            return 0.0
        return m.pool_purchase[n, t] - m.pool_sale[n, t]

    if pool:
        m.pool_purchase = pyo.Var(m.members, m.steps, **flow)
        m.pool_sale = pyo.Var(m.members, m.steps, **flow)
        m.shared = pyo.Var(m.members, m.steps, within=pyo.NonNegativeReals)
    battery_of = {int(n): b for b, n in enumerate(d.battery_members)}

    def net(n, t):
        """The meter's net flow load - pv + charge - discharge [kWh]."""
        base = float(d.load[t, n] - d.pv[t, n])
        b = battery_of.get(n)
        return base if b is None else base + m.charge[b, t] - m.discharge[b, t]

    m.grid_balance = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        imports(n, t) - exports(n, t) + pool_net(n, t) == net(n, t)))
    m.power_import = pyo.Constraint(m.power_pairs, rule=lambda _, b, t: (
        net(int(owner[b]), t) <= d.dt * (float(d.power[owner[b]]) + m.excess[b, t])))
    m.power_export = pyo.Constraint(m.power_pairs, rule=lambda _, b, t: (
        -net(int(owner[b]), t) <= d.dt * (float(d.power[owner[b]]) + m.excess[b, t])))
    m.import_pairs = pyo.Set(initialize=_pairs(import_binaries), dimen=2, ordered=True)
    m.import_on = pyo.Var(m.import_pairs, within=pyo.Binary)
    m.import_exclusive = pyo.Constraint(m.import_pairs, rule=lambda _, n, t: (
        imports(n, t) <= big_m * m.import_on[n, t]))
    m.export_exclusive = pyo.Constraint(m.import_pairs, rule=lambda _, n, t: (
        exports(n, t) <= big_m * (1 - m.import_on[n, t])))
    eff_c, eff_d, initial = bat["charge_efficiency"], bat["discharge_efficiency"], \
        bat["initial_kwh"]
    m.storage_balance = pyo.Constraint(m.batteries, m.steps, rule=lambda _, b, t: (
        m.stored[b, t] == (m.stored[b, t - 1] if t > 0 else float(initial[b]))
        + float(eff_c[b]) * m.charge[b, t] - m.discharge[b, t] / float(eff_d[b])))
    m.battery_pairs = pyo.Set(initialize=_pairs(battery_binaries), dimen=2, ordered=True)
    m.charge_on = pyo.Var(m.battery_pairs, within=pyo.Binary)
    m.charge_exclusive = pyo.Constraint(m.battery_pairs, rule=lambda _, b, t: (
        m.charge[b, t] <= float(limit[b]) * m.charge_on[b, t]))
    m.discharge_exclusive = pyo.Constraint(m.battery_pairs, rule=lambda _, b, t: (
        m.discharge[b, t] <= float(limit[b]) * (1 - m.charge_on[b, t])))
    degradation = bat["degradation_per_kwh"]

    def stage1_cost(n, t):
        cost = grid_cost(n, t)
        b = battery_of.get(n)
        if b is None:
            return cost + d.extra * float(fixed_excess[t, n])
        cost += d.extra * m.excess[b, t]
        if degradation[b] != 0.0:
            cost += float(degradation[b]) * m.discharge[b, t]
        return cost

    total = sum(stage1_cost(n, t) for n in range(n_members) for t in range(n_steps))
    if pool:
        def access_cost(n, t):
            return float(d.access[t]) * m.shared[n, t]

        if trades is not None:
            access_cost = trades(pyo, m)
        total += sum(access_cost(n, t) for n in range(n_members) for t in range(n_steps))
        _build_pool(pyo, m, d, shared_binaries, net, pool_net, exports,
                    exact=trades is not None)
        if no_loss_bound is not None:
            m.no_loss = pyo.Constraint(m.members, rule=lambda _, n: sum(
                stage1_cost(n, t) + access_cost(n, t)
                + float(d.lem[t]) * pool_net(n, t)
                for t in range(n_steps)) <= float(no_loss_bound[n]))
    m.objective = pyo.Objective(expr=total, sense=pyo.minimize)
    return m


def _build_pool(pyo, m, d: _Data, shared_binaries: bool, net, pool_net, exports, *,
                exact: bool = False) -> None:
    """Pool balance, shared energy and strictly positive sharing.

    ``exact``: the lower bounds of ``shared`` at every step (not only where the access
    tariff is non-negative), so that with the upper bounds of the negative-tariff steps
    ``shared`` equals its definition wherever its cost has mixed signs.
    """
    big_m = d.big_m
    n_steps, n_members = d.load.shape
    m.pool_balance = pyo.Constraint(m.steps, rule=lambda _, t: (
        -sum(pool_net(n, t) for n in range(n_members)) == 0.0))
    low = np.zeros((n_steps, n_members), dtype=bool)
    low[d.access >= 0, :] = True
    upper = ~low
    if exact:
        low[:] = True

    if shared_binaries:
        m.shared_pairs = pyo.Set(initialize=_pairs(low), dimen=2, ordered=True)
        m.shared_pick = pyo.Var(m.shared_pairs, within=pyo.Binary)
        m.shared_meter_lower = pyo.Constraint(m.shared_pairs, rule=lambda _, n, t: (
            m.shared[n, t] >= net(n, t) - 2 * big_m * m.shared_pick[n, t]))
        m.shared_pool_lower = pyo.Constraint(m.shared_pairs, rule=lambda _, n, t: (
            m.shared[n, t] >= pool_net(n, t) - 2 * big_m * (1 - m.shared_pick[n, t])))
    else:
        m.shared_pairs = pyo.Set(initialize=_pairs(low), dimen=2, ordered=True)
        m.shared_lower = pyo.Constraint(m.shared_pairs, rule=lambda _, n, t: (
            m.shared[n, t] >= pool_net(n, t) - exports(n, t)))
    m.upper_pairs = pyo.Set(initialize=_pairs(upper), dimen=2, ordered=True)
    m.shared_meter_on = pyo.Var(m.upper_pairs, within=pyo.Binary)
    m.shared_pool_on = pyo.Var(m.upper_pairs, within=pyo.Binary)
    m.shared_meter_upper = pyo.Constraint(m.upper_pairs, rule=lambda _, n, t: (
        m.shared[n, t] <= net(n, t) + 2 * big_m * (1 - m.shared_meter_on[n, t])))
    m.shared_meter_sign = pyo.Constraint(m.upper_pairs, rule=lambda _, n, t: (
        m.shared[n, t] <= big_m * m.shared_meter_on[n, t]))
    m.shared_pool_upper = pyo.Constraint(m.upper_pairs, rule=lambda _, n, t: (
        m.shared[n, t] <= pool_net(n, t) + 2 * big_m * (1 - m.shared_pool_on[n, t])))
    m.shared_pool_sign = pyo.Constraint(m.upper_pairs, rule=lambda _, n, t: (
        m.shared[n, t] <= big_m * m.shared_pool_on[n, t]))
    if d.strict:
        m.strict_sharing = pyo.Constraint(m.import_pairs, rule=lambda _, n, t: (
            -pool_net(n, t) <= big_m * (1 - m.import_on[n, t])))
    if d.total_share:
        _build_total_share(pyo, m, d, net)


def _build_total_share(pyo, m, d: _Data, net) -> None:
    """The original's total-share rules (binaries ``community_surplus``, ``member_surplus``).

    A member in surplus (``net <= 0``) at a step where the community is in deficit
    (``sum net >= 0``) sells all its surplus to the pool (``pool_sale - pool_purchase =
    -net``); a member in deficit in a community in surplus buys all its deficit
    (``pool_purchase - pool_sale = net``). At a tie (``net = 0`` or ``sum net = 0``)
    either side may apply, as in the original. The rules bind the member's net pool
    flow; the original's bind its gross sales and purchases, which a member meets by
    buying and reselling the same energy (the rules then change nothing).
    """
    big_m = d.big_m
    n_members = d.load.shape[1]
    total_m = n_members * big_m  # bounds |sum net|
    pair_m = 3 * big_m  # bounds |pool_net +- net|

    def community(t):
        return sum(net(n, t) for n in range(n_members))

    m.community_surplus = pyo.Var(m.steps, within=pyo.Binary)
    m.member_surplus = pyo.Var(m.members, m.steps, within=pyo.Binary)
    m.community_surplus_on = pyo.Constraint(m.steps, rule=lambda _, t: (
        community(t) <= total_m * (1 - m.community_surplus[t])))
    m.community_surplus_off = pyo.Constraint(m.steps, rule=lambda _, t: (
        community(t) >= -total_m * m.community_surplus[t]))
    m.member_surplus_on = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        net(n, t) <= big_m * (1 - m.member_surplus[n, t])))
    m.member_surplus_off = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        net(n, t) >= -big_m * m.member_surplus[n, t]))

    def sells_all(n, t):  # 0 when the member is in surplus and the community in deficit
        return pair_m * (1 - m.member_surplus[n, t] + m.community_surplus[t])

    def buys_all(n, t):  # 0 when the member is in deficit and the community in surplus
        return pair_m * (1 - m.community_surplus[t] + m.member_surplus[n, t])

    def pool_net(n, t):
        return m.pool_purchase[n, t] - m.pool_sale[n, t]

    m.share_all_surplus_low = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        pool_net(n, t) >= net(n, t) - sells_all(n, t)))
    m.share_all_surplus_high = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        pool_net(n, t) <= net(n, t) + sells_all(n, t)))
    m.buy_all_deficit_low = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        pool_net(n, t) >= net(n, t) - buys_all(n, t)))
    m.buy_all_deficit_high = pyo.Constraint(m.members, m.steps, rule=lambda _, n, t: (
        pool_net(n, t) <= net(n, t) + buys_all(n, t)))


# --------------------------------------------------------------------------- matrix form


class _Assembly:
    """Coordinate-form assembly of a :class:`lectoolkit.solvers._LinearProgram`.

    Columns and rows are created in blocks at the true entries of a mask; a block's
    indices come back as an integer array of the mask's shape (-1 where no column or row).
    """

    def __init__(self):
        self.n_cols = self.n_rows = 0
        self.columns = {"lower": [], "upper": [], "cost": [], "integer": []}
        self.entries = {"rows": [], "cols": [], "values": []}
        self.bounds = {"lower": [], "upper": []}

    @staticmethod
    def _new(mask, start):
        mask = np.asarray(mask, dtype=bool)
        index = np.full(mask.shape, -1, dtype=np.int64)
        index[mask] = np.arange(start, start + int(mask.sum()))
        return mask, index

    def variables(self, mask, lower, upper, cost=0.0, *, integer=False) -> np.ndarray:
        mask, index = self._new(mask, self.n_cols)
        self.n_cols += int(mask.sum())
        for key, value in (("lower", lower), ("upper", upper), ("cost", cost),
                           ("integer", integer)):
            self.columns[key].append(np.broadcast_to(np.asarray(value), mask.shape)[mask])
        return index

    def constraints(self, mask, lower, upper) -> np.ndarray:
        """Rows ``lower <= ... <= upper``; their terms come from :meth:`add`."""
        mask, index = self._new(mask, self.n_rows)
        self.n_rows += int(mask.sum())
        for key, value in (("lower", lower), ("upper", upper)):
            self.bounds[key].append(np.broadcast_to(np.asarray(value, dtype=np.float64),
                                                    mask.shape)[mask])
        return index

    def add(self, row, coef, col) -> None:
        """Add ``coef * x[col]`` to rows ``row`` (broadcast together; -1 entries skipped)."""
        row, coef, col = np.broadcast_arrays(row, np.asarray(coef, dtype=np.float64), col)
        keep = (row >= 0) & (col >= 0) & (coef != 0.0)
        for key, value in (("rows", row), ("cols", col), ("values", coef)):
            self.entries[key].append(value[keep])

    def program(self, name: str, offset: float):
        from lectoolkit.solvers import _LinearProgram

        def joined(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        return _LinearProgram(
            cost=joined(self.columns["cost"], np.float64),
            col_lower=joined(self.columns["lower"], np.float64),
            col_upper=joined(self.columns["upper"], np.float64),
            integer=joined(self.columns["integer"], bool),
            rows=joined(self.entries["rows"], np.int64),
            cols=joined(self.entries["cols"], np.int64),
            values=joined(self.entries["values"], np.float64),
            row_lower=joined(self.bounds["lower"], np.float64),
            row_upper=joined(self.bounds["upper"], np.float64), name=name, offset=offset)


def _on_members(d: _Data, index: np.ndarray) -> np.ndarray:
    """Battery-indexed column indices (steps x batteries) spread over members (-1 else)."""
    out = np.full(d.load.shape, -1, dtype=np.int64)
    out[:, d.battery_members] = index
    return out


def _reduced_program(d: _Data, *, pool: bool, import_binaries: np.ndarray,
                     battery_binaries: np.ndarray, shared_binaries: bool,
                     no_loss_bound: np.ndarray | None, name: str, strict_binaries=None):
    """The reduced formulation as a matrix program; ``*_binaries`` as :func:`_build`.

    Retail and market channels are one import at the cheaper and one export at the better
    price (they differ only in price, so this is exact; :func:`_program_flows` splits
    them back, ties to the retailer); a member's pool purchase and sale are their
    difference ``pool_net`` (every constraint and cost depends on the difference only);
    excess power is a decision only for members with a battery and only at steps where
    the battery can push the net flow beyond the contracted power (elsewhere it is the
    constant of :func:`_fixed_excess`).

    Returns the program and its layout: column indices per variable family (steps x
    members or batteries, -1 where absent) and, for the pool, ``"pool_balance"``, the
    row index of each step's pool balance.
    """
    n_steps, n_members = d.load.shape
    owner = d.battery_members
    big_m = d.big_m
    bat = d.bat
    lp = _Assembly()
    every = np.ones((n_steps, n_members), dtype=bool)
    each_battery = np.ones((n_steps, owner.size), dtype=bool)
    buy = np.minimum(d.buy, d.market_buy[:, None])
    sell = np.maximum(d.sell, d.market_sell[:, None])
    base = d.load - d.pv
    limit = bat["power_kw"] * d.dt
    reach = np.maximum(np.abs(base[:, owner] + limit), np.abs(base[:, owner] - limit))
    can_exceed = reach > d.power[owner] * d.dt
    col = {
        "grid_import": lp.variables(every, 0.0, big_m, buy),
        "grid_export": lp.variables(every, 0.0, big_m, -sell),
        "excess": lp.variables(can_exceed, 0.0, np.inf, d.extra),
        "charge": lp.variables(each_battery, 0.0, limit),
        "discharge": lp.variables(each_battery, 0.0, limit, bat["degradation_per_kwh"]),
        "stored": lp.variables(each_battery, bat["soc_min"] * bat["capacity_kwh"],
                               bat["soc_max"] * bat["capacity_kwh"]),
        "import_on": lp.variables(import_binaries, 0.0, 1.0, integer=True),
        "charge_on": lp.variables(battery_binaries, 0.0, 1.0, integer=True),
    }
    charge, discharge = _on_members(d, col["charge"]), _on_members(d, col["discharge"])
    grid = lp.constraints(every, base, base)  # imports - exports + pool_net = net
    for coef, index in ((1.0, col["grid_import"]), (-1.0, col["grid_export"]),
                        (-1.0, charge), (1.0, discharge)):
        lp.add(grid, coef, index)
    contracted = d.power[owner] * d.dt
    for sign in (1.0, -1.0):  # +-net <= dt (contracted + excess)
        rows = lp.constraints(can_exceed, -np.inf, contracted - sign * base[:, owner])
        lp.add(rows, sign, col["charge"])
        lp.add(rows, -sign, col["discharge"])
        lp.add(rows, -d.dt, col["excess"])
    rows = lp.constraints(import_binaries, -np.inf, 0.0)  # imports <= M on
    lp.add(rows, 1.0, col["grid_import"])
    lp.add(rows, -big_m, col["import_on"])
    rows = lp.constraints(import_binaries, -np.inf, big_m)  # exports <= M (1 - on)
    lp.add(rows, 1.0, col["grid_export"])
    lp.add(rows, big_m, col["import_on"])
    initial = np.zeros((n_steps, owner.size))
    initial[:1] = bat["initial_kwh"]
    rows = lp.constraints(each_battery, initial, initial)  # stored - previous - in + out = 0
    lp.add(rows, 1.0, col["stored"])
    lp.add(rows[1:], -1.0, col["stored"][:-1])
    lp.add(rows, -bat["charge_efficiency"], col["charge"])
    lp.add(rows, 1.0 / bat["discharge_efficiency"], col["discharge"])
    rows = lp.constraints(battery_binaries, -np.inf, 0.0)  # charge <= limit on
    lp.add(rows, 1.0, col["charge"])
    lp.add(rows, -limit, col["charge_on"])
    rows = lp.constraints(battery_binaries, -np.inf, limit)  # discharge <= limit (1 - on)
    lp.add(rows, 1.0, col["discharge"])
    lp.add(rows, limit, col["charge_on"])
    offset = float((d.extra * _fixed_excess(d)).sum(axis=0)[_no_battery(d)].sum())
    if pool:
        _reduced_pool(lp, col, d, grid, charge, discharge, import_binaries, shared_binaries,
                      no_loss_bound, strict_binaries)
    return lp.program(name, offset), col


def _strict_envelope(lp: _Assembly, col: dict, d: _Data, base, least_net, highest) -> None:
    """Rows of the convex hull of strictly positive sharing for the members with a battery.

    The rule is ``pool_net >= phi(charge, discharge) = min(base + charge - discharge, 0)``
    with charge and discharge in ``[0, L]`` (``L`` the battery's limit per step [kWh]).
    ``phi`` is concave, so the hull of its epigraph over that box is the epigraph of its
    convex envelope, fixed by the values at the box's four corners: with ``m0 = phi(0, 0)
    = phi(L, L)``, ``up = phi(L, 0)`` and ``down = phi(0, L)``, concavity gives ``up + down
    <= 2 m0``, so the envelope is the maximum of the two planes through the corner
    triangles on either side of the ``(L, 0)``-``(0, L)`` diagonal::

        pool_net >= m0 + (up - m0) charge / L + (down - m0) discharge / L
        pool_net >= up + down - m0 - (down - m0) charge / L - (up - m0) discharge / L

    Both hold at every point of the full model. Where net cannot change sign the first is
    the exact rule (``pool_net >= 0``, or ``pool_net >= net``) and the second is left out.
    Tighter than the chord in ``net`` alone: an idle battery (``charge = discharge = 0``)
    gets ``pool_net >= m0``.
    """
    owner = d.battery_members
    limit = d.bat["power_kw"] * d.dt
    m0 = np.minimum(base[:, owner], 0.0)
    up, down = np.minimum(highest[:, owner], 0.0), np.minimum(least_net[:, owner], 0.0)
    moves = np.broadcast_to(limit > 0.0, m0.shape)
    scale = np.where(limit > 0.0, limit, 1.0)
    rise, fall = (up - m0) / scale, (down - m0) / scale
    pool_net = col["pool_net"][:, owner]
    for mask, rhs, on_charge, on_discharge in (
            (moves, m0, -rise, -fall),
            (moves & (least_net[:, owner] < 0.0) & (highest[:, owner] > 0.0),
             up + down - m0, fall, rise)):
        rows = lp.constraints(mask, rhs, np.inf)
        lp.add(rows, 1.0, pool_net)
        lp.add(rows, on_charge, col["charge"])
        lp.add(rows, on_discharge, col["discharge"])


def _no_battery(d: _Data) -> np.ndarray:
    """Mask of the members without a battery."""
    mask = np.ones(d.load.shape[1], dtype=bool)
    mask[d.battery_members] = False
    return mask


def _reduced_pool(lp: _Assembly, col: dict, d: _Data, grid, charge, discharge,
                  import_binaries, shared_binaries, no_loss_bound, strict_binaries) -> None:
    """Pool columns and rows of :func:`_reduced_program` (``col`` gains its families).

    Strictly positive sharing: a member may sell to the pool only what it does not import,
    ``pool_net >= min(net, 0)`` (with import/export exclusivity this is the full model's
    rule, and every point of the full model satisfies it). Without a battery ``net`` is a
    constant and this is a bound of ``pool_net``; with one it is the disjunction
    ``pool_net >= 0`` or ``pool_net >= net``, modelled where ``strict_binaries`` asks
    (binary ``sell_on``, big-Ms from the flows' physical bounds) and otherwise relaxed to
    its convex hull (:func:`_strict_envelope`).
    """
    n_steps, n_members = d.load.shape
    big_m = d.big_m
    base = d.load - d.pv
    every = np.ones((n_steps, n_members), dtype=bool)
    lowest = np.full((n_steps, n_members), -big_m)
    if d.strict:  # pool_net >= min(net, 0): exact without a battery, valid with one
        limit = d.bat["power_kw"] * d.dt
        least_net, highest = base.copy(), base.copy()  # the range of net
        least_net[:, d.battery_members] -= limit
        highest[:, d.battery_members] += limit
        lowest = np.maximum(lowest, np.minimum(least_net, 0.0))
    col["pool_net"] = lp.variables(every, lowest, big_m)
    col["shared"] = lp.variables(every, 0.0, np.inf, d.access[:, None])
    lp.add(grid, 1.0, col["pool_net"])
    balance = lp.constraints(np.ones(n_steps, dtype=bool), 0.0, 0.0)  # sales - purchases
    lp.add(balance[:, None], -1.0, col["pool_net"])
    col["pool_balance"] = balance
    low = every & (d.access >= 0)[:, None]
    if shared_binaries:  # shared >= min(net, pool_net) through a binary pick
        col["shared_pick"] = lp.variables(low, 0.0, 1.0, integer=True)
        rows = lp.constraints(low, base, np.inf)  # shared - net + 2M pick >= 0
        for coef, index in ((1.0, col["shared"]), (-1.0, charge), (1.0, discharge),
                            (2 * big_m, col["shared_pick"])):
            lp.add(rows, coef, index)
        rows = lp.constraints(low, -2 * big_m, np.inf)  # shared - pool_net >= -2M (1 - pick)
        for coef, index in ((1.0, col["shared"]), (-1.0, col["pool_net"]),
                            (-2 * big_m, col["shared_pick"])):
            lp.add(rows, coef, index)
    else:  # shared >= pool_net - exports (exact with import/export exclusivity)
        rows = lp.constraints(low, 0.0, np.inf)
        for coef, index in ((1.0, col["shared"]), (-1.0, col["pool_net"]),
                            (1.0, col["grid_export"])):
            lp.add(rows, coef, index)
    upper = every & ~low  # negative access tariff: shared <= max(net, 0), max(pool_net, 0)
    for key, terms, constant in (("shared_meter_on", ((-1.0, charge), (1.0, discharge)), base),
                                 ("shared_pool_on", ((-1.0, col["pool_net"]),), 0.0)):
        col[key] = lp.variables(upper, 0.0, 1.0, integer=True)
        rows = lp.constraints(upper, -np.inf, constant + 2 * big_m)  # <= x + 2M (1 - on)
        for coef, index in ((1.0, col["shared"]), *terms, (2 * big_m, col[key])):
            lp.add(rows, coef, index)
        rows = lp.constraints(upper, -np.inf, 0.0)  # shared <= M on
        lp.add(rows, 1.0, col["shared"])
        lp.add(rows, -big_m, col[key])
    if d.strict:  # -pool_net <= M (1 - importing), M = -(pool_net's lower bound)
        sale_m = -lowest
        rows = lp.constraints(import_binaries, -np.inf, sale_m)
        lp.add(rows, -1.0, col["pool_net"])
        lp.add(rows, sale_m, col["import_on"])
        _strict_envelope(lp, col, d, base, least_net, highest)
        mask = np.zeros((n_steps, n_members), dtype=bool) if strict_binaries is None else \
            strict_binaries
        col["sell_on"] = lp.variables(mask, 0.0, 1.0, integer=True)
        rows = lp.constraints(mask, 0.0, np.inf)  # pool_net + M sell_on >= 0
        lp.add(rows, 1.0, col["pool_net"])
        lp.add(rows, sale_m, col["sell_on"])
        net_m = np.maximum(highest - lowest, 0.0)  # >= net - pool_net
        rows = lp.constraints(mask, base - net_m, np.inf)  # pool_net - net >= -M (1 - on)
        for coef, index in ((1.0, col["pool_net"]), (-1.0, charge), (1.0, discharge),
                            (-net_m, col["sell_on"])):
            lp.add(rows, coef, index)
    if no_loss_bound is not None:
        constant = (d.extra * _fixed_excess(d)).sum(axis=0) * _no_battery(d)
        rows = lp.constraints(np.ones(n_members, dtype=bool), -np.inf,
                              no_loss_bound - constant)
        buy = np.minimum(d.buy, d.market_buy[:, None])
        sell = np.maximum(d.sell, d.market_sell[:, None])
        for coef, index in ((buy, col["grid_import"]), (-sell, col["grid_export"]),
                            (d.access[:, None], col["shared"]),
                            (d.lem[:, None], col["pool_net"])):
            lp.add(rows[None, :], coef, index)
        battery_rows = rows[d.battery_members][None, :]
        lp.add(battery_rows, d.extra, col["excess"])
        lp.add(battery_rows, d.bat["degradation_per_kwh"], col["discharge"])


def _program_point(layout: dict, d: _Data, dispatch: pd.DataFrame, n_cols: int) -> np.ndarray:
    """The point of :func:`_reduced_program` a dispatch frame gives (binaries at 0)."""

    def member(column):
        return dispatch[column].to_numpy().reshape(d.load.shape)

    owner = d.battery_members
    values = {
        "grid_import": member("import_retail_kwh") + member("import_market_kwh"),
        "grid_export": member("export_retail_kwh") + member("export_market_kwh"),
        "pool_net": member("pool_purchase_kwh") - member("pool_sale_kwh"),
        "shared": member("shared_kwh"), "excess": member("excess_kw")[:, owner],
        "charge": member("charge_kwh")[:, owner], "discharge": member("discharge_kwh")[:, owner],
        "stored": member("stored_kwh")[:, owner],
    }
    x = np.zeros(n_cols)
    for key, value in values.items():
        index = layout.get(key)
        if index is not None:
            present = index >= 0
            x[index[present]] = value[present]
    return x


def _program_flows(x: np.ndarray, col: dict, d: _Data, pool: bool) -> dict[str, np.ndarray]:
    """The flows of a solution ``x`` of :func:`_reduced_program`."""

    def take(index):
        return np.where(index >= 0, x[np.maximum(index, 0)], 0.0)

    imports, exports = take(col["grid_import"]), take(col["grid_export"])
    market_buy = d.market_buy[:, None] < d.buy  # ties to the retailer
    market_sell = d.market_sell[:, None] > d.sell
    shape = d.load.shape
    pool_net = take(col["pool_net"]) if pool else np.zeros(shape)
    flows = {"import_retail": np.where(market_buy, 0.0, imports),
             "import_market": np.where(market_buy, imports, 0.0),
             "export_retail": np.where(market_sell, 0.0, exports),
             "export_market": np.where(market_sell, exports, 0.0),
             "pool_purchase": np.maximum(pool_net, 0.0), "pool_sale": np.maximum(-pool_net, 0.0),
             "shared": take(col["shared"]) if pool else np.zeros(shape)}
    for key in ("charge", "discharge", "stored"):
        flows[key] = take(col[key])
    flows["net"] = d.load - d.pv + _battery_on_members(d, flows["charge"] - flows["discharge"])
    flows["excess"] = _fixed_excess(d)
    flows["excess"][:, d.battery_members] = take(col["excess"])
    return flows


# --------------------------------------------------------------------------- solution


def _values(var, shape) -> np.ndarray:
    """Values of a pyomo Var indexed (column, step) as a (steps x columns) array."""
    n_cols, n_steps = shape[1], shape[0]
    if n_cols == 0:
        return np.zeros(shape)
    raw = np.fromiter((0.0 if v.value is None else v.value for v in var.values()),
                      dtype=np.float64, count=n_cols * n_steps)
    return raw.reshape(n_cols, n_steps).T.copy()


def _flows(model, d: _Data, pool: bool) -> dict[str, np.ndarray]:
    shape = d.load.shape
    bshape = (shape[0], d.battery_members.size)
    flows = {key: _values(getattr(model, key), shape) for key in (
        "import_retail", "import_market", "export_retail", "export_market")}
    for key in ("pool_purchase", "pool_sale"):
        flows[key] = _values(getattr(model, key), shape) if pool else np.zeros(shape)
    flows["shared"] = _values(model.shared, shape) if pool else np.zeros(shape)
    for key in ("charge", "discharge", "stored"):
        flows[key] = _values(getattr(model, key), bshape)
    flows["net"] = d.load - d.pv + _battery_on_members(d, flows["charge"] - flows["discharge"])
    flows["excess"] = _fixed_excess(d)
    excess = np.zeros(bshape)
    for (b, t), var in model.excess.items():
        excess[t, b] = 0.0 if var.value is None else var.value
    flows["excess"][:, d.battery_members] = excess
    return flows


def _fixed_excess(d: _Data) -> np.ndarray:
    """Excess power of the net flows without batteries [kW] (steps x members)."""
    return np.maximum(np.abs(d.load - d.pv) / d.dt - d.power[None, :], 0.0)


def _battery_on_members(d: _Data, values: np.ndarray) -> np.ndarray:
    out = np.zeros(d.load.shape)
    out[:, d.battery_members] = values
    return out


def _stage1_costs(d: _Data, f) -> np.ndarray:
    """Per step and member: energy, excess power and degradation costs [EUR]."""
    degradation = _battery_on_members(d, f["discharge"] * d.bat["degradation_per_kwh"])
    return (f["import_retail"] * d.buy + f["import_market"] * d.market_buy[:, None]
            - f["export_retail"] * d.sell - f["export_market"] * d.market_sell[:, None]
            + f["excess"] * d.extra + degradation)


def _costs(d: _Data, f) -> tuple[float, np.ndarray, np.ndarray]:
    """(community cost, stage-1 cost per member, member cost with pool terms) [EUR]."""
    stage1 = _stage1_costs(d, f)
    access = f["shared"] * d.access[:, None]
    transfers = (f["pool_purchase"] - f["pool_sale"]) * d.lem[:, None]
    community = float((stage1 + access).sum())
    return community, stage1.sum(axis=0), (stage1 + access + transfers).sum(axis=0)


def _repair(d: _Data, f) -> tuple[dict, np.ndarray]:
    """Net simultaneous import and export; recompute the shared energy exactly.

    Returns the repaired flows and the cost change per (step, member) [EUR] (<= 0 where
    the reduced formulation's exactness condition holds).
    """
    f = {key: value.copy() for key, value in f.items()}
    before = _stage1_costs(d, f) + f["shared"] * d.access[:, None]
    overlap = np.minimum(f["import_retail"] + f["import_market"],
                         f["export_retail"] + f["export_market"])
    market_first = d.market_buy[:, None] > d.buy  # reduce the dearer import first
    for first, second, cut in (("import_market", "import_retail", market_first),
                               ("export_market", "export_retail", d.market_sell[:, None] < d.sell)):
        a = np.where(cut, f[first], f[second])
        b = np.where(cut, f[second], f[first])
        take_a = np.minimum(a, overlap)
        take_b = overlap - take_a
        f[first] = np.where(cut, a - take_a, b - take_b)
        f[second] = np.where(cut, b - take_b, a - take_a)
    f["shared"] = np.minimum(np.maximum(f["net"], 0.0),
                             np.maximum(f["pool_purchase"] - f["pool_sale"], 0.0))
    after = _stage1_costs(d, f) + f["shared"] * d.access[:, None]
    return f, after - before


def _violations(d: _Data, f, *, pool: bool, no_loss_bound) -> tuple[dict, np.ndarray, np.ndarray,
                                                                     np.ndarray, np.ndarray]:
    """Check flows against every constraint of the full formulation.

    Returns ``(worst violation per constraint family, failing (step, member) mask for
    import binaries, failing (step, battery) mask for battery binaries, failing members
    of the no-loss bound, failing (step, member) mask of strictly positive sharing)``.
    """
    tol = _CHECK_TOL
    worst = {}
    imports = f["import_retail"] + f["import_market"]
    exports = f["export_retail"] + f["export_market"]
    pool_net = f["pool_purchase"] - f["pool_sale"]
    battery = _battery_on_members(d, f["charge"] - f["discharge"])
    worst["grid_balance"] = np.abs(f["net"] - imports + exports - pool_net)
    worst["meter_balance"] = np.abs(f["net"] - (d.load - d.pv + battery))
    power = d.dt * (d.power[None, :] + f["excess"])
    worst["power_limit"] = np.maximum(np.abs(f["net"]) - power, 0.0)
    worst["flow_bounds"] = np.maximum.reduce([
        np.maximum(-f[k], f[k] - d.big_m) for k in (
            "import_retail", "import_market", "export_retail", "export_market",
            "pool_purchase", "pool_sale")] + [np.maximum(-f["excess"], -f["shared"])])
    exclusive = np.minimum(imports, exports)
    worst["import_exclusive"] = exclusive
    failing_imports = exclusive > tol
    if pool:
        worst["pool_balance"] = np.abs(f["pool_sale"].sum(axis=1) - f["pool_purchase"].sum(axis=1))
        exact = np.minimum(np.maximum(f["net"], 0.0), np.maximum(pool_net, 0.0))
        worst["shared_definition"] = np.abs(f["shared"] - exact)
        if d.strict:
            strict = np.where(imports > tol, np.maximum(-pool_net, 0.0), 0.0)
            worst["strict_sharing"] = strict
        if d.total_share:  # ties (|net| or |sum net| within tol) may go either way
            total = f["net"].sum(axis=1, keepdims=True)
            sells = (f["net"] < -tol) & (total > tol)
            buys = (f["net"] > tol) & (total < -tol)
            worst["total_share"] = np.where(sells | buys, np.abs(pool_net - f["net"]), 0.0)
    failing_strict = worst.get("strict_sharing", np.zeros(d.load.shape)) > tol
    limit = d.bat["power_kw"] * d.dt
    low = d.bat["soc_min"] * d.bat["capacity_kwh"]
    high = d.bat["soc_max"] * d.bat["capacity_kwh"]
    previous = np.vstack([d.bat["initial_kwh"][None, :], f["stored"][:-1]])
    worst["storage_balance"] = np.abs(
        f["stored"] - previous - d.bat["charge_efficiency"] * f["charge"]
        + f["discharge"] / d.bat["discharge_efficiency"])
    worst["battery_bounds"] = np.maximum.reduce([
        -f["charge"], -f["discharge"], f["charge"] - limit, f["discharge"] - limit,
        low - f["stored"], f["stored"] - high]) if f["stored"].size else np.zeros(0)
    battery_overlap = np.minimum(f["charge"], f["discharge"])
    worst["battery_exclusive"] = battery_overlap
    failing_members = np.zeros(d.load.shape[1], dtype=bool)
    if no_loss_bound is not None:
        member = _costs(d, f)[2]
        excess = member - no_loss_bound
        worst["no_loss"] = np.maximum(excess, 0.0)
        failing_members = excess > tol
    summary = {key: float(np.max(value, initial=0.0)) for key, value in worst.items()}
    return summary, failing_imports, battery_overlap > tol, failing_members, failing_strict


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class OperationResult:
    """Outcome of :func:`run_individual` or :func:`run_collective`.

    Attributes
    ----------
    objective : float
        Community cost: the sum of the members' energy, excess-power and degradation
        costs plus the access tariff on shared energy (pool transfers cancel) [EUR].
    member_costs : pandas.Series
        Cost of each member including pool transfers at the LEM price [EUR].
    individual_costs : pandas.Series
        Each member's optimal cost alone (stage 1) [EUR].
    dispatch : pandas.DataFrame
        One row per (step, member), columns :data:`DISPATCH_COLUMNS`: energies [kWh],
        ``excess_kw`` [kW]; members without a battery have zero charge, discharge and
        stored energy.
    status : str
        ``"optimal"``: the solver proved optimality within ``mip_gap`` (and the reduced
        formulation's solution passed the full model's check); closed forms are exact.
        ``"time_limit"`` (:func:`run_collective` only): the solver stopped at
        ``time_limit_s``; the dispatch is its best feasible solution (checked against
        every constraint of the full model), not proven optimal.
    mip_gap : float
        Relative optimality gap within which ``objective`` is proven: the requested
        tolerance, 0 for closed forms [-]. An upper bound: a model without binaries (the
        usual reduced formulation) is solved exactly. With ``status="time_limit"``: the
        achieved gap ``(objective - best bound) / |objective|`` (``inf`` when the solver
        reports no bound, as GLPK does).
    solver, solver_version : str
        Solver used (``"none"`` and ``""`` for closed forms).
    n_binaries : int
        Binaries of the last model solved.
    n_solves : int
        Models solved (more than one when the reduced formulation added binaries back;
        the split of ``split="min_volume"`` counts as one).
    build_time_s, solve_time_s : float
        Time spent building the pyomo models and in the solver calls [s].
    check : dict
        Worst violation of each constraint family of the full formulation by the reported
        dispatch [kWh or EUR] (empty for closed forms).
    trades : pandas.DataFrame or None
        Bilateral market only (``None`` otherwise): one row per (step, seller, buyer),
        columns ``energy_kwh`` (sold by the seller to the buyer) and ``shared_kwh`` (the
        part the buyer consumes, charged the pair's access tariff) [kWh].
    """

    objective: float
    member_costs: pd.Series
    individual_costs: pd.Series
    dispatch: pd.DataFrame
    status: str
    mip_gap: float
    solver: str
    solver_version: str
    n_binaries: int = 0
    n_solves: int = 0
    build_time_s: float = 0.0
    solve_time_s: float = 0.0
    check: dict = field(default_factory=dict)
    trades: pd.DataFrame | None = None


def _dispatch(inputs: OperationInputs, d: _Data, f) -> pd.DataFrame:
    columns = {
        "import_retail_kwh": f["import_retail"], "import_market_kwh": f["import_market"],
        "export_retail_kwh": f["export_retail"], "export_market_kwh": f["export_market"],
        "pool_purchase_kwh": f["pool_purchase"], "pool_sale_kwh": f["pool_sale"],
        "shared_kwh": f["shared"], "net_kwh": f["net"], "excess_kw": f["excess"],
        "charge_kwh": _battery_on_members(d, f["charge"]),
        "discharge_kwh": _battery_on_members(d, f["discharge"]),
        "stored_kwh": _battery_on_members(d, f["stored"]),
    }
    index = pd.MultiIndex.from_product([inputs.steps, inputs.members])
    return pd.DataFrame({k: np.asarray(v, dtype=np.float64).ravel() for k, v in columns.items()},
                        index=index)


def _post_individual_flows(d: _Data) -> dict[str, np.ndarray]:
    """The closed form of the post-delivery individual cost (SPEC §4)."""
    net = d.load - d.pv
    imports = np.maximum(net, 0.0)
    exports = np.maximum(-net, 0.0)
    market_buy = d.market_buy[:, None] < d.buy  # ties go to the retailer
    market_sell = d.market_sell[:, None] > d.sell
    zeros = np.zeros_like(net)
    empty = np.zeros((net.shape[0], 0))
    return {
        "import_retail": np.where(market_buy, 0.0, imports),
        "import_market": np.where(market_buy, imports, 0.0),
        "export_retail": np.where(market_sell, 0.0, exports),
        "export_market": np.where(market_sell, exports, 0.0),
        "net": net, "excess": _fixed_excess(d),
        "pool_purchase": zeros, "pool_sale": zeros.copy(), "shared": zeros.copy(),
        "charge": empty, "discharge": empty, "stored": empty,
    }


def _solve_problem(inputs, d: _Data, *, pool, no_loss_bound, formulation, solver,
                   time_limit_s, mip_gap, allow_time_limit=False, start_dispatch=None):
    """Build, solve, check and (reduced formulation) add binaries back until proven.

    ``allow_time_limit``: accept a checked incumbent at the time limit (``result``'s
    termination condition is then ``"time_limit"``). ``start_dispatch``: a dispatch the
    reduced program's solve starts from (the stage-1 optimum is feasible for the pool:
    about a third of the simplex iterations). Returns ``(flows, worst violations,
    result, n_binaries, n_solves, build_s, solve_s, solved)``: ``solved`` is the pyomo
    model (``formulation="full"``) or a :class:`_Solved` program.
    """
    n_steps, n_members = d.load.shape
    if d.total_share and formulation == "reduced":
        # the rules only restrict the problem: an optimum without them that meets them
        # is an optimum with them; else the full formulation (no reduced form of them)
        free = _solve_problem(inputs, replace(d, total_share=False), pool=pool,
                              no_loss_bound=no_loss_bound, formulation=formulation,
                              solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap,
                              allow_time_limit=allow_time_limit,
                              start_dispatch=start_dispatch)
        worst = _violations(d, free[0], pool=pool, no_loss_bound=no_loss_bound)[0]
        if free[2].termination_condition == "optimal" and max(worst.values()) <= _CHECK_TOL:
            return (free[0], worst, *free[2:])
        formulation = "full"
        spent = free[4:7]  # solves, build and solve time of the attempt
    else:
        spent = (0, 0.0, 0.0)
    n_batteries = d.battery_members.size
    full = formulation == "full"
    if full:
        import_binaries = np.ones((n_steps, n_members), dtype=bool)
    else:
        margin = (np.minimum(d.buy, d.market_buy[:, None])
                  - np.maximum(d.sell, d.market_sell[:, None]))
        need = np.maximum(d.access, 0.0) if pool else np.zeros(n_steps)
        import_binaries = margin < need[:, None]
    battery_binaries = np.full((n_steps, n_batteries), full)
    strict_binaries = np.zeros((n_steps, n_members), dtype=bool)
    options = {_GAP_OPTION[solver]: mip_gap}
    name = "rec_collective_pool" if pool else "rec_individual"
    n_solves, build_s, solve_s = spent
    while True:
        start = time.perf_counter()
        if formulation == "full":
            model = _build(d, pool=pool, import_binaries=import_binaries,
                           battery_binaries=battery_binaries, shared_binaries=True,
                           no_loss_bound=no_loss_bound, name=name)
        else:
            program, layout = _reduced_program(
                d, pool=pool, import_binaries=import_binaries,
                battery_binaries=battery_binaries, shared_binaries=full,
                no_loss_bound=no_loss_bound, name=name, strict_binaries=strict_binaries)
        build_s += time.perf_counter() - start
        start = time.perf_counter()
        if formulation == "full":
            result = solve(model, solver, time_limit_s=time_limit_s, options=options,
                           allow_time_limit=allow_time_limit)
            solved, raw = model, _flows(model, d, pool)
            n_binaries = n_steps * (n_members + n_batteries) + (n_members * int(
                (d.access >= 0).sum() + 2 * (d.access < 0).sum()) if pool else 0) + (
                n_steps * (n_members + 1) if pool and d.total_share else 0)
        else:
            solution = _solve_program(
                program, solver, time_limit_s=time_limit_s, options=options,
                allow_time_limit=allow_time_limit,
                start=None if start_dispatch is None else _program_point(
                    layout, d, start_dispatch, program.n_cols))
            result = solution.result
            solved = _Solved(program, layout, solution)
            raw, n_binaries = _program_flows(solution.x, layout, d, pool), int(
                program.integer.sum())
        solve_s += time.perf_counter() - start
        n_solves += 1
        flows, delta = _repair(d, raw)
        worst, failing_imports, failing_batteries, failing_members, failing_strict = _violations(
            d, flows, pool=pool, no_loss_bound=no_loss_bound)
        community = _costs(d, flows)[0]
        tol = _CHECK_TOL * max(1.0, abs(result.objective))
        if max(worst.values()) <= _CHECK_TOL and community <= result.objective + tol:
            return flows, worst, result, n_binaries, n_solves, build_s, solve_s, solved
        if full:
            raise SolverError(
                f"solver {solver!r} returned a solution of {name!r} that violates its "
                f"constraints beyond {_CHECK_TOL} (worst: {max(worst, key=worst.get)}); "
                "rescale the inputs or tighten the solver's tolerances",
                solver, "numerical")
        new_imports = (failing_imports | (delta > _CHECK_TOL)) & ~import_binaries
        new_strict = failing_strict & ~strict_binaries
        new_batteries = failing_batteries & ~battery_binaries
        new_imports[:, failing_members] = True
        new_batteries[:, np.isin(d.battery_members, np.flatnonzero(failing_members))] = True
        if not (new_imports & ~import_binaries).any() and not (
                new_batteries & ~battery_binaries).any() and not new_strict.any():
            full = True
            import_binaries[:] = True
            battery_binaries[:] = True
            continue
        import_binaries |= new_imports
        battery_binaries |= new_batteries
        strict_binaries |= new_strict


@dataclass(frozen=True, eq=False)
class _Solved:
    """A solved reduced program: the program, its layout and the solution."""

    program: object
    layout: dict
    solution: object


# --------------------------------------------------------------------------- public API


def _check_common(inputs, delivery):
    inputs = _check_inputs(inputs)
    delivery = _validate.choice(delivery, "delivery", ("pre", "post"))
    return inputs, delivery


def check_inputs(inputs: OperationInputs, *, delivery: str = "pre") -> OperationInputs:
    """Refuse what the operation models cannot take, before any model is built or solved.

    The checks :func:`run_individual` and :func:`run_collective` make on their inputs: the
    type, ``delivery``, and values within the solvers' range (prices up to
    :data:`SOLVER_MAX_VALUE` per kWh or kW, flows whose big-M stays below it [kWh]).
    Explorers and studies call it to fail at once rather than at the first solve.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon (not modified).
    delivery : {"pre", "post"}
        The operation to check for (``"post"`` ignores the batteries).

    Returns
    -------
    OperationInputs
        ``inputs`` itself.

    Raises
    ------
    TypeError
        ``inputs`` not an :class:`OperationInputs`.
    ValueError
        Unknown ``delivery`` or values beyond the solvers' range.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
    ...     contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=1e9, timestep_h=1.0)
    >>> try:
    ...     check_inputs(inputs)
    ... except ValueError as err:
    ...     print(str(err).split(",")[0])
    inputs: prices of up to 1e+09 per kWh or kW exceed 1e+07
    """
    inputs, delivery = _check_common(inputs, delivery)
    _data(inputs, delivery)
    return inputs


def _check_solver_args(solver, time_limit_s, mip_gap):
    name = resolve_solver(solver)
    if time_limit_s is not None:
        time_limit_s = _validate.positive(time_limit_s, "time_limit_s", unit="s")
    mip_gap = _validate.number(mip_gap, "mip_gap", unit="-", minimum=0.0, below=1.0)
    return name, time_limit_s, mip_gap


def _lem_prices(inputs, lem_price_per_kwh):
    if lem_price_per_kwh is None:
        return inputs.lem_price_per_kwh.to_numpy()
    labelled = isinstance(lem_price_per_kwh, pd.Series)
    return _labelled_vector(lem_price_per_kwh, "lem_price_per_kwh", inputs.steps, labelled,
                            "step", unit="EUR/kWh").to_numpy()


def build_individual_model(inputs: OperationInputs, *, delivery: str = "pre"):
    """The original's stage-1 MILP of every member, in one pyomo model.

    The members are independent: the model is the sum of their individual problems
    (SPEC §4, stage 1), with all the original's binaries. Solve it with
    :func:`lectoolkit.solvers.solve` and read it with :func:`extract_dispatch`.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon.
    delivery : {"pre", "post"}
        ``"pre"``: batteries are scheduled; ``"post"``: metered data, no battery.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Variables ``import_retail``, ``import_market``, ``export_retail``,
        ``export_market`` (member, step), ``charge``, ``discharge``, ``stored``,
        ``excess`` (battery, step: the excess power of members without a battery is fixed
        by their net flow), binaries ``import_on``, ``charge_on``; constraint families
        ``grid_balance`` (member, step), ``power_import``, ``power_export`` (battery,
        step),
        ``import_exclusive``, ``export_exclusive``, ``storage_balance``,
        ``charge_exclusive``, ``discharge_exclusive``; objective ``objective`` [EUR].

    Raises
    ------
    TypeError
        If ``inputs`` is not an :class:`OperationInputs` or ``delivery`` not a string.
    ValueError
        If ``delivery`` is not ``"pre"`` or ``"post"``.

    Examples
    --------
    >>> from lectoolkit.solvers import solve
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0]], pv_kwh=[[0.0]], price_buy_per_kwh=[[0.2]],
    ...     price_sell_per_kwh=[[0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
    ...     lem_price_per_kwh=[0.1], contracted_power_kw=[5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> round(solve(build_individual_model(inputs)).objective, 6)
    0.2
    """
    inputs, delivery = _check_common(inputs, delivery)
    d = _data(inputs, delivery)
    model = _build(d, pool=False, import_binaries=np.ones(d.load.shape, dtype=bool),
                   battery_binaries=np.ones((d.load.shape[0], d.battery_members.size), dtype=bool),
                   shared_binaries=True, no_loss_bound=None, name="rec_individual")
    model._lectoolkit = (inputs, d, False)
    return model


def build_collective_model(inputs: OperationInputs, *, delivery: str = "pre",
                           max_member_costs=None, lem_price_per_kwh=None,
                           market: str = "pool", price_access_pair_per_kwh=None):
    """The original's stage-2 MILP (pool or bilateral, single- or two-stage), all binaries.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon.
    delivery : {"pre", "post"}
        ``"pre"``: batteries are scheduled; ``"post"``: metered data, no battery.
    max_member_costs : Series or array, shape (n_members,), optional
        Two-stage form: each member's cost with pool transfers at the LEM price is at most
        this bound [EUR] (finite; usually its stage-1 cost). ``None``: single stage.
    lem_price_per_kwh : Series or array, shape (n_steps,), optional
        LEM price of the no-loss bound [EUR/kWh]; default ``inputs.lem_price_per_kwh``.
    market : {"pool", "bilateral"}
        ``"bilateral"``: pairwise trades (:mod:`lectoolkit.operation_bilateral`).
    price_access_pair_per_kwh : array, shape (n_steps, n_members, n_members), optional
        Bilateral market only: access tariff ``[t, buyer, seller]`` on the shared energy
        the buyer takes from the seller, finite [EUR/kWh] (diagonal unused); default
        ``inputs.price_access_per_kwh`` for every pair.

    Returns
    -------
    pyomo.environ.ConcreteModel
        The variables and constraint families of :func:`build_individual_model` plus
        ``pool_purchase``, ``pool_sale``, ``shared`` (member, step), ``pool_balance``
        (step; its dual is the LEM dual price), ``shared_meter_lower``,
        ``shared_pool_lower`` (binary ``shared_pick``; steps with a negative access
        tariff: ``shared_meter_upper``, ``shared_meter_sign``, ``shared_pool_upper``,
        ``shared_pool_sign``), ``strict_sharing`` and ``no_loss`` (member). Bilateral:
        also ``bilateral_purchase``, ``bilateral_sale``, ``shared_pair`` (member, member,
        step), ``bilateral_balance`` (member, member, step: ``sale[n, k] =
        purchase[k, n]``), ``bilateral_purchases``, ``bilateral_sales``,
        ``shared_allocation`` (member, step), ``shared_pair_limit``; the objective
        charges the pair tariffs and ``shared_meter_lower``/``shared_pool_lower``
        cover every step.

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If ``delivery`` or ``market`` is unknown, a vector is not finite, has the wrong
        length or labels differing from ``inputs``', or ``price_access_pair_per_kwh`` is
        given for the pool or has the wrong shape.

    Examples
    --------
    >>> from lectoolkit.solvers import solve
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
    ...     contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> round(solve(build_collective_model(inputs)).objective, 6)
    0.01
    """
    inputs, delivery = _check_common(inputs, delivery)
    lem = _lem_prices(inputs, lem_price_per_kwh)
    bound = None
    if max_member_costs is not None:
        labelled = isinstance(max_member_costs, pd.Series)
        bound = _labelled_vector(max_member_costs, "max_member_costs", inputs.members,
                                 labelled, "member", unit="EUR").to_numpy()
    market, pair = _check_market(inputs, market, price_access_pair_per_kwh)
    d = _data(inputs, delivery, lem)
    if market == "bilateral":
        from lectoolkit import operation_bilateral

        model = operation_bilateral._build_bilateral(
            operation_bilateral._bilateral_data(d, pair), pair, bound)
        model._lectoolkit = (inputs, d, True)
        return model
    model = _build(d, pool=True, import_binaries=np.ones(d.load.shape, dtype=bool),
                   battery_binaries=np.ones((d.load.shape[0], d.battery_members.size), dtype=bool),
                   shared_binaries=True, no_loss_bound=bound, name="rec_collective_pool")
    model._lectoolkit = (inputs, d, True)
    return model


def _check_market(inputs, market, price_access_pair_per_kwh):
    """(market, pair tariffs or None) of the ``market`` arguments."""
    market = _validate.choice(market, "market", ("pool", "bilateral"))
    if market == "pool":
        if price_access_pair_per_kwh is not None:
            raise ValueError("price_access_pair_per_kwh: applies to market='bilateral' only, "
                             f"got {_validate.describe(price_access_pair_per_kwh)} with "
                             "market='pool'")
        return market, None
    from lectoolkit.operation_bilateral import _pair_tariffs

    return market, _pair_tariffs(inputs, price_access_pair_per_kwh)


def _refuse_total_share(inputs):
    if inputs.total_share:
        raise NotImplementedError(
            "inputs: total_share=True: dual prices under the original's total-share rules "
            "are not modelled yet")


def extract_dispatch(model) -> pd.DataFrame:
    """The dispatch of a solved model of this module's builders.

    Reads a model of :func:`build_individual_model` or :func:`build_collective_model`.

    Parameters
    ----------
    model : pyomo.environ.ConcreteModel
        Built by this module and solved (values loaded).

    Returns
    -------
    pandas.DataFrame
        One row per (step, member), columns :data:`DISPATCH_COLUMNS` [kWh; ``excess_kw``
        in kW]. The shared energy is recomputed from its definition
        ``min(max(net, 0), max(purchase - sale, 0))``.

    Raises
    ------
    TypeError
        If ``model`` was not built by this module.
    ValueError
        If ``model`` has not been solved.

    Examples
    --------
    >>> from lectoolkit.solvers import solve
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0]], pv_kwh=[[0.0]], price_buy_per_kwh=[[0.2]],
    ...     price_sell_per_kwh=[[0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01],
    ...     lem_price_per_kwh=[0.1], contracted_power_kw=[5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> model = build_individual_model(inputs)
    >>> _ = solve(model)
    >>> extract_dispatch(model)["import_retail_kwh"].tolist()
    [1.0]
    """
    info = getattr(model, "_lectoolkit", None)
    if info is None:
        raise TypeError(f"model: expected a model of build_individual_model or "
                        f"build_collective_model, got {_validate.describe(model)}")
    inputs, d, pool = info
    if any(v.value is None for v in model.import_retail.values()):
        raise ValueError(f"model: {model.name!r} has not been solved (no values loaded)")
    flows = _flows(model, d, pool)
    flows["shared"] = np.minimum(np.maximum(flows["net"], 0.0),
                                 np.maximum(flows["pool_purchase"] - flows["pool_sale"], 0.0))
    return _dispatch(inputs, d, flows)


def _individual(inputs, delivery, solver, time_limit_s, mip_gap, formulation):
    d = _data(inputs, delivery)
    if delivery == "post":
        flows = _post_individual_flows(d)
        costs = _costs(d, flows)
        return OperationResult(
            objective=costs[0], member_costs=pd.Series(costs[1], index=inputs.members),
            individual_costs=pd.Series(costs[1], index=inputs.members),
            dispatch=_dispatch(inputs, d, flows), status="optimal", mip_gap=0.0,
            solver="none", solver_version="", check={})
    if formulation == "reduced":
        # A member without a battery has one decision alone, which channel to use: with
        # import/export exclusivity its flows are the closed form's (presolved).
        flows = _post_individual_flows(d)
        if not d.battery_members.size:
            return _individual(inputs, "post", solver, time_limit_s, mip_gap, formulation)
        owners = d.battery_members
        sub = replace(d, load=d.load[:, owners], pv=d.pv[:, owners], buy=d.buy[:, owners],
                      sell=d.sell[:, owners], power=d.power[owners],
                      battery_members=np.arange(owners.size))
        found, worst, result, n_binaries, n_solves, build_s, solve_s, _ = _solve_problem(
            inputs, sub, pool=False, no_loss_bound=None, formulation=formulation,
            solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
        for key, value in found.items():
            if key in ("charge", "discharge", "stored"):
                flows[key] = value
            else:
                flows[key][:, owners] = value
    else:
        flows, worst, result, n_binaries, n_solves, build_s, solve_s, _ = _solve_problem(
            inputs, d, pool=False, no_loss_bound=None, formulation=formulation, solver=solver,
            time_limit_s=time_limit_s, mip_gap=mip_gap)
    community, stage1, _ = _costs(d, flows)
    costs = pd.Series(stage1, index=inputs.members)
    return OperationResult(
        objective=community, member_costs=costs, individual_costs=costs,
        dispatch=_dispatch(inputs, d, flows), status="optimal", mip_gap=mip_gap,
        solver=result.solver, solver_version=result.solver_version, n_binaries=n_binaries,
        n_solves=n_solves, build_time_s=build_s, solve_time_s=solve_s, check=worst)


def run_individual(inputs: OperationInputs, *, delivery: str = "pre", solver: str = "auto",
                   time_limit_s: float | None = None, mip_gap: float = 1e-4,
                   formulation: str = "reduced") -> OperationResult:
    """Each member's optimal cost and dispatch alone (stage 1 of SPEC §4).

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon.
    delivery : {"pre", "post"}
        ``"pre"``: each member schedules its battery (a MILP, all members in one model as
        they are independent); ``"post"``: metered net flows, the closed form of SPEC §4
        (import from the cheaper of retail and market, export to the better paying, ties
        to the retailer; no solver, no battery).
    solver : {"auto", "highs", "glpk", "cbc"}
        See :func:`lectoolkit.solvers.resolve_solver` (not used by ``"post"``).
    time_limit_s : float, optional
        Solver time limit per solve, > 0 [s].
    mip_gap : float
        Relative optimality gap in [0, 1) within which the sum of the members' costs is
        proven; each member's cost is then within ``mip_gap`` times the total of its
        optimum [-].
    formulation : {"reduced", "full"}
        ``"reduced"``: the exact reduced formulation of the module docstring (checked
        against the full model); ``"full"``: the original's binaries everywhere.

    Returns
    -------
    OperationResult
        ``objective`` the sum of the members' costs; ``member_costs`` and
        ``individual_costs`` both the members' costs [EUR].

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If an argument is out of its domain.
    lectoolkit.SolverError
        If no solver is installed, or a solve ends other than optimal (time limit
        included: the message gives the termination condition).

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0], [0.0]], pv_kwh=[[0.0], [2.0]], price_buy_per_kwh=[[0.2], [0.2]],
    ...     price_sell_per_kwh=[[0.05], [0.05]], price_market_buy_per_kwh=[0.3, 0.3],
    ...     price_market_sell_per_kwh=[0.0, 0.0], price_access_per_kwh=[0.01, 0.01],
    ...     lem_price_per_kwh=[0.1, 0.1], contracted_power_kw=[5.0],
    ...     price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> run_individual(inputs, delivery="post").member_costs.round(6).tolist()
    [0.1]
    """
    inputs, delivery = _check_common(inputs, delivery)
    name, time_limit_s, mip_gap = _check_solver_args(solver, time_limit_s, mip_gap)
    formulation = _validate.choice(formulation, "formulation", ("reduced", "full"))
    return _individual(inputs, delivery, name, time_limit_s, mip_gap, formulation)


def run_collective(inputs: OperationInputs, *, market: str = "pool", delivery: str = "pre",
                   no_loss: bool = False, no_loss_round_up: bool = False,
                   lem_price_per_kwh=None, solver: str = "auto",
                   time_limit_s: float | None = None, mip_gap: float = 1e-4,
                   formulation: str = "reduced", split: str = "min_volume",
                   price_access_pair_per_kwh=None) -> OperationResult:
    """The community's optimal operation as a pool or bilateral market (stage 2, SPEC §4).

    Minimises the community cost: the members' energy, excess-power and degradation costs
    plus the access tariff on the shared energy they consume. ``no_loss=True`` is the
    original's two-stage form: every member's cost with pool transfers at the LEM price
    must not exceed its stage-1 cost: the model holds that bound exactly (each member's
    stage-1 operation meets it, so it is always feasible) and the full-model check of the
    answer allows 1e-6 EUR of solver tolerance.

    Parameters
    ----------
    inputs : OperationInputs
        The community's horizon.
    market : {"pool", "bilateral"}
        Market structure. ``"bilateral"``: pairwise trades with pairwise access tariffs
        (:mod:`lectoolkit.operation_bilateral`; the trades are in ``trades``). Its
        ``"reduced"`` formulation solves the pool relaxation with each step's least pair
        tariff, routes it pairwise and accepts it only when the full bilateral model's
        check passes at the relaxation's cost (always with equal pair tariffs); else,
        and with ``formulation="full"``, it solves the full bilateral MILP, where
        ``split="min_volume"`` minimises the total bilateral volume, then the trades'
        lateness, at the optimal cost.
    delivery : {"pre", "post"}
        ``"pre"``: batteries are scheduled; ``"post"``: metered net flows, no battery.
    no_loss : bool
        Add the two-stage no-loss bound per member.
    no_loss_round_up : bool
        The original's quirk: round each stage-1 cost up to 3 decimals [EUR] before using
        it as the no-loss bound (a looser bound; off by default).
    lem_price_per_kwh : Series or array, shape (n_steps,), optional
        LEM price settling pool transfers in the member costs and the no-loss bound,
        finite [EUR/kWh]; default ``inputs.lem_price_per_kwh``.
    solver : {"auto", "highs", "glpk", "cbc"}
        See :func:`lectoolkit.solvers.resolve_solver`.
    time_limit_s : float, optional
        Solver time limit per solve, > 0 [s]. When the community's solve reaches it with
        a feasible incumbent, the result has ``status="time_limit"`` and the achieved
        gap in ``mip_gap`` (and ``split`` is not applied); the members' stage-1 solves
        must still finish within it.
    mip_gap : float
        Relative optimality gap in [0, 1) within which ``objective`` is proven [-].
    formulation : {"reduced", "full"}
        ``"reduced"`` (default): the exact reduced formulation of the module docstring,
        checked against every constraint of the full model with binaries added back where
        the check fails; ``"full"``: the original's binaries everywhere (slow; for
        benchmarks). With ``inputs.total_share``, ``"reduced"`` solves without the
        rules first and keeps that optimum when it meets them (the rules only restrict
        the problem); otherwise it solves the full formulation (the rules have no
        reduced form yet).
    split : {"min_volume", "solver"}
        Equally optimal dispatches can move money between members (pool energy routed
        back to the grid costs the community nothing). ``"min_volume"`` (default) makes
        the split deterministic with a secondary objective: among the dispatches
        of optimal community cost, the one with the least pool volume ``sum |purchase -
        sale|``, and among those the one trading earliest (``sum_t t |purchase - sale|``
        least; see the module docstring: two small LPs on the optimal face, together
        about the time of the first solve; if they fail or their solution fails the full
        model's check, the first optimum is kept; the earliest-trade rule needs an LP,
        so it is skipped when binaries were added back and with ``formulation="full"``).
        ``"solver"``: the solver's own
        optimum, reproducible for one solver and version only (HiGHS and GLPK split
        differently).
    price_access_pair_per_kwh : array, shape (n_steps, n_members, n_members), optional
        Bilateral market only: access tariff ``[t, buyer, seller]`` [EUR/kWh]; see
        :func:`build_collective_model`. Default: ``inputs.price_access_per_kwh`` for
        every pair.

    Returns
    -------
    OperationResult
        Community cost, member costs, stage-1 costs, dispatch, status and solver.

    Raises
    ------
    TypeError
        If an argument is the wrong kind of object.
    ValueError
        If an argument is out of its domain or a vector misaligned with ``inputs``.
    lectoolkit.SolverError
        If no solver is installed, or a solve ends other than optimal or at the time
        limit with an incumbent (a time limit without one, or in a stage-1 solve,
        raises).

    Notes
    -----
    Even with ``split="min_volume"`` members' costs need not be unique when several
    dispatches of least volume and earliest trades exist (for example two members with
    identical tariffs and profiles); the solver then picks one.

    Examples
    --------
    >>> inputs = OperationInputs(
    ...     load_kwh=[[1.0, 0.0]], pv_kwh=[[0.0, 1.0]], price_buy_per_kwh=[[0.2, 0.2]],
    ...     price_sell_per_kwh=[[0.05, 0.05]], price_market_buy_per_kwh=[0.3],
    ...     price_market_sell_per_kwh=[0.0], price_access_per_kwh=[0.01], lem_price_per_kwh=[0.1],
    ...     contracted_power_kw=[5.0, 5.0], price_extra_power_per_kw=10.0, timestep_h=1.0)
    >>> result = run_collective(inputs, delivery="post")
    >>> round(result.objective, 6), result.member_costs.round(6).tolist()
    (0.01, [0.11, -0.1])
    """
    inputs, delivery = _check_common(inputs, delivery)
    market, pair = _check_market(inputs, market, price_access_pair_per_kwh)
    no_loss = _validate.flag(no_loss, "no_loss")
    no_loss_round_up = _validate.flag(no_loss_round_up, "no_loss_round_up")
    lem = _lem_prices(inputs, lem_price_per_kwh)
    name, time_limit_s, mip_gap = _check_solver_args(solver, time_limit_s, mip_gap)
    formulation = _validate.choice(formulation, "formulation", ("reduced", "full"))
    split = _validate.choice(split, "split", ("min_volume", "solver"))
    individual = _individual(inputs, delivery, name, time_limit_s, mip_gap, formulation)
    d = _data(inputs, delivery, lem)
    bound = None
    if no_loss:
        bound = individual.individual_costs.to_numpy()
        if no_loss_round_up:  # rounded first so that 0.6 stays 0.6, not 0.601
            bound = np.ceil(np.round(bound * 1000.0, 6)) / 1000.0
    if market == "bilateral":
        from lectoolkit.operation_bilateral import _run_bilateral

        return _run_bilateral(inputs, d, pair, individual, bound=bound, solver=name,
                              time_limit_s=time_limit_s, mip_gap=mip_gap, split=split,
                              formulation=formulation)
    flows, worst, result, n_binaries, n_solves, build_s, solve_s, model = _solve_problem(
        inputs, d, pool=True, no_loss_bound=bound, formulation=formulation, solver=name,
        time_limit_s=time_limit_s, mip_gap=mip_gap, allow_time_limit=True,
        start_dispatch=individual.dispatch)
    limited = result.termination_condition == "time_limit"
    if split == "min_volume" and not limited:
        start = time.perf_counter()
        found = _min_volume(model, d, result.objective, bound, name, time_limit_s,
                            {_GAP_OPTION[name]: mip_gap})
        solve_s += time.perf_counter() - start
        n_solves += 1
        if found is not None:
            flows, worst = found
    community, _, member = _costs(d, flows)
    return OperationResult(
        objective=community, member_costs=pd.Series(member, index=inputs.members),
        individual_costs=individual.individual_costs, dispatch=_dispatch(inputs, d, flows),
        status=result.termination_condition,
        mip_gap=_relative_gap(community, result.best_bound) if limited else mip_gap,
        solver=result.solver,
        solver_version=result.solver_version, n_binaries=n_binaries, n_solves=n_solves,
        build_time_s=build_s, solve_time_s=solve_s, check=worst)


def _min_volume(solved, d: _Data, cost_eur: float, bound, solver, time_limit_s, options):
    """The optimum of least pool volume among those of community cost ``cost_eur``.

    ``solved``: what :func:`_solve_problem` solved. Returns the checked ``(flows, worst
    violations)``, or None when no re-solve passes the full model's check (the first
    optimum is then kept).
    """
    attempts = [_min_volume_model] if not isinstance(solved, _Solved) else (
        [_min_volume_face, _min_volume_capped] if solved.solution.row_dual is not None
        else [_min_volume_capped])
    for attempt in attempts:
        try:
            raw = attempt(solved, d, cost_eur, solver, time_limit_s, options)
        except SolverError:
            continue
        flows, _ = _repair(d, raw)
        worst = _violations(d, flows, pool=True, no_loss_bound=bound)[0]
        if max(worst.values()) <= _CHECK_TOL and _costs(d, flows)[0] <= (
                cost_eur + _CHECK_TOL * max(1.0, abs(cost_eur))):
            return flows, worst
    return None


_FACE_TOL = 1e-6  # [EUR/kWh] reduced costs and duals above it are taken as non-zero


def _min_volume_face(solved, d, cost_eur, solver, time_limit_s, options):
    """Least volume on the optimal face of an LP, by complementary slackness.

    With an optimal dual ``y`` of the LP, a feasible ``x`` is optimal if and only if
    every column with a non-zero reduced cost ``c - A'y`` sits at the bound that reduced
    cost points to and every row with a non-zero dual holds with equality (LP duality:
    complementary slackness with any one optimal dual characterises all optimal
    solutions). Fixing these gives the set of optima exactly, without the dense cost
    row of :func:`_min_volume_capped` (which slows the simplex down about 30-fold on the
    50-member instances). Reduced costs and duals within 1e-6 of zero (ten times HiGHS's
    dual tolerance) are taken as zero: the face can then only grow, by points the cost
    check of :func:`_min_volume` refuses.
    """
    face = _face(solved.program, solved.solution)
    return _solve_volume(face, solved.layout, d, solver, time_limit_s, options,
                         solved.solution.x)


def _face(program, solution):
    """The optimal face of an LP ``program`` given an optimal ``solution`` with duals."""
    dual = solution.row_dual
    reduced = program.cost - np.bincount(program.cols, weights=program.values * dual[
        program.rows], minlength=program.n_cols)
    lower, upper = program.col_lower.copy(), program.col_upper.copy()
    row_lower, row_upper = program.row_lower.copy(), program.row_upper.copy()
    for values, low, high in ((reduced, lower, upper), (dual, row_lower, row_upper)):
        at_low = (values > _FACE_TOL) & np.isfinite(low)
        at_high = (values < -_FACE_TOL) & np.isfinite(high)
        high[at_low] = low[at_low]
        low[at_high] = high[at_high]
    return replace(program, col_lower=lower, col_upper=upper, row_lower=row_lower,
                   row_upper=row_upper)


def _min_volume_capped(solved, d, cost_eur, solver, time_limit_s, options):
    """Least volume subject to a cap on the community cost (any program, MILPs too)."""
    program = solved.program
    used = np.flatnonzero(program.cost)
    # the optimum itself satisfies the cap up to rounding, well inside the solver's
    # feasibility tolerance; any slack would be traded for volume
    capped = replace(
        program, rows=np.concatenate([program.rows, np.full(used.size, program.n_rows)]),
        cols=np.concatenate([program.cols, used]),
        values=np.concatenate([program.values, program.cost[used]]),
        row_lower=np.append(program.row_lower, -np.inf),
        row_upper=np.append(program.row_upper, cost_eur - program.offset))
    return _solve_volume(capped, solved.layout, d, solver, time_limit_s, options,
                         solved.solution.x)


def _solve_volume(program, layout, d, solver, time_limit_s, options, optimum):
    """Minimise ``sum |pool_net|`` over ``program``'s feasible set; returns raw flows.

    ``optimum``: the first optimum, a feasible starting point.
    """
    pool_net = layout["pool_net"].ravel()
    k = pool_net.size
    volume = program.n_cols + np.arange(k)
    first = program.n_rows + np.arange(k)  # volume - pool_net >= 0
    second = first + k  # volume + pool_net >= 0
    extended = replace(
        program, cost=np.concatenate([np.zeros(program.n_cols), np.ones(k)]), offset=0.0,
        col_lower=np.concatenate([program.col_lower, np.zeros(k)]),
        col_upper=np.concatenate([program.col_upper, np.full(k, np.inf)]),
        integer=np.concatenate([program.integer, np.zeros(k, dtype=bool)]),
        rows=np.concatenate([program.rows, first, first, second, second]),
        cols=np.concatenate([program.cols, volume, pool_net, volume, pool_net]),
        values=np.concatenate([program.values, np.ones(k), -np.ones(k), np.ones(k),
                               np.ones(k)]),
        row_lower=np.concatenate([program.row_lower, np.zeros(2 * k)]),
        row_upper=np.concatenate([program.row_upper, np.full(2 * k, np.inf)]))
    solution = _solve_program(extended, solver, time_limit_s=time_limit_s, options=options,
                              start=np.concatenate([optimum, np.abs(optimum[pool_net])]))
    if solution.row_dual is not None:  # ties of least volume: the earliest trades
        step = np.repeat(np.arange(d.load.shape[0], dtype=np.float64), d.load.shape[1])
        cost = np.zeros(extended.n_cols)
        cost[volume] = step
        try:
            solution = _solve_program(replace(_face(extended, solution), cost=cost), solver,
                                      time_limit_s=time_limit_s, options=options,
                                      start=solution.x)
        except SolverError:
            pass  # the least-volume optimum stands
    return _program_flows(solution.x[:program.n_cols], layout, d, True)


def _min_volume_model(model, d, cost_eur, solver, time_limit_s, options):
    """:func:`_min_volume_capped` for a pyomo model of the full formulation."""
    from lectoolkit.solvers import _import_pyomo

    pyo = _import_pyomo()
    model.objective.deactivate()
    model.cost_cap = pyo.Constraint(expr=model.objective.expr <= cost_eur)
    volume = sum(model.pool_purchase.values()) + sum(model.pool_sale.values())
    model.volume_objective = pyo.Objective(expr=volume, sense=pyo.minimize)
    solve(model, solver, time_limit_s=time_limit_s, options=options)
    return _flows(model, d, True)

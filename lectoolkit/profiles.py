"""Synthetic household load and PV profiles, tariffs and events for community studies.

The generators follow the community of seed 002 (ten Indian households at 15-minute
resolution): a daily load shape with a morning and an evening peak scaled to a drawn
daily energy, a clear-sky PV shape scaled so that each prosumer's PV energy is a drawn
multiple of its own load, day-to-day and step-to-step multiplicative noise,
heterogeneous grid tariffs, inverter outages (one prosumer's PV lost for a whole day)
and P2P-maintenance windows (steps where peer-to-peer trading is switched off).

Every generator takes a random generator ``rng``; the load and PV generators return a
DataFrame with a time index and one column per member (ids ``C1, C2, …`` for consumers
and ``P1, P2, …`` for prosumers) holding energy per step [kWh]. Draws are vectorised per
member and made in a fixed, documented order, so a legacy
:class:`numpy.random.RandomState` seeded like the seed reproduces its community exactly
(:func:`seed_community_002`); new work should pass a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lectoolkit.settlement import reference_prices

HOURS_PER_DAY = 24.0
"""Hours in a day [h]."""

SEED002_START = "2025-01-01"
"""First time stamp of the seed-002 community."""

_RNG_TYPES = (np.random.Generator, np.random.RandomState)


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _check_rng(rng) -> np.random.Generator | np.random.RandomState:
    if not isinstance(rng, _RNG_TYPES):
        raise TypeError(
            f"rng: expected a numpy.random.Generator (or a legacy numpy.random.RandomState), "
            f"got {type(rng).__name__}"
        )
    return rng


def _integers(rng, low, high, size=None) -> np.ndarray:
    """Integers in ``[low, high)`` from either generator type (``high`` may be an array)."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size=size)
    return rng.randint(low, high, size=size)


def _check_count(name: str, value, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: must be at least {minimum}, got {value}")
    return int(value)


def _check_nonnegative(name: str, value, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number [{unit}], got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: must be a finite non-negative number [{unit}], got {value}")
    return value


def _check_range(name: str, value, unit: str) -> tuple[float, float]:
    try:
        low, high = value
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a (low, high) pair [{unit}], got {value!r}") from None
    low = _check_nonnegative(name, low, unit)
    high = _check_nonnegative(name, high, unit)
    if low > high:
        raise ValueError(f"{name}: low {low} exceeds high {high} [{unit}]")
    return low, high


def _steps_per_day(timestep_h) -> int:
    if isinstance(timestep_h, bool) or not isinstance(
        timestep_h, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"timestep_h: expected a number [h], got {type(timestep_h).__name__}")
    timestep_h = float(timestep_h)
    if not np.isfinite(timestep_h) or timestep_h <= 0:
        raise ValueError(f"timestep_h: must be a positive number of hours, got {timestep_h}")
    steps = HOURS_PER_DAY / timestep_h
    if abs(steps - round(steps)) > 1e-9 * steps:
        raise ValueError(f"timestep_h: {timestep_h} h does not divide a day into whole steps")
    return round(steps)


def _check_is_prosumer(is_prosumer) -> pd.Series:
    if not isinstance(is_prosumer, pd.Series) or is_prosumer.dtype != bool:
        raise TypeError(
            "is_prosumer: expected a boolean pandas Series indexed by member id "
            "(see community_members)"
        )
    if len(is_prosumer) == 0:
        raise ValueError("is_prosumer: the community has no members")
    if not is_prosumer.index.is_unique:
        raise ValueError("is_prosumer: member ids must be unique")
    return is_prosumer


def _check_energy_frame(name: str, frame) -> np.ndarray:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a DataFrame (time x members) [kWh], got {type(frame).__name__}"
        )
    values = frame.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if np.any(values < 0):
        raise ValueError(f"{name}: must be non-negative [kWh]")
    return values


def _time_index(start, n_steps: int, timestep_h: float) -> pd.DatetimeIndex:
    index = pd.date_range(start, periods=n_steps, freq=pd.Timedelta(hours=timestep_h))
    index.name = "time"
    return index


def _frame(values_by_member: np.ndarray, index: pd.Index, members: pd.Index) -> pd.DataFrame:
    frame = pd.DataFrame(np.ascontiguousarray(values_by_member.T), index=index, columns=members)
    frame.columns.name = "member"
    return frame


def _daily_noise(rng, days: int, steps: int, day_sd: float, step_sd: float) -> np.ndarray:
    """Per day: one day factor ``N(1, day_sd)`` then ``steps`` noises ``N(0, step_sd)``.

    Drawn in one call (row ``d`` = day ``d``, column 0 the day factor), which is the
    same stream as drawing them day by day.
    """
    loc = np.zeros(steps + 1)
    loc[0] = 1.0
    scale = np.full(steps + 1, step_sd)
    scale[0] = day_sd
    return rng.normal(loc, scale, size=(days, steps + 1))


# ---------------------------------------------------------------------------
# shapes
# ---------------------------------------------------------------------------
def daily_load_shape(timestep_h: float = 0.25) -> np.ndarray:
    """Relative household power over one day, with a morning and an evening peak.

    Parameters
    ----------
    timestep_h : float, default 0.25
        Step length [h]; must divide 24 h into whole steps.

    Returns
    -------
    numpy.ndarray, shape (24 / timestep_h,)
        Relative power at the start of each step [kW per unit scale].

    Notes
    -----
    With ``t`` the hour of day at the start of a step,
    ``s(t) = max(0.2 + 0.7·exp(-((t - 8)/1.5)²/2) + 1.3·exp(-((t - 20)/2)²/2), 0.05)``:
    a constant background (fridge, fans), a small morning bump at 8:00 and a large
    evening bump at 20:00, as in seed 002. Multiplying by a scale ``k`` gives a load
    whose daily energy is ``k · Σ s · timestep_h`` [kWh].

    Examples
    --------
    >>> shape = daily_load_shape()
    >>> shape.shape, round(float(shape.max()), 4), float(shape.argmax()) * 0.25
    ((96,), 1.5, 20.0)
    >>> round(float(shape.sum() * 0.25), 4)
    13.778
    """
    hours = np.arange(_steps_per_day(timestep_h)) * float(timestep_h)
    morning = np.exp(-0.5 * ((hours - 8.0) / 1.5) ** 2)
    evening = 1.3 * np.exp(-0.5 * ((hours - 20.0) / 2.0) ** 2)
    return np.maximum(0.2 + 0.7 * morning + evening, 0.05)


def daily_pv_shape(timestep_h: float = 0.25) -> np.ndarray:
    """Clear-sky PV power per installed kWp over one day, a half sine from 6:00 to 18:00.

    Parameters
    ----------
    timestep_h : float, default 0.25
        Step length [h]; must divide 24 h into whole steps.

    Returns
    -------
    numpy.ndarray, shape (24 / timestep_h,)
        Power at the start of each step [kW/kWp], zero at night.

    Notes
    -----
    ``p(t) = max(sin(π (t - 6) / 12), 0)`` with ``t`` the hour of day (seed 002). Its
    daily energy ``Σ p · timestep_h`` is about 7.64 kWh/kWp at 15 minutes; the PV
    generator rescales it to a drawn yield (:func:`generate_pv_from_load`).

    Examples
    --------
    >>> shape = daily_pv_shape()
    >>> float(shape[48]), float(shape[:24].max()), round(float(shape.sum() * 0.25), 4)
    (1.0, 0.0, 7.6367)
    """
    hours = np.arange(_steps_per_day(timestep_h)) * float(timestep_h)
    return np.maximum(np.sin(np.pi * (hours - 6.0) / 12.0), 0.0)


# ---------------------------------------------------------------------------
# members, tariffs
# ---------------------------------------------------------------------------
def community_members(n_consumers: int, n_prosumers: int) -> pd.Series:
    """Member ids and types: consumers ``C1…`` first, then prosumers ``P1…``.

    Parameters
    ----------
    n_consumers, n_prosumers : int
        Households without and with PV (each ≥ 0, together ≥ 1).

    Returns
    -------
    pandas.Series of bool
        ``True`` for prosumers, indexed by member id (index name ``"member"``).

    Examples
    --------
    >>> community_members(2, 1).to_dict()
    {'C1': False, 'C2': False, 'P1': True}
    """
    n_consumers = _check_count("n_consumers", n_consumers, minimum=0)
    n_prosumers = _check_count("n_prosumers", n_prosumers, minimum=0)
    if n_consumers + n_prosumers == 0:
        raise ValueError("n_consumers, n_prosumers: the community needs at least one member")
    ids = [f"C{i + 1}" for i in range(n_consumers)] + [f"P{j + 1}" for j in range(n_prosumers)]
    index = pd.Index(ids, name="member")
    return pd.Series([False] * n_consumers + [True] * n_prosumers, index=index, dtype=bool)


def draw_tariffs(
    is_prosumer: pd.Series,
    rng: np.random.Generator,
    *,
    consumer_buy_per_kwh: tuple[float, float] = (6.0, 7.0),
    prosumer_buy_per_kwh: tuple[float, float] = (5.0, 6.0),
    prosumer_sell_per_kwh: tuple[float, float] = (3.0, 3.8),
) -> pd.DataFrame:
    """Heterogeneous grid tariffs: a buy price per member, a sell price per prosumer.

    Parameters
    ----------
    is_prosumer : pandas.Series of bool
        Member types indexed by id (:func:`community_members`).
    rng : numpy.random.Generator
        Source of the uniform draws (a legacy ``RandomState`` is accepted).
    consumer_buy_per_kwh, prosumer_buy_per_kwh, prosumer_sell_per_kwh : (float, float)
        Bounds of the uniform draws [currency/kWh]. Defaults are seed 002's (Rs/kWh):
        consumers pay a residential slab, prosumers a net-metering category.

    Returns
    -------
    pandas.DataFrame
        Columns ``price_buy_per_kwh`` and ``price_sell_per_kwh`` [currency/kWh], one
        row per member; consumers' sell price is 0 (they export nothing).

    Notes
    -----
    Draw order (member by member): a consumer draws its buy price; a prosumer draws its
    buy price, then its sell price. All draws are made in one vectorised call.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> draw_tariffs(community_members(1, 1), rng).round(3)
            price_buy_per_kwh  price_sell_per_kwh
    member
    C1                  6.637               0.000
    P1                  5.270               3.033
    """
    is_prosumer = _check_is_prosumer(is_prosumer)
    rng = _check_rng(rng)
    c_buy = _check_range("consumer_buy_per_kwh", consumer_buy_per_kwh, "currency/kWh")
    p_buy = _check_range("prosumer_buy_per_kwh", prosumer_buy_per_kwh, "currency/kWh")
    p_sell = _check_range("prosumer_sell_per_kwh", prosumer_sell_per_kwh, "currency/kWh")
    pro = is_prosumer.to_numpy()
    # one row per member: (buy, sell) bounds; consumers draw no sell price
    low = np.column_stack([np.where(pro, p_buy[0], c_buy[0]), np.full(pro.size, p_sell[0])])
    high = np.column_stack([np.where(pro, p_buy[1], c_buy[1]), np.full(pro.size, p_sell[1])])
    drawn = np.column_stack([np.ones(pro.size, dtype=bool), pro])
    prices = np.zeros((pro.size, 2))
    prices[drawn] = rng.uniform(low[drawn], high[drawn])
    return pd.DataFrame(
        prices, index=is_prosumer.index, columns=["price_buy_per_kwh", "price_sell_per_kwh"]
    )


# ---------------------------------------------------------------------------
# load and PV
# ---------------------------------------------------------------------------
def generate_household_loads(
    is_prosumer: pd.Series,
    days: int,
    rng: np.random.Generator,
    *,
    timestep_h: float = 0.25,
    start=SEED002_START,
    consumer_kwh_per_day: tuple[float, float] = (4.0, 7.0),
    prosumer_kwh_per_day: tuple[float, float] = (5.0, 9.0),
    day_sd: float = 0.05,
    step_sd: float = 0.05,
    min_load_kw: float = 0.05,
) -> pd.DataFrame:
    """Household loads: the daily load shape scaled to a drawn daily energy, with noise.

    Parameters
    ----------
    is_prosumer : pandas.Series of bool
        Member types indexed by id (:func:`community_members`).
    days : int
        Length of the horizon [days], ≥ 1.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h].
    start : str or pandas.Timestamp, default "2025-01-01"
        First time stamp.
    consumer_kwh_per_day, prosumer_kwh_per_day : (float, float)
        Bounds of the uniform draw of a member's mean daily energy [kWh/day]
        (seed 002: consumers 4–7, prosumers 5–9).
    day_sd, step_sd : float, default 0.05
        Standard deviations of the day factor ``N(1, day_sd)`` and of the step noise
        ``N(0, step_sd)`` [-].
    min_load_kw : float, default 0.05
        Floor of the power [kW].

    Returns
    -------
    pandas.DataFrame, shape (days · 24 / timestep_h, n_members)
        Energy per step [kWh], time index × member columns.

    Notes
    -----
    For member ``i`` with drawn daily energy ``E_i``, on day ``d`` at step ``t``:
    ``P = max(s(t) · E_i / (Σ s · Δt) · f_d · (1 + ε_{d,t}), min_load_kw)`` [kW] with
    ``s`` the :func:`daily_load_shape`; the energy per step is ``P · Δt`` [kWh].
    Draw order, member by member: ``E_i``, then for each day ``f_d`` followed by the
    day's ``ε``. Without noise the mean daily energy is exactly ``E_i``.

    Examples
    --------
    >>> load = generate_household_loads(community_members(1, 1), 2, np.random.default_rng(1))
    >>> load.shape, str(load.index.freq)
    ((192, 2), '<15 * Minutes>')
    >>> (load.sum() / 2).round(2).to_dict()
    {'C1': 5.44, 'P1': 6.14}
    """
    is_prosumer = _check_is_prosumer(is_prosumer)
    days = _check_count("days", days)
    rng = _check_rng(rng)
    steps = _steps_per_day(timestep_h)
    consumer = _check_range("consumer_kwh_per_day", consumer_kwh_per_day, "kWh/day")
    prosumer = _check_range("prosumer_kwh_per_day", prosumer_kwh_per_day, "kWh/day")
    day_sd = _check_nonnegative("day_sd", day_sd, "-")
    step_sd = _check_nonnegative("step_sd", step_sd, "-")
    min_load_kw = _check_nonnegative("min_load_kw", min_load_kw, "kW")

    shape = daily_load_shape(timestep_h)
    shape_kwh_per_day = np.sum(shape * timestep_h)
    power_kw = np.empty((is_prosumer.size, days * steps))
    for i, pro in enumerate(is_prosumer.to_numpy()):
        low, high = prosumer if pro else consumer
        base_kw = shape * (rng.uniform(low, high) / shape_kwh_per_day)
        noise = _daily_noise(rng, days, steps, day_sd, step_sd)
        day_kw = base_kw * noise[:, :1] * (1.0 + noise[:, 1:])
        power_kw[i] = np.maximum(day_kw, min_load_kw).ravel()
    index = _time_index(start, days * steps, float(timestep_h))
    return _frame(power_kw * timestep_h, index, is_prosumer.index)


def generate_pv_from_load(
    load_kwh: pd.DataFrame,
    is_prosumer: pd.Series,
    rng: np.random.Generator,
    *,
    timestep_h: float = 0.25,
    sizing_factor: tuple[float, float] = (0.4, 1.5),
    yield_kwh_per_kwp_day: tuple[float, float] = (4.5, 5.5),
    cloud_sd: float = 0.15,
    step_sd: float = 0.05,
) -> pd.DataFrame:
    """PV generation of each prosumer, sized from its own mean daily load.

    Parameters
    ----------
    load_kwh : pandas.DataFrame, shape (n_steps, n_members)
        Household loads per step [kWh] (e.g. :func:`generate_household_loads`);
        ``n_steps`` must be whole days.
    is_prosumer : pandas.Series of bool
        Member types, indexed by the columns of ``load_kwh``.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h].
    sizing_factor : (float, float), default (0.4, 1.5)
        Bounds of the uniform draw of ``f``, the ratio of a prosumer's expected daily
        PV energy to its mean daily load [-] (seed 002 draws on (0.4, 1.5) although its
        comment says (0.4, 1.1)).
    yield_kwh_per_kwp_day : (float, float), default (4.5, 5.5)
        Bounds of the uniform draw of the specific yield ``y`` [kWh/kWp/day].
    cloud_sd, step_sd : float
        Standard deviations of the daily cloud factor ``N(1, cloud_sd)`` and of the step
        noise ``N(0, step_sd)`` [-].

    Returns
    -------
    pandas.DataFrame, same shape and labels as ``load_kwh``
        PV energy per step [kWh]; zero for consumers.

    Notes
    -----
    Capacity ``C = f · Ē / y`` [kWp] with ``Ē`` the mean daily load [kWh/day]; the
    clear-sky profile :func:`daily_pv_shape` ``p`` is rescaled to the yield,
    ``P = p · C · y / (Σ p · Δt) · c_d · (1 + ε_{d,t})``, clipped at 0 [kW]. Draw order,
    prosumer by prosumer: ``f``, ``y``, then per day ``c_d`` followed by the day's ``ε``.
    Without noise a prosumer's daily PV energy is exactly ``f · Ē``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> members = community_members(1, 1)
    >>> load = generate_household_loads(members, 2, rng)
    >>> pv = generate_pv_from_load(load, members, rng)
    >>> (pv.sum() / 2).round(2).to_dict()
    {'C1': 0.0, 'P1': 7.46}
    """
    load = _check_energy_frame("load_kwh", load_kwh)
    is_prosumer = _check_is_prosumer(is_prosumer)
    if not is_prosumer.index.equals(load_kwh.columns):
        raise ValueError("is_prosumer: index must equal the columns of load_kwh")
    rng = _check_rng(rng)
    steps = _steps_per_day(timestep_h)
    if load.shape[0] == 0 or load.shape[0] % steps:
        raise ValueError(
            f"load_kwh: {load.shape[0]} steps are not a whole number of days of {steps} steps"
        )
    days = load.shape[0] // steps
    sizing = _check_range("sizing_factor", sizing_factor, "-")
    yields = _check_range("yield_kwh_per_kwp_day", yield_kwh_per_kwp_day, "kWh/kWp/day")
    if yields[0] <= 0:
        raise ValueError("yield_kwh_per_kwp_day: must be positive [kWh/kWp/day]")
    cloud_sd = _check_nonnegative("cloud_sd", cloud_sd, "-")
    step_sd = _check_nonnegative("step_sd", step_sd, "-")

    shape = daily_pv_shape(timestep_h)
    shape_kwh_per_kwp_day = np.sum(shape * timestep_h)
    load_by_member = np.ascontiguousarray(load.T)
    power_kw = np.zeros_like(load_by_member)
    low = [sizing[0], yields[0]]
    high = [sizing[1], yields[1]]
    for i in np.flatnonzero(is_prosumer.to_numpy()):
        mean_daily_kwh = np.sum(load_by_member[i]) / days
        factor, specific_yield = rng.uniform(low, high)
        capacity_kwp = factor * mean_daily_kwh / specific_yield
        base_kw = shape * capacity_kwp * (specific_yield / shape_kwh_per_kwp_day)
        noise = _daily_noise(rng, days, steps, cloud_sd, step_sd)
        power_kw[i] = np.maximum(base_kw * noise[:, :1] * (1.0 + noise[:, 1:]), 0.0).ravel()
    return _frame(power_kw * timestep_h, load_kwh.index, load_kwh.columns)


# ---------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------
def draw_inverter_outages(
    prosumer_ids, days: int, n_events: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Whole-day inverter outages: for each event, a random prosumer and a random day.

    Parameters
    ----------
    prosumer_ids : sequence of str
        Members with PV (non-empty when ``n_events > 0``).
    days : int
        Horizon [days]; outage days are drawn in ``0 … days - 1``.
    n_events : int
        Number of outages (≥ 0); repeats of the same member and day are possible.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).

    Returns
    -------
    pandas.DataFrame
        One row per event, columns ``member`` (id) and ``day`` (0-based day index).

    Notes
    -----
    Draw order, event by event: the prosumer, then the day (seed 002).

    Examples
    --------
    >>> draw_inverter_outages(["P1", "P2"], 30, 2, np.random.default_rng(3))
      member  day
    0     P2    2
    1     P1    7
    """
    prosumer_ids = list(prosumer_ids)
    days = _check_count("days", days)
    n_events = _check_count("n_events", n_events, minimum=0)
    rng = _check_rng(rng)
    if n_events and not prosumer_ids:
        raise ValueError("prosumer_ids: outages need at least one prosumer")
    if n_events == 0:
        return pd.DataFrame({"member": pd.Series([], dtype=object), "day": np.zeros(0, int)})
    drawn = _integers(rng, 0, np.tile([len(prosumer_ids), days], n_events)).reshape(-1, 2)
    return pd.DataFrame({
        "member": [prosumer_ids[k] for k in drawn[:, 0]],
        "day": drawn[:, 1].astype(int),
    })


def apply_inverter_outages(
    pv_kwh: pd.DataFrame, outages: pd.DataFrame, *, timestep_h: float = 0.25
) -> pd.DataFrame:
    """Zero the PV of each outage's member over the outage's whole day.

    Parameters
    ----------
    pv_kwh : pandas.DataFrame, shape (n_steps, n_members)
        PV energy per step [kWh], starting at midnight of day 0.
    outages : pandas.DataFrame
        Columns ``member`` and ``day`` (:func:`draw_inverter_outages`).
    timestep_h : float, default 0.25
        Step length [h].

    Returns
    -------
    pandas.DataFrame
        A copy of ``pv_kwh`` with the outage days set to 0 [kWh].

    Examples
    --------
    >>> pv = pd.DataFrame({"P1": [1.0, 2.0, 3.0, 4.0]})
    >>> apply_inverter_outages(pv, pd.DataFrame({"member": ["P1"], "day": [1]}),
    ...                        timestep_h=12.0)["P1"].tolist()
    [1.0, 2.0, 0.0, 0.0]
    """
    pv = _check_energy_frame("pv_kwh", pv_kwh).copy()
    steps = _steps_per_day(timestep_h)
    if not isinstance(outages, pd.DataFrame) or not {"member", "day"} <= set(outages.columns):
        raise TypeError("outages: expected a DataFrame with columns 'member' and 'day'")
    unknown = set(outages["member"]) - set(pv_kwh.columns)
    if unknown:
        raise ValueError(f"outages: members {sorted(unknown)} are not columns of pv_kwh")
    days = -(-pv.shape[0] // steps)
    day = outages["day"].to_numpy()
    if day.size and (not np.issubdtype(day.dtype, np.integer) or day.min() < 0
                     or day.max() >= days):
        raise ValueError(f"outages: 'day' must be integers in 0..{days - 1}")
    off = np.zeros((days, pv.shape[1]), dtype=bool)
    off[day, pv_kwh.columns.get_indexer(outages["member"])] = True
    pv[np.repeat(off, steps, axis=0)[: pv.shape[0]]] = 0.0
    return pd.DataFrame(pv, index=pv_kwh.index, columns=pv_kwh.columns)


def draw_p2p_maintenance(
    index: pd.Index, n_windows: int, rng: np.random.Generator, *, slots_per_window: int = 8
) -> pd.Series:
    """P2P-maintenance windows: runs of steps in which peer-to-peer trading is off.

    Parameters
    ----------
    index : pandas.Index
        Time index of the horizon (its length ``n_steps`` counts).
    n_windows : int
        Number of windows (≥ 0); windows may overlap.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    slots_per_window : int, default 8
        Length of a window [steps] (8 = 2 h at 15 minutes).

    Returns
    -------
    pandas.Series of bool
        ``p2p_allowed`` on ``index``: ``False`` inside a window.

    Notes
    -----
    Window starts are drawn uniformly in ``0 … n_steps - slots_per_window - 1``
    (seed 002's bounds: a window never covers the last step).

    Examples
    --------
    >>> allowed = draw_p2p_maintenance(pd.RangeIndex(96), 1, np.random.default_rng(0))
    >>> int((~allowed).sum()), int(allowed.idxmin())
    (8, 74)
    """
    if not isinstance(index, pd.Index):
        raise TypeError(f"index: expected a pandas Index, got {type(index).__name__}")
    n_windows = _check_count("n_windows", n_windows, minimum=0)
    slots = _check_count("slots_per_window", slots_per_window)
    rng = _check_rng(rng)
    if n_windows and len(index) <= slots:
        raise ValueError(
            f"index: {len(index)} steps leave no room for windows of {slots} slots"
        )
    allowed = np.ones(len(index), dtype=bool)
    if n_windows:
        starts = _integers(rng, 0, len(index) - slots, size=n_windows)
        offsets = np.arange(len(index))[None, :] - starts[:, None]
        allowed = ~np.any((offsets >= 0) & (offsets < slots), axis=0)
    return pd.Series(allowed, index=index, name="p2p_allowed")


# ---------------------------------------------------------------------------
# a whole community
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Community:
    """A synthetic energy community, ready for :func:`lectoolkit.settle`.

    Attributes
    ----------
    load_kwh, pv_kwh : pandas.DataFrame, shape (n_steps, n_members)
        Load and PV energy per step [kWh].
    price_buy_per_kwh, price_sell_per_kwh : pandas.Series, shape (n_members,)
        Grid tariffs per member [currency/kWh].
    p2p_allowed : pandas.Series of bool, shape (n_steps,)
        ``False`` in P2P-maintenance windows.
    timestep_h : float
        Step length [h].
    price_buy_ref_per_kwh, price_sell_ref_per_kwh : float
        Reference tariffs (:func:`lectoolkit.settlement.reference_prices`) [currency/kWh].
    is_prosumer : pandas.Series of bool, shape (n_members,)
        Member types.
    outages : pandas.DataFrame
        Inverter outages applied to ``pv_kwh`` (columns ``member``, ``day``).
    """

    load_kwh: pd.DataFrame
    pv_kwh: pd.DataFrame
    price_buy_per_kwh: pd.Series
    price_sell_per_kwh: pd.Series
    p2p_allowed: pd.Series
    timestep_h: float
    price_buy_ref_per_kwh: float
    price_sell_ref_per_kwh: float
    is_prosumer: pd.Series
    outages: pd.DataFrame


def build_community(
    n_consumers: int,
    n_prosumers: int,
    days: int,
    rng: np.random.Generator,
    *,
    timestep_h: float = 0.25,
    start=SEED002_START,
    n_inverter_outages: int = 2,
    n_maintenance_windows: int = 3,
    slots_per_window: int = 8,
    pv_sizing_factor: tuple[float, float] = (0.4, 1.5),
    consumer_buy_per_kwh: tuple[float, float] = (6.0, 7.0),
    prosumer_buy_per_kwh: tuple[float, float] = (5.0, 6.0),
    prosumer_sell_per_kwh: tuple[float, float] = (3.0, 3.8),
) -> Community:
    """Draw a whole community: tariffs, loads, PV, inverter outages, P2P-off windows.

    Parameters
    ----------
    n_consumers, n_prosumers : int
        Households without and with PV (``n_prosumers ≥ 1``: the sell reference price
        is a mean over prosumers).
    days : int
        Horizon [days].
    rng : numpy.random.Generator
        Source of every draw (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h].
    start : str or pandas.Timestamp, default "2025-01-01"
        First time stamp.
    n_inverter_outages, n_maintenance_windows, slots_per_window : int
        Event counts and the window length [steps] (seed 002: 2, 3 and 8).
    pv_sizing_factor : (float, float), default (0.4, 1.5)
        Bounds of the PV-to-load ratio drawn per prosumer [-]
        (:func:`generate_pv_from_load`).
    consumer_buy_per_kwh, prosumer_buy_per_kwh, prosumer_sell_per_kwh : (float, float)
        Tariff bounds [currency/kWh] (:func:`draw_tariffs`).

    Returns
    -------
    Community

    Notes
    -----
    Draw order: :func:`draw_tariffs`, :func:`generate_household_loads`,
    :func:`generate_pv_from_load`, :func:`draw_inverter_outages`,
    :func:`draw_p2p_maintenance`, each with the other settings at seed 002's values.

    Examples
    --------
    >>> com = build_community(2, 3, 7, np.random.default_rng(5))
    >>> com.load_kwh.shape, int((~com.p2p_allowed).sum()) <= 24
    ((672, 5), True)
    >>> round(com.price_buy_ref_per_kwh, 3), round(com.price_sell_ref_per_kwh, 3)
    (5.918, 3.191)
    """
    members = community_members(n_consumers, n_prosumers)
    if n_prosumers < 1:
        raise ValueError("n_prosumers: at least one prosumer is needed (sell reference price)")
    rng = _check_rng(rng)
    tariffs = draw_tariffs(
        members, rng,
        consumer_buy_per_kwh=consumer_buy_per_kwh,
        prosumer_buy_per_kwh=prosumer_buy_per_kwh,
        prosumer_sell_per_kwh=prosumer_sell_per_kwh,
    )
    load = generate_household_loads(members, days, rng, timestep_h=timestep_h, start=start)
    pv = generate_pv_from_load(
        load, members, rng, timestep_h=timestep_h, sizing_factor=pv_sizing_factor
    )
    outages = draw_inverter_outages(members.index[members], days, n_inverter_outages, rng)
    pv = apply_inverter_outages(pv, outages, timestep_h=timestep_h)
    allowed = draw_p2p_maintenance(
        load.index, n_maintenance_windows, rng, slots_per_window=slots_per_window
    )
    buy = tariffs["price_buy_per_kwh"]
    sell = tariffs["price_sell_per_kwh"]
    buy_ref, sell_ref = reference_prices(buy.to_numpy(), sell.to_numpy())
    return Community(
        load_kwh=load,
        pv_kwh=pv,
        price_buy_per_kwh=buy,
        price_sell_per_kwh=sell,
        p2p_allowed=allowed,
        timestep_h=float(timestep_h),
        price_buy_ref_per_kwh=buy_ref,
        price_sell_ref_per_kwh=sell_ref,
        is_prosumer=members,
        outages=outages,
    )


def seed_community_002(seed: int = 42) -> Community:
    """The 10-household community of seed 002, drawn exactly as the seed draws it.

    Three consumers and seven prosumers over 30 days at 15 minutes, from numpy's legacy
    ``RandomState(seed)`` in the seed's order (:func:`build_community`). With
    ``seed=42`` the loads and PV equal the seed's ``L·0.25`` and ``PV·0.25`` and its
    tariffs, so settling this community reproduces the seed's bills.

    Parameters
    ----------
    seed : int, default 42
        Seed of the legacy generator (the seed uses 42).

    Returns
    -------
    Community

    Examples
    --------
    >>> com = seed_community_002()
    >>> com.load_kwh.shape, list(com.load_kwh.columns[[0, 3]])
    ((2880, 10), ['C1', 'P1'])
    >>> round(com.price_buy_ref_per_kwh, 6), round(com.price_sell_ref_per_kwh, 6)
    (5.87518, 3.246207)
    """
    seed = _check_count("seed", seed, minimum=0)
    legacy = np.random.RandomState(seed)  # the seed's own generator, for exact draws
    return build_community(3, 7, 30, legacy)


# --- monthly prosumer data of the seed-001 kind --------------------------------------------

GENERATION_SEASON = np.array(
    [0.62, 0.66, 0.72, 0.80, 0.88, 0.92, 0.92, 0.90, 0.84, 0.60, 0.60, 0.60]
)
"""Monthly factor of PV generation, January first (illustrative, see
:func:`synthetic_prosumer_monthly`)."""

DEMAND_SEASON = np.array(
    [0.63, 0.62, 0.66, 0.70, 0.76, 0.84, 0.90, 0.88, 0.86, 0.84, 0.74, 0.70]
)
"""Monthly factor of household demand, January first (summer cooling peak)."""


def synthetic_prosumer_monthly(
    n_prosumers: int,
    months,
    rng: np.random.Generator,
    *,
    price_cents_per_kwh=11.66,
    generation_mean_kwh: float = 1200.0,
    generation_sd_kwh: float = 240.0,
    generation_bounds_kwh: tuple[float, float] = (0.0, 1200.0),
    demand_mean_kwh: float = 1100.0,
    demand_sd_kwh: float = 220.0,
    demand_bounds_kwh: tuple[float, float] = (110.0, 2200.0),
) -> pd.DataFrame:
    """Synthetic monthly prosumer table in the seed-001 format (e.g. the lost N100 set).

    Each prosumer's monthly generation and demand are seasonal factors times normal
    draws, clipped: ``clip(season[month] · N(mean, sd), low, high)``; then
    ``consumption = max(demand - generation, 0)`` and
    ``net_energy = min(demand - generation, 0)`` (negative = export).

    Parameters
    ----------
    n_prosumers : int
        Number of prosumers (ids ``1 .. n``).
    months : sequence of datetime-like
        Month starts, one period each.
    rng : numpy.random.Generator
        Source of the normal draws (generation first, then demand, months × prosumers).

    Raises
    ------
    TypeError
        ``n_prosumers`` is not an integer or ``rng`` is not a numpy random generator.
    ValueError
        No month, a negative or non-finite price, or bounds with ``low > high``.
    price_cents_per_kwh : float or sequence of float
        Retail price per month [¢/kWh] (scalar or one per month).
    generation_mean_kwh, generation_sd_kwh, generation_bounds_kwh : float
        Normal draw and clipping bounds of monthly generation [kWh/month] (SPEC §6:
        mean 1200, sd 240, in [0, 1200]).
    demand_mean_kwh, demand_sd_kwh, demand_bounds_kwh : float
        The same for demand [kWh/month] (mean 1100, sd 220, in [110, 2200]).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, time, demand, generation, consumption, net_energy, price``
        sorted by ``(time, id)``, as :func:`lectoolkit.io.read_prosumer_monthly` returns.

    Notes
    -----
    The original seed-001 generator and its seasonal curves are lost; the curves here
    (:data:`GENERATION_SEASON`, :data:`DEMAND_SEASON`) are our own, set so that the
    two months of the original N100 file that survive (2019-10 and 2020-01) have
    similar means. The data are synthetic.

    Examples
    --------
    >>> frame = synthetic_prosumer_monthly(100, ["2019-10-01"], np.random.default_rng(1))
    >>> frame.shape
    (100, 7)
    >>> bool((frame["net_energy"] <= 0).all())
    True
    """
    n = _check_count("n_prosumers", n_prosumers)
    rng = _check_rng(rng)
    times = pd.DatetimeIndex(pd.to_datetime(list(months)))
    if len(times) == 0:
        raise ValueError("months: expected at least one month")
    price = np.broadcast_to(np.asarray(price_cents_per_kwh, dtype=float), (len(times),))
    if not np.all(np.isfinite(price)) or np.any(price < 0):
        raise ValueError("price_cents_per_kwh: must be finite and non-negative, one per month")
    for name, (low, high) in (("generation_bounds_kwh", generation_bounds_kwh),
                              ("demand_bounds_kwh", demand_bounds_kwh)):
        if not 0 <= low <= high:
            raise ValueError(f"{name}: expected 0 <= low <= high, got ({low}, {high})")
    month = times.month.to_numpy() - 1
    shape = (len(times), n)
    generation = np.clip(
        GENERATION_SEASON[month, None] * rng.normal(generation_mean_kwh, generation_sd_kwh, shape),
        *generation_bounds_kwh)
    demand = np.clip(
        DEMAND_SEASON[month, None] * rng.normal(demand_mean_kwh, demand_sd_kwh, shape),
        *demand_bounds_kwh)
    balance = demand - generation
    return pd.DataFrame({
        "id": np.tile(np.arange(1, n + 1), len(times)),
        "time": np.repeat(times, n),
        "demand": demand.ravel(),
        "generation": generation.ravel(),
        "consumption": np.maximum(balance, 0.0).ravel(),
        "net_energy": np.minimum(balance, 0.0).ravel(),
        "price": np.repeat(price, n),
    })

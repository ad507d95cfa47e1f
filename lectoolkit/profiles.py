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

Inputs are checked once, up front, through :mod:`lectoolkit._validate` (``TypeError`` for
the wrong kind of object, ``ValueError`` for a wrong value, each message starting with the
argument's name). Day 0 starts at midnight: a time index passed with a ``timestep_h``
must be unique, regular, spaced ``timestep_h`` apart and start at 00:00. Member labels
are paired by label, never by position.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.settlement import reference_prices

HOURS_PER_DAY = 24.0
"""Hours in a day [h]."""

MAX_STEPS_PER_DAY = 86_400
"""Finest resolution accepted: one-second steps [steps/day]."""

SEED002_START = "2025-01-01"
"""First time stamp of the seed-002 community."""

_SEED002_LOADS = {"consumer_kwh_per_day": (4.0, 7.0), "prosumer_kwh_per_day": (5.0, 9.0),
                  "day_sd": 0.05, "step_sd": 0.05, "min_load_kw": 0.05}
"""Seed 002's load settings (:func:`generate_household_loads`, :func:`build_community`)."""

_SEED002_PV = {"yield_kwh_per_kwp_day": (4.5, 5.5), "cloud_sd": 0.15, "step_sd": 0.05}
"""Seed 002's PV settings besides the sizing factor (:func:`generate_pv_from_load`)."""

_COPIES = 3
"""Working copies of an (n_members, n_steps) array a generator holds at its peak."""

_BYTES_PER_ID = 80
"""Memory of one generated member id (a short str and its slots) [byte]."""

_OUTAGE_BYTES = 32
"""Memory of one drawn outage (two int64 draws, a member id and a day) [byte]."""

_INT64_MAX = int(np.iinfo(np.int64).max)


# ---------------------------------------------------------------------------
# validation helpers (domain rules built on lectoolkit._validate)
# ---------------------------------------------------------------------------
def _timestep(timestep_h) -> tuple[float, int]:
    """``timestep_h`` [h] as a float and the whole number of steps it makes in a day."""
    timestep_h = _validate.positive(timestep_h, "timestep_h", unit="h")
    steps = HOURS_PER_DAY / timestep_h
    if steps > MAX_STEPS_PER_DAY + 0.5:
        raise ValueError(
            f"timestep_h: expected a step of at least one second ({1 / 3600:.6g} h), "
            f"got {timestep_h} h"
        )
    if round(steps) == 0 or abs(steps - round(steps)) > 1e-9 * steps:
        raise ValueError(f"timestep_h: {timestep_h} h does not divide a day into whole steps")
    return timestep_h, round(steps)


def _bounds(value, name: str, unit: str, *, positive: bool = False) -> tuple[float, float]:
    """A ``(low, high)`` pair of finite numbers with ``0 <= low <= high`` (``0 < low``)."""
    if not isinstance(value, (tuple, list, np.ndarray)):
        raise TypeError(f"{name}: expected a (low, high) pair [{unit}], got "
                        f"{_validate.describe(value)}")
    shape = value.shape if isinstance(value, np.ndarray) else (len(value),)
    if shape != (2,):
        raise ValueError(f"{name}: expected a (low, high) pair [{unit}], got shape {shape}")
    limit = {"above": 0.0} if positive else {"minimum": 0.0}
    low, high = (_validate.number(v, name, unit=unit, **limit) for v in value)
    if low > high:
        raise ValueError(f"{name}: low {low} exceeds high {high} [{unit}]")
    return low, high


def _is_prosumer(value) -> pd.Series:
    """``is_prosumer``: a boolean Series of member types indexed by unique ids, not empty."""
    if not isinstance(value, pd.Series):
        raise TypeError("is_prosumer: expected a boolean pandas Series indexed by member id "
                        f"(see community_members), got {_validate.describe(value)}")
    flags, index = _validate.boolean_vector(value, "is_prosumer")
    if flags.size == 0:
        raise ValueError("is_prosumer: the community has no members")
    return pd.Series(flags, index=index, name=value.name)


def _energy_frame(value, name: str) -> np.ndarray:
    """A DataFrame (n_steps, n_members) of finite non-negative energies [kWh]."""
    if not isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a DataFrame (time x members) [kWh], got "
                        f"{_validate.describe(value)}")
    return _validate.matrix(value, name, unit="kWh", nonneg=True)[0]


def _spacing_h(index: pd.Index, name: str) -> float | None:
    """Spacing [h] of a DatetimeIndex, which must be unique, complete and regular.

    ``None`` for another kind of index or a single time stamp (no spacing to check).
    """
    if not isinstance(index, pd.DatetimeIndex):
        return None
    if index.hasnans:
        where = int(np.flatnonzero(index.isna())[0])
        raise ValueError(f"{name}: the time index has a missing time stamp (NaT) at {where}")
    _validate.unique_labels(index, name, "time stamps")
    if len(index) < 2:
        return None
    steps = index[1:] - index[:-1]
    if steps.min() <= pd.Timedelta(0) or steps.min() != steps.max():
        raise ValueError(f"{name}: expected a regular increasing time index, got steps from "
                         f"{steps.min()} to {steps.max()}")
    return steps[0].total_seconds() / 3600.0


def _check_time_index(index: pd.Index, name: str, timestep_h: float) -> None:
    """A time index that agrees with ``timestep_h`` and starts day 0 at midnight."""
    spacing_h = _spacing_h(index, name)
    if spacing_h is not None and not math.isclose(spacing_h, timestep_h, rel_tol=1e-9):
        raise ValueError(f"timestep_h: {timestep_h} h differs from the {spacing_h:g} h "
                         f"spacing of the time index of {name}")
    if isinstance(index, pd.DatetimeIndex) and index[0] != index[0].normalize():
        raise ValueError(f"{name}: the time index starts at {index[0]}, expected midnight "
                         "(day 0 starts at 00:00)")


def _start(start) -> pd.Timestamp:
    """``start`` as a Timestamp at midnight."""
    if start is None or isinstance(start, (bool, np.bool_, numbers.Number)):
        raise TypeError(f"start: expected a date (str or pandas.Timestamp), got "
                        f"{_validate.describe(start)}")
    try:
        stamp = pd.Timestamp(start)
    except TypeError:
        raise TypeError(f"start: expected a date (str or pandas.Timestamp), got "
                        f"{_validate.describe(start)}") from None
    except ValueError as err:
        raise ValueError(f"start: expected a date, got {_validate.describe(start)} ({err})"
                         ) from None
    if stamp is pd.NaT:
        raise ValueError("start: expected a date, got NaT")
    if stamp != stamp.normalize():
        raise ValueError(f"start: expected midnight (day 0 starts at 00:00), got {stamp}")
    return stamp


def _horizon(start, days: int, timestep_h: float, steps: int, n_members: int,
             names: str) -> pd.DatetimeIndex:
    """The time index of ``days`` days from ``start``, after checking the frames fit.

    ``names`` are the size arguments named when ``n_members × n_steps`` do not fit.
    """
    stamp = _start(start)
    n_steps = days * steps
    _validate.fits_in_memory(_COPIES * 8 * n_members * n_steps, names,
                             f"{n_members} members x {n_steps} steps")
    try:
        index = pd.date_range(stamp, periods=n_steps, freq=pd.Timedelta(hours=timestep_h))
    except (OverflowError, pd.errors.OutOfBoundsDatetime, pd.errors.OutOfBoundsTimedelta):
        raise ValueError(f"days, start: a horizon of {days} days from {stamp} ends after "
                         "the last representable time stamp") from None
    index.name = "step"
    return index


def _member_ids(value, name: str) -> pd.Index:
    """A sequence of unique member ids (str or int); one bare string is refused."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected a sequence of member ids, got the single string "
                        f"{value!r}; pass [{value!r}] for one member")
    if (value is None or isinstance(value, (pd.Series, pd.DataFrame, dict, set, frozenset))
            or not np.iterable(value) or (isinstance(value, np.ndarray) and value.ndim != 1)):
        raise TypeError(f"{name}: expected a list or pandas.Index of member ids, got "
                        f"{_validate.describe(value)}")
    ids = list(value)
    for position, member in enumerate(ids):
        if isinstance(member, (bool, np.bool_)) or not isinstance(
                member, (str, numbers.Integral)):
            raise TypeError(f"{name}: expected member ids (str or int), got "
                            f"{_validate.describe(member)} at {position}")
    return _validate.unique_labels(pd.Index(ids), name, "member ids")


def _tariff_bounds(consumer_buy, prosumer_buy, prosumer_sell) -> tuple[tuple[float, float], ...]:
    """The three tariff ranges [money/kWh]; a prosumer never sells above its buy tariff."""
    c_buy = _bounds(consumer_buy, "price_buy_consumer_per_kwh", "money/kWh")
    p_buy = _bounds(prosumer_buy, "price_buy_prosumer_per_kwh", "money/kWh")
    p_sell = _bounds(prosumer_sell, "price_sell_prosumer_per_kwh", "money/kWh")
    if p_sell[1] > p_buy[0]:
        raise ValueError(
            f"price_sell_prosumer_per_kwh: high {p_sell[1]} exceeds the low {p_buy[0]} of "
            "price_buy_prosumer_per_kwh; a prosumer's sell tariff must not exceed its buy tariff "
            "[money/kWh]"
        )
    return c_buy, p_buy, p_sell


def _windows_fit(n_windows: int, slots: int, n_steps: int, where: str) -> None:
    """Windows need a horizon longer than one window (their starts leave the last step)."""
    if n_windows and n_steps <= slots:
        raise ValueError(f"slots_per_window: windows of {slots} steps need more than {slots} "
                         f"steps, but {where} has {n_steps}")


# ---------------------------------------------------------------------------
# draw helpers
# ---------------------------------------------------------------------------
def _integers(rng, low, high, size=None) -> np.ndarray:
    """Integers in ``[low, high)`` from either generator type (``high`` may be an array)."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(low, high, size=size)
    return rng.randint(low, high, size=size)


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
        Step length [h], finite and positive; must divide 24 h into whole steps, of at
        least one second each (:data:`MAX_STEPS_PER_DAY`).

    Returns
    -------
    numpy.ndarray, shape (24 / timestep_h,)
        Relative power at the start of each step [kW per unit scale].

    Raises
    ------
    TypeError
        ``timestep_h`` is not a real number (a str, a bool, None).
    ValueError
        ``timestep_h`` is NaN, infinite, not positive, shorter than a second or does not
        divide a day into whole steps.

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
    timestep_h, steps = _timestep(timestep_h)
    hours = np.arange(steps) * timestep_h
    morning = np.exp(-0.5 * ((hours - 8.0) / 1.5) ** 2)
    evening = 1.3 * np.exp(-0.5 * ((hours - 20.0) / 2.0) ** 2)
    return np.maximum(0.2 + 0.7 * morning + evening, 0.05)


def daily_pv_shape(timestep_h: float = 0.25) -> np.ndarray:
    """Clear-sky PV power per installed kWp over one day, a half sine from 6:00 to 18:00.

    Parameters
    ----------
    timestep_h : float, default 0.25
        Step length [h], finite and positive; must divide 24 h into whole steps, of at
        least one second each (:data:`MAX_STEPS_PER_DAY`).

    Returns
    -------
    numpy.ndarray, shape (24 / timestep_h,)
        Power at the start of each step [kW/kWp], zero at night.

    Raises
    ------
    TypeError
        ``timestep_h`` is not a real number (a str, a bool, None).
    ValueError
        ``timestep_h`` is NaN, infinite, not positive, shorter than a second or does not
        divide a day into whole steps.

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
    timestep_h, steps = _timestep(timestep_h)
    hours = np.arange(steps) * timestep_h
    return np.maximum(np.sin(np.pi * (hours - 6.0) / 12.0), 0.0)


# ---------------------------------------------------------------------------
# members, tariffs
# ---------------------------------------------------------------------------
def community_members(n_consumers: int, n_prosumers: int) -> pd.Series:
    """Member ids and types: consumers ``C1…`` first, then prosumers ``P1…``.

    Parameters
    ----------
    n_consumers, n_prosumers : int
        Households without and with PV (each ≥ 0, together ≥ 1; whole floats such as
        ``2.0`` are accepted, booleans are not).

    Returns
    -------
    pandas.Series of bool
        ``True`` for prosumers, indexed by member id (index name ``"member"``).

    Raises
    ------
    TypeError
        A count is not an integer (a str, a bool, None).
    ValueError
        A count is negative, fractional or not finite, both are 0, or the ids would not
        fit in the free memory.

    Examples
    --------
    >>> community_members(2, 1).to_dict()
    {'C1': False, 'C2': False, 'P1': True}
    """
    n_consumers = _validate.integer(n_consumers, "n_consumers", minimum=0)
    n_prosumers = _validate.integer(n_prosumers, "n_prosumers", minimum=0)
    n_members = n_consumers + n_prosumers
    if n_members == 0:
        raise ValueError("n_consumers, n_prosumers: the community needs at least one member")
    _validate.fits_in_memory(_BYTES_PER_ID * n_members, "n_consumers, n_prosumers",
                             f"{n_members} member ids")
    ids = [f"C{i + 1}" for i in range(n_consumers)] + [f"P{j + 1}" for j in range(n_prosumers)]
    index = pd.Index(ids, name="member")
    return pd.Series([False] * n_consumers + [True] * n_prosumers, index=index, dtype=bool)


def _draw_tariffs(pro: np.ndarray, rng, c_buy, p_buy, p_sell) -> np.ndarray:
    """(buy, sell) per member [money/kWh], drawn as :func:`draw_tariffs` documents."""
    # one row per member: (buy, sell) bounds; consumers draw no sell price
    low = np.column_stack([np.where(pro, p_buy[0], c_buy[0]), np.full(pro.size, p_sell[0])])
    high = np.column_stack([np.where(pro, p_buy[1], c_buy[1]), np.full(pro.size, p_sell[1])])
    drawn = np.column_stack([np.ones(pro.size, dtype=bool), pro])
    prices = np.zeros((pro.size, 2))
    prices[drawn] = rng.uniform(low[drawn], high[drawn])
    return prices


def draw_tariffs(
    is_prosumer: pd.Series,
    rng: np.random.Generator,
    *,
    price_buy_consumer_per_kwh: tuple[float, float] = (6.0, 7.0),
    price_buy_prosumer_per_kwh: tuple[float, float] = (5.0, 6.0),
    price_sell_prosumer_per_kwh: tuple[float, float] = (3.0, 3.8),
) -> pd.DataFrame:
    """Heterogeneous grid tariffs: a buy price per member, a sell price per prosumer.

    Parameters
    ----------
    is_prosumer : pandas.Series of bool
        Member types indexed by unique member ids, at least one member
        (:func:`community_members`).
    rng : numpy.random.Generator
        Source of the uniform draws (a legacy ``RandomState`` is accepted).
    price_buy_consumer_per_kwh, price_buy_prosumer_per_kwh : (float, float)
        Bounds ``0 <= low <= high`` of the uniform draws of the consumers' and the
        prosumers' buy tariffs [money/kWh].
    price_sell_prosumer_per_kwh : (float, float)
        Bounds of the prosumers' sell tariffs [money/kWh]; a prosumer's sell tariff
        never exceeds its buy tariff (``price_sell_prosumer_per_kwh[1] <=
        price_buy_prosumer_per_kwh[0]``). Defaults are seed 002's (Rs/kWh): consumers
        pay a residential slab, prosumers a net-metering category.

    Returns
    -------
    pandas.DataFrame
        Columns ``price_buy_per_kwh`` and ``price_sell_per_kwh`` [money/kWh], one
        row per member; consumers' sell price is 0 (they export nothing).

    Raises
    ------
    TypeError
        ``is_prosumer`` is not a boolean Series, ``rng`` is not a numpy random
        generator, or a bound is not a pair of real numbers.
    ValueError
        No member or duplicated member ids; a bound is NaN, infinite, negative or has
        ``low > high``; the prosumer sell range reaches above the prosumer buy range.

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
    is_prosumer = _is_prosumer(is_prosumer)
    rng = _validate.rng(rng)
    bounds = _tariff_bounds(price_buy_consumer_per_kwh, price_buy_prosumer_per_kwh,
                            price_sell_prosumer_per_kwh)
    prices = _draw_tariffs(is_prosumer.to_numpy(), rng, *bounds)
    return pd.DataFrame(
        prices, index=is_prosumer.index, columns=["price_buy_per_kwh", "price_sell_per_kwh"]
    )


# ---------------------------------------------------------------------------
# load and PV
# ---------------------------------------------------------------------------
def _draw_loads(pro: np.ndarray, days: int, steps: int, timestep_h: float, rng, *,
                consumer_kwh_per_day, prosumer_kwh_per_day, day_sd: float, step_sd: float,
                min_load_kw: float) -> np.ndarray:
    """Energy per step [kWh], shape (n_members, days · steps) (:func:`generate_household_loads`).

    Overflow gives inf or NaN silently; the caller checks the result.
    """
    shape = daily_load_shape(timestep_h)
    shape_kwh_per_day = np.sum(shape * timestep_h)
    power_kw = np.empty((pro.size, days * steps))
    with np.errstate(over="ignore", invalid="ignore"):
        for i, is_pro in enumerate(pro):
            low, high = prosumer_kwh_per_day if is_pro else consumer_kwh_per_day
            base_kw = shape * (rng.uniform(low, high) / shape_kwh_per_day)
            noise = _daily_noise(rng, days, steps, day_sd, step_sd)
            day_kw = base_kw * noise[:, :1] * (1.0 + noise[:, 1:])
            power_kw[i] = np.maximum(day_kw, min_load_kw).ravel()
        return power_kw * timestep_h


def generate_household_loads(
    is_prosumer: pd.Series,
    days: int,
    rng: np.random.Generator,
    *,
    timestep_h: float = 0.25,
    start=SEED002_START,
    consumer_kwh_per_day: tuple[float, float] = _SEED002_LOADS["consumer_kwh_per_day"],
    prosumer_kwh_per_day: tuple[float, float] = _SEED002_LOADS["prosumer_kwh_per_day"],
    day_sd: float = _SEED002_LOADS["day_sd"],
    step_sd: float = _SEED002_LOADS["step_sd"],
    min_load_kw: float = _SEED002_LOADS["min_load_kw"],
) -> pd.DataFrame:
    """Household loads: the daily load shape scaled to a drawn daily energy, with noise.

    Parameters
    ----------
    is_prosumer : pandas.Series of bool
        Member types indexed by unique member ids, at least one member
        (:func:`community_members`).
    days : int
        Length of the horizon [days], ≥ 1.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h]; divides 24 h into whole steps of at least one second.
    start : str or pandas.Timestamp, default "2025-01-01"
        First time stamp, at midnight (the daily shapes start at 00:00).
    consumer_kwh_per_day, prosumer_kwh_per_day : (float, float)
        Bounds ``0 <= low <= high`` of the uniform draw of a member's mean daily energy
        [kWh/day] (seed 002: consumers 4–7, prosumers 5–9).
    day_sd, step_sd : float, default 0.05
        Standard deviations (≥ 0) of the day factor ``N(1, day_sd)`` and of the step
        noise ``N(0, step_sd)`` [-].
    min_load_kw : float, default 0.05
        Floor of the power [kW], ≥ 0.

    Returns
    -------
    pandas.DataFrame, shape (days · 24 / timestep_h, n_members)
        Energy per step [kWh], time index × member columns.

    Raises
    ------
    TypeError
        ``is_prosumer`` is not a boolean Series, ``rng`` not a numpy random generator,
        ``start`` not a date, a count or number of the wrong kind (str, bool, None), or
        a range that is not a (low, high) pair.
    ValueError
        No member or duplicated ids; ``days`` < 1 or fractional; ``timestep_h`` out of
        its domain; ``start`` not a date at midnight; a number or bound NaN, infinite,
        negative or with ``low > high``; a horizon that does not fit in the free memory.
    lectoolkit._validate.ResultRangeError
        The loads overflow float64 (huge energies or standard deviations).

    Notes
    -----
    For member ``i`` with drawn daily energy ``E_i``, on day ``d`` at step ``t``:
    ``P = max(s(t) · E_i / (Σ s · Δt) · f_d · (1 + ε_{d,t}), min_load_kw)`` [kW] with
    ``s`` the :func:`daily_load_shape`; the energy per step is ``P · Δt`` [kWh].
    Draw order, member by member: ``E_i``, then for each day ``f_d`` followed by the
    day's ``ε``. Without noise the mean daily energy is exactly ``E_i``. Memory: about
    three float64 arrays of the output's size.

    Examples
    --------
    >>> load = generate_household_loads(community_members(1, 1), 2, np.random.default_rng(1))
    >>> load.shape, str(load.index.freq)
    ((192, 2), '<15 * Minutes>')
    >>> (load.sum() / 2).round(2).to_dict()
    {'C1': 5.44, 'P1': 6.14}
    """
    is_prosumer = _is_prosumer(is_prosumer)
    days = _validate.integer(days, "days", minimum=1)
    rng = _validate.rng(rng)
    timestep_h, steps = _timestep(timestep_h)
    settings = {
        "consumer_kwh_per_day": _bounds(consumer_kwh_per_day, "consumer_kwh_per_day", "kWh/day"),
        "prosumer_kwh_per_day": _bounds(prosumer_kwh_per_day, "prosumer_kwh_per_day", "kWh/day"),
        "day_sd": _validate.nonnegative(day_sd, "day_sd", unit="-"),
        "step_sd": _validate.nonnegative(step_sd, "step_sd", unit="-"),
        "min_load_kw": _validate.nonnegative(min_load_kw, "min_load_kw", unit="kW"),
    }
    index = _horizon(start, days, timestep_h, steps, is_prosumer.size,
                     "days, timestep_h, is_prosumer")

    energy_kwh = _draw_loads(is_prosumer.to_numpy(), days, steps, timestep_h, rng, **settings)
    _validate.finite_result(
        energy_kwh, "the loads",
        "consumer_kwh_per_day, prosumer_kwh_per_day, day_sd, step_sd, min_load_kw")
    return _frame(energy_kwh, index, is_prosumer.index)


def _draw_pv(load_by_member: np.ndarray, pro: np.ndarray, days: int, steps: int,
             timestep_h: float, rng, *, sizing_factor, yield_kwh_per_kwp_day, cloud_sd: float,
             step_sd: float) -> np.ndarray:
    """PV energy per step [kWh], shape (n_members, n_steps) (:func:`generate_pv_from_load`).

    Overflow gives inf or NaN silently; the caller checks the result.
    """
    shape = daily_pv_shape(timestep_h)
    shape_kwh_per_kwp_day = np.sum(shape * timestep_h)
    power_kw = np.zeros_like(load_by_member)
    low = [sizing_factor[0], yield_kwh_per_kwp_day[0]]
    high = [sizing_factor[1], yield_kwh_per_kwp_day[1]]
    with np.errstate(over="ignore", invalid="ignore"):
        for i in np.flatnonzero(pro):
            mean_daily_kwh = np.sum(load_by_member[i]) / days
            factor, specific_yield = rng.uniform(low, high)
            # y cancels out of P = p · C · y / (Σ p · Δt) with C = f · Ē / y; C is scaled by
            # 2**e (y = m · 2**e, exact in binary), so a tiny yield cannot overflow it
            mantissa = np.frexp(specific_yield)[0]
            capacity_scaled = factor * mean_daily_kwh / mantissa
            base_kw = shape * capacity_scaled * (mantissa / shape_kwh_per_kwp_day)
            noise = _daily_noise(rng, days, steps, cloud_sd, step_sd)
            power_kw[i] = np.maximum(base_kw * noise[:, :1] * (1.0 + noise[:, 1:]), 0.0).ravel()
        return power_kw * timestep_h


def generate_pv_from_load(
    load_kwh: pd.DataFrame,
    is_prosumer: pd.Series,
    rng: np.random.Generator,
    *,
    timestep_h: float = 0.25,
    sizing_factor: tuple[float, float] = (0.4, 1.5),
    yield_kwh_per_kwp_day: tuple[float, float] = _SEED002_PV["yield_kwh_per_kwp_day"],
    cloud_sd: float = _SEED002_PV["cloud_sd"],
    step_sd: float = _SEED002_PV["step_sd"],
) -> pd.DataFrame:
    """PV generation of each prosumer, sized from its own mean daily load.

    Parameters
    ----------
    load_kwh : pandas.DataFrame, shape (n_steps, n_members)
        Household loads per step [kWh], finite and ≥ 0 (e.g.
        :func:`generate_household_loads`); ``n_steps`` must be whole days, the labels
        unique. A DatetimeIndex must be regular, spaced ``timestep_h`` apart and start
        at midnight (day 0 starts at 00:00); another index counts steps from midnight.
    is_prosumer : pandas.Series of bool
        Member types, paired with the columns of ``load_kwh`` by label (the same ids,
        any order).
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h]; divides 24 h into whole steps of at least one second.
    sizing_factor : (float, float), default (0.4, 1.5)
        Bounds ``0 <= low <= high`` of the uniform draw of ``f``, the ratio of a
        prosumer's expected daily PV energy to its mean daily load [-] (seed 002 draws
        on (0.4, 1.5) although its comment says (0.4, 1.1)).
    yield_kwh_per_kwp_day : (float, float), default (4.5, 5.5)
        Bounds ``0 < low <= high`` of the uniform draw of the specific yield ``y``
        [kWh/kWp/day].
    cloud_sd, step_sd : float
        Standard deviations (≥ 0) of the daily cloud factor ``N(1, cloud_sd)`` and of
        the step noise ``N(0, step_sd)`` [-].

    Returns
    -------
    pandas.DataFrame, same shape and labels as ``load_kwh``
        PV energy per step [kWh]; zero for consumers.

    Raises
    ------
    TypeError
        ``load_kwh`` is not a DataFrame of numbers, ``is_prosumer`` not a boolean
        Series, ``rng`` not a numpy random generator, a number or range of the wrong
        kind.
    ValueError
        ``load_kwh`` empty, NaN, infinite, negative, with duplicated labels, not whole
        days, or with a time index that is irregular, not at midnight or spaced
        differently from ``timestep_h``; ``is_prosumer``'s ids differ from the columns;
        a number or bound out of its domain.
    lectoolkit._validate.ResultRangeError
        The PV energies overflow float64 (huge loads, sizing factors or deviations).

    Notes
    -----
    Capacity ``C = f · Ē / y`` [kWp] with ``Ē`` the mean daily load [kWh/day]; the
    clear-sky profile :func:`daily_pv_shape` ``p`` is rescaled to the yield,
    ``P = p · C · y / (Σ p · Δt) · c_d · (1 + ε_{d,t})``, clipped at 0 [kW]. Draw order,
    prosumer by prosumer (in the column order of ``load_kwh``): ``f``, ``y``, then per
    day ``c_d`` followed by the day's ``ε``. Without noise a prosumer's daily PV energy
    is exactly ``f · Ē``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> members = community_members(1, 1)
    >>> load = generate_household_loads(members, 2, rng)
    >>> pv = generate_pv_from_load(load, members, rng)
    >>> (pv.sum() / 2).round(2).to_dict()
    {'C1': 0.0, 'P1': 7.46}
    """
    load = _energy_frame(load_kwh, "load_kwh")
    is_prosumer = _validate.align(load_kwh.columns.to_series(), "load_kwh",
                                  _is_prosumer(is_prosumer), "is_prosumer")
    rng = _validate.rng(rng)
    timestep_h, steps = _timestep(timestep_h)
    _check_time_index(load_kwh.index, "load_kwh", timestep_h)
    if load.shape[0] % steps:
        raise ValueError(
            f"load_kwh: {load.shape[0]} steps are not a whole number of days of {steps} steps"
        )
    settings = {
        "sizing_factor": _bounds(sizing_factor, "sizing_factor", "-"),
        "yield_kwh_per_kwp_day": _bounds(yield_kwh_per_kwp_day, "yield_kwh_per_kwp_day",
                                         "kWh/kWp/day", positive=True),
        "cloud_sd": _validate.nonnegative(cloud_sd, "cloud_sd", unit="-"),
        "step_sd": _validate.nonnegative(step_sd, "step_sd", unit="-"),
    }

    energy_kwh = _draw_pv(np.ascontiguousarray(load.T), is_prosumer.to_numpy(),
                          load.shape[0] // steps, steps, timestep_h, rng, **settings)
    _validate.finite_result(energy_kwh, "the PV energies",
                            "load_kwh, sizing_factor, cloud_sd, step_sd")
    return _frame(energy_kwh, load_kwh.index, load_kwh.columns)


# ---------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------
def _draw_outages(ids: pd.Index, days: int, n_events: int, rng) -> pd.DataFrame:
    """Outage events (:func:`draw_inverter_outages`); ``ids`` non-empty when events."""
    if n_events == 0:
        return pd.DataFrame({"member": pd.Series([], dtype=object), "day": np.zeros(0, int)})
    drawn = _integers(rng, 0, np.tile([len(ids), days], n_events)).reshape(-1, 2)
    return pd.DataFrame({"member": ids.take(drawn[:, 0]), "day": drawn[:, 1].astype(int)})


def draw_inverter_outages(
    prosumers, days: int, n_events: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Whole-day inverter outages: for each event, a random prosumer and a random day.

    Parameters
    ----------
    prosumers : sequence of str or int
        Unique ids of the members with PV (a list, tuple, array or pandas Index;
        non-empty when ``n_events > 0``). A single string is refused rather than split
        into characters: pass ``["P1"]`` for one prosumer.
    days : int
        Horizon [days], ≥ 1; outage days are drawn in ``0 … days - 1``.
    n_events : int
        Number of outages (≥ 0); repeats of the same member and day are possible.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).

    Returns
    -------
    pandas.DataFrame
        One row per event, columns ``member`` (id) and ``day`` (0-based day index).

    Raises
    ------
    TypeError
        ``prosumers`` is a single string, not a sequence (None, a number, a Series,
        a set) or holds an id that is neither str nor int; a count is not an integer;
        ``rng`` is not a numpy random generator.
    ValueError
        Duplicated ids, no id while ``n_events > 0``, ``days`` < 1, ``n_events`` < 0,
        a fractional or non-finite count, or more events than the memory holds.

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
    ids = _member_ids(prosumers, "prosumers")
    days = _validate.integer(days, "days", minimum=1, maximum=_INT64_MAX)
    n_events = _validate.integer(n_events, "n_events", minimum=0)
    rng = _validate.rng(rng)
    if n_events and not len(ids):
        raise ValueError("prosumers: outages need at least one prosumer (n_events > 0)")
    _validate.fits_in_memory(_OUTAGE_BYTES * n_events, "n_events", f"{n_events} outage draws")
    return _draw_outages(ids, days, n_events, rng)


def _outage_cells(outages, columns: pd.Index, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Day indices and column positions of the outages, checked against the horizon."""
    if not (isinstance(outages, pd.DataFrame) and outages.empty
            and {"member", "day"} <= set(outages.columns)):
        _validate.table(outages, "outages", ("member", "day"))
    unknown = ~outages["member"].isin(columns).to_numpy()
    if unknown.any():
        raise ValueError(f"outages: members {sorted(map(str, set(outages['member'][unknown])))} "
                         "are not columns of pv_kwh")
    day = outages["day"]
    if day.dtype.kind not in "iuf":
        raise TypeError(f"outages: column 'day' expected integer day indices, got dtype "
                        f"{day.dtype}")
    values = day.to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values))
                         | (values < 0) | (values >= days))
    if bad.size:
        raise ValueError(f"outages: column 'day' expected integers in 0..{days - 1} (the days "
                         f"of pv_kwh), got {values[bad[0]]} at row {bad[0]}")
    return values.astype(np.int64), columns.get_indexer(outages["member"])


def _zero_outages(pv: np.ndarray, day: np.ndarray, member: np.ndarray, steps: int) -> None:
    """Set ``pv`` (n_steps, n_members) to 0 over each (day, member) outage, in place."""
    off = np.zeros((-(-pv.shape[0] // steps), pv.shape[1]), dtype=bool)
    off[day, member] = True
    pv[np.repeat(off, steps, axis=0)[: pv.shape[0]]] = 0.0


def apply_inverter_outages(
    pv_kwh: pd.DataFrame, outages: pd.DataFrame, *, timestep_h: float = 0.25
) -> pd.DataFrame:
    """Zero the PV of each outage's member over the outage's whole day.

    Parameters
    ----------
    pv_kwh : pandas.DataFrame, shape (n_steps, n_members)
        PV energy per step [kWh], finite and ≥ 0, unique labels, starting at midnight
        of day 0 (a DatetimeIndex must be regular, spaced ``timestep_h`` apart and start
        at 00:00; the last day may be partial).
    outages : pandas.DataFrame
        Columns ``member`` (a column label of ``pv_kwh``) and ``day`` (integer day index
        in ``0 … n_days - 1``), e.g. :func:`draw_inverter_outages`; may have no rows.
    timestep_h : float, default 0.25
        Step length [h]; divides 24 h into whole steps of at least one second.

    Returns
    -------
    pandas.DataFrame
        A copy of ``pv_kwh`` with the outage days set to 0 [kWh].

    Raises
    ------
    TypeError
        ``pv_kwh`` is not a DataFrame of numbers, ``outages`` not a DataFrame or its
        ``day`` column not numeric, ``timestep_h`` not a number.
    ValueError
        ``pv_kwh`` empty, NaN, infinite, negative, with duplicated labels or a time
        index that is irregular, not at midnight or spaced differently from
        ``timestep_h``; ``outages`` lacks a column, names an unknown member or a day
        outside the horizon; ``timestep_h`` out of its domain.

    Examples
    --------
    >>> pv = pd.DataFrame({"P1": [1.0, 2.0, 3.0, 4.0]})
    >>> apply_inverter_outages(pv, pd.DataFrame({"member": ["P1"], "day": [1]}),
    ...                        timestep_h=12.0)["P1"].tolist()
    [1.0, 2.0, 0.0, 0.0]
    """
    pv = _energy_frame(pv_kwh, "pv_kwh").copy()
    timestep_h, steps = _timestep(timestep_h)
    _check_time_index(pv_kwh.index, "pv_kwh", timestep_h)
    days = -(-pv.shape[0] // steps)
    _zero_outages(pv, *_outage_cells(outages, pv_kwh.columns, days), steps)
    return pd.DataFrame(pv, index=pv_kwh.index, columns=pv_kwh.columns)


def _window_bytes(n_steps: int, n_windows: int) -> int:
    """Peak memory of :func:`_draw_windows` [byte]: int64 starts and ends, int64 counts."""
    return 16 * n_windows + 33 * n_steps


def _draw_windows(n_steps: int, n_windows: int, slots: int, rng) -> np.ndarray:
    """``p2p_allowed`` per step (:func:`draw_p2p_maintenance`), in O(n_steps + n_windows)."""
    if not n_windows:
        return np.ones(n_steps, dtype=bool)
    starts = _integers(rng, 0, n_steps - slots, size=n_windows)
    opened = np.bincount(starts, minlength=n_steps + 1)
    closed = np.bincount(starts + slots, minlength=n_steps + 1)
    return np.cumsum(opened - closed)[:n_steps] == 0


def draw_p2p_maintenance(
    index: pd.Index, n_windows: int, rng: np.random.Generator, *, slots_per_window: int = 8
) -> pd.Series:
    """P2P-maintenance windows: runs of steps in which peer-to-peer trading is off.

    Parameters
    ----------
    index : pandas.Index
        Time index of the horizon (its length ``n_steps`` counts), non-empty with
        unique labels; a DatetimeIndex must be regular.
    n_windows : int
        Number of windows (≥ 0); windows may overlap.
    rng : numpy.random.Generator
        Source of the draws (a legacy ``RandomState`` is accepted).
    slots_per_window : int, default 8
        Length of a window [steps], ≥ 1 and < ``n_steps`` when ``n_windows > 0``
        (8 = 2 h at 15 minutes).

    Returns
    -------
    pandas.Series of bool
        ``p2p_allowed`` on ``index``: ``False`` inside a window.

    Raises
    ------
    TypeError
        ``index`` is not a pandas Index, a count not an integer, ``rng`` not a numpy
        random generator.
    ValueError
        ``index`` empty, with duplicated labels or an irregular time index; a count
        negative, fractional or not finite; windows longer than the horizon; more
        windows or steps than the free memory holds.

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
        raise TypeError(f"index: expected a pandas Index, got {_validate.describe(index)}")
    if len(index) == 0:
        raise ValueError("index: expected at least one time step, got an empty index")
    _validate.unique_labels(index, "index")
    _spacing_h(index, "index")
    n_windows = _validate.integer(n_windows, "n_windows", minimum=0)
    slots = _validate.integer(slots_per_window, "slots_per_window", minimum=1)
    rng = _validate.rng(rng)
    _windows_fit(n_windows, slots, len(index), "index")
    _validate.fits_in_memory(_window_bytes(len(index), n_windows), "index, n_windows",
                             f"{n_windows} windows over {len(index)} steps")
    return pd.Series(_draw_windows(len(index), n_windows, slots, rng), index=index,
                     name="p2p_allowed")


# ---------------------------------------------------------------------------
# a whole community
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Community:
    """A synthetic energy community, ready for :func:`lectoolkit.settle`.

    Built by :func:`build_community`, which checks every input; the class itself does
    not validate its fields.

    Attributes
    ----------
    load_kwh, pv_kwh : pandas.DataFrame, shape (n_steps, n_members)
        Load and PV energy per step [kWh].
    price_buy_per_kwh, price_sell_per_kwh : pandas.Series, shape (n_members,)
        Grid tariffs per member [money/kWh].
    p2p_allowed : pandas.Series of bool, shape (n_steps,)
        ``False`` in P2P-maintenance windows.
    timestep_h : float
        Step length [h].
    price_buy_ref_per_kwh, price_sell_ref_per_kwh : float
        Reference tariffs (:func:`lectoolkit.settlement.reference_prices`) [money/kWh].
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
    price_buy_consumer_per_kwh: tuple[float, float] = (6.0, 7.0),
    price_buy_prosumer_per_kwh: tuple[float, float] = (5.0, 6.0),
    price_sell_prosumer_per_kwh: tuple[float, float] = (3.0, 3.8),
) -> Community:
    """Draw a whole community: tariffs, loads, PV, inverter outages, P2P-off windows.

    Parameters
    ----------
    n_consumers, n_prosumers : int
        Households without and with PV (``n_consumers ≥ 0``, ``n_prosumers ≥ 1``: the
        sell reference price is a mean over prosumers).
    days : int
        Horizon [days], ≥ 1.
    rng : numpy.random.Generator
        Source of every draw (a legacy ``RandomState`` is accepted).
    timestep_h : float, default 0.25
        Step length [h]; divides 24 h into whole steps of at least one second.
    start : str or pandas.Timestamp, default "2025-01-01"
        First time stamp, at midnight.
    n_inverter_outages, n_maintenance_windows : int
        Event counts, ≥ 0 (seed 002: 2 and 3).
    slots_per_window : int
        Window length [steps], ≥ 1 and shorter than the horizon when there are windows
        (seed 002: 8).
    pv_sizing_factor : (float, float), default (0.4, 1.5)
        Bounds ``0 <= low <= high`` of the PV-to-load ratio drawn per prosumer [-]
        (:func:`generate_pv_from_load`).
    price_buy_consumer_per_kwh, price_buy_prosumer_per_kwh : (float, float)
        Bounds of the consumers' and prosumers' buy tariffs [money/kWh]
        (:func:`draw_tariffs`).
    price_sell_prosumer_per_kwh : (float, float)
        Bounds of the prosumers' sell tariffs [money/kWh] (:func:`draw_tariffs`); some
        prosumer must draw a positive sell tariff.

    Returns
    -------
    Community

    Raises
    ------
    TypeError
        A count, number, range, ``start`` or ``rng`` of the wrong kind.
    ValueError
        A count, number or range out of its domain (see the functions named above), no
        prosumer, windows longer than the horizon, no positive sell tariff drawn, or a
        community that does not fit in the free memory.
    lectoolkit._validate.ResultRangeError
        PV energies or reference tariffs overflow float64.

    Notes
    -----
    Draw order: :func:`draw_tariffs`, :func:`generate_household_loads`,
    :func:`generate_pv_from_load`, :func:`draw_inverter_outages`,
    :func:`draw_p2p_maintenance`, each with the other settings at seed 002's values.
    Every input is checked before the first draw.

    Examples
    --------
    >>> com = build_community(2, 3, 7, np.random.default_rng(5))
    >>> com.load_kwh.shape, int((~com.p2p_allowed).sum()) <= 24
    ((672, 5), True)
    >>> round(com.price_buy_ref_per_kwh, 3), round(com.price_sell_ref_per_kwh, 3)
    (5.918, 3.191)
    """
    members = community_members(n_consumers, n_prosumers)
    if not members.any():
        raise ValueError("n_prosumers: at least one prosumer is needed (sell reference price)")
    days = _validate.integer(days, "days", minimum=1)
    rng = _validate.rng(rng)
    timestep_h, steps = _timestep(timestep_h)
    n_outages = _validate.integer(n_inverter_outages, "n_inverter_outages", minimum=0)
    n_windows = _validate.integer(n_maintenance_windows, "n_maintenance_windows", minimum=0)
    slots = _validate.integer(slots_per_window, "slots_per_window", minimum=1)
    sizing = _bounds(pv_sizing_factor, "pv_sizing_factor", "-")
    tariff_bounds = _tariff_bounds(price_buy_consumer_per_kwh, price_buy_prosumer_per_kwh,
                                   price_sell_prosumer_per_kwh)
    index = _horizon(start, days, timestep_h, steps, members.size,
                     "days, timestep_h, n_consumers, n_prosumers")
    _windows_fit(n_windows, slots, len(index), "the horizon (days, timestep_h)")
    _validate.fits_in_memory(_OUTAGE_BYTES * n_outages + _window_bytes(len(index), n_windows),
                             "n_inverter_outages, n_maintenance_windows", "the event draws")

    pro = members.to_numpy()
    tariffs = _draw_tariffs(pro, rng, *tariff_bounds)
    load = _draw_loads(pro, days, steps, timestep_h, rng, **_SEED002_LOADS)
    pv = _draw_pv(load, pro, days, steps, timestep_h, rng, sizing_factor=sizing, **_SEED002_PV)
    _validate.finite_result(pv, "the PV energies", "pv_sizing_factor")
    outages = _draw_outages(members.index[members], days, n_outages, rng)
    pv_by_step = np.ascontiguousarray(pv.T)
    _zero_outages(pv_by_step, outages["day"].to_numpy(),
                  members.index.get_indexer(outages["member"]), steps)
    allowed = pd.Series(_draw_windows(len(index), n_windows, slots, rng), index=index,
                        name="p2p_allowed")

    buy = pd.Series(tariffs[:, 0], index=members.index, name="price_buy_per_kwh")
    sell = pd.Series(tariffs[:, 1], index=members.index, name="price_sell_per_kwh")
    if not (sell > 0).any():
        raise ValueError("price_sell_prosumer_per_kwh: every drawn sell tariff is 0; the sell "
                         "reference price needs a positive one [money/kWh]")
    with np.errstate(over="ignore"):
        _validate.finite_result(
            tariffs.sum(axis=0), "the sums of the drawn tariffs behind the reference prices",
            "price_buy_consumer_per_kwh, price_buy_prosumer_per_kwh, price_sell_prosumer_per_kwh")
    buy_ref, sell_ref = reference_prices(buy.to_numpy(), sell.to_numpy())
    return Community(
        load_kwh=_frame(load, index, members.index),
        pv_kwh=_frame(pv_by_step.T, index, members.index),
        price_buy_per_kwh=buy,
        price_sell_per_kwh=sell,
        p2p_allowed=allowed,
        timestep_h=timestep_h,
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
        Seed of the legacy generator, in ``0 … 2**32 - 1`` (the seed uses 42).

    Returns
    -------
    Community

    Raises
    ------
    TypeError
        ``seed`` is not an integer (a str, a bool, None).
    ValueError
        ``seed`` is negative, fractional, not finite or ≥ ``2**32``.

    Examples
    --------
    >>> com = seed_community_002()
    >>> com.load_kwh.shape, list(com.load_kwh.columns[[0, 3]])
    ((2880, 10), ['C1', 'P1'])
    >>> round(com.price_buy_ref_per_kwh, 6), round(com.price_sell_ref_per_kwh, 6)
    (5.87518, 3.246207)
    """
    seed = _validate.integer(seed, "seed", minimum=0, maximum=2**32 - 1)
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


def _months(months) -> pd.DatetimeIndex:
    """``months`` as an increasing DatetimeIndex of month starts, at least one."""
    if (months is None or isinstance(months, (str, bytes, dict, set, pd.DataFrame))
            or not np.iterable(months)):
        raise TypeError(f"months: expected a sequence of month starts (datetime-like), got "
                        f"{_validate.describe(months)}")
    values = list(months)
    if not values:
        raise ValueError("months: expected at least one month")
    for position, value in enumerate(values):
        if isinstance(value, (bool, np.bool_, numbers.Number)):
            raise TypeError(f"months: expected datetime-like month starts, got "
                            f"{_validate.describe(value)} at {position}")
    try:
        times = pd.DatetimeIndex(pd.to_datetime(values))
    except TypeError as err:
        raise TypeError(f"months: expected datetime-like month starts ({err})") from None
    except ValueError as err:
        raise ValueError(f"months: expected datetime-like month starts ({err})") from None
    bad = np.flatnonzero(times.isna() | (times.day != 1) | (times != times.normalize()))
    if bad.size:
        raise ValueError(f"months: expected month starts (day 1 at 00:00), got {times[bad[0]]} "
                         f"at {bad[0]}")
    later = np.flatnonzero(times[1:] <= times[:-1])
    if later.size:
        raise ValueError(f"months: expected increasing months, got {times[later[0] + 1]} after "
                         f"{times[later[0]]} at {later[0] + 1}")
    return times


def _monthly_price(price, times: pd.DatetimeIndex) -> np.ndarray:
    """One non-negative retail price per month [¢/kWh]; a Series is paired by month label."""
    name, unit = "price_cents_per_kwh", "¢/kWh"
    if np.ndim(price) == 0 and not isinstance(price, (pd.Series, pd.DataFrame)):
        return np.full(len(times), _validate.nonnegative(price, name, unit=unit))
    price = _validate.align(times.to_series(), "months", price, name)
    return _validate.vector(price, name, unit=unit, nonneg=True, size=len(times))[0]


def synthetic_prosumer_monthly(
    n_prosumers: int,
    months,
    rng: np.random.Generator,
    *,
    price_cents_per_kwh=11.66,
    pv_mean_kwh: float = 1200.0,
    pv_sd_kwh: float = 240.0,
    pv_bounds_kwh: tuple[float, float] = (0.0, 1200.0),
    load_mean_kwh: float = 1100.0,
    load_sd_kwh: float = 220.0,
    load_bounds_kwh: tuple[float, float] = (110.0, 2200.0),
) -> pd.DataFrame:
    """Synthetic monthly prosumer table of seed 001's kind (e.g. the lost N100 set).

    Each prosumer's monthly generation and demand are seasonal factors times normal
    draws, clipped: ``clip(season[month] · N(mean, sd), low, high)``; then
    ``import_kwh = max(load - pv, 0)`` and ``export_kwh = max(pv - load, 0)``.

    Parameters
    ----------
    n_prosumers : int
        Number of prosumers (members ``1 .. n``), ≥ 1.
    months : sequence of datetime-like
        Month starts (day 1 at 00:00), strictly increasing, at least one; one period
        each. A single string is refused (pass ``["2020-01-01"]``).
    rng : numpy.random.Generator
        Source of the normal draws (generation first, then demand, months × prosumers);
        a legacy ``RandomState`` is accepted.
    price_cents_per_kwh : float or sequence of float
        Retail price per month [¢/kWh], finite and ≥ 0: a scalar or one per month (a
        Series is paired with ``months`` by label).
    pv_mean_kwh, pv_sd_kwh : float
        Mean and standard deviation (each finite, ≥ 0) of the normal draw of monthly
        generation [kWh/month] (SPEC §6: mean 1200, sd 240).
    pv_bounds_kwh : (float, float)
        Clipping bounds ``0 <= low <= high`` of monthly generation [kWh/month]
        (SPEC §6: [0, 1200]).
    load_mean_kwh, load_sd_kwh, load_bounds_kwh
        The same for demand [kWh/month] (mean 1100, sd 220, in [110, 2200]).

    Returns
    -------
    pandas.DataFrame
        Columns ``member, step, load_kwh, pv_kwh, import_kwh, export_kwh,
        price_cents_per_kwh`` sorted by ``(step, member)``, as
        :func:`lectoolkit.io.read_prosumer_monthly` returns.

    Raises
    ------
    TypeError
        ``n_prosumers`` is not an integer, ``months`` not a sequence of dates (a str,
        None, numbers), ``rng`` not a numpy random generator, a price, mean, deviation
        or bound of the wrong kind (a str, a bool, None).
    ValueError
        ``n_prosumers`` < 1; no month, a month that is not a month start, repeated or
        decreasing months; a price, mean, deviation or bound NaN, infinite, negative or
        with ``low > high``; prices of the wrong length or labels; a table that does not
        fit in the free memory.

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
    >>> bool((frame["export_kwh"] >= 0).all())
    True
    """
    n = _validate.integer(n_prosumers, "n_prosumers", minimum=1)
    times = _months(months)
    rng = _validate.rng(rng)
    price = _monthly_price(price_cents_per_kwh, times)
    generation = (
        _validate.nonnegative(pv_mean_kwh, "pv_mean_kwh", unit="kWh"),
        _validate.nonnegative(pv_sd_kwh, "pv_sd_kwh", unit="kWh"),
        _bounds(pv_bounds_kwh, "pv_bounds_kwh", "kWh"),
    )
    demand = (
        _validate.nonnegative(load_mean_kwh, "load_mean_kwh", unit="kWh"),
        _validate.nonnegative(load_sd_kwh, "load_sd_kwh", unit="kWh"),
        _bounds(load_bounds_kwh, "load_bounds_kwh", "kWh"),
    )
    _validate.fits_in_memory(12 * 8 * n * len(times), "n_prosumers",
                             f"{n} prosumers x {len(times)} months")

    month = times.month.to_numpy() - 1
    shape = (len(times), n)
    # season ≤ 1 and clipping keep every value within the finite bounds (a draw beyond
    # float64 is clipped to its bound, as any draw beyond the bound is)
    generation_kwh, demand_kwh = (
        np.clip(season[month, None] * rng.normal(mean, sd, shape), *bounds)
        for season, (mean, sd, bounds) in ((GENERATION_SEASON, generation),
                                           (DEMAND_SEASON, demand))
    )
    balance = demand_kwh - generation_kwh
    return pd.DataFrame({
        "member": np.tile(np.arange(1, n + 1), len(times)),
        "step": np.repeat(times, n),
        "load_kwh": demand_kwh.ravel(),
        "pv_kwh": generation_kwh.ravel(),
        "import_kwh": np.maximum(balance, 0.0).ravel(),
        "export_kwh": np.maximum(-balance, 0.0).ravel(),
        "price_cents_per_kwh": np.repeat(price, n),
    })


def synthetic_net_load(n_members: int, n_steps: int = 2880, rng=None) -> np.ndarray:
    """Net loads of a synthetic community at 15 minutes, as one plain array.

    Evening-peaked household loads of lognormal size and noise; about half the members
    have PV of random size (2 to 8 kWp) on a clear-sky bell around noon, dimmed by a
    random cloud factor per step. A light, label-free generator for scaling studies of
    the settlement game (notebook 06, the benchmarks); :func:`build_community` draws
    labelled seed-002 communities.

    Parameters
    ----------
    n_members : int
        Members, ``>= 1``.
    n_steps : int, default 2880
        Steps of 15 minutes from midnight, ``>= 1`` (2880: 30 days).
    rng : numpy.random.Generator or int, optional
        Generator or non-negative seed (same seed, same loads); fresh entropy when
        omitted.

    Returns
    -------
    numpy.ndarray, shape (n_steps, n_members)
        ``load - pv`` per step and member [kWh] (> 0 import, < 0 export).

    Raises
    ------
    TypeError
        A count or the seed not an integer, ``rng`` neither a Generator nor a seed.
    ValueError
        A count below 1, a negative seed, or the array not fitting in free memory.

    Examples
    --------
    >>> net = synthetic_net_load(3, 96, rng=0)
    >>> net.shape, bool((net[40:56] < 0).any()), bool((net[:20] > 0).all())
    ((96, 3), True, True)
    """
    n_members = _validate.integer(n_members, "n_members", minimum=1)
    n_steps = _validate.integer(n_steps, "n_steps", minimum=1)
    gen = _validate.seeded_rng(rng)
    _validate.fits_in_memory(_COPIES * 8 * n_members * n_steps, "n_members, n_steps",
                             f"{n_members} members x {n_steps} steps")
    hour = (np.arange(n_steps) % 96) / 4.0
    shape = 0.15 + 0.1 * np.exp(-0.5 * ((hour - 19.0) / 2.5) ** 2)
    load = shape[:, None] * gen.lognormal(0.0, 0.3, n_members) * gen.lognormal(
        0.0, 0.25, (n_steps, n_members))
    sun = np.clip(np.sin(np.pi * (hour - 6.0) / 13.0), 0.0, None)[:, None]
    pv_kwp = np.where(gen.random(n_members) < 0.5, gen.uniform(2.0, 8.0, n_members), 0.0)
    return load - 0.25 * sun * pv_kwp * gen.uniform(0.6, 1.0, (n_steps, 1))

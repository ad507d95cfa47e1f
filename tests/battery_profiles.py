"""Bad-input battery entries for lectoolkit.profiles (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import INF, NAN, Bad, Spec, factory, integer_bads, number_bads, series_bads

from lectoolkit import profiles as pr

FLOAT_MAX = float(np.finfo(np.float64).max)
STEPS = 96  # 15-minute steps per day
MIDNIGHT = pd.Timestamp("2025-01-01")


def _rng():
    return np.random.default_rng(0)


def _members():
    return pr.community_members(1, 2)


def _times(n_steps=2 * STEPS):
    return pd.date_range(MIDNIGHT, periods=n_steps, freq="15min", name="time")


def _load():
    return pr.generate_household_loads(_members(), 2, np.random.default_rng(1))


def _pv():
    return pd.DataFrame({"P1": np.ones(2 * STEPS), "P2": np.ones(2 * STEPS)}, index=_times())


RNG, MEMBERS, LOAD, PV = factory(_rng), factory(_members), factory(_load), factory(_pv)

TARIFFS = {"price_buy_consumer_per_kwh": (6.0, 7.0), "price_buy_prosumer_per_kwh": (5.0, 6.0),
           "price_sell_prosumer_per_kwh": (3.0, 3.8)}

RNG_BADS = [Bad(42, TypeError, "int_seed"), Bad(None, TypeError, "none"),
            Bad("seed", TypeError, "str"), Bad(np.random, TypeError, "module")]


def timestep_bads(extra=()):
    """Bad step lengths: not numbers, not positive, not dividing a day, below a second."""
    return number_bads(negative=True, zero=True, extra=[
        Bad(0.7, ValueError, "does_not_divide_a_day"),
        Bad(48.0, ValueError, "longer_than_a_day"),
        Bad(1e-300, ValueError, "tiny_refused_before_allocating"),
        Bad(5e-324, ValueError, "subnormal"),
        Bad(1e300, ValueError, "huge"),
        Bad(np.array([0.25]), TypeError, "array"),
        *extra,
    ])


def range_bads(extra=()):
    """Bad (low, high) pairs of non-negative numbers."""
    return [
        Bad((7.0, 6.0), ValueError, "low_above_high"), Bad((NAN, 3.0), ValueError, "nan"),
        Bad((3.0, INF), ValueError, "inf"), Bad((-1.0, 2.0), ValueError, "negative"),
        Bad(5.0, TypeError, "scalar"), Bad("ab", TypeError, "str"), Bad(None, TypeError, "none"),
        Bad((1.0, 2.0, 3.0), ValueError, "three_values"), Bad((), ValueError, "empty"),
        Bad((True, 2.0), TypeError, "bool_item"), Bad(("1", 2.0), TypeError, "str_item"),
        Bad(np.array([[1.0, 2.0]]), ValueError, "2d"),
        Bad(((1.0, 2.0), 3.0), TypeError, "nested"),
        Bad({"low": 1.0, "high": 2.0}, TypeError, "dict"),
        *extra,
    ]


def members_bads(*, labelled_by=None):
    """Bad member-type Series (is_prosumer); ``labelled_by``: the frame they must match."""
    good = _members()
    with_na = good.astype("boolean")
    with_na.iloc[1] = pd.NA
    return [
        Bad([False, True, True], TypeError, "list"),
        Bad(good.to_numpy(), TypeError, "ndarray"),
        Bad(good.astype(int), TypeError, "int_series"),
        Bad(good.astype(float), TypeError, "float_series"),
        Bad(good.astype(object), TypeError, "object_series"),
        Bad(good.to_frame(), TypeError, "dataframe"),
        Bad(with_na, ValueError, "missing_value"),
        Bad(pd.Series([], dtype=bool), ValueError, "empty"),
        Bad("abc", TypeError, "str"), Bad(None, TypeError, "none"),
        *(series_bads(good) if labelled_by else [
            Bad(good.set_axis(["C1", "P1", "P1"]), ValueError, "duplicated_labels")]),
    ]


def start_bads():
    return [
        Bad(None, TypeError, "none"), Bad(5, TypeError, "int"), Bad(1.5, TypeError, "float"),
        Bad(True, TypeError, "bool"), Bad(["2025-01-01"], TypeError, "list"),
        Bad("nope", ValueError, "not_a_date"), Bad("NaT", ValueError, "nat_str"),
        Bad(pd.NaT, ValueError, "nat"),
        Bad("2025-01-01 06:00", ValueError, "not_midnight"),
        Bad(pd.Timestamp.max.floor("D"), ValueError, "horizon_beyond_the_last_time_stamp"),
    ]


def frame_bads(good: pd.DataFrame, *, whole_days: bool = True, extra=()):
    """Bad (time x member) energy frames whose valid value is ``good``."""

    def poke(value):
        out = good.copy()
        out.iloc[len(good) // 2, 0] = value
        return out

    def relabel(**labels):
        out = good.copy()
        for axis, new in labels.items():
            setattr(out, axis, new)
        return out

    shifted = relabel(index=good.index + pd.Timedelta(hours=6))
    gap = good.drop(good.index[5])
    nat = relabel(index=good.index.insert(3, pd.NaT)[:-1])
    bads = [
        Bad(poke(NAN), ValueError, "nan"), Bad(poke(INF), ValueError, "inf"),
        Bad(poke(-INF), ValueError, "-inf"), Bad(poke(-1.0), ValueError, "negative"),
        Bad(good.astype(str), TypeError, "str_dtype"), Bad(good > 0, TypeError, "bool_dtype"),
        Bad(good.astype(object), TypeError, "object_dtype"),
        Bad(good.to_numpy(), TypeError, "ndarray"), Bad(good.iloc[:, 0], TypeError, "series"),
        Bad("abc", TypeError, "str"), Bad(None, TypeError, "none"),
        Bad(good.iloc[:0], ValueError, "no_rows"), Bad(good.iloc[:, :0], ValueError, "no_columns"),
        Bad(relabel(columns=[good.columns[0]] * good.shape[1]), ValueError, "duplicated_columns"),
        Bad(relabel(index=[good.index[0]] * len(good)), ValueError, "duplicated_index"),
        Bad(shifted, ValueError, "index_not_at_midnight"),
        Bad(good.iloc[::-1], ValueError, "index_decreasing"),
        Bad(nat, ValueError, "index_with_nat"),
    ]
    if whole_days:
        bads += [Bad(good.iloc[:100], ValueError, "partial_day"),
                 Bad(gap, ValueError, "irregular_index")]
    return bads + list(extra)


def _outages(member=("P1",), day=(1,)):
    return pd.DataFrame({"member": list(member), "day": list(day)})


SPECS = [
    *(Spec(name, good={"timestep_h": 0.25}, positional=("timestep_h",),
           bad={"timestep_h": timestep_bads()})
      for name in ("daily_load_shape", "daily_pv_shape")),
    Spec(
        "community_members",
        good={"n_consumers": 2, "n_prosumers": 1},
        bad={
            "n_consumers": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_allocating")]),
            "n_prosumers": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_allocating")]),
        },
    ),
    Spec(
        "community_members", id="one_side_empty",
        good={"n_consumers": 0, "n_prosumers": 1},
        bad={"n_consumers": integer_bads(minimum=0),
             "n_prosumers": [Bad(0, ValueError, "no_member_at_all")]},
    ),
    Spec(
        "draw_tariffs",
        good={"is_prosumer": MEMBERS, "rng": RNG, **TARIFFS},
        bad={
            "is_prosumer": members_bads(),
            "rng": RNG_BADS,
            "price_buy_consumer_per_kwh": range_bads(),
            "price_buy_prosumer_per_kwh": range_bads(extra=[
                Bad((3.5, 6.0), ValueError, "below_the_sell_range")]),
            "price_sell_prosumer_per_kwh": range_bads(extra=[
                Bad((3.0, 5.5), ValueError, "above_the_buy_range")]),
        },
    ),
    Spec(
        "generate_household_loads",
        good={"is_prosumer": MEMBERS, "days": 2, "rng": RNG, "timestep_h": 0.25,
              "start": "2025-01-01", "consumer_kwh_per_day": (4.0, 7.0),
              "prosumer_kwh_per_day": (5.0, 9.0), "day_sd": 0.05, "step_sd": 0.05,
              "min_load_kw": 0.05},
        bad={
            "is_prosumer": members_bads(),
            "days": integer_bads(minimum=1, extra=[
                Bad(10**12, ValueError, "huge_refused_before_allocating")]),
            "rng": RNG_BADS,
            "timestep_h": timestep_bads(),
            "start": start_bads(),
            "consumer_kwh_per_day": range_bads(),
            "prosumer_kwh_per_day": range_bads(),
            "day_sd": number_bads(negative=True, extra=[
                Bad(FLOAT_MAX, ValueError, "loads_overflow")]),
            "step_sd": number_bads(negative=True, extra=[
                Bad(FLOAT_MAX, ValueError, "loads_overflow")]),
            "min_load_kw": number_bads(negative=True),
        },
    ),
    Spec(
        "generate_pv_from_load",
        good={"load_kwh": LOAD, "is_prosumer": MEMBERS, "rng": RNG, "timestep_h": 0.25,
              "sizing_factor": (0.4, 1.5), "yield_kwh_per_kwp_day": (4.5, 5.5),
              "cloud_sd": 0.15, "step_sd": 0.05},
        bad={
            "load_kwh": frame_bads(_load(), extra=[
                Bad(_load().set_axis(["P1", "P2", "P3"], axis=1), ValueError, "other_members"),
                Bad(_load().iloc[:, :2], ValueError, "one_member_missing"),
                Bad(_load().T, ValueError, "transposed"),
                Bad(_load() * 0 + 1e307, ValueError, "pv_overflows"),
            ]),
            "is_prosumer": members_bads(labelled_by="load_kwh") + [
                Bad(_members().iloc[:2], ValueError, "one_member_missing"),
                Bad(pd.concat([_members(), pd.Series({"P9": True})]), ValueError,
                    "one_member_too_many"),
            ],
            "rng": RNG_BADS,
            "timestep_h": timestep_bads(extra=[
                Bad(1.0, ValueError, "disagrees_with_the_15_min_index"),
                Bad(0.5, ValueError, "disagrees_with_the_15_min_index_whole_days")]),
            "sizing_factor": range_bads(extra=[
                Bad((1e308, FLOAT_MAX), ValueError, "pv_overflows")]),
            "yield_kwh_per_kwp_day": range_bads(extra=[
                Bad((0.0, 5.0), ValueError, "zero_yield")]),
            "cloud_sd": number_bads(negative=True, extra=[
                Bad(FLOAT_MAX, ValueError, "pv_overflows")]),
            "step_sd": number_bads(negative=True, extra=[
                Bad(FLOAT_MAX, ValueError, "pv_overflows")]),
        },
    ),
    Spec(
        "draw_inverter_outages",
        good={"prosumers": ["P1", "P2"], "days": 30, "n_events": 2, "rng": RNG},
        positional=("prosumers", "days", "n_events", "rng"),
        bad={
            "prosumers": [
                Bad("P1", TypeError, "single_string"), Bad("P12", TypeError, "single_string_2"),
                Bad(None, TypeError, "none"), Bad(5, TypeError, "int"),
                Bad(["P1", "P1"], ValueError, "duplicated"), Bad([], ValueError, "empty"),
                Bad([True, False], TypeError, "bools"), Bad([1.5], TypeError, "float_id"),
                Bad([None], TypeError, "none_id"), Bad([NAN], TypeError, "nan_id"),
                Bad(pd.Series(["P1", "P2"]), TypeError, "series"),
                Bad({"P1", "P2"}, TypeError, "set"),
                Bad(np.array([["P1", "P2"]]), TypeError, "2d"),
                Bad(_members(), TypeError, "is_prosumer_series"),
            ],
            "days": integer_bads(minimum=1, extra=[Bad(2**63, ValueError, "beyond_int64")]),
            "n_events": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_drawing")]),
            "rng": RNG_BADS,
        },
    ),
    Spec(
        "apply_inverter_outages",
        good={"pv_kwh": PV, "outages": factory(_outages), "timestep_h": 0.25},
        bad={
            "pv_kwh": frame_bads(_pv(), whole_days=False, extra=[
                Bad(_pv().iloc[:STEPS], ValueError, "outage_day_beyond_the_horizon"),
                Bad(_pv().drop(columns="P1"), ValueError, "outage_member_missing"),
                Bad(_pv().drop(_pv().index[5]), ValueError, "irregular_index")]),
            "outages": [
                Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
                Bad({"member": ["P1"], "day": [1]}, TypeError, "dict"),
                Bad(_outages().drop(columns="day"), ValueError, "no_day_column"),
                Bad(_outages().drop(columns="member"), ValueError, "no_member_column"),
                Bad(_outages(member=["P9"]), ValueError, "unknown_member"),
                Bad(_outages(member=[None]), ValueError, "missing_member"),
                Bad(_outages(day=[2]), ValueError, "day_beyond_the_horizon"),
                Bad(_outages(day=[-1]), ValueError, "negative_day"),
                Bad(_outages(day=[1.5]), ValueError, "fractional_day"),
                Bad(_outages(day=[NAN]), ValueError, "nan_day"),
                Bad(_outages(day=[INF]), ValueError, "inf_day"),
                Bad(_outages(day=["1"]), TypeError, "str_day"),
                Bad(_outages(day=[True]), TypeError, "bool_day"),
                Bad(pd.concat([_outages(), _outages()["day"]], axis=1), ValueError,
                    "duplicated_columns"),
            ],
            "timestep_h": timestep_bads(extra=[
                Bad(1.0, ValueError, "disagrees_with_the_15_min_index")]),
        },
    ),
    Spec(
        "draw_p2p_maintenance",
        good={"index": factory(_times), "n_windows": 2, "rng": RNG, "slots_per_window": 8},
        positional=("index", "n_windows", "rng"),
        bad={
            "index": [
                Bad(2 * STEPS, TypeError, "int"), Bad(None, TypeError, "none"),
                Bad(list(range(2 * STEPS)), TypeError, "list"),
                Bad(np.arange(2 * STEPS), TypeError, "ndarray"),
                Bad(_times().to_series(), TypeError, "series"),
                Bad(pd.RangeIndex(0), ValueError, "empty"),
                Bad(pd.RangeIndex(8), ValueError, "shorter_than_a_window"),
                Bad(pd.Index([0] * 20), ValueError, "duplicated"),
                Bad(_times().delete(5), ValueError, "irregular"),
                Bad(_times().insert(3, pd.NaT), ValueError, "nat"),
                Bad(_times()[::-1], ValueError, "decreasing"),
                Bad(pd.RangeIndex(10**15), ValueError, "huge_refused_before_allocating"),
            ],
            "n_windows": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_drawing")]),
            "rng": RNG_BADS,
            "slots_per_window": integer_bads(minimum=1, extra=[
                Bad(2 * STEPS, ValueError, "as_long_as_the_index"),
                Bad(10**18, ValueError, "huge")]),
        },
    ),
    Spec(
        "build_community",
        good={"n_consumers": 2, "n_prosumers": 2, "days": 2, "rng": RNG, "timestep_h": 0.25,
              "start": "2025-01-01", "n_inverter_outages": 2, "n_maintenance_windows": 3,
              "slots_per_window": 8, "pv_sizing_factor": (0.4, 1.5), **TARIFFS},
        bad={
            "n_consumers": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_allocating")]),
            "n_prosumers": integer_bads(minimum=1, extra=[
                Bad(10**15, ValueError, "huge_refused_before_allocating")]),
            "days": integer_bads(minimum=1, extra=[
                Bad(10**12, ValueError, "huge_refused_before_allocating")]),
            "rng": RNG_BADS,
            "timestep_h": timestep_bads(extra=[
                Bad(24.0, ValueError, "horizon_shorter_than_a_window")]),
            "start": start_bads(),
            "n_inverter_outages": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_drawing")]),
            "n_maintenance_windows": integer_bads(minimum=0, extra=[
                Bad(10**15, ValueError, "huge_refused_before_drawing")]),
            "slots_per_window": integer_bads(minimum=1, extra=[
                Bad(2 * STEPS, ValueError, "as_long_as_the_horizon"),
                Bad(10**18, ValueError, "huge")]),
            "pv_sizing_factor": range_bads(extra=[
                Bad((1e308, FLOAT_MAX), ValueError, "pv_overflows")]),
            "price_buy_consumer_per_kwh": range_bads(extra=[
                Bad((FLOAT_MAX, FLOAT_MAX), ValueError, "reference_price_overflows")]),
            "price_buy_prosumer_per_kwh": range_bads(extra=[
                Bad((3.5, 6.0), ValueError, "below_the_sell_range"),
                Bad((FLOAT_MAX, FLOAT_MAX), ValueError, "reference_price_overflows")]),
            "price_sell_prosumer_per_kwh": range_bads(extra=[
                Bad((3.0, 5.5), ValueError, "above_the_buy_range"),
                Bad((0.0, 0.0), ValueError, "no_positive_sell_tariff")]),
        },
    ),
    Spec(
        "seed_community_002",
        good={"seed": 42},
        positional=("seed",),
        bad={"seed": integer_bads(minimum=0, extra=[Bad(2**32, ValueError, "beyond_uint32")])},
    ),
    Spec(
        "synthetic_prosumer_monthly",
        good={"n_prosumers": 3, "months": ["2020-01-01", "2020-02-01"], "rng": RNG,
              "price_cents_per_kwh": 11.66, "pv_mean_kwh": 1200.0,
              "pv_sd_kwh": 240.0, "pv_bounds_kwh": (0.0, 1200.0),
              "load_mean_kwh": 1100.0, "load_sd_kwh": 220.0,
              "load_bounds_kwh": (110.0, 2200.0)},
        positional=("n_prosumers", "months", "rng"),
        bad={
            "n_prosumers": integer_bads(minimum=1, extra=[
                Bad(10**15, ValueError, "huge_refused_before_allocating")]),
            "months": [
                Bad("2020-01-01", TypeError, "single_string"), Bad(None, TypeError, "none"),
                Bad(5, TypeError, "int"), Bad([], ValueError, "empty"),
                Bad([1, 2], TypeError, "numbers"), Bad([True], TypeError, "bool"),
                Bad([NAN], TypeError, "nan"), Bad([None], ValueError, "missing"),
                Bad(["nope"], ValueError, "not_a_date"),
                Bad(["2020-01-15"], ValueError, "not_a_month_start"),
                Bad(["2020-01-01 06:00"], ValueError, "not_midnight"),
                Bad(["2020-02-01", "2020-01-01"], ValueError, "decreasing"),
                Bad(["2020-01-01", "2020-01-01"], ValueError, "repeated"),
                Bad(pd.DataFrame({"m": ["2020-01-01"]}), TypeError, "dataframe"),
            ],
            "rng": RNG_BADS,
            "price_cents_per_kwh": [
                Bad(NAN, ValueError, "nan"), Bad(INF, ValueError, "inf"),
                Bad(-INF, ValueError, "-inf"), Bad(-1.0, ValueError, "negative"),
                Bad("1.0", TypeError, "str"), Bad(True, TypeError, "bool"),
                Bad(None, TypeError, "none"),
                Bad([11.0], ValueError, "too_few"), Bad([11.0, 12.0, 13.0], ValueError, "too_many"),
                Bad([11.0, NAN], ValueError, "nan_item"), Bad([11.0, -1.0], ValueError,
                                                             "negative_item"),
                Bad([[11.0, 12.0]], ValueError, "2d"),
                Bad(np.array([True, False]), TypeError, "bool_dtype"),
                Bad(np.array(["11", "12"]), TypeError, "str_dtype"),
                Bad(pd.Series([11.0, 12.0]), ValueError, "series_not_labelled_by_month"),
                Bad(pd.Series([11.0, 12.0], index=pd.to_datetime(["2020-01-01"] * 2)),
                    ValueError, "duplicated_month_labels"),
            ],
            **{name: number_bads(negative=True)
               for name in ("pv_mean_kwh", "pv_sd_kwh", "load_mean_kwh",
                            "load_sd_kwh")},
            "pv_bounds_kwh": range_bads(),
            "load_bounds_kwh": range_bads(),
        },
    ),
]

SPECS.append(Spec(
    "synthetic_net_load",
    good={"n_members": 3, "n_steps": 96, "rng": 0},
    bad={
        "n_members": integer_bads(minimum=1, extra=[
            Bad(10**12, ValueError, "does_not_fit_in_memory")]),
        "n_steps": integer_bads(minimum=1),
        "rng": [Bad("seed", TypeError, "str"), Bad(True, TypeError, "bool"),
                Bad(-1, ValueError, "negative"), Bad(1.5, ValueError, "fraction"),
                Bad([1, 2], TypeError, "list")],
    },
))

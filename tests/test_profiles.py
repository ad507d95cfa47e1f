"""Tests of lectoolkit.profiles: shapes, units, ranges, determinism, events, seed 002."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit import profiles as pr

DATA = Path(__file__).resolve().parent / "data"
STEPS = 96  # 15-minute steps per day


@pytest.fixture(scope="module")
def seed002_reference() -> dict:
    """Outputs of seed 002's own code run unchanged (see tests/data/README.md)."""
    return json.loads((DATA / "seed002_reference.json").read_text())


@pytest.fixture(scope="module")
def seed002():
    return pr.seed_community_002(42)


def quiet_loads(members, days, rng, **kw):
    """Loads without noise: every day carries exactly the drawn daily energy."""
    return pr.generate_household_loads(members, days, rng, day_sd=0.0, step_sd=0.0, **kw)


# ---------------------------------------------------------------------------- shapes
def test_daily_load_shape_peaks_and_floor():
    shape = pr.daily_load_shape()
    hours = np.arange(STEPS) * 0.25
    assert shape.shape == (STEPS,)
    assert shape.min() >= 0.05
    assert hours[np.argmax(shape)] == 20.0  # evening peak
    morning = (hours > 5) & (hours < 12)
    assert hours[morning][np.argmax(shape[morning])] == 8.0  # morning bump
    # closed form at the evening peak: 0.2 + 0.7·exp(-0.5·(12/1.5)²) + 1.3
    np.testing.assert_allclose(shape[80], 0.2 + 0.7 * np.exp(-0.5 * 64.0) + 1.3, rtol=1e-12)


def test_daily_load_shape_hourly_samples_the_quarter_hourly_one():
    np.testing.assert_allclose(pr.daily_load_shape(1.0), pr.daily_load_shape(0.25)[::4],
                               rtol=1e-12)


def test_daily_pv_shape_zero_at_night_one_at_noon():
    shape = pr.daily_pv_shape()
    hours = np.arange(STEPS) * 0.25
    assert shape.shape == (STEPS,)
    assert np.all(shape[(hours <= 6) | (hours > 18)] < 1e-15)
    assert np.all(shape[(hours > 6) & (hours < 18)] > 0)
    assert shape[48] == 1.0
    # Riemann sum of sin over 6..18 h with 15-min steps; the integral is 24/π kWh/kWp
    np.testing.assert_allclose(shape.sum() * 0.25, 24 / np.pi, rtol=2e-3)


# ---------------------------------------------------------------------------- members, tariffs
def test_community_members_ids_and_types():
    members = pr.community_members(3, 7)
    assert list(members.index) == ["C1", "C2", "C3"] + [f"P{j}" for j in range(1, 8)]
    assert members.dtype == bool and members.sum() == 7 and not members.iloc[:3].any()


def test_draw_tariffs_ranges_and_zero_consumer_sell():
    members = pr.community_members(50, 50)
    tariffs = pr.draw_tariffs(members, np.random.default_rng(7))
    buy, sell = tariffs["price_buy_per_kwh"], tariffs["price_sell_per_kwh"]
    assert buy[~members].between(6.0, 7.0).all() and buy[members].between(5.0, 6.0).all()
    assert (sell[~members] == 0).all() and sell[members].between(3.0, 3.8).all()


def test_draw_tariffs_draw_order_is_member_by_member():
    # oracle: scalar draws in the seed's order (consumer: buy; prosumer: buy then sell)
    members = pr.community_members(2, 2)
    oracle = np.random.RandomState(0)
    expected = [[oracle.uniform(6, 7), 0.0], [oracle.uniform(6, 7), 0.0]]
    for _ in range(2):
        expected.append([oracle.uniform(5, 6), oracle.uniform(3, 3.8)])
    got = pr.draw_tariffs(members, np.random.RandomState(0)).to_numpy()
    np.testing.assert_array_equal(got, np.array(expected))


# ---------------------------------------------------------------------------- loads
def test_household_loads_shape_index_and_units():
    members = pr.community_members(2, 3)
    load = pr.generate_household_loads(members, 4, np.random.default_rng(0))
    assert load.shape == (4 * STEPS, 5)
    assert list(load.columns) == list(members.index)
    assert load.index[0] == pd.Timestamp("2025-01-01")
    assert (load.index[1] - load.index[0]) == pd.Timedelta(minutes=15)
    # kWh per step = kW x 0.25 h: the power floor 0.05 kW is 0.0125 kWh per step
    assert load.to_numpy().min() >= 0.05 * 0.25


def test_household_loads_daily_energy_ranges():
    members = pr.community_members(40, 40)
    load = quiet_loads(members, 3, np.random.default_rng(1))
    daily = load.to_numpy().reshape(3, STEPS, 80).sum(axis=1)
    np.testing.assert_allclose(daily, daily[:1].repeat(3, axis=0), rtol=1e-12)
    consumers, prosumers = daily[0, :40], daily[0, 40:]
    assert np.all((consumers >= 4.0) & (consumers <= 7.0))
    assert np.all((prosumers >= 5.0) & (prosumers <= 9.0))


def test_household_loads_noise_keeps_mean_near_target():
    members = pr.community_members(1, 0)
    kw = {"consumer_kwh_per_day": (5.0, 5.0)}
    load = pr.generate_household_loads(members, 60, np.random.default_rng(2), **kw)
    # 60 day factors with sd 5 % give a standard error of 0.65 % on the mean
    np.testing.assert_allclose(load.to_numpy().sum() / 60, 5.0, rtol=0.03)


def test_household_loads_energy_does_not_depend_on_the_step():
    # kWh per step = kW x timestep_h: without noise a day holds the drawn energy at any step
    members = pr.community_members(1, 0)
    hourly = quiet_loads(members, 1, np.random.default_rng(5), timestep_h=1.0)
    quarter = quiet_loads(members, 1, np.random.default_rng(5), timestep_h=0.25)
    np.testing.assert_allclose(hourly.to_numpy().sum(), quarter.to_numpy().sum(), rtol=1e-12)
    assert 4.0 <= quarter.to_numpy().sum() <= 7.0


def test_household_loads_hourly_step():
    members = pr.community_members(1, 1)
    load = quiet_loads(members, 2, np.random.default_rng(3), timestep_h=1.0)
    assert load.shape == (48, 2)
    assert str(load.index.freq) == "<Hour>"


def test_generators_are_deterministic_given_rng():
    members = pr.community_members(2, 2)
    a = pr.build_community(2, 2, 3, np.random.default_rng(11))
    b = pr.build_community(2, 2, 3, np.random.default_rng(11))
    c = pr.build_community(2, 2, 3, np.random.default_rng(12))
    pd.testing.assert_frame_equal(a.load_kwh, b.load_kwh)
    pd.testing.assert_frame_equal(a.pv_kwh, b.pv_kwh)
    pd.testing.assert_series_equal(a.p2p_allowed, b.p2p_allowed)
    assert not np.allclose(a.load_kwh, c.load_kwh)
    assert list(a.is_prosumer.index) == list(members.index)


# ---------------------------------------------------------------------------- PV
def test_pv_sized_from_load_without_noise():
    members = pr.community_members(5, 60)
    rng = np.random.default_rng(4)
    load = quiet_loads(members, 2, rng)
    pv = pr.generate_pv_from_load(load, members, rng, cloud_sd=0.0, step_sd=0.0)
    assert pv.shape == load.shape and pv.index.equals(load.index)
    assert (pv.loc[:, ~members] == 0).all().all()
    ratio = pv.sum() / load.sum()
    assert ratio[members].between(0.4, 1.5).all()
    assert ratio[members].max() > 1.1  # the seed's (0.4, 1.5), not its comment's (0.4, 1.1)


def test_pv_non_negative_and_dark_at_night():
    members = pr.community_members(1, 5)
    rng = np.random.default_rng(5)
    load = pr.generate_household_loads(members, 5, rng)
    pv = pr.generate_pv_from_load(load, members, rng, cloud_sd=0.6)  # some negative clouds
    values = pv.to_numpy()
    assert values.min() >= 0.0
    hours = pv.index.hour + pv.index.minute / 60
    assert np.all(values[(hours <= 6) | (hours > 18)] < 1e-15)


@settings(max_examples=25, deadline=None)
@given(n_consumers=st.integers(0, 3), n_prosumers=st.integers(1, 3), days=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_community_invariants(n_consumers, n_prosumers, days, seed):
    com = pr.build_community(n_consumers, n_prosumers, days, np.random.default_rng(seed))
    n = n_consumers + n_prosumers
    assert com.load_kwh.shape == com.pv_kwh.shape == (days * STEPS, n)
    assert com.load_kwh.to_numpy().min() >= 0.05 * 0.25
    assert com.pv_kwh.to_numpy().min() >= 0.0
    assert (com.pv_kwh.loc[:, ~com.is_prosumer] == 0).all().all()
    off = ~com.p2p_allowed.to_numpy()
    assert off.sum() <= 3 * 8 and not off[-1]
    assert com.price_sell_ref_per_kwh == pytest.approx(
        com.price_sell_per_kwh[com.is_prosumer].mean(), rel=1e-12)


# ---------------------------------------------------------------------------- events
def test_inverter_outages_zero_exactly_their_days():
    members = pr.community_members(1, 4)
    rng = np.random.default_rng(6)
    load = pr.generate_household_loads(members, 10, rng)
    pv = pr.generate_pv_from_load(load, members, rng)
    outages = pr.draw_inverter_outages(members.index[members], 10, 3, rng)
    assert outages["member"].isin(members.index[members]).all()
    assert outages["day"].between(0, 9).all()
    out = pr.apply_inverter_outages(pv, outages)
    daily = out.to_numpy().reshape(10, STEPS, 5).sum(axis=1)
    off = np.zeros((10, 5), dtype=bool)
    off[outages["day"], pv.columns.get_indexer(outages["member"])] = True
    assert np.all(daily[off] == 0)
    before = pv.to_numpy().reshape(10, STEPS, 5).transpose(0, 2, 1)
    after = out.to_numpy().reshape(10, STEPS, 5).transpose(0, 2, 1)
    np.testing.assert_array_equal(after[~off], before[~off])
    assert pv.to_numpy().sum() > out.to_numpy().sum()  # input left unchanged


def test_no_outages_is_a_no_op():
    outages = pr.draw_inverter_outages(["P1"], 3, 0, np.random.default_rng(0))
    assert len(outages) == 0
    pv = pd.DataFrame({"P1": np.ones(3 * STEPS)})
    pd.testing.assert_frame_equal(pr.apply_inverter_outages(pv, outages), pv)


def test_one_maintenance_window_is_eight_contiguous_slots():
    index = pd.RangeIndex(5 * STEPS)
    for seed in range(20):
        allowed = pr.draw_p2p_maintenance(index, 1, np.random.default_rng(seed)).to_numpy()
        off = np.flatnonzero(~allowed)
        assert off.size == 8 and np.all(np.diff(off) == 1)


def test_maintenance_windows_runs_are_at_least_eight_slots():
    allowed = pr.draw_p2p_maintenance(pd.RangeIndex(200), 6, np.random.default_rng(8))
    edges = np.diff(np.r_[0, (~allowed.to_numpy()).astype(int), 0])
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    assert runs.size >= 1 and np.all(runs >= 8) and runs.sum() <= 48


# ---------------------------------------------------------------------------- seed 002
def test_seed_community_002_arrays_equal_the_seeds(seed002, seed002_reference):
    """Our generator reproduces the seed's own arrays to platform noise.

    The seed's draws are reproduced exactly; its float arithmetic differs across numpy SIMD
    code paths by ~1e-16 kWh (~1e-15 relative), so values are compared with rtol 1e-13 and
    atol 1e-15 kWh, never as bytes (see tests/data/README.md).
    """
    ref = seed002_reference
    arrays = np.load(DATA / "seed002_energy.npz")
    assert list(seed002.load_kwh.columns) == ref["members"]
    assert seed002.load_kwh.shape == arrays["load_kwh"].shape == (30 * STEPS, 10)
    assert seed002.timestep_h == ref["timestep_h"]
    close = {"rtol": 1e-13, "atol": 1e-15}
    np.testing.assert_allclose(seed002.load_kwh.to_numpy(), arrays["load_kwh"], **close)
    np.testing.assert_allclose(seed002.pv_kwh.to_numpy(), arrays["pv_kwh"], **close)
    np.testing.assert_allclose(seed002.load_kwh.sum(), list(ref["load_kwh_total"].values()),
                               rtol=1e-12)
    np.testing.assert_allclose(seed002.pv_kwh.sum(), list(ref["pv_kwh_total"].values()),
                               rtol=1e-12)
    for member in ref["members"]:
        np.testing.assert_allclose(seed002.load_kwh[member].iloc[:STEPS],
                                   ref["load_kwh_first_day"][member], **close)
        np.testing.assert_allclose(seed002.pv_kwh[member].iloc[:STEPS],
                                   ref["pv_kwh_first_day"][member], **close)


def test_seed_community_002_tariffs_events(seed002, seed002_reference):
    ref = seed002_reference
    assert seed002.price_buy_per_kwh.to_dict() == ref["price_buy_per_kwh"]
    assert seed002.price_sell_per_kwh.to_dict() == ref["price_sell_per_kwh"]
    assert seed002.price_buy_ref_per_kwh == ref["price_buy_ref_per_kwh"]
    assert seed002.price_sell_ref_per_kwh == ref["price_sell_ref_per_kwh"]
    assert np.flatnonzero(~seed002.p2p_allowed.to_numpy()).tolist() == ref["p2p_off_steps"]
    outage_days = {m: sorted(seed002.outages.loc[seed002.outages["member"] == m, "day"])
                   for m in ref["pv_zero_days"]}
    assert outage_days == ref["pv_zero_days"]


def test_seed_community_002_other_seed_differs(seed002):
    assert not np.allclose(pr.seed_community_002(7).load_kwh, seed002.load_kwh)


@pytest.mark.parametrize(
    ("mechanism", "variant"),
    [("conventional", None), ("mmr", "seed002"), ("bill_sharing", "seed002")],
)
def test_seed002_bills(seed002, seed002_reference, mechanism, variant):
    settle = pytest.importorskip("lectoolkit.settlement").settle
    com = seed002
    result = settle(com.load_kwh, com.pv_kwh, mechanism, variant=variant,
                    price_buy_per_kwh=com.price_buy_per_kwh,
                    price_sell_per_kwh=com.price_sell_per_kwh,
                    p2p_allowed=com.p2p_allowed, timestep_h=com.timestep_h)
    expected = pd.Series(seed002_reference["bills"][mechanism])
    np.testing.assert_allclose(result.bills[expected.index], expected, rtol=1e-9)
    column = {"conventional": "bill_conv_Rs", "mmr": "bill_mmr_Rs",
              "bill_sharing": "bill_bs_Rs"}[mechanism]
    daily = pytest.importorskip("lectoolkit.metrics").daily_bills({mechanism: result})[mechanism]
    np.testing.assert_allclose(daily, seed002_reference["daily"][column], rtol=1e-9)


def test_seed002_daily_energy_table(seed002, seed002_reference):
    daily = seed002_reference["daily"]
    load = seed002.load_kwh.to_numpy().reshape(30, STEPS, 10).sum(axis=1)
    pv = seed002.pv_kwh.to_numpy().reshape(30, STEPS, 10).sum(axis=1)
    np.testing.assert_allclose(load.sum(axis=1) / 10, daily["avg_load_kWh_per_house"],
                               rtol=1e-12)
    np.testing.assert_allclose(pv.sum(axis=1) / 7, daily["avg_pv_kWh_per_prosumer"],
                               rtol=1e-12)


# ---------------------------------------------------------------------------- bad input
RNG = np.random.default_rng(0)
MEMBERS = pr.community_members(1, 1)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: pr.daily_load_shape(0.0), ValueError, "timestep_h"),
        (lambda: pr.daily_load_shape(0.7), ValueError, "timestep_h"),
        (lambda: pr.daily_pv_shape(-0.25), ValueError, "timestep_h"),
        (lambda: pr.daily_pv_shape("15min"), TypeError, "timestep_h"),
        (lambda: pr.community_members(0, 0), ValueError, "n_consumers"),
        (lambda: pr.community_members(-1, 2), ValueError, "n_consumers"),
        (lambda: pr.community_members(1, 2.5), ValueError, "n_prosumers"),
        (lambda: pr.community_members(1, True), TypeError, "n_prosumers"),
        (lambda: pr.draw_tariffs(MEMBERS, 42), TypeError, "rng"),
        (lambda: pr.draw_tariffs([False, True], RNG), TypeError, "is_prosumer"),
        (lambda: pr.draw_tariffs(MEMBERS, RNG, price_buy_consumer_per_kwh=(7, 6)), ValueError,
         "price_buy_consumer_per_kwh"),
        (lambda: pr.draw_tariffs(MEMBERS, RNG, price_sell_prosumer_per_kwh=(np.nan, 3)), ValueError,
         "price_sell_prosumer_per_kwh"),
        (lambda: pr.draw_tariffs(MEMBERS, RNG, price_buy_prosumer_per_kwh=5.0), TypeError,
         "price_buy_prosumer_per_kwh"),
        (lambda: pr.generate_household_loads(MEMBERS, 0, RNG), ValueError, "days"),
        (lambda: pr.generate_household_loads(MEMBERS, -3, RNG), ValueError, "days"),
        (lambda: pr.generate_household_loads(MEMBERS, 1.5, RNG), ValueError, "days"),
        (lambda: pr.generate_household_loads(MEMBERS, 2, None), TypeError, "rng"),
        (lambda: pr.generate_household_loads(MEMBERS, 2, RNG, day_sd=-0.1), ValueError,
         "day_sd"),
        (lambda: pr.generate_household_loads(MEMBERS, 2, RNG, min_load_kw=np.inf), ValueError,
         "min_load_kw"),
        (lambda: pr.generate_household_loads(MEMBERS, 2, RNG, prosumer_kwh_per_day=(-1, 2)),
         ValueError, "prosumer_kwh_per_day"),
        (lambda: pr.generate_household_loads(MEMBERS, 1, RNG, timestep_h=5.0), ValueError,
         "timestep_h"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(9)
    load = pr.generate_household_loads(MEMBERS, 2, rng)
    return load, pr.generate_pv_from_load(load, MEMBERS, rng)


def test_pv_bad_input(small):
    load, _ = small
    bad = load.copy()
    bad.iloc[3, 0] = np.nan
    with pytest.raises(ValueError, match="load_kwh: expected finite values"):
        pr.generate_pv_from_load(bad, MEMBERS, RNG)
    bad.iloc[3, 0] = -1.0
    with pytest.raises(ValueError, match="load_kwh: expected non-negative values"):
        pr.generate_pv_from_load(bad, MEMBERS, RNG)
    with pytest.raises(TypeError, match="load_kwh"):
        pr.generate_pv_from_load(load.to_numpy(), MEMBERS, RNG)
    with pytest.raises(ValueError, match="is_prosumer: labels differ"):
        pr.generate_pv_from_load(load, pr.community_members(2, 1), RNG)
    with pytest.raises(ValueError, match="load_kwh: 100 steps"):
        pr.generate_pv_from_load(load.iloc[:100], MEMBERS, RNG)
    with pytest.raises(ValueError, match="yield_kwh_per_kwp_day"):
        pr.generate_pv_from_load(load, MEMBERS, RNG, yield_kwh_per_kwp_day=(0.0, 5.0))
    with pytest.raises(ValueError, match="sizing_factor"):
        pr.generate_pv_from_load(load, MEMBERS, RNG, sizing_factor=(1.5, 0.4))
    with pytest.raises(ValueError, match="cloud_sd"):
        pr.generate_pv_from_load(load, MEMBERS, RNG, cloud_sd=-1.0)


def test_event_bad_input(small):
    _, pv = small
    with pytest.raises(ValueError, match="n_events"):
        pr.draw_inverter_outages(["P1"], 2, -1, RNG)
    with pytest.raises(ValueError, match="prosumers"):
        pr.draw_inverter_outages([], 2, 1, RNG)
    with pytest.raises(ValueError, match="days"):
        pr.draw_inverter_outages(["P1"], 0, 1, RNG)
    with pytest.raises(ValueError, match="outages: members"):
        pr.apply_inverter_outages(pv, pd.DataFrame({"member": ["P9"], "day": [0]}))
    with pytest.raises(ValueError, match="outages: column 'day'"):
        pr.apply_inverter_outages(pv, pd.DataFrame({"member": ["P1"], "day": [2]}))
    with pytest.raises(ValueError, match="outages: missing columns"):
        pr.apply_inverter_outages(pv, pd.DataFrame({"who": ["P1"]}))
    with pytest.raises(ValueError, match="pv_kwh: expected non-negative values"):
        pr.apply_inverter_outages(-pv, pd.DataFrame({"member": ["P1"], "day": [0]}))
    with pytest.raises(TypeError, match="index"):
        pr.draw_p2p_maintenance(96, 1, RNG)
    with pytest.raises(ValueError, match="index"):
        pr.draw_p2p_maintenance(pd.RangeIndex(8), 1, RNG)
    with pytest.raises(ValueError, match="n_windows"):
        pr.draw_p2p_maintenance(pd.RangeIndex(96), -2, RNG)
    with pytest.raises(ValueError, match="slots_per_window"):
        pr.draw_p2p_maintenance(pd.RangeIndex(96), 1, RNG, slots_per_window=0)


def test_community_bad_input():
    with pytest.raises(ValueError, match="n_prosumers"):
        pr.build_community(3, 0, 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        pr.build_community(3, 1, 2, 42)
    with pytest.raises(ValueError, match="seed"):
        pr.seed_community_002(-1)
    with pytest.raises(TypeError, match="seed"):
        pr.seed_community_002("42")


# --- synthetic monthly prosumer data (seed-001 kind) -------------------------------------


def _n100_like(n=2000, seed=7):
    from lectoolkit.profiles import synthetic_prosumer_monthly

    months = pd.date_range("2019-10-01", periods=14, freq="MS")
    return synthetic_prosumer_monthly(n, months, np.random.default_rng(seed),
                                      price_cents_per_kwh=np.linspace(11, 12, 14))


def test_monthly_schema_and_identities(tmp_path):
    from lectoolkit.io import SEED_PROSUMER_NAMES, read_prosumer_monthly

    frame = _n100_like(n=50)
    path = tmp_path / "synthetic.csv"
    seed = frame.rename(columns={house: seed for seed, house in SEED_PROSUMER_NAMES.items()})
    seed["net_energy"] = -seed["net_energy"]  # the seed's sign: negative = export
    seed.to_csv(path, index=False)
    back = read_prosumer_monthly(path)  # passes every schema and identity check
    assert back.shape == (700, 7)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert frame["pv_kwh"].between(0, 1200).all()
    assert frame["load_kwh"].between(110, 2200).all()


def test_monthly_means_match_the_surviving_n100_months():
    from lectoolkit.io import read_prosumer_monthly
    from tests.conftest import DATA

    original = read_prosumer_monthly(DATA / "prosumer_N100_model_20210129_1414.partial_t0_t3.csv")
    synthetic = _n100_like()
    for column in ("load_kwh", "pv_kwh"):
        want = original.groupby("step")[column].mean()
        got = synthetic.groupby("step")[column].mean().reindex(want.index)
        np.testing.assert_allclose(got, want, rtol=0.15, err_msg=column)


def test_monthly_is_reproducible_and_rejects_bad_input():
    from lectoolkit.profiles import synthetic_prosumer_monthly

    pd.testing.assert_frame_equal(_n100_like(n=10), _n100_like(n=10))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="n_prosumers"):
        synthetic_prosumer_monthly(0, ["2020-01-01"], rng)
    with pytest.raises(ValueError, match="months"):
        synthetic_prosumer_monthly(3, [], rng)
    with pytest.raises(ValueError, match="price_cents_per_kwh"):
        synthetic_prosumer_monthly(3, ["2020-01-01"], rng, price_cents_per_kwh=np.nan)
    with pytest.raises(TypeError, match="rng"):
        synthetic_prosumer_monthly(3, ["2020-01-01"], 42)
    with pytest.raises(ValueError, match="load_bounds_kwh"):
        synthetic_prosumer_monthly(3, ["2020-01-01"], rng, load_bounds_kwh=(10, 5))


# --- reliability pass (issue 7): one regression test per defect of the audit -------------


def test_timestep_must_agree_with_the_spacing_of_the_time_index(small):
    # the audit's case: a 15-minute load frame with timestep_h=1.0 put PV at 01:45
    load, pv = small
    with pytest.raises(ValueError, match=r"^timestep_h: 1.0 h differs from the 0.25 h spacing"):
        pr.generate_pv_from_load(load, MEMBERS, np.random.default_rng(0), timestep_h=1.0)
    with pytest.raises(ValueError, match=r"^timestep_h: 0.5 h differs"):
        pr.apply_inverter_outages(pv, pd.DataFrame({"member": ["P1"], "day": [0]}),
                                  timestep_h=0.5)


def test_hourly_pv_follows_the_clock():
    # with an hourly index and timestep_h=1.0 the sun rises after 06:00 and sets by 18:00
    rng = np.random.default_rng(2)
    load = pr.generate_household_loads(MEMBERS, 2, rng, timestep_h=1.0)
    pv = pr.generate_pv_from_load(load, MEMBERS, rng, timestep_h=1.0, cloud_sd=0.0)["P1"]
    hour = pv.index.hour
    assert (pv[(hour <= 6) | (hour >= 18)] < 1e-15 * pv.max()).all()  # sin(π) ≈ 1.2e-16
    assert (pv[(hour > 6) & (hour < 18)] > 0).all()
    assert set(pv.index.hour[pv.to_numpy() == pv.max()]) <= {11, 12, 13}


@pytest.mark.parametrize(
    ("relabel", "match"),
    [
        (lambda i: i.delete(5).append(pd.DatetimeIndex(["2030-01-01"])), "regular increasing"),
        (lambda i: i[::-1], "regular increasing"),
        (lambda i: i.insert(3, pd.NaT)[:-1], "missing time stamp"),
        (lambda i: pd.DatetimeIndex([i[0]] * len(i)), "duplicated"),
        (lambda i: i + pd.Timedelta(hours=6), "expected midnight"),
    ],
    ids=["irregular", "decreasing", "nat", "duplicated", "not_midnight"],
)
def test_time_index_must_be_regular_unique_and_start_at_midnight(small, relabel, match):
    load, pv = small
    bad_load, bad_pv = load.set_axis(relabel(load.index)), pv.set_axis(relabel(pv.index))
    with pytest.raises(ValueError, match=f"^load_kwh: .*{match}"):
        pr.generate_pv_from_load(bad_load, MEMBERS, np.random.default_rng(0))
    with pytest.raises(ValueError, match=f"^pv_kwh: .*{match}"):
        pr.apply_inverter_outages(bad_pv, pd.DataFrame({"member": ["P1"], "day": [0]}))
    if match != "expected midnight":  # windows are positional: any start time is fine
        with pytest.raises(ValueError, match=f"^index: .*{match}"):
            pr.draw_p2p_maintenance(relabel(load.index), 1, np.random.default_rng(0))


def test_generated_horizon_starts_at_midnight():
    with pytest.raises(ValueError, match="^start: expected midnight"):
        pr.generate_household_loads(MEMBERS, 1, np.random.default_rng(0),
                                    start="2025-01-01 01:45")


@pytest.mark.parametrize("ids", ["P1", "P12", b"P1"])
def test_draw_inverter_outages_refuses_a_single_string(ids):
    # "P1" used to be split into the members "P" and "1"
    with pytest.raises(TypeError, match="^prosumers: .*single string"):
        pr.draw_inverter_outages(ids, 30, 2, np.random.default_rng(3))
    one = pr.draw_inverter_outages(["P12"], 30, 2, np.random.default_rng(3))
    assert one["member"].tolist() == ["P12", "P12"]


def test_draw_inverter_outages_refuses_repeated_or_boolean_ids():
    with pytest.raises(ValueError, match="^prosumers: duplicated"):
        pr.draw_inverter_outages(["P1", "P1", "P2"], 30, 2, RNG)
    with pytest.raises(TypeError, match="^prosumers: "):
        pr.draw_inverter_outages(pr.community_members(1, 2), 30, 2, RNG)  # is_prosumer itself


@pytest.mark.parametrize("name", ["pv_mean_kwh", "pv_sd_kwh",
                                  "load_mean_kwh", "load_sd_kwh"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_synthetic_monthly_refuses_non_finite_means_and_deviations(name, value):
    # NaN used to slip through np.clip into every generation value
    with pytest.raises(ValueError, match=f"^{name}: expected a finite number"):
        pr.synthetic_prosumer_monthly(3, ["2020-01-01"], RNG, **{name: value})


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: pr.daily_load_shape(True), "timestep_h"),
        (lambda: pr.generate_household_loads(MEMBERS, 1, RNG, timestep_h=True), "timestep_h"),
        (lambda: pr.community_members(True, 1), "n_consumers"),
        (lambda: pr.generate_household_loads(MEMBERS, True, RNG), "days"),
        (lambda: pr.draw_inverter_outages(["P1"], 30, True, RNG), "n_events"),
        (lambda: pr.draw_p2p_maintenance(pd.RangeIndex(96), 1, RNG, slots_per_window=True),
         "slots_per_window"),
        (lambda: pr.build_community(1, 1, 2, RNG, n_maintenance_windows=True),
         "n_maintenance_windows"),
        (lambda: pr.seed_community_002(True), "seed"),
        (lambda: pr.synthetic_prosumer_monthly(True, ["2020-01-01"], RNG), "n_prosumers"),
        (lambda: pr.draw_tariffs(MEMBERS, RNG, price_buy_consumer_per_kwh=(True, 7.0)),
         "price_buy_consumer_per_kwh"),
        (lambda: pr.draw_tariffs(MEMBERS.astype(int), RNG), "is_prosumer"),
    ],
)
def test_booleans_are_not_numbers(call, name):
    with pytest.raises(TypeError, match=f"^{name}: "):
        call()


def test_is_prosumer_is_paired_with_the_load_columns_by_label():
    members = pr.community_members(2, 3)
    load = quiet_loads(members, 2, np.random.default_rng(4))
    reordered = members.iloc[::-1]  # same members, another order
    pv = pr.generate_pv_from_load(load, members, np.random.default_rng(5))
    pv_reordered = pr.generate_pv_from_load(load, reordered, np.random.default_rng(5))
    pd.testing.assert_frame_equal(pv_reordered, pv)
    assert (pv[["C1", "C2"]] == 0).all().all() and (pv[["P1", "P2", "P3"]] > 0).any().all()
    with pytest.raises(ValueError, match="^is_prosumer: labels differ from those of load_kwh"):
        pr.generate_pv_from_load(load, pr.community_members(3, 2), RNG)
    with pytest.raises(ValueError, match="^is_prosumer: duplicated labels"):
        pr.generate_pv_from_load(load, members.set_axis(["C1"] * 5), RNG)
    with pytest.raises(ValueError, match="^load_kwh: duplicated column labels"):
        pr.generate_pv_from_load(load.set_axis(["C1"] * 5, axis=1), members, RNG)
    with pytest.raises(ValueError, match="^is_prosumer: duplicated"):
        pr.draw_tariffs(members.set_axis(["C1", "C2", "P1", "P1", "P3"]), RNG)


# --- reliability pass: ranges, overflow, underflow, sizes ---------------------------------


def test_prosumer_sell_range_must_stay_below_the_buy_range():
    with pytest.raises(ValueError,
                       match="^price_sell_prosumer_per_kwh: .*price_buy_prosumer_per_kwh"):
        pr.draw_tariffs(MEMBERS, RNG, price_sell_prosumer_per_kwh=(3.0, 5.5))
    with pytest.raises(ValueError, match="^price_sell_prosumer_per_kwh: every drawn sell tariff"):
        pr.build_community(1, 2, 2, RNG, price_sell_prosumer_per_kwh=(0.0, 0.0))


def test_pv_without_noise_is_f_times_the_mean_load_even_for_a_subnormal_yield():
    # closed form: each prosumer's daily PV energy is f · Ē whatever the yield y
    members = pr.community_members(0, 3)
    load = quiet_loads(members, 2, np.random.default_rng(6))
    mean_daily = load.sum() / 2
    for y in (5.0, 1e-300, 5e-324):
        pv = pr.generate_pv_from_load(load, members, RNG, sizing_factor=(0.8, 0.8),
                                      yield_kwh_per_kwp_day=(y, y), cloud_sd=0.0, step_sd=0.0)
        np.testing.assert_allclose(pv.sum() / 2, 0.8 * mean_daily, rtol=1e-12)


def test_tiny_loads_scale_the_pv_exactly(small):
    # loads × 2**-900 (about 1e-271) give PV × 2**-900: no underflow in the sizing
    load, _ = small
    scale = 2.0 ** -900
    pv = pr.generate_pv_from_load(load, MEMBERS, np.random.default_rng(1))
    tiny = pr.generate_pv_from_load(load * scale, MEMBERS, np.random.default_rng(1))
    np.testing.assert_allclose(tiny.to_numpy() / scale, pv.to_numpy(), rtol=1e-12)
    # subnormal loads (about 1e-310) still give finite PV of the right size
    subnormal = pr.generate_pv_from_load(load * 2.0 ** -1030, MEMBERS, np.random.default_rng(1))
    np.testing.assert_allclose(subnormal.sum() / 2.0 ** -1030, pv.sum(), rtol=1e-6)


def test_overflowing_pv_is_refused_not_returned_as_inf(small):
    load, _ = small
    with pytest.raises(ValueError, match="^load_kwh, sizing_factor, .*range of float64"):
        pr.generate_pv_from_load(load * 1e306, MEMBERS, np.random.default_rng(0),
                                 sizing_factor=(100.0, 100.0))


def test_maintenance_windows_equal_the_brute_force_cover():
    # oracle: draw the starts the same way and mark each window's slots one by one
    n_steps, n_windows, slots = 300, 7, 8
    starts = np.random.default_rng(4).integers(0, n_steps - slots, size=n_windows)
    expected = np.ones(n_steps, dtype=bool)
    for start in starts:
        expected[start:start + slots] = False
    allowed = pr.draw_p2p_maintenance(pd.RangeIndex(n_steps), n_windows,
                                      np.random.default_rng(4), slots_per_window=slots)
    np.testing.assert_array_equal(allowed.to_numpy(), expected)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: pr.community_members(10**15, 1), "n_consumers"),
        (lambda: pr.generate_household_loads(MEMBERS, 10**12, RNG), "days"),
        (lambda: pr.build_community(1, 1, 10**12, RNG), "days"),
        (lambda: pr.draw_inverter_outages(["P1"], 30, 10**15, RNG), "n_events"),
        (lambda: pr.draw_p2p_maintenance(pd.RangeIndex(96), 10**15, RNG), "index, n_windows"),
        (lambda: pr.draw_p2p_maintenance(pd.RangeIndex(10**15), 0, RNG), "index, n_windows"),
        (lambda: pr.synthetic_prosumer_monthly(10**15, ["2020-01-01"], RNG), "n_prosumers"),
        (lambda: pr.daily_load_shape(1e-300), "timestep_h"),
    ],
)
def test_huge_sizes_are_refused_before_any_work(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()


def test_monthly_prices_months_and_labels():
    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    prices = pd.Series([11.0, 12.0, 13.0], index=months)
    shuffled = pr.synthetic_prosumer_monthly(2, months, np.random.default_rng(0),
                                             price_cents_per_kwh=prices.iloc[[2, 0, 1]])
    assert shuffled.groupby("step")["price_cents_per_kwh"].first().tolist() == [11.0, 12.0,
                                                                               13.0]
    with pytest.raises(ValueError, match="^price_cents_per_kwh: labels differ"):
        pr.synthetic_prosumer_monthly(2, months, RNG,
                                      price_cents_per_kwh=prices.reset_index(drop=True))
    with pytest.raises(TypeError, match="^months: "):
        pr.synthetic_prosumer_monthly(2, "2020-01-01", RNG)
    with pytest.raises(ValueError, match="^months: expected increasing"):
        pr.synthetic_prosumer_monthly(2, months[::-1], RNG)
    with pytest.raises(ValueError, match="^months: expected month starts"):
        pr.synthetic_prosumer_monthly(2, ["2020-01-15"], RNG)


# --------------------------------------------------------------------------- synthetic_net_load


def test_synthetic_net_load_shape_seed_and_physics():
    net = pr.synthetic_net_load(40, 96 * 2, rng=3)
    assert net.shape == (192, 40) and net.dtype == np.float64
    np.testing.assert_array_equal(net, pr.synthetic_net_load(40, 192, rng=3))
    assert not np.array_equal(net, pr.synthetic_net_load(40, 192, rng=4))
    hour = (np.arange(192) % 96) / 4.0
    # no sun before 06:00 or after 19:00: everyone imports its load
    dark = (hour < 6.0) | (hour > 19.0)
    assert (net[dark] > 0).all()
    # PV members (about half of 40) export at noon; the others never export
    exporters = (net[hour == 12.0] < 0).any(axis=0)
    assert 8 <= exporters.sum() <= 32
    assert (net[:, ~exporters] > 0).all()

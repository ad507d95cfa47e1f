"""Tests of lectoolkit.settlement: oracles, published values, properties, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit.metrics import money_identity
from lectoolkit.pricing import dynamic_p2p_price, mid_market_rate, supply_demand_ratio
from lectoolkit.settlement import MECHANISMS, reference_prices, settle

ALL_CASES = [
    ("conventional", None),
    ("mmr", "zhou2018"),
    ("mmr", "seed002"),
    ("bill_sharing", "zhou2018"),
    ("bill_sharing", "seed002"),
    ("sdr", None),
    ("sdrc", None),
]


# --------------------------------------------------------------------------- helpers


def random_community(seed, n_steps, n_members, *, dt=0.25, p_off=0.2):
    """Seed-002-like data in kW with heterogeneous tariffs, zeros and P2P-off steps."""
    rng = np.random.default_rng(seed)
    load_kw = rng.uniform(0.05, 3.0, (n_steps, n_members))
    has_pv = rng.random(n_members) < 0.7
    pv_kw = rng.uniform(0.0, 4.0, (n_steps, n_members)) * has_pv
    pv_kw[rng.random((n_steps, n_members)) < 0.2] = 0.0  # night / outages
    buy = rng.uniform(5.0, 7.0, n_members)
    sell = np.where(has_pv, rng.uniform(3.0, 3.8, n_members), 0.0)
    if not has_pv.any():
        sell[0] = 3.4
    allowed = rng.random(n_steps) >= p_off
    return load_kw, pv_kw, buy, sell, allowed, dt


def ref_prices(buy, sell):
    return float(np.mean(buy)), float(np.mean(sell[sell > 0]))


def kwargs_for(mechanism, buy, sell, lam=0.5):
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    if mechanism == "sdrc":
        kw["compensation_per_kwh"] = lam
    return kw


# ------------------------------------------------- oracle: the seed-002 algorithms, as loops
# Written from the seed's description (SPEC §2), in the seed's units: L, PV in kW, shape
# (n_steps, n_members) here, energy = power * dt.


def oracle_conventional(L, PV, dt, buy, sell):
    n_steps, n = L.shape
    cost = np.zeros((n_steps, n))
    for h in range(n_steps):
        for i in range(n):
            own = min(L[h, i], PV[h, i])
            cost[h, i] = (L[h, i] - own) * dt * buy[i] - (PV[h, i] - own) * dt * sell[i]
    return cost


def oracle_cp2p(L_tot, PV_tot, buy_ref, sell_ref):
    out = np.zeros(len(L_tot))
    mid = 0.5 * (buy_ref + sell_ref)
    half = 0.5 * (buy_ref - sell_ref)
    for h in range(len(L_tot)):
        total = L_tot[h] + PV_tot[h]
        out[h] = mid if total < 1e-9 else mid + half * ((L_tot[h] - PV_tot[h]) / total)
    return out


def oracle_seed_mmr(L, PV, dt, buy_ref, sell_ref, allowed):
    n_steps, n = L.shape
    L_tot = L.sum(axis=1)
    PV_tot = PV.sum(axis=1)
    cp2p = oracle_cp2p(L_tot, PV_tot, buy_ref, sell_ref)
    cost = np.zeros((n_steps, n))
    for h in range(n_steps):
        if not allowed[h]:
            c_im, c_ex = buy_ref, sell_ref
        elif abs(PV_tot[h] - L_tot[h]) <= 1e-6:
            c_im = c_ex = cp2p[h]
        elif PV_tot[h] > L_tot[h]:
            c_im = cp2p[h]
            c_ex = (L_tot[h] * cp2p[h] + (PV_tot[h] - L_tot[h]) * sell_ref) / PV_tot[h]
        else:
            c_ex = cp2p[h]
            c_im = (PV_tot[h] * cp2p[h] + (L_tot[h] - PV_tot[h]) * buy_ref) / L_tot[h]
        for i in range(n):
            own = min(L[h, i], PV[h, i])
            cost[h, i] = (L[h, i] - own) * dt * c_im - (PV[h, i] - own) * dt * c_ex
    return cost


def oracle_seed_bill_sharing(L, PV, dt, buy, sell, buy_ref, sell_ref, allowed):
    n_steps, n = L.shape
    cp2p = oracle_cp2p(L.sum(axis=1), PV.sum(axis=1), buy_ref, sell_ref)
    cost = np.zeros((n_steps, n))
    for h in range(n_steps):
        imp = [L[h, i] - min(L[h, i], PV[h, i]) for i in range(n)]
        exp = [PV[h, i] - min(L[h, i], PV[h, i]) for i in range(n)]
        imp_tot, exp_tot = sum(imp), sum(exp)
        traded = min(imp_tot, exp_tot) if allowed[h] else 0.0
        f_imp = traded / imp_tot if imp_tot > 0 else 0.0
        f_exp = traded / exp_tot if exp_tot > 0 else 0.0
        for i in range(n):
            e_imp_p2p = imp[i] * f_imp * dt
            e_exp_p2p = exp[i] * f_exp * dt
            cost[h, i] = (e_imp_p2p * cp2p[h] - e_exp_p2p * cp2p[h]
                          + (imp[i] * dt - e_imp_p2p) * buy[i]
                          - (exp[i] * dt - e_exp_p2p) * sell[i])
    return cost


def assert_costs_equal(ours, oracle):
    scale = np.abs(oracle).max()
    np.testing.assert_allclose(ours, oracle, rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed002_variants_match_loop_oracle(seed):
    L, PV, buy, sell, allowed, dt = random_community(seed, 60, 7)
    buy_ref, sell_ref = ref_prices(buy, sell)
    load, pv = L * dt, PV * dt
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell, p2p_allowed=allowed,
              timestep_h=dt)
    conv = settle(load, pv, "conventional", **kw)
    assert_costs_equal(conv.cost, oracle_conventional(L, PV, dt, buy, sell))
    mmr = settle(load, pv, "mmr", variant="seed002", **kw)
    assert_costs_equal(mmr.cost, oracle_seed_mmr(L, PV, dt, buy_ref, sell_ref, allowed))
    bs = settle(load, pv, "bill_sharing", variant="seed002", **kw)
    assert_costs_equal(bs.cost, oracle_seed_bill_sharing(L, PV, dt, buy, sell, buy_ref,
                                                         sell_ref, allowed))
    np.testing.assert_allclose(bs.bills, bs.cost.sum(axis=0), rtol=1e-12)


def test_seed002_thresholds_are_in_kw():
    # Community totals differ by 0.5e-6 kW: balanced for the seed (|PV - L| <= 1e-6 kW)
    # whatever the step length; in kWh the gap is 0.5e-6 * dt.
    dt = 0.25
    L = np.array([[1.0, 0.0], [0.0, 0.0]])
    PV = np.array([[0.0, 1.0 + 0.5e-6], [0.0, 0.0]])
    allowed = np.array([True, True])
    res = settle(L * dt, PV * dt, "mmr", variant="seed002", price_buy_per_kwh=6.0,
                 price_sell_per_kwh=3.0, timestep_h=dt)
    assert_costs_equal(res.cost, oracle_seed_mmr(L, PV, dt, 6.0, 3.0, allowed))
    assert res.price_import.iloc[0] == res.price_export.iloc[0]  # balanced: both at cp2p
    assert res.price_import.iloc[1] == 4.5  # empty step: mid price


def test_seed_community_002_reproduces_loop_oracle():
    profiles = pytest.importorskip("lectoolkit.profiles")
    com = profiles.seed_community_002()
    dt = com.timestep_h
    L, PV = com.load_kwh.to_numpy() / dt, com.pv_kwh.to_numpy() / dt
    buy, sell = com.price_buy_per_kwh.to_numpy(), com.price_sell_per_kwh.to_numpy()
    allowed = com.p2p_allowed.to_numpy()
    buy_ref, sell_ref = ref_prices(buy, sell)
    kw = dict(price_buy_per_kwh=com.price_buy_per_kwh, price_sell_per_kwh=com.price_sell_per_kwh,
              p2p_allowed=com.p2p_allowed, timestep_h=dt)
    mmr = settle(com.load_kwh, com.pv_kwh, "mmr", variant="seed002", **kw)
    assert isinstance(mmr.cost, pd.DataFrame)
    assert list(mmr.bills.index) == list(com.load_kwh.columns)
    oracle = oracle_seed_mmr(L, PV, dt, buy_ref, sell_ref, allowed)
    np.testing.assert_allclose(mmr.bills.to_numpy(), oracle.sum(axis=0), rtol=1e-12)
    bs = settle(com.load_kwh, com.pv_kwh, "bill_sharing", variant="seed002", **kw)
    oracle = oracle_seed_bill_sharing(L, PV, dt, buy, sell, buy_ref, sell_ref, allowed)
    np.testing.assert_allclose(bs.bills.to_numpy(), oracle.sum(axis=0), rtol=1e-12)


# --------------------------------------------------------------- published values, closed forms


def test_sdr_zhou2018_appendix_b():
    # Zhou, Wu, Long, Appl. Energy 222 (2018), App. B: buy 14.57, sell 5.03, SDR 0.75.
    p_buy, p_sell = supply_demand_ratio([4.0], [3.0], 14.57, 5.03)
    assert abs(p_sell[0] - 6.0145) <= 0.5e-4
    assert abs(p_buy[0] - 8.1534) <= 0.5e-4


def test_sdr_oversupply_and_no_demand():
    p_buy, p_sell = supply_demand_ratio([2.0, 0.0, 0.0], [3.0, 1.0, 0.0], 10.0, 4.0)
    assert p_buy.tolist() == [4.0, 4.0, 4.0]
    assert p_sell.tolist() == [4.0, 4.0, 4.0]


def test_sdrc_formulas():
    # INESC review eq. 22 with buy 10, sell 4, lambda 2 (closed forms by hand):
    # sdr 0.5: 10*6/((10-4-2)*0.5 + 6) = 7.5; sdr 1: 4 + 2 = 6; sdr 2: 4 + 2/2 = 5;
    # sdr 0: 10 (the buy tariff); no demand: 4 (the sell tariff).
    p, q = supply_demand_ratio([2.0, 2.0, 2.0, 2.0, 0.0], [1.0, 2.0, 4.0, 0.0, 1.0], 10.0, 4.0,
                               compensation_per_kwh=2.0)
    np.testing.assert_allclose(p, [7.5, 6.0, 5.0, 10.0, 4.0], rtol=1e-12)
    np.testing.assert_array_equal(p, q)
    # continuity at sdr = 1
    left, _ = supply_demand_ratio([1.0], [1.0 - 1e-9], 10.0, 4.0, compensation_per_kwh=2.0)
    assert abs(left[0] - 6.0) < 1e-7


def test_sdrc_settlement_by_hand():
    # member 0 imports 2, member 1 exports 1: sdr 0.5, p = 7.5; member 0 buys 1 kWh P2P
    # at 7.5 and 1 kWh from the grid at 10; member 1 sells 1 kWh at 7.5.
    load = np.array([[2.0, 0.0]])
    pv = np.array([[0.0, 1.0]])
    res = settle(load, pv, "sdrc", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0,
                 compensation_per_kwh=2.0)
    np.testing.assert_allclose(res.bills.to_numpy(), [17.5, -7.5], rtol=1e-12)
    np.testing.assert_allclose(res.p2p_import_kwh, [[1.0, 0.0]])
    np.testing.assert_allclose(res.grid_import_kwh, [[1.0, 0.0]])


def test_mmr_zhou_by_hand():
    # surplus: D = 2, G = 4, buy 10, sell 4, mid 7 -> import 7, export (2*7 + 2*4)/4 = 5.5
    # deficit: D = 4, G = 1 -> export 7, import (1*7 + 3*10)/4 = 9.25
    p_imp, p_exp = mid_market_rate([2.0, 4.0, 3.0, 0.0], [4.0, 1.0, 3.0, 0.0], 10.0, 4.0)
    np.testing.assert_allclose(p_imp, [7.0, 9.25, 7.0, 7.0], rtol=1e-12)
    np.testing.assert_allclose(p_exp, [5.5, 7.0, 7.0, 7.0], rtol=1e-12)


def test_dynamic_p2p_price_by_hand():
    # buy_ref 6, sell_ref 3: mid 4.5, spread 1.5; (L - PV)/(L + PV) = 0.5, -0.5, 1, -1
    cp2p = dynamic_p2p_price([3.0, 1.0, 2.0, 0.0, 0.0], [1.0, 3.0, 0.0, 2.0, 0.0], 6.0, 3.0)
    np.testing.assert_allclose(cp2p, [5.25, 3.75, 6.0, 3.0, 4.5], rtol=1e-12)
    # below the tolerance: mid price
    assert dynamic_p2p_price([1e-10], [0.0], 6.0, 3.0, tol_kwh=1e-9)[0] == 4.5


def test_bill_sharing_zhou_by_hand():
    # step 0: member 0 imports 3, member 1 exports 1 -> grid import 2 at 10
    # step 1: member 0 imports 1, member 1 exports 3 -> grid export 2 at 4
    # p_buy = 20 / 4 = 5, p_sell = 8 / 4 = 2; bills: 4*5 = 20 and -4*2 = -8
    load = np.array([[3.0, 0.0], [1.0, 0.0]])
    pv = np.array([[0.0, 1.0], [0.0, 3.0]])
    res = settle(load, pv, "bill_sharing", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    np.testing.assert_allclose(res.bills.to_numpy(), [20.0, -8.0], rtol=1e-12)
    np.testing.assert_allclose(res.price_import.to_numpy(), [5.0, 5.0], rtol=1e-12)
    np.testing.assert_allclose(res.price_export.to_numpy(), [2.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(res.grid_cost.to_numpy(), [20.0, -8.0], rtol=1e-12)


def test_seed_mmr_is_not_budget_balanced():
    # gross totals: L = 2, PV = 1 on one member with self-consumption -> members pay
    # differently from the net grid bill
    load = np.array([[2.0, 1.0]])
    pv = np.array([[1.0, 0.0]])
    res = settle(load, pv, "mmr", variant="seed002", price_buy_per_kwh=10.0,
                 price_sell_per_kwh=4.0, timestep_h=1.0)
    ident = money_identity({"seed": res})
    assert not ident.loc["seed", "budget_balanced"]


# ------------------------------------------------------------------------ property tests


community = st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 12), st.integers(1, 6))


def _settle_all(load, pv, buy, sell, allowed, lam=0.5):
    out = {}
    for mechanism, variant in ALL_CASES:
        out[(mechanism, variant)] = settle(
            load, pv, mechanism, variant=variant, p2p_allowed=allowed,
            **kwargs_for(mechanism, buy, sell, lam))
    return out


@settings(max_examples=30, deadline=None)
@given(community)
def test_energy_balance_per_step(args):
    L, PV, buy, sell, allowed, dt = random_community(*args)
    load, pv = L * dt, PV * dt
    for key, res in _settle_all(load, pv, buy, sell, allowed).items():
        own, p2p_in, grid_in = res.self_consumed_kwh, res.p2p_import_kwh, res.grid_import_kwh
        p2p_out, grid_out = res.p2p_export_kwh, res.grid_export_kwh
        for flow in (own, p2p_in, grid_in, p2p_out, grid_out):
            assert (flow >= -1e-15).all(), key
        np.testing.assert_allclose(own + p2p_in + grid_in, load, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(own + p2p_out + grid_out, pv, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grid_in.sum(axis=1) - grid_out.sum(axis=1),
                                   load.sum(axis=1) - pv.sum(axis=1), atol=1e-12)
        np.testing.assert_allclose(p2p_in.sum(axis=1), p2p_out.sum(axis=1), atol=1e-12)
        if key[0] == "conventional":
            assert (p2p_in == 0).all() and (p2p_out == 0).all()
        assert (p2p_in[~allowed] == 0).all()


@settings(max_examples=30, deadline=None)
@given(community)
def test_p2p_prices_between_tariffs(args):
    L, PV, buy, sell, allowed, dt = random_community(*args)
    buy_ref, sell_ref = ref_prices(buy, sell)
    res = _settle_all(L * dt, PV * dt, buy, sell, allowed)
    tol = 1e-12
    for key in [("mmr", "zhou2018"), ("mmr", "seed002"), ("sdr", None)]:
        for price in (res[key].price_import, res[key].price_export):
            p = price.to_numpy()[allowed]
            assert (p >= sell_ref - tol).all() and (p <= buy_ref + tol).all(), key
    # the P2P prices of SDRC and the seed's bill sharing (cp2p)
    load_t, pv_t = (L * dt).sum(axis=1), (PV * dt).sum(axis=1)
    cp2p = dynamic_p2p_price(load_t, pv_t, buy_ref, sell_ref)
    assert (cp2p >= sell_ref - tol).all() and (cp2p <= buy_ref + tol).all()
    imp_t = np.maximum(L * dt - PV * dt, 0).sum(axis=1)
    exp_t = np.maximum(PV * dt - L * dt, 0).sum(axis=1)
    p, _ = supply_demand_ratio(imp_t, exp_t, buy_ref, sell_ref, compensation_per_kwh=0.5)
    assert (p >= sell_ref - tol).all() and (p <= buy_ref + tol).all()
    # Zhou's bill sharing: uniform prices, never above the reference tariffs
    bs = res[("bill_sharing", "zhou2018")]
    assert (bs.price_import.to_numpy()[allowed] <= buy_ref + tol).all()
    assert (bs.price_export.to_numpy()[allowed] <= sell_ref + tol).all()
    assert (bs.price_export.to_numpy() >= 0).all()


@settings(max_examples=25, deadline=None)
@given(community)
def test_p2p_off_everywhere_is_conventional(args):
    L, PV, buy, sell, _, dt = random_community(*args)
    off = np.zeros(L.shape[0], dtype=bool)
    res = _settle_all(L * dt, PV * dt, buy, sell, off)
    conv = res[("conventional", None)].cost
    for key, r in res.items():
        if key == ("mmr", "seed002"):
            continue  # the seed MMR uses the reference tariffs when P2P is off
        np.testing.assert_allclose(r.cost, conv, rtol=1e-12, atol=1e-12, err_msg=str(key))
    # ... so with uniform tariffs it is conventional too
    n = L.shape[1]
    uni = _settle_all(L * dt, PV * dt, np.full(n, 6.0), np.full(n, 3.0), off)
    np.testing.assert_allclose(uni[("mmr", "seed002")].cost, uni[("conventional", None)].cost,
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(community)
def test_money_identities(args):
    L, PV, buy, sell, allowed, dt = random_community(*args)
    res = _settle_all(L * dt, PV * dt, buy, sell, allowed)
    ident = money_identity({f"{m}/{v}": r for (m, v), r in res.items()})
    balanced = ident.drop(index="mmr/seed002")
    assert balanced["budget_balanced"].all()
    scale = 1.0 + ident["members_pay"].abs().max()
    np.testing.assert_allclose(balanced["members_pay"], balanced["grid_receives"],
                               atol=1e-9 * scale)
    # step by step for the mechanisms settled at every step
    for key in [("conventional", None), ("mmr", "zhou2018"), ("sdr", None), ("sdrc", None),
                ("bill_sharing", "seed002")]:
        np.testing.assert_allclose(res[key].cost.sum(axis=1), res[key].grid_cost.to_numpy(),
                                   rtol=1e-9, atol=1e-12 * scale)


@settings(max_examples=25, deadline=None)
@given(community, st.randoms(use_true_random=False))
def test_permuting_members_permutes_bills(args, rnd):
    L, PV, buy, sell, allowed, dt = random_community(*args)
    perm = list(range(L.shape[1]))
    rnd.shuffle(perm)
    res = _settle_all(L * dt, PV * dt, buy, sell, allowed)
    res_p = _settle_all(L[:, perm] * dt, PV[:, perm] * dt, buy[perm], sell[perm], allowed)
    for key in res:
        scale = 1.0 + np.abs(res[key].bills.to_numpy()).max()
        np.testing.assert_allclose(res_p[key].bills.to_numpy(), res[key].bills.to_numpy()[perm],
                                   rtol=1e-10, atol=1e-12 * scale, err_msg=str(key))


# ------------------------------------------------------------------- pandas, chunks, tariffs


def _frames(seed=3, n_steps=20, n_members=4):
    L, PV, buy, sell, allowed, dt = random_community(seed, n_steps, n_members)
    index = pd.date_range("2025-01-01", periods=n_steps, freq="15min")
    members = [f"m{i}" for i in range(n_members)]
    return (pd.DataFrame(L * dt, index=index, columns=members),
            pd.DataFrame(PV * dt, index=index, columns=members),
            pd.Series(buy, index=members), pd.Series(sell, index=members),
            pd.Series(allowed, index=index))


def test_pandas_in_pandas_out():
    load, pv, buy, sell, allowed = _frames()
    res = settle(load, pv, "mmr", price_buy_per_kwh=buy, price_sell_per_kwh=sell,
                 p2p_allowed=allowed)
    assert isinstance(res.cost, pd.DataFrame)
    assert res.cost.index.equals(load.index) and res.cost.columns.equals(load.columns)
    assert res.bills.index.equals(load.columns)
    assert res.price_import.index.equals(load.index)
    assert isinstance(res.grid_import_kwh, pd.DataFrame)
    # Series tariffs are aligned by label, not by position
    shuffled = settle(load, pv, "mmr", price_buy_per_kwh=buy[::-1], price_sell_per_kwh=sell[::-1],
                      p2p_allowed=allowed)
    np.testing.assert_array_equal(shuffled.bills.to_numpy(), res.bills.to_numpy())
    arrays = settle(load.to_numpy(), pv.to_numpy(), "mmr", price_buy_per_kwh=buy.to_numpy(),
                    price_sell_per_kwh=sell.to_numpy(), p2p_allowed=allowed.to_numpy())
    np.testing.assert_allclose(arrays.cost, res.cost.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("mechanism,variant", ALL_CASES)
def test_chunking_does_not_change_results(mechanism, variant):
    L, PV, buy, sell, allowed, dt = random_community(5, 50, 5)
    kw = dict(variant=variant, p2p_allowed=allowed, **kwargs_for(mechanism, buy, sell))
    whole = settle(L * dt, PV * dt, mechanism, **kw)
    chunked = settle(L * dt, PV * dt, mechanism, chunk_steps=7, **kw)
    np.testing.assert_array_equal(chunked.cost, whole.cost)
    np.testing.assert_array_equal(chunked.grid_export_kwh, whole.grid_export_kwh)
    # Fortran-ordered and integer inputs are converted block by block
    f_load = np.asfortranarray(L * dt)
    np.testing.assert_array_equal(settle(f_load, PV * dt, mechanism, chunk_steps=7, **kw).cost,
                                  whole.cost)


@pytest.mark.parametrize("mechanism,variant", ALL_CASES)
def test_parallel_kernels_match_serial(mechanism, variant, monkeypatch):
    from lectoolkit import _limits

    L, PV, buy, sell, allowed, dt = random_community(9, 203, 31)
    kw = dict(variant=variant, p2p_allowed=allowed, chunk_steps=64,
              **kwargs_for(mechanism, buy, sell))
    serial = settle(L * dt, PV * dt, mechanism, **kw)
    monkeypatch.setattr(_limits, "PARALLEL_MIN_VALUES", 0)
    parallel = settle(L * dt, PV * dt, mechanism, **kw)
    np.testing.assert_array_equal(parallel.cost, serial.cost)
    np.testing.assert_allclose(parallel.bills, serial.bills, rtol=1e-12)
    np.testing.assert_array_equal(parallel.p2p_import_kwh, serial.p2p_import_kwh)


def test_tariffs_broadcast_like_numpy():
    # square (6 steps x 6 members): a 1-D array runs along the members (numpy's rule),
    # a column (n_steps, 1) along the steps, a full array per step and member
    L, PV, _, _, _, dt = random_community(7, 6, 6)
    load, pv = L * dt, PV * dt
    step_buy = np.linspace(5.0, 7.0, 6)
    imp = load - np.minimum(load, pv)
    exp = pv - np.minimum(load, pv)
    res = settle(load, pv, "conventional", price_buy_per_kwh=step_buy[:, None],
                 price_sell_per_kwh=3.0)
    np.testing.assert_allclose(res.cost, imp * step_buy[:, None] - exp * 3.0, rtol=1e-12)
    res_m = settle(load, pv, "conventional", price_buy_per_kwh=step_buy, price_sell_per_kwh=3.0)
    np.testing.assert_allclose(res_m.cost, imp * step_buy[None, :] - exp * 3.0, rtol=1e-12)
    full_buy = np.add.outer(step_buy, np.arange(6.0))
    full_sell = np.full((6, 1), 3.0)
    res_f = settle(load, pv, "conventional", price_buy_per_kwh=full_buy,
                   price_sell_per_kwh=full_sell)
    np.testing.assert_allclose(res_f.cost, imp * full_buy - exp * 3.0, rtol=1e-12)
    np.testing.assert_allclose(res_f.bills, (imp * full_buy - exp * 3.0).sum(axis=0),
                               rtol=1e-12)
    for bad in (np.ones(5), np.ones((5, 1)), np.ones((6, 5)), np.ones((1, 6, 1))):
        with pytest.raises(ValueError, match="^price_buy_per_kwh: "):
            settle(load, pv, "conventional", price_buy_per_kwh=bad, price_sell_per_kwh=3.0)


@pytest.mark.parametrize("mechanism,variant", ALL_CASES)
def test_full_tariffs_equal_the_broadcast_forms(mechanism, variant):
    """A tariff spelled out per step and member settles exactly like its compact form."""
    L, PV, buy, sell, allowed, dt = random_community(8, 30, 5)
    kw = dict(variant=variant, p2p_allowed=allowed, timestep_h=dt)
    if mechanism == "sdrc":
        kw["compensation_per_kwh"] = 0.5
    compact = settle(L * dt, PV * dt, mechanism, price_buy_per_kwh=buy, price_sell_per_kwh=sell,
                     **kw)
    full = settle(L * dt, PV * dt, mechanism, price_buy_per_kwh=np.tile(buy, (30, 1)),
                  price_sell_per_kwh=np.tile(sell, (30, 1)), **kw)
    np.testing.assert_allclose(full.cost, compact.cost, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(full.price_import, compact.price_import, rtol=1e-12)
    np.testing.assert_allclose(full.grid_cost, compact.grid_cost, rtol=1e-12, atol=1e-12)


def test_per_step_and_member_tariffs_by_hand():
    # 2 steps x 2 members; member 0 imports 2 then 1 kWh, member 1 exports 1 then 3 kWh
    load = np.array([[2.0, 0.0], [1.0, 0.0]])
    pv = np.array([[0.0, 1.0], [0.0, 3.0]])
    buy = np.array([[10.0, 12.0], [8.0, 6.0]])  # step 0: refs 11 and 4; step 1: 7 and 3
    sell = np.array([[0.0, 4.0], [0.0, 3.0]])
    conv = settle(load, pv, "conventional", price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    # member 0: 2 x 10 + 1 x 8; member 1: -1 x 4 - 3 x 3
    assert conv.bills.tolist() == [28.0, -13.0]
    # SDR: step 0 sdr = 1/2: p_sell = 11 x 4 / (7 x 0.5 + 4) = 44/7.5, p_buy = p_sell/2 + 5.5;
    # step 1 sdr = 3 >= 1: both prices at sell_ref 3
    sdr = settle(load, pv, "sdr", price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    p_sell0 = 11.0 * 4.0 / (7.0 * 0.5 + 4.0)
    np.testing.assert_allclose(sdr.price_export, [p_sell0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(sdr.bills, [2 * (p_sell0 / 2 + 5.5) + 3.0, -p_sell0 - 9.0],
                               rtol=1e-12)


def test_per_step_tariffs_in_community_mechanisms():
    # time-of-use tariffs: the SDR prices follow the step's tariffs
    load = np.array([[4.0, 0.0], [4.0, 0.0]])
    pv = np.array([[0.0, 3.0], [0.0, 3.0]])
    res = settle(load, pv, "sdr", price_buy_per_kwh=[[14.57], [10.0]],
                 price_sell_per_kwh=[[5.03], [4.0]])
    p_buy, p_sell = supply_demand_ratio([4.0, 4.0], [3.0, 3.0], [14.57, 10.0], [5.03, 4.0])
    np.testing.assert_allclose(res.price_import.to_numpy(), p_buy, rtol=1e-12)
    np.testing.assert_allclose(res.price_export.to_numpy(), p_sell, rtol=1e-12)


# ------------------------------------------------------------------------------ bad input


def _good():
    L, PV, buy, sell, allowed, dt = random_community(11, 5, 3)
    return L * dt, PV * dt, buy, sell, allowed


@pytest.mark.parametrize("mutate,error,match", [
    (lambda a: a["load"].__setitem__((1, 1), np.nan), ValueError,
     r"load_kwh: expected finite values \[kWh\], got nan at \(1, 1\)"),
    (lambda a: a["pv"].__setitem__((2, 0), np.inf), ValueError,
     r"pv_kwh: expected finite values \[kWh\], got inf at \(2, 0\)"),
    (lambda a: a["load"].__setitem__((0, 0), -1.0), ValueError,
     "load_kwh: expected non-negative values"),
    (lambda a: a["pv"].__setitem__((4, 2), -0.1), ValueError, "pv_kwh: expected non-negative"),
    (lambda a: a.__setitem__("pv", a["pv"][:, :2]), ValueError, "pv_kwh: shape"),
    (lambda a: a.__setitem__("load", a["load"][0]), ValueError, "load_kwh: expected a 2-D array"),
    (lambda a: a.__setitem__("buy", a["buy"][:2]), ValueError,
     r"price_buy_per_kwh: shape \(2,\) does not broadcast"),
    (lambda a: a.__setitem__("sell", np.ones((3, 5))), ValueError,
     r"price_sell_per_kwh: shape \(3, 5\) does not broadcast"),
    (lambda a: a["buy"].__setitem__(0, np.nan), ValueError,
     "price_buy_per_kwh: expected finite values"),
    (lambda a: a.__setitem__("allowed", a["allowed"][:4]), ValueError,
     "p2p_allowed: 4 values, expected one per step"),
    (lambda a: a.__setitem__("allowed", a["allowed"].astype(int)), TypeError,
     "p2p_allowed: expected booleans"),
    (lambda a: a.__setitem__("sell", a["buy"] + 1.0), ValueError,
     "price_sell_per_kwh: a sell tariff is above"),
])
def test_bad_input_rejected(mutate, error, match):
    load, pv, buy, sell, allowed = _good()
    args = {"load": load, "pv": pv, "buy": buy, "sell": sell, "allowed": allowed}
    mutate(args)
    with pytest.raises(error, match=match):
        settle(args["load"], args["pv"], "mmr", price_buy_per_kwh=args["buy"],
               price_sell_per_kwh=args["sell"], p2p_allowed=args["allowed"])


def test_bad_options_rejected():
    load, pv, buy, sell, _ = _good()
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    with pytest.raises(ValueError, match="mechanism: expected one of .*, got 'p2p'"):
        settle(load, pv, "p2p", **kw)
    with pytest.raises(ValueError, match="variant: expected one of .*, got 'seed001'"):
        settle(load, pv, "mmr", variant="seed001", **kw)
    with pytest.raises(ValueError, match="variant: 'sdr' has no variants"):
        settle(load, pv, "sdr", variant="seed002", **kw)
    for dt in (0.0, -0.25, np.nan):
        with pytest.raises(ValueError, match="timestep_h: expected a"):
            settle(load, pv, "conventional", timestep_h=dt, **kw)
    with pytest.raises(ValueError, match="compensation_per_kwh: required"):
        settle(load, pv, "sdrc", **kw)
    with pytest.raises(ValueError, match="compensation_per_kwh: expected 0 < lambda"):
        settle(load, pv, "sdrc", compensation_per_kwh=10.0, **kw)
    with pytest.raises(ValueError, match="compensation_per_kwh: only used"):
        settle(load, pv, "sdr", compensation_per_kwh=0.5, **kw)
    with pytest.raises(ValueError, match="chunk_steps: expected an integer >= 1"):
        settle(load, pv, "sdr", chunk_steps=0, **kw)
    with pytest.raises(ValueError, match="load_kwh: expected at least one step"):
        settle(load[:0], pv[:0], "sdr", **kw)
    # conventional billing does not assume sell <= buy
    settle(load, pv, "conventional", price_buy_per_kwh=1.0, price_sell_per_kwh=2.0)


def test_bad_pandas_input_rejected():
    load, pv, buy, sell, allowed = _frames()
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    with pytest.raises(ValueError, match="pv_kwh: labels differ from those of load_kwh's col"):
        settle(load, pv.rename(columns=str.upper), "mmr", **kw)
    with pytest.raises(ValueError, match="p2p_allowed: labels differ from those of load_kwh"):
        settle(load, pv, "mmr", p2p_allowed=allowed.reset_index(drop=True), **kw)
    with pytest.raises(ValueError, match="load_kwh: expected finite values"):
        settle(load.astype("Float64").mask(load > 0.5), pv, "mmr", **kw)
    with pytest.raises(TypeError, match="pv_kwh: expected numeric columns"):
        settle(load, pv.astype(str), "mmr", **kw)
    with pytest.raises(ValueError, match="price_buy_per_kwh: Series labels match neither"):
        settle(load, pv, "mmr", price_buy_per_kwh=buy.rename(str.upper),
               price_sell_per_kwh=sell)


def test_pricing_functions_reject_bad_input():
    with pytest.raises(ValueError, match="load_total_kwh: expected finite values"):
        dynamic_p2p_price([np.nan], [1.0], 6.0, 3.0)
    with pytest.raises(ValueError, match="pv_total_kwh: expected non-negative values"):
        dynamic_p2p_price([1.0], [-1.0], 6.0, 3.0)
    with pytest.raises(ValueError,
                       match="price_sell_ref_per_kwh: 6 is above price_buy_ref_per_kwh 3"):
        dynamic_p2p_price([1.0], [1.0], 3.0, 6.0)
    with pytest.raises(ValueError,
                       match="community_export_kwh: 1 steps differ from the 2 of community_imp"):
        mid_market_rate([1.0, 2.0], [1.0], 6.0, 3.0)
    with pytest.raises(ValueError, match="community_import_kwh: expected non-negative values"):
        supply_demand_ratio([-1.0], [1.0], 6.0, 3.0)
    with pytest.raises(ValueError, match="compensation_per_kwh: expected 0 < lambda < buy - s"):
        supply_demand_ratio([1.0], [1.0], 6.0, 3.0, compensation_per_kwh=0.0)


def test_mechanism_names_are_documented():
    assert set(MECHANISMS) == {m for m, _ in ALL_CASES}


def test_reference_prices_closed_form():
    assert reference_prices([6.0, 5.0, 4.0], [0.0, 3.0, 4.0]) == (5.0, 3.5)


@pytest.mark.parametrize(
    ("buy", "sell", "message"),
    [([6.0], [0.0], "price_sell_per_kwh"), ([np.nan], [1.0], "price_buy_per_kwh"),
     ([6.0, 5.0], [3.0], "price_sell_per_kwh")],
)
def test_reference_prices_rejects_bad_input(buy, sell, message):
    with pytest.raises(ValueError, match=message):
        reference_prices(buy, sell)


# ------------------------------------------------------- issue 7: regressions of the audit


def test_negative_sell_tariff_is_settled_by_conventional_and_refused_by_community():
    # member 0 imports 2 kWh at 10; member 1 exports 1 kWh at a sell tariff of -1, so it
    # pays 1: bills 20 and 1, and the grid receives both (21)
    load = np.array([[2.0, 0.0]])
    pv = np.array([[0.0, 1.0]])
    conv = settle(load, pv, "conventional", price_buy_per_kwh=10.0, price_sell_per_kwh=-1.0)
    np.testing.assert_array_equal(conv.bills.to_numpy(), [20.0, 1.0])
    np.testing.assert_array_equal(conv.grid_cost.to_numpy(), [21.0])
    row = money_identity({"conventional": conv}).loc["conventional"]
    assert row["grid_receives"] == 21.0 and row["budget_balanced"]
    for mechanism in ("mmr", "bill_sharing", "sdr"):
        with pytest.raises(ValueError, match="price_sell_per_kwh: .* non-negative sell tariffs"):
            settle(load, pv, mechanism, price_buy_per_kwh=10.0, price_sell_per_kwh=-1.0)
    with pytest.raises(ValueError, match="price_sell_per_kwh: .* non-negative sell tariffs"):
        settle(load, pv, "sdrc", price_buy_per_kwh=10.0, price_sell_per_kwh=[-1.0, 4.0],
               compensation_per_kwh=1.0)


def test_supply_demand_ratio_refuses_a_negative_sell_tariff():
    # used to pay importers and charge exporters 100/kWh
    with pytest.raises(ValueError, match="price_sell_per_kwh: .* non-negative sell tariffs"):
        supply_demand_ratio([10.0], [1.0], 10.0, -1.0)


def test_mid_market_rate_interpolates_negative_tariffs():
    # surplus D = 1, G = 2, buy 2, sell -2, mid 0: import 0, export (1*0 + 1*(-2))/2 = -1
    p_imp, p_exp = mid_market_rate([1.0], [2.0], 2.0, -2.0)
    assert (p_imp.tolist(), p_exp.tolist()) == ([0.0], [-1.0])


def test_reference_sell_above_reference_buy_is_refused():
    # every member has sell <= buy, yet mean(buy) = 6 < mean of positive sells = 9
    with pytest.raises(ValueError, match=r"price_sell_per_kwh: the reference sell tariff 9 "):
        reference_prices([2.0, 10.0], [0.0, 9.0])
    load = np.array([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    pv = np.array([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    kw = dict(price_buy_per_kwh=[2.0, 10.0], price_sell_per_kwh=[0.0, 9.0])
    for mechanism in ("mmr", "sdr", "bill_sharing"):
        with pytest.raises(ValueError, match="price_sell_per_kwh: the reference sell tariff"):
            settle(load, pv, mechanism, **kw)
    # SDRC used to blame compensation_per_kwh
    with pytest.raises(ValueError, match="price_sell_per_kwh: the reference sell tariff"):
        settle(load, pv, "sdrc", compensation_per_kwh=0.5, **kw)
    # conventional billing does not use the reference tariffs
    assert settle(load, pv, "conventional", **kw).bills.tolist() == [4.0, -9.0]


@pytest.mark.parametrize("as_frame", [True, False])
def test_square_problem_with_an_unlabelled_series_tariff_is_ambiguous(as_frame):
    load = np.array([[2.0, 0.0], [0.0, 1.0]])
    pv = np.array([[0.0, 1.0], [3.0, 0.0]])
    if as_frame:  # RangeIndex on both axes: the Series labels match both
        load = pd.DataFrame(load)
    buy = pd.Series([10.0, 20.0])
    with pytest.raises(ValueError, match="price_buy_per_kwh: .*both"):
        settle(load, pv, "conventional", price_buy_per_kwh=buy, price_sell_per_kwh=1.0)
    # with the axis spelled as a shape: per step, step 0 imports 2 at 10, step 1 imports 1
    # at 20 (member 1), exports 1 (step 0) and 3 (step 1) at 1
    res = settle(load, pv, "conventional", price_buy_per_kwh=buy.to_numpy()[:, None],
                 price_sell_per_kwh=1.0)
    np.testing.assert_array_equal(np.asarray(res.bills), [20.0 - 3.0, -1.0 + 20.0])
    res = settle(load, pv, "conventional", price_buy_per_kwh=buy.to_numpy(),
                 price_sell_per_kwh=1.0)
    np.testing.assert_array_equal(np.asarray(res.bills), [20.0 - 3.0, -1.0 + 20.0 * 1.0])


def test_tariff_series_and_frames_are_paired_by_label():
    # square (4 steps x 4 members) but labelled: a Series' labels say its axis
    load, pv, buy, sell, allowed = _frames(n_steps=4, n_members=4)
    ref = settle(load, pv, "mmr", price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    shuffled = settle(load, pv, "mmr", price_buy_per_kwh=buy[::-1], price_sell_per_kwh=sell)
    np.testing.assert_array_equal(shuffled.bills.to_numpy(), ref.bills.to_numpy())
    per_step = pd.Series([5.0, 6.0, 7.0, 8.0], index=load.index)
    by_step = settle(load, pv, "conventional", price_buy_per_kwh=per_step[::-1],
                     price_sell_per_kwh=sell)
    column = settle(load, pv, "conventional", price_buy_per_kwh=per_step.to_numpy()[:, None],
                    price_sell_per_kwh=sell.to_numpy())
    np.testing.assert_array_equal(by_step.cost.to_numpy(), column.cost.to_numpy())
    frame = pd.DataFrame(np.add.outer(per_step.to_numpy(), buy.to_numpy()), index=load.index,
                         columns=load.columns)
    full = settle(load, pv, "conventional", price_buy_per_kwh=frame.iloc[::-1, ::-1],
                  price_sell_per_kwh=sell)
    spelled = settle(load, pv, "conventional", price_buy_per_kwh=frame.to_numpy(),
                     price_sell_per_kwh=sell.to_numpy())
    np.testing.assert_array_equal(full.cost.to_numpy(), spelled.cost.to_numpy())
    with pytest.raises(ValueError, match="^price_buy_per_kwh: a DataFrame tariff needs"):
        settle(load, pv, "conventional", price_buy_per_kwh=frame.rename(columns=str.upper),
               price_sell_per_kwh=sell)


def test_pandas_energies_and_mask_are_paired_by_label():
    load, pv, buy, sell, allowed = _frames()
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    ref = settle(load, pv, "sdr", p2p_allowed=allowed, **kw)
    other = settle(load, pv.iloc[::-1, ::-1], "sdr", p2p_allowed=allowed.iloc[::-1], **kw)
    np.testing.assert_array_equal(other.cost.to_numpy(), ref.cost.to_numpy())
    assert other.cost.columns.equals(load.columns)


def test_overflowing_settlement_is_refused_not_nan():
    load = np.full((2, 2), 1e308)
    pv = np.zeros((2, 2))
    for mechanism in ("conventional", "mmr"):
        with pytest.raises(ValueError, match="^load_kwh, pv_kwh, price_buy_per_kwh, price_s"):
            settle(load, pv, mechanism, price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
    # one member at 1e308 kWh: the totals fit, its cost at 10/kWh does not
    with pytest.raises(ValueError, match="^load_kwh, .* leave the range of float64"):
        settle(np.array([[1e308]]), np.array([[0.0]]), "conventional",
               price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)


def test_pricing_rules_are_exact_for_huge_and_subnormal_totals():
    # (L - PV)/(L + PV) with L + PV beyond float64: 0.1/1.9 of the spread above mid 4.5
    cp2p = dynamic_p2p_price([1e308], [0.9e308], 6.0, 3.0)
    assert cp2p[0] == pytest.approx(4.5 + 1.5 * 0.1 / 1.9, rel=1e-14)
    tiny = 5e-324 * np.array([3.0, 1.0])  # subnormal: 3 and 1 units of the smallest value
    assert dynamic_p2p_price(tiny[:1], tiny[1:], 6.0, 3.0)[0] == 4.5 + 1.5 * 0.5
    # MMR surplus D = 1e308, G = 1.5e308: export (D mid + (G - D) sell)/G = 7*2/3 + 4/3
    p_imp, p_exp = mid_market_rate([1e308], [1.5e308], 10.0, 4.0)
    assert p_imp[0] == 7.0 and p_exp[0] == pytest.approx(6.0, rel=1e-14)
    p_imp, p_exp = mid_market_rate(tiny[1:], tiny[:1], 10.0, 4.0)
    assert p_exp[0] == pytest.approx((7.0 + 2 * 4.0) / 3, rel=1e-14)
    # SDR: sdr = 0.75 on huge totals gives Zhou's values
    p_buy, p_sell = supply_demand_ratio([1.2e308], [0.9e308], 14.57, 5.03)
    assert abs(p_sell[0] - 6.0145) <= 0.5e-4 and abs(p_buy[0] - 8.1534) <= 0.5e-4
    # a mid price beyond float64 is refused
    with pytest.raises(ValueError,
                       match="^price_buy_ref_per_kwh, price_sell_ref_per_kwh: prices leave"):
        dynamic_p2p_price([1.0], [1.0], 1.7e308, 1.6e308)


@pytest.mark.parametrize(("change", "error", "match"), [
    (dict(timestep_h=True), TypeError, "timestep_h: expected a real number"),
    (dict(load_kwh=np.ones((5, 3), dtype=bool)), TypeError, "load_kwh: .*booleans are not"),
    (dict(pv_kwh=np.full((5, 3), "1.0")), TypeError, "pv_kwh: expected numbers"),
    (dict(price_buy_per_kwh=True), TypeError, "price_buy_per_kwh: expected numbers"),
    (dict(p2p_allowed=np.array([1.0, 0.0, 1.0, 1.0, 0.0])), TypeError,
     "p2p_allowed: expected booleans"),
    (dict(p2p_allowed=np.array([True, np.nan, True, True, False], dtype=object)), TypeError,
     "p2p_allowed: expected booleans"),
    (dict(p2p_allowed=pd.Series([True, pd.NA, True, True, False], dtype="boolean")),
     ValueError, r"p2p_allowed: missing value \(NA\) at position 1"),
    (dict(chunk_steps=2.5), ValueError, "chunk_steps: expected a whole number"),
    (dict(mechanism=None), TypeError, "mechanism: expected one of"),
])
def test_wrong_kinds_are_refused_naming_the_argument(change, error, match):
    load, pv, buy, sell, allowed = _good()
    args = dict(load_kwh=load, pv_kwh=pv, mechanism="mmr", price_buy_per_kwh=buy,
                price_sell_per_kwh=sell, p2p_allowed=allowed)
    args.update(change)
    with pytest.raises(error, match=match):
        settle(**args)


def test_nullable_boolean_mask_without_missing_values_is_accepted():
    load, pv, buy, sell, allowed = _good()
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell)
    ref = settle(load, pv, "mmr", p2p_allowed=allowed, **kw)
    nullable = settle(load, pv, "mmr", p2p_allowed=pd.Series(allowed, dtype="boolean"), **kw)
    np.testing.assert_array_equal(nullable.cost, ref.cost)


def test_the_result_is_a_frozen_dataclass_with_lazy_pandas_views():
    import dataclasses

    load = pd.DataFrame({"a": [2.0, 0.0], "b": [0.0, 1.0]})
    pv = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, 0.0]})
    result = settle(load, pv, "mmr", price_buy_per_kwh=0.2, price_sell_per_kwh=0.05)
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mechanism = "sdr"
    assert result.bills is result.bills  # built once, then kept
    assert isinstance(result.cost, pd.DataFrame) and list(result.cost.columns) == ["a", "b"]

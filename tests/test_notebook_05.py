"""Notebook 05 (seed 004, LEM prices on offers): runs in quick mode; prices and bills check out.

In the 50-meter instance every meter has the same retail tariffs, so each side of a step offers
at one price: buys at ``PB = min(0.20, market buy)``, sells at ``PS = max(0.05, market sell)``.
The rules then have closed forms per step (SPEC §3), computed here from the data file.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.notebooks

STEM = "05_rec_pricing"
FIGURES = ["prices_over_day", "offer_curves", "member_bills", "operation_costs",
           "battery_schedules", "pool_flows", "dual_prices"]
VARIANTS = ["crossing_value", "mmr_complete", "mmr_pruned", "sdr_complete", "sdr_pruned",
            "sdrc_pruned"]


@pytest.fixture(scope="module")
def instance() -> dict:
    return json.loads((DATA / "rec_instances" / "rec_n50_s96.json").read_text())


@pytest.fixture(scope="module")
def day() -> dict:
    """Per-step closed-form inputs of rec_n50_s96: one price and one total per side."""
    instance = json.loads((DATA / "rec_instances" / "rec_n50_s96.json").read_text())
    meters = instance["meters"].values()
    net = np.array([np.subtract(m["e_c"], m["e_g"]) for m in meters])  # (meters, steps)
    assert all(set(m["l_buy"]) == {0.20} and set(m["l_sell"]) == {0.05} for m in meters)
    return {
        "buy_kwh": np.where(net > 0, net, 0).sum(axis=0),
        "sell_kwh": np.where(net < 0, -net, 0).sum(axis=0),
        "pb": np.minimum(0.20, instance["l_market_buy"]),
        "ps": np.maximum(0.05, instance["l_market_sell"]),
        "n_meters": len(instance["meters"]),
        "n_offers": int(np.count_nonzero(net)),
    }


def test_figures_written(study):
    _, figures = study
    assert set(FIGURES) <= figures


def test_sizes(study, day):
    metrics, _ = study
    assert metrics["n_meters"] == day["n_meters"] == 50
    assert metrics["n_steps"] == 96
    assert metrics["n_offers"] == day["n_offers"]
    both = (day["buy_kwh"] > 0) & (day["sell_kwh"] > 0)
    assert metrics["n_steps_both_sides"] == int(both.sum())


def test_prices_match_the_closed_forms(study, day):
    metrics, _ = study
    prices = {k: np.array(v) for k, v in metrics["prices"].items()}
    b, s, pb, ps = day["buy_kwh"], day["sell_kwh"], day["pb"], day["ps"]
    both, buys_only, sells_only = (b > 0) & (s > 0), (b > 0) & (s == 0), (b == 0) & (s > 0)
    # crossing value: one level per side, the side that runs out first sets the price
    crossing = np.where(both, np.where(b > s, pb, ps), np.where(buys_only, pb,
                                                                np.where(sells_only, ps, 0)))
    np.testing.assert_allclose(prices["crossing_value"], crossing, rtol=1e-12)
    mid = ps + metrics["divider"] * (pb - ps)
    for key in ("mmr_complete", "mmr_pruned"):
        empty = crossing if key.endswith("complete") else 0.0
        np.testing.assert_allclose(prices[key], np.where(both, mid, empty), rtol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        sdr = s / b
        rule = np.where(sdr >= 1, ps, pb * ps / ((pb - ps) * sdr + ps))
    np.testing.assert_allclose(prices["sdr_complete"], np.where(both, rule, crossing),
                               rtol=1e-12)
    # pruned: the accepted offers are a prefix of each side (meter order within a price);
    # with enough supply every buy is accepted and sdr >= 1, so SDR is the sell price
    enough = both & (s >= b)
    np.testing.assert_allclose(prices["sdr_pruned"][enough], ps[enough], rtol=1e-12)
    for key in ("sdr_pruned", "sdrc_pruned"):
        assert (prices[key][both] >= ps[both] - 1e-12).all(), key
        assert (prices[key][both] <= pb[both] + 1e-12).all(), key
        assert (prices[key][~both] == 0).all(), key


def test_accepted_volume_and_money_balance(study, day):
    metrics, _ = study
    volume = np.minimum(day["buy_kwh"], day["sell_kwh"]).sum()
    np.testing.assert_allclose(metrics["traded_kwh"], volume, rtol=1e-9)
    for key in VARIANTS:
        transfer = metrics["lem_transfer"][key]
        np.testing.assert_allclose(transfer["buyers_pay"], transfer["sellers_receive"],
                                   rtol=1e-12)
        # buyers pay at most their bid, sellers get at least their ask: nobody loses
        assert metrics["n_worse_off"][key] == 0
        members_saved = sum(metrics["bills"]["no_lem"].values()) - sum(
            metrics["bills"][key].values())
        np.testing.assert_allclose(metrics["total_savings"][key], members_saved, rtol=1e-9)


# --------------------------------------------------------------------------- operation half


def test_the_two_stage_pool_is_proven_and_nobody_loses(study):
    operation = study[0]["operation"]
    alone, pool = operation["alone_costs"], operation["pool_costs"]
    assert operation["status"] == "optimal"
    assert set(alone) == set(pool) and len(pool) == 50
    # the no-loss bound (plus the model's 1e-6 EUR tolerance), and the pool never costs more
    assert all(pool[m] <= alone[m] + 2e-6 for m in pool)
    assert operation["community_cost"] <= sum(alone.values()) + 1e-9
    # pool transfers cancel: the members' costs add up to the community's
    assert sum(pool.values()) == pytest.approx(operation["community_cost"], abs=1e-6)


def test_members_without_a_battery_pay_the_closed_form_alone(study, instance):
    """Alone, a member without a battery imports its net load at the cheaper of retail and
    market and exports at the better price (SPEC §4), plus the contracted-power penalty."""
    alone = study[0]["operation"]["alone_costs"]
    market_buy = np.array(instance["l_market_buy"])
    market_sell = np.array(instance["l_market_sell"])
    checked = 0
    for name, meter in instance["meters"].items():
        if meter["btm_storage"] is not None:
            continue
        net = np.subtract(meter["e_c"], meter["e_g"])
        cost = (np.maximum(net, 0) * np.minimum(meter["l_buy"], market_buy)
                - np.maximum(-net, 0) * np.maximum(meter["l_sell"], market_sell)).sum()
        excess_kw = np.maximum(net / instance["delta_t"] - meter["max_p"], 0)
        cost += instance["l_extra"] * excess_kw.sum()
        assert alone[name] == pytest.approx(cost, abs=1e-7), name
        checked += 1
    assert checked == 25


def test_battery_schedules_stay_within_the_soc_limits(study, instance):
    operation = study[0]["operation"]
    with_battery = {name: next(iter(meter["btm_storage"].values()))
                    for name, meter in instance["meters"].items() if meter["btm_storage"]}
    assert sorted(operation["battery_members"]) == sorted(with_battery)
    for name, spec in with_battery.items():
        stored = np.array(operation["stored_kwh"][name])
        assert stored.size == 96
        low, high = spec["e_bn"] * spec["soc_min"] / 100, spec["e_bn"] * spec["soc_max"] / 100
        assert (stored >= low - 1e-7).all() and (stored <= high + 1e-7).all(), name
    # the batteries are used: some energy moves through them over the day
    assert any(np.ptp(operation["stored_kwh"][name]) > 1.0 for name in with_battery)


def test_the_pool_balances_in_every_step(study):
    operation = study[0]["operation"]
    sales = np.array(operation["pool_sale_kwh"])
    purchases = np.array(operation["pool_purchase_kwh"])
    assert sales.size == purchases.size == 96
    np.testing.assert_allclose(sales, purchases, atol=1e-7)
    assert sales.sum() > 0
    # shared energy is pool energy a member consumes: never more than it bought
    assert (np.array(operation["shared_kwh"]) <= purchases + 1e-7).all()


@pytest.fixture(scope="module")
def kept(study, instance) -> dict:
    """Per-step totals and offer prices of the meters the notebook kept for the duals."""
    members = study[0]["duals"]["members"]
    meters = instance["meters"]
    net = np.array([np.subtract(meters[m]["e_c"], meters[m]["e_g"]) for m in members])
    return {
        "members": members,
        "buy_kwh": np.where(net > 0, net, 0).sum(axis=0),
        "sell_kwh": np.where(net < 0, -net, 0).sum(axis=0),
        "pb": np.minimum(0.20, instance["l_market_buy"]),
        "ps": np.maximum(0.05, instance["l_market_sell"]),
    }


def test_duals_are_intervals_on_the_kept_meters(study, instance, kept):
    duals = study[0]["duals"]
    assert kept["members"] == list(instance["meters"])[:len(kept["members"])]
    assert duals["n_steps"] == 96
    low, high = np.array(duals["low_per_kwh"]), np.array(duals["high_per_kwh"])
    point = np.array(duals["price_per_kwh"])
    assert np.isfinite(low).all() and (low <= high + 1e-9).all()
    bounded = np.isfinite(high)
    assert (point[bounded] >= low[bounded] - 1e-9).all()  # metrics keep 13 digits
    assert (point[bounded] <= high[bounded] + 1e-9).all()


def test_offer_prices_of_the_kept_meters_match_the_closed_forms(study, kept):
    offer = {k: np.array(v) for k, v in study[0]["duals"]["offer_prices"].items()}
    b, s, pb, ps = kept["buy_kwh"], kept["sell_kwh"], kept["pb"], kept["ps"]
    both = (b > 0) & (s > 0)
    crossing = np.where(both, np.where(b > s, pb, ps),
                        np.where(b > 0, pb, np.where(s > 0, ps, 0)))
    np.testing.assert_allclose(offer["crossing_value"], crossing, rtol=1e-12)
    mid = ps + study[0]["divider"] * (pb - ps)
    np.testing.assert_allclose(offer["mmr"], np.where(both, mid, 0.0), rtol=1e-12)


def test_loop_prices_lie_between_the_offer_prices(study, kept):
    """Every meter offers at pb (buy) or ps (sell) in a step, so every rule's price is
    0 (nothing accepted) or within [ps, pb]."""
    pb, ps = kept["pb"], kept["ps"]
    for rule, loop in study[0]["duals"]["loops"].items():
        prices = np.array(loop["prices"])
        assert loop["status"] == "optimal", rule
        assert 1 <= loop["iterations"] <= 20, rule
        inside = (prices >= ps - 1e-12) & (prices <= pb + 1e-12)
        assert (inside | (prices == 0)).all(), rule

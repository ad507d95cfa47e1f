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
FIGURES = ["prices_over_day", "offer_curves", "member_bills"]
VARIANTS = ["crossing_value", "mmr_complete", "mmr_pruned", "sdr_complete", "sdr_pruned",
            "sdrc_pruned"]


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

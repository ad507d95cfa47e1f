"""Tests of lectoolkit.pricing: bill sharing by hand, pandas in and out, one shared rule.

The published rules' closed forms (Zhou et al. 2018 App. B, the SDRC equation, the seed's
dynamic price) are tested in tests/test_settlement.py, next to the settlements using them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit.lem import mmr_price, sdr_price
from lectoolkit.pricing import (
    bill_sharing_prices,
    dynamic_p2p_price,
    mid_market_rate,
    supply_demand_ratio,
)
from lectoolkit.settlement import settle


def test_bill_sharing_prices_by_hand():
    # step 0: D = 2, G = 1 -> 1 kWh from the grid at 10; step 1: D = 1, G = 3 -> 2 kWh to
    # the grid at 4. p_buy = 10 / 3, p_sell = 8 / 4 = 2
    p_buy, p_sell = bill_sharing_prices([2.0, 1.0], [1.0, 3.0], 10.0, 4.0)
    assert p_buy == pytest.approx(10.0 / 3.0, rel=1e-15) and p_sell == 2.0
    # the community pays its net grid bill: 3 x 10/3 - 4 x 2 = 10 - 8
    assert 3.0 * p_buy - 4.0 * p_sell == pytest.approx(10.0 - 8.0, rel=1e-14)


def test_bill_sharing_prices_per_step_tariffs_and_mask():
    # only step 1 shares: D = 1, G = 3 -> p_buy = 0 (nothing imported from the grid there),
    # p_sell = 2 x 5 / 3 at that step's sell tariff 5
    p_buy, p_sell = bill_sharing_prices([2.0, 1.0], [1.0, 3.0], [10.0, 12.0], [4.0, 5.0],
                                        p2p_allowed=[False, True])
    assert p_buy == 0.0 and p_sell == pytest.approx(10.0 / 3.0, rel=1e-15)
    # no volume at all: both 0
    assert bill_sharing_prices([0.0], [0.0], 10.0, 4.0) == (0.0, 0.0)


def test_bill_sharing_prices_are_what_settle_charges():
    rng = np.random.default_rng(2)
    load, pv = rng.uniform(0, 2, (40, 6)), rng.uniform(0, 2, (40, 6)) * (rng.random(6) < 0.6)
    pv[:, 0] += 0.5  # one prosumer at least
    allowed = rng.random(40) < 0.8
    buy, sell = 10.0, 4.0
    res = settle(load, pv, "bill_sharing", price_buy_per_kwh=buy, price_sell_per_kwh=sell,
                 p2p_allowed=allowed)
    own = np.minimum(load, pv)
    p_buy, p_sell = bill_sharing_prices((load - own).sum(axis=1), (pv - own).sum(axis=1), buy,
                                        sell, p2p_allowed=allowed)
    np.testing.assert_allclose(res.price_import[allowed], p_buy, rtol=1e-12)
    np.testing.assert_allclose(res.price_export[allowed], p_sell, rtol=1e-12)


def test_bill_sharing_prices_pair_a_mask_by_label():
    steps = pd.Index(["t0", "t1"], name="step")
    demand = pd.Series([2.0, 1.0], index=steps)
    supply = pd.Series([1.0, 3.0], index=steps)
    mask = pd.Series([True, False], index=["t1", "t0"])
    # paired by label: step t0 is off, t1 on -> as the arrays [False, True]
    assert bill_sharing_prices(demand, supply, 10.0, 4.0, p2p_allowed=mask) == \
        bill_sharing_prices([2.0, 1.0], [1.0, 3.0], 10.0, 4.0, p2p_allowed=[False, True])
    with pytest.raises(ValueError, match="^p2p_allowed: expected 2 booleans, got 3"):
        bill_sharing_prices([2.0, 1.0], [1.0, 3.0], 10.0, 4.0, p2p_allowed=[True] * 3)


def test_pandas_in_pandas_out():
    steps = pd.Index([10, 20], name="step")
    demand, supply = pd.Series([2.0, 4.0], index=steps), pd.Series([4.0, 1.0], index=steps)
    p_imp, p_exp = mid_market_rate(demand, supply, 10.0, 4.0)
    assert isinstance(p_imp, pd.Series) and p_imp.index.equals(steps)
    assert p_imp.tolist() == [7.0, 9.25] and p_exp.tolist() == [5.5, 7.0]
    p_buy, _ = supply_demand_ratio([4.0, 2.0], pd.Series([3.0, 3.0], index=steps), 14.57, 5.03)
    assert isinstance(p_buy, pd.Series)  # the second total is the labelled one
    cp2p = dynamic_p2p_price(demand, supply, 6.0, 3.0)
    assert isinstance(cp2p, pd.Series) and cp2p.index.equals(steps)
    # arrays in, arrays out
    assert isinstance(mid_market_rate([2.0], [4.0], 10.0, 4.0)[0], np.ndarray)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 50.0), st.floats(0.0, 50.0), st.floats(0.5, 30.0),
       st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_offer_pricing_and_settlement_share_one_rule(demand, supply, spread, low, fraction):
    """lem's SDR price and the settlement's SDR/SDRC prices are one rule: equal values."""
    sell = 10.0 * low
    buy = sell + spread
    sdr = np.inf if demand == 0 else supply / demand
    _, p_sell = supply_demand_ratio([demand], [supply], buy, sell)
    assert float(sdr_price(buy, sell, sdr)) == p_sell[0]
    lam = fraction * spread
    if 0 < lam < spread:
        p, _ = supply_demand_ratio([demand], [supply], buy, sell, compensation_per_kwh=lam)
        assert float(sdr_price(buy, sell, sdr, compensation_share=fraction)) == pytest.approx(
            p[0], rel=1e-14)
    # MMR: lem's half-way price is the settlement's mid price on a balanced step
    p_imp, _ = mid_market_rate([1.0], [1.0], buy, sell)
    assert float(mmr_price(buy, sell)) == p_imp[0]

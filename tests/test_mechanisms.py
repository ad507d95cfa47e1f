"""Tests of lectoolkit.mechanisms: seed-002 bills, composition with settle, sweeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lectoolkit.mechanisms import (
    SETTLEMENT_LABELS,
    SETTLEMENTS,
    SWEEP_COLUMNS,
    mechanism_sweep,
    settle_mechanisms,
)
from lectoolkit.metrics import compare_mechanisms
from lectoolkit.profiles import build_community, seed_community_002
from lectoolkit.settlement import settle

DATA = Path(__file__).resolve().parent / "data"
PRICES = dict(price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
LOAD = np.array([[2.0, 0.0], [0.0, 1.0]])
PV = np.array([[0.0, 1.0], [3.0, 0.0]])


@pytest.fixture(scope="module")
def seed002():
    return seed_community_002(42)


@pytest.fixture(scope="module")
def seed002_reference() -> dict:
    """Outputs of seed 002's own code run unchanged (see tests/data/README.md)."""
    return json.loads((DATA / "seed002_reference.json").read_text())


def community_inputs(com):
    return dict(price_buy_per_kwh=com.price_buy_per_kwh,
                price_sell_per_kwh=com.price_sell_per_kwh, p2p_allowed=com.p2p_allowed,
                timestep_h=com.timestep_h)


def test_every_key_has_a_label():
    assert list(SETTLEMENT_LABELS) == list(SETTLEMENTS)


def test_seed002_bills_of_the_seeds_three(seed002, seed002_reference):
    res = settle_mechanisms(seed002.load_kwh, seed002.pv_kwh, **community_inputs(seed002),
                            compensation_per_kwh=0.5)
    assert list(res) == list(SETTLEMENTS)
    for key, ref_key in (("conventional", "conventional"), ("mmr_seed002", "mmr"),
                         ("bill_sharing_seed002", "bill_sharing")):
        expected = pd.Series(seed002_reference["bills"][ref_key])
        np.testing.assert_allclose(res[key].bills[expected.index], expected, rtol=1e-9,
                                   err_msg=key)


def test_each_result_is_the_settlement_of_its_key():
    res = settle_mechanisms(LOAD, PV, **PRICES, compensation_per_kwh=1.0)
    for key, (mechanism, variant) in SETTLEMENTS.items():
        assert (res[key].mechanism, res[key].variant) == (mechanism, variant or (
            "zhou2018" if mechanism in ("mmr", "bill_sharing") else None))
        extra = {"compensation_per_kwh": 1.0} if mechanism == "sdrc" else {}
        alone = settle(LOAD, PV, mechanism, variant=variant, **PRICES, **extra)
        np.testing.assert_array_equal(res[key].cost, alone.cost, err_msg=key)


def test_subset_in_the_callers_order_and_by_hand():
    res = settle_mechanisms(LOAD[:1], PV[:1], **PRICES, mechanisms=["sdr", "conventional"])
    assert list(res) == ["sdr", "conventional"]
    # conventional: 2 x 10 and -1 x 4
    assert res["conventional"].bills.tolist() == [20.0, -4.0]


@pytest.mark.parametrize(("mechanisms", "compensation"), [
    (None, None), (["sdrc"], None), (["sdr"], 0.5)])
def test_compensation_goes_with_sdrc(mechanisms, compensation):
    with pytest.raises(ValueError, match="^compensation_per_kwh: required when 'sdrc'"):
        settle_mechanisms(LOAD, PV, **PRICES, mechanisms=mechanisms,
                          compensation_per_kwh=compensation)


@pytest.mark.parametrize(("mechanisms", "error", "match"), [
    (["mmr"], ValueError, "mechanisms"), (["sdr", "sdr"], ValueError, "once"),
    ([], ValueError, "at least one"), ("sdr", TypeError, "mechanisms"),
    ([1], TypeError, "mechanisms")])
def test_mechanism_keys_checked(mechanisms, error, match):
    with pytest.raises(error, match=match):
        settle_mechanisms(LOAD, PV, **PRICES, mechanisms=mechanisms)


def test_sweep_rows_and_columns():
    sweep = mechanism_sweep([2, 3], [0.0, 1.0], replicates=2, days=1,
                            mechanisms=["sdr", "mmr_zhou2018"], rng=3)
    assert tuple(sweep.columns) == SWEEP_COLUMNS
    assert len(sweep) == 2 * 2 * 2 * 2  # sizes x shares x replicates x mechanisms
    assert set(sweep["mechanism"]) == {"sdr", "mmr_zhou2018"}
    assert sweep.groupby(["n_members", "prosumer_share", "replicate"]).size().eq(2).all()
    # (self-consumption is NaN for a community whose PV is all out for its one day)
    assert sweep[["savings_share", "worse_off_share", "self_sufficiency"]].notna().all().all()
    assert ((sweep["worse_off_share"] >= 0) & (sweep["worse_off_share"] <= 1)).all()


def test_sweep_row_is_the_comparison_of_its_drawn_community():
    """Oracle: draw the community with the first child generator and compare by hand."""
    sweep = mechanism_sweep([5], [0.4], days=2, compensation_per_kwh=0.5, rng=11)
    child = np.random.default_rng(11).spawn(1)[0]
    com = build_community(3, 2, 2, child)  # round(0.4 x 5) = 2 prosumers
    results = {}
    for key, (mechanism, variant) in SETTLEMENTS.items():
        extra = {"compensation_per_kwh": 0.5} if mechanism == "sdrc" else {}
        results[key] = settle(com.load_kwh, com.pv_kwh, mechanism, variant=variant,
                              **community_inputs(com), **extra)
    table = compare_mechanisms(results).drop(index="conventional")
    got = sweep.set_index("mechanism")
    np.testing.assert_allclose(got["savings_share"], table["savings_share"], rtol=1e-12)
    np.testing.assert_allclose(got["worse_off_share"], table["n_worse_off"] / 5, rtol=1e-12)
    np.testing.assert_allclose(got["self_sufficiency"], table["self_sufficiency"],
                               rtol=1e-12)


def test_sweep_prosumer_count_is_at_least_one_and_at_most_everyone():
    # with share 0 one member has PV, with share 1 everyone has: the drawn communities
    # differ in PV, seen in self-consumption < 1 only where exports exist
    sweep = mechanism_sweep([3], [0.0, 1.0], days=1, mechanisms=["sdr"], rng=5)
    for share, n_pv in ((0.0, 1), (1.0, 3)):
        child = np.random.default_rng(5).spawn(2)[int(share)]
        com = build_community(3 - n_pv, n_pv, 1, child)
        res = {k: settle(com.load_kwh, com.pv_kwh, m, variant=v, **community_inputs(com))
               for k, (m, v) in SETTLEMENTS.items() if k in ("conventional", "sdr")}
        expected = compare_mechanisms(res).loc["sdr", "savings_share"]
        got = sweep.loc[sweep["prosumer_share"] == share, "savings_share"].item()
        assert got == pytest.approx(expected, rel=1e-12)


def test_sweep_is_reproducible_from_a_seed():
    a = mechanism_sweep([3], [0.5], replicates=2, days=1, mechanisms=["sdr"], rng=7)
    b = mechanism_sweep([3], [0.5], replicates=2, days=1, mechanisms=["sdr"],
                        rng=np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)
    assert a["savings_share"].iloc[0] != a["savings_share"].iloc[1]  # replicates differ


def test_sweep_on_spawned_workers_equals_the_serial_run():
    kw = dict(replicates=2, days=1, mechanisms=["sdr", "bill_sharing_seed002"], rng=2)
    serial = mechanism_sweep([3, 4], [0.5], **kw)
    parallel = mechanism_sweep([3, 4], [0.5], jobs=2, **kw)
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize(("kw", "error", "match"), [
    (dict(sizes=[0]), ValueError, "^sizes:"), (dict(sizes=[]), ValueError, "^sizes:"),
    (dict(sizes=3), TypeError, "^sizes:"), (dict(prosumer_shares=[1.5]), ValueError,
                                            "^prosumer_shares:"),
    (dict(replicates=0), ValueError, "^replicates:"), (dict(days=0), ValueError, "^days:"),
    (dict(rng="x"), TypeError, "^rng:"), (dict(rng=-1), ValueError, "^rng:"),
    (dict(compensation_per_kwh=0.5), ValueError, "^compensation_per_kwh:"),
    (dict(jobs=0), ValueError, "^jobs:")])
def test_sweep_arguments_checked(kw, error, match):
    args = dict(sizes=[3], prosumer_shares=[0.5], days=1, mechanisms=["sdr"], rng=0) | kw
    with pytest.raises(error, match=match):
        mechanism_sweep(**args)

"""Tests of lectoolkit.widgets: every explorer is driven without a browser.

Each test sets control values as a user would (a released slider sets ``value`` once),
checks that the message and the plot follow, and that an impossible setting shows a
message instead of raising.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from lectoolkit.io import read_prosumer_monthly  # noqa: E402
from lectoolkit.lem import OFFER_COLUMNS  # noqa: E402
from lectoolkit.nrgx import CENT  # noqa: E402
from lectoolkit.widgets import (  # noqa: E402
    lem_pricing_explorer,
    nrgx_explorer,
    operation_explorer,
    profit_allocation_explorer,
    settlement_explorer,
    shapley_sampling_explorer,
    storage_game_explorer,
)
from tests.conftest import DATA  # noqa: E402

PNG = b"\x89PNG"
FAILED = "<b>This setting cannot be computed:</b> "


def _parts(explorer):
    controls, message, image = explorer.children
    return list(controls.children), message, image


def _offers(sell_price: float = 0.05) -> pd.DataFrame:
    rows = [(t, "a", "buy", 2.0, 0.20) for t in range(4)]
    rows += [(t, "b", "sell", 1.0, sell_price) for t in range(4)]
    return pd.DataFrame(rows, columns=list(OFFER_COLUMNS))


def _labels_are_whole(controls):
    for control in controls:
        assert control.style.description_width == "initial", control.description
        if hasattr(control, "continuous_update"):
            assert control.continuous_update is False, control.description


# --------------------------------------------------------------------------- LEM pricing


def test_lem_controls_react_on_release_with_labelled_units():
    controls, message, image = _parts(lem_pricing_explorer(_offers(), price_unit="EUR/kWh"))
    divider, compensation, _ = controls
    _labels_are_whole(controls)
    assert "[-]" in divider.description and "[-]" in compensation.description
    assert "EUR/kWh" in message.value
    assert image.value[:4] == PNG


def test_lem_moving_a_slider_updates_the_output():
    (divider, compensation, pruned), message, image = _parts(lem_pricing_explorer(_offers()))
    before_message, before_image = message.value, image.value
    # one buy of 2 kWh at 0.20, one sell of 1 kWh at 0.05: MMR = 0.05 + divider x 0.15
    assert "MMR (divider 0.50) 0.125" in before_message
    divider.value = 1.0
    assert "MMR (divider 1.00) 0.2" in message.value
    assert image.value != before_image
    compensation.value = 0.5
    assert "SDRC (c = 0.50)" in message.value
    pruned.value = False
    assert message.value != before_message


def test_lem_an_impossible_setting_shows_a_message_not_a_traceback():
    # a sell at -0.1 with short supply: SDR is undefined until c >= 0.1 / 0.3
    (_, compensation, _), message, image = _parts(lem_pricing_explorer(_offers(-0.1)))
    assert message.value.startswith(FAILED + "offers:")
    assert image.value == b""
    compensation.value = 0.5
    assert message.value.startswith("Mean price:")
    assert image.value[:4] == PNG


def test_lem_bad_offers_are_refused_up_front():
    with pytest.raises(TypeError, match="^offers: "):
        lem_pricing_explorer([1, 2, 3])
    with pytest.raises(ValueError, match="^price_unit: "):
        lem_pricing_explorer(_offers(), price_unit="")


# --------------------------------------------------------------------------- allocation (01)

SEED000 = pd.Index(["P1", "P2", "P3", "P4"], name="member")
COMMUNITIES = {
    "self-sufficient": pd.DataFrame({"load_kwh": [150.0, 400, 300, 100],
                                     "pv_kwh": [200.0, 300, 350, 150]}, index=SEED000),
    "in deficit": pd.DataFrame({"load_kwh": [300.0, 200, 400, 150],
                                "pv_kwh": [200.0, 300, 350, 150]}, index=SEED000),
}


def test_allocation_sliders_and_the_zero_price_setting():
    controls, message, image = _parts(profit_allocation_explorer(
        COMMUNITIES, price_buy_per_kwh=0.12, price_sell_per_kwh=0.15, share_sold=0.5,
        unit="EUR"))
    community, buy, sell, share = controls
    _labels_are_whole(controls)
    assert "[EUR/kWh]" in buy.description and "[-]" in share.description
    # seed 000 at its prices: v(N) = 4.5 EUR (tests/test_notebook_01), only the nucleolus
    # is in the core
    assert message.value == ("self-sufficient: pooling saves v(N) = 4.5 EUR; in the core: "
                             "nucleolus")
    assert image.value[:4] == PNG
    before_image = image.value
    community.value = "in deficit"
    assert message.value.startswith("in deficit: pooling saves v(N) = 4.5 EUR")
    assert image.value != before_image
    # Cg = 0 < δ Cr: pooling could lose money, the setting is refused with a message
    buy.value = 0.0
    assert message.value.startswith(FAILED + "price_buy_per_kwh:")
    assert image.value == b""
    # Cg = Cr = 0: nothing to share, said in words (no NaN shares), bars all zero
    sell.value = 0.0
    assert message.value.startswith("<b>Nothing to share:</b>")
    assert "nan" not in message.value.lower() and image.value[:4] == PNG


def test_allocation_bad_communities_are_refused_up_front():
    with pytest.raises(TypeError, match="^communities: "):
        profit_allocation_explorer([], price_buy_per_kwh=0.12, price_sell_per_kwh=0.15)
    with pytest.raises(ValueError, match=r"^communities\['x'\]: missing columns \['pv_kwh'\]"):
        profit_allocation_explorer({"x": COMMUNITIES["in deficit"].drop(columns="pv_kwh")},
                                   price_buy_per_kwh=0.12, price_sell_per_kwh=0.15)


# --------------------------------------------------------------------------- NRG-X (study 02)


@pytest.fixture(scope="module")
def n3():
    return read_prosumer_monthly(DATA / "prosumer_N3_model_20210129_1416.csv")


def test_nrgx_sliders_update_the_totals_and_the_plot(n3):
    start = dict(max_price_per_kwh=12.09 * CENT, min_price_per_kwh=9.84 * CENT, a_kwh2=1e6)
    controls, message, image = _parts(nrgx_explorer(n3, price_unit="$/kWh", **start))
    exponent, q, r, a = controls
    _labels_are_whole(controls)
    assert "[-]" in exponent.description and "[$/kWh]" in q.description
    assert "[kWh²]" in a.description
    # seed 001's monthly net cash sums to the value printed by the seed (tests/test_nrgx)
    assert "14 periods" in message.value and image.value[:4] == PNG
    before_message, before_image = message.value, image.value
    exponent.value = 1.2
    assert message.value != before_message and image.value != before_image
    # r above q cannot be settled: a message, no plot; back below q and it draws again
    r.value = 2 * q.value
    assert message.value.startswith(FAILED + "min_price_per_kwh:")
    assert image.value == b""
    r.value = q.value / 2
    assert message.value.startswith("Over 14 periods") and image.value[:4] == PNG


def test_nrgx_bad_start_is_refused_up_front(n3):
    with pytest.raises(ValueError, match="^a_kwh2: "):
        nrgx_explorer(n3, max_price_per_kwh=0.12, min_price_per_kwh=0.1, a_kwh2=-1.0)


# --------------------------------------------------------------------------- settlement (03)


def test_settlement_mechanism_and_pv_controls_update_the_output():
    controls, message, image = _parts(settlement_explorer(
        n_consumers=2, n_prosumers=3, days=2, price_unit="Rs/kWh"))
    mechanism, prosumers, sizing, compensation = controls
    _labels_are_whole(controls)
    assert "[Rs/kWh]" in compensation.description
    assert message.value.startswith("SDRC: community bill") and image.value[:4] == PNG
    assert "of 5 members worse off" in message.value
    before_image = image.value
    mechanism.value = "mmr_zhou2018"
    assert message.value.startswith("MMR (Zhou 2018): community bill")
    assert image.value != before_image
    prosumers.value = 6
    assert "of 8 members worse off" in message.value
    sizing.value = (1.0, 2.0)
    assert image.value[:4] == PNG


def test_settlement_compensation_beyond_the_spread_shows_a_message():
    controls, message, image = _parts(settlement_explorer(n_consumers=2, n_prosumers=3, days=2))
    compensation = controls[3]
    # the reference tariffs of build_community's defaults are < 3 apart: SDRC impossible
    compensation.value = 3.0
    assert message.value.startswith(FAILED + "compensation_per_kwh:")
    assert image.value == b""
    compensation.value = 0.5
    assert message.value.startswith("SDRC: community bill")


def test_settlement_bad_arguments_are_refused_up_front():
    with pytest.raises(ValueError, match="^mechanism: "):
        settlement_explorer(mechanism="conventional")
    with pytest.raises(ValueError, match="^n_prosumers: "):
        settlement_explorer(n_prosumers=0)


# --------------------------------------------------------------------------- Shapley (06)


def _net_load(n_members=6, n_steps=48, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(0.0, 1.0, (n_steps, n_members)),
                        columns=pd.Index([f"m{i}" for i in range(n_members)], name="member"))


def test_shapley_more_permutations_shrink_the_error():
    controls, message, image = _parts(shapley_sampling_explorer(
        _net_load(), price_buy_per_kwh=0.30, price_sell_per_kwh=0.05, unit="EUR"))
    permutations, antithetic = controls
    _labels_are_whole(controls)
    assert message.value.startswith("m = 100: RMS error vs exact") and image.value[:4] == PNG

    def rmse():
        return float(message.value.split("RMS error vs exact ")[1].split(" ")[0])

    coarse = rmse()
    permutations.value = 5000
    assert message.value.startswith("m = 5000") and rmse() < coarse
    antithetic.value = False
    assert message.value.startswith("m = 5000") and image.value[:4] == PNG


def test_shapley_accepts_an_array_community():
    _, message, image = _parts(shapley_sampling_explorer(
        _net_load().to_numpy(), price_buy_per_kwh=0.30, price_sell_per_kwh=0.05))
    assert "of 6 members within 2 standard errors" in message.value and image.value[:4] == PNG


def test_shapley_bad_arguments_are_refused_up_front():
    with pytest.raises(ValueError, match="^seed: "):
        shapley_sampling_explorer(_net_load(), price_buy_per_kwh=0.3, price_sell_per_kwh=0.05,
                                  seed=-1)
    with pytest.raises(TypeError, match="^net_load_kwh: "):
        shapley_sampling_explorer("x", price_buy_per_kwh=0.3, price_sell_per_kwh=0.05)


# --------------------------------------------------------------------------- operation (05)


def _two_members():
    """Member a imports 1 kWh per step; b's PV gives 2 kWh in step 0, its battery holds 1.

    By hand (retail 0.20/0.05, market 0.30/0.00, access tariff tau <= 0.15 so sharing pays):
    alone a pays 0.40 and b earns 0.10 (2 kWh exported whenever stored); in the pool with a
    battery scaled by s <= 1, a takes 1 kWh in step 0 and s kWh in step 1 from b, buys 1 - s
    at 0.20 and b exports 1 - s at 0.05: cost tau (1 + s) + 0.15 (1 - s).
    """
    from lectoolkit.operation import OperationInputs

    battery = {"capacity_kwh": [1.0], "power_kw": [1.0], "charge_efficiency": [1.0],
               "discharge_efficiency": [1.0], "soc_min": [0.0], "soc_max": [1.0],
               "initial_kwh": [0.0], "degradation_per_kwh": [0.0]}
    return OperationInputs(
        load_kwh=pd.DataFrame({"a": [1.0, 1.0], "b": [0.0, 0.0]}),
        pv_kwh=[[0.0, 2.0], [0.0, 0.0]], price_buy_per_kwh=np.full((2, 2), 0.2),
        price_sell_per_kwh=np.full((2, 2), 0.05), price_market_buy_per_kwh=[0.3, 0.3],
        price_market_sell_per_kwh=[0.0, 0.0], price_access_per_kwh=[0.01, 0.01],
        lem_price_per_kwh=[0.1, 0.1], contracted_power_kw=[5.0, 5.0],
        price_extra_power_per_kw=10.0, timestep_h=1.0,
        batteries=pd.DataFrame(battery, index=["b"]))


def _pool_cost(tau: float, scale: float) -> float:
    return tau * (1 + scale) + 0.15 * (1 - scale)


def test_operation_sliders_follow_the_pool_cost_by_hand():
    inputs = _two_members()
    (tariff, scale), message, image = _parts(operation_explorer(inputs))
    _labels_are_whole([tariff, scale])
    assert "[EUR/kWh]" in tariff.description and "[-]" in scale.description
    assert f"community {_pool_cost(0.01, 1.0):.3f} EUR vs alone 0.300 EUR" in message.value
    assert "status optimal" in message.value and image.value[:4] == PNG
    before = image.value
    scale.value = 0.5
    assert f"community {_pool_cost(0.01, 0.5):.3f} EUR" in message.value
    assert image.value[:4] == PNG and image.value != before
    tariff.value = 0.1
    assert f"community {_pool_cost(0.1, 0.5):.3f} EUR" in message.value
    assert inputs.price_access_per_kwh.tolist() == [0.01, 0.01]  # the caller's inputs stay
    assert inputs.batteries["capacity_kwh"].tolist() == [1.0]


def test_storage_game_sliders_follow_the_savings_by_hand():
    # two members: v(N) = alone 0.30 - pool cost (see _two_members), split equally
    inputs = _two_members()
    (tariff, scale), message, image = _parts(storage_game_explorer(inputs))
    _labels_are_whole([tariff, scale])
    assert f"v(N) = {0.30 - _pool_cost(0.01, 1.0):.3f} EUR" in message.value
    assert image.value[:4] == PNG
    before = image.value
    tariff.value = 0.1
    assert f"v(N) = {0.30 - _pool_cost(0.1, 1.0):.3f} EUR" in message.value
    assert image.value[:4] == PNG and image.value != before
    scale.value = 0.0
    assert message.value.startswith(FAILED + "batteries:") and image.value == b""
    assert inputs.price_access_per_kwh.tolist() == [0.01, 0.01]


def test_storage_game_explorer_refuses_large_communities_up_front(monkeypatch):
    from lectoolkit import widgets

    monkeypatch.setattr(widgets, "STORAGE_GAME_MAX_MEMBERS", 1)
    with pytest.raises(ValueError, match="^inputs: 2 members"):
        storage_game_explorer(_two_members())
    monkeypatch.undo()
    with pytest.raises(ValueError, match="^unit: "):
        storage_game_explorer(_two_members(), unit="")
    with pytest.raises(TypeError, match="^inputs: "):
        storage_game_explorer({"load_kwh": [[1.0]]})


def test_operation_a_battery_without_capacity_shows_a_message():
    (_, scale), message, image = _parts(operation_explorer(_two_members()))
    scale.value = 0.0
    assert message.value.startswith(FAILED + "batteries:")
    assert image.value == b""
    scale.value = 1.0
    assert message.value.startswith("two-stage pool:") and image.value[:4] == PNG


def test_operation_bad_arguments_are_refused_up_front():
    with pytest.raises(TypeError, match="^inputs: "):
        operation_explorer({"load_kwh": [[1.0]]})
    with pytest.raises(ValueError, match="^unit: "):
        operation_explorer(_two_members(), unit="")


def test_operation_a_solver_failure_shows_a_message(monkeypatch):
    from lectoolkit import operation
    from lectoolkit.solvers import SolverError

    def fail(*args, **kwargs):
        raise SolverError("stopped at the time limit without a feasible solution", "highs",
                          "time_limit")

    monkeypatch.setattr(operation, "run_collective", fail)
    _, message, image = _parts(operation_explorer(_two_members()))
    assert message.value.startswith("<b>The solver failed:</b> stopped at the time limit")
    assert image.value == b""

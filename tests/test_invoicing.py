"""Tests of lectoolkit.invoicing (seed 003, community invoicing with an internal market).

References: the seed's example day and what the original code produced on it
(``data/mlec_invoicing/original_run``, see its README); closed forms on tiny instances;
an independent grid search over the local prices.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lectoolkit import invoicing as inv
from lectoolkit.io import DataFormatError
from tests.conftest import every_solver

DATA = Path(__file__).resolve().parents[1] / "data" / "mlec_invoicing"
ORIGINAL_COMMUNITY_TOTAL_EUR = -16.045  # original_run/README.md (Ipopt, defects included)


@pytest.fixture(scope="module")
def example_inputs() -> inv.InvoicingInputs:
    return inv.read_invoicing_inputs(DATA / "invoicing.json", DATA / "input_for_invoicing.csv")


@pytest.fixture(scope="module", params=inv.MODELS)
def example(request, example_inputs):
    return example_inputs, inv.invoice_community(example_inputs, model=request.param)


def _inputs(net_load, buy, sell, *, n, tariff=0.01, freq="30min", start="2024-01-01",
            **kwargs) -> inv.InvoicingInputs:
    """Tiny instance: ``net_load`` (steps x members) [kW], prices scalars or same shape."""
    net_load = np.asarray(net_load, dtype=float)
    steps = pd.date_range(start, periods=net_load.shape[0], freq=freq)
    members = [f"m{k}" for k in range(net_load.shape[1])]

    def frame(values):
        return pd.DataFrame(np.broadcast_to(values, net_load.shape).astype(float),
                            index=steps, columns=members)

    return inv.InvoicingInputs(frame(net_load), frame(buy), frame(sell), tariff_per_kwh=tariff,
                               n_steps_per_period=n, **kwargs)


# ----------------------------------------------------------------------------- example day
def test_example_day_reads_the_seed_format(example_inputs):
    assert example_inputs.net_load_kw.shape == (2880, 4)
    assert example_inputs.n_steps_per_period == 30
    assert example_inputs.timestep_h == pytest.approx(30 / 3600)
    members = example_inputs.members
    assert members.loc[1, "storage_fee_per_kwh"] == 0.02
    assert members.loc[2, "storage_fee_per_kwh"] == 0.0
    raw = pd.read_csv(DATA / "input_for_invoicing.csv")
    np.testing.assert_array_equal(example_inputs.net_load_kw[4].to_numpy(), raw["EAN104"])
    np.testing.assert_array_equal(example_inputs.net_load_kw[1].to_numpy(),
                                  raw["EAN101"] - raw["EAN201"])


def test_example_day_first_period_alone_matches_the_original(example):
    """Phase 0 of the first period is untouched by the original's peak defect."""
    _, result = example
    first = result.profits.xs(result.periods.index[0], level="period")["profit_alone"]
    for member in first.index:
        original = pd.read_csv(DATA / "original_run" / f"profit_{member}.csv")
        assert first[member] == pytest.approx(original["profit_alone"].iloc[0], abs=1e-6)


def test_example_day_pareto_in_every_period(example):
    _, result = example
    assert (result.profits["gain"] >= -1e-6).all()
    ok = result.periods["status"] == "optimal"
    assert ok.sum() >= 90
    alpha = result.periods.loc[ok, "alpha"]
    assert (alpha >= -1e-9).all()


def test_example_day_balances_per_sub_period(example):
    inputs, result = example
    steps = result.steps
    net_injection = -inputs.net_load_kw.stack().reindex(steps.index)
    flows = steps["exp_grid_kw"] - steps["imp_grid_kw"] + steps["exp_com_kw"] - steps["imp_com_kw"]
    np.testing.assert_allclose(flows, net_injection, atol=1e-9)
    assert (steps[["exp_grid_kw", "imp_grid_kw", "exp_com_kw", "imp_com_kw"]] >= -1e-9).all().all()
    # a member never imports and exports in the same sub-period
    assert ((steps["exp_grid_kw"] + steps["exp_com_kw"]) * (steps["imp_grid_kw"] + steps[
        "imp_com_kw"]) <= 1e-12).all()
    by_step = steps.groupby(level="step")[["exp_com_kw", "imp_com_kw"]].sum()
    np.testing.assert_allclose(by_step["exp_com_kw"], by_step["imp_com_kw"], atol=1e-9)


def test_example_day_fair_price_exchanges_all_it_can(example):
    """b - s - 2 tau = 0.06 > 0 everywhere, so the welfare optimum exchanges
    min(total export, total import) in every sub-period (closed form)."""
    inputs, result = example
    if result.model != "fair_price":
        pytest.skip("the same flows for both models; checked once")
    net = inputs.net_load_kw.to_numpy()
    expected = np.minimum(np.maximum(-net, 0).sum(axis=1), np.maximum(net, 0).sum(axis=1))
    got = result.steps["exp_com_kw"].groupby(level="step").sum().to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-7)


def test_example_day_total_beats_the_original(example):
    _, result = example
    total = result.periods["welfare_community"].sum()
    assert total > ORIGINAL_COMMUNITY_TOTAL_EUR
    assert total == pytest.approx(result.profits["profit_community"].sum(), abs=1e-9)
    assert total >= result.periods["welfare_alone"].sum() - 1e-6


def test_example_day_operator_revenue_is_two_tau_per_kwh(example):
    inputs, result = example
    exchanged = result.steps["exp_com_kw"].sum() * inputs.timestep_h
    revenue = result.periods["operator_revenue"].sum()
    assert revenue == pytest.approx(2 * 0.025 * exchanged, rel=1e-12)
    # and the money balances: importers pay mu + tau, exporters receive mu - tau
    money = result.steps[["community_cost", "community_revenue"]].sum()
    assert money["community_cost"] - money["community_revenue"] == pytest.approx(revenue,
                                                                                  abs=1e-6)


def test_example_day_profits_add_up(example):
    _, result = example
    s = result.steps
    per_member = (s["grid_revenue"] - s["grid_cost"] + s["community_revenue"]
                  - s["community_cost"] + s["storage_remuneration"]).groupby(level="member").sum()
    open_ = result.periods["status"] == "optimal"
    charges = result.profits["peak_share_community"].where(
        np.repeat(open_.to_numpy(), 4), result.profits["peak_charge_alone"])
    expected = per_member - charges.groupby(level="member").sum()
    got = result.profits["profit_community"].groupby(level="member").sum()
    np.testing.assert_allclose(got, expected.reindex(got.index), atol=1e-8)


def test_bilevel_prices_are_market_clearing(example):
    """Bilevel: mu lies between the exporters' and importers' marginal values
    (s + tau - fee / eta_d and b - tau + fee * eta_c + phi / (n dt), phi <= 0.001 €/kW)."""
    _, result = example
    if result.model != "bilevel":
        pytest.skip("bilevel only")
    traded = result.steps["exp_com_kw"].groupby(level="step").sum() > 1e-9
    mu = result.lem_price_per_kwh[traded.to_numpy()]
    assert mu.notna().all()
    low = 0.04 + 0.025 - 0.02 / 0.9
    high = 0.15 - 0.025 + 0.02 * 0.9 + 0.001 / (30 * 30 / 3600)
    assert (mu >= low - 1e-9).all() and (mu <= high + 1e-9).all()


def test_compute_invoice_has_the_seeds_shape(example_inputs):
    structure = json.loads((DATA / "invoicing.json").read_text())
    data = pd.read_csv(DATA / "input_for_invoicing.csv", index_col="datetime",
                       parse_dates=True)
    before = data.copy()
    invoices = inv.compute_invoice(structure, data)
    pd.testing.assert_frame_equal(data, before)
    assert sorted(invoices) == [1, 2, 3, 4]
    original = pd.read_csv(DATA / "original_run" / "invoice_1.csv", index_col="DateTime",
                           parse_dates=True)
    frame = invoices[1]
    assert list(frame.columns) == list(original.columns)
    assert frame.index.name == "DateTime"
    np.testing.assert_array_equal(frame.index, original.index)
    # net positions are data: same for the original and us (to its 5 printed decimals)
    ours = frame["exp_grid"] + frame["exp_com"] - frame["imp_grid"] - frame["imp_com"]
    theirs = original["exp_grid"] + original["exp_com"] - original["imp_grid"] - original[
        "imp_com"]
    np.testing.assert_allclose(ours, theirs, atol=2e-5)


# ----------------------------------------------------------------------- tiny instances
def _alpha_by_grid(profit_alone, base, d, dt, grid):
    """max over a grid of mu of min_e gain_e / |A_e| (independent of the library)."""
    mus = np.stack(np.meshgrid(*[grid] * d.shape[0], indexing="ij"), axis=-1).reshape(
        -1, d.shape[0])
    community = base[None, :] + dt * mus @ d
    gains = (community - profit_alone[None, :]) / np.abs(profit_alone)[None, :]
    return gains.min(axis=1).max()


@pytest.mark.parametrize("model", inv.MODELS)
def test_fair_price_matches_a_grid_search_over_mu(model):
    # member 0 exports in both sub-periods, 1 imports in both, 2 imports then exports
    net = [[-3.0, 1.0, 1.0], [-1.0, 2.0, -2.0]]
    buy, sell, tau, dt = np.array([0.20, 0.25, 0.22]), np.array([0.05, 0.04, 0.06]), 0.01, 0.5
    result = inv.invoice_community(_inputs(net, buy, sell, n=2, tariff=tau), model=model)
    steps = result.steps
    d = (steps["exp_com_kw"] - steps["imp_com_kw"]).to_numpy().reshape(2, 3)
    exp_grid = steps["exp_grid_kw"].to_numpy().reshape(2, 3)
    imp_grid = steps["imp_grid_kw"].to_numpy().reshape(2, 3)
    com = (steps["exp_com_kw"] + steps["imp_com_kw"]).to_numpy().reshape(2, 3)
    base = dt * (sell * exp_grid - buy * imp_grid - tau * com).sum(axis=0)
    netp = -np.array(net)
    alone = dt * (sell * np.maximum(netp, 0) - buy * np.maximum(-netp, 0)).sum(axis=0)
    np.testing.assert_allclose(result.profits["profit_alone"], alone, atol=1e-12)
    alpha = result.periods["alpha"].iloc[0]
    if model == "fair_price":
        # the price range of both sub-periods: lowest exporter break-even s + tau = 0.06,
        # highest importer break-even b - tau = 0.24
        grid = np.linspace(0.06, 0.24, 721)
        best = _alpha_by_grid(alone, base, d, dt, grid)
        # grid step 0.00025 €/kWh moves a relative gain by at most dt*3*0.00025/min|A|
        assert best - 1e-9 <= alpha <= best + dt * 3 * 2.5e-4 / np.abs(alone).min()
        mu = result.lem_price_per_kwh.to_numpy()
        assert ((mu >= 0.06 - 1e-9) & (mu <= 0.24 + 1e-9)).all()
    else:
        # surplus in both sub-periods: the rationed exporter sets mu = s + tau (m0 in the
        # first, m2 in the second, m0 being cheaper and exporting all it has)
        np.testing.assert_allclose(result.lem_price_per_kwh, [0.06, 0.07], atol=1e-9)
    gains = result.profits["gain"].to_numpy()
    assert (gains >= -1e-9).all()


def test_bilevel_price_on_a_surplus_is_the_sale_price_plus_tau():
    # 2 kW offered, 1 kW asked: exporters are rationed, mu = s + tau, alpha = 0
    result = inv.invoice_community(_inputs([[-2.0, 1.0]], 0.20, 0.05, n=1, tariff=0.01),
                                   model="bilevel")
    assert result.lem_price_per_kwh.iloc[0] == pytest.approx(0.06, abs=1e-9)
    assert result.periods["alpha"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    short = inv.invoice_community(_inputs([[-1.0, 2.0]], 0.20, 0.05, n=1, tariff=0.01),
                                  model="bilevel")
    assert short.lem_price_per_kwh.iloc[0] == pytest.approx(0.19, abs=1e-9)


def test_bilevel_balanced_market_gets_the_best_price_in_the_interval():
    """1 kW for 1 kW: any mu in [s + tau, b - tau] clears; max-min picks (closed form)."""
    buy, sell, tau, dt = 0.20, 0.05, 0.01, 0.5
    result = inv.invoice_community(_inputs([[-1.0, 1.0]], buy, sell, n=1, tariff=tau),
                                   model="bilevel")
    alone_a, alone_b = dt * sell, -dt * buy  # 0.025, -0.1
    # gain_a = dt (mu - tau - s), gain_b = dt (b - tau - mu); equal relative gains:
    mu = ((sell + tau) * abs(alone_b) + (buy - tau) * abs(alone_a)) / (abs(alone_a) + abs(
        alone_b))
    alpha = dt * (mu - tau - sell) / abs(alone_a)
    assert result.lem_price_per_kwh.iloc[0] == pytest.approx(mu, abs=1e-9)
    assert result.periods["alpha"].iloc[0] == pytest.approx(alpha, abs=1e-9)


def test_no_exchange_when_it_does_not_pay():
    # b - s = 0.018 < 2 tau = 0.02: nothing is exchanged, everyone is as alone
    result = inv.invoice_community(_inputs([[-1.0, 1.0]], 0.20, 0.182, n=1, tariff=0.01))
    assert result.periods["exchanged_kwh"].iloc[0] == 0.0
    assert result.periods["operator_revenue"].iloc[0] == 0.0
    np.testing.assert_allclose(result.profits["profit_community"],
                               result.profits["profit_alone"], atol=1e-12)
    # b - s = 2 tau exactly: exchanging changes nobody's welfare; still nobody loses
    tie = inv.invoice_community(_inputs([[-1.0, 1.0]], 0.20, 0.18, n=1, tariff=0.01))
    assert (tie.profits["gain"] >= -1e-12).all()
    assert tie.periods["welfare_community"].iloc[0] == pytest.approx(
        tie.periods["welfare_alone"].iloc[0], abs=1e-12)
    assert tie.periods["several_flow_optima"].iloc[0]  # exchanging or not: both optimal
    assert not result.periods["several_flow_optima"].iloc[0]


def test_storage_fee_through_the_efficiencies_makes_exchange_pay():
    """b - s - 2 tau = -0.01, but the storage owner earns fee / eta_d = 0.02 / 0.8."""
    members = pd.DataFrame({"storage_fee_per_kwh": [0.02, 0.0], "discharge_efficiency": [0.8, 1],
                            "charge_efficiency": [0.9, 1.0]}, index=["m0", "m1"])
    result = inv.invoice_community(
        _inputs([[-1.0, 1.0]], 0.20, 0.19, n=1, tariff=0.01, members=members))
    assert result.periods["exchanged_kwh"].iloc[0] == pytest.approx(0.5)
    fee = result.profits["storage_remuneration"]
    assert fee.iloc[0] == pytest.approx(0.5 * 0.02 / 0.8)
    assert fee.iloc[1] == 0.0
    gain = 0.5 * (0.20 - 0.19 - 0.02 + 0.02 / 0.8)
    assert result.periods["welfare_community"].iloc[0] - result.periods[
        "welfare_alone"].iloc[0] == pytest.approx(gain)
    # an importing storage owner is paid fee * eta_c on what it takes from the community
    result = inv.invoice_community(
        _inputs([[1.0, -1.0]], 0.20, 0.05, n=1, tariff=0.01, members=members))
    assert result.profits["storage_remuneration"].iloc[0] == pytest.approx(0.5 * 0.02 * 0.9)


def test_peaks_against_past_peaks():
    # member imports 3, 2.5, 4 kW averages; past peak 2 kW; price 1 per kW
    members = pd.DataFrame({"past_peak_kw": [2.0], "peak_price_per_kw": [1.0]}, index=["m0"])
    result = inv.invoice_community(_inputs([[3.0], [2.5], [4.0]], 0.2, 0.05, n=1,
                                           members=members, community_past_peak_kw=1.0,
                                           community_peak_price_per_kw=0.5))
    np.testing.assert_allclose(result.profits["peak_charge_alone"], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(result.profits["past_peak_kw"], [3.0, 3.0, 4.0])
    # the community's own peak: 1 kW past, then 3, 2.5, 4
    np.testing.assert_allclose(result.periods["community_peak_kw"], [3.0, 3.0, 4.0])
    np.testing.assert_allclose(result.periods["community_peak_charge"], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(result.profits["peak_share_community"], [1.0, 0.0, 0.5])


def test_peaks_restart_every_month():
    members = pd.DataFrame({"past_peak_kw": [5.0], "peak_price_per_kw": [1.0]}, index=["m0"])
    inputs = _inputs([[3.0], [2.0]], 0.2, 0.05, n=1, members=members, freq="D",
                     start="2024-01-31")
    result = inv.invoice_community(inputs)
    np.testing.assert_allclose(result.profits["peak_charge_alone"], [0.0, 2.0])
    assert list(inv.monthly_invoices(result).index.get_level_values("month").astype(str)) == [
        "2024-01", "2024-02"]


def test_zero_activity_sub_periods():
    # member 1 idle in sub-period 0, the whole community idle in the second period
    net = [[-1.0, 0.0, 1.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    result = inv.invoice_community(_inputs(net, 0.2, 0.05, n=2))
    steps = result.steps.xs(pd.Timestamp("2024-01-01 00:00"), level="step")
    assert (steps.loc["m1"] == 0).all()
    idle = result.periods.iloc[1]
    assert idle["status"] == "optimal" and np.isnan(idle["alpha"])
    assert idle["welfare_community"] == 0.0
    assert result.lem_price_per_kwh.iloc[2:].isna().all()
    assert result.flows["price_com_per_kwh"].iloc[3:].isna().all()


def test_no_pareto_improvement_is_reported_not_raised():
    """Alone, each member's past peak absorbs its import; together the community sets a new
    peak at a high price: the community loses in that period at every price."""
    members = pd.DataFrame({"past_peak_kw": [2.0, 2.0], "peak_price_per_kw": [1.0, 1.0]},
                           index=["m0", "m1"])
    result = inv.invoice_community(_inputs([[2.0, 2.0]], 0.2, 0.05, n=1, members=members,
                                           community_past_peak_kw=2.0,
                                           community_peak_price_per_kw=10.0))
    assert result.periods["status"].iloc[0] == "no_pareto_improvement"
    np.testing.assert_allclose(result.profits["profit_community"],
                               result.profits["profit_alone"])
    assert result.status == "optimal"


@pytest.mark.parametrize("solver", every_solver())
@pytest.mark.parametrize("model", inv.MODELS)
@pytest.mark.parametrize("first", [16, 64])  # 04:00-05:00 (storage selling), 16:00-17:00
def test_highs_and_other_solvers_agree(example_inputs, model, solver, first):
    n = example_inputs.n_steps_per_period
    part = slice(first * n, (first + 4) * n)
    inputs = inv.InvoicingInputs(
        example_inputs.net_load_kw.iloc[part], example_inputs.price_buy_per_kwh.iloc[part],
        example_inputs.price_sell_per_kwh.iloc[part], members=example_inputs.members,
        tariff_per_kwh=0.025, community_peak_price_per_kw=0.001, n_steps_per_period=n)
    reference = inv.invoice_community(inputs, model=model, solver="highs")
    other = inv.invoice_community(inputs, model=model, solver=solver)
    assert other.solver == solver
    np.testing.assert_allclose(other.periods["welfare_community"],
                               reference.periods["welfare_community"], atol=1e-6)
    # tied optimal flows are split pro rata, so both solvers reach the same flows here
    assert not reference.periods["several_flow_optima"].any()
    np.testing.assert_allclose(other.periods["alpha"], reference.periods["alpha"], atol=1e-6)
    np.testing.assert_allclose(other.steps["exp_com_kw"], reference.steps["exp_com_kw"],
                               atol=1e-6)


@pytest.mark.parametrize("solver", every_solver())
def test_every_solver_finds_the_same_lp_optimum(solver):
    month = inv._months_of(_inputs([[-2.0, 1.0], [1.0, -3.0]], 0.2, 0.05, n=2), "fair_price",
                           "highs")[0][0]
    cols = inv._flow_columns(month)
    lp = inv._phase1_lp(month, cols, np.zeros(1), np.zeros(1, dtype=bool))
    direct = inv._solve_lp(lp, "highs")
    other = inv._solve_lp(lp, solver)
    assert other.status == direct.status == "optimal"
    assert float(lp.cost @ other.x) == pytest.approx(float(lp.cost @ direct.x), abs=1e-9)


def test_an_infeasible_lp_is_a_status_not_an_error():
    lp = inv._LP(cost=np.ones(1), lower=np.zeros(1), upper=np.ones(1), rows=np.zeros(1, int),
                 cols=np.zeros(1, int), vals=np.ones(1), row_lower=np.full(1, 2.0),
                 row_upper=np.full(1, 3.0))
    assert inv._solve_lp(lp, "highs").status == "infeasible"


# ----------------------------------------------------------------------- invoices, inputs
def test_monthly_invoices_add_up(example):
    _, result = example
    table = inv.monthly_invoices(result)
    total = (table["grid_revenue"] - table["grid_cost"] + table["community_revenue"]
             - table["community_cost"] + table["storage_remuneration"] - table["peak_charge"])
    np.testing.assert_allclose(total, table["total"], atol=1e-8)
    np.testing.assert_allclose(table["total"].sum(), result.profits["profit_community"].sum())
    operator = inv.operator_invoice(result)
    assert operator["tariff_revenue"].iloc[0] == pytest.approx(
        (table["community_cost"] - table["community_revenue"]).sum(), abs=1e-6)
    assert operator["net"].iloc[0] == pytest.approx(
        operator["tariff_revenue"].iloc[0] - operator["storage_remuneration"].iloc[0])


def test_inputs_are_not_mutated():
    net = pd.DataFrame({"a": [-2.0, 1.0], "b": [1.0, -1.0]},
                       index=pd.date_range("2024-01-01", periods=2, freq="15min"))
    buy, sell = net * 0 + 0.2, net * 0 + 0.05
    copies = [net.copy(), buy.copy(), sell.copy()]
    inputs = inv.InvoicingInputs(net, buy, sell, n_steps_per_period=1)
    inv.invoice_community(inputs)
    for original, copy in zip((net, buy, sell), copies, strict=True):
        pd.testing.assert_frame_equal(original, copy)


def _write(tmp_path, structure=None, data=None):
    structure = structure if structure is not None else json.loads(
        (DATA / "invoicing.json").read_text())
    data = data if data is not None else pd.read_csv(DATA / "input_for_invoicing.csv").head(60)
    (tmp_path / "s.json").write_text(json.dumps(structure))
    data.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path / "s.json", tmp_path / "d.csv"


def _data():
    return pd.read_csv(DATA / "input_for_invoicing.csv").head(60)


@pytest.mark.parametrize("edit, arg, match", [
    (lambda d: d.assign(EAN999=1.0), "data_csv", "EAN999"),
    (lambda d: d.drop(columns="sale_price_3"), "data_csv", "sale_price_3"),
    (lambda d: d.drop(columns="EAN102"), "structure_json", "EAN102.* not a column of data_csv"),
    (lambda d: d.assign(EAN101=np.where(d.index == 3, np.nan, d["EAN101"])), "data_csv", "nan"),
    (lambda d: d.assign(EAN101=-1.0), "data_csv", "non-negative"),
    (lambda d: d.assign(datetime=pd.date_range("2019-10-07", periods=60, freq="7min").strftime(
        "%Y-%m-%dT%H:%M:%S")), "data_csv", "does not divide"),
    (lambda d: d.drop(index=5), "data_csv", "regularly spaced"),
])
def test_read_refuses_bad_data(tmp_path, edit, arg, match):
    paths = _write(tmp_path, data=edit(_data()))
    with pytest.raises(DataFormatError, match=rf"^{arg}: .*{match}"):
        inv.read_invoicing_inputs(*paths)


@pytest.mark.parametrize("edit, match", [
    (lambda s: s | {"community_tariff": -0.1}, "tariff_per_kwh"),
    (lambda s: s | {"community_peak_price": -1}, "community_peak_price_per_kw"),
    (lambda s: {k: v for k, v in s.items() if k != "entities"}, "entities"),
    (lambda s: s | {"entities": s["entities"] + [s["entities"][0]]}, "duplicated"),
    (lambda s: s | {"entities": [dict(s["entities"][0], storage={
        "usage_fee": 0.02, "charge_efficiency": 0.0, "discharge_efficiency": 0.9})] + s[
        "entities"][1:]}, "efficienc"),
    (lambda s: s | {"entities": [dict(s["entities"][0], peak_price=-1.0)] + s["entities"][1:]},
     "peak_price_per_kw"),
])
def test_read_refuses_bad_structures(tmp_path, edit, match):
    structure = edit(json.loads((DATA / "invoicing.json").read_text()))
    paths = _write(tmp_path, structure=structure)
    with pytest.raises(DataFormatError, match=rf"^structure_json: .*{match}"):
        inv.read_invoicing_inputs(*paths)


def test_inputs_refuse_misaligned_start():
    with pytest.raises(ValueError, match="^net_load_kw: .*does not start a market period"):
        _inputs([[1.0], [1.0]], 0.2, 0.05, n=2, start="2024-01-01 00:30")


def test_invoicing_explorer_reacts_to_the_tariff(example_inputs):
    pytest.importorskip("ipywidgets")
    from lectoolkit.widgets import invoicing_explorer

    controls, message, image = invoicing_explorer(example_inputs).children
    tau, peak = controls.children
    assert "τ" in tau.description and "EUR/kWh" in tau.description
    assert not tau.continuous_update and image.value
    before = message.value
    tau.value = 0.05  # still b - s - 2 tau > 0: all that can be exchanged is, at 2 tau
    net = example_inputs.net_load_kw.to_numpy()
    possible_kwh = np.minimum(np.maximum(net, 0).sum(axis=1), np.maximum(-net, 0).sum(
        axis=1)).sum() * example_inputs.timestep_h
    assert message.value != before
    assert f"operator revenue {2 * 0.05 * possible_kwh:,.3f} EUR" in message.value
    with pytest.raises(TypeError, match="^inputs: "):
        invoicing_explorer(example_inputs.net_load_kw)
    with pytest.raises(ValueError, match="^model: "):
        invoicing_explorer(example_inputs, model="nope")


def test_months_on_two_processes_give_the_same_invoice():
    members = pd.DataFrame({"past_peak_kw": [5.0, 0.0], "peak_price_per_kw": [1.0, 1.0]},
                           index=["m0", "m1"])
    inputs = _inputs([[3.0, -1.0], [2.0, -2.5]], 0.2, 0.05, n=1, members=members, freq="D",
                     start="2024-01-31")
    one = inv.invoice_community(inputs)
    two = inv.invoice_community(inputs, jobs=2)
    pd.testing.assert_frame_equal(one.profits, two.profits)
    pd.testing.assert_frame_equal(one.periods, two.periods)


def test_tied_exporters_share_pro_rata_and_other_ties_are_flagged():
    # 3 kW and 1 kW offered at the same price for 2 kW asked: split 1.5 / 0.5
    result = inv.invoice_community(_inputs([[-3.0, -1.0, 2.0]], 0.20, 0.05, n=1))
    np.testing.assert_allclose(result.steps["exp_com_kw"], [1.5, 0.5, 0.0], atol=1e-9)
    assert not result.periods["several_flow_optima"].iloc[0]
    # different sale prices: the cheaper exporter's kWh go first (unique optimum)
    sell = np.array([0.05, 0.04, 0.0])
    result = inv.invoice_community(_inputs([[-3.0, -1.0, 2.0]], 0.20, sell, n=1))
    np.testing.assert_allclose(result.steps["exp_com_kw"], [1.0, 1.0, 0.0], atol=1e-9)
    assert not result.periods["several_flow_optima"].iloc[0]


def test_alone_differs_from_the_original_only_by_its_past_peak_update(example):
    """The original keeps past = max(past, increment) (defect 3); with that rule put back
    into our peak charges, our phase 0 gives the original's profit alone of every period."""
    inputs, result = example
    avg_import = inputs.net_load_kw.clip(lower=0).to_numpy().reshape(96, 30, 4).mean(axis=1)
    past, original_charge = np.zeros(4), np.zeros((96, 4))
    for q in range(96):  # the original's update, written out here
        increment = np.maximum(avg_import[q] - past, 0.0)
        original_charge[q] = 0.001 * increment
        past = np.maximum(past, increment)
    ours = result.profits["profit_alone"] + result.profits["peak_charge_alone"]
    ours = ours.to_numpy().reshape(96, 4) - original_charge
    for k, member in enumerate(inputs.net_load_kw.columns):
        original = pd.read_csv(DATA / "original_run" / f"profit_{member}.csv")["profit_alone"]
        np.testing.assert_allclose(ours[:, k], original, atol=1e-6)

"""Notebook 04 (seed 003, community invoicing): runs in quick mode; the numbers check out.

References: the original's outputs on the example day (``data/mlec_invoicing/original_run``,
see its README) and closed forms from the data (the welfare-maximal exchange is
``min(total export, total import)`` per sub-period since ``b - s - 2 tau > 0`` everywhere).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.notebooks

STEM = "04_community_invoicing"
FIGURES = ["profits_per_member", "alpha_per_period", "local_price", "exchanges",
           "monthly_invoices"]
FOLDER = DATA / "mlec_invoicing"


@pytest.fixture(scope="module")
def original() -> dict:
    return json.loads((FOLDER / "original_run" / "summary.json").read_text())


def test_figures_written(study):
    _, figures = study
    assert set(FIGURES) <= figures


def test_original_numbers_are_the_recorded_ones(study, original):
    metrics, _ = study
    assert metrics["original"]["community_total"] == pytest.approx(-16.045, abs=5e-4)
    assert metrics["original"]["alone_total"] == pytest.approx(-90.770, abs=5e-4)
    assert metrics["original"]["alpha_mean"] == pytest.approx(original["alpha_pct_mean"] / 100,
                                                              abs=1e-6)


def test_every_member_gains_and_the_total_beats_the_original(study):
    metrics, _ = study
    for model, numbers in metrics["models"].items():
        assert numbers["min_gain"] >= -1e-6, model
        assert numbers["community_total"] > metrics["original"]["community_total"], model
        assert numbers["community_total"] >= numbers["alone_total"] - 1e-6, model
        assert numbers["solver"] == "highs"


def test_exchange_is_the_closed_form_and_revenue_is_two_tau(study):
    metrics, _ = study
    data = pd.read_csv(FOLDER / "input_for_invoicing.csv")
    # per member net positions: entity e = EAN20e - EAN10e (entity 4 has no injection)
    net = np.column_stack([data["EAN201"] - data["EAN101"], data["EAN202"] - data["EAN102"],
                           data["EAN203"] - data["EAN103"], -data["EAN104"]])
    possible = np.minimum(np.maximum(net, 0).sum(axis=1), np.maximum(-net, 0).sum(axis=1))
    possible_kwh = possible.sum() * 30 / 3600
    assert metrics["possible_exchange_kwh"] == pytest.approx(possible_kwh, rel=1e-12)
    fair = metrics["models"]["fair_price"]
    assert fair["exchanged_kwh"] == pytest.approx(possible_kwh, rel=1e-7)
    for numbers in metrics["models"].values():
        assert numbers["operator_revenue"] == pytest.approx(
            2 * metrics["tariff_per_kwh"] * numbers["exchanged_kwh"], rel=1e-12)


def test_bilevel_alpha_is_mostly_zero(study):
    metrics, _ = study
    bilevel, fair = metrics["models"]["bilevel"], metrics["models"]["fair_price"]
    assert bilevel["alpha_zero_periods"] >= metrics["n_periods"] // 2
    assert bilevel["alpha_mean"] < fair["alpha_mean"]


def test_synthetic_invoices_balance(study):
    metrics, _ = study
    synthetic = metrics["synthetic"]
    assert synthetic["invoice_total"] == pytest.approx(synthetic["welfare_community"], abs=1e-8)
    assert synthetic["tariff_revenue"] == pytest.approx(
        synthetic["community_cost_minus_revenue"], abs=1e-6)
    assert synthetic["min_gain"] >= -1e-6
    assert synthetic["invoice_total"] >= synthetic["invoice_total_alone"] - 1e-6

"""Overflow and underflow edges: a result is right, or refused; never NaN, inf or off.

Oracle: homogeneity. Every rule below is homogeneous of degree 1 (or 0) in the scaled
inputs, so scaling them by ``s`` must scale the result by ``s`` (or leave it unchanged)
as long as the numbers stay in float64's range; where they do not, the function must
raise :class:`ResultRangeError` (a ``ValueError``) instead of returning NaN or inf.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit import (
    gini,
    proportional_allocation,
    settle,
    shapley_values,
    supply_demand_ratio,
    talmud_rule,
)
from lectoolkit._validate import ResultRangeError

SCALES = st.sampled_from([5e-324, 1e-310, 1e-300, 1e-150, 1.0, 1e150, 1e300, 1e307, 1.7e308])
NORMAL_SCALES = st.sampled_from([1e-300, 1e-150, 1e-20, 1.0, 1e20, 1e150, 1e300, 1e307])
positive = st.floats(0.1, 10.0)


def scaled_or_refused(compute, reference, scale, *, degree=1, rtol=1e-9):
    """``compute()`` equals ``scale**degree * reference`` or raises ResultRangeError."""
    try:
        got = np.asarray(compute(), dtype=float)
    except ResultRangeError as err:
        assert str(err).split(":")[0], "the refusal names the arguments"
        return None
    assert np.isfinite(got).all(), f"non-finite result {got}"
    expected = np.asarray(reference, dtype=float) * (scale if degree else 1.0)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=abs(scale) * 1e-9 if degree else 0)
    return got


# --------------------------------------------------------------------------- allocation


@given(st.lists(positive, min_size=1, max_size=8), st.floats(-100, 100), SCALES)
def test_proportional_allocation_does_not_depend_on_the_weights_scale(weights, total, scale):
    reference = proportional_allocation(weights, total)
    with np.errstate(over="ignore", under="ignore"):
        weights_scaled = np.asarray(weights) * scale
    if not np.all((weights_scaled > 0) & np.isfinite(weights_scaled)):
        return  # the scaled weights left float64: a different problem
    got = proportional_allocation(weights_scaled, total)
    # subnormal weights carry few significant bits: compare at their precision
    precision = max(1e-12, 4.9e-324 / weights_scaled.min())
    np.testing.assert_allclose(got, reference, rtol=precision, atol=precision * abs(total))


@given(st.lists(positive, min_size=2, max_size=6), st.floats(0.0, 1.0), NORMAL_SCALES)
def test_talmud_rule_is_homogeneous(claims, fraction, scale):
    estate = fraction * sum(claims)
    reference = talmud_rule(estate, claims)
    scaled_or_refused(lambda: talmud_rule(estate * scale, np.asarray(claims) * scale),
                      reference, scale)


@given(st.lists(positive, min_size=2, max_size=8), NORMAL_SCALES)
def test_gini_does_not_depend_on_the_scale(values, scale):
    reference = gini(values)
    scaled_or_refused(lambda: gini(np.asarray(values) * scale), reference, scale, degree=0)


# --------------------------------------------------------------------------- games


@given(st.lists(st.floats(-10, 10), min_size=7, max_size=7), NORMAL_SCALES)
def test_shapley_values_are_homogeneous(worths, scale):
    dense = np.r_[0.0, worths]
    reference = shapley_values(dense)
    got = scaled_or_refused(lambda: shapley_values(dense * scale), reference, scale)
    if got is not None:  # efficiency survives the scaling
        np.testing.assert_allclose(got.sum(), dense[-1] * scale, rtol=1e-9,
                                   atol=1e-9 * scale * np.abs(dense).max())


# --------------------------------------------------------------------------- settlement


@pytest.mark.parametrize("mechanism", ["conventional", "mmr", "bill_sharing", "sdr"])
@given(load=st.lists(st.floats(0.0, 5.0), min_size=6, max_size=6),
       pv=st.lists(st.floats(0.0, 5.0), min_size=6, max_size=6), scale=NORMAL_SCALES)
@settings(max_examples=30)
def test_settlement_bills_are_homogeneous_in_energy(mechanism, load, pv, scale):
    load = np.asarray(load).reshape(3, 2)
    pv = np.asarray(pv).reshape(3, 2)
    prices = {"price_buy_per_kwh": 10.0, "price_sell_per_kwh": 4.0}
    reference = settle(load, pv, mechanism, **prices).bills
    scaled_or_refused(lambda: settle(load * scale, pv * scale, mechanism, **prices).bills,
                      reference, scale, rtol=1e-7)


def test_settlement_that_overflows_is_refused():
    load = np.array([[1e308, 0.0], [0.0, 1e308]])
    pv = np.zeros_like(load)
    with pytest.raises(ResultRangeError, match=r"^[a-z_, ]*load_kwh"):
        settle(load, pv, "conventional", price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)


@given(st.floats(0.1, 10.0), st.floats(0.1, 10.0), NORMAL_SCALES)
def test_supply_demand_ratio_prices_do_not_depend_on_the_energy_scale(demand, supply, scale):
    reference = supply_demand_ratio([demand], [supply], 10.0, 4.0)
    try:
        got = supply_demand_ratio([demand * scale], [supply * scale], 10.0, 4.0)
    except ResultRangeError:
        return
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(reference, dtype=float),
                               rtol=1e-9)

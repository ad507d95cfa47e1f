"""NRG-X-Change against the printed outputs of seed 001 (hlopez058/PHD, p4 notebook).

The seed prints 6 decimals; the data file itself was rebuilt from 6-decimal printouts,
so the check is at 1e-5 absolute.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lectoolkit._validate import ResultRangeError
from lectoolkit.io import read_prosumer_monthly
from lectoolkit.nrgx import CENT, charge, payment, period_totals, settle_nrgx
from lectoolkit.nrgx_coalitions import settle_nrgx_coalitions
from tests.conftest import DATA

N3 = DATA / "prosumer_N3_model_20210129_1416.csv"

# seed 001, Out[109]: monthly sums of nrg_cash with a = 1e6 (max 12.09, min 9.84 ¢/kWh)
SEED_MONTHLY_CASH = {
    "2019-10-01": -50.239334, "2019-11-01": -33.690871, "2019-12-01": -86.942066,
    "2020-01-01": 39.126558, "2020-02-01": 54.186422, "2020-03-01": 50.898930,
    "2020-04-01": 51.389962, "2020-05-01": 48.236026, "2020-06-01": 64.661658,
    "2020-07-01": 5.766993, "2020-08-01": 64.854993, "2020-09-01": -17.254833,
    "2020-10-01": 34.843701, "2020-11-01": 55.426719,
}
# seed 001, Out[109]: monthly sums of demand, consumption and net energy (first rows);
# the reader names them load_kwh, import_kwh and export_kwh = -net_energy
SEED_MONTHLY_TOTALS = {
    "2019-10-01": (2489.115675, 822.730493, -190.824158),
    "2020-08-01": (2714.639733, 227.075492, -813.370054),
}
ATOL = 1e-5


@pytest.fixture(scope="module")
def n3():
    return read_prosumer_monthly(N3)


def test_seed_first_period(n3):
    cash = settle_nrgx(n3, CENT * n3["price_cents_per_kwh"].max(),
                       CENT * n3["price_cents_per_kwh"].min(), a_kwh2=1e6)
    first = cash[cash["step"] == "2019-10-01"]
    np.testing.assert_allclose(first["nrg_cash"], [-17.458161, 15.475455, -48.256628], atol=ATOL)


def test_seed_monthly_sums(n3):
    cash = settle_nrgx(n3, CENT * n3["price_cents_per_kwh"].max(),
                       CENT * n3["price_cents_per_kwh"].min(), a_kwh2=1e6)
    monthly = cash.groupby("step")["nrg_cash"].sum()
    expected = pd.Series(SEED_MONTHLY_CASH)
    expected.index = pd.to_datetime(expected.index)
    pd.testing.assert_series_equal(monthly, expected, check_names=False, atol=ATOL, rtol=0)


def test_seed_monthly_totals(n3):
    sums = n3.groupby("step")[["load_kwh", "import_kwh", "export_kwh"]].sum()
    for day, (load, consumption, net_energy) in SEED_MONTHLY_TOTALS.items():
        np.testing.assert_allclose(sums.loc[day].to_numpy(), (load, consumption, -net_energy),
                                   atol=ATOL)


def test_seed_swapped_prices_option(n3):
    # seed 001, Out[147]: the call with max/min prices passed in swapped order
    cash = settle_nrgx(n3, CENT * n3["price_cents_per_kwh"].max(),
                       CENT * n3["price_cents_per_kwh"].min(), a_kwh2=1e6,
                       seed_swapped_prices=True)
    first = cash[cash["step"] == "2019-10-01"]
    np.testing.assert_allclose(first["nrg_cash"], [-21.450119, 12.595408, -59.290917], atol=ATOL)


def test_settle_does_not_mutate_and_is_order_free(n3):
    shuffled = n3.sample(frac=1.0, random_state=0)
    before = shuffled.copy()
    a = settle_nrgx(shuffled, 0.1209, 0.0984, a_kwh2=1e6)
    pd.testing.assert_frame_equal(shuffled, before)
    b = settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6)
    pd.testing.assert_frame_equal(a, b)


def test_prices_in_cents_converted_by_cent_match_money(n3):
    cents = settle_nrgx(n3, CENT * 12.09, CENT * 9.84, a_kwh2=1e6)
    money = settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6)
    np.testing.assert_allclose(cents["nrg_cash"], money["nrg_cash"], rtol=1e-12)


def test_period_totals(n3):
    totals = period_totals(n3)
    assert totals.loc["2019-10-01", "community_export_kwh"] == pytest.approx(190.824158)
    assert totals.loc["2019-10-01", "community_import_kwh"] == pytest.approx(822.730493)


def test_payment_closed_forms():
    # balanced market: the bell is 1, g = x q
    assert payment(10.0, 50.0, 50.0, 0.2, 1e3) == pytest.approx(2.0, rel=1e-15)
    # one unit of width away: g = x q / e
    assert payment(10.0, 50.0, 50.0 + np.sqrt(1e3), 0.2, 1e3) == pytest.approx(2.0 / np.e)
    # exponent n
    assert payment(3.0, 1.0, 1.0, 1.0, 1.0, exponent=2) == pytest.approx(9.0)
    # far off balance: underflows to 0 without overflow warnings
    assert payment(10.0, 0.0, 1e6, 0.2, 1.0) == 0.0


def test_charge_closed_forms():
    assert charge(10.0, 0.0, 40.0, 0.3) == pytest.approx(3.0)  # no production: full tariff
    assert charge(10.0, 40.0, 40.0, 0.3) == pytest.approx(1.5)  # balanced: half tariff
    assert charge(0.0, 0.0, 0.0, 0.3) == 0.0


@settings(max_examples=50, deadline=None)
@given(x=st.floats(0, 1e3), y=st.floats(0, 1e3), tp=st.floats(0, 1e4), tc=st.floats(0, 1e4),
       n=st.floats(1, 3))
def test_payment_and_charge_bounds(x, y, tp, tc, n):
    q, r = 0.12, 0.1
    g = payment(x, tp, tc, q, 1e6, n)
    assert 0 <= g <= x**n * q * (1 + 1e-12)
    h = charge(y, tp, tc, r)
    assert 0 <= h <= y * r * (1 + 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"export_kwh": np.nan}, "export_kwh"),
        ({"export_kwh": -1.0}, "export_kwh"),
        ({"community_export_kwh": np.inf}, "community_export_kwh"),
        ({"a_kwh2": 0.0}, "a_kwh2"),
        ({"exponent": -1.0}, "exponent:"),
        ({"max_price_per_kwh": np.nan}, "max_price_per_kwh"),
    ],
)
def test_payment_rejects_bad_input(kwargs, message):
    args = {"export_kwh": 1.0, "community_export_kwh": 1.0, "community_import_kwh": 1.0,
            "max_price_per_kwh": 0.1, "a_kwh2": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        payment(**args)


def test_charge_rejects_bad_input():
    with pytest.raises(ValueError, match="import_kwh"):
        charge(-1.0, 1.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="min_price_per_kwh"):
        charge(1.0, 1.0, 1.0, np.nan)


def test_settle_rejects_bad_frames(n3):
    with pytest.raises(ValueError, match="missing columns"):
        settle_nrgx(n3.drop(columns="import_kwh"), 0.12, 0.09, a_kwh2=1e6)
    bad = n3.copy()
    bad.loc[3, "export_kwh"] = -5.0
    with pytest.raises(ValueError, match="export_kwh"):
        settle_nrgx(bad, 0.12, 0.09, a_kwh2=1e6)
    bad = n3.copy()
    bad.loc[3, "import_kwh"] = np.nan
    with pytest.raises(ValueError, match="import_kwh"):
        settle_nrgx(bad, 0.12, 0.09, a_kwh2=1e6)


def test_coalition_linear_payment_is_additive(n3):
    # n = 1: v(S) = sum of stand-alone payments, so Shapley = stand-alone payment
    result = settle_nrgx_coalitions(n3, 0.1209, a_kwh2=1e6, exponent=1.0)
    table = result.per_member
    np.testing.assert_allclose(table["shapley"], table["standalone"], rtol=1e-12)
    np.testing.assert_allclose(result.per_period["coalition_gain"], 0.0, atol=1e-9)
    # the stand-alone payments are the seed's nrg_cash of the exporters (Out[109] first row)
    first = table.xs(pd.Timestamp("2019-10-01"), level="step")
    np.testing.assert_allclose(first["standalone"], [15.475455], atol=ATOL)


@settings(max_examples=25, deadline=None)
@given(export=st.lists(st.floats(0.5, 500.0), min_size=2, max_size=8),
       consumption=st.floats(0.0, 2000.0))
def test_coalition_quadratic_payment_closed_form(export, consumption):
    # n = 2: v(S) = c (sum_S x)^2 = c sum_{i,j in S} x_i x_j, a sum of pair games whose
    # Shapley value is phi_i = c x_i X (X = total export); c = q exp(-(tp-tc)^2/a)
    k = len(export)
    frame = pd.DataFrame({
        "member": np.arange(k + 1), "step": "2020-01-01",
        "import_kwh": [0.0] * k + [consumption], "export_kwh": [*export, 0.0],
    })
    a, q = 1e7, 0.1
    result = settle_nrgx_coalitions(frame, q, a_kwh2=a, exponent=2.0)
    x = np.asarray(export)
    c = q * np.exp(-((x.sum() - consumption) ** 2) / a)
    np.testing.assert_allclose(result.per_member["shapley"], c * x * x.sum(), rtol=1e-9)
    period = result.per_period.iloc[0]
    assert period["coalition_gain"] >= -1e-9 and period["n_members"] == k and period["exact"]
    assert result.per_member["shapley"].sum() == pytest.approx(period["coalition_worth"],
                                                               rel=1e-12)


def test_coalition_skips_periods_without_exporters(n3):
    result = settle_nrgx_coalitions(n3, 0.1209, a_kwh2=1e6, exponent=1.1)
    exporting_months = n3[n3["export_kwh"] > 0]["step"].unique()
    assert sorted(result.per_period.index) == sorted(exporting_months)
    assert sorted(result.per_member.index.unique("step")) == sorted(exporting_months)
    assert (result.per_member["std_error"] == 0).all() and result.per_period["exact"].all()


# --------------------------------------------------------------------------- issue 7


def test_settle_refuses_duplicated_id_time_rows(n3):
    # a repeated (member, step) row used to be settled twice and counted twice in the totals
    doubled = pd.concat([n3, n3.iloc[[4]]], ignore_index=True)
    with pytest.raises(ValueError,
                       match=r"^frame: \(member, step\) = \(.*\) repeats at row 42"):
        settle_nrgx(doubled, 0.1209, 0.0984, a_kwh2=1e6)
    with pytest.raises(ValueError, match=r"^frame: \(member, step\)"):
        settle_nrgx_coalitions(doubled, 0.1209, a_kwh2=1e6)


def test_settle_refuses_a_row_that_imports_and_exports(n3):
    # nrg_cash would keep the payment and silently drop the charge
    bad = n3.copy()
    row = int(np.flatnonzero(bad["export_kwh"] > 0)[0])
    bad.loc[row, "import_kwh"] = 5.0
    with pytest.raises(ValueError, match=rf"^frame: row {row} has import_kwh 5.0 and export_kwh"):
        settle_nrgx(bad, 0.1209, 0.0984, a_kwh2=1e6)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"max_price_per_kwh": np.nan}, ValueError, r"^max_price_per_kwh: expected a finite"),
        ({"min_price_per_kwh": True}, TypeError, r"^min_price_per_kwh: expected a real number"),
        ({"max_price_per_kwh": "12"}, TypeError, r"^max_price_per_kwh: expected a real number"),
        ({"min_price_per_kwh": -1.0}, ValueError, r"^min_price_per_kwh: expected a number >= 0"),
        ({"max_price_per_kwh": 0.09}, ValueError,
         r"^min_price_per_kwh: expected a number <= max_price_per_kwh = 0.09"),
        ({"a_kwh2": 0.0}, ValueError, r"^a_kwh2: expected a number > 0"),
        ({"a_kwh2": -1e6}, ValueError, r"^a_kwh2: expected a number > 0"),
        ({"exponent": 0.0}, ValueError, r"^exponent: expected a number > 0"),
        ({"exponent": np.inf}, ValueError, r"^exponent: expected a finite number"),
        ({"seed_swapped_prices": "yes"}, TypeError, r"^seed_swapped_prices: expected True"),
    ],
)
def test_settle_refuses_bad_scalars(n3, kwargs, error, pattern):
    args = {"max_price_per_kwh": 0.1209, "min_price_per_kwh": 0.0984, "a_kwh2": 1e6}
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        settle_nrgx(n3, **args)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"max_price_per_kwh": 1e308},
         r"^frame, max_price_per_kwh, min_price_per_kwh, exponent: the payments or charges"),
        ({"exponent": 200.0},
         r"^frame, max_price_per_kwh, min_price_per_kwh, exponent: the payments or charges"),
    ],
)
def test_settle_overflow_is_refused_not_returned_as_inf(n3, kwargs, pattern):
    args = {"max_price_per_kwh": 0.1209, "min_price_per_kwh": 0.0984, "a_kwh2": 1e6}
    args.update(kwargs)
    with pytest.raises(ResultRangeError, match=pattern):
        settle_nrgx(n3, **args)
    huge = n3.copy()
    huge["import_kwh"] = np.where(huge["import_kwh"] > 0, 1e308, 0.0)
    with pytest.raises(ResultRangeError, match=r"^frame: the period totals"):
        settle_nrgx(huge, 0.1209, 0.0984, a_kwh2=1e6)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"export_kwh": True}, TypeError, r"^export_kwh: expected numbers"),
        ({"max_price_per_kwh": "0.1"}, TypeError, r"^max_price_per_kwh: expected numbers"),
        ({"max_price_per_kwh": -0.1}, ValueError, r"^max_price_per_kwh: expected a number >= 0"),
        ({"a_kwh2": np.nan}, ValueError, r"^a_kwh2: expected a finite number"),
        ({"a_kwh2": False}, TypeError, r"^a_kwh2: expected a real number"),
        ({"exponent": 0.0}, ValueError, r"^exponent: expected a number > 0"),
        ({"export_kwh": [1.0, 2.0], "community_export_kwh": [1.0, 2.0, 3.0]}, ValueError,
         r"^community_export_kwh: shape \(3,\) does not broadcast with the shape \(2,\) of export"),
        ({"export_kwh": 1e200, "exponent": 2.0}, ResultRangeError,
         r"^export_kwh, max_price_per_kwh, exponent: payments leave the range of float64"),
    ],
)
def test_payment_refuses_bad_scalars_and_overflow(kwargs, error, pattern):
    # a negative price used to be turned positive by abs(); NaN exponents and bools
    # passed through float()
    args = {"export_kwh": 1.0, "community_export_kwh": 1.0, "community_import_kwh": 1.0,
            "max_price_per_kwh": 0.1, "a_kwh2": 1.0}
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        payment(**args)


def test_charge_refuses_negative_price_and_overflow():
    with pytest.raises(ValueError, match=r"^min_price_per_kwh: expected a number >= 0"):
        charge(1.0, 1.0, 1.0, -0.1)
    with pytest.raises(ResultRangeError, match=r"^import_kwh, min_price_per_kwh: charges"):
        charge(1e308, 0.0, 1.0, 10.0)


def test_payment_exact_where_intermediates_leave_float64():
    # closed forms: x**n q with a balanced market (bell = 1)
    assert payment(1e200, 5.0, 5.0, 1e-200, 1.0, exponent=2) == pytest.approx(1e200, rel=1e-12)
    assert payment(1e-200, 5.0, 5.0, 1e300, 1.0, exponent=2) == pytest.approx(1e-100, rel=1e-12)
    # bell underflowing on its own while the payment is representable: x q e^{-800}
    assert payment(1.0, 0.0, 800.0, 1e300, 800.0) == pytest.approx(
        np.exp(np.log(1e300) - 800.0), rel=1e-12)


def test_charge_share_survives_huge_and_subnormal_totals():
    # t_c / (t_c + t_p) = 1/2; t_c + t_p used to overflow to inf and give a zero charge
    assert charge(2.0, 1e308, 1e308, 1.0) == pytest.approx(1.0, rel=1e-15)
    assert charge(2.0, 5e-324, 5e-324, 1.0) == pytest.approx(1.0, rel=1e-15)
    assert charge(2.0, 0.0, 1e-310, 1.0) == pytest.approx(2.0, rel=1e-15)


def test_payment_pairs_series_by_label():
    export = pd.Series([1.0, 2.0], index=["a", "b"])
    totals = pd.Series([3.0, 2.0], index=["b", "a"])  # balanced for each label: t_p = t_c
    out = payment(export, totals, pd.Series([2.0, 3.0], index=["a", "b"]), 1.0, 1.0)
    pd.testing.assert_series_equal(out, pd.Series([1.0, 2.0], index=["a", "b"],
                                                  name="payment"))
    with pytest.raises(ValueError, match=r"^community_export_kwh: labels differ from those of"):
        payment(export, pd.Series([3.0, 2.0], index=["b", "c"]), 1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"n_permutations": 3}, ValueError, r"^n_permutations: expected an even number"),
        ({"n_permutations": 1}, ValueError, r"^n_permutations: expected an integer >= 2"),
        ({"max_exact_players": 40}, ValueError, r"^max_exact_players: expected an integer <= 25"),
        ({"max_exact_players": True}, TypeError, r"^max_exact_players: expected an integer"),
        ({"rng": -1}, ValueError, r"^rng: expected an integer >= 0"),
        ({"rng": "seed"}, TypeError, r"^rng: expected an integer"),
        ({"max_price_per_kwh": -1.0}, ValueError, r"^max_price_per_kwh: expected a number >= 0"),
        ({"exponent": 200.0}, ResultRangeError,
         r"^frame, max_price_per_kwh, exponent: the coalition payments"),
    ],
)
def test_coalitions_check_sizes_and_scalars_before_any_period(n3, kwargs, error, pattern):
    # n3 never reaches the sampler (at most 3 exporters), so these used to pass silently
    args = {"max_price_per_kwh": 0.1209, "a_kwh2": 1e6, "exponent": 1.1}
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        settle_nrgx_coalitions(n3, **args)


def test_coalitions_sampled_beyond_max_exact_players():
    # cubic payment: the sampled periods must be flagged, carry standard errors and sit
    # within 4 of them of the exact (enumerated) Shapley value of the same period
    export = np.array([5.0, 10.0, 20.0, 40.0, 3.0])
    frame = pd.DataFrame({"member": list("abcdef"), "step": "2020-01-01",
                          "import_kwh": [0.0] * 5 + [50.0],
                          "export_kwh": [*export, 0.0]})
    args = {"max_price_per_kwh": 0.1, "a_kwh2": 1e6, "exponent": 3.0}
    exact = settle_nrgx_coalitions(frame, **args)
    sampled = settle_nrgx_coalitions(frame, **args, max_exact_players=2, n_permutations=200,
                                     rng=3)
    table = sampled.per_member
    assert list(table.index.get_level_values("member")) == list("abcde")
    assert exact.per_period["exact"].iloc[0] and not sampled.per_period["exact"].iloc[0]
    assert (table["std_error"] > 0).all() and (exact.per_member["std_error"] == 0).all()
    z = (table["shapley"] - exact.per_member["shapley"]).abs() / table["std_error"]
    assert (z <= 4).all(), z
    assert table["shapley"].sum() == pytest.approx(sampled.per_period["coalition_worth"].iloc[0],
                                                   rel=1e-12)


def test_coalitions_without_exporters_are_empty():
    frame = pd.DataFrame({"member": [1, 2], "step": "2020-01-01", "import_kwh": [1.0, 2.0],
                          "export_kwh": [0.0, 0.0]})
    result = settle_nrgx_coalitions(frame, 0.1, a_kwh2=1e6)
    assert result.per_member.empty and result.per_period.empty
    assert list(result.per_member.index.names) == ["step", "member"]
    assert list(result.per_period.columns) == ["n_members", "coalition_worth", "coalition_gain",
                                               "exact"]


def test_pricing_module_imports_no_game_module():
    # nrgx is the pricing only: the coalition settlement sits above games and shapley
    import ast
    import subprocess
    import sys

    code = ("import sys, lectoolkit.nrgx; "
            "print(sorted(m for m in sys.modules if m.startswith('lectoolkit.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(ast.literal_eval(out))
    assert "lectoolkit.nrgx" in loaded
    assert not loaded & {"lectoolkit.games", "lectoolkit.coalitions", "lectoolkit.shapley",
                         "lectoolkit.nrgx_coalitions"}


def test_a_table_in_the_seeds_own_names_takes_one_renaming_step(n3):
    from lectoolkit.io import SEED_PROSUMER_NAMES, from_seed_prosumer_frame

    seed = n3.rename(columns={v: k for k, v in SEED_PROSUMER_NAMES.items()})
    seed["net_energy"] = -seed["net_energy"]
    with pytest.raises(ValueError, match="from_seed_prosumer_frame"):
        settle_nrgx(seed, 0.1209, 0.0984, a_kwh2=1e6)
    pd.testing.assert_frame_equal(settle_nrgx(from_seed_prosumer_frame(seed), 0.1209, 0.0984,
                                              a_kwh2=1e6),
                                  settle_nrgx(n3, 0.1209, 0.0984, a_kwh2=1e6))


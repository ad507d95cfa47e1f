"""Bad-input battery entries for lectoolkit.allocation (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import Bad, Spec, integer_bads, number_bads, vector_bads

MEMBERS = ["a", "b", "c", "d"]
# seed 000, community not self-sufficient: both prices enter the contributions
CONSUMPTION = pd.Series([300.0, 200.0, 400.0, 150.0], index=MEMBERS)
PRODUCTION = pd.Series([200.0, 300.0, 350.0, 150.0], index=MEMBERS)
SUPPLY = pd.Series([18.0, 25.0, 15.0, 26.0], index=MEMBERS)
DEMAND = pd.Series([5.0, 6.0, 17.0, 29.0], index=MEMBERS)


def free_vector_bads(good, *, nonneg=True, extra=()):
    """Bad values of a vector of any length (a longer vector is valid): no "too_long"."""
    return vector_bads(good, nonneg=nonneg, fixed_length=False) + [
        Bad(pd.Series(good, index=["x"] * len(good)), ValueError, "duplicated_labels"),
        Bad(pd.DataFrame({"x": good}), TypeError, "dataframe"),
        Bad([[1.0], [1.0, 2.0]], ValueError, "ragged"),
    ] + list(extra)


def paired_bads(good, *, extra=()):
    """Bad values of one of two per-member Series paired by label."""
    return vector_bads(good, extra=[
        Bad(pd.DataFrame({"x": good}), TypeError, "dataframe"),
        Bad(good.iloc[:-1], ValueError, "missing_label"),
        Bad(good.to_numpy()[:-1], ValueError, "too_short"),
        *extra,
    ])


def price_bads(*, overflow=True):
    """Bad prices; ``overflow``: 1e308 [money/kWh] takes the results beyond float64."""
    extra = [Bad(1e308, ValueError, "overflow")] if overflow else []
    return number_bads(negative=True, extra=extra)


def share_bads():
    return number_bads(negative=True, extra=[Bad(1.5, ValueError, "above_one")])


PROSUMER_GOOD = {
    "load_kwh": CONSUMPTION, "pv_kwh": PRODUCTION,
    "price_buy_per_kwh": 0.12, "price_sell_per_kwh": 0.15, "share_sold": 0.5,
}
PROSUMER_BAD = {
    "load_kwh": paired_bads(CONSUMPTION),
    "pv_kwh": paired_bads(PRODUCTION),
    "price_buy_per_kwh": price_bads(),
    "price_sell_per_kwh": price_bads(),
    "share_sold": share_bads(),
}

SPECS = [
    Spec(
        "equal_allocation",
        good={"total": 9.0, "n_members": 3},
        bad={
            "total": number_bads(),
            "n_members": integer_bads(minimum=1, extra=[
                Bad(10**15, ValueError, "beyond_memory"),
                Bad(np.array([3]), TypeError, "array"),
            ]),
        },
    ),
    Spec(
        "proportional_allocation",
        good={"weights": [1.0, 3.0, 0.5], "total": 8.0},
        bad={
            "weights": free_vector_bads([1.0, 3.0, 0.5], extra=[
                Bad([0.0, 0.0], ValueError, "all_zero"),
            ]),
            "total": number_bads(),
        },
    ),
    Spec(
        "talmud_rule",
        good={"estate": 200.0, "claims": [100.0, 200.0, 300.0]},
        bad={
            "estate": number_bads(negative=True, extra=[
                Bad(601.0, ValueError, "above_total_claim"),
            ]),
            "claims": free_vector_bads([100.0, 200.0, 300.0], extra=[
                Bad([10.0, 20.0], ValueError, "total_below_estate"),
            ]),
        },
    ),
    Spec("marginal_contributions", good=PROSUMER_GOOD, bad=PROSUMER_BAD),
    # a huge sale price only drives the weight of the surplus member to 0: a finite,
    # valid profit vector, so that price has no overflow case here
    Spec("marginal_contribution_allocation", good=PROSUMER_GOOD,
         bad=PROSUMER_BAD | {"price_sell_per_kwh": price_bads(overflow=False)}),
    Spec(
        "demand_permutation_allocation",
        good={"load_kwh": [6.0, 12.0, 15.0, 15.0], "available_kwh": 78.0},
        bad={
            "load_kwh": free_vector_bads([6.0, 12.0, 15.0, 15.0], extra=[
                Bad(np.ones(26), ValueError, "too_many_members"),
            ]),
            "available_kwh": number_bads(negative=True),
        },
    ),
    Spec(
        "surplus_deficit_allocation",
        good={"pv_kwh": SUPPLY, "load_kwh": DEMAND},
        bad={
            "pv_kwh": paired_bads(SUPPLY, extra=[
                Bad(np.ones(26), ValueError, "too_many_members"),
            ]),
            "load_kwh": paired_bads(DEMAND, extra=[
                Bad(np.ones(26), ValueError, "too_many_members"),
            ]),
        },
    ),
]

COMPARE_BAD = PROSUMER_BAD | {
    # 1e308 [money/kWh] makes Cg < delta Cr (refused) or overflows the worths
    "price_buy_per_kwh": number_bads(negative=True, extra=[
        Bad(0.05, ValueError, "below_share_times_sell_price"),
        Bad(1e308, ValueError, "overflow")]),
    "price_sell_per_kwh": number_bads(negative=True, extra=[
        Bad(1.0, ValueError, "above_buy_price_over_share")]),
    "tol_money": number_bads(negative=True),
    "solver": [Bad("nope", ValueError, "unknown"), Bad(3, TypeError, "int"),
               Bad(None, TypeError, "none")],
}

SPECS += [
    Spec("compare_allocations", good=PROSUMER_GOOD | {"tol_money": 1e-7, "solver": "auto"},
         bad=COMPARE_BAD),
    Spec(
        "deficit_allocations",
        good={"pv_kwh": SUPPLY, "load_kwh": DEMAND, "volume_share": 0.5},
        bad={
            "pv_kwh": paired_bads(SUPPLY, extra=[
                Bad(np.ones(26), ValueError, "too_many_members"),
            ]),
            "load_kwh": paired_bads(DEMAND, extra=[
                Bad(np.ones(26), ValueError, "too_many_members"),
            ]),
            "volume_share": share_bads(),
        },
    ),
]

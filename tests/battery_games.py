"""Bad-input battery entries for lectoolkit.games (see tests/battery.py)."""

import numpy as np
from battery import Bad, Spec, integer_bads, number_bads
from battery_allocation import (
    CONSUMPTION,
    PRODUCTION,
    free_vector_bads,
    paired_bads,
    price_bads,
    share_bads,
)

TOO_MANY = Bad(np.ones(26), ValueError, "too_many_members")  # 2**26 coalitions

SPECS = [
    Spec(
        "additive_worths",
        good={"values": [1.0, -2.0, 3.0]},
        bad={"values": free_vector_bads([1.0, -2.0, 3.0], nonneg=False, extra=[
            TOO_MANY,
            Bad([1e308, 1e308], ValueError, "overflow"),
            Bad([-1e308, -1e308], ValueError, "negative_overflow"),
        ])},
    ),
    Spec(
        "glove_worths",
        good={"n_left": 1, "n_right": 2},
        bad={
            "n_left": integer_bads(minimum=0, extra=[Bad(24, ValueError, "too_many_members")]),
            "n_right": integer_bads(minimum=0, extra=[
                Bad(25, ValueError, "too_many_members"),
                Bad(np.array([2]), TypeError, "array"),
            ]),
        },
    ),
    Spec(
        "bankruptcy_worths",
        good={"estate": 200.0, "claims": [100.0, 200.0, 300.0]},
        bad={
            "estate": number_bads(negative=True, extra=[
                Bad(601.0, ValueError, "above_total_claim"),
            ]),
            "claims": free_vector_bads([100.0, 200.0, 300.0], extra=[
                TOO_MANY, Bad([10.0, 20.0], ValueError, "total_below_estate"),
            ]),
        },
    ),
    Spec(
        "demand_worths",
        good={"load_kwh": [6.0, 12.0], "available_kwh": 15.0},
        bad={
            "load_kwh": free_vector_bads([6.0, 12.0], extra=[TOO_MANY]),
            "available_kwh": number_bads(negative=True),
        },
    ),
    Spec(
        "savings_worths",
        good={"load_kwh": CONSUMPTION, "pv_kwh": PRODUCTION,
              "price_buy_per_kwh": 0.12, "price_sell_per_kwh": 0.15, "share_sold": 0.5},
        bad={
            "load_kwh": paired_bads(CONSUMPTION, extra=[TOO_MANY]),
            "pv_kwh": paired_bads(PRODUCTION, extra=[TOO_MANY]),
            "price_buy_per_kwh": price_bads(),
            "price_sell_per_kwh": price_bads(),
            "share_sold": share_bads(),
        },
    ),
    Spec(
        "nrgx_coalition_worths",
        good={"export_kwh": [1.0, 2.0], "community_export_kwh": 3.0,
              "community_import_kwh": 3.0, "max_price_per_kwh": 1.0, "a_kwh2": 1e6,
              "exponent": 2.0},
        bad={
            "export_kwh": free_vector_bads([1.0, 2.0], extra=[
                TOO_MANY,
                Bad([1e200, 1e200], ValueError, "payment_overflow"),
                Bad([1e308, 1e308], ValueError, "export_overflow"),
            ]),
            "community_export_kwh": number_bads(negative=True, extra=[
                Bad(np.array([3.0, 3.0]), TypeError, "array"),
            ]),
            "community_import_kwh": number_bads(negative=True, extra=[
                Bad(np.array([3.0, 3.0]), TypeError, "array"),
            ]),
            "max_price_per_kwh": number_bads(negative=True, extra=[
                Bad(1e308, ValueError, "overflow"),
            ]),
            "a_kwh2": number_bads(negative=True, zero=True),
            "exponent": number_bads(negative=True, zero=True, extra=[
                Bad(1e6, ValueError, "overflow"),
            ]),
        },
    ),
]

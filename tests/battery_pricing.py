"""Bad-input battery entries for lectoolkit.pricing (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import Bad, Spec, number_bads, vector_bads
from battery_settlement import HUGE, _bads_of_a_price, _mask_bads

SPECS = [
    Spec(
        "dynamic_p2p_price",
        good={"load_total_kwh": pd.Series([3.0, 1.0, 0.0], index=list("xyz")),
              "pv_total_kwh": pd.Series([1.0, 3.0, 0.0], index=list("xyz")),
              "price_buy_ref_per_kwh": 6.0, "price_sell_ref_per_kwh": 3.0, "tol_kwh": 0.0},
        positional=("load_total_kwh", "pv_total_kwh", "price_buy_ref_per_kwh",
                    "price_sell_ref_per_kwh"),
        bad={
            "load_total_kwh": vector_bads(pd.Series([3.0, 1.0, 0.0], index=list("xyz"))),
            "pv_total_kwh": vector_bads(
                pd.Series([1.0, 3.0, 0.0], index=list("xyz")),
                extra=[Bad(pd.Series([1.0, 3.0, 0.0], index=list("xyw")), ValueError,
                           "misaligned_labels")]),
            "price_buy_ref_per_kwh": _bads_of_a_price(3, extra=[
                Bad(2.0, ValueError, "below_sell")]),
            "price_sell_ref_per_kwh": _bads_of_a_price(3, extra=[
                Bad(7.0, ValueError, "above_buy")]),
            "tol_kwh": number_bads(negative=True),
        },
    ),
    Spec(
        "mid_market_rate",
        good={"community_import_kwh": [2.0, 4.0, 3.0, 0.0],
              "community_export_kwh": [4.0, 1.0, 3.0, 0.0],
              "price_buy_per_kwh": 10.0, "price_sell_per_kwh": 4.0, "mid_price_per_kwh": None,
              "tol_kwh": 0.0},
        positional=("community_import_kwh", "community_export_kwh", "price_buy_per_kwh",
                    "price_sell_per_kwh"),
        bad={
            "community_import_kwh": vector_bads([2.0, 4.0, 3.0, 0.0]),
            "community_export_kwh": vector_bads([4.0, 1.0, 3.0, 0.0]),
            "price_buy_per_kwh": _bads_of_a_price(4, extra=[Bad(-1.0, ValueError, "below_sell")]),
            "price_sell_per_kwh": _bads_of_a_price(4, extra=[
                Bad(11.0, ValueError, "above_buy"),
                Bad(np.array([4.0, 4.0, 12.0, 4.0]), ValueError, "above_buy_at_one_step"),
            ]),
            "mid_price_per_kwh": [b for b in _bads_of_a_price(4) if b.label != "none"],
            "tol_kwh": number_bads(negative=True),
        },
    ),
    Spec(
        "supply_demand_ratio", id="sdr",
        good={"community_import_kwh": pd.Series([4.0, 2.0], index=["t0", "t1"]),
              "community_export_kwh": pd.Series([3.0, 3.0], index=["t0", "t1"]),
              "price_buy_per_kwh": 14.57, "price_sell_per_kwh": 5.03,
              "compensation_per_kwh": None},
        positional=("community_import_kwh", "community_export_kwh", "price_buy_per_kwh",
                    "price_sell_per_kwh"),
        bad={
            "community_import_kwh": vector_bads(pd.Series([4.0, 2.0], index=["t0", "t1"])),
            "community_export_kwh": vector_bads(pd.Series([3.0, 3.0], index=["t0", "t1"]), extra=[
                Bad(pd.Series([3.0, 3.0], index=["t1", "t1"]), ValueError, "duplicated"),
            ]),
            "price_buy_per_kwh": _bads_of_a_price(2, extra=[Bad(1.0, ValueError, "below_sell")]),
            "price_sell_per_kwh": _bads_of_a_price(2, extra=[
                Bad(-1.0, ValueError, "negative"), Bad(20.0, ValueError, "above_buy"),
            ]),
            "compensation_per_kwh": [b for b in _bads_of_a_price(2) if b.label != "none"] + [
                Bad(0.0, ValueError, "zero"), Bad(-1.0, ValueError, "negative"),
                Bad(9.54, ValueError, "at_buy_minus_sell"),
                Bad(np.array([1.0, 10.0]), ValueError, "too_large_at_one_step"),
            ],
        },
    ),
    Spec(
        "bill_sharing_prices",
        good={"community_import_kwh": pd.Series([3.0, 1.0, 2.0, 0.0], index=list("abcd")),
              "community_export_kwh": pd.Series([1.0, 3.0, 0.0, 1.0], index=list("abcd")),
              "price_buy_per_kwh": 10.0, "price_sell_per_kwh": 4.0,
              "p2p_allowed": pd.Series([True, False, True, True], index=list("abcd"))},
        positional=("community_import_kwh", "community_export_kwh", "price_buy_per_kwh",
                    "price_sell_per_kwh"),
        bad={
            "community_import_kwh": vector_bads(
                pd.Series([3.0, 1.0, 2.0, 0.0], index=list("abcd")),
                extra=[Bad(pd.Series([HUGE, HUGE, 1.0, 0.0], index=list("abcd")), ValueError,
                           "sum_overflows")]),
            "community_export_kwh": vector_bads(
                pd.Series([1.0, 3.0, 0.0, 1.0], index=list("abcd"))),
            "price_buy_per_kwh": _bads_of_a_price(4, extra=[Bad(1.0, ValueError, "below_sell")]),
            "price_sell_per_kwh": _bads_of_a_price(4, extra=[Bad(11.0, ValueError, "above_buy")]),
            "p2p_allowed": _mask_bads(list("abcd")),
        },
    ),
]

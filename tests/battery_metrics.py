"""Bad-input battery entries for lectoolkit.metrics (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import INF, NAN, Bad, Spec, factory, number_bads, vector_bads

from lectoolkit.settlement import settle

PRICES = dict(price_buy_per_kwh=10.0, price_sell_per_kwh=4.0)
LOAD = np.array([[2.0, 0.0]])
PV = np.array([[0.0, 1.0]])
RESULTS = {m: settle(LOAD, PV, m, **PRICES) for m in ("conventional", "mmr")}
THREE_MEMBERS = settle(np.ones((1, 3)), np.zeros((1, 3)), "conventional", **PRICES)
# bills of 1e308 each (one member per step): their sum leaves float64
HUGE_BILLS = settle(np.array([[1e307, 0.0], [0.0, 1e307]]), np.zeros((2, 2)), "conventional",
                    **PRICES)
# 1e308 kWh in each of two steps at 0.001/kWh: the bill fits, the energy total does not
HUGE_ENERGY = settle(np.array([[1e308], [1e308]]), np.zeros((2, 1)), "conventional",
                     price_buy_per_kwh=1e-3, price_sell_per_kwh=0.0)
# two members of two steps (same members as RESULTS, another horizon)
TWO_STEPS = settle(np.ones((2, 2)), np.zeros((2, 2)), "conventional", **PRICES)
STAMPED = settle(pd.DataFrame([[2.0, 0.0]], index=pd.date_range("2025-01-01", periods=1)),
                 np.array([[0.0, 1.0]]), "conventional", **PRICES)
BILLS = pd.DataFrame({"conventional": [20.0, -4.0], "mmr": [17.0, -7.0]},
                     index=pd.Index([0, 1], name="member"))


def _results_bads(*, extra=()) -> list[Bad]:
    return [
        Bad([], TypeError, "list"), Bad({}, ValueError, "empty"), Bad(None, TypeError, "none"),
        Bad("abc", TypeError, "str"), Bad(BILLS, TypeError, "dataframe"),
        Bad({"x": 1.0}, TypeError, "entry_not_a_result"),
        Bad({"x": BILLS}, TypeError, "entry_is_a_bills_table"),
        Bad({1: RESULTS["mmr"]}, TypeError, "label_not_str"),
        Bad({"conventional": RESULTS["conventional"], "other": THREE_MEMBERS}, ValueError,
            "members_differ"),
    ] + list(extra)


def _bills_bads(*, extra=()) -> list[Bad]:
    def poke(value):
        out = BILLS.copy()
        out.iloc[1, 1] = value
        return out

    dup_cols = BILLS.copy()
    dup_cols.columns = ["conventional", "conventional"]
    dup_rows = BILLS.copy()
    dup_rows.index = [0, 0]
    return [
        Bad(poke(NAN), ValueError, "nan"), Bad(poke(INF), ValueError, "inf"),
        Bad(poke(-INF), ValueError, "-inf"), Bad(BILLS.iloc[:0], ValueError, "empty"),
        Bad(BILLS.astype(str), TypeError, "str_dtype"), Bad(BILLS > 0, TypeError, "bool_dtype"),
        Bad(BILLS.astype(object), TypeError, "object_dtype"),
        Bad(BILLS["mmr"], TypeError, "series"), Bad(BILLS.to_numpy(), TypeError, "ndarray"),
        Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
        Bad(dup_cols, ValueError, "duplicated_columns"),
        Bad(dup_rows, ValueError, "duplicated_index"),
        Bad(BILLS[["mmr"]], ValueError, "baseline_column_missing"),
    ] + list(extra)


BASELINE_BADS = [Bad("nope", ValueError, "unknown"), Bad(1, TypeError, "int"),
                 Bad(None, TypeError, "none"), Bad("", ValueError, "empty")]
HUGE_SAVINGS = pd.DataFrame({"conventional": [1e308, 0.0], "mmr": [-1e308, 0.0]})

SPECS = [
    Spec("bills_table", good={"results": RESULTS}, positional=("results",),
         bad={"results": _results_bads()}),
    Spec("money_identity", good={"results": RESULTS}, positional=("results",),
         bad={"results": _results_bads(extra=[
             Bad({"huge": HUGE_BILLS}, ValueError, "money_totals_overflow")])}),
    Spec("compare_mechanisms", good={"results": RESULTS, "baseline": "conventional"},
         positional=("results",),
         bad={
             "results": _results_bads(extra=[
                 Bad({"mmr": RESULTS["mmr"]}, ValueError, "baseline_missing"),
                 Bad({"conventional": HUGE_BILLS}, ValueError, "total_bill_overflows"),
             ]),
             "baseline": BASELINE_BADS,
         }),
    Spec("daily_bills", good={"results": RESULTS, "timestep_h": 0.25}, positional=("results",),
         bad={"results": _results_bads(extra=[
             Bad({"conventional": RESULTS["conventional"], "long": TWO_STEPS}, ValueError,
                 "horizons_differ"),
             Bad({"huge": HUGE_BILLS}, ValueError, "daily_bill_overflows"),
             Bad({"stamped": STAMPED}, ValueError, "time_stamps_with_timestep_h")]),
              "timestep_h": [b for b in number_bads(negative=True, zero=True, extra=[
                  Bad(0.7, ValueError, "not_dividing_a_day"),
                  Bad(None, ValueError, "missing_without_time_stamps")])
                  if b.error is not TypeError or b.value is not None]}),
    Spec("energy_ratios", good={"result": RESULTS["mmr"]}, positional=("result",),
         bad={"result": [
             Bad(None, TypeError, "none"), Bad(BILLS, TypeError, "dataframe"),
             Bad(RESULTS, TypeError, "mapping"), Bad("abc", TypeError, "str"),
             Bad(HUGE_ENERGY, ValueError, "energy_total_overflows"),
         ]}),
    Spec("gini", good={"values": [0.0, 0.0, 0.0, 1.0]}, positional=("values",),
         # any length is valid: drop the table's "too_long"
         bad={"values": [b for b in vector_bads([0.0, 0.0, 0.0, 1.0], nonneg=False, extra=[
             Bad(BILLS, TypeError, "dataframe"),
             Bad(pd.Series(["a", "b"]), TypeError, "str_series"),
         ]) if b.label != "too_long"]}),
    Spec("savings", good={"bills": factory(lambda: BILLS.copy()), "baseline": "conventional"},
         positional=("bills",),
         bad={"bills": _bills_bads(extra=[Bad(HUGE_SAVINGS, ValueError, "saving_overflows")]),
              "baseline": BASELINE_BADS}),
    Spec("individual_rationality",
         good={"bills": factory(lambda: BILLS.copy()), "baseline": "conventional",
               "tol_money": 1e-9},
         positional=("bills",),
         bad={"bills": _bills_bads(), "baseline": BASELINE_BADS,
              "tol_money": number_bads(negative=True)}),
]

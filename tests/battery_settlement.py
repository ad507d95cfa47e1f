"""Bad-input battery entries for lectoolkit.settlement (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import (
    INF,
    NAN,
    Bad,
    Spec,
    choice_bads,
    factory,
    integer_bads,
    matrix_bads,
    number_bads,
    vector_bads,
)

HUGE = 1e308

# 4 steps x 2 members (not square, so a transposed array is a wrong shape)
LOAD = np.array([[2.0, 0.0], [1.0, 0.5], [0.0, 1.0], [0.5, 0.5]])
PV = np.array([[0.0, 1.0], [0.5, 0.0], [2.0, 0.0], [0.0, 0.2]])
BUY = np.array([4.0, 10.0])
SELL = np.array([3.0, 3.5])
MASK = np.array([True, False, True, True])

STEPS = pd.date_range("2025-01-01", periods=4, freq="15min")
MEMBERS = pd.Index(["a", "b"])


def _frame(values):
    return factory(lambda: pd.DataFrame(values, index=STEPS, columns=MEMBERS))


def _bads_of_a_price(n_values: int, *, extra=()) -> list[Bad]:
    """Bad values of a price given as a number or one value per step."""
    return [
        Bad(NAN, ValueError, "nan"), Bad(INF, ValueError, "inf"), Bad(-INF, ValueError, "-inf"),
        Bad("1.0", TypeError, "str"), Bad(True, TypeError, "bool"), Bad(None, TypeError, "none"),
        Bad(np.full(n_values + 1, 5.0), ValueError, "wrong_length"),
        Bad(np.full((n_values, 1), 5.0), ValueError, "2d"),
        Bad(np.array(["5.0"] * n_values), TypeError, "str_dtype"),
        Bad(np.ones(n_values, dtype=bool), TypeError, "bool_dtype"),
        Bad(pd.DataFrame({"x": np.full(n_values, 5.0)}), TypeError, "dataframe"),
        Bad(np.array([]), ValueError, "empty"),
    ] + list(extra)


def _mask_bads(good_index=None) -> list[Bad]:
    bads = [
        Bad(MASK[:3], ValueError, "too_short"), Bad(np.append(MASK, True), ValueError, "too_long"),
        Bad(MASK.astype(float), TypeError, "float_0_1"), Bad(MASK.astype(int), TypeError, "int"),
        Bad(np.array([True, np.nan, True, False], dtype=object), TypeError, "nan_object"),
        Bad(pd.Series([True, pd.NA, True, False], dtype="boolean", index=good_index),
            ValueError, "nullable_na"),
        Bad(np.array([[True] * 4]), ValueError, "2d"), Bad(True, ValueError, "scalar"),
        Bad("abc", TypeError, "str"), Bad(pd.DataFrame({"x": MASK}), TypeError, "dataframe"),
    ]
    if good_index is not None:
        foreign = pd.Series(MASK, index=[f"zz{i}" for i in range(4)])
        dup = pd.Series(MASK, index=[good_index[0]] * 4)
        bads += [Bad(foreign, ValueError, "foreign_labels"),
                 Bad(dup, ValueError, "duplicated_labels")]
    return bads


def _tariff_bads(good, *, extra=()) -> list[Bad]:
    """Bad tariffs: a (1, n_members) row broadcasts like the vector, so it is no bad value."""
    return [b for b in vector_bads(good, extra=[
        Bad(np.ones((3, 2)), ValueError, "rows_neither_one_nor_n_steps"),
        Bad(np.ones((4, 3)), ValueError, "columns_neither_one_nor_n_members"),
        Bad(np.ones((1, 4, 2)), ValueError, "3d"),
        Bad(pd.DataFrame({"x": BUY}), ValueError, "dataframe_with_foreign_labels"),
        Bad(True, TypeError, "bool"),
        *extra,
    ]) if b.label != "2d"]


def _settle_bads(load, pv, buy, sell, *, mechanism_bads, variant_bads, compensation_bads,
                 mask_index=None, extra_buy=(), extra_sell=(), extra_energy=()):
    huge = Bad(np.full(LOAD.shape, HUGE), ValueError, "huge_overflows")
    return {
        "load_kwh": matrix_bads(load, extra=[huge, *extra_energy]),
        "pv_kwh": matrix_bads(pv, extra=[huge, *extra_energy]),
        "mechanism": mechanism_bads,
        "price_buy_per_kwh": _tariff_bads(buy, extra=[
            Bad(np.full(2, HUGE), ValueError, "huge_reference_overflows"),
            *extra_buy,
        ]),
        "price_sell_per_kwh": _tariff_bads(sell, extra=[
            Bad(np.array([5.0, 3.5]), ValueError, "above_buy"),
            # above the buy tariff of member 1 at step 2 only
            Bad(np.array([[3.0, 3.5], [3.0, 3.5], [3.0, 10.5], [3.0, 3.5]]), ValueError,
                "above_buy_at_one_cell"),
            # every member has sell <= buy, yet sell_ref 9.5 > buy_ref 7
            Bad(np.array([0.0, 9.5]), ValueError, "sell_ref_above_buy_ref"),
            Bad(-1.0, ValueError, "negative_scalar"),
            *extra_sell,
        ]),
        "p2p_allowed": _mask_bads(mask_index),
        "variant": variant_bads,
        "timestep_h": number_bads(negative=True, zero=True),
        "compensation_per_kwh": compensation_bads,
        "chunk_steps": integer_bads(minimum=1),
    }


GOOD_ARRAYS = {
    "load_kwh": LOAD, "pv_kwh": PV, "mechanism": "mmr", "price_buy_per_kwh": BUY,
    "price_sell_per_kwh": SELL, "p2p_allowed": MASK, "variant": None, "timestep_h": 0.25,
    "compensation_per_kwh": None, "chunk_steps": 4096,
}
VARIANT_BADS = [Bad("nope", ValueError, "unknown"), Bad(1, TypeError, "int"),
                Bad(True, TypeError, "bool")]
COMPENSATION_BADS_SDRC = _bads_of_a_price(4, extra=[
    Bad(None, ValueError, "missing"), Bad(0.0, ValueError, "zero"),
    Bad(-0.5, ValueError, "negative"), Bad(3.75, ValueError, "at_buy_ref_minus_sell_ref"),
])
COMPENSATION_BADS_SDRC = [b for b in COMPENSATION_BADS_SDRC if b.label != "none"]

SPECS = [
    Spec(
        "settle", id="arrays",
        good=GOOD_ARRAYS,
        positional=("load_kwh", "pv_kwh", "mechanism"),
        bad=_settle_bads(
            LOAD, PV, BUY, SELL, mechanism_bads=choice_bads(),
            variant_bads=VARIANT_BADS,
            compensation_bads=[Bad(0.5, ValueError, "not_sdrc")],
            extra_energy=[Bad(pd.Series([1.0, 2.0]), TypeError, "series"),
                          Bad([[1.0, 2.0], [1.0]], ValueError, "ragged")],
        ),
    ),
    Spec(
        "settle", id="sdrc",
        good={**GOOD_ARRAYS, "mechanism": "sdrc", "compensation_per_kwh": 0.5},
        positional=("load_kwh", "pv_kwh", "mechanism"),
        bad=_settle_bads(
            LOAD, PV, BUY, SELL, mechanism_bads=choice_bads(),
            variant_bads=[Bad("seed002", ValueError, "no_variants")],
            compensation_bads=COMPENSATION_BADS_SDRC,
        ),
    ),
    Spec(
        "settle", id="frames",
        good={**GOOD_ARRAYS, "load_kwh": _frame(LOAD), "pv_kwh": _frame(PV),
              "price_buy_per_kwh": pd.Series(BUY, index=MEMBERS),
              "price_sell_per_kwh": pd.Series(SELL, index=MEMBERS),
              "p2p_allowed": pd.Series(MASK, index=STEPS)},
        positional=("load_kwh", "pv_kwh", "mechanism"),
        bad=_settle_bads(
            pd.DataFrame(LOAD, index=STEPS, columns=MEMBERS),
            pd.DataFrame(PV, index=STEPS, columns=MEMBERS),
            pd.Series(BUY, index=MEMBERS), pd.Series(SELL, index=MEMBERS),
            mechanism_bads=choice_bads(), variant_bads=VARIANT_BADS,
            compensation_bads=[Bad(0.5, ValueError, "not_sdrc")],
            mask_index=STEPS,
            extra_energy=[
                Bad(pd.DataFrame(LOAD, index=STEPS, columns=["x", "y"]), ValueError,
                    "foreign_columns"),
                Bad(pd.DataFrame(LOAD, index=STEPS + pd.Timedelta("1D"), columns=MEMBERS),
                    ValueError, "foreign_index"),
            ],
            extra_buy=[Bad(pd.Series(BUY, index=STEPS[:2]), ValueError, "labels_of_no_axis")],
        ),
    ),
    Spec(
        # square: 2 steps x 2 members on RangeIndex both ways; a RangeIndex Series is ambiguous
        "settle", id="square",
        good={"load_kwh": factory(lambda: pd.DataFrame([[2.0, 0.0], [0.0, 1.0]])),
              "pv_kwh": np.array([[0.0, 1.0], [3.0, 0.0]]), "mechanism": "conventional",
              "price_buy_per_kwh": 10.0, "price_sell_per_kwh": 1.0},
        positional=("load_kwh", "pv_kwh", "mechanism"),
        bad={
            "load_kwh": [Bad(np.array([[2.0, 0.0]]), ValueError, "one_step")],
            "pv_kwh": [Bad(np.array([[0.0, 1.0]]), ValueError, "one_step")],
            "mechanism": choice_bads(),
            "price_buy_per_kwh": [
                Bad(pd.Series([10.0, 20.0]), ValueError, "series_matching_both_axes"),
            ],
            "price_sell_per_kwh": [
                Bad(pd.Series([1.0, 2.0]), ValueError, "series_matching_both_axes"),
            ],
        },
        unbroken={
            "p2p_allowed": "covered by settle[arrays]", "variant": "covered by settle[arrays]",
            "timestep_h": "covered by settle[arrays]",
            "compensation_per_kwh": "covered by settle[sdrc]",
            "chunk_steps": "covered by settle[arrays]",
        },
    ),
    Spec(
        "reference_prices",
        good={"price_buy_per_kwh": pd.Series([6.0, 5.0, 5.5], index=list("abc")),
              "price_sell_per_kwh": pd.Series([0.0, 3.0, 3.5], index=list("abc"))},
        positional=("price_buy_per_kwh", "price_sell_per_kwh"),
        bad={
            "price_buy_per_kwh": vector_bads(
                pd.Series([6.0, 5.0, 5.5], index=list("abc")),
                extra=[Bad(np.full(3, HUGE), ValueError, "huge_mean_overflows"),
                       Bad(pd.DataFrame({"x": [6.0, 5.0, 5.5]}), TypeError, "dataframe")]),
            "price_sell_per_kwh": vector_bads(
                pd.Series([0.0, 3.0, 3.5], index=list("abc")),
                extra=[Bad(np.zeros(3), ValueError, "no_positive_sell"),
                       Bad(np.array([0.0, 0.0, 5.6]), ValueError, "sell_ref_above_buy_ref"),
                       Bad([0.0, 3.0], ValueError, "one_member_short")]),
        },
    ),
]

"""Bad-input battery entries for lectoolkit.nrgx and nrgx_coalitions (see tests/battery.py)."""

from pathlib import Path

import numpy as np
import pandas as pd
from battery import INF, NAN, Bad, Spec, factory, integer_bads, number_bads, vector_bads

from lectoolkit._validate import ResultRangeError
from lectoolkit.io import read_prosumer_monthly

N3 = read_prosumer_monthly(
    Path(__file__).resolve().parents[1] / "data" / "prosumer_N3_model_20210129_1416.csv")

EXPORT = [10.0, 20.0]
TOTAL_EXPORT = [30.0, 30.0]
TOTAL_CONSUMPTION = [40.0, 40.0]


def _price_bads(huge: float) -> list[Bad]:
    """A price is a number or a vector: a scalar's bad values, a vector's, an overflow."""
    return [b for b in number_bads(negative=True) if b.label != "list"] + [
        Bad([0.1, NAN], ValueError, "nan_in_vector"), Bad([0.1, 0.2, 0.3], ValueError, "too_long"),
        Bad([[0.1, 0.2]], ValueError, "2d"), Bad([], ValueError, "empty"),
        Bad(pd.DataFrame({"q": [0.1, 0.2]}), TypeError, "dataframe"),
        Bad(huge, ResultRangeError, "overflowing_result"),
    ]


def _market_bads(good, *, huge=None) -> list[Bad]:
    extra = [Bad(pd.DataFrame({"x": good}), TypeError, "dataframe"),
             Bad(good[:1] * 3, ValueError, "other_length")]
    if huge is not None:
        extra.append(Bad([huge, huge], ResultRangeError, "overflowing_result"))
    return vector_bads(good, nonneg=True, extra=extra)


def _series(values, labels):
    return pd.Series(values, index=labels)


def _series_pairing_bads(good: pd.Series) -> list[Bad]:
    """Series bads of a labelled argument paired with another Series."""
    dup = good.copy()
    dup.index = [good.index[0]] * len(good)
    foreign = good.copy()
    foreign.index = [f"zz{i}" for i in range(len(good))]
    return [Bad(dup, ValueError, "duplicated_labels"), Bad(foreign, ValueError, "foreign_labels"),
            Bad(good.iloc[:1], ValueError, "length_one_series_against_vector")]


# --------------------------------------------------------------------------- frames


def _frame_with(edit):
    frame = N3.copy()
    edit(frame)
    return frame


def _set(column, row, value):
    return lambda f: f.__setitem__(column, f[column].where(f.index != row, value))


def _frame_bads() -> list[Bad]:
    """Bad prosumer tables of settle_nrgx and settle_nrgx_coalitions."""
    exporter = int(np.flatnonzero(N3["export_kwh"].to_numpy() > 0)[0])
    importer = int(np.flatnonzero(N3["import_kwh"].to_numpy() > 0)[0])
    huge = N3.copy()
    huge["import_kwh"] = np.where(huge["import_kwh"] > 0, 1e308, 0.0)
    huge_export = N3.copy()
    huge_export["export_kwh"] = np.where(huge_export["export_kwh"] > 0, 1e308, 0.0)
    duplicated_columns = N3.copy()
    duplicated_columns.columns = ["member", "step", "load_kwh", "import_kwh", "import_kwh",
                                  "export_kwh", "price_cents_per_kwh"]
    seed_names = N3.rename(columns={"member": "id", "step": "time", "import_kwh": "consumption",
                                    "export_kwh": "net_energy"})
    return [
        Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
        Bad(N3[["import_kwh", "export_kwh"]].to_numpy(), TypeError, "ndarray"),
        Bad(N3["import_kwh"], TypeError, "series"),
        Bad(N3.iloc[:0], ValueError, "empty"),
        Bad(N3.drop(columns="import_kwh"), ValueError, "missing_import"),
        Bad(N3.drop(columns="step"), ValueError, "missing_step"),
        Bad(N3.drop(columns="member"), ValueError, "missing_member"),
        Bad(seed_names, ValueError, "seed_column_names"),
        Bad(duplicated_columns, ValueError, "duplicated_columns"),
        Bad(pd.concat([N3, N3.iloc[:1]], ignore_index=True), ValueError,
            "duplicated_member_step_row"),
        Bad(_frame_with(_set("import_kwh", importer, NAN)), ValueError, "nan_import"),
        Bad(_frame_with(_set("export_kwh", exporter, INF)), ValueError, "inf_export"),
        Bad(_frame_with(_set("import_kwh", importer, -1.0)), ValueError, "negative_import"),
        Bad(_frame_with(_set("export_kwh", importer, -5.0)), ValueError, "negative_export"),
        Bad(_frame_with(_set("import_kwh", exporter, 5.0)), ValueError,
            "imports_and_exports_in_one_row"),
        Bad(_frame_with(lambda f: f.__setitem__("import_kwh", f["import_kwh"].astype(str))),
            TypeError, "str_column"),
        Bad(_frame_with(lambda f: f.__setitem__("import_kwh", f["import_kwh"] > 0)),
            TypeError, "bool_column"),
        Bad(_frame_with(lambda f: f.__setitem__("step", f["step"].where(f.index != 3))),
            ValueError, "missing_step_value"),
        Bad(_frame_with(lambda f: f.__setitem__("member", f["member"].astype(float).where(
            f.index != 3))), ValueError, "missing_member_value"),
        Bad(huge, ResultRangeError, "overflowing_totals"),
        Bad(huge_export, ResultRangeError, "overflowing_export_totals"),
    ]


def _flag_bads() -> list[Bad]:
    return [Bad(1, TypeError, "int"), Bad("yes", TypeError, "str"), Bad(None, TypeError, "none"),
            Bad(NAN, TypeError, "nan")]


SETTLE_GOOD = {"frame": factory(lambda: N3.copy()), "max_price_per_kwh": 0.1209,
               "min_price_per_kwh": 0.0984, "a_kwh2": 1e6, "exponent": 1.0,
               "seed_swapped_prices": False}

SPECS = [
    Spec(
        "payment",
        good={"export_kwh": EXPORT, "community_export_kwh": TOTAL_EXPORT,
              "community_import_kwh": TOTAL_CONSUMPTION, "max_price_per_kwh": 0.12,
              "a_kwh2": 1e6, "exponent": 1.5},
        bad={
            "export_kwh": _market_bads(EXPORT, huge=1e250),
            "community_export_kwh": _market_bads(TOTAL_EXPORT),
            "community_import_kwh": _market_bads(TOTAL_CONSUMPTION),
            "max_price_per_kwh": _price_bads(1e308),
            "a_kwh2": number_bads(negative=True, zero=True),
            "exponent": number_bads(negative=True, zero=True, extra=[
                Bad(400.0, ResultRangeError, "overflowing_power")]),
        },
    ),
    Spec(
        "payment",
        id="series",
        good={"export_kwh": _series(EXPORT, ["a", "b"]),
              "community_export_kwh": _series(TOTAL_EXPORT, ["b", "a"]),
              "community_import_kwh": 40.0, "max_price_per_kwh": 0.12, "a_kwh2": 1e6},
        bad={
            "export_kwh": [Bad(_series(EXPORT, ["a", "a"]), ValueError, "duplicated_labels")],
            "community_export_kwh": _series_pairing_bads(_series(TOTAL_EXPORT, ["b", "a"])),
        },
        unbroken={"community_import_kwh": "covered by the plain entry",
                  "max_price_per_kwh": "covered by the plain entry",
                  "a_kwh2": "covered by the plain entry",
                  "exponent": "covered by the plain entry"},
    ),
    Spec(
        "charge",
        good={"import_kwh": EXPORT, "community_export_kwh": TOTAL_EXPORT,
              "community_import_kwh": TOTAL_CONSUMPTION, "min_price_per_kwh": 0.1},
        bad={
            "import_kwh": _market_bads(EXPORT),  # y r share <= y r: no overflow at r = 0.1
            "community_export_kwh": _market_bads(TOTAL_EXPORT),
            "community_import_kwh": _market_bads(TOTAL_CONSUMPTION),
            "min_price_per_kwh": _price_bads(1e308),
        },
    ),
    Spec(
        "charge",
        id="series",
        good={"import_kwh": _series(EXPORT, ["a", "b"]), "community_export_kwh": 30.0,
              "community_import_kwh": _series(TOTAL_CONSUMPTION, ["b", "a"]),
              "min_price_per_kwh": 0.1},
        bad={
            "import_kwh": [Bad(_series(EXPORT, ["a", "a"]), ValueError,
                                    "duplicated_labels")],
            "community_import_kwh": _series_pairing_bads(
                _series(TOTAL_CONSUMPTION, ["b", "a"])),
        },
        unbroken={"community_export_kwh": "covered by the plain entry",
                  "min_price_per_kwh": "covered by the plain entry"},
    ),
    Spec(
        "settle_nrgx",
        good=SETTLE_GOOD,
        bad={
            "frame": _frame_bads(),
            "max_price_per_kwh": number_bads(negative=True, extra=[
                Bad(0.05, ValueError, "below_min_price"),
                Bad(1e308, ResultRangeError, "overflowing_payments")]),
            "min_price_per_kwh": number_bads(negative=True, extra=[
                Bad(0.2, ValueError, "above_max_price")]),
            "a_kwh2": number_bads(negative=True, zero=True),
            "exponent": number_bads(negative=True, zero=True, extra=[
                Bad(200.0, ResultRangeError, "overflowing_power")]),
            "seed_swapped_prices": _flag_bads(),
        },
    ),
    Spec(
        "settle_nrgx",
        id="swapped",
        good={**SETTLE_GOOD, "seed_swapped_prices": True},
        bad={
            "min_price_per_kwh": [Bad(1e308, ValueError, "above_max_price")],
            "max_price_per_kwh": [Bad(1e308, ResultRangeError, "overflowing_charges")],
        },
        unbroken={k: "covered by the plain entry"
                  for k in ("frame", "a_kwh2", "exponent", "seed_swapped_prices")},
    ),
    Spec(
        "settle_nrgx_coalitions",
        good={"frame": factory(lambda: N3.copy()), "max_price_per_kwh": 0.1209,
              "a_kwh2": 1e6, "exponent": 1.1, "max_exact_players": 20,
              "n_permutations": 2000, "rng": 0},
        bad={
            "frame": _frame_bads(),
            "max_price_per_kwh": number_bads(negative=True, extra=[
                Bad(1e308, ResultRangeError, "overflowing_payments")]),
            "a_kwh2": number_bads(negative=True, zero=True),
            "exponent": number_bads(negative=True, zero=True, extra=[
                Bad(200.0, ResultRangeError, "overflowing_power")]),
            "max_exact_players": integer_bads(minimum=1, extra=[
                Bad(26, ValueError, "dense_game_too_large")]),
            "n_permutations": integer_bads(minimum=2, extra=[
                Bad(3, ValueError, "odd_with_antithetic_pairs")]),
            "rng": [Bad("abc", TypeError, "str"), Bad(True, TypeError, "bool"),
                    Bad(-1, ValueError, "negative_seed"), Bad(2.5, ValueError, "fractional_seed"),
                    Bad(NAN, ValueError, "nan"), Bad(object(), TypeError, "object")],
        },
    ),
]

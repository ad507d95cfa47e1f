"""Bad-input battery entries for lectoolkit.lem (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import (
    INF,
    NAN,
    Bad,
    Spec,
    choice_bads,
    factory,
    matrix_bads,
    number_bads,
    series_bads,
    vector_bads,
)

from lectoolkit import lem

N_STEPS, MEMBERS = 6, ["a", "b", "c"]
LOAD = pd.DataFrame([[1.0, 0.2, 0.5], [0.3, 0.9, 0.1], [0.5, 0.5, 0.5], [0.8, 0.0, 0.4],
                     [0.2, 0.6, 0.9], [0.4, 0.3, 0.2]], columns=MEMBERS)
PV = pd.DataFrame([[0.0, 1.0, 0.1], [0.9, 0.0, 0.3], [0.5, 0.2, 0.0], [0.0, 0.7, 0.4],
                   [0.6, 0.0, 0.2], [0.1, 0.8, 0.0]], columns=MEMBERS)
BUY = pd.Series([0.20, 0.22, 0.18], index=MEMBERS)
MARKET_BUY = np.array([0.15, 0.16, 0.25, 0.19, 0.21, 0.14])


def _offers() -> pd.DataFrame:
    return pd.DataFrame({
        "step": [0, 0, 0, 0, 1, 1, 1],
        "member": ["a", "b", "c", "d", "a", "b", "c"],
        "side": ["buy", "buy", "sell", "sell", "buy", "sell", "sell"],
        "energy_kwh": [2.0, 1.0, 1.5, 2.5, 1.0, 0.5, 0.7],
        "price_per_kwh": [0.20, 0.18, 0.05, 0.08, 0.19, 0.06, 0.04],
    })


def _with(**columns):
    return _offers().assign(**columns)


def _tariff_bads(good, *, per_member: bool) -> list[Bad]:
    """A tariff may be a scalar or a vector: bad kinds and bad values of both."""
    bads = [Bad(NAN, ValueError, "nan"), Bad(INF, ValueError, "inf"),
            Bad(-INF, ValueError, "-inf"), Bad("0.2", TypeError, "str"),
            Bad(True, TypeError, "bool"), Bad(None, TypeError, "none"),
            Bad([0.1, 0.2], ValueError, "length_matches_nothing"),
            Bad(np.full((N_STEPS, 4), 0.2), ValueError, "wrong_2d_shape"),
            Bad(np.full((N_STEPS, 3), 0.2).T.copy(), ValueError, "transposed_2d"),
            Bad(pd.DataFrame(0.2, index=range(1, N_STEPS + 1), columns=MEMBERS), ValueError,
                "frame_misaligned_steps")]
    if per_member:
        return bads + vector_bads(good, nonneg=False)
    return bads


OFFER_BADS = [
    Bad({"step": [0], "side": ["buy"]}, TypeError, "dict"),
    Bad(np.ones((3, 5)), TypeError, "ndarray"),
    Bad(None, TypeError, "none"),
    Bad("offers", TypeError, "str"),
    Bad(_offers()["energy_kwh"], TypeError, "series"),
    Bad(_offers().drop(columns="energy_kwh"), ValueError, "no_energy"),
    Bad(_offers().drop(columns="side"), ValueError, "no_side"),
    Bad(_offers().drop(columns="step"), ValueError, "no_step"),
    Bad(_offers().drop(columns="price_per_kwh"), ValueError, "no_price"),
    Bad(_with(energy_kwh=[2.0, NAN, 1.5, 2.5, 1.0, 0.5, 0.7]),
        ValueError, "energy_nan"),
    Bad(_with(energy_kwh=[2.0, INF, 1.5, 2.5, 1.0, 0.5, 0.7]),
        ValueError, "energy_inf"),
    Bad(_with(energy_kwh=[2.0, -1.0, 1.5, 2.5, 1.0, 0.5, 0.7]),
        ValueError, "energy_negative"),
    Bad(_with(energy_kwh=[2.0, 0.0, 1.5, 2.5, 1.0, 0.5, 0.7]),
        ValueError, "energy_zero"),
    Bad(_with(energy_kwh=["2"] * 7), TypeError, "energy_str"),
    Bad(_with(energy_kwh=[True] * 7), TypeError, "energy_bool"),
    Bad(_with(price_per_kwh=[0.2, 0.18, NAN, 0.08, 0.19, 0.06, 0.04]),
        ValueError, "price_nan"),
    Bad(_with(price_per_kwh=[0.2, 0.18, -INF, 0.08, 0.19, 0.06, 0.04]),
        ValueError, "price_-inf"),
    Bad(_with(price_per_kwh=["x"] * 7), TypeError, "price_str"),
    Bad(_with(side=["buy", "bid", "sell", "sell", "buy", "sell", "sell"]),
        ValueError, "side_unknown"),
    Bad(_with(side=["buy", None, "sell", "sell", "buy", "sell", "sell"]),
        ValueError, "side_missing"),
    Bad(_with(side=[0, 0, 1, 1, 0, 1, 1]), ValueError, "side_codes"),
    Bad(_with(step=[0, 0, NAN, 0, 1, 1, 1]), ValueError, "step_nan"),
    Bad(_with(step=pd.to_datetime(["2024-01-01"] * 3 + [None] * 4)),
        ValueError, "step_nat"),
    Bad(_with(energy_kwh=[1e308] * 7), ValueError, "energies_overflow"),
]

STEPS_BADS = [
    Bad("01", TypeError, "str"), Bad(5, TypeError, "scalar"),
    Bad({0, 1}, TypeError, "set"), Bad(pd.DataFrame({"s": [0, 1]}), TypeError, "frame"),
    Bad([], ValueError, "empty"), Bad([0, 0, 1], ValueError, "duplicated"),
    Bad([1, 2], ValueError, "misses_a_step"), Bad([0.0, NAN, 1.0], ValueError, "nan"),
]


def _divisor_bads() -> list[Bad]:
    return [b for b in number_bads(negative=True, zero=True) if b.value is not None]


def _lem_spec(rule: str, **good) -> Spec:
    bad = {
        "offers": OFFER_BADS,
        "rule": choice_bads(),
        "pruned": [Bad(1, TypeError, "int"), Bad(None, TypeError, "none"),
                   Bad("yes", TypeError, "str")],
        "divider": number_bads(negative=True, extra=[Bad(1.5, ValueError, "above_one")]),
        "compensation_share": number_bads(negative=True, extra=[Bad(1.5, ValueError, "above_one")]),
        "divisor": _divisor_bads(),
        "steps": STEPS_BADS,
    }
    if rule == "mmr":
        bad["offers"] = OFFER_BADS + [Bad(_with(
            price_per_kwh=[1.7e308, 1.7e308, 1.6e308, 1.6e308, 0.19, 0.06, 0.04]),
            ValueError, "prices_overflow")]
        bad["compensation_share"] = [*bad["compensation_share"],
                                     Bad(0.3, ValueError, "not_for_mmr")]
        bad["divider"] = bad["divider"] + [Bad(0.3, ValueError, "with_divisor")]
    if rule == "sdr":
        bad["offers"] = OFFER_BADS + [Bad(_with(
            price_per_kwh=[0.2, 0.18, -0.5, -0.3, 0.19, 0.06, 0.04],
            energy_kwh=[2.0, 1.0, 0.5, 0.5, 1.0, 0.5, 0.7]), ValueError, "negative_floor")]
        bad["divider"] = bad["divider"] + [Bad(0.3, ValueError, "not_for_sdr")]
        bad["divisor"] = bad["divisor"] + [Bad(2.0, ValueError, "not_for_sdr")]
    if rule == "crossing_value":
        bad["compensation_share"] = [*bad["compensation_share"],
                                     Bad(0.3, ValueError, "not_for_crossing")]
        bad["divider"] = bad["divider"] + [Bad(0.3, ValueError, "not_for_crossing")]
        bad["divisor"] = bad["divisor"] + [Bad(2.0, ValueError, "not_for_crossing")]
    options = {"pruned": True, "divider": 0.5, "compensation_share": 0.0, "divisor": None}
    return Spec("lem_prices", id=rule,
                good={"offers": factory(_offers), "rule": rule, "steps": [0, 1, 2],
                      **options, **good},
                positional=("offers", "rule"), bad=bad)


SPECS = [
    Spec(
        "build_offers",
        good={"load_kwh": LOAD, "pv_kwh": PV, "price_buy_per_kwh": BUY,
              "price_sell_per_kwh": 0.05, "price_market_buy_per_kwh": MARKET_BUY,
              "price_market_sell_per_kwh": 0.04},
        positional=("load_kwh", "pv_kwh"),
        bad={
            "load_kwh": matrix_bads(LOAD),
            "pv_kwh": matrix_bads(PV, extra=[
                Bad(PV.iloc[:5], ValueError, "fewer_steps"),
                Bad(PV.set_axis(range(1, N_STEPS + 1)), ValueError, "misaligned_steps"),
                Bad(PV.set_axis(["a", "b", "z"], axis=1), ValueError, "foreign_members"),
                Bad(PV.to_numpy()[:, :2].copy(), ValueError, "fewer_members"),
            ]),
            "price_buy_per_kwh": _tariff_bads(BUY, per_member=True) + [
                Bad(pd.Series([0.2] * 4, index=range(4)), ValueError, "labels_match_nothing")],
            "price_sell_per_kwh": _tariff_bads(0.05, per_member=False),
            "price_market_buy_per_kwh": _tariff_bads(MARKET_BUY, per_member=False) + [
                Bad(MARKET_BUY[:5], ValueError, "too_short"),
                Bad(MARKET_BUY.astype(str), TypeError, "str_dtype"),
                Bad(MARKET_BUY > 0.2, TypeError, "bool_dtype"),
                Bad(np.array([]), ValueError, "empty")],
            "price_market_sell_per_kwh": _tariff_bads(0.04, per_member=False),
        },
    ),
    _lem_spec("crossing_value"),
    _lem_spec("mmr", pruned=False, divisor=2.0),
    _lem_spec("sdr", compensation_share=0.5),
    Spec("accepted_offers", good={"offers": factory(_offers)}, positional=("offers",),
         bad={"offers": OFFER_BADS}),
    Spec("merit_order", good={"offers": factory(_offers)}, positional=("offers",),
         bad={"offers": OFFER_BADS}),
    Spec(
        "stop_criterion", call=lem.stop_criterion,
        good={"old": pd.Series([0.1, 0.2, 0.3], index=["t0", "t1", "t2"]),
              "new": pd.Series([0.1, 0.2, 0.31], index=["t0", "t1", "t2"]), "tol": 0.01},
        positional=("old", "new"),
        bad={
            "old": vector_bads(pd.Series([0.1, 0.2, 0.3], index=["t0", "t1", "t2"]),
                               nonneg=False),
            "new": vector_bads(pd.Series([0.1, 0.2, 0.31], index=["t0", "t1", "t2"]),
                               nonneg=False) + [Bad(np.array([0.1, 0.2]), ValueError, "short")],
            "tol": number_bads(negative=True, zero=True),
        },
    ),
]

__all__ = ["SPECS", "series_bads"]

"""Bad-input battery entries for lectoolkit.operation (see tests/battery.py)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pyomo.environ as pyo
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

from lectoolkit.operation import OperationInputs, build_individual_model
from lectoolkit.solvers import solve

MEMBERS = ["m1", "m2"]
STEPS = [0, 1, 2]


def _frame(values) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(values, dtype=float), index=STEPS, columns=MEMBERS)


LOAD = _frame([[0.0, 0.1], [0.5, 0.1], [0.0, 0.1]])
PV = _frame([[0.9, 0.0], [0.0, 0.0], [0.0, 0.0]])
BUY = _frame(np.full((3, 2), 2.0))
SELL = _frame([[0.0, 0.0], [0.0, 0.0], [0.9, 0.0]])
MARKET_SELL = pd.Series([0.0, 0.0, 1.0], index=STEPS)
CONTRACTED = pd.Series([5.0, 5.0], index=MEMBERS)
BATTERIES = pd.DataFrame({
    "capacity_kwh": [1.0], "power_kw": [1.0], "charge_efficiency": [1.0],
    "discharge_efficiency": [1.0], "soc_min": [0.0], "soc_max": [1.0], "initial_kwh": [0.0],
    "degradation_per_kwh": [0.01]}, index=["m1"])

INPUT_ARGS = dict(
    load_kwh=LOAD, pv_kwh=PV, price_buy_per_kwh=BUY, price_sell_per_kwh=SELL,
    price_market_buy_per_kwh=[2.0, 2.0, 2.0], price_market_sell_per_kwh=MARKET_SELL,
    price_access_per_kwh=[0.01, 0.01, 0.01], lem_price_per_kwh=[1.1, 1.1, 1.1],
    contracted_power_kw=CONTRACTED, price_extra_power_per_kw=10.0, timestep_h=1.0,
    batteries=BATTERIES, strict_positive_sharing=True, total_share=False,
)
INPUTS = OperationInputs(**INPUT_ARGS)


def _battery(**changes) -> pd.DataFrame:
    table = BATTERIES.copy()
    for key, value in changes.items():
        table[key] = value
    return table


def _foreign_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis(["zz1", "zz2"], axis=1)


def flag_bads() -> list[Bad]:
    return [Bad(1, TypeError, "int"), Bad(None, TypeError, "none"), Bad("yes", TypeError, "str"),
            Bad(np.array([True]), TypeError, "array")]


def optional_positive_bads() -> list[Bad]:
    """A number > 0 or None (None is valid)."""
    return [b for b in number_bads(negative=True, zero=True) if b.label != "none"]


def optional_vector_bads(good) -> list[Bad]:
    return [b for b in vector_bads(good, nonneg=False) if b.label != "none"]


HUGE_LOAD = OperationInputs(**{**INPUT_ARGS, "load_kwh": LOAD * 1e300})
HUGE_PRICES = OperationInputs(**{**INPUT_ARGS, "price_buy_per_kwh": BUY * 1e12})


def inputs_bads() -> list[Bad]:
    return [Bad(None, TypeError, "none"), Bad(INPUT_ARGS, TypeError, "dict"),
            Bad("abc", TypeError, "str"), Bad(HUGE_LOAD, ValueError, "huge_flows"),
            Bad(HUGE_PRICES, ValueError, "huge_prices")]


def lem_bads(good) -> list[Bad]:
    return optional_vector_bads(good) + [
        Bad(np.full(3, 1e300), ValueError, "huge"), Bad(np.full(3, 1e12), ValueError, "large")]


PAIR = np.full((3, 2, 2), 0.01)


def pair_bads() -> list[Bad]:
    """Bad values of ``price_access_pair_per_kwh`` (shape (n_steps, n_members, n_members))."""
    poked = PAIR.copy()
    poked[1, 0, 1] = NAN
    infinite = PAIR.copy()
    infinite[2, 1, 0] = INF
    return [Bad(poked, ValueError, "nan"), Bad(infinite, ValueError, "inf"),
            Bad(PAIR[0], ValueError, "2d"), Bad(PAIR[None], ValueError, "4d"),
            Bad(0.01, ValueError, "scalar"), Bad(np.full((3, 3, 3), 0.01), ValueError, "shape"),
            Bad(PAIR.astype(str), TypeError, "str_dtype"), Bad(PAIR > 0, TypeError, "bool_dtype"),
            Bad("abc", TypeError, "str"), Bad(pd.DataFrame(PAIR[0]), TypeError, "frame"),
            Bad(PAIR * 1e12, ValueError, "huge")]


def gap_bads() -> list[Bad]:
    return number_bads(negative=True, extra=[Bad(1.0, ValueError, "one"),
                                             Bad(5.0, ValueError, "above_one")])


SOLVER_ARGS_BADS = {
    "solver": choice_bads(),
    "time_limit_s": optional_positive_bads(),
    "mip_gap": gap_bads(),
    "formulation": choice_bads(),
}

# ------------------------------------------------------------------ from_rec_op_inputs


def _rec_dict() -> dict:
    storage = {"e_bn": 1.0, "p_max": 1.0, "eff_bc": 1.0, "eff_bd": 1.0, "soc_min": 0.0,
               "soc_max": 100.0, "init_e": 0.0, "degradation_cost": 0.01}
    return {
        "delta_t": 1.0, "horizon": 3.0, "l_extra": 10.0, "l_grid": [0.01] * 3,
        "l_lem": [1.1] * 3, "l_market_buy": [2.0] * 3, "l_market_sell": [0.0, 0.0, 1.0],
        "strict_pos_coeffs": True, "total_share_coeffs": False,
        "meters": {
            "Meter#1": {"e_c": [0.0, 0.5, 0.0], "e_g": [0.9, 0.0, 0.0], "l_buy": [2.0] * 3,
                        "l_sell": [0.0, 0.0, 0.9], "max_p": 5.0,
                        "btm_storage": {"Storage#1": storage}},
            "Meter#2": {"e_c": [0.1] * 3, "e_g": [0.0] * 3, "l_buy": [2.0] * 3,
                        "l_sell": [0.0] * 3, "max_p": 5.0, "btm_storage": None},
        },
    }


def _broken(edit) -> dict:
    data = copy.deepcopy(_rec_dict())
    edit(data)
    return data


def _set(path, value):
    def edit(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


def _delete(path):
    def edit(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return edit


STORAGE = ("meters", "Meter#1", "btm_storage", "Storage#1")
REC_BADS = [
    Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"), Bad([1.0], TypeError, "list"),
    Bad({}, ValueError, "empty"),
    Bad(_broken(_delete(("meters",))), ValueError, "no_meters"),
    Bad(_broken(_set(("meters",), {})), ValueError, "empty_meters"),
    Bad(_broken(_set(("meters",), [1, 2])), ValueError, "meters_list"),
    Bad(_broken(_set(("meters", "Meter#2"), "abc")), TypeError, "meter_str"),
    Bad(_broken(_delete(("delta_t",))), ValueError, "no_delta_t"),
    Bad(_broken(_set(("delta_t",), 0.0)), ValueError, "zero_delta_t"),
    Bad(_broken(_set(("delta_t",), True)), TypeError, "bool_delta_t"),
    Bad(_broken(_set(("horizon",), 12.0)), ValueError, "horizon_mismatch"),
    Bad(_broken(_set(("horizon",), NAN)), ValueError, "nan_horizon"),
    Bad(_broken(_set(("l_extra",), -1.0)), ValueError, "negative_l_extra"),
    Bad(_broken(_set(("l_grid",), [0.01] * 4)), ValueError, "long_l_grid"),
    Bad(_broken(_set(("l_lem",), [0.01, NAN, 0.01])), ValueError, "nan_l_lem"),
    Bad(_broken(_set(("l_market_buy",), "abc")), TypeError, "str_market_buy"),
    Bad(_broken(_delete(("l_market_sell",))), ValueError, "no_market_sell"),
    Bad(_broken(_set(("strict_pos_coeffs",), 1)), TypeError, "int_flag"),
    Bad(_broken(_delete(("total_share_coeffs",))), ValueError, "no_total_share"),
    Bad(_broken(_set(("meters", "Meter#2", "e_c"), [0.1, 0.1])), ValueError, "short_e_c"),
    Bad(_broken(_set(("meters", "Meter#2", "e_c"), [0.1, -0.1, 0.1])), ValueError,
        "negative_e_c"),
    Bad(_broken(_set(("meters", "Meter#1", "e_g"), [INF, 0.0, 0.0])), ValueError, "inf_e_g"),
    Bad(_broken(_set(("meters", "Meter#1", "l_buy"), [True, True, True])), TypeError,
        "bool_l_buy"),
    Bad(_broken(_delete(("meters", "Meter#1", "l_sell"))), ValueError, "no_l_sell"),
    Bad(_broken(_set(("meters", "Meter#1", "max_p"), 0.0)), ValueError, "zero_max_p"),
    Bad(_broken(_set(("meters", "Meter#1", "max_p"), None)), TypeError, "none_max_p"),
    Bad(_broken(_set(("meters", "Meter#1", "btm_storage"), [1])), TypeError, "storage_list"),
    Bad(_broken(_set(("meters", "Meter#1", "btm_storage", "Storage#2"), {})), ValueError,
        "two_storages"),
    Bad(_broken(_set((*STORAGE, "soc_max"), 120.0)), ValueError, "soc_above_100"),
    Bad(_broken(_set((*STORAGE, "soc_min"), -5.0)), ValueError, "negative_soc"),
    Bad(_broken(_set((*STORAGE, "e_bn"), 0.0)), ValueError, "zero_capacity"),
    Bad(_broken(_set((*STORAGE, "init_e"), 2.0)), ValueError, "initial_above_capacity"),
    Bad(_broken(_set((*STORAGE, "eff_bc"), NAN)), ValueError, "nan_efficiency"),
    Bad(_broken(_set((*STORAGE, "eff_bd"), "0.9")), TypeError, "str_efficiency"),
    Bad(_broken(_delete((*STORAGE, "p_max"))), ValueError, "no_p_max"),
]

# ------------------------------------------------------------------ extract_dispatch


@factory
def _solved_model():
    model = build_individual_model(INPUTS)
    solve(model)
    return model


def _foreign_model():
    model = pyo.ConcreteModel()
    model.x = pyo.Var()
    return model


SPECS = [
    Spec(
        "OperationInputs",
        good=INPUT_ARGS,
        bad={
            "load_kwh": matrix_bads(LOAD),
            "pv_kwh": matrix_bads(PV, extra=[
                Bad(_foreign_columns(PV), ValueError, "foreign_columns"),
                Bad(PV.set_axis([5, 6, 7]), ValueError, "foreign_index"),
                Bad(PV.to_numpy()[:2], ValueError, "short")]),
            "price_buy_per_kwh": matrix_bads(BUY, nonneg=False, extra=[
                Bad(_foreign_columns(BUY), ValueError, "foreign_columns")]),
            "price_sell_per_kwh": matrix_bads(SELL, nonneg=False, extra=[
                Bad(np.zeros((3, 3)), ValueError, "three_members")]),
            "price_market_buy_per_kwh": vector_bads([2.0, 2.0, 2.0], nonneg=False),
            "price_market_sell_per_kwh": vector_bads(MARKET_SELL, nonneg=False),
            "price_access_per_kwh": vector_bads([0.01, 0.01, 0.01], nonneg=False, extra=[
                Bad([0.01, 0.01], ValueError, "too_short")]),
            "lem_price_per_kwh": vector_bads([1.1, 1.1, 1.1], nonneg=False),
            "contracted_power_kw": vector_bads(CONTRACTED, extra=[
                Bad(pd.Series([0.0, 5.0], index=MEMBERS), ValueError, "zero"),
                Bad([5.0], ValueError, "one_member")]),
            "price_extra_power_per_kw": number_bads(negative=True),
            "timestep_h": number_bads(negative=True, zero=True),
            "batteries": [
                Bad("abc", TypeError, "str"), Bad(BATTERIES.to_numpy(), TypeError, "array"),
                Bad(BATTERIES.drop(columns="power_kw"), ValueError, "missing_column"),
                Bad(BATTERIES.iloc[:0], ValueError, "empty"),
                Bad(_battery(capacity_kwh=NAN), ValueError, "nan_capacity"),
                Bad(_battery(capacity_kwh=0.0), ValueError, "zero_capacity"),
                Bad(_battery(power_kw=-1.0), ValueError, "negative_power"),
                Bad(_battery(power_kw=INF), ValueError, "inf_power"),
                Bad(_battery(charge_efficiency=0.0), ValueError, "zero_efficiency"),
                Bad(_battery(discharge_efficiency=1.5), ValueError, "efficiency_above_one"),
                Bad(_battery(soc_max=100.0), ValueError, "soc_in_percent"),
                Bad(_battery(soc_min=0.8, soc_max=0.5, initial_kwh=0.6), ValueError,
                    "soc_min_above_soc_max"),
                Bad(_battery(initial_kwh=2.0), ValueError, "initial_above_capacity"),
                Bad(_battery(degradation_per_kwh=-0.01), ValueError, "negative_degradation"),
                Bad(_battery(power_kw=True), TypeError, "bool_column"),
                Bad(_battery(power_kw="1"), TypeError, "str_column"),
                Bad(BATTERIES.rename(index={"m1": "zz"}), ValueError, "unknown_member"),
                Bad(pd.concat([BATTERIES, BATTERIES]), ValueError, "duplicated_member"),
            ],
            "strict_positive_sharing": flag_bads(),
            "total_share": flag_bads(),
        },
        names=tuple(INPUT_ARGS),
    ),
    Spec(
        "from_rec_op_inputs",
        good={"data": factory(_rec_dict)},
        positional=("data",),
        bad={"data": REC_BADS},
    ),
    Spec(
        "check_inputs",
        good={"inputs": INPUTS, "delivery": "pre"},
        positional=("inputs",),
        bad={"inputs": inputs_bads(), "delivery": choice_bads()},
    ),
    Spec(
        "run_individual",
        good={"inputs": INPUTS, "delivery": "pre", "solver": "auto", "time_limit_s": None,
              "mip_gap": 1e-4, "formulation": "reduced"},
        positional=("inputs",),
        bad={"inputs": inputs_bads(), "delivery": choice_bads(), **SOLVER_ARGS_BADS},
    ),
    Spec(
        "run_individual",
        id="post",
        good={"inputs": INPUTS, "delivery": "post", "solver": "auto", "time_limit_s": 60.0,
              "mip_gap": 0.0, "formulation": "full"},
        positional=("inputs",),
        bad={"inputs": inputs_bads(), "delivery": choice_bads(), **SOLVER_ARGS_BADS},
    ),
    Spec(
        "run_collective",
        good={"inputs": INPUTS, "market": "pool", "delivery": "pre", "no_loss": True,
              "no_loss_round_up": False, "lem_price_per_kwh": MARKET_SELL + 1.0,
              "solver": "auto", "time_limit_s": None, "mip_gap": 1e-4,
              "formulation": "reduced", "split": "min_volume",
              "price_access_pair_per_kwh": None},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "market": choice_bads(),
            "delivery": choice_bads(),
            "no_loss": flag_bads(),
            "no_loss_round_up": flag_bads(),
            "lem_price_per_kwh": lem_bads(MARKET_SELL + 1.0),
            "split": choice_bads(),
            "price_access_pair_per_kwh": [Bad(PAIR, ValueError, "with_pool")],
            **SOLVER_ARGS_BADS,
        },
    ),
    Spec(
        "run_collective",
        id="bilateral",
        good={"inputs": INPUTS, "market": "bilateral", "delivery": "post", "no_loss": True,
              "no_loss_round_up": True, "lem_price_per_kwh": MARKET_SELL + 1.0,
              "solver": "auto", "time_limit_s": 60.0, "mip_gap": 1e-4,
              "formulation": "full", "split": "solver", "price_access_pair_per_kwh": PAIR},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "market": choice_bads(),
            "delivery": choice_bads(),
            "no_loss": flag_bads(),
            "no_loss_round_up": flag_bads(),
            "lem_price_per_kwh": lem_bads(MARKET_SELL + 1.0),
            "split": choice_bads(),
            "price_access_pair_per_kwh": pair_bads(),
            **SOLVER_ARGS_BADS,
        },
    ),
    Spec(
        "dual_prices",
        good={"inputs": INPUTS, "market": "pool", "delivery": "post", "no_loss": False,
              "lem_price_per_kwh": [1.0, 1.0, 1.0], "solver": "auto", "time_limit_s": 30.0,
              "mip_gap": 1e-4, "formulation": "reduced"},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "market": choice_bads(),
            "delivery": choice_bads(),
            "no_loss": flag_bads(),
            "lem_price_per_kwh": lem_bads([1.0, 1.0, 1.0]),
            **SOLVER_ARGS_BADS,
        },
    ),
    Spec(
        "lem_pricing_loop",
        good={"inputs": INPUTS, "rule": "mmr", "delivery": "pre", "pruned": True,
              "divider": 0.4, "compensation_share": 0.0, "max_iterations": 20, "tol": 0.01,
              "solver": "auto", "time_limit_s": None, "mip_gap": 1e-4,
              "formulation": "reduced", "split": "min_volume", "market": "pool",
              "price_access_pair_per_kwh": None},
        positional=("inputs", "rule"),
        bad={
            "inputs": inputs_bads(),
            "rule": choice_bads(extra=[Bad("MMR", ValueError, "capitalised")]),
            "delivery": choice_bads(),
            "pruned": flag_bads(),
            "divider": number_bads(negative=True, extra=[Bad(1.5, ValueError, "above_one")]),
            "compensation_share": number_bads(negative=True, extra=[
                Bad(0.5, ValueError, "not_sdr"), Bad(1.5, ValueError, "above_one")]),
            "max_iterations": integer_bads(minimum=1, extra=[Bad(-3, ValueError, "negative")]),
            "tol": number_bads(negative=True, zero=True),
            "split": choice_bads(),
            "market": choice_bads(),
            "price_access_pair_per_kwh": [Bad(PAIR, ValueError, "with_pool")],
            **SOLVER_ARGS_BADS,
        },
    ),
    Spec(
        "lem_pricing_loop",
        id="sdr_post",
        good={"inputs": INPUTS, "rule": "sdr", "delivery": "post", "pruned": False,
              "divider": 0.5, "compensation_share": 0.3, "max_iterations": 2, "tol": 1e-6,
              "solver": "auto", "time_limit_s": 60.0, "mip_gap": 0.0,
              "formulation": "full", "split": "solver", "market": "bilateral",
              "price_access_pair_per_kwh": PAIR},
        positional=("inputs", "rule"),
        bad={
            "inputs": inputs_bads(),
            "rule": choice_bads(),
            "delivery": choice_bads(),
            "pruned": flag_bads(),
            "divider": number_bads(extra=[Bad(0.3, ValueError, "not_mmr")]),
            "compensation_share": number_bads(negative=True, extra=[Bad(2.0, ValueError,
                                                                  "above_one")]),
            "max_iterations": integer_bads(minimum=1),
            "tol": number_bads(negative=True, zero=True),
            "split": choice_bads(),
            "market": choice_bads(),
            "price_access_pair_per_kwh": pair_bads(),
            **SOLVER_ARGS_BADS,
        },
    ),
    Spec(
        "build_individual_model",
        good={"inputs": INPUTS, "delivery": "pre"},
        positional=("inputs",),
        bad={"inputs": inputs_bads(), "delivery": choice_bads()},
    ),
    Spec(
        "build_collective_model",
        good={"inputs": INPUTS, "delivery": "post", "max_member_costs": CONTRACTED * 0.0,
              "lem_price_per_kwh": [1.0, 1.0, 1.0], "market": "pool",
              "price_access_pair_per_kwh": None},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "delivery": choice_bads(),
            "max_member_costs": optional_vector_bads(CONTRACTED * 0.0),
            "lem_price_per_kwh": lem_bads([1.0, 1.0, 1.0]),
            "market": choice_bads(),
            "price_access_pair_per_kwh": [Bad(PAIR, ValueError, "with_pool")],
        },
    ),
    Spec(
        "build_collective_model",
        id="bilateral",
        good={"inputs": INPUTS, "delivery": "pre", "max_member_costs": CONTRACTED * 0.0,
              "lem_price_per_kwh": [1.0, 1.0, 1.0], "market": "bilateral",
              "price_access_pair_per_kwh": PAIR},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "delivery": choice_bads(),
            "max_member_costs": optional_vector_bads(CONTRACTED * 0.0),
            "lem_price_per_kwh": lem_bads([1.0, 1.0, 1.0]),
            "market": choice_bads(),
            "price_access_pair_per_kwh": pair_bads(),
        },
    ),
    Spec(
        "extract_dispatch",
        good={"model": _solved_model},
        positional=("model",),
        bad={"model": [
            Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
            Bad(_foreign_model(), TypeError, "foreign_model"),
            Bad(build_individual_model(INPUTS), ValueError, "unsolved"),
        ]},
    ),
]

"""Bad-input battery entries for lectoolkit.shapley (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import (
    NAN,
    Bad,
    Spec,
    integer_bads,
    matrix_bads,
    number_bads,
    vector_bads,
)

WORTHS = [0.0, 0.77, 0.51, 1.04]

PLAYER_BADS = [
    Bad("ab", TypeError, "str"), Bad(3, TypeError, "int"), Bad({"a", "b"}, TypeError, "set"),
    Bad(["a"], ValueError, "one_label"), Bad(["a", "b", "c"], ValueError, "too_many"),
    Bad(["a", "a"], ValueError, "duplicated"), Bad([["a"], ["b"]], TypeError, "unhashable"),
    Bad(np.array([["a", "b"]]), ValueError, "2d"),
]

# ---------------------------------------------------------------- settlement games
# three steps, two members: member 0 imports while member 1 exports, so pooling saves
STEPS = pd.date_range("2024-01-01", periods=3, freq="h", name="time")
LOAD = pd.DataFrame({"home": [2.0, 1.0, 0.5], "pv": [-1.0, -2.0, -0.5]}, index=STEPS)
BUY = pd.Series([0.30, 0.25, 0.20], index=STEPS)
SELL = pd.Series([0.10, 0.08, 0.05], index=STEPS)


def _load_bads(good):
    arr = np.asarray(good)
    return matrix_bads(good, nonneg=False, extra=[
        Bad(pd.Series(arr[:, 0], index=STEPS), TypeError, "series"),
        Bad(np.empty((3, 0)), ValueError, "no_member"),
        Bad(np.ones((3, 2, 1)), ValueError, "3d"),
        Bad(arr.astype(object), TypeError, "object_dtype"),
    ])


def _price_bads(good, huge):
    """Bad prices; ``huge`` makes the half spread ``(buy - sell) / 2`` about 0.85e308."""
    return vector_bads(good, nonneg=False, extra=[
        Bad(NAN, ValueError, "nan_scalar"), Bad(np.inf, ValueError, "inf_scalar"),
        Bad(True, TypeError, "bool_scalar"), Bad(pd.DataFrame(good), TypeError, "dataframe"),
        Bad(good[:2], ValueError, "one_step_missing"), Bad([0.3, "x", 0.1], TypeError, "mixed"),
        Bad(huge, ValueError, "huge_overflows"),
    ])


def _settlement_spec(function, **more):
    """One entry per settlement function: pandas inputs (labels paired) and plain ones."""
    more_bad = more.pop("bad", {})
    return [
        Spec(function, id="pandas",
             good={"net_load_kwh": LOAD, "price_buy_per_kwh": BUY, "price_sell_per_kwh": SELL,
                   **more},
             positional=("net_load_kwh", "price_buy_per_kwh", "price_sell_per_kwh"),
             bad={"net_load_kwh": _load_bads(LOAD), "price_buy_per_kwh": _price_bads(BUY, 1.7e308),
                  "price_sell_per_kwh": _price_bads(SELL, -1.7e308), **more_bad}),
        Spec(function, id="arrays",
             good={"net_load_kwh": LOAD.to_numpy(), "price_buy_per_kwh": BUY.to_numpy(),
                   "price_sell_per_kwh": SELL.to_numpy(), **more},
             positional=("net_load_kwh", "price_buy_per_kwh", "price_sell_per_kwh"),
             bad={"net_load_kwh": _load_bads(LOAD.to_numpy()),
                  "price_buy_per_kwh": _price_bads(BUY.to_numpy(), 1.7e308),
                  "price_sell_per_kwh": _price_bads(SELL.to_numpy(), -1.7e308),
                  **more_bad}),
    ]


RNG_BADS = [
    Bad("seed", TypeError, "str"), Bad(True, TypeError, "bool"), Bad(-1, ValueError, "negative"),
    Bad(1.5, ValueError, "fraction"), Bad(np.random.RandomState(0), TypeError, "random_state"),
    Bad([1, 2], TypeError, "list"),
]
ANTITHETIC_BADS = [Bad(1, TypeError, "int"), Bad("yes", TypeError, "str"),
                   Bad(None, TypeError, "none"), Bad(np.array([True]), TypeError, "array")]
PERMUTATION_BADS = integer_bads(minimum=1, extra=[
    Bad(5, ValueError, "odd_with_antithetic"), Bad(2, ValueError, "single_sample"),
])


def additive(members):
    """An additive game over three players (a valid ``worth_fn``)."""
    return members @ np.array([1.0, 2.0, 3.0])


def _alternating_huge(members):
    """Worths of +-1.7e308 by coalition size, 0 for the empty and grand coalitions."""
    size = members.sum(axis=1)
    return np.where((size == 0) | (size == members.shape[1]), 0.0,
                    np.where(size % 2, 1.7e308, -1.7e308))


WORTH_FN_BADS = [
    Bad("f", TypeError, "str"), Bad(None, TypeError, "none"), Bad(3.0, TypeError, "number"),
    Bad(lambda m: np.full(m.shape[0], np.nan), ValueError, "returns_nan"),
    Bad(lambda m: np.where(m.sum(axis=1) == 2, np.inf, 0.0), ValueError, "returns_inf"),
    Bad(lambda m: m.any(axis=1), TypeError, "returns_bool"),
    Bad(lambda m: np.array(["x"] * m.shape[0]), TypeError, "returns_str"),
    Bad(lambda m: None, TypeError, "returns_none"),
    Bad(lambda m: np.zeros((m.shape[0], 2)), ValueError, "returns_2d"),
    Bad(lambda m: np.zeros(m.shape[0] + 1), ValueError, "returns_too_many"),
    Bad(lambda m: 1.0, ValueError, "returns_scalar"),
    Bad(_alternating_huge, ValueError, "marginals_overflow"),
]

SPECS = [
    Spec(
        "shapley_values",
        good={"worths": WORTHS, "players": ["a", "b"]},
        positional=("worths",),
        bad={
            "worths": vector_bads(WORTHS, nonneg=False, extra=[
                Bad([0.0, 1.0, 2.0], ValueError, "not_power_of_two"),
                Bad([0.0], ValueError, "no_player"),
                Bad([1.0, 1.0, 2.0, 3.0], ValueError, "nonzero_empty_coalition"),
                Bad(np.array(WORTHS)[::-1].copy().reshape(2, 2), ValueError, "2x2"),
                Bad(pd.DataFrame({"v": WORTHS}), TypeError, "dataframe"),
                Bad(np.array(WORTHS, dtype=object), TypeError, "object_dtype"),
                Bad([0.0, 1.7e308, -1.7e308, 1.7e308], ValueError, "huge_overflows"),
            ]),
            "players": PLAYER_BADS,
        },
    ),
    Spec(
        "max_dense_players",
        good={"memory_bytes": 2.0**30},
        positional=("memory_bytes",),
        bad={"memory_bytes": [b for b in number_bads(negative=True, extra=[
            Bad(np.array([2.0**30]), TypeError, "array")]) if b.label != "none"]},
    ),
    *_settlement_spec("settlement_game_worths"),
    *_settlement_spec("settlement_game_shapley"),
    *_settlement_spec(
        "settlement_game_shapley_sampled", n_permutations=4, rng=0, antithetic=True,
        bad={"n_permutations": PERMUTATION_BADS, "rng": RNG_BADS,
             "antithetic": ANTITHETIC_BADS},
    ),
    Spec(
        "shapley_sampled",
        good={"worth_fn": additive, "n_players": 3, "n_permutations": 10, "rng": 0,
              "antithetic": True},
        positional=("worth_fn", "n_players", "n_permutations"),
        bad={
            "worth_fn": WORTH_FN_BADS,
            "n_players": integer_bads(minimum=1, extra=[
                Bad(10**7, ValueError, "huge_checked_before_allocating")]),
            "n_permutations": PERMUTATION_BADS,
            "rng": RNG_BADS,
            "antithetic": ANTITHETIC_BADS,
        },
    ),
]

PERMUTATION_LIST_BADS = [
    Bad("10", TypeError, "str"), Bad(10, TypeError, "int"), Bad(None, TypeError, "none"),
    Bad([], ValueError, "empty"), Bad([2], ValueError, "below_four"),
    Bad([5], ValueError, "odd"), Bad([4.5], ValueError, "fraction"),
    Bad([True], TypeError, "bool"), Bad(["4"], TypeError, "str_item"),
]

SPECS += _settlement_spec(
    "sampling_error_table", permutations=[4, 6], n_seeds=2, rng=0,
    bad={"permutations": PERMUTATION_LIST_BADS, "n_seeds": integer_bads(minimum=1),
         "rng": RNG_BADS},
)

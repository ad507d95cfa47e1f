"""Bad-input battery entries for lectoolkit.core (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import Bad, Spec, choice_bads, number_bads, vector_bads

# glove game: player 0 holds the left glove, players 1 and 2 a right glove each
GLOVE = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


def _worths_bads(*, lp: bool):
    extra = [
        Bad([0.0, 1.0, 2.0], ValueError, "not_power_of_two"),
        Bad([1.0] + GLOVE[1:], ValueError, "nonzero_empty_coalition"),
        Bad([0.0, 1.0], ValueError, "one_player"),
        Bad(np.array(GLOVE).reshape(2, 4), ValueError, "2d"),
        Bad(pd.DataFrame({"v": GLOVE}), TypeError, "dataframe"),
        Bad(np.array(GLOVE, dtype=object), TypeError, "object_dtype"),
    ]
    if lp:  # build_least_core_model does not rescale: worths beyond the LP range
        extra += [Bad(np.array(GLOVE) * 1e13, ValueError, "beyond_lp_range"),
                  Bad(np.array(GLOVE) * 1e-9, ValueError, "below_lp_range")]
    return vector_bads(GLOVE, nonneg=False, extra=extra)


PLAYER_BADS = [
    Bad("abc", TypeError, "str"), Bad(3, TypeError, "int"), Bad({"a", "b", "c"}, TypeError, "set"),
    Bad(["a", "b"], ValueError, "too_few"), Bad(["a", "b", "c", "d"], ValueError, "too_many"),
    Bad(["a", "b", "a"], ValueError, "duplicated"), Bad([["a"], ["b"], ["c"]], TypeError,
                                                         "unhashable"),
]

COALITION_BADS = [
    Bad([1, 7], ValueError, "grand"), Bad([0, 1], ValueError, "empty_coalition"),
    Bad([1, 8], ValueError, "beyond_n"), Bad([-1], ValueError, "negative"),
    Bad([1, 1], ValueError, "twice"), Bad([1.5], ValueError, "fraction"),
    Bad([], ValueError, "none_listed"), Bad([np.nan], ValueError, "nan"),
    Bad("12", TypeError, "str"), Bad(5, TypeError, "int"), Bad([True, False], TypeError, "bool"),
    Bad({1: 2}, TypeError, "dict"), Bad([[1, 2]], ValueError, "nested"),
    Bad(["1"], TypeError, "str_items"),
]

FIXED_BADS = [
    Bad([3], TypeError, "list"), Bad(3, TypeError, "int"), Bad("3", TypeError, "str"),
    Bad({7: 0.0}, ValueError, "grand"), Bad({0: 0.0}, ValueError, "empty_coalition"),
    Bad({1.5: 0.0}, ValueError, "fraction_key"), Bad({"3": 0.0}, TypeError, "str_key"),
    Bad({3: np.nan}, ValueError, "nan"), Bad({3: np.inf}, ValueError, "inf"),
    Bad({3: "a"}, TypeError, "str_value"), Bad({3: True}, TypeError, "bool_value"),
    Bad({3: None}, TypeError, "none_value"),
]


def _lp_spec(function, extra_worths_bads=()):
    return Spec(
        function,
        good={"worths": GLOVE, "solver": "auto", "method": "auto", "players": ["l", "r1", "r2"]},
        positional=("worths",),
        bad={
            "worths": _worths_bads(lp=False) + list(extra_worths_bads),
            "solver": choice_bads(extra=[Bad("", ValueError, "empty"),
                                         Bad("HiGHS", ValueError, "capitalised")]),
            "method": choice_bads(extra=[Bad(True, TypeError, "bool")]),
            "players": PLAYER_BADS,
        },
    )


ALLOCATIONS = pd.DataFrame({"left": [1.0, 0.0, 0.0], "equal": [1 / 3, 1 / 3, 1 / 3]},
                           index=["L", "R1", "R2"])

SPECS = [
    Spec(
        "core_table",
        good={"worths": GLOVE, "allocations": ALLOCATIONS, "tol": 1e-9},
        positional=("worths", "allocations"),
        bad={
            "worths": _worths_bads(lp=False),
            "allocations": [Bad([1.0, 0.0, 0.0], TypeError, "list"),
                            Bad(ALLOCATIONS.iloc[:2], ValueError, "too_few_rows"),
                            Bad(ALLOCATIONS.assign(equal=np.nan), ValueError, "nan"),
                            Bad(ALLOCATIONS.astype(str), TypeError, "str"),
                            Bad(None, TypeError, "none")],
            "tol": number_bads(negative=True),
        },
    ),
    Spec(
        "in_core",
        good={"worths": GLOVE, "allocation": [1.0, 0.0, 0.0], "tol": 1e-9},
        positional=("worths", "allocation"),
        bad={
            "worths": _worths_bads(lp=False),
            "allocation": vector_bads([1.0, 0.0, 0.0], nonneg=False, extra=[
                Bad([1.0, 0.0], ValueError, "too_short"),
                Bad(pd.DataFrame({"x": [1.0, 0.0, 0.0]}), TypeError, "dataframe"),
                Bad([1.7e308, 1.7e308, -1.7e308], ValueError, "huge_overflows"),
            ]),
            "tol": number_bads(negative=True),
        },
    ),
    Spec(
        "build_least_core_model",
        good={"worths": GLOVE, "coalitions": [1, 2, 4], "fixed": {3: 0.0}},
        positional=("worths",),
        bad={"worths": _worths_bads(lp=True), "coalitions": COALITION_BADS,
             "fixed": FIXED_BADS},
    ),
    _lp_spec("least_core"),
    _lp_spec("prenucleolus"),
    # singletons worth 1 + 1 + 1 > v(N) = 1: no imputation exists
    _lp_spec("nucleolus", [Bad([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], ValueError,
                               "empty_imputation_set")]),
]

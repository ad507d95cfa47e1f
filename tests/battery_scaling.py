"""Bad-input battery entries for lectoolkit.scaling (see tests/battery.py)."""

from battery import Bad, Spec, integer_bads, number_bads
from battery_operation import INPUTS, inputs_bads

FLAG_BADS = [Bad(1, TypeError, "int"), Bad("yes", TypeError, "str"), Bad(None, TypeError, "none")]


def size_list_bads(minimum, maximum=None):
    """Bad lists of sizes (one entry too small or too large, not integers, not a list)."""
    bads = [Bad("3", TypeError, "str"), Bad(3, TypeError, "int"), Bad(None, TypeError, "none"),
            Bad([], ValueError, "empty"), Bad([minimum - 1], ValueError, "below_minimum"),
            Bad([2.5], ValueError, "fraction"), Bad([True], TypeError, "bool")]
    if maximum is not None:
        bads.append(Bad([maximum + 1], ValueError, "above_maximum"))
    return bads


SPECS = [
    Spec(
        "exact_shapley_scaling",
        good={"sizes": [3], "measure_memory": False, "numpy_baseline": True},
        bad={"sizes": size_list_bads(1, 34), "measure_memory": FLAG_BADS,
             "numpy_baseline": FLAG_BADS},
    ),
    Spec(
        "seed_shapley_scaling",
        good={"powerset_sizes": [3], "permutation_sizes": [3]},
        bad={"powerset_sizes": size_list_bads(1, 14),
             "permutation_sizes": size_list_bads(1, 10)},
    ),
    Spec(
        "sampled_shapley_scaling",
        good={"sizes": [3], "n_steps": 8, "n_permutations": 4, "measure_memory": False,
              "price_buy_per_kwh": 0.30, "price_sell_per_kwh": 0.05},
        bad={"sizes": size_list_bads(1), "n_steps": integer_bads(minimum=1),
             "n_permutations": integer_bads(minimum=1, extra=[
                 Bad(5, ValueError, "odd"), Bad(2, ValueError, "single_sample")]),
             "measure_memory": FLAG_BADS,
             "price_buy_per_kwh": number_bads(), "price_sell_per_kwh": number_bads()},
    ),
    Spec(
        "operation_game_scaling",
        good={"inputs": INPUTS, "sizes": [2], "jobs": 2, "client": None},
        positional=("inputs", "sizes"),
        bad={"inputs": inputs_bads(), "sizes": size_list_bads(2, 2),
             "jobs": integer_bads(minimum=2),
             "client": [Bad("tcp://x", TypeError, "str")]},
    ),
]

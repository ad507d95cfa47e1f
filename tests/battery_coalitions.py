"""Bad-input battery entries for lectoolkit.coalitions (see tests/battery.py)."""

import numpy as np
import pandas as pd
from battery import Bad, Spec, integer_bads, vector_bads

WORTHS = [0.0, 0.77, 0.51, 1.04]
VALUES = [0.77, 0.51, 1.04]

SPECS = [
    Spec(
        "from_combination_order",
        good={"values": VALUES, "n_players": 2},
        positional=("values", "n_players"),
        bad={
            "values": vector_bads(VALUES, nonneg=False, extra=[
                Bad(VALUES[:2], ValueError, "too_short"),
                Bad(pd.DataFrame({"v": VALUES}), TypeError, "dataframe"),
                Bad([[0.77], [0.51, 1.04]], ValueError, "ragged"),
            ]),
            "n_players": integer_bads(minimum=1, extra=[
                Bad(3, ValueError, "length_mismatch"),
                Bad(25, ValueError, "huge_n_checked_before_enumerating"),
                Bad(31, ValueError, "beyond_limit"),
                Bad(np.array([2]), TypeError, "array"),
            ]),
        },
    ),
    Spec(
        "to_combination_order",
        good={"worths": WORTHS},
        positional=("worths",),
        bad={"worths": vector_bads(WORTHS, nonneg=False, extra=[
            Bad([0.0, 1.0, 2.0], ValueError, "not_power_of_two"),
            Bad([0.0], ValueError, "single_entry"),
            Bad([1.0, 1.0], ValueError, "nonzero_empty_coalition"),
            Bad(pd.DataFrame({"w": WORTHS}), TypeError, "dataframe"),
        ])},
    ),
]

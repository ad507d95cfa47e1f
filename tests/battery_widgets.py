"""Bad-input battery entries for lectoolkit.widgets (see tests/battery.py).

Only the explorers exported at the top level; each valid call builds the explorer once.
"""

from __future__ import annotations

from battery import Bad, Spec
from battery_operation import INPUTS, inputs_bads

SPECS = [
    Spec(
        "operation_explorer",
        good={"inputs": INPUTS, "unit": "EUR"},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads(),
            "unit": [Bad("", ValueError, "empty"), Bad(None, TypeError, "none"),
                      Bad(1, TypeError, "int")],
        },
    ),
    Spec(
        "storage_game_explorer",
        good={"inputs": INPUTS, "unit": "EUR"},
        positional=("inputs",),
        bad={
            "inputs": inputs_bads() + [Bad(INPUTS.select(["m1"]), ValueError, "one_member")],
            "unit": [Bad("", ValueError, "empty"), Bad(None, TypeError, "none"),
                      Bad(1, TypeError, "int")],
        },
    ),
]

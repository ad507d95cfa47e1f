"""Bad-input battery entries for lectoolkit.storage_games (see tests/battery.py)."""

from __future__ import annotations

from battery import Bad, Spec, choice_bads, integer_bads
from battery_operation import INPUTS, flag_bads, inputs_bads
from battery_shapley import RNG_BADS

CACHE_BADS = [Bad(3, TypeError, "int"), Bad(["a"], TypeError, "list"),
              Bad("", ValueError, "empty"), Bad(__file__, ValueError, "a_file")]
CLIENT_BADS = [Bad("tcp://nowhere", TypeError, "str"), Bad(2, TypeError, "int")]
COMMON = {"market": "pool", "delivery": "pre", "solver": "auto", "jobs": 1, "client": None,
          "cache_dir": None, "progress": False}
COMMON_BADS = {"inputs": inputs_bads(), "market": choice_bads(), "delivery": choice_bads(),
               "solver": choice_bads(), "jobs": integer_bads(minimum=1),
               "client": CLIENT_BADS, "cache_dir": CACHE_BADS, "progress": flag_bads()}

SPECS = [
    Spec("operation_game", good={"inputs": INPUTS, **COMMON}, positional=("inputs",),
         bad=COMMON_BADS),
    Spec("operation_shapley_sampled",
         good={"inputs": INPUTS, "n_permutations": 4, "rng": 0, **COMMON},
         positional=("inputs", "n_permutations"),
         bad={**COMMON_BADS, "rng": RNG_BADS,
              "n_permutations": integer_bads(minimum=4, extra=[Bad(5, ValueError, "odd")])}),
    Spec("OperationInputs", id="select", good={"members": ["m2"]},
         call=lambda members: INPUTS.select(members),
         bad={"members": [Bad("m1", TypeError, "str"), Bad(3, TypeError, "int"),
                          Bad([], ValueError, "empty"), Bad(["m1", "m1"], ValueError, "duplicated"),
                          Bad(["zz"], ValueError, "unknown")]}),
]

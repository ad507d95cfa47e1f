"""Bad-input battery entries for lectoolkit.storage_games (see tests/battery.py)."""

from __future__ import annotations

from battery import Bad, Spec, choice_bads, integer_bads
from battery_operation import INPUTS, flag_bads, inputs_bads
from battery_shapley import RNG_BADS

from lectoolkit.storage_games import operation_game

GAME = operation_game(INPUTS, progress=False)

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
         good={"inputs": INPUTS, "n_permutations": 4, "rng": 0, "control_variate": True,
               **COMMON},
         positional=("inputs", "n_permutations"),
         bad={**COMMON_BADS, "rng": RNG_BADS,
              "control_variate": [b for b in flag_bads() if b.label != "none"],
              "n_permutations": integer_bads(minimum=4, extra=[Bad(5, ValueError, "odd")])}),
    Spec("OperationInputs", id="select", good={"members": ["m2"]},
         call=lambda members: INPUTS.select(members),
         bad={"members": [Bad("m1", TypeError, "str"), Bad(3, TypeError, "int"),
                          Bad([], ValueError, "empty"), Bad(["m1", "m1"], ValueError, "duplicated"),
                          Bad(["zz"], ValueError, "unknown")]}),
    Spec("operation_allocations",
         good={"game": GAME, "inputs": INPUTS, "lem_price_per_kwh": None,
               "mechanisms": ["conventional", "sdr"], "solver": "auto"},
         positional=("game", "inputs"),
         bad={"game": [Bad(None, TypeError, "none"), Bad(GAME.worths, TypeError, "worths"),
                       Bad(operation_game(INPUTS.select(["m2", "m1"]), progress=False),
                           ValueError, "other_order")],
              "inputs": inputs_bads()[:3],
              "lem_price_per_kwh": [Bad([1.0], ValueError, "short"),
                                    Bad("abc", TypeError, "str")],
              "mechanisms": [Bad("sdr", TypeError, "str"), Bad(["sdrc"], ValueError, "sdrc"),
                             Bad(["nope"], ValueError, "unknown"), Bad([], ValueError, "empty")],
              "solver": choice_bads()}),
]

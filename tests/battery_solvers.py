"""Bad-input battery entries for lectoolkit.solvers and lectoolkit.parallel.map_tasks."""

import numpy as np
import pyomo.environ as pyo
from battery import Bad, Spec, choice_bads, factory, integer_bads, number_bads

from lectoolkit.parallel import map_tasks


def small_lp(objectives: int = 1):
    """max 2x over 0 <= x <= 4 (with ``objectives`` active objectives)."""
    m = pyo.ConcreteModel(name="small_lp")
    m.x = pyo.Var(bounds=(0, 4))
    for k in range(objectives):
        m.add_component(f"obj{k}", pyo.Objective(expr=2 * m.x, sense=pyo.maximize))
    return m


SOLVER_BADS = choice_bads(extra=[Bad("", ValueError, "empty"), Bad("HiGHS", ValueError,
                                                                     "capitalised"),
                                 Bad(["highs"], TypeError, "list")])

SPECS = [
    Spec("resolve_solver", good={"solver": "auto"}, positional=("solver",),
         bad={"solver": SOLVER_BADS}),
    Spec("solver_version", good={"solver": "highs"}, positional=("solver",),
         bad={"solver": SOLVER_BADS}),
    Spec(
        "solve",
        good={"model": factory(small_lp), "solver": "auto", "time_limit_s": 60.0,
              "options": {"presolve": "off"}, "tee": False, "allow_time_limit": True},
        positional=("model",),
        bad={
            "model": [
                Bad(None, TypeError, "none"), Bad("small_lp", TypeError, "str"),
                Bad({}, TypeError, "dict"), Bad(pyo.Var(), TypeError, "component"),
                Bad(pyo.AbstractModel(), ValueError, "not_constructed"),
                Bad(small_lp(objectives=0), ValueError, "no_objective"),
                Bad(small_lp(objectives=2), ValueError, "two_objectives"),
            ],
            "solver": SOLVER_BADS,
            # None is the default (no limit), so it is not a bad value here
            "time_limit_s": [b for b in number_bads(negative=True, zero=True)
                             if b.label != "none"],
            "options": [
                Bad("presolve", TypeError, "str"), Bad(["presolve"], TypeError, "list"),
                Bad({1: 2}, TypeError, "int_name"), Bad({"": 1}, TypeError, "empty_name"),
                Bad({"presolve": None}, TypeError, "none_value"),
                Bad({"presolve": [1]}, TypeError, "list_value"),
                Bad({"nope": 1}, ValueError, "unknown_name"),
                Bad({"presolve": 3}, ValueError, "wrong_value"),
                Bad({"threads": 2.5}, ValueError, "fraction"),
                Bad({"mip_rel_gap": np.nan}, ValueError, "nan_value"),
                Bad({"time_limit": 5.0}, ValueError, "repeats_time_limit_s"),
            ],
            "tee": [Bad(1, TypeError, "int"), Bad("yes", TypeError, "str"),
                    Bad(None, TypeError, "none")],
            "allow_time_limit": [Bad(1, TypeError, "int"), Bad("yes", TypeError, "str"),
                                 Bad(None, TypeError, "none"),
                                 Bad(np.array([True]), TypeError, "array")],
        },
    ),
    Spec(
        "map_tasks",
        call=map_tasks,
        good={"fn": abs, "tasks": [1, -2], "jobs": 1, "client": None, "progress": False,
              "desc": "tasks"},
        positional=("fn", "tasks"),
        bad={
            "fn": [Bad(None, TypeError, "none"), Bad("abs", TypeError, "str"),
                   Bad(3, TypeError, "int")],
            "tasks": [Bad(None, TypeError, "none"), Bad(3, TypeError, "int"),
                      Bad("abc", TypeError, "str"), Bad({1, 2}, TypeError, "set"),
                      Bad({1: 2}, TypeError, "dict")],
            "jobs": integer_bads(minimum=1),
            "client": [Bad("tcp://scheduler:8786", TypeError, "address"),
                       Bad(3, TypeError, "int")],
            "desc": [Bad(3, TypeError, "int"), Bad("", ValueError, "empty")],
        },
        unbroken={"progress": "any object: its truth value switches the bar on or off"},
    ),
]

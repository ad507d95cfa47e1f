"""Bad-input battery entries for lectoolkit.mechanisms (see tests/battery.py)."""

import numpy as np
from battery import Bad, Spec, integer_bads, number_bads
from battery_settlement import BUY, LOAD, MASK, PV, SELL, _settle_bads

# the arguments settle_mechanisms passes on to settle, with settle's bad values
_SETTLE_BADS = _settle_bads(LOAD, PV, BUY, SELL, mechanism_bads=[], variant_bads=[],
                            compensation_bads=[])
_FORWARDED = ("load_kwh", "pv_kwh", "price_buy_per_kwh", "price_sell_per_kwh", "p2p_allowed",
              "timestep_h")


def _keys_bads(extra=()) -> list[Bad]:
    return [
        Bad(["mmr"], ValueError, "unknown_key"), Bad(["sdr", "sdr"], ValueError, "repeated"),
        Bad([], ValueError, "empty"), Bad("sdr", TypeError, "str"), Bad([1], TypeError, "int_key"),
        Bad({"sdr": 1}, TypeError, "dict"), Bad(3, TypeError, "int"),
    ] + list(extra)


def _list_bads(element_bads) -> list[Bad]:
    return [
        Bad([], ValueError, "empty"), Bad(3, TypeError, "scalar"), Bad("abc", TypeError, "str"),
        Bad(None, TypeError, "none"), Bad(np.ones((1, 1)), TypeError, "2d"),
    ] + [Bad([b.value], b.error, f"element_{b.label}") for b in element_bads
         if not isinstance(b.value, list)]


SPECS = [
    Spec(
        "settle_mechanisms",
        good={"load_kwh": LOAD, "pv_kwh": PV, "price_buy_per_kwh": BUY,
              "price_sell_per_kwh": SELL, "p2p_allowed": MASK, "timestep_h": 0.25,
              "compensation_per_kwh": 0.5, "mechanisms": None},
        positional=("load_kwh", "pv_kwh"),
        bad={
            **{name: _SETTLE_BADS[name] for name in _FORWARDED},
            "compensation_per_kwh": [
                Bad(None, ValueError, "missing_with_sdrc"), Bad(0.0, ValueError, "zero"),
                Bad(3.75, ValueError, "at_buy_ref_minus_sell_ref"),
                Bad("0.5", TypeError, "str"), Bad(float("nan"), ValueError, "nan"),
            ],
            "mechanisms": _keys_bads(extra=[Bad(["sdr"], ValueError, "compensation_without_sdrc")]),
        },
    ),
    Spec(
        "mechanism_sweep",
        good={"sizes": [3], "prosumer_shares": [0.5], "replicates": 1, "days": 1,
              "compensation_per_kwh": None, "mechanisms": ["conventional", "sdr"], "rng": 0,
              "jobs": 1, "client": None, "progress": False},
        positional=("sizes", "prosumer_shares"),
        bad={
            "sizes": _list_bads(integer_bads(minimum=1)),
            "prosumer_shares": _list_bads(number_bads(negative=True, extra=[
                Bad(1.5, ValueError, "above_one")])),
            "replicates": integer_bads(minimum=1),
            "days": integer_bads(minimum=1),
            "compensation_per_kwh": [b for b in number_bads(negative=True, zero=True)
                                     if b.label != "none"] + [
                Bad(0.5, ValueError, "without_sdrc")],
            "mechanisms": _keys_bads(),
            "rng": [Bad("x", TypeError, "str"), Bad(-1, ValueError, "negative"),
                    Bad(2.5, TypeError, "float"), Bad(True, TypeError, "bool"),
                    Bad(np.random.RandomState(0), TypeError, "legacy")],
            "jobs": integer_bads(minimum=1),
            "client": [Bad(object(), TypeError, "no_map"), Bad("abc", TypeError, "str")],
        },
        unbroken={"progress": "any truthy value shows the bar (as map_tasks)"},
    ),
]

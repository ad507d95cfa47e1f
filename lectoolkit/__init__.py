"""lectoolkit: a research toolkit for local and renewable energy communities.

Public functions are importable from the top level; the modules behind them are
loaded on first use so that ``import lectoolkit`` stays fast (numba, pyomo and
papermill are only imported when a function that needs them is called).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it (one line per name; keep sorted by module)
_EXPORTS: dict[str, str] = {
    "from_combination_order": "coalitions",
    "to_combination_order": "coalitions",
    "read_prosumer_monthly": "io",
    "settle_nrgx": "nrgx",
    "save_figure": "plotting",
    "shapley_values": "shapley",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lectoolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lectoolkit.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

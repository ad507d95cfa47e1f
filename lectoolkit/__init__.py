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
    "ResultRangeError": "_validate",
    "demand_permutation_allocation": "allocation",
    "equal_allocation": "allocation",
    "marginal_contribution_allocation": "allocation",
    "marginal_contributions": "allocation",
    "proportional_allocation": "allocation",
    "surplus_deficit_allocation": "allocation",
    "talmud_rule": "allocation",
    "from_combination_order": "coalitions",
    "to_combination_order": "coalitions",
    "CoreCheck": "core",
    "CoreSolution": "core",
    "build_least_core_model": "core",
    "in_core": "core",
    "least_core": "core",
    "nucleolus": "core",
    "additive_worths": "games",
    "bankruptcy_worths": "games",
    "demand_worths": "games",
    "glove_worths": "games",
    "nrgx_coalition_worths": "games",
    "savings_worths": "games",
    "DataFormatError": "io",
    "read_prosumer_monthly": "io",
    "accepted_offers": "lem",
    "build_offers": "lem",
    "lem_prices": "lem",
    "merit_order": "lem",
    "bills_table": "metrics",
    "compare_mechanisms": "metrics",
    "energy_ratios": "metrics",
    "gini": "metrics",
    "individual_rationality": "metrics",
    "money_identity": "metrics",
    "savings": "metrics",
    "charge": "nrgx",
    "payment": "nrgx",
    "settle_nrgx": "nrgx",
    "settle_nrgx_coalitions": "nrgx",
    "OperationInputs": "operation",
    "OperationResult": "operation",
    "PricingLoopResult": "operation",
    "build_collective_model": "operation",
    "build_individual_model": "operation",
    "dual_prices": "operation",
    "extract_dispatch": "operation",
    "from_rec_op_inputs": "operation",
    "lem_pricing_loop": "operation",
    "run_collective": "operation",
    "run_individual": "operation",
    "plot_monthly_panels": "plotting",
    "plot_nrgx_scatter": "plotting",
    "save_figure": "plotting",
    "save_metrics": "plotting",
    "Community": "profiles",
    "apply_inverter_outages": "profiles",
    "build_community": "profiles",
    "community_members": "profiles",
    "daily_load_shape": "profiles",
    "daily_pv_shape": "profiles",
    "draw_inverter_outages": "profiles",
    "draw_p2p_maintenance": "profiles",
    "draw_tariffs": "profiles",
    "generate_household_loads": "profiles",
    "generate_pv_from_load": "profiles",
    "seed_community_002": "profiles",
    "synthetic_prosumer_monthly": "profiles",
    "SettlementResult": "settlement",
    "dynamic_p2p_price": "settlement",
    "mid_market_rate": "settlement",
    "reference_prices": "settlement",
    "settle": "settlement",
    "supply_demand_ratio": "settlement",
    "DenseGameTooLargeError": "shapley",
    "free_memory_bytes": "shapley",
    "max_dense_players": "shapley",
    "settlement_game_shapley": "shapley",
    "settlement_game_shapley_sampled": "shapley",
    "settlement_game_worths": "shapley",
    "shapley_sampled": "shapley",
    "shapley_values": "shapley",
    "SolverError": "solvers",
    "available_solvers": "solvers",
    "resolve_solver": "solvers",
    "solve": "solvers",
    "solver_version": "solvers",
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

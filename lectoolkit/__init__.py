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
    "AllocationComparison": "allocation",
    "compare_allocations": "allocation",
    "deficit_allocations": "allocation",
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
    "core_table": "core",
    "least_core": "core",
    "nucleolus": "core",
    "prenucleolus": "core",
    "additive_worths": "games",
    "bankruptcy_worths": "games",
    "demand_worths": "games",
    "glove_worths": "games",
    "nrgx_coalition_worths": "games",
    "savings_worths": "games",
    "DataFormatError": "io",
    "read_prosumer_monthly": "io",
    "from_seed_prosumer_frame": "io",
    "InvoicingInputs": "invoicing",
    "InvoicingResult": "invoicing",
    "compute_invoice": "invoicing",
    "invoice_community": "invoicing",
    "monthly_invoices": "invoicing",
    "operator_invoice": "invoicing",
    "read_invoicing_inputs": "invoicing",
    "accepted_offers": "lem",
    "build_offers": "lem",
    "lem_prices": "lem",
    "merit_order": "lem",
    "mechanism_sweep": "mechanisms",
    "settle_mechanisms": "mechanisms",
    "bills_table": "metrics",
    "compare_mechanisms": "metrics",
    "daily_bills": "metrics",
    "energy_ratios": "metrics",
    "gini": "metrics",
    "individual_rationality": "metrics",
    "money_identity": "metrics",
    "savings": "metrics",
    "charge": "nrgx",
    "payment": "nrgx",
    "settle_nrgx": "nrgx",
    "NrgxCoalitionSettlement": "nrgx_coalitions",
    "settle_nrgx_coalitions": "nrgx_coalitions",
    "OperationInputs": "operation",
    "OperationResult": "operation",
    "OperationGame": "storage_games",
    "operation_game": "storage_games",
    "operation_shapley_sampled": "storage_games",
    "operation_allocations": "storage_games",
    "PricingLoopResult": "operation_prices",
    "build_collective_model": "operation",
    "build_individual_model": "operation",
    "check_inputs": "operation",
    "dual_prices": "operation_prices",
    "extract_dispatch": "operation",
    "from_rec_op_inputs": "operation",
    "lem_pricing_loop": "operation_prices",
    "run_collective": "operation",
    "run_individual": "operation",
    "plot_allocations": "plotting",
    "plot_coalition_payoff": "plotting",
    "plot_monthly_panels": "plotting",
    "plot_sampled_shapley": "plotting",
    "plot_sweep": "plotting",
    "save_timings": "plotting",
    "plot_nrgx_scatter": "plotting",
    "save_figure": "plotting",
    "save_metrics": "plotting",
    "bill_sharing_prices": "pricing",
    "dynamic_p2p_price": "pricing",
    "mid_market_rate": "pricing",
    "supply_demand_ratio": "pricing",
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
    "synthetic_net_load": "profiles",
    "synthetic_prosumer_monthly": "profiles",
    "exact_shapley_scaling": "scaling",
    "operation_game_scaling": "scaling",
    "sampled_shapley_scaling": "scaling",
    "seed_shapley_scaling": "scaling",
    "SettlementResult": "settlement",
    "reference_prices": "settlement",
    "settle": "settlement",
    "DenseGameTooLargeError": "shapley",
    "ShapleyEstimate": "shapley",
    "free_memory_bytes": "shapley",
    "max_dense_players": "shapley",
    "sampling_error_table": "shapley",
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
    "operation_explorer": "widgets",
    "storage_game_explorer": "widgets",
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

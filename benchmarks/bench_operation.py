"""REC operation with batteries (lectoolkit.operation, seed 004, issue 10).

Rows:
(a) the eight instances of ``rec_instances`` (the original library's input format): the
    two-stage pool before delivery, ``run_collective(inputs, no_loss=True)`` (default
    reduced formulation, HiGHS by default), timed whole (stage 1, model builds, solves,
    check, the min-volume split), with the model build and solver times of stage 2
    apart; against the original's formulation built by us in pyomo
    (``formulation="full"``, same solver, same run) stopped at a time cap (60 s, 10 s with
    ``--quick``). The baseline text gives its status and gap at the cap: a time limit that
    ends without an incumbent raises ``SolverError`` and is reported as "time limit, no
    solution returned, no proof"; with one, the result's status and gap are given.
    Asserted: ours proven optimal within a gap of 1e-4; equal to the faithful formulation's
    optimum where that one is proven too; and not above the cost the original reported
    (README of ``rec_instances``) wherever it reported one. The
    original rounds the stage-1 costs up to 3 decimals before using them as the no-loss
    bound (a looser bound), so that comparison is made with ``no_loss_round_up=True``,
    the original's problem, and the reported 4 decimals (half a unit of the last digit).
(b) a year of daily two-stage pool operations of the 50-member, 24-step instance with the
    batteries' stored energy carried over from day to day (each day's load and PV scaled by
    seeded factors, so days differ). Carrying the state over makes the days one
    sequential chain: it runs as a single task of ``parallel.map_tasks`` (workers can only
    take independent chains, e.g. scenarios or communities). When the whole year does not
    fit the session, a shorter chain is measured and the year extrapolated (labelled).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from timing import row

from lectoolkit.operation import OperationInputs, from_rec_op_inputs, run_collective
from lectoolkit.parallel import map_tasks
from lectoolkit.solvers import SolverError

INSTANCES = ("rec_n5_s24", "rec_n10_s24", "rec_n20_s24", "rec_n50_s24",
             "rec_n5_s96", "rec_n10_s96", "rec_n20_s96", "rec_n50_s96")
REPORTED_EUR = {  # community cost the original reported (README of rec_instances), 4 decimals
    "rec_n5_s24": -1.3985, "rec_n10_s24": 1.3095, "rec_n20_s24": 6.8660,
    "rec_n50_s24": -0.5538, "rec_n5_s96": -1.4030, "rec_n10_s96": 1.5792,
}
TARGETS_S = {"rec_n5_s24": 0.5, "rec_n50_s96": 10.0}  # the wall-time targets
GAP = 1e-4
YEAR_INSTANCE = "rec_n50_s24"
YEAR_DAYS = 365


def instance_folder() -> Path:
    """The instances: the project's data folder, else the shared one."""
    root = Path(__file__).resolve().parents[1]
    for folder in (root / "data" / "rec_instances",
                   root.parent / "shared" / "data" / "rec_instances"):
        if (folder / f"{INSTANCES[0]}.json").exists():
            return folder
    raise FileNotFoundError("rec_instances not found under data/")


def load_inputs(name: str) -> OperationInputs:
    return from_rec_op_inputs(json.loads((instance_folder() / f"{name}.json").read_text()))


# ------------------------------------------------------------------------- the instances


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def ours(inputs: OperationInputs):
    """Our result and wall time [s] (best of three when a call takes under 2 s)."""
    result, wall_s = _timed(lambda: run_collective(inputs, no_loss=True))
    if wall_s < 2.0:
        wall_s = min(wall_s, *(_timed(lambda: run_collective(inputs, no_loss=True))[1]
                               for _ in range(2)))
    return result, wall_s


def faithful(inputs: OperationInputs, cap_s: float) -> tuple[str, float, float | None]:
    """The original's formulation at a time cap per solve.

    Returns its status text, wall time [s] and objective when proven optimal [EUR].

    ``split="solver"``: the min-volume split would be one more capped solve of the full
    model after the first.
    """
    start = time.perf_counter()
    try:
        result = run_collective(inputs, no_loss=True, formulation="full", time_limit_s=cap_s,
                                split="solver")
    except SolverError as error:
        wall_s = time.perf_counter() - start
        stage = "stage 1" if "rec_individual" in str(error) else "stage 2"
        if error.termination_condition == "maxTimeLimit":
            return f"time limit in {stage}, no solution returned, no proof", wall_s, None
        return f"{error.termination_condition} in {stage}", wall_s, None
    wall_s = time.perf_counter() - start
    if result.status == "optimal":
        return (f"proven optimal, {result.objective:.4f} EUR, gap <= {result.mip_gap:.0e}",
                wall_s, result.objective)
    return f"{result.status}, {result.objective:.4f} EUR, gap {result.mip_gap:.2%}", wall_s, None


def instance_row(name: str, cap_s: float) -> dict:
    inputs = load_inputs(name)
    result, wall_s = ours(inputs)
    assert result.status == "optimal" and result.mip_gap <= GAP, (name, result.status)
    note = ""
    if name in REPORTED_EUR:  # the original's problem: its rounded-up no-loss bound
        same = run_collective(inputs, no_loss=True, no_loss_round_up=True)
        assert same.status == "optimal", name
        assert same.objective <= REPORTED_EUR[name] + 5e-5, (name, same.objective)
        note = f"; original reported {REPORTED_EUR[name]:.4f}, ours {same.objective:.4f}"
    status, full_s, proven_eur = faithful(inputs, cap_s)
    if proven_eur is not None:  # both proven within the gap: the same optimum
        assert abs(proven_eur - result.objective) <= 2 * GAP * max(1.0, abs(proven_eur)), name
    size = (f"{inputs.n_members} x {inputs.n_steps} ({name}): ours {result.objective:.4f} EUR "
            f"proven (gap <= {result.mip_gap:.0e}), build {result.build_time_s:.2f} s + "
            f"solve {result.solve_time_s:.2f} s, {result.n_binaries} binaries{note}")
    target = TARGETS_S.get(name)
    return row("REC op: two-stage pool, pre-delivery", size, wall_s,
               f"original's formulation in pyomo, cap {cap_s:g} s/solve: {status}", full_s,
               target=f"proven, <= {target:g} s" if target else "proven, gap <= 1e-4",
               met=wall_s <= target if target else True)


# ------------------------------------------------------------------------------- a year


def day_inputs(base: OperationInputs, day: int, initial_kwh, seed: int = 4) -> OperationInputs:
    """Day ``day`` of the year: seasonal, seeded scaling of load and PV, batteries' state."""
    rng = np.random.default_rng([seed, day])
    season = np.cos(2 * np.pi * (day - 172) / 365)  # +1 at midsummer
    load_scale = (1.0 - 0.15 * season) * rng.uniform(0.9, 1.1, base.n_members)
    pv_scale = (0.65 + 0.35 * season) * rng.uniform(0.5, 1.1)
    batteries = base.batteries.copy()
    batteries["initial_kwh"] = initial_kwh
    return replace(base, load_kwh=base.load_kwh * load_scale, pv_kwh=base.pv_kwh * pv_scale,
                   batteries=batteries)


def year_chain(n_days: int) -> list[float]:
    """Community cost of each day [EUR], the stored energy carried from day to day."""
    base = load_inputs(YEAR_INSTANCE)
    batteries = base.batteries
    stored = batteries["initial_kwh"].to_numpy()
    low = (batteries["soc_min"] * batteries["capacity_kwh"]).to_numpy()
    high = (batteries["soc_max"] * batteries["capacity_kwh"]).to_numpy()
    costs = []
    for day in range(n_days):
        result = run_collective(day_inputs(base, day, stored), no_loss=True)
        assert result.status == "optimal"
        costs.append(result.objective)
        last = result.dispatch["stored_kwh"].xs(base.steps[-1], level=0)
        # clip only the solver's feasibility tolerance (1e-9 kWh) back into the SoC limits
        stored = np.clip(last.loc[batteries.index].to_numpy(), low, high)
    return costs


def year_row(n_days: int) -> dict:
    start = time.perf_counter()
    [costs] = map_tasks(year_chain, [n_days], progress=False)
    chain_s = time.perf_counter() - start
    year_s = chain_s * YEAR_DAYS / n_days
    measured = "the whole year" if n_days == YEAR_DAYS else (
        f"{n_days} days measured ({chain_s:.1f} s), year EXTRAPOLATED x{YEAR_DAYS / n_days:.1f}")
    base = load_inputs(YEAR_INSTANCE)
    size = (f"{base.n_members} x {base.n_steps} ({YEAR_INSTANCE}) x {YEAR_DAYS} days, battery "
            f"state carried over (one sequential chain): {measured}; "
            f"{chain_s / n_days:.2f} s/day, cost {sum(costs):.2f} EUR over {n_days} days")
    return row("REC op: a year of daily two-stage pools", size, year_s,
               "none (the original finds no 50 x 96 solution in 300 s)", float("nan"),
               target="<= 600 s", met=year_s <= 600)


# ------------------------------------------------------------------------------- run


def run(quick: bool) -> list[dict]:
    cap_s = 10.0 if quick else 60.0
    run_collective(load_inputs(INSTANCES[0]), no_loss=True)  # warm up pyomo and the solver
    rows = [instance_row(name, cap_s) for name in INSTANCES]
    rows.append(year_row(7 if quick else 30))
    return rows

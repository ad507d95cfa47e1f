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
    seeded factors, so days differ). Carrying the state over makes the days one chain;
    :func:`year` solves them speculatively in parallel and verifies the chain in order
    (re-solving any day whose assumed starting state was wrong), so the result is the
    sequential chain's exactly. ``--quick`` measures 7 days and extrapolates (labelled).
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


_SNAP_KWH = 1e-9  # stored energy within this of a SoC limit is carried over as the limit


def carry(base: OperationInputs, last_kwh: np.ndarray) -> np.ndarray:
    """Stored energy carried to the next day [kWh]: the solver's last value, its
    feasibility tolerance snapped back onto the SoC limits."""
    batteries = base.batteries
    low = (batteries["soc_min"] * batteries["capacity_kwh"]).to_numpy()
    high = (batteries["soc_max"] * batteries["capacity_kwh"]).to_numpy()
    stored = np.clip(last_kwh, low, high)
    stored = np.where(stored - low <= _SNAP_KWH, low, stored)
    return np.where(high - stored <= _SNAP_KWH, high, stored)


DAY_LIMIT_S = 30.0  # solver time limit per solve of a day of the year [s]


def solve_day(task: tuple[int, np.ndarray]) -> tuple[float, np.ndarray, str, float]:
    """One day's two-stage pool from the given stored energy: (cost [EUR], carried [kWh],
    status, gap [-])."""
    day, initial_kwh = task
    base = load_inputs(YEAR_INSTANCE)
    result = run_collective(day_inputs(base, day, initial_kwh), no_loss=True,
                            time_limit_s=DAY_LIMIT_S)
    last = result.dispatch["stored_kwh"].xs(base.steps[-1], level=0)
    return (result.objective, carry(base, last.loc[base.batteries.index].to_numpy()),
            result.status, result.mip_gap)


def year(n_days: int, jobs: int) -> tuple[list[tuple], int]:
    """Each day's (cost [EUR], carried state, status, gap) with the stored energy carried
    over, and the number of days re-solved.

    The days form one chain through the batteries' state, so they are solved
    speculatively: day 0 from the instance's state and every later day from the state
    the optimum without a terminal value for stored energy usually ends in, every battery
    at its SoC minimum, all at once through ``parallel.map_tasks`` (``jobs`` workers,
    progress bar). Then the chain is walked in order: a day whose assumed starting state
    differs (at all) from the state its predecessor actually carried is solved again
    from the true state. The costs are those of the sequential chain exactly: every
    accepted day solved the very problem the chain would have posed.
    """
    base = load_inputs(YEAR_INSTANCE)
    batteries = base.batteries
    start = carry(base, batteries["initial_kwh"].to_numpy())
    guess = carry(base, (batteries["soc_min"] * batteries["capacity_kwh"]).to_numpy())
    tasks = [(day, start if day == 0 else guess) for day in range(n_days)]
    outcomes = map_tasks(solve_day, tasks, jobs=jobs, desc="days (speculative)")
    days, stored, re_solved = [], start, 0
    for day, (assumed, outcome) in enumerate(zip((t[1] for t in tasks), outcomes, strict=True)):
        if not np.array_equal(assumed, stored):
            outcome = solve_day((day, stored))
            re_solved += 1
        days.append(outcome)
        stored = outcome[1]
    return days, re_solved


def year_row(n_days: int, jobs: int = 2) -> dict:
    start = time.perf_counter()
    days, re_solved = year(n_days, jobs)
    chain_s = time.perf_counter() - start
    costs = [day[0] for day in days]
    limited = [day[3] for day in days if day[2] != "optimal"]
    year_s = chain_s * YEAR_DAYS / n_days
    measured = "the whole year" if n_days == YEAR_DAYS else (
        f"days 0-{n_days - 1} (winter) measured ({chain_s:.1f} s), year EXTRAPOLATED "
        f"x{YEAR_DAYS / n_days:.1f} (winter days are the quickest: spring and autumn days add "
        "binaries back)")
    base = load_inputs(YEAR_INSTANCE)
    size = (f"{base.n_members} x {base.n_steps} ({YEAR_INSTANCE}) x {YEAR_DAYS} days, battery "
            f"state carried over, days solved speculatively on {jobs} workers and verified in "
            f"order ({re_solved} re-solved): {measured}; {chain_s / n_days:.2f} s/day, cost "
            f"{sum(costs):.2f} EUR over {n_days} days; {n_days - len(limited)} days proven "
            f"optimal, {len(limited)} stopped at the {DAY_LIMIT_S:g} s limit per solve"
            + (f" (largest gap {max(limited):.2e})" if limited else ""))
    return row("REC op: a year of daily two-stage pools", size, year_s,
               "none (the original finds no 50 x 96 solution in 300 s)", float("nan"),
               target="<= 600 s, every day proven", met=year_s <= 600 and not limited)


# ------------------------------------------------------------------------------- run


def run(quick: bool) -> list[dict]:
    cap_s = 10.0 if quick else 60.0
    run_collective(load_inputs(INSTANCES[0]), no_loss=True)  # warm up pyomo and the solver
    rows = [instance_row(name, cap_s) for name in INSTANCES]
    # quick: 7 days in this process (2 workers would spend ~10 s starting up, which an
    # extrapolation would multiply); full: the whole year on 2 workers
    rows.append(year_row(7, jobs=1) if quick else year_row(YEAR_DAYS, jobs=2))
    return rows

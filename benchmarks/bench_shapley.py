"""Benchmarks of lectoolkit.shapley: exact, settlement-game and sampled Shapley values.

Baselines, timed in the same run:

* seed 001's method: the power set as a list of coalition lists, each coalition
  located with ``list.index``; seed 000's method: every permutation of the players
  enumerated, each prefix's worth looked up again for every position (both
  re-implemented in the seeds' style in :mod:`lectoolkit.scaling`);
* plain numpy versions of our algorithms (same maths, whole-array temporaries).

The scaling measurements themselves are library functions (:mod:`lectoolkit.scaling`,
also what notebook 06 plots); this module turns them into BENCHMARKS.md rows.
"""

from __future__ import annotations

from functools import partial

import numba
import numpy as np
import pandas as pd
from timing import best_of, row, time_call

from lectoolkit.coalitions import to_combination_order
from lectoolkit.profiles import synthetic_net_load
from lectoolkit.scaling import (
    _peak_growth_mb,
    _random_worths,
    _seed000_permutation_shapley,
    _seed001_powerset_shapley,
    _warm_up_exact,
    exact_shapley_scaling,
    sampled_shapley_scaling,
)
from lectoolkit.shapley import settlement_game_worths, shapley_values

N_STEPS = 2880  # 30 days at 15 min


def numpy_settlement_worths(load, buy, sell, batch: int = 1 << 11) -> np.ndarray:
    """Settlement-game worths in numpy: coalition net loads by matrix product, per batch."""
    n_steps, n = load.shape
    buy = np.broadcast_to(buy, n_steps)
    sell = np.broadcast_to(sell, n_steps)

    def bills(net):
        return (buy * np.maximum(net, 0.0) - sell * np.maximum(-net, 0.0)).sum(axis=-1)

    alone = bills(load.T)
    bits = 1 << np.arange(n)
    worths = np.empty(1 << n)
    for start in range(0, 1 << n, batch):
        masks = np.arange(start, min(start + batch, 1 << n))
        members = ((masks[:, None] & bits) != 0).astype(float)
        worths[masks] = members @ alone - bills(members @ load.T)
    return worths


def numpy_sampled_settlement(load, buy, sell, n_permutations: int, seed: int) -> pd.DataFrame:
    """Permutation sampling of the settlement game in numpy: one cumsum per permutation."""
    n_steps, n = load.shape
    buy = np.broadcast_to(buy, n_steps)[:, None]
    sell = np.broadcast_to(sell, n_steps)[:, None]

    def bills(net):
        return (buy * np.maximum(net, 0.0) - sell * np.maximum(-net, 0.0)).sum(axis=0)

    alone = bills(load)
    rng = np.random.default_rng(seed)
    samples = np.empty((n_permutations, n))
    for p in range(n_permutations):
        order = rng.permutation(n)
        worth = np.cumsum(alone[order]) - bills(np.cumsum(load[:, order], axis=1))
        samples[p, order] = np.diff(worth, prepend=0.0)
    return pd.DataFrame({"shapley": samples.mean(axis=0),
                         "std_error": samples.std(axis=0, ddof=1) / np.sqrt(n_permutations)})


# ------------------------------------------------------------------------------- run


def _exact_rows(quick: bool) -> list[dict]:
    ns = [10, 12, 14] if quick else [12, 16, 20, 25, 28]
    table = exact_shapley_scaling(ns, measure_memory=True)
    out = []
    for r in table.itertuples():
        target, met = "faster than the numpy version", r.seconds < r.numpy_seconds
        if r.n_players == 25:
            target = "<= 0.5 s and <= 1024 MB beyond the worths"
            met = bool(r.seconds <= 0.5 and r.peak_mb <= 1024)
        elif r.n_players == 28:
            target = "<= 5 s"
            met = bool(r.seconds <= 5.0)
        out.append(row("shapley exact dense", f"n={r.n_players}", r.seconds,
                       "numpy, same algorithm", r.numpy_seconds, target=target,
                       peak_mb=r.peak_mb, met=bool(met)))
    return out


def _seed_rows(quick: bool) -> list[dict]:
    # (label, baseline name, the baseline, its input from the worths (not timed), sizes,
    #  the size with a ratio target, that target)
    seeds = (
        ("shapley exact vs seed 001", "seed 001 power set + list.index", _seed001_powerset_shapley,
         lambda w: to_combination_order(w).tolist(), [6, 7] if quick else [8, 10, 12], 12,
         1000.0),
        ("shapley exact vs seed 000", "seed 000 all permutations", _seed000_permutation_shapley,
         lambda w: w.tolist(), [6, 7] if quick else [6, 8, 10], 10, 10000.0),
    )
    out = []
    _warm_up_exact()
    for label, baseline, seed_shapley, seed_input, sizes, target_n, target_ratio in seeds:
        for n in sizes:
            worths = _random_worths(n, seed=n)
            ours = best_of(lambda w=worths: shapley_values(w), repeat=5)
            base = best_of(partial(seed_shapley, n, seed_input(worths)), repeat=1, warmup=0)
            need = target_ratio if n == target_n else 1.0
            out.append(row(label, f"n={n}", ours, baseline, base,
                           target=f">= {need:g}x faster", met=base / ours >= need))
    return out


def _settlement_rows(quick: bool) -> list[dict]:
    sizes = [(10, 96), (12, 96)] if quick else [(20, N_STEPS), (24, N_STEPS)]
    settlement_game_worths(synthetic_net_load(3, 8, rng=0), 0.30, 0.05)
    out = []
    for n, n_steps in sizes:
        load = synthetic_net_load(n, n_steps, rng=0)
        ours = time_call(lambda x=load: settlement_game_worths(x, 0.30, 0.05))
        peak = _peak_growth_mb("settlement", n, n_steps)
        if n <= 20:
            baseline = "numpy, batched matrix products"
            base = time_call(lambda x=load: numpy_settlement_worths(x, 0.30, 0.05))
        else:
            baseline = "ours on 1 thread"
            threads = numba.get_num_threads()
            numba.set_num_threads(1)
            try:
                base = time_call(lambda x=load: settlement_game_worths(x, 0.30, 0.05))
            finally:
                numba.set_num_threads(threads)
        target, limit = {20: ("<= 0.5 s", 0.5), 24: ("<= 8 s", 8.0)}.get(
            n, ("faster than numpy", base))
        out.append(row("settlement game worths (Gray code)", f"n={n}, T={n_steps}", ours,
                       baseline, base, target=target, peak_mb=peak, met=bool(ours <= limit)))
    return out


def _sampled_rows(quick: bool) -> list[dict]:
    n, n_steps, m = (50, 96, 20) if quick else (1000, N_STEPS, 1000)
    table = sampled_shapley_scaling([n], n_steps, m, measure_memory=True)
    r = table.iloc[0]
    load = synthetic_net_load(n, n_steps, rng=0)
    base = time_call(lambda: numpy_sampled_settlement(load, 0.30, 0.05, m, seed=0))
    target = "<= 5 s with standard errors" if not quick else "faster than numpy"
    limit = 5.0 if not quick else base
    return [row("settlement game sampled Shapley", f"n={n}, T={n_steps}, m={m}",
                float(r.seconds), "numpy, one cumsum per permutation", base, target=target,
                peak_mb=float(r.peak_mb), met=bool(r.seconds <= limit))]


def run(quick: bool) -> list[dict]:
    """Rows for BENCHMARKS.md (quick: small sizes, a few seconds)."""
    return _exact_rows(quick) + _seed_rows(quick) + _settlement_rows(quick) + _sampled_rows(quick)

"""Benchmarks of lectoolkit.shapley: exact, settlement-game and sampled Shapley values.

Baselines, timed in the same run:

* seed 001's method: the power set as a list of coalition lists, each coalition
  located with ``list.index`` (re-implemented in that style here);
* seed 000's method: every permutation of the players enumerated, each prefix's
  worth looked up again for every position;
* plain numpy versions of our algorithms (same maths, whole-array temporaries).

The scaling helpers (:func:`exact_scaling`, :func:`sampled_scaling`,
:func:`sampling_error_curve`) are also what notebook 06 plots.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from functools import partial

import numba
import numpy as np
import pandas as pd
from timing import best_of, peak_rss_growth_mb, row

from lectoolkit.coalitions import popcounts, to_combination_order
from lectoolkit.shapley import (
    settlement_game_shapley,
    settlement_game_shapley_sampled,
    settlement_game_worths,
    shapley_values,
    shapley_weights,
)

N_STEPS = 2880  # 30 days at 15 min

# ------------------------------------------------------------------------------ inputs


def random_worths(n: int, seed: int = 0) -> np.ndarray:
    """A dense game with i.i.d. normal worths, ``v(∅) = 0`` (no temporaries)."""
    worths = np.random.default_rng(seed).standard_normal(1 << n)
    worths[0] = 0.0
    return worths


def community_net_load(n_members: int, n_steps: int = N_STEPS, seed: int = 0) -> np.ndarray:
    """Synthetic net loads ``(n_steps, n_members)`` [kWh per 15 min]: load minus PV.

    Evening-peaked household loads with lognormal scale and noise; about half the
    members have PV of random size on a clear-sky bell around noon.
    """
    rng = np.random.default_rng(seed)
    hour = (np.arange(n_steps) % 96) / 4.0
    shape = 0.15 + 0.1 * np.exp(-0.5 * ((hour - 19.0) / 2.5) ** 2)
    load = shape[:, None] * rng.lognormal(0.0, 0.3, n_members) * rng.lognormal(
        0.0, 0.25, (n_steps, n_members))
    sun = np.clip(np.sin(np.pi * (hour - 6.0) / 13.0), 0.0, None)[:, None]
    pv_kwp = np.where(rng.random(n_members) < 0.5, rng.uniform(2.0, 8.0, n_members), 0.0)
    pv = 0.25 * sun * pv_kwp * rng.uniform(0.6, 1.0, (n_steps, 1))
    return load - pv


# --------------------------------------------------------------------------- baselines


def seed_powerset_shapley(n: int, values) -> list[float]:
    """Seed 001's algorithm: power set as lists, coalitions found by ``list.index``.

    ``values`` are the worths of the non-empty coalitions in combinations order.
    """
    players = list(range(n))
    power_set = [list(c) for size in range(1, n + 1) for c in itertools.combinations(players, size)]
    result = []
    for i in players:
        total = 0.0
        for coalition in power_set:
            if i in coalition:
                continue
            joined = coalition[:]
            bisect.insort_left(joined, i)
            size = len(coalition)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            total += (float(values[power_set.index(joined)])
                      - float(values[power_set.index(coalition)])) * weight
        total += float(values[power_set.index([i])]) * math.factorial(n - 1) / math.factorial(n)
        result.append(total)
    return result


def seed_permutation_shapley(n: int, worths) -> list[float]:
    """Seed 000's algorithm: all ``n!`` orders listed, each prefix re-evaluated."""
    orders = list(itertools.permutations(range(n)))
    result = [0.0] * n
    for order in orders:
        for position in range(n):
            worth = worths[sum(1 << p for p in order[: position + 1])]
            if position == 0:
                contribution = worth
            else:
                contribution = worth - worths[sum(1 << p for p in order[:position])]
            result[order[position]] += contribution / len(orders)
    return result


def numpy_shapley(worths: np.ndarray) -> np.ndarray:
    """Our folding algorithm in plain numpy (whole-array temporaries, one thread)."""
    n = worths.size.bit_length() - 1
    w = np.zeros(n + 2)
    w[1 : n + 1] = shapley_weights(n)
    sizes = popcounts(n)
    tmp = w[1:][sizes]
    outsider = float(np.dot(tmp, worths))
    np.take(w[: n + 1] + w[1:], sizes, out=tmp)
    tmp *= worths
    member = np.zeros(n)
    half = tmp.size
    for bit in range(n - 1, -1, -1):
        half >>= 1
        member[bit] = tmp[half : 2 * half].sum()
        tmp[:half] += tmp[half : 2 * half]
    return member - outsider


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


# ----------------------------------------------------------------------- peak memory


def _warm_up_exact() -> None:
    """Compile (or load) both exact kernels: one-thread (small) and parallel (large)."""
    shapley_values(random_worths(3))
    shapley_values(random_worths(17))


def _prepare_peak(kind: str, size: tuple):
    """Build the inputs of one benchmark call, warm up, and return the call."""
    if kind == "exact":
        (n,) = size
        worths = random_worths(n)
        _warm_up_exact()
        return lambda: shapley_values(worths)
    if kind == "settlement":
        n, n_steps = size
        load = community_net_load(n, n_steps)
        settlement_game_worths(load[:8, :3], 0.30, 0.05)
        return lambda: settlement_game_worths(load, 0.30, 0.05)
    n, n_steps, n_permutations = size
    load = community_net_load(n, n_steps)
    settlement_game_shapley_sampled(load[:8, :3], 0.30, 0.05, 4, rng=0)
    return lambda: settlement_game_shapley_sampled(load, 0.30, 0.05, n_permutations, rng=0)


def peak_growth_mb(kind: str, *size) -> float:
    """Peak-RSS growth of one call beyond its inputs, in a fresh process [MB].

    ``kind``: ``"exact"`` (size ``n``), ``"settlement"`` (``n, n_steps``) or
    ``"sampled"`` (``n, n_steps, n_permutations``).
    """
    return peak_rss_growth_mb(_prepare_peak, kind, size)


# --------------------------------------------------------------------------- scaling


def _time(fn, seconds_hint: float) -> float:
    """Best of 3 for fast calls, a single timed call for slow ones [s]."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first > seconds_hint:
        return first
    return min(first, best_of(fn, repeat=3, warmup=0))


def exact_scaling(ns, memory: bool = True, numpy_baseline: bool = True) -> pd.DataFrame:
    """Exact dense Shapley: seconds, peak memory beyond the worths, numpy time, per n."""
    _warm_up_exact()
    records = []
    for n in ns:
        worths = random_worths(n)
        ours = _time(lambda w=worths: shapley_values(w), 1.0)
        base = _time(lambda w=worths: numpy_shapley(w), 1.0) if numpy_baseline else np.nan
        del worths
        records.append({"n": n, "seconds": ours, "numpy_seconds": base,
                        "worths_mb": 8 * 2.0**n / 2**20,
                        "peak_mb": peak_growth_mb("exact", n) if memory else np.nan})
    return pd.DataFrame(records)


def seed_scaling(ns_powerset, ns_permutation) -> pd.DataFrame:
    """Seconds of the seeds' methods (one call each) and of ours, per n."""
    records = []
    for method, ns, fn in (
        ("seed 001 power set", ns_powerset,
         lambda n, w: seed_powerset_shapley(n, to_combination_order(w).tolist())),
        ("seed 000 permutations", ns_permutation,
         lambda n, w: seed_permutation_shapley(n, w.tolist())),
    ):
        for n in ns:
            worths = random_worths(n, seed=n)
            seconds = best_of(lambda n=n, w=worths, f=fn: f(n, w), repeat=1, warmup=0)
            records.append({"method": method, "n": n, "seconds": seconds})
    return pd.DataFrame(records)


def sampled_scaling(members, n_steps: int, n_permutations: int, memory: bool = False,
                    price_buy_per_kwh: float = 0.30,
                    price_sell_per_kwh: float = 0.05) -> pd.DataFrame:
    """Sampled settlement-game Shapley: seconds (and peak MB) per community size."""
    prices = (price_buy_per_kwh, price_sell_per_kwh)
    settlement_game_shapley_sampled(community_net_load(3, 8), *prices, 4, rng=0)
    records = []
    for n in members:
        load = community_net_load(n, n_steps)
        est = settlement_game_shapley_sampled(load, *prices, n_permutations, rng=0)
        seconds = _time(
            lambda x=load: settlement_game_shapley_sampled(x, *prices, n_permutations, rng=0),
            1.0)
        records.append({
            "members": n, "n_steps": n_steps, "n_permutations": n_permutations,
            "seconds": seconds, "inputs_mb": load.nbytes / 2**20,
            "peak_mb": peak_growth_mb("sampled", n, n_steps, n_permutations) if memory
            else np.nan,
            "mean_std_error": float(est["std_error"].mean()),
            "mean_abs_shapley": float(est["shapley"].abs().mean()),
        })
    return pd.DataFrame(records)


def sampling_error_curve(n_members: int, n_steps: int, permutations, n_seeds: int,
                         seed: int = 0, price_buy_per_kwh: float = 0.30,
                         price_sell_per_kwh: float = 0.05) -> tuple[pd.DataFrame, pd.Series]:
    """Error of the sampled Shapley value against the exact one, per permutation count.

    Returns the curve (``n_permutations, rmse, mean_std_error, coverage_2se``: share of
    estimates within 2 standard errors of exact, ``max_abs_z``: largest error in
    standard errors) and the exact value.
    """
    prices = (price_buy_per_kwh, price_sell_per_kwh)
    load = community_net_load(n_members, n_steps, seed)
    exact = settlement_game_shapley(load, *prices)
    records = []
    for m in permutations:
        errors, std_errors = [], []
        for s in range(n_seeds):
            est = settlement_game_shapley_sampled(load, *prices, m, rng=seed + 1000 * s + m)
            errors.append(est["shapley"].to_numpy() - exact.to_numpy())
            std_errors.append(est["std_error"].to_numpy())
        errors, std_errors = np.array(errors), np.array(std_errors)
        records.append({
            "n_permutations": m,
            "rmse": float(np.sqrt(np.mean(errors**2))),
            "mean_std_error": float(std_errors.mean()),
            "coverage_2se": float(np.mean(np.abs(errors) <= 2 * std_errors)),
            "max_abs_z": float(np.max(np.abs(errors) / np.where(std_errors > 0, std_errors,
                                                                 np.inf))),
        })
    return pd.DataFrame(records), exact


# ------------------------------------------------------------------------------- run


def _exact_rows(quick: bool) -> list[dict]:
    ns = [10, 12, 14] if quick else [12, 16, 20, 25, 28]
    table = exact_scaling(ns, memory=True)
    out = []
    for r in table.itertuples():
        target, met = "faster than the numpy version", r.seconds < r.numpy_seconds
        if r.n == 25:
            target = "<= 0.5 s and <= 1024 MB beyond the worths"
            met = bool(r.seconds <= 0.5 and r.peak_mb <= 1024)
        elif r.n == 28:
            target = "<= 5 s"
            met = bool(r.seconds <= 5.0)
        out.append(row("shapley exact dense", f"n={r.n}", r.seconds,
                       "numpy, same algorithm", r.numpy_seconds, target=target,
                       peak_mb=r.peak_mb, met=bool(met)))
    return out


def _seed_rows(quick: bool) -> list[dict]:
    # (label, baseline name, the baseline, its input from the worths (not timed), sizes,
    #  the size with a ratio target, that target)
    seeds = (
        ("shapley exact vs seed 001", "seed 001 power set + list.index", seed_powerset_shapley,
         lambda w: to_combination_order(w).tolist(), [6, 7] if quick else [8, 10, 12], 12,
         1000.0),
        ("shapley exact vs seed 000", "seed 000 all permutations", seed_permutation_shapley,
         lambda w: w.tolist(), [6, 7] if quick else [6, 8, 10], 10, 10000.0),
    )
    out = []
    _warm_up_exact()
    for label, baseline, seed_shapley, seed_input, sizes, target_n, target_ratio in seeds:
        for n in sizes:
            worths = random_worths(n, seed=n)
            ours = best_of(lambda w=worths: shapley_values(w), repeat=5)
            base = best_of(partial(seed_shapley, n, seed_input(worths)), repeat=1, warmup=0)
            need = target_ratio if n == target_n else 1.0
            out.append(row(label, f"n={n}", ours, baseline, base,
                           target=f">= {need:g}x faster", met=base / ours >= need))
    return out


def _settlement_rows(quick: bool) -> list[dict]:
    sizes = [(10, 96), (12, 96)] if quick else [(20, N_STEPS), (24, N_STEPS)]
    settlement_game_worths(community_net_load(3, 8), 0.30, 0.05)
    out = []
    for n, n_steps in sizes:
        load = community_net_load(n, n_steps)
        ours = _time(lambda x=load: settlement_game_worths(x, 0.30, 0.05), 1.0)
        peak = peak_growth_mb("settlement", n, n_steps)
        if n <= 20:
            baseline = "numpy, batched matrix products"
            base = _time(lambda x=load: numpy_settlement_worths(x, 0.30, 0.05), 1.0)
        else:
            baseline = "ours on 1 thread"
            threads = numba.get_num_threads()
            numba.set_num_threads(1)
            try:
                base = _time(lambda x=load: settlement_game_worths(x, 0.30, 0.05), 1.0)
            finally:
                numba.set_num_threads(threads)
        target, limit = {20: ("<= 0.5 s", 0.5), 24: ("<= 8 s", 8.0)}.get(
            n, ("faster than numpy", base))
        out.append(row("settlement game worths (Gray code)", f"n={n}, T={n_steps}", ours,
                       baseline, base, target=target, peak_mb=peak, met=bool(ours <= limit)))
    return out


def _sampled_rows(quick: bool) -> list[dict]:
    n, n_steps, m = (50, 96, 20) if quick else (1000, N_STEPS, 1000)
    table = sampled_scaling([n], n_steps, m, memory=True)
    r = table.iloc[0]
    load = community_net_load(n, n_steps)
    base = _time(lambda: numpy_sampled_settlement(load, 0.30, 0.05, m, seed=0), 1.0)
    target = "<= 5 s with standard errors" if not quick else "faster than numpy"
    limit = 5.0 if not quick else base
    return [row("settlement game sampled Shapley", f"n={n}, T={n_steps}, m={m}",
                float(r.seconds), "numpy, one cumsum per permutation", base, target=target,
                peak_mb=float(r.peak_mb), met=bool(r.seconds <= limit))]


def run(quick: bool) -> list[dict]:
    """Rows for BENCHMARKS.md (quick: small sizes, a few seconds)."""
    return _exact_rows(quick) + _seed_rows(quick) + _settlement_rows(quick) + _sampled_rows(quick)

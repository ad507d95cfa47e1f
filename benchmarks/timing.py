"""Timing and memory helpers shared by the benchmark modules."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time


def best_of(fn, repeat: int = 3, warmup: int = 1) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn()`` after ``warmup`` calls [s]."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _child(fn, queue):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fn()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((after - before) / 1024.0)


def peak_rss_growth_mb(fn) -> float:
    """Growth of peak resident memory while ``fn()`` runs in a forked child [MB].

    Counts every allocation (numpy, numba, C libraries), unlike tracemalloc. The child
    starts as a copy of this process, so inputs built before the call are not counted.
    """
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    growth = queue.get()
    proc.join()
    return growth


def row(benchmark: str, size: str, ours_s: float, baseline: str, baseline_s: float,
        target: str = "", peak_mb: float | None = None, met: bool | None = None) -> dict:
    """One row of BENCHMARKS.md; ``ratio`` is baseline time over ours."""
    return {
        "benchmark": benchmark,
        "size": size,
        "ours_s": ours_s,
        "baseline": baseline,
        "baseline_s": baseline_s,
        "ratio": baseline_s / ours_s if ours_s > 0 else float("inf"),
        "peak_mb": peak_mb,
        "target": target,
        "met": met,
    }
